"""Throughput of sweeps: the six presets x 30 replications on 1 and 2 process workers and a
2-worker Dask local cluster.

Each configuration runs the same sweep (``scenarios/sweeps/six_presets.yaml``, with the
replications and horizon given here) into a fresh results folder, so the figures include
writing every run to the Parquet store. Executor start-up (spawning worker processes,
starting the Dask cluster) is timed apart from the runs:

* runs/s           -- runs / (wall time of the runs, start-up excluded)
* runs/s all-in    -- runs / (start-up + runs): what a user waits for
* parallel efficiency = (runs/s with N workers) / (N x runs/s with 1 worker)
* Dask overhead    -- how much longer the Dask runs take than the process pool's, same worker count
* cpu share        -- CPU time our processes got / (wall time x workers): below 1, other
                      programs took the cores (the efficiency figures then measure contention)
* cpu-normalised efficiency -- runs per CPU-second relative to one worker: the cost of
                      parallelism itself (start-up, pickling), whatever the contention

The rows of every configuration are checked to be identical. Usage::

    python benchmarks/bench_sweep.py [--replications 30] [--days D] [--json FILE]

On a shared machine other people's jobs take cores too: the load average before and after
is recorded with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from simulation.experiments.runner import executor_slots, open_executor
from simulation.experiments.spec import SWEEP_DIR, sweep_spec_from_dict
from simulation.experiments.sweep import _code_fingerprint, sweep

CONFIGURATIONS = (("process", 1), ("process", 2), ("dask", 2))


def _warm_up(_: int) -> None:
    """Make a worker import the simulation (worker processes start lazily, on their first task)."""
    import simulation.experiments.sweep  # noqa: F401

    time.sleep(0.3)  # long enough that every worker gets one


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (pool and cluster workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def warm(executor) -> None:
    if executor is not None:
        list(executor.map(_warm_up, range(2 * executor_slots(executor))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=30, help="replications per preset (default 30)")
    parser.add_argument("--days", type=int, default=None, help="working days per run (default: each preset's 8 quarters)")
    parser.add_argument("--json", default="benchmarks/bench_sweep.json", help="where to write the figures")
    args = parser.parse_args()

    data = yaml.safe_load((SWEEP_DIR / "six_presets.yaml").read_text(encoding="utf-8"))
    data["replications"] = args.replications
    if args.days is not None:
        data["days"] = args.days
    spec = sweep_spec_from_dict(data, name="six_presets", source="six_presets.yaml")

    load_before = os.getloadavg()
    code_before = _code_fingerprint()
    rows: list[dict] = []
    frames: list[pd.DataFrame] = []
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        for backend, workers in CONFIGURATIONS:
            cpu_before = cpu_seconds()
            started = time.perf_counter()
            with open_executor(backend, workers) as executor:
                warm(executor)
                startup = time.perf_counter() - started
                slots = executor_slots(executor)
                result = sweep(spec, Path(tmp) / f"{backend}-{workers}", executor=executor)
            total = time.perf_counter() - started
            cpu = cpu_seconds() - cpu_before  # workers are shut down and reaped by now
            runs = len(result.runs)
            rows.append(
                {
                    "backend": backend,
                    "workers": workers,
                    "slots": slots,
                    "runs": runs,
                    "failed": result.failed,
                    "startup_seconds": round(startup, 2),
                    "run_seconds": round(result.elapsed_seconds, 2),
                    "total_seconds": round(total, 2),
                    "runs_per_second": round(runs / result.elapsed_seconds, 3),
                    "runs_per_second_all_in": round(runs / total, 3),
                    "cpu_seconds": round(cpu, 1),
                    "cpu_share": round(cpu / (total * workers), 3),
                }
            )
            frames.append(result.runs)
            print(
                f"  {backend:<8} {workers} worker(s): {runs} runs in {result.elapsed_seconds:.1f} s (+{startup:.1f} s start-up)", flush=True
            )
    load_after = os.getloadavg()
    code_changed = _code_fingerprint() != code_before

    identical = all(frames[0].equals(f) for f in frames[1:])
    one = rows[0]["runs_per_second"]
    one_cpu = rows[0]["runs"] / rows[0]["cpu_seconds"]
    for row in rows:
        row["parallel_efficiency"] = round(row["runs_per_second"] / (row["workers"] * one), 3)
        # Runs per CPU-second relative to one worker: the parallel overhead (start-up, pickling,
        # the store) whatever share of the cores other programs left us.
        row["cpu_normalised_efficiency"] = round(row["runs"] / row["cpu_seconds"] / one_cpu, 3)
    process2 = next(r for r in rows if r["backend"] == "process" and r["workers"] == 2)
    dask2 = next(r for r in rows if r["backend"] == "dask")
    dask_overhead = {
        "runs": round(dask2["run_seconds"] / process2["run_seconds"] - 1, 3),
        "all_in": round(dask2["total_seconds"] / process2["total_seconds"] - 1, 3),
        "startup_seconds": round(dask2["startup_seconds"] - process2["startup_seconds"], 2),
    }
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "sweep": f"six presets x {args.replications} replications" + (f", {args.days} days" if args.days else ", 8 quarters"),
        "configurations": rows,
        "dask_overhead": dask_overhead,
        "rows_identical_across_configurations": identical,
        "model_code_changed_during_benchmark": code_changed,
    }

    table = pd.DataFrame(rows)[
        [
            "backend",
            "workers",
            "runs",
            "startup_seconds",
            "run_seconds",
            "runs_per_second",
            "runs_per_second_all_in",
            "parallel_efficiency",
            "cpu_share",
            "cpu_normalised_efficiency",
        ]
    ]
    print(f"\nmachine: {figures['machine']}; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(f"sweep: {figures['sweep']}\n")
    print(table.to_string(index=False))
    print(
        f"\nDask overhead vs the 2-process pool: {dask_overhead['runs']:+.1%} on the runs, "
        f"{dask_overhead['all_in']:+.1%} all-in ({dask_overhead['startup_seconds']:+.1f} s more start-up)"
    )
    print(f"rows identical across configurations: {identical}")
    if code_changed:
        print(
            "note: the model's code changed while the benchmark ran (worker processes import it afresh), "
            "so the configurations did not all run the same model"
        )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump(figures, fh, indent=2)
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
