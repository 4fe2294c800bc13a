"""The dashboard's logic without a browser: lever widgets from the scenario's fields, jobs in
worker processes (progress, cancel, failures, separate sessions), results folders, the
stepped run, and the Solara components rendered with solara's test utilities."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import run
from simulation.dashboard.fields import DesignChoice, check_horizon, check_lever, field_spec, lever_sections
from simulation.dashboard.jobs import CompareJob, Session
from simulation.dashboard.results import ResultsView
from simulation.dashboard.watch import WatchedRun
from simulation.errors import OrgsimError, ScenarioError
from simulation.levers import LEVER_GROUPS, group_of, leaf_fields
from simulation.scenario import Scenario, load_scenario

DAYS = 60
SMALL = {"market.n_accounts": 3000}

NUMERIC = [f for s in lever_sections() for f in s.fields if f.kind in ("int", "float")]


# ----------------------------------------------------------------------------- lever widgets


def test_the_widgets_are_exactly_the_lever_groups_fields():
    shown = [f.path for s in lever_sections() for f in s.fields]
    assert len(shown) == len(set(shown))
    named = {g.name for g in LEVER_GROUPS}
    expected = [p for p in leaf_fields() if group_of(p) in named]
    assert sorted(shown) == sorted(expected)
    assert "sla.first_touch_hours" in shown and "sdr.headcount" in shown
    assert "behaviour.trust_learning_rate" not in shown  # an uncertainty, not a lever


def test_a_widget_carries_its_fields_bounds_unit_and_description():
    spec = field_spec("sla.first_touch_hours")
    info = Scenario.model_fields["sla"].annotation.model_fields["first_touch_hours"]
    assert (spec.kind, spec.gt, spec.le, spec.unit) == ("float", 0, 2000, "calendar hours")
    assert spec.description == info.description
    assert spec.allowed() == "a number, > 0 and <= 2000"
    assert field_spec("sdr.headcount").kind == "int" and field_spec("sdr.headcount").unit.startswith("people")
    # Units come from docs/model.md's parameter table (simulation.validation.UNITS), not from names.
    from simulation.validation import UNITS

    assert field_spec("marketing.volume_pay_cap").unit == UNITS["marketing.volume_pay_cap"] == "multiple of target"
    assert field_spec("sdr.motion").unit == ""
    assert field_spec("sdr.motion").choices == ("inbound", "outbound", "both")


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(NUMERIC), st.sampled_from(["ge", "gt", "le", "lt"]))
def test_a_value_past_a_bound_is_refused_and_the_bound_itself_follows_the_field(spec, side):
    """Whatever the field, the widget's check agrees with the field's own bound: no range written twice."""
    bound = getattr(spec, side)
    if bound is None:
        return
    base = Scenario()
    step = 1 if spec.kind == "int" else max(abs(bound) * 1e-6, 1e-6)
    outside = bound - step if side in ("ge", "gt") else bound + step
    value, error = check_lever(base, spec, str(outside))
    assert value is None and spec.name in error, error  # refused, naming the field (its range, or a rule across fields)
    value, error = check_lever(base, spec, str(bound))
    range_refused = error is not None and error.startswith(f"{spec.path} = ") and ": must be" in error
    assert range_refused == (side in ("gt", "lt")), error  # an inclusive bound is allowed, an exclusive one is not


def test_bad_text_is_one_line_naming_the_field():
    base = load_scenario("sla")
    assert check_lever(base, field_spec("sla.first_touch_hours"), "4") == (4.0, None)
    _, error = check_lever(base, field_spec("sla.first_touch_hours"), "soon")
    assert error == "sla.first_touch_hours = 'soon': not a number; allowed: a number, > 0 and <= 2000"
    _, error = check_lever(base, field_spec("sdr.headcount"), "2.5")
    assert error == "sdr.headcount = 2.5: must be a whole number"
    _, error = check_lever(base, field_spec("marketing.brand_share"), "0.95")  # the scenario's own cross-field rule
    assert error == "marketing: brand_share + enablement_share must be at most 1"
    assert check_horizon("0") == (None, "horizon_days = 0: must be >= 1")
    assert "\n" not in error


def test_a_changed_design_gets_its_own_name_and_a_bad_file_is_one_line(tmp_path):
    design = DesignChoice("sla", overrides=(("sla.first_touch_hours", 4.0), ("sdr.headcount", 12))).build()
    assert (design.name, design.sla.first_touch_hours, design.sdr.headcount) == ("sla_edited", 4.0, 12)
    assert DesignChoice("sla").build() == load_scenario("sla")
    with pytest.raises(ScenarioError, match=r"name = 'a b'"):
        DesignChoice("sla", name="a b").build()
    roadmap = DesignChoice("roadmap: separate_to_sla_q3", overrides=(("sdr.headcount", 12),)).build()  # a shipped roadmap
    assert roadmap.name == "separate_to_sla_q3_edited" and roadmap.timeline and roadmap.sdr.headcount == 12
    with pytest.raises(ScenarioError, match="not a shipped roadmap"):
        DesignChoice("roadmap: nope").build()
    broken = tmp_path / "broken.yaml"
    broken.write_text("sla: {first_touch_hours: -1}\n")
    with pytest.raises(ScenarioError, match=r"broken.yaml: sla.first_touch_hours = -1"):
        DesignChoice(str(broken)).build()


# ----------------------------------------------------------------------------- jobs and results


def _designs():
    sla = load_scenario("sla").with_overrides({**SMALL, "name": "sla_4h", "sla.first_touch_hours": 4.0, "sdr.headcount": 12})
    return [sla, load_scenario("separate_targets").with_overrides(SMALL)]


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    s = Session(tmp_path_factory.mktemp("sessions"))
    s.workers = 2
    yield s
    s.close()


@pytest.fixture(scope="module")
def finished(session):
    progress = []
    job = session.submit(_designs(), "separate_targets", replications=2, days=DAYS)
    while not job.finished:
        progress.append(job.done)
        time.sleep(0.02)
    return job, progress


def test_a_job_runs_compare_in_workers_and_writes_the_cli_folder(finished):
    job, progress = finished
    assert job.status == "done", job.error
    assert (job.done, job.total) == (4, 4)
    assert progress == sorted(progress) and progress[0] < 4
    for name in ("runs.csv", "summary.parquet", "differences.csv", "daily.parquet", "meta.json", "designs/sla_4h.yaml"):
        assert (job.folder / name).exists(), name
    # the same numbers as the public API on the same seeds
    direct = run(_designs()[0], seed=int(job.result.runs["seed"].iloc[0]), days=DAYS)
    first = job.result.runs[(job.result.runs["scenario"] == "sla_4h") & (job.result.runs["replication"] == 0)]
    assert float(first["bookings"].iloc[0]) == pytest.approx(float(direct.summary["bookings"].iloc[0]))


def test_the_results_view_shows_the_cli_table_charts_and_downloads(finished, tmp_path):
    job, _ = finished
    view = ResultsView.open(job.folder)
    table = view.table()
    row = table[(table["design"] == "sla_4h") & (table["outcome"] == "bookings")].iloc[0]
    assert row["vs separate_targets [95% CI]"].count("[") == 1
    mean = job.result.summary.query("scenario == 'sla_4h' and outcome == 'bookings'")["mean"].iloc[0]
    assert view.outcome_value("sla_4h", "bookings") == pytest.approx(mean)
    with zipfile.ZipFile(io.BytesIO(view.zip_bytes(write_charts=True))) as archive:  # draws the charts once
        files = set(archive.namelist())
    names = [c.name for c in view.chart_images()]
    assert names[:2] == ["differences", "demand_waterfall"] and "pipeline_over_time" in names
    assert all(c.png.startswith(b"\x89PNG") for c in view.chart_images())
    assert f"{job.folder.name}/runs.csv" in files and f"{job.folder.name}/charts/differences.svg" in files
    html = view.report_html(tmp_path)
    assert html.startswith(b"<!DOCTYPE html") or b"<html" in html[:400]
    assert not (job.folder / "report.html").exists()  # the report is built aside, the folder stays as written
    assert any("4 hours" in " ".join(m.chains) for m in view.mechanisms())


def test_sessions_are_apart(session, finished, tmp_path):
    other = Session(tmp_path)
    assert other.jobs == [] and other.folder != session.folder
    assert not list(other.folder.iterdir())
    other.close()
    assert not other.folder.exists()


def test_cancel_stops_the_runs_and_keeps_the_other_jobs(session, finished):
    job = session.submit(_designs(), "separate_targets", replications=20, days=400)
    time.sleep(0.5)
    job.cancel()
    assert job.wait(30)
    assert job.status == "cancelled" and job.done < 40
    assert "cancelled after" in job.error and not job.folder.exists()
    assert finished[0].status == "done" and finished[0].folder.exists()
    # a fresh pool after a cancel; and orgsim explain's sentences when asked for
    again = session.submit(_designs(), "separate_targets", replications=2, days=20, explain=True)
    assert again.wait(120) and again.status == "done", again.error
    assert (again.folder / "explain.json").exists()
    explained = {m.design: m.explained for m in ResultsView.open(again.folder).mechanisms()}
    assert explained["sla_4h"][0].startswith("Bookings:") and explained["separate_targets"] == ()


def test_a_failed_job_shows_its_error_and_the_session_goes_on(session, finished, tmp_path):
    job = CompareJob(99, _designs(), "separate_targets", 2, 0, DAYS, tmp_path / "x", run_timeout=1e-4, workers=1)
    job.start().wait(60)
    assert job.status == "failed" and job.error.startswith("every run failed, nothing to show: RunTimeout")
    assert finished[0].status == "done"


def test_a_comparison_that_cannot_run_is_refused_before_anything_starts(session):
    before = len(session.jobs)
    with pytest.raises(OrgsimError, match="baseline 'nope'"):
        session.submit(_designs(), "nope", replications=2)
    with pytest.raises(OrgsimError, match="replications = 1: must be at least 2"):
        session.submit(_designs(), "separate_targets", replications=1)
    with pytest.raises(OrgsimError, match="the dashboard runs at most"):
        session.submit(_designs(), "separate_targets", replications=5000)
    assert len(session.jobs) == before


def test_opening_a_folder_that_is_not_one_is_one_line(tmp_path):
    with pytest.raises(OrgsimError, match="no such results folder"):
        ResultsView.open(tmp_path / "missing")
    with pytest.raises(OrgsimError, match="not an orgsim compare or sweep folder"):
        ResultsView.open(tmp_path)


# ----------------------------------------------------------------------------- the stepped run


def test_a_watched_run_stepped_to_the_end_is_the_run():
    scenario = load_scenario("sla").with_overrides(SMALL)
    watched = WatchedRun(scenario, seed=5, days=DAYS)
    first = watched.step(1)
    assert (first.day, first.quarter) == (1, 1)
    assert watched.step_quarter().day == DAYS  # a quarter is 63 days: stops at the horizon
    end = watched.snapshot()
    direct = run(scenario, seed=5, days=DAYS).summary.iloc[0]
    assert end.finished and end.bookings == pytest.approx(direct["bookings"])
    assert end.median_speed_to_lead_hours == pytest.approx(direct["median_speed_to_lead_hours"], nan_ok=True)
    assert end.trust_sales_in_marketing == pytest.approx(direct["trust_sales_in_marketing"])
    assert watched.step(5).day == DAYS  # never past the horizon
    again = watched.reset()
    assert again.day == 0 and watched.step(1).stages == first.stages  # same seed: the same day


def test_snapshots_read_while_another_thread_plays_are_whole_days():
    """The page reads snapshots while the play thread steps (a torn read once broke the page)."""
    import threading
    import time

    watched = WatchedRun(load_scenario("sla").with_overrides(SMALL), seed=2, days=40)

    def play():  # a day at a time, as the page's play thread steps; the pause gives the reader a turn however fast a day is
        for _ in range(40):
            watched.step(1)
            time.sleep(0.002)

    player = threading.Thread(target=play)
    player.start()
    seen = []
    while player.is_alive():
        snap = watched.snapshot()
        assert len(snap.daily) == snap.day
        seen.append(snap.day)
    player.join()
    assert watched.snapshot().day == 40 and len(set(seen)) > 1


# ----------------------------------------------------------------------------- components (solara's test utilities)

solara = pytest.importorskip("solara")


def test_the_lever_editor_shows_an_out_of_range_value_beside_its_widget():
    import ipyvuetify as v

    from simulation.dashboard.components import DesignEditor, new_design

    state = {"design": {**new_design("sla"), "texts": {"sla.first_touch_hours": "0", "sdr.headcount": "12"}}}

    @solara.component
    def Harness():
        design, set_design = solara.use_state(state["design"])
        DesignEditor(0, design, lambda edit: set_design(edit), None)

    box, rc = solara.render(Harness(), handle_error=False)
    touch = rc.find(v.TextField, label="sla.first_touch_hours (calendar hours)").widget
    assert touch.error is True and touch.messages == ["sla.first_touch_hours = 0.0: must be > 0.0"]
    headcount = rc.find(v.TextField, label="sdr.headcount (people (SDRs or agency SDR-equivalents))").widget
    assert headcount.error is False and headcount.v_model == "12"
    rc.find(v.Html, children=["changed: sdr.headcount = 12"]).assert_single()
    touch.v_model = "4"  # the user fixes it and presses Enter: the error goes, the change is listed
    touch.fire_event("keyup.enter", None)
    touch = rc.find(v.TextField, label="sla.first_touch_hours (calendar hours)").widget
    assert touch.error is False
    rc.find(v.Html, children=["changed: sla.first_touch_hours = 4.0, sdr.headcount = 12"]).assert_single()
    rc.close()


def test_a_results_folder_given_on_start_is_shown_and_a_bad_one_is_refused(finished, session, tmp_path, capsys):
    import ipywidgets

    from simulation.cli import main
    from simulation.dashboard.app import ResultsFolderPage

    box, rc = solara.render(ResultsFolderPage(session, str(finished[0].folder)), handle_error=False)
    images = rc.find(ipywidgets.Image)
    assert len(images) >= 5 and all(bytes(w.value[:4]) == b"\x89PNG" for w in images.widgets)  # the charts, no rerun
    rc.close()
    assert main(["dashboard", "--results", str(tmp_path / "missing"), "--no-browser"]) == 2  # before any server starts
    assert capsys.readouterr().err.strip() == f"orgsim: {tmp_path / 'missing'}: no such results folder"


def test_the_dashboard_command_without_solara_names_the_extra(tmp_path):
    blocker = tmp_path / "solara.py"
    blocker.write_text("raise ImportError('no solara here')\n")
    done = subprocess.run([sys.executable, "-m", "simulation.cli", "dashboard", "--no-browser"], capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == 'orgsim: the dashboard needs the optional extra: pip install -e ".[dashboard]"'
