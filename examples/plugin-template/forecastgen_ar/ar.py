"""``ar``: an autoregressive AR(p) model fitted by least squares, one per series.

    y_t = c + a_1 y_(t-1) + ... + a_p y_(t-p) + e_t,   e_t ~ N(0, sigma^2)

Box, Jenkins, Reinsel & Ljung (2015), *Time Series Analysis: Forecasting and
Control*, 5th ed., chapter 3. The coefficients are the conditional least-squares
estimates (equal to conditional maximum likelihood under Gaussian noise); forecasts
are sample paths drawn ancestrally; ``log_prob`` is the exact conditional
log-likelihood of a series after its first p values.

forecastgen's ``PerSeriesForecaster`` does the rest: input reading and validation,
constant series, guards against unusable forecasts, the ``Forecast`` result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecastgen import PerSeriesForecaster, as_series_set
from forecastgen.errors import InputError


@dataclass
class ARState:
    intercept: float
    coefficients: np.ndarray  # a_1 .. a_p
    sigma: float
    last: np.ndarray  # the last p values, oldest first


class ARForecaster(PerSeriesForecaster):
    name = "ar"
    capabilities = frozenset({"forecast", "log_prob", "series"})
    season_length = None  # AR(p) has no season
    parameter_help = {"order": "p, the number of past values each step regresses on"}  # models NAME shows it

    def __init__(self, order: int = 2, max_history: int | None = None):
        self.order = order
        self.max_history = max_history

    def check_params(self) -> None:
        super().check_params()
        if not isinstance(self.order, int) or self.order < 1:
            raise InputError(f"ar: order must be a positive integer, not {self.order!r}")

    def fit_one(self, y: np.ndarray, season: int) -> ARState:
        p = self.order
        if len(y) < 2 * p + 2:
            raise InputError(f"ar: order {p} needs at least {2 * p + 2} points per series, but a "
                             f"series has {len(y)}; use a smaller order")
        design = _design(y, p)
        solution, *_ = np.linalg.lstsq(design, y[p:], rcond=None)
        residuals = y[p:] - design @ solution
        sigma = float(np.sqrt(residuals @ residuals / max(len(residuals) - p - 1, 1)))
        return ARState(float(solution[0]), solution[1:], max(sigma, 1e-9), y[-p:].copy())

    def sample_one(self, state: ARState, horizon: int, num_samples: int,
                    rng: np.random.Generator) -> np.ndarray:
        return self._run_forward(state, rng.normal(0.0, state.sigma, size=(num_samples, horizon)))

    def mean_one(self, state: ARState, horizon: int) -> np.ndarray:
        """Optional: the exact mean (the recursion without noise: the model is linear), which
        the forecast table shows instead of the paths' mean."""
        return self._run_forward(state, np.zeros((1, horizon)))[0]

    def _run_forward(self, state: ARState, noise: np.ndarray) -> np.ndarray:
        p = self.order
        paths = np.empty((len(noise), p + noise.shape[1]))
        paths[:, :p] = state.last
        for step in range(noise.shape[1]):
            recent = paths[:, step:step + p][:, ::-1]  # y_(t-1) first
            paths[:, p + step] = state.intercept + recent @ state.coefficients + noise[:, step]
        return paths[:, p:]

    def log_prob(self, data) -> pd.Series:
        """log p(y_(p+1..T) | y_(1..p)) of each fitted series, in nats."""
        self.check_is_fitted()
        data = as_series_set(data)
        scores = {}
        for key, series in data:
            state = self.states_.get(key)
            if not isinstance(state, ARState):
                raise InputError(f"ar: no AR model was fitted for series '{key}'; fit on it first")
            y = series.to_numpy(dtype=float)
            residuals = y[self.order:] - _design(y, self.order) @ np.r_[state.intercept,
                                                                        state.coefficients]
            scores[key] = float(np.sum(-0.5 * (residuals / state.sigma) ** 2
                                       - np.log(state.sigma) - 0.5 * np.log(2 * np.pi)))
        return pd.Series(scores, name="log_prob")


def _design(y: np.ndarray, p: int) -> np.ndarray:
    """Rows (1, y_(t-1), ..., y_(t-p)) for t = p .. T-1."""
    lags = [y[p - lag:len(y) - lag] for lag in range(1, p + 1)]
    return np.column_stack([np.ones(len(y) - p), *lags])
