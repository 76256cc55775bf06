"""Pixel models on ../shared/data/images: likelihoods, speed, sample fidelity, super-resolution.

- digits (17 levels, 1437 train / 360 test): exact test bits/dim of pixelcnn and
  pixelrnn against gmm fitted on the dequantized images (an upper bound of its discrete
  bits/dim, forecastgen.fidelity.dequantized_bits_per_dim); the uniform model scores
  log2(17) = 4.09.
- binarized MNIST-5000 (pixel > 127; 4000 train / 1000 test): exact test NLL in nats
  per image of pixelcnn and pixelrnn.
- sampling 64 images of 28 x 28 on the CPU: pixelcnn cached (each new pixel runs each
  layer at one position) against naive (the whole network per pixel), and the same for
  pixelrnn (cached: each layer's LSTM at one column, given the row above). Naive
  sampling costs the same for every pixel, so it is timed on the first
  ``--naive-rows`` rows and scaled to the image (the table says so).
- the discriminative score (|accuracy - 0.5| of a small CNN, lower is better) of each
  model's samples against the test images; seconds per training epoch.
- super-resolution on MNIST-5000 (256 levels): the test images downsampled 2x (2x2
  means) are enlarged back by pixelcnn-sr (consistent: each block's last pixel kept to
  the levels that average back to the small pixel; free: the model as it is), by bicubic
  and by nearest-neighbour interpolation; discriminative score against the real test
  images, and the share of small pixels that the 2x2 means of the result give back
  within one level (and exactly).

    python -m benchmarks.pixel_benchmark            # the committed table
    python -m benchmarks.pixel_benchmark --quick    # fewer epochs, a smoke run
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn.functional import interpolate

from benchmarks.common import IMAGES, results_header
from forecastgen.data.images import read_images, write_image_grid
from forecastgen.fidelity import dequantize, dequantized_bits_per_dim, discriminative_score
from forecastgen.registry import default_registry

DIGITS = {"pixelcnn": {"hidden_channels": 64, "layers": 8, "kernel_size": 5, "max_epochs": 15},
          "pixelrnn": {"hidden_channels": 32, "layers": 2, "max_epochs": 15}}
MNIST = {"pixelcnn": {"hidden_channels": 32, "layers": 6, "kernel_size": 5, "max_epochs": 8,
                      "batches_per_epoch": 40},
         "pixelrnn": {"hidden_channels": 32, "layers": 2, "max_epochs": 3, "batches_per_epoch": 40}}
SUPER_RESOLUTION = {"hidden_channels": 32, "layers": 6, "kernel_size": 5, "condition_channels": 32,
                    "max_epochs": 8, "batches_per_epoch": 40}
QUICK = {"max_epochs": 1, "batches_per_epoch": 5}
SCORE_ITERATIONS = 1000


def digits_part(registry, quick: bool, grids: Path) -> None:
    train, test = read_images(IMAGES / "digits.npz").split(1437)
    print(f"digits: {len(train)} train / {len(test)} test, 17 levels; uniform model "
          f"{np.log2(17):.3f} bits/dim")
    print(f"{'model':<24}{'test bits/dim':>14}{'disc. score':>12}{'s/epoch':>9}{'fit s':>8}")
    began = time.perf_counter()
    gmm = registry.create("gmm", n_components=10, covariance_type="full", reg_covar=1e-4)
    gmm.fit(dequantize(train.images, 17, seed=0).reshape(len(train), -1))
    seconds = time.perf_counter() - began
    points = dequantize(test.images, 17, seed=1).reshape(len(test), -1)
    bits = dequantized_bits_per_dim(gmm.log_prob(points), 64, 17)
    samples = np.clip(np.floor(gmm.sample(len(test), seed=0) * 17), 0, 16).reshape(-1, 1, 8, 8) / 16
    disc = discriminative_score(test.scaled(), samples, iterations=SCORE_ITERATIONS)
    print(f"{'gmm (10 full), dequant.':<24}{bits:>14.3f}{disc:>12.3f}{'':>9}{seconds:>8.1f}")
    for name, settings in DIGITS.items():
        model, seconds = fitted(registry, name, {**settings, **(QUICK if quick else {})}, train)
        samples = model.sample(len(test), seed=0)
        write_image_grid(samples[:64], grids / f"{name}_digits.png")
        disc = discriminative_score(test.scaled(), samples, iterations=SCORE_ITERATIONS)
        print(f"{name:<24}{model.bits_per_dim(test):>14.3f}{disc:>12.3f}{per_epoch(model):>9.1f}"
              f"{seconds:>8.1f}")


def mnist_part(registry, quick: bool, grids: Path, naive_rows: int) -> None:
    train, test = read_images(IMAGES / "mnist5000.npz").binarized().split(4000)
    print(f"\nbinarized MNIST-5000: {len(train)} train / {len(test)} test (pixel > 127)")
    print(f"{'model':<12}{'test NLL nats':>14}{'bits/dim':>10}{'disc. score':>12}{'s/epoch':>9}"
          f"{'fit s':>8}   settings")
    models = {}
    for name, settings in MNIST.items():
        settings = {**settings, **(QUICK if quick else {})}
        model, seconds = fitted(registry, name, settings, train)
        nll = -model.log_prob(test).mean()
        samples = model.sample(len(test), seed=1)
        write_image_grid(samples[:64], grids / f"{name}_mnist_binary.png")
        disc = discriminative_score(test.scaled(), samples, iterations=SCORE_ITERATIONS)
        print(f"{name:<12}{nll:>14.2f}{nll / (784 * np.log(2)):>10.4f}{disc:>12.3f}"
              f"{per_epoch(model):>9.1f}{seconds:>8.1f}   {settings}")
        models[name] = model
    print(f"\nsampling 64 images of 28 x 28 on the CPU ({torch.get_num_threads()} threads)")
    print(f"{'sampler':<18}{'seconds':>10}{'images/s':>10}")
    scaled = f"   (timed on {naive_rows} rows, x {28 / naive_rows:.1f})"
    for name, model in models.items():
        cached, _ = timed(lambda model=model: model.sample(64, seed=0))
        naive = naive_time(model, naive_rows)
        print(f"{name + ' naive':<18}{naive:>10.1f}{64 / naive:>10.3f}{scaled}")
        print(f"{name + ' cached':<18}{cached:>10.1f}{64 / cached:>10.3f}   ({naive / cached:.1f}x faster)")


def super_resolution_part(registry, quick: bool, grids: Path) -> None:
    train, test = read_images(IMAGES / "mnist5000.npz").split(4000)
    settings = {**SUPER_RESOLUTION, **(QUICK if quick else {})}
    began = time.perf_counter()
    model = registry.create("pixelcnn-sr", **settings, device="cpu").fit(train)
    seconds = time.perf_counter() - began
    small = block_means(test.images)
    enlarged = {"pixelcnn-sr": model.upscale(small, seed=0),
                "pixelcnn-sr free": model.upscale(small, seed=0, consistent=False),
                "bicubic": interpolate(torch.as_tensor(small / 255.0), scale_factor=2, mode="bicubic")
                .clamp(0, 1).numpy(),
                "nearest": np.kron(small, np.ones((1, 1, 2, 2))) / 255.0}
    write_image_grid(np.concatenate([test.scaled()[:8], enlarged["nearest"][:8], enlarged["bicubic"][:8],
                                     enlarged["pixelcnn-sr"][:8]]), grids / "superres_mnist.png", columns=8)
    print(f"\nsuper-resolution 14x14 -> 28x28 on MNIST-5000 (256 levels): {len(test)} test images; "
          f"pixelcnn-sr {settings}, fit {seconds:.0f} s, {per_epoch(model):.1f} s/epoch, "
          f"{model.bits_per_dim(test):.3f} bits/dim given the small image")
    print(f"{'method':<18}{'disc. score':>12}{'2x2 mean within 1 level':>25}{'exact':>8}")
    for method, images in enlarged.items():
        disc = discriminative_score(test.scaled(), images, iterations=SCORE_ITERATIONS)
        back = block_means(np.rint(images * 255))
        print(f"{method:<18}{disc:>12.3f}{(np.abs(back - small) <= 1).mean():>25.3f}"
              f"{(back == small).mean():>8.3f}")


def block_means(images: np.ndarray) -> np.ndarray:
    """2x2 means rounded to a level: the super-resolution model's own downsampling."""
    from forecastgen_autoregressive.superres import downsample

    return downsample(torch.as_tensor(np.asarray(images, dtype=np.float32)), 256).numpy().astype(np.int64)


