"""The chart sets of a comparison and of a sweep, in reading order.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from .differences import DEFAULT_FOREST_OUTCOMES, difference_forests
from .friction import friction_by_design
from .funnel import demand_waterfall
from .measures import measure
from .over_time import pipeline_over_time, trust_over_time
from .parameters import _param_name
from .sensitivity import sensitivity_figure
from .speed import speed_to_lead
from .style import design_order
from .sweep import main_effects, parameter_heatmap, sweep_lines

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Chart:
    """One chart of a set: a file stem, a title, a caption saying how to read it, and the figure."""

    name: str
    title: str
    caption: str
    figure: Figure


def compare_charts(
    runs: pd.DataFrame,
    differences: pd.DataFrame | None = None,
    daily: pd.DataFrame | None = None,
    designs: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
) -> list[Chart]:
    """The charts of a design comparison, in reading order (figures are created here).

    ``outcomes``: the panels of the differences chart (default :data:`DEFAULT_FOREST_OUTCOMES`).

    Charts that need a frame that is missing (no ``daily``, no ``differences`` because
    only the baseline was run) are skipped.
    """
    names = designs or design_order(runs["scenario"].astype(str))
    charts: list[Chart] = []
    if differences is not None and len(differences):
        charts.append(
            Chart(
                "differences",
                "Paired differences against the baseline",
                "Each diamond is a design's mean difference from the baseline on the same replication seeds "
                "(common random numbers); the line is its 95% interval. An interval that does not cross zero "
                "is a difference the replications resolve.",
                difference_forests(
                    differences,
                    outcomes=[o for o in (outcomes or DEFAULT_FOREST_OUTCOMES) if (differences["outcome"] == o).any()]
                    or DEFAULT_FOREST_OUTCOMES,
                    designs=[n for n in names if n in set(differences["scenario"])],
                ),
            )
        )
    charts.append(
        Chart(
            "demand_waterfall",
            "Demand waterfall",
            "Left: mean number of leads reaching each stage over the horizon (log scale). Right: the share "
            "passing each stage-to-stage step, with 95% intervals across replications. Won/SQL counts only "
            "deals closed by the end of the horizon.",
            demand_waterfall(runs, designs=names),
        )
    )
    if daily is not None and len(daily):
        charts.append(
            Chart(
                "pipeline_over_time",
                "Pipeline and bookings over time",
                "Cumulative pipeline created, open pipeline value and cumulative bookings, averaged across "
                "replications day by day; shaded bands are 95% intervals across replications.",
                pipeline_over_time(daily, designs=names),
            )
        )
        charts.append(
            Chart(
                "trust_over_time",
                "Trust each way over time",
                "Mean trust of sales in marketing's leads and of marketing in sales' follow-up (0 to 1), "
                "with 95% bands across replications.",
                trust_over_time(daily, designs=names),
            )
        )
    charts.append(
        Chart(
            "friction_components",
            "Friction by component",
            "Each row is one component of the friction index (0 = none, 1 = maximal); dots are design means, "
            "lines 95% intervals. The top row is the index: the unweighted mean of seven groups, the three follow-up "
            "components (never worked, delay, late or never) averaged into one; a descriptive measure.",
            _figure_of(friction_by_design(runs, designs=names)),
        )
    )
    charts.append(
        Chart(
            "speed_to_lead",
            "Speed to lead",
            "Share of marketing's MQLs first touched within an hour, within a day, later, or never (mean across "
            "replications). The bottom bar is HBR 2011's audit of firms, shown for context: it counts firms, "
            "not leads.",
            _figure_of(speed_to_lead(runs, designs=names)),
        )
    )
    return charts


SWEEP_CHART_OUTCOMES = 6
"""Panels per sweep line chart; more outcomes take more line charts (none is dropped)."""


def sweep_charts(
    runs: pd.DataFrame,
    parameters: Sequence[str],
    outcomes: Sequence[str],
    design: str = "grid",
    indices: pd.DataFrame | None = None,
) -> list[Chart]:
    """The charts of a sweep, chosen by its design (figures are created here).

    * a grid over one parameter: each outcome against it, with bands;
    * a grid over two: each outcome against the one with more values, a line per value of
      the other, and a heat map of each outcome over both;
    * more parameters, or a sampled design (lhs, sobol, morris): main effects per outcome;
    * with sensitivity ``indices``: the indices as bars, one panel per outcome.

    Every outcome with a value gets its chart (heat map, main effects, a line-chart panel);
    :func:`unchartable_outcomes` lists those left out. Only successful runs
    (``status == "ok"`` when the column exists) are drawn.
    """
    if "status" in runs:
        runs = runs[runs["status"] == "ok"]
    outcomes = [o for o in outcomes if o in runs.columns and runs[o].notna().any()]
    # Every outcome gets a chart: line charts hold SWEEP_CHART_OUTCOMES panels each, so more
    # outcomes take more figures (``<name>``, ``<name>_2``, ...).
    groups = [outcomes[i : i + SWEEP_CHART_OUTCOMES] for i in range(0, len(outcomes), SWEEP_CHART_OUTCOMES)]

    def numbered(name: str, i: int) -> str:
        return name if i == 0 else f"{name}_{i + 1}"

    charts: list[Chart] = []
    if indices is not None and len(indices):
        sobol = {"S1", "ST"} <= set(indices.columns)
        charts.append(
            Chart(
                "sensitivity",
                "Sensitivity indices",
                "Sobol' first-order (S1) and total (ST) indices: the share of the outcome's variance across the sampled "
                "parameter space that each parameter explains alone, and with its interactions."
                if sobol
                else "Morris screening: the mean absolute change in the outcome when one parameter moves a step across its "
                "range with the others held (\u03bc*); a screening ranks parameters, it does not apportion variance.",
                sensitivity_figure(indices),
            )
        )
    numeric = [p for p in parameters if p in runs.columns]
    if design == "grid" and len(numeric) == 1:
        p = numeric[0]
        for i, shown in enumerate(groups):
            charts.append(
                Chart(
                    numbered("outcomes_vs_parameter", i),
                    f"Outcomes against {_param_name(p)}" + (f" ({i + 1} of {len(groups)})" if len(groups) > 1 else ""),
                    "Each panel: the mean of one outcome at each value of the parameter across replications, with its 95% interval as a band.",
                    sweep_lines(runs, p, shown),
                )
            )
    elif design == "grid" and len(numeric) == 2:
        a, b = numeric
        x, by = (a, b) if runs[a].nunique() >= runs[b].nunique() else (b, a)
        for i, shown in enumerate(groups):
            charts.append(
                Chart(
                    numbered("outcomes_vs_parameters", i),
                    "Outcomes against both parameters" + (f" ({i + 1} of {len(groups)})" if len(groups) > 1 else ""),
                    f"Each panel: the mean of one outcome against {_param_name(x)}, one line per "
                    f"value of {_param_name(by)}; bands are 95% intervals across replications.",
                    sweep_lines(runs, x, shown, by=by),
                )
            )
        for outcome in outcomes:
            ax = parameter_heatmap(runs, x, by, outcome)
            charts.append(
                Chart(
                    f"heatmap_{outcome}",
                    f"{measure(outcome).label} over both parameters",
                    "Each cell: the mean across replications at that combination of the two parameters (light = high, "
                    "dark = low, whatever is better for this outcome).",
                    ax.figure,
                )
            )
    elif numeric:
        for outcome in outcomes:
            charts.append(
                Chart(
                    f"main_effects_{outcome}",
                    f"{measure(outcome).label}: main effects",
                    "The mean of the outcome at each value (or quantile bin) of each parameter, over all settings of the "
                    "others; bands are 95% intervals across those runs.",
                    main_effects(runs, numeric, outcome),
                )
            )
    return charts


def unchartable_outcomes(runs: pd.DataFrame, outcomes: Sequence[str]) -> list[str]:
    """The outcomes :func:`sweep_charts` cannot draw: not in the runs, or no successful run has a value."""
    if "status" in runs:
        runs = runs[runs["status"] == "ok"]
    return [o for o in outcomes if o not in runs.columns or not runs[o].notna().any()]


def _figure_of(ax: Axes) -> Figure:
    return ax.figure
