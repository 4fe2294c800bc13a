"""Charts from small, known frames: the right marks, labels, colours and bands.

No simulation runs here: every frame is synthetic, so each assertion says what a chart
must show for data whose answer is known.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot: tests never need a display

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import FillBetweenPolyCollection, LineCollection, PolyCollection  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from scipy import stats  # noqa: E402

from simulation import plots  # noqa: E402
from simulation.metrics import FRICTION_COMPONENTS  # noqa: E402

DESIGNS = ["separate_targets", "sla", "my_custom_design"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def runs_frame(designs=DESIGNS, replications=3) -> pd.DataFrame:
    """Summary rows with a known waterfall: each design d halves, then thirds, ... its leads."""
    rows = []
    for d, name in enumerate(designs):
        for r in range(replications):
            leads = 1000 * (d + 1) + 10 * r
            row = {
                "scenario": name,
                "replication": r,
                "seed": 100 + r,
                "leads_created": leads,
                "mqls": leads // 2,
                "mqls_accepted": leads // 4,
                "sqls": leads // 20,
                "deals_won": leads // 100,
                "share_touched_within_1h": 0.4,
                "share_touched_1_to_24h": 0.3,
                "share_touched_after_24h": 0.2,
                "share_never_worked": 0.1,
                "friction_index": 0.1 * (d + 1) + 0.01 * r,
            }
            for k, comp in enumerate(FRICTION_COMPONENTS):
                row[f"friction_{comp}"] = min(1.0, 0.05 * k + 0.1 * d + 0.01 * r)
            rows.append(row)
    return pd.DataFrame(rows)


def daily_frame(designs=DESIGNS, replications=3, days=126) -> pd.DataFrame:
    """Daily series: replication r adds r to a linear trend, so the mean and band are known."""
    rows = []
    for d, name in enumerate(designs):
        for r in range(replications):
            for day in range(days):
                value = 1000.0 * (d + 1) * day + r
                rows.append(
                    {
                        "scenario": name,
                        "replication": r,
                        "seed": 100 + r,
                        "day": day,
                        "pipeline_created": value,
                        "open_pipeline_value": value / 2,
                        "bookings_cumulative": value / 4,
                        "trust_sales_in_marketing": 0.5 + 0.001 * r,
                        "trust_marketing_in_sales": 0.4 + 0.001 * r,
                    }
                )
    return pd.DataFrame(rows)


def differences_frame(designs=("sla", "my_custom_design"), n=5) -> pd.DataFrame:
    rows = []
    for name in designs:
        for outcome, diff in (("bookings", 1e5), ("friction_index", -0.05), ("mql_acceptance_rate", 0.1)):
            rows.append(
                {
                    "scenario": name,
                    "reference": "separate_targets",
                    "outcome": outcome,
                    "n": n,
                    "difference": diff,
                    "ci_low": diff - abs(diff) / 2 if n > 1 else float("nan"),
                    "ci_high": diff + abs(diff) / 2 if n > 1 else float("nan"),
                    "reference_mean": 1.0,
                }
            )
    return pd.DataFrame(rows)


def sweep_frame(replications=3) -> pd.DataFrame:
    """A 3 x 2 grid; bookings = 1e5 * w + 1e3 * hours + replication (known means)."""
    rows = []
    for w in (0.0, 0.5, 1.0):
        for hours in (4, 24):
            for r in range(replications):
                rows.append(
                    {
                        "point": 0,
                        "replication": r,
                        "marketing.shared_revenue_weight": w,
                        "sla.first_touch_hours": hours,
                        "status": "ok",
                        "bookings": 1e5 * w + 1e3 * hours + r,
                        "friction_index": 0.5 - 0.2 * w,
                    }
                )
    return pd.DataFrame(rows)


def _bands(ax) -> list:
    return [c for c in ax.collections if isinstance(c, (FillBetweenPolyCollection, PolyCollection))]


# ----------------------------------------------------------------------------- colours


def test_presets_have_fixed_colours_and_custom_names_a_stable_one():
    assert plots.design_color("separate_targets") == plots.PRESET_COLORS["separate_targets"]
    assert len(set(plots.PRESET_COLORS.values())) == 6
    first = plots.design_color("my_custom_design")
    assert first == plots.design_color("my_custom_design")  # deterministic (md5, not salted hash())
    assert first in plots.FALLBACK_COLORS and first not in plots.PRESET_COLORS.values()


def test_custom_designs_in_one_comparison_never_share_a_colour():
    names = [f"custom_{i}" for i in range(len(plots.FALLBACK_COLORS))] + ["sla"]
    colors = plots.design_colors(names)
    assert len(set(colors.values())) == len(names)
    assert plots.design_colors(list(reversed(names))) == colors  # depends on the set, not the order


def test_a_design_has_the_same_colour_in_every_chart():
    runs, daily = runs_frame(), daily_frame()
    ax_lines = plots.stage_counts(runs)
    ax_time = plots.time_series(daily, "pipeline_created")
    ax_dots = plots.friction_by_design(runs)
    expected = {plots.design_label(n): to_hex(plots.design_color(n)) for n in DESIGNS}
    for ax in (ax_lines, ax_time):
        got = {line.get_label(): to_hex(line.get_color()) for line in ax.get_lines() if not line.get_label().startswith("_")}
        assert got == expected
    got = {line.get_label(): to_hex(line.get_color()) for line in ax_dots.get_lines() if not line.get_label().startswith("_")}
    assert got == expected


def test_designs_are_ordered_presets_first():
    assert plots.design_order(["zeta", "sla", "separate_targets"]) == ["separate_targets", "sla", "zeta"]


# ----------------------------------------------------------------------------- the waterfall


def test_stage_counts_draws_one_line_per_design_through_five_stages_on_a_log_axis():
    runs = runs_frame()
    ax = plots.stage_counts(runs)
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len(lines) == 3
    assert all(len(line.get_xdata()) == 5 for line in lines)
    sla = next(line for line in lines if line.get_label() == "SLA")
    expected = runs[runs.scenario == "sla"][["leads_created", "mqls", "mqls_accepted", "sqls", "deals_won"]].mean()
    np.testing.assert_allclose(sla.get_ydata(), expected.to_numpy())
    assert ax.get_yscale() == "log"
    assert "log scale" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "Leads"


def test_stage_conversion_has_a_bar_per_design_and_step_and_error_bars_only_with_replications():
    ax = plots.stage_conversion(runs_frame(replications=3))
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 3 * 4
    heights = sorted({round(b.get_height(), 3) for b in bars})
    assert 0.5 in heights  # leads -> MQLs is exactly one half in every run
    assert len([c for c in ax.collections if isinstance(c, LineCollection)]) == 3  # one error-bar set per design
    plt.close("all")
    ax = plots.stage_conversion(runs_frame(replications=1))
    assert [c for c in ax.collections if isinstance(c, LineCollection)] == []
    assert ax.get_ylabel() == "Conversion rate (%)"


def test_conversion_rates_match_the_known_waterfall():
    rates = plots.conversion_rates(runs_frame(replications=2))
    first = rates[(rates.scenario == "sla") & (rates.step == "Leads to MQLs")].iloc[0]
    assert first["mean"] == pytest.approx(0.5)
    assert first["n"] == 2


def test_demand_waterfall_has_two_panels_titles_and_one_legend():
    fig = plots.demand_waterfall(runs_frame())
    assert len(fig.axes) == 2
    assert fig.get_suptitle() == "Demand waterfall by design"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["Separate targets", "SLA", "My custom design"]
    assert "95% intervals" in fig.legends[0].get_title().get_text()


# ----------------------------------------------------------------------------- over time


def test_time_series_bands_are_t_intervals_across_replications():
    daily = daily_frame(designs=["sla"], replications=3, days=10)
    bands = plots.daily_bands(daily, "pipeline_created")
    day5 = bands[bands.day == 5].iloc[0]
    values = np.array([5000.0, 5001.0, 5002.0])
    half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / math.sqrt(3)
    assert day5["mean"] == pytest.approx(5001.0)
    assert day5["ci_low"] == pytest.approx(5001.0 - half)
    assert day5["ci_high"] == pytest.approx(5001.0 + half)


def test_time_series_draws_a_line_and_a_band_per_design():
    ax = plots.time_series(daily_frame(), "pipeline_created")
    assert len([line for line in ax.get_lines() if not line.get_label().startswith("_")]) == 3
    assert len(_bands(ax)) == 3
    assert ax.get_ylabel() == "Pipeline created ($)"
    assert "Quarters" in ax.get_xlabel()
    assert ax.get_ylim()[0] == 0


def test_no_band_with_a_single_replication():
    ax = plots.time_series(daily_frame(replications=1), "pipeline_created")
    assert len(ax.get_lines()) == 3
    assert _bands(ax) == []


def test_pipeline_over_time_has_three_panels_with_bands():
    fig = plots.pipeline_over_time(daily_frame())
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["Pipeline created (cumulative)", "Open pipeline", "Bookings (cumulative)"]
    assert all(len(_bands(ax)) == 3 for ax in fig.axes)
    assert "3 replications" in fig.legends[0].get_title().get_text()


def test_trust_over_time_shows_each_way_on_a_0_to_1_scale():
    fig = plots.trust_over_time(daily_frame(replications=1))
    assert [ax.get_title() for ax in fig.axes] == ["Sales' trust in marketing", "Marketing's trust in sales"]
    assert all(ax.get_ylim() == (0, 1) for ax in fig.axes)
    assert all(_bands(ax) == [] for ax in fig.axes)
    assert "no bands" in fig.legends[0].get_title().get_text()


# ----------------------------------------------------------------------------- friction, speed


def test_friction_chart_has_the_index_and_nine_components_with_intervals():
    ax = plots.friction_by_design(runs_frame())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 1 + len(FRICTION_COMPONENTS)
    assert labels[0].startswith("Friction index")
    dots = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len(dots) == 3 and all(len(d.get_xdata()) == 10 for d in dots)
    assert len([c for c in ax.collections if isinstance(c, LineCollection)]) == 3
    plt.close("all")
    ax = plots.friction_by_design(runs_frame(replications=1))
    assert [c for c in ax.collections if isinstance(c, LineCollection)] == []


def test_speed_to_lead_stacks_four_buckets_per_design_plus_the_hbr_benchmark():
    ax = plots.speed_to_lead(runs_frame())
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 4 * (3 + 1)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[-1].startswith("HBR 2011")
    widths_by_row: dict[float, float] = {}
    for b in bars:
        widths_by_row[round(b.get_y(), 3)] = widths_by_row.get(round(b.get_y(), 3), 0) + b.get_width()
    assert all(w == pytest.approx(1.0) for w in widths_by_row.values())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Within 1 hour", "1-24 hours", "After 24 hours", "Never worked"]
    plt.close("all")
    assert len(plots.speed_to_lead(runs_frame(), benchmark=False).get_yticklabels()) == 3


# ----------------------------------------------------------------------------- differences


def test_forest_plot_draws_each_design_with_its_interval_and_a_zero_line():
    ax = plots.difference_forest(differences_frame(), "bookings")
    diamonds = [line for line in ax.get_lines() if line.get_marker() == "D"]
    assert len(diamonds) == 2
    assert sorted(d.get_xdata()[0] for d in diamonds) == [1e5, 1e5]
    intervals = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(intervals) >= 2  # the interval lines (plus their end caps)
    assert any(np.allclose(line.get_xdata(), 0) for line in ax.get_lines() if line.get_marker() != "D")
    assert "higher is better" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["SLA", "My custom design"]


def test_forest_plot_has_no_interval_with_one_replication():
    ax = plots.difference_forest(differences_frame(n=1), "friction_index")
    assert [c for c in ax.collections if isinstance(c, LineCollection)] == []
    assert len([line for line in ax.get_lines() if line.get_marker() == "D"]) == 2


def test_forest_panels_label_direction_and_unit():
    fig = plots.difference_forests(differences_frame(), outcomes=("bookings", "friction_index", "mql_acceptance_rate"))
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [
        "Bookings (higher is better)",
        "Friction index (lower is better)",
        "MQL acceptance rate (higher is better)",
    ]
    assert visible[2].get_xlabel() == "Difference (percentage points)"
    assert "Separate targets" in fig.get_suptitle()


# ----------------------------------------------------------------------------- sweeps


def test_outcome_vs_parameter_plots_known_means_with_bands():
    runs = sweep_frame()
    ax = plots.outcome_vs_parameter(runs, "marketing.shared_revenue_weight", "bookings", by="sla.first_touch_hours")
    lines = ax.get_lines()
    assert len(lines) == 2  # one per first-touch window
    four = next(line for line in lines if line.get_label() == "4 h")
    np.testing.assert_allclose(four.get_ydata(), [4001.0, 54001.0, 104001.0])
    assert len(_bands(ax)) == 2
    assert ax.get_xlabel() == "Shared revenue in marketers' pay (%)"
    assert ax.get_ylabel() == "Bookings ($)"


def test_outcome_vs_parameter_without_replications_has_no_band():
    one_run_per_value = sweep_frame(replications=1).query("`marketing.shared_revenue_weight` == 0")
    ax = plots.outcome_vs_parameter(one_run_per_value, "sla.first_touch_hours", "friction_index")
    assert len(ax.get_lines()) == 1 and _bands(ax) == []


def test_heatmap_has_one_cell_per_combination_with_its_mean():
    ax = plots.parameter_heatmap(sweep_frame(), "marketing.shared_revenue_weight", "sla.first_touch_hours", "bookings")
    image = ax.get_images()[0].get_array()
    assert image.shape == (2, 3)
    assert image[0, 2] == pytest.approx(1e5 + 4e3 + 1)  # w = 1, 4 hours, mean replication 1
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 6 and "$104K" in texts
    assert ax.get_xlabel() == "Shared revenue in marketers' pay (%)"


def test_sensitivity_bars_sobol_sorted_with_both_indices():
    indices = pd.DataFrame(
        {
            "outcome": "bookings",
            "parameter": ["a.x", "b.y", "c.z"],
            "S1": [0.1, 0.5, 0.2],
            "S1_conf": [0.02] * 3,
            "ST": [0.2, 0.7, 0.3],
            "ST_conf": [0.03] * 3,
        }
    )
    ax = plots.sensitivity_bars(indices)
    assert len([p for p in ax.patches if isinstance(p, Rectangle)]) == 6
    assert [t.get_text() for t in ax.get_yticklabels()][-1].startswith("Y")  # the largest ST on top
    assert "Sobol" in ax.get_title() and "variance" in ax.get_xlabel()


def test_sensitivity_bars_morris_and_bad_frames():
    indices = pd.DataFrame(
        {
            "outcome": "bookings",
            "parameter": ["a", "b"],
            "mu": [1.0, 2.0],
            "mu_star": [1.0, 3.0],
            "mu_star_conf": [0.1, 0.2],
            "sigma": [0.1, 0.1],
        }
    )
    ax = plots.sensitivity_bars(indices)
    assert len([p for p in ax.patches if isinstance(p, Rectangle)]) == 2
    assert "Morris" in ax.get_title()
    with pytest.raises(ValueError, match="S1 and ST"):
        plots.sensitivity_bars(pd.DataFrame({"parameter": ["a"], "x": [1]}))


def test_sweep_chart_set_follows_the_design():
    runs = sweep_frame()
    params = ["marketing.shared_revenue_weight", "sla.first_touch_hours"]
    names = [c.name for c in plots.sweep_charts(runs, params, ["bookings", "friction_index"], "grid")]
    assert names == ["outcomes_vs_parameters", "heatmap_bookings", "heatmap_friction_index"]
    names = [c.name for c in plots.sweep_charts(runs, params[:1], ["bookings"], "grid")]
    assert names == ["outcomes_vs_parameter"]
    names = [c.name for c in plots.sweep_charts(runs, params, ["bookings"], "lhs")]
    assert names == ["main_effects_bookings"]


# ----------------------------------------------------------------------------- labels, files


def test_every_compare_chart_has_a_title_and_labelled_axes(tmp_path):
    charts = plots.compare_charts(runs_frame(), differences_frame(), daily_frame(days=20))
    assert [c.name for c in charts] == [
        "differences",
        "demand_waterfall",
        "pipeline_over_time",
        "trust_over_time",
        "friction_components",
        "speed_to_lead",
    ]
    for chart in charts:
        for ax in chart.figure.axes:
            if not ax.get_visible():
                continue
            assert ax.get_title(), chart.name
            assert ax.get_xlabel() or ax.get_xticklabels(), chart.name
        assert min(t.get_fontsize() for ax in chart.figure.axes for t in ax.get_yticklabels()) >= 9
    paths = plots.write_figures(charts, tmp_path / "charts")
    assert sorted(p.name for p in paths) == sorted(f"{c.name}.{ext}" for c in charts for ext in ("png", "svg"))
    assert all(p.stat().st_size > 1000 for p in paths)
    assert plt.get_fignums() == []  # written figures are closed


def test_money_and_share_formatting():
    assert plots.format_value(2_500_000, "bookings") == "$2.5M"
    assert plots.format_value(-45_000, "cac", signed=True) == "-$45K"
    assert plots.format_value(0.43, "win_rate") == "43%"
    assert plots.format_value(0.05, "win_rate", signed=True) == "+5.0 pp"
    assert plots.format_value(6.25, "median_speed_to_lead_hours") == "6.2 h"
