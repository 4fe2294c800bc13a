"""The demand waterfall: how many leads reach each stage, and stage-to-stage conversion.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .measures import grouped_interval
from .style import (
    _designs,
    _headline,
    _legend_below,
    _new_axes,
    _plt,
    _require,
    _styled,
    _tidy_axes,
    design_colors,
    design_label,
    plain_text,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


FUNNEL_STAGES = (
    ("leads_created", "Leads"),
    ("mqls", "MQLs"),
    ("mqls_accepted", "Accepted\n(SAL)"),
    ("sqls", "Opportunities\n(SQL)"),
    ("deals_won", "Won"),
)
"""The demand waterfall's stages, as summary columns (all lead sources)."""


@_styled
def stage_counts(runs: pd.DataFrame, ax: Axes | None = None, designs: Sequence[str] | None = None) -> Axes:
    """Mean count reaching each stage of the demand waterfall, per design (log scale).

    Stages are every lead created (all sources), MQLs, accepted MQLs (SAL), opportunities
    (SQL) and won deals over the horizon, averaged across replications. The counts span
    orders of magnitude, so the axis is logarithmic and each design is a connected line of
    dots (bar lengths mean nothing on a log axis); a steeper drop is a lower conversion.
    """
    _require(runs, ["scenario", *(c for c, _ in FUNNEL_STAGES)], "stage_counts")
    ax = _new_axes(ax)
    names = _designs(runs, designs)
    colors = design_colors(names)
    means = runs.groupby("scenario")[[c for c, _ in FUNNEL_STAGES]].mean()
    x = np.arange(len(FUNNEL_STAGES))
    for name in names:
        values = means.loc[name].to_numpy(dtype=float)
        ax.plot(
            x,
            np.where(values > 0, values, np.nan),
            "-o",
            color=colors[name],
            lw=2.2,
            markersize=7,
            label=plain_text(design_label(name)),
            markeredgecolor="white",
            markeredgewidth=0.8,
        )
    ax.set_yscale("log")
    ax.set_xticks(x, [label for _, label in FUNNEL_STAGES])
    ax.set_xlim(-0.3, len(FUNNEL_STAGES) - 0.7)
    ax.set_ylabel("Mean count over the horizon (log scale)")
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_minor_locator(LogLocator(base=10, subs=(2, 5)))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, p: f"{v:,.0f}"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, p: f"{v:,.0f}"))
    ax.tick_params(axis="y", which="minor", labelsize=9, labelcolor="#666666")
    ax.grid(axis="y", which="minor", color="#EEEEEE", lw=0.6)
    ax.set_title("How many leads reach each stage")
    ax.grid(axis="x", visible=False)
    _tidy_axes(ax)
    return ax


def conversion_rates(runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Stage-to-stage rates of the waterfall per design: mean and t-interval across runs.

    A rate is computed within each run (e.g. accepted / MQLs) and then averaged, so its
    interval reflects the spread across replications. ``SQL -> won`` counts wins by the end
    of the horizon, so deals still open lower it.
    """
    rows = []
    for (upper, upper_label), (lower, lower_label) in zip(FUNNEL_STAGES[:-1], FUNNEL_STAGES[1:], strict=True):
        rate = runs[lower] / runs[upper].where(runs[upper] > 0)
        frame = pd.DataFrame({"scenario": runs["scenario"].astype(str), "rate": rate})
        stats_ = grouped_interval(frame, ["scenario"], "rate", confidence)
        label = f"{upper_label.split(chr(10))[0]} to {lower_label.split(chr(10))[0]}"
        stats_.insert(1, "step", label)
        rows.append(stats_)
    return pd.concat(rows, ignore_index=True)


@_styled
def stage_conversion(runs: pd.DataFrame, ax: Axes | None = None, designs: Sequence[str] | None = None, confidence: float = 0.95) -> Axes:
    """Stage-to-stage conversion rates per design with 95% intervals across replications."""
    _require(runs, ["scenario", *(c for c, _ in FUNNEL_STAGES)], "stage_conversion")
    ax = _new_axes(ax)
    names = _designs(runs, designs)
    colors = design_colors(names)
    rates = conversion_rates(runs, confidence)
    steps = list(dict.fromkeys(rates["step"]))
    width = 0.8 / max(len(names), 1)
    x = np.arange(len(steps))
    for i, name in enumerate(names):
        r = rates[rates["scenario"] == name].set_index("step").reindex(steps)
        pos = x - 0.4 + width * (i + 0.5)
        ax.bar(pos, r["mean"], width=width * 0.92, color=colors[name], label=plain_text(design_label(name)))
        has_ci = r["ci_low"].notna().to_numpy()
        if has_ci.any():
            err = np.vstack([(r["mean"] - r["ci_low"]).to_numpy(), (r["ci_high"] - r["mean"]).to_numpy()])
            ax.errorbar(
                pos[has_ci],
                r["mean"].to_numpy()[has_ci],
                yerr=err[:, has_ci],
                fmt="none",
                ecolor="#222222",
                elinewidth=1.2,
                capsize=2.5,
            )
    ax.set_xticks(x, [s.replace(" to ", " \u2192\n") for s in steps])
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    top = float(np.nanmax(rates["ci_high"].fillna(rates["mean"]).to_numpy())) if len(rates) else 1.0
    ax.set_ylim(0, min(1.05, max(0.1, top * 1.1)))
    ax.set_ylabel("Conversion rate (%)")
    ax.set_title("Stage-to-stage conversion")
    ax.grid(axis="x", visible=False)
    _tidy_axes(ax)
    return ax


@_styled
def demand_waterfall(runs: pd.DataFrame, designs: Sequence[str] | None = None, confidence: float = 0.95) -> Figure:
    """The demand waterfall per design: stage counts (left) and stage-to-stage rates (right)."""
    plt = _plt()
    fig, (left, right) = plt.subplots(1, 2, figsize=(13.0, 6.0), layout="constrained", gridspec_kw={"width_ratios": [1.1, 1]})
    names = _designs(runs, designs)
    stage_counts(runs, ax=left, designs=names)
    stage_conversion(runs, ax=right, designs=names, confidence=confidence)
    n = runs.groupby("scenario").size().min()
    note = _replication_note(int(n)) + " Opportunities \u2192 won counts deals won by the end of the horizon."
    _legend_below(fig, names, note)
    _headline(fig, "Demand waterfall by design")
    return fig


def _replication_note(n: int) -> str:
    if n >= 2:
        return f"Means of {n} replications per design; error bars are 95% intervals across replications."
    return "One replication per design: no intervals."
