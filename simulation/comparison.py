"""Compare org designs on common random numbers: means with intervals and paired differences."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from .errors import OrgsimError, ScenarioError
from .experiments.analysis import KEY_OUTCOMES, paired_differences, summarize_by
from .experiments.runner import DEFAULT_RUN_TIMEOUT, RunTask, default_workers, run_tasks, summary_and_daily
from .runner import replication_seeds
from .scenario import PRESETS, Scenario, load_scenario

# Eight replications keep `orgsim compare` on the six presets under a minute on two cores
# (see docs/performance.md); with common random numbers the paired differences stay
# informative. Use --replications for narrower intervals.
DEFAULT_REPLICATIONS = 8
BASELINE = "separate_targets"

MAX_RUNS = 1_000_000
"""Most runs one comparison may hold: every run's rows (and daily series) stay in memory until the end."""


@dataclass
class Comparison:
    """The result of :func:`compare`.

    Attributes:
        runs: one summary row per (scenario, replication); ``status`` is ``ok`` or
            ``failed`` (a run that raised or timed out: its ``error``, outcomes empty).
        summary: per scenario and outcome, the mean and 95% interval.
        differences: per scenario and outcome, the paired difference against ``baseline``.
        baseline: the reference design's name.
        daily: the daily series of every run (``scenario``, ``replication``, ``day``, ...).
        scenarios, seed, replications, days, outcomes: how it was run (what :meth:`save`
            records in ``meta.json``; ``outcomes`` None: the default key outcomes).
        crossover: after :meth:`save`, the quarter from which each design's cumulative
            bookings keep the sign they end with against the baseline (the J-curve's payback).
        quarterly: one row per run and quarter (``experiments.quarterly.quarterly_outcomes``).
        roadmaps: each roadmap (a scenario with a timeline) and the design it starts from.
        roadmap_quarterly: per roadmap, quarter and outcome, the paired difference against
            its starting design and the cumulative difference, with 95% intervals.
        payback: per roadmap, the payback quarter with its interval, the dip and the trough.
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    baseline: str
    daily: pd.DataFrame | None = None
    quarterly: pd.DataFrame | None = None
    roadmaps: dict[str, str] | None = None
    roadmap_quarterly: pd.DataFrame | None = None
    payback: pd.DataFrame | None = None
    scenarios: list[Scenario] = field(default_factory=list, repr=False)
    seed: int | None = None
    replications: int | None = None
    days: int | None = None
    outcomes: list[str] | None = None
    crossover: pd.DataFrame | None = field(default=None, repr=False)
    folder: Path | None = None

    def save(self, folder: str | Path, charts: bool = True, explain: bool = False) -> Path:
        """Write the results folder ``orgsim compare`` writes: ``meta.json``, the run rows, summary,
        paired differences, daily series and quarterly cumulative bookings (CSV and Parquet), the
        designs as scenario files and, with ``charts``, the charts (PNG and SVG). ``folder`` must
        be new or empty (:class:`OrgsimError` otherwise); returns it.
        """
        from . import __version__
        from .output import check_out_dir, write_results

        out = Path(folder)
        check_out_dir(out)
        meta = {
            "command": "compare",
            "scenarios": {s.name: s.model_dump() for s in self.scenarios},
            "replications": self.replications,
            "seed": self.seed,
            "baseline": self.baseline,
            "days": self.days,
            "explain": explain,
            "outcomes": self.outcomes,
            "version": __version__,
        }
        frames = {"runs": self.runs, "summary": self.summary, "differences": self.differences}
        if self.daily is not None:
            frames["daily"] = self.daily
            from .experiments.analysis import cumulative_by_quarter

            ok_daily = self.daily.merge(self.runs.loc[self.runs["status"] == "ok", ["scenario", "replication"]])
            if len(ok_daily) and self.baseline in set(ok_daily["scenario"]):
                frames["cumulative"], self.crossover = cumulative_by_quarter(ok_daily, self.baseline)
                frames["crossover"] = self.crossover
        if self.quarterly is not None:
            frames["quarterly"] = self.quarterly
        if self.roadmap_quarterly is not None:
            frames["roadmap_quarterly"] = self.roadmap_quarterly
            frames["payback"] = self.payback
            meta["roadmaps"] = self.roadmaps
        write_results(out, frames, meta)
        write_designs(out, self.scenarios)  # OUT/designs/<name>.yaml: the report's "reproduce with" reruns them
        ok_runs = self.runs[self.runs["status"] == "ok"]
        if charts and len(ok_runs):
            from .plots import write_compare_charts

            write_compare_charts(ok_runs, self.differences, self.daily, out / "charts")
            if self.roadmap_quarterly is not None:
                from .plots.jcurve import write_jcurve_charts

                write_jcurve_charts(self.roadmap_quarterly, self.payback, out / "charts")
        self.folder = out
        return out

    def report(
        self,
        html: str | Path | None = None,
        pdf: str | Path | None = None,
        pptx: str | Path | None = None,
        folder: str | Path | None = None,
        force: bool = False,
        **options,
    ):
        """Write the report of this comparison, as ``orgsim report`` does: ``html`` (default
        ``FOLDER/report.html``), and ``pdf`` and ``pptx`` if given.

        The report is built from a results folder: ``folder`` if given (saved there first if it
        does not hold these results yet), else the folder of the last :meth:`save`, else a new
        folder beside ``html`` (``<html stem>_results``). ``options``: ``title``, ``subtitle``,
        ``client``, ``logo``, ``outcomes``, ``robustness``, ``validation`` (see
        :func:`simulation.report.build_report`). Returns the written files.
        """
        from .report import build_report

        if folder is not None and (self.folder is None or Path(folder).resolve() != self.folder.resolve()):
            self.save(folder)
        elif folder is None and self.folder is None:
            if html is None:
                raise OrgsimError("comparison.report(): give html=FILE or folder=DIR (or save() the comparison first)")
            self.save(Path(html).with_name(f"{Path(html).stem}_results"))
        return build_report(self.folder, out=html, pdf=pdf, pptx=pptx, force=force, **options)

    @property
    def failures(self) -> pd.DataFrame:
        """The failure rows (scenario, seed, replication, error, traceback)."""
        if "status" not in self.runs:
            return self.runs.iloc[0:0]
        return self.runs[self.runs["status"] == "failed"]


def compare(
    scenarios: Sequence[Scenario | str] | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = 0,
    workers: int | None = None,
    days: int | None = None,
    baseline: str = BASELINE,
    outcomes: Sequence[str] = KEY_OUTCOMES,
    progress: bool = False,
    daily: bool = True,
    run_timeout: float | None = DEFAULT_RUN_TIMEOUT,
    max_runs: int | None = None,
    executor: Executor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run every scenario on the same replication seeds and compare them.

    Args:
        scenarios: scenarios, preset names or YAML paths; default the six presets. The
            baseline design is added if it is not among them.
        replications: runs per scenario; every scenario uses the same seeds.
        seed: the root seed of ``SeedSequence(seed).spawn(replications)``.
        workers: worker processes (1 runs in this process); default all cores, as
            ``orgsim compare`` does.
        days: override every scenario's horizon.
        daily: also keep every run's daily series (for charts over time).
        run_timeout: seconds one run may take (wall clock); a run that takes longer, or
            raises, becomes a failure row (``status`` ``failed``, its ``error``) and the
            other runs go on. None: no limit.
        max_runs: refuse (:class:`OrgsimError`) a comparison of more runs than this,
            before anything is built.
        executor: run on this executor (the caller owns it) instead of a pool of ``workers``.
        on_progress: called as ``on_progress(done, total)`` after each run; an exception it
            raises stops the comparison (the dashboard's progress bar and Cancel).
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    given = list(scenarios or PRESETS)
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in given]
    check_unique_names([s.name for s in loaded], given)
    loaded, roadmaps = with_starting_designs(loaded)
    names = [s.name for s in loaded]
    designs = list(loaded)  # as given, with roadmaps' starting designs (meta.json and designs/ record these)
    if workers is None:
        workers = default_workers()
    # The baseline may be a preset name, a YAML path, or the name of a design given above.
    if baseline not in names:
        reference = load_scenario(baseline)
        baseline = reference.name
        if baseline not in names:
            loaded.insert(0, reference)
    check_run_count(len(loaded), replications, max_runs)
    seeds = replication_seeds(seed, replications)
    tasks = [RunTask(sc, s, r, days, run_timeout) for sc in loaded for r, s in enumerate(seeds)]
    fn = summary_and_daily if daily else _summary_pair
    results = run_tasks(tasks, workers=workers, progress=progress, fn=fn, keep_going=True, executor=executor, on_progress=on_progress)
    ok = [r for r in results if not isinstance(r, BaseException)]
    if not ok:  # nothing to take the columns from: run nothing more, report every failure
        runs = pd.DataFrame([_failure_row(t, exc) for t, exc in zip(tasks, results, strict=True)])
        runs = runs.reindex(columns=["scenario", "seed", "replication", *outcomes, "status", "error", "traceback"])
        runs[list(outcomes)] = runs[list(outcomes)].astype(float)
        daily_frame = None
    else:
        columns = list(ok[0][0].columns)
        frames = []
        for task, result in zip(tasks, results, strict=True):
            if isinstance(result, BaseException):
                frames.append(pd.DataFrame([_failure_row(task, result)]).reindex(columns=[*columns, "status", "error", "traceback"]))
            else:
                frames.append(result[0].assign(status="ok", error=None, traceback=None))
        runs = pd.concat(frames, ignore_index=True)
        daily_frame = pd.concat([p[1] for p in ok], ignore_index=True) if daily else None
    quarterly = roadmap_frame = payback_frame = None
    if daily_frame is not None:
        from .experiments.quarterly import payback, quarterly_outcomes, roadmap_quarterly

        ok_keys = runs.loc[runs["status"] == "ok", ["scenario", "replication"]]
        quarterly = quarterly_outcomes(daily_frame.merge(ok_keys))
        if roadmaps:
            switch = {s.name: s.timeline[0].at_quarter for s in loaded if s.name in roadmaps}
            roadmap_frame = roadmap_quarterly(quarterly, roadmaps, switch)
            payback_frame = payback(roadmap_frame)
    return Comparison(
        scenarios=designs,
        seed=seed,
        replications=replications,
        days=days,
        outcomes=None if tuple(outcomes) == tuple(KEY_OUTCOMES) else list(outcomes),
        quarterly=quarterly,
        roadmaps=roadmaps or None,
        roadmap_quarterly=roadmap_frame,
        payback=payback_frame,
        daily=daily_frame,
        runs=runs,
        # Failure rows leave their outcomes empty: left out of the means (n counts the runs that
        # finished) and of the paired differences (a pair needs both runs).
        summary=summarize_by(runs, "scenario", outcomes),
        differences=paired_differences(runs, baseline, "scenario", "replication", outcomes),
        baseline=baseline,
    )


def check_outcomes(outcomes: Sequence[str] | None) -> list[str] | None:
    """``outcomes`` if every one is a run-summary outcome orgsim knows; :class:`OrgsimError` naming the first that is not."""
    if not outcomes:
        return None
    from .metrics import FRICTION_COMPONENTS
    from .plots import MEASURES

    known = [*MEASURES, *(f"friction_{c}" for c in FRICTION_COMPONENTS)]
    for outcome in outcomes:
        if outcome not in known:
            raise OrgsimError(f"--outcomes: unknown outcome {outcome!r}; allowed: {', '.join(known)}")
    if len(set(outcomes)) != len(outcomes):
        raise OrgsimError("--outcomes: an outcome is listed twice")
    return list(outcomes)


def _content(scenario: Scenario, horizon: bool = True) -> dict:
    data = scenario.model_dump()
    for key in ("name", "description", "timeline", *(() if horizon else ("horizon_days",))):
        data.pop(key, None)
    return data


def with_starting_designs(scenarios: Sequence[Scenario]) -> tuple[list[Scenario], dict[str, str]]:
    """The scenarios plus the design each roadmap starts from, and {roadmap: its starting design}.

    A roadmap's starting design is the roadmap without its timeline. It is a listed design
    with the same levers and horizon, if there is one; else the preset with the same
    levers (named after it, at the roadmap's horizon; ``PRESET_12q`` if that name is taken);
    else ``start_of_ROADMAP``. Roadmaps with the same starting design share one.
    """
    out = list(scenarios)
    refs: dict[str, str] = {}
    preset_content = None
    for roadmap in [s for s in scenarios if s.timeline]:
        start = roadmap.starting_design()
        content = _content(start)
        match = next((s for s in out if not s.timeline and _content(s) == content), None)
        if match is None:
            if preset_content is None:
                preset_content = {p: _content(load_scenario(p), horizon=False) for p in PRESETS}
            preset = next((p for p, c in preset_content.items() if c == _content(start, horizon=False)), None)
            taken = {s.name for s in out}
            if preset is None:
                name = f"start_of_{roadmap.name}"
            elif preset not in taken:
                name = preset
            else:
                name = f"{preset}_{-(-start.horizon_days // 63)}q"
            match = start.model_copy(update={"name": name, "description": f"the design {roadmap.name} starts from"})
            out.append(match)
        refs[roadmap.name] = match.name
    return out, refs


def check_unique_names(names: Sequence[str], given: Sequence[Scenario | str] | None = None) -> None:
    """:class:`ScenarioError` when two designs share a name (their rows could not be told apart);
    ``given`` (what the user passed: names, paths, Scenario objects) makes the message say which."""
    if len(set(names)) != len(names):
        raise ScenarioError(_duplicate_names_message(given, names))


def check_run_count(designs: int, replications: int, max_runs: int | None) -> int:
    """``designs x replications``; :class:`OrgsimError` above ``max_runs`` (None: no limit)."""
    total = designs * replications
    if total > MAX_RUNS:
        raise OrgsimError(
            f"{designs} designs x {replications:,} replications = {total:,} runs, more than the {MAX_RUNS:,} a "
            "comparison can hold in memory; use fewer replications (or a sweep, which stores each run as it finishes)"
        )
    if max_runs is not None and total > max_runs:
        raise OrgsimError(
            f"{designs} designs x {replications:,} replications = {total:,} runs, more than the limit of "
            f"{max_runs:,}; pass --max-runs {total} to run them all, or use fewer replications"
        )
    return total


def _summary_pair(task: RunTask) -> tuple[pd.DataFrame, None]:
    from .experiments.runner import execute

    return execute(task).summary, None


def _failure_row(task: RunTask, exc: BaseException) -> dict[str, object]:
    message = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    return {
        "scenario": task.scenario.name,
        "seed": int(task.seed),
        "replication": int(task.replication),
        "status": "failed",
        "error": message,
        "traceback": "".join(traceback.format_exception(exc)),
    }


def _duplicate_names_message(given: Sequence[Scenario | str] | None, names: Sequence[str]) -> str:
    """Two designs with one name cannot be told apart in the results: say which, and how to fix it."""
    name = next(n for n in names if names.count(n) > 1)
    which = (
        ["a Scenario object" if isinstance(s, Scenario) else repr(str(s)) for s, n in zip(given, names, strict=True) if n == name]
        if given is not None and len(given) == len(names)
        else []
    )
    return (
        f"two designs are named {name!r}{' (' + ' and '.join(which) + ')' if which else ''}; results are labelled by name, so give each a "
        f"distinct one: scenario.with_overrides({{'name': '{name}_2', ...}}) in Python, or a different file name"
    )


def write_designs(folder: str | Path, scenarios: Sequence[Scenario]) -> list[Path]:
    """Keep every design of a comparison as a runnable scenario file, ``FOLDER/designs/<name>.yaml``.

    Each file is the fully resolved scenario (every field, no ``base:``), so
    ``orgsim compare FOLDER/designs/*.yaml`` reruns the comparison anywhere, even after the
    presets or the calibration change, and custom designs made in Python are kept too.
    """
    out = Path(folder) / DESIGNS_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for scenario in scenarios:
        data = scenario.model_dump(mode="json")
        data.pop("name", None)  # a scenario file takes its name from the file name
        path = out / f"{scenario.name}.yaml"
        path.write_text(
            f"# {scenario.name}: the design as this comparison ran it (orgsim compare {DESIGNS_DIR}/*.yaml reruns it)\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )
        written.append(path)
    return written


DESIGNS_DIR = "designs"
"""The folder of a compare results folder that keeps each design as a scenario file."""
