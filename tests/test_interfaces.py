"""The model contract: parameters, honest capabilities, fitted state."""

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
                                                r"\(it supports: forecast, series\)"):
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
