"""The classical forecasters: accuracy, calibrated spread, seeds, guards and fallbacks."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecastgen
from forecastgen.metrics import mase

AIRLINE = Path(__file__).resolve().parents[3] / "examples" / "data" / "airline.csv"
MODELS = ["snaive", "ets", "damped", "theta", "arima", "ces"]
STATSFORECAST_MODELS = {"ets": "AutoETS", "theta": "AutoTheta", "arima": "AutoARIMA", "ces": "AutoCES"}


@pytest.fixture(scope="module")
def airline():
    return forecastgen.read_series(AIRLINE)


@pytest.fixture(scope="module")
def airline_history(airline):
    return airline.drop_last(12)


@pytest.fixture(scope="module")
def fitted(airline_history):
    """Each model fitted once on the airline history (predict leaves a model unchanged)."""
    return {name: forecastgen.create(name).fit(airline_history) for name in MODELS}


@pytest.mark.parametrize("name", MODELS)
def test_same_seed_same_paths_and_other_seed_other_paths(name, fitted):
    model = fitted[name]
    first = model.predict(12, num_samples=50, seed=5).samples["airline"]
    again = model.predict(12, num_samples=50, seed=5).samples["airline"]
    other = model.predict(12, num_samples=50, seed=6).samples["airline"]
    assert first.shape == (50, 12) and np.isfinite(first).all()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


# theta: 0.814 since it is fitted to the series over its mean absolute value (0.79 before), a
# change that left its mean MASE on the 269 dev series at 1.692 (1.691 before)
@pytest.mark.parametrize("name, bound", [("snaive", 1.7), ("ets", 1.3), ("theta", 0.85),
                                         ("arima", 0.7), ("ces", 0.5)])
def test_accuracy_on_the_last_airline_year(name, bound, airline, airline_history, fitted):
    forecast = fitted[name].predict(12, seed=0)
    actual = airline.values("airline")[-12:]
    point = np.median(forecast.samples["airline"], axis=0)
    assert mase(actual, point, airline_history.values("airline"), 12) < bound
    assert [str(d.date()) for d in forecast.index["airline"][[0, -1]]] == ["1960-01-01", "1960-12-01"]


def test_seasonal_naive_repeats_the_last_season_and_widens_each_season(airline_history):
    paths = forecastgen.create("snaive").fit(airline_history).predict(
        24, num_samples=4000, seed=1).samples["airline"]
    last_season = airline_history.values("airline")[-12:]
    np.testing.assert_allclose(np.median(paths[:, :12], axis=0), last_season, rtol=0.03)
    ratio = paths[:, 12:].std(axis=0) / paths[:, :12].std(axis=0)
    assert ratio == pytest.approx(np.full(12, np.sqrt(2)), rel=0.1)


@pytest.mark.parametrize("name, settings, reference_settings", [
    ("ets", {"error": "add", "seasonal": "add"}, {"model": "AZA"}),  # exact intervals: additive errors
    ("ets", {"error": "add", "trend": "damped", "seasonal": "none"}, {"model": "AAN", "damped": True}),
    ("arima", {}, {}),
    ("ces", {}, {})])
def test_paths_match_statsforecasts_own_intervals(name, settings, reference_settings, airline_history):
    import statsforecast.models

    model = forecastgen.create(name, **settings).fit(airline_history)
    reference = getattr(statsforecast.models, STATSFORECAST_MODELS[name])(season_length=12,
                                                                          **reference_settings)
    bounds = reference.fit(airline_history.values("airline")).predict(12, level=[95])
    paths = model.predict(12, num_samples=20_000, seed=2).samples["airline"]
    low, high = np.quantile(paths, [0.025, 0.975], axis=0)
    np.testing.assert_allclose(low, bounds["lo-95"], rtol=0.02)
    np.testing.assert_allclose(high, bounds["hi-95"], rtol=0.02)
    np.testing.assert_allclose(np.median(paths, axis=0), bounds["mean"], rtol=0.02)


@pytest.mark.parametrize("name, settings", [("ets", {"error": "add", "seasonal": "add"}),
                                            ("theta", {"variant": "OTM"})])
def test_two_hundred_paths_give_the_first_steps_distribution_within_one_slice(name, settings,
                                                                           airline_history):
    """The first step's errors are a Latin hypercube sample: its median and 95% interval
    from 200 paths sit within one of the 200 slices of probability of the exact ones."""
    from scipy.stats import norm

    model = forecastgen.create(name, **settings).fit(airline_history)
    exact = model.predict(1, num_samples=100_000, seed=0).samples["airline"][:, 0]
    centre, spread = exact.mean(), exact.std()
    for seed in range(5):
        first = model.predict(1, num_samples=200, seed=seed).samples["airline"][:, 0]
        ranks = norm.cdf((np.quantile(first, [0.025, 0.5, 0.975]) - centre) / spread)
        np.testing.assert_allclose(ranks, [0.025, 0.5, 0.975], atol=1 / 200 + 0.002)


@pytest.mark.parametrize("variant", ["OTM", "DOTM", "auto"])
def test_theta_paths_centre_on_statsforecasts_point_forecast(variant, airline_history):
    """statsforecast's own sampler centres OTM's paths away from its point forecast (it moves
    the trend coefficients as only the dynamic variants do); ours must not."""
    from statsforecast.models import AutoTheta

    model = forecastgen.create("theta", variant=variant).fit(airline_history)
    reference = AutoTheta(season_length=12, decomposition_type="multiplicative",
                          model=None if variant == "auto" else variant)
    values = airline_history.values("airline")
    scale = np.mean(np.abs(values))  # theta is fitted to the series over its mean absolute value
    point = reference.fit(values / scale).predict(12)["mean"] * scale
    forecast = model.predict(12, num_samples=20_000, seed=2)
    np.testing.assert_allclose(np.median(forecast.samples["airline"], axis=0), point, rtol=0.01)
    np.testing.assert_allclose(forecast.to_frame()["mean"], point, rtol=1e-9)


def test_theta_spread_grows_as_ses_with_drift():
    """Without a season, OTM's h-step error variance is sigma^2 (1 + (h - 1) alpha^2), that of
    simple exponential smoothing (Hyndman & Billah 2003)."""
    rng = np.random.default_rng(3)
    y = pd.Series(200 + np.cumsum(rng.normal(0.5, 2.0, size=120)), name="y",
                  index=pd.date_range("2000", periods=120, freq="MS"))
    model = forecastgen.create("theta", season_length=1).fit(y)
    state = model.states_["y"].model_  # fitted to y over its mean absolute value
    alpha, sigma = state["par"]["alpha"], np.std(state["residuals"][3:], ddof=1) * np.mean(np.abs(y))
    paths = model.predict(10, num_samples=40_000, seed=0).samples["y"]
    expected = sigma * np.sqrt(1 + np.arange(10) * alpha ** 2)
    np.testing.assert_allclose(paths.std(axis=0), expected, rtol=0.03)


def test_theta_spread_leaves_out_an_additive_season():
    """statsforecast keeps the residuals of an additive decomposition with the seasonal
    component added to them; the errors' spread must be that of the deseasonalised fit."""
    rng = np.random.default_rng(5)
    steps = np.arange(96)
    values = 0.3 * steps + 40 * np.sin(2 * np.pi * steps / 12) + rng.normal(0, 1.0, size=96)
    y = pd.Series(values, name="y", index=pd.date_range("2000", periods=96, freq="MS"))  # crosses zero
    model = forecastgen.create("theta").fit(y)
    assert model.states_["y"].model_["decomposition_type"] == "additive"
    paths = model.predict(12, num_samples=20_000, seed=1).samples["y"]
    assert 0.8 < paths[:, 0].std() < 1.6  # the noise's 1.0, give or take the decomposition's fit


