"""Progress of long work on stderr: a bar on a terminal, a line every few seconds elsewhere.

``track`` wraps a loop (epochs, series, rows), however few its steps. A terminal gets
a bar redrawn in place once the work has lasted ``QUIET_SECONDS``; a log file or a
pipe (stderr not a terminal: CI, nohup, a notebook's captured stream) gets one line
every ``NOTE_EVERY`` seconds and a last line when the loop ends; work shorter than
that shows nothing. Each line names what runs:
``doing("auto: rnn")`` around a block puts that in front of every label inside it.

The time left is the average time per step so far times the steps left. A loop that
may stop before its end (training with early stopping) says "at most".
``quiet()`` turns everything off for a block (the CLI's ``--quiet``).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")
_quiet = contextvars.ContextVar("forecastgen_quiet", default=False)
_doing = contextvars.ContextVar("forecastgen_doing", default=())
QUIET_SECONDS = 2.0  # work shorter than this shows nothing
NOTE_EVERY = 10.0  # seconds between progress lines when stderr is not a terminal
REDRAW_EVERY = 0.2  # seconds between redraws of a terminal's bar
BAR_WIDTH = 24


@contextlib.contextmanager
def quiet():
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


@contextlib.contextmanager
def doing(what: str):
    """Name the work inside the block in its progress lines ("auto: rnn: training 3/8")."""
    token = _doing.set((*_doing.get(), what))
    try:
        yield
    finally:
        _doing.reset(token)


def track(items: Iterable[Item], total: int, label: str, may_stop_early: bool = False) -> Iterator[Item]:
    """Iterate ``items`` (``total`` of them), reporting progress on stderr when it takes a while."""
    if _quiet.get():
        yield from items
        return
    report = Report(": ".join((*_doing.get(), label)), total, may_stop_early, sys.stderr.isatty())
    done = 0
    for item in items:
        yield item
        done += 1
        report.update(done)
    report.finish(done)


class Report:
    """What ``track`` prints: when, and in which form."""

    def __init__(self, label: str, total: int, may_stop_early: bool, terminal: bool):
        self.label, self.total, self.may_stop_early, self.terminal = label, total, may_stop_early, terminal
        self.start = time.perf_counter()
        self.last_shown: float | None = None

    def update(self, done: int) -> None:
        now = time.perf_counter()
        if done >= self.total or now - self.start < (QUIET_SECONDS if self.terminal else NOTE_EVERY):
            return
        every = REDRAW_EVERY if self.terminal else NOTE_EVERY
        if self.last_shown is not None and now - self.last_shown < every:
            return
        self.last_shown = now
        self._show(self.line(done, now), final=False)

    def finish(self, done: int) -> None:
        if self.last_shown is None:
            return
        elapsed = time.perf_counter() - self.start
        ended = "" if done >= self.total else " (stopped early)"
        self._show(f"{self.label}: {done}/{self.total} done in {format_seconds(elapsed)}{ended}", final=True)

    def line(self, done: int, now: float) -> str:
        elapsed = now - self.start
        left = elapsed / done * (self.total - done)
        bound = "at most " if self.may_stop_early else "about "
        text = (f"{self.label}: {done}/{self.total}, {format_seconds(elapsed)}, "
                f"{bound}{format_seconds(left)} left")
        if self.terminal:
            filled = int(BAR_WIDTH * done / max(self.total, 1))
            text = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {text}"
        return text

    def _show(self, text: str, final: bool) -> None:
        if self.terminal:
            sys.stderr.write("\r\033[K" + text + ("\n" if final else ""))
        else:
            sys.stderr.write(f"progress: {text}\n")
        sys.stderr.flush()


def format_seconds(seconds: float) -> str:
    """Rounded before it is split, so 119.6 s reads 2 min 00 s, never 1 min 60 s."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"
