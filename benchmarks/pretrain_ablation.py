"""What each corpus source adds: short pretraining runs without one source at a time.

Every run uses the same corpus file, network and number of steps; ``all`` keeps every
source (once per seed in ``--seeds``: the spread between them is the runs' noise) and
each ``-SOURCE`` row leaves one out (its share goes to the others), with the first seed.
Each run's network is scored zero-shot on Tourism (never in any corpus) and on M1's
held-out test windows (validation). Runs are short, so the table compares sources, not
the shipped model's accuracy.

    python benchmarks/pretrain_ablation.py --steps 2000 --corpus benchmarks/cache/pretrain-0/corpus.npz
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from pretrained_benchmark import markdown_table  # noqa: E402

SOURCES = ("real", "kernelsynth", "structural", "mixup", "gmm")


def run(label: str, sources: list[str], seed: int, args) -> dict:
    folder = ROOT / "benchmarks" / "cache" / "ablation" / label
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pretrain.py"), "--steps", str(args.steps),
                    "--seed", str(seed),
                    "--warmup-steps", str(args.steps // 10), "--threads", str(args.threads),
                    "--sources", ",".join(sources), "--corpus", str(args.corpus), "--folder", str(folder),
                    "--checkpoint-every", str(args.steps), "--no-export"], check=True)
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pretrained_benchmark.py"), "--data", "tourism",
                    "--models", "patchcast", "--weights", str(folder / "patchcast.safetensors"),
                    "--label", f"ablation-{label}", "--refresh", "--output", str(folder / "tourism.md")],
                   check=True)
    scores = pd.read_csv(folder / "tourism.csv", keep_default_na=False)
    scores = scores[scores["error"] == ""]
    training = json.loads((folder / "patchcast.json").read_text())["training"]
    return {"run": label, "sources": "+".join(sources), "seed": seed, "steps": args.steps,
            "m1_validation_mase": training["m1_validation_mase"],
            "tourism_mase": scores["mase"].mean(), "tourism_smape": scores["smape"].mean(),
            "tourism_crps": scores["crps"].mean(), "seconds": training["seconds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seeds", default="0,1",
                        help="seeds of the all-sources run (their spread is the noise)")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--output", type=Path,
                        default=ROOT / "benchmarks" / "results" / "pretrain_ablation.md")
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",")]
    runs = [("all" if seed == seeds[0] else f"all-seed{seed}", list(SOURCES), seed) for seed in seeds]
    runs += [(f"-{s}", [o for o in SOURCES if o != s], seeds[0]) for s in SOURCES]
    rows = []
    for label, sources, seed in runs:
        rows.append(run(label, sources, seed, args))
        table = pd.DataFrame(rows)
        args.output.write_text(
            "# Pretraining corpus ablation\n\n"
            f"`python benchmarks/pretrain_ablation.py --steps {args.steps} --corpus CORPUS` "
            f"({args.threads} thread(s) per run). Lower is better; Tourism is zero-shot.\n\n"
            + markdown_table(table) + "\n")
        print(table.to_string(index=False), flush=True)


if __name__ == "__main__":
    main()
