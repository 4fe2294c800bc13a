"""What a report says, as plain data: lever tables, result tables, mechanisms, caveats.

Nothing here draws or renders; the HTML template and the PDF writer both read these
structures, so the two documents say the same thing.

The mechanism prose is written from the lever settings, not from the results: each lever
a design sets triggers a short description of the causal chain the model implements for
it (the agents' decision rules in ``simulation/agents`` and ``simulation/model.py``). The
only numbers in it are the design's own lever values; what the results show is stated
separately, from the paired differences and their intervals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import plots
from ..experiments.analysis import KEY_OUTCOMES, holm, paired_p_value
from ..scenario import field_reference

# ----------------------------------------------------------------------------- scenarios


def get_path(data: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """``get_path(d, "sla.enabled")`` on a nested dict (a scenario's ``model_dump``)."""
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


def _pct(v: Any) -> str:
    return f"{100 * float(v):.0f}%"


def _yes(v: Any) -> str:
    return "yes" if v else "no"


def _usd(v: Any) -> str:
    return plots._money(float(v), tick=True)


def _days(v: Any) -> str:
    return f"{int(v)} working days"


_KPI = {
    "mql_volume": "MQL volume",
    "sla_mqls": "MQLs meeting the SLA definition",
    "revenue": "revenue",
    "brand": "brand (no lead target)",
}


def _sla_only(fmt: Callable[[Any], str]) -> Callable[[Any, Mapping[str, Any]], str]:
    return lambda v, s: fmt(v) if get_path(s, "sla.enabled") else "\u2013"


def _agency_only(fmt: Callable[[Any], str]) -> Callable[[Any, Mapping[str, Any]], str]:
    return lambda v, s: fmt(v) if get_path(s, "sdr.sourcing") == "agency" else "\u2013"


def _plain(fmt: Callable[[Any], str]) -> Callable[[Any, Mapping[str, Any]], str]:
    return lambda v, s: fmt(v)


LEVERS: tuple[tuple[str, str, Callable[[Any, Mapping[str, Any]], str]], ...] = (
    ("structure", "Structure", _plain(lambda v: {"separate": "CMO + VP Sales", "combined": "one CRO over both"}.get(v, v))),
    ("marketing.kpi", "Marketing measured on", _plain(lambda v: _KPI.get(v, str(v)))),
    ("marketing.shared_revenue_weight", "Shared revenue in marketers' pay", _plain(_pct)),
    ("sales.shared_revenue_weight", "Team revenue in AEs' pay", _plain(_pct)),
    ("marketing.mql_target_per_quarter", "MQL target per quarter", _plain(lambda v: f"{float(v):,.0f}")),
    ("marketing.brand_share", "Brand share of programme budget", _plain(_pct)),
    ("marketing.enablement_share", "Enablement share of budget", _plain(_pct)),
    ("marketing.budget_per_quarter_usd", "Programme budget per quarter", _plain(_usd)),
    ("sla.enabled", "Sales-marketing SLA", _plain(_yes)),
    ("sla.mql_definition_score", "SLA: agreed MQL score", _sla_only(lambda v: f"\u2265 {float(v):.2f}")),
    ("sla.first_touch_hours", "SLA: first touch within", _sla_only(lambda v: f"{float(v):g} hours")),
    ("sla.min_attempts", "SLA: minimum contact attempts", _sla_only(lambda v: f"{int(v)}")),
    ("sla.reject_window_days", "SLA: accept / reject window", _sla_only(_days)),
    ("sla.breach_review", "SLA: weekly breach review", _sla_only(_yes)),
    ("sdr.owner", "SDRs report to", _plain(str)),
    ("sdr.sourcing", "SDR sourcing", _plain(lambda v: {"in_house": "in-house", "agency": "agency"}.get(v, v))),
    ("sdr.motion", "SDR motion", _plain(str)),
    ("sdr.headcount", "SDRs (or agency SDR-equivalents)", _plain(lambda v: f"{int(v)}")),
    ("sdr.agency.price_model", "Agency paid", _agency_only(lambda v: v.replace("_", " "))),
    ("sdr.agency.price_per_meeting_usd", "Agency price per meeting", _agency_only(_usd)),
    ("sdr.agency.quality_bar", "Agency quality bar", _agency_only(lambda v: f"{float(v):.2f}")),
    (
        "collaboration.joint_meeting_every_days",
        "Joint meetings",
        _plain(lambda v: f"every {int(v)} working days" if int(v) > 0 else "none"),
    ),
    ("collaboration.feedback_routine", "Feedback routine", _plain(_yes)),
    ("collaboration.shared_icp", "One shared ICP", _plain(_yes)),
    ("strategy_clarity", "Strategy clarity (0-1)", _plain(lambda v: f"{float(v):.2f}")),
    ("sales.ae_headcount", "Account executives", _plain(lambda v: f"{int(v)}")),
    ("marketing.headcount", "Marketers", _plain(lambda v: f"{int(v)}")),
    ("horizon_days", "Horizon", _plain(_days)),
)
"""The lever rows of the side-by-side table: dotted path, label, formatter(value, scenario)."""

_IGNORED_IN_DIFF = {"name", "description"}


@dataclass
class Cell:
    text: str
    differs: bool = False


@dataclass
class Row:
    label: str
    cells: list[Cell]
    note: str = ""


def lever_table(scenarios: Mapping[str, Mapping[str, Any]], designs: Sequence[str], baseline: str) -> list[Row]:
    """One row per lever, one cell per design; ``differs`` marks a setting unlike the baseline's."""
    base = scenarios.get(baseline, {})
    rows = []
    for path, label, fmt in LEVERS:
        cells = []
        for name in designs:
            s = scenarios[name]
            text = fmt(get_path(s, path), s)
            differs = name != baseline and text != fmt(get_path(base, path), base)
            cells.append(Cell(text, differs))
        rows.append(Row(label, cells))
    return rows


def other_differences(scenarios: Mapping[str, Mapping[str, Any]], designs: Sequence[str]) -> list[Row]:
    """Every other field that is not the same in all designs (so nothing differs unseen)."""
    shown = {path for path, _, _ in LEVERS}
    flat = {name: flatten(scenarios[name]) for name in designs}
    paths = sorted(set().union(*(f.keys() for f in flat.values())))
    rows = []
    for path in paths:
        if path in shown or path in _IGNORED_IN_DIFF:
            continue
        values = [flat[n].get(path) for n in designs]
        if len({repr(v) for v in values}) > 1:
            rows.append(Row(path, [Cell(_short(v)) for v in values]))
    return rows


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# ----------------------------------------------------------------------------- results tables


_MONEY = ("bookings", "pipeline_created", "total_cost", "cac")
TABLE_OUTCOMES = _MONEY + tuple(o for o in KEY_OUTCOMES if o not in _MONEY)
"""The comparison's outcomes (``experiments.analysis.KEY_OUTCOMES``), money first."""


@dataclass
class ResultCell:
    text: str
    interval: str = ""
    verdict: str = ""  # "better", "worse", "higher", "lower", "unclear", "baseline" or ""


@dataclass
class ResultRow:
    outcome: str
    label: str
    unit: str
    cells: list[ResultCell]
    better: str | None = None


def _interval(low: float, high: float, outcome: str, signed: bool = False) -> str:
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        return ""
    return f"[{plots.format_value(low, outcome, signed)}, {plots.format_value(high, outcome, signed)}]"


ALPHA = 0.05
"""Family-wise error rate of the shading: Holm-corrected over every comparison of a table."""


def with_holm(
    frame: pd.DataFrame,
    difference: str = "difference",
    low: str = "ci_low",
    high: str = "ci_high",
    n: str = "n",
    skip: pd.Series | None = None,
) -> pd.DataFrame:
    """``frame`` with ``p_value`` (paired t-test, from each interval), ``p_holm`` (Holm's
    correction over all the rows: the table's simultaneous comparisons) and ``resolved``
    (``p_holm < ALPHA``). Rows in ``skip`` (e.g. the reference against itself) are not
    comparisons and are left out of the family."""

    out = frame.copy()
    if out.empty:
        out["p_value"], out["p_holm"], out["resolved"] = [], [], []
        return out
    p = [
        paired_p_value(float(r[difference]), float(r[low]), float(r[high]), int(r[n]) if not pd.isna(r[n]) else 0)
        for _, r in out.iterrows()
    ]
    out["p_value"] = p
    if skip is not None:
        out.loc[skip.to_numpy(), "p_value"] = float("nan")
    out["p_holm"] = holm(out["p_value"].to_numpy())
    out["resolved"] = out["p_holm"] < ALPHA
    return out


def n_comparisons(frame: pd.DataFrame) -> int:
    """How many comparisons a :func:`with_holm` frame's correction covered."""
    return int(frame["p_value"].notna().sum()) if "p_value" in frame else 0


def multiplicity_note(k: int, what: str = "designs and outcomes") -> str:
    """The sentence that says the shading is corrected for ``k`` simultaneous comparisons."""
    if k < 2:
        return ""
    return (
        f"This table makes {k} comparisons at once (all {what}), so some intervals would exclude zero by chance "
        f"alone. A difference is shaded, and called clear, only when it survives Holm's correction over all {k} "
        "(a 5% family-wise error rate); the brackets are the uncorrected 95% intervals, so one that just excludes "
        "zero can stay unshaded."
    )


def verdict(difference: float, low: float, high: float, better: str | None, resolved: bool | None = None) -> str:
    """``better``/``worse`` (or ``higher``/``lower`` without a better direction) when the
    interval excludes zero (and, when ``resolved`` is given, the difference survives the
    correction for many comparisons); ``unclear`` when not; ``""`` with no interval."""
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)) or low == high == difference:
        return ""
    if low <= 0 <= high or resolved is False:
        return "unclear"
    higher = difference > 0
    if better is None:
        return "higher" if higher else "lower"
    return "better" if higher == (better == "higher") else "worse"


