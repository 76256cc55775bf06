"""Likelihood heads: turn a network's raw outputs into a predictive distribution.

Each head maps ``param_count`` raw numbers per step to a ``torch.distributions``
distribution in the data's own units, given the window's location and scale:

- ``student_t`` and ``normal`` model the standardized value z = (y - loc) / scale and
  carry the affine map back, so ``log_prob`` includes its Jacobian (-log scale);
- ``negbin`` (for non-negative integer data) uses mean scaling as DeepAR does
  (Salinas et al. 2020): mean = scale * softplus(a), dispersion = softplus(b) /
  sqrt(scale), with variance mean + dispersion * mean^2.
"""

from __future__ import annotations

import torch
from torch import distributions as D
from torch.nn.functional import softplus

MIN_SCALE = 1e-3


class Likelihood:
    name = ""
    param_count = 0
    mean_scaling = False  # True: loc is 0 and scale is 1 + mean(|context|)
    location_index: int | None = None  # the raw output that shifts the standardized value
    has_temperature = False  # True: ``temperature`` multiplies the distribution's scale

    def distribution(self, raw: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor,
                     temperature: float = 1.0) -> D.Distribution:
        raise NotImplementedError


class StudentT(Likelihood):
    name, param_count, location_index, has_temperature = "student_t", 3, 1, True

    def distribution(self, raw, loc, scale, temperature=1.0):
        df = 2.0 + softplus(raw[..., 0])
        base = D.StudentT(df, raw[..., 1], (softplus(raw[..., 2]) + MIN_SCALE) * temperature)
        return D.TransformedDistribution(base, [D.AffineTransform(loc, scale)])


class Normal(Likelihood):
    name, param_count, location_index, has_temperature = "normal", 2, 0, True

    def distribution(self, raw, loc, scale, temperature=1.0):
        base = D.Normal(raw[..., 0], (softplus(raw[..., 1]) + MIN_SCALE) * temperature)
        return D.TransformedDistribution(base, [D.AffineTransform(loc, scale)])


class NegativeBinomial(Likelihood):
    name, param_count, mean_scaling = "negbin", 2, True

    def distribution(self, raw, loc, scale, temperature=1.0):
        mean = softplus(raw[..., 0]) * scale + 1e-6
        dispersion = softplus(raw[..., 1]) / scale.sqrt() + 1e-6
        return D.NegativeBinomial(total_count=1.0 / dispersion, logits=(mean * dispersion).log())


LIKELIHOODS = {cls.name: cls for cls in (StudentT, Normal, NegativeBinomial)}


def likelihood(name: str) -> Likelihood:
    from forecastgen.errors import InputError

    if name not in LIKELIHOODS:
        raise InputError(f"unknown likelihood {name!r}; use one of {', '.join(LIKELIHOODS)}")
    return LIKELIHOODS[name]()
