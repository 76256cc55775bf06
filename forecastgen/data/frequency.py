"""Frequencies: infer them from timestamps, place observations on a regular grid, and
step into the future.

A ``Frequency`` knows four kinds of grid:

- ``calendar``: whole months (monthly, quarterly, yearly); observations are anchored at
  the start of the period, its end, or the same day of the month;
- ``fixed``: a fixed time step (weekly, daily, hourly, every 15 minutes, ...);
- ``business``: trading days; each observation is one step (weekends and holidays
  are not gaps) and the future moves by business days;
- ``steps``: integer timestamps (a row index or a period counter).

Seasonal periods and default horizons follow the M4 protocol used by the benchmarks
(``benchmarks/README.md``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecastgen.errors import InputError

# name -> (seasonal period, default horizon)
SEASON_AND_HORIZON = {
    "yearly": (1, 6),
    "quarterly": (4, 8),
    "monthly": (12, 18),
    "weekly": (52, 13),
    "daily": (7, 14),
    "business-daily": (5, 20),
    "hourly": (24, 48),
    "steps": (1, 10),
}

NAME_ALIASES = {
    "y": "yearly", "a": "yearly", "year": "yearly", "yearly": "yearly", "annual": "yearly",
    "q": "quarterly", "quarter": "quarterly", "quarterly": "quarterly",
    "m": "monthly", "month": "monthly", "monthly": "monthly",
    "w": "weekly", "week": "weekly", "weekly": "weekly",
    "d": "daily", "day": "daily", "daily": "daily",
    "b": "business-daily", "bday": "business-daily", "business": "business-daily",
    "business-daily": "business-daily", "business_daily": "business-daily",
    "h": "hourly", "hour": "hourly", "hourly": "hourly",
    "steps": "steps", "integer": "steps", "index": "steps",
}

CALENDAR_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
FIXED_STEPS = {"weekly": pd.Timedelta(days=7), "daily": pd.Timedelta(days=1),
               "hourly": pd.Timedelta(hours=1)}
WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


@dataclass(frozen=True)
class Frequency:
    """How a series' timestamps step: its grid, its seasonal period, and the horizon forecast when
    none is asked for (the M4 competition's for the frequency: 18 for monthly data)."""

    name: str
    grid: str  # "calendar" | "fixed" | "business" | "steps"
    season: int
    default_horizon: int
    months: int = 0  # calendar: months per step
    anchor: str = "start"  # calendar: "start" | "end" | "day"
    step: pd.Timedelta | int | None = None  # fixed: a Timedelta; steps: an int

    @property
    def horizon(self) -> int:
        """The old name of ``default_horizon``, for plugins written against 0.1."""
        warnings.warn("Frequency.horizon is renamed default_horizon; horizon will be removed in "
                      "forecastgen 1.0", DeprecationWarning, stacklevel=2)
        return self.default_horizon

    @property
    def alias(self) -> str:
        """A pandas-style alias for display (``MS``, ``QE``, ``W-FRI``, ``h``, ``B``...)."""
        if self.grid == "calendar":
            letter = {1: "M", 3: "Q", 12: "Y"}.get(self.months, f"{self.months}M")
            return letter + {"start": "S", "end": "E"}.get(self.anchor, "")
        if self.grid == "business":
            return "B"
        if self.grid == "steps":
            return f"{self.step} steps" if self.step != 1 else "steps"
        return _timedelta_alias(self.step)

    def positions(self, timestamps: pd.Index) -> np.ndarray:
        """Zero-based grid positions of sorted, unique timestamps, relative to the first.

        Raises InputError naming the first timestamp that is off the grid.
        """
        if self.grid == "business":
            return np.arange(len(timestamps))
        positions, exact = self.steps_from(timestamps[:1], timestamps, self.anchor_day(timestamps))
        if not exact.all():
            bad = timestamps[int(np.argmin(exact))]
            raise InputError(
                f"timestamps are irregular: {format_stamp(bad)} is not on the {self.name} grid "
                f"that starts at {format_stamp(timestamps[0])}; resample the data to one "
                "regular frequency or pass --freq")
        return np.asarray(positions, dtype=np.int64)

    def anchor_day(self, timestamps: pd.Index) -> int | None:
        """The day of the month a series' dates keep (grids anchored on a day): the largest
        of its timestamps' days, so that a series on the 30th starting on 28 February is on
        its grid; None for other grids."""
        if self.grid != "calendar" or self.anchor != "day" or not len(timestamps):
            return None
        return int(np.max(np.asarray(timestamps.day)))

    def steps_from(self, origins: pd.Index, timestamps: pd.Index,
                   days=None) -> tuple[np.ndarray, np.ndarray]:
        """Grid steps from ``origins`` (one, or one per timestamp) to ``timestamps``, and whether
        each timestamp lies exactly on the grid that starts at its origin (on a grid anchored on
        a day: on ``days``, one or one per timestamp, by default the origins' day). Not for
        business days, whose steps are the observations themselves."""
        if self.grid == "calendar":
            def months(stamps):
                return np.asarray(stamps.year) * 12 + np.asarray(stamps.month)

            offsets = months(timestamps) - months(origins)
            exact = (offsets % self.months == 0) & self._anchored(origins, timestamps, days)
            return offsets // self.months, exact
        deltas = np.asarray(timestamps) - np.asarray(origins)
        step = self.step.to_timedelta64() if self.grid == "fixed" else self.step
        positions, remainders = np.divmod(deltas, step)
        return np.asarray(positions, dtype=np.int64), remainders == np.zeros_like(remainders)

    def _anchored(self, origins: pd.Index, timestamps: pd.Index, days=None) -> np.ndarray:
        if self.anchor == "start":
            return np.asarray(timestamps.day == 1)
        if self.anchor == "end":
            return np.asarray(timestamps.is_month_end)
        days = np.asarray(origins.day) if days is None else days
        day = np.minimum(days, np.asarray(timestamps.days_in_month))
        return np.asarray(timestamps.day) == day

    def at(self, origin, positions, day: int | None = None) -> pd.Index:
        """Timestamps of grid ``positions`` counted from ``origin`` (position 0); on a grid
        anchored on a day, on ``day`` of each month (by default the origin's)."""
        positions = np.asarray(positions, dtype=np.int64)
        if self.grid == "steps":
            return pd.Index(origin + positions * self.step)
        if self.grid == "fixed":
            return pd.DatetimeIndex(origin + positions * self.step)
        if self.grid == "business":
            days = pd.bdate_range(origin, periods=int(positions.max()) + 1 if len(positions) else 0)
            return days[positions]
        months = np.datetime64(f"{origin.year:04d}-{origin.month:02d}", "M") + positions * self.months
        if self.anchor == "day":  # the day, or the month's last where it is shorter (DateOffset's rule)
            firsts = months.astype("datetime64[D]")
            lengths = ((months + 1).astype("datetime64[D]") - firsts).astype(np.int64)
            days = firsts + (np.minimum(origin.day if day is None else day, lengths) - 1)
            time_of_day = origin - origin.normalize()
            return _datetime_index(days) + time_of_day if time_of_day else _datetime_index(days)
        if self.anchor == "end":
            return _datetime_index((months + 1).astype("datetime64[D]") - np.timedelta64(1, "D"))
        return _datetime_index(months.astype("datetime64[D]"))

    def future(self, timestamps: pd.Index, horizon: int) -> pd.Index:
        """The ``horizon`` timestamps that follow a series' (regular) timestamps."""
        if self.grid == "business":
            start = timestamps[-1] + pd.offsets.BDay(1)
            return pd.bdate_range(start, periods=horizon)
        n = len(timestamps)
        return self.at(timestamps[0], np.arange(n, n + horizon), self.anchor_day(timestamps))

    def to_dict(self) -> dict:
        """A JSON-ready description (for checkpoints)."""
        step = self.step
        if isinstance(step, pd.Timedelta):
            step = step.isoformat()
        return {"name": self.name, "grid": self.grid, "season": self.season,
                "horizon": self.default_horizon, "months": self.months, "anchor": self.anchor, "step": step}

    @classmethod
    def from_dict(cls, values: dict) -> Frequency:
        values = dict(values)
        if "kind" in values:  # checkpoints written before the field was renamed
            values["grid"] = values.pop("kind")
        values["default_horizon"] = values.pop("horizon")
        step = values.get("step")
        if values["grid"] == "fixed":
            step = pd.Timedelta(step)
        return cls(**{**values, "step": step})


def format_stamp(stamp) -> str:
    """A timestamp as a user wrote it: the date alone when the time is midnight."""
    if isinstance(stamp, pd.Timestamp) and stamp == stamp.normalize():
        return stamp.strftime("%Y-%m-%d")
    return str(stamp)


NANOSECOND_RANGE = (np.datetime64("1678-01-01"), np.datetime64("2261-12-31"))


def _datetime_index(days: np.ndarray) -> pd.DatetimeIndex:
    """Days as a DatetimeIndex: in nanoseconds as usual, in seconds where the dates lie outside
    the nanosecond range (historical series such as 17th-century records)."""
    low, high = NANOSECOND_RANGE
    inside = len(days) == 0 or (days.min() >= low and days.max() <= high)
    return pd.DatetimeIndex(days.astype("datetime64[ns]" if inside else "datetime64[s]"))


def _timedelta_alias(step: pd.Timedelta) -> str:
    if step == pd.Timedelta(days=7):
        return "W"
    for unit, size in (("D", pd.Timedelta(days=1)), ("h", pd.Timedelta(hours=1)),
                       ("min", pd.Timedelta(minutes=1)), ("s", pd.Timedelta(seconds=1))):
        if step >= size and step % size == pd.Timedelta(0):
            count = step // size
            return unit if count == 1 else f"{count}{unit}"
    return str(step)


def named(name: str, *, grid: str | None = None, step=None, anchor: str = "start") -> Frequency:
    """The Frequency called ``name`` (``monthly``, ``hourly``...), on a grid of type ``grid``."""
    season, horizon = SEASON_AND_HORIZON[name]
    if grid is None:
        grid = ("calendar" if name in CALENDAR_MONTHS else
                "business" if name == "business-daily" else
                "steps" if name == "steps" else "fixed")
    if grid == "fixed" and step is None:
        step = FIXED_STEPS[name]
    if grid == "steps" and step is None:
        step = 1
    return Frequency(name=name, grid=grid, season=season, default_horizon=horizon,
                     months=CALENDAR_MONTHS.get(name, 0), anchor=anchor, step=step)


def infer_frequency(timestamps: pd.Index) -> Frequency:
    """Infer the frequency of sorted, unique timestamps (datetimes or integers)."""
    if len(timestamps) < 2:
        raise InputError("cannot infer a frequency from fewer than 2 timestamps; pass --freq")
    if not isinstance(timestamps, pd.DatetimeIndex):
        diffs = np.diff(np.asarray(timestamps, dtype=np.int64))
        return named("steps", step=int(np.gcd.reduce(diffs)))
    seconds = timestamps.to_numpy().astype("datetime64[s]").astype(np.int64)
    days = pd.Series(np.diff(seconds)) / 86_400
    typical = float(days.median())
    if typical >= 360:
        return named("yearly", anchor=_calendar_anchor(timestamps))
    if 85 <= typical <= 95:
        return named("quarterly", anchor=_calendar_anchor(timestamps))
    if 27 <= typical <= 32:
        return named("monthly", anchor=_calendar_anchor(timestamps))
    if typical == 1 and _trading_days(timestamps):
        return named("business-daily")
    step = pd.Timedelta(days=float(days.min()))
    by_step = {v: k for k, v in FIXED_STEPS.items()}
    if step in by_step:
        return named(by_step[step])
    if step < pd.Timedelta(hours=1) and pd.Timedelta(days=1) % step == pd.Timedelta(0):
        per_day = int(pd.Timedelta(days=1) / step)
        return Frequency(name=f"every {_timedelta_alias(step)}", grid="fixed", season=per_day,
                         default_horizon=per_day, step=step)
    return Frequency(name=f"every {_timedelta_alias(step)}", grid="fixed", season=1,
                     default_horizon=10, step=step)


def _trading_days(timestamps: pd.DatetimeIndex) -> bool:
    """Daily stamps that skip weekends (old exchanges also traded on Saturdays)."""
    weekday = timestamps.day_of_week
    return len(timestamps) >= 10 and (weekday == 6).mean() < 0.01 and (weekday >= 5).mean() < 0.15


def _calendar_anchor(timestamps: pd.DatetimeIndex) -> str:
    """Where in their month most timestamps sit; the few that differ are off the grid."""
    if (timestamps.day == 1).mean() >= 0.9:
        return "start"
    if timestamps.is_month_end.mean() >= 0.9:
        return "end"
    return "day"


def parse_frequency(text: str, timestamps: pd.Index) -> Frequency:
    """The Frequency a user asked for with ``--freq`` (a name or a pandas alias)."""
    key = text.strip().lower()
    name = NAME_ALIASES.get(key)
    offset = None
    if name is None:
        try:
            offset = _pandas_offset(text.strip())
        except ValueError:
            raise InputError(
                f"unknown frequency {text!r}; use a name (yearly, quarterly, monthly, weekly, "
                "daily, business-daily, hourly) or a pandas alias such as MS, QE, W-FRI, 15min"
            ) from None
        name = _offset_name(offset)
    if not isinstance(timestamps, pd.DatetimeIndex):
        diffs = np.diff(np.asarray(timestamps, dtype=np.int64))
        step = int(np.gcd.reduce(diffs)) if len(diffs) else 1
        return named(name, grid="steps", step=step)
    if name == "sub-hourly":
        step = pd.Timedelta(offset)
        per_day = int(pd.Timedelta(days=1) / step)
        return Frequency(name=f"every {_timedelta_alias(step)}", grid="fixed", season=per_day,
                         default_horizon=per_day, step=step)
    if name in CALENDAR_MONTHS:
        anchor = _offset_anchor(offset) if offset is not None else _calendar_anchor(timestamps)
        return named(name, anchor=anchor)
    return named(name)


def _pandas_offset(text: str):
    """pandas' offset for an alias, quietly: old aliases ("15T", "BH") still parse, and pandas'
    deprecation notice about them (or about an unknown word) is not the user's concern."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return pd.tseries.frequencies.to_offset(text)


def _offset_name(offset) -> str:
    kinds = {
        "MonthBegin": "monthly", "MonthEnd": "monthly",
        "QuarterBegin": "quarterly", "QuarterEnd": "quarterly",
        "YearBegin": "yearly", "YearEnd": "yearly",
        "Week": "weekly", "Day": "daily", "BusinessDay": "business-daily", "Hour": "hourly",
        "Minute": "sub-hourly", "Second": "sub-hourly",
    }
    name = kinds.get(type(offset).__name__)
    if name is None or (offset.n != 1 and name != "sub-hourly"):
        raise InputError(f"frequency {offset.freqstr!r} is not supported; use one of yearly, "
                         "quarterly, monthly, weekly, daily, business-daily, hourly or N-minute")
    return name


def _offset_anchor(offset) -> str:
    return "end" if type(offset).__name__.endswith("End") else "start"
