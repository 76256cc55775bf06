"""Seasonal naive: the forecast for a step is the value one season earlier.

The reference every forecaster must beat (Hyndman & Athanasopoulos, *Forecasting:
Principles and Practice*, 3rd ed., section 5.2). Sample paths follow
y[t] = y[t - m] + e with Gaussian e whose variance is the mean squared seasonal
difference, drawn ancestrally, so uncertainty grows with each season ahead. With a
season of 1 (or a history shorter than two seasons) it is the naive random walk.
"""

from __future__ import annotations

import numpy as np

from forecastgen.per_series import PerSeriesForecaster, seasonal_naive_mean, seasonal_naive_paths


class SeasonalNaive(PerSeriesForecaster):
    name = "snaive"
    capabilities = frozenset({"forecast", "series", "covariates"})

    def __init__(self, season_length: int | None = None, max_history: int | None = None,
                 n_jobs: int | None = None):
        self.store_params(locals())

    def fit_one(self, y: np.ndarray, season: int):
        return (y, season)

    def sample_one(self, state, horizon, num_samples, rng):
        y, season = state
        return seasonal_naive_paths(y, season, horizon, num_samples, rng)

    def mean_one(self, state, horizon):
        y, season = state
        return seasonal_naive_mean(y, season, horizon)
