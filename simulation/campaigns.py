"""Submodel 7.3: marketing campaigns, hand-raisers and lead scoring (ODD 7.3).

Marketers' weekly decisions live in ``agents/marketer.py``; this module turns their
planned volumes into campaign responses, draws hand-raisers from in-market, aware accounts
and scores every new marketing lead (MQL or inquiry).
"""

from __future__ import annotations

import numpy as np

from .leads import MARKETING_SOURCES, Source, Stage, is_marketing
from .schedule import arrival_hours

MAX_SAMPLING_ROUNDS = 200
"""Rejection-sampling rounds before a draw is declared impossible (a bound: no input may hang).
At the narrowest allowed ICP (``market.icp_width`` 0.05) a draw needs a handful of rounds."""


class CampaignsMixin:
    """Methods of :class:`simulation.model.OrgModel` for this submodel."""

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
        rounds = 0
        while have < count:
            rounds += 1
            if rounds > MAX_SAMPLING_ROUNDS:
                raise RuntimeError(f"account sampling for {purpose} accepts almost no account (market too narrow for its rules; check market.icp_width)")
            size = int(min(max((count - have) / acceptance * 1.2, 64), 5_000_000))
            cand = rng.integers(0, self.market.n, size=size)
            keep = cand[rng.random(size) * weight_max < weight_fn(cand)]
            acceptance = max(len(keep) / size, 1e-3)
            out.append(keep)
            have += len(keep)
        self._acceptance[purpose] = acceptance
        return np.concatenate(out)[:count] if len(out) > 1 else out[0][:count]

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
        # With the account responses come responses from people who are not buyers at any
        # account (students, job seekers, vendors, personal addresses): lead scoring's
        # firmographic checks screen every one of them out, so they are counted as
        # inquiries and go no further (``market.non_buyer_inquiry_share``).
        share = s.market.non_buyer_inquiry_share
        if share > 0:
            self.non_buyer_inquiries += int(self.streams["screened"].poisson(n * share / (1.0 - share)))
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
            workers = self._route_new_mqls(k)
            idx = self.leads.add(self.day, Stage.MQL, worker=workers, **{key: v[is_mql] for key, v in columns.items()})
            self.leads.mql_day[idx] = self.day
            self._quarter["mqls"] += k
            self._quarter["mqls_meeting_definition"] += int((score[is_mql] >= s.sla.mql_definition_score).sum())

    def _route_new_mqls(self, k: int) -> np.ndarray:
        """Who gets today's ``k`` new MQLs: the inbound pool, at random -- except that with
        overflow routing (``sdr.overflow_after_hours`` > 0) the SDR team takes only what it can
        touch within that many hours on top of its backlog, and the rest go straight to AEs
        (so there is no cliff between a small SDR team and none)."""
        rng = self.streams["work"]
        pool = self.inbound_pool_ids
        s = self.settings
        to_sdrs = k
        if s.sdr.overflow_after_hours > 0 and len(self.ae_ids) and not self._is_ae[pool].all():
            L = self.leads
            open_mql = L.open_in(Stage.MQL)
            backlog = int(self._in_pool[L.worker[open_mql]].sum())
            team_hours = sum(a.hours_per_day for a in self.inbound_pool)
            # A lead's work: the touch and the follow-up attempts reps have been making.
            per_lead = s.work.touch_hours + s.work.attempt_hours * max(self.attempts_per_touch() - 1.0, 0.0)
            can_take = team_hours * s.sdr.overflow_after_hours / 24.0 / per_lead - backlog
            to_sdrs = int(np.clip(can_take, 0, k))
        workers = np.empty(k, dtype=np.int64)
        workers[:to_sdrs] = pool[rng.integers(0, len(pool), to_sdrs)]
        workers[to_sdrs:] = self.ae_ids[rng.integers(0, len(self.ae_ids), k - to_sdrs)]
        if k > to_sdrs:
            self.mqls_overflowed += k - to_sdrs
        return rng.permutation(workers)

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
        rounds = 0
        while (short := need - filled).any():
            rounds += 1
            if rounds > MAX_SAMPLING_ROUNDS:
                raise RuntimeError("targeted campaigns find almost no account near marketing's ICP (check market.icp_width)")
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
        """Hand-raisers: in-market buyers come to the vendors on their day-one list (at
        ``market.inbound_rate`` a day), rarely to the others (x ``behaviour.off_list_hand_raise``)."""
        rng = self.streams["inbound"]
        mk = self.market
        rate = self.settings.market.inbound_rate
        inm = np.flatnonzero(mk.in_market)
        raised = inm[rng.random(len(inm)) < rate * np.where(mk.on_list[inm], 1.0, self.settings.behaviour.off_list_hand_raise)]
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
