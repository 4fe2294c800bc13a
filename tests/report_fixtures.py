"""Synthetic results folders for the report tests: the six presets compared, and a sweep.

No simulation runs here: the run rows are made so that every mean and difference is
known (design d's bookings are 1e6 * (1 + 0.1 d) plus a replication offset), and the
folder is written the way ``orgsim compare`` writes it (``write_results``, the summary and
paired differences from the same analysis functions), so what the report shows can be
checked against the frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from simulation import PRESETS, load_scenario
from simulation.experiments.analysis import cumulative_by_quarter, paired_differences, summarize_by
from simulation.metrics import FRICTION_COMPONENTS
from simulation.output import write_results

OUTCOMES = ("bookings", "pipeline_created", "cac", "total_cost", "mql_acceptance_rate", "share_never_worked", "win_rate", "friction_index")
BASELINE = "separate_targets"


def fake_run(scenario, seed=0, replication=0):
    """A stand-in for the model in sweeps: outcomes that depend on two levers and the seed."""
    w = scenario.marketing.shared_revenue_weight
    hours = scenario.sla.first_touch_hours
    noise = (seed % 97) / 97
    return {
        "scenario": scenario.name,
        "bookings": 1e6 * (1 + w) - 2e3 * hours + 1e4 * noise,
        "friction_index": 0.5 - 0.2 * w + 0.001 * hours + 0.01 * noise,
        "mqls": 5000 * (1 - 0.5 * w) + 10 * noise,
    }


def compare_runs(designs=PRESETS, replications=4) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for d, name in enumerate(designs):
        for r in range(replications):
            noise = rng.normal(0, 1)
            leads = 4000 + 300 * d + 20 * r
            won = 40 + 4 * d + r
            cost = 2.0e6 + 5e4 * d + 1e4 * noise
            row = {
                "scenario": name, "replication": r, "seed": 100 + r, "status": "ok",
                "bookings": 1e6 * (1 + 0.1 * d) + 2e4 * noise, "pipeline_created": 4e6 * (1 + 0.05 * d) + 5e4 * noise,
                "total_cost": cost, "cac": cost / won, "deals_won": won, "leads_created": leads, "mqls": leads // 2,
                "mqls_accepted": leads // 4, "sqls": leads // 20, "mql_acceptance_rate": 0.5 + 0.02 * d + 0.01 * noise,
                "win_rate": 0.2 + 0.01 * d, "share_touched_within_1h": 0.4, "share_touched_1_to_24h": 0.3,
                "share_touched_after_24h": 0.2, "share_never_worked": 0.1 + 0.01 * d,
                "friction_index": 0.4 - 0.02 * d + 0.005 * noise,
            }  # fmt: skip
            for k, comp in enumerate(FRICTION_COMPONENTS):
                row[f"friction_{comp}"] = min(1.0, 0.05 * k + 0.02 * d + 0.01 * r)
            rows.append(row)
    return pd.DataFrame(rows)


def compare_daily(designs=PRESETS, replications=4, days=189) -> pd.DataFrame:
    """Three quarters; design d's cumulative bookings dip below the baseline's, then pass it (a J-curve)."""
    rows = []
    for d, name in enumerate(designs):
        for r in range(replications):
            for day in range(days):
                t = day / days
                bookings = 1e6 * t * (1 + 0.1 * d * (2 * t - 1.2)) + 100 * r
                rows.append({"scenario": name, "replication": r, "seed": 100 + r, "day": day, "pipeline_created": 4 * bookings,
                             "open_pipeline_value": 2 * bookings, "bookings_cumulative": bookings,
                             "trust_sales_in_marketing": 0.5 + 0.01 * d, "trust_marketing_in_sales": 0.45})  # fmt: skip
    return pd.DataFrame(rows)


def write_compare_folder(out: Path, designs=PRESETS, replications=4, days=189) -> Path:
    runs = compare_runs(designs, replications)
    daily = compare_daily(designs, replications, days)
    cumulative, crossover = cumulative_by_quarter(daily, BASELINE)
    frames = {
        "runs": runs,
        "summary": summarize_by(runs, "scenario", OUTCOMES),
        "differences": paired_differences(runs, BASELINE, "scenario", "replication", OUTCOMES),
        "daily": daily,
        "cumulative": cumulative,
        "crossover": crossover,
    }
    meta = {
        "command": "compare", "scenarios": {n: load_scenario(n).model_dump() for n in designs}, "replications": replications,
        "seed": 0, "baseline": BASELINE, "days": days, "explain": False, "version": "test",
    }  # fmt: skip
    write_results(out, frames, meta)
    return out
