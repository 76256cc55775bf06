"""Study rules for ``auto`` offline: save every candidate's backtest scores and test paths.

``auto`` backtests the candidates on each series' own last windows and forecasts with a
mixture of sample paths. Comparing selection and combination rules by rerunning the
benchmark costs a full run per rule; this script runs each candidate once per series
(the backtest auto would run, over ``--windows`` windows, and the fit on the whole
history that forecasts the protocol's test window) and saves the scores and the paths,
so that any rule is scored from the files in seconds (``--rules``), on the series that
every folder given covers.

    python benchmarks/auto_study.py --jobs 16 --output /tmp/study            # run (slow)
    python benchmarks/auto_study.py --candidates ets,theta --output /tmp/classical  # some
    python benchmarks/auto_study.py --rules /tmp/study /tmp/classical        # score the rules

A mixture's paths are the first paths of each member in proportion to its share, so
every rule is scored on the same draws. Mean MASE over these series is decided by a few
long-trending yearly series; ``--rules`` therefore also checks whether choosing the
best rule on half of the series helps on the other half (random halves, repeated).

Files per series: OUTPUT/NAME.npz (the test window, the history, the MASE period and
each candidate's paths) and OUTPUT/NAME.csv (each candidate's backtest scores per window).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from forecast_benchmark import DATA, HORIZON, RESULTS, split  # noqa: E402

CURRENT = "auto: winner (last window) + ets, theta"  # auto's rule, the one to beat
LOG_ETS = "ets:transform=log"
LOG_THETA = "theta:transform=log"
BASE = ("snaive", "theta", "ets", "rnn", "causal-conv")  # auto's default candidates here
CANDIDATES = (*BASE, LOG_ETS, LOG_THETA)  # every candidate the study runs


def study_series(task: tuple) -> list[dict]:
    """Backtest and forecast every auto candidate on one series; save the paths."""
    name, frequency, timestamp_kind, candidates, windows, samples, output = task
    warnings.simplefilter("ignore")
    from forecastgen.auto import AutoForecaster
    from forecastgen.evaluate import backtest
    from forecastgen.registry import default_registry

    history, actual, m = split(name, frequency, timestamp_kind)
    registry = default_registry()
    auto = AutoForecaster(candidates=candidates, windows=windows)
    names, _ = auto.suitable_candidates(history, registry)
    horizon = auto.backtest_horizon(history)
    rows, arrays = [], {"actual": actual, "history": history.values(name), "period": m}
    auto.settings_ = {candidate: auto.candidate_settings(registry, candidate) for candidate in names}
    for candidate in names:
        began = time.perf_counter()
        try:
            result = backtest(history, auto.create_candidate(registry, candidate), windows=windows,
                              horizon=horizon, num_samples=auto.num_samples, seed=auto.seed)
            forecast = auto.create_candidate(registry, candidate).fit(history).predict(
                HORIZON[frequency], num_samples=samples, seed=0)
        except Exception as exc:  # recorded; a refusal leaves the candidate out, as in auto
            rows.append({"series": name, "frequency": frequency, "model": candidate,
                         "error": f"{type(exc).__name__}: {exc}"})
            continue
        arrays[f"paths_{candidate}"] = forecast.samples[name].astype(np.float32)
        for window in result.scores.itertuples():
            rows.append({"series": name, "frequency": frequency, "model": candidate, "error": "",
                         "window": window.window, "horizon": horizon, "crps": window.crps,
                         "mase": window.mase, "seconds": time.perf_counter() - began})
    np.savez_compressed(Path(output) / f"{name}.npz", **arrays)
    pd.DataFrame(rows).to_csv(Path(output) / f"{name}.csv", index=False)
    return rows


def run(args) -> None:
    index = pd.read_csv(DATA / "index.csv").iloc[:: args.every]
    tasks = [(r.name, r.frequency, r.timestamp_kind, args.candidates, args.windows, args.samples,
              args.output)
             for r in index.sort_values("length", ascending=False, kind="stable").itertuples()]
    Path(args.output).mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(args.jobs) as pool:
        running = [pool.submit(study_series, task) for task in tasks]
        for done, finished in enumerate(as_completed(running), start=1):
            try:
                finished.result()
            except Exception:  # a series that cannot be read is reported and skipped
                traceback.print_exc(file=sys.stderr)
            if done % 20 == 0 or done == len(tasks):
                print(f"{done}/{len(tasks)} series", file=sys.stderr, flush=True)


# -- scoring rules on saved files -------------------------------------------------------------
def load_study(folders: list[str]) -> dict[str, dict]:
    """Per series: actual, history, period, frequency, paths per candidate and a backtest
    table (window x (metric, candidate)), merged over the folders."""
    studies: dict[str, dict] = {}
    for folder in map(Path, folders):
        for npz in sorted(folder.glob("*.npz")):
            arrays = np.load(npz)
            study = studies.setdefault(npz.stem, {"paths": {}, "backtests": []})
            study.update(actual=arrays["actual"], history=arrays["history"], period=int(arrays["period"]))
            study["paths"].update({key[len("paths_"):]: arrays[key].astype(float)
                                   for key in arrays if key.startswith("paths_")})
            scores = pd.read_csv(npz.with_suffix(".csv"))
            study["backtests"].append(scores[scores["error"].isna()])
    for study in studies.values():
        scores = pd.concat(study["backtests"])
        study["frequency"] = scores["frequency"].iloc[0] if len(scores) else None
        study["backtests"] = scores.pivot(index="window", columns="model", values=["crps", "mase"])
    return {name: study for name, study in studies.items() if "ets" in study["paths"]}


def backtest_rank(study: dict, windows: int, pool) -> pd.Series:
    """auto's own score (``forecastgen.auto.rank_scores``) over the last ``windows`` windows."""
    from forecastgen.auto import rank_scores

    table = study["backtests"]
    means = table.loc[table.index.max() - windows + 1:].mean().unstack(level=0)
    members = [c for c in pool if c in study["paths"] and c in means.index]
    return rank_scores(means.loc[members, ["crps", "mase"]])["score"].dropna()


