"""The typed scenario: the single source of truth for every parameter.

A scenario has three kinds of content, declared apart (after the EMA Workbench):

* **levers** -- what an org design may change: structure, each role's KPI and pay
  plan, the SLA and its terms, who owns lead generation, SDR sourcing, collaboration
  practices, strategy clarity, headcounts and budgets;
* **market** -- the uncertain environment the company sells into (accounts, segments,
  buying windows, brand response);
* **behaviour** -- the strengths of the behavioural mechanisms (trust, blame, response
  decay, feedback learning). These are uncertain and are the same for every design.

An org design may only set levers. Nothing in a scenario sets an outcome.

Scenarios are built from YAML (``load_scenario``), from a preset name, or in Python.
Every field is validated when the object is built; an invalid file raises
:class:`ScenarioError` with one line naming the file, the field path, the value and
what is allowed.
"""

from __future__ import annotations

import copy
import os
import warnings
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ScenarioError, short_repr, short_text
from .yamlio import read_yaml_mapping

WORKING_DAYS_PER_QUARTER = 63
"""Working days in a quarter (252 a year / 4)."""

MAX_INQUIRIES_PER_QUARTER = 1e7
"""Most campaign inquiries a quarter's programme budget may buy (the budget over the cheapest
cost per inquiry): about 160,000 new leads a working day, 550 times the default."""

PRESET_DIR = Path(str(files("simulation.presets")))
CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.yaml"


def _load_calibration() -> dict[str, float]:
    """The shipped calibration: fitted values of the parameters no source pins down.

    Written by ``orgsim calibrate``; each value becomes the default of its field (marked
    *calibrated* in the field reference).
    """
    data = yaml.safe_load(CALIBRATION_FILE.read_text(encoding="utf-8")) or {}
    return {str(k): float(v) for k, v in (data.get("parameters") or {}).items()}


CALIBRATED = _load_calibration()


def calibrated(path: str, fallback: float) -> float:
    """Default of a calibrated field: the shipped calibration's value (``fallback`` if absent)."""
    return CALIBRATED.get(path, fallback)
PRESETS = (
    "separate_targets",
    "shared_revenue_targets",
    "sla",
    "combined_revenue_org",
    "brand_vs_leadgen_split",
    "outsourced_sdr",
)

