"""``damped``: the damped-trend method, one fixed form, no model search.

Gardner & McKenzie (1985), "Forecasting trends in time series", Management Science 31(10):
Holt's linear trend with a damping parameter phi < 1 that flattens the trend as the horizon
grows, so a short history's slope is not extrapolated in full; seasonal data get Holt-Winters'
season, additive by default. A robust benchmark (Gardner 2006, "Exponential smoothing: the
state of the art, part II", International Journal of Forecasting 22(4)).

Fitted as statsmodels' ``ExponentialSmoothing(trend="add", damped_trend=True,
seasonal="add")`` fits it: smoothing parameters, damping (up to 0.995) and initial states by
least squares. statsmodels starts its optimiser from the best point of a grid of about 10,000
smoothing parameters, which it scores one Python call at a time (over half of its fit time);
here the grid is scored at once, vectorized over its points, and handed to statsmodels as its
start: the same start, so the same fit, in half the time.

The same form fitted by likelihood through statsforecast, whose damping stops at 0.98,
forecast the dev series less well (geometric mean of MASE relative to seasonal naive 0.666
against 0.610; monthly 0.592 against 0.507: benchmarks/results/default_study.md): a long
trending history's slope is damped too soon. Sample paths run the fitted equations
forward with Gaussian errors of the residuals' variance (the ETS(A,Ad,A) state space model
whose point forecast this is; with ``seasonal="mul"``, ETS(M,Ad,M) and relative errors), and
are centred on the method's forecast as ``ets``'s are. As R's ``ets`` does, seasons longer
than ``MAX_SEASON`` steps (weekly data's 52) are not modelled, nor a season the history does
not hold twice. Where the fit fails the series falls back to seasonal naive with a note.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np

from forecastgen.errors import InputError
from forecastgen.per_series import ForecastFailed
from forecastgen_classical.ets import ETS

SEASONS = ("add", "mul")
MAX_SEASON = 24


@dataclass
class HoltWinters:
    """A fitted damped-trend Holt-Winters: its forecast, and its state in the layout of
    statsforecast's ETS models (``model_``) that ``ets.simulate`` runs forward."""

    model_: dict
    forecast: np.ndarray

    def predict(self, horizon: int) -> dict[str, np.ndarray]:
        if horizon > len(self.forecast):
            self.forecast = forecast_states(self.model_, horizon)
        return {"mean": self.forecast[:horizon]}


class DampedTrend(ETS):
    name = "damped"
    parameter_help = {
        "seasonal": "add (Holt-Winters' additive season) or mul (multiplicative: positive series only)",
    }
    trend = "damped"
    search = "pruned"  # one fixed form: nothing is searched
    center = "mean"

    def __init__(self, seasonal: str = "add", season_length: int | None = None,
                 max_history: int | None = 500, transform: str = "none", n_jobs: int | None = None):
        self.store_params(locals())

    @property
    def error(self) -> str:
        """Additive errors with an additive season, multiplicative ones with a multiplicative."""
        return "mul" if self.seasonal == "mul" else "add"

    def check_params(self) -> None:
        if self.seasonal not in SEASONS:
            raise InputError(f"damped: seasonal must be {' or '.join(SEASONS)}, not {self.seasonal!r}")
        super().check_params()

    def fit_one(self, y: np.ndarray, season: int) -> HoltWinters:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        seasonal = self.seasonal if 1 < season <= MAX_SEASON and len(y) >= 2 * season else None
        if seasonal == "mul" and y.min() <= 0:
            seasonal = "add"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence notes: the fit is checked below
            model = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal=seasonal,
                                         seasonal_periods=season if seasonal else None)
            fitted = model.fit(start_params=grid_start(model, y, seasonal), use_brute=False)
        forecast = np.asarray(fitted.forecast(MAX_FORECAST), dtype=float)
        if not (np.isfinite(fitted.sse) and np.all(np.isfinite(forecast))):
            raise ForecastFailed("the damped trend's fit did not converge")
        return HoltWinters(state_space(fitted, forecast, y, seasonal, season), forecast)


MAX_FORECAST = 200  # steps forecast at fit time; a longer horizon runs the states forward
GRID_POINTS = 87  # statsmodels' brute-force grid: 87 // (number of smoothing parameters) values of alpha
PHI_START = 0.99  # statsmodels' starting damping, with which the grid is scored


def grid_start(model, y: np.ndarray, seasonal: str | None) -> np.ndarray:
    """The start statsmodels' ``fit(use_brute=True)`` finds, in its parameter order (alpha,
    beta, gamma if seasonal, initial level and slope, phi, initial seasonal states): its
    initial states, and the smoothing parameters of its grid whose one-step-ahead errors
    have the least sum of squares (the first such point, as its loop keeps)."""
    level, slope, season_states = model.initial_values()
    season_states = list(season_states) if seasonal else []
    grid = smoothing_grid(seasonal is not None)
    sse = one_step_sse(y, grid, level, slope, season_states, seasonal)
    best = grid[np.argmin(np.where(np.isnan(sse), np.inf, sse))]
    return np.array([*best, level, slope, PHI_START, *season_states])


