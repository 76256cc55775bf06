"""The model contract: parameters, honest capabilities, fitted state."""

import numpy as np
import pytest

import forecastgen
from forecastgen.errors import NotFittedError, NotSupportedError


def test_init_only_stores_parameters_and_params_round_trip():
    model = forecastgen.create("ets", trend="damped")
    assert vars(model) == model.get_params() == {
        "error": "auto", "trend": "damped", "seasonal": "auto", "season_length": None,
        "max_history": 500, "transform": "none", "search": "pruned", "center": "mean", "n_jobs": None}
    assert model.set_params(seasonal="add") is model
    assert model.get_params()["seasonal"] == "add"
    assert repr(model) == ("ETS(error='auto', trend='damped', seasonal='add', season_length=None, "
                           "max_history=500, transform='none', search='pruned', center='mean', n_jobs=None)")
    with pytest.raises(forecastgen.InputError, match="its parameters are error, trend, seasonal"):
        model.set_params(alpha=0.3)


def test_undeclared_capabilities_raise_a_clear_error(airline):
    model = forecastgen.create("theta").fit(airline)
    with pytest.raises(NotSupportedError, match=r"sample is not supported by model 'theta' "
                                                r"\(it supports: covariates, forecast, series\)"):
        model.sample(10)
    with pytest.raises(NotSupportedError, match="log_prob is not supported by model 'theta'"):
        model.log_prob(airline)


def test_predict_before_fit_says_so():
    with pytest.raises(NotFittedError, match="model 'snaive' is not fitted yet; call fit"):
        forecastgen.create("snaive").predict(3)


def test_fit_returns_self_and_learned_state_ends_in_underscore(airline):
    model = forecastgen.create("snaive")
    assert model.fit(airline) is model
    learned = set(vars(model)) - set(model.get_params())
    assert learned and all(name.endswith("_") for name in learned)


def test_save_and_load_from_the_package(tmp_path, airline):
    tiny = {"hidden_size": 8, "num_layers": 1, "max_epochs": 2, "batches_per_epoch": 4}
    model = forecastgen.create("rnn", **tiny).fit(airline)
    folder = forecastgen.save(model, tmp_path / "airline-rnn")
    loaded = forecastgen.load(folder, device="cpu")
    assert type(loaded) is type(model) and loaded.get_params() == {**model.get_params(), "device": "cpu"}
    before = model.predict(6, num_samples=20, seed=1, data=airline).samples["airline"]
    after = loaded.predict(6, num_samples=20, seed=1, data=airline).samples["airline"]
    np.testing.assert_array_equal(before, after)


def test_the_per_series_base_answers_to_its_old_name_with_a_warning():
    import importlib
    import sys

    import forecastgen
    from forecastgen.per_series import PerSeriesForecaster

    sys.modules.pop("forecastgen.local", None)
    with pytest.warns(DeprecationWarning, match="renamed forecastgen.per_series"):
        local = importlib.import_module("forecastgen.local")
    assert local.LocalForecaster is PerSeriesForecaster is forecastgen.LocalForecaster
    assert local.guard_paths is forecastgen.per_series.guard_paths
