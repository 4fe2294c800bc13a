"""The one contract between the model and everything that runs it: ``run(scenario, seed)``."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd

from .metrics import lead_frame, summarize
from .model import OrgModel
from .scenario import Scenario, load_scenario


@dataclass
class Results:
    """Tidy results of one run.

    Attributes:
        daily: one row per working day (stage counts, pipeline, bookings, costs, trust,
            friction components); columns ``scenario``, ``seed``, ``replication`` first.
        summary: a one-row frame (see README, "Output columns").
        leads: one row per lead (account and its segment, source, stage, reason, score,
            timestamps, speed to lead, who worked it, deal value and discount).
    """

    daily: pd.DataFrame
    summary: pd.DataFrame
    leads: pd.DataFrame


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Independent seeds for ``replications`` runs, from ``SeedSequence(seed).spawn``.

    Every design run with the same (seed, replications) gets the same seeds: common
    random numbers, so differences between designs are paired.
    """
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


def run(scenario: Scenario | str, seed: int = 0, replication: int = 0, days: int | None = None) -> Results:
    """Simulate one scenario with one seed and return tidy frames.

    Args:
        scenario: a :class:`Scenario`, a preset name or a YAML path.
        seed: the run's seed; the same seed gives identical frames.
        replication: recorded in the output (which replication this seed is).
        days: override the scenario's horizon (working days).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if days is not None:
        scenario = scenario.with_overrides({"horizon_days": days}, "--days")
    model = OrgModel(scenario, seed=seed)
    for _ in range(scenario.horizon_days):
        model.step()
    daily = model.recorder.frame()
    ident = {"scenario": scenario.name, "seed": int(seed), "replication": int(replication)}
    for pos, (key, value) in enumerate(ident.items()):
        daily.insert(pos, key, value)
    row = summarize(model)
    row = {**ident, **{k: v for k, v in row.items() if k not in ident}}
    results = Results(daily=daily, summary=pd.DataFrame([row]), leads=lead_frame(model))
    _release(model)
    return results


def _release(model: OrgModel) -> None:
    """Let a finished model be freed.

    Mesa 3.3 numbers agents per model in a class-level table (``mesa.Agent._ids``) that
    keeps a reference to every model ever created, so a process running many models in
    turn (a sweep, a calibration) would keep them all alive (mesa#3179). Newer Mesa
    versions do not have that table; then there is nothing to drop.
    """
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)
