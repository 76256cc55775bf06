"""Fine-tuning ``patchcast`` on the user's own series (``fit`` with ``fine_tune_steps``).

The pretrained network keeps training, at a small learning rate, on random cuts of the
given series without their last ``horizon`` points; those last windows are held out
and the engine's trainer keeps the weights of the epoch that forecast them best
(early stopping).
"""

from __future__ import annotations

from torch.utils.data import TensorDataset

from forecastgen.data import SeriesSet
from forecastgen.engine.trainer import Trainer, TrainingConfig, TrainingHistory
from forecastgen_pretrained.corpus import Corpus
from forecastgen_pretrained.network import PatchTransformer, season_class
from forecastgen_pretrained.pretraining import WindowSampler, training_loss
from forecastgen_pretrained.scaling import encode_batch

STEPS_PER_EPOCH = 10


def fine_tune(network: PatchTransformer, data: SeriesSet, steps: int, learning_rate: float,
              batch_size: int, device, seed: int) -> TrainingHistory:
    horizon = min(data.freq.default_horizon, data.shortest() // 3)
    histories = [data.values(key) for key in data.ids]
    trainable = [h[:-horizon] for h in histories if len(h) - horizon > 4] or histories
    corpus = Corpus()
    corpus.add(trainable, [data.freq.season] * len(trainable), "real")
    sampler = WindowSampler(corpus, {"real": 1.0}, network.patch_length, network.max_context,
                            network.horizon, batch_size * STEPS_PER_EPOCH, seed,
                            context_limits=(network.max_context,))
    epochs = max(1, -(-steps // STEPS_PER_EPOCH))
    train = sampler.batch(0)[:5]
    held = encode_batch([h[:-horizon] for h in histories], [season_class(data.freq.season)] * len(data),
                        network.patch_length, network.max_context,
                        [h[-horizon:] for h in histories], network.horizon)[:5]
    config = TrainingConfig(max_epochs=epochs, batch_size=batch_size, batches_per_epoch=STEPS_PER_EPOCH,
                            learning_rate=learning_rate, patience=max(3, epochs // 4), clip_norm=1.0,
                            device=str(device), seed=seed)
    return Trainer(config).fit(network, training_loss, TensorDataset(*train), TensorDataset(*held))
