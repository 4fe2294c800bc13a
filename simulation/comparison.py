"""Compare org designs on common random numbers: means with intervals and paired differences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from .errors import ScenarioError
from .experiments.analysis import KEY_OUTCOMES, paired_differences, summarize_by
from .experiments.runner import RunTask, default_workers, run_tasks, summary_and_daily
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
    workers: int | None = None,
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
        workers: worker processes (1 runs in this process); default all cores, as
            ``orgsim compare`` does.
        days: override every scenario's horizon.
        daily: also keep every run's daily series (for charts over time).
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    given = list(scenarios or PRESETS)
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in given]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        raise ScenarioError(_duplicate_names_message(given, names))
    if workers is None:
        workers = default_workers()
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


def _duplicate_names_message(given: Sequence[Scenario | str], names: list[str]) -> str:
    """Two designs with one name cannot be told apart in the results: say which, and how to fix it."""
    name = next(n for n in names if names.count(n) > 1)
    which = ["a Scenario object" if isinstance(s, Scenario) else repr(s) for s, n in zip(given, names, strict=True) if n == name]
    return (
        f"two designs are named {name!r} ({' and '.join(which)}); results are labelled by name, so give each a "
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
