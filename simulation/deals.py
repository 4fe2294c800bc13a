"""Submodel 7.7: deals -- attention, deal timing at quarter end, and outcomes (ODD 7.7)."""

from __future__ import annotations

import numpy as np

from .behaviour import logistic
from .leads import Stage

NEED_CENTRE = 0.8
"""Mean need of an in-market buyer at qualification (0.55 + 0.45 x mean intent): the win
logit's need term is zero there, so ``win_intercept`` keeps its meaning for such a buyer."""


class DealsMixin:
    """Methods of :class:`simulation.model.OrgModel` for this submodel."""

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

    def count_deals(self) -> None:
        """Each AE's deal load today, in hours, by stage (ODD 7.7): a deal in negotiation (its
        last ``work.negotiation_days`` before the decision) needs ``work.negotiation_hours_per_day``,
        an earlier one ``work.deal_hours_per_day``; the proposal takes ``work.proposal_hours``
        once, on the day a deal is halfway from qualification to its decision. Deals due
        within the quarter-end window are counted apart (they get priority there)."""
        w = self.settings.work
        L = self.leads
        sql = L.open_in(Stage.SQL)
        size = len(self._by_id)
        ae_ids = L.ae[sql]
        to_go = L.close_day[sql] - self.day
        hours = np.where(to_go <= w.negotiation_days, w.negotiation_hours_per_day, w.deal_hours_per_day)
        late = self._is_late(sql)
        open_n = np.bincount(ae_ids, minlength=size)
        late_n = np.bincount(ae_ids[late], minlength=size)
        late_h = np.bincount(ae_ids[late], weights=hours[late], minlength=size)
        other_h = np.bincount(ae_ids[~late], weights=hours[~late], minlength=size)
        for ae in self.aes:
            i = ae.unique_id
            ae.open_deals = int(open_n[i])
            ae.late_deals = int(late_n[i])
            ae.late_need_hours = float(late_h[i])
            ae.other_need_hours = float(other_h[i])
        halfway = L.sql_day[sql] + (L.close_day[sql] - L.sql_day[sql]) // 2 == self.day
        self._charge_hours(ae_ids[halfway], w.proposal_hours)

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
        # Need and intent drive the decision: a buyer with no current need mostly decides
        # nothing, and wins less (need is 0.55-1 for an in-market buyer, 0 without a need).
        need = L.need[due]
        p_nd = np.clip(b.no_decision_base + b.no_decision_neglect * np.maximum(0.0, 1.0 - attention) + b.no_decision_no_need * (need <= 0), 0.0, 0.95)
        u_win = (
            self.settings.behaviour.win_intercept
            + b.win_need * (need - NEED_CENTRE)
            + self.settings.behaviour.win_fit * (mk.sales_fit[acc] - 0.5)
            + b.brand_win_effect * mk.on_list[acc]
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
