"""patchcast's forecast-time ensembles: which context lengths to average, and two transforms.

One pretrained network forecasts from any context length up to 512 points (pretraining
drew each batch's limit from 64 to 512); averaging its quantiles over several lengths
is an ensemble that trains nothing. Each row averages the network's quantiles over the
listed context lengths and scores their median: mean MASE and sMAPE on

- ``m1``: M1's 1,001 series and official test windows (held out of pretraining: the
  validation set),
- ``dev``: the 269 series of ../shared/data/series, protocol of its README,
- ``tourism``: Tourism's 1,311 series (zero-shot; for the record only: choosing on it
  would void the zero-shot claim).

The shipped list was chosen by ``selection mase``: the mean MASE over the series of
``m1`` and ``dev`` together (1,270), at equal cost the fewer contexts. Variants: ``flip`` also forecasts the
negated series and negates back (both averaged); ``log`` forecasts the logarithm of a
positive series and exponentiates its quantiles (series with a value <= 0 stay as they are).

    python benchmarks/patchcast_contexts.py            # table in benchmarks/results/patchcast_contexts.md
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import pretrain  # noqa: E402
import pretrained_benchmark  # noqa: E402
from forecastgen_pretrained.inference import NumpyPatchTransformer  # noqa: E402
from forecastgen_pretrained.outputs import QUANTILES  # noqa: E402
from forecastgen_pretrained.patchcast import CONTEXTS, SHIPPED, load_weights, quantile_forecast  # noqa: E402

from forecastgen.metrics import mase, smape  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "patchcast_contexts.md"
MEDIAN = len(QUANTILES) // 2
RUNS = ["512", "256", "128", "64", "32", "24", "16", "512,256,128,64", "512,256,128,64,32",
        "512,256,128,64,32,16", CONTEXTS, "512,384,256,192,128,96,64,48,32",
        f"{CONTEXTS}:flip", f"{CONTEXTS}:log"]


def data_sets() -> dict[str, tuple[list, list, list, list]]:
    """name -> (histories, seasonal periods for the network, test windows, MASE periods)."""
    histories, seasons, tests = pretrain.m1_series()
    periods = [pretrain.m1_mase_period(h, s) for h, s in zip(histories, seasons)]
    out = {"m1": (histories, seasons, tests, periods)}
    for name, tasks in (("dev", pretrained_benchmark.dev_tasks()),
                        ("tourism", pretrained_benchmark.tourism_tasks())):
        out[name] = ([t.history for t in tasks], [t.season for t in tasks], [t.actual for t in tasks],
                     [t.mase_period for t in tasks])
    return out


def medians(network, histories, seasons, tests, contexts: tuple[int, ...], variant: str) -> list[np.ndarray]:
    """Each series' median forecast over its test window, from the averaged quantiles (one
    pass at the longest test window: the network forecasts its steps directly, so a shorter
    window's are the first of them)."""
    horizon = max(len(t) for t in tests)
    quantiles = quantile_forecast(network, histories, seasons, horizon, contexts=contexts)
    if variant == "flip":
        flipped = quantile_forecast(network, [-h for h in histories], seasons, horizon, contexts=contexts)
        quantiles = (quantiles - flipped[..., ::-1]) / 2
    if variant == "log":
        positive = [i for i, h in enumerate(histories) if np.min(h) > 0]
        logged = quantile_forecast(network, [np.log(histories[i]) for i in positive],
                                   [seasons[i] for i in positive], horizon, contexts=contexts)
        quantiles[positive] = np.exp(logged)
    return [quantiles[i, :len(t), MEDIAN] for i, t in enumerate(tests)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default=";".join(RUNS),
                        help="context lists separated by ';' (LIST[:flip|:log])")
    parser.add_argument("--weights", type=Path, default=SHIPPED,
                        help="patchcast weights (default: the shipped ones)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    arrays, meta = load_weights(args.weights)
    network = NumpyPatchTransformer(arrays, meta["network"])
    sets = data_sets()
    rows = []
    for run in args.runs.split(";"):
        listed, _, variant = run.partition(":")
        contexts = tuple(int(c) for c in listed.split(","))
        row = {"contexts": listed, "variant": variant or "-"}
        started = time.perf_counter()
        for name, (histories, seasons, tests, periods) in sets.items():
            forecasts = medians(network, histories, seasons, tests, contexts, variant)
            row[f"{name} mase"] = np.mean([mase(t, f, h, m) for t, f, h, m in
                                           zip(tests, forecasts, histories, periods)])
            row[f"{name} smape"] = np.mean([smape(t, f) for t, f in zip(tests, forecasts)])
        row["selection mase"] = ((row["m1 mase"] * len(sets["m1"][0]) + row["dev mase"] * len(sets["dev"][0]))
                                 / (len(sets["m1"][0]) + len(sets["dev"][0])))
        row["seconds"] = time.perf_counter() - started
        rows.append(row)
        print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}, file=sys.stderr,
              flush=True)
    table = pd.DataFrame(rows)
    text = ("# patchcast: context lengths averaged at forecast time\n\n"
            f"`python benchmarks/patchcast_contexts.py`: {_weights_label(args.weights)}; each row averages "
            "the network's quantiles over the listed context lengths and scores their median (no sampling). "
            "Mean over series. Chosen by selection mase, the mean over the series of m1 (held-out test "
            "windows) and dev together; tourism is zero-shot, for the record. "
            f"Shipped: `{CONTEXTS}`.\n\n"
            + pretrained_benchmark.markdown_table(table) + "\n")
    args.output.write_text(text)
    print(text)


def _weights_label(path: Path) -> str:
    return "the shipped weights" if path.resolve() == SHIPPED.resolve() else f"the weights {path.name}"


if __name__ == "__main__":
    main()
