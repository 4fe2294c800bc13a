"""What each outcome is and how its values are written: labels, units, the better direction,
number and axis formats, intervals and their clipping to possible values.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class Measure:
    """How to label and format one outcome."""

    label: str
    kind: str  # usd, share, hours, count, index, trust, days, number
    better: str | None = None  # "higher", "lower" or None

    @property
    def unit(self) -> str:
        return {
            "usd": "$",
            "share": "% of leads",
            "hours": "hours",
            "count": "count",
            "index": "0-1 index",
            "trust": "0-1 scale",
            "days": "days",
        }.get(self.kind, "")


MEASURES: dict[str, Measure] = {
    "bookings": Measure("Bookings", "usd", "higher"),
    "bookings_cumulative": Measure("Cumulative bookings", "usd", "higher"),
    "pipeline_created": Measure("Pipeline created", "usd", "higher"),
    "open_pipeline_value": Measure("Open pipeline", "usd", "higher"),
    "total_cost": Measure("Total cost", "usd", "lower"),
    "cac": Measure("Cost per won deal (CAC)", "usd", "lower"),
    "leads_created": Measure("Leads created", "count"),
    "inquiries": Measure("Marketing inquiries", "count"),
    "mqls": Measure("MQLs", "count"),
    "mqls_accepted": Measure("MQLs accepted", "count"),
    "sqls": Measure("Opportunities (SQLs)", "count", "higher"),
    "deals_won": Measure("Deals won", "count", "higher"),
    "mql_acceptance_rate": Measure("MQL acceptance rate", "share", "higher"),
    "win_rate": Measure("Win rate", "share", "higher"),
    "quota_attainment_share": Measure("Share of rep-quarters at quota", "share", "higher"),
    "share_never_worked": Measure("Share of MQLs never worked", "share", "lower"),
    "median_speed_to_lead_hours": Measure("Median speed to lead", "hours", "lower"),
    "mean_speed_to_lead_hours": Measure("Mean speed to lead", "hours", "lower"),
    "friction_index": Measure("Friction index", "index", "lower"),
    "trust_sales_in_marketing": Measure("Sales' trust in marketing", "trust", "higher"),
    "trust_marketing_in_sales": Measure("Marketing's trust in sales", "trust", "higher"),
    "blame_events": Measure("Blame events", "count", "lower"),
    "sla_breaches": Measure("SLA breaches", "count", "lower"),
    "final_awareness": Measure("Brand awareness at end", "trust", "higher"),
}

FRICTION_LABELS = {
    "friction_index": "Friction index (mean of 7 groups)",
    "mql_rejection_rate": "MQLs rejected by sales",
    "share_never_worked": "MQLs never worked",
    "first_touch_delay": "First-touch delay (median / 72 h)",
    "sla_breach_rate": "First touch late (> deadline) or never",
    "blame_rate": "Blame after missed quarters",
    "feedback_withheld": "Feedback withheld",
    "trust_deficit": "Trust deficit (1 - mean trust)",
    "icp_divergence": "ICP divergence",
    "enablement_unused": "Enablement content unused",
}


def measure(outcome: str) -> Measure:
    """Label and unit of ``outcome`` (a readable fallback for names it does not know)."""
    if outcome in MEASURES:
        return MEASURES[outcome]
    if outcome.startswith("friction_"):
        return Measure(FRICTION_LABELS.get(outcome.removeprefix("friction_"), outcome), "index", "lower")
    return Measure(outcome.replace("_", " ").capitalize(), "number")


def axis_label(outcome: str, prefix: str = "") -> str:
    """``"Bookings ($)"``; shares say "%"; the fallback has no unit."""
    m = measure(outcome)
    label = f"{prefix}{m.label[0].lower() + m.label[1:]}" if prefix else m.label
    unit = {"share": "%"}.get(m.kind, m.unit)
    return f"{label} ({unit})" if unit else label


def grouped_interval(frame: pd.DataFrame, by: list[str], value: str, confidence: float = 0.95) -> pd.DataFrame:
    """Per group of ``by``: n, mean and the t-interval of ``value`` (NaN bounds when n < 2)."""
    g = frame.groupby(by, sort=False)[value]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    dof = (out["n"] - 1).clip(lower=1)
    half = stats.t.ppf(0.5 + confidence / 2, dof) * out["sd"] / np.sqrt(out["n"].clip(lower=1))
    half = half.where(out["n"] >= 2)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out.drop(columns="sd")


def clip_band(outcome: str, low: pd.Series | np.ndarray, high: pd.Series | np.ndarray):
    """Clip an interval to the outcome's possible values (money and counts >= 0; shares and
    0-1 scales within [0, 1]): a t-interval from few runs can spill past them, and an axis
    showing negative bookings would mislead."""
    kind = measure(outcome).kind
    lo = np.asarray(low, dtype=float)
    hi = np.asarray(high, dtype=float)
    if kind in ("usd", "count", "hours", "days"):
        return np.clip(lo, 0, None), np.clip(hi, 0, None)
    if kind in ("share", "index", "trust"):
        return np.clip(lo, 0, 1), np.clip(hi, 0, 1)
    return lo, hi


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (SLA, MQL, CAC, AE)."""
    first = text.split(" ")[0]
    if not text or first.isupper() or (len(first) > 1 and first[1].isupper()):
        return text
    return text[0].lower() + text[1:]


