"""The performance harness: prints a table and writes JSON. See docs/performance.md.

Usage::

    python benchmarks/run_benchmarks.py                 # everything (about 15 minutes on 2 cores)
    python benchmarks/run_benchmarks.py --quick         # smaller sizes, for a smoke test
    python benchmarks/run_benchmarks.py --only single scaling

Sections:

* ``single``   one default run (separate_targets, 8 quarters): wall time, open lead-days per second;
* ``scaling``  time vs accounts (x1, x10, x100) and vs headcount (x1, x10, x50), with the fitted
               exponent of time against size (1.0 is linear);
* ``compare``  the standard comparison (six presets x 30 replications) on 1 and 2 workers;
* ``large``    the shipped large-enterprise scenario: wall time and peak resident memory;
* ``floor``    a bare vectorised pass over the same lead arrays per simulated day, and the
               model's cost per day as a multiple of it.

Figures are printed, never asserted: speed targets live here, not in unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulation import load_scenario, run  # noqa: E402
from simulation.comparison import compare  # noqa: E402
from simulation.leads import Stage  # noqa: E402
from simulation.model import OrgModel  # noqa: E402

LARGE = ROOT / "scenarios" / "large_enterprise.yaml"


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def open_lead_days(daily) -> int:
    return int((daily["stage_mql"] + daily["stage_sal"] + daily["stage_sql"]).sum())


def bench_single(quick: bool) -> dict:
    seconds, results = timed(run, "separate_targets", seed=0, days=126 if quick else None)
    days = len(results.daily)
    lead_days = open_lead_days(results.daily)
    return {
        "scenario": "separate_targets",
        "days": days,
        "seconds": round(seconds, 3),
        "leads_created": int(results.summary["leads_created"].iloc[0]),
        "open_lead_days": lead_days,
        "open_lead_days_per_second": round(lead_days / seconds),
        "ms_per_day": round(1000 * seconds / days, 2),
    }


def scaled(factor: int, what: str):
    base = load_scenario("separate_targets")
    m = base.marketing
    if what == "accounts":
        return base.with_overrides({"market.n_accounts": base.market.n_accounts * factor})
    return base.with_overrides(
        {
            "marketing.headcount": m.headcount * factor,
            "marketing.budget_per_quarter_usd": m.budget_per_quarter_usd * factor,
            "marketing.mql_target_per_quarter": m.mql_target_per_quarter * factor,
            "sales.ae_headcount": base.sales.ae_headcount * factor,
            "sdr.headcount": base.sdr.headcount * factor,
        }
    )


def fitted_exponent(sizes: list[int], seconds: list[float]) -> float:
    slope, _ = np.polyfit(np.log(sizes), np.log(seconds), 1)
    return float(slope)


def bench_scaling(quick: bool) -> dict:
    days = 63 if quick else 126
    out = {"days": days}
    for what, factors in (("accounts", (1, 10, 100)), ("headcount", (1, 10, 50))):
        if quick:
            factors = factors[:2]
        rows = []
        for factor in factors:
            seconds, results = timed(run, scaled(factor, what), seed=0, days=days)
            rows.append({"factor": factor, "seconds": round(seconds, 3), "leads_created": int(results.summary["leads_created"].iloc[0])})
        out[what] = {
            "runs": rows,
            "exponent": round(fitted_exponent([r["factor"] for r in rows], [r["seconds"] for r in rows]), 3),
        }
    return out


def bench_compare(quick: bool) -> dict:
    replications = 3 if quick else 30
    out = {"replications": replications, "designs": 6}
    for workers in (1, 2):
        seconds, result = timed(compare, replications=replications, workers=workers, daily=False)
        out[f"workers_{workers}"] = {"seconds": round(seconds, 2), "runs_per_second": round(len(result.runs) / seconds, 3)}
    out["parallel_efficiency"] = round(out["workers_1"]["seconds"] / (2 * out["workers_2"]["seconds"]), 3)
    return out


def bench_large(quick: bool) -> dict:
    """Run the large scenario in a child process so its peak RSS is its own."""
    days = 63 if quick else None
    code = (
        "import json, resource, sys, time\n"
        "from simulation import load_scenario, run\n"
        f"s = load_scenario({str(LARGE)!r})\n"
        "t = time.perf_counter()\n"
        f"r = run(s, seed=0, days={days!r})\n"
        "secs = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'seconds': round(secs, 1), 'peak_rss_mb': round(rss), 'days': len(r.daily),"
        " 'leads_created': int(r.summary['leads_created'].iloc[0])}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_floor(quick: bool) -> dict:
    """Model cost per day against one bare vectorised pass over the lead arrays of that day.

    The floor touches every lead created so far once per day -- a stage mask, the indices
    of open leads, a sum over their values -- the least any lead-level model must do. Both
    are timed day by day over the scenario's whole horizon (8 quarters; 63 days with
    ``--quick``), and the multiple is also given for the first two quarters alone: the floor
    grows with every lead ever created while the model's daily work follows the open leads
    and the people, so the multiple falls as a run goes on.
    """
    scenario = load_scenario(LARGE)
    if quick:
        scenario = scenario.with_overrides({"horizon_days": 63})
    model = OrgModel(scenario, seed=0)
    sizes, model_times = [], []
    for _ in range(scenario.horizon_days):
        start = time.perf_counter()
        model.step()
        model_times.append(time.perf_counter() - start)
        sizes.append(model.leads.n)
    L = model.leads
    floor_times = []
    for n in sizes:
        start = time.perf_counter()
        stage = L.stage[:n]
        open_idx = np.flatnonzero((stage == Stage.MQL) | (stage == Stage.SAL) | (stage == Stage.SQL))
        float(L.value[open_idx].sum())
        floor_times.append(time.perf_counter() - start)
    days = scenario.horizon_days
    early = min(126, days)
    return {
        "scenario": "large_enterprise",
        "days": days,
        "model_ms_per_day": round(1000 * sum(model_times) / days, 2),
        "floor_ms_per_day": round(1000 * sum(floor_times) / days, 3),
        "multiple_of_floor": round(sum(model_times) / sum(floor_times), 1),
        "first_days": early,
        "multiple_of_floor_first_days": round(sum(model_times[:early]) / sum(floor_times[:early]), 1),
        "leads_at_end": int(L.n),
    }


SECTIONS = {"single": bench_single, "scaling": bench_scaling, "compare": bench_compare, "large": bench_large, "floor": bench_floor}


def main() -> None:
    parser = argparse.ArgumentParser(description="orgsim performance harness")
    parser.add_argument("--quick", action="store_true", help="smaller sizes for a smoke test")
    parser.add_argument("--only", nargs="*", choices=sorted(SECTIONS), help="run only these sections")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results.json"), help="where to write the figures")
    args = parser.parse_args()
    figures = {
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        },
        "quick": args.quick,
    }
    for name in args.only or list(SECTIONS):
        print(f"== {name} ...", flush=True)
        seconds, result = timed(SECTIONS[name], args.quick)
        figures[name] = result
        print(json.dumps(result, indent=2), flush=True)
    figures["harness_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
