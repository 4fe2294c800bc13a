"""The market: accounts as numpy columns.

Each account has a position in a two-dimensional attribute space (think firm size and
industry fit), a segment that sets its deal size and sales-cycle length, a brand
awareness that builds with brand spend and decays slowly, and buying windows.

* **ICP fit.** Sales' ideal customer profile is a point in attribute space; an account's
  fit to it is a Gaussian kernel of the distance. Marketing targets its own ICP point,
  which diverges from sales' when strategy is unclear and no ICP is shared (seeds 002,
  004); feedback from sales moves it closer.
* **Buying windows.** About 5% of accounts are in market in a quarter (Dawes, B2B
  Institute "95:5"). An out-of-market account's next entry day is drawn from a geometric
  distribution whose rate keeps that share in market in steady state; a window lasts
  ``buying_window_days``. Only comparisons run per day, no per-account draws.
* **Awareness.** ``a += build * S * (1 - a) - decay * a`` per working day, where ``S`` is
  brand spend passed through a two-stage lag of ``behaviour.brand_lag_days`` per stage: a
  change in brand spend starts to show after about two stages (six months at the default)
  and persists (Binet & Field: brand effects begin about six months in and last).
* **The day-one list.** An account entering a buying window puts the company on its
  day-one list with probability ``behaviour.day_one_list_max`` x its awareness at that
  moment (Bain/Google 2022: buyers mostly buy from the vendors on the list they start
  with). Each account has one fixed uniform draw, so the same account, equally aware, makes
  the same choice in every design (common random numbers); the list lasts for the window.
  On the list, a buyer raises its hand at the full ``market.inbound_rate`` (off it, at
  ``behaviour.off_list_hand_raise`` of that) and a deal wins with ``behaviour.brand_win_effect``
  on the logit. So brand reaches bookings through the share of buyers who start with you.
"""

from __future__ import annotations

import numpy as np

from .scenario import Scenario

SEGMENTS = ("smb", "mid_market", "enterprise")
SALES_ICP = np.array([0.65, 0.6])  # sales' ICP point (assumption; only distances matter)
CALENDAR_TO_WORKING = 5 / 7


