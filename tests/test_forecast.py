"""The Forecast result: frames, quantiles and the plot."""

import numpy as np
import pandas as pd
import pytest

from forecastgen import Forecast
from forecastgen.errors import InputError


@pytest.fixture
def forecast():
    rng = np.random.default_rng(0)
    index = {"a": pd.date_range("2021-01-01", periods=4, freq="MS"),
             "b": pd.date_range("2021-01-01", periods=4, freq="MS")}
    samples = {"a": rng.normal(10, 1, size=(4000, 4)), "b": rng.normal(-5, 2, size=(4000, 4))}
    history = {key: pd.Series(np.arange(24.0), index=pd.date_range("2019-01-01", periods=24, freq="MS"))
               for key in index}
    return Forecast(samples, index, model="toy", history=history)


def test_frame_has_mean_and_monotone_quantiles(forecast):
    frame = forecast.to_frame([0.05, 0.5, 0.95])
    assert list(frame.columns) == ["id", "timestamp", "mean", "q5", "q50", "q95"]
    assert len(frame) == 8
    a = frame[frame["id"] == "a"]
    assert a["mean"].to_numpy() == pytest.approx(10, abs=0.1)
    assert a["q95"].to_numpy() == pytest.approx(10 + 1.645, abs=0.1)
    assert (frame["q5"] < frame["q50"]).all() and (frame["q50"] < frame["q95"]).all()
    assert forecast.median()["q50"].to_numpy() == pytest.approx(frame["q50"].to_numpy())


def test_quantile_levels_are_checked(forecast):
    with pytest.raises(InputError, match="outside"):
        forecast.quantile(1.2)


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="must have shape"):
        Forecast({"a": np.zeros((3, 2))}, {"a": pd.RangeIndex(3)})


def test_exact_means_replace_the_paths_mean_where_given(forecast):
    exact = Forecast(forecast.samples, forecast.index, means={"a": np.array([1.0, 2.0, 3.0, 4.0])})
    table = exact.to_frame([0.5])
    assert table.loc[table["id"] == "a", "mean"].tolist() == [1.0, 2.0, 3.0, 4.0]
    np.testing.assert_allclose(table.loc[table["id"] == "b", "mean"], forecast.samples["b"].mean(axis=0))
    np.testing.assert_allclose(exact.mean()["mean"], table["mean"])
    np.testing.assert_allclose(exact.point_mean("b"), forecast.samples["b"].mean(axis=0))
    with pytest.raises(ValueError, match="the mean of 'a' must have shape"):
        Forecast(forecast.samples, forecast.index, means={"a": np.zeros(3)})


def test_mean_frame_is_each_series_own_mean(forecast):
    means = forecast.mean()
    assert list(means.columns) == ["id", "timestamp", "mean"] and len(means) == 8
    np.testing.assert_allclose(means["mean"], forecast.to_frame([0.5])["mean"])
    assert means.loc[means["id"] == "b", "mean"].to_numpy() == pytest.approx(-5, abs=0.15)


def test_plot_draws_history_bands_and_median(forecast, tmp_path):
    figure = forecast.plot(tmp_path / "plot.png")
    axis = figure.axes[0]
    assert [line.get_label() for line in axis.get_lines()] == ["history", "median"]
    assert len(axis.collections) == 2  # the 95% and 80% bands
    assert (tmp_path / "plot.png").stat().st_size > 10_000
