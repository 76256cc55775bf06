"""Public holidays as a covariate: how many of a country's holidays fall in each step.

The dates come from the ``holidays`` package (maintained, about 200 countries and their
subdivisions' rules, observed days included). For daily and coarser data a step counts the
holidays from its timestamp up to the next one (a day is 0 or 1; a month counts its
holidays); for hourly data every hour of a holiday counts 1. The column, ``holiday_<country>``,
joins the series' covariates over the history and the horizon, and is known for any horizon.
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
    from forecastgen.data.covariates import NUMERIC, CovariateColumns, Covariates

    first = data[data.ids[0]].index
    if not isinstance(first, pd.DatetimeIndex):
        raise InputError("--holidays needs dates in the time column, not step numbers")
    name = f"holiday_{country.lower()}"
    covariates = data.covariates or Covariates(
        {key: pd.DataFrame(index=series.index) for key, series in data},
        {}, CovariateColumns("timestamp", None, "value", ()), {})
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
