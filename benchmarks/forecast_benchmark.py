"""Benchmark the registered forecasters on the dev series (benchmarks/README.md).

Protocol (benchmarks.common, like M4): for each series the last h points are the test
window and the rest is history; h and the seasonal period depend on the frequency.
Reports mean MASE, sMAPE (0-200), scaled CRPS, 80%/95% coverage and seconds per series,
per frequency and overall, plus the geometric mean of MASE relative to seasonal naive.
Test points missing in the file are skipped.

    python -m benchmarks.forecast_benchmark                      # all series, all models
    python -m benchmarks.forecast_benchmark --limit 20 --jobs 2  # a quick look
    python -m benchmarks.forecast_benchmark --models rnn,rnn:hidden_size=64  # settings compared
    python -m benchmarks.forecast_benchmark --models theta,theta@cqr          # calibrated beside
    python -m benchmarks.forecast_benchmark --models ets@aci,ets@aci:gamma=0.1 # its settings
    FORECASTGEN_SERIES=/elsewhere/series python -m benchmarks.forecast_benchmark
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
import traceback
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import HORIZON, RESULTS, SEASON, command, dev_index, dev_split, machine

METRICS = ["mase", "smape", "crps", "coverage80", "coverage95", "seconds"]
COLUMNS = ["frequency", "model", "series", "mase", "smape", "crps", "coverage80", "coverage95",
           "rel_mase_gmean", "seconds"]

# Other libraries' forecasters, added by the scripts in benchmarks/peers/:
# name -> function(history SeriesSet with one series, horizon, samples) -> paths (samples, horizon)
PEERS: dict = {}


def run_series(task: tuple) -> list[dict]:
    """Fit and score every model on one series; errors are recorded, never raised."""
    name, frequency, timestamp_kind, models, samples, device = task
    warnings.simplefilter("ignore")
    from forecastgen.metrics import score_forecast

    h = HORIZON[frequency]
    rows = []
    try:
        history, actual = dev_split(name, frequency, timestamp_kind)
        history_values = history.values(name)
    except Exception as exc:  # a benchmark reports every failure and goes on
        return [{"series": name, "frequency": frequency, "model": model,
                 "error": f"read: {type(exc).__name__}: {exc}"} for model in models]
    for model in models:
        row = {"series": name, "frequency": frequency, "model": model, "error": ""}
        start = time.perf_counter()
        try:
            if model in PEERS:
                paths = PEERS[model](history, h, samples)
            else:
                forecast = create(model, device).fit(history).predict(h, num_samples=samples, seed=0)
                paths = forecast.samples[name]
                row["fallback"] = any("instead" in note for note in forecast.notes)
            row.update(score_forecast(actual, paths, history_values, SEASON[frequency]))
        except Exception as exc:  # a benchmark reports every failure and goes on
            row["error"] = f"{type(exc).__name__}: {exc}"
            if type(exc).__name__ != "InputError":  # refusals explain themselves in the table
                traceback.print_exc(file=sys.stderr)
        row["seconds"] = time.perf_counter() - start
        rows.append(row)
    return rows


def create(model: str, device: str | None):
    """The model named by ``model`` ("name", "name:key=value:key=value", and "@cqr",
    "@conformal" or "@aci" at the end for its calibrated forecasts, with the calibration's own
    settings as "@aci:gamma=0.1:windows=5"), neural ones on ``device`` when given."""
    from forecastgen.calibration import Calibrated
    from forecastgen.registry import default_registry, split_model_spec
    from forecastgen.workflows import forecaster

    spec, _, calibration = model.partition("@")
    name, params = split_model_spec(spec)
    if device and "device" in default_registry().get(name).load_class().param_names():
        params["device"] = device
    method, settings = split_model_spec(calibration) if calibration else (None, {})
    if settings:
        return Calibrated(forecaster(name, **params), method, **settings)
    return forecaster(name, calibrate=method, **params)


def summarize(scores: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    ok = scores[scores["error"] == ""]
    tables = []
    for label, part in [("all", ok), *((f, ok[ok["frequency"] == f]) for f in HORIZON)]:
        if part.empty:
            continue
        means = part.groupby("model")[METRICS].mean()
        means["series"] = part.groupby("model").size()
        means["rel_mase_gmean"] = relative_mase(part)
        means.insert(0, "frequency", label)
        tables.append(means.reindex([m for m in models if m in means.index]))
    return pd.concat(tables)


def relative_mase(part: pd.DataFrame) -> pd.Series:
    """Geometric mean over series of MASE / MASE of seasonal naive."""
    wide = part.pivot(index="series", columns="model", values="mase")
    if "snaive" not in wide:
        return pd.Series(np.nan, index=wide.columns)
    ratio = wide.div(wide["snaive"], axis=0)
    ratio = ratio[(ratio > 0).all(axis=1) & np.isfinite(ratio).all(axis=1)]
    return np.exp(np.log(ratio).mean())


def main(default_output: Path = RESULTS / "forecast_benchmark") -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="snaive,ets,theta,arima,ces")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, help="only the first N series (a quick look)")
    parser.add_argument("--every", type=int, default=1, help="only every K-th series (a spread sample)")
    parser.add_argument("--shard", default="0/1", metavar="K/N",
                        help="only the series whose position modulo N is K (split a run between calls)")
    parser.add_argument("--frequency", help="only series of these frequencies (comma-separated)")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--device", help="device for neural models (default: their own, auto)")
    parser.add_argument("--note", help="a line for the report (where the runs ran, what is missing)")
    parser.add_argument("--from-csv", nargs="+", metavar="CSV",
                        help="summarize score files of earlier runs (pieces of one run) instead of running")
    parser.add_argument("--output", default=str(default_output),
                        help="write OUTPUT.md (the table) and OUTPUT.csv (every score)")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    models = args.models.split(",")
    index = dev_index()
    if args.frequency:
        index = index[index["frequency"].isin(args.frequency.split(","))]
    index = index.iloc[:: args.every]
    if args.limit:
        index = index.head(args.limit)
    shard, shards = (int(part) for part in args.shard.split("/"))
    index = index.iloc[shard::shards]
    longest_first = index.sort_values("length", ascending=False, kind="stable")  # fewer idle workers
    tasks = [(r.name, r.frequency, r.timestamp_kind, models, args.samples, args.device)
             for r in longest_first.itertuples()]
    start = time.perf_counter()
    output = Path(args.output)
    if args.from_csv:
        scores = pd.concat([pd.read_csv(path) for path in args.from_csv], ignore_index=True)
        scores["error"] = scores["error"].astype(object).where(scores["error"].notna(), "")
        report(scores, models, len(scores["series"].unique()), 0.0, args, output)
        return
    rows = []
    with ProcessPoolExecutor(args.jobs) as pool:
        running = [pool.submit(run_series, task) for task in tasks]
        for done, finished in enumerate(as_completed(running), start=1):
            rows.extend(finished.result())
            if done % 20 == 0 or done == len(tasks):  # partial results survive an interruption
                pd.DataFrame(rows).to_csv(output.with_suffix(".csv"), index=False, float_format="%.6g")
                print(f"{done}/{len(tasks)} series", file=sys.stderr, flush=True)
    report(pd.DataFrame(rows), models, len(index), time.perf_counter() - start, args, output)


def report(scores: pd.DataFrame, models: list[str], count: int, elapsed: float, args, output: Path):
    table = summarize(scores, models)
    failures = scores[scores["error"] != ""]
    fallbacks = int(scores.get("fallback", pd.Series(dtype=bool)).fillna(False).astype(bool).sum())
    text = format_report(table, count, failures, fallbacks, elapsed, args)
    print(text)
    output.with_suffix(".md").write_text(text)


def classical_comparison(table: pd.DataFrame) -> list[str]:
    """Each other model's mean MASE over all series against the best classical one's."""
    overall = table[table["frequency"] == "all"]["mase"]
    classical = overall.reindex([m for m in ("ets", "theta", "arima", "ces", "snaive") if m in overall.index])
    if classical.empty:
        return []
    best = classical.idxmin()
    others = [m for m in overall.index if m not in ("ets", "theta", "snaive")]
    return [f"Mean MASE of {m} / best classical ({best}): {overall[m] / classical[best]:.3f}"
            for m in others] + ([""] if others else [])


def format_report(table, count, failures, fallbacks, elapsed, args) -> str:
    shown = table.copy()
    for column in ["mase", "smape", "crps", "coverage80", "coverage95", "rel_mase_gmean"]:
        shown[column] = shown[column].map(lambda v: f"{v:.3f}")
    shown["seconds"] = shown["seconds"].map(lambda v: f"{v:.2f}")
    lines = [
        "# Forecast benchmark: the dev series",
        "",
        f"{count} series, models {args.models}, {args.samples} sample paths, seed 0; "
        "point forecast = sample median; "
        + (f"summarized from {', '.join(map(str, args.from_csv))}." if args.from_csv else
           f"{elapsed:.0f} s wall on {args.jobs} process(es) of {machine()}."),
        *([args.note] if args.note else []),
        *([] if args.from_csv else [f"Command: `{command()}`; {datetime.date.today().isoformat()}"]),
        "",
        "MASE, sMAPE (0-200) and scaled CRPS: lower is better; coverage80/95: share of test",
        "points inside the central 80%/95% intervals (ideal 0.80/0.95); seconds: fit + forecast",
        "per series; rel_mase_gmean: geometric mean over series of MASE / MASE(snaive).",
        "",
        "```\n" + shown.reset_index()[COLUMNS].to_string(index=False) + "\n```",
        "",
        "Each model's means are over the series it forecast; rel_mase_gmean compares all models",
        "on the series every one of them forecast.",
        "",
    ]
    lines.extend(classical_comparison(table))
    refused = failures["error"].str.contains("needs autocorrelation")
    lines.append(f"Refused for lack of autocorrelation (as designed): {int(refused.sum())}"
                 + "".join(f"\n- {r.series} / {r.model}" for r in failures[refused].itertuples()))
    lines.append(f"Failures: {int((~refused).sum())}. Forecasts that fell back to seasonal naive: "
                 f"{fallbacks}.")
    for row in failures[~refused].itertuples():
        lines.append(f"- {row.series} / {row.model}: {row.error}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
