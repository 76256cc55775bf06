"""Awkward series: valid but degenerate inputs, and the rule every forecaster keeps on them.

Real files hold series that break careless arithmetic: a constant has no range, no
standard deviation and no MASE scale; a ramp or a sine without noise has zero residuals;
intermittent counts are mostly zeros; values of 1e-12 or 1e15 overflow or underflow
whatever assumed "ordinary" numbers. ``awkward_cases()`` generates a catalogue of them
in code (seeded, no files), each small but for one 30,000-point hourly series.

The rule (``check_awkward_series``), through the library or the command line: each run
either

- **forecasts**: every value of the forecast table (mean and quantiles) is finite and
  within ``forecastgen.per_series.sane_bounds`` of the history (ten history ranges beyond its
  extremes, the range taken as at least a millionth of the largest absolute value, so
  that a near-constant series keeps a tolerance), and a constant history is forecast as
  that constant, with a note that names the series and says so; or
- **refuses cleanly**: an ``InputError`` from the library; from the CLI exit code 2 with
  one line ``error: ...`` on stderr, or exit code 3 where a long file leaves a series out
  (the others forecast by the rule above).

Never another exception, exit code 1, a traceback or a NaN. A plugin author runs it on
their model::

    from forecastgen.testing import awkward_cases, check_awkward_series

    for case in awkward_cases():
        check_awkward_series(MyForecaster(), case)                      # fit_predict
        check_awkward_series(MyForecaster(), case.in_long_file(), through="cli")

The CLI route runs ``forecastgen predict FILE -m NAME`` in this process, so the model
must be registered (an installed plugin) under its name.
"""

from __future__ import annotations

import io
import tempfile
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from forecastgen.errors import InputError
from forecastgen.interfaces import DensityModel, Model, clone
from forecastgen.per_series import sane_bounds
from forecastgen.testing.checks import non_default_params

LIBRARY, CLI = "library", "cli"
FORECAST, REFUSED = "forecast", "refused"
QUANTILES = (0.05, 0.5, 0.95)
SAMPLES = 50
SEED = 3
# where a frequency's alias starts each case's timestamps
STARTS = {"MS": "2001-01-01", "QS": "1990-01-01", "YS": "1960-01-01", "W-SUN": "2015-01-04",
          "D": "2020-01-01", "h": "2022-01-01", "30min": "2022-01-01"}
# frequency alias -> its default horizon and seasonal period (forecastgen.data.frequency's)
HORIZONS = {"YS": 6, "QS": 8, "MS": 18, "W-SUN": 13, "D": 14, "h": 48, "30min": 48}
SEASONS = {"YS": 1, "QS": 4, "MS": 12, "W-SUN": 52, "D": 7, "h": 24, "30min": 48}
ORDINARY = "ordinary-neighbour"  # the id of the ordinary series that in_long_file adds


@dataclass(frozen=True)
class AwkwardCase:
    """One input of the catalogue: a long frame (id, timestamp, value) of one or more series
    on the grid of the pandas alias ``alias``."""

    name: str
    description: str
    frame: pd.DataFrame
    alias: str = "MS"
    refused: bool = False  # too short for the default horizon: every model must refuse it

    @property
    def ids(self) -> list[str]:
        return list(dict.fromkeys(self.frame["id"]))

    def in_long_file(self) -> AwkwardCase:
        """The same series in a long file beside an ordinary series of the same frequency:
        a series too short for the horizon is then left out (CLI exit 3), not refused."""
        length = max(3 * HORIZONS[self.alias], 60)
        ordinary = _frame(ORDINARY, ordinary_values(length, SEASONS[self.alias], seed=99), self.alias)
        frame = pd.concat([self.frame, ordinary], ignore_index=True)
        return replace(self, name=f"{self.name}-in-long-file", frame=frame)

    def write(self, folder: Path) -> Path:
        """The case as a CSV file in ``folder`` (single layout for one series, else long)."""
        path = Path(folder) / f"{self.name}.csv"
        if len(self.ids) == 1:
            self.frame[["timestamp", "value"]].to_csv(path, index=False)
        else:
            self.frame.to_csv(path, index=False)
        return path


