"""The ``forecastgen`` command: thin over the library (``forecastgen.workflows``): each command
parses its arguments, makes one library call and formats what comes back.

Data goes to stdout, notes and errors to stderr. Exit codes: 0 ok, 2 bad input or
usage, 3 some series of a long file left out for bad values or too short a history
(each named, the rest done), 1 internal error. Heavy libraries load inside the
commands, so ``--help`` and ``models`` answer fast. One module per command.
"""

from __future__ import annotations

import os
import sys
import warnings

import click

from forecastgen.cli.backtest import backtest
from forecastgen.cli.check import check
from forecastgen.cli.fit import fit
from forecastgen.cli.listing import models, plugins
from forecastgen.cli.predict import predict
from forecastgen.cli.synthesis import sample, score, upscale
from forecastgen.errors import ForecastgenError

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


for command in (predict, check, backtest, fit, score, models, plugins, sample, upscale):
    cli.add_command(command)


def main():
    try:
        cli.main(prog_name="forecastgen")
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
