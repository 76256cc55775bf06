"""``ResumableTrainer``: long step-based training (pretraining) that survives being stopped.

Where ``Trainer`` fits a model on one data set in minutes, this loop runs a fixed
number of optimizer steps over batches that a function makes from the step number,
and every ``checkpoint_every`` steps writes the weights, the optimizer's moments and
the losses to a folder (safetensors and JSON, atomically). Started again on the same
folder it goes on from the last checkpoint. Batches depend only on (seed, step) and
the learning rate only on the step, so a run stopped and resumed gives the weights of
a run that never stopped; on the CPU the same seed, data and thread count give the
same weights.

Schedule: linear warm-up over ``warmup_steps``, then a cosine decay to
``final_learning_rate_share`` of the peak. AdamW, gradient clipping. Progress goes to
stderr as a line every ``report_every`` steps (the loss, the step rate and an ETA), on a
terminal and in the background alike, so a run in the background can be followed.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from forecastgen.engine.device import resolve_device
from forecastgen.engine.seeding import seed_everything
from forecastgen.errors import InputError

STATE = "training.safetensors"
PROGRESS = "training.json"


@dataclass
class StepConfig:
    steps: int = 10_000
    learning_rate: float = 1e-3
    final_learning_rate_share: float = 0.1
    warmup_steps: int = 200
    weight_decay: float = 0.01
    clip_norm: float = 1.0
    checkpoint_every: int = 200
    report_every: int = 50
    device: str = "cpu"
    seed: int = 0

    def learning_rate_at(self, step: int) -> float:
        if step < self.warmup_steps:
            return self.learning_rate * (step + 1) / self.warmup_steps
        progress = (step - self.warmup_steps) / max(1, self.steps - self.warmup_steps)
        floor = self.final_learning_rate_share
        return self.learning_rate * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


@dataclass
class StepHistory:
    step: int = 0
    seconds: float = 0.0
    losses: list[float] = field(default_factory=list)  # mean training loss of each report interval
    validation: list[float] = field(default_factory=list)  # at each checkpoint, when given


BatchFunction = Callable[[int], tuple]
LossFunction = Callable[[torch.nn.Module, tuple], torch.Tensor]


class ResumableTrainer:
    """``settings``: what else decides the run (the batches' making, the starting weights),
    kept beside the config; a folder holding a run with other settings or config is refused."""

    def __init__(self, config: StepConfig, folder: str | Path, settings: dict | None = None):
        self.config = config
        self.folder = Path(folder)
        self.settings = json.loads(json.dumps(settings or {}))  # as it reads back from the JSON
        self.device = resolve_device(config.device)

    def run(self, module: torch.nn.Module, loss_fn: LossFunction, batch_fn: BatchFunction,
            validate: Callable[[torch.nn.Module], float] | None = None,
            stop_at: int | None = None) -> StepHistory:
        """Train from the folder's last checkpoint to ``config.steps`` (or only to ``stop_at``,
        a checkpoint from which a later call goes on)."""
        config = self.config
        self.folder.mkdir(parents=True, exist_ok=True)
        seed_everything(config.seed)
        module.to(self.device)
        optimizer = torch.optim.AdamW(module.parameters(), lr=config.learning_rate,
                                      weight_decay=config.weight_decay,
                                      fused=self.device.type == "cuda" or None)
        history = self._resume(module, optimizer)
        start_step, started, window = history.step, time.perf_counter(), []
        previous_seconds = history.seconds
        last = config.steps if stop_at is None else min(stop_at, config.steps)
        for step in range(start_step, last):
            for group in optimizer.param_groups:
                group["lr"] = config.learning_rate_at(step)
            module.train()
            batch = tuple(part.to(self.device) for part in batch_fn(step))
            loss = loss_fn(module, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), config.clip_norm)
            optimizer.step()
            window.append(loss.detach())  # read at each report: no wait for the GPU every step
            done = step + 1
            if done % config.report_every == 0 or done == config.steps:
                history.losses.append(_mean_finite(window, done))
                window = []
                self._report(done, start_step, started, history.losses[-1])
            if done % config.checkpoint_every == 0 or done == last:
                if window:
                    _mean_finite(window, done)
                if validate is not None:
                    module.eval()
                    history.validation.append(float(validate(module)))
                history.step = done
                history.seconds = previous_seconds + time.perf_counter() - started
                self._save(module, optimizer, history)
        module.eval()
        return history

    # -- checkpoints ------------------------------------------------------------------------
    def _save(self, module, optimizer, history: StepHistory) -> None:
        from safetensors.torch import save_file

        tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
        moments = optimizer.state_dict()["state"]
        for index, state in moments.items():
            for name, value in state.items():
                tensors[f"optimizer.{index}.{name}"] = torch.as_tensor(value).detach().cpu().contiguous()
        progress = {"config": asdict(self.config), "settings": self.settings, "history": asdict(history)}
        for name, write in ((STATE, lambda p: save_file(tensors, p)),
                            (PROGRESS, lambda p: Path(p).write_text(json.dumps(progress, indent=1)))):
            partial = self.folder / f".{name}.partial"
            write(str(partial))
            os.replace(partial, self.folder / name)

    def _resume(self, module, optimizer) -> StepHistory:
        state, progress = self.folder / STATE, self.folder / PROGRESS
        if not (state.exists() and progress.exists()):
            return StepHistory()
        from safetensors.torch import load_file

        saved = json.loads(progress.read_text())
        changed = [k for k, v in saved["config"].items()
                   if k not in ("steps", "checkpoint_every", "report_every", "device")
                   and asdict(self.config).get(k) != v]
        if "settings" in saved:  # folders written before settings were kept hold none
            changed += [k for k in sorted(saved["settings"].keys() | self.settings.keys())
                        if saved["settings"].get(k) != self.settings.get(k)]
        if changed:
            raise InputError(f"{self.folder}: holds a run with other settings ({', '.join(changed)}); "
                             "use another folder or the same settings")
        tensors = load_file(state)
        module.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
        moments: dict[int, dict] = {}
        for key, value in tensors.items():
            if key.startswith("optimizer."):
                _, index, name = key.split(".", 2)
                moments.setdefault(int(index), {})[name] = value.to(self.device)
        optimizer_state = optimizer.state_dict()
        optimizer_state["state"] = moments
        optimizer.load_state_dict(optimizer_state)
        history = StepHistory(**saved["history"])
        print(f"resuming from step {history.step} of {self.config.steps} ({self.folder})", file=sys.stderr)
        return history

    def _report(self, done: int, start_step: int, started: float, loss: float) -> None:
        elapsed = time.perf_counter() - started
        rate = (done - start_step) / max(elapsed, 1e-9)
        left = (self.config.steps - done) / max(rate, 1e-9)
        print(f"step {done}/{self.config.steps}  loss {loss:.4f}  {rate:.2f} steps/s  "
              f"elapsed {elapsed / 60:.1f} min  left ~{left / 60:.1f} min", file=sys.stderr, flush=True)


def _mean_finite(losses: list[torch.Tensor], step: int) -> float:
    values = torch.stack(losses).double().cpu()
    if not torch.isfinite(values).all():
        raise FloatingPointError(f"the training loss is not finite before step {step}; "
                                 "lower the learning rate")
    return float(values.mean())
