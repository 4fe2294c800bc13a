"""One test per behavioural mechanism, each stating the behaviour it checks.

The tests drive agents directly (a decision on a model instance) where a mechanism is a
decision rule, and compare short paired runs (same seeds) where it is an emergent effect.
They assert directions and known values, not calibrated levels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation import load_scenario, run
from simulation.agents.account_executive import pull_in_choices
from simulation.agents.marketer import BROAD_GRID, THRESHOLD_GRID
from simulation.behaviour import response_decay, timing_factor
from simulation.leads import Reason, Source, Stage
from simulation.metrics import marketing_trust, sales_trust
from simulation.model import WORKING_DAYS_PER_QUARTER, OrgModel

SEEDS = (1, 2, 3)


def mean_summary(scenario, column: str, days: int = 63, seeds=SEEDS) -> float:
    return float(np.mean([run(scenario, seed=s, days=days).summary[column].iloc[0] for s in seeds]))


# --------------------------------------------------------------------------- MQL threshold


def test_volume_kpi_pushes_the_mql_threshold_down_and_the_mix_to_broad_campaigns(small):
    """Marketers paid on MQL volume drop the threshold below the default at once and buy broad,
    low-intent campaigns; marketers paid on revenue who can see what sales can work (a feedback
    routine) keep a threshold at least as high, a more targeted mix, and send fewer MQLs."""
    volume = small("separate_targets", {"collaboration.feedback_routine": True})
    revenue = volume.with_overrides({"marketing.kpi": "revenue"})
    out = {}
    for label, sc in (("volume", volume), ("revenue", revenue)):
        runs = [run(sc, seed=s, days=40) for s in (1, 2)]
        daily = pd.concat([r.daily for r in runs])
        after_first_week = daily[daily["day"] >= 5]
        out[label] = {
            "final_threshold": np.mean([r.summary["final_mql_threshold"].iloc[0] for r in runs]),
            "mean_threshold": after_first_week["mql_threshold"].mean(),
            "broad": after_first_week["broad_campaign_share"].mean(),
            "mqls": np.mean([r.summary["mqls"].iloc[0] for r in runs]),
        }
    v, r = out["volume"], out["revenue"]
    assert v["final_threshold"] < volume.marketing.default_mql_threshold
    assert v["final_threshold"] <= r["final_threshold"] + 1e-9
    assert v["mean_threshold"] < r["mean_threshold"]
    assert v["broad"] > r["broad"]
    assert v["mqls"] > r["mqls"]


def test_marketer_decision_threshold_is_lower_under_volume_kpi_than_revenue_with_known_capacity(small, stepped):
    """Same marketer, same beliefs and lead scores: only the pay plan changes the chosen threshold."""
    model = stepped(small("separate_targets"), 6, seed=3)
    m = model.marketers[0]
    assert m.score_samples, "the marketer should have seen lead scores after a week"

    m.kpi, m.shared_weight = "mql_volume", 0.0
    m.decide()
    volume_threshold, volume_broad = m.threshold, m.broad_share

    m.kpi, m.shared_weight = "revenue", 0.0
    m.capacity_belief = 50.0  # sales can work about 50 of this marketer's leads a quarter
    m.decide()
    revenue_threshold, revenue_broad = m.threshold, m.broad_share

    assert volume_threshold < revenue_threshold
    assert volume_threshold == pytest.approx(m._threshold_floor())  # volume: as low as defensible
    assert volume_broad >= revenue_broad
    # The volume utility never rises with the threshold (each step up loses MQLs).
    m.kpi = "mql_volume"
    u = m.expected_utility(THRESHOLD_GRID, BROAD_GRID)
    assert np.all(np.diff(u, axis=0) <= 1e-12)


def test_sla_kpi_decides_whether_marketing_sends_leads_below_the_definition(small):
    """Under an SLA, marketing may still send leads below the agreed definition (sales rejects
    them, reason "below definition"). Whether it does is the marketers' decision: paid on MQL
    volume they send them; paid on MQLs meeting the definition they have no reason to."""
    volume = small("sla", {"marketing.kpi": "mql_volume"})
    agreed = small("sla", {"marketing.kpi": "sla_mqls"})
    below_volume = below_agreed = 0
    for seed in (1, 2):
        for sc, is_volume in ((volume, True), (agreed, False)):
            model = OrgModel(sc, seed=seed)
            for _ in range(60):
                model.step()
            L = model.leads
            n = L.n
            below = int(((L.stage[:n] == Stage.REJECTED) & (L.reason[:n] == Reason.BELOW_DEFINITION)).sum())
            if is_volume:
                below_volume += below
            else:
                below_agreed += below
                assert all(m.threshold >= sc.sla.mql_definition_score - 1e-9 for m in model.marketers)
    assert below_volume > below_agreed


def test_blame_lowers_trust_on_both_sides_and_the_blamed_side_more(small):
    """A CMO blaming sales: everyone's trust falls; sales (the blamed side) loses more, and morale."""
    model = OrgModel(small("separate_targets", {"behaviour.blame_strength": 0.1}), seed=0)
    cmo = next(leader for leader in model.leaders if leader.title == "cmo")
    vp = next(leader for leader in model.leaders if leader.title == "vp_sales")
    before = {id(p): (p.trust, p.morale) for p in model.people()}
    st0, mt0 = sales_trust(model), marketing_trust(model)

    model.blame(cmo)

    assert model.blame_events == 1
    assert sales_trust(model) < st0
    assert marketing_trust(model) < mt0
    # SDRs take the side of the org they report to: in marketing here, so they lose as the
    # blaming side does.
    assert model.sdrs and all(sdr.function == "marketing" for sdr in model.sdrs)
    for sdr in model.sdrs:
        assert sdr.trust == pytest.approx(before[id(sdr)][0] - 0.05)
    for ae in model.aes:
        assert ae.trust == pytest.approx(before[id(ae)][0] - 0.1)
        assert ae.morale < before[id(ae)][1]
    for m in model.marketers:
        assert m.trust == pytest.approx(before[id(m)][0] - 0.05)
        assert m.morale == before[id(m)][1]
    assert vp.trust == pytest.approx(before[id(vp)][0] - 0.1)
    assert cmo.trust == pytest.approx(before[id(cmo)][0] - 0.05)


