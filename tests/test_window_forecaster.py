"""Density models forecasting series through windows (forecastgen.window_forecaster)."""

import numpy as np
import pandas as pd
import pytest

import forecastgen
from forecastgen.window_forecaster import WindowForecaster, as_forecaster


def seasonal(length: int = 240, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    steps = np.arange(length + 12)
    values = 100 + 0.2 * steps + 10 * np.sin(2 * np.pi * steps / 12) + rng.normal(0, 0.5, len(steps))
    return pd.Series(values, index=pd.date_range("2000-01", periods=len(steps), freq="MS"), name="y")


def test_a_gaussian_of_windows_forecasts_a_seasonal_series():
    series = seasonal()
    history, future = series.iloc[:-12], series.iloc[-12:].to_numpy()
    model = as_forecaster(forecastgen.create("gmm", n_components=1))
    assert isinstance(model, WindowForecaster)
    forecast = model.fit(history).predict(12, num_samples=300, seed=0)
    median = np.median(forecast.samples["y"], axis=0)
    assert np.abs(median - future).mean() < 1.5  # noise sd 0.5, season amplitude 10
    low, high = np.quantile(forecast.samples["y"], [0.05, 0.95], axis=0)
    assert ((future >= low) & (future <= high)).mean() >= 0.75


def test_long_horizons_chain_blocks_and_seeds_reproduce():
    model = WindowForecaster(forecastgen.create("gmm", n_components=2), prediction_length=6)
    model.fit(seasonal())
    first = model.predict(20, num_samples=40, seed=3).samples["y"]
    assert first.shape == (40, 20) and np.isfinite(first).all()
    np.testing.assert_array_equal(first, model.predict(20, num_samples=40, seed=3).samples["y"])


def test_too_short_series_are_refused_clearly():
    short = seasonal(length=20)
    with pytest.raises(forecastgen.InputError, match="too few for windows"):
        WindowForecaster(forecastgen.create("gmm")).fit(short)


def test_sequence_models_pass_through():
    ets = forecastgen.create("ets")
    assert as_forecaster(ets) is ets


def test_a_conditional_vae_forecasts_from_the_adapters_context():
    series = seasonal()
    history, future = series.iloc[:-12], series.iloc[-12:].to_numpy()
    cvae = forecastgen.create("cvae", hidden_size=32, max_epochs=8, batches_per_epoch=10, device="cpu")
    model = WindowForecaster(cvae, context_length=24, prediction_length=12).fit(history)
    assert model.model_.context_length == 24  # set by the adapter on its copy: it conditions on that past
    assert cvae.context_length is None  # the parameter itself stays as given
    forecast = model.predict(12, num_samples=100, seed=0).samples["y"]
    assert forecast.shape == (100, 12) and np.isfinite(forecast).all()
    naive = np.abs(history.to_numpy()[-12:] - future).mean()  # last season repeated
    assert np.abs(np.median(forecast, axis=0) - future).mean() < naive  # beats seasonal naive
    preset = forecastgen.create("cvae", context_length=13, hidden_size=8, max_epochs=1,
                                batches_per_epoch=2, device="cpu")
    assert WindowForecaster(preset, prediction_length=6).fit(history).context_ == 13


def test_the_window_adapter_fits_a_clone_and_leaves_its_parameter_untouched(airline):
    import forecastgen
    from forecastgen.interfaces import clone
    from forecastgen.window_forecaster import WindowForecaster

    density = forecastgen.create("gmm", n_components=2, random_state=0)
    adapter = WindowForecaster(density).fit(airline)
    assert not any(name.endswith("_") for name in vars(density))  # still unfitted
    assert adapter.model_ is not density and hasattr(adapter.model_, "means_")
    twin = clone(adapter)
    assert twin.model is not adapter.model and twin.model.get_params() == density.get_params()
    assert not hasattr(twin, "model_")
