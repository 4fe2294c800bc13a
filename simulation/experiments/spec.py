"""Sweep specs: which scenario parameters to vary, over what, how often, and what to record.

A sweep spec is a YAML file (the shipped ones live in ``scenarios/sweeps/``)::

    description: marketing's shared-revenue weight x the SLA's first-touch window
    base: sla                        # a preset name, or a scenario YAML (relative to this file)
    overrides:                       # optional: fixed changes to the base for every point
      market.n_accounts: 10000
    parameters:                      # dotted paths into the scenario
      marketing.shared_revenue_weight:
        values: [0.0, 0.25, 0.5, 0.75, 1.0]
      sla.first_touch_hours:
        range: [1, 72]
        steps: 4                     # grid only: evenly spaced levels, ends included
    design: grid                     # grid | lhs | sobol | morris
    samples: 64                      # lhs: points; sobol: base sample N (a power of 2); morris: trajectories
    replications: 10                 # runs per point, on common random numbers
    seed: 0                          # root of SeedSequence(seed).spawn(replications); also seeds the sampler
    days: 252                        # optional: working days simulated (default: the scenario's horizon)
    outcomes: [bookings, friction_index]

The parameter ``base`` (``values:`` a list of presets or scenario files) sweeps over whole
designs, so that the six presets can be one sweep.

The spec is validated like a scenario file before anything runs. Every mistake is one
:class:`~simulation.errors.ScenarioError` line naming the file and the field: an unknown
key, a dotted path that names no scenario field, a range whose ends the scenario does not
allow (checked by building the scenario at both ends with ``Scenario.with_overrides``), a
range for a field that takes a fixed set of values, a fractional value for an integer
field, an unknown design, too few samples. Every point of the design is built into its
scenario before the first run, so a combination the scenario rejects (``brand_share +
enablement_share > 1``) is caught too. Outcomes are checked against the columns the model
reports by :func:`simulation.experiments.sweep.sweep`, just before the first run.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import typing
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ScenarioError, short_repr, short_text
from ..scenario import PRESET_DIR, PRESETS, Scenario, is_path_argument, load_scenario, warn_if_shadowed
from ..yamlio import check_readable_file, read_yaml_mapping
from .analysis import KEY_OUTCOMES
from .designs import DESIGNS, MAX_POINTS, DesignSample, Parameter, design_size, sample
from .seeding import canonical_json

SWEEP_DIR = PRESET_DIR / "sweeps"
"""Where the shipped sweep specs live (``scenarios/sweeps/``)."""

BASE_PARAMETER = "base"
"""The parameter name that sweeps over whole base scenarios (presets or files)."""

SPEC_FORMAT = 1

MAX_GRID_POINTS = 100_000

MAX_SEED = 2**63 - 1
"""Largest root seed: numpy's SeedSequence takes any, but the stored tables hold int64."""


MAX_RUNS = 1_000_000
"""Most runs a sweep may plan, whatever ``max_runs`` allows: every run is planned in memory first."""


# --------------------------------------------------------------------------- the file's schema


