"""``pixelcnn-sr``: super-resolution by a PixelCNN conditioned on the low-resolution image.

Dahl, Norouzi & Shlens (2017), "Pixel Recursive Super Resolution", ICCV: a
conditioning network reads the low-resolution image and a PixelCNN prior draws the
high-resolution pixels one by one in raster order, so the coarse shape comes from the
condition and the details from the autoregressive model. Here the condition is the
low-resolution image enlarged 2x (nearest neighbour) and passed through a few plain
convolutions (it is known in full, so it needs no mask); its features add to every
gate of a gated PixelCNN (``forecastgen_autoregressive.pixelcnn``), and sampling uses
the same cached sampler.

Training pairs are the training images and their 2x2-block means (rounded to the
levels), so ``fit`` needs only the high-resolution images. ``upscale(low, factor=2)``
samples a 2x image; ``factor=4`` chains two 2x steps (the first runs at half the
trained size: the networks are fully convolutional). With ``consistent=True`` (the
default) each pixel of a 2x2 block is drawn only from the levels after which the block
can still average back to the small image's pixel: the model's categorical conditioned
on what is known, since a real large image always averages back to its small copy.
``consistent=False`` samples the model as it is. ``conditional_log_prob`` is
log p(image | its downsampled copy), exact, in nats; there is no unconditional
likelihood or sampling (``log_prob`` and ``sample`` are not declared).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.functional import avg_pool2d, interpolate

from forecastgen.errors import InputError
from forecastgen_autoregressive.pixelcnn import GatedPixelCNN
from forecastgen_autoregressive.pixels import PixelModel, as_pixels, centred


class SuperResolutionPixelCNN(PixelModel):
    name = "pixelcnn-sr"
    capabilities = frozenset({"images", "upscale"})  # its likelihood is conditional: conditional_log_prob
    parameter_help = {
        "hidden_channels": "channels of each gated layer",
        "layers": "gated layers",
        "kernel_size": "size of the masked convolutions",
        "condition_channels": "channels of the small image's features that every gate sees",
    }
    conditional = False  # on the low-resolution image, not on classes

    def __init__(self, levels: int | None = None, hidden_channels: int = 64, layers: int = 6,
                 kernel_size: int = 5, condition_channels: int = 32, max_epochs: int = 30,
                 batch_size: int = 64, batches_per_epoch: int | None = 50, learning_rate: float = 3e-3,
                 patience: int = 5, force: bool = False, device: str = "auto", precision: str = "auto",
                 seed: int = 0):
        self.store_params(locals())

    def fit(self, images, labels=None) -> SuperResolutionPixelCNN:
        """Learn p(image | its 2x downsampled copy) from high-resolution images (even sides)."""
        shape = np.shape(getattr(images, "images", images))
        if len(shape) < 3 or shape[-1] % 2 or shape[-2] % 2:
            raise InputError(f"{self.name}: the training images need even sides (they are "
                             f"downsampled 2x for the pairs); got shape {shape}")
        return super().fit(images, labels)

    def _build(self, levels: int, classes: int) -> nn.Module:
        return SuperResolutionNetwork(levels, self.hidden_channels, self.layers, self.kernel_size,
                                      self.condition_channels)

    def conditional_log_prob(self, images) -> np.ndarray:
        """log p(image | its 2x downsampled copy) of each image, exact, nats (``bits_per_dim``
        gives the same per pixel, in bits)."""
        return self._log_probability(images)

    def upscale(self, images, factor: int = 2, seed: int | None = None, cached: bool = True,
                consistent: bool = True) -> np.ndarray:
        """Images ``factor`` (2 or 4) times larger, in [0, 1]: sampled given each input image."""
        self.check_is_fitted()
        if factor not in (2, 4):
            raise InputError(f"{self.name}: factor must be 2 or 4 (two 2x steps), not {factor}")
        low, _ = as_pixels(images, self.levels_, self.name)
        for step in range(factor // 2):
            start = np.zeros((len(low), 1, 2 * low.shape[2], 2 * low.shape[3]), dtype=np.int64)
            context = {"low": torch.as_tensor(low, device=self.device_).float()}
            step_seed = None if seed is None else seed + step
            restrict = block_mean_restriction(context["low"], self.levels_) if consistent else None
            high = self._generate(start, np.zeros(start.shape, dtype=bool), None, step_seed, cached,
                                  progress=False, context=context, restrict=restrict)
            low = np.rint(high * (self.levels_ - 1)).astype(np.int64)
        return low / (self.levels_ - 1)


class SuperResolutionNetwork(nn.Module):
    """A gated PixelCNN whose gates also see features of the low-resolution image."""

    def __init__(self, levels: int, hidden: int, layers: int, kernel: int, condition_channels: int):
        super().__init__()
        self.levels = levels
        self.pixelcnn = GatedPixelCNN(levels, hidden, layers, kernel, condition_channels=condition_channels)
        self.condition = nn.Sequential(
            nn.Conv2d(1, condition_channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(condition_channels, condition_channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(condition_channels, condition_channels, 3, padding=1))

    def features(self, low: torch.Tensor) -> torch.Tensor:
        enlarged = interpolate(centred(low.float(), self.levels), scale_factor=2, mode="nearest")
        return self.condition(enlarged.to(next(self.parameters()).dtype))

    def forward(self, x, labels=None, low=None):
        """Logits of ``x`` given ``low`` (default: ``x`` downsampled, as in training)."""
        low = downsample(x, self.levels) if low is None else low
        return self.pixelcnn(x, labels, self.features(low))

    def cached_sampler(self, x, labels=None, low=None):
        return self.pixelcnn.cached_sampler(x, labels, self.features(low))


def block_mean_restriction(low: torch.Tensor, levels: int):
    """A sampling restriction: each pixel of a 2x2 block may only take the levels after which
    the block can still average back to the small image's pixel (its sum within
    4 * small +- 1, which ``downsample`` rounds to the small pixel); the block's last pixel
    takes the levels whose mean comes nearest."""
    candidates = torch.arange(levels, device=low.device, dtype=torch.float64)

    def restrict(logits: torch.Tensor, x: torch.Tensor, row: int, column: int) -> torch.Tensor:
        position = 2 * (row % 2) + column % 2  # raster order within the block
        top, left = row - row % 2, column - column % 2
        drawn = x[:, 0, top:top + 2, left:left + 2].double().reshape(len(x), 4)[:, :position]
        sums = drawn.sum(dim=1, keepdim=True) + candidates[None]
        target = low[:, 0, row // 2, column // 2, None].double()
        if position == 3:
            gap = ((sums / 4).round() - target).abs()
            allowed = gap == gap.min(dim=1, keepdim=True).values
        else:
            most = sums + (3 - position) * (levels - 1)
            allowed = (most >= 4 * target - 1) & (sums <= 4 * target + 1)
            allowed |= ~allowed.any(dim=1, keepdim=True)  # none: leave the pixel free
        return logits.masked_fill(~allowed, -torch.inf)

    return restrict


def downsample(x: torch.Tensor, levels: int) -> torch.Tensor:
    """Means of 2x2 blocks of pixel levels, rounded to a level."""
    return avg_pool2d(x.float(), 2).round().clamp(0, levels - 1)
