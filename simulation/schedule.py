"""The working clock: working days, calendar hours and when web leads arrive."""

from __future__ import annotations

import numpy as np

WORK_START_HOUR, WORK_END_HOUR = 9.0, 17.0  # the working day; leads arrive around the clock

def arrival_hours(day: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Hour of arrival of ``n`` web leads created on working day ``day``, relative to its midnight.

    Leads arrive around the clock and over weekends; a Monday (``day % 5 == 0``) also
    receives the weekend's leads, so its arrivals spread over the 72 hours before its end.
    """
    low = -48.0 if day % 5 == 0 else 0.0
    return rng.uniform(low, 24.0, n)


def calendar_hours(from_day, from_hour, to_day, to_hour):
    """Calendar hours between (working day, hour) pairs, counting the weekends in between.

    Speed to lead is measured in calendar hours, as in HBR 2011's audit.
    """
    from_day = np.asarray(from_day)
    weekends = to_day // 5 - from_day // 5
    return (to_day - from_day) * 24.0 + 48.0 * weekends + (to_hour - from_hour)
