"""What the pixel models (PixelCNN, PixelRNN) share: images as pixel levels, the spatial
check, training, exact log-likelihoods and raster-order sampling.

An image is generated like a series: pixel by pixel in raster order (row by row, left
to right), each drawn from a categorical distribution over the pixel levels (2 for
binary images, 17 for the digits, 256 for 8-bit) given the pixels before it. The
log-likelihood of an image is the sum of those categorical log-probabilities: exact,
in nats, and in bits per dimension. One-channel images; optional class conditioning.

Sampling asks a *sampler* for the logits of one pixel at a time: the naive sampler runs
the whole network on the image so far for every pixel; a network may offer a cached
one (``network.cached_sampler``) that only computes what the new pixel changes. Both
draw each pixel by inverting its CDF at a uniform number drawn up front from the seed,
so the same seed gives the same images whichever sampler runs.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.functional import cross_entropy, log_softmax

from forecastgen.data.images import chosen_labels, grid_levels, training_labels
from forecastgen.data.items import as_item_array
from forecastgen.diagnostics import check_images
from forecastgen.engine.device import resolve_device
from forecastgen.engine.seeding import seed_everything
from forecastgen.engine.trainer import Trainer, TrainingConfig, TrainingHistory, held_out_split
from forecastgen.errors import InputError
from forecastgen.interfaces import LOG_PROB, SAMPLE, DensityModel
from forecastgen.progress import track

MAX_LEVELS = 256


class PixelModel(DensityModel):
    """Subclasses give ``_build(levels, classes)``: a module mapping (pixel levels as floats
    (n, 1, h, w), class labels (n,) or None) to logits (n, levels, h, w)."""

    capabilities = frozenset({"sample", "log_prob", "images", "labels"})
    parameter_help = {
        "hidden_channels": "channels of each gated layer",
        "layers": "gated layers after the first (mask A) one",
        "kernel_size": "size of the masked convolutions",
        "conditional": "learn p(image | class) from the labels",
    }

    def fit(self, images, labels=None) -> PixelModel:
        """Learn p(image) (or p(image | class) with ``conditional=True``) from images: an
        ImageSet, integer levels (n, 1, h, w), or floats in [0, 1] on the levels' grid."""
        pixels, levels = as_pixels(images, self.levels, self.name)
        labels = self._training_labels(images, labels, len(pixels))
        self._check_structure(pixels)
        seed_everything(self.seed)
        classes = int(labels.max()) + 1 if self.conditional else 0
        network = self._build(levels, classes)
        train, held = held_out_split((pixels, labels), self.seed)
        trainer = Trainer(TrainingConfig.from_params(self.get_params()))
        self.history_: TrainingHistory = trainer.fit(network, self._loss, train, held)
        self.network_, self.device_ = network.eval(), trainer.device
        self.levels_, self.classes_, self.shape_ = levels, classes, tuple(pixels.shape[1:])
        return self

    def _loss(self, network: nn.Module, batch: tuple) -> torch.Tensor:
        """Negative log-likelihood, nats per image (given the condition the network derives)."""
        pixels, labels = batch
        logits = network(pixels.float(), labels if self.conditional else None)
        return cross_entropy(logits.float(), pixels[:, 0], reduction="sum") / len(pixels)

    def _training_labels(self, images, labels, count: int) -> np.ndarray:
        if not self.conditional:
            return np.zeros(count, dtype=np.int64)
        return training_labels(images, labels, count, self.name)

    def _check_structure(self, pixels: np.ndarray) -> None:
        if self.force:
            return
        report = check_images(pixels)
        if not report.has_structure:
            raise InputError(f"{self.name} needs spatial autocorrelation. {report.verdict} "
                             "Pass force=True (--force) to fit anyway.")

    # -- scores -----------------------------------------------------------------------------
    def log_prob(self, images, labels=None) -> np.ndarray:
        """The exact log-probability of each image (nats)."""
        self.require(LOG_PROB)
        return self._log_probability(images, labels)

    def bits_per_dim(self, images, labels=None) -> float:
        """Mean negative log-likelihood in bits per pixel."""
        return float(-self._log_probability(images, labels).mean() / (np.prod(self.shape_) * np.log(2)))

    @torch.no_grad()
    def _log_probability(self, images, labels=None) -> np.ndarray:
        """Each image's log-probability under the network (given what it conditions on), nats."""
        self.check_is_fitted()
        pixels = self._pixels(images)
        classes = self._labels(labels, len(pixels))
        scores = []
        for start in range(0, len(pixels), 256):
            chunk = torch.as_tensor(pixels[start:start + 256], device=self.device_)
            chunk_labels = None if classes is None else classes[start:start + 256]
            logits = self.network_(chunk.float(), chunk_labels).float()
            picked = log_softmax(logits, dim=1).gather(1, chunk)
            scores.append(picked.sum(dim=(1, 2, 3)).double())
        return torch.cat(scores).cpu().numpy()

    # -- sampling ---------------------------------------------------------------------------
    def sample(self, num_samples: int, seed: int | None = None, labels=None, cached: bool = True,
               progress: bool = False) -> np.ndarray:
        """New images (num_samples, 1, h, w) in [0, 1]; ``labels``: one class or one per image."""
        self.require(SAMPLE)
        self.check_is_fitted()
        known = np.zeros((num_samples, *self.shape_), dtype=bool)
        start = np.zeros((num_samples, *self.shape_), dtype=np.int64)
        return self._generate(start, known, labels, seed, cached, progress)

    def complete(self, images, known, seed: int | None = None, labels=None,
                 cached: bool = True) -> np.ndarray:
        """Fill in the pixels where ``known`` (bool, the images' shape or one (h, w) mask for
        all) is False; known pixels are kept. Exact conditioning when the known pixels come
        first in raster order (a top part); otherwise each pixel sees the known ones before it."""
        self.check_is_fitted()
        pixels = self._pixels(images)
        known = np.broadcast_to(np.asarray(known, dtype=bool), pixels.shape)
        return self._generate(pixels, known, labels, seed, cached, progress=False)

    @torch.no_grad()
    def _generate(self, pixels, known, labels, seed, cached: bool, progress: bool,
                  context: dict | None = None, restrict=None) -> np.ndarray:
        """Raster-order sampling of the unknown pixels; ``context``: more network inputs;
        ``restrict(logits, x, row, column)``: logits with impossible levels set to -inf."""
        count, (_, height, width), context = len(pixels), pixels.shape[1:], context or {}
        classes = self._labels(labels, count)
        generator = torch.Generator().manual_seed(0 if seed is None else seed)
        uniforms = torch.rand((count, height, width), generator=generator, dtype=torch.float64)
        dtype = next(self.network_.parameters()).dtype
        x = torch.as_tensor(pixels, device=self.device_).to(dtype)
        known = torch.as_tensor(np.ascontiguousarray(known), device=self.device_)
        uniforms = uniforms.to(self.device_)
        if cached and hasattr(self.network_, "cached_sampler"):
            sampler = self.network_.cached_sampler(x, classes, **context)
        else:
            sampler = NaiveSampler(self.network_, classes, context)
        rows = track(range(height), height, "sampling") if progress else range(height)
        for row in rows:
            for column in range(width):
                logits = sampler.logits(x, row, column)
                if restrict is not None:
                    logits = restrict(logits, x, row, column)
                drawn = inverse_cdf(logits, uniforms[:, row, column]).to(dtype)
                x[:, 0, row, column] = torch.where(known[:, 0, row, column], x[:, 0, row, column], drawn)
        return (x.double() / (self.levels_ - 1)).cpu().numpy()

    # -- inputs -----------------------------------------------------------------------------
    def _pixels(self, images) -> np.ndarray:
        pixels, _ = as_pixels(images, self.levels_, self.name)
        if tuple(pixels.shape[1:]) != self.shape_:
            raise InputError(f"{self.name}: fitted on images of shape {self.shape_}, not "
                             f"{tuple(pixels.shape[1:])}")
        return pixels

    def _labels(self, labels, count: int) -> torch.Tensor | None:
        if not self.classes_:
            if labels is not None:
                raise InputError(f"{self.name}: not class-conditional; refit with conditional=True "
                                 "to generate chosen classes")
            return None
        if labels is None:
            raise InputError(f"{self.name}: class-conditional: say which classes (labels=, 0 to "
                             f"{self.classes_ - 1})")
        return torch.as_tensor(chosen_labels(labels, count, self.classes_, self.name), device=self.device_)

    # -- checkpoints ------------------------------------------------------------------------
    def checkpoint_state(self) -> tuple[dict, dict]:
        return dict(self.network_.state_dict()), {
            "levels": self.levels_, "classes": self.classes_, "shape": list(self.shape_),
            "history": self.history_.to_dict()}

    def restore_checkpoint(self, tensors: dict, state: dict) -> None:
        self.levels_, self.classes_, self.shape_ = state["levels"], state["classes"], tuple(state["shape"])
        self.history_ = TrainingHistory(**state["history"])
        network = self._build(self.levels_, self.classes_)
        network.load_state_dict(tensors)
        self.device_ = resolve_device(self.device)
        self.network_ = network.to(self.device_).eval()


