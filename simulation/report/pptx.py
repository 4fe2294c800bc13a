"""The slide deck: a 16:9 PowerPoint file with native, editable charts (python-pptx).

The deck follows the report: a title slide, the executive summary, one slide per key chart
with its takeaway as the headline and the numbers in the speaker notes, then the
assumptions and the validation status. Charts python-pptx can draw natively are native
PowerPoint charts whose data can be edited in PowerPoint or LibreOffice Impress (bar charts
with 95% intervals as custom error bars, the J-curve as a line chart); the other charts
(multi-panel figures) are pictures with their data in the notes.

python-pptx is an optional dependency: ``pip install "orgsim[report]"``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import plots
from ..errors import OrgsimError

if TYPE_CHECKING:  # pragma: no cover
    from .folder import ResultsFolder

MISSING = 'a slide deck needs python-pptx: pip install "orgsim[report]"'

DECK_OUTCOMES = ("bookings", "cac", "total_cost", "friction_index")
"""Outcomes with a native means-per-design slide (when the results have them)."""

IMAGE_CHARTS = ("demand_waterfall", "pipeline_over_time", "friction_components", "speed_to_lead")
"""The comparison's matplotlib charts placed as pictures (their data in the notes)."""

ACCENT = (0x0B, 0x3C, 0x5D)
MUTED = (0x5A, 0x5A, 0x5A)


def _pptx():
    try:
        import pptx
    except ImportError:
        raise OrgsimError(MISSING) from None
    return pptx


def check_available() -> None:
    """:class:`OrgsimError` (one line naming the extra) when python-pptx is not installed."""
    _pptx()


# ----------------------------------------------------------------------------- slides


