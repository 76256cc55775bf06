"""Registers the classical forecasters. Imports nothing heavy: classes load on first use."""

from forecastgen import ModelSpec, hookimpl

SERIES_FORECASTER = frozenset({"forecast", "series", "covariates"})


@hookimpl
def register_models(register):
    # auto's default candidates here: theta, damped and ces (with patchcast), chosen by issue 40's
    # protocol (benchmarks/results/default_study.md); snaive and ets added nothing to them
    register(ModelSpec(
        name="snaive", factory="forecastgen_classical.seasonal_naive:SeasonalNaive",
        interface="sequence", family="classical", capabilities=SERIES_FORECASTER,
        summary="seasonal naive: repeats the last season, Gaussian random-walk uncertainty",
        cost_rank=10))
    register(ModelSpec(
        name="ets", factory="forecastgen_classical.ets:ETS",
        interface="sequence", family="classical", capabilities=SERIES_FORECASTER,
        summary="exponential smoothing state space model, trend/damping/season chosen by AICc",
        test_params={"error": "add"}, cost_rank=30))
    register(ModelSpec(
        name="theta", factory="forecastgen_classical.theta:Theta",
        interface="sequence", family="classical", capabilities=SERIES_FORECASTER,
        summary="Theta method and its optimised/dynamic variants on the seasonally adjusted series",
        auto_default=True, cost_rank=20))
    register(ModelSpec(
        name="arima", factory="forecastgen_classical.arima:ARIMA",
        interface="sequence", family="classical", capabilities=SERIES_FORECASTER,
        summary="ARIMA with differencing and orders chosen automatically (Hyndman-Khandakar)",
        # not in auto's default set: auto scored the same without it in much less time
        # (benchmarks/results/pretrained_benchmark.md, rows auto and auto-with-arima)
        test_params={"max_history": 48}, cost_rank=50))
    register(ModelSpec(
        name="damped", factory="forecastgen_classical.damped:DampedTrend",
        interface="sequence", family="classical", capabilities=SERIES_FORECASTER,
        summary="damped-trend Holt-Winters (Gardner & McKenzie): one fixed form, no search",
        auto_default=True, cost_rank=35))
    register(ModelSpec(
        name="ces", factory="forecastgen_classical.ces:CES",
        interface="sequence", family="classical", capabilities=SERIES_FORECASTER,
        summary="complex exponential smoothing, seasonal form chosen by AIC",
        auto_default=True, cost_rank=40))
