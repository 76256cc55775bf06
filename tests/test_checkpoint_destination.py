"""fit -o never deletes what it did not write, and refuses a bad destination before training."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from forecastgen.cli import cli

AIRLINE = Path(__file__).parents[1] / "examples" / "data" / "airline.csv"
FIT = ["fit", str(AIRLINE), "-m", "rnn", "-p", "max_epochs=1", "-p", "batches_per_epoch=2",
       "-p", "hidden_size=4", "-q"]


def fit_into(destination, *, cwd=None, monkeypatch=None):
    if cwd is not None:
        monkeypatch.chdir(cwd)
    return CliRunner().invoke(cli, [*FIT, "-o", str(destination)])


def test_refitting_into_a_model_folder_keeps_the_other_files(tmp_path):
    folder = tmp_path / "model"
    assert fit_into(folder).exit_code == 0
    (folder / "notes.txt").write_text("my notes")
    first = (folder / "model.safetensors").read_bytes()
    result = fit_into(folder)
    assert result.exit_code == 0, result.output
    assert (folder / "notes.txt").read_text() == "my notes"
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors", "notes.txt"]
    assert (folder / "model.safetensors").read_bytes() == first  # same seed, same weights


def test_fitting_into_the_current_model_folder_deletes_nothing(tmp_path, monkeypatch):
    folder = tmp_path / "model"
    assert fit_into(folder).exit_code == 0
    (folder / "keep.csv").write_text("a,b\n")
    result = fit_into(".", cwd=folder, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert (folder / "keep.csv").exists() and (folder / "model.safetensors").exists()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("setup, message", [
    (lambda p: (p.mkdir(), (p / "thesis.tex").write_text("x")), "holds other files and no forecastgen model"),
    (lambda p: p.write_text("x"), "is a file"),
    (lambda p: None, "does not exist; create it first"),
])
def test_a_bad_destination_is_refused_before_training(tmp_path, setup, message):
    destination = tmp_path / "out"
    setup(destination)
    if message.startswith("does not exist"):
        destination = tmp_path / "missing" / "out"
    result = CliRunner().invoke(cli, [*FIT[:-1], "-p", "max_epochs=500", "-o", str(destination)])
    assert result.exit_code == 2 and message in result.output
    assert "training" not in result.output
    if (tmp_path / "out").is_dir():
        assert [p.name for p in (tmp_path / "out").iterdir()] == ["thesis.tex"]


def test_a_symlink_to_a_folder_is_written_through(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    result = fit_into(link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and (real / "config.json").is_file()
