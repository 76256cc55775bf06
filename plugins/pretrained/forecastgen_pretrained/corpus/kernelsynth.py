"""KernelSynth: synthetic series drawn from Gaussian processes with random kernel compositions.

Ansari et al. (2024), "Chronos: Learning the Language of Time Series", TMLR, section 4.2
and Algorithm 2. A kernel bank holds linear (trend), RBF and rational quadratic
(smooth local variation), periodic (seasonality at periods seen in real data),
constant and white-noise kernels; each series samples up to ``max_kernels`` of them,
joins them with random sums and products, and draws one path of the resulting GP
on ``length`` equally spaced points of [0, 1].

Deviation: each series also gets a seasonal period label for the forecaster's
frequency embedding, taken from the first periodic kernel whose period is one of
the calendar seasons (4, 5, 7, 12, 24, 52); series without one are labelled 1.
"""

from __future__ import annotations

import numpy as np

# periods in steps (Chronos' bank); those that are calendar seasons also label the series
PERIODS = (24, 48, 96, 168, 336, 672, 7, 14, 30, 60, 365, 730, 4, 26, 52, 6, 12, 40, 10, 5)
CALENDAR_SEASONS = (4, 5, 7, 12, 24, 52)
JITTER = 1e-6


def _linear(t, rng):
    offset = rng.choice([0.0, 1.0, 10.0])
    return offset + np.outer(t, t)


def _rbf(t, rng):
    scale = rng.choice([0.1, 1.0, 10.0])
    return np.exp(-0.5 * np.subtract.outer(t, t) ** 2 / scale**2)


def _rational_quadratic(t, rng):
    alpha = rng.choice([0.1, 1.0, 10.0])
    return (1 + np.subtract.outer(t, t) ** 2 / (2 * alpha)) ** -alpha


def _constant(t, rng):
    return np.full((len(t), len(t)), rng.uniform(0.1, 1.0))


def _white(t, rng):
    return rng.choice([0.1, 1.0]) * np.eye(len(t))


SMOOTH_KERNELS = (_linear, _rbf, _rational_quadratic, _constant, _white)


def _periodic(t, period_steps: int, length: int):
    period = period_steps / length
    distance = np.abs(np.subtract.outer(t, t))
    return np.exp(-2 * np.sin(np.pi * distance / period) ** 2)


def kernelsynth_series(length: int, rng: np.random.Generator, max_kernels: int = 5) -> tuple[np.ndarray, int]:
    """One KernelSynth path of ``length`` points and its seasonal period label."""
    t = np.linspace(0.0, 1.0, length)
    count = int(rng.integers(1, max_kernels + 1))
    season = 1
    kernel = None
    for _ in range(count):
        if rng.random() < 0.5:
            period = int(rng.choice([p for p in PERIODS if p < length / 2] or [4]))
            if season == 1 and period in CALENDAR_SEASONS:
                season = period
            part = _periodic(t, period, length)
        else:
            part = SMOOTH_KERNELS[int(rng.integers(len(SMOOTH_KERNELS)))](t, rng)
        if kernel is None:
            kernel = part
        elif rng.random() < 0.5:
            kernel = kernel + part
        else:
            kernel = kernel * part
    return _draw(kernel, rng), season


def _draw(kernel: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    size = len(kernel)
    jitter = JITTER * max(float(np.mean(np.diag(kernel))), 1e-3)
    for _ in range(6):
        try:
            factor = np.linalg.cholesky(kernel + jitter * np.eye(size))
            return factor @ rng.standard_normal(size)
        except np.linalg.LinAlgError:
            jitter *= 10
    values, vectors = np.linalg.eigh(kernel)
    return vectors @ (np.sqrt(np.clip(values, 0, None)) * rng.standard_normal(size))


def kernelsynth(count: int, seed: int, lengths=(128, 256, 512)) -> tuple[list[np.ndarray], list[int]]:
    """``count`` KernelSynth series (lengths drawn from ``lengths``) and their period labels."""
    rng = np.random.default_rng(seed)
    series, seasons = [], []
    for _ in range(count):
        values, season = kernelsynth_series(int(rng.choice(lengths)), rng)
        series.append(values.astype(np.float32))
        seasons.append(season)
    return series, seasons
