"""Choose ``auto``'s candidates and combination without favouring patchcast (issue 40).

Two steps. A run saves, per series, every candidate's backtest scores (as auto computes them,
over 1, 2 and 3 windows) and its sample paths for the test window, beside the point forecast
of the yardstick: statsmodels' damped-trend Holt-Winters, ``ExponentialSmoothing(trend="add",
damped_trend=True, seasonal="add")``, seasonal naive where it fails (the independent check's
damped trend). Scoring then rebuilds any rule from those files in seconds:

    python -m benchmarks.default_study --data dev --output benchmarks/cache/study/dev
    python -m benchmarks.default_study --data m1 --output benchmarks/cache/study/m1
    python -m benchmarks.default_study --rules benchmarks/cache/study/dev benchmarks/cache/study/m1 \\
        --record benchmarks/cache/study/tourism

The protocol (issue 40): a rule's score is the geometric mean over series of its MASE relative
to seasonal naive's, computed per data set, and the dev series and M1 count equally (as data
sets, not series by series). M1's test windows are patchcast's validation set, so on M1 every
rule is scored with patchcast left out of its candidates; whether patchcast is worth its place
is decided by the dev series alone. Tourism (``--record``) is printed, never chosen on.

Rules: each candidate alone; for each pool of ``POOLS`` (auto's candidates of before, with
and without ``damped``, and smaller pools), equal weights or the inverse of the backtest score
to the power 1 or 2 over two or three windows, the mixture pooled ``centred`` or (auto's pools)
``linear`` as well (``forecastgen.auto.pool_paths``); the inverse-square weights with the
power shrunk on histories under 80 points (a 20-point yearly series' few short windows rank
the candidates less reliably: its weights move toward equal shares); the median of the
candidates' quantiles level by level (the SCUM idea: Petropoulos & Svetunkov 2020); and rules
that keep the first chosen pool (``CHOSEN``) where the series has a season and use another
where it has none, ``arima`` among them (cheap without a season), on every such series or from
``LONG`` points on.

Files per series: OUTPUT/NAME.npz (test window, history, season, each candidate's paths, the
yardstick's points) and OUTPUT/NAME.csv (each candidate's backtest scores per window).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import DATA_SETS, RESULTS, Task, paired, results_header, write_results

POOL = ("snaive", "theta", "ets", "ces", "damped", "patchcast", "arima")
YARDSTICK = "damped HW (statsmodels)"
WINDOW_COUNTS = (1, 2, 3)
RANKS = (np.arange(200) + 0.5) / 200
PRETRAINED = "patchcast"  # left out of every rule on M1 (its validation set)
POOLS = {"auto's (snaive, theta, ets, ces, patchcast)": ("snaive", "theta", "ets", "ces", "patchcast"),
         "auto's + damped": POOL[:-1], **{", ".join(pool): pool for pool in (
             ("ets", "ces", "damped", "patchcast"), ("ces", "damped", "patchcast"),
             ("ets", "damped", "patchcast"),
             ("ces", "theta", "damped", "patchcast"), ("ces", "damped"), ("ets", "ces", "damped"),
             ("ces", "theta", "damped", "patchcast", "arima"), ("ces", "damped", "arima", "patchcast"),
             ("ces", "damped", "arima"))}}
CHOSEN = ("ces", "theta", "damped", "patchcast")  # the pool chosen first (2026-12-06)
LONG = 40  # auto's arima.auto_default_from and patchcast.auto_default_below
# pools for series without a season (beside CHOSEN for the others), under and from LONG points
NON_SEASONAL_POOLS = {"ces, damped, arima": (("ces", "damped", "arima"),) * 2,
                      "ces, damped, arima, patchcast": (("ces", "damped", "arima", "patchcast"),) * 2,
                      "ces, theta, damped, arima": (("ces", "theta", "damped", "arima"),) * 2,
                      "ces, theta, damped, patchcast, arima": (CHOSEN + ("arima",),) * 2,
                      f"ces, theta, damped; arima too from {LONG} points": (("ces", "theta", "damped"),
                                                                         ("ces", "theta", "damped", "arima")),
                      f"ces, theta, damped, patchcast; arima for patchcast from {LONG} points": (
                          CHOSEN, ("ces", "theta", "damped", "arima")),
                      "ces, theta, damped": (("ces", "theta", "damped"),) * 2}
CURRENT = "auto's (snaive, theta, ets, ces, patchcast): 1/score^2 by 2 windows, linear"  # auto before
SHRUNK = "1/score^2 by 3 windows shrunk below 80 points, centred"
PREVIOUS = f"{', '.join(CHOSEN)}: {SHRUNK}"  # auto's first choice by this protocol


# -- a run: backtests and test paths per series -----------------------------------------------------
def yardstick(task: Task) -> np.ndarray:
    """statsmodels' damped-trend Holt-Winters' point forecast; seasonal naive where it fails."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y, h, m = task.history, len(task.actual), task.season
    seasonal = "add" if 1 < m and len(y) >= 2 * m else None
    try:
        fitted = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal=seasonal,
                                      seasonal_periods=m if seasonal else None).fit()
        points = np.asarray(fitted.forecast(h), dtype=float)
        if np.all(np.isfinite(points)):
            return points
    except Exception:  # the check's rule: seasonal naive wherever the fit fails
        pass
    period = m if len(y) >= m else 1
    return np.resize(y[-period:], h).astype(float)


