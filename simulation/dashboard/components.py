"""The dashboard's Solara components: lever editors, a design editor, run progress, results.

Each widget shows a user's mistake beside itself, in one line (the ``error`` of the text
field or a red line under a control), and never raises into the server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import solara
from matplotlib.figure import Figure

from .. import plots
from ..errors import OrgsimError
from ..scenario import Scenario
from .fields import DesignChoice, LeverField, LeverSection, check_lever, default_name, lever_sections, load_source, source_choices
from .jobs import CompareJob
from .results import ResultsView

FILE_CHOICE = "a scenario file..."
ERROR_STYLE = {"color": "#b00020", "font-size": "0.9em"}


def ErrorLine(message: str | None, classes: list[str] | None = None):
    """A user's mistake, one line, in red (nothing when there is none)."""
    if message:
        solara.Text(message, style=ERROR_STYLE, classes=["orgsim-error", *(classes or [])])


# ----------------------------------------------------------------------------- levers


@solara.component
def LeverInput(spec: LeverField, base: Scenario, texts: dict[str, Any], on_text: Callable[[str, Any], None]):
    """One lever's widget, generated from its scenario field: label and unit, allowed range and
    description as the hint, the current value of the design, and the error beside it."""
    current = texts.get(spec.path, _value_of(base, spec.path))
    others = {p: v for p, v in parsed_overrides(base, texts).items() if p != spec.path}
    _, error = check_lever(base, spec, current, others) if spec.path in texts else (None, None)
    hint = f"{spec.description} -- allowed: {spec.allowed()}" if spec.description else f"allowed: {spec.allowed()}"
    if spec.kind == "bool":
        with solara.Column(gap="0px", classes=["orgsim-lever"]):
            solara.Checkbox(label=spec.label, value=bool(current), on_value=lambda v: on_text(spec.path, v))
            solara.Text(hint, style={"font-size": "0.75em", "color": "#666"})
            ErrorLine(error)
    elif spec.kind == "choice":
        with solara.Column(gap="0px", classes=["orgsim-lever"]):
            solara.Select(label=spec.label, values=list(spec.choices), value=str(current), on_value=lambda v: on_text(spec.path, v))
            solara.Text(hint, style={"font-size": "0.75em", "color": "#666"})
            ErrorLine(error)
    else:
        solara.InputText(
            label=spec.label,
            value=spec.text(current),
            on_value=lambda v: on_text(spec.path, v),
            error=error or False,
            message=hint,
            classes=["orgsim-lever"],
        )


def _value_of(scenario: Scenario, path: str) -> Any:
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node


def parsed_overrides(base: Scenario, texts: dict[str, Any]) -> dict[str, Any]:
    """The lever changes the user typed that are allowed on their own and differ from the base
    design (a value out of range is left out, so it is reported beside its own widget only)."""
    out = {}
    for section in lever_sections():
        for spec in section.fields:
            if spec.path in texts:
                value, error = check_lever(base, spec, texts[spec.path])
                if error is None and value != _value_of(base, spec.path):
                    out[spec.path] = value
    return out


def lever_errors(base: Scenario, texts: dict[str, Any]) -> dict[str, str]:
    """Every lever whose typed value is not allowed, with its one-line message."""
    specs = {s.path: s for section in lever_sections() for s in section.fields}
    overrides = parsed_overrides(base, texts)
    errors = {}
    for path, text in texts.items():
        others = {p: v for p, v in overrides.items() if p != path}
        _, error = check_lever(base, specs[path], text, others)
        if error:
            errors[path] = error
    return errors


@solara.component
def LeverSectionPanel(section: LeverSection, base: Scenario, texts: dict[str, Any], on_text: Callable[[str, Any], None]):
    changed = [s.path for s in section.fields if s.path in texts]
    summary = section.label[0].upper() + section.label[1:] + (f" ({len(changed)} changed)" if changed else "")
    with solara.Details(summary=summary, expand=section.name in ("sla", "sdr_ownership_and_motion")):
        for spec in section.fields:
            LeverInput(spec, base, texts, on_text)


# ----------------------------------------------------------------------------- designs


def new_design(source: str) -> dict[str, Any]:
    return {"source": source, "file": "", "name": "", "texts": {}}


