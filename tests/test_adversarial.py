"""The engine's alternating GAN trainer on a toy game of 2-D points."""

import copy
import logging

import pytest
import torch
from torch import nn

from forecastgen.engine.adversarial import (
    AdversarialConfig,
    AdversarialTrainer,
    TrainingWarning,
    discriminator_loss,
    generator_loss,
    r1_penalty,
)
from forecastgen.errors import InputError


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))

    def forward(self, points, condition):
        return self.net(points)[:, 0]


class Constant(nn.Module):
    """A generator that ignores its noise: collapsed by construction."""

    def __init__(self):
        super().__init__()
        self.point = nn.Parameter(torch.zeros(2))

    def forward(self, noise):
        return self.point.expand(len(noise), 2)


class PointGame(nn.Module):
    def __init__(self, generator: nn.Module):
        super().__init__()
        self.generator, self.discriminator = generator, Critic()
        self.average = copy.deepcopy(generator).requires_grad_(False)

    def condition(self, batch):
        return batch[0]

    def real(self, batch):
        return batch[0]

    def fake(self, condition):
        return self.generator(torch.randn(len(condition), 2))

    def auxiliary_loss(self, batch):
        return None


def points(count=512, centre=3.0):
    generator = torch.Generator().manual_seed(0)
    return torch.utils.data.TensorDataset(centre + torch.randn(count, 2, generator=generator))


def trainer(**settings):
    settings = {"max_epochs": 2, "batch_size": 32, "batches_per_epoch": 5, "device": "cpu",
                "generator_lr": 1e-2, "discriminator_lr": 1e-2, **settings}
    return AdversarialTrainer(AdversarialConfig(**settings))


def parameters(module):
    return [p.detach().clone() for p in module.parameters()]


def same(before, module):
    return all(torch.equal(a, b) for a, b in zip(before, module.parameters(), strict=True))


def test_each_step_trains_one_player_and_freezes_the_other():
    game, training = PointGame(nn.Linear(2, 2)), trainer()
    training.start(game)
    batch = (points()[:32][0],)
    generator, discriminator = parameters(game.generator), parameters(game.discriminator)
    training.discriminator_step(batch)
    assert same(generator, game.generator), "the generator changed during the discriminator's step"
    assert all(p.grad is None for p in game.generator.parameters())
    assert not same(discriminator, game.discriminator)
    discriminator = parameters(game.discriminator)
    generator = parameters(game.generator)
    training.generator_step(batch)
    assert same(discriminator, game.discriminator), "the discriminator changed during the generator's step"
    assert not same(generator, game.generator)


def test_the_average_moves_towards_the_generator_with_a_warming_decay():
    game, training = PointGame(nn.Linear(2, 2)), trainer(ema_decay=0.999)
    training.start(game)
    old = parameters(game.average)
    with torch.no_grad():
        for p in game.generator.parameters():
            p.add_(1.0)
    new = parameters(game.generator)
    training.update_average()
    decay = 2 / 11  # (1 + steps) / (10 + steps) after one step, below 0.999
    for kept, before, after in zip(game.average.parameters(), old, new, strict=True):
        torch.testing.assert_close(kept, decay * before + (1 - decay) * after)


def test_fit_logs_both_losses_accuracy_and_diversity_per_epoch(caplog):
    game = PointGame(nn.Linear(2, 2))
    with caplog.at_level(logging.INFO, logger="forecastgen.training"):
        history = trainer(max_epochs=3).fit(game, points())
    assert len(history.generator_loss) == len(history.discriminator_loss) == 3
    assert len(history.diversity) == len(history.discriminator_accuracy) == 3
    assert all(0.0 <= a <= 1.0 for a in history.discriminator_accuracy)
    assert 0.2 < history.diversity[-1] < 5.0  # a linear map of Gaussian noise varies
    assert sum("discriminator accuracy" in record.message for record in caplog.records) == 3
    raw = [p for p in game.generator.parameters()]
    assert not all(torch.equal(a, b) for a, b in zip(game.average.parameters(), raw, strict=True))


def test_a_collapsed_generator_is_reported():
    with pytest.warns(TrainingWarning, match="mode collapse"):
        history = trainer().fit(PointGame(Constant()), points())
    assert history.diversity[-1] == pytest.approx(0.0)
    assert any("mode collapse" in text for text in history.warnings)


def test_a_runaway_discriminator_is_reported():
    frozen_far_away = trainer(max_epochs=6, generator_lr=0.0)
    with pytest.warns(TrainingWarning, match="discriminator has run away"):
        frozen_far_away.fit(PointGame(nn.Linear(2, 2)), points(centre=8.0))


def test_losses_match_their_definitions():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-3.0, 0.0])
    assert float(discriminator_loss(real, fake, "hinge")) == pytest.approx((0 + 0.5) / 2 + (0 + 1) / 2)
    assert float(generator_loss(fake, "hinge")) == pytest.approx(1.5)
    softplus = torch.nn.functional.softplus
    expected = softplus(-real).mean() + softplus(fake).mean()
    assert float(discriminator_loss(real, fake, "non-saturating")) == pytest.approx(float(expected))
    assert float(generator_loss(fake, "non-saturating")) == pytest.approx(float(softplus(-fake).mean()))


def test_r1_penalty_is_the_squared_gradient_norm():
    weights = torch.tensor([3.0, -4.0])
    real = torch.randn(5, 2, requires_grad=True)
    assert float(r1_penalty(real @ weights, real)) == pytest.approx(25.0)
    history = trainer(r1_weight=10.0).fit(PointGame(nn.Linear(2, 2)), points())
    assert all(torch.isfinite(torch.tensor(history.discriminator_loss)))


def test_unknown_loss_is_refused():
    with pytest.raises(InputError, match="hinge, non-saturating"):
        trainer(loss="wasserstein")