def backtest_horizons(data) -> dict[int, int | None]:
    from forecastgen.auto import AutoForecaster

    return {count: AutoForecaster(windows=count).backtest_horizon(data) for count in WINDOW_COUNTS}


def candidate_backtests(data, make, horizons: dict[int, int | None]) -> list[dict]:
    """Scores per window for each window count; a count whose horizon equals the longest run's
    reuses that run's last windows (its cutoffs are the same)."""
    from forecastgen.evaluate import backtest

    rows, runs = [], {}
    for count in sorted(horizons, reverse=True):
        horizon = horizons[count]
        if horizon is None:
            continue
        if horizon not in runs:
            runs[horizon] = (count, backtest(data, make(), windows=count, horizon=horizon, num_samples=100,
                                             seed=0, quantiles=None).scores)
        longest, scores = runs[horizon]
        kept = scores[scores["window"] > longest - count]
        rows += [{"windows": count, "window": w.window - (longest - count), "crps": w.crps, "mase": w.mase}
                 for w in kept.itertuples()]
    return rows


def study_series(job: tuple) -> None:
    task, pool, output = job
    warnings.simplefilter("ignore")
    from forecastgen.auto import AutoForecaster
    from forecastgen.data import as_series_set
    from forecastgen.engine.threads import use_threads
    from forecastgen.registry import default_registry

    use_threads(1)
    data = as_series_set(task.series())
    registry = default_registry()
    auto = AutoForecaster(candidates=",".join(pool))
    names, _ = auto.suitable_candidates(data, registry)
    auto.settings_ = {name: auto.candidate_settings(registry, name) for name in names}
    horizons = backtest_horizons(data)
    done = Path(output) / f"{task.name}.csv"  # written whole, then renamed: the mark of a finished series
    if done.exists():  # a run with more candidates adds theirs
        earlier = pd.read_csv(done)
        rows = earlier.drop(columns=["series", "frequency"]).to_dict("records")
        arrays = dict(np.load(done.with_suffix(".npz")))
        names = [name for name in names if name not in set(earlier["model"])]
    else:
        rows = []
        arrays = {"actual": task.actual, "history": task.history, "season": task.season,
                  "yardstick": yardstick(task)}
    for name in names:
        began = time.perf_counter()
        try:
            scores = candidate_backtests(data, partial(auto.create_candidate, registry, name), horizons)
            forecast = auto.create_candidate(registry, name).fit_predict(data, len(task.actual),
                                                                         num_samples=200, seed=0)
        except Exception as exc:  # a refusal leaves the candidate out, as in auto
            rows.append({"model": name, "error": f"{type(exc).__name__}: {exc}"})
            continue
        arrays[f"paths_{name}"] = forecast.samples[data.ids[0]].astype(np.float32)
        seconds = time.perf_counter() - began
        rows += [{"model": name, "error": "", **row, "seconds": seconds} for row in scores]
    np.savez_compressed(done.with_suffix(".npz.tmp"), **arrays)
    done.with_suffix(".npz.tmp.npz").replace(done.with_suffix(".npz"))
    table = pd.DataFrame(rows).assign(series=task.name, frequency=task.frequency)
    table.to_csv(done.with_suffix(".tmp"), index=False)
    done.with_suffix(".tmp").replace(done)


