"""``orgsim fit``: a company's own funnel, its fitted as-is organisation, and redesigns from it.

* :mod:`simulation.fit.mapping` reads a mapping file and the CRM exports it names (or a funnel file);
* :mod:`simulation.fit.observed` computes the observed funnel, and the same figures on simulated runs;
* :mod:`simulation.fit.fitting` sets the structural inputs from the data and fits the behavioural ones;
* :mod:`simulation.fit.report` writes ``observed.json``, ``fit.csv``, ``company.yaml`` and ``report.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .fitting import DEFAULT_BUDGET, DEFAULT_CHECK_REPLICATIONS, DEFAULT_REPLICATIONS, DEFAULT_SEED, FitResult, fit_company, observe_company
from .mapping import Company, read_source
from .observed import ObservedFunnel, export_run, observe_funnel
from .report import fit_chart, monthly_chart


@dataclass
class CompanyFit:
    """What :func:`fit` returns: the company's data, its observed funnel and the fit."""

    company: Company
    observed: ObservedFunnel
    result: FitResult
    files: list[Path]


def fit(
    source: str | Path,
    out: str | Path,
    design: str = "separate_targets",
    replications: int = DEFAULT_REPLICATIONS,
    budget: int = DEFAULT_BUDGET,
    seed: int = DEFAULT_SEED,
    workers: int = 1,
    allow_unmatched_deals: bool = False,
    log: Callable[[str], None] | None = None,
    parameters: list[str] | None = None,
    check_replications: int | None = None,
) -> CompanyFit:
    """Read a mapping or funnel file, compute the observed funnel, fit the as-is and write ``out``.

    ``out`` (a new or empty folder) gets ``observed.json``, ``fit.csv``, ``parameters.csv``,
    ``company.yaml`` (a scenario: ``orgsim compare out/company.yaml ...``), ``report.html`` and
    ``meta.json``, all at once when the fit is done.
    """
    from ..output import check_out_dir, check_writable_dir
    from .report import write_fit

    out = Path(out)
    check_out_dir(out)
    check_writable_dir(out)
    company = read_source(source, allow_unmatched_deals=allow_unmatched_deals)
    observed = observe_company(company)
    result = fit_company(company, observed, design=design, replications=replications, budget=budget, seed=seed,
                         workers=workers, log=log, parameters=parameters,
                         check_replications=check_replications or DEFAULT_CHECK_REPLICATIONS)
    meta = {"source": str(Path(source)), "design": design, "replications": replications, "budget": budget, "seed": seed,
            "parameters": list(result.fitted["parameter"]), "check_replications": result.check_replications}
    files = write_fit(out, result, company, observed, meta)
    return CompanyFit(company, observed, result, files)


__all__ = ["CompanyFit", "fit_chart", "monthly_chart", "export_run", "fit", "observe_company", "observe_funnel", "read_source"]
