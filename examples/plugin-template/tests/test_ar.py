"""The template plugin's tests: forecastgen's conformance kit, and the model's own numbers."""

import numpy as np
import pandas as pd
import pytest
from forecastgen_ar.ar import ARForecaster

from forecastgen.errors import InputError
from forecastgen.testing import awkward_cases, check_awkward_series, parametrize_with_checks


# --8<-- [start:conformance]
@parametrize_with_checks([ARForecaster(order=1), ARForecaster(order=3)])
def test_conformance(model, check):  # one named test per check: ar(order=3)-check_log_prob
    check(model)
# --8<-- [end:conformance]


# --8<-- [start:awkward]
AWKWARD = awkward_cases(include_long=False)  # constants, zeros, extreme scales, the shortest series...


@pytest.mark.parametrize("case", AWKWARD, ids=[case.name for case in AWKWARD])
@pytest.mark.parametrize("layout", ["single", "long"])
def test_awkward_series_are_forecast_sanely_or_refused_cleanly(case, layout):
    check_awkward_series(ARForecaster(order=2), case if layout == "single" else case.in_long_file())
# --8<-- [end:awkward]


def simulated_ar2(length: int = 3000, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    y = np.zeros(length)
    for t in range(2, length):
        y[t] = 5.0 + 0.6 * y[t - 1] - 0.3 * y[t - 2] + rng.normal()
    return pd.Series(y, index=pd.date_range("2000-01-01", periods=length, freq="D"), name="y")


def test_recovers_the_coefficients_of_a_simulated_ar2():
    model = ARForecaster(order=2).fit(simulated_ar2())
    state = model.states_["y"]
    np.testing.assert_allclose(state.coefficients, [0.6, -0.3], atol=0.04)
    assert state.intercept == pytest.approx(5.0, abs=0.3)
    assert state.sigma == pytest.approx(1.0, abs=0.05)


def test_long_run_forecast_reaches_the_process_mean():
    forecast = ARForecaster(order=2).fit(simulated_ar2()).predict(60, num_samples=2000, seed=1)
    assert forecast.samples["y"][:, -1].mean() == pytest.approx(5.0 / (1 - 0.6 + 0.3), abs=0.1)


def test_the_tables_mean_is_the_exact_mean_and_the_paths_agree():
    forecast = ARForecaster(order=2).fit(simulated_ar2()).predict(10, num_samples=4000, seed=1)
    exact = forecast.means["y"]
    np.testing.assert_array_equal(forecast.to_frame()["mean"], exact)
    np.testing.assert_allclose(forecast.samples["y"].mean(axis=0), exact, atol=0.1)


def test_refuses_a_series_too_short_for_its_order():
    with pytest.raises(InputError, match="order 6 needs at least 14 points"):
        ARForecaster(order=6).fit(simulated_ar2(length=10))
