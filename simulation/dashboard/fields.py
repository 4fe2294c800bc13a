"""Lever widgets' specifications, read from the typed scenario itself.

Every widget the dashboard shows for a lever -- its label, unit, allowed range, choices and
help text -- comes from the field of :class:`simulation.scenario.Scenario` it edits (its
pydantic type, ``ge``/``gt``/``le``/``lt`` bounds and ``description``), and the fields
shown are those of the lever groups in :mod:`simulation.levers`. No range or default is
written twice: a value is checked by building the scenario (``with_overrides``), so the
message beside a widget is the one ``orgsim`` prints for a scenario file.

Nothing here imports solara: the specifications and checks are plain Python, tested
without a browser.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from ..errors import ScenarioError
from ..levers import LEVER_GROUPS, LeverGroup, leaf_fields
from ..scenario import PRESETS, Scenario, format_bound, load_scenario, roadmap_descriptions

Kind = Literal["int", "float", "bool", "choice"]

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
"""A design's name: it names its rows in the results and its file ``designs/<name>.yaml``."""


@dataclass(frozen=True)
class LeverField:
    """One editable scenario field, as a widget shows it."""

    path: str
    kind: Kind
    description: str
    unit: str
    choices: tuple[str, ...] = ()
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def label(self) -> str:
        """``sla.first_touch_hours (hours)``: the field's path, as a scenario file writes it, and its unit."""
        return f"{self.path} ({self.unit})" if self.unit else self.path

    def allowed(self) -> str:
        """The allowed values in words, as the scenario reference writes them."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "on or off"
        parts = [f"{sym} {format_bound(v)}" for sym, v in ((">=", self.ge), (">", self.gt), ("<=", self.le), ("<", self.lt)) if v is not None]
        whole = "a whole number" if self.kind == "int" else "a number"
        return f"{whole}, {' and '.join(parts)}" if parts else whole

    def parse(self, text: Any) -> Any:
        """A widget's value as the field's type; :class:`ScenarioError` (one line) if it is not one.

        The range is not checked here: building the scenario checks it (one source of truth).
        """
        if self.kind == "bool":
            if isinstance(text, bool):
                return text
            raise ScenarioError(f"{self.path} = {text!r}: must be on or off")
        if self.kind == "choice":
            if text in self.choices:
                return text
            raise ScenarioError(f"{self.path} = {text!r}: allowed values are {', '.join(self.choices)}")
        raw = str(text).strip().replace(",", "").replace("_", "")
        try:
            number = float(raw)
        except ValueError:
            raise ScenarioError(f"{self.path} = {str(text)[:40]!r}: not a number; allowed: {self.allowed()}") from None
        if not math.isfinite(number):
            raise ScenarioError(f"{self.path} = {raw}: must be a finite number")
        if self.kind == "int":
            if not number.is_integer():
                raise ScenarioError(f"{self.path} = {raw}: must be a whole number")
            return int(number)
        return number

    def text(self, value: Any) -> str:
        """How a value is written into the widget (``450000``, not ``450000.0``)."""
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value)


def _unit(path: str, kind: Kind, le: float | None) -> str:
    """The field's unit as docs/model.md's parameter table gives it (``simulation.validation.UNITS``,
    which a test keeps complete for every scenario field): one source of truth. A choice or a
    yes/no needs none beside its widget."""
    from ..validation import UNITS  # imported here: the table lives with the ODD tooling

    unit = UNITS.get(path, "")
    return "" if unit in ("choice", "yes/no", "text") else unit


def _field_spec(path: str) -> LeverField:
    model: type[BaseModel] = Scenario
    *parents, leaf = path.split(".")
    for part in parents:
        model = model.model_fields[part].annotation  # type: ignore[assignment]
    info = model.model_fields[leaf]
    annotation = info.annotation
    bounds: dict[str, float | None] = {"ge": None, "gt": None, "le": None, "lt": None}
    for meta in info.metadata:
        for attr in bounds:
            value = getattr(meta, attr, None)
            if value is not None:
                bounds[attr] = value
    choices: tuple[str, ...] = ()
    if get_origin(annotation) is Literal:
        kind: Kind = "choice"
        choices = tuple(str(a) for a in get_args(annotation))
    elif annotation is bool:
        kind = "bool"
    elif annotation is int:
        kind = "int"
    elif annotation is float:
        kind = "float"
    else:
        raise TypeError(f"{path}: a {annotation} field has no widget")
    return LeverField(path, kind, info.description or "", _unit(path, kind, bounds["le"]), choices, **bounds)


def field_spec(path: str) -> LeverField:
    """The widget specification of one scenario field (dotted path), read from its pydantic field."""
    if path not in leaf_fields():
        raise ScenarioError(f"{path}: no such scenario field")
    return _field_spec(path)


def group_fields(group: LeverGroup) -> list[str]:
    """A lever group's fields as dotted paths (``sla.*`` expanded), in the scenario's order."""
    out = []
    for path in leaf_fields():
        for pattern in group.fields:
            if path == pattern or (pattern.endswith(".*") and path.startswith(pattern[:-1])):
                out.append(path)
                break
    return out


@dataclass(frozen=True)
class LeverSection:
    """A lever group as the dashboard shows it: a title and its fields' widgets."""

    name: str
    label: str
    fields: tuple[LeverField, ...]


