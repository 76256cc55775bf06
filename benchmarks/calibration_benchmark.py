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
    python -m benchmarks.calibration_benchmark --data m1 --file-size 30 --models auto,auto@cqr

``--file-size K`` deals each frequency's series at random into files of about K series (the
catalogue size decides whether auto calibrates from its own backtests or takes the shipped
widenings).

``--alone``: the default on each series alone, where the file is too small for a calibration
of its own (fewer than ``forecastgen.auto.CALIBRATED_FROM`` series), and the widenings shipped
for it (``forecastgen/shipped_calibration.py``, issue 38):

1. auto, uncalibrated, forecasts each series alone (as ``predict`` does) from two cutoffs:
   ``validation`` (the ``--learn`` sets only), the history less its last ``h`` points, which
   are the actuals (the test window unseen), and ``test``, the protocol's. Beside the paths,
   the cqr scores of the mixture's own backtest forecasts (auto's three windows before the
   cutoff) are kept. Cached in ``benchmarks/cache/intervals`` (``--collect`` runs what is
   missing).
2. cqr's widenings are learned from the validation forecasts of the ``--learn`` sets (the dev
   series and M1, as issue 38 asks; their test windows are never used for it): per frequency
   where each set has ``--min-series`` series of it, otherwise every frequency pooled; each
   set's conformal quantiles averaged, so the sets weigh equally (as issue 40's protocol
   weighs them), not by their series counts.
3. The test forecasts of every set are scored plain, widened, and, studied, widened by the
   widenings blended with the series' own backtest scores (``blended_widenings``): Tourism is
   zero-shot for the widenings. ``--write-table`` writes them into ``forecastgen/shipped_calibration.py``.

    python -m benchmarks.calibration_benchmark --alone --collect --data dev,m1,tourism --jobs 2
    python -m benchmarks.calibration_benchmark --alone --learn dev,m1 --write-table
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import (
    CACHE,
    DATA_SETS,
    RESULTS,
    ROOT,
    Task,
    markdown_table,
    results_header,
    write_results,
)

LEVELS = (0.5, 0.8, 0.95)
ALONE_CACHE = CACHE / "intervals"
PRIOR_SCORES = 100  # blended_widenings: the widenings count as this many of a series' own scores
MIN_VALIDATION_HISTORY = 8  # points left before the validation cutoff for a series to take part
TABLE = ROOT / "forecastgen" / "shipped_calibration.py"


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
    known = np.isfinite(actual)
    for level in LEVELS:
        low, high = np.quantile(paths, [(1 - level) / 2, (1 + level) / 2], axis=0)
        inside = ((low <= actual) & (actual <= high))[known]  # a missing actual is neither in nor out
        found[f"coverage{round(100 * level)}"] = float(inside.mean()) if inside.size else np.nan
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
    parser.add_argument("--output", default=None,
                        help="results path without its suffix (default: benchmarks/results/"
                             "calibration_benchmark, or calibration_alone with --alone)")
    parser.add_argument("--file-size", type=int, default=None,
                        help="deal each frequency's series into files of about this many (default: one file)")
    parser.add_argument("--alone", action="store_true", help="each series alone, and the shipped widenings")
    parser.add_argument("--collect", action="store_true", help="--alone: run auto where nothing is cached")
    parser.add_argument("--learn", default="dev,m1",
                        help="--alone: the sets whose validation forecasts teach")
    parser.add_argument("--min-series", type=int, default=30,
                        help="--alone: series of a frequency each set needs for its own widenings")
    parser.add_argument("--write-table", action="store_true",
                        help="--alone: write forecastgen/shipped_calibration.py")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="--alone --collect: processes")
    args = parser.parse_args(argv)
    if args.alone:
        args.output = args.output or str(RESULTS / "calibration_alone")
        return main_alone(args)
    args.output = args.output or str(RESULTS / "calibration_benchmark")
    rows = []
    for dataset in args.data.split(","):
        groups = [(key, file) for key, groups in pooled(DATA_SETS[dataset](args.limit)).items()
                  for group in groups for file in files_of(*group, args.file_size)]
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


