"""The jobs of the command line as library functions: each command is one call here.

``read`` reads any file forecastgen takes (series, windows, images); ``forecaster`` makes
any model that forecasts into a series forecaster; ``forecast`` reads, picks the default
horizon, leaves out the series too short for it, fits and forecasts; ``fit`` learns series
or items and saves the model; ``sample``, ``upscale``, ``check`` and ``score`` do what their
commands do. Each function takes what a user has (a path, a pandas object, a SeriesSet, an
array, a saved model's folder), sets torch's and BLAS's threads for the size of its work
(``forecastgen.engine.threads``), and says what a person should know in notes: collected on
the result (``.notes``) and, as they happen, handed to ``on_note`` (the command line prints
them on stderr).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from forecastgen.data import SeriesSet, read_series
from forecastgen.data.images import ImageSet, read_images, to_levels
from forecastgen.data.items import IMAGES, WINDOWS, guess_kind, read_labelled_items
from forecastgen.engine import is_main_process
from forecastgen.engine.threads import choose_threads, use_threads
from forecastgen.errors import InputError
from forecastgen.interfaces import LABELS, NEW_SERIES, UPSCALE, DensityModel, Model, check_covariates
from forecastgen.registry import default_registry

SERIES = "series"
NoteHandler = Callable[[str], None]


class Notes(list):
    """Notes for a person, kept in order and handed to ``on_note`` as they come."""

    def __init__(self, on_note: NoteHandler | None = None):
        super().__init__()
        self.on_note = on_note

    def add(self, text: str) -> None:
        self.append(text)
        if self.on_note is not None and is_main_process():
            self.on_note(text)


def read(path: str | Path, kind: str | None = None, *, time_col: str | None = None,
         value_col: str | None = None, id_col: str | None = None, freq: str | None = None,
         future=None, on_note: NoteHandler | None = None):
    """Any file forecastgen takes: series (CSV or parquet) as a ``SeriesSet``; images (a PNG
    folder, ``.npz`` with an ``images`` array, 4-D ``.npy``) as an ``ImageSet``; windows
    (``.npy``/``.npz``) as an array (n, length[, channels]). ``kind`` ("series", "images",
    "windows") overrides what the path suggests. ``future`` (series only: a path or a
    DataFrame) gives the covariates' values over the horizon (``read_series``)."""
    kind = kind or kind_of(path)
    notes = Notes(on_note)
    if kind == SERIES:
        data = read_series(path, time_col=time_col, value_col=value_col, id_col=id_col, freq=freq,
                           future=future)
        counted = f"{len(data)} series" if len(data) > 1 else "1 series"
        notes.add(f"read {counted} from {path}: {data.freq.name} ({data.freq.alias}), "
                  f"{data.shortest()}+ points")
        for text in data.notes:
            notes.add(text)
        if data.covariates is not None:
            notes.add(describe_covariates(data))
        return data
    if kind == IMAGES:
        images = read_images(path)
        notes.add(f"read {len(images)} images of shape {images.shape} from {path}")
        return images
    items, kind, _ = read_labelled_items(path, kind)
    notes.add(f"read {len(items)} {kind} of shape {tuple(items.shape[1:])} from {path}")
    return items


def describe_covariates(data: SeriesSet) -> str:
    """One line on a SeriesSet's covariates: which, of which kinds, and how many future steps."""
    covariates = data.covariates
    kinds = ", ".join(f"{name} ({covariates.kinds[name]})" for name in covariates.names) or "none"
    text = (f"target '{covariates.columns.target}'; covariates known in advance: {kinds}; "
            f"{covariates.steps()} future steps in {covariates.source}")
    if covariates.past_only:
        text += f"; only in the history: {', '.join(covariates.past_only)}"
    return text


def kind_of(path: str | Path) -> str:
    """What a file holds by its name and, for arrays, its contents: series, images or windows."""
    path = Path(path)
    if path.suffix.lower() == ".png":
        return IMAGES
    if path.is_dir() or path.suffix.lower() in (".npz", ".npy"):
        return guess_kind(path)
    return SERIES


def forecaster(model: str | Model, *, device: str | None = None, force: bool = False,
               jobs: int | None = None, calibrate: str | None = None, **params):
    """A model that forecasts series: a registered name with its parameters (or a model), made
    into a forecaster where it is a density model of windows (``predict -m gmm``);
    ``device``, ``force`` and ``jobs`` go to the models that take them. ``calibrate`` ("cqr",
    "conformal" or "aci") corrects its quantiles by its own backtest errors
    (``forecastgen.calibration``; a model with a ``calibrate`` parameter, as auto, does it
    itself)."""
    from forecastgen.window_forecaster import as_forecaster

    estimator = as_forecaster(model_with(model, params, device=device, force=force, jobs=jobs))
    if calibrate is None:
        return estimator
    if "calibrate" in estimator.param_names():  # auto calibrates its mixture from its own backtests
        return estimator.set_params(calibrate=calibrate)
    from forecastgen.calibration import Calibrated

    calibrated = Calibrated(estimator, method=calibrate)
    calibrated.check_params()
    return calibrated


