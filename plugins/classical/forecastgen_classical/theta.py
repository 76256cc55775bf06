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
(benchmarks/results/theta_variants.txt). On the 269 dev series OTM alone scores MASE 1.684
and sMAPE 19.05 (benchmarks/results/forecast_benchmark.md; AutoTheta's choice scored 1.677
and 19.11 there, with statsforecast's sampler, before the paths below).
Seasonal series (a seasonality test at 90%) are deseasonalised first by classical
decomposition, multiplicative for positive data. ``transform="log"`` fits it to log(y):
the drift becomes a growth rate.

Sample paths are simulated here from the fitted state space form (Fiorucci et al. 2016,
section 3: the equations of statsforecast's compiled forecast), its one-step errors
Gaussian with the deseasonalised residuals' spread (each step's stratified:
``stratified_normal``), then reseasonalised; their mean is
statsforecast's point forecast. statsforecast 2.1's own sampler, behind its intervals,
departs from its point forecast in three ways: it updates the trend coefficients A and
B at every step, as only the dynamic variants (DSTM, DOTM) do, so the paths of the
standard and optimised models are centred away from the point forecast (by 0.4% at the
median series and up to 14% over 200 series here); its dynamic update uses the new mean
where the compiled code uses the previous one; and it takes the errors' spread from
residuals that were reseasonalised (multiplied by the seasonal indices, or, for an
additive decomposition, added to them), so the seasonal amplitude enters the spread.
"""

from __future__ import annotations

import numpy as np

from forecastgen.errors import InputError
from forecastgen_classical.statsforecast_model import (
    StatsforecastModel,
    statsforecast_models,
    stratified_normal,
)

VARIANTS = ("auto", "STM", "OTM", "DSTM", "DOTM")


class Theta(StatsforecastModel):
    name = "theta"
    capabilities = frozenset({"forecast", "series", "covariates"})
    parameter_help = {
        "variant": "OTM (optimised Theta), STM (the classic method), DSTM, DOTM, or auto "
                   "(chosen by in-sample fit)",
    }

    def __init__(self, variant: str = "OTM", season_length: int | None = None,
                 max_history: int | None = 2000, transform: str = "none", n_jobs: int | None = None):
        self.store_params(locals())

    def standardization(self) -> str:
        """Fitted to the series divided by its mean absolute value: statsforecast's optimizer
        starts the initial level from, and steps by, amounts that do not scale with the data,
        so the same series at another scale ended elsewhere (up to 4% of the history's range
        off at scales from 1e-6 to 1e6). Now the forecast follows a change of scale exactly."""
        return "scale"

    def check_params(self) -> None:
        super().check_params()
        if self.variant not in VARIANTS:
            raise InputError(f"theta: variant must be {', '.join(VARIANTS)}, not {self.variant!r}")

    def _model(self, y: np.ndarray, season: int):
        AutoTheta = statsforecast_models().AutoTheta
        decomposition = "multiplicative" if self._positive(y) else "additive"
        return AutoTheta(season_length=season, decomposition_type=decomposition,
                         model=None if self.variant == "auto" else self.variant)

    def sample_one(self, state, horizon: int, num_samples: int, rng: np.random.Generator) -> np.ndarray:
        model = state.model_
        noise = error_scale(model) * stratified_normal(rng, num_samples, horizon)
        return reseasonalise(model, run_forward(model, noise))

    def mean_one(self, state, horizon: int) -> np.ndarray:
        model = state.model_
        return reseasonalise(model, run_forward(model, np.zeros((1, horizon))))[0]


def run_forward(model: dict, noise: np.ndarray) -> np.ndarray:
    """Deseasonalised paths (paths, steps) of a fitted statsforecast Theta model: its state
    equations run on from the last state, each step's value its one-step forecast plus that
    step's ``noise``. A and B, the coefficients of the linear trend, stay fixed in the
    standard and optimised models and follow the data in the dynamic ones."""
    level, mean_y, trend_a, trend_b = (np.full(len(noise), value) for value in model["states"][-1][:4])
    alpha, theta = model["par"]["alpha"], model["par"]["theta"]
    dynamic = model["modeltype"] in ("DSTM", "DOTM")
    paths = np.empty_like(noise)
    for step in range(noise.shape[1]):
        t = model["n"] + step  # the time index of the equations: observations so far
        trend = trend_a * (1 - alpha) ** t + trend_b * (1 - (1 - alpha) ** (t + 1)) / alpha
        y = level + (1 - 1 / theta) * trend + noise[:, step]
        level = alpha * y + (1 - alpha) * level
        new_mean = (t * mean_y + y) / (t + 1)
        if dynamic:  # B from the previous mean, A from the new one, as the compiled code does
            trend_b = ((t - 1) * trend_b + 6 * (y - mean_y) / (t + 1)) / (t + 2)
            trend_a = new_mean - trend_b * (t + 2) / 2
        mean_y = new_mean
        paths[:, step] = y
    return paths


def seasonal_indices(model: dict, steps: np.ndarray) -> np.ndarray:
    """The classical decomposition's seasonal component at ``steps`` (0: the first
    observation), from the last season statsforecast keeps: the component repeats."""
    last_season = np.asarray(model["seas_forecast"]["mean"], dtype=float)
    return last_season[(steps - model["n"]) % len(last_season)]


def reseasonalise(model: dict, paths: np.ndarray) -> np.ndarray:
    if not model.get("decompose", False):
        return paths
    season = seasonal_indices(model, model["n"] + np.arange(paths.shape[1]))
    return paths * season if model["decomposition_type"] == "multiplicative" else paths + season


def error_scale(model: dict) -> float:
    """The one-step errors' standard deviation on the deseasonalised scale, from the
    residuals after the first three (the states' burn-in), as statsforecast takes it."""
    residuals = np.asarray(model["residuals"], dtype=float)
    if model.get("decompose", False):  # statsforecast stored them reseasonalised: undo it
        season = seasonal_indices(model, np.arange(len(residuals)))
        multiplicative = model["decomposition_type"] == "multiplicative"
        residuals = residuals / season if multiplicative else residuals - season
    tail = residuals[3:] if len(residuals) >= 5 else residuals
    return float(np.std(tail, ddof=1))
