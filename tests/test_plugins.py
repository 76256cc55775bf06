"""The plugin door: inline plugins, bad plugins, lazy registration, creation checks."""

import sys
from dataclasses import replace
from functools import partial

import pytest

from forecastgen import ModelSpec, hookimpl
from forecastgen.errors import InputError, PluginError, UnknownModelError
from forecastgen.interfaces import SequenceGenerator
from forecastgen.plugins import PluginWarning
from forecastgen.registry import AUTO_DEFAULTS, Registry, split_model_spec


class Drift(SequenceGenerator):
    """A tiny third-party model: the last value plus the mean step, with no noise."""

    name = "drift"
    capabilities = frozenset({"forecast", "series"})

    def __init__(self, damping: float = 1.0):
        self.damping = damping

    def fit(self, data):
        from forecastgen import as_series_set

        self.data_ = as_series_set(data)
        return self

    def predict(self, horizon=None, num_samples=200, seed=None):
        import numpy as np

        from forecastgen import Forecast

        horizon = horizon or self.data_.freq.default_horizon
        samples, index = {}, {}
        for key, series in self.data_:
            y = series.to_numpy()
            step = self.damping * (y[-1] - y[0]) / (len(y) - 1)
            path = y[-1] + step * np.arange(1, horizon + 1)
            samples[key] = np.tile(path, (num_samples, 1))
            index[key] = self.data_.future_index(key, horizon)
        return Forecast(samples, index, model=self.name)


class InlinePlugin:
    @hookimpl
    def register_models(self, register):
        register(ModelSpec(name="drift", factory=f"{__name__}:Drift", interface="sequence",
                           family="toy", capabilities={"forecast", "series"}))


def test_inline_plugin_registers_a_working_model(airline):
    registry = Registry.build((InlinePlugin(),))
    assert {"drift", "ets", "snaive", "theta"} <= set(registry.names())
    assert registry.get("drift").plugin == "(registered in code)"
    forecast = registry.create("drift", damping=0.5).fit(airline).predict(3)
    step = 0.5 * (432 - 112) / 143
    assert forecast.samples["airline"][0] == pytest.approx([432 + step, 432 + 2 * step, 432 + 3 * step])


def test_registration_is_lazy():
    sys.modules.pop("forecastgen_classical.ets", None)
    registry = Registry.build()
    assert "ets" in registry.names()
    assert "forecastgen_classical.ets" not in sys.modules
    registry.create("ets")
    assert "forecastgen_classical.ets" in sys.modules


def test_unknown_model_and_unknown_parameter():
    registry = Registry.build()
    with pytest.raises(UnknownModelError, match="did you mean 'theta'"):
        registry.get("thetta")
    with pytest.raises(UnknownModelError, match="unknown model 'zzz' Run"):
        registry.get("zzz")
    with pytest.raises(InputError, match="has no parameter 'alpha'"):
        registry.create("snaive", alpha=1)


def test_a_model_spec_names_a_model_and_its_parameters():
    assert split_model_spec("ets") == ("ets", {})
    assert split_model_spec(" ets:transform=log:max_history=200 ") == (
        "ets", {"transform": "log", "max_history": 200})
    assert split_model_spec("rnn:predict_change=false:hidden_size=8") == (
        "rnn", {"predict_change": False, "hidden_size": 8})
    with pytest.raises(InputError, match="write its parameters as name:key=value"):
        split_model_spec("ets:transform")


def test_hook_with_an_argument_not_in_the_spec_is_refused_with_a_warning():
    class WrongArguments:
        @hookimpl
        def register_models(self, register, extra):
            raise AssertionError("never called")

    with pytest.warns(PluginWarning, match="invalid hook"):
        registry = Registry.build((WrongArguments(),))
    assert "ets" in registry.names()
    assert "invalid hook" in registry.problems[0].error


def test_misspelled_hook_is_refused_with_a_warning():
    class Misspelled:
        @hookimpl
        def register_model(self, register):
            raise AssertionError("never called")

    with pytest.warns(PluginWarning, match="unknown hook"):
        registry = Registry.build((Misspelled(),))
    assert "ets" in registry.names()
    assert not registry.loaded.manager.is_registered(Misspelled)


def test_a_hook_that_raises_or_registers_junk_leaves_the_others():
    class Raising:
        @hookimpl
        def register_models(self, register):
            register(ModelSpec(name="good", factory=f"{__name__}:Drift", interface="sequence",
                               family="toy", capabilities={"forecast", "series"}))
            register("not a spec")

    with pytest.warns(PluginWarning, match="register_models failed: PluginError"):
        registry = Registry.build((Raising(),))
    assert {"good", "ets"} <= set(registry.names())


def test_spec_and_class_capabilities_must_agree():
    class Liar:
        @hookimpl
        def register_models(self, register):
            register(ModelSpec(name="liar", factory=f"{__name__}:Drift", interface="sequence",
                               family="toy", capabilities={"forecast", "series", "sample"}))

    registry = Registry.build((Liar(),), use_entry_points=False)
    with pytest.raises(PluginError, match="declares capabilities"):
        registry.create("liar")


def test_spec_validation():
    with pytest.raises(PluginError, match="unknown capabilities"):
        ModelSpec(name="x", factory="a:B", interface="sequence", family="f", capabilities={"fly"})
    with pytest.raises(PluginError, match="write it as 'package.module:Class'"):
        ModelSpec(name="x", factory="a.B", interface="sequence", family="f", capabilities=set())
    with pytest.raises(PluginError, match="interface 'series'; use one of sequence, density"):
        ModelSpec(name="x", factory="a:B", interface="series", family="f", capabilities=set())
    with pytest.raises(PluginError, match="has no family"):
        ModelSpec(name="x", factory="a:B", interface="sequence", capabilities=set())
    with pytest.raises(PluginError, match="auto_default 'monthly'; use True, False, 'seasonal' or"):
        ModelSpec(name="x", factory="a:B", interface="sequence", family="f", auto_default="monthly")


def test_auto_default_can_depend_on_the_season():
    spec = partial(ModelSpec, name="x", factory="a:B", interface="sequence", family="f")
    seasonal = [spec(auto_default=when).auto_default_for(12, 50) for when in AUTO_DEFAULTS]
    yearly = [spec(auto_default=when).auto_default_for(1, 50) for when in AUTO_DEFAULTS]
    assert seasonal == [False, True, True, False] and yearly == [False, True, False, True]
    long_only = spec(auto_default=True, auto_default_from=40)
    assert [long_only.auto_default_for(1, points) for points in (39, 40)] == [False, True]
    seasonal_or_short = spec(auto_default="seasonal", auto_default_below=40)
    assert [seasonal_or_short.auto_default_for(1, points) for points in (39, 40)] == [True, False]
    assert seasonal_or_short.auto_default_for(12, 400)
    with pytest.raises(PluginError, match="auto_default_from -1; give a whole number of points"):
        spec(auto_default=True, auto_default_from=-1)


def test_the_old_kind_keyword_still_registers_a_model_with_a_warning():
    with pytest.warns(DeprecationWarning, match="kind= is renamed interface="):
        spec = ModelSpec(name="x", factory="a:B", kind="density", family="f", capabilities=set())
    assert spec.interface == "density"
    assert replace(spec, plugin="p").interface == "density"
