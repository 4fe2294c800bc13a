"""The look shared by every chart: slide size and rc style, design colours and names, figure helpers.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..scenario import PRESETS

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


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
    "#222255",  # night blue
    "#800000",  # maroon
    "#648FFF",  # cornflower blue
    "#000000",  # black
    "#2F4F4F",  # dark slate
    "#6A3D9A",  # purple
)
"""Colours for designs that are not presets, picked by a stable hash of the name.

Chosen so that custom designs shown beside the presets stay apart for readers with red-green
colour blindness: every pair of the twelve colours is at least 8 CAM02-UCS units apart under
simulated deuteranopia and protanopia (``tests/test_deliverables.py``); the olive, wine,
brown and sky blue used before came within 6-7 units of a preset's colour."""

PRESET_LABELS = {
    "separate_targets": "Separate targets",
    "shared_revenue_targets": "Shared revenue targets",
    "sla": "SLA",
    "combined_revenue_org": "Combined revenue org",
    "brand_vs_leadgen_split": "Brand vs lead-gen split",
    "outsourced_sdr": "Outsourced SDRs",
}


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


def _headline(fig: Figure, title: str, note: str = "") -> None:
    """A bold title on top and, if given, a one-line note on how to read the chart at the bottom."""
    fig.suptitle(plain_text(title))
    if note:
        fig.supxlabel(plain_text(note), fontsize=10.5, color="#555555")


def _panel_grid(n: int, ncols: int = 3, panel: tuple[float, float] = (5.0, 3.9), extra_h: float = 1.2):
    ncols = max(1, min(ncols, n))
    if ncols == 3 and n in (2, 4):
        ncols = 2  # 2 x 2 rather than a row of three with a hole
    nrows = math.ceil(n / ncols)
    fig, axes = _plt().subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows + extra_h), layout="constrained", squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat)[:n]