def test_trust_never_leaves_zero_one_under_repeated_blame(small):
    model = OrgModel(small("separate_targets", {"behaviour.blame_strength": 0.3}), seed=0)
    vp = next(leader for leader in model.leaders if leader.title == "vp_sales")
    for _ in range(10):
        model.blame(vp)
    assert all(0.0 <= p.trust <= 1.0 for p in model.people())
    assert all(p.trust == 0.0 for p in model.marketers)


def test_rejected_leads_lower_the_workers_trust_and_accepted_ones_raise_it(small):
    """A worker who touches marketing leads that turn out bad trusts marketing less; good leads, more."""
    model = OrgModel(small("separate_targets", {"sdr.headcount": 0}), seed=0)  # AEs work the leads
    ae_bad, ae_good = model.aes[0], model.aes[1]
    t_bad, t_good = ae_bad.trust, ae_good.trust
    workers = np.array([ae_bad.unique_id] * 10 + [ae_good.unique_id] * 10)
    good = np.array([False] * 10 + [True] * 10)
    src = np.full(20, Source.CAMPAIGN_BROAD, dtype=np.int8)
    model._trust_from_experience(workers, good, src)
    assert ae_bad.trust < t_bad
    assert ae_good.trust > t_good
    # Leads that are not marketing's (outbound) do not move trust in marketing.
    t = ae_bad.trust
    model._trust_from_experience(workers[:10], good[:10], np.full(10, Source.SDR_OUTBOUND, dtype=np.int8))
    assert ae_bad.trust == t


def test_worse_leads_lower_sales_trust_in_marketing_over_a_run(small):
    """Paired runs: marketing targeting an ICP far from sales' (strategy unclear) sends leads sales
    rejects, and sales' trust in marketing ends lower than when both target the same accounts."""
    base = small(
        "separate_targets",
        {"sdr.owner": "sales", "behaviour.blame_strength": 0.0, "behaviour.trust_learning_rate": 0.02},
    )
    aligned = base.with_overrides({"strategy_clarity": 1.0})
    divergent = base.with_overrides({"strategy_clarity": 0.0, "behaviour.icp_divergence": 1.0})
    for seed in SEEDS:
        a = run(aligned, seed=seed, days=63).summary.iloc[0]
        d = run(divergent, seed=seed, days=63).summary.iloc[0]
        assert d["mql_acceptance_rate"] < a["mql_acceptance_rate"]
        # The SDRs who work marketing's leads learn to distrust them (AEs, who see only the
        # overflow, learn little either way).
        trust = []
        for sc in (aligned, divergent):
            model = OrgModel(sc, seed=seed)
            for _ in range(63):
                model.step()
            trust.append(np.mean([sdr.trust for sdr in model.sdrs]))
        assert trust[1] < trust[0]


def test_leads_never_worked_lower_marketers_trust_in_sales(small, stepped):
    """An MQL that ages out untouched is a bad experience for the marketer who sent it: their
    trust in sales falls; the marketers whose leads were not involved keep theirs."""
    sc = small("separate_targets", {"behaviour.blame_strength": 0.0, "sdr.overflow_after_hours": 0})
    model = stepped(sc, 5, seed=1)
    L = model.leads
    for m in model.marketers:
        m.trust = 0.8
    first, others = model.marketers[0], model.marketers[1:]
    old = L.add(
        model.day - sc.work.mql_max_age_days - 1,
        Stage.MQL,
        account=np.arange(20, dtype=np.int32),
        source=np.full(20, Source.CAMPAIGN_BROAD, np.int8),
        marketer=np.full(20, first.unique_id, np.int32),
        score=np.full(20, 0.6, np.float32),
        worker=np.full(20, model.sdrs[0].unique_id),
    )
    L.mql_day[old] = model.day - sc.work.mql_max_age_days - 1
    model.age_out()
    assert (L.stage[old] == Stage.NEVER_WORKED).all()
    assert first.trust < 0.8
    assert all(m.trust == 0.8 for m in others)


def test_bad_marketing_leads_seen_by_sdrs_do_not_lower_marketings_trust_in_sales(small):
    """Junk leads lower the trust of those who receive them (the SDRs, reported on the sales side
    whichever org they sit in), not marketing's trust in sales. (Regression: marketing-owned SDRs
    were once averaged into marketing's trust in sales.)"""
    model = OrgModel(small("separate_targets"), seed=0)  # SDRs owned by marketing
    before = marketing_trust(model)
    sales_before = sales_trust(model)
    marketers_before = [m.trust for m in model.marketers]
    sdr_ids = np.array([s.unique_id for s in model.sdrs] * 20)
    for _ in range(20):
        model._trust_from_experience(sdr_ids, np.zeros(len(sdr_ids), bool), np.full(len(sdr_ids), Source.INBOUND, np.int8))
    assert [m.trust for m in model.marketers] == marketers_before
    assert marketing_trust(model) == pytest.approx(before)
    assert sales_trust(model) < sales_before


