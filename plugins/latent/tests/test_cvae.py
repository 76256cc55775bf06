"""The conditional VAE: its futures follow their past, any prefix completes, it saves."""

import numpy as np
import pytest
from forecastgen_latent.cvae import ConditionalVAE

from forecastgen.engine.checkpoint import load_checkpoint, save_checkpoint
from forecastgen.errors import InputError
from forecastgen.fidelity import sines

TINY = dict(latent_dim=2, hidden_size=64, max_epochs=15, batches_per_epoch=20, batch_size=64,
            device="cpu")
CONTEXT = 16


@pytest.fixture(scope="module")
def windows():
    """Noisy sines of random frequency and phase, 24 steps each: the past fixes the future."""
    clean = sines(800, seed=0)[:, :, 0]
    return clean + np.random.default_rng(1).normal(0, 0.02, clean.shape)


@pytest.fixture(scope="module")
def forecaster(windows):
    return ConditionalVAE(context_length=CONTEXT, **TINY).fit(windows[:600])


def test_futures_follow_their_past(forecaster, windows):
    test = windows[600:]
    futures = forecaster.sample_future(test[:, :CONTEXT], 8, 50, seed=0)
    assert futures.shape == (200, 50, 8) and np.isfinite(futures).all()
    error = np.abs(futures.mean(axis=1) - test[:, CONTEXT:]).mean()
    unconditional = np.abs(windows[:600, CONTEXT:].mean(axis=0) - test[:, CONTEXT:]).mean()
    assert error < 0.5 * unconditional
    assert 0.005 < futures.std(axis=1).mean() < unconditional  # spread: neither none nor the marginal's


def test_importance_weighting_tightens_the_bound(forecaster, windows):
    one = forecaster.log_likelihood(windows[600:700], samples=1).mean()
    many = forecaster.log_likelihood(windows[600:700], samples=64).mean()
    assert np.isfinite([one, many]).all() and many >= one


def test_random_splits_complete_any_prefix_and_sample_whole_windows(windows):
    model = ConditionalVAE(**{**TINY, "max_epochs": 3}).fit(windows[:300])
    for context in (0, 5, 20):
        assert model.sample_future(windows[:2, :context], 24 - context, 3, seed=0).shape == \
            (2, 3, 24 - context)
    draws = model.sample(6, seed=4)
    assert draws.shape == (6, 24) and np.isfinite(draws).all()
    np.testing.assert_array_equal(draws, model.sample(6, seed=4))


def test_fixed_context_is_enforced(forecaster, windows):
    with pytest.raises(InputError, match="from 16 past steps, got 10"):
        forecaster.sample_future(windows[:2, :10], 4, 2)
    with pytest.raises(InputError, match="must fit in the fitted windows of 24"):
        forecaster.sample_future(windows[:2, :CONTEXT], 9, 2)
    with pytest.raises(InputError, match="cannot draw whole windows"):
        forecaster.sample(2)
    with pytest.raises(InputError, match="leaves no past or no future"):
        ConditionalVAE(context_length=24, **TINY).fit(windows[:50])
    with pytest.raises(InputError, match=r"shape \(n, length\)"):
        ConditionalVAE(**TINY).fit(np.zeros((50, 4, 2)))


def test_same_seed_same_fit_and_save_load_round_trip(forecaster, windows, tmp_path):
    past = windows[600:603, :CONTEXT]
    again = ConditionalVAE(context_length=CONTEXT, **TINY).fit(windows[:600])
    np.testing.assert_array_equal(again.sample_future(past, 8, 5, seed=3),
                                  forecaster.sample_future(past, 8, 5, seed=3))
    save_checkpoint(forecaster, tmp_path / "cvae")
    loaded = load_checkpoint(tmp_path / "cvae")
    np.testing.assert_array_equal(loaded.sample_future(past, 8, 5, seed=3),
                                  forecaster.sample_future(past, 8, 5, seed=3))


def test_futures_follow_their_covariates_and_save(tmp_path):
    """Windows whose future steps sit at twice their covariate (+1 or -1, known at every
    step), the past at 0: only the covariates tell the future."""
    rng = np.random.default_rng(2)
    sign = rng.choice([-1.0, 1.0], size=(600, 1))
    windows = np.concatenate([np.zeros((600, 4)), 2 * sign.repeat(4, axis=1)], axis=1)
    windows += rng.normal(0, 0.05, windows.shape)
    conditions = sign[:, None, :].repeat(8, axis=1)
    model = ConditionalVAE(context_length=4, **TINY).fit(windows, conditions=conditions)
    given = np.stack([np.ones((8, 1)), -np.ones((8, 1))])
    futures = model.sample_future(np.zeros((2, 4)), 4, 100, seed=0, conditions=given)
    assert futures.shape == (2, 100, 4)
    np.testing.assert_allclose(futures.mean(axis=(1, 2)), [2.0, -2.0], atol=0.3)
    assert np.isfinite(model.log_likelihood(windows[:5], conditions=conditions[:5])).all()
    save_checkpoint(model, tmp_path / "cvae")
    np.testing.assert_array_equal(load_checkpoint(tmp_path / "cvae").sample_future(
        np.zeros((2, 4)), 4, 5, seed=3, conditions=given),
        model.sample_future(np.zeros((2, 4)), 4, 5, seed=3, conditions=given))
    with pytest.raises(InputError, match="fitted with 1 covariates per step, so it needs their values"):
        model.sample_future(np.zeros((2, 4)), 4, 5)
    with pytest.raises(InputError, match=r"conditions must be finite, of shape \(2, 8, 1\)"):
        model.sample_future(np.zeros((2, 4)), 4, 5, conditions=np.ones((2, 8, 2)))
