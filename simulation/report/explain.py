"""The compare report's "Where the differences come from" section, from ``explain.json``.

``orgsim compare --explain`` writes ``explain.json`` into the results folder: for each
design, its difference from the baseline decomposed by lever group (Shapley values, see
:mod:`simulation.explanation`). When the file is there, the report shows per design the
sentences a consultant can say, a small table of contributions with 95% intervals and a
horizontal bar chart of the bookings contributions with their intervals as error bars.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import plots
from ..errors import OrgsimError

EXPLAIN_FILE = "explain.json"
OUTCOMES = ("bookings", "pipeline_created", "friction_index")
"""The outcomes the report's section shows (explain.json has every key outcome)."""


@dataclass
class ExplainRow:
    group: str
    label: str
    fields: str
    cells: list[str]  # one per outcome: "+$1.2M [+$0.4M, +$2.0M]"


@dataclass
class ExplainSection:
    design: str
    label: str
    color: str
    sentences: list[str]
    outcome_labels: list[str]
    total: list[str]
    rows: list[ExplainRow]
    method: str
    notes: list[str] = field(default_factory=list)
    chart: str = ""  # a data URI, filled in when the report is rendered
    data: dict[str, Any] = field(default_factory=dict, repr=False)


def read_explain(folder: Path) -> dict[str, Any] | None:
    """``explain.json`` of a compare folder, or None when there is none."""
    path = Path(folder) / EXPLAIN_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OrgsimError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("designs"), dict):
        raise OrgsimError(f"{path}: not an orgsim explain file (no designs)")
    return data


def _interval(entry: dict[str, Any], outcome: str) -> str:
    mean, low, high = (entry.get(k) for k in ("mean", "ci_low", "ci_high"))
    if mean is None:
        return "n/a"
    text = plots.format_value(float(mean), outcome, signed=True)
    if low is None or high is None or (isinstance(low, float) and math.isnan(low)):
        return text
    return f"{text} [{plots.format_value(float(low), outcome, True)}, {plots.format_value(float(high), outcome, True)}]"


def explain_sections(folder: Path, designs: list[str], colors: dict[str, str], outcomes=OUTCOMES) -> list[ExplainSection]:
    """One section per design with a decomposition in ``folder/explain.json`` (report order)."""
    data = read_explain(folder)
    if data is None:
        return []
    sections = []
    entries = data["designs"]
    for name in [d for d in designs if d in entries] + [d for d in entries if d not in designs]:
        e = entries[name]
        total = e.get("total", {})
        shown = [o for o in outcomes if o in total]
        groups = e.get("lever_groups", {})
        contributions = e.get("contributions", [])
        by_key = {(c["lever_group"], c["outcome"]): c for c in contributions}
        order = [c["lever_group"] for c in contributions if c["outcome"] == (shown[0] if shown else None)]
        order += [g for g in groups if g not in order]
        rows = [
            ExplainRow(
                g,
                _capitalize(str(groups.get(g, {}).get("label", g))),
                ", ".join(groups.get(g, {}).get("fields", [])),
                [_interval(by_key.get((g, o), {}), o) for o in shown],
            )
            for g in order
        ]
        sentences = e.get("sentences", {})
        method = e.get("method", "exact")
        if method != "exact":
            method = f"{method} ({e.get('permutations')} orders)"
        sections.append(
            ExplainSection(
                design=name,
                label=plots.design_label(name),
                color=colors.get(name, "#777777"),
                sentences=[sentences[o] for o in shown if o in sentences],
                outcome_labels=[plots.measure(o).label for o in shown],
                total=[_interval(total[o], o) for o in shown],
                rows=rows,
                method=method,
                notes=list(e.get("notes", [])),
                data=e,
            )
        )
    return sections


@plots._styled
def contribution_bars(section: ExplainSection, outcome: str = "bookings", ax=None):
    """Horizontal bars: each lever group's contribution to ``outcome`` with its 95% interval."""
    import numpy as np

    rows = [c for c in section.data.get("contributions", []) if c["outcome"] == outcome and c.get("mean") is not None]
    total = section.data.get("total", {}).get(outcome, {})
    ax = plots._new_axes(ax, (8.0, 1.4 + 0.55 * max(1, len(rows))))
    rows = rows[::-1]  # largest at the top
    y = np.arange(len(rows))
    means = np.array([float(r["mean"]) for r in rows])
    low = np.array([float(r["ci_low"]) if r.get("ci_low") is not None else float(r["mean"]) for r in rows])
    high = np.array([float(r["ci_high"]) if r.get("ci_high") is not None else float(r["mean"]) for r in rows])
    colors = [section.color if m >= 0 else "#999999" for m in means]
    ax.barh(y, means, color=colors, height=0.6, xerr=np.vstack([means - low, high - means]),
            error_kw={"ecolor": "#333333", "capsize": 3, "elinewidth": 1})
    ax.set_yticks(y, [plots.plain_text(r["lever_group"].replace("_", " ")) for r in rows])
    ax.axvline(0, color="#333333", lw=0.8)
    ax.grid(axis="y", visible=False)
    plots._set_value_axis(ax, outcome, axis="x", signed=True)
    if total.get("mean") is not None:
        ax.set_title(plots.plain_text(f"{plots.measure(outcome).label}, {section.label} minus baseline "
                                      f"({plots.format_value(float(total['mean']), outcome, True)}), by lever group"),
                     fontsize=11, loc="left")
    plots._tidy_axes(ax)
    return ax


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
