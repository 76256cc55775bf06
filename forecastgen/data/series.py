"""``SeriesSet``: validated, regular series on one frequency, and the ways to get one.

``read_series(path)`` reads a CSV; ``as_series_set(obj)`` accepts what a pipeline
holds (a SeriesSet, a pandas Series indexed by time, a long or wide DataFrame).
Both run the same layout detection and validation and keep the notes of every
repair in ``SeriesSet.notes``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecastgen.data.frequency import Frequency
from forecastgen.data.layout import Layout, detect_layout, to_long_frame
from forecastgen.data.reader import PARQUET_SUFFIXES, read_csv_text, read_parquet_table
from forecastgen.data.validate import regularize
from forecastgen.errors import InputError

if TYPE_CHECKING:
    from forecastgen.data.covariates import Covariates


@dataclass
class SeriesSet:
    """Series keyed by id, each a float ``pd.Series`` on the grid of ``freq``, without gaps."""

    series: dict[str, pd.Series]
    freq: Frequency
    notes: list[str] = field(default_factory=list)
    source: str = "<data>"
    # series of the input left out for unusable values: id -> the problem and its line
    skipped: dict[str, str] = field(default_factory=dict)
    # what is known besides the values: per series, on the history and the future's steps
    covariates: Covariates | None = None
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

    @property
    def default_horizon(self) -> int:
        """The steps forecast when none are asked for: the future covariates' steps where
        they are given, else the frequency's usual horizon (18 for monthly data)."""
        steps = self.covariates.steps() if self.covariates is not None else 0
        return steps or self.freq.default_horizon

    def covariate_names(self) -> tuple[str, ...]:
        """The covariates a model must take to fit these series: known and past-only."""
        if self.covariates is None:
            return ()
        return self.covariates.names + self.covariates.past_only

    def with_future(self, future, *, source: str = "<future>") -> SeriesSet:
        """These series with the covariates' future values from ``future`` (a path, CSV or
        parquet, or a DataFrame shaped like the history without its target)."""
        if self.covariates is None:
            raise InputError("these series have no covariates: give the future with the history "
                             "(read_series(..., future=) or as_series_set(..., future=))")
        from forecastgen.data.covariates import future_covariates

        notes: list[str] = []
        label = str(future) if isinstance(future, (str, Path)) else source
        try:
            frame = _future_table(future, notes)
            frames = future_covariates(frame, self.covariates, self.series, self.freq,
                                       self._single_name(), self.skipped, notes)
        except InputError as exc:
            raise InputError(f"{label}: {exc}") from None
        return replace(self, notes=self.notes + notes,
                       covariates=replace(self.covariates, future=frames, source=label))

    def _single_name(self) -> str:
        """The id of a single series read without an id column ("" for a long file)."""
        return "" if self.covariates.columns.id_col else self.ids[0]

    def points(self) -> int:
        """The number of values in all series together."""
        return sum(len(s) for s in self.series.values())

    def shortest(self) -> int:
        return min(len(s) for s in self.series.values())

    def subset(self, ids) -> SeriesSet:
        """The series named in ``ids``, in that order."""
        ids = list(ids)
        return SeriesSet({key: self.series[key] for key in ids}, self.freq, [], self.source,
                         covariates=self.covariates and self.covariates.subset(ids))

    def drop_last(self, steps: int) -> SeriesSet:
        """The same series without their last ``steps`` points (the history of a backtest)."""
        return SeriesSet({k: s.iloc[: len(s) - steps] for k, s in self.series.items()},
                         self.freq, [], self.source,
                         covariates=self.covariates and self.covariates.drop_last(steps))

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
        kept = [key for key in self.series if key not in short]
        return SeriesSet({key: self.series[key] for key in kept}, self.freq, self.notes, self.source,
                         {**self.skipped, **reasons}, self.covariates and self.covariates.subset(kept))

    def check_horizon(self, horizon: int) -> None:
        """Refuse a horizon longer than a series' history, or than the future covariates."""
        if horizon < 1:
            raise InputError(f"the horizon must be at least 1, not {horizon}")
        steps = self.covariates.steps() if self.covariate_names() else horizon
        if steps < horizon:
            raise InputError(f"the future covariates cover {steps} steps, fewer than the horizon "
                             f"{horizon}; give their values for every step forecast, or forecast at "
                             f"most {steps} steps")
        for key, s in self.series.items():
            if len(s) < horizon:
                raise InputError(
                    f"{self.source}: series '{key}' has {len(s)} points, fewer than the horizon "
                    f"{horizon}; shorten --horizon to at most {len(s)} or give more history")