def forecast(data, model: str | Model = "auto", *, horizon: int | None = None, num_samples: int = 200,
             seed: int | None = 0, model_path: str | Path | None = None, device: str | None = None,
             force: bool = False, jobs: int | None = None, cluster: str | None = None,
             calibrate: str | None = None, params: dict | None = None, read_options: dict | None = None,
             future=None, holidays: str | None = None, calendar: bool = False,
             on_note: NoteHandler | None = None):
    """Forecast every series of ``data`` (a path, a pandas Series or frame, or a SeriesSet) with
    ``model`` (a name and its ``params``, or a model), or with the model saved in
    ``model_path``. The horizon defaults to the frequency's (18 for monthly data); series
    shorter than it are left out and named in ``forecast.skipped``; the notes say what was
    chosen and why. ``cluster`` runs the per-series work on a Dask or Ray cluster; ``calibrate``
    ("cqr", "conformal" or "aci") corrects the quantiles by the model's own backtest errors.
    ``future`` (a path or a DataFrame: the horizon's timestamps, and ids for many series, with
    the covariates' values) makes the columns it shares with ``data`` covariates; the horizon
    is then its steps (``horizon`` may shorten it). ``holidays`` (a country code: "US", "GB")
    adds the count of its public holidays per step as a covariate; ``calendar`` adds the
    calendar cycle the season leaves out (the day of the week for hourly data, the month for
    daily and weekly data) as a categorical one."""
    from forecastgen.engine.checkpoint import load_checkpoint
    from forecastgen.engine.parallel import cluster_at
    from forecastgen.progress import doing

    notes = Notes(on_note)
    if model_path is not None:
        estimator = load_checkpoint(model_path, default_registry(), **({"device": device} if device else {}))
        notes.add(f"loaded '{estimator.name}' from {model_path}")
        if not estimator.supports(NEW_SERIES):
            raise InputError(f"{model_path}: model '{estimator.name}' forecasts only the series it was "
                             f"fitted on; fit it on these series instead (-m {estimator.name})")
    else:
        # the parameters may name the model's own calibrate (auto's): made first, then wrapped
        estimator = forecaster(model_with(model, params or {}, device=device, force=force, jobs=jobs),
                               calibrate=calibrate)
    data = _series(data, read_options, notes, future)
    horizon = _horizon(data, horizon, notes)
    data = with_calendar_covariates(data, holidays, calendar, horizon, notes.add)
    check_covariates(estimator, data)
    data = data.without_shorter_than(horizon)  # keeps those left out for bad values in skipped
    use_threads(choose_threads(data.points()))
    with doing(estimator.name), cluster_at(cluster):
        if model_path is not None:
            result = estimator.predict(horizon, num_samples=num_samples, seed=seed, data=data)
        else:
            result = estimator.fit_predict(data, horizon, num_samples=num_samples, seed=seed)
    for text in result.notes:
        notes.add(text)
    result.notes = list(notes)
    result.skipped = dict(data.skipped)
    result.check_finite()
    return result


