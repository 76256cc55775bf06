"""``pixelrnn``: PixelRNN with Row LSTM layers.

van den Oord, Kalchbrenner & Kavukcuoglu (2016), "Pixel Recurrent Neural Networks",
ICML. A 7 x 7 convolution masked to the pixels before the current one (mask A) turns
the image into features; each Row LSTM layer then runs an LSTM down the image one row
at a time: its gates at row r are an input-to-state convolution of row r's features
(1 x k, masked to the current column and those left of it: mask B) plus a
state-to-state convolution (width k) of the hidden state of row r - 1. Every column of
a row is updated at once, but the rows follow one another: the memory carries long
patterns down the image, and training cannot run the rows in parallel as PixelCNN's
convolutions do (the pixel benchmark measures the cost). Residual connections around
each layer, a class embedding added to the features for class-conditional
generation, and a categorical output over the pixel levels.

Its receptive field is a triangle above the pixel (the state-to-state convolution
widens it by k // 2 columns per row) plus the pixels to its left.

Sampling is cached: the LSTM of a column in row r needs only row r - 1's state (its
state-to-state part is computed once per row) and the features to its left in row r,
so each new pixel runs each layer at one position, with the naive sampler's results.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.functional import conv2d, linear, pad

from forecastgen_autoregressive.pixels import PixelModel, centred

INPUT_KERNEL = 7


class PixelRNN(PixelModel):
    name = "pixelrnn"
    parameter_help = {
        "hidden_channels": "channels of the input convolution and LSTM state",
        "layers": "Row LSTM layers",
        "kernel_size": "width of the state-to-state convolution over the row above",
        "conditional": "learn p(image | class) from the labels",
    }

    def __init__(self, levels: int | None = None, hidden_channels: int = 32, layers: int = 2,
                 kernel_size: int = 3, conditional: bool = False, max_epochs: int = 30,
                 batch_size: int = 64, batches_per_epoch: int | None = 50, learning_rate: float = 3e-3,
                 patience: int = 5, force: bool = False, device: str = "auto", precision: str = "auto",
                 seed: int = 0):
        self.store_params(locals())

    def _build(self, levels: int, classes: int) -> nn.Module:
        return RowLSTMNetwork(levels, self.hidden_channels, self.layers, self.kernel_size, classes)


class MaskedConv2d(nn.Conv2d):
    """A square convolution that sees the rows above and, in its own row, the columns to the
    left: mask A excludes the centre pixel, mask B includes it."""

    def __init__(self, inputs: int, outputs: int, kernel: int, mask: str):
        super().__init__(inputs, outputs, kernel, padding=kernel // 2)
        centre = kernel // 2
        allowed = torch.zeros(kernel, kernel)
        allowed[:centre] = 1.0
        allowed[centre, :centre + (mask == "B")] = 1.0
        self.register_buffer("mask", allowed[None, None])

    def forward(self, x):
        return conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class RowLSTM(nn.Module):
    """One Row LSTM layer over features (n, h, height, width), residual."""

    def __init__(self, hidden: int, kernel: int):
        super().__init__()
        self.hidden, self.half = hidden, kernel // 2
        self.input_to_state = nn.Conv2d(hidden, 4 * hidden, (1, self.half + 1))  # mask B along the row
        self.state_to_state = nn.Conv1d(hidden, 4 * hidden, kernel, padding=self.half)
        self.out = nn.Conv2d(hidden, hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        count, _, height, width = x.shape
        inputs = self.input_to_state(pad(x, (self.half, 0)))
        state = x.new_zeros(count, self.hidden, width)
        cell = x.new_zeros(count, self.hidden, width)
        rows = []
        for row in range(height):
            state, cell = self.step(inputs[:, :, row] + self.state_to_state(state), cell)
            rows.append(state)
        return x + self.out(torch.stack(rows, dim=2))

    @staticmethod
    def step(gates: torch.Tensor, cell: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The LSTM update from the gates' pre-activations (channels on dim 1)."""
        into, forget, output, candidate = gates.chunk(4, dim=1)
        cell = torch.sigmoid(forget) * cell + torch.sigmoid(into) * torch.tanh(candidate)
        return torch.sigmoid(output) * torch.tanh(cell), cell


