"""Lever groups: every field of the scenario, in groups a sales leader recognises.

One source of truth for ``orgsim explain`` (and anything else that needs to say *which
kind of lever* a field is). Each named group lists dotted field paths; a path ending in
``.*`` covers a whole section. A field no named group covers -- a market or behaviour
assumption, a work-time parameter, or a field another engineer adds later -- falls into
a group named after its top-level section (``market``, ``behaviour``, ``work``, ...; a
top-level scalar such as ``horizon_days`` is its own group), so nothing that differs
between two designs is ever dropped silently. ``name`` and ``description`` are labels,
not parameters, and belong to no group.

Fields tied together by a validator (``marketing.brand_share`` and
``marketing.enablement_share`` must sum to at most 1) sit in the same group, so moving a
group from one design to another never builds an invalid scenario from valid ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .scenario import Scenario

LABEL_FIELDS = frozenset({"name", "description"})
"""Fields that name or describe a scenario; they change no outcome and belong to no group."""


@dataclass(frozen=True)
class LeverGroup:
    """A named set of scenario fields: ``fields`` are dotted paths, or ``section.*``."""

    name: str
    label: str
    fields: tuple[str, ...]


LEVER_GROUPS: tuple[LeverGroup, ...] = (
    LeverGroup(
        "structure",
        "the org structure (one CRO or two leaders) and strategy clarity",
        ("structure", "strategy_clarity", "leadership.reorg_transition_days", "leadership.reorg_capacity_loss"),
    ),
    LeverGroup(
        "marketing_kpi_and_pay",
        "marketing's KPI, targets and pay plan",
        (
            "marketing.kpi",
            "marketing.shared_revenue_weight",
            "marketing.mql_target_per_quarter",
            "marketing.default_mql_threshold",
            "marketing.min_mql_threshold",
            "marketing.volume_pay_cap",
        ),
    ),
    LeverGroup(
        "marketing_budget_and_team",
        "marketing's budget, its brand and enablement split, and team size",
        ("marketing.budget_per_quarter_usd", "marketing.brand_share", "marketing.enablement_share", "marketing.headcount"),
    ),
    LeverGroup(
        "sales_pay",
        "the AEs' quota and pay plan",
        (
            "sales.quota_per_quarter_usd",
            "sales.commission_rate",
            "sales.accelerator",
            "sales.shared_revenue_weight",
            "sales.pull_in_horizon_days",
        ),
    ),
    LeverGroup("sales_team", "the number of account executives", ("sales.ae_headcount",)),
    LeverGroup("sla", "the SLA and its terms", ("sla.*",)),
    LeverGroup(
        "sdr_ownership_and_motion",
        "who the SDRs report to, what they work and how many there are",
        ("sdr.owner", "sdr.motion", "sdr.headcount"),
    ),
    LeverGroup("sdr_pay", "the SDRs' pay plan", ("sdr.bonus_per_sql_usd", "sdr.shared_revenue_weight")),
    LeverGroup(
        "lead_routing",
        "lead routing and coverage (an on-call rota, overflow of unworked leads to AEs)",
        ("sdr.on_call_hours_per_day", "sdr.overflow_after_hours"),
    ),
    LeverGroup("sdr_sourcing", "in-house SDRs or an agency, and the agency's contract", ("sdr.sourcing", "sdr.agency.*")),
    LeverGroup("collaboration", "collaboration practices (joint meetings, feedback routine, one ICP)", ("collaboration.*",)),
)
"""The named lever groups, in the order a comparison is read (structure first)."""

_BY_NAME = {g.name: g for g in LEVER_GROUPS}


def _matches(pattern: str, path: str) -> bool:
    if pattern.endswith(".*"):
        return path.startswith(pattern[:-1])
    return path == pattern


def group_of(path: str) -> str | None:
    """The group of one dotted field path; ``None`` for the label fields.

    A path no named group covers belongs to its top-level section's group.
    """
    if path in LABEL_FIELDS:
        return None
    for group in LEVER_GROUPS:
        if any(_matches(p, path) for p in group.fields):
            return group.name
    return path.split(".")[0]


def group_label(name: str) -> str:
    """What a group means, in words (a section group: "other <section> settings")."""
    if name in _BY_NAME:
        return _BY_NAME[name].label
    return f"other {name.replace('_', ' ')} settings"


def leaf_fields(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    """Every leaf field of the typed scenario as a dotted path (walks nested models)."""
    out: list[str] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out += leaf_fields(annotation, f"{prefix}{name}.")
        else:
            out.append(f"{prefix}{name}")
    return out


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested dict (a scenario's ``model_dump``) as ``{dotted.path: value}``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`flatten`."""
    out: dict[str, Any] = {}
    for path, value in flat.items():
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def differing_fields(a: Scenario, b: Scenario) -> dict[str, list[str]]:
    """The fields whose values differ between two scenarios, by group (groups in reading order).

    Only groups with at least one differing field appear; label fields are ignored.
    """
    fa, fb = flatten(a.model_dump()), flatten(b.model_dump())
    by_group: dict[str, list[str]] = {}
    for path in sorted(set(fa) | set(fb)):
        group = group_of(path)
        if group is None or _same(fa.get(path), fb.get(path)):
            continue
        by_group.setdefault(group, []).append(path)
    return {name: by_group[name] for name in group_order(by_group)}


def group_order(names: Iterable[str]) -> list[str]:
    """Named groups in :data:`LEVER_GROUPS` order, then section groups alphabetically."""
    names = set(names)
    named = [g.name for g in LEVER_GROUPS if g.name in names]
    return named + sorted(names - set(named))


def _same(x: Any, y: Any) -> bool:
    return bool(x == y)
