"""Outcomes: the daily series and the one-row run summary, read from model state.

The friction index is descriptive: the unweighted mean of seven groups of nine components,
each in [0, 1], with one definition in every design. The three follow-up components
(never worked, first-touch delay, late first touches) measure one thing -- slow or missing
follow-up -- so they form one group and count once; every other component is its own group:

==========================  ================================================================
``mql_rejection_rate``      rejected / (accepted + rejected) marketing MQLs
``share_never_worked``      marketing MQLs that aged out untouched / MQLs resolved (touched or aged out)
``first_touch_delay``       median speed to lead / 72 hours, capped at 1
``sla_breach_rate``         marketing MQLs first touched later than ``sla.first_touch_hours`` (the
                            deadline an SLA would set; 24 h by default) or never touched / MQLs
                            resolved -- the same standard whether or not an SLA names it
``blame_rate``              blame events / (2 x quarters elapsed), capped at 1
``feedback_withheld``       feedback withheld / feedback opportunities
``trust_deficit``           1 - mean of trust each way
``icp_divergence``          distance between marketing's and sales' ICP / 0.6, capped at 1
``enablement_unused``       1 - mean share of enablement content AEs used on closing deals
==========================  ================================================================
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .leads import STAGE_NAMES, Reason, Source, Stage, is_marketing
from .market import SEGMENTS

if TYPE_CHECKING:  # pragma: no cover
    from .model import OrgModel

FRICTION_GROUPS = {
    "rejection": ("mql_rejection_rate",),
    "follow_up": ("share_never_worked", "first_touch_delay", "sla_breach_rate"),
    "blame": ("blame_rate",),
    "feedback": ("feedback_withheld",),
    "trust": ("trust_deficit",),
    "icp": ("icp_divergence",),
    "enablement": ("enablement_unused",),
}

FRICTION_COMPONENTS = (
    "mql_rejection_rate",
    "share_never_worked",
    "first_touch_delay",
    "sla_breach_rate",
    "blame_rate",
    "feedback_withheld",
    "trust_deficit",
    "icp_divergence",
    "enablement_unused",
)

DAILY_COLUMNS = (
    [f"stage_{name}" for name in STAGE_NAMES]
    + [f"entered_{name}" for name in STAGE_NAMES]
    + [
        "open_pipeline_value",
        "pipeline_created",
        "bookings",
        "bookings_cumulative",
        "total_cost",
        "trust_sales_in_marketing",
        "trust_marketing_in_sales",
        "mql_threshold",
        "broad_campaign_share",
        "brand_share",
        "awareness_mean",
        "in_market_share",
        "day_one_list_share",
        "non_buyer_inquiries",
        "sla_breaches",
        "blame_events",
        "feedback_given",
        "feedback_withheld",
        "sdr_headcount",
        "friction_index",
    ]
    + [f"friction_{c}" for c in FRICTION_COMPONENTS]
)


def sales_trust(model: OrgModel) -> float:
    """Mean trust in marketing's leads of the people who work them: AEs and in-house SDRs
    (whichever org the SDRs report to -- their trust is in marketing's leads)."""
    values = [p.trust for p in model.aes] + [s.trust for s in model.sdrs if s.function != "agency"]
    return _mean(values)


def marketing_trust(model: OrgModel) -> float:
    """Mean trust of marketers in sales' follow-up."""
    return _mean([p.trust for p in model.marketers])


def _mean(values: list[float]) -> float:
    """Mean of a short list of Python floats (nan if empty), without numpy's per-call overhead."""
    return math.fsum(values) / len(values) if values else float("nan")


def _marketing_mql_mask(model: OrgModel) -> np.ndarray:
    L = model.leads
    return (L.mql_day[: L.n] >= 0) & is_marketing(L.source[: L.n])


def friction_components(model: OrgModel, days_elapsed: int, marketing_mqls: np.ndarray | None = None) -> dict[str, float]:
    """The nine friction components (see module docstring) after ``days_elapsed`` simulated days."""
    L = model.leads
    n = L.n
    s = model.settings
    mask = _marketing_mql_mask(model) if marketing_mqls is None else marketing_mqls
    stage = L.stage[:n]
    # Counts with count_nonzero (a boolean sum converts to integers first) and plain-int stage
    # codes (numpy probes an IntEnum's type on every use): this runs every tenth day over every lead.
    accepted = int(np.count_nonzero(mask & (L.accepted_day[:n] >= 0)))
    rejected = int(np.count_nonzero(mask & (stage == int(Stage.REJECTED))))
    never = int(np.count_nonzero(mask & (stage == int(Stage.NEVER_WORKED))))
    touched_mask = mask & (L.first_touch_day[:n] >= 0)
    touched = int(np.count_nonzero(touched_mask))
    speeds = np.compress(touched_mask, L.speed_to_lead_hours[:n])  # as [mask], several times faster on a long, mixed mask
    median_speed = float(np.median(speeds)) if len(speeds) else 0.0
    late = int(np.count_nonzero(speeds > s.sla.first_touch_hours))
    quarters = max(1.0, days_elapsed / model.quarter_days)
    fb_total = model.feedback_given + model.feedback_withheld
    trusts = [t for t in (sales_trust(model), marketing_trust(model)) if not np.isnan(t)]
    icp = float(np.mean([np.linalg.norm(m.icp_point - model.sales_icp) for m in model.marketers])) if model.marketers else 0.0
    use = model.enablement_use_sum / model.enablement_use_n if model.enablement_use_n else 0.0
    has_content = s.marketing.enablement_share > 0 and s.marketing.budget_per_quarter_usd > 0
    return {
        "mql_rejection_rate": rejected / (accepted + rejected) if (accepted + rejected) else 0.0,
        "share_never_worked": never / (touched + never) if (touched + never) else 0.0,
        "first_touch_delay": min(1.0, median_speed / 72.0),
        "sla_breach_rate": (late + never) / (touched + never) if (touched + never) else 0.0,
        "blame_rate": min(1.0, model.blame_events / (2.0 * quarters)),
        "feedback_withheld": model.feedback_withheld / fb_total if fb_total else 0.0,
        "trust_deficit": 1.0 - float(np.mean(trusts)) if trusts else 0.0,
        "icp_divergence": min(1.0, icp / 0.6),
        "enablement_unused": (1.0 - use) if has_content else 0.0,
    }


def friction_index(components: dict[str, float]) -> float:
    """Mean over the groups of the mean of each group's components (see the module docstring)."""
    groups = [math.fsum(components[c] for c in members) / len(members) for members in FRICTION_GROUPS.values()]
    return math.fsum(groups) / len(groups)


class DailyRecorder:
    """Preallocated columns, one row per simulated day; no per-step DataFrame construction."""

    def __init__(self, model: OrgModel, days: int) -> None:
        self.model = model
        self.data = {name: np.zeros(days) for name in DAILY_COLUMNS if not name.startswith(("stage_", "entered_"))}
        self.stage_counts = np.zeros((days, len(STAGE_NAMES)), dtype=np.int64)
        self.entered = np.zeros((days, len(STAGE_NAMES)), dtype=np.int64)
        self.rows = 0
        self._last_bookings = 0.0
        # The friction components scan every lead; record them weekly and carry forward.
        self._friction_every = 10
        self._friction: dict[str, float] = {}

    def record(self) -> None:
        m = self.model
        L = m.leads
        i = self.rows
        row = self.data
        self.stage_counts[i] = L.stage_counts
        self.entered[i] = L.entered
        sql = L.open_in(Stage.SQL)
        row["open_pipeline_value"][i] = float(L.value[sql].sum())
        row["pipeline_created"][i] = m.pipeline_created
        row["bookings"][i] = m.bookings - self._last_bookings
        self._last_bookings = m.bookings
        row["bookings_cumulative"][i] = m.bookings
        row["total_cost"][i] = m.total_cost
        row["trust_sales_in_marketing"][i] = sales_trust(m)
        row["trust_marketing_in_sales"][i] = marketing_trust(m)
        row["mql_threshold"][i] = _mean([x.threshold for x in m.marketers])
        row["broad_campaign_share"][i] = _mean([x.broad_share for x in m.marketers])
        row["brand_share"][i] = m.brand_share
        row["awareness_mean"][i] = float(m.market.awareness.mean())
        row["in_market_share"][i] = m.market.in_market_count / m.market.n
        row["day_one_list_share"][i] = m.market.on_list_share()
        row["non_buyer_inquiries"][i] = m.non_buyer_inquiries
        row["sla_breaches"][i] = m.sla_breaches
        row["blame_events"][i] = m.blame_events
        row["feedback_given"][i] = m.feedback_given
        row["feedback_withheld"][i] = m.feedback_withheld
        row["sdr_headcount"][i] = len(m.sdrs)
        if i % self._friction_every == 0 or i == len(self.stage_counts) - 1:
            self._friction = friction_components(m, days_elapsed=m.day + 1)  # recorded before the day counter moves
            self._friction_index = friction_index(self._friction)
        for c in FRICTION_COMPONENTS:
            row[f"friction_{c}"][i] = self._friction[c]
        row["friction_index"][i] = self._friction_index
        self.rows += 1

    def frame(self) -> pd.DataFrame:
        columns = {f"stage_{name}": self.stage_counts[: self.rows, k] for k, name in enumerate(STAGE_NAMES)}
        columns.update({f"entered_{name}": self.entered[: self.rows, k] for k, name in enumerate(STAGE_NAMES)})
        columns.update({k: v[: self.rows] for k, v in self.data.items()})
        df = pd.DataFrame({name: columns[name] for name in DAILY_COLUMNS})
        df.insert(0, "day", np.arange(self.rows, dtype=np.int64))
        df.insert(1, "quarter", (df["day"] // self.model.quarter_days + 1).astype("int64"))
        return df


def summarize(model: OrgModel) -> dict[str, float | int | str]:
    """The one-row summary of a finished run (see README, "Output columns")."""
    L = model.leads
    n = L.n
    stage = L.stage[:n]
    mkt = _marketing_mql_mask(model)
    reached_mql = L.mql_day[:n] >= 0
    accepted = int((reached_mql & (L.accepted_day[:n] >= 0)).sum())
    rejected = int((stage == Stage.REJECTED).sum())
    never = int((stage == Stage.NEVER_WORKED).sum())
    sqls = int((L.sql_day[:n] >= 0).sum())
    opportunities = int(((L.sql_day[:n] >= 0) & (L.reason[:n] != Reason.DISCOVERY)).sum())
    won = int((stage == Stage.WON).sum())
    lost = int((stage == Stage.LOST).sum())
    nodec = int((stage == Stage.NO_DECISION).sum())
    decided = won + lost + nodec
    touched_mkt = mkt & (L.first_touch_day[:n] >= 0)
    speeds = L.speed_to_lead_hours[:n][touched_mkt].astype(float)
    never_mkt = int((mkt & (stage == Stage.NEVER_WORKED)).sum())
    resolved_mkt = int(touched_mkt.sum()) + never_mkt
    components = friction_components(model, days_elapsed=model.day, marketing_mqls=mkt)  # after the last step
    total_cost = model.total_cost
    inquiries_mkt = int(is_marketing(L.source[:n]).sum())
    summary = {
        "scenario": model.settings.name,
        "seed": int(model.seed),
        "leads_created": int(n),
        "inquiries": inquiries_mkt + int(model.non_buyer_inquiries),
        "non_buyer_inquiries": int(model.non_buyer_inquiries),
        "mqls": int(reached_mql.sum()),
        "mqls_accepted": accepted,
        "mqls_rejected": rejected,
        "mqls_never_worked": never,
        "mqls_recycled": int((reached_mql & (stage == Stage.RECYCLED)).sum()),
        "sals": int((L.sal_day[:n] >= 0).sum()),
        "sqls": sqls,
        "opportunities": opportunities,
        "sqls_disqualified_at_discovery": sqls - opportunities,
        "deals_won": won,
        "deals_lost": lost,
        "deals_no_decision": nodec,
        "open_opportunities": int((stage == Stage.SQL).sum()),
        "bookings": float(model.bookings),
        "pipeline_created": float(model.pipeline_created),
        "mql_acceptance_rate": accepted / (accepted + rejected) if (accepted + rejected) else float("nan"),
        "win_rate": won / decided if decided else float("nan"),
        "loss_rate": lost / decided if decided else float("nan"),
        "no_decision_rate": nodec / decided if decided else float("nan"),
        "median_speed_to_lead_hours": float(np.median(speeds)) if len(speeds) else float("nan"),
        "mean_speed_to_lead_hours": float(speeds.mean()) if len(speeds) else float("nan"),
        "share_touched_within_1h": float((speeds <= 1).sum() / resolved_mkt) if resolved_mkt else float("nan"),
        "share_touched_1_to_24h": float(((speeds > 1) & (speeds <= 24)).sum() / resolved_mkt) if resolved_mkt else float("nan"),
        "share_touched_after_24h": float((speeds > 24).sum() / resolved_mkt) if resolved_mkt else float("nan"),
        "share_never_worked": never_mkt / resolved_mkt if resolved_mkt else float("nan"),
        "sla_breaches": int(model.sla_breaches),
        "blame_events": int(model.blame_events),
        "feedback_given": int(model.feedback_given),
        "feedback_withheld": int(model.feedback_withheld),
        "friction_index": friction_index(components),
        "trust_sales_in_marketing": sales_trust(model),
        "trust_marketing_in_sales": marketing_trust(model),
        "total_cost": float(total_cost),
        "cac": total_cost / won if won else float("nan"),
        "quota_attainment_share": model.ae_quarters_at_quota / model.ae_quarters if model.ae_quarters else float("nan"),
        "agency_meetings": int(model.agency_meetings),
        "mqls_deemed_accepted": int(model.deemed_accepted),
        "mqls_overflowed": int(model.mqls_overflowed),
        "deals_pulled_in": int(model.deals_pulled_in),
        "pull_in_discounts": float(L.discount[:n][stage == Stage.WON].sum()),
        # Deals pulled in on the horizon's last day were due after it (a pull happens only on a
        # quarter's last day, for deals due in the next quarter).
        "bookings_pulled_past_horizon": float(
            L.value[:n][(stage == Stage.WON) & (L.discount[:n] > 0) & (L.closed_day[:n] == model.day - 1)].sum()
        ),
        "final_mql_threshold": float(np.mean([m.threshold for m in model.marketers])) if model.marketers else float("nan"),
        "final_brand_share": float(model.brand_share),
        "final_awareness": float(model.market.awareness.mean()),
        "final_day_one_list_share": model.market.on_list_share(),
        "sdr_headcount_end": len(model.sdrs),
    }
    for c in FRICTION_COMPONENTS:
        summary[f"friction_{c}"] = components[c]
    for key, value in model.costs.items():
        summary[f"cost_{key}"] = float(value)
    return summary


WORKER_ROLES = ("sdr", "ae", "none")


def lead_frame(model: OrgModel) -> pd.DataFrame:
    """Every lead with its stage, source and timestamps (for speed-to-lead and waterfall charts).

    Also the account's ``segment`` (smb, mid_market, enterprise) and ``worker_role``: who
    worked the lead -- an in-house ``sdr`` or an ``ae`` -- or ``none`` for a lead nobody
    touched or accepted.
    """
    L = model.leads
    n = L.n
    worker = L.worker[:n]
    role = np.full(n, WORKER_ROLES.index("none"), dtype=np.int8)
    in_house = [a.unique_id for a in model.sdrs if not a.is_agency] + list(getattr(model, "departed_in_house_sdr_ids", []))
    role[np.isin(worker, in_house)] = WORKER_ROLES.index("sdr")
    role[np.isin(worker, [a.unique_id for a in model.aes])] = WORKER_ROLES.index("ae")
    # Outbound prospects and agency meetings have no first-touch moment; their worker is who owns them.
    worked = (L.first_touch_day[:n] >= 0) | (L.accepted_day[:n] >= 0)
    role[~worked] = WORKER_ROLES.index("none")
    df = pd.DataFrame(
        {
            "account": L.account[:n],
            "segment": pd.Categorical.from_codes(model.market.segment[L.account[:n]], list(SEGMENTS)),
            "worker_role": pd.Categorical.from_codes(role, list(WORKER_ROLES)),
            "source": pd.Categorical.from_codes(L.source[:n], [s.name.lower() for s in Source]),
            "stage": pd.Categorical.from_codes(L.stage[:n], STAGE_NAMES),
            "reason": L.reason[:n],
            "score": L.score[:n],
            "created_day": L.created_day[:n],
            "mql_day": L.mql_day[:n],
            "first_touch_day": L.first_touch_day[:n],
            "accepted_day": L.accepted_day[:n],
            "sal_day": L.sal_day[:n],
            "sql_day": L.sql_day[:n],
            "closed_day": L.closed_day[:n],
            "stage_day": L.stage_day[:n],
            "speed_to_lead_hours": L.speed_to_lead_hours[:n],
            "value": L.value[:n],
            "discount": L.discount[:n],
        }
    )
    return df
