"""Each command chooses its thread counts: one thread for series work, the cores for large arrays."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from forecastgen.cli import cli
from forecastgen.engine import threads
from forecastgen.engine.threads import LARGE_WORK, choose_threads, usable_cores, use_threads

AIRLINE = Path(__file__).parents[1] / "examples" / "data" / "airline.csv"


@pytest.fixture
def restored_threads(monkeypatch):
    """Let use_threads act as it would without a user setting, and undo what it does."""
    monkeypatch.setattr(threads, "USER_SETTING", None)
    for variable in threads.VARIABLES:
        monkeypatch.setenv(variable, os.environ.get(variable, ""))
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_series_work_takes_one_thread_and_large_arrays_the_cores_shared_by_jobs():
    assert choose_threads(144) == 1
    assert choose_threads(LARGE_WORK - 1, jobs=1) == 1
    assert choose_threads(LARGE_WORK) == usable_cores()
    assert choose_threads(None) == usable_cores()
    assert choose_threads(LARGE_WORK, jobs=usable_cores() * 4) == 1


def test_use_threads_sets_torch_and_the_variables_libraries_read_when_they_load(restored_threads):
    assert use_threads(1) == 1
    assert torch.get_num_threads() == 1
    assert all(os.environ[variable] == "1" for variable in threads.VARIABLES)


def test_a_users_omp_num_threads_wins(restored_threads, monkeypatch):
    monkeypatch.setattr(threads, "USER_SETTING", "3")
    torch.set_num_threads(2)
    assert use_threads(1) == 3
    assert torch.get_num_threads() == 2  # left as the user's environment made it


def test_predict_runs_series_work_on_one_thread(restored_threads, tmp_path):
    torch.set_num_threads(2)
    result = CliRunner().invoke(cli, ["predict", str(AIRLINE), "-m", "snaive", "-o",
                                      str(tmp_path / "f.csv")])
    assert result.exit_code == 0, result.output
    assert torch.get_num_threads() == 1


def test_torch_loaded_after_the_choice_starts_with_the_chosen_count():
    code = ("from forecastgen.engine.threads import use_threads; use_threads(1); "
            "import torch; print(torch.get_num_threads())")
    environment = {key: value for key, value in os.environ.items()
                   if key not in threads.VARIABLES}
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=environment, check=True).stdout
    assert output.strip() == "1"
