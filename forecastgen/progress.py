"""Progress bars on stderr for long work: shown only when stderr is a terminal.

``quiet()`` turns them off for a block (the CLI's ``--quiet`` does this).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")
_quiet = contextvars.ContextVar("forecastgen_quiet", default=False)
MIN_ITEMS = 5


@contextlib.contextmanager
def quiet():
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def track(items: Iterable[Item], total: int, label: str) -> Iterator[Item]:
    """Iterate ``items``, drawing a bar on stderr when it helps and nobody asked for quiet."""
    if _quiet.get() or total < MIN_ITEMS or not sys.stderr.isatty():
        yield from items
        return
    import click

    with click.progressbar(items, length=total, label=label, file=sys.stderr) as bar:
        yield from bar
