"""The hooks a forecastgen plugin can implement."""

import pluggy

hookspec = pluggy.HookspecMarker("forecastgen")
hookimpl = pluggy.HookimplMarker("forecastgen")


@hookspec
def register_models(register):
    """Register model specs: call ``register(ModelSpec(...))`` once per model."""
