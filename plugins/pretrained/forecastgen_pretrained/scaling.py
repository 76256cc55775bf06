"""Scale-free inputs: each context standardized by its own mean and standard deviation.

Instance normalization (RevIN, Kim et al. 2022): the network sees (x - mean) / std of
the observed context and predicts the future in the same units, so one network serves
series of any level and scale. It removes the level as well as the scale, which mean
scaling (Chronos) leaves in: a slowly trending series of large level becomes a visible
trend. Work is in float64 until the values are standardized.
"""

from __future__ import annotations

import numpy as np

CLIP = 50.0  # standardized values beyond this are clipped


def left_padded(contexts: list[np.ndarray], patch_length: int, max_context: int) -> np.ndarray:
    """Contexts as one (batch, length) float64 array, NaN on the left where a context is shorter;
    ``length`` is the longest context (at most ``max_context``) rounded up to whole patches."""
    longest = min(max(len(c) for c in contexts), max_context)
    length = -(-longest // patch_length) * patch_length
    out = np.full((len(contexts), length), np.nan)
    for row, context in enumerate(contexts):
        recent = np.asarray(context, dtype=float)[-longest:]
        out[row, length - len(recent):] = recent
    return out


def standardize(context: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Standardized context (0 where NaN), the observed mask, and each row's mean and std."""
    observed = ~np.isnan(context)
    count = np.maximum(observed.sum(axis=1), 1)
    filled = np.where(observed, context, 0.0)
    loc = filled.sum(axis=1) / count
    variance = (np.where(observed, context - loc[:, None], 0.0) ** 2).sum(axis=1) / count
    scale = np.maximum(np.sqrt(variance), 1e-6 * (np.abs(loc) + 1e-6))
    scaled = np.clip(np.where(observed, (context - loc[:, None]) / scale[:, None], 0.0), -CLIP, CLIP)
    return scaled, observed.astype(float), loc, scale


def scale_like(values: np.ndarray, loc: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Values (batch, ...) in the standardized units of their rows' contexts, clipped."""
    shape = (-1,) + (1,) * (values.ndim - 1)
    return np.clip((values - loc.reshape(shape)) / scale.reshape(shape), -CLIP, CLIP)


def unstandardize(values: np.ndarray, loc: np.ndarray, scale: np.ndarray) -> np.ndarray:
    shape = (-1,) + (1,) * (values.ndim - 1)
    return values * scale.reshape(shape) + loc.reshape(shape)


def encode_arrays(contexts: list[np.ndarray], seasons: list[int], patch_length: int, max_context: int,
                  targets: list[np.ndarray] | None = None, horizon: int = 0) -> tuple[np.ndarray, ...]:
    """Network inputs (scaled, observed: float32; season classes: int64) and, with targets, the
    scaled target and its mask; the contexts' means and stds (float64) come last."""
    scaled, observed, loc, scale = standardize(left_padded(contexts, patch_length, max_context))
    parts = [scaled.astype(np.float32), observed.astype(np.float32), np.asarray(seasons, dtype=np.int64)]
    if targets is not None:
        padded = np.full((len(targets), horizon), np.nan)
        for row, target in enumerate(targets):
            padded[row, :len(target)] = target[:horizon]
        mask = ~np.isnan(padded)
        target_scaled = np.where(mask, scale_like(np.nan_to_num(padded), loc, scale), 0.0)
        parts += [target_scaled.astype(np.float32), mask.astype(np.float32)]
    return tuple(parts) + (loc, scale)


def encode_batch(contexts: list[np.ndarray], seasons: list[int], patch_length: int, max_context: int,
                 targets: list[np.ndarray] | None = None, horizon: int = 0) -> tuple:
    """``encode_arrays`` with the network's inputs (and targets) as torch tensors."""
    import torch

    *inputs, loc, scale = encode_arrays(contexts, seasons, patch_length, max_context, targets, horizon)
    return tuple(torch.from_numpy(part) for part in inputs) + (loc, scale)