class NaiveSampler:
    """The whole network on the image so far, once per pixel."""

    def __init__(self, network: nn.Module, labels: torch.Tensor | None, context: dict | None = None):
        self.network, self.labels, self.context = network, labels, context or {}

    def logits(self, x: torch.Tensor, row: int, column: int) -> torch.Tensor:
        return self.network(x, self.labels, **self.context)[:, :, row, column]


def centred(x: torch.Tensor, levels: int) -> torch.Tensor:
    """Pixel levels 0 .. levels - 1 as network inputs in [-1, 1]."""
    return x / (levels - 1) * 2.0 - 1.0


def inverse_cdf(logits: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """The level whose cumulative probability first exceeds each uniform number."""
    cumulative = torch.softmax(logits.double(), dim=-1).cumsum(-1)
    return (cumulative < uniforms[:, None]).sum(-1).clamp(max=logits.shape[-1] - 1)


def as_pixels(images, levels: int | None, name: str) -> tuple[np.ndarray, int]:
    """Images as integer pixel levels (n, 1, h, w) and the number of levels."""
    if hasattr(images, "images") and hasattr(images, "levels"):  # an ImageSet
        levels, values = levels or images.levels, np.asarray(images.images)
    else:
        values = np.asarray(images.detach().cpu() if hasattr(images, "detach") else images)
    if values.ndim == 3:
        values = values[:, None]
    if values.ndim != 4 or values.shape[1] != 1:
        raise InputError(f"{name}: give one-channel images (n, 1, height, width) or (n, height, "
                         f"width); got shape {values.shape} (convert colour images to grayscale)")
    if np.issubdtype(values.dtype, np.integer):
        pixels = values.astype(np.int64)
        levels = levels or max(2, int(pixels.max()) + 1)
    else:
        scaled = as_item_array(values, name)
        if scaled.min() < 0 or scaled.max() > 1:
            raise InputError(f"{name}: float images must be scaled to [0, 1] (or give integer levels)")
        levels = levels or required_grid_levels(scaled, name)
        pixels = np.rint(scaled * (levels - 1)).astype(np.int64)
        if np.abs(pixels - scaled * (levels - 1)).max() > 1e-3:
            raise InputError(f"{name}: the pixel values are not on a grid of {levels} levels; give "
                             "levels= or integer pixel levels")
    if pixels.min() < 0 or pixels.max() >= levels or not 2 <= levels <= MAX_LEVELS:
        raise InputError(f"{name}: pixel levels must lie in 0..{levels - 1}, with 2 to {MAX_LEVELS} "
                         "levels")
    return pixels, int(levels)


def required_grid_levels(scaled: np.ndarray, name: str) -> int:
    """The fewest levels whose grid k / (levels - 1) holds every value of [0, 1] images."""
    levels = grid_levels(scaled, MAX_LEVELS)
    if levels is not None:
        return levels
    raise InputError(f"{name}: the pixel values fit no grid of at most {MAX_LEVELS} levels; give "
                     "levels= or integer pixel levels")
