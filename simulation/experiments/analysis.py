"""Means with confidence intervals and paired differences between designs.

Intervals are Student-t intervals (``scipy.stats.t``) across replications. Designs are
compared on common random numbers: replication ``r`` of every design uses the same seed,
so the difference between two designs is taken within each replication first and the
interval is computed on those paired differences.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

KEY_OUTCOMES = (
    "bookings",
    "pipeline_created",
    "mqls",
    "mql_acceptance_rate",
    "share_never_worked",
    "median_speed_to_lead_hours",
    "win_rate",
    "quota_attainment_share",
    "friction_index",
    "trust_sales_in_marketing",
    "trust_marketing_in_sales",
    "cac",
)


def mean_ci(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided Student-t confidence interval; NaNs are dropped.

    With a single value the interval is that value's point (no spread to estimate).
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return (float("nan"),) * 3
    mean = float(x.mean())
    if len(x) < 2 or np.all(x == x[0]):
        return mean, mean, mean
    low, high = stats.t.interval(confidence, len(x) - 1, loc=mean, scale=stats.sem(x))
    return mean, float(low), float(high)


def summarize_by(
    runs: pd.DataFrame, by: str | list[str] = "scenario", outcomes: Sequence[str] = KEY_OUTCOMES, confidence: float = 0.95
) -> pd.DataFrame:
    """Tidy frame: one row per (group, outcome) with n, mean, ci_low, ci_high."""
    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    for group, frame in runs.groupby(keys, sort=False):
        group = group if isinstance(group, tuple) else (group,)
        for outcome in outcomes:
            if outcome not in frame:
                continue
            mean, low, high = mean_ci(frame[outcome], confidence)
            rows.append({**dict(zip(keys, group)), "outcome": outcome, "n": int(frame[outcome].notna().sum()),
                         "mean": mean, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def paired_differences(
    runs: pd.DataFrame,
    reference: str,
    by: str = "scenario",
    pair_on: str = "replication",
    outcomes: Sequence[str] = KEY_OUTCOMES,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Each group minus ``reference``, paired on ``pair_on`` (common random numbers).

    Returns one row per (group, outcome): n pairs, mean difference and its interval, and
    the reference's mean for scale.
    """
    if reference not in set(runs[by]):
        raise ValueError(f"reference {reference!r} is not among the {by} values")
    base = runs[runs[by] == reference].set_index(pair_on)
    rows = []
    for group, frame in runs.groupby(by, sort=False):
        if group == reference:
            continue
        other = frame.set_index(pair_on)
        common = other.index.intersection(base.index)
        for outcome in outcomes:
            if outcome not in other:
                continue
            diff = other.loc[common, outcome].astype(float) - base.loc[common, outcome].astype(float)
            mean, low, high = mean_ci(diff.to_numpy(), confidence)
            rows.append({by: group, "reference": reference, "outcome": outcome, "n": int(diff.notna().sum()),
                         "difference": mean, "ci_low": low, "ci_high": high,
                         "reference_mean": float(base.loc[common, outcome].astype(float).mean())})
    return pd.DataFrame(rows)