# --------------------------------------------------------------------------- response decay


def test_response_decay_known_values_hbr_2011():
    """Known-value regression: 1 within the hour, 1/7 at two hours, 1/60 at 24 hours and beyond."""
    assert response_decay(0.1) == pytest.approx(1.0)
    assert response_decay(1.0) == pytest.approx(1.0)
    assert response_decay(2.0) == pytest.approx(1 / 7)
    assert response_decay(24.0) == pytest.approx(1 / 60)
    assert response_decay(500.0) == pytest.approx(1 / 60)
    assert response_decay(np.nan) == pytest.approx(1.0)  # no inbound moment: counts as immediate
    np.testing.assert_allclose(response_decay(np.array([1.0, 2.0, 24.0])), [1.0, 1 / 7, 1 / 60])
    # Log-linear in log(hours) between the calibration points.
    h = np.sqrt(2.0 * 24.0)
    assert response_decay(h) == pytest.approx(np.sqrt((1 / 7) * (1 / 60)))


def test_timing_factor_known_values_and_persistent_share():
    assert timing_factor(0.5, 0.35) == pytest.approx(1.0)
    assert timing_factor(24.0, 0.35) == pytest.approx(0.35 + 0.65 / 60)
    assert timing_factor(24.0, 0.0) == pytest.approx(1 / 60)
    assert timing_factor(100.0, 1.0) == pytest.approx(1.0)


def test_later_first_touch_never_qualifies_more():
    hours = np.concatenate([np.linspace(0, 3, 200), np.geomspace(3, 2000, 300)])
    for curve in (response_decay(hours), timing_factor(hours, 0.35)):
        assert np.all(np.diff(curve) <= 1e-12)
        assert np.all((curve > 0) & (curve <= 1))
    assert response_decay(1.5) < response_decay(1.0)
    assert response_decay(23.0) > response_decay(24.0)


def test_a_later_first_touch_qualifies_fewer_leads_in_the_model(small):
    """Identical reached buyers, touched after half an hour or after two days: the late ones become
    SQLs less often, in the ratio of the timing factors."""
    sc = small("separate_targets", {"behaviour.response_decay_persistent_share": 0.35})
    model = OrgModel(sc, seed=7)
    L, mk = model.leads, model.market
    n = 1400
    accounts = np.arange(2 * n, dtype=np.int32)
    mk.in_market[accounts] = True
    mk.open_opportunity[accounts] = False
    ae = model.aes[0].unique_id
    idx = L.add(
        0,
        Stage.SAL,
        account=accounts,
        source=np.full(2 * n, Source.INBOUND, np.int8),
        intent=np.full(2 * n, 0.8, np.float32),
        score=np.full(2 * n, 0.7, np.float32),
        worker=np.full(2 * n, ae),
        contacted=np.ones(2 * n, bool),
    )
    L.sal_day[idx] = 0
    # The decay counts from arrival to the moment the buyer is reached.
    L.reach_hours[idx[:n]] = 0.5
    L.reach_hours[idx[n:]] = 48.0
    model._qualify(idx, np.ones(len(model._by_id)))
    fast = (L.stage[idx[:n]] == Stage.SQL).mean()
    slow = (L.stage[idx[n:]] == Stage.SQL).mean()
    assert slow < fast
    expected_ratio = timing_factor(48.0, 0.35) / timing_factor(0.5, 0.35)
    assert slow / fast == pytest.approx(expected_ratio, abs=0.08)


# --------------------------------------------------------------------------- quarter end


def _ae_day(model, ae, days_left: int, bookings: float):
    model.days_left_in_quarter = days_left
    ae.bookings_this_quarter = bookings
    per_deal = model.settings.work.deal_hours_per_day
    ae.open_deals, ae.late_deals = 10, 4
    ae.late_need_hours, ae.other_need_hours = 4 * per_deal, 6 * per_deal
    ae.step()
    return ae.deal_hours, ae.lead_hours, ae.attention_late, ae.reservation()


def test_quarter_end_ae_below_quota_shifts_hours_to_late_stage_deals(small):
    """Inside the quarter-end window an AE below quota gives late-stage deals more hours and leads
    fewer (deal bunching); mid-quarter, or once at quota, the AE does not."""
    sc = small("separate_targets")
    model = OrgModel(sc, seed=0)
    ae = model.aes[0]
    window = sc.sales.quarter_end_window_days
    mid = _ae_day(model, ae, days_left=window + 20, bookings=0.0)
    end = _ae_day(model, ae, days_left=max(window - 2, 0), bookings=0.0)
    end_at_quota = _ae_day(model, ae, days_left=max(window - 2, 0), bookings=2 * ae.quota)

    assert end[0] > mid[0], "more deal hours at quarter end"
    assert end[1] < mid[1], "fewer lead hours at quarter end"
    assert end[2] > mid[2] == pytest.approx(1.0), "late-stage deals get more than their usual attention"
    assert end[3] > mid[3], "a pressed AE demands more of a lead before touching it"
    assert end_at_quota[0] == pytest.approx(mid[0]) and end_at_quota[1] == pytest.approx(mid[1])
    assert end_at_quota[3] == pytest.approx(mid[3])
    # Hours are conserved: deals plus leads equal the day's capacity.
    assert end[0] + end[1] == pytest.approx(mid[0] + mid[1])


