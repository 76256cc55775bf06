"""Structural synthetic series: level, trend, seasonality and ARMA noise, as in business data.

The components of the exponential smoothing family (Hyndman et al. 2008, *Forecasting
with Exponential Smoothing: the State Space Approach*) drawn at random: a level that
may wander (local level), a trend that is absent, linear, damped or exponential, a
seasonal pattern of a few harmonics that is additive or multiplicative, ARMA(1, 1)
noise (Box & Jenkins), occasional level shifts, and for some series positivity or
whole-number counts. Lengths mix short, M-competition-like series and long ones.
"""

from __future__ import annotations

import numpy as np

SEASONS = (1, 4, 12, 52, 7, 5, 24)


def structural_series(rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """One series and its seasonal period."""
    season = int(rng.choice(SEASONS))
    shortest = max(12, 3 * season)
    length = int(rng.integers(shortest, shortest + 100) if rng.random() < 0.5 else rng.integers(120, 700))
    t = np.arange(length, dtype=float)
    noise = _arma(length, rng)
    level = _trend(t, rng) + np.cumsum(noise * rng.choice([0.0, 0.3, 1.0]))
    level += _level_shifts(length, rng)
    seasonal = _seasonal(t, season, rng) if season > 1 else np.zeros(length)
    if rng.random() < 0.4:
        base = 10 + np.abs(level).max()
        values = (base + level) * (1 + 0.1 * seasonal) + noise * base * 0.02
    else:
        values = level + seasonal * rng.uniform(0.5, 5.0) + noise
    if rng.random() < 0.1:
        values = rng.poisson(np.clip(values - values.min(), 0, None) / max(np.std(values), 1e-9)
                             * rng.uniform(1, 20)).astype(float)
    return values, season


def _trend(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    kind = rng.choice(["none", "linear", "damped", "exponential"])
    slope = rng.normal(0, 0.5)
    if kind == "linear":
        return slope * t
    if kind == "damped":
        phi = rng.uniform(0.8, 0.99)
        return slope * (1 - phi ** (t + 1)) / (1 - phi) * 10
    if kind == "exponential":
        rate = rng.normal(0, 0.02)
        return 10 * (np.exp(rate * t) - 1)
    return np.zeros_like(t)


def _seasonal(t: np.ndarray, season: int, rng: np.random.Generator) -> np.ndarray:
    harmonics = int(rng.integers(1, min(4, season // 2 + 1) + 1))
    pattern = np.zeros_like(t)
    for k in range(1, harmonics + 1):
        pattern += rng.normal(0, 1 / k) * np.sin(2 * np.pi * k * t / season + rng.uniform(0, 2 * np.pi))
    return pattern


def _arma(length: int, rng: np.random.Generator) -> np.ndarray:
    phi, theta = rng.uniform(-0.5, 0.95), rng.uniform(-0.5, 0.5)
    shocks = rng.standard_normal(length + 1) * rng.uniform(0.1, 1.0)
    out = np.zeros(length)
    previous = 0.0
    for step in range(length):
        previous = phi * previous + shocks[step + 1] + theta * shocks[step]
        out[step] = previous
    return out


def _level_shifts(length: int, rng: np.random.Generator) -> np.ndarray:
    shifts = np.zeros(length)
    for _ in range(int(rng.poisson(0.3))):
        shifts[int(rng.integers(length)):] += rng.normal(0, 3)
    return shifts


def structural(count: int, seed: int) -> tuple[list[np.ndarray], list[int]]:
    """``count`` structural series and their seasonal periods."""
    rng = np.random.default_rng(seed)
    pairs = [structural_series(rng) for _ in range(count)]
    return [values.astype(np.float32) for values, _ in pairs], [season for _, season in pairs]