def design_choice(design: dict[str, Any]) -> DesignChoice:
    """The :class:`DesignChoice` a design editor's state stands for (``ScenarioError`` if it is not one)."""
    source = design["file"] if design["source"] == FILE_CHOICE else design["source"]
    base = load_source(source)
    errors = lever_errors(base, design["texts"])
    if errors:
        path, message = next(iter(errors.items()))
        raise OrgsimError(f"{message}{f' (and {len(errors) - 1} more)' if len(errors) > 1 else ''}")
    overrides = tuple(parsed_overrides(base, design["texts"]).items())
    return DesignChoice(source, design["name"], overrides)


@solara.component
def DesignEditor(index: int, design: dict[str, Any], on_change: Callable[[Callable[[dict], dict]], None], on_remove: Callable[[], None] | None):
    """Pick a preset or a scenario file, name the design, and change its levers."""

    # Updates are functions of the latest state, not of this render's: two quick edits in a
    # row (type, Enter, type, Enter) must both be kept.
    def update(**changes):
        on_change(lambda d: {**d, **changes})

    def set_text(path: str, value: Any):
        on_change(lambda d: {**d, "texts": {**d["texts"], path: value}})

    base: Scenario | None = None
    source_error = None
    try:
        base = load_source(design["file"] if design["source"] == FILE_CHOICE else design["source"])
    except OrgsimError as exc:
        source_error = str(exc)
    overrides = parsed_overrides(base, design["texts"]) if base is not None else {}
    with solara.Card(f"Design {index + 1}", classes=["orgsim-design"], margin=0):
        with solara.Row():
            solara.Select(label="start from", values=[*source_choices(), FILE_CHOICE], value=design["source"],
                          on_value=lambda v: update(source=v, texts={}))
            solara.InputText(label="name", value=design["name"], on_value=lambda v: update(name=v),
                             placeholder=default_name(base.name, bool(overrides)) if base is not None else "",
                             message="results are labelled by it")
            if on_remove is not None:
                solara.Button("remove", on_click=on_remove, text=True)
        if design["source"] == FILE_CHOICE:
            solara.InputText(label="scenario file (.yaml)", value=design["file"], on_value=lambda v: update(file=v, texts={}),
                             error=source_error or False, message="a path on the server, e.g. scenarios/sla.yaml or my_design.yaml",
                             classes=["orgsim-file"])
        else:
            ErrorLine(source_error)
        if base is not None:
            with solara.Column(gap="2px"):
                solara.Text(base.description, style={"font-size": "0.85em", "color": "#444"})
                if overrides:
                    solara.Text("changed: " + ", ".join(f"{p} = {v}" for p, v in overrides.items()),
                                style={"font-size": "0.85em", "font-weight": "bold"})
            with solara.Details(summary="Levers", expand=index == 0):
                for section in lever_sections():
                    LeverSectionPanel(section, base, design["texts"], set_text)


# ----------------------------------------------------------------------------- runs


@solara.component
def JobProgress(job: CompareJob, on_finished: Callable[[], None]):
    """A running comparison's progress bar, its count of runs, and Cancel; polls the job."""
    tick, set_tick = solara.use_state(0)
    # The hand-over happens once per job: the poll thread and a redraw may both see the job
    # finished, and a second page redraw a moment later could land while the user is typing.
    # (The job's number, not a flag: this component's state may be reused for another job.)
    handed_over = solara.use_ref(None)
    lock = solara.use_memo(threading.Lock, [job.number])

    def hand_over():
        with lock:
            if handed_over.current == job.number:
                return
            handed_over.current = job.number
        on_finished()

    def poll(cancel: threading.Event):
        while not job.finished and not cancel.is_set():
            time.sleep(0.25)
            set_tick(lambda t: t + 1)
        if not cancel.is_set():
            hand_over()

    solara.use_thread(poll, dependencies=[job.number], intrusive_cancel=False)

    def finished_when_drawn():  # a redraw that finds the job finished hands over too (never stuck on the bar)
        if job.finished:
            hand_over()

    solara.use_effect(finished_when_drawn, [job.finished])
    with solara.Column(classes=["orgsim-progress"]):
        solara.ProgressLinear(value=100 * job.fraction if job.status == "running" else True)
        phase = {"running": f"{job.done} of {job.total} runs", "writing": "writing the results folder", "explaining": "explaining the differences"}
        with solara.Row():
            solara.Text(f"{job.title}: {phase.get(job.status, job.status)} ({time.monotonic() - job.started:.0f} s)",
                        classes=["orgsim-progress-text"])
            solara.Button("Cancel", on_click=job.cancel, color="error", outlined=True, classes=["orgsim-cancel"])


