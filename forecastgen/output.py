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
            if suffix_of(path) == "npy":
                np.save(handle, array)
            else:
                np.savez(handle, **{key: array})


def suffix_of(path: str | Path) -> str:
    """The file name's last suffix, lower case, without its dot: what the writers go by."""
    return Path(path).suffix.lower().lstrip(".")


def write_samples(path: str | Path, items) -> None:
    """Sampled items by the path's suffix: ``.png``, a grid of images (values in [0, 1]);
    ``.npy`` / ``.npz``, any items; ``.csv``, one-channel windows, one per row."""
    import numpy as np

    items = np.asarray(items, dtype=np.float64)
    suffix = suffix_of(path)
    if suffix == "png":
        if items.ndim != 4:
            raise InputError(f"the model samples items of shape {items.shape[1:]}, not images; "
                             "write them to .npy, .npz or .csv")
        from forecastgen.data.images import write_image_grid

        write_image_grid(np.clip(items, 0.0, 1.0), path)
    elif suffix in ("npy", "npz"):
        write_array(path, items, "images" if items.ndim == 4 else "windows")
    elif suffix == "csv":
        if items.ndim > 3 or (items.ndim == 3 and items.shape[2] != 1):
            raise InputError(f"a CSV holds one-channel windows; these items have shape "
                             f"{items.shape[1:]}: write them to .npy or .npz")
        with atomic_path(path) as temporary:
            np.savetxt(temporary, items.reshape(len(items), -1), delimiter=",", fmt="%.6g")
    else:
        raise InputError(f"{path}: write samples to .png, .npy, .npz or .csv")


def write_images(path: str | Path, images, levels: int) -> None:
    """Images with values in [0, 1] by the path's suffix: ``.png``, one image at its size or a
    grid of several; ``.npy`` / ``.npz``, their integer levels (0 .. levels - 1) as bytes."""
    from forecastgen.data.images import to_levels, write_image, write_image_grid

    suffix = suffix_of(path)
    if suffix == "png":
        if len(images) == 1:
            write_image(images[0], path)
        else:
            write_image_grid(images, path)
    elif suffix in ("npz", "npy"):
        write_array(path, to_levels(images, levels).astype("uint8" if levels <= 256 else "uint16"), "images")
    else:
        raise InputError(f"{path}: write the images to .png, .npz or .npy")
