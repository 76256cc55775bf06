"""The conformance kit: the rules every forecastgen model keeps, as checks you can run.

A plugin author runs them on their model, and forecastgen runs them on every built-in
model in CI, so no model lands without passing (the idea of scikit-learn's
``check_estimator`` and ``parametrize_with_checks``)::

    from forecastgen.testing import check_model, parametrize_with_checks

    check_model(ARForecaster(order=2))           # raises ModelCheckFailed on the first broken rule

    @parametrize_with_checks([ARForecaster(order=2)])
    def test_conformance(model, check):          # one named test per check
        check(model)

Each check takes an unfitted model, works on its own copies (built from
``get_params``) and raises ``ModelCheckFailed`` with a message that says which rule
broke and what to fix. Sequence generators are fitted on two realistic monthly series
(trend, seasonality, autocorrelated noise); density models on windows cut from them.
Give models settings that train in a second or two: the kit fits each a few times.
"""

from __future__ import annotations

import inspect
import math
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from forecastgen.errors import InputError, NotFittedError, NotSupportedError
from forecastgen.interfaces import (
    CAPABILITIES,
    COVARIATES,
    FORECAST,
    IMAGES,
    LABELS,
    LOG_PROB,
    NEW_SERIES,
    SAMPLE,
    SERIES,
    UPSCALE,
    DensityModel,
    Model,
    SequenceGenerator,
)

HORIZON = 6
SAMPLES = 24
SEED = 7
WINDOW = 12


class ModelCheckFailed(AssertionError):
    """A model broke one of the rules of the conformance kit."""


def example_series(length: int = 96, count: int = 2, seed: int = 0) -> pd.DataFrame:
    """``count`` monthly series (wide frame): level, trend, yearly season and AR(1) noise."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2015-01-01", periods=length, freq="MS")
    steps = np.arange(length)
    columns = {}
    for number in range(count):
        noise = np.zeros(length)
        shocks = rng.normal(0.0, 1.0, length)
        for t in range(1, length):
            noise[t] = 0.6 * noise[t - 1] + shocks[t]
        level, trend = 50.0 + 30.0 * number, rng.uniform(0.05, 0.3)
        season = (5.0 + 2.0 * number) * np.sin(2 * np.pi * (steps + 3 * number) / 12)
        columns[f"series_{number + 1}"] = level + trend * steps + season + 2.0 * noise
    return pd.DataFrame(columns, index=index)


def example_windows(width: int = WINDOW) -> np.ndarray:
    """Standardized windows (n, width) cut from ``example_series``: items for density models."""
    values = example_series(length=144).to_numpy().T
    windows = np.concatenate([np.lib.stride_tricks.sliding_window_view(v, width) for v in values])
    return ((windows - windows.mean()) / windows.std()).astype(np.float32)


def example_images(count: int = 48, side: int = 6, seed: int = 0) -> np.ndarray:
    """Binary images (count, 1, side, side) in {0, 1}, each a filled rectangle: items with the
    spatial structure image models need."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 1, side, side), dtype=np.float32)
    for image in images:
        top, left = rng.integers(0, side - 1, size=2)
        bottom, right = top + rng.integers(2, side + 1 - top), left + rng.integers(2, side + 1 - left)
        image[0, top:bottom, left:right] = 1.0
    return images


def example_items(model: Model) -> np.ndarray:
    """What a density model is fitted on in the checks: images for image-only models, else
    windows."""
    images_only = model.supports(IMAGES) and not model.supports(SERIES)
    return example_images() if images_only else example_windows()


# -- the checks --------------------------------------------------------------------------------
def check_init_only_stores_params(model: Model) -> None:
    """__init__ stores its arguments and learns nothing (scikit-learn's rule)."""
    names = type(model).param_names()
    missing = [name for name in names if not hasattr(model, name)]
    _require(not missing, model, f"__init__ does not store its arguments {missing}; keep each as an "
             "attribute of the same name (self.store_params(locals()))")
    learned = [key for key in vars(_clone(model)) if key.endswith("_") and not key.startswith("_")]
    _require(not learned, model, f"__init__ sets learned state {learned}; set attributes ending in "
             "'_' only in fit()")