def winner_and_anchors(windows: int, pool, anchors):
    """auto's mixture (``AutoForecaster.combination_weights``) of the winner by ``windows`` windows."""
    from forecastgen.auto import AutoForecaster

    def rule(study):
        auto = AutoForecaster(anchors=",".join(anchors))
        auto.scores_ = backtest_rank(study, windows, pool).to_frame("score")
        return auto.combination_weights()
    return rule


def best_k(k: int, windows: int, pool):
    """Forecast pooling: the k best by backtest, equal shares (Kourentzes, Barrow &
    Petropoulos 2019)."""
    return lambda study: {name: 1.0 for name in backtest_rank(study, windows, pool).index[:k]}


def equal(pool):
    return lambda study: {name: 1.0 for name in pool if name in study["paths"]}


def rules() -> dict:
    with_log = BASE + (LOG_ETS,)
    table = {name: equal((name,)) for name in CANDIDATES}
    table[CURRENT] = winner_and_anchors(1, BASE, ("ets", "theta"))
    table["winner (3 windows) + ets, theta"] = winner_and_anchors(3, BASE, ("ets", "theta"))
    table["winner + ets, theta; log ets a candidate"] = winner_and_anchors(1, with_log, ("ets", "theta"))
    table["winner + ets, log ets"] = winner_and_anchors(1, with_log, ("ets", LOG_ETS))
    for k in (2, 3, 4):
        for windows in (1, 2, 3):
            table[f"best {k} by {windows} window(s)"] = best_k(k, windows, BASE)
            table[f"best {k} by {windows} window(s), log ets a candidate"] = best_k(k, windows, with_log)
    table["equal: ets, theta, rnn, causal-conv"] = equal(("ets", "theta", "rnn", "causal-conv"))
    table["equal: all six"] = equal(with_log)
    return table


def mixture_paths(study: dict, shares: dict, count: int = 200) -> np.ndarray:
    total = sum(shares.values())
    return np.concatenate([study["paths"][name][: max(1, round(share / total * count))]
                           for name, share in shares.items()])


def score_rules(studies: dict) -> pd.DataFrame:
    from forecastgen.metrics import score_forecast

    rows = []
    for name, study in studies.items():
        for rule, shares_of in rules().items():
            shares = shares_of(study)
            if not shares:
                continue
            scores = score_forecast(study["actual"], mixture_paths(study, shares), study["history"],
                                    study["period"])
            rows.append({"series": name, "frequency": study["frequency"], "rule": rule, **scores})
    scores = pd.DataFrame(rows)
    singles = scores[scores["rule"].isin(CANDIDATES)]  # every candidate is a rule of its own
    hindsight = singles.groupby(["series", "frequency"], as_index=False)["mase"].min()
    return pd.concat([scores, hindsight.assign(rule="(hindsight: best single)")], ignore_index=True)


def every_rule_scored(scores: pd.DataFrame) -> pd.DataFrame:
    """Only the series that every rule scored (rnn, causal-conv and log ETS do not suit all)."""
    complete = scores.groupby("series")["rule"].nunique()
    return scores[scores["series"].isin(complete[complete == complete.max()].index)]


def summarize_rules(scores: pd.DataFrame) -> pd.DataFrame:
    """Means per rule, relative to ETS where marked."""
    table = scores.groupby("rule")[["mase", "crps", "coverage80", "coverage95"]].mean()
    table.insert(1, "mase/ets", table["mase"] / table.loc["ets", "mase"])
    table.insert(3, "crps/ets", table["crps"] / table.loc["ets", "crps"])
    table.insert(2, "gmean mase/ets", relative_gmean(scores))
    table["yearly mase"] = scores[scores["frequency"] == "yearly"].groupby("rule")["mase"].mean()
    return table.sort_values("mase")


def relative_gmean(scores: pd.DataFrame) -> pd.Series:
    logs = np.log(scores.pivot(index="series", columns="rule", values="mase").clip(lower=1e-6))
    return np.exp(logs.sub(logs["ets"], axis=0).mean())


