"""The report of a sweep folder (``orgsim sweep`` / ``orgsim sensitivity``).

A sweep folder holds ``manifest.json`` (the spec, resolved), ``points.parquet``, the run
rows under ``runs/`` and, after ``orgsim sensitivity``, ``sensitivity.parquet``. The report
says what was varied and over what, what each varied lever does in the model, the
per-point means with intervals (when the design has few enough points to read them), the
best point for each outcome, the charts, and the assumptions and caveats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import plots
from ..errors import OrgsimError
from ..scenario import field_reference
from . import content
from .options import ReportOptions
from .summary import sweep_summary

if TYPE_CHECKING:  # pragma: no cover
    from .builder import ResultsFolder

MAX_TABLE_POINTS = 40
"""Designs with more points than this get no per-point table (read the charts and the folder)."""

PARAMETER_MECHANISMS = {
    "marketing.shared_revenue_weight": (
        "Marketers choose their MQL threshold and campaign mix weekly to maximise their own pay. The more of it rides "
        "on shared revenue, the more that choice weighs expected revenue (given what they believe about lead quality "
        "and sales' capacity) against their own KPI: the threshold rises, the mix turns to targeted campaigns, and "
        "fewer, better MQLs reach sales."
    ),
    "sales.shared_revenue_weight": (
        "A team-revenue component in AEs' pay lowers the believed quality a marketing lead needs before an AE spends "
        "a touch on it, and makes feedback on leads worth more of an AE's time."
    ),
    "sla.first_touch_hours": (
        "The SLA's deadline for the first touch of an agreed MQL. Reps put leads near their deadline first; a "
        "breach is logged and reviewed. A late first touch qualifies less (the response-decay curve, HBR 2011), so "
        "a tighter window can raise qualification — at the price of more breaches when capacity is short."
    ),
    "sla.min_attempts": (
        "Contact attempts required before a lead may be recycled. More attempts reach more buyers (each attempt "
        "reaches one with a fixed probability) but take rep hours from other leads."
    ),
    "sla.reject_window_days": "Working days sales has to accept or reject an agreed MQL, with a reason code.",
    "sla.mql_definition_score": (
        "The agreed minimum lead score of an MQL: marketing may not pass leads below it, and leads below it can be "
        "rejected with that reason."
    ),
    "marketing.mql_target_per_quarter": (
        "Marketing's MQL target. Volume pay is capped at 150% of target, so a higher target keeps the volume "
        "incentive unsaturated and pushes the threshold lower; a lower one lets marketers reach the cap with better "
        "leads."
    ),
    "marketing.brand_share": (
        "The planned share of the programme budget spent on brand. Awareness builds slowly and decays slowly, raising "
        "hand-raising and win rates over quarters; the rest funds demand generation now."
    ),
    "collaboration.joint_meeting_every_days": (
        "Working days between joint sales-marketing meetings (0 = none). Each meeting closes part of the trust gap and "
        "shows marketing how many leads sales can work, and costs the attendees' hours."
    ),
    "sales.commission_rate": "AEs' commission on bookings: the pay attached to closing, which draws AE hours to deals.",
    "sales.accelerator": (
        "The commission multiplier above quota. Near quarter end an AE below quota gives late-stage deals extra time "
        "(deal bunching: Oyer 1998; Larkin 2014), so new leads wait."
    ),
    "sdr.agency.price_per_meeting_usd": "What the SDR agency is paid per meeting booked (a cost, and its incentive).",
    "sdr.agency.quality_bar": (
        "The contractual minimum perceived fit of a meeting the agency books. Paid per meeting, the agency books every "
        "contact who agrees and clears this bar."
    ),
    "strategy_clarity": ("How far the leaders' targets and ICPs agree: the lower it is, the further marketing's ICP drifts from sales'."),
    "base": "The org design itself: each value is a whole preset (or scenario file) with its own lever settings.",
}


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def parameter_rows(manifest: dict[str, Any]) -> list[dict[str, str]]:
    """What was varied: each parameter's values or range, what it is, and what it does in the model."""
    described = {row["field"]: row["description"] for row in field_reference()}
    rows = []
    for p in manifest["resolved"]["parameters"]:
        name = p["name"]
        if p.get("values") is not None:
            values = ", ".join(plots._param_value_text(name, v) for v in p["values"])
        else:
            values = f"{plots._param_value_text(name, p['low'])} to {plots._param_value_text(name, p['high'])}"
        description = described.get(name, "")
        source = (
            "assumption"
            if "assumption" in description.lower()
            else ("sourced" if any(m in description for m in content.SOURCE_MARKERS) else "")
        )
        rows.append(
            {
                "name": name,
                "label": plots.parameter_label(name),
                "values": values,
                "description": description,
                "source": source,
                "mechanism": PARAMETER_MECHANISMS.get(name, description or "A scenario field; see docs/scenario_reference.md."),
            }
        )
    return rows


@dataclass
class PointRow:
    point: int
    settings: list[str]
    cells: list[content.ResultCell]


