"""Write output files atomically: a reader never sees a half-written file.

Files get the permissions the user's umask gives a new file (usually 0644), not the
0600 of the temporary file they are written to.
"""

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
        os.chmod(temporary, 0o666 & ~umask())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def umask() -> int:
    """The process's umask (reading it means setting it: set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets run as a formula


def csv_text(frame) -> str:
    """A frame as CSV text whose text cells no spreadsheet runs as formulas: a cell that starts
    like one gets a leading apostrophe (OWASP's advice on CSV injection)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            text = safe[column].astype(str)
            safe[column] = text.where(~text.str.startswith(FORMULA_STARTS), "'" + text)
    return safe.to_csv(index=False, float_format="%.8g")


def check_writable(path: str | Path | None, option: str) -> None:
    """Refuse, before any work, an output path whose folder is missing or unwritable (an option
    not given, ``None``, passes)."""
    if not path:
        return
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder; give a file name")
    if not folder.is_dir():
        raise InputError(f"{option} {path}: the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{option} {path}: no permission to write in {folder}")


def write_table(path: str | Path, frame) -> None:
    """A frame as CSV (``csv_text``), or as parquet for a ``.parquet`` path (numbers stay numbers)."""
    from forecastgen.data.reader import PARQUET_SUFFIXES

    if str(path).lower().endswith(PARQUET_SUFFIXES):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError(f"{path}: writing parquet needs pyarrow: pip install "
                             "'forecastgen[parquet]'") from None
        with atomic_path(path) as temporary:
            frame.to_parquet(temporary, index=False)
        return
    write_text(path, csv_text(frame))


def write_array(path: str | Path, array, key: str) -> None:
    """``array`` as a ``.npy`` file, or in a ``.npz`` under ``key`` (by the suffix)."""
    import numpy as np

    with atomic_path(path) as temporary:
        with open(temporary, "wb") as handle:
            if str(path).lower().endswith(".npy"):
                np.save(handle, array)
            else:
                np.savez(handle, **{key: array})
