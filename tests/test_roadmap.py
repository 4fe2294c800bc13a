"""Reorganisation roadmaps: a timeline in a scenario, the switch on the same people, common
random numbers before it, quarterly outputs, the payback quarter and the J-curve."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import compare, load_scenario, run
from simulation.errors import ScenarioError
from simulation.experiments.quarterly import first_quarter_staying_positive, payback, quarterly_outcomes, roadmap_quarterly
from simulation.model import OrgModel
from simulation.scenario import ROADMAP_DIR, build_scenario

ROOT = Path(__file__).resolve().parent.parent


def roadmap(to: str, at_quarter: int = 2, **extra) -> object:
    data = {"name": f"to_{to}", "horizon_days": 189, "market": {"n_accounts": 5000},
            "timeline": [{"at_quarter": at_quarter, "to": to, **extra}]}
    return build_scenario(data, "test roadmap")


# ----------------------------------------------------------------------------- validation at load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("timeline", "message"),
    [
        ("  - at_quarter: 0\n    to: sla\n", "timeline[0].at_quarter = 0: must be >= 1"),
        ("  - at_quarter: 9\n    to: sla\n", "timeline[0].at_quarter = 9: beyond the horizon"),
        ("  - at_quarter: 3\n    to: sla\n  - at_quarter: 2\n    to: separate_targets\n", "timeline[1].at_quarter = 2: steps out of order"),
        ("  - at_quarter: 2\n    too: sla\n", "timeline[0].too: unknown field; allowed here: at_quarter, to, set, label"),
        ("  - at_quarter: 2\n    to: nosuch\n", "timeline[0].to = 'nosuch': nosuch: not a preset name"),
        ("  - at_quarter: 2\n    set: {sla.nosuch: 1}\n", "timeline[0].set.sla.nosuch: no such field"),
        ("  - at_quarter: 2\n    set: {market.n_accounts: 100}\n", "timeline[0].set.market.n_accounts: cannot be changed by a timeline step (not a lever"),
        ("  - at_quarter: 2\n    set: {sales.ae_headcount: 30}\n", "timeline[0].set.sales.ae_headcount: cannot be changed"),
        ("  - at_quarter: 2\n    set: {sla.first_touch_hours: -4}\n", "sla.first_touch_hours = -4: must be > 0"),
        ("  - at_quarter: 2\n", "timeline[0]: a step needs to (a design) or set (lever values), or both"),
        ("  - sla\n", "timeline[0] = 'sla': each step is a mapping"),
    ],
)
def test_a_bad_timeline_is_one_line_naming_the_file_and_the_step(tmp_path, timeline, message):
    path = write(tmp_path, "base: separate_targets\ntimeline:\n" + timeline)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_the_cli_refuses_a_bad_timeline_with_exit_2(tmp_path):
    path = write(tmp_path, "base: separate_targets\ntimeline:\n  - at_quarter: 12\n    to: sla\n")
    done = subprocess.run([sys.executable, "-m", "simulation.cli", "run", str(path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "timeline[0].at_quarter = 12: beyond the horizon" in done.stderr
    assert not (tmp_path / "o").exists()


def test_to_is_resolved_into_the_levers_that_differ_and_a_file_is_found_next_to_the_roadmap(tmp_path):
    (tmp_path / "mine.yaml").write_text("base: sla\nsla:\n  first_touch_hours: 4\n", encoding="utf-8")
    path = write(tmp_path, "base: separate_targets\ntimeline:\n  - at_quarter: 3\n    to: ./mine.yaml\n    set: {sla.min_attempts: 8}\n")
    scenario = load_scenario(path)
    step = scenario.timeline[0]
    assert step.label == "mine" and step.to is None
    assert step.set == {"marketing.kpi": "sla_mqls", "marketing.mql_target_per_quarter": 2000.0, "sla.enabled": True,
                        "sla.first_touch_hours": 4.0, "sla.mql_definition_score": 0.55, "sla.min_attempts": 8}
    (start, first), (day, after) = scenario.phases()
    assert (start, day) == (0, 126) and not first.sla.enabled and after.sla.enabled and after.sla.min_attempts == 8
    # Resolved steps survive a round trip (what `compare` writes to designs/ reloads as it ran).
    assert scenario.with_overrides({"sla.reject_window_days": 5}).timeline == scenario.timeline
    # A --days shorter than the switch is refused, naming the step.
    with pytest.raises(ScenarioError, match=r"timeline\[0\].at_quarter = 3: beyond the horizon"):
        scenario.with_overrides({"horizon_days": 100}, "--days")


def test_the_shipped_roadmaps_switch_at_quarter_3_of_12_and_are_packaged():
    names = sorted(p.stem for p in ROADMAP_DIR.glob("*.yaml"))
    assert names == ["separate_to_combined_q3", "separate_to_outsourced_sdr_q3", "separate_to_sla_q3"]
    for name in names:
        s = load_scenario(ROADMAP_DIR / f"{name}.yaml")
        assert s.horizon_days == 12 * 63 and [t.at_quarter for t in s.timeline] == [3] and s.description
        assert s.starting_design().model_dump(exclude={"name", "description", "horizon_days", "timeline"}) == \
            load_scenario("separate_targets").model_dump(exclude={"name", "description", "horizon_days", "timeline"})
    assert '"roadmaps/*.yaml"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    listed = subprocess.run([sys.executable, "-m", "simulation.cli", "list"], capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and all(name in listed.stdout for name in names)


# ----------------------------------------------------------------------------- common random numbers


@pytest.fixture(scope="module")
def pairs():
    """Each shipped roadmap's switch, shrunk to three quarters with the switch at quarter 2,
    run beside its starting design on one seed."""
    out = {}
    for to in ("sla", "combined_revenue_org", "outsourced_sdr"):
        r = roadmap(to)
        out[to] = (r, run(r, seed=11), run(r.starting_design(), seed=11))
    return out


@pytest.mark.parametrize("to", ["sla", "combined_revenue_org", "outsourced_sdr"])
def test_before_the_switch_a_roadmap_run_is_its_starting_design_row_for_row(pairs, to):
    r, with_switch, without = pairs[to]
    day = r.switch_days[0]
    a, b = with_switch.daily.drop(columns="scenario"), without.daily.drop(columns="scenario")
    pd.testing.assert_frame_equal(a.iloc[:day].reset_index(drop=True), b.iloc[:day].reset_index(drop=True))
    # ... and the switch changes what follows (so the identity above is not trivially true).
    assert not a.iloc[day:].reset_index(drop=True).equals(b.iloc[day:].reset_index(drop=True))
    leads_before = [f[f["created_day"] < day].drop(columns=["stage", "stage_day", "closed_day", "reason", "worker_role", "accepted_day", "sal_day",
                                                             "sql_day", "first_touch_day", "speed_to_lead_hours", "value", "discount"])
                    for f in (with_switch.leads, without.leads)]
    pd.testing.assert_frame_equal(*leads_before)


# ----------------------------------------------------------------------------- the switch's mechanisms


def step_to(model: OrgModel, day: int) -> None:
    while model.day < day:
        model.step()


def test_moving_sdrs_to_an_agency_ramps_the_agency_and_lets_the_in_house_team_go_after_notice():
    r = roadmap("outsourced_sdr")
    model = OrgModel(r, seed=2)
    switch = r.switch_days[0]
    notice = r.leadership.sdr_notice_days
    step_to(model, switch + 1)
    agency = [a for a in model.sdrs if a.is_agency]
    in_house = [a for a in model.sdrs if not a.is_agency]
    assert len(agency) == 8 and len(in_house) == 8
    assert all(a.start_day == switch and a.ramp() < 0.5 for a in agency)  # the agency ramps from the switch
    assert model.settings.marketing.kpi == "brand" and model.brand_share == 0.6
    step_to(model, switch + notice + 1)
    assert all(a.is_agency for a in model.sdrs) and len(model.sdrs) == 8
    gone = set(model.departed_in_house_sdr_ids)
    assert gone == {a.unique_id for a in in_house}
    L = model.leads
    open_leads = np.concatenate([L.open_in(s) for s in (1, 2)])
    assert not np.isin(L.worker[open_leads], list(gone)).any()  # their queues passed on
    step_to(model, switch + notice + 10)  # and the model keeps running


def test_a_reorganisation_costs_capacity_from_its_day_and_the_cro_inherits_trust():
    r = roadmap("combined_revenue_org")
    model = OrgModel(r, seed=3)
    switch = r.switch_days[0]
    step_to(model, switch)
    trust_before = float(np.mean([leader.trust for leader in model.leaders]))
    assert model.transition_factor == 1.0 and len(model.leaders) == 2
    model.step()
    lead = r.leadership
    assert model.transition_factor == pytest.approx(1 - lead.reorg_capacity_loss)
    assert [leader.title for leader in model.leaders] == ["cro"] and model.leaders[0].trust == pytest.approx(trust_before)
    assert all(m.kpi == "revenue" for m in model.marketers)
    step_to(model, switch + lead.reorg_transition_days // 2 + 1)
    assert model.transition_factor == pytest.approx(1 - lead.reorg_capacity_loss * 0.5, abs=0.01)


def test_an_sla_binds_only_mqls_from_its_start_day():
    r = roadmap("sla")
    model = OrgModel(r, seed=4)
    switch = r.switch_days[0]
    step_to(model, switch + 20)
    L = model.leads
    n = L.n
    before = (L.mql_day[:n] >= 0) & (L.mql_day[:n] < switch)
    assert model.sla_start_day == switch
    assert not (L.sla_breached[:n] & before).any() and not (L.deemed[:n] & before).any()
    assert (L.sla_breached[:n] & ~before).any() or (L.deemed[:n] & ~before).any()  # the SLA is working after it


def test_people_moving_function_lose_capacity_by_the_reorganisation_rule():
    r = roadmap("brand_vs_leadgen_split")
    model = OrgModel(r, seed=5)
    switch = r.switch_days[0]
    step_to(model, switch + 1)
    moved = [a for a in model.sdrs if not a.is_agency and a.moved_day == switch]
    assert moved and all(a.function == "sales" for a in moved)
    assert moved[0].move_factor() == pytest.approx(1 - r.leadership.reorg_capacity_loss * (1 - 1 / r.leadership.reorg_transition_days))
    assert model.transition_factor == 1.0  # no reorganisation of the whole org


# ----------------------------------------------------------------------------- quarterly outputs and payback


def test_quarterly_outcomes_add_up_to_the_run():
    daily = pd.DataFrame({"scenario": "a", "seed": 1, "replication": 0, "day": np.arange(130),
                          "bookings": np.ones(130), "pipeline_created": np.arange(130.0) * 2, "total_cost": np.arange(130.0) * 10,
                          "entered_mql": np.arange(130), "entered_sql": np.arange(130) // 2, "entered_won": np.arange(130) // 10,
                          "friction_index": np.linspace(0, 1, 130), "trust_sales_in_marketing": 0.5,
                          "trust_marketing_in_sales": 0.4, "sdr_headcount": 8, "bookings_cumulative": np.arange(1.0, 131.0)})
    q = quarterly_outcomes(daily)
    assert q["quarter"].tolist() == [1, 2, 3] and q["days"].tolist() == [63, 63, 4]
    assert q["bookings"].tolist() == [63, 63, 4]
    assert q["total_cost"].tolist() == [620.0, 630.0, 40.0]  # day 62 -> 620, day 125 -> 1250, day 129 -> 1290
    assert q["deals_won"].tolist() == [6.0, 6.0, 0.0]
    assert q["cost_per_won_deal"].iloc[0] == pytest.approx(620 / 6) and np.isnan(q["cost_per_won_deal"].iloc[2])
    assert q["friction_index"].iloc[-1] == 1.0 and q["bookings_cumulative"].tolist() == [63.0, 126.0, 130.0]


def known_roadmap(noises) -> pd.DataFrame:
    """The roadmap loses 10 in quarter 3 and gains 4 a quarter after it; replication r adds
    noises[r] a quarter from quarter 3 on (so the cumulative noise grows)."""
    rows = []
    for rep, noise in enumerate(noises):
        for quarter in range(1, 9):
            delta = 0 if quarter < 3 else (-10 if quarter == 3 else 4) + noise
            rows.append({"scenario": "road", "replication": rep, "quarter": quarter, "bookings": 100.0 + delta})
            rows.append({"scenario": "start", "replication": rep, "quarter": quarter, "bookings": 100.0})
    return roadmap_quarterly(pd.DataFrame(rows), {"road": "start"}, {"road": 3}, outcomes=("bookings",))


def test_payback_on_known_inputs():
    frame = known_roadmap([0.5, 0.0, -0.5])
    before = frame[frame["quarter"] < 3]
    assert (before["difference"] == 0).all() and (before["cumulative"] == 0).all()
    result = payback(frame).iloc[0]
    # Mean cumulative: q3 -10, q4 -6, q5 -2, q6 +2, q7 +6, q8 +10. Cumulative noise at quarter q is
    # +-0.5 (q - 2): sd 0.5 (q - 2), so the t(2) half-width is 4.303 * 0.5 (q - 2) / sqrt(3):
    # 2.48 at q4 (upper -3.5), 3.73 at q5 (upper +1.7), 6.21 at q7 (lower -0.2), 7.45 at q8 (lower +2.5).
    assert result["payback_quarter"] == 6
    assert (result["payback_earliest"], result["payback_latest"]) == (5, 8)
    assert result["dip_quarter"] == 3 and result["dip"] == pytest.approx(-10)
    assert result["trough_quarter"] == 3 and result["trough"] == pytest.approx(-10)
    # Wider noise: the lower bound never stays above zero -- "not within the horizon".
    wide = payback(known_roadmap([1.0, -1.0])).iloc[0]
    assert wide["payback_quarter"] == 6 and np.isnan(wide["payback_latest"])


def test_a_roadmap_that_never_pays_back_says_so():
    assert np.isnan(first_quarter_staying_positive([1, 2, 3, 4], [0, -1, 2, -0.5], 2))
    assert first_quarter_staying_positive([1, 2, 3, 4], [0, 1, 2, 3], 2) == 2
    assert first_quarter_staying_positive([1, 2, 3, 4], [5, -1, 2, 3], 1) == 3


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=16), st.integers(1, 16))
def test_the_payback_quarter_is_where_the_cumulative_difference_turns_positive_for_good(values, start):
    quarters = list(range(1, len(values) + 1))
    q = first_quarter_staying_positive(quarters, values, start)
    after = [(k, v) for k, v in zip(quarters, values, strict=True) if k >= start]
    if np.isnan(q):  # no quarter from the start on qualifies
        assert not any(all(v > 0 for k2, v in after if k2 >= k) for k, _ in after)
    else:
        assert q >= start and all(v > 0 for k, v in after if k >= q)
        assert q == after[0][0] or values[int(q) - 2] <= 0


def test_compare_writes_quarterly_outcomes_and_the_roadmap_against_its_start(pairs):
    r = pairs["sla"][0]
    start = f"start_of_{r.name}"  # a small market: no preset matches, so the start runs under its own name
    result = compare([r], replications=2, seed=1, workers=1, baseline=start)
    assert result.roadmaps == {r.name: start}
    assert set(result.quarterly["scenario"]) == {r.name, start}
    assert {"bookings", "pipeline_created", "total_cost", "friction_index", "cost_per_won_deal"} <= set(result.quarterly.columns)
    rq = result.roadmap_quarterly
    pre = rq[(rq["quarter"] < 2)]
    assert (pre["difference"] == 0).all() and (pre["ci_low"] == 0).all()  # identical before the switch
    assert set(rq["outcome"]) == {"bookings", "pipeline_created", "total_cost", "friction_index"}
    row = result.payback.iloc[0]
    assert row["scenario"] == r.name and row["switch_quarter"] == 2 and row["n"] == 2
    from simulation.plots import jcurve_charts

    charts = jcurve_charts(rq, result.payback)
    assert [c.name for c in charts] == [f"jcurve_{r.name}"]
    ax = charts[0].figure.axes[0]
    assert "change at quarter 2" in [t.get_text().strip() for t in ax.texts]