class _Strict(BaseModel):
    """Like the scenario: no unknown keys, no strings read as numbers, no inf or NaN."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class ParameterSpec(_Strict):
    """One parameter as written in the file: ``values`` or ``range`` (+ ``steps`` for a grid)."""

    values: list[Any] | None = Field(None, min_length=1)
    range: list[float] | None = Field(None, min_length=2, max_length=2)
    steps: int | None = Field(None, ge=2, le=10_000)


class SpecFile(_Strict):
    """The top level of a sweep spec file."""

    description: str = ""
    base: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, ParameterSpec] = Field(min_length=1)
    design: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: int | None = Field(None, ge=1, le=1_000_000)
    levels: int = Field(4, ge=2, le=100, description="morris: levels of the grid the trajectories move on")
    second_order: bool = Field(True, description="sobol: also estimate second-order indices")
    replications: int = Field(10, ge=1, le=100_000)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    days: int | None = Field(None, ge=1, le=100_000)
    outcomes: list[str] = Field(default_factory=lambda: list(KEY_OUTCOMES), min_length=1)


def _describe(err: dict) -> str:
    path = short_text(".".join(str(p) for p in err["loc"])) or "<top level>"
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = short_repr(err.get("input"))  # never the whole value: it may be an alias bomb
    if kind == "extra_forbidden":
        allowed = ", ".join(SpecFile.model_fields) if len(err["loc"]) == 1 else "values, range, steps"
        return f"{path}: unknown key; allowed: {allowed}"
    if kind == "literal_error":
        return f"{path} = {value}: allowed values are {ctx.get('expected')}"
    if kind == "missing":
        return f"{path}: required"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        sym, bound = next((s, ctx[k]) for k, s in (("ge", ">="), ("le", "<="), ("gt", ">"), ("lt", "<")) if k in ctx)
        return f"{path} = {value}: must be {sym} {bound}"
    if kind == "finite_number":
        return f"{path} = {value}: must be a finite number"
    if kind in ("too_short", "too_long"):
        return f"{path}: {err['msg'].lower()}"
    hint = "; write the number without quotes" if kind in ("float_type", "int_type") and _numeric_text(err.get("input")) else ""
    return f"{path} = {value}: {err['msg']}{hint}"


def _numeric_text(value: Any) -> bool:
    """Whether ``value`` is a string holding a number (``'72'``), which a spec must not quote."""
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- scenario fields


def _field_kind(path: str, source: str) -> tuple[str, tuple[Any, ...] | None]:
    """The kind of scenario field ``path`` names: (``float`` | ``int`` | ``choice``, allowed values)."""
    model: type[BaseModel] = Scenario
    parts = path.split(".")
    path = short_text(path)  # for messages
    for i, part in enumerate(parts):
        fields = model.model_fields
        if part not in fields:
            so_far = ".".join(parts[:i])
            hint = difflib.get_close_matches(part, list(fields), n=1)
            suggestion = f"; did you mean {'.'.join([*parts[:i], hint[0]])!r}?" if hint else ""
            where = f" in {so_far}" if so_far else ""
            raise ScenarioError(f"{source}: parameters.{path}: no such scenario field{where}{suggestion}")
        annotation = fields[part].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if i == len(parts) - 1:
                names = ", ".join(f"{path}.{n}" for n in annotation.model_fields)
                raise ScenarioError(f"{source}: parameters.{path}: a group of fields, not one field; name one of {names}")
            model = annotation
            continue
        if i != len(parts) - 1:
            raise ScenarioError(f"{source}: parameters.{path}: {'.'.join(parts[: i + 1])} is a single field, not a group")
        if typing.get_origin(annotation) is Literal:
            return "choice", typing.get_args(annotation)
        if annotation is bool:
            return "choice", (True, False)
        if annotation is int:
            return "int", None
        if annotation is float:
            return "float", None
        return "choice", None
    raise AssertionError("unreachable")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _coerce(path: str, kind: str, value: Any, where: str) -> Any:
    """A listed value converted to the field's type (ints given for a float field become floats).

    Strings are not read as numbers (``'72'`` is refused, as in scenario files); a value
    must be one number, word or true/false, never a list or mapping.
    """
    if not isinstance(value, str | int | float | bool):
        raise ScenarioError(f"{where}: {short_repr(value)} is not a single value (a number, word or true/false)")
    if kind == "float":
        if not _is_number(value):
            hint = "; write the number without quotes" if _numeric_text(value) else ""
            raise ScenarioError(f"{where}: {short_repr(value)} is not a number{hint}")
        if not math.isfinite(value):
            raise ScenarioError(f"{where}: {short_repr(value)} is not a finite number")
        return float(value)
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            hint = "; write the number without quotes" if _numeric_text(value) else ""
            raise ScenarioError(f"{where}: {path} takes whole numbers; got {short_repr(value)}{hint}")
        return value
    return value


# --------------------------------------------------------------------------- the resolved spec


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: base scenario(s), parameters, design, replications, outcomes.

    Build it with :func:`load_sweep_spec` (from a file or a shipped spec's name) or
    :func:`sweep_spec_from_dict` (from a dict, e.g. in a notebook).
    """

    name: str
    source: str
    description: str
    bases: dict[str, Scenario]
    overrides: dict[str, Any]
    parameters: tuple[Parameter, ...]
    design: str
    samples: int | None
    levels: int
    second_order: bool
    replications: int
    seed: int
    days: int | None
    outcomes: tuple[str, ...]
    raw: dict[str, Any] = field(repr=False)

    @property
    def parameter_names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @cached_property
    def design_sample(self) -> DesignSample:
        """The design's points (deterministic: the sampler is seeded with ``seed``)."""
        return sample(self.parameters, self.design, self.samples, self.seed, levels=self.levels, second_order=self.second_order)

    @property
    def points(self) -> list[dict[str, Any]]:
        return self.design_sample.points

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.replications

    def base_scenario(self, point: dict[str, Any] | None = None) -> Scenario:
        """The base a point starts from (the first base when ``point`` is None)."""
        if point is not None and BASE_PARAMETER in point:
            return self.bases[point[BASE_PARAMETER]]
        return next(iter(self.bases.values()))

    def scenario_for(self, point: dict[str, Any], index: int | None = None) -> Scenario:
        """The scenario of one point: base, then the fixed overrides and ``days``, then the point's values."""
        changes: dict[str, Any] = dict(self.overrides)
        if self.days is not None:
            changes["horizon_days"] = self.days
        changes.update({k: v for k, v in point.items() if k != BASE_PARAMETER})
        label = f"point {index}" if index is not None else "point"
        shown = ", ".join(f"{k}={short_repr(v)}" for k, v in point.items())
        return self.base_scenario(point).with_overrides(changes, f"{self.source}: {label} ({shown})")

    @cached_property
    def point_scenarios(self) -> list[Scenario]:
        """Every point's scenario, validated (raises on the first point the scenario rejects)."""
        return [self.scenario_for(point, i) for i, point in enumerate(self.points)]

    def identity(self) -> dict[str, Any]:
        """What defines the runs and their rows: everything but the description, with each
        base resolved to its full scenario (so an edited preset counts as a different spec)."""
        return {
            "format": SPEC_FORMAT,
            "bases": {label: scenario.model_dump(mode="json") for label, scenario in self.bases.items()},
            "overrides": self.overrides,
            "parameters": [_parameter_dict(p) for p in self.parameters],
            "design": self.design,
            "samples": self.samples,
            "levels": self.levels if self.design == "morris" else None,
            "second_order": self.second_order if self.design == "sobol" else None,
            "replications": self.replications,
            "seed": self.seed,
            "days": self.days,
            "outcomes": list(self.outcomes),
        }

    @cached_property
    def hash(self) -> str:
        """SHA-256 of :meth:`identity` (canonical JSON)."""
        return hashlib.sha256(canonical_json(self.identity()).encode("utf-8")).hexdigest()