@dataclass
class Outcome:
    """What one run did: forecast (``table``) or refused (``message``), with its notes."""

    case: str
    through: str
    kind: str
    table: pd.DataFrame | None = None
    message: str = ""
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # ids a long file left out (CLI exit 3)

    def summary(self) -> str:
        """One line for a report: ``forecast (note: ...)`` or ``refused: ...``."""
        if self.kind == REFUSED:
            return f"refused: {self.message}"
        changed = [note for note in self.notes if not note.startswith(("read ", "horizon "))]
        left = f"; left out {', '.join(self.left_out)}" if self.left_out else ""
        return FORECAST + (f" ({changed[0]})" if changed else "") + left


class AwkwardSeriesFailed(AssertionError):
    """A forecaster broke the rule on an awkward series."""


# -- the catalogue -------------------------------------------------------------------------
def ordinary_values(length: int, season: int, seed: int = 0, level: float = 100.0) -> np.ndarray:
    """A realistic series: level, gentle trend, a season (where ``season`` > 1) and AR(1) noise."""
    rng = np.random.default_rng(seed)
    noise = np.zeros(length)
    shocks = rng.normal(0.0, 1.0, length)
    for t in range(1, length):
        noise[t] = 0.6 * noise[t - 1] + shocks[t]
    steps = np.arange(length)
    seasonal = 8.0 * np.sin(2 * np.pi * steps / season) if season > 1 else 0.0
    return level + 0.1 * steps + seasonal + 3.0 * noise


def awkward_cases(include_long: bool = True) -> list[AwkwardCase]:
    """The catalogue, in a fixed order; ``include_long=False`` leaves out the 30,000-point series."""
    rng = np.random.default_rng(20261206)
    ordinary = ordinary_values(72, 12)
    steps = np.arange(120.0)
    cases = [
        _case("constant", "42 for 60 months", np.full(60, 42.0)),
        _case("zeros", "0 for 60 months", np.zeros(60)),
        _case("near-constant", "5.0 for 59 months, then 5.0001", np.r_[np.full(59, 5.0), 5.0001]),
        _case("near-constant-1e-12", "5.0 with changes of 1e-12 relative",
              5.0 * (1 + 1e-12 * rng.standard_normal(60))),
        _case("constant-then-noise", "50 for 50 months, then 10 noisy values",
              np.r_[np.full(50, 50.0), 50.0 + rng.normal(0, 2, 10)]),
        _case("alternating", "1, 2, 1, 2, ... for 60 months", np.resize([1.0, 2.0], 60)),
        _case("intermittent", "daily counts, 90% zeros", _intermittent(rng, 180, 0.9), "D"),
        _case("intermittent-monthly", "monthly counts, 80% zeros", _intermittent(rng, 72, 0.8)),
        _case("single-spike", "10 for 60 months but one month of 1,000",
              np.where(steps[:60] == 30, 1e3, 10.0)),
        _case("spike-in-zeros", "0 for 60 months but one month of 7", np.where(steps[:60] == 45, 7.0, 0.0)),
        _case("step-to-zero", "about 20 for 40 months, then 0 for 20",
              np.r_[20 + rng.normal(0, 2, 40), np.zeros(20)]),
        _case("linear-ramp", "1, 2, ..., 60 exactly", steps[:60] + 1),
        _case("exact-sine", "a sine of period 12 without noise", 10 * np.sin(2 * np.pi * steps[:72] / 12)),
        _case("exponential-growth", "1.25^t for 120 months: 1 to 3e11", 1.25 ** steps),
        _case("tiny-scale", "an ordinary series times 1e-12", ordinary * 1e-12),
        _case("huge-scale", "an ordinary series times 1e15", ordinary * 1e15),
        _case("negative", "an ordinary series minus 500", ordinary - 500),
        _case("huge-outlier", "an ordinary series with one value of 1e9",
              np.where(steps[:72] == 50, 1e9, ordinary)),
        _case("constant-hourly", "7.5 for 10 days of hours", np.full(240, 7.5), "h"),
        _case("half-hourly", "two weeks of half-hours, a daily cycle", ordinary_values(672, 48, 4), "30min"),
        _case("weekly", "three years of weeks, a yearly cycle", ordinary_values(156, 52, 5), "W-SUN"),
    ]
    for alias, horizon in HORIZONS.items():
        cases.append(_case(f"shortest-{alias}", f"{horizon} points: as short as the default horizon allows",
                           ordinary_values(horizon, 1, horizon), alias))
        cases.append(_case(f"too-short-{alias}", f"{horizon - 1} points: one fewer than the default horizon",
                           ordinary_values(horizon - 1, 1, horizon), alias, refused=True))
    cases += [
        _long_case("all-constant", "five constant series at different levels (one of them 0)",
                   {f"c{k}": np.full(48, level) for k, level in enumerate([0.0, 1.0, 3.5, -2.0, 1e6])}),
        _long_case("mixed", "constant, zero, near-constant and ordinary series in one file",
                   {"constant": np.full(60, 9.0), "zeros": np.zeros(60),
                    "near-constant": np.r_[np.full(59, 5.0), 5.0001], "ordinary": ordinary[:60]}),
    ]
    if include_long:
        cases.append(_case("long-hourly", "30,000 hourly points, a daily cycle",
                           ordinary_values(30_000, 24, 6), "h"))
    return cases


