"""Rolling-origin backtests: refit on each window's history, forecast, score.

The last ``windows`` stretches of ``horizon`` points of every series are held out in
turn (the most recent last); for each, the model is fitted on everything before it
and scored with the metrics of ``forecastgen.metrics``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecastgen.data import SeriesSet, as_series_set, read_series
from forecastgen.errors import InputError
from forecastgen.interfaces import clone
from forecastgen.metrics import score_forecast

METRICS = ["mase", "smape", "crps", "coverage80", "coverage95"]


@dataclass
class BacktestResult:
    """Scores per series and window (``scores``) and their means (``summary()``)."""

    scores: pd.DataFrame
    model: str

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


def backtest(data, model="auto", *, windows: int = 3, horizon: int | None = None,
             num_samples: int = 200, seed: int | None = 0, **params) -> BacktestResult:
    """Backtest ``model`` (a name or an unfitted model) over the last ``windows`` windows of
    every series of ``data`` (a path, pandas, or a SeriesSet)."""
    from forecastgen.engine.threads import choose_threads, use_threads

    data = read_series(data) if isinstance(data, (str, Path)) else as_series_set(data)
    use_threads(choose_threads(data.points()))
    horizon = int(horizon or data.freq.default_horizon)
    if windows < 1:
        raise InputError(f"windows must be at least 1, not {windows}")
    needed = windows * horizon + max(horizon, 3)
    if data.shortest() < needed:
        raise InputError(
            f"{data.source}: the shortest series has {data.shortest()} points, but {windows} "
            f"window(s) of {horizon} steps need at least {needed}; use fewer --windows or a "
            "shorter --horizon")
    rows = []
    for window in range(1, windows + 1):
        held_out = (windows - window + 1) * horizon
        history = data.drop_last(held_out)
        forecast = _fresh(model, params).fit_predict(history, horizon, num_samples=num_samples, seed=seed)
        rows.extend(_score_window(data, history, forecast, window, held_out, horizon))
    name = model if isinstance(model, str) else model.name
    return BacktestResult(pd.DataFrame(rows), name)


def _fresh(model, params):
    if isinstance(model, str):
        from forecastgen.registry import create

        return create(model, **params)
    return clone(model).set_params(**params)


def _score_window(data: SeriesSet, history: SeriesSet, forecast, window: int, held_out: int,
                  horizon: int) -> list[dict]:
    rows = []
    for key, series in data:
        start = len(series) - held_out
        actual = series.to_numpy(dtype=float)[start:start + horizon]
        scores = score_forecast(actual, forecast.samples[key], history.values(key), data.freq.season)
        rows.append({"id": key, "window": window, "cutoff": series.index[start - 1], **scores})
    return rows
