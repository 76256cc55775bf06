"""The variational autoencoder on tiny data: it learns, its bounds are ordered, it saves."""

import numpy as np
import pytest
from forecastgen_latent.vae import VAE

from forecastgen.engine.checkpoint import load_checkpoint, save_checkpoint
from forecastgen.errors import InputError
from forecastgen.fidelity import sines

TINY = dict(latent_dim=3, hidden_size=32, max_epochs=6, batches_per_epoch=10, batch_size=64,
            device="cpu")


@pytest.fixture(scope="module")
def windows():
    return sines(300, seed=0).reshape(300, -1)


@pytest.fixture(scope="module")
def fitted(windows):
    return VAE(**TINY).fit(windows)


def test_training_raises_the_bound_and_the_importance_weighted_estimate_is_tighter(fitted, windows):
    losses = fitted.history_.validation_loss
    assert fitted.likelihood_ == "gaussian"
    assert min(losses) < losses[0] - 5  # nats per window
    elbo = fitted.elbo(windows[:100]).mean()
    weighted = fitted.log_likelihood(windows[:100], samples=64).mean()
    assert np.isfinite([elbo, weighted]).all()
    assert weighted >= elbo  # Burda et al.: the K-sample bound is at least the ELBO


def test_samples_have_the_items_shape_and_follow_the_seed(fitted):
    draws = fitted.sample(7, seed=1, mean=False)
    assert draws.shape == (7, 120) and np.isfinite(draws).all()
    np.testing.assert_array_equal(draws, fitted.sample(7, seed=1, mean=False))
    means = fitted.sample(7, seed=1)  # a Gaussian likelihood: the decoder's mean by default
    np.testing.assert_array_equal(means, fitted.sample(7, seed=1, mean=True))
    assert np.diff(means, axis=1).std() < np.diff(draws, axis=1).std()  # no white noise


def test_binary_images_get_a_bernoulli_convolutional_model():
    rng = np.random.default_rng(0)
    images = (rng.uniform(size=(120, 1, 8, 8)) < np.linspace(0.1, 0.9, 8)).astype(np.float32)
    model = VAE(**{**TINY, "max_epochs": 2}).fit(images)
    assert model.likelihood_ == "bernoulli"
    assert type(model.network_).__name__ == "_Convolutional"
    draws = model.sample(5, seed=0)
    assert draws.shape == (5, 1, 8, 8) and set(np.unique(draws)) <= {0.0, 1.0}
    means = model.sample(5, seed=0, mean=True)
    assert ((means > 0) & (means < 1)).all()


def test_images_of_a_few_grey_levels_get_a_binomial_likelihood_over_their_levels(tmp_path):
    rng = np.random.default_rng(1)
    levels = rng.binomial(4, np.linspace(0.1, 0.9, 8), size=(120, 1, 8, 8))
    model = VAE(**{**TINY, "max_epochs": 2}).fit(levels / 4.0)
    assert model.likelihood_ == "binomial:4"
    elbo = model.elbo(levels[:10] / 4.0)
    assert np.isfinite(elbo).all() and (elbo < 0).all()  # log-probabilities of discrete levels
    # a perfect binomial's log-probability of these levels bounds the ELBO from above
    from scipy.stats import binom

    best = binom.logpmf(levels[:10], 4, np.linspace(0.1, 0.9, 8)).sum(axis=(1, 2, 3))
    assert elbo.mean() < best.mean() + 1e-6
    draws = model.sample(6, seed=3)
    np.testing.assert_allclose(draws * 4, np.rint(draws * 4))  # on the grid of levels
    gaussian = VAE(**{**TINY, "max_epochs": 1, "likelihood": "gaussian"}).fit(levels / 4.0)
    np.testing.assert_array_equal(gaussian.sample(3, seed=0), gaussian.sample(3, seed=0, mean=True))
    save_checkpoint(model, tmp_path / "vae")
    loaded = load_checkpoint(tmp_path / "vae")
    np.testing.assert_array_equal(loaded.sample(3, seed=1), model.sample(3, seed=1))
    with pytest.raises(InputError, match="levels k / n"):
        VAE(**{**TINY, "likelihood": "binomial"}).fit(rng.normal(size=(60, 1, 8, 8)))


def test_same_seed_same_fit_and_save_load_round_trip(fitted, windows, tmp_path):
    again = VAE(**TINY).fit(windows)
    np.testing.assert_array_equal(again.sample(4, seed=2), fitted.sample(4, seed=2))
    save_checkpoint(fitted, tmp_path / "vae")
    loaded = load_checkpoint(tmp_path / "vae")
    np.testing.assert_array_equal(loaded.sample(4, seed=2), fitted.sample(4, seed=2))
    np.testing.assert_array_equal(loaded.log_likelihood(windows[:5], samples=8),
                                  fitted.log_likelihood(windows[:5], samples=8))


def test_bad_input_is_refused(fitted):
    with pytest.raises(InputError, match="NaN or inf"):
        VAE(**TINY).fit(np.full((20, 4), np.nan))
    with pytest.raises(InputError, match="shape"):
        VAE(**TINY).fit(np.arange(30.0))
    with pytest.raises(InputError, match=r"fitted on items of shape \(120,\)"):
        fitted.elbo(np.zeros((3, 10)))
