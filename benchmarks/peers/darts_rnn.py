"""Side by side: our ``rnn`` against Darts' RNNModel (LSTM, DeepAR-style) on our protocol.

Same series, same split (the last h points are the test window), same metrics
(benchmarks.common), 200 sample paths each, seed 0, one CPU thread
per process. Darts gets the setup its documentation recommends for a probabilistic
RNN: the series scaled to [0, 1] by its Scaler, an LSTM of our size (2 layers of
32), a Gaussian likelihood, input length = our context length, training length =
context + horizon, and as many gradient steps as our rnn's ceiling (30 epochs of 30
batches of 64), spread over its own epochs.

Darts is an optional dependency, never in CI:

    python3 -m venv .venv-peers && . .venv-peers/bin/activate
    pip install torch==2.13.0 && pip install "u8darts[torch]"
    pip install -e . -e plugins/classical -e plugins/autoregressive
    python -m benchmarks.peers.darts_rnn --every 3 --jobs 2
"""

from __future__ import annotations

import logging
import sys
import warnings

import numpy as np

from benchmarks import forecast_benchmark

STEPS = 30 * 30  # our rnn's ceiling: max_epochs x batches_per_epoch
BATCH = 64


def darts_rnn_paths(history, horizon: int, samples: int) -> np.ndarray:
    """Fit Darts' RNNModel on the one series of ``history`` and sample ``samples`` paths."""
    warnings.simplefilter("ignore")
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import RNNModel
    from darts.utils.likelihood_models import GaussianLikelihood
    from forecastgen_autoregressive.lagged_windows import plan_windows

    for logger in ("pytorch_lightning", "lightning.pytorch", "pytorch_lightning.utilities.rank_zero",
                   "lightning.pytorch.utilities.rank_zero", "darts"):
        logging.getLogger(logger).setLevel(logging.ERROR)
    values = history.values(history.ids[0]).astype(np.float32)
    plan = plan_windows(len(values), history.freq.season, horizon)
    scaler = Scaler()
    series = scaler.fit_transform(TimeSeries.from_values(values))
    training_length = min(plan.context + horizon, len(values) - 1)
    input_length = min(plan.context, training_length - 1)
    windows = max(1, len(values) - training_length + 1)
    epochs = max(1, round(STEPS / max(1, -(-windows // BATCH))))
    model = RNNModel(
        model="LSTM", input_chunk_length=input_length, training_length=training_length,
        hidden_dim=32, n_rnn_layers=2, dropout=0.1, likelihood=GaussianLikelihood(),
        batch_size=BATCH, n_epochs=epochs, random_state=0,
        pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False,
                           "enable_model_summary": False, "logger": False})
    model.fit(series, verbose=False)
    forecast = scaler.inverse_transform(model.predict(horizon, num_samples=samples, verbose=False))
    return forecast.all_values()[:, 0, :].T.astype(float)  # (samples, horizon)


forecast_benchmark.PEERS["darts-rnn"] = darts_rnn_paths

if __name__ == "__main__":
    if "--models" not in sys.argv:
        sys.argv += ["--models", "snaive,rnn,darts-rnn"]
    forecast_benchmark.main(forecast_benchmark.RESULTS / "peers_darts_rnn")
