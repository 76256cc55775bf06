"""The forward passes of patchcast's networks in numpy, for zero-shot forecasts without torch.

Importing torch takes about 3 s of CPU time, longer than forecasting a thousand series
with this small network, so zero-shot inference on the CPU runs here, on the same
safetensors weights; torch is loaded only to fine-tune, to pretrain and on a GPU. The
two passes are the same functions of the same weights (tests/test_inference.py holds
them to 1e-4 on real series). Each function mirrors one torch module: ``nn.Linear``,
``nn.LayerNorm``, ``nn.MultiheadAttention`` with a key padding mask, and the pre-norm
``nn.TransformerEncoderLayer`` with the exact (erf) GELU. ``NumpyPatchTransformer`` is
``network.PatchTransformer``, ``NumpyContextMLP`` is ``mlp_network.ContextMLP``;
``numpy_network`` builds the one a weights file's configuration names.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

LAYER_NORM_EPS = 1e-5  # torch's default


class NumpyPatchTransformer:
    """The network's weights as float32 arrays and its forward pass: call it like the module."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict):
        self.weights = {name: np.asarray(array, dtype=np.float32) for name, array in weights.items()}
        self.patch_length, self.max_context = config["patch_length"], config["max_context"]
        self.horizon, self.quantiles = config["horizon"], config["quantiles"]
        self.heads, self.layers = config["heads"], config["layers"]

    def __call__(self, scaled: np.ndarray, observed: np.ndarray, season: np.ndarray) -> np.ndarray:
        """Quantiles (batch, horizon, quantiles) in standardized units, as PatchTransformer.forward."""
        w = self.weights
        batch, length = scaled.shape
        patches = length // self.patch_length
        tokens = np.concatenate([scaled.reshape(batch, patches, -1),
                                 observed.reshape(batch, patches, -1)], -1).astype(np.float32)
        x = (residual_block(w, "embed", tokens) + w["position"][-patches:]
             + w["season.weight"][season][:, None, :])
        padding = observed.reshape(batch, patches, -1).sum(-1) == 0
        padding[:, -1] = False
        for layer in range(self.layers):
            x = encoder_layer(w, f"encoder.layers.{layer}", x, padding, self.heads)
        last = layer_norm(w, "norm", x[:, -1])
        return residual_block(w, "head", last).reshape(batch, self.horizon, self.quantiles)


class NumpyContextMLP:
    """``mlp_network.ContextMLP``'s weights as float32 arrays and its forward pass."""

    patch_length = 1

    def __init__(self, weights: dict[str, np.ndarray], config: dict):
        self.weights = {name: np.asarray(array, dtype=np.float32) for name, array in weights.items()}
        self.max_context, self.horizon = config["max_context"], config["horizon"]
        self.quantiles, self.blocks = config["quantiles"], config["blocks"]

    def __call__(self, scaled: np.ndarray, observed: np.ndarray, season: np.ndarray) -> np.ndarray:
        """Quantiles (batch, horizon, quantiles) in standardized units, as ContextMLP.forward."""
        w = self.weights
        batch, length = scaled.shape
        missing = self.max_context - length
        scaled, observed = (np.pad(part, ((0, 0), (missing, 0))) if missing > 0
                            else part[:, -self.max_context:] for part in (scaled, observed))
        inputs = np.concatenate([scaled, observed], -1).astype(np.float32)
        x = linear(w, "embed", inputs) + w["season.weight"][season]
        for block in range(self.blocks):
            name = f"blocks.{block}"
            hidden = silu(linear(w, f"{name}.1", layer_norm(w, f"{name}.0", x)))
            x = x + linear(w, f"{name}.3", hidden)
        return linear(w, "head.1", layer_norm(w, "head.0", x)).reshape(batch, self.horizon, self.quantiles)


def is_mlp(config: dict) -> bool:
    """Whether a network's configuration describes the context MLP (``mlp_network``), not
    the patch transformer (whose configuration, older than the MLP, names no architecture)."""
    return config.get("architecture") == "mlp"


def numpy_network(weights: dict[str, np.ndarray], config: dict):
    """The numpy forward pass of the network ``config`` describes, on ``weights``."""
    return (NumpyContextMLP if is_mlp(config) else NumpyPatchTransformer)(weights, config)


NUMPY_NETWORKS = (NumpyPatchTransformer, NumpyContextMLP)  # what numpy_network builds


def weight_names(config: dict) -> list[str]:
    """The names of the weights the forward pass reads: those of the torch network's state_dict."""
    if is_mlp(config):
        return (["season.weight", "embed.weight", "embed.bias"]
                + [f"{part}.{kind}" for part in ("head.0", "head.1") for kind in ("weight", "bias")]
                + [f"blocks.{i}.{layer}.{kind}" for i in range(config["blocks"]) for layer in (0, 1, 3)
                   for kind in ("weight", "bias")])
    block = [f"{part}.{kind}" for part in ("hidden.0", "hidden.2", "skip") for kind in ("weight", "bias")]
    layer = (["self_attn.in_proj_weight", "self_attn.in_proj_bias"]
             + [f"{part}.{kind}" for part in ("self_attn.out_proj", "linear1", "linear2", "norm1", "norm2")
                for kind in ("weight", "bias")])
    return ([f"embed.{name}" for name in block] + [f"head.{name}" for name in block]
            + ["position", "season.weight", "norm.weight", "norm.bias"]
            + [f"encoder.layers.{i}.{name}" for i in range(config["layers"]) for name in layer])


def dense(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    rows = x.reshape(-1, x.shape[-1])  # one matrix product for all tokens (BLAS), not one per row
    return (rows @ weight.T + bias).reshape(*x.shape[:-1], -1)


def linear(w: dict, name: str, x: np.ndarray) -> np.ndarray:
    return dense(x, w[f"{name}.weight"], w[f"{name}.bias"])


def layer_norm(w: dict, name: str, x: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + LAYER_NORM_EPS) * w[f"{name}.weight"] + w[f"{name}.bias"]


def gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def residual_block(w: dict, name: str, x: np.ndarray) -> np.ndarray:
    hidden = linear(w, f"{name}.hidden.2", silu(linear(w, f"{name}.hidden.0", x)))
    return hidden + linear(w, f"{name}.skip", x)


def softmax(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x - x.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


def self_attention(w: dict, name: str, x: np.ndarray, padding: np.ndarray, heads: int) -> np.ndarray:
    batch, tokens, width = x.shape
    packed = dense(x, w[f"{name}.in_proj_weight"], w[f"{name}.in_proj_bias"])
    query, key, value = (part.reshape(batch, tokens, heads, -1).transpose(0, 2, 1, 3)
                         for part in np.split(packed, 3, axis=-1))
    logits = query @ key.transpose(0, 1, 3, 2) / math.sqrt(width // heads)
    logits = np.where(padding[:, None, None, :], -np.inf, logits)
    mixed = (softmax(logits) @ value).transpose(0, 2, 1, 3).reshape(batch, tokens, width)
    return linear(w, f"{name}.out_proj", mixed)


def encoder_layer(w: dict, name: str, x: np.ndarray, padding: np.ndarray, heads: int) -> np.ndarray:
    x = x + self_attention(w, f"{name}.self_attn", layer_norm(w, f"{name}.norm1", x), padding, heads)
    hidden = gelu(linear(w, f"{name}.linear1", layer_norm(w, f"{name}.norm2", x)))
    return x + linear(w, f"{name}.linear2", hidden)
