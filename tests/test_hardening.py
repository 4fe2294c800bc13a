"""Regression tests for the reliability audit's defects (issue 12, items 1, 4 and 6).

One test (or a few) per defect, named after it: D2 and D17 (bounded work before any work),
D3 (a wall-clock limit per run), D5, D6, D8, D11, D14 and D15 (never lose finished work) and
D10 (Dask). The audit's inputs live in ``tests/cases/``. Runs are tiny (a 600-account market,
a few working days) or stand-in run functions, so each test takes seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import Executor, Future
from pathlib import Path

import pandas as pd
import pytest

from simulation import cli
from simulation.errors import OrgsimError, ScenarioError
from simulation.experiments import runner as runner_module
from simulation.experiments.designs import Parameter, sample
from simulation.experiments.runner import default_workers, iter_completed
from simulation.experiments.spec import load_sweep_spec
from simulation.experiments.store import load_manifest, load_results
from simulation.experiments.sweep import sweep

# Names this issue added are imported inside the tests that use them, so that on the code
# before the fix each test fails on its own defect rather than the whole module on an import.

CASES = Path(__file__).resolve().parent / "cases"
REPO = Path(__file__).resolve().parent.parent
TINY = CASES / "tiny_sweep.yaml"


def main(*args: str, capsys) -> tuple[int, str, str]:
    """``orgsim ARGS`` in this process: (exit status, stdout, stderr)."""
    try:
        status = cli.main([str(a) for a in args])
    except SystemExit as exc:  # argparse errors
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert "Traceback" not in err and len(lines) == 1, err
    return lines[0]


def cheap_outcome(scenario, seed, replication):
    """A stand-in run: instant, one outcome per run."""
    return {"bookings": float(seed % 1000), "mqls": float(replication)}


def slow_on_long_windows(scenario, seed, replication):
    """Instant, except that a 72-hour first-touch window never finishes (a stand-in for D3's endless loop)."""
    if scenario.sla.first_touch_hours > 24:
        time.sleep(600)
    return cheap_outcome(scenario, seed, replication)


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(status) and not status.startswith("Z")  # a zombie is gone, only not yet reaped


# --------------------------------------------------------------------------- D2: size limits, dry run


def test_D2_sweep_over_the_run_limit_is_refused_before_anything_is_built(tmp_path, capsys):
    started = time.perf_counter()
    status, out, err = main("sweep", CASES / "million_runs.yaml", "--out", tmp_path / "out", "--dry-run", capsys=capsys)
    assert status == 2
    line = one_line(err)
    assert "1,000,000 runs" in line and "--max-runs 1000000" in line
    assert time.perf_counter() - started < 3, "counted from the spec, not by building 20,000 scenarios"
    assert not (tmp_path / "out").exists()
    with pytest.raises(ScenarioError, match="more than the limit of 999,999"):
        load_sweep_spec(CASES / "million_runs.yaml", max_runs=999_999)


def test_D2_samplers_refuse_designs_too_large_for_memory(tmp_path, capsys):
    started = time.perf_counter()
    with pytest.raises(OrgsimError, match="1,000,000 points"):
        sample([Parameter("x", "float", 0.0, 1.0)], "lhs", 1_000_000)
    with pytest.raises(OrgsimError, match="points"):
        sample([Parameter(f"p{i}", "float", 0.0, 1.0) for i in range(4)], "sobol", 2**19)
    status, _, err = main("sweep", CASES / "lhs_million.yaml", "--max-runs", "100000000", "--out", tmp_path / "o",
                          capsys=capsys)
    assert status == 2 and "fit in memory" in one_line(err)
    assert time.perf_counter() - started < 5


def test_D2_compare_over_the_run_limit_is_refused_before_any_seed_is_drawn(tmp_path, capsys):
    status, _, err = main("compare", "sla", "--replications", "1000000000000", "--out", tmp_path / "o", capsys=capsys)
    assert status == 2
    assert "2,000,000,000,000 runs" in one_line(err)
    status, _, err = main("compare", "sla", "--replications", "60", "--max-runs", "100", "--out", tmp_path / "o",
                          capsys=capsys)
    assert status == 2 and "more than the limit of 100" in one_line(err) and "--max-runs 120" in err
    assert not (tmp_path / "o").exists()


def test_D2_dry_run_prints_the_plan_and_runs_nothing(tmp_path, capsys):
    status, out, _ = main("sweep", TINY, "--out", tmp_path / "sw", "--dry-run", "--workers", "1", capsys=capsys)
    assert status == 0
    assert "2 points x 2 replications = 4 runs" in out
    assert "estimated time" in out and "estimated output" in out and "nothing was run" in out
    assert not (tmp_path / "sw").exists()
    status, out, _ = main("compare", "sla", "--replications", "3", "--days", "5", "--dry-run", "--workers", "1",
                          "--out", tmp_path / "cmp", capsys=capsys)
    assert status == 0
    assert "2 designs x 3 replications = 6 runs" in out and "estimated time" in out and "estimated output" in out
    assert not (tmp_path / "cmp").exists()


def test_D2_dry_run_refuses_what_the_real_sweep_would(tmp_path, capsys):
    """A dry run checks what a real run checks first: an unknown outcome is one line, exit 2."""
    spec = tmp_path / "bad_outcome.yaml"
    spec.write_text("base: sla\ndays: 5\nreplications: 2\noutcomes: [bokings]\nparameters:\n  sla.first_touch_hours: {values: [1, 72]}\n")
    status, _, err = main("sweep", spec, "--out", tmp_path / "sw", "--dry-run", "--workers", "1", capsys=capsys)
    assert status == 2
    assert "bokings" in err and "did you mean 'bookings'" in err
    assert not (tmp_path / "sw").exists()


# --------------------------------------------------------------------------- D17: workers capped


def test_D17_workers_above_the_cores_or_the_runs_are_capped_with_a_warning(tmp_path, capsys):
    from simulation.experiments.runner import capped_workers

    cores = default_workers()
    workers, warning = capped_workers(cores + 14, runs=1000)
    assert workers == cores and f"this machine has {cores} core" in warning
    workers, warning = capped_workers(cores, runs=1)
    assert workers == 1 and (cores == 1 or "only 1 run" in warning)
    assert capped_workers(1, runs=10) == (1, None)
    status, out, err = main("sweep", TINY, "--workers", "16", "--backend", "dask", "--dry-run", "--out", tmp_path / "o",
                            capsys=capsys)
    assert status == 0
    assert f"--workers 16 lowered to {min(cores, 4)}" in err
    assert f"{min(cores, 4)} worker" in out


# --------------------------------------------------------------------------- D3: a wall-clock limit per run


def test_D3_a_run_over_the_run_timeout_becomes_a_failure_row_and_the_sweep_goes_on(tmp_path):
    started = time.perf_counter()
    result = sweep(TINY, tmp_path / "out", workers=1, run_fn=slow_on_long_windows, run_timeout=1)
    assert time.perf_counter() - started < 15
    runs = result.runs
    assert len(runs) == 4 and result.failed == 2
    failed = runs[runs["status"] == "failed"]
    assert (failed["sla.first_touch_hours"] == 72).all()
    assert failed["error"].str.startswith("RunTimeout: the run took longer than the run timeout of 1 s").all()
    assert runs.loc[runs["status"] == "ok", "bookings"].notna().all()


def test_D3_the_run_timeout_holds_in_pool_workers_and_the_pool_goes_on(tmp_path):
    result = sweep(TINY, tmp_path / "out", workers=2, run_fn=slow_on_long_windows, run_timeout=2)
    assert len(result.runs) == 4 and result.failed == 2
    assert result.runs.loc[result.runs["status"] == "failed", "error"].str.startswith("RunTimeout").all()


def test_D3_the_run_timeout_holds_outside_the_main_thread():
    from simulation.experiments.runner import RunTimeout, call_with_timeout

    box = {}

    def target():
        try:
            call_with_timeout(0.5, time.sleep, 30)
        except RunTimeout as exc:
            box["error"] = exc

    thread = threading.Thread(target=target)
    started = time.perf_counter()
    thread.start()
    thread.join(10)
    assert isinstance(box.get("error"), RunTimeout) and time.perf_counter() - started < 5
    assert call_with_timeout(5, lambda: 42) == 42


def test_D3_run_and_compare_stop_a_run_at_the_run_timeout(tmp_path, capsys, monkeypatch):
    real_run = runner_module.run

    def endless(scenario, seed=0, **kwargs):
        if scenario.name == "sla":
            time.sleep(600)
        return real_run(scenario, seed=seed, **kwargs)

    monkeypatch.setattr(cli, "run", endless)
    status, out, err = main("run", "sla", "--days", "3", "--run-timeout", "1", "--out", tmp_path / "r", capsys=capsys)
    assert status == 1 and "run timeout of 1 s" in one_line(err)
    assert not (tmp_path / "r").exists()
    monkeypatch.setattr(runner_module, "run", endless)
    status, out, err = main("compare", "sla", "--replications", "2", "--days", "3", "--workers", "1", "--no-charts",
                            "--run-timeout", "1", "--out", tmp_path / "c", capsys=capsys)
    assert status == 1
    runs = pd.read_parquet(tmp_path / "c" / "runs.parquet")
    assert list(runs["status"]) == ["ok", "ok", "failed", "failed"]
    assert "RunTimeout" in err


# --------------------------------------------------------------------------- D5: failures in run and compare


def test_D5_compare_keeps_successful_runs(tmp_path, capsys, monkeypatch):
    real_run = runner_module.run

    def fails_for_sla(scenario, seed=0, **kwargs):
        if scenario.name == "sla":
            raise ValueError("lam value too large")
        return real_run(scenario, seed=seed, **kwargs)

    monkeypatch.setattr(runner_module, "run", fails_for_sla)
    status, out, err = main("compare", "sla", "separate_targets", "--replications", "2", "--days", "5", "--workers",
                            "1", "--no-charts", "--out", tmp_path / "c", capsys=capsys)
    assert status == 1
    assert "Traceback" not in err
    assert "2 of 4 runs failed" in err
    assert "ValueError: lam value too large: sla replication 0" in err and "sla replication 1" in err
    runs = pd.read_parquet(tmp_path / "c" / "runs.parquet")
    assert len(runs) == 4
    ok = runs[runs["scenario"] == "separate_targets"]
    assert (ok["status"] == "ok").all() and ok["mqls"].notna().all()
    bad = runs[runs["scenario"] == "sla"]
    assert (bad["status"] == "failed").all() and bad["error"].eq("ValueError: lam value too large").all()
    assert bad["traceback"].str.contains("lam value too large").all()
    summary = pd.read_parquet(tmp_path / "c" / "summary.parquet").set_index(["scenario", "outcome"])
    assert summary.loc[("sla", "mqls"), "n"] == 0 and summary.loc[("separate_targets", "mqls"), "n"] == 2


def test_D5_a_model_exception_in_run_is_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    def broken(scenario, seed=0, **kwargs):
        raise ValueError("lam value too large")

    monkeypatch.setattr(cli, "run", broken)
    status, out, err = main("run", "sla", "--days", "3", "--out", tmp_path / "r", capsys=capsys)
    assert status == 1
    line = one_line(err)
    assert "sla (seed 0) failed: ValueError: lam value too large" in line
    assert not (tmp_path / "r").exists()


# --------------------------------------------------------------------------- D6: outputs checked writable first


@pytest.mark.parametrize("target", ["/proc/orgsim-h12", "afile.txt/sub", "out/" + "b" * 300])
def test_D6_an_unwritable_out_is_refused_before_anything_runs(tmp_path, capsys, monkeypatch, target):
    (tmp_path / "afile.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(runner_module, "run", lambda *a, **k: calls.append(1))
    monkeypatch.setattr(cli, "run", lambda *a, **k: calls.append(1))
    for command in (["run", "sla", "--days", "3"], ["compare", "sla", "--replications", "1", "--days", "3", "--workers", "1"],
                    ["sweep", str(TINY), "--workers", "1", "--no-progress"]):
        status, _, err = main(*command, "--out", target, capsys=capsys)
        assert status == 2, (command, err)
        assert "cannot write results there" in one_line(err)
    assert calls == [], "nothing may run before the output is known to be writable"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile.txt"], "the probe leaves nothing behind"


def test_D6_an_unwritable_pdf_is_refused_before_the_html_is_written(tmp_path, capsys):
    status, _, err = main("compare", "sla", "--replications", "1", "--days", "3", "--workers", "1", "--no-charts",
                          "--out", tmp_path / "c", capsys=capsys)
    assert status == 0, err
    status, _, err = main("report", tmp_path / "c", "--out", tmp_path / "r.html", "--pdf", "/proc/orgsim-r.pdf",
                          capsys=capsys)
    assert status == 2 and "/proc/orgsim-r.pdf: cannot write the PDF there" in one_line(err)
    assert not (tmp_path / "r.html").exists()


# --------------------------------------------------------------------------- D8: SIGTERM, SIGKILL and pool workers


def _start_slow_sweep(tmp_path: Path) -> tuple[subprocess.Popen, Path, list[int]]:
    """A 2-worker sweep in a subprocess, once its first run is stored; its output goes to files
    (workers that outlive it would hold pipes open)."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    with open(tmp_path / "stdout.txt", "w") as stdout, open(tmp_path / "stderr.txt", "w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "simulation.cli", "sweep", str(CASES / "slow_sweep.yaml"), "--workers", "2",
             "--no-progress", "--no-charts", "--out", str(out)], cwd=tmp_path, env=env, stdout=stdout, stderr=stderr)
    deadline = time.monotonic() + 60
    while not list((out / "runs").glob("[!.]*.parquet")):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the sweep did not store a run: {(tmp_path / 'stderr.txt').read_text()}")
        time.sleep(0.1)
    return proc, out, children_of(proc.pid)


def _wait_for_exit(kids: list[int]) -> list[int]:
    """The processes still alive after up to 10 s; they are SIGKILLed so no test leaves any behind."""
    deadline = time.monotonic() + 10
    while any(alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [k for k in kids if alive(k)]
    for k in left:
        os.kill(k, signal.SIGKILL)
    return left


def test_D8_sigterm_prints_the_resume_line_and_leaves_no_workers(tmp_path):
    proc, out, kids = _start_slow_sweep(tmp_path)
    assert kids, "a 2-worker sweep has worker processes"
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    finally:
        left = _wait_for_exit([proc.pid, *kids])
    err = (tmp_path / "stderr.txt").read_text()
    assert proc.returncode == 130, err
    assert f"continue with: orgsim sweep {CASES / 'slow_sweep.yaml'} --out {out} --resume" in err
    assert "Traceback" not in err
    assert not left, "workers outlived the sweep"


def test_D8_workers_exit_when_the_parent_is_killed(tmp_path):
    proc, out, kids = _start_slow_sweep(tmp_path)
    assert kids
    proc.kill()
    proc.wait(timeout=30)
    assert not _wait_for_exit(kids), "pool workers kept running after their parent was SIGKILLed"


# --------------------------------------------------------------------------- D10: Dask


def test_D10_an_invalid_scheduler_address_is_one_line(tmp_path, capsys):
    pytest.importorskip("distributed")
    for address in ("not an address", "tcp://host-without-port", "foo://x:1"):
        status, _, err = main("sweep", TINY, "--backend", "dask", "--scheduler", address, "--out", tmp_path / "o",
                              capsys=capsys)
        assert status == 2
        assert "not a Dask scheduler address" in one_line(err)
    assert not (tmp_path / "o").exists()


class _ClusterWithoutWorkers(Executor):
    """A stand-in for a Dask client's executor whose workers all died: nothing ever finishes."""

    class _Client:
        def nthreads(self):
            return {}

    def __init__(self):
        self._client = self._Client()

    def submit(self, fn, *args, **kwargs):
        return Future()


def test_D10_a_cluster_whose_workers_all_died_is_reported_after_a_timeout():
    started = time.perf_counter()
    with pytest.raises(OrgsimError, match="no workers for 0.5 s; 3 runs were not run"):
        list(iter_completed(abs, [1, 2, 3], _ClusterWithoutWorkers(), no_workers_timeout=0.5))
    assert time.perf_counter() - started < 5


def test_D10_docs_say_the_scheduler_is_unauthenticated_and_how_to_use_tls():
    text = (REPO / "docs" / "experiments.md").read_text(encoding="utf-8")
    assert "unauthenticated" in text and "TLS" in text and "--tls-ca-file" in text


# --------------------------------------------------------------------------- D11: corrupt run files


def test_D11_a_corrupt_or_empty_run_file_is_skipped_with_a_warning_and_redone_by_resume(tmp_path, capsys):
    out = tmp_path / "out"
    sweep(TINY, out, workers=1)
    files = sorted((out / "runs").glob("*.parquet"))
    files[0].write_bytes(b"not parquet")
    files[1].write_bytes(b"")
    with pytest.warns(UserWarning, match="unreadable run file, skipped"):
        assert len(load_results(out)) == 2
    status, text, err = main("summarize", out, capsys=capsys)
    assert status == 0 and "Traceback" not in err
    assert err.count("unreadable run file, skipped") == 2 and "2 runs not run yet" in text
    status, text, err = main("sweep", TINY, "--out", out, "--resume", "--workers", "1", "--no-progress", "--no-charts",
                             capsys=capsys)
    assert status == 0, err
    assert "this call ran 2" in text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runs = load_results(out)
    assert len(runs) == 4 and (runs["status"] == "ok").all()


def test_D11_a_missing_schema_is_one_line_and_resume_writes_it_again(tmp_path, capsys):
    out = tmp_path / "out"
    sweep(TINY, out, workers=1)
    (out / "schema.parquet").unlink()
    for command in (["summarize", out], ["report", out, "--out", tmp_path / "r.html"]):
        status, _, err = main(*command, capsys=capsys)
        assert status == 2 and "schema.parquet: missing" in one_line(err)
    status, _, err = main("sweep", TINY, "--out", out, "--resume", "--workers", "1", "--no-progress", "--no-charts",
                          capsys=capsys)
    assert status == 0, err
    assert len(load_results(out)) == 4


# --------------------------------------------------------------------------- D14: killed before the manifest


def test_D14_a_folder_killed_before_its_manifest_says_how_to_restart(tmp_path, capsys, monkeypatch):
    from simulation.experiments import store as store_module

    out = tmp_path / "out"

    def killed(path, data):
        raise KeyboardInterrupt  # the kill falls on the manifest's write

    with monkeypatch.context() as patch:
        patch.setattr(store_module, "_write_json", killed)
        with pytest.raises(KeyboardInterrupt):
            sweep(TINY, out, workers=1)
    assert (out / "runs").is_dir() and not (out / "manifest.json").exists()
    status, _, err = main("sweep", TINY, "--out", out, "--workers", "1", capsys=capsys)
    assert status == 2
    line = one_line(err)
    assert "stopped before its manifest was written" in line and "--resume" in line and "delete the folder" in line
    status, text, err = main("sweep", TINY, "--out", out, "--resume", "--workers", "1", "--no-progress", "--no-charts",
                             capsys=capsys)
    assert status == 0, err
    assert "4 of 4 runs stored" in text
    assert load_manifest(out)["n_runs"] == 4


# --------------------------------------------------------------------------- D15: --timeseries is part of the spec


def test_D15_timeseries_is_part_of_the_stored_spec(tmp_path, capsys):
    out = tmp_path / "out"
    sweep(TINY, out, workers=1)
    assert load_manifest(out)["timeseries"] is False
    status, _, err = main("sweep", TINY, "--out", out, "--resume", "--timeseries", "--workers", "1", capsys=capsys)
    assert status == 2 and "started without --timeseries" in one_line(err)
    with pytest.raises(OrgsimError, match="without --timeseries"):
        sweep(TINY, out, resume=True, timeseries=True)
    other = tmp_path / "other"
    sweep(TINY, other, workers=1, timeseries=True)
    shutil.rmtree(other / "runs")
    (other / "runs").mkdir()
    with pytest.raises(OrgsimError, match="started with --timeseries"):
        sweep(TINY, other, resume=True, timeseries=False)