def read_series(path: str | Path, *, time_col: str | None = None, value_col: str | None = None,
                id_col: str | None = None, freq: str | None = None, future=None) -> SeriesSet:
    """Read, validate and regularize the series in a CSV file (or a ``.parquet`` file).

    The layout (single, wide or long) is detected; ``time_col``, ``value_col`` and
    ``id_col`` override the detection, and ``freq`` overrides frequency inference.
    ``future`` (a path or a DataFrame) holds the horizon's timestamps and the covariates'
    values there: the columns it shares with the file are covariates
    (``forecastgen.data.covariates``), and the horizon is its steps. A DataFrame or a pandas
    Series instead of a path is read as ``as_series_set`` reads it.
    Raises ``InputError`` with the file name and the problem when the file cannot be used.
    """
    if not isinstance(path, (str, Path)):
        return as_series_set(path, freq=freq, time_col=time_col, value_col=value_col, id_col=id_col,
                             future=future)
    notes: list[str] = []
    try:
        frame = _table(path, notes)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    if future is not None:
        result = _with_covariates(frame, future, time_col, value_col, id_col, freq, notes,
                                  _file_stem(path), str(path))
    else:
        try:
            result = _from_table(frame, time_col, value_col, id_col, freq, notes,
                                 single_name=_file_stem(path))
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from None
    result.source = str(path)
    return result


def _table(path, notes: list[str]) -> pd.DataFrame:
    if Path(path).suffix.lower() in PARQUET_SUFFIXES:
        return read_parquet_table(path)
    return read_csv_text(path, notes)


def _future_table(future, notes: list[str]) -> pd.DataFrame:
    """The FUTURE's table: read from a path, or a copy of a DataFrame (a DatetimeIndex becomes
    its ``timestamp`` column)."""
    if isinstance(future, (str, Path)):
        return _table(future, notes)
    if isinstance(future, pd.DataFrame):
        return _plain_frame(future, None)
    raise InputError(f"cannot read future covariates from a {type(future).__name__}; give a "
                     "DataFrame or a path")


def _file_stem(path) -> str:
    """``airline`` for ``airline.csv``, ``airline.csv.gz`` or ``airline.tsv``."""
    name = Path(path).name.removesuffix(".gz")
    for suffix in (".csv", ".tsv", ".txt", *PARQUET_SUFFIXES):
        name = name.removesuffix(suffix)
    return name


def as_series_set(data, *, freq: str | None = None, time_col: str | None = None,
                  value_col: str | None = None, id_col: str | None = None, future=None) -> SeriesSet:
    """A SeriesSet from a SeriesSet, a pandas Series indexed by time, or a DataFrame; with
    ``future`` (a DataFrame or a path), the columns it shares with the frame are covariates,
    as in ``read_series``."""
    if isinstance(data, SeriesSet):
        return data if future is None else data.with_future(future)
    if isinstance(data, pd.Series):
        name = data.name if data.name is not None else "value"
        data = pd.DataFrame({"timestamp": data.index, str(name): data.to_numpy()})
    elif not isinstance(data, pd.DataFrame):
        raise InputError(f"cannot read series from a {type(data).__name__}; give a pandas "
                         "Series indexed by time, a DataFrame, or a path through read_series")
    data = _plain_frame(data, time_col)
    if future is not None:
        return _with_covariates(data, future, time_col, value_col, id_col, freq, [], None, "<data>")
    return _from_table(data, time_col, value_col, id_col, freq, [], single_name=None)


def _plain_frame(frame: pd.DataFrame, time_col: str | None) -> pd.DataFrame:
    """A copy with text column names, its DatetimeIndex (unless a time column is named) as a
    ``timestamp`` column."""
    if isinstance(frame.index, pd.DatetimeIndex) and time_col is None:
        frame = frame.rename_axis("timestamp").reset_index()
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _with_covariates(frame: pd.DataFrame, future, time_col, value_col, id_col, freq,
                     notes: list[str], single_name: str | None, label: str) -> SeriesSet:
    """The series of the history ``frame`` with the covariates it shares with ``future``."""
    from forecastgen.data.covariates import (
        Covariates,
        covariate_kinds,
        past_covariates,
        split_columns,
    )

    future_label = str(future) if isinstance(future, (str, Path)) else "<future>"
    try:
        future_frame = _future_table(future, notes)
    except InputError as exc:
        raise InputError(f"{future_label}: {exc}") from None
    columns = split_columns(frame, future_frame, time_col=time_col, value_col=value_col,
                            id_col=id_col, labels=(label, future_label))
    layout = Layout("long" if columns.id_col else "single", columns.time_col, (columns.target,),
                    columns.id_col)
    try:
        skipped: dict[str, str] = {}
        long = to_long_frame(frame, layout, notes, single_name, skipped)
        series, frequency = regularize(long, freq, notes)
        kinds = covariate_kinds(frame, columns)
        single = next(iter(series)) if columns.id_col is None else ""
        past, levels = past_covariates(frame, columns, kinds, series, single, notes)
    except InputError as exc:
        raise InputError(f"{label}: {exc}") from None
    covariates = Covariates(past, {}, columns, kinds, levels)
    result = SeriesSet(series, frequency, notes, skipped=skipped, covariates=covariates)
    return result.with_future(future_frame, source=future_label)


def _from_table(frame: pd.DataFrame, time_col, value_col, id_col, freq, notes: list[str],
                single_name: str | None) -> SeriesSet:
    layout = detect_layout(frame, time_col=time_col, value_col=value_col, id_col=id_col)
    skipped: dict[str, str] = {}
    long = to_long_frame(frame, layout, notes, single_name, skipped)
    series, frequency = regularize(long, freq, notes)
    return SeriesSet(series, frequency, notes, skipped=skipped)
