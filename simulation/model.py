"""The Mesa model: what happens in one working day, in order.

``OrgModel`` builds the parts; ``step`` is the day's schedule and nothing else. Each
submodel's rules live in its own module (docs/model.md, section 7): ``market.py`` (7.1),
``agents/marketer.py`` (7.2), ``campaigns.py`` (7.3), ``agents/sdr.py``,
``agents/account_executive.py`` and ``lead_work.py`` (7.4-7.6), ``deals.py`` (7.7),
``feedback.py`` (7.8), ``agents/leader.py`` and ``leadership.py`` (7.9).

One ``step`` is one working day:

1.  the calendar: days left in the quarter; under a timeline, today's change of design
    (``transition.py``, ODD 7.10); after a reorganisation (a combined org's start, or a
    change of structure), its loss of people's capacity today (the market does not know of it); a joint meeting if one is
    due (an hour of every SDR's and AE's day, trust gain, its effects then fade);
2.  the market moves (buying windows close and open; brand awareness follows brand spend
    through a two-stage lag, and decays); the enablement content stock decays and grows;
3.  AEs count their open and late-stage deals; marketers decide (Mondays) their MQL
    threshold and campaign mix and plan today's campaign volumes; campaign responses and
    hand-raisers arrive; every new lead is scored and becomes an inquiry or an MQL, routed to
    the inbound pool up to what the SDR team can touch within ``sdr.overflow_after_hours``
    (the rest to AEs); MQLs their SDR left untouched that long pass to an AE;
4.  SDRs (attrition and replacement first) and AEs set today's hours, less the hours
    yesterday's work carried into today; SDRs split them between inbound and prospecting,
    AEs give open deals their time first (late-stage deals at quarter end) after admin;
5.  lead work (``lead_work.work_leads``), vectorised: every first touch (which includes the
    first contact attempt) and every follow-up attempt is ranked per rep by expected
    qualified opportunities per hour (plus, under an SLA, a breach-avoidance bonus), and
    done while hours last and the task beats the rep's reservation yield; an on-call rota
    touches off-hours arrivals first; accept / reject with a reason; an accepted lead whose
    next attempt is not worth it is recycled; qualification of reached buyers (need,
    intent, response decay at the moment of contact); hand-over to an AE;
6.  prospecting by SDRs and AEs with hours for it (reserved, or left free by the lead work
    where their pay rewards it); an agency books meetings for AEs;
7.  deals receive attention; on a quarter's last day AEs may pull deals in at a discount;
    deals close (won, lost, no decision) on their close day;
8.  untouched MQLs age out (never worked); the SLA's clock: breaches, deemed acceptance
    at the end of the reject window, the weekly breach review (Fridays);
9.  feedback reaches marketers; marketers' trust moves with what happened to their leads;
10. costs accrue; at quarter end leaders review their KPI, may blame, set quotas and
    budgets and may hire SDRs; the day's row of the daily series is recorded.

Randomness: one ``SeedSequence`` per run; each stochastic process draws from its own
child stream (market, marketing, inbound, work, outcomes, people) so that a design that
draws more in one process does not shift the others (common random numbers).
"""

from __future__ import annotations

import mesa
import numpy as np

from .agents import SDR, AccountExecutive, Leader, Marketer
from .campaigns import CampaignsMixin
from .deals import DealsMixin
from .feedback import FeedbackMixin
from .lead_work import LeadWorkMixin
from .leadership import LeadershipMixin
from .leads import LeadStore
from .market import SALES_ICP, Market
from .metrics import DailyRecorder
from .scenario import WORKING_DAYS_PER_QUARTER, Scenario
from .schedule import WORK_END_HOUR, WORK_START_HOUR, arrival_hours, calendar_hours  # noqa: F401  (re-exported)
from .transition import TransitionMixin

# "screened": inquiries from non-buyers (counted only); last, so the other streams are unchanged by it.
STREAMS = ("mesa", "market", "marketing", "inbound", "work", "outcomes", "people", "screened")

