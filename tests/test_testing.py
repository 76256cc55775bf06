"""The conformance kit itself: the template plugin's model passes it, and deliberately
broken copies fail exactly the checks they break, with messages that say what to fix."""

import sys
from pathlib import Path

import numpy as np
import pytest

from forecastgen.data import as_series_set
from forecastgen.errors import InputError
from forecastgen.forecasts import Forecast
from forecastgen.interfaces import DensityModel, SequenceGenerator
from forecastgen.testing import (
    CHECKS,
    AwkwardSeriesFailed,
    ModelCheckFailed,
    awkward_cases,
    check_awkward_series,
    check_model,
    parametrize_with_checks,
)
from forecastgen.testing.checks import check_covariates

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "plugin-template"))
from forecastgen_ar.ar import ARForecaster  # noqa: E402


class FitReturnsNothing(ARForecaster):
    def fit(self, data):
        super().fit(data)


class LearnsInInit(ARForecaster):
    def __init__(self, order: int = 2, max_history: int | None = None):
        super().__init__(order, max_history)
        self.coefficients_ = np.zeros(order)


class IgnoresTheSeed(ARForecaster):
    def sample_one(self, state, horizon, num_samples, rng):
        return super().sample_one(state, horizon, num_samples, np.random.default_rng())


class ForgetsTheNormalizer(ARForecaster):
    def log_prob(self, data):
        """The Gaussian log-density without its -log(sigma) term at each step."""
        scores = super().log_prob(data)
        for key, series in as_series_set(data):
            scores[key] += (len(series) - self.order) * np.log(self.states_[key].sigma)
        return scores


class HidesACapability(ARForecaster):
    capabilities = frozenset({"forecast", "series"})  # but log_prob works


class ShrinksItsParameter(ARForecaster):
    def fit(self, data):
        self.order = 1  # learned state written over a parameter
        return super().fit(data)


class TakesNewSeriesUndeclared(ARForecaster):
    def predict(self, horizon=None, num_samples=200, seed=None, data=None):
        fitted = self if data is None else self.fit(data)
        return ARForecaster.predict(fitted, horizon, num_samples, seed)


class DeclaresNewSeriesOnly(ARForecaster):
    capabilities = ARForecaster.capabilities | {"new_series"}  # predict takes no data=


class FitPredictDrawsOtherwise(ARForecaster):
    def fit_predict(self, data, horizon=None, num_samples=200, seed=None):
        return self.fit(data).predict(horizon, num_samples, None if seed is None else seed + 1)


class LosesItsParameter(ARForecaster):
    def __init__(self, order: int = 2, max_history: int | None = None):
        self.order = order


BROKEN = [
    (FitReturnsNothing(), {"check_fit_returns_self"}, "end fit with `return self`"),
    (LearnsInInit(), {"check_init_only_stores_params", "check_unfitted_model_says_so"},
     "only in fit()"),
    (IgnoresTheSeed(), {"check_seed_reproducibility", "check_fit_predict_matches"},
     "seeded by the seed argument"),
    (FitPredictDrawsOtherwise(), {"check_fit_predict_matches"}, "fit_predict gave other numbers"),
    (ForgetsTheNormalizer(), {"check_log_prob"}, "integrates to"),
    (HidesACapability(), {"check_capabilities_are_honest"}, "add it to capabilities"),
    (ShrinksItsParameter(), {"check_fit_keeps_parameters"}, "fit() changed a parameter"),
    (TakesNewSeriesUndeclared(), {"check_declared_arguments"}, "add it to capabilities"),
    (DeclaresNewSeriesOnly(), {"check_declared_arguments"}, "takes no 'data' argument"),
    (LosesItsParameter(),  # all the checks that copy it
     {check.__name__ for check in CHECKS} - {"check_sample", "check_declared_arguments"},
     "does not store its arguments ['max_history']"),
]


def failures(model) -> dict[str, str]:
    found = {}
    for check in CHECKS:
        try:
            check(model)
        except ModelCheckFailed as exc:
            found[check.__name__] = str(exc)
        except Exception as exc:  # noqa: BLE001 - a broken model may break a check's own steps
            found[check.__name__] = f"{type(exc).__name__}: {exc}"
    return found


