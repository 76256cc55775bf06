"""The two kinds of model forecastgen knows, and the contract they share.

- ``SequenceGenerator`` models p(x_t | x_<t): it forecasts by ancestral sampling,
  may sample whole sequences, and may score a series (``log_prob``).
- ``DensityModel`` models p(x) over fixed-shape items (windows of a series, vectors,
  images): it samples, may score items, and may forecast by sampling the future part
  of a window conditioned on its past.

Both follow scikit-learn's estimator contract: ``__init__`` only stores its
arguments, ``fit`` returns ``self``, learned state ends in ``_``, and
``get_params``/``set_params`` come from the ``__init__`` signature.

Capabilities are declared in ``capabilities`` and honest: calling an undeclared
one raises ``NotSupportedError`` that names the model and what it does support.
Callers ask ``model.supports(...)``, never the methods' signatures:

- ``forecast``, ``sample``, ``log_prob``: the methods of those names;
- ``series``, ``images``: the data it fits;
- ``labels``: ``fit(items, labels=)`` learns p(x | class) and ``sample(..., labels=)`` draws
  the classes asked for (class-conditional image models);
- ``upscale``: ``upscale(images, factor, seed)`` samples larger images (super-resolution);
- ``new_series``: ``predict(..., data=)`` forecasts other series than the fitted ones (a
  model loaded from a checkpoint keeps no series, so it needs this to forecast);
- ``covariates``: fits series that carry covariates (``SeriesSet.covariates``) and forecasts
  with their future values (``predict(..., future=)``, or those the data came with); a model
  without it refuses such series (``check_covariates``).
"""

from __future__ import annotations

import copy
import inspect
from typing import TYPE_CHECKING, Any, ClassVar

from forecastgen.errors import InputError, NotFittedError, NotSupportedError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from forecastgen.forecasts import Forecast

FORECAST = "forecast"
SAMPLE = "sample"
LOG_PROB = "log_prob"
SERIES = "series"
IMAGES = "images"
LABELS = "labels"
UPSCALE = "upscale"
NEW_SERIES = "new_series"
COVARIATES = "covariates"
CAPABILITIES = (FORECAST, SAMPLE, LOG_PROB, SERIES, IMAGES, LABELS, UPSCALE, NEW_SERIES, COVARIATES)


# The meaning of the settings that many models share, so that each model describes only its own.
COMMON_PARAMETERS = {
    "seed": "seed of every random draw in fitting (same seed and data, same numbers on the CPU)",
    "random_state": "seed of the initialization's random draws",
    "device": "where tensors live: auto (CUDA, then MPS, then the CPU), cuda, mps or cpu",
    "precision": "auto (bf16 or fp16 autocast on a GPU, fp32 elsewhere), fp32, bf16 or fp16",
    "max_epochs": "the most passes of training; early stopping may end it sooner",
    "batch_size": "items per minibatch",
    "batches_per_epoch": "minibatches per epoch (null: one pass over the data)",
    "learning_rate": "Adam's learning rate",
    "patience": "epochs without a better validation loss before training stops",
    "n_jobs": "worker processes over series (null: every core from 32 series on, else one)",
    "season_length": "the seasonal period (null: from the frequency, 12 for monthly data)",
    "max_history": "fit on the last this many points of each series (null: all)",
    "transform": "none, or log: fit the logs of a positive series (growth becomes a trend)",
    "force": "fit even where the autocorrelation check finds nothing to learn",
    "levels": "pixel levels (null: found from the data, 17 for the digits, 256 for 8-bit images)",
    "context_length": "how many past steps the model sees",
}


def clone(model: Model) -> Model:
    """A new, unfitted model with the same parameters (scikit-learn's ``clone``): parameters are
    deep-copied and a model held as a parameter (the window adapter's density model) is cloned in
    turn, so fitting the copy never changes the original."""
    params = {name: clone(value) if isinstance(value, Model) else copy.deepcopy(value)
              for name, value in model.get_params().items()}
    return type(model)(**params)


