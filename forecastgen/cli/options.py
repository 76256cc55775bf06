"""What the commands share: their common options, how notes and left-out series are shown,
and the small parsers and formatters of the command line."""

from __future__ import annotations

import warnings

import click

from forecastgen.engine import is_main_process
from forecastgen.errors import SkippedSeriesError
from forecastgen.progress import quiet


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


def covariate_options(command):
    """The options that give the series covariates: a future file, holidays, the calendar."""
    options = [
        click.option("--future", type=click.Path(dir_okay=False),
                     help="CSV (or parquet) of the horizon's timestamps (and ids) with the covariates' "
                          "values: the columns it shares with PATH are covariates, its steps the "
                          "horizon."),
        click.option("--holidays", metavar="COUNTRY",
                     help="Add the public holidays of COUNTRY (US, GB, DE...) per step as a covariate."),
        click.option("--calendar", is_flag=True,
                     help="Add the calendar cycle the season leaves out as a covariate: the day of the "
                          "week for hourly data, the month for daily and weekly data."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def read_options(options: dict) -> dict:
    """The reading options of ``data_options``, as the library's ``read`` takes them."""
    return {key: options[key] for key in ("time_col", "value_col", "id_col", "freq")}


def model_options(command=None, *, default: str | None = "auto", forecasts: bool = True):
    """The options that choose a model (predict, fit and backtest; ``default=None``: one must
    be named) and, for the commands that forecast, how far and with how many paths."""
    if command is None:
        return lambda command: model_options(command, default=default, forecasts=forecasts)
    forecasting = [
        click.option("-H", "--horizon", type=click.IntRange(min=1),
                     help="Steps to forecast [default: by frequency, e.g. 18 for monthly]."),
        click.option("-n", "--samples", default=200, show_default=True,
                     type=click.IntRange(min=1), help="Sample paths to draw."),
        click.option("--calibrate", type=click.Choice(["cqr", "conformal", "aci"]),
                     help="Correct the intervals by the model's own backtest errors: conformalized "
                          "quantile regression (cqr), split conformal per step (conformal) or, for "
                          "long series whose errors change, adaptive conformal inference (aci)."),
    ]
    options = [
        click.option("-m", "--model", default=default, show_default=True, required=default is None,
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


def printer(options: dict):
    """The ``on_note`` of the library's calls: each note on stderr as it comes, unless --quiet."""
    return None if options.get("quiet") else lambda text: note(options, text)


def note(options: dict, text: str) -> None:
    """A note on stderr, unless --quiet, and only from rank 0 under torchrun."""
    if not options.get("quiet") and is_main_process():
        click.echo(f"note: {text}", err=True)


def warn_left_out(path, reasons) -> None:
    """One warning on stderr for each series of the input left out, with the reason."""
    for text in reasons:
        click.echo(f"warning: {path}: series left out: {text}", err=True)


def finish(source: str, skipped: dict, done: int | None) -> None:
    """Exit 3 (after the output is written) when series of the input were left out; ``done``:
    how many series were done (None: not counted)."""
    if not skipped:
        return
    if done is None:
        raise SkippedSeriesError(f"{source}: {len(skipped)} series left out for bad values or too "
                                 "short a history (named above); the others were done")
    raise SkippedSeriesError(f"{source}: {len(skipped)} of {done + len(skipped)} series left out "
                             f"for bad values or too short a history (named above); the other "
                             f"{done} were done")


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


def parse_params(pairs: tuple[str, ...]) -> dict:
    from forecastgen.errors import InputError
    from forecastgen.registry import parse_settings

    try:
        return parse_settings(pairs)
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="-p") from None


def parse_quantiles(text: str) -> list[float]:
    try:
        levels = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of numbers") from None
    if not levels or not all(0 < q < 1 for q in levels):
        raise click.BadParameter("give quantile levels strictly between 0 and 1, e.g. 0.1,0.5,0.9")
    return levels


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip()
             for row in [header, *rows]]
    return "\n".join(lines)
