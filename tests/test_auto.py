"""auto: suitability, quick training, ranking, mixtures and the reason it gives."""

import copy
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecastgen
from forecastgen.auto import _allocate, rank_scores
from forecastgen.data import as_series_set, read_series

AIRLINE = Path(__file__).resolve().parents[1] / "examples" / "data" / "airline.csv"


@pytest.fixture(scope="module")
def classical_auto():
    """auto fitted on the airline series with the classical candidates (fitting is the slow part)."""
    return forecastgen.create("auto", candidates="snaive,theta,ets").fit(read_series(AIRLINE))


def test_ranking_uses_crps_and_mase_relative_to_the_best():
    scores = pd.DataFrame({"crps": [1.0, 0.5, 0.6], "mase": [1.0, 1.2, 0.8]},
                          index=["a", "b", "c"])
    ranked = rank_scores(scores)
    assert list(ranked.index) == ["c", "b", "a"]
    assert ranked.loc["c", "score"] == pytest.approx((0.6 / 0.5 + 1.0) / 2)


def test_by_default_every_model_that_trains_nothing_is_a_candidate(airline):
    model = forecastgen.create("auto").fit(airline)
    assert set(model.scores_.index) == {"theta", "damped", "ces", "patchcast"}  # issue 40's choice
    assert "not tried" not in model.reason_
    assert set(model.weights_) == {"theta", "damped", "ces", "patchcast"}


def test_white_noise_leaves_out_autoregressive_models_and_says_so(white_noise):
    model = forecastgen.create("auto", candidates="all", quick_epochs=1, quick_batches=2).fit(white_noise)
    assert set(model.scores_.index) == {"snaive", "theta", "ets", "damped", "arima", "ces", "patchcast"}
    assert "not tried: causal-conv (no significant autocorrelation), rnn (no significant" in model.reason_
    forecast = model.predict(7, num_samples=50, seed=0)
    assert forecast.notes[0] == model.reason_
    assert forecast.model == "auto: " + "+".join(model.weights_)
    assert forecast.samples["noise"].shape == (50, 7)


def test_trainable_candidates_get_short_fixed_training_and_the_choice_is_reproducible(airline):
    first = forecastgen.create("auto", candidates="snaive,rnn", quick_epochs=2, quick_batches=3).fit(airline)
    assert first.settings_ == {"snaive": {}, "rnn": {"max_epochs": 2, "batches_per_epoch": 3}}
    again = forecastgen.create("auto", candidates="snaive,rnn", quick_epochs=2, quick_batches=3).fit(airline)
    pd.testing.assert_frame_equal(first.scores_.drop(columns="seconds"),
                                  again.scores_.drop(columns="seconds"))
    np.testing.assert_array_equal(first.predict(4, seed=1).samples["airline"],
                                  again.predict(4, seed=1).samples["airline"])


def test_picks_the_model_that_backtests_best(classical_auto):
    model = classical_auto
    assert model.chosen_ == model.scores_.index[0]
    assert model.scores_["score"].is_monotonic_increasing
    assert model.scores_.loc[model.chosen_, "crps"] < model.scores_.loc["snaive", "crps"]
    paths = model.predict(12, num_samples=100, seed=1).samples["airline"]
    assert np.isfinite(paths).all()


def test_too_short_to_backtest_combines_every_candidate_equally_and_says_so():
    series = pd.Series([1.0, 2.0, 3.0, 2.5, 3.5], index=pd.date_range("2020", periods=5, freq="D"))
    model = forecastgen.create("auto", candidates="snaive,theta,ets")
    forecast = model.fit_predict(series, 3, num_samples=60, seed=0)
    assert model.weights_ == pytest.approx({"snaive": 1 / 3, "theta": 1 / 3, "ets": 1 / 3})
    assert not model.ranked() and model.scores_["score"].isna().all()
    assert forecast.notes[0] == ("auto could not rank the candidates by backtest (the shortest series has "
                                 "5 points, too few for 3 windows of backtest); it combines snaive, theta "
                                 "and ets with equal weights")
    assert np.isfinite(forecast.samples["value"]).all()