def studied(table: Path) -> set[str]:
    """The candidates a series' file holds (none before its run)."""
    return set(pd.read_csv(table, usecols=["model"])["model"]) if table.exists() else set()


def run(args) -> None:
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    tasks = sorted(DATA_SETS[args.data](), key=lambda task: -len(task.history))
    wanted = set(args.candidates.split(","))
    jobs = [(task, sorted(wanted), output) for task in tasks
            if not wanted <= studied(output / f"{task.name}.csv")]
    print(f"{len(tasks) - len(jobs)} of {len(tasks)} series done before", file=sys.stderr, flush=True)
    with ProcessPoolExecutor(args.jobs) as pool:
        running = [pool.submit(study_series, job) for job in jobs]
        for count, finished in enumerate(as_completed(running), start=1):
            try:
                finished.result()
            except Exception:
                traceback.print_exc(file=sys.stderr)
            if count % 50 == 0 or count == len(jobs):
                print(f"{count}/{len(jobs)} series", file=sys.stderr, flush=True)


# -- rules, scored from the saved files -------------------------------------------------------------
def load_studies(folder: Path) -> dict[str, dict]:
    studies = {}
    for table in sorted(folder.glob("*.csv")):
        arrays = np.load(table.with_suffix(".npz"))
        rows = pd.read_csv(table)
        scores = rows[rows["error"].isna()]
        studies[table.stem] = {
            "dataset": folder.name, "frequency": rows["frequency"].iloc[0],
            "actual": arrays["actual"], "history": arrays["history"], "season": int(arrays["season"]),
            "yardstick": arrays["yardstick"],
            "paths": {key[6:]: arrays[key].astype(float) for key in arrays if key.startswith("paths_")},
            "backtests": {int(count): part.groupby("model")[["crps", "mase"]].mean()
                          for count, part in scores.groupby("windows")}}
    return studies


def ranked(study: dict, windows: int, pool) -> pd.Series:
    """auto's score (``forecastgen.auto.rank_scores``) of each candidate of ``pool``."""
    from forecastgen.auto import rank_scores

    means = study["backtests"].get(windows)
    if means is None:
        return pd.Series(dtype=float)
    members = [name for name in pool if name in study["paths"] and name in means.index]
    return rank_scores(means.loc[members])["score"].dropna()


def weights(pool, windows: int | None, power: float, full_power_from: int | None = None):
    """Shares of the candidates of ``pool`` a series has: equal (``windows`` None), or by the
    inverse of the backtest score to the power ``power`` (``forecastgen.auto.inverse_score_shares``;
    auto's rule with power 2 over two windows); with ``full_power_from``, the power shrunk in
    proportion to the history's length below that many points."""
    from forecastgen.auto import inverse_score_shares

    def shares(study):
        present = [name for name in pool if name in study["paths"]]
        scores = ranked(study, windows, present) if windows else pd.Series(dtype=float)
        if scores.empty:
            return dict.fromkeys(present, 1.0)
        shrink = 1.0 if full_power_from is None else min(1.0, len(study["history"]) / full_power_from)
        return inverse_score_shares(scores, power * shrink)
    return shares


def by_season(seasonal_pool, short_pool, long_pool, *weighting):
    """``weights`` of ``seasonal_pool`` where the series has a season; where it has none, of
    ``short_pool`` under ``LONG`` points and of ``long_pool`` from there on."""
    seasonal, short, long = (weights(pool, *weighting) for pool in (seasonal_pool, short_pool, long_pool))

    def shares(study):
        if study["season"] > 1:
            return seasonal(study)
        return (long if len(study["history"]) >= LONG else short)(study)
    return shares


def alone(name: str):
    return lambda study: {name: 1.0} if name in study["paths"] else {}