def check_params_round_trip(model: Model) -> None:
    """get_params gives the __init__ arguments; a model built from them has the same ones."""
    params = model.get_params()
    _require(list(params) == type(model).param_names(), model,
             "get_params() must return exactly the __init__ arguments")
    copy = type(model)(**params)
    _require(_same(copy.get_params(), params), model,
             "a model built from get_params() reports other parameters; store arguments unchanged")
    _require(copy.set_params(**params) is copy, model, "set_params() must return self")
    try:
        copy.set_params(no_such_parameter=1)
    except InputError:
        pass
    else:
        _fail(model, "set_params(no_such_parameter=1) was accepted; refuse unknown names with "
              "InputError (Model.set_params does)")


def check_unfitted_model_says_so(model: Model) -> None:
    """Using a model before fit raises NotFittedError, not an AttributeError deep inside."""
    unfitted = _clone(model)
    use = _first_declared_use(unfitted)
    if use is None:
        return
    try:
        use()
    except NotFittedError:
        return
    except Exception as exc:  # noqa: BLE001 - any other error is the failure we report
        _fail(model, f"used before fit it raised {type(exc).__name__}: {exc}; call "
              "self.check_is_fitted() first so users get NotFittedError")
    _fail(model, "used before fit it returned a result; call self.check_is_fitted() first")


def check_fit_returns_self(model: Model) -> None:
    copy = _clone(model)
    returned = copy.fit(_training_data(copy))
    _require(returned is copy, model, f"fit() returned {type(returned).__name__}, not the model; "
             "end fit with `return self`")


def check_fit_keeps_parameters(model: Model) -> None:
    """Fitting never changes a parameter (scikit-learn's rule): get_params() reads the same after
    fit, and a model given as a parameter is not fitted in place (fit a clone of it)."""
    copy = _clone(model)
    before = _snapshot(copy.get_params())
    copy.fit(_training_data(copy))
    _require(_snapshot(copy.get_params()) == before, model,
             "fit() changed a parameter; keep what fit learns in attributes ending in _, and fit "
             "forecastgen.interfaces.clone(...) of a model given as a parameter")


def _snapshot(params: dict) -> dict:
    """Parameters as comparable text; a nested model by its own parameters and fitted attributes."""
    return {name: (type(value).__name__, _snapshot(value.get_params()),
                   sorted(attribute for attribute in vars(value) if attribute.endswith("_")))
            if isinstance(value, Model) else repr(value) for name, value in params.items()}


def check_forecast_shapes(model: Model) -> None:
    """Forecasts: one (num_samples, horizon) float array per series, finite, dated after it."""
    if not model.supports(FORECAST):
        return
    fitted = _fitted(model)
    if isinstance(fitted, DensityModel):
        paths = fitted.sample_future(example_windows()[:3, :-HORIZON], HORIZON, SAMPLES, seed=SEED)
        _require(np.shape(paths) == (3, SAMPLES, HORIZON), model,
                 f"sample_future gave shape {np.shape(paths)}, not (batch, num_samples, horizon) "
                 f"= {(3, SAMPLES, HORIZON)}")
        _require(np.isfinite(paths).all(), model, "sample_future gave NaN or inf values")
        return
    forecast = fitted.predict(HORIZON, num_samples=SAMPLES, seed=SEED)
    data = example_series()
    _require(forecast.ids == list(data.columns), model,
             f"the forecast covers {forecast.ids}, not the fitted series {list(data.columns)}")
    for key in forecast.ids:
        paths = forecast.samples[key]
        _require(paths.shape == (SAMPLES, HORIZON), model, f"samples of '{key}' have shape "
                 f"{paths.shape}, not (num_samples, horizon) = {(SAMPLES, HORIZON)}")
        _require(np.issubdtype(paths.dtype, np.floating), model,
                 f"samples of '{key}' are {paths.dtype}, not floats")
        _require(np.isfinite(paths).all(), model, f"samples of '{key}' hold NaN or inf")
        dates = forecast.index[key]
        _require(len(dates) == HORIZON and dates[0] > data.index[-1], model,
                 f"the forecast of '{key}' is not dated on the {HORIZON} steps after the history")


