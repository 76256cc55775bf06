"""Synthesis fidelity of the density models on TimeGAN's Sines, with the real-data floor.

Sines (forecastgen.fidelity.sines): 10,000 windows of 24 steps x 5 channels for
training, another 10,000 (another seed) as the real sample the scores compare with.
Each model is fitted on the training windows flattened to 120 dimensions, samples
10,000 windows (clipped to [0, 1], the data's range), and is scored with TimeGAN's
discriminative score (|accuracy - 0.5|, lower is better), predictive score (MAE of a
GRU trained on the samples, tested on real windows), RBF MMD and ACF distance. The
row "real (floor)" scores a third real sample: what a perfect generator would get
with these finite samples and classifiers.

    python benchmarks/synthesis_benchmark.py            # prints the table
    python benchmarks/synthesis_benchmark.py --quick    # 2,000 windows, short classifiers

TimeGAN's published Sines figures: discriminative 0.011, predictive 0.093.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from forecastgen.fidelity import acf_distance, discriminative_score, mmd, predictive_score, sines
from forecastgen.registry import default_registry

SHAPE = (24, 5)
MODELS = {  # label -> (registered model, settings)
    "gmm (16 full)": ("gmm", {"n_components": 16, "covariance_type": "full", "reg_covar": 1e-4}),
    "gmm (64 diag)": ("gmm", {"n_components": 64, "covariance_type": "diag"}),
}


def scores(real: np.ndarray, synthetic: np.ndarray, iterations: tuple[int, int]) -> dict:
    return {"discriminative": discriminative_score(real, synthetic, iterations=iterations[0]),
            "predictive": predictive_score(real, synthetic, iterations=iterations[1]),
            "mmd": mmd(real, synthetic), "acf_distance": acf_distance(real, synthetic)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 2000 if args.quick else 10_000
    iterations = (500, 500) if args.quick else (2000, 5000)
    train, real, floor = sines(count, seed=0), sines(count, seed=1), sines(count, seed=2)
    registry = default_registry()
    rows = [("real (floor)", scores(real, floor, iterations), 0.0)]
    for label, (name, settings) in MODELS.items():
        began = time.perf_counter()
        model = registry.create(name, **settings).fit(train.reshape(count, -1))
        synthetic = np.clip(model.sample(count, seed=0).reshape(count, *SHAPE), 0.0, 1.0)
        fit_seconds = time.perf_counter() - began
        rows.append((label, scores(real, synthetic, iterations), fit_seconds))
    print(f"Sines, {count} windows of 24 x 5; classifier iterations {iterations}; seed 0")
    print(f"{'model':<16}{'discriminative':>16}{'predictive':>12}{'mmd':>10}"
          f"{'acf_dist':>10}{'fit+sample s':>14}")
    for label, values, seconds in rows:
        print(f"{label:<16}{values['discriminative']:>16.3f}{values['predictive']:>12.4f}"
              f"{values['mmd']:>10.4f}{values['acf_distance']:>10.4f}{seconds:>14.1f}")


if __name__ == "__main__":
    main()