@pytest.mark.parametrize("name", ["arima", "ces"])
def test_the_tables_mean_is_statsforecasts_point_forecast(name, fitted):
    """Exact, not the mean of 200 paths: the sampling noise would cost accuracy."""
    table = fitted[name].predict(12, num_samples=200, seed=0).to_frame()
    state = fitted[name].states_["airline"]
    np.testing.assert_allclose(table["mean"], state.predict(12)["mean"], rtol=1e-12)


@pytest.fixture(scope="module")
def skewed_series():
    """Sixty years of 15%-a-year multiplicative noise: ETS(M,A,N)'s paths are right-skewed."""
    rng = np.random.default_rng(4)
    values = 100 * np.cumprod(1 + rng.normal(0.01, 0.15, size=60))
    return pd.Series(values, name="y", index=pd.date_range("1960", periods=60, freq="YS"))


def test_ets_paths_are_centred_on_the_models_conditional_mean(skewed_series):
    settings = {"error": "mul", "trend": "add", "seasonal": "none"}
    own = forecastgen.create("ets", center="model", **settings).fit(skewed_series)
    centred = forecastgen.create("ets", **settings).fit(skewed_series)
    point = own.states_["y"].predict(12)["mean"]  # statsforecast's (and R's) point forecast
    own_paths = own.predict(12, num_samples=20_000, seed=1)
    centred_paths = centred.predict(12, num_samples=20_000, seed=1)
    assert np.median(own_paths.samples["y"][:, -1]) < 0.95 * point[-1]  # the skew the centring mends
    np.testing.assert_allclose(own_paths.means["y"], point, rtol=1e-12)
    np.testing.assert_allclose(np.median(centred_paths.samples["y"], axis=0), point, rtol=1e-12)
    translation = centred_paths.samples["y"] - own_paths.samples["y"]  # one vector, the same for every path
    np.testing.assert_allclose(translation, np.broadcast_to(translation[0], translation.shape), atol=1e-6)
    assert centred_paths.means == {}  # above the conditional mean: the table shows the paths' mean
    assert (centred_paths.to_frame()["mean"].to_numpy()[1:] > point[1:]).all()
    one = centred.predict(12, num_samples=1, seed=1).samples["y"]
    np.testing.assert_allclose(one[0], point, rtol=1e-12)


