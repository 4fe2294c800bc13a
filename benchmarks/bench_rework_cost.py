"""CPU cost of the standard work: the six presets x N seeds at their default horizon.

Measures CPU seconds (``time.process_time``) of one process running the six presets for
seeds 0..N-1 at the default horizon (504 working days), in a fresh child process per
measurement (imports and a short warm-up run are left out of the timing). With
``--against PYTHON`` it alternates with another checkout's interpreter (a venv in which the
old code is installed, e.g. the code before issue 11's model rework, commit 23dd5da) --
new, old, new, old, ... -- so both see the same load on a shared machine, and prints every
pair, both sums and their ratio. It prints figures; it asserts nothing. Usage::

    python benchmarks/bench_rework_cost.py [--seeds 2] [--repeats 3] [--days N]
    python benchmarks/bench_rework_cost.py --against /work/venv-old/bin/python --repeats 3

Issue 11, item 12: the standard comparison may cost at most 1.3x what the code before the
rework cost, same machine, same run; docs/performance.md gives the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]

# Run in the child: the interpreter's own ``simulation`` package (this checkout's, or the
# old venv's), never the caller's working directory.
CHILD = """
import json, sys, time
import simulation
from simulation import run
presets, seeds, days = json.loads(sys.argv[1])
run(presets[0], seed=0, days=5)  # warm-up: first-call costs are not the model's
start = time.process_time()
for name in presets:
    for seed in seeds:
        run(name, seed=seed, days=days)
print(json.dumps({"cpu": time.process_time() - start, "package": simulation.__file__}))
"""


def measure(python: str, presets: list[str], seeds: list[int], days: int | None, this_checkout: bool) -> dict:
    """CPU seconds of the standard work in a fresh process of ``python``."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if this_checkout:
        env["PYTHONPATH"] = str(ROOT)  # this checkout, whatever the venv has installed
    with tempfile.TemporaryDirectory() as neutral:  # no stray ``simulation`` in the working directory
        done = subprocess.run(
            [python, "-c", CHILD, json.dumps([presets, seeds, days])],
            cwd=neutral, env=env, capture_output=True, text=True, check=False,
        )
    if done.returncode != 0:
        sys.exit(f"bench_rework_cost: {python} failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2, help="seeds 0..N-1 per preset (default 2)")
    parser.add_argument("--repeats", type=int, default=3, help="measurements of each code (default 3)")
    parser.add_argument("--days", type=int, default=None, help="horizon override (default: each preset's own, 504 days)")
    parser.add_argument("--against", metavar="PYTHON", help="the interpreter of a venv with the old code installed")
    args = parser.parse_args()
    if args.seeds < 1 or args.repeats < 1:
        parser.error("--seeds and --repeats must be at least 1")
    if args.against and not Path(args.against).exists():
        parser.error(f"--against: no such interpreter: {args.against}")

    sys.path.insert(0, str(ROOT))
    from simulation import PRESETS

    presets, seeds = list(PRESETS), list(range(args.seeds))
    plan = [("new", sys.executable, True)] + ([("old", args.against, False)] if args.against else [])
    figures: dict[str, list[float]] = {label: [] for label, _, _ in plan}
    packages: dict[str, str] = {}
    horizon = f"{args.days} days" if args.days else "default horizon"
    print(f"standard work: {len(presets)} presets x {len(seeds)} seeds x {horizon}; CPU seconds of one process")
    with tqdm(total=args.repeats * len(plan), desc="measuring", unit="run", file=sys.stderr) as bar:
        for i in range(args.repeats):
            order = plan if i % 2 == 0 else plan[::-1]  # new, old, old, new, ...: neither always goes first
            for label, python, this_checkout in order:
                result = measure(python, presets, seeds, args.days, this_checkout)
                figures[label].append(result["cpu"])
                packages[label] = result["package"]
                bar.update()
    for label, python, _ in plan:
        print(f"{label}: {packages[label]} ({python})")
    for i in range(args.repeats):
        pair = "  ".join(f"{label} {figures[label][i]:6.2f} s" for label, _, _ in plan)
        ratio = f"  ratio {figures['new'][i] / figures['old'][i]:.2f}" if args.against else ""
        print(f"measurement {i + 1}: {pair}{ratio}")
    totals = {label: sum(values) for label, values in figures.items()}
    print("sums: " + "  ".join(f"{label} {total:.2f} s" for label, total in totals.items()), end="")
    print(f"  ratio new/old {totals['new'] / totals['old']:.3f}" if args.against else "")


if __name__ == "__main__":
    main()
