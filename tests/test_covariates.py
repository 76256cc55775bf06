"""Covariates: a history with its covariates, a FUTURE with their values over the horizon, the
regression that carries them into the forecasters, and every malformed FUTURE refused cleanly."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecastgen
from forecastgen.covariate_regression import least_squares_effects
from forecastgen.data import as_series_set, read_series
from forecastgen.errors import InputError, NotSupportedError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
SEATBELTS, SEATBELTS_FUTURE = EXAMPLES / "seatbelts.csv", EXAMPLES / "seatbelts_future.csv"


def promotions(length=130, cut=116, seed=1):
    """Two stores' daily sales driven by a price and a promotion (none, flyer or tv) on a weekly
    cycle; the history before ``cut``, the future's covariates after it, and what happened."""
    rng = np.random.default_rng(seed)
    rows = []
    for store in ("north", "south"):
        stamps = pd.date_range("2024-01-01", periods=length, freq="D")
        promo = rng.choice(["none", "flyer", "tv"], size=length)
        price = 10 + rng.normal(0, 1, length)
        sales = (50 + 8 * (promo == "flyer") + 20 * (promo == "tv") - 3 * (price - 10)
                 + 5 * np.sin(2 * np.pi * np.arange(length) / 7) + rng.normal(0, 2, length))
        rows += [{"store": store, "date": stamps[i].strftime("%Y-%m-%d"), "sales": round(sales[i], 3),
                  "price": round(price[i], 3), "promo": promo[i]} for i in range(length)]
    frame = pd.DataFrame(rows)
    later = frame.groupby("store").cumcount() >= cut
    return frame[~later].reset_index(drop=True), frame[later].drop(columns="sales").reset_index(drop=True), \
        frame[later].reset_index(drop=True)


