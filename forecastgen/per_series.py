"""``PerSeriesForecaster``: the base for models fitted one series at a time.

A subclass implements two small methods on plain numpy arrays:

- ``fit_one(y, season) -> state`` learns from one series;
- ``sample_one(state, horizon, num_samples, rng) -> paths`` draws sample paths;

and may add a third, where the model knows its predictive mean:

- ``mean_one(state, horizon) -> mean`` (the forecast table's mean column; without it the
  paths' mean).

A model that offers ``transform="log"`` (a Box-Cox transform with lambda 0) is fitted
to log(y) and its paths are exponentiated: growth by a constant rate becomes a linear
trend and the spread grows with the level; the paths' median is exp of the log-scale
median, so point forecasts (sample medians) carry no retransformation bias.

A model may ask to be fitted on the standardized series (``standardization()``: divided
by its mean absolute value, or shifted and scaled to a fixed mean and unit standard
deviation); its paths and mean are mapped back. The forecast then follows a change of
the data's scale (and location) exactly, and a series of level 1e15 or 1e-12 fits like
one of level 1.

The base does everything else, the same way for every local model: it reads any
input the library accepts, trims each history to ``max_history`` points, handles
constant series, guards every forecast (finite, within a sane multiple of the
history's range) and falls back to a simpler model with a note when the model fails
or produces garbage, and builds the ``Forecast``. Series are fitted and forecast in
parallel over ``n_jobs`` worker processes (``engine/parallel.py``; by default every
core, for files of many series), each series with a random generator of its own, so
the numbers are the same whatever the number of jobs. ``fit_predict`` fits and samples
each series in one visit to a worker. The fitted states stay in this process as the
bytes the workers pickled (``PackedStates``), unpickled only where someone asks for one.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Iterator, Mapping
from functools import partial

import numpy as np

from forecastgen.covariate_regression import covariate_effects
from forecastgen.data import as_series_set
from forecastgen.engine.parallel import map_chunks, resolve_jobs, series_generators
from forecastgen.errors import InputError
from forecastgen.forecasts import Forecast
from forecastgen.interfaces import SequenceGenerator, clone
from forecastgen.progress import track

# a forecast band may reach this many history ranges beyond the history's extremes
SANE_RANGE_MULTIPLE = 10.0
RELATIVE_SPAN = 1e-6  # the least range a history is given, relative to its largest absolute value
TRANSFORMS = ("none", "log")
STANDARDIZATIONS = ("none", "scale", "location-scale")
# "location-scale" gives the series this mean (and a standard deviation of 1): statsforecast's
# ETS fits series centred on 0 worse (additive ETS on the 269 dev series: MASE 1.567 centred on
# 0, 1.543 at mean 10, 1.539 as the series come; sMAPE 18.64, 18.01, 17.97)
STANDARD_LEVEL = 10.0


class ForecastFailed(Exception):
    """A model's fit or forecast for one series cannot be used."""