def test_ets_centring_gives_additive_models_and_airline_the_exact_point_forecast(airline_history, fitted):
    import statsforecast.models

    settings = {"error": "add", "seasonal": "add"}
    centred, own = [forecastgen.create("ets", center=centre, **settings).fit(airline_history)
                    .predict(12, num_samples=50, seed=0) for centre in ("mean", "model")]
    point = own.means["airline"]
    np.testing.assert_allclose(centred.means["airline"], point, rtol=1e-12)  # symmetric: the mean stays
    np.testing.assert_allclose(np.median(centred.samples["airline"], axis=0), point, rtol=1e-12)
    noise = np.abs(np.median(own.samples["airline"], axis=0) / point - 1)
    assert 0 < noise.max() < 0.03  # what the translation takes away
    reference = statsforecast.models.AutoETS(season_length=12, model="MNM")
    point = reference.fit(airline_history.values("airline")).predict(12)["mean"]
    paths = fitted["ets"].predict(12, num_samples=200, seed=0).samples["airline"]
    np.testing.assert_allclose(np.median(paths, axis=0), point, rtol=1e-9)


def test_the_log_scale_and_the_fallbacks_give_their_own_means(airline_history, monkeypatch):
    logged = forecastgen.create("ets", transform="log").fit(airline_history).predict(12, seed=0)
    assert logged.means == {}  # exp of the paths: their mean is the paths' own
    naive = forecastgen.create("snaive").fit(airline_history).predict(24, seed=0)
    np.testing.assert_array_equal(naive.means["airline"], np.tile(airline_history.values("airline")[-12:], 2))

    def broken_fit(self, y, season):
        raise np.linalg.LinAlgError("singular matrix")

    monkeypatch.setattr(type(forecastgen.create("theta")), "fit_one", broken_fit)
    fallback = forecastgen.create("theta").fit(airline_history).predict(12, seed=0)
    np.testing.assert_array_equal(fallback.means["airline"], airline_history.values("airline")[-12:])


