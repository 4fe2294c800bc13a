"""Experimental designs: which points of the parameter space a sweep runs.

Four designs, each a plain function of the parameters (EMA Workbench's samplers):

* ``grid`` -- the full factorial of each parameter's levels;
* ``lhs`` -- a Latin hypercube (McKay, Beckman & Conover 1979) from
  ``scipy.stats.qmc.LatinHypercube``: ``samples`` points, each parameter's range cut into
  ``samples`` equal strata with exactly one point in each;
* ``sobol`` -- Saltelli's extension of a Sobol' sequence (Saltelli 2002; Saltelli et al.
  2010) from ``SALib.sample.sobol``: ``samples * (2D + 2)`` points (``samples * (D + 2)``
  without second-order indices), the sample Sobol' indices are estimated from;
* ``morris`` -- Morris one-at-a-time trajectories (Morris 1991; Campolongo et al. 2007) from
  ``SALib.sample.morris``: ``samples`` trajectories of ``D + 1`` points on a ``levels`` grid.

Samplers draw in a continuous *design space*, then map each coordinate to a value:

* a float parameter's design space is its range ``[low, high]`` and the value is the draw;
* an integer parameter's design space is ``[low, high + 1)`` and the value is
  ``floor(x)`` (capped at ``high``), so each integer gets an equal share of the draws;
* a parameter given by a list of ``values`` (strings, booleans or numbers) has the design
  space ``[0, k)`` and the value ``values[floor(x)]``.

The raw design matrix is kept beside the values, because Morris' elementary effects are
computed from the steps of the continuous draw, which rounding to integers would hide.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import OrgsimError

DESIGNS = ("grid", "lhs", "sobol", "morris")
SENSITIVITY_DESIGNS = ("sobol", "morris")

Kind = Literal["float", "int", "choice"]

MAX_POINTS = 100_000
"""Most points a design may have: a sweep builds every point's scenario (about 15 KB each) before a run starts."""


@dataclass(frozen=True)
class Parameter:
    """One swept parameter.

    Attributes:
        name: what the parameter is called in the results (a dotted scenario path).
        kind: ``float`` or ``int`` for a numeric range, ``choice`` for a list of values.
        low, high: the range's ends (inclusive) for ``float`` and ``int``.
        values: the levels: for ``choice`` the allowed values; for a grid the values to run.
        steps: for a grid over a range, how many evenly spaced levels (ends included).
    """

    name: str
    kind: Kind
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] | None = None
    steps: int | None = None

    def __post_init__(self) -> None:
        if self.kind == "choice":
            if not self.values:
                raise ValueError(f"{self.name}: a choice parameter needs values")
        else:
            if self.values is None and (self.low is None or self.high is None):
                raise ValueError(f"{self.name}: a numeric parameter needs a range or values")
            if self.low is not None and self.high is not None and self.low > self.high:
                raise ValueError(f"{self.name}: range low end {self.low} is above the high end {self.high}")

    @property
    def bounds(self) -> tuple[float, float]:
        """The parameter's design space, as SALib's ``bounds`` entry."""
        if self.kind == "choice" or self.low is None:
            return 0.0, float(len(self.levels()))
        if self.kind == "int":
            return float(self.low), float(self.high) + 1.0
        return float(self.low), float(self.high)

    def levels(self) -> tuple[Any, ...]:
        """The grid levels: the listed values, or ``steps`` evenly spaced over the range."""
        if self.values is not None:
            return tuple(self.values)
        steps = self.steps or 2
        raw = np.linspace(float(self.low), float(self.high), steps)
        if self.kind == "int":
            return tuple(int(v) for v in np.rint(raw))
        return tuple(float(v) for v in raw)

    def value_at(self, x: float) -> Any:
        """The parameter value at design-space coordinate ``x``."""
        if self.kind == "choice" or self.low is None:
            levels = self.levels()
            return levels[min(max(int(math.floor(x)), 0), len(levels) - 1)]
        if self.kind == "int":
            return int(min(max(math.floor(x), int(self.low)), int(self.high)))
        return float(min(max(x, float(self.low)), float(self.high)))


@dataclass(frozen=True)
class DesignSample:
    """The points of a design.

    Attributes:
        parameters: the swept parameters, in column order.
        points: one dict ``{parameter name: value}`` per point, in design order.
        matrix: the raw design matrix (one row per point, one column per parameter) in
            the design space; what SALib's analysers take as ``X``.
    """

    parameters: tuple[Parameter, ...]
    points: list[dict[str, Any]]
    matrix: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.points)