def pooled(how: str):
    """auto's pooling (``forecastgen.auto.pool_paths``) of 200 paths by the shares."""
    from forecastgen.auto import _allocate, pool_paths

    def combine(study: dict, shares: dict) -> np.ndarray:
        total = sum(shares.values())
        counts = dict(zip(shares, _allocate(200, [share / total for share in shares.values()])))
        return pool_paths({name: study["paths"][name] for name in shares}, shares, counts, how)[0]
    return combine


def median_of(study: dict, shares: dict) -> np.ndarray:
    """The members' quantiles' median, level by level (SCUM's median of forecasts)."""
    quantiles = np.stack([np.quantile(study["paths"][name], RANKS, axis=0) for name in shares])
    return np.median(quantiles, axis=0)


def rules() -> dict[str, tuple]:
    """Rule name -> (shares of one series' study, how the members combine)."""
    table = {name: (alone(name), pooled("linear")) for name in POOL}
    weightings = {"equal": (None, 0)} | {f"1/score^{power} by {windows} windows": (windows, power)
                                         for windows in (2, 3) for power in (1, 2)}
    for pool_name, pool in POOLS.items():
        for weighting, (windows, power) in weightings.items():
            for how in ("centred", "linear") if pool_name.startswith("auto's") else ("centred",):
                table[f"{pool_name}: {weighting}, {how}"] = (weights(pool, windows, power), pooled(how))
        table[f"{pool_name}: {SHRUNK}"] = (weights(pool, 3, 2, 80), pooled("centred"))
    for name, (short, long) in NON_SEASONAL_POOLS.items():
        table[f"{', '.join(CHOSEN)}; without a season {name}: {SHRUNK}"] = (
            by_season(CHOSEN, short, long, 3, 2, 80), pooled("centred"))
    for members in (("ets", "ces", "theta", "damped"), ("ets", "ces", "theta", "damped", "patchcast"),
                    ("ces", "damped", "patchcast")):
        table[f"median: {', '.join(members)}"] = (weights(members, None, 0), median_of)
    return table


def score_rules(studies: dict, leave_out: str | None = None) -> pd.DataFrame:
    """Each rule's scores per series; ``leave_out``: a candidate removed from every rule (the rules
    that are that candidate alone are skipped)."""
    from forecastgen.metrics import mase, score_forecast

    rows, every_rule = [], rules()
    for name, study in studies.items():
        if leave_out is not None:
            study = {**study, "paths": {k: v for k, v in study["paths"].items() if k != leave_out}}
        if "snaive" not in study["paths"]:
            continue
        base = {"series": name, "dataset": study["dataset"], "frequency": study["frequency"]}
        rows.append({**base, "rule": YARDSTICK,
                     "mase": mase(study["actual"], study["yardstick"], study["history"], study["season"])})
        for rule, (shares_of, combine) in every_rule.items():
            shares = {k: v for k, v in shares_of(study).items() if k in study["paths"]}
            if shares:
                rows.append({**base, "rule": rule, **score_forecast(study["actual"], combine(study, shares),
                                                                    study["history"], study["season"])})
    return pd.DataFrame(rows)


def relative_to_snaive(scores: pd.DataFrame) -> pd.DataFrame:
    """log(MASE / seasonal naive's MASE) per series and rule (the geometric mean's terms)."""
    wide = scores.pivot_table(index=["series", "frequency"], columns="rule", values="mase")
    logs = np.log(wide.clip(lower=1e-6)).sub(np.log(wide["snaive"].clip(lower=1e-6)), axis=0)
    return logs.dropna(axis=1, how="all")


def geometric_means(logs: pd.DataFrame) -> pd.DataFrame:
    """Per frequency and overall: exp(mean log ratio) of each rule (columns: frequencies)."""
    by_frequency = logs.groupby(level="frequency").mean()
    by_frequency.loc["all"] = logs.mean()
    return np.exp(by_frequency).T


def paired_ratio(logs: pd.DataFrame, rule: str, other: str, seed: int = 0) -> str:
    """Geometric mean of rule's MASE over other's, with a 95% interval from resampling series."""
    both = logs[[rule, other]].dropna()
    found = paired(both[rule].to_numpy(), both[other].to_numpy(), seed)
    mean, low, high = np.exp([found["mean"], found["low"], found["high"]])
    return f"{mean:.3f} ({low:.3f}-{high:.3f})"