def write(tmp_path, name, frame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


# -- the data layer ----------------------------------------------------------------------------
def test_the_columns_the_future_shares_are_covariates_and_the_one_left_is_the_target():
    data = read_series(SEATBELTS, future=SEATBELTS_FUTURE)
    covariates = data.covariates
    assert data.ids == ["seatbelts"] and len(data["seatbelts"]) == 180
    assert covariates.columns.target == "DriversKilled"
    assert covariates.names == ("kms", "PetrolPrice", "law") and covariates.past_only == ()
    assert covariates.steps() == 12 and data.default_horizon == 12
    assert covariates.past["seatbelts"].shape == (180, 3)
    future = covariates.future["seatbelts"]
    assert str(future.index[0].date()) == "1984-01-01" and future["kms"].iloc[0] == 16224


def test_text_columns_are_categories_with_every_level_after_the_first_as_a_column(tmp_path):
    history, future, _ = promotions()
    data = read_series(write(tmp_path, "h.csv", history), future=write(tmp_path, "f.csv", future),
                       id_col="store")
    covariates = data.covariates
    assert data.ids == ["north", "south"] and covariates.kinds == {"price": "numeric", "promo": "categorical"}
    assert covariates.levels["promo"] == ("flyer", "none", "tv")  # "none" is a level, not a gap
    assert covariates.encoded == ["price", "promo=none", "promo=tv"]
    past = covariates.past["north"]
    promo = history.loc[history["store"] == "north", "promo"].to_numpy()
    np.testing.assert_array_equal(past["promo=tv"].to_numpy(), (promo == "tv").astype(float))
    assert len(covariates.future["south"]) == 14


def test_a_library_frame_and_future_frame_give_the_same_series_as_the_files(tmp_path):
    history, future, _ = promotions()
    from_files = read_series(write(tmp_path, "h.csv", history), future=write(tmp_path, "f.csv", future),
                             id_col="store")
    from_frames = as_series_set(history, future=future, id_col="store")
    for key in from_files.ids:
        pd.testing.assert_frame_equal(from_files.covariates.future[key], from_frames.covariates.future[key])
        np.testing.assert_array_equal(from_files.values(key), from_frames.values(key))


def test_a_backtest_cutoff_turns_the_dropped_covariates_into_the_future():
    data = read_series(SEATBELTS, future=SEATBELTS_FUTURE)
    history = data.drop_last(10)
    assert len(history["seatbelts"]) == 170 and history.covariates.steps() == 22
    np.testing.assert_array_equal(history.covariates.future_values("seatbelts", 10),
                                  data.covariates.past_values("seatbelts")[170:])


def test_missing_covariates_in_the_history_are_filled_with_a_note(tmp_path):
    history = pd.read_csv(SEATBELTS)
    history.loc[[40, 41], "kms"] = np.nan
    data = read_series(write(tmp_path, "h.csv", history), future=SEATBELTS_FUTURE)
    kms = data.covariates.past["h"]["kms"].to_numpy()
    assert np.isfinite(kms).all() and min(kms[39], kms[42]) <= kms[40] <= max(kms[39], kms[42])
    assert any("filled missing covariate values" in note and "2 of 'kms'" in note for note in data.notes)


BAD_FUTURES = {
    # name: (how the good FUTURE is spoiled, words the one-line message must hold)
    "empty value": (lambda f: f.assign(kms=f["kms"].where(f.index != 1)),
                    ["line 3", "column 'kms'", "empty"]),
    "late start": (lambda f: f.iloc[1:], ["line 2", "column 'month'", "right after", "1984-01-01"]),
    "gap": (lambda f: f.drop(index=2), ["line 4", "column 'month'", "1984-03-01 expected"]),
    "repeated step": (lambda f: pd.concat([f.iloc[:2], f.iloc[1:]]), ["line 4", "appears twice"]),
    "text in numbers": (lambda f: f.astype({"kms": object}).assign(kms=lambda g: g["kms"].where(g.index != 1,
                                                                                               "x")),
                        ["line 3", "column 'kms'", "non-numeric"]),
    "unknown column": (lambda f: f.rename(columns={"law": "seatbelt_law"}),
                       ["'seatbelt_law'", "not in the history"]),
    "no time column": (lambda f: f.drop(columns="month"), ["no time column 'month'"]),
}


@pytest.mark.parametrize("case", list(BAD_FUTURES))
def test_every_malformed_future_is_refused_naming_the_file_and_where(tmp_path, case):
    spoil, words = BAD_FUTURES[case]
    future = write(tmp_path, "future.csv", spoil(pd.read_csv(SEATBELTS_FUTURE)))
    with pytest.raises(InputError) as error:
        read_series(SEATBELTS, future=future)
    message = str(error.value)
    assert message.startswith(str(future)) and "\n" not in message
    for word in words:
        assert word in message, message


def test_long_futures_name_unknown_series_and_uneven_lengths_by_line(tmp_path):
    history, future, _ = promotions()
    path = write(tmp_path, "h.csv", history)
    stranger = future.copy()
    stranger.loc[3, "store"] = "east"
    with pytest.raises(InputError, match=r"line 5: series 'east' is not in the history"):
        read_series(path, future=write(tmp_path, "f1.csv", stranger), id_col="store")
    with pytest.raises(InputError, match=r"line 28: column 'date': series 'south' ends after 13 future"):
        read_series(path, future=write(tmp_path, "f2.csv", future.iloc[:-1]), id_col="store")
    with pytest.raises(InputError, match=r"series 'south' of the history has no rows"):
        read_series(path, future=write(tmp_path, "f3.csv", future[future["store"] == "north"]),
                    id_col="store")


def test_the_target_must_be_named_where_several_columns_could_be_it(tmp_path):
    future = write(tmp_path, "f.csv", pd.read_csv(SEATBELTS_FUTURE).drop(columns="law"))
    with pytest.raises(InputError, match=r"several columns could be the target \(DriversKilled, law\)"):
        read_series(SEATBELTS, future=future)
    data = read_series(SEATBELTS, future=future, value_col="DriversKilled")
    assert data.covariates.names == ("kms", "PetrolPrice") and data.covariates.past_only == ("law",)
    with pytest.raises(NotSupportedError, match=r"'law' of the history has none in the future file"):
        forecastgen.create("ets").fit(data)


# -- the regression on the covariates ----------------------------------------------------------
def test_least_squares_recover_the_effects_beside_a_trend():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=300), rng.integers(0, 2, 300), np.ones(300)])
    y = 5 + 0.05 * np.arange(300) + 3 * x[:, 0] - 7 * x[:, 1] + rng.normal(0, 0.5, 300)
    coefficients = least_squares_effects(y, x)
    np.testing.assert_allclose(coefficients, [3, -7, 0], atol=0.15)  # a constant column: no effect


