"""Run many simulations on any ``concurrent.futures.Executor``.

One loop, :func:`iter_completed`, submits work to an executor and hands back each result
as it finishes: in this process when there is no executor, on a process pool for
``workers > 1``, or on a Dask cluster through ``distributed.Client(...).get_executor()``
(:func:`open_executor`). ``compare`` (via :func:`run_tasks`) and ``sweep`` both use it.
Every task goes through the one contract ``run(scenario, seed)``; callers put results back
in task order, so output is identical row for row whatever the executor.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from ..errors import OrgsimError
from ..runner import Results, run
from ..scenario import Scenario

BACKENDS = ("process", "dask")

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class RunTask:
    """One simulation: a scenario, a seed and which replication that seed is."""

    scenario: Scenario
    seed: int
    replication: int
    days: int | None = None


def execute(task: RunTask) -> Results:
    return run(task.scenario, seed=task.seed, replication=task.replication, days=task.days)


def _summary_only(task: RunTask) -> pd.DataFrame:
    return execute(task).summary


def summary_and_daily(task: RunTask) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both frames of one run (module-level so worker processes can pickle it)."""
    results = execute(task)
    return results.summary, results.daily


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def run_tasks(
    tasks: Iterable[RunTask],
    workers: int = 1,
    progress: bool = True,
    fn: Callable[[RunTask], pd.DataFrame] = _summary_only,
    executor: Executor | None = None,
) -> list[pd.DataFrame]:
    """Run ``tasks`` and return ``fn(task)`` for each, in task order.

    ``workers == 1`` runs in this process; more uses a process pool (or ``executor`` if
    given). A progress bar goes to stderr when ``progress`` is true. The first task that
    raises stops the batch and its exception propagates.
    """
    tasks = list(tasks)
    bar = _progress_bar(len(tasks), progress)
    results: list[pd.DataFrame | None] = [None] * len(tasks)
    try:
        with open_executor("process", max(1, workers)) if executor is None else _borrowed(executor) as pool:
            for i, future in iter_completed(fn, tasks, pool):
                results[i] = future.result()
                bar.update(1)
    finally:
        bar.close()
    return results  # type: ignore[return-value]


def iter_completed(fn: Callable[[T], R], items: Sequence[T], executor: Executor | None = None) -> Iterator[tuple[int, Future]]:
    """Submit ``fn(item)`` for every item and yield ``(index, future)`` as each one finishes.

    Without an executor the items run one after another in this process (each wrapped in
    an already-finished future, so callers handle both cases alike). The futures are
    finished when yielded; ``future.result()`` returns the value or raises the task's
    exception. Leaving the loop early cancels what has not started.
    """
    if executor is None:
        for i, item in enumerate(items):
            future: Future = Future()
            try:
                future.set_result(fn(item))
            except Exception as exc:  # handed to the caller through the future, as a pool would
                future.set_exception(exc)
            yield i, future
        return
    futures = {executor.submit(fn, item): i for i, item in enumerate(items)}
    try:
        for future in as_completed(futures):
            yield futures[future], future
    finally:
        for future in futures:
            future.cancel()


@contextmanager
def _borrowed(executor: Executor) -> Iterator[Executor]:
    """An executor the caller owns: used, not shut down."""
    yield executor


def check_backend(backend: str, workers: int = 1, scheduler: str | None = None) -> None:
    """Raise :class:`OrgsimError` for a backend that cannot be used (checked before anything runs)."""
    if backend not in BACKENDS:
        raise OrgsimError(f"backend {backend!r}: allowed backends are {', '.join(BACKENDS)}")
    if workers < 1:
        raise OrgsimError(f"workers = {workers}: must be at least 1")
    if backend == "process" and scheduler is not None:
        raise OrgsimError("--scheduler goes with --backend dask")
    if backend == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise OrgsimError("the dask backend needs the optional extra: pip install 'orgsim[dask]'") from None


@contextmanager
def open_executor(backend: str = "process", workers: int = 1, scheduler: str | None = None) -> Iterator[Executor | None]:
    """An executor for ``backend``, shut down on exit.

    * ``process`` with one worker: ``None`` -- run in this process (no pickling, easy to debug);
    * ``process`` with more: a ``ProcessPoolExecutor`` of ``workers`` processes;
    * ``dask``: ``distributed.Client(scheduler).get_executor()``; without a scheduler
      address, a ``LocalCluster`` of ``workers`` single-threaded worker processes is started
      and closed again. Workers of an existing cluster need orgsim installed.
    """
    check_backend(backend, workers, scheduler)
    if backend == "process":
        if workers == 1:
            yield None
            return
        # Spawned, not forked: a fork copies the parent's threads' locks (tqdm's monitor,
        # Dask's event loop) and Mesa's batch runner sets "spawn" globally on import anyway;
        # naming it keeps behaviour the same whatever was imported first.
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise OrgsimError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        # pure=False: every submission is its own task, never merged with an equal-looking one.
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def executor_slots(executor: Executor | None) -> int:
    """How many tasks ``executor`` runs at once (1 in-process; best guess otherwise)."""
    if executor is None:
        return 1
    workers = getattr(executor, "_max_workers", None)
    if workers:
        return int(workers)
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # a scheduler that cannot answer: fall back to a guess
            return 1
    return 1


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="run", disable=not enabled, file=sys.stderr, dynamic_ncols=True, leave=False)
