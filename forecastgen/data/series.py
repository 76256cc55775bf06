"""``SeriesSet``: validated, regular series on one frequency, and the ways to get one.

``read_series(path)`` reads a CSV; ``as_series_set(obj)`` accepts what a pipeline
holds (a SeriesSet, a pandas Series indexed by time, a long or wide DataFrame).
Both run the same layout detection and validation and keep the notes of every
repair in ``SeriesSet.notes``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecastgen.data.frequency import Frequency
from forecastgen.data.layout import detect_layout, to_long_frame
from forecastgen.data.reader import PARQUET_SUFFIXES, read_csv_text, read_parquet_table
from forecastgen.data.validate import regularize
from forecastgen.errors import InputError


@dataclass
class SeriesSet:
    """Series keyed by id, each a float ``pd.Series`` on the grid of ``freq``, without gaps."""

    series: dict[str, pd.Series]
    freq: Frequency
    notes: list[str] = field(default_factory=list)
    source: str = "<data>"
    # series of the input left out for unusable values: id -> the problem and its line
    skipped: dict[str, str] = field(default_factory=dict)
    _futures: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def ids(self) -> list[str]:
        return list(self.series)

    def __len__(self) -> int:
        return len(self.series)

    def __iter__(self) -> Iterator[tuple[str, pd.Series]]:
        return iter(self.series.items())

    def __getitem__(self, series_id: str) -> pd.Series:
        return self.series[series_id]

    def values(self, series_id: str) -> np.ndarray:
        return self.series[series_id].to_numpy(dtype=float)

    def future_index(self, series_id: str, horizon: int) -> pd.Index:
        """The timestamps of the ``horizon`` steps after series ``series_id`` ends (one shared
        Index for series on the same dates: a catalogue's series mostly end together)."""
        timestamps = self.series[series_id].index
        key = (timestamps[0], len(timestamps), horizon)
        if key not in self._futures:
            self._futures[key] = self.freq.future(timestamps, horizon)
        return self._futures[key]

    def points(self) -> int:
        """The number of values in all series together."""
        return sum(len(s) for s in self.series.values())

    def shortest(self) -> int:
        return min(len(s) for s in self.series.values())

    def subset(self, ids) -> SeriesSet:
        """The series named in ``ids``, in that order."""
        return SeriesSet({key: self.series[key] for key in ids}, self.freq, [], self.source)

    def drop_last(self, steps: int) -> SeriesSet:
        """The same series without their last ``steps`` points (the history of a backtest)."""
        return SeriesSet({k: s.iloc[: len(s) - steps] for k, s in self.series.items()},
                         self.freq, [], self.source)

    def to_frame(self) -> pd.DataFrame:
        """One long frame with columns id, timestamp, value."""
        return pd.concat(
            [pd.DataFrame({"id": key, "timestamp": s.index, "value": s.to_numpy()})
             for key, s in self.series.items()], ignore_index=True)

    def without_shorter_than(self, horizon: int) -> SeriesSet:
        """These series less those shorter than ``horizon``, which are recorded in ``skipped`` as
        series with bad values are (one short series does not stop a file of thousands). A
        single series, or a set of only short ones, is refused as ``check_horizon`` does."""
        short = {key: len(s) for key, s in self.series.items() if len(s) < horizon}
        if not short or len(short) == len(self.series) or horizon < 1:
            self.check_horizon(horizon)
            return self
        reasons = {key: f"series '{key}' has {length} points, fewer than the horizon {horizon}; "
                        "give it more history or forecast fewer steps" for key, length in short.items()}
        return SeriesSet({key: s for key, s in self.series.items() if key not in short}, self.freq,
                         self.notes, self.source, {**self.skipped, **reasons})

    def check_horizon(self, horizon: int) -> None:
        """Refuse a horizon longer than a series' history."""
        if horizon < 1:
            raise InputError(f"the horizon must be at least 1, not {horizon}")
        for key, s in self.series.items():
            if len(s) < horizon:
                raise InputError(
                    f"{self.source}: series '{key}' has {len(s)} points, fewer than the horizon "
                    f"{horizon}; shorten --horizon to at most {len(s)} or give more history")


def read_series(path: str | Path, *, time_col: str | None = None, value_col: str | None = None,
                id_col: str | None = None, freq: str | None = None) -> SeriesSet:
    """Read, validate and regularize the series in a CSV file (or a ``.parquet`` file).

    The layout (single, wide or long) is detected; ``time_col``, ``value_col`` and
    ``id_col`` override the detection, and ``freq`` overrides frequency inference.
    Raises ``InputError`` with the file name and the problem when the file cannot be used.
    """
    notes: list[str] = []
    try:
        if Path(path).suffix.lower() in PARQUET_SUFFIXES:
            frame = read_parquet_table(path)
        else:
            frame = read_csv_text(path, notes)
        result = _from_table(frame, time_col, value_col, id_col, freq, notes,
                             single_name=_file_stem(path))
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    result.source = str(path)
    return result


def _file_stem(path) -> str:
    """``airline`` for ``airline.csv``, ``airline.csv.gz`` or ``airline.tsv``."""
    name = Path(path).name.removesuffix(".gz")
    for suffix in (".csv", ".tsv", ".txt", *PARQUET_SUFFIXES):
        name = name.removesuffix(suffix)
    return name


def as_series_set(data, *, freq: str | None = None, time_col: str | None = None,
                  value_col: str | None = None, id_col: str | None = None) -> SeriesSet:
    """A SeriesSet from a SeriesSet, a pandas Series indexed by time, or a DataFrame."""
    if isinstance(data, SeriesSet):
        return data
    if isinstance(data, pd.Series):
        name = data.name if data.name is not None else "value"
        data = pd.DataFrame({"timestamp": data.index, str(name): data.to_numpy()})
    elif isinstance(data, pd.DataFrame):
        if isinstance(data.index, pd.DatetimeIndex) and time_col is None:
            data = data.rename_axis("timestamp").reset_index()
    else:
        raise InputError(f"cannot read series from a {type(data).__name__}; give a pandas "
                         "Series indexed by time, a DataFrame, or a path through read_series")
    data = data.copy()
    data.columns = [str(c) for c in data.columns]
    return _from_table(data, time_col, value_col, id_col, freq, [], single_name=None)


def _from_table(frame: pd.DataFrame, time_col, value_col, id_col, freq, notes: list[str],
                single_name: str | None) -> SeriesSet:
    layout = detect_layout(frame, time_col=time_col, value_col=value_col, id_col=id_col)
    skipped: dict[str, str] = {}
    long = to_long_frame(frame, layout, notes, single_name, skipped)
    series, frequency = regularize(long, freq, notes)
    return SeriesSet(series, frequency, notes, skipped=skipped)
