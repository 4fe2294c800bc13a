"""Marketers: choose the campaign mix and the MQL threshold to do well on their own KPI.

Decision rule (the same in every design). Once a week a marketer evaluates a grid of
(MQL threshold, share of demand-generation budget on broad campaigns) and picks the pair
that maximises the expected value of *their own* pay plan:

    U = (1 - w_shared) * own_kpi + w_shared * expected_revenue / revenue_target

where ``own_kpi`` is MQL volume against target (``mql_volume``), MQLs meeting the agreed
SLA definition (``sla_mqls``) or revenue (``revenue``). A marketer measured on ``brand`` has
nothing at stake in leads and sends what they believe sales can use (expected revenue).
Expected revenue uses the marketer's *beliefs*: the share of good leads per source
(learned from sales feedback, optimistic before any), and the number of leads sales can
work (unknown -- "they'll work everything" -- unless an SLA, a feedback routine or joint
meetings reveal it). A volume KPI therefore pushes the threshold down and the mix toward
cheap broad campaigns; feedback moves beliefs, scoring accuracy and targeting toward what
sales sees.
"""

from __future__ import annotations

import numpy as np

from ..leads import Source
from .base import Person

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)
BROAD_GRID = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
_SOURCES = (Source.CAMPAIGN_BROAD, Source.CAMPAIGN_TARGETED, Source.INBOUND)


