"""The training loop every neural model shares.

Minibatches of windows, a validation set for early stopping (the model's best
weights are restored at the end), gradient clipping, a cosine learning-rate
schedule, mixed precision on GPUs, distributed data parallel under torchrun and a
progress bar on stderr. The model gives a module and a loss function; the trainer
owns the device.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler, Subset, TensorDataset

from forecastgen.engine.device import resolve_device
from forecastgen.engine.distributed import Distributed, from_environment
from forecastgen.engine.precision import Precision
from forecastgen.engine.seeding import generator, seed_everything
from forecastgen.errors import InputError
from forecastgen.progress import track


@dataclass
class TrainingConfig:
    max_epochs: int = 50
    batch_size: int = 64
    batches_per_epoch: int | None = 50  # per rank; None: one shuffled pass over the windows
    learning_rate: float = 1e-3
    weight_decay: float = 1e-6
    patience: int = 8
    clip_norm: float = 10.0
    device: str = "auto"
    precision: str = "auto"
    seed: int = 0

    @classmethod
    def from_params(cls, params: dict) -> TrainingConfig:
        """The settings found among a model's parameters (``max_epochs``, ``batch_size``...);
        the rest keep their defaults."""
        return cls(**{f.name: params[f.name] for f in fields(cls) if f.name in params})


def held_out_split(arrays, seed: int, share: int = 10) -> tuple[Dataset, Dataset]:
    """Items (rows of each array) for training and a random ``1 / share`` held out for early
    stopping (at least one), the same split for a seed."""
    count = len(arrays[0])
    order = np.random.default_rng(seed).permutation(count)
    held = max(1, count // share)
    return tuple(TensorDataset(*(torch.as_tensor(array[part]) for array in arrays))
                 for part in (order[held:], order[:held]))


@dataclass
class RunRecord:
    """What every training run records besides its losses (saved in checkpoints)."""

    seconds: float = 0.0
    device: str = "cpu"
    precision: str = "fp32"
    world_size: int = 1

    def to_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class TrainingHistory(RunRecord):
    train_loss: list[float] = field(default_factory=list)
    validation_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False

    def summary(self) -> str:
        return (f"trained {len(self.train_loss)} epochs on {self.device} ({self.precision}, "
                f"{self.world_size} process(es)) in {self.seconds:.1f} s; best validation loss "
                f"{min(self.validation_loss):.4f} at epoch {self.best_epoch + 1}")


LossFunction = Callable[[torch.nn.Module, tuple], torch.Tensor]


class Trainer:
    def __init__(self, config: TrainingConfig):
        self.config = config
        self.device = resolve_device(config.device)
        self.precision = Precision.resolve(config.precision, self.device)
        self.distributed: Distributed = from_environment(self.device)

    def fit(self, module: torch.nn.Module, loss_fn: LossFunction, train: Dataset,
            validation: Dataset | None = None) -> TrainingHistory:
        config = self.config
        if len(train) == 0:
            raise InputError("no training windows: the series are too short for this model's "
                             "context and prediction lengths")
        seed_everything(config.seed)
        module.to(self.device)
        wrapped = self.distributed.wrap(module, self.device)
        optimizer = torch.optim.AdamW(wrapped.parameters(), lr=config.learning_rate,
                                      weight_decay=config.weight_decay)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.max_epochs)
        scaler = self.precision.grad_scaler()
        history = TrainingHistory(device=str(self.device), precision=self.precision.name,
                                  world_size=self.distributed.world_size)
        best, best_loss, waited, start = None, math.inf, 0, time.perf_counter()
        epochs = range(config.max_epochs)
        if self.distributed.is_main:
            epochs = track(epochs, config.max_epochs, "training", may_stop_early=validation is not None)
        for epoch in epochs:
            wrapped.train()
            loader = self._training_loader(train, epoch)
            train_loss = self._train_epoch(wrapped, loss_fn, loader, optimizer, scaler)
            schedule.step()
            loss = self._evaluate(wrapped, loss_fn, validation) if validation is not None else train_loss
            history.train_loss.append(train_loss)
            history.validation_loss.append(loss)
            if loss < best_loss - 1e-6:
                best, best_loss, waited = copy.deepcopy(module.state_dict()), loss, 0
                history.best_epoch = epoch
            else:
                waited += 1
                if waited >= config.patience:
                    history.stopped_early = True
                    break
        if best is not None:
            module.load_state_dict(best)
        module.eval()
        history.seconds = time.perf_counter() - start
        return history

    def _training_loader(self, dataset: Dataset, epoch: int) -> DataLoader:
        """This epoch's batches: ``batches_per_epoch`` batches per rank drawn with replacement
        (the same draw on every rank, each taking its share), or one shuffled pass."""
        config, distributed = self.config, self.distributed
        if config.batches_per_epoch:
            draws = config.batches_per_epoch * config.batch_size * distributed.world_size
            rng = generator(config.seed * 100_003 + epoch)
            indices = torch.randint(len(dataset), (draws,), generator=rng)
            share = indices[distributed.rank::distributed.world_size].tolist()
            return DataLoader(Subset(dataset, share), batch_size=config.batch_size)
        if distributed.enabled:
            sampler = distributed.sampler(dataset, shuffle=True, seed=config.seed)
            sampler.set_epoch(epoch)
        else:
            sampler = RandomSampler(dataset, generator=generator(config.seed + epoch))
        return DataLoader(dataset, batch_size=config.batch_size, sampler=sampler)

    def _validation_loader(self, dataset: Dataset) -> DataLoader:
        sampler = (self.distributed.sampler(dataset, shuffle=False, seed=0)
                   if self.distributed.enabled else None)
        return DataLoader(dataset, batch_size=self.config.batch_size, sampler=sampler)

    def _train_epoch(self, module, loss_fn, loader, optimizer, scaler) -> float:
        total, count = 0.0, 0
        for batch in loader:
            batch = tuple(part.to(self.device) for part in batch)
            with self.precision.autocast():
                loss = loss_fn(module, batch)
            self._step(loss, module, optimizer, scaler)
            total += float(loss.detach()) * len(batch[0])
            count += len(batch[0])
        return self.distributed.mean(total / max(count, 1))

    def _step(self, loss: torch.Tensor, module: torch.nn.Module, optimizer, scaler) -> None:
        """Backward (scaled for fp16), clip the gradient norm, step the optimizer."""
        if not torch.isfinite(loss):
            raise FloatingPointError("the training loss is not finite; lower the learning rate")
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
        else:
            loss.backward()
        torch.nn.utils.clip_grad_norm_(module.parameters(), self.config.clip_norm)
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()

    @torch.no_grad()
    def _evaluate(self, module, loss_fn, dataset: Dataset) -> float:
        module.eval()
        total, count = 0.0, 0
        for batch in self._validation_loader(dataset):
            batch = tuple(part.to(self.device) for part in batch)
            with self.precision.autocast():
                loss = loss_fn(module, batch)
            total += float(loss) * len(batch[0])
            count += len(batch[0])
        return self.distributed.mean(total / max(count, 1))
