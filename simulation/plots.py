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
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .scenario import PRESETS, WORKING_DAYS_PER_QUARTER

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# ----------------------------------------------------------------------------- style

SLIDE_SIZE = (10.0, 5.6)
"""A 16:9 slide, in inches."""

FONT_SIZE = 12
RC = {
    "font.size": FONT_SIZE,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "figure.titlesize": 15,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "svg.fonttype": "none",  # SVG text stays text (editable on a slide)
    "text.usetex": False,  # names are drawn as written (see plain_text)
}

PRESET_COLORS = {
    "separate_targets": "#5F5F5F",  # grey: the usual baseline
    "shared_revenue_targets": "#0072B2",  # blue
    "sla": "#E69F00",  # orange
    "combined_revenue_org": "#009E73",  # green
    "brand_vs_leadgen_split": "#CC79A7",  # reddish purple
    "outsourced_sdr": "#D55E00",  # vermillion
}
"""Fixed colours of the six presets (Okabe & Ito's colour-blind-safe palette)."""

FALLBACK_COLORS = (
    "#332288",  # indigo
    "#882255",  # wine
    "#56B4E9",  # sky blue
    "#999933",  # olive
    "#8C564B",  # brown
    "#6A3D9A",  # purple
)
"""Colours for designs that are not presets, picked by a stable hash of the name."""

PRESET_LABELS = {
    "separate_targets": "Separate targets",
    "shared_revenue_targets": "Shared revenue targets",
    "sla": "SLA",
    "combined_revenue_org": "Combined revenue org",
    "brand_vs_leadgen_split": "Brand vs lead-gen split",
    "outsourced_sdr": "Outsourced SDRs",
}

SPEED_BUCKETS = (
    ("share_touched_within_1h", "Within 1 hour", "#2166AC"),
    ("share_touched_1_to_24h", "1-24 hours", "#92C5DE"),
    ("share_touched_after_24h", "After 24 hours", "#F4A582"),
    ("share_never_worked", "Never worked", "#B2182B"),
)
"""Response-time buckets of marketing's MQLs, fastest first (HBR 2011's audit buckets)."""

HBR_2011_AUDIT = {
    "share_touched_within_1h": 0.37,
    "share_touched_1_to_24h": 0.16,
    "share_touched_after_24h": 0.24,
    "share_never_worked": 0.23,
}
"""Oldroyd, McElheran & Elkington, HBR 2011: response of 2,241 US firms to a web lead.

A share of *firms* (each sent one test lead), not a share of leads: shown as context only.
"""

FUNNEL_STAGES = (
    ("leads_created", "Leads"),
    ("mqls", "MQLs"),
    ("mqls_accepted", "Accepted\n(SAL)"),
    ("sqls", "Opportunities\n(SQL)"),
    ("deals_won", "Won"),
)
"""The demand waterfall's stages, as summary columns (all lead sources)."""


@dataclass(frozen=True)
class Measure:
    """How to label and format one outcome."""

    label: str
    kind: str  # usd, share, hours, count, index, trust, days, number
    better: str | None = None  # "higher", "lower" or None

    @property
    def unit(self) -> str:
        return {
            "usd": "$",
            "share": "% of leads",
            "hours": "hours",
            "count": "count",
            "index": "0-1 index",
            "trust": "0-1 scale",
            "days": "days",
        }.get(self.kind, "")


