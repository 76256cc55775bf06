"""Build a plugin manager from the ``forecastgen`` entry points.

Plugins are found first (forecastgen's own distributions, then the others, each
sorted by distribution and entry-point name, so every run sees the same order) and
loaded second; a plugin that fails to import (whatever it raises, ``SystemExit``
included; only a KeyboardInterrupt goes through), or has a hook that is not in the
spec, is set aside with a ``PluginProblem`` naming its distribution, and every other
plugin keeps working. The built-in plugins are the ones this repository ships, known
by entry point, distribution and module together (``BUILTIN_PLUGINS``), not by a name
prefix anyone could choose: their model names stand, and a newcomer registering one of
them is refused. Set ``FORECASTGEN_PLUGINS`` to a
comma-separated list of entry-point or distribution names to load only those.
Nothing happens at import time: call ``load_plugins()``.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from importlib.metadata import entry_points

import pluggy

from forecastgen import hookspecs

ENTRY_POINT_GROUP = "forecastgen"
ONLY_VARIABLE = "FORECASTGEN_PLUGINS"
BUILTIN_PLUGINS = {  # entry point: (distribution, module), as in this repository's pyproject files
    "core": ("forecastgen", "forecastgen.builtin"),
    "classical": ("forecastgen-classical", "forecastgen_classical.plugin"),
    "autoregressive": ("forecastgen-autoregressive", "forecastgen_autoregressive.plugin"),
    "latent": ("forecastgen-latent", "forecastgen_latent.plugin"),
    "adversarial": ("forecastgen-adversarial", "forecastgen_adversarial.plugin"),
    "pretrained": ("forecastgen-pretrained", "forecastgen_pretrained.plugin"),
}


class PluginWarning(UserWarning):
    """A plugin could not be used; the rest of forecastgen keeps working."""


@dataclass(frozen=True)
class PluginInfo:
    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...] = ()


@dataclass(frozen=True)
class PluginProblem:
    plugin: str
    distribution: str
    error: str

    def message(self) -> str:
        return (f"plugin '{self.plugin}' from distribution '{self.distribution}' was not "
                f"loaded: {self.error}; its models are unavailable (reinstall or uninstall it)")


@dataclass
class LoadedPlugins:
    manager: pluggy.PluginManager
    plugins: list[PluginInfo] = field(default_factory=list)
    problems: list[PluginProblem] = field(default_factory=list)

    def distribution_of(self, plugin: object) -> PluginInfo:
        name = self.manager.get_name(plugin)
        return next(info for info in self.plugins if info.name == name)


def load_plugins(extra: tuple[object, ...] = (), *, use_entry_points: bool = True) -> LoadedPlugins:
    """A fresh plugin manager with the installed plugins (and ``extra`` plugin objects)."""
    manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
    manager.add_hookspecs(hookspecs)
    loaded = LoadedPlugins(manager)
    if use_entry_points:
        for point in _selected(_discover()):
            _load_one(loaded, point)
    for index, plugin in enumerate(extra):
        name = getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{index}"
        _register(loaded, plugin, name, "(registered in code)", "")
    return loaded


def _discover() -> list:
    """Entry points, forecastgen's own distributions first (so their model names stand)."""
    points = entry_points(group=ENTRY_POINT_GROUP)
    return sorted(points, key=lambda p: (not _is_builtin(p), _dist_name(p), p.name))


def _is_builtin(point) -> bool:
    return BUILTIN_PLUGINS.get(point.name) == (_dist_name(point), point.value)


def _selected(points: list) -> list:
    only = os.environ.get(ONLY_VARIABLE)
    if not only:
        return points
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    return [p for p in points if p.name in wanted or _dist_name(p) in wanted]


def _dist_name(point) -> str:
    return point.dist.name if point.dist is not None else "(unknown distribution)"


def _load_one(loaded: LoadedPlugins, point) -> None:
    distribution = _dist_name(point)
    version = point.dist.version if point.dist is not None else ""
    try:
        plugin = point.load()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a plugin's import may raise anything, even SystemExit
        _problem(loaded, point.name, distribution, f"import failed: {describe(exc)}")
        return
    _register(loaded, plugin, point.name, distribution, version)


def _register(loaded: LoadedPlugins, plugin: object, name: str, distribution: str, version: str) -> None:
    manager = loaded.manager
    if manager.has_plugin(name):
        _problem(loaded, name, distribution, "another plugin has the same entry-point name")
        return
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        _problem(loaded, name, distribution, f"invalid hook: {exc}")
        return
    unknown = [impl.function.__name__ for impl in _hookimpls(manager, plugin)
               if not _has_spec(manager, impl)]
    if unknown:
        manager.unregister(plugin)
        _problem(loaded, name, distribution,
                 f"unknown hook(s) {', '.join(unknown)}; see docs for the hooks that exist")
        return
    hooks = tuple(sorted(caller.name for caller in manager.get_hookcallers(plugin) or ()))
    loaded.plugins.append(PluginInfo(name, distribution, version, hooks))


def describe(exc: BaseException) -> str:
    """An exception from plugin code in words ("SystemExit: 3", "RuntimeError: no libfoo")."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _hookimpls(manager: pluggy.PluginManager, plugin: object) -> list:
    return [impl for caller in manager.get_hookcallers(plugin) or ()
            for impl in caller.get_hookimpls() if impl.plugin is plugin]


def _has_spec(manager: pluggy.PluginManager, impl) -> bool:
    caller = getattr(manager.hook, impl.function.__name__, None)
    return caller is not None and caller.spec is not None


def _problem(loaded: LoadedPlugins, name: str, distribution: str, error: str) -> None:
    problem = PluginProblem(name, distribution, error)
    loaded.problems.append(problem)
    warnings.warn(problem.message(), PluginWarning, stacklevel=3)
