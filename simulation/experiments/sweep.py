"""Sweeps: run every point of a design for every replication, store each run as it finishes.

:func:`sweep` is the one entry point the CLI (``orgsim sweep``) and notebooks share::

    from simulation import sweep, load_results, summarize_results
    result = sweep("shared_revenue_weight_x_sla_window", out="runs/srw", workers=2)
    table = summarize_results(result.runs)

How a sweep runs:

1. The spec is validated and every point's scenario built (no run starts on a bad spec).
2. One short probe run (one working day of the first point's base) lists the outcome
   columns the model reports; the spec's outcomes are checked against them and they fix
   the columns of every row.
3. Each (point, replication) becomes one run with a stable run id; replication ``r`` uses
   the same seed at every point (common random numbers; see :mod:`.seeding`).
4. Runs go to an executor (:func:`~.runner.open_executor`: in-process, a process pool, or
   Dask) and each one is written to the results store as soon as it finishes. A run that
   raises becomes a failure row (its error, traceback and parameters) and the sweep goes on.
5. With ``resume=True`` only the run ids missing from the store are run.

Rows are returned (and loaded) sorted by point and replication, so the result is the same
row for row whatever the executor, the number of workers or how often the sweep was
interrupted.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import traceback as tb
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ..errors import OrgsimError, ScenarioError
from ..output import check_writable_dir
from ..runner import Results, run
from ..scenario import Scenario
from .runner import (
    DEFAULT_RUN_TIMEOUT,
    RunTimeout,
    _borrowed,
    call_with_timeout,
    check_backend,
    executor_slots,
    iter_completed,
    open_executor,
)
from .seeding import replication_seeds, run_id
from .spec import SweepSpec, load_sweep_spec
from .store import FAILED, OK, ResultsStore, load_results, row_schema, rows_to_frame

RunFunction = Callable[..., "Results | Mapping[str, Any]"]
"""``run_fn(scenario, seed=..., replication=...)`` returning :class:`Results` or a mapping of outcomes."""

NON_OUTCOME_COLUMNS = {"scenario", "seed", "replication"}


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep: which point, which replication, its seed and scenario."""

    run_id: str
    point: int
    replication: int
    seed: int
    parameters: dict[str, Any]
    scenario: Scenario
    timeseries: bool = False
    run_fn: RunFunction = run
    timeout: float | None = None


@dataclass
class RunRecord:
    """What a worker sends back: the run's row, and its daily series when asked for."""

    row: dict[str, Any]
    daily: pd.DataFrame | None = None


@dataclass
class SweepResult:
    """The outcome of :func:`sweep`.

    Attributes:
        spec: the validated spec.
        runs: every run row (this call's and earlier calls' when resuming), sorted by
            point and replication; ``status`` is ``ok`` or ``failed``.
        out: the results folder (None for an in-memory sweep).
        ran: runs executed by this call.
        skipped: runs already in the store (resume).
        elapsed_seconds: wall time of this call's runs (executor start-up excluded).
    """

    spec: SweepSpec
    runs: pd.DataFrame
    out: Path | None
    ran: int
    skipped: int
    elapsed_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Failure rows among all runs."""
        return int((self.runs["status"] == FAILED).sum()) if len(self.runs) else 0

    @property
    def total(self) -> int:
        return self.spec.n_runs


# --------------------------------------------------------------------------- executing one run


def _summary_of(result: Results | Mapping[str, Any]) -> tuple[dict[str, Any], pd.DataFrame | None]:
    if isinstance(result, Results):
        return result.summary.iloc[0].to_dict(), result.daily
    if isinstance(result, Mapping):
        return dict(result), None
    raise TypeError(f"a sweep's run function must return Results or a mapping, got {type(result).__name__}")


def execute_run(task: SweepRun) -> RunRecord:
    """Run one sweep run and build its row; an exception becomes a failure row.

    Runs in a worker (module level, so it pickles by reference). Catching here, inside the
    worker, keeps the traceback of the model's code rather than the pool's.
    """
    ident = _ident(task)
    try:
        result = call_with_timeout(task.timeout, task.run_fn, task.scenario, seed=task.seed, replication=task.replication)
        summary, daily = _summary_of(result)
    except Exception as exc:
        return RunRecord(_failure_row(ident, exc, tb.format_exc()))
    row = {
        **ident,
        "status": OK,
        "error": None,
        "traceback": None,
        **{k: v for k, v in summary.items() if k not in NON_OUTCOME_COLUMNS or k == "scenario"},
    }
    if daily is not None and task.timeseries:
        daily = daily.drop(columns=[c for c in ("seed", "replication") if c in daily])
        for pos, key in enumerate(("run_id", "point", "replication", "seed")):
            daily.insert(pos, key, ident[key])
        return RunRecord(row, daily)
    return RunRecord(row)


def _ident(task: SweepRun) -> dict[str, Any]:
    """The columns that identify a run: ids, replication, seed and the point's parameters."""
    return {"run_id": task.run_id, "point": task.point, "replication": task.replication, "seed": task.seed, **task.parameters}


