"""Account executives: work deals, and MQLs when no SDR works them; accept or reject.

Decision rules (the same in every design):

* **Time.** Open deals come first (they carry the AE's commission); leads get the hours
  left. In the last ``quarter_end_window_days`` of a quarter an AE below quota gives
  late-stage deals extra time (deal bunching: Oyer 1998, Larkin 2014), so new leads wait.
* **Which leads.** A lead task (a first touch, one more attempt) is worth doing if its
  expected yield clears the AE's reservation -- the AE's own prospecting yield where the
  pay plan rewards self-sourcing -- which rises at quarter end and falls with the
  shared-revenue weight of the AE's pay (a team component makes marketing's leads worth
  more to the AE). Hours left after deals and leads go to self-sourcing (prospecting).
* **Load.** ``work.ae_admin_share`` of the day goes to internal work; discovery meetings
  and qualification calls take hours from the next day; an open deal needs hours each day
  by its stage (more in negotiation) and a proposal once (``OrgModel.count_deals``).
* **Feedback.** Feedback on a rejected, recycled or lost marketing lead costs time; it is
  given with a probability that rises with its benefit to the AE (shared revenue weight,
  a feedback routine, a recent joint meeting) and falls with time pressure.
* **Enablement.** Content is used in proportion to trust in marketing.
* **Deal timing.** On a quarter's last day an AE may offer a buyer due to decide early next
  quarter a discount to sign now, and does when the discounted deal pays more this quarter
  (above quota, at the accelerator) than it would next quarter at the base rate (a quarter
  starts below quota). A linear plan (accelerator 1) never pays for that; a team revenue
  component in the pay makes the discount the AE's loss too (Larkin 2014; Oyer 1998).
"""

from __future__ import annotations

import numpy as np

from .base import Person


def pull_in_choices(values, booked: float, quota: float, accelerator: float, discount: float, shared_weight: float) -> np.ndarray:
    """Which deals (values, in the order the AE considers them) to sign now at a discount.

    Pay is in units of the commission rate: this quarter a discounted deal earns the base
    rate up to quota and ``accelerator`` times it above; next quarter the full value would
    earn the base rate. A share ``shared_weight`` of pay follows team revenue, which the
    discount lowers and the timing does not change. Deals are taken in order, each adding
    its discounted value to the AE's bookings. A deal moves only for a gain above a
    billionth of its value: an AE indifferent between the quarters (a linear plan at no
    discount) leaves it where it is, whatever the rounding of the arithmetic.
    """
    keep = 1.0 - discount
    chosen = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(np.asarray(values, dtype=float).tolist()):
        now = keep * v
        below = min(now, max(quota - booked, 0.0))
        pay_now = (1.0 - shared_weight) * (below + accelerator * (now - below)) + shared_weight * now
        if pay_now > v * (1.0 + 1e-9):
            chosen[i] = True
            booked += now
    return chosen


class AccountExecutive(Person):
    role = "ae"

    def __init__(self, model, skill: float, trust: float) -> None:
        s = model.settings
        super().__init__(model, "sales", s.sales.hours_per_day, skill, s.sales.ramp_days, trust)
        self.quota = s.sales.quota_per_quarter_usd
        self.bookings_this_quarter = 0.0
        self.open_deals = 0
        self.late_deals = 0
        self.deal_hours = 0.0
        self.late_need_hours = 0.0
        self.other_need_hours = 0.0
        self.lead_hours = 0.0
        self.attention_late = 1.0
        self.attention_other = 1.0
        self.sla_pressure = 0.0
        self.breaches_this_week = 0
        self.trust_agency = 0.5
        self.works_inbound = False
        self.outbound_yield = s.behaviour.outbound_prior_sql_per_hour
        self.outbound_reserved = 0.0

    # ------------------------------------------------------------------ decisions
    def quota_gap(self) -> float:
        if self.quota <= 0:
            return 0.0
        return max(0.0, 1.0 - self.bookings_this_quarter / self.quota)

    def at_quarter_end(self) -> bool:
        return self.model.days_left_in_quarter <= self.model.settings.sales.quarter_end_window_days

    def prospects_with_free_hours(self) -> bool:
        """Free hours go to self-sourcing when the pay plan pays on what it yields."""
        s = self.model.settings.sales
        return s.commission_rate > 0 or s.shared_revenue_weight > 0

    def reservation(self) -> float:
        """Lowest expected yield (qualified opportunities per hour) worth a lead task: the
        AE's own prospecting yield where the pay plan rewards it, raised at quarter end by the
        quota gap and lowered by a team-revenue component (marketing's leads pay the AE too)."""
        b = self.model.settings.behaviour
        base = max(b.min_task_yield, self.outbound_yield) if self.prospects_with_free_hours() else b.min_task_yield
        pressure = 1.0 + (self.quota_gap() if self.at_quarter_end() else 0.0)
        return base * (1.0 - b.ae_shared_weight_reservation_cut * self.model.settings.sales.shared_revenue_weight) * pressure

    def utilisation(self) -> float:
        """Share of today's hours committed: all of them if the AE also works the inbound queue."""
        if self.works_inbound:
            return 1.0
        return self.deal_hours / max(self.capacity_hours, 1e-9)

    def work_state(self) -> tuple:
        """(trust, trust in the agency, skill, hours for leads, reservation, SLA pressure,
        utilisation): what the day's lead work needs to know about this person."""
        return (self.trust, self.trust_agency, self.skill, self.lead_hours, self.reservation(), self.sla_pressure, self.utilisation())

    def choose_pull_ins(self, values: np.ndarray) -> np.ndarray:
        """On the quarter's last day: which of the deals due early next quarter (nearest
        first) to sign now at the discount (see :func:`pull_in_choices`)."""
        s = self.model.settings.sales
        return pull_in_choices(values, self.bookings_this_quarter, self.quota, s.accelerator, s.pull_in_discount, s.shared_revenue_weight)

    def enablement_use(self) -> float:
        """Share of available enablement content used: proportional to trust, lifted for a
        while after a joint meeting (the lift fades with the days since the last one)."""
        b = self.model.settings.behaviour
        joint = b.meeting_enablement_lift * np.exp(-self.model.days_since_meeting / b.meeting_memory_days)
        return min(1.0, self.trust * (1.0 + joint))

    def step(self) -> None:
        model = self.model
        admin = 1.0 - model.settings.work.ae_admin_share
        hours = max(0.0, self.available_hours() * admin - model.meeting_hours_today)
        self.capacity_hours = hours
        need = self.late_need_hours  # deal hours by stage (``OrgModel.count_deals``)
        other_need = self.other_need_hours
        boost = model.settings.behaviour.quarter_end_deal_boost if (self.at_quarter_end() and self.quota_gap() > 0) else 1.0
        late_hours = min(hours, need * boost)
        other_hours = min(hours - late_hours, other_need)
        self.attention_late = late_hours / need if need > 0 else 1.0
        self.attention_other = other_hours / other_need if other_need > 0 else 1.0
        self.deal_hours = late_hours + other_hours
        self.lead_hours = hours - self.deal_hours
        self.outbound_hours = 0.0  # free hours after the day's lead work (``OrgModel.work_leads``)
