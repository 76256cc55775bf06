"""Exponential smoothing (ETS) state space models, fitted by maximum likelihood.

Hyndman, Koehler, Snyder & Grose (2002), "A state space framework for automatic
forecasting using exponential smoothing methods", as in R's ``forecast::ets``
(Hyndman & Khandakar 2008), through statsforecast's ``AutoETS``. With ``"auto"``
settings the error (additive, or multiplicative for positive data), trend (none,
additive, damped additive) and season (none, additive, multiplicative for positive
data) are chosen by AICc; additive errors are never paired with a multiplicative
season, which is numerically unstable. As in R, seasons longer than 24 steps (weekly
data's 52) are not modelled. Sample paths are simulated from the fitted state space
model here, vectorized over paths (statsforecast 2.1's own ``simulate`` drops an
undamped trend: it reads the missing damping parameter as 0, not 1). ``transform="log"``
fits the models to log(y), with additive components only, as R's ``ets`` does under a
Box-Cox transform: exponential growth becomes a linear trend.

Centring (``center="mean"``, the default): the paths are translated, each step by its
own amount, so that their median, the point forecast everywhere in forecastgen, is the
model's conditional mean (statsforecast's and R's point forecast) exactly. A model with
a multiplicative part (error, trend or season) simulates right-skewed paths whose median
falls below that mean as the horizon grows, and too low: the actual value lay above it
for 56% of M1's test steps and 62% of Tourism's, averaged over series (73% and 64% of
their yearly ones). For a model with additive parts only, whose median is its mean
already, the translation removes the sampling noise of the paths' median. On all of M1
it lowers mean MASE by 2.2%, sMAPE by 1.9% and scaled CRPS by 1.8%; on Tourism by 4.3%,
5.0% and 2.5%; on the 269 dev series MASE by 2.0%, while sMAPE and CRPS rise by 0.8% and
1.0% (its falling daily series); each data set's coverage moves by under 0.015, the dev
daily series' 80% coverage from 0.62 to 0.50 (benchmarks/results/ets_centring.md). With
one path, that path is the point forecast. ``center="model"`` keeps the model's own
paths.

statsforecast's optimiser fits some trended seasonal models worse than statsmodels'
(the airline series: it puts ETS(M,A,M) 54 AICc points behind ETS(M,N,M), statsmodels
11 points ahead), so it chooses ETS(M,N,M) there; over the 269 dev series its AutoETS
is the more accurate (benchmarks/results/forecast_benchmark.md).

Deviations: the history is cut to its last ``max_history`` points (at least two
seasons): old data barely moves the smoothed states. Where the trend is chosen
(``trend="auto"``), ``search="pruned"`` (the default) fits every undamped form, then the
damped trend only with the error and season of the best undamped one, instead of every
damped form (they cost over half of the search). On 1,200 M1 and Tourism series it chose
the same form as the whole search for 97.2% of them, slightly more accurately (mean MASE
1.981 against 1.991) in 61% of the time (benchmarks/results/ets_search.txt).
``search="every"`` is statsforecast's AutoETS search unchanged. (Unlike R's, its loop
hands each form the bounds that the forms before it narrowed: a trended form caps the
trend's smoothing at its starting alpha for all later forms. The lone damped fit here
starts from the full bounds, one reason the pruned search is no worse.)
"""

from __future__ import annotations

import numpy as np

from forecastgen.errors import InputError
from forecastgen_classical.statsforecast_model import (
    StatsforecastModel,
    is_fit_failure,
    statsforecast_models,
    stratified_normal,
)

ERRORS = {"auto": "Z", "add": "A", "mul": "M"}
TRENDS = {"auto": ("Z", None), "none": ("N", None), "add": ("A", False), "damped": ("A", True)}
SEASONALS = {"auto": "Z", "none": "N", "add": "A", "mul": "M"}
SEARCHES = ("pruned", "every")
CENTERS = ("mean", "model")


