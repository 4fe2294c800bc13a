"""Submodel 7.6: lead work -- prospecting, contact attempts, first touch, acceptance,
qualification, ageing and the SLA's clock (ODD 7.4, 7.6, 7.8).
"""

from __future__ import annotations

import numpy as np

from .behaviour import timing_factor
from .leads import Reason, Source, Stage, is_marketing
from .schedule import _AGENCY, WORK_END_HOUR, WORK_START_HOUR, calendar_hours


class LeadWorkMixin:
    """Methods of :class:`simulation.model.OrgModel` for this submodel."""

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

    def count_queues(self) -> None:
        """Hours each worker's own lead queue would take today (new MQLs and pending attempts)."""
        L = self.leads
        size = len(self._by_id)
        mql = L.open_in(Stage.MQL)
        sal = L.open_in(Stage.SAL)
        hours = self.settings.work.touch_hours * np.bincount(L.worker[mql], minlength=size)
        hours += self.settings.work.attempt_hours * np.bincount(L.worker[sal], minlength=size)
        self.queue_hours = {aid: float(hours[aid]) for aid in self.workers}

    def age_out(self) -> None:
        L = self.leads
        mql = L.open_in(Stage.MQL)
        old = mql[(self.day - L.mql_day[mql]) >= self.settings.work.mql_max_age_days]
        if len(old):
            L.move(old, Stage.NEVER_WORKED, self.day)
            mine = old[L.marketer[old] >= 0]
            self._quarter["never_worked"] += int(is_marketing(L.source[old]).sum())
            self._marketing_experience(mine, good=False)

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

    def _breach(self, idx: np.ndarray) -> None:
        if len(idx) == 0:
            return
        L = self.leads
        L.sla_breached[idx] = True
        self.sla_breaches += len(idx)
        counts = np.bincount(L.worker[idx], minlength=len(self._by_id))
        for aid in np.flatnonzero(counts):
            self._by_id[aid].breaches_this_week += int(counts[aid])
