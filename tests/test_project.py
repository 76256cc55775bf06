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
        assert f"| [`{name}`](docs/models/{name}.md) |" in readme, f"README's model table lacks {name}"
        assert f"`{name}`" in introduction, f"docs/plugins.md does not name {name}"
        if spec.plugin != "forecastgen":
            assert f"`{spec.plugin}`" in introduction


def test_every_model_has_a_page_with_its_paper_an_example_a_figure_and_its_parameters():
    from forecastgen.registry import default_registry

    navigation = (ROOT / "mkdocs.yml").read_text()
    index = (ROOT / "docs" / "models" / "index.md").read_text()
    pages = {path.stem for path in (ROOT / "docs" / "models").glob("*.md")} - {"index"}
    ours = {name for name, spec in default_registry().specs.items() if spec.plugin.startswith("forecastgen")}
    assert pages == ours, f"pages without a model: {pages - ours}; models without a page: {ours - pages}"
    for name in ours:
        page = (ROOT / "docs" / "models" / f"{name}.md").read_text()
        assert page.startswith(f"# {name}: ") and "<!-- model-facts -->" in page, name
        assert "<!-- model-parameters -->" in page and ("**Paper" in page or "**Reference" in page), name
        assert "## When to use it" in page and "## Try it" in page, name
        assert "```bash" in page or "```python" in page, f"docs/models/{name}.md has no example"
        assert "](../figures/" in page, f"docs/models/{name}.md shows no figure made by its example"
        assert f"models/{name}.md" in navigation and f"]({name}.md)" in index, name


def test_the_plugin_guide_shows_the_templates_own_tested_code():
    """docs/plugins.md includes its code from examples/plugin-template (whose tests CI runs):
    every included section exists, and the imports written around them are the template's."""
    import ast
    import re

    guide = (ROOT / "docs" / "plugins.md").read_text()
    included = re.findall(r'^--8<-- "([^":]+):([^"]+)"$', guide, re.M)
    assert len(included) >= 4
    for path, section in included:
        text = (ROOT / path).read_text()
        assert f"--8<-- [start:{section}]" in text and f"--8<-- [end:{section}]" in text, (path, section)
    template_tests = ast.parse((ROOT / "examples/plugin-template/tests/test_ar.py").read_text())
    imported = {(node.module, alias.name) for node in ast.walk(template_tests)
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    for block in re.findall(r"```python\n(.*?)```", guide, re.S):
        written = "\n".join(line for line in block.splitlines() if not line.startswith("--8<--"))
        for node in ast.walk(ast.parse(written)):
            if isinstance(node, ast.ImportFrom) and node.module != "forecastgen":
                assert {(node.module, alias.name) for alias in node.names} <= imported, ast.unparse(node)


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


def test_no_package_has_an_import_cycle():
    """Imports inside functions count too: a cycle hidden in a function is still a cycle."""
    for package in [ROOT / "forecastgen", *sorted((ROOT / "plugins").glob("*/forecastgen_*"))]:
        imports = module_imports(package)
        for name in sorted(imports):
            cycle = cycle_from(imports, name, (name,))
            assert cycle is None, f"import cycle: {' -> '.join(cycle)}"


def module_imports(package: Path) -> dict[str, set[str]]:
    """Each module of ``package`` and the modules of the same package it imports, anywhere."""
    import ast

    modules = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def module_of(name: str) -> str:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    imports = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found |= {module_of(f"{node.module}.{alias.name}") or module_of(node.module)
                          for alias in node.names}
            elif isinstance(node, ast.Import):
                found |= {module_of(alias.name) for alias in node.names}
        imports[name] = found - {"", name}
    return imports


def cycle_from(imports: dict[str, set[str]], start: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
    for following in sorted(imports.get(path[-1], ())):
        if following == start:
            return (*path, start)
        if following not in path and (found := cycle_from(imports, start, (*path, following))):
            return found
    return None


def test_core_names_no_plugin_model():
    """What core needs to know of a model comes from its spec (auto's candidates, their order,
    their checks), so no string in core's code is a plugin's model name, or a list of them;
    docstrings and --help examples may name models, as documentation."""
    import ast
    import re

    from forecastgen.registry import default_registry

    plugin_models = {name for name, spec in default_registry().specs.items() if spec.plugin != "forecastgen"}
    offenders = []
    for path in (ROOT / "forecastgen").rglob("*.py"):
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                words = {word.split(":")[0] for word in re.split(r"[,\s]+", node.value.strip()) if word}
                if words and words <= plugin_models:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert not offenders, f"core names plugin models; declare what it needs on ModelSpec: {offenders}"


def test_each_command_line_module_is_small():
    """The CLI parses, calls the library and formats: one module per command, none over 400 lines."""
    modules = sorted((ROOT / "forecastgen" / "cli").glob("*.py"))
    assert len(modules) >= 8
    for module in modules:
        assert len(module.read_text().splitlines()) <= 400, module.name


def test_benchmarks_are_few_share_one_module_and_edit_no_import_path():
    """The product benchmarks (at most 12 scripts) import what they share from
    benchmarks/common.py and run as modules; none edits sys.path; finished studies live on
    as records in benchmarks/README.md, their scripts in the history."""
    scripts = [path for path in (ROOT / "benchmarks").rglob("*.py")
               if path.name not in ("__init__.py", "common.py")]
    assert 0 < len(scripts) <= 12, [path.name for path in scripts]
    for path in [*scripts, *(ROOT / "tools").glob("*.py")]:
        text = path.read_text()
        assert "sys.path" not in text, f"{path.relative_to(ROOT)} edits sys.path; import benchmarks.common"
        if path.parent.name != "tools" or path.name == "pretrain.py":
            assert "from benchmarks.common import" in text or "from benchmarks import" in text, path.name
    readme = (ROOT / "benchmarks" / "README.md").read_text()
    for path in scripts:
        assert f"`{path.relative_to(ROOT / 'benchmarks').with_suffix('').as_posix().replace('/', '.')}`" \
            in readme, f"benchmarks/README.md does not list {path.name}"
