"""Write files atomically: a reader never sees a half-written file, and a failed write leaves
no file behind.

Files get the permissions the user's umask gives a new file (usually 0644), not the
0600 of the temporary file they are written to. This module imports nothing of
forecastgen but its errors, so every writer (tables, arrays, images, plots, checkpoints)
can build on it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np

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


def write_array(path: str | Path, array, key: str) -> None:
    """``array`` as a ``.npy`` file, or in a ``.npz`` under ``key`` (by the suffix)."""
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as handle:
            if suffix_of(path) == "npy":
                np.save(handle, array)
            else:
                np.savez(handle, **{key: array})


def suffix_of(path: str | Path) -> str:
    """The file name's last suffix, lower case, without its dot: what the writers go by."""
    return Path(path).suffix.lower().lstrip(".")
