"""The rnn forecaster: refusal without autocorrelation, seeds, log_prob, checkpoints."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from forecastgen_autoregressive.base import ChangeFromLastValue, network_inputs
from forecastgen_autoregressive.lagged_windows import WindowPlan, lagged_values, plan_windows, window_scale
from forecastgen_autoregressive.likelihoods import likelihood

import forecastgen
from forecastgen.engine.checkpoint import load_checkpoint, save_checkpoint
from forecastgen.errors import InputError


def test_refuses_white_noise_and_says_what_to_do(noise, tiny):
    with pytest.raises(InputError, match=r"rnn needs autocorrelation, and series 'noise' \(Ljung-Box "
                                         r"p = 0\.\d\d over 14 lags\) has none.*Use snaive or ets, or "
                                         r"pass force=True"):
        forecastgen.create("rnn", **tiny).fit(noise)
    forecast = forecastgen.create("rnn", force=True, **tiny).fit(noise).predict(7, num_samples=20)
    assert np.isfinite(forecast.samples["noise"]).all()


def test_forecast_shape_seed_and_timestamps(tiny_rnn):
    first = tiny_rnn.predict(12, num_samples=30, seed=1)
    again = tiny_rnn.predict(12, num_samples=30, seed=1)
    other = tiny_rnn.predict(12, num_samples=30, seed=2)
    paths = first.samples["airline"]
    assert paths.shape == (30, 12) and np.isfinite(paths).all()
    np.testing.assert_array_equal(paths, again.samples["airline"])
    assert not np.array_equal(paths, other.samples["airline"])
    assert str(first.index["airline"][0].date()) == "1960-01-01"
    assert paths.std(axis=0).min() > 0


def test_fitting_is_reproducible(airline, tiny):
    one = forecastgen.create("rnn", **tiny).fit(airline).predict(3, num_samples=5, seed=0)
    two = forecastgen.create("rnn", **tiny).fit(airline).predict(3, num_samples=5, seed=0)
    np.testing.assert_array_equal(one.samples["airline"], two.samples["airline"])


def test_log_prob_matches_the_incremental_path_used_for_sampling(tiny_rnn, airline):
    """log_prob runs the network over a whole block at once; sampling runs it step by
    step from a primed state. Both must give the same one-step predictive densities."""
    from forecastgen.data.calendar import calendar_features

    plan, network = tiny_rnn.plan_, tiny_rnn.network_
    one_block = airline.drop_last(len(airline["airline"]) - plan.span)
    series = one_block["airline"]
    y = series.to_numpy().copy()
    steps = slice(plan.max_lag, plan.span)
    lagged = torch.as_tensor(lagged_values(y, plan.lags)[steps], dtype=torch.float32)
    features = torch.as_tensor(calendar_features(series.index, one_block.freq)[steps])
    targets = torch.as_tensor(y[steps], dtype=torch.float32)
    loc, scale = (torch.as_tensor(v, dtype=torch.float32)
                  for v in window_scale(y[None, plan.max_lag:plan.max_lag + plan.context], False))
    x = network_inputs(lagged[None], features[None], loc[:, None], scale[:, None])
    head = likelihood("student_t")
    with torch.no_grad():
        state = network.prime(x[:, : plan.context])
        total = 0.0
        for t in range(plan.context, x.shape[1]):
            raw, state = network.step(x[:, t], state)
            total += float(head.distribution(raw, loc, scale, tiny_rnn.temperature_).log_prob(targets[t]))
    assert tiny_rnn.log_prob(one_block)["airline"] == pytest.approx(total, rel=1e-5)


def test_log_prob_prefers_the_real_series_to_a_shuffled_one(airline, tiny):
    model = forecastgen.create("rnn", **{**tiny, "max_epochs": 6, "batches_per_epoch": 10}).fit(airline)
    real = model.log_prob(airline)["airline"]
    rng = np.random.default_rng(0)
    series = airline["airline"]
    shuffled = pd.Series(rng.permutation(series.to_numpy()), index=series.index, name="airline")
    assert real > model.log_prob(shuffled)["airline"] + 50


def test_save_load_round_trip_gives_identical_forecasts(tiny_rnn, airline, tmp_path):
    save_checkpoint(tiny_rnn, tmp_path / "model")
    loaded = load_checkpoint(tmp_path / "model")
    history = airline.drop_last(12)
    before = tiny_rnn.predict(6, num_samples=20, seed=4).samples["airline"]
    after = loaded.predict(6, num_samples=20, seed=4, data=history).samples["airline"]
    np.testing.assert_array_equal(before, after)
    assert loaded.log_prob(history)["airline"] == pytest.approx(tiny_rnn.log_prob(history)["airline"])
    with pytest.raises(InputError, match="give the series to forecast"):
        loaded.predict(6)


def test_damaged_checkpoints_give_clear_errors(tiny_rnn, tmp_path):
    folder = save_checkpoint(tiny_rnn, tmp_path / "model")
    weights, config = folder / "model.safetensors", folder / "config.json"
    original = weights.read_bytes()
    weights.write_bytes(original[:-100])
    with pytest.raises(InputError, match="SHA-256 differs"):
        load_checkpoint(folder)
    tampered = bytearray(original)
    tampered[-5] ^= 0xFF
    weights.write_bytes(bytes(tampered))
    with pytest.raises(InputError, match="the file was changed or truncated"):
        load_checkpoint(folder)
    weights.write_bytes(original)
    text = config.read_text()
    config.write_text(text[:50])
    with pytest.raises(InputError, match="not valid JSON"):
        load_checkpoint(folder)
    newer = json.loads(text)
    newer["format_version"] = 99
    config.write_text(json.dumps(newer))
    with pytest.raises(InputError, match="written by a newer forecastgen"):
        load_checkpoint(folder)
    wrong = json.loads(text)
    wrong["params"]["hidden_size"] = 9
    config.write_text(json.dumps(wrong))
    with pytest.raises(InputError, match="its parameters were changed after the weights were saved"):
        load_checkpoint(folder)
    del wrong["params_sha256"]  # a checkpoint from before the checksum: the shapes still disagree
    config.write_text(json.dumps(wrong))
    with pytest.raises(InputError, match="the checkpoint does not fit model 'rnn'"):
        load_checkpoint(folder)
    with pytest.raises(InputError, match="no such model folder"):
        load_checkpoint(tmp_path / "missing")


def test_count_data_with_the_negative_binomial(tiny):
    rng = np.random.default_rng(3)
    t = np.arange(150)
    counts = rng.poisson(5 + 4 * np.sin(2 * np.pi * t / 7))
    series = pd.Series(counts.astype(float), index=pd.date_range("2021-01-01", periods=150, freq="D"),
                       name="visits")
    model = forecastgen.create("rnn", likelihood="negbin", **tiny).fit(series)
    paths = model.predict(14, num_samples=50, seed=0).samples["visits"]
    assert (paths >= 0).all() and np.array_equal(paths, np.round(paths))
    with pytest.raises(InputError, match="negbin' is for non-negative whole numbers"):
        forecastgen.create("rnn", likelihood="negbin", **tiny).fit(series + 0.5)


def test_gru_cell_and_gaussian_head(airline, tiny):
    model = forecastgen.create("rnn", cell="gru", likelihood="normal", **tiny).fit(airline)
    assert np.isfinite(model.predict(5, num_samples=10).samples["airline"]).all()
    with pytest.raises(InputError, match="cell must be one of lstm, gru"):
        forecastgen.create("rnn", cell="transformer", **tiny).fit(airline)


def test_window_plan_shrinks_to_fit_short_series():
    assert plan_windows(500, 12, 18).lags == (1, 2, 3, 12, 24)
    short = plan_windows(48, 12, 18)
    assert short.max_lag + short.context + 2 * short.prediction <= 48
    assert short.lags == (1, 2, 3, 12)
    with pytest.raises(InputError, match="needs at least"):
        plan_windows(20, 12, 18, context_length=24)


def test_unusable_paths_fall_back_to_seasonal_naive_with_a_note(tiny_rnn, monkeypatch):
    monkeypatch.setattr(type(tiny_rnn), "_sample_paths",
                        lambda self, data, horizon, n, seed: np.full((1, n, horizon), np.nan))
    forecast = tiny_rnn.predict(6, num_samples=20, seed=0)
    assert np.isfinite(forecast.samples["airline"]).all()
    assert forecast.notes == ["series 'airline': rnn gave an unusable forecast (non-finite values); "
                              "used seasonal naive instead"]


def test_predict_change_adds_the_last_value_to_the_location_only():
    class Zero(torch.nn.Module):  # a network that predicts no change at all
        input_size = 4

        def forward(self, x):
            return torch.zeros(*x.shape[:-1], 3)

        def prime(self, x):
            return None

        def step(self, x, state):
            return torch.zeros(len(x), 3), state

    head = likelihood("student_t")
    network = ChangeFromLastValue(Zero(), head.param_count, head.location_index)
    x = torch.tensor([[[0.5, 1.0, 2.0, 0.0], [-1.5, 0.5, 1.0, 0.0]]])
    raw = network(x)
    assert raw[..., head.location_index].tolist() == [[0.5, -1.5]]  # the lag-1 input
    assert raw[..., 0].abs().sum() == 0 and raw[..., 2].abs().sum() == 0
    step_raw, _ = network.step(x[:, 0], None)
    assert step_raw[:, head.location_index].tolist() == [0.5]
    assert likelihood("negbin").location_index is None  # counts keep their own mean


def test_predict_change_is_a_setting_that_changes_the_forecast(airline, tiny):
    change = forecastgen.create("rnn", **tiny).fit(airline).predict(6, num_samples=50, seed=0)
    level = forecastgen.create("rnn", **tiny, predict_change=False).fit(airline)
    level = level.predict(6, num_samples=50, seed=0)
    assert not np.allclose(change.samples["airline"], level.samples["airline"])


class FixedNormal(torch.nn.Module):
    """A 'network' whose Gaussian head always says N(0, 1) in standardized units."""
    input_size = 4

    def forward(self, x):
        raw = torch.zeros(*x.shape[:-1], 2)
        raw[..., 1] = np.log(np.e - 1)  # softplus(raw) = 1
        return raw


@pytest.mark.parametrize("true_temperature", [0.7, 1.0, 2.5])
def test_the_temperature_is_the_scale_factor_the_held_out_steps_ask_for(true_temperature):
    from torch.utils.data import TensorDataset

    model = forecastgen.create("rnn", likelihood="normal", device="cpu")
    model.network_, model.device_ = FixedNormal(), torch.device("cpu")
    model.plan_ = WindowPlan((1,), context=4, prediction=50)
    generator = torch.Generator().manual_seed(0)
    targets = true_temperature * torch.randn(40, 54, generator=generator)
    targets[:, :4] = 100.0  # context steps were trained on: they must not count
    windows = TensorDataset(torch.zeros(40, 54, 1), torch.zeros(40, 54, 3), targets,
                            torch.zeros(40), torch.ones(40))
    temperature = model._fitted_temperature(likelihood("normal"), windows)
    assert temperature == pytest.approx(true_temperature, rel=0.1)
    assert model._fitted_temperature(likelihood("negbin"), windows) == 1.0  # counts: no temperature


def test_an_overfitted_network_is_widened_and_calibrate_false_leaves_it():
    # six short noisy seasonal AR(1) series and a network far larger than they need
    rng = np.random.default_rng(5)
    columns = {}
    for k in range(6):
        y = np.zeros(60)
        for t in range(1, 60):
            y[t] = 0.7 * y[t - 1] + rng.normal()
        columns[f"s{k}"] = y + 10 * np.sin(np.arange(60) * 2 * np.pi / 12)
    data = pd.DataFrame(columns, index=pd.date_range("2000-01", periods=60, freq="MS"))
    settings = dict(hidden_size=64, num_layers=1, dropout=0.0, max_epochs=30, batches_per_epoch=10,
                    patience=30, batch_size=16, device="cpu")
    widened = forecastgen.create("rnn", **settings).fit(data)
    raw = forecastgen.create("rnn", **settings, calibrate=False).fit(data)
    assert raw.temperature_ == 1.0 and widened.temperature_ > 1.15  # 1.23-1.32 over seeds 0-2
    wide, narrow = (m.predict(6, num_samples=400, seed=0).samples["s0"] for m in (widened, raw))
    assert wide[:, 0].std() / narrow[:, 0].std() == pytest.approx(widened.temperature_, rel=0.2)
    assert widened.log_prob(data)["s0"] != raw.log_prob(data)["s0"]
