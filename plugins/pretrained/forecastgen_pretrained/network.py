"""The network of ``patchcast``: a transformer over patches of a standardized context.

Patches and their observed-mask go through a residual MLP into tokens (as in TimesFM,
Das et al. 2024, "A decoder-only foundation model for time-series forecasting"); a
learned position counted from the end of the context and an embedding of the
seasonal period are added; a pre-norm transformer encoder (Vaswani et al. 2017) reads
them, and a residual MLP on the last token gives every horizon step's quantiles
(direct multi-step quantile regression, as in Chronos-Bolt and the MQ-forecasters of
Wen et al. 2017). Quantiles are in the context's standardized units (``scaling.py``).
"""

from __future__ import annotations

import torch
from torch import nn

from forecastgen_pretrained.outputs import QUANTILES, SEASON_CLASSES, season_class

__all__ = ["QUANTILES", "SEASON_CLASSES", "PatchTransformer", "pinball_loss", "season_class"]


class ResidualBlock(nn.Module):
    def __init__(self, inputs: int, hidden: int, outputs: int):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(inputs, hidden), nn.SiLU(), nn.Linear(hidden, outputs))
        self.skip = nn.Linear(inputs, outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.hidden(x) + self.skip(x)


class PatchTransformer(nn.Module):
    def __init__(self, patch_length: int = 16, max_context: int = 512, horizon: int = 64,
                 d_model: int = 128, heads: int = 4, layers: int = 4, feedforward: int = 256,
                 quantiles: int = len(QUANTILES)):
        super().__init__()
        if max_context % patch_length:
            raise ValueError("max_context must be a multiple of patch_length")
        self.patch_length, self.max_context, self.horizon = patch_length, max_context, horizon
        self.quantiles = quantiles
        self.embed = ResidualBlock(2 * patch_length, feedforward, d_model)
        self.position = nn.Parameter(torch.zeros(max_context // patch_length, d_model))
        self.season = nn.Embedding(len(SEASON_CLASSES) + 1, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, feedforward, dropout=0.0, batch_first=True,
                                           norm_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = ResidualBlock(d_model, feedforward, horizon * quantiles)
        nn.init.normal_(self.position, std=0.02)

    def forward(self, scaled: torch.Tensor, observed: torch.Tensor, season: torch.Tensor) -> torch.Tensor:
        """Quantiles (batch, horizon, quantiles) from a standardized context (batch, length) whose
        length is a multiple of ``patch_length`` and at most ``max_context`` (padding on the left,
        ``observed`` 0 there)."""
        batch, length = scaled.shape
        patches = length // self.patch_length
        tokens = torch.cat([scaled.reshape(batch, patches, -1), observed.reshape(batch, patches, -1)], -1)
        x = self.embed(tokens) + self.position[-patches:] + self.season(season)[:, None, :]
        padding = observed.reshape(batch, patches, -1).sum(-1) == 0
        padding[:, -1] = False
        x = self.encoder(x, src_key_padding_mask=padding)
        return self.head(self.norm(x[:, -1])).reshape(batch, self.horizon, self.quantiles)

    def config(self) -> dict:
        return {"patch_length": self.patch_length, "max_context": self.max_context,
                "horizon": self.horizon, "d_model": self.position.shape[1],
                "heads": self.encoder.layers[0].self_attn.num_heads, "layers": len(self.encoder.layers),
                "feedforward": self.encoder.layers[0].linear1.out_features, "quantiles": self.quantiles}


def pinball_loss(predicted: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean quantile loss over the observed target steps: predicted (B, H, Q), target and mask (B, H)."""
    levels = torch.tensor(QUANTILES, dtype=predicted.dtype, device=predicted.device)
    error = target[..., None] - predicted
    loss = torch.maximum(levels * error, (levels - 1) * error).mean(-1)
    return (loss * mask).sum() / mask.sum().clamp(min=1)
