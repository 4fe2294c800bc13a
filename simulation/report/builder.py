"""Build a shareable report from a results folder: self-contained HTML and a multi-page PDF.

``build_report(folder)`` reads what ``orgsim compare`` (or ``orgsim sweep``) wrote --
``meta.json`` and the CSV/Parquet frames — redraws the charts from the frames with
:mod:`simulation.plots`, and renders the Jinja2 templates in ``templates/``. Charts are
embedded as base64 PNG, so the HTML opens anywhere with no network and no side files.
The PDF is written with matplotlib's ``PdfPages``: text, tables and the vector charts.

A missing or wrong folder, or an existing report file (without ``force``), is an
:class:`~simulation.errors.OrgsimError`: one line at the command line, exit status 2.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shlex
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__, plots
from ..errors import OrgsimError
from . import content
from .explain import contribution_bars, explain_sections
from .pdf import Block, PdfReport, intro_blocks

# ----------------------------------------------------------------------------- reading


@dataclass
class ResultsFolder:
    """A results folder as read from disk: its kind, its metadata and its frames.

    ``meta`` is ``meta.json`` for a compare folder and ``manifest.json`` for a sweep.
    """

    path: Path
    kind: str
    meta: dict[str, Any]
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


def _read_frame(folder: Path, name: str) -> pd.DataFrame | None:
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    try:
        if parquet.exists():
            return pd.read_parquet(parquet)
        if csv.exists():
            return pd.read_csv(csv)
    except Exception as exc:  # a damaged file is the user's problem to fix, not a traceback
        raise OrgsimError(f"{folder}: cannot read {name} ({type(exc).__name__}: {exc})") from None
    return None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OrgsimError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise OrgsimError(f"{path}: expected a JSON object")
    return data


def load_results_folder(folder: Path | str) -> ResultsFolder:
    """Read a compare or sweep results folder, with its metadata, for a report; :class:`OrgsimError` if it is neither.

    Not to be confused with :func:`simulation.load_results`, which returns a sweep's run rows
    as one data frame.
    """
    folder = Path(folder)
    if not folder.exists():
        raise OrgsimError(f"{folder}: no such results folder")
    if not folder.is_dir():
        raise OrgsimError(f"{folder}: not a folder; pass the folder orgsim compare or orgsim sweep wrote")
    if (folder / "manifest.json").exists():
        return _load_sweep(folder)
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        raise OrgsimError(f"{folder}: not an orgsim compare or sweep folder (no meta.json or manifest.json)")
    meta = _read_json(meta_path)
    kind = meta.get("command")
    if kind != "compare":
        written = f"this one was written by orgsim {kind}" if isinstance(kind, str) and kind else "its meta.json names no orgsim command"
        raise OrgsimError(f"{folder}: a report needs a compare or sweep folder; {written}")
    results = ResultsFolder(folder, "compare", meta)
    for name in ("runs", "summary", "differences", "daily", "roadmap_quarterly", "payback"):
        frame = _read_frame(folder, name)
        if frame is not None:
            results.frames[name] = frame
        elif name in ("runs", "summary", "differences"):
            raise OrgsimError(f"{folder}: {name}.parquet / {name}.csv missing; was the folder written completely?")
    if "scenario" not in results.frames["runs"].columns:
        raise OrgsimError(f"{folder}: runs has no scenario column; not a compare folder")
    return results


def _load_sweep(folder: Path) -> ResultsFolder:
    from ..experiments import store

    manifest = _read_json(folder / "manifest.json")
    if manifest.get("kind") != "orgsim sweep":
        raise OrgsimError(f"{folder}/manifest.json: not an orgsim sweep manifest")
    runs = store.load_results(folder)
    if runs.empty:
        raise OrgsimError(f"{folder}: no runs stored yet; run or resume the sweep first")
    results = ResultsFolder(folder, "sweep", manifest, {"runs": runs})
    indices = _read_frame(folder, "sensitivity")
    if indices is not None:
        results.frames["sensitivity"] = indices
    return results


# ----------------------------------------------------------------------------- charts


def _png_data_uri(fig, dpi: int = 130) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ----------------------------------------------------------------------------- the compare report


def _horizon(results: ResultsFolder, scenarios: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Working days each design ran: ``meta['days']`` if set, else the daily series, else the scenario's."""
    days = results.meta.get("days")
    daily = results.frames.get("daily")
    out = {}
    for name, s in scenarios.items():
        if days:
            out[name] = int(days)
        elif daily is not None and (daily["scenario"] == name).any():
            out[name] = int(daily.loc[daily["scenario"] == name, "day"].max()) + 1
        else:
            out[name] = int(s.get("horizon_days", 0))
    return out