def _failure_row(ident: Mapping[str, Any], exc: BaseException, trace: str) -> dict[str, Any]:
    message = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    return {**ident, "status": FAILED, "error": message, "traceback": trace}


# --------------------------------------------------------------------------- planning


def plan(spec: SweepSpec, run_fn: RunFunction = run, timeseries: bool = False, timeout: float | None = None) -> list[SweepRun]:
    """Every run of ``spec`` in canonical order (point, then replication); ``timeout``: each run's wall-clock limit."""
    seeds = replication_seeds(spec.seed, spec.replications)
    tasks = []
    for point, (params, scenario) in enumerate(zip(spec.points, spec.point_scenarios, strict=True)):
        for replication, seed in enumerate(seeds):
            tasks.append(
                SweepRun(run_id(point, params, replication, seed), point, replication, seed, dict(params), scenario, timeseries, run_fn,
                         timeout)
            )
    return tasks


def probe_outcomes(spec: SweepSpec, run_fn: RunFunction = run, timeout: float | None = None) -> dict[str, Any]:
    """An example summary row: one working day of the first point's base scenario.

    Its keys are the outcomes the model reports; its values give the column types.
    """
    scenario = spec.base_scenario(spec.points[0]).with_overrides({"horizon_days": 1}, "probe")
    try:
        summary, _ = _summary_of(call_with_timeout(timeout, run_fn, scenario, seed=0, replication=0))
    except RunTimeout:
        raise OrgsimError(f"{spec.source}: the probe run (one working day of the first point) took longer than "
                          f"the run timeout of {timeout:g} s") from None
    return {k: v for k, v in summary.items() if k not in NON_OUTCOME_COLUMNS or k == "scenario"}


def check_outcomes(spec: SweepSpec, available: Mapping[str, Any]) -> None:
    """Raise :class:`ScenarioError` for an outcome the run function does not report (or not as a number)."""
    import difflib

    for outcome in spec.outcomes:
        if outcome not in available:
            hint = difflib.get_close_matches(outcome, list(available), n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ScenarioError(f"{spec.source}: outcomes: {outcome!r} is not an outcome the model reports{suggestion}")
        value = available[outcome]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"{spec.source}: outcomes: {outcome!r} is not a number ({type(value).__name__})")


_NOT_MODEL_CODE = {"experiments", "report", "cli.py", "plots.py", "comparison.py", "output.py"}


