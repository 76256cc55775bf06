"""Model specs, lookup by name, and creating models.

A plugin registers a ``ModelSpec`` per model: its name, what it can do, and where its
class lives (``"package.module:Class"``). The class is imported only when the model
is created, so listing models never imports torch or statsmodels.
"""

from __future__ import annotations

import difflib
import importlib
import json
import warnings
from dataclasses import InitVar, dataclass, field, replace
from functools import cache

from forecastgen.errors import InputError, PluginError, UnknownModelError
from forecastgen.interfaces import CAPABILITIES
from forecastgen.plugins import LoadedPlugins, PluginProblem, PluginWarning, describe, load_plugins

INTERFACES = ("sequence", "density")
# ModelSpec.auto_default: where auto backtests the model when no candidates are named
SEASONAL, NON_SEASONAL = "seasonal", "non-seasonal"
AUTO_DEFAULTS = (False, True, SEASONAL, NON_SEASONAL)


@dataclass(frozen=True)
class MinimumHistory:
    """The shortest history a model fits, in points and in horizons and seasons of the data:
    ``points + horizons * horizon + seasons * season`` points (``auto`` leaves a candidate out
    where the shortest series is shorter)."""

    points: int = 0
    horizons: int = 0
    seasons: int = 0

    def length(self, horizon: int, season: int) -> int:
        return self.points + self.horizons * horizon + self.seasons * season


@dataclass(frozen=True)
class ModelSpec:
    """What a plugin says about one model, before anything heavy is imported."""

    name: str
    factory: str  # "package.module:Class"
    interface: str = ""  # "sequence" (a SequenceGenerator) | "density" (a DensityModel)
    family: str = ""
    capabilities: frozenset[str] = frozenset()
    summary: str = ""
    # whether fit trains a network on the user's series (seconds to minutes): auto then
    # tries the model only when it is named among its candidates
    trains: bool = False
    # settings for a tiny, fast fit (seconds): what the conformance kit runs in CI
    test_params: dict = field(default_factory=dict, hash=False, compare=False)
    # what `auto` needs to know of a forecaster; the defaults keep it out of auto's default set
    # backtested by auto when no candidates are named (fast, fits nothing big): True on every
    # series, "seasonal" only where the data have a season, "non-seasonal" only where they have none
    auto_default: bool | str = False
    auto_default_from: int = 0  # ... and only where the shortest series has this many points
    auto_default_below: int = 0  # ... and, besides, wherever the shortest series has fewer points
    cost_rank: int = 100  # auto backtests, and names, cheaper candidates first: lower is cheaper
    needs_autocorrelation: bool = False  # refuses series without autocorrelation: auto checks first
    min_history: MinimumHistory = MinimumHistory()
    plugin: str = ""  # filled by the registry: the distribution that registered it
    version: str = ""
    kind: InitVar[str | None] = None  # the old name of ``interface``: accepted with a warning

    def __post_init__(self, kind: str | None):
        if kind is not None:
            warnings.warn(f"ModelSpec '{self.name}': kind= is renamed interface=; kind= will be "
                          "removed in forecastgen 1.0", DeprecationWarning, stacklevel=3)
            object.__setattr__(self, "interface", self.interface or kind)
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))
        unknown = self.capabilities - set(CAPABILITIES)
        if unknown:
            raise PluginError(f"model '{self.name}' declares unknown capabilities "
                              f"{sorted(unknown)}; valid ones are {', '.join(CAPABILITIES)}")
        if self.interface not in INTERFACES:
            raise PluginError(f"model '{self.name}' has interface '{self.interface}'; use one of "
                              f"{', '.join(INTERFACES)}")
        if not self.family:
            raise PluginError(f"model '{self.name}' has no family; name one (e.g. 'classical')")
        if self.auto_default not in AUTO_DEFAULTS:
            raise PluginError(f"model '{self.name}' has auto_default {self.auto_default!r}; use True, "
                              f"False, '{SEASONAL}' or '{NON_SEASONAL}'")
        for field_name in ("auto_default_from", "auto_default_below"):
            points = getattr(self, field_name)
            if not (isinstance(points, int) and not isinstance(points, bool) and points >= 0):
                raise PluginError(f"model '{self.name}' has {field_name} {points!r}; give a whole "
                                  "number of points, 0 or more")
        if not isinstance(self.min_history, MinimumHistory):
            raise PluginError(f"model '{self.name}' has min_history {self.min_history!r}; give a "
                              "forecastgen.MinimumHistory(points=, horizons=, seasons=)")
        if ":" not in self.factory:
            raise PluginError(f"model '{self.name}' has factory '{self.factory}'; "
                              "write it as 'package.module:Class'")

    def auto_default_for(self, season: int, shortest: int) -> bool:
        """Whether auto backtests the model by default on data whose season is ``season``
        steps (1: none) and whose shortest series has ``shortest`` points."""
        if shortest < self.auto_default_below:
            return True
        if shortest < self.auto_default_from:
            return False
        if self.auto_default in (SEASONAL, NON_SEASONAL):
            return (season > 1) == (self.auto_default == SEASONAL)
        return bool(self.auto_default)

    def load_class(self) -> type:
        module_name, _, attribute = self.factory.partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise PluginError(f"model '{self.name}' from '{self.plugin}' cannot be loaded from "
                              f"{self.factory}: {exc}") from exc
        declared = frozenset(getattr(cls, "capabilities", ()))
        if declared != self.capabilities:
            raise PluginError(f"model '{self.name}': the class declares capabilities "
                              f"{sorted(declared)} but its spec says {sorted(self.capabilities)}")
        return cls

    def parameters(self) -> dict[str, object]:
        """The model's parameters and their defaults, as its ``__init__`` declares them (this
        imports the model's module)."""
        return self.load_class().param_defaults()


