"""The executive summary: one page that answers the question asked, written from the results by rules.

Nothing here is written by hand for a particular run: every sentence is chosen and filled
in by a rule over the folder's frames and the optional inputs beside them.

* **Recommendation** -- the headline outcome (bookings unless the comparison shows others):
  the design with the highest mean; it is *recommended* only when its paired difference from
  the baseline is resolved (Holm-corrected over the whole table, as in the differences table)
  on the better side, else the summary says no design beats the baseline clearly. Any key
  outcome on which the recommended design is clearly *worse* is named as its trade-off.
* **What drives it** -- from ``explain.json`` (``orgsim compare --explain``): the
  decomposition sentence of the recommended design's headline outcome.
* **What it costs** -- total cost and cost per won deal of the recommended design and the
  baseline, and, when the folder has the quarterly cumulative differences, the deepest dip
  of cumulative bookings below the baseline and the quarter from which it stays ahead.
* **How sure we are** -- from ``robustness.json`` (``orgsim robustness``): the share of the
  sampled assumptions in which the recommended design beats the baseline on the headline
  outcome, and the assumptions that could overturn it (PRIM box, rank correlations). The
  wording follows the share: at least 80% "holds", 50-80% "holds in most", below 50% "does
  not hold in most".
* **What the model does not know** -- from ``validation.json`` (``orgsim validate``): the
  published targets the model misses that bear on the outcomes shown.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import plots
from ..errors import OrgsimError

HEADLINE_OUTCOME = "bookings"
KEY_OUTCOMES = ("bookings", "pipeline_created", "cac", "total_cost", "friction_index")
ROBUST_HOLDS = 0.8
ROBUST_MOSTLY = 0.5

VALIDATION_KEYWORDS = {
    "bookings": ("booking", "revenue", "win", "deal", "cycle", "acv"),
    "pipeline_created": ("pipeline", "opportunit", "sql", "conversion"),
    "cac": ("cost", "cac", "spend"),
    "total_cost": ("cost", "spend"),
    "mql_acceptance_rate": ("mql", "accept", "reject", "sal"),
    "share_never_worked": ("never", "follow", "touch", "speed"),
    "median_speed_to_lead_hours": ("speed", "touch", "response"),
    "friction_index": ("trust", "friction", "blame", "reject", "never"),
    "win_rate": ("win",),
}
"""Words in a validation target's name that make it bear on an outcome the report shows."""


@dataclass
class SummarySection:
    title: str
    lines: list[str]


@dataclass
class ExecutiveSummary:
    """The summary's headline (one sentence) and its sections, in reading order."""

    headline: str
    sections: list[SummarySection] = field(default_factory=list)
    recommended: str | None = None


# ----------------------------------------------------------------------------- optional inputs


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OrgsimError(f"{path}: not valid JSON ({exc})") from None


def find_input(folder: Path, given: Path | str | None, name: str) -> Path | None:
    """``given`` (a file, or a folder holding ``name``), else ``folder/name`` if it exists."""
    if given is not None:
        path = Path(given)
        if path.is_dir():
            path = path / name
        if not path.is_file():
            raise OrgsimError(f"{given}: no {name} there; pass the file or the folder that orgsim wrote it into")
        return path
    path = Path(folder) / name
    return path if path.is_file() else None


def read_robustness(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("pairs"), list):
        raise OrgsimError(f"{path}: not an orgsim robustness.json (no 'pairs' list)")
    return data


def read_validation(path: Path | None) -> list[dict[str, Any]] | None:
    if path is None:
        return None
    data = _read_json(path)
    if not isinstance(data, list) or not all(isinstance(r, dict) and "target" in r and "inside" in r for r in data):
        raise OrgsimError(f"{path}: not an orgsim validation.json (a list of rows with 'target' and 'inside')")
    return data


# ----------------------------------------------------------------------------- rules


def _interval(low: float, high: float, outcome: str, signed: bool = False) -> str:
    if pd.isna(low) or pd.isna(high):
        return ""
    return f"[{plots.format_value(low, outcome, signed)}, {plots.format_value(high, outcome, signed)}]"