def _parameter_dict(p: Parameter) -> dict[str, Any]:
    return {
        "name": p.name,
        "kind": p.kind,
        "low": p.low,
        "high": p.high,
        "values": list(p.values) if p.values is not None else None,
        "steps": p.steps,
    }


def _resolve_base(value: str, spec_dir: Path | None, where: str) -> Scenario:
    """A preset name is a preset; a file is read only when written as a path (a folder
    separator or a ``.yaml``/``.yml`` ending), relative to the spec's folder when it is there."""
    if not is_path_argument(value):
        if value not in PRESETS:
            raise ScenarioError(
                f"{where}: {short_repr(value)} is neither a preset ({', '.join(PRESETS)}) "
                "nor a scenario file written as a path (NAME.yaml or ./NAME)"
            )
        if spec_dir is not None and spec_dir.resolve() != Path.cwd().resolve():
            warn_if_shadowed(value, spec_dir)
        return load_scenario(value)  # warns if the working directory has a file of that name
    path = Path(value)
    try:
        if not path.is_absolute() and spec_dir is not None and (spec_dir / path).exists():
            path = spec_dir / path
    except OSError:  # e.g. a name too long: check_readable_file says so
        pass
    try:
        check_readable_file(path)
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    return load_scenario(path)


def check_size(source: str, design: str, points: int, replications: int, max_runs: int | None = None) -> int:
    """Refuse a design too large to plan, or with more runs than ``max_runs``; counted, nothing built."""
    runs = points * replications
    if points > MAX_POINTS:
        raise ScenarioError(
            f"{source}: the {design} design has {points:,} points, more than the {MAX_POINTS:,} that fit in memory "
            "(every point's scenario is built first); use fewer samples or levels"
        )
    if runs > MAX_RUNS:
        raise ScenarioError(
            f"{source}: {points:,} points x {replications:,} replications = {runs:,} runs, more than the {MAX_RUNS:,} "
            "a sweep can plan; use fewer points or replications"
        )
    if max_runs is not None and runs > max_runs:
        raise ScenarioError(
            f"{source}: {points:,} points x {replications:,} replications = {runs:,} runs, more than the limit of "
            f"{max_runs:,}; pass --max-runs {runs} to run them all (orgsim sweep --dry-run estimates the time)"
        )
    return runs