def files_of(data, tasks: list, size: int | None) -> list[tuple]:
    """One frequency's series as one file, or (``size``) dealt at random (seed 0) into files of
    about ``size`` series each: a catalogue's size decides how auto calibrates."""
    if not size:
        return [(data, tasks)]
    order = np.random.default_rng(0).permutation(len(tasks))
    return [(data.subset([tasks[i].name for i in part]), [tasks[i] for i in part])
            for part in np.array_split(order, max(1, len(tasks) // size))]


def validation_task(task: Task) -> Task | None:
    """The task one horizon earlier: its history less the last ``h`` points, which become the
    actuals; None where too little history is left."""
    h = len(task.actual)
    if len(task.history) - h < MIN_VALIDATION_HISTORY:
        return None
    data = task.data.drop_last(h) if task.data is not None else None
    return Task(task.name, task.frequency, task.history[:-h], task.history[-h:], task.season, data)


def collect_alone(dataset: str, split: str, jobs: int) -> None:
    """auto's paths (uncalibrated, float32) on every series of a split, each series alone, with
    the cqr scores of its mixture's own backtest forecasts; cached unless they are already."""
    from concurrent.futures import ProcessPoolExecutor

    path = ALONE_CACHE / f"{dataset}_{split}.npz"
    if path.exists():
        return
    tasks = DATA_SETS[dataset]()
    if split == "validation":
        tasks = [task for task in map(validation_task, tasks) if task is not None]
    start = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        found = list(pool.map(alone_forecast, tasks, chunksize=8))
    seconds = time.perf_counter() - start
    kept = [(task, result) for task, result in zip(tasks, found) if result is not None]
    ALONE_CACHE.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path, names=np.array([t.name for t, _ in kept]), frequencies=np.array([t.frequency for t, _ in kept]),
        seasons=np.array([t.season for t, _ in kept]), seconds=seconds,
        **{f"paths_{i}": paths for i, (_, (paths, _)) in enumerate(kept)},
        **{f"scores_{i}": own for i, (_, (_, own)) in enumerate(kept)},
        **{f"actual_{i}": t.actual for i, (t, _) in enumerate(kept)},
        **{f"history_{i}": t.history for i, (t, _) in enumerate(kept)})
    print(f"{dataset} {split}: {len(kept)} of {len(tasks)} series in {seconds:.0f} s", file=sys.stderr)


def alone_forecast(task: Task) -> tuple[np.ndarray, np.ndarray] | None:
    """The default's uncalibrated paths (200, seed 0) of one series alone, and the cqr scores
    of its mixture's backtest forecasts (windows, steps, levels; none where it ranked nothing);
    None where auto refuses the series."""
    import forecastgen
    from forecastgen.calibration import LOWER_LEVELS
    from forecastgen.engine.threads import use_threads

    use_threads(1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = forecastgen.create("auto", calibrate="cqr").fit(task.series())  # cqr: the scores
            correction, fitted.correction_ = fitted.correction_, None  # paths as auto@none draws them
            paths = fitted.predict(len(task.actual), num_samples=200, seed=0).samples[task.name]
    except forecastgen.InputError as exc:
        print(f"auto refused {task.name}: {exc}", file=sys.stderr)
        return None
    own = correction.scores if correction is not None else np.zeros((0, len(task.actual), len(LOWER_LEVELS)))
    return paths.astype(np.float32), own.astype(np.float32)


def load_alone(dataset: str, split: str) -> list[dict]:
    """The cached forecasts of a split: name, frequency, season, paths, own backtest scores,
    actual and history."""
    with np.load(ALONE_CACHE / f"{dataset}_{split}.npz") as cached:
        return [{"name": str(cached["names"][i]), "frequency": str(cached["frequencies"][i]),
                 "season": int(cached["seasons"][i]), "paths": cached[f"paths_{i}"].astype(float),
                 "scores": cached[f"scores_{i}"].astype(float),
                 "actual": cached[f"actual_{i}"], "history": cached[f"history_{i}"]}
                for i in range(len(cached["names"]))]


def learn_widenings(sets: list[str], min_series: int) -> dict[str, np.ndarray]:
    """cqr's widening of each central interval (``forecastgen.calibration.LOWER_LEVELS``) per
    frequency, and pooled over frequencies (``POOLED``): the conformal quantiles of the
    validation forecasts' scores, pooled over series and steps within a set, averaged over
    the sets that hold ``min_series`` series of the frequency."""
    from forecastgen.calibration import Correction
    from forecastgen.shipped_calibration import POOLED

    by_set = {}
    for dataset in sets:
        by_frequency: dict[str, list] = {}
        for row in load_alone(dataset, "validation"):
            score = Correction.score("cqr", row["paths"], row["actual"], row["history"], row["season"])
            by_frequency.setdefault(row["frequency"], []).append(score)
        by_set[dataset] = by_frequency

    frequencies = sorted({frequency for table in by_set.values() for frequency in table})
    widenings = {POOLED: np.mean([conformal_widenings([s for scores in table.values() for s in scores])
                                  for table in by_set.values()], axis=0)}
    for frequency in frequencies:
        learned = [conformal_widenings(table[frequency]) for table in by_set.values()
                   if len(table.get(frequency, [])) >= min_series]
        if learned:
            widenings[frequency] = np.mean(learned, axis=0)
    return {frequency: np.round(values, 4) for frequency, values in widenings.items()}  # the table's digits


def conformal_widenings(scores: list[np.ndarray]) -> np.ndarray:
    """cqr's widening of each central interval (``LOWER_LEVELS``): the conformal quantile of the
    cqr ``scores`` (arrays of (..., levels)) pooled over forecasts and steps."""
    from forecastgen.calibration import LOWER_LEVELS, conformal_quantile

    flat = np.concatenate([score.reshape(-1, score.shape[-1]) for score in scores])
    return np.array([conformal_quantile(flat[:, column], 1 - 2 * level)
                     for column, level in enumerate(LOWER_LEVELS)])


def alone_scores(tests: dict[str, list[dict]], widenings: dict[str, np.ndarray]) -> pd.DataFrame:
    """Every test forecast scored plain (``auto@none``), widened (``auto@shipped``, the default)
    and widened by the widenings blended with its own backtest scores (``auto@blended``)."""
    from forecastgen.calibration import Correction
    from forecastgen.shipped_calibration import POOLED

    rows = []
    for dataset, forecasts in tests.items():
        for row in forecasts:
            spreads = widenings.get(row["frequency"], widenings[POOLED])
            widened = Correction("cqr", None, spreads[None, :]).corrected(row["paths"])
            own = blended_widenings(spreads, row["scores"])
            blended = Correction("cqr", None, own[None, :]).corrected(row["paths"])
            for model, paths in (("auto@none", row["paths"]), ("auto@shipped", widened),
                                 ("auto@blended", blended)):
                rows.append({"data": dataset, "frequency": row["frequency"], "model": model,
                             "series": row["name"],
                             **scores(row["actual"], paths, row["history"], row["season"])})
    return pd.DataFrame(rows)


def blended_widenings(widenings: np.ndarray, own: np.ndarray) -> np.ndarray:
    """The ``widenings`` averaged with one series' own conformal quantiles of its backtest cqr
    scores ``own`` (windows, steps, levels), the own ones weighted n / (n + ``PRIOR_SCORES``)
    by their n scores (the widenings count as that many scores of the series' own); the
    ``widenings`` as they are where the series has no scores."""
    if not own.size:
        return widenings
    count = own.size // own.shape[-1]
    share = count / (count + PRIOR_SCORES)
    return share * conformal_widenings([own]) + (1 - share) * widenings


def miss_rates(tests: dict[str, list[dict]]) -> pd.DataFrame:
    """Per set and frequency: the share of points outside the 80% interval in the mixture's own
    backtest windows and in the test window (means over series), and the correlation of the
    two over series: how well a series' past misses foretell its test window's."""
    from forecastgen.calibration import LOWER_LEVELS, Correction

    column = LOWER_LEVELS.index(0.1)
    rows = []
    for dataset, forecasts in tests.items():
        for row in forecasts:
            if not row["scores"].size:
                continue
            test = Correction.score("cqr", row["paths"], row["actual"], row["history"], row["season"])
            known = np.isfinite(row["actual"])  # a missing actual is neither in nor out
            rows.append({"data": dataset, "frequency": row["frequency"],
                         "backtest": float((row["scores"][..., column] > 0).mean()),
                         "test": float((test[known, column] > 0).mean())})
    table = pd.DataFrame(rows).groupby(["data", "frequency"], sort=False)
    found = table[["backtest", "test"]].mean()
    found["correlation"] = table.apply(lambda part: part["backtest"].corr(part["test"]), include_groups=False)
    found["series"] = table.size()
    return found.round(3).reset_index()


def write_table(widenings: dict[str, np.ndarray], sets: list[str], min_series: int) -> None:
    """``forecastgen/shipped_calibration.py``: the widenings as a Python table."""
    from forecastgen.calibration import LOWER_LEVELS

    lines = ['"""cqr\'s widenings of auto\'s default mixture on a series forecast alone (issue 38).',
             "",
             "Written by ``python -m benchmarks.calibration_benchmark --alone --learn "
             f"{','.join(sets)} --min-series {min_series} --write-table``",
             f"on {datetime.date.today().isoformat()}: learned from auto's forecasts of the "
             f"{' and '.join(sets)} series alone, each one",
             "horizon before its test window (the test windows unseen); scored in",
             "benchmarks/results/calibration_alone.md. For each central interval of levels l and 1 - l",
             "(``forecastgen.calibration.LOWER_LEVELS``), the interval is widened by this share of its",
             "width on each side (``forecastgen.calibration.Correction``). Do not edit by hand.",
             '"""', "",
             f"LOWER_LEVELS = {tuple(LOWER_LEVELS)}",
             'POOLED = "pooled"  # every frequency\'s forecasts: for a frequency without its own row', "",
             "WIDENINGS = {"]
    for frequency, values in widenings.items():
        lines.append(f'    "{frequency}": ({", ".join(f"{v:.4f}" for v in values)}),')
    lines.append("}")
    TABLE.write_text("\n".join(lines) + "\n")


def main_alone(args) -> int:
    from forecastgen.calibration import LOWER_LEVELS

    sets = args.data.split(",")
    learn = args.learn.split(",")
    if args.collect:  # validation forecasts teach the widenings: the learning sets' only
        for dataset, split in [(dataset, "validation") for dataset in learn] + [(d, "test") for d in sets]:
            collect_alone(dataset, split, args.jobs)
    widenings = learn_widenings(learn, args.min_series)
    if args.write_table:
        write_table(widenings, learn, args.min_series)
    tests = {dataset: load_alone(dataset, "test") for dataset in sets}
    table = alone_scores(tests, widenings)
    table.to_csv(f"{args.output}.csv", index=False)
    lines = results_header("Calibration: the default on each series alone, widened or not")
    lines += [f"auto@none: the default without calibration; auto@shipped: widened by cqr's widenings "
              f"learned from the {' and '.join(learn)} series' validation forecasts (one horizon before "
              f"the test window), per frequency where each set holds {args.min_series} series of it, "
              "otherwise every frequency pooled; the sets weigh equally (the default); auto@blended, "
              "studied: "
              "those widenings averaged with each series' own conformal quantiles of its mixture's cqr "
              "scores over auto's three backtest windows, the widenings counting as "
              f"{PRIOR_SCORES} scores. Scored on the test windows: "
              + ", ".join(f"{dataset} {'zero-shot' if dataset not in learn else 'its test windows unseen'}"
                          for dataset in sets) + ".", "",
              "Widenings (share of each central interval's width added on each side):", "",
              markdown_table(pd.DataFrame([
                  {"frequency": frequency, **{f"{round(100 * (1 - 2 * level))}%": value
                                              for level, value in zip(LOWER_LEVELS, values)}}
                  for frequency, values in widenings.items()])), ""]
    lines += metric_tables(table)
    lines += ["## Misses in the backtests and in the test window", "",
              "Share of points outside the mixture's 80% interval (uncalibrated) in auto's own three "
              "backtest windows and in the test window, means over series, and the correlation of "
              "the two over series:", "", markdown_table(miss_rates(tests)), ""]
    write_results(Path(f"{args.output}.md"), lines)
    return 0


METRICS = ["coverage50", "coverage80", "coverage95", "winkler80", "winkler95", "crps", "mase", "smape",
           "seconds"]


def report(table: pd.DataFrame) -> list[str]:
    lines = results_header("Calibration: each frequency's series forecast as one file, calibrated or not")
    return lines + metric_tables(table)


def metric_tables(table: pd.DataFrame) -> list[str]:
    """What the metrics are, then per data set the means over all series and per frequency."""
    metrics = [metric for metric in METRICS if metric in table.columns]
    lines = ["Coverage of the central 50/80/95% intervals (nominal 0.50/0.80/0.95), Winkler scores of "
             "the 80% and 95% intervals and CRPS scaled like MASE, MASE and sMAPE of the median; "
             "means over series" + ("; seconds per series." if "seconds" in metrics else "."), ""]
    for dataset, rows in table.groupby("data", sort=False):
        overall = rows.groupby("model", sort=False)[metrics].mean().reset_index()
        lines += [f"## {dataset}: all series ({rows['series'].nunique()})", "", markdown_table(overall), ""]
        frequencies = rows.groupby(["frequency", "model"], sort=False)[metrics[:3] + ["crps", "mase"]]
        lines += [f"### {dataset}: by frequency", "", markdown_table(frequencies.mean().reset_index()), ""]
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
