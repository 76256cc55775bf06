"""The alternating training loop of generative adversarial networks.

Goodfellow et al. (2014), "Generative Adversarial Nets", NeurIPS: a generator G turns
noise into data, a discriminator D scores data as real or generated, and the two take
turns on every minibatch: D steps with G frozen, then G steps with D frozen (frozen
means its parameters take no gradient and its optimizer does not run).

Stability, on by default (the model chooses the settings):
- losses that do not saturate: ``hinge`` (Lim & Ye 2017; Miyato et al. 2018) or
  ``non-saturating`` (Goodfellow et al.'s -log D(G(z)) for the generator);
- separate learning rates and Adam betas (0.5, 0.999) for the two players (Heusel et
  al. 2017's two time-scale rule);
- an optional R1 penalty, r1_weight / 2 * |grad_x D(x)|^2 on real data (Mescheder,
  Geiger & Nowozin 2018);
- an exponential moving average of the generator's weights, the one that samples
  (Yazici et al. 2019; Karras et al. 2018).
Spectral normalization belongs in the discriminator's layers (the game builds them).

Each epoch logs both players' losses, the discriminator's accuracy (real scored above
zero, generated below) and the diversity of the generated items (their mean pairwise
distance over that of real items, on a fixed probe: about 1 is healthy), and warns
(``TrainingWarning``) on mode collapse (diversity below ``COLLAPSED_DIVERSITY``) and on
a player running away (the discriminator's accuracy above ``RUNAWAY_ACCURACY`` or below
1 - ``RUNAWAY_ACCURACY`` for ``RUNAWAY_EPOCHS`` epochs in a row).

A *game* is the module that holds both players and knows the data: ``generator``,
``discriminator`` (called as ``discriminator(items, condition)``, one score per item)
and ``average`` (the moving-average copy of the generator) as submodules, and
``condition(batch)`` (what one step conditions on, drawn once per step: class labels,
known window steps, or None), ``real(batch)`` (the batch's items as the discriminator
sees them), ``fake(condition)`` (items from the training generator) and
``auxiliary_loss(batch)`` (an extra generator loss, or None). GANs train in one
process (no torchrun).
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.functional import relu, softplus
from torch.utils.data import Dataset

from forecastgen.engine.seeding import seed_everything
from forecastgen.engine.trainer import RunRecord, Trainer, TrainingConfig
from forecastgen.errors import InputError
from forecastgen.progress import track

LOSSES = ("hinge", "non-saturating")
COLLAPSED_DIVERSITY = 0.1
RUNAWAY_ACCURACY = 0.98
RUNAWAY_EPOCHS = 3
PROBE_ITEMS = 64
log = logging.getLogger("forecastgen.training")


class TrainingWarning(UserWarning):
    """Training went somewhere it should not (a collapsed or runaway GAN)."""


@dataclass
class AdversarialConfig(TrainingConfig):
    generator_lr: float = 2e-4
    discriminator_lr: float = 2e-4
    discriminator_steps: int = 1
    loss: str = "hinge"
    r1_weight: float = 0.0
    ema_decay: float = 0.999


@dataclass
class AdversarialHistory(RunRecord):
    generator_loss: list[float] = field(default_factory=list)
    discriminator_loss: list[float] = field(default_factory=list)
    discriminator_accuracy: list[float] = field(default_factory=list)
    diversity: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"trained {len(self.generator_loss)} epochs on {self.device} ({self.precision}) in "
                f"{self.seconds:.1f} s; last epoch: generator loss {self.generator_loss[-1]:.4f}, "
                f"discriminator loss {self.discriminator_loss[-1]:.4f}, discriminator accuracy "
                f"{self.discriminator_accuracy[-1]:.3f}, diversity {self.diversity[-1]:.3f}")


class AdversarialTrainer(Trainer):
    """Trains a game (see the module docstring) for ``max_epochs`` epochs; GAN losses say
    little about sample quality, so there is no early stopping."""

    config: AdversarialConfig

    def __init__(self, config: AdversarialConfig):
        if config.loss not in LOSSES:
            raise InputError(f"loss must be one of {', '.join(LOSSES)}, not {config.loss!r}")
        super().__init__(config)
        if self.distributed.enabled:
            raise InputError("GANs train in one process: launch without torchrun (the two players' "
                             "alternating steps are not wired to DistributedDataParallel)")

    def fit(self, game: nn.Module, train: Dataset) -> AdversarialHistory:
        config = self.config
        if len(train) == 0:
            raise InputError("no training items")
        seed_everything(config.seed)
        self.start(game)
        history = AdversarialHistory(device=str(self.device), precision=self.precision.name,
                                     world_size=self.distributed.world_size)
        probe = tuple(part.to(self.device) for part in _probe(train))
        real_spread = mean_pairwise_distance(game.real(probe)).clamp_min(1e-12)
        start = time.perf_counter()
        for epoch in track(range(config.max_epochs), config.max_epochs, "training"):
            game.train()
            sums = [0.0, 0.0, 0.0, 0]
            for batch in self._training_loader(train, epoch):
                batch = tuple(part.to(self.device) for part in batch)
                for _ in range(config.discriminator_steps):
                    discriminator_loss, accuracy = self.discriminator_step(batch)
                generator_loss = self.generator_step(batch)
                self.update_average()
                size = len(batch[0])
                sums = [sums[0] + generator_loss * size, sums[1] + discriminator_loss * size,
                        sums[2] + accuracy * size, sums[3] + size]
            count = max(sums[3], 1)
            history.generator_loss.append(sums[0] / count)
            history.discriminator_loss.append(sums[1] / count)
            history.discriminator_accuracy.append(sums[2] / count)
            history.diversity.append(self.diversity(probe, real_spread))
            self._report(history, epoch)
        game.eval()
        history.seconds = time.perf_counter() - start
        return history

    def start(self, game: nn.Module) -> None:
        """Put the game on the device, give each player its optimizer, the average the
        generator's weights."""
        config = self.config
        self.game = game.to(self.device)
        self.generator_optimizer = _adam(game.generator, config.generator_lr, config.weight_decay)
        self.discriminator_optimizer = _adam(game.discriminator, config.discriminator_lr,
                                             config.weight_decay)
        self.scalers = (self.precision.grad_scaler(), self.precision.grad_scaler())
        game.average.load_state_dict(game.generator.state_dict())
        self.steps = 0

    # -- the two players' steps ------------------------------------------------------------
    def discriminator_step(self, batch: tuple) -> tuple[float, float]:
        """One step of the discriminator, the generator frozen; returns (loss, accuracy)."""
        game, config = self.game, self.config
        _freeze(game.generator, game.discriminator)
        condition = game.condition(batch)
        real = game.real(batch)
        with torch.no_grad(), self.precision.autocast():
            fake = game.fake(condition)
        if config.r1_weight > 0:
            real = real.detach().requires_grad_(True)
        with self.precision.autocast():
            scores = game.discriminator(torch.cat([real, fake.to(real.dtype)]), twice(condition)).float()
        real_scores, fake_scores = scores.chunk(2)
        loss = discriminator_loss(real_scores, fake_scores, config.loss)
        if config.r1_weight > 0:
            loss = loss + config.r1_weight / 2 * r1_penalty(real_scores, real)
        self._step(loss, game.discriminator, self.discriminator_optimizer, self.scalers[1])
        accuracy = 0.5 * ((real_scores > 0).float().mean() + (fake_scores < 0).float().mean())
        return float(loss.detach()), float(accuracy)

    def generator_step(self, batch: tuple) -> float:
        """One step of the generator, the discriminator frozen; returns its loss."""
        game, config = self.game, self.config
        _freeze(game.discriminator, game.generator)
        condition = game.condition(batch)
        with self.precision.autocast():
            scores = game.discriminator(game.fake(condition), condition).float()
            loss = generator_loss(scores, config.loss)
            auxiliary = game.auxiliary_loss(batch)
            if auxiliary is not None:
                loss = loss + auxiliary.float()
        self._step(loss, game.generator, self.generator_optimizer, self.scalers[0])
        return float(loss.detach())

    @torch.no_grad()
    def update_average(self) -> None:
        """average <- decay * average + (1 - decay) * generator, the decay warming up as
        (1 + steps) / (10 + steps) until it reaches ``ema_decay`` (so short trainings average
        recent weights, not the initial ones); buffers are copied."""
        self.steps += 1
        decay = min(self.config.ema_decay, (1 + self.steps) / (10 + self.steps))
        generator, average = self.game.generator, self.game.average
        for kept, current in zip(average.parameters(), generator.parameters(), strict=True):
            kept.lerp_(current, 1.0 - decay)
        for kept, current in zip(average.buffers(), generator.buffers(), strict=True):
            kept.copy_(current)

    # -- watching the game -----------------------------------------------------------------
    @torch.no_grad()
    def diversity(self, probe: tuple, real_spread: torch.Tensor) -> float:
        """Mean pairwise distance of items generated for the probe batch over ``real_spread``,
        that of its real items."""
        return float(mean_pairwise_distance(self.game.fake(self.game.condition(probe))) / real_spread)

    def _report(self, history: AdversarialHistory, epoch: int) -> None:
        log.info("epoch %d: generator loss %.4f, discriminator loss %.4f, discriminator accuracy "
                 "%.3f, diversity %.3f", epoch + 1, history.generator_loss[-1],
                 history.discriminator_loss[-1], history.discriminator_accuracy[-1],
                 history.diversity[-1])
        for message in _problems(history, epoch):
            if message not in history.warnings:
                history.warnings.append(message)
                warnings.warn(message, TrainingWarning, stacklevel=2)