MEASURES: dict[str, Measure] = {
    "bookings": Measure("Bookings", "usd", "higher"),
    "bookings_cumulative": Measure("Cumulative bookings", "usd", "higher"),
    "pipeline_created": Measure("Pipeline created", "usd", "higher"),
    "open_pipeline_value": Measure("Open pipeline", "usd", "higher"),
    "total_cost": Measure("Total cost", "usd", "lower"),
    "cac": Measure("Cost per won deal (CAC)", "usd", "lower"),
    "leads_created": Measure("Leads created", "count"),
    "inquiries": Measure("Marketing inquiries", "count"),
    "mqls": Measure("MQLs", "count"),
    "mqls_accepted": Measure("MQLs accepted", "count"),
    "sqls": Measure("Opportunities (SQLs)", "count", "higher"),
    "deals_won": Measure("Deals won", "count", "higher"),
    "mql_acceptance_rate": Measure("MQL acceptance rate", "share", "higher"),
    "win_rate": Measure("Win rate", "share", "higher"),
    "quota_attainment_share": Measure("Share of rep-quarters at quota", "share", "higher"),
    "share_never_worked": Measure("Share of MQLs never worked", "share", "lower"),
    "median_speed_to_lead_hours": Measure("Median speed to lead", "hours", "lower"),
    "mean_speed_to_lead_hours": Measure("Mean speed to lead", "hours", "lower"),
    "friction_index": Measure("Friction index", "index", "lower"),
    "trust_sales_in_marketing": Measure("Sales' trust in marketing", "trust", "higher"),
    "trust_marketing_in_sales": Measure("Marketing's trust in sales", "trust", "higher"),
    "blame_events": Measure("Blame events", "count", "lower"),
    "sla_breaches": Measure("SLA breaches", "count", "lower"),
    "final_awareness": Measure("Brand awareness at end", "trust", "higher"),
}

FRICTION_LABELS = {
    "friction_index": "Friction index (mean of 7 groups)",
    "mql_rejection_rate": "MQLs rejected by sales",
    "share_never_worked": "MQLs never worked",
    "first_touch_delay": "First-touch delay (median / 72 h)",
    "sla_breach_rate": "First touch late (> deadline) or never",
    "blame_rate": "Blame after missed quarters",
    "feedback_withheld": "Feedback withheld",
    "trust_deficit": "Trust deficit (1 - mean trust)",
    "icp_divergence": "ICP divergence",
    "enablement_unused": "Enablement content unused",
}


def measure(outcome: str) -> Measure:
    """Label and unit of ``outcome`` (a readable fallback for names it does not know)."""
    if outcome in MEASURES:
        return MEASURES[outcome]
    if outcome.startswith("friction_"):
        return Measure(FRICTION_LABELS.get(outcome.removeprefix("friction_"), outcome), "index", "lower")
    return Measure(outcome.replace("_", " ").capitalize(), "number")


def axis_label(outcome: str, prefix: str = "") -> str:
    """``"Bookings ($)"``; shares say "%"; the fallback has no unit."""
    m = measure(outcome)
    label = f"{prefix}{m.label[0].lower() + m.label[1:]}" if prefix else m.label
    unit = {"share": "%"}.get(m.kind, m.unit)
    return f"{label} ({unit})" if unit else label


# ----------------------------------------------------------------------------- designs


ACRONYMS = {
    "sla": "SLA",
    "sdr": "SDR",
    "sdrs": "SDRs",
    "mql": "MQL",
    "mqls": "MQLs",
    "icp": "ICP",
    "cro": "CRO",
    "cgo": "CGO",
    "cmo": "CMO",
    "ae": "AE",
    "aes": "AEs",
    "abm": "ABM",
    "vp": "VP",
}


def design_label(name: str) -> str:
    """A preset's display name; another name readable: ``combined_with_sla`` -> ``Combined with SLA``."""
    if name in PRESET_LABELS:
        return PRESET_LABELS[name]
    words = [ACRONYMS.get(w.lower(), w) for w in str(name).replace("-", "_").split("_") if w]
    if not words:
        return str(name)
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def plain_text(text: Any) -> str:
    """``text`` to draw exactly as written: ``$`` escaped, so matplotlib never reads a user's
    name (``cost $\\frac$ x``) as mathtext -- which would render math or raise. Apply it where a
    string is drawn, once (an escaped ``\\$`` shows as ``$``)."""
    return str(text).replace("$", r"\$")


def design_order(names: Iterable[str]) -> list[str]:
    """Presets in their canonical order first, then other names in order of appearance."""
    seen = list(dict.fromkeys(str(n) for n in names))
    presets = [p for p in PRESETS if p in seen]
    return presets + [n for n in seen if n not in PRESET_COLORS]


def _hash_index(name: str, n: int) -> int:
    # hashlib, not hash(): Python salts str hashes per process.
    return int(hashlib.md5(name.encode("utf-8")).hexdigest(), 16) % n


