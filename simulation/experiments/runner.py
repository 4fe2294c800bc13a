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
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from ..errors import OrgsimError
from ..runner import Results, run
from ..scenario import Scenario

BACKENDS = ("process", "dask")

DEFAULT_RUN_TIMEOUT = 3600.0
"""Seconds one run may take (wall clock) before it is stopped and recorded as a failure."""

NO_WORKERS_TIMEOUT = 120.0
"""Seconds a Dask cluster may have no worker at all before the wait is given up."""


class RunTimeout(Exception):
    """A run took longer than its wall-clock limit (``--run-timeout``)."""


def _timeout_message(seconds: float) -> str:
    return f"the run took longer than the run timeout of {seconds:g} s (--run-timeout)"


def call_with_timeout(seconds: float | None, fn: Callable[..., R], *args, **kwargs) -> R:
    """``fn(*args, **kwargs)``, raising :class:`RunTimeout` once it has run ``seconds`` (wall clock).

    In a process's main thread (this process, or a pool worker) a ``SIGALRM`` timer
    interrupts the run where it is, so the worker is free for the next run. Elsewhere (a
    Dask worker's thread) the run goes to a daemon thread that is abandoned at the limit:
    the failure is recorded and the sweep goes on. ``None`` or 0: no limit.
    """
    if not seconds:
        return fn(*args, **kwargs)
    if hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread():
        def on_alarm(signum, frame):
            raise RunTimeout(_timeout_message(seconds))

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return fn(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed back to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="orgsim-run")
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise RunTimeout(_timeout_message(seconds))
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class RunTask:
    """One simulation: a scenario, a seed and which replication that seed is."""

    scenario: Scenario
    seed: int
    replication: int
    days: int | None = None
    timeout: float | None = None


def execute(task: RunTask) -> Results:
    return call_with_timeout(task.timeout, run, task.scenario, seed=task.seed, replication=task.replication, days=task.days)


def _summary_only(task: RunTask) -> pd.DataFrame:
    return execute(task).summary


