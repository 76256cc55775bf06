"""Calibrated forecasts: conformal corrections learned from a model's own backtests make its
intervals cover what they claim, keep its median, and keep each path's rank."""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecastgen
from forecastgen.calibration import Calibrated, conformal_quantile
from forecastgen.errors import InputError
from forecastgen.per_series import PerSeriesForecaster
from forecastgen.testing import check_model

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"


class Overconfident(PerSeriesForecaster):
    """Forecasts the history's mean with half the history's spread: intervals far too narrow."""

    name = "overconfident"
    capabilities = frozenset({"forecast", "series"})
    season_length = None

    def __init__(self, max_history: int | None = None):
        self.store_params(locals())

    def fit_one(self, y, season):
        return float(np.mean(y)), float(np.std(y))

    def sample_one(self, state, horizon, num_samples, rng):
        mean, spread = state
        return rng.normal(mean, 0.5 * spread, size=(num_samples, horizon))


def noise_series(count: int, length: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2000-01-01", periods=length, freq="D")
    return pd.DataFrame(rng.normal(10, 1, size=(length, count)), index=index,
                        columns=[f"s{i}" for i in range(count)])


class HistorySpread(Overconfident):
    """Forecasts the history's mean with the whole history's spread: blind to a recent change."""

    name = "history-spread"

    def sample_one(self, state, horizon, num_samples, rng):
        mean, spread = state
        return rng.normal(mean, spread, size=(num_samples, horizon))


def coverages(model, data, test, levels=(0.8, 0.95), keys=None) -> list[float]:
    """The share of the test points (of the series ``keys``, all by default) inside each central
    interval, from one fit."""
    forecast = model.fit(data).predict(len(test), num_samples=400, seed=0)
    bounds = [bound for level in levels for bound in ((1 - level) / 2, (1 + level) / 2)]
    frame = forecast.to_frame(bounds).sort_values(["id", "timestamp"])
    frame = frame if keys is None else frame[frame["id"].isin(keys)]
    actual = np.concatenate([test[key].to_numpy() for key in frame["id"].unique()])
    limits = frame.columns[-len(bounds):]
    return [float(((frame[low].to_numpy() <= actual) & (actual <= frame[high].to_numpy())).mean())
            for low, high in zip(limits[::2], limits[1::2])]


@pytest.mark.parametrize("method", ["cqr", "conformal"])
def test_calibration_brings_an_overconfident_models_coverage_to_nominal(method):
    series = noise_series(60, 120, seed=0)
    history, test = series.iloc[:-14], series.iloc[-14:]
    raw80, _ = coverages(Overconfident(), history, test)
    fixed80, fixed95 = coverages(Calibrated(Overconfident(), method), history, test)
    assert raw80 < 0.55  # half the spread: a 80% interval holds about 47%
    assert abs(fixed80 - 0.8) < 0.05 and abs(fixed95 - 0.95) < 0.04


def test_the_median_is_kept_and_each_path_its_rank(airline):
    model = Calibrated("theta", "cqr").fit(airline)
    raw = model.model_.predict(12, num_samples=300, seed=1).samples["airline"]
    paths = model.predict(12, num_samples=300, seed=1).samples["airline"]
    np.testing.assert_allclose(np.median(paths, axis=0), np.median(raw, axis=0), rtol=1e-3)
    by_raw_rank = np.take_along_axis(paths, np.argsort(raw, axis=0), axis=0)
    assert (np.diff(by_raw_rank, axis=0) >= 0).all()  # a path above another stays above (or level)
    assert "calibrated by cqr on 3 backtest forecasts" in model.predict(6, seed=0).notes[-1]


def test_too_short_a_history_is_forecast_uncalibrated_with_a_note():
    short = pd.Series(np.arange(20.0), index=pd.date_range("2000-01", periods=20, freq="MS"), name="short")
    forecast = Calibrated("snaive").fit(short).predict(6, seed=0)
    assert np.isfinite(forecast.samples["short"]).all()
    assert any(note.startswith("not calibrated: the series (20 points, the median)")
               for note in forecast.notes)


def test_a_short_series_in_a_file_does_not_stop_the_files_calibration():
    """The backtests leave out the series too short for them; every series is still forecast,
    calibrated by what the others' backtests taught."""
    series = noise_series(30, 120, seed=3)
    series["short"] = np.nan
    series.loc[series.index[-15:], "short"] = np.arange(15.0)
    history = series.iloc[:-6]
    model = Calibrated("snaive", windows=2).fit(history)
    assert model.correction_.scores.shape[0] == 2 * 30  # two windows of the 30 long series
    forecast = model.predict(6, seed=0)
    assert set(forecast.ids) == set(series.columns) and np.isfinite(forecast.samples["short"]).all()


def shifting_noise(count: int, length: int, change: int, seed: int) -> pd.DataFrame:
    """``count`` series of noise around 10 whose spread changes at step ``change``: from 1 to 3
    in the first half of them ("rising..."), from 3 to 1 in the others ("calming...")."""
    rng = np.random.default_rng(seed)
    rising = np.where(np.arange(length) < change, 1.0, 3.0)[:, None]
    half = count // 2
    spread = np.hstack([np.repeat(rising, half, axis=1), np.repeat(4.0 - rising, count - half, axis=1)])
    names = [f"rising{i}" for i in range(half)] + [f"calming{i}" for i in range(count - half)]
    return pd.DataFrame(10 + rng.normal(size=(length, count)) * spread, columns=names,
                        index=pd.date_range("2000-01-01", periods=length, freq="D"))


def test_aci_widens_the_series_whose_errors_grew_and_narrows_the_calm_ones():
    """A file where half the series turned rough and half calm over their last 100 points, and
    a model whose spread is the whole history's: cqr pools every series' backtest errors, so
    the rough ones under-cover and the calm ones over-cover; aci replays each series' own
    errors and moves each toward nominal."""
    series = shifting_noise(40, 300, change=200, seed=5)
    history, test = series.iloc[:-14], series.iloc[-14:]
    rising = [key for key in series if key.startswith("rising")]
    calming = [key for key in series if key.startswith("calming")]
    by_method = {}
    for method in ("cqr", "aci"):
        model = Calibrated(HistorySpread(), method, windows=10)
        by_method[method] = [coverages(model, history, test, keys=keys)[0] for keys in (rising, calming)]
    (cqr_rising, cqr_calming), (aci_rising, aci_calming) = by_method["cqr"], by_method["aci"]
    assert cqr_rising < 0.7 and cqr_calming > 0.9
    assert aci_rising > cqr_rising + 0.1 and aci_calming < cqr_calming - 0.05
    assert abs((aci_rising + aci_calming) / 2 - 0.8) < 0.05


def test_aci_asks_more_coverage_after_misses_and_less_after_hits():
    """Two series' scores from the same pool, except in their last window: one missed every
    interval there, the other hit every one. After each window the miss rate asked moves by
    gamma (nominal - share missed), within half and twice the nominal rate: the first asks for
    more coverage and gets wider intervals, the second for less; with a tiny gamma both stay
    at cqr's nominal coverage."""
    from forecastgen.calibration import ACI_GAMMA, LOWER_LEVELS, Correction

    levels = len(LOWER_LEVELS)
    rng = np.random.default_rng(0)
    pool = [rng.uniform(-0.5, 0.1, size=(6, levels)) for _ in range(9)]
    by_series = {"calm": [*pool, np.full((6, levels), -1.0)], "missing": [*pool, np.full((6, levels), 2.0)]}
    correction = Correction.learned("aci", by_series)
    eighty = LOWER_LEVELS.index(0.1)
    assert correction.coverages["missing"][eighty] > 0.85 and correction.coverages["calm"][eighty] < 0.8
    paths = rng.normal(size=(400, 6))
    widths = {key: np.ptp(np.quantile(correction.corrected(paths, key=key), [0.1, 0.9], axis=0), axis=0)
              for key in by_series}
    assert (widths["missing"] > widths["calm"]).all()
    still = Correction.learned("aci", by_series, gamma=1e-9)
    np.testing.assert_allclose(still.coverages["missing"], 1 - 2 * np.array(LOWER_LEVELS), atol=1e-6)
    cqr = Correction.learned("cqr", by_series)
    np.testing.assert_array_equal(still.corrected(paths, key="missing"), cqr.corrected(paths))
    # one window whose every point is inside every interval: each miss rate asked grows by gamma a
    hits = Correction.learned("aci", {"one": [np.ones((6, levels))]})
    expected = np.clip(1 - 2 * np.array(LOWER_LEVELS) * (1 + ACI_GAMMA), 0, 1)  # 80%: 0.76 at gamma 0.2
    np.testing.assert_allclose(hits.coverages["one"], expected)
    # a big step after a window of misses asks at most half the nominal miss rate: 0.9 of the 80%
    leaping = Correction.learned("aci", by_series, gamma=0.9)
    assert leaping.coverages["missing"][eighty] == pytest.approx(0.9)


def test_the_conformal_quantile_has_its_finite_sample_correction():
    scores = np.arange(1.0, 11.0)  # 10 scores
    assert conformal_quantile(scores, 0.8) == 9.0  # ceil(11 * 0.8) / 10 = 0.9
    assert conformal_quantile(scores, 0.95) == 10.0  # capped at the largest
    assert conformal_quantile(np.array([np.nan]), 0.9) == 0.0


def test_bad_settings_are_refused_and_the_kit_passes():
    with pytest.raises(InputError, match="method must be cqr, conformal or aci, not 'isotonic'"):
        forecastgen.forecaster("ets", calibrate="isotonic")
    with pytest.raises(InputError, match="gamma must be a number between 0 and 1, not 1.5"):
        Calibrated("snaive", "aci", gamma=1.5).fit(noise_series(2, 60, seed=0))
    check_model(Calibrated("snaive", windows=2))
    check_model(Calibrated("snaive", "aci", windows=3))


@pytest.mark.parametrize("method", ["cqr", "aci"])
def test_the_library_and_the_command_line_calibrate(airline, method):
    from click.testing import CliRunner

    from forecastgen.cli import cli

    forecast = forecastgen.forecast(airline, "theta", horizon=6, calibrate=method, num_samples=100)
    assert forecast.model == f"theta (calibrated: {method})"
    windows = {"cqr": 3, "aci": 4}[method]  # aci: as many as keep half the 144 months, 4 of 18
    assert f"calibrated by {method} on {windows} backtest forecasts ({windows} window(s) of 18 steps)" \
        in forecast.notes[-1]
    path = EXAMPLES / "airline.csv"
    result = CliRunner().invoke(cli, ["backtest", str(path), "-m", "theta", "--calibrate", method, "-w", "2",
                                      "-H", "6", "-q"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"backtest of 'theta' calibrated by '{method}' (2 window(s)")


@pytest.mark.parametrize("method", ["cqr", "conformal"])
def test_auto_calibrates_its_mixture_from_the_backtests_it_ran(method):
    """auto's candidates on noise: seasonal naive's and Theta's intervals, mixed, cover too much;
    the correction learned from the mixture's own backtest forecasts brings them to nominal."""
    series = noise_series(60, 120, seed=0)
    history, test = series.iloc[:-14], series.iloc[-14:]

    def auto(calibrate):
        return forecastgen.create("auto", candidates="snaive,theta", calibrate=calibrate)

    raw80, raw95 = coverages(auto(None), history, test)
    model = auto(method)
    fixed80, fixed95 = coverages(model, history, test)
    assert raw80 > 0.82 and raw95 > 0.97
    assert abs(fixed80 - 0.8) < 0.04 and abs(fixed95 - 0.95) < 0.02
    assert model.correction_.scores.shape[0] == 3 * 60  # three windows of every series
    forecast = model.predict(14, seed=0)
    assert any(f"calibrated by {method} on 180 backtest forecasts" in note for note in forecast.notes)


def test_auto_takes_calibrate_as_its_own_setting_and_refuses_unknown_methods(airline):
    assert forecastgen.forecaster("auto", calibrate="cqr").get_params()["calibrate"] == "cqr"
    assert isinstance(forecastgen.forecaster("ets", calibrate="cqr"), Calibrated)
    with pytest.raises(InputError, match="calibrate must be cqr, conformal, aci, shipped, auto or None"):
        forecastgen.create("auto", calibrate="isotonic").fit(airline)


def test_auto_calibrates_by_default_only_a_catalogue_of_a_hundred_series_or_more():
    """calibrate="auto" (the default): cqr where the backtests cover 100 series or more, where
    pooled errors pay; a smaller file's forecasts stay the candidates' own."""
    many = noise_series(100, 60, seed=4)
    model = forecastgen.create("auto", candidates="snaive").fit(many)
    assert model.calibration_method(100) == "cqr" and model.correction_.method == "cqr"
    assert model.correction_.scores.shape[0] == 3 * 100  # three windows of every series
    few = forecastgen.create("auto", candidates="snaive").fit(many.iloc[:, :99])
    assert few.correction_ is None and few.calibration_method(99) is None
    assert forecastgen.create("auto", candidates="snaive", calibrate=None).fit(many).correction_ is None


def test_a_single_series_default_mixture_is_widened_as_shipped(airline):
    """calibrate="auto" on fewer than 100 series: the default candidates' mixture takes the
    widenings shipped for its frequency; each central interval widens by that share of its width
    on each side, around the same median."""
    from forecastgen.calibration import LOWER_LEVELS
    from forecastgen.shipped_calibration import WIDENINGS

    history = airline.drop_last(12)
    shipped = forecastgen.create("auto").fit(history)
    plain = forecastgen.create("auto", calibrate=None).fit(history)
    assert shipped.calibration_method(1) == "shipped" and plain.correction_ is None
    assert shipped.correction_.scores is None
    np.testing.assert_array_equal(shipped.correction_.spreads[0], WIDENINGS["monthly"])
    widened = shipped.predict(12, num_samples=1000, seed=0)
    raw = plain.predict(12, num_samples=1000, seed=0).samples["airline"]
    assert any("widened as learned for its default candidates" in note for note in widened.notes)
    paths = widened.samples["airline"]
    np.testing.assert_allclose(np.median(paths, axis=0), np.median(raw, axis=0), rtol=2e-3)
    share = WIDENINGS["monthly"][LOWER_LEVELS.index(0.1)]
    low, high = np.quantile(raw, [0.1, 0.9], axis=0)
    expected = np.stack([low - share * (high - low), high + share * (high - low)])
    np.testing.assert_allclose(np.quantile(paths, [0.1, 0.9], axis=0), expected, rtol=0.01)
    assert share > 0 and np.all(np.ptp(paths, axis=0) > np.ptp(raw, axis=0))


def test_the_shipped_widenings_match_the_correction_and_fall_back_to_the_pooled_row():
    from forecastgen.calibration import LOWER_LEVELS, Correction
    from forecastgen.shipped_calibration import LOWER_LEVELS as SHIPPED_LEVELS
    from forecastgen.shipped_calibration import POOLED, WIDENINGS

    assert SHIPPED_LEVELS == LOWER_LEVELS and POOLED in WIDENINGS
    assert all(len(row) == len(LOWER_LEVELS) and min(row) >= 0 for row in WIDENINGS.values())
    assert WIDENINGS["yearly"][1] > WIDENINGS["monthly"][1]  # short yearly histories under-cover most
    np.testing.assert_array_equal(Correction.shipped("steps").spreads[0], WIDENINGS[POOLED])
    explicit = forecastgen.create("auto", candidates="snaive,theta", calibrate="shipped")
    assert explicit.calibration_method(1) == "shipped"
    assert forecastgen.create("auto", candidates="snaive,theta").calibration_method(1) is None


def test_series_with_covariates_keep_the_mixtures_intervals():
    """The shipped widenings were learned on the mixture without covariates: a regression's
    mixture is another forecaster, so it is not widened."""
    rng = np.random.default_rng(0)
    temperature = rng.normal(size=66)
    history = pd.DataFrame({"timestamp": pd.date_range("2015-01-01", periods=60, freq="MS"),
                            "value": 50 + 3 * temperature[:60] + rng.normal(size=60),
                            "temp": temperature[:60]})
    future = pd.DataFrame({"timestamp": pd.date_range("2020-01-01", periods=6, freq="MS"),
                           "temp": temperature[60:]})
    model = forecastgen.create("auto").fit(forecastgen.as_series_set(history, future=future))
    assert model.covariates_ and model.correction_ is None


def test_widening_moves_no_value_below_zero_that_the_model_left_above():
    """A floor at zero: widened values stay at 0 or above, and a path the model itself sent below
    zero is not lifted. Without a floor the widening crosses zero."""
    from forecastgen.calibration import Correction, lower_bound

    assert lower_bound(np.array([3.0, 0.0, 5.0])) == 0.0 and lower_bound(np.array([3.0, -1.0])) is None
    rng = np.random.default_rng(0)
    raw = 8 + 2 * rng.standard_normal((400, 6))  # all above zero but the one path below
    raw[0] = -1.0  # the model's own path below zero
    widened = Correction.shipped("yearly").corrected(raw, floor=0.0)
    assert widened.min() == -1.0 and (widened[1:] >= 0).all() and widened[0].max() == -1.0
    free = Correction.shipped("yearly").corrected(raw)
    assert (free < -1.0).any()
    np.testing.assert_array_equal(widened, np.maximum(free, np.minimum(raw, 0.0)))


@pytest.mark.slow
def test_the_defaults_widening_keeps_sunspots_at_or_above_zero():
    """Sunspot counts (yearly, 0 at the cycles' troughs): the shipped yearly widening would take
    the lower quantiles far below zero; the default's forecast widens without new negatives."""
    sunspots = forecastgen.read_series(EXAMPLES / "sunspots.csv")
    paths = forecastgen.forecast(sunspots, "auto", seed=0).samples["sunspots"]
    raw = forecastgen.forecast(sunspots, "auto", seed=0, params={"calibrate": None}).samples["sunspots"]
    assert (raw < 0).any() and np.all(paths >= np.minimum(raw, 0.0))  # no new negatives
    assert ((paths < 0) == (raw < 0)).all() and np.ptp(paths, axis=0).sum() > np.ptp(raw, axis=0).sum()


@pytest.mark.parametrize("command", ["predict", "backtest"])
def test_auto_takes_its_own_calibrate_as_a_parameter_on_the_command_line(command):
    """`-p calibrate=null` is auto's own setting (no widening), not the --calibrate wrapper."""
    from click.testing import CliRunner

    from forecastgen.cli import cli

    path = str(EXAMPLES / "airline.csv")
    extra = ["-w", "1"] if command == "backtest" else []
    plain = CliRunner().invoke(cli, [command, path, "-p", "calibrate=null", "-q", *extra])
    widened = CliRunner().invoke(cli, [command, path, "-q", *extra])
    assert plain.exit_code == 0 and widened.exit_code == 0, plain.output + widened.output
    assert plain.stdout != widened.stdout  # auto's own intervals against the shipped widening
    if command == "predict":
        library = forecastgen.forecast(forecastgen.read_series(path), "auto", seed=0,
                                       params={"calibrate": None})
        table = pd.read_csv(io.StringIO(plain.stdout))
        np.testing.assert_allclose(table["q90"], library.to_frame()["q90"], rtol=1e-4)
        wide = pd.read_csv(io.StringIO(widened.stdout))
        assert ((table["q90"] - table["q10"]).sum() < (wide["q90"] - wide["q10"]).sum())  # not widened
