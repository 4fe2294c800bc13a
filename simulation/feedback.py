"""Submodel 7.8: feedback and trust -- who tells marketing what happened to its leads, and
how each side's trust in the other moves (experience, blame, joint meetings) (ODD 7.8).
"""

from __future__ import annotations

import numpy as np

from .behaviour import feedback_probability
from .leads import _AGENCY, _REJECTED, MARKETING_SOURCES, is_marketing


class FeedbackMixin:
    """Methods of :class:`simulation.model.OrgModel` for this submodel."""

    def _trust_from_experience(self, workers: np.ndarray, good: np.ndarray, src: np.ndarray) -> None:
        rate = self.settings.behaviour.trust_learning_rate
        size = len(self._by_id)
        for agency_flag in (False, True):
            sel = (src == _AGENCY) if agency_flag else is_marketing(src)
            who = workers[sel]
            if len(who) == 0:
                continue
            n = np.bincount(who, minlength=size)
            g = np.bincount(who, weights=good[sel].astype(float), minlength=size)
            ids = n.nonzero()[0]
            # Plain Python numbers: numpy scalar arithmetic costs more than the update itself.
            for aid, count, good_count in zip(ids.tolist(), n[ids].tolist(), g[ids].tolist(), strict=True):
                agent = self._by_id[aid]
                weight = rate * count / (count + 3.0)
                if agency_flag:
                    agent.trust_agency += weight * (good_count / count - agent.trust_agency)
                else:
                    agent.adjust_trust(weight * (good_count / count - agent.trust))

    def _feedback_events(self, idx: np.ndarray, good: bool, forced: bool = False, by_ae: bool = False) -> None:
        """Each worker (or, for a closed deal, its AE) decides whether to spend time telling
        marketing what happened to its lead."""
        L = self.leads
        if len(idx) == 0:
            return
        idx = idx[L.marketer[idx] >= 0]
        n = len(idx)
        if n == 0:
            return
        deciders = (L.ae if by_ae else L.worker)[idx]
        if forced:
            given, givers = idx, deciders
        else:
            give = self.streams["work"].random(n) < self._feedback_prob_table()[deciders]
            given, givers = idx[give], deciders[give]
        k = len(given)
        self.feedback_given += k
        self.feedback_withheld += n - k
        if k:
            L.feedback_given[given] = True
            # Feedback takes the giver's time: charged to their lead hours of the next working day.
            self._charge_hours(givers, self.settings.work.feedback_hours)
            self._pending_feedback.append((L.marketer[given], L.source[given], np.full(k, good)))

    def _worker_tables(self):
        """Today's state of every SDR and AE as arrays indexed by agent id, in one pass.

        Returns trust in marketing, trust in the agency, skill, hours for leads, reservation
        yield (qualified opportunities per hour) and SLA pressure; also fills today's
        feedback-probability table.
        """
        s = self.settings
        size = len(self._by_id)
        rows = np.array([a.work_state() for a in self._worker_list], dtype=float).reshape(-1, 7)
        # One (6, size) array; ids of nobody working leads get (0, 0, skill 1, 0, 0, 0).
        tables = np.zeros((6, size))
        tables[2] = 1.0
        tables[:, self._worker_ids] = rows[:, :6].T
        prob = np.zeros(size)
        prob[self._worker_ids] = feedback_probability(
            self._worker_shared_weight,
            rows[:, 6],
            s.collaboration.feedback_routine,
            self.meeting_recency(),
            self.days_left_in_quarter <= s.sales.quarter_end_window_days,
            s.behaviour,
        )
        self._fb_table, self._fb_table_day = prob, self.day
        return list(tables)

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
            # Per lead: a touch and the attempts reps have been making (as the CRM shows them).
            hours = sum(a.inbound_hours if a.role == "sdr" else a.lead_hours for a in self.inbound_pool)
            per_lead = self.settings.work.touch_hours + self.settings.work.attempt_hours * max(self.attempts_per_touch() - 1.0, 0.0)
            capacity_seen = hours / per_lead * self.quarter_days / len(self.marketers)
        # Pieces and good pieces per (marketer, source), in one pass.
        n_src = len(MARKETING_SOURCES)
        key = self._marketer_pos_table[mids.astype(np.int64)] * n_src + srcs.astype(np.int64)
        size = len(self.marketers) * n_src
        pieces = np.bincount(key, minlength=size).reshape(-1, n_src).tolist()
        goods = np.bincount(key, weights=good.astype(float), minlength=size).reshape(-1, n_src).tolist()
        for m, p, g in zip(self.marketers, pieces, goods, strict=True):
            counts = {int(src): (p[src], int(g[src])) for src in MARKETING_SOURCES if p[src]}
            if counts or capacity_seen is not None:
                m.receive_feedback(counts, capacity_seen)

    def meeting_recency(self) -> float:
        """How present the last joint meeting still is: 1 on its day, fading with the days
        since (``behaviour.meeting_memory_days``); 0 with no meeting yet."""
        if self.days_since_meeting >= 10_000:
            return 0.0
        return float(np.exp(-self.days_since_meeting / self.settings.behaviour.meeting_memory_days))

    def _marketing_experience(self, idx: np.ndarray, outcome: float) -> None:
        """Marketers' trust in sales moves with what happens to their leads (``outcome``: how
        the marketer experiences it, 0 bad to 1 good)."""
        senders = self.leads.marketer[idx]
        self._marketers_experience(senders[senders >= 0], outcome)  # leads no marketer sent (outbound, agency) move no one

    def _marketers_experience(self, senders: np.ndarray, outcome: float) -> None:
        """``_marketing_experience`` for the marketer ids ``senders`` (one entry per lead)."""
        if len(senders) == 0 or not self.marketers:
            return
        rate = self.settings.behaviour.trust_learning_rate
        counts = np.bincount(senders, minlength=len(self._by_id))
        ids = counts.nonzero()[0]
        outcome = float(outcome)
        for mid, n in zip(ids.tolist(), counts[ids].tolist(), strict=True):
            m = self._by_id[mid]
            m.adjust_trust(rate * n / (n + 3.0) * (outcome - m.trust))

    def blame(self, leader, blamer_side: str | None = None) -> None:
        """A leader (or, under one CRO, one function's managers) blames the other function:
        trust falls on both sides.

        Trust here is held by side: marketers trust (or not) sales' follow-up; the people who
        work marketing's leads (AEs and in-house SDRs, whichever org they report to) trust
        (or not) marketing's leads. The blamed side loses ``blame_strength`` of trust and some
        morale; the blaming side, repeating the story, loses half as much.
        """
        b = self.settings.behaviour
        self.blame_events += 1
        if blamer_side is None:
            blamer_side = "marketing" if leader.function == "marketing" else "sales"
        for person in [*self.marketers, *self.sdrs, *self.aes]:
            if person.function == "agency":
                continue
            # People take the side of the org they report to: SDRs in marketing side with
            # marketing (``sdr.owner``), everyone else by function.
            side = "marketing" if person.function == "marketing" else "sales"
            if side == blamer_side:
                person.adjust_trust(-0.5 * b.blame_strength)
            else:
                person.adjust_trust(-b.blame_strength)
                person.adjust_morale(-0.05)
        for other in self.leaders:
            other.adjust_trust(-(0.5 if other is leader else 1.0) * b.blame_strength)

    def _marketing_trust_from_today(self) -> None:
        """How marketers experience what happened to their leads touched today: accepted is
        good; rejected with a reason code is ``behaviour.reason_code_trust_value`` (a reason
        is not good treatment by itself); rejected without one is bad. What happens after
        acceptance counts too (an accepted lead recycled unreached, ``work_leads``), as does a
        lead nobody touched (``age_out``)."""
        L = self.leads
        if not self._touched_today:
            return
        touched = np.concatenate(self._touched_today) if len(self._touched_today) > 1 else self._touched_today[0]
        self._touched_today = []
        senders = L.marketer[touched]
        sent = senders >= 0
        touched, senders = touched[sent], senders[sent]
        if len(touched):
            rejected = L.stage[touched] == _REJECTED
            with_reason = rejected & L.feedback_given[touched]
            self._marketers_experience(senders[~rejected], 1.0)
            self._marketers_experience(senders[with_reason], self.settings.behaviour.reason_code_trust_value)
            self._marketers_experience(senders[rejected & ~with_reason], 0.0)
