"""Write output files atomically: a reader never sees a half-written file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from forecastgen.errors import InputError


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; it replaces ``path`` only if the block succeeds."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{path}: the folder {folder} does not exist; create it first")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_table(path: str | Path, frame) -> None:
    """A frame as CSV, or as parquet for a ``.parquet`` path (numbers stay numbers)."""
    if str(path).lower().endswith((".parquet", ".pq")):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError(f"{path}: writing parquet needs pyarrow: pip install "
                             "'forecastgen[parquet]'") from None
        with atomic_path(path) as temporary:
            frame.to_parquet(temporary, index=False)
        return
    write_text(path, frame.to_csv(index=False, float_format="%.8g"))


def write_array(path: str | Path, array, key: str) -> None:
    """``array`` as a ``.npy`` file, or in a ``.npz`` under ``key`` (by the suffix)."""
    import numpy as np

    with atomic_path(path) as temporary:
        with open(temporary, "wb") as handle:
            if str(path).lower().endswith(".npy"):
                np.save(handle, array)
            else:
                np.savez(handle, **{key: array})