class Model:
    """What every forecastgen model shares: parameters, capabilities, fitted state."""

    name: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[str]] = frozenset()
    # what a parameter's None default stands for, shown by `forecastgen models NAME`
    # ({"hidden_size": "images 64, windows 32"})
    parameter_notes: ClassVar[dict[str, str]] = {}
    # what each parameter means, one line each, for `forecastgen models NAME` and the docs; the
    # engine's shared settings (seed, device, max_epochs...) are described in COMMON_PARAMETERS
    parameter_help: ClassVar[dict[str, str]] = {}

    @classmethod
    def describe_parameters(cls) -> dict[str, str]:
        """What each parameter means: the words of the model's class or the nearest base class
        that has some, else the shared ones, else ''; then what a None default stands for."""
        helps = [vars(klass).get("parameter_help", {}) for klass in cls.__mro__] + [COMMON_PARAMETERS]
        meanings = {name: next((words[name] for words in helps if name in words), "")
                    for name in cls.param_names()}
        return {name: "; ".join(filter(None, [meaning, cls.parameter_notes.get(name) and
                                              f"null: {cls.parameter_notes[name]}"]))
                for name, meaning in meanings.items()}

    @classmethod
    def param_names(cls) -> list[str]:
        """The model's parameters: the arguments of its ``__init__``."""
        return list(cls.param_defaults())

    @classmethod
    def param_defaults(cls) -> dict[str, Any]:
        """Each parameter's default, as ``__init__`` declares it (None where it has none)."""
        signature = inspect.signature(cls.__init__)
        return {p.name: None if p.default is p.empty else p.default for p in signature.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}

    def store_params(self, arguments: dict[str, Any]) -> None:
        """Keep the ``__init__`` arguments as attributes: call it as ``self.store_params(locals())``."""
        for name in self.param_names():
            setattr(self, name, arguments[name])

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The ``__init__`` arguments of this model, as set now."""
        return {name: getattr(self, name) for name in self.param_names()}

    def set_params(self, **params) -> Model:
        """Set ``__init__`` arguments; unknown names are refused with the valid list."""
        valid = self.param_names()
        for key, value in params.items():
            if key not in valid:
                raise InputError(f"{self.display_name()} has no parameter '{key}'; its parameters "
                                 f"are {', '.join(valid) or '(none)'}")
            setattr(self, key, value)
        return self

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities

    def require(self, capability: str) -> None:
        """Raise NotSupportedError unless the model declares ``capability``."""
        if capability not in self.capabilities:
            declared = ", ".join(sorted(self.capabilities)) or "nothing"
            raise NotSupportedError(f"{capability} is not supported by {self.display_name()} "
                                    f"(it supports: {declared})")

    def check_is_fitted(self) -> None:
        """Raise NotFittedError unless ``fit`` has set a learned attribute (a name ending in ``_``)."""
        if not any(k.endswith("_") and not k.startswith("_") for k in vars(self)):
            raise NotFittedError(f"{self.display_name()} is not fitted yet; call fit() first")

    def display_name(self) -> str:
        """How messages name the model: ``model 'NAME'``."""
        return f"model '{self.name or type(self).__name__}'"

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({arguments})"


def check_covariates(model: Model, data) -> None:
    """Refuse series with covariates (``data``: a SeriesSet) where ``model`` cannot take them,
    naming them and what to do."""
    names = data.covariate_names()
    if names and not model.supports(COVARIATES):
        raise NotSupportedError(
            f"{model.display_name()} takes no covariates, and these series come with "
            f"{', '.join(map(repr, names))}; forecast without the future file, or choose a model "
            "that takes covariates (`forecastgen models` lists them)")
    past_only = data.covariates.past_only if names else ()
    if past_only:
        raise NotSupportedError(
            f"{model.display_name()} uses covariates through their values over the horizon, and "
            f"{', '.join(map(repr, past_only))} of the history {'has' if len(past_only) == 1 else 'have'} "
            "none in the future file; add the future values there, or leave the column out (or "
            "name the target with --value-col, if that column is it)")


class SequenceGenerator(Model):
    """A model of p(x_t | x_<t) over one or many series."""

    def fit(self, data) -> SequenceGenerator:
        """Learn from ``data`` (a SeriesSet, a pandas Series or a DataFrame); returns self."""
        raise NotImplementedError

    def predict(self, horizon: int | None = None, num_samples: int = 200,
                seed: int | None = None, data=None) -> Forecast:
        """Sample ``num_samples`` paths of the ``horizon`` steps after each fitted series
        (after each series of ``data`` instead, for models that declare ``new_series``).

        ``horizon`` defaults to the future covariates' steps where there are some, else to
        the frequency's usual horizon (18 for monthly data...). Models that declare
        ``covariates`` also take ``future=``: the covariates' values over the horizon (a
        DataFrame or a path, as ``SeriesSet.with_future`` reads them).
        """
        self.require(FORECAST)
        raise NotImplementedError

    def fit_predict(self, data, horizon: int | None = None, num_samples: int = 200,
                    seed: int | None = None) -> Forecast:
        """``fit(data).predict(horizon, num_samples, seed)``: the same numbers; models fitted one
        series at a time do both in one pass over the series (faster on many series). A
        horizon longer than a series' history is refused before any fitting."""
        from forecastgen.data import as_series_set

        data = as_series_set(data)
        data.check_horizon(int(data.default_horizon if horizon is None else horizon))
        self.fit(data)
        return self.predict(horizon, num_samples=num_samples, seed=seed)

    def sample(self, length: int, num_samples: int = 1, seed: int | None = None) -> np.ndarray:
        """Whole sequences of ``length`` steps drawn from the model, shape (num_samples, length)."""
        self.require(SAMPLE)
        raise NotImplementedError

    def log_prob(self, data) -> pd.Series:
        """The exact log-likelihood of each series in ``data`` under the fitted model."""
        self.require(LOG_PROB)
        raise NotImplementedError


class DensityModel(Model):
    """A model of p(x) over fixed-shape items: windows of series, vectors or images."""

    def fit(self, items) -> DensityModel:
        """Learn p(x) from items of shape (n, *item_shape); returns self."""
        raise NotImplementedError

    def sample(self, num_samples: int, seed: int | None = None) -> np.ndarray:
        """Items drawn from the model, shape (num_samples, *item_shape); models that declare
        ``labels`` also take ``labels=`` (one class for all, or one per item)."""
        self.require(SAMPLE)
        raise NotImplementedError

    def upscale(self, images, factor: int = 2, seed: int | None = None) -> np.ndarray:
        """Larger images sampled given small ones (levels as integers, shape (n, C, H, W)):
        floats in [0, 1] of shape (n, C, factor * H, factor * W)."""
        self.require(UPSCALE)
        raise NotImplementedError

    def log_prob(self, items) -> np.ndarray:
        """log p(x) of each item, shape (n,)."""
        self.require(LOG_PROB)
        raise NotImplementedError

    def sample_future(self, past: np.ndarray, horizon: int, num_samples: int,
                      seed: int | None = None) -> np.ndarray:
        """Future parts of windows given their past: (batch, context) -> (batch, num_samples, horizon)."""
        self.require(FORECAST)
        raise NotImplementedError
