"""Calibration targets: their measurement on synthetic frames with known answers, the target
file, the validation table and report, the robustness analysis, and the shipped calibration
against its targets (slow)."""

from __future__ import annotations

import base64
import math
import os
import re

import numpy as np
import pandas as pd
import pytest

from simulation import run
from simulation.errors import OrgsimError
from simulation.leads import Reason
from simulation.validation import (
    CALENDAR_PER_WORKING_DAY,
    MEASURES,
    ODD_FILE,
    Observation,
    Robustness,
    Target,
    load_targets,
    measure_targets,
    observe,
    robustness_statements,
    summarize_targets,
    validate,
    validation_table,
    win_shares,
    write_report,
)

HORIZON, WARMUP = 504, 63


def lead(**columns) -> dict:
    """One synthetic lead: every column a measure reads, with 'not reached' defaults."""
    row = {
        "source": "inbound",
        "stage": "mql",
        "created_day": 100,
        "mql_day": -1,
        "first_touch_day": -1,
        "accepted_day": -1,
        "sal_day": -1,
        "sql_day": -1,
        "reason": 0,
        "closed_day": -1,
        "speed_to_lead_hours": np.nan,
        "segment": "smb",
        "worker_role": "none",
    }
    row.update(columns)
    return row


def observation(rows: list[dict], **fields) -> Observation:
    return Observation(
        leads=pd.DataFrame(rows), horizon_days=HORIZON, warmup_days=WARMUP, mql_max_age_days=21, sal_max_age_days=30, **fields
    )


def target(**overrides) -> Target:
    base = dict(
        name="t",
        title="t",
        published=0.5,
        low=0.4,
        high=0.7,
        unit="share",
        source="s",
        tag="S",
        tolerance="",
        design="separate_targets",
        measure="mql_acceptance",
        args={},
        period="",
        kind="emergent",
        use="fit",
    )
    base.update(overrides)
    return Target(**base)


# ----------------------------------------------------------------------------- measures with known answers


def test_response_time_bands_count_every_hand_raiser_in_the_resolved_cohort():
    answered = [0.5, 0.9, 1.0, 5.0, 24.0, 30.0, 100.0]
    rows = [lead(mql_day=100, first_touch_day=101, speed_to_lead_hours=h, stage="sal") for h in answered]
    rows += [lead(mql_day=100, stage="never_worked") for _ in range(2)]
    rows += [lead(stage="inquiry")]  # scored below the MQL threshold: never answered either
    # outside the cohort: before the warm-up, too late to be resolved, or not a hand-raiser
    rows += [
        lead(created_day=10, first_touch_day=10, speed_to_lead_hours=0.2),
        lead(created_day=HORIZON - 5, first_touch_day=HORIZON - 5, speed_to_lead_hours=0.2),
        lead(source="campaign_broad", first_touch_day=100, speed_to_lead_hours=0.2),
    ]
    obs = observation(rows)
    shares = {band: MEASURES["response_time_share"](obs, band=band) for band in ("within_1h", "1_to_24h", "after_24h", "never")}
    assert shares == pytest.approx({"within_1h": 0.3, "1_to_24h": 0.2, "after_24h": 0.2, "never": 0.3})
    assert sum(shares.values()) == pytest.approx(1.0)
    assert MEASURES["mean_response_hours"](obs) == pytest.approx(np.mean(answered))
    with pytest.raises(ValueError):
        MEASURES["response_time_share"](obs, band="sometime")


def test_never_pursued_share_counts_marketing_mqls_that_aged_out():
    rows = [
        lead(source="campaign_broad", mql_day=100, stage="never_worked"),
        lead(source="inbound", mql_day=100, stage="rejected", first_touch_day=101),
        lead(source="campaign_targeted", mql_day=100, stage="recycled", first_touch_day=101, sal_day=101),
        lead(source="campaign_broad", mql_day=100, stage="won", first_touch_day=101, sal_day=101, sql_day=105),
        lead(source="sdr_outbound", mql_day=100, stage="never_worked"),  # not marketing's
        lead(source="campaign_broad", mql_day=20, stage="never_worked"),
    ]  # warm-up
    assert MEASURES["never_pursued_share"](observation(rows)) == pytest.approx(0.25)


