"""``pixelcnn``: the gated PixelCNN, with cached sampling.

van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves & Kavukcuoglu (2016),
"Conditional Image Generation with PixelCNN Decoders", NeurIPS. Masked convolutions
let each pixel see only the pixels before it in raster order. Two stacks avoid the
blind spot of the original PixelCNN: a vertical stack sees every row above (a
(k/2 + 1) x k convolution over the rows up to the current one, shifted down one row
before the horizontal stack reads it) and a horizontal stack sees the pixels to the
left in the current row (1 x (k/2 + 1); the first layer excludes the pixel itself:
mask A, later layers include it: mask B). Each layer gates tanh(a) * sigmoid(b), the
horizontal stack is residual, and a class embedding (and, for super-resolution, a
spatial condition map) adds to every gate. The output is a categorical over the
pixel levels.

Cached sampling (Ramachandran et al. 2017, "Fast Generation for Convolutional
Autoregressive Models"): once a row is complete, each layer's vertical stack computes
that row only, from the few rows above it that it keeps; each new pixel runs each
layer's horizontal stack at that one position. The same weights, so the same logits
as the whole network (``cached=False``), for a small fraction of the work.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.functional import conv2d, linear, pad

from forecastgen_autoregressive.pixels import PixelModel, centred


class PixelCNN(PixelModel):
    name = "pixelcnn"

    def __init__(self, levels: int | None = None, hidden_channels: int = 64, layers: int = 8,
                 kernel_size: int = 5, conditional: bool = False, max_epochs: int = 30,
                 batch_size: int = 64, batches_per_epoch: int | None = 50, learning_rate: float = 3e-3,
                 patience: int = 5, force: bool = False, device: str = "auto", precision: str = "auto",
                 seed: int = 0):
        self.store_params(locals())

    def _build(self, levels: int, classes: int) -> nn.Module:
        return GatedPixelCNN(levels, self.hidden_channels, self.layers, self.kernel_size, classes)


class GatedLayer(nn.Module):
    """One gated layer: vertical and horizontal stacks, the vertical feeding the horizontal."""

    def __init__(self, inputs: int, hidden: int, kernel: int, first: bool, classes: int,
                 condition_channels: int):
        super().__init__()
        half = kernel // 2
        self.first, self.half, self.hidden = first, half, hidden
        self.vertical = nn.Conv2d(inputs, 2 * hidden, (half + 1, kernel))
        self.horizontal = nn.Conv2d(inputs, 2 * hidden, (1, half if first else half + 1))
        self.horizontal_pad = half  # columns padded on the left: c - half .. c (- 1 for mask A)
        self.vertical_to_horizontal = nn.Conv2d(2 * hidden, 2 * hidden, 1)
        self.horizontal_out = nn.Conv2d(hidden, hidden, 1)
        self.class_bias = nn.Embedding(classes, 4 * hidden) if classes else None
        self.condition_bias = nn.Conv2d(condition_channels, 4 * hidden, 1) if condition_channels else None

    def forward(self, v, h, labels=None, condition=None):
        height, width = v.shape[2:]
        v_pre = self.vertical(pad(v, (self.half, self.half, self.half, 0)))
        h_pre = self.horizontal(pad(h, (self.horizontal_pad, 0)))[..., :width]
        h_pre = h_pre + self.vertical_to_horizontal(pad(v_pre, (0, 0, 1, 0))[:, :, :height])
        v_bias, h_bias = self.biases(labels, condition)
        v_out = gate(v_pre + v_bias)
        h_out = self.horizontal_out(gate(h_pre + h_bias))
        return v_out, h_out if self.first else h + h_out

    def biases(self, labels, condition, rows: slice = slice(None), columns: slice = slice(None)):
        """The condition's additions to the vertical and horizontal gates (0 when none)."""
        bias = 0.0
        if self.class_bias is not None:
            bias = self.class_bias(labels)[:, :, None, None]
        if self.condition_bias is not None:
            bias = bias + self.condition_bias(condition[:, :, rows, columns])
        if isinstance(bias, float):
            return 0.0, 0.0
        return bias.chunk(2, dim=1)


