"""The documentation: the site builds without a warning, and the README's quick starts run as
written, from a folder that holds nothing but the example data (as a new user's clone would)."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def snippet(name: str) -> str:
    """The README's part between the markers ``--8<-- [start:NAME]`` and ``[end:NAME]`` (the
    docs include the same parts)."""
    return re.search(rf"\[start:{name}\] -->\n(.*?)\n<!-- --8<-- \[end:{name}\]", README, re.S).group(1)


def code_block(text: str, language: str) -> str:
    return re.search(rf"```{language}\n(.*?)```", text, re.S).group(1)


@pytest.fixture
def user_folder(tmp_path) -> Path:
    shutil.copytree(ROOT / "examples" / "data", tmp_path / "examples" / "data")
    return tmp_path


def run(command: list[str], folder: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    output = f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{output}"
    return done


@pytest.mark.slow
def test_the_site_builds_strictly(tmp_path):
    run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")], ROOT)
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    assert "read_series" in api and "check_awkward_series" in api  # the API reference was generated
    cli = (tmp_path / "site" / "command-line" / "index.html").read_text()
    assert "--quantiles" in cli  # the command reference, from the click commands themselves
    ets = (tmp_path / "site" / "models" / "ets" / "index.html").read_text()
    assert "<code>search</code>" in ets and "<code>pruned</code>" in ets  # the parameters, from the model
    assert "forecastgen-classical" in ets and "model-parameters" not in ets


@pytest.mark.slow
def test_the_readme_command_line_quick_start_runs_as_written(user_folder):
    lines = code_block(snippet("cli"), "bash").replace("\\\n", " ").splitlines()
    commands = [shlex.split(line, comments=True) for line in lines if line.strip()]
    assert len(commands) >= 8 and all(command[0] == "forecastgen" for command in commands)
    for command in commands:
        run([str(Path(sys.executable).with_name("forecastgen")), *command[1:]], user_folder)
    assert (user_folder / "forecast.png").is_file() and (user_folder / "grid.png").is_file()
    assert (user_folder / "airline-rnn" / "model.safetensors").is_file()


@pytest.mark.slow
def test_the_readme_python_quick_start_runs_as_written(user_folder):
    run([sys.executable, "-c", code_block(snippet("python"), "python")], user_folder)
    assert (user_folder / "airline.png").is_file() and (user_folder / "airline-rnn" / "config.json").is_file()


@pytest.mark.slow
def test_the_command_line_guide_runs_as_written(user_folder):
    """Every command of docs/command-line.md's examples, in order, default training included
    (the pixel models take minutes each here)."""
    guide = (ROOT / "docs" / "command-line.md").read_text()
    lines = re.search(r"```bash\n(.*?)```", guide, re.S).group(1).replace("\\\n", " ").splitlines()
    commands = [shlex.split(line, comments=True) for line in lines if line.strip()]
    assert len(commands) >= 15 and {command[0] for command in commands} == {"forecastgen", "torchrun"}
    for command in commands:
        run([str(Path(sys.executable).with_name(command[0])), *command[1:]], user_folder)
    for made in ("forecast.png", "grid.png", "gan-grid.png", "large.npz", "acf.png", "cv.csv", "cv.png",
                 "airline-ddp"):
        assert (user_folder / made).exists(), made


@pytest.mark.slow
def test_every_figure_the_docs_show_is_made_by_the_examples_of_its_page(tmp_path):
    """docs/make_figures.py runs every page's examples in a folder of their own (as a user
    would, from a clone) and keeps the figures the page shows; here into a temporary folder.
    Every PNG in docs/figures is shown by a page or the README, so none is stale."""
    made = tmp_path / "figures"
    run([sys.executable, str(ROOT / "docs" / "make_figures.py"), "--into", str(made)], ROOT)
    shown = set(re.findall(r"\]\(\.\./figures/([^)]+\.png)\)|\]\(figures/([^)]+\.png)\)",
                           "\n".join(page.read_text() for page in (ROOT / "docs").rglob("*.md"))))
    shown = {name for pair in shown for name in pair if name}
    assert shown and {path.name for path in made.glob("*.png")} == shown
    in_readme = set(re.findall(r"\]\(docs/figures/([^)]+\.png)\)", README))
    assert in_readme <= shown
    assert {path.name for path in (ROOT / "docs" / "figures").glob("*.png")} == shown