class Marketer(Person):
    role = "marketer"

    def __init__(self, model, icp_point: np.ndarray, trust: float) -> None:
        s = model.settings
        super().__init__(model, "marketing", 8.0, 1.0, 0, trust)
        m = s.marketing
        self.kpi = m.kpi
        self.shared_weight = m.shared_revenue_weight
        self.threshold = max(m.default_mql_threshold, self._threshold_floor())
        self.broad_share = 0.5
        self.icp_point = np.array(icp_point, dtype=float)
        self.score_noise = s.behaviour.score_noise_initial
        self.feedback_received = 0
        self.belief_good = {Source.INBOUND: 0.6, Source.CAMPAIGN_BROAD: 0.6, Source.CAMPAIGN_TARGETED: 0.6}
        self.capacity_belief = np.inf  # leads/quarter sales can work, as this marketer believes
        self.score_samples: dict[int, np.ndarray] = {}
        self.kpi_attainment = 1.0
        self.planned_broad = 0
        self.planned_targeted = 0

    def adopt_pay_plan(self) -> None:
        """Take the KPI and pay weights in force; they change decisions from the next
        weekly decision (a timeline step)."""
        m = self.model.settings.marketing
        self.kpi = m.kpi
        self.shared_weight = m.shared_revenue_weight

    def rescale_icp_gap(self, sales_icp: np.ndarray, factor: float) -> None:
        """Move this marketer's ICP toward (factor < 1) or away from sales' ICP."""
        self.icp_point = sales_icp + factor * (self.icp_point - sales_icp)

    # ------------------------------------------------------------------ decisions
    def cost_per_inquiry(self, source: int) -> float:
        m = self.model.settings.marketing
        return m.cost_per_inquiry_broad_usd if source == Source.CAMPAIGN_BROAD else m.cost_per_inquiry_targeted_usd

    def _threshold_floor(self) -> float:
        # Under an SLA marketing may still send leads below the agreed definition; sales may
        # reject them with the reason "below definition", and they do not count toward an
        # SLA-MQL KPI. Whether marketing sends them is the marketer's decision.
        return self.model.settings.marketing.min_mql_threshold

    def expected_utility(self, thresholds: np.ndarray, broad_shares: np.ndarray) -> np.ndarray:
        """Expected pay-plan value for each (threshold, broad share) pair, from beliefs.

        Returns an array of shape (len(thresholds), len(broad_shares)).
        """
        model = self.model
        budget = model.dg_budget_per_marketer_quarter
        s = model.settings
        n_t = len(thresholds)
        # Believed MQL volume, MQLs meeting the agreed definition and good leads per quarter,
        # stacked as three rows: one product and one sum per source.
        totals = np.zeros((3, n_t, len(broad_shares)))
        both_thresholds = np.concatenate([thresholds, np.maximum(thresholds, s.sla.mql_definition_score)])
        for src in _SOURCES:
            samples = self.score_samples.get(int(src))
            if samples is None or len(samples) == 0:
                continue
            if src == Source.INBOUND:
                leads_per_quarter = len(samples) * model.quarter_days / model.sample_window_days  # the same for every mix
            else:
                share = broad_shares if src == Source.CAMPAIGN_BROAD else 1.0 - broad_shares
                leads_per_quarter = budget * share / self.cost_per_inquiry(src)
            # Sorted scores: the share above a threshold and the believed good leads above it
            # come from one searchsorted (plain and agreed-definition thresholds together)
            # and a running sum.
            # (ndarray methods and ufuncs called directly: the numpy functions' wrappers cost
            # more than the work on a few hundred scores.)
            ordered = samples.copy()
            ordered.sort()
            n = len(ordered)
            p_good = np.minimum(self.belief_good[src] * 2.0 * ordered, 1.0)
            running = np.empty(n + 1)
            running[0] = 0.0
            np.add.accumulate(p_good, out=running[1:])
            found = ordered.searchsorted(both_thresholds, side="left")
            shares = np.empty((3, n_t))
            np.divide(n - found.reshape(2, n_t), n, out=shares[:2])  # passed; passed and meeting the definition
            np.divide(running[-1] - running[found[:n_t]], n, out=shares[2])  # believed good
            totals += shares[:, :, None] * leads_per_quarter
        volume, counted, good = totals
        worked = np.minimum(1.0, self.capacity_belief / np.maximum(volume, 1e-9))
        revenue = good * worked * model.expected_value_per_good_lead
        target_volume = max(s.marketing.mql_target_per_quarter / max(s.marketing.headcount, 1), 1.0)
        if self.kpi == "mql_volume":
            own = np.minimum(volume / target_volume, s.marketing.volume_pay_cap)
        elif self.kpi == "sla_mqls":
            own = np.minimum(counted / target_volume, s.marketing.volume_pay_cap)
        elif self.kpi == "revenue":
            own = revenue / model.revenue_target_per_marketer
        else:  # brand: nothing lead-related in the pay plan
            own = np.zeros_like(volume)
        shared = revenue / model.revenue_target_per_marketer
        if self.kpi == "brand":
            # With nothing at stake in leads, a marketer sends what they believe sales can use:
            # their only visible success is leads that turn into revenue (a decision rule, the
            # same in every design; it replaces a fixed default threshold).
            return revenue / model.revenue_target_per_marketer
        return (1.0 - self.shared_weight) * own + self.shared_weight * shared

    def decide(self) -> None:
        """Pick threshold and campaign mix maximising expected pay (ties: the better leads)."""
        if not self.score_samples:
            return
        floor = self._threshold_floor()
        grid = THRESHOLD_GRID[THRESHOLD_GRID >= floor - 1e-9]
        if len(grid) == 0:
            grid = np.array([floor])
        utility = self.expected_utility(grid, BROAD_GRID)
        flat = utility.ravel()
        top = flat.max()
        best = (np.abs(flat - top) <= 1e-9 + 1e-6 * abs(top)).nonzero()[0]  # np.isclose, without its overhead
        # Tie-break toward higher thresholds and targeted campaigns (fewer, better leads):
        # the highest threshold index, then the lowest broad-share index.
        n_b = utility.shape[1]
        ti, neg_bi = max((k // n_b, -(k % n_b)) for k in best.tolist())
        self.threshold = float(grid[ti])
        self.broad_share = float(BROAD_GRID[-neg_bi])

    # ------------------------------------------------------------------ learning
    def receive_feedback(self, source_counts: dict[int, tuple[int, int]], capacity_seen: float | None) -> None:
        """Learn from sales feedback: (pieces, good) per source, and what sales can work.

        Feedback sharpens scoring (noise falls as 1 / (1 + k * pieces)), moves beliefs about
        each source toward what sales saw, and moves marketing's ICP toward sales'.
        """
        b = self.model.settings.behaviour
        total = 0
        for src, (n, n_good) in source_counts.items():
            if n <= 0:
                continue
            total += n
            # n exponential-smoothing updates toward the observed share, in closed form.
            keep = (1.0 - b.belief_learning) ** n
            if src in self.belief_good:
                self.belief_good[src] = keep * self.belief_good[src] + (1 - keep) * (n_good / n)
        if total:
            self.feedback_received += total
            self.score_noise = b.score_noise_initial / (1.0 + b.feedback_learning * self.feedback_received)
            pull = 1.0 - (1.0 - b.icp_learning) ** total
            self.icp_point += pull * (self.model.sales_icp - self.icp_point)
        if capacity_seen is not None:
            self.capacity_belief = capacity_seen

    # ------------------------------------------------------------------ daily step
    def step(self) -> None:
        model = self.model
        if model.day % 5 == 0:
            self.decide()
        budget_today = model.dg_budget_per_marketer_quarter / model.quarter_days
        rng = model.streams["marketing"]
        n_broad = rng.poisson(budget_today * self.broad_share / self.cost_per_inquiry(Source.CAMPAIGN_BROAD))
        n_targeted = rng.poisson(budget_today * (1 - self.broad_share) / self.cost_per_inquiry(Source.CAMPAIGN_TARGETED))
        self.planned_broad, self.planned_targeted = int(n_broad), int(n_targeted)
