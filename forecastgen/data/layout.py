"""Find which columns hold the time, the series id and the values, and parse them.

Three layouts are recognised, and each choice can be overridden:

- single: ``timestamp,value``;
- wide: a timestamp and several numeric columns, each column a series;
- long: ``id,timestamp,value`` (the ``unique_id,ds,y`` convention).

The result is one long frame with columns ``id``, ``timestamp``, ``value`` and
``line`` (where each row came from, for error messages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecastgen.data.reader import LINE_COLUMN, STRIPPED
from forecastgen.errors import InputError

TIME_NAMES = ("timestamp", "ds", "date", "datetime", "time", "period", "month", "year",
              "week", "day", "quarter", "t", "index")
ID_NAMES = ("unique_id", "id", "series", "series_id", "item_id", "key", "name", "item")
VALUE_NAMES = ("value", "y", "target", "values", "observation")
MISSING_TOKENS = {"", "na", "nan", "null", "none", "n/a", "#n/a", "missing", "nil"}
INTEGER = re.compile(r"^[+-]?\d+$")
# (pattern of the cells that fail to parse, text to replace, replacement, note)
NUMBER_STYLES = [
    (r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", ",", "", "thousands separators: removed them"),
    (r"[+-]?\d+,\d+", ",", ".", "decimal commas: read them as decimal points"),
]


@dataclass(frozen=True)
class Layout:
    format: str  # "single" | "wide" | "long"
    time_col: str | None
    value_cols: tuple[str, ...]
    id_col: str | None = None

    def describe(self) -> str:
        values = ", ".join(self.value_cols)
        if self.format == "long":
            return f"long layout: id '{self.id_col}', time '{self.time_col}', value '{values}'"
        time = f"time '{self.time_col}'" if self.time_col else "no time column"
        return f"{self.format} layout: {time}, values {values}"


def detect_layout(frame: pd.DataFrame, time_col: str | None = None, value_col: str | None = None,
                  id_col: str | None = None) -> Layout:
    """Decide the layout of ``frame``; explicit column names win over detection."""
    columns = [c for c in frame.columns if c != LINE_COLUMN]
    for option, name in (("--time-col", time_col), ("--value-col", value_col), ("--id-col", id_col)):
        if name is not None and name not in columns:
            raise InputError(f"{option} '{name}' is not a column; the columns are "
                             + ", ".join(map(str, columns)))
    column_types = {c: column_type(frame[c]) for c in columns}
    time_col = time_col or find_time_column(columns, column_types)
    rest = [c for c in columns if c != time_col]
    id_col = id_col or _find_id_column(rest, column_types, frame)
    rest = [c for c in rest if c != id_col]
    if value_col is not None:
        value_cols = (value_col,)
    elif id_col is not None:
        value_cols = (_pick_long_value(rest, column_types),)
    else:
        numeric = tuple(c for c in rest if column_types[c] == "numeric")
        value_cols = numeric or _named_values(rest, column_types)
        if not value_cols:
            _refuse_without_values(rest, column_types)
    for column in value_cols:
        if column_types[column] == "datetime":
            raise InputError(f"column '{column}' holds dates, not numbers, so it cannot be the "
                             f"target; pass --time-col {column} and choose a numeric --value-col")
    return Layout(format="long" if id_col else ("wide" if len(value_cols) > 1 else "single"),
                  time_col=time_col, value_cols=value_cols, id_col=id_col)


def column_type(column: pd.Series) -> str:
    """'numeric', 'datetime', 'text' or 'empty', judged on the non-missing cells."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetime"
    if pd.api.types.is_bool_dtype(column):
        return "text"
    if pd.api.types.is_numeric_dtype(column):
        return "numeric"
    cells = text_cells(column)
    cells = cells[~cells.str.lower().isin(MISSING_TOKENS)]
    if cells.empty:
        return "empty"
    sample = cells.iloc[:200]
    numbers = pd.to_numeric(sample.str.replace(",", ".", regex=False), errors="coerce")
    if numbers.notna().mean() >= 0.5:
        return "numeric"
    if _parse_dates(sample).notna().mean() >= 0.9:
        return "datetime"
    return "text"


