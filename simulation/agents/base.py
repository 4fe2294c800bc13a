"""What every person has: capacity, skill, ramp, trust in the other function, morale."""

from __future__ import annotations

import mesa


class Person(mesa.Agent):
    """A member of the revenue team.

    Attributes:
        function: ``"marketing"``, ``"sales"`` or ``"agency"`` -- whose org the person sits in.
        hours_per_day: contracted working hours.
        skill: productivity relative to a typical in-house rep (1.0).
        ramp_days: working days to reach full capacity; ``start_day`` is the hire day.
        trust: trust in the other function, in [0, 1].
        morale: in [0, 1]; scales effective capacity between 85% and 100% (assumption).
    """

    role = "person"

    def __init__(self, model, function: str, hours_per_day: float, skill: float, ramp_days: int, trust: float) -> None:
        super().__init__(model)
        self.function = function
        self.hours_per_day = hours_per_day
        self.skill = skill
        self.ramp_days = ramp_days
        self.start_day = -ramp_days  # staff at the start are fully ramped
        self.trust = trust
        self.morale = 0.7
        self.capacity_hours = hours_per_day
        self.moved_day: int | None = None  # the day a timeline step moved this person to another function

    def ramp(self) -> float:
        """Linear ramp from 25% on the first day to 100% after ``ramp_days``."""
        if self.ramp_days <= 0:
            return 1.0
        tenure = self.model.day - self.start_day
        if tenure >= self.ramp_days:
            return 1.0  # what the line gives from there on: 0.25 + 0.75 x tenure / ramp_days >= 1
        return min(1.0, 0.25 + 0.75 * max(tenure, 0) / self.ramp_days)

    def available_hours(self) -> float:
        """Today's effective working hours: ramp, morale and any reorganisation disruption,
        less the hours yesterday's work carried into today (qualification calls, discovery
        meetings, feedback, breach reviews)."""
        model = self.model
        hours = self.hours_per_day * self.ramp() * (0.85 + 0.15 * self.morale) * model.transition_factor
        if self.moved_day is not None:
            hours *= self.move_factor()
        due = model._hours_due
        uid = self.unique_id
        return max(hours - (float(due[uid]) if uid < len(due) else 0.0), 0.0)  # a Python float: cheaper arithmetic after

    def move_factor(self) -> float:
        """Capacity left after moving to another function (a timeline step): the
        reorganisation's rule for the one who moved (``transition.capacity_after_change``)."""
        from ..transition import capacity_after_change

        lead = self.model.settings.leadership
        return capacity_after_change(self.model.day, self.moved_day, lead.reorg_capacity_loss, lead.reorg_transition_days)

    def move_to(self, function: str, day: int) -> None:
        """Report to another function from ``day`` (trust and skill go along)."""
        self.function = function
        self.moved_day = day

    def adjust_trust(self, delta: float) -> None:
        self.trust = min(1.0, max(0.0, self.trust + delta))

    def adjust_morale(self, delta: float) -> None:
        self.morale = min(1.0, max(0.0, self.morale + delta))

    def pay_shared_weight(self) -> float:
        """Weight of shared revenue in this person's own pay plan."""
        s = self.model.settings
        if self.role == "sdr":
            return 0.0 if self.function == "agency" else s.sdr.shared_revenue_weight
        if self.function == "marketing":
            return 1.0 if s.marketing.kpi == "revenue" else s.marketing.shared_revenue_weight
        if self.function == "sales":
            return s.sales.shared_revenue_weight
        return 0.0

    # Prospecting yield: expected qualified opportunities per hour of outbound, learned.
    outbound_yield = 0.0
    outbound_hours = 0.0

    def learn_outbound_yield(self, sql_expected: float) -> None:
        """Learn the yield of prospecting per hour (exponential smoothing over days)."""
        if self.outbound_hours > 0:
            self.outbound_yield = 0.9 * self.outbound_yield + 0.1 * sql_expected / self.outbound_hours

    def utilisation(self) -> float:
        return 1.0