def _resolved_better(row: pd.Series, outcome: str) -> bool | None:
    """True: clearly better than the baseline; False: clearly worse; None: not resolved."""
    if pd.isna(row.get("ci_low")) or pd.isna(row.get("ci_high")):
        return None
    if "resolved" in row and not bool(row["resolved"]):
        return None
    if row["ci_low"] <= 0 <= row["ci_high"]:
        return None
    better = plots.measure(outcome).better
    higher = row["difference"] > 0
    if better is None:
        return None
    return bool(higher == (better == "higher"))


def _mean_of(summary: pd.DataFrame, design: str, outcome: str) -> pd.Series | None:
    rows = summary[(summary["scenario"].astype(str) == design) & (summary["outcome"] == outcome)]
    return None if rows.empty else rows.iloc[0]


def _value_with_interval(summary: pd.DataFrame, design: str, outcome: str) -> str:
    row = _mean_of(summary, design, outcome)
    if row is None:
        return "n/a"
    lo, hi = plots.clip_band(outcome, [row["ci_low"]], [row["ci_high"]])
    return f"{plots.format_value(row['mean'], outcome)} {_interval(float(lo[0]), float(hi[0]), outcome)}".strip()


def _difference_text(row: pd.Series, outcome: str) -> str:
    return f"{plots.format_value(row['difference'], outcome, True)} {_interval(row['ci_low'], row['ci_high'], outcome, True)}".strip()