def check_forecast_quantiles(model: Model) -> None:
    """Quantiles of a forecast are finite and never decrease with the level."""
    if not model.supports(FORECAST) or isinstance(model, DensityModel):
        return
    forecast = _fitted(model).predict(HORIZON, num_samples=SAMPLES, seed=SEED)
    table = forecast.to_frame(quantiles=[0.05, 0.25, 0.5, 0.75, 0.95])
    levels = table[["q5", "q25", "q50", "q75", "q95"]].to_numpy()
    _require(np.isfinite(levels).all(), model, "forecast quantiles hold NaN or inf")
    _require((np.diff(levels, axis=1) >= -1e-9).all(), model, "forecast quantiles decrease with the level")


def check_seed_reproducibility(model: Model) -> None:
    """Same seed and data give the same numbers: two fits, and two draws of one fit."""
    first, second = _clone(model), _clone(model)
    data = _training_data(first)
    first.fit(data)
    second.fit(data)
    for name, draw in _seeded_draws(first).items():
        again = draw()
        _require(_equal(draw(), again), model,
                 f"{name} with the same seed gave different numbers twice; draw from a generator "
                 "seeded by the seed argument (np.random.default_rng(seed), torch.Generator)")
        _require(_equal(again, _seeded_draws(second)[name]()), model,
                 f"two fits with the same settings and data give different {name}; seed every "
                 "random choice in fit from the model's seed parameter")


def check_fit_predict_matches(model: Model) -> None:
    """A model's own ``fit_predict`` (local models fit and sample in one pass) gives the
    numbers of ``fit`` then ``predict``, and leaves the model fitted."""
    if (not model.supports(FORECAST) or isinstance(model, DensityModel)
            or type(model).fit_predict is SequenceGenerator.fit_predict):
        return  # the default is fit().predict() itself
    fused = _clone(model)
    together = fused.fit_predict(example_series(), HORIZON, num_samples=SAMPLES, seed=SEED)
    apart = _fitted(model).predict(HORIZON, num_samples=SAMPLES, seed=SEED)
    _require(_equal(together.samples, apart.samples), model,
             "fit_predict gave other numbers than fit then predict with the same seed; make it "
             "fit and draw exactly as they do")
    _require(_equal(fused.predict(HORIZON, num_samples=SAMPLES, seed=SEED).samples, apart.samples), model,
             "after fit_predict the model does not predict as after fit; keep the fitted state")


def check_log_prob(model: Model) -> None:
    """A declared log_prob is finite and a proper density: it integrates to one."""
    if not model.supports(LOG_PROB):
        return
    fitted = _fitted(model)
    if isinstance(fitted, DensityModel):
        scores = np.asarray(fitted.log_prob(example_items(model)[:16]))
        _require(scores.shape == (16,) and np.isfinite(scores).all(), model,
                 f"log_prob of 16 items gave {scores.shape} values, not 16 finite ones")
        if model.supports(SERIES):
            _check_density_integrates(model)
        else:
            _check_binary_images_sum_to_one(model)
        return
    data = example_series()
    scores = fitted.log_prob(data)
    _require(isinstance(scores, pd.Series) and list(scores.index) == list(data.columns), model,
             "log_prob(data) must return a pandas Series indexed by the series ids")
    _require(np.isfinite(scores.to_numpy(dtype=float)).all(), model, "log_prob gave NaN or inf")
    _check_next_step_integrates(model, fitted, data.iloc[:, :1])


def check_sample(model: Model) -> None:
    """A declared sample gives arrays of the asked shape, finite, reproducible by seed."""
    if not model.supports(SAMPLE):
        return
    fitted = _fitted(model)
    if isinstance(fitted, DensityModel):
        items = np.asarray(fitted.sample(5, seed=SEED))
        expected = (5, *example_items(model).shape[1:])
    else:
        items = np.asarray(fitted.sample(20, num_samples=5, seed=SEED))
        expected = (5, 20)
    _require(items.shape == expected, model, f"sample gave shape {items.shape}, not {expected}")
    _require(np.isfinite(items).all(), model, "sample gave NaN or inf")


