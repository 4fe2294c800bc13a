"""Behavioural response curves shared by every agent and design.

Each function states the published figure it rests on or says that it is an assumption.
"""

from __future__ import annotations

import numpy as np

# Oldroyd, McElheran & Elkington, "The Short Life of Online Sales Leads", HBR 2011:
# firms contacting a lead within an hour were nearly 7x as likely to qualify it as firms
# contacting it an hour later, and more than 60x as likely as firms waiting 24 hours or more.
DECAY_HOURS = np.array([1.0, 2.0, 24.0])
DECAY_RELATIVE = np.array([1.0, 1.0 / 7.0, 1.0 / 60.0])
_LOG_HOURS = np.log(DECAY_HOURS)
_LOG_RELATIVE = np.log(DECAY_RELATIVE)


def response_decay(hours: np.ndarray | float) -> np.ndarray:
    """Relative odds of qualifying a lead first touched after ``hours`` (1 within the hour).

    Log-linear interpolation in log(hours) through HBR 2011's points: 1 at one hour,
    1/7 at two hours, 1/60 at 24 hours and beyond. ``nan`` (no inbound moment, e.g. an
    outbound contact) counts as immediate.
    """
    # fmax ignores nan, so a missing time lands on the floor (immediate), like 0 hours.
    h = np.fmax(np.asarray(hours, dtype=float), 1e-6)
    return np.exp(np.interp(np.log(h), _LOG_HOURS, _LOG_RELATIVE))


def timing_factor(hours: np.ndarray | float, persistent_share: float) -> np.ndarray:
    """Multiplier on qualification for a first touch after ``hours``.

    Only the part of a lead's interest tied to its buying moment decays (HBR 2011's curve);
    ``persistent_share`` of it -- buyers whose need outlasts the moment -- does not
    (assumption: the HBR ratios compare firms, not the same lead at different delays).
    """
    return persistent_share + (1.0 - persistent_share) * response_decay(hours)


def logistic(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def feedback_probability(shared_weight, utilisation, routine: bool, meeting_recency: float, quarter_end: bool, b) -> np.ndarray:
    """Chance that a person spends time on feedback about one lead (scalars or arrays).

    Benefit: the shared-revenue weight of the person's pay (better leads pay), a standing
    feedback routine, a recent joint meeting (``meeting_recency``: 1 on the day, fading).
    Cost: how busy the person is, more so at quarter end.
    ``p = logistic(steepness * (benefit - cost))``; every constant is a behaviour parameter
    (``b``: the scenario's behaviour section; all assumptions).
    """
    benefit = b.feedback_shared_benefit * np.asarray(shared_weight, dtype=float)
    benefit = benefit + (b.feedback_routine_benefit if routine else 0.0)
    benefit = benefit + b.feedback_meeting_benefit * meeting_recency
    cost = b.feedback_busy_cost * np.minimum(utilisation, 1.5) * (1.5 if quarter_end else 1.0)
    return 1.0 / (1.0 + np.exp(-b.feedback_steepness * (benefit - cost)))