def test_quarter_end_deal_attention_reaches_late_deals_in_the_model(small, stepped):
    """In the model, late-stage deals of AEs below quota accumulate more attention per day inside the
    quarter-end window than the same deals mid-quarter."""
    model = stepped(small("separate_targets"), 30, seed=2)
    L = model.leads
    sql = L.open_in(Stage.SQL)
    assert len(sql) >= 2
    L.close_day[sql[::2]] = model.day + 2  # half the open deals close within days: late stage
    for ae in model.aes:
        ae.bookings_this_quarter = 0.0
    model.count_deals()

    def attention_gain(days_left):
        model.days_left_in_quarter = days_left
        for ae in model.aes:
            ae.step()
        late = model._is_late(sql)
        before = L.attention_sum[sql].copy()
        model.work_deals()
        gain = L.attention_sum[sql] - before
        L.attention_sum[sql] = before
        assert late.any()
        return gain[late].mean()

    mid = attention_gain(40)
    end = attention_gain(3)
    assert end > mid


def test_pull_in_choices_known_cases():
    """An AE pulls a deal in when the discounted deal earns more this quarter than the full deal
    next quarter: above quota at accelerator 1.5 and 7% off (1.395 > 1) yes; below quota, or on a
    linear plan, no; a deal that crosses quota pays only for its part above."""
    def pulls(values, booked, quota=100.0, acc=1.5, discount=0.07, weight=0.0):
        return pull_in_choices(np.array(values, dtype=float), booked, quota, acc, discount, weight).tolist()

    assert pulls([10.0], booked=120.0) == [True]
    assert pulls([10.0], booked=20.0) == [False]
    assert pulls([10.0], booked=120.0, acc=1.0) == [False]
    # Crossing quota: 40 of the discounted 93 below quota, 53 above -> 40 + 1.5 x 53 = 119.5 > 100.
    assert pulls([100.0], booked=60.0) == [True]
    # 90 below, 3 above -> 94.5 < 100: not worth it.
    assert pulls([100.0], booked=10.0) == [False]
    # Deals are taken in order: the first pulled deal lifts the AE over quota for the second.
    assert pulls([100.0, 10.0], booked=60.0) == [True, True]
    assert pulls([10.0, 100.0], booked=60.0) == [False, True]
    # All pay on team revenue: the discount is a pure loss.
    assert pulls([10.0], booked=120.0, weight=1.0) == [False]


def test_deals_are_pulled_in_only_under_a_non_linear_plan_and_close_at_the_quarters_end(small):
    """With an accelerator, AEs sign deals due early next quarter on the quarter's last day at the
    discount; a linear plan (accelerator 1) or a horizon of 0 (deal timing not allowed) pulls none."""
    base = small("separate_targets", {"horizon_days": 130, "sales.accelerator": 2.0})
    runs = {
        "accelerated": run(base, seed=3),
        "linear": run(base.with_overrides({"sales.accelerator": 1.0}), seed=3),
        "forbidden": run(base.with_overrides({"sales.pull_in_horizon_days": 0}), seed=3),
    }
    assert runs["linear"].summary["deals_pulled_in"].iloc[0] == 0
    assert runs["forbidden"].summary["deals_pulled_in"].iloc[0] == 0
    assert runs["linear"].leads["discount"].eq(0).all() and runs["forbidden"].leads["discount"].eq(0).all()
    res = runs["accelerated"]
    pulled = res.leads[res.leads["discount"] > 0]
    assert res.summary["deals_pulled_in"].iloc[0] == len(pulled) > 0
    quarter = WORKING_DAYS_PER_QUARTER
    assert (pulled["closed_day"] % quarter == quarter - 1).all(), "pulled deals are decided on a quarter's last day"
    # The discount is the stated share of the list price; the deal books the rest.
    d = base.sales.pull_in_discount
    assert np.allclose(pulled["discount"], d / (1 - d) * pulled["value"])
    won = pulled[pulled["stage"] == "won"]
    assert res.summary["pull_in_discounts"].iloc[0] == pytest.approx(won["discount"].sum())


# --------------------------------------------------------------------------- feedback


def test_feedback_sharpens_scoring_moves_icp_and_beliefs(small):
    """Sales feedback lowers a marketer's score noise (known value), moves marketing's ICP toward
    sales' along the straight line, and moves the belief about the source toward what sales saw."""
    sc = small("separate_targets")
    model = OrgModel(sc, seed=0)
    b = sc.behaviour
    m = model.marketers[0]
    noise0 = m.score_noise
    icp0 = m.icp_point.copy()
    gap0 = np.linalg.norm(icp0 - model.sales_icp)
    assert gap0 > 0
    belief0 = dict(m.belief_good)

    m.receive_feedback({int(Source.CAMPAIGN_BROAD): (200, 20)}, None)

    assert m.score_noise == pytest.approx(b.score_noise_initial / (1 + b.feedback_learning * 200))
    assert m.score_noise < noise0
    gap1 = np.linalg.norm(m.icp_point - model.sales_icp)
    assert gap1 < gap0
    # The ICP moves straight toward sales' ICP.
    step = m.icp_point - icp0
    toward = model.sales_icp - icp0
    assert step[0] * toward[1] - step[1] * toward[0] == pytest.approx(0.0, abs=1e-12)
    assert np.dot(step, toward) > 0
    # Belief about broad campaigns fell toward the 10% sales saw; other sources untouched.
    assert 0.1 < m.belief_good[Source.CAMPAIGN_BROAD] < belief0[Source.CAMPAIGN_BROAD]
    assert m.belief_good[Source.INBOUND] == belief0[Source.INBOUND]
    assert m.belief_good[Source.CAMPAIGN_TARGETED] == belief0[Source.CAMPAIGN_TARGETED]

    # Good news moves the belief back up; capacity, when seen, is believed.
    low = m.belief_good[Source.CAMPAIGN_BROAD]
    m.receive_feedback({int(Source.CAMPAIGN_BROAD): (50, 50)}, 123.0)
    assert m.belief_good[Source.CAMPAIGN_BROAD] > low
    assert m.capacity_belief == 123.0
    assert m.score_noise < noise0 / (1 + b.feedback_learning * 200) + 1e-12


