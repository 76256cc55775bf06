"""Covariates the calendar knows for any horizon: public holidays and the cycles the season
leaves out.

- ``with_holidays``: how many of a country's public holidays fall in each step. The dates
  come from the ``holidays`` package (maintained, about 200 countries and their subdivisions'
  rules, observed days included). For daily and coarser data a step counts the holidays from
  its timestamp up to the next one (a day is 0 or 1; a month counts its holidays); for hourly
  data every hour of a holiday counts 1. The column is ``holiday_<country>``.
- ``with_calendar``: the calendar cycle that the frequency's season does not model, as a
  category: the day of the week for hourly (and finer) data, whose season is the day; the
  month for daily, business-daily and weekly data, whose season is the week or the year's
  52 weeks (that seasonal models drop). Monthly and coarser data have none to add.

Both join the series' covariates over the history and the horizon.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecastgen.data.frequency import Frequency
from forecastgen.errors import InputError


def holiday_counts(index: pd.DatetimeIndex, freq: Frequency, country: str) -> np.ndarray:
    """The number of ``country``'s public holidays in each step of ``index`` (regular, on ``freq``)."""
    dates = _holiday_dates(country, index.year.min(), index.year.max() + 1)
    days = index.normalize()
    if len(index) < 2 or (index[1] - index[0]) < pd.Timedelta(days=1):
        return days.isin(dates).astype(float)
    ends = index[1:].append(pd.DatetimeIndex([freq.future(index, 1)[0]]))
    holiday_days = np.sort(np.asarray(dates, dtype="datetime64[ns]"))
    starts = np.searchsorted(holiday_days, days.to_numpy())
    stops = np.searchsorted(holiday_days, ends.normalize().to_numpy())
    return (stops - starts).astype(float)


def _holiday_dates(country: str, first_year: int, last_year: int) -> pd.DatetimeIndex:
    try:
        import holidays
    except ImportError:
        raise InputError("holidays as a covariate need the holidays package: pip install holidays "
                         "(or 'forecastgen[holidays]')") from None
    try:
        calendar = holidays.country_holidays(country.upper(), years=range(first_year, last_year + 1))
    except NotImplementedError:
        raise InputError(f"no holiday calendar for the country '{country}'; give an ISO 3166 code "
                         "such as US, GB, DE or FR") from None
    return pd.DatetimeIndex(sorted(calendar))


def with_holidays(data, country: str, horizon: int):
    """``data`` (a SeriesSet) with the count of ``country``'s holidays per step as a covariate
    known in advance, over the history and ``horizon`` steps after it (or the future's own
    steps, where its covariates already have some)."""
    from forecastgen.data.covariates import NUMERIC

    first = data[data.ids[0]].index
    if not isinstance(first, pd.DatetimeIndex):
        raise InputError("--holidays needs dates in the time column, not step numbers")
    name = f"holiday_{country.lower()}"
    covariates = _covariates_of(data)
    steps = covariates.steps() or horizon
    past, future = {}, {}
    for key, series in data:
        days = data.future_index(key, steps)
        past[key] = covariates.past[key].assign(**{name: holiday_counts(series.index, data.freq, country)})
        later = covariates.future.get(key, pd.DataFrame(index=days)).iloc[:steps]
        future[key] = later.assign(**{name: holiday_counts(days, data.freq, country)[:len(later)]})
    columns = replace(covariates.columns, known=covariates.columns.known + (name,))
    added = replace(covariates, past=past, future=future, columns=columns,
                    kinds={**covariates.kinds, name: NUMERIC})
    return replace(data, covariates=added)


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def calendar_cycle(freq: Frequency) -> str | None:
    """The cycle ``with_calendar`` adds for ``freq``: "dayofweek", "month" or None."""
    if freq.grid in ("calendar", "steps"):
        return None
    if freq.grid == "fixed" and freq.step < pd.Timedelta(days=1):
        return "dayofweek"
    return "month"


def with_calendar(data, horizon: int):
    """``data`` (a SeriesSet) with the calendar cycle its season leaves out (``calendar_cycle``)
    as a categorical covariate over the history and ``horizon`` steps (or the future's own);
    unchanged, with nothing to add, for monthly and coarser data or integer steps."""
    from forecastgen.data.covariates import CATEGORICAL

    cycle = calendar_cycle(data.freq)
    if cycle is None or not isinstance(data[data.ids[0]].index, pd.DatetimeIndex):
        return data
    levels = WEEKDAYS if cycle == "dayofweek" else MONTHS

    def encode(index: pd.DatetimeIndex) -> pd.DataFrame:
        positions = index.dayofweek if cycle == "dayofweek" else index.month - 1
        return pd.DataFrame({f"{cycle}={level}": (positions == number).astype(float)
                             for number, level in enumerate(levels) if number}, index=index)

    covariates = _covariates_of(data)
    steps = covariates.steps() or horizon
    past, future = {}, {}
    for key, series in data:
        days = data.future_index(key, steps)
        past[key] = covariates.past[key].join(encode(series.index))
        later = covariates.future.get(key, pd.DataFrame(index=days)).iloc[:steps]
        future[key] = later.join(encode(days[:len(later)]))
    columns = replace(covariates.columns, known=covariates.columns.known + (cycle,))
    added = replace(covariates, past=past, future=future, columns=columns,
                    kinds={**covariates.kinds, cycle: CATEGORICAL},
                    levels={**covariates.levels, cycle: levels})
    return replace(data, covariates=added)


def _covariates_of(data):
    """``data``'s covariates, or empty ones (no column yet) on its histories."""
    from forecastgen.data.covariates import CovariateColumns, Covariates

    return data.covariates or Covariates({key: pd.DataFrame(index=series.index) for key, series in data},
                                         {}, CovariateColumns("timestamp", None, "value", ()), {})