def _problems(history: AdversarialHistory, epoch: int) -> list[str]:
    problems = []
    if history.diversity[-1] < COLLAPSED_DIVERSITY:
        problems.append(
            f"mode collapse: at epoch {epoch + 1} the generated items vary {history.diversity[-1]:.3f} "
            "times as much as real ones (the generator has settled on a few outputs); try "
            "r1_weight=10, a lower generator_lr or more discriminator_steps, and check the samples")
    recent = history.discriminator_accuracy[-RUNAWAY_EPOCHS:]
    if len(recent) == RUNAWAY_EPOCHS and min(recent) > RUNAWAY_ACCURACY:
        problems.append(
            f"the discriminator has run away: it told real from generated items with accuracy above "
            f"{RUNAWAY_ACCURACY} for {RUNAWAY_EPOCHS} epochs (to epoch {epoch + 1}), so the generator "
            "learns little; lower discriminator_lr or raise r1_weight")
    if len(recent) == RUNAWAY_EPOCHS and max(recent) < 1 - RUNAWAY_ACCURACY:
        problems.append(
            f"the generator has run away: the discriminator scored generated items as real and real "
            f"ones as generated for {RUNAWAY_EPOCHS} epochs (to epoch {epoch + 1}); raise "
            "discriminator_lr or discriminator_steps")
    return problems


def discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor, loss: str) -> torch.Tensor:
    if loss == "hinge":
        return relu(1.0 - real_scores).mean() + relu(1.0 + fake_scores).mean()
    return softplus(-real_scores).mean() + softplus(fake_scores).mean()


def generator_loss(fake_scores: torch.Tensor, loss: str) -> torch.Tensor:
    if loss == "hinge":
        return -fake_scores.mean()
    return softplus(-fake_scores).mean()


def r1_penalty(real_scores: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean over items of |grad_x D(x)|^2 at real items."""
    (gradient,) = torch.autograd.grad(real_scores.sum(), real, create_graph=True)
    return gradient.square().flatten(1).sum(1).mean()


def mean_pairwise_distance(items: torch.Tensor) -> torch.Tensor:
    flat = items.float().flatten(1)
    count = len(flat)
    if count < 2:
        return torch.zeros((), device=items.device)
    return torch.cdist(flat, flat).sum() / (count * (count - 1))


def twice(condition):
    """The condition of a batch of real items followed by as many generated ones."""
    if condition is None:
        return None
    if isinstance(condition, tuple):
        return tuple(twice(part) for part in condition)
    return torch.cat([condition, condition])


def _freeze(frozen: nn.Module, trained: nn.Module) -> None:
    frozen.requires_grad_(False)
    trained.requires_grad_(True)


def _adam(player: nn.Module, learning_rate: float, weight_decay: float) -> torch.optim.Optimizer:
    return torch.optim.Adam(player.parameters(), lr=learning_rate, betas=(0.5, 0.999),
                            weight_decay=weight_decay)


def _probe(train: Dataset) -> tuple:
    """The first items of the training set, for the diversity measure."""
    count = min(PROBE_ITEMS, len(train))
    rows = [train[i] for i in range(count)]
    return tuple(torch.stack(parts) for parts in zip(*rows, strict=True))


