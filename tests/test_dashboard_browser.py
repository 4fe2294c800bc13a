"""End-to-end tests of ``orgsim dashboard`` in a real browser.

The real entry point serves the app in a subprocess on a free port; Playwright drives
Debian's ``chromium`` (``/usr/bin/chromium``, installed by ``.ci/run``; Playwright's own
browser download cannot be reached from these machines) headless. One server and one
browser are shared by the module's tests, which run in file order: the comparison test
leaves its results folder for the results-folder test.

Set ``ORGSIM_UPDATE_SCREENSHOT=1`` to write the README's screenshot
(``docs/images/dashboard.png``) from the comparison test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api", reason='the dashboard tests need pip install -e ".[test]"')
pytest.importorskip("solara", reason='the dashboard tests need pip install -e ".[test]"')

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[1]
SCREENSHOT = REPO / "docs" / "images" / "dashboard.png"
TIMEOUT_MS = 90_000  # generous: CI shares two cores with the server, its workers and chromium

if not Path(CHROMIUM).exists():  # .ci/run installs it (and CI must run these tests); a developer's machine may not have it
    if os.environ.get("CI"):
        raise RuntimeError("the dashboard's browser tests need Debian's chromium in CI; .ci/run installs it with apt-get")
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    root = tmp_path_factory.mktemp("dashboard-sessions")
    env = {**os.environ, "ORGSIM_DASHBOARD_ROOT": str(root)}
    log = open(root / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "simulation.cli", "dashboard", "--port", str(port), "--no-browser"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the dashboard exited with {process.returncode}: {(root / 'server.log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.3)
    else:
        pytest.fail("the dashboard did not listen within 60 s")
    yield {"url": url, "root": root}
    if os.environ.get("ORGSIM_DASHBOARD_LOG"):  # debugging: the server's output
        print((root / "server.log").read_text()[-5000:])
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(server, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server["url"])
    page.get_by_text("Design 1", exact=True).wait_for()
    return page


def _set(page, label: str, value: str, nth: int = 0) -> None:
    field = page.get_by_label(label, exact=True).nth(nth)
    field.fill(value)
    field.press("Enter")


def _set_until(page, label: str, value: str, shown: str, tries: int = 3) -> None:
    """Type a lever's value and wait until the page shows ``shown``. Under a loaded CI machine a
    re-render that lands between the browser's fill and its Enter can swap the field for a fresh
    one, so the keystrokes never reach the server (seen once in CI); a user would see their value
    gone and type it again, and so does this helper, at most ``tries`` times."""
    for attempt in range(tries):
        _set(page, label, value)
        try:
            page.get_by_text(shown).wait_for(timeout=TIMEOUT_MS // tries)
            return
        except playwright_api.TimeoutError:
            if attempt == tries - 1:
                raise


def _headline(page) -> str:
    return page.locator(".orgsim-headline").inner_text()


def test_a_lever_out_of_range_is_shown_beside_it(page):
    _set(page, "sla.first_touch_hours (calendar hours)", "0")
    field = page.locator(".v-input", has=page.get_by_label("sla.first_touch_hours (calendar hours)", exact=True)).first
    field.get_by_text("sla.first_touch_hours = 0.0: must be > 0.0").wait_for()
    page.locator(".orgsim-run-error").get_by_text("design 1: sla.first_touch_hours = 0.0: must be > 0.0").wait_for()
    page.locator(".orgsim-run").click()  # refused: nothing runs
    assert page.locator(".orgsim-progress").count() == 0
    _set(page, "sla.first_touch_hours (calendar hours)", "24")  # back to the preset's value: the error goes
    page.locator(".orgsim-run-error").wait_for(state="detached")


def test_compare_two_designs_then_change_levers_and_the_numbers_change(page, server):
    _set(page, "replications", "2")
    _set(page, "horizon (working days)", "90")
    page.locator(".orgsim-run").click()
    page.locator(".orgsim-progress").first.wait_for()  # the progress bar while the runs go
    page.locator(".orgsim-chart-differences").wait_for()
    first = _headline(page)
    assert re.search(r"SLA: bookings \$[\d.]+[KM]? \([+-]\$[\d.]+[KM]? vs Separate targets, 95% CI", first), first
    # the charts the CLI writes, and the CLI's table
    for name in ("differences", "demand_waterfall", "pipeline_over_time", "friction_components", "speed_to_lead"):
        assert page.locator(f".orgsim-chart-{name}").count() == 1, name
    assert page.get_by_text("mean [95% CI]").count() >= 1

    # the SLA's first-touch window and the SDR headcount of design 1 (the example)
    _set_until(page, "sla.first_touch_hours (calendar hours)", "2", "changed: sla.first_touch_hours = 2.0")
    _set_until(page, "sdr.headcount (people (SDRs or agency SDR-equivalents))", "14",
               "changed: sla.first_touch_hours = 2.0, sdr.headcount = 14")
    page.locator(".orgsim-run").click()
    page.locator(".orgsim-headline").get_by_text("SLA edited: bookings").wait_for()
    second = _headline(page)
    assert second != first
    assert page.locator(".orgsim-job-done").count() == 2  # the first run is kept beside the second
    if os.environ.get("ORGSIM_UPDATE_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.get_by_text("orgsim: try a sales and marketing design").scroll_into_view_if_needed()  # the top of the page
        page.screenshot(path=str(SCREENSHOT))


def test_a_second_session_does_not_see_the_first_sessions_runs(server, browser):
    other = browser.new_page()
    other.set_default_timeout(TIMEOUT_MS)
    other.goto(server["url"])
    other.get_by_text("Press Run to compare").wait_for()
    assert other.locator(".orgsim-job").count() == 0
    other.close()


def test_cancel_stops_a_running_comparison(page):
    finished_before = page.locator(".orgsim-job-done").count()
    _set(page, "replications", "40")
    _set(page, "horizon (working days)", "300")
    page.locator(".orgsim-run").click()
    page.locator(".orgsim-cancel").click()
    page.locator(".orgsim-job-cancelled").wait_for()
    page.get_by_text(re.compile(r"cancelled after \d+ of 80 runs")).wait_for()
    assert page.locator(".orgsim-job-done").count() == finished_before  # the finished runs are still there


def test_results_folder_opens_and_a_bad_path_is_one_line(page, server):
    page.get_by_role("tab", name="Results folder").click()
    _set(page, "results folder", "/no/such/folder")
    page.locator(".orgsim-open").click()
    page.get_by_text("/no/such/folder: no such results folder").wait_for()
    folder = next(p for p in server["root"].glob("session-*/compare-1"))
    _set(page, "results folder", str(folder))
    page.locator(".orgsim-open").click()
    page.locator(".orgsim-results .orgsim-chart-demand_waterfall").last.wait_for()


def test_watch_one_run_steps_plays_and_resets(page):
    page.get_by_role("tab", name="Watch one run").click()
    _set(page, "horizon (working days)", "70", nth=1)
    day = page.get_by_text(re.compile(r"^Day \d+ of 70"))
    day.wait_for()
    assert day.inner_text().startswith("Day 0 of 70")
    page.locator(".orgsim-step").click()
    page.get_by_text(re.compile(r"^Day 1 of 70")).wait_for()
    page.locator(".orgsim-step-quarter").click()
    page.get_by_text(re.compile(r"^Day 63 of 70 \(quarter 1\)")).wait_for()
    page.locator(".orgsim-play").click()
    try:
        page.get_by_text(re.compile(r"^Day 70 of 70")).wait_for()  # plays to the end by itself
    except Exception:
        if os.environ.get("ORGSIM_DASHBOARD_LOG"):
            page.screenshot(path="/tmp/orgsim-watch-failure.png", full_page=True)
        raise
    page.locator(".orgsim-reset").click()
    page.get_by_text(re.compile(r"^Day 0 of 70")).wait_for()
