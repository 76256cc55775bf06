"""Validate parsed series and repair what can be repaired, reporting every repair.

Repairs (each leaves a note): rows out of time order are sorted, rows repeated
exactly are dropped, missing values at the ends are trimmed, short internal gaps are
interpolated, and the history before a long gap is dropped when enough remains after
it. Everything else is refused with an error that names the series and the problem:
conflicting duplicate timestamps, irregular spacing, too many missing values, too
few observations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecastgen.data.frequency import Frequency, format_stamp, infer_frequency, parse_frequency
from forecastgen.errors import InputError

MIN_OBSERVATIONS = 3
MAX_MISSING_SHARE = 0.2


def regularize(long: pd.DataFrame, freq: str | None,
               notes: list[str]) -> tuple[dict[str, pd.Series], Frequency]:
    """Split the long frame into regular series on one frequency grid.

    Series that need nothing (rows in time order, no repeated timestamp, no missing value,
    on the grid without gaps) are checked for all series at once and built directly; the
    others go one by one through the repairs and their notes. The result, notes and errors are
    the same either way; only files of many series get faster (100,000 series: seconds)."""
    codes, keys = pd.factorize(long["id"], sort=False)  # groups in order of first appearance
    if (codes[1:] < codes[:-1]).any():  # rows of a series apart: gather them (a copy)
        order = np.argsort(codes, kind="stable")
        codes, long = codes[order], long.iloc[order]
    starts = np.searchsorted(codes, np.arange(len(keys) + 1))
    simple = _simple_groups(long, codes, starts)
    cleaned = {index: _sorted_unique(long.iloc[starts[index]:starts[index + 1]],
                                     _label(keys[index], len(keys)), notes)
               for index in np.flatnonzero(~simple)}  # the others' rows are all kept as they are
    lengths = np.diff(starts)
    for index, group in cleaned.items():
        lengths[index] = len(group)
    longest = int(np.argmax(lengths))
    stamps = pd.Index(cleaned[longest]["timestamp"] if longest in cleaned
                      else long["timestamp"].iloc[starts[longest]:starts[longest + 1]])
    frequency = parse_frequency(freq, stamps) if freq else infer_frequency(stamps)
    days = _anchor_days(long, starts, frequency)
    on_grid = simple & _contiguous_on_grid(long, codes, starts, frequency, days)
    all_stamps, all_values = pd.Index(long["timestamp"]), long["value"].to_numpy(dtype=float)
    indexes: dict[tuple, pd.Index] = {}  # series of one start and length share their index
    series = {}
    for index, key in enumerate(keys):
        if on_grid[index]:
            rows = slice(starts[index], starts[index + 1])
            day = None if days is None else int(days[index])
            series[str(key)] = _regular_series(all_stamps[rows], all_values[rows], frequency, day, indexes)
            continue
        group = cleaned.get(index)
        group = long.iloc[starts[index]:starts[index + 1]] if group is None else group
        label = _label(key, len(keys))
        try:
            values = _on_grid(group, frequency)
            values = _fill_gaps(values, frequency, label, notes)
        except InputError as exc:
            raise InputError(f"{label}{exc}") from None
        series[str(key)] = values
    return series, frequency


def _simple_groups(long: pd.DataFrame, codes: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per group (rows sorted by group, in file order within): rows in strictly increasing
    time, no missing value and at least MIN_OBSERVATIONS rows."""
    count = np.diff(starts)
    stamps = long["timestamp"].to_numpy()
    same_group = codes[1:] == codes[:-1]
    backwards = same_group & ~(stamps[1:] > stamps[:-1])  # also catches repeats and NaT
    bad_rows = np.concatenate([[False], backwards]) | long["value"].isna().to_numpy()
    if stamps.dtype.kind == "M":
        bad_rows |= pd.isna(stamps)
    bad = np.bincount(codes[bad_rows], minlength=len(count)) > 0
    return ~bad & (count >= MIN_OBSERVATIONS)


def _anchor_days(long: pd.DataFrame, starts: np.ndarray, frequency: Frequency) -> np.ndarray | None:
    """Per group (rows sorted by group), the day of the month its dates keep on a grid
    anchored on a day (``Frequency.anchor_day``: the largest); None for other grids."""
    if frequency.grid != "calendar" or frequency.anchor != "day":
        return None
    return np.maximum.reduceat(np.asarray(pd.Index(long["timestamp"]).day), starts[:-1])


def _contiguous_on_grid(long: pd.DataFrame, codes: np.ndarray, starts: np.ndarray,
                        frequency: Frequency, days: np.ndarray | None) -> np.ndarray:
    """Per group: every timestamp on ``frequency``'s grid one step after the previous one.
    Only meaningful for the groups of ``_simple_groups``; False where it cannot tell cheaply."""
    count = len(starts) - 1
    if frequency.grid == "business":
        return np.ones(count, dtype=bool)
    stamps = pd.Index(long["timestamp"])
    row_days = None if days is None else days[codes]
    positions, exact = frequency.steps_from(stamps[starts[codes]], stamps, row_days)
    on_time = exact & (positions == np.arange(len(codes)) - starts[codes])  # one step per row
    return np.bincount(codes[~on_time], minlength=count) == 0