def compare_summary(
    summary: pd.DataFrame,
    differences: pd.DataFrame,
    designs: list[str],
    baseline: str,
    explain: list[Any] | None = None,
    robustness: dict[str, Any] | None = None,
    validation: list[dict[str, Any]] | None = None,
    cumulative: pd.DataFrame | None = None,
    crossover: pd.DataFrame | None = None,
    outcome: str = HEADLINE_OUTCOME,
    payback: pd.DataFrame | None = None,
) -> ExecutiveSummary:
    """The executive summary of a comparison, by the rules in the module docstring.

    ``differences`` carries ``resolved`` (Holm) when :func:`content.with_holm` was applied;
    without it an interval that excludes zero counts as resolved.
    """
    base_label = plots.design_label(baseline)
    m = plots.measure(outcome)
    means = summary[summary["outcome"] == outcome].set_index(summary.loc[summary["outcome"] == outcome, "scenario"].astype(str))
    ranked = [d for d in sorted(designs, key=lambda d: -float(means.loc[d, "mean"]) if d in means.index else math.inf) if d in means.index]
    if m.better == "lower":
        ranked = ranked[::-1]
    diffs = differences[differences["outcome"] == outcome].set_index(
        differences.loc[differences["outcome"] == outcome, "scenario"].astype(str)
    )
    leader = ranked[0] if ranked else None
    recommended = None
    lines: list[str] = []
    if leader is None:
        headline = f"No results for {plots.lower_first(m.label)}: nothing to recommend."
    elif leader == baseline:
        headline = f"No design beats {base_label} on {plots.lower_first(m.label)}: keep it, or test other designs."
        lines.append(
            f"{base_label} has the best mean {plots.lower_first(m.label)} of the {len(designs)} designs ({_value_with_interval(summary, baseline, outcome)})."
        )
    else:
        verdict = _resolved_better(diffs.loc[leader], outcome) if leader in diffs.index else None
        leader_label = plots.design_label(leader)
        diff_text = _difference_text(diffs.loc[leader], outcome) if leader in diffs.index else "n/a"
        if verdict:
            recommended = leader
            headline = f"{leader_label} leads on {plots.lower_first(m.label)}: {diff_text} against {base_label}."
            lines.append(
                f"On this evidence, {leader_label} is the design to prefer for {plots.lower_first(m.label)}: its paired difference from "
                f"{base_label} is {diff_text} (95% interval; resolved after correcting for every comparison in the table)."
            )
        else:
            headline = f"No design beats {base_label} clearly on {plots.lower_first(m.label)}."
            lines.append(
                f"{leader_label} has the highest mean, {diff_text} against {base_label}, but the interval does not resolve the "
                "difference (it includes zero, or does not survive the correction for many comparisons): more replications, "
                "or a larger difference, are needed before recommending a change."
            )
    # the other key outcomes: which design is best, and the recommended design's trade-offs
    focus = recommended or leader
    if focus is not None and focus != baseline:
        better_on, worse_on = [], []
        for other in KEY_OUTCOMES:
            if other == outcome:
                continue
            d = differences[(differences["outcome"] == other) & (differences["scenario"].astype(str) == focus)]
            if d.empty:
                continue
            v = _resolved_better(d.iloc[0], other)
            text = f"{plots.lower_first(plots.measure(other).label)} {_difference_text(d.iloc[0], other)}"
            if v is True:
                better_on.append(text)
            elif v is False:
                worse_on.append(text)
        label = plots.design_label(focus)
        if better_on:
            lines.append(f"{label} is also clearly better on " + "; ".join(better_on) + ".")
        if worse_on:
            lines.append(f"Trade-off: {label} is clearly worse on " + "; ".join(worse_on) + ".")
    sections = [SummarySection("Recommendation", lines)]

    # what drives it
    drivers: list[str] = []
    section = next((s for s in (explain or []) if getattr(s, "design", None) == focus), None)
    if focus is None or focus == baseline:
        drivers.append("No design differs clearly from the baseline, so there is no difference to explain.")
    elif section is not None and section.sentences:
        drivers.append(section.sentences[0])
    else:
        drivers.append(
            f"Not decomposed: rerun the comparison with --explain to split the difference of {plots.design_label(focus)} "
            "among the lever groups that differ (Shapley values)."
        )
    sections.append(SummarySection("What drives it", drivers))

    # what it costs
    costs: list[str] = []
    for design in [d for d in (focus, baseline) if d is not None and (focus != baseline or d == baseline)][:2]:
        parts = [
            f"{plots.lower_first(plots.measure(o).label)} {_value_with_interval(summary, design, o)}"
            for o in ("total_cost", "cac")
            if _mean_of(summary, design, o) is not None
        ]
        if parts:
            costs.append(f"{plots.design_label(design)}: " + "; ".join(parts) + ".")
    if focus is not None and focus != baseline and cumulative is not None and len(cumulative):
        c = cumulative[cumulative["scenario"].astype(str) == focus].sort_values("quarter")
        if len(c):
            trough = c.loc[c["difference"].idxmin()]
            if trough["difference"] < 0:
                text = (
                    f"Cumulative bookings dip below {base_label} first: the deepest gap is "
                    f"{plots.format_value(trough['difference'], 'bookings', True)} in quarter {int(trough['quarter'])}"
                )
                cross = None
                if crossover is not None and len(crossover):
                    x = crossover[crossover["scenario"].astype(str) == focus]
                    if len(x) and not pd.isna(x.iloc[0]["sign_change_quarter"]):
                        cross = int(x.iloc[0]["sign_change_quarter"])
                text += (
                    f"; it is ahead for good from quarter {cross} (payback)."
                    if cross
                    else "; it has not caught up by the end of the horizon."
                )
                costs.append(text)
            else:
                costs.append(f"Cumulative bookings stay at or above {base_label} in every quarter (no dip).")
    for r in payback.itertuples() if payback is not None else []:  # roadmaps: against the design each starts from
        costs.append(
            f"Roadmap {plots.design_label(str(r.scenario))} (changing in quarter {int(r.switch_quarter)}) against "
            f"{plots.design_label(str(r.reference))}: the transition dip is {plots.format_value(r.dip, 'bookings', True)} "
            f"{_interval(r.dip_ci_low, r.dip_ci_high, 'bookings', True)} in quarter {_quarter(r.dip_quarter)}; payback "
            f"{_payback(r.payback_quarter)} (95% interval: {_payback(r.payback_earliest)} to {_payback(r.payback_latest)})."
        )
    sections.append(SummarySection("What it costs", costs or ["No cost outcomes in these results."]))

    # how sure we are
    sure: list[str] = []
    if robustness is None:
        sure.append(
            "Across replications only (the intervals above). No robustness run is attached: orgsim robustness over the "
            "declared uncertainties, passed to the report with --robustness, says whether the ranking survives other plausible assumptions."
        )
    elif focus is None or focus == baseline:
        sure.append("Robustness over the declared uncertainties is attached, but there is no recommended change to test.")
    else:
        row = _robust_pair(robustness, focus, baseline, outcome)
        if row is None:
            sure.append(
                f"The attached robustness run does not compare {plots.design_label(focus)} with {base_label} on {plots.lower_first(m.label)}."
            )
        else:
            share, lo, hi, wins_for_focus = row
            word = "holds" if share >= ROBUST_HOLDS else "holds in most but not all" if share >= ROBUST_MOSTLY else "does not hold in most"
            sure.append(
                f"The ranking {word} of the plausible assumptions: {plots.design_label(focus)} beats {base_label} on "
                f"{plots.lower_first(m.label)} in {share:.0%} [{lo:.0%}, {hi:.0%}] of {robustness.get('samples', '?')} sampled points."
            )
            box, top = wins_for_focus.get("box"), wins_for_focus.get("top_assumptions")
            if box:
                sure.append(f"It could be overturned where {box}.")
            if top:
                sure.append(f"The assumptions that move the advantage most: {top}.")
    sections.append(SummarySection("How sure we are", sure))

    # what the model does not know
    unknown: list[str] = []
    if validation is None:
        unknown.append(
            "No validation run is attached (orgsim validate; pass it with --validation): the targets the calibrated model misses are listed in docs/model.md."
        )
    else:
        shown = set(KEY_OUTCOMES) | {outcome}
        words = {w for o in shown for w in VALIDATION_KEYWORDS.get(o, ())}
        misses = [r for r in validation if not _truthy(r.get("inside"))]
        bearing = [r for r in misses if any(w in str(r["target"]).lower() for w in words)]
        if not misses:
            unknown.append(f"The model meets all {len(validation)} published validation targets.")
        elif bearing:
            names = "; ".join(str(r["target"]) for r in bearing[:5]) + (f"; and {len(bearing) - 5} more" if len(bearing) > 5 else "")
            unknown.append(
                f"The model misses {len(misses)} of {len(validation)} published targets; those that bear on these outcomes: {names}."
            )
        else:
            unknown.append(
                f"The model misses {len(misses)} of {len(validation)} published targets, none of them on the outcomes shown here."
            )
    sections.append(SummarySection("What the model does not know", unknown))
    return ExecutiveSummary(headline, sections, recommended)