def test_mql_acceptance_is_accepted_over_touched_marketing_mqls():
    # accepted at the touch (``accepted_day``), whether or not a conversation followed (``sal_day``)
    rows = [lead(mql_day=99, first_touch_day=100, accepted_day=100, sal_day=sal, stage=s)
            for s, sal in (("sal", -1), ("sql", 102), ("recycled", -1))]
    rows += [
        lead(mql_day=99, first_touch_day=100, stage="rejected"),
        lead(mql_day=99, stage="never_worked"),
        lead(source="agency", mql_day=99, first_touch_day=100, stage="rejected"),
    ]
    assert MEASURES["mql_acceptance"](observation(rows)) == pytest.approx(0.75)


def test_waterfall_rates():
    rows = [lead(source="campaign_broad", mql_day=100 if i < 3 else -1, stage="mql" if i < 3 else "inquiry") for i in range(10)]
    assert MEASURES["inquiry_to_mql"](observation(rows)) == pytest.approx(0.3)
    # non-buyers' inquiries (screened out, only counted) after the warm-up join the denominator
    cumulative = np.zeros(HORIZON)
    cumulative[WARMUP - 10:] = 7  # before the warm-up ended: not in the cohort
    cumulative[WARMUP + 5:] = 7 + 20
    daily = pd.DataFrame({"non_buyer_inquiries": cumulative})
    assert MEASURES["inquiry_to_mql"](observation(rows, daily=daily)) == pytest.approx(3 / 30)
    sals = [
        lead(mql_day=99, first_touch_day=100, sal_day=100, sql_day=110 if i < 2 else -1, stage="sql" if i < 2 else "recycled")
        for i in range(5)
    ]
    sals.append(lead(mql_day=470, first_touch_day=475, sal_day=475, stage="sal"))  # too late to be resolved
    assert MEASURES["sal_to_sql"](observation(sals)) == pytest.approx(0.4)


def test_deal_outcome_shares_and_sql_to_close():
    outcomes = ["won"] * 5 + ["lost"] * 3 + ["no_decision"] * 2
    rows = [lead(sql_day=100, closed_day=150, stage=o) for o in outcomes]
    rows.append(lead(sql_day=10, closed_day=40, stage="lost"))  # decided during the warm-up
    obs = observation(rows)
    assert MEASURES["deal_outcome_share"](obs, outcome="won") == pytest.approx(0.5)
    assert MEASURES["deal_outcome_share"](obs, outcome="lost") == pytest.approx(0.3)
    assert MEASURES["deal_outcome_share"](obs, outcome="no_decision") == pytest.approx(0.2)
    rows.append(lead(sql_day=400, stage="sql"))  # opened too late to count
    assert MEASURES["sql_to_close"](observation(rows)) == pytest.approx(0.5)
    # SDRs' SQLs the AE's discovery disqualified count as SQLs that did not close; not as deals
    rows += [lead(sql_day=100, stage="recycled", reason=int(Reason.DISCOVERY)) for _ in range(10)]
    assert MEASURES["sql_to_close"](observation(rows)) == pytest.approx(5 / 20)
    assert MEASURES["deal_outcome_share"](observation(rows), outcome="won") == pytest.approx(0.5)
    assert MEASURES["median_cycle_days"](observation(rows), segment="smb") == pytest.approx(50 * CALENDAR_PER_WORKING_DAY)


def test_median_cycle_is_in_calendar_days_and_counts_open_deals_as_longest():
    def deals(cycles):
        return observation(
            [
                lead(segment="smb", sql_day=100, closed_day=100 + c if c is not None else -1, stage="won" if c is not None else "sql")
                for c in cycles
            ]
            + [lead(segment="enterprise", sql_day=100, closed_day=300, stage="won")]
        )

    assert MEASURES["median_cycle_days"](deals([10, 20, 30]), segment="smb") == pytest.approx(20 * CALENDAR_PER_WORKING_DAY)
    assert MEASURES["median_cycle_days"](deals([10, 20, 30, None]), segment="smb") == pytest.approx(25 * 7 / 5)
    assert math.isnan(MEASURES["median_cycle_days"](deals([10, 20, None, None, None]), segment="smb"))
    assert MEASURES["median_cycle_days"](deals([10]), segment="enterprise") == pytest.approx(200 * 1.4)


