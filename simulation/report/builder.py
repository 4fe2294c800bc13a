"""Build a shareable report from a results folder: self-contained HTML, a PDF and a slide deck.

``build_report(folder)`` reads what ``orgsim compare`` (or ``orgsim sweep``) wrote --
``meta.json`` and the CSV/Parquet frames (:mod:`.folder`) — builds the report's content
(:mod:`.compare`, :mod:`.sweep`, :mod:`.explain`, :mod:`.content`), redraws the charts from
the frames with :mod:`simulation.plots`, and writes each output format with its own module:
:mod:`.html` (the Jinja2 templates in ``templates/``), :mod:`.pdf` (that HTML, printed) and
:mod:`.pptx` (a 16:9 deck with native charts). :mod:`.summary` writes the executive summary.

A missing or wrong folder, or an existing report file (without ``force``), is an
:class:`~simulation.errors.OrgsimError`: one line at the command line, exit status 2.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import plots
from ..errors import OrgsimError

# The pieces build_report puts together, importable from here as before the report was split by format.
from .compare import _command_line, _horizon, compare_charts, compare_context
from .folder import ResultsFolder, _load_sweep, _read_frame, _read_json, load_results_folder
from .html import _environment, _explain_charts, _png_data_uri, render_html
from .options import ReportOptions


def write_folder_charts(folder: Path | str, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Draw the charts of a compare or sweep folder into ``folder/charts/`` (replacing older ones).

    Used by ``orgsim sweep`` and ``orgsim sensitivity`` after their runs are stored. A
    sweep with no successful run yet gets no charts (an empty list).
    """
    results = load_results_folder(folder)
    if results.kind == "compare":
        charts = compare_charts(results, plots.design_order(results.frames["runs"]["scenario"].astype(str)))
    else:
        runs = results.frames["runs"]
        if "status" in runs and not (runs["status"] == "ok").any():
            return []
        from . import sweep as sweep_report

        charts = sweep_report.sweep_charts(results, sweep_report.sweep_context(results))
    out_dir = results.path / "charts"
    if out_dir.is_dir():  # charts are derived: drop those of an earlier, possibly different, set
        for old in out_dir.iterdir():
            if old.suffix.lstrip(".") in formats:
                old.unlink()
    return plots.write_figures(charts, out_dir, formats)


# ----------------------------------------------------------------------------- the entry point


def _check_target(path: Path, force: bool, what: str) -> None:
    if path.exists() and not force:
        raise OrgsimError(f"{path}: {what} exists; pass --force to overwrite it, or choose another name")
    if path.exists() and path.is_dir():
        raise OrgsimError(f"{path}: is a folder; give a file name for the {what}")
    if not path.parent.exists():
        raise OrgsimError(f"{path.parent}: no such folder for the {what}")


def _write_atomic(path: Path, writer) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    os.close(fd)
    try:
        writer(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; a report is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class ReportFiles:
    html: Path
    pdf: Path | None
    charts: list[str]
    pptx: Path | None = None


def build_report(
    folder: Path | str,
    out: Path | str | None = None,
    pdf: Path | str | None = None,
    force: bool = False,
    *,
    pptx: Path | str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    client: str | None = None,
    logo: Path | str | None = None,
    outcomes: list[str] | None = None,
    robustness: Path | str | None = None,
    validation: Path | str | None = None,
) -> ReportFiles:
    """Write ``out`` (default ``folder/report.html``) and, if asked, ``pdf`` and ``pptx``, from a results folder.

    ``title``, ``subtitle``, ``client`` and ``logo`` (a PNG, JPEG or SVG file) replace the
    report's defaults; ``outcomes`` chooses the outcomes of the tables; ``robustness`` and
    ``validation`` point to the output of ``orgsim robustness`` / ``orgsim validate`` for the
    executive summary (by default the folder's own ``robustness.json`` / ``validation.json``).
    Existing report files are never overwritten unless ``force``; every target is checked
    before anything is drawn, and each file is written atomically.
    """
    options = ReportOptions(title, subtitle, client, logo, outcomes, robustness, validation)
    results = load_results_folder(folder)
    html_path = Path(out) if out is not None else results.path / "report.html"
    targets = {"report": html_path}
    pdf_path = Path(pdf) if pdf is not None else None
    pptx_path = Path(pptx) if pptx is not None else None
    _check_target(html_path, force, "report")
    for path, what in ((pdf_path, "PDF"), (pptx_path, "deck")):
        if path is None:
            continue
        _check_target(path, force, what)
        for other, other_path in targets.items():
            if path.resolve() == other_path.resolve():
                raise OrgsimError(f"{path}: the {other} and the {what} need different file names")
        targets[what] = path
    if pdf_path is not None:
        from .pdf import check_available

        check_available()
    if pptx_path is not None:
        from .pptx import check_available as pptx_available

        pptx_available()
    options.logo_data_uri()  # a wrong logo file fails before anything is drawn
    if results.kind == "compare":
        context = compare_context(results, options)
        charts = compare_charts(results, context["designs"], context["outcomes"] if context["chosen_outcomes"] else None)
    else:
        from . import sweep as sweep_report

        context = sweep_report.sweep_context(results, options)
        charts = sweep_report.sweep_charts(results, context)
    import matplotlib.pyplot as plt

    try:
        if results.kind == "compare":
            _explain_charts(context)
        embedded = [{"name": c.name, "title": c.title, "caption": c.caption, "src": _png_data_uri(c.figure)} for c in charts]
        html = render_html(context, embedded)
        _write_atomic(html_path, lambda p: p.write_text(html, encoding="utf-8"))
        if pdf_path is not None:
            from .pdf import write_pdf

            _write_atomic(pdf_path, lambda p: write_pdf(p, html))
        if pptx_path is not None:
            from .pptx import write_deck

            _write_atomic(pptx_path, lambda p: write_deck(p, results, context, charts))
    finally:
        for c in charts:
            plt.close(c.figure)
    return ReportFiles(html_path, pdf_path, [c.name for c in charts], pptx_path)
