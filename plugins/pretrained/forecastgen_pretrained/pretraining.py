"""Pretraining ``patchcast`` on a corpus: random windows, quantile loss, resumable steps.

Each training item is one cut of one corpus series: the context is up to
``max_context`` points before the cut (sometimes fewer, so that short histories are
seen as often as they occur in use) and the target the ``horizon`` points after it,
masked where the series ends. Sources are drawn with fixed shares, series uniformly
within a source. A share of the items (``flip_share``, 0 by default) is negated, context
and target together: the network then learns falling series from rising ones (a
forecast-time average of a series and its negation helped the dev series and hurt M1
with weights trained without it; docs/models/patchcast.md). The batch of step ``s`` depends
only on (seed, s), so runs resume exactly (``forecastgen.engine.resumable``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import torch

from forecastgen.engine.resumable import ResumableTrainer, StepConfig, StepHistory
from forecastgen_pretrained.corpus import Corpus
from forecastgen_pretrained.network import PatchTransformer, pinball_loss, season_class
from forecastgen_pretrained.scaling import encode_batch

MIN_CONTEXT = 4
SHORT_CONTEXT_SHARE = 0.3  # items whose context is cut to a random shorter length
CONTEXT_LIMITS = (64, 128, 256, 512)  # each batch's longest context: one drawn per batch (cheaper)


@dataclass
class WindowSampler:
    corpus: Corpus
    source_shares: dict[str, float]
    patch_length: int
    max_context: int
    horizon: int
    batch_size: int = 128
    seed: int = 0
    context_limits: tuple[int, ...] = CONTEXT_LIMITS
    flip_share: float = 0.0

    def __post_init__(self):
        usable = [i for i, s in enumerate(self.corpus.series) if len(s) > MIN_CONTEXT]
        self.by_source = {source: [i for i in usable if self.corpus.sources[i] == source]
                          for source in self.source_shares}
        self.by_source = {k: v for k, v in self.by_source.items() if v}
        shares = np.array([self.source_shares[k] for k in self.by_source], dtype=float)
        self.sources, self.shares = list(self.by_source), shares / shares.sum()

    def batch(self, step: int) -> tuple[torch.Tensor, ...]:
        rng = np.random.default_rng([self.seed, step])
        picks = rng.choice(len(self.sources), size=self.batch_size, p=self.shares)
        limit = min(int(rng.choice(self.context_limits)), self.max_context)
        contexts, targets, seasons = [], [], []
        for source_index in picks:
            members = self.by_source[self.sources[source_index]]
            index = members[int(rng.integers(len(members)))]
            context, target = self._cut(self.corpus.series[index], limit, rng)
            contexts.append(context)
            targets.append(target)
            seasons.append(season_class(self.corpus.seasons[index]))
        if self.flip_share:
            contexts, targets = self._flipped(contexts, targets, step)
        return encode_batch(contexts, seasons, self.patch_length, self.max_context, targets, self.horizon)

    def _flipped(self, contexts: list, targets: list, step: int) -> tuple[list, list]:
        """A ``flip_share`` of the items negated, drawn from a generator of their own: the
        batch is otherwise the one drawn without flips."""
        flips = np.random.default_rng([self.seed, step, 1]).random(len(contexts)) < self.flip_share
        return ([-c if flip else c for c, flip in zip(contexts, flips)],
                [-t if flip else t for t, flip in zip(targets, flips)])

    def _cut(self, values: np.ndarray, limit: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        cut = int(rng.integers(MIN_CONTEXT, len(values)))
        start = max(0, cut - limit)
        if rng.random() < SHORT_CONTEXT_SHARE:
            start = int(rng.integers(start, cut - MIN_CONTEXT + 1))
        return values[start:cut], values[cut:cut + self.horizon]


class PrefetchedBatches:
    """``sampler.batch(step)`` made ahead by ``workers`` processes, in step order (a GPU
    outruns one process making batches). Same batches as calling the sampler directly."""

    def __init__(self, sampler: WindowSampler, workers: int, ahead: int = 4):
        self.sampler, self.workers, self.ahead = sampler, workers, ahead
        self.pool, self.pending, self.next_step = None, deque(), None

    def __call__(self, step: int) -> tuple:
        if self.workers <= 0:
            return self.sampler.batch(step)[:5]
        if self.next_step != step:  # first call, or a jump: start over from this step
            self.close()
            import multiprocessing

            self.pool = multiprocessing.get_context("fork").Pool(
                self.workers, initializer=_keep_sampler, initargs=(self.sampler,))  # forked, not pickled
            self.next_step = self.queued = step
        while len(self.pending) < self.workers * self.ahead:
            self.pending.append(self.pool.apply_async(_make_batch, (self.queued,)))
            self.queued += 1
        self.next_step = step + 1
        return self.pending.popleft().get()

    def close(self) -> None:
        if self.pool is not None:
            for pending in self.pending:  # a pool stopped with work queued can fail to stop
                pending.wait()
            self.pool.close()
            self.pool.join()
            self.pool, self.pending = None, deque()


_WORKER_SAMPLER: WindowSampler | None = None


def _keep_sampler(sampler: WindowSampler) -> None:
    global _WORKER_SAMPLER
    _WORKER_SAMPLER = sampler
    torch.set_num_threads(1)


def _make_batch(step: int) -> tuple:
    return _WORKER_SAMPLER.batch(step)[:5]


def training_loss(network: PatchTransformer, batch: tuple) -> torch.Tensor:
    scaled, observed, season, target, mask = batch
    return pinball_loss(network(scaled, observed, season), target, mask)


def pretrain(corpus: Corpus, folder, network: PatchTransformer, config: StepConfig,
             source_shares: dict[str, float], batch_size: int = 128,
             validate=None, stop_at: int | None = None, workers: int = 0,
             context_limits: tuple[int, ...] = CONTEXT_LIMITS, flip_share: float = 0.0,
             initial_weights: str | None = None) -> StepHistory:
    """Train ``network`` on ``corpus`` for ``config.steps`` steps, checkpointing in ``folder``
    (resumed from there when it holds an earlier part of the same run: same config, batches
    and ``initial_weights``, the SHA-256 of the weights ``network`` starts from when not
    random); ``workers`` processes make the batches ahead of the training step; each
    batch's longest context is drawn from ``context_limits``, and ``flip_share`` of the
    items are negated."""
    sampler = WindowSampler(corpus, source_shares, network.patch_length, network.max_context,
                            network.horizon, batch_size, config.seed, tuple(context_limits), flip_share)
    settings = {"batch_size": batch_size, "source_shares": source_shares, "context_limits": context_limits,
                "flip_share": flip_share, "initial_weights": initial_weights, "network": network.config()}
    batches = PrefetchedBatches(sampler, workers)
    try:
        trainer = ResumableTrainer(config, folder, settings)
        return trainer.run(network, training_loss, batches, validate, stop_at)
    finally:
        batches.close()
