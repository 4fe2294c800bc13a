"""Run many (scenario, seed) tasks in-process or on a pool of worker processes.

Every task goes through the one contract ``run(scenario, seed)``; results come back in
task order whatever the number of workers, so output is identical row for row.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import pandas as pd

from ..runner import Results, run
from ..scenario import Scenario


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
    given). A progress bar goes to stderr when ``progress`` is true.
    """
    tasks = list(tasks)
    bar = _progress_bar(len(tasks), progress)
    results: list[pd.DataFrame | None] = [None] * len(tasks)
    try:
        if executor is None and workers <= 1:
            for i, task in enumerate(tasks):
                results[i] = fn(task)
                bar.update(1)
        else:
            own = executor is None
            pool = executor or ProcessPoolExecutor(max_workers=workers)
            try:
                futures = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update(1)
            finally:
                if own:
                    pool.shutdown(cancel_futures=True)
    finally:
        bar.close()
    return results  # type: ignore[return-value]


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="run", disable=not enabled, file=sys.stderr, dynamic_ncols=True, leave=False)
