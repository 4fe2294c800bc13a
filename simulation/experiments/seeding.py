"""Seeds and run identities for experiments: common random numbers, stable run ids.

Replication ``r`` of every point of a sweep runs on the same seed, drawn from
``numpy.random.SeedSequence(seed).spawn(replications)[r]`` (the NumPy-recommended way to
get independent streams; see NEP 19). Because every point shares those seeds, the market,
the buyers' arrivals and the other random draws are the same across points, so the
difference between two points within one replication measures the design, not the draw
(common random numbers; Law, *Simulation Modeling and Analysis*, 5th ed., sec. 11.2).

A run's id is derived from what defines it -- the point's index and parameter values, the
replication and its seed -- so the same spec gives the same ids in every invocation; that
is what lets ``--resume`` find the runs that are still missing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..runner import replication_seeds

__all__ = ["canonical_json", "replication_seeds", "replication_streams", "run_id"]


def replication_streams(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The child seed sequences of the replications: ``SeedSequence(seed).spawn(replications)``.

    Child ``r`` has ``spawn_key == (r,)``; :func:`replication_seeds` turns each child into
    the integer seed that ``run(scenario, seed)`` takes (the same seeds ``compare`` uses).
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    return np.random.SeedSequence(seed).spawn(replications)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: equal values give equal text (for hashing)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_jsonable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot hash a {type(value).__name__}")


def run_id(point: int, parameters: Mapping[str, Any], replication: int, seed: int) -> str:
    """A stable id for one run: ``p<point>-r<replication>-<hash>``.

    The hash covers the point's index, its parameter values, the replication and the seed,
    so a run id names exactly one simulation. The readable prefix sorts ids by point, then
    replication.
    """
    payload = canonical_json({"point": int(point), "parameters": dict(parameters), "replication": int(replication), "seed": int(seed)})
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]
    return f"p{int(point):05d}-r{int(replication):04d}-{digest}"