@pytest.mark.parametrize("model", ["snaive", "ets", "theta", "damped"])
def test_forecasts_with_covariates_beat_the_same_model_without_them(tmp_path, model):
    history, future, actual = promotions()
    data = as_series_set(history, future=future, id_col="store")
    plain = as_series_set(history[["store", "date", "sales"]], id_col="store")
    with_covariates = forecastgen.create(model).fit_predict(data, num_samples=100, seed=0)
    without = forecastgen.create(model).fit_predict(plain, 14, num_samples=100, seed=0)
    for key in data.ids:
        truth = actual.loc[actual["store"] == key, "sales"].to_numpy()
        better = np.abs(with_covariates.point_mean(key) - truth).mean()
        worse = np.abs(without.point_mean(key) - truth).mean()
        assert better < 0.5 * worse, (key, better, worse)
    assert with_covariates.history["north"].iloc[0] == history["sales"].iloc[0]  # the series, not its errors


def test_predict_takes_the_future_after_fitting_and_is_reproducible(tmp_path):
    history, future, _ = promotions()
    data = as_series_set(history, future=future, id_col="store")
    first = forecastgen.create("ets").fit_predict(data, num_samples=50, seed=3)
    model = forecastgen.create("ets").fit(as_series_set(history, future=future, id_col="store"))
    again = model.predict(num_samples=50, seed=3, future=future)
    for key in data.ids:
        np.testing.assert_array_equal(first.samples[key], again.samples[key])
    changed = model.predict(num_samples=50, seed=3, future=future.assign(promo="tv")).point_mean("north")
    was_tv = (future.loc[future["store"] == "north", "promo"] == "tv").to_numpy()
    uplift = changed - first.point_mean("north")  # tv every day: about 20 more on the others
    assert np.allclose(uplift[was_tv], 0) and (uplift[~was_tv] > 8).all()


def test_models_without_covariates_are_refused_and_auto_says_what_it_left_out():
    """The template plugin's `ar` takes no covariates: fitting it on series with covariates is
    refused with what to do, and auto leaves it out, saying so."""
    from forecastgen.registry import Registry

    sys.path.insert(0, str(EXAMPLES.parents[0] / "plugin-template"))
    try:
        from forecastgen_ar import plugin as template
    finally:
        sys.path.pop(0)
    data = read_series(SEATBELTS, future=SEATBELTS_FUTURE)
    registry = Registry.build(extra_plugins=(template,))
    with pytest.raises(NotSupportedError, match=r"model .ar. takes no covariates.*.kms."):
        registry.create("ar").fit(data)
    with pytest.raises(NotSupportedError, match="takes no covariates"):
        forecastgen.forecast(data, "gmm")
    auto = forecastgen.create("auto", candidates="snaive,ets,ar")
    names, excluded = auto.suitable_candidates(data, registry)
    assert names == ["snaive", "ets"] and excluded == ["ar (takes no covariates)"]
    auto = forecastgen.create("auto", candidates="snaive,ets")
    assert auto.fit_predict(data, num_samples=40, seed=0).horizon == 12


def test_a_future_of_timestamps_alone_sets_the_horizon_for_any_model(tmp_path):
    future = write(tmp_path, "f.csv", pd.read_csv(SEATBELTS_FUTURE)[["month"]])
    history = write(tmp_path, "h.csv", pd.read_csv(SEATBELTS)[["month", "DriversKilled"]])
    result = forecastgen.forecast(history, "snaive", future=future)
    assert result.horizon == 12 and any("the steps of" in note for note in result.notes)


def test_backtests_and_calibration_carry_the_covariates():
    data = read_series(SEATBELTS, future=SEATBELTS_FUTURE)
    scores = forecastgen.backtest(data, "ets", windows=2, horizon=12, num_samples=50).scores
    plain = forecastgen.backtest(read_series(SEATBELTS, value_col="DriversKilled"), "ets", windows=2,
                                 horizon=12, num_samples=50).scores
    assert len(scores) == 2 and scores["mase"].mean() < plain["mase"].mean()
    calibrated = forecastgen.forecaster("ets", calibrate="cqr")
    result = calibrated.fit_predict(data, num_samples=50, seed=0)
    assert result.horizon == 12 and np.isfinite(result.samples["seatbelts"]).all()


# -- the command line --------------------------------------------------------------------------
def run(*arguments):
    command = [sys.executable, "-m", "forecastgen.cli", *map(str, arguments)]
    return subprocess.run(command, capture_output=True, text=True)


def test_predict_with_a_future_file_writes_its_steps(tmp_path):
    output = tmp_path / "forecast.csv"
    result = run("predict", SEATBELTS, "--future", SEATBELTS_FUTURE, "-m", "ets", "-o", output)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(output)
    assert len(table) == 12 and table["timestamp"].iloc[0] == "1984-01-01"
    assert (table["q10"] < table["q90"]).all() and "covariates known in advance" in result.stderr