class _Strict(BaseModel):
    """Frozen, typed, no unknown keys, no silent type coercion of strings to numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, validate_default=True, allow_inf_nan=False)


class BySegment(_Strict):
    """One value per account segment."""

    smb: float = Field(ge=0, le=1e9)
    mid_market: float = Field(ge=0, le=1e9)
    enterprise: float = Field(ge=0, le=1e9)


# --------------------------------------------------------------------------- market


class Market(_Strict):
    """The accounts the company sells into (uncertainties, not levers)."""

    n_accounts: int = Field(15_000, ge=100, le=5_000_000, description="accounts in the addressable market")
    segment_shares: BySegment = Field(
        default_factory=lambda: BySegment(smb=0.6, mid_market=0.3, enterprise=0.1),
        description="share of accounts per segment (assumption; shares are renormalised)",
    )
    deal_size_usd: BySegment = Field(
        default_factory=lambda: BySegment(smb=10_000, mid_market=30_000, enterprise=120_000),
        description="median first-year deal value per segment; mix mean ~ $27K (Bridge Group median ACV $25K)",
    )
    sales_cycle_days: BySegment = Field(
        default_factory=lambda: BySegment(smb=22, mid_market=60, enterprise=135),
        description="median calendar days from opportunity to decision (SMB 14-30, MM 30-90, ENT 90-180+)",
    )
    in_market_share: float = Field(0.05, ge=0, le=1, description="share of accounts in a buying window per quarter (Dawes 95:5); capped at D / (D + 1) for a window of D days")
    buying_window_days: int = Field(63, ge=1, le=1000, description="working days an account stays in market (assumption)")
    inbound_rate: float = Field(
        0.035, ge=0, le=1, description="daily probability that an in-market account with the company on its day-one list raises its hand (assumption)"
    )
    awareness_initial: float = Field(0.15, ge=0, le=1, description="mean brand awareness at start (assumption)")
    icp_width: float = Field(0.3, ge=0.05, le=2, description="kernel width of ICP fit in attribute units (assumption; below 0.05 almost no account fits any ICP)")
    non_buyer_inquiry_share: float = Field(
        0.75, ge=0, lt=1,
        description="share of marketing inquiries from people who are not buyers at an account (students, job seekers, vendors, "
        "personal addresses); lead scoring screens them out (Gleanster, as quoted by Marketo: ~25% of leads are legitimate) [S2]",
    )


# --------------------------------------------------------------------------- levers


class Marketing(_Strict):
    """Marketing: team, budget, KPI and pay plan."""

    headcount: int = Field(6, ge=0, le=10_000, description="marketers running campaigns (assumption)")
    budget_per_quarter_usd: float = Field(450_000, ge=0, le=1e10, description="programme spend per quarter (at most 1e7 inquiries a quarter: budget / cheapest cost per inquiry)")
    brand_share: float = Field(0.3, ge=0, le=1, description="planned share of programme budget on brand (B2B Institute 46%, Westwood One 62%)")
    enablement_share: float = Field(0.1, ge=0, le=1, description="share of programme budget on sales enablement content")
    kpi: Literal["mql_volume", "sla_mqls", "revenue", "brand"] = Field(
        "mql_volume", description="what marketers are measured on"
    )
    shared_revenue_weight: float = Field(0.0, ge=0, le=1, description="weight of shared revenue in marketers' pay")
    mql_target_per_quarter: float = Field(9000, ge=0, le=1e9, description="team MQL target per quarter")
    default_mql_threshold: float = Field(0.5, ge=0, le=1, description="lead-score threshold marketers start with, before their first weekly decision (assumption)")
    min_mql_threshold: float = Field(0.05, ge=0, le=1, description="lowest threshold marketers can defend (assumption)")
    salary_usd: float = Field(140_000, ge=0, le=1e7, description="fully loaded annual cost per marketer (assumption)")
    cost_per_inquiry_broad_usd: float = Field(25, ge=0.01, le=1e6, description="programme cost of one broad-campaign response from an account (the non-buyer responses that come with it cost nothing more) (assumption)")
    cost_per_inquiry_targeted_usd: float = Field(150, ge=0.01, le=1e6, description="programme cost of one targeted-campaign response from an account (assumption)")
    volume_pay_cap: float = Field(1.5, gt=0, le=10, description="volume bonus cap as a multiple of target (assumption)")

    @model_validator(mode="after")
    def _shares(self) -> Marketing:
        if self.brand_share + self.enablement_share > 1:
            raise ValueError("brand_share + enablement_share must be at most 1")
        return self

    @model_validator(mode="after")
    def _inquiry_volume(self) -> Marketing:
        cheapest = min(self.cost_per_inquiry_broad_usd, self.cost_per_inquiry_targeted_usd)
        if self.budget_per_quarter_usd / cheapest > MAX_INQUIRIES_PER_QUARTER:
            raise ValueError(
                f"budget_per_quarter_usd / cost_per_inquiry = {self.budget_per_quarter_usd / cheapest:.3g} inquiries a quarter; "
                f"at most {MAX_INQUIRIES_PER_QUARTER:.0e} can be simulated (lower the budget or raise the cost per inquiry)"
            )
        return self


class Sales(_Strict):
    """Account executives: team, quota and pay plan."""

    ae_headcount: int = Field(20, ge=1, le=100_000, description="account executives (assumption: a mid-sized B2B company)")
    quota_per_quarter_usd: float = Field(150_000, ge=0, le=1e10, description="first quarter's quota per AE; leaders reset it quarterly")
    commission_rate: float = Field(0.10, ge=0, le=1, description="commission on bookings")
    accelerator: float = Field(1.5, ge=1, le=5, description="commission multiplier above quota")
    shared_revenue_weight: float = Field(0.0, ge=0, le=1, description="weight of the shared team revenue component in AE pay")
    hours_per_day: float = Field(8.0, gt=0, le=16, description="working hours per day")
    ramp_days: int = Field(63, ge=0, le=1000, description="working days for a new AE to reach full capacity (assumption)")
    salary_usd: float = Field(220_000, ge=0, le=1e7, description="fully loaded annual base cost per AE (assumption)")
    quarter_end_window_days: int = Field(10, ge=0, le=62, description="last working days of a quarter in which AEs favour late-stage deals")
    pull_in_horizon_days: int = Field(
        10, ge=0, le=63, description="on a quarter's last day an AE may pull in a deal due this many working days into the next quarter (assumption; 0: deal timing not allowed)"
    )
    pull_in_discount: float = Field(
        0.07, ge=0, lt=1, description="price cut that buys a signature before the quarter closes (assumption; Larkin 2014: timing under non-linear plans costs 6-8% of revenue)"
    )


class Agency(_Strict):
    """An external SDR agency (used when ``sdr.sourcing == 'agency'``)."""

    price_model: Literal["per_meeting", "retainer"] = Field("per_meeting", description="how the agency is paid")
    price_per_meeting_usd: float = Field(600, ge=0, le=1e6, description="$300-1,500 per meeting [S]")
    retainer_per_sdr_month_usd: float = Field(5_000, ge=0, le=1e7, description="$3,000-8,000 per SDR-equivalent per month [S]")
    quality_bar: float = Field(0.3, ge=0, le=1, description="contractual minimum perceived fit of a booked meeting")
    retainer_quality_floor: float = Field(0.5, ge=0, le=1, description="the bar an agency on a retainer holds itself to, to protect the renewal (assumption)")
    product_knowledge: float = Field(0.6, ge=0, le=1, description="agency SDR skill relative to in-house (assumption; no study found)")
    ramp_days: int = Field(15, ge=0, le=1000, description="agency ramp in working days (faster than in-house)")


class SDR(_Strict):
    """Sales development reps: who owns them, where they come from, what they do."""

    headcount: int = Field(8, ge=0, le=100_000, description="1 SDR per ~2.5 AEs (TOPO)")
    owner: Literal["marketing", "sales"] = Field("marketing", description="which function the SDR team reports to")
    sourcing: Literal["in_house", "agency"] = Field("in_house", description="own employees or an external agency")
    motion: Literal["inbound", "outbound", "both"] = Field(
        "inbound", description="inbound: work marketing's MQLs; outbound: prospect; both: choose by payoff"
    )
    hours_per_day: float = Field(8.0, gt=0, le=16, description="working hours per day")
    ramp_days: int = Field(63, ge=0, le=1000, description="about 3 months (TOPO/Bridge Group)")
    tenure_days: int = Field(294, ge=1, le=10_000, description="mean tenure ~14 months (Bridge Group) in working days")
    salary_usd: float = Field(150_000, ge=0, le=1e7, description="fully loaded $130-200K a year [S2]")
    bonus_per_sql_usd: float = Field(150, ge=0, le=1e6, description="SDR variable pay per qualified opportunity (assumption)")
    shared_revenue_weight: float = Field(0.0, ge=0, le=1, description="weight of shared team revenue in in-house SDRs' own pay plan (their feedback follows it)")
    on_call_hours_per_day: float = Field(
        0.0, ge=0, le=1000,
        description="routing: team hours a day an on-call rota gives to first touches of leads arriving outside 9-to-5 (evenings, nights, weekends), taken from the inbound team's working hours (0: none)",
    )
    overflow_after_hours: float = Field(
        48, ge=0, le=2000,
        description="overflow routing: the SDR team takes new MQLs only up to what it can touch within this many hours (the rest go straight to AEs), and an MQL still untouched after it passes to an AE (0: no overflow; assumption)",
    )
    agency: Agency = Field(default_factory=Agency)


class SLA(_Strict):
    """A sales-marketing service-level agreement and its terms."""

    enabled: bool = Field(False, description="whether an SLA binds both functions")
    mql_definition_score: float = Field(0.45, ge=0, le=1, description="agreed minimum lead score of an MQL")
    first_touch_hours: float = Field(24, gt=0, le=2000, description="deadline for the first touch of an agreed MQL")
    min_attempts: int = Field(6, ge=1, le=20, description="contact attempts before a lead may be recycled (MIT/InsideSales: 6)")
    reject_window_days: int = Field(5, ge=1, le=60, description="working days sales has to accept or reject an agreed MQL (with a reason code); an untouched one is then deemed accepted and joins the contact queue")
    breach_review: bool = Field(True, description="weekly review of breaches by both leaders: costs every rep review hours and raises the weight reps put on the deadline")


class Collaboration(_Strict):
    """Practices that bring the functions together."""

    joint_meeting_every_days: int = Field(0, ge=0, le=252, description="0 = no joint meetings")
    feedback_routine: bool = Field(False, description="a standing routine for sales feedback on leads")
    shared_icp: bool = Field(False, description="one agreed ideal customer profile")


class Leadership(_Strict):
    """Leaders: their short-termism and the reorganisation cost of combining."""

    short_termism: float = Field(0.5, ge=0, le=1, description="how far a missed quarter moves budget out of brand (assumption)")
    combined_blame_factor: float = Field(
        0.3, ge=0, le=1,
        description="under one CRO/CGO, blame between the functions' managers at this share of the rate between separate leaders (assumption)",
    )
    reorg_transition_days: int = Field(63, ge=0, le=1000, description="working days of disruption after combining the org")
    reorg_capacity_loss: float = Field(0.15, ge=0, le=1, description="share of capacity lost at the start of the transition (assumption)")
    sdr_notice_days: int = Field(
        10, ge=0, le=126,
        description="working days in-house SDRs keep working their queues after a timeline step moves their jobs to an agency (or cuts the team) before they leave; agency SDRs replaced by an in-house team leave after the same notice (assumption: two weeks' notice, range 0-42)",
    )
    salary_usd: float = Field(350_000, ge=0, le=1e7, description="fully loaded annual cost per leader (assumption)")
    quota_percentile: float = Field(
        default_factory=lambda: calibrated("leadership.quota_percentile", 38.0), ge=0, le=100,
        description="percentile of last quarter's AE bookings at which quota is set (calibrated; plans are set so 50-60% of reps reach them [S])",
    )
    growth_ambition: float = Field(1.03, ge=0.5, le=3, description="quota growth over that percentile (assumption)")
    never_worked_tolerance: float = Field(0.3, ge=0, le=1, description="share of MQLs never worked a CMO accepts before complaining (assumption)")
    rejection_tolerance: float = Field(0.5, ge=0, le=1, description="share of MQLs rejected a sales leader accepts before complaining (assumption)")


class Work(_Strict):
    """How long lead and deal work takes, and how long leads stay workable."""

    touch_hours: float = Field(0.5, ge=0.01, le=8, description="research, first call, email and CRM entry for a new lead (assumption)")
    attempt_hours: float = Field(0.2, ge=0.01, le=8, description="one follow-up call or email (assumption)")
    prospect_hours: float = Field(0.08, ge=0.01, le=8, description="one outbound dial or personalised email (assumption: ~12 an hour)")
    review_hours: float = Field(0.04, ge=0, le=8, description="triaging one newly assigned MQL, worked or not (assumption)")
    feedback_hours: float = Field(0.1, ge=0, le=8, description="telling marketing what happened to one lead, taken from the next day's lead hours (assumption: six minutes)")
    deal_hours_per_day: float = Field(0.35, gt=0, le=8, description="hours an open opportunity needs per working day for meetings and follow-up before negotiation (assumption)")
    max_attempts: int = Field(12, ge=1, le=50, description="longest contact cadence a CRM sequence allows; reps stop earlier when another attempt is not worth its time (assumption)")
    qualify_hours: float = Field(0.5, ge=0, le=8, description="the qualification conversation with a reached buyer, taken from the next day's hours (assumption)")
    discovery_hours: float = Field(1.5, ge=0, le=40, description="an AE's discovery meeting and preparation when an opportunity is handed over or self-sourced (assumption)")
    proposal_hours: float = Field(4.0, ge=0, le=80, description="an AE's proposal (pricing, solution write-up, internal approval), taken once when a deal is halfway to its decision (assumption, range 2-10)")
    negotiation_days: int = Field(10, ge=0, le=200, description="working days before the decision in which a deal is in negotiation (assumption, range 5-20)")
    negotiation_hours_per_day: float = Field(0.6, ge=0, le=8, description="hours a deal in negotiation needs per working day, in place of deal_hours_per_day (assumption, range 0.3-1.5)")
    ae_admin_share: float = Field(0.3, ge=0, lt=1, description="share of an AE's hours on internal meetings, CRM and admin (assumption, range 0.2-0.5; Salesforce's State of Sales finds reps selling only ~30% of their time, the rest split between admin, internal work and other tasks)")
    breach_review_hours: float = Field(0.5, ge=0, le=8, description="hours each SDR and AE spends in the weekly SLA breach review (assumption)")
    mql_max_age_days: int = Field(21, ge=1, le=1000, description="working days before an untouched MQL is dead (~30 calendar days, HBR 2011's window)")
    sal_max_age_days: int = Field(30, ge=1, le=1000, description="working days before an unreached accepted lead is recycled (assumption)")


class Behaviour(_Strict):
    """Strengths of the behavioural mechanisms -- the same for every design (uncertain)."""

    trust_initial_sales_in_marketing: float = Field(0.5, ge=0, le=1, description="starting trust of AEs and SDRs in marketing's leads (assumption)")
    trust_initial_marketing_in_sales: float = Field(0.5, ge=0, le=1, description="starting trust of marketers in sales' follow-up (assumption)")
    trust_learning_rate: float = Field(0.02, ge=0, le=1, description="daily weight of new lead experience in trust")
    blame_strength: float = Field(0.08, ge=0, le=1, description="trust lost by each side in one blame event")
    meeting_trust_gain: float = Field(0.02, ge=0, le=1, description="share of the trust gap closed by a joint meeting")
    distrust_bias: float = Field(0.25, ge=0, le=1, description="how far distrust lowers the perceived fit of a marketing lead")
    response_decay_persistent_share: float = Field(
        0.35, ge=0, le=1, description="share of qualification that does not decay with response time (assumption)"
    )
    contact_rate_first: float = Field(0.35, ge=0, le=1, description="probability the first call or email of a fresh lead reaches the buyer (assumption)")
    contact_attempt_decay: float = Field(
        0.8, ge=0, le=1, description="each further attempt's contact probability relative to the one before (assumption; MIT/InsideSales: contact rates fall with attempts)"
    )
    contact_age_halflife_days: float = Field(
        3.0, gt=0, le=1000, description="working days over which a lead's contact probability halves (assumption; MIT/InsideSales: contact odds fall fast with time)"
    )
    min_task_yield: float = Field(
        default_factory=lambda: calibrated("behaviour.min_task_yield", 0.02), ge=0, le=1,
        description="lowest expected qualified opportunities per hour a rep spends time on when nothing better is open (calibrated to HBR 2011's response times and Sabnis' never-pursued share)",
    )
    breach_aversion: float = Field(
        0.05, ge=0, le=10, description="what avoiding one SLA breach is worth to a rep, in qualified-opportunity equivalents, before breach reviews raise it (assumption)"
    )
    score_noise_initial: float = Field(0.25, ge=0, le=2, description="sd of marketing's lead score error before feedback")
    feedback_learning: float = Field(0.004, ge=0, le=1, description="score-noise reduction per piece of feedback (assumption)")
    icp_divergence: float = Field(0.35, ge=0, le=1, description="distance between marketing's and sales' ICP at zero strategy clarity")
    brand_build_rate: float = Field(0.004, ge=0, le=1, description="daily awareness gain per $1M/quarter of brand spend (assumption)")
    awareness_decay: float = Field(0.002, ge=0, le=1, description="daily awareness decay (slow: half-life ~1.4 years)")
    brand_win_effect: float = Field(1.0, ge=0, le=5, description="logit win-rate gain when the buyer had the company on its day-one list (assumption, motivated by Bain/Google 2022: 90% buy from a vendor on that list)")
    day_one_list_max: float = Field(
        0.9, ge=0, le=1, description="chance that a fully aware account entering the market puts the company on its day-one list; it scales with awareness (assumption, motivated by Bain/Google 2022)"
    )
    off_list_hand_raise: float = Field(
        0.1, ge=0, le=1, description="hand-raising of an in-market buyer without the company on its day-one list, relative to one with it (assumption)"
    )
    enablement_win_effect: float = Field(0.4, ge=0, le=5, description="logit win-rate gain of fully used enablement content")
    agency_quality: float = Field(0.6, ge=0, le=1, description="agency perception accuracy relative to in-house (uncertain)")
    accept_bar: float = Field(
        default_factory=lambda: calibrated("behaviour.accept_bar", 0.45), ge=0, le=1,
        description="perceived fit below which a lead is rejected (calibrated to MQL acceptance: Gartner 44%, range 40-60%)",
    )
    junk_prior: float = Field(0.1, ge=0, le=1, description="what a rep who distrusts marketing believes any of its leads is worth (assumption)")
    perception_noise: float = Field(0.1, ge=0, le=2, description="sd of an in-house rep's judgement of fit (assumption)")
    qualify_base: float = Field(0.85, ge=0, le=1, description="chance a reached, in-market buyer qualifies at full intent (assumption)")
    out_of_market_need: float = Field(0.06, ge=0, le=1, description="qualification chance of a buyer with no current need (assumption)")
    no_project_sal_share: float = Field(
        0.1, ge=0, le=1,
        description="share of reached buyers with no current project who still say they have one at the first conversation, so sales accepts them (SAL) (assumption)",
    )
    sdr_handover_leniency: float = Field(
        3.0, ge=1, le=10,
        description="how much more readily an SDR's qualification call passes a buyer to an AE (SQL) than the AE's discovery keeps it as an opportunity "
        "(assumption, set so SDR-sourced SQLs close at about TOPO 2017's 22% [S] when opportunities win at CSO Insights' 47%)",
    )
    cold_contact_rate: float = Field(0.15, ge=0, le=1, description="a cold dial or email reaches a person (assumption; industry connect rates 5-15%)")
    prospect_in_market_weight: float = Field(2.0, ge=0, le=100, description="extra weight of accounts with buying signals on prospect lists (assumption)")
    meeting_rate_in_market: float = Field(0.4, ge=0, le=1, description="a reached in-market contact takes a meeting, x (0.5 + awareness) (assumption)")
    meeting_push_in_house: float = Field(0.03, ge=0, le=1, description="a reached contact without a need takes an in-house SDR's meeting (assumption)")
    meeting_push_agency_per_meeting: float = Field(0.08, ge=0, le=1, description="the same for an agency paid per meeting (assumption: paid for meetings, not good meetings)")
    meeting_push_agency_retainer: float = Field(0.03, ge=0, le=1, description="the same for an agency on a retainer (assumption)")
    outbound_prior_sql_per_hour: float = Field(0.05, ge=0, le=10, description="an SDR's prior belief about prospecting's yield (assumption)")
    broad_in_market_response: float = Field(5.0, ge=0, le=100, description="extra response of in-market accounts to broad campaigns (assumption)")
    targeted_in_market_response: float = Field(15.0, ge=0, le=100, description="extra response of in-market accounts to targeted campaigns (assumption: intent data)")
    belief_learning: float = Field(0.02, ge=0, le=1, description="weight of one piece of feedback in a marketer's belief about a source (assumption)")
    icp_learning: float = Field(0.002, ge=0, le=1, description="share of the ICP gap closed per piece of feedback (assumption)")
    ae_shared_weight_reservation_cut: float = Field(
        0.5, ge=0, le=1, description="how far a team-revenue component in AE pay lowers the yield an AE asks of marketing's leads (assumption)"
    )
    agency_noise_extra: float = Field(0.35, ge=0, le=2, description="extra sd of an agency SDR's judgement of fit at no product knowledge and quality (assumption)")
    reason_code_trust_value: float = Field(
        0.5, ge=0, le=1, description="how marketers experience a rejection that comes with a reason code (0 bad, 1 good; assumption: neutral)"
    )
    feedback_steepness: float = Field(6.0, ge=0, le=50, description="steepness of the feedback decision's logistic (assumption)")
    feedback_shared_benefit: float = Field(0.6, ge=0, le=5, description="feedback benefit per unit of shared-revenue pay weight (assumption)")
    feedback_routine_benefit: float = Field(0.35, ge=0, le=5, description="feedback benefit of a standing feedback routine (assumption)")
    feedback_meeting_benefit: float = Field(0.25, ge=0, le=5, description="feedback benefit of a joint meeting in the last week (assumption)")
    feedback_busy_cost: float = Field(0.35, ge=0, le=5, description="feedback cost per unit of utilisation, x1.5 at quarter end (assumption)")
    meeting_enablement_lift: float = Field(0.2, ge=0, le=5, description="extra enablement use right after a joint meeting (assumption)")
    meeting_memory_days: float = Field(10.0, gt=0, le=1000, description="working days over which a joint meeting's effects fade (e-folding; assumption)")
    no_decision_no_need: float = Field(
        0.35, ge=0, le=1, description="extra no-decision chance of an opportunity whose buyer had no current need when qualified (assumption; CSO Insights: no decision 20.7%)"
    )
    win_need: float = Field(1.0, ge=0, le=10, description="logit win gain from the buyer's need and intent at qualification (assumption)")
    brand_lag_days: float = Field(
        63.0, ge=1, le=1000, description="working days per stage of the two-stage lag between brand spend and awareness: effects begin ~2 stages (about six months) in (Binet & Field)"
    )
    quarter_end_deal_boost: float = Field(1.6, ge=1, le=5, description="extra late-stage deal time at quarter end, relative to need (assumption; Oyer 1998, Larkin 2014)")
    no_decision_base: float = Field(
        default_factory=lambda: calibrated("behaviour.no_decision_base", 0.20), ge=0, le=1,
        description="no-decision chance of a well-attended deal (calibrated; CSO Insights: 20.7% no decision)",
    )
    no_decision_neglect: float = Field(
        default_factory=lambda: calibrated("behaviour.no_decision_neglect", 0.45), ge=0, le=1,
        description="extra no-decision chance of a deal with no attention (calibrated; weakly determined: deals are rarely neglected)",
    )
    win_intercept: float = Field(
        default_factory=lambda: calibrated("behaviour.win_intercept", -0.3), ge=-10, le=10,
        description="logit of winning a decided, average deal (calibrated; CSO Insights: 47.3% won)",
    )
    win_fit: float = Field(1.2, ge=0, le=10, description="logit win gain from ICP fit (assumption)")
    win_skill: float = Field(1.5, ge=0, le=10, description="logit win gain per unit of AE skill above average (assumption)")
    enablement_stock_scale_usd: float = Field(50_000, gt=0, le=1e10, description="content stock at which 63% of needs are covered (assumption)")
    enablement_decay: float = Field(0.01, ge=0, le=1, description="daily obsolescence of enablement content (assumption)")


class TimelineStep(_Strict):
    """One change of design part-way through a run (a reorganisation roadmap's step).

    At the start of quarter ``at_quarter`` the design in force switches to the levers of
    ``to`` (a preset or a scenario file) and/or the lever values in ``set``. Loading
    resolves ``to`` into ``set`` (every lever that differs) and keeps its name in ``label``.
    """

    at_quarter: int = Field(ge=1, le=1600, description="the quarter (from 1) at whose first working day the change takes effect")
    to: str | None = Field(None, description="a preset name or a scenario file (relative to the file naming it) whose levers the design switches to; resolved into set when loaded")
    set: dict[str, Any] = Field(default_factory=dict, description="lever values the step changes, as dotted field paths (sla.enabled: true)")
    label: str = Field("", description="what the step switches to, for charts and tables (the name of to, when given)")


class Scenario(_Strict):
    """A full scenario: name, horizon, market, levers and behaviour."""

    name: str = Field("custom", description="the scenario's name in results; set from the file name when loaded from YAML")
    description: str = Field("", description="one line saying what the design represents")
    horizon_days: int = Field(8 * WORKING_DAYS_PER_QUARTER, ge=1, le=100_000, description="working days simulated")
    structure: Literal["separate", "combined"] = Field(
        "separate", description="separate: a CMO and a VP Sales; combined: one CRO/CGO over both"
    )
    strategy_clarity: float = Field(0.5, ge=0, le=1, description="how far leaders' targets and ICPs agree")
    market: Market = Field(default_factory=Market)
    marketing: Marketing = Field(default_factory=Marketing)
    sales: Sales = Field(default_factory=Sales)
    sdr: SDR = Field(default_factory=SDR)
    sla: SLA = Field(default_factory=SLA)
    collaboration: Collaboration = Field(default_factory=Collaboration)
    leadership: Leadership = Field(default_factory=Leadership)
    work: Work = Field(default_factory=Work)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    timeline: list[TimelineStep] = Field(
        default_factory=list,
        description="a reorganisation roadmap: changes of design at quarter starts, carried out on the same people, market and leads (empty: one design throughout)",
    )

    @model_validator(mode="after")
    def _timeline_in_order(self) -> Scenario:
        # The full check (and the resolution of ``to``) is in build_scenario; this keeps a
        # Scenario made directly in Python from holding an impossible timeline.
        previous = 0
        for i, step in enumerate(self.timeline):
            if step.to is not None:
                raise ValueError(f"timeline[{i}].to = {step.to!r}: build the scenario with load_scenario or with_overrides, which resolve to")
            if step.at_quarter <= previous or (step.at_quarter - 1) * WORKING_DAYS_PER_QUARTER >= self.horizon_days:
                raise ValueError(f"timeline[{i}].at_quarter = {step.at_quarter}: steps must be in order and start within the horizon")
            previous = step.at_quarter
        return self

    @property
    def switch_days(self) -> list[int]:
        """The working day (from 0) on which each timeline step takes effect."""
        return [(step.at_quarter - 1) * WORKING_DAYS_PER_QUARTER for step in self.timeline]

    def starting_design(self) -> Scenario:
        """The design the roadmap starts from: this scenario without its timeline (same name)."""
        return self.model_copy(update={"timeline": []})

    def phases(self) -> list[tuple[int, Scenario]]:
        """(first day, design in force) for the start and after each timeline step. Each
        design keeps this scenario's name and has no timeline of its own."""
        out = [(0, self.starting_design())]
        for day, step in zip(self.switch_days, self.timeline, strict=True):
            out.append((day, out[-1][1].with_overrides(step.set, f"timeline at quarter {step.at_quarter}")))
        return out

    def with_overrides(self, overrides: dict[str, Any], source: str = "<overrides>") -> Scenario:
        """A new scenario with ``overrides`` (nested dict or dotted keys) applied and re-validated."""
        data = self.model_dump()
        for key, value in overrides.items():
            _set_dotted(data, key, value, source)
        return build_scenario(data, source)


# --------------------------------------------------------------------------- building


def _set_dotted(data: dict, key: str, value: Any, source: str) -> None:
    parts = key.split(".")
    node = data
    for i, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            path = short_text(".".join(parts[: i + 1]))
            allowed = f"; allowed here: {', '.join(node)}" if isinstance(node, dict) else ""
            raise ScenarioError(f"{source}: {path}: no such field{allowed}")
        if i == len(parts) - 1:
            if isinstance(node[part], dict) and isinstance(value, dict):
                node[part] = _deep_merge(node[part], value)
            else:
                node[part] = value
        else:
            node = node[part]


def _deep_merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _fields_at(loc: tuple) -> list[str]:
    """The field names allowed at a location of the scenario (for 'unknown field' messages)."""
    model: type[BaseModel] = Scenario
    for part in loc:
        info = model.model_fields.get(str(part))
        annotation = getattr(info, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _describe_error(err: dict) -> str:
    path = short_text(".".join(str(p) for p in err["loc"])) or "<top level>"
    kind = err["type"]
    value = err.get("input")
    shown = short_repr(value)  # never the whole value: it may be an alias bomb or 10 MB
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = _fields_at(err["loc"][:-1])
        hint = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return f"{path}: unknown field{hint}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        allowed = {
            "greater_than_equal": f">= {format_bound(ctx.get('ge'))}",
            "less_than_equal": f"<= {format_bound(ctx.get('le'))}",
            "greater_than": f"> {format_bound(ctx.get('gt'))}",
            "less_than": f"< {format_bound(ctx.get('lt'))}",
        }[kind]
        return f"{path} = {shown}: must be {allowed}"
    if kind == "finite_number":
        return f"{path} = {shown}: must be a finite number"
    if kind == "literal_error":
        return f"{path} = {shown}: allowed values are {ctx.get('expected')}"
    if kind == "missing":
        return f"{path}: required field missing"
    if kind == "value_error":
        return f"{path or 'scenario'}: {err['msg'].removeprefix('Value error, ')}"
    hint = ""
    if kind == "int_type" and isinstance(value, float) and abs(value) < 1e15 and value.is_integer():
        hint = f"; write it as a whole number ({int(value)})"
    if isinstance(value, str) and kind in ("float_type", "int_type"):
        try:
            float(value)
            hint = "; write the number without quotes"
        except ValueError:
            pass
    return f"{path} = {shown}: {err['msg']}{hint}"


def format_bound(bound: Any) -> str:
    """A field's limit as written in messages and the reference: ``1e10``, not ``10000000000.0``."""
    if isinstance(bound, float) and abs(bound) >= 1e6:
        return f"{bound:.0e}".replace("e+0", "e").replace("e+", "e")
    return str(bound)


def _error_order(err: dict) -> int:
    """Unknown fields first: a misspelt key explains the errors it causes."""
    return 0 if err["type"] == "extra_forbidden" else 1


def _with_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` over the default scenario, so a partly given group (``deal_size_usd: {smb: 1000}``)
    keeps the defaults of the fields it leaves out, like every other group."""
    return _deep_merge(Scenario().model_dump(), data)


def build_scenario(data: dict[str, Any], source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Validate a plain dict into a :class:`Scenario`, raising one-line :class:`ScenarioError`.

    A ``timeline`` is checked step by step (see :func:`_check_timeline`); a step's ``to``
    (a preset, or a file relative to ``base_dir``) is resolved into the levers it changes.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping of fields, got {type(data).__name__}")
    timeline = data.get("timeline")
    if timeline:
        data = {k: v for k, v in data.items() if k != "timeline"}
        start = _validate(data, source)
        return _check_timeline(start, timeline, source, base_dir)
    return _validate(data, source)


def _validate(data: dict[str, Any], source: str) -> Scenario:
    try:
        return Scenario.model_validate(_with_defaults(data))
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=_error_order)
        first = errors[0]
        more = len(errors) - 1
        suffix = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
        raise ScenarioError(f"{source}: {_describe_error(first)}{suffix}") from None


TIMELINE_STEP_FIELDS = ("at_quarter", "to", "set", "label")

NOT_SWITCHABLE = {
    "marketing.headcount": "a timeline cannot yet hire or let go marketers",
    "sales.ae_headcount": "a timeline cannot yet hire or let go account executives (their open deals would need new owners)",
    "sales.quota_per_quarter_usd": "it is the first quarter's quota only; later quotas are set by the sales leader",
    "marketing.default_mql_threshold": "it is marketers' threshold before their first decision only",
}
"""Lever fields a timeline step may not change, and why."""


def timeline_levers() -> list[str]:
    """The dotted fields a timeline step may change: every field in a named lever group
    (:mod:`simulation.levers`) other than those in :data:`NOT_SWITCHABLE` and the
    declared uncertainties a lever group carries along (the reorganisation's cost)."""
    from .levers import LEVER_GROUPS, group_of, leaf_fields

    named = {g.name for g in LEVER_GROUPS}
    uncertain = {"leadership.reorg_transition_days", "leadership.reorg_capacity_loss", "sdr.agency.product_knowledge",
                 "sdr.agency.retainer_quality_floor", "sdr.agency.ramp_days", "marketing.min_mql_threshold"}
    return [f for f in leaf_fields() if group_of(f) in named and f not in NOT_SWITCHABLE and f not in uncertain]


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and path not in ("market.segment_shares",):
            out.update(_flat(value, f"{path}."))
        else:
            out[path] = value
    return out


def _check_timeline(start: Scenario, timeline: Any, source: str, base_dir: Path | None) -> Scenario:
    """Check every timeline step and resolve its ``to``; the scenario with its timeline.

    One line for the first mistake: a step that is not a mapping, an unknown field, a change
    before quarter 1 or beyond the horizon, steps out of order, a field that is not a
    switchable lever, a value the field does not allow, a ``to`` that does not load.
    """
    if not isinstance(timeline, list):
        raise ScenarioError(f"{source}: timeline = {short_repr(timeline)}: must be a list of steps (at_quarter, to and/or set)")
    quarters = -(-start.horizon_days // WORKING_DAYS_PER_QUARTER)
    allowed = set(timeline_levers())
    current = start
    steps: list[dict[str, Any]] = []
    previous = 0
    for i, raw in enumerate(timeline):
        where = f"timeline[{i}]"
        if not isinstance(raw, dict):
            raise ScenarioError(f"{source}: {where} = {short_repr(raw)}: each step is a mapping with at_quarter and to and/or set")
        unknown = [k for k in raw if k not in TIMELINE_STEP_FIELDS]
        if unknown:
            raise ScenarioError(f"{source}: {where}.{short_text(unknown[0])}: unknown field; allowed here: {', '.join(TIMELINE_STEP_FIELDS)}")
        quarter = raw.get("at_quarter")
        if isinstance(quarter, bool) or not isinstance(quarter, int):
            raise ScenarioError(f"{source}: {where}.at_quarter = {short_repr(quarter)}: required, a whole number of quarters from 1")
        if quarter < 1:
            raise ScenarioError(f"{source}: {where}.at_quarter = {quarter}: must be >= 1 (the first quarter is 1)")
        if quarter > quarters or (quarter - 1) * WORKING_DAYS_PER_QUARTER >= start.horizon_days:
            raise ScenarioError(
                f"{source}: {where}.at_quarter = {quarter}: beyond the horizon ({start.horizon_days} working days: "
                f"quarters 1 to {quarters}); use a quarter from 1 to {quarters} or a longer horizon_days"
            )
        if quarter <= previous:
            raise ScenarioError(f"{source}: {where}.at_quarter = {quarter}: steps out of order (the step before is at quarter {previous}); list steps by quarter, one step a quarter")
        previous = quarter
        changes_raw = raw.get("set", {}) or {}
        if not isinstance(changes_raw, dict):
            raise ScenarioError(f"{source}: {where}.set = {short_repr(changes_raw)}: must be a mapping of dotted lever fields to values")
        changes = _flat(changes_raw)
        label = raw.get("label", "") or ""
        target = raw.get("to")
        if target is not None:
            if not isinstance(target, str) or not target:
                raise ScenarioError(f"{source}: {where}.to = {short_repr(target)}: must be a preset name or a scenario file")
            spec: str | Path = target
            if is_path_argument(target) and base_dir is not None and not Path(target).is_absolute():
                spec = base_dir / target
            try:
                design = load_scenario(spec)
            except ScenarioError as exc:
                raise ScenarioError(f"{source}: {where}.to = {target!r}: {exc}") from None
            if design.timeline:
                raise ScenarioError(f"{source}: {where}.to = {target!r}: that design has a timeline of its own; a step switches to one design")
            theirs, ours = _flat(design.model_dump()), _flat(current.model_dump())
            changes = {**{f: theirs[f] for f in sorted(allowed) if theirs[f] != ours[f]}, **changes}
            label = label or design.name
        elif not changes:
            raise ScenarioError(f"{source}: {where}: a step needs to (a design) or set (lever values), or both")
        for field in changes:
            if field not in allowed:
                if field in NOT_SWITCHABLE:
                    why = NOT_SWITCHABLE[field]
                elif field in _flat(start.model_dump()):
                    why = "not a lever: a timeline changes only who does what, who is paid on what and which rules bind them"
                else:
                    raise ScenarioError(f"{source}: {where}.set.{short_text(field)}: no such field")
                raise ScenarioError(f"{source}: {where}.set.{short_text(field)}: cannot be changed by a timeline step ({why})")
        current = current.with_overrides(changes, f"{source}: {where}.set")
        steps.append({"at_quarter": quarter, "to": None, "set": changes,
                      "label": str(label) or ", ".join(f"{k}={v}" for k, v in changes.items())})
    return start.model_copy(update={"timeline": [TimelineStep(**step) for step in steps]})


def _read_yaml(path: Path) -> dict[str, Any]:
    return read_yaml_mapping(path, "scenario file")


def _resolve(data: dict[str, Any], source: str, seen: tuple[str, ...] = (), folder: Path | None = None) -> dict[str, Any]:
    """Expand ``base:`` into a full dict, then apply the file's fields over it.

    ``base`` is a preset name or another scenario *file* (a path: with a folder separator or a
    ``.yaml``/``.yml`` ending), relative to ``folder``, the referring file's folder. A base file
    may have a base of its own; a chain that comes back to a file or preset is refused.
    """
    data = dict(data)
    base = data.pop("base", None)
    if base is None:
        return data
    if isinstance(base, str) and is_path_argument(base):
        path = Path(base)
        if not path.is_absolute() and folder is not None:
            path = folder / path
        key = str(path.resolve())
        if key in seen:
            raise ScenarioError(f"{source}: base = {short_repr(base)}: scenario files refer to each other in a loop")
        try:
            base_data = _read_yaml(path)
        except ScenarioError as exc:
            raise ScenarioError(f"{source}: base = {short_repr(base)}: {exc}") from None
        base_data.pop("name", None)
        base_data = _resolve(base_data, str(path), seen + (key,), path.parent)
        return _deep_merge(base_data, data)
    if not isinstance(base, str) or base not in PRESETS:
        raise ScenarioError(
            f"{source}: base = {short_repr(base)}: unknown preset; allowed: {', '.join(PRESETS)}, or a scenario file's path (ending in .yaml)"
        )
    if base in seen:
        raise ScenarioError(f"{source}: base = {base!r}: presets refer to each other in a loop")
    base_data = _resolve(_read_yaml(PRESET_DIR / f"{base}.yaml"), f"preset {base}", seen + (base,))
    merged = _deep_merge(base_data, data)
    return merged


def preset_path(name: str) -> Path:
    return PRESET_DIR / f"{name}.yaml"


class PresetShadowWarning(UserWarning):
    """A preset name was given and a file or folder of that name exists too; the preset is used."""


def is_path_argument(spec: str | Path) -> bool:
    """Whether ``spec`` names a file rather than a preset: a :class:`~pathlib.Path`, or text
    with a folder separator or a ``.yaml``/``.yml`` ending. Anything else is a preset name."""
    if isinstance(spec, Path):
        return True
    text = str(spec)
    separators = [os.sep] + ([os.altsep] if os.altsep else [])
    return any(sep in text for sep in separators) or text.lower().endswith((".yaml", ".yml"))


def warn_if_shadowed(name: str, *folders: Path, what: str = "preset") -> None:
    """Tell the user when a preset name is also a file or folder here (the preset is taken)."""
    for folder in folders or (Path("."),):
        for candidate in (folder / name, folder / f"{name}.yaml", folder / f"{name}.yml"):
            try:
                exists = candidate.exists()
            except OSError:
                exists = False
            if not exists:
                continue
            if candidate.is_dir():
                message = f"{name!r} is taken as the {what} {name} (there is also a folder {candidate} here)"
            else:
                shown = f"./{candidate}" if not is_path_argument(str(candidate)) else str(candidate)
                message = f"{name!r} is taken as the {what} {name}, not the file {candidate}; to use the file, write it as a path ({shown})"
            warnings.warn(
                message,
                PresetShadowWarning,
                stacklevel=3,
            )
            return


def load_scenario(spec: str | Path) -> Scenario:
    """Load a scenario from a preset name or a YAML file path.

    A name is a preset; a file is read only when the argument is a path (a ``Path``, or text
    with a folder separator or ending in ``.yaml``/``.yml``: ``./sla``, ``my.yaml``). When a
    preset name is also a file or folder in the working directory, the preset is taken and a
    :class:`PresetShadowWarning` says so.

    A file may name a preset or another scenario file (a path relative to the file) as
    ``base:`` and override a few fields. The scenario's
    ``name`` defaults to the preset's name or the file's name without its extension.
    """
    spec_str = str(spec)
    if not is_path_argument(spec):
        if spec_str not in PRESETS:
            raise ScenarioError(
                f"{short_repr(spec_str) if len(spec_str) > 80 else spec_str}: not a preset name; presets: {', '.join(PRESETS)} "
                f"(a scenario file is given as a path: ./{'NAME' if len(spec_str) > 80 else spec_str} or NAME.yaml)"
            )
        warn_if_shadowed(spec_str)
        path = preset_path(spec_str)
        default_name = spec_str
        source = f"preset {spec_str}"
    else:
        path = Path(spec_str)
        default_name = path.stem
        source = str(path)
    seen = () if not is_path_argument(spec) else (str(path.resolve()),)
    data = _resolve(_read_yaml(path), source, seen, path.parent)
    if "name" in data:
        raise ScenarioError(f"{source}: name: set from the file name ({default_name!r}); remove this field")
    data["name"] = default_name
    return build_scenario(data, source, base_dir=path.parent)


ROADMAP_DIR = PRESET_DIR / "roadmaps"


def roadmap_descriptions() -> dict[str, tuple[Path, str]]:
    """The shipped roadmaps: name -> (file, one-line description)."""
    if not ROADMAP_DIR.is_dir():
        return {}
    return {p.stem: (p, load_scenario(p).description) for p in sorted(ROADMAP_DIR.glob("*.yaml"))}


def preset_descriptions() -> dict[str, str]:
    """Each preset's one-line description, from its YAML ``description`` field."""
    return {name: load_scenario(preset_path(name)).description for name in PRESETS}


def field_reference() -> list[dict[str, str]]:
    """Every scenario field: dotted path, type, default, allowed values and description.

    Generated from the typed scenario itself, so the reference cannot drift from the code.
    """
    rows: list[dict[str, str]] = []

    def walk(model: type[BaseModel], instance: BaseModel, prefix: str, parent_description: str = "") -> None:
        for name, info in model.model_fields.items():
            path = f"{prefix}{name}"
            value = getattr(instance, name)
            if isinstance(value, BaseModel):
                walk(type(value), value, f"{path}.", info.description or "")
                continue
            allowed = []
            for meta in info.metadata:
                for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
                    bound = getattr(meta, attr, None)
                    if bound is not None:
                        allowed.append(f"{sym} {format_bound(bound)}")
            annotation = info.annotation
            args = getattr(annotation, "__args__", None)
            if getattr(annotation, "__origin__", None) is Literal and args:
                kind, allowed = "choice", [" / ".join(map(str, args))]
            else:
                kind = getattr(annotation, "__name__", str(annotation))
            rows.append(
                {
                    "field": path,
                    "type": kind,
                    "default": repr(value) if isinstance(value, str) else str(value),
                    "allowed": ", ".join(allowed) if allowed else "any",
                    "description": info.description or parent_description,
                }
            )

    walk(Scenario, Scenario(), "")
    return rows


def field_reference_markdown() -> str:
    lines = [
        "# Scenario reference",
        "",
        "Every field of the scenario object, generated from `simulation/scenario.py` by",
        "`python -m simulation.reference > docs/scenario_reference.md` (a test checks it is current).",
        "Fields marked *assumption* in the description rest on no published figure; see",
        "`docs/model.md` for sources.",
        "",
        "A scenario is named either as a preset (`sla`) or as a path to a YAML file (`./sla`,",
        "`my_design.yaml`): a bare name is always a preset, even when a file of that name exists.",
        "",
        "Every number must be finite (`.inf` and `.nan` are refused) and within the limits in the",
        "*allowed* column. `1e6` is read as the number 1,000,000 (no quotes; `1.5e-3` works too).",
        "Marketing's budget may buy at most 1e7 inquiries a quarter (the budget over the cheaper",
        "cost per inquiry).",
        "",
        "| field | type | default | allowed | description |",
        "|---|---|---|---|---|",
    ]
    for row in field_reference():
        desc = row["description"].replace("|", "/")
        lines.append(f"| `{row['field']}` | {row['type']} | {row['default']} | {row['allowed']} | {desc} |")
    return "\n".join(lines) + "\n"

