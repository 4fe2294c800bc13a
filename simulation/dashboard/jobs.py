"""Comparisons started from the dashboard: worker processes, progress, cancel, a results folder.

A :class:`CompareJob` runs :func:`simulation.compare` -- the same function as ``orgsim
compare`` -- in a background thread, on its own pool of worker processes, so the server
stays responsive and Cancel can stop the runs at once (the pool's processes are
terminated). When it finishes it writes a results folder exactly as ``orgsim compare``
does (per-run summaries, intervals, paired differences, daily series, the designs, the
charts in ``charts/``), which the results view reads back the way ``--results DIR`` does.

A :class:`Session` holds one browser session's jobs in its own folder: two sessions never
see each other's runs. A failed or cancelled job keeps its message and leaves the
session's other jobs as they were.

Nothing here imports solara.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..comparison import Comparison, check_unique_names, compare, write_designs
from ..errors import OrgsimError
from ..experiments.runner import DEFAULT_RUN_TIMEOUT, _exit_with_parent, _stop_workers, default_workers
from ..output import write_results
from ..scenario import Scenario

MAX_DASHBOARD_RUNS = 2_000
"""Most runs one comparison started from the dashboard may hold (about 25 minutes on two cores)."""

STATUSES = ("running", "writing", "explaining", "done", "failed", "cancelled")


class Cancelled(Exception):
    """The user pressed Cancel."""


@dataclass
class CompareJob:
    """One comparison started from the dashboard, and what became of it."""

    number: int
    designs: list[Scenario]
    baseline: str
    replications: int
    seed: int
    days: int | None
    folder: Path
    explain: bool = False
    workers: int = field(default_factory=default_workers)
    run_timeout: float | None = DEFAULT_RUN_TIMEOUT
    status: str = "running"
    done: int = 0
    total: int = 0
    error: str = ""
    failed_runs: int = 0
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None
    result: Comparison | None = field(default=None, repr=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _pool: ProcessPoolExecutor | None = field(default=None, repr=False)
    _owns_pool: bool = field(default=True, repr=False)
    stopped_pool: ProcessPoolExecutor | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def title(self) -> str:
        days = f", {self.days} days" if self.days else ""
        return f"#{self.number}: {', '.join(s.name for s in self.designs)} x {self.replications} replications{days}"

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    def start(self, pool: ProcessPoolExecutor | None = None) -> CompareJob:
        """Run in a background thread, on ``pool`` (kept warm by the session) or a pool of its own."""
        if pool is not None:
            self._pool, self._owns_pool = pool, False
        self._thread = threading.Thread(target=self._run, name=f"orgsim-dashboard-job-{self.number}", daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the job to finish; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.finished

    def cancel(self) -> None:
        """Stop the runs now: the pool's worker processes are terminated; nothing is written."""
        if self.finished:
            return
        self._cancel.set()
        pool = self._pool
        if pool is not None:
            self.stopped_pool = pool
            _stop_workers(pool)

    def _progress(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        self.done, self.total = done, total

    def _run(self) -> None:
        self.total = len(self.designs) * self.replications
        if self._pool is None:
            self._pool = new_pool(self.workers)
        try:
            self.result = compare(
                self.designs, replications=self.replications, seed=self.seed, days=self.days, baseline=self.baseline,
                run_timeout=self.run_timeout, executor=self._pool, on_progress=self._progress,
            )
            if self._cancel.is_set():
                raise Cancelled()
            failures = self.result.failures
            if len(failures) == len(self.result.runs):
                raise OrgsimError(f"every run failed, nothing to show: {failures['error'].iloc[0]}")
            self.status = "writing"
            write_compare_folder(self.folder, self.result, self.designs, self.seed, self.days, self.replications, self.explain)
            self.failed_runs = len(self.result.failures)
            if self.explain and not self.failed_runs:
                self.status = "explaining"
                self._explain()
            if self.failed_runs:
                first = self.result.failures["error"].iloc[0]
                self.error = f"{self.failed_runs} of {len(self.result.runs)} runs failed (the others are shown): {first}"
            self.status = "done"
        except Exception as exc:  # a failed job shows its error; the session and its other jobs go on
            if self._cancel.is_set():  # Cancelled, or what stopping the pool raised in the runs
                self.status = "cancelled"
                self.error = f"cancelled after {self.done} of {self.total} runs; nothing was kept"
                shutil.rmtree(self.folder, ignore_errors=True)
                return
            self.status = "failed"
            self.error = f"{type(exc).__name__}: {exc}".splitlines()[0] if not isinstance(exc, OrgsimError) else str(exc)
        finally:
            if self._cancel.is_set() or self._owns_pool:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            self.seconds = time.monotonic() - self.started

    def _explain(self) -> None:
        from ..explanation import explain_against_baseline, write_explain_json

        by_name = {s.name: s for s in self.designs}
        explanations = explain_against_baseline(
            self.designs, by_name[self.result.baseline], self.replications, self.seed, self.workers, self.days, runs=self.result.runs
        )
        write_explain_json(explanations, self.result.baseline, self.folder / "explain.json")


def new_pool(workers: int) -> ProcessPoolExecutor:
    """Spawned worker processes that end when the server dies, as ``orgsim compare``'s pool
    (:func:`simulation.experiments.runner.open_executor`), but owned here so Cancel can stop it."""
    pool = ProcessPoolExecutor(
        max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn"),
        initializer=_exit_with_parent, initargs=(os.getpid(),),
    )
    for _ in range(max(1, workers)):  # start the workers and import the model now, not on Run
        pool.submit(_warm)
    return pool


def _warm() -> None:
    import simulation.runner  # noqa: F401


def write_compare_folder(
    out: Path, result: Comparison, designs: list[Scenario], seed: int, days: int | None, replications: int, explain: bool = False
) -> Path:
    """Write a comparison as ``orgsim compare --out OUT`` does: frames, meta.json, designs/.

    The charts are drawn for the page first; ``charts/`` (PNG and SVG) is written when the
    folder is downloaded (:meth:`ResultsView.zip_bytes`), so Run reaches the charts sooner."""
    from ..experiments.analysis import cumulative_by_quarter

    meta = {
        "command": "compare",
        "scenarios": {s.name: s.model_dump() for s in designs},
        "replications": replications,
        "seed": seed,
        "baseline": result.baseline,
        "days": days,
        "explain": explain,
        "version": __version__,
        "written_by": "orgsim dashboard",
    }
    frames = {"runs": result.runs, "summary": result.summary, "differences": result.differences}
    if result.daily is not None:
        frames["daily"] = result.daily
        ok_daily = result.daily.merge(result.runs.loc[result.runs["status"] == "ok", ["scenario", "replication"]])
        if len(ok_daily) and result.baseline in set(ok_daily["scenario"]):
            frames["cumulative"], frames["crossover"] = cumulative_by_quarter(ok_daily, result.baseline)
    write_results(out, frames, meta)
    write_designs(out, designs)
    return out


class Session:
    """One browser session's comparisons, in its own folder (removed by :meth:`close`)."""

    def __init__(self, root: Path | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="session-", dir=root))
        self.jobs: list[CompareJob] = []
        self._numbers = itertools.count(1)
        self._pool: ProcessPoolExecutor | None = None
        self.workers = default_workers()

    def pool(self) -> ProcessPoolExecutor:
        """The session's worker processes, started on first use and kept warm between runs
        (a cancelled run terminates them; the next run starts new ones)."""
        if self._pool is None or getattr(self._pool, "_broken", False) or any(j.stopped_pool is self._pool for j in self.jobs):
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = new_pool(self.workers)
        return self._pool

    def submit(
        self,
        designs: list[Scenario],
        baseline: str,
        replications: int,
        seed: int = 0,
        days: int | None = None,
        explain: bool = False,
        workers: int | None = None,
    ) -> CompareJob:
        """Check the comparison (names, baseline, run count) and start it; :class:`OrgsimError` if it cannot run."""
        if len(designs) < 2:
            raise OrgsimError("a comparison needs at least two designs")
        check_unique_names([s.name for s in designs])
        if baseline not in {s.name for s in designs}:
            raise OrgsimError(f"baseline {baseline!r}: pick one of the designs ({', '.join(s.name for s in designs)})")
        if replications < 2:
            raise OrgsimError(f"replications = {replications}: must be at least 2 (an interval needs two runs)")
        total = len(designs) * replications
        if total > MAX_DASHBOARD_RUNS:
            raise OrgsimError(
                f"{len(designs)} designs x {replications} replications = {total} runs; the dashboard runs at most "
                f"{MAX_DASHBOARD_RUNS} (use fewer replications, or orgsim compare --max-runs {total})"
            )
        number = next(self._numbers)
        job = CompareJob(number, list(designs), baseline, replications, seed, days, self.folder / f"compare-{number}", explain)
        job.workers = workers or self.workers
        self.jobs.append(job)
        if any(not j.finished for j in self.jobs[:-1]):  # runs side by side: its own pool, not the busy one
            return job.start()
        return job.start(self.pool())

    def close(self) -> None:
        for job in self.jobs:
            job.cancel()
        if self._pool is not None:
            _stop_workers(self._pool)
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        shutil.rmtree(self.folder, ignore_errors=True)
