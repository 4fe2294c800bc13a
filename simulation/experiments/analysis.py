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
    "total_cost",
    "cac",
)


def mean_ci(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided Student-t confidence interval; NaNs are dropped.

    With a single value there is no spread to estimate, so there is no interval: the bounds
    are NaN (a zero-width interval would read as certainty). Identical values give the
    point itself.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return (float("nan"),) * 3
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    if np.all(x == x[0]):
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
            rows.append(
                {
                    **dict(zip(keys, group, strict=False)),
                    "outcome": outcome,
                    "n": int(frame[outcome].notna().sum()),
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
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
            rows.append(
                {
                    by: group,
                    "reference": reference,
                    "outcome": outcome,
                    "n": int(diff.notna().sum()),
                    "difference": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "reference_mean": float(base.loc[common, outcome].astype(float).mean()),
                }
            )
    return pd.DataFrame(rows)


def cumulative_by_quarter(
    daily: pd.DataFrame, reference: str, column: str = "bookings_cumulative", quarter_days: int = 63, confidence: float = 0.95
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The paired difference of a cumulative outcome against ``reference`` at every quarter end.

    Returns (per scenario and quarter: n, mean difference, interval; per scenario: the quarter
    from which the mean cumulative difference keeps the sign it ends with, after having had
    the other sign -- where a design that costs first and pays later (brand) crosses over; NaN
    if the sign never changed). Quarters are numbered from 1.
    """
    ends = daily[(daily["day"] + 1) % quarter_days == 0]
    ends = ends.assign(quarter=(ends["day"] + 1) // quarter_days)
    base = ends[ends["scenario"] == reference].set_index(["replication", "quarter"])[column]
    rows, crossings = [], []
    for scenario, frame in ends.groupby("scenario", sort=False):
        if scenario == reference:
            continue
        other = frame.set_index(["replication", "quarter"])[column]
        common = other.index.intersection(base.index)
        diff = (other.loc[common] - base.loc[common]).astype(float)
        means = []
        for quarter, values in diff.groupby(level="quarter"):
            mean, low, high = mean_ci(values.to_numpy(), confidence)
            rows.append({"scenario": scenario, "reference": reference, "quarter": int(quarter), "n": len(values), "difference": mean, "ci_low": low, "ci_high": high})
            means.append((int(quarter), mean))
        crossing = float("nan")
        if means:
            final = np.sign(means[-1][1])
            signs = [np.sign(m) for _, m in means]
            if final != 0 and any(sg == -final for sg in signs):
                last_other = max(i for i, sg in enumerate(signs) if sg != final)
                crossing = float(means[last_other + 1][0]) if last_other + 1 < len(means) else float("nan")
        crossings.append({"scenario": scenario, "reference": reference, "outcome": column, "sign_change_quarter": crossing,
                          "final_difference": means[-1][1] if means else float("nan")})
    return pd.DataFrame(rows), pd.DataFrame(crossings)


def parameter_columns(runs: pd.DataFrame) -> list[str]:
    """The parameter columns of a sweep's run rows: those between ``seed`` and ``status``."""
    columns = list(runs.columns)
    if "seed" not in columns or "status" not in columns:
        raise ValueError("not a sweep's run rows (no seed and status columns)")
    return columns[columns.index("seed") + 1 : columns.index("status")]


def summarize_results(
    runs: pd.DataFrame,
    outcomes: Sequence[str] | None = None,
    reference: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per point and outcome of a sweep: the mean with its interval, and the paired difference
    against a reference point.

    Failure rows are left out. Differences are paired on the replication (common random
    numbers): each replication's value at the point minus the same replication's value at
    ``reference``, over the replications that succeeded at both.

    Args:
        runs: run rows, e.g. from :func:`~simulation.experiments.store.load_results`.
        outcomes: default: every numeric outcome column the rows have among
            :data:`KEY_OUTCOMES`, else all numeric outcome columns.
        reference: the point differences are taken against (default: the first point).

    Returns:
        One row per (point, outcome): ``point``, the parameters, ``outcome``, ``n``,
        ``mean``, ``ci_low``, ``ci_high``, ``reference``, ``difference``,
        ``difference_ci_low``, ``difference_ci_high``, ``n_pairs``.
    """
    params = parameter_columns(runs)
    ok = runs[runs["status"] == "ok"]
    if outcomes is None:
        numeric = [c for c in runs.columns[runs.columns.get_loc("traceback") + 1 :] if pd.api.types.is_numeric_dtype(runs[c])]
        outcomes = [c for c in KEY_OUTCOMES if c in numeric] or numeric
    missing = [o for o in outcomes if o not in runs.columns]
    if missing:
        raise ValueError(f"no outcome column {missing[0]!r} in these results")
    if ok.empty:
        raise ValueError("no successful runs to summarise")
    points = sorted(runs["point"].unique())
    reference = points[0] if reference is None else reference
    if reference not in set(ok["point"]):
        raise ValueError(f"reference point {reference} has no successful runs (points are 0 to {max(points)})")
    means = summarize_by(ok, "point", outcomes, confidence)
    diffs = paired_differences(ok, reference, "point", "replication", outcomes, confidence)
    if diffs.empty:  # a single point: nothing to compare
        diffs = pd.DataFrame(columns=["point", "outcome", "n", "difference", "ci_low", "ci_high"])
    diffs = diffs.rename(columns={"ci_low": "difference_ci_low", "ci_high": "difference_ci_high", "n": "n_pairs"})
    diffs = diffs[["point", "outcome", "n_pairs", "difference", "difference_ci_low", "difference_ci_high"]]
    table = means.merge(diffs, on=["point", "outcome"], how="left")
    is_ref = table["point"] == reference
    table.loc[is_ref, ["difference", "difference_ci_low", "difference_ci_high"]] = 0.0
    table.loc[is_ref, "n_pairs"] = table.loc[is_ref, "n"]
    without = sorted(set(points) - set(ok["point"]))  # every run failed: show the point with n = 0
    if without:
        empty = pd.DataFrame(
            [
                {"point": p, "outcome": o, "n": 0, "mean": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")}
                for p in without
                for o in outcomes
            ]
        )
        table = pd.concat([table, empty], ignore_index=True)
    table["reference"] = reference
    labels = runs.drop_duplicates("point").set_index("point")[params]
    table = table.join(labels, on="point")
    order = [
        "point",
        *params,
        "outcome",
        "n",
        "mean",
        "ci_low",
        "ci_high",
        "reference",
        "difference",
        "difference_ci_low",
        "difference_ci_high",
        "n_pairs",
    ]
    table["n_pairs"] = table["n_pairs"].fillna(0).astype(int)
    table = table[order]
    outcome_rank = {o: i for i, o in enumerate(outcomes)}
    return table.sort_values(
        ["point", "outcome"], key=lambda s: s.map(outcome_rank) if s.name == "outcome" else s, kind="stable"
    ).reset_index(drop=True)


# ----------------------------------------------------------------------------- many comparisons at once


def paired_p_value(difference: float, low: float, high: float, n: int, confidence: float = 0.95) -> float:
    """Two-sided p-value of a paired t-test, recovered from the mean difference and its
    Student-t interval (as :func:`mean_ci` computes it) over ``n`` pairs.

    NaN without an interval (fewer than two pairs); 0 or 1 for identical differences
    (a zero-width interval away from zero, or at zero).
    """
    values = (difference, low, high)
    if n < 2 or any(v is None or np.isnan(float(v)) for v in values):
        return float("nan")
    if high == low:
        return 1.0 if difference == 0 else 0.0
    se = (high - low) / (2 * stats.t.ppf(0.5 + confidence / 2, n - 1))
    return float(2 * stats.t.sf(abs(difference) / se, n - 1))


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of simultaneous p-values (family-wise error rate).

    An adjusted p-value below alpha means the comparison stays resolved after correcting for
    every comparison in the family; NaNs are left out of the family and stay NaN.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    m = len(idx)
    if m == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out
