"""Calibrated forecasts: any forecaster's quantiles corrected by its own backtest errors.

``Calibrated(model, method)`` forecasts each series as ``model`` does, then moves each
step's sample paths so that the forecast's quantiles cover what they claim. The correction
is learned, before the final fit, from rolling-origin forecasts of the series' own past
(``windows`` cutoffs, ``forecastgen.evaluate``), pooled over the series:

- ``method="cqr"``: conformalized quantile regression (Romano, Patterson & Candes 2019,
  "Conformalized quantile regression", NeurIPS), normalized by the interval's width. For each
  central interval of the model (levels l and 1 - l) the score of an actual value y is
  ``max(lo - y, y - hi) / (hi - lo)``; the interval is widened (or narrowed) by the
  conformal quantile Q of the scores, ``lo - Q (hi - lo)`` and ``hi + Q (hi - lo)``. Scores
  divided by the width pool across series of any scale and across horizon steps.
- ``method="conformal"``: split conformal prediction around the model's median, per horizon
  step where there are enough scores (as statsforecast's ``ConformalIntervals``): the
  scores are ``|y - median|`` over the series' MASE scale, and the interval at level 1 - a
  is the median plus or minus their conformal (1 - a) quantile times the scale.
- ``method="aci"``: adaptive conformal inference (Gibbs & Candes 2021, "Adaptive conformal
  inference under distribution shift", NeurIPS) over cqr's scores, for series whose errors
  change with time. Each series' own backtest windows are replayed oldest first, and after
  each one the miss rate asked of each interval moves by ``gamma`` times the nominal rate a
  less the share the window missed, ``alpha <- alpha + gamma (a - missed)`` (once per
  window, not per point: a window's steps come from one forecast and miss together). The
  forecast's intervals are cqr's widenings at each series' last coverage 1 - alpha: a series
  that has been missing more than it should lately gets wider intervals, a calm one
  narrower, and the oldest windows weigh least. Over any T windows the mean share missed is
  within about (1 + gamma) / (gamma T) of a, whatever the errors do. Two guards that the
  paper does not need: the last alpha stays within a / 2 and 2 a (at alpha <= 0 the paper's
  interval is infinite, and the pooled scores' far tail, a short history's wild backtest
  forecast, would set it), and the ten windows asked by default stop where a backtest would
  keep less than half the median series.

- ``Correction.shipped(frequency)``: cqr's widenings learned beforehand, on other series, for
  ``auto``'s default mixture (``forecastgen.shipped_calibration``): a single series has too
  few backtest errors of its own to calibrate by.

The conformal quantile of n scores at level 1 - a is their ceil((n + 1)(1 - a)) / n
empirical quantile (Vovk et al. 2005; Angelopoulos & Bates 2023, "Conformal prediction: a
gentle introduction"). The paths keep their order: at each step, the path of rank r moves to
the corrected quantile function at (r + 0.5) / n, so paths still wander as the model's did.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from forecastgen.data import SeriesSet, as_series_set
from forecastgen.errors import InputError, NotFittedError
from forecastgen.forecasts import Forecast
from forecastgen.interfaces import COVARIATES, FORECAST, SERIES, SequenceGenerator, check_covariates, clone
from forecastgen.metrics import seasonal_scale

METHODS = ("cqr", "conformal", "aci")
WIDTH_SCORED = ("cqr", "aci")  # the methods scored by how far outside the interval, over its width
WINDOWS = {"cqr": 3, "conformal": 3, "aci": 10}  # backtest windows when none are given
ACI_GAMMA = 0.2  # aci's step per window (0.05 and 0.5 gave higher CRPS on the dev series)
# aci may at most halve or double an interval's nominal miss rate: past that, the pooled
# scores' far tail (a short history's wild backtest forecast) would set the interval
ACI_MISS_RATE_FACTOR = 2.0
# the lower levels of the central intervals corrected (their upper levels are 1 - these)
LOWER_LEVELS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45)
NOMINAL_MISS_RATES = 2 * np.array(LOWER_LEVELS)  # the share each central interval claims to miss
MIN_SCORES_PER_STEP = 30  # fewer scores at one horizon step: that step uses every step's


class Calibrated(SequenceGenerator):
    """``model``'s forecasts with their quantiles corrected by its own backtest errors."""

    name = "calibrated"
    parameter_help = {
        "model": "the forecaster whose forecasts are calibrated (a name or a model)",
        "method": "cqr (conformalized quantile regression), conformal (split conformal, per step) "
                  "or aci (adaptive conformal inference over cqr's scores, for long series)",
        "windows": "rolling-origin cutoffs whose forecasts the correction is learned from "
                   "(default: 3; for aci up to 10, as many as keep half the median series)",
        "gamma": "aci: how far one backtest window's misses or hits move the coverage asked (0 < gamma < 1)",
    }

    def __init__(self, model, method: str = "cqr", windows: int | None = None, gamma: float = ACI_GAMMA):
        self.store_params(locals())

    def check_params(self) -> None:
        if self.method not in METHODS:
            raise InputError(f"calibration: method must be {', '.join(METHODS[:-1])} or {METHODS[-1]}, "
                             f"not {self.method!r}")
        if self.windows is not None and (not isinstance(self.windows, int) or self.windows < 1):
            raise InputError(f"calibration: windows must be a whole number of at least 1, "
                             f"not {self.windows!r}")
        if not isinstance(self.gamma, (int, float)) or not 0 < self.gamma < 1:
            raise InputError(f"calibration: gamma must be a number between 0 and 1, not {self.gamma!r}")

    @property
    def capabilities(self) -> frozenset[str]:
        """Forecasting series, and covariates where the calibrated model takes them."""
        return frozenset({FORECAST, SERIES}) | (self._inner().capabilities & {COVARIATES})

    def display_name(self) -> str:
        return f"model '{self._inner().name}' calibrated by {self.method}"

    def fit(self, data) -> Calibrated:
        self.check_params()
        data = as_series_set(data)
        check_covariates(self, data)
        by_series, self.notes_ = self._backtest_scores(data, data.default_horizon)
        self.correction_ = Correction.learned(self.method, by_series, self.gamma)
        self.model_ = self._inner().fit(data)
        self.scales_ = {key: series_scale(data.values(key), data.freq.season) for key in data.ids}
        return self

    def predict(self, horizon: int | None = None, num_samples: int = 200,
                seed: int | None = None, future=None) -> Forecast:
        self.check_is_fitted()
        with_future = {} if future is None else {"future": future}
        forecast = self.model_.predict(horizon, num_samples=num_samples, seed=seed, **with_future)
        samples = {key: self.correction_.corrected(paths, self.scales_.get(key, 1.0),
                                                   lower_bound(forecast.history[key].to_numpy(dtype=float)),
                                                   key)
                   for key, paths in forecast.samples.items()}
        return Forecast(samples, forecast.index, model=f"{forecast.model} (calibrated: {self.method})",
                        history=forecast.history, notes=[*forecast.notes, *self.notes_])

    def check_is_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(f"{self.display_name()} is not fitted; call fit(data) first")

    # -- learning the correction ------------------------------------------------------------
    def _inner(self):
        if isinstance(self.model, str):
            from forecastgen.window_forecaster import forecaster_named

            return forecaster_named(self.model)
        return clone(self.model)

    def _backtest_scores(self, data: SeriesSet, horizon: int) -> tuple[dict[str, list] | None, list[str]]:
        """Each series' scores of the model's rolling-origin forecasts of its past, oldest window
        first ((steps, levels) per window for cqr and aci, (steps,) for conformal); None where
        the series are too short for one window (with a note). The windows are as many as the
        median series has room for (up to ``windows``), and the series too short for them are
        left out of the backtest: one short series does not stop a file's calibration."""
        from forecastgen.evaluate import rolling_forecasts

        lengths = {key: len(series) for key, series in data}
        room = int(np.median(list(lengths.values())))
        windows = min(self._windows(room, horizon), max(0, (room - max(horizon, 3)) // horizon))
        if windows < 1:
            return None, [f"not calibrated: the series ({room} points, the median) leave no "
                          f"backtest window of {horizon} steps"]
        needed = windows * horizon + max(horizon, 3)
        data = data.subset([key for key, length in lengths.items() if length >= needed])
        by_series: dict[str, list] = {key: [] for key in data.ids}
        for window in rolling_forecasts(data, self._inner(), windows, horizon, None, True, 200, 0, {}):
            for key in window.data.ids:
                by_series[key].append(Correction.score(self.method, window.forecast.samples[key],
                                                       window.actual(key), window.history.values(key),
                                                       data.freq.season))
        count = sum(len(scores) for scores in by_series.values())
        return by_series, [f"calibrated by {self.method} on {count} backtest forecasts "
                           f"({windows} window(s) of {horizon} steps)"]

    def _windows(self, room: int, horizon: int) -> int:
        """The windows asked for: ``windows``, or the method's default; aci's ten only as far
        as each backtest keeps at least half the median series (forecasts from shorter
        histories err in ways the final fit does not)."""
        if self.windows is not None:
            return self.windows
        if self.method == "aci":
            return max(1, min(WINDOWS["aci"], room // (2 * horizon)))
        return WINDOWS[self.method]


def lower_bound(history: np.ndarray) -> float | None:
    """0 for a history never below zero (counts, sales, rainfall), else None."""
    return 0.0 if len(history) and np.nanmin(history) >= 0 else None


@dataclass
class Correction:
    """What calibration learned from backtest forecasts: the ``method`` and the ``scores``
    of the actual values against them ((forecasts, steps, levels) for cqr and aci,
    (forecasts, steps) for conformal; None: nothing learned, paths kept as they are)."""

    method: str
    scores: np.ndarray | None
    spreads: np.ndarray | None = None  # (steps, levels): cqr's widenings given, not learned from scores
    # aci: the coverage each series' central intervals are corrected to (levels,), by series
    coverages: dict[str, np.ndarray] | None = None
    _ordered: dict = field(default_factory=dict, repr=False, compare=False)  # step -> sorted scores

    @classmethod
    def learned(cls, method: str, by_series: dict[str, list[np.ndarray]] | None,
                gamma: float = ACI_GAMMA) -> Correction:
        """The correction learned from each series' backtest scores (``score``'s, oldest window
        first); aci also replays each series' scores to adapt its coverages."""
        if not by_series:
            return cls(method, None)
        correction = cls(method, np.stack([scores for windows in by_series.values() for scores in windows]))
        if method == "aci":
            correction.coverages = {key: correction.adapted_coverages(np.stack(windows), gamma)
                                    for key, windows in by_series.items()}
        return correction

    @staticmethod
    def score(method: str, paths: np.ndarray, actual: np.ndarray, history: np.ndarray,
              season: int) -> np.ndarray:
        """The scores of ``actual`` against one forecast's ``paths`` (num_samples, steps)."""
        if method == "conformal":
            scale = series_scale(history, season)
            return np.abs(actual - np.median(paths, axis=0)) / scale
        low = np.quantile(paths, LOWER_LEVELS, axis=0)  # (levels, steps)
        high = np.quantile(paths, [1 - level for level in LOWER_LEVELS], axis=0)
        width = np.maximum(high - low, 1e-9 * series_scale(history, season))
        return (np.maximum(low - actual, actual - high) / width).T  # (steps, levels)

    @classmethod
    def shipped(cls, frequency: str) -> Correction:
        """The cqr widenings shipped for auto's default mixture on data of ``frequency`` (a
        ``Frequency.name``; the widenings of every frequency pooled for one without its own)."""
        from forecastgen.shipped_calibration import POOLED, WIDENINGS

        return cls("cqr", None, np.array([WIDENINGS.get(frequency, WIDENINGS[POOLED])]))

    def adapted_coverages(self, series_scores: np.ndarray, gamma: float) -> np.ndarray:
        """aci: the coverage of each central interval after replaying one series' scores
        (windows, steps, levels), oldest first: after each window, the miss rate asked moves
        by ``gamma`` times (nominal miss rate - the window's share missed). Missing actuals
        count neither way."""
        asked = NOMINAL_MISS_RATES.copy()
        for window in series_scores:
            observed = np.isfinite(window)
            missed = np.stack([scores > self._step_quantiles(step, 1 - asked)
                               for step, scores in enumerate(window)])
            share = missed.sum(axis=0) / np.maximum(observed.sum(axis=0), 1)
            asked += gamma * (NOMINAL_MISS_RATES - share) * observed.any(axis=0)
        lowest, highest = NOMINAL_MISS_RATES / ACI_MISS_RATE_FACTOR, NOMINAL_MISS_RATES * ACI_MISS_RATE_FACTOR
        asked = np.clip(asked, lowest, highest)
        return np.clip(1 - asked, 0.0, 1.0)

    def corrected(self, paths: np.ndarray, scale: float = 1.0, floor: float | None = None,
                  key: str | None = None) -> np.ndarray:
        """``paths`` (num_samples, horizon) of series ``key`` moved so that each step's quantiles
        are corrected, each path keeping its rank; ``scale``: the series' MASE scale (the
        conformal method's scores are in its units). ``floor``: a bound the series keeps (0 for
        one never negative, ``lower_bound``): widening moves no value below it that was not
        already, so a count's interval does not reach below zero (for outcomes above the floor
        this changes no coverage and only lowers the quantile loss)."""
        if self.scores is None and self.spreads is None:
            return paths
        moved = self._moved(paths, scale, self._coverages(key))
        return moved if floor is None else np.maximum(moved, np.minimum(paths, floor))

    def _coverages(self, key: str | None) -> np.ndarray:
        """The coverage each central interval is corrected to: aci's adapted ones for a series
        it replayed, the nominal ones otherwise."""
        if self.coverages is not None and key in self.coverages:
            return self.coverages[key]
        return 1 - NOMINAL_MISS_RATES

    def _moved(self, paths: np.ndarray, scale: float, coverages: np.ndarray) -> np.ndarray:
        """Each step's values moved onto its corrected quantiles, each path keeping its rank."""
        ranks = np.argsort(np.argsort(paths, axis=0), axis=0)
        levels = (np.arange(len(paths)) + 0.5) / len(paths)
        ordered = np.sort(paths, axis=0)
        moved = np.empty_like(ordered)
        for step in range(paths.shape[1]):
            target = self._target_quantiles(ordered[:, step], step, scale, coverages)
            moved[:, step] = np.maximum.accumulate(np.interp(levels, target[0], target[1]))
        return np.take_along_axis(moved, ranks, axis=0)

    def _target_quantiles(self, values: np.ndarray, step: int, scale: float,
                          coverages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(levels, corrected quantiles) of one step, from its sorted path values."""
        median = float(np.quantile(values, 0.5))
        lower = np.array(LOWER_LEVELS)
        low, high = np.quantile(values, lower), np.quantile(values, 1 - lower)
        if self.method in WIDTH_SCORED:
            spread = self._step_quantiles(step, coverages)  # one per interval
            width = high - low
            new_low, new_high = low - spread * width, high + spread * width
        else:
            spread = self._step_quantiles(step, coverages) * scale
            new_low, new_high = median - spread, median + spread
        new_low, new_high = np.minimum(new_low, median), np.maximum(new_high, median)
        edges_low = values[0] - (low[0] - new_low[0])  # the tails move as the outermost interval
        edges_high = values[-1] + (new_high[0] - high[0])
        levels = np.r_[0.0, lower, 0.5, (1 - lower)[::-1], 1.0]
        quantiles = np.r_[edges_low, new_low, median, new_high[::-1], edges_high]
        return levels, np.maximum.accumulate(quantiles)

    def _step_quantiles(self, step: int, coverages: np.ndarray) -> np.ndarray:
        """The conformal quantile of the scores at ``step`` (every step's where it has too few)
        for each interval's coverage (``conformal_quantile``, on scores sorted once)."""
        if self.spreads is not None:
            return self.spreads[min(step, len(self.spreads) - 1)]
        ordered, counts = self._ordered_scores(step)
        columns = np.arange(len(coverages)) if ordered.shape[1] > 1 else np.zeros(len(coverages), dtype=int)
        counts = counts[columns]
        ranks = np.clip(np.ceil((counts + 1) * np.asarray(coverages)), 1, np.maximum(counts, 1)).astype(int)
        return np.where(counts > 0, ordered[ranks - 1, columns], 0.0)

    def _ordered_scores(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """The scores a step's quantiles come from, sorted per interval (non-finite ones last),
        and how many of each are finite: the step's own where there are ``MIN_SCORES_PER_STEP``
        forecasts, every step's otherwise. The conformal method's one column serves every interval."""
        scores = self.scores
        pooled_step = min(step, scores.shape[1] - 1) if len(scores) >= MIN_SCORES_PER_STEP else -1
        if pooled_step not in self._ordered:
            pooled = scores[:, pooled_step] if pooled_step >= 0 else scores.reshape(-1, *scores.shape[2:])
            pooled = pooled.reshape(len(pooled), -1)
            finite = np.isfinite(pooled)
            ordered = np.sort(np.where(finite, pooled, np.inf), axis=0)
            self._ordered[pooled_step] = ordered, finite.sum(axis=0)
        return self._ordered[pooled_step]


def conformal_quantile(scores: np.ndarray, coverage: float) -> float:
    """The ceil((n + 1) coverage) / n empirical quantile of ``scores`` (their largest where that
    exceeds 1): the smallest correction that covers a new score with probability ``coverage``
    when scores are exchangeable."""
    scores = np.sort(np.asarray(scores, dtype=float)[np.isfinite(scores)])
    if not len(scores):
        return 0.0
    rank = min(len(scores), math.ceil((len(scores) + 1) * coverage))
    return float(scores[rank - 1])


def series_scale(history: np.ndarray, season: int) -> float:
    """The MASE scale of a history (its mean absolute seasonal difference; its mean absolute
    value where that is 0): the unit of the conformal method's scores."""
    scale = seasonal_scale(history, season)
    if not np.isfinite(scale) or scale <= 0:
        scale = max(float(np.mean(np.abs(history))) if len(history) else 0.0, 1e-12)
    return scale


__all__ = ["ACI_GAMMA", "METHODS", "Calibrated", "Correction", "conformal_quantile", "series_scale"]
