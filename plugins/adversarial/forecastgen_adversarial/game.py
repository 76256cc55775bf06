"""What the image and window GANs share: the two players and the generator's moving average,
in one module the engine's ``AdversarialTrainer`` trains (its docstring has the contract)."""

from __future__ import annotations

import copy

import torch
from torch import nn


class Game(nn.Module):
    """Subclasses give ``condition``, ``real``, ``noise`` and, optionally, ``auxiliary_loss``;
    a generator maps (noise, condition) to items, a discriminator (items, condition) to one
    score per item."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, latent_size: int):
        super().__init__()
        self.generator, self.discriminator, self.latent_size = generator, discriminator, latent_size
        self.average = copy.deepcopy(generator).requires_grad_(False)

    def noise(self, count: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Latent vectors (count, latent_size) from N(0, I)."""
        device = next(self.parameters()).device
        return torch.randn(count, self.latent_size, generator=generator, device=device)

    def fake(self, condition) -> torch.Tensor:
        """Items from the training generator (not the average), one per conditioned item."""
        return self.generator(self.noise(count(condition)), condition)

    def auxiliary_loss(self, batch: tuple) -> torch.Tensor | None:
        return None


def count(condition) -> int:
    return len(condition[0] if isinstance(condition, tuple) else condition)


def projected_score(features: torch.Tensor, labels: torch.Tensor, score: nn.Module,
                    embed: nn.Module | None) -> torch.Tensor:
    """A discriminator's score from its last features: psi(phi(x)), plus <embed(y), phi(x)>
    where there are classes (Miyato & Koyama 2018, "cGANs with Projection Discriminator")."""
    scores = score(features)[:, 0]
    if embed is not None:
        scores = scores + (embed(labels) * features).sum(dim=1)
    return scores
