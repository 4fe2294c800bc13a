"""Forest plots of paired differences against the baseline.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .measures import _set_value_axis, measure
from .style import _designs, _headline, _new_axes, _plt, _require, _styled, _tidy_axes, design_colors, design_label, plain_text

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@_styled
def difference_forest(
    differences: pd.DataFrame,
    outcome: str,
    ax: Axes | None = None,
    designs: Sequence[str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
) -> Axes:
    """Forest plot: each design's paired difference against the baseline, with its interval.

    ``differences`` is the tidy frame of :func:`simulation.comparison.compare` (columns
    ``scenario``, ``outcome``, ``difference``, ``ci_low``, ``ci_high``, ``reference``). The
    zero line is the baseline; an interval that does not cross it is a difference the
    replications resolve. Points without an interval (one replication) are drawn alone.
    """
    _require(differences, ["scenario", "outcome", "difference", "ci_low", "ci_high"], "difference_forest")
    ax = _new_axes(ax)
    d = differences[differences["outcome"] == outcome]
    if d.empty:
        raise ValueError(f"no differences for outcome {outcome!r}")
    names = _designs(d, designs)
    colors = design_colors(names)
    d = d.set_index(d["scenario"].astype(str)).loc[names]
    y = np.arange(len(names))[::-1]
    n_pairs = d["n"] if "n" in d else pd.Series(2, index=d.index)
    for yy, name in zip(y, names, strict=True):
        row = d.loc[name]
        has_ci = bool(n_pairs.loc[name] >= 2) and not (pd.isna(row["ci_low"]) or pd.isna(row["ci_high"]))
        if has_ci and row["ci_high"] > row["ci_low"]:
            ax.hlines(yy, row["ci_low"], row["ci_high"], color=colors[name], lw=2.6)
            for end in (row["ci_low"], row["ci_high"]):
                ax.vlines(end, yy - 0.12, yy + 0.12, color=colors[name], lw=2)
        ax.plot(row["difference"], yy, "D", color=colors[name], markersize=8, markeredgecolor="white")
    ax.axvline(0, color="#333333", lw=1.2)
    ax.set_yticks(y, [plain_text(design_label(n)) for n in names])
    ax.set_ylim(-0.6, len(names) - 0.4)
    _set_value_axis(ax, outcome, axis="x", signed=True)
    m = measure(outcome)
    lo = np.nanmin(np.r_[d["ci_low"].to_numpy(dtype=float), d["difference"].to_numpy(dtype=float), 0.0])
    hi = np.nanmax(np.r_[d["ci_high"].to_numpy(dtype=float), d["difference"].to_numpy(dtype=float), 0.0])
    pad = 0.08 * (hi - lo or 1.0)
    ax.set_xlim(lo - pad, hi + pad)
    unit = {"share": "percentage points", "usd": "$"}.get(m.kind, m.unit)
    better = f"; {m.better} is better" if m.better else ""
    ax.set_xlabel(xlabel or (f"Difference ({unit}{better})" if unit else f"Difference{better}"))
    reference = str(d["reference"].iloc[0]) if "reference" in d else "baseline"
    ax.set_title(plain_text(title or f"{m.label}: difference vs {design_label(reference)}"))
    ax.grid(axis="y", visible=False)
    _tidy_axes(ax)
    return ax


DEFAULT_FOREST_OUTCOMES = (
    "bookings",
    "pipeline_created",
    "cac",
    "mql_acceptance_rate",
    "share_never_worked",
    "friction_index",
)


@_styled
def difference_forests(
    differences: pd.DataFrame,
    outcomes: Sequence[str] = DEFAULT_FOREST_OUTCOMES,
    designs: Sequence[str] | None = None,
    ncols: int = 3,
) -> Figure:
    """Forest plots of several outcomes side by side (one panel per outcome)."""
    plt = _plt()
    outcomes = [o for o in outcomes if (differences["outcome"] == o).any()]
    if not outcomes:
        raise ValueError("none of the requested outcomes is in the differences frame")
    nrows = math.ceil(len(outcomes) / ncols)
    ncols = min(ncols, len(outcomes))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.4 * nrows + 1.0), layout="constrained", squeeze=False)
    names = _designs(differences, designs)
    for k, (ax, outcome) in enumerate(zip(axes.flat, outcomes, strict=False)):
        m = measure(outcome)
        unit = {"share": "percentage points", "usd": "$"}.get(m.kind, m.unit)
        difference_forest(
            differences,
            outcome,
            ax=ax,
            designs=names,
            title=f"{m.label} ({m.better} is better)" if m.better else m.label,
            xlabel=f"Difference ({unit})" if unit else "Difference",
        )
        if k % ncols:
            ax.tick_params(labelleft=False)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    reference = design_label(str(differences["reference"].iloc[0])) if "reference" in differences else "the baseline"
    n = int(differences["n"].min()) if "n" in differences else 0
    note = (
        f"Diamonds: mean paired difference over {n} replications on common random numbers; lines: 95% intervals."
        if n >= 2
        else "One replication: differences without intervals."
    )
    _headline(fig, f"Difference of each design from {reference}", note)
    return fig
