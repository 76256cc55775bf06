"""The likelihood heads against torch.distributions and closed forms."""

import math

import pytest
import torch
from forecastgen_autoregressive.likelihoods import likelihood
from torch import distributions as D
from torch.nn.functional import softplus

RAW = torch.tensor([[0.3, -0.2, 0.5], [1.5, 0.7, -1.0]])
LOC = torch.tensor([10.0, -3.0])
SCALE = torch.tensor([2.0, 0.5])
Y = torch.tensor([11.0, -2.2])


def test_student_t_is_the_affine_image_of_a_student_t():
    df = 2 + softplus(RAW[:, 0])
    sigma = softplus(RAW[:, 2]) + 1e-3
    expected = D.StudentT(df, LOC + SCALE * RAW[:, 1], SCALE * sigma).log_prob(Y)
    got = likelihood("student_t").distribution(RAW, LOC, SCALE).log_prob(Y)
    torch.testing.assert_close(got, expected)


def test_normal_log_prob_includes_the_jacobian():
    sigma = softplus(RAW[:, 1]) + 1e-3
    z = (Y - LOC) / SCALE
    expected = D.Normal(RAW[:, 0], sigma).log_prob(z) - SCALE.log()
    got = likelihood("normal").distribution(RAW[:, :2], LOC, SCALE).log_prob(Y)
    torch.testing.assert_close(got, expected)
    assert got == pytest.approx(D.Normal(LOC + SCALE * RAW[:, 0], SCALE * sigma).log_prob(Y))


def test_negative_binomial_mean_variance_and_pmf():
    raw = torch.tensor([[0.4, -0.3]])
    scale = torch.tensor([5.0])
    distribution = likelihood("negbin").distribution(raw, torch.zeros(1), scale)
    mean = softplus(raw[:, 0]) * scale + 1e-6
    alpha = softplus(raw[:, 1]) / scale.sqrt() + 1e-6
    torch.testing.assert_close(distribution.mean, mean)
    torch.testing.assert_close(distribution.variance, mean + alpha * mean ** 2)
    k = torch.tensor([3.0])
    r = 1 / alpha
    p = mean / (mean + r)
    pmf = (torch.lgamma(k + r) - torch.lgamma(r) - math.lgamma(4.0)
           + r * torch.log(1 - p) + k * torch.log(p))
    torch.testing.assert_close(distribution.log_prob(k), pmf)
    total = distribution.log_prob(torch.arange(0.0, 400.0)[:, None]).exp().sum()
    assert float(total) == pytest.approx(1, abs=1e-4)


def test_unknown_likelihood_lists_the_choices():
    from forecastgen.errors import InputError

    with pytest.raises(InputError, match="student_t, normal, negbin"):
        likelihood("poisson")