class GatedPixelCNN(nn.Module):
    """The gated stacks over pixel levels (n, 1, h, w) -> logits (n, levels, h, w)."""

    def __init__(self, levels: int, hidden: int, layers: int, kernel: int, classes: int = 0,
                 condition_channels: int = 0):
        super().__init__()
        if kernel < 3 or kernel % 2 == 0:
            raise ValueError("kernel_size must be odd and at least 3")
        self.levels = levels
        self.layers = nn.ModuleList(
            GatedLayer(1 if index == 0 else hidden, hidden, kernel, index == 0, classes, condition_channels)
            for index in range(layers))
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(hidden, hidden, 1), nn.ReLU(),
                                  nn.Conv2d(hidden, levels, 1))

    def scale(self, x: torch.Tensor) -> torch.Tensor:
        return centred(x, self.levels)

    def forward(self, x, labels=None, condition=None):
        v = h = self.scale(x)
        for layer in self.layers:
            v, h = layer(v, h, labels, condition)
        return self.head(h)

    def cached_sampler(self, x, labels=None, condition=None) -> CachedSampler:
        return CachedSampler(self, x.shape, labels, condition)


class CachedSampler:
    """Logits of pixel (row, column) from each layer's kept activations (Ramachandran et al.).

    Per layer it keeps its vertical input (padded: ``half`` zero rows above, ``half``
    zero columns each side), its vertical pre-activations shifted down one row (what
    the horizontal stack reads) and its horizontal input (``half`` zero columns on the
    left). A row's vertical stacks run when the row is complete; each pixel runs the
    horizontal stacks at its position only.
    """

    def __init__(self, network: GatedPixelCNN, shape, labels, condition):
        self.network, self.labels, self.condition = network, labels, condition
        count, _, self.height, self.width = shape
        first = network.layers[0]
        half, options = first.half, dict(device=first.vertical.weight.device,
                                         dtype=first.vertical.weight.dtype)
        self.half = half
        channels = [1] + [layer.hidden for layer in network.layers]
        self.vertical_in = [torch.zeros(count, c, self.height + half, self.width + 2 * half, **options)
                            for c in channels]
        self.horizontal_in = [torch.zeros(count, c, self.height, self.width + half, **options)
                              for c in channels]
        self.shifted = [torch.zeros(count, 2 * layer.hidden, self.height, self.width, **options)
                        for layer in network.layers]

    def logits(self, x: torch.Tensor, row: int, column: int) -> torch.Tensor:
        if column == 0 and row > 0:
            self._vertical_row(x, row - 1)
        half = self.half
        self.horizontal_in[0][:, :, row, half:] = self.network.scale(x[:, :, row])
        out = None
        for index, layer in enumerate(self.network.layers):
            out = self._horizontal_pixel(index, layer, row, column)
            self.horizontal_in[index + 1][:, :, row, half + column] = out
        head = self.network.head
        hidden = linear(torch.relu(out), head[1].weight[:, :, 0, 0], head[1].bias)
        return linear(torch.relu(hidden), head[3].weight[:, :, 0, 0], head[3].bias)

    def _horizontal_pixel(self, index: int, layer: GatedLayer, row: int, column: int) -> torch.Tensor:
        width = layer.horizontal.kernel_size[1]  # padded columns c .. c + width - 1: the masked window
        window = self.horizontal_in[index][:, :, row, column:column + width]
        h_pre = linear(window.flatten(1), layer.horizontal.weight.flatten(1), layer.horizontal.bias)
        link = layer.vertical_to_horizontal
        h_pre = h_pre + linear(self.shifted[index][:, :, row, column], link.weight[:, :, 0, 0], link.bias)
        _, h_bias = layer.biases(self.labels, self.condition, slice(row, row + 1), slice(column, column + 1))
        if torch.is_tensor(h_bias):
            h_bias = h_bias[:, :, 0, 0]
        gated = gate(h_pre + h_bias)
        out = linear(gated, layer.horizontal_out.weight[:, :, 0, 0], layer.horizontal_out.bias)
        if not layer.first:
            out = out + self.horizontal_in[index][:, :, row, self.half + column]
        return out

    def _vertical_row(self, x: torch.Tensor, row: int) -> None:
        """Every layer's vertical stack on a completed ``row``."""
        half = self.half
        self.vertical_in[0][:, :, row + half, half:half + self.width] = self.network.scale(x[:, :, row])
        for index, layer in enumerate(self.network.layers):
            window = self.vertical_in[index][:, :, row:row + half + 1]
            v_pre = conv2d(window, layer.vertical.weight, layer.vertical.bias)  # (n, 2h, 1, w)
            if row + 1 < self.height:
                self.shifted[index][:, :, row + 1] = v_pre[:, :, 0]
            v_bias, _ = layer.biases(self.labels, self.condition, slice(row, row + 1))
            v_out = gate(v_pre + v_bias)[:, :, 0]
            self.vertical_in[index + 1][:, :, row + half, half:half + self.width] = v_out


def gate(x: torch.Tensor) -> torch.Tensor:
    a, b = x.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)
