"""A multi-page PDF with matplotlib's PdfPages: text pages, tables and the charts.

Pages are A4 landscape. Text and table cells are wrapped by character count (a
monospace-free approximation that errs on the short side) and flow onto further pages
when they do not fit.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .. import plots

PAGE = (11.69, 8.27)  # A4 landscape, inches
MARGIN = 0.7
INK = "#1A1A1A"
MUTED = "#555555"
ACCENT = "#0B3C5D"


@dataclass
class Block:
    """A piece of flowing text: ``kind`` is h1, h2, p, bullet, small, or swatch (a coloured h2)."""

    kind: str
    text: str
    color: str | None = None


def intro_blocks(context: dict, heading: str, items: list[str]) -> list[Block]:
    """A report's opening text: title, subtitle, the question, the set-up, ``items`` under
    ``heading`` (left out when there are none) and the command that reproduces the results.

    ``context`` needs ``title``, ``subtitle``, ``question``, ``setup`` ((label, value) pairs)
    and ``command``.
    """
    blocks = [
        Block("h1", context["title"]),
        Block("small", context["subtitle"]),
        Block("h2", "The question"),
        Block("p", context["question"]),
        Block("h2", "Set-up"),
    ]
    blocks += [Block("bullet", f"{k}: {v}") for k, v in context["setup"]]
    if items:
        blocks.append(Block("h2", heading))
        blocks += [Block("bullet", item) for item in items]
    blocks.append(Block("small", f"Reproduce with: {context['command']}"))
    return blocks


_STYLE = {  # kind: (font size pt, weight, colour, space before in, indent in)
    "h1": (18, "bold", ACCENT, 0.0, 0.0),
    "h2": (13, "bold", INK, 0.18, 0.0),
    "swatch": (13, "bold", INK, 0.22, 0.0),
    "p": (10.5, "normal", INK, 0.06, 0.0),
    "bullet": (10.5, "normal", INK, 0.04, 0.25),
    "small": (9, "normal", MUTED, 0.04, 0.0),
}


def _plain(text: str) -> str:
    """Escape ``$`` so matplotlib does not read ``$1.2M [$1.0M`` as mathtext."""
    return str(text).replace("$", r"\$")


def _chars_per_line(width_in: float, size_pt: float) -> int:
    # Average glyph width of DejaVu Sans is about 0.55 em.
    return max(10, int(width_in * 72 / (0.55 * size_pt)))


class PdfReport:
    """Collects pages into one PDF file."""

    def __init__(self, path: Path, title: str, png_dir: Path | None = None) -> None:
        from matplotlib.backends.backend_pdf import PdfPages

        self.path = Path(path)
        self.title = title
        self.png_dir = Path(png_dir) if png_dir else None  # also save each page as PNG (to look at the pages)
        self._pdf = PdfPages(self.path, metadata={"Title": title, "Creator": "orgsim", "CreationDate": None})
        self.pages = 0

    # ------------------------------------------------------------------ plumbing

    def _new_page(self) -> Figure:
        from matplotlib.figure import Figure

        fig = Figure(figsize=PAGE)
        fig.text(MARGIN / PAGE[0], 0.25 / PAGE[1], _plain(self.title), fontsize=8, color=MUTED)
        fig.text(1 - MARGIN / PAGE[0], 0.25 / PAGE[1], f"{self.pages + 1}", fontsize=8, color=MUTED, ha="right")
        return fig

    def _save(self, fig: Figure) -> None:
        self._pdf.savefig(fig)
        self.pages += 1
        if self.png_dir is not None:
            self.png_dir.mkdir(parents=True, exist_ok=True)
            fig.savefig(self.png_dir / f"page-{self.pages:02d}.png", dpi=80)

    def close(self) -> None:
        self._pdf.close()

    # ------------------------------------------------------------------ text

    def text(self, blocks: Sequence[Block]) -> None:
        """Flow ``blocks`` down as many pages as they need."""
        fig = self._new_page()
        y = PAGE[1] - MARGIN
        width = PAGE[0] - 2 * MARGIN
        bottom = 0.6
        started = False
        for block in blocks:
            size, weight, color, before, indent = _STYLE[block.kind]
            line_h = size * 1.45 / 72
            wrap = _chars_per_line(width - indent - (0.3 if block.kind == "swatch" else 0), size)
            lines = textwrap.wrap(block.text, wrap) or [""]
            needed = before + line_h * len(lines)
            if block.kind in ("h2", "swatch"):
                needed += 3 * 10.5 * 1.45 / 72  # keep a heading with the start of its text
            if started and y - needed < bottom:
                self._save(fig)
                fig = self._new_page()
                y = PAGE[1] - MARGIN
            y -= before if started else 0
            started = True
            for k, line in enumerate(lines):
                if y - line_h < bottom:
                    self._save(fig)
                    fig = self._new_page()
                    y = PAGE[1] - MARGIN
                y -= line_h
                x = MARGIN + indent
                if block.kind == "bullet" and k == 0:
                    fig.text((x - 0.16) / PAGE[0], y / PAGE[1], "\u2022", fontsize=size, color=color)
                if block.kind == "swatch" and k == 0:
                    from matplotlib.patches import Rectangle

                    fig.add_artist(
                        Rectangle(
                            (x / PAGE[0], (y - 0.01) / PAGE[1]),
                            0.2 / PAGE[0],
                            0.16 / PAGE[1],
                            transform=fig.transFigure,
                            color=block.color or INK,
                        )
                    )
                if block.kind == "swatch":
                    x += 0.3
                fig.text(x / PAGE[0], y / PAGE[1], _plain(line), fontsize=size, fontweight=weight, color=color)
        self._save(fig)

    # ------------------------------------------------------------------ tables

    def table(
        self,
        title: str,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float] | None = None,
        highlight: Sequence[Sequence[str]] | None = None,
        note: str = "",
        fontsize: float = 8.5,
    ) -> None:
        """A table with a header row, wrapped cells and optional cell shading, over as many pages as needed.

        ``highlight[i][j]`` is a background colour (or ``""``) for cell ``rows[i][j]``.
        """
        total = PAGE[0] - 2 * MARGIN
        widths = list(widths) if widths else [total / len(header)] * len(header)
        scale = total / sum(widths)
        widths = [w * scale for w in widths]
        xs = [MARGIN + sum(widths[:k]) for k in range(len(widths))]
        line_h = fontsize * 1.35 / 72
        pad = 0.05

        def wrapped(row: Sequence[str]) -> list[list[str]]:
            return [textwrap.wrap(str(c), _chars_per_line(w - 2 * pad, fontsize)) or [""] for c, w in zip(row, widths, strict=True)]

        def start_page(continued: bool) -> tuple[Figure, float]:
            fig = self._new_page()
            y = PAGE[1] - MARGIN
            fig.text(
                MARGIN / PAGE[0],
                (y - 0.25) / PAGE[1],
                _plain(title + (" (continued)" if continued else "")),
                fontsize=14,
                fontweight="bold",
                color=ACCENT,
            )
            y -= 0.45
            if note and not continued:
                for line in textwrap.wrap(note, _chars_per_line(total, 9)):
                    y -= 9 * 1.4 / 72
                    fig.text(MARGIN / PAGE[0], y / PAGE[1], _plain(line), fontsize=9, color=MUTED)
                y -= 0.1
            return fig, draw_row(fig, y, header, None, bold=True)

        def draw_row(fig: Figure, y: float, row: Sequence[str], shades: Sequence[str] | None, bold: bool = False) -> float:
            from matplotlib.lines import Line2D
            from matplotlib.patches import Rectangle

            cells = wrapped(row)
            height = max(len(c) for c in cells) * line_h + 2 * pad
            for k, (lines, x, w) in enumerate(zip(cells, xs, widths, strict=True)):
                shade = shades[k] if shades else ("#E8EEF3" if bold else "")
                if shade:
                    fig.add_artist(
                        Rectangle(
                            (x / PAGE[0], (y - height) / PAGE[1]),
                            w / PAGE[0],
                            height / PAGE[1],
                            transform=fig.transFigure,
                            color=shade,
                            zorder=0,
                        )
                    )
                for i, line in enumerate(lines):
                    fig.text(
                        (x + pad) / PAGE[0],
                        (y - pad - (i + 0.8) * line_h) / PAGE[1],
                        _plain(line),
                        fontsize=fontsize,
                        fontweight="bold" if (bold or k == 0) else "normal",
                        color=INK,
                    )
            fig.add_artist(
                Line2D(
                    [MARGIN / PAGE[0], (MARGIN + total) / PAGE[0]],
                    [(y - height) / PAGE[1]] * 2,
                    transform=fig.transFigure,
                    color="#CCCCCC",
                    lw=0.6,
                )
            )
            return y - height

        fig, y = start_page(False)
        for i, row in enumerate(rows):
            height = max(len(c) for c in wrapped(row)) * line_h + 2 * pad
            if y - height < 0.6:
                self._save(fig)
                fig, y = start_page(True)
            y = draw_row(fig, y, row, highlight[i] if highlight else None)
        self._save(fig)

    def assumptions(self, caveats: Sequence[str], defaults: Any, unstated: bool = False) -> None:
        """The closing section: the caveats, then tables of the defaults that rest on published
        sources and of those that are assumptions (``defaults.sourced`` / ``.assumed``, rows
        with ``field``, ``value``, ``description``), and with ``unstated`` those with no
        source stated (``defaults.unstated``)."""
        self.text([Block("h1", "Assumptions and caveats")] + [Block("bullet", c) for c in caveats])
        tables = [
            ("Defaults that rest on published sources", "Source / note", defaults.sourced),
            ("Defaults that are assumptions", "Note", defaults.assumed),
        ]
        if unstated:
            tables.append(("Other parameters (no source stated: levers, or treat as assumptions)", "Note", defaults.unstated))
        for title, note, rows in tables:
            self.table(title, ["Field", "Value", note], [[d.field, d.value, d.description] for d in rows], [2.6, 1.0, 6.0])

    # ------------------------------------------------------------------ charts

    def figure(self, fig: Figure, title: str = "", caption: str = "", dpi: int = 160) -> None:
        """A chart on its own page, scaled to fit, with a heading and its caption underneath.

        The chart is placed as a high-resolution image (``dpi``) so that every page has the
        same A4 size and the chart keeps the layout it was designed with; the SVG files that
        ``orgsim compare`` writes are the vector versions.
        """
        import numpy as np
        from PIL import Image  # a matplotlib dependency

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        buffer.seek(0)
        image = np.asarray(Image.open(buffer).convert("RGB"))  # uint8: embedded without float conversion
        page = self._new_page()
        top = PAGE[1] - MARGIN
        if title:
            page.text(MARGIN / PAGE[0], (top - 0.25) / PAGE[1], _plain(title), fontsize=14, fontweight="bold", color=ACCENT)
            top -= 0.45
        lines = textwrap.wrap(caption, _chars_per_line(PAGE[0] - 2 * MARGIN, 9.5)) if caption else []
        bottom = 0.55 + len(lines) * 9.5 * 1.45 / 72 + (0.1 if lines else 0)
        box_w, box_h = PAGE[0] - 2 * MARGIN, top - bottom
        h_px, w_px = image.shape[:2]
        scale = min(box_w / w_px, box_h / h_px)
        w, h = w_px * scale, h_px * scale
        left = MARGIN + (box_w - w) / 2
        ax = page.add_axes((left / PAGE[0], (top - h) / PAGE[1], w / PAGE[0], h / PAGE[1]))
        ax.imshow(image, interpolation="none")  # embedded as is in the PDF, no resampling
        ax.set_axis_off()
        y = top - h - 0.1
        for line in lines:
            y -= 9.5 * 1.45 / 72
            page.text(MARGIN / PAGE[0], y / PAGE[1], _plain(line), fontsize=9.5, color=MUTED)
        self._save(page)


# ----------------------------------------------------------------------------- the compare and sweep reports


def write_compare_pdf(path: Path, context: dict[str, Any], charts: list[plots.Chart], png_dir: Path | None = None) -> None:
    """The same content as the HTML, as A4-landscape pages (``png_dir``: also each page as PNG)."""
    report = PdfReport(path, context["title"], png_dir)
    try:
        report.text(intro_blocks(context, "What the comparison shows", context["findings"]))

        header = ["Lever", *context["design_labels"]]
        widths = [2.2] + [1.0] * len(context["designs"])
        rows = [[r.label, *(c.text for c in r.cells)] for r in context["levers"]]
        shade = [["", *("#FFF1C9" if c.differs else "" for c in r.cells)] for r in context["levers"]]
        report.table(
            "The designs' levers side by side",
            header,
            rows,
            widths,
            shade,
            note=f"Shaded cells differ from the baseline ({context['baseline_label']}).",
        )
        if context["other_differences"]:
            rows = [[r.label, *(c.text for c in r.cells)] for r in context["other_differences"]]
            report.table("Other settings that differ between the designs", ["Field", *context["design_labels"]], rows, widths)

        rows = [[f"{r.label} ({r.unit})", *(f"{c.text} {c.interval}".strip() for c in r.cells)] for r in context["means"]]
        report.table(
            "Outcomes: means with 95% intervals",
            ["Outcome", *context["design_labels"]],
            rows,
            widths,
            note=f"Mean across {context['replications']} replications per design; brackets: 95% Student-t interval.",
        )
        if context["differences"]:
            verdict_shade = {"better": "#D9F0D3", "worse": "#F6D5D0", "higher": "#E3ECF7", "lower": "#E3ECF7"}
            rows = [[f"{r.label} ({r.unit})", *(f"{c.text} {c.interval}".strip() for c in r.cells)] for r in context["differences"]]
            shade = [["", *(verdict_shade.get(c.verdict, "") for c in r.cells)] for r in context["differences"]]
            report.table(
                f"Paired differences from {context['baseline_label']}",
                ["Outcome", *context["design_labels"]],
                rows,
                widths,
                shade,
                note="Difference from the baseline on the same seeds, with its 95% interval. Green: the "
                "interval excludes zero on the better side; red: on the worse side; unshaded: not resolved. " + context["multiplicity"],
            )

        for chart in charts:
            report.figure(chart.figure, chart.title, chart.caption)

        blocks = [
            Block("h1", "Mechanisms behind the differences"),
            Block(
                "p",
                "How each design's levers act in the model — the decision rules every agent follows in "
                "every design — and what the intervals show in these runs.",
            ),
        ]
        for m in context["mechanisms"]:
            blocks.append(Block("swatch", m.label, m.color))
            if m.description:
                blocks.append(Block("small", m.description))
            blocks += [Block("bullet", c) for c in m.chains]
            if m.observed:
                blocks.append(Block("p", m.observed))
        report.text(blocks)
        _explain_pdf(report, context)

        report.assumptions(context["caveats"], context["assumptions"], unstated=True)
    finally:
        report.close()


def _explain_pdf(report: PdfReport, context: dict[str, Any]) -> None:
    """The lever-group decomposition of each design (when the folder has explain.json)."""
    if not context.get("explain"):
        return
    blocks = [Block("h1", "Where the differences come from"), Block("p", EXPLAIN_INTRO)]
    for sec in context["explain"]:
        blocks.append(Block("swatch", sec.label, sec.color))
        blocks += [Block("bullet", s) for s in sec.sentences]
        blocks += [Block("small", n) for n in sec.notes]
    report.text(blocks)
    for sec in context["explain"]:
        rows = [["Total (design minus baseline)", "", *sec.total]] + [[r.label, r.fields, *r.cells] for r in sec.rows]
        report.table(
            f"{sec.label} minus {context['baseline_label']}, by lever group",
            ["Lever group", "Fields", *sec.outcome_labels],
            rows,
            [2.2, 2.2] + [1.6] * len(sec.outcome_labels),
            note=f"Shapley values ({sec.method}) on the comparison's seeds; mean with 95% interval; they add up to the total.",
        )


EXPLAIN_INTRO = (
    "Each design's difference from the baseline, split among the groups of levers in which the two differ. "
    "A group's share is its Shapley value: what switching that group from the baseline's settings to the "
    "design's adds, averaged over every order in which the groups could be switched, on the same seeds as the "
    "comparison; the shares add up to the difference. Brackets: 95% interval across replications."
)


def write_sweep_pdf(path: Path, context: dict[str, Any], charts: list[plots.Chart], png_dir: Path | None = None) -> None:
    report = PdfReport(path, context["title"], png_dir)
    try:
        report.text(intro_blocks(context, "Where each outcome does best", context["best"]))
        report.table(
            "What was varied",
            ["Parameter", "Values", "What it does in the model"],
            [[p["label"] + (f" [{p['source']}]" if p["source"] else ""), p["values"], p["mechanism"]] for p in context["parameters"]],
            [2.4, 2.0, 6.0],
        )
        if context["points"]:
            header = ["Point", *context["param_labels"], *context["outcome_labels"]]
            widths = [0.5] + [1.1] * len(context["param_labels"]) + [1.1] * len(context["outcome_labels"])
            shade_of = {"better": "#D9F0D3", "worse": "#F6D5D0", "higher": "#E3ECF7", "lower": "#E3ECF7"}
            rows = [[str(r.point), *r.settings, *(f"{c.text} {c.interval}".strip() for c in r.cells)] for r in context["points"]]
            shade = [["", *([""] * len(r.settings)), *(shade_of.get(c.verdict, "") for c in r.cells)] for r in context["points"]]
            report.table(
                "Means per point with 95% intervals",
                header,
                rows,
                widths,
                shade,
                fontsize=7.5,
                note=f"Shading against point {context['reference_point']} (paired on the replication): green "
                "clearly better, red clearly worse, blue clearly different with no better direction. " + context["multiplicity"],
            )
        for chart in charts:
            report.figure(chart.figure, chart.title, chart.caption)
        report.assumptions(context["caveats"], context["assumptions"])
    finally:
        report.close()