def test_no_feedback_changes_nothing(small):
    model = OrgModel(small("separate_targets"), seed=0)
    m = model.marketers[0]
    state = (m.score_noise, m.icp_point.copy(), dict(m.belief_good), m.capacity_belief)
    m.receive_feedback({}, None)
    assert m.score_noise == state[0]
    np.testing.assert_array_equal(m.icp_point, state[1])
    assert m.belief_good == state[2] and m.capacity_belief == state[3]


def test_feedback_routine_improves_marketing_scoring_over_a_run(small):
    """With a standing feedback routine sales gives more feedback, and marketers end with less score
    noise and an ICP closer to sales' than without it (paired seeds)."""
    off = small("separate_targets")
    on = off.with_overrides({"collaboration.feedback_routine": True})
    for seed in (1, 2):
        m_off, m_on = OrgModel(off, seed=seed), OrgModel(on, seed=seed)
        for _ in range(40):
            m_off.step()
            m_on.step()
        assert m_on.feedback_given > m_off.feedback_given
        assert np.mean([m.score_noise for m in m_on.marketers]) < np.mean([m.score_noise for m in m_off.marketers])
        gap = lambda mod: np.mean([np.linalg.norm(m.icp_point - mod.sales_icp) for m in mod.marketers])  # noqa: E731
        assert gap(m_on) < gap(m_off)


def test_feedback_takes_the_givers_next_day_lead_hours(small, stepped):
    """Feedback costs time: the hours of the feedback a person gives come out of their lead
    hours on the next working day, so costly feedback leaves more leads untouched."""
    cheap = small("shared_revenue_targets", {"work.feedback_hours": 0.0, "work.qualify_hours": 0.0, "work.discovery_hours": 0.0})
    costly = cheap.with_overrides({"work.feedback_hours": 1.0})
    model = stepped(costly, 19, seed=2)
    given_before = model.feedback_given
    model.step()
    given_today = model.feedback_given - given_before
    assert given_today > 0, "people gave feedback on the last day"
    # What is owed to tomorrow is exactly today's feedback, one hour a piece.
    assert model._hours_due.sum() == pytest.approx(1.0 * given_today)
    owed_by = np.flatnonzero(model._hours_due)
    assert np.isin(owed_by, list(model.workers)).all(), "only SDRs and AEs give feedback"
    assert mean_summary(costly, "share_never_worked", days=60) > mean_summary(cheap, "share_never_worked", days=60)


# --------------------------------------------------------------------------- SLA


def test_an_sla_with_its_kpi_reduces_the_share_of_mqls_never_worked(small):
    """An SLA whose marketing KPI counts only agreed MQLs (same seeds): fewer marketing MQLs age
    out untouched -- marketers stop flooding the queue with leads below the definition, and
    agreed leads near their deadline are worked first. An SLA that leaves marketing paid on
    volume does not stop the flood (a volume-paid marketer keeps sending sub-definition leads)."""
    without = small("separate_targets")
    with_sla = without.with_overrides({"sla.enabled": True, "marketing.kpi": "sla_mqls", "marketing.mql_target_per_quarter": 2000})
    nw_without = mean_summary(without, "share_never_worked")
    nw_with = mean_summary(with_sla, "share_never_worked")
    assert nw_with < nw_without
    assert nw_without > 0.05, "the test needs a design that leaves leads unworked"


def test_sla_records_breaches_only_when_enabled(small):
    sla = small("sla", {"sdr.headcount": 2})
    no_sla = sla.with_overrides({"sla.enabled": False})
    assert run(sla, seed=1, days=30).summary["sla_breaches"].iloc[0] > 0
    assert run(no_sla, seed=1, days=30).summary["sla_breaches"].iloc[0] == 0


def test_sla_reject_window_deems_untouched_agreed_mqls_accepted(small, stepped):
    """Under an SLA, an agreed MQL neither accepted nor rejected within the reject window is
    deemed accepted: sales owns it, but it keeps its work -- it stays in its worker's
    first-touch queue with no response time until someone touches it, is judged for fit then
    (a poor fit is disqualified, not rejected), and counts as never worked if nobody does.
    Leads below the agreed definition never are; a longer window deems fewer; without an SLA
    none is."""
    # Scarce SDR hours and no overflow, so leads wait in the queue longer than the window.
    sc = small("sla", {"sdr.headcount": 1, "sla.reject_window_days": 2, "sdr.overflow_after_hours": 0})
    model = stepped(sc, 30, seed=4)
    L = model.leads
    n = L.n
    deemed = L.deemed[:n]
    assert model.deemed_accepted > 0
    assert deemed.sum() == model.deemed_accepted
    assert (L.score[:n][deemed] >= sc.sla.mql_definition_score).all()
    assert (L.source[:n][deemed] <= int(Source.CAMPAIGN_TARGETED)).all()
    untouched = deemed & (L.first_touch_day[:n] < 0)
    assert untouched.any()
    assert np.isin(L.stage[:n][untouched], [Stage.MQL, Stage.NEVER_WORKED]).all(), "deemed is not worked"
    assert np.isnan(L.speed_to_lead_hours[:n][untouched]).all()
    assert (L.stage[:n][deemed] != Stage.REJECTED).all(), "a deemed lead can no longer be rejected"
    aged = stepped(sc, 30 + sc.work.mql_max_age_days, seed=4)
    La = aged.leads
    assert ((La.stage[: La.n] == Stage.NEVER_WORKED) & La.deemed[: La.n]).any(), "deemed and untouched ages out as never worked"

    longer = stepped(sc.with_overrides({"sla.reject_window_days": 10}), 30, seed=4)
    assert longer.deemed_accepted < model.deemed_accepted
    without = stepped(sc.with_overrides({"sla.enabled": False}), 30, seed=4)
    assert without.deemed_accepted == 0
    summary = run(sc, seed=4, days=30).summary
    assert summary["mqls_deemed_accepted"].iloc[0] == model.deemed_accepted


