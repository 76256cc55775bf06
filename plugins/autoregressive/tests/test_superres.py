"""Super-resolution with a PixelCNN conditioned on the small image: consistency, caching,
chaining to 4x, the CLI."""

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from forecastgen_autoregressive.superres import SuperResolutionPixelCNN, downsample

from forecastgen.cli import cli
from forecastgen.engine.checkpoint import save_checkpoint
from forecastgen.errors import InputError, NotSupportedError
from forecastgen.testing import example_images

TINY = dict(hidden_channels=16, layers=3, kernel_size=3, condition_channels=8, max_epochs=8,
            batches_per_epoch=20, batch_size=32, device="cpu")


@pytest.fixture(scope="module")
def rectangles():
    return example_images(count=300, side=8, seed=2).astype(np.int64)


@pytest.fixture(scope="module")
def model(rectangles):
    return SuperResolutionPixelCNN(**TINY).fit(rectangles[:250])


def small(images: np.ndarray) -> np.ndarray:
    return downsample(torch.as_tensor(images).float(), 2).numpy().astype(np.int64)


def test_downsampling_the_upscaled_images_gives_back_the_input(model, rectangles):
    low = small(rectangles[250:])
    free = model.upscale(low, seed=0, consistent=False)
    assert free.shape == (50, 1, 8, 8)
    free_share = (small(np.rint(free)) == low).mean()
    assert free_share >= 0.95  # the model alone
    consistent = model.upscale(low, seed=0)  # each block's last pixel kept to it where it can be
    assert (small(np.rint(consistent)) == low).mean() == 1.0
    given_small = model.bits_per_dim(rectangles[250:])
    assert given_small < 0.2  # bits per pixel of the large image once the small one is known


def test_cached_equals_naive_and_seeds_reproduce(model, rectangles):
    low = small(rectangles[250:256])
    model.network_.double()
    try:
        np.testing.assert_array_equal(model.upscale(low, seed=4), model.upscale(low, seed=4, cached=False))
    finally:
        model.network_.float()
    np.testing.assert_array_equal(model.upscale(low, seed=4), model.upscale(low, seed=4))


def test_four_times_chains_two_steps_and_bad_requests_are_refused(model, rectangles):
    tiny = small(small(rectangles[250:254]))
    assert model.upscale(tiny, factor=4, seed=0).shape == (4, 1, 8, 8)
    with pytest.raises(InputError, match="factor must be 2 or 4"):
        model.upscale(tiny, factor=3)
    with pytest.raises(InputError, match="even sides"):
        SuperResolutionPixelCNN(**TINY).fit(np.zeros((20, 1, 7, 8), dtype=np.int64))
    with pytest.raises(NotSupportedError):
        model.sample(2)


def test_upscale_command_writes_a_png_or_a_batch(model, rectangles, tmp_path):
    save_checkpoint(model, tmp_path / "sr")
    np.savez(tmp_path / "small.npz", images=small(rectangles[250:253]).astype(np.uint8))
    runner = CliRunner()
    batch = runner.invoke(cli, ["upscale", str(tmp_path / "sr"), str(tmp_path / "small.npz"),
                                "-o", str(tmp_path / "large.npz")])
    assert batch.exit_code == 0, batch.output
    assert np.load(tmp_path / "large.npz")["images"].shape == (3, 1, 8, 8)
    from PIL import Image

    Image.fromarray((small(rectangles[250:251])[0, 0] * 255).astype(np.uint8)).save(tmp_path / "one.png")
    one = runner.invoke(cli, ["upscale", str(tmp_path / "sr"), str(tmp_path / "one.png"),
                              "-o", str(tmp_path / "one_large.png")])
    assert one.exit_code == 0, one.output
    assert Image.open(tmp_path / "one_large.png").size == (8, 8)
    from forecastgen_autoregressive.pixelcnn import PixelCNN

    save_checkpoint(PixelCNN(hidden_channels=4, layers=1, kernel_size=3, max_epochs=1, batches_per_epoch=1,
                             device="cpu").fit(rectangles[:50]), tmp_path / "plain")
    not_sr = runner.invoke(cli, ["upscale", str(tmp_path / "plain"), str(tmp_path / "one.png"),
                                 "-o", str(tmp_path / "x.png")])
    assert not_sr.exit_code == 2 and "does not upscale" in not_sr.stderr
    assert not (tmp_path / "x.png").exists()