def _case(name: str, description: str, values: np.ndarray, alias: str = "MS",
          refused: bool = False) -> AwkwardCase:
    frame = _frame(name, np.asarray(values, dtype=float), alias)
    return AwkwardCase(name, description, frame, alias, refused)


def _long_case(name: str, description: str, series: dict[str, np.ndarray]) -> AwkwardCase:
    frame = pd.concat([_frame(key, values, "MS") for key, values in series.items()], ignore_index=True)
    return AwkwardCase(name, description, frame)


def _frame(key: str, values: np.ndarray, alias: str) -> pd.DataFrame:
    stamps = pd.date_range(STARTS[alias], periods=len(values), freq=alias)
    return pd.DataFrame({"id": key, "timestamp": stamps, "value": values})


def _intermittent(rng: np.random.Generator, length: int, zero_share: float) -> np.ndarray:
    counts = rng.poisson(3.0, length) + 1.0
    counts[rng.uniform(size=length) < zero_share] = 0.0
    counts[-1] = 0.0  # ends on a zero, as such demand mostly does
    return counts


# -- the rule -------------------------------------------------------------------------------
def check_awkward_series(model: Model, case: AwkwardCase, through: str = LIBRARY) -> Outcome:
    """Forecast ``case`` with a copy of ``model`` (fit_predict, or ``forecastgen predict`` for
    ``through="cli"``) at its default horizon; raise ``AwkwardSeriesFailed`` where the rule
    breaks; return what it did."""
    if through == LIBRARY:
        outcome = _through_library(model, case)
    elif through == CLI:
        outcome = _through_cli(model, case)
    else:
        raise ValueError(f"through must be '{LIBRARY}' or '{CLI}', not {through!r}")
    if outcome.kind == FORECAST:
        if case.refused and case.name not in outcome.left_out and len(case.ids) == 1:
            _fail(model, case, through, "forecast a series shorter than the default horizon; refuse it "
                  "(SeriesSet.check_horizon does)")
        _check_table(model, case, through, outcome)
    return outcome


def _through_library(model: Model, case: AwkwardCase) -> Outcome:
    from forecastgen.data import as_series_set
    from forecastgen.window_forecaster import as_forecaster

    forecaster = as_forecaster(clone(model)) if isinstance(model, DensityModel) else clone(model)
    try:
        data = as_series_set(case.frame)
        forecast = forecaster.fit_predict(data, None, num_samples=SAMPLES, seed=SEED)
        table = forecast.to_frame(QUANTILES)
    except InputError as exc:
        return _refused(model, case, LIBRARY, str(exc))
    except Exception:  # noqa: BLE001 - any other exception is the failure we report
        _fail(model, case, LIBRARY, f"raised instead of forecasting or refusing:\n{traceback.format_exc()}")
    return Outcome(case.name, LIBRARY, FORECAST, table, notes=list(forecast.notes))


