"""Sweep charts: outcomes against parameters, main effects, two-parameter heat maps.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .measures import _set_value_axis, axis_label, clip_band, format_value, grouped_interval, lower_first, measure
from .parameters import _is_numeric, _param_axis, _param_name, _param_value_text, parameter_label
from .style import _headline, _new_axes, _panel_grid, _require, _styled, _tidy_axes, plain_text

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@_styled
def outcome_vs_parameter(
    runs: pd.DataFrame,
    parameter: str,
    outcome: str,
    by: str | None = None,
    ax: Axes | None = None,
    confidence: float = 0.95,
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """A sweep's outcome against one parameter: mean across replications with a band.

    ``runs`` has one row per run with a column for ``parameter`` (and ``by``, if given)
    and for ``outcome``. With ``by``, one line per value of that second parameter (shades
    of one sequential palette, light to dark). The band is the t-interval across the runs
    at each value, left out where a value has a single run. A categorical parameter (e.g.
    ``base``, the design) is drawn as dots with error bars instead of a line.
    """
    _require(runs, [parameter, outcome] + ([by] if by else []), "outcome_vs_parameter")
    ax = _new_axes(ax)
    keys = [by, parameter] if by else [parameter]
    stats_ = grouped_interval(runs, keys, outcome, confidence).sort_values(keys)
    numeric = _is_numeric(runs[parameter])
    categories = list(dict.fromkeys(runs[parameter])) if not numeric else []
    import matplotlib as mpl

    if by:
        levels = sorted(stats_[by].unique())
        cmap = mpl.colormaps["viridis"]
        shades = [cmap(v) for v in np.linspace(0.05, 0.8, len(levels))]
        groups = [(lvl, stats_[stats_[by] == lvl], shades[i]) for i, lvl in enumerate(levels)]
    else:
        groups = [(None, stats_, "#0072B2")]
    for k, (level, g, color) in enumerate(groups):
        label = None if level is None else plain_text(_param_value_text(by, level))
        if numeric:
            x = g[parameter].to_numpy(dtype=float)
            ax.plot(x, g["mean"], "-o", color=color, lw=2.2, markersize=5, label=label)
            if g["ci_low"].notna().any():
                ax.fill_between(x, *clip_band(outcome, g["ci_low"], g["ci_high"]), color=color, alpha=0.15, lw=0)
        else:
            offset = (k - (len(groups) - 1) / 2) * 0.08
            x = np.array([categories.index(v) for v in g[parameter]], dtype=float) + offset
            err = np.vstack([(g["mean"] - g["ci_low"]).to_numpy(), (g["ci_high"] - g["mean"]).to_numpy()])
            ax.errorbar(x, g["mean"], yerr=np.nan_to_num(err), fmt="o", color=color, capsize=3, lw=2, label=label)
    if not numeric:
        ax.set_xticks(range(len(categories)), [plain_text(_param_value_text(parameter, c)) for c in categories], rotation=20, ha="right")
    else:
        _param_axis(ax, parameter)
    _set_value_axis(ax, outcome)
    ax.set_xlabel(parameter_label(parameter))
    ax.set_ylabel(axis_label(outcome))
    n = int(stats_["n"].min()) if len(stats_) else 0
    ax.set_title(plain_text(title or f"{measure(outcome).label} by {_param_name(parameter)}"))
    if by and legend:
        ax.legend(frameon=False, loc="best", title=plain_text(parameter_label(by)), fontsize=10, title_fontsize=10)
    ax.grid(axis="x", visible=numeric)
    _tidy_axes(ax)
    ax._orgsim_runs_per_point = n  # read by the figure-level note
    return ax


@_styled
def sweep_lines(
    runs: pd.DataFrame,
    parameter: str,
    outcomes: Sequence[str],
    by: str | None = None,
    confidence: float = 0.95,
    title: str | None = None,
) -> Figure:
    """Several outcomes against one parameter (one panel each), optionally one line per ``by`` value."""
    outcomes = [o for o in outcomes if o in runs.columns]
    fig, axes = _panel_grid(len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=True):
        outcome_vs_parameter(runs, parameter, outcome, by=by, ax=ax, confidence=confidence, title=measure(outcome).label, legend=False)
    n = int(runs.groupby([c for c in (parameter, by) if c])[outcomes[0]].count().min()) if outcomes else 0
    band = (
        f"Lines: mean of {n} replications per point; bands: {confidence:.0%} intervals across replications."
        if n >= 2
        else "One run per point: no bands."
    )
    if by:
        handles, labels = axes[0].get_legend_handles_labels()
        legend = fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncol=min(len(labels), 6),
            frameon=False,
            title=plain_text(f"{parameter_label(by)}.  {band}"),
            title_fontproperties={"size": 10.5},
        )
        legend.get_title().set_color("#555555")
    else:
        fig.supxlabel(band, fontsize=10.5, color="#555555")
    _headline(fig, title or f"Outcomes as {_param_name(parameter)} varies")
    return fig


def _binned(runs: pd.DataFrame, parameter: str, bins: int) -> pd.Series:
    """The parameter itself when it has few values; else the midpoint of its quantile bin."""
    values = runs[parameter]
    if not _is_numeric(values) or values.nunique() <= bins:
        return values
    codes = pd.qcut(values, bins, duplicates="drop")
    return codes.map(lambda interval: interval.mid).astype(float)


@_styled
def main_effects(
    runs: pd.DataFrame,
    parameters: Sequence[str],
    outcome: str,
    bins: int = 5,
    confidence: float = 0.95,
) -> Figure:
    """Main effects: the mean of ``outcome`` at each value of each parameter, over all other settings.

    One panel per parameter. A parameter with more than ``bins`` distinct values (a Latin
    hypercube, Sobol' or Morris design) is cut into ``bins`` quantile bins, plotted at each
    bin's midpoint. The band is the t-interval across the runs at that value -- it spans
    the other parameters' settings as well as the replications, so it shows spread, not
    only noise.
    """
    fig, axes = _panel_grid(len(parameters), ncols=min(3, len(parameters)), panel=(4.6, 3.6))
    for ax, parameter in zip(axes, parameters, strict=True):
        frame = pd.DataFrame({"x": _binned(runs, parameter, bins), "y": runs[outcome]})
        g = grouped_interval(frame, ["x"], "y", confidence).sort_values("x")
        numeric = _is_numeric(frame["x"])
        x = g["x"].to_numpy(dtype=float) if numeric else np.arange(len(g))
        ax.plot(x, g["mean"], "-o", color="#0072B2", lw=2.2, markersize=5)
        if g["ci_low"].notna().any():
            ax.fill_between(x, *clip_band(outcome, g["ci_low"], g["ci_high"]), color="#0072B2", alpha=0.15, lw=0)
        if numeric:
            _param_axis(ax, parameter)
        else:
            ax.set_xticks(x, [plain_text(_param_value_text(parameter, v)) for v in g["x"]], rotation=20, ha="right")
        _set_value_axis(ax, outcome)
        ax.set_xlabel(parameter_label(parameter))
        ax.set_ylabel(axis_label(outcome))
        _tidy_axes(ax)
    fig.supxlabel(
        f"Mean over every run at that value (continuous parameters in {bins} quantile bins); "
        f"bands: {confidence:.0%} intervals across those runs.",
        fontsize=10.5,
        color="#555555",
    )
    _headline(fig, f"{measure(outcome).label}: main effect of each parameter")
    return fig


def _colorbar_formatter(kind: str, values: np.ndarray):
    """Tick labels with as many decimals as the colour bar's range needs (a narrow range of
    shares or money must not print ``52% 52% 52%``)."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    finite = values[np.isfinite(values)]
    span = float(np.ptp(finite)) if finite.size > 1 else 0.0

    def decimals(step: float) -> int:  # about five ticks over the span
        return 0 if step <= 0 else max(0, math.ceil(-math.log10(step / 5)))

    if kind == "share":
        return PercentFormatter(1.0, decimals=decimals(100 * span))
    if kind == "usd":
        top = float(np.abs(finite).max()) if finite.size else 0.0
        scale, suffix = next(((s, x) for s, x in ((1e9, "B"), (1e6, "M"), (1e3, "K")) if top >= s), (1.0, ""))
        places = decimals(span / scale)
        return FuncFormatter(lambda v, _p: f"{'-' if v < 0 else ''}${abs(v) / scale:,.{places}f}{suffix}")
    return None