@dataclass
class Registry:
    """The models registered by the loaded plugins."""

    specs: dict[str, ModelSpec] = field(default_factory=dict)
    loaded: LoadedPlugins | None = None
    problems: list[PluginProblem] = field(default_factory=list)

    @classmethod
    def build(cls, extra_plugins: tuple[object, ...] = (), *, use_entry_points: bool = True) -> Registry:
        """Load the installed plugins (plus ``extra_plugins``) and collect their models."""
        loaded = load_plugins(extra_plugins, use_entry_points=use_entry_points)
        registry = cls(loaded=loaded, problems=list(loaded.problems))
        for impl in loaded.manager.hook.register_models.get_hookimpls():
            info = loaded.distribution_of(impl.plugin)
            registry._collect(impl, info.distribution, info.version, info.name)
        return registry

    def _collect(self, impl, distribution: str, version: str, plugin_name: str) -> None:
        def register(spec: ModelSpec) -> None:
            if not isinstance(spec, ModelSpec):
                raise PluginError(f"register() takes a ModelSpec, not {type(spec).__name__}")
            spec = replace(spec, plugin=distribution, version=version)
            if spec.name in self.specs:
                first = self.specs[spec.name].plugin
                self._problem(plugin_name, distribution,
                              f"model name '{spec.name}' is already registered by '{first}'; "
                              "kept the first")
                return
            self.specs[spec.name] = spec

        try:
            impl.function(register=register)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # a plugin's hook may raise anything, even SystemExit
            self._problem(plugin_name, distribution, f"register_models failed: {describe(exc)}")

    def _problem(self, plugin: str, distribution: str, error: str) -> None:
        problem = PluginProblem(plugin, distribution, error)
        self.problems.append(problem)
        warnings.warn(problem.message(), PluginWarning, stacklevel=4)

    def names(self) -> list[str]:
        return sorted(self.specs)

    def get(self, name: str) -> ModelSpec:
        """The spec called ``name``; unknown names get a did-you-mean suggestion."""
        if name in self.specs:
            return self.specs[name]
        close = difflib.get_close_matches(name, self.names(), n=1, cutoff=0.5)
        hint = f" - did you mean '{close[0]}'?" if close else ""
        raise UnknownModelError(f"unknown model '{name}'{hint} Run `forecastgen models` "
                                "to list the installed models.")

    def create(self, name: str, **params):
        """A new, unfitted model ``name`` with ``params``."""
        cls = self.get(name).load_class()
        valid = cls.param_names() if hasattr(cls, "param_names") else list(params)
        unknown = [key for key in params if key not in valid]
        if unknown:
            raise InputError(f"model '{name}' has no parameter '{unknown[0]}'; its parameters "
                             f"are {', '.join(valid) or '(none)'}")
        return cls(**params)


@cache
def default_registry() -> Registry:
    """The registry of the installed plugins, built on first use."""
    return Registry.build()


def create(name: str, **params):
    """A new, unfitted model from the installed plugins: ``create("ets", trend="damped")``; an
    unknown name or parameter is refused with the valid choices."""
    return default_registry().create(name, **params)


def parse_value(text: str):
    """A parameter value as written on a command line: JSON ("3", "true", "[1, 2]") or else
    the text itself ("log")."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def split_model_spec(spec: str) -> tuple[str, dict]:
    """``"ets:transform=log:max_history=200"`` -> ``("ets", {"transform": "log", ...})``."""
    name, *pairs = spec.strip().split(":")
    try:
        return name.strip(), parse_settings(pairs)
    except InputError:
        raise InputError(f"model {spec!r}: write its parameters as name:key=value:key=value") from None


def parse_settings(pairs) -> dict:
    """``["trend=damped", "max_history=200"]`` -> ``{"trend": "damped", "max_history": 200}``."""
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{pair!r}: write model parameters as NAME=VALUE")
        params[key.strip()] = parse_value(value)
    return params


def list_models() -> list[ModelSpec]:
    """The specs of every installed model (name, family, interface, capabilities, plugin), by name."""
    registry = default_registry()
    return [registry.specs[name] for name in registry.names()]
