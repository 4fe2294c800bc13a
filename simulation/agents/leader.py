"""Leaders: a CMO and a VP Sales, or one CRO/CGO over both.

Quarterly decision rules (the same for every leader):

* **Targets.** The leader over sales sets next quarter's quota per AE at the
  ``quota_percentile`` of last quarter's bookings of ramped AEs, times ``growth_ambition``:
  plans are usually set so that 50-60% of reps reach them (see the brief, People).
* **Budget.** A leader whose own KPI is short-term (MQLs or revenue) and who missed it by
  a gap ``g`` moves brand budget to demand generation: ``brand_share *= 1 - short_termism * g``;
  after a quarter on target it moves back halfway to the planned share. A leader who owns
  both programme budget and the SDR team, is paid mostly on revenue and sees more than 30%
  of MQLs never worked, moves one SDR's cost from demand generation into an SDR hire.
* **Blame.** A leader with another function beside them blames it after a quarter with a
  grievance (own target missed, or the other side's failure: marketing's leads never
  worked, or junk leads rejected) with probability ``min(1, 2 * grievance * (1 - trust))``.
  Blame lowers trust on both sides (see ``Model.blame``). Under a leader over both
  functions the functions' managers still blame each other over the same grievances, at
  ``leadership.combined_blame_factor`` of that rate.
"""

from __future__ import annotations

import numpy as np

from .base import Person


class Leader(Person):
    role = "leader"

    def __init__(self, model, title: str, trust: float) -> None:
        function = {"cmo": "marketing", "vp_sales": "sales", "cro": "revenue"}[title]
        super().__init__(model, function, 10.0, 1.0, 0, trust)
        self.title = title
        self.owns_budget = title in ("cmo", "cro")
        self.owns_sales = title in ("vp_sales", "cro")
        self.adopt_design()
        self.attainment = 1.0

    def adopt_design(self) -> None:
        """Take the design in force: whom this leader owns and what they are measured on
        (at start, and after a timeline step)."""
        s = self.model.settings
        title = self.title
        self.owns_sdrs = title == "cro" or (s.sdr.owner == "marketing" and title == "cmo") or (
            s.sdr.owner == "sales" and title == "vp_sales"
        )
        if title == "cmo":
            self.kpi = s.marketing.kpi
            self.revenue_weight = 1.0 if s.marketing.kpi == "revenue" else s.marketing.shared_revenue_weight
        else:
            self.kpi = "revenue"
            self.revenue_weight = 1.0

    # ------------------------------------------------------------------ quarterly
    def own_attainment(self, q: dict) -> float:
        """Attainment of this leader's own KPI in the quarter that just ended."""
        s = self.model.settings
        if self.kpi == "revenue" or self.title != "cmo":
            target = q["team_quota"]
            own = q["bookings"] / target if target > 0 else 1.0
        elif self.kpi == "mql_volume":
            own = q["mqls"] / max(s.marketing.mql_target_per_quarter, 1.0)
        elif self.kpi == "sla_mqls":
            own = q["mqls_meeting_definition"] / max(s.marketing.mql_target_per_quarter, 1.0)
        else:  # brand
            own = 1.0 if q["awareness_change"] >= 0 else 0.5
        if self.title == "cmo" and self.kpi != "revenue" and self.revenue_weight > 0:
            rev = q["bookings"] / q["team_quota"] if q["team_quota"] > 0 else 1.0
            own = (1 - self.revenue_weight) * own + self.revenue_weight * rev
        return float(own)

    def _side_grievance(self, q: dict, side: str) -> float:
        """The other function's failure as one side sees it: marketing's leads never worked
        (marketing's complaint) or marketing's leads rejected as junk (sales')."""
        lead = self.model.settings.leadership
        if side == "marketing":
            return max(0.0, q["never_worked_share"] - lead.never_worked_tolerance)
        return max(0.0, q["rejection_share"] - lead.rejection_tolerance)

    def grievance(self, q: dict) -> float:
        """How much this leader has to complain about, in [0, 1]."""
        missed = max(0.0, 1.0 - self.attainment)
        other = self._side_grievance(q, "marketing" if self.title == "cmo" else "sales")
        return min(1.0, max(missed, other))

    def review_quarter(self, q: dict) -> None:
        """End of quarter: measure own KPI, maybe blame the other function."""
        model = self.model
        self.attainment = self.own_attainment(q)
        self.adjust_morale(0.1 if self.attainment >= 1 else -0.1)
        rng = model.streams["people"]
        if self.title == "cro":
            # One leader over both: the functions' managers still blame each other, at a
            # lower rate (``leadership.combined_blame_factor``).
            factor = model.settings.leadership.combined_blame_factor
            for side, grievance in (("marketing", self._side_grievance(q, "marketing")), ("sales", self._side_grievance(q, "sales"))):
                if rng.random() < factor * min(1.0, 2.0 * grievance * (1.0 - self.trust)):
                    model.blame(self, side)
            return
        p_blame = min(1.0, 2.0 * self.grievance(q) * (1.0 - self.trust))
        if rng.random() < p_blame:
            model.blame(self)

    def plan_quarter(self, q: dict | None) -> None:
        """Start of quarter: set quotas (sales leader) and budgets (budget owner)."""
        model = self.model
        s = model.settings
        if q is None:
            return
        if self.owns_sales:
            ramped = [ae for ae in model.aes if ae.ramp() >= 1.0]
            if ramped:
                last = np.array([ae.last_quarter_bookings for ae in ramped])
                quota = float(np.percentile(last, s.leadership.quota_percentile)) * s.leadership.growth_ambition
                quota = max(quota, 0.25 * s.sales.quota_per_quarter_usd)  # never below a floor
                for ae in model.aes:
                    ae.quota = quota
        if self.owns_budget:
            short_term = self.kpi in ("mql_volume", "sla_mqls", "revenue") or self.revenue_weight > 0
            gap = max(0.0, 1.0 - self.attainment)
            planned = s.marketing.brand_share
            if short_term and gap > 0:
                model.brand_share *= 1.0 - s.leadership.short_termism * gap
            else:
                model.brand_share += 0.5 * (planned - model.brand_share)
            if (
                self.owns_sdrs
                and self.revenue_weight >= 0.5
                and s.sdr.sourcing == "in_house"
                and q["never_worked_share"] > s.leadership.never_worked_tolerance
            ):
                model.hire_sdr(self)