def test_people_measures():
    obs = observation(
        [lead(worker_role="sdr", sql_day=100 + i, stage="sql") for i in range(21)]
        + [lead(worker_role="ae", sql_day=100, stage="sql"), lead(worker_role="sdr", sql_day=30, stage="sql")],
        sdr_seat_days=2940.0,
        sdr_seat_days_after_warmup=210.0,
        sdr_departures=10,
        sdr_ramp_days=[63.0, 63.0],
        ae_quarters=20,
        ae_quarters_at_quota=11,
    )
    assert MEASURES["sdr_tenure_months"](obs) == pytest.approx(14.0)
    assert MEASURES["sdr_ramp_months"](obs) == pytest.approx(3.0)
    assert MEASURES["sqls_per_sdr_month"](obs) == pytest.approx(2.1)
    assert MEASURES["quota_attainment"](obs) == pytest.approx(0.55)
    empty = observation([lead()])
    for name in ("sdr_tenure_months", "sdr_ramp_months", "sqls_per_sdr_month", "quota_attainment"):
        assert math.isnan(MEASURES[name](empty))


def test_in_market_share_averages_days_after_the_warm_up():
    daily = pd.DataFrame({"day": np.arange(100), "in_market_share": np.r_[np.full(WARMUP, 0.5), np.full(100 - WARMUP, 0.05)]})
    assert MEASURES["in_market_share"](observation([lead()], daily=daily)) == pytest.approx(0.05)


def test_decay_curve_at_its_calibration_points():
    obs = observation([lead()])
    assert MEASURES["response_decay_ratio"](obs, early_hours=1, late_hours=2) == pytest.approx(7.0)
    assert MEASURES["response_decay_ratio"](obs, early_hours=1, late_hours=24) == pytest.approx(60.0)


def test_qualification_ratio_compares_fast_and_slow_first_touches():
    rows = [lead(mql_day=100, first_touch_day=100, sal_day=100, speed_to_lead_hours=0.5, sql_day=101 if i < 6 else -1) for i in range(10)]
    rows += [lead(mql_day=100, first_touch_day=103, sal_day=103, speed_to_lead_hours=50, sql_day=104 if i < 2 else -1) for i in range(10)]
    assert MEASURES["qualification_ratio"](observation(rows)) == pytest.approx(3.0)


# ----------------------------------------------------------------------------- targets


def test_target_range_and_score():
    t = target(published=0.44, low=0.40, high=0.60)
    assert t.inside(0.40) and t.inside(0.60) and t.inside(0.5)
    assert not t.inside(0.399) and not t.inside(float("nan"))
    assert t.score(0.44) == 0.0
    assert t.score(0.40) == pytest.approx(1.0) and t.score(0.60) == pytest.approx(1.0)
    assert t.score(0.36) == pytest.approx(4.0)  # two widths of the lower side
    assert t.score(float("nan")) == 25.0


def test_shipped_targets_cover_the_published_patterns():
    targets = load_targets()
    names = set(targets.names())
    for required in (
        "hbr_response_within_1h",
        "hbr_response_1_to_24h",
        "hbr_response_after_24h",
        "hbr_never_answered",
        "hbr_mean_response_hours",
        "hbr_decay_1h_vs_2h",
        "hbr_decay_1h_vs_24h",
        "sabnis_never_pursued",
        "gartner_mql_acceptance",
        "waterfall_sql_to_close",
        "cso_win_rate",
        "cso_no_decision_rate",
        "reps_making_quota",
        "sdr_ramp_months",
        "sdr_tenure_months",
        "sdr_sqls_per_month",
        "accounts_in_market",
        "sales_cycle_smb",
        "sales_cycle_mid_market",
        "sales_cycle_enterprise",
    ):
        assert required in names
    for t in targets:
        assert t.low <= t.published <= t.high
        assert t.source and t.tolerance and t.period
    assert {t.use for t in targets} == {"fit", "check"}
    assert set(targets.parameters) == {
        "behaviour.accept_bar",
        "behaviour.min_task_yield",
        "behaviour.no_decision_base",
        "behaviour.no_decision_neglect",
        "behaviour.win_intercept",
        "leadership.quota_percentile",
    }