def test_ets_chooses_a_multiplicative_season_for_airline(fitted):
    assert fitted["ets"].states_["airline"].model_["method"] == "ETS(M,N,M)"


def test_ets_components_follow_the_settings_and_the_data():
    ets = forecastgen.create("ets")
    assert ets._components(np.arange(1.0, 40.0), 12) == ("ZZZ", None)
    assert ets._components(np.arange(-5.0, 40.0), 12) == ("AZA", None)  # multiplicative needs y > 0
    assert ets._components(np.arange(1.0, 40.0), 1) == ("ZZN", None)
    damped = forecastgen.create("ets", error="mul", trend="damped", seasonal="none")
    assert damped._components(np.arange(1.0, 40.0), 12) == ("MAN", True)
    with pytest.raises(forecastgen.InputError, match="ets: trend must be auto, none, add, damped, not 'mul'"):
        forecastgen.create("ets", trend="mul").fit(np.arange(1.0, 40.0))


def damped_trend_series(seed: int, length: int = 80, phi: float = 0.9) -> np.ndarray:
    """A level whose slope dies away (phi per step) under noise: what a damped trend models."""
    rng = np.random.default_rng(seed)
    level, slope, values = 100.0, 3.0, []
    for _ in range(length):
        slope = phi * slope + rng.normal(0, 0.3)
        level = level + slope + rng.normal(0, 1.0)
        values.append(level)
    return np.array(values)


@pytest.mark.parametrize("seed", [0, 2, 4])
def test_the_pruned_search_finds_a_damped_trend_as_the_whole_search_does(seed):
    y = damped_trend_series(seed)
    methods = {search: forecastgen.create("ets", search=search).fit_one(y, 1).model_["method"]
               for search in ("pruned", "every")}
    assert methods["pruned"] == methods["every"]
    assert ",Ad," in methods["pruned"]


def test_the_pruned_search_fits_the_undamped_forms_then_one_damped_form(monkeypatch, airline_history):
    from statsforecast.models import AutoETS

    calls, fit = [], AutoETS.fit

    def recorded_fit(self, y, X=None):
        calls.append((self.model, self.damped))
        return fit(self, y, X)

    monkeypatch.setattr(AutoETS, "fit", recorded_fit)
    state = forecastgen.create("ets").fit_one(airline_history.values("airline"), 12)
    assert calls == [("ZZZ", False), ("MAM", True)]  # the best undamped form is ETS(M,N,M)
    assert state.model_["method"] == "ETS(M,N,M)"
    calls.clear()
    forecastgen.create("ets", search="every").fit_one(airline_history.values("airline"), 12)
    assert calls == [("ZZZ", None)]
    calls.clear()
    forecastgen.create("ets", trend="add").fit_one(airline_history.values("airline"), 12)
    assert calls == [("ZAZ", False)]  # a trend that is set leaves nothing to prune


def test_a_damped_form_that_cannot_be_fitted_leaves_the_best_undamped_one(monkeypatch, airline_history):
    from statsforecast.models import AutoETS

    fit = AutoETS.fit

    def failing_damped_fit(self, y, X=None):
        if self.damped:
            raise Exception("no model able to be fitted")  # what statsforecast raises
        return fit(self, y, X)

    monkeypatch.setattr(AutoETS, "fit", failing_damped_fit)
    state = forecastgen.create("ets").fit_one(airline_history.values("airline"), 12)
    assert state.model_["method"] == "ETS(M,N,M)"


