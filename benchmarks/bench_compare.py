"""Time `orgsim compare` on the six presets at its default replications.

Prints the wall time of the command exactly as a user runs it (`orgsim compare --out DIR`
in a fresh process: imports, worker start-up, runs, tables, files and charts), of the
comparison alone through the Python API, and of a single default run of each preset, and
writes the figures as JSON. Usage::

    python benchmarks/bench_compare.py [--replications N] [--workers N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from simulation import PRESETS, run
from simulation.comparison import DEFAULT_REPLICATIONS, compare
from simulation.experiments.runner import default_workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=DEFAULT_REPLICATIONS)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--json", default="benchmarks/bench_compare.json")
    args = parser.parse_args()

    single = {}
    for name in PRESETS:
        start = time.perf_counter()
        run(name, seed=0)
        single[name] = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "simulation.cli", "compare", "--out", str(Path(tmp) / "out"),
                   "--replications", str(args.replications), "--workers", str(args.workers)]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        command_wall = time.perf_counter() - start

    start = time.perf_counter()
    result = compare(replications=args.replications, workers=args.workers, daily=True)
    wall = time.perf_counter() - start
    runs = len(result.runs)

    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "replications": args.replications,
        "workers": args.workers,
        "runs": runs,
        "orgsim_compare_command_seconds": round(command_wall, 2),
        "compare_wall_seconds": round(wall, 2),
        "runs_per_second": round(runs / wall, 3),
        "single_run_seconds": {k: round(v, 3) for k, v in single.items()},
    }
    print(f"machine: {figures['machine']}")
    print("single default run (8 quarters), seconds:")
    for name, secs in single.items():
        print(f"  {name:<24} {secs:6.2f}")
    print(f"`orgsim compare --out DIR` as a user runs it (charts included): {command_wall:.1f} s")
    print(f"compare() alone: {runs} runs ({len(PRESETS)} presets x {args.replications}) on {args.workers} workers: "
          f"{wall:.1f} s ({runs / wall:.2f} runs/s)")
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump(figures, fh, indent=2)
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
