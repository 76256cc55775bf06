"""Learned combination weights for ``auto`` (FFORMA-style), scored out of sample.

FFORMA (Montero-Manso, Athanasopoulos, Hyndman & Talagala 2020, second in the M4
competition) learns, from features of a series, the weights with which to combine a
pool of forecasters. ``auto`` weights its candidates by a fixed rule instead: the
inverse square of each one's backtest score (``forecastgen.auto``). This script asks
whether a learned rule would do better, on the files of ``auto_study.py`` (each
candidate's backtest scores and test paths per series), without rerunning any model.

Features per series: its frequency, log length, log horizon, log length over horizon,
and each candidate's backtest CRPS and MASE over one and two windows relative to the
best candidate's (log ratios, capped at 3). Two learners, both a softmax over the
candidates trained with Adam on the combined median's error (mean MASE / 1.5 + mean
sMAPE / 16, each about 1 on these data, plus an L2 penalty of weight ``decay``):

- ``features``: logits linear in the features (FFORMA's form, with a linear model
  instead of gradient boosting);
- ``correction``: auto's rule plus a learned correction: logits = t * log(auto's
  share) + linear(features), starting from auto's rule (t = 1, no correction).

Each learner is scored on the selection data (the dev series and M1) by k-fold
cross-validation over the series pooled (trained on the other folds, scored on the
held-out one), and, for the record, trained on all of them and scored on Tourism (the
zero-shot data set, on which nothing is chosen). Scores are those of auto's forecast:
the median of the mixture of the candidates' paths with the learned shares.
Caution: M1's test windows are patchcast's validation set, so on M1 its errors are
optimistic, which a learner trained there can lean on.

    python benchmarks/auto_study.py --data dev --output benchmarks/cache/study/dev     # first, each
    python benchmarks/learned_combination.py --study benchmarks/cache/study
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from auto_study import inverse_score, load_study, mixture_paths  # noqa: E402
from forecast_benchmark import RESULTS  # noqa: E402
from pretrained_benchmark import markdown_table  # noqa: E402

from forecastgen.metrics import mase, seasonal_scale, smape  # noqa: E402

POOL = ("snaive", "theta", "ets", "ces", "patchcast")  # auto's default candidates
FREQUENCIES = ("yearly", "quarterly", "monthly", "weekly", "daily", "business-daily", "hourly")
LEARNERS = ("features", "correction")
MASE_UNIT, SMAPE_UNIT = 1.5, 16.0  # the loss's scales: about the mean MASE and sMAPE here


def features(study: dict) -> np.ndarray:
    """The series' frequency and size, and each candidate's relative backtest scores."""
    history, horizon = study["history"], len(study["actual"])
    frequency = [float(study["frequency"] == name) for name in FREQUENCIES]
    size = [np.log(len(history)), np.log(horizon), np.log(len(history) / horizon)]
    relative = []
    for windows in (1, 2):
        means = study["backtests"].get(windows)
        for metric in ("crps", "mase"):
            values = np.array([means.loc[c, metric] if means is not None and c in means.index else np.nan
                               for c in POOL])
            ratios = np.log(values / np.nanmin(values)) if np.isfinite(values).any() else values
            relative.extend(np.clip(np.nan_to_num(ratios, nan=3.0, posinf=3.0), 0.0, 3.0))
    return np.array(frequency + size + relative)


def rule_shares(study: dict) -> np.ndarray:
    """auto's shares (inverse square of the score by two windows); equal where none scored."""
    shares = inverse_score(2, POOL, 2)(study)
    total = sum(shares.values())
    if not total:
        return np.full(len(POOL), 1 / len(POOL))
    return np.array([shares.get(c, 0.0) / total for c in POOL])


class Learner(torch.nn.Module):
    """Softmax shares: linear in the features, plus (``correction``) t * log(auto's shares)."""

    def __init__(self, inputs: int, kind: str):
        super().__init__()
        self.linear = torch.nn.Linear(inputs, len(POOL)).double()
        torch.nn.init.zeros_(self.linear.weight)
        torch.nn.init.zeros_(self.linear.bias)
        self.log_temperature = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))
        self.kind = kind

    def forward(self, x: torch.Tensor, log_rule: torch.Tensor) -> torch.Tensor:
        logits = self.linear(x)
        if self.kind == "correction":
            logits = logits + self.log_temperature.exp() * log_rule
        return torch.softmax(logits, dim=1)


def prepare(studies: list[dict]) -> dict[str, np.ndarray]:
    """Per series, once: its features, the log of auto's shares, and the loss's targets (each
    candidate's median path, the actuals and their mask, padded to the longest horizon, and
    the MASE scale, NaN where the history has none)."""
    longest = max(len(s["actual"]) for s in studies)
    medians = np.zeros((len(studies), len(POOL), longest))
    actual, observed = np.zeros((len(studies), longest)), np.zeros((len(studies), longest))
    for i, study in enumerate(studies):
        h, values = len(study["actual"]), np.asarray(study["actual"], float)
        medians[i, :, :h] = np.stack([np.median(study["paths"][c], 0) for c in POOL])
        actual[i, :h] = np.nan_to_num(values)
        observed[i, :h] = np.isfinite(values)
    return {"features": np.stack([features(s) for s in studies]),
            "log_rule": np.log(np.clip(np.stack([rule_shares(s) for s in studies]), 1e-12, None)),
            "medians": medians, "actual": actual, "observed": observed,
            "scale": np.array([seasonal_scale(s["history"], s["period"]) for s in studies])}


def rows_of(data: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[rows] for name, values in data.items()}


