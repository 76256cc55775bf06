"""Study rules for ``auto`` offline: save every candidate's backtest scores and test paths.

``auto`` backtests the candidates on each series' own last windows and forecasts with a
combination of them weighted by their backtests. Comparing selection and combination rules by
rerunning the benchmark costs a full run per rule; this script runs each candidate once
per series (the backtest auto would run, over ``--windows`` windows, and the fit on the
whole history that forecasts the test window) and saves the scores and the paths, so
that any rule is scored from the files in seconds (``--rules``), on the series that
every folder given covers.

    python benchmarks/auto_study.py --data dev --output /tmp/study/dev       # run (minutes)
    python benchmarks/auto_study.py --data m1 --output /tmp/study/m1
    python benchmarks/auto_study.py --candidates rnn --output /tmp/study/rnn  # more candidates
    python benchmarks/auto_study.py --rules /tmp/study/dev /tmp/study/m1 --record /tmp/study/tourism

Data sets (``--data``): those of ``pretrained_benchmark.py`` (dev, m1, tourism), with
their test windows. The rules are compared on the folders of ``--rules`` (the data the
project may select on: the dev series and M1) and, for the record only, on those of
``--record`` (Tourism, the zero-shot benchmark, on which nothing may be chosen).

Rules: each candidate alone; auto's "winner + anchors" with the winner by 1, 2 or 3
backtest windows; the k best by backtest with equal shares (forecast pooling:
Kourentzes, Barrow & Petropoulos 2019); every candidate weighted by the inverse of its
backtest score (or its square); the anchors alone and every candidate with
equal shares. Each combination is scored twice: as a mixture of the members' paths
(auto's way: linear pooling) and as the average of the members' quantiles level by level
(Vincentization: Lichtendahl, Grushka-Cockayne & Winkler 2013), which keeps the members'
medians' average and is sharper. Mixtures take the first paths of each member in
proportion to its share, so every rule is scored on the same draws.

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
from forecast_benchmark import RESULTS  # noqa: E402
from pretrained_benchmark import DATA_SETS, task_series  # noqa: E402

ANCHORS = ("ets", "theta", "patchcast")  # auto's default anchors
# the rule every other is compared with: auto's before this study (combination="anchors", windows=1);
# auto's default since is "1/score^2 by 2 window(s)" (combination="inverse-score", windows=2)
BASELINE = "auto: winner (1 window) + anchors"
QUANTILE_AVERAGE = " · quantile average"  # a rule's name with it: Vincentized instead of mixed
RANKS = (np.arange(200) + 0.5) / 200  # the levels at which quantile averages are taken
METRICS = ["mase", "smape", "crps", "coverage80", "coverage95"]


def study_series(job: tuple) -> list[dict]:
    """Backtest and forecast every auto candidate on one series; save the paths."""
    task, candidates, windows, samples, output = job
    warnings.simplefilter("ignore")
    from forecastgen.auto import AutoForecaster
    from forecastgen.data import as_series_set
    from forecastgen.engine.threads import use_threads
    from forecastgen.evaluate import backtest
    from forecastgen.registry import default_registry

    use_threads(1)
    data = as_series_set(task_series(task))
    registry = default_registry()
    auto = AutoForecaster(candidates=candidates)
    names, _ = auto.suitable_candidates(data, registry)
    rows, arrays = [], {"actual": task.actual, "history": task.history, "period": task.mase_period}
    auto.settings_ = {candidate: auto.candidate_settings(registry, candidate) for candidate in names}
    for candidate in names:
        began = time.perf_counter()
        try:
            backtests = {count: backtest(data, auto.create_candidate(registry, candidate), windows=count,
                                         horizon=backtest_horizon(data, count), num_samples=auto.num_samples,
                                         seed=auto.seed)
                         for count in range(1, windows + 1)}
            forecast = auto.create_candidate(registry, candidate).fit(data).predict(
                len(task.actual), num_samples=samples, seed=0)
        except Exception as exc:  # recorded; a refusal leaves the candidate out, as in auto
            rows.append({"series": task.name, "frequency": task.frequency, "model": candidate,
                         "error": f"{type(exc).__name__}: {exc}"})
            continue
        arrays[f"paths_{candidate}"] = forecast.samples[data.ids[0]].astype(np.float32)
        for count, result in backtests.items():
            for window in result.scores.itertuples():
                rows.append({"series": task.name, "frequency": task.frequency, "model": candidate,
                             "error": "", "windows": count, "window": window.window, "crps": window.crps,
                             "mase": window.mase, "seconds": time.perf_counter() - began})
    np.savez_compressed(Path(output) / f"{task.name}.npz", **arrays)
    table = Path(output) / f"{task.name}.csv"  # written last, whole, then renamed: the mark of a done series
    pd.DataFrame(rows).to_csv(table.with_suffix(".csv.tmp"), index=False)
    table.with_suffix(".csv.tmp").replace(table)
    return rows


def backtest_horizon(data, windows: int) -> int:
    """The horizon auto backtests ``windows`` windows with (shorter where the series is short)."""
    from forecastgen.auto import AutoForecaster

    return AutoForecaster(windows=windows).backtest_horizon(data)


def run(args) -> None:
    tasks = sorted(DATA_SETS[args.data](), key=lambda t: -len(t.history))[:: args.every]
    done = {task.name for task in tasks if (Path(args.output) / f"{task.name}.csv").exists()}
    if done:  # a stopped run resumes: each finished series has its table
        print(f"resuming after {len(done)} of {len(tasks)} series", file=sys.stderr, flush=True)
    jobs = [(task, args.candidates, args.windows, args.samples, args.output) for task in tasks
            if task.name not in done]
    Path(args.output).mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(args.jobs) as pool:
        running = [pool.submit(study_series, job) for job in jobs]
        for done, finished in enumerate(as_completed(running), start=1):
            try:
                finished.result()
            except Exception:  # a series that cannot be read is reported and skipped
                traceback.print_exc(file=sys.stderr)
            if done % 50 == 0 or done == len(jobs):
                print(f"{done}/{len(jobs)} series", file=sys.stderr, flush=True)


# -- scoring rules on saved files -------------------------------------------------------------
def load_study(folders: list[str]) -> dict[str, dict]:
    """Per series: actual, history, period, frequency, data set (the folder's name), paths
    per candidate and a backtest table (window x (metric, candidate)), merged over the folders."""
    studies: dict[str, dict] = {}
    for folder in map(Path, folders):
        for npz in sorted(table.with_suffix(".npz") for table in folder.glob("*.csv")):  # finished series
            arrays = np.load(npz)
            study = studies.setdefault(npz.stem, {"paths": {}, "backtests": [], "dataset": folder.name})
            study.update(actual=arrays["actual"], history=arrays["history"], period=int(arrays["period"]))
            study["paths"].update({key[len("paths_"):]: arrays[key].astype(float)
                                   for key in arrays if key.startswith("paths_")})
            scores = pd.read_csv(npz.with_suffix(".csv"))
            study["backtests"].append(scores[scores["error"].isna()])
    for study in studies.values():
        scores = pd.concat(study["backtests"])
        study["frequency"] = scores["frequency"].iloc[0] if len(scores) else None
        study["backtests"] = {count: part.groupby("model")[["crps", "mase"]].mean()
                              for count, part in scores.groupby("windows")}
    return {name: study for name, study in studies.items() if "ets" in study["paths"]}


def backtest_rank(study: dict, windows: int, pool) -> pd.Series:
    """auto's own score (``forecastgen.auto.rank_scores``) of its backtest over ``windows`` windows."""
    from forecastgen.auto import rank_scores

    means = study["backtests"][windows]
    members = [c for c in pool if c in study["paths"] and c in means.index]
    return rank_scores(means.loc[members, ["crps", "mase"]])["score"].dropna()


def winner_and_anchors(windows: int, pool, anchors):
    """auto's shares (``AutoForecaster.combination_weights``) with the winner by ``windows`` windows."""
    from forecastgen.auto import AutoForecaster

    def rule(study):
        auto = AutoForecaster(combination="anchors", anchors=",".join(anchors))
        auto.scores_ = backtest_rank(study, windows, pool).to_frame("score")
        return auto.combination_weights()
    return rule


def best_k(k: int, windows: int, pool):
    """Forecast pooling: the k best by backtest, equal shares."""
    return lambda study: {name: 1.0 for name in backtest_rank(study, windows, pool).index[:k]}


def inverse_score(windows: int, pool, power: int):
    """Every candidate, weighted by its backtest score (1 for the best) to the power -``power``
    (``forecastgen.auto.inverse_score_shares``: auto's default with power 2)."""
    from forecastgen.auto import inverse_score_shares

    return lambda study: inverse_score_shares(backtest_rank(study, windows, pool), power)


def equal(members):
    return lambda study: {name: 1.0 for name in members if name in study["paths"]}


def rules(pool: tuple[str, ...]) -> dict:
    """Rule name -> a function of one series' study giving the members' shares."""
    anchors = tuple(name for name in ANCHORS if name in pool)
    table = {name: equal((name,)) for name in pool}
    combinations = {f"auto: winner ({w} window{'s' if w > 1 else ''}) + anchors":
                    winner_and_anchors(w, pool, anchors) for w in (1, 2, 3)}
    combinations.update({f"best {k} by {w} window(s)": best_k(k, w, pool)
                         for k in (2, 3, 4) for w in (1, 2, 3)})
    combinations.update({f"1/score^{power} by {w} window(s)": inverse_score(w, pool, power)
                         for power in (1, 2) for w in (1, 2, 3)})
    combinations[f"equal: {', '.join(anchors)}"] = equal(anchors)
    combinations["equal: every candidate"] = equal(pool)
    for name, shares_of in combinations.items():
        table[name] = shares_of
        table[name + QUANTILE_AVERAGE] = shares_of
    return table


def mixture_paths(study: dict, shares: dict, count: int = 200) -> np.ndarray:
    total = sum(shares.values())
    return np.concatenate([study["paths"][name][: max(1, round(share / total * count))]
                           for name, share in shares.items()])


def quantile_average(study: dict, shares: dict) -> np.ndarray:
    """The members' quantiles at ``RANKS`` averaged level by level with their shares: as many
    pseudo-paths as ranks (each step's values sorted, so no path structure)."""
    total = sum(shares.values())
    return sum(share / total * np.quantile(study["paths"][name], RANKS, axis=0)
               for name, share in shares.items())


def score_rules(studies: dict) -> pd.DataFrame:
    from forecastgen.metrics import score_forecast

    pool = tuple(dict.fromkeys(name for study in studies.values() for name in study["paths"]))
    rows, every_rule = [], rules(pool)
    for name, study in studies.items():
        for rule, shares_of in every_rule.items():
            shares = shares_of(study)
            if not shares:
                continue
            combine = quantile_average if rule.endswith(QUANTILE_AVERAGE) else mixture_paths
            scores = score_forecast(study["actual"], combine(study, shares), study["history"],
                                    study["period"])
            rows.append({"series": name, "dataset": study["dataset"], "frequency": study["frequency"],
                         "rule": rule, **scores})
    scores = pd.DataFrame(rows)
    singles = scores[scores["rule"].isin(pool)]  # every candidate is a rule of its own
    hindsight = singles.groupby(["series", "dataset", "frequency"], as_index=False)["mase"].min()
    return pd.concat([scores, hindsight.assign(rule="(hindsight: best single)")], ignore_index=True)


def every_rule_scored(scores: pd.DataFrame) -> pd.DataFrame:
    """Only the series that every rule scored (some candidates do not suit every series)."""
    complete = scores.groupby("series")["rule"].nunique()
    return scores[scores["series"].isin(complete[complete == complete.max()].index)]


def summarize_rules(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean of each metric per rule and data set (columns: metric, data set), and over the
    selection series together; sorted by that mean MASE."""
    table = scores.groupby(["rule", "dataset"])[METRICS].mean().unstack("dataset")
    table.columns = [f"{metric} {dataset}" for metric, dataset in table.columns]
    together = scores.groupby("rule")[METRICS].mean()
    table.insert(0, "mase", together["mase"])
    table.insert(1, "smape", together["smape"])
    table.insert(2, "crps", together["crps"])
    return table.sort_values("mase")


def split_half(scores: pd.DataFrame, metric: str, repeats: int = 200, seed: int = 0) -> dict:
    """Choose the best rule by ``metric`` on a random half of the series; its ratio to the
    baseline and to ETS on the other half, over ``repeats`` halvings."""
    scores = scores[scores["rule"] != "(hindsight: best single)"]
    series = np.array(sorted(scores["series"].unique()))
    rng = np.random.default_rng(seed)
    ratios, chosen_rules = [], []
    for _ in range(repeats):
        chosen = set(rng.permutation(series)[: len(series) // 2])
        inside = scores["series"].isin(chosen)
        fit, check = (scores[part].groupby("rule")[metric].mean() for part in (inside, ~inside))
        best = fit.drop(["ets", BASELINE]).idxmin()
        chosen_rules.append(best)
        ratios.append((check[best] / check[BASELINE], check[best] / check["ets"]))
    to_auto, to_ets = np.array(ratios).T
    low, high = np.quantile(to_auto, [0.25, 0.75])
    most = pd.Series(chosen_rules).value_counts()
    return {"metric": metric, "vs the baseline (mean)": to_auto.mean(),
            "(quartiles)": f"{low:.3f}-{high:.3f}", "vs ets (mean)": to_ets.mean(),
            "most often chosen": f"{most.index[0]} ({most.iloc[0]} of {repeats})"}


def against_auto(scores: pd.DataFrame, rule: str, repeats: int = 2000, seed: int = 0) -> dict:
    """Mean MASE, sMAPE and CRPS of ``rule`` over those of ``BASELINE``, with 90% intervals from
    resampling the series (paired), and the share of series where ``rule`` is better."""
    rng = np.random.default_rng(seed)
    row = {"rule": rule}
    for metric in ("mase", "smape", "crps"):
        wide = scores.pivot(index="series", columns="rule", values=metric)
        other, current = wide[rule].to_numpy(), wide[BASELINE].to_numpy()
        draws = rng.integers(0, len(other), size=(repeats, len(other)))
        ratios = other[draws].mean(axis=1) / current[draws].mean(axis=1)
        low, high = np.quantile(ratios, [0.05, 0.95])
        row[f"{metric} ratio"] = f"{other.mean() / current.mean():.3f} ({low:.3f}-{high:.3f})"
        row[f"{metric}: better on"] = f"{(other < current).mean():.0%}"
    return row


def report_rules(folders: list[str], record: list[str], output: Path, note: str | None) -> None:
    every = score_rules(load_study(folders))
    scores = every_rule_scored(every)
    table = summarize_rules(scores)
    checks = pd.DataFrame([split_half(scores, metric) for metric in ("mase", "smape", "crps")])
    leaders = [rule for rule in table.index if rule not in (BASELINE, "(hindsight: best single)")][:5]
    compared = list(dict.fromkeys([*leaders, "ets", "patchcast"]))
    paired = pd.DataFrame([against_auto(scores, rule) for rule in compared])
    counts = scores.groupby("dataset")["series"].nunique()
    lines = [
        "# auto: selection and combination rules, scored offline",
        "",
        f"`python benchmarks/auto_study.py --rules {' '.join(folders)}"
        f"{' --record ' + ' '.join(record) if record else ''}`: "
        + ", ".join(f"{n} {d} series" for d, n in counts.items())
        + " (those every rule could forecast), each candidate backtested over its last windows "
        "and fitted on the whole history to forecast the test window (200 paths, seed 0). Lower "
        "is better; the first three columns are the means over all these series together.",
        *(["", note] if note else []),
        "",
        "```", table.round(3).to_string(), "```",
        "",
        "Choosing the best rule on a random half of the series and scoring it on the other half "
        "(200 halvings): ratios below 1 would mean a rule that generalizes.",
        "",
        "```", checks.round(3).to_string(index=False), "```",
        "",
        f"The leading rules, ETS and patchcast against the baseline ({BASELINE}, auto's rule "
        "before this study), paired by series (ratio of "
        "means, 90% interval from 2000 resamplings of the series; share of series where the rule "
        "is better):",
        "",
        "```", paired.to_string(index=False), "```",
        "",
    ]
    if record:
        recorded = every_rule_scored(score_rules(load_study(record)))
        counts = recorded.groupby("dataset")["series"].nunique()
        lines += ["For the record, not used to choose (zero-shot data): "
                  + ", ".join(f"{n} {d} series" for d, n in counts.items()) + ".",
                  "", "```", summarize_rules(recorded).round(3).to_string(), "```", ""]
    text = "\n".join(lines)
    print(text)
    output.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", help="folder for the saved scores and paths (a run); its name "
                                         "names the data set in the report")
    parser.add_argument("--data", default="dev", choices=sorted(DATA_SETS), help="the series of a run")
    parser.add_argument("--rules", nargs="+", metavar="FOLDER",
                        help="score the rules on the files of earlier runs instead of running")
    parser.add_argument("--record", nargs="*", default=[], metavar="FOLDER",
                        help="with --rules: folders scored for the record only (zero-shot data)")
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
        report_rules(args.rules, args.record, Path(args.report), args.note)
    elif args.output:
        run(args)
    else:
        parser.error("give --output (a run) or --rules FOLDER... (score saved runs)")


if __name__ == "__main__":
    main()