class PerSeriesForecaster(SequenceGenerator):
    """A sequence generator that fits one statistical model per series."""

    max_history: int | None
    season_length: int | None
    transform: str = "none"  # models that offer "log" take it as a parameter
    n_jobs: int | None = None  # worker processes over series; None: every usable core

    def fit(self, data) -> PerSeriesForecaster:
        self.check_params()
        tasks = self._prepare(data)
        fitted = _flatten(map_chunks(self._worker()._fit_chunk, tasks, self.n_jobs))
        self._keep_states(track(fitted, len(tasks), f"fitting {self.name}"))
        return self

    def predict(self, horizon: int | None = None, num_samples: int = 200,
                seed: int | None = None, future=None) -> Forecast:
        """Sample paths of the fitted series; ``future``: the covariates' values over the
        horizon, where the series came with covariates (by default, those they came with)."""
        self.check_is_fitted()
        if future is not None:
            self.data_ = self.data_.with_future(future)
        horizon = _checked_horizon(self.data_, horizon, num_samples)
        keys = self.data_.ids
        tasks = [(key, self.states_.packed(key), self.histories_[key], self.seasons_[key], rng)
                 for key, rng in zip(keys, series_generators(seed, keys))]
        drawn = _flatten(map_chunks(partial(self._worker()._predict_chunk, horizon, num_samples),
                                    tasks, self.n_jobs))
        return self._forecast(drawn, horizon)

    def fit_predict(self, data, horizon: int | None = None, num_samples: int = 200,
                    seed: int | None = None) -> Forecast:
        """``fit(data).predict(horizon, num_samples, seed)`` in one pass over the series: each
        worker fits a series and samples it at once, so the fitted states make one trip instead
        of three (to the parent, back to a worker, and the paths to the parent). The same
        numbers, and the model is fitted afterwards as after ``fit``. A subclass that
        overrides ``fit`` or ``predict`` gets exactly those instead."""
        own = type(self)
        if own.fit is not PerSeriesForecaster.fit or own.predict is not PerSeriesForecaster.predict:
            return super().fit_predict(data, horizon, num_samples, seed)
        self.check_params()
        data = as_series_set(data)
        horizon = _checked_horizon(data, horizon, num_samples)
        tasks = self._prepare(data)
        tasks = [task + (rng,) for task, rng in zip(tasks, series_generators(seed, data.ids))]
        chunk_results = map_chunks(partial(self._worker()._fit_predict_chunk, horizon, num_samples),
                                   tasks, self.n_jobs)
        label = f"fitting and sampling {self.name}"
        fitted, drawn = _unzip(track(_flatten(chunk_results), len(tasks), label))
        self._keep_states(fitted)
        return self._forecast(drawn, horizon)

    def _prepare(self, data) -> list[tuple]:
        """Check ``data``, keep each series' recent history and season; one (key, history,
        season) task a series."""
        data = as_series_set(data)
        self.data_ = data
        self.covariate_effects_ = covariate_effects(self, data)
        if self.covariate_effects_ is not None:  # the model learns the errors of the regression
            data = self.covariate_effects_.remove(data)
        self.histories_, self.seasons_ = {}, {}
        for key, series in data:
            y = self._recent(series.to_numpy(dtype=float), data.freq.season)
            self._check_transformable(key, y)
            self.histories_[key], self.seasons_[key] = y, self._season_for(len(y), data.freq.season)
        return [(key, self.histories_[key], self.seasons_[key]) for key in data.ids]

    def _keep_states(self, fitted) -> None:
        """Keep each series' fitted state and the fit's notes, from (packed state, note) in
        series order."""
        packed, self.fit_notes_ = {}, []
        for key, (packed_state, note) in zip(self.data_.ids, fitted):
            packed[key] = packed_state
            self.fit_notes_ += [note] if note else []
        self.states_ = PackedStates(packed)

    def _forecast(self, drawn, horizon: int) -> Forecast:
        """The ``Forecast`` of (paths, mean, note) per series in series order; the fit's notes first."""
        keys = self.data_.ids
        samples, means, notes = {}, {}, []
        for key, (paths, mean, note) in zip(keys, drawn):
            samples[key] = paths
            if mean is not None:
                means[key] = mean
            notes += [note] if note else []
        index = {key: self.data_.future_index(key, horizon) for key in keys}
        forecast = Forecast(samples, index, model=self.name, history=dict(self.data_.series),
                            notes=self.fit_notes_ + notes, means=means)
        if self.covariate_effects_ is not None:
            forecast = self.covariate_effects_.add(forecast, self.data_)
        return forecast

    def _worker(self) -> PerSeriesForecaster:
        """An unfitted copy with the same parameters: what worker processes receive (not the data)."""
        return clone(self)

    def _fit_chunk(self, tasks: list) -> list:
        """(packed state, note) a series."""
        results = []
        for key, y, season in tasks:
            state, note = self._fit_guarded(key, y, season)
            results.append((pack_state(state), note))
        return results

    def _predict_chunk(self, horizon: int, num_samples: int, tasks: list) -> list:
        return [self._predict_guarded(key, unpack_state(packed), y, season, horizon, num_samples, rng)
                for key, packed, y, season, rng in tasks]

    def _fit_predict_chunk(self, horizon: int, num_samples: int, tasks: list) -> list:
        """((packed state, note), (paths, mean, note)) a series."""
        results = []
        for key, y, season, rng in tasks:
            state, note = self._fit_guarded(key, y, season)
            drawn = self._predict_guarded(key, state, y, season, horizon, num_samples, rng)
            results.append(((pack_state(state), note), drawn))
        return results

    # -- to implement ---------------------------------------------------------------------
    def check_params(self) -> None:
        """Refuse bad parameters before any fitting (extend it, calling super())."""
        for name in ("max_history", "season_length"):
            value = getattr(self, name, None)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise InputError(f"{self.display_name()}: {name} must be a positive integer or None, "
                                 f"not {value!r}")
        resolve_jobs(self.n_jobs)
        if self.transform not in TRANSFORMS:
            raise InputError(f"{self.display_name()}: transform must be one of {', '.join(TRANSFORMS)}, "
                             f"not {self.transform!r}")
        if self.standardization() not in STANDARDIZATIONS:
            raise InputError(f"{self.display_name()}: standardization() must give one of "
                             f"{', '.join(STANDARDIZATIONS)}, not {self.standardization()!r}")

    def fit_one(self, y: np.ndarray, season: int):
        raise NotImplementedError

    def sample_one(self, state, horizon: int, num_samples: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def mean_one(self, state, horizon: int) -> np.ndarray | None:
        """The exact mean of the paths ``sample_one`` draws, on the model's scale; None (the
        default) where the model does not know it: the table then shows the paths' mean."""
        return None

    # -- shared machinery -----------------------------------------------------------------
    def _check_transformable(self, key: str, y: np.ndarray) -> None:
        if self.transform == "log" and not y.min() > 0:
            raise InputError(f"{self.display_name()}: transform='log' needs positive values, but series "
                             f"'{key}' reaches {y.min():g}; use transform='none'")

    def standardization(self) -> str:
        """What the model is fitted on (``STANDARDIZATIONS``; a subclass overrides it): the
        series as it is ("none"), divided by its mean absolute value ("scale"), or shifted
        and scaled to mean ``STANDARD_LEVEL`` and standard deviation 1 ("location-scale", for
        models without multiplicative parts). Standardized, a series of level 1e15 or 1e-12
        gives the model's optimizer the same numbers as one of level 1: the forecast follows a
        change of scale (and of location) exactly, and extreme scales fit like ordinary ones."""
        return "none"

    def _units(self, transformed: np.ndarray) -> tuple[float, float]:
        """(location, scale) of the standardized series: transformed = location + scale * z."""
        how = self.standardization()
        if how == "location-scale":
            spread = float(np.std(transformed))
            return float(np.mean(transformed)) - STANDARD_LEVEL * spread, spread
        if how == "scale":
            return 0.0, float(np.mean(np.abs(transformed)))
        return 0.0, 1.0

    def _transformed(self, y: np.ndarray) -> np.ndarray:
        return np.log(y) if self.transform == "log" else y

    def _to_model_scale(self, y: np.ndarray) -> np.ndarray:
        """The history as the model is fitted on it: transformed, then standardized."""
        transformed = self._transformed(y)
        location, scale = self._units(transformed)
        return (transformed - location) / scale

    def _to_data_scale(self, paths: np.ndarray, units: tuple[float, float]) -> np.ndarray:
        """Paths (or a mean) on the model's scale back on the data's, by the history's ``units``."""
        location, scale = units
        transformed = location + scale * paths
        return np.exp(transformed) if self.transform == "log" else transformed

    def _recent(self, y: np.ndarray, season: int) -> np.ndarray:
        limit = self.max_history
        if limit is None:
            return y
        return y[-max(int(limit), 2 * season + 1):]

    def _season_for(self, length: int, calendar_season: int) -> int:
        season = self.season_length or calendar_season
        return season if season > 1 and length >= 2 * season else 1

    def _fit_guarded(self, key: str, y: np.ndarray, season: int) -> tuple:
        """The fitted state and a note, or the seasonal naive fallback and a note saying why."""
        if np.ptp(y) == 0:
            return ConstantState(float(y[-1])), None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return self.fit_one(self._to_model_scale(y), season), None
        except InputError:
            raise
        except (ForecastFailed, ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            return FALLBACK, (f"series '{key}': {self.name} could not be fitted "
                              f"({_short(exc)}); used seasonal naive instead")

    def _predict_guarded(self, key, state, y, season, horizon, num_samples, rng) -> tuple:
        """Sample paths, their exact mean (or None) and a note: the model's, or seasonal
        naive's with a note saying why."""
        if isinstance(state, ConstantState):
            return (np.full((num_samples, horizon), state.value), np.full(horizon, state.value),
                    constant_note(key, state.value))
        if isinstance(state, FallbackState):
            return (seasonal_naive_paths(y, season, horizon, num_samples, rng),
                    seasonal_naive_mean(y, season, horizon), None)
        units = self._units(self._transformed(y))  # the history's, for its paths and its mean
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                paths = self._to_data_scale(
                    np.asarray(self.sample_one(state, horizon, num_samples, rng), dtype=float), units)
            check_plausible(paths, y)
        except (ForecastFailed, ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            return (seasonal_naive_paths(y, season, horizon, num_samples, rng),
                    seasonal_naive_mean(y, season, horizon),
                    f"series '{key}': {self.name} gave an unusable forecast ({_short(exc)}); "
                    "used seasonal naive instead")
        return paths, self._exact_mean(state, horizon, y, units), None

    def _exact_mean(self, state, horizon: int, y: np.ndarray,
                    units: tuple[float, float]) -> np.ndarray | None:
        """``mean_one`` where it is the mean on the data's scale (not under a log transform,
        whose paths' exp has no simple mean) and plausible for the history ``y``; else None."""
        if self.transform != "none":
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mean = self.mean_one(state, horizon)
        except (ForecastFailed, ValueError, ArithmeticError, np.linalg.LinAlgError):
            return None  # the paths stand; the table shows their mean
        if mean is None:
            return None
        mean = self._to_data_scale(np.asarray(mean, dtype=float).reshape(-1), units)
        return mean if mean.shape == (horizon,) and _plausible(mean[None], y) else None


class PackedStates(Mapping):
    """The fitted state of each series, kept as the bytes the workers sent (``pack_state``)
    and unpacked only where asked for: ``states_[key]``. A forecast sends the bytes back to
    the workers as they are, so this process never unpacks a state, nor imports the
    model's library (statsforecast's import alone takes seconds)."""

    def __init__(self, packed: dict[str, bytes]):
        self._packed, self._unpacked = packed, {}

    def packed(self, key: str) -> bytes:
        return self._packed[key]

    def __getitem__(self, key: str):
        if key not in self._unpacked:
            self._unpacked[key] = unpack_state(self._packed[key])
        return self._unpacked[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)

    def __getstate__(self) -> dict:
        return {"_packed": self._packed, "_unpacked": {}}


def pack_state(state) -> bytes:
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def unpack_state(packed: bytes):
    return pickle.loads(packed)


class ConstantState:
    def __init__(self, value: float):
        self.value = value


class FallbackState:
    """The state of a series whose model could not be fitted: seasonal naive forecasts it.
    One instance, ``FALLBACK``, which stays itself through pickling (to a worker and back)."""

    def __reduce__(self) -> str:
        return "FALLBACK"

    def __repr__(self) -> str:
        return "FALLBACK"


FALLBACK = FallbackState()


def sane_bounds(y: np.ndarray) -> tuple[float, float]:
    """The bounds a plausible forecast of ``y`` stays within: ``SANE_RANGE_MULTIPLE`` history
    ranges beyond its extremes, the range taken as at least ``RELATIVE_SPAN`` of its largest
    absolute value (a near-constant series keeps a tolerance that float32 networks and
    rounding need; a constant one has none at zero)."""
    low, high = float(np.min(y)), float(np.max(y))
    span = max(high - low, RELATIVE_SPAN * max(abs(low), abs(high)))
    return low - SANE_RANGE_MULTIPLE * span, high + SANE_RANGE_MULTIPLE * span


def check_plausible(paths: np.ndarray, y: np.ndarray) -> None:
    """Raise ForecastFailed unless the paths are finite and within ``sane_bounds(y)`` (their
    1% and 99% quantiles at every step)."""
    if not np.isfinite(paths).all():
        raise ForecastFailed("non-finite values")
    floor, ceiling = sane_bounds(y)
    band_low, band_high = np.quantile(paths, [0.01, 0.99], axis=0)
    if band_low.min() < floor or band_high.max() > ceiling:
        raise ForecastFailed(f"values from {band_low.min():.6g} to {band_high.max():.6g}, beyond "
                             f"{SANE_RANGE_MULTIPLE:g}x the history's range ({np.min(y):.6g} to "
                             f"{np.max(y):.6g})")


def _plausible(paths: np.ndarray, y: np.ndarray) -> bool:
    try:
        check_plausible(paths, y)
        return True
    except ForecastFailed:
        return False


def guard_paths(paths: np.ndarray, y: np.ndarray, season: int, rng: np.random.Generator,
                notes: list[str], key: str, model: str) -> np.ndarray:
    """``paths`` if plausible for the history ``y`` of series ``key``, else seasonal-naive
    paths of the same shape, with a note that ``model``'s could not be used. A constant
    history is forecast as that constant, with a note: a model that standardizes by the
    history's spread has nothing to scale by."""
    if np.ptp(y) == 0:
        notes.append(constant_note(key, float(y[-1])))
        return np.full(paths.shape, float(y[-1]))
    try:
        check_plausible(paths, y)
        return paths
    except ForecastFailed as exc:
        notes.append(f"series '{key}': {model} gave an unusable forecast ({exc}); used seasonal naive "
                     "instead")
        return seasonal_naive_paths(y, season, paths.shape[1], len(paths), rng)


def constant_note(key: str, value: float) -> str:
    """The note of a constant series' forecast: the same whichever model forecast it."""
    return f"series '{key}' is constant ({value:g}): its forecast is that value, with no uncertainty"


def seasonal_naive_mean(y: np.ndarray, season: int, horizon: int) -> np.ndarray:
    """The mean of ``seasonal_naive_paths``: the last season repeated (the last value when
    season is 1)."""
    season = season if len(y) > season else 1
    return np.resize(y[-season:], horizon).astype(float)


def seasonal_naive_paths(y: np.ndarray, season: int, horizon: int, num_samples: int,
                         rng: np.random.Generator) -> np.ndarray:
    """Ancestral samples of y[t] = y[t - season] + e, e ~ N(0, sigma^2) (naive when season is 1).

    sigma is the root mean square of the in-sample seasonal differences.
    """
    season = season if len(y) > season else 1
    differences = y[season:] - y[:-season]
    sigma = float(np.sqrt(np.mean(differences ** 2))) if len(differences) else 0.0
    noise = rng.normal(0.0, sigma, size=(num_samples, horizon))
    paths = np.empty((num_samples, horizon))
    for step in range(horizon):
        previous = y[len(y) + step - season] if step < season else paths[:, step - season]
        paths[:, step] = previous + noise[:, step]
    return paths


def latin_hypercube_ranks(order: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ranks in (0, 1) shaped like ``order`` (samples, steps): in each column one rank in
    each of the ``samples`` equal slices of (0, 1), uniform within its slice (a Latin
    hypercube sample: McKay, Beckman & Conover 1979), given to the rows in the order of
    that column of ``order`` (Iman & Conover 1982). Each rank is still uniform, so the
    values they select still follow the distribution, but a few hundred of them give
    its median and intervals within one slice instead of with the noise of independent
    draws."""
    slices = order.argsort(axis=0).argsort(axis=0)
    ranks = (slices + rng.uniform(size=order.shape)) / order.shape[0]
    return np.clip(ranks, np.finfo(float).tiny, np.nextafter(1.0, 0.0))  # never exactly 0 or 1


def _checked_horizon(data, horizon: int | None, num_samples: int) -> int:
    """``horizon`` (the frequency's usual one for None), refused where ``data`` or
    ``num_samples`` cannot take it."""
    horizon = int(data.default_horizon if horizon is None else horizon)
    data.check_horizon(horizon)
    if num_samples < 1:
        raise InputError(f"num_samples must be at least 1, not {num_samples}")
    return horizon


def _unzip(pairs) -> tuple[list, list]:
    """Two lists from an iterable of pairs (empty lists for none)."""
    firsts, seconds = [], []
    for first, second in pairs:
        firsts.append(first)
        seconds.append(second)
    return firsts, seconds


def _flatten(chunks):
    """The results of consecutive chunks, one by one, as the chunks arrive."""
    for chunk in chunks:
        yield from chunk


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
