"""Where a run's time goes: each phase of the model's day, timed over one run.

    python benchmarks/phases.py [PRESET] [--seed N]

Wraps each phase of ``OrgModel.step`` and each kind of agent's ``step`` in a timer, runs the
preset once to warm up and once measured, and prints seconds and shares per phase. Phases
nest (``work_leads`` includes first touches and qualification; a marketer's step includes its
weekly decision), so the shares add up to the run's total minus the untimed glue. The timers
add a few percent to the run.
"""

from __future__ import annotations

import argparse
import collections
import time

from simulation import metrics
from simulation.agents import SDR, AccountExecutive, Marketer
from simulation.market import Market
from simulation.model import OrgModel
from simulation.runner import run

MODEL_PHASES = (
    "_refresh_score_samples",
    "count_deals",
    "count_queues",
    "run_campaigns",
    "create_inbound_leads",
    "_flush_new_leads",
    "run_prospecting",
    "work_leads",
    "work_deals",
    "pull_in_deals",
    "close_deals",
    "age_out",
    "check_sla",
    "deliver_feedback",
    "_marketing_trust_from_today",
    "_pay_costs",
    "end_quarter",
)


def instrument(totals: collections.Counter) -> None:
    """Replace each phase with a timed wrapper that adds its wall time to ``totals``."""

    def wrap(owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - start

        setattr(owner, name, timed)

    for name in MODEL_PHASES:
        wrap(OrgModel, name, f"model.{name}")
    for cls in (Marketer, SDR, AccountExecutive):
        wrap(cls, "step", f"{cls.__name__}.step")
    wrap(Market, "step", "Market.step")
    wrap(metrics.DailyRecorder, "record", "DailyRecorder.record")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", nargs="?", default="separate_targets")
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    totals: collections.Counter = collections.Counter()
    instrument(totals)
    run(args.preset, seed=args.seed + 1)  # warm-up: imports, caches
    totals.clear()
    start = time.perf_counter()
    run(args.preset, seed=args.seed)
    total = time.perf_counter() - start
    print(f"{args.preset}, seed {args.seed}: {total:.3f} s with timers")
    print(f"{'phase':40s} {'seconds':>8s} {'share':>6s}")
    for label, seconds in totals.most_common():
        print(f"{label:40s} {seconds:8.3f} {seconds / total:6.1%}")


if __name__ == "__main__":
    main()