def _resolved(row: Any) -> bool | None:
    """A row's Holm verdict when :func:`with_holm` added one, else None (no correction)."""
    value = row.get("resolved") if hasattr(row, "get") else None
    return None if value is None or pd.isna(value) else bool(value)


def means_table(summary: pd.DataFrame, designs: Sequence[str], outcomes: Sequence[str] = TABLE_OUTCOMES) -> list[ResultRow]:
    """Mean and 95% interval of each outcome, one column per design."""
    s = summary.set_index(["scenario", "outcome"])
    rows = []
    for outcome in outcomes:
        if not (summary["outcome"] == outcome).any():
            continue
        m = plots.measure(outcome)
        cells = []
        for name in designs:
            if (name, outcome) not in s.index:
                cells.append(ResultCell("n/a"))
                continue
            r = s.loc[(name, outcome)]
            # A t-interval from few runs can spill past what is possible (negative bookings): clip it.
            low, high = (float(v[0]) for v in plots.clip_band(outcome, [r["ci_low"]], [r["ci_high"]]))
            cells.append(ResultCell(plots.format_value(r["mean"], outcome), _interval(low, high, outcome)))
        rows.append(ResultRow(outcome, m.label, _unit_text(outcome), cells, m.better))
    return rows


def differences_table(
    differences: pd.DataFrame, designs: Sequence[str], baseline: str, outcomes: Sequence[str] = TABLE_OUTCOMES
) -> list[ResultRow]:
    """Paired difference of each design from the baseline, with its interval and a verdict."""
    d = differences.set_index(["scenario", "outcome"]) if len(differences) else None
    rows = []
    for outcome in outcomes:
        if d is None or not (differences["outcome"] == outcome).any():
            continue
        m = plots.measure(outcome)
        cells = []
        for name in designs:
            if name == baseline:
                cells.append(ResultCell("baseline", verdict="baseline"))
                continue
            if (name, outcome) not in d.index:
                cells.append(ResultCell("n/a"))
                continue
            r = d.loc[(name, outcome)]
            cells.append(
                ResultCell(
                    plots.format_value(r["difference"], outcome, signed=True),
                    _interval(r["ci_low"], r["ci_high"], outcome, signed=True),
                    verdict(float(r["difference"]), float(r["ci_low"]), float(r["ci_high"]), m.better, _resolved(r)),
                )
            )
        rows.append(ResultRow(outcome, m.label, _unit_text(outcome, difference=True), cells, m.better))
    return rows


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (MQL, CAC, SLA)."""
    first = text.split(" ")[0]
    return text if first.isupper() or (len(first) > 1 and first[1].isupper()) else text[0].lower() + text[1:]


def _unit_text(outcome: str, difference: bool = False) -> str:
    m = plots.measure(outcome)
    unit = {"share": "percentage points" if difference else "%"}.get(m.kind, m.unit)
    better = f"{m.better} is better" if m.better else ""
    return "; ".join(x for x in (unit, better) if x)


def findings(
    differences: pd.DataFrame,
    designs: Sequence[str],
    baseline: str,
    outcomes: Sequence[str] = ("bookings", "pipeline_created", "cac", "friction_index"),
) -> list[str]:
    """One sentence per headline outcome: which designs the intervals put clearly above or below the baseline."""
    if differences is None or differences.empty:
        return []
    out = []
    base_label = plots.design_label(baseline)
    for outcome in outcomes:
        d = differences[differences["outcome"] == outcome].set_index("scenario")
        if d.empty:
            continue
        m = plots.measure(outcome)
        groups: dict[str, list[str]] = {"higher": [], "lower": [], "unclear": []}
        for name in designs:
            if name == baseline or name not in d.index:
                continue
            r = d.loc[name]
            text = (
                f"{plots.design_label(name)} ({plots.format_value(r['difference'], outcome, True)} "
                f"{_interval(r['ci_low'], r['ci_high'], outcome, True)})"
            )
            if pd.isna(r["ci_low"]) or r["ci_low"] <= 0 <= r["ci_high"] or _resolved(r) is False:
                groups["unclear"].append(plots.design_label(name))
            else:
                groups["higher" if r["difference"] > 0 else "lower"].append(text)
        parts = []
        if groups["higher"]:
            parts.append("higher in " + "; ".join(groups["higher"]))
        if groups["lower"]:
            parts.append("lower in " + "; ".join(groups["lower"]))
        if groups["unclear"] and parts:
            parts.append("no clear difference in " + ", ".join(groups["unclear"]))
        elif groups["unclear"]:
            parts.append("no design differs clearly from the baseline (every interval includes zero)")
        better = f" ({m.better} is better)" if m.better else ""
        out.append(f"{m.label}{better}, against {base_label}: " + "; ".join(parts) + ".")
    return out


def observed(differences: pd.DataFrame, name: str, baseline: str, outcomes: Sequence[str] = TABLE_OUTCOMES) -> str:
    """What the intervals say about one design against the baseline (better / worse / unresolved)."""
    if name == baseline or differences is None or differences.empty:
        return ""
    d = differences[differences["scenario"] == name].set_index("outcome")
    better, worse, neutral, unclear = [], [], [], []
    for outcome in outcomes:
        if outcome not in d.index:
            continue
        r = d.loc[outcome]
        m = plots.measure(outcome)
        v = verdict(float(r["difference"]), float(r["ci_low"]), float(r["ci_high"]), m.better, _resolved(r))
        item = f"{_lower_first(m.label)} {plots.format_value(r['difference'], outcome, True)}"
        {"better": better, "worse": worse, "higher": neutral, "lower": neutral}.get(v, []).append(item)
        if v == "unclear":
            unclear.append(_lower_first(m.label))
    parts = []
    if better:
        parts.append("clearly better on " + ", ".join(better))
    if worse:
        parts.append("clearly worse on " + ", ".join(worse))
    if neutral:
        parts.append("clearly different on " + ", ".join(neutral))
    if unclear:
        parts.append("not distinguishable on " + ", ".join(unclear))
    if not parts:
        return ""
    return f"Against {plots.design_label(baseline)}, in these runs: " + "; ".join(parts) + "."


# ----------------------------------------------------------------------------- mechanisms


@dataclass
class Mechanism:
    design: str
    label: str
    color: str
    description: str
    chains: list[str] = field(default_factory=list)
    observed: str = ""


def mechanism_chains(s: Mapping[str, Any], baseline: Mapping[str, Any] | None = None) -> list[str]:
    """The causal chains a design's levers set off in the model, as short prose.

    With ``baseline``, only the levers that differ from it are described (the baseline
    itself gets its full description); the prose follows the agents' decision rules.
    """
    g = lambda path: get_path(s, path)  # noqa: E731
    differs = (lambda *paths: any(get_path(s, p) != get_path(baseline, p) for p in paths)) if baseline else (lambda *paths: True)
    chains: list[str] = []
    kpi, w_mkt = g("marketing.kpi"), float(g("marketing.shared_revenue_weight") or 0)
    if differs("marketing.kpi", "marketing.shared_revenue_weight"):
        if kpi == "brand" and w_mkt == 0:
            chains.append(
                "Marketing has no lead target: marketers keep the default lead-score threshold and a neutral campaign "
                f"mix, and {_pct(g('marketing.brand_share'))} of the programme budget goes to brand. Brand builds "
                "account awareness slowly and it decays slowly; awareness raises how often in-market accounts raise "
                "their hand and the win rate of aware accounts, so its effect grows over quarters rather than weeks."
            )
        elif kpi == "revenue" or w_mkt >= 0.5:
            chains.append(
                f"Marketers are paid {'on revenue' if kpi == 'revenue' else f'{_pct(w_mkt)} on shared revenue'}, "
                "valued with what they believe about lead quality and about how many leads sales can work. The "
                "threshold and campaign mix that maximise expected revenue are higher and more targeted than the "
                "ones that maximise volume: fewer MQLs, a larger share of them good, so sales accepts and works more "
                "of what it receives and its trust in marketing has less to erode."
            )
        elif kpi == "sla_mqls":
            chains.append(
                "Marketing is measured on MQLs that meet the agreed definition, and the SLA forbids passing leads "
                "below it, so the MQL threshold cannot fall under the agreed score: volume can still be pushed, "
                "but only above that quality floor."
            )
        elif kpi == "mql_volume":
            chains.append(
                "Marketers are paid on MQL volume. Each week they pick the lead-score threshold and campaign mix that "
                "maximise their own pay, so the threshold falls toward the lowest they can defend and budget moves "
                "to cheap, broad campaigns. Sales' capacity is fixed: more, weaker MQLs mean more rejected as a bad "
                "fit and more that age out untouched. Each bad lead lowers sales' trust in marketing, and a "
                "distrustful rep perceives the next marketing lead as worse (the lead black hole)."
            )
        if 0 < w_mkt < 0.5 and kpi not in ("revenue",):
            chains.append(
                f"A minority ({_pct(w_mkt)}) of marketers' pay rides on shared revenue, which tempers but does not "
                "remove the pull of their own KPI."
            )
    if differs("marketing.brand_share") and not (kpi == "brand" and w_mkt == 0):
        chains.append(
            f"Brand gets {_pct(g('marketing.brand_share'))} of the programme budget: awareness builds slowly and "
            "raises hand-raising and win rates over quarters, while the rest funds demand generation now. A leader "
            "who misses a short-term target moves budget out of brand the next quarter."
        )
    w_ae = float(g("sales.shared_revenue_weight") or 0)
    if differs("sales.shared_revenue_weight") and w_ae > 0:
        chains.append(
            f"AEs carry a team-revenue component ({_pct(w_ae)} of pay): a marketing lead is worth more to them, so "
            "the bar at which a lead deserves a touch falls, and giving feedback on leads pays more."
        )
    if g("sla.enabled") and differs(
        "sla.enabled", "sla.first_touch_hours", "sla.min_attempts", "sla.reject_window_days", "sla.mql_definition_score"
    ):
        review = " and reviewed weekly by both leaders" if g("sla.breach_review") else ""
        chains.append(
            f"The SLA sets an agreed MQL definition (score \u2265 {float(g('sla.mql_definition_score')):.2f}), a "
            f"first-touch deadline of {float(g('sla.first_touch_hours')):g} hours, at least "
            f"{int(g('sla.min_attempts'))} contact attempts before a lead may be recycled, and accept-or-reject "
            f"within {int(g('sla.reject_window_days'))} working days with a reason code. Reps facing the deadline "
            "touch agreed MQLs sooner — and a late first touch qualifies less (the response-decay curve, HBR "
            f"2011) — while breaches are logged{review}. The agreement also tells marketing how many leads sales "
            "can work."
        )
    if g("structure") == "combined" and differs("structure"):
        chains.append(
            "One CRO leads marketing, SDRs and sales and is paid on revenue: after a missed quarter there is no "
            "other function to blame, so blame does not erode trust. The same leader moves budget: a missed quarter "
            f"shifts brand budget to demand generation (short-termism {float(g('leadership.short_termism')):.2f}), "
            "and when many MQLs go unworked budget can move into an SDR hire. Combining costs a transition: "
            f"{_pct(g('leadership.reorg_capacity_loss'))} of capacity lost at the start, fading over "
            f"{int(g('leadership.reorg_transition_days'))} working days."
        )
    every = int(g("collaboration.joint_meeting_every_days") or 0)
    if every > 0 and differs("collaboration.joint_meeting_every_days"):
        chains.append(
            f"Joint meetings every {every} working days close part of the trust gap each time, show marketing how "
            "many leads sales can work, and make AEs more willing to give feedback and use marketing's content; "
            "they cost the attendees' hours."
        )
    if g("collaboration.feedback_routine") and differs("collaboration.feedback_routine"):
        chains.append(
            "A standing feedback routine makes feedback on rejected, recycled and lost leads worth an AE's time. "
            "Feedback sharpens marketing's lead scoring, corrects its beliefs about each campaign source and pulls "
            "its ICP toward sales' — so lead quality improves over the quarters."
        )
    if g("collaboration.shared_icp") and differs("collaboration.shared_icp"):
        chains.append(
            "One agreed ICP shrinks the distance between the accounts marketing targets and the accounts sales "
            "wants, so fewer leads are rejected as a bad fit."
        )
    agency = g("sdr.sourcing") == "agency"
    if agency and differs("sdr.sourcing", "sdr.agency"):
        price = (
            f"{_usd(g('sdr.agency.price_per_meeting_usd'))} per meeting"
            if g("sdr.agency.price_model") == "per_meeting"
            else f"a retainer of {_usd(g('sdr.agency.retainer_per_sdr_month_usd'))} per SDR-month"
        )
        incentive = (
            "Paid per meeting, it books every contact who agrees to meet and clears the contractual quality bar "
            f"({float(g('sdr.agency.quality_bar')):.2f}) — it is paid for meetings, not good meetings."
            if g("sdr.agency.price_model") == "per_meeting"
            else "On a retainer it books only contacts that show a need, to protect the renewal."
        )
        chains.append(
            f"An external agency ({int(g('sdr.headcount'))} SDR-equivalents, {price}) prospects outbound and books "
            f"meetings for the AEs. {incentive} Its SDRs ramp in {int(g('sdr.agency.ramp_days'))} working days but "
            f"know the product less well ({_pct(g('sdr.agency.product_knowledge'))} of in-house skill), so they "
            "judge fit less accurately; the agency's lead quality is an explicit, uncertain parameter."
        )
    elif differs("sdr.owner", "sdr.motion", "sdr.sourcing"):
        motion = g("sdr.motion")
        owner = g("sdr.owner")
        if motion == "both":
            chains.append(
                f"SDRs sit in {owner} and split their hours between inbound MQLs and outbound prospecting by the "
                "yield each has shown, so marketing's leads compete with prospecting for SDR time."
            )
        elif motion == "outbound":
            chains.append(f"SDRs sit in {owner} and prospect outbound; marketing's MQLs go to the AEs.")
        else:
            chains.append(f"SDRs sit in {owner} and work marketing's inbound MQLs first.")
    no_inbound_sdrs = agency or g("sdr.motion") == "outbound" or int(g("sdr.headcount") or 0) == 0
    if no_inbound_sdrs and differs("sdr.sourcing", "sdr.motion", "sdr.headcount"):
        chains.append(
            "With no in-house SDR on the inbound queue, AEs work marketing's MQLs themselves in the hours their open "
            "deals leave — fewer near quarter end, when late-stage deals come first."
        )
    if differs("strategy_clarity"):
        chains.append(
            f"Strategy clarity is {float(g('strategy_clarity')):.2f}: the lower it is, the further marketing's and "
            "sales' ideal customer profiles drift apart, and the more marketing's effort goes to accounts sales "
            "does not want."
        )
    return chains


def mechanisms(
    scenarios: Mapping[str, Mapping[str, Any]], designs: Sequence[str], baseline: str, differences: pd.DataFrame | None
) -> list[Mechanism]:
    base = scenarios.get(baseline)
    colors = plots.design_colors(designs)
    out = []
    for name in designs:
        s = scenarios[name]
        chains = mechanism_chains(s, None if name == baseline else base)
        if not chains and name != baseline:
            chains = ["Its levers match the baseline's: any difference in the results is noise."]
        out.append(
            Mechanism(
                design=name,
                label=plots.design_label(name),
                color=colors[name],
                description=str(s.get("description", "")),
                chains=chains,
                observed=observed(differences, name, baseline) if differences is not None else "",
            )
        )
    return out


# ----------------------------------------------------------------------------- assumptions

SOURCE_MARKERS = (
    "[S]",
    "[S2]",
    "Bridge Group",
    "TOPO",
    "Dawes",
    "B2B Institute",
    "Westwood",
    "MIT/InsideSales",
    "InsideSales",
    "CSO Insights",
    "HBR",
    "Oyer",
    "Larkin",
    "Binet",
    "Gartner",
    "Sabnis",
    "SMB 14-30",
)


@dataclass
class Default:
    field: str
    value: str
    description: str


@dataclass
class Assumptions:
    sourced: list[Default]
    assumed: list[Default]
    unstated: list[Default]


def classify_defaults(scenario: Mapping[str, Any] | None = None) -> Assumptions:
    """Sort the scenario's fields by what their descriptions say they rest on.

    A description naming a study or marked ``[S]``/``[S2]`` is *sourced*; one marked
    ``assumption`` is *assumed*; the rest say nothing (treat them as assumptions, or as
    levers a design sets). Values are those of ``scenario`` when given (the baseline that
    was run), otherwise the defaults.
    """
    flat = flatten(scenario) if scenario else {}
    sourced, assumed, unstated = [], [], []
    for row in field_reference():
        path = row["field"]
        if path in _IGNORED_IN_DIFF:
            continue
        desc = row["description"]
        value = _short(flat[path]) if path in flat else row["default"]
        item = Default(path, value, desc)
        if "assumption" in desc.lower():
            assumed.append(item)
        elif any(marker in desc for marker in SOURCE_MARKERS) or re.search(r"\(\w[^)]*\d{4}\)", desc):
            sourced.append(item)
        else:
            unstated.append(item)
    return Assumptions(sourced, assumed, unstated)


def general_caveats(replications: int, horizon_days: Sequence[int], baseline: str, version: str, unit: str = "design") -> list[str]:
    days = sorted(set(int(d) for d in horizon_days))
    horizon = f"{days[0]} working days" if len(days) == 1 else f"{days[0]}-{days[-1]} working days"
    quarters = days[0] / 63
    few = (
        [
            f"Only {replications} replication{'s' if replications != 1 else ''} per {unit}: intervals are wide (and "
            "absent with one), so only large differences are resolved. Rerun with --replications 10 or more before "
            "drawing conclusions."
        ]
        if replications < 5
        else []
    )
    return few + [
        "This is a simulation of mechanisms, not a forecast. It shows how the designs differ when the same agents "
        "respond to different incentives, rules and structures; the size of each difference depends on the "
        "assumptions below.",
        f"Intervals are 95% Student-t intervals across {replications} replications. They measure the randomness "
        "of the simulated market and people, not the uncertainty in the model's parameters: a sensitivity "
        "analysis (orgsim sensitivity) shows which assumptions move the results most.",
        f"Every design ran on the same replication seeds (common random numbers), so differences from "
        f"{plots.design_label(baseline)} are paired: their intervals are narrower than the overlap of two "
        "designs' separate intervals suggests.",
        f"Horizon: {horizon} (about {quarters:.0f} quarters). Brand effects build over quarters and a combined "
        "organisation pays a transition cost first, so a short horizon favours designs that act on this quarter's "
        "pipeline.",
        "Agency lead quality and product knowledge are explicit, uncertain parameters: no rigorous study "
        "comparing agency and in-house SDR conversion was found.",
        "The friction index is the unweighted mean of seven groups of nine components, each scaled to 0-1 and "
        "defined the same way in every design (the three follow-up components count as one group): a descriptive "
        "convention for comparing designs, not an empirical scale or a validated measure of lost revenue.",
        "The model's funnel is checked against published benchmarks (orgsim validate; docs/model.md, "
        '"Validation"), and it does not reproduce all of them: some stage-to-stage rates in the demand '
        "waterfall sit outside the published ranges. Read the stage rates as the model's mechanics for comparing "
        "designs, not as a prediction of your own funnel.",
        "The behavioural and work-time parameters (hours per touch, the bar below which a lead is rejected, how fast "
        "a contact attempt's odds fall with each attempt and the lead's age, how far distrust colours a lead, ...) "
        "are scenario fields like the levers: the tables below say which defaults rest on a published figure and "
        "which are assumptions.",
        f"Results come from orgsim {version}; the model's defaults may still be tuned between versions, so compare "
        "reports made with the same version.",
    ]
