"""Registers the pretrained forecaster. Imports nothing heavy: the class loads on first use."""

from forecastgen import ModelSpec, hookimpl


@hookimpl
def register_models(register):
    register(ModelSpec(
        name="patchcast", factory="forecastgen_pretrained.patchcast:PatchCastForecaster",
        interface="sequence", family="pretrained",
        capabilities=frozenset({"forecast", "series", "new_series", "covariates"}),
        summary="pretrained transformer + MLP: zero-shot quantiles of any series, paths by copula",
        # on data without a season only under 40 points: on longer yearly histories it extrapolates
        # the last years' trend, and arima takes its place (benchmarks/results/default_study.md)
        test_params={}, auto_default="seasonal", auto_default_below=40, cost_rank=60))
