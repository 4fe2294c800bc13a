"""Submodel 7.9: the quarter's close -- leaders review their KPI, blame, set quotas and
budgets, and may move budget into an SDR hire (ODD 7.9; the leaders' own rules are in
``agents/leader.py``).
"""

from __future__ import annotations

import numpy as np

from .agents import SDR
from .agents.leader import Leader


class LeadershipMixin:
    """Methods of :class:`simulation.model.OrgModel` for this submodel."""

    def end_quarter(self) -> None:
        q = self._quarter
        resolved = q["touched"] + q["never_worked"]
        stats = {
            "bookings": sum(ae.bookings_this_quarter for ae in self.aes),
            "team_quota": self.team_quota,
            "mqls": q["mqls"],
            "mqls_meeting_definition": q["mqls_meeting_definition"],
            "awareness_change": float(self.market.awareness.mean()) - q["awareness_start"],
            "never_worked_share": q["never_worked"] / resolved if resolved else 0.0,
            "rejection_share": q["rejected"] / (q["accepted"] + q["rejected"]) if (q["accepted"] + q["rejected"]) else 0.0,
        }
        for ae in self.aes:
            self.ae_quarters += 1
            if ae.quota > 0 and ae.bookings_this_quarter >= ae.quota:
                self.ae_quarters_at_quota += 1
                ae.adjust_morale(0.1)
            else:
                ae.adjust_morale(-0.05)
            ae.last_quarter_bookings = ae.bookings_this_quarter
        for leader in self.leaders:
            # A leader's trust reflects their function's.
            if leader.title == "cmo" and self.marketers:
                leader.trust = float(np.mean([m.trust for m in self.marketers]))
            elif leader.title == "vp_sales":
                leader.trust = float(np.mean([a.trust for a in self.aes]))
            leader.review_quarter(stats)
        for leader in self.leaders:
            leader.plan_quarter(stats)
        for ae in self.aes:
            ae.bookings_this_quarter = 0.0
        self._quarter = self._new_quarter_tally()

    def hire_sdr(self, leader: Leader) -> None:
        """A leader moves one SDR's quarterly cost from demand generation into a new hire."""
        s = self.settings
        cost = s.sdr.salary_usd / 4
        if self.dg_budget_per_marketer_quarter * max(len(self.marketers), 1) < cost or len(self.sdrs) >= 1.5 * max(s.sdr.headcount, 1):
            return
        function = "marketing" if s.sdr.owner == "marketing" else "sales"
        sdr = SDR(self, function, s.behaviour.trust_initial_sales_in_marketing)
        sdr.start_day = self.day
        if sdr.motion == "outbound":
            sdr.motion = "inbound"
        self.sdrs.append(sdr)
        self.sdr_budget_moved += cost
        self._refresh_pools()
