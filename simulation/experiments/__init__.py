"""Running many simulations: designs, seeding, execution on any executor, a results store, analysis.

* :mod:`.spec` -- sweep specs (YAML): base scenario, parameters, design, replications, outcomes;
* :mod:`.designs` -- grid, Latin hypercube, Sobol' and Morris samples;
* :mod:`.seeding` -- replication seeds (common random numbers) and stable run ids;
* :mod:`.runner` -- one loop over any ``concurrent.futures`` executor (in-process, process pool, Dask);
* :mod:`.store` -- the Parquet results folder (one file per run, written as it finishes);
* :mod:`.sweep` -- ``sweep()``: all of the above, with resume and failure rows;
* :mod:`.analysis` -- means with intervals, paired differences;
* :mod:`.sensitivity` -- Sobol' and Morris indices (SALib);
* :mod:`.robustness` -- share of the assumption space in which one design beats another, over
  a Latin hypercube of the declared uncertainties (``simulation/uncertainties.yaml``), with
  PRIM boxes and rank scores (``simulation.robustness``).
"""

from .analysis import mean_ci, paired_differences, summarize_by, summarize_results
from .runner import RunTask, iter_completed, open_executor, run_tasks
from .sensitivity import SensitivityResult, analyze_sweep
from .spec import SweepSpec, load_sweep_spec, sweep_spec_from_dict
from .store import load_daily, load_manifest, load_results
from .sweep import SweepResult

# `sweep()` itself is exported as `simulation.sweep`: exporting it here too would hide the
# `simulation.experiments.sweep` module behind the function of the same name.

__all__ = [
    "RunTask",
    "SensitivityResult",
    "SweepResult",
    "SweepSpec",
    "analyze_sweep",
    "iter_completed",
    "load_daily",
    "load_manifest",
    "load_results",
    "load_sweep_spec",
    "mean_ci",
    "open_executor",
    "paired_differences",
    "run_tasks",
    "summarize_by",
    "summarize_results",
    "sweep_spec_from_dict",
]
