"""Sweeps on real executors and through the real command: process pools, a Dask local cluster,
a sweep killed with SIGKILL and resumed, and the ``sweep`` / ``summarize`` / ``sensitivity``
subcommands in a subprocess.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simulation.experiments.store import load_manifest, load_results
from simulation.experiments.sweep import sweep

SPEC = {
    "description": "a small grid for the backend tests",
    "base": "sla",
    "overrides": {"market.n_accounts": 600},
    "days": 25,
    "parameters": {
        "marketing.shared_revenue_weight": {"values": [0.0, 1.0]},
        "sla.first_touch_hours": {"values": [1, 72]},
    },
    "replications": 3,
    "seed": 11,
    "outcomes": ["bookings", "mqls", "friction_index"],
}


def write_spec(folder: Path, name: str = "small", **changes) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**SPEC, **changes}, sort_keys=False))
    return path


def orgsim(*args: str, cwd: Path, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """``python -m simulation.cli ARGS`` in ``cwd``, output captured."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "simulation.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, **kwargs
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err


def fails_on_long_windows(scenario, seed, replication):
    """The model's summary, except that a 72-hour first-touch window raises."""
    from simulation import run

    if scenario.sla.first_touch_hours > 24:
        raise RuntimeError("first-touch window too long for this stand-in")
    return run(scenario, seed=seed, replication=replication)


# --------------------------------------------------------------------------- backends


def test_one_worker_two_processes_and_a_dask_cluster_give_identical_rows(tmp_path):
    spec = write_spec(tmp_path)
    in_process = sweep(spec, tmp_path / "one", workers=1).runs
    pool = sweep(spec, tmp_path / "pool", workers=2).runs
    pd.testing.assert_frame_equal(in_process, pool)
    pytest.importorskip("distributed")
    dask = sweep(spec, tmp_path / "dask", workers=2, backend="dask").runs
    pd.testing.assert_frame_equal(in_process, dask)
    assert len(in_process) == 12 and (in_process["status"] == "ok").all()
    assert in_process["bookings"].nunique() > 1


def test_failure_rows_come_back_from_worker_processes_too(tmp_path):
    result = sweep(write_spec(tmp_path), tmp_path / "out", workers=2, run_fn=fails_on_long_windows)
    runs = result.runs
    assert result.failed == 6
    failed = runs[runs["status"] == "failed"]
    assert (failed["sla.first_touch_hours"] == 72.0).all()
    assert failed["error"].eq("RuntimeError: first-touch window too long for this stand-in").all()
    assert runs.loc[runs["status"] == "ok", "bookings"].notna().all()


# --------------------------------------------------------------------------- kill and resume


