"""ETS sample paths centred on the model's conditional mean, against the model's own paths.

An ETS model with a multiplicative part simulates right-skewed paths: their median, the
point forecast everywhere in forecastgen, falls below the model's conditional mean (R's and
statsforecast's point forecast) as the horizon grows. ``ets`` translates its paths so the
median is that mean (``center="mean"``, the default); ``center="model"`` keeps the model's
own paths. Each series is fitted once and forecast both ways (same fit, same seed), on
the data sets of ``pretrained_benchmark.py``: the dev series and M1 (where the default was
chosen) and Tourism (for the record). ``above`` is the share of test steps whose actual
value lies above the model's own median (0.5 for a median in the right place).

    python benchmarks/ets_centring.py --data dev,m1,tourism --jobs 2
"""

from __future__ import annotations

import argparse
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from pretrained_benchmark import DATA_SETS, markdown_table, task_series

CENTRES = ("model", "mean")
METRICS = ["mase", "smape", "crps", "coverage80", "coverage95"]
SAMPLES, SEED = 200, 0


def forecast_both_ways(job: tuple) -> list[dict]:
    import forecastgen
    from forecastgen.engine.threads import use_threads
    from forecastgen.metrics import score_forecast

    use_threads(1)
    dataset, task = job
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = forecastgen.create("ets", n_jobs=1).fit(task_series(task))
        rows = []
        for centre in CENTRES:
            fitted.center = centre
            paths = fitted.predict(len(task.actual), num_samples=SAMPLES, seed=SEED).samples[task.name]
            row = {"dataset": dataset, "frequency": task.frequency, "series": task.name, "centre": centre,
                   **score_forecast(task.actual, paths, task.history, task.mase_period)}
            if centre == "model":
                row["above"] = float(np.mean(task.actual > np.median(paths, axis=0)))
            rows.append(row)
    return rows


def summary(scores: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Mean metrics per group, both centres side by side, and the mean-centred/model ratio."""
    means = scores.pivot_table(index=by, columns="centre", values=METRICS, aggfunc="mean")
    table = pd.DataFrame(index=means.index)
    table["series"] = scores[scores.centre == "model"].groupby(by).size()
    table["above"] = scores[scores.centre == "model"].groupby(by)["above"].mean()
    for metric in METRICS:
        table[f"{metric} model"] = means[(metric, "model")]
        table[f"{metric} mean"] = means[(metric, "mean")]
        if not metric.startswith("coverage"):
            table[f"{metric} ratio"] = means[(metric, "mean")] / means[(metric, "model")]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="dev,m1,tourism")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    began = time.perf_counter()
    jobs = [(dataset, task) for dataset in args.data.split(",") for task in DATA_SETS[dataset]()]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = [row for series_rows in pool.map(forecast_both_ways, jobs, chunksize=4) for row in series_rows]
    scores = pd.DataFrame(rows)
    print(f"Command: python benchmarks/ets_centring.py --data {args.data} --jobs {args.jobs}\n"
          f"ets (default settings, {SAMPLES} paths, seed {SEED}) with its own paths (`model`) and with "
          f"paths centred on its conditional mean (`mean`); mean metrics, ratio = mean / model "
          f"(below 1: centring helps). {time.perf_counter() - began:.0f} s.\n")
    print("\n\n".join(f"## {title}\n\n" + markdown_table(summary(scores, by).reset_index())
                      for title, by in (("By data set", ["dataset"]),
                                        ("By data set and frequency", ["dataset", "frequency"]))))


if __name__ == "__main__":
    main()
