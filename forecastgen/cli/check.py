"""``forecastgen check``: can autoregressive models learn here (``forecastgen.workflows.check``)?"""

from __future__ import annotations

import json

import click

from forecastgen.cli.options import data_options, finish, note, printer, read_options, warn_left_out
from forecastgen.errors import InputError


@click.command()
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
    from forecastgen import workflows
    from forecastgen.data.images import ImageSet

    if workflows.kind_of(path) != workflows.SERIES:
        if plot:
            raise InputError("--plot draws the ACF and PACF of series; images get the verdict only")
        images = workflows.read(path)
        if not isinstance(images, ImageSet):
            raise InputError(f"{path}: holds windows, not images; the check reads series from a CSV")
        report = workflows.check(images)
        if as_json:
            click.echo(json.dumps(report.to_dict(), indent=2))
            return
        checked = f" ({report.images} checked at random)" if report.images < len(images) else ""
        click.echo(f"{path}: {len(images)} images of shape {images.shape}{checked}\n  {report.verdict}")
        return
    data = workflows.read(path, workflows.SERIES, **read_options(options), on_note=printer(options))
    warn_left_out(path, data.skipped.values())
    reports = workflows.check(data, alpha=alpha)
    if plot:
        from forecastgen.plotting import plot_autocorrelation

        plot_autocorrelation(reports, plot)
        note(options, f"wrote the ACF and PACF plot to {plot}")
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in reports], indent=2, default=str))
    else:
        for report in reports:
            click.echo(format_report(report))
    finish(path, data.skipped, len(data))


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