@functools.cache
def smoothing_grid(seasonal: bool) -> np.ndarray:
    """statsmodels' grid (``ExponentialSmoothing._setup_brute`` with bounds 0-1), in its order:
    alpha on a regular grid, and for each alpha, beta from 0 to alpha and gamma from 0 to
    1 - alpha on grids that thin out as the range narrows."""
    steps = GRID_POINTS // (3 if seasonal else 2)
    rows = []
    for alpha in np.linspace(0.005, 0.995, steps):
        betas = np.linspace(0.0, alpha, int(np.ceil(steps * np.sqrt(alpha))))
        if not seasonal:
            rows.append(np.column_stack([np.full(len(betas), alpha), betas]))
            continue
        gammas = np.linspace(0.0, 1.0 - alpha, int(np.ceil(steps * np.sqrt(1.0 - alpha))))
        beta_grid, gamma_grid = np.meshgrid(betas, gammas)
        rows.append(np.column_stack([np.full(beta_grid.size, alpha), beta_grid.ravel(), gamma_grid.ravel()]))
    return np.vstack(rows)


def one_step_sse(y: np.ndarray, grid: np.ndarray, level0: float, slope0: float,
                 season_states: list[float], seasonal: str | None) -> np.ndarray:
    """The sum of squared one-step-ahead errors of Holt-Winters' damped trend (statsmodels'
    error-free recursions, damping ``PHI_START``) for every row (alpha, beta[, gamma]) of
    ``grid`` at once."""
    alpha, beta = grid[:, 0], grid[:, 1]
    gamma = grid[:, 2] if seasonal else 0.0
    period = len(season_states) if seasonal else 1
    level, slope = np.full(len(grid), float(level0)), np.full(len(grid), float(slope0))
    states = np.tile(np.asarray(season_states if seasonal else [0.0], dtype=float)[:, None], (1, len(grid)))
    multiplicative = seasonal == "mul"
    sse = np.zeros(len(grid))
    for t, value in enumerate(y):
        base = level + PHI_START * slope
        state = states[t % period]  # this step's seasonal state, set one period ago
        error = value - (base * state if multiplicative else base + state)
        sse += error * error
        if multiplicative:
            new_level = alpha * value / state + (1 - alpha) * base
            states[t % period] = gamma * value / base + (1 - gamma) * state
        else:
            new_level = alpha * value - alpha * state + (1 - alpha) * base
            states[t % period] = gamma * value - gamma * base + (1 - gamma) * state
        slope = beta * (new_level - level) + (1 - beta) * PHI_START * slope
        level = new_level
    return sse


def state_space(fitted, forecast: np.ndarray, y: np.ndarray, seasonal: str | None, season: int) -> dict:
    """The fit as statsforecast's ETS dict: components, (alpha, beta, gamma, phi) in the
    error-correction form (beta = alpha x Holt's trend smoothing), the last state (level,
    slope, seasonal states newest first) and the error variance."""
    params = fitted.params
    alpha, phi = float(params["smoothing_level"]), float(params["damping_trend"])
    beta = alpha * float(params["smoothing_trend"])
    gamma = float(params["smoothing_seasonal"]) if seasonal else 0.0
    level, slope = float(fitted.level[-1]), float(fitted.trend[-1])
    state = [level, slope]
    if seasonal:  # the states the forecast's first season uses (statsmodels keeps the newest apart)
        trend_part = level + slope * np.cumsum(phi ** np.arange(1, season + 1))
        first_season = forecast[:season]
        states = first_season / trend_part if seasonal == "mul" else first_season - trend_part
        state += list(states[::-1])
    fitted_values = np.asarray(fitted.fittedvalues, dtype=float)
    errors = y - fitted_values
    if seasonal == "mul":
        errors = errors / np.where(fitted_values == 0, np.nan, fitted_values)
    sigma2 = float(np.nanmean(errors ** 2))
    season_letter = {"add": "A", "mul": "M", None: "N"}[seasonal]
    components = ("M" if seasonal == "mul" else "A") + "A" + season_letter + "D"
    return {"components": components, "par": [alpha, beta, gamma, phi], "states": np.array([state]),
            "m": season if seasonal else 1, "sigma2": sigma2}


def forecast_states(model: dict, horizon: int) -> np.ndarray:
    """The point forecast from the last state, for any horizon."""
    from forecastgen_classical.ets import simulate

    noiseless = {**model, "sigma2": 0.0}
    return simulate(noiseless, horizon, 1, np.random.default_rng(0))[0]
