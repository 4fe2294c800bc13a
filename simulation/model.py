"""The Mesa model: what happens in one working day, in order.

One ``step`` is one working day:

1.  the market moves (buying windows open and close, brand awareness builds and decays);
2.  marketers decide (weekly) their MQL threshold and campaign mix and run campaigns;
    hand-raisers arrive from in-market, aware accounts; every lead is scored and becomes
    an MQL or stays an inquiry;
3.  SDRs split their hours between the inbound queue and prospecting; agencies book meetings;
4.  AEs split their hours between open deals (late-stage first at quarter end) and leads;
5.  the lead store applies everyone's decisions, vectorised: contact attempts, then first
    touches in each worker's priority order within their hours; accept / reject with a
    reason; qualification (with the response-time decay); hand-over to an AE;
6.  deals receive attention and close (won, lost, no decision) on their close day;
7.  untouched MQLs age out (never worked); SLA breaches are logged and reviewed weekly;
8.  feedback reaches marketers; trust moves with each side's experience;
9.  at quarter end leaders review their KPI, may blame the other function, set quotas and
    budgets.

Randomness: one ``SeedSequence`` per run; each stochastic process draws from its own
child stream (market, marketing, inbound, work, outcomes, people) so that a design that
draws more in one process does not shift the others (common random numbers).
"""

from __future__ import annotations

import mesa
import numpy as np

from .agents import SDR, AccountExecutive, Leader, Marketer
from .behaviour import feedback_probability, logistic, timing_factor
from .leads import MARKETING_SOURCES, LeadStore, Reason, Source, Stage, is_marketing
from .market import SALES_ICP, Market
from .metrics import DailyRecorder
from .scenario import WORKING_DAYS_PER_QUARTER, Scenario

STREAMS = ("mesa", "market", "marketing", "inbound", "work", "outcomes", "people")

WORK_START_HOUR, WORK_END_HOUR = 9.0, 17.0  # the working day; leads arrive around the clock
# Plain ints for array comparisons (numpy probes an IntEnum's type for array hooks on every use).
_AGENCY, _REJECTED = int(Source.AGENCY), int(Stage.REJECTED)