def check_save_load_round_trip(model: Model) -> None:
    """A saved and reloaded model forecasts and scores exactly like the original; a model
    that cannot be saved says so with InputError."""
    from forecastgen.engine.checkpoint import load_checkpoint, save_checkpoint

    fitted = _fitted(model)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "model"
        if not hasattr(fitted, "checkpoint_state"):
            try:
                save_checkpoint(fitted, target)
            except InputError:
                return
            _fail(model, "save_checkpoint accepted a model without checkpoint_state()")
        save_checkpoint(fitted, target)
        loaded = load_checkpoint(target, registry=_OneModel(type(model)))
    for name, draw in _seeded_draws(fitted, with_data=True).items():
        _require(_equal(draw(), _seeded_draws(loaded, with_data=True)[name]()), model,
                 f"{name} of the reloaded model differ from the original's; checkpoint_state() "
                 "must hold every learned tensor and setting, restore_checkpoint() restore them")


def check_bad_input_is_refused(model: Model) -> None:
    """Unusable data and requests get InputError with a message, never a stray exception."""
    attempts = {"fit on a str": lambda m: m.fit("not data")}
    if isinstance(model, DensityModel):
        attempts["fit on items with NaN"] = lambda m: m.fit(np.full((20, WINDOW), np.nan))
    else:
        attempts["fit on series of NaN"] = lambda m: m.fit(example_series() * np.nan)
        if model.supports(FORECAST):
            attempts["predict(horizon=0)"] = lambda m: _fitted(model).predict(0, num_samples=4)
    for what, attempt in attempts.items():
        try:
            attempt(_clone(model))
        except InputError as exc:
            _require(len(str(exc)) > 20, model, f"{what}: the InputError message '{exc}' is too "
                     "short to say what was wrong and what to do")
        except Exception as exc:  # noqa: BLE001 - any other error is the failure we report
            _fail(model, f"{what} raised {type(exc).__name__}: {exc}; check the input and raise "
                  "forecastgen.errors.InputError saying what was wrong and what to do")
        else:
            _fail(model, f"{what} was accepted; refuse it with InputError")


def check_capabilities_are_honest(model: Model) -> None:
    """Declared capabilities are known names; undeclared uses raise NotSupportedError."""
    unknown = set(model.capabilities) - set(CAPABILITIES)
    _require(not unknown, model, f"declares unknown capabilities {sorted(unknown)}; valid ones are "
             f"{', '.join(CAPABILITIES)}")
    fitted = _fitted(model)
    for capability, use in _capability_uses(fitted).items():
        if model.supports(capability):
            continue
        try:
            use()
        except NotSupportedError as exc:
            _require("not supported" in str(exc), model, f"the {capability} refusal should say "
                     "'not supported'; call self.require(capability)")
        except Exception as exc:  # noqa: BLE001 - any other error is the failure we report
            _fail(model, f"{capability} is not declared, yet calling it raised "
                  f"{type(exc).__name__}: {exc}; leave the base method (it raises "
                  "NotSupportedError) or call self.require(capability)")
        else:
            _fail(model, f"{capability} works but is not declared; add it to capabilities")


def example_covariate_series(effect: float = 25.0, seed: int = 0):
    """``example_series`` in long form with a promotion (0/1, the history's half of the time)
    that adds ``effect``, and two futures: with the promotion at every step, and at none."""
    wide = example_series(length=96 + HORIZON, seed=seed)
    rng = np.random.default_rng(seed + 1)
    promo = rng.integers(0, 2, len(wide)).astype(float)
    frames = [pd.DataFrame({"id": key, "timestamp": wide.index, "value": wide[key] + effect * promo,
                            "promo": promo}) for key in wide.columns]
    long = pd.concat(frames, ignore_index=True)
    later = long["timestamp"] >= wide.index[-HORIZON]
    future = long.loc[later, ["id", "timestamp", "promo"]]
    return long[~later], future.assign(promo=1.0), future.assign(promo=0.0)