def fitted(registry, name: str, settings: dict, train):
    began = time.perf_counter()
    model = registry.create(name, **settings, device="cpu").fit(train)
    return model, time.perf_counter() - began


def per_epoch(model) -> float:
    return model.history_.seconds / len(model.history_.train_loss)


def timed(work):
    began = time.perf_counter()
    result = work()
    return time.perf_counter() - began, result


@torch.no_grad()
def naive_time(model, rows: int) -> float:
    """Seconds for the naive sampler on the whole image, from its time on ``rows`` rows."""
    from forecastgen_autoregressive.pixels import NaiveSampler, inverse_cdf

    x = torch.zeros(64, *model.shape_)
    sampler, uniforms = NaiveSampler(model.network_, None), torch.rand(64, rows, model.shape_[2])
    began = time.perf_counter()
    for row in range(rows):
        for column in range(model.shape_[2]):
            logits = sampler.logits(x, row, column)
            x[:, 0, row, column] = inverse_cdf(logits, uniforms[:, row, column]).float()
    return (time.perf_counter() - began) * model.shape_[1] / rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=["digits", "mnist", "superres", "all"], default="all")
    parser.add_argument("--naive-rows", type=int, default=2)
    parser.add_argument("--grids", type=Path, default=Path("benchmarks/results"),
                        help="folder for the sample grids")
    args = parser.parse_args()
    print("\n".join(results_header("Pixel models benchmark")))
    registry = default_registry()
    if args.part in ("digits", "all"):
        digits_part(registry, args.quick, args.grids)
    if args.part in ("mnist", "all"):
        mnist_part(registry, args.quick, args.grids, args.naive_rows)
    if args.part in ("superres", "all"):
        super_resolution_part(registry, args.quick, args.grids)


if __name__ == "__main__":
    main()