def fit(data, model: str | Model, *, seed: int | None = 0, device: str | None = None, force: bool = False,
        jobs: int | None = None, epochs: int | None = None, batches_per_epoch: int | None = None,
        output: str | Path | None = None, cluster: str | None = None, params: dict | None = None,
        read_options: dict | None = None, on_note: NoteHandler | None = None):
    """Fit ``model`` on ``data`` and, with ``output``, save it there (on rank 0 under torchrun).
    Density models learn items (images or windows: an array, an ImageSet, or a file of them);
    every model learns series (a path, pandas, a SeriesSet). Returns the fitted model, with
    ``notes_``; ``skipped_`` names the series of the input left out for bad values."""
    from forecastgen.engine.checkpoint import check_destination, check_savable, save_checkpoint
    from forecastgen.engine.parallel import cluster_at
    from forecastgen.progress import doing

    notes = Notes(on_note)
    estimator = model_with(model, params or {}, device=device, force=force, jobs=jobs, max_epochs=epochs,
                       batches_per_epoch=batches_per_epoch)
    if seed is not None and "seed" in estimator.param_names():
        estimator.set_params(seed=seed)
    items = _is_items(data, read_options) and isinstance(estimator, DensityModel)
    if not items:
        estimator = forecaster(estimator)
    if output is not None:
        if not items and isinstance(model_of(estimator), DensityModel):
            raise InputError(f"model '{model_of(estimator).name}' fitted on series forecasts through "
                             "their windows, and that cannot be saved; fit it on windows (.npy/.npz) or "
                             "images to save it, or forecast the series with `forecastgen predict -m "
                             f"{model_of(estimator).name}`")
        check_savable(estimator)
        check_destination(output)
    skipped = {}
    if items:
        values, labels = _items(data, notes)
        use_threads(choose_threads(values.size))
        with doing(estimator.name):
            estimator.fit(values, **({"labels": labels} if estimator.supports(LABELS) else {}))
    else:
        series = _series(data, read_options, notes)
        skipped = dict(series.skipped)
        use_threads(choose_threads(series.points()))
        with doing(estimator.name), cluster_at(cluster):
            estimator.fit(series)
    history = getattr(estimator, "history_", None)
    if history is not None:
        notes.add(history.summary())
    if output is not None and is_main_process():
        save_checkpoint(estimator, output)
        notes.add(f"saved '{estimator.name}' to {output}")
    estimator.notes_, estimator.skipped_ = list(notes), skipped
    return estimator


def sample(model: Model | str | Path, num_samples: int = 64, *, seed: int | None = 0,
           label: int | None = None) -> np.ndarray:
    """``num_samples`` new items (float64) from a fitted density model or the folder it was saved
    to; ``label``: the class of every item, for a class-conditional model."""
    model = _fitted(model)
    use_threads(choose_threads(None))
    if label is not None and not (model.supports(LABELS) and getattr(model, "classes_", 0)):
        raise InputError(f"--label: model '{model.name}' is not class-conditional; fit it with "
                         "-p conditional=true on images with labels")
    labels = {} if label is None else {"labels": label}
    return np.asarray(model.sample(num_samples, seed=seed, **labels), dtype=np.float64)


def upscale(model: Model | str | Path, images, *, factor: int = 2, seed: int | None = 0,
            cached: bool = True, consistent: bool = True) -> ImageSet:
    """``images`` (a path, an ImageSet, or pixels in [0, 1]) enlarged ``factor`` (2 or 4) times
    by a fitted super-resolution model or the folder it was saved to, on the model's levels."""
    model = _fitted(model)
    if not model.supports(UPSCALE):
        raise InputError(f"model '{model.name}' does not upscale images; fit one with "
                         "`forecastgen fit IMAGES -m pixelcnn-sr -o DIR`")
    use_threads(choose_threads(None))
    small = read_images(images) if isinstance(images, (str, Path)) else images
    scaled = small.scaled() if isinstance(small, ImageSet) else np.asarray(small, dtype=np.float64)
    pixels = to_levels(scaled, model.levels_)
    large = model.upscale(pixels, factor=factor, seed=seed, cached=cached, consistent=consistent)
    return ImageSet(to_levels(large, model.levels_), model.levels_)


def check(data, alpha: float = 0.05, *, read_options: dict | None = None):
    """The autocorrelation check: for series (a path, pandas, a SeriesSet) one report per series;
    for images (a path, an ImageSet, an array (n, channels, height, width)) one report of
    neighbouring pixels against shuffled ones."""
    from forecastgen.diagnostics import check as check_series_set
    from forecastgen.diagnostics import check_images

    if isinstance(data, (str, Path)) and kind_of(data) != SERIES:
        images, kind = read_labelled_items(data)[:2]
        if kind != IMAGES:
            raise InputError(f"{data}: holds windows, not images; the check reads series from a CSV")
        data = images
    if isinstance(data, ImageSet) or (isinstance(data, np.ndarray) and data.ndim == 4):
        use_threads(choose_threads(np.asarray(getattr(data, "images", data)).size))
        return check_images(data)
    series = _series(data, read_options, Notes())
    use_threads(choose_threads(series.points()))
    return check_series_set(series, alpha=alpha)


def score(real, synthetic, kind: str | None = None, *, iterations: tuple[int, int] = (2000, 5000),
          seed: int = 0, device: str = "auto") -> dict[str, float]:
    """How well ``synthetic`` items can be told from ``real`` ones (paths or arrays): TimeGAN's
    discriminative and predictive scores, MMD, the ACF and correlation distances where they
    apply (``forecastgen.fidelity``)."""
    from forecastgen.data.items import read_items
    from forecastgen.fidelity import fidelity_scores

    if isinstance(real, (str, Path)):
        real, kind = read_items(real, kind)
    if isinstance(synthetic, (str, Path)):
        synthetic, _ = read_items(synthetic, kind)
    use_threads(choose_threads(np.asarray(real).size + np.asarray(synthetic).size))
    return fidelity_scores(real, synthetic, seed=seed, device=device, iterations=iterations)