def test_a_bad_targets_file_is_one_line_naming_the_target(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text(
        "targets:\n  - {name: x, title: x, published: 1, range: [0, 2], unit: u, source: s, tag: S, tolerance: t,"
        " design: separate_targets, measure: guesswork, period: p, kind: emergent, use: fit}\n"
    )
    with pytest.raises(OrgsimError, match=r"targets\[0\] \(x\): unknown measure 'guesswork'"):
        load_targets(path)
    path.write_text(
        "targets:\n  - {name: x, title: x, published: 5, range: [0, 2], unit: u, source: s, tag: S, tolerance: t,"
        " design: separate_targets, measure: mql_acceptance, period: p, kind: emergent, use: fit}\n"
    )
    with pytest.raises(OrgsimError, match="outside its range"):
        load_targets(path)


def test_summary_marks_each_target_inside_or_missed():
    targets = load_targets().select(names=["gartner_mql_acceptance", "cso_win_rate"])
    runs = pd.DataFrame(
        {
            "design": ["separate_targets"] * 3,
            "replication": [0, 1, 2],
            "gartner_mql_acceptance": [0.45, 0.47, 0.49],
            "cso_win_rate": [0.30, 0.31, 0.29],
        }
    )
    table = summarize_targets(targets, runs).set_index("target")
    assert table.loc["gartner_mql_acceptance", "inside"] and not table.loc["cso_win_rate", "inside"]
    assert table.loc["gartner_mql_acceptance", "mean"] == pytest.approx(0.47)
    assert table.loc["cso_win_rate", "ci_low"] < 0.30 < table.loc["cso_win_rate", "ci_high"]


# ----------------------------------------------------------------------------- observing a run


def test_observe_makes_the_same_run_as_run(small):
    scenario = small("separate_targets", {"horizon_days": 90})
    obs = observe(scenario, seed=3)
    reference = run(scenario, seed=3)
    assert obs.summary["bookings"] == reference.summary["bookings"].iloc[0]
    assert len(obs.leads) == len(reference.leads)
    pd.testing.assert_frame_equal(obs.leads[reference.leads.columns], reference.leads)
    assert set(obs.leads["segment"].astype(str)) <= {"smb", "mid_market", "enterprise"}
    assert obs.sdr_seat_days == 90 * scenario.sdr.headcount
    values = measure_targets(obs, load_targets())
    assert values["hbr_decay_1h_vs_2h"] == pytest.approx(7.0)
    assert 0 <= values["gartner_mql_acceptance"] <= 1


def test_sdr_departures_follow_the_tenure_parameter(small):
    short = observe(small("separate_targets", {"horizon_days": 120, "sdr.tenure_days": 20, "sdr.ramp_days": 10}), seed=1)
    assert short.sdr_departures > 20  # 8 seats x 120 days / 20 days ~ 48 expected
    assert short.sdr_ramp_days and set(short.sdr_ramp_days) == {10.0}
    assert MEASURES["sdr_tenure_months"](short) == pytest.approx(20 / 21, rel=0.5)


# ----------------------------------------------------------------------------- robustness analysis


def _robustness_result(n: int = 40):
    """Three designs over one synthetic assumption x: sla beats separate_targets unless x < 0.25; combined ties sla
    in half the space and loses in the other half."""
    from simulation.experiments.robustness import analyse

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, n)
    samples = pd.DataFrame({"point": range(n), "seed": range(n), "behaviour.x": x, "behaviour.noise": rng.uniform(0, 1, n)})
    rows = []
    for p in range(n):
        base = 100.0 + p
        sla = base + (5.0 if x[p] >= 0.25 else -5.0)
        rows += [
            {"point": p, "scenario": "separate_targets", "bookings": base},
            {"point": p, "scenario": "sla", "bookings": sla},
            {"point": p, "scenario": "combined_revenue_org", "bookings": sla if p % 2 else sla - 1.0},
        ]
    return analyse(samples, pd.DataFrame(rows), ["separate_targets", "sla", "combined_revenue_org"], {"bookings": "higher"})


def test_robustness_states_rankings_as_shares_of_the_assumption_space():
    result = _robustness_result()
    shares = win_shares(result, "bookings")
    wins = int((result.samples["behaviour.x"] >= 0.25).sum())
    assert shares.loc["sla", "separate_targets"] == pytest.approx(wins / 40)
    assert shares.loc["separate_targets", "sla"] == pytest.approx(1 - wins / 40)
    assert shares.loc["sla", "combined_revenue_org"] == pytest.approx(0.5)  # ties in the other half
    lines = robustness_statements(result)
    assert lines[0].startswith("bookings: designs by the mean share") and lines[0].index("sla") < lines[0].index("separate_targets")
    assert any(f"sla beats separate_targets in bookings in {round(100 * wins / 40)}%" in line for line in lines)
    assert not any("all settings" in line or "holds everywhere" in line for line in lines)
    assert Robustness(result).statements() == lines


