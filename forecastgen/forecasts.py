"""``Forecast``: sample paths per series, and everything a user reads off them.

Every forecaster in forecastgen returns sample paths from its predictive
distribution; means, quantiles, tables and plots are computed here, the same way
for every model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

DEFAULT_QUANTILES = (0.1, 0.5, 0.9)
TABLE_BATCH = 1024  # series whose paths are stacked at once for the table's statistics


def quantile_column(q: float) -> str:
    """The column name of quantile ``q``: 0.1 -> ``q10``, 0.025 -> ``q2.5``."""
    return f"q{100 * q:g}"


@dataclass
class Forecast:
    """Sample paths of the future of each series.

    ``samples[id]`` has shape (num_samples, horizon); ``index[id]`` holds the
    horizon's timestamps; ``history[id]``, when kept, is the observed series.
    ``means[id]``, where the model knows it, is the exact mean of the distribution the
    paths are drawn from (ETS's and Theta's point forecasts): the mean column shows it
    instead of the paths' mean, which carries sampling noise. ``notes`` say what a person
    should know (the model chosen and why, a fallback); ``skipped`` names the series of the
    input that ``forecastgen.forecast`` left out, with the reason.
    """

    samples: dict[str, np.ndarray]
    index: dict[str, pd.Index]
    model: str = ""
    history: dict[str, pd.Series] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    means: dict[str, np.ndarray] = field(default_factory=dict)
    # the series of the input left out (a bad value, too short for the horizon), with the reason
    skipped: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        for key, paths in self.samples.items():
            if paths.ndim != 2 or paths.shape[1] != len(self.index[key]):
                raise ValueError(f"samples of '{key}' must have shape (num_samples, "
                                 f"{len(self.index[key])}), not {paths.shape}")
        for key, mean in self.means.items():
            if key not in self.samples or np.shape(mean) != (self.samples[key].shape[1],):
                raise ValueError(f"the mean of '{key}' must have shape ({len(self.index.get(key, []))},) "
                                 f"and belong to a series with samples, not {np.shape(mean)}")

    @property
    def ids(self) -> list[str]:
        return list(self.samples)

    @property
    def horizon(self) -> int:
        return next(iter(self.samples.values())).shape[1]

    @property
    def num_samples(self) -> int:
        return next(iter(self.samples.values())).shape[0]

    def mean(self) -> pd.DataFrame:
        """Long frame (id, timestamp, mean): the exact means where known, else the paths'."""
        return self._frame({"mean": self._means})

    def point_mean(self, key: str) -> np.ndarray:
        """The mean forecast of one series: exact where the model knows it, else the paths'."""
        return self.means[key] if key in self.means else self.samples[key].mean(axis=0)

    def median(self) -> pd.DataFrame:
        return self.quantile(0.5)

    def quantile(self, q: float) -> pd.DataFrame:
        """Long frame (id, timestamp, q<percent>) of one quantile."""
        _check_quantiles([q])
        return self._frame({quantile_column(q): lambda paths, keys: np.quantile(paths, q, axis=1)})

    def check_finite(self) -> None:
        """Raise ForecastgenError (a model's failure, exit 1 in the CLI) if any path holds NaN or
        infinity: a forecast table must never carry empty cells."""
        bad = [key for key, paths in self.samples.items() if not np.isfinite(paths).all()]
        if bad:
            from forecastgen.errors import ForecastgenError

            more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
            shown = ", ".join(f"'{key}'" for key in bad[:3]) + more
            raise ForecastgenError(f"{self.model} gave NaN or infinite forecasts for {shown}; nothing was "
                                   "written: try another model (-m ets) and please report it")

    def to_frame(self, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> pd.DataFrame:
        """Long frame: id, timestamp, mean and one column per quantile."""
        _check_quantiles(quantiles)
        columns = {"mean": self._means}
        for q in quantiles:
            columns[quantile_column(q)] = lambda paths, keys, q=q: np.quantile(paths, q, axis=1)
        return self._frame(columns)

    def _means(self, paths: np.ndarray, keys: list[str]) -> np.ndarray:
        means = paths.mean(axis=1)
        for row, key in enumerate(keys):
            if key in self.means:
                means[row] = self.means[key]
        return means

    def _frame(self, columns: dict) -> pd.DataFrame:
        """The long frame of ``columns`` (name -> statistic of the paths of ``keys`` stacked
        (series, paths, steps) -> (series, steps)), computed for batches of series at once: a
        table of 100,000 series is not 100,000 small frames."""
        keys = list(self.samples)
        lengths = np.array([self.samples[key].shape[1] for key in keys], dtype=np.int64)
        ends = np.cumsum(lengths)
        values = {name: np.empty(int(ends[-1]) if len(ends) else 0) for name in columns}
        for first, last in _batches([self.samples[key].shape for key in keys], TABLE_BATCH):
            stacked = np.stack([self.samples[key] for key in keys[first:last]])
            rows = slice(int(ends[first] - lengths[first]), int(ends[last - 1]))
            for name, compute in columns.items():
                values[name][rows] = compute(stacked, keys[first:last]).ravel()
        stamps = [self.index[key] for key in keys]
        frame = {"id": np.repeat(np.array(keys, dtype=object), lengths),
                 "timestamp": stamps[0].append(stamps[1:]) if stamps else []}
        return pd.DataFrame({**frame, **values})

    def plot(self, path=None, *, ids: Sequence[str] | None = None, history_points: int | None = None):
        """Plot history, median and the 80% and 95% bands; one panel per series (up to 12).

        Saves a PNG to ``path`` when given; returns the matplotlib figure.
        """
        from forecastgen.plotting import plot_forecast

        return plot_forecast(self, path=path, ids=ids, history_points=history_points)


def _batches(shapes: list[tuple], size: int):
    """(first, last) of runs of at most ``size`` consecutive items of one shape."""
    first = 0
    for position in range(1, len(shapes) + 1):
        if position == len(shapes) or shapes[position] != shapes[first] or position - first == size:
            yield first, position
            first = position


def _check_quantiles(quantiles: Sequence[float]) -> None:
    from forecastgen.errors import InputError

    for q in quantiles:
        if not 0 < q < 1:
            raise InputError(f"quantile {q} is outside (0, 1); give levels such as 0.1,0.5,0.9")