def test_predict_refuses_a_bad_future_in_one_line_with_exit_2_and_writes_nothing(tmp_path):
    future = write(tmp_path, "future.csv", pd.read_csv(SEATBELTS_FUTURE).iloc[1:])
    output = tmp_path / "forecast.csv"
    result = run("predict", SEATBELTS, "--future", future, "-o", output)
    assert result.returncode == 2 and not output.exists()
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "future.csv: line 2: column 'month'" in result.stderr and "Traceback" not in result.stderr
    longer = run("predict", SEATBELTS, "--future", SEATBELTS_FUTURE, "-H", "13", "-q")
    assert longer.returncode == 2 and "longer than the 12 steps" in longer.stderr


# -- holidays ----------------------------------------------------------------------------------
def test_holidays_count_per_step_for_days_hours_and_months():
    from forecastgen.data.calendar_covariates import holiday_counts
    from forecastgen.data.frequency import named

    days = pd.date_range("2024-07-01", periods=7, freq="D")
    assert holiday_counts(days, named("daily"), "US").tolist() == [0, 0, 0, 1, 0, 0, 0]  # the 4th of July
    hours = pd.date_range("2024-12-24 22:00", periods=4, freq="h")
    assert holiday_counts(hours, named("hourly"), "US").tolist() == [0, 0, 1, 1]
    months = pd.date_range("2024-01-01", periods=3, freq="MS")
    assert holiday_counts(months, named("monthly"), "US").tolist() == [2, 1, 0]  # New Year, MLK; Presidents
    with pytest.raises(InputError, match="no holiday calendar for the country 'XX'"):
        holiday_counts(days, named("daily"), "XX")


def test_the_holiday_covariate_joins_the_history_and_any_horizon(tmp_path):
    rng = np.random.default_rng(4)
    stamps = pd.date_range("2023-01-01", periods=400, freq="D")
    from forecastgen.data.calendar_covariates import holiday_counts
    from forecastgen.data.frequency import named

    holiday = holiday_counts(stamps, named("daily"), "US")
    riders = 100 + 10 * (stamps.dayofweek < 5) - 40 * holiday + rng.normal(0, 2, 400)
    history = write(tmp_path, "riders.csv", pd.DataFrame({"date": stamps[:379], "riders": riders[:379]}))
    result = forecastgen.forecast(history, "ets", horizon=20, holidays="US", seed=0)  # 2024-01-15: MLK day
    mean = result.to_frame()["mean"].to_numpy()
    assert mean[0] < 80 and mean[1:5].min() > 100 and any("holiday_us" in note for note in result.notes)


def test_the_calendar_adds_the_day_of_the_week_to_hourly_data_and_nothing_to_monthly():
    from forecastgen.data.calendar_covariates import with_calendar

    rng = np.random.default_rng(5)
    stamps = pd.date_range("2024-03-04", periods=24 * 7 * 6, freq="h")  # six weeks from a Monday
    weekend = (stamps.dayofweek >= 5).astype(float)
    load = pd.Series(50 + 10 * np.sin(2 * np.pi * stamps.hour / 24) - 20 * weekend
                     + rng.normal(0, 1, len(stamps)), index=stamps, name="load")
    data = with_calendar(as_series_set(load.iloc[:-48]), 48)
    assert data.covariates.encoded[:2] == ["dayofweek=Tue", "dayofweek=Wed"]
    assert data.covariates.future["load"]["dayofweek=Sun"].sum() == 24
    notes = []
    result = forecastgen.forecast(load.iloc[:-48], "ets", horizon=48, calendar=True, seed=0,
                                  on_note=notes.append)  # the last 48 hours: a weekend
    error = np.abs(result.point_mean("load") - load.to_numpy()[-48:]).mean()
    plain = forecastgen.forecast(load.iloc[:-48], "ets", horizon=48, seed=0)
    assert error < 0.5 * np.abs(plain.point_mean("load") - load.to_numpy()[-48:]).mean()
    assert "covariate dayofweek: the day of the week, a category" in notes
    monthly = forecastgen.forecast(EXAMPLES / "airline.csv", "snaive", calendar=True, horizon=3)
    assert any("no calendar cycle beside its season" in note for note in monthly.notes)


