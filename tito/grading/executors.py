"""Where `tito grade` runs its tasks (tito/grading/tasks.py): here, in a pool of local processes (`--jobs N`),
on a Dask LocalCluster (`--cluster local:N`) or on an existing Dask cluster (`--scheduler tcp://HOST:PORT`).

Each is a concurrent.futures executor; `capacity()` says how many tasks to keep in flight so no worker idles.
Dask is imported only for the two Dask choices: `--jobs` works without it.
"""
from __future__ import annotations

import contextlib
import logging
import multiprocessing
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable

from ..errors import TitoError


class InProcess(Executor):
    """Runs each task when it is submitted: the serial path, with the same interface as the pools."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as e:
            future.set_exception(e)
        return future


@dataclass
class Workers:
    pool: Executor
    capacity: Callable[[], int]  # tasks to keep in flight; asked again as workers come and go
    where: str  # for messages: "this process", "2 processes", "Dask at tcp://..."


@contextlib.contextmanager
def workers(jobs: int = 1, cluster: str | None = None, scheduler: str | None = None):
    if cluster or scheduler:
        with _dask(cluster, scheduler) as found:
            yield found
    elif jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield Workers(pool, lambda: 2 * jobs, f"{jobs} processes")
    else:
        yield Workers(InProcess(), lambda: 1, "this process")


def local_size(cluster: str) -> int:
    kind, _, size = cluster.partition(":")
    if kind != "local" or not size.isdigit() or int(size) < 1:
        raise TitoError(f"--cluster {cluster!r}: expected local:N, e.g. local:4")
    return int(size)


@contextlib.contextmanager
def _dask(cluster: str | None, scheduler: str | None):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise TitoError("--cluster and --scheduler need Dask: pip install -e '.[grading]'") from None
    with contextlib.ExitStack() as stack:
        if cluster:
            local = stack.enter_context(LocalCluster(n_workers=local_size(cluster), threads_per_worker=1,
                                                     processes=True, dashboard_address=None,
                                                     silence_logs=logging.ERROR))
            client = stack.enter_context(Client(local))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout="20s"))
            except OSError as e:
                raise TitoError(f"no Dask scheduler at {scheduler}: {e}") from None
        client.wait_for_workers(1, timeout=120)

        def capacity() -> int:  # every worker thread busy, one task queued behind each
            return max(2, 2 * sum(client.nthreads().values()))
        yield Workers(client.get_executor(pure=False), capacity, f"Dask at {client.scheduler.address}")
