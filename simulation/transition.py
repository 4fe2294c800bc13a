"""Submodel 7.10: a change of design part-way through a run (a reorganisation roadmap).

A scenario's ``timeline`` lists changes at quarter starts (``Scenario.phases``). On a
change's first working day, before anything else happens that day, the design in force
(``model.settings``) becomes the next phase's, and the change reaches the *same* people,
market, leads in flight, open deals, learned beliefs and trust. Nothing here sets an
outcome: each lever change works through the rule that reads it, and the change itself
costs only what the mechanisms below say, each with its parameter.

* **Pay plans and KPIs** change the decisions at the next decision point: marketers adopt
  their new KPI and pay weights at once and act on them at their next weekly decision
  (Mondays); AEs' and SDRs' plans are read by each day's decisions; leaders judge the
  quarter that starts by their new KPI. Beliefs (lead scores' error, beliefs about
  sources, what sales can work), thresholds and quotas carry over.
* **A reorganisation** (the structure changes: two leaders become one CRO/CGO, or back)
  costs everyone's capacity ``leadership.reorg_capacity_loss`` on its first day, falling
  linearly to nothing over ``leadership.reorg_transition_days`` -- the same rule, and the
  same parameters (assumptions, declared in ``uncertainties.yaml``), as a combined org
  that starts on day one. The new leader's trust is the old leaders' mean; the old leaders
  leave. (Marketing ICP learning, budgets moved by leaders and people's morale carry over.)
* **People moving between functions** (the SDR team moves from marketing to sales, or
  back, without a reorganisation of the whole org): each moved person loses capacity by
  the same rule from the day they move (they learn new managers, routines and
  priorities); they keep their trust and take the side of the org they now report to in
  blame.
* **SDRs moved to an agency** (or back): the new team is contracted on the change's day
  and ramps (``sdr.agency.ramp_days`` for an agency, ``sdr.ramp_days`` in house); the
  old team keeps working its queues for ``leadership.sdr_notice_days`` (assumption: two
  weeks' notice, range 0-42) and then leaves; leads still in its queues pass to whoever
  works inbound now (the AEs, when an agency only prospects). A change of headcount hires
  (ramping) or lets the newest SDRs go after the same notice.
* **An SLA** binds from its start day: leads that became MQLs before it are not agreed
  MQLs (no breach clock, no reject window, no attempt floor for them).
* **One agreed ICP, or a clearer strategy**, moves marketers' ICP toward sales' in
  proportion: the distance each marketer's ICP has left is scaled by the ratio of the
  divergence the new levers allow to the divergence the old ones allowed (model setup,
  ODD 7.1); feedback learning then goes on as before.
* **Trust** is not reset by any change: it moves only by the trust mechanisms (lead
  experience, joint meetings, blame; ODD 7.8), at their rates.
"""

from __future__ import annotations

import numpy as np

from .agents import SDR, Leader
from .leads import Stage


def icp_divergence_allowed(scenario) -> float:
    """How far marketing's ICP may sit from sales' under these levers (ODD 7.1)."""
    return scenario.behaviour.icp_divergence * (1.0 - scenario.strategy_clarity) * (0.25 if scenario.collaboration.shared_icp else 1.0)


def capacity_after_change(day: int, start_day: int | None, loss: float, transition_days: int) -> float:
    """Share of people's capacity left ``day - start_day`` working days into a reorganisation:
    ``1 - loss`` on its first day, rising linearly to 1 after ``transition_days``."""
    if start_day is None or transition_days <= 0:
        return 1.0
    elapsed = day - start_day
    if elapsed < 0 or elapsed >= transition_days:
        return 1.0
    return 1.0 - loss * (1.0 - elapsed / transition_days)