def test_the_template_model_passes_every_check():
    check_model(ARForecaster(order=2))


@pytest.mark.parametrize("model, expected, hint",
                         [pytest.param(*case, id=type(case[0]).__name__) for case in BROKEN])
def test_a_broken_model_fails_the_checks_it_breaks(model, expected, hint):
    found = failures(model)
    assert set(found) == expected
    assert any(hint in message for message in found.values()), found


def test_failure_messages_name_the_model_and_the_fix():
    with pytest.raises(ModelCheckFailed, match=r"model 'ar': fit\(\) returned NoneType"):
        check_model(FitReturnsNothing())


def test_parametrize_names_each_test_by_model_settings_and_check():
    marker = parametrize_with_checks([ARForecaster(order=3), ARForecaster()])
    ids = marker.kwargs["ids"]
    assert len(ids) == 2 * len(CHECKS)
    assert ids[0] == "ar(order=3)-check_init_only_stores_params"
    assert ids[len(CHECKS)] == "ar-check_init_only_stores_params"


class GaussianWindows(DensityModel):
    """A full-covariance Gaussian over windows: the smallest honest density model."""

    name = "gaussian-windows"
    capabilities = frozenset({"forecast", "sample", "log_prob", "series"})

    def __init__(self, ridge: float = 1e-6):
        self.ridge = ridge

    def fit(self, items):
        try:
            items = np.asarray(items, dtype=float)
        except (TypeError, ValueError):
            raise InputError("gaussian-windows: give a finite (n, width) array of numbers") from None
        if items.ndim != 2 or not np.isfinite(items).all() or len(items) < 2:
            raise InputError("gaussian-windows: give a finite (n, width) array with n >= 2")
        self.mean_ = items.mean(axis=0)
        self.cov_ = np.atleast_2d(np.cov(items.T)) + self.ridge * np.eye(items.shape[1])
        return self

    def sample(self, num_samples, seed=None):
        self.check_is_fitted()
        return np.random.default_rng(seed).multivariate_normal(self.mean_, self.cov_, num_samples)

    def log_prob(self, items):
        self.check_is_fitted()
        centered = np.asarray(items, dtype=float) - self.mean_
        _, logdet = np.linalg.slogdet(self.cov_)
        mahalanobis = np.einsum("ni,ij,nj->n", centered, np.linalg.inv(self.cov_), centered)
        return -0.5 * (mahalanobis + logdet + len(self.mean_) * np.log(2 * np.pi))

    def sample_future(self, past, horizon, num_samples, seed=None):
        self.check_is_fitted()
        k = past.shape[1]
        gain = self.cov_[k:k + horizon, :k] @ np.linalg.inv(self.cov_[:k, :k])
        covariance = self.cov_[k:k + horizon, k:k + horizon] - gain @ self.cov_[:k, k:k + horizon]
        rng = np.random.default_rng(seed)
        means = self.mean_[k:k + horizon] + (past - self.mean_[:k]) @ gain.T
        return np.stack([rng.multivariate_normal(m, covariance, num_samples) for m in means])


def test_a_density_model_passes_the_kit():
    check_model(GaussianWindows())


def test_an_unnormalized_density_fails_the_integration_check():
    class Unnormalized(GaussianWindows):
        def log_prob(self, items):
            return super().log_prob(items) + 1.0

    assert set(failures(Unnormalized())) == {"check_log_prob"}


class ClaimsCovariates(GaussianWindows):
    """Declares covariates but its fit and sample_future take no conditions."""

    capabilities = frozenset({"forecast", "sample", "log_prob", "series", "covariates"})


class IgnoresItsConditions(ClaimsCovariates):
    """Takes conditions, then forecasts without them as if they did not matter."""

    def fit(self, items, conditions=None):
        return super().fit(items)

    def sample_future(self, past, horizon, num_samples, seed=None, conditions=None):
        return super().sample_future(past, horizon, num_samples, seed)


