"""The command line's jobs from Python (``forecastgen.forecast``, ``fit``, ``read``...): the same
numbers as the commands, the notes a person should read, and the thread policy applied."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

import forecastgen
from forecastgen.cli import cli
from forecastgen.data import SeriesSet
from forecastgen.data.images import ImageSet
from forecastgen.data.writer import csv_text
from forecastgen.engine import threads
from forecastgen.errors import InputError
from forecastgen.window_forecaster import WindowForecaster

DATA = Path(__file__).parents[1] / "examples" / "data"
AIRLINE, MACRO, DIGITS = DATA / "airline.csv", DATA / "macro.csv", DATA / "digits.npz"
TINY_RNN = {"hidden_size": 8, "num_layers": 1, "max_epochs": 2, "batches_per_epoch": 3}


def test_forecast_from_a_path_gives_the_commands_numbers_and_its_notes():
    heard = []
    result = forecastgen.forecast(AIRLINE, "theta", num_samples=100, seed=3, on_note=heard.append)
    assert result.notes == heard  # handed over as they came, and kept
    assert heard[0].startswith("read 1 series from") and "horizon 18, the default for monthly" in heard[1]
    table = result.to_frame([0.1, 0.5, 0.9])
    printed = CliRunner().invoke(cli, ["predict", str(AIRLINE), "-m", "theta", "-n", "100", "--seed", "3"])
    assert printed.exit_code == 0 and printed.stdout == csv_text(table)


def test_forecast_takes_pandas_and_model_parameters_and_leaves_out_short_series():
    frame = pd.read_csv(MACRO, parse_dates=["quarter"])
    short = frame[frame["series"] == "unemp"].tail(6).assign(series="short")
    result = forecastgen.forecast(pd.concat([frame, short]).rename(columns={"series": "unique_id",
                                                                             "quarter": "ds", "value": "y"}),
                                  "ets", horizon=8, params={"trend": "damped"}, num_samples=50)
    assert sorted(result.ids) == ["cpi", "realgdp", "unemp"]
    assert list(result.skipped) == ["short"] and "fewer than the horizon 8" in result.skipped["short"]
    assert all(np.isfinite(paths).all() for paths in result.samples.values())


def test_a_density_model_forecasts_from_python_as_it_does_on_the_command_line():
    assert isinstance(forecastgen.forecaster("gmm", n_components=2), WindowForecaster)
    result = forecastgen.forecast(AIRLINE, "gmm", horizon=6, params={"n_components": 2}, num_samples=50)
    assert result.samples["airline"].shape == (50, 6)
    with pytest.raises(InputError, match="model 'vae' is a density model that cannot forecast"):
        forecastgen.forecaster("vae")
    with pytest.raises(InputError, match="model 'ets' has no force setting"):
        forecastgen.forecaster("ets", force=True)


def test_fit_saves_and_forecast_loads_a_model(tmp_path):
    fitted = forecastgen.fit(AIRLINE, "rnn", device="cpu", params=TINY_RNN, output=tmp_path / "rnn")
    assert fitted.notes_[-1] == f"saved 'rnn' to {tmp_path / 'rnn'}" and fitted.skipped_ == {}
    result = forecastgen.forecast(AIRLINE, model_path=tmp_path / "rnn", horizon=5, num_samples=20, seed=1)
    again = forecastgen.load(tmp_path / "rnn").predict(5, num_samples=20, seed=1,
                                                      data=forecastgen.read(AIRLINE))
    np.testing.assert_array_equal(result.samples["airline"], again.samples["airline"])
    assert result.notes[0] == f"loaded 'rnn' from {tmp_path / 'rnn'}"


def test_read_reads_series_images_and_windows(tmp_path):
    assert isinstance(forecastgen.read(AIRLINE), SeriesSet)
    digits = forecastgen.read(DIGITS)
    assert isinstance(digits, ImageSet) and digits.shape == (1, 8, 8) and digits.levels == 17
    np.save(tmp_path / "windows.npy", np.random.default_rng(0).normal(size=(30, 12)))
    windows = forecastgen.read(tmp_path / "windows.npy")
    assert isinstance(windows, np.ndarray) and windows.shape[:2] == (30, 12)


def test_fit_sample_check_and_score_images_from_python():
    digits = forecastgen.read(DIGITS)
    model = forecastgen.fit(digits, "vae", params={"max_epochs": 1, "batches_per_epoch": 2,
                                                   "hidden_size": 16})
    samples = forecastgen.sample(model, 20, seed=0)
    assert samples.shape == (20, 1, 8, 8) and 0 <= samples.min() and samples.max() <= 1
    assert forecastgen.check(DIGITS).has_structure
    assert forecastgen.check(AIRLINE)[0].has_autocorrelation
    scores = forecastgen.score(digits.scaled()[:200], samples.repeat(10, axis=0), iterations=(50, 50))
    assert set(scores) == {"discriminative", "mmd"}
    with pytest.raises(InputError, match="not class-conditional"):
        forecastgen.sample(model, 4, label=3)


def test_the_library_sets_the_threads_for_its_work(monkeypatch):
    monkeypatch.setattr(threads, "USER_SETTING", None)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        forecastgen.forecast(AIRLINE, "snaive", horizon=3, num_samples=10)
        assert torch.get_num_threads() == 1  # series work: one thread
    finally:
        torch.set_num_threads(before)


def test_a_density_model_fitted_on_series_says_why_it_cannot_be_saved(tmp_path):
    with pytest.raises(InputError, match="fitted on series forecasts through their windows, and that "
                                         "cannot be saved; fit it on windows"):
        forecastgen.fit(AIRLINE, "gmm", output=tmp_path / "gmm")
    assert not (tmp_path / "gmm").exists()
