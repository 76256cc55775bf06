"""ARIMA with orders chosen automatically: the Hyndman-Khandakar algorithm.

Hyndman & Khandakar (2008), "Automatic time series forecasting: the forecast package
for R": unit-root tests choose the differencing (KPSS, and a seasonal-strength test for
the seasonal difference), then a stepwise search over (p, q)(P, Q) minimises the AICc,
with a drift or mean where it helps. Fitted through statsforecast's ``AutoARIMA``
with R's default: the search scores candidates by conditional sums of squares when
the series is longer than 150 points or its period above 12, and refits the chosen
model by maximum likelihood (statsforecast's own default searches by full likelihood:
24 s against 3 s for 500 hourly points). Sample paths are simulated from the fitted
model. ``transform="log"`` fits log(y).

Deviation: the history is cut to its last ``max_history`` points (at least two
seasons): the likelihood of a seasonal ARIMA grows slow on long hourly series.
"""

from __future__ import annotations

import numpy as np

from forecastgen_classical.statsforecast_model import StatsforecastModel, statsforecast_models


class ARIMA(StatsforecastModel):
    name = "arima"
    capabilities = frozenset({"forecast", "series", "covariates"})

    def __init__(self, season_length: int | None = None, max_history: int | None = 500,
                 transform: str = "none", n_jobs: int | None = None):
        self.store_params(locals())

    def _model(self, y: np.ndarray, season: int):
        AutoARIMA = statsforecast_models().AutoARIMA
        return AutoARIMA(season_length=season, approximation=None)  # None: R's rule