def design_color(name: str) -> str:
    """The colour of one design: fixed for presets, a stable hash of the name otherwise."""
    if name in PRESET_COLORS:
        return PRESET_COLORS[name]
    return FALLBACK_COLORS[_hash_index(name, len(FALLBACK_COLORS))]


def design_colors(names: Iterable[str]) -> dict[str, str]:
    """Colours for a set of designs: presets fixed; custom names hashed, clashes resolved.

    Custom names are placed in sorted order and a name whose hashed colour is taken moves
    to the next free one, so the mapping depends only on the set of names -- every chart of
    one comparison gets the same colours.
    """
    names = list(dict.fromkeys(str(n) for n in names))
    colors = {n: PRESET_COLORS[n] for n in names if n in PRESET_COLORS}
    used = set(colors.values())
    for name in sorted(n for n in names if n not in PRESET_COLORS):
        start = _hash_index(name, len(FALLBACK_COLORS))
        for k in range(len(FALLBACK_COLORS)):
            candidate = FALLBACK_COLORS[(start + k) % len(FALLBACK_COLORS)]
            if candidate not in used:
                break
        else:  # more custom designs than colours: reuse the hashed one
            candidate = FALLBACK_COLORS[start]
        colors[name] = candidate
        used.add(candidate)
    return colors


# ----------------------------------------------------------------------------- helpers


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _styled(fn: Callable) -> Callable:
    """Run a chart function under the slide style (rc settings apply to what it creates)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import matplotlib as mpl

        # Save and restore only the style's own keys. matplotlib.rc_context restores every
        # rcParam, including ``interactive`` -- which a notebook's inline backend turns on
        # after the first figure; switching it back off stops later figures from showing.
        saved = {key: mpl.rcParams[key] for key in RC}
        mpl.rcParams.update(RC)
        try:
            return fn(*args, **kwargs)
        finally:
            mpl.rcParams.update(saved)

    return wrapper


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = SLIDE_SIZE) -> Axes:
    if ax is not None:
        return ax
    _, new = _plt().subplots(figsize=figsize, layout="constrained")
    return new


def _tidy_axes(ax: Axes) -> None:
    ax.tick_params(labelsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {missing}; got {list(frame.columns)}")


def grouped_interval(frame: pd.DataFrame, by: list[str], value: str, confidence: float = 0.95) -> pd.DataFrame:
    """Per group of ``by``: n, mean and the t-interval of ``value`` (NaN bounds when n < 2)."""
    g = frame.groupby(by, sort=False)[value]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    dof = (out["n"] - 1).clip(lower=1)
    half = stats.t.ppf(0.5 + confidence / 2, dof) * out["sd"] / np.sqrt(out["n"].clip(lower=1))
    half = half.where(out["n"] >= 2)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out.drop(columns="sd")


def clip_band(outcome: str, low: pd.Series | np.ndarray, high: pd.Series | np.ndarray):
    """Clip an interval to the outcome's possible values (money and counts >= 0; shares and
    0-1 scales within [0, 1]): a t-interval from few runs can spill past them, and an axis
    showing negative bookings would mislead."""
    kind = measure(outcome).kind
    lo = np.asarray(low, dtype=float)
    hi = np.asarray(high, dtype=float)
    if kind in ("usd", "count", "hours", "days"):
        return np.clip(lo, 0, None), np.clip(hi, 0, None)
    if kind in ("share", "index", "trust"):
        return np.clip(lo, 0, 1), np.clip(hi, 0, 1)
    return lo, hi


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (SLA, MQL, CAC, AE)."""
    first = text.split(" ")[0]
    if not text or first.isupper() or (len(first) > 1 and first[1].isupper()):
        return text
    return text[0].lower() + text[1:]


def _money(value: float, _pos: Any = None, signed: bool = False, tick: bool = False) -> str:
    """``$1.2M``, ``$450K``; ``tick`` drops a trailing ``.0`` (axis labels: ``$2M``)."""
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    v = abs(value)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= scale * 0.9995:
            number = v / scale
            text = f"{number:.1f}" if number < 100 and suffix != "K" else f"{number:.0f}"
            break
    else:
        text, suffix = f"{v:.0f}", ""
    if tick and text.endswith(".0"):
        text = text[:-2]
    if text in ("0", "0.0"):
        sign = ""
    return f"{sign}${text}{suffix}"


