"""Fixed-shape items for density models and fidelity scores: images or series windows.

``read_items(path)`` gives (items, kind): images (n, channels, height, width) scaled to
[0, 1] from anything ``read_images`` reads, or windows (n, length, channels) from a
``.npy``/``.npz`` array (key ``windows``, or its only array) or a CSV with one window
per row and one step per column (one channel, no header).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from forecastgen.data.images import read_images
from forecastgen.errors import InputError

IMAGES, WINDOWS = "images", "windows"


def read_items(path: str | Path, kind: str | None = None) -> tuple[np.ndarray, str]:
    path = Path(path)
    kind = kind or _guess_kind(path)
    if kind == IMAGES:
        return read_images(path).scaled(), IMAGES
    if kind != WINDOWS:
        raise InputError(f"kind must be {IMAGES} or {WINDOWS}, not {kind!r}")
    return _read_windows(path), WINDOWS


def _guess_kind(path: Path) -> str:
    if path.is_dir():
        return IMAGES
    if path.suffix == ".npz" and path.exists():
        with np.load(path, allow_pickle=False) as archive:
            return IMAGES if "images" in archive.files else WINDOWS
    if path.suffix == ".npy" and path.exists():
        return IMAGES if np.load(path, mmap_mode="r", allow_pickle=False).ndim == 4 else WINDOWS
    return WINDOWS


def _read_windows(path: Path) -> np.ndarray:
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    try:
        if path.suffix == ".csv":
            windows = np.loadtxt(path, delimiter=",", ndmin=2)
        elif path.suffix == ".npy":
            windows = np.load(path, allow_pickle=False)
        elif path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                key = "windows" if "windows" in archive.files else archive.files[0]
                if len(archive.files) > 1 and key != "windows":
                    raise InputError(f"{path}: holds arrays {archive.files}; name the windows "
                                     "array 'windows'")
                windows = archive[key]
        else:
            raise InputError(f"{path}: windows are read from .csv, .npy or .npz files")
    except ValueError as exc:
        raise InputError(f"{path}: cannot read windows ({str(exc).splitlines()[0]})") from None
    windows = np.asarray(windows, dtype=np.float64)
    if windows.ndim == 2:
        windows = windows[:, :, None]
    if windows.ndim != 3 or len(windows) < 5 or windows.shape[1] < 2:
        raise InputError(f"{path}: windows must be at least 5 rows of at least 2 steps, shape "
                         f"(n, length[, channels]); got {windows.shape}")
    if not np.isfinite(windows).all():
        raise InputError(f"{path}: some values are NaN or infinite")
    return windows
