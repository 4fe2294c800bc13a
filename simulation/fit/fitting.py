"""Fitting a company's as-is organisation to its observed funnel.

Three kinds of input, kept apart in the result (and in ``company.yaml``'s comments):

* **set from data** -- structural inputs the export shows directly: headcounts by role; the
  lead volume, which sets the market's size and marketing's programme budget (both scaled by
  one factor, so inbound and campaign leads keep their proportions); deal sizes and sales
  cycles by segment. Each is set by one *pilot* (the design run on the fit's seeds with the
  headcounts set): the simulated figure is scaled to the observed one, field by field
  (``new = default x observed / simulated``), because the model's outcome is not its input
  (discounts, neglect and no-decision shift the realised medians);
* **fitted** -- the behavioural parameters the calibration fits to published targets
  (:data:`FIT_PARAMETERS`, the same search ranges as ``simulation/targets.yaml``), here fitted
  to the company's own figures with :func:`simulation.calibrate.calibrate` (Latin hypercube,
  quadratic response surfaces, refinement and finalists, on common random numbers). A
  parameter is fitted only when a figure that pins it is observed;
* **left at defaults** -- everything else.

Every figure is measured on a simulated run by the same code as on the export: the run is
written as an export (:func:`simulation.fit.observed.export_run`) and measured by
:func:`~simulation.fit.observed.observe_funnel`. The simulated runs start with a warm-up
quarter left out of every figure (the company's pipeline was already running when its export
begins) and then cover the export's span.

**Uncertainty of the fitted values.** Each fit figure's simulated mean is fitted by a quadratic
response surface over all candidates; a parameter's 95% interval is the range of its values
over the points (20,000 uniform on the search box) whose predicted ``sum z^2`` is within 3.84
of the best (a profile-likelihood interval, chi-squared with one degree of freedom), with
``z = (predicted - observed) / sqrt(sigma_observed^2 + sigma_run^2 (1 + 1/replications))``:
the observed figure's binomial (or stated) uncertainty, the run-to-run spread of the figure
(the export is one realisation of the company: one run's standard deviation, from the
finalists' runs) and the candidates' own noise all widen it. An interval covering most
of the search range means the data do not pin that parameter down.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..calibrate import Calibration, _Surface, calibrate
from ..errors import OrgsimError
from ..runner import replication_seeds
from ..scenario import PRESETS, WORKING_DAYS_PER_QUARTER, Scenario, load_scenario
from ..validation import MEASURES, Observation, Target, TargetSet, measure, measurement_tasks, run_measurements
from .mapping import SEGMENTS, Company
from .observed import TITLES, ObservedFunnel, _figure, export_run, observe_funnel, working_dates

FIT_PARAMETERS: dict[str, tuple[float, float]] = {
    "behaviour.accept_bar": (0.20, 0.70),
    "behaviour.min_task_yield": (0.00, 0.10),
    "behaviour.win_intercept": (-1.50, 1.00),
    "behaviour.no_decision_base": (0.05, 0.35),
}
"""The behavioural parameters fitted to a company (search ranges as in ``simulation/targets.yaml``)."""

PINNED_BY: dict[str, tuple[str, ...]] = {
    "behaviour.accept_bar": ("mql_acceptance", "mql_to_sal"),
    "behaviour.min_task_yield": ("mql_first_touched", "speed_to_lead_hours_median"),
    "behaviour.win_intercept": ("win_rate",),
    "behaviour.no_decision_base": ("no_decision_share",),
}
"""The observed figures that identify each fitted parameter; without one of them it is left at its default."""

FIT_WEIGHTS: dict[str, float] = {
    "mql_acceptance": 1.0, "mql_to_sal": 1.0, "mql_first_touched": 1.0, "speed_to_lead_hours_median": 1.0,
    "win_rate": 1.0, "no_decision_share": 1.0,
}
"""Figures that may be fitted, and their weights. Each fitted parameter is fitted to the *first* of
its :data:`PINNED_BY` figures that is observed, and only that one: the others measure the same
behaviour again (MQL-to-SAL repeats acceptance, speed to lead repeats first touches), and counting
one piece of evidence twice would make the fitted values look better pinned down than they are.
Every other observed figure is checked, not fitted."""


def fit_figures(observed_names, parameters) -> list[str]:
    """The figure each fitted parameter is fitted to (see :data:`FIT_WEIGHTS`)."""
    chosen = []
    for p in parameters:
        first = next((f for f in PINNED_BY[p] if f in observed_names), None)
        if first is not None:
            chosen.append(first)
    return chosen


DEFAULT_BUDGET = 24
DEFAULT_REPLICATIONS = 2
DEFAULT_SEED = 0
DEFAULT_CHECK_REPLICATIONS = 6
"""Fresh replications the fitted as-is is checked on (fit.csv's simulated means and intervals)."""
WARMUP_DAYS = WORKING_DAYS_PER_QUARTER
MAX_SPAN_DAYS = 504
"""Longest stretch of the export simulated (eight quarters of working days); a longer export is
compared over its last eight quarters' worth of simulated time at the same rates."""
FUNNEL_TOLERANCE = 0.10
"""A funnel file's figures carry no interval: each is taken as known to +-10% (shares: at least +-2 points)."""
BASE_ACCOUNTS = 15_000
BASE_BUDGET = 450_000.0


@dataclass(frozen=True)
class CompanySpec:
    """How a simulated run is measured as the company's export (picklable; travels to workers).

    Unpickling it in a worker process imports this module, which registers
    :func:`company_figure` in :data:`simulation.validation.MEASURES`: spawned workers need it.
    """

    entry_stage: str
    lead_days: int
    deal_days: int
    lead_columns: frozenset[str]
    deal_columns: frozenset[str]
    warmup_days: int = WARMUP_DAYS


@measure
def company_figure(obs: Observation, name: str, spec: CompanySpec) -> float:
    """One figure of the company's funnel, measured on a simulated run written as an export."""
    cache = obs.__dict__.setdefault("_company_funnels", {})
    if spec not in cache:
        leads, deals, as_of = export_run(obs.leads, obs.horizon_days, spec.entry_stage)
        if "sql" not in spec.lead_columns:
            leads = leads.assign(sql=pd.NaT)
        start = pd.Timestamp(working_dates(np.array([spec.warmup_days]))[0])
        cache[spec] = observe_funnel(
            leads, deals if spec.deal_columns else None, as_of, {"lead_days": spec.lead_days, "deal_days": spec.deal_days},
            spec.entry_stage, start=start, observed={"leads": set(spec.lead_columns), "deals": set(spec.deal_columns)}, detail=False,
        )
    return cache[spec].value(name)


assert MEASURES["company_figure"] is company_figure


@dataclass
class FitResult:
    """What :func:`fit_company` found."""

    design: str
    scenario: Scenario
    overrides: dict[str, Any]
    set_from_data: dict[str, str]
    fitted: pd.DataFrame
    defaults: list[str]
    table: pd.DataFrame
    calibration: Calibration | None
    horizon_days: int
    seed: int
    replications: int
    budget: int
    check_replications: int = DEFAULT_CHECK_REPLICATIONS
    notes: list[str] = field(default_factory=list)


# ============================================================================ observed figures


def observe_company(company: Company) -> ObservedFunnel:
    """The observed funnel of a mapping file's export, or the stated figures of a funnel file."""
    if company.funnel is not None:
        figures = {}
        for name, value in company.funnel.items():
            if name in TITLES:
                figures[name] = _figure(name, value, definition="stated in the funnel file")
        missing = {n: "not stated in the funnel file" for n in FIT_WEIGHTS if n not in figures}
        months = company.funnel.get("months", 12)
        return ObservedFunnel(figures, not_observed=missing, span={"days": months * 365.25 / 12, "source": "funnel file"},
                              reps={f"headcount_{r}": n for r, n in company.headcount.items()})
    return observe_funnel(company.leads, company.deals, company.as_of, company.windows, company.entry_stage,
                          observed=company.observed_columns, headcount=company.headcount)


def _bounds(fig, funnel: bool) -> tuple[float, float]:
    """The interval the objective scores against: the observed 95% interval, at least a small tolerance wide."""
    v = fig.value
    share = fig.unit == "share"
    floor = max(0.02, 0.05 * v) if share else 0.05 * abs(v)
    if funnel or not (math.isfinite(fig.ci_low) and math.isfinite(fig.ci_high)):
        floor = max(0.02, FUNNEL_TOLERANCE * v) if share else FUNNEL_TOLERANCE * abs(v)
        return v - floor, v + floor
    return min(fig.ci_low, v - floor), max(fig.ci_high, v + floor)


# ============================================================================ the fit


def _spec(company: Company) -> CompanySpec:
    if company.funnel is not None:
        lead_cols = frozenset({"lead_id", "created", "mql", "first_touch", "sal", "sql", "source"})
        deal_cols = frozenset({"created", "closed", "outcome", "amount", "segment", "lead_id"})
        entry = "inquiry" if "leads_per_month" in company.funnel else "mql"
    else:
        lead_cols = frozenset(company.observed_columns.get("leads", set()))
        deal_cols = frozenset(company.observed_columns.get("deals", set())) if company.deals is not None else frozenset()
        entry = company.entry_stage
    return CompanySpec(entry, int(company.windows["lead_days"]), int(company.windows["deal_days"]), lead_cols, deal_cols)


def _targets(observed: ObservedFunnel, design: str, spec: CompanySpec, names: list[str], funnel: bool, source: str,
             fitted: list[str]) -> TargetSet:
    targets = []
    for name in names:
        fig = observed.figures[name]
        low, high = _bounds(fig, funnel)
        targets.append(Target(
            name=name, title=fig.title, published=fig.value, low=low, high=high, unit=fig.unit, source=source, tag="data",
            tolerance="the observed 95% interval (at least +-5%)", design=design, measure="company_figure",
            args={"name": name, "spec": spec}, period="the export's span after a warm-up quarter", kind="emergent",
            use="fit" if name in fitted else "check", weight=FIT_WEIGHTS.get(name, 1.0),
        ))
    return TargetSet(tuple(targets), WARMUP_DAYS, {}, source)


def _horizon(observed: ObservedFunnel) -> int:
    span_working = int(round(float(observed.span.get("days", 365)) * 5 / 7))
    return WARMUP_DAYS + max(WORKING_DAYS_PER_QUARTER, min(span_working, MAX_SPAN_DAYS))


def _simulated_table(targets: TargetSet, runs: pd.DataFrame) -> dict[str, np.ndarray]:
    return {t.name: runs[t.name].to_numpy(dtype=float) for t in targets if t.name in runs}


def fit_company(
    company: Company,
    observed: ObservedFunnel,
    design: str = "separate_targets",
    replications: int = DEFAULT_REPLICATIONS,
    budget: int = DEFAULT_BUDGET,
    seed: int = DEFAULT_SEED,
    workers: int = 1,
    log: Callable[[str], None] | None = None,
    executor=None,
    check_replications: int = DEFAULT_CHECK_REPLICATIONS,
    parameters: list[str] | None = None,
) -> FitResult:
    """Set the structural inputs from the data, fit the behavioural ones, and measure the fit.

    See the module docstring. ``budget`` candidates x ``replications`` runs, plus two pilots, the
    finalists' reruns (as :func:`simulation.calibrate.calibrate`) and ``check_replications`` runs
    of the fitted as-is on fresh seeds. ``parameters``: the dotted paths to fit (default: all of
    :data:`FIT_PARAMETERS` that an observed figure identifies).
    """
    if design not in PRESETS:
        raise OrgsimError(f"--design = {design!r}: not a preset; allowed: {', '.join(PRESETS)}")
    if replications < 1:
        raise OrgsimError(f"--replications = {replications}: must be at least 1")
    log = log or (lambda line: None)
    funnel = company.funnel is not None
    spec = _spec(company)
    horizon = _horizon(observed)
    base = load_scenario(design)
    names = [n for n in observed.figures if n in TITLES]
    source = str(company.source)
    chosen = list(FIT_PARAMETERS) if parameters is None else list(parameters)
    unknown = [p for p in chosen if p not in FIT_PARAMETERS]
    if unknown:
        raise OrgsimError(f"--parameters: {unknown[0]}: not a fitted parameter; allowed: {', '.join(FIT_PARAMETERS)}")
    fit_names = fit_figures(observed.figures, chosen)
    targets = _targets(observed, design, spec, names, funnel, source, fit_names)
    seeds = replication_seeds(seed, replications)
    notes: list[str] = []

    # ------------------------------------------------------------------ structural inputs: headcounts, then one pilot
    overrides: dict[str, Any] = {"horizon_days": horizon}
    set_from_data: dict[str, str] = {}
    fields = {"ae": "sales.ae_headcount", "sdr": "sdr.headcount", "marketing": "marketing.headcount"}
    for role, path in fields.items():
        if role in company.headcount:
            value = max(company.headcount[role], 1 if role == "ae" else 0)
            overrides[path] = value
            set_from_data[path] = f"{value} ({company.headcount_basis.get(role, 'given')})"
    pilot = _scale_volume(targets, seeds, overrides, set_from_data, observed, spec, base, workers, executor, log, notes)
    size = "deal_size_usd_median" if "deal_size_usd_median" in observed.figures else "deal_size_usd_mean"  # a funnel file may state the mean
    for kind, path, default in (("cycle_days_median", "market.sales_cycle_days", base.market.sales_cycle_days),
                                (size, "market.deal_size_usd", base.market.deal_size_usd)):
        overall = observed.figures.get(kind)
        for seg in SEGMENTS:
            name = f"{kind}_{seg}"
            fig = observed.figures.get(name)
            sim = pilot.get(name, np.nan)
            use, sim_use = (fig, sim) if fig is not None and np.isfinite(sim) and sim > 0 else (overall, pilot.get(kind, np.nan))
            if use is None or not np.isfinite(use.value) or not np.isfinite(sim_use) or sim_use <= 0:
                continue
            value = float(round(getattr(default, seg) * use.value / sim_use, 1 if "cycle" in kind else -1))
            value = max(value, 1.0)
            overrides[f"{path}.{seg}"] = value
            how = f"{seg} figure" if use is fig else "all-segment figure (no segment breakdown)"
            stat = "mean" if kind.endswith("_mean") else "median"
            set_from_data[f"{path}.{seg}"] = f"{value:g} (scaled so the simulated {stat} matches the observed {how})"
    # ------------------------------------------------------------------ behavioural parameters
    search = {p: FIT_PARAMETERS[p] for p in chosen if any(f in fit_names for f in PINNED_BY[p])}
    for p in chosen:
        if p not in search:
            notes.append(f"{p} left at its default: none of {', '.join(PINNED_BY[p])} is observed")
    calibration = None
    fitted = pd.DataFrame(columns=["parameter", "value", "ci_low", "ci_high", "search_low", "search_high", "pinned_down", "by"])
    if search:
        if budget < 2 * len(search) + 2:
            raise OrgsimError(f"--budget = {budget}: must be at least {2 * len(search) + 2} to fit {len(search)} parameters")
        fit_set = TargetSet(targets.targets, WARMUP_DAYS, search, source)
        calibration = calibrate(fit_set, budget=budget, replications=replications, seed=seed, workers=workers,
                                executor=executor, log=log, overrides=overrides)
        overrides.update(calibration.parameters)
        fitted = _uncertainty(calibration, fit_set, observed, search)
    # ------------------------------------------------------------------ the fitted as-is, measured on fresh seeds
    check_seeds = replication_seeds(seed + 1, check_replications)
    log(f"checking the fitted as-is on {len(check_seeds)} fresh seeds")
    runs = _runs(targets, check_seeds, overrides, workers, executor)
    table = _fit_table(observed, targets, runs)
    company_overrides = {k: v for k, v in overrides.items() if k != "horizon_days"}
    scenario = base.with_overrides(company_overrides, "fit")
    defaults = [p for p in FIT_PARAMETERS if p not in search]
    return FitResult(design, scenario, company_overrides, set_from_data, fitted, defaults, table, calibration, horizon, seed,
                     replications, budget, check_replications, notes)


def _scale_volume(targets, seeds, overrides, set_from_data, observed, spec, base, workers, executor, log, notes) -> dict[str, float]:
    """Two pilots: scale the market (inbound leads) and marketing's budget (campaign leads) to the observed volumes.

    With the leads' channels mapped (``leads.source_values``) each is scaled by its own
    channel's ratio; otherwise both by the ratio of all leads (or MQLs). Returns the last
    pilot's simulated figures (the deal-size and cycle scaling uses them).
    """
    volume = "leads_per_month" if spec.entry_stage == "inquiry" and "leads_per_month" in observed.figures else "mqls_per_month"
    by_channel = "inbound_per_month" in observed.figures and "campaign_per_month" in observed.figures
    accounts, budget_usd = float(base.market.n_accounts), float(base.marketing.budget_per_quarter_usd)
    pilot: dict[str, float] = {}
    for attempt in (1, 2):
        log(f"pilot {attempt}: {base.name} with the company's headcounts{' and volume' if attempt > 1 else ''}, "
            f"{len(seeds)} run(s) of {overrides['horizon_days']} working days")
        pilot = _measure(targets, seeds, overrides, workers, executor)
        if by_channel:
            ratios = {"inbound": _ratio(observed.value("inbound_per_month"), pilot.get("inbound_per_month")),
                      "campaign": _ratio(observed.value("campaign_per_month"), pilot.get("campaign_per_month"))}
        else:
            r = _ratio(observed.value(volume), pilot.get(volume))
            ratios = {"inbound": r, "campaign": r}
        if not all(np.isfinite(v) for v in ratios.values()):
            notes.append(f"{volume} not observed or not simulated: market size and budget left at the design's defaults")
            return pilot
        accounts = float(np.clip(round(accounts * ratios["inbound"]), 100, 5_000_000))
        budget_usd = float(max(round(budget_usd * ratios["campaign"], -2), 0.0))
        overrides["market.n_accounts"] = int(accounts)
        overrides["marketing.budget_per_quarter_usd"] = budget_usd
    how = "the observed inbound leads a month" if by_channel else f"the observed {volume}"
    set_from_data["market.n_accounts"] = f"{int(accounts):,} (scaled in two pilots so the simulated volume matches {how})"
    how = "the observed campaign leads a month" if by_channel else "the same volume (one scale for both: map leads.source_values to set them apart)"
    set_from_data["marketing.budget_per_quarter_usd"] = f"{budget_usd:,.0f} (scaled so the simulated volume matches {how})"
    return pilot


def _ratio(observed: float, simulated: float | None) -> float:
    if simulated is None or not np.isfinite(simulated) or simulated <= 0 or not np.isfinite(observed):
        return float("nan")
    return observed / simulated


def _runs(targets: TargetSet, seeds, overrides, workers, executor) -> pd.DataFrame:
    tasks = measurement_tasks(targets, seeds, overrides)
    return run_measurements(tasks, workers=workers, executor=executor)


def _measure(targets: TargetSet, seeds, overrides, workers, executor) -> dict[str, float]:
    runs = _runs(targets, seeds, overrides, workers, executor)
    return {t.name: float(np.nanmean(runs[t.name].to_numpy(dtype=float))) if runs[t.name].notna().any() else float("nan") for t in targets}


def _fit_table(observed: ObservedFunnel, targets: TargetSet, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per observed figure: observed with its interval, simulated mean with its interval, inside."""
    from ..experiments.analysis import mean_ci

    rows = []
    for t in targets:
        fig = observed.figures[t.name]
        values = runs[t.name].replace([np.inf, -np.inf], np.nan).to_numpy(dtype=float)
        mean, low, high = mean_ci(values)
        o_low, o_high = (fig.ci_low, fig.ci_high) if math.isfinite(fig.ci_low) else (t.low, t.high)
        s_low, s_high = (low, high) if math.isfinite(low) else (mean, mean)
        inside = bool(math.isfinite(mean) and s_low <= o_high and s_high >= o_low)
        rows.append({"measure": t.name, "title": t.title, "unit": t.unit, "role": t.use, "observed": fig.value,
                     "observed_ci_low": fig.ci_low, "observed_ci_high": fig.ci_high, "simulated_mean": mean,
                     "ci_low": low, "ci_high": high, "inside": inside})
    return pd.DataFrame(rows)


def _uncertainty(cal: Calibration, targets: TargetSet, observed: ObservedFunnel, parameters: Mapping[str, tuple[float, float]],
                 samples: int = 20_000) -> pd.DataFrame:
    """Profile 95% intervals of the fitted parameters from response surfaces over every candidate (module docstring)."""
    paths = list(parameters)
    bounds = np.array([parameters[p] for p in paths], dtype=float)
    hist = cal.history
    fit_targets = [t for t in targets if t.use == "fit"]
    cols = [f"sim.{t.name}" for t in fit_targets]
    u = (hist[paths].to_numpy(dtype=float) - bounds[:, 0]) / np.where(bounds[:, 1] > bounds[:, 0], bounds[:, 1] - bounds[:, 0], 1.0)
    y = hist[cols].to_numpy(dtype=float)
    fill = np.nanmean(np.where(np.isfinite(y), y, np.nan), axis=0)
    y = np.where(np.isfinite(y), y, np.nan_to_num(fill))
    w = hist["replications"].to_numpy(dtype=float)
    surface = _Surface(u, y, w)
    fit_rows = cal.fit.set_index("target")
    sigma = []
    for t in fit_targets:
        fig = observed.figures[t.name]
        o = (fig.ci_high - fig.ci_low) / (2 * 1.96) if math.isfinite(fig.ci_low) and math.isfinite(fig.ci_high) else (t.high - t.low) / (2 * 1.96)
        r = fit_rows.loc[t.name] if t.name in fit_rows.index else None
        s = 0.0
        if r is not None and math.isfinite(r["ci_low"]) and math.isfinite(r["ci_high"]) and r["n"] >= 2:
            s = (r["ci_high"] - r["ci_low"]) / (2 * stats.t.ppf(0.975, r["n"] - 1)) * math.sqrt(r["n"])  # one run's sd
        # The export is one realisation of the company: its figure varies around the model's expectation
        # by one run's sd (beyond the binomial noise of its leads), and the surface's mean carries the
        # candidates' own simulation noise.
        reps = max(int(hist["replications"].min()), 1)
        sigma.append(math.sqrt(o**2 + s**2 * (1 + 1 / reps)) or 1e-9)
    sigma = np.array(sigma)
    obs = np.array([t.published for t in fit_targets])
    rng = np.random.default_rng(cal.seed)
    best_u = (np.array([cal.parameters[p] for p in paths]) - bounds[:, 0]) / np.where(bounds[:, 1] > bounds[:, 0], bounds[:, 1] - bounds[:, 0], 1.0)
    points = np.vstack([best_u[None, :], rng.random((samples, len(paths)))])
    chi = (((surface.predict(points) - obs) / sigma) ** 2).sum(axis=1)
    keep = points[chi <= chi.min() + stats.chi2.ppf(0.95, 1)]
    rows = []
    for i, p in enumerate(paths):
        low, high = bounds[i]
        lo = low + keep[:, i].min() * (high - low)
        hi = low + keep[:, i].max() * (high - low)
        rows.append({"parameter": p, "value": cal.parameters[p], "ci_low": float(lo), "ci_high": float(hi),
                     "search_low": low, "search_high": high, "pinned_down": bool((hi - lo) < 0.5 * (high - low)),
                     "by": next(f for f in PINNED_BY[p] if f in observed.figures)})
    return pd.DataFrame(rows)


__all__ = ["FIT_PARAMETERS", "CompanySpec", "FitResult", "company_figure", "fit_company", "observe_company"]
