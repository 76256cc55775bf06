"""``WindowForecaster``: a density model of windows, used as a series forecaster.

A density model learns p(x) over fixed-length windows; a window's future part given
its past is a forecast. This adapter cuts every window of ``context + horizon``
steps from all series, standardizes each by the mean and standard deviation of its
context part (so one model serves series of any level), fits the density model on
them, and forecasts each series by sampling the future part of its last window given
the standardized last ``context`` values (``sample_future``: exact conditioning for
a Gaussian mixture). A model with a ``context_length`` parameter conditions on a fixed
past: the adapter uses the model's context when it is set and sets it when it is not.
Horizons longer than the window's future part are reached by
feeding the samples back as context. Forecasts are guarded like every other model's:
unusable paths fall back to seasonal naive with a note.

Covariates, where the density model takes them (the ``covariates`` capability: ``fit(windows,
conditions=)`` and ``sample_future(..., conditions=)``), enter twice. A regression on them
(``forecastgen.covariate_regression``) takes out their linear effects, which a few hundred
windows teach a network poorly, and the model learns the windows of what is left,
conditioned on the covariates over all the window's steps, standardized
(``forecastgen.covariate_inputs``; (windows, length, covariates)), for what the regression
misses. A forecast gives the known future values; where the last block ends before the
window does, the steps after the horizon repeat its last covariates.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from forecastgen.covariate_inputs import CovariateInputs
from forecastgen.covariate_regression import covariate_effects
from forecastgen.data import SeriesSet, as_series_set
from forecastgen.errors import InputError
from forecastgen.forecasts import Forecast
from forecastgen.interfaces import (
    COVARIATES,
    FORECAST,
    SERIES,
    DensityModel,
    SequenceGenerator,
    clone,
)
from forecastgen.per_series import guard_paths

MIN_CONTEXT = 4
MIN_WINDOWS = 20


class WindowForecaster(SequenceGenerator):
    def __init__(self, model: DensityModel, context_length: int | None = None,
                 prediction_length: int | None = None):
        self.store_params(locals())

    @property
    def capabilities(self) -> frozenset[str]:
        """Forecasting series, and covariates where the density model takes them."""
        return frozenset({FORECAST, SERIES}) | (frozenset({COVARIATES}) & self.model.capabilities)

    @property
    def name(self) -> str:  # the wrapped model's name, in notes and forecasts
        return getattr(self.model, "name", "window model")

    def fit(self, data) -> WindowForecaster:
        if not self.model.supports(FORECAST):
            raise InputError(f"model '{self.name}' cannot forecast: it does not sample the future "
                             "part of a window")
        data = as_series_set(data)
        self.covariate_effects_ = covariate_effects(self, data)
        original = data
        if self.covariate_effects_ is not None:
            data = self.covariate_effects_.remove(data)
        self.prediction_ = int(self.prediction_length or data.freq.default_horizon)
        self.context_ = self._context(data)
        self.model_ = clone(self.model)  # the parameter stays as given (scikit-learn's rule)
        if "context_length" in self.model_.get_params():
            self.model_.set_params(context_length=self.context_)
        length = self.context_ + self.prediction_
        windows = np.concatenate([_windows(data.values(key), length) for key in data.ids])
        if len(windows) < MIN_WINDOWS:
            raise InputError(f"{self.name}: the series give {len(windows)} windows of "
                             f"{length} steps, fewer than {MIN_WINDOWS}; "
                             "give longer series or a smaller context_length/prediction_length")
        self.covariate_inputs_ = CovariateInputs.fit(data)
        conditions = {}
        if self.covariate_inputs_ is not None:
            conditions["conditions"] = np.concatenate(
                [_windows(self.covariate_inputs_.past(data, key), length) for key in data.ids])
        self.model_.fit(_standardize(windows, self.context_)[0], **conditions)
        self.data_, self.season_ = original, data.freq.season
        return self

    def predict(self, horizon: int | None = None, num_samples: int = 200,
                seed: int | None = None, future=None) -> Forecast:
        """Sample paths of the fitted series; ``future``: the covariates' values over the
        horizon, where the series came with covariates (by default, those they came with)."""
        self.check_is_fitted()
        original = self.data_ if future is None else self.data_.with_future(future)
        horizon = int(original.default_horizon if horizon is None else horizon)
        original.check_horizon(horizon)
        effects = self.covariate_effects_
        data = original if effects is None else effects.remove(original)
        rng = np.random.default_rng(seed)
        samples, index, notes = {}, {}, []
        for key in data.ids:
            y = data.values(key)
            covariates = self._covariate_timeline(data, key, horizon)
            samples[key] = guard_paths(self._sample(y, horizon, num_samples, rng, covariates), y,
                                       self.season_, rng, notes, key, self.name)
            index[key] = data.future_index(key, horizon)
        forecast = Forecast(samples, index, model=self.name, history=dict(data.series), notes=notes)
        return forecast if effects is None else effects.add(forecast, original)

    def _covariate_timeline(self, data: SeriesSet, key: str, horizon: int) -> np.ndarray | None:
        """The standardized covariates of the last context and the horizon, repeated after it
        to the end of the last window (context + horizon + prediction, covariates)."""
        if self.covariate_inputs_ is None:
            return None
        timeline = np.concatenate([self.covariate_inputs_.past(data, key)[-self.context_:],
                                   self.covariate_inputs_.future(data, key, horizon)])
        return np.concatenate([timeline, np.repeat(timeline[-1:], self.prediction_, axis=0)])

    def _sample(self, y: np.ndarray, horizon: int, num_samples: int, rng,
                covariates: np.ndarray | None = None) -> np.ndarray:
        """Paths (num_samples, horizon): blocks of up to ``prediction_`` steps, each given the
        last ``context_`` values of the history and of the path so far (and the covariates
        over its window, ``covariates``: the timeline from the last context on)."""
        paths = np.tile(y[-self.context_:], (num_samples, 1))
        while paths.shape[1] < self.context_ + horizon:
            context = paths[:, -self.context_:]
            scaled, loc, scale = _standardize(context, self.context_)
            steps = min(self.prediction_, self.context_ + horizon - paths.shape[1])
            block_seed = int(rng.integers(2**31))
            first = paths.shape[1] == self.context_  # the first block: one shared context
            conditions = {}
            if covariates is not None:
                start = paths.shape[1] - self.context_
                window = covariates[start:start + self.context_ + self.prediction_]
                conditions["conditions"] = np.repeat(window[None], 1 if first else num_samples, axis=0)
            if first:
                block = self.model_.sample_future(scaled[:1], steps, num_samples, seed=block_seed,
                                                  **conditions)[0]
            else:
                block = self.model_.sample_future(scaled, steps, 1, seed=block_seed, **conditions)[:, 0]
            paths = np.concatenate([paths, block * scale[:, None] + loc[:, None]], axis=1)
        return paths[:, self.context_:]

    def _context(self, data: SeriesSet) -> int:
        fixed = self.context_length or self.model.get_params().get("context_length")
        if fixed:
            return int(fixed)
        season = data.freq.season
        wanted = max(2 * season if season > 1 else 0, self.prediction_, 12)
        room = data.shortest() - self.prediction_ - MIN_WINDOWS + 1
        context = min(wanted, room)
        if context < MIN_CONTEXT:
            raise InputError(f"{self.name}: the shortest series has {data.shortest()} points, too "
                             f"few for windows of {MIN_CONTEXT}+{self.prediction_} steps")
        return context


def as_forecaster(model) -> SequenceGenerator:
    """``model`` itself if it forecasts series, else the window adapter around it; a model that
    cannot forecast is refused, saying so."""
    if not model.supports(FORECAST):
        interface = "density" if isinstance(model, DensityModel) else "sequence"
        raise InputError(f"model '{model.name}' is a {interface} model that cannot forecast: it "
                         "learns fixed-shape items; `forecastgen models` shows each model's capabilities")
    return WindowForecaster(model) if isinstance(model, DensityModel) else model


def forecaster_named(name: str, **params) -> SequenceGenerator:
    """A new forecaster of series from a registered name and its parameters (a density model of
    windows through the window adapter)."""
    from forecastgen.registry import create

    return as_forecaster(create(name, **params))


def _windows(y: np.ndarray, length: int) -> np.ndarray:
    """Every window of ``length`` steps of ``y`` (steps[, columns]): (n, length[, columns])."""
    if len(y) < length:
        return np.empty((0, length, *y.shape[1:]))
    windows = sliding_window_view(y, length, axis=0).astype(np.float64)
    return windows if y.ndim == 1 else windows.transpose(0, 2, 1)


def _standardize(windows: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row minus its context's mean, over its context's standard deviation."""
    loc = windows[:, :context].mean(axis=1)
    spread = windows[:, :context].std(axis=1)
    scale = np.maximum(spread, np.maximum(1e-2 * np.abs(loc), 1e-6))
    return (windows - loc[:, None]) / scale[:, None], loc, scale
