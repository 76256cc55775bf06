"""Every registered model passes the conformance kit (forecastgen.testing), with the
tiny settings its plugin registers as ``test_params``."""

from forecastgen.registry import default_registry
from forecastgen.testing import parametrize_with_checks

REGISTRY = default_registry()
MODELS = [REGISTRY.create(name, **REGISTRY.get(name).test_params) for name in REGISTRY.names()]


@parametrize_with_checks(MODELS)
def test_registered_model_passes_the_kit(model, check):
    check(model)
