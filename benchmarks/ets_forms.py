"""Which ETS forms AutoETS chooses on monthly catalogue series, and what each restriction of
its search costs: the evidence for pruning the ETS anchor's search on big files (issue 15).

A seeded sample of positive monthly series of the scale benchmark's file (M1 and Tourism
histories, jittered copies; ``scale_benchmark.py`` writes it), each cut to its last 500
points as our ``ets`` does; statsforecast's AutoETS with ``model="ZZZ"`` (every form our
``ets`` tries on positive data), the forms it chooses, then the seconds of the same fits
with the search restricted. One thread, one process.

    python benchmarks/ets_forms.py --series 200
"""

from __future__ import annotations

import argparse
import collections
import time
from pathlib import Path

import numpy as np
import pandas as pd

FILE = Path(__file__).resolve().parent / "cache" / "scale" / "monthly3000_history.csv"
RESTRICTIONS = [("ZZZ", None, "every form (our ets)"), ("ZZZ", False, "no damped trend"),
                ("MZZ", None, "multiplicative errors only"), ("ZZM", None, "multiplicative season only"),
                ("MNM", None, "ETS(M,N,M) alone")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=200)
    args = parser.parse_args()
    from statsforecast.models import AutoETS

    history = pd.read_csv(FILE)
    series = [group["value"].to_numpy()[-500:] for _, group in history.groupby("id", sort=False)]
    order = np.random.default_rng(0).permutation(len(series))
    sample = [series[i] for i in order if series[i].min() > 0][: args.series]
    chosen = collections.Counter(AutoETS(season_length=12, model="ZZZ").fit(y).model_["method"]
                                 for y in sample)
    print(f"{len(sample)} positive monthly series of {FILE.name}; forms AutoETS(ZZZ) chose:")
    for form, count in chosen.most_common():
        print(f"  {form:<14}{count:>5}  {count / len(sample):6.1%}")
    damped = sum(count for form, count in chosen.items() if ",Ad," in form)
    print(f"  damped trend in all: {damped} ({damped / len(sample):.1%})")
    print(f"\n{'search':<30}{'seconds':>9}{'ms per series':>15}")
    for model, damped_option, label in RESTRICTIONS:
        began = time.perf_counter()
        for y in sample:
            AutoETS(season_length=12, model=model, damped=damped_option).fit(y)
        seconds = time.perf_counter() - began
        print(f"{label:<30}{seconds:>9.1f}{1000 * seconds / len(sample):>15.1f}", flush=True)


if __name__ == "__main__":
    main()
