"""``orgsim report``: a self-contained HTML report and a PDF from a compare or a sweep folder.

One tiny comparison (two small-market designs, two replications, a quarter) is run once
through the real ``orgsim compare`` command; the sweep folder uses a cheap stand-in run
function, since what is under test is the report, not the model.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from report_fixtures import fake_run

from simulation import OrgsimError, sweep, sweep_spec_from_dict
from simulation.cli import main
from simulation.report import build_report, load_results_folder

COMPARE_CHARTS = ("differences", "demand_waterfall", "pipeline_over_time", "trust_over_time", "friction_components", "speed_to_lead")


def orgsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("MPLBACKEND", None)  # the command must pick a headless backend by itself
    return subprocess.run([sys.executable, "-m", "simulation.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def assert_one_line_error(proc: subprocess.CompletedProcess, needle: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert needle in proc.stderr


def in_process(capsys, *args: str) -> subprocess.CompletedProcess:
    """``orgsim ARGS`` through the CLI's ``main`` in this process (the same code, no start-up cost)."""
    status = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, status, out.out, out.err)


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory) -> Path:
    """``orgsim compare`` of the baseline preset and a custom small-market SLA design, charts on (the default)."""
    root = tmp_path_factory.mktemp("compare")
    (root / "small_sla.yaml").write_text("base: sla\nmarket:\n  n_accounts: 3000\n")
    proc = orgsim(
        "compare", "separate_targets", "small_sla.yaml", "--replications", "2", "--days", "40", "--workers", "1",
        "--out", "cmp", cwd=root,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return root / "cmp"


def _embedded_images(html: str) -> list[str]:
    return re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)


def test_compare_writes_png_and_svg_charts_by_default(compare_folder):
    written = sorted(p.name for p in (compare_folder / "charts").iterdir())
    assert written == sorted(f"{name}.{ext}" for name in COMPARE_CHARTS for ext in ("png", "svg"))
    assert (compare_folder / "charts" / "speed_to_lead.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (compare_folder / "charts" / "differences.svg").read_text()
    meta = json.loads((compare_folder / "meta.json").read_text())
    assert meta["days"] == 40


def test_report_from_a_compare_folder_is_self_contained_and_has_every_section(compare_folder, tmp_path):
    proc = orgsim("report", str(compare_folder), "--out", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.pdf"), cwd=tmp_path)
    assert "6 charts embedded" in proc.stdout
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    # every chart, embedded
    assert len(_embedded_images(html)) == len(COMPARE_CHARTS)
    for name in COMPARE_CHARTS:
        assert f'id="chart-{name}"' in html
    # no network: no external scripts, styles, images or fonts
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html and "<script" not in html
    # the sections a client needs
    for heading in (
        "The question",
        "levers side by side",
        "Results with 95% intervals",
        "Mechanisms behind the differences",
        "Assumptions and caveats",
        "Defaults that rest on published sources",
        "Defaults that are assumptions",
    ):
        assert heading in html, heading
    assert "Separate targets" in html and "Small SLA" in html  # preset and custom design names, readable
    assert "SLA: first touch within" in html and "24 hours" in html  # the SLA design's lever settings
    assert re.search(r"\[\$[\d.]+[KM]?, \$[\d.]+[KM]?\]", html), "means come with their intervals"
    assert "[-$" not in html.split("Paired differences from")[0], "intervals of means stay within possible values"
    assert "(baseline)" in html
    assert "40 working days" in html  # the horizon actually run (--days), not the scenario's default
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    import pdfplumber

    with pdfplumber.open(tmp_path / "r.pdf") as doc:  # the HTML printed: the summary first, every chart in it
        assert "Executive summary" in doc.pages[0].extract_text()
        text = "\n".join(page.extract_text() for page in doc.pages)
        assert len(doc.pages) >= 5 and len(doc.pages[0].images) == 0
    assert all(f"{title}." in text for title in ("Demand waterfall", "Speed to lead")), "chart captions are in the PDF"


def test_report_default_path_and_never_overwrites_without_force(compare_folder, capsys):
    target = compare_folder / "report.html"
    target.unlink(missing_ok=True)
    first = in_process(capsys, "report", str(compare_folder))
    assert first.returncode == 0, first.stderr
    assert target.exists() and str(target) in first.stdout
    before = target.read_bytes()
    assert_one_line_error(in_process(capsys, "report", str(compare_folder)), "exists; pass --force")
    assert_one_line_error(in_process(capsys, "report", str(compare_folder), "--out", str(target.with_name("x.html")),
                                     "--pdf", str(target)), "exists")  # fmt: skip
    assert target.read_bytes() == before
    assert not target.with_name("x.html").exists(), "nothing is written when one target is refused"
    forced = in_process(capsys, "report", str(compare_folder), "--force")
    assert forced.returncode == 0, forced.stderr
    assert target.stat().st_mode & 0o044, "a report is readable by others (umask permitting)"


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda p: p / "missing", "no such results folder"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "not an orgsim compare or sweep folder"),
        (lambda p: (p / "f.txt").write_text("x") and p / "f.txt", "not a folder"),
    ],
    ids=["missing", "empty", "file"],
)
def test_a_missing_or_wrong_folder_is_one_line_exit_2(tmp_path, capsys, make, needle):
    assert_one_line_error(in_process(capsys, "report", str(make(tmp_path))), needle)


