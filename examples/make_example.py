"""Write the example CRM export in ``examples/acme/`` (run once; the files are committed).

The export is what a small company's CRM would give: a leads table (one row per MQL, with
the dates it was touched, accepted and qualified, its channel and SDR) and an opportunities
table (opened and closed dates, stage name, amount, AE, segment), with the column names,
date formats and labels of a typical CRM rather than orgsim's own. The rows come from one
orgsim run of a small company with known behaviour (so a fit of it has a known answer),
relabelled and rounded by hand-written rules below; ``python examples/make_example.py``
rewrites them identically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from simulation import load_scenario, run
from simulation.fit.observed import export_run

HERE = Path(__file__).resolve().parent / "acme"
TRUTH = {"behaviour.accept_bar": 0.55, "behaviour.win_intercept": 0.2}
COMPANY = {
    "market.n_accounts": 900, "marketing.budget_per_quarter_usd": 5_000, "marketing.headcount": 1,
    "sales.ae_headcount": 3, "sdr.headcount": 1, **TRUTH,
}
WARMUP, DAYS = 63, 63 + 252
CHANNELS = {"inbound": "Web form", "campaign_broad": "Paid social", "campaign_targeted": "Webinar"}
SEGMENTS = {"smb": "SMB", "mid_market": "Mid-Market", "enterprise": "Enterprise"}
OUTCOMES = {"won": "Closed Won", "lost": "Closed Lost", "no_decision": "No Decision", "open": "Proposal"}


def main() -> None:
    scenario = load_scenario("separate_targets").with_overrides(COMPANY)
    result = run(scenario, seed=7, days=DAYS)
    leads, deals, _ = export_run(result.leads, DAYS, entry_stage="mql")
    start = leads["created"].min() + pd.Timedelta(days=WARMUP * 7 / 5)
    leads = leads[leads["created"] >= start].reset_index(drop=True)
    deals = deals[deals["created"] >= start].reset_index(drop=True)
    rng = np.random.default_rng(7)
    sdrs = ["sdr-ana"]
    aes = ["ae-ben", "ae-chloe", "ae-dev"]
    lead_ids = {old: f"L{1000 + i}" for i, old in enumerate(leads["lead_id"])}
    fmt = "%Y-%m-%d %H:%M"
    shift = pd.to_timedelta(rng.uniform(7, 19, len(leads)).round(2), unit="h")  # a time of day; speed to lead is kept
    leads["created"] += shift
    leads["first_touch"] += shift
    out_leads = pd.DataFrame({
        "Lead ID": leads["lead_id"].map(lead_ids),
        "Created Date": leads["created"].dt.strftime(fmt),
        "First Touch": leads["first_touch"].dt.strftime(fmt),
        "Accepted Date": leads["sal"].dt.strftime("%Y-%m-%d"),
        "Qualified Date": leads["sql"].dt.strftime("%Y-%m-%d"),
        "Lead Source": leads["source"].map(CHANNELS),
        "Owner": np.where(leads["first_touch"].notna(), sdrs[0], ""),
    })
    out_deals = pd.DataFrame({
        "Opportunity ID": [f"O{500 + i}" for i in range(len(deals))],
        "Lead ID": deals["lead_id"].map(lead_ids).fillna(""),  # outbound opportunities have no lead
        "Opened": deals["created"].dt.strftime("%d/%m/%Y"),
        "Closed": deals["closed"].dt.strftime("%d/%m/%Y"),
        "Stage": deals["outcome"].map(OUTCOMES),
        "Amount": deals["amount"].round(-2),
        "Account Executive": rng.choice(aes, len(deals)),
        "Segment": deals["segment"].map(SEGMENTS),
    })
    HERE.mkdir(exist_ok=True)
    out_leads.to_csv(HERE / "leads.csv", index=False)
    out_deals.to_csv(HERE / "opportunities.csv", index=False)
    print(f"{len(out_leads)} leads, {len(out_deals)} opportunities written to {HERE}")


if __name__ == "__main__":
    main()
