"""The self-contained HTML report: the Jinja2 templates in ``templates/``, with the charts
embedded as base64 PNG so the file opens anywhere with no network and no side files.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from .explain import contribution_bars


def _png_data_uri(fig, dpi: int = 130) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("simulation.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


def render_html(context: dict[str, Any], charts: list[dict[str, str]]) -> str:
    """Render the report's HTML from ``context`` and embedded ``charts`` (title, caption, src)."""
    template = _environment().get_template(f"{context['kind']}.html.j2")
    return template.render(**context, charts=charts)


def _explain_charts(context: dict[str, Any]) -> None:
    """Draw each explain section's bar chart into its ``chart`` (a PNG data URI)."""
    import matplotlib.pyplot as plt

    for sec in context.get("explain", []):
        if not any(c["outcome"] == "bookings" for c in sec.data.get("contributions", [])):
            continue
        ax = contribution_bars(sec, "bookings")
        try:
            sec.chart = _png_data_uri(ax.figure)
        finally:
            plt.close(ax.figure)