def check_covariates(model: Model) -> None:
    """A model that declares ``covariates`` forecasts higher where the future promotion it is
    given raises the series (``predict(future=)``); one that does not refuses such series with
    NotSupportedError. A density model that declares them is conditioned on them: ``fit`` and
    ``sample_future`` take ``conditions`` (windows, window steps, covariates), and once fitted
    with them it refuses to forecast without."""
    if isinstance(model, DensityModel):
        _check_window_conditions(model)
        return
    if not model.supports(FORECAST):
        return
    from forecastgen.data import as_series_set

    history, promoted, plain = example_covariate_series()
    data = as_series_set(history, future=promoted, id_col="id")
    if not model.supports(COVARIATES):
        try:
            _clone(model).fit(data)
        except NotSupportedError:
            return
        _fail(model, "fitted series with covariates without declaring 'covariates'; call "
              "forecastgen.interfaces.check_covariates(self, data) in fit")
    _require("future" in inspect.signature(model.predict).parameters, model,
             "declares 'covariates' but predict() takes no 'future' argument")
    fitted = _clone(model).fit(data)
    high = fitted.predict(HORIZON, num_samples=SAMPLES, seed=SEED, future=promoted)
    low = fitted.predict(HORIZON, num_samples=SAMPLES, seed=SEED, future=plain)
    for key in high.ids:
        uplift = float(np.mean(high.point_mean(key) - low.point_mean(key)))
        _require(uplift > 10.0, model, f"a promotion worth 25 in the history raised the forecast of "
                 f"'{key}' by {uplift:.1f}; use the future covariates (predict(future=))")


def _check_window_conditions(model: DensityModel) -> None:
    if not model.supports(COVARIATES):
        return
    for method in ("fit", "sample_future"):
        _require("conditions" in inspect.signature(getattr(model, method)).parameters, model,
                 f"declares 'covariates' but {method}() takes no 'conditions' argument")
    windows = example_windows()
    promotion = (np.arange(len(windows)) % 2).astype(np.float32)[:, None, None]
    conditions = np.repeat(promotion, windows.shape[1], axis=1)
    fitted = _clone(model).fit(windows + 2.0 * conditions[:, :, 0], conditions=conditions)
    context = WINDOW // 2
    futures = np.asarray(fitted.sample_future(windows[:2, :context], WINDOW - context, SAMPLES, seed=SEED,
                                              conditions=conditions[:2]))
    expected = (2, SAMPLES, WINDOW - context)
    _require(futures.shape == expected and np.isfinite(futures).all(), model,
             f"sample_future with conditions gave shape {futures.shape} (want {expected}) or NaN/inf")
    try:
        fitted.sample_future(windows[:2, :context], WINDOW - context, SAMPLES, seed=SEED)
    except InputError:
        return
    _fail(model, "fitted with covariates, it forecast without them; refuse (InputError) and say "
          "that it needs their values")


# what a model declaring each of these capabilities must take: (method, argument)
DECLARED_ARGUMENTS = {LABELS: (("fit", "labels"), ("sample", "labels")), NEW_SERIES: (("predict", "data"),)}


def check_declared_arguments(model: Model) -> None:
    """Callers trust ``supports()``: a model that declares ``labels`` or ``new_series`` takes
    the arguments they pass, one that declares ``upscale`` has the method, and one whose
    predict takes ``data`` declares ``new_series`` (else no caller would pass it; labels
    may be taken and ignored, as the super-resolution model does)."""
    for capability, uses in DECLARED_ARGUMENTS.items():
        for method, argument in uses:
            function = getattr(model, method, None)
            takes = function is not None and argument in inspect.signature(function).parameters
            if model.supports(capability) and not takes:
                _fail(model, f"declares '{capability}' but {method}() takes no '{argument}' argument")
            if capability == NEW_SERIES and takes and not model.supports(capability):
                _fail(model, f"{method}() takes '{argument}' but '{capability}' is not declared; "
                      "add it to capabilities so that callers pass it")
    if model.supports(UPSCALE) and type(model).upscale is DensityModel.upscale:
        _fail(model, "declares 'upscale' but does not override upscale()")


