"""Issue 13: reading a company's export (items 1 and 6), the observed funnel (item 2), base files (item 4).

Fast: hand-made tables of a few rows; no simulation except one short run for the export check.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from simulation.errors import OrgsimError
from simulation.fit.mapping import read_source
from simulation.fit.observed import binomial, median_ci, observe_funnel
from simulation.scenario import ScenarioError, load_scenario

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "acme" / "mapping.yaml"

LEADS = """lead_id,created,mql_at,touched,accepted,qualified,channel,sdr
L1,2025-01-02 09:00,2025-01-02 09:00,2025-01-02 10:00,2025-01-02,2025-01-10,Web,s1
L2,2025-01-03 09:00,2025-01-03 09:00,2025-01-04 09:00,,,Ads,s1
L3,2025-01-05 09:00,2025-01-05 09:00,,,,Ads,s2
L4,2025-02-01 09:00,2025-02-01 09:00,2025-02-01 12:00,2025-02-01,,Web,s2
L5,2025-06-20 09:00,2025-06-20 09:00,,,,Web,s1
"""
DEALS = """opp,lead,opened,closed,stage,amount,segment
O1,L1,2025-01-10,2025-02-10,Closed Won,12000,SMB
O2,,2025-01-15,2025-03-01,Closed Lost,30000,Mid-Market
O3,,2025-01-20,,Negotiation,5000,SMB
O4,,2025-06-25,,Negotiation,5000,SMB
"""


def mapping(**changes) -> dict:
    m = {
        "leads": {"path": "leads.csv", "id": "lead_id", "created": "created", "stage": "mql",
                  "stage_dates": {"first_touch": "touched", "sal": "accepted", "sql": "qualified"}, "source": "channel", "owner": "sdr"},
        "deals": {"path": "deals.csv", "lead_id": "lead", "created": "opened", "closed": "closed", "outcome": "stage",
                  "outcome_values": {"won": ["Closed Won"], "lost": ["Closed Lost"], "no_decision": ["No Decision"]},
                  "amount": "amount", "segment": "segment", "segment_values": {"smb": ["SMB"], "mid_market": ["Mid-Market"]}},
        "as_of": "2025-06-30",
        "windows": {"lead_days": 30, "deal_days": 60},
    }
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            if value is None:
                m[section].pop(field, None)
            else:
                m[section][field] = value
        else:
            m[section] = value
    return m


def company_folder(tmp_path: Path, leads: str = LEADS, deals: str = DEALS, **changes) -> Path:
    (tmp_path / "leads.csv").write_text(leads, encoding="utf-8")
    (tmp_path / "deals.csv").write_text(deals, encoding="utf-8")
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping(**changes)), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- item 1: reading an export


def test_a_mapping_file_reads_into_canonical_tables(tmp_path):
    company = read_source(company_folder(tmp_path))
    assert list(company.leads["lead_id"]) == ["L1", "L2", "L3", "L4", "L5"]
    assert company.leads["mql"].equals(company.leads["created"])  # stage: mql -- every row is an MQL when created
    assert company.leads.loc[0, "first_touch"] == pd.Timestamp("2025-01-02 10:00")
    assert list(company.deals["outcome"]) == ["won", "lost", "open", "open"]  # unlisted, not closed: still open
    assert list(company.deals["segment"]) == ["smb", "mid_market", "smb", "smb"]
    assert company.as_of == pd.Timestamp("2025-06-30")
    # headcount not given: counted from distinct SDR ids, and said so
    assert company.headcount == {"sdr": 2} and any("counted 2" in n for n in company.notes)


def test_what_a_table_cannot_show_is_reported_not_guessed(tmp_path):
    company = read_source(company_folder(tmp_path, deals__outcome=None, deals__outcome_values=None, leads__stage_dates={}))
    observed = observe_funnel(company.leads, company.deals, company.as_of, company.windows, company.entry_stage,
                              observed=company.observed_columns)
    assert "win_rate" not in observed.figures and "no outcome column" in observed.not_observed["win_rate"]
    assert "mql_first_touched" not in observed.figures and "first-touch" in observed.not_observed["mql_first_touched"]
    assert any("every row is taken as a won deal" in n for n in company.notes)


def test_the_example_export_reads_and_parquet_reads_the_same(tmp_path):
    company = read_source(EXAMPLE)
    assert len(company.leads) > 300 and len(company.deals) > 30
    assert set(company.leads["channel"].dropna()) == {"inbound", "campaign"}
    # the same tables as Parquet give the same canonical frames
    for name in ("leads", "opportunities"):
        pd.read_csv(EXAMPLE.parent / f"{name}.csv", dtype=str).to_parquet(tmp_path / f"{name}.parquet")
    text = EXAMPLE.read_text(encoding="utf-8").replace("leads.csv", "leads.parquet").replace("opportunities.csv", "opportunities.parquet")
    (tmp_path / "mapping.yaml").write_text(text, encoding="utf-8")
    again = read_source(tmp_path / "mapping.yaml")
    pd.testing.assert_frame_equal(again.leads, company.leads)
    pd.testing.assert_frame_equal(again.deals, company.deals)


def test_a_funnel_file_states_the_figures(tmp_path):
    path = tmp_path / "funnel.yaml"
    path.write_text("funnel:\n  mqls_per_month: 900\n  conversion: {mql_acceptance: 0.4}\n  outcomes: {won: 0.45, lost: 0.35, no_decision: 0.2}\n"
                    "  cycle_days_median: {smb: 25, mid_market: 60}\n  headcount: {ae: 12, sdr: 5}\n", encoding="utf-8")
    company = read_source(path)
    assert company.funnel["win_rate"] == 0.45 and company.funnel["cycle_days_median_smb"] == 25
    assert company.headcount == {"ae": 12, "sdr": 5}
    path.write_text("funnel:\n  mqls_per_month: 900\n  outcomes: {won: 0.6, lost: 0.6, no_decision: 0.2}\n", encoding="utf-8")
    with pytest.raises(OrgsimError, match="must add up to 1"):
        read_source(path)


# ---------------------------------------------------------------------------- item 6: bad input, one line


@pytest.mark.parametrize(
    "leads, deals, changes, message",
    [
        (LEADS, DEALS, {"leads__created": "created_at"}, r"leads\.created = 'created_at': no such column in leads\.csv; its columns: lead_id, created, mql_at"),
        (LEADS.replace("2025-01-03 09:00,2025-01-03", "yesterday,2025-01-03"), DEALS, {}, r"leads\.csv: column 'created': 1 value\(s\) are not dates; first at row 3 \(.*\): 'yesterday'"),
        (LEADS.replace("L2,", "L1,"), DEALS, {}, r"leads\.csv: column 'lead_id': 1 duplicate lead id\(s\), e\.g\. 'L1'"),
        (LEADS, DEALS.replace("O2,,", "O2,L99,").replace("O3,,", "O3,L98,"), {}, r"2 of 4 deals have a lead id that matches no lead .*--allow-unmatched-deals"),
        (LEADS, DEALS.replace("30000", "-30000"), {}, r"deals\.csv: column 'amount': 1 negative amount\(s\); first at row 3"),
        (LEADS.splitlines()[0] + "\n", DEALS, {}, r"leads\.csv: the leads table has no rows"),
        (LEADS, DEALS.replace("2025-01-10,2025-02-10", "2025-02-10,2025-01-10"), {}, r"dates run backwards: 1 row\(s\) have 'closed' before 'opened'; first at row 2"),
        (LEADS.replace("2025-01-02 09:00,2025-01-02 10:00", "2025-01-02 09:00,2024-12-01 10:00"), DEALS, {}, r"dates run backwards: 1 row\(s\) have 'touched' before 'created'"),
        (LEADS, DEALS.replace("Closed Lost", "Lost to competitor"), {}, r"closed deal\(s\) have an outcome not listed .*'Lost to competitor' at row 3"),
        (LEADS, DEALS.replace("Mid-Market", "Public sector"), {}, r"'Public sector' are not segments; allowed: smb, mid_market, enterprise"),
        (LEADS, DEALS, {"leads__stage": "lead"}, r"leads\.stage = 'lead': allowed: inquiry, mql"),
        (LEADS, DEALS, {"leads__path": "missing.csv"}, r"mapping\.yaml: leads\.path: .*missing\.csv: no such leads export"),
        (LEADS, DEALS, {"leads__colour": "x"}, r"leads: colour: unknown key; allowed:"),
        (LEADS, DEALS, {"leads__id": None}, r"leads\.id: required"),
    ],
    ids=["missing-column", "bad-date", "duplicate-id", "unmatched-deals", "negative-amount", "empty-table", "backwards-deal",
         "backwards-lead", "unlisted-outcome", "unknown-segment", "bad-stage", "missing-file", "unknown-key", "missing-key"],
)
def test_bad_input_is_one_line_naming_file_and_field(tmp_path, leads, deals, changes, message):
    with pytest.raises(OrgsimError, match=message) as info:
        read_source(company_folder(tmp_path, leads, deals, **changes))
    assert "\n" not in str(info.value)


def test_unmatched_deals_are_left_out_only_when_the_user_says_so(tmp_path):
    path = company_folder(tmp_path, deals=DEALS.replace("O2,,", "O2,L99,"))
    with pytest.raises(OrgsimError, match="1 of 4 deals"):
        read_source(path)
    company = read_source(path, allow_unmatched_deals=True)
    assert len(company.deals) == 3 and any("left out" in n for n in company.notes)


def test_the_cli_refuses_bad_input_with_exit_2_and_writes_nothing(tmp_path):
    path = company_folder(tmp_path, deals=DEALS.replace("30000", "-30000"))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "simulation.cli", "fit", str(path), "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "negative amount" in lines[0] and "deals.csv" in lines[0]
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


# ---------------------------------------------------------------------------- item 2: the observed funnel


def test_recent_leads_are_censored_not_failures(tmp_path):
    company = read_source(company_folder(tmp_path))
    f = observe_funnel(company.leads, company.deals, company.as_of, company.windows, company.entry_stage,
                       observed=company.observed_columns).figures
    # L5 (created ten days before the end, window 30 days) is left out, not counted as a lead never touched
    assert f["mql_first_touched"].n == 4 and f["mql_first_touched"].value == 3 / 4
    assert f["mql_acceptance"].value == 2 / 3 and f["mql_to_sql"].value == 1 / 4
    # deals: O4 is too recent (window 60 days); O3 is old enough and still open: not decided
    assert f["win_rate"].n == 2 and f["win_rate"].value == 0.5
    low, high = stats.binomtest(3, 4).proportion_ci(method="exact")
    assert (f["mql_first_touched"].ci_low, f["mql_first_touched"].ci_high) == pytest.approx((low, high))
    # cycle: O1 31 days, O2 45 days, O3 open (longer than any decided): median 45
    assert f["cycle_days_median"].value == 45
    assert f["speed_to_lead_hours_median"].value == pytest.approx(3.0)  # 1 h, 24 h, 3 h


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    created=st.lists(st.integers(0, 300), min_size=1, max_size=60),
    delays=st.lists(st.one_of(st.none(), st.integers(0, 90)), min_size=60, max_size=60),
    window=st.integers(1, 120),
)
def test_shares_lie_in_0_1_inside_their_intervals(created, delays, window):
    start = pd.Timestamp("2025-01-01")
    leads = pd.DataFrame({"lead_id": [str(i) for i in range(len(created))], "created": [start + pd.Timedelta(days=c) for c in created]})
    leads["mql"] = leads["created"]
    leads["first_touch"] = [c + pd.Timedelta(days=d) if d is not None else pd.NaT for c, d in zip(leads["created"], delays, strict=False)]
    for col in ("sal", "sql"):
        leads[col] = pd.NaT
    leads = leads.astype({c: "datetime64[ns]" for c in ("created", "mql", "first_touch", "sal", "sql")})
    funnel = observe_funnel(leads, None, start + pd.Timedelta(days=400), {"lead_days": window, "deal_days": 60}, "mql",
                            observed={"leads": {"lead_id", "created", "mql", "first_touch"}})
    for fig in funnel.figures.values():
        if fig.unit == "share":
            assert 0 <= fig.ci_low <= fig.value <= fig.ci_high <= 1
    # right-censoring: only leads created at least `window` days before the end count, touched within the window
    cohort = [(c, d) for c, d in zip(created, delays, strict=False) if c + window <= 400]
    touched = funnel.figures.get("mql_first_touched")
    assert (touched is None) == (not cohort)
    if cohort:
        assert touched.n == len(cohort)
        assert touched.value == pytest.approx(sum(d is not None and d <= window for _, d in cohort) / len(cohort))


def test_binomial_and_median_intervals():
    assert binomial(0, 0)[0] != binomial(0, 0)[0]  # nan: nothing to count
    share, low, high = binomial(5, 10)
    assert share == 0.5 and low < 0.5 < high
    m, lo, hi = median_ci(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, np.inf, np.inf]))
    assert m == 6 and lo <= m <= hi


def test_a_simulated_run_is_measured_by_the_same_definitions():
    from simulation import load_scenario, run
    from simulation.fit.observed import export_run

    scenario = load_scenario("separate_targets").with_overrides({"market.n_accounts": 600, "marketing.budget_per_quarter_usd": 3000})
    result = run(scenario, seed=1, days=120)
    leads, deals, as_of = export_run(result.leads, 120)
    L = result.leads
    assert len(deals) == result.summary["opportunities"].iloc[0]  # SQLs the AE's discovery kept
    assert result.summary["sqls"].iloc[0] > len(deals)
    assert (deals["outcome"] == "won").sum() == (L["stage"].astype(str) == "won").sum()
    marketing = L["source"].astype(str).isin(["inbound", "campaign_broad", "campaign_targeted"])
    assert len(leads) == int(marketing.sum())
    # speed to lead survives the trip through calendar dates
    touched = leads["first_touch"].notna() & leads["mql"].notna()
    hours = ((leads.loc[touched, "first_touch"] - leads.loc[touched, "mql"]).dt.total_seconds() / 3600).to_numpy()
    expected = L.loc[marketing & (L["first_touch_day"] >= 0) & (L["mql_day"] >= 0), "speed_to_lead_hours"].to_numpy(dtype=float)
    assert np.allclose(np.sort(hours), np.sort(expected), atol=1e-3)
    assert as_of >= deals["created"].max()


# ---------------------------------------------------------------------------- item 4: a scenario file as base


def test_a_base_may_be_another_scenario_file_relative_to_the_referring_file(tmp_path):
    (tmp_path / "company").mkdir()
    (tmp_path / "company" / "company.yaml").write_text("base: sla\nsales: {ae_headcount: 7}\n", encoding="utf-8")
    (tmp_path / "redesigns").mkdir()
    (tmp_path / "redesigns" / "faster.yaml").write_text("base: ../company/company.yaml\nsla: {first_touch_hours: 2}\n", encoding="utf-8")
    (tmp_path / "redesigns" / "also_rota.yaml").write_text("base: faster.yaml\nsdr: {on_call_hours_per_day: 4}\n", encoding="utf-8")
    s = load_scenario(tmp_path / "redesigns" / "also_rota.yaml")
    assert s.name == "also_rota" and s.sla.enabled and s.sla.first_touch_hours == 2 and s.sales.ae_headcount == 7
    assert s.sdr.on_call_hours_per_day == 4 and s.sla.mql_definition_score == load_scenario("sla").sla.mql_definition_score


def test_base_file_loops_and_missing_bases_are_one_line(tmp_path):
    (tmp_path / "a.yaml").write_text("base: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("base: ./a.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"base = 'a.yaml'|base = './a.yaml'") as info:
        load_scenario(tmp_path / "a.yaml")
    assert "loop" in str(info.value) and "\n" not in str(info.value)
    (tmp_path / "self.yaml").write_text("base: self.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="loop"):
        load_scenario(tmp_path / "self.yaml")
    (tmp_path / "c.yaml").write_text("base: nowhere/company.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"c\.yaml: base = 'nowhere/company.yaml': .*nowhere/company\.yaml: no such scenario file"):
        load_scenario(tmp_path / "c.yaml")
    (tmp_path / "d.yaml").write_text("base: slaa\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"unknown preset; allowed: .*or a scenario file's path"):
        load_scenario(tmp_path / "d.yaml")


def test_a_funnel_file_becomes_figures_without_intervals_and_says_what_is_missing(tmp_path):
    from simulation.fit import observe_company
    from simulation.fit.fitting import _bounds

    path = tmp_path / "funnel.yaml"
    path.write_text("funnel:\n  months: 6\n  leads_per_month: 400\n  conversion: {mql_acceptance: 0.4}\n  deal_size_usd_mean: 20000\n", encoding="utf-8")
    observed = observe_company(read_source(path))
    assert observed.value("leads_per_month") == 400 and observed.value("deal_size_usd_mean") == 20000
    assert np.isnan(observed.figures["mql_acceptance"].ci_low)  # stated, not measured: no interval is invented
    assert {"win_rate", "mql_first_touched", "no_decision_share"} <= set(observed.not_observed)
    assert observed.span["days"] == pytest.approx(6 * 365.25 / 12)
    # the fit scores a stated figure against +-10% (shares: at least +-2 points)
    assert _bounds(observed.figures["mql_acceptance"], funnel=True) == pytest.approx((0.36, 0.44))
