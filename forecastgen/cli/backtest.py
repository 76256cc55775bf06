"""``forecastgen backtest``: rolling-origin backtests of a model (``forecastgen.backtest``): the
scores, and on request every cutoff's forecasts beside the actual values, and their plot."""

from __future__ import annotations

import click

from forecastgen.cli.options import (
    covariate_options,
    data_options,
    finish,
    model_options,
    model_registry,
    note,
    parse_params,
    parse_quantiles,
    printer,
    read_options,
    warn_left_out,
)


@click.command()
@click.argument("path", type=click.Path(dir_okay=False))
@model_options
@click.option("-w", "--windows", default=3, show_default=True, type=click.IntRange(min=1),
              help="Rolling-origin windows (cutoffs).")
@click.option("--step", type=click.IntRange(min=1),
              help="Points between cutoffs [default: the horizon: windows back to back].")
@click.option("--no-refit", "no_refit", is_flag=True,
              help="Fit once, at the first cutoff, and forecast the later ones from their histories "
                   "(models that forecast new series).")
@click.option("--per-series", is_flag=True, help="Print every series and window, not only the means.")
@click.option("--forecasts", type=click.Path(dir_okay=False),
              help="Also write every cutoff's forecasts beside the actual values: id, window, cutoff, "
                   "timestamp, actual, mean, quantiles (CSV, or parquet for a .parquet name).")
@click.option("--quantiles", default="0.1,0.5,0.9", show_default=True,
              help="Quantile levels of the --forecasts table and the --plot band.")
@click.option("--plot", type=click.Path(dir_okay=False),
              help="Also write a PNG of each cutoff's forecast against the actual values.")
@covariate_options
@data_options
def backtest(path, model, windows, step, no_refit, horizon, samples, seed, params, per_series, forecasts,
             quantiles, plot, future, holidays, calendar, device, force, jobs, cluster, calibrate,
             **options):
    """Rolling-origin backtest over the last windows: MASE, sMAPE, CRPS, coverage.

    \b
    Examples:
      forecastgen backtest examples/data/airline.csv --model ets --windows 3
      forecastgen backtest examples/data/airline.csv -m snaive -H 12 --per-series
      forecastgen backtest examples/data/airline.csv -m theta -w 6 --step 3 --forecasts cv.csv --plot cv.png
      forecastgen backtest examples/data/macro.csv -m theta --calibrate cqr
      forecastgen backtest examples/data/seatbelts.csv --future examples/data/seatbelts_future.csv -m ets

    \b
    With --future (or --holidays, --calendar) the series have covariates: each
    cutoff's forecast is given their values over its window, as predict would be.
    """
    from forecastgen.data.writer import check_writable, write_table
    from forecastgen.engine.parallel import cluster_at
    from forecastgen.evaluate import backtest as run_backtest
    from forecastgen.progress import doing
    from forecastgen.workflows import forecaster, model_with, read, with_calendar_covariates

    levels = parse_quantiles(quantiles)
    check_writable(forecasts, "--forecasts")
    check_writable(plot, "--plot")
    model_registry()
    # the parameters may name the model's own calibrate (auto's): made first, then wrapped
    estimator = forecaster(model_with(model, parse_params(params), device=device, force=force, jobs=jobs),
                           calibrate=calibrate)
    data = read(path, "series", **read_options(options), future=future, on_note=printer(options))
    data = with_calendar_covariates(data, holidays, calendar, horizon or data.default_horizon,
                                    printer(options))
    warn_left_out(path, data.skipped.values())
    with doing(f"backtest of {estimator.name}"), cluster_at(cluster):
        result = run_backtest(data, estimator, windows=windows, horizon=horizon, step=step,
                              refit=not no_refit, num_samples=samples, seed=seed, quantiles=levels)
    table = result.scores if per_series else result.summary()
    label = estimator.name if calibrate is None else f"{model}' calibrated by '{calibrate}"
    click.echo(f"backtest of '{label}' ({windows} window(s); MASE, sMAPE and scaled CRPS: "
               "lower is better; coverage: share inside the 80%/95% intervals)")
    click.echo(table.to_string(float_format=lambda v: f"{v:.3f}"))
    unscaled = result.unscaled()
    if unscaled:
        shown = ", ".join(f"'{key}'" for key in unscaled[:5]) + (" and others" if len(unscaled) > 5 else "")
        note(options, f"MASE and scaled CRPS are undefined (NaN, left out of the means) for {shown} where "
                      "the history before a window is constant: an error there has no scale")
    if forecasts:
        write_table(forecasts, result.forecasts)
        note(options, f"wrote {len(result.forecasts)} forecast rows ({windows} cutoffs) to {forecasts}")
    if plot:
        from forecastgen.plotting import plot_cross_validation

        plot_cross_validation(result.forecasts, data, plot)
        note(options, f"wrote the plot of the forecasts to {plot}")
    finish(path, data.skipped, len(data))
