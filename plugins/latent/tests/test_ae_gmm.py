"""The autoencoder + latent mixture: two stages, and the mixture beats N(0, I) codes."""

from pathlib import Path

import numpy as np
import pytest
import torch
from forecastgen_latent.ae_gmm import AutoencoderGMM

from forecastgen.engine.checkpoint import load_checkpoint, save_checkpoint
from forecastgen.errors import InputError
from forecastgen.fidelity import mmd, sines

SETTINGS = dict(latent_dim=4, hidden_size=64, n_components=5, max_epochs=8, batches_per_epoch=15,
                device="cpu")


@pytest.fixture(scope="module")
def windows():
    return sines(400, seed=0).reshape(400, -1)


@pytest.fixture(scope="module")
def fitted(windows):
    return AutoencoderGMM(**SETTINGS).fit(windows)


def test_the_autoencoder_reconstructs_and_the_mixture_fits_its_codes(fitted, windows):
    codes = fitted.encode(windows)
    assert codes.shape == (400, 4)
    reconstruction = fitted.decode(codes)
    assert np.abs(reconstruction - windows).mean() < 0.1  # on [0, 1] data
    assert fitted.mixture_.means_.shape == (5, 4)
    scattered = np.random.default_rng(0).normal(size=codes.shape) * 10
    assert fitted.mixture_.score(codes) > fitted.mixture_.score(scattered)


def test_mixture_samples_are_closer_to_the_data_than_normal_codes(fitted):
    real = sines(400, seed=1)
    mixture = fitted.sample(400, seed=0).reshape(400, 24, 5)
    normal = fitted.sample(400, seed=0, prior="normal").reshape(400, 24, 5)
    assert mmd(real, mixture) < mmd(real, normal)


def test_save_load_gives_the_same_samples(fitted, tmp_path):
    save_checkpoint(fitted, tmp_path / "ae")
    loaded = load_checkpoint(tmp_path / "ae")
    np.testing.assert_array_equal(loaded.sample(6, seed=3), fitted.sample(6, seed=3))
    with pytest.raises(InputError, match="prior must be"):
        fitted.sample(2, prior="uniform")


def test_decoded_images_stay_within_the_pixel_range():
    """A Gaussian decoder's mean strays outside [0, 1]; images are clipped there, so they can be
    written and scored (`forecastgen score` refuses negative pixels). Windows are left alone."""
    from forecastgen.data.images import read_images

    digits = read_images(Path(__file__).resolve().parents[3] / "examples/data/digits.npz").scaled()[:300]
    model = AutoencoderGMM(**{**SETTINGS, "max_epochs": 2}).fit(digits)
    raw = model.network_.decode(torch.as_tensor(model.mixture_.sample(200, seed=0), dtype=torch.float32))
    assert raw.min() < 0 or raw.max() > 1  # what the decoder gives before clipping
    samples = model.sample(200, seed=0)
    assert samples.min() >= 0 and samples.max() <= 1 and samples.std() > 0.05
    windows = sines(400, seed=0).reshape(400, -1) * 3 - 1
    assert AutoencoderGMM(**{**SETTINGS, "max_epochs": 2}).fit(windows).sample(50, seed=0).min() < 0
