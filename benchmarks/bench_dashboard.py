"""Time from pressing Run to the charts on the page in ``orgsim dashboard``.

Starts the real dashboard on a free port, opens it in headless Chromium (Debian's
``chromium``, driven by Playwright), keeps the page's two default designs (``sla`` against
``separate_targets``), sets the replications and horizon, presses Run and waits for the
paired-differences chart. Prints one line per repeat. Needs ``pip install -e ".[test]"``.

    python benchmarks/bench_dashboard.py                      # 2 designs x 8 replications, default horizon
    python benchmarks/bench_dashboard.py --replications 2 --days 90 --repeats 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--days", type=int, default=None, help="horizon (default: each design's own, 504 working days)")
    parser.add_argument("--repeats", type=int, default=1, help="Runs pressed one after another on the same page")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = tempfile.mkdtemp(prefix="bench-dashboard-")
    server = subprocess.Popen([sys.executable, "-m", "simulation.cli", "dashboard", "--port", str(port), "--no-browser"],
                              cwd=REPO, env={**os.environ, "ORGSIM_DASHBOARD_ROOT": root},
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(root, "server.log"), "w"),
                              start_new_session=True)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.set_default_timeout(300_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_text("Design 1", exact=True).wait_for()
            for label, value in (("replications", str(args.replications)), ("horizon (working days)", str(args.days or ""))):
                field = page.get_by_label(label, exact=True)
                field.fill(value)
                field.press("Enter")
            time.sleep(1)  # let the page settle (and the session's worker pool start) as a user would
            for k in range(args.repeats):
                charts = page.locator(".orgsim-chart-differences")
                before = page.locator(".orgsim-job-done").count()
                started = time.perf_counter()
                page.locator(".orgsim-run").click()
                try:
                    page.locator(".orgsim-job-done").nth(before).wait_for()
                except Exception:
                    page.screenshot(path=os.path.join(tempfile.gettempdir(), "bench_dashboard_stuck.png"), full_page=True)
                    raise
                charts.first.wait_for()
                seconds = time.perf_counter() - started
                horizon = args.days or 504
                print(f"run {k + 1}: 2 designs x {args.replications} replications, {horizon} working days: "
                      f"{seconds:.1f} s from Run to charts ({os.cpu_count()} cores)", flush=True)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
        if sys.exc_info()[0] is None:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"server log and session folders kept in {root}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