def compare_context(results: ResultsFolder) -> dict[str, Any]:
    """Everything the compare templates and the PDF show, as plain data (charts not included)."""
    meta = results.meta
    runs = results.frames["runs"]
    summary = results.frames["summary"]
    differences = results.frames.get("differences", pd.DataFrame())
    if not differences.empty:  # every design x outcome against the baseline: one family, Holm-corrected
        differences = content.with_holm(differences)
    baseline = str(meta.get("baseline") or "separate_targets")
    scenarios: dict[str, dict[str, Any]] = dict(meta.get("scenarios") or {})
    designs = plots.design_order(runs["scenario"].astype(str))
    if baseline in designs:  # the baseline first: it is the column everything is read against
        designs = [baseline] + [d for d in designs if d != baseline]
    for name in designs:  # a design in the results but not in meta (e.g. an added baseline)
        if name not in scenarios:
            from ..scenario import load_scenario

            try:
                scenarios[name] = load_scenario(name).model_dump()
            except OrgsimError:
                scenarios[name] = {"name": name}
    horizon = _horizon(results, {n: scenarios[n] for n in designs})
    for name in designs:
        scenarios[name] = {**scenarios[name], "horizon_days": horizon[name]}
    replications = int(meta.get("replications") or runs.groupby("scenario").size().min())
    colors = plots.design_colors(designs)
    labels = [plots.design_label(d) for d in designs]
    assumptions = content.classify_defaults(scenarios.get(baseline))
    return {
        "kind": "compare",
        "title": "Sales and marketing org designs compared",
        "subtitle": (
            f"{len(designs)} designs \u00d7 {replications} replications on common random numbers; baseline: {plots.design_label(baseline)}"
        ),
        "question": (
            "Which way of organising sales and marketing — who is measured and paid on what, which rules bind "
            "them, who owns lead generation — gives the most pipeline and bookings with the least friction "
            f"between the functions, compared with {plots.design_label(baseline)}? And how sure can we be?"
        ),
        "setup": [
            ("Designs", ", ".join(labels)),
            ("Baseline", plots.design_label(baseline)),
            ("Replications per design", str(replications)),
            ("Root seed", str(meta.get("seed", "n/a"))),
            ("Horizon", ", ".join(sorted({f"{d} working days (~{d / 63:.0f} quarters)" for d in horizon.values()}))),
            ("orgsim version", str(meta.get("version", "n/a"))),
            ("Report generated", date.today().isoformat()),
        ],
        "designs": designs,
        "design_labels": labels,
        "design_colors": [colors[d] for d in designs],
        "baseline": baseline,
        "baseline_label": plots.design_label(baseline),
        "descriptions": [str(scenarios[d].get("description", "")) for d in designs],
        "findings": content.findings(differences, designs, baseline),
        "levers": content.lever_table(scenarios, designs, baseline),
        "other_differences": content.other_differences(scenarios, designs),
        "means": content.means_table(summary, designs),
        "differences": content.differences_table(differences, designs, baseline),
        "mechanisms": content.mechanisms(scenarios, designs, baseline, differences),
        "caveats": content.general_caveats(replications, list(horizon.values()), baseline, str(meta.get("version", __version__))),
        "assumptions": assumptions,
        "replications": replications,
        "multiplicity": content.multiplicity_note(content.n_comparisons(differences)),
        "command": _command_line(meta, results.path),
        "explain": explain_sections(results.path, designs, colors),
    }


