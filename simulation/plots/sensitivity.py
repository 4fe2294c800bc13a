"""Sobol' and Morris sensitivity indices as bars.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .measures import _set_value_axis, measure
from .parameters import parameter_label
from .style import _headline, _new_axes, _panel_grid, _require, _styled, _tidy_axes, plain_text

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@_styled
def sensitivity_bars(
    indices: pd.DataFrame, ax: Axes | None = None, top: int | None = None, title: str | None = None, legend: bool = True
) -> Axes:
    """Sensitivity indices as horizontal bars, most influential parameter on top.

    Sobol indices (``S1`` and ``ST`` with ``S1_conf`` / ``ST_conf``): first-order and total
    effect side by side; the gap between them is the share of variance in interactions.
    Morris screening (``mu_star`` with ``mu_star_conf``): the mean absolute elementary
    effect. Error bars are the reported confidence half-widths. If the frame has an
    ``outcome`` column it must hold one outcome only.
    """
    _require(indices, ["parameter"], "sensitivity_bars")
    if "outcome" in indices and indices["outcome"].nunique() > 1:
        raise ValueError("sensitivity_bars draws one outcome; filter the indices frame first")
    ax = _new_axes(ax)
    if {"S1", "ST"} <= set(indices.columns):
        series = (("ST", "Total effect (ST)", "#0072B2"), ("S1", "First-order effect (S1)", "#56B4E9"))
        sort_key, xlabel, method = "ST", "Sobol index (share of output variance)", "Sobol"
    elif "mu_star" in indices:
        series = (("mu_star", "Mean absolute elementary effect (\u03bc*)", "#0072B2"),)
        unit = measure(str(indices["outcome"].iloc[0])).unit if "outcome" in indices and len(indices) else ""
        sort_key, method = "mu_star", "Morris"
        xlabel = "\u03bc*, mean absolute effect" + (f" ({unit})" if unit else "")
    else:
        raise ValueError("indices need S1 and ST (Sobol) or mu_star (Morris) columns")
    data = indices.sort_values(sort_key, ascending=False)
    if top:
        data = data.head(top)
    data = data.iloc[::-1]
    y = np.arange(len(data))
    height = 0.8 / len(series)
    for k, (column, label, color) in enumerate(series):
        pos = y + (k - (len(series) - 1) / 2) * height * -1
        conf = data.get(f"{column}_conf")
        ax.barh(
            pos,
            data[column],
            height=height * 0.92,
            color=color,
            label=label,
            xerr=None if conf is None else conf,
            error_kw={"ecolor": "#333333", "capsize": 2.5, "elinewidth": 1},
        )
    ax.set_yticks(y, [parameter_label(str(p)).split(" (")[0] for p in data["parameter"]])
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    if method == "Morris" and "outcome" in indices and len(indices):
        _set_value_axis(ax, str(indices["outcome"].iloc[0]), axis="x")
    outcome = f" {measure(str(indices['outcome'].iloc[0])).label.lower()}" if "outcome" in indices and len(indices) else ""
    verb = f"drive the variance of{outcome or ' the outcome'}" if method == "Sobol" else f"move{outcome or ' the outcome'} most"
    ax.set_title(plain_text(title or f"Which parameters {verb} ({method})"))
    if legend and len(series) > 1:
        ax.legend(frameon=False, loc="lower right")
    _tidy_axes(ax)
    return ax


@_styled
def sensitivity_figure(indices: pd.DataFrame, outcomes: Sequence[str] | None = None, ncols: int = 2) -> Figure:
    """Sensitivity bars for several outcomes, one panel each (an ``outcome`` column is required)."""
    _require(indices, ["outcome", "parameter"], "sensitivity_figure")
    outcomes = [o for o in (outcomes or list(dict.fromkeys(indices["outcome"]))) if (indices["outcome"] == o).any()]
    if not outcomes:
        raise ValueError("no indices for the requested outcomes")
    n_params = indices["parameter"].nunique()
    fig, axes = _panel_grid(len(outcomes), ncols=ncols, panel=(7.0, 1.2 + 0.55 * n_params))
    sobol = {"S1", "ST"} <= set(indices.columns)
    for ax, outcome in zip(axes, outcomes, strict=True):
        sensitivity_bars(indices[indices["outcome"] == outcome], ax=ax, title=measure(outcome).label, legend=False)
    if sobol:
        handles, labels = axes[0].get_legend_handles_labels()
        legend = fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncol=2,
            frameon=False,
            title="Error bars: 95% bootstrap intervals. ST - S1 is the share of variance in interactions.",
            title_fontproperties={"size": 10.5},
        )
        legend.get_title().set_color("#555555")
        _headline(fig, "Which parameters drive the variance of each outcome (Sobol' indices)")
    else:
        fig.supxlabel(
            "\u03bc*: mean absolute elementary effect (Morris screening); error bars: 95% bootstrap intervals.",
            fontsize=10.5,
            color="#555555",
        )
        _headline(fig, "Which parameters move each outcome most (Morris screening)")
    return fig