def find_time_column(columns: list[str], column_types: dict[str, str]) -> str | None:
    by_name = [c for c in columns if str(c).strip().lower() in TIME_NAMES]
    for column in by_name:
        if column_types[column] in ("datetime", "numeric"):
            return column
    dated = [c for c in columns if column_types[c] == "datetime"]
    return dated[0] if dated else None


def _find_id_column(columns: list[str], column_types: dict[str, str], frame: pd.DataFrame) -> str | None:
    for column in columns:
        if str(column).strip().lower() in ID_NAMES and column_types[column] != "datetime":
            return column
    for column in columns:
        if column_types[column] == "text":
            values = frame[column]
            if values.nunique() < max(2, len(values) // 2):
                return column
    return None


def _named_values(columns: list[str], column_types: dict[str, str]) -> tuple[str, ...]:
    """A text column that is called like a value (its bad cells are reported by line)."""
    named = [c for c in columns if str(c).strip().lower() in VALUE_NAMES and column_types[c] == "text"]
    return tuple(named[:1])


def _pick_long_value(columns: list[str], column_types: dict[str, str]) -> str:
    named = [c for c in columns if str(c).strip().lower() in VALUE_NAMES]
    if named:
        return named[0]
    numeric = [c for c in columns if column_types[c] == "numeric"]
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        _refuse_without_values(columns, column_types)
    raise InputError("several numeric columns could be the value of this long file ("
                     + ", ".join(numeric) + "); choose one with --value-col")


def _refuse_without_values(columns: list[str], column_types: dict[str, str]) -> None:
    dated = [c for c in columns if column_types[c] == "datetime"]
    if dated:
        raise InputError(f"column '{dated[0]}' holds dates, not numbers, so it cannot be the "
                         "target; the file needs a numeric value column")
    described = ", ".join(f"'{c}' ({column_types[c]})" for c in columns) or "none"
    raise InputError(f"no numeric value column found (other columns: {described}); "
                     "name it with --value-col")


def to_long_frame(frame: pd.DataFrame, layout: Layout, notes: list[str],
                  single_name: str | None = None, skipped: dict[str, str] | None = None) -> pd.DataFrame:
    """The long frame (id, timestamp, value, line) of ``frame`` in ``layout``.

    A single series is called ``single_name``, or after its value column. In a long file,
    with a ``skipped`` dict, a series with unusable values is left out and ``skipped`` says
    why (series id -> the problem, its line); when every series has one, the first is raised.
    """
    lines = line_numbers(frame)
    if layout.time_col is None:
        timestamps = pd.Index(np.arange(len(frame)))
        notes.append("no time column found: the rows are taken as consecutive steps")
    else:
        timestamps = parse_timestamps(frame[layout.time_col], lines, layout.time_col, notes)
    pieces = []
    for column in layout.value_cols:
        ids = (text_cells(frame[layout.id_col]).to_numpy() if layout.id_col
               else np.full(len(frame), str(single_name or column) if layout.format == "single"
                       else str(column)))
        own = skipped if layout.id_col and skipped is not None else None
        values = parse_numbers(frame[column], lines, column, notes, ids if layout.id_col else None, own)
        pieces.append(pd.DataFrame({"id": ids, "timestamp": timestamps, "value": values,
                                    "line": lines}))
    long = pd.concat(pieces, ignore_index=True)
    if skipped:
        left_out = long["id"].isin(list(skipped)).to_numpy()
        if left_out.all():  # nothing left: the first series' problem
            raise InputError(skipped[next(key for key in long["id"].unique() if key in skipped)])
        long = long[~left_out].reset_index(drop=True)
    return long


def line_numbers(frame: pd.DataFrame) -> np.ndarray:
    """Each row's line in its file (the CSV reader's ``__line__``; for a frame without one, a
    parquet file's or a library frame's, its index from 1)."""
    return (frame[LINE_COLUMN] if LINE_COLUMN in frame else pd.Series(frame.index + 1)).to_numpy()


LARGEST_VALUE = 1e100  # larger magnitudes overflow the squares and sums models and scores take


def parse_numbers(column: pd.Series, lines: np.ndarray, name: str, notes: list[str],
                  ids: np.ndarray | None = None, skipped: dict[str, str] | None = None) -> np.ndarray:
    """Floats from a column of text or numbers; refuses text and infinities, naming the line (and,
    in a long file, the series: ``ids`` holds each row's series id). With ``skipped``, a
    series with such values is recorded there (id -> the problem) instead of refused."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float)
    else:
        cells = text_cells(column)
        missing = cells.str.lower().isin(MISSING_TOKENS) | column.isna().to_numpy()
        values = pd.to_numeric(cells.where(~missing), errors="coerce").to_numpy(dtype=float)
        bad = ~missing.to_numpy() & np.isnan(values)
        for pattern, old, new, what in NUMBER_STYLES:
            if bad.any() and cells[bad].str.fullmatch(pattern).all():
                values = pd.to_numeric(cells.str.replace(old, new, regex=False).where(~missing),
                                       errors="coerce").to_numpy(dtype=float)
                notes.append(f"column '{name}' uses {what}")
                bad = ~missing.to_numpy() & np.isnan(values)
        _refuse(bad, ids, skipped, lambda first, more: (
            f"{_where(lines, ids, first)}: column '{name}' has the non-numeric value "
            f"{cells.iloc[first]!r}{more}; fix or remove it"))
    _refuse(np.isinf(values), ids, skipped, lambda first, more: (
        f"{_where(lines, ids, first)}: column '{name}' has an infinite value{more}; "
        "replace it with a real number or leave the cell empty"))
    _refuse(np.abs(np.nan_to_num(values, posinf=0.0, neginf=0.0)) > LARGEST_VALUE, ids, skipped,
            lambda first, more: (
                f"{_where(lines, ids, first)}: column '{name}' has the value {values[first]:g}{more}, "
                f"beyond {LARGEST_VALUE:g} where sums of squares overflow; divide the series by a "
                "power of ten and scale the forecast back"))
    return values


def _refuse(bad: np.ndarray, ids: np.ndarray | None, skipped: dict[str, str] | None, message) -> None:
    """Raise ``message(first bad row, "(and N more ...)")`` for the rows in ``bad``; with
    ``skipped``, record it for each series that has such rows instead."""
    if not bad.any():
        return
    if skipped is None or ids is None:
        groups = {None: np.flatnonzero(bad)}
    else:
        rows = np.flatnonzero(bad)
        groups = {key: rows[ids[rows] == key] for key in dict.fromkeys(ids[rows])}
    for key, rows in groups.items():
        others = len(rows) - 1
        more = f" (and {others} more such value{'s' if others != 1 else ''})" if others else ""
        if key is None:
            raise InputError(message(int(rows[0]), more))
        skipped.setdefault(str(key), message(int(rows[0]), more))


def text_cells(column: pd.Series) -> pd.Series:
    """The column's cells as text without surrounding spaces (the CSV reader strips them as it
    reads, once, and says so in the frame's ``attrs``)."""
    if column.attrs.get(STRIPPED):
        return column
    return column.astype(str).str.strip()


def _where(lines: np.ndarray, ids: np.ndarray | None, row: int) -> str:
    """"line 7", or "line 7 (series 'b')" in a long file."""
    return f"line {lines[row]}" + (f" (series '{ids[row]}')" if ids is not None else "")


def parse_timestamps(column: pd.Series, lines: np.ndarray, name: str, notes: list[str]) -> pd.Index:
    """Datetimes (or integer steps) from a time column; refuses unreadable cells, naming the line."""
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = pd.DatetimeIndex(column)
        return _drop_timezone(stamps, notes)
    cells = text_cells(column)
    codes, uniques = pd.factorize(cells.to_numpy())
    if len(uniques) < len(column) // 2 and not pd.api.types.is_numeric_dtype(column):
        # long files repeat their timestamps: each distinct cell is parsed (and refused) once
        parsed = parse_timestamps(pd.Series(uniques, dtype=object).set_axis(np.arange(len(uniques))),
                                  lines[_first_rows(codes, len(uniques))], name, notes)
        return parsed.take(codes)
    empty = cells.str.lower().isin(MISSING_TOKENS)
    if empty.any():
        raise InputError(f"line {lines[int(np.argmax(empty.to_numpy()))]}: the time column "
                         f"'{name}' is empty; every row needs a timestamp")
    if cells.str.fullmatch(INTEGER.pattern).all():
        return _integer_timestamps(cells.astype(np.int64), name, notes)
    if pd.api.types.is_numeric_dtype(column):
        raise InputError(f"the time column '{name}' holds fractional numbers; "
                         "use dates or integer steps")
    stamps = _parse_dates(cells)
    unreadable = stamps.isna().to_numpy()
    if unreadable.any():
        first = int(np.argmax(unreadable))
        raise InputError(f"line {lines[first]}: {cells.iloc[first]!r} in the time column "
                         f"'{name}' is not a date; fix it, or choose the time column with "
                         "--time-col")
    return _drop_timezone(pd.DatetimeIndex(stamps), notes)


def _first_rows(codes: np.ndarray, count: int) -> np.ndarray:
    """The first row holding each of ``count`` factorized values."""
    first = np.full(count, len(codes))
    np.minimum.at(first, codes, np.arange(len(codes)))
    return first


def _parse_dates(cells: pd.Series) -> pd.Series:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(cells, format="ISO8601", errors="raise")
        except pd.errors.OutOfBoundsDatetime:  # before 1677 or after 2262: whole seconds suffice
            return _dates_in_seconds(cells)
        except (ValueError, TypeError, OverflowError):
            pass
        try:
            return pd.to_datetime(cells, format="mixed", errors="coerce")
        except (ValueError, TypeError, OverflowError):
            try:
                return pd.to_datetime(cells, format="mixed", errors="coerce", utc=True)
            except (ValueError, TypeError, OverflowError):
                return pd.Series(pd.NaT, index=cells.index)


def _dates_in_seconds(cells: pd.Series) -> pd.Series:
    """ISO dates outside pandas' nanosecond range (1677-2262), at second resolution; NaT where
    a cell is not an ISO date."""
    try:
        seconds = cells.to_numpy(dtype=str).astype("datetime64[s]")
        return pd.Series(pd.DatetimeIndex(seconds), index=cells.index)
    except (ValueError, TypeError, OverflowError):
        return pd.Series(pd.NaT, index=cells.index)


def _integer_timestamps(values: pd.Series, name: str, notes: list[str]) -> pd.Index:
    low, high = int(values.min()), int(values.max())
    looks_like_years = 1500 <= low and high <= 2200 and (
        "year" in str(name).lower() or np.diff(np.sort(values.unique())).min(initial=1) == 1)
    if looks_like_years:
        notes.append(f"integer timestamps {low}..{high} in '{name}' are read as years")
        return pd.DatetimeIndex(pd.to_datetime(values.astype(str), format="%Y"))
    if values.astype(str).str.len().eq(8).all() and 19000101 <= low and high <= 22001231:
        stamps = pd.to_datetime(values.astype(str), format="%Y%m%d", errors="coerce")
        if stamps.notna().all():
            return pd.DatetimeIndex(stamps)
    return pd.Index(values.to_numpy())


def _drop_timezone(stamps: pd.DatetimeIndex, notes: list[str]) -> pd.DatetimeIndex:
    if stamps.tz is not None:
        notes.append("timestamps carry a time zone: converted to UTC")
        return stamps.tz_convert("UTC").tz_localize(None)
    return stamps