def test_an_unknown_ets_search_or_centre_is_refused():
    with pytest.raises(forecastgen.InputError, match="ets: search must be pruned or every, not 'all'"):
        forecastgen.create("ets", search="all").fit(np.arange(1.0, 40.0))
    with pytest.raises(forecastgen.InputError, match="ets: center must be mean or model, not 'median'"):
        forecastgen.create("ets", center="median").fit(np.arange(1.0, 40.0))


@pytest.mark.parametrize("name, settings", [("ets", {"error": "add", "seasonal": "add"}),
                                            ("arima", {}), ("ces", {})])
def test_the_log_scale_is_the_model_on_the_logs_exponentiated(name, settings, airline_history):
    values = airline_history.values("airline")
    logs = pd.Series(np.log(values), index=airline_history.series["airline"].index, name="airline")
    on_logs = forecastgen.create(name, **settings).fit(logs).predict(12, num_samples=40, seed=3)
    log_scale = forecastgen.create(name, transform="log", **settings).fit(airline_history)
    paths = log_scale.predict(12, num_samples=40, seed=3).samples["airline"]
    np.testing.assert_allclose(paths, np.exp(on_logs.samples["airline"]), rtol=1e-9)


def test_the_log_scale_has_additive_components_only(airline_history):
    logs = np.log(airline_history.values("airline"))
    assert forecastgen.create("ets", transform="log")._components(logs, 12) == ("AZA", None)
    theta = forecastgen.create("theta", transform="log").fit(airline_history)
    assert theta.states_["airline"].model_["decomposition_type"] == "additive"


def test_the_log_scale_follows_exponential_growth():
    rng = np.random.default_rng(7)
    steps = np.arange(60)
    growth = 100 * 1.08 ** steps * np.exp(rng.normal(0, 0.02, size=60))
    series = pd.Series(growth, index=pd.date_range("1950", periods=60, freq="YS"), name="gdp")
    future = 100 * 1.08 ** np.arange(60, 66)
    errors = {}
    for transform in ("none", "log"):
        paths = forecastgen.create("ets", transform=transform).fit(series).predict(
            6, num_samples=500, seed=0).samples["gdp"]
        errors[transform] = np.abs(np.median(paths, axis=0) / future - 1).max()
        assert paths.min() > 0
    assert errors["log"] < 0.05 < errors["none"]


@pytest.mark.parametrize("name", ["ets", "theta"])
def test_the_log_scale_refuses_what_it_cannot_take(name, airline_history):
    negative = pd.Series(np.r_[np.arange(1.0, 30.0), -1.0], name="y",
                         index=pd.date_range("2000", periods=30, freq="MS"))
    with pytest.raises(forecastgen.InputError, match="transform='log' needs positive values, but "
                                                     "series 'y' reaches -1"):
        forecastgen.create(name, transform="log").fit(negative)
    with pytest.raises(forecastgen.InputError, match="transform must be one of none, log, not 'sqrt'"):
        forecastgen.create(name, transform="sqrt").fit(airline_history)


def test_implausible_forecast_falls_back_with_a_note(airline_history, monkeypatch):
    model = forecastgen.create("theta").fit(airline_history)
    monkeypatch.setattr(type(model), "sample_one",
                        lambda self, state, horizon, n, rng: np.full((n, horizon), 1e12))
    forecast = model.predict(6, num_samples=100, seed=0)
    assert forecast.samples["airline"].max() < 1000
    assert any(re.search(r"gave an unusable forecast \(values from [0-9.e+]+ to [0-9.e+]+, beyond 10x the "
                         r"history's range \(104 to 559\)\); used seasonal naive instead", note)
               for note in forecast.notes)


def test_nan_forecast_falls_back_with_a_note(fitted, monkeypatch):
    model = fitted["ets"]
    monkeypatch.setattr(type(model), "sample_one",
                        lambda self, state, horizon, n, rng: np.full((n, horizon), np.nan))
    forecast = model.predict(6, num_samples=10, seed=0)
    assert np.isfinite(forecast.samples["airline"]).all()
    assert any("non-finite values" in note for note in forecast.notes)


