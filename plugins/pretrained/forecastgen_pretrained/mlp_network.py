"""The second network of ``patchcast``: a residual MLP over a short standardized context.

A multilayer perceptron that reads the last ``max_context`` points at once (and their
observed-mask) beside an embedding of the seasonal period, and gives every horizon
step's quantiles, as the patch transformer does (``network.py``), in the same
standardized units. MLPs over a lookback window forecast as well as deep sequence models
(N-BEATS: Oreshkin et al. 2020, "N-BEATS: Neural basis expansion analysis for
interpretable time series forecasting"; TiDE: Das et al. 2023, "Long-term forecasting
with TiDE: Time-series dense encoder", whose residual blocks these follow), train in
minutes on a CPU, and err differently from the transformer, so the two averaged forecast
better than either (N-BEATS' own forecasts are ensembles).
"""

from __future__ import annotations

import torch
from torch import nn

from forecastgen_pretrained.outputs import QUANTILES, SEASON_CLASSES


class ContextMLP(nn.Module):
    patch_length = 1  # reads points, not patches: contexts of any length up to max_context

    def __init__(self, max_context: int = 64, horizon: int = 64, width: int = 512, blocks: int = 3,
                 quantiles: int = len(QUANTILES)):
        super().__init__()
        self.max_context, self.horizon, self.quantiles = max_context, horizon, quantiles
        self.season = nn.Embedding(len(SEASON_CLASSES) + 1, width)
        self.embed = nn.Linear(2 * max_context, width)
        self.blocks = nn.ModuleList([self._block(width) for _ in range(blocks)])
        self.head = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, horizon * quantiles))

    @staticmethod
    def _block(width: int) -> nn.Module:
        """Pre-norm residual branch: LayerNorm, widen twice, SiLU, back (TiDE's block, norm first)."""
        return nn.Sequential(nn.LayerNorm(width), nn.Linear(width, 2 * width), nn.SiLU(),
                             nn.Linear(2 * width, width))

    def forward(self, scaled: torch.Tensor, observed: torch.Tensor, season: torch.Tensor) -> torch.Tensor:
        """Quantiles (batch, horizon, quantiles) from a standardized context (batch, length),
        padded on the left (``observed`` 0 there); a longer context is cut to its last
        ``max_context`` points, a shorter one padded."""
        batch, length = scaled.shape
        missing = self.max_context - length
        scaled, observed = (nn.functional.pad(part, (missing, 0)) if missing > 0
                            else part[:, -self.max_context:] for part in (scaled, observed))
        x = self.embed(torch.cat([scaled, observed], -1)) + self.season(season)
        for block in self.blocks:
            x = x + block(x)
        return self.head(x).reshape(batch, self.horizon, self.quantiles)

    def config(self) -> dict:
        return {"architecture": "mlp", "max_context": self.max_context, "horizon": self.horizon,
                "width": self.embed.out_features, "blocks": len(self.blocks), "quantiles": self.quantiles}
