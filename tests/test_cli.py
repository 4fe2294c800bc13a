"""The ``orgsim`` command, run for real in a subprocess.

A user's mistake prints one line on stderr and exits with status 2, with no traceback;
results folders are never overwritten; ``--format json|csv`` print machine-readable rows
and nothing else on stdout.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REQUIRED_SUMMARY_COLUMNS

from simulation import PRESETS

SUMMARY_COLUMNS = REQUIRED_SUMMARY_COLUMNS


def orgsim(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m simulation.cli ARGS`` in ``cwd``; text output captured."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "simulation.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def assert_user_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit status 2, exactly one line on stderr, no traceback, nothing half-printed on stdout."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr
    assert err and len(err.splitlines()) == 1, f"expected one line on stderr, got: {proc.stderr!r}"
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    return err


def test_list_prints_the_six_presets_one_line_each(tmp_path):
    proc = orgsim("list", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    presets, _, roadmaps = proc.stdout.partition("\nroadmaps ")
    lines = [line for line in presets.splitlines() if line.strip()]
    assert len(lines) == len(PRESETS) == 6
    assert "separate_to_sla_q3" in roadmaps  # then the shipped roadmaps, with their files
    for name, line in zip(PRESETS, lines, strict=True):
        assert line.split()[0] == name
        assert len(line.split()) > 3, f"no description for {name}"


def test_installed_entry_point_works(tmp_path):
    exe = Path(sys.executable).with_name("orgsim")
    if not exe.exists():
        found = shutil.which("orgsim")
        if found is None:
            pytest.skip("the orgsim console script is not installed next to this Python")
        exe = Path(found)
    proc = subprocess.run([str(exe), "list"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert all(name in proc.stdout for name in PRESETS)


def test_run_writes_csv_and_parquet_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "results"
    proc = orgsim("run", "sla", "--days", "30", "--seed", "4", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "sla" in proc.stdout
    for name in ("summary", "daily"):
        assert (out / f"{name}.csv").is_file()
        assert (out / f"{name}.parquet").is_file()
    summary = pd.read_csv(out / "summary.csv")
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(summary) == 1 and summary["scenario"].iloc[0] == "sla" and summary["seed"].iloc[0] == 4
    assert [c for c in SUMMARY_COLUMNS if c not in summary.columns] == []
    assert len(daily) == 30 and daily["day"].tolist() == list(range(30))
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "summary.parquet").reset_index(drop=True)[["mqls", "bookings"]],
        summary[["mqls", "bookings"]],
        check_dtype=False,
    )
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}

    again = orgsim("run", "sla", "--days", "30", "--out", str(out), cwd=tmp_path)
    assert_user_error(again, str(out))
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before, "existing results were touched"


def test_run_a_scenario_file_names_results_after_the_file_in_an_empty_folder(tmp_path):
    path = tmp_path / "my_sla.yaml"
    path.write_text("base: sla\nsla:\n  first_touch_hours: 48\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()  # an existing but empty folder may be used
    proc = orgsim("run", str(path), "--days", "10", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert pd.read_csv(out / "summary.csv")["scenario"].iloc[0] == "my_sla"


def test_bad_scenario_file_exits_2_with_one_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("marketing:\n  headcount: -3\n", encoding="utf-8")
    out = tmp_path / "never"
    proc = orgsim("run", str(path), "--days", "5", "--out", str(out), cwd=tmp_path)
    assert_user_error(proc, str(path), "marketing.headcount")
    assert not out.exists(), "nothing may be written for a bad scenario"


@pytest.mark.parametrize(
    "args",
    [
        ("run", "no_such_preset", "--days", "5"),
        ("run", "sla", "--days", "0"),
        ("compare", "sla", "--replications", "0"),
        ("compare", "sla", "no_such_preset", "--replications", "1"),
        ("frobnicate",),
    ],
    ids=lambda a: " ".join(a),
)
def test_user_mistakes_exit_2_with_one_line(tmp_path, args):
    proc = orgsim(*args, cwd=tmp_path)
    assert_user_error(proc)
    assert not (tmp_path / "runs").exists(), "nothing may be written after a user error"


@pytest.mark.slow  # the exact command of the issue: a process pool and charts (~10-25 s)
def test_compare_json_prints_only_the_per_run_rows(tmp_path):
    out = tmp_path / "cmp"
    proc = orgsim(
        "compare", "sla", "separate_targets", "--replications", "2", "--days", "30", "--out", str(out), "--format", "json",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)  # stdout is the JSON and nothing else
    assert isinstance(rows, list) and len(rows) == 4
    runs = pd.DataFrame(rows)
    assert [c for c in SUMMARY_COLUMNS if c not in runs.columns] == []
    assert sorted(runs["scenario"].unique()) == ["separate_targets", "sla"]
    assert sorted(runs["replication"].unique()) == [0, 1]
    # Common random numbers: per replication, every design runs on the same seed...
    seeds = runs.groupby("replication")["seed"].nunique()
    assert (seeds == 1).all(), runs[["scenario", "replication", "seed"]]
    # ...and replications have different seeds.
    assert runs.groupby("scenario")["seed"].nunique().eq(2).all()
    # The per-run summary is also written to the folder.
    assert any(p.suffix == ".csv" for p in out.iterdir())


def test_compare_csv_parses_with_pandas_and_matches_the_written_runs(tmp_path):
    out = tmp_path / "c"
    proc = orgsim(
        "compare", "sla", "separate_targets", "--replications", "2", "--days", "20", "--seed", "3", "--format", "csv",
        "--no-charts", "--workers", "1", "--out", str(out), cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    printed = pd.read_csv(io.StringIO(proc.stdout))
    assert len(printed) == 4
    assert [c for c in SUMMARY_COLUMNS if c not in printed.columns] == []
    written = pd.read_csv(out / "runs.csv")
    pd.testing.assert_frame_equal(printed, written)


def test_compare_table_reports_intervals_against_the_baseline(tmp_path):
    proc = orgsim(
        "compare", "sla", "--replications", "2", "--days", "20", "--no-charts", "--workers", "1", "--out", str(tmp_path / "t"), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "separate_targets" in proc.stdout and "sla" in proc.stdout  # the baseline is added
    assert "95%" in proc.stdout


def test_compare_refuses_an_existing_results_folder(tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    proc = orgsim("compare", "sla", "--replications", "1", "--days", "5", "--out", str(out), cwd=tmp_path)
    assert_user_error(proc, str(out))
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