@functools.cache
def lever_sections(groups: tuple[LeverGroup, ...] = LEVER_GROUPS) -> tuple[LeverSection, ...]:
    """Every named lever group with its fields' widget specifications (what a design may change)."""
    return tuple(LeverSection(g.name, g.label, tuple(_field_spec(p) for p in group_fields(g))) for g in groups)


def horizon_field() -> LeverField:
    """The horizon's widget: ``Scenario.horizon_days``'s own bounds and description."""
    return _field_spec("horizon_days")


@dataclass(frozen=True)
class DesignChoice:
    """What the user picked for one design: a preset or a scenario file, a name, lever changes."""

    source: str
    name: str = ""
    overrides: tuple[tuple[str, Any], ...] = ()

    def base(self) -> Scenario:
        """The preset or file the design starts from (:class:`ScenarioError` for a bad file)."""
        return load_source(self.source)

    def build(self) -> Scenario:
        """The design as a scenario: its base with the lever changes, validated; named."""
        scenario = self.base()
        changes: dict[str, Any] = dict(self.overrides)
        name = self.name.strip() or default_name(scenario.name, bool(changes))
        check_name(name)
        changes["name"] = name
        return scenario.with_overrides(changes, "levers")


def default_name(base: str, changed: bool) -> str:
    """A changed design needs its own name (results are labelled by it): ``sla_edited``."""
    return f"{base}_edited" if changed else base


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise ScenarioError(
            f"name = {name[:40]!r}: use letters, digits, '_', '-' or '.' (at most 80, starting with a letter or digit); "
            "it names the design's rows and its file"
        )
    return name


ROADMAP_PREFIX = "roadmap: "


def source_choices() -> list[str]:
    """What a design may start from: the presets, then the shipped roadmaps (``roadmap: NAME``)."""
    return [*PRESETS, *(f"{ROADMAP_PREFIX}{name}" for name in roadmap_descriptions())]


def load_source(source: str) -> Scenario:
    """A preset name, a shipped roadmap (``roadmap: NAME``) or the path of a scenario file,
    as ``orgsim compare`` reads it."""
    source = source.strip()
    if source.startswith(ROADMAP_PREFIX):
        name = source.removeprefix(ROADMAP_PREFIX)
        roadmaps = roadmap_descriptions()
        if name not in roadmaps:
            raise ScenarioError(f"{name[:60]}: not a shipped roadmap; roadmaps: {', '.join(roadmaps)}")
        return load_scenario(roadmaps[name][0])
    if not source:
        raise ScenarioError("scenario: give a preset name or the path of a scenario file (.yaml)")
    if source not in PRESETS and not source.lower().endswith((".yaml", ".yml")) and "/" not in source:
        raise ScenarioError(f"{source[:60]}: not a preset name; presets: {', '.join(PRESETS)} (a file is a path ending in .yaml)")
    return load_scenario(source)


def check_lever(base: Scenario, spec: LeverField, text: Any, others: dict[str, Any] | None = None) -> tuple[Any, str | None]:
    """``(value, None)`` when ``text`` is an allowed value of the lever on ``base`` (with the
    other changes ``others``); else ``(None, message)``: one line naming the field, the value
    and what is allowed, as ``orgsim`` says it for a scenario file."""
    try:
        value = spec.parse(text)
        base.with_overrides({**(others or {}), spec.path: value}, "levers")
    except ScenarioError as exc:
        return None, str(exc).removeprefix("levers: ")
    return value, None


def check_horizon(text: Any) -> tuple[int | None, str | None]:
    """The horizon in working days, checked against ``Scenario.horizon_days``'s own bounds."""
    spec = horizon_field()
    return check_lever(Scenario(), spec, text)
