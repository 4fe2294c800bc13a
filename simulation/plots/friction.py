"""The friction index and its components per design.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .measures import FRICTION_LABELS, grouped_interval
from .style import _designs, _new_axes, _require, _styled, _tidy_axes, design_colors, design_label, plain_text

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


def friction_table(runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per design and friction component (and the index): mean and t-interval across runs."""
    components = [c.removeprefix("friction_") for c in runs.columns if c.startswith("friction_")]
    frames = []
    for comp in ["friction_index", *(c for c in components if c != "index")]:
        column = comp if comp == "friction_index" else f"friction_{comp}"
        frame = pd.DataFrame({"scenario": runs["scenario"].astype(str), "value": runs[column]})
        g = grouped_interval(frame, ["scenario"], "value", confidence)
        g.insert(1, "component", comp.removeprefix("friction_") if comp != "friction_index" else "friction_index")
        frames.append(g)
    return pd.concat(frames, ignore_index=True)


@_styled
def friction_by_design(runs: pd.DataFrame, ax: Axes | None = None, designs: Sequence[str] | None = None, confidence: float = 0.95) -> Axes:
    """The friction index and its components per design: dots with 95% intervals.

    Each component lies in [0, 1] (0 = no friction); the index is their unweighted mean
    (see :mod:`simulation.metrics`). Rows are components, one dot per design.
    """
    _require(runs, ["scenario", "friction_index"], "friction_by_design")
    ax = _new_axes(ax, (10.0, 7.0))
    names = _designs(runs, designs)
    colors = design_colors(names)
    table = friction_table(runs, confidence)
    rows = list(dict.fromkeys(table["component"]))
    n_d = len(names)
    span = 0.7
    # First design on top of each row, matching the legend's order.
    offsets = np.linspace(span / 2, -span / 2, n_d) if n_d > 1 else np.array([0.0])
    y = np.arange(len(rows))[::-1].astype(float)
    for i, name in enumerate(names):
        t = table[table["scenario"] == name].set_index("component").reindex(rows)
        ys = y + offsets[i]
        has_ci = t["ci_low"].notna().to_numpy()
        if has_ci.any():
            # Components live in [0, 1]; a t-interval from few runs can spill over -- clip it.
            ax.hlines(
                ys[has_ci],
                t["ci_low"].clip(0, 1).to_numpy()[has_ci],
                t["ci_high"].clip(0, 1).to_numpy()[has_ci],
                color=colors[name],
                lw=2,
            )
        ax.plot(
            t["mean"],
            ys,
            "o",
            color=colors[name],
            markersize=6.5,
            label=plain_text(design_label(name)),
            markeredgecolor="white",
            markeredgewidth=0.6,
        )
    ax.set_yticks(y, [FRICTION_LABELS.get(r, r.replace("_", " ")) for r in rows])
    ticklabels = ax.get_yticklabels()
    if ticklabels:
        ticklabels[0].set_fontweight("bold")
    ax.axhline(y[0] - 0.5, color="#888888", lw=0.8)
    for k, yy in enumerate(y[1:]):
        if k % 2:
            ax.axhspan(yy - 0.5, yy + 0.5, color="#F3F3F3", zorder=0, lw=0)
    ax.set_ylim(y.min() - 0.6, y.max() + 0.6)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("Friction (0 = none, 1 = maximal)")
    ax.grid(axis="y", visible=False)
    ax.set_title("Where the friction comes from")
    # Right-aligned under the axes: the long row labels push the axes right, so a centred
    # three-column legend would run off the figure.
    ax.legend(frameon=False, loc="upper right", bbox_to_anchor=(1.0, -0.09), ncol=min(n_d, 3), fontsize=11)
    _tidy_axes(ax)
    return ax
