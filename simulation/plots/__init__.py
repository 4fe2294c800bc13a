"""Charts from result frames: comparisons of org designs, sweeps and sensitivity indices.

Every chart function takes tidy data frames (never a model), draws on an optional
matplotlib ``ax`` (or builds its own figure) and returns the axes or the figure, after
SALib's ``plot(Si_df, ax=None)``. The frames are the ones :func:`simulation.comparison.compare`
and the experiments runner produce:

* ``runs`` -- one summary row per run (``scenario``, ``replication``, outcome columns);
* ``daily`` -- every run's daily series (``scenario``, ``replication``, ``day``, ...);
* ``differences`` -- paired differences against a baseline (``scenario``, ``outcome``,
  ``difference``, ``ci_low``, ``ci_high``, ``reference``);
* sweep ``runs`` -- per-run rows with parameter columns beside the outcomes;
* sensitivity ``indices`` -- ``parameter`` with ``S1``/``ST`` (Sobol) or ``mu_star``
  (Morris) and their ``*_conf`` half-widths.

Conventions, the same in every chart so a slide deck reads as one:

* one colour per design (:func:`design_color`): a fixed colour for each of the six presets
  (Okabe-Ito, colour-blind safe) and a deterministic colour for any other name;
* designs in preset order, custom designs after them in order of appearance;
* 95% intervals are Student-t intervals across replications; with one replication there
  is no interval and none is drawn;
* money in dollars ($K / $M), shares in percent, speed to lead in hours, trust and the
  friction index on their 0-1 scales; sized for a 16:9 slide (10 x 5.6 in) at font >= 11.

Writing charts to files (:func:`write_figures`) selects matplotlib's non-interactive Agg
backend if pyplot has not been imported yet, so a command-line run never needs a display;
in a notebook the already-chosen inline backend is left alone.

The package has one file per chart family, so a new chart has an obvious home:

* ``style`` -- slide size and rc style, design colours and names, figure helpers;
* ``measures`` -- outcome labels, units and number formats, intervals;
* ``parameters`` -- names, units and value formats of swept parameters;
* ``funnel`` -- the demand waterfall (stage counts, stage-to-stage conversion);
* ``over_time`` -- daily series (pipeline, bookings, trust) with bands;
* ``friction`` -- the friction index and its components;
* ``speed`` -- speed to lead;
* ``differences`` -- forest plots of paired differences against the baseline;
* ``sweep`` -- outcomes against parameters, main effects, heat maps;
* ``sensitivity`` -- Sobol' and Morris indices;
* ``chart_sets`` -- the charts of a comparison and of a sweep, in reading order;
* ``files`` -- writing chart sets to PNG/SVG.

Every name is importable from ``simulation.plots`` itself (``from simulation.plots import
design_color``), as when this was one module.
"""

from __future__ import annotations

from .chart_sets import SWEEP_CHART_OUTCOMES, Chart, _figure_of, compare_charts, sweep_charts, unchartable_outcomes
from .differences import DEFAULT_FOREST_OUTCOMES, difference_forest, difference_forests
from .files import _metadata, write_compare_charts, write_figures, write_sweep_charts
from .friction import friction_by_design, friction_table
from .funnel import FUNNEL_STAGES, _replication_note, conversion_rates, demand_waterfall, stage_conversion, stage_counts
from .jcurve import jcurve_charts, plot_jcurve, write_jcurve_charts
from .measures import (
    FRICTION_LABELS,
    MEASURES,
    Measure,
    _format_value,
    _money,
    _set_value_axis,
    axis_label,
    clip_band,
    format_value,
    grouped_interval,
    lower_first,
    measure,
)
from .over_time import _band_note, _quarter_axis, daily_bands, pipeline_over_time, time_series, trust_over_time
from .parameters import PARAMETER_LABELS, _fmt_param, _is_numeric, _param_axis, _param_kind, _param_name, _param_value_text, parameter_label
from .sensitivity import sensitivity_bars, sensitivity_figure
from .speed import HBR_2011_AUDIT, SPEED_BUCKETS, speed_to_lead
from .style import (
    ACRONYMS,
    FALLBACK_COLORS,
    FONT_SIZE,
    PRESET_COLORS,
    PRESET_LABELS,
    RC,
    SLIDE_SIZE,
    _design_handles,
    _designs,
    _hash_index,
    _headline,
    _legend_below,
    _new_axes,
    _panel_grid,
    _plt,
    _require,
    _styled,
    _tidy_axes,
    design_color,
    design_colors,
    design_label,
    design_order,
    plain_text,
)
from .sweep import _binned, _colorbar_formatter, main_effects, outcome_vs_parameter, parameter_heatmap, sweep_lines

__all__ = [
    "ACRONYMS",
    "Chart",
    "DEFAULT_FOREST_OUTCOMES",
    "FALLBACK_COLORS",
    "FONT_SIZE",
    "FRICTION_LABELS",
    "FUNNEL_STAGES",
    "HBR_2011_AUDIT",
    "MEASURES",
    "Measure",
    "PARAMETER_LABELS",
    "PRESET_COLORS",
    "PRESET_LABELS",
    "RC",
    "SLIDE_SIZE",
    "SPEED_BUCKETS",
    "SWEEP_CHART_OUTCOMES",
    "axis_label",
    "clip_band",
    "compare_charts",
    "conversion_rates",
    "daily_bands",
    "demand_waterfall",
    "design_color",
    "design_colors",
    "design_label",
    "design_order",
    "difference_forest",
    "difference_forests",
    "format_value",
    "friction_by_design",
    "jcurve_charts",
    "plot_jcurve",
    "write_jcurve_charts",
    "friction_table",
    "grouped_interval",
    "lower_first",
    "main_effects",
    "measure",
    "outcome_vs_parameter",
    "parameter_heatmap",
    "parameter_label",
    "pipeline_over_time",
    "plain_text",
    "sensitivity_bars",
    "sensitivity_figure",
    "speed_to_lead",
    "stage_conversion",
    "stage_counts",
    "sweep_charts",
    "sweep_lines",
    "time_series",
    "trust_over_time",
    "unchartable_outcomes",
    "write_compare_charts",
    "write_figures",
    "write_sweep_charts",
]