def report(args) -> None:
    dev, m1 = (load_studies(Path(folder)) for folder in args.rules)
    dev_scores, m1_scores = score_rules(dev), score_rules(m1, leave_out=PRETRAINED)
    dev_logs, m1_logs = relative_to_snaive(dev_scores), relative_to_snaive(m1_scores)
    dev_table, m1_table = geometric_means(dev_logs), geometric_means(m1_logs)
    choice = pd.DataFrame({"dev": dev_table["all"], "m1 (no patchcast)": m1_table["all"]}).dropna()
    choice.insert(0, "protocol", choice.mean(axis=1))
    for label, scores in (("dev", dev_scores), ("m1", m1_scores)):
        means = scores.groupby("rule")[["mase", "crps"]].mean()
        choice[f"mean MASE {label}"], choice[f"CRPS {label}"] = means["mase"], means["crps"]
    choice = choice.sort_values("protocol")
    lines = results_header("auto's candidates and combination, chosen by issue 40's protocol") + [
        f"{len(dev_logs)} dev series and {len(m1_logs)} M1 series, each candidate backtested as auto "
        "does and fitted on the whole history to forecast the test window (200 paths, seed 0). "
        "Figures: geometric mean over series of MASE relative to seasonal naive's (lower is "
        "better). `protocol`: the mean of the dev and M1 figures (data sets weighted equally); on "
        "M1 every rule runs without patchcast (its validation set). Beside them, for the record, "
        "the arithmetic mean MASE and scaled CRPS (a few series with large errors weigh most).", "",
        "## Every rule", "", "```", choice.round(4).to_string(), "```", ""]
    shown = list(dict.fromkeys([YARDSTICK, "damped", CURRENT, PREVIOUS, *choice.index[:6], *args.show]))
    for title, table, logs in (("The dev series", dev_table, dev_logs),
                               ("M1 (no patchcast)", m1_table, m1_logs)):
        present = [rule for rule in shown if rule in table.index]
        lines += [f"## {title}, per frequency", "", "```", table.loc[present].round(3).to_string(), "```", "",
                  f"Paired against the yardstick ({YARDSTICK}): geometric mean of the MASE ratio, 95% "
                  "interval over series.", "", "```"]
        paired_rows = {rule: {frequency: paired_ratio(logs.xs(frequency, level="frequency"), rule, YARDSTICK)
                              for frequency in sorted(set(logs.index.get_level_values("frequency")))}
                       for rule in present if rule != YARDSTICK}
        for rule in paired_rows:
            paired_rows[rule]["all"] = paired_ratio(logs, rule, YARDSTICK)
        lines += [pd.DataFrame(paired_rows).T.to_string(), "```", ""]
    if args.record:
        scores = score_rules(load_studies(Path(args.record)))
        table = geometric_means(relative_to_snaive(scores))
        means = scores.groupby("rule")[["mase", "smape", "crps", "coverage80", "coverage95"]].mean()
        table = table.join(means.rename(columns=lambda column: f"mean {column}"))
        lines += ["## Tourism, for the record (nothing chosen on it)", "",
                  "Geometric mean of MASE relative to seasonal naive per frequency, then the means "
                  "over all series.", "", "```",
                  table.loc[[r for r in shown if r in table.index]].round(3).to_string(), "```", ""]
    write_results(Path(args.report), lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="dev", choices=sorted(DATA_SETS), help="the series of a run")
    parser.add_argument("--output", help="folder of a run's files (resumes where it stopped)")
    parser.add_argument("--candidates", default=",".join(POOL), help="the candidates a run saves")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rules", nargs=2, metavar=("DEV", "M1"),
                        help="score the rules on two runs' folders")
    parser.add_argument("--record", metavar="TOURISM", help="with --rules: a run printed for the record")
    parser.add_argument("--show", nargs="*", default=[], help="more rules in the per-frequency tables")
    parser.add_argument("--report", default=str(RESULTS / "default_study.md"))
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.rules:
        report(args)
    elif args.output:
        run(args)
    else:
        parser.error("give --output (a run) or --rules DEV M1 (score saved runs)")


if __name__ == "__main__":
    main()