# ----------------------------------------------------------------------------- the report


def test_report_has_a_chart_per_target_and_tables(tmp_path):
    from simulation.validation import Validation

    targets = load_targets().select(names=["gartner_mql_acceptance", "cso_win_rate", "hbr_mean_response_hours"])
    runs = pd.DataFrame(
        {
            "design": ["separate_targets"] * 3,
            "replication": [0, 1, 2],
            "seed": [1, 2, 3],
            "label": "",
            "gartner_mql_acceptance": [0.45, 0.47, 0.49],
            "cso_win_rate": [0.30, 0.31, 0.29],
            "hbr_mean_response_hours": [20.0, 22.0, 21.0],
        }
    )
    validation = Validation(summarize_targets(targets, runs), runs, 3, 0, {}, "test")
    files = write_report(validation, tmp_path / "report")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "report").stat().st_mode & 0o777 == 0o777 & ~umask  # not left private by mkdtemp
    assert len(files.charts) == 3
    html = files.html.read_text()
    assert html.count("data:image/png;base64,") == 3
    png = re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)
    assert base64.b64decode(png)[:8] == b"\x89PNG\r\n\x1a\n"
    md = files.markdown.read_text()
    assert "| target | source | published [range] | simulated [95% CI] |" in md
    assert "MISSED" in md and "gartner_mql_acceptance" in md
    printable = validation_table(validation).set_index("target")
    assert printable.loc["cso_win_rate", "inside"] == "MISSED"
    assert printable.loc["gartner_mql_acceptance", "published [range]"] == "44.0% [40.0%, 60.0%]"
    with pytest.raises(OrgsimError, match="exists and is not empty"):
        write_report(validation, tmp_path / "report")

    with_robust = write_report(validation, tmp_path / "robust", Robustness(_robustness_result()))
    md = with_robust.markdown.read_text()
    assert "## Robustness of the design comparison" in md and "share of the assumption space" in md
    assert "sla beats separate_targets in bookings" in md and "SLA best" not in md
    assert (tmp_path / "robust" / "robustness.csv").exists() and (tmp_path / "robust" / "charts" / "robustness_bookings.png").exists()
    from simulation.validation import odd_results

    block = odd_results(tmp_path / "robust")["robustness-result"]  # docs/model.md's block, recomputed from the stored runs
    assert "Latin hypercube" in block and "sla beats separate_targets in bookings" in block


# ----------------------------------------------------------------------------- the shipped calibration


def _explained_misses() -> set[str]:
    text = ODD_FILE.read_text(encoding="utf-8")
    section = text.split("## Validation: targets the model misses", 1)[1].split("\n## ", 1)[0]
    names = set()
    for bullet in re.findall(r"^\* (`.+)$", section, flags=re.M):  # a bullet per miss: "* `name` [and `name`] -- why"
        names |= set(re.findall(r"`([a-z0-9_]+)`", bullet.split(" -- ", 1)[0]))
    return names


@pytest.mark.slow
def test_the_shipped_calibration_passes_its_targets_or_the_miss_is_explained():
    """Every target is inside its range (the 95% interval reaches it, with 3 replications) or
    its miss is explained in docs/model.md; an explained target that now passes is flagged too."""
    result = validate(replications=3, seed=0, workers=1)
    table = result.table.set_index("target")
    explained = _explained_misses()
    unexplained = [t for t, r in table.iterrows() if not r["interval_overlaps"] and t not in explained]
    assert not unexplained, f"targets missed without an explanation in docs/model.md: {unexplained}"
    for name in ("cso_win_rate", "cso_no_decision_rate", "gartner_mql_acceptance", "reps_making_quota", "accounts_in_market"):
        assert table.loc[name, "interval_overlaps"], f"{name} is a target the calibration must reach"


def test_every_explained_miss_is_a_target():
    assert _explained_misses() <= set(load_targets().names())
