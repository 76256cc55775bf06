"""The old home of ``forecastgen.per_series`` (``PerSeriesForecaster`` was ``LocalForecaster`` up
to 0.1, a name that read as "not on a cluster"); plugins written against 0.1 still import from
here, with a warning. It goes in forecastgen 1.0."""

import warnings

from forecastgen.per_series import *  # noqa: F403  (every public name, as before)
from forecastgen.per_series import PerSeriesForecaster

LocalForecaster = PerSeriesForecaster

warnings.warn("forecastgen.local is renamed forecastgen.per_series and LocalForecaster "
              "PerSeriesForecaster; the old names go in forecastgen 1.0", DeprecationWarning, stacklevel=2)
