"""Regression on the covariates with a time-series model on its errors.

Each series is ``y_t = b' (x_t - mean x) + e_t``: the covariates' effects plus an error series
``e`` that keeps the series' level, trend and season and is what the forecaster (ETS, Theta,
ARIMA...) models. The forecast is the model's forecast of ``e`` plus the effects of the
future covariates. This is the dynamic regression of Hyndman & Athanasopoulos, "Forecasting:
principles and practice" (3rd ed., 2021), chapter 10 ("regression with ARIMA errors"), in
its two-step form: ``b`` is estimated first by least squares, with an intercept and a linear
trend and the season's Fourier terms beside the covariates (so a trending or seasonal series
does not lend its trend or season to a covariate that moves with them), then the model is
fitted to ``e``.

The least squares are slightly ridge-penalized on the standardized covariates, so a level of
a category seen once, or two covariates that move together, get finite effects. A covariate
constant over a series' history has no estimable effect: 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from forecastgen.data import SeriesSet
from forecastgen.forecasts import Forecast
from forecastgen.interfaces import Model, check_covariates

RIDGE = 1e-3  # the penalty per history point on each standardized covariate's coefficient
HUBER_K, HUBER_ITERATIONS = 1.345, 10  # Huber's constant (95% efficiency under normal errors)
MAX_HARMONICS = 6  # seasonal controls: at most this many harmonics (12 columns)


@dataclass
class CovariateEffects:
    """Per series, the covariates' coefficients and the history's mean covariates."""

    coefficients: dict[str, np.ndarray]
    centres: dict[str, np.ndarray]

    @classmethod
    def fit(cls, data: SeriesSet) -> CovariateEffects:
        coefficients, centres = {}, {}
        for key in data.ids:
            x = data.covariates.past_values(key)
            centres[key] = x.mean(axis=0)
            coefficients[key] = least_squares_effects(data.values(key), x, data.freq.season)
        return cls(coefficients, centres)

    def effect(self, key: str, x: np.ndarray) -> np.ndarray:
        """The covariates' effect at each row of ``x`` (steps, covariates) on series ``key``."""
        return (x - self.centres[key]) @ self.coefficients[key]

    def remove(self, data: SeriesSet) -> SeriesSet:
        """The error series: each series less its covariates' effects (covariates kept)."""
        errors = {key: series - self.effect(key, data.covariates.past_values(key))
                  for key, series in data}
        return replace(data, series=errors)

    def add(self, forecast: Forecast, data: SeriesSet) -> Forecast:
        """``forecast`` (of the error series) plus the effects of ``data``'s future covariates,
        with ``data``'s series as its history."""
        for key in forecast.ids:
            effect = self.effect(key, data.covariates.future_values(key, forecast.horizon))
            forecast.samples[key] = forecast.samples[key] + effect
            if key in forecast.means:
                forecast.means[key] = forecast.means[key] + effect
        forecast.history = {key: data[key] for key in forecast.ids}
        return forecast


def least_squares_effects(y: np.ndarray, x: np.ndarray, season: int = 1) -> np.ndarray:
    """The coefficients of ``x`` (n, k) in a ridge-penalized least-squares fit of ``y`` on an
    intercept, a linear trend, the season's Fourier terms (``seasonal_terms``) and ``x``
    centred (the penalty on ``x``'s standardized columns only); 0 for a column constant over
    the history. The trend and season are controls: a covariate that moves with the season
    (games at weekends, heating in winter) gets its own effect, not the season's."""
    n, k = x.shape
    spread = x.std(axis=0)
    varying = spread > 1e-12 * np.maximum(1.0, np.abs(x).max(axis=0))
    coefficients = np.zeros(k)
    if not varying.any():
        return coefficients
    standard = (x[:, varying] - x[:, varying].mean(axis=0)) / spread[varying]
    controls = np.column_stack([np.ones(n), np.linspace(-1.0, 1.0, n), seasonal_terms(n, season)])
    design = np.column_stack([controls, standard])
    penalty = np.zeros(design.shape[1])
    penalty[controls.shape[1]:] = RIDGE * n
    solution = huber_regression(design, y, penalty)
    coefficients[varying] = solution[controls.shape[1]:] / spread[varying]
    return coefficients


def huber_regression(design: np.ndarray, y: np.ndarray, penalty: np.ndarray,
                     iterations: int = HUBER_ITERATIONS) -> np.ndarray:
    """Penalized least squares made robust by Huber's loss (Huber 1964), by iteratively
    reweighted least squares: a point whose residual is beyond ``HUBER_K`` robust standard
    deviations (1.4826 MAD) weighs K / |r|. A day the station closed, or a holiday the
    covariates do not name, then cannot set a covariate's effect."""
    weights = np.ones(len(y))
    for _ in range(iterations):
        weighted = design * weights[:, None]
        solution = np.linalg.lstsq(weighted.T @ design + np.diag(penalty), weighted.T @ y, rcond=None)[0]
        residuals = y - design @ solution
        scale = 1.4826 * np.median(np.abs(residuals - np.median(residuals)))
        if scale <= 0:
            break
        standardized = np.abs(residuals) / scale
        weights = np.where(standardized <= HUBER_K, 1.0, HUBER_K / np.maximum(standardized, 1e-12))
    return solution


def seasonal_terms(n: int, season: int) -> np.ndarray:
    """(n, 2K) sines and cosines of the first K = min(season // 2, MAX_HARMONICS) harmonics of
    the season (none for season 1 or a history shorter than two seasons); K = season / 2 spans
    every seasonal pattern of an even season up to seven."""
    if season < 2 or n < 2 * season:
        return np.zeros((n, 0))
    phase = 2 * np.pi * np.arange(n) / season
    columns = []
    for harmonic in range(1, min(season // 2, MAX_HARMONICS) + 1):
        columns.append(np.cos(harmonic * phase))
        if 2 * harmonic != season:  # sin(pi t) is 0 at every step
            columns.append(np.sin(harmonic * phase))
    return np.column_stack(columns)


def covariate_effects(model: Model, data: SeriesSet) -> CovariateEffects | None:
    """The effects of ``data``'s covariates for ``model`` to forecast around, or None where the
    series have none; refused where ``model`` takes no covariates, or where some have no
    future values (past-only covariates: a regression needs them over the horizon)."""
    check_covariates(model, data)
    if not data.covariate_names():
        return None
    return CovariateEffects.fit(data)