# the six single-series files of issue 35 on which the default stopped with StopIteration
UNSCALED = {"constant": np.full(60, 42.0), "zeros": np.zeros(60),
            "near-constant": np.r_[np.full(59, 5.0), 5.0001],
            "constant-then-noise": np.r_[np.full(50, 50.0), 50 + np.random.default_rng(1).normal(0, 2, 10)],
            "alternating": np.resize([1.0, 2.0], 60)}


@pytest.mark.parametrize("name", list(UNSCALED))
def test_backtests_without_a_scale_leave_the_candidates_unranked_not_a_crash(tmp_path, name):
    from click.testing import CliRunner

    from forecastgen.cli import cli

    path = tmp_path / f"{name}.csv"
    pd.DataFrame({"month": pd.date_range("2001-01", periods=60, freq="MS"), "sales": UNSCALED[name]}).to_csv(
        path, index=False)
    result = CliRunner().invoke(cli, ["predict", str(path), "-H", "6"])
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    values = table[["mean", "q10", "q50", "q90"]].to_numpy()
    assert np.isfinite(values).all() and len(table) == 6
    if name in ("constant", "zeros"):  # every series constant: no backtest, the value itself
        assert (values == UNSCALED[name][0]).all()
        assert "auto could not rank the candidates by backtest (every series is constant); it forecasts " \
               "with theta" in result.stderr
        assert f"series '{name}' is constant" in result.stderr
    elif name == "alternating":  # seasonal differences are all 0: MASE falls back to lag 1, ranked
        assert "auto chose damped" in result.stderr  # its season follows the alternation
        np.testing.assert_allclose(table["q50"], [1.0, 2.0] * 3, atol=0.15)
    else:  # constant before the backtest windows: no error has a scale
        assert "every series is constant before its backtest windows" in result.stderr
        assert "with equal weights" in result.stderr


def test_a_perfect_equal_or_missing_score_never_empties_the_combination():
    model = forecastgen.create("auto")
    for scores in ([0.0, 0.0, 0.0], [np.nan, np.nan, np.nan], [np.inf, np.nan, np.inf], [2.0, 2.0, 2.0]):
        model.scores_ = pd.DataFrame({"score": scores}, index=["snaive", "theta", "ets"])
        assert model.combination_weights() == pytest.approx({"snaive": 1 / 3, "theta": 1 / 3, "ets": 1 / 3})
    model.scores_ = pd.DataFrame({"score": [1.0, np.inf, np.nan]}, index=["theta", "ets", "snaive"])
    assert model.combination_weights() == {"theta": 1.0}


def test_allocation_of_draws_follows_the_weights():
    assert _allocate(200, [0.52, 0.48]) == [104, 96]
    assert _allocate(7, [0.5, 0.3, 0.2]) == [4, 2, 1]
    assert sum(_allocate(101, [0.34, 0.33, 0.33])) == 101


def test_every_candidate_is_mixed_in_by_the_inverse_square_of_its_score(classical_auto):
    model = classical_auto
    assert set(model.weights_) == {"snaive", "theta", "ets"} and list(model.weights_)[0] == model.chosen_
    assert sum(model.weights_.values()) == pytest.approx(1)
    scores = model.scores_["score"]
    for name, weight in model.weights_.items():
        assert weight / model.weights_[model.chosen_] == pytest.approx(scores[name] ** -2)
    assert "mixed with those of" in model.reason_
    assert "by the inverse square of their backtest scores" in model.reason_
    paths = model.predict(6, num_samples=300, seed=2).samples["airline"]
    alone = {name: member.predict(6, num_samples=300, seed=2).samples["airline"]
             for name, member in model.models_.items()}
    assert paths.shape == (300, 6)
    low = min(np.quantile(p[:, 0], 0.4) for p in alone.values())
    high = max(np.quantile(p[:, 0], 0.6) for p in alone.values())
    assert low <= np.median(paths[:, 0]) <= high


def linear(model):
    """The fitted ``model`` pooling its members' paths as they are."""
    pooled = copy.copy(model)
    pooled.pooling = "linear"
    return pooled


