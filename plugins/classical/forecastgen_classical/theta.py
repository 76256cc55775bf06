"""The Theta method and its optimised and dynamic variants.

Assimakopoulos & Nikolopoulos (2000), "The theta model: a decomposition approach to
forecasting"; Hyndman & Billah (2003) showed it is SES with drift; Fiorucci, Pellegrini,
Louzada, Petropoulos & Koehler (2016), "Models for optimising the theta method and
their relationship to state space models", added the optimised (OTM) and dynamic
(DSTM, DOTM) variants, fitted here through statsforecast's ``AutoTheta``. The default is
the optimised Theta model alone (``variant="OTM"``). ``variant="auto"`` is AutoTheta's
choice of the four by in-sample mean squared error: on 1,200 M1 and Tourism series it
picked OTM for 90% of them and was no more accurate than OTM alone on any frequency (all:
sMAPE 17.58 against 17.35, MASE 1.931 against 1.930), at 2.5 times the cost
(benchmarks/results/theta_variants.txt); on the 269 dev series it was the more accurate
(MASE 1.677 against 1.690, sMAPE 19.11 against 19.51, all of it on the monthly series;
benchmarks/results/forecast_benchmark.md): even over both sets.
Seasonal series (a seasonality test at 90%) are deseasonalised first by classical
decomposition, multiplicative for positive data. Sample paths are simulated from the
fitted state space form. ``transform="log"`` fits it to log(y): the drift becomes a
growth rate.
"""

from __future__ import annotations

import numpy as np

from forecastgen.errors import InputError
from forecastgen_classical.statsforecast_model import StatsforecastModel, statsforecast_models

VARIANTS = ("auto", "STM", "OTM", "DSTM", "DOTM")


class Theta(StatsforecastModel):
    name = "theta"
    capabilities = frozenset({"forecast", "series"})

    def __init__(self, variant: str = "OTM", season_length: int | None = None,
                 max_history: int | None = 2000, transform: str = "none", n_jobs: int | None = None):
        self.store_params(locals())

    def check_params(self) -> None:
        super().check_params()
        if self.variant not in VARIANTS:
            raise InputError(f"theta: variant must be {', '.join(VARIANTS)}, not {self.variant!r}")

    def _model(self, y: np.ndarray, season: int):
        AutoTheta = statsforecast_models().AutoTheta
        decomposition = "multiplicative" if self._positive(y) else "additive"
        return AutoTheta(season_length=season, decomposition_type=decomposition,
                         model=None if self.variant == "auto" else self.variant)