def format_value(value: float, outcome: str, signed: bool = False) -> str:
    """A value in its outcome's unit, for labels and tables ($1.2M, 42%, 6.3 h, 0.31).

    The one number formatter of the charts, the report and the command line (``cli._fmt``).
    A value that rounds to zero has no sign (never ``-0.0 pp``).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    text = _format_value(float(value), outcome, signed)
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def _format_value(value: float, outcome: str, signed: bool) -> str:
    kind = measure(outcome).kind
    if kind == "usd":
        return _money(value, signed=signed)
    sign = "+" if signed and value > 0 else ""
    if kind == "share":
        unit = " pp" if signed else "%"  # a difference of shares is in percentage points
        return f"{sign}{100 * value:.1f}{unit}" if abs(value) < 0.1 else f"{sign}{100 * value:.0f}{unit}"
    if kind == "hours":
        return f"{sign}{value:.1f} h"
    if kind == "count":
        return f"{sign}{value:,.0f}"
    if kind in ("index", "trust"):
        return f"{sign}{value:.2f}"
    return f"{sign}{value:,.3g}"


def _set_value_axis(ax: Axes, outcome: str, axis: str = "y", signed: bool = False) -> None:
    """Tick labels in the outcome's unit; ``signed`` (differences) puts + on gains, pp on shares."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    kind = measure(outcome).kind
    target.set_major_locator(MaxNLocator(nbins=6 if axis == "y" else 5, steps=[1, 2, 2.5, 5, 10]))
    if kind == "usd":
        target.set_major_formatter(FuncFormatter(lambda v, p: _money(v, p, signed, tick=True)))
    elif kind == "share" and signed:
        target.set_major_formatter(FuncFormatter(lambda v, p: "0" if abs(v) < 1e-12 else f"{100 * v:+.0f} pp"))
    elif kind == "share":
        target.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif kind == "count":
        target.set_major_formatter(FuncFormatter(lambda v, p: f"{v:+,.0f}" if signed and v else f"{v:,.0f}"))
    elif signed:
        target.set_major_formatter(FuncFormatter(lambda v, p: "0" if abs(v) < 1e-12 else f"{v:+g}"))


def _legend_below(fig: Figure, names: Sequence[str], note: str = "") -> None:
    """One legend of the designs under the panels; ``note`` (how to read the chart) as its title."""
    colors = design_colors(names)
    ncol = len(names) if fig.get_figwidth() >= 12.5 and len(names) <= 6 else min(len(names), 3)
    legend = fig.legend(
        _design_handles(names, colors),
        [plain_text(design_label(n)) for n in names],
        loc="outside lower center",
        ncol=ncol,
        frameon=False,
        title=note or None,
        title_fontproperties={"size": 10.5},
    )
    legend.get_title().set_color("#555555")


def _design_handles(designs: Sequence[str], colors: Mapping[str, str]):
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=colors[d], lw=3, marker="o", markersize=7) for d in designs]


def _designs(frame: pd.DataFrame, designs: Sequence[str] | None, column: str = "scenario") -> list[str]:
    present = design_order(frame[column].astype(str))
    if designs is None:
        return present
    return [d for d in designs if d in set(present)]


def _quarter_axis(ax: Axes, max_day: float) -> None:
    quarters = max_day / WORKING_DAYS_PER_QUARTER
    step = 1 if quarters <= 12 else 2 if quarters <= 24 else 4
    ax.set_xticks(np.arange(0, math.floor(quarters + 1e-9) + 1, step))
    ax.set_xlim(0, quarters)
    ax.set_xlabel(f"Quarters elapsed ({WORKING_DAYS_PER_QUARTER} working days each)")


# ----------------------------------------------------------------------------- the waterfall


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


def _headline(fig: Figure, title: str, note: str = "") -> None:
    """A bold title on top and, if given, a one-line note on how to read the chart at the bottom."""
    fig.suptitle(plain_text(title))
    if note:
        fig.supxlabel(plain_text(note), fontsize=10.5, color="#555555")


# ----------------------------------------------------------------------------- over time


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


# ----------------------------------------------------------------------------- friction


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


# ----------------------------------------------------------------------------- speed to lead


