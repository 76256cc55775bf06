"""Rolling-origin evaluation: refit at each cutoff, forecast, compare with what happened.

``cross_validation`` returns every cutoff's forecasts beside the actual values (statsforecast's
``cross_validation``, Darts' ``historical_forecasts``); ``backtest`` scores the same forecasts
with the metrics of ``forecastgen.metrics`` and keeps the frame. Windows: the last of them
ends with each series; the cutoffs before it lie ``step`` points apart (by default ``horizon``:
windows back to back), the most recent last. At each cutoff the model is fitted on everything
before it (``refit=False``: fitted once, at the first cutoff, and asked for the later ones'
forecasts from their histories, for models that forecast new series).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecastgen.data import SeriesSet, as_series_set, read_series
from forecastgen.errors import InputError
from forecastgen.forecasts import DEFAULT_QUANTILES
from forecastgen.interfaces import NEW_SERIES, check_covariates, clone
from forecastgen.metrics import score_forecast

METRICS = ["mase", "smape", "crps", "coverage80", "coverage95"]


@dataclass
class BacktestResult:
    """Scores per series and window (``scores``), their means (``summary()``), and the forecasts
    they score beside the actual values (``forecasts``: the frame ``cross_validation`` returns)."""

    scores: pd.DataFrame
    model: str
    forecasts: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> pd.DataFrame:
        """Mean of each metric per window and over all windows."""
        per_window = self.scores.groupby("window")[METRICS].mean()
        per_window.index = [f"window {w}" for w in per_window.index]
        overall = self.scores[METRICS].mean().to_frame("all windows").T
        return pd.concat([per_window, overall])

    def unscaled(self) -> list[str]:
        """The series whose MASE and scaled CRPS are undefined (NaN, left out of the means) in
        some window: their history before it is constant, so an error there has no scale."""
        return list(dict.fromkeys(self.scores.loc[self.scores["mase"].isna(), "id"]))


def backtest(data, model="auto", *, windows: int = 3, horizon: int | None = None, step: int | None = None,
             refit: bool = True, num_samples: int = 200, seed: int | None = 0,
             quantiles: Sequence[float] | None = DEFAULT_QUANTILES, **params) -> BacktestResult:
    """Backtest ``model`` (a name and its ``params``, or an unfitted model) at ``windows``
    rolling origins of every series of ``data`` (a path, pandas, or a SeriesSet): MASE, sMAPE,
    scaled CRPS and 80%/95% coverage per series and window, and the forecasts they score at
    the ``quantiles`` levels (None: scores only)."""
    rows, frames, name = [], [], None
    for window in rolling_forecasts(data, model, windows, horizon, step, refit, num_samples, seed, params):
        name = window.model
        rows.extend(window.scores())
        if quantiles is not None:
            frames.append(window.frame(quantiles))
    return BacktestResult(pd.DataFrame(rows), name, pd.concat(frames, ignore_index=True) if frames
                          else pd.DataFrame())


def cross_validation(data, model="auto", *, horizon: int | None = None, windows: int = 3,
                     step: int | None = None, refit: bool = True, num_samples: int = 200,
                     seed: int | None = 0, quantiles: Sequence[float] = DEFAULT_QUANTILES,
                     **params) -> pd.DataFrame:
    """Every cutoff's forecasts of every series of ``data`` beside what happened: one row per
    series, cutoff and forecast step, with the columns id, window, cutoff, timestamp, actual,
    mean and one per quantile level (q10, q50, q90...). Pandas in, pandas out."""
    frames = [window.frame(quantiles) for window in
              rolling_forecasts(data, model, windows, horizon, step, refit, num_samples, seed, params)]
    return pd.concat(frames, ignore_index=True)


@dataclass
class RollingForecast:
    """One rolling origin: the data, the history before the cutoff, and the forecast from it."""

    number: int
    data: SeriesSet
    history: SeriesSet
    forecast: object
    horizon: int
    model: str

    def actual(self, key: str) -> np.ndarray:
        start = len(self.history[key])
        return self.data[key].to_numpy(dtype=float)[start:start + self.horizon]

    def scores(self) -> list[dict]:
        return [{"id": key, "window": self.number, "cutoff": self.history[key].index[-1],
                 **score_forecast(self.actual(key), self.forecast.samples[key], self.history.values(key),
                                  self.data.freq.season)}
                for key in self.data.ids]

    def frame(self, quantiles: Sequence[float]) -> pd.DataFrame:
        frame = self.forecast.to_frame(quantiles)
        frame.insert(1, "window", self.number)
        cutoffs = {key: self.history[key].index[-1] for key in self.data.ids}
        frame.insert(2, "cutoff", frame["id"].map(cutoffs))
        frame.insert(4, "actual", np.concatenate([self.actual(key) for key in self.forecast.ids]))
        return frame


def rolling_forecasts(data, model, windows: int, horizon: int | None, step: int | None, refit: bool,
                      num_samples: int, seed: int | None, params: dict) -> Iterator[RollingForecast]:
    """The forecast from each of ``windows`` cutoffs of every series of ``data``, most recent
    last (what ``backtest``, ``cross_validation`` and calibration build on)."""
    from forecastgen.engine.threads import choose_threads, use_threads

    data = read_series(data) if isinstance(data, (str, Path)) else as_series_set(data)
    use_threads(choose_threads(data.points()))
    horizon = int(horizon or data.default_horizon)
    step = int(step or horizon)
    if windows < 1 or step < 1:
        raise InputError(f"windows and step must be at least 1, not {windows} and {step}")
    held_first = horizon + (windows - 1) * step
    needed = held_first + max(horizon, 3)
    if data.shortest() < needed:
        raise InputError(
            f"{data.source}: the shortest series has {data.shortest()} points, but {windows} "
            f"window(s) of {horizon} steps, {step} apart, need at least {needed}; use fewer "
            "--windows, a shorter --horizon or a smaller --step")
    estimator = _fresh(model, params)
    check_covariates(estimator, data)
    if not refit and not estimator.supports(NEW_SERIES):
        raise InputError(f"refit=False needs a model that forecasts new series; model "
                         f"'{estimator.name}' forecasts only the series it was fitted on: refit it")
    for number in range(1, windows + 1):
        history = data.drop_last(held_first - (number - 1) * step)
        if refit:
            forecast = _fresh(model, params).fit_predict(history, horizon, num_samples=num_samples,
                                                         seed=seed)
        else:
            if number == 1:
                estimator.fit(history)
            forecast = estimator.predict(horizon, num_samples=num_samples, seed=seed, data=history)
        yield RollingForecast(number, data, history, forecast, horizon, estimator.name)


def _fresh(model, params):
    """A new, unfitted forecaster: a name (density models forecast through their windows), or a
    clone of the model given."""
    if isinstance(model, str):
        from forecastgen.window_forecaster import forecaster_named

        return forecaster_named(model, **params)
    return clone(model).set_params(**params)
