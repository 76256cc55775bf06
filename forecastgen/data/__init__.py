"""The data layer: CSV -> validated, regular series (``SeriesSet``)."""

from forecastgen.data.frequency import Frequency, infer_frequency, parse_frequency
from forecastgen.data.series import SeriesSet, as_series_set, read_series

__all__ = ["Frequency", "SeriesSet", "as_series_set", "infer_frequency", "parse_frequency",
           "read_series"]