@_styled
def speed_to_lead(runs: pd.DataFrame, ax: Axes | None = None, designs: Sequence[str] | None = None, benchmark: bool = True) -> Axes:
    """How fast marketing's MQLs got a first touch: shares within 1 h, 1-24 h, later, never.

    One stacked bar per design (mean shares across replications, which sum to 100%), and
    optionally HBR 2011's audit of 2,241 firms as a reference bar -- a share of *firms*
    answering one web lead, so context rather than a like-for-like benchmark.
    """
    _require(runs, ["scenario", *(c for c, _, _ in SPEED_BUCKETS)], "speed_to_lead")
    ax = _new_axes(ax)
    names = _designs(runs, designs)
    means = runs.groupby("scenario")[[c for c, _, _ in SPEED_BUCKETS]].mean()
    rows = [(plain_text(design_label(n)), means.loc[n].to_numpy(dtype=float)) for n in names]
    if benchmark:
        rows.append(("HBR 2011 audit (firms)", np.array([HBR_2011_AUDIT[c] for c, _, _ in SPEED_BUCKETS])))
    y = np.arange(len(rows))[::-1]
    left = np.zeros(len(rows))
    for k, (_column, label, color) in enumerate(SPEED_BUCKETS):
        widths = np.array([np.nan_to_num(r[1][k]) for r in rows])
        bars = ax.barh(y, widths, left=left, color=color, label=label, height=0.7, edgecolor="white", lw=0.8)
        dark = k in (0, 3)
        for rect, w in zip(bars, widths, strict=True):
            if w >= 0.05:
                ax.text(
                    rect.get_x() + w / 2,
                    rect.get_y() + rect.get_height() / 2,
                    f"{w:.0%}",
                    ha="center",
                    va="center",
                    fontsize=10.5,
                    color="white" if dark else "#1A1A1A",
                )
        left += widths
    ax.set_yticks(y, [r[0] for r in rows])
    if benchmark:
        ax.get_yticklabels()[-1].set_fontstyle("italic")
        ax.axhline(y[-1] + 0.5, color="#888888", lw=0.8, ls=":")
    from matplotlib.ticker import PercentFormatter

    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(0, 1)
    ax.set_xlabel("Share of marketing MQLs (%), by time to first touch (calendar hours)")
    ax.grid(axis="y", visible=False)
    ax.set_title("Speed to lead: how soon MQLs are first touched", pad=30)
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=4,
        frameon=False,
        fontsize=11,
        handlelength=1.2,
        columnspacing=1.5,
    )
    _tidy_axes(ax)
    return ax


# ----------------------------------------------------------------------------- differences


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


# ----------------------------------------------------------------------------- sweeps


PARAMETER_LABELS: dict[str, tuple[str, str]] = {
    "marketing.shared_revenue_weight": ("Shared revenue in marketers' pay", "share"),
    "sales.shared_revenue_weight": ("Team revenue in AEs' pay", "share"),
    "sla.first_touch_hours": ("SLA first-touch window", "hours"),
    "sla.min_attempts": ("SLA minimum contact attempts", "count"),
    "sla.reject_window_days": ("SLA accept/reject window", "days"),
    "sla.mql_definition_score": ("SLA agreed MQL score", "number"),
    "marketing.brand_share": ("Brand share of programme budget", "share"),
    "marketing.mql_target_per_quarter": ("MQL target per quarter", "count"),
    "marketing.budget_per_quarter_usd": ("Programme budget per quarter", "usd"),
    "sales.commission_rate": ("AE commission rate", "share"),
    "sales.accelerator": ("AE accelerator above quota", "multiple"),
    "sales.pull_in_horizon_days": ("Deals pulled from up to (0 = none)", "days"),
    "sales.pull_in_discount": ("Discount to pull a deal in", "share"),
    "collaboration.joint_meeting_every_days": ("Days between joint meetings (0 = none)", "number"),
    "sdr.agency.price_per_meeting_usd": ("Agency price per meeting", "usd"),
    "sdr.agency.quality_bar": ("Agency quality bar", "number"),
    "sdr.headcount": ("SDRs", "count"),
    "strategy_clarity": ("Strategy clarity (0-1)", "number"),
    "base": ("Design", "category"),
}
"""Readable names and units of parameters sweeps often vary (dotted scenario paths)."""


