"""Sales development reps, in-house or an agency's.

Decision rule: split today's hours between working the inbound queue (marketing's MQLs)
and outbound prospecting by the expected number of qualified opportunities per hour of
each (probability matching), where the motion allows both; inside the inbound queue,
work the leads with the best expected payoff first (see the model's first-touch step).

An agency SDR is paid (through its firm) per meeting or by retainer: paid per meeting it
books every contact that agrees to a meeting and clears the contractual quality bar; on a
retainer it books only contacts that show a need, to protect the renewal. It knows the
product less well (noisier judgement of fit) but ramps faster.
"""

from __future__ import annotations

from .base import Person


class SDR(Person):
    role = "sdr"

    def __init__(self, model, function: str, trust: float) -> None:
        s = model.settings
        agency = s.sdr.sourcing == "agency"
        skill = s.sdr.agency.product_knowledge if agency else 1.0
        ramp = s.sdr.agency.ramp_days if agency else s.sdr.ramp_days
        super().__init__(model, "agency" if agency else function, s.sdr.hours_per_day, skill, ramp, trust)
        self.is_agency = agency
        self.motion = "outbound" if agency else s.sdr.motion
        self.sla_pressure = 0.0
        self.breaches_this_week = 0
        self.outbound_yield = s.behaviour.outbound_prior_sql_per_hour
        self.inbound_yield = 0.1
        self.inbound_hours = 0.0
        self.outbound_hours = 0.0
        self.sqls_this_quarter = 0

    def max_attempts(self) -> int:
        sla = self.model.settings.sla
        default = self.model.settings.work.default_attempts
        return max(default, sla.min_attempts) if sla.enabled else default

    def reservation(self) -> float:
        """Lowest believed lead quality worth an inbound touch: the value of the alternative."""
        if self.motion == "both":
            # Working a lead is worth it if it beats an hour of prospecting, per hour of touch.
            return self.outbound_yield * self.model.touch_hours
        return 0.0

    def work_state(self) -> tuple:
        """(trust, trust in the agency, skill, hours for leads, reservation, SLA pressure,
        utilisation): what the day's lead work needs to know about this person."""
        return (self.trust, self.trust, self.skill, self.inbound_hours, self.reservation(), self.sla_pressure, self.utilisation())

    def leave_and_replace(self) -> None:
        """Attrition: the seat is refilled at once by a new hire who must ramp (tenure ~14 months)."""
        self.start_day = self.model.day
        self.trust = self.model.settings.behaviour.trust_initial_sales_in_marketing
        self.sla_pressure = 0.0

    def step(self) -> None:
        model = self.model
        if not self.is_agency and model.streams["people"].random() < 1.0 / model.settings.sdr.tenure_days:
            self.leave_and_replace()
        hours = self.available_hours() - model.meeting_hours_today
        hours = max(hours, 0.0)
        if self.motion == "inbound":
            share_in = 1.0
        elif self.motion == "outbound":
            share_in = 0.0
        else:
            # Cover the own inbound queue first while it pays at least as well as prospecting;
            # otherwise give it a share of time matching its relative yield.
            need = model.queue_hours.get(self.unique_id, 0.0)
            total = self.inbound_yield + self.outbound_yield
            matching = self.inbound_yield / total if total > 0 else 0.5
            covered = need if self.inbound_yield >= self.outbound_yield else matching * hours
            share_in = min(1.0, covered / hours) if hours > 0 else 0.0
        self.inbound_hours = hours * share_in
        self.outbound_hours = hours - self.inbound_hours
        self.capacity_hours = hours

    def learn_outbound_yield(self, sql_expected: float) -> None:
        """Learn the yield of prospecting per hour (exponential smoothing over days)."""
        if self.outbound_hours > 0:
            self.outbound_yield = 0.9 * self.outbound_yield + 0.1 * sql_expected / self.outbound_hours

    def record_inbound_yield(self, sql_expected: float, hours: float) -> None:
        if hours > 0:
            self.inbound_yield = 0.9 * self.inbound_yield + 0.1 * sql_expected / hours
