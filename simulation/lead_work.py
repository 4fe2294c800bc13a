"""Submodel 7.6: lead work -- prospecting, contact attempts, first touch, acceptance,
qualification, ageing and the SLA's clock (ODD 7.4, 7.6, 7.8).
"""

from __future__ import annotations

import numpy as np

from .behaviour import timing_factor
from .leads import _AGENCY, Reason, Source, Stage, is_marketing
from .schedule import WORK_END_HOUR, WORK_START_HOUR, calendar_hours

_SDR_OUTBOUND = int(Source.SDR_OUTBOUND)  # a plain int: numpy probes an IntEnum's type on every comparison


class LeadWorkMixin:
    """Methods of :class:`simulation.model.OrgModel` for this submodel."""

    def run_prospecting(self) -> None:
        """Today's outbound prospecting by every SDR and AE with hours for it, in one batch.

        An outbound dial or email is a contact attempt on a cold account: prospect lists
        favour sales' ICP and accounts showing buying signals (``prospect_in_market_weight``),
        and an attempt reaches someone with probability ``cold_contact_rate`` x skill. A
        reached contact in a buying window takes a meeting with probability
        ``meeting_rate_in_market`` x (0.5 + awareness); one without a need does so rarely --
        more often when an agency paid per meeting pushes for it. In-house reps (SDRs, and
        AEs self-sourcing with their free hours) pass only contacts they judge a fit and
        qualify them in that conversation; an agency books a meeting when its noisier
        judgement clears its quality bar (a retainer agency holds itself to
        ``sdr.agency.retainer_quality_floor``). A held meeting is a contact.
        """
        s = self.settings
        rng = self.streams["work"]
        mk = self.market
        b = s.behaviour
        reps = [a for a in (*self.sdrs, *self.aes) if a.outbound_hours > 0]
        if not reps:
            return
        attempts = np.array([int(a.outbound_hours / s.work.prospect_hours) for a in reps])
        owner = np.repeat(np.arange(len(reps)), attempts)
        skill = np.array([a.skill for a in reps])
        is_agency_rep = np.array([getattr(a, "is_agency", False) for a in reps])
        weight = b.prospect_in_market_weight
        accounts = self._sample_accounts(len(owner), lambda i: mk.sales_fit[i] ** 2 * (1.0 + weight * mk.in_market[i]), 1.0 + weight, rng, "prospecting")
        reached = rng.random(len(owner)) < b.cold_contact_rate * skill[owner]
        accounts, owner = accounts[reached], owner[reached]
        agency_row = is_agency_rep[owner]
        if s.sdr.agency.price_model == "per_meeting":
            agency_push, agency_bar = b.meeting_push_agency_per_meeting, s.sdr.agency.quality_bar
        else:
            agency_push, agency_bar = b.meeting_push_agency_retainer, max(s.sdr.agency.quality_bar, s.sdr.agency.retainer_quality_floor)
        push = np.where(agency_row, agency_push, b.meeting_push_in_house)
        interested = rng.random(len(accounts)) < np.where(mk.in_market[accounts], b.meeting_rate_in_market * (0.5 + mk.awareness[accounts]), push)
        accounts, owner, agency_row = accounts[interested], owner[interested], agency_row[interested]
        agency_noise = b.perception_noise + b.agency_noise_extra * (1.0 - b.agency_quality * s.sdr.agency.product_knowledge)
        noise = np.where(agency_row, agency_noise, b.perception_noise)
        bar = np.where(agency_row, agency_bar, b.accept_bar)
        perceived = mk.sales_fit[accounts] + rng.normal(0.0, 1.0, len(accounts)) * noise
        keep = (perceived >= bar) & ~mk.open_opportunity[accounts]
        accounts, owner, agency_row = accounts[keep], owner[keep], agency_row[keep]
        n = len(accounts)
        made = np.bincount(owner, minlength=len(reps))
        for rep, count in zip(reps, made, strict=True):
            rep.learn_outbound_yield(float(count) * b.qualify_base * 0.5)
        if n == 0:
            return
        inm = mk.in_market[accounts]
        intent = np.where(inm, rng.uniform(0.3, 0.8, n), rng.uniform(0.0, 0.3, n))
        common = dict(
            account=accounts, intent=intent, score=np.zeros(n, np.float32), basis=mk.sales_fit[accounts],
            arrival_hour=rng.uniform(WORK_START_HOUR, WORK_END_HOUR, n),
        )
        ids = np.array([a.unique_id for a in reps])[owner]
        if agency_row.any():
            sel = agency_row
            k = int(sel.sum())
            aes = self.ae_ids[rng.integers(0, len(self.ae_ids), k)]
            idx = self.leads.add(
                self.day, Stage.MQL, source=np.full(k, _AGENCY, np.int8), worker=aes, contacted=np.ones(k, bool),
                **{key: v[sel] for key, v in common.items()},
            )
            self.leads.mql_day[idx] = self.day
            self.agency_meetings += k
            if s.sdr.agency.price_model == "per_meeting":
                self.costs["agency"] += k * s.sdr.agency.price_per_meeting_usd
        own = ~agency_row
        if own.any():
            k = int(own.sum())
            idx = self.leads.add(
                self.day, Stage.SAL, source=np.full(k, Source.SDR_OUTBOUND, np.int8), worker=ids[own],
                contacted=np.ones(k, bool), attempts=np.ones(k, np.int16), **{key: v[own] for key, v in common.items()},
            )
            # An outbound conversation in which the prospect agrees to talk is a SAL at once.
            self.leads.accepted_day[idx] = self.day
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
    def _take_within_capacity(owner: np.ndarray, priority: np.ndarray, cost, capacity: np.ndarray):
        """Per owner, the highest-priority items that fit in the owner's hours.

        One sort over all items by (owner, priority descending); an owner's items are taken
        in that order while their hours (``cost``: one figure, or one per item) fit in the
        owner's ``capacity``. Returns (positions into the inputs, hours each owner had spent
        before the item), grouped by owner and in priority order inside each group.
        """
        n = len(owner)
        if n == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        # One key: owner first, then priority descending (priorities are scaled into less than
        # one unit of the owner's scale, so the composite orders exactly as the pair would).
        lo, hi = float(np.minimum.reduce(priority)), float(np.maximum.reduce(priority))
        scaled = (priority - lo) / (hi - lo + 1.0) if hi > lo else np.zeros(n)
        order = (owner - scaled * 0.999).argsort(kind="stable")
        o = owner[order]
        cost = np.asarray(cost, dtype=float)
        c = cost[order] if cost.ndim else np.full(n, float(cost))
        new_group = np.empty(n, dtype=bool)
        new_group[0] = True
        np.not_equal(o[1:], o[:-1], out=new_group[1:])
        starts = new_group.nonzero()[0]
        total = c.cumsum()
        sizes = np.empty(len(starts), dtype=np.int64)  # items per owner
        np.subtract(starts[1:], starts[:-1], out=sizes[:-1])
        sizes[-1] = n - starts[-1]
        after = total - (total[starts] - c[starts]).repeat(sizes)  # hours of the owner's items up to this one
        keep = after <= capacity[o] + 1e-9
        return order[keep], (after - c)[keep]

    def _charge_hours(self, workers: np.ndarray, hours: float) -> None:
        """Work done today that takes hours from the worker's next working day (qualification
        calls, discovery meetings, feedback)."""
        if hours > 0 and len(workers):
            self._hours_due += hours * np.bincount(workers, minlength=len(self._hours_due))

    def attempts_per_touch(self) -> float:
        """Contact attempts made per lead first touched so far (as a CRM report shows them; 1 before any)."""
        return self._attempts_made / self._touches_made if self._touches_made else 1.0

    def _contact_probability(self, attempt: np.ndarray, age_days: np.ndarray, skill: np.ndarray) -> np.ndarray:
        """Chance the ``attempt``-th call or email reaches the buyer of a lead ``age_days`` old."""
        b = self.settings.behaviour
        p = b.contact_rate_first * b.contact_attempt_decay ** (attempt - 1.0) * 0.5 ** (age_days / b.contact_age_halflife_days)
        return (p * skill).clip(0.0, 1.0)

    def _expected_yield(self, idx, belief, attempt, skill_w, hours_cost):
        """A rep's expected qualified opportunities per hour from one more attempt on leads ``idx``.

        Reach probability (falling with the attempt number and the lead's age) x the
        believed quality x the qualification chance at today's response time (HBR 2011's
        decay): the rep prefers fresh leads exactly as much as the decay they face rewards.
        A lead already reached (a held meeting) needs no attempt.
        """
        L = self.leads
        b = self.settings.behaviour
        d = self.day
        mql_day = L.mql_day[idx]
        created = L.created_day[idx]
        # Days since the lead became an MQL (since it was created, for one that never was one).
        age = np.maximum(d - np.where(mql_day < 0, created, mql_day), 0).astype(float)
        p = np.where(L.contacted[idx], 1.0, self._contact_probability(attempt, age, skill_w))
        waited = calendar_hours(created, L.arrival_hour[idx], d, WORK_START_HOUR + 4.0)
        timing = timing_factor(np.where(L.source[idx] == _SDR_OUTBOUND, np.nan, np.maximum(waited, 0.05)), b.response_decay_persistent_share)
        return p * belief * b.qualify_base * timing / hours_cost

    def work_leads(self) -> None:
        """Apply today's lead work of every SDR and AE, vectorised over leads.

        Every candidate task -- a first touch of an MQL (which includes the first contact
        attempt) or one more attempt on an accepted lead not yet reached -- is ranked for
        its owner by its expected qualified opportunities per hour, plus, under an SLA, the
        worth of avoiding a breach for an agreed lead that would breach if left until
        tomorrow. A rep takes tasks in that order while their hours last and while a task
        beats the rep's reservation yield (the best alternative use of the hour: prospecting
        where the pay plan rewards it, else ``behaviour.min_task_yield``). An accepted lead
        whose next attempt is not worth it is recycled (no contact): attempts are a decision.
        The SLA's minimum attempts is a floor: below it an agreed lead stays eligible.
        """
        s = self.settings
        L = self.leads
        d = self.day
        size = len(self._by_id)
        trust, trust_agency, skill, capacity, reservation, sla_pressure = self._worker_tables()

        # Every MQL assigned today costs its worker triage time, whether worked or not:
        # volume itself eats follow-up capacity (Sabnis et al. 2013: follow-up falls with volume).
        new_today = L.open_in(Stage.MQL)
        new_today = new_today[L.mql_day[new_today] == d]
        capacity = np.maximum(capacity - s.work.review_hours * np.bincount(L.worker[new_today], minlength=size), 0.0)

        # Accepted leads reached already (outbound conversations) qualify today, with every
        # buyer the day's touches and attempts reach (one batch at the end of the day's work).
        sal = L.open_in(Stage.SAL)
        self._reached_today = [sal[L.contacted[sal]]]

        # ---- candidate first touches
        mql = L.open_in(Stage.MQL)
        mql = mql[(L.mql_day[mql] < d) | (L.arrival_hour[mql] < WORK_END_HOUR)]
        w_t = L.worker[mql]
        belief_t = self._beliefs(mql, trust, trust_agency)
        src_t = L.source[mql]
        agency_t = src_t == _AGENCY
        if s.sla.enabled:
            agreed_t = is_marketing(src_t) & (L.score[mql] >= s.sla.mql_definition_score) & (L.mql_day[mql] >= self.sla_start_day)
        else:
            agreed_t = np.zeros(len(mql), dtype=bool)
        yield_t = self._expected_yield(mql, belief_t, 1.0, skill[w_t], s.work.touch_hours)  # a first touch is the first attempt
        prio_t = yield_t
        if s.sla.enabled:
            # Breach avoidance: an agreed lead not yet breached that would breach if left
            # until tomorrow morning is worth the breach's cost to the rep (more after reviews).
            at_risk = agreed_t & ~L.sla_breached[mql] & (
                calendar_hours(L.mql_day[mql], L.arrival_hour[mql], d + 1, WORK_START_HOUR) > s.sla.first_touch_hours
            )
            prio_t = yield_t + np.where(at_risk, s.behaviour.breach_aversion * (1.0 + sla_pressure[w_t]) / s.work.touch_hours, 0.0)
        ok_t = (prio_t >= reservation[w_t]) | agency_t  # a booked meeting is in the AE's calendar

        # ---- an on-call rota: first touches of leads that arrived outside 9-to-5 since the
        # last working day ended, at the arrival (15 minutes later), best first, while the
        # rota's hours last; the hours come out of the inbound team's day.
        on_call = s.sdr.on_call_hours_per_day
        if on_call > 0 and len(mql) and len(self.inbound_pool_ids):
            arrival = L.arrival_hour[mql]
            off_hours = ((L.mql_day[mql] == d) & (arrival < WORK_START_HOUR)) | ((L.mql_day[mql] == d - 1) & (arrival >= WORK_END_HOUR))
            cand = np.flatnonzero(off_hours & ok_t & ~agency_t)
            n_touch = int(on_call / s.work.touch_hours)
            pick = cand[np.argsort(-prio_t[cand], kind="stable")[:n_touch]]
            if len(pick):
                self._first_touch(mql[pick], np.zeros(len(pick)), agreed_t[pick], trust, trust_agency, skill, speed=np.full(len(pick), 0.25))
                ok_t[pick] = False
            capacity[self.inbound_pool_ids] = np.maximum(capacity[self.inbound_pool_ids] - on_call / len(self.inbound_pool_ids), 0.0)

        # ---- candidate follow-up attempts (one a day per lead)
        waiting = sal[~L.contacted[sal]]
        w_a = L.worker[waiting]
        belief_a = self._beliefs(waiting, trust, trust_agency)
        nxt = L.attempts[waiting].astype(float) + 1.0
        yield_a = self._expected_yield(waiting, belief_a, nxt, skill[w_a], s.work.attempt_hours)
        worth = yield_a >= reservation[w_a]
        if s.sla.enabled:
            worth |= is_marketing(L.source[waiting]) & (L.score[waiting] >= s.sla.mql_definition_score) & (
                L.attempts[waiting] < s.sla.min_attempts
            ) & (L.mql_day[waiting] >= self.sla_start_day)
        cadence_left = L.attempts[waiting] < s.work.max_attempts
        stale = (d - L.accepted_day[waiting]) > s.work.sal_max_age_days
        give_up = ~(worth & cadence_left) | stale
        dropped = waiting[give_up]
        if len(dropped):
            L.reason[dropped] = Reason.NO_CONTACT
            L.move(dropped, Stage.RECYCLED, d)
            self._feedback_events(dropped, good=False)
            self._marketing_experience(dropped, 0.0)
        today = ~give_up & (L.last_attempt_day[waiting] < d)

        # ---- one ranking per worker over both kinds of task
        # (ndarray methods, here and below: the numpy functions' wrappers cost about a microsecond a call)
        t_idx = ok_t.nonzero()[0]
        a_idx = today.nonzero()[0]
        owner = np.concatenate([w_t[t_idx], w_a[a_idx]])
        prio = np.concatenate([prio_t[t_idx], yield_a[a_idx]])
        cost = np.empty(len(t_idx) + len(a_idx))
        cost[: len(t_idx)] = s.work.touch_hours
        cost[len(t_idx) :] = s.work.attempt_hours
        pos, before = self._take_within_capacity(owner, prio, cost, capacity)
        is_touch = pos < len(t_idx)
        tp = t_idx[pos[is_touch]]
        touched = mql[tp]
        if len(touched):
            self._first_touch(touched, before[is_touch], agreed_t[tp], trust, trust_agency, skill)
            # SDRs who choose between inbound and outbound learn the inbound yield.
            for sdr in self.inbound_pool:
                if sdr.role == "sdr" and sdr.motion == "both":
                    mine = L.worker[touched] == sdr.unique_id
                    sdr.record_inbound_yield(float(yield_t[tp][mine].sum()) * s.work.touch_hours, mine.sum() * s.work.touch_hours)
        ap = a_idx[pos[~is_touch] - len(t_idx)]
        tried = waiting[ap]
        if len(tried):
            self._attempt(tried, before[~is_touch], skill)
        reached = np.concatenate(self._reached_today)
        self._reached_today = []
        if len(reached):
            self._qualify(reached, skill)
        # Hours the lead work left free go to prospecting where the pay plan rewards it.
        used = np.bincount(owner[pos], weights=cost[pos], minlength=size)
        free = np.maximum(capacity - used, 0.0).tolist()
        for a in self._worker_list:
            a.outbound_hours = a.outbound_reserved + (free[a.unique_id] if a.prospects_with_free_hours() else 0.0)

    def _attempt(self, idx: np.ndarray, hours_before: np.ndarray, skill: np.ndarray) -> None:
        """One more call or email on accepted leads not yet reached."""
        L = self.leads
        d = self.day
        L.attempts[idx] += 1
        self._attempts_made += len(idx)
        L.last_attempt_day[idx] = d
        age = np.maximum(d - np.where(L.mql_day[idx] >= 0, L.mql_day[idx], L.created_day[idx]), 0).astype(float)
        p = self._contact_probability(L.attempts[idx].astype(float), age, skill[L.worker[idx]])
        hit = self.streams["work"].random(len(idx)) < p
        reached = idx[hit]
        if len(reached):
            clock = WORK_START_HOUR + hours_before[hit]
            L.contacted[reached] = True
            L.reach_hours[reached] = np.maximum(calendar_hours(L.mql_day[reached], L.arrival_hour[reached], d, clock), 0.05)
            self._reached_today.append(reached)

    def _first_touch(self, idx, hours_before, agreed, trust, trust_agency, skill, speed=None) -> None:
        """The first touch: research, the fit judgement (accept or reject with a reason) and
        the first contact attempt; a buyer reached now qualifies now. ``speed``: hours from
        arrival to the touch when it is known already (an on-call touch)."""
        s = self.settings
        b = s.behaviour
        L = self.leads
        mk = self.market
        rng = self.streams["work"]
        d = self.day
        clock = WORK_START_HOUR + hours_before
        same_day = L.mql_day[idx] == d
        arrival = L.arrival_hour[idx]
        if speed is None:
            touch_clock = np.where(same_day, np.maximum(clock, arrival), clock)
            speed = np.maximum(calendar_hours(L.mql_day[idx], arrival, d, touch_clock), 0.05)
        L.first_touch_day[idx] = d
        L.last_attempt_day[idx] = d
        self._touched_today.append(idx)
        L.speed_to_lead_hours[idx] = speed
        late = agreed & (speed > s.sla.first_touch_hours) & ~L.sla_breached[idx]
        self._breach(idx[late])
        src = L.source[idx]
        marketing_lead = is_marketing(src)
        self._quarter["touched"] += int(marketing_lead.sum())

        w = L.worker[idx]
        t = np.where(src == _AGENCY, trust_agency[w], trust[w])
        perceived = mk.sales_fit[L.account[idx]] + rng.normal(0.0, b.perception_noise, len(idx)) - b.distrust_bias * (1.0 - t)
        duplicate = mk.open_opportunity[L.account[idx]]
        below = s.sla.enabled & marketing_lead & (L.score[idx] < s.sla.mql_definition_score)
        accept = ~duplicate & ~below & (perceived >= b.accept_bar)
        reason = np.where(duplicate, int(Reason.DUPLICATE), np.where(below, int(Reason.BELOW_DEFINITION), int(Reason.BAD_FIT)))
        # A lead deemed accepted under the SLA cannot be rejected any more: a poor fit found at
        # its first touch is disqualified (recycled) instead, and marketing sees no rejection.
        deemed = L.deemed[idx]
        out = idx[~accept]
        L.reason[out] = reason[~accept]
        rejected = out[~deemed[~accept]]
        disqualified = out[deemed[~accept]]
        L.move(rejected, Stage.REJECTED, d)
        L.move(disqualified, Stage.RECYCLED, d)
        accepted = idx[accept]
        L.move(accepted, Stage.SAL, d)
        self._quarter["accepted"] += int((accept & marketing_lead & ~deemed).sum())
        self._quarter["rejected"] += int((~accept & marketing_lead & ~deemed).sum())

        # Experience moves each worker's trust in the source's function (or the agency).
        self._trust_from_experience(w, accept, src)
        # Feedback on rejections: the SLA makes the reason code mandatory.
        self._feedback_events(rejected, good=False, forced=s.sla.enabled)
        self._feedback_events(disqualified, good=False)
        # A held meeting is a contact; otherwise the touch's first call or email may reach the buyer.
        accepted_speed = speed[accept]
        held = L.contacted[accepted]
        met = accepted[held]  # a booked meeting: the buyer agreed to it, nothing decays (reach_hours stays nan)
        fresh = accepted[~held]
        L.attempts[fresh] = 1
        self._touches_made += len(idx)
        self._attempts_made += len(fresh)
        age = np.maximum(d - L.mql_day[fresh], 0).astype(float)
        p = self._contact_probability(np.ones(len(fresh)), age, skill[L.worker[fresh]])
        hit = rng.random(len(fresh)) < p
        reached = fresh[hit]
        L.contacted[reached] = True
        L.reach_hours[reached] = accepted_speed[~held][hit]
        self._reached_today.append(met)
        self._reached_today.append(reached)

    def _qualify(self, idx: np.ndarray, skill: np.ndarray) -> None:
        """The conversation with a reached buyer, the qualification and the AE's discovery.

        One latent readiness draw ``u`` per buyer (uniform) is read three times, so each stage
        keeps a subset of the one before:

        * **SAL** (accepted after the first conversation): a buyer in a buying window has a
          current project; one without says so with probability
          ``behaviour.no_project_sal_share``. Others are recycled (no need).
        * **SQL** (qualified, handed to an AE): the buyer's readiness -- need, intent and the
          response time when reached (HBR 2011's decay), ``qualify_base`` x skill x need x
          timing -- clears the qualifier's bar. An SDR's short call passes buyers
          ``behaviour.sdr_handover_leniency`` times as readily as the AE's discovery keeps them,
          less so the more of the SDR's pay is on shared revenue (none at all when it all is);
          an AE who qualifies a lead itself does its discovery in the same meeting.
        * **Opportunity**: the AE's discovery meeting (``work.discovery_hours`` of the AE's
          time, for every SQL handed over) keeps buyers whose readiness clears the full bar;
          an SDR's SQL it does not keep is recycled (reason ``DISCOVERY``).

        The qualification call takes ``work.qualify_hours`` of the worker's time.
        """
        s = self.settings
        b = s.behaviour
        L = self.leads
        mk = self.market
        rng = self.streams["work"]
        d = self.day
        worker = L.worker[idx]
        self._charge_hours(worker, s.work.qualify_hours)
        acc = L.account[idx]
        in_market = mk.in_market[acc]
        need = np.where(in_market, 0.55 + 0.45 * L.intent[idx], 0.0)
        chance = np.where(in_market, need, b.out_of_market_need)
        timing = timing_factor(L.reach_hours[idx], b.response_decay_persistent_share)
        ready = np.clip(b.qualify_base * skill[worker] * chance * timing, 0.0, 1.0)
        # An SDR paid per SQL passes marginal buyers; the revenue share of the SDR's own pay
        # plan (``sdr.shared_revenue_weight``; none for an agency) takes that away.
        revenue_weight = np.zeros(len(self._by_id))
        for sdr in self.sdrs:
            revenue_weight[sdr.unique_id] = sdr.pay_shared_weight()
        leniency = 1.0 + (b.sdr_handover_leniency - 1.0) * (1.0 - revenue_weight[worker])
        handover = ~self._is_ae[worker]
        sql_bar = np.where(handover, np.minimum(ready * leniency, 1.0), ready)
        u = rng.random(len(idx))
        # The first conversation: sales accepts the buyer (SAL) or recycles it (no project).
        first = L.sal_day[idx] < 0  # an outbound prospect was a SAL from its first conversation
        sal = ~first | in_market | (u < np.maximum(b.no_project_sal_share, sql_bar))
        L.sal_day[idx[first & sal]] = d
        # One open opportunity per account: a second qualified lead joins the buying group.
        is_sql = sal & (u < sql_bar) & ~mk.open_opportunity[acc]
        ok = is_sql & (u < ready)
        no = idx[~is_sql]
        L.reason[no] = Reason.NO_NEED
        L.move(no, Stage.RECYCLED, d)
        self._feedback_events(no, good=False)
        # SDR-qualified buyers the AE's discovery does not keep: the AE's hours are spent.
        dropped = idx[is_sql & ~ok]
        if len(dropped):
            L.sql_day[dropped] = d
            L.ae[dropped] = self.ae_ids[rng.integers(0, len(self.ae_ids), len(dropped))]
            self._charge_hours(L.ae[dropped], s.work.discovery_hours)
            L.reason[dropped] = Reason.DISCOVERY
            L.move(dropped, Stage.RECYCLED, d)
            self._feedback_events(dropped, good=False)
            if s.sdr.sourcing == "in_house":
                self.costs["sdr_bonuses"] += len(dropped) * s.sdr.bonus_per_sql_usd
            self.sqls_disqualified += len(dropped)
        won = idx[ok]
        if len(won) == 0:
            return
        L.need[won] = need[ok]
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
        self._charge_hours(L.ae[won], s.work.discovery_hours)
        L.value[won] = mk.deal_size[acc] * rng.uniform(0.8, 1.2, n)
        cycle = np.maximum(1, np.round(mk.cycle_working_days[acc] * np.exp(rng.normal(0.0, 0.3, n)))).astype(np.int32)
        L.close_day[won] = d + cycle
        L.move(won, Stage.SQL, d)
        mk.open_opportunity[acc] = True
        # An in-market buyer's window lasts at least until the decision; a buyer with no
        # current need stays out of market (the opportunity is real, the need is not).
        inm = mk.in_market[acc]
        mk.window_end[acc[inm]] = np.maximum(mk.window_end[acc[inm]], d + cycle[inm])
        self.pipeline_created += float(L.value[won].sum())
        sdr_made = worker[~is_ae]
        if len(sdr_made) and s.sdr.sourcing == "in_house":
            self.costs["sdr_bonuses"] += len(sdr_made) * s.sdr.bonus_per_sql_usd
        self._feedback_events(won, good=True)

    def count_queues(self) -> None:
        """Hours each worker's own lead queue would take today (open MQLs and pending attempts)."""
        L = self.leads
        size = len(self._by_id)
        mql = L.open_in(Stage.MQL)
        sal = L.open_in(Stage.SAL)
        sal = sal[~L.contacted[sal]]
        hours = self.settings.work.touch_hours * np.bincount(L.worker[mql], minlength=size)
        hours += self.settings.work.attempt_hours * np.bincount(L.worker[sal], minlength=size)
        self.queue_hours = hours

    def route_overflow(self) -> None:
        """Routing: an MQL its SDR has not touched within ``sdr.overflow_after_hours`` passes to
        an AE (the AE with the fewest open MQLs first), once."""
        hours = self.settings.sdr.overflow_after_hours
        if hours <= 0 or not self.aes:
            return
        L = self.leads
        mql = L.open_in(Stage.MQL)
        mql = mql[~self._is_ae[L.worker[mql]] & (L.source[mql] != _AGENCY)]
        if len(mql) == 0:
            return
        waited = calendar_hours(L.mql_day[mql], L.arrival_hour[mql], self.day, WORK_START_HOUR)
        moved = mql[waited > hours]
        if len(moved) == 0:
            return
        everyone = L.open_in(Stage.MQL)
        load = np.bincount(L.worker[everyone], minlength=len(self._by_id))[self.ae_ids].astype(float)
        order = (load + self.streams["work"].random(len(load)) * 1e-3).argsort(kind="stable")
        L.worker[moved] = self.ae_ids[order[np.arange(len(moved)) % len(order)]]
        self.mqls_overflowed += len(moved)

    def age_out(self) -> None:
        L = self.leads
        mql = L.open_in(Stage.MQL)
        old = mql[(self.day - L.mql_day[mql]) >= self.settings.work.mql_max_age_days]
        if len(old):
            L.move(old, Stage.NEVER_WORKED, self.day)
            self._quarter["never_worked"] += int(is_marketing(L.source[old]).sum())
            self._marketing_experience(old, 0.0)

    def check_sla(self) -> None:
        """The SLA's clock: breaches of the first-touch deadline, the reject window and the
        weekly breach review."""
        s = self.settings
        if not s.sla.enabled:
            return
        L = self.leads
        mql = L.open_in(Stage.MQL)
        agreed = is_marketing(L.source[mql]) & (L.score[mql] >= s.sla.mql_definition_score) & (L.mql_day[mql] >= self.sla_start_day)
        waited = calendar_hours(L.mql_day[mql], L.arrival_hour[mql], self.day, 24.0)
        self._breach(mql[agreed & (waited > s.sla.first_touch_hours) & ~L.sla_breached[mql]])
        # The reject window: an agreed MQL that sales has neither accepted nor rejected within
        # ``reject_window_days`` is deemed accepted (the usual SLA term): sales owns it and can
        # no longer reject it. It keeps its work: it stays in its worker's first-touch queue,
        # is judged for fit when touched, and counts as never worked if nobody touches it.
        deemed = mql[agreed & ((self.day - L.mql_day[mql]) >= s.sla.reject_window_days) & ~L.deemed[mql]]
        if len(deemed):
            L.deemed[deemed] = True
            self._quarter["accepted"] += len(deemed)
            self.deemed_accepted += len(deemed)
        if s.sla.breach_review and self.day % 5 == 4:
            # Weekly review: it costs every rep review hours, and a rep's breaches raise the
            # weight the rep puts on the deadline next week.
            reps = self.ae_ids if not len(self.inbound_pool_ids) else np.union1d(self.ae_ids, self.inbound_pool_ids)
            self._charge_hours(reps, s.work.breach_review_hours)
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
        for aid in counts.nonzero()[0]:
            self._by_id[aid].breaches_this_week += int(counts[aid])