def test_failed_fit_falls_back_with_a_note(airline_history, monkeypatch):
    def broken_fit(self, y, season):
        raise np.linalg.LinAlgError("singular matrix")

    monkeypatch.setattr(type(forecastgen.create("ets")), "fit_one", broken_fit)
    forecast = forecastgen.create("ets").fit(airline_history).predict(6, seed=0)
    assert np.isfinite(forecast.samples["airline"]).all()
    assert forecast.notes == ["series 'airline': ets could not be fitted (singular matrix); "
                              "used seasonal naive instead"]


@pytest.mark.parametrize("name, statsforecast_class", [("theta", "AutoTheta"), ("ets", "AutoETS")])
def test_statsforecasts_bare_exception_falls_back_and_a_bug_does_not(name, statsforecast_class,
                                                                      airline_history, monkeypatch):
    """statsforecast raises a bare Exception where no model fits a series: that series falls
    back (a file of many goes on); any other exception is a bug and is raised."""
    import statsforecast.models

    def no_model(self, y, *args, **kwargs):
        raise Exception("no model able to be fitted")

    monkeypatch.setattr(getattr(statsforecast.models, statsforecast_class), "fit", no_model)
    forecast = forecastgen.create(name).fit(airline_history).predict(6, seed=0)
    assert np.isfinite(forecast.samples["airline"]).all()
    assert forecast.notes == [f"series 'airline': {name} could not be fitted (no model able to be "
                              "fitted); used seasonal naive instead"]

    def bug(self, y, *args, **kwargs):
        raise TypeError("a bug")

    monkeypatch.setattr(getattr(statsforecast.models, statsforecast_class), "fit", bug)
    with pytest.raises(TypeError, match="a bug"):
        forecastgen.create(name).fit(airline_history)


@pytest.mark.parametrize("name", MODELS)
def test_constant_and_short_series(name):
    index = pd.date_range("2020-01-01", periods=15, freq="MS")
    constant = forecastgen.create(name).fit(pd.Series(7.0, index=index, name="c")).predict(4, seed=0)
    assert (forecast_values := constant.samples["c"]).min() == forecast_values.max() == 7.0
    rng = np.random.default_rng(0)
    short = pd.Series(50 + rng.normal(size=15).cumsum(), index=index, name="s")
    model = forecastgen.create(name).fit(short)
    assert model.seasons_["s"] == 1  # fewer than two seasons: no seasonal model
    assert np.isfinite(model.predict(4, seed=0).samples["s"]).all()


@pytest.mark.parametrize("name", MODELS)
def test_history_is_cut_to_max_history(name, airline_history):
    model = forecastgen.create(name, max_history=30)
    assert model._recent(airline_history.values("airline"), 12).size == 30
    assert model._recent(airline_history.values("airline"), 24).size == 49