class RowLSTMNetwork(nn.Module):
    """Pixel levels (n, 1, h, w) -> logits (n, levels, h, w)."""

    def __init__(self, levels: int, hidden: int, layers: int, kernel: int, classes: int = 0):
        super().__init__()
        self.levels = levels
        self.input = MaskedConv2d(1, hidden, INPUT_KERNEL, "A")
        self.class_embedding = nn.Embedding(classes, hidden) if classes else None
        self.rows = nn.ModuleList(RowLSTM(hidden, kernel) for _ in range(layers))
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(hidden, hidden, 1), nn.ReLU(),
                                  nn.Conv2d(hidden, levels, 1))

    def scale(self, x: torch.Tensor) -> torch.Tensor:
        return centred(x, self.levels)

    def forward(self, x, labels=None):
        features = self.input(self.scale(x))
        if self.class_embedding is not None:
            features = features + self.class_embedding(labels)[:, :, None, None]
        for layer in self.rows:
            features = layer(features)
        return self.head(features)

    def cached_sampler(self, x, labels=None) -> CachedRowSampler:
        return CachedRowSampler(self, x.shape, labels)


class CachedRowSampler:
    """Logits of pixel (row, column) from kept activations: the scaled image (padded for the
    7 x 7 input convolution), each layer's input features of the current row (padded on the
    left), and each layer's LSTM state and cell of the row above and of this row so far."""

    def __init__(self, network: RowLSTMNetwork, shape, labels):
        self.network, self.labels = network, labels
        count, _, height, width = shape
        weight = network.input.weight
        options = dict(device=weight.device, dtype=weight.dtype)
        self.reach, self.half = INPUT_KERNEL // 2, network.rows[0].half if network.rows else 0
        hidden = weight.shape[0]
        self.image = torch.zeros(count, 1, height + 2 * self.reach, width + 2 * self.reach, **options)
        self.features = [torch.zeros(count, hidden, width + self.half, **options) for _ in network.rows]
        self.state = [torch.zeros(count, hidden, width, **options) for _ in network.rows]
        self.cell = [torch.zeros(count, hidden, width, **options) for _ in network.rows]
        self.above: list[torch.Tensor] = []
        self.input_weight = weight * network.input.mask

    def logits(self, x: torch.Tensor, row: int, column: int) -> torch.Tensor:
        network, reach = self.network, self.reach
        if column == 0:
            self._start_row()
            if row > 0:  # the row above is complete only now
                self.image[:, :, row - 1 + reach, reach:-reach] = network.scale(x[:, :, row - 1])
        self.image[:, :, row + reach, reach:-reach] = network.scale(x[:, :, row])
        window = self.image[:, :, row:row + 2 * reach + 1, column:column + 2 * reach + 1]
        features = conv2d(window, self.input_weight, network.input.bias)[:, :, 0, 0]
        if network.class_embedding is not None:
            features = features + network.class_embedding(self.labels)
        for index, layer in enumerate(network.rows):
            self.features[index][:, :, self.half + column] = features
            window = self.features[index][:, :, column:column + self.half + 1]
            gates = linear(window.flatten(1), layer.input_to_state.weight[:, :, 0].flatten(1),
                           layer.input_to_state.bias) + self.above[index][:, :, column]
            state, cell = layer.step(gates, self.cell[index][:, :, column])
            self.state[index][:, :, column], self.cell[index][:, :, column] = state, cell
            features = features + linear(state, layer.out.weight[:, :, 0, 0], layer.out.bias)
        head = network.head
        hidden = linear(torch.relu(features), head[1].weight[:, :, 0, 0], head[1].bias)
        return linear(torch.relu(hidden), head[3].weight[:, :, 0, 0], head[3].bias)

    def _start_row(self) -> None:
        """The state-to-state part of every layer's gates for the new row, from the row above
        (zeros above the first row); the cells carry over column by column."""
        self.above = [layer.state_to_state(state) for layer, state in zip(self.network.rows, self.state)]
