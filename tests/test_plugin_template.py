"""The template plugin as a user meets it: pip installs it, forecastgen lists it under its
distribution and forecasts with it, its own test suite (the conformance kit) passes, and
once uninstalled it is gone. Runs against the current interpreter's environment."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "examples" / "plugin-template"
AIRLINE = ROOT / "examples" / "data" / "airline.csv"


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def listed_models() -> dict[str, dict]:
    return {row["name"]: row for row in json.loads(run("-m", "forecastgen", "models", "--json").stdout)}


@pytest.mark.slow
def test_template_plugin_installs_works_passes_the_kit_and_uninstalls(tmp_path):
    if "ar" in listed_models():
        pytest.skip("a model named 'ar' is already installed; this test installs its own")
    run("-m", "pip", "install", "--quiet", "--no-deps", str(TEMPLATE))
    try:
        check_installed_template(tmp_path)
    finally:
        run("-m", "pip", "uninstall", "--yes", "--quiet", "forecastgen-ar")
    assert "ar" not in listed_models()
    refused = run("-m", "forecastgen", "predict", str(AIRLINE), "--model", "ar", check=False)
    assert refused.returncode == 2 and "unknown model 'ar'" in refused.stderr


def check_installed_template(tmp_path: Path) -> None:
    models = listed_models()
    assert models["ar"]["plugin"] == "forecastgen-ar"
    assert models["ar"]["capabilities"] == ["forecast", "log_prob", "series"]

    output = tmp_path / "forecast.csv"
    run("-m", "forecastgen", "predict", str(AIRLINE), "--model", "ar", "--horizon", "12",
        "-o", str(output))
    lines = output.read_text().splitlines()
    assert len(lines) == 13 and "q90" in lines[0]

    suite = run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(TEMPLATE / "tests"), check=False)
    assert suite.returncode == 0, suite.stdout[-3000:]
    assert " passed" in suite.stdout.splitlines()[-1]

    plugins = json.loads(run("-m", "forecastgen", "plugins", "--json").stdout)["plugins"]
    assert any(p["distribution"] == "forecastgen-ar" and p["hooks"] == ["register_models"]
               for p in plugins)