def test_the_mixtures_mean_is_its_members_means_by_their_shares(classical_auto):
    """Exact where a member knows its mean, else the mean of the paths it gave the mixture."""
    model = linear(classical_auto)
    forecast = model.predict(6, num_samples=200, seed=2)
    members = {name: model.models_[name].predict(6, num_samples=count, seed=2)
               for name, count in model._sample_counts(200).items()}
    assert any(member.means for member in members.values())
    expected = sum(weight * members[name].point_mean("airline") for name, weight in model.weights_.items())
    np.testing.assert_allclose(forecast.to_frame()["mean"], expected, rtol=1e-12)


def test_the_mixtures_paths_are_its_members_paths_shuffled(classical_auto):
    model = linear(classical_auto)
    paths = model.predict(6, num_samples=200, seed=3).samples["airline"]
    members = [model.models_[name].predict(6, num_samples=count, seed=3).samples["airline"]
               for name, count in model._sample_counts(200).items()]
    np.testing.assert_array_equal(np.sort(paths, axis=0), np.sort(np.concatenate(members), axis=0))
    assert not np.array_equal(paths, np.concatenate(members))


def test_centred_pooling_moves_the_mixture_to_the_members_medians_averaged_by_weight(classical_auto):
    """The default: each member draws all 200 paths, gives the mixture its share of them, and
    the mixture is moved, one amount a step, so that its median is the weighted average of the
    members' medians; its spread is the mixture's."""
    model = classical_auto
    assert model.pooling == "centred"
    forecast = model.predict(6, num_samples=200, seed=3)
    paths = forecast.samples["airline"]
    members = {name: model.models_[name].predict(6, num_samples=200, seed=3)
               for name in model._sample_counts(200)}
    weights = np.array([model.weights_[name] for name in members])
    medians = np.stack([np.median(member.samples["airline"], axis=0) for member in members.values()])
    target = weights @ medians / weights.sum()
    np.testing.assert_allclose(np.median(paths, axis=0), target, rtol=1e-12)
    counts = model._sample_counts(200)
    mixed = np.concatenate([member.samples["airline"][:counts[name]] for name, member in members.items()])
    shift = target - np.median(mixed, axis=0)
    np.testing.assert_allclose(np.sort(paths, axis=0), np.sort(mixed + shift, axis=0), rtol=1e-12)
    means = weights @ np.stack([m.point_mean("airline") for m in members.values()]) / weights.sum()
    np.testing.assert_allclose(forecast.to_frame()["mean"], means + shift, rtol=1e-9)
    with pytest.raises(forecastgen.InputError,
                       match="auto: pooling must be 'centred' or 'linear', not 'mean'"):
        forecastgen.create("auto", candidates="snaive", pooling="mean").fit(read_series(AIRLINE))


def test_fit_predict_gives_the_numbers_of_fit_then_predict(airline):
    apart = forecastgen.create("auto", candidates="snaive,theta,ets").fit(airline).predict(6, seed=4)
    fused = forecastgen.create("auto", candidates="snaive,theta,ets")
    together = fused.fit_predict(airline, 6, seed=4)
    np.testing.assert_array_equal(together.samples["airline"], apart.samples["airline"])
    assert together.to_frame().equals(apart.to_frame()) and together.notes == apart.notes
    assert together.model == apart.model and set(fused.models_) == set(fused.weights_)
    np.testing.assert_array_equal(fused.predict(6, seed=4).samples["airline"], apart.samples["airline"])


def test_inverse_score_shares():
    model = forecastgen.create("auto")
    model.scores_ = pd.DataFrame({"score": [1.0, 1.2, 2.0, np.nan]}, index=["ets", "rnn", "theta", "ces"])
    total = 1 + 1 / 1.44 + 1 / 4
    assert model.combination_weights() == pytest.approx({"ets": 1 / total, "rnn": 1 / 1.44 / total,
                                                         "theta": 1 / 4 / total})
    model.scores_ = pd.DataFrame({"score": [0.0, 1.5]}, index=["snaive", "ets"])  # a perfect backtest
    assert model.combination_weights() == pytest.approx({"snaive": 1.0, "ets": 0.0})


