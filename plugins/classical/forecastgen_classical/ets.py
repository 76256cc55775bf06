"""Exponential smoothing (ETS) state space models, fitted by maximum likelihood.

Hyndman, Koehler, Snyder & Grose (2002), "A state space framework for automatic
forecasting using exponential smoothing methods", on statsmodels' ``ETSModel``.
With ``"auto"`` settings the error (additive, or multiplicative for positive data),
trend (none, additive, damped additive) and season (none, additive, multiplicative
for positive data) are chosen by AICc over the same candidates as R's
``forecast::ets`` with ``restrict = TRUE``: additive errors are never paired with a
multiplicative season, which is numerically unstable. Sample paths are simulated
from the fitted state space model. ``transform="log"`` fits the models to log(y), with
additive components only, as R's ``ets`` does under a Box-Cox transform: exponential
growth becomes a linear trend.

Deviation: the history is cut to its last ``max_history`` points (at least two
seasons) because the likelihood optimisation grows slow on long hourly series and
old data barely moves the smoothed states.
"""

from __future__ import annotations

import itertools

import numpy as np
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from forecastgen.errors import InputError
from forecastgen.local import ForecastFailed, LocalForecaster

TRENDS = {"none": [(None, False)], "add": [("add", False)], "damped": [("add", True)]}
SEASONALS = ("none", "add", "mul")
ERRORS = ("add", "mul")


class ETS(LocalForecaster):
    name = "ets"
    capabilities = frozenset({"forecast", "series"})

    def __init__(self, error: str = "auto", trend: str = "auto", seasonal: str = "auto",
                 season_length: int | None = None, max_history: int | None = 500,
                 transform: str = "none"):
        self.error = error
        self.trend = trend
        self.seasonal = seasonal
        self.season_length = season_length
        self.max_history = max_history
        self.transform = transform

    def _fit_one(self, y: np.ndarray, season: int):
        best = None
        for error, (trend, damped), seasonal in self._candidates(y, season):
            model = ETSModel(y, error=error, trend=trend, damped_trend=damped, seasonal=seasonal,
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

    def _check_params(self) -> None:
        super()._check_params()
        for name, valid in (("error", ERRORS), ("trend", TRENDS), ("seasonal", SEASONALS)):
            value = getattr(self, name)
            if value != "auto" and value not in valid:
                raise InputError(f"ets: {name} must be auto, {', '.join(valid)}, not {value!r}")

    def _candidates(self, y: np.ndarray, season: int) -> list:
        positive = y.min() > 0 and self.transform == "none"  # multiplicative parts need it
        errors = ([e for e in ERRORS if positive or e == "add"] if self.error == "auto"
                  else [self.error])
        trends = (TRENDS["none"] + TRENDS["add"] + TRENDS["damped"] if self.trend == "auto"
                  else TRENDS[self.trend])
        if season == 1:
            seasonals = [None]
        elif self.seasonal == "auto":
            seasonals = [None, "add"] + (["mul"] if positive else [])
        else:
            seasonals = [None if self.seasonal == "none" else self.seasonal]
        automatic = self.error == "auto" and self.seasonal == "auto"
        return [(error, trend, seasonal)
                for error, trend, seasonal in itertools.product(errors, trends, seasonals)
                if not (automatic and error == "add" and seasonal == "mul")]

    def _sample_one(self, state, horizon, num_samples, rng):
        paths = state.simulate(horizon, anchor="end", repetitions=num_samples, rng=rng)
        return np.asarray(paths, dtype=float).reshape(horizon, num_samples).T
