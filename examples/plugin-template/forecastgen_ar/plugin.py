"""Registers the model. Keep this module light: the class is imported only when used."""

# --8<-- [start:registration]
from forecastgen import ModelSpec, hookimpl


@hookimpl
def register_models(register):
    register(ModelSpec(
        name="ar", factory="forecastgen_ar.ar:ARForecaster", interface="sequence", family="classical",
        capabilities=frozenset({"forecast", "log_prob", "series"}),
        summary="AR(p) by least squares with Gaussian noise (template plugin)",
        test_params={"order": 2},
        auto_default=True, cost_rank=25))  # auto backtests it by default, after theta
# --8<-- [end:registration]
