"""MkDocs hooks: a model page's facts and its parameter table come from the installed model, so
the page cannot drift from the code. A page ``models/NAME.md`` writes ``<!-- model-facts -->``
and ``<!-- model-parameters -->`` where they go."""

from __future__ import annotations

import json

from forecastgen.registry import default_registry

FACTS = "<!-- model-facts -->"
PARAMETERS = "<!-- model-parameters -->"


def on_page_markdown(markdown: str, page, config, files) -> str:
    if FACTS not in markdown and PARAMETERS not in markdown:
        return markdown
    name = page.file.src_uri.rsplit("/", 1)[-1].removesuffix(".md")
    spec = default_registry().get(name)
    return markdown.replace(FACTS, facts(spec)).replace(PARAMETERS, parameter_table(spec))


def facts(spec) -> str:
    does = ", ".join(f"`{capability}`" for capability in sorted(spec.capabilities))
    forecasts_series = spec.interface == "sequence" and "forecast" in spec.capabilities
    in_auto = {True: "by default", "seasonal": "by default on seasonal data",
               "non-seasonal": "by default on data without a season"}.get(spec.auto_default)
    if in_auto and spec.auto_default_from:
        in_auto += f", from {spec.auto_default_from} points"
    if in_auto and spec.auto_default_below:
        in_auto += f", and on any under {spec.auto_default_below} points"
    in_auto = in_auto or ("when named" if forecasts_series else "-")
    if spec.name == "auto":
        in_auto = "-"
    return (f"**{spec.summary}**\n\n"
            "| plugin | interface | family | capabilities | backtested by `auto` |\n|---|---|---|---|---|\n"
            f"| `{spec.plugin}` | {spec.interface} model | {spec.family} | {does} | {in_auto} |")


def parameter_table(spec) -> str:
    meanings = spec.load_class().describe_parameters()
    rows = ["| parameter | default | meaning |", "|---|---|---|"]
    for name, default in spec.parameters().items():
        shown = default if isinstance(default, str) else json.dumps(default, default=repr)
        rows.append(f"| `{name}` | `{shown}` | {meanings[name].replace('|', '&#124;')} |")
    return ("Set them with `-p NAME=VALUE` on the command line or as keyword arguments in Python "
            f"(`forecastgen.create(\"{spec.name}\", NAME=VALUE)`); `forecastgen models {spec.name}` "
            "prints this table.\n\n" + "\n".join(rows))