class Deck:
    """A 16:9 presentation with the few layouts the report needs."""

    def __init__(self) -> None:
        pptx = _pptx()
        from pptx.util import Emu

        self.pptx = pptx
        self.prs = pptx.Presentation()
        self.prs.slide_width, self.prs.slide_height = Emu(12192000), Emu(6858000)  # 13.333 x 7.5 in: 16:9
        self.width, self.height = self.prs.slide_width, self.prs.slide_height

    def _slide(self, title: str, notes: str = ""):
        from pptx.dml.color import RGBColor
        from pptx.util import Inches, Pt

        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])  # title only
        shape = slide.shapes.title
        shape.left, shape.top, shape.width, shape.height = Inches(0.5), Inches(0.3), self.width - Inches(1.0), Inches(1.1)
        shape.text = title
        for paragraph in shape.text_frame.paragraphs:
            paragraph.font.size = Pt(26 if len(title) < 80 else 20)
            paragraph.font.bold = True
            paragraph.font.color.rgb = RGBColor(*ACCENT)
        shape.text_frame.word_wrap = True
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        return slide

    def title_slide(self, title: str, subtitle: str, client: str = "", logo: io.BytesIO | None = None) -> None:
        from pptx.dml.color import RGBColor
        from pptx.util import Inches, Pt

        slide = self.prs.slides.add_slide(self.prs.slide_layouts[6])  # blank: the boxes are placed here
        lines = [(title, 36, True, ACCENT), (subtitle, 18, False, MUTED)]
        if client:
            lines.append((f"Prepared for {client}", 20, True, (0x1A, 0x1A, 0x1A)))
        lines.append((f"orgsim \u00b7 {date.today().isoformat()}", 14, False, MUTED))
        box = slide.shapes.add_textbox(Inches(1.0), Inches(2.2), self.width - Inches(2.0), Inches(3.5))
        frame = box.text_frame
        frame.word_wrap = True
        for k, (text, size, bold, color) in enumerate(lines):
            paragraph = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
            paragraph.text = text
            paragraph.font.size, paragraph.font.bold = Pt(size), bold
            paragraph.font.color.rgb = RGBColor(*color)
            paragraph.space_after = Pt(10)
        if logo is not None:
            slide.shapes.add_picture(logo, self.width - Inches(3.0), Inches(0.5), height=Inches(0.9))

    def bullets(self, title: str, groups: Sequence[tuple[str, Sequence[str]]], notes: str = "", size: int = 14) -> None:
        """A text slide: each group a bold line with its bullets under it."""
        from pptx.util import Inches, Pt

        slide = self._slide(title, notes)
        box = slide.shapes.add_textbox(Inches(0.6), Inches(1.5), self.width - Inches(1.2), self.height - Inches(2.0))
        frame = box.text_frame
        frame.word_wrap = True
        first = True
        for heading, lines in groups:
            for k, text in enumerate([heading, *lines]):
                if not text:
                    continue
                paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
                first = False
                paragraph.text = text if k == 0 else f"\u2022 {text}"
                paragraph.font.size = Pt(size + 2 if k == 0 else size)
                paragraph.font.bold = k == 0
                paragraph.level = 0 if k == 0 else 1
                paragraph.space_before = Pt(8 if k == 0 else 2)

    def bar_chart(
        self,
        title: str,
        categories: Sequence[str],
        series: dict[str, Sequence[float]],
        errors: dict[str, tuple[Sequence[float], Sequence[float]]],
        number_format: str,
        axis_title: str,
        notes: str,
        colors: Sequence[str] | None = None,
    ):
        """A clustered column chart, one series per entry, with custom error bars (minus, plus lengths);
        ``colors``: one per category (the designs' colours, as in every other chart)."""
        from pptx.enum.chart import XL_CHART_TYPE
        from pptx.util import Pt

        chart = self._chart(XL_CHART_TYPE.COLUMN_CLUSTERED, title, notes, categories, series, number_format, axis_title, legend=len(series) > 1)
        chart.value_axis.has_major_gridlines = True
        chart.value_axis.tick_labels.font.size = Pt(12)
        chart.category_axis.tick_labels.font.size = Pt(12)
        for plot in chart.plots:
            plot.gap_width = 60
        for ser, name in zip(chart.plots[0].series, series, strict=True):
            if name in errors:
                _add_error_bars(ser, *errors[name])
            for k, color in enumerate(colors or []):
                fill = ser.points[k].format.fill
                fill.solid()
                fill.fore_color.rgb = _rgb(color)
        _fit_value_axis(chart, series, errors, number_format, from_zero=True)
        return chart

    def line_chart(
        self,
        title: str,
        categories: Sequence[str],
        series: dict[str, Sequence[float]],
        number_format: str,
        axis_title: str,
        notes: str,
        colors: Sequence[str] | None = None,
        errors: dict[str, tuple[Sequence[float], Sequence[float]]] | None = None,
        category_title: str = "",
    ):
        """A line chart with markers, one line per series; ``errors`` as in :meth:`bar_chart`."""
        from pptx.enum.chart import XL_CHART_TYPE
        from pptx.util import Pt

        chart = self._chart(XL_CHART_TYPE.LINE_MARKERS, title, notes, categories, series, number_format, axis_title, legend=True)
        for ser, color in zip(chart.plots[0].series, colors or [], strict=False):
            ser.format.line.color.rgb = _rgb(color)
            ser.marker.format.fill.solid()
            ser.marker.format.fill.fore_color.rgb = _rgb(color)
            ser.marker.format.line.color.rgb = _rgb(color)
        for ser, name in zip(chart.plots[0].series, series, strict=True):
            if errors and name in errors:
                _add_error_bars(ser, *errors[name])
        if errors:
            _fit_value_axis(chart, series, errors, number_format, from_zero=False)
        if category_title:
            chart.category_axis.has_title = True
            chart.category_axis.axis_title.text_frame.text = category_title
            chart.category_axis.axis_title.text_frame.paragraphs[0].font.size = Pt(12)
        return chart

    def _chart(self, kind, title: str, notes: str, categories: Sequence[str], series: dict[str, Sequence[float]],
               number_format: str, axis_title: str, legend: bool):
        """A native chart of ``kind`` on a new slide: the data (missing values left empty), money
        axes, category labels below the plot (not on the zero line), the value axis's title, and
        a legend at the bottom when ``legend``."""
        from pptx.chart.data import CategoryChartData
        from pptx.enum.chart import XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
        from pptx.util import Inches, Pt

        slide = self._slide(title, notes)
        data = CategoryChartData(number_format=number_format)
        data.categories = list(categories)
        for name, values in series.items():
            data.add_series(name, [None if pd.isna(v) else float(v) for v in values])
        chart = slide.shapes.add_chart(kind, Inches(0.6), Inches(1.5), self.width - Inches(1.2), self.height - Inches(1.9), data).chart
        _money_axis(chart, number_format, [v for values in series.values() for v in values])
        chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
        chart.has_legend = legend
        if legend:
            chart.legend.position = XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False
        chart.value_axis.has_title = True
        chart.value_axis.axis_title.text_frame.text = axis_title
        chart.value_axis.axis_title.text_frame.paragraphs[0].font.size = Pt(12)
        return chart

    def picture(self, title: str, figure, notes: str) -> None:
        from pptx.util import Inches

        slide = self._slide(title, notes)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=150)
        buffer.seek(0)
        w_in, h_in = figure.get_size_inches()
        box_w, box_h = self.width - Inches(1.2), self.height - Inches(1.8)
        scale = min(box_w / w_in, box_h / h_in)
        width, height = int(w_in * scale), int(h_in * scale)
        slide.shapes.add_picture(buffer, int((self.width - width) / 2), Inches(1.5), width=width, height=height)

    def save(self, path: Path) -> None:
        self.prs.save(str(path))


