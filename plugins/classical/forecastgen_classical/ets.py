"""Exponential smoothing (ETS) state space models, fitted by maximum likelihood.

Hyndman, Koehler, Snyder & Grose (2002), "A state space framework for automatic
forecasting using exponential smoothing methods", on statsmodels' ``ETSModel``.
With ``"auto"`` settings the trend (none, additive, damped additive) and season
(none, additive, multiplicative for positive data) are chosen by AICc, as in R's
``forecast::ets``; errors are additive. Sample paths are simulated from the fitted
state space model.

Deviation: the history is cut to its last ``max_history`` points (at least two
seasons) because the likelihood optimisation grows slow on long hourly series and
old data barely moves the smoothed states.
"""

from __future__ import annotations

import itertools

import numpy as np

from forecastgen.errors import InputError
from forecastgen.local import ForecastFailed, LocalForecaster

TRENDS = {"none": [(None, False)], "add": [("add", False)], "damped": [("add", True)]}


class ETS(LocalForecaster):
    name = "ets"
    capabilities = frozenset({"forecast", "series"})

    def __init__(self, trend: str = "auto", seasonal: str = "auto", season_length: int | None = None,
                 max_history: int | None = 500):
        self.trend = trend
        self.seasonal = seasonal
        self.season_length = season_length
        self.max_history = max_history

    def _fit_one(self, y: np.ndarray, season: int):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        best = None
        for (trend, damped), seasonal in self._candidates(y, season):
            model = ETSModel(y, error="add", trend=trend, damped_trend=damped, seasonal=seasonal,
                             seasonal_periods=season if seasonal else None)
            try:
                result = model.fit(disp=False)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.isfinite(result.aicc) and (best is None or result.aicc < best.aicc):
                best = result
        if best is None:
            raise ForecastFailed("no ETS candidate could be fitted")
        return best

    def _candidates(self, y: np.ndarray, season: int):
        if self.trend == "auto":
            trends = TRENDS["none"] + TRENDS["add"] + TRENDS["damped"]
        elif self.trend in TRENDS:
            trends = TRENDS[self.trend]
        else:
            raise InputError(f"ets: trend must be auto, none, add or damped, not {self.trend!r}")
        if self.seasonal not in ("auto", "none", "add", "mul"):
            raise InputError(f"ets: seasonal must be auto, none, add or mul, not {self.seasonal!r}")
        if season == 1 or self.seasonal == "none":
            seasonals = [None]
        elif self.seasonal == "auto":
            seasonals = [None, "add"] + (["mul"] if y.min() > 0 else [])
        else:
            seasonals = [self.seasonal]
        return list(itertools.product(trends, seasonals))

    def _sample_one(self, state, horizon, num_samples, rng):
        paths = state.simulate(horizon, anchor="end", repetitions=num_samples, rng=rng)
        return np.asarray(paths, dtype=float).reshape(horizon, num_samples).T
