"""The image players: a DCGAN generator and a spectrally normalized projection discriminator.

Radford, Metz & Chintala (2016), "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR: the generator projects the latent
vector to a small feature map and doubles its sides twice with transposed convolutions
(stride 2), then a 3x3 convolution and tanh give the image, cropped to its size.
Deviation: pixel-wise feature normalization (Karras et al. 2018) replaces batch
normalization, so the generator has no batch statistics and its moving average samples
as it trains. The discriminator is three 3x3 convolutions (two of stride 2) and a dense
layer, every weight spectrally normalized (Miyato et al. 2018, "Spectral Normalization for
Generative Adversarial Networks"); class labels enter it by projection, score = psi(phi(x))
+ <embed(y), phi(x)> (Miyato & Koyama 2018, "cGANs with Projection Discriminator"), and
the generator through a label embedding concatenated to the latent vector.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from forecastgen_adversarial.game import Game, projected_score

SLOPE = 0.2


class ImageGame(Game):
    """Batches are (images scaled to [0, 1], class labels); labels are zeros and ignored when
    ``classes`` is 0."""

    def __init__(self, shape: tuple[int, int, int], latent_dim: int, hidden: int, classes: int):
        super().__init__(ImageGenerator(shape, latent_dim, hidden, classes),
                         ImageDiscriminator(shape, hidden, classes), latent_dim)

    def condition(self, batch: tuple) -> torch.Tensor:
        return batch[1]

    def real(self, batch: tuple) -> torch.Tensor:
        return batch[0].float() * 2.0 - 1.0


class PixelNorm(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + 1e-8)


class ImageGenerator(nn.Module):
    """(latent (n, d), labels (n,)) -> images (n, c, h, w) in [-1, 1]."""

    def __init__(self, shape: tuple[int, int, int], latent_dim: int, hidden: int, classes: int):
        super().__init__()
        channels, self.height, self.width = shape
        self.start = (2 * hidden, math.ceil(self.height / 4), math.ceil(self.width / 4))
        self.embed = nn.Embedding(classes, latent_dim) if classes else None
        inputs = latent_dim * (2 if classes else 1)
        self.project = nn.Linear(inputs, math.prod(self.start))
        self.body = nn.Sequential(
            PixelNorm(), nn.LeakyReLU(SLOPE),
            nn.ConvTranspose2d(2 * hidden, hidden, 4, 2, 1), PixelNorm(), nn.LeakyReLU(SLOPE),
            nn.ConvTranspose2d(hidden, hidden, 4, 2, 1), PixelNorm(), nn.LeakyReLU(SLOPE),
            nn.Conv2d(hidden, channels, 3, padding=1), nn.Tanh())

    def forward(self, latent: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if self.embed is not None:
            latent = torch.cat([latent, self.embed(labels)], dim=1)
        images = self.body(self.project(latent).view(-1, *self.start))
        return images[:, :, :self.height, :self.width]


class ImageDiscriminator(nn.Module):
    """(images (n, c, h, w) in [-1, 1], labels (n,)) -> scores (n,)."""

    def __init__(self, shape: tuple[int, int, int], hidden: int, classes: int):
        super().__init__()
        channels, height, width = shape
        self.body = nn.Sequential(
            spectral_norm(nn.Conv2d(channels, hidden, 3, 1, 1)), nn.LeakyReLU(SLOPE),
            spectral_norm(nn.Conv2d(hidden, 2 * hidden, 3, 2, 1)), nn.LeakyReLU(SLOPE),
            spectral_norm(nn.Conv2d(2 * hidden, 2 * hidden, 3, 2, 1)), nn.LeakyReLU(SLOPE),
            nn.Flatten())
        flat = 2 * hidden * _halved_twice(height) * _halved_twice(width)
        self.features = nn.Sequential(spectral_norm(nn.Linear(flat, 2 * hidden)), nn.LeakyReLU(SLOPE))
        self.score = spectral_norm(nn.Linear(2 * hidden, 1))
        self.embed = spectral_norm(nn.Embedding(classes, 2 * hidden)) if classes else None

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return projected_score(self.features(self.body(images)), labels, self.score, self.embed)


def _halved_twice(side: int) -> int:
    """A side after two 3x3 convolutions of stride 2 and padding 1."""
    return ((side + 1) // 2 + 1) // 2