def _fit_value_axis(chart, series: dict[str, Sequence[float]], errors: dict, number_format: str, from_zero: bool) -> None:
    """The value axis covers the intervals too (PowerPoint and Impress scale to the values alone),
    on round ticks, in the unit the largest end needs; ``from_zero``: it includes zero (bars)."""
    ends = [
        end
        for name, values in series.items()
        for k, v in enumerate(values)
        if v is not None and not pd.isna(v)
        for end in (v - (errors[name][0][k] if name in errors else 0), v + (errors[name][1][k] if name in errors else 0))
        if not pd.isna(end)
    ]
    if not ends:
        return
    low, high = min(ends), max(ends)
    if from_zero:
        low, high = min(0.0, low), max(0.0, high)
    step = _nice_step((high - low) / 6 or abs(high) / 6 or 1.0)
    chart.value_axis.minimum_scale = math.floor(low / step) * step
    chart.value_axis.maximum_scale = math.ceil(high / step) * step
    chart.value_axis.major_unit = step
    _money_axis(chart, number_format, ends)


def _rgb(color: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(color.lstrip("#").upper())


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 x 10^k at least ``raw``: round axis ticks."""
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _money_axis(chart, number_format: str, values: Sequence[float]) -> None:
    """Value-axis ticks in the outcome's unit; money in $K or $M by the size of the values (the data keep full dollars)."""
    if number_format.startswith('"$"'):
        top = max((abs(float(v)) for v in values if v is not None and not pd.isna(v)), default=0.0)
        number_format = '"$"0.0,,"M"' if top >= 1e6 else '"$"#,##0,"K"' if top >= 1e3 else '"$"#,##0'
    axis = chart.value_axis.tick_labels
    axis.number_format = number_format
    axis.number_format_is_linked = False


def _add_error_bars(series, minus: Sequence[float], plus: Sequence[float]) -> None:
    """Custom error bars (c:errBars with literal values) on a bar series: python-pptx has no API for them.

    Placed before ``c:cat`` as the schema (CT_BarSer) requires, so PowerPoint opens the file.
    """
    from lxml import etree
    from pptx.oxml.ns import qn

    def literal(tag: str, values: Sequence[float]):
        outer = etree.SubElement(bars, qn(f"c:{tag}"))
        lit = etree.SubElement(outer, qn("c:numLit"))
        etree.SubElement(lit, qn("c:formatCode")).text = "General"
        etree.SubElement(lit, qn("c:ptCount")).set("val", str(len(values)))
        for i, v in enumerate(values):
            if v is None or pd.isna(v):
                continue
            pt = etree.SubElement(lit, qn("c:pt"))
            pt.set("idx", str(i))
            etree.SubElement(pt, qn("c:v")).text = repr(max(float(v), 0.0))

    ser = series._element
    bars = etree.Element(qn("c:errBars"))
    etree.SubElement(bars, qn("c:errBarType")).set("val", "both")
    etree.SubElement(bars, qn("c:errValType")).set("val", "cust")
    etree.SubElement(bars, qn("c:noEndCap")).set("val", "0")
    literal("plus", plus)
    literal("minus", minus)
    sp = etree.SubElement(bars, qn("c:spPr"))
    ln = etree.SubElement(sp, qn("a:ln"))
    ln.set("w", "15875")
    fill = etree.SubElement(ln, qn("a:solidFill"))
    etree.SubElement(fill, qn("a:srgbClr")).set("val", "222222")
    ser.find(qn("c:cat")).addprevious(bars)


def error_bars_of(series) -> tuple[list[float], list[float]] | None:
    """(minus, plus) lengths of a series' custom error bars, as :func:`_add_error_bars` wrote them (for tests and readers)."""
    from pptx.oxml.ns import qn

    bars = series._element.find(qn("c:errBars"))
    if bars is None:
        return None
    out = []
    for tag in ("minus", "plus"):
        lit = bars.find(qn(f"c:{tag}")).find(qn("c:numLit"))
        n = int(lit.find(qn("c:ptCount")).get("val"))
        values = [float("nan")] * n
        for pt in lit.findall(qn("c:pt")):
            values[int(pt.get("idx"))] = float(pt.find(qn("c:v")).text)
        out.append(values)
    return out[0], out[1]


# ----------------------------------------------------------------------------- content


def _number_format(outcome: str) -> str:
    kind = plots.measure(outcome).kind
    return {"usd": '"$"#,##0', "share": "0%", "hours": "0.0", "count": "#,##0", "index": "0.00", "trust": "0.00"}.get(kind, "General")


def _axis_title(outcome: str, difference: bool = False) -> str:
    m = plots.measure(outcome)
    unit = {"usd": "$", "share": "share", "hours": "hours"}.get(m.kind, m.unit)
    text = f"Difference in {plots.lower_first(m.label)}" if difference else m.label
    return f"{text} ({unit})" if unit else text


def _summary_groups(summary) -> list[tuple[str, list[str]]]:
    return [(s.title, list(s.lines)) for s in summary.sections]


def _notes_table(rows: list[list[str]]) -> str:
    return "\n".join(" | ".join(r) for r in rows)


def means_slide(
    deck: Deck, summary: pd.DataFrame, designs: list[str], outcome: str, differences: pd.DataFrame | None = None, baseline: str = ""
) -> None:
    """Mean of ``outcome`` per design with its 95% interval, as a native bar chart with error bars.

    The headline names the design with the best mean and says whether its paired difference
    from the baseline is resolved (``differences`` with Holm's ``resolved``), so a slide never
    claims more than the intervals do.
    """
    m = plots.measure(outcome)
    rows = summary[summary["outcome"] == outcome].set_index(summary.loc[summary["outcome"] == outcome, "scenario"].astype(str))
    shown = [d for d in designs if d in rows.index]
    if not shown:
        return
    means = [float(rows.loc[d, "mean"]) for d in shown]
    lows, highs = (list(v) for v in plots.clip_band(outcome, rows.loc[shown, "ci_low"], rows.loc[shown, "ci_high"]))
    best = (max if m.better != "lower" else min)(zip(means, shown, strict=True))[1]
    title = f"{plots.design_label(best)} has the {'highest' if m.better != 'lower' else 'lowest'} mean {plots.lower_first(m.label)}: {plots.format_value(rows.loc[best, 'mean'], outcome)}"
    if best != baseline and differences is not None and len(differences):
        from .summary import _resolved_better

        d = differences[(differences["outcome"] == outcome) & (differences["scenario"].astype(str) == best)]
        if len(d):
            clear = _resolved_better(d.iloc[0], outcome)
            title += f", {'clearly better than' if clear else 'not clearly different from'} {plots.design_label(baseline)}"
    notes = f"{m.label}: mean per design with its 95% interval across replications.\n" + _notes_table(
        [
            [
                plots.design_label(d),
                plots.format_value(mu, outcome),
                f"[{plots.format_value(lo, outcome)}, {plots.format_value(hi, outcome)}]",
            ]
            for d, mu, lo, hi in zip(shown, means, lows, highs, strict=True)
        ]
    )
    deck.bar_chart(
        title, [plots.design_label(d) for d in shown], {m.label: means},
        {m.label: ([mu - lo for mu, lo in zip(means, lows, strict=True)], [hi - mu for mu, hi in zip(means, highs, strict=True)])},
        _number_format(outcome), _axis_title(outcome), notes, [plots.design_colors(designs)[d] for d in shown],
    )  # fmt: skip


def differences_slide(deck: Deck, differences: pd.DataFrame, designs: list[str], baseline: str, outcome: str, headline: str) -> None:
    d = differences[differences["outcome"] == outcome]
    d = d.set_index(d["scenario"].astype(str))
    shown = [x for x in designs if x in d.index and x != baseline]
    if not shown:
        return
    m = plots.measure(outcome)
    diffs = [float(d.loc[x, "difference"]) for x in shown]
    notes = (
        f"{m.label}: each design minus {plots.design_label(baseline)} on the same seeds, with its 95% interval"
        f"{' (' + m.better + ' is better)' if m.better else ''}.\n"
        + _notes_table([[plots.design_label(x), plots.format_value(d.loc[x, "difference"], outcome, True),
                         f"[{plots.format_value(d.loc[x, 'ci_low'], outcome, True)}, {plots.format_value(d.loc[x, 'ci_high'], outcome, True)}]"]
                        for x in shown])
    )  # fmt: skip
    deck.bar_chart(
        headline, [plots.design_label(x) for x in shown], {f"Difference from {plots.design_label(baseline)}": diffs},
        {f"Difference from {plots.design_label(baseline)}": (
            [v - float(d.loc[x, "ci_low"]) for x, v in zip(shown, diffs, strict=True)],
            [float(d.loc[x, "ci_high"]) - v for x, v in zip(shown, diffs, strict=True)])},
        _number_format(outcome), _axis_title(outcome, difference=True), notes, [plots.design_colors(designs)[x] for x in shown],
    )  # fmt: skip


def jcurve_slide(deck: Deck, cumulative: pd.DataFrame, designs: list[str], baseline: str) -> None:
    """Cumulative bookings minus the baseline's at each quarter end: where a design dips and pays back."""
    c = cumulative.copy()
    c["scenario"] = c["scenario"].astype(str)
    shown = [d for d in designs if d in set(c["scenario"])]
    if not shown:
        return
    quarters = sorted(c["quarter"].unique())
    series = {plots.design_label(d): [c[(c["scenario"] == d) & (c["quarter"] == q)]["difference"].mean() for q in quarters] for d in shown}
    notes = "Cumulative bookings minus the baseline's at each quarter end (mean over replications):\n" + _notes_table(
        [[name, *(plots.format_value(v, "bookings", True) for v in values)] for name, values in series.items()]
    )
    deck.line_chart(
        f"Cumulative bookings against {plots.design_label(baseline)}, quarter by quarter",
        [f"Q{int(q)}" for q in quarters], series, '"$"#,##0', "Cumulative bookings difference ($)", notes,
        [plots.design_colors(designs)[d] for d in shown],
    )  # fmt: skip


def sweep_slides(deck: Deck, runs: pd.DataFrame, parameters: Sequence[str], outcomes: Sequence[str], best: Sequence[str]) -> bool:
    """A grid over one or two parameters: each outcome against the parameter with more values, one
    line per value of the other, means with 95% intervals, as native line charts. False (nothing
    drawn) for other designs, whose charts go in as pictures."""
    if "status" in runs:
        runs = runs[runs["status"] == "ok"]
    numeric = [p for p in parameters if p in runs.columns]
    if not 1 <= len(numeric) <= 2 or not len(runs):
        return False
    x, by = (numeric[0], None) if len(numeric) == 1 else sorted(numeric, key=lambda p: -runs[p].nunique())
    values = sorted(runs[x].unique())
    levels = sorted(runs[by].unique()) if by else [None]
    colors = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#5F5F5F"]
    for outcome in [o for o in outcomes if o in runs.columns and runs[o].notna().any()]:
        m = plots.measure(outcome)
        stats = plots.grouped_interval(runs, [by, x] if by else [x], outcome)
        series, errors = {}, {}
        for level in levels:
            rows = (stats[stats[by] == level] if by else stats).set_index(x).reindex(values)
            name = f"{plots.parameter_label(by).split(' (')[0]} = {plots._param_value_text(by, level)}" if by else m.label
            series[name] = rows["mean"].tolist()
            lo, hi = plots.clip_band(outcome, rows["ci_low"], rows["ci_high"])
            errors[name] = ((rows["mean"] - lo).tolist(), (hi - rows["mean"]).tolist())
        title = next((b.split(" \u2014 ")[0] for b in best if b.startswith(m.label)), f"{m.label} against {plots._param_name(x)}")
        notes = f"{m.label}: mean across replications at each point, with its 95% interval.\n" + stats.to_string(index=False)
        deck.line_chart(
            title, [plots._param_value_text(x, v) for v in values], series, _number_format(outcome),
            _axis_title(outcome), notes, colors[: len(series)], errors, plots.parameter_label(x),
        )  # fmt: skip
    return True


def _frame_notes(caption: str, table: pd.DataFrame | None) -> str:
    if table is None or table.empty:
        return caption
    return caption + "\n" + table.to_string(index=False)


def write_deck(path: Path, results: ResultsFolder, context: dict[str, Any], charts: Sequence[plots.Chart]) -> None:
    """Write the deck of a compare or sweep folder to ``path`` (``context`` and ``charts`` as the HTML report has them)."""
    deck = Deck()
    logo = None
    if context.get("logo"):
        import base64

        header, data = context["logo"].split(",", 1)
        if "svg" not in header:  # PowerPoint pictures: PNG or JPEG
            logo = io.BytesIO(base64.b64decode(data))
    deck.title_slide(context["title"], context["subtitle"], context.get("client", ""), logo)
    summary = context["summary"]
    deck.bullets(
        summary.headline,
        _summary_groups(summary),
        notes="Executive summary, written from the results by rules (simulation.report.summary).",
        size=13,
    )
    by_name = {c.name: c for c in charts}
    if results.kind == "compare":
        frame_summary = results.frames["summary"]
        differences = results.frames.get("differences", pd.DataFrame())
        if len(differences):
            from . import content

            differences = content.with_holm(differences)  # the same family of comparisons as the tables
        designs, baseline = context["designs"], context["baseline"]
        headline_outcome = context["outcomes"][0] if context.get("outcomes") else "bookings"
        if len(differences):
            differences_slide(deck, differences, designs, baseline, headline_outcome, summary.headline)
        for outcome in dict.fromkeys([headline_outcome, *(o for o in DECK_OUTCOMES if o in context.get("outcomes", DECK_OUTCOMES))]):
            means_slide(deck, frame_summary, designs, outcome, differences, baseline)
        cumulative = results.frames.get("cumulative")
        if cumulative is not None and len(cumulative):
            jcurve_slide(deck, cumulative, designs, baseline)
        runs = results.frames["runs"]
        runs = runs[runs["status"] == "ok"] if "status" in runs else runs
        data = {
            "demand_waterfall": runs.groupby("scenario")[[c for c, _ in plots.FUNNEL_STAGES if c in runs]].mean().round(1),
            "friction_components": runs.groupby("scenario")[[c for c in runs.columns if c.startswith("friction_")]].mean().round(3),
            "speed_to_lead": runs.groupby("scenario")[[c for c, _, _ in plots.SPEED_BUCKETS if c in runs]].mean().round(3),
        }
        payback = results.frames.get("payback")
        for chart in charts:  # roadmaps' J-curves (simulation.plots.jcurve), after the native charts
            if chart.name.startswith("jcurve_"):
                rows = payback[payback["scenario"].astype(str) == chart.name.removeprefix("jcurve_")] if payback is not None else None
                deck.picture(chart.title, chart.figure, _frame_notes(chart.caption, rows))
        for name in IMAGE_CHARTS:
            if name in by_name:
                chart = by_name[name]
                table = data.get(name)
                deck.picture(chart.title, chart.figure, _frame_notes(chart.caption, table.reset_index() if table is not None else None))
    else:
        native = sweep_slides(deck, results.frames["runs"], context["parameter_names"], context["outcomes"], context.get("best", []))
        for chart in charts:
            if native and chart.name.startswith("outcomes_vs_parameter"):
                continue  # drawn natively above
            deck.picture(chart.title, chart.figure, chart.caption)
    deck.bullets(
        "Assumptions and validation status",
        [
            ("Caveats", list(context.get("caveats", []))[:4]),
            *[(s.title, list(s.lines)) for s in summary.sections if s.title in ("How sure we are", "What the model does not know")],
        ],
        notes=f"Reproduce with: {context.get('command', '')}",
        size=12,
    )
    deck.save(path)
