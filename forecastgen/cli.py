"""The ``forecastgen`` command: thin over the library (parse, call, format).

Data goes to stdout, notes and errors to stderr. Exit codes: 0 ok, 2 bad input or
usage, 3 some series of a long file left out for bad values or too short a history
(each named, the rest done), 1 internal error. Heavy libraries load inside the
commands, so ``--help`` and ``models`` answer fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import warnings

import click

from forecastgen.engine import is_main_process
from forecastgen.engine.threads import choose_threads, use_threads
from forecastgen.errors import ForecastgenError, InputError, SkippedSeriesError
from forecastgen.interfaces import LABELS, NEW_SERIES, UPSCALE
from forecastgen.progress import doing, quiet

DEBUG_VARIABLE = "FORECASTGEN_DEBUG"


class Cli(click.Group):
    """Turns forecastgen's errors into one line on stderr and the right exit code."""

    def invoke(self, ctx):
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _show_warning
                return super().invoke(ctx)
        except ForecastgenError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc}; please report it "
                       f"(set {DEBUG_VARIABLE}=1 to see the traceback)", err=True)
            ctx.exit(1)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one plain line on stderr, like the notes."""
    click.echo(f"warning: {message}", err=True)


def _log_training(ctx, param, value):
    if value:
        import logging

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger("forecastgen")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        ctx.call_on_close(lambda: logger.removeHandler(handler))
    return value


@click.group(cls=Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="forecastgen")
@click.option("-v", "--verbose", is_flag=True, expose_value=False, is_eager=True, callback=_log_training,
              help="Print training logs on stderr (a GAN's losses, accuracy and diversity per epoch).")
def cli():
    """Probabilistic forecasts and synthetic data from generative models.

    \b
    Examples:
      forecastgen predict examples/data/airline.csv
      forecastgen predict sales.csv --model theta --horizon 12 --plot sales.png -o forecast.csv
      forecastgen check examples/data/airline.csv
      forecastgen backtest examples/data/airline.csv --model ets --windows 3
      forecastgen models

    \b
    Exit codes: 0 done; 2 bad input or usage (one line on stderr, nothing written);
    3 some series of a long file left out for bad values or too short a history (each
    named, with its line where it has one; the others done and written); 1 an internal
    error or a model that failed.
    """


def _silence_progress(ctx, param, value):
    if value:
        ctx.with_resource(quiet())
    return value


def data_options(command):
    """The options that say how to read a CSV."""
    options = [
        click.option("--time-col", help="Column with the timestamps (detected by default)."),
        click.option("--value-col", help="Column with the values (detected by default)."),
        click.option("--id-col", help="Column with series ids, for long files (detected by default)."),
        click.option("--freq", help="Frequency, e.g. monthly, MS, QE, W-FRI, D, B, h (inferred by default)."),
        click.option("-q", "--quiet", is_flag=True, callback=_silence_progress,
                     help="Do not print notes or progress bars on stderr."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def read_data(path, options):
    from forecastgen.data import read_series

    data = read_series(path, time_col=options["time_col"], value_col=options["value_col"],
                       id_col=options["id_col"], freq=options["freq"])
    use_threads(choose_threads(data.points()))
    series = f"{len(data)} series" if len(data) > 1 else "1 series"
    note(options, f"read {series} from {path}: {data.freq.name} ({data.freq.alias}), "
                  f"{data.shortest()}+ points")
    for text in data.notes:
        note(options, text)
    warn_left_out(path, data.skipped.values())
    return data


def warn_left_out(path, reasons) -> None:
    """One warning on stderr for each series of the input left out, with the reason."""
    for text in reasons:
        click.echo(f"warning: {path}: series left out: {text}", err=True)


def finish(data) -> None:
    """Exit 3 (after the output is written) when series of the input were left out."""
    if data.skipped:
        total = len(data) + len(data.skipped)
        raise SkippedSeriesError(f"{data.source}: {len(data.skipped)} of {total} series left out for "
                                 f"bad values or too short a history (named above); the other "
                                 f"{len(data)} were done")


def note(options, text: str) -> None:
    """A note on stderr, unless --quiet, and only from rank 0 under torchrun."""
    if not options.get("quiet") and is_main_process():
        click.echo(f"note: {text}", err=True)


def model_registry():
    """The installed models, the same registry auto and the library use (built once); each
    plugin problem is printed once as a warning."""
    from forecastgen.registry import default_registry

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        registry = default_registry()
    for problem in registry.problems:
        click.echo(f"warning: {problem.message()}", err=True)
    return registry


def parse_quantiles(text: str) -> list[float]:
    try:
        levels = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of numbers") from None
    if not levels or not all(0 < q < 1 for q in levels):
        raise click.BadParameter("give quantile levels strictly between 0 and 1, e.g. 0.1,0.5,0.9")
    return levels


def build_model(registry, name: str, pairs: tuple[str, ...], device: str | None, force: bool,
                series: bool = True, jobs: int | None = None, epochs: int | None = None,
                batches: int | None = None):
    """A new model from the command line's name, NAME=VALUE pairs, --device, --force and
    --jobs (for the models that work series by series); with ``series``, a density model
    comes wrapped to forecast series through windows."""
    spec = registry.get(name)
    if series and spec.interface != "sequence" and "forecast" not in spec.capabilities:
        raise InputError(f"model '{name}' is a {spec.interface} model that cannot forecast: it learns "
                         "fixed-shape items; `forecastgen models` shows each model's capabilities")
    params = parse_params(pairs)
    accepted = spec.load_class().param_names()
    settings = (("--device", "device", device), ("--force", "force", force or None),
                ("--epochs", "max_epochs", epochs), ("--batches-per-epoch", "batches_per_epoch", batches))
    for option, key, value in settings:
        if value is None:
            continue
        if key not in accepted:
            raise click.BadParameter(f"model '{name}' has no {key} setting", param_hint=option)
        params[key] = value
    if jobs is not None and "n_jobs" in accepted:
        params["n_jobs"] = jobs
    from forecastgen.window_forecaster import as_forecaster

    model = registry.create(spec.name, **params)
    return as_forecaster(model) if series else model  # density models forecast windows


@contextlib.contextmanager
def on_cluster_at(address: str | None):
    """Per-series work inside the block on the Dask or Ray cluster at ``address`` (none: here)."""
    if not address:
        yield
        return
    from forecastgen.engine.parallel import connect, on_cluster

    with connect(address) as client, on_cluster(client):
        yield


def parse_params(pairs: tuple[str, ...]) -> dict:
    from forecastgen.registry import parse_value

    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r}: write model parameters as NAME=VALUE")
        params[key.strip()] = parse_value(value)
    return params


def model_options(command=None, *, default: str = "ets", forecasts: bool = True):
    """The options that choose a model (predict, fit and backtest) and, for the commands
    that forecast, how far and with how many paths."""
    if command is None:
        return lambda command: model_options(command, default=default, forecasts=forecasts)
    forecasting = [
        click.option("-H", "--horizon", type=click.IntRange(min=1),
                     help="Steps to forecast [default: by frequency, e.g. 18 for monthly]."),
        click.option("-n", "--samples", default=200, show_default=True,
                     type=click.IntRange(min=1), help="Sample paths to draw."),
    ]
    options = [
        click.option("-m", "--model", default=default, show_default=True,
                     help="Model name (see `forecastgen models`); auto backtests the suitable "
                          "ones and picks the best."),
        click.option("--device", help="Where neural models run: auto, cpu, cuda or mps."),
        click.option("--force", is_flag=True,
                     help="Fit autoregressive models even without autocorrelation."),
        click.option("-j", "--jobs", type=click.IntRange(min=1),
                     help="Worker processes for models fitted series by series [default: every core]."),
        click.option("--cluster", metavar="ADDRESS",
                     help="Run the per-series work on a cluster: a Dask scheduler's address "
                          "(tcp://10.0.0.5:8786), a Ray cluster's (ray://10.0.0.5:10001), or "
                          "'ray' for a Ray started on this machine."),
        *(forecasting if forecasts else []),
        click.option("--seed", default=0, show_default=True, type=int, help="Random seed."),
        click.option("-p", "--param", "params", multiple=True,
                     help="Model parameter NAME=VALUE (repeatable)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False))
@model_options(default="auto")
@click.option("--quantiles", default="0.1,0.5,0.9", show_default=True,
              help="Quantile levels to write.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the forecast here instead of stdout: CSV, or parquet for a .parquet name.")
@click.option("--plot", type=click.Path(dir_okay=False),
              help="Also write a PNG plot of history and forecast.")
@click.option("--model-path", type=click.Path(file_okay=False),
              help="Forecast with a model saved by `forecastgen fit` instead of fitting one.")
@data_options
def predict(path, model, horizon, quantiles, samples, seed, params, output, plot, model_path,
            device, force, jobs, cluster, **options):
    """Forecast the series in a CSV: mean and quantiles per future step.

    \b
    The CSV can hold one series (timestamp,value), several side by side (wide),
    or stacked (long: id,timestamp,value); the layout is detected.
    Output columns: id, timestamp, mean, q10, q50, q90 (one per --quantiles level);
    the mean is the model's exact mean where it has one, the quantiles come from
    the --samples sample paths.

    \b
    The default model, auto, backtests the forecasters that suit the data on their
    last two windows and mixes their sample paths, each weighted by its backtest
    score; notes on stderr say which and why.

    \b
    Examples:
      forecastgen predict examples/data/airline.csv
      forecastgen predict examples/data/airline.csv -m theta -H 24 --plot airline.png
      forecastgen predict stores.csv --id-col store --quantiles 0.05,0.5,0.95 -o out.csv
    """
    from forecastgen.output import check_writable

    levels = parse_quantiles(quantiles)
    check_writable(output, "--output")
    check_writable(plot, "--plot")
    registry = model_registry()
    if model_path:
        from forecastgen.engine.checkpoint import load_checkpoint

        estimator = load_checkpoint(model_path, registry, **({"device": device} if device else {}))
        note(options, f"loaded '{estimator.name}' from {model_path}")
        if not estimator.supports(NEW_SERIES):
            raise InputError(f"{model_path}: model '{estimator.name}' forecasts only the series it "
                             f"was fitted on; forecast {path} with `forecastgen predict {path} "
                             f"-m {estimator.name}` instead")
    else:
        estimator = build_model(registry, model, params, device, force, jobs=jobs)
    data = read_data(path, options)
    if horizon is None:
        horizon = data.freq.horizon
        note(options, f"horizon {horizon}, the default for {data.freq.name} data (set --horizon)")
    data, before = data.without_shorter_than(horizon), data.skipped
    warn_left_out(path, [text for key, text in data.skipped.items() if key not in before])
    with doing(estimator.name), on_cluster_at(cluster):
        if model_path:
            forecast = estimator.predict(horizon, num_samples=samples, seed=seed, data=data)
        else:
            forecast = estimator.fit_predict(data, horizon, num_samples=samples, seed=seed)
    del estimator  # its fitted states and histories: memory the table needs (GBs for 100,000 series)
    for text in forecast.notes:
        note(options, text)
    forecast.check_finite()
    table = forecast.to_frame(levels)
    if plot:
        from forecastgen.plotting import MAX_PANELS

        forecast.plot(plot)
        count = len(forecast.ids)
        shown = f" (the first {MAX_PANELS} of {count} series)" if count > MAX_PANELS else ""
        note(options, f"wrote the plot to {plot}{shown}")
    if output:
        from forecastgen.output import write_table

        write_table(output, table)
        note(options, f"wrote {len(forecast.ids)} series x {horizon} steps to {output}")
    else:
        from forecastgen.output import csv_text

        click.echo(csv_text(table), nl=False)
    finish(data)


@cli.command()
@click.argument("path", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@click.option("--alpha", default=0.05, show_default=True, help="Significance level.",
              type=click.FloatRange(0, 1, min_open=True, max_open=True))
@click.option("--plot", type=click.Path(dir_okay=False), help="Also write a PNG of the ACF and PACF.")
@data_options
def check(path, as_json, alpha, plot, **options):
    """Autocorrelation check: can autoregressive models learn from these series or images?

    \b
    Series: ACF and PACF, the Ljung-Box test, the seasonal period seen in the
    data, a unit-root test, and a plain verdict per series. Images (a PNG folder,
    .npz/.npy): the correlation of pixels with their left and upper neighbours
    against a shuffled-pixel baseline, and a verdict for pixel models.

    \b
    Examples:
      forecastgen check examples/data/airline.csv --plot airline-acf.png
      forecastgen check stores.csv --json | jq '.[].has_autocorrelation'
      forecastgen check examples/data/digits.npz
    """
    if is_items_file(path):
        if plot:
            raise InputError("--plot draws the ACF and PACF of series; images get the verdict only")
        check_images_file(path, as_json)
        return
    from forecastgen.diagnostics import check as run_check

    data = read_data(path, options)
    reports = run_check(data, alpha=alpha)
    if plot:
        from forecastgen.plotting import plot_autocorrelation

        plot_autocorrelation(reports, plot)
        note(options, f"wrote the ACF and PACF plot to {plot}")
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in reports], indent=2, default=str))
    else:
        for report in reports:
            click.echo(format_report(report))
    finish(data)


def check_images_file(path: str, as_json: bool) -> None:
    from forecastgen.data.items import IMAGES, read_items
    from forecastgen.diagnostics import check_images

    images, kind = read_items(path)
    use_threads(choose_threads(images.size))
    if kind != IMAGES:
        raise InputError(f"{path}: holds windows, not images; the check reads series from a CSV")
    report = check_images(images)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    checked = f" ({report.images} checked at random)" if report.images < len(images) else ""
    click.echo(f"{path}: {len(images)} images of shape {tuple(images.shape[1:])}{checked}\n"
               f"  {report.verdict}")


def format_report(report) -> str:
    lines = [f"{report.id}: {report.length} points, calendar period {report.calendar_period}",
             f"  {report.verdict}"]
    if report.acf:
        lines.append("  ACF  " + " ".join(f"{v:+.2f}" for v in report.acf[:24]))
    if report.pacf:
        lines.append("  PACF " + " ".join(f"{v:+.2f}" for v in report.pacf[:24]))
    if report.acf:
        lines.append(f"  significance bound +-{report.significance_bound:.3f}; significant lags: "
                     + (", ".join(map(str, report.significant_lags[:24])) or "none"))
    return "\n".join(lines) + "\n"


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False))
@model_options
@click.option("-w", "--windows", default=3, show_default=True, type=click.IntRange(min=1),
              help="Rolling-origin windows.")
@click.option("--per-series", is_flag=True, help="Print every series and window, not only the means.")
@data_options
def backtest(path, model, windows, horizon, samples, seed, params, per_series, device, force, jobs,
             cluster, **options):
    """Rolling-origin backtest over the last windows: MASE, sMAPE, CRPS, coverage.

    \b
    Examples:
      forecastgen backtest examples/data/airline.csv --model ets --windows 3
      forecastgen backtest examples/data/airline.csv -m snaive -H 12 --per-series
    """
    from forecastgen.evaluate import backtest as run_backtest

    estimator = build_model(model_registry(), model, params, device, force, jobs=jobs)
    data = read_data(path, options)
    with doing(f"backtest of {estimator.name}"), on_cluster_at(cluster):
        result = run_backtest(data, estimator, windows=windows, horizon=horizon, num_samples=samples,
                              seed=seed)
    table = result.scores if per_series else result.summary()
    click.echo(f"backtest of '{estimator.name}' ({windows} window(s); MASE, sMAPE and scaled CRPS: "
               "lower is better; coverage: share inside the 80%/95% intervals)")
    click.echo(table.to_string(float_format=lambda v: f"{v:.3f}"))
    unscaled = result.unscaled()
    if unscaled:
        shown = ", ".join(f"'{key}'" for key in unscaled[:5]) + (" and others" if len(unscaled) > 5 else "")
        note(options, f"MASE and scaled CRPS are undefined (NaN, left out of the means) for {shown} where "
                      "the history before a window is constant: an error there has no scale")
    finish(data)


@cli.command()
@click.argument("path", type=click.Path())
@model_options(forecasts=False)
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Folder to write the fitted model to (weights and config).")
@click.option("--epochs", type=click.IntRange(min=1),
              help="Training epochs of a neural model (its max_epochs; early stopping may end it sooner).")
@click.option("--batches-per-epoch", "batches", type=click.IntRange(min=1),
              help="Minibatches per epoch of a neural model.")
@data_options
def fit(path, model, seed, params, output, device, force, jobs, cluster, epochs, batches, **options):
    """Fit a model and save it, to forecast later with `predict --model-path` or to
    draw from with `sample`.

    \b
    PATH is a series CSV, or for density models (gmm, vae, ae-gmm) items: images (a
    folder of PNGs, .npz with 'images') or windows (.npy/.npz). The folder holds
    model.safetensors (the weights) and config.json (the model, its parameters and
    scaling); nothing in it is executable. Under torchrun, training is data parallel
    and only rank 0 writes.

    \b
    Examples:
      forecastgen fit examples/data/airline.csv --model rnn -o airline-rnn
      forecastgen fit examples/data/airline.csv -m rnn --epochs 5 --device cpu -o quick-rnn
      forecastgen models rnn          # every parameter of a model, with its default
      forecastgen predict examples/data/airline.csv --model-path airline-rnn
      forecastgen fit examples/data/digits.npz --model vae -o digits-vae
      forecastgen sample digits-vae -n 64 -o grid.png
      torchrun --nproc_per_node=2 -m forecastgen.cli fit data.csv -m rnn -o out
    """
    from forecastgen.engine.checkpoint import check_destination, check_savable, save_checkpoint

    registry = model_registry()
    items = is_items_file(path) and registry.get(model).interface == "density"
    estimator = build_model(registry, model, params, device, force, series=not items, jobs=jobs,
                            epochs=epochs, batches=batches)
    check_savable(estimator)
    check_destination(output)
    if "seed" in estimator.get_params():
        estimator.set_params(seed=seed)
    if items:
        from forecastgen.data.items import read_labelled_items

        data, kind, labels = read_labelled_items(path)
        use_threads(choose_threads(data.size))
        note(options, f"read {len(data)} {kind} of shape {tuple(data.shape[1:])} from {path}")
        with doing(estimator.name):
            estimator.fit(data, **({"labels": labels} if estimator.supports(LABELS) else {}))
    else:
        data = read_data(path, options)
        with doing(estimator.name), on_cluster_at(cluster):
            estimator.fit(data)
    history = getattr(estimator, "history_", None)
    if history is not None:
        note(options, history.summary())
    if is_main_process():
        save_checkpoint(estimator, output)
        note(options, f"saved '{estimator.name}' to {output}")
    if not items:
        finish(data)


@cli.command()
@click.argument("real", type=click.Path())
@click.argument("synthetic", type=click.Path())
@click.option("--kind", type=click.Choice(["images", "windows"]),
              help="What the files hold (default: images for PNG folders and .npz with an "
                   "'images' array, else windows).")
@click.option("--iterations", default="2000,5000", show_default=True,
              help="Training steps of the discriminative and predictive networks.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, mps.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def score(real, synthetic, kind, iterations, seed, device, as_json):
    """Score how well SYNTHETIC items can be told from REAL ones.

    Windows (.csv with one window per row, .npy/.npz of shape (n, length[, channels]),
    scaled to [0, 1]) get TimeGAN's discriminative score (|accuracy - 0.5| of a post-hoc
    GRU, lower is better) and predictive score (MAE on REAL of a GRU trained on
    SYNTHETIC), RBF MMD, the ACF distance and, for several channels, the correlation
    distance (mean |difference| of the channels' correlations); images (PNG folder, .npz
    with 'images') get the discriminative score (a small CNN) and MMD.

    \b
    Examples:
      forecastgen score real_windows.npy synth_windows.npy
      forecastgen score examples/data/digits.npz samples.npz --json
    """
    from forecastgen.data.items import read_items
    from forecastgen.fidelity import fidelity_scores

    real_items, real_kind = read_items(real, kind)
    synthetic_items, _ = read_items(synthetic, kind or real_kind)
    use_threads(choose_threads(real_items.size + synthetic_items.size))
    try:
        steps = tuple(int(part) for part in iterations.split(","))
    except ValueError:
        raise click.BadParameter("give two whole numbers, e.g. 2000,5000",
                                 param_hint="--iterations") from None
    scores = fidelity_scores(real_items, synthetic_items, seed=seed, device=device,
                             iterations=(steps + steps)[:2])
    if as_json:
        click.echo(json.dumps({"kind": real_kind, **scores}, indent=2))
        return
    click.echo(format_table(["metric", "value"], [[k, f"{v:.4f}"] for k, v in scores.items()]))


@cli.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def models(name, as_json):
    """List the installed models: name, family, interface, capabilities, plugin; with NAME, that
    model's summary and its parameters with their defaults (set them with -p NAME=VALUE).

    \b
    Examples:
      forecastgen models
      forecastgen models rnn
    """
    registry = model_registry()
    if name:
        describe_model(registry.get(name), as_json)
        return
    rows = [{"name": s.name, "family": s.family, "interface": s.interface,
             "capabilities": sorted(s.capabilities), "plugin": s.plugin, "version": s.version,
             "summary": s.summary} for s in (registry.specs[n] for n in registry.names())]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = [[r["name"], r["family"], r["interface"], ",".join(r["capabilities"]),
              f"{r['plugin']} {r['version']}".strip()] for r in rows]
    click.echo(format_table(["name", "family", "interface", "capabilities", "plugin"], table))


def describe_model(spec, as_json: bool) -> None:
    parameters = spec.parameters()
    notes = spec.load_class().parameter_notes
    if as_json:
        click.echo(json.dumps({"name": spec.name, "summary": spec.summary, "family": spec.family,
                               "interface": spec.interface, "capabilities": sorted(spec.capabilities),
                               "plugin": spec.plugin, "trains": spec.trains, "parameters": parameters,
                               "parameter_notes": notes}, indent=2, default=repr))
        return
    capabilities = ", ".join(sorted(spec.capabilities))
    click.echo(f"{spec.name}: {spec.summary}\nfamily {spec.family}, {spec.interface} model, capabilities "
               f"{capabilities}; from {spec.plugin} {spec.version}".rstrip())
    click.echo("\nparameters (set with -p NAME=VALUE, values as you would type them):")
    shown = [[key, value if isinstance(value, str) else json.dumps(value, default=repr)]
             + ([notes.get(key, "")] if notes else []) for key, value in parameters.items()]
    click.echo(format_table(["name", "default"] + (["null means"] if notes else []), shown))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json):
    """List the installed plugins: distribution, version, hooks, and load problems."""
    registry = model_registry()
    loaded = registry.loaded
    rows = [{"name": p.name, "distribution": p.distribution, "version": p.version,
             "hooks": list(p.hooks)} for p in loaded.plugins]
    problems = [{"name": p.plugin, "distribution": p.distribution, "error": p.error}
                for p in registry.problems]
    if as_json:
        click.echo(json.dumps({"plugins": rows, "problems": problems}, indent=2))
        return
    click.echo(format_table(["plugin", "distribution", "version", "hooks"],
                            [[r["name"], r["distribution"], r["version"], ",".join(r["hooks"])]
                             for r in rows]))
    for problem in problems:
        click.echo(f"problem: {problem['name']} ({problem['distribution']}): {problem['error']}")


def is_items_file(path: str) -> bool:
    """Images or windows for density models, rather than a series CSV."""
    from pathlib import Path

    return Path(path).is_dir() or Path(path).suffix in (".npz", ".npy")


@cli.command()
@click.argument("model_dir", type=click.Path(file_okay=False))
@click.option("-n", "--num-samples", default=64, show_default=True, type=click.IntRange(min=1))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="grid.png (images), or .npy / .npz / .csv (one window per row) for the items.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--plot", type=click.Path(dir_okay=False),
              help="For windows: also a PNG of the first sixteen sampled windows.")
@click.option("--label", type=click.IntRange(min=0),
              help="Class of every sample, for class-conditional models (conditional=true).")
def sample(model_dir, num_samples, output, seed, plot, label):
    """Draw new items from a saved density model (see `fit`).

    \b
    Examples:
      forecastgen sample digits-vae -n 64 -o grid.png
      forecastgen sample sines-gmm -n 1000 -o synth.csv --plot synth.png
      forecastgen sample digits-gan -n 64 --label 3 -o threes.png
    """
    import numpy as np

    from forecastgen.engine.checkpoint import load_checkpoint
    from forecastgen.output import check_writable, write_samples

    check_writable(output, "--output")
    check_writable(plot, "--plot")
    use_threads(choose_threads(None))
    model = load_checkpoint(model_dir)
    if plot and model.supports("images") and not model.supports("series"):
        raise InputError("--plot draws sampled windows; this model samples images: write them "
                         "to a .png output instead")
    labels = {} if label is None else {"labels": label}
    if labels and not (model.supports(LABELS) and model.classes_):
        raise InputError(f"--label: the model in {model_dir} is not class-conditional; fit it with "
                         "-p conditional=true on images with labels")
    items = np.asarray(model.sample(num_samples, seed=seed, **labels), dtype=np.float64)
    if plot and items.ndim == 4:
        raise InputError("--plot draws sampled windows; images go to a .png output instead")
    write_samples(output, items)
    if plot:
        from forecastgen.plotting import plot_windows

        plot_windows(items, plot)
    click.echo(f"note: wrote {num_samples} samples of shape {items.shape[1:]} to {output}", err=True)


@cli.command()
@click.argument("model_dir", type=click.Path(file_okay=False))
@click.argument("images", type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="out.png (one image at its size, or a grid of several), or .npz / .npy.")
@click.option("--factor", default=2, show_default=True, type=click.Choice(["2", "4"]),
              help="2x, or 4x as two 2x steps.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--naive", is_flag=True, help="Sample without the cache (slow; for comparison).")
@click.option("--consistent/--free", default=True, show_default=True,
              help="Keep each 2x2 block's mean on the small pixel, or sample the model as it is.")
def upscale(model_dir, images, output, factor, seed, naive, consistent):
    """Enlarge IMAGES 2x or 4x with a saved super-resolution model (fit -m pixelcnn-sr).

    IMAGES is one .png, a folder of PNGs, or a .npz/.npy batch; their pixel levels are
    mapped onto the model's. Each output pixel is sampled given the small image, so
    another --seed gives another plausible large image.

    \b
    Examples:
      forecastgen fit examples/data/digits.npz -m pixelcnn-sr -o digits-sr
      forecastgen upscale digits-sr small.png -o large.png
      forecastgen upscale digits-sr small.npz -o large.npz --factor 4
    """
    from forecastgen.data.images import read_images, to_levels
    from forecastgen.engine.checkpoint import load_checkpoint
    from forecastgen.output import check_writable, write_images

    check_writable(output, "--output")
    use_threads(choose_threads(None))
    model = load_checkpoint(model_dir)
    if not model.supports(UPSCALE):
        raise InputError(f"{model_dir}: model '{model.name}' does not upscale images; fit one with "
                         "`forecastgen fit IMAGES -m pixelcnn-sr -o DIR`")
    small = read_images(images)
    pixels = to_levels(small.scaled(), model.levels_)
    large = model.upscale(pixels, factor=int(factor), seed=seed, cached=not naive, consistent=consistent)
    write_images(output, large, model.levels_)
    click.echo(f"note: enlarged {len(large)} image(s) {tuple(pixels.shape[2:])} -> "
               f"{tuple(large.shape[2:])} ({model.levels_} levels) into {output}", err=True)


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip()
             for row in [header, *rows]]
    return "\n".join(lines)


def main():
    try:
        cli.main(prog_name="forecastgen")
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
