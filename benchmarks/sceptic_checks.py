"""The model audit's sceptic's checks (model-audit-2026-11, last table), re-run on paired seeds.

Each check varies one lever of one design and prints bookings (and what the check is about)
per setting, as the mean over replications on common random numbers, with the paired
difference against the check's reference setting as a % of the reference (and its 95%
interval). The claims a sales leader would make are asserted in tests/test_sceptic.py on
short horizons; this script gives the full-horizon figures reported in the notes.

    python benchmarks/sceptic_checks.py [--replications 6] [--days 504] [--workers 2] [--only NAME]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import stats

from simulation.runner import replication_seeds, run
from simulation.scenario import load_scenario

CHECKS = {
    # name: (design, field, values, reference value, extra outcome)
    "ae_headcount": ("separate_targets", "sales.ae_headcount", [5, 10, 20, 40, 80], 20, "sqls"),
    "marketing_budget": ("separate_targets", "marketing.budget_per_quarter_usd", [0, 225_000, 450_000, 900_000, 1_800_000], 450_000, "mqls"),
    "marketing_budget_sla": ("sla", "marketing.budget_per_quarter_usd", [0, 225_000, 450_000, 900_000, 1_800_000], 450_000, "mqls"),
    "sdr_headcount": ("separate_targets", "sdr.headcount", [0, 1, 2, 4, 8, 16], 8, "share_never_worked"),
    "sdr_headcount_sla": ("sla", "sdr.headcount", [0, 1, 2, 4, 8, 16], 8, "share_never_worked"),
    "sla_deadline": ("sla", "sla.first_touch_hours", [1, 4, 24, 72, 168], 24, "median_speed_to_lead_hours"),
    "sla_definition": ("sla", "sla.mql_definition_score", [0.35, 0.45, 0.55, 0.65], 0.55, "mql_acceptance_rate"),
    "sla_breach_review": ("sla", "sla.breach_review", [False, True], True, "median_speed_to_lead_hours"),
    "commission_rate": ("separate_targets", "sales.commission_rate", [0.0, 0.05, 0.10, 0.20], 0.10, "sqls"),
    "joint_meeting_cadence": ("shared_revenue_targets", "collaboration.joint_meeting_every_days", [0, 5, 21, 252], 21, "friction_enablement_unused"),
    "brand_share_12q": ("separate_targets", "marketing.brand_share", [0.0, 0.3, 0.6, 0.9], 0.3, "final_awareness"),
}


def _one(args):
    design, overrides, seed, days = args
    sc = load_scenario(design).with_overrides(overrides)
    return run(sc, seed=seed, days=days).summary.iloc[0].to_dict()


def check(name: str, replications: int, days: int, pool) -> None:
    design, field, values, ref, extra = CHECKS[name]
    if name.endswith("_12q"):
        days = max(days, 756)
        extra_overrides = {"leadership.short_termism": 0.0}
    else:
        extra_overrides = {}
    seeds = replication_seeds(0, replications)
    jobs = [(design, {field: v, **extra_overrides}, s, days) for v in values for s in seeds]
    rows = list(pool.map(_one, jobs))
    by_value = {v: rows[i * replications : (i + 1) * replications] for i, v in enumerate(values)}
    ref_b = np.array([r["bookings"] for r in by_value[ref]])
    print(f"\n{name}: {design}, {field} (reference {ref}; {replications} replications, {days} days)")
    print(f"  {'value':>10} {'bookings':>10} {'vs ref %':>9} {'95% CI':>17} {extra:>28}")
    for v in values:
        b = np.array([r["bookings"] for r in by_value[v]])
        d = (b - ref_b) / ref_b.mean() * 100
        if v == ref or replications < 2:
            ci = ""
        else:
            half = stats.t.ppf(0.975, replications - 1) * d.std(ddof=1) / np.sqrt(replications)
            ci = f"[{d.mean() - half:+.1f}, {d.mean() + half:+.1f}]"
        e = np.nanmean([r[extra] for r in by_value[v]])
        print(f"  {v!s:>10} {b.mean() / 1e6:>9.2f}M {d.mean():>+8.1f}% {ci:>17} {e:>28.3f}")
    sys.stdout.flush()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replications", type=int, default=6)
    p.add_argument("--days", type=int, default=504)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--only", nargs="*", choices=list(CHECKS))
    args = p.parse_args()
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        for name in args.only or CHECKS:
            check(name, args.replications, args.days, pool)
    print(f"\n{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
