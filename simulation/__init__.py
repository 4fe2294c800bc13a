"""orgsim: simulate how the design of a sales and marketing organisation shapes pipeline,
conversion and friction.

The public API::

    from simulation import load_scenario, run, compare
    results = run("separate_targets", seed=1)
    results.summary, results.daily
"""

from .errors import OrgsimError, ScenarioError
from .runner import Results, replication_seeds, run
from .scenario import PRESETS, Scenario, build_scenario, load_scenario, preset_descriptions

__all__ = [
    "PRESETS",
    "OrgsimError",
    "Results",
    "Scenario",
    "ScenarioError",
    "build_scenario",
    "load_scenario",
    "preset_descriptions",
    "replication_seeds",
    "run",
]
__version__ = "0.1.0"