class ETS(StatsforecastModel):
    name = "ets"
    capabilities = frozenset({"forecast", "series", "covariates"})
    parameter_help = {
        "error": "auto (chosen by AICc), add or mul (multiplicative: positive series only)",
        "trend": "auto (chosen by AICc), none, add or damped",
        "seasonal": "auto (chosen by AICc), none, add or mul (positive series only)",
        "search": "pruned (the damped trend only with the best undamped form's error and season) or every",
        "center": "mean (paths centred so their median is the conditional mean) or model (its own paths)",
    }

    def __init__(self, error: str = "auto", trend: str = "auto", seasonal: str = "auto",
                 season_length: int | None = None, max_history: int | None = 500,
                 transform: str = "none", search: str = "pruned", center: str = "mean",
                 n_jobs: int | None = None):
        self.store_params(locals())

    def standardization(self) -> str:
        """With additive errors every form is additive, and the series is fitted standardized:
        statsforecast's optimizer starts its initial states from, and steps by, amounts that
        do not move with the data, so a shifted series ended elsewhere (its forecast up to
        16% of the history's range off). Standardized, the forecast follows any change of
        location and scale (a*y + b) exactly."""
        return "location-scale" if self.error == "add" else "none"

    def check_params(self) -> None:
        super().check_params()
        for name, valid in (("error", ERRORS), ("trend", TRENDS), ("seasonal", SEASONALS)):
            value = getattr(self, name)
            if value not in valid:
                raise InputError(f"ets: {name} must be {', '.join(valid)}, not {value!r}")
        if self.search not in SEARCHES:
            raise InputError(f"ets: search must be {' or '.join(SEARCHES)}, not {self.search!r}")
        if self.center not in CENTERS:
            raise InputError(f"ets: center must be {' or '.join(CENTERS)}, not {self.center!r}")

    def fit_one(self, y: np.ndarray, season: int):
        if self.search == "every" or self.trend != "auto":  # a set trend leaves nothing to prune
            return super().fit_one(y, season)
        return self._fit_pruned(y, season)

    def _fit_pruned(self, y: np.ndarray, season: int):
        """The lower-AICc of the best undamped form and of the damped trend with that form's
        error and season (see the module's docstring)."""
        AutoETS = statsforecast_models().AutoETS
        components, _ = self._components(y, season)
        try:
            undamped = AutoETS(season_length=season, model=components, damped=False).fit(y)
        except Exception as exc:
            if not is_fit_failure(exc):
                raise
            return super().fit_one(y, season)  # the whole search, and its error if it fails too
        error, _, seasonal, _ = undamped.model_["components"]
        try:
            damped = AutoETS(season_length=season, model=f"{error}A{seasonal}", damped=True).fit(y)
        except Exception as exc:
            if not (is_fit_failure(exc) or isinstance(exc, (ValueError, ArithmeticError))):
                raise
            return undamped  # the search without the damped form, as AutoETS skips a form it cannot fit
        return damped if damped.model_["aicc"] < undamped.model_["aicc"] else undamped

    def _model(self, y: np.ndarray, season: int):
        AutoETS = statsforecast_models().AutoETS
        components, damped = self._components(y, season)
        return AutoETS(season_length=season, model=components, damped=damped)

    def _components(self, y: np.ndarray, season: int) -> tuple[str, bool | None]:
        """statsforecast's model string (error, trend, season: A, M, N or Z for 'choose')
        and whether the trend is damped (None: choose)."""
        error, seasonal = ERRORS[self.error], SEASONALS[self.seasonal]
        if not self._positive(y):  # multiplicative parts need positive data on its own scale
            error = "A" if error == "Z" else error
            seasonal = "A" if seasonal == "Z" else seasonal
        trend, damped = TRENDS[self.trend]
        return error + trend + (seasonal if season > 1 else "N"), damped

    def sample_one(self, state, horizon: int, num_samples: int, rng: np.random.Generator) -> np.ndarray:
        paths = simulate(state.model_, horizon, num_samples, rng)
        if self.center == "model":
            return paths
        return paths + (super().mean_one(state, horizon) - np.median(paths, axis=0))

    def mean_one(self, state, horizon: int) -> np.ndarray | None:
        """The conditional mean, where it is the mean of the paths: for the model's own
        paths, and for centred paths of a symmetric model (additive parts only). Centred
        skewed paths have a mean above it (the table shows their mean)."""
        if self.center == "model" or not is_skewed(state.model_):
            return super().mean_one(state, horizon)
        return None


def is_skewed(model: dict) -> bool:
    """Whether a fitted ETS model has a multiplicative error, trend or season."""
    return "M" in model["components"][:3]


def simulate(model: dict, horizon: int, num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Sample paths (num_samples, horizon) of a fitted statsforecast ETS model: its state
    space equations run forward from the last state with Gaussian errors (Hyndman et al.
    2008, chapter 2; R's ``etssimulate``, the equations of ``forecast``'s C code), each
    step's errors stratified (``stratified_normal``)."""
    error, trend, season, damped = model["components"]
    alpha, beta, gamma, phi = np.nan_to_num(np.asarray(model["par"][:4], dtype=float))
    phi = phi if damped == "D" else 1.0
    last = model["states"][-1]
    level = np.full(num_samples, last[0])
    slope = np.full(num_samples, last[1] if trend != "N" else 0.0)
    first_season = 2 if trend != "N" else 1
    period = model["m"] if season != "N" else 1
    # newest first; a model without a season gets one neutral state it never changes
    neutral = 1.0 if season == "M" else 0.0
    seasonal = (np.tile(last[first_season:first_season + period], (num_samples, 1))
                if season != "N" else np.full((num_samples, 1), neutral))
    noise = np.sqrt(model["sigma2"]) * stratified_normal(rng, num_samples, horizon)
    paths = np.empty((num_samples, horizon))
    for step in range(horizon):
        oldest = seasonal[:, -1]  # the seasonal state of this step, one period ago
        damped_slope = phi * slope if trend != "M" else slope ** phi
        base = level * damped_slope if trend == "M" else level + damped_slope
        forecast = base * oldest if season == "M" else base + oldest
        y = forecast * (1.0 + noise[:, step]) if error == "M" else forecast + noise[:, step]
        deseasoned = y / oldest if season == "M" else y - oldest
        new_level = base + alpha * (deseasoned - base)
        if trend != "N":
            growth = new_level / level if trend == "M" else new_level - level
            slope = damped_slope + (beta / alpha) * (growth - damped_slope)
        if season != "N":
            detrended = y / base if season == "M" else y - base
            seasonal = np.column_stack([oldest + gamma * (detrended - oldest), seasonal[:, :-1]])
        level = new_level
        paths[:, step] = y
    return paths
