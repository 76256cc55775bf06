"""Images in the data layer (npz, npy, PNG folders, grids) and the `score` command."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from forecastgen.cli import cli
from forecastgen.data.images import read_images, write_image_grid
from forecastgen.data.items import read_items
from forecastgen.errors import InputError
from forecastgen.fidelity import sines

DIGITS = Path(__file__).resolve().parents[1] / "examples" / "data" / "digits.npz"


def test_the_example_digits_read_with_their_levels_and_splits():
    digits = read_images(DIGITS)
    assert digits.images.shape == (1797, 1, 8, 8) and digits.levels == 17
    train, test = digits.split(1437)
    assert len(train) == 1437 and len(test) == 360 and len(test.labels) == 360
    assert digits.scaled().max() == 1.0 and sorted(np.unique(digits.labels)) == list(range(10))


def test_eight_bit_images_have_256_levels_and_binarize_at_the_middle(tmp_path):
    pictures = np.random.default_rng(4).integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
    pictures[0, 0, :2] = [0, 255]  # both extremes present
    np.savez(tmp_path / "grey.npz", images=pictures, labels=np.arange(20) % 10)
    grey = read_images(tmp_path / "grey.npz")
    assert grey.shape == (1, 28, 28) and grey.levels == 256
    binary = grey.binarized()
    assert binary.levels == 2
    np.testing.assert_array_equal(binary.images, (grey.images > 127).astype(np.uint8))


def test_png_folder_round_trip_and_one_size_only(tmp_path):
    rng = np.random.default_rng(0)
    pictures = rng.integers(0, 256, size=(3, 5, 7), dtype=np.uint8)
    for i, picture in enumerate(pictures):
        Image.fromarray(picture).save(tmp_path / f"{i}.png")
    images = read_images(tmp_path)
    assert images.levels == 256
    np.testing.assert_array_equal(images.images[:, 0], pictures)
    Image.fromarray(pictures[0][:4]).save(tmp_path / "9.png")
    with pytest.raises(InputError, match=r"9.png: \(4, 7\) pixels, but 0.png has \(5, 7\)"):
        read_images(tmp_path)


def test_arrays_channels_and_refusals(tmp_path):
    rgb = np.zeros((4, 6, 6, 3), dtype=np.uint8)
    np.save(tmp_path / "rgb.npy", rgb)
    assert read_images(tmp_path / "rgb.npy").images.shape == (4, 3, 6, 6)
    np.savez(tmp_path / "two.npz", a=rgb, b=rgb)
    with pytest.raises(InputError, match="name the images array 'images'"):
        read_images(tmp_path / "two.npz")
    np.save(tmp_path / "nan.npy", np.full((2, 4, 4), np.nan))
    with pytest.raises(InputError, match="NaN or infinite"):
        read_images(tmp_path / "nan.npy")
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(InputError, match="cannot read it as a numpy array file"):
        read_images(tmp_path / "objects.npy")  # never unpickles


def test_grid_png_tiles_and_enlarges_small_images(tmp_path):
    digits = read_images(DIGITS)
    path = write_image_grid(digits.images[:10], tmp_path / "grid.png", levels=digits.levels)
    with Image.open(path) as grid:
        assert grid.mode == "L"
        # 4 columns x 3 rows of 8x8 images enlarged 7x (56 px) with 2 px gaps
        assert grid.size == (4 * 58 + 2, 3 * 58 + 2)
        pixels = np.asarray(grid)
    assert pixels.max() == 255 and pixels.min() == 0
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]


def test_windows_from_csv_and_npy(tmp_path):
    windows = sines(6, channels=1)[:, :, 0]
    np.savetxt(tmp_path / "w.csv", windows, delimiter=",")
    items, kind = read_items(tmp_path / "w.csv")
    assert kind == "windows" and items.shape == (6, 24, 1)
    np.testing.assert_allclose(items[:, :, 0], windows)
    (tmp_path / "bad.csv").write_text("1,2\n3,x\n")
    with pytest.raises(InputError, match="bad.csv: cannot read windows"):
        read_items(tmp_path / "bad.csv")


def test_score_command(tmp_path):
    np.save(tmp_path / "real.npy", sines(60, seed=1))
    np.save(tmp_path / "synth.npy", sines(60, seed=2))
    runner = CliRunner()
    result = runner.invoke(cli, ["score", str(tmp_path / "real.npy"), str(tmp_path / "synth.npy"),
                                 "--iterations", "20,20", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["kind"] == "windows"
    assert set(scores) == {"kind", "discriminative", "predictive", "mmd", "acf_distance",
                           "correlation_distance"}  # five channels: their correlations too
    assert abs(scores["mmd"]) < 0.05 and scores["correlation_distance"] < 0.1
    missing = runner.invoke(cli, ["score", str(tmp_path / "nope.npy"), str(tmp_path / "synth.npy")])
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_one_image_writes_at_its_own_size_and_reads_back_as_one_png(tmp_path):
    from forecastgen.data.images import write_image

    image = np.arange(12).reshape(1, 3, 4) / 11
    write_image(image, tmp_path / "one.png")
    back = read_images(tmp_path / "one.png")
    assert back.images.shape == (1, 1, 3, 4) and back.levels == 256
    np.testing.assert_allclose(back.scaled()[0], image, atol=0.5 / 255)