def _quarter(value: float) -> str:
    return "n/a" if pd.isna(value) else str(int(value))


def _payback(value: float) -> str:
    """A payback quarter in words (as ``orgsim compare`` prints it)."""
    return "not within the horizon" if pd.isna(value) else f"in quarter {int(value)}"


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "true", "1", "inside")
    return bool(value)


def _robust_pair(robustness: dict[str, Any], focus: str, baseline: str, outcome: str) -> tuple[float, float, float, dict] | None:
    """(share in which ``focus`` beats ``baseline`` with its interval, the row) from robustness.json's pairs."""
    for r in robustness["pairs"]:
        if r.get("outcome") != outcome:
            continue
        a, b = str(r.get("design_a")), str(r.get("design_b"))
        if (a, b) == (focus, baseline):
            return float(r["share"]), float(r["ci_low"]), float(r["ci_high"]), r
        if (a, b) == (baseline, focus):  # the baseline is the more frequent winner: the focus wins the rest
            n = max(int(r.get("n") or 0), 1)
            share = float(r.get("losses", 0)) / n
            return share, 1 - float(r["ci_high"]), 1 - float(r["ci_low"]), {"top_assumptions": r.get("top_assumptions")}
    return None


def sweep_summary(context: dict[str, Any], indices: pd.DataFrame | None = None) -> ExecutiveSummary:
    """A sweep's summary: where each outcome does best (with intervals), and what moves it most."""
    best = list(context.get("best") or [])
    headline = best[0] if best else "No successful runs to summarise."
    sections = [SummarySection("Where each outcome does best", best or ["No point has results yet."])]
    drivers = []
    if indices is not None and len(indices) and "outcome" in indices:
        key = "ST" if "ST" in indices else "mu_star" if "mu_star" in indices else None
        if key:
            for outcome, block in indices.groupby("outcome", sort=False):
                top = block.sort_values(key, ascending=False).iloc[0]
                what = "share of variance (total Sobol' index)" if key == "ST" else "mean absolute effect (Morris \u03bc*)"
                drivers.append(
                    f"{plots.measure(str(outcome)).label}: {plots.parameter_label(str(top['parameter'])).split(' (')[0]} moves it most "
                    f"({what} {top[key]:.2g})."
                )
    if not drivers:
        drivers.append("No sensitivity indices in this folder (orgsim sensitivity SPEC adds them for a Sobol' or Morris design).")
    sections.append(SummarySection("What drives it", drivers))
    sections.append(SummarySection("How sure we are", list(context.get("caveats", []))[:2]))
    return ExecutiveSummary(headline, sections)
