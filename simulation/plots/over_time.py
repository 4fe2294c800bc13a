"""Daily series over the horizon: pipeline, bookings and trust, with bands across replications.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..scenario import WORKING_DAYS_PER_QUARTER
from .measures import _set_value_axis, axis_label, clip_band, grouped_interval, measure
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


def _quarter_axis(ax: Axes, max_day: float) -> None:
    quarters = max_day / WORKING_DAYS_PER_QUARTER
    step = 1 if quarters <= 12 else 2 if quarters <= 24 else 4
    ax.set_xticks(np.arange(0, math.floor(quarters + 1e-9) + 1, step))
    ax.set_xlim(0, quarters)
    ax.set_xlabel(f"Quarters elapsed ({WORKING_DAYS_PER_QUARTER} working days each)")


def daily_bands(daily: pd.DataFrame, column: str, confidence: float = 0.95) -> pd.DataFrame:
    """Per design and day: mean of ``column`` across replications and its t-interval."""
    _require(daily, ["scenario", "day", column], "daily_bands")
    frame = daily[["scenario", "day", column]].copy()
    frame["scenario"] = frame["scenario"].astype(str)
    return grouped_interval(frame, ["scenario", "day"], column, confidence)


@_styled
def time_series(
    daily: pd.DataFrame,
    column: str,
    ax: Axes | None = None,
    designs: Sequence[str] | None = None,
    confidence: float = 0.95,
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """One line per design: the daily mean of ``column`` across replications, with a band.

    The band is the Student-t ``confidence`` interval across replications on each day; a
    design with a single replication is drawn as a line without a band.
    """
    ax = _new_axes(ax)
    names = _designs(daily, designs)
    colors = design_colors(names)
    bands = daily_bands(daily, column, confidence)
    for name in names:
        b = bands[bands["scenario"] == name].sort_values("day")
        x = (b["day"].to_numpy() + 1) / WORKING_DAYS_PER_QUARTER
        ax.plot(x, b["mean"], color=colors[name], lw=2.2, label=plain_text(design_label(name)))
        if b["ci_low"].notna().any():
            ax.fill_between(x, *clip_band(column, b["ci_low"], b["ci_high"]), color=colors[name], alpha=0.13, lw=0)
    _quarter_axis(ax, float(daily["day"].max() + 1))
    _set_value_axis(ax, column)
    ax.set_ylabel(axis_label(column))
    ax.set_title(plain_text(title or measure(column).label))
    if measure(column).kind in ("usd", "count"):
        ax.set_ylim(bottom=0)
    if legend:
        ax.legend(frameon=False, loc="best")
    _tidy_axes(ax)
    return ax


@_styled
def pipeline_over_time(daily: pd.DataFrame, designs: Sequence[str] | None = None, confidence: float = 0.95) -> Figure:
    """Pipeline created (cumulative), open pipeline and cumulative bookings over time."""
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(15.0, 5.8), layout="constrained")
    names = _designs(daily, designs)
    panels = (
        ("pipeline_created", "Pipeline created (cumulative)"),
        ("open_pipeline_value", "Open pipeline"),
        ("bookings_cumulative", "Bookings (cumulative)"),
    )
    for ax, (column, title) in zip(axes, panels, strict=True):
        time_series(daily, column, ax=ax, designs=names, confidence=confidence, title=title, legend=False)
        ax.set_ylabel("$ (value of opportunities)" if column != "bookings_cumulative" else "$ booked")
    n = daily.groupby("scenario")["replication"].nunique().min() if "replication" in daily else 1
    _legend_below(fig, names, _band_note(int(n), confidence))
    _headline(fig, "Pipeline and bookings over time")
    return fig


def _band_note(n: int, confidence: float = 0.95) -> str:
    if n >= 2:
        return f"Lines: mean of {n} replications per design; bands: {confidence:.0%} intervals across replications, day by day."
    return "One replication per design: no bands."


@_styled
def trust_over_time(daily: pd.DataFrame, designs: Sequence[str] | None = None, confidence: float = 0.95) -> Figure:
    """Trust each way over time: sales' trust in marketing and marketing's trust in sales."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(13.0, 5.8), layout="constrained", sharey=True)
    names = _designs(daily, designs)
    for ax, column, title in zip(
        axes,
        ("trust_sales_in_marketing", "trust_marketing_in_sales"),
        ("Sales' trust in marketing", "Marketing's trust in sales"),
        strict=True,
    ):
        time_series(daily, column, ax=ax, designs=names, confidence=confidence, title=title, legend=False)
        ax.set_ylabel("Trust (0 = none, 1 = full)")
        ax.set_ylim(0, 1)
    axes[1].tick_params(labelleft=True)
    n = daily.groupby("scenario")["replication"].nunique().min() if "replication" in daily else 1
    _legend_below(fig, names, _band_note(int(n), confidence))
    _headline(fig, "Trust between the functions over time")
    return fig