def parameter_label(parameter: str) -> str:
    """``"Shared revenue in marketers' pay (%)"`` for a known path, else the path made readable."""
    if parameter in PARAMETER_LABELS:
        label, kind = PARAMETER_LABELS[parameter]
        unit = {"share": "%", "hours": "hours", "days": "working days", "usd": "$", "multiple": "x"}.get(kind, "")
        return f"{label} ({unit})" if unit else label
    parts = parameter.split(".")
    text = design_label(parts[-1])  # the same readable form: capitalised, acronyms kept
    return f"{text} ({'.'.join(parts[:-1])})" if len(parts) > 1 else text


def _param_name(parameter: str) -> str:
    """The parameter's label without its unit, for use inside a sentence."""
    return lower_first(parameter_label(parameter).split(" (")[0])


def _param_kind(parameter: str) -> str:
    return PARAMETER_LABELS.get(parameter, ("", "number"))[1]


def _param_axis(ax: Axes, parameter: str, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    kind = _param_kind(parameter)
    if kind == "share":
        target.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif kind == "usd":
        target.set_major_formatter(FuncFormatter(lambda v, p: _money(v, p, tick=True)))


def _param_value_text(parameter: str, value: Any) -> str:
    kind = _param_kind(parameter)
    if parameter == "base" or isinstance(value, str):
        return design_label(str(value))
    if kind == "share":
        return f"{100 * float(value):.0f}%"
    if kind == "usd":
        return _money(float(value), tick=True)
    if kind == "hours":
        return f"{_fmt_param(value)} h"
    if kind == "days":
        return f"{_fmt_param(value)} days"
    return _fmt_param(value)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


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


def _fmt_param(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


def _panel_grid(n: int, ncols: int = 3, panel: tuple[float, float] = (5.0, 3.9), extra_h: float = 1.2):
    ncols = max(1, min(ncols, n))
    if ncols == 3 and n in (2, 4):
        ncols = 2  # 2 x 2 rather than a row of three with a hole
    nrows = math.ceil(n / ncols)
    fig, axes = _plt().subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows + extra_h), layout="constrained", squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat)[:n]


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


@_styled
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


# ----------------------------------------------------------------------------- chart sets


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
) -> list[Chart]:
    """The charts of a design comparison, in reading order (figures are created here).

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
                difference_forests(differences, designs=[n for n in names if n in set(differences["scenario"])]),
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


def write_sweep_charts(
    runs: pd.DataFrame,
    parameters: Sequence[str],
    outcomes: Sequence[str],
    out_dir: Path,
    design: str = "grid",
    indices: pd.DataFrame | None = None,
    formats: Sequence[str] = ("png", "svg"),
) -> list[Path]:
    """Draw a sweep's charts and write them to ``out_dir`` (PNG and SVG by default)."""
    return write_figures(sweep_charts(runs, parameters, outcomes, design, indices), out_dir, formats)


def _figure_of(ax: Axes) -> Figure:
    return ax.figure


def write_figures(
    charts: Sequence[Chart], out_dir: Path, formats: Sequence[str] = ("png", "svg"), dpi: int = 150, close: bool = True
) -> list[Path]:
    """Save every chart as ``out_dir/<name>.<format>`` and close its figure; returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in charts:
        for fmt in formats:
            path = out_dir / f"{chart.name}.{fmt}"
            chart.figure.savefig(path, dpi=dpi, format=fmt, metadata=_metadata(fmt))
            written.append(path)
        if close:
            _plt().close(chart.figure)
    return written


def _metadata(fmt: str) -> dict[str, Any] | None:
    # No creation dates in SVG/PDF, so the same results give the same files.
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return None


def write_compare_charts(
    runs: pd.DataFrame,
    differences: pd.DataFrame | None,
    daily: pd.DataFrame | None,
    out_dir: Path,
    formats: Sequence[str] = ("png", "svg"),
) -> list[Path]:
    """Draw the comparison charts and write them to ``out_dir`` (PNG and SVG by default)."""
    return write_figures(compare_charts(runs, differences, daily), out_dir, formats)
