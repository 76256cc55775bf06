"""``auto``: choose the forecaster for the data at hand by backtesting the candidates.

The registered forecasters that suit the series are backtested on the series' own
last window(s), cheapest first, within a time budget; each is scored by scaled CRPS
(the whole predictive distribution) and MASE (the median), both relative to the best
candidate, and the lowest mean of the two wins. The winner is then fitted on all the
data. Suitability: autoregressive models only where every series is autocorrelated
and long enough for their windows; every model must forecast series.

This is model selection, not a model of its own: ``chosen_`` names the forecaster
and ``scores_`` keeps the backtest table; ``reason_`` says why in plain words.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from forecastgen.data import SeriesSet, as_series_set
from forecastgen.diagnostics import check_series
from forecastgen.errors import InputError
from forecastgen.forecast import Forecast
from forecastgen.interfaces import FORECAST, SERIES, SequenceGenerator

CHEAP_FIRST = ("snaive", "theta", "ets")
NEEDS_AUTOCORRELATION = "autoregressive"  # the family whose models refuse without it


class AutoForecaster(SequenceGenerator):
    name = "auto"
    capabilities = frozenset({"forecast", "series"})

    def __init__(self, candidates: str | None = None, windows: int = 1, budget_seconds: float = 20.0,
                 num_samples: int = 100, seed: int = 0):
        self.candidates = candidates
        self.windows = windows
        self.budget_seconds = budget_seconds
        self.num_samples = num_samples
        self.seed = seed

    def fit(self, data) -> AutoForecaster:
        from forecastgen.evaluate import backtest
        from forecastgen.registry import default_registry

        data = as_series_set(data)
        registry = default_registry()
        names, excluded = self._suitable(data, registry)
        horizon = self._backtest_horizon(data)
        rows, skipped, start, slowest = [], [], time.perf_counter(), 0.0
        for name in names:
            elapsed = time.perf_counter() - start
            if rows and elapsed + slowest > self.budget_seconds:
                skipped.append(name)
                continue
            began = time.perf_counter()
            result = backtest(data, registry.create(name), windows=self.windows, horizon=horizon,
                              num_samples=self.num_samples, seed=self.seed)
            seconds = time.perf_counter() - began
            slowest = max(slowest, seconds)
            means = result.scores[["crps", "mase"]].mean()
            rows.append({"model": name, "crps": means["crps"], "mase": means["mase"], "seconds": seconds})
        self.scores_ = _rank(pd.DataFrame(rows).set_index("model"))
        self.chosen_ = self.scores_.index[0]
        self.reason_ = self._reason(horizon, excluded, skipped)
        self.model_ = registry.create(self.chosen_).fit(data)
        return self

    def predict(self, horizon: int | None = None, num_samples: int = 200, seed: int | None = None,
                data=None) -> Forecast:
        self._check_fitted()
        if data is not None:
            return self.fit(data).predict(horizon, num_samples, seed)
        forecast = self.model_.predict(horizon, num_samples=num_samples, seed=seed)
        forecast.model = f"auto: {self.chosen_}"
        forecast.notes.insert(0, self.reason_)
        return forecast

    def _suitable(self, data: SeriesSet, registry) -> tuple[list[str], list[str]]:
        wanted = None if self.candidates is None else [n.strip() for n in self.candidates.split(",")]
        names, excluded = [], []
        autocorrelated = None
        for name in wanted or registry.names():
            spec = registry.get(name)
            if name == self.name or spec.kind != "sequence" or not {FORECAST, SERIES} <= spec.capabilities:
                continue
            if spec.family == NEEDS_AUTOCORRELATION:
                if autocorrelated is None:
                    autocorrelated = all(check_series(k, s.to_numpy(dtype=float), data.freq.season)
                                         .has_autocorrelation for k, s in data)
                if not autocorrelated:
                    excluded.append(f"{name} (no significant autocorrelation)")
                    continue
                if data.shortest() < 4 * data.freq.horizon + 2 * data.freq.season:
                    excluded.append(f"{name} (series too short to train on)")
                    continue
            names.append(name)
        if not names:
            raise InputError("auto: no installed forecaster suits these series"
                             + (f" ({'; '.join(excluded)})" if excluded else ""))
        names.sort(key=lambda n: (CHEAP_FIRST.index(n) if n in CHEAP_FIRST else len(CHEAP_FIRST), n))
        return names, excluded

    def _backtest_horizon(self, data: SeriesSet) -> int:
        horizon = data.freq.horizon
        room = (data.shortest() - 3) // (self.windows + 1)
        if room < 1:
            raise InputError(f"auto: the shortest series has {data.shortest()} points, too few to "
                             "backtest on; choose a model with --model")
        return min(horizon, room)

    def _reason(self, horizon: int, excluded: list[str], skipped: list[str]) -> str:
        table = ", ".join(f"{name} {row.crps:.3f}/{row.mase:.3f}" for name, row in self.scores_.iterrows())
        text = (f"auto chose {self.chosen_}: best backtest over the last {self.windows} window(s) of "
                f"{horizon} steps (scaled CRPS/MASE: {table})")
        if excluded:
            text += f"; not tried: {', '.join(excluded)}"
        if skipped:
            text += (f"; skipped for the {self.budget_seconds:g} s budget: {', '.join(skipped)} "
                     "(raise -p budget_seconds=... to try them)")
        return text


def _rank(scores: pd.DataFrame) -> pd.DataFrame:
    """Score each model by its CRPS and MASE relative to the best; lowest first."""
    metrics = scores[["crps", "mase"]]
    relative = metrics / metrics.min().clip(lower=1e-12)
    scores = scores.assign(score=relative.mean(axis=1).replace([np.inf], np.nan))
    return scores.sort_values("score", na_position="last")
