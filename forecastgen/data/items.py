"""Fixed-shape items for density models and fidelity scores: images or series windows.

``read_items(path)`` gives (items, kind): images (n, channels, height, width) scaled to
[0, 1] from anything ``read_images`` reads, or windows (n, length, channels) from a
``.npy``/``.npz`` array (key ``windows``, or its only array) or a CSV with one window
per row and one step per column (one channel, no header). ``as_item_array`` checks
what a density model's ``fit`` or score method is given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from forecastgen.data.images import archive_array, load_array, numeric, read_images
from forecastgen.errors import InputError

IMAGES, WINDOWS = "images", "windows"


def read_items(path: str | Path, kind: str | None = None) -> tuple[np.ndarray, str]:
    items, kind, _ = read_labelled_items(path, kind)
    return items, kind


def read_labelled_items(path: str | Path,
                        kind: str | None = None) -> tuple[np.ndarray, str, np.ndarray | None]:
    """``read_items`` and the images' class labels (None for windows or unlabelled images)."""
    path = Path(path)
    kind = kind or guess_kind(path)
    if kind == IMAGES:
        images = read_images(path)
        return images.scaled(), IMAGES, images.labels
    if kind != WINDOWS:
        raise InputError(f"kind must be {IMAGES} or {WINDOWS}, not {kind!r}")
    return _read_windows(path), WINDOWS, None


def as_item_array(items, name: str, *, dtype=np.float64, minimum: int = 1) -> np.ndarray:
    """Items as an array (n, *item_shape) of ``dtype``, from an array, a torch tensor, a frame
    or an ImageSet (scaled to [0, 1]); refuses scalars, 1-D input, NaN, inf and fewer than
    ``minimum`` items, each time saying what to give instead (``name`` is the model's)."""
    if hasattr(items, "scaled"):  # an ImageSet
        items = items.scaled()
    elif hasattr(items, "to_numpy"):  # a pandas frame
        items = items.to_numpy()
    elif hasattr(items, "detach"):  # a torch tensor (torch is not imported here)
        items = items.detach().cpu().numpy()
    try:
        data = np.asarray(items, dtype=dtype)
    except (TypeError, ValueError):
        raise InputError(f"{name}: give the items as a numeric array, tensor, frame or ImageSet "
                         "of shape (n, dim) or (n, channels, height, width)") from None
    if data.ndim == 1:
        raise InputError(f"{name}: got a 1-D array of {len(data)} values; give items as rows, "
                         "shape (n, dim) (reshape(-1, 1) for scalars)")
    if data.ndim == 0:
        raise InputError(f"{name}: got a single number; give items as rows, shape (n, dim)")
    rows = data.reshape(len(data), -1)
    if data.size == 0 or not np.isfinite(rows).all():
        bad = int((~np.isfinite(rows)).any(axis=1).sum()) if data.size else 0
        raise InputError(f"{name}: the items must be finite and non-empty; {bad} of {len(data)} rows "
                         "hold NaN or inf: drop or fill them first")
    if len(data) < minimum:
        raise InputError(f"{name}: give at least {minimum} items, not {len(data)}")
    # a read-only view (sliding_window_view's windows) would make torch warn of undefined behaviour
    return data if data.flags.writeable else data.copy()


def guess_kind(path: Path) -> str:
    """Images or windows, by what the file or folder holds."""
    if path.is_dir():
        return IMAGES
    if path.suffix == ".npz" and path.exists():
        with load_array(path) as archive:
            return IMAGES if "images" in archive.files else WINDOWS
    if path.suffix == ".npy" and path.exists():
        return IMAGES if load_array(path, mmap_mode="r").ndim == 4 else WINDOWS
    return WINDOWS


def _read_windows(path: Path) -> np.ndarray:
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.suffix == ".csv":
        try:
            windows = np.loadtxt(path, delimiter=",", ndmin=2)
        except ValueError as exc:
            raise InputError(f"{path}: cannot read windows ({str(exc).splitlines()[0]})") from None
    elif path.suffix == ".npy":
        windows = load_array(path)
    elif path.suffix == ".npz":
        with load_array(path) as archive:
            key = "windows" if "windows" in archive.files else archive.files[0]
            if len(archive.files) > 1 and key != "windows":
                raise InputError(f"{path}: holds arrays {archive.files}; name the windows array "
                                 "'windows'")
            windows = archive_array(archive, key, path)
    else:
        raise InputError(f"{path}: windows are read from .csv, .npy or .npz files")
    windows = numeric(windows, path, "windows")
    if windows.ndim == 2:
        windows = windows[:, :, None]
    if windows.ndim != 3 or len(windows) < 5 or windows.shape[1] < 2:
        raise InputError(f"{path}: windows must be at least 5 rows of at least 2 steps, shape "
                         f"(n, length[, channels]); got {windows.shape}")
    if not np.isfinite(windows).all():
        raise InputError(f"{path}: some values are NaN or infinite")
    return windows
