"""Training windows for autoregressive models: lagged inputs, calendar features, targets.

A window covers ``context + prediction`` target steps of one series; the input at a
step is the series at the chosen lags before it (so the slice reaches ``max_lag``
further back) plus the step's features (calendar, and covariates where the network
takes them). Every window is scaled by the
location and scale of its context part, so one network serves series of any level;
the same rule scales the context of a forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view
from torch.utils.data import TensorDataset

from forecastgen.data import SeriesSet
from forecastgen.data.calendar import calendar_features
from forecastgen.errors import InputError

MIN_CONTEXT = 8


@dataclass(frozen=True)
class WindowPlan:
    lags: tuple[int, ...]
    context: int
    prediction: int

    @property
    def max_lag(self) -> int:
        return max(self.lags)

    @property
    def span(self) -> int:
        """Points one training window needs: the lag prefix, the context and the prediction."""
        return self.max_lag + self.context + self.prediction

    def to_dict(self) -> dict:
        return {"lags": list(self.lags), "context": self.context, "prediction": self.prediction}


def plan_windows(shortest: int, season: int, horizon: int, context_length: int | None = None,
                 prediction_length: int | None = None) -> WindowPlan:
    """Lags (1, 2, 3 and one and two seasons), context and prediction lengths that fit the data.

    Defaults shrink to fit the shortest series: first the two-season lag goes, then the
    context halves (down to 8 steps), then the training prediction length halves (the
    forecast horizon is not limited by it), last the seasonal lag goes; explicit lengths
    are never changed.
    """
    prediction = prediction_length or horizon
    context = context_length or max(2 * season, prediction, 12)
    lags = sorted({1, 2, 3} | ({season, 2 * season} if season > 3 else set()))
    # a window must fit twice: once to train on, once more (the last one) to validate on
    while shortest < max(lags) + context + 2 * prediction:
        if len(lags) == 5:
            lags.pop()  # the two-season lag
        elif context_length is None and context // 2 >= MIN_CONTEXT:
            context //= 2
        elif prediction_length is None and prediction > 1:
            prediction //= 2
        elif len(lags) == 4:
            lags.pop()  # the one-season lag
        else:
            needed = max(lags) + context + 2 * prediction
            raise InputError(f"the shortest series has {shortest} points, but a model with "
                             f"context {context}, prediction {prediction} and lags up to "
                             f"{max(lags)} needs at least {needed}; give longer series or "
                             "smaller context_length/prediction_length")
    return WindowPlan(tuple(lags), context, prediction)


def window_scale(context: np.ndarray, mean_scaling: bool) -> tuple[np.ndarray, np.ndarray]:
    """Location and scale of each row of ``context`` (windows x steps)."""
    magnitude = np.abs(context).mean(axis=-1)
    if mean_scaling:
        return np.zeros_like(magnitude), 1.0 + magnitude
    spread = context.std(axis=-1)
    return context.mean(axis=-1), np.maximum(spread, np.maximum(1e-2 * magnitude, 1e-6))


def lagged_values(y: np.ndarray, lags: tuple[int, ...]) -> np.ndarray:
    """(T, len(lags)): y[t - lag] at every step t (NaN before the series starts)."""
    out = np.full((len(y), len(lags)), np.nan, dtype=np.float64)
    for column, lag in enumerate(lags):
        out[lag:, column] = y[:-lag]
    return out


def series_windows(y: np.ndarray, features: np.ndarray, plan: WindowPlan, mean_scaling: bool,
                   starts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Windows of one series whose first target step is at each of ``starts``."""
    length = plan.context + plan.prediction
    lagged = sliding_window_view(lagged_values(y, plan.lags), length, axis=0)[starts]
    lagged = lagged.transpose(0, 2, 1)
    feats = sliding_window_view(features, length, axis=0)[starts].transpose(0, 2, 1)
    targets = sliding_window_view(y, length)[starts]
    loc, scale = window_scale(targets[:, : plan.context], mean_scaling)
    return lagged, feats, targets, loc, scale


def training_windows(data: SeriesSet, plan: WindowPlan, features: dict[str, np.ndarray] | None,
                     mean_scaling: bool, max_windows: int,
                     rng: np.random.Generator) -> tuple[TensorDataset, TensorDataset]:
    """Training windows from each series without its last ``prediction`` points, and one
    validation window per series ending at its last point. ``features``: each series' step
    features (history length, features); by default its calendar features."""
    train, validation = [], []
    budget = max(1, max_windows // len(data))
    for key, series in data:
        y = series.to_numpy(dtype=float)
        step_features = (calendar_features(series.index, data.freq) if features is None
                         else features[key])
        last_start = len(y) - plan.context - plan.prediction
        starts = np.arange(plan.max_lag, last_start - plan.prediction + 1)
        if len(starts) > budget:
            starts = np.sort(rng.choice(starts, size=budget, replace=False))
        train.append(series_windows(y, step_features, plan, mean_scaling, starts))
        validation.append(series_windows(y, step_features, plan, mean_scaling, np.array([last_start])))
    return _dataset(train), _dataset(validation)


def _dataset(parts: list[tuple[np.ndarray, ...]]) -> TensorDataset:
    columns = [np.concatenate([part[i] for part in parts]) for i in range(5)]
    return TensorDataset(*(torch.as_tensor(c, dtype=torch.float32) for c in columns))
