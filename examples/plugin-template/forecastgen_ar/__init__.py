"""forecastgen-ar: a template plugin for forecastgen (an AR(p) least-squares forecaster)."""

__version__ = "0.1.0"