def _command_line(meta: dict[str, Any], folder: Path | None = None) -> str:
    """The command that reruns a comparison: the design files kept in ``folder/designs/``
    (custom designs included) when there, else the design names (folders from before they
    were kept; the resolved designs are in meta.json)."""
    if meta.get("command") == "compare":
        from ..comparison import DESIGNS_DIR

        names = list(meta.get("scenarios", {}).keys())
        kept = folder / DESIGNS_DIR if folder is not None else None
        if kept is not None and names and all((kept / f"{n}.yaml").is_file() for n in names):
            designs = " ".join(shlex.quote(str(kept / f"{n}.yaml")) for n in names)
        else:
            designs = " ".join(names)
        days = f" --days {meta['days']}" if meta.get("days") else ""
        explain = " --explain" if meta.get("explain") else ""
        return (
            f"orgsim compare {designs} --replications {meta.get('replications')} --seed {meta.get('seed')} "
            f"--baseline {meta.get('baseline')}{days}{explain}"
        )
    return f"orgsim {meta.get('command', '')}"


def compare_charts(results: ResultsFolder, designs: list[str]) -> list[plots.Chart]:
    runs = results.frames["runs"]
    if "status" in runs:  # failure rows (a run that raised or timed out) have no outcomes to draw
        runs = runs[runs["status"] == "ok"]
        if runs.empty:
            return []
        designs = [d for d in designs if d in set(runs["scenario"].astype(str))]
    from ..jcurve import jcurve_charts

    charts = plots.compare_charts(runs, results.frames.get("differences"), results.frames.get("daily"), designs=designs)
    return charts + jcurve_charts(results.frames.get("roadmap_quarterly"), results.frames.get("payback"))


# ----------------------------------------------------------------------------- rendering


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
        report.table(f"{sec.label} minus {context['baseline_label']}, by lever group", ["Lever group", "Fields", *sec.outcome_labels],
                     rows, [2.2, 2.2] + [1.6] * len(sec.outcome_labels),
                     note=f"Shapley values ({sec.method}) on the comparison's seeds; mean with 95% interval; they add up to the total.")


EXPLAIN_INTRO = (
    "Each design's difference from the baseline, split among the groups of levers in which the two differ. "
    "A group's share is its Shapley value: what switching that group from the baseline's settings to the "
    "design's adds, averaged over every order in which the groups could be switched, on the same seeds as the "
    "comparison; the shares add up to the difference. Brackets: 95% interval across replications."
)


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


@dataclass
class ReportFiles:
    html: Path
    pdf: Path | None
    charts: list[str]


def build_report(folder: Path | str, out: Path | str | None = None, pdf: Path | str | None = None, force: bool = False) -> ReportFiles:
    """Write ``out`` (default ``folder/report.html``) and, if asked, ``pdf``, from a results folder.

    Existing report files are never overwritten unless ``force``; both targets are checked
    before anything is drawn, and each file is written atomically.
    """
    results = load_results_folder(folder)
    html_path = Path(out) if out is not None else results.path / "report.html"
    pdf_path = Path(pdf) if pdf is not None else None
    _check_target(html_path, force, "report")
    if pdf_path is not None:
        _check_target(pdf_path, force, "PDF")
        if pdf_path.resolve() == html_path.resolve():
            raise OrgsimError(f"{pdf_path}: the HTML and PDF reports need different file names")
    if results.kind == "compare":
        context = compare_context(results)
        charts = compare_charts(results, context["designs"])
        writer_pdf = write_compare_pdf
    else:
        from . import sweep as sweep_report

        context = sweep_report.sweep_context(results)
        charts = sweep_report.sweep_charts(results, context)
        writer_pdf = sweep_report.write_sweep_pdf
    import matplotlib.pyplot as plt

    try:
        if results.kind == "compare":
            _explain_charts(context)
        embedded = [{"name": c.name, "title": c.title, "caption": c.caption, "src": _png_data_uri(c.figure)} for c in charts]
        html = render_html(context, embedded)
        _write_atomic(html_path, lambda p: p.write_text(html, encoding="utf-8"))
        if pdf_path is not None:
            _write_atomic(pdf_path, lambda p: writer_pdf(p, context, charts))
    finally:
        for c in charts:
            plt.close(c.figure)
    return ReportFiles(html_path, pdf_path, [c.name for c in charts])