def test_a_run_folder_is_refused(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"command": "run"}))
    with pytest.raises(OrgsimError, match="compare or sweep"):
        load_results_folder(folder)


def test_compare_without_charts(tmp_path):
    proc = orgsim("compare", "separate_targets", "--replications", "1", "--days", "3", "--workers", "1", "--out", "c",
                  "--no-charts", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "c" / "runs.parquet").exists()
    assert not (tmp_path / "c" / "charts").exists()


# ----------------------------------------------------------------------------- sweeps


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "sw"
    spec = sweep_spec_from_dict(
        {
            "description": "shared-revenue weight x SLA window (stand-in model)",
            "base": "sla",
            "parameters": {"marketing.shared_revenue_weight": {"values": [0.0, 0.5, 1.0]}, "sla.first_touch_hours": {"values": [4, 24]}},
            "design": "grid",
            "replications": 3,
            "seed": 3,
            "outcomes": ["bookings", "friction_index", "mqls"],
        },
        name="tiny",
    )
    sweep(spec, out, run_fn=fake_run)
    return out


def test_report_from_a_sweep_folder(sweep_folder, tmp_path):
    files = build_report(sweep_folder, out=tmp_path / "s.html", pdf=tmp_path / "s.pdf")
    html = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert files.charts == ["outcomes_vs_parameters", "heatmap_bookings", "heatmap_friction_index", "heatmap_mqls"]
    assert len(_embedded_images(html)) == len(files.charts)
    for heading in ("The question", "What was varied", "Results per point", "Assumptions and caveats"):
        assert heading in html
    assert "Shared revenue in marketers&#39; pay" in html
    assert "Bookings (higher is better): best at" in html  # the known best point: w = 100%, 4 hours
    assert "Shared revenue in marketers&#39; pay = 100%, SLA first-touch window = 4 h" in html
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")


def test_sweep_report_shows_sensitivity_indices_when_present(sweep_folder, tmp_path):
    import pandas as pd

    indices = pd.DataFrame(
        {"outcome": "bookings", "parameter": ["marketing.shared_revenue_weight", "sla.first_touch_hours"],
         "S1": [0.8, 0.1], "S1_conf": [0.05, 0.05], "ST": [0.85, 0.15], "ST_conf": [0.05, 0.05]}
    )  # fmt: skip
    indices.to_parquet(sweep_folder / "sensitivity.parquet", index=False)
    try:
        files = build_report(sweep_folder, out=tmp_path / "s.html")
    finally:
        (sweep_folder / "sensitivity.parquet").unlink()
    assert files.charts[0] == "sensitivity"
    assert 'id="chart-sensitivity"' in (tmp_path / "s.html").read_text(encoding="utf-8")


TINY_SWEEP = """description: tiny sweep (chart wiring)
base: separate_targets
overrides:
  market.n_accounts: 2000
parameters:
  marketing.shared_revenue_weight:
    values: [0.0, 1.0]
design: grid
replications: 2
seed: 1
days: 10
outcomes: [bookings, friction_index]
"""


def test_orgsim_sweep_writes_its_charts_unless_told_not_to(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY_SWEEP)
    proc = orgsim("sweep", "tiny.yaml", "--workers", "1", "--out", "with", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "with" / "charts").iterdir()) == [
        "outcomes_vs_parameter.png",
        "outcomes_vs_parameter.svg",
    ]
    proc = orgsim("sweep", "tiny.yaml", "--workers", "1", "--out", "without", "--no-charts", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "without" / "charts").exists()