def _initial_awareness(mean: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Beta(2, 2/mean - 2) draws: mean ``mean``, spread across accounts (assumption)."""
    if mean <= 0:
        return np.zeros(n)
    if mean >= 0.999:
        return np.ones(n)
    return np.clip(rng.beta(2.0, 2.0 / mean - 2.0, n), 0.0, 1.0)


class Awareness:
    """Brand awareness of every account, advanced in O(1) per day.

    Every account follows the same linear recurrence ``a' = a + g (1 - a) - d a`` (brand
    spend reaches all accounts alike), so ``a_i(t) = P(t) a_i(0) + Q(t)`` with two scalars
    updated daily; values are computed only for the accounts looked at. ``g`` is capped at
    ``1 - d`` so awareness stays in [0, 1].
    """

    def __init__(self, initial: np.ndarray, decay: float, build_rate: float, lag_days: float = 1.0, spend_history: float = 0.0) -> None:
        self.initial = initial
        self._initial_mean = float(initial.mean()) if len(initial) else 0.0
        self.decay = decay
        self.build_rate = build_rate
        self.scale = 1.0  # P(t)
        self.offset = 0.0  # Q(t)
        # Brand spend works through a two-stage lag (a gamma-shaped delay): a change in spend
        # reaches awareness after about two stages of ``lag_days`` and then lasts. The stocks
        # start at ``spend_history``, the spend the company has been making.
        self.lag_days = max(float(lag_days), 1.0)
        self.stock = [float(spend_history), float(spend_history)]

    def step(self, brand_spend_per_quarter: float) -> None:
        rate = 1.0 / self.lag_days
        self.stock[0] += rate * (brand_spend_per_quarter - self.stock[0])
        self.stock[1] += rate * (self.stock[0] - self.stock[1])
        gain = min(self.build_rate * self.stock[1] / 1e6, 1.0 - self.decay)
        keep = 1.0 - gain - self.decay
        self.scale *= keep
        self.offset = self.offset * keep + gain

    def __getitem__(self, idx) -> np.ndarray:
        return self.scale * self.initial[idx] + self.offset

    def __len__(self) -> int:
        return len(self.initial)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        values = self.scale * self.initial + self.offset
        return values.astype(dtype) if dtype is not None else values

    def mean(self) -> float:
        return self.scale * self._initial_mean + self.offset


class Market:
    """Accounts and their state; updated once per working day."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator) -> None:
        m = scenario.market
        b = scenario.behaviour
        self.rng = rng
        self.n = m.n_accounts
        shares = np.array([m.segment_shares.smb, m.segment_shares.mid_market, m.segment_shares.enterprise])
        shares = shares / shares.sum() if shares.sum() > 0 else np.array([1.0, 0.0, 0.0])
        self.segment = rng.choice(3, size=self.n, p=shares).astype(np.int8)
        self.attributes = rng.random((self.n, 2))
        # The same two attributes as contiguous columns, for fast distance computations.
        self.attr_x = np.ascontiguousarray(self.attributes[:, 0])
        self.attr_y = np.ascontiguousarray(self.attributes[:, 1])
        self.icp_width = m.icp_width
        self.sales_fit = self.fit_to(SALES_ICP)
        size = np.array([m.deal_size_usd.smb, m.deal_size_usd.mid_market, m.deal_size_usd.enterprise])
        # Deal sizes vary around the segment median (lognormal, sd 0.4 in logs; assumption).
        self.deal_size = size[self.segment] * np.exp(rng.normal(0.0, 0.4, self.n))
        self.mean_deal_size = float(self.deal_size.mean())
        cycle = np.array([m.sales_cycle_days.smb, m.sales_cycle_days.mid_market, m.sales_cycle_days.enterprise])
        self.cycle_working_days = np.maximum(1.0, cycle * CALENDAR_TO_WORKING)[self.segment]
        # Before the run the company spent what sustains today's awareness (the same history
        # for every design), so a design's brand budget shows only after the lag.
        a0 = min(m.awareness_initial, 0.99)
        history = b.awareness_decay * a0 / (1.0 - a0) / b.brand_build_rate * 1e6 if b.brand_build_rate > 0 else 0.0
        self.awareness = Awareness(
            _initial_awareness(m.awareness_initial, self.n, rng), b.awareness_decay, b.brand_build_rate, b.brand_lag_days, history
        )
        self.open_opportunity = np.zeros(self.n, dtype=bool)
        self.list_max = b.day_one_list_max

        # Buying windows: steady-state share s with window length D needs an entry
        # probability per out-of-market day of p = s / (D * (1 - s)). At p = 1 every account
        # re-enters the day after leaving, so shares above D / (D + 1) are capped there.
        share = min(m.in_market_share, 0.999)
        self.window_days = m.buying_window_days
        self.entry_prob = min(1.0, share / (self.window_days * (1 - share))) if share > 0 else 0.0
        in_market = rng.random(self.n) < share
        self.window_end = np.where(in_market, rng.integers(1, self.window_days + 1, self.n), -1).astype(np.int32)
        self.next_entry = np.where(in_market, -1, self._draw_entry(0, self.n)).astype(np.int64)
        self.in_market = in_market
        # Daily in-market counts, for observation.
        self.in_market_count = int(in_market.sum())
        # The day-one list: one fixed draw per account (drawn last, so the draws above are
        # those of a market without it); decided when a window opens.
        self.list_draw = rng.random(self.n)
        self.on_list = np.zeros(self.n, dtype=bool)
        self._decide_list(np.flatnonzero(in_market))

    def _decide_list(self, accounts: np.ndarray) -> None:
        """Accounts opening a buying window decide whether the company is on their day-one list."""
        if len(accounts):
            self.on_list[accounts] = self.list_draw[accounts] < self.list_max * self.awareness[accounts]

    def on_list_share(self) -> float:
        """Share of in-market accounts with the company on their day-one list."""
        inm = self.in_market
        n = int(np.count_nonzero(inm))
        return float(np.count_nonzero(self.on_list & inm)) / n if n else 0.0

    def fit_to(self, icp_point: np.ndarray) -> np.ndarray:
        """Gaussian-kernel fit of every account to an ICP point, in [0, 1]."""
        return self.fit_of(np.arange(self.n), icp_point[0], icp_point[1])

    def fit_of(self, accounts: np.ndarray, icp_x, icp_y) -> np.ndarray:
        """Gaussian-kernel fit of ``accounts`` to ICP points (scalars or one per account)."""
        dx = self.attr_x[accounts] - icp_x
        dy = self.attr_y[accounts] - icp_y
        return np.exp((dx * dx + dy * dy) / (-2 * self.icp_width**2))

    def _draw_entry(self, day: int, size: int) -> np.ndarray:
        if self.entry_prob <= 0:
            return np.full(size, np.iinfo(np.int64).max // 2)
        return day + self.rng.geometric(self.entry_prob, size)

    def step(self, day: int, brand_spend_per_quarter: float) -> None:
        """Advance buying windows and awareness by one working day."""
        leaving = (self.in_market & (self.window_end <= day)).nonzero()[0]
        if len(leaving):
            self.in_market[leaving] = False
            self.on_list[leaving] = False
            self.window_end[leaving] = -1
            self.next_entry[leaving] = self._draw_entry(day, len(leaving))
        # Today's entries: one comparison over the accounts (cheaper than bucketing entry days
        # in Python, even at a million accounts). Entry days lie in the future when drawn.
        entering = (self.next_entry == day).nonzero()[0]
        entering = entering[~self.in_market[entering]]
        if len(entering):
            self.in_market[entering] = True
            self.window_end[entering] = day + self.window_days
            self.next_entry[entering] = -1
            self._decide_list(entering)
        self.in_market_count = int(np.count_nonzero(self.in_market))
        self.awareness.step(brand_spend_per_quarter)
