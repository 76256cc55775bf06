"""``forecastgen predict``: forecast the series of a file (``forecastgen.workflows.forecast``)."""

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
@click.option("--quantiles", default="0.1,0.5,0.9", show_default=True,
              help="Quantile levels to write.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the forecast here instead of stdout: CSV, or parquet for a .parquet name.")
@click.option("--plot", type=click.Path(dir_okay=False),
              help="Also write a PNG plot of history and forecast.")
@click.option("--model-path", type=click.Path(file_okay=False),
              help="Forecast with a model saved by `forecastgen fit` instead of fitting one.")
@covariate_options
@data_options
def predict(path, model, horizon, quantiles, samples, seed, params, output, plot, model_path,
            future, holidays, calendar, device, force, jobs, cluster, calibrate, **options):
    """Forecast the series in a CSV: mean and quantiles per future step.

    \b
    The CSV can hold one series (timestamp,value), several side by side (wide),
    or stacked (long: id,timestamp,value); the layout is detected.
    Output columns: id, timestamp, mean, q10, q50, q90 (one per --quantiles level);
    the mean is the model's exact mean where it has one, the quantiles come from
    the --samples sample paths.

    \b
    Covariates: with --future FUTURE, PATH holds the target and the covariates
    (timestamp,value,temp,workday; or long, with an id column) and FUTURE the
    horizon's timestamps with the same covariates (timestamp,temp,workday). The
    target is --value-col or the numeric column FUTURE lacks; text columns are
    categories. The horizon is FUTURE's steps (-H may shorten it).

    \b
    The default model, auto, backtests the forecasters that suit the data on their
    last three windows and combines them, each weighted by its backtest score;
    notes on stderr say which and why.

    \b
    Examples:
      forecastgen predict examples/data/airline.csv
      forecastgen predict examples/data/airline.csv -m theta -H 24 --plot airline.png
      forecastgen predict stores.csv --id-col store --quantiles 0.05,0.5,0.95 -o out.csv
      forecastgen predict examples/data/bikes.csv --future examples/data/bikes_future.csv
    """
    from forecastgen.data.writer import check_writable, csv_text, write_table
    from forecastgen.workflows import forecast

    levels = parse_quantiles(quantiles)
    check_writable(output, "--output")
    check_writable(plot, "--plot")
    model_registry()  # plugin problems, once, before any work
    settings = {} if model_path else parse_params(params)
    result = forecast(path, model, horizon=horizon, num_samples=samples, seed=seed,
                      model_path=model_path, device=device, force=force, jobs=jobs, cluster=cluster,
                      calibrate=calibrate,
                      params=settings, read_options=read_options(options), future=future,
                      holidays=holidays, calendar=calendar,
                      on_note=printer(options))
    warn_left_out(path, result.skipped.values())
    table = result.to_frame(levels)
    if plot:
        from forecastgen.plotting import MAX_PANELS

        result.plot(plot)
        count = len(result.ids)
        shown = f" (the first {MAX_PANELS} of {count} series)" if count > MAX_PANELS else ""
        note(options, f"wrote the plot to {plot}{shown}")
    if output:
        write_table(output, table)
        steps = len(result.index[result.ids[0]])
        note(options, f"wrote {len(result.ids)} series x {steps} steps to {output}")
    else:
        click.echo(csv_text(table), nl=False)
    finish(path, result.skipped, len(result.ids))
