"""Every registered forecaster against the catalogue of awkward series (``forecastgen.testing.awkward``):
each case alone in its file and in a long file beside an ordinary series, through the library and
through ``forecastgen predict``. A run forecasts within a sane range of the history (a constant
as itself, with a note) or is refused with one clear line; never an exit code 1, a traceback or
a NaN. The forecasters that train nothing (and the default, ``auto``) must forecast every case
that is long enough; the neural ones may refuse what they cannot learn (no autocorrelation,
too few windows) and run in the slow tier with their tiny test settings.
``benchmarks/awkward_series.py`` prints the whole matrix, outcome by outcome.
"""

import pytest

from forecastgen.registry import default_registry
from forecastgen.testing import awkward_cases, check_awkward_series
from forecastgen.testing.awkward import CLI, FORECAST, LIBRARY, REFUSED

REGISTRY = default_registry()
CASES = {case.name: case for case in awkward_cases()}
FORECASTERS = [name for name in REGISTRY.names() if {"forecast", "series"} <= REGISTRY.get(name).capabilities]
# trains nothing on the series: seconds for the whole catalogue, and must forecast every long-enough case
CHEAP = [name for name in FORECASTERS
         if REGISTRY.get(name).interface == "sequence" and not REGISTRY.get(name).trains]
TEST_SETTINGS, DEFAULT_SETTINGS = "test-settings", "default-settings"
SLOW_MODELS = ("arima",)  # its order search takes seconds a series
SLOW_CASES = ("long-hourly",)


def model_for(name: str, settings: str):
    """The model with its default settings (what users run) or its plugin's tiny test settings."""
    return REGISTRY.create(name, **({} if settings == DEFAULT_SETTINGS else REGISTRY.get(name).test_params))


def runs():
    """(model, settings, case, layout, route), each in its tier: the fast one holds every case
    alone in its file through the library for the cheap forecasters (ARIMA's search aside), and
    through the CLI for auto with its test settings; the slow one holds the rest: long files,
    the CLI for every model, the default auto's own settings, ARIMA and the neural models."""
    for name in FORECASTERS:
        for settings in (TEST_SETTINGS, DEFAULT_SETTINGS) if name == "auto" else (TEST_SETTINGS,):
            for case in CASES:
                for layout in ("single", "long"):
                    for route in (LIBRARY, CLI):
                        fast = (settings == TEST_SETTINGS and layout == "single" and case not in SLOW_CASES
                                and name in CHEAP and name not in SLOW_MODELS
                                and route == (CLI if name == "auto" else LIBRARY))
                        yield pytest.param(name, settings, case, layout, route,
                                           marks=() if fast else (pytest.mark.slow,),
                                           id=f"{name}-{settings}-{case}-{layout}-{route}")


@pytest.mark.parametrize("name, settings, case_name, layout, route", list(runs()))
def test_forecaster_forecasts_or_refuses_cleanly(name, settings, case_name, layout, route):
    case = CASES[case_name] if layout == "single" else CASES[case_name].in_long_file()
    outcome = check_awkward_series(model_for(name, settings), case, route)
    if CASES[case_name].refused:
        if layout == "single" or route == LIBRARY:
            assert outcome.kind == REFUSED and "fewer than the horizon" in outcome.message
        else:  # the CLI leaves the short series out of a long file and forecasts the rest
            assert outcome.kind == FORECAST and outcome.left_out == [case_name]
    elif name in CHEAP:
        assert outcome.kind == FORECAST, outcome.message
