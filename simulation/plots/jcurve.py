"""The J-curve of a reorganisation roadmap: what the change costs first and when it pays back.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).

Charts take data frames (``Comparison.roadmap_quarterly`` and ``Comparison.payback``, or the
``roadmap_quarterly`` and ``payback`` files of a compare folder), never models, and return
the figure (see docs/charts.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .chart_sets import Chart
from .files import write_figures
from .measures import format_value
from .style import design_color

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def plot_jcurve(roadmap_quarterly: pd.DataFrame, scenario: str, payback: pd.DataFrame | None = None,
                outcome: str = "bookings", ax: Axes | None = None) -> Figure:
    """Bars: the paired quarterly difference of ``outcome`` (roadmap minus the design it starts
    from) with its 95% interval; line and band: the cumulative difference and its 95%
    interval; a dashed line where the first change takes effect; the payback quarter (from
    ``payback``) marked when there is one."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    f = roadmap_quarterly[(roadmap_quarterly["scenario"] == scenario) & (roadmap_quarterly["outcome"] == outcome)]
    if f.empty:
        raise ValueError(f"no roadmap rows for {scenario!r} and {outcome!r}")
    f = f.sort_values("quarter")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5.6), layout="constrained")
    color = design_color(scenario)
    q = f["quarter"].to_numpy()
    err = [f["difference"] - f["ci_low"], f["ci_high"] - f["difference"]]
    ax.bar(q, f["difference"], color=color, alpha=0.45, label="this quarter [95% CI]",
           yerr=[e.fillna(0).clip(lower=0) for e in err], capsize=3, ecolor="#555555")
    ax.plot(q, f["cumulative"], color=color, lw=2.5, marker="o", label="cumulative [95% CI]")
    ax.fill_between(q, f["cumulative_ci_low"], f["cumulative_ci_high"], color=color, alpha=0.15, lw=0)
    ax.axhline(0, color="#333333", lw=0.8)
    switch = int(f["switch_quarter"].iloc[0])
    ax.axvline(switch - 0.5, color="#333333", ls="--", lw=1)
    top = ax.get_ylim()[1]
    ax.text(switch - 0.45, top, f" change at quarter {switch}", va="top", ha="left", fontsize=10, color="#333333")
    title = f"{scenario} vs {f['reference'].iloc[0]}: {outcome.replace('_', ' ')}"
    if payback is not None and outcome == "bookings":
        row = payback[payback["scenario"] == scenario]
        if len(row):
            r = row.iloc[0]
            if r["payback_quarter"] == r["payback_quarter"]:
                ax.axvline(r["payback_quarter"], color=color, ls=":", lw=1.5)
            title += f"\npayback {_quarter_text(r['payback_quarter'])} [95% CI: {_quarter_text(r['payback_earliest'])} to {_quarter_text(r['payback_latest'])}]"
    ax.set_xticks(q)
    ax.set_xlabel("quarter")
    ax.set_ylabel(f"difference in {outcome.replace('_', ' ')}")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_value(v, outcome, signed=True)))
    ax.set_title(title, fontsize=12, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, loc="lower right")
    return ax.figure


def _quarter_text(value: float) -> str:
    return "not within the horizon" if value != value else f"Q{int(value)}"


def jcurve_charts(roadmap_quarterly: pd.DataFrame | None, payback: pd.DataFrame | None = None) -> list[Chart]:
    """One J-curve chart (bookings) per roadmap, for a compare folder and its report."""
    if roadmap_quarterly is None or roadmap_quarterly.empty:
        return []
    charts = []
    for scenario in dict.fromkeys(roadmap_quarterly["scenario"].astype(str)):
        fig = plot_jcurve(roadmap_quarterly, scenario, payback)
        reference = roadmap_quarterly.loc[roadmap_quarterly["scenario"] == scenario, "reference"].iloc[0]
        charts.append(Chart(
            name=f"jcurve_{scenario}",
            title=f"The transition's J-curve: {scenario}",
            caption=(f"Bookings of {scenario} minus {reference}, the design it starts from, on the same replication seeds: "
                     "bars per quarter, the line cumulative, both with 95% intervals. Before the change (dashed line) the "
                     "runs are identical; the payback quarter is the first from which the cumulative difference stays above zero "
                     "(its interval: the same rule on the band's upper and lower edge)."),
            figure=fig,
        ))
    return charts


def write_jcurve_charts(roadmap_quarterly: pd.DataFrame | None, payback: pd.DataFrame | None, out_dir: Path,
                        formats=("png", "svg")) -> list[Path]:
    """Write the J-curve charts (PNG and SVG) to ``out_dir``."""
    return write_figures(jcurve_charts(roadmap_quarterly, payback), Path(out_dir), formats)
