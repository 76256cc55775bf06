"""Registers the pretrained forecaster. Imports nothing heavy: the class loads on first use."""

from forecastgen import ModelSpec, hookimpl


@hookimpl
def register_models(register):
    register(ModelSpec(
        name="patchcast", factory="forecastgen_pretrained.patchcast:PatchCastForecaster",
        interface="sequence", family="pretrained",
        capabilities=frozenset({"forecast", "series", "new_series", "covariates"}),
        summary="pretrained transformer + MLP: zero-shot quantiles of any series, paths by copula",
        test_params={}, auto_default=True, cost_rank=60))