@_styled
def parameter_heatmap(
    runs: pd.DataFrame,
    x: str,
    y: str,
    outcome: str,
    ax: Axes | None = None,
    annotate: bool = True,
    cmap: str = "cividis",
    title: str | None = None,
) -> Axes:
    """Two-parameter sweep: the mean of ``outcome`` in each (x, y) cell, as a heat map.

    Cells are the grid's parameter values (sorted); each carries its mean across
    replications when ``annotate``. A colour-blind-safe sequential map (cividis), dark =
    low, light = high, whatever the outcome's better direction -- the colour bar says so.
    """
    _require(runs, [x, y, outcome], "parameter_heatmap")
    ax = _new_axes(ax)
    grid = runs.groupby([y, x])[outcome].mean().unstack(x).sort_index().sort_index(axis=1)
    values = grid.to_numpy(dtype=float)
    image = ax.imshow(values, cmap=cmap, aspect="auto", origin="lower", interpolation="nearest")
    ax.set_xticks(np.arange(grid.shape[1]), [plain_text(_param_value_text(x, v)) for v in grid.columns])
    ax.set_yticks(np.arange(grid.shape[0]), [plain_text(_param_value_text(y, v)) for v in grid.index])
    ax.set_xlabel(parameter_label(x))
    ax.set_ylabel(parameter_label(y))
    ax.grid(False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.9)
    bar.set_label("Mean " + lower_first(axis_label(outcome)))
    formatter = _colorbar_formatter(measure(outcome).kind, values)
    if formatter is not None:
        bar.formatter = formatter
    bar.update_ticks()
    if annotate and values.size <= 200:
        finite = values[np.isfinite(values)]
        mid = (finite.min() + finite.max()) / 2 if finite.size else 0
        fontsize = 11 if values.size <= 49 else 9
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(
                    j,
                    i,
                    format_value(float(v), outcome),
                    ha="center",
                    va="center",
                    fontsize=fontsize,
                    color="white" if v < mid else "#1A1A1A",
                )
    ax.set_title(plain_text(title or f"{measure(outcome).label} by {_param_name(x)} and {_param_name(y)}"))
    ax.tick_params(labelsize=11)
    return ax