def split_half(scores: pd.DataFrame, metric: str, repeats: int = 200, seed: int = 0) -> dict:
    """Choose the best rule by ``metric`` on a random half of the series; its ratio to ETS
    and to auto's rule on the other half, over ``repeats`` halvings."""
    scores = scores[scores["rule"] != "(hindsight: best single)"]
    series = np.array(sorted(scores["series"].unique()))
    rng = np.random.default_rng(seed)
    ratios = []
    for _ in range(repeats):
        chosen = set(rng.permutation(series)[: len(series) // 2])
        inside = scores["series"].isin(chosen)
        fit, check = (_metric_table(scores[part], metric) for part in (inside, ~inside))
        best = fit.drop(["ets", CURRENT]).idxmin()
        ratios.append((check[best] / check["ets"], check[best] / check[CURRENT]))
    to_ets, to_auto = np.array(ratios).T
    low, high = np.quantile(to_ets, [0.25, 0.75])
    return {"metric": metric, "vs ets (mean)": to_ets.mean(), "vs ets (quartiles)": f"{low:.3f}-{high:.3f}",
            "vs auto's rule (mean)": to_auto.mean()}


def against_auto(scores: pd.DataFrame, rule: str, repeats: int = 2000, seed: int = 0) -> dict:
    """Mean MASE and CRPS of ``rule`` over those of auto's rule, with 90% intervals from
    resampling the series (paired), and the share of series where ``rule`` is better."""
    rng = np.random.default_rng(seed)
    row = {"rule": rule}
    for metric in ("mase", "crps"):
        wide = scores.pivot(index="series", columns="rule", values=metric)
        other, current = wide[rule].to_numpy(), wide[CURRENT].to_numpy()
        draws = rng.integers(0, len(other), size=(repeats, len(other)))
        ratios = other[draws].mean(axis=1) / current[draws].mean(axis=1)
        low, high = np.quantile(ratios, [0.05, 0.95])
        row[f"{metric} ratio"] = f"{other.mean() / current.mean():.3f} ({low:.3f}-{high:.3f})"
        row[f"{metric}: better on"] = f"{(other < current).mean():.0%}"
    return row


def _metric_table(scores: pd.DataFrame, metric: str) -> pd.Series:
    if metric == "gmean mase":
        return relative_gmean(scores)
    return scores.groupby("rule")[metric].mean()


def report_rules(folders: list[str], output: Path, note: str | None) -> None:
    every = score_rules(load_study(folders))
    scores = every_rule_scored(every)
    table = summarize_rules(scores)
    checks = pd.DataFrame([split_half(scores, metric) for metric in ("mase", "crps", "gmean mase")])
    leaders = [rule for rule in table.index if rule not in (CURRENT, "(hindsight: best single)")][:4]
    paired = pd.DataFrame([against_auto(scores, rule) for rule in [*leaders, "ets"]])
    text = "\n".join([
        "# auto: selection and combination rules, scored offline",
        "",
        f"`python benchmarks/auto_study.py --rules {' '.join(folders)}`: "
        f"the {scores['series'].nunique()} of {every['series'].nunique()} dev series that every "
        "rule could forecast (rnn and causal-conv need autocorrelation and length, log ETS "
        "positive values), each candidate backtested over its last 3 windows "
        "(auto's quick training for rnn and causal-conv) and fitted on the whole history to forecast "
        "the protocol's test window (200 paths, seed 0). Lower is better; gmean mase/ets: geometric "
        "mean over series of MASE / MASE(ets).",
        *(["", note] if note else []),
        "",
        "```", table.round(3).to_string(), "```",
        "",
        "Choosing the best rule on a random half of the series and scoring it on the other half "
        "(200 halvings): ratios below 1 would mean a rule that generalizes.",
        "",
        "```", checks.round(3).to_string(index=False), "```",
        "",
        "The leading rules and ETS against auto's rule, paired by series (ratio of means, 90% "
        "interval from 2000 resamplings of the series; share of series where the rule is better):",
        "",
        "```", paired.to_string(index=False), "```",
        "",
    ])
    print(text)
    output.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", help="folder for the saved scores and paths (a run)")
    parser.add_argument("--rules", nargs="+", metavar="FOLDER",
                        help="score the rules on the files of earlier runs instead of running")
    parser.add_argument("--report", default=str(RESULTS / "auto_study.md"),
                        help="where --rules writes its tables")
    parser.add_argument("--note", help="a paragraph for the --rules report (how the runs were made)")
    parser.add_argument("--candidates", help="only these of auto's candidates (comma-separated)")
    parser.add_argument("--windows", type=int, default=3, help="backtest windows per candidate")
    parser.add_argument("--every", type=int, default=1, help="only every K-th series")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.rules:
        report_rules(args.rules, Path(args.report), args.note)
    elif args.output:
        run(args)
    else:
        parser.error("give --output (a run) or --rules FOLDER... (score saved runs)")


if __name__ == "__main__":
    main()
