"""The lead store: every lead and opportunity as numpy columns.

A lead is in exactly one :class:`Stage` at every step; every stage change goes through
:meth:`LeadStore.move`, which timestamps it. Leads that can still change (MQL, SAL, SQL)
are tracked in an index of open leads so the daily work is proportional to the open
leads, not to every lead ever created.

Stages (the demand waterfall, as a RevOps team defines it):

``INQUIRY``      a hand-raiser or campaign response from an account, scored below the MQL threshold
                 (nurture). Inquiries from people who are not buyers at an account are screened
                 out by scoring and only counted (``OrgModel.non_buyer_inquiries``)
``MQL``          passed marketing's threshold (or an agency-booked meeting), waiting for a first touch
                 (a lead deemed accepted under an SLA stays here until someone touches it)
``SAL``          open and being worked: the rep who first touched it accepted it for follow-up
                 (``accepted_day``) and is trying to reach the buyer. In the waterfall a lead is a
                 SAL once sales accepts it *after a first conversation* (``sal_day``): the buyer was
                 reached and has a current project (or says so)
``REJECTED``     rejected at first touch, with a reason code
``SQL``          an open opportunity: qualified by an SDR or AE (``sql_day``: the waterfall's SQL)
                 and kept by the AE's discovery. An SDR's SQL the AE's discovery disqualifies is
                 recycled (reason ``DISCOVERY``), so ``sql_day`` marks SQLs and the SQL stage
                 (and its outcomes) opportunities
``WON`` / ``LOST`` / ``NO_DECISION``   the opportunity's outcome
``RECYCLED``     accepted but not qualified (no contact: another attempt was not worth it; no current
                 project or no need; disqualified at discovery; or, for a lead deemed accepted under
                 an SLA, a poor fit found at its first touch)
``NEVER_WORKED`` an MQL that aged out without a first touch
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stage(IntEnum):
    INQUIRY = 0
    MQL = 1
    SAL = 2
    REJECTED = 3
    SQL = 4
    WON = 5
    LOST = 6
    NO_DECISION = 7
    RECYCLED = 8
    NEVER_WORKED = 9


STAGE_NAMES = [s.name.lower() for s in Stage]
OPEN_STAGES = (Stage.MQL, Stage.SAL, Stage.SQL)
# Plain-int codes for array comparisons: numpy probes an IntEnum's type for array hooks on every use.
_MQL, _SAL, _SQL = (int(code) for code in OPEN_STAGES)
_STAMPED = {_MQL: "mql_day", _SAL: "accepted_day", _SQL: "sql_day"}  # the column a move into the stage stamps
_CLOSED = frozenset(int(code) for code in (Stage.WON, Stage.LOST, Stage.NO_DECISION))


class Source(IntEnum):
    INBOUND = 0  # hand-raiser (brand-driven)
    CAMPAIGN_BROAD = 1  # broad, low-intent demand-generation campaign
    CAMPAIGN_TARGETED = 2  # targeted demand-generation campaign
    SDR_OUTBOUND = 3  # in-house prospecting (SDRs, and AEs self-sourcing)
    AGENCY = 4  # meeting booked by an SDR agency


MARKETING_SOURCES = (Source.INBOUND, Source.CAMPAIGN_BROAD, Source.CAMPAIGN_TARGETED)
_LAST_MARKETING_SOURCE = int(Source.CAMPAIGN_TARGETED)
_AGENCY, _REJECTED = int(Source.AGENCY), int(Stage.REJECTED)  # plain ints, as _MQL, _SAL, _SQL


def is_marketing(source: np.ndarray) -> np.ndarray:
    """True where a lead came from marketing (inbound or a campaign), as opposed to SDRs or an agency."""
    return source <= _LAST_MARKETING_SOURCE


class Reason(IntEnum):
    NONE = 0
    BAD_FIT = 1  # rejected: the account is not a fit
    DUPLICATE = 2  # rejected: the account already has an open opportunity
    BELOW_DEFINITION = 3  # rejected: below the SLA's agreed MQL definition
    NO_CONTACT = 4  # recycled: not reached, and another attempt was not worth the rep's time
    NO_NEED = 5  # recycled: reached, no current project or no buying need
    DISCOVERY = 6  # recycled: an SDR's SQL the AE's discovery did not keep as an opportunity


_COLUMNS: dict[str, tuple[type, float]] = {
    # identity and origin
    "account": (np.int32, -1),
    "source": (np.int8, 0),
    "marketer": (np.int32, -1),  # marketer whose campaign produced it (-1: none)
    "intent": (np.float32, 0.0),
    "score": (np.float32, 0.0),  # marketing's lead score
    "basis": (np.float64, 0.0),  # what a rep judges it on: the score, or the account's fit for outbound / agency leads
    "arrival_hour": (np.float32, 0.0),  # hour of day the lead arrived (0-24)
    # stage and timestamps (working-day index; -1 = not reached)
    "stage": (np.int8, 0),
    "stage_day": (np.int32, -1),
    "created_day": (np.int32, -1),
    "mql_day": (np.int32, -1),
    "first_touch_day": (np.int32, -1),
    "accepted_day": (np.int32, -1),  # accepted for follow-up at the first touch
    "sal_day": (np.int32, -1),  # the waterfall's SAL: accepted, and a first conversation held
    "sql_day": (np.int32, -1),
    "closed_day": (np.int32, -1),
    "speed_to_lead_hours": (np.float32, np.nan),
    "reach_hours": (np.float32, np.nan),  # calendar hours from arrival until the buyer was reached (nan: an outbound conversation)
    # work
    "worker": (np.int32, -1),  # agent id of the first-touch owner
    "ae": (np.int32, -1),  # agent id of the AE who owns the opportunity
    "attempts": (np.int16, 0),
    "last_attempt_day": (np.int32, -1),
    "deemed": (np.bool_, False),  # deemed accepted under an SLA (the reject window lapsed untouched)
    "contacted": (np.bool_, False),
    "reason": (np.int8, 0),
    "feedback_given": (np.bool_, False),
    "sla_breached": (np.bool_, False),
    # opportunity
    "value": (np.float64, 0.0),
    "discount": (np.float64, 0.0),  # price cut given to sign before a quarter closed (USD)
    "close_day": (np.int32, -1),
    "attention_sum": (np.float32, 0.0),
    "enablement_use": (np.float32, 0.0),
    "need": (np.float32, 0.0),  # the buyer's need at qualification (0: no current need)
}


class LeadStore:
    """Columns of leads, grown geometrically; stage changes are timestamped."""

    def __init__(self, capacity: int = 4096) -> None:
        self.n = 0
        self._capacity = max(16, int(capacity))
        for name, (dtype, fill) in _COLUMNS.items():
            setattr(self, name, np.full(self._capacity, fill, dtype=dtype))
        self.open_idx = np.empty(0, dtype=np.int64)
        self._open_cache: dict[int, np.ndarray] = {}  # open leads by stage, until the next change
        self._open_stages: np.ndarray | None = None  # stages of ``open_idx``, until the next change
        self.stage_counts = np.zeros(len(Stage), dtype=np.int64)
        self.entered = np.zeros(len(Stage), dtype=np.int64)  # cumulative entries per stage

    # ------------------------------------------------------------------ growth
    def _ensure(self, extra: int) -> None:
        need = self.n + extra
        if need <= self._capacity:
            return
        new_cap = max(need, self._capacity * 2)
        for name, (dtype, fill) in _COLUMNS.items():
            old = getattr(self, name)
            grown = np.full(new_cap, fill, dtype=dtype)
            grown[: self.n] = old[: self.n]
            setattr(self, name, grown)
        self._capacity = new_cap

    def add(self, day: int, stage: Stage, **columns: np.ndarray) -> np.ndarray:
        """Append leads created on ``day`` in ``stage``; returns their indices."""
        count = len(columns["account"])
        if count == 0:
            return np.empty(0, dtype=np.int64)
        self._ensure(count)
        stage = int(stage)
        new = slice(self.n, self.n + count)
        idx = np.arange(self.n, self.n + count, dtype=np.int64)
        for name, values in columns.items():
            getattr(self, name)[new] = values
        self.n += count
        self.stage[new] = stage
        self.stage_day[new] = day
        self.created_day[new] = day
        self.stage_counts[stage] += count
        self.entered[stage] += count
        if stage in OPEN_STAGES:
            self.open_idx = np.concatenate([self.open_idx, idx])
            self._open_cache.clear()
            self._open_stages = None
        return idx

    # ------------------------------------------------------------------ transitions
    def move(self, idx: np.ndarray, to: Stage, day: int) -> None:
        """Move leads ``idx`` to stage ``to`` on ``day`` (timestamped, counted)."""
        if len(idx) == 0:
            return
        to = int(to)  # a plain int: numpy probes an IntEnum's type for array hooks on every use
        self.stage_counts -= np.bincount(self.stage[idx], minlength=len(self.stage_counts))
        self._open_cache.clear()
        self._open_stages = None
        self.stage[idx] = to
        self.stage_day[idx] = day
        self.stage_counts[to] += len(idx)
        self.entered[to] += len(idx)
        # Entering the SAL stage is acceptance for follow-up; the waterfall's SAL (``sal_day``)
        # and SQL stamps are set where the conversation and the qualification happen.
        stamp = _STAMPED.get(to)
        if stamp is not None:
            getattr(self, stamp)[idx] = day
        if to in _CLOSED:
            self.closed_day[idx] = day

    def compact_open(self) -> None:
        """Drop leads that left the open stages from the open index."""
        st = self.stage[self.open_idx]
        keep = (st == _MQL) | (st == _SAL) | (st == _SQL)
        self.open_idx, self._open_stages = self.open_idx[keep], st[keep]
        self._open_cache.clear()

    def open_in(self, stage: Stage) -> np.ndarray:
        """Indices of open leads currently in ``stage`` (MQL, SAL or SQL), in creation order.

        Kept until the next stage change, so repeated questions between changes are free.
        The returned array must not be modified.
        """
        code = int(stage)
        found = self._open_cache.get(code)
        if found is None:  # found per stage, when first asked for (often one stage is, before the next change)
            if code not in _STAMPED:
                raise KeyError(f"open_in takes an open stage (MQL, SAL or SQL), not {stage!r}")
            if self._open_stages is None:
                self._open_stages = self.stage[self.open_idx]
            found = self.open_idx[self._open_stages == code]
            found.flags.writeable = False
            self._open_cache[code] = found
        return found

    def col(self, name: str) -> np.ndarray:
        """A read-only view of a column over the leads created so far."""
        view = getattr(self, name)[: self.n]
        view.flags.writeable = False
        return view
