"""The release as a user gets it: the six wheels build, one name installs them all into a fresh
virtual environment (not editable), and from a folder outside the repository it forecasts with
auto and patchcast and fits and samples a density model: weights and data travel in the wheels."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import forecastgen

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = [ROOT, *sorted(path.parent for path in (ROOT / "plugins").glob("*/pyproject.toml"))]


def run(command: list, folder: Path | None = None) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "VIRTUAL_ENV")}  # the new environment's own packages only
    done = subprocess.run([str(part) for part in command], cwd=folder, capture_output=True, text=True,
                          env=environment)
    output = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{output}"
    return done


def test_every_distribution_has_the_packages_version():
    import tomllib

    versions = {"forecastgen": forecastgen.__version__}
    for project in PROJECTS[1:]:
        metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
        versions[metadata["name"]] = metadata["version"]
        assert f"forecastgen>={forecastgen.__version__.rsplit('.', 1)[0]}" in metadata["dependencies"]
        assert metadata["license"] == "MIT" and (project / metadata["readme"]).is_file()
    assert set(versions.values()) == {forecastgen.__version__}, versions
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert sorted(extras["all"]) == sorted(f"{name}>=0.2" for name in versions if name != "forecastgen")


@pytest.mark.slow
def test_the_wheels_install_with_one_name_and_work_from_another_folder(tmp_path):
    import torch

    wheels = tmp_path / "wheels"
    for project in PROJECTS:
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", wheels,
             project])
    assert len(list(wheels.glob("*.whl"))) == 6
    environment = tmp_path / "venv"
    run([sys.executable, "-m", "venv", environment])
    python = environment / "bin" / "python"
    run([python, "-m", "pip", "install", "-q", f"torch=={torch.__version__.split('+')[0]}"])  # the build here
    everything = f"forecastgen[all]=={forecastgen.__version__}"  # the core and its five plugins
    run([python, "-m", "pip", "install", "-q", "--find-links", wheels, everything])
    user = tmp_path / "elsewhere"
    user.mkdir()
    for name in ("airline.csv", "digits.npz"):
        shutil.copy(ROOT / "examples" / "data" / name, user)
    command = environment / "bin" / "forecastgen"
    listing = run([command, "models"], user).stdout
    assert all(name in listing for name in ("auto", "ets", "patchcast", "rnn", "gmm", "gan", "pixelcnn"))
    for model in ("auto", "patchcast"):
        table = run([command, "predict", "airline.csv", "-m", model, "-H", "6", "-q"], user).stdout
        assert table.splitlines()[0] == "id,timestamp,mean,q10,q50,q90" and len(table.splitlines()) == 7
    run([command, "fit", "digits.npz", "-m", "gmm", "-p", "n_components=3", "-o", "digits-gmm"], user)
    run([command, "sample", "digits-gmm", "-n", "4", "-o", "drawn.npy"], user)
    assert (user / "drawn.npy").is_file()
    installed = run([python, "-c", "import forecastgen_pretrained, forecastgen; print(forecastgen.__file__, "
                     "forecastgen_pretrained.__file__)"], user).stdout
    assert str(ROOT) not in installed  # the wheels' copies, not the repository's