# --------------------------------------------------------------------------- designs are levers


def test_identical_levers_give_identical_results(small):
    """A design is its lever settings: the `sla` preset and `separate_targets` with the same levers
    set by hand give the same numbers."""
    preset = small("sla")
    by_hand = small(
        "separate_targets",
        {
            "marketing.kpi": "sla_mqls",
            "marketing.mql_target_per_quarter": 2000,
            "sla": {
                "enabled": True,
                "mql_definition_score": 0.55,
                "first_touch_hours": 24,
                "min_attempts": 6,
                "reject_window_days": 5,
                "breach_review": True,
            },
        },
    )
    assert by_hand.model_dump(exclude={"name", "description"}) == preset.model_dump(exclude={"name", "description"})
    a = run(preset, seed=11, days=40)
    b = run(by_hand, seed=11, days=40)
    pd.testing.assert_frame_equal(a.summary.drop(columns="scenario"), b.summary.drop(columns="scenario"))
    pd.testing.assert_frame_equal(a.daily.drop(columns="scenario"), b.daily.drop(columns="scenario"))


def test_the_name_of_a_design_does_not_change_its_results(small):
    sc = small("combined_revenue_org")
    renamed = sc.with_overrides({"name": "a_completely_different_name", "description": "anything"})
    a = run(sc, seed=5, days=40)
    b = run(renamed, seed=5, days=40)
    assert b.summary["scenario"].iloc[0] == "a_completely_different_name"
    pd.testing.assert_frame_equal(a.summary.drop(columns="scenario"), b.summary.drop(columns="scenario"))
    pd.testing.assert_frame_equal(a.daily.drop(columns="scenario"), b.daily.drop(columns="scenario"))
    pd.testing.assert_frame_equal(a.leads, b.leads)


def test_designs_share_the_same_market_under_the_same_seed(small):
    """Common random numbers: every design starts from the same accounts for a given seed."""
    markets = [OrgModel(small(name), seed=4).market for name in ("separate_targets", "outsourced_sdr", "combined_revenue_org")]
    for mk in markets[1:]:
        np.testing.assert_array_equal(mk.attributes, markets[0].attributes)
        np.testing.assert_array_equal(mk.segment, markets[0].segment)
        np.testing.assert_array_equal(mk.in_market, markets[0].in_market)
        np.testing.assert_array_equal(mk.deal_size, markets[0].deal_size)


def test_a_lever_change_does_change_results(small):
    """The counterpart of the identity tests: a lever that matters does move outcomes."""
    a = run(small("separate_targets"), seed=5, days=40).summary.iloc[0]
    b = run(small("separate_targets", {"marketing.kpi": "revenue"}), seed=5, days=40).summary.iloc[0]
    assert a["mqls"] != b["mqls"]


def test_combined_org_has_one_leader_and_nobody_to_blame(small, stepped):
    model = stepped(small("combined_revenue_org", {"behaviour.trust_initial_sales_in_marketing": 0.0}), 130, seed=1)
    assert [leader.title for leader in model.leaders] == ["cro"]
    assert model.blame_events == 0


def test_reorganisation_costs_capacity_only_in_the_combined_structure(small):
    """Combining the org loses capacity at the start of the transition, recovering linearly."""
    sc = small("combined_revenue_org")
    lead = sc.leadership
    combined = OrgModel(sc, seed=0)
    combined.step()
    assert combined.transition_factor == pytest.approx(1 - lead.reorg_capacity_loss)
    half = lead.reorg_transition_days // 2
    for _ in range(half):  # days 1 .. half
        combined.step()
    assert combined.transition_factor == pytest.approx(1 - lead.reorg_capacity_loss * (1 - half / lead.reorg_transition_days))
    separate = OrgModel(small("combined_revenue_org", {"structure": "separate"}), seed=0)
    separate.step()
    assert separate.transition_factor == 1.0


@pytest.mark.parametrize("name", ["separate_targets", "sla"])
def test_presets_load_and_run_briefly(name):
    """Sanity: a preset runs end to end with its own name in the output."""
    res = run(load_scenario(name).with_overrides({"market.n_accounts": 1000}), seed=0, days=5)
    assert res.summary["scenario"].iloc[0] == name
    assert len(res.daily) == 5


