"""Running many simulations: seeding, execution on a pool of workers, and analysis."""

from .analysis import mean_ci, paired_differences, summarize_by
from .runner import RunTask, run_tasks

__all__ = ["RunTask", "mean_ci", "paired_differences", "run_tasks", "summarize_by"]
