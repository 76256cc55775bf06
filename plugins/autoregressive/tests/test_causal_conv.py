"""causal-conv: causality, cached sampling equal to naive recomputation, forecasts."""

import numpy as np
import pytest
import torch
from forecastgen_autoregressive.causal_conv import CausalConvNetwork

import forecastgen


def test_convolutions_never_look_ahead():
    torch.manual_seed(0)
    network = CausalConvNetwork(input_size=3, param_count=2, channels=8, num_layers=4, kernel_size=3)
    x = torch.randn(1, 45, 3, requires_grad=True)
    network(x)[0, 36].sum().backward()
    influence = x.grad[0].abs().sum(dim=1)
    earliest = 36 - network.receptive_field + 1
    assert network.receptive_field == 31 and earliest == 6
    assert influence[37:].sum() == 0  # nothing after the step
    assert influence[36] > 0 and influence[earliest] > 0
    assert influence[:earliest].sum() == 0  # nothing before the receptive field


@pytest.mark.parametrize("kernel_size", [2, 3])
def test_cached_steps_equal_the_full_forward(kernel_size):
    torch.manual_seed(1)
    network = CausalConvNetwork(input_size=4, param_count=3, channels=6, num_layers=3,
                                kernel_size=kernel_size).double()
    x = torch.randn(5, 30, 4, dtype=torch.float64)
    full = network(x)
    caches = network.prime(x[:, :12])
    for t in range(12, 30):
        raw, caches = network.step(x[:, t], caches)
        torch.testing.assert_close(raw, full[:, t])


def test_cached_and_naive_sampling_give_the_same_paths(airline, tiny):
    model = forecastgen.create("causal-conv", channels=8, num_layers=3, **{
        k: v for k, v in tiny.items() if k not in ("hidden_size", "num_layers")}).fit(airline)
    cached = model.predict(10, num_samples=40, seed=7).samples["airline"]
    naive = model.set_params(sampling="naive").predict(10, num_samples=40, seed=7).samples["airline"]
    np.testing.assert_allclose(cached, naive, rtol=1e-4)
    assert np.isfinite(cached).all() and cached.std(axis=0).min() > 0