def test_bookings_pulled_past_the_horizon_are_those_pulled_on_its_last_day(small):
    """A run ending on a quarter's last day reports, in ``bookings_pulled_past_horizon``, the won
    deals pulled in that day (all were due after the horizon); a run ending mid-quarter has none."""
    sc = small("separate_targets", {"sales.accelerator": 3.0})
    at_quarter_end = run(sc, seed=5, days=2 * WORKING_DAYS_PER_QUARTER)
    leads = at_quarter_end.leads
    last = 2 * WORKING_DAYS_PER_QUARTER - 1
    pulled_last_day = leads[(leads["discount"] > 0) & (leads["closed_day"] == last) & (leads["stage"] == "won")]
    assert len(pulled_last_day) > 0
    assert at_quarter_end.summary["bookings_pulled_past_horizon"].iloc[0] == pytest.approx(pulled_last_day["value"].sum())
    mid_quarter = run(sc, seed=5, days=2 * WORKING_DAYS_PER_QUARTER + 20)
    assert mid_quarter.summary["bookings_pulled_past_horizon"].iloc[0] == 0


# --------------------------------------------------------------------------- the day-one list


def test_day_one_list_follows_awareness_at_window_entry_with_one_draw_per_account(small):
    """An account entering the market puts the company on its list with chance list_max x
    awareness, from a fixed draw per account: the same account, equally aware, decides alike."""
    sc = small("separate_targets", {"market.awareness_initial": 0.4, "behaviour.day_one_list_max": 0.9})
    model = OrgModel(sc, seed=4)
    mk = model.market
    inm = np.flatnonzero(mk.in_market)
    expected = mk.list_draw[inm] < 0.9 * mk.awareness[inm]
    np.testing.assert_array_equal(mk.on_list[inm], expected)
    assert not mk.on_list[~mk.in_market].any(), "only buyers in a window have a list"
    # Over many accounts the share matches list_max x mean awareness.
    assert mk.on_list_share() == pytest.approx(0.9 * float(np.mean(mk.awareness[inm])), abs=0.08)
    # Nobody is aware: nobody has the company on the list, and a closed window drops the list.
    cold = OrgModel(small("separate_targets", {"market.awareness_initial": 0.0}), seed=4)
    assert cold.market.on_list_share() == 0.0
    for _ in range(70):
        mk.step(model.day, 0.0)
        model.day += 1
    assert not mk.on_list[~mk.in_market].any()


def test_buyers_on_the_list_raise_hands_more(small, stepped):
    """Hand-raisers come mostly from buyers with the company on their list; with the list
    switched off (list_max 0) hand-raising falls to the off-list rate."""
    sc = small("separate_targets", {"behaviour.off_list_hand_raise": 0.0, "market.awareness_initial": 0.5})
    model = stepped(sc, 20, seed=2)
    L = model.leads
    inbound = np.flatnonzero(L.source[: L.n] == int(Source.INBOUND))
    acc = L.account[inbound]
    # In-market hand-raisers (intent 0.5-1; out-of-market researchers have 0-0.5) still in their window.
    in_window = model.market.in_market[acc] & (L.intent[inbound] >= 0.5)
    assert in_window.any()
    # With no off-list hand-raising, every one of them has the company on its list.
    assert model.market.on_list[acc[in_window]].all()
    # Nobody on the list and no off-list hand-raising: only out-of-market researchers raise hands.
    no_list = stepped(small("separate_targets", {"behaviour.day_one_list_max": 0.0, "behaviour.off_list_hand_raise": 0.0, "market.awareness_initial": 0.5}), 20, seed=2)
    M = no_list.leads
    no_list_inbound = np.flatnonzero(M.source[: M.n] == int(Source.INBOUND))
    assert (M.intent[no_list_inbound] < 0.5).all()
    assert len(no_list_inbound) < len(inbound)


def test_brand_win_effect_acts_through_the_list(small):
    """The win logit's brand term applies to buyers on the list only: with nobody on it the
    brand win effect changes nothing."""
    base = {"behaviour.day_one_list_max": 0.0}
    a = run(small("separate_targets", {**base, "behaviour.brand_win_effect": 0.0}), seed=1, days=126).summary
    b = run(small("separate_targets", {**base, "behaviour.brand_win_effect": 3.0}), seed=1, days=126).summary
    assert a["bookings"].iloc[0] == b["bookings"].iloc[0]
    c = run(small("separate_targets", {"behaviour.brand_win_effect": 3.0, "market.awareness_initial": 0.6}), seed=1, days=126).summary
    d = run(small("separate_targets", {"behaviour.brand_win_effect": 0.0, "market.awareness_initial": 0.6}), seed=1, days=126).summary
    assert c["win_rate"].iloc[0] > d["win_rate"].iloc[0]


# --------------------------------------------------------------------------- deal stages


def test_deal_load_by_stage_and_one_proposal_per_deal(small, stepped):
    """A deal in negotiation needs negotiation_hours_per_day, an earlier one deal_hours_per_day;
    the proposal's hours are charged once, on the day a deal is halfway to its decision."""
    sc = small("separate_targets", {"work.negotiation_hours_per_day": 1.1, "work.deal_hours_per_day": 0.3, "work.proposal_hours": 5.0})
    model = stepped(sc, 60, seed=3)
    L = model.leads
    sql = L.open_in(Stage.SQL)
    assert len(sql) > 0
    model._hours_due[:] = 0.0
    model.count_deals()
    to_go = L.close_day[sql] - model.day
    w = sc.work
    for ae in model.aes:
        mine = L.ae[sql] == ae.unique_id
        need = np.where(to_go[mine] <= w.negotiation_days, 1.1, 0.3).sum()
        assert ae.late_need_hours + ae.other_need_hours == pytest.approx(need)
    halfway = L.sql_day[sql] + (L.close_day[sql] - L.sql_day[sql]) // 2 == model.day
    expected = 5.0 * np.bincount(L.ae[sql][halfway], minlength=len(model._hours_due))
    np.testing.assert_allclose(model._hours_due, expected)


