"""Rolling-origin backtests."""

import numpy as np
import pandas as pd
import pytest

from forecastgen import backtest, create
from forecastgen.errors import InputError


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
