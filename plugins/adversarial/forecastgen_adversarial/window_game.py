"""The window players: a causal convolutional generator and a spectrally normalized
convolutional discriminator, both told which steps are known.

The generator makes every step of a window in one pass: step t is computed from the
known values of the steps before it (zero and a flag where unknown), fresh noise for
each step and a window-wide latent vector, through gated residual blocks of dilated
causal convolutions (WaveNet's, van den Oord et al. 2016, "WaveNet: A Generative Model
for Raw Audio"), dilations doubling until each step sees the whole window before it.
Known steps (the past of a window, when forecasting) replace the generated ones, so the
future follows the given past. Generated steps are not fed back: as in TimeGAN's
generator (Yoon, Jarrett & van der Schaar 2019, "Time-series Generative Adversarial
Networks", NeurIPS), which maps a noise sequence through a recurrent network, the
dependence between generated steps comes from the shared noise and latent vector. One
pass instead of a step-by-step recurrence makes training several times faster on a CPU.
The optional supervised loss is TimeGAN's, taken in data space: with every real step
known, the generator's step t is pulled towards the real one (mean squared error),
which teaches the step-to-step dynamics the adversarial loss learns slowly.

The discriminator sees the whole window, real or completed, with a known-step mask as
an extra channel: 1-D convolutions (two of stride 2) and a dense layer, every weight
spectrally normalized (Miyato et al. 2018).

Covariates (values known at every step of a window, standardized: (n, length, covariates))
are per-step inputs of both players when the model is fitted with them: the generator's
step t reads step t's covariates beside its noise, as a conditional GAN's generator reads
its condition (Mirza & Osindero 2014, "Conditional Generative Adversarial Nets"), and the
discriminator reads them as extra channels, so a window that ignores them is told apart.

Batches are windows (n, length, channels), standardized. Each training step draws a
known prefix per window: none for a share ``unconditional_share`` of them (they teach
unconditional sampling), ``context_length`` steps for the others, or a random 1 to
length - 1 steps when no context length is fixed.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.functional import mse_loss
from torch.nn.utils.parametrizations import spectral_norm

from forecastgen_adversarial.game import Game, projected_score

SLOPE = 0.2


class WindowGame(Game):
    """Batches are (windows, class labels, covariates); labels are zeros and ignored when
    ``classes`` is 0, covariates (n, length, ``covariates``) empty when it is 0."""

    def __init__(self, length: int, channels: int, latent_dim: int, hidden: int,
                 context_length: int | None, unconditional_share: float, supervised_weight: float,
                 classes: int = 0, covariates: int = 0):
        super().__init__(WindowGenerator(length, channels, latent_dim, hidden, classes, covariates),
                         WindowDiscriminator(length, channels, hidden, classes, covariates),
                         (length + 1) * latent_dim)
        self.length, self.context_length = length, context_length
        self.unconditional_share, self.supervised_weight = unconditional_share, supervised_weight

    def condition(self, batch: tuple) -> tuple[torch.Tensor, ...]:
        """(known values, known-step mask (n, length), class labels, covariates): a random
        known prefix per window."""
        windows = batch[0].float()
        count, device = len(windows), windows.device
        if self.context_length:
            known = torch.full((count,), self.context_length, device=device)
        else:
            known = torch.randint(1, self.length, (count,), device=device)
        known = torch.where(torch.rand(count, device=device) < self.unconditional_share, 0, known)
        mask = torch.arange(self.length, device=device)[None, :] < known[:, None]
        return windows * mask[:, :, None], mask, batch[1], batch[2].float()

    def real(self, batch: tuple) -> torch.Tensor:
        return batch[0].float()

    def auxiliary_loss(self, batch: tuple) -> torch.Tensor | None:
        if not self.supervised_weight:
            return None
        real = self.real(batch)
        predicted = self.generator.teacher_forced(self.noise(len(real)), real, batch[1], batch[2].float())
        return self.supervised_weight * mse_loss(predicted[:, 1:], real[:, 1:])


class WindowGenerator(nn.Module):
    """(latent (n, (length + 1) * d), (known values, mask, labels, covariates)) -> windows
    (n, length, channels)."""

    def __init__(self, length: int, channels: int, latent_dim: int, hidden: int, classes: int = 0,
                 covariates: int = 0):
        super().__init__()
        self.length, self.latent_dim = length, latent_dim
        self.embed = nn.Embedding(classes, latent_dim) if classes else None
        self.first = nn.Conv1d(channels + 2 + (3 if classes else 2) * latent_dim + covariates, hidden, 1)
        self.blocks = nn.ModuleList(CausalBlock(hidden, dilation) for dilation in _dilations(length))
        self.out = nn.Conv1d(hidden, channels, 1)

    def forward(self, latent: torch.Tensor, condition: tuple) -> torch.Tensor:
        values, mask, labels, covariates = condition
        made = self._run(latent, values, mask, labels, covariates)
        return torch.where(mask[:, :, None], values, made)

    def teacher_forced(self, latent: torch.Tensor, real: torch.Tensor, labels: torch.Tensor,
                       covariates: torch.Tensor) -> torch.Tensor:
        """Each step predicted from the real steps before it (step 0 from nothing)."""
        known = torch.ones(real.shape[:2], dtype=torch.bool, device=real.device)
        return self._run(latent, real, known, labels, covariates)

    def _run(self, latent: torch.Tensor, values: torch.Tensor, mask: torch.Tensor,
             labels: torch.Tensor, covariates: torch.Tensor) -> torch.Tensor:
        """The generated steps (n, length, channels), step t from the known values of the steps
        before it (zero and a flag where unknown), the noise up to step t and the covariates
        up to step t."""
        window_noise, step_noise = self._split(latent)
        known = mask[:, :, None].to(values.dtype)
        previous = torch.cat([torch.zeros_like(values[:, :1]), (values * known)[:, :-1]], dim=1)
        previous_known = torch.cat([torch.zeros_like(known[:, :1]), known[:, :-1]], dim=1)
        start = torch.zeros_like(known)
        start[:, 0] = 1.0
        window_wide = [window_noise] + ([self.embed(labels)] if self.embed is not None else [])
        everywhere = torch.cat(window_wide, dim=1)[:, None].expand(-1, self.length, -1)
        x = torch.cat([previous, previous_known, start, step_noise, everywhere, covariates.to(values.dtype)],
                      dim=2).transpose(1, 2)
        x = self.first(x)
        for block in self.blocks:
            x = block(x)
        return self.out(x).transpose(1, 2)

    def _split(self, latent: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        parts = latent.view(len(latent), self.length + 1, self.latent_dim)
        return parts[:, 0], parts[:, 1:]


class CausalBlock(nn.Module):
    """A residual block of a dilated causal convolution: step t sees steps t - 2d, t - d, t."""

    def __init__(self, hidden: int, dilation: int):
        super().__init__()
        self.pad = 2 * dilation
        self.conv = nn.Conv1d(hidden, 2 * hidden, 3, dilation=dilation)
        self.mix = nn.Conv1d(hidden, hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        filtered, gate = self.conv(nn.functional.pad(x, (self.pad, 0))).chunk(2, dim=1)
        return x + self.mix(torch.tanh(filtered) * torch.sigmoid(gate))


def _dilations(length: int) -> list[int]:
    """1, 2, 4, ... until every step sees the whole window before it."""
    dilations = [1]
    while 1 + 2 * sum(dilations) < length:
        dilations.append(2 * dilations[-1])
    return dilations


class WindowDiscriminator(nn.Module):
    """(windows (n, length, channels), (known values, mask, labels)) -> scores (n,); labels enter
    by projection (Miyato & Koyama 2018), as in the image discriminator."""

    def __init__(self, length: int, channels: int, hidden: int, classes: int = 0, covariates: int = 0):
        super().__init__()
        self.body = nn.Sequential(
            spectral_norm(nn.Conv1d(channels + 1 + covariates, hidden, 5, 1, 2)), nn.LeakyReLU(SLOPE),
            spectral_norm(nn.Conv1d(hidden, hidden, 5, 2, 2)), nn.LeakyReLU(SLOPE),
            spectral_norm(nn.Conv1d(hidden, hidden, 5, 2, 2)), nn.LeakyReLU(SLOPE),
            nn.Flatten())
        reduced = (((length + 1) // 2) + 1) // 2
        self.features = nn.Sequential(spectral_norm(nn.Linear(hidden * reduced, hidden)), nn.LeakyReLU(SLOPE))
        self.score = spectral_norm(nn.Linear(hidden, 1))
        self.embed = spectral_norm(nn.Embedding(classes, hidden)) if classes else None

    def forward(self, windows: torch.Tensor, condition: tuple) -> torch.Tensor:
        _, mask, labels, covariates = condition
        x = torch.cat([windows.transpose(1, 2), mask[:, None].to(windows.dtype),
                       covariates.transpose(1, 2).to(windows.dtype)], dim=1)
        return projected_score(self.features(self.body(x)), labels, self.score, self.embed)
