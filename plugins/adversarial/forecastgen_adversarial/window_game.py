"""The window players: a recurrent generator that feeds back its own outputs and a
spectrally normalized convolutional discriminator, both told which steps are known.

The generator is autoregressive, like TimeGAN's (Yoon, Jarrett & van der Schaar 2019,
"Time-series Generative Adversarial Networks", NeurIPS): a two-layer GRU whose initial
state comes from a window-wide latent vector and whose input at step t is the value of
step t - 1, a start flag and fresh noise for step t; it emits step t. Known steps (the
past of a window, when forecasting) replace the generated ones as they are produced, so
the future follows the given past. The optional supervised loss is TimeGAN's, taken in
data space instead of an embedding: with the real step t - 1 as input (teacher forcing)
the generator's step t is pulled towards the real one (mean squared error), which
teaches the step-to-step dynamics the adversarial loss learns slowly.

The discriminator sees the whole window, real or completed, with a known-step mask as
an extra channel: 1-D convolutions (two of stride 2) and a dense layer, every weight
spectrally normalized (Miyato et al. 2018).

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

from forecastgen_adversarial.game import Game

SLOPE = 0.2
LAYERS = 2


class WindowGame(Game):
    def __init__(self, length: int, channels: int, latent_dim: int, hidden: int,
                 context_length: int | None, unconditional_share: float, supervised_weight: float):
        super().__init__(WindowGenerator(length, channels, latent_dim, hidden),
                         WindowDiscriminator(length, channels, hidden), (length + 1) * latent_dim)
        self.length, self.context_length = length, context_length
        self.unconditional_share, self.supervised_weight = unconditional_share, supervised_weight

    def condition(self, batch: tuple) -> tuple[torch.Tensor, torch.Tensor]:
        """(known values, known-step mask (n, length)): a random known prefix per window."""
        windows = batch[0].float()
        count, device = len(windows), windows.device
        if self.context_length:
            known = torch.full((count,), self.context_length, device=device)
        else:
            known = torch.randint(1, self.length, (count,), device=device)
        known = torch.where(torch.rand(count, device=device) < self.unconditional_share, 0, known)
        mask = torch.arange(self.length, device=device)[None, :] < known[:, None]
        return windows * mask[:, :, None], mask

    def real(self, batch: tuple) -> torch.Tensor:
        return batch[0].float()

    def auxiliary_loss(self, batch: tuple) -> torch.Tensor | None:
        if not self.supervised_weight:
            return None
        real = self.real(batch)
        predicted = self.generator.teacher_forced(self.noise(len(real)), real)
        return self.supervised_weight * mse_loss(predicted[:, 1:], real[:, 1:])


class WindowGenerator(nn.Module):
    """(latent (n, (length + 1) * d), (known values, mask)) -> windows (n, length, channels)."""

    def __init__(self, length: int, channels: int, latent_dim: int, hidden: int):
        super().__init__()
        self.length, self.channels, self.latent_dim, self.hidden = length, channels, latent_dim, hidden
        self.initial = nn.Linear(latent_dim, LAYERS * hidden)
        self.cell = nn.GRU(channels + 1 + latent_dim, hidden, num_layers=LAYERS, batch_first=True)
        self.out = nn.Linear(hidden, channels)

    def forward(self, latent: torch.Tensor, condition: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        values, mask = condition
        window_noise, step_noise = self._split(latent)
        state = self._initial_state(window_noise)
        count = len(latent)
        previous = latent.new_zeros(count, self.channels)
        start = latent.new_ones(count, 1)
        steps = []
        for t in range(self.length):
            output, state = self.cell(torch.cat([previous, start, step_noise[:, t]], dim=1)[:, None], state)
            previous = torch.where(mask[:, t, None], values[:, t], self.out(output[:, 0]))
            steps.append(previous)
            start = torch.zeros_like(start)
        return torch.stack(steps, dim=1)

    def teacher_forced(self, latent: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """Each step predicted from the real steps before it (step 0 from nothing)."""
        window_noise, step_noise = self._split(latent)
        previous = torch.cat([torch.zeros_like(real[:, :1]), real[:, :-1]], dim=1)
        start = torch.zeros_like(real[:, :, :1])
        start[:, 0] = 1.0
        output, _ = self.cell(torch.cat([previous, start, step_noise], dim=2),
                              self._initial_state(window_noise))
        return self.out(output)

    def _split(self, latent: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        parts = latent.view(len(latent), self.length + 1, self.latent_dim)
        return parts[:, 0], parts[:, 1:]

    def _initial_state(self, window_noise: torch.Tensor) -> torch.Tensor:
        state = torch.tanh(self.initial(window_noise)).view(len(window_noise), LAYERS, self.hidden)
        return state.transpose(0, 1).contiguous()


class WindowDiscriminator(nn.Module):
    """(windows (n, length, channels), (known values, mask)) -> scores (n,)."""

    def __init__(self, length: int, channels: int, hidden: int):
        super().__init__()
        self.body = nn.Sequential(
            spectral_norm(nn.Conv1d(channels + 1, hidden, 5, 1, 2)), nn.LeakyReLU(SLOPE),
            spectral_norm(nn.Conv1d(hidden, hidden, 5, 2, 2)), nn.LeakyReLU(SLOPE),
            spectral_norm(nn.Conv1d(hidden, hidden, 5, 2, 2)), nn.LeakyReLU(SLOPE),
            nn.Flatten())
        reduced = (((length + 1) // 2) + 1) // 2
        self.score = nn.Sequential(spectral_norm(nn.Linear(hidden * reduced, hidden)), nn.LeakyReLU(SLOPE),
                                   spectral_norm(nn.Linear(hidden, 1)))

    def forward(self, windows: torch.Tensor, condition: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        mask = condition[1].to(windows.dtype)
        x = torch.cat([windows.transpose(1, 2), mask[:, None]], dim=1)
        return self.score(self.body(x))[:, 0]