def point_table(summary: pd.DataFrame, parameters: list[str], outcomes: list[str]) -> list[PointRow]:
    """Per point: its settings and each outcome's mean with its interval (verdict vs the reference point)."""
    rows = []
    for point, block in summary.groupby("point", sort=True):
        first = block.iloc[0]
        settings = [plots._param_value_text(p, first[p]) for p in parameters]
        by_outcome = block.set_index("outcome")
        cells = []
        for outcome in outcomes:
            if outcome not in by_outcome.index:
                cells.append(content.ResultCell("n/a"))
                continue
            r = by_outcome.loc[outcome]
            verdict = ""
            if int(r["point"]) == int(r["reference"]):
                verdict = "baseline"
            elif r.get("n_pairs", 0) and not pd.isna(r["difference_ci_low"]):
                verdict = content.verdict(
                    float(r["difference"]),
                    float(r["difference_ci_low"]),
                    float(r["difference_ci_high"]),
                    plots.measure(outcome).better,
                    content._resolved(r),
                )
            # Clipped to what is possible (no negative counts), as the compare report does.
            low, high = (float(v[0]) for v in plots.clip_band(outcome, [r["ci_low"]], [r["ci_high"]]))
            cells.append(content.ResultCell(plots.format_value(r["mean"], outcome), content._interval(low, high, outcome), verdict))
        rows.append(PointRow(int(point), settings, cells))
    return rows


def best_points(summary: pd.DataFrame, parameters: list[str], outcomes: list[str]) -> list[str]:
    """For each outcome with a better direction: the point with the best mean, and how sure that is."""
    out = []
    for outcome in outcomes:
        m = plots.measure(outcome)
        block = summary[summary["outcome"] == outcome].dropna(subset=["mean"])
        if block.empty or m.better is None:
            continue
        best = block.loc[block["mean"].idxmax() if m.better == "higher" else block["mean"].idxmin()]
        settings = ", ".join(f"{plots.parameter_label(p).split(' (')[0]} = {plots._param_value_text(p, best[p])}" for p in parameters)
        if pd.isna(best["ci_low"]) or pd.isna(best["ci_high"]):
            # One replication: no interval, so nothing says how sure the ranking is.
            out.append(
                f"{m.label} ({m.better} is better): highest mean at {settings} — "
                f"{plots.format_value(best['mean'], outcome)}; with one replication per point there is no interval, "
                "so this is not shown to be better than any other point."
                if m.better == "higher"
                else f"{m.label} ({m.better} is better): lowest mean at {settings} — "
                f"{plots.format_value(best['mean'], outcome)}; with one replication per point there is no interval, "
                "so this is not shown to be better than any other point."
            )
            continue
        # Points whose interval overlaps the best one's are not clearly worse.
        if m.better == "higher":
            close = block[block["ci_high"] >= best["ci_low"]]
        else:
            close = block[block["ci_low"] <= best["ci_high"]]
        others = len(close) - 1
        sure = (
            f"{others} other point{'s' if others != 1 else ''} ha{'ve' if others != 1 else 's'} overlapping intervals"
            if others
            else "no other point's interval overlaps it"
        )
        out.append(
            f"{m.label} ({m.better} is better): best at {settings} — "
            f"{plots.format_value(best['mean'], outcome)} {content._interval(best['ci_low'], best['ci_high'], outcome)}; "
            f"{sure}."
        )
    return out