def _money(value: float, _pos: Any = None, signed: bool = False, tick: bool = False) -> str:
    """``$1.2M``, ``$450K``; ``tick`` drops a trailing ``.0`` (axis labels: ``$2M``)."""
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    v = abs(value)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= scale * 0.9995:
            number = v / scale
            text = f"{number:.1f}" if number < 100 and suffix != "K" else f"{number:.0f}"
            break
    else:
        text, suffix = f"{v:.0f}", ""
    if tick and text.endswith(".0"):
        text = text[:-2]
    if text in ("0", "0.0"):
        sign = ""
    return f"{sign}${text}{suffix}"


def format_value(value: float, outcome: str, signed: bool = False) -> str:
    """A value in its outcome's unit, for labels and tables ($1.2M, 42%, 6.3 h, 0.31).

    The one number formatter of the charts, the report and the command line (``cli._fmt``).
    A value that rounds to zero has no sign (never ``-0.0 pp``).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    text = _format_value(float(value), outcome, signed)
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def _format_value(value: float, outcome: str, signed: bool) -> str:
    kind = measure(outcome).kind
    if kind == "usd":
        return _money(value, signed=signed)
    sign = "+" if signed and value > 0 else ""
    if kind == "share":
        unit = " pp" if signed else "%"  # a difference of shares is in percentage points
        return f"{sign}{100 * value:.1f}{unit}" if abs(value) < 0.1 else f"{sign}{100 * value:.0f}{unit}"
    if kind == "hours":
        return f"{sign}{value:.1f} h"
    if kind == "count":
        return f"{sign}{value:,.0f}"
    if kind in ("index", "trust"):
        return f"{sign}{value:.2f}"
    return f"{sign}{value:,.3g}"


def _set_value_axis(ax: Axes, outcome: str, axis: str = "y", signed: bool = False) -> None:
    """Tick labels in the outcome's unit; ``signed`` (differences) puts + on gains, pp on shares."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    kind = measure(outcome).kind
    target.set_major_locator(MaxNLocator(nbins=6 if axis == "y" else 5, steps=[1, 2, 2.5, 5, 10]))
    if kind == "usd":
        target.set_major_formatter(FuncFormatter(lambda v, p: _money(v, p, signed, tick=True)))
    elif kind == "share" and signed:
        target.set_major_formatter(FuncFormatter(lambda v, p: "0" if abs(v) < 1e-12 else f"{100 * v:+.0f} pp"))
    elif kind == "share":
        target.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif kind == "count":
        target.set_major_formatter(FuncFormatter(lambda v, p: f"{v:+,.0f}" if signed and v else f"{v:,.0f}"))
    elif signed:
        target.set_major_formatter(FuncFormatter(lambda v, p: "0" if abs(v) < 1e-12 else f"{v:+g}"))
