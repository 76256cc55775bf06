"""Output files: the user's permissions, nothing left behind, nothing a spreadsheet would run."""

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecastgen.cli import cli

AIRLINE = Path(__file__).parents[1] / "examples" / "data" / "airline.csv"


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_forecast_and_plot_files_get_the_umasks_permissions(tmp_path, umask_022):
    output, plot = tmp_path / "f.csv", tmp_path / "f.png"
    result = CliRunner().invoke(cli, ["predict", str(AIRLINE), "-m", "snaive", "-o", str(output),
                                      "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(output.stat().st_mode) == stat.S_IMODE(plot.stat().st_mode) == 0o644


def test_a_missing_output_folder_is_refused_before_anything_is_written(tmp_path):
    plot = tmp_path / "p.png"
    result = CliRunner().invoke(cli, ["predict", str(AIRLINE), "-m", "snaive", "--plot", str(plot),
                                      "-o", str(tmp_path / "missing" / "x.csv")])
    assert result.exit_code == 2
    assert "--output" in result.output and "does not exist; create it first" in result.output
    assert list(tmp_path.iterdir()) == []


def test_ids_that_look_like_formulas_are_escaped(tmp_path):
    months = pd.date_range("2020-01-01", periods=30, freq="MS")
    rng = np.random.default_rng(1)
    frame = pd.concat([pd.DataFrame({"id": name, "month": months, "value": 10 + rng.normal(size=30)})
                       for name in ("=HYPERLINK(1)", "+1", "@SUM", "plain")])
    frame.to_csv(tmp_path / "ids.csv", index=False)
    result = CliRunner().invoke(cli, ["predict", str(tmp_path / "ids.csv"), "-m", "snaive", "-H", "2",
                                      "--id-col", "id"])
    assert result.exit_code == 0, result.output
    ids = pd.read_csv(pd.io.common.StringIO(result.stdout))["id"].unique().tolist()
    assert sorted(ids) == sorted(["'=HYPERLINK(1)", "'+1", "'@SUM", "plain"])


def test_values_too_large_to_square_are_refused_with_their_line(tmp_path):
    values = [1.0, 2.0, 1e300, 3.0] * 10
    pd.DataFrame({"date": pd.date_range("2020", periods=40, freq="D"), "value": values}).to_csv(
        tmp_path / "huge.csv", index=False)
    result = CliRunner().invoke(cli, ["predict", str(tmp_path / "huge.csv"), "-m", "snaive"])
    assert result.exit_code == 2
    assert ("huge.csv: line 4: column 'value' has the value 1e+300 (and 9 more such values), beyond 1e+100"
            in result.output)


def test_a_series_id_with_dollar_signs_plots_as_written(tmp_path):
    months = pd.date_range("2020-01-01", periods=30, freq="MS")
    values = 10 + np.sin(np.arange(30))
    pd.DataFrame({"id": "$\\frac{1}{$", "month": months, "value": values}).to_csv(tmp_path / "tex.csv",
                                                                                  index=False)
    result = CliRunner().invoke(cli, ["predict", str(tmp_path / "tex.csv"), "-m", "snaive", "-H", "3",
                                      "--plot", str(tmp_path / "tex.png"), "-o", str(tmp_path / "f.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tex.png").stat().st_size > 1000


def test_a_model_that_forecasts_nan_writes_nothing_and_exits_1(tmp_path, monkeypatch):
    from forecastgen.forecasts import Forecast

    original = Forecast.__init__

    def poisoned(self, samples, *args, **kwargs):
        original(self, {key: np.full_like(paths, np.nan) for key, paths in samples.items()}, *args, **kwargs)

    monkeypatch.setattr(Forecast, "__init__", poisoned)
    output = tmp_path / "f.csv"
    result = CliRunner().invoke(cli, ["predict", str(AIRLINE), "-m", "snaive", "-o", str(output)])
    assert result.exit_code == 1
    assert "snaive gave NaN or infinite forecasts for 'airline'; nothing was written" in result.output
    assert not output.exists()


def test_write_samples_chooses_the_format_by_suffix(tmp_path):
    from forecastgen.data.images import read_images
    from forecastgen.data.writer import write_samples
    from forecastgen.errors import InputError

    windows = np.linspace(0, 1, 24).reshape(4, 6)
    write_samples(tmp_path / "w.csv", windows)
    np.testing.assert_allclose(np.loadtxt(tmp_path / "w.csv", delimiter=","), windows, atol=1e-6)
    write_samples(tmp_path / "w.npz", windows)
    np.testing.assert_array_equal(np.load(tmp_path / "w.npz")["windows"], windows)
    images = np.zeros((4, 1, 5, 5))
    images[:, :, 1:4, 1:4] = 1.0
    write_samples(tmp_path / "grid.png", images)
    grid = read_images(tmp_path / "grid.png").scaled()
    assert grid.shape[1] == 1 and grid.min() == 0.0 and grid.max() == 1.0
    for path, items, message in [(tmp_path / "w.png", windows, "not images"),
                                 (tmp_path / "i.csv", np.zeros((2, 3, 4, 4)), "one-channel windows"),
                                 (tmp_path / "w.txt", windows, ".png, .npy, .npz or .csv")]:
        with pytest.raises(InputError, match=message):
            write_samples(path, items)
        assert not path.exists()


def test_write_images_keeps_one_image_at_its_size_and_levels_as_bytes(tmp_path):
    from forecastgen.data.images import read_images, to_levels, write_images

    images = np.random.default_rng(0).integers(0, 4, size=(2, 1, 6, 8)) / 3.0
    write_images(tmp_path / "one.png", images[:1], levels=4)
    assert read_images(tmp_path / "one.png").images.shape == (1, 1, 6, 8)
    write_images(tmp_path / "all.npz", images, levels=4)
    stored = np.load(tmp_path / "all.npz")["images"]
    assert stored.dtype == np.uint8
    np.testing.assert_array_equal(stored, to_levels(images, 4))
    assert to_levels(np.array([-0.2, 0.49, 0.51, 1.3]), 2).tolist() == [0, 0, 1, 1]