def _through_cli(model: Model, case: AwkwardCase) -> Outcome:
    from click.testing import CliRunner

    from forecastgen.cli import cli

    params = [f"{key}={_cli_value(value)}" for key, value in non_default_params(model).items()]
    with tempfile.TemporaryDirectory() as folder:
        path = case.write(Path(folder))
        arguments = ["predict", str(path), "-m", model.name, "-n", str(SAMPLES), "--seed", str(SEED),
                     "--quantiles", ",".join(map(str, QUANTILES)), "-j", "1"]
        for pair in params:
            arguments += ["-p", pair]
        result = CliRunner().invoke(cli, arguments, catch_exceptions=True)
    stderr, stdout = result.stderr, result.stdout
    lines = [line for line in stderr.splitlines() if line.strip()]
    if result.exit_code not in (0, 2, 3) or "Traceback" in stderr or result.exception and not isinstance(
            result.exception, SystemExit):
        _fail(model, case, CLI, f"exit code {result.exit_code}; stderr:\n{stderr}")
    notes = [line.removeprefix("note: ") for line in lines if line.startswith("note: ")]
    errors = [line for line in lines if line.startswith("error: ")]
    if result.exit_code == 2:
        if len(errors) != 1:
            _fail(model, case, CLI, f"exit code 2 must come with one line 'error: ...'; stderr:\n{stderr}")
        return _refused(model, case, CLI, errors[0].removeprefix("error: "))
    table = pd.read_csv(io.StringIO(stdout))
    left_out = [key for key in case.ids if key not in set(table["id"].astype(str))]
    if result.exit_code == 3 and not left_out:
        _fail(model, case, CLI, f"exit code 3 but every series forecast; stderr:\n{stderr}")
    if result.exit_code == 0 and left_out:
        _fail(model, case, CLI, f"exit code 0 but no forecast for {left_out}")
    return Outcome(case.name, CLI, FORECAST, table, notes=notes, left_out=left_out)


def _refused(model: Model, case: AwkwardCase, through: str, message: str) -> Outcome:
    if not message.strip() or "\n" in message.strip():
        _fail(model, case, through, f"refused with a message that is not one line: {message!r}")
    return Outcome(case.name, through, REFUSED, message=message.strip())


def _check_table(model: Model, case: AwkwardCase, through: str, outcome: Outcome) -> None:
    table = outcome.table
    columns = [column for column in table.columns if column not in ("id", "timestamp")]
    for key, rows in table.groupby(table["id"].astype(str), sort=False):
        history = case.frame.loc[case.frame["id"].astype(str) == key, "value"].to_numpy(dtype=float)
        values = rows[columns].to_numpy(dtype=float)
        if not np.isfinite(values).all():
            _fail(model, case, through, f"series '{key}': the forecast holds NaN or infinite values")
        low, high = sane_bounds(history)
        if values.min() < low or values.max() > high:
            _fail(model, case, through, f"series '{key}': forecast from {values.min():.6g} to "
                  f"{values.max():.6g}, outside the sane range {low:.6g} to {high:.6g} (history "
                  f"{history.min():.6g} to {history.max():.6g})")
        if np.ptp(history) == 0:
            if not np.allclose(values, history[0], rtol=1e-9, atol=0):
                _fail(model, case, through, f"series '{key}' is constant ({history[0]:g}) but the forecast "
                      f"goes from {values.min():.12g} to {values.max():.12g}: forecast the constant")
            if not any(f"'{key}'" in note and "constant" in note.replace(f"'{key}'", "")
                       for note in outcome.notes):
                _fail(model, case, through, f"series '{key}' is constant but no note says what was done "
                      f"(notes: {outcome.notes})")


def _cli_value(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _fail(model: Model, case: AwkwardCase, through: str, message: str):
    raise AwkwardSeriesFailed(f"{model.display_name()} on '{case.name}' ({case.description}) through the "
                              f"{through}: {message}")