def test_parquet_histories_and_futures_read_as_csv_ones(tmp_path):
    pytest.importorskip("pyarrow")
    history, future, _ = promotions()
    history.to_parquet(tmp_path / "h.parquet")
    future.to_parquet(tmp_path / "f.parquet")
    from_parquet = read_series(tmp_path / "h.parquet", future=tmp_path / "f.parquet", id_col="store")
    from_csv = read_series(write(tmp_path, "h.csv", history), future=write(tmp_path, "f.csv", future),
                           id_col="store")
    for key in from_csv.ids:
        np.testing.assert_array_equal(from_parquet.covariates.future_values(key, 14),
                                      from_csv.covariates.future_values(key, 14))
    spoiled = future.assign(price=future["price"].where(future.index != 4))
    spoiled.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(InputError, match=r"bad.parquet: line 5: column 'price' is empty \(series 'north'\)"):
        read_series(tmp_path / "h.parquet", future=tmp_path / "bad.parquet", id_col="store")


def test_backtest_takes_the_future_files_covariates_and_scores_each_cutoff_with_them():
    from click.testing import CliRunner

    from forecastgen.cli import cli

    arguments = ["backtest", str(SEATBELTS), "-m", "ets", "-w", "2", "-H", "12", "-n", "50", "-q"]
    with_covariates = CliRunner().invoke(cli, [*arguments, "--future", str(SEATBELTS_FUTURE)])
    plain = CliRunner().invoke(cli, [*arguments, "--value-col", "DriversKilled"])
    assert with_covariates.exit_code == 0 and plain.exit_code == 0, with_covariates.output
    assert "all windows" in with_covariates.output and with_covariates.output != plain.output
    expected = forecastgen.backtest(read_series(SEATBELTS, future=SEATBELTS_FUTURE), "ets", windows=2,
                                    horizon=12, num_samples=50).summary()
    assert f"{expected.loc['all windows', 'mase']:.3f}" in with_covariates.output


NETWORKS = {"rnn": {"hidden_size": 8, "num_layers": 1, "max_epochs": 2, "batches_per_epoch": 4},
            "causal-conv": {"channels": 8, "num_layers": 3, "max_epochs": 2, "batches_per_epoch": 4}}


def mean_error(forecast, actual: pd.DataFrame, store: str) -> float:
    """The mean absolute error of ``forecast``'s mean path for ``store``'s sales."""
    return float(np.abs(forecast.point_mean(store) - actual.loc[actual["store"] == store, "sales"]).mean())


def tv_uplift(model, future, first) -> np.ndarray:
    """How much higher ``model`` forecasts north's sales with tv every day than ``first``, on
    the days that had none."""
    changed = model.predict(num_samples=50, seed=3, future=future.assign(promo="tv")).point_mean("north")
    was_tv = (future.loc[future["store"] == "north", "promo"] == "tv").to_numpy()
    return (changed - first.point_mean("north"))[~was_tv]


@pytest.mark.parametrize("covariates_as", ["regression", "both"])
@pytest.mark.parametrize("model", list(NETWORKS))
def test_networks_forecast_around_the_covariates_regression(model, covariates_as):
    history, future, _ = promotions()
    data = as_series_set(history, future=future, id_col="store")
    fitted = forecastgen.create(model, covariates_as=covariates_as, device="cpu", **NETWORKS[model]).fit(data)
    first = fitted.predict(num_samples=50, seed=3)
    assert (tv_uplift(fitted, future, first) > 8).all()  # tv adds 20 over none and 12 over a flyer
    assert np.isfinite(fitted.log_prob(data)).all()


