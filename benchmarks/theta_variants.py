"""Which Theta variants are worth fitting: each of AutoTheta's four (STM, OTM, DSTM, DOTM)
fitted alone on the M1 and Tourism series of ``ets_search.py``, and the searches over subsets
of them compared offline on what they choose, what it costs and how accurate it is.

AutoTheta (Fiorucci et al. 2016, through statsforecast) fits the four variants and keeps the
lowest in-sample mean squared error. A search over a subset chooses the lowest MSE among
its variants; its cost is the sum of their seconds, its accuracy that variant's mean
forecast on the test window. One process per core, each fit timed alone.

    python benchmarks/theta_variants.py --per-frequency 400 --jobs 2
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from ets_search import accuracy, tasks

VARIANTS = ("STM", "OTM", "DSTM", "DOTM")
SEARCHES = {"every variant (AutoTheta)": VARIANTS, "no OTM": ("STM", "DSTM", "DOTM"),
            "no optimised theta (STM, DSTM)": ("STM", "DSTM"), "dynamic only (DSTM, DOTM)": ("DSTM", "DOTM"),
            "DOTM alone": ("DOTM",), "OTM alone": ("OTM",), "STM and OTM": ("STM", "OTM"),
            "OTM and DOTM": ("OTM", "DOTM")}


def fit_every_variant(task: tuple) -> list[dict]:
    from statsforecast.models import AutoTheta

    name, frequency, y, actual, season = task
    season = season if len(y) >= 2 * season else 1  # as our theta
    decomposition = "multiplicative" if y.min() > 0 else "additive"
    rows = []
    for variant in VARIANTS:
        began = time.perf_counter()
        try:
            model = AutoTheta(season_length=season, decomposition_type=decomposition, model=variant).fit(y)
            mse, mean = float(model.model_["mse"]), model.predict(len(actual))["mean"]
            scores = accuracy(y, actual, mean, season)
        except Exception:  # a variant statsforecast cannot fit here
            mse, scores = np.inf, {"mase": np.nan, "smape": np.nan}
        rows.append({"series": name, "frequency": frequency, "variant": variant, "mse": mse,
                     "seconds": time.perf_counter() - began, **scores})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-frequency", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with ProcessPoolExecutor(args.jobs) as pool:
        fits = pd.DataFrame([row for rows in pool.map(fit_every_variant, tasks(args.per_frequency),
                                                      chunksize=4) for row in rows])
    print(f"Command: python benchmarks/theta_variants.py --per-frequency {args.per_frequency} --jobs "
          f"{args.jobs}\n{fits.series.nunique()} series of M1 and Tourism, each Theta variant fitted "
          "alone; a search keeps the lowest in-sample MSE of its variants.\n")
    full = fits[fits.variant.isin(VARIANTS)].sort_values("mse").groupby("series").first()
    lines = []
    for label, variants in SEARCHES.items():
        part = fits[fits.variant.isin(variants)]
        chosen = part.sort_values("mse").groupby("series").first()
        chosen["seconds"] = part.groupby("series").seconds.sum()
        for group, members in [("all", chosen.index), *chosen.groupby("frequency").groups.items()]:
            rows = chosen.loc[members]
            lines.append({"search": label, "frequency": group, "series": len(rows),
                          "same variant": f"{(rows.variant == full.variant.loc[members]).mean():.1%}",
                          "ms per series": round(1000 * rows.seconds.mean(), 1),
                          "mase": round(rows.mase.mean(), 3), "smape": round(rows.smape.mean(), 2)})
    print(pd.DataFrame(lines).to_string(index=False))
    print("\nVariants AutoTheta chose:", full.variant.value_counts().to_dict())


if __name__ == "__main__":
    main()
