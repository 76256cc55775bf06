"""How many threads torch and the BLAS libraries use: each command decides, not the environment.

torch and OpenBLAS start one thread per core. Our series models work on small tensors
step after step; there extra threads only wait for each other, and on a machine busy
with another job the waiting threads are descheduled and every small operation waits
for them: the default forecast of the airline series took 385-416 s with torch's
default threads against 17 s with one on a loaded two-core machine (issue 15;
benchmarks/results/threads.md measures it again). The thread count also changes the
order of floating-point sums, so a seeded neural fit gives other numbers with other
thread counts: one thread for series work makes them the same on every machine.

Large arrays (thousands of images, hundreds of thousands of vectors) are where threads
pay: from ``LARGE_WORK`` values on, a command takes the cores it may use, shared out
among its ``jobs``. A user who sets ``OMP_NUM_THREADS`` keeps that setting.
"""

from __future__ import annotations

import os
import sys

LARGE_WORK = 1 << 20  # input values (points, pixels) from which extra threads pay off
USER_SETTING = os.environ.get("OMP_NUM_THREADS")  # read once, before we set it ourselves
VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask, e.g. under taskset or a container)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def choose_threads(values: int | None, jobs: int = 1) -> int:
    """Threads for one of ``jobs`` processes working on ``values`` input values; ``None``
    when the size is not known before the work starts (sampling a saved network)."""
    if values is not None and values < LARGE_WORK:
        return 1
    return max(1, usable_cores() // max(1, jobs))


def use_threads(count: int) -> int:
    """Make torch and BLAS use ``count`` threads, those loaded now and those loaded later;
    returns the count in force (the user's ``OMP_NUM_THREADS`` when one was set)."""
    if USER_SETTING:
        return int(USER_SETTING) if USER_SETTING.isdigit() else count
    for variable in VARIABLES:  # read by torch and BLAS when they load
        os.environ[variable] = str(count)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(count)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=count)  # the BLAS and OpenMP libraries already loaded
    return count
