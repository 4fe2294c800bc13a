"""Global sensitivity analysis of a sweep's outcomes (Sobol' indices, Morris screening), via SALib.

Two plain functions do the statistics on arrays, the way SALib's own API does:

* :func:`sobol_indices` -- first-order (``S1``) and total (``ST``) Sobol' indices with
  bootstrap confidence intervals (Saltelli 2002; Saltelli et al. 2010, the estimators
  in ``SALib.analyze.sobol``). ``S1`` is the share of the outcome's variance a parameter
  explains alone; ``ST`` includes all its interactions.
* :func:`morris_indices` -- Morris' elementary effects (Morris 1991) with ``mu_star``, the
  mean absolute effect (Campolongo, Cariboni & Saltelli 2007), ``sigma`` (non-linearity
  and interactions) and a bootstrap interval for ``mu_star``. Effects are per step of the
  normalised ``levels`` grid, so parameters with different units are comparable.

:func:`analyze_sweep` applies them to a sweep's results: each point's outcome is the mean
over its replications (which run on common random numbers, so the noise is the same at
every point and mostly cancels in the comparisons the estimators make).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import OrgsimError
from .designs import SENSITIVITY_DESIGNS
from .store import OK, load_design, load_manifest, load_results

SOBOL_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf"]
MORRIS_COLUMNS = ["mu", "mu_star", "mu_star_conf", "sigma"]


def _salib_required() -> None:
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise OrgsimError("sensitivity analysis needs SALib: pip install 'orgsim[sensitivity]'") from None


def sobol_indices(
    problem: dict[str, Any], y: np.ndarray, second_order: bool = True, seed: int = 0, confidence: float = 0.95, resamples: int = 200
) -> pd.DataFrame:
    """First-order and total Sobol' indices of ``y`` (one value per point of a Saltelli sample).

    Returns one row per parameter: ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``
    (``*_conf`` is the half-width of the bootstrap interval).
    """
    _salib_required()
    from SALib.analyze import sobol

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        si = sobol.analyze(
            problem, np.asarray(y, dtype=float), calc_second_order=second_order, num_resamples=resamples, conf_level=confidence, seed=seed
        )
    return pd.DataFrame({"parameter": problem["names"], **{c: np.asarray(si[c], dtype=float) for c in SOBOL_COLUMNS}})


def morris_indices(
    problem: dict[str, Any], x: np.ndarray, y: np.ndarray, levels: int = 4, seed: int = 0, confidence: float = 0.95, resamples: int = 1000
) -> pd.DataFrame:
    """Morris screening of ``y`` over the trajectories ``x`` (the raw design matrix).

    Returns one row per parameter: ``parameter``, ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``.
    """
    _salib_required()
    from SALib.analyze import morris

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        si = morris.analyze(
            problem,
            np.asarray(x, dtype=float),
            np.asarray(y, dtype=float),
            num_levels=levels,
            num_resamples=resamples,
            conf_level=confidence,
            seed=seed,
        )
    return pd.DataFrame({"parameter": problem["names"], **{c: np.asarray(si[c], dtype=float) for c in MORRIS_COLUMNS}})


@dataclass
class SensitivityResult:
    """Indices per outcome and parameter.

    Attributes:
        method: ``sobol`` or ``morris``.
        indices: one row per (outcome, parameter) with the method's columns, ordered by
            importance (``ST`` or ``mu_star``) within each outcome.
        skipped: outcomes that could not be analysed, with the reason (e.g. a point whose
            runs all failed or whose outcome is undefined).
    """

    method: str
    indices: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)


def analyze_sweep(
    source: str | Path | Any,
    outcomes: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> SensitivityResult:
    """Sobol' or Morris indices of a finished sweep (the method follows the spec's design).

    Args:
        source: a results folder, or the :class:`~.sweep.SweepResult` of an in-memory sweep.
        outcomes: default: the spec's outcomes.
        confidence: level of the bootstrap intervals.
    """
    from .sweep import SweepResult

    if isinstance(source, SweepResult):
        spec = source.spec
        runs = source.runs
        manifest = {
            "design": spec.design,
            "resolved": spec.identity(),
            "parameters": spec.parameter_names,
            "n_points": len(spec.points),
            "outcomes": list(spec.outcomes),
        }
        design = pd.DataFrame(spec.design_sample.matrix, columns=spec.parameter_names)
        design.insert(0, "point", range(len(design)))
    else:
        runs, manifest, design = load_results(source), load_manifest(source), load_design(source)
    method = manifest["design"]
    if method not in SENSITIVITY_DESIGNS:
        raise OrgsimError(f"the sweep's design is {method}; sensitivity indices need design sobol or morris")
    resolved = manifest["resolved"]
    names = list(manifest["parameters"])
    from .designs import Parameter, salib_problem

    parameters = [
        Parameter(p["name"], p["kind"], low=p["low"], high=p["high"], values=tuple(p["values"]) if p["values"] is not None else None)
        for p in resolved["parameters"]
    ]
    problem = salib_problem(parameters)
    n_points = int(manifest["n_points"])
    ok = runs[runs["status"] == OK]
    outcomes = list(outcomes or manifest["outcomes"])
    rows, skipped = [], {}
    x = design.sort_values("point")[names].to_numpy(dtype=float)
    for outcome in outcomes:
        if outcome not in runs:
            stored = ", ".join(manifest["outcomes"])
            where = source if isinstance(source, str | Path) else "this sweep"
            raise OrgsimError(f"{where}: --outcomes: {outcome!r} is not an outcome of this sweep; its outcomes: {stored}")
        y = ok.groupby("point")[outcome].mean().reindex(range(n_points)).to_numpy(dtype=float)
        missing = int(np.isnan(y).sum())
        if missing:
            skipped[outcome] = f"undefined at {missing} of {n_points} points (failed runs or no value)"
            continue
        if np.allclose(y, y[0]):
            skipped[outcome] = "the same at every point (no variance to attribute)"
            continue
        if method == "sobol":
            frame = sobol_indices(problem, y, resolved["second_order"], resolved["seed"], confidence)
            key = "ST"
        else:
            frame = morris_indices(problem, x, y, resolved["levels"], resolved["seed"], confidence)
            key = "mu_star"
        frame.insert(0, "outcome", outcome)
        rows.append(frame.sort_values(key, ascending=False, kind="stable"))
    columns = ["outcome", "parameter", *(SOBOL_COLUMNS if method == "sobol" else MORRIS_COLUMNS)]
    indices = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    return SensitivityResult(method=method, indices=indices, skipped=skipped)
