"""Covariates: what is known about each series besides its values (a temperature forecast,
working days, prices, promotions), in its past and over the horizon.

A history holds the target and its covariates; a FUTURE holds the horizon's timestamps (and
ids, in a long file) with the covariates' values there. The covariates are the columns the
two share besides time and id; the target is ``value_col``, or the one numeric column of the
history left over (one named like a value where several are); other history columns
without future values are past-only covariates. Numbers are numeric covariates; text columns
are categorical, encoded as one 0/1 column per level after the history's first (the first
is the baseline), named ``column=level``.

``Covariates`` keeps them per series as float frames: ``past`` on the history's timestamps
(short gaps filled: numbers interpolated, categories carried forward), ``future`` on the
steps after it. A FUTURE must give every covariate at every step, start right after each
series' history and go on without gaps, name no series the history lacks, and give every
series the same number of steps; each refusal names the file, the line and the column.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from forecastgen.data.frequency import Frequency, format_stamp
from forecastgen.data.layout import (
    ID_NAMES,
    VALUE_NAMES,
    column_type,
    find_time_column,
    line_numbers,
    parse_numbers,
    parse_timestamps,
    text_cells,
)
from forecastgen.data.reader import LINE_COLUMN
from forecastgen.errors import InputError

NUMERIC, CATEGORICAL = "numeric", "categorical"


@dataclass(frozen=True)
class CovariateColumns:
    """How the columns of a history and its FUTURE divide: time, id, target and covariates."""

    time_col: str
    id_col: str | None
    target: str
    known: tuple[str, ...]  # in both files: known in advance
    past_only: tuple[str, ...] = ()  # in the history only


@dataclass
class Covariates:
    """Per series, the covariates as float columns: ``past[id]`` on the history's timestamps,
    ``future[id]`` on the steps after it (empty until a FUTURE is given)."""

    past: dict[str, pd.DataFrame]
    future: dict[str, pd.DataFrame]
    columns: CovariateColumns
    kinds: dict[str, str]  # covariate -> NUMERIC | CATEGORICAL
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # categorical -> its levels
    source: str = "<future>"

    @property
    def names(self) -> tuple[str, ...]:
        """The covariates known in advance, as the user named them."""
        return self.columns.known

    @property
    def past_only(self) -> tuple[str, ...]:
        return self.columns.past_only

    @property
    def encoded(self) -> list[str]:
        """The float columns the models see: numeric covariates, and ``column=level`` for
        each level of a categorical one after its first."""
        return encoded_names(self.names, self.kinds, self.levels)

    def steps(self) -> int:
        """The future steps every series has (0 before a FUTURE is given)."""
        return min((len(frame) for frame in self.future.values()), default=0) if self.future else 0

    def past_values(self, key: str) -> np.ndarray:
        """(history length, covariates) floats of series ``key``."""
        return self.past[key].to_numpy(dtype=float)

    def future_values(self, key: str, horizon: int) -> np.ndarray:
        """(horizon, covariates) floats of the steps after series ``key``; refused where the
        future is shorter than ``horizon``."""
        frame = self.future.get(key)
        if frame is None or len(frame) < horizon:
            have = 0 if frame is None else len(frame)
            raise InputError(f"the future covariates of series '{key}' cover {have} steps, fewer than "
                             f"the horizon {horizon}; give them for every step forecast, or forecast "
                             f"at most {have} steps")
        return frame.to_numpy(dtype=float)[:horizon]

    def subset(self, ids) -> Covariates:
        ids = list(ids)
        return replace(self, past={key: self.past[key] for key in ids},
                       future={key: self.future[key] for key in ids if key in self.future})

    def drop_last(self, steps: int) -> Covariates:
        """The covariates of the histories without their last ``steps`` points: those points'
        covariates become the first of the future (what a backtest knows at its cutoff)."""
        past, future = {}, {}
        for key, frame in self.past.items():
            cut = len(frame) - steps
            past[key] = frame.iloc[:cut]
            later = [frame.iloc[cut:]] + ([self.future[key]] if key in self.future else [])
            future[key] = pd.concat(later)
        return replace(self, past=past, future=future)


def encoded_names(names, kinds: dict[str, str], levels: dict[str, tuple[str, ...]]) -> list[str]:
    columns = []
    for name in names:
        if kinds[name] == NUMERIC:
            columns.append(name)
        else:
            columns += [f"{name}={level}" for level in levels[name][1:]]
    return columns


def split_columns(history: pd.DataFrame, future: pd.DataFrame, *, time_col: str | None,
                  value_col: str | None, id_col: str | None, labels: tuple[str, str]) -> CovariateColumns:
    """Which columns of ``history`` are the time, id, target, known and past-only covariates,
    given the columns of its ``future``; refusals name the file (``labels``: history, future)."""
    history_label, future_label = labels
    columns = [c for c in history.columns if c != LINE_COLUMN]
    future_columns = [c for c in future.columns if c != LINE_COLUMN]
    for option, name in (("--time-col", time_col), ("--value-col", value_col), ("--id-col", id_col)):
        if name is not None and name not in columns:
            raise InputError(f"{history_label}: {option} '{name}' is not a column; the columns are "
                             + ", ".join(columns))
    types = {c: column_type(history[c]) for c in columns}
    time_col = time_col or find_time_column(columns, types)
    if time_col is None:
        raise InputError(f"{history_label}: no time column found; forecasting with a FUTURE file "
                         "needs timestamps in both files: name the column with --time-col")
    if id_col is None:
        id_col = next((c for c in columns if c != time_col and str(c).strip().lower() in ID_NAMES
                       and c in future_columns), None)
    for needed, what in ((time_col, "time"), (id_col, "id")):
        if needed is not None and needed not in future_columns:
            raise InputError(f"{future_label}: has no {what} column '{needed}' (the history's); its "
                             f"columns are {', '.join(future_columns)}")
    strangers = [c for c in future_columns if c not in columns]
    if strangers:
        raise InputError(f"{future_label}: column '{strangers[0]}' is not in the history "
                         f"{history_label}; a covariate needs its past values too (the history's "
                         f"columns are {', '.join(columns)})")
    shared = [c for c in future_columns if c not in (time_col, id_col)]
    target = value_col or _target(columns, types, shared, (time_col, id_col), history_label)
    known = tuple(c for c in shared if c != target)
    past_only = tuple(c for c in columns if c not in (time_col, id_col, target) and c not in known)
    for name in known + past_only:
        if types[name] == "datetime":
            raise InputError(f"{history_label}: covariate '{name}' holds dates; give covariates as "
                             "numbers or categories (text), or leave the column out")
        if types[name] == "empty":
            raise InputError(f"{history_label}: covariate '{name}' has no values; fill it or leave "
                             "the column out")
    return CovariateColumns(time_col, id_col, target, known, past_only)


def _target(columns, types, shared, keys, label) -> str:
    left = [c for c in columns if c not in keys and c not in shared]
    numeric = [c for c in left if types[c] == "numeric"]
    named = [c for c in left if str(c).strip().lower() in VALUE_NAMES]
    if len(numeric) == 1:
        return numeric[0]
    if named:
        return named[0]
    if not numeric:
        raise InputError(f"{label}: no numeric column is left for the target besides the covariates "
                         f"the FUTURE file shares ({', '.join(shared) or 'none'}); name it with "
                         "--value-col")
    raise InputError(f"{label}: several columns could be the target ({', '.join(numeric)}); name it "
                     "with --value-col (the others become past-only covariates)")


def covariate_kinds(history: pd.DataFrame, columns: CovariateColumns) -> dict[str, str]:
    return {name: NUMERIC if column_type(history[name]) == "numeric" else CATEGORICAL
            for name in columns.known + columns.past_only}


def past_covariates(history: pd.DataFrame, columns: CovariateColumns, kinds: dict[str, str],
                    series: dict[str, pd.Series], single_name: str, notes: list[str],
                    ) -> tuple[dict[str, pd.DataFrame], dict[str, tuple[str, ...]]]:
    """Each series' covariates (the known ones, encoded) on its history's timestamps, and the
    levels of each categorical covariate. Missing values are filled (numbers interpolated,
    categories carried forward and back), with a note."""
    lines = line_numbers(history)
    stamps = parse_timestamps(history[columns.time_col], lines, columns.time_col, [])
    ids = _ids(history, columns.id_col, single_name)
    raw = pd.DataFrame({"id": ids, "timestamp": stamps}, index=np.arange(len(history)))
    for name in columns.known:
        raw[name] = _raw_values(history[name], kinds[name], lines, name, notes, ids)
    levels = {name: tuple(sorted(raw[name].dropna().unique())) for name in columns.known
              if kinds[name] == CATEGORICAL}
    past = {}
    for key, rows in raw.groupby("id", sort=False):
        if key not in series:
            continue
        rows = rows.drop_duplicates("timestamp").set_index("timestamp").reindex(series[key].index)
        filled = {}
        for name in columns.known:
            values = rows[name]
            if values.isna().all():
                raise InputError(f"series '{key}': covariate '{name}' has no values in its history")
            if values.isna().any():
                filled[name] = int(values.isna().sum())
                values = (values.interpolate(limit_direction="both") if kinds[name] == NUMERIC
                          else values.ffill().bfill())
            rows[name] = values
        if filled:
            shown = ", ".join(f"{count} of '{name}'" for name, count in filled.items())
            notes.append(f"series '{key}': filled missing covariate values in the history ({shown})")
        past[key] = _encode(rows, columns.known, kinds, levels)
    return past, levels


def future_covariates(future: pd.DataFrame, covariates: Covariates, series: dict[str, pd.Series],
                      freq: Frequency, single_name: str, skipped,
                      notes: list[str]) -> dict[str, pd.DataFrame]:
    """Each series' covariates on the steps after its history, from the FUTURE table ``future``,
    checked: every value given, the steps right after the history without gaps, only the
    history's series, and the same number of steps for each."""
    columns = covariates.columns
    lines = line_numbers(future)
    stamps = parse_timestamps(future[columns.time_col], lines, columns.time_col, [])
    ids = _ids(future, columns.id_col, single_name)
    raw = pd.DataFrame({"id": ids, "timestamp": stamps, "line": lines}, index=np.arange(len(future)))
    for name in columns.known:
        raw[name] = _raw_values(future[name], covariates.kinds[name], lines, name, notes, None)
        empty = raw[name].isna().to_numpy()
        if empty.any():
            row = int(np.argmax(empty))
            raise InputError(f"line {lines[row]}: column '{name}' is empty{_of(ids, row, columns)}; "
                             "the future needs every covariate at every step forecast")
    strangers = ~raw["id"].isin(list(series)) & ~raw["id"].isin(list(skipped))
    if strangers.any():
        row = int(np.argmax(strangers.to_numpy()))
        raise InputError(f"line {lines[row]}: series '{ids[row]}' is not in the history; the future may "
                         "only name the history's series")
    frames, counts, last_lines = {}, {}, {}
    by_id = dict(tuple(raw.groupby("id", sort=False)))
    for key in series:
        if key not in by_id:
            raise InputError(f"series '{key}' of the history has no rows; give every series its future "
                             "steps")
        rows = by_id[key].sort_values("timestamp", kind="stable")
        _check_continues(rows, series[key].index, freq, key, columns)
        for name in columns.known:
            if covariates.kinds[name] == CATEGORICAL:
                unseen = sorted(set(rows[name]) - set(covariates.levels[name]))
                if unseen:
                    notes.append(f"series '{key}': covariate '{name}' takes values in the future that its "
                                 f"history never shows ({', '.join(map(repr, unseen))}); they are "
                                 f"forecast as its first level, {covariates.levels[name][0]!r}")
        frames[key] = _encode(rows.set_index("timestamp"), columns.known, covariates.kinds,
                              covariates.levels)
        counts[key], last_lines[key] = len(rows), rows["line"].iloc[-1]
    if len(set(counts.values())) > 1:
        most = max(counts, key=counts.get)
        least = min(counts, key=counts.get)
        raise InputError(f"line {last_lines[least]}: column '{columns.time_col}': series '{least}' ends "
                         f"after {counts[least]} future steps, but series '{most}' has "
                         f"{counts[most]}; give every series the same number of steps")
    return frames


