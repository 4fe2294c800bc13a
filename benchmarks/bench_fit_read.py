"""Time reading a large CRM export with `orgsim fit`'s reader (issue 13, item 6).

Generates an export of N leads (default 1,000,000: id, created, first touch, SAL and SQL
dates, channel, SDR) and its opportunities in a temporary folder (nothing is kept), then
prints how long :func:`simulation.fit.mapping.read_source` takes to read and check it and
how long the observed funnel takes. Usage::

    python benchmarks/bench_fit_read.py [--leads N] [--seed N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.fit.fitting import observe_company
from simulation.fit.mapping import read_source

MAPPING = """leads:
  path: leads.csv
  id: lead_id
  created: created_at
  stage: mql
  stage_dates: {first_touch: first_touch_at, sal: sal_at, sql: sql_at}
  source: channel
  owner: sdr_id
deals:
  path: opps.csv
  lead_id: lead_id
  created: opened
  closed: closed
  outcome: stage
  outcome_values: {won: [Closed Won], lost: [Closed Lost], no_decision: [No Decision]}
  amount: amount
  owner: ae
  segment: segment
"""


def write_export(folder: Path, n: int, seed: int) -> int:
    rng = np.random.default_rng(seed)
    fmt = "%Y-%m-%d %H:%M:%S"
    created = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.uniform(0, 540, n), unit="D"))
    touch = created + pd.to_timedelta(rng.exponential(30, n), unit="h")
    touched = rng.random(n) < 0.6
    sal = touched & (rng.random(n) < 0.45)
    sql = sal & (rng.random(n) < 0.3)

    def text(dates: pd.Series, mask: np.ndarray) -> np.ndarray:
        return np.where(mask, dates.dt.strftime(fmt), "")

    pd.DataFrame({
        "lead_id": np.arange(n).astype(str), "created_at": created.dt.strftime(fmt), "first_touch_at": text(touch, touched),
        "sal_at": text(touch + pd.Timedelta(hours=1), sal), "sql_at": text(touch + pd.Timedelta(days=5), sql),
        "channel": rng.choice(["web", "ads", "events"], n), "sdr_id": rng.integers(0, 40, n).astype(str),
    }).to_csv(folder / "leads.csv", index=False)
    ids = np.flatnonzero(sql)
    opened = (touch + pd.Timedelta(days=5)).iloc[ids].reset_index(drop=True)
    closed = opened + pd.to_timedelta(rng.gamma(2, 30, len(ids)), unit="D")
    pd.DataFrame({
        "lead_id": ids.astype(str), "opened": opened.dt.strftime(fmt), "closed": closed.dt.strftime(fmt),
        "stage": rng.choice(["Closed Won", "Closed Lost", "No Decision"], len(ids), p=[0.45, 0.35, 0.2]),
        "amount": rng.lognormal(10, 1, len(ids)).round(2), "ae": rng.integers(0, 90, len(ids)).astype(str),
        "segment": rng.choice(["smb", "mid_market", "enterprise"], len(ids), p=[0.6, 0.3, 0.1]),
    }).to_csv(folder / "opps.csv", index=False)
    (folder / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        deals = write_export(folder, args.leads, args.seed)
        size = (folder / "leads.csv").stat().st_size / 1e6
        start = time.perf_counter()
        company = read_source(folder / "mapping.yaml")
        read = time.perf_counter() - start
        start = time.perf_counter()
        observe_company(company)
        funnel = time.perf_counter() - start
    print(f"read {args.leads:,} leads ({size:.0f} MB CSV) and {deals:,} deals in {read:.1f} s; observed funnel in {funnel:.1f} s")


if __name__ == "__main__":
    main()
