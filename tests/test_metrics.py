"""The results contract: summary and daily columns, and how the composite metrics are built."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import REQUIRED_SUMMARY_COLUMNS

from simulation import run
from simulation.leads import STAGE_NAMES
from simulation.metrics import FRICTION_COMPONENTS

# Issue 2, item 7: the daily series holds stage counts, open pipeline value, bookings,
# costs, trust each way and the friction components.
REQUIRED_DAILY_COLUMNS = [
    "scenario",
    "seed",
    "replication",
    "day",
    *(f"stage_{s}" for s in STAGE_NAMES),
    "open_pipeline_value",
    "bookings",
    "total_cost",
    "trust_sales_in_marketing",
    "trust_marketing_in_sales",
    "friction_index",
    *(f"friction_{c}" for c in FRICTION_COMPONENTS),
]


@pytest.fixture(scope="module")
def baseline():
    """separate_targets on a small market for one quarter (so quarterly metrics exist)."""
    from simulation import load_scenario

    sc = load_scenario("separate_targets").with_overrides({"market.n_accounts": 3000})
    return run(sc, seed=3, replication=4, days=64)


def test_summary_has_every_required_column_and_one_row(baseline):
    s = baseline.summary
    missing = [c for c in REQUIRED_SUMMARY_COLUMNS if c not in s.columns]
    assert not missing, f"missing summary columns: {missing}"
    assert len(s) == 1
    assert list(s.columns[:3]) == ["scenario", "seed", "replication"]
    row = s.iloc[0]
    assert row["scenario"] == "separate_targets"
    assert row["seed"] == 3 and row["replication"] == 4
    assert len(set(s.columns)) == len(s.columns), "duplicate column names"


def test_summary_values_are_plain_numbers(baseline):
    row = baseline.summary.iloc[0]
    for c in REQUIRED_SUMMARY_COLUMNS[1:]:
        assert isinstance(row[c], (int, float, np.integer, np.floating)), f"{c} is {type(row[c])}"


def test_daily_has_every_required_column_one_row_per_day(baseline):
    d = baseline.daily
    missing = [c for c in REQUIRED_DAILY_COLUMNS if c not in d.columns]
    assert not missing, f"missing daily columns: {missing}"
    assert d["day"].tolist() == list(range(64))
    assert set(d["scenario"]) == {"separate_targets"} and set(d["seed"]) == {3} and set(d["replication"]) == {4}
    assert d["quarter"].tolist() == [1] * 63 + [2]


@pytest.mark.parametrize("name", ["sla", "outsourced_sdr"])
def test_scenario_column_is_the_preset_name(name):
    from simulation import load_scenario

    res = run(load_scenario(name).with_overrides({"market.n_accounts": 1000}), seed=0, days=10)
    assert res.summary["scenario"].tolist() == [name]
    res = run(name, seed=0, days=3)  # by preset name
    assert res.summary["scenario"].tolist() == [name]


def test_friction_index_is_the_mean_of_its_groups(baseline):
    """Correlated components count once: the index is the mean over groups of each group's mean."""
    from simulation.metrics import FRICTION_GROUPS

    assert sorted(c for members in FRICTION_GROUPS.values() for c in members) == sorted(FRICTION_COMPONENTS)
    row = baseline.summary.iloc[0]
    comps = [float(row[f"friction_{c}"]) for c in FRICTION_COMPONENTS]
    assert all(0 <= v <= 1 for v in comps)
    groups = [np.mean([row[f"friction_{c}"] for c in members]) for members in FRICTION_GROUPS.values()]
    assert row["friction_index"] == pytest.approx(np.mean(groups))
    d = baseline.daily
    by_group = np.column_stack([d[[f"friction_{c}" for c in members]].mean(axis=1) for members in FRICTION_GROUPS.values()])
    np.testing.assert_allclose(d["friction_index"], by_group.mean(axis=1))


def test_friction_components_agree_with_the_summary_they_summarise(baseline):
    row = baseline.summary.iloc[0]
    assert row["friction_share_never_worked"] == pytest.approx(row["share_never_worked"])
    # No agency or outbound MQLs in this design: rejection rate is 1 - acceptance rate.
    assert row["friction_mql_rejection_rate"] == pytest.approx(1 - row["mql_acceptance_rate"])
    # Late first touches are measured against the same standard with or without an SLA: at
    # least every lead never worked is late; only SLA breaches need an SLA.
    assert row["friction_sla_breach_rate"] >= row["share_never_worked"] - 1e-12 and row["sla_breaches"] == 0
    assert 0.0 <= row["friction_blame_rate"] <= min(1.0, row["blame_events"] / 2)
    mean_trust = (row["trust_sales_in_marketing"] + row["trust_marketing_in_sales"]) / 2
    assert row["friction_trust_deficit"] == pytest.approx(1 - mean_trust)
    fb = row["feedback_given"] + row["feedback_withheld"]
    assert row["friction_feedback_withheld"] == pytest.approx(row["feedback_withheld"] / fb if fb else 0.0)