def test_a_short_history_weights_by_a_lower_power_toward_equal_shares():
    """Below ``full_weight_from`` points (the median series) the power shrinks in proportion:
    a 40-point series weights by 1/score, a 20-point one by 1/score^0.5."""
    rng = np.random.default_rng(5)
    short = pd.Series(10 + np.cumsum(rng.normal(size=40)), name="y",
                      index=pd.date_range("1980", periods=40, freq="YS"))
    model = forecastgen.create("auto", candidates="snaive,theta,ets").fit(short)
    assert model.history_length_ == 40 and model.score_power() == pytest.approx(1.0)
    scores = model.scores_["score"]
    for name, weight in model.weights_.items():
        assert weight / model.weights_[model.chosen_] == pytest.approx(1 / scores[name])
    model.history_length_ = 20
    assert model.score_power() == pytest.approx(0.5)
    model.history_length_ = 500
    assert model.score_power() == 2.0
    assert forecastgen.create("auto", full_weight_from=None).score_power() == 2.0
    with pytest.raises(forecastgen.InputError,
                       match="full_weight_from must be a positive whole number or None"):
        forecastgen.create("auto", candidates="snaive", full_weight_from=0).fit(short)


def test_anchors_one_share_each_and_a_winning_anchor_takes_two():
    model = forecastgen.create("auto", combination="anchors", anchors="ets,theta,patchcast")
    model.scores_ = pd.DataFrame({"score": [1.0, 1.2, 1.5]}, index=["ets", "rnn", "theta"])
    assert model.combination_weights() == pytest.approx({"ets": 2 / 3, "theta": 1 / 3})
    model.scores_ = pd.DataFrame({"score": [1.0, 1.2, 1.5]}, index=["rnn", "ets", "theta"])
    assert model.combination_weights() == pytest.approx({"rnn": 1 / 3, "ets": 1 / 3, "theta": 1 / 3})
    assert list(model.combination_weights()) == ["rnn", "ets", "theta"]


def test_the_winner_alone(airline):
    for settings in ({"combination": "winner"}, {"combination": "anchors", "anchors": None}):
        model = forecastgen.create("auto", candidates="snaive,ets", **settings).fit(airline)
        assert list(model.weights_) == [model.chosen_] and model.weights_[model.chosen_] == 1.0


def test_an_unknown_combination_is_refused_before_any_backtest(airline):
    with pytest.raises(forecastgen.InputError, match="combination must be 'inverse-score', 'anchors' or"):
        forecastgen.create("auto", combination="average").fit(airline)


def test_candidates_can_carry_parameters(airline, white_noise):
    model = forecastgen.create("auto", candidates="ets:transform=log, theta", anchors="ets:transform=log")
    model.fit(airline)
    assert model.settings_ == {"theta": {}, "ets:transform=log": {"transform": "log"}}
    assert set(model.scores_.index) == {"theta", "ets:transform=log"}
    assert model.models_["ets:transform=log"].transform == "log"
    assert "ets:transform=log" in model.weights_
    assert np.isfinite(model.predict(6, num_samples=20, seed=0).samples["airline"]).all()
    negative = forecastgen.create("auto", candidates="snaive,ets:transform=log").fit(white_noise)
    assert list(negative.scores_.index) == ["snaive"]
    assert "not tried: ets:transform=log (the log scale needs positive values)" in negative.reason_


def test_a_candidate_that_refuses_the_backtest_history_is_left_out():
    # autocorrelated in full, but the seasonal pattern is only in the last points the
    # backtest holds out: its shorter history looks like white noise to the rnn
    rng = np.random.default_rng(3)
    values = rng.normal(size=120)
    values[-20:] += 6 * np.sin(np.arange(20) * 2 * np.pi / 12)
    series = pd.Series(values, index=pd.date_range("2000-01", periods=120, freq="MS"), name="y")
    model = forecastgen.create("auto", candidates="snaive,rnn", quick_epochs=1, quick_batches=2)
    model.fit(series)
    assert list(model.scores_.index) == ["snaive"]
    assert "rnn (refused the backtest's shorter history: rnn needs autocorrelation" in model.reason_