def _regular_series(stamps: pd.Index, values: np.ndarray, frequency: Frequency, day: int | None,
                    indexes: dict) -> pd.Series:
    """The series of a group already known to be on the grid without gaps (on ``day`` of each
    month for a grid anchored on a day)."""
    if frequency.grid == "business":
        index = stamps
    else:
        key = (stamps[0], len(stamps), day)
        index = indexes.get(key)
        if index is None:
            index = indexes[key] = frequency.at(stamps[0], np.arange(len(stamps)), day)
    return pd.Series(values, index=index, name="value", copy=False)


def _label(key, count: int) -> str:
    return f"series '{key}': " if count > 1 else ""


def _sorted_unique(group: pd.DataFrame, label: str, notes: list[str]) -> pd.DataFrame:
    if not group["timestamp"].is_monotonic_increasing:
        notes.append(f"{label}rows were not in time order: sorted them by time")
        group = group.sort_values("timestamp", kind="stable")
    repeated = group["timestamp"].duplicated(keep=False)
    if repeated.any():
        same = group[repeated].groupby("timestamp")["value"].nunique(dropna=False) == 1
        if not same.all():
            stamp = same.index[int(np.argmin(same.to_numpy()))]
            lines = group.loc[group["timestamp"] == stamp, "line"].tolist()
            count = int((~same).sum())
            raise InputError(
                f"{label}{count} timestamp(s) appear more than once with different values "
                f"(first: {format_stamp(stamp)} on lines {', '.join(map(str, lines))}); aggregate them, or "
                "name the column that tells the series apart with --id-col")
        dropped = int(group["timestamp"].duplicated().sum())
        notes.append(f"{label}dropped {dropped} row(s) that repeat an earlier row exactly")
        group = group[~group["timestamp"].duplicated()]
    if len(group) < MIN_OBSERVATIONS:
        raise InputError(f"{label}only {len(group)} observation(s); at least "
                         f"{MIN_OBSERVATIONS} are needed to forecast")
    return group


def _on_grid(group: pd.DataFrame, frequency: Frequency) -> pd.Series:
    stamps = pd.Index(group["timestamp"])
    positions = frequency.positions(stamps)
    values = np.full(int(positions[-1]) + 1, np.nan)
    values[positions] = group["value"].to_numpy(dtype=float)
    index = (frequency.at(stamps[0], np.arange(len(values)), frequency.anchor_day(stamps))
             if frequency.grid != "business" else stamps)
    return pd.Series(values, index=index, name="value")


def max_interpolated_gap(frequency: Frequency) -> int:
    """The longest run of missing values that is filled by interpolation."""
    return max(3, frequency.season)


def _fill_gaps(values: pd.Series, frequency: Frequency, label: str, notes: list[str]) -> pd.Series:
    observed = values.notna().to_numpy()
    if not observed.any():
        raise InputError("has no values at all")
    first, last = int(np.argmax(observed)), len(observed) - int(np.argmax(observed[::-1]))
    if last < len(values):
        notes.append(f"{label}dropped {len(values) - last} empty value(s) at the end: the "
                     f"forecast starts after {format_stamp(values.index[last - 1])}")
    values = values.iloc[first:last]
    missing = values.isna().to_numpy()
    if not missing.any():
        return values
    values = _drop_before_long_gap(values, frequency, label, notes)
    missing = values.isna().to_numpy()
    share = missing.mean()
    if share > MAX_MISSING_SHARE:
        raise InputError(f"{missing.sum()} of {len(values)} values are missing "
                         f"({share:.0%}, more than {MAX_MISSING_SHARE:.0%}); fill them or "
                         "give a shorter, more complete history")
    if missing.any():
        notes.append(f"{label}filled {int(missing.sum())} missing value(s) in short gaps by "
                     "linear interpolation")
        values = values.interpolate(method="linear", limit_area="inside")
    return values


def _drop_before_long_gap(values: pd.Series, frequency: Frequency, label: str,
                          notes: list[str]) -> pd.Series:
    runs = _missing_runs(values.isna().to_numpy())
    longest = max_interpolated_gap(frequency)
    long_runs = [(start, length) for start, length in runs if length > longest]
    if not long_runs:
        return values
    start, length = long_runs[-1]
    remaining = values.iloc[start + length:]
    needed = max(10, 2 * frequency.season)
    if remaining.notna().sum() < needed:
        raise InputError(f"has a gap of {length} missing values from {format_stamp(values.index[start])}, "
                         f"too long to interpolate (at most {longest}), and only "
                         f"{len(remaining)} values after it (at least {needed} needed); "
                         "fill the gap or give more history")
    notes.append(f"{label}a gap of {length} missing values from {format_stamp(values.index[start])} is too "
                 f"long to interpolate: using the {len(remaining)} values after it")
    return remaining


def _missing_runs(missing: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of every run of consecutive True values."""
    padded = np.concatenate([[False], missing, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(s), int(e - s)) for s, e in zip(edges[::2], edges[1::2])]