def test_money_columns_are_consistent(baseline):
    row = baseline.summary.iloc[0]
    costs = [c for c in baseline.summary.columns if c.startswith("cost_")]
    assert costs
    assert row["total_cost"] == pytest.approx(sum(row[c] for c in costs))
    if row["deals_won"]:
        assert row["cac"] == pytest.approx(row["total_cost"] / row["deals_won"])
    else:
        assert math.isnan(row["cac"])
    d = baseline.daily
    assert d["bookings"].sum() == pytest.approx(row["bookings"])
    assert d["bookings_cumulative"].iloc[-1] == pytest.approx(row["bookings"])
    assert d["total_cost"].iloc[-1] == pytest.approx(row["total_cost"])
    assert d["pipeline_created"].iloc[-1] == pytest.approx(row["pipeline_created"])
    # Won deals' values add up to bookings.
    won = baseline.leads[baseline.leads["stage"] == "won"]
    assert won["value"].sum() == pytest.approx(row["bookings"])


def test_counts_agree_with_the_lead_table(baseline):
    row = baseline.summary.iloc[0]
    leads = baseline.leads
    stages = leads["stage"].value_counts()
    assert len(leads) == row["leads_created"]
    assert stages.get("won", 0) == row["deals_won"]
    assert stages.get("lost", 0) == row["deals_lost"]
    assert stages.get("no_decision", 0) == row["deals_no_decision"]
    assert stages.get("rejected", 0) == row["mqls_rejected"]
    assert stages.get("never_worked", 0) == row["mqls_never_worked"]
    assert (leads["mql_day"] >= 0).sum() == row["mqls"]
    assert (leads["sql_day"] >= 0).sum() == row["sqls"]
    last = baseline.daily.iloc[-1]
    for s in STAGE_NAMES:
        assert last[f"stage_{s}"] == stages.get(s, 0), s


def test_speed_to_lead_and_rates_are_computed_from_leads(baseline):
    row = baseline.summary.iloc[0]
    leads = baseline.leads
    marketing = leads["source"].isin(["inbound", "campaign_broad", "campaign_targeted"]) & (leads["mql_day"] >= 0)
    touched = marketing & (leads["first_touch_day"] >= 0)
    assert row["median_speed_to_lead_hours"] == pytest.approx(float(np.median(leads.loc[touched, "speed_to_lead_hours"])), rel=1e-6)
    decided = row["deals_won"] + row["deals_lost"] + row["deals_no_decision"]
    if decided:
        assert row["win_rate"] == pytest.approx(row["deals_won"] / decided)
    acc_rej = row["mqls_accepted"] + row["mqls_rejected"]
    assert row["mql_acceptance_rate"] == pytest.approx(row["mqls_accepted"] / acc_rej)


def test_quota_attainment_needs_a_finished_quarter():
    from simulation import load_scenario

    sc = load_scenario("separate_targets").with_overrides({"market.n_accounts": 1000})
    assert math.isnan(run(sc, seed=0, days=20).summary["quota_attainment_share"].iloc[0])
    share = run(sc, seed=0, days=63).summary["quota_attainment_share"].iloc[0]
    assert 0.0 <= share <= 1.0
    # A whole number of AEs made quota in one quarter.
    n = sc.sales.ae_headcount
    assert share * n == pytest.approx(round(share * n))


def test_days_override_keeps_name_and_sets_length():
    res = run("combined_revenue_org", seed=1, days=7)
    assert len(res.daily) == 7
    assert res.summary["scenario"].iloc[0] == "combined_revenue_org"


def test_results_frames_are_tidy(baseline):
    for frame in (baseline.summary, baseline.daily, baseline.leads):
        assert isinstance(frame, pd.DataFrame)
        assert frame.columns.is_unique
        assert isinstance(frame.index, pd.RangeIndex)


def test_summary_friction_equals_the_last_daily_row():
    """The summary describes the state of the last recorded day: its friction components equal
    the daily series' last row (blame rate = blame events / (2 x quarters elapsed)). (Regression:
    the summary once counted one day more than was simulated.)"""
    from simulation import load_scenario
    from simulation.metrics import summarize
    from simulation.model import OrgModel

    sc = load_scenario("separate_targets").with_overrides({"market.n_accounts": 1000, "horizon_days": 70})
    model = OrgModel(sc, seed=0)
    for _ in range(69):
        model.step()
    model.blame_events = 1  # a known, non-zero count (no quarter end on the last day)
    model.step()
    assert model.blame_events == 1
    last = model.recorder.frame().iloc[-1]
    row = summarize(model)
    assert last["friction_blame_rate"] == pytest.approx(model.blame_events / (2 * 70 / 63))
    for c in FRICTION_COMPONENTS:
        assert row[f"friction_{c}"] == pytest.approx(last[f"friction_{c}"]), c


