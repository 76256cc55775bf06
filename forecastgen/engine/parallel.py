"""Per-series work on every core: chunks of series handed to worker processes.

Local models fit one series at a time, and the series are independent, so a file of
many series is cut into chunks that worker processes fit side by side. The workers
are joblib's (its loky backend keeps them alive between calls, so a fit and the
forecast that follows pay the workers' imports once); the same code runs on a Dask or
Ray cluster through joblib's backends. Results come back in the order of the series,
and every random draw comes from a generator of its own series (``series_generators``,
seeded by the seed and the series' id), so the numbers depend neither on the number of
jobs nor on the order of the series.

Chunks shrink towards the end (guided scheduling: small ones last, so no worker waits
long for the other's last chunk), and travel as bytes of
the standard pickler (joblib's cloudpickle is pure Python: slow for thousands of small
fitted models).

Starting workers costs seconds (each imports the models' libraries), so by default
(``n_jobs=None``) processes start only from ``MIN_SERIES`` series on; an explicit
``n_jobs`` of 2 or more always uses them.

On a cluster: inside ``on_cluster(client)`` (a ``dask.distributed.Client``, the CLI's
``--cluster tcp://host:port``; or a ``RayCluster``, the CLI's ``--cluster ray://host:port``,
or ``--cluster ray`` for a Ray started on this machine) the chunks go to the cluster's
workers instead, through joblib's Dask or Ray backend; the workers need forecastgen and the
plugins installed. Neural
training at scale is another matter: it runs under ``torchrun`` (distributed data
parallel), one model trained by all processes, where this module fits many small
models side by side.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import numpy as np

from forecastgen.engine.threads import usable_cores, use_threads
from forecastgen.errors import InputError

Item = TypeVar("Item")
Result = TypeVar("Result")
MIN_SERIES = 32  # by default, fewer series than this are not worth starting processes for
# guided scheduling: each chunk takes 1 / (GUIDED_SHARE x jobs) of the series still left,
# within 1 / (LARGEST_CHUNK_SHARE x jobs) of all (results, and progress, arrive in order: no
# long wait for the first) and 1 / (SMALLEST_CHUNK_SHARE x jobs) (small ones last: no worker
# waits long for the other's last chunk, series differ in cost)
GUIDED_SHARE = 2
LARGEST_CHUNK_SHARE = 16
SMALLEST_CHUNK_SHARE = 64
_cluster = contextvars.ContextVar("forecastgen_cluster", default=None)


@contextlib.contextmanager
def on_cluster(client):
    """Per-series work inside the block runs on the workers of ``client``, a
    ``dask.distributed.Client`` (made the current client for the block) or a ``RayCluster``."""
    token = _cluster.set(client)
    try:
        with client.as_current():
            yield client
    finally:
        _cluster.reset(token)


class RayCluster:
    """A Ray cluster for ``on_cluster``: ``ray.init(address)`` (None: a Ray started on this
    machine; ``init_options`` such as ``num_cpus`` go to ``ray.init``), joblib's Ray backend
    registered. A context manager: at its end it shuts down the Ray it started."""

    def __init__(self, address: str | None = None, **init_options):
        try:
            import ray
            from ray.util.joblib import register_ray
        except ImportError:
            raise InputError("Ray clusters need Ray: pip install 'forecastgen[ray]'") from None
        self.started = not ray.is_initialized()
        if self.started:
            try:
                ray.init(address=address, include_dashboard=False, log_to_driver=False, **init_options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise InputError(f"--cluster {address}: cannot reach a Ray cluster there ({exc}); start "
                                 "one with `ray start --head`") from None
        register_ray()

    def cores(self) -> int:
        import ray

        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    @contextlib.contextmanager
    def as_current(self):
        yield self

    def close(self) -> None:
        if self.started:
            import ray

            ray.shutdown()
            self.started = False

    def __enter__(self) -> RayCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def cluster_at(address: str | None):
    """Per-series work inside the block on the Dask or Ray cluster at ``address`` (none: here)."""
    if not address:
        yield
        return
    with connect(address) as client, on_cluster(client):
        yield


def connect(address: str):
    """A client of the cluster at ``address``: a ``dask.distributed.Client`` for a Dask
    scheduler (tcp://host:port), a ``RayCluster`` for ``ray://host:port`` or ``ray`` (a Ray
    started here); or a clear error."""
    if address == "ray" or address.startswith("ray://"):
        return RayCluster(None if address == "ray" else address)
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--cluster needs Dask's distributed scheduler: "
                         "pip install 'forecastgen[cluster]'") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"--cluster {address}: cannot reach a Dask scheduler there ({exc}); start one with "
                         "`dask scheduler` and workers with `dask worker ADDRESS`") from None


def resolve_jobs(n_jobs: int | None) -> int:
    """The number of worker processes: ``None`` or -1 for every usable core, else ``n_jobs``."""
    if n_jobs is None or n_jobs == -1:
        return usable_cores()
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs < 1:
        raise InputError(f"n_jobs must be a positive whole number, -1 or None (every core), not {n_jobs!r}")
    return n_jobs


def chunks(items: Sequence[Item], jobs: int) -> list[Sequence[Item]]:
    """``items`` cut into consecutive chunks, large first and smaller towards the end
    (guided scheduling, as OpenMP's ``schedule(guided)``)."""
    total = len(items)
    largest = max(1, -(-total // (jobs * LARGEST_CHUNK_SHARE)))
    smallest = max(1, -(-total // (jobs * SMALLEST_CHUNK_SHARE)))
    bounds = [0]
    while bounds[-1] < total:
        guided = -(-(total - bounds[-1]) // (jobs * GUIDED_SHARE))
        bounds.append(min(total, bounds[-1] + max(smallest, min(largest, guided))))
    return [items[start:stop] for start, stop in zip(bounds[:-1], bounds[1:])]


def map_chunks(function: Callable[[Sequence[Item]], list[Result]], items: Sequence[Item],
               n_jobs: int | None) -> Iterator[list[Result]]:
    """``function`` applied to consecutive chunks of ``items``, in worker processes when asked
    for or worth it; yields each chunk's results in order, as they are ready."""
    jobs = resolve_jobs(n_jobs)
    on_a_cluster = _cluster.get() is not None and len(items) > 1
    if not on_a_cluster and (jobs == 1 or len(items) < 2
                             or (n_jobs in (None, -1) and len(items) < MIN_SERIES)):
        for position in range(len(items)):  # here, one series at a time: joblib is not even loaded
            yield function(items[position:position + 1])
        return
    from joblib import Parallel, delayed, parallel_config

    if on_a_cluster:
        ray = isinstance(_cluster.get(), RayCluster)  # joblib's Ray backend returns lists only
        with parallel_config(backend="ray" if ray else "dask"):  # bound when Parallel is made
            runner = Parallel(n_jobs=-1, return_as="list" if ray else "generator")
        workers = cluster_cores()
    else:
        runner, workers = Parallel(n_jobs=jobs, return_as="generator"), jobs
    for packed in runner(delayed(_one_thread)(function, _pack(chunk)) for chunk in chunks(items, workers)):
        yield _unpack(packed)


def cluster_cores() -> int:
    """The worker threads (Dask) or CPUs (Ray) of the current cluster (at least 1)."""
    cluster = _cluster.get()
    if isinstance(cluster, RayCluster):
        return cluster.cores()
    return max(1, sum(cluster.nthreads().values()))


def _one_thread(function: Callable, packed) -> bytes | list:
    """Run ``function`` in a worker with one torch and BLAS thread (the cores are the jobs'),
    on a packed chunk; its results packed."""
    use_threads(1)
    return _pack(function(_unpack(packed)))


def _pack(items: Sequence) -> bytes | Sequence:
    """``items`` as bytes of the standard pickler, or as they are where it cannot take them.
    joblib's workers send arguments and results through cloudpickle, pure Python: for the
    thousands of small fitted models of a chunk the parent spent a second of its core on it,
    the C pickler a fifth of that."""
    try:
        return pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):  # e.g. a lambda inside: cloudpickle's
        return items


def _unpack(packed: bytes | Sequence) -> Sequence:
    return pickle.loads(packed) if isinstance(packed, bytes) else packed


def series_generators(seed: int | None, keys: list[str]) -> list[np.random.Generator]:
    """One independent random generator per series, from the seed and the series' id: the
    same for a seed whatever the jobs, the other series, and their order in the file."""
    entropy = np.random.SeedSequence(seed).entropy
    return [np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(_id_number(key),)))
            for key in keys]


def _id_number(key: str) -> int:
    """A stable 64-bit number for a series id (Python's hash() changes between processes)."""
    return int.from_bytes(hashlib.blake2b(str(key).encode(), digest_size=8).digest(), "little")
