"""The errors forecastgen raises on purpose.

Every message says what was wrong, where, and what to do. The CLI turns an
``InputError`` into one line on stderr and exit code 2; a run that left out some
series of a file (bad values, too short a history), and did the work on the others, exits with code 3;
anything else is a bug and exits with code 1.
"""

from __future__ import annotations


class ForecastgenError(Exception):
    """Base class of forecastgen's own errors."""

    exit_code = 1


class InputError(ForecastgenError, ValueError):
    """The user's data, options or request cannot be used as given."""

    exit_code = 2


class UnknownModelError(InputError, LookupError):
    """A model name that no installed plugin registers."""


class NotSupportedError(InputError, NotImplementedError):
    """A model was asked for a capability it does not declare."""


class NotFittedError(InputError, AttributeError):
    """A model was used before ``fit``."""


class SkippedSeriesError(ForecastgenError):
    """Some series of the input were left out (unusable values, too short a history); the rest
    were done."""

    exit_code = 3


class PluginError(ForecastgenError):
    """A plugin broke its contract (wrong capabilities, bad registration)."""
