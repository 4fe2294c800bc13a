"""Writing chart sets to PNG/SVG files.

Part of :mod:`simulation.plots` (see its docstring for the conventions every chart follows).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .chart_sets import Chart, compare_charts, sweep_charts
from .style import _plt


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


def write_figures(
    charts: Sequence[Chart], out_dir: Path, formats: Sequence[str] = ("png", "svg"), dpi: int = 150, close: bool = True
) -> list[Path]:
    """Save every chart as ``out_dir/<name>.<format>`` and close its figure; returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    import matplotlib as mpl

    for chart in charts:
        for fmt in formats:
            path = out_dir / f"{chart.name}.{fmt}"
            # SVG text stays text (editable on a slide): the rc setting is read when the file is
            # written, not when the figure is drawn, so it is set here (and only this key restored:
            # see style._styled on why not matplotlib.rc_context).
            saved = mpl.rcParams["svg.fonttype"]
            mpl.rcParams["svg.fonttype"] = "none"
            try:
                chart.figure.savefig(path, dpi=dpi, format=fmt, metadata=_metadata(fmt))
            finally:
                mpl.rcParams["svg.fonttype"] = saved
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
