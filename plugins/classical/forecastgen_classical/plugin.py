"""Registers the classical forecasters. Imports nothing heavy: classes load on first use."""

from forecastgen import ModelSpec, hookimpl

SERIES_FORECASTER = frozenset({"forecast", "series", "covariates"})


@hookimpl
def register_models(register):
    # auto's default candidates here, chosen by issue 40's protocol (benchmarks/results/
    # default_study.md): theta, damped and ces everywhere, with patchcast, or arima on series
    # without a season from 40 points on; snaive and ets added nothing to them
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
        # auto's default only without a season (on seasonal data its search costs seconds a
        # series) and from 40 points on, in patchcast's place (on shorter yearly series patchcast
        # did better: Tourism's and M1's; benchmarks/results/default_study.md)
        test_params={"max_history": 48}, auto_default="non-seasonal", auto_default_from=40, cost_rank=50))
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
