"""The declared uncertainties: assumptions with a plausible range, kept apart from the levers.

After the EMA Workbench (Kwakkel 2017), a model's inputs are of two kinds: *levers* -- what a
decision maker (here: an org design) sets -- and *uncertainties* -- what nobody controls or
knows well (the market, how people behave, how long work takes). ``uncertainties.yaml``
beside this module lists every uncertainty with its plausible range and its source (or the
word *assumption*); :func:`load_uncertainties` reads and checks it:

* every path is a scenario field of type ``int`` or ``float``;
* each end has the field's type (integer ends for integer fields) and ``low <= high``;
* a scenario builds with the field at each end (so a range never leaves the field's bounds);
* the ``excluded`` list (assumptions that are not uncertainties, each with a reason) names
  scenario fields too, and no path is both declared and excluded.

A mistake raises :class:`~simulation.errors.OrgsimError` with one line naming the file, the
path and what is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from .errors import OrgsimError, ScenarioError
from .scenario import Scenario
from .yamlio import read_yaml_mapping

UNCERTAINTIES_FILE = Path(__file__).resolve().parent / "uncertainties.yaml"

Kind = Literal["int", "float"]


@dataclass(frozen=True)
class Uncertainty:
    """One uncertain scenario parameter and its plausible range.

    Attributes:
        path: dotted scenario path, e.g. ``behaviour.contact_rate_first``.
        kind: ``int`` or ``float`` (the scenario field's type).
        low, high: the plausible range (inclusive).
        source: the published figure behind the range, or "assumption ...".
        scale: ``linear`` (uniform over the range) or ``log`` (uniform in log space).
    """

    path: str
    kind: Kind
    low: float
    high: float
    source: str
    scale: Literal["linear", "log"] = "linear"

    @property
    def name(self) -> str:
        """The last part of the path (short label in tables)."""
        return self.path.rsplit(".", 1)[-1]

    def value_at(self, u: float) -> int | float:
        """The value at unit coordinate ``u`` in [0, 1]: uniform (or log-uniform) over the range.

        An integer range ``[low, high]`` is cut into ``high - low + 1`` equal parts, one per
        integer, so each integer gets an equal share of a stratified sample.
        """
        u = min(max(float(u), 0.0), 1.0)
        if self.kind == "int":
            if self.scale == "log":
                lo, hi = math.log(self.low), math.log(self.high + 1)
                value = math.floor(math.exp(lo + u * (hi - lo)))
            else:
                value = math.floor(self.low + u * (self.high - self.low + 1))
            return int(min(max(value, self.low), self.high))
        if self.scale == "log":
            lo, hi = math.log(self.low), math.log(self.high)
            return float(min(max(math.exp(lo + u * (hi - lo)), self.low), self.high))
        return float(self.low + u * (self.high - self.low))


@dataclass(frozen=True)
class Uncertainties(Sequence[Uncertainty]):
    """The declared uncertainties (in file order) and the assumptions excluded from them."""

    items: tuple[Uncertainty, ...]
    excluded: dict[str, str]
    source: str = "<uncertainties>"

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i):  # type: ignore[override]
        return self.items[i]

    def __iter__(self) -> Iterator[Uncertainty]:
        return iter(self.items)

    @property
    def paths(self) -> list[str]:
        return [u.path for u in self.items]

    def get(self, path: str) -> Uncertainty:
        for u in self.items:
            if u.path == path:
                return u
        raise KeyError(path)

    def select(self, paths: Sequence[str]) -> Uncertainties:
        """Only the named uncertainties (in the order given); an unknown path is an error."""
        known = {u.path: u for u in self.items}
        missing = [p for p in paths if p not in known]
        if missing:
            raise OrgsimError(f"{self.source}: {missing[0]}: not a declared uncertainty")
        return Uncertainties(tuple(known[p] for p in paths), dict(self.excluded), self.source)

    def point(self, unit: Sequence[float]) -> dict[str, int | float]:
        """The scenario overrides at one point of the unit cube (one coordinate per uncertainty)."""
        if len(unit) != len(self.items):
            raise ValueError(f"expected {len(self.items)} coordinates, got {len(unit)}")
        return {u.path: u.value_at(x) for u, x in zip(self.items, unit, strict=True)}

    def table(self):
        """One row per uncertainty: path, kind, default, low, high, scale, source (a DataFrame)."""
        import pandas as pd

        default = Scenario()
        return pd.DataFrame(
            [
                {"path": u.path, "kind": u.kind, "default": field_value(default, u.path), "low": u.low, "high": u.high,
                 "scale": u.scale, "source": u.source}
                for u in self.items
            ]
        )


def field_kind(path: str) -> str | None:
    """The Python type name of the scenario field at ``path`` (``int``, ``float``, ...), or None if no such field."""
    model: type[BaseModel] = Scenario
    parts = path.split(".")
    for i, part in enumerate(parts):
        info = model.model_fields.get(part)
        if info is None:
            return None
        annotation = info.annotation
        if i == len(parts) - 1:
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                return "model"
            return getattr(annotation, "__name__", str(annotation))
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return None


def field_value(scenario: Scenario, path: str) -> Any:
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node


def _parse_entry(path: str, entry: Any, source: str) -> Uncertainty:
    where = f"{source}: {path}"
    if not isinstance(entry, dict):
        raise OrgsimError(f"{where}: expected {{low: L, high: H, source: ...}}, got {entry!r}")
    unknown = set(entry) - {"low", "high", "source", "scale"}
    if unknown:
        raise OrgsimError(f"{where}: unknown key {sorted(unknown)[0]!r}; allowed: low, high, source, scale")
    for key in ("low", "high", "source"):
        if key not in entry:
            raise OrgsimError(f"{where}: {key} missing")
    kind = field_kind(path)
    if kind is None:
        raise OrgsimError(f"{where}: no such scenario field")
    if kind not in ("int", "float"):
        raise OrgsimError(f"{where}: a {kind} field cannot be an uncertainty (only int and float fields)")
    low, high = entry["low"], entry["high"]
    for end, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise OrgsimError(f"{where}: {end} = {value!r}: expected a number")
        if kind == "int" and not isinstance(value, int):
            raise OrgsimError(f"{where}: {end} = {value!r}: an integer field takes integer ends")
        if kind == "float" and not isinstance(value, float):
            raise OrgsimError(f"{where}: {end} = {value!r}: a float field takes float ends (write {float(value)!r})")
    if low > high:
        raise OrgsimError(f"{where}: low {low} is above high {high}")
    text = entry["source"]
    if not isinstance(text, str) or not text.strip():
        raise OrgsimError(f"{where}: source must say where the range comes from, or 'assumption'")
    scale = entry.get("scale", "linear")
    if scale not in ("linear", "log"):
        raise OrgsimError(f"{where}: scale = {scale!r}: allowed: linear, log")
    if scale == "log" and low <= 0:
        raise OrgsimError(f"{where}: scale log needs low > 0, got {low}")
    return Uncertainty(path, kind, low, high, text.strip(), scale)  # type: ignore[arg-type]


def parse_uncertainties(data: dict[str, Any], source: str = "<uncertainties>") -> Uncertainties:
    """Check and build the uncertainties from the file's mapping (see the module docstring)."""
    unknown = set(data) - {"uncertainties", "excluded"}
    if unknown:
        raise OrgsimError(f"{source}: unknown section {sorted(unknown)[0]!r}; allowed: uncertainties, excluded")
    entries = data.get("uncertainties") or {}
    excluded = data.get("excluded") or {}
    if not isinstance(entries, dict) or not entries:
        raise OrgsimError(f"{source}: uncertainties: expected a mapping of dotted paths to ranges")
    if not isinstance(excluded, dict):
        raise OrgsimError(f"{source}: excluded: expected a mapping of dotted paths to reasons")
    items = tuple(_parse_entry(str(path), entry, source) for path, entry in entries.items())
    base = Scenario()
    for u in items:
        for end in (u.low, u.high):
            try:
                base.with_overrides({u.path: end}, f"{source}: {u.path}")
            except ScenarioError as exc:
                raise OrgsimError(f"{exc} (an end of its range)") from None
    for path, reason in excluded.items():
        if field_kind(str(path)) is None:
            raise OrgsimError(f"{source}: excluded: {path}: no such scenario field")
        if not isinstance(reason, str) or not reason.strip():
            raise OrgsimError(f"{source}: excluded: {path}: give the reason it is not an uncertainty")
        if path in entries:
            raise OrgsimError(f"{source}: {path}: both declared and excluded")
    for lows_or_highs in ("low", "high"):  # all ends at once must build too
        try:
            base.with_overrides({u.path: getattr(u, lows_or_highs) for u in items}, f"{source}: every {lows_or_highs} end")
        except ScenarioError as exc:
            raise OrgsimError(str(exc)) from None
    return Uncertainties(items, {str(k): str(v) for k, v in excluded.items()}, source)


def load_uncertainties(path: str | Path | None = None) -> Uncertainties:
    """The declared uncertainties: the shipped ``simulation/uncertainties.yaml`` or ``path``."""
    if path is None:
        return _shipped()
    path = Path(path)
    return parse_uncertainties(read_yaml_mapping(path, "uncertainties file"), str(path))


@lru_cache(maxsize=1)
def _shipped() -> Uncertainties:
    return parse_uncertainties(read_yaml_mapping(UNCERTAINTIES_FILE, "uncertainties file"), str(UNCERTAINTIES_FILE.name))


def assumption_fields() -> list[str]:
    """Every scenario field whose description contains the word "assumption"."""
    from .scenario import field_reference

    return [r["field"] for r in field_reference() if "assumption" in r["description"].lower()]
