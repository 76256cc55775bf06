"""The conformance kit: the rules every forecastgen model keeps, as checks you can run.

``checks``: the contract (parameters, fitting, shapes, seeds, save and load, densities),
one check a rule, run by ``check_model`` or ``parametrize_with_checks``.
``awkward``: a catalogue of valid but degenerate series (constants, zeros, exact ramps,
extreme scales, the shortest histories...) and the rule every forecaster keeps on them,
through the library and the command line.
"""

from forecastgen.testing.awkward import (
    AwkwardCase,
    AwkwardSeriesFailed,
    Outcome,
    awkward_cases,
    check_awkward_series,
    ordinary_values,
)
from forecastgen.testing.checks import (
    CHECKS,
    HORIZON,
    SAMPLES,
    SEED,
    WINDOW,
    ModelCheckFailed,
    check_bad_input_is_refused,
    check_capabilities_are_honest,
    check_declared_arguments,
    check_fit_keeps_parameters,
    check_fit_predict_matches,
    check_fit_returns_self,
    check_forecast_quantiles,
    check_forecast_shapes,
    check_init_only_stores_params,
    check_log_prob,
    check_model,
    check_params_round_trip,
    check_sample,
    check_save_load_round_trip,
    check_seed_reproducibility,
    check_unfitted_model_says_so,
    example_images,
    example_items,
    example_series,
    example_windows,
    parametrize_with_checks,
)

__all__ = [
    "AwkwardCase", "AwkwardSeriesFailed", "Outcome", "awkward_cases", "check_awkward_series",
    "ordinary_values",
    "CHECKS", "HORIZON", "SAMPLES", "SEED", "WINDOW", "ModelCheckFailed", "check_bad_input_is_refused",
    "check_capabilities_are_honest", "check_declared_arguments", "check_fit_predict_matches",
    "check_fit_keeps_parameters", "check_fit_returns_self", "check_forecast_quantiles",
    "check_forecast_shapes", "check_init_only_stores_params", "check_log_prob", "check_model",
    "check_params_round_trip", "check_sample", "check_save_load_round_trip",
    "check_seed_reproducibility", "check_unfitted_model_says_so", "example_images", "example_items",
    "example_series", "example_windows", "parametrize_with_checks",
]
