"""The Theta method: simple exponential smoothing with half the linear trend's drift.

Assimakopoulos & Nikolopoulos (2000), "The theta model: a decomposition approach to
forecasting"; Hyndman & Billah (2003) showed it is SES with drift. Seasonal series
are deseasonalised first (classical decomposition, tested by statsmodels), on
statsmodels' ``ThetaModel``. ``transform="log"`` fits it to log(y): the drift becomes
a growth rate.

Sample paths: statsmodels gives Gaussian prediction intervals per step; the paths
are the point forecast plus a sum of independent Gaussian increments whose
variances make each step's marginal match those intervals, so every path has the
right spread at every step and errors accumulate along the path.
"""

from __future__ import annotations

import numpy as np
from statsmodels.tsa.forecasting.theta import ThetaModel

from forecastgen.local import LocalForecaster

Z_975 = 1.959963984540054


class Theta(LocalForecaster):
    name = "theta"
    capabilities = frozenset({"forecast", "series"})

    def __init__(self, season_length: int | None = None, max_history: int | None = 2000,
                 transform: str = "none"):
        self.season_length = season_length
        self.max_history = max_history
        self.transform = transform

    def _fit_one(self, y: np.ndarray, season: int):
        method = "multiplicative" if y.min() > 0 and self.transform == "none" else "additive"
        return ThetaModel(y, period=season, deseasonalize=season > 1, method=method).fit()

    def _sample_one(self, state, horizon, num_samples, rng):
        mean = np.asarray(state.forecast(horizon), dtype=float)
        bounds = state.prediction_intervals(horizon, alpha=0.05)
        sigma = (bounds["upper"].to_numpy() - bounds["lower"].to_numpy()) / (2 * Z_975)
        variance = np.maximum.accumulate(np.maximum(sigma, 0.0) ** 2)
        increments = np.diff(variance, prepend=0.0)
        noise = rng.normal(size=(num_samples, horizon)) * np.sqrt(increments)
        return mean + np.cumsum(noise, axis=1)
