"""Explain the difference between two designs lever group by lever group (``orgsim explain A B``).

Two designs A and B differ in some fields; :mod:`simulation.levers` sorts those fields
into lever groups (the SLA, marketing's KPI and pay, SDR sourcing, ...). Each group that
differs is a *player*. A coalition ``S`` of players is worth what a hybrid design scores:
B with the fields of the groups in ``S`` set to A's values, so ``v(empty) = B`` and
``v(all) = A``. The Shapley value of a group is its marginal contribution averaged over
every order in which the groups could be switched from B's settings to A's; the values
add up to A - B. This is how "how much of the SLA's gain comes from the SLA itself, and
how much from the MQL target that came with it" gets a number.

Every coalition runs on the same replication seeds as ``orgsim compare``
(``SeedSequence(seed).spawn(replications)``: common random numbers), and the Shapley
values are computed within each replication, so in every replication they add up
exactly to that replication's A - B; the means and 95% Student-t intervals are then taken
across replications (:func:`~simulation.experiments.analysis.mean_ci`).

Cost: ``2^k`` coalitions x replications runs for ``k`` differing groups (exact, up to
:data:`~simulation.shapley.MAX_EXACT_PLAYERS` groups); A and B are two of them. Above
that, the values are estimated from :data:`~simulation.shapley.DEFAULT_PERMUTATIONS`
random orders of the groups, drawn in antithetic pairs from the root seed (still exactly
additive; the intervals then also carry the sampling error only through the
replications, see docs/experiments.md).

A hybrid that is not a valid scenario (a cross-field rule such as ``brand_share +
enablement_share <= 1`` broken by taking one field from A and the other from B) cannot be
run. The groups are chosen so that the shipped rules never split across groups; should
one do so (a rule added later), the two groups involved are merged into one player, and
the result says so in one line.

Only the public run machinery is used (``RunTask``, ``run_tasks``, ``replication_seeds``),
so this keeps working whatever the model does inside a run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import levers, shapley
from .errors import OrgsimError, ScenarioError
from .experiments.analysis import KEY_OUTCOMES, mean_ci
from .experiments.runner import RunTask, run_tasks
from .experiments.seeding import canonical_json
from .runner import replication_seeds
from .scenario import Scenario, build_scenario, load_scenario

DEFAULT_REPLICATIONS = 8
"""As ``orgsim compare`` (a test checks the two agree)."""

__all__ = ["DEFAULT_REPLICATIONS", "Explanation", "explain", "explain_against_baseline", "explain_pairs"]


# ----------------------------------------------------------------------------- the result


@dataclass
class Explanation:
    """The decomposition of A - B into lever-group contributions.

    Attributes:
        a, b: the designs' names (A - B is explained).
        replications, seed, days: the runs (``days``: horizon override, or None).
        groups: each player (a lever group, or groups merged because a hybrid of them was
            invalid) and the fields in it that differ between A and B.
        method: ``"exact"`` or ``"permutation sampling"``; ``permutations``: orders drawn.
        notes: one line per merge of groups (empty normally).
        total: per outcome, A - B: ``outcome, n, mean, ci_low, ci_high``.
        contributions: per group and outcome: ``lever_group, label, fields, outcome, n,
            mean, ci_low, ci_high``; sorted by outcome, then by size.
        per_replication: ``lever_group`` (and ``"total"``), ``outcome``, ``replication``,
            ``value``: the Shapley values of every replication.
        coalitions: one summary row per (coalition, replication) that was run.
    """

    a: str
    b: str
    replications: int
    seed: int
    days: int | None
    groups: dict[str, list[str]]
    method: str
    permutations: int | None
    total: pd.DataFrame
    contributions: pd.DataFrame
    per_replication: pd.DataFrame
    coalitions: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: ``total`` (outcome -> mean, ci_low, ci_high, n) and ``contributions``."""
        total = {
            r.outcome: {"mean": _num(r.mean), "ci_low": _num(r.ci_low), "ci_high": _num(r.ci_high), "n": int(r.n)}
            for r in self.total.itertuples()
        }
        contributions = [
            {
                "lever_group": r.lever_group,
                "label": r.label,
                "fields": list(self.groups[r.lever_group]),
                "outcome": r.outcome,
                "mean": _num(r.mean),
                "ci_low": _num(r.ci_low),
                "ci_high": _num(r.ci_high),
                "n": int(r.n),
            }
            for r in self.contributions.itertuples()
        ]
        return {
            "a": self.a,
            "b": self.b,
            "replications": self.replications,
            "seed": self.seed,
            "days": self.days,
            "method": self.method,
            "permutations": self.permutations,
            "lever_groups": {g: {"label": player_label(g), "fields": list(f)} for g, f in self.groups.items()},
            "notes": list(self.notes),
            "total": total,
            "contributions": contributions,
            "sentences": self.sentences(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def sentences(self, outcomes: Sequence[str] | None = None) -> dict[str, str]:
        """One sentence per outcome a consultant can say: the total and where it comes from."""
        outcomes = list(outcomes) if outcomes is not None else list(self.total["outcome"])
        return {o: explain_sentence(self, o) for o in outcomes if o in set(self.total["outcome"])}


def _num(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def player_label(name: str) -> str:
    """The words for a player: a group's label, a field's dotted path (``by="field"``), or the
    parts' labels joined for players merged because a hybrid was invalid."""
    named = {g.name for g in levers.LEVER_GROUPS}
    leaves = set(levers.leaf_fields())

    def one(part: str) -> str:
        if part in named:
            return levers.group_label(part)
        if part in leaves or "." in part:
            return part
        return levers.group_label(part)

    return " together with ".join(one(part) for part in name.split("+"))


# ----------------------------------------------------------------------------- sentences


def _fmt(value: float, outcome: str, signed: bool = True) -> str:
    from .plots import format_value

    return format_value(value, outcome, signed=signed)


def _with_interval(mean: float, low: float, high: float, outcome: str) -> str:
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        return _fmt(mean, outcome)
    return f"{_fmt(mean, outcome)} [{_fmt(low, outcome)}, {_fmt(high, outcome)}]"


def _possessive(label: str) -> str:
    return f"{label}'" if label.endswith("s") else f"{label}'s"


def _word(mean: float, better: str | None, resolved: bool) -> str:
    if not resolved or better is None or mean == 0:
        return "difference"
    if better == "higher":
        return "gain" if mean > 0 else "shortfall"
    return "improvement" if mean < 0 else "deterioration"


def explain_sentence(result: Explanation, outcome: str) -> str:
    """One sentence a consultant can say about one outcome.

    E.g. "Bookings: most of SLA's gain against Separate targets (+$5.7M [+$4.4M, +$6.9M])
    comes from the SLA and its terms (+$4.1M [...]); marketing's KPI, targets and pay plan
    contributes +$1.5M [...]."
    """
    from .plots import design_label, measure

    t = result.total.set_index("outcome").loc[outcome]
    m = measure(outcome)
    if t["n"] == 0 or math.isnan(t["mean"]):
        return f"{m.label}: not defined in these runs (no replication where every hybrid has a value)."
    total = float(t["mean"])
    resolved = bool(t["ci_low"] > 0 or t["ci_high"] < 0)
    what = (f"{_possessive(design_label(result.a))} {_word(total, m.better, resolved)} against "
            f"{design_label(result.b)} ({_with_interval(total, t['ci_low'], t['ci_high'], outcome)})")
    rows = list(result.contributions[result.contributions["outcome"] == outcome].itertuples())
    if total == 0 and all(r.mean == 0 for r in rows):
        return f"{m.label}: no difference between {design_label(result.a)} and {design_label(result.b)} in any replication."
    first, rest = rows[0], rows[1:]
    amount = _with_interval(first.mean, first.ci_low, first.ci_high, outcome)
    name = player_label(first.lever_group)
    same_sign = total != 0 and math.copysign(1, first.mean) == math.copysign(1, total)
    opposed = [r for r in rest if r.mean != 0 and (total == 0 or math.copysign(1, r.mean) != math.copysign(1, total))]
    if not rest:
        text = f"all of {what} comes from {name}"
    elif opposed and abs(first.mean) > abs(total) and sum(abs(r.mean) for r in opposed) > 0.5 * abs(total):
        text = f"{what} is the net of opposing effects: {name} gives {amount}"
    elif same_sign and abs(first.mean) > 0.5 * abs(total):
        text = f"most of {what} comes from {name} ({amount})"
    elif same_sign:
        text = f"the largest part of {what} comes from {name} ({amount})"
    else:
        text = f"{what} is the net of opposing effects: {name} gives {amount}"
    parts = [text]
    for r in rest:
        amount = _with_interval(r.mean, r.ci_low, r.ci_high, outcome)
        name = player_label(r.lever_group)
        if r.mean == 0:
            parts.append(f"{name} changes nothing")
        elif total != 0 and math.copysign(1, r.mean) == math.copysign(1, total):
            parts.append(f"{name} contributes {amount}")
        else:
            parts.append(f"{name} works against it ({amount})")
    tail = "" if resolved else " The total is not resolved by these replications (its interval includes zero)."
    return f"{m.label}: " + "; ".join(parts) + "." + tail


# ----------------------------------------------------------------------------- planning


def _key(scenario: Scenario) -> str:
    """What a run depends on: every field but the labels (equal keys give equal runs)."""
    flat = levers.flatten(scenario.model_dump())
    return canonical_json({k: v for k, v in flat.items() if k not in levers.LABEL_FIELDS})


@dataclass
class _Plan:
    a: Scenario
    b: Scenario
    players: dict[str, list[str]]  # player -> fields
    orders: list[tuple[str, ...]] | None
    scenarios: dict[frozenset, Scenario]  # coalition -> hybrid
    notes: list[str]


def _hybrid(a_flat: Mapping[str, Any], b_flat: Mapping[str, Any], fields: Sequence[str], a: str, b: str,
            moved: Sequence[str]) -> Scenario:
    flat = dict(b_flat)
    for path in fields:
        if path in a_flat:
            flat[path] = a_flat[path]
        else:
            flat.pop(path, None)
    if moved:
        flat["name"] = f"{b}+{a}[{','.join(moved)}]"
    source = f"{b} with {a}'s {', '.join(moved)}" if moved else b
    return build_scenario(levers.unflatten(flat), source)


BY = ("group", "field")
"""Who the players are: lever groups (default), or every differing field on its own."""


def _plan(a: Scenario, b: Scenario, seed: int, max_exact: int, permutations: int, by: str = "group") -> _Plan:
    if by not in BY:
        raise OrgsimError(f"by = {by!r}: allowed values are {', '.join(BY)}")
    groups = levers.differing_fields(a, b)
    if not groups:
        raise OrgsimError(f"{a.name} and {b.name} set every lever alike: nothing to explain")
    a_flat, b_flat = levers.flatten(a.model_dump()), levers.flatten(b.model_dump())
    players: dict[str, list[str]] = (
        dict(groups) if by == "group" else {path: [path] for fields in groups.values() for path in fields}
    )
    notes: list[str] = []
    built: dict[frozenset, Scenario | str] = {}

    def build(coalition: frozenset) -> Scenario | str:
        fields = frozenset(f for p in coalition for f in players[p])
        if fields not in built:
            order = [p for p in players if p in coalition]
            try:
                built[fields] = _hybrid(a_flat, b_flat, sorted(fields), a.name, b.name, order)
            except ScenarioError as exc:
                built[fields] = str(exc).split(": ", 1)[-1]
        return built[fields]

    while True:
        names = list(players)
        orders = None if len(names) <= max_exact else shapley.sample_orders(names, permutations, seed)
        needed = shapley.coalitions_needed(names, orders)
        invalid = [(c, build(c)) for c in needed if isinstance(build(c), str)]
        if not invalid:
            break
        coalition, reason = invalid[0]
        # Merge the pair (one group inside the invalid coalition, one outside) that leaves
        # the fewest invalid hybrids: those groups' fields are tied by a cross-field rule.
        best = None
        for i in [p for p in names if p in coalition]:
            for j in [p for p in names if p not in coalition]:
                trial = _merged(players, i, j)
                saved, players_now = players, trial
                players = players_now
                tnames = list(players)
                torders = None if len(tnames) <= max_exact else shapley.sample_orders(tnames, permutations, seed)
                bad = sum(isinstance(build(c), str) for c in shapley.coalitions_needed(tnames, torders))
                players = saved
                if best is None or bad < best[0]:
                    best = (bad, i, j)
        _, i, j = best  # type: ignore[misc]
        notes.append(
            f"{'lever groups' if by == 'group' else 'fields'} {i} and {j} are explained together: {b.name} with {a.name}'s "
            f"{' and '.join(sorted(coalition))} is not a valid scenario ({reason})"
        )
        players = _merged(players, i, j)
    scenarios = {c: build(c) for c in needed}
    # The two ends are the designs themselves (same fields; names kept for the records).
    scenarios[frozenset()] = b
    scenarios[frozenset(players)] = a
    return _Plan(a, b, players, orders, scenarios, notes)  # type: ignore[arg-type]


def _merged(players: dict[str, list[str]], i: str, j: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, fields in players.items():
        if name == j:
            continue
        if name == i:
            out[f"{i}+{j}"] = sorted(fields + players[j])
        else:
            out[name] = fields
    return out


# ----------------------------------------------------------------------------- running


def _load(design: Scenario | str) -> Scenario:
    return design if isinstance(design, Scenario) else load_scenario(design)


def explain_pairs(
    pairs: Sequence[tuple[Scenario | str, Scenario | str]],
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = 0,
    workers: int = 1,
    days: int | None = None,
    outcomes: Sequence[str] = KEY_OUTCOMES,
    progress: bool = False,
    known_runs: Mapping[str, pd.DataFrame] | None = None,
    max_exact_players: int = shapley.MAX_EXACT_PLAYERS,
    permutations: int = shapley.DEFAULT_PERMUTATIONS,
    by: str = "group",
) -> list[Explanation]:
    """Explain several pairs (A, B) with one batch of runs (shared hybrids run once).

    ``known_runs`` maps a design's name to summary rows already run on the same seeds
    (e.g. by ``compare``), so those designs are not run again.
    """
    if replications < 1:
        raise OrgsimError(f"replications = {replications}: must be at least 1")
    if workers < 1:
        raise OrgsimError(f"workers = {workers}: must be at least 1")
    plans = []
    for a, b in pairs:
        a, b = _load(a), _load(b)
        if days is not None:
            a = a.with_overrides({"horizon_days": days}, "--days")
            b = b.with_overrides({"horizon_days": days}, "--days")
        plans.append(_plan(a, b, seed, max_exact_players, permutations, by))
    seeds = replication_seeds(seed, replications)
    results: dict[str, pd.DataFrame] = {}
    for plan in plans:  # rows compare already has, for the designs themselves
        for design in (plan.a, plan.b):
            rows = (known_runs or {}).get(design.name)
            if rows is not None and len(rows) == replications and _key(design) not in results:
                results[_key(design)] = rows.sort_values("replication").reset_index(drop=True)
    todo: dict[str, Scenario] = {}
    for plan in plans:
        for scenario in plan.scenarios.values():
            k = _key(scenario)
            if k not in results:
                todo.setdefault(k, scenario)
    tasks = [RunTask(sc, s, r) for sc in todo.values() for r, s in enumerate(seeds)]
    frames = run_tasks(tasks, workers=workers, progress=progress) if tasks else []
    for i, k in enumerate(todo):
        results[k] = pd.concat(frames[i * replications : (i + 1) * replications], ignore_index=True)
    return [_decompose(plan, results, replications, seed, days, outcomes, permutations) for plan in plans]


def _decompose(plan: _Plan, results: Mapping[str, pd.DataFrame], replications: int, seed: int, days: int | None,
               outcomes: Sequence[str], permutations: int) -> Explanation:
    any_rows = results[_key(plan.b)]
    outcomes = [o for o in outcomes if o in any_rows.columns]
    values: dict[frozenset, np.ndarray] = {
        c: results[_key(s)][outcomes].to_numpy(dtype=float) for c, s in plan.scenarios.items()
    }
    names = list(plan.players)
    phi = shapley.shapley(names, lambda c: values[c], plan.orders)
    total = values[frozenset(names)] - values[frozenset()]
    # An outcome undefined in some run (e.g. no deals: no win rate) leaves that replication out
    # of every group and of the total alike, so the contributions still add up.
    finite = np.all(np.isfinite(np.stack(list(values.values()))), axis=0)  # (replications, outcomes)
    total_rows, contrib_rows, rep_rows = [], [], []
    for j, outcome in enumerate(outcomes):
        mask = finite[:, j]
        mean, low, high = mean_ci(total[mask, j]) if mask.any() else (float("nan"),) * 3
        total_rows.append({"outcome": outcome, "n": int(mask.sum()), "mean": mean, "ci_low": low, "ci_high": high})
        block = []
        for name in names:
            m, lo, hi = mean_ci(phi[name][mask, j]) if mask.any() else (float("nan"),) * 3
            block.append({"lever_group": name, "label": player_label(name), "fields": ", ".join(plan.players[name]),
                          "outcome": outcome, "n": int(mask.sum()), "mean": m, "ci_low": lo, "ci_high": hi})
        block.sort(key=lambda r: -abs(r["mean"]) if not math.isnan(r["mean"]) else 0.0)
        contrib_rows += block
        for r in range(replications):
            if not mask[r]:
                continue
            rep_rows.append({"lever_group": "total", "outcome": outcome, "replication": r, "value": float(total[r, j])})
            rep_rows += [{"lever_group": n, "outcome": outcome, "replication": r, "value": float(phi[n][r, j])} for n in names]
    coalition_frames = []
    for c, s in plan.scenarios.items():
        frame = results[_key(s)].copy()
        frame.insert(0, "coalition", "+".join(n for n in names if n in c) or "(none)")
        coalition_frames.append(frame)
    return Explanation(
        a=plan.a.name,
        b=plan.b.name,
        replications=replications,
        seed=seed,
        days=days,
        groups=dict(plan.players),
        method="exact" if plan.orders is None else "permutation sampling",
        permutations=None if plan.orders is None else len(plan.orders),
        total=pd.DataFrame(total_rows),
        contributions=pd.DataFrame(contrib_rows),
        per_replication=pd.DataFrame(rep_rows),
        coalitions=pd.concat(coalition_frames, ignore_index=True),
        notes=list(plan.notes),
    )


def explain(
    a: Scenario | str,
    b: Scenario | str,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = 0,
    workers: int = 1,
    days: int | None = None,
    outcomes: Sequence[str] = KEY_OUTCOMES,
    progress: bool = False,
    max_exact_players: int = shapley.MAX_EXACT_PLAYERS,
    permutations: int = shapley.DEFAULT_PERMUTATIONS,
    by: str = "group",
) -> Explanation:
    """Decompose A - B into the Shapley contribution of each lever group that differs.

    Args:
        a, b: designs (preset names, YAML paths or :class:`Scenario` objects); A - B is explained.
        replications: runs per coalition, on ``SeedSequence(seed).spawn(replications)`` (as compare).
        seed: the root seed.
        workers: worker processes (1 runs in this process); results do not depend on it.
        days: override both designs' horizon.
        max_exact_players: exact Shapley values up to this many groups (2^k coalitions);
            above, ``permutations`` sampled orders.
        by: ``"group"`` (lever groups, the default) or ``"field"`` (every differing field is
            its own player: finer, and 2^fields coalitions).

    Raises:
        OrgsimError: an unknown design or bad file, or two designs that set every lever alike.
    """
    return explain_pairs([(a, b)], replications, seed, workers, days, outcomes, progress,
                         max_exact_players=max_exact_players, permutations=permutations, by=by)[0]


def explain_against_baseline(
    scenarios: Sequence[Scenario],
    baseline: Scenario,
    replications: int,
    seed: int,
    workers: int,
    days: int | None = None,
    runs: pd.DataFrame | None = None,
    progress: bool = False,
) -> dict[str, Explanation]:
    """Each design against the baseline (``orgsim compare --explain``), reusing compare's ``runs``."""
    others = [s for s in scenarios if s.name != baseline.name and _key(s) != _key(baseline)]
    known = None
    if runs is not None:
        known = {name: frame for name, frame in runs.groupby("scenario", sort=False)}
    results = explain_pairs([(s, baseline) for s in others], replications, seed, workers, days,
                            progress=progress, known_runs=known)
    return {s.name: r for s, r in zip(others, results, strict=True)}


def write_explain_json(explanations: Mapping[str, Explanation], baseline: str, path: Path) -> None:
    """``explain.json`` of a compare folder: ``{"baseline": ..., "designs": {name: explanation}}``."""
    doc = {"baseline": baseline, "designs": {name: e.to_dict() for name, e in explanations.items()}}
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
