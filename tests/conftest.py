"""Shared helpers for the test suite.

Everything here keeps runs small (a 3,000-account market, a few dozen working days) so
the whole suite stays fast on a two-core machine. Tests assert mechanisms and invariants,
not calibrated numbers: the defaults are tuned separately.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation import Scenario, load_scenario
from simulation.model import OrgModel

REPO = Path(__file__).resolve().parent.parent

SMALL_MARKET = {"market.n_accounts": 3000}

# Issue 2, item 7: the summary has at least these columns.
REQUIRED_SUMMARY_COLUMNS = [
    "scenario",
    "seed",
    "replication",
    "leads_created",
    "mqls",
    "mqls_accepted",
    "mqls_rejected",
    "mqls_never_worked",
    "sqls",
    "opportunities",
    "deals_won",
    "deals_lost",
    "deals_no_decision",
    "bookings",
    "pipeline_created",
    "mql_acceptance_rate",
    "win_rate",
    "median_speed_to_lead_hours",
    "share_never_worked",
    "sla_breaches",
    "blame_events",
    "friction_index",
    "trust_sales_in_marketing",
    "trust_marketing_in_sales",
    "total_cost",
    "cac",
    "quota_attainment_share",
]


def small_scenario(name: str = "separate_targets", overrides: dict | None = None) -> Scenario:
    """A preset on a small market, with dotted-key ``overrides`` applied."""
    return load_scenario(name).with_overrides({**SMALL_MARKET, **(overrides or {})})


def stepped_model(scenario: Scenario, days: int, seed: int = 0) -> OrgModel:
    """An :class:`OrgModel` advanced ``days`` working days."""
    model = OrgModel(scenario, seed=seed)
    for _ in range(days):
        model.step()
    return model


@pytest.fixture
def small():
    """Factory: ``small(preset, {dotted: value})`` -> a small-market scenario."""
    return small_scenario


@pytest.fixture
def stepped():
    """Factory: ``stepped(scenario, days, seed)`` -> a model advanced that many days."""
    return stepped_model


@pytest.fixture
def repo() -> Path:
    return REPO
