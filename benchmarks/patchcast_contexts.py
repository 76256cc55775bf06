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

A second table averages the transformer's forecast (the shipped contexts) with the context
MLP's (``--mlp-weights``), level by level: each row gives the MLP's share and the context
lengths it reads (share 0: the transformer alone; 1: the MLP alone). The shipped share was
chosen by the same selection mase.

    python benchmarks/patchcast_contexts.py            # table in benchmarks/results/patchcast_contexts.md
    python benchmarks/patchcast_contexts.py --runs "" --mlp-runs "0.5@64;0.5@64,32,16"
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
from forecastgen_pretrained.inference import numpy_network  # noqa: E402
from forecastgen_pretrained.outputs import QUANTILES  # noqa: E402
from forecastgen_pretrained.patchcast import (  # noqa: E402
    CONTEXTS,
    MLP_SHARE,
    SHIPPED,
    SHIPPED_MLP,
    context_lengths,
    ensemble_quantiles,
    load_weights,
    quantile_forecast,
)

from forecastgen.metrics import mase, smape  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "patchcast_contexts.md"
MEDIAN = len(QUANTILES) // 2
RUNS = ["512", "256", "128", "64", "32", "24", "16", "512,256,128,64", "512,256,128,64,32",
        "512,256,128,64,32,16", CONTEXTS, "512,384,256,192,128,96,64,48,32",
        f"{CONTEXTS}:flip", f"{CONTEXTS}:log"]
MLP_RUNS = ["0@64", "1@64", "1@64,32,16", "0.3@64", "0.5@64", "0.7@64", "0.3@64,32,16", "0.5@64,32,16"]


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
                        help="context lists separated by ';' (LIST[:flip|:log]); '' for none")
    parser.add_argument("--weights", type=Path, default=SHIPPED,
                        help="patchcast weights (default: the shipped ones)")
    parser.add_argument("--mlp-runs", default=";".join(MLP_RUNS),
                        help="MLP share and its context lists, separated by ';' (SHARE@LIST); '' for none")
    parser.add_argument("--mlp-weights", type=Path, default=SHIPPED_MLP,
                        help="the context MLP's weights (default: the shipped ones)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    network = numpy_network(*_weights_and_config(args.weights))
    sets = data_sets()
    rows = []
    for run in filter(None, args.runs.split(";")):
        listed, _, variant = run.partition(":")
        contexts = tuple(int(c) for c in listed.split(","))
        rows.append(_scored({"contexts": listed, "variant": variant or "-"}, sets,
                            lambda h, s, t, c=contexts, v=variant: medians(network, h, s, t, c, v)))
    mlp_rows = []
    if args.mlp_runs:
        mlp = numpy_network(*_weights_and_config(args.mlp_weights))
        shipped = context_lengths(CONTEXTS, network.max_context)
        for run in args.mlp_runs.split(";"):
            share, _, listed = run.partition("@")
            contexts = tuple(int(c) for c in listed.split(","))
            mlp_rows.append(_scored({"mlp share": share, "mlp contexts": listed}, sets,
                                    lambda h, s, t, c=contexts, w=float(share):
                                        averaged_medians(network, shipped, mlp, c, w, h, s, t)))
    text = ("# patchcast: context lengths averaged at forecast time\n\n"
            f"`python benchmarks/patchcast_contexts.py`: {_weights_label(args.weights)}; each row averages "
            "the network's quantiles over the listed context lengths and scores their median (no sampling). "
            "Mean over series. Chosen by selection mase, the mean over the series of m1 (held-out test "
            "windows) and dev together; tourism is zero-shot, for the record. "
            f"Shipped: `{CONTEXTS}`.\n\n"
            + (pretrained_benchmark.markdown_table(pd.DataFrame(rows)) + "\n" if rows else ""))
    if mlp_rows:
        text += ("\n## Two networks\n\nThe transformer's quantiles (the shipped contexts) averaged level "
                 f"by level with those of the context MLP "
                 f"({_weights_label(args.mlp_weights, SHIPPED_MLP)}) read "
                 "from the listed context lengths, the MLP's weight being its share (0: the transformer "
                 f"alone, 1: the MLP alone). Shipped: share {MLP_SHARE}.\n\n"
                 + pretrained_benchmark.markdown_table(pd.DataFrame(mlp_rows)) + "\n")
    args.output.write_text(text)
    print(text)


def averaged_medians(network, contexts: tuple[int, ...], mlp, mlp_contexts: tuple[int, ...], share: float,
                     histories, seasons, tests) -> list[np.ndarray]:
    """Each series' median forecast from the transformer's and the MLP's quantiles averaged with
    the MLP's ``share``."""
    members = [(net, weight, lengths) for net, weight, lengths in
               ((network, 1 - share, contexts), (mlp, share, mlp_contexts)) if weight > 0]
    quantiles = ensemble_quantiles(members, histories, seasons, max(len(t) for t in tests))
    return [quantiles[i, :len(t), MEDIAN] for i, t in enumerate(tests)]


def _scored(row: dict, sets: dict, forecast) -> dict:
    """``row`` with the mean MASE and sMAPE of ``forecast(histories, seasons, tests)`` (median
    forecasts) on each data set, the selection mase and the seconds."""
    started = time.perf_counter()
    for name, (histories, seasons, tests, periods) in sets.items():
        forecasts = forecast(histories, seasons, tests)
        row[f"{name} mase"] = np.mean([mase(t, f, h, m)
                                       for t, f, h, m in zip(tests, forecasts, histories, periods)])
        row[f"{name} smape"] = np.mean([smape(t, f) for t, f in zip(tests, forecasts)])
    row["selection mase"] = ((row["m1 mase"] * len(sets["m1"][0]) + row["dev mase"] * len(sets["dev"][0]))
                             / (len(sets["m1"][0]) + len(sets["dev"][0])))
    row["seconds"] = time.perf_counter() - started
    print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}, file=sys.stderr,
          flush=True)
    return row


def _weights_and_config(path: Path) -> tuple[dict, dict]:
    arrays, meta = load_weights(path)
    return arrays, meta["network"]


def _weights_label(path: Path, shipped: Path = SHIPPED) -> str:
    return "the shipped weights" if path.resolve() == shipped.resolve() else f"the weights {path.name}"


if __name__ == "__main__":
    main()