def _check_continues(rows: pd.DataFrame, history: pd.Index, freq: Frequency, key: str,
                     columns: CovariateColumns) -> None:
    stamps = pd.Index(rows["timestamp"])
    lines = rows["line"].to_numpy()
    repeated = stamps.duplicated()
    if repeated.any():
        row = int(np.argmax(repeated))
        raise InputError(f"line {lines[row]}: column '{columns.time_col}': {format_stamp(stamps[row])} "
                         f"appears twice for series '{key}'; give each future step once")
    expected = freq.future(history, len(stamps))
    wrong = np.flatnonzero(np.asarray(stamps != expected))
    if not len(wrong):
        return
    row = int(wrong[0])
    where = f"line {lines[row]}: column '{columns.time_col}'"
    if row == 0:
        raise InputError(f"{where}: series '{key}' starts its future at {format_stamp(stamps[0])}, but "
                         f"its history ends at {format_stamp(history[-1])}: the future must start "
                         f"right after it, at {format_stamp(expected[0])}")
    raise InputError(f"{where}: {format_stamp(stamps[row])} does not follow "
                     f"{format_stamp(stamps[row - 1])} in series '{key}' ({freq.name} steps: "
                     f"{format_stamp(expected[row])} expected); the future must go on without gaps")


def _raw_values(column: pd.Series, kind: str, lines: np.ndarray, name: str, notes: list[str],
                ids) -> pd.Series:
    """Floats (missing: NaN) of a numeric covariate, or text of a categorical one (missing:
    NaN, for an empty cell only: "none" or "na" may well be a category, a promotion's)."""
    if kind == NUMERIC:
        return pd.Series(parse_numbers(column, lines, name, notes, ids), index=np.arange(len(column)))
    present = column.notna().to_numpy()
    cells = text_cells(column.astype(str))
    cells = cells.where((cells != "").to_numpy() & present)
    return pd.Series(cells.to_numpy(dtype=object), index=np.arange(len(column)))


def _encode(rows: pd.DataFrame, names, kinds: dict[str, str], levels: dict) -> pd.DataFrame:
    encoded = {}
    for name in names:
        if kinds[name] == NUMERIC:
            encoded[name] = rows[name].to_numpy(dtype=float)
        else:
            values = rows[name].to_numpy(dtype=object)
            for level in levels[name][1:]:
                encoded[f"{name}={level}"] = (values == level).astype(float)
    return pd.DataFrame(encoded, index=rows.index, columns=encoded_names(names, kinds, levels))


def _ids(frame: pd.DataFrame, id_col: str | None, single_name: str) -> np.ndarray:
    if id_col is None:
        return np.full(len(frame), single_name, dtype=object)
    return text_cells(frame[id_col].astype(str)).to_numpy(dtype=object)


def _of(ids: np.ndarray, row: int, columns: CovariateColumns) -> str:
    return f" (series '{ids[row]}')" if columns.id_col else ""
