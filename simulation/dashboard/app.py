"""The orgsim dashboard, a Solara app: compare designs, watch one run, open a results folder.

Served by ``orgsim dashboard`` (``solara run simulation.dashboard.app`` works too). Every
browser session gets its own :class:`~simulation.dashboard.jobs.Session` (its runs, in its
own folder), so two users never see each other's runs. The folder given with
``--results DIR`` is opened on the *Results folder* tab when the page loads
(``ORGSIM_DASHBOARD_RESULTS`` carries it to the app).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path

import solara
import solara.lab

from ..errors import OrgsimError
from ..scenario import PRESETS
from .components import (
    FILE_CHOICE,
    DesignEditor,
    ErrorLine,
    JobProgress,
    ResultsPanel,
    design_choice,
    new_design,
    watch_figure,
)
from .fields import check_horizon, field_spec, load_source, source_choices
from .jobs import Session
from .results import ResultsView
from .watch import WatchedRun

RESULTS_ENV = "ORGSIM_DASHBOARD_RESULTS"
ROOT_ENV = "ORGSIM_DASHBOARD_ROOT"
DEFAULT_REPLICATIONS = 8

_root_lock = threading.Lock()
_root: Path | None = None


def sessions_root() -> Path:
    """Where sessions keep their runs: ``$ORGSIM_DASHBOARD_ROOT`` or one temporary folder per server."""
    global _root
    with _root_lock:
        if _root is None:
            given = os.environ.get(ROOT_ENV)
            if given:
                _root = Path(given)
                _root.mkdir(parents=True, exist_ok=True)
            else:  # the server's own: removed when it stops
                _root = Path(tempfile.mkdtemp(prefix="orgsim-dashboard-"))
                atexit.register(shutil.rmtree, _root, True)
        return _root


def _whole(text: str, what: str, minimum: int) -> tuple[int | None, str | None]:
    try:
        value = int(str(text).strip())
    except ValueError:
        return None, f"{what} = {str(text)[:30]!r}: must be a whole number, at least {minimum}"
    if value < minimum:
        return None, f"{what} = {value}: must be at least {minimum}"
    return value, None


# ----------------------------------------------------------------------------- compare


@solara.component
def ComparePage(session: Session):
    designs, set_designs = solara.use_state([new_design("sla"), new_design("separate_targets")])
    baseline, set_baseline = solara.use_state("separate_targets")
    replications, set_replications = solara.use_state(str(DEFAULT_REPLICATIONS))
    days, set_days = solara.use_state("")
    seed, set_seed = solara.use_state("0")
    explain, set_explain = solara.use_state(False)
    run_error, set_run_error = solara.use_state("")
    shown, set_shown = solara.use_state(0)  # the job whose results are shown
    version, set_version = solara.use_state(0)  # bumped when a job finishes

    def change(i: int):
        def update(edit):
            set_run_error("")
            set_designs(lambda ds: [edit(x) if k == i else x for k, x in enumerate(ds)])

        return update

    def remove(i: int):
        return lambda: set_designs(lambda ds: [x for k, x in enumerate(ds) if k != i])

    names, problems = [], []
    for i, d in enumerate(designs):
        try:
            names.append(design_choice(d).build().name)
        except OrgsimError as exc:
            names.append(None)
            problems.append(f"design {i + 1}: {exc}")
    valid_names = [n for n in names if n]
    reps_value, reps_error = _whole(replications, "replications", 2)
    seed_value, seed_error = _whole(seed, "seed", 0)
    days_value, days_error = check_horizon(days) if days.strip() else (None, None)

    problems += [e for e in (reps_error, seed_error, days_error) if e]

    def run():
        set_run_error("")
        try:
            if problems:
                raise OrgsimError(problems[0])
            scenarios = [design_choice(d).build() for d in designs]
            base = baseline if baseline in {s.name for s in scenarios} else scenarios[-1].name
            job = session.submit(scenarios, base, reps_value, seed_value, days_value, explain)
        except OrgsimError as exc:
            set_run_error(str(exc))
            return
        set_shown(job.number)

    with solara.Columns([5, 7]):
        with solara.Column():
            solara.Markdown("### Designs\nStart from a preset or a scenario file; change its levers (each widget is a field of the "
                            "scenario, with its unit, range and description).")
            for i, d in enumerate(designs):
                DesignEditor(i, d, change(i), remove(i) if len(designs) > 2 else None)
            solara.Button("add a design", on_click=lambda: set_designs([*designs, new_design(PRESETS[len(designs) % len(PRESETS)])]),
                          text=True, icon_name="mdi-plus")
            with solara.Card("Run", margin=0):
                solara.Select(label="baseline", values=valid_names or [baseline],
                              value=baseline if baseline in valid_names else (valid_names[-1] if valid_names else baseline),
                              on_value=set_baseline)
                with solara.Row():
                    solara.InputText("replications", value=replications, on_value=set_replications, error=reps_error or False,
                                     message="runs per design, on the same seeds (at least 2)", classes=["orgsim-replications"])
                    solara.InputText("horizon (working days)", value=days, on_value=set_days, error=days_error or False,
                                     message=f"blank: each design's own ({field_spec('horizon_days').description}; "
                                             f"{field_spec('horizon_days').allowed()})", classes=["orgsim-days"])
                    solara.InputText("seed", value=seed, on_value=set_seed, error=seed_error or False, message="root seed")
                solara.Checkbox(label="explain the differences by lever group (orgsim explain: more runs)", value=explain,
                                on_value=set_explain)
                solara.Button("Run", on_click=run, color="primary", classes=["orgsim-run"])
                # what stops a run, live (each widget shows its own line too), or why the last Run was refused
                ErrorLine(run_error or (problems[0] if problems else None), ["orgsim-run-error"])
        with solara.Column():
            RunsPanel(session, shown, set_shown, version, lambda: set_version(lambda v: v + 1))


@solara.component
def RunsPanel(session: Session, shown: int, set_shown, version: int, on_finished):
    running = [j for j in session.jobs if not j.finished]
    for job in running:
        JobProgress(job, on_finished)
    finished = [j for j in session.jobs if j.finished]
    if finished:
        with solara.Details(summary=f"This session's runs ({len(finished)})", expand=True):
            for job in reversed(finished):
                with solara.Row(classes=["orgsim-job", f"orgsim-job-{job.status}"]):
                    secs = f", {job.seconds:.1f} s" if job.seconds is not None else ""
                    solara.Text(f"{job.title}: {job.status}{secs}")
                    if job.status == "done":
                        solara.Button("show", on_click=lambda j=job: set_shown(j.number), text=True, disabled=job.number == shown)
                ErrorLine(job.error)
    job = next((j for j in session.jobs if j.number == shown), None)
    done = job is not None and job.status == "done"
    view = solara.use_memo(lambda: ResultsView.open(job.folder) if done else None, [shown, done, version])
    if view is not None:
        ResultsPanel(view, download_charts=True, scratch=session.folder / "reports")
    elif not session.jobs:
        solara.Markdown("Press **Run** to compare the designs on common random numbers: means with 95% intervals, "
                        "paired differences against the baseline, and the charts `orgsim compare` writes.")


# ----------------------------------------------------------------------------- watch one run


@solara.component
def WatchPage():
    source, set_source = solara.use_state("sla")
    file, set_file = solara.use_state("")
    seed, set_seed = solara.use_state("0")
    days, set_days = solara.use_state("")
    playing, set_playing = solara.use_state(False)
    tick, set_tick = solara.use_state(0)
    error = None
    spec = source if source != FILE_CHOICE else file
    seed_value, seed_error = _whole(seed, "seed", 0)
    days_value, days_error = check_horizon(days) if days.strip() else (None, None)
    lock = solara.use_memo(threading.Lock, [])

    def build():
        if seed_error or days_error:
            return None, seed_error or days_error
        try:
            return WatchedRun(load_source(spec), seed=seed_value, days=days_value), None
        except OrgsimError as exc:
            return None, str(exc)

    watched, error = solara.use_memo(build, [spec, seed_value, days_value, seed_error, days_error])

    def step(n: int | str):
        if watched is None:
            return
        with lock:
            watched.step_quarter() if n == "quarter" else watched.step(n)
        set_tick(lambda t: t + 1)

    def reset():
        set_playing(False)
        if watched is not None:
            with lock:
                watched.reset()
        set_tick(lambda t: t + 1)

    def play(cancel: threading.Event):
        import time

        # A day at a time, with the page redrawn about twice a second (a redraw costs more than a day).
        shown = time.monotonic()
        while playing and watched is not None and watched.day < watched.horizon and not cancel.is_set():
            with lock:
                watched.step(1)
            if time.monotonic() - shown > 0.5:
                set_tick(lambda t: t + 1)
                shown = time.monotonic()
        set_tick(lambda t: t + 1)
        if watched is not None and watched.day >= watched.horizon:
            set_playing(False)

    solara.use_thread(play, dependencies=[playing, watched], intrusive_cancel=False)  # never stopped mid-day

    solara.Markdown("### Watch one run\nOne run of a design, day by day, as `orgsim run` simulates it (same design and seed: the same days).")
    with solara.Row():
        solara.Select(label="design", values=[*source_choices(), FILE_CHOICE], value=source, on_value=set_source)
        if source == FILE_CHOICE:
            solara.InputText("scenario file (.yaml)", value=file, on_value=set_file, error=error or False)
        solara.InputText("seed", value=seed, on_value=set_seed, error=seed_error or False)
        solara.InputText("horizon (working days)", value=days, on_value=set_days, error=days_error or False,
                         message="blank: the design's own", classes=["orgsim-watch-days"])
    if source != FILE_CHOICE and not (seed_error or days_error):
        ErrorLine(error)
    if watched is None:
        return
    snap = watched.snapshot()
    with solara.Row():
        solara.Button("Pause" if playing else "Play", on_click=lambda: set_playing(not playing), color="primary",
                      classes=["orgsim-play"], disabled=snap.finished)
        solara.Button("Step a day", on_click=lambda: step(1), classes=["orgsim-step"], disabled=playing or snap.finished)
        solara.Button("Step a quarter", on_click=lambda: step("quarter"), classes=["orgsim-step-quarter"], disabled=playing or snap.finished)
        solara.Button("Reset", on_click=reset, classes=["orgsim-reset"])
    from .. import plots

    speed = "n/a" if snap.median_speed_to_lead_hours != snap.median_speed_to_lead_hours else plots.format_value(snap.median_speed_to_lead_hours, "median_speed_to_lead_hours")
    solara.Markdown(
        f"**Day {snap.day} of {snap.horizon}** (quarter {snap.quarter}) · bookings so far "
        f"{plots.format_value(snap.bookings, 'bookings')} · pipeline created {plots.format_value(snap.pipeline_created, 'pipeline_created')} · "
        f"median speed to lead {speed} · trust of sales in marketing {snap.trust_sales_in_marketing:.2f}, "
        f"of marketing in sales {snap.trust_marketing_in_sales:.2f}",
        style={"font-size": "1.05em"},
    )
    solara.Text(f"day {snap.day}", classes=["orgsim-watch-day"], style={"display": "none"})
    solara.Markdown("Leads in each stage now: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in snap.stages.items()))
    solara.FigureMatplotlib(watch_figure(snap), format="png", dependencies=[tick, snap.day, id(watched)])


# ----------------------------------------------------------------------------- results folder


@solara.component
def ResultsFolderPage(session: Session, initial: str = ""):
    path, set_path = solara.use_state(initial)
    opened, set_opened = solara.use_state(initial)

    def open_view():
        if not opened:
            return None, None
        try:
            view = ResultsView.open(opened)
            view.table()  # read everything now: a damaged folder is one line here, not a broken page
            return view, None
        except OrgsimError as exc:
            return None, str(exc)
        except Exception as exc:  # a folder this version cannot read (older or damaged files)
            return None, f"{opened}: cannot show this folder ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"

    view, error = solara.use_memo(open_view, [opened])
    solara.Markdown("### Open a results folder\nA folder written by `orgsim compare` or `orgsim sweep`, shown with the same "
                    "charts and table, without rerunning anything.")
    with solara.Row():
        solara.InputText("results folder", value=path, on_value=set_path, error=error or False,
                         message="a path on the server", classes=["orgsim-results-path"])
        solara.Button("Open", on_click=lambda: set_opened(path.strip()), color="primary", classes=["orgsim-open"])
    if view is not None:
        ResultsPanel(view, download_charts=False, scratch=session.folder / "reports")


# ----------------------------------------------------------------------------- the page


@solara.component
def Page():
    session = solara.use_memo(lambda: Session(sessions_root()), [])
    solara.use_effect(lambda: session.close, [])  # the session's runs and folder go when its page closes
    results = os.environ.get(RESULTS_ENV, "")
    tab, set_tab = solara.use_state(2 if results else 0)
    solara.Title("orgsim dashboard")
    with solara.Column(style={"padding": "12px"}):
        solara.Markdown("## orgsim: try a sales and marketing design before you make it")
        with solara.lab.Tabs(value=tab, on_value=set_tab):
            with solara.lab.Tab("Compare designs"):
                ComparePage(session)
            with solara.lab.Tab("Watch one run"):
                WatchPage()
            with solara.lab.Tab("Results folder"):
                ResultsFolderPage(session, results)


__all__ = ["Page"]
