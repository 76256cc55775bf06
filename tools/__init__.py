"""Tools that build what forecastgen ships (patchcast's weights); run from the repository root as
``python -m tools.NAME``."""