def train(data: dict[str, np.ndarray], kind: str, decay: float, steps: int = 600):
    """Fit a learner on prepared series; returns a function of other prepared series giving
    their shares."""
    torch.manual_seed(0)
    centre, spread = data["features"].mean(0), data["features"].std(0) + 1e-9
    inputs = torch.from_numpy((data["features"] - centre) / spread)
    log_rule, medians, actual, observed = (torch.from_numpy(data[name])
                                           for name in ("log_rule", "medians", "actual", "observed"))
    scaled = torch.from_numpy(np.isfinite(data["scale"]).astype(float))  # series that have a MASE
    scale = torch.from_numpy(np.nan_to_num(data["scale"], nan=1.0))
    learner = Learner(inputs.shape[1], kind)
    optimizer = torch.optim.Adam(learner.parameters(), lr=0.03)
    for _ in range(steps):
        optimizer.zero_grad()
        point = (learner(inputs, log_rule)[:, :, None] * medians).sum(1)
        error = (point - actual).abs() * observed
        steps_seen = observed.sum(1)
        mean_mase = (error.sum(1) / steps_seen / scale * scaled).sum() / scaled.sum()
        relative = 200 * error / (point.abs() + actual.abs() + 1e-9) * observed
        mean_smape = (relative.sum(1) / steps_seen).mean()
        loss = mean_mase / MASE_UNIT + mean_smape / SMAPE_UNIT + decay * (learner.linear.weight ** 2).sum()
        loss.backward()
        optimizer.step()

    def shares(other: dict[str, np.ndarray]) -> np.ndarray:
        with torch.no_grad():
            return learner(torch.from_numpy((other["features"] - centre) / spread),
                           torch.from_numpy(other["log_rule"])).numpy()
    return shares


def scores(studies: list[dict], shares: np.ndarray) -> dict[str, float]:
    """Mean MASE and sMAPE of the median of the mixture of paths with these shares (auto's way)."""
    rows = []
    for study, weights in zip(studies, shares):
        members = {c: float(w) for c, w in zip(POOL, weights) if w > 1e-3}
        point = np.median(mixture_paths(study, members), axis=0)
        rows.append((mase(study["actual"], point, study["history"], study["period"]),
                     smape(study["actual"], point)))
    return dict(zip(("mase", "smape"), np.nanmean(rows, axis=0)))


def complete(studies: dict) -> list[dict]:
    return [s for s in studies.values() if all(c in s["paths"] for c in POOL)]


def cross_validated(data: dict[str, np.ndarray], kind: str, decay: float, folds: int) -> np.ndarray:
    fold = np.random.default_rng(0).integers(0, folds, len(data["features"]))
    shares = np.zeros((len(fold), len(POOL)))
    for k in range(folds):
        shares[fold == k] = train(rows_of(data, fold != k), kind, decay)(rows_of(data, fold == k))
    return shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--study", default="benchmarks/cache/study",
                        help="folder holding auto_study.py's dev, m1 and tourism folders")
    parser.add_argument("--decays", default="0.01,0.1,1", help="L2 penalties tried")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--report", default=str(RESULTS / "learned_combination.md"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    began = time.perf_counter()
    selection = complete(load_study([f"{args.study}/dev", f"{args.study}/m1"]))
    tourism = complete(load_study([f"{args.study}/tourism"]))
    dataset = np.array([s["dataset"] for s in selection])
    prepared_selection, prepared_tourism = prepare(selection), prepare(tourism)
    runs = [("auto's rule (inverse score squared, 2 windows)", None, None)]
    runs += [(f"{kind}, decay {decay:g}", kind, decay) for kind in LEARNERS
             for decay in map(float, args.decays.split(","))]
    rows = []
    for name, kind, decay in runs:
        if kind is None:
            out_of_fold, on_tourism = (np.exp(data["log_rule"]) for data in (prepared_selection,
                                                                              prepared_tourism))
        else:
            out_of_fold = cross_validated(prepared_selection, kind, decay, args.folds)
            on_tourism = train(prepared_selection, kind, decay)(prepared_tourism)
        row = {"rule": name}
        for part in ("dev", "m1"):
            inside = dataset == part
            result = scores([s for s, keep in zip(selection, inside) if keep], out_of_fold[inside])
            row.update({f"{part} MASE": result["mase"], f"{part} sMAPE": result["smape"]})
        result = scores(tourism, on_tourism)
        row.update({"Tourism MASE": result["mase"], "Tourism sMAPE": result["smape"],
                    "patchcast's mean share (dev, m1)": out_of_fold[:, POOL.index("patchcast")].mean()})
        rows.append(row)
        print(row, file=sys.stderr, flush=True)
    table = pd.DataFrame(rows).round(3)
    counts = {part: int((dataset == part).sum()) for part in ("dev", "m1")}
    text = "\n".join([
        "# Learned combination weights for auto (FFORMA-style), out of sample",
        "",
        f"`python benchmarks/learned_combination.py --study {args.study} --decays {args.decays} "
        f"--folds {args.folds}` ({time.perf_counter() - began:.0f} s): {counts['dev']} dev series and "
        f"{counts['m1']} M1 series scored by {args.folds}-fold cross-validation over the two pooled "
        f"(the learner trained on the other folds); {len(tourism)} Tourism series scored by a learner "
        "trained on all the dev and M1 series (for the record: nothing is chosen on Tourism). The "
        "median of auto's mixture of paths; lower is better.",
        "",
        markdown_table(table),
        "",
    ])
    print(text)
    Path(args.report).write_text(text)


if __name__ == "__main__":
    main()
