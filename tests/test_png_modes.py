"""PNGs of every mode read as what they hold: 16-bit levels kept, alpha dropped only with a
warning, palettes by their colours, and huge images refused from their header."""

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from forecastgen.data.images import read_images
from forecastgen.errors import InputError


def test_sixteen_bit_grey_keeps_its_levels(tmp_path):
    values = (np.arange(64, dtype=np.uint16) * 1000).reshape(8, 8)
    Image.fromarray(values).save(tmp_path / "deep.png")  # uint16: a 16-bit greyscale PNG
    images = read_images(tmp_path / "deep.png")
    assert images.levels == 65536
    np.testing.assert_array_equal(images.images[0, 0], values)  # 99.6% of them were clipped to 255


def test_alpha_is_dropped_with_a_warning_only_when_it_is_used(tmp_path):
    rgba = np.zeros((6, 6, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 255
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "opaque.png")
    with_alpha = rgba.copy()
    with_alpha[0, 0, 3] = 10
    Image.fromarray(with_alpha, mode="RGBA").save(tmp_path / "clear.png")
    opaque = read_images(tmp_path / "opaque.png")
    assert opaque.images.shape == (1, 3, 6, 6) and opaque.images[0, 0].max() == 200
    with pytest.warns(UserWarning, match="transparency \\(alpha channel\\) was dropped"):
        read_images(tmp_path / "clear.png")


def test_a_grey_palette_reads_as_grey_and_a_coloured_one_as_rgb(tmp_path):
    grey = Image.fromarray(np.arange(36, dtype=np.uint8).reshape(6, 6)).convert("P")
    grey.save(tmp_path / "grey.png")
    colour = Image.fromarray(np.dstack([np.full((6, 6), 250, np.uint8), np.zeros((6, 6), np.uint8),
                                        np.zeros((6, 6), np.uint8)])).convert("P")
    colour.save(tmp_path / "red.png")
    assert read_images(tmp_path / "grey.png").images.shape == (1, 1, 6, 6)
    assert read_images(tmp_path / "red.png").images.shape == (1, 3, 6, 6)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` pixels and holds none: what a bomb looks like."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [12_000, 20_000])
def test_huge_images_are_refused_from_their_header(tmp_path, side):
    (tmp_path / "bomb.png").write_bytes(png_header_only(side, side))
    with pytest.raises(InputError, match=f"{side} x {side} pixels, more than the 16,777,216"):
        read_images(tmp_path / "bomb.png")
