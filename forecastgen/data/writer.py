"""Write forecasts and samples by the output path's suffix: tables as CSV (safe to open in a
spreadsheet) or parquet, sampled items as images, arrays or CSV rows; every file atomically.
The reading side is ``forecastgen.data.reader``."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from forecastgen.atomic import atomic_path, suffix_of, write_array, write_text
from forecastgen.data.images import write_image_grid
from forecastgen.data.reader import PARQUET_SUFFIXES
from forecastgen.errors import InputError

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


def write_samples(path: str | Path, items) -> None:
    """Sampled items by the path's suffix: ``.png``, a grid of images (values in [0, 1]);
    ``.npy`` / ``.npz``, any items; ``.csv``, one-channel windows, one per row."""
    items = np.asarray(items, dtype=np.float64)
    suffix = suffix_of(path)
    if suffix == "png":
        if items.ndim != 4:
            raise InputError(f"the model samples items of shape {items.shape[1:]}, not images; "
                             "write them to .npy, .npz or .csv")
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
