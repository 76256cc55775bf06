"""The shared wiring of the classical models that statsforecast fits: ETS, Theta, ARIMA, CES.

statsforecast (Nixtla; Garza, Mergenthaler Canseco, Challu & Olivares 2022) implements
R's ``forecast`` package (Hyndman & Khandakar 2008) in compiled code: the same model
selection, orders of magnitude faster than statsmodels' Python-level likelihoods
(benchmarks/results/scale_benchmark.md). A subclass only says which statsforecast model
to build for a series; fitting, sample paths (``simulate`` from the fitted model,
seeded from our generator) and the guards are the same for all of them.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import types

import numpy as np

from forecastgen.per_series import ForecastFailed, PerSeriesForecaster, latin_hypercube_ranks

# what statsforecast raises on a series it cannot fit (besides ValueError and arithmetic errors,
# and the bare Exception of ``is_fit_failure``)
FIT_ERRORS = (RuntimeError, IndexError, np.linalg.LinAlgError)


def is_fit_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is statsforecast failing on a series: one of ``FIT_ERRORS``, or the bare
    ``Exception`` it raises where no model could be fitted ("no model able to be fitted").
    Other exceptions are bugs, to be seen."""
    return isinstance(exc, FIT_ERRORS) or type(exc) is Exception


@contextlib.contextmanager
def failures_as_forecast_failed():
    """statsforecast's failures on one series as ``ForecastFailed``: the series falls back to
    seasonal naive with a note, and the rest of the file is forecast."""
    try:
        yield
    except Exception as exc:
        if not is_fit_failure(exc):
            raise
        raise ForecastFailed(str(exc) or type(exc).__name__) from exc


# optional modules that statsforecast's helpers import when installed, and no fit here uses
UNUSED_OPTIONAL_IMPORTS = ("dask.dataframe",)
# modules statsforecast imports at load that only ARIMA's fit uses (statsmodels.api: about 0.7 s
# of every command on two cores, for ARIMA's regressions and KPSS test)
IMPORTED_ON_USE = ("statsmodels.api",)


class ModuleImportedOnUse(types.ModuleType):
    """A stand-in for a module, given to statsforecast while it loads: the real module is
    imported when an attribute is first read, and the stand-in takes its attributes."""

    def __getattr__(self, attribute: str):
        real = importlib.import_module(self.__name__)
        self.__dict__.update(vars(real))
        return getattr(real, attribute)


def statsforecast_models():
    """``statsforecast.models``, imported without the optional modules it would import for
    nothing (utilsforecast imports ``dask.dataframe`` where dask is installed: a second
    of every command) and with ``IMPORTED_ON_USE`` imported when first used."""
    if "statsforecast.models" not in sys.modules:
        hidden = [name for name in UNUSED_OPTIONAL_IMPORTS if name not in sys.modules]
        deferred = [name for name in IMPORTED_ON_USE if name not in sys.modules]
        sys.modules.update(dict.fromkeys(hidden))  # None: "not installed" for this import only
        sys.modules.update({name: ModuleImportedOnUse(name) for name in deferred})
        try:
            import statsforecast.models  # noqa: F401
        finally:
            for name in hidden + deferred:
                del sys.modules[name]
    return sys.modules["statsforecast.models"]


def stratified_normal(rng: np.random.Generator, num_samples: int, horizon: int) -> np.ndarray:
    """Standard normal errors (num_samples, horizon) for simulated paths, each step's a Latin
    hypercube sample (``latin_hypercube_ranks``): 200 paths give the first step's median
    and intervals within one slice of the exact ones, and later steps', which sum several
    steps' errors, with half to three quarters of the noise of independent draws (the
    spread of 200 paths' median over seeds: ETS(A,N,A) on the airline series)."""
    from scipy.special import ndtri  # loaded with statsforecast by then

    order = rng.standard_normal((num_samples, horizon))
    return ndtri(latin_hypercube_ranks(order, rng))


class StatsforecastModel(PerSeriesForecaster):
    """A local forecaster whose per-series model is a statsforecast model."""

    def _model(self, y: np.ndarray, season: int):
        """The unfitted statsforecast model for the (model-scale) series ``y``."""
        raise NotImplementedError

    def fit_one(self, y: np.ndarray, season: int):
        with failures_as_forecast_failed():
            return self._model(y, season).fit(y)

    def sample_one(self, state, horizon: int, num_samples: int, rng: np.random.Generator) -> np.ndarray:
        seed = int(rng.integers(2**31 - 1))
        with failures_as_forecast_failed():
            return state.simulate(horizon, num_samples, seed=seed)

    def mean_one(self, state, horizon: int) -> np.ndarray:
        """statsforecast's point forecast: the fitted model's conditional mean (for ETS
        with a multiplicative season, its usual approximation, as in R's ``forecast``)."""
        with failures_as_forecast_failed():
            return state.predict(horizon)["mean"]

    def _positive(self, y: np.ndarray) -> bool:
        """Whether multiplicative components may be used: positive data on its own scale."""
        return bool(y.min() > 0) and self.transform == "none"
