"""Calendar features: where each timestamp sits in its daily, weekly or yearly cycle.

Each cycle gives a sine and a cosine of its phase, so the end of a cycle meets its
start. Which cycles matter follows the frequency: hour of day and day of week for
hourly data, day of week and day of year for daily data, month of year for monthly
data, none for yearly data; integer steps get the position in the seasonal period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecastgen.data.frequency import Frequency

DAYS_PER_YEAR = 365.25


def cycle_phases(index: pd.Index, freq: Frequency) -> list[np.ndarray]:
    """The phase (0..1) of every timestamp in each cycle that matters for ``freq``."""
    if not isinstance(index, pd.DatetimeIndex):
        positions = np.asarray(index, dtype=np.int64)
        return [(positions % freq.season) / freq.season] if freq.season > 1 else []
    if freq.grid == "calendar":
        if freq.months == 1:
            return [(index.month.to_numpy() - 1) / 12]
        if freq.months == 3:
            return [(index.quarter.to_numpy() - 1) / 4]
        return []
    day_of_year = (index.day_of_year.to_numpy() - 1) / DAYS_PER_YEAR
    if freq.name == "weekly":
        return [day_of_year]
    day_of_week = index.day_of_week.to_numpy() / 7
    if freq.name in ("daily", "business-daily"):
        return [day_of_week, day_of_year]
    hour_of_day = (index.hour.to_numpy() + index.minute.to_numpy() / 60) / 24
    return [hour_of_day, day_of_week]


def calendar_features(index: pd.Index, freq: Frequency) -> np.ndarray:
    """A (len(index), 2 * cycles) float32 array of sin/cos pairs."""
    phases = cycle_phases(index, freq)
    columns = [f(2 * np.pi * phase) for phase in phases for f in (np.sin, np.cos)]
    if not columns:
        return np.zeros((len(index), 0), dtype=np.float32)
    return np.stack(columns, axis=1).astype(np.float32)
