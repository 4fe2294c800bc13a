"""Issue 13, item 5: parameter recovery. A company with known behaviour is simulated, its
leads and deals are exported in the mapping format (CSV + mapping.yaml), `orgsim fit`'s
pipeline fits it, and the known values must lie in the fitted values' reported 95% intervals.

Small on purpose (about 15 s on one core): a 1,200-account company, an export of half a year
after the warm-up quarter, a budget of 10 candidates x 1 replication.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from simulation import load_scenario, run
from simulation.fit import fit
from simulation.fit.observed import export_run

TRUTH = {"behaviour.accept_bar": 0.45, "behaviour.min_task_yield": 0.03}
STRUCTURE = {"market.n_accounts": 1200, "marketing.budget_per_quarter_usd": 4_000, "marketing.headcount": 1,
             "sales.ae_headcount": 2, "sdr.headcount": 1}
DAYS = 63 + 126


def write_export(folder, lead_frame) -> None:
    leads, deals, _ = export_run(lead_frame, DAYS, entry_stage="inquiry")
    start = leads["created"].min() + pd.Timedelta(days=63 * 7 / 5)  # the company's export starts after our warm-up
    leads = leads[leads["created"] >= start]
    deals = deals[deals["created"] >= start]
    iso = "%Y-%m-%dT%H:%M:%S"
    pd.DataFrame({
        "id": "lead-" + leads["lead_id"], "created_at": leads["created"].dt.strftime(iso),
        **{f"{c}_at": leads[c].dt.strftime(iso) for c in ("mql", "first_touch", "sal", "sql")},
        "channel": leads["source"],
    }).to_csv(folder / "leads.csv", index=False)
    pd.DataFrame({
        "lead": np.where(deals["lead_id"].isin(leads["lead_id"]), "lead-" + deals["lead_id"], ""),
        "opened": deals["created"].dt.strftime(iso), "closed": deals["closed"].dt.strftime(iso),
        "stage": deals["outcome"], "amount": deals["amount"].round(2), "segment": deals["segment"],
    }).to_csv(folder / "deals.csv", index=False)
    mapping = {
        "leads": {"path": "leads.csv", "id": "id", "created": "created_at", "stage": "inquiry",
                  "stage_dates": {c: f"{c}_at" for c in ("mql", "first_touch", "sal", "sql")},
                  "source": "channel", "source_values": {"inbound": ["inbound"], "campaign": ["campaign_broad", "campaign_targeted"]}},
        "deals": {"path": "deals.csv", "lead_id": "lead", "created": "opened", "closed": "closed", "outcome": "stage",
                  "outcome_values": {"won": ["won"], "lost": ["lost"], "no_decision": ["no_decision"], "open": ["open"]},
                  "amount": "amount", "segment": "segment"},
        "headcount": {"ae": 2, "sdr": 1, "marketing": 1},
        "windows": {"lead_days": 45, "deal_days": 60},
    }
    (folder / "mapping.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("company")
    truth = load_scenario("separate_targets").with_overrides({**STRUCTURE, **TRUTH})
    write_export(folder, run(truth, seed=11, days=DAYS).leads)
    result = fit(folder / "mapping.yaml", folder / "out", replications=1, budget=14, seed=3, workers=1,
                 parameters=list(TRUTH), check_replications=3)
    return folder, result


@pytest.mark.slow
def test_the_known_behaviour_lies_in_the_reported_intervals(recovered):
    _, result = recovered
    fitted = result.result.fitted.set_index("parameter")
    for path, value in TRUTH.items():
        row = fitted.loc[path]
        assert row["ci_low"] <= value <= row["ci_high"], (path, value, row.to_dict())
        # the data say something: the interval is narrower than the range searched
        assert row["ci_high"] - row["ci_low"] < 0.75 * (row["search_high"] - row["search_low"]), (path, row.to_dict())


@pytest.mark.slow
def test_the_structure_is_set_from_the_data(recovered):
    _, result = recovered
    o = result.result.overrides
    assert o["sales.ae_headcount"] == 2 and o["sdr.headcount"] == 1 and o["marketing.headcount"] == 1
    # the market is found from the inbound volume, the budget from the campaign volume (two pilots)
    # (about 80 inbound leads in the export: their Poisson interval alone is +-22%)
    assert 0.6 * 1200 <= o["market.n_accounts"] <= 1.4 * 1200
    assert 0.75 * 4_000 <= o["marketing.budget_per_quarter_usd"] <= 1.33 * 4_000
    table = result.result.table.set_index("measure")
    assert table.loc["leads_per_month", "inside"]


@pytest.mark.slow
def test_the_folder_holds_a_scenario_redesigns_can_build_on(recovered):
    folder, result = recovered
    out = folder / "out"
    assert {"company.yaml", "fit.csv", "observed.json", "parameters.csv", "report.html", "meta.json"} <= {p.name for p in out.iterdir()}
    fit_csv = pd.read_csv(out / "fit.csv")
    assert list(fit_csv.columns) == ["measure", "observed", "observed_ci_low", "observed_ci_high", "simulated_mean", "ci_low", "ci_high", "inside"]
    (folder / "sla.yaml").write_text("base: out/company.yaml\nsla: {enabled: true}\n", encoding="utf-8")
    redesign = load_scenario(folder / "sla.yaml")
    asis = load_scenario(out / "company.yaml")
    assert redesign.sla.enabled and not asis.sla.enabled
    assert redesign.market == asis.market and redesign.behaviour == asis.behaviour
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "Set from data" in html and "could not be observed" in html


@pytest.mark.slow
def test_the_command_line_fits_and_prints_the_table(recovered):
    import subprocess
    import sys

    folder, _ = recovered
    proc = subprocess.run(
        [sys.executable, "-m", "simulation.cli", "fit", str(folder / "mapping.yaml"), "--out", str(folder / "cli"), "--budget", "4",
         "--replications", "1", "--workers", "1", "--parameters", "behaviour.accept_bar", "--quiet"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "observed figures matched by the fitted as-is" in proc.stdout and "behaviour.accept_bar" in proc.stdout
    assert "written to" in proc.stdout and (folder / "cli" / "company.yaml").exists()
    assert "behaviour.min_task_yield left at its default" not in proc.stderr  # only the chosen parameter was asked for
    again = subprocess.run([sys.executable, "-m", "simulation.cli", "fit", str(folder / "mapping.yaml"), "--out", str(folder / "cli")],
                           capture_output=True, text=True)
    assert again.returncode == 2 and "not empty" in again.stderr  # an existing fit is never overwritten
