"""The autoencoder + latent mixture: two stages, and the mixture beats N(0, I) codes."""

import numpy as np
import pytest
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
