"""``rnn``: a global LSTM/GRU forecaster with a likelihood head, after DeepAR.

Salinas, Flunkert, Gasthaus & Januschowski (2020), "DeepAR: Probabilistic forecasting
with autoregressive recurrent networks", International Journal of Forecasting 36(3).
One recurrent network is trained on windows of all series of the input; its inputs at
each step are the series at lags 1, 2, 3 and one and two seasons (scaled by the
window's context) and calendar features; its output parameterizes a Student-t
(default), Gaussian or negative binomial distribution of the next value. Forecasts are
sample paths drawn ancestrally.

Deviations from the paper: windows are standardized by the mean and standard
deviation of their context (mean scaling is kept for the negative binomial); no
item embeddings (series are told apart by their own history only); the loss covers
every step of a window.
"""

from __future__ import annotations

import torch
from torch import nn

from forecastgen.errors import InputError
from forecastgen_autoregressive.base import AutoregressiveForecaster

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentNetwork(nn.Module):
    def __init__(self, input_size: int, param_count: int, cell: str, hidden_size: int,
                 num_layers: int, dropout: float):
        super().__init__()
        self.input_size = input_size
        self.rnn = CELLS[cell](input_size, hidden_size, num_layers=num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.head = nn.Linear(hidden_size, param_count)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, steps, input_size) -> raw distribution parameters (batch, steps, params)."""
        output, _ = self.rnn(x)
        return self.head(output)

    def prime(self, x: torch.Tensor):
        """Run over a context; the recurrent state carries everything the next step needs."""
        _, state = self.rnn(x)
        return _swap_batch(state)

    def step(self, x: torch.Tensor, state):
        """One new step (batch, input_size) -> (raw parameters (batch, params), state)."""
        output, state = self.rnn(x[:, None, :], _swap_batch(state))
        return self.head(output[:, 0]), _swap_batch(state)


def _swap_batch(state):
    """torch keeps recurrent states layer-first; the sampler wants them batch-first."""
    if isinstance(state, tuple):
        return tuple(_swap_batch(part) for part in state)
    return state.transpose(0, 1).contiguous()


class RNNForecaster(AutoregressiveForecaster):
    name = "rnn"
    capabilities = frozenset({"forecast", "log_prob", "series", "new_series", "covariates"})
    parameter_help = {
        "cell": "lstm or gru",
        "hidden_size": "units in each recurrent layer",
        "num_layers": "stacked recurrent layers",
        "dropout": "dropout between recurrent layers",
    }

    def __init__(self, cell: str = "lstm", hidden_size: int = 32, num_layers: int = 2,
                 dropout: float = 0.1, likelihood: str = "student_t",
                 context_length: int | None = None, prediction_length: int | None = None,
                 max_epochs: int = 30, batch_size: int = 64, batches_per_epoch: int | None = 30,
                 learning_rate: float = 3e-3, patience: int = 6, max_windows: int = 20_000,
                 predict_change: bool = True, calibrate: bool = True,
                 covariates_as: str = "regression", device: str = "auto", precision: str = "auto",
                 seed: int = 0, force: bool = False):
        self.store_params(locals())

    def _build_network(self, input_size: int, param_count: int) -> nn.Module:
        if self.cell not in CELLS:
            raise InputError(f"rnn: cell must be one of {', '.join(CELLS)}, not {self.cell!r}")
        return RecurrentNetwork(input_size, param_count, self.cell, self.hidden_size,
                                self.num_layers, self.dropout)