def test_deterministic_toy_company_with_no_market_pays_exactly_its_salaries():
    """Known values: no buyers, no budget, no SDRs, AEs not paid on what they source -> no
    leads, no bookings, undefined rates, costs exactly the salaries."""
    from simulation import load_scenario

    sc = load_scenario("separate_targets").with_overrides(
        {
            "market.n_accounts": 500,
            "market.in_market_share": 0.0,
            "market.inbound_rate": 0.0,
            "marketing.budget_per_quarter_usd": 0.0,
            "sdr.headcount": 0,
            "sales.commission_rate": 0.0,  # nothing rewards self-sourcing, so AEs do not prospect
            "behaviour.brand_lag_days": 1.0,  # brand spend (none) reaches awareness at once
        }
    )
    days = 70  # crosses a quarter end: leaders review, set quotas and budgets
    res = run(sc, seed=0, days=days)
    row = res.summary.iloc[0]
    for col in ("leads_created", "mqls", "sqls", "deals_won", "bookings", "pipeline_created", "sla_breaches"):
        assert row[col] == 0, col
    for col in ("mql_acceptance_rate", "win_rate", "median_speed_to_lead_hours", "cac"):
        assert math.isnan(row[col]), f"{col} should be undefined with no leads, got {row[col]}"
    yearly = (
        sc.marketing.headcount * sc.marketing.salary_usd
        + sc.sales.ae_headcount * sc.sales.salary_usd
        + 2 * sc.leadership.salary_usd  # a CMO and a VP Sales
    )
    assert row["total_cost"] == pytest.approx(days * yearly / 252)
    assert row["cost_programmes"] == 0 and row["cost_commissions"] == 0
    d = res.daily
    assert (d[[c for c in d.columns if c.startswith("stage_")]].to_numpy() == 0).all()
    np.testing.assert_allclose(d["total_cost"], (d["day"] + 1) * yearly / 252)
    ratio = d["awareness_mean"].iloc[1:].to_numpy() / d["awareness_mean"].iloc[:-1].to_numpy()
    np.testing.assert_allclose(ratio, 1 - sc.behaviour.awareness_decay)
    assert (d["in_market_share"] == 0).all()


def test_compare_runs_every_design_on_the_same_seeds_in_process_and_in_a_pool():
    """Common random numbers: each replication's seed is shared by every design, and a worker pool
    returns exactly the rows the in-process run does."""
    from simulation import load_scenario
    from simulation.comparison import compare

    designs = [load_scenario(n).with_overrides({"market.n_accounts": 1000}) for n in ("separate_targets", "sla")]
    serial = compare(designs, replications=2, seed=7, workers=1, days=15, daily=False)
    pooled = compare(designs, replications=2, seed=7, workers=2, days=15, daily=False)
    runs = serial.runs
    assert len(runs) == 4
    assert (runs.groupby("replication")["seed"].nunique() == 1).all()
    assert runs.groupby("scenario")["seed"].nunique().eq(2).all()
    pd.testing.assert_frame_equal(serial.runs, pooled.runs)
    # Paired differences against the baseline are differences of the paired rows.
    diff = serial.differences
    row = diff[(diff["scenario"] == "sla") & (diff["outcome"] == "mqls")].iloc[0]
    by = runs.set_index(["scenario", "replication"])["mqls"]
    assert row["difference"] == pytest.approx((by["sla"] - by["separate_targets"]).mean())


def test_lead_frame_names_each_leads_segment_and_who_worked_it(small, stepped):
    """``segment`` is the lead's account's segment; ``worker_role`` is ``sdr`` or ``ae`` for the
    in-house SDR or AE who touched or accepted the lead, ``none`` for a lead nobody worked."""
    from simulation.metrics import lead_frame

    model = stepped(small("separate_targets"), 40, seed=4)
    leads = lead_frame(model)
    segment_names = np.array(["smb", "mid_market", "enterprise"])
    assert (leads["segment"].astype(str).to_numpy() == segment_names[model.market.segment[leads["account"].to_numpy()]]).all()
    worked = (leads["first_touch_day"] >= 0) | (leads["sal_day"] >= 0)
    role = leads["worker_role"].astype(str)
    assert (role[~worked] == "none").all()
    sdr_ids = {a.unique_id for a in model.sdrs}
    worker = model.leads.worker[: model.leads.n]
    by_sdr = worked.to_numpy() & np.isin(worker, list(sdr_ids))
    assert by_sdr.any() and (role[by_sdr] == "sdr").all()
    assert set(role[worked]) <= {"sdr", "ae"}
