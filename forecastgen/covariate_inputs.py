"""Covariates as inputs of a network: standardized, and checked to be the ones it learned.

Networks take covariates as inputs at every step, as DeepAR does (Salinas et al. 2020,
"DeepAR: Probabilistic forecasting with autoregressive recurrent networks", International
Journal of Forecasting 36(3), section 3.1: the covariates x_t of step t are inputs beside the
lagged target when the network gives the distribution of z_t; over the horizon they are the
known future values), or as the condition of a window's density (the cvae and the window
gan, through ``forecastgen.window_forecaster``). Each encoded covariate (numbers, and a 0/1
column per level of a category) is standardized by its mean and standard deviation over
every training series' history, so one network reads them on one scale; a column constant
over the histories is centred only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecastgen.data import SeriesSet
from forecastgen.errors import InputError


@dataclass(frozen=True)
class CovariateInputs:
    """The encoded covariates a network was trained on, with their centres and scales."""

    names: tuple[str, ...]
    centre: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, data: SeriesSet) -> CovariateInputs | None:
        """The standardization of ``data``'s known covariates, or None where it has none."""
        if not data.covariate_names():
            return None
        stacked = np.concatenate([data.covariates.past_values(key) for key in data.ids])
        spread = stacked.std(axis=0)
        scale = np.where(spread > 1e-12, spread, 1.0)
        return cls(tuple(data.covariates.encoded), stacked.mean(axis=0), scale)

    def past(self, data: SeriesSet, key: str) -> np.ndarray:
        """(history length, covariates) standardized values of series ``key``."""
        self.check(data)
        return self._standardized(data.covariates.past_values(key))

    def future(self, data: SeriesSet, key: str, horizon: int) -> np.ndarray:
        """(horizon, covariates) standardized values over the steps after series ``key``."""
        self.check(data)
        return self._standardized(data.covariates.future_values(key, horizon))

    def check(self, data: SeriesSet) -> None:
        """Refuse series whose covariates are not the ones the network was trained on."""
        given = tuple(data.covariates.encoded) if data.covariate_names() else ()
        if given != self.names:
            raise InputError(
                f"the network was trained with the covariates {', '.join(self.names)} as inputs, "
                f"but these series come with {', '.join(given) or 'none'}; give the same "
                "covariate columns (with their future values) as in training")

    def _standardized(self, values: np.ndarray) -> np.ndarray:
        return ((values - self.centre) / self.scale).astype(np.float32)

    def to_dict(self) -> dict:
        return {"names": list(self.names), "centre": self.centre.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, state: dict | None) -> CovariateInputs | None:
        if not state:
            return None
        return cls(tuple(state["names"]), np.asarray(state["centre"], dtype=float),
                   np.asarray(state["scale"], dtype=float))


def window_conditions(name: str, conditions, rows: int, steps: int, covariates: int) -> np.ndarray | None:
    """A window model's ``conditions`` as float32 (rows, steps, covariates): one row per window,
    or one row for all of them; None where none are given and the model learned none. Refuses
    missing conditions for a model fitted with covariates, and misshapen or non-finite ones."""
    if conditions is None:
        if covariates:
            raise InputError(f"{name}: fitted with {covariates} covariates per step, so it needs "
                             "their values: pass conditions (windows, steps, covariates)")
        return None
    conditions = np.array(conditions, dtype=np.float32)  # a writable copy: torch reads it in place
    expected = (rows, steps, covariates)
    if conditions.shape == (1, steps, covariates):
        conditions = np.repeat(conditions, rows, axis=0)
    if conditions.shape != expected or not np.isfinite(conditions).all():
        raise InputError(f"{name}: conditions must be finite, of shape {expected} (windows, steps, "
                         f"covariates) or {(1, steps, covariates)} for all windows, not "
                         f"{conditions.shape}")
    return conditions


def window_condition_tensor(name: str, conditions, rows: int, steps: int, covariates: int, device=None):
    """``window_conditions`` as a float32 tensor on ``device``: (rows, steps, covariates), or
    (rows, steps, 0) where there are none."""
    import torch

    given = window_conditions(name, conditions, rows, steps, covariates)
    if given is None:
        return torch.zeros(rows, steps, 0, device=device)
    return torch.as_tensor(given, device=device)