def _seasonal_catalogue(count: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    months = pd.date_range("2015-01-01", periods=60, freq="MS")
    rows = [pd.DataFrame({"id": f"item{number:02d}", "month": months,
                          "sales": 50 + 10 * np.sin(2 * np.pi * np.arange(60) / 12 + number)
                          + rng.normal(0, 2 + number % 4, 60) + 0.2 * number * np.arange(60) / 12})
            for number in range(count)]
    return pd.concat(rows, ignore_index=True)


def test_many_series_are_backtested_on_a_seeded_sample_and_all_are_forecast():
    from forecastgen.evaluate import backtest

    data = forecastgen.as_series_set(_seasonal_catalogue(12), id_col="id")
    model = forecastgen.create("auto", candidates="snaive,theta", combination="winner", backtest_series=5)
    model.fit(data)
    sample = model.selection_series(data)
    assert len(sample) == 5 and set(sample.ids) < set(data.ids)
    assert sample.ids == model.selection_series(data).ids  # the same seed, the same sample
    assert "of a random 5 of the 12 series" in model.reason_
    theta = backtest(sample, forecastgen.create("theta"), windows=model.windows,
                     horizon=model.backtest_horizon(data), num_samples=100, seed=0)
    assert model.scores_.loc["theta", "mase"] == pytest.approx(theta.scores["mase"].mean())
    assert set(model.predict(6, num_samples=20, seed=0).samples) == set(data.ids)
    everything = forecastgen.create("auto", candidates="snaive,theta", backtest_series=None)
    assert everything.selection_series(data) is data
    with pytest.raises(forecastgen.InputError, match="backtest_series must be a positive whole number"):
        forecastgen.create("auto", backtest_series=0).selection_series(data)


def test_a_plugin_joins_autos_default_candidates_by_declaring_it(airline):
    """What auto knows of a model comes from its spec: the template plugin's `ar` declares
    auto_default and a cost rank, and auto backtests it in that order; without the
    declaration it is tried only when named."""
    import dataclasses
    import sys

    from forecastgen.registry import Registry

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "plugin-template"))
    try:
        from forecastgen_ar import plugin as template
    finally:
        sys.path.pop(0)
    registry = Registry.build(extra_plugins=(template,))
    names, _ = forecastgen.create("auto").suitable_candidates(airline, registry)
    assert names == ["theta", "ar", "damped", "ces", "patchcast"]  # by cost rank; arima only without a season
    def yearly(points):
        return as_series_set(pd.Series(np.linspace(10, 40, points) + np.sin(np.arange(points)), name="y",
                                       index=pd.date_range("1950", periods=points, freq="YS")))
    # without a season, from 40 points on, arima takes patchcast's place
    assert forecastgen.create("auto").suitable_candidates(yearly(40), registry)[0] == [
        "theta", "ar", "damped", "ces", "arima"]
    assert forecastgen.create("auto").suitable_candidates(yearly(39), registry)[0] == [
        "theta", "ar", "damped", "ces", "patchcast"]
    registry.specs["ar"] = dataclasses.replace(registry.specs["ar"], auto_default=False)
    assert "ar" not in forecastgen.create("auto").suitable_candidates(airline, registry)[0]
    assert "ar" in forecastgen.create("auto", candidates="ar,ets").suitable_candidates(airline, registry)[0]


def test_a_model_needing_autocorrelation_or_more_history_is_left_out_with_the_reason(white_noise):
    names, excluded = forecastgen.create("auto", candidates="all").suitable_candidates(
        as_series_set(white_noise), forecastgen.registry.default_registry())
    assert "rnn (no significant autocorrelation)" in excluded and "rnn" not in names
    short = as_series_set(pd.Series(np.sin(np.arange(60) / 2.0) + 5, name="short",
                                    index=pd.date_range("2000-01", periods=60, freq="MS")))
    names, excluded = forecastgen.create("auto", candidates="ets,rnn").suitable_candidates(
        short, forecastgen.registry.default_registry())
    assert names == ["ets"] and excluded == ["rnn (series too short to train on)"]  # 4*18 + 2*12 points