def test_heavier_deal_work_leaves_aes_fewer_hours_for_leads(small):
    """More hours per deal stage means AEs have less time for leads and prospecting: fewer
    AE-sourced opportunities (the capacity binds)."""
    light = small("separate_targets", {"work.proposal_hours": 0.0, "work.negotiation_hours_per_day": 0.0, "work.deal_hours_per_day": 0.05})
    heavy = small("separate_targets", {"work.proposal_hours": 20.0, "work.negotiation_hours_per_day": 3.0, "work.deal_hours_per_day": 1.5})
    assert mean_summary(heavy, "sqls", days=126) < mean_summary(light, "sqls", days=126)


# --------------------------------------------------------------------------- the demand waterfall's stages


def _without(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.drop(columns=[c for c in columns if c in frame.columns])


def test_non_buyer_inquiries_are_counted_and_change_nothing_else(small):
    """Non-buyers' inquiries are screened out by scoring: they raise the inquiry count (and the
    daily series of them) by about share / (1 - share) per account inquiry, and every other
    output, row for row, is what it is without them (they draw from their own stream)."""
    none = run(small("separate_targets", {"market.non_buyer_inquiry_share": 0.0}), seed=5, days=40)
    most = run(small("separate_targets", {"market.non_buyer_inquiry_share": 0.75}), seed=5, days=40)
    a, b = none.summary.iloc[0], most.summary.iloc[0]
    assert a["non_buyer_inquiries"] == 0 and a["inquiries"] > 0
    account_inquiries = a["inquiries"]
    assert b["inquiries"] - b["non_buyer_inquiries"] == account_inquiries
    assert b["non_buyer_inquiries"] == pytest.approx(3 * account_inquiries, rel=0.1)
    counted = ["inquiries", "non_buyer_inquiries", "scenario"]
    pd.testing.assert_frame_equal(_without(none.summary, counted), _without(most.summary, counted))
    pd.testing.assert_frame_equal(_without(none.daily, counted), _without(most.daily, counted))
    pd.testing.assert_frame_equal(none.leads, most.leads)
    assert most.daily["non_buyer_inquiries"].is_monotonic_increasing
    assert most.daily["non_buyer_inquiries"].iloc[-1] == b["non_buyer_inquiries"]


def test_sdrs_hand_over_more_sqls_than_discovery_keeps_and_aes_do_not(small, stepped):
    """An SDR's qualification call passes buyers more readily than the AE's discovery keeps
    them: with leniency the SDRs' SQLs include some the discovery disqualifies (each costing the
    AE its discovery hours), while an AE that qualifies its own lead does its discovery in the
    same meeting; with no leniency every SQL is an opportunity."""
    lenient = stepped(small("separate_targets", {"behaviour.sdr_handover_leniency": 3.0}), 126, seed=2)
    L = lenient.leads
    n = L.n
    dropped = L.reason[:n] == Reason.DISCOVERY
    assert dropped.sum() > 0 and dropped.sum() == lenient.sqls_disqualified
    sdr_ids = [a.unique_id for a in lenient.sdrs]
    assert np.all(np.isin(L.worker[:n][dropped], sdr_ids)), "only SDRs' SQLs are disqualified at discovery"
    ae_made = (L.sql_day[:n] >= 0) & np.isin(L.worker[:n], lenient.ae_ids)
    assert ae_made.sum() > 0 and not (ae_made & dropped).any()
    strict = run(small("separate_targets", {"behaviour.sdr_handover_leniency": 1.0}), seed=2, days=126).summary.iloc[0]
    assert strict["sqls_disqualified_at_discovery"] == 0 and strict["sqls"] == strict["opportunities"]
    # SDRs paid on revenue hand over only what discovery keeps; partly on revenue, fewer extras
    on_revenue = run(small("separate_targets", {"sdr.shared_revenue_weight": 1.0}), seed=2, days=126).summary.iloc[0]
    assert on_revenue["sqls_disqualified_at_discovery"] == 0
    half = run(small("separate_targets", {"sdr.shared_revenue_weight": 0.5}), seed=2, days=126).summary.iloc[0]
    assert 0 < half["sqls_disqualified_at_discovery"] < lenient.sqls_disqualified


def test_a_sal_is_a_reached_buyer_and_the_no_project_share_moves_only_the_sal_count(small):
    """The waterfall's SAL is stamped at the first conversation: which reached buyers without a
    project count as SALs changes the SAL count and nothing else (one readiness draw per buyer
    keeps every SQL a SAL whatever the share)."""
    runs = {q: run(small("separate_targets", {"behaviour.no_project_sal_share": q}), seed=7, days=90) for q in (0.0, 0.25)}
    low, high = runs[0.0].summary.iloc[0], runs[0.25].summary.iloc[0]
    assert high["sals"] > low["sals"] >= low["sqls"] > 0
    leads = runs[0.25].leads
    assert (leads.loc[leads["sql_day"] >= 0, "sal_day"] >= 0).all()
    assert (leads.loc[leads["sal_day"] >= 0, "accepted_day"] >= 0).all()
    pd.testing.assert_frame_equal(_without(runs[0.0].summary, ["sals", "scenario"]), _without(runs[0.25].summary, ["sals", "scenario"]))
