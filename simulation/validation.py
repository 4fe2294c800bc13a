"""Calibration targets, their measurement in simulations, validation and robustness.

The model is checked the pattern-oriented way (Grimm et al. 2005): several independent
published patterns at once, not one curve fitted. The targets are data
(``simulation/targets.yaml``): each names the published figure, the range accepted and
why, its source, and how it is measured -- which design, which measurement function, over
which period. This module

* loads the targets (:func:`load_targets`);
* runs a design once with the few probes the targets need beyond :class:`~simulation.runner.Results`
  (:func:`observe`) and measures every target on the run (:data:`MEASURES`);
* runs the targets over replications on the experiments runner and reports each target's
  simulated mean with its 95% interval against the published range (:func:`validate`);
* states the rankings of the designs as the share of the assumption space -- a Latin
  hypercube over every declared uncertainty -- in which one design beats another
  (:func:`robustness`, via :mod:`simulation.experiments.robustness`);
* writes the validation report, Markdown and HTML with charts (:func:`write_report`);
* generates the parameter table of ``docs/model.md`` from the typed scenario
  (:func:`parameter_table_markdown`; ``python -m simulation.validation --odd-table``).

Calibration itself (fitting the parameters read from ``calibration.yaml``) is in
:mod:`simulation.calibrate`; it uses the measurement code here.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .behaviour import response_decay
from .errors import OrgsimError
from .experiments.analysis import mean_ci
from .experiments.robustness import OUTCOMES as ROBUST_OUTCOMES
from .experiments.robustness import RobustnessResult, analyse
from .experiments.robustness import robustness as robust_run
from .experiments.runner import RunTask, open_executor, run_tasks
from .leads import MARKETING_SOURCES, Reason, Source
from .metrics import lead_frame, summarize
from .model import OrgModel
from .runner import replication_seeds
from .scenario import CALIBRATION_FILE, PRESETS, WORKING_DAYS_PER_QUARTER, Scenario, field_reference, load_scenario

TARGETS_FILE = Path(__file__).resolve().parent / "targets.yaml"
ODD_FILE = Path(__file__).resolve().parent.parent / "docs" / "model.md"

WORKING_DAYS_PER_MONTH = 21
"""252 working days a year / 12."""
CALENDAR_PER_WORKING_DAY = 7 / 5
"""Calendar days per working day (the model counts working days; published cycles are calendar days)."""
CYCLE_FOLLOWUP_DAYS = 150
"""Opportunities opened later than this many working days before the end are left out of cycle
and SQL-to-close measures: nearly every opportunity opened earlier has been decided by the end."""

DEFAULT_REPLICATIONS = 10
KINDS = ("emergent", "input")
USES = ("fit", "check")
MARKETING_SOURCE_NAMES = tuple(Source(s).name.lower() for s in MARKETING_SOURCES)


# =============================================================================== targets


@dataclass(frozen=True)
class Target:
    """One published figure and how a simulation measures it (a row of ``targets.yaml``)."""

    name: str
    title: str
    published: float
    low: float
    high: float
    unit: str
    source: str
    tag: str
    tolerance: str
    design: str
    measure: str
    args: Mapping[str, Any]
    period: str
    kind: str
    use: str
    weight: float = 1.0

    def inside(self, value: float) -> bool:
        """Whether ``value`` lies in the published range (bounds included, to rounding)."""
        if value is None or not math.isfinite(value):
            return False
        eps = 1e-9 * max(1.0, abs(self.low), abs(self.high))
        return self.low - eps <= value <= self.high + eps

    def score(self, value: float) -> float:
        """Squared distance from the published figure, in units of the accepted range.

        ``((value - published) / (bound - published))**2`` with the bound on the value's
        side: 1 at either end of the range, below 1 inside it. Used by the calibration
        objective; a missing value scores 25 (five range-widths away).
        """
        if value is None or not math.isfinite(value):
            return 25.0
        bound = self.high if value >= self.published else self.low
        scale = abs(bound - self.published) or max(abs(self.published) * 0.05, 1e-9)
        return float(((value - self.published) / scale) ** 2)

    @property
    def args_dict(self) -> dict[str, Any]:
        return dict(self.args)


@dataclass(frozen=True)
class TargetSet:
    """The targets, the warm-up excluded from every measure and the calibration search space."""

    targets: tuple[Target, ...]
    warmup_days: int
    parameters: Mapping[str, tuple[float, float]]
    source: str = str(TARGETS_FILE)

    def __iter__(self):
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    def names(self) -> list[str]:
        return [t.name for t in self.targets]

    def by_design(self) -> dict[str, list[Target]]:
        out: dict[str, list[Target]] = {}
        for t in self.targets:
            out.setdefault(t.design, []).append(t)
        return out

    def select(self, use: str | None = None, names: Iterable[str] | None = None) -> TargetSet:
        chosen = [t for t in self.targets if (use is None or t.use == use) and (names is None or t.name in set(names))]
        return TargetSet(tuple(chosen), self.warmup_days, self.parameters, self.source)


_REQUIRED = ("name", "title", "published", "range", "unit", "source", "tag", "tolerance", "design", "measure", "period", "kind", "use")


def load_targets(path: str | Path | None = None) -> TargetSet:
    """Read and check a targets file (default: the shipped ``simulation/targets.yaml``).

    A malformed file raises :class:`OrgsimError` naming the file, the target and the field.
    """
    path = Path(path) if path is not None else TARGETS_FILE
    if not path.exists():
        raise OrgsimError(f"{path}: no such targets file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise OrgsimError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise OrgsimError(f"{path}: expected a mapping with a 'targets' list")
    targets = []
    seen = set()
    for i, raw in enumerate(data["targets"]):
        where = f"{path}: targets[{i}]"
        if not isinstance(raw, dict):
            raise OrgsimError(f"{where}: expected a mapping")
        missing = [k for k in _REQUIRED if k not in raw]
        if missing:
            raise OrgsimError(f"{where} ({raw.get('name', '?')}): missing field {missing[0]!r}")
        name = str(raw["name"])
        if name in seen:
            raise OrgsimError(f"{where}: duplicate target name {name!r}")
        seen.add(name)
        rng = raw["range"]
        if not (isinstance(rng, list) and len(rng) == 2 and float(rng[0]) <= float(rng[1])):
            raise OrgsimError(f"{where} ({name}): range must be [low, high] with low <= high")
        if raw["measure"] not in MEASURES:
            raise OrgsimError(f"{where} ({name}): unknown measure {raw['measure']!r}; known: {', '.join(sorted(MEASURES))}")
        if raw["design"] not in PRESETS:
            raise OrgsimError(f"{where} ({name}): design {raw['design']!r} is not a preset")
        if raw["kind"] not in KINDS or raw["use"] not in USES:
            raise OrgsimError(f"{where} ({name}): kind must be one of {KINDS} and use one of {USES}")
        published = float(raw["published"])
        if not float(rng[0]) <= published <= float(rng[1]):
            raise OrgsimError(f"{where} ({name}): the published figure {published} lies outside its range {rng}")
        targets.append(
            Target(
                name=name,
                title=str(raw["title"]),
                published=published,
                low=float(rng[0]),
                high=float(rng[1]),
                unit=str(raw["unit"]),
                source=str(raw["source"]),
                tag=str(raw["tag"]),
                tolerance=str(raw["tolerance"]),
                design=str(raw["design"]),
                measure=str(raw["measure"]),
                args=dict(raw.get("args") or {}),
                period=str(raw["period"]),
                kind=str(raw["kind"]),
                use=str(raw["use"]),
                weight=float(raw.get("weight", 1.0)),
            )
        )
    parameters = {str(k): (float(v[0]), float(v[1])) for k, v in (data.get("parameters") or {}).items()}
    return TargetSet(tuple(targets), int(data.get("warmup_days", WORKING_DAYS_PER_QUARTER)), parameters, str(path))


# =============================================================================== observing a run


@dataclass
class Observation:
    """What the targets are measured on: one run's frames plus a few probes.

    Attributes:
        leads: :func:`~simulation.metrics.lead_frame` (with each lead's ``segment`` and
            ``worker_role``).
        daily: the run's daily series.
        summary: the run's one-row summary, as a dict.
        horizon_days, warmup_days, mql_max_age_days, sal_max_age_days: the run's clock.
        sdr_seat_days, sdr_seat_days_after_warmup: in-house SDR seats x working days.
        sdr_departures: in-house SDRs who left (each seat is refilled at once).
        sdr_ramp_days: per observed new hire, working days from hire to full capacity.
        ae_quarters, ae_quarters_at_quota: AE-quarters after the warm-up, and those at quota.
    """

    leads: pd.DataFrame
    daily: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: dict[str, Any] = field(default_factory=dict)
    horizon_days: int = 8 * WORKING_DAYS_PER_QUARTER
    warmup_days: int = WORKING_DAYS_PER_QUARTER
    mql_max_age_days: int = 21
    sal_max_age_days: int = 30
    sdr_seat_days: float = 0.0
    sdr_seat_days_after_warmup: float = 0.0
    sdr_departures: int = 0
    sdr_ramp_days: list[float] = field(default_factory=list)
    ae_quarters: int = 0
    ae_quarters_at_quota: int = 0


def observe(scenario: Scenario, seed: int, warmup_days: int = WORKING_DAYS_PER_QUARTER) -> Observation:
    """Run ``scenario`` once with ``seed`` and keep what the targets measure.

    The run is the one :func:`simulation.runner.run` makes (same model, same seed, same
    frames from :mod:`simulation.metrics`); it is stepped here because three targets need
    state the result frames do not carry: each lead's account segment and first-touch role
    (sales cycle by segment, output per SDR), SDR hires and departures (ramp, tenure), and
    quota attainment after the first quarter only.
    """
    model = OrgModel(scenario, seed=seed)
    seat_start: dict[int, int] = {}
    ramping: dict[int, int] = {}
    obs = Observation(
        leads=pd.DataFrame(),
        horizon_days=scenario.horizon_days,
        warmup_days=warmup_days,
        mql_max_age_days=scenario.work.mql_max_age_days,
        sal_max_age_days=scenario.work.sal_max_age_days,
    )
    for sdr in model.sdrs:
        if not sdr.is_agency:
            seat_start[sdr.unique_id] = sdr.start_day
    warm_quarters = warm_at_quota = 0
    for day in range(scenario.horizon_days):
        model.step()
        for sdr in model.sdrs:
            if sdr.is_agency:
                continue
            obs.sdr_seat_days += 1
            if day >= warmup_days:
                obs.sdr_seat_days_after_warmup += 1
            previous = seat_start.get(sdr.unique_id)
            if previous is None or sdr.start_day != previous:
                if previous is not None:
                    obs.sdr_departures += 1  # the seat was refilled: someone left
                seat_start[sdr.unique_id] = sdr.start_day
                ramping[sdr.unique_id] = sdr.start_day
            if sdr.unique_id in ramping and sdr.ramp() >= 1.0:
                obs.sdr_ramp_days.append(float(model.day - ramping.pop(sdr.unique_id)))
        if model.day == warmup_days:
            warm_quarters, warm_at_quota = model.ae_quarters, model.ae_quarters_at_quota
    obs.ae_quarters = model.ae_quarters - warm_quarters
    obs.ae_quarters_at_quota = model.ae_quarters_at_quota - warm_at_quota

    obs.leads = lead_frame(model)
    obs.daily = model.recorder.frame()
    obs.summary = summarize(model)
    return obs


# =============================================================================== measures

Measure = Callable[..., float]
MEASURES: dict[str, Measure] = {}


def measure(fn: Measure) -> Measure:
    """Register a measurement function under its name (``measure:`` in targets.yaml)."""
    MEASURES[fn.__name__] = fn
    return fn


def _share(mask: pd.Series | np.ndarray) -> float:
    mask = np.asarray(mask, dtype=bool)
    return float(mask.mean()) if len(mask) else float("nan")


def _marketing(leads: pd.DataFrame) -> pd.Series:
    return leads["source"].astype(str).isin(MARKETING_SOURCE_NAMES)


def _response_cohort(obs: Observation, source: str) -> pd.DataFrame:
    """Leads of ``source`` created after the warm-up and early enough to be resolved by the end."""
    L = obs.leads
    end = obs.horizon_days - obs.mql_max_age_days
    return L[(L["source"].astype(str) == source) & (L["created_day"] >= obs.warmup_days) & (L["created_day"] < end)]


@measure
def response_time_share(obs: Observation, band: str, source: str = "inbound") -> float:
    """Share of hand-raisers first answered within 1 h, after 1-24 h, after 24 h, or never (HBR 2011).

    Every hand-raiser counts, including those marketing scored below its MQL threshold:
    sales never answers those either. Hours are calendar hours from arrival to first touch.
    """
    c = _response_cohort(obs, source)
    answered = (c["first_touch_day"] >= 0).to_numpy()
    hours = c["speed_to_lead_hours"].to_numpy(dtype=float)
    bands = {
        "within_1h": answered & (hours <= 1.0),
        "1_to_24h": answered & (hours > 1.0) & (hours <= 24.0),
        "after_24h": answered & (hours > 24.0),
        "never": ~answered,
    }
    if band not in bands:
        raise ValueError(f"band must be one of {sorted(bands)}")
    return _share(bands[band])


@measure
def mean_response_hours(obs: Observation, source: str = "inbound") -> float:
    """Mean calendar hours to the first touch of answered hand-raisers (HBR 2011: 42 hours)."""
    c = _response_cohort(obs, source)
    hours = c.loc[c["first_touch_day"] >= 0, "speed_to_lead_hours"].to_numpy(dtype=float)
    return float(hours.mean()) if len(hours) else float("nan")


@measure
def never_pursued_share(obs: Observation) -> float:
    """Share of marketing MQLs that aged out without a first touch (Sabnis et al. 2013: ~70%)."""
    L = obs.leads
    end = obs.horizon_days - obs.mql_max_age_days
    c = L[_marketing(L) & (L["mql_day"] >= obs.warmup_days) & (L["mql_day"] < end)]
    return _share(c["stage"].astype(str) == "never_worked")


@measure
def mql_acceptance(obs: Observation) -> float:
    """Accepted / (accepted + rejected) marketing MQLs at first touch (Gartner: 44%): the rep's
    review of the lead, before any conversation (``accepted_day``)."""
    L = obs.leads
    c = L[_marketing(L) & (L["mql_day"] >= 0) & (L["first_touch_day"] >= obs.warmup_days)]
    accepted = int((c["accepted_day"] >= 0).sum())
    rejected = int((c["stage"].astype(str) == "rejected").sum())
    return accepted / (accepted + rejected) if accepted + rejected else float("nan")


@measure
def inquiry_to_mql(obs: Observation) -> float:
    """Share of marketing inquiries (hand-raisers and campaign responses, including those from
    non-buyers that scoring screens out) that became MQLs."""
    L = obs.leads
    c = L[_marketing(L) & (L["created_day"] >= obs.warmup_days)]
    screened = 0.0
    if "non_buyer_inquiries" in obs.daily and len(obs.daily) > obs.warmup_days:
        cumulative = obs.daily["non_buyer_inquiries"].to_numpy(dtype=float)
        screened = cumulative[-1] - cumulative[obs.warmup_days - 1]
    total = len(c) + screened
    return float((c["mql_day"] >= 0).sum() / total) if total else float("nan")


@measure
def sal_to_sql(obs: Observation) -> float:
    """Share of marketing SALs (accepted after a first conversation) that qualified (SQL)."""
    L = obs.leads
    end = obs.horizon_days - obs.sal_max_age_days - 5
    c = L[_marketing(L) & (L["sal_day"] >= obs.warmup_days) & (L["sal_day"] < end)]
    return _share(c["sql_day"] >= 0)


def _sqls(obs: Observation) -> pd.DataFrame:
    """SQLs made after the warm-up and early enough to be decided (opportunities, and the SDRs'
    SQLs that the AE's discovery disqualified)."""
    L = obs.leads
    end = obs.horizon_days - CYCLE_FOLLOWUP_DAYS
    return L[(L["sql_day"] >= obs.warmup_days) & (L["sql_day"] < end)]


def _opened_opportunities(obs: Observation) -> pd.DataFrame:
    L = _sqls(obs)
    return L[L["reason"] != int(Reason.DISCOVERY)]


@measure
def sql_to_close(obs: Observation) -> float:
    """Won / resolved SQLs (won, lost, no decision, or disqualified at the AE's discovery), over
    SQLs made after the warm-up and early enough to be decided."""
    c = _sqls(obs)
    stage = c["stage"].astype(str)
    resolved = stage.isin(["won", "lost", "no_decision"]) | (c["reason"] == int(Reason.DISCOVERY))
    return float((stage == "won").sum() / resolved.sum()) if resolved.any() else float("nan")


@measure
def deal_outcome_share(obs: Observation, outcome: str) -> float:
    """Share of deals decided after the warm-up that ended ``outcome`` (won, lost, no_decision)."""
    if outcome not in ("won", "lost", "no_decision"):
        raise ValueError("outcome must be won, lost or no_decision")
    L = obs.leads
    stage = L.loc[L["closed_day"] >= obs.warmup_days, "stage"].astype(str)
    decided = stage.isin(["won", "lost", "no_decision"])
    return float((stage == outcome).sum() / decided.sum()) if decided.any() else float("nan")


@measure
def timing_discount_share(obs: Observation) -> float:
    """Discounts given to pull deals into a quarter, as a share of the won deals' list value
    (bookings plus those discounts), over deals won after the warm-up (Larkin 2014: 6-8%)."""
    L = obs.leads
    won = L[(L["stage"].astype(str) == "won") & (L["closed_day"] >= obs.warmup_days)]
    given = float(won["discount"].sum())
    listed = float(won["value"].sum()) + given
    return given / listed if listed > 0 else float("nan")


@measure
def quota_attainment(obs: Observation) -> float:
    """AE-quarters at or above quota / AE-quarters, after the warm-up quarter."""
    return obs.ae_quarters_at_quota / obs.ae_quarters if obs.ae_quarters else float("nan")


@measure
def median_cycle_days(obs: Observation, segment: str) -> float:
    """Median calendar days from opportunity to decision in ``segment``.

    Opportunities opened after the warm-up and at least :data:`CYCLE_FOLLOWUP_DAYS` working
    days before the end; one still open at the end counts as longer than any decided one
    (exact for the median while fewer than half are still open).
    """
    opp = _opened_opportunities(obs)
    opp = opp[opp["segment"].astype(str) == segment]
    if opp.empty:
        return float("nan")
    decided = opp["closed_day"].to_numpy() >= 0
    days = np.where(decided, opp["closed_day"].to_numpy() - opp["sql_day"].to_numpy(), np.inf).astype(float)
    median = float(np.median(days))
    return median * CALENDAR_PER_WORKING_DAY if math.isfinite(median) else float("nan")


@measure
def in_market_share(obs: Observation) -> float:
    """Mean daily share of accounts in a buying window after the warm-up (Dawes: ~5%)."""
    daily = obs.daily
    values = daily.loc[daily["day"] >= obs.warmup_days, "in_market_share"].to_numpy(dtype=float)
    return float(values.mean()) if len(values) else float("nan")


@measure
def sdr_ramp_months(obs: Observation) -> float:
    """Mean months (21 working days) from an SDR's hire to full capacity."""
    return float(np.mean(obs.sdr_ramp_days)) / WORKING_DAYS_PER_MONTH if obs.sdr_ramp_days else float("nan")


@measure
def sdr_tenure_months(obs: Observation) -> float:
    """Mean SDR tenure in months: seat-days / departures (exponential maximum likelihood)."""
    if not obs.sdr_departures:
        return float("nan")
    return obs.sdr_seat_days / obs.sdr_departures / WORKING_DAYS_PER_MONTH


@measure
def sqls_per_sdr_month(obs: Observation) -> float:
    """Opportunities qualified by in-house SDRs after the warm-up, per SDR seat-month."""
    if obs.sdr_seat_days_after_warmup <= 0:
        return float("nan")
    L = obs.leads
    made = int(((L["worker_role"] == "sdr") & (L["sql_day"] >= obs.warmup_days)).sum())
    return made / (obs.sdr_seat_days_after_warmup / WORKING_DAYS_PER_MONTH)


@measure
def response_decay_ratio(obs: Observation, early_hours: float, late_hours: float) -> float:
    """Relative qualification odds of a first touch after ``early_hours`` vs ``late_hours``,
    read off the response-decay curve (:func:`simulation.behaviour.response_decay`)."""
    return float(response_decay(early_hours) / response_decay(late_hours))


@measure
def qualification_ratio(obs: Observation, early_hours: float = 1.0, late_hours: float = 24.0) -> float:
    """Simulated share qualifying among accepted marketing leads first touched within
    ``early_hours`` over the share among those first touched after ``late_hours``."""
    L = obs.leads
    end = obs.horizon_days - obs.sal_max_age_days - 5
    c = L[_marketing(L) & (L["sal_day"] >= obs.warmup_days) & (L["sal_day"] < end)]
    hours = c["speed_to_lead_hours"].to_numpy(dtype=float)
    qualified = (c["sql_day"] >= 0).to_numpy()
    early, late = hours <= early_hours, hours > late_hours
    if not early.any() or not late.any():
        return float("nan")
    p_early, p_late = qualified[early].mean(), qualified[late].mean()
    return float(p_early / p_late) if p_late > 0 else float("nan")


def measure_targets(obs: Observation, targets: Iterable[Target]) -> dict[str, float]:
    """Every target's value on one observed run."""
    return {t.name: float(MEASURES[t.measure](obs, **t.args_dict)) for t in targets}


# =============================================================================== running the targets


@dataclass(frozen=True)
class MeasureTask:
    """One run of one design for a set of targets (picklable for worker processes)."""

    run: RunTask
    targets: tuple[Target, ...]
    warmup_days: int
    label: str = ""


def run_measure_task(task: MeasureTask) -> pd.DataFrame:
    """Observe one run and measure its targets: one row (design, replication, seed, label, values)."""
    scenario = task.run.scenario
    if task.run.days is not None:
        scenario = scenario.with_overrides({"horizon_days": task.run.days}, "--days")
    obs = observe(scenario, task.run.seed, task.warmup_days)
    row = {"design": scenario.name, "replication": task.run.replication, "seed": task.run.seed, "label": task.label}
    row.update(measure_targets(obs, task.targets))
    return pd.DataFrame([row])


def design_scenario(design: str, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """A preset with dotted-key ``overrides`` (e.g. candidate calibrated values) applied."""
    scenario = load_scenario(design)
    return scenario.with_overrides(dict(overrides), "calibration") if overrides else scenario


def measurement_tasks(
    targets: TargetSet, seeds: Sequence[int], overrides: Mapping[str, Any] | None = None, days: int | None = None, label: str = ""
) -> list[MeasureTask]:
    """One task per (design, replication seed): each measures the targets of its design."""
    tasks = []
    for design, chosen in targets.by_design().items():
        scenario = design_scenario(design, overrides)
        for r, seed in enumerate(seeds):
            tasks.append(MeasureTask(RunTask(scenario, int(seed), r, days), tuple(chosen), targets.warmup_days, label))
    return tasks


def run_measurements(tasks: Sequence[MeasureTask], workers: int = 1, executor=None, progress: bool = False) -> pd.DataFrame:
    """Run measurement tasks on the experiments runner; one row per task, in task order."""
    if not tasks:
        return pd.DataFrame()
    if executor is None:
        with open_executor("process", max(1, workers)) as pool:
            rows = run_tasks(tasks, workers=workers, progress=progress, fn=run_measure_task, executor=pool)
    else:
        rows = run_tasks(tasks, workers=workers, progress=progress, fn=run_measure_task, executor=executor)
    return pd.concat(rows, ignore_index=True)


def summarize_targets(targets: TargetSet, runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per target: published figure and range, simulated mean with its interval, inside or not."""
    rows = []
    for t in targets:
        values = runs.loc[runs["design"] == t.design, t.name] if t.name in runs else pd.Series(dtype=float)
        values = values.replace([np.inf, -np.inf], np.nan)
        mean, low, high = mean_ci(values.to_numpy(dtype=float), confidence)
        rows.append(
            {
                "target": t.name,
                "title": t.title,
                "source": t.source,
                "tag": t.tag,
                "design": t.design,
                "kind": t.kind,
                "use": t.use,
                "unit": t.unit,
                "published": t.published,
                "low": t.low,
                "high": t.high,
                "n": int(values.notna().sum()),
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "inside": bool(t.inside(mean)),
                "interval_overlaps": bool(
                    math.isfinite(mean) and (t.inside(mean) or t.inside(low) or t.inside(high) or (low < t.low and high > t.high))
                ),
                "score": t.score(mean),
            }
        )
    return pd.DataFrame(rows)


# =============================================================================== calibration file


def model_fingerprint() -> str:
    """A hash of the model's code, the presets and the targets: the calibration is stale when it changes.

    Covers the model (scenario, market, leads, behaviour, model and its submodel modules, metrics,
    runner, agents),
    the preset files and ``targets.yaml``; not this module's report code.
    """
    root = Path(__file__).resolve().parent
    files = sorted([*root.glob("*.py"), *(root / "agents").glob("*.py"), *(root.parent / "scenarios").glob("*.yaml"), TARGETS_FILE])
    keep = {
        "model.py", "market.py", "leads.py", "behaviour.py", "metrics.py", "scenario.py", "runner.py", "targets.yaml",
        "campaigns.py", "lead_work.py", "deals.py", "feedback.py", "leadership.py", "schedule.py",
    }
    digest = hashlib.sha256()
    for path in files:
        if path.parent.name in ("agents", "scenarios") or path.name in keep:
            digest.update(path.relative_to(root.parent).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_calibration(path: str | Path | None = None) -> dict[str, Any]:
    """The calibration file as a dict (``parameters``, and ``fit``/``procedure`` when written by calibrate)."""
    path = Path(path) if path is not None else CALIBRATION_FILE
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def calibration_note(path: str | Path | None = None) -> str:
    """One line on where the current calibration came from and whether the model changed since."""
    data = read_calibration(path)
    fit = data.get("fit") or {}
    if not fit:
        return "the calibration file was not written by `orgsim calibrate`"
    stamp = fit.get("model_fingerprint")
    state = "current" if stamp == model_fingerprint() else "STALE: the model changed since; rerun `orgsim calibrate --out simulation/calibration.yaml --force`"
    proc = data.get("procedure") or {}
    return (
        f"calibration: {proc.get('method', '?')}, seed {data.get('seed', '?')}, budget {proc.get('budget', '?')}, "
        f"{proc.get('replications', '?')} replications; model fingerprint {stamp} ({state})"
    )


# =============================================================================== validate


@dataclass
class Validation:
    """The result of :func:`validate`: the per-target table and every run's measurements."""

    table: pd.DataFrame
    runs: pd.DataFrame
    replications: int
    seed: int
    calibration: dict[str, Any]
    note: str

    @property
    def missed(self) -> list[str]:
        return list(self.table.loc[~self.table["inside"], "target"])


def validate(
    targets: TargetSet | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = 0,
    workers: int = 1,
    overrides: Mapping[str, Any] | None = None,
    days: int | None = None,
    executor=None,
    progress: bool = False,
) -> Validation:
    """Run every target on the current calibration (or with ``overrides``) and compare.

    Each design a target names is run ``replications`` times on the seeds
    ``SeedSequence(seed).spawn(replications)``; the simulated mean and its 95% Student-t
    interval across replications are set against the published range.
    """
    if replications < 1:
        raise OrgsimError(f"replications = {replications}: must be at least 1")
    targets = targets or load_targets()
    tasks = measurement_tasks(targets, replication_seeds(seed, replications), overrides, days)
    runs = run_measurements(tasks, workers=workers, executor=executor, progress=progress)
    return Validation(summarize_targets(targets, runs), runs, replications, seed, read_calibration(), calibration_note())


def _fmt_value(value: float, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _short_source(source: str, tag: str) -> str:
    short = re.split(r"[;(]", re.sub(r"\s*\[S2?\]", "", source))[0].strip()
    short = re.sub(r'"[^"]*",?\s*', "", short).strip().rstrip(",")
    return f"{short} [{tag}]"


def validation_table(validation: Validation) -> pd.DataFrame:
    """Printable rows: target, source, published [range], simulated mean [95% CI], inside."""
    rows = []
    for _, r in validation.table.iterrows():
        u = r["unit"]
        rows.append(
            {
                "target": r["target"],
                "source": _short_source(r["source"], r["tag"]),
                "published [range]": f"{_fmt_value(r['published'], u)} [{_fmt_value(r['low'], u)}, {_fmt_value(r['high'], u)}]",
                "simulated [95% CI]": f"{_fmt_value(r['mean'], u)} [{_fmt_value(r['ci_low'], u)}, {_fmt_value(r['ci_high'], u)}]",
                "unit": u,
                "kind": r["kind"],
                "use": r["use"],
                "inside": "yes" if r["inside"] else "MISSED",
            }
        )
    return pd.DataFrame(rows)


# =============================================================================== robustness

DEFAULT_ROBUSTNESS_SAMPLES = 32
"""Sample points of the validation report's robustness section: 6 designs x 32 points = 192
eight-quarter runs, about as many as the earlier one-at-a-time check (198 runs); the same as
``orgsim robustness``'s default, so both give the same result at the same seed."""

ROBUSTNESS_OUTCOMES: dict[str, str] = dict(ROBUST_OUTCOMES)
"""Outcomes whose design rankings are checked, and which direction is better."""


@dataclass
class Robustness:
    """The validation report's robustness section: the design comparison over the declared uncertainties.

    A thin wrapper around :class:`~simulation.experiments.robustness.RobustnessResult`
    (``result``): rankings are stated as the share of the assumption space in which one
    design beats another (:func:`simulation.experiments.robustness.robustness`).
    """

    result: RobustnessResult

    @property
    def samples(self) -> int:
        return len(self.result.samples)

    @property
    def seed(self) -> int:
        return self.result.seed

    def statements(self) -> list[str]:
        """Plain sentences: per outcome, the designs by the share of the space they win, and the pairs that are undecided."""
        return robustness_statements(self.result)


def robustness(
    designs: Sequence[str] = PRESETS,
    samples: int = DEFAULT_ROBUSTNESS_SAMPLES,
    seed: int = 0,
    workers: int = 1,
    days: int | None = None,
    executor=None,
    progress: bool = False,
) -> Robustness:
    """Compare the designs over a Latin hypercube of every declared uncertainty (``simulation/uncertainties.yaml``).

    Every design runs once at each point on the point's seed (common random numbers); see
    :mod:`simulation.experiments.robustness` for the method.
    """
    result = robust_run(list(designs), samples=samples, seed=seed, workers=workers, days=days,
                        outcomes=ROBUSTNESS_OUTCOMES, executor=executor, progress=progress)
    return Robustness(result)


def win_shares(result: RobustnessResult, outcome: str) -> pd.DataFrame:
    """Designs x designs: the share of the assumption space in which the row design beats the column design."""
    designs = list(result.designs)
    matrix = pd.DataFrame(np.nan, index=designs, columns=designs)
    pairs = result.pairs[result.pairs["outcome"] == outcome]
    for _, r in pairs.iterrows():
        n = r["n"]
        if n:
            matrix.loc[r["design_a"], r["design_b"]] = r["wins"] / n
            matrix.loc[r["design_b"], r["design_a"]] = r["losses"] / n
    return matrix


def robustness_statements(result: RobustnessResult) -> list[str]:
    """Per outcome: the designs by the mean share of the space they win against the others; the
    best design's pairs in words; the pairs whose interval includes one half (undecided)."""
    lines = []
    for outcome in result.outcomes:
        pairs = result.pairs[result.pairs["outcome"] == outcome]
        if pairs.empty:
            continue
        matrix = win_shares(result, outcome)
        mean_share = matrix.mean(axis=1, skipna=True).sort_values(ascending=False, kind="stable")
        order = ", ".join(f"{d} {100 * s:.0f}%" for d, s in mean_share.items())
        lines.append(f"{outcome}: designs by the mean share of the assumption space in which they beat each other design: {order}.")
        best = mean_share.index[0]
        for _, r in pairs[(pairs["design_a"] == best) | (pairs["design_b"] == best)].iterrows():
            lines.append(f"  {r['statement']}.")
        undecided = pairs[(pairs["ci_low"] <= 0.5) & (pairs["ci_high"] >= 0.5)]
        if len(undecided):
            names = ", ".join(f"{r['design_a']} vs {r['design_b']} ({100 * r['share']:.0f}%)" for _, r in undecided.iterrows())
            lines.append(f"{outcome}: undecided (the 95% interval of the share includes one half): {names}.")
    return lines


# =============================================================================== report


def _matplotlib():
    try:
        # Never switch the backend here: in a notebook that would stop every later chart from
        # showing. The command line selects Agg itself (cli.main).
        import matplotlib.pyplot as plt
    except ImportError:
        raise OrgsimError("the validation report needs matplotlib: pip install matplotlib") from None
    return plt


def target_chart(row: Mapping[str, Any], values: Sequence[float], ax=None):
    """One target: the published range (band) and figure (line) against the simulated runs,
    their mean and its 95% interval. Takes a row of :attr:`Validation.table`, never a model."""
    plt = _matplotlib()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 1.9))
    scale = 100.0 if row["unit"] == "share" else 1.0
    low, high, pub = row["low"] * scale, row["high"] * scale, row["published"] * scale
    vals = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float) * scale
    ax.axvspan(low, high, color="#B7D7E8", alpha=0.8, label="published range")
    ax.axvline(pub, color="#1F5F8B", lw=2, label="published figure")
    if len(vals):
        ax.scatter(vals, np.full(len(vals), 0.35), s=14, color="#777777", alpha=0.7, label="replications", zorder=3)
    mean = row["mean"] * scale
    if math.isfinite(mean):
        lo, hi = row["ci_low"] * scale, row["ci_high"] * scale
        color = "#1B7F3B" if row["inside"] else "#C0392B"
        ax.errorbar(
            [mean], [0.0], xerr=[[mean - lo], [hi - mean]], fmt="o", color=color, ms=7, capsize=4, zorder=4, label="simulated mean, 95% CI"
        )
    span = [low, high, pub, *(vals.tolist() if len(vals) else [])]
    finite = [s for s in span if math.isfinite(s)]
    lo_x, hi_x = min(finite), max(finite)
    pad = 0.1 * (hi_x - lo_x or abs(hi_x) or 1.0)
    ax.set_xlim(lo_x - pad, hi_x + pad)
    ax.set_ylim(-0.6, 0.8)
    ax.set_yticks([])
    unit = "%" if row["unit"] == "share" else row["unit"]
    verdict = "inside" if row["inside"] else "MISSED"
    ax.set_title(f"{row['title']} ({verdict})", fontsize=10, loc="left")
    ax.set_xlabel(unit, fontsize=9)
    ax.tick_params(labelsize=8)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return ax


def robustness_chart(result: RobustnessResult, outcome: str, ax=None):
    """The share of the assumption space in which the row design beats the column design, for one outcome: a heat map."""
    plt = _matplotlib()
    matrix = win_shares(result, outcome)
    designs = list(matrix.index)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.9 * len(designs) + 3.5, 0.55 * len(designs) + 1.8))
    ax.imshow(matrix.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    for i in range(len(designs)):
        for j in range(len(designs)):
            value = matrix.iloc[i, j]
            if math.isfinite(value):
                ax.text(j, i, f"{100 * value:.0f}%", ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(designs)), designs, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(designs)), designs, fontsize=9)
    direction = result.outcomes.get(outcome, "higher")
    ax.set_title(f"{outcome} ({direction} is better): share of the assumption space in which the row beats the column",
                 fontsize=10, loc="left")
    ax.grid(False)
    return ax


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


