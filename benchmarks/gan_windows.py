"""The window GAN as a forecaster: backtest accuracy on the airline series against its cost.

Each row is ``forecastgen backtest examples/data/airline.csv -m gan`` with some settings
(three rolling-origin windows of 18 months: three fits), run as a user runs it, in a fresh
process: mean MASE, sMAPE, scaled CRPS and 80%/95% coverage over the windows, and the
seconds of the whole backtest. The last line times ``forecastgen predict
examples/data/airline.csv -m gan`` with the defaults (one fit and the forecast, whole
process). Run it on an idle machine: the seconds are the point.

    python benchmarks/gan_windows.py                          # the default settings only
    python benchmarks/gan_windows.py --settings "" "max_epochs=50 hidden_size=64"
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AIRLINE = ROOT / "examples" / "data" / "airline.csv"
CLI = [sys.executable, "-m", "forecastgen.cli"]
METRICS = ("mase", "smape", "crps", "coverage80", "coverage95")


def backtest(settings: str, seed: int) -> dict:
    """Mean scores over the windows and the seconds of one backtest with ``settings``
    ("name=value name=value")."""
    parameters = [part for pair in settings.split() for part in ("-p", pair)]
    command = CLI + ["backtest", str(AIRLINE), "-q", "-m", "gan", "--seed", str(seed),
                     "-p", f"seed={seed}", *parameters]
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    last = next(line for line in done.stdout.splitlines() if line.startswith("all windows"))
    values = [float(value) for value in last.split()[2:]]
    return {"settings": settings or "defaults", "seed": seed, **dict(zip(METRICS, values)),
            "seconds": seconds}


def predict_seconds() -> float:
    start = time.perf_counter()
    subprocess.run(CLI + ["predict", str(AIRLINE), "-q", "-m", "gan", "-o", os.devnull], check=True,
                   capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", nargs="*", default=[""],
                        help='each a set of parameters, "name=value name=value"; "" is the defaults')
    parser.add_argument("--seeds", type=int, nargs="*", default=[0])
    args = parser.parse_args()
    print("| settings | seed | MASE | sMAPE | CRPS | coverage 80 | coverage 95 | backtest s |")
    print("|---|---|---|---|---|---|---|---|")
    for settings in args.settings:
        for seed in args.seeds:
            row = backtest(settings, seed)
            print(f"| {row['settings']} | {seed} | {row['mase']:.3f} | {row['smape']:.2f} "
                  f"| {row['crps']:.3f} | {row['coverage80']:.2f} | {row['coverage95']:.2f} "
                  f"| {row['seconds']:.0f} |", flush=True)
    print(f"\n`forecastgen predict examples/data/airline.csv -m gan` (defaults, whole process): "
          f"{predict_seconds():.1f} s")


if __name__ == "__main__":
    main()
