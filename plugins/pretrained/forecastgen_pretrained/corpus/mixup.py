"""TSMixup: convex combinations of real series with the same seasonal period.

Ansari et al. (2024), "Chronos", section 4.1 and Algorithm 1: draw k of 1..``max_series``
series, crop each to a common length, scale each by its mean absolute value, and mix
them with Dirichlet(``alpha``) weights. The mixture keeps the periods and shapes of
real data while adding patterns no single series has.
"""

from __future__ import annotations

import numpy as np


def tsmixup(series: list[np.ndarray], seasons: list[int], count: int, seed: int,
            max_series: int = 3, alpha: float = 1.5,
            max_length: int = 512) -> tuple[list[np.ndarray], list[int]]:
    """``count`` mixtures of ``series`` (grouped by their ``seasons``) and their periods."""
    rng = np.random.default_rng(seed)
    groups: dict[int, list[int]] = {}
    for index, season in enumerate(seasons):
        groups.setdefault(season, []).append(index)
    keys = sorted(groups)
    mixed, labels = [], []
    for _ in range(count):
        season = keys[int(rng.integers(len(keys)))]
        members = rng.choice(groups[season], size=int(rng.integers(1, max_series + 1)))
        length = min(max_length, *(len(series[i]) for i in members))
        weights = rng.dirichlet(np.full(len(members), alpha))
        total = np.zeros(length)
        for weight, index in zip(weights, members):
            start = int(rng.integers(0, len(series[index]) - length + 1))
            piece = series[index][start:start + length].astype(float)
            total += weight * piece / max(np.mean(np.abs(piece)), 1e-9)
        mixed.append(total.astype(np.float32))
        labels.append(season)
    return mixed, labels
