"""Forecast accuracy metrics, following the M4 competition's definitions.

- MASE: mean absolute error divided by the in-sample mean absolute seasonal
  difference (period ``season``; period 1 when the history is shorter than two
  seasons, or when every seasonal difference is zero); undefined (NaN) when the
  history is constant.
- sMAPE: 200/h * sum |y - f| / (|y| + |f|), on the 0-200 scale.
- CRPS from samples, scaled like MASE; lower is better, and for a point forecast it
  equals the absolute error.
- Coverage: the share of observations inside a central interval.

Missing observations (NaN) in the actual values are skipped.
"""

from __future__ import annotations

import numpy as np


def seasonal_scale(history: np.ndarray, season: int) -> float:
    """Mean absolute seasonal difference of the history (the MASE denominator); the mean
    absolute difference of neighbours where every seasonal difference is zero (1, 2, 1, 2,
    ... has period 2, which divides 12); NaN for a constant or empty history, whose errors
    have no scale."""
    history = np.asarray(history, dtype=float)
    history = history[np.isfinite(history)]
    season = season if len(history) >= 2 * season else 1
    for lag in dict.fromkeys((season, 1)):
        differences = np.abs(history[lag:] - history[:-lag])
        scale = float(differences.mean()) if len(differences) else 0.0
        if scale > 0:
            return scale
    return np.nan


def mase(actual, point, history, season: int) -> float:
    actual, point = _paired(actual, point)
    return float(np.mean(np.abs(actual - point)) / seasonal_scale(history, season))


def smape(actual, point) -> float:
    actual, point = _paired(actual, point)
    denominator = np.abs(actual) + np.abs(point)
    safe = np.where(denominator > 0, denominator, 1.0)
    terms = np.where(denominator > 0, 2 * np.abs(actual - point) / safe, 0.0)
    return float(100 * terms.mean())


def crps_samples(actual, samples) -> np.ndarray:
    """CRPS of each step: E|X - y| - E|X - X'| / 2 with X from ``samples`` (n, horizon).

    Computed exactly from the sorted samples in O(n log n) per step.
    """
    actual = np.asarray(actual, dtype=float)
    ordered = np.sort(np.asarray(samples, dtype=float), axis=0)
    n = ordered.shape[0]
    absolute = np.mean(np.abs(ordered - actual[None, :]), axis=0)
    weights = (2 * np.arange(1, n + 1) - n - 1)[:, None]
    spread = np.sum(weights * ordered, axis=0) / (n * n)
    return absolute - spread


def scaled_crps(actual, samples, history, season: int) -> float:
    actual = np.asarray(actual, dtype=float)
    observed = np.isfinite(actual)
    values = crps_samples(actual[observed], np.asarray(samples)[:, observed])
    return float(values.mean() / seasonal_scale(history, season))


def coverage(actual, samples, level: float) -> float:
    """Share of observed steps inside the central ``level`` interval of the samples."""
    actual = np.asarray(actual, dtype=float)
    low, high = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2], axis=0)
    observed = np.isfinite(actual)
    inside = (actual >= low) & (actual <= high)
    return float(inside[observed].mean())


def _paired(actual, point) -> tuple[np.ndarray, np.ndarray]:
    actual, point = np.asarray(actual, dtype=float), np.asarray(point, dtype=float)
    observed = np.isfinite(actual)
    return actual[observed], point[observed]


def score_forecast(actual, samples, history, season: int) -> dict[str, float]:
    """All metrics of one series' forecast; the point forecast is the sample median."""
    samples = np.asarray(samples, dtype=float)
    point = np.median(samples, axis=0)
    return {
        "mase": mase(actual, point, history, season),
        "smape": smape(actual, point),
        "crps": scaled_crps(actual, samples, history, season),
        "coverage80": coverage(actual, samples, 0.8),
        "coverage95": coverage(actual, samples, 0.95),
    }
