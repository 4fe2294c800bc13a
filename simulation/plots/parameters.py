"""Names, units and value formats of the parameters a sweep varies.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .measures import _money, lower_first
from .style import design_label

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


PARAMETER_LABELS: dict[str, tuple[str, str]] = {
    "marketing.shared_revenue_weight": ("Shared revenue in marketers' pay", "share"),
    "sales.shared_revenue_weight": ("Team revenue in AEs' pay", "share"),
    "sla.first_touch_hours": ("SLA first-touch window", "hours"),
    "sla.min_attempts": ("SLA minimum contact attempts", "count"),
    "sla.reject_window_days": ("SLA accept/reject window", "days"),
    "sla.mql_definition_score": ("SLA agreed MQL score", "number"),
    "marketing.brand_share": ("Brand share of programme budget", "share"),
    "marketing.mql_target_per_quarter": ("MQL target per quarter", "count"),
    "marketing.budget_per_quarter_usd": ("Programme budget per quarter", "usd"),
    "sales.commission_rate": ("AE commission rate", "share"),
    "sales.accelerator": ("AE accelerator above quota", "multiple"),
    "sales.pull_in_horizon_days": ("Deals pulled from up to (0 = none)", "days"),
    "sales.pull_in_discount": ("Discount to pull a deal in", "share"),
    "collaboration.joint_meeting_every_days": ("Days between joint meetings (0 = none)", "number"),
    "sdr.agency.price_per_meeting_usd": ("Agency price per meeting", "usd"),
    "sdr.agency.quality_bar": ("Agency quality bar", "number"),
    "sdr.headcount": ("SDRs", "count"),
    "strategy_clarity": ("Strategy clarity (0-1)", "number"),
    "base": ("Design", "category"),
}
"""Readable names and units of parameters sweeps often vary (dotted scenario paths)."""


def parameter_label(parameter: str) -> str:
    """``"Shared revenue in marketers' pay (%)"`` for a known path, else the path made readable."""
    if parameter in PARAMETER_LABELS:
        label, kind = PARAMETER_LABELS[parameter]
        unit = {"share": "%", "hours": "hours", "days": "working days", "usd": "$", "multiple": "x"}.get(kind, "")
        return f"{label} ({unit})" if unit else label
    parts = parameter.split(".")
    text = design_label(parts[-1])  # the same readable form: capitalised, acronyms kept
    return f"{text} ({'.'.join(parts[:-1])})" if len(parts) > 1 else text


def _param_name(parameter: str) -> str:
    """The parameter's label without its unit, for use inside a sentence."""
    return lower_first(parameter_label(parameter).split(" (")[0])


def _param_kind(parameter: str) -> str:
    return PARAMETER_LABELS.get(parameter, ("", "number"))[1]


def _param_axis(ax: Axes, parameter: str, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    kind = _param_kind(parameter)
    if kind == "share":
        target.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif kind == "usd":
        target.set_major_formatter(FuncFormatter(lambda v, p: _money(v, p, tick=True)))


def _param_value_text(parameter: str, value: Any) -> str:
    kind = _param_kind(parameter)
    if parameter == "base" or isinstance(value, str):
        return design_label(str(value))
    if kind == "share":
        return f"{100 * float(value):.0f}%"
    if kind == "usd":
        return _money(float(value), tick=True)
    if kind == "hours":
        return f"{_fmt_param(value)} h"
    if kind == "days":
        return f"{_fmt_param(value)} days"
    return _fmt_param(value)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _fmt_param(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)