def summary_and_daily(task: RunTask) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both frames of one run (module-level so worker processes can pickle it)."""
    results = execute(task)
    return results.summary, results.daily


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def capped_workers(requested: int | None, runs: int | None = None) -> tuple[int, str | None]:
    """Workers to start: ``requested`` (default: all cores) capped at the cores and the runs.

    Returns the number and, when ``requested`` was lowered, a one-line warning saying why.
    """
    cores = default_workers()
    if requested is None:
        workers = cores
        return (max(1, min(workers, runs)) if runs else workers), None
    workers, reasons = requested, []
    if workers > cores:
        workers = cores
        reasons.append(f"this machine has {cores} core{'s' if cores > 1 else ''}")
    if runs is not None and 0 < runs < workers:
        workers = runs
        reasons.append(f"there {'is' if runs == 1 else 'are'} only {runs} run{'s' if runs > 1 else ''}")
    if workers == requested:
        return workers, None
    return workers, f"--workers {requested} lowered to {workers}: {' and '.join(reasons)}"


def _exit_with_parent(parent: int) -> None:
    """Pool worker initializer: end this worker when the process that started it is gone.

    A daemon thread polls the parent's pid; when the parent is killed (even with SIGKILL,
    which it cannot handle) the worker is re-parented and exits, so no orphan keeps running.
    """

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True, name="orgsim-parent-watch").start()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate a pool's worker processes (on Ctrl-C or SIGTERM: do not wait for running runs)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    # Python 3.11's pool sets an exception on every pending item when a worker dies, which
    # raises (in its manager thread) for items already cancelled: drop those first.
    pending = getattr(pool, "_pending_work_items", None)
    if isinstance(pending, dict):
        for key, item in list(pending.items()):
            if item.future.cancel() or item.future.cancelled():
                pending.pop(key, None)
    for process in processes:
        try:
            process.terminate()
        except Exception:  # already gone
            pass
    for process in processes:
        process.join(timeout=5)


def run_tasks(
    tasks: Iterable[RunTask],
    workers: int = 1,
    progress: bool = True,
    fn: Callable[[RunTask], pd.DataFrame] = _summary_only,
    executor: Executor | None = None,
    keep_going: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[pd.DataFrame]:
    """Run ``tasks`` and return ``fn(task)`` for each, in task order.

    ``workers == 1`` runs in this process; more uses a process pool (or ``executor`` if
    given). A progress bar goes to stderr when ``progress`` is true. The first task that
    raises stops the batch and its exception propagates; with ``keep_going`` every task
    runs and a task that raised has its exception in its place in the list.
    ``on_progress(done, total)`` is called after each finished task (the dashboard's
    progress bar); an exception it raises stops the batch (the dashboard's Cancel).
    """
    tasks = list(tasks)
    bar = _progress_bar(len(tasks), progress)
    results: list[pd.DataFrame | None] = [None] * len(tasks)
    done = 0
    try:
        with open_executor("process", max(1, workers)) if executor is None else _borrowed(executor) as pool:
            for i, future in iter_completed(fn, tasks, pool):
                if keep_going and future.exception() is not None:
                    results[i] = future.exception()
                else:
                    results[i] = future.result()
                bar.update(1)
                done += 1
                if on_progress is not None:
                    on_progress(done, len(tasks))
    finally:
        bar.close()
    return results  # type: ignore[return-value]


def iter_completed(
    fn: Callable[[T], R], items: Sequence[T], executor: Executor | None = None, no_workers_timeout: float = NO_WORKERS_TIMEOUT
) -> Iterator[tuple[int, Future]]:
    """Submit ``fn(item)`` for every item and yield ``(index, future)`` as each one finishes.

    Without an executor the items run one after another in this process (each wrapped in
    an already-finished future, so callers handle both cases alike). The futures are
    finished when yielded; ``future.result()`` returns the value or raises the task's
    exception. Leaving the loop early cancels what has not started. A Dask cluster that has
    had no workers for ``no_workers_timeout`` seconds raises :class:`OrgsimError`.
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
    import queue

    finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
    futures: dict[Future, int] = {}
    for i, item in enumerate(items):
        future = executor.submit(fn, item)
        futures[future] = i
        future.add_done_callback(finished.put)  # O(1) per run, whatever the number of runs
    poll = min(5.0, max(0.05, no_workers_timeout / 4))
    left = len(futures)
    without_workers_since: float | None = None
    try:
        while left:
            try:
                future = finished.get(timeout=poll)
            except queue.Empty:
                if _has_no_workers(executor):  # a Dask cluster whose workers all died: do not wait forever
                    without_workers_since = without_workers_since or time.monotonic()
                    if time.monotonic() - without_workers_since >= no_workers_timeout:
                        raise OrgsimError(
                            f"the Dask cluster has had no workers for {no_workers_timeout:g} s; {left} runs were "
                            "not run (start workers, then continue with --resume)"
                        ) from None
                else:
                    without_workers_since = None
                continue
            without_workers_since = None
            left -= 1
            yield futures[future], future
    finally:
        for future in futures:
            future.cancel()


def _has_no_workers(executor: Executor) -> bool:
    """True when ``executor`` is a Dask client's executor whose cluster has no worker left."""
    client = getattr(executor, "_client", None)
    if client is None:
        return False
    try:
        return not client.nthreads()
    except Exception:  # the scheduler itself is unreachable: no worker either
        return True


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
        if scheduler is not None:
            check_scheduler_address(scheduler)


def check_scheduler_address(scheduler: str) -> None:
    """Refuse (one line) a ``--scheduler`` that is not a Dask address, before anything runs."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port
    from distributed.comm.registry import get_backend

    try:
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise ValueError("empty address")
        scheme, location = parse_address(scheduler)
        get_backend(scheme)  # an unknown scheme raises ValueError
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location)  # no DNS look-up: just host and port
    except (ValueError, TypeError, ImportError) as exc:
        raise OrgsimError(f"--scheduler {scheduler!r}: not a Dask scheduler address ({exc}); expected e.g. tcp://HOST:8786") from None


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
        # Each worker exits when this process dies, even by SIGKILL (no orphans).
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_exit_with_parent, initargs=(os.getpid(),),
        )
        try:
            yield pool
        except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failed: stop the running runs now
            _stop_workers(pool)
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        else:
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
            raise OrgsimError(f"cannot reach the Dask scheduler at {scheduler}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        except (ValueError, TypeError) as exc:  # not an address at all ('not an address', 'tcp://host')
            raise OrgsimError(f"--scheduler {scheduler!r}: not a Dask scheduler address ({exc}); "
                              "expected e.g. tcp://HOST:8786") from None
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


@dataclass(frozen=True)
class RunEstimate:
    """What one run costs, measured by a short calibration run (``orgsim ... --dry-run``)."""

    setup_seconds: float
    seconds_per_day: float
    daily_bytes_per_day: float
    measured_on: str
    measured_days: int

    def seconds(self, days: int) -> float:
        return self.setup_seconds + self.seconds_per_day * days


def estimate_run(scenario: Scenario, days: int = 10) -> RunEstimate:
    """Time a 1-day and a ``1 + days``-day run of ``scenario`` (set-up cost and cost per day).

    Also measures what a day of the daily series takes on disk (CSV and Parquet together).
    """
    import io

    short = scenario.with_overrides({"horizon_days": 1}, "calibration run")
    longer = scenario.with_overrides({"horizon_days": 1 + days}, "calibration run")
    started = time.perf_counter()
    first = run(short, seed=0)
    t_short = time.perf_counter() - started
    started = time.perf_counter()
    results = run(longer, seed=0)
    t_long = time.perf_counter() - started

    def size(daily: pd.DataFrame) -> int:  # CSV and Parquet, as a compare folder stores it
        buffer = io.BytesIO()
        daily.to_parquet(buffer, index=False)
        return buffer.tell() + len(daily.to_csv(index=False).encode())

    # The difference between the two runs leaves out what every file has whatever its length (footer, header).
    per_day = max(0, size(results.daily) - size(first.daily)) / max(1, len(results.daily) - len(first.daily))
    return RunEstimate(t_short, max(0.0, (t_long - t_short) / days), per_day, scenario.name, 1 + days)


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def human_seconds(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
