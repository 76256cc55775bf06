"""Properties of forecasts over series that hypothesis generates.

- Any series, however degenerate (constant stretches, zeros, spikes, steps, exact ramps,
  extreme scales), is forecast within a sane range of its history or refused with an
  InputError (the rule of ``forecastgen.testing.awkward``).
- Equivariance of the median forecast where the model promises it: forecast(a*y + b) =
  a*forecast(y) + b for snaive, patchcast (it standardizes its context) and ets with
  additive errors (fitted to the standardized series); forecast(a*y) = a*forecast(y),
  a > 0, for theta (fitted to the series over its mean absolute value), ets and ces.
- The forecast of a series does not depend on the other series of the file, nor on their order.
"""

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import forecastgen  # noqa: E402
from forecastgen.registry import default_registry  # noqa: E402
from forecastgen.testing import AwkwardCase, check_awkward_series, ordinary_values  # noqa: E402

PROPERTIES = settings(max_examples=12, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.too_slow])
ORDERS = settings(PROPERTIES, max_examples=5)  # each example fits the file three times
ALIASES = {"MS": 12, "QS": 4, "YS": 1, "D": 7, "W-SUN": 52}
HORIZON = 6


@st.composite
def awkward_series(draw) -> tuple[np.ndarray, str]:
    """A series built from pieces that break careless arithmetic, and its frequency alias."""
    alias = draw(st.sampled_from(sorted(ALIASES)))
    length = draw(st.integers(HORIZON, 90))
    steps = np.arange(length, dtype=float)
    shape = draw(st.sampled_from(["constant", "ordinary", "ramp", "sine", "counts", "step", "spike"]))
    seed = draw(st.integers(0, 1000))
    rng = np.random.default_rng(seed)
    values = {
        "constant": np.zeros(length),
        "ordinary": ordinary_values(length, ALIASES[alias], seed) - 100.0,
        "ramp": steps,
        "sine": np.sin(2 * np.pi * steps / max(ALIASES[alias], 2)),
        "counts": np.where(rng.uniform(size=length) < 0.85, 0.0, rng.poisson(3.0, length) + 1.0),
        "step": np.where(steps < length // 2, 1.0, 0.0),
        "spike": np.where(steps == length // 3, 1.0, 0.0),
    }[shape]
    scale = 10.0 ** draw(st.integers(-12, 15))
    level = draw(st.sampled_from([0.0, 1.0, -1.0, 1e3])) * scale
    return level + scale * values, alias


def as_frame(values: np.ndarray, alias: str, key: str = "y") -> pd.DataFrame:
    stamps = pd.date_range("2001-01-01", periods=len(values), freq=alias)
    return pd.DataFrame({"id": key, "timestamp": stamps, "value": values})


@pytest.mark.parametrize("model", ["snaive", "ets", "theta", "ces", "patchcast", "auto"])
@PROPERTIES
@given(drawn=awkward_series())
def test_any_series_forecasts_within_range_or_is_refused(model, drawn):
    values, alias = drawn
    params = default_registry().get(model).test_params
    case = AwkwardCase("drawn", f"{len(values)} {alias} points", as_frame(values, alias), alias)
    outcome = check_awkward_series(forecastgen.create(model, **params), case)
    long_enough = len(values) >= {"YS": 6, "QS": 8, "MS": 18, "D": 14, "W-SUN": 13}[alias]
    assert outcome.kind == ("forecast" if long_enough else "refused"), outcome.message


def median_forecast(model: str, params: dict, values: np.ndarray, alias: str) -> np.ndarray:
    series = pd.Series(values, index=pd.date_range("2001-01-01", periods=len(values), freq=alias), name="y")
    forecast = forecastgen.create(model, **params).fit_predict(series, HORIZON, num_samples=60, seed=5)
    return forecast.quantile(0.5)["q50"].to_numpy()


# (model, settings, whether the promise includes a shift): a*y + b, or a*y with a > 0 (ARIMA
# promises neither: a change of scale in the last bit can tip its order search)
EQUIVARIANT = [("snaive", {}, True), ("patchcast", {}, True), ("ets", {"error": "add"}, True),
               ("theta", {}, False), ("ets", {}, False), ("ces", {}, False)]


@st.composite
def ordinary_and_map(draw, shift: bool) -> tuple:
    alias = draw(st.sampled_from(["MS", "QS", "YS"]))
    values = ordinary_values(draw(st.integers(24, 72)), ALIASES[alias], draw(st.integers(0, 1000)))
    a = 10.0 ** draw(st.floats(-6, 6))
    b = draw(st.floats(-1e4, 1e4)) if shift else 0.0
    return values, alias, a, b


@pytest.mark.parametrize("model, params, shift", EQUIVARIANT,
                         ids=[f"{m}{p or ''}-{'affine' if b else 'scale'}" for m, p, b in EQUIVARIANT])
@PROPERTIES
@given(data=st.data())
def test_the_median_forecast_follows_the_map_of_the_series(model, params, shift, data):
    values, alias, a, b = data.draw(ordinary_and_map(shift))
    base = median_forecast(model, params, values, alias)
    mapped = median_forecast(model, params, a * values + b, alias)
    np.testing.assert_allclose(mapped, a * base + b, rtol=0, atol=1e-6 * a * np.ptp(values) + 1e-9 * abs(b))


def four_series(seed: int) -> list[pd.DataFrame]:
    return [as_frame(ordinary_values(40, 12, seed + k), "MS", key=f"s{k}") for k in range(4)]


def file_forecast(name: str, parts: list[pd.DataFrame]) -> pd.DataFrame:
    model = forecastgen.create(name, **default_registry().get(name).test_params)
    forecast = model.fit_predict(pd.concat(parts), HORIZON, num_samples=40, seed=2)
    return forecast.to_frame().set_index(["id", "timestamp"]).sort_index()


@pytest.mark.parametrize("model", ["snaive", "ets", "theta", "patchcast"])
@ORDERS
@given(order=st.permutations(range(4)), seed=st.integers(0, 100))
def test_a_series_forecast_depends_neither_on_the_order_of_the_file_nor_on_the_others(model, order, seed):
    frames = four_series(seed)
    together = file_forecast(model, [frames[k] for k in order])
    np.testing.assert_allclose(together.to_numpy(), file_forecast(model, frames).to_numpy(), rtol=1e-12)
    first = f"s{order[0]}"
    alone = file_forecast(model, [frames[order[0]]])  # patchcast's float32 network in another batch: rounding
    np.testing.assert_allclose(together.loc[first].to_numpy(), alone.loc[first].to_numpy(), rtol=1e-6)


@settings(ORDERS, max_examples=2)  # each example runs auto's backtests twice
@given(order=st.permutations(range(4)), seed=st.integers(0, 100))
def test_autos_forecast_does_not_depend_on_the_order_of_the_file(order, seed):
    """auto chooses one combination for the whole file, so only the order may not matter."""
    frames = four_series(seed)
    together = file_forecast("auto", [frames[k] for k in order])
    np.testing.assert_allclose(together.to_numpy(), file_forecast("auto", frames).to_numpy(), rtol=1e-12)