# -- helpers ---------------------------------------------------------------------------------
def model_with(model: str | Model, params: dict, **settings):
    """A new model from a name and parameters, or ``model`` itself; the settings (device,
    force, jobs, training lengths) go to the models that take them, and a setting given for
    a model without it is refused."""
    if isinstance(model, Model):
        if params:
            raise InputError(f"give parameters to the model itself, not beside model '{model.name}'")
        estimator, accepted = model, model.param_names()
    else:
        spec = default_registry().get(model)
        estimator, accepted = None, spec.load_class().param_names()
    chosen = dict(params)
    for key, value in settings.items():
        name = "n_jobs" if key == "jobs" else key
        if value in (None, False) or (key == "jobs" and name not in accepted):
            continue
        if name not in accepted:
            raise InputError(f"model '{getattr(estimator, 'name', model)}' has no {name} setting")
        chosen[name] = value
    if estimator is None:
        return default_registry().create(model, **chosen)
    return estimator.set_params(**chosen) if chosen else estimator


def model_of(estimator):
    """The density model inside a window adapter, or the model itself."""
    from forecastgen.window_forecaster import WindowForecaster

    return estimator.model if isinstance(estimator, WindowForecaster) else estimator


def _fitted(model):
    from forecastgen.engine.checkpoint import load_checkpoint

    return load_checkpoint(model) if isinstance(model, (str, Path)) else model


def _series(data, read_options: dict | None, notes: Notes, future=None) -> SeriesSet:
    from forecastgen.data import as_series_set

    if isinstance(data, (str, Path)):
        return read(data, SERIES, **(read_options or {}), future=future, on_note=notes.add)
    data = as_series_set(data, **(read_options or {}), future=future)
    if future is not None:
        notes.add(describe_covariates(data))
    return data


def with_calendar_covariates(data: SeriesSet, holidays: str | None, calendar: bool, horizon: int,
                             on_note: NoteHandler | None = None) -> SeriesSet:
    """``data`` with the holidays of the country ``holidays`` and, with ``calendar``, the calendar
    cycle its season leaves out, as covariates over the history and ``horizon`` steps."""
    from forecastgen.data.calendar_covariates import calendar_cycle, with_calendar, with_holidays

    notes = Notes(on_note)
    if holidays:
        data = with_holidays(data, holidays, horizon)
        notes.add(f"covariate holiday_{holidays.lower()}: the public holidays of {holidays.upper()} "
                  "in each step")
    if calendar:
        cycle = calendar_cycle(data.freq)
        data = with_calendar(data, horizon)
        notes.add(f"covariate {cycle}: the {'day of the week' if cycle == 'dayofweek' else 'month'}, "
                  "a category" if cycle else
                  f"--calendar: {data.freq.name} data has no calendar cycle beside its season; none added")
    return data


def _horizon(data: SeriesSet, horizon: int | None, notes: Notes) -> int:
    """The horizon asked for, else the future file's steps, else the frequency's default; a
    horizon beyond the future covariates is refused."""
    steps = data.covariates.steps() if data.covariates is not None else 0
    if horizon is None:
        horizon = data.default_horizon
        notes.add(f"horizon {horizon}: the steps of {data.covariates.source}" if steps else
                  f"horizon {horizon}, the default for {data.freq.name} data (set --horizon)")
    elif steps and horizon > steps:
        raise InputError(f"--horizon {horizon} is longer than the {steps} steps of "
                         f"{data.covariates.source}; give the covariates for every step forecast, or "
                         f"forecast at most {steps} steps")
    return horizon


def _is_items(data, read_options: dict | None) -> bool:
    if isinstance(data, (str, Path)):
        return kind_of(data) != SERIES
    return isinstance(data, (ImageSet, np.ndarray))


def _items(data, notes: Notes) -> tuple[np.ndarray, np.ndarray | None]:
    if isinstance(data, (str, Path)):
        items, kind, labels = read_labelled_items(data)
        notes.add(f"read {len(items)} {kind} of shape {tuple(items.shape[1:])} from {data}")
        return items, labels
    if isinstance(data, ImageSet):
        return data.scaled(), data.labels
    return np.asarray(data), None


__all__ = ["IMAGES", "SERIES", "WINDOWS", "check", "fit", "forecast", "forecaster", "kind_of", "read",
           "sample", "score", "upscale", "with_calendar_covariates"]
