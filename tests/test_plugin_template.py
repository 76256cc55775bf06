"""The template plugin as a user meets it: pip installs it, forecastgen lists it under its
distribution and forecasts with it, its own test suite (the conformance kit) passes, and
once uninstalled it is gone. It is installed into a folder of its own that only this test's
processes see (pip --target, on their PYTHONPATH), so tests running beside it in other
processes never meet a model 'ar'."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "examples" / "plugin-template"
AIRLINE = ROOT / "examples" / "data" / "airline.csv"


def run(*args: str, check: bool = True, site: Path | None = None) -> subprocess.CompletedProcess:
    """``python ARGS``, with the folder ``site`` (where the template is installed) importable."""
    environment = dict(os.environ)
    if site is not None:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), environment.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=environment)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def listed_models(site: Path | None = None) -> dict[str, dict]:
    listing = run("-m", "forecastgen", "models", "--json", site=site).stdout
    return {row["name"]: row for row in json.loads(listing)}


@pytest.mark.slow
def test_template_plugin_installs_works_passes_the_kit_and_uninstalls(tmp_path):
    if "ar" in listed_models():
        pytest.skip("a model named 'ar' is already installed; this test installs its own")
    site, source = tmp_path / "site", tmp_path / "template"
    shutil.copytree(TEMPLATE, source)  # pip builds in the source folder: keep the repository's clean
    run("-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(source))
    check_installed_template(tmp_path, site)
    shutil.rmtree(site)  # uninstalled: pip --target installs are removed with their folder
    assert "ar" not in listed_models(site)
    refused = run("-m", "forecastgen", "predict", str(AIRLINE), "--model", "ar", check=False, site=site)
    assert refused.returncode == 2 and "unknown model 'ar'" in refused.stderr


def check_installed_template(tmp_path: Path, site: Path) -> None:
    models = listed_models(site)
    assert models["ar"]["plugin"] == "forecastgen-ar"
    assert models["ar"]["capabilities"] == ["forecast", "log_prob", "series"]

    output = tmp_path / "forecast.csv"
    run("-m", "forecastgen", "predict", str(AIRLINE), "--model", "ar", "--horizon", "12",
        "-o", str(output), site=site)
    lines = output.read_text().splitlines()
    assert len(lines) == 13 and "q90" in lines[0]
    # it declares auto_default on its spec, so the default forecast backtests it among the others
    default = run("-m", "forecastgen", "predict", str(AIRLINE), "--horizon", "6", site=site)
    assert re.search(r"scaled CRPS/MASE: [^)]*\bar \d", default.stderr), default.stderr

    suite = run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(TEMPLATE / "tests"), check=False,
                site=site)
    assert suite.returncode == 0, suite.stdout[-3000:]
    assert " passed" in suite.stdout.splitlines()[-1]

    plugins = json.loads(run("-m", "forecastgen", "plugins", "--json", site=site).stdout)["plugins"]
    assert any(p["distribution"] == "forecastgen-ar" and p["hooks"] == ["register_models"]
               for p in plugins)