class TransitionMixin:
    """Methods of :class:`simulation.model.OrgModel` for this submodel."""

    def _init_transition(self, scenario) -> None:
        phases = scenario.phases() if scenario.timeline else [(0, scenario)]
        self.settings = phases[0][1]
        self.roadmap = scenario
        self._changes = list(phases[1:])
        self.reorg_start_day = 0 if self.settings.structure == "combined" else None
        self.sla_start_day = 0
        self._leaving: list[tuple[int, SDR]] = []
        self.departed_in_house_sdr_ids: list[int] = []
        self.timeline_log: list[dict] = []

    def reorganisation_factor(self) -> float:
        """Today's capacity factor of everyone, from the last reorganisation (if any)."""
        lead = self.settings.leadership
        return capacity_after_change(self.day, self.reorg_start_day, lead.reorg_capacity_loss, lead.reorg_transition_days)

    def apply_timeline(self) -> None:
        """Today's departures, then today's change of design, if one is due."""
        if self._leaving:
            due = [sdr for day, sdr in self._leaving if day <= self.day]
            if due:
                self._leaving = [(day, sdr) for day, sdr in self._leaving if day > self.day]
                self._let_go(due)
        if self._changes and self._changes[0][0] == self.day:
            self._switch(self._changes.pop(0)[1])

    # ------------------------------------------------------------------ the change
    def _switch(self, new) -> None:
        old = self.settings
        d = self.day
        self.settings = new
        log = {"day": d, "quarter": d // self.quarter_days + 1, "changes": []}

        if new.structure != old.structure:
            self.reorg_start_day = d
            self._replace_leaders(new)
            log["changes"].append(f"reorganisation to a {new.structure} structure: capacity loss {new.leadership.reorg_capacity_loss:.0%} "
                                  f"fading over {new.leadership.reorg_transition_days} working days")
        elif new.sdr.owner != old.sdr.owner:
            function = "marketing" if new.sdr.owner == "marketing" else "sales"
            moved = [a for a in self.sdrs if not a.is_agency]
            for sdr in moved:
                sdr.move_to(function, d)
            log["changes"].append(f"{len(moved)} SDRs moved to {function}")
        for leader in self.leaders:
            leader.adopt_design()
        for marketer in self.marketers:
            marketer.adopt_pay_plan()

        before, after = icp_divergence_allowed(old), icp_divergence_allowed(new)
        if after != before and before > 0:
            for marketer in self.marketers:
                marketer.rescale_icp_gap(self.sales_icp, after / before)
            log["changes"].append(f"marketing's ICP gap scaled by {after / before:.2f}")

        m_old, m_new = old.marketing, new.marketing
        if (m_new.brand_share, m_new.enablement_share) != (m_old.brand_share, m_old.enablement_share):
            self.brand_share = m_new.brand_share
            log["changes"].append(f"brand share of budget planned at {m_new.brand_share:.0%}")

        if new.sla.enabled and not old.sla.enabled:
            self.sla_start_day = d
            log["changes"].append("SLA binds MQLs from today")

        self._restaff_sdrs(old, new, log)
        self._refresh_pools()
        self.timeline_log.append(log)

    def _replace_leaders(self, new) -> None:
        """A reorganisation's leaders: the new leader's trust is the old leaders' mean (trust
        moves only by the trust mechanisms); the old leaders leave."""
        old_trust = float(np.mean([leader.trust for leader in self.leaders])) if self.leaders else 0.5
        for leader in self.leaders:
            leader.remove()
        if new.structure == "combined":
            self.leaders = [Leader(self, "cro", old_trust)]
        else:
            mkt = float(np.mean([m.trust for m in self.marketers])) if self.marketers else old_trust
            sales = float(np.mean([a.trust for a in self.aes]))
            self.leaders = [Leader(self, "cmo", mkt), Leader(self, "vp_sales", sales)]

    def _restaff_sdrs(self, old, new, log: dict) -> None:
        d = self.day
        notice = new.leadership.sdr_notice_days
        staying = [a for a in self.sdrs if a not in {s for _, s in self._leaving}]
        if new.sdr.sourcing != old.sdr.sourcing:
            leaving, hires = staying, new.sdr.headcount
            log["changes"].append(f"SDRs sourced {new.sdr.sourcing.replace('_', '-')}: {hires} start and ramp, "
                                  f"{len(leaving)} leave after {notice} working days")
        else:
            for sdr in staying:
                if not sdr.is_agency:
                    sdr.motion = new.sdr.motion
            gap = new.sdr.headcount - len(staying)
            leaving = staying[new.sdr.headcount:] if gap < 0 else []
            hires = max(gap, 0) if new.sdr.headcount != old.sdr.headcount else 0
            if hires or leaving:
                log["changes"].append(f"SDR team from {len(staying)} to {new.sdr.headcount}")
        self._leaving += [(d + notice, sdr) for sdr in leaving]
        function = "marketing" if new.sdr.owner == "marketing" else "sales"
        for _ in range(hires):
            sdr = SDR(self, function, new.behaviour.trust_initial_sales_in_marketing)
            sdr.start_day = d  # the new team ramps
            self.sdrs.append(sdr)
        if not notice and leaving:
            self._leaving = [(day, s) for day, s in self._leaving if s not in leaving]
            self._let_go(leaving)

    def _let_go(self, people: list) -> None:
        """SDRs leave: their open leads (waiting for a first touch, or accepted and being
        contacted) pass to whoever works inbound now, the least loaded first."""
        gone = np.array([p.unique_id for p in people], dtype=np.int64)
        for person in people:
            if not person.is_agency:
                self.departed_in_house_sdr_ids.append(person.unique_id)
            self.sdrs.remove(person)
            person.remove()
        self._refresh_pools()
        L = self.leads
        open_leads = np.concatenate([L.open_in(Stage.MQL), L.open_in(Stage.SAL)])
        orphans = open_leads[np.isin(L.worker[open_leads], gone)]
        if len(orphans) and len(self.inbound_pool_ids):
            load = np.bincount(L.worker[open_leads], minlength=len(self._by_id))[self.inbound_pool_ids]
            order = np.argsort(load, kind="stable")
            L.worker[orphans] = self.inbound_pool_ids[order[np.arange(len(orphans)) % len(order)]]
