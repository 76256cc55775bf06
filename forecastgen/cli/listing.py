"""``forecastgen models`` and ``forecastgen plugins``: what is installed."""

from __future__ import annotations

import json

import click

from forecastgen.cli.options import format_table, model_registry


@click.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def models(name, as_json):
    """List the installed models: name, family, interface, capabilities, plugin; with NAME, that
    model's summary and its parameters with their defaults (set them with -p NAME=VALUE).

    \b
    Examples:
      forecastgen models
      forecastgen models rnn
    """
    registry = model_registry()
    if name:
        describe_model(registry.get(name), as_json)
        return
    rows = [{"name": s.name, "family": s.family, "interface": s.interface,
             "capabilities": sorted(s.capabilities), "plugin": s.plugin, "version": s.version,
             "summary": s.summary} for s in (registry.specs[n] for n in registry.names())]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = [[r["name"], r["family"], r["interface"], ",".join(r["capabilities"]),
              f"{r['plugin']} {r['version']}".strip()] for r in rows]
    click.echo(format_table(["name", "family", "interface", "capabilities", "plugin"], table))


def describe_model(spec, as_json: bool) -> None:
    parameters = spec.parameters()
    model_class = spec.load_class()
    meanings = model_class.describe_parameters()
    if as_json:
        click.echo(json.dumps({"name": spec.name, "summary": spec.summary, "family": spec.family,
                               "interface": spec.interface, "capabilities": sorted(spec.capabilities),
                               "plugin": spec.plugin, "trains": spec.trains, "parameters": parameters,
                               "parameter_help": meanings, "parameter_notes": model_class.parameter_notes},
                              indent=2, default=repr))
        return
    capabilities = ", ".join(sorted(spec.capabilities))
    click.echo(f"{spec.name}: {spec.summary}\nfamily {spec.family}, {spec.interface} model, capabilities "
               f"{capabilities}; from {spec.plugin} {spec.version}".rstrip())
    click.echo("\nparameters (set with -p NAME=VALUE, values as you would type them):")
    shown = [[key, value if isinstance(value, str) else json.dumps(value, default=repr), meanings[key]]
             for key, value in parameters.items()]
    click.echo(format_table(["name", "default", "meaning"], shown))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json):
    """List the installed plugins: distribution, version, hooks, and load problems."""
    registry = model_registry()
    rows = [{"name": p.name, "distribution": p.distribution, "version": p.version,
             "hooks": list(p.hooks)} for p in registry.loaded.plugins]
    problems = [{"name": p.plugin, "distribution": p.distribution, "error": p.error}
                for p in registry.problems]
    if as_json:
        click.echo(json.dumps({"plugins": rows, "problems": problems}, indent=2))
        return
    click.echo(format_table(["plugin", "distribution", "version", "hooks"],
                            [[r["name"], r["distribution"], r["version"], ",".join(r["hooks"])]
                             for r in rows]))
    for problem in problems:
        click.echo(f"problem: {problem['name']} ({problem['distribution']}): {problem['error']}")
