"""The CLI's own thread choice against torch's default and against OMP_NUM_THREADS=1.

Each command runs as a user would run it (a fresh process, whole wall time), on an idle
machine and beside a second job that keeps every core busy (a torch matrix product
loop on the default threads: another user's training run). Rows:

- ``forecastgen chooses``: no variable set; the CLI picks the threads (engine/threads.py);
- ``torch default``: ``OMP_NUM_THREADS`` = every core, what torch and BLAS do by themselves
  (and what the CLI did before it chose);
- ``OMP_NUM_THREADS=1``: the setting users had to know about.

    python benchmarks/threads_benchmark.py                 # table to benchmarks/results/threads.md
    python benchmarks/threads_benchmark.py --repeats 1
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
AIRLINE = ROOT / "examples" / "data" / "airline.csv"
BUSY_JOB = ("import torch\nx = torch.randn(1500, 1500)\nwhile True:\n    x = torch.tanh(x @ x / 1500)\n")
SETTINGS = {"forecastgen chooses": None, "torch default": "cores", "OMP_NUM_THREADS=1": "1"}


def commands() -> dict[str, list[str]]:
    cli = [sys.executable, "-m", "forecastgen.cli"]
    return {
        "predict airline -m rnn (fit 3 epochs)": cli + ["predict", str(AIRLINE), "-m", "rnn", "-q",
                                                        "-p", "max_epochs=3", "-o", os.devnull],
        "predict airline (default: auto)": cli + ["predict", str(AIRLINE), "-q", "-o", os.devnull],
    }


def run(command: list[str], setting: str | None) -> float:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    if setting is not None:
        environment["OMP_NUM_THREADS"] = str(os.cpu_count()) if setting == "cores" else setting
    start = time.perf_counter()
    subprocess.run(command, env=environment, check=True, capture_output=True)
    return time.perf_counter() - start


def measure(repeats: int, busy: bool) -> list[dict]:
    job = subprocess.Popen([sys.executable, "-c", BUSY_JOB]) if busy else None
    try:
        time.sleep(3 if busy else 0)
        rows = []
        for label, command in commands().items():
            for name, setting in SETTINGS.items():
                seconds = sorted(run(command, setting) for _ in range(repeats))
                rows.append({"command": label, "threads": name, "machine": "busy" if busy else "idle",
                             "seconds": seconds[len(seconds) // 2]})
                print(rows[-1], file=sys.stderr, flush=True)
        return rows
    finally:
        if job is not None:
            job.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="runs per cell; the median is shown")
    parser.add_argument("--conditions", default="", help="a line on the machine, for the table")
    parser.add_argument("--output", type=Path, default=RESULTS / "threads.md")
    args = parser.parse_args()
    rows = measure(args.repeats, busy=False) + measure(args.repeats, busy=True)
    lines = ["# Threads: the CLI's choice against torch's default and OMP_NUM_THREADS=1", "",
             f"`python benchmarks/threads_benchmark.py --repeats {args.repeats}` on {os.cpu_count()} cores; "
             "median wall seconds of the whole process. Busy: beside a torch matrix-product loop on "
             "the default threads.", *([args.conditions] if args.conditions else []), "",
             "| command | machine | " + " | ".join(SETTINGS) + " |", "|---|---|" + "---|" * len(SETTINGS)]
    for label in commands():
        for machine in ("idle", "busy"):
            cells = [next(r["seconds"] for r in rows if r["command"] == label and r["machine"] == machine
                          and r["threads"] == name) for name in SETTINGS]
            lines.append(f"| {label} | {machine} | " + " | ".join(f"{v:.1f}" for v in cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.write_text(text)


if __name__ == "__main__":
    main()