CHECKS: tuple[Callable[[Model], None], ...] = (
    check_init_only_stores_params,
    check_params_round_trip,
    check_unfitted_model_says_so,
    check_fit_returns_self,
    check_fit_keeps_parameters,
    check_forecast_shapes,
    check_forecast_quantiles,
    check_seed_reproducibility,
    check_fit_predict_matches,
    check_log_prob,
    check_sample,
    check_save_load_round_trip,
    check_bad_input_is_refused,
    check_capabilities_are_honest,
    check_declared_arguments,
    check_covariates,
)


def check_model(model: Model) -> None:
    """Run every check on ``model``; raise ``ModelCheckFailed`` at the first that fails."""
    for check in CHECKS:
        check(model)


def parametrize_with_checks(models: Iterable[Model]):
    """A pytest decorator: one test per (model, check), named like ``ar-check_fit_returns_self``."""
    import pytest

    cases = [(model, check) for model in models for check in CHECKS]
    ids = [f"{_model_id(model)}-{check.__name__}" for model, check in cases]
    return pytest.mark.parametrize("model, check", cases, ids=ids)


# -- helpers ----------------------------------------------------------------------------------
_FITTED: dict[tuple, Model] = {}


def non_default_params(model: Model) -> dict:
    """The model's parameters whose values differ from their ``__init__`` defaults."""
    defaults = {name: p.default for name, p in inspect.signature(type(model).__init__).parameters.items()}
    return {key: value for key, value in model.get_params().items()
            if not _same({key: value}, {key: defaults.get(key, inspect.Parameter.empty)})}


def _model_id(model: Model) -> str:
    """The model's name, with the settings that differ from its defaults: ``ar(order=3)``."""
    changed = [f"{key}={value!r}" for key, value in non_default_params(model).items()]
    name = model.name or type(model).__name__
    return f"{name}({','.join(changed)})" if changed else name


def _clone(model: Model) -> Model:
    try:
        return type(model)(**model.get_params())
    except (AttributeError, TypeError) as exc:
        raise ModelCheckFailed(f"{model.display_name()}: cannot be rebuilt from get_params() ({exc}); "
                               "store each __init__ argument as an attribute of the same name") from None


def _fitted(model: Model) -> Model:
    """A fitted copy of ``model``, fitted once per settings in this process."""
    key = (type(model), repr(model))
    if key not in _FITTED:
        copy = _clone(model)
        copy.fit(_training_data(copy))  # not its return value: check_fit_returns_self checks that
        _FITTED[key] = copy
    return _FITTED[key]


def _training_data(model: Model):
    return example_items(model) if isinstance(model, DensityModel) else example_series()


def _first_declared_use(model: Model) -> Callable[[], object] | None:
    uses = _capability_uses(model)
    return next((use for capability, use in uses.items() if model.supports(capability)), None)


def _capability_uses(model: Model) -> dict[str, Callable[[], object]]:
    if isinstance(model, DensityModel):
        past = example_windows()[:2, :-HORIZON]
        return {FORECAST: lambda: model.sample_future(past, HORIZON, 4, seed=SEED),
                SAMPLE: lambda: model.sample(4, seed=SEED),
                LOG_PROB: lambda: model.log_prob(example_items(model)[:4])}
    return {FORECAST: lambda: model.predict(HORIZON, num_samples=4, seed=SEED),
            SAMPLE: lambda: model.sample(10, num_samples=2, seed=SEED),
            LOG_PROB: lambda: model.log_prob(example_series())}