def _code_fingerprint() -> str:
    """A hash of the model's source (and data files), to warn when a resumed sweep runs changed code.

    Parts that do not change a run's results (the runners, the CLI, charts, reports) are left out.
    """
    digest = hashlib.sha256()
    root = Path(str(files("simulation")))
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix not in (".py", ".yaml") or _NOT_MODEL_CODE & set(relative.parts):
            continue
        digest.update(str(relative).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _first_difference(stored: Any, current: Any, path: str = "") -> str | None:
    """Where two spec identities first differ, as ``path: stored -> current``."""
    if isinstance(stored, dict) and isinstance(current, dict):
        for key in list(stored) + [k for k in current if k not in stored]:
            found = _first_difference(stored.get(key), current.get(key), f"{path}.{key}" if path else str(key))
            if found:
                return found
        return None
    if isinstance(stored, list) and isinstance(current, list) and len(stored) == len(current):
        for i, (a, b) in enumerate(zip(stored, current, strict=True)):  # name the first differing item, not both lists
            found = _first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    if stored != current:
        from ..errors import short_repr

        return f"{path}: {short_repr(stored)} stored, {short_repr(current)} now"
    return None


def _run_fn_name(run_fn: RunFunction) -> str:
    return f"{getattr(run_fn, '__module__', '?')}.{getattr(run_fn, '__qualname__', repr(run_fn))}"


def _manifest(spec: SweepSpec, run_fn: RunFunction, tasks: list[SweepRun], timeseries: bool = False) -> dict[str, Any]:
    from .. import __version__

    return {
        "kind": "orgsim sweep",
        "name": spec.name,
        "source": spec.source,
        "description": spec.description,
        "spec_hash": spec.hash,
        "spec": spec.raw,
        "resolved": spec.identity(),
        "parameters": spec.parameter_names,
        "outcomes": list(spec.outcomes),
        "design": spec.design,
        "n_points": len(spec.points),
        "replications": spec.replications,
        "n_runs": len(tasks),
        "seed": spec.seed,
        "replication_seeds": replication_seeds(spec.seed, spec.replications),
        "run_fn": _run_fn_name(run_fn),
        "timeseries": timeseries,
        "orgsim_version": __version__,
        "code_fingerprint": _code_fingerprint(),
        "invocations": [],
    }


def _points_frames(spec: SweepSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    points = pd.DataFrame(spec.points, columns=spec.parameter_names)
    points.insert(0, "point", range(len(points)))
    design = pd.DataFrame(spec.design_sample.matrix, columns=spec.parameter_names)
    design.insert(0, "point", range(len(design)))
    return points, design


# --------------------------------------------------------------------------- the sweep


_HALF_CREATED = {"runs", "schema.parquet", "points.parquet", "design.parquet", ".lock"}


def half_created(out: Path) -> bool:
    """A folder a sweep was creating when it was killed: no manifest yet, so no run was stored."""
    if not out.is_dir() or (out / "manifest.json").exists():
        return False
    names = {p.name for p in out.iterdir()}
    if not names or not names <= _HALF_CREATED | {n for n in names if n.startswith(".") and n.endswith(".tmp")}:
        return False
    runs = out / "runs"
    return not runs.exists() or (runs.is_dir() and not any(runs.glob("[!.]*")))


def _check_store(spec: SweepSpec, out: Path, resume: bool, run_fn: RunFunction, timeseries: bool | None = None) -> None:
    """Refuse a results folder this sweep may not write into (reads only)."""
    if half_created(out):
        if not resume:
            raise OrgsimError(
                f"{out}: a sweep started here was stopped before its manifest was written (no run is stored); "
                "start it again with --resume, or delete the folder"
            )
        return  # --resume: nothing was stored; it is created again from the start
    if resume and (out / "manifest.json").exists():
        manifest = ResultsStore.open(out).manifest
        stored_timeseries = manifest.get("timeseries", (out / "daily").is_dir())
        if timeseries is not None and bool(stored_timeseries) != bool(timeseries):
            was = "with" if stored_timeseries else "without"
            raise OrgsimError(
                f"{out}: this sweep was started {was} --timeseries; resume it {was} --timeseries "
                "(the stored runs must all have the same files)"
            )
        if manifest.get("spec_hash") != spec.hash:
            diff = _first_difference(manifest.get("resolved"), json.loads(json.dumps(spec.identity())))
            raise OrgsimError(
                f"{out}: holds results of a different sweep spec ({manifest.get('name')}; differs at "
                f"{diff or 'the spec hash'}); choose another --out"
            )
        if manifest.get("run_fn") != _run_fn_name(run_fn):
            raise OrgsimError(f"{out}: was run with {manifest.get('run_fn')}, not {_run_fn_name(run_fn)}")
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        if resume:
            raise OrgsimError(f"{out}: not a sweep results folder (no manifest.json); nothing to resume")
        hint = " (continue it with --resume)" if (out / "manifest.json").exists() else ""
        raise OrgsimError(f"{out}: output folder exists and is not empty{hint}; choose another --out")


def check_sweep_folder(spec: SweepSpec, out: Path, resume: bool = False, timeseries: bool = False, run_fn: RunFunction | None = None) -> None:
    """Everything checked about ``out`` before a sweep starts: resumable or empty, same spec and options, writable."""
    out = Path(out)
    _check_store(spec, out, resume, run if run_fn is None else run_fn, timeseries)
    if not (out / "manifest.json").exists():
        check_writable_dir(out)


def _open_store(
    spec: SweepSpec, out: Path, resume: bool, run_fn: RunFunction, tasks: list[SweepRun], schema: pa.Schema,
    timeseries: bool = False,
) -> tuple[ResultsStore, list[str]]:
    """Open (resume) or create the results folder, and lock it for this process."""
    _check_store(spec, out, resume, run_fn, timeseries)
    notes: list[str] = []
    if resume and (out / "manifest.json").exists():
        store = ResultsStore.open(out)
        if store.manifest.get("code_fingerprint") != _code_fingerprint():
            notes.append(f"{out}: the simulation code changed since this sweep started; runs stored before and after may not be comparable")
        store.lock()
        store.remove_temporary_files()
        store.repair_schema(schema)
        return store, notes
    if resume and half_created(out):
        notes.append(f"{out}: the sweep was stopped before its manifest was written; starting it again from the first run")
        ResultsStore.clear_half_created(out)
    points, design = _points_frames(spec)
    store = ResultsStore.create(out, _manifest(spec, run_fn, tasks, timeseries), points, design, schema)
    store.lock()
    return store, notes


def sweep(
    spec: SweepSpec | str | Path,
    out: str | Path | None = None,
    *,
    workers: int = 1,
    backend: str = "process",
    scheduler: str | None = None,
    executor: Executor | None = None,
    resume: bool = False,
    retry_failed: bool = False,
    timeseries: bool = False,
    progress: bool = False,
    run_fn: RunFunction | None = None,
    on_start: Callable[[SweepSpec, int, int], None] | None = None,
    run_timeout: float | None = DEFAULT_RUN_TIMEOUT,
) -> SweepResult:
    """Run a sweep and return its rows; with ``out``, store every run as it finishes.

    Args:
        spec: a :class:`SweepSpec`, a spec file or a shipped spec's name.
        out: the results folder; None keeps the rows in memory only.
        workers: worker processes (``process``) or Dask workers of a local cluster (``dask``).
        backend: ``process`` (in-process for one worker, else a process pool) or ``dask``.
        scheduler: address of an existing Dask scheduler (``backend="dask"``).
        executor: any ``concurrent.futures.Executor`` to use instead (not shut down here).
        resume: continue the sweep stored in ``out``, running only the missing run ids. A
            folder that does not exist yet is simply started.
        retry_failed: with ``resume``, also run again the runs stored as failures.
        timeseries: also store each run's daily series (``out/daily/``).
        progress: show a progress bar on stderr (runs done / total, failures, time left).
        run_fn: the function run for each (scenario, seed); the model's ``run`` by default.
            Any picklable ``f(scenario, seed=..., replication=...)`` returning ``Results``
            or a mapping of outcomes (e.g. a cheap test function) works.
        on_start: called as ``on_start(spec, pending, stored)`` once everything is
            validated and the store is open, just before the first run starts.
        run_timeout: seconds one run may take (wall clock); a run that takes longer becomes
            a failure row and the sweep goes on. None: no limit.

    Raises:
        ScenarioError: the spec is invalid (raised before any run starts).
        OrgsimError: ``out`` is not empty and not resumable, or holds a different spec.
    """
    spec = spec if isinstance(spec, SweepSpec) else load_sweep_spec(spec)
    if retry_failed and not resume:
        raise OrgsimError("retry_failed goes with resume")
    run_fn = run if run_fn is None else run_fn
    if executor is None:
        check_backend(backend, workers, scheduler)
    if out is not None:
        out = Path(out)
        check_sweep_folder(spec, out, resume, timeseries, run_fn)  # refuse before anything runs or is written
    tasks = plan(spec, run_fn, timeseries, run_timeout)
    example = probe_outcomes(spec, run_fn, run_timeout)
    check_outcomes(spec, example)
    schema = row_schema(spec.points[0], example)

    with _borrowed(executor) if executor is not None else open_executor(backend, workers, scheduler) as pool:
        return _execute(
            spec,
            tasks,
            schema,
            out,
            pool,
            resume=resume,
            retry_failed=retry_failed,
            progress=progress,
            run_fn=run_fn,
            on_start=on_start,
            timeseries=timeseries,
            invocation={"backend": "executor" if executor is not None else backend, "workers": workers},
        )


def _execute(
    spec: SweepSpec,
    tasks: list[SweepRun],
    schema: pa.Schema,
    out: Path | None,
    pool: Executor | None,
    *,
    resume: bool,
    retry_failed: bool,
    progress: bool,
    run_fn: RunFunction,
    on_start: Callable[[SweepSpec, int, int], None] | None,
    invocation: dict[str, Any],
    timeseries: bool = False,
) -> SweepResult:
    """Open the store, run what is missing on ``pool``, store each run as it finishes."""
    store: ResultsStore | None = None
    notes: list[str] = []
    done: dict[str, str] = {}
    if out is not None:
        store, notes = _open_store(spec, out, resume, run_fn, tasks, schema, timeseries)
        schema = store.schema
        done = store.stored_runs()
    try:
        for note in notes:
            warnings.warn(note, stacklevel=3)
        stale = set(done) - {t.run_id for t in tasks}
        if stale:  # cannot happen with a matching spec hash; refuse rather than mix
            raise OrgsimError(f"{out}: holds {len(stale)} runs this spec does not define")
        keep = {rid for rid, status in done.items() if status == OK or not retry_failed}
        pending = [t for t in tasks if t.run_id not in keep]
        failed = sum(1 for rid in keep if done[rid] == FAILED)
        rows: list[dict[str, Any]] = []
        if on_start is not None:
            on_start(spec, len(pending), len(keep))
        if store is not None:
            started_at = pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
            store.update_manifest(
                invocations=[
                    *store.manifest.get("invocations", []),
                    {"started": started_at, "resume": resume, **invocation, "pending": len(pending)},
                ]
            )
        bar = _progress_bar(len(tasks), len(keep), failed, progress, spec.name)
        if pool is not None and progress:
            bar.set_description(f"{spec.name} ({executor_slots(pool)} workers)")
        started = time.perf_counter()
        try:
            for index, future in iter_completed(execute_run, pending, pool):
                task = pending[index]
                try:
                    record = future.result()
                except BrokenProcessPool as exc:
                    raise OrgsimError(f"a worker process died ({exc}); the finished runs are stored; continue with --resume") from None
                except Exception as exc:  # the executor failed this run (lost worker, pickling): record it
                    record = RunRecord(_failure_row(_ident(task), exc, "".join(tb.format_exception(exc))))
                if store is not None:
                    try:
                        store.write_run(record.row, record.daily, schema)
                    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:  # e.g. text where the model gave numbers
                        record = RunRecord(_failure_row(_ident(task), exc, f"row does not fit the store's columns: {exc}"))
                        store.write_run(record.row, None, schema)
                else:
                    rows.append(record.row)
                if record.row["status"] == FAILED:
                    failed += 1
                    bar.set_postfix(failed=failed, refresh=False)
                bar.update(1)
        finally:
            bar.close()
        elapsed = time.perf_counter() - started
        if store is not None:
            invocations = store.manifest.get("invocations", [])
            invocations[-1].update(finished=pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"), elapsed_seconds=round(elapsed, 3))
            store.update_manifest(invocations=invocations)
    finally:
        if store is not None:
            store.unlock()
    runs = load_results(store.root) if store is not None else rows_to_frame(rows, schema)
    return SweepResult(
        spec=spec,
        runs=runs,
        out=store.root if store else None,
        ran=len(pending),
        skipped=len(keep),
        elapsed_seconds=elapsed,
        warnings=notes,
    )


def _progress_bar(total: int, initial: int, failed: int, enabled: bool, name: str):
    from tqdm import tqdm

    bar = tqdm(total=total, initial=initial, unit="run", desc=name, disable=not enabled, file=sys.stderr, dynamic_ncols=True, smoothing=0.1)
    if failed:
        bar.set_postfix(failed=failed, refresh=False)
    return bar
