"""Speed to lead: how soon marketing's MQLs get a first touch.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .style import _designs, _new_axes, _require, _styled, _tidy_axes, design_label, plain_text

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


SPEED_BUCKETS = (
    ("share_touched_within_1h", "Within 1 hour", "#2166AC"),
    ("share_touched_1_to_24h", "1-24 hours", "#92C5DE"),
    ("share_touched_after_24h", "After 24 hours", "#F4A582"),
    ("share_never_worked", "Never worked", "#B2182B"),
)
"""Response-time buckets of marketing's MQLs, fastest first (HBR 2011's audit buckets)."""

HBR_2011_AUDIT = {
    "share_touched_within_1h": 0.37,
    "share_touched_1_to_24h": 0.16,
    "share_touched_after_24h": 0.24,
    "share_never_worked": 0.23,
}
"""Oldroyd, McElheran & Elkington, HBR 2011: response of 2,241 US firms to a web lead.

A share of *firms* (each sent one test lead), not a share of leads: shown as context only.
"""


@_styled
def speed_to_lead(runs: pd.DataFrame, ax: Axes | None = None, designs: Sequence[str] | None = None, benchmark: bool = True) -> Axes:
    """How fast marketing's MQLs got a first touch: shares within 1 h, 1-24 h, later, never.

    One stacked bar per design (mean shares across replications, which sum to 100%), and
    optionally HBR 2011's audit of 2,241 firms as a reference bar -- a share of *firms*
    answering one web lead, so context rather than a like-for-like benchmark.
    """
    _require(runs, ["scenario", *(c for c, _, _ in SPEED_BUCKETS)], "speed_to_lead")
    ax = _new_axes(ax)
    names = _designs(runs, designs)
    means = runs.groupby("scenario")[[c for c, _, _ in SPEED_BUCKETS]].mean()
    rows = [(plain_text(design_label(n)), means.loc[n].to_numpy(dtype=float)) for n in names]
    if benchmark:
        rows.append(("HBR 2011 audit (firms)", np.array([HBR_2011_AUDIT[c] for c, _, _ in SPEED_BUCKETS])))
    y = np.arange(len(rows))[::-1]
    left = np.zeros(len(rows))
    for k, (_column, label, color) in enumerate(SPEED_BUCKETS):
        widths = np.array([np.nan_to_num(r[1][k]) for r in rows])
        bars = ax.barh(y, widths, left=left, color=color, label=label, height=0.7, edgecolor="white", lw=0.8)
        dark = k in (0, 3)
        for rect, w in zip(bars, widths, strict=True):
            if w >= 0.05:
                ax.text(
                    rect.get_x() + w / 2,
                    rect.get_y() + rect.get_height() / 2,
                    f"{w:.0%}",
                    ha="center",
                    va="center",
                    fontsize=10.5,
                    color="white" if dark else "#1A1A1A",
                )
        left += widths
    ax.set_yticks(y, [r[0] for r in rows])
    if benchmark:
        ax.get_yticklabels()[-1].set_fontstyle("italic")
        ax.axhline(y[-1] + 0.5, color="#888888", lw=0.8, ls=":")
    from matplotlib.ticker import PercentFormatter

    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(0, 1)
    ax.set_xlabel("Share of marketing MQLs (%), by time to first touch (calendar hours)")
    ax.grid(axis="y", visible=False)
    ax.set_title("Speed to lead: how soon MQLs are first touched", pad=30)
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=4,
        frameon=False,
        fontsize=11,
        handlelength=1.2,
        columnspacing=1.5,
    )
    _tidy_axes(ax)
    return ax
