"""Fit the calibrated parameters to the published targets (``orgsim calibrate``).

The calibrated parameters are the scenario fields whose defaults are read from
``simulation/calibration.yaml`` (``behaviour.accept_bar``, ``behaviour.min_task_yield``,
``behaviour.no_decision_base``, ``behaviour.no_decision_neglect``,
``behaviour.win_intercept``, ``leadership.quota_percentile``): no published figure gives
their value directly, so they are chosen to make the model reproduce published patterns.

Procedure (documented in ``docs/model.md``, section *Calibration*):

1. **Search space.** Each parameter ranges over the interval given in ``targets.yaml``
   (``parameters:``); the search runs on the unit cube, each coordinate mapped linearly to
   its interval, and every candidate is rounded to the precision it is shipped with
   (:data:`PRECISION`) *before* it is simulated, so the shipped values are exactly the ones
   evaluated.
2. **Objective.** A candidate runs the design of the fit targets ``replications`` times on
   fixed seeds (common random numbers); each target's simulated mean is scored
   ``((mean - published) / (bound - published))**2`` (1 at the edge of the published range,
   see :meth:`Target.score`); the objective is the weighted sum over the fit targets plus a
   weak ridge ``0.1 * sum(((value - middle) / width)**2)`` that settles parameters the
   targets do not identify.
3. **Global stage.** A Latin hypercube (McKay et al. 1979; ``scipy.stats.qmc``) of half the
   budget, all candidates run as one batch on the experiments runner (every worker busy).
4. **Response surfaces.** The objective is noisy (one run's has a standard deviation of about
   2) and common random numbers do not keep runs in step for long, so a local optimiser fed
   simulated objectives chases noise. Each fit target's mean is instead fitted by a quadratic
   response surface (Box & Wilson 1951; weighted least squares), which averages the noise over
   all candidates; the objective of the surfaces' predictions is minimised by bounded
   Nelder--Mead (``scipy.optimize``).
5. **Refinement.** :data:`ROUNDS` rounds simulate the surfaces' optimum and a local hypercube
   around it (half-width :data:`REFINE_HALF_WIDTH`, halving each round), refit the surfaces
   with more weight near the optimum, and move the optimum.
6. **Final choice.** The :data:`ELITE` candidates the final surfaces rank best rerun with
   ``FINAL_FACTOR x replications`` runs; the best by the simulated objective is kept.
7. **Result.** That candidate is written as the new calibration file, with every target's
   simulated mean and score at it and the procedure's settings. Nothing in the file depends on
   the time or the number of workers, so the same seed, budget and replications reproduce it.

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

DEFAULT_BUDGET = 120
"""Candidates simulated (half on the global hypercube, half in the refinement rounds). With two
replications each and the finalists' reruns (4 x 10) that is about 280 eight-quarter runs: about
5 minutes on 2 idle cores."""
DEFAULT_REPLICATIONS = 2
"""Replications per candidate. One leaves the response surfaces noisy enough to misplace the
win-rate optimum by about 2 points (the win rate validated at 43% with one, 45% with two)."""
DEFAULT_SEED = 2011
"""Root seed of the calibration replications (HBR 2011); ``orgsim validate`` uses 0."""
ELITE = 4
"""Finalists: the candidates the response surfaces rank best, rerun with more replications."""
FINAL_FACTOR = 6
"""The finalists run ``FINAL_FACTOR x replications`` times (the replications they have are reused)."""
ROUNDS = 3
"""Refinement rounds after the global hypercube."""
REFINE_HALF_WIDTH = 0.2
"""Half-width (on the unit cube) of the first round's local hypercube; it halves each round."""
RIDGE = 0.1
"""Weight of the ridge toward the middle of each search interval."""
PRECISION: dict[str, float] = {
    "behaviour.accept_bar": 0.001,
    "behaviour.min_task_yield": 0.0005,
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
        self,
        targets: TargetSet,
        seeds: Sequence[int],
        executor,
        workers: int,
        log: Callable[[str], None],
        days: int | None = None,
        overrides: Mapping[str, Any] | None = None,
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
        self.overrides = dict(overrides or {})
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
                tasks += measurement_tasks(self.targets, self.seeds, {**self.overrides, **cand}, days=self.days, label=str(i))
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

    def reevaluate(self, keys: Sequence[tuple[float, ...]], seeds: Sequence[int]) -> tuple[dict[str, float], float, pd.DataFrame]:
        """Run the candidates ``keys`` on all of ``seeds`` (reusing the replications they already have)
        and choose among them by the objective over those replications (a guard against a winner
        chosen by noise)."""
        tasks = []
        for i, key in enumerate(keys):
            have = len(self.run_rows[key])
            cand = dict(zip(self.paths, key, strict=True))
            extra = list(seeds)[have:]
            if extra:
                tasks += measurement_tasks(self.targets, extra, {**self.overrides, **cand}, days=self.days, label=str(i))
        runs = run_measurements(tasks, workers=self.workers, executor=self.executor) if tasks else pd.DataFrame()
        final: dict[tuple[float, ...], float] = {}
        for i, key in enumerate(keys):
            if len(runs) and (runs["label"] == str(i)).any():
                self.run_rows[key] = pd.concat([self.run_rows[key], runs[runs["label"] == str(i)]], ignore_index=True)
            final[key] = self._record(key, dict(zip(self.paths, key, strict=True)), "finalist")
        key = min(final, key=lambda k: (final[k], k))
        return dict(zip(self.paths, key, strict=True)), final[key], self.tables[key]


def _latin_hypercube(d: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    try:
        sampler = qmc.LatinHypercube(d, rng=rng)
    except TypeError:  # scipy < 1.15 names it seed
        sampler = qmc.LatinHypercube(d, seed=rng)
    return sampler.random(n)


def _features(points: np.ndarray) -> np.ndarray:
    """Quadratic response-surface terms of points on the unit cube: 1, z_i, z_i z_j (i <= j), z = 2u - 1."""
    z = 2.0 * np.atleast_2d(points) - 1.0
    d = z.shape[1]
    cols = [np.ones(len(z))] + [z[:, i] for i in range(d)] + [z[:, i] * z[:, j] for i in range(d) for j in range(i, d)]
    return np.column_stack(cols)


class _Surface:
    """Quadratic response surfaces of every fit target, fitted by weighted least squares.

    A small ridge (``1e-3``, not on the intercept) keeps the fit defined when there are
    fewer candidates than terms. Fitting each target's mean -- a smoother function of the
    parameters than the objective -- averages the run-to-run noise over all candidates.
    """

    def __init__(self, points: np.ndarray, values: np.ndarray, weights: np.ndarray):
        x = _features(points)
        w = np.asarray(weights, dtype=float)[:, None]
        penalty = 1e-3 * np.eye(x.shape[1])
        penalty[0, 0] = 0.0
        self.beta = np.linalg.solve(x.T @ (w * x) + penalty, x.T @ (w * values))

    def predict(self, points: np.ndarray) -> np.ndarray:
        return _features(points) @ self.beta


def calibrate(
    targets: TargetSet | None = None,
    budget: int = DEFAULT_BUDGET,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = DEFAULT_SEED,
    workers: int = 1,
    executor=None,
    log: Callable[[str], None] | None = None,
    days: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Calibration:
    """Fit the parameters of ``targets.parameters`` to the fit targets (see the module docstring).

    Args:
        targets: the targets (default: the shipped ``targets.yaml``).
        budget: candidates to simulate in the hypercube and the refinement rounds (half, at
            least ``2 d + 1``, on the hypercube); the finalists' reruns come on top.
        replications: runs per candidate, on the seeds ``SeedSequence(seed).spawn(replications)``;
            the finalists run ``FINAL_FACTOR x replications`` times.
        seed: root seed of the replications and of the hypercubes.
        workers: worker processes (1 runs in this process).
        executor: an executor to use instead of opening a process pool.
        log: called with one line per candidate (default: silent).
        days: override the horizon of every run (for quick checks; the shipped fit uses the presets' horizon).
        overrides: dotted-key scenario fields set in every run besides the candidate (for quick
            checks, e.g. a smaller market; the shipped fit uses none).
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
    n_lhs = max(2 * d + 1, budget // 2)
    seeds = replication_seeds(seed, replications)
    final_seeds = replication_seeds(seed, FINAL_FACTOR * replications)

    def run(pool) -> _Problem:
        problem = _Problem(targets, seeds, pool, workers, log, days, overrides)
        fit_names = [t.name for t in problem.fit_targets]
        points: dict[tuple[float, ...], np.ndarray] = {}  # candidate key -> its point on the unit cube

        def evaluate(batch: Sequence[np.ndarray], stage: str) -> None:
            for u in batch:
                points.setdefault(tuple(problem.values(u).values()), np.clip(u, 0.0, 1.0))
            problem.evaluate_many(list(batch), stage)

        def surface(center: np.ndarray | None, bandwidth: float) -> _Surface:
            keys = list(problem.cache)
            u = np.array([points[k] for k in keys])
            y = np.array([[problem.tables[k].set_index("target").loc[n, "mean"] for n in fit_names] for k in keys], dtype=float)
            w = np.array([len(problem.run_rows[k]) for k in keys], dtype=float)
            if center is not None:  # local weighting around the current optimum, never below 5%
                w *= np.maximum(np.exp(-((u - center) ** 2).sum(axis=1) / (2 * bandwidth**2)), 0.05)
            fill = np.array([col[np.isfinite(col)].mean() if np.isfinite(col).any() else 0.0 for col in y.T])
            y = np.where(np.isfinite(y), y, fill)  # a target a run could not measure: its mean over the others
            return _Surface(u, y, w)

        def predicted_objective(model: _Surface, u: np.ndarray) -> float:
            u = np.clip(u, 0.0, 1.0)
            means = model.predict(u[None, :])[0]
            raw = problem.bounds[:, 0] + u * (problem.bounds[:, 1] - problem.bounds[:, 0])
            score = sum(t.weight * t.score(float(m)) for t, m in zip(problem.fit_targets, means, strict=True))
            return score + problem.ridge(dict(zip(problem.paths, raw, strict=True)))

        def optimum(model: _Surface) -> np.ndarray:
            """Bounded Nelder-Mead on the surfaces, from the five candidates they rank best."""
            ranked = sorted(problem.cache, key=lambda k: (predicted_objective(model, points[k]), k))[:5]
            best_u, best_f = None, math.inf
            for key in ranked:
                res = optimize.minimize(
                    lambda u: predicted_objective(model, u),
                    points[key],
                    method="Nelder-Mead",
                    bounds=[(0.0, 1.0)] * d,
                    options={"maxiter": 400 * d, "xatol": 1e-4, "fatol": 1e-6},
                )
                if res.fun < best_f:
                    best_u, best_f = np.clip(res.x, 0.0, 1.0), float(res.fun)
            return best_u

        evaluate(list(_latin_hypercube(d, n_lhs, seed)), "hypercube")
        center = None
        for r in range(ROUNDS):
            bandwidth = REFINE_HALF_WIDTH / 2**r
            center = optimum(surface(center, 2 * bandwidth if center is not None else 1.0))
            left = budget - len(problem.rows)
            n = left // (ROUNDS - r)
            if n <= 0:
                continue
            local = center + bandwidth * (2.0 * _latin_hypercube(d, max(n - 1, 1), seed + r + 1) - 1.0)
            evaluate([center, *np.clip(local, 0.0, 1.0)[: n - 1]], f"round {r + 1}")
        model = surface(center, 2 * REFINE_HALF_WIDTH / 2 ** (ROUNDS - 1))
        center = optimum(model)
        key = tuple(problem.values(center).values())
        if key not in problem.cache:
            evaluate([center], "final")
        ranked = sorted(problem.cache, key=lambda k: (predicted_objective(model, points[k]), k))[:ELITE]
        problem.final = problem.reevaluate(ranked, final_seeds)
        return problem

    if executor is None:
        with open_executor("process", max(1, workers)) as pool:
            problem = run(pool)
    else:
        problem = run(executor)

    best, value, table = problem.final
    procedure = {
        "method": "Latin hypercube (scipy.stats.qmc); quadratic response surfaces of the fit targets (weighted least squares) "
        f"minimised by bounded Nelder-Mead (scipy.optimize) and refined in {ROUNDS} rounds of local hypercubes; the {ELITE} "
        f"candidates the surfaces rank best rerun with {FINAL_FACTOR} x the replications, the best by simulation kept; "
        "common random numbers",
        "budget": budget,
        "hypercube_points": n_lhs,
        "evaluations": len(problem.cache),
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
    if overrides:
        procedure["overrides"] = dict(overrides)
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
    """An existing file, the installed package's calibration included, is overwritten only with ``force``."""
    if path.exists() and not path.is_dir() and not force:
        shipped = path.resolve() == CALIBRATION_FILE.resolve()
        what = "the installed package's calibration" if shipped else "file exists"
        raise OrgsimError(f"{path}: {what}; choose another --out or pass --force to overwrite it")
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
