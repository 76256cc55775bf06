"""``causal-conv``: dilated causal convolutions with a likelihood head, after WaveNet.

van den Oord et al. (2016), "WaveNet: A generative model for raw audio",
arXiv:1609.03499: a stack of causal convolutions whose dilation doubles with each
layer, gated activations (tanh x sigmoid), residual and skip connections. The step
input is the same as the rnn's (lagged values scaled by the window's context, and
calendar features), and the head gives the same Student-t, Gaussian or negative
binomial distribution of the next value. Training is parallel over all steps.

Sampling caches each layer's past inputs (Paine et al. 2016, "Fast WaveNet
generation algorithm"; Ramachandran et al. 2017): a new step costs one column of
work per layer instead of recomputing the whole window. ``sampling="naive"``
recomputes the whole window per step, for comparison; both give the same paths.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.functional import pad

from forecastgen.errors import InputError
from forecastgen_autoregressive.base import AutoregressiveForecaster

SAMPLING = ("cached", "naive")


class GatedLayer(nn.Module):
    """One residual layer: a dilated causal convolution with a gated activation."""

    def __init__(self, channels: int, kernel_size: int, dilation: int):
        super().__init__()
        self.dilation, self.kernel_size = dilation, kernel_size
        self.conv = nn.Conv1d(channels, 2 * channels, kernel_size, dilation=dilation)
        self.residual = nn.Conv1d(channels, channels, 1)
        self.skip = nn.Conv1d(channels, channels, 1)

    @property
    def memory(self) -> int:
        """How many past inputs the layer looks at."""
        return self.dilation * (self.kernel_size - 1)

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(batch, channels, steps) -> (next layer's input, skip output)."""
        return self._gate(self.conv(pad(h, (self.memory, 0))), h)

    def step(self, h: torch.Tensor, cache: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One step (batch, channels) with the cache of past inputs (batch, channels, memory)."""
        taps = [cache[:, :, j * self.dilation] for j in range(self.kernel_size - 1)] + [h]
        window = torch.stack(taps, dim=-1)  # (batch, channels, kernel): the conv's receptive field
        convolved = nn.functional.conv1d(window, self.conv.weight, self.conv.bias)
        out, skip = self._gate(convolved, h[:, :, None])
        cache = torch.cat([cache[:, :, 1:], h[:, :, None]], dim=-1)
        return out[:, :, 0], skip[:, :, 0], cache

    def _gate(self, convolved: torch.Tensor, h: torch.Tensor):
        filtered, gate = convolved.chunk(2, dim=1)
        z = torch.tanh(filtered) * torch.sigmoid(gate)
        return h + self.residual(z), self.skip(z)


class CausalConvNetwork(nn.Module):
    def __init__(self, input_size: int, param_count: int, channels: int, num_layers: int,
                 kernel_size: int):
        super().__init__()
        self.input_size = input_size
        self.embed = nn.Conv1d(input_size, channels, 1)
        self.layers = nn.ModuleList(GatedLayer(channels, kernel_size, 2 ** i)
                                    for i in range(num_layers))
        self.output = nn.Sequential(nn.ReLU(), nn.Conv1d(channels, channels, 1), nn.ReLU(),
                                    nn.Conv1d(channels, param_count, 1))

    @property
    def receptive_field(self) -> int:
        return 1 + sum(layer.memory for layer in self.layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, steps, input_size) -> raw distribution parameters (batch, steps, params)."""
        h = self.embed(x.transpose(1, 2))
        skips = 0
        for layer in self.layers:
            h, skip = layer(h)
            skips = skips + skip
        return self.output(skips).transpose(1, 2)

    def prime(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Run over a context and keep each layer's last inputs (zeros before the start)."""
        h = self.embed(x.transpose(1, 2))
        caches = []
        for layer in self.layers:
            caches.append(pad(h, (layer.memory, 0))[:, :, -layer.memory:])
            h, _ = layer(h)
        return caches

    def step(self, x: torch.Tensor, caches: list[torch.Tensor]):
        """One new step (batch, input_size) -> (raw parameters (batch, params), caches)."""
        h = self.embed(x[:, :, None])[:, :, 0]
        skips, updated = 0, []
        for layer, cache in zip(self.layers, caches):
            h, skip, cache = layer.step(h, cache)
            skips = skips + skip
            updated.append(cache)
        return self.output(skips[:, :, None])[:, :, 0], updated


class Recompute(nn.Module):
    """Naive incremental sampling: every step reruns the network over the whole sequence."""

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network, self.input_size = network, network.input_size

    def forward(self, x):
        return self.network(x)

    def prime(self, x):
        return x

    def step(self, x, sequence):
        sequence = torch.cat([sequence, x[:, None, :]], dim=1)
        return self.network(sequence)[:, -1], sequence


class CausalConvForecaster(AutoregressiveForecaster):
    name = "causal-conv"
    capabilities = frozenset({"forecast", "log_prob", "series", "new_series", "covariates"})
    parameter_help = {
        "channels": "channels of every convolution",
        "num_layers": "dilated layers (dilations 1, 2, 4, ...: the receptive field doubles with each)",
        "kernel_size": "taps of each causal convolution",
        "sampling": "cached (each layer keeps its past while sampling) or naive (recompute the window)",
    }

    def __init__(self, channels: int = 32, num_layers: int = 6, kernel_size: int = 2,
                 likelihood: str = "student_t", sampling: str = "cached",
                 context_length: int | None = None, prediction_length: int | None = None,
                 max_epochs: int = 30, batch_size: int = 64, batches_per_epoch: int | None = 30,
                 learning_rate: float = 3e-3, patience: int = 6, max_windows: int = 20_000,
                 predict_change: bool = True, calibrate: bool = True,
                 covariates_as: str = "regression", device: str = "auto", precision: str = "auto",
                 seed: int = 0, force: bool = False):
        self.store_params(locals())

    def _build_network(self, input_size: int, param_count: int) -> nn.Module:
        if self.kernel_size < 2 or self.num_layers < 1:
            raise InputError("causal-conv: kernel_size must be at least 2 and num_layers at least 1")
        if self.sampling not in SAMPLING:
            raise InputError(f"causal-conv: sampling must be cached or naive, not {self.sampling!r}")
        return CausalConvNetwork(input_size, param_count, self.channels, self.num_layers,
                                 self.kernel_size)

    def _sampler(self) -> nn.Module:
        return Recompute(self.network_) if self.sampling == "naive" else self.network_
