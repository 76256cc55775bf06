"""auto: suitability, budget, ranking and the reason it gives."""

import numpy as np
import pandas as pd
import pytest

import forecastgen
from forecastgen.auto import _rank


def test_ranking_uses_crps_and_mase_relative_to_the_best():
    scores = pd.DataFrame({"crps": [1.0, 0.5, 0.6], "mase": [1.0, 1.2, 0.8]},
                          index=["a", "b", "c"])
    ranked = _rank(scores)
    assert list(ranked.index) == ["c", "b", "a"]
    assert ranked.loc["c", "score"] == pytest.approx((0.6 / 0.5 + 1.0) / 2)


def test_white_noise_leaves_out_autoregressive_models_and_says_so(white_noise):
    model = forecastgen.create("auto", budget_seconds=60).fit(white_noise)
    assert set(model.scores_.index) == {"snaive", "theta", "ets"}
    assert "not tried: causal-conv (no significant autocorrelation), rnn (no significant" in model.reason_
    forecast = model.predict(7, num_samples=50, seed=0)
    assert forecast.notes[0] == model.reason_
    assert forecast.model == f"auto: {model.chosen_}"


def test_budget_stops_after_the_first_candidate(airline):
    model = forecastgen.create("auto", candidates="snaive,theta", budget_seconds=0).fit(airline)
    assert list(model.scores_.index) == ["snaive"]
    assert "skipped for the 0 s budget: theta" in model.reason_


def test_picks_the_model_that_backtests_best(airline):
    model = forecastgen.create("auto", candidates="snaive,theta,ets", budget_seconds=60).fit(airline)
    assert model.chosen_ == model.scores_.index[0]
    assert model.scores_["score"].is_monotonic_increasing
    assert model.scores_.loc[model.chosen_, "crps"] < model.scores_.loc["snaive", "crps"]
    paths = model.predict(12, num_samples=100, seed=1).samples["airline"]
    assert np.isfinite(paths).all()


def test_too_short_to_backtest():
    series = pd.Series([1.0, 2.0, 3.0, 2.5], index=pd.date_range("2020", periods=4, freq="D"))
    with pytest.raises(forecastgen.InputError, match="too few to backtest"):
        forecastgen.create("auto").fit(series)