def arrival_hours(day: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Hour of arrival of ``n`` web leads created on working day ``day``, relative to its midnight.

    Leads arrive around the clock and over weekends; a Monday (``day % 5 == 0``) also
    receives the weekend's leads, so its arrivals spread over the 72 hours before its end.
    """
    low = -48.0 if day % 5 == 0 else 0.0
    return rng.uniform(low, 24.0, n)


def calendar_hours(from_day, from_hour, to_day, to_hour):
    """Calendar hours between (working day, hour) pairs, counting the weekends in between.

    Speed to lead is measured in calendar hours, as in HBR 2011's audit.
    """
    from_day = np.asarray(from_day)
    weekends = to_day // 5 - from_day // 5
    return (to_day - from_day) * 24.0 + 48.0 * weekends + (to_hour - from_hour)


class OrgModel(mesa.Model):
    """One company, its market and its revenue team, under one scenario."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.seed_sequence = np.random.SeedSequence(seed)
        children = self.seed_sequence.spawn(len(STREAMS))
        self.streams = {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)}
        super().__init__(rng=self.streams["mesa"])
        # The scenario is kept as ``settings``: Mesa >= 3.5 reserves ``Model.scenario`` for its own type.
        self.settings = scenario
        self.seed = seed
        self.day = 0
        self.quarter_days = WORKING_DAYS_PER_QUARTER
        self.sample_window_days = 20
        s = scenario
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
        self.deemed_accepted = 0  # agreed MQLs accepted by the SLA's reject window lapsing
        self.deals_pulled_in = 0  # deals signed at a discount before a quarter closed
        self.enablement_use_sum = 0.0
        self.enablement_use_n = 0
        self.days_since_meeting = 10_000
        self.meeting_hours_today = 0.0
        self.transition_factor = 1.0
        self.days_left_in_quarter = self.quarter_days
        self._quarter = self._new_quarter_tally()
        self._first_touch_log: list[int] = []
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
        self.ae_ids = np.array([a.unique_id for a in self.aes], dtype=np.int64)
        self.workers = {a.unique_id: a for a in [*self.sdrs, *self.aes]}
        self._worker_list = list(self.workers.values())
        self._worker_ids = np.array(list(self.workers), dtype=np.int64)
        self._worker_shared_weight = np.array([a.pay_shared_weight() for a in self._worker_list], dtype=float)
        self.marketer_ids = np.array([m.unique_id for m in self.marketers], dtype=np.int64)
        self._marketer_pos = {m.unique_id: i for i, m in enumerate(self.marketers)}
        size = max(a.unique_id for a in self.agents) + 1
        self._marketer_pos_table = np.full(size, -1, dtype=np.int64)
        self._marketer_pos_table[self.marketer_ids] = np.arange(len(self.marketer_ids))
        self._is_ae = np.zeros(size, dtype=bool)
        self._is_ae[self.ae_ids] = True
        # A list, not a numpy object array: the cyclic garbage collector cannot see through
        # object arrays, so agent <-> model cycles held by one would never be freed.
        self._by_id: list = [None] * size
        for a in self.agents:
            self._by_id[a.unique_id] = a
        # Feedback hours owed by each person to the next day's lead work (kept across a hire).
        due = getattr(self, "_feedback_hours_due", np.zeros(0))
        self._feedback_hours_due = np.zeros(size)
        self._feedback_hours_due[: len(due)] = due
        # Attempts allowed per lead: the same rule for every worker (the SLA's minimum, if any).
        self._max_attempts_table = np.full(size, self.settings.work.default_attempts, dtype=np.int16)
        for aid, a in self.workers.items():
            self._max_attempts_table[aid] = a.max_attempts()

    def hire_sdr(self, leader: Leader) -> None:
        """A leader moves one SDR's quarterly cost from demand generation into a new hire."""
        s = self.settings
        cost = s.sdr.salary_usd / 4
        if self.dg_budget_per_marketer_quarter * max(len(self.marketers), 1) < cost or len(self.sdrs) >= 1.5 * max(s.sdr.headcount, 1):
            return
        function = "marketing" if s.sdr.owner == "marketing" else "sales"
        sdr = SDR(self, function, s.behaviour.trust_initial_sales_in_marketing)
        sdr.start_day = self.day
        if sdr.motion == "outbound":
            sdr.motion = "inbound"
        self.sdrs.append(sdr)
        self.sdr_budget_moved += cost
        self._refresh_pools()

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

    def _sample_accounts(self, count: int, weight_fn, weight_max: float, rng: np.random.Generator, purpose: str) -> np.ndarray:
        """Draw ``count`` accounts with probability proportional to ``weight_fn(idx)`` (rejection sampling).

        Each batch is sized by the acceptance rate last seen for the same ``purpose`` (it
        drifts slowly with awareness and buying windows), so one batch usually suffices.
        """
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        out: list[np.ndarray] = []
        have = 0
        acceptance = self._acceptance.get(purpose, 0.1)  # first guess 0.1; then as observed
        while have < count:
            size = int(min(max((count - have) / acceptance * 1.2, 64), 5_000_000))
            cand = rng.integers(0, self.market.n, size=size)
            keep = cand[rng.random(size) * weight_max < weight_fn(cand)]
            acceptance = max(len(keep) / size, 1e-3)
            out.append(keep)
            have += len(keep)
        self._acceptance[purpose] = acceptance
        return np.concatenate(out)[:count] if len(out) > 1 else out[0][:count]

    # ------------------------------------------------------------------ lead creation
    def _flush_new_leads(self) -> None:
        """Score today's new marketing leads in one pass; MQL if above the owning marketer's threshold.

        Marketing scores a lead on fit to *its own* ICP and on intent signals, with an error
        that shrinks as sales feedback accumulates.
        """
        if not self._new_leads:
            return
        s = self.settings
        rng = self.streams["marketing"]
        accounts = np.concatenate([x[0] for x in self._new_leads])
        source = np.concatenate([np.full(len(x[0]), x[1], np.int8) for x in self._new_leads])
        intent = np.concatenate([x[2] for x in self._new_leads])
        owner = np.concatenate([x[3] for x in self._new_leads])
        self._new_leads = []
        n = len(accounts)
        if n == 0:
            return
        if self.marketers:
            icp = np.array([m.icp_point for m in self.marketers])[owner]
            noise = np.array([m.score_noise for m in self.marketers])[owner]
            threshold = np.array([m.threshold for m in self.marketers])[owner]
            mid = self.marketer_ids[owner]
        else:
            icp = np.broadcast_to(self.sales_icp, (n, 2))
            noise = np.full(n, s.behaviour.score_noise_initial)
            threshold = np.full(n, s.marketing.default_mql_threshold)
            mid = np.full(n, -1)
        fit_m = self.market.fit_of(accounts, icp[:, 0], icp[:, 1])
        score = np.clip(0.5 * fit_m + 0.5 * intent + rng.normal(0.0, 1.0, n) * noise, 0.0, 1.0)
        arrival = arrival_hours(self.day, n, rng)
        is_mql = score >= threshold
        columns = dict(
            account=accounts, source=source, marketer=mid.astype(np.int32), intent=intent, score=score,
            basis=score.astype(np.float32), arrival_hour=arrival,
        )
        inq = ~is_mql
        if inq.any():
            self.leads.add(self.day, Stage.INQUIRY, **{k: v[inq] for k, v in columns.items()})
        k = int(is_mql.sum())
        if k:
            workers = self.inbound_pool_ids[self.streams["work"].integers(0, len(self.inbound_pool_ids), k)]
            idx = self.leads.add(self.day, Stage.MQL, worker=workers, **{key: v[is_mql] for key, v in columns.items()})
            self.leads.mql_day[idx] = self.day
            self._quarter["mqls"] += k
            self._quarter["mqls_meeting_definition"] += int((score[is_mql] >= s.sla.mql_definition_score).sum())

    def run_campaigns(self) -> None:
        """Campaign responses for every marketer's planned volumes, drawn in one batch.

        Broad campaigns reach any account; targeted ones reach accounts that fit the
        marketer's own ICP and show intent. People in a buying window respond more to any
        campaign (``behaviour.broad_in_market_response``, ``targeted_in_market_response``); aware accounts respond
        more (x 0.5 + awareness).
        """
        if not self.marketers:
            return
        rng = self.streams["marketing"]
        mk = self.market
        n_broad = np.array([m.planned_broad for m in self.marketers])
        n_targeted = np.array([m.planned_targeted for m in self.marketers])
        k = self.settings.behaviour.broad_in_market_response
        broad = self._sample_accounts(int(n_broad.sum()), lambda i: (0.5 + mk.awareness[i]) * (1.0 + k * mk.in_market[i]), 1.5 * (1.0 + k), rng, "broad")
        broad_owner = np.repeat(np.arange(len(self.marketers)), n_broad)
        icps = np.array([m.icp_point for m in self.marketers])
        targeted_owner = np.repeat(np.arange(len(self.marketers)), n_targeted)
        targeted = self._sample_accounts_for(targeted_owner, icps, rng)
        for accounts, owner, src, lo_in, hi_in, lo_out, hi_out in (
            (broad, broad_owner, Source.CAMPAIGN_BROAD, 0.2, 0.8, 0.0, 0.4),
            (targeted, targeted_owner, Source.CAMPAIGN_TARGETED, 0.4, 0.9, 0.1, 0.5),
        ):
            if len(accounts) == 0:
                continue
            inm = mk.in_market[accounts]
            intent = np.where(inm, rng.uniform(lo_in, hi_in, len(accounts)), rng.uniform(lo_out, hi_out, len(accounts)))
            self._new_leads.append((accounts, src, intent, owner))

    def _sample_accounts_for(self, owner: np.ndarray, icps: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One targeted-campaign account per entry of ``owner`` (rejection sampling on each owner's ICP).

        ``owner`` holds marketer positions grouped in ascending order (as ``np.repeat`` gives).
        Each marketer's candidates are drawn in one batch sized by the acceptance rate seen
        on earlier days, and the first accepted ones fill that marketer's entries in order.
        """
        mk = self.market
        n_owner = len(icps)
        need = np.bincount(owner, minlength=n_owner)
        out = np.full(len(owner), -1, dtype=np.int64)
        slot_start = np.concatenate(([0], np.cumsum(need)[:-1]))
        filled = np.zeros(n_owner, dtype=np.int64)
        k = self.settings.behaviour.targeted_in_market_response
        weight_max = 1.5 * (1.0 + k)
        rate = self._targeted_hit_rate
        while (short := need - filled).any():
            draws = np.where(short > 0, np.minimum(np.ceil(1.25 * short / rate) + 16, 2_000_000), 0).astype(np.int64)
            who = np.repeat(np.arange(n_owner), draws)
            cand = rng.integers(0, mk.n, len(who))
            fit = mk.fit_of(cand, np.repeat(icps[:, 0], draws), np.repeat(icps[:, 1], draws))
            weight = fit * fit * (1.0 + k * mk.in_market[cand]) * (0.5 + mk.awareness[cand])
            ok = rng.random(len(who)) * weight_max < weight
            hit_who, hit_cand = who[ok], cand[ok]
            hits = np.bincount(hit_who, minlength=n_owner)
            # Remember each marketer's acceptance rate (it drifts slowly with ICP and awareness).
            drawn = draws > 0
            rate[drawn] = np.maximum(hits[drawn] / draws[drawn], rate[drawn] / 4)
            # Rank of each hit inside its owner's hits (hits are grouped by owner).
            rank = np.arange(len(hit_who)) - np.searchsorted(hit_who, np.arange(n_owner))[hit_who]
            take = rank < short[hit_who]
            tw = hit_who[take]
            out[slot_start[tw] + filled[tw] + rank[take]] = hit_cand[take]
            filled += np.minimum(hits, short)
        return out

    def create_inbound_leads(self) -> None:
        """Hand-raisers: in-market accounts that know the brand come to you (day-one list)."""
        rng = self.streams["inbound"]
        mk = self.market
        rate = self.settings.market.inbound_rate * self.transition_factor
        inm = np.flatnonzero(mk.in_market)
        raised = inm[rng.random(len(inm)) < rate * mk.awareness[inm]]
        # A few researchers without a current need also raise their hands (assumption: 3% of the rate).
        n_out = rng.poisson(rate * 0.03 * (mk.n - len(inm)) * float(mk.awareness.mean()))
        researchers = rng.integers(0, mk.n, n_out)
        researchers = researchers[~mk.in_market[researchers]]
        accounts = np.concatenate([raised, researchers])
        if len(accounts) == 0:
            return
        intent = np.where(mk.in_market[accounts], rng.uniform(0.5, 1.0, len(accounts)), rng.uniform(0.0, 0.5, len(accounts)))
        # Inbound leads are scored by the marketer who runs the inbound channel that day (random).
        owner = rng.integers(0, max(len(self.marketers), 1), len(accounts))
        self._new_leads.append((accounts, Source.INBOUND, intent, owner))

    def run_prospecting(self) -> None:
        """Today's outbound prospecting by every SDR, in one batch.

        Prospect lists favour sales' ICP and accounts showing buying signals
        (``prospect_in_market_weight``). A cold attempt reaches someone with probability
        ``cold_contact_rate``; a reached contact in a buying window takes a meeting with
        probability ``meeting_rate_in_market`` x (0.5 + awareness); one without a need does so rarely -- more often when an
        agency paid per meeting pushes for it. In-house SDRs pass only contacts they judge
        a fit (they then qualify them); an agency books a meeting when its noisier judgement
        clears its quality bar (a retainer agency holds itself to at least 0.5).
        """
        s = self.settings
        rng = self.streams["work"]
        mk = self.market
        b = s.behaviour
        sdrs = [a for a in self.sdrs if a.outbound_hours > 0]
        if not sdrs:
            return
        attempts = np.array([int(a.outbound_hours / self.settings.work.prospect_hours) for a in sdrs])
        owner = np.repeat(np.arange(len(sdrs)), attempts)
        skill = np.array([a.skill for a in sdrs])
        weight = b.prospect_in_market_weight
        accounts = self._sample_accounts(len(owner), lambda i: mk.sales_fit[i] ** 2 * (1.0 + weight * mk.in_market[i]), 1.0 + weight, rng, "prospecting")
        reached = rng.random(len(owner)) < b.cold_contact_rate * skill[owner]
        accounts, owner = accounts[reached], owner[reached]
        agency = s.sdr.sourcing == "agency"
        if agency:
            push = b.meeting_push_agency_per_meeting if s.sdr.agency.price_model == "per_meeting" else b.meeting_push_agency_retainer
        else:
            push = b.meeting_push_in_house
        interested = rng.random(len(accounts)) < np.where(mk.in_market[accounts], b.meeting_rate_in_market * (0.5 + mk.awareness[accounts]), push)
        accounts, owner = accounts[interested], owner[interested]
        if agency:
            noise = self.settings.behaviour.perception_noise + 0.35 * (1.0 - s.behaviour.agency_quality * s.sdr.agency.product_knowledge)
            bar = s.sdr.agency.quality_bar if s.sdr.agency.price_model == "per_meeting" else max(s.sdr.agency.quality_bar, 0.5)
        else:
            noise, bar = self.settings.behaviour.perception_noise, self.settings.behaviour.accept_bar
        perceived = mk.sales_fit[accounts] + rng.normal(0.0, noise, len(accounts))
        keep = (perceived >= bar) & ~mk.open_opportunity[accounts]
        accounts, owner = accounts[keep], owner[keep]
        n = len(accounts)
        made = np.bincount(owner, minlength=len(sdrs))
        for sdr, count in zip(sdrs, made, strict=True):
            sdr.learn_outbound_yield(float(count) * 0.4)
        if n == 0:
            return
        inm = mk.in_market[accounts]
        intent = np.where(inm, rng.uniform(0.3, 0.8, n), rng.uniform(0.0, 0.3, n))
        common = dict(
            account=accounts, intent=intent, score=np.zeros(n, np.float32), basis=mk.sales_fit[accounts],
            arrival_hour=rng.uniform(WORK_START_HOUR, WORK_END_HOUR, n),
        )
        if agency:
            aes = self.ae_ids[rng.integers(0, len(self.ae_ids), n)]
            idx = self.leads.add(self.day, Stage.MQL, source=np.full(n, _AGENCY, np.int8), worker=aes, contacted=np.ones(n, bool), **common)
            self.leads.mql_day[idx] = self.day
            self.agency_meetings += n
            if s.sdr.agency.price_model == "per_meeting":
                self.costs["agency"] += n * s.sdr.agency.price_per_meeting_usd
        else:
            ids = np.array([a.unique_id for a in sdrs])[owner]
            attempts_allowed = self._max_attempts_table[ids]
            idx = self.leads.add(
                self.day, Stage.SAL, source=np.full(n, Source.SDR_OUTBOUND, np.int8), worker=ids,
                contacted=np.ones(n, bool), max_attempts=attempts_allowed, **common,
            )
            self.leads.sal_day[idx] = self.day

    # ------------------------------------------------------------------ lead work
    def _beliefs(self, idx: np.ndarray, trust: np.ndarray, trust_agency: np.ndarray) -> np.ndarray:
        """What each lead's worker believes it is worth: the lead's score (or, without one, its
        account's fit) weighted by the worker's trust in its source, against a junk prior."""
        L = self.leads
        w = L.worker[idx]
        src = L.source[idx]
        t = np.where(src == _AGENCY, trust_agency[w], trust[w])
        # ``basis``: marketing's score; for leads without one (outbound, agency meetings) the account's fit.
        return t * L.basis[idx] + (1.0 - t) * self.settings.behaviour.junk_prior

    @staticmethod
    def _take_within_capacity(owner: np.ndarray, priority: np.ndarray, cost: float, capacity: np.ndarray):
        """Per owner, the highest-priority items that fit in the owner's hours.

        One sort over all items by (owner, priority descending); an item is taken
        when its rank inside its owner's group is below the number of items the owner's hours
        allow. Returns (positions into the inputs, hours each owner had spent before the item),
        grouped by owner and in priority order inside each group.
        """
        n = len(owner)
        if n == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        # One key: owner first, then priority descending (priorities span less than one unit
        # of the owner's scale, so the composite orders exactly as the pair would).
        span = float(priority.max() - priority.min()) + 1.0
        order = np.argsort(owner * span - priority)
        o = owner[order]
        new_group = np.empty(n, dtype=bool)
        new_group[0] = True
        np.not_equal(o[1:], o[:-1], out=new_group[1:])
        starts = np.flatnonzero(new_group)
        rank = np.arange(n) - np.repeat(starts, np.diff(np.append(starts, n)))
        fits = np.floor((capacity[o] + 1e-9) / cost)
        keep = rank < fits
        return order[keep], rank[keep] * cost

    def work_leads(self) -> None:
        """Apply today's lead work of every SDR and AE, vectorised over leads."""
        s = self.settings
        b = s.behaviour
        L = self.leads
        rng = self.streams["work"]
        d = self.day
        size = len(self._by_id)
        trust, trust_agency, skill, capacity, reservation, sla_pressure = self._worker_tables()

        # Feedback given yesterday comes out of today's lead hours.
        capacity = np.maximum(capacity - self._feedback_hours_due, 0.0)
        self._feedback_hours_due = np.zeros(size)
        # Every MQL assigned today costs its worker triage time, whether worked or not:
        # volume itself eats follow-up capacity (Sabnis et al. 2013: follow-up falls with volume).
        new_today = L.open_in(Stage.MQL)
        new_today = new_today[L.mql_day[new_today] == d]
        capacity = np.maximum(capacity - self.settings.work.review_hours * np.bincount(L.worker[new_today], minlength=size), 0.0)

        # ---- 1. contact attempts on accepted leads (at most self.settings.work.attempt_share of lead time)
        sal = L.open_in(Stage.SAL)
        ready = sal[L.contacted[sal]]  # reached already (outbound, meetings): qualify now
        waiting = sal[~L.contacted[sal]]
        used = np.zeros(size)
        if len(waiting):
            pos, before = self._take_within_capacity(
                L.worker[waiting], self._beliefs(waiting, trust, trust_agency), self.settings.work.attempt_hours, capacity * self.settings.work.attempt_share
            )
            tried = waiting[pos]
            np.add.at(used, L.worker[tried], self.settings.work.attempt_hours)
            L.attempts[tried] += 1
            reached = rng.random(len(tried)) < b.contact_rate_per_attempt * skill[L.worker[tried]]
            L.contacted[tried[reached]] = True
            ready = np.concatenate([ready, tried[reached]])
            gave_up = tried[~reached & (L.attempts[tried] >= L.max_attempts[tried])]
            stale = waiting[(d - L.sal_day[waiting]) > self.settings.work.sal_max_age_days]
            stale = stale[~L.contacted[stale]]
            dropped = np.unique(np.concatenate([gave_up, stale]))
            L.reason[dropped] = Reason.NO_CONTACT
            L.move(dropped, Stage.RECYCLED, d)
            self._feedback_events(dropped, good=False)
        if len(ready):
            self._qualify(ready, skill)

        # ---- 2. first touches on MQLs, in each worker's priority order
        mql = L.open_in(Stage.MQL)
        mql = mql[(L.mql_day[mql] < d) | (L.arrival_hour[mql] < WORK_END_HOUR)]
        if len(mql):
            w = L.worker[mql]
            belief = self._beliefs(mql, trust, trust_agency)
            src = L.source[mql]
            marketing_lead = is_marketing(src)
            agency = src == _AGENCY
            sla_bound = s.sla.enabled & marketing_lead & (L.score[mql] >= s.sla.mql_definition_score)
            waited = calendar_hours(L.mql_day[mql], L.arrival_hour[mql], d, WORK_START_HOUR)
            # Under an SLA, leads that can still be touched within the deadline come first
            # (the rep's best response to a breach count); breached ones fall back to belief.
            within = waited + (WORK_END_HOUR - WORK_START_HOUR) / 2 < s.sla.first_touch_hours
            urgency = np.where(sla_bound & within, 1.0 + sla_pressure[w], 0.0)
            eligible = (belief >= reservation[w]) | sla_bound | agency
            # Fresh leads first: a lead's appeal to a rep halves in about four working days (assumption).
            priority = belief * self.settings.behaviour.recency_decay ** (d - L.mql_day[mql]) + urgency + 10.0 * agency
            cand = np.flatnonzero(eligible)
            remaining = np.maximum(capacity - used, 0.0)
            pos, before = self._take_within_capacity(w[cand], priority[cand], self.settings.work.touch_hours, remaining)
            pick = cand[pos]
            touched = mql[pick]
            if len(touched):
                self._first_touch(touched, before, marketing_lead[pick], sla_bound[pick], trust, trust_agency, skill)
                # SDRs who choose between inbound and outbound learn the inbound yield.
                for sdr in self.inbound_pool:
                    if sdr.role == "sdr" and sdr.motion == "both":
                        mine = L.worker[touched] == sdr.unique_id
                        sdr.record_inbound_yield(float(belief[pick][mine].sum()) * 0.5, mine.sum() * self.settings.work.touch_hours)

    def _first_touch(self, idx, hours_before, marketing_lead, sla_bound, trust, trust_agency, skill) -> None:
        s = self.settings
        b = s.behaviour
        L = self.leads
        mk = self.market
        rng = self.streams["work"]
        d = self.day
        clock = WORK_START_HOUR + hours_before
        same_day = L.mql_day[idx] == d
        arrival = L.arrival_hour[idx]
        touch_clock = np.where(same_day, np.maximum(clock, arrival), clock)
        speed = np.maximum(calendar_hours(L.mql_day[idx], arrival, d, touch_clock), 0.05)
        L.first_touch_day[idx] = d
        self._touched_today.append(idx)
        L.speed_to_lead_hours[idx] = speed
        late = sla_bound & (speed > s.sla.first_touch_hours) & ~L.sla_breached[idx]
        self._breach(idx[late])
        self._quarter["touched"] += int(marketing_lead.sum())

        w = L.worker[idx]
        src = L.source[idx]
        t = np.where(src == _AGENCY, trust_agency[w], trust[w])
        perceived = mk.sales_fit[L.account[idx]] + rng.normal(0.0, self.settings.behaviour.perception_noise, len(idx)) - b.distrust_bias * (1.0 - t)
        duplicate = mk.open_opportunity[L.account[idx]]
        below = s.sla.enabled & marketing_lead & (L.score[idx] < s.sla.mql_definition_score)
        accept = ~duplicate & ~below & (perceived >= self.settings.behaviour.accept_bar)
        reason = np.where(duplicate, int(Reason.DUPLICATE), np.where(below, int(Reason.BELOW_DEFINITION), int(Reason.BAD_FIT)))
        rejected = idx[~accept]
        L.reason[rejected] = reason[~accept]
        L.move(rejected, Stage.REJECTED, d)
        accepted = idx[accept]
        L.max_attempts[accepted] = self._max_attempts_table[L.worker[accepted]]
        L.move(accepted, Stage.SAL, d)
        self._quarter["accepted"] += int((accept & marketing_lead).sum())
        self._quarter["rejected"] += int((~accept & marketing_lead).sum())

        # Experience moves each worker's trust in the source's function (or the agency).
        self._trust_from_experience(w, accept, src)
        # Feedback on rejections: the SLA makes the reason code mandatory.
        self._feedback_events(rejected, good=False, forced=s.sla.enabled)
        # Meetings already happened: qualify at once.
        met = accepted[L.contacted[accepted]]
        if len(met):
            self._qualify(met, skill)

    def _trust_from_experience(self, workers: np.ndarray, good: np.ndarray, src: np.ndarray) -> None:
        b = self.settings.behaviour
        size = len(self._by_id)
        for agency_flag in (False, True):
            sel = (src == _AGENCY) if agency_flag else is_marketing(src)
            if not sel.any():
                continue
            n = np.bincount(workers[sel], minlength=size)
            g = np.bincount(workers[sel], weights=good[sel].astype(float), minlength=size)
            for aid in np.flatnonzero(n):
                agent = self._by_id[aid]
                weight = b.trust_learning_rate * n[aid] / (n[aid] + 3.0)
                if agency_flag:
                    agent.trust_agency += weight * (g[aid] / n[aid] - agent.trust_agency)
                else:
                    agent.adjust_trust(weight * (g[aid] / n[aid] - agent.trust))

    def _qualify(self, idx: np.ndarray, skill: np.ndarray) -> None:
        """Reached buyers qualify (SQL) or are recycled: need, intent and response timing."""
        s = self.settings
        b = s.behaviour
        L = self.leads
        mk = self.market
        rng = self.streams["work"]
        d = self.day
        acc = L.account[idx]
        need = np.where(mk.in_market[acc], 0.55 + 0.45 * L.intent[idx], self.settings.behaviour.out_of_market_need)
        timing = timing_factor(L.speed_to_lead_hours[idx], b.response_decay_persistent_share)
        p = np.clip(self.settings.behaviour.qualify_base * skill[L.worker[idx]] * need * timing, 0.0, 1.0)
        # One open opportunity per account: a second qualified lead joins the buying group.
        ok = (rng.random(len(idx)) < p) & ~mk.open_opportunity[acc]
        no = idx[~ok]
        L.reason[no] = Reason.NO_NEED
        L.move(no, Stage.RECYCLED, d)
        self._feedback_events(no, good=False)
        won = idx[ok]
        if len(won) == 0:
            return
        acc = L.account[won]
        _, first = np.unique(acc, return_index=True)  # two leads of one account on one day: one opportunity
        keep = np.zeros(len(won), dtype=bool)
        keep[first] = True
        if not keep.all():
            L.reason[won[~keep]] = Reason.DUPLICATE
            L.move(won[~keep], Stage.RECYCLED, d)
        won = won[keep]
        acc = L.account[won]
        n = len(won)
        # Hand-over: an SDR's opportunity goes to an AE; an AE keeps its own.
        worker = L.worker[won]
        is_ae = self._is_ae[worker]
        L.ae[won] = np.where(is_ae, worker, self.ae_ids[rng.integers(0, len(self.ae_ids), n)])
        L.value[won] = mk.deal_size[acc] * rng.uniform(0.8, 1.2, n)
        cycle = np.maximum(1, np.round(mk.cycle_working_days[acc] * np.exp(rng.normal(0.0, 0.3, n)))).astype(np.int32)
        L.close_day[won] = d + cycle
        L.move(won, Stage.SQL, d)
        mk.open_opportunity[acc] = True
        # The buying window lasts at least until the decision.
        mk.window_end[acc] = np.maximum(mk.window_end[acc], d + cycle)
        mk.in_market[acc] = True
        mk.next_entry[acc] = -1
        self.pipeline_created += float(L.value[won].sum())
        sdr_made = worker[~is_ae]
        if len(sdr_made) and s.sdr.sourcing == "in_house":
            self.costs["sdr_bonuses"] += len(sdr_made) * s.sdr.bonus_per_sql_usd
        self._feedback_events(won, good=True)

    # ------------------------------------------------------------------ feedback, trust, SLA
    def _feedback_events(self, idx: np.ndarray, good: bool, forced: bool = False, by_ae: bool = False) -> None:
        """Each worker (or, for a closed deal, its AE) decides whether to spend time telling
        marketing what happened to its lead."""
        L = self.leads
        if len(idx) == 0:
            return
        idx = idx[L.marketer[idx] >= 0]
        if len(idx) == 0:
            return
        if forced:
            give = np.ones(len(idx), dtype=bool)
        else:
            decider = L.ae[idx] if by_ae else L.worker[idx]
            prob = self._feedback_prob_table()[decider]
            give = self.streams["work"].random(len(idx)) < prob
        L.feedback_given[idx[give]] = True
        # Feedback takes the giver's time: charged to their lead hours of the next working day.
        givers = (L.ae[idx] if by_ae else L.worker[idx])[give]
        if len(givers):
            self._feedback_hours_due += self.settings.work.feedback_hours * np.bincount(givers, minlength=len(self._feedback_hours_due))
        self.feedback_given += int(give.sum())
        self.feedback_withheld += int((~give).sum())
        given = idx[give]
        if len(given):
            self._pending_feedback.append((L.marketer[given], L.source[given], np.full(len(given), good)))

    def _worker_tables(self):
        """Today's state of every SDR and AE as arrays indexed by agent id, in one pass.

        Returns trust in marketing, trust in the agency, skill, hours for leads, reservation
        value and SLA pressure; also fills today's feedback-probability table.
        """
        s = self.settings
        size = len(self._by_id)
        rows = np.array([a.work_state() for a in self._worker_list], dtype=float).reshape(-1, 7)
        tables = []
        for col, fill in enumerate((0.0, 0.0, 1.0, 0.0, 0.0, 0.0)):
            t = np.full(size, fill)
            t[self._worker_ids] = rows[:, col]
            tables.append(t)
        prob = np.zeros(size)
        prob[self._worker_ids] = feedback_probability(
            self._worker_shared_weight,
            rows[:, 6],
            s.collaboration.feedback_routine,
            self.days_since_meeting <= 5,
            self.days_left_in_quarter <= s.sales.quarter_end_window_days,
        )
        self._fb_table, self._fb_table_day = prob, self.day
        return tables

    def _feedback_prob_table(self) -> np.ndarray:
        """Today's feedback probabilities by agent id (filled by ``_worker_tables``)."""
        if self._fb_table_day != self.day:
            self._worker_tables()
        return self._fb_table

    def deliver_feedback(self) -> None:
        """Feedback reaches marketers; visibility of sales' capacity comes with an SLA, a routine or meetings."""
        s = self.settings
        if not self.marketers:
            self._pending_feedback = []
            return
        if self._pending_feedback:
            mids = np.concatenate([p[0] for p in self._pending_feedback])
            srcs = np.concatenate([p[1] for p in self._pending_feedback])
            good = np.concatenate([p[2] for p in self._pending_feedback])
        else:
            mids = srcs = good = np.empty(0, dtype=np.int64)
        self._pending_feedback = []
        visible = s.sla.enabled or s.collaboration.feedback_routine or self.days_since_meeting == 0
        capacity_seen = None
        if visible and self.day % 5 == 0:
            # What sales can work: the hours the lead workers have for leads, per lead worked.
            hours = sum(a.inbound_hours if a.role == "sdr" else a.lead_hours for a in self.inbound_pool)
            per_lead = self.settings.work.touch_hours + self.settings.work.attempt_hours * self.inbound_pool[0].max_attempts()
            capacity_seen = hours / per_lead * self.quarter_days / len(self.marketers)
        # Pieces and good pieces per (marketer, source), in one pass.
        n_src = len(MARKETING_SOURCES)
        key = self._marketer_pos_table[mids.astype(np.int64)] * n_src + srcs.astype(np.int64)
        size = len(self.marketers) * n_src
        pieces = np.bincount(key, minlength=size).reshape(-1, n_src)
        goods = np.bincount(key, weights=good.astype(float), minlength=size).reshape(-1, n_src)
        for j, m in enumerate(self.marketers):
            counts = {int(src): (int(pieces[j, src]), int(goods[j, src])) for src in MARKETING_SOURCES if pieces[j, src]}
            if counts or capacity_seen is not None:
                m.receive_feedback(counts, capacity_seen)

    def _breach(self, idx: np.ndarray) -> None:
        if len(idx) == 0:
            return
        L = self.leads
        L.sla_breached[idx] = True
        self.sla_breaches += len(idx)
        counts = np.bincount(L.worker[idx], minlength=len(self._by_id))
        for aid in np.flatnonzero(counts):
            self._by_id[aid].breaches_this_week += int(counts[aid])

    def check_sla(self) -> None:
        s = self.settings
        if not s.sla.enabled:
            return
        L = self.leads
        mql = L.open_in(Stage.MQL)
        agreed = is_marketing(L.source[mql]) & (L.score[mql] >= s.sla.mql_definition_score)
        waited = calendar_hours(L.mql_day[mql], L.arrival_hour[mql], self.day, 24.0)
        self._breach(mql[agreed & (waited > s.sla.first_touch_hours) & ~L.sla_breached[mql]])
        # The reject window: an agreed MQL that sales has neither accepted nor rejected within
        # ``reject_window_days`` is deemed accepted (the usual SLA term). It joins its worker's
        # contact queue, where it competes for attempt hours like any accepted lead; its
        # response time counts from arrival to today, so it qualifies as late as it is.
        deemed = mql[agreed & ((self.day - L.mql_day[mql]) >= s.sla.reject_window_days)]
        if len(deemed):
            L.speed_to_lead_hours[deemed] = calendar_hours(L.mql_day[deemed], L.arrival_hour[deemed], self.day, WORK_END_HOUR)
            L.max_attempts[deemed] = self._max_attempts_table[L.worker[deemed]]
            L.move(deemed, Stage.SAL, self.day)
            self._quarter["accepted"] += len(deemed)
            self.deemed_accepted += len(deemed)
        if s.sla.breach_review and self.day % 5 == 4:
            # Weekly review: breaches raise each worker's attention to SLA leads; the review costs leaders time.
            for a in self.workers.values():
                a.sla_pressure = 0.7 * a.sla_pressure + 0.1 * a.breaches_this_week
                a.breaches_this_week = 0

    def age_out(self) -> None:
        L = self.leads
        mql = L.open_in(Stage.MQL)
        old = mql[(self.day - L.mql_day[mql]) >= self.settings.work.mql_max_age_days]
        if len(old):
            L.move(old, Stage.NEVER_WORKED, self.day)
            mine = old[L.marketer[old] >= 0]
            self._quarter["never_worked"] += int(is_marketing(L.source[old]).sum())
            self._marketing_experience(mine, good=False)

    def _marketing_experience(self, idx: np.ndarray, good: bool) -> None:
        """Marketers' trust in sales moves with what happens to their leads."""
        if len(idx) == 0 or not self.marketers:
            return
        b = self.settings.behaviour
        counts = np.bincount(self.leads.marketer[idx], minlength=len(self._by_id))
        outcome = 1.0 if good else 0.0
        for mid in np.flatnonzero(counts).tolist():
            m, n = self._by_id[mid], counts[mid]
            m.adjust_trust(b.trust_learning_rate * n / (n + 3.0) * (outcome - m.trust))

    def blame(self, leader: Leader) -> None:
        """A leader blames the other function: trust falls on both sides.

        Trust here is held by side: marketers trust (or not) sales' follow-up; the people who
        work marketing's leads (AEs and in-house SDRs, whichever org they report to) trust
        (or not) marketing's leads. The blamed side loses ``blame_strength`` of trust and some
        morale; the blaming side, repeating the story, loses half as much.
        """
        b = self.settings.behaviour
        self.blame_events += 1
        blamer_side = "marketing" if leader.function == "marketing" else "sales"
        for person in [*self.marketers, *self.sdrs, *self.aes]:
            if person.function == "agency":
                continue
            side = "marketing" if person.role == "marketer" else "sales"
            if side == blamer_side:
                person.adjust_trust(-0.5 * b.blame_strength)
            else:
                person.adjust_trust(-b.blame_strength)
                person.adjust_morale(-0.05)
        for other in self.leaders:
            other.adjust_trust(-(0.5 if other is leader else 1.0) * b.blame_strength)

    def people(self):
        return [*self.marketers, *self.sdrs, *self.aes, *self.leaders]

    # ------------------------------------------------------------------ deals
    def work_deals(self) -> None:
        """Open deals receive each AE's attention; late-stage deals first at quarter end."""
        L = self.leads
        sql = L.open_in(Stage.SQL)
        if len(sql) == 0:
            return
        size = len(self._by_id)
        late_table = np.ones(size)
        other_table = np.ones(size)
        for ae in self.aes:
            late_table[ae.unique_id] = ae.attention_late
            other_table[ae.unique_id] = ae.attention_other
        late = self._is_late(sql)
        ae_ids = L.ae[sql]
        L.attention_sum[sql] += np.where(late, late_table[ae_ids], other_table[ae_ids])

    def _is_late(self, idx: np.ndarray) -> np.ndarray:
        window = max(self.settings.sales.quarter_end_window_days, 5)
        return (self.leads.close_day[idx] - self.day) <= window

    def count_queues(self) -> None:
        """Hours each worker's own lead queue would take today (new MQLs and pending attempts)."""
        L = self.leads
        size = len(self._by_id)
        mql = L.open_in(Stage.MQL)
        sal = L.open_in(Stage.SAL)
        hours = self.settings.work.touch_hours * np.bincount(L.worker[mql], minlength=size)
        hours += self.settings.work.attempt_hours * np.bincount(L.worker[sal], minlength=size)
        self.queue_hours = {aid: float(hours[aid]) for aid in self.workers}

    def count_deals(self) -> None:
        L = self.leads
        sql = L.open_in(Stage.SQL)
        size = len(self._by_id)
        open_n = np.bincount(L.ae[sql], minlength=size)
        late_n = np.bincount(L.ae[sql][self._is_late(sql)], minlength=size)
        for ae in self.aes:
            ae.open_deals = int(open_n[ae.unique_id])
            ae.late_deals = int(late_n[ae.unique_id])

    def pull_in_deals(self) -> None:
        """Deal timing on a quarter's last day (Larkin 2014; Oyer 1998).

        Each AE looks at its deals due within ``sales.pull_in_horizon_days`` of the next
        quarter, nearest first, and offers a buyer ``sales.pull_in_discount`` to sign today
        when that pays the AE more (``AccountExecutive.choose_pull_ins``). A pulled deal is
        decided today by the usual rule, at its discounted value.
        """
        s = self.settings.sales
        if self.days_left_in_quarter != 0 or s.pull_in_horizon_days <= 0:
            return
        L = self.leads
        d = self.day
        sql = L.open_in(Stage.SQL)
        due = L.close_day[sql]
        cand = sql[(due > d) & (due <= d + s.pull_in_horizon_days)]
        if len(cand) == 0:
            return
        cand = cand[np.lexsort((L.close_day[cand], L.ae[cand]))]  # by AE, nearest decision first
        owner = L.ae[cand]
        bounds = [*np.flatnonzero(np.diff(owner)) + 1, len(cand)]
        start = 0
        chosen = np.zeros(len(cand), dtype=bool)
        for end in bounds:  # one decision per AE with a deal in reach
            chosen[start:end] = self._by_id[int(owner[start])].choose_pull_ins(L.value[cand[start:end]])
            start = end
        pulled = cand[chosen]
        if len(pulled) == 0:
            return
        L.discount[pulled] = s.pull_in_discount * L.value[pulled]
        L.value[pulled] -= L.discount[pulled]
        L.close_day[pulled] = d
        self.deals_pulled_in += len(pulled)

    def close_deals(self) -> None:
        """Deals reaching their close day end won, lost or in no decision."""
        s = self.settings
        b = s.behaviour
        L = self.leads
        mk = self.market
        rng = self.streams["outcomes"]
        d = self.day
        sql = L.open_in(Stage.SQL)
        due = sql[L.close_day[sql] <= d]
        if len(due) == 0:
            return
        acc = L.account[due]
        days_open = np.maximum(d - L.sql_day[due], 1)
        attention = np.clip(L.attention_sum[due] / days_open, 0.0, 1.6)
        ae_ids = L.ae[due]
        size = len(self._by_id)
        skill = np.ones(size)
        use = np.zeros(size)
        content = 1.0 - np.exp(-self.enablement_stock / self.settings.behaviour.enablement_stock_scale_usd)
        for aid in np.unique(ae_ids).tolist():  # only the AEs with a deal closing today
            ae = self._by_id[aid]
            skill[aid] = ae.skill
            use[aid] = ae.enablement_use()
        enable = use[ae_ids] * content
        L.enablement_use[due] = enable
        self.enablement_use_sum += float(use[ae_ids].sum())
        self.enablement_use_n += len(due)
        p_nd = np.clip(self.settings.behaviour.no_decision_base + self.settings.behaviour.no_decision_neglect * np.maximum(0.0, 1.0 - attention), 0.0, 0.95)
        u_win = (
            self.settings.behaviour.win_intercept
            + self.settings.behaviour.win_fit * (mk.sales_fit[acc] - 0.5)
            + b.brand_win_effect * mk.awareness[acc]
            + b.enablement_win_effect * enable
            + self.settings.behaviour.win_skill * (skill[ae_ids] - 1.0)
            + 0.5 * (attention - 1.0)
        )
        p_win = logistic(u_win)
        r1 = rng.random(len(due))
        r2 = rng.random(len(due))
        nd = r1 < p_nd
        won = ~nd & (r2 < p_win)
        lost = ~nd & ~won
        L.move(due[nd], Stage.NO_DECISION, d)
        L.move(due[lost], Stage.LOST, d)
        # Why a marketing-sourced deal was lost is feedback too, if the AE takes the time.
        self._feedback_events(due[nd | lost], good=True, by_ae=True)
        L.move(due[won], Stage.WON, d)
        mk.open_opportunity[acc] = False
        # The account's buying window closes with the decision.
        mk.window_end[acc] = np.minimum(mk.window_end[acc], d)
        values = L.value[due[won]]
        self.bookings += float(values.sum())
        per_ae = np.bincount(ae_ids[won], weights=values, minlength=size)
        for aid in np.flatnonzero(per_ae > 0).tolist():
            ae, v = self._by_id[aid], float(per_ae[aid])
            above = max(0.0, ae.bookings_this_quarter + v - max(ae.quota, ae.bookings_this_quarter))
            below = v - above
            self.costs["commissions"] += s.sales.commission_rate * (below + s.sales.accelerator * above)
            ae.bookings_this_quarter += v
            ae.adjust_morale(0.02)

    # ------------------------------------------------------------------ quarter
    def end_quarter(self) -> None:
        q = self._quarter
        resolved = q["touched"] + q["never_worked"]
        stats = {
            "bookings": sum(ae.bookings_this_quarter for ae in self.aes),
            "team_quota": self.team_quota,
            "mqls": q["mqls"],
            "mqls_meeting_definition": q["mqls_meeting_definition"],
            "awareness_change": float(self.market.awareness.mean()) - q["awareness_start"],
            "never_worked_share": q["never_worked"] / resolved if resolved else 0.0,
            "rejection_share": q["rejected"] / (q["accepted"] + q["rejected"]) if (q["accepted"] + q["rejected"]) else 0.0,
        }
        for ae in self.aes:
            self.ae_quarters += 1
            if ae.quota > 0 and ae.bookings_this_quarter >= ae.quota:
                self.ae_quarters_at_quota += 1
                ae.adjust_morale(0.1)
            else:
                ae.adjust_morale(-0.05)
            ae.last_quarter_bookings = ae.bookings_this_quarter
        for leader in self.leaders:
            # A leader's trust reflects their function's.
            if leader.title == "cmo" and self.marketers:
                leader.trust = float(np.mean([m.trust for m in self.marketers]))
            elif leader.title == "vp_sales":
                leader.trust = float(np.mean([a.trust for a in self.aes]))
            leader.review_quarter(stats)
        for leader in self.leaders:
            leader.plan_quarter(stats)
        for ae in self.aes:
            ae.bookings_this_quarter = 0.0
        self._quarter = self._new_quarter_tally()

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        s = self.settings
        d = self.day
        day_in_quarter = d % self.quarter_days
        self.days_left_in_quarter = self.quarter_days - day_in_quarter - 1
        lead = s.leadership
        if s.structure == "combined" and lead.reorg_transition_days > 0 and d < lead.reorg_transition_days:
            self.transition_factor = 1.0 - lead.reorg_capacity_loss * (1.0 - d / lead.reorg_transition_days)
        else:
            self.transition_factor = 1.0
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
        self.count_queues()
        for m in self.marketers:
            m.step()
        self.run_campaigns()
        self.create_inbound_leads()
        self._flush_new_leads()
        for sdr in self.sdrs:
            sdr.step()
        self.run_prospecting()
        for ae in self.aes:
            ae.step()
        touched_before = self.leads.entered[Stage.SAL] + self.leads.entered[Stage.REJECTED]
        self.work_leads()
        self._first_touch_log.append(int(self.leads.entered[Stage.SAL] + self.leads.entered[Stage.REJECTED] - touched_before))
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

    def _marketing_trust_from_today(self) -> None:
        """Leads touched today (accepted, or rejected with a reason) count as good treatment."""
        L = self.leads
        touched_today = np.concatenate(self._touched_today) if self._touched_today else np.empty(0, dtype=np.int64)
        self._touched_today = []
        touched_today = touched_today[L.marketer[touched_today] >= 0]
        if len(touched_today):
            treated_well = (L.stage[touched_today] != _REJECTED) | L.feedback_given[touched_today]
            self._marketing_experience(touched_today[treated_well], good=True)
            self._marketing_experience(touched_today[~treated_well], good=False)

    def _tail_start(self, day: int) -> int:
        """Index of the first lead created on or after ``day`` (leads are appended in day order)."""
        return int(np.searchsorted(self.leads.created_day[: self.leads.n], day, side="left"))

    def _refresh_score_samples(self) -> None:
        """Each marketer's lead scores of the last ``sample_window_days``, per marketing source.

        One stable sort of the recent tail by (marketer, source) replaces a mask per
        marketer and source; a campaign source with no recent leads keeps its older sample.
        """
        L = self.leads
        lo = self._tail_start(self.day - self.sample_window_days)
        mids = L.marketer[lo : L.n]
        srcs = L.source[lo : L.n].astype(np.int64)
        keep = (mids >= 0) & is_marketing(srcs)
        n_src = len(MARKETING_SOURCES)
        key = self._marketer_pos_table[mids[keep]] * n_src + srcs[keep]
        order = np.argsort(key, kind="stable")
        scores = L.score[lo : L.n][keep][order].astype(float)
        bounds = np.searchsorted(key[order], np.arange(len(self.marketers) * n_src + 1)).tolist()
        inbound = int(Source.INBOUND)
        for j, m in enumerate(self.marketers):
            for src in range(n_src):
                start, end = bounds[j * n_src + src], bounds[j * n_src + src + 1]
                if end > start:
                    m.score_samples[src] = scores[start:end]
                elif src == inbound:
                    m.score_samples.pop(src, None)

    def _pay_costs(self) -> None:
        s = self.settings
        year = 252.0
        salaries = len(self.marketers) * s.marketing.salary_usd + len(self.aes) * s.sales.salary_usd
        salaries += sum(1 for a in self.sdrs if not a.is_agency) * s.sdr.salary_usd
        salaries += len(self.leaders) * s.leadership.salary_usd
        self.costs["salaries"] += salaries / year
        self.costs["programmes"] += (self.programme_budget - self.sdr_budget_moved) / self.quarter_days
        if s.sdr.sourcing == "agency" and s.sdr.agency.price_model == "retainer":
            self.costs["agency"] += len(self.sdrs) * s.sdr.agency.retainer_per_sdr_month_usd * 12 / year

    @property
    def total_cost(self) -> float:
        return float(sum(self.costs.values()))