def test_statsmodels_is_imported_only_when_arima_needs_it(fitted):
    """statsforecast imports ``statsmodels.api`` at load for ARIMA alone (about 0.7 s of
    every command): it is given a stand-in that imports it on first use, which ARIMA's
    differencing test then does, with the forecasts of a normal import."""
    import subprocess
    import sys

    probe = ("import sys\n"
             "from forecastgen_classical.statsforecast_model import statsforecast_models\n"
             "models = statsforecast_models()\n"
             "print('BEFORE', 'statsmodels.api' in sys.modules)\n"
             "import forecastgen\n"
             f"history = forecastgen.read_series({str(AIRLINE)!r}).drop_last(12)\n"
             "forecast = forecastgen.create('arima').fit(history).predict(12, seed=0)\n"
             "print('AFTER', 'statsmodels.api' in sys.modules)\n"
             "print('MEAN', *forecast.point_mean('airline').round(6))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert (lines["BEFORE"], lines["AFTER"]) == ("False", "True")
    expected = fitted["arima"].predict(12, seed=0).point_mean("airline")
    np.testing.assert_allclose(np.array(lines["MEAN"].split(), dtype=float), expected, rtol=1e-6)


def test_damped_fits_one_fixed_damped_form():
    airline = forecastgen.read_series(Path(__file__).resolve().parents[3] / "examples/data/airline.csv")
    additive = forecastgen.create("damped").fit(airline).states_["airline"]
    assert additive.model_["components"] == "AAAD"  # error, trend, season, damped
    multiplicative = forecastgen.create("damped", seasonal="mul").fit(airline).states_["airline"]
    assert multiplicative.model_["components"] == "MAMD"
    with pytest.raises(forecastgen.InputError, match="seasonal must be add or mul"):
        forecastgen.create("damped", seasonal="none").fit(airline)


def test_damped_is_statsmodels_holt_winters_with_its_forecast_reproduced_by_the_states(airline_history):
    """The fit is statsmodels' least squares (on the standardized series), the paths run the same
    equations forward: their centre is Holt-Winters' forecast."""
    from forecastgen_classical.damped import forecast_states
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = airline_history.values("airline")
    reference = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="add",
                                     seasonal_periods=12).fit().forecast(12)
    model = forecastgen.create("damped").fit(airline_history)
    forecast = model.predict(12, num_samples=200, seed=0)
    np.testing.assert_allclose(forecast.point_mean("airline"), reference, rtol=0.01)
    np.testing.assert_allclose(np.median(forecast.samples["airline"], axis=0), forecast.point_mean("airline"))
    for seasonal in ("add", "mul"):
        state = forecastgen.create("damped", seasonal=seasonal).fit(airline_history).states_["airline"]
        np.testing.assert_allclose(forecast_states(state.model_, 300)[:200], state.forecast, rtol=1e-9)
        assert 0.8 <= state.model_["par"][3] <= 0.995  # phi, statsmodels' bounds


@pytest.mark.parametrize("seasonal, season", [("add", 12), ("mul", 12), ("add", 1)])
def test_damped_scores_statsmodels_start_grid_at_once_and_fits_as_statsmodels_does(airline_history,
                                                                                  seasonal, season):
    """The vectorized grid gives statsmodels' own brute-force start, so the fitted parameters
    are those of ``ExponentialSmoothing(...).fit()`` to the last digit."""
    from forecastgen_classical.damped import smoothing_grid
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    assert smoothing_grid(True).shape == (9943, 3) and smoothing_grid(False).shape == (1251, 2)
    for y in (airline_history.values("airline"), 50 + damped_trend_series(4, length=60)):
        state = forecastgen.create("damped", seasonal=seasonal).fit_one(y, season)
        reference = ExponentialSmoothing(y, trend="add", damped_trend=True,
                                         seasonal=seasonal if season > 1 else None,
                                         seasonal_periods=season if season > 1 else None).fit()
        params = reference.params
        expected = [params["smoothing_level"], params["smoothing_level"] * params["smoothing_trend"],
                    params["smoothing_seasonal"] if season > 1 else 0.0, params["damping_trend"]]
        np.testing.assert_allclose(state.model_["par"], expected, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(state.forecast[:24], reference.forecast(24), rtol=1e-9)


def test_damped_leaves_out_a_season_it_cannot_fit():
    rng = np.random.default_rng(3)
    weekly = pd.Series(100 + np.cumsum(rng.normal(size=150)), name="w",
                       index=pd.date_range("2020-01-05", periods=150, freq="W"))
    assert forecastgen.create("damped").fit(weekly).states_["w"].model_["components"] == "AAND"
    monthly = pd.Series(100 + np.cumsum(rng.normal(size=20)), name="m",
                        index=pd.date_range("2020-01-01", periods=20, freq="MS"))
    state = forecastgen.create("damped").fit(monthly).states_["m"]  # under two seasons
    assert state.model_["components"] == "AAND"
    paths = forecastgen.create("damped").fit(monthly).predict(6, num_samples=2000, seed=0).samples["m"]
    assert np.isfinite(paths).all() and paths[:, -1].std() > paths[:, 0].std()