def _seeded_draws(model: Model, with_data: bool = False) -> dict[str, Callable[[], object]]:
    """The model's outputs that depend on nothing but its fit and a seed."""
    if isinstance(model, DensityModel):
        uses = _capability_uses(model)
        return {f"{name} results": use for name, use in uses.items() if model.supports(name)}
    draws = {}
    if model.supports(FORECAST):
        data = {"data": example_series()} if with_data and model.supports(NEW_SERIES) else {}
        draws["forecasts"] = lambda: model.predict(HORIZON, num_samples=SAMPLES, seed=SEED,
                                                   **data).samples
    if model.supports(SAMPLE):
        draws["samples"] = lambda: model.sample(10, num_samples=3, seed=SEED)
    if model.supports(LOG_PROB):
        draws["log_prob values"] = lambda: model.log_prob(example_series())
    return draws


def _check_next_step_integrates(model: Model, fitted: Model, data: pd.DataFrame) -> None:
    """log p(x_1..T, v) - log p(x_1..T) is the density of the next value v: its integral
    over a grid that covers the forecast's spread many times over must be one."""
    draws = fitted.predict(1, num_samples=200, seed=SEED).samples[str(data.columns[0])][:, 0]
    low, middle, high = np.quantile(draws, [0.25, 0.5, 0.75])
    grid = middle + max(high - low, 1e-6) * np.linspace(-30, 30, 241)
    base = float(fitted.log_prob(data).iloc[0])
    values, column = data.iloc[:, 0].to_numpy(), data.columns[0]
    index = pd.date_range(data.index[0], periods=len(data) + 1, freq=data.index.freqstr)
    scores = [fitted.log_prob(pd.DataFrame({column: np.append(values, v)}, index=index)).iloc[0]
              for v in grid]  # one series at a time: a local model knows its series by name
    density = np.exp(np.asarray(scores, dtype=float) - base)
    mass = float(np.trapezoid(density, grid))
    _require(abs(mass - 1.0) < 0.02, model, f"the next-step density implied by log_prob integrates "
             f"to {mass:.4f}, not 1: log_prob must be the exact log-likelihood (with the Jacobian "
             "of any scaling)")


def _check_density_integrates(model: Model) -> None:
    """On one-dimensional items the density must integrate to one."""
    items = example_windows(width=1)
    try:
        fitted = _clone(model).fit(items)
    except InputError:
        return  # the model does not take one-dimensional items
    grid = np.linspace(items.min() - 10, items.max() + 10, 4001, dtype=np.float32)[:, None]
    mass = float(np.trapezoid(np.exp(np.asarray(fitted.log_prob(grid), dtype=float)), grid[:, 0]))
    _require(abs(mass - 1.0) < 0.02, model, f"the density of one-dimensional items integrates to "
             f"{mass:.4f}, not 1: log_prob must be normalized")


def _check_binary_images_sum_to_one(model: Model) -> None:
    """A model of 2x2 binary images gives its 16 possible images probabilities that sum to one."""
    try:
        fitted = _clone(model).fit(example_images()[:, :, :2, :2])
    except InputError:
        return  # the model does not take 2x2 binary images
    every_image = np.array([[[[(k >> 3) & 1, (k >> 2) & 1], [(k >> 1) & 1, k & 1]]] for k in range(16)],
                           dtype=np.float32)
    mass = float(np.exp(np.asarray(fitted.log_prob(every_image), dtype=float)).sum())
    _require(abs(mass - 1.0) < 1e-4, model, f"the probabilities of the 16 binary 2x2 images sum to "
             f"{mass:.6f}, not 1: log_prob must be normalized")


def _equal(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, pd.Series | pd.DataFrame):
        return a.equals(b)
    return np.array_equal(np.asarray(a), np.asarray(b))


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k] is b[k] or a[k] == b[k] or (_is_nan(a[k]) and _is_nan(b[k])) for k in a)


def _is_nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


class _OneModel:
    """Stands in for the registry when loading a checkpoint of a model not installed."""

    def __init__(self, cls: type):
        self.cls = cls

    def create(self, name: str, **params):
        return self.cls(**params)


def _require(condition: bool, model: Model, message: str) -> None:
    if not condition:
        _fail(model, message)


def _fail(model: Model, message: str) -> None:
    raise ModelCheckFailed(f"{model.display_name()}: {message}")
