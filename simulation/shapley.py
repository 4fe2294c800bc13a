"""Shapley values of a cooperative game, exact or by permutation sampling.

Used by :mod:`simulation.explanation` (``orgsim explain``), kept free of the simulation
so it can be tested on synthetic games. A game is a list of players and a value
function ``v(coalition) -> array`` (a ``frozenset`` of players in, a number or a NumPy
array out: ``explain`` returns one value per replication and outcome, so every
replication gets its own Shapley values and they add up exactly within it).

* **Exact** (:func:`exact_shapley`): ``phi_i = sum over S without i of
  |S|! (k-|S|-1)! / k! * (v(S + i) - v(S))`` over all ``2^k`` coalitions.
* **Permutation sampling** (:func:`sampled_shapley`; Castro, Gomez & Tejada 2009): the
  mean over ``m`` random orders of each player's marginal contribution when it joins in
  that order. Orders are drawn in antithetic pairs (an order and its reverse), which
  lowers the variance. Within every order the marginal contributions telescope to
  ``v(N) - v(empty)``, so the sampled values are *efficient exactly*, like the exact ones;
  they are unbiased estimates of the Shapley values otherwise.

:func:`coalitions_needed` lists the coalitions either method evaluates, so a caller can
run them all at once (in parallel) before computing the values.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Sequence

import numpy as np

Coalition = frozenset

MAX_EXACT_PLAYERS = 6
"""Up to this many players the values are exact (2^6 = 64 coalitions); above, sampled."""

DEFAULT_PERMUTATIONS = 32
"""Orders drawn (16 antithetic pairs) when the values are sampled."""


def all_coalitions(players: Sequence[Hashable]) -> list[frozenset]:
    """Every subset of ``players``, smallest first."""
    return [frozenset(c) for r in range(len(players) + 1) for c in itertools.combinations(players, r)]


def sample_orders(players: Sequence[Hashable], permutations: int, seed: int = 0) -> list[tuple]:
    """``permutations`` orders of the players in antithetic pairs (an order, then its reverse)."""
    if permutations < 2:
        raise ValueError("permutations must be at least 2")
    rng = np.random.default_rng(seed)
    orders: list[tuple] = []
    while len(orders) < permutations:
        order = tuple(players[i] for i in rng.permutation(len(players)))
        orders.append(order)
        if len(orders) < permutations:
            orders.append(order[::-1])
    return orders


def coalitions_needed(players: Sequence[Hashable], orders: Sequence[Sequence[Hashable]] | None = None) -> list[frozenset]:
    """The coalitions a computation evaluates: all of them (exact) or the prefixes of ``orders``."""
    if orders is None:
        return all_coalitions(players)
    seen: dict[frozenset, None] = {frozenset(): None}
    for order in orders:
        for j in range(1, len(order) + 1):
            seen.setdefault(frozenset(order[:j]), None)
    return list(seen)


def exact_shapley(players: Sequence[Hashable], value: Callable[[frozenset], np.ndarray]) -> dict[Hashable, np.ndarray]:
    """Exact Shapley values; ``value`` is called once per coalition (cached here)."""
    players = list(players)
    if len(set(players)) != len(players):
        raise ValueError("players must be distinct")
    k = len(players)
    cache = {c: np.asarray(value(c), dtype=float) for c in all_coalitions(players)}
    weights = [math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)]
    out = {}
    for i in players:
        others = [p for p in players if p != i]
        total = np.zeros_like(cache[frozenset()])
        for c in all_coalitions(others):
            total = total + weights[len(c)] * (cache[c | {i}] - cache[c])
        out[i] = total
    return out


def sampled_shapley(
    players: Sequence[Hashable], value: Callable[[frozenset], np.ndarray], orders: Sequence[Sequence[Hashable]]
) -> dict[Hashable, np.ndarray]:
    """Shapley values estimated from the given orders (see :func:`sample_orders`)."""
    players = list(players)
    if not orders:
        raise ValueError("need at least one order")
    cache: dict[frozenset, np.ndarray] = {}

    def v(c: frozenset) -> np.ndarray:
        if c not in cache:
            cache[c] = np.asarray(value(c), dtype=float)
        return cache[c]

    sums = {i: np.zeros_like(v(frozenset())) for i in players}
    for order in orders:
        if sorted(map(repr, order)) != sorted(map(repr, players)):
            raise ValueError("every order must list each player once")
        before: frozenset = frozenset()
        for player in order:
            after = before | {player}
            sums[player] = sums[player] + (v(after) - v(before))
            before = after
    return {i: sums[i] / len(orders) for i in players}


def shapley(
    players: Sequence[Hashable],
    value: Callable[[frozenset], np.ndarray],
    orders: Sequence[Sequence[Hashable]] | None = None,
) -> dict[Hashable, np.ndarray]:
    """Exact values without ``orders``; sampled over ``orders`` with them."""
    return exact_shapley(players, value) if orders is None else sampled_shapley(players, value, orders)
