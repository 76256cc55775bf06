"""forecastgen: learn the distribution of time series with generative models, then
forecast (probabilistic forecasts) and synthesize.

    >>> import forecastgen
    >>> forecast = forecastgen.forecast("examples/data/airline.csv")   # what `forecastgen predict` does
    >>> forecast.to_frame(quantiles=[0.1, 0.5, 0.9]), forecast.notes
    >>> data = forecastgen.read_series("examples/data/airline.csv")
    >>> forecast = forecastgen.create("ets").fit(data).predict(horizon=12, seed=0)
    >>> forecast.to_frame(quantiles=[0.1, 0.5, 0.9])
    >>> model = forecastgen.create("rnn", max_epochs=5).fit(data)
    >>> forecastgen.save(model, "airline-rnn")            # weights and config, nothing pickled
    >>> forecastgen.load("airline-rnn").predict(horizon=12, data=data)

Importing forecastgen is light; pandas, statsmodels and torch load on first use.
"""

from forecastgen.hookspecs import hookimpl
from forecastgen.registry import MinimumHistory, ModelSpec, create, list_models

__version__ = "0.2.0"  # every distribution of the repository has this version (tests/test_project.py)

_LAZY = {
    "read_series": "forecastgen.data",
    "as_series_set": "forecastgen.data",
    "SeriesSet": "forecastgen.data",
    "Forecast": "forecastgen.forecasts",
    "backtest": "forecastgen.evaluate",
    "cross_validation": "forecastgen.evaluate",
    "check": "forecastgen.workflows",
    "forecast": "forecastgen.workflows",
    "forecaster": "forecastgen.workflows",
    "fit": "forecastgen.workflows",
    "read": "forecastgen.workflows",
    "sample": "forecastgen.workflows",
    "upscale": "forecastgen.workflows",
    "score": "forecastgen.workflows",
    "SequenceGenerator": "forecastgen.interfaces",
    "DensityModel": "forecastgen.interfaces",
    "PerSeriesForecaster": "forecastgen.per_series",
    "LocalForecaster": "forecastgen.local",  # PerSeriesForecaster's name up to 0.1 (warns)
    "InputError": "forecastgen.errors",
    "on_cluster": "forecastgen.engine.parallel",
    "RayCluster": "forecastgen.engine.parallel",
    "use_threads": "forecastgen.engine.threads",
    "save": ("forecastgen.engine.checkpoint", "save_checkpoint"),  # save(model, folder)
    "load": ("forecastgen.engine.checkpoint", "load_checkpoint"),  # load(folder, device="cpu")
}

__all__ = ["MinimumHistory", "ModelSpec", "create", "hookimpl", "list_models", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name] if isinstance(_LAZY[name], tuple) else (_LAZY[name], name)
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'forecastgen' has no attribute {name!r}")
