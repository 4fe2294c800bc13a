"""Quarterly outcomes of every run, and what a reorganisation roadmap costs and when it pays back.

A roadmap (a scenario with a ``timeline``) is compared with the design it starts from on
common random numbers: before the first change the two runs are identical, so every
difference after it is the change's. Per quarter the paired difference (roadmap minus
starting design, replication by replication) has a Student-t 95% interval
(:func:`~simulation.experiments.analysis.mean_ci`); so does the cumulative bookings
difference at each quarter end.

**Payback quarter.** The first quarter, at or after the first change, from whose end the
mean cumulative bookings difference stays above zero to the end of the horizon. Its 95%
interval applies the same rule to the bounds of the cumulative difference's interval: the
*earliest* payback quarter is the first from which the upper bound stays above zero (from
then on, being ahead cannot be ruled out); the *latest* is the first from which the lower
bound stays above zero (from then on, the roadmap is ahead with 95% confidence). A bound
that never stays above zero gives "not within the horizon" (NaN). The **transition dip**
is the lowest quarterly paired bookings difference from the change on (with its interval
and quarter), and the **trough** the lowest cumulative difference: the bottom of the J.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .analysis import mean_ci

QUARTER_DAYS = 63

QUARTERLY_OUTCOMES = (
    "bookings",
    "pipeline_created",
    "total_cost",
    "mqls",
    "sqls",
    "deals_won",
    "cost_per_won_deal",
    "friction_index",
    "trust_sales_in_marketing",
    "trust_marketing_in_sales",
    "sdr_headcount",
    "bookings_cumulative",
)
"""Columns of ``quarterly``: flows over the quarter (bookings, pipeline created, total cost,
MQLs, SQLs, deals won; cost per won deal is the quarter's cost over its won deals) and
states at the quarter's last day (friction index, trust each way, SDRs, cumulative bookings)."""

ROADMAP_OUTCOMES = ("bookings", "pipeline_created", "total_cost", "friction_index")
"""Outcomes whose quarterly paired difference a roadmap comparison reports."""


def quarterly_outcomes(daily: pd.DataFrame, quarter_days: int = QUARTER_DAYS) -> pd.DataFrame:
    """One row per (scenario, replication, quarter) from the daily series of many runs.

    ``days`` says how many working days the quarter had (a horizon that is not a whole
    number of quarters ends with a shorter one).
    """
    keys = ["scenario", "replication"]
    d = daily.sort_values([*keys, "day"], kind="stable").copy()
    d["quarter"] = d["day"] // quarter_days + 1
    grouped = d.groupby([*keys, "quarter"], sort=False)
    last = grouped.tail(1).set_index([*keys, "quarter"])
    q = pd.DataFrame(index=last.index)
    q["seed"] = last["seed"] if "seed" in last else np.nan
    q["days"] = grouped.size()
    q["bookings"] = grouped["bookings"].sum()
    cumulative = {"pipeline_created": "pipeline_created", "total_cost": "total_cost", "mqls": "entered_mql",
                  "sqls": "entered_sql", "deals_won": "entered_won"}
    for name, column in cumulative.items():
        end = last[column].astype(float)
        q[name] = end - end.groupby(level=keys, sort=False).shift(1).fillna(0.0)
    q["cost_per_won_deal"] = q["total_cost"] / q["deals_won"].where(q["deals_won"] > 0)
    for name in ("friction_index", "trust_sales_in_marketing", "trust_marketing_in_sales", "sdr_headcount", "bookings_cumulative"):
        q[name] = last[name].astype(float)
    return q.reset_index()


def roadmap_quarterly(quarterly: pd.DataFrame, references: Mapping[str, str], switch_quarters: Mapping[str, int],
                      outcomes=ROADMAP_OUTCOMES, confidence: float = 0.95) -> pd.DataFrame:
    """Per roadmap, quarter and outcome: the paired difference against its starting design
    with its interval, and the cumulative difference (over the quarters so far) with its
    interval. ``references`` maps a roadmap to its starting design's name."""
    rows = []
    for roadmap, reference in references.items():
        mine = quarterly[quarterly["scenario"] == roadmap].set_index(["replication", "quarter"])
        base = quarterly[quarterly["scenario"] == reference].set_index(["replication", "quarter"])
        common = mine.index.intersection(base.index)
        for outcome in outcomes:
            diff = (mine.loc[common, outcome].astype(float) - base.loc[common, outcome].astype(float)).sort_index()
            cumulative = diff.groupby(level="replication").cumsum()
            for quarter in sorted(diff.index.get_level_values("quarter").unique()):
                per = diff.xs(quarter, level="quarter").to_numpy()
                cum = cumulative.xs(quarter, level="quarter").to_numpy()
                mean, low, high = mean_ci(per, confidence)
                cmean, clow, chigh = mean_ci(cum, confidence)
                rows.append({
                    "scenario": roadmap, "reference": reference, "switch_quarter": int(switch_quarters[roadmap]),
                    "quarter": int(quarter), "outcome": outcome, "n": int(np.isfinite(per).sum()),
                    "difference": mean, "ci_low": low, "ci_high": high,
                    "cumulative": cmean, "cumulative_ci_low": clow, "cumulative_ci_high": chigh,
                })
    return pd.DataFrame(rows)


def first_quarter_staying_positive(quarters, values, start: int) -> float:
    """The first quarter at or after ``start`` from which every value stays above zero to
    the last quarter; NaN if there is none (or the last value is not above zero)."""
    q = np.asarray(quarters, dtype=float)
    v = np.asarray(values, dtype=float)
    keep = q >= start
    q, v = q[keep], v[keep]
    if len(v) == 0 or not v[-1] > 0:
        return float("nan")
    not_positive = np.flatnonzero(~(v > 0))
    return float(q[not_positive[-1] + 1]) if len(not_positive) else float(q[0])


def payback(roadmap_frame: pd.DataFrame) -> pd.DataFrame:
    """Per roadmap: the payback quarter with its interval, the transition dip and the trough
    (see the module docstring), from :func:`roadmap_quarterly`'s bookings rows."""
    rows = []
    book = roadmap_frame[roadmap_frame["outcome"] == "bookings"]
    for roadmap, f in book.groupby("scenario", sort=False):
        f = f.sort_values("quarter")
        start = int(f["switch_quarter"].iloc[0])
        after = f[f["quarter"] >= start]
        dip = after.loc[after["difference"].idxmin()] if len(after) else None
        trough = after.loc[after["cumulative"].idxmin()] if len(after) else None
        rows.append({
            "scenario": roadmap, "reference": f["reference"].iloc[0], "switch_quarter": start,
            "quarters": int(f["quarter"].max()), "n": int(f["n"].min()),
            "payback_quarter": first_quarter_staying_positive(f["quarter"], f["cumulative"], start),
            "payback_earliest": first_quarter_staying_positive(f["quarter"], f["cumulative_ci_high"], start),
            "payback_latest": first_quarter_staying_positive(f["quarter"], f["cumulative_ci_low"], start),
            "dip_quarter": int(dip["quarter"]) if dip is not None else np.nan,
            "dip": float(dip["difference"]) if dip is not None else np.nan,
            "dip_ci_low": float(dip["ci_low"]) if dip is not None else np.nan,
            "dip_ci_high": float(dip["ci_high"]) if dip is not None else np.nan,
            "trough_quarter": int(trough["quarter"]) if trough is not None else np.nan,
            "trough": float(trough["cumulative"]) if trough is not None else np.nan,
            "final_cumulative": float(f["cumulative"].iloc[-1]),
            "final_cumulative_ci_low": float(f["cumulative_ci_low"].iloc[-1]),
            "final_cumulative_ci_high": float(f["cumulative_ci_high"].iloc[-1]),
        })
    return pd.DataFrame(rows)


def describe_quarter(value: float) -> str:
    """A payback quarter in words: "quarter 5", or "not within the horizon"."""
    return "not within the horizon" if value != value else f"quarter {int(value)}"