class OrgModel(CampaignsMixin, LeadWorkMixin, DealsMixin, FeedbackMixin, LeadershipMixin, TransitionMixin, mesa.Model):
    """One company, its market and its revenue team, under one scenario."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.seed_sequence = np.random.SeedSequence(seed)
        children = self.seed_sequence.spawn(len(STREAMS))
        self.streams = {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)}
        super().__init__(rng=self.streams["mesa"])
        # The scenario is kept as ``settings``: Mesa >= 3.5 reserves ``Model.scenario`` for its own type.
        # Under a timeline, ``settings`` is the design in force (``transition.py``, ODD 7.10).
        self.seed = seed
        self.day = 0
        self.quarter_days = WORKING_DAYS_PER_QUARTER
        self.sample_window_days = 20
        self._init_transition(scenario)
        s = self.settings
        b = s.behaviour

        self.market = Market(s, self.streams["market"])
        self.leads = LeadStore(capacity=max(4096, s.horizon_days * 50))
        self.sales_icp = SALES_ICP.copy()

        # Marketing's ICP diverges from sales' when strategy is unclear and no ICP is shared.
        divergence = b.icp_divergence * (1.0 - s.strategy_clarity) * (0.25 if s.collaboration.shared_icp else 1.0)
        angle = self.streams["market"].uniform(0, 2 * np.pi)
        marketing_icp = SALES_ICP + divergence * np.array([np.cos(angle), np.sin(angle)])

        # Budgets (leaders adjust the brand share quarterly).
        self.brand_share = s.marketing.brand_share
        self.sdr_budget_moved = 0.0
        self.enablement_stock = 0.0

        # People.
        people_rng = self.streams["people"]
        self.marketers = [Marketer(self, marketing_icp, b.trust_initial_marketing_in_sales) for _ in range(s.marketing.headcount)]
        self.aes = [
            AccountExecutive(self, float(np.clip(people_rng.normal(1.0, 0.15), 0.6, 1.5)), b.trust_initial_sales_in_marketing)
            for _ in range(s.sales.ae_headcount)
        ]
        for ae in self.aes:
            ae.last_quarter_bookings = 0.0
        sdr_function = "marketing" if s.sdr.owner == "marketing" else "sales"
        self.sdrs = [SDR(self, sdr_function, b.trust_initial_sales_in_marketing) for _ in range(s.sdr.headcount)]
        if s.structure == "combined":
            self.leaders = [Leader(self, "cro", 0.5 * (b.trust_initial_sales_in_marketing + b.trust_initial_marketing_in_sales))]
        else:
            self.leaders = [
                Leader(self, "cmo", b.trust_initial_marketing_in_sales),
                Leader(self, "vp_sales", b.trust_initial_sales_in_marketing),
            ]
        self._refresh_pools()

        # Event counters.
        self.blame_events = 0
        self.sla_breaches = 0
        self.feedback_given = 0
        self.feedback_withheld = 0
        self.bookings = 0.0
        self.pipeline_created = 0.0
        self.costs = {"salaries": 0.0, "programmes": 0.0, "agency": 0.0, "commissions": 0.0, "sdr_bonuses": 0.0}
        self.ae_quarters = 0
        self.ae_quarters_at_quota = 0
        self.agency_meetings = 0
        self.sqls_disqualified = 0  # SDRs' SQLs the AE's discovery did not keep as opportunities
        self.non_buyer_inquiries = 0  # marketing inquiries from non-buyers, screened out by scoring (never leads)
        self.deemed_accepted = 0  # agreed MQLs accepted by the SLA's reject window lapsing
        self.mqls_overflowed = 0  # MQLs routed from an SDR to an AE after sdr.overflow_after_hours
        self._reached_today: list[np.ndarray] = []  # buyers reached during today's lead work
        self._touches_made = 0  # first touches, and contact attempts made (for per-lead work figures)
        self._attempts_made = 0
        self.deals_pulled_in = 0  # deals signed at a discount before a quarter closed
        self.enablement_use_sum = 0.0
        self.enablement_use_n = 0
        self.days_since_meeting = 10_000
        self.meeting_hours_today = 0.0
        self.transition_factor = 1.0
        self.days_left_in_quarter = self.quarter_days
        self._quarter = self._new_quarter_tally()
        self._pending_feedback: list = []
        self._new_leads: list = []
        self._touched_today: list[np.ndarray] = []  # leads first touched today, by call
        self._team_quota_quarter = -1
        self._fb_table_day = -1
        self._acceptance: dict[str, float] = {}  # rejection-sampling acceptance rates, by purpose
        self._targeted_hit_rate = np.full(len(self.marketers), 0.01)  # first guess; then as observed
        self.recorder = DailyRecorder(self, s.horizon_days)

    # ------------------------------------------------------------------ derived budgets
    @property
    def programme_budget(self) -> float:
        return self.settings.marketing.budget_per_quarter_usd

    @property
    def dg_budget_per_marketer_quarter(self) -> float:
        m = self.settings.marketing
        dg = self.programme_budget * max(0.0, 1.0 - self.brand_share - m.enablement_share) - self.sdr_budget_moved
        return max(dg, 0.0) / max(len(self.marketers), 1)

    @property
    def brand_spend_per_quarter(self) -> float:
        return self.programme_budget * self.brand_share

    @property
    def team_quota(self) -> float:
        """Sum of AE quotas; quotas change only at quarter start, so it is cached per quarter."""
        quarter = self.day // self.quarter_days
        if self._team_quota_quarter != quarter:
            self._team_quota = float(sum(ae.quota for ae in self.aes))
            self._team_quota_quarter = quarter
        return self._team_quota

    @property
    def revenue_target_per_marketer(self) -> float:
        # Marketing is typically expected to source about half of pipeline (assumption).
        return max(0.5 * self.team_quota / max(len(self.marketers), 1), 1.0)

    @property
    def expected_value_per_good_lead(self) -> float:
        # Planning figure marketers use: mean deal value times a planning win share of 30%.
        return self.market.mean_deal_size * 0.3

    @property
    def touch_hours(self) -> float:
        return self.settings.work.touch_hours

    def _refresh_pools(self) -> None:
        """Who works which queue: the routing is set by the levers, not by outcomes."""
        inbound_sdrs = [a for a in self.sdrs if not a.is_agency and a.motion in ("inbound", "both")]
        self.inbound_pool = inbound_sdrs if inbound_sdrs else list(self.aes)
        for ae in self.aes:
            ae.works_inbound = not inbound_sdrs
        self.inbound_pool_ids = np.array([a.unique_id for a in self.inbound_pool], dtype=np.int64)
        self._in_pool = np.zeros(max(max(a.unique_id for a in self.agents) + 1, len(getattr(self, "_by_id", ()))), dtype=bool)
        self._in_pool[self.inbound_pool_ids] = True
        self.ae_ids = np.array([a.unique_id for a in self.aes], dtype=np.int64)
        self.workers = {a.unique_id: a for a in [*self.sdrs, *self.aes]}
        self._worker_list = list(self.workers.values())
        self._worker_ids = np.array(list(self.workers), dtype=np.int64)
        self._worker_shared_weight = np.array([a.pay_shared_weight() for a in self._worker_list], dtype=float)
        self.marketer_ids = np.array([m.unique_id for m in self.marketers], dtype=np.int64)
        self._marketer_pos = {m.unique_id: i for i, m in enumerate(self.marketers)}
        # Never shrinks: leads keep the ids of people who have left (a timeline step).
        size = max(max(a.unique_id for a in self.agents) + 1, len(getattr(self, "_by_id", ())))
        self._marketer_pos_table = np.full(size, -1, dtype=np.int64)
        self._marketer_pos_table[self.marketer_ids] = np.arange(len(self.marketer_ids))
        self._is_ae = np.zeros(size, dtype=bool)
        self._is_ae[self.ae_ids] = True
        # A list, not a numpy object array: the cyclic garbage collector cannot see through
        # object arrays, so agent <-> model cycles held by one would never be freed.
        self._by_id: list = [None] * size
        for a in self.agents:
            self._by_id[a.unique_id] = a
        # Hours owed by each person to the next working day (qualification calls, discovery
        # meetings, feedback, breach reviews; kept across a hire).
        due = getattr(self, "_hours_due", np.zeros(0))
        self._hours_due = np.zeros(size)
        self._hours_due[: len(due)] = due
        self.queue_hours = np.zeros(size)

    # ------------------------------------------------------------------ helpers
    def _new_quarter_tally(self) -> dict:
        return {
            "mqls": 0,
            "mqls_meeting_definition": 0,
            "touched": 0,
            "never_worked": 0,
            "accepted": 0,
            "rejected": 0,
            "awareness_start": float(self.market.awareness.mean()),
        }

    # ------------------------------------------------------------------ lead creation

    # ------------------------------------------------------------------ lead work

    # ------------------------------------------------------------------ feedback, trust, SLA

    def people(self):
        return [*self.marketers, *self.sdrs, *self.aes, *self.leaders]

    # ------------------------------------------------------------------ deals

    # ------------------------------------------------------------------ quarter

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        s = self.settings
        d = self.day
        day_in_quarter = d % self.quarter_days
        self.days_left_in_quarter = self.quarter_days - day_in_quarter - 1
        if self._changes or self._leaving:
            self.apply_timeline()  # a roadmap's change of design and its departures (ODD 7.10)
            s = self.settings
        self.transition_factor = self.reorganisation_factor()
        # Only the people's capacity suffers a reorganisation: the market does not know of it.
        every = s.collaboration.joint_meeting_every_days
        if every > 0 and d % every == 0:
            self.days_since_meeting = 0
            self.meeting_hours_today = 1.0
            for person in [*self.marketers, *self.sdrs, *self.aes]:
                if person.function != "agency":
                    person.adjust_trust(s.behaviour.meeting_trust_gain * (1.0 - person.trust))
        else:
            self.days_since_meeting += 1
            self.meeting_hours_today = 0.0

        self.market.step(d, self.brand_spend_per_quarter)
        enable_spend = self.programme_budget * s.marketing.enablement_share / self.quarter_days
        self.enablement_stock = self.enablement_stock * (1.0 - self.settings.behaviour.enablement_decay) + enable_spend

        # Scores of each marketer's recent leads, for their weekly decision (one pass over the tail).
        if d % 5 == 0 and self.marketers:
            self._refresh_score_samples()
        self.count_deals()
        for m in self.marketers:
            m.step()
        self.run_campaigns()
        self.create_inbound_leads()
        self._flush_new_leads()
        self.route_overflow()
        self.count_queues()
        # People split their hours (less what yesterday's work carried into today).
        for sdr in self.sdrs:
            sdr.step()
        for ae in self.aes:
            ae.step()
        self._hours_due[:] = 0.0
        self.work_leads()
        self.run_prospecting()
        self.work_deals()
        self.pull_in_deals()
        self.close_deals()
        self.age_out()
        self.check_sla()
        self.deliver_feedback()
        self._marketing_trust_from_today()
        self._pay_costs()
        self.leads.compact_open()
        if day_in_quarter == self.quarter_days - 1:
            self.end_quarter()
        self.recorder.record()
        self.day += 1

    def _pay_costs(self) -> None:
        s = self.settings
        year = 252.0
        salaries = len(self.marketers) * s.marketing.salary_usd + len(self.aes) * s.sales.salary_usd
        salaries += sum(1 for a in self.sdrs if not a.is_agency) * s.sdr.salary_usd
        salaries += len(self.leaders) * s.leadership.salary_usd
        self.costs["salaries"] += salaries / year
        self.costs["programmes"] += (self.programme_budget - self.sdr_budget_moved) / self.quarter_days
        if s.sdr.sourcing == "agency" and s.sdr.agency.price_model == "retainer":
            self.costs["agency"] += sum(1 for a in self.sdrs if a.is_agency) * s.sdr.agency.retainer_per_sdr_month_usd * 12 / year

    @property
    def total_cost(self) -> float:
        return float(sum(self.costs.values()))
