"""Fit the calibrated parameters to the published targets (``orgsim calibrate``).

The calibrated parameters are the scenario fields whose defaults are read from
``simulation/calibration.yaml`` (``behaviour.accept_bar``, ``behaviour.recency_decay``,
``behaviour.no_decision_base``, ``behaviour.no_decision_neglect``,
``behaviour.win_intercept``, ``leadership.quota_percentile``): no published figure gives
their value directly, so they are chosen to make the model reproduce published patterns.

Procedure (documented in ``docs/model.md``, section *Calibration*):

1. **Search space.** Each parameter ranges over the interval given in ``targets.yaml``
   (``parameters:``); the search runs on the unit cube, each coordinate mapped linearly to
   its interval, and every candidate is rounded to the precision it is shipped with
   (:data:`PRECISION`) *before* it is simulated, so the shipped values are exactly the ones
   evaluated.
2. **Objective.** For a candidate, the design each fit target names is run ``replications``
   times on fixed seeds (common random numbers: every candidate sees the same markets and
   the same arrivals); each target's simulated mean is scored
   ``((mean - published) / (bound - published))**2`` (1 at the edge of the published range,
   see :meth:`Target.score`); the objective is the weighted sum over the fit targets plus a
   weak ridge ``0.1 * sum(((value - middle) / width)**2)`` that settles parameters the
   targets do not identify.
3. **Global stage.** A Latin hypercube (McKay et al. 1979; ``scipy.stats.qmc``) of a third of
   the budget (at least ``2 d + 1`` points), all candidates run as one batch on the
   experiments runner (every worker busy).
4. **Local stage.** Bounded Nelder--Mead (``scipy.optimize.minimize``) from the best
   hypercube point with the rest of the budget; each evaluation's replications run in
   parallel.
5. **Final choice.** The objective is noisy (one run's objective has a standard deviation of
   about 2, mostly from quota attainment over 20 AEs), so the four best candidates are rerun
   with three times the replications and the best of them by the objective over all its
   replications is kept (re-evaluating the elite guards against a winner chosen by noise).
6. **Result.** That candidate is written as the new calibration file, with every target's
   simulated mean and score at it (over all its replications) and the procedure's settings.
   Nothing in the file depends on the time or the number of workers, so the same seed,
   budget and replications reproduce the same file.

The calibration seeds differ from ``orgsim validate``'s default seeds, so validation runs
on replications the fit never saw.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import optimize
from scipy.stats import qmc

from .errors import OrgsimError
from .experiments.runner import open_executor
from .runner import replication_seeds
from .scenario import CALIBRATED, CALIBRATION_FILE
from .validation import (
    TargetSet,
    load_targets,
    measurement_tasks,
    model_fingerprint,
    run_measurements,
    summarize_targets,
)

DEFAULT_BUDGET = 56
"""Candidates evaluated (a third on the hypercube, the rest Nelder--Mead). With 3 replications
and the final reruns (4 x 6) that is 192 eight-quarter runs: about 4 minutes on 2 idle cores,
8 on a busy machine."""
DEFAULT_REPLICATIONS = 3
DEFAULT_SEED = 2011
"""Root seed of the calibration replications (HBR 2011); ``orgsim validate`` uses 0."""
ELITE = 4
"""Candidates rerun at the end with more replications; the best of them is shipped."""
FINAL_FACTOR = 3
"""The finalists run ``FINAL_FACTOR x replications`` times (the first ``replications`` are reused)."""
RIDGE = 0.1
"""Weight of the ridge toward the middle of each search interval."""
PRECISION: dict[str, float] = {
    "behaviour.accept_bar": 0.001,
    "behaviour.recency_decay": 0.0005,
    "behaviour.no_decision_base": 0.001,
    "behaviour.no_decision_neglect": 0.001,
    "behaviour.win_intercept": 0.001,
    "leadership.quota_percentile": 0.1,
}
"""The step each parameter is rounded to (and shipped with)."""
DEFAULT_PRECISION = 0.001

HEADER = """\
# The shipped calibration: fitted values of the parameters no published figure pins down.
# Each value under `parameters` is the default of its scenario field (see docs/model.md,
# section Calibration). Written by `orgsim calibrate`; the same command with the same seed,
# budget and replications reproduces this file. `fit` records every target at these values.
"""


@dataclass
class Calibration:
    """The result of :func:`calibrate`.

    Attributes:
        parameters: the best candidate, ``{dotted path: value}``.
        objective: its objective value.
        fit: per target, the simulated mean with its interval and score at the best candidate.
        history: one row per candidate evaluated: ``evaluation``, ``stage``, the parameters,
            ``objective`` and each target's simulated mean.
        procedure: the settings, as written to the calibration file.
        seed: the root seed of the replications.
    """

    parameters: dict[str, float]
    objective: float
    fit: pd.DataFrame
    history: pd.DataFrame
    procedure: dict[str, Any]
    seed: int
    fingerprint: str = field(default_factory=model_fingerprint)


def _round(value: float, step: float) -> float:
    return float(round(round(value / step) * step, 10))


class _Problem:
    """The objective on the unit cube, memoised, run on one executor for the whole fit."""

    def __init__(
        self, targets: TargetSet, seeds: Sequence[int], executor, workers: int, log: Callable[[str], None], days: int | None = None
    ):
        self.targets = targets
        self.fit_targets = targets.select(use="fit")
        if not len(self.fit_targets):
            raise OrgsimError(f"{targets.source}: no target has use: fit")
        self.paths = list(targets.parameters)
        self.bounds = np.array([targets.parameters[p] for p in self.paths], dtype=float)
        self.seeds = list(seeds)
        self.executor = executor
        self.workers = workers
        self.log = log
        self.days = days
        self.cache: dict[tuple[float, ...], float] = {}
        self.run_rows: dict[tuple[float, ...], pd.DataFrame] = {}
        self.rows: list[dict[str, Any]] = []
        self.tables: dict[tuple[float, ...], pd.DataFrame] = {}
        self.final: tuple[dict[str, float], float, pd.DataFrame] | None = None

    def values(self, u: np.ndarray) -> dict[str, float]:
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        raw = self.bounds[:, 0] + u * (self.bounds[:, 1] - self.bounds[:, 0])
        return {p: _round(v, PRECISION.get(p, DEFAULT_PRECISION)) for p, v in zip(self.paths, raw, strict=True)}

    def ridge(self, values: Mapping[str, float]) -> float:
        total = 0.0
        for (low, high), p in zip(self.bounds, self.paths, strict=True):
            width = high - low
            if width > 0:
                total += ((values[p] - 0.5 * (low + high)) / width) ** 2
        return RIDGE * total

    def objective_of(self, table: pd.DataFrame, values: Mapping[str, float]) -> float:
        weights = {t.name: t.weight for t in self.fit_targets}
        fit = table[table["target"].isin(weights)]
        return float(sum(weights[r["target"]] * r["score"] for _, r in fit.iterrows())) + self.ridge(values)

    def evaluate_many(self, points: Sequence[np.ndarray], stage: str) -> list[float]:
        """Objective at each point; new candidates run as one batch."""
        candidates = [self.values(u) for u in points]
        keys = [tuple(c.values()) for c in candidates]
        todo = []
        for key, cand in zip(keys, candidates, strict=True):
            if key not in self.cache and key not in [k for k, _ in todo]:
                todo.append((key, cand))
        if todo:
            tasks = []
            for i, (_, cand) in enumerate(todo):
                tasks += measurement_tasks(self.targets, self.seeds, cand, days=self.days, label=str(i))
            runs = run_measurements(tasks, workers=self.workers, executor=self.executor)
            for i, (key, cand) in enumerate(todo):
                self.run_rows[key] = runs[runs["label"] == str(i)]
                value = self._record(key, cand, stage)
                self.cache[key] = value
        return [self.cache[k] for k in keys]

    def _record(self, key: tuple[float, ...], cand: dict[str, float], stage: str) -> float:
        table = summarize_targets(self.targets, self.run_rows[key])
        value = self.objective_of(table, cand)
        self.tables[key] = table
        row = {"evaluation": len(self.rows) + 1, "stage": stage, "replications": int(len(self.run_rows[key])), **cand, "objective": value}
        row.update({f"sim.{r['target']}": r["mean"] for _, r in table.iterrows()})
        self.rows.append(row)
        best = min([value, *self.cache.values()])
        self.log(
            f"[{len(self.rows):>3}] {stage:<11} objective {value:8.3f} (best {best:.3f})  "
            + " ".join(f"{p.split('.')[-1]}={v:g}" for p, v in cand.items())
        )
        return value

    def reevaluate(self, elite: int, extra_seeds: Sequence[int]) -> tuple[dict[str, float], float, pd.DataFrame]:
        """Rerun the ``elite`` best candidates on ``extra_seeds`` as well and choose among them by
        the objective over all their replications (guards against a candidate that won on noise)."""
        ranked = sorted(self.cache, key=lambda k: (self.cache[k], k))[:elite]
        tasks = []
        for i, key in enumerate(ranked):
            cand = dict(zip(self.paths, key, strict=True))
            tasks += measurement_tasks(self.targets, list(extra_seeds), cand, days=self.days, label=str(i))
        runs = run_measurements(tasks, workers=self.workers, executor=self.executor) if tasks else pd.DataFrame()
        final: dict[tuple[float, ...], float] = {}
        for i, key in enumerate(ranked):
            if len(runs):
                self.run_rows[key] = pd.concat([self.run_rows[key], runs[runs["label"] == str(i)]], ignore_index=True)
            final[key] = self._record(key, dict(zip(self.paths, key, strict=True)), "final")
        key = min(final, key=lambda k: (final[k], k))
        return dict(zip(self.paths, key, strict=True)), final[key], self.tables[key]


class _BudgetSpent(Exception):
    """Raised inside the optimiser when every candidate of the budget has been simulated."""


def _latin_hypercube(d: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    try:
        sampler = qmc.LatinHypercube(d, rng=rng)
    except TypeError:  # scipy < 1.15 names it seed
        sampler = qmc.LatinHypercube(d, seed=rng)
    return sampler.random(n)


def calibrate(
    targets: TargetSet | None = None,
    budget: int = DEFAULT_BUDGET,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = DEFAULT_SEED,
    workers: int = 1,
    executor=None,
    log: Callable[[str], None] | None = None,
    days: int | None = None,
) -> Calibration:
    """Fit the parameters of ``targets.parameters`` to the fit targets (see the module docstring).

    Args:
        targets: the targets (default: the shipped ``targets.yaml``).
        budget: candidates to evaluate in all; a third (at least ``2 d + 1``) go to the hypercube.
        replications: runs per candidate, on the seeds ``SeedSequence(seed).spawn(replications)``.
        seed: root seed of the replications and of the hypercube.
        workers: worker processes (1 runs in this process).
        executor: an executor to use instead of opening a process pool.
        log: called with one line per candidate (default: silent).
        days: override the horizon of every run (for quick checks; the shipped fit uses the presets' horizon).
    """
    targets = targets or load_targets()
    d = len(targets.parameters)
    if d == 0:
        raise OrgsimError(f"{targets.source}: no parameters to calibrate")
    if budget < 2 * d + 2:
        raise OrgsimError(f"budget = {budget}: must be at least {2 * d + 2} (2 x {d} parameters + 2)")
    if replications < 1:
        raise OrgsimError(f"replications = {replications}: must be at least 1")
    log = log or (lambda line: None)
    fingerprint = model_fingerprint()  # the code the workers run, taken before they start
    n_lhs = max(2 * d + 1, budget // 3)
    seeds = replication_seeds(seed, replications)

    def run(pool) -> _Problem:
        problem = _Problem(targets, seeds, pool, workers, log, days)
        points = _latin_hypercube(d, n_lhs, seed)
        scores = problem.evaluate_many(list(points), "hypercube")
        start = points[int(np.argmin(scores))]
        remaining = budget - len(problem.rows)
        if remaining > d + 1:
            # Initial simplex: the best point and a step of 0.1 of each range along each axis, kept inside the cube.
            simplex = [start]
            for i in range(d):
                vertex = start.copy()
                vertex[i] = vertex[i] + 0.1 if vertex[i] + 0.1 <= 1.0 else vertex[i] - 0.1
                simplex.append(vertex)

            def f(u: np.ndarray) -> float:
                key = tuple(problem.values(u).values())
                if key not in problem.cache and len(problem.rows) >= budget:
                    raise _BudgetSpent
                return problem.evaluate_many([u], "nelder-mead")[0]

            try:
                optimize.minimize(
                    f,
                    start,
                    method="Nelder-Mead",
                    bounds=[(0.0, 1.0)] * d,
                    options={"initial_simplex": np.array(simplex), "maxfev": 20 * budget, "xatol": 1e-3, "fatol": 1e-3},
                )
            except _BudgetSpent:
                pass
        extra = replication_seeds(seed, FINAL_FACTOR * replications)[replications:]
        problem.final = problem.reevaluate(ELITE, extra)
        return problem

    if executor is None:
        with open_executor("process", max(1, workers)) as pool:
            problem = run(pool)
    else:
        problem = run(executor)

    best, value, table = problem.final
    procedure = {
        "method": "Latin hypercube (scipy.stats.qmc) then bounded Nelder-Mead (scipy.optimize), on common random numbers; "
        f"the {ELITE} best candidates rerun with {FINAL_FACTOR} x the replications and the best of them kept",
        "budget": budget,
        "hypercube_points": n_lhs,
        "evaluations": int(sum(1 for r in problem.rows if r["stage"] != "final")),
        "replications": replications,
        "final_candidates": ELITE,
        "final_replications": FINAL_FACTOR * replications,
        "objective": "sum over fit targets of weight x ((mean - published) / (range bound - published))^2 "
        f"+ {RIDGE} x sum over parameters of ((value - middle) / width)^2",
        "search_space": {p: list(b) for p, b in targets.parameters.items()},
        "targets_file": Path(targets.source).name,
    }
    if days is not None:
        procedure["days"] = days
    return Calibration(best, value, table, pd.DataFrame(problem.rows), procedure, seed, fingerprint)


def calibration_document(result: Calibration) -> dict[str, Any]:
    """The calibration file's content (``parameters`` first: the scenario loader reads only that)."""
    targets = {}
    for _, r in result.fit.iterrows():
        targets[r["target"]] = {
            "use": r["use"],
            "published": _clean(r["published"]),
            "range": [_clean(r["low"]), _clean(r["high"])],
            "simulated": _clean(r["mean"], 4),
            "interval": [_clean(r["ci_low"], 4), _clean(r["ci_high"], 4)],
            "score": _clean(r["score"], 4),
            "inside": bool(r["inside"]),
        }
    return {
        "parameters": {p: _clean(v, 6) for p, v in result.parameters.items()},
        "seed": result.seed,
        "procedure": result.procedure,
        "fit": {"objective": _clean(result.objective, 4), "model_fingerprint": result.fingerprint, "targets": targets},
    }


def _clean(value: float, digits: int = 6) -> float | None:
    value = float(value)
    if not math.isfinite(value):
        return None
    return float(round(value, digits))


def write_calibration(result: Calibration, path: str | Path) -> Path:
    """Write the calibration file (atomically: a temporary file renamed over the target)."""
    path = Path(path)
    text = HEADER + yaml.safe_dump(calibration_document(result), sort_keys=False, width=120, allow_unicode=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def check_output(path: Path, force: bool) -> None:
    """The shipped calibration file may be rewritten; any other existing file only with ``force``."""
    if path.exists() and path.resolve() != CALIBRATION_FILE.resolve() and not force:
        raise OrgsimError(f"{path}: file exists; choose another --out or pass --force to overwrite it")
    if path.exists() and path.is_dir():
        raise OrgsimError(f"{path}: is a folder; --out names the calibration file to write")
    if not path.parent.exists():
        raise OrgsimError(f"{path.parent}: no such folder")


def calibrated_paths() -> list[str]:
    """The fields whose defaults come from the calibration file now shipped."""
    return sorted(CALIBRATED)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


__all__ = ["Calibration", "calibrate", "calibration_document", "check_output", "write_calibration"]
