"""Complex exponential smoothing (CES): level and trend as one complex-valued state.

Svetunkov & Kourentzes (2016), "Complex exponential smoothing", and Svetunkov,
Kourentzes & Ord (2022): a complex smoothing parameter lets the series decide between
a level and a trend instead of choosing one of ETS's trend forms. Non-seasonal, simple,
partial or full seasonal forms are chosen by AIC, through statsforecast's ``AutoCES``;
sample paths are simulated from the fitted model. ``transform="log"`` fits log(y).
"""

from __future__ import annotations

import numpy as np

from forecastgen_classical.statsforecast_model import StatsforecastModel, statsforecast_models


class CES(StatsforecastModel):
    name = "ces"
    capabilities = frozenset({"forecast", "series", "covariates"})

    def __init__(self, season_length: int | None = None, max_history: int | None = 500,
                 transform: str = "none", n_jobs: int | None = None):
        self.store_params(locals())

    def _model(self, y: np.ndarray, season: int):
        AutoCES = statsforecast_models().AutoCES
        return AutoCES(season_length=season)