@solara.component
def ResultsPanel(view: ResultsView, download_charts: bool = False, scratch=None):
    """A results folder as the command line shows it: the table, the charts, the mechanisms, downloads."""
    images = solara.use_memo(view.chart_images, [view])
    with solara.Column(classes=["orgsim-results"]):
        solara.Markdown(f"**{view.subtitle}**  \nfolder: `{view.folder}`")
        failures = view.failures()
        if len(failures):
            ErrorLine(f"{len(failures)} runs failed and are left out: " + "; ".join(sorted(set(map(str, failures['error']))))[:300])
        if view.kind == "compare":
            headline = headline_text(view)
            solara.Text(headline, classes=["orgsim-headline"], style={"font-size": "1.1em", "font-weight": "bold"})
        with solara.Row():
            solara.FileDownload(lambda: view.zip_bytes(write_charts=download_charts), filename=f"{view.folder.name}.zip",
                                label="Download the results folder (zip)", mime_type="application/zip")
            if scratch is not None:
                solara.FileDownload(lambda: view.report_html(scratch), filename=f"{view.folder.name}-report.html",
                                    label="Download the HTML report", mime_type="text/html")
        table = view.table()
        with solara.Details(summary="Means with 95% intervals and paired differences (the table orgsim compare prints)", expand=True):
            solara.DataFrame(table, items_per_page=max(10, len(table)))
        for image in images:
            with solara.Column(classes=["orgsim-chart"]):
                solara.Markdown(f"#### {image.title}\n{image.caption}")
                solara.Image(image.png, width="900px", classes=[f"orgsim-chart-{image.name}"])
        for m in view.mechanisms():
            with solara.Details(summary=f"How {m.label} is expected to act, and what the runs show", expand=False):
                solara.Markdown("\n\n".join([f"*{m.description}*", *m.chains, m.observed, *m.explained]))


def headline_text(view: ResultsView) -> str:
    """Bookings of each design against the baseline, with the paired interval (first line of the page)."""
    diffs = view.results.frames["differences"]
    baseline = view.context()["baseline"]
    parts = []
    for name in view.context()["designs"]:
        mean = view.outcome_value(name, "bookings")
        text = f"{plots.design_label(name)}: bookings {plots.format_value(mean, 'bookings')}"
        row = diffs[(diffs["scenario"] == name) & (diffs["outcome"] == "bookings")] if len(diffs) else diffs
        if name != baseline and len(row):
            r = row.iloc[0]
            text += (f" ({plots.format_value(r['difference'], 'bookings', True)} vs {plots.design_label(baseline)}, 95% CI "
                     f"{plots.format_value(r['ci_low'], 'bookings', True)} to {plots.format_value(r['ci_high'], 'bookings', True)})")
        parts.append(text)
    return "; ".join(parts)


# ----------------------------------------------------------------------------- watch


def watch_figure(snapshot) -> Figure:
    """Lead stages, trust both ways, and bookings so far, day by day (a pyplot-free figure)."""
    fig = Figure(figsize=(11, 3.4), layout="constrained")
    axes = fig.subplots(1, 3)
    daily = snapshot.daily
    days = daily["day"] + 1 if len(daily) else []
    # the open stages by what they hold: SAL = accepted and being worked, SQL = open opportunities
    labels = {"mql": "MQL waiting", "sal": "being worked", "sql": "open opportunity", "won": "won",
              "rejected": "rejected", "never_worked": "never worked"}
    for stage, label in labels.items():
        axes[0].plot(days, daily[f"stage_{stage}"] if len(daily) else [], label=label)
    axes[0].set_title("Leads in each stage")
    axes[0].legend(fontsize=7, ncols=2)
    axes[1].plot(days, daily["trust_sales_in_marketing"] if len(daily) else [], label="sales in marketing")
    axes[1].plot(days, daily["trust_marketing_in_sales"] if len(daily) else [], label="marketing in sales")
    axes[1].set_ylim(0, 1)
    axes[1].set_title("Trust each way")
    axes[1].legend(fontsize=7)
    axes[2].plot(days, daily["bookings_cumulative"] / 1e6 if len(daily) else [], color="#2a7")
    axes[2].set_title("Bookings so far ($M)")
    for ax in axes:
        ax.set_xlim(0, snapshot.horizon)
        ax.set_xlabel("working day")
    return fig
