"""Images in and out: ``.npz``/``.npy`` arrays and folders of PNGs, sample grids as PNG.

An ``ImageSet`` holds images as (n, channels, height, width), their number of
discrete ``levels`` (2 for binary, 17 for the scikit-learn digits, 256 for 8-bit;
None for real-valued data) and optional labels. ``scaled()`` maps them to [0, 1].
Arrays of shape (n, height, width) get one channel; channels-last arrays (n, h, w, c)
with c in 1, 3, 4 are turned channels-first.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forecastgen.atomic import atomic_path, suffix_of, write_array
from forecastgen.errors import InputError

CHANNEL_COUNTS = (1, 3, 4)
GRID_CELL_PIXELS = 56  # small images are enlarged (nearest neighbour) to about this size


@dataclass
class ImageSet:
    images: np.ndarray  # (n, channels, height, width)
    levels: int | None
    labels: np.ndarray | None = None
    source: str = ""

    def __len__(self) -> int:
        return len(self.images)

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.images.shape[1:])

    def scaled(self) -> np.ndarray:
        """float64 images in [0, 1]."""
        images = self.images.astype(np.float64)
        return images / (self.levels - 1) if self.levels else images

    def split(self, first: int) -> tuple[ImageSet, ImageSet]:
        """The first ``first`` images and the rest (the data sets' fixed train and test splits)."""
        labels = (None, None) if self.labels is None else (self.labels[:first], self.labels[first:])
        return (ImageSet(self.images[:first], self.levels, labels[0], self.source),
                ImageSet(self.images[first:], self.levels, labels[1], self.source))

    def binarized(self, threshold: float = 0.5) -> ImageSet:
        """Two levels: pixels above ``threshold`` of the range are 1 (MNIST: > 127 of 255)."""
        return ImageSet((self.scaled() > threshold).astype(np.uint8), 2, self.labels, self.source)


def read_images(path: str | Path, levels: int | None = None) -> ImageSet:
    """Images from a ``.npz`` (key ``images``, or its only array; ``labels`` when present),
    a ``.npy`` array, a folder of ``.png`` files (sorted by name) or one ``.png``."""
    path = Path(path)
    if path.is_dir():
        images, labels = _read_png_folder(path), None
    elif path.suffix == ".png" and path.exists():
        images, labels = _read_pngs([path]), None
    elif not path.exists():
        raise InputError(f"{path}: no such file or folder; check the path")
    elif path.suffix == ".npz":
        images, labels = _read_npz(path)
    elif path.suffix == ".npy":
        images, labels = load_array(path), None
    else:
        raise InputError(f"{path}: images are read from .npz, .npy, .png or a folder of .png files")
    images = _channels_first(np.asarray(images), path)
    _check_values(images, path)
    png = path.is_dir() or path.suffix == ".png"
    default_levels = (65536 if images.dtype == np.uint16 else 256) if png else _levels(images)
    return ImageSet(images, levels or default_levels, labels, str(path))


def to_levels(scaled: np.ndarray, levels: int) -> np.ndarray:
    """Pixel values in [0, 1] as the integers 0 .. levels - 1 that pixel models read."""
    return np.rint(np.clip(scaled, 0.0, 1.0) * (levels - 1)).astype(np.int64)


def write_image_grid(images: np.ndarray, path: str | Path, levels: int | None = None,
                     columns: int | None = None) -> Path:
    """Tile (n, channels, h, w) images into one PNG (atomically), small ones enlarged."""
    images = _channels_first(np.asarray(images), Path(path))
    scaled = images.astype(np.float64) / (levels - 1) if levels else images.astype(np.float64)
    n, channels, height, width = scaled.shape
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    zoom = max(1, GRID_CELL_PIXELS // max(height, width))
    gap = 2
    canvas = np.ones((rows * (height * zoom + gap) + gap, columns * (width * zoom + gap) + gap, channels))
    for index, image in enumerate(np.clip(scaled, 0.0, 1.0)):
        top = gap + (index // columns) * (height * zoom + gap)
        left = gap + (index % columns) * (width * zoom + gap)
        enlarged = image.transpose(1, 2, 0).repeat(zoom, axis=0).repeat(zoom, axis=1)
        canvas[top:top + height * zoom, left:left + width * zoom] = enlarged
    return _write_png(canvas, path)


def write_image(image: np.ndarray, path: str | Path, levels: int | None = None) -> Path:
    """One (channels, h, w) image as a PNG of its own size (atomically)."""
    image = np.asarray(image, dtype=np.float64)
    scaled = image / (levels - 1) if levels else image
    return _write_png(np.clip(scaled, 0.0, 1.0).transpose(1, 2, 0), path)


def _write_png(canvas: np.ndarray, path: str | Path) -> Path:
    """(h, w, channels) values in [0, 1] as an 8-bit PNG."""
    from PIL import Image

    pixels = np.round(canvas * 255).astype(np.uint8)
    pixels = pixels[:, :, 0] if pixels.shape[2] == 1 else pixels[:, :, :3]
    path = Path(path)
    with atomic_path(path) as temporary:
        Image.fromarray(pixels).save(temporary, format="PNG")
    return path


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    archive = load_array(path)
    keys = list(archive.keys())
    if "images" in keys:
        images = archive_array(archive, "images", path)
    elif len(keys) == 1:
        images = archive_array(archive, keys[0], path)
    else:
        raise InputError(f"{path}: holds arrays {keys}; name the images array 'images'")
    return images, archive_array(archive, "labels", path) if "labels" in keys else None


def _read_png_folder(folder: Path) -> np.ndarray:
    files = sorted(folder.glob("*.png"))
    if not files:
        raise InputError(f"{folder}: no .png files in this folder")
    return _read_pngs(files)


MAX_PIXELS = 4096 * 4096  # per PNG, checked from its header before anything is decoded
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I")


def _read_pngs(files: list[Path]) -> np.ndarray:
    images = []
    for file in files:
        pixels = _read_png(file)
        if images and pixels.shape != images[0].shape:
            raise InputError(f"{file}: {pixels.shape} pixels, but {files[0].name} has "
                             f"{images[0].shape}; give images of one size")
        if images and pixels.dtype != images[0].dtype:
            raise InputError(f"{file}: {pixels.dtype.itemsize * 8}-bit pixels, but {files[0].name} has "
                             f"{images[0].dtype.itemsize * 8}-bit ones; give images of one depth")
        images.append(pixels)
    return np.stack(images)


def _read_png(file: Path) -> np.ndarray:
    """One PNG's pixels: 8-bit grey or RGB as uint8, 16-bit grey as uint16 with all its levels;
    an alpha channel is dropped with a warning, a palette becomes grey or RGB by its colours."""
    from PIL import Image

    width, height = _png_size(file)
    if width * height > MAX_PIXELS:
        raise InputError(f"{file}: {width} x {height} pixels, more than the {MAX_PIXELS:,} this "
                         "reader takes; downscale the image first")
    try:
        with Image.open(file) as opened:
            return _pixels(opened, file)
    except (OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise InputError(f"{file}: not a readable PNG ({exc})") from None


def _png_size(file: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (its IHDR chunk), read before anything is decoded."""
    with open(file, "rb") as handle:
        header = handle.read(24)
    if len(header) < 24 or not header.startswith(b"\x89PNG\r\n\x1a\n") or header[12:16] != b"IHDR":
        raise InputError(f"{file}: not a PNG file (its first bytes are not a PNG header)")
    return struct.unpack(">II", header[16:24])


def _pixels(opened, file: Path) -> np.ndarray:
    mode = opened.mode
    if mode in SIXTEEN_BIT_MODES:
        pixels = np.asarray(opened, dtype=np.int64)
        if pixels.min() < 0 or pixels.max() > 65535:
            raise InputError(f"{file}: 32-bit pixel values outside 0-65535; save it as a 16-bit PNG")
        return pixels.astype(np.uint16)
    if mode in ("LA", "RGBA", "PA") or (mode == "P" and "transparency" in opened.info):
        rgba = np.asarray(opened.convert("RGBA"))
        if (rgba[..., 3] < 255).any():
            warnings.warn(f"{file}: its transparency (alpha channel) was dropped; the colours are "
                          "read as they are", stacklevel=4)
    rgb = np.asarray(opened.convert("RGB"))
    grey = mode in ("1", "L", "LA") or bool((rgb == rgb[..., :1]).all())
    return rgb[..., 0] if grey else rgb


def load_array(path: Path, **options):
    """``np.load`` that never unpickles; an unreadable file is an InputError."""
    try:
        return np.load(path, allow_pickle=False, **options)
    except (OSError, ValueError, EOFError) as exc:
        raise InputError(f"{path}: cannot read it as a numpy array file ({exc or 'it is empty'})") from None


def archive_array(archive, key: str, path: Path) -> np.ndarray:
    """One array of an opened ``.npz``: refused, not unpickled, when it holds Python objects."""
    try:
        return archive[key]
    except (OSError, ValueError, EOFError) as exc:
        raise InputError(f"{path}: cannot read its array '{key}' ({exc})") from None


def numeric(array: np.ndarray, path: Path, what: str) -> np.ndarray:
    """``array`` as float64, refusing text, dates and other non-numbers by name."""
    if array.dtype != bool and not np.issubdtype(array.dtype, np.number):
        raise InputError(f"{path}: {what} must be numbers, not {array.dtype} values")
    return np.asarray(array, dtype=np.float64)


def _channels_first(images: np.ndarray, path: Path) -> np.ndarray:
    if images.ndim == 3:
        return images[:, None]
    if images.ndim == 4 and images.shape[1] in CHANNEL_COUNTS:
        return images
    if images.ndim == 4 and images.shape[3] in CHANNEL_COUNTS:
        return images.transpose(0, 3, 1, 2)
    raise InputError(f"{path}: images must have shape (n, height, width) or (n, channels, height, "
                     f"width) with 1, 3 or 4 channels; got {images.shape}")


def _check_values(images: np.ndarray, path: Path) -> None:
    if images.size == 0:
        raise InputError(f"{path}: holds no images")
    if not np.issubdtype(images.dtype, np.number) and images.dtype != bool:
        raise InputError(f"{path}: image values must be numbers, not {images.dtype}")
    if not np.isfinite(images.astype(np.float64)).all():
        raise InputError(f"{path}: some pixels are NaN or infinite")
    if images.min() < 0:
        raise InputError(f"{path}: pixel values must not be negative (lowest {images.min()})")


def training_labels(images, labels, count: int, name: str) -> np.ndarray:
    """The class labels a class-conditional model of ``count`` images trains on: ``labels``,
    or the ImageSet's own; checked to be one non-negative whole number per image."""
    labels = getattr(images, "labels", None) if labels is None else labels
    if labels is None:
        raise InputError(f"{name}: conditional=True needs class labels: give labels= or an "
                         "ImageSet with labels (a .npz with a 'labels' array)")
    labels = np.asarray(labels)
    if labels.shape != (count,) or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
        raise InputError(f"{name}: labels must be {count} non-negative whole numbers, one per "
                         f"image; got shape {labels.shape} of {labels.dtype}")
    return labels.astype(np.int64)


def chosen_labels(labels, count: int, classes: int, name: str) -> np.ndarray:
    """The classes asked of a class-conditional model for ``count`` images: one class or one
    per image, each in 0 .. classes - 1."""
    labels = np.broadcast_to(np.asarray(labels), (count,)).astype(np.int64)
    if labels.min() < 0 or labels.max() >= classes:
        raise InputError(f"{name}: labels must lie in 0..{classes - 1}")
    return labels


def grid_levels(scaled: np.ndarray, most: int = 256) -> int | None:
    """The fewest levels (2 to ``most``) whose grid k / (levels - 1) holds every value of
    images scaled to [0, 1]; None when no such grid does."""
    values = np.unique(scaled)
    if values.min() < 0 or values.max() > 1:
        return None
    for levels in range(2, most + 1):
        steps = values * (levels - 1)
        if np.abs(steps - np.rint(steps)).max() < 1e-4:
            return levels
    return None


def _levels(images: np.ndarray) -> int | None:
    """Integer images: max + 1 levels (17 for the digits, 256 for 8-bit MNIST); floats: None."""
    if images.dtype == bool:
        return 2
    if np.issubdtype(images.dtype, np.integer):
        return max(int(images.max()) + 1, 2)
    return None


def write_images(path: str | Path, images, levels: int) -> None:
    """Images with values in [0, 1] by the path's suffix: ``.png``, one image at its size or a
    grid of several; ``.npy`` / ``.npz``, their integer levels (0 .. levels - 1) as bytes."""
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
