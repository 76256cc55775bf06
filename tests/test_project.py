"""The project's front door: CI runs exactly the README's test command."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert command.endswith("&& pytest && pytest -m slow")  # the fast tier, then the long fits
    assert f"```bash\n{command}\n```" in readme


def test_builtin_plugins_declare_their_entry_point():
    for pyproject in (ROOT / "plugins").glob("*/pyproject.toml"):
        text = pyproject.read_text()
        assert "[project.entry-points.forecastgen]" in text, pyproject
        assert f"-e plugins/{pyproject.parent.name}" in (ROOT / "README.md").read_text()


def test_the_builtin_plugin_list_is_what_the_repository_ships():
    import tomllib

    from forecastgen.plugins import BUILTIN_PLUGINS

    shipped = {}
    for pyproject in [ROOT / "pyproject.toml", *sorted((ROOT / "plugins").glob("*/pyproject.toml"))]:
        project = tomllib.loads(pyproject.read_text())["project"]
        for point, module in project["entry-points"]["forecastgen"].items():
            shipped[point] = (project["name"], module)
    assert shipped == BUILTIN_PLUGINS


def test_every_installed_model_is_documented_with_its_plugin():
    from forecastgen.registry import default_registry

    readme = (ROOT / "README.md").read_text()
    introduction = (ROOT / "docs" / "plugins.md").read_text().split("\n\n")[1]
    for name, spec in default_registry().specs.items():
        assert f"| `{name}` |" in readme, f"README's model table lacks {name}"
        assert f"`{name}`" in introduction, f"docs/plugins.md does not name {name}"
        if spec.plugin != "forecastgen":
            assert f"`{spec.plugin}`" in introduction


def test_every_hook_is_documented_with_its_signature():
    import inspect

    from forecastgen import hookspecs

    text = (ROOT / "docs" / "plugins.md").read_text()
    hooks = [function for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(function, "forecastgen_spec")]
    assert hooks
    for hook in hooks:
        heading = f"### `{hook.__name__}{inspect.signature(hook)}`"
        assert heading in text, f"docs/plugins.md lacks the hook heading {heading}"


def test_every_conformance_check_is_documented():
    from forecastgen.testing import CHECKS

    text = (ROOT / "docs" / "plugins.md").read_text()
    for check in CHECKS:
        assert f"| `{check.__name__}` |" in text, f"docs/plugins.md lacks {check.__name__}"


def _packages() -> dict[str, list[Path]]:
    roots = [ROOT / "forecastgen", *sorted((ROOT / "plugins").glob("*/forecastgen_*")),
             ROOT / "examples" / "plugin-template" / "forecastgen_ar"]
    return {root.name: sorted(root.rglob("*.py")) for root in roots if root.is_dir()}


def test_no_package_uses_another_packages_private_names():
    """The public extension API is all a plugin needs: no package imports an underscore name
    from another, or calls an inherited underscore method that it does not define itself."""
    import re

    packages = _packages()
    problems = []
    for name, files in packages.items():
        text = "\n".join(path.read_text() for path in files)
        own = set(re.findall(r"\bdef (_[a-z]\w*)", text)) | set(re.findall(r"\b(_[a-z]\w*)\s*[:=]", text))
        inherited = set(re.findall(r"\bself\.(_[a-z]\w*)\(", text)) - own
        problems += [f"{name} calls self.{method}() defined elsewhere" for method in sorted(inherited)]
        for other in packages:
            if other != name:
                imported = re.findall(rf"from {other}[\w.]* import [^\n]*\b(_[a-z]\w*)", text)
                problems += [f"{name} imports {other}'s {private}" for private in imported]
    assert not problems, "; ".join(problems)


def test_nothing_a_user_reads_or_runs_needs_the_benchmark_data():
    """The tests, examples, the packages' code (docstrings, --help), the README and the docs use
    examples/data, so a clone works anywhere; only benchmarks/ reads the benchmark data, which
    lie in the workspace beside the clone (benchmarks/README.md)."""
    import re

    naming_shared = re.compile(r"\.\.[/\\]shared|shared[/\\]data|[\"']shared[\"']\s*/")  # also Windows paths
    text_files = [ROOT / "README.md", ROOT / "CHANGELOG.md"]
    for folder in ("docs", "examples", "forecastgen", "tests", "plugins"):
        text_files += [path for path in (ROOT / folder).rglob("*")
                       if path.suffix in (".py", ".md", ".toml", ".csv", ".txt", ".json", ".cfg")]
    offenders = [str(path.relative_to(ROOT)) for path in text_files
                 if path != Path(__file__) and naming_shared.search(path.read_text(errors="ignore"))]
    assert not offenders, f"these name the benchmark data beside the clone; use examples/data: {offenders}"
