"""orgsim: simulate how the design of a sales and marketing organisation shapes pipeline,
conversion and friction.

The public API::

    from simulation import load_scenario, run, compare, explain
    results = run("separate_targets", seed=1)
    results.summary, results.daily
    explain("sla", "separate_targets").contributions  # A - B by lever group

``simulation.compare`` is always the function; the module that defines it is
``simulation.comparison`` (``Comparison``, ``DEFAULT_REPLICATIONS``, ``BASELINE``).
"""

import warnings as _warnings

from tqdm import TqdmWarning as _TqdmWarning

from .errors import OrgsimError, ScenarioError

with _warnings.catch_warnings():
    # Mesa imports tqdm.auto, which warns "IProgress not found" in every notebook without
    # ipywidgets; orgsim's own progress bars are plain tqdm, so the warning is noise here.
    _warnings.simplefilter("ignore", _TqdmWarning)
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

# The experiments API (sweeps, results folders, analysis), imported on first use so that
# `import simulation` stays light (PEP 562).
_EXPERIMENTS = {
    "compare": "simulation.comparison",
    "Comparison": "simulation.comparison",
    "sweep": "simulation.experiments.sweep",
    "SweepResult": "simulation.experiments.sweep",
    "load_sweep_spec": "simulation.experiments.spec",
    "sweep_spec_from_dict": "simulation.experiments.spec",
    "load_results": "simulation.experiments.store",
    "load_daily": "simulation.experiments.store",
    "load_manifest": "simulation.experiments.store",
    "summarize_results": "simulation.experiments.analysis",
    "paired_differences": "simulation.experiments.analysis",
    "analyze_sweep": "simulation.experiments.sensitivity",
    "explain": "simulation.explanation",
    "Explanation": "simulation.explanation",
    "robustness": "simulation.experiments.robustness",
    "RobustnessResult": "simulation.experiments.robustness",
    "load_uncertainties": "simulation.uncertainties",
}
__all__ += list(_EXPERIMENTS)


def __getattr__(name: str):
    if name in _EXPERIMENTS:
        import importlib

        return getattr(importlib.import_module(_EXPERIMENTS[name]), name)
    raise AttributeError(f"module 'simulation' has no attribute {name!r}")
