"""Compare org designs on common random numbers: means with intervals and paired differences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .errors import ScenarioError
from .experiments.analysis import KEY_OUTCOMES, paired_differences, summarize_by
from .experiments.runner import RunTask, run_tasks, summary_and_daily
from .runner import replication_seeds
from .scenario import PRESETS, Scenario, load_scenario

# Eight replications keep `orgsim compare` on the six presets under a minute on two cores
# (see docs/performance.md); with common random numbers the paired differences stay
# informative. Use --replications for narrower intervals.
DEFAULT_REPLICATIONS = 8
BASELINE = "separate_targets"


@dataclass
class Comparison:
    """The result of :func:`compare`.

    Attributes:
        runs: one summary row per (scenario, replication).
        summary: per scenario and outcome, the mean and 95% interval.
        differences: per scenario and outcome, the paired difference against ``baseline``.
        baseline: the reference design's name.
        daily: the daily series of every run (``scenario``, ``replication``, ``day``, ...).
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    baseline: str
    daily: pd.DataFrame | None = None


def compare(
    scenarios: Sequence[Scenario | str] | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = 0,
    workers: int = 1,
    days: int | None = None,
    baseline: str = BASELINE,
    outcomes: Sequence[str] = KEY_OUTCOMES,
    progress: bool = False,
    daily: bool = True,
) -> Comparison:
    """Run every scenario on the same replication seeds and compare them.

    Args:
        scenarios: scenarios, preset names or YAML paths; default the six presets. The
            baseline design is added if it is not among them.
        replications: runs per scenario; every scenario uses the same seeds.
        seed: the root seed of ``SeedSequence(seed).spawn(replications)``.
        workers: worker processes (1 runs in this process).
        days: override every scenario's horizon.
        daily: also keep every run's daily series (for charts over time).
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in (scenarios or PRESETS)]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ScenarioError(f"two scenarios share the name {dupes[0]!r}; rename one file")
    # The baseline may be a preset name, a YAML path, or the name of a design given above.
    if baseline not in names:
        reference = load_scenario(baseline)
        baseline = reference.name
        if baseline not in names:
            loaded.insert(0, reference)
    seeds = replication_seeds(seed, replications)
    tasks = [RunTask(sc, s, r, days) for sc in loaded for r, s in enumerate(seeds)]
    if daily:
        pairs = run_tasks(tasks, workers=workers, progress=progress, fn=summary_and_daily)
        runs = pd.concat([p[0] for p in pairs], ignore_index=True)
        daily_frame = pd.concat([p[1] for p in pairs], ignore_index=True)
    else:
        runs = pd.concat(run_tasks(tasks, workers=workers, progress=progress), ignore_index=True)
        daily_frame = None
    return Comparison(
        daily=daily_frame,
        runs=runs,
        summary=summarize_by(runs, "scenario", outcomes),
        differences=paired_differences(runs, baseline, "scenario", "replication", outcomes),
        baseline=baseline,
    )