@pytest.mark.parametrize(("model", "message"), [
    (ClaimsCovariates(), r"fit\(\) takes no 'conditions' argument"),
    (IgnoresItsConditions(), "fitted with covariates, it forecast without them"),
])
def test_a_density_model_declaring_covariates_must_be_conditioned_on_them(model, message):
    with pytest.raises(ModelCheckFailed, match=message):
        check_covariates(model)


# -- the awkward series --------------------------------------------------------------------------
class DividesByTheSpread(SequenceGenerator):
    """Standardizes by the history's standard deviation with no guard: NaN on a constant series."""

    name = "spread"
    capabilities = frozenset({"forecast", "series"})

    def fit(self, data):
        self.data_ = as_series_set(data)
        return self

    def predict(self, horizon=None, num_samples=200, seed=None):
        horizon = horizon or self.data_.freq.default_horizon
        samples, index = {}, {}
        for key, series in self.data_:
            y = series.to_numpy()
            with np.errstate(invalid="ignore", divide="ignore"):
                z = (y[-1] - y.mean()) / y.std()
            samples[key] = np.full((num_samples, horizon), y.mean() + z * y.std())
            index[key] = self.data_.future_index(key, horizon)
        return Forecast(samples, index, model=self.name)


class CrashesOnZeros(DividesByTheSpread):
    def fit(self, data):
        data = as_series_set(data)
        if any((series == 0).all() for _, series in data):
            raise ZeroDivisionError("float division by zero")
        return super().fit(data)


class ForgetsTheHorizonCheck(ARForecaster):
    def fit_predict(self, data, horizon=None, num_samples=200, seed=None):
        return self.fit(data).predict(3, num_samples, seed)  # whatever the history's length


def awkward(name: str):
    return next(case for case in awkward_cases(include_long=False) if case.name == name)


def test_the_template_model_forecasts_constants_as_themselves_and_refuses_short_series():
    outcome = check_awkward_series(ARForecaster(order=2), awkward("constant"))
    assert outcome.kind == "forecast" and set(outcome.table["q50"]) == {42.0}
    assert outcome.notes == ["series 'constant' is constant (42): its forecast is that value, with no "
                             "uncertainty"]
    refused = check_awkward_series(ARForecaster(order=2), awkward("too-short-MS"))
    assert refused.kind == "refused" and "fewer than the horizon 18" in refused.message
    left_out = check_awkward_series(ARForecaster(order=2), awkward("too-short-MS").in_long_file(), "library")
    assert left_out.kind == "refused"  # the library refuses the set; the CLI would leave it out


@pytest.mark.parametrize("model, case, message", [
    (DividesByTheSpread(), "constant", "series 'constant': the forecast holds NaN or infinite values"),
    (CrashesOnZeros(), "zeros", "raised instead of forecasting or refusing:\nTraceback"),
    (ForgetsTheHorizonCheck(), "too-short-MS", "forecast a series shorter than the default horizon"),
])
def test_a_model_that_breaks_on_an_awkward_series_fails_with_what_broke(model, case, message):
    with pytest.raises(AwkwardSeriesFailed, match="on '" + case + "'") as failure:
        check_awkward_series(model, awkward(case))
    assert message in str(failure.value)


def test_a_forecast_of_a_constant_must_be_the_constant_and_say_so():
    class NoisyConstant(DividesByTheSpread):
        def predict(self, horizon=None, num_samples=200, seed=None):
            horizon = horizon or self.data_.freq.default_horizon
            noise = np.random.default_rng(0).normal(0, 1e-5, (num_samples, horizon))  # in range
            return Forecast({key: series.iloc[-1] + noise for key, series in self.data_},
                            {key: self.data_.future_index(key, horizon) for key in self.data_.ids},
                            model=self.name, notes=["series 'constant' is constant"])

    with pytest.raises(AwkwardSeriesFailed, match="is constant \\(42\\) but the forecast goes from"):
        check_awkward_series(NoisyConstant(), awkward("constant"))
