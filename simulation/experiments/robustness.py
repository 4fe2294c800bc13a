"""Robustness over everything uncertain: in what share of the assumption space one design beats another.

The method (after the EMA Workbench's exploratory modelling; Kwakkel 2017; Bryant & Lempert 2010):

1. **Sample the declared uncertainties globally.** A Latin hypercube (``scipy.stats.qmc``,
   seeded from the run seed; McKay, Beckman & Conover 1979) of ``samples`` points over every
   uncertainty in ``simulation/uncertainties.yaml`` at once (79 today), each range cut into
   ``samples`` strata with exactly one point in each.
2. **Common random numbers at each point.** Point ``i`` gets one seed
   (``SeedSequence(seed).spawn(samples)[i]``) and every design runs on it, so the difference
   between two designs at that point measures the designs, not the draw. One run per design
   per point: the share below is over the assumption space *and* the model's own randomness.
3. **Share of the space.** For each design pair (A, B) and outcome, A *beats* B at a point
   when A's outcome is better (higher bookings, lower CAC, ...). The share of points where A
   beats B estimates the share of the assumption space in which A is better, with a 95%
   Wilson interval (``scipy.stats.binomtest``). Pairs are oriented so A is the design that
   wins more often.
4. **Which assumptions decide it.** Two answers, so there is always one:

   * **scenario discovery with PRIM** (Friedman & Fisher 1999; the ``prim`` package, the
     EMA Workbench's implementation): the cases of interest are the points where A *loses*
     to B; PRIM peels the box in which losses concentrate. Of its peeling trajectory the box
     with the highest density among those with coverage of at least 50% is taken, and only
     the restrictions whose quasi-p value is at most 0.05 are kept; coverage (share of all
     losses inside the box) and density (share of points in the box that are losses) are
     recomputed for the kept restrictions. The box is reported only where A loses more often
     than not inside it (density at least 50%) and its density is significantly above the
     share of losses overall (one-sided binomial test, p <= 0.05). No box is reported when A never or always
     loses, when fewer than 3 points are losses, or when no restriction is significant.
   * **feature scores**: Spearman's rank correlation between each assumption and A's
     relative advantage ``(A - B) / mean(|A|, |B|)`` (sign-adjusted so positive = better for
     A). A negative score means A's lead shrinks as the assumption rises. Ranked by |rho|; a
     score is *beyond chance* when its p value is below 0.05 / (number of assumptions)
     (Bonferroni: with 79 assumptions and 48 points, |rho| above about 0.45).

The cost is ``samples x designs`` runs; see docs/experiments.md for measured times.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import OrgsimError, ScenarioError
from ..runner import replication_seeds
from ..scenario import PRESETS, Scenario, load_scenario
from ..uncertainties import Uncertainties, field_value, load_uncertainties
from .designs import Parameter, latin_hypercube
from .runner import RunTask, open_executor, run_tasks

DEFAULT_SAMPLES = 32
"""Sample points of the default run: 6 designs x 32 points = 192 eight-quarter runs, a few
minutes on two cores (docs/experiments.md has the measured time)."""

OUTCOMES: dict[str, str] = {
    "bookings": "higher",
    "pipeline_created": "higher",
    "cac": "lower",
    "friction_index": "lower",
}
"""Outcomes compared, and which direction is better."""

MIN_COVERAGE = 0.5
"""A PRIM box must hold at least this share of the losses."""

MIN_DENSITY = 0.5
"""A PRIM box is reported only where losses are at least this share of its points ("loses mainly when")."""

SIGNIFICANCE = 0.05
"""Largest quasi-p value of a PRIM restriction that is kept."""

TOP_ASSUMPTIONS = 3


# ----------------------------------------------------------------------------- sampling


def sample_uncertainties(uncertainties: Uncertainties, samples: int, seed: int) -> tuple[np.ndarray, pd.DataFrame]:
    """A Latin hypercube over the uncertainties: the unit matrix and the values (one row per point).

    The hypercube is drawn on the unit cube (``scipy.stats.qmc.LatinHypercube`` via
    :func:`~.designs.latin_hypercube`, seeded with ``seed``) and each coordinate mapped to its
    uncertainty's range (:meth:`~simulation.uncertainties.Uncertainty.value_at`).
    """
    if samples < 1:
        raise OrgsimError(f"samples = {samples}: must be at least 1")
    unit_params = [Parameter(u.path, "float", 0.0, 1.0) for u in uncertainties]
    unit = latin_hypercube(unit_params, samples, seed).matrix
    values = pd.DataFrame([uncertainties.point(row) for row in unit], columns=uncertainties.paths)
    for u in uncertainties:
        values[u.path] = values[u.path].astype(int if u.kind == "int" else float)
    return unit, values


# ----------------------------------------------------------------------------- the result


@dataclass
class RobustnessResult:
    """The result of :func:`robustness`.

    Attributes:
        designs: the designs compared (names).
        outcomes: outcome -> ``higher`` or ``lower`` (which is better).
        uncertainties: the declared uncertainties sampled.
        samples: one row per sample point: ``point``, ``seed``, then one column per uncertainty.
        runs: one summary row per (point, design); ``point`` first, then the run's summary.
        pairs: one row per (outcome, design pair): ``outcome``, ``design_a`` (the more frequent
            winner), ``design_b``, ``n`` (points where both are defined), ``wins``, ``losses``,
            ``ties``, ``share`` (wins / n), ``ci_low``, ``ci_high`` (95% Wilson),
            ``top_assumptions`` (by |Spearman rho|), ``box`` (PRIM: where A loses),
            ``box_coverage``, ``box_density``, ``box_mass`` (share of points in the box), ``statement``.
        scores: one row per (outcome, pair, assumption): ``rho``, ``p_value``, ``rank`` and
            ``beyond_chance`` (p below 0.05 divided by the number of assumptions: Bonferroni).
        boxes: one row per restriction of a PRIM box: ``outcome``, ``design_a``, ``design_b``,
            ``assumption``, ``low``, ``high``, ``quasi_p``.
        seed, days: the run's seed and horizon override.
        notes: remarks (e.g. a design that set a declared uncertainty; PRIM not installed).
    """

    designs: list[str]
    outcomes: dict[str, str]
    uncertainties: Uncertainties
    samples: pd.DataFrame
    runs: pd.DataFrame
    pairs: pd.DataFrame
    scores: pd.DataFrame
    boxes: pd.DataFrame
    seed: int = 0
    days: int | None = None
    notes: list[str] = field(default_factory=list)

    def statements(self, outcomes: Sequence[str] | None = None) -> list[str]:
        """One sentence per pair and outcome, e.g. "sla beats separate_targets in bookings in 83% [76, 89] ..."."""
        keep = set(outcomes) if outcomes is not None else None
        return [s for o, s in zip(self.pairs["outcome"], self.pairs["statement"], strict=True) if keep is None or o in keep]

    def table(self) -> pd.DataFrame:
        """The printable table: pair, outcome, share [95% CI], what decides it."""
        rows = []
        for _, r in self.pairs.iterrows():
            rows.append(
                {
                    "outcome": r["outcome"],
                    "pair": f"{r['design_a']} > {r['design_b']}",
                    "share [95% CI]": _share_text(r["share"], r["ci_low"], r["ci_high"]),
                    "loses when (PRIM box)": r["box"] or "-",
                    "moves it most (rank correlation)": r["top_assumptions"],
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Everything a reader needs, as plain JSON-able data."""
        return {
            "method": "Latin hypercube over the declared uncertainties; every design on one seed per point (common random numbers); "
            "share of points where A beats B with a 95% Wilson interval; PRIM box of the points where A loses; "
            "Spearman rank correlation of each assumption with A's relative advantage",
            "designs": self.designs,
            "outcomes": self.outcomes,
            "samples": int(len(self.samples)),
            "seed": self.seed,
            "days": self.days,
            "notes": self.notes,
            "uncertainties": self.uncertainties.table().to_dict(orient="records"),
            "pairs": json.loads(self.pairs.to_json(orient="records")),
            "boxes": json.loads(self.boxes.to_json(orient="records")),
        }

    def write(self, out: Path) -> list[Path]:
        """Write ``robustness.csv`` / ``robustness.json`` and the samples, runs, scores and boxes into the new folder ``out``."""
        from .. import __version__
        from ..output import write_results

        frames = {
            "robustness": self.pairs,
            "samples": self.samples,
            "runs": self.runs,
            "scores": self.scores,
            "boxes": self.boxes,
            "uncertainties": self.uncertainties.table(),
        }
        meta = {"command": "robustness", "designs": self.designs, "samples": len(self.samples), "seed": self.seed,
                "days": self.days, "outcomes": self.outcomes, "version": __version__}
        write_results(out, frames, meta)
        (out / "robustness.json").write_text(json.dumps(self.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
        return sorted(out.iterdir())


def _pct(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{100 * x:.0f}%"


def _share_text(share: float, low: float, high: float) -> str:
    """``83% [76, 89]``: the share and its interval in percent."""
    if not math.isfinite(share):
        return "n/a"
    return f"{100 * share:.0f}% [{100 * low:.0f}, {100 * high:.0f}]"


def short_names(paths: Sequence[str]) -> dict[str, str]:
    """A short label per dotted path: its last part, or its last two where the last part is shared."""
    last = [p.rsplit(".", 1)[-1] for p in paths]
    return {p: (name if last.count(name) == 1 else ".".join(p.split(".")[-2:])) for p, name in zip(paths, last, strict=True)}


# ----------------------------------------------------------------------------- running


def _load_designs(designs: Sequence[Scenario | str] | None) -> list[Scenario]:
    loaded = [d if isinstance(d, Scenario) else load_scenario(d) for d in (designs or PRESETS)]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ScenarioError(f"two designs share the name {dupes[0]!r}; rename one file")
    if len(loaded) < 2:
        raise OrgsimError("robustness compares designs: give at least two")
    return loaded


def robustness(
    designs: Sequence[Scenario | str] | None = None,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    workers: int = 1,
    days: int | None = None,
    outcomes: Mapping[str, str] = OUTCOMES,
    uncertainties: Uncertainties | None = None,
    progress: bool = False,
    executor=None,
) -> RobustnessResult:
    """Run every design at every point of a Latin hypercube over the uncertainties and analyse the pairs.

    Args:
        designs: scenarios, preset names or YAML files (default: the six presets).
        samples: points of the hypercube (each runs every design once).
        seed: root seed: of the hypercube and of the points' run seeds.
        workers: worker processes (1 runs in this process); results do not depend on it.
        days: override every design's horizon (working days).
        outcomes: outcome -> ``higher``/``lower`` (which is better).
        uncertainties: default: the shipped ``simulation/uncertainties.yaml``.
        progress: a progress bar on stderr.
        executor: an executor to borrow instead of starting a process pool.
    """
    if samples < 2:
        raise OrgsimError(f"samples = {samples}: must be at least 2")
    for outcome, direction in outcomes.items():
        if direction not in ("higher", "lower"):
            raise OrgsimError(f"outcome {outcome}: direction {direction!r}: allowed: higher, lower")
    loaded = _load_designs(designs)
    uncertainties = uncertainties if uncertainties is not None else load_uncertainties()
    default = Scenario()
    notes = []
    for design in loaded:
        set_here = [u.path for u in uncertainties if field_value(design, u.path) != field_value(default, u.path)]
        if set_here:
            notes.append(f"{design.name} sets {', '.join(set_here)}, declared uncertain: each sample's value replaces it")
    unit, values = sample_uncertainties(uncertainties, samples, seed)
    seeds = replication_seeds(seed, samples)
    tasks = []
    for point, (row, point_seed) in enumerate(zip(values.to_dict(orient="records"), seeds, strict=True)):
        for design in loaded:
            scenario = design.with_overrides(row, f"robustness point {point}")
            tasks.append(RunTask(scenario, point_seed, point, days))
    if executor is None:
        with open_executor("process", max(1, workers)) as pool:
            frames = run_tasks(tasks, workers=workers, progress=progress, executor=pool)
    else:
        frames = run_tasks(tasks, workers=workers, progress=progress, executor=executor)
    runs = pd.concat(frames, ignore_index=True)
    runs.insert(0, "point", [t.replication for t in tasks])
    sample_frame = values.copy()
    sample_frame.insert(0, "seed", seeds)
    sample_frame.insert(0, "point", range(samples))
    result = analyse(sample_frame, runs, [d.name for d in loaded], outcomes, uncertainties)
    result.seed, result.days = seed, days
    result.notes = notes + result.notes
    return result


# ----------------------------------------------------------------------------- analysis


def share_interval(wins: int, n: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """Share ``wins / n`` and its Wilson score interval (``scipy.stats.binomtest``)."""
    if n == 0:
        return (float("nan"),) * 3
    ci = stats.binomtest(int(wins), int(n)).proportion_ci(confidence, method="wilson")
    return wins / n, float(ci.low), float(ci.high)


def rank_scores(x: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    """Spearman's rho (and its two-sided p value) of each column of ``x`` with ``y``, sorted by |rho|.

    A constant column or a constant ``y`` scores 0 (nothing to rank), p value 1. The p value
    is the t approximation (exact, 2 / n!, for a perfect ordering); ``beyond_chance`` marks p
    below 0.05 divided by the number of columns (Bonferroni), and never with fewer than 10 points.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    ry = stats.rankdata(y)
    rows = []
    for col in x.columns:
        rx = stats.rankdata(x[col].to_numpy(dtype=float))
        if n < 3 or np.ptp(rx) == 0 or np.ptp(ry) == 0:
            rho, p = 0.0, 1.0
        else:
            rho = float(np.corrcoef(rx, ry)[0, 1])
            rho = max(min(rho, 1.0), -1.0)
            if abs(rho) >= 1.0:  # a perfect ordering: its exact chance is 2 / n! (two-sided)
                p = 2.0 / math.factorial(n) if n < 20 else 0.0
            else:
                t = rho * math.sqrt((n - 2) / (1 - rho * rho))
                p = float(2 * stats.t.sf(abs(t), n - 2))
        rows.append({"assumption": col, "rho": rho, "p_value": p})
    frame = pd.DataFrame(rows)
    frame = frame.reindex(frame["rho"].abs().sort_values(ascending=False, kind="stable").index).reset_index(drop=True)
    frame["rank"] = range(1, len(frame) + 1)
    # Bonferroni over the assumptions: with many assumptions and few points some correlate by chance.
    frame["beyond_chance"] = (frame["p_value"] < SIGNIFICANCE / max(len(frame), 1)) & (n >= 10)
    return frame


@dataclass(frozen=True)
class Box:
    """A PRIM box: restrictions (assumption -> (low, high, quasi-p)), coverage and density."""

    limits: dict[str, tuple[float, float, float]]
    coverage: float
    density: float
    mass: float

    def inside(self, x: pd.DataFrame) -> np.ndarray:
        mask = np.ones(len(x), dtype=bool)
        for col, (low, high, _) in self.limits.items():
            v = x[col].to_numpy(dtype=float)
            mask &= (v >= low) & (v <= high)
        return mask


def prim_available() -> bool:
    try:
        import prim  # noqa: F401
    except ImportError:
        return False
    return True


def prim_box(
    x: pd.DataFrame, cases: np.ndarray, min_coverage: float = MIN_COVERAGE, alpha: float = SIGNIFICANCE, min_density: float = MIN_DENSITY
) -> Box | None:
    """The PRIM box in which the ``cases`` (booleans, one per row of ``x``) concentrate, or None.

    Uses the ``prim`` package (Friedman & Fisher's peeling and pasting). Of the peeling
    trajectory, the box with the highest density among those covering at least
    ``min_coverage`` of the cases is taken; restrictions with a quasi-p value above ``alpha``
    are dropped, and coverage and density are recomputed for the restrictions kept. None when
    there are fewer than 3 cases, no non-case, no significant restriction, the box's density
    is below ``min_density``, or its density is not significantly above the share of cases in
    the data (one-sided binomial test at ``alpha``).
    """
    cases = np.asarray(cases, dtype=bool)
    if cases.sum() < 3 or cases.all() or not prim_available():
        return None
    import logging

    import prim

    logging.getLogger("prim").setLevel(logging.ERROR)
    x = x.reset_index(drop=True)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            finder = prim.Prim(x, cases, threshold=0.5, threshold_type=">")
            box = finder.find_box()
            if box is None:
                return None
            traj = box.peeling_trajectory
            ok = traj[traj["coverage"] >= min_coverage]
            if ok.empty:
                return None
            best = ok.sort_values(["density", "coverage"], ascending=False, kind="stable").index[0]
            box.select(int(best))
            limits = box.limits
        except Exception:  # PRIM gives up on degenerate data (e.g. nothing to peel): no box
            return None
    kept: dict[str, tuple[float, float, float]] = {}
    for name, row in limits.iterrows():
        qp = row["qp values"]
        qp = float(min(qp)) if isinstance(qp, tuple | list) else float(qp)
        if qp <= alpha:
            kept[str(name)] = (float(row["min"]), float(row["max"]), qp)
    if not kept:
        return None
    result = Box(kept, 0.0, 0.0, 0.0)
    inside = result.inside(x)
    if not inside.any():
        return None
    coverage = float(cases[inside].sum() / cases.sum())
    density = float(cases[inside].mean())
    if density < min_density:
        return None
    # The box must hold losses beyond what the base rate gives a region of its size (one-sided binomial test).
    k, m = int(cases[inside].sum()), int(inside.sum())
    if stats.binomtest(k, m, float(cases.mean()), alternative="greater").pvalue > alpha:
        return None
    return Box(kept, coverage, density, float(inside.mean()))


def _fmt_value(v: float) -> str:
    if float(v).is_integer() and abs(v) >= 1:
        return f"{int(v):,}"
    return f"{v:.3g}"


def describe_box(box: Box, x: pd.DataFrame) -> str:
    """``contact_rate_first <= 0.2 and 8 <= max_attempts <= 12`` (short names; an end at the data's edge is left out)."""
    names = short_names(list(x.columns))
    parts = []
    for col, (low, high, _) in box.limits.items():
        name = names[col]
        lo_data, hi_data = float(x[col].min()), float(x[col].max())
        if low <= lo_data and high >= hi_data:
            continue
        if low <= lo_data:
            parts.append(f"{name} <= {_fmt_value(high)}")
        elif high >= hi_data:
            parts.append(f"{name} >= {_fmt_value(low)}")
        else:
            parts.append(f"{_fmt_value(low)} <= {name} <= {_fmt_value(high)}")
    return " and ".join(parts)


def _relative(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    scale = (np.abs(a) + np.abs(b)) / 2
    with np.errstate(all="ignore"):
        rel = np.where(scale > 0, (a - b) / scale, 0.0)
    return rel


def analyse(
    samples: pd.DataFrame,
    runs: pd.DataFrame,
    designs: Sequence[str],
    outcomes: Mapping[str, str] = OUTCOMES,
    uncertainties: Uncertainties | None = None,
) -> RobustnessResult:
    """Shares, intervals, rank scores and PRIM boxes from a table of runs (no simulation).

    Args:
        samples: one row per point: ``point``, then one column per assumption (other
            columns such as ``seed`` are ignored if they are not assumptions).
        runs: one row per (point, design): ``point``, ``scenario`` and the outcome columns.
        designs: the designs to pair, in order.
        outcomes: outcome -> ``higher`` / ``lower``.
        uncertainties: the declared uncertainties (their paths name the assumption columns);
            default: every column of ``samples`` but ``point`` and ``seed``.
    """
    if uncertainties is not None:
        assumption_cols = [p for p in uncertainties.paths if p in samples.columns]
    else:
        assumption_cols = [c for c in samples.columns if c not in ("point", "seed")]
        uncertainties = Uncertainties((), {}, "<analysis>")
    x_all = samples.set_index("point")[assumption_cols]
    names = short_names(assumption_cols)
    pair_rows, score_frames, box_rows = [], [], []
    notes = [] if prim_available() else ["PRIM boxes left out: the prim package is not installed (pip install 'orgsim[robustness]')"]
    for outcome, direction in outcomes.items():
        if outcome not in runs.columns:
            raise OrgsimError(f"no outcome column {outcome!r} in the runs")
        wide = runs.pivot_table(index="point", columns="scenario", values=outcome, aggfunc="first")
        sign = 1.0 if direction == "higher" else -1.0
        for a, b in itertools.combinations([d for d in designs if d in wide.columns], 2):
            both = wide[[a, b]].dropna()
            va, vb = both[a].to_numpy(dtype=float), both[b].to_numpy(dtype=float)
            adv = sign * (va - vb)
            wins, losses = int((adv > 0).sum()), int((adv < 0).sum())
            if losses > wins:
                a, b, va, vb, adv, wins, losses = b, a, vb, va, -adv, losses, wins
            n = len(adv)
            ties = n - wins - losses
            share, low, high = share_interval(wins, n)
            x = x_all.loc[both.index]
            rel = sign * _relative(va, vb)
            scores = rank_scores(x, rel) if n else pd.DataFrame(columns=["assumption", "rho", "p_value", "rank", "beyond_chance"])
            scores.insert(0, "design_b", b)
            scores.insert(0, "design_a", a)
            scores.insert(0, "outcome", outcome)
            score_frames.append(scores)
            top = scores[scores["rho"] != 0].head(TOP_ASSUMPTIONS)
            top_text = ", ".join(f"{names[p]} {r:+.2f}" for p, r in zip(top["assumption"], top["rho"], strict=True))
            box = prim_box(x, adv < 0) if n else None
            box_text = describe_box(box, x) if box is not None else ""
            if box is not None:
                for col, (blo, bhi, qp) in box.limits.items():
                    box_rows.append({"outcome": outcome, "design_a": a, "design_b": b, "assumption": col, "low": blo, "high": bhi,
                                     "quasi_p": qp})
            statement = _statement(outcome, a, b, n, wins, losses, ties, share, low, high, box, box_text, top, names)
            pair_rows.append(
                {
                    "outcome": outcome,
                    "design_a": a,
                    "design_b": b,
                    "n": n,
                    "wins": wins,
                    "losses": losses,
                    "ties": ties,
                    "share": share,
                    "ci_low": low,
                    "ci_high": high,
                    "top_assumptions": top_text,
                    "box": box_text,
                    "box_coverage": box.coverage if box is not None else float("nan"),
                    "box_density": box.density if box is not None else float("nan"),
                    "box_mass": box.mass if box is not None else float("nan"),
                    "statement": statement,
                }
            )
    pairs = pd.DataFrame(pair_rows)
    scores = pd.concat(score_frames, ignore_index=True) if score_frames else pd.DataFrame()
    boxes = pd.DataFrame(box_rows, columns=["outcome", "design_a", "design_b", "assumption", "low", "high", "quasi_p"])
    return RobustnessResult(list(designs), dict(outcomes), uncertainties, samples, runs, pairs, scores, boxes, notes=notes)


def _statement(outcome, a, b, n, wins, losses, ties, share, low, high, box, box_text, top, names) -> str:
    if n == 0:
        return f"{outcome}: {a} and {b} are never both defined"
    head = f"{a} beats {b} in {outcome} in {_share_text(share, low, high)} of the assumption space ({wins} of {n} points"
    head += f", {ties} tie{'s' if ties > 1 else ''})" if ties else ")"
    if losses == 0:
        return head + "; it never loses at these points"
    if box is not None and box_text:
        return (f"{head}; it loses mainly when {box_text} "
                f"(that box, {_pct(box.mass)} of the points, holds {_pct(box.coverage)} of its losses; "
                f"{_pct(box.density)} of the points in it are losses)")
    if len(top):
        moves = ", ".join(f"{names[p]} ({r:+.2f})" for p, r in zip(top["assumption"], top["rho"], strict=True))
        beyond = [names[p] for p, b in zip(top["assumption"], top["beyond_chance"], strict=True) if b]
        chance = f"beyond chance: {', '.join(beyond)}" if beyond else "none beyond chance"
        return f"{head}; no PRIM box isolates its losses; its lead moves most with {moves} (Spearman rho; {chance})"
    return head + "; no assumption explains where it loses"