def sweep_context(results: ResultsFolder, options: ReportOptions | None = None) -> dict[str, Any]:
    from ..experiments.analysis import summarize_results

    options = options or ReportOptions()
    manifest = results.meta
    runs = results.frames["runs"]
    parameters = list(manifest["parameters"])
    outcomes = [o for o in manifest.get("outcomes", []) if o in runs.columns]
    if options.outcomes:
        unknown = [o for o in options.outcomes if o not in outcomes]
        if unknown:
            raise OrgsimError(f"--outcomes: {', '.join(unknown)} not in this sweep's results; it has {', '.join(outcomes)}")
        outcomes = list(options.outcomes)
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    failed = int(len(runs) - len(ok))
    resolved = manifest["resolved"]
    design = manifest["design"]
    n_points = int(manifest["n_points"])
    replications = int(manifest["replications"])
    summary = None
    table_outcomes = outcomes[:8]
    if len(ok) and n_points <= MAX_TABLE_POINTS:
        try:
            summary = summarize_results(runs, outcomes)
        except ValueError:
            summary = None
    if summary is not None:  # the table's shaded cells, every point x outcome against the reference: one family
        not_compared = (summary["point"] == summary["reference"]) | ~summary["outcome"].isin(table_outcomes)
        summary = content.with_holm(summary, "difference", "difference_ci_low", "difference_ci_high", "n_pairs", not_compared)
    bases = list(resolved.get("bases", {}).keys())
    base_scenario = next(iter(resolved.get("bases", {}).values()), None)
    days = resolved.get("days") or (base_scenario or {}).get("horizon_days")
    overrides = resolved.get("overrides") or {}
    param_labels = [plots.parameter_label(p) for p in parameters]
    context: dict[str, Any] = {
        "kind": "sweep",
        "title": options.title or f"Sweep: {manifest.get('description') or manifest.get('name')}",
        "subtitle": options.subtitle
        or (
            f"{n_points} points \u00d7 {replications} replications, {design} design; "
            f"base: {', '.join(plots.design_label(b) for b in bases) or 'n/a'}"
        ),
        "client": options.client or "",
        "logo": options.logo_data_uri() or "",
        "question": (
            f"How do {_and_list([plots.lower_first(plots.measure(o).label) for o in outcomes[:5]])}"
            f"{' and more' if len(outcomes) > 5 else ''} respond as "
            f"{_and_list([plots._param_name(p) for p in parameters])} "
            f"{'vary' if len(parameters) > 1 else 'varies'}? Which settings do best, and how sure can we be?"
        ),
        "setup": [
            ("Sweep", str(manifest.get("name"))),
            ("Base design", ", ".join(plots.design_label(b) for b in bases) or "n/a"),
            ("Fixed overrides", ", ".join(f"{k} = {v}" for k, v in overrides.items()) or "none"),
            ("Design", f"{design}, {n_points} points"),
            ("Replications per point", f"{replications} (common random numbers: the same seeds at every point)"),
            ("Root seed", str(manifest.get("seed"))),
            ("Horizon", f"{days} working days (~{int(days) / 63:.0f} quarters)" if days else "n/a"),
            ("Runs", f"{len(ok)} ok" + (f", {failed} failed (left out)" if failed else "")),
            ("orgsim version", str(manifest.get("orgsim_version", "n/a"))),
            ("Report generated", date.today().isoformat()),
        ],
        "parameters": parameter_rows(manifest),
        "param_labels": param_labels,
        "outcome_labels": [f"{plots.measure(o).label}" for o in table_outcomes],
        "table_outcomes": table_outcomes,
        "points": point_table(summary, parameters, table_outcomes) if summary is not None else [],
        "reference_point": int(summary["reference"].iloc[0]) if summary is not None and len(summary) else None,
        "multiplicity": content.multiplicity_note(content.n_comparisons(summary), "points and outcomes") if summary is not None else "",
        "left_out_of_table": outcomes[len(table_outcomes) :],
        "best": best_points(summary, parameters, outcomes) if summary is not None else [],
        "too_many_points": n_points > MAX_TABLE_POINTS,
        "max_points": MAX_TABLE_POINTS,
        "sensitivity_method": (
            "sobol"
            if "sensitivity" in results.frames and "ST" in results.frames["sensitivity"]
            else "morris"
            if "sensitivity" in results.frames
            else None
        ),
        "skipped_outcomes": [o for o in manifest.get("outcomes", []) if o not in runs.columns],
        "unchartable": plots.unchartable_outcomes(runs, outcomes),
        "caveats": content.general_caveats(
            replications, [int(days or 0)], bases[0] if bases else "the reference point", str(manifest.get("orgsim_version", "")), "point"
        )[:1]
        + _sweep_caveats(design, replications, n_points),
        "assumptions": content.classify_defaults(base_scenario),
        "command": f"orgsim sweep {manifest.get('source', manifest.get('name'))}",
        "outcomes": outcomes,
        "parameter_names": parameters,
        "design": design,
    }
    context["summary"] = sweep_summary(context, results.frames.get("sensitivity"))
    return context


def _sweep_caveats(design: str, replications: int, n_points: int) -> list[str]:
    notes = [
        f"Intervals are 95% Student-t intervals across the {replications} replications at each point: they measure "
        "the randomness of the simulated market and people, not the uncertainty of the parameters held fixed.",
        "Every point ran on the same replication seeds (common random numbers), so differences between points are "
        "paired and tighter than the overlap of two points' intervals suggests.",
        "A sweep varies some levers with the rest of the base scenario fixed; other settings of the fixed levers can "
        "change which values do best (interactions).",
    ]
    if design == "sobol":
        notes.append(
            "Sobol' indices come from the mean outcome at each point; with few base samples or replications "
            "their bootstrap intervals are wide and small indices can come out negative (noise)."
        )
    if design == "morris":
        notes.append(
            "Morris screening ranks parameters by the size of their effects; it does not apportion variance "
            "and is a first pass before a finer sweep."
        )
    if design in ("lhs", "sobol", "morris"):
        notes.append(
            "With a sampled design, main-effect charts average each parameter's bins over all settings of "
            "the others, so their bands show spread across the design as well as noise."
        )
    return notes


def sweep_charts(results: ResultsFolder, context: dict[str, Any]) -> list[plots.Chart]:
    return plots.sweep_charts(
        results.frames["runs"],
        context["parameter_names"],
        context["outcomes"],
        context["design"],
        results.frames.get("sensitivity"),
    )