def test_a_sweep_killed_with_sigkill_and_resumed_equals_an_uninterrupted_one(tmp_path):
    # Runs of ~0.1-0.2 s so that the kill lands mid-sweep.
    spec = write_spec(tmp_path, "killme", overrides={"market.n_accounts": 1500}, days=40, replications=9)
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation.cli", "sweep", str(spec), "--out", str(out), "--workers", "1", "--no-progress", "--no-charts"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "runs").is_dir() and len(list((out / "runs").glob("*.parquet"))) >= 6:
                break
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)  # the whole process group: no clean-up of any kind
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    stored_at_kill = len(load_results(out))
    assert 6 <= stored_at_kill < 36, stored_at_kill

    resumed = orgsim("sweep", str(spec), "--out", str(out), "--resume", "--workers", "2", "--no-charts", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{stored_at_kill} stored before, {36 - stored_at_kill} to run" in resumed.stderr

    runs = load_results(out)
    assert len(runs) == 36 and runs["run_id"].is_unique
    assert not list((out / "runs").glob(".*"))
    uninterrupted = sweep(spec, tmp_path / "uninterrupted", workers=1).runs
    pd.testing.assert_frame_equal(runs, uninterrupted)
    assert [i["resume"] for i in load_manifest(out)["invocations"]] == [False, True]


# --------------------------------------------------------------------------- the command


def test_sweep_then_summarize_through_the_command(tmp_path):
    spec = write_spec(tmp_path)
    proc = orgsim("sweep", str(spec), "--out", "out", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "12 of 12 runs stored in out/" in proc.stdout
    assert "small: 4 points x 3 replications = 12 runs" in proc.stderr

    proc = orgsim("summarize", "out", "--reference", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "bookings (USD)" in proc.stdout and "friction_index" in proc.stdout
    assert "vs point 2 [95% CI]" in proc.stdout and "(reference)" in proc.stdout
    assert "marketing.shared_revenue_weight" in proc.stdout

    csv = orgsim("summarize", "out", "--format", "csv", "--outcomes", "mqls", cwd=tmp_path)
    table = pd.read_csv(pd.io.common.StringIO(csv.stdout))
    assert list(table["point"]) == [0, 1, 2, 3] and set(table["outcome"]) == {"mqls"}
    runs = load_results(tmp_path / "out")
    assert table["mean"].tolist() == pytest.approx(runs.groupby("point")["mqls"].mean().tolist())


def test_the_command_refuses_an_existing_folder_a_changed_spec_and_a_bad_spec(tmp_path):
    spec = write_spec(tmp_path, replications=1)
    assert orgsim("sweep", str(spec), "--out", "out", "--workers", "1", "--no-charts", cwd=tmp_path).returncode == 0
    assert_one_line_error(orgsim("sweep", str(spec), "--out", "out", cwd=tmp_path), "exists and is not empty", "--resume")
    changed = write_spec(tmp_path, replications=2)
    assert_one_line_error(
        orgsim("sweep", str(changed), "--out", "out", "--resume", cwd=tmp_path), "different sweep spec", "replications: 1 stored, 2 now"
    )
    bad = write_spec(tmp_path, "bad", parameters={"sla.first_touch_hours": {"range": [0, 72], "steps": 3}})
    assert_one_line_error(orgsim("sweep", str(bad), cwd=tmp_path), "bad.yaml", "sla.first_touch_hours", "> 0")
    assert not (tmp_path / "runs").exists()
    assert_one_line_error(orgsim("summarize", "nowhere", cwd=tmp_path), "nowhere: no such results folder")


def test_failed_runs_make_the_command_exit_non_zero_and_say_how_many(tmp_path, monkeypatch, capsys):
    import simulation.experiments.sweep as sweep_module
    from simulation import cli

    monkeypatch.setattr(sweep_module, "run", fails_on_long_windows)
    status = cli.main(["sweep", str(write_spec(tmp_path)), "--out", str(tmp_path / "out"), "--workers", "1"])
    captured = capsys.readouterr()
    assert status == 1
    assert "6 runs failed" in captured.err
    assert "6 x RuntimeError: first-touch window too long for this stand-in (points 1, 3)" in captured.err
    assert "12 of 12 runs stored" in captured.out


def test_sensitivity_through_the_command_prints_and_saves_the_indices(tmp_path):
    spec = write_spec(
        tmp_path,
        "screen",
        design="morris",
        samples=4,
        replications=1,
        parameters={"marketing.shared_revenue_weight": {"range": [0.0, 1.0]}, "sla.first_touch_hours": {"range": [1, 72]}},
    )
    proc = orgsim("sensitivity", str(spec), "--out", "out", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "morris indices" in proc.stdout and "mu_star" in proc.stdout
    indices = pd.read_csv(tmp_path / "out" / "sensitivity.csv")
    assert set(indices["outcome"]) <= {"bookings", "mqls", "friction_index"}
    assert set(indices["parameter"]) == {"marketing.shared_revenue_weight", "sla.first_touch_hours"}
    assert (tmp_path / "out" / "sensitivity.parquet").exists()
    # A grid is not a sensitivity design: refused before anything runs.
    assert_one_line_error(orgsim("sensitivity", str(write_spec(tmp_path)), cwd=tmp_path), "design sobol or morris")