@dataclass
class ReportFiles:
    markdown: Path
    html: Path
    charts: list[Path]


def _md_table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in frame.iterrows():
        lines.append("| " + " | ".join(str(r[c]).replace("|", "/") for c in cols) + " |")
    return "\n".join(lines)


def write_report(validation: Validation, out: Path, robust: Robustness | None = None) -> ReportFiles:
    """Write the validation report into the new folder ``out``.

    ``validation.md`` and ``validation.html`` (charts embedded as base64 PNG, so the HTML
    is one self-contained file), the charts as PNG in ``charts/``, and the tables as CSV and
    JSON. Written into a temporary folder beside ``out`` and renamed, so an interrupted
    write leaves nothing half-written.
    """
    from .output import atomic_folder

    plt = _matplotlib()
    with atomic_folder(out) as tmp:
        (tmp / "charts").mkdir()
        charts: dict[str, bytes] = {}
        table = validation.table
        for _, row in table.iterrows():
            values = validation.runs.loc[validation.runs["design"] == row["design"], row["target"]].tolist()
            fig, ax = plt.subplots(figsize=(6.4, 1.9))
            target_chart(row, values, ax=ax)
            fig.tight_layout()
            charts[f"target_{row['target']}"] = _png(fig)
            plt.close(fig)
        if robust is not None:
            for outcome in robust.result.outcomes:
                n = len(robust.result.designs)
                fig, ax = plt.subplots(figsize=(0.9 * n + 3.5, 0.55 * n + 1.8))
                robustness_chart(robust.result, outcome, ax=ax)
                fig.tight_layout()
                charts[f"robustness_{outcome}"] = _png(fig)
                plt.close(fig)
        for name, data in charts.items():
            (tmp / "charts" / f"{name}.png").write_bytes(data)

        printable = validation_table(validation)
        table.to_csv(tmp / "validation.csv", index=False)
        (tmp / "validation.json").write_text(table.to_json(orient="records", indent=2), encoding="utf-8")
        validation.runs.to_csv(tmp / "validation_runs.csv", index=False)
        if robust is not None:
            robust.result.pairs.to_csv(tmp / "robustness.csv", index=False)
            robust.result.samples.to_csv(tmp / "robustness_samples.csv", index=False)
            robust.result.runs.to_csv(tmp / "robustness_runs.csv", index=False)
            robust.result.scores.to_csv(tmp / "robustness_scores.csv", index=False)
            robust.result.boxes.to_csv(tmp / "robustness_boxes.csv", index=False)
        meta = {
            "command": "validate",
            "replications": validation.replications,
            "seed": validation.seed,
            "calibration": validation.calibration,
            "note": validation.note,
            "model_fingerprint": model_fingerprint(),
            "robustness_samples": robust.samples if robust is not None else 0,
            "written": datetime.now().isoformat(timespec="seconds"),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")

        md = _markdown_report(validation, printable, robust)
        (tmp / "validation.md").write_text(md, encoding="utf-8")
        (tmp / "validation.html").write_text(_html_report(validation, printable, robust, charts), encoding="utf-8")
    return ReportFiles(out / "validation.md", out / "validation.html", sorted((out / "charts").glob("*.png")))


def _intro(validation: Validation) -> list[str]:
    t = validation.table
    inside = int(t["inside"].sum())
    return [
        f"{inside} of {len(t)} targets inside their published range; {validation.replications} replications per design "
        f"(seed {validation.seed}); simulated means with 95% Student-t intervals across replications.",
        validation.note + ".",
        "Why each missed target is missed: docs/model.md, section 'Validation: targets the model misses'.",
    ]


def _markdown_report(validation: Validation, printable: pd.DataFrame, robust: Robustness | None) -> str:
    lines = ["# orgsim validation report", "", *_intro(validation), "", "## Targets", "", _md_table(printable), ""]
    lines += ["## Simulated vs published, per target", ""]
    for name in validation.table["target"]:
        lines.append(f"![{name}](charts/target_{name}.png)")
    lines.append("")
    lines += ["## How each target is measured", ""]
    targets = {t.name: t for t in load_targets()}
    for name in validation.table["target"]:
        t = targets.get(name)
        if t:
            lines.append(
                f"- **{name}** ({t.kind}, {t.use}): {t.title}. Source: {t.source} [{t.tag}]. Range: {t.tolerance}. "
                f"Measured on `{t.design}` with `{t.measure}({', '.join(f'{k}={v}' for k, v in t.args.items())})`; {t.period}."
            )
    lines.append("")
    if robust is not None:
        lines += _robustness_markdown(robust)
    return "\n".join(lines) + "\n"


ROBUSTNESS_METHOD = (
    "Every declared uncertainty (simulation/uncertainties.yaml: behaviour, work, market and cost assumptions with no firm "
    "source) is sampled at once on a Latin hypercube; at each point every design runs once on the point's seed (common "
    "random numbers). A design beats another at a point when its outcome is better there; the share of points is the share "
    "of the assumption space in which it is better (95% Wilson interval). Where a design loses, PRIM finds the box of "
    "assumptions in which its losses concentrate; Spearman rank correlations name the assumptions that move its lead most."
)


def _robustness_intro(robust: Robustness) -> str:
    result = robust.result
    return (f"{ROBUSTNESS_METHOD} This report: {robust.samples} points x {len(result.designs)} designs, seed {robust.seed}"
            f"{f', {result.days} working days' if result.days else ''}; `orgsim robustness` runs the same analysis with more points.")


def _robustness_markdown(robust: Robustness) -> list[str]:
    result = robust.result
    lines = ["## Robustness of the design comparison", "", _robustness_intro(robust), "", "### Rankings as shares of the assumption space", ""]
    lines += [f"- {s}" if not s.startswith("  ") else f"    - {s.strip()}" for s in robust.statements()]
    for outcome in result.outcomes:
        matrix = win_shares(result, outcome).map(lambda v: "" if not math.isfinite(v) else f"{100 * v:.0f}%")
        lines += ["", f"**{outcome}** ({result.outcomes[outcome]} is better): share of the space in which the row beats the column", ""]
        lines.append(_md_table(matrix.reset_index(names="design")))
    lines += ["", "### Every design pair", "", _md_table(result.table()), ""]
    lines += [f"![{o}](charts/robustness_{o}.png)" for o in result.outcomes]
    lines += ["", f"The {len(result.uncertainties)} uncertainties and their ranges: `simulation/uncertainties.yaml`.", ""]
    return lines


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 7px;text-align:left;vertical-align:top}
th{background:#f0f3f6}td.missed{color:#b00;font-weight:bold}td.inside{color:#1b7f3b}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:8px}.charts img{width:100%}
code{background:#f4f4f4;padding:0 3px}
"""


def _html_escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html_table(frame: pd.DataFrame, flag: str | None = None) -> str:
    head = "".join(f"<th>{_html_escape(c)}</th>" for c in frame.columns)
    rows = []
    for _, r in frame.iterrows():
        cells = []
        for c in frame.columns:
            cls = ""
            if c == flag:
                cls = ' class="missed"' if r[c] == "MISSED" else ' class="inside"'
            cells.append(f"<td{cls}>{_html_escape(r[c])}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _img(data: bytes, alt: str) -> str:
    return f'<img alt="{_html_escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def _html_report(validation: Validation, printable: pd.DataFrame, robust: Robustness | None, charts: Mapping[str, bytes]) -> str:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>orgsim validation report</title>",
        f"<style>{_CSS}</style></head><body><h1>orgsim validation report</h1>",
    ]
    parts += [f"<p>{_html_escape(p)}</p>" for p in _intro(validation)]
    parts += [
        "<h2>Targets</h2>",
        _html_table(printable, flag="inside"),
        "<h2>Simulated vs published, per target</h2>",
        "<p>Band: the published range; line: the published figure; grey dots: replications; "
        "point and bar: the simulated mean and its 95% interval (green inside, red missed).</p><div class='charts'>",
    ]
    parts += [_img(charts[f"target_{n}"], n) for n in validation.table["target"] if f"target_{n}" in charts]
    parts.append("</div><h2>How each target is measured</h2><ul>")
    for t in load_targets():
        if t.name in set(validation.table["target"]):
            args = ", ".join(f"{k}={v}" for k, v in t.args.items())
            parts.append(
                f"<li><b>{_html_escape(t.name)}</b> ({t.kind}, {t.use}): {_html_escape(t.title)}. Source: {_html_escape(t.source)} "
                f"[{t.tag}]. Range: {_html_escape(t.tolerance)}. Measured on <code>{t.design}</code> with "
                f"<code>{t.measure}({_html_escape(args)})</code>; {_html_escape(t.period)}.</li>"
            )
    parts.append("</ul>")
    if robust is not None:
        result = robust.result
        parts.append("<h2>Robustness of the design comparison</h2>")
        parts.append(f"<p>{_html_escape(_robustness_intro(robust))}</p>")
        parts.append("<h3>Rankings as shares of the assumption space</h3><ul>")
        parts += [f"<li>{_html_escape(s.strip())}</li>" for s in robust.statements()]
        parts.append("</ul><div class='charts'>")
        parts += [_img(charts[f"robustness_{o}"], o) for o in result.outcomes if f"robustness_{o}" in charts]
        parts.append("</div><h3>Every design pair</h3>")
        parts.append(_html_table(result.table()))
    parts.append("</body></html>")
    return "\n".join(parts)


# =============================================================================== the ODD parameter table

PARAMETER_TABLE_START = "<!-- parameter-table:start (generated by `python -m simulation.validation --odd-table`; do not edit by hand) -->"
PARAMETER_TABLE_END = "<!-- parameter-table:end -->"

UNITS: dict[str, str] = {
    "name": "text",
    "description": "text",
    "horizon_days": "working days",
    "timeline": "list of steps (at_quarter, to, set)",
    "leadership.sdr_notice_days": "working days",
    "structure": "choice",
    "strategy_clarity": "0-1 scale",
    "market.n_accounts": "accounts",
    "market.segment_shares.smb": "share of accounts",
    "market.segment_shares.mid_market": "share of accounts",
    "market.segment_shares.enterprise": "share of accounts",
    "market.deal_size_usd.smb": "USD (first-year value)",
    "market.deal_size_usd.mid_market": "USD (first-year value)",
    "market.deal_size_usd.enterprise": "USD (first-year value)",
    "market.sales_cycle_days.smb": "calendar days",
    "market.sales_cycle_days.mid_market": "calendar days",
    "market.sales_cycle_days.enterprise": "calendar days",
    "market.in_market_share": "share of accounts",
    "market.buying_window_days": "working days",
    "market.inbound_rate": "probability per working day",
    "market.awareness_initial": "0-1 scale",
    "market.icp_width": "attribute units",
    "market.non_buyer_inquiry_share": "share of inquiries",
    "marketing.headcount": "people",
    "marketing.budget_per_quarter_usd": "USD per quarter",
    "marketing.brand_share": "share of budget",
    "marketing.enablement_share": "share of budget",
    "marketing.kpi": "choice",
    "marketing.shared_revenue_weight": "share of pay",
    "marketing.mql_target_per_quarter": "MQLs per quarter (team)",
    "marketing.default_mql_threshold": "lead score (0-1)",
    "marketing.min_mql_threshold": "lead score (0-1)",
    "marketing.salary_usd": "USD per year",
    "marketing.cost_per_inquiry_broad_usd": "USD per inquiry",
    "marketing.cost_per_inquiry_targeted_usd": "USD per inquiry",
    "marketing.volume_pay_cap": "multiple of target",
    "sales.ae_headcount": "people",
    "sales.quota_per_quarter_usd": "USD per AE-quarter",
    "sales.commission_rate": "share of bookings",
    "sales.accelerator": "multiplier",
    "sales.shared_revenue_weight": "share of pay",
    "sales.hours_per_day": "hours per working day",
    "sales.ramp_days": "working days",
    "sales.salary_usd": "USD per year",
    "sales.quarter_end_window_days": "working days",
    "sales.pull_in_horizon_days": "working days",
    "sales.pull_in_discount": "share of deal value",
    "sdr.headcount": "people (SDRs or agency SDR-equivalents)",
    "sdr.owner": "choice",
    "sdr.sourcing": "choice",
    "sdr.motion": "choice",
    "sdr.hours_per_day": "hours per working day",
    "sdr.ramp_days": "working days",
    "sdr.tenure_days": "working days",
    "sdr.salary_usd": "USD per year",
    "sdr.bonus_per_sql_usd": "USD per SQL",
    "sdr.shared_revenue_weight": "weight (0-1)",
    "sdr.on_call_hours_per_day": "team hours per day",
    "sdr.overflow_after_hours": "calendar hours",
    "sdr.agency.price_model": "choice",
    "sdr.agency.price_per_meeting_usd": "USD per meeting",
    "sdr.agency.retainer_per_sdr_month_usd": "USD per SDR-month",
    "sdr.agency.quality_bar": "perceived fit (0-1)",
    "sdr.agency.product_knowledge": "skill multiplier (0-1)",
    "sdr.agency.ramp_days": "working days",
    "sdr.agency.retainer_quality_floor": "perceived fit (0-1)",
    "sla.enabled": "yes/no",
    "sla.mql_definition_score": "lead score (0-1)",
    "sla.first_touch_hours": "calendar hours",
    "sla.min_attempts": "contact attempts",
    "sla.reject_window_days": "working days",
    "sla.breach_review": "yes/no",
    "collaboration.joint_meeting_every_days": "working days (0 = none)",
    "collaboration.feedback_routine": "yes/no",
    "collaboration.shared_icp": "yes/no",
    "leadership.short_termism": "0-1 scale",
    "leadership.combined_blame_factor": "share of the separate-leader rate",
    "leadership.reorg_transition_days": "working days",
    "leadership.reorg_capacity_loss": "share of capacity",
    "leadership.salary_usd": "USD per year",
    "leadership.quota_percentile": "percentile (0-100)",
    "leadership.growth_ambition": "multiplier",
    "leadership.never_worked_tolerance": "share of MQLs",
    "leadership.rejection_tolerance": "share of MQLs",
    "work.touch_hours": "hours per lead",
    "work.attempt_hours": "hours per attempt",
    "work.prospect_hours": "hours per prospect",
    "work.review_hours": "hours per MQL",
    "work.feedback_hours": "hours per piece of feedback",
    "work.deal_hours_per_day": "hours per deal per working day",
    "work.max_attempts": "contact attempts",
    "work.qualify_hours": "hours per reached buyer",
    "work.discovery_hours": "hours per opportunity",
    "work.proposal_hours": "hours per opportunity",
    "work.negotiation_days": "working days before the decision",
    "work.negotiation_hours_per_day": "hours per deal per working day",
    "work.ae_admin_share": "share of AE hours",
    "work.breach_review_hours": "hours per rep per week",
    "work.mql_max_age_days": "working days",
    "work.sal_max_age_days": "working days",
    "behaviour.trust_initial_sales_in_marketing": "trust (0-1)",
    "behaviour.trust_initial_marketing_in_sales": "trust (0-1)",
    "behaviour.trust_learning_rate": "weight per working day",
    "behaviour.blame_strength": "trust (0-1) per blame event",
    "behaviour.meeting_trust_gain": "share of trust gap per meeting",
    "behaviour.distrust_bias": "perceived fit (0-1)",
    "behaviour.response_decay_persistent_share": "share of qualification",
    "behaviour.contact_rate_first": "probability (first attempt, fresh lead)",
    "behaviour.contact_attempt_decay": "multiplier per attempt",
    "behaviour.contact_age_halflife_days": "working days",
    "behaviour.min_task_yield": "SQLs per hour",
    "behaviour.breach_aversion": "SQL equivalents per breach",
    "behaviour.score_noise_initial": "lead score sd",
    "behaviour.feedback_learning": "per piece of feedback",
    "behaviour.icp_divergence": "attribute units",
    "behaviour.brand_build_rate": "awareness per working day per $1M/quarter",
    "behaviour.awareness_decay": "share of awareness per working day",
    "behaviour.brand_win_effect": "logit",
    "behaviour.enablement_win_effect": "logit",
    "behaviour.agency_quality": "0-1 scale",
    "behaviour.accept_bar": "perceived fit (0-1)",
    "behaviour.junk_prior": "believed lead quality (0-1)",
    "behaviour.perception_noise": "perceived fit sd",
    "behaviour.qualify_base": "probability",
    "behaviour.out_of_market_need": "probability",
    "behaviour.no_project_sal_share": "probability",
    "behaviour.sdr_handover_leniency": "multiplier",
    "behaviour.cold_contact_rate": "probability per attempt",
    "behaviour.prospect_in_market_weight": "relative weight",
    "behaviour.meeting_rate_in_market": "probability",
    "behaviour.meeting_push_in_house": "probability",
    "behaviour.meeting_push_agency_per_meeting": "probability",
    "behaviour.meeting_push_agency_retainer": "probability",
    "behaviour.outbound_prior_sql_per_hour": "SQLs per hour",
    "behaviour.broad_in_market_response": "relative response",
    "behaviour.targeted_in_market_response": "relative response",
    "behaviour.belief_learning": "weight per piece of feedback",
    "behaviour.icp_learning": "share of ICP gap per piece of feedback",
    "behaviour.ae_shared_weight_reservation_cut": "share per unit of weight",
    "behaviour.agency_noise_extra": "perceived fit sd",
    "behaviour.reason_code_trust_value": "experience (0-1)",
    "behaviour.feedback_steepness": "logistic slope",
    "behaviour.feedback_shared_benefit": "benefit per unit of weight",
    "behaviour.feedback_routine_benefit": "benefit",
    "behaviour.feedback_meeting_benefit": "benefit",
    "behaviour.feedback_busy_cost": "cost per unit of utilisation",
    "behaviour.meeting_enablement_lift": "share of use",
    "behaviour.meeting_memory_days": "working days",
    "behaviour.no_decision_no_need": "probability",
    "behaviour.win_need": "logit per unit of need",
    "behaviour.brand_lag_days": "working days per stage",
    "behaviour.day_one_list_max": "probability at full awareness",
    "behaviour.off_list_hand_raise": "share of the on-list rate",
    "behaviour.quarter_end_deal_boost": "multiplier",
    "behaviour.no_decision_base": "probability",
    "behaviour.no_decision_neglect": "probability",
    "behaviour.win_intercept": "logit",
    "behaviour.win_fit": "logit per unit of fit",
    "behaviour.win_skill": "logit per unit of skill",
    "behaviour.enablement_stock_scale_usd": "USD of content",
    "behaviour.enablement_decay": "share per working day",
}
"""The unit of every scenario field (a test fails when a field has none)."""

LEVERS = (
    "structure",
    "strategy_clarity",
    "marketing.headcount",
    "marketing.budget_per_quarter_usd",
    "marketing.brand_share",
    "marketing.enablement_share",
    "marketing.kpi",
    "marketing.shared_revenue_weight",
    "marketing.mql_target_per_quarter",
    "sales.ae_headcount",
    "sales.quota_per_quarter_usd",
    "sales.commission_rate",
    "sales.accelerator",
    "sales.shared_revenue_weight",
    "sales.quarter_end_window_days",
    "sales.pull_in_horizon_days",
    "sdr.headcount",
    "sdr.owner",
    "sdr.sourcing",
    "sdr.motion",
    "sdr.bonus_per_sql_usd",
    "sdr.shared_revenue_weight",
    "sdr.on_call_hours_per_day",
    "sdr.agency.price_model",
    "sdr.agency.price_per_meeting_usd",
    "sdr.agency.retainer_per_sdr_month_usd",
    "sdr.agency.quality_bar",
    "sla.enabled",
    "sla.mql_definition_score",
    "sla.first_touch_hours",
    "sla.min_attempts",
    "sla.reject_window_days",
    "sla.breach_review",
    "collaboration.joint_meeting_every_days",
    "collaboration.feedback_routine",
    "collaboration.shared_icp",
)
"""Fields an org design sets (levers, brief section 4): their values are choices, not estimates."""

SOURCE_NOTES: dict[str, str] = {
    "name": "label (not a parameter)",
    "description": "label (not a parameter)",
    "horizon_days": "experiment setting: 8 quarters of 63 working days",
    "timeline": "experiment setting: a roadmap's changes of levers (docs/experiments.md, Roadmaps; ODD 7.10)",
    "market.n_accounts": "*assumption* (a mid-sized B2B company's addressable market)",
    "market.sales_cycle_days.smb": "SMB 14-30 days [S2]; the default is the middle",
    "market.sales_cycle_days.mid_market": "mid-market 30-90 days [S2]; Bridge Group median cycle 60 days [S]",
    "market.sales_cycle_days.enterprise": "enterprise 90-180+ days [S2]",
    "marketing.budget_per_quarter_usd": "lever; the default is an *assumption*",
    "marketing.enablement_share": "lever; the default is an *assumption*",
    "marketing.mql_target_per_quarter": "lever; the default is an *assumption*",
    "marketing.default_mql_threshold": "*assumption*",
    "sales.quota_per_quarter_usd": "lever (the first quarter's quota); *assumption*",
    "sales.commission_rate": "lever; the default is an *assumption* (a common 10%)",
    "sales.accelerator": "lever; the default is an *assumption*",
    "sales.hours_per_day": "*assumption* (an 8-hour day)",
    "sales.quarter_end_window_days": "*assumption* (the last two weeks; Oyer 1998, Larkin 2014 on deal timing)",
    "sales.pull_in_horizon_days": "lever (0 forbids deal timing); the default, two weeks, is an *assumption*",
    "sales.pull_in_discount": "*assumption* (Larkin 2014 reports the revenue cost of deal timing, 6-8%, not a per-deal discount)",
    "sdr.hours_per_day": "*assumption* (an 8-hour day)",
    "sdr.agency.quality_bar": "lever; the default is an *assumption*",
    "sdr.agency.ramp_days": "*assumption* (agencies ramp faster [S]: about three weeks)",
    "sla.mql_definition_score": "lever; the sla preset sets 0.55",
    "sla.first_touch_hours": "lever; 24 h (HBR 2011: most value is lost within a day)",
    "sla.reject_window_days": "lever; 5 working days (*assumption*: a common SLA term)",
    "leadership.reorg_transition_days": "*assumption* (one quarter)",
    "behaviour.trust_learning_rate": "*assumption* (uncertain; varied in the robustness check)",
    "behaviour.blame_strength": "*assumption* (uncertain; varied in the robustness check)",
    "behaviour.no_decision_neglect": "calibrated, weakly determined (see Calibration); that neglect raises no decision is an *assumption*",
    "behaviour.meeting_trust_gain": "*assumption*",
    "behaviour.distrust_bias": "*assumption*",
    "behaviour.score_noise_initial": "*assumption*",
    "behaviour.icp_divergence": "*assumption* (seeds 002, 004 describe the divergence, not its size)",
    "behaviour.awareness_decay": "*assumption*, shaped by Binet & Field [S]: brand effects persist (half-life ~1.4 years)",
    "behaviour.brand_win_effect": "*assumption*, motivated by Bain/Google 2022 [S2]: 90% buy from their day-one list; applies to buyers with the company on that list (varied in the robustness check)",
    "behaviour.brand_build_rate": "*assumption* -- how much awareness brand spend builds, not when: the delay is `behaviour.brand_lag_days` (Binet & Field [S]: effects begin ~6 months in) (varied in the robustness check)",
    "behaviour.enablement_win_effect": "*assumption*",
    "behaviour.agency_quality": "*assumption*: no study of agency vs in-house conversion found (brief section 6); varied in the robustness check",
}
"""Source or status of fields whose description names neither a source nor the word *assumption*."""

_SOURCE_PATTERN = re.compile(
    r"(\[S2?\]|\b(19|20)\d\d\b|HBR|Gartner|CSO|TOPO|Bridge Group|Dawes|B2B Institute|Westwood|MIT/InsideSales|Oyer|Larkin|Binet|Sabnis)"
)


def field_source(path: str, description: str) -> str | None:
    """The source column of a field: a named source, *assumption*, lever or label; None if undocumented."""
    if path in SOURCE_NOTES:
        return SOURCE_NOTES[path]
    if "assumption" in description.lower():
        return f"*assumption* -- {description}"
    if _SOURCE_PATTERN.search(description):
        return description
    if path in LEVERS:
        return "lever (a design choice)"
    return None


def parameter_rows() -> list[dict[str, str]]:
    """Every scenario field with default, unit, allowed range, source or *assumption*, calibrated mark."""
    from .scenario import CALIBRATED

    targets = load_targets()
    rows = []
    for ref in field_reference():
        path = ref["field"]
        source = field_source(path, ref["description"])
        calibrated = path in CALIBRATED or path in targets.parameters
        kind = "calibrated" if calibrated else ("lever" if path in LEVERS else "")
        if calibrated:
            low, high = targets.parameters.get(path, (float("nan"), float("nan")))
            source = f"**calibrated** (search range {low:g} to {high:g}) -- {ref['description']}"
        rows.append(
            {
                "field": path,
                "type": ref["type"],
                "default": ref["default"],
                "unit": UNITS.get(path, ""),
                "allowed": ref["allowed"],
                "source": source or "",
                "kind": kind,
                "description": ref["description"],
            }
        )
    return rows


def parameter_table_markdown() -> str:
    """The ODD parameter table (Markdown), one row per scenario field."""
    lines = ["| parameter | default | unit | allowed | source (figure) or *assumption* |", "|---|---|---|---|---|"]
    for r in parameter_rows():
        mark = " ⚙" if r["kind"] == "calibrated" else ""
        cells = [f"`{r['field']}`{mark}", r["default"], r["unit"] or "**?**", r["allowed"], r["source"] or "**undocumented**"]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def update_odd_table(path: str | Path = ODD_FILE) -> bool:
    """Regenerate the parameter table between its markers in ``docs/model.md``; True if it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if PARAMETER_TABLE_START not in text or PARAMETER_TABLE_END not in text:
        raise OrgsimError(f"{path}: no parameter-table markers")
    head, rest = text.split(PARAMETER_TABLE_START, 1)
    _, tail = rest.split(PARAMETER_TABLE_END, 1)
    new = f"{head}{PARAMETER_TABLE_START}\n{parameter_table_markdown()}\n{PARAMETER_TABLE_END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


def _replace_block(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text or end not in text:
        raise OrgsimError(f"docs/model.md: no {name} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body.strip()}\n{end}{tail}"


def odd_results(report: str | Path) -> dict[str, str]:
    """The result blocks of docs/model.md (calibration, validation, robustness) from a report folder
    written by ``orgsim validate`` and the shipped calibration file."""
    report = Path(report)
    if not (report / "validation.csv").exists():
        raise OrgsimError(f"{report}: not a folder written by orgsim validate (no validation.csv)")
    meta = json.loads((report / "meta.json").read_text(encoding="utf-8"))
    cal = read_calibration()
    proc = cal.get("procedure") or {}
    fit = (cal.get("fit") or {}).get("targets") or {}
    lines = [
        f"**Result** (model fingerprint `{(cal.get('fit') or {}).get('model_fingerprint', '?')}`; seed {cal.get('seed')}, "
        f"{proc.get('evaluations')} candidates x {proc.get('replications')} replications, "
        f"{proc.get('final_candidates')} finalists x {proc.get('final_replications')}; objective "
        f"{(cal.get('fit') or {}).get('objective')}):",
        "",
        "| parameter | calibrated value | search range |",
        "|---|---|---|",
    ]
    for path, value in (cal.get("parameters") or {}).items():
        low, high = (proc.get("search_space") or {}).get(path, ["?", "?"])
        lines.append(f"| `{path}` | {value:g} | {low:g} to {high:g} |")
    inside = [n for n, r in fit.items() if r.get("use") == "fit" and r.get("inside")]
    outside = [n for n, r in fit.items() if r.get("use") == "fit" and not r.get("inside")]
    lines += [
        "",
        f"At these values, over the finalists' replications, the fit targets inside their range are "
        f"{', '.join(f'`{n}`' for n in inside) or 'none'}; outside: {', '.join(f'`{n}`' for n in outside) or 'none'} "
        "(see the misses below).",
    ]
    table = pd.read_csv(report / "validation.csv")
    validation = Validation(table, pd.DataFrame(), int(meta.get("replications", 0)), int(meta.get("seed", 0)), cal, meta.get("note", ""))
    printable = validation_table(validation)
    val = [
        f"`orgsim validate --replications {validation.replications} --seed {validation.seed}` on the shipped calibration "
        f"({int(table['inside'].sum())} of {len(table)} targets inside):",
        "",
        _md_table(printable),
    ]
    robust_lines = ["(no robustness section in that report)"]
    if (report / "robustness_runs.csv").exists() and (report / "robustness_samples.csv").exists():
        runs = pd.read_csv(report / "robustness_runs.csv")
        samples = pd.read_csv(report / "robustness_samples.csv")
        designs = [d for d in PRESETS if d in set(runs["scenario"])] + sorted(set(runs["scenario"]) - set(PRESETS))
        result = analyse(samples, runs, designs, {o: d for o, d in ROBUSTNESS_OUTCOMES.items() if o in runs.columns})
        result.seed = validation.seed
        robust = Robustness(result)
        robust_lines = [
            f"Result of the shipped validation run ({robust.samples} points of a Latin hypercube over the "
            f"{len(samples.columns) - 2} declared uncertainties x {len(designs)} designs, seed {validation.seed}; "
            "computed by `simulation.validation.robustness`):",
            "",
            *[f"- {s}" if not s.startswith("  ") else f"    - {s.strip()}" for s in robust.statements()],
        ]
    return {"calibration-result": "\n".join(lines), "validation-result": "\n".join(val), "robustness-result": "\n".join(robust_lines)}


def update_odd_results(report: str | Path, path: str | Path = ODD_FILE) -> None:
    """Write the result blocks of docs/model.md from a validation report folder."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    for name, body in odd_results(report).items():
        text = _replace_block(text, name, body)
    path.write_text(text, encoding="utf-8")


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulation.validation")
    parser.add_argument("--odd-table", action="store_true", help="regenerate the parameter table in docs/model.md")
    parser.add_argument("--print-table", action="store_true", help="print the parameter table")
    parser.add_argument(
        "--odd-results",
        type=Path,
        default=None,
        metavar="REPORT",
        help="fill docs/model.md's result blocks from a folder written by orgsim validate",
    )
    args = parser.parse_args(argv)
    if args.odd_results is not None:
        update_odd_results(args.odd_results)
        print(f"{ODD_FILE}: calibration, validation and robustness results written from {args.odd_results}")
    if args.print_table:
        print(parameter_table_markdown())
    if args.odd_table:
        changed = update_odd_table()
        print(f"{ODD_FILE}: parameter table {'updated' if changed else 'already current'}")
    return 0


__all__ = [
    "MEASURES",
    "Observation",
    "ROBUSTNESS_OUTCOMES",
    "Robustness",
    "Target",
    "TargetSet",
    "Validation",
    "load_targets",
    "measure_targets",
    "observe",
    "robustness",
    "validate",
    "write_report",
]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main())