def sweep_spec_from_dict(
    data: Any, name: str = "sweep", source: str = "<sweep spec>", spec_dir: Path | None = None, max_runs: int | None = None
) -> SweepSpec:
    """Validate a spec given as a dict (the parsed YAML) into a :class:`SweepSpec`.

    ``max_runs``: refuse a spec of more runs (points x replications), counted before any
    point or run is built. Designs of more than :data:`MAX_POINTS` points or
    :data:`MAX_RUNS` runs are always refused.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping of fields at the top level, got {type(data).__name__}")
    try:
        raw = SpecFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ScenarioError(f"{source}: {_describe(errors[0])}{more}") from None

    # Bases: one fixed base, or the `base` parameter's values.
    bases: dict[str, Scenario] = {}
    base_param = raw.parameters.get(BASE_PARAMETER)
    if base_param is not None:
        if raw.base is not None:
            raise ScenarioError(f"{source}: base: give either a base or a parameter named base, not both")
        if base_param.values is None or base_param.range is not None or base_param.steps is not None:
            raise ScenarioError(f"{source}: parameters.base: takes a list of values (presets or scenario files)")
        for value in base_param.values:
            if not isinstance(value, str):
                raise ScenarioError(f"{source}: parameters.base: {short_repr(value)} is not a preset name or a file")
            bases[value] = _resolve_base(value, spec_dir, f"{source}: parameters.base")
        if len(bases) != len(base_param.values):
            raise ScenarioError(f"{source}: parameters.base: a value is listed twice")
    elif raw.base is None:
        raise ScenarioError(f"{source}: base: required (a preset name or a scenario file)")
    else:
        bases[raw.base] = _resolve_base(raw.base, spec_dir, f"{source}: base")
    first_base = next(iter(bases.values()))

    # Fixed overrides and the horizon.
    fixed: dict[str, Any] = dict(raw.overrides)
    if raw.days is not None:
        if "horizon_days" in fixed:
            raise ScenarioError(f"{source}: days: the horizon is also set in overrides.horizon_days; keep one")
        fixed["horizon_days"] = raw.days
    for base in bases.values():
        base.with_overrides(fixed, f"{source}: overrides")

    # Parameters: resolve each field's kind, check the values or both ends of the range.
    parameters: list[Parameter] = []
    for path, ps in raw.parameters.items():
        if path == BASE_PARAMETER:
            parameters.append(Parameter(BASE_PARAMETER, "choice", values=tuple(bases)))
            continue
        where = f"{source}: parameters.{short_text(path)}"
        kind, allowed = _field_kind(path, source)
        if path in fixed:
            raise ScenarioError(f"{where}: also set in {'days' if path == 'horizon_days' else 'overrides'}; keep one")
        if (ps.values is None) == (ps.range is None):
            raise ScenarioError(f"{where}: give either values: [...] or range: [low, high]")
        if ps.steps is not None and ps.range is None:
            raise ScenarioError(f"{where}: steps goes with a range, not with values")
        if ps.values is not None:
            values = tuple(_coerce(path, kind, v, where) for v in ps.values)
            if len(set(map(repr, values))) != len(values):
                raise ScenarioError(f"{where}: a value is listed twice")
            for value in values:
                first_base.with_overrides({**fixed, path: value}, f"{where} (value {short_repr(value)})")
            if kind == "choice":
                parameters.append(Parameter(path, "choice", values=values))
            else:
                parameters.append(Parameter(path, kind, values=values))  # type: ignore[arg-type]
            continue
        # A range.
        if kind == "choice":
            shown = f"; allowed values are {list(allowed)}" if allowed else ""
            raise ScenarioError(f"{where}: takes a fixed set of values, not a range; use values: [...]{shown}")
        low, high = (_coerce(path, kind, v, where) for v in ps.range)  # type: ignore[union-attr]
        if not low < high:
            raise ScenarioError(f"{where}: range [{low}, {high}]: the low end must be below the high end")
        for end_name, end in (("low end", low), ("high end", high)):
            first_base.with_overrides({**fixed, path: end}, f"{where} (range {end_name} {short_repr(end)})")
        if raw.design == "grid":
            if ps.steps is None:
                raise ScenarioError(f"{where}: a grid over a range needs steps: N (levels, ends included)")
            param = Parameter(path, kind, low=low, high=high, steps=ps.steps)  # type: ignore[arg-type]
            if kind == "int" and len(set(param.levels())) != ps.steps:
                raise ScenarioError(
                    f"{where}: {ps.steps} steps over the whole numbers [{low}, {high}] repeat values; use at most {high - low + 1} steps"
                )
        else:
            if ps.steps is not None:
                raise ScenarioError(f"{where}: steps applies to grid designs only (design is {raw.design})")
            param = Parameter(path, kind, low=low, high=high)  # type: ignore[arg-type]
        parameters.append(param)

    # The design's own settings.
    if raw.design == "grid":
        if raw.samples is not None:
            raise ScenarioError(f"{source}: samples: a grid runs every combination of levels; remove samples")
        size = 1
        for p in parameters:
            size *= len(p.levels())
        if size > MAX_GRID_POINTS:
            raise ScenarioError(f"{source}: the grid has {size:,} points (more than {MAX_GRID_POINTS:,}); use lhs or fewer levels")
    else:
        if raw.samples is None:
            meaning = {"lhs": "points", "sobol": "the base sample N (a power of 2)", "morris": "trajectories"}[raw.design]
            raise ScenarioError(f"{source}: samples: required for design {raw.design} ({meaning})")
        if raw.design == "sobol" and raw.samples & (raw.samples - 1):
            raise ScenarioError(f"{source}: samples = {raw.samples}: Sobol' sampling needs a power of 2 (e.g. 64, 128, 256)")
        if raw.design in ("sobol", "morris") and len(parameters) < 2:
            raise ScenarioError(f"{source}: parameters: {raw.design} sensitivity analysis needs at least 2 parameters")
        if raw.design == "morris" and raw.samples < 2:
            raise ScenarioError(f"{source}: samples = {raw.samples}: Morris needs at least 2 trajectories")
    assert raw.design in DESIGNS
    n_points = size if raw.design == "grid" else design_size(len(parameters), raw.design, raw.samples, raw.second_order)
    check_size(source, raw.design, n_points, raw.replications, max_runs)

    outcomes = tuple(raw.outcomes)
    if len(set(outcomes)) != len(outcomes):
        raise ScenarioError(f"{source}: outcomes: an outcome is listed twice")

    spec = SweepSpec(
        name=name,
        source=source,
        description=raw.description,
        bases=bases,
        overrides=dict(raw.overrides),
        parameters=tuple(parameters),
        design=raw.design,
        samples=raw.samples,
        levels=raw.levels,
        second_order=raw.second_order,
        replications=raw.replications,
        seed=raw.seed,
        days=raw.days,
        outcomes=outcomes,
        raw=raw.model_dump(mode="json"),
    )
    expected = design_size(len(parameters), raw.design, raw.samples, raw.second_order)
    assert expected is None or expected == len(spec.points), (expected, len(spec.points))
    spec.point_scenarios  # noqa: B018 -- every point must build (cross-field rules, e.g. brand + enablement shares <= 1)
    return spec


def shipped_sweeps() -> list[str]:
    """Names of the sweep specs shipped in ``scenarios/sweeps/``."""
    return sorted(p.stem for p in SWEEP_DIR.glob("*.yaml")) if SWEEP_DIR.is_dir() else []


def load_sweep_spec(spec: str | Path, max_runs: int | None = None) -> SweepSpec:
    """Load and validate a sweep spec from a YAML file or a shipped spec's name (``max_runs``: see :func:`sweep_spec_from_dict`).

    A name is a shipped spec; a file is read only when the argument is a path (a folder
    separator or a ``.yaml``/``.yml`` ending), as for scenarios.
    """
    text = str(spec)
    shipped = ", ".join(shipped_sweeps()) or "none"
    if is_path_argument(spec):
        path = Path(text)
        try:
            missing = not path.exists() and not path.is_symlink()
        except OSError:  # e.g. a name too long: read_yaml_mapping says so
            missing = False
        if missing:
            raise ScenarioError(f"{text}: no such sweep spec file (shipped specs: {shipped})")
    elif text in shipped_sweeps():
        warn_if_shadowed(text, what="shipped sweep spec")
        path = SWEEP_DIR / f"{text}.yaml"
    else:
        shown = short_repr(text) if len(text) > 80 else text
        raise ScenarioError(f"{shown}: no such shipped sweep spec (shipped specs: {shipped}); a spec file is given as a path (NAME.yaml or ./NAME)")
    data = read_yaml_mapping(path, "sweep spec file")
    return sweep_spec_from_dict(data, name=path.stem, source=str(path), spec_dir=path.resolve().parent, max_runs=max_runs)
