"""``forecastgen backtest``: rolling-origin backtests of a model (``forecastgen.backtest``)."""

from __future__ import annotations

import click

from forecastgen.cli.options import (
    data_options,
    finish,
    model_options,
    model_registry,
    note,
    parse_params,
    printer,
    read_options,
    warn_left_out,
)


@click.command()
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
    from forecastgen.engine.parallel import cluster_at
    from forecastgen.evaluate import backtest as run_backtest
    from forecastgen.progress import doing
    from forecastgen.workflows import forecaster, read

    model_registry()
    estimator = forecaster(model, device=device, force=force, jobs=jobs, **parse_params(params))
    data = read(path, "series", **read_options(options), on_note=printer(options))
    warn_left_out(path, data.skipped.values())
    with doing(f"backtest of {estimator.name}"), cluster_at(cluster):
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
    finish(path, data.skipped, len(data))
