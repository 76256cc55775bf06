"""What every registered forecaster does with the catalogue of awkward series.

Runs ``forecastgen.testing.check_awkward_series`` (the rule the test suite enforces: a sane
forecast or one clean refusal) for each forecaster and case, alone in its file through
``forecastgen predict`` and in a long file beside an ordinary series through the library,
and prints what each did, in a word:

- ``ok``: the model's own forecast;
- ``constant``: a constant history forecast as itself;
- ``snaive``: the model's forecast was unusable (not finite, or beyond ten history ranges)
  or its fit failed, and seasonal naive stood in, with a note;
- ``equal``: auto could not rank its candidates by backtest and combined them equally;
  ``ok (ces: snaive)``: a member of auto's mixture stood in seasonal naive for itself;
- ``refused (why)``: exit code 2 with one line; ``left out``: the long file's other series
  were forecast and this one named (exit code 3);
- ``BROKE``: the rule was broken (the test suite fails on it).

Neural models run with their plugins' tiny test settings; auto and the rest with their
defaults. ``python -m benchmarks.awkward_series [--models snaive,ets] [--output FILE]``
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

from benchmarks.common import RESULTS, results_header
from forecastgen.registry import default_registry
from forecastgen.testing import AwkwardSeriesFailed, awkward_cases, check_awkward_series
from forecastgen.testing.awkward import CLI, LIBRARY, REFUSED

REFUSALS = {"fewer than the horizon": "horizon", "autocorrelation": "no autocorrelation",
            "too few for windows": "too short for windows", "needs at least": "too short for windows",
            "singular": "singular covariance"}


def outcome_word(outcome, key: str) -> str:
    """One word for what happened to series ``key`` in ``outcome``."""
    if outcome.kind == REFUSED:
        why = next((word for text, word in REFUSALS.items() if text in outcome.message), "other")
        return f"refused ({why})"
    if key in outcome.left_out:
        return "left out"
    mine = [note for note in outcome.notes if f"'{key}'" in note]
    fell_back = [note.split("': ", 1)[1].split(" ")[0] for note in mine if "instead" in note]
    if any("is constant" in note for note in mine):
        return "constant"
    word = "equal" if any("could not rank" in note for note in outcome.notes) else "ok"
    if fell_back and any(note.startswith("auto ") for note in outcome.notes):  # a member of the mixture
        return f"{word} ({', '.join(fell_back)}: snaive)"
    return "snaive" if fell_back else word


def run(name: str, model, case, route: str) -> str:
    try:
        outcome = check_awkward_series(model, case, route)
    except AwkwardSeriesFailed as exc:
        return "BROKE: " + str(exc).splitlines()[0][:80]
    return outcome_word(outcome, case.ids[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated (default: every forecaster)")
    parser.add_argument("--output", default=str(RESULTS / "awkward_series.md"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    registry = default_registry()
    names = args.models.split(",") if args.models else [
        name for name in registry.names() if {"forecast", "series"} <= registry.get(name).capabilities]
    cases = awkward_cases()
    cells, seconds = {}, {}
    for name in names:
        spec = registry.get(name)
        neural = spec.trains or spec.interface != "sequence"
        model = registry.create(name, **(spec.test_params if neural else {}))
        began = time.perf_counter()
        for case in cases:
            single = run(name, model, case, CLI)
            long = run(name, model, case.in_long_file(), LIBRARY)
            cells[case.name, name] = single if single == long else f"{single} / long: {long}"
            print(f"{name:12s} {case.name:22s} {cells[case.name, name]}", flush=True)
        seconds[name] = time.perf_counter() - began
    write_report(Path(args.output), names, cases, cells, seconds)


def write_report(path: Path, names: list[str], cases, cells: dict, seconds: dict) -> None:
    header = "| case | " + " | ".join(names) + " |"
    lines = [*results_header("Awkward series: what each forecaster does"),
             "Each case alone in its file through `forecastgen "
             "predict`, and in a long file beside an ordinary series through the library (shown after "
             "`long:` where it differs). Words: see the script's docstring. Neural models (rnn, "
             "causal-conv, gmm, cvae, gan) ran with their tiny test settings, the others with their "
             "defaults.", "",
             header, "|" + "---|" * (len(names) + 1)]
    for case in cases:
        row = [f"`{case.name}`: {case.description}"] + [cells[case.name, name] for name in names]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Seconds for the whole catalogue, both ways, on the 2-core machine: "
              + ", ".join(f"{name} {seconds[name]:.0f}" for name in names) + "."]
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
