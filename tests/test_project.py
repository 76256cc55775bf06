"""The project's front door: CI runs exactly the README's test command."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert command.endswith("&& pytest")
    assert f"```bash\n{command}\n```" in readme


def test_builtin_plugins_declare_their_entry_point():
    for pyproject in (ROOT / "plugins").glob("*/pyproject.toml"):
        text = pyproject.read_text()
        assert "[project.entry-points.forecastgen]" in text, pyproject
        assert f"-e plugins/{pyproject.parent.name}" in (ROOT / "README.md").read_text()
