"""Interval calibration: coverage, interval (Winkler) scores, CRPS and point accuracy of
forecasters calibrated by their own backtests or not, forecasting each frequency's series of a
data set as one file (the catalogue a calibration pools its backtest errors over).

For each data set and frequency, the series' histories form one SeriesSet forecast at once
(``forecastgen.forecast`` as ``predict`` does on a long file); each model is run plain and
calibrated (``MODEL@cqr`` or ``MODEL@conformal``: ``calibrate=``; auto calibrates its own
mixture from the backtests it ran, the others through ``forecastgen.calibration.Calibrated``;
``auto`` is the default as users get it, ``auto@none`` auto never calibrated).
Scores per series: coverage of the central 50%, 80% and 95% intervals, the Winkler interval
score of the 80% and 95% intervals scaled like MASE (Gneiting & Raftery 2007: width plus
2/alpha times the miss), scaled CRPS, MASE and sMAPE of the median; then their means per
frequency and overall.

    python -m benchmarks.calibration_benchmark --data dev --models auto,auto@cqr,auto@conformal
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import DATA_SETS, RESULTS, markdown_table, results_header, write_results

LEVELS = (0.5, 0.8, 0.95)


def winkler(actual: np.ndarray, low: np.ndarray, high: np.ndarray, level: float, scale: float) -> float:
    """The mean interval score of central ``level`` intervals over the horizon, over ``scale``."""
    alpha = 1 - level
    miss = np.maximum(low - actual, 0) + np.maximum(actual - high, 0)
    return float(np.nanmean(high - low + 2 / alpha * miss) / scale)


def scores(actual: np.ndarray, paths: np.ndarray, history: np.ndarray, season: int) -> dict:
    from forecastgen.calibration import series_scale
    from forecastgen.metrics import score_forecast

    found = score_forecast(actual, paths, history, season)
    scale = series_scale(history, season)
    for level in LEVELS:
        low, high = np.quantile(paths, [(1 - level) / 2, (1 + level) / 2], axis=0)
        found[f"coverage{round(100 * level)}"] = float(np.nanmean((low <= actual) & (actual <= high)))
        if level > 0.5:
            found[f"winkler{round(100 * level)}"] = winkler(actual, low, high, level, scale)
    return found


def pooled(tasks) -> dict:
    """The tasks of each (frequency, horizon, season) as SeriesSets: one, or one for the series
    with dates and one for those with step numbers."""
    from forecastgen.data import SeriesSet, as_series_set

    groups: dict = {}
    for task in tasks:
        data = as_series_set(task.series())
        key = (task.frequency, len(task.actual), task.season, repr(data.freq))  # dates or step numbers
        groups.setdefault(key, []).append((task, data))
    sets = {}
    for (frequency, horizon, season, _), members in groups.items():
        series = {task.name: data[data.ids[0]].rename(task.name) for task, data in members}
        sets.setdefault((frequency, horizon, season), []).append(
            (SeriesSet(series, members[0][1].freq), [task for task, _ in members]))
    return sets


def run(model: str, data, horizon: int, samples: int):
    import forecastgen

    name, _, method = model.partition("@")
    params = {"calibrate": None} if method == "none" else {}  # auto@none: auto never calibrated
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return forecastgen.forecast(data, name, horizon=horizon, num_samples=samples, seed=0,
                                    calibrate=None if method in ("", "none") else method, params=params)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="dev", help="dev, m1 and/or tourism")
    parser.add_argument("--models",
                        default="auto@none,auto,auto@cqr,auto@conformal,ets,ets@cqr,theta,theta@cqr")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--limit", type=int, default=None, help="the first N series of each set")
    parser.add_argument("--output", default=str(RESULTS / "calibration_benchmark"))
    args = parser.parse_args(argv)
    rows = []
    for dataset in args.data.split(","):
        groups = [(key, group) for key, groups in pooled(DATA_SETS[dataset](args.limit)).items()
                  for group in groups]
        for (frequency, horizon, season), (data, tasks) in groups:
            for model in args.models.split(","):
                began = time.perf_counter()
                forecast = run(model, data, horizon, args.samples)
                seconds = (time.perf_counter() - began) / len(tasks)
                for task in tasks:
                    rows.append({"data": dataset, "frequency": frequency, "model": model, "series": task.name,
                                 **scores(task.actual, forecast.samples[task.name], task.history, season),
                                 "seconds": seconds})
                done = pd.DataFrame(rows[-len(tasks):])
                print(f"{dataset} {frequency} {model}: coverage {done['coverage80'].mean():.3f}/"
                      f"{done['coverage95'].mean():.3f} CRPS {done['crps'].mean():.3f}", flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(f"{args.output}.csv", index=False)
    write_results(Path(f"{args.output}.md"), report(table))
    return 0


METRICS = ["coverage50", "coverage80", "coverage95", "winkler80", "winkler95", "crps", "mase", "smape",
           "seconds"]


def report(table: pd.DataFrame) -> list[str]:
    lines = results_header("Calibration: each frequency's series forecast as one file, calibrated or not")
    lines += ["Coverage of the central 50/80/95% intervals (nominal 0.50/0.80/0.95), Winkler scores of "
              "the 80% and 95% intervals and CRPS scaled like MASE, MASE and sMAPE of the median; "
              "means over series; seconds per series.", ""]
    for dataset, rows in table.groupby("data", sort=False):
        overall = rows.groupby("model", sort=False)[METRICS].mean().reset_index()
        lines += [f"## {dataset}: all series ({rows['series'].nunique()})", "", markdown_table(overall), ""]
        frequencies = rows.groupby(["frequency", "model"], sort=False)[METRICS[:3] + ["crps", "mase"]]
        lines += [f"### {dataset}: by frequency", "", markdown_table(frequencies.mean().reset_index()), ""]
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
