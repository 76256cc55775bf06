"""Our torch GMM against scikit-learn's GaussianMixture: same data, same start, same EM.

N items in D dimensions drawn from K random Gaussians (random means, random full
covariances); both fit K components with full covariances for exactly ``--iters`` EM
iterations (tol=0) from the same initial parameters (k-means++ seeded k-means, taken
from a one-iteration scikit-learn fit), one after the other in this process. Prints
wall time, the ratio, and the final mean log-likelihood of each.

    python -m benchmarks.gmm_vs_sklearn                 # N=200,000, D=16, K=32, 100 iterations
    python -m benchmarks.gmm_vs_sklearn --n 20000       # a quick look
    python -m benchmarks.gmm_vs_sklearn --own-starts 5  # each from its own default start, 5 seeds

``--own-starts S``: each library fits with its defaults (k-means++ seeded k-means, then
EM to tol=1e-3 or 100 iterations) from its own start, random_state 0 .. S-1: the mean
log-likelihood each reaches, and the seconds of the whole fit, start included.

scikit-learn is a test-only dependency: pip install scikit-learn.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import torch

from benchmarks.common import results_header


def mixture_data(n: int, d: int, k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    means = rng.normal(0.0, 4.0, size=(k, d))
    factors = rng.normal(0.0, 1.0, size=(k, d, d)) / np.sqrt(d)
    labels = rng.choice(k, size=n, p=rng.dirichlet(np.full(k, 5.0)))
    noise = rng.normal(size=(n, d))
    return means[labels] + np.einsum("nd,nde->ne", noise, factors[labels]) + 0.1 * rng.normal(size=(n, d))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--d", type=int, default=16)
    parser.add_argument("--k", type=int, default=32)
    parser.add_argument("--iters", type=int, default=100)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--own-starts", type=int, default=0, metavar="SEEDS",
                        help="compare fits from each library's own default start over SEEDS seeds")
    args = parser.parse_args()
    print("\n".join(results_header("Gaussian mixtures: forecastgen against scikit-learn")))
    if args.own_starts:
        own_starts(args)
        return
    from forecastgen_latent.gmm import GaussianMixture
    from sklearn.mixture import GaussianMixture as SklearnMixture

    x = mixture_data(args.n, args.d, args.k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: tol=0 runs every iteration on purpose
        start = SklearnMixture(args.k, max_iter=1, random_state=0).fit(x)
        init = dict(weights_init=start.weights_, means_init=start.means_,
                    precisions_init=start.precisions_)
        began = time.perf_counter()
        reference = SklearnMixture(args.k, max_iter=args.iters, tol=0, **init).fit(x)
        sklearn_seconds = time.perf_counter() - began
    ours = GaussianMixture(args.k, max_iter=args.iters, tol=0, device=args.device, **init)
    began = time.perf_counter()
    ours.fit(x)
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    our_seconds = time.perf_counter() - began
    sklearn_ll, our_ll = reference.score(x), ours.score(x)
    print(f"N={args.n:,} D={args.d} K={args.k} full covariances, {args.iters} EM iterations from the "
          f"same start; {os.cpu_count()} CPU cores, torch {torch.__version__} on {args.device}, "
          f"{torch.get_num_threads()} threads")
    print(f"{'':<14}{'seconds':>10}{'mean log-lik':>16}{'iterations':>12}")
    print(f"{'scikit-learn':<14}{sklearn_seconds:>10.2f}{sklearn_ll:>16.6f}{reference.n_iter_:>12}")
    print(f"{'forecastgen':<14}{our_seconds:>10.2f}{our_ll:>16.6f}{ours.n_iter_:>12}")
    print(f"speed-up {sklearn_seconds / our_seconds:.1f}x; relative log-likelihood difference "
          f"{abs(our_ll - sklearn_ll) / abs(sklearn_ll):.2e}")


def own_starts(args) -> None:
    from forecastgen_latent.gmm import GaussianMixture
    from sklearn.mixture import GaussianMixture as SklearnMixture

    x = mixture_data(args.n, args.d, args.k)
    print(f"N={args.n:,} D={args.d} K={args.k} full covariances, defaults (k-means start, tol 1e-3, "
          f"at most {args.iters} iterations), each library from its own start; "
          f"{os.cpu_count()} CPU cores, torch {torch.__version__} on {args.device}")
    print(f"{'seed':<6}{'sklearn s':>11}{'sklearn ll':>14}{'ours s':>9}{'ours ll':>14}{'speed-up':>10}")
    totals = np.zeros(4)
    for seed in range(args.own_starts):
        began = time.perf_counter()
        reference = SklearnMixture(args.k, max_iter=args.iters, random_state=seed).fit(x)
        sklearn_seconds = time.perf_counter() - began
        began = time.perf_counter()
        ours = GaussianMixture(args.k, max_iter=args.iters, random_state=seed, device=args.device).fit(x)
        our_seconds = time.perf_counter() - began
        row = np.array([sklearn_seconds, reference.score(x), our_seconds, ours.score(x)])
        totals += row
        print(f"{seed:<6}{row[0]:>11.1f}{row[1]:>14.4f}{row[2]:>9.1f}{row[3]:>14.4f}"
              f"{row[0] / row[2]:>9.1f}x", flush=True)
    mean = totals / args.own_starts
    print(f"{'mean':<6}{mean[0]:>11.1f}{mean[1]:>14.4f}{mean[2]:>9.1f}{mean[3]:>14.4f}"
          f"{mean[0] / mean[2]:>9.1f}x")


if __name__ == "__main__":
    main()
