"""Sales development reps, in-house or an agency's.

Decision rule: split today's hours between working the inbound queue (marketing's MQLs)
and outbound prospecting by the expected number of qualified opportunities per hour of
each (probability matching), where the motion allows both; inside the inbound queue,
work the tasks with the best expected yield first, and only while they beat the best
alternative use of the hour (``lead_work.work_leads``). Hours the lead work leaves free go
to prospecting when the SDR's pay rewards what prospecting yields (a per-SQL bonus or a
revenue share).

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
        self.outbound_reserved = 0.0
        self.sqls_this_quarter = 0

    def prospects_with_free_hours(self) -> bool:
        """Free hours go to prospecting when the SDR's pay rewards what it yields."""
        s = self.model.settings.sdr
        return self.is_agency or self.motion != "inbound" or s.bonus_per_sql_usd > 0 or s.shared_revenue_weight > 0

    def reservation(self) -> float:
        """Lowest expected yield (qualified opportunities per hour) worth a lead task: the
        yield of the best alternative use of the hour."""
        floor = self.model.settings.behaviour.min_task_yield
        return max(floor, self.outbound_yield) if self.prospects_with_free_hours() else floor

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
        hours = max(self.available_hours() - model.meeting_hours_today, 0.0)
        if self.motion == "inbound":
            share_in = 1.0
        elif self.motion == "outbound":
            share_in = 0.0
        else:
            # Cover the own inbound queue first while it pays at least as well as prospecting;
            # otherwise give it a share of time matching its relative yield.
            need = float(model.queue_hours[self.unique_id])
            total = self.inbound_yield + self.outbound_yield
            matching = self.inbound_yield / total if total > 0 else 0.5
            covered = need if self.inbound_yield >= self.outbound_yield else matching * hours
            share_in = min(1.0, covered / hours) if hours > 0 else 0.0
        self.inbound_hours = hours * share_in
        self.outbound_reserved = hours - self.inbound_hours
        self.outbound_hours = 0.0  # set after the day's lead work (``OrgModel.work_leads``)
        self.capacity_hours = hours

    def record_inbound_yield(self, sql_expected: float, hours: float) -> None:
        if hours > 0:
            self.inbound_yield = 0.9 * self.inbound_yield + 0.1 * sql_expected / hours