def salib_problem(parameters: Sequence[Parameter]) -> dict[str, Any]:
    """SALib's problem definition: the names and design-space bounds of the parameters."""
    return {
        "num_vars": len(parameters),
        "names": [p.name for p in parameters],
        "bounds": [list(p.bounds) for p in parameters],
    }


def _from_matrix(parameters: Sequence[Parameter], matrix: np.ndarray) -> DesignSample:
    points = [{p.name: p.value_at(float(x)) for p, x in zip(parameters, row, strict=True)} for row in matrix]
    return DesignSample(tuple(parameters), points, matrix)


def grid(parameters: Sequence[Parameter]) -> DesignSample:
    """The full factorial design; the first parameter varies slowest."""
    levels = [p.levels() for p in parameters]
    points = [dict(zip((p.name for p in parameters), combo, strict=True)) for combo in itertools.product(*levels)]
    index = [range(len(lv)) for lv in levels]
    matrix = np.array(list(itertools.product(*index)), dtype=float).reshape(len(points), len(parameters))
    return DesignSample(tuple(parameters), points, matrix)


def latin_hypercube(parameters: Sequence[Parameter], samples: int, seed: int) -> DesignSample:
    """A Latin hypercube of ``samples`` points (``scipy.stats.qmc.LatinHypercube``)."""
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    try:
        sampler = qmc.LatinHypercube(d=len(parameters), rng=rng)
    except TypeError:  # scipy < 1.15 calls the generator `seed`
        sampler = qmc.LatinHypercube(d=len(parameters), seed=rng)
    unit = sampler.random(samples)
    low = np.array([p.bounds[0] for p in parameters])
    high = np.array([p.bounds[1] for p in parameters])
    return _from_matrix(parameters, low + unit * (high - low))


def _salib_sample(module: str):
    try:
        import importlib

        return importlib.import_module(f"SALib.sample.{module}")
    except ImportError:
        raise OrgsimError(f"the {module} design needs SALib: pip install 'orgsim[sensitivity]'") from None


def sobol(parameters: Sequence[Parameter], samples: int, seed: int, second_order: bool = True) -> DesignSample:
    """Saltelli's sample for Sobol' indices (``SALib.sample.sobol``); ``samples`` a power of 2."""
    salib_sobol = _salib_sample("sobol")

    matrix = salib_sobol.sample(salib_problem(parameters), samples, calc_second_order=second_order, seed=seed)
    return _from_matrix(parameters, matrix)


def morris(parameters: Sequence[Parameter], trajectories: int, seed: int, levels: int = 4) -> DesignSample:
    """Morris trajectories (``SALib.sample.morris``) on a ``levels``-point grid."""
    salib_morris = _salib_sample("morris")

    matrix = salib_morris.sample(salib_problem(parameters), trajectories, num_levels=levels, seed=seed)
    return _from_matrix(parameters, matrix)


def sample(
    parameters: Sequence[Parameter],
    design: str,
    samples: int | None = None,
    seed: int = 0,
    *,
    levels: int = 4,
    second_order: bool = True,
) -> DesignSample:
    """The points of ``design`` over ``parameters`` (dispatch to the functions above).

    A design of more than :data:`MAX_POINTS` points is refused (:class:`OrgsimError`)
    before anything is drawn.
    """
    if design == "grid":
        size = math.prod(len(p.levels()) for p in parameters)
        if size > MAX_POINTS:
            raise OrgsimError(f"the grid has {size:,} points, more than the {MAX_POINTS:,} that fit in memory; use fewer levels")
        return grid(parameters)
    if samples is None or samples < 1:
        raise ValueError(f"design {design!r} needs samples >= 1")
    size = design_size(len(parameters), design, samples, second_order)
    if size is not None and size > MAX_POINTS:
        raise OrgsimError(
            f"the {design} design has {size:,} points ({samples:,} samples), more than the {MAX_POINTS:,} that fit "
            "in memory; use fewer samples"
        )
    if design == "lhs":
        return latin_hypercube(parameters, samples, seed)
    if design == "sobol":
        return sobol(parameters, samples, seed, second_order)
    if design == "morris":
        return morris(parameters, samples, seed, levels)
    raise ValueError(f"unknown design {design!r}; allowed: {', '.join(DESIGNS)}")


def design_size(n_parameters: int, design: str, samples: int | None, second_order: bool = True) -> int | None:
    """Points a sampling design yields (None for a grid: the product of its levels)."""
    if design == "lhs":
        return samples
    if design == "sobol":
        return samples * (2 * n_parameters + 2 if second_order else n_parameters + 2)
    if design == "morris":
        return samples * (n_parameters + 1)
    return None
