"""The core distribution's own plugin: registers ``auto`` through the same door as every
other model."""

from forecastgen.hookspecs import hookimpl
from forecastgen.registry import ModelSpec


@hookimpl
def register_models(register):
    register(ModelSpec(
        name="auto", factory="forecastgen.auto:AutoForecaster", interface="sequence", family="selection",
        capabilities=frozenset({"forecast", "series", "new_series", "covariates"}),
        summary="backtests the suitable forecasters and mixes their paths by backtest score",
        test_params={"num_samples": 20}))
