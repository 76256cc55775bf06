"""The forecastgen command end to end, in real subprocesses where exit codes, streams,
start-up time and imports matter."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecastgen import registry
from forecastgen.cli import cli

ROOT = Path(__file__).resolve().parents[1]
AIRLINE = ROOT / "examples" / "data" / "airline.csv"
CORPUS = ROOT / "tests" / "corpus"


def forecastgen(*arguments, env=None, cwd=None):
    command = [sys.executable, "-m", "forecastgen.cli", *map(str, arguments)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)


@pytest.mark.slow
def test_predict_airline_prints_forecast_with_quantiles():
    """The default model is auto: it backtests the candidates and says which it chose."""
    result = forecastgen("predict", AIRLINE)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert list(table.columns) == ["id", "timestamp", "mean", "q10", "q50", "q90"]
    assert len(table) == 18 and table["id"].unique().tolist() == ["airline"]
    assert table["timestamp"].iloc[0] == "1961-01-01" and table["timestamp"].iloc[-1] == "1962-06-01"
    assert (table["q10"] < table["q50"]).all() and (table["q50"] < table["q90"]).all()
    # the airline peak is in July: the forecast must keep the seasonal shape
    july = table.loc[table["timestamp"] == "1961-07-01", "q50"].item()
    november = table.loc[table["timestamp"] == "1961-11-01", "q50"].item()
    assert 550 < july < 700 and november < july - 100
    assert "note: horizon 18, the default for monthly data" in result.stderr
    assert re.search(r"note: auto chose [a-z-]+: best backtest over the last 3 windows of 18 steps",
                     result.stderr)
    assert "Traceback" not in result.stderr


def test_same_seed_same_numbers_other_seed_other_numbers():
    first = forecastgen("predict", AIRLINE, "-m", "snaive", "-H", "6", "--seed", "3", "-q")
    second = forecastgen("predict", AIRLINE, "-m", "snaive", "-H", "6", "--seed", "3", "-q")
    other = forecastgen("predict", AIRLINE, "-m", "snaive", "-H", "6", "--seed", "4", "-q")
    assert first.stdout == second.stdout
    assert first.stdout != other.stdout
    assert first.stderr == ""


def test_output_file_plot_and_quantiles(tmp_path):
    output, plot = tmp_path / "f.csv", tmp_path / "f.png"
    result = forecastgen("predict", CORPUS / "wide.csv", "-m", "theta", "-H", "5",
                         "--quantiles", "0.025,0.5,0.975", "-o", output, "--plot", plot)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    table = pd.read_csv(output)
    assert list(table.columns) == ["id", "timestamp", "mean", "q2.5", "q50", "q97.5"]
    assert sorted(table["id"].unique()) == ["east", "north", "south"]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 20_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv", "f.png"]


def test_long_file_forecasts_every_series():
    result = forecastgen("predict", CORPUS / "long_interleaved.csv", "-m", "ets", "-H", "4", "-q")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert table.groupby("id").size().to_dict() == {"store 1": 4, "store 2": 4}
    ratio = (table.loc[table["id"] == "store 2", "q50"].to_numpy()
             / table.loc[table["id"] == "store 1", "q50"].to_numpy())
    assert np.allclose(ratio, 0.5, atol=0.1)


def test_unknown_model_suggests_the_right_name():
    result = forecastgen("predict", AIRLINE, "--model", "etz")
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: unknown model 'etz' - did you mean 'ets'? "
                                     "Run `forecastgen models` to list the installed models.")


@pytest.mark.parametrize("arguments, message", [
    (["--quantiles", "0.5,1.5"], "between 0 and 1"),
    (["--horizon", "0"], "0 is not in the range x>=1"),
    (["-p", "trend=wiggly"], "trend must be auto, none, add, damped, not 'wiggly'"),
    (["-p", "nonsense=1"], "model 'ets' has no parameter 'nonsense'; its parameters are error, trend"),
    (["-p", "max_history=-4"], "max_history must be a positive integer or None"),
    (["--time-col", "when"], "--time-col 'when' is not a column; the columns are timestamp, value"),
    (["--freq", "fortnightly"], "unknown frequency 'fortnightly'"),
    (["--freq", "QE"], "is not on the quarterly grid"),
])
def test_bad_options_exit_2_with_one_line(arguments, message, tmp_path):
    output = tmp_path / "f.csv"
    result = CliRunner().invoke(cli, ["predict", str(AIRLINE), "-m", "ets", "-o", str(output), *arguments],
                                catch_exceptions=False)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not output.exists()


def test_missing_input_or_output_folder_is_an_input_error(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(cli, ["predict", str(tmp_path / "nope.csv")], catch_exceptions=False)
    assert missing.exit_code == 2 and "nope.csv: no such file" in missing.stderr
    unwritable = runner.invoke(cli, ["predict", str(AIRLINE), "-m", "snaive", "-o",
                                     str(tmp_path / "missing" / "f.csv")], catch_exceptions=False)
    assert unwritable.exit_code == 2 and "does not exist; create it first" in unwritable.stderr


def test_help_and_models_do_not_import_heavy_libraries():
    probe = ("import sys, time\n"
             "from forecastgen.cli import cli\n"
             "for args in (['--help'], ['models'], ['predict', '--help']):\n"
             "    try:\n"
             "        cli.main(args, standalone_mode=False)\n"
             "    except SystemExit:\n"
             "        pass\n"
             "heavy = [m for m in ('torch', 'pandas', 'statsmodels', 'matplotlib') if m in sys.modules]\n"
             "print('HEAVY', heavy)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout  # what keeps them fast: no wall-clock assertion (loaded CI)


def test_models_and_plugins_listing():
    result = forecastgen("models", "--json")
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert {"auto", "snaive", "ets", "theta", "rnn", "causal-conv"} <= set(rows)
    assert rows["auto"]["plugin"] == "forecastgen"
    assert rows["rnn"]["capabilities"] == ["covariates", "forecast", "log_prob", "new_series", "series"]
    assert rows["pixelcnn"]["capabilities"] == ["images", "labels", "log_prob", "sample"]
    assert rows["pixelcnn-sr"]["capabilities"] == ["images", "upscale"]
    assert rows["ets"]["plugin"] == "forecastgen-classical"
    assert rows["ets"]["capabilities"] == ["covariates", "forecast", "series"]
    text = forecastgen("models").stdout
    assert text.splitlines()[0].split() == ["name", "family", "interface", "capabilities", "plugin"]
    plugins = json.loads(forecastgen("plugins", "--json").stdout)
    distributions = [p["distribution"] for p in plugins["plugins"]]
    assert distributions[0] == "forecastgen"  # forecastgen's own plugins load first
    assert {"forecastgen-classical", "forecastgen-autoregressive"} <= set(distributions)
    classical = next(p for p in plugins["plugins"] if p["distribution"] == "forecastgen-classical")
    from importlib.metadata import version

    assert classical["hooks"] == ["register_models"]
    assert classical["version"] == version("forecastgen-classical")
    assert plugins["problems"] == []


def test_check_command_text_and_json():
    text = forecastgen("check", AIRLINE)
    assert text.returncode == 0
    assert "Yes: the series is autocorrelated" in text.stdout
    reports = json.loads(forecastgen("check", AIRLINE, "--json", "-q").stdout)
    assert reports[0]["has_autocorrelation"] is True
    assert reports[0]["detected_period"] == 12


def test_backtest_command_prints_a_table():
    result = forecastgen("backtest", AIRLINE, "--model", "snaive", "--windows", "2", "-H", "12", "-q")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["mase", "smape", "crps", "coverage80", "coverage95"]
    assert [line.split()[0] for line in lines[2:]] == ["window", "window", "all"]


def test_backtest_writes_every_cutoffs_forecasts_and_their_plot(tmp_path):
    result = CliRunner().invoke(cli, ["backtest", str(AIRLINE), "-m", "theta", "-w", "4", "--step", "3",
                                      "-H", "6", "--quantiles", "0.05,0.95", "--forecasts",
                                      str(tmp_path / "cv.csv"), "--plot", str(tmp_path / "cv.png")])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(tmp_path / "cv.csv", parse_dates=["cutoff", "timestamp"])
    assert list(frame.columns) == ["id", "window", "cutoff", "timestamp", "actual", "mean", "q5", "q95"]
    gaps = frame["cutoff"].drop_duplicates().diff().dropna().dt.days
    assert len(frame) == 4 * 6 and gaps.between(89, 92).all()  # three months apart
    assert (tmp_path / "cv.png").stat().st_size > 10_000
    assert "wrote 24 forecast rows (4 cutoffs)" in result.stderr
    unwritable = CliRunner().invoke(cli, ["backtest", str(AIRLINE), "-m", "snaive", "--forecasts",
                                          str(tmp_path / "missing" / "cv.csv")])
    assert unwritable.exit_code == 2 and "does not exist" in unwritable.stderr
    refused = CliRunner().invoke(cli, ["backtest", str(AIRLINE), "-m", "ets", "--no-refit"])
    assert refused.exit_code == 2 and "forecasts new series" in refused.stderr


def _broken_plugin_environment(tmp_path: Path, module_text: str, distribution: str = "broken-plugin") -> dict:
    """A site folder with a distribution whose forecastgen entry point is ``module_text``."""
    site = tmp_path / "site"
    info = site / f"{distribution.replace('-', '_')}-0.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text("[forecastgen]\nbroken = broken_plugin\n")
    (site / "broken_plugin.py").write_text(module_text)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_plugin_that_raises_at_import_leaves_the_cli_working(tmp_path):
    env = _broken_plugin_environment(tmp_path, "raise RuntimeError('cannot find libfoo')\n")
    result = forecastgen("models", env=env)
    assert result.returncode == 0
    assert "ets" in result.stdout
    warning_lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warning_lines == [
        "warning: plugin 'broken' from distribution 'broken-plugin' was not loaded: import "
        "failed: RuntimeError: cannot find libfoo; its models are unavailable (reinstall or "
        "uninstall it)"]
    predicted = forecastgen("predict", AIRLINE, "-m", "snaive", "-H", "3", "-q", env=env)
    assert predicted.returncode == 0 and len(predicted.stdout.splitlines()) == 4
    plugins = json.loads(forecastgen("plugins", "--json", env=env).stdout)
    assert plugins["problems"][0]["distribution"] == "broken-plugin"


def test_plugin_registering_a_taken_name_is_skipped_with_a_warning(tmp_path):
    env = _broken_plugin_environment(tmp_path, (
        "from forecastgen import ModelSpec, hookimpl\n"
        "@hookimpl\n"
        "def register_models(register):\n"
        "    register(ModelSpec(name='ets', factory='x:Y', kind='sequence', family='fake',\n"
        "                       capabilities={'forecast'}))\n"))
    result = forecastgen("models", "--json", env=env)
    assert result.returncode == 0
    ets = next(row for row in json.loads(result.stdout) if row["name"] == "ets")
    assert ets["plugin"] == "forecastgen-classical"
    assert "model name 'ets' is already registered by 'forecastgen-classical'" in result.stderr
    assert "'broken-plugin'" in result.stderr


@pytest.mark.parametrize("where", ["import", "hook"])
def test_a_plugin_that_calls_sys_exit_cannot_take_the_cli_down(tmp_path, where):
    module = ("import sys\nsys.exit(3)\n" if where == "import" else
              "import sys\nfrom forecastgen import hookimpl\n@hookimpl\n"
              "def register_models(register):\n    sys.exit(3)\n")
    env = _broken_plugin_environment(tmp_path, module)
    listed = forecastgen("models", env=env)
    assert listed.returncode == 0 and "ets" in listed.stdout
    assert "'broken-plugin'" in listed.stderr
    assert "SystemExit: 3" in listed.stderr
    predicted = forecastgen("predict", AIRLINE, "-m", "ets", "-H", "3", "-q", env=env)
    assert predicted.returncode == 0 and len(predicted.stdout.splitlines()) == 4


def test_a_name_squatting_distribution_cannot_replace_a_builtin_model(tmp_path):
    env = _broken_plugin_environment(tmp_path, (
        "from forecastgen import ModelSpec, hookimpl\n"
        "@hookimpl\n"
        "def register_models(register):\n"
        "    register(ModelSpec(name='ets', factory='x:Y', kind='sequence', family='fake',\n"
        "                       capabilities={'forecast', 'series'}))\n"),
        distribution="forecastgen-aaa-squat")
    result = forecastgen("models", "--json", env=env)
    ets = next(row for row in json.loads(result.stdout) if row["name"] == "ets")
    assert ets["plugin"] == "forecastgen-classical"
    assert ("plugin 'broken' from distribution 'forecastgen-aaa-squat' was not loaded: model name 'ets' "
            "is already registered by 'forecastgen-classical'") in result.stderr


@pytest.mark.slow
def test_auto_warns_once_and_skips_a_model_that_cannot_be_built(tmp_path):
    env = _broken_plugin_environment(tmp_path, (
        "from forecastgen import ModelSpec, hookimpl\n"
        "from forecastgen.interfaces import SequenceGenerator\n"
        "class Fragile(SequenceGenerator):\n"
        "    name = 'fragile'\n"
        "    capabilities = frozenset({'forecast', 'series'})\n"
        "    def __init__(self):\n"
        "        raise RuntimeError('licence server unreachable')\n"
        "@hookimpl\n"
        "def register_models(register):\n"
        "    register(ModelSpec(name='fragile', factory='broken_plugin:Fragile', kind='sequence',\n"
        "                       family='fake', capabilities={'forecast', 'series'}, auto_default=True))\n"
        "    register('not a spec')\n"))
    result = forecastgen("predict", AIRLINE, "-H", "3", env=env)  # it declares itself one of auto's
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "'broken-plugin'" in warnings[0]
    assert "fragile (could not be built: RuntimeError: licence server unreachable)" in result.stderr


@pytest.mark.parametrize("only, expected", [("classical", True), ("someone-else", False)])
def test_plugin_selection_variable(only, expected):
    env = {**os.environ, "FORECASTGEN_PLUGINS": only}
    names = [row["name"] for row in json.loads(forecastgen("models", "--json", env=env).stdout)]
    assert ("ets" in names) is expected


def test_check_plot_shows_acf_and_pacf(tmp_path):
    result = CliRunner().invoke(cli, ["check", str(CORPUS / "wide.csv"), "--plot",
                                      str(tmp_path / "acf.png"), "-q"], catch_exceptions=False)
    assert result.exit_code == 0
    assert (tmp_path / "acf.png").read_bytes()[:4] == b"\x89PNG"
    assert result.stdout.count("calendar period 12") == 3


TINY_RNN = ["-p", "hidden_size=8", "-p", "num_layers=1", "-p", "max_epochs=2",
            "-p", "batches_per_epoch=3"]


def test_fit_then_predict_from_the_saved_model(tmp_path):
    runner = CliRunner()
    folder = tmp_path / "airline-rnn"
    fitted = runner.invoke(cli, ["fit", str(AIRLINE), "-m", "rnn", "-o", str(folder), "--device",
                                 "cpu", *TINY_RNN], catch_exceptions=False)
    assert fitted.exit_code == 0, fitted.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    assert "trained 2 epochs on cpu (fp32, 1 process(es))" in fitted.stderr
    first = runner.invoke(cli, ["predict", str(AIRLINE), "--model-path", str(folder), "-H", "6",
                                "--seed", "3"], catch_exceptions=False)
    again = runner.invoke(cli, ["predict", str(AIRLINE), "--model-path", str(folder), "-H", "6",
                                "--seed", "3"], catch_exceptions=False)
    assert first.exit_code == 0, first.stderr
    assert first.stdout == again.stdout and len(first.stdout.splitlines()) == 7
    assert "loaded 'rnn' from" in first.stderr


def test_a_loaded_model_that_forecasts_only_its_own_series_is_refused(tmp_path, monkeypatch):
    import forecastgen
    import forecastgen.engine.checkpoint as checkpoint

    fitted = forecastgen.create("snaive").fit(pd.read_csv(AIRLINE, index_col=0, parse_dates=True))
    assert not fitted.supports("new_series")
    monkeypatch.setattr(checkpoint, "load_checkpoint", lambda *args, **kwargs: fitted)
    result = CliRunner().invoke(cli, ["predict", str(AIRLINE), "--model-path", str(tmp_path)])
    assert result.exit_code == 2
    assert "forecasts only the series it was fitted on" in result.stderr
    assert "-m snaive" in result.stderr


def test_fit_refuses_models_that_cannot_be_saved_before_fitting(tmp_path):
    result = CliRunner().invoke(cli, ["fit", str(AIRLINE), "-m", "ets", "-o", str(tmp_path / "x")],
                                catch_exceptions=False)
    assert result.exit_code == 2
    assert "model 'ets' cannot be saved" in result.stderr
    assert not (tmp_path / "x").exists()


def test_fit_has_no_forecasting_options(tmp_path):
    result = CliRunner().invoke(cli, ["fit", str(AIRLINE), "-m", "rnn", "-H", "5", "-o",
                                      str(tmp_path / "x")])
    assert result.exit_code == 2 and "No such option '-H'" in result.stderr
    assert "--samples" not in CliRunner().invoke(cli, ["fit", "--help"]).stdout
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("arguments, message", [
    (["--model-path", "nowhere"], "no such model folder"),
    (["-m", "ets", "--force"], "model 'ets' has no force setting"),
    (["-m", "rnn", "--device", "tpu"], "unknown device 'tpu'"),
])
def test_model_option_errors(arguments, message):
    result = CliRunner().invoke(cli, ["predict", str(AIRLINE), *arguments], catch_exceptions=False)
    assert result.exit_code == 2
    assert message in result.stderr


def test_rnn_refuses_white_noise_unless_forced(tmp_path):
    import numpy as np

    rng = np.random.default_rng(2)
    path = tmp_path / "noise.csv"
    stamps = pd.date_range("2020-01-01", periods=120, freq="D")
    pd.DataFrame({"timestamp": stamps, "value": rng.normal(size=120)}).to_csv(path, index=False)
    runner = CliRunner()
    refused = runner.invoke(cli, ["predict", str(path), "-m", "rnn", *TINY_RNN], catch_exceptions=False)
    assert refused.exit_code == 2
    assert "has none that is significant" in refused.stderr and "--force" in refused.stderr
    forced = runner.invoke(cli, ["predict", str(path), "-m", "rnn", "--force", "-H", "5", *TINY_RNN],
                           catch_exceptions=False)
    assert forced.exit_code == 0 and len(forced.stdout.splitlines()) == 6


@pytest.mark.slow
def test_a_density_model_forecasts_through_its_windows():
    result = forecastgen("predict", AIRLINE, "--model", "gmm", "-p", "n_components=2", "-H", "12")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert len(table) == 12 and (table["q10"] <= table["q90"]).all()
    july = table.loc[table["timestamp"] == "1961-07-01", "q50"].item()
    november = table.loc[table["timestamp"] == "1961-11-01", "q50"].item()
    assert 450 < july < 750 and november < july  # the seasonal shape survives
    saved = forecastgen("fit", AIRLINE, "--model", "gmm", "-o", "/tmp/never-written")
    assert saved.returncode == 2 and "cannot be saved" in saved.stderr


def test_fit_a_density_model_on_items_then_sample_grids_and_windows(tmp_path):
    rng = np.random.default_rng(0)
    images = (rng.uniform(size=(60, 8, 8)) < 0.3).astype(np.uint8)
    np.savez(tmp_path / "images.npz", images=images)
    runner = CliRunner()
    fitted = runner.invoke(cli, ["fit", str(tmp_path / "images.npz"), "-m", "vae", "-p", "max_epochs=2",
                                 "-p", "hidden_size=16", "-p", "latent_dim=2", "-o", str(tmp_path / "vae")])
    assert fitted.exit_code == 0, fitted.output
    assert "read 60 images of shape (1, 8, 8)" in fitted.stderr
    grid = runner.invoke(cli, ["sample", str(tmp_path / "vae"), "-n", "9", "-o", str(tmp_path / "g.png")])
    assert grid.exit_code == 0, grid.output
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    arrays = runner.invoke(cli, ["sample", str(tmp_path / "vae"), "-n", "5", "-o", str(tmp_path / "s.npz")])
    assert arrays.exit_code == 0 and np.load(tmp_path / "s.npz")["images"].shape == (5, 1, 8, 8)
    plotted = runner.invoke(cli, ["sample", str(tmp_path / "vae"), "-o", str(tmp_path / "g2.png"),
                                  "--plot", str(tmp_path / "p.png")])
    assert plotted.exit_code == 2 and "draws sampled windows" in plotted.stderr
    assert not (tmp_path / "g2.png").exists()  # refused before anything is written

    np.save(tmp_path / "windows.npy", rng.normal(size=(200, 12)))
    runner.invoke(cli, ["fit", str(tmp_path / "windows.npy"), "-m", "gmm", "-p", "n_components=2",
                        "-o", str(tmp_path / "gmm")], catch_exceptions=False)
    csv = runner.invoke(cli, ["sample", str(tmp_path / "gmm"), "-n", "7", "-o", str(tmp_path / "w.csv"),
                              "--plot", str(tmp_path / "w.png")])
    assert csv.exit_code == 0, csv.output
    assert np.loadtxt(tmp_path / "w.csv", delimiter=",").shape == (7, 12)
    assert (tmp_path / "w.png").exists()
    wrong = runner.invoke(cli, ["sample", str(tmp_path / "gmm"), "-o", str(tmp_path / "w.png")])
    assert wrong.exit_code == 2 and "not images" in wrong.stderr


def test_check_images_then_fit_a_pixel_model_refusing_noise_unless_forced(tmp_path):
    from forecastgen.testing import example_images

    np.savez(tmp_path / "shapes.npz", images=example_images(count=60).astype(np.uint8))
    noise = np.random.default_rng(0).integers(0, 2, size=(60, 6, 6)).astype(np.uint8)
    np.savez(tmp_path / "noise.npz", images=noise)
    runner = CliRunner()
    checked = runner.invoke(cli, ["check", str(tmp_path / "shapes.npz")])
    assert checked.exit_code == 0 and "Yes: neighbouring pixels are correlated" in checked.output
    flat = runner.invoke(cli, ["check", str(tmp_path / "noise.npz"), "--json"])
    assert json.loads(flat.output)["has_structure"] is False
    tiny = ["-p", "hidden_channels=8", "-p", "layers=2", "-p", "kernel_size=3", "-p", "max_epochs=1",
            "-p", "batches_per_epoch=2"]
    refused = runner.invoke(cli, ["fit", str(tmp_path / "noise.npz"), "-m", "pixelcnn", *tiny,
                                  "-o", str(tmp_path / "never")])
    assert refused.exit_code == 2 and "needs spatial autocorrelation" in refused.stderr
    assert not (tmp_path / "never").exists()
    forced = runner.invoke(cli, ["fit", str(tmp_path / "noise.npz"), "-m", "pixelcnn", *tiny, "--force",
                                 "-o", str(tmp_path / "pixelcnn")])
    assert forced.exit_code == 0, forced.output
    grid = runner.invoke(cli, ["sample", str(tmp_path / "pixelcnn"), "-n", "4",
                               "-o", str(tmp_path / "g.png")])
    assert grid.exit_code == 0 and (tmp_path / "g.png").exists()
    plotted = runner.invoke(cli, ["sample", str(tmp_path / "pixelcnn"), "-o", str(tmp_path / "h.png"),
                                  "--plot", str(tmp_path / "p.png")])
    assert plotted.exit_code == 2 and not (tmp_path / "h.png").exists()


def test_models_name_lists_the_parameters_with_their_defaults_and_meanings():
    result = CliRunner().invoke(cli, ["models", "rnn"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split(None, 2)[1:] for line in result.output.splitlines()[5:]}
    assert rows["max_epochs"][0] == "30" and rows["cell"] == ["lstm", "lstm or gru"]
    assert rows["context_length"][0] == "null" and "primed on" in rows["context_length"][1]
    assert rows["seed"][1].startswith("seed of every random draw")  # a shared setting's words
    described = json.loads(CliRunner().invoke(cli, ["models", "ets", "--json"]).output)
    assert described["parameters"]["max_history"] == 500 and described["trains"] is False
    assert described["parameter_help"]["trend"] == "auto (chosen by AICc), none, add or damped"
    assert CliRunner().invoke(cli, ["models", "rnm"]).exit_code == 2
    gan = CliRunner().invoke(cli, ["models", "gan"]).output.splitlines()
    assert gan[4].split() == ["name", "default", "meaning"]
    assert next(line for line in gan if line.startswith("max_epochs")).split(None, 2)[1:] == [
        "null", "the most passes of training; early stopping may end it sooner; null: images 50, windows 12"]


def test_every_installed_model_says_what_each_of_its_parameters_means():
    for spec in registry.list_models():
        meanings = spec.load_class().describe_parameters()
        assert list(meanings) == list(spec.parameters())
        assert all(len(words) > 5 for words in meanings.values()), (spec.name, meanings)


def test_fit_takes_epochs_and_batches_for_neural_models_only(tmp_path):
    trained = CliRunner().invoke(cli, ["fit", str(AIRLINE), "-m", "rnn", "--epochs", "1",
                                       "--batches-per-epoch", "2", "-p", "hidden_size=4", "-q",
                                       "-o", str(tmp_path / "rnn")])
    assert trained.exit_code == 0, trained.output
    params = json.loads((tmp_path / "rnn" / "config.json").read_text())["params"]
    assert params["max_epochs"] == 1 and params["batches_per_epoch"] == 2
    refused = CliRunner().invoke(cli, ["fit", str(AIRLINE), "-m", "gmm", "--epochs", "3", "-o",
                                       str(tmp_path / "gmm")])
    assert refused.exit_code == 2 and "model 'gmm' has no max_epochs setting" in refused.output