@pytest.mark.parametrize("model", list(NETWORKS))
def test_covariates_as_inputs_widen_the_network_and_must_stay_the_same(model, tmp_path):
    from forecastgen.data.calendar import calendar_features
    from forecastgen.engine.checkpoint import load_checkpoint, save_checkpoint

    history, future, _ = promotions()
    data = as_series_set(history, future=future, id_col="store")
    plain = as_series_set(history[["store", "date", "sales"]], id_col="store")
    settings = {"covariates_as": "inputs", "device": "cpu", **NETWORKS[model]}
    fitted = forecastgen.create(model, **settings).fit(data)
    calendar = calendar_features(data["north"].index[:1], data.freq).shape[1]
    assert data.covariates.encoded == ["price", "promo=none", "promo=tv"]
    assert fitted.network_.input_size == len(fitted.plan_.lags) + calendar + 3
    first = fitted.predict(num_samples=20, seed=3)
    assert not np.allclose(tv_uplift(fitted, future, first), 0)  # the future values feed the network
    assert np.isfinite(fitted.log_prob(data)).all()
    save_checkpoint(fitted, tmp_path / "net")
    again = load_checkpoint(tmp_path / "net").predict(num_samples=20, seed=3, data=data)
    np.testing.assert_array_equal(again.samples["north"], first.samples["north"])
    with pytest.raises(InputError, match=r"trained with the covariates price, promo=none, promo=tv as "
                                         r"inputs, but these series come with none"):
        fitted.predict(14, num_samples=5, data=plain)
    with pytest.raises(InputError, match="fitted on series without covariates, so its network has no inputs"):
        forecastgen.create(model, force=True, **settings).fit(plain).predict(num_samples=5, data=data)
    with pytest.raises(InputError, match="covariates_as must be one of inputs, regression, both, not 'xreg'"):
        forecastgen.create(model, **{**settings, "covariates_as": "xreg"}).fit(data)


@pytest.mark.slow
@pytest.mark.parametrize("model", list(NETWORKS))
def test_a_network_with_covariates_as_inputs_learns_their_effect(model):
    """DeepAR's way alone, no regression: trained as by default, the network reads the price
    and the promotion at each step and forecasts the tv days higher."""
    history, future, actual = promotions()
    data = as_series_set(history, future=future, id_col="store")
    fitted = forecastgen.create(model, covariates_as="inputs", device="cpu").fit(data)
    first = fitted.predict(num_samples=100, seed=3)
    assert tv_uplift(fitted, future, first).mean() > 8
    plain = as_series_set(history[["store", "date", "sales"]], id_col="store")
    # the promotions hide the weekly cycle's autocorrelation from the check: force the fit
    without = forecastgen.create(model, device="cpu", force=True).fit(plain)
    without = without.predict(14, num_samples=100, seed=3)
    for key in data.ids:
        assert mean_error(first, actual, key) < 0.8 * mean_error(without, actual, key)


@pytest.mark.parametrize("model", ["cvae", "gan"])
def test_window_models_are_conditioned_on_the_covariates(model):
    from forecastgen.registry import default_registry
    from forecastgen.window_forecaster import forecaster_named

    history, future, actual = promotions()
    data = as_series_set(history, future=future, id_col="store")
    fitted = forecaster_named(model, **default_registry().get(model).test_params).fit(data)
    assert fitted.supports("covariates") and fitted.model_.covariates_ == 3
    first = fitted.predict(num_samples=50, seed=3)
    assert (tv_uplift(fitted, future, first) > 8).all()
    plain = as_series_set(history[["store", "date", "sales"]], id_col="store")
    without = forecaster_named(model, **default_registry().get(model).test_params).fit(plain)
    without = without.predict(14, num_samples=50, seed=3)
    for key in data.ids:
        assert mean_error(first, actual, key) < 0.5 * mean_error(without, actual, key)
    assert not forecaster_named("gmm").supports("covariates")


def test_window_conditions_take_one_row_per_window_or_one_for_all_and_refuse_the_rest():
    from forecastgen.covariate_inputs import window_condition_tensor, window_conditions

    one = np.arange(8.0).reshape(1, 4, 2)
    assert tuple(window_condition_tensor("m", None, 3, 4, 0).shape) == (3, 4, 0)
    tensor = window_condition_tensor("m", one, 3, 4, 2)
    np.testing.assert_array_equal(tensor.numpy(), np.repeat(one, 3, axis=0))
    shared = window_conditions("m", one, 3, 4, 2)
    assert shared.shape == (3, 4, 2) and shared.dtype == np.float32 and (shared == one).all()
    assert window_conditions("m", np.ones((3, 4, 2)), 3, 4, 2).shape == (3, 4, 2)
    assert window_conditions("m", None, 3, 4, 0) is None
    with pytest.raises(InputError, match="m: fitted with 2 covariates per step, so it needs their values"):
        window_conditions("m", None, 3, 4, 2)
    misshapen = r"of shape \(3, 4, 2\) .* or \(1, 4, 2\) for all windows, not \(2, 4, 2\)"
    with pytest.raises(InputError, match=misshapen):
        window_conditions("m", np.ones((2, 4, 2)), 3, 4, 2)
    with pytest.raises(InputError, match="must be finite"):
        window_conditions("m", np.full((3, 4, 2), np.nan), 3, 4, 2)
