"""Rolling-origin backtests."""

import numpy as np
import pandas as pd
import pytest

from forecastgen import backtest, create, cross_validation
from forecastgen.errors import InputError
from forecastgen.metrics import mase


def test_windows_move_the_origin_back_by_a_horizon(airline):
    result = backtest(airline, "snaive", windows=3, horizon=12)
    scores = result.scores
    assert scores["window"].tolist() == [1, 2, 3]
    assert [str(c.date()) for c in scores["cutoff"]] == ["1957-12-01", "1958-12-01", "1959-12-01"]
    summary = result.summary()
    assert list(summary.index) == ["window 1", "window 2", "window 3", "all windows"]
    assert summary.loc["all windows", "mase"] == pytest.approx(scores["mase"].mean())


def test_seasonal_naive_one_season_ahead_is_exact_on_a_pure_season():
    index = pd.date_range("2000-01-01", periods=60, freq="MS")
    pattern = np.tile(np.arange(12.0), 5)
    result = backtest(pd.Series(pattern, index=index), "snaive", windows=2, horizon=12)
    assert result.scores["smape"].max() == pytest.approx(0.0)
    assert result.scores["coverage95"].min() == 1.0
    # the history never changes from one season to the next: MASE's scale falls back to lag 1
    assert result.scores["mase"].max() == pytest.approx(0.0)


def test_mase_is_undefined_after_a_constant_history_and_named():
    index = pd.date_range("2000-01-01", periods=48, freq="MS")
    values = np.r_[np.full(42, 5.0), np.arange(6.0)]
    result = backtest(pd.Series(values, index=index, name="flat"), "snaive", windows=1, horizon=6)
    assert result.scores["mase"].isna().all() and result.scores["crps"].isna().all()
    assert result.unscaled() == ["flat"] and result.scores["smape"].notna().all()


def test_ets_beats_seasonal_naive_on_airline(airline):
    ets = backtest(airline, create("ets"), windows=2, horizon=12).scores["mase"].mean()
    naive = backtest(airline, "snaive", windows=2, horizon=12).scores["mase"].mean()
    assert ets < 0.9 * naive


def test_too_many_windows_are_refused(airline):
    with pytest.raises(InputError, match="need at least"):
        backtest(airline, "snaive", windows=10, horizon=18)


def test_cross_validation_returns_every_cutoffs_forecast_beside_the_actual_values(airline):
    frame = cross_validation(airline, "ets", windows=4, step=3, horizon=12, quantiles=(0.05, 0.5, 0.95))
    assert list(frame.columns) == ["id", "window", "cutoff", "timestamp", "actual", "mean", "q5", "q50",
                                   "q95"]
    assert len(frame) == 4 * 12 and frame["window"].unique().tolist() == [1, 2, 3, 4]
    cutoffs = frame.groupby("window")["cutoff"].first()
    assert [str(c.date()) for c in cutoffs] == ["1959-03-01", "1959-06-01", "1959-09-01", "1959-12-01"]
    series = airline["airline"]
    np.testing.assert_array_equal(frame["actual"], series.loc[frame["timestamp"]].to_numpy())
    assert (frame["timestamp"] > frame["cutoff"]).all() and frame["timestamp"].max() == series.index[-1]
    assert ((frame["q5"] <= frame["q50"]) & (frame["q50"] <= frame["q95"])).all()


def test_the_scores_are_those_of_the_forecasts_kept(airline):
    result = backtest(airline, "theta", windows=3, step=6, horizon=12)
    for (window, part), scores in zip(result.forecasts.groupby("window"), result.scores.itertuples()):
        history = airline["airline"].loc[:part["cutoff"].iloc[0]].to_numpy()
        assert mase(part["actual"], part["q50"], history, 12) == pytest.approx(scores.mase, rel=1e-9)
        assert scores.window == window


def test_back_to_back_windows_are_the_default_and_refitting_can_be_skipped(airline):
    default = backtest(airline, "snaive", windows=2, horizon=12)
    stepped = backtest(airline, "snaive", windows=2, horizon=12, step=12)
    pd.testing.assert_frame_equal(default.scores, stepped.scores)
    once = cross_validation(airline, "patchcast", windows=2, horizon=6, refit=False)
    again = cross_validation(airline, "patchcast", windows=2, horizon=6)
    pd.testing.assert_frame_equal(once, again)  # zero-shot: fitting only remembers the series
    with pytest.raises(InputError, match="refit=False needs a model that forecasts new series"):
        cross_validation(airline, "ets", windows=2, refit=False)


def test_a_density_model_is_backtested_through_its_windows(airline):
    frame = cross_validation(airline, "gmm", windows=2, horizon=6, n_components=2, num_samples=50)
    assert len(frame) == 12 and np.isfinite(frame[["mean", "q10", "q90"]].to_numpy()).all()
