"""The observed funnel, computed honestly, and the same figures measured on a simulated run.

:func:`observe_funnel` reads the canonical tables of :mod:`simulation.fit.mapping` and
returns every figure with its 95% interval and how many leads or deals it rests on:

* **volumes**: leads, MQLs, opportunities (SQLs) and won deals per month over the export, and
  the monthly trend of leads (least squares over full months, ``scipy.stats.linregress``);
* **stage-to-stage conversion** with exact (Clopper--Pearson) binomial intervals
  (``scipy.stats.binomtest``). Leads too recent to have converted are **right-censored, not
  counted as failures**: a conversion counts within a fixed follow-up window
  (``windows.lead_days``, 60 calendar days by default) over the leads created at least that
  long before the export's end;
* **times between stages** (median and quartiles, among the leads that converted within the
  window) and **speed to lead** (hours from MQL to first touch), with a distribution-free
  interval for the median (binomial order statistics);
* **deals**: win / loss / no-decision shares of the decided deals among those opened at least
  ``windows.deal_days`` (180) before the end; cycle length from opening to decision by segment
  (a deal still open counts as longer than any decided one, exact for the median while fewer
  than half are open -- the rule of :func:`simulation.validation.median_cycle_days`); deal sizes;
* **per-channel conversion** and **reps by role with output per rep**.

The simulated side uses the *same function*: :func:`export_run` writes one simulated run as a
CRM export in the canonical tables (working days to calendar dates, marketing leads as the
leads table, every opportunity as a deal), so observed and simulated figures are computed by
one definition and mean the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..leads import MARKETING_SOURCES, Reason, Source
from .mapping import SEGMENTS

DAYS_PER_MONTH = 365.25 / 12
MARKETING_SOURCE_NAMES = tuple(Source(s).name.lower() for s in MARKETING_SOURCES)
SIM_START = np.datetime64("2024-01-01")
"""The calendar date of a simulated run's day 0 (a Monday); only differences of dates matter."""


@dataclass(frozen=True)
class Figure:
    """One observed figure: its value, 95% interval, the count it rests on and what it means."""

    name: str
    title: str
    unit: str
    value: float
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    n: float = float("nan")
    definition: str = ""


@dataclass
class ObservedFunnel:
    """What :func:`observe_funnel` found: figures, tables, and what could not be observed."""

    figures: dict[str, Figure]
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    trend: dict[str, float] = field(default_factory=dict)
    stage_times: pd.DataFrame = field(default_factory=pd.DataFrame)
    channels: pd.DataFrame = field(default_factory=pd.DataFrame)
    segments: pd.DataFrame = field(default_factory=pd.DataFrame)
    reps: dict[str, Any] = field(default_factory=dict)
    not_observed: dict[str, str] = field(default_factory=dict)
    span: dict[str, Any] = field(default_factory=dict)

    def value(self, name: str) -> float:
        fig = self.figures.get(name)
        return fig.value if fig is not None else float("nan")

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([f.__dict__ for f in self.figures.values()])

    def to_dict(self) -> dict[str, Any]:
        def clean(v: Any) -> Any:
            if isinstance(v, float | np.floating):
                return None if not math.isfinite(float(v)) else float(v)
            if isinstance(v, np.integer):
                return int(v)
            if isinstance(v, pd.Timestamp):
                return v.isoformat()
            return v

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [{k: clean(v) for k, v in row.items()} for row in frame.astype(object).to_dict(orient="records")]

        return {
            "span": {k: clean(v) for k, v in self.span.items()},
            "figures": {k: {kk: clean(vv) for kk, vv in f.__dict__.items()} for k, f in self.figures.items()},
            "monthly": records(self.monthly.assign(month=self.monthly["month"].astype(str))) if len(self.monthly) else [],
            "trend": {k: clean(v) for k, v in self.trend.items()},
            "stage_times": records(self.stage_times),
            "channels": records(self.channels),
            "segments": records(self.segments),
            "reps": {k: clean(v) for k, v in self.reps.items()},
            "not_observed": self.not_observed,
        }


# ============================================================================ statistics


def binomial(k: int, n: int) -> tuple[float, float, float]:
    """Share ``k / n`` with its exact (Clopper--Pearson) 95% interval."""
    if n <= 0:
        return (float("nan"),) * 3
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="exact")
    return k / n, float(ci.low), float(ci.high)


def median_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Median with a distribution-free 95% interval from binomial order statistics.

    ``values`` may hold ``inf`` (still open: longer than any decided); a bound that falls on an
    ``inf`` is ``inf`` (the data do not bound it).
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        return (float("nan"),) * 3
    median = float(np.median(x)) if np.isfinite(np.median(x)) or n % 2 else float("inf")
    lo = int(stats.binom.ppf(0.025, n, 0.5))
    hi = int(stats.binom.isf(0.025, n, 0.5))
    low = float(x[max(lo - 1, 0)]) if n >= 6 else float("nan")
    high = float(x[min(hi, n - 1)]) if n >= 6 else float("nan")
    return median, low, high


def rate_per_month(count: int, days: float) -> tuple[float, float, float]:
    """Events per month with an exact Poisson 95% interval for the count."""
    if days <= 0:
        return (float("nan"),) * 3
    months = days / DAYS_PER_MONTH
    low = stats.chi2.ppf(0.025, 2 * count) / 2 if count > 0 else 0.0
    high = stats.chi2.ppf(0.975, 2 * count + 2) / 2
    return count / months, float(low / months), float(high / months)


def _hours(a: pd.Series, b: pd.Series) -> np.ndarray:
    return ((b - a).dt.total_seconds() / 3600.0).to_numpy(dtype=float)


# ============================================================================ the observed funnel

TITLES: dict[str, tuple[str, str]] = {
    "leads_per_month": ("Leads created per month", "leads/month"),
    "mqls_per_month": ("MQLs per month", "MQLs/month"),
    "inbound_per_month": ("Inbound leads (hand-raisers) per month", "leads/month"),
    "campaign_per_month": ("Campaign leads per month", "leads/month"),
    "sqls_per_month": ("Opportunities (SQLs) opened per month", "SQLs/month"),
    "won_per_month": ("Deals won per month", "deals/month"),
    "inquiry_to_mql": ("Inquiry to MQL", "share"),
    "mql_first_touched": ("MQLs first touched", "share"),
    "mql_acceptance": ("MQLs accepted at first touch (SAL / touched)", "share"),
    "mql_to_sal": ("MQL to SAL", "share"),
    "sal_to_sql": ("SAL to SQL", "share"),
    "mql_to_sql": ("MQL to SQL", "share"),
    "speed_to_lead_hours_median": ("Median speed to lead (MQL to first touch)", "hours"),
    "win_rate": ("Won / decided deals", "share"),
    "loss_share": ("Lost / decided deals", "share"),
    "no_decision_share": ("No decision / decided deals", "share"),
    "cycle_days_median": ("Median sales cycle, all segments", "days"),
    **{f"cycle_days_median_{s}": (f"Median sales cycle, {s}", "days") for s in SEGMENTS},
    "deal_size_usd_median": ("Median won deal", "USD"),
    "deal_size_usd_mean": ("Mean won deal", "USD"),
    **{f"deal_size_usd_median_{s}": (f"Median won deal, {s}", "USD") for s in SEGMENTS},
}


def _figure(name: str, value: float, low: float = float("nan"), high: float = float("nan"), n: float = float("nan"), definition: str = "") -> Figure:
    title, unit = TITLES[name]
    return Figure(name, title, unit, float(value), float(low), float(high), float(n), definition)


def observe_funnel(
    leads: pd.DataFrame | None,
    deals: pd.DataFrame | None,
    as_of: pd.Timestamp,
    windows: Mapping[str, int],
    entry_stage: str = "inquiry",
    start: pd.Timestamp | None = None,
    observed: Mapping[str, set[str]] | None = None,
    headcount: Mapping[str, int] | None = None,
    detail: bool = True,
) -> ObservedFunnel:
    """Every figure of the funnel the tables can show (see the module docstring).

    Args:
        leads, deals: canonical tables (either may be ``None``).
        as_of: the export's end; nothing after it is counted.
        windows: ``lead_days`` and ``deal_days``, the follow-up windows in calendar days.
        entry_stage: what a lead row is when created (``inquiry`` or ``mql``).
        start: leads and deals created before it are left out (a simulated run's warm-up).
        observed: which canonical columns the export holds (``{"leads": {...}, "deals": {...}}``);
            a figure that needs a missing column is listed in ``not_observed``, never guessed.
        headcount: people by role, for output per rep.
        detail: also the tables (monthly, channels, stage times); off for simulated runs in a fit.
    """
    as_of = pd.Timestamp(as_of)
    lead_w = pd.Timedelta(days=int(windows["lead_days"]))
    deal_w = pd.Timedelta(days=int(windows["deal_days"]))
    has_leads = observed["leads"] if observed else set(leads.columns) if leads is not None else set()
    has_deals = observed.get("deals", set()) if observed else set(deals.columns) if deals is not None else set()
    figures: dict[str, Figure] = {}
    missing: dict[str, str] = {}
    out = ObservedFunnel(figures, not_observed=missing)
    if leads is not None and start is not None:
        leads = leads[leads["created"] >= start]
    if deals is not None and start is not None:
        deals = deals[deals["created"] >= start]
    first = start if start is not None else min(t["created"].min() for t in (leads, deals) if t is not None and len(t))
    span_days = max((as_of - first).total_seconds() / 86400.0, 1.0)
    out.span = {"start": pd.Timestamp(first), "end": as_of, "days": span_days, "leads": 0 if leads is None else len(leads),
                "deals": 0 if deals is None else len(deals)}

    # -------------------------------------------------------------- volumes
    if leads is not None:
        figures["leads_per_month"] = _figure("leads_per_month", *rate_per_month(len(leads), span_days), len(leads),
                                             f"{entry_stage} leads created / months of export")
        if "channel" in has_leads:
            for channel in ("inbound", "campaign"):
                k = int((leads["channel"] == channel).sum())
                figures[f"{channel}_per_month"] = _figure(f"{channel}_per_month", *rate_per_month(k, span_days), k,
                                                          f"{entry_stage} leads from {channel} channels / months of export")
        if "mql" in has_leads:
            mql = leads["mql"]
            n_mql = int(((mql >= first) & (mql <= as_of)).sum())
            figures["mqls_per_month"] = _figure("mqls_per_month", *rate_per_month(n_mql, span_days), n_mql, "leads reaching MQL / months of export")
        else:
            missing["mqls_per_month"] = "no MQL date in the leads table"
    sql_dates = None
    if deals is not None:
        sql_dates = deals["created"]
    elif leads is not None and "sql" in has_leads:
        sql_dates = leads["sql"].dropna()
    if sql_dates is not None:
        n_sql = int(((sql_dates >= first) & (sql_dates <= as_of)).sum())
        figures["sqls_per_month"] = _figure("sqls_per_month", *rate_per_month(n_sql, span_days), n_sql, "opportunities opened / months of export")
    else:
        missing["sqls_per_month"] = "no deals table and no SQL date"

    # -------------------------------------------------------------- lead conversions (right-censored by a fixed window)
    if leads is not None:
        old = leads[leads["created"] <= as_of - lead_w]
        created = old["created"]

        def within(frame: pd.DataFrame, a: str, b: str) -> pd.Series:
            return (frame[b].notna() & (frame[b] - frame[a] <= lead_w)).astype(bool)

        if entry_stage == "inquiry" and "mql" in has_leads:
            k = int(within(old, "created", "mql").sum())
            figures["inquiry_to_mql"] = _figure("inquiry_to_mql", *binomial(k, len(old)), len(old),
                                                f"leads created at least {windows['lead_days']} days before the end reaching MQL within that window")
        elif entry_stage == "inquiry":
            missing["inquiry_to_mql"] = "no MQL date in the leads table"
        mqls = leads[leads["mql"].notna() & (leads["mql"] <= as_of - lead_w)] if "mql" in has_leads else None
        if mqls is not None and len(mqls):
            if "first_touch" in has_leads:
                touched = within(mqls, "mql", "first_touch")
                figures["mql_first_touched"] = _figure("mql_first_touched", *binomial(int(touched.sum()), len(mqls)), len(mqls),
                                                       "MQLs first touched within the window")
                speed = _hours(mqls.loc[touched, "mql"], mqls.loc[touched, "first_touch"])
                speed = np.maximum(speed, 0.0)
                if len(speed):
                    figures["speed_to_lead_hours_median"] = _figure("speed_to_lead_hours_median", *median_ci(speed), len(speed),
                                                                    "hours from MQL to first touch, MQLs touched within the window")
                if "sal" in has_leads:
                    t = mqls[touched]
                    k = int(within(t, "mql", "sal").sum())
                    figures["mql_acceptance"] = _figure("mql_acceptance", *binomial(k, len(t)), len(t), "accepted (SAL) / first touched MQLs, within the window")
            else:
                missing["mql_first_touched"] = missing["speed_to_lead_hours_median"] = "no first-touch date in the leads table"
            if "sal" in has_leads:
                k = int(within(mqls, "mql", "sal").sum())
                figures["mql_to_sal"] = _figure("mql_to_sal", *binomial(k, len(mqls)), len(mqls), "MQLs accepted (SAL) within the window")
            else:
                missing["mql_to_sal"] = missing["mql_acceptance"] = "no SAL date in the leads table"
            if "sql" in has_leads:
                k = int(within(mqls, "mql", "sql").sum())
                figures["mql_to_sql"] = _figure("mql_to_sql", *binomial(k, len(mqls)), len(mqls), "MQLs qualified (SQL) within the window")
        elif mqls is None:
            missing["mql_to_sql"] = "no MQL date in the leads table"
        if "sal" in has_leads and "sql" in has_leads:
            sals = leads[leads["sal"].notna() & (leads["sal"] <= as_of - lead_w)]
            if len(sals):
                k = int(within(sals, "sal", "sql").sum())
                figures["sal_to_sql"] = _figure("sal_to_sql", *binomial(k, len(sals)), len(sals), "SALs qualified (SQL) within the window")
        else:
            missing["sal_to_sql"] = "needs both SAL and SQL dates"
        if detail:
            out.stage_times = _stage_times(leads, deals, as_of, lead_w, deal_w, has_leads)
            out.channels = _channels(old, entry_stage, has_leads, lead_w)
        del created

    # -------------------------------------------------------------- deals: outcomes, cycles, sizes
    if deals is not None:
        mature = deals[deals["created"] <= as_of - deal_w]
        decided_mask = mature["outcome"].isin(["won", "lost", "no_decision"]) & (mature["closed"].isna() | (mature["closed"] <= as_of))
        decided = mature[decided_mask]
        if "outcome" in has_deals:
            if len(decided):
                for outcome, name in (("won", "win_rate"), ("lost", "loss_share"), ("no_decision", "no_decision_share")):
                    k = int((decided["outcome"] == outcome).sum())
                    figures[name] = _figure(name, *binomial(k, len(decided)), len(decided),
                                            f"{outcome} / decided, deals opened at least {windows['deal_days']} days before the end")
            else:
                missing["win_rate"] = f"no deal opened at least {windows['deal_days']} days before the export's end was decided"
        else:
            missing["win_rate"] = "no outcome column in the deals table"
        won = deals[(deals["outcome"] == "won") & (deals["closed"].isna() | (deals["closed"] <= as_of))]
        won_dates = won["closed"].where(won["closed"].notna(), won["created"])
        n_won = int(((won_dates >= first) & (won_dates <= as_of)).sum())
        figures["won_per_month"] = _figure("won_per_month", *rate_per_month(n_won, span_days), n_won, "deals won / months of export")
        if "closed" in has_deals and "outcome" in has_deals and len(mature):
            days = np.where(decided_mask, ((mature["closed"] - mature["created"]).dt.total_seconds() / 86400.0).to_numpy(dtype=float), np.inf)
            figures["cycle_days_median"] = _figure("cycle_days_median", *median_ci(days), len(days),
                                                   "calendar days from opening to decision; still open counts as longer")
            seg = mature["segment"].to_numpy(dtype=object)
            for s in SEGMENTS:
                sel = seg == s
                if sel.sum() >= 3:
                    figures[f"cycle_days_median_{s}"] = _figure(f"cycle_days_median_{s}", *median_ci(days[sel]), int(sel.sum()),
                                                                f"as cycle_days_median, {s} deals")
        elif "closed" not in has_deals:
            missing["cycle_days_median"] = "no close date in the deals table"
        if "amount" in has_deals:
            amounts = won["amount"].dropna().to_numpy(dtype=float)
            if len(amounts):
                figures["deal_size_usd_median"] = _figure("deal_size_usd_median", *median_ci(amounts), len(amounts), "won deals' amounts")
                if len(amounts) >= 2:
                    mean = amounts.mean()
                    half = stats.t.ppf(0.975, len(amounts) - 1) * amounts.std(ddof=1) / math.sqrt(len(amounts))
                    figures["deal_size_usd_mean"] = _figure("deal_size_usd_mean", mean, mean - half, mean + half, len(amounts), "won deals' amounts")
                for s in SEGMENTS:
                    a = won.loc[won["segment"] == s, "amount"].dropna().to_numpy(dtype=float)
                    if len(a) >= 3:
                        figures[f"deal_size_usd_median_{s}"] = _figure(f"deal_size_usd_median_{s}", *median_ci(a), len(a), f"won {s} deals' amounts")
        else:
            missing["deal_size_usd_median"] = "no amount column in the deals table"
        if detail:
            out.segments = _segments(deals, as_of)
    else:
        missing["win_rate"] = missing["cycle_days_median"] = missing["deal_size_usd_median"] = "no deals table"

    if detail:
        out.monthly, out.trend = _monthly(leads, deals, first, as_of)
        out.reps = _reps(figures, headcount or {}, deals, leads, span_days)
    return out


def _stage_times(leads, deals, as_of, lead_w, deal_w, has) -> pd.DataFrame:
    rows = []
    pairs = [("created", "mql"), ("mql", "first_touch"), ("mql", "sal"), ("sal", "sql"), ("mql", "sql"), ("created", "sql")]
    for a, b in pairs:
        if (a != "created" and a not in has) or b not in has:
            continue
        frame = leads[leads[a].notna() & (leads[a] <= as_of - lead_w)]
        gap = (frame[b] - frame[a]).dt.total_seconds() / 86400.0
        gap = gap[(gap >= 0) & (gap <= lead_w.days)].to_numpy(dtype=float)
        if len(gap):
            rows.append({"from": a, "to": b, "n": len(gap), "median_days": float(np.median(gap)),
                         "q1_days": float(np.quantile(gap, 0.25)), "q3_days": float(np.quantile(gap, 0.75))})
    if deals is not None and deals["closed"].notna().any():
        mature = deals[(deals["created"] <= as_of - deal_w) & deals["closed"].notna()]
        gap = ((mature["closed"] - mature["created"]).dt.total_seconds() / 86400.0).to_numpy(dtype=float)
        if len(gap):
            rows.append({"from": "opportunity", "to": "decision", "n": len(gap), "median_days": float(np.median(gap)),
                         "q1_days": float(np.quantile(gap, 0.25)), "q3_days": float(np.quantile(gap, 0.75))})
    return pd.DataFrame(rows)


def _channels(old: pd.DataFrame, entry_stage: str, has, lead_w) -> pd.DataFrame:
    if "source" not in has or old.empty:
        return pd.DataFrame()
    rows = []
    for source, frame in old.groupby(old["source"].fillna("(none)").astype(str), sort=True):
        row: dict[str, Any] = {"source": source, "leads": len(frame)}
        for stage in ("mql", "sql"):
            if stage in has and not (stage == "mql" and entry_stage == "mql"):
                k = int((frame[stage].notna() & (frame[stage] - frame["created"] <= lead_w)).sum())
                share, low, high = binomial(k, len(frame))
                row |= {f"to_{stage}": share, f"to_{stage}_ci_low": low, f"to_{stage}_ci_high": high}
        rows.append(row)
    return pd.DataFrame(rows).sort_values("leads", ascending=False, kind="stable").reset_index(drop=True)


def _segments(deals: pd.DataFrame, as_of) -> pd.DataFrame:
    if deals["segment"].isna().all():
        return pd.DataFrame()
    rows = []
    for seg, frame in deals.groupby(deals["segment"].fillna("(none)").astype(str)):
        won = frame[frame["outcome"] == "won"]
        rows.append({"segment": seg, "deals": len(frame), "won": len(won),
                     "median_won_amount": float(won["amount"].median()) if won["amount"].notna().any() else float("nan")})
    return pd.DataFrame(rows)


def _monthly(leads, deals, first, as_of) -> tuple[pd.DataFrame, dict[str, float]]:
    months = pd.period_range(pd.Timestamp(first).to_period("M"), pd.Timestamp(as_of).to_period("M"), freq="M")
    table = pd.DataFrame({"month": months})
    full = (months.start_time >= pd.Timestamp(first).normalize()) & (months.end_time <= as_of + pd.Timedelta(days=1))
    table["full_month"] = full

    def count(dates: pd.Series) -> np.ndarray:
        d = dates.dropna()
        d = d[(d >= first) & (d <= as_of)]
        c = d.dt.to_period("M").value_counts()
        return np.array([int(c.get(m, 0)) for m in months])

    if leads is not None:
        table["leads"] = count(leads["created"])
        if leads["mql"].notna().any():
            table["mqls"] = count(leads["mql"])
    if deals is not None:
        table["sqls"] = count(deals["created"])
        won = deals[deals["outcome"] == "won"]
        table["won"] = count(won["closed"].where(won["closed"].notna(), won["created"]))
    trend: dict[str, float] = {}
    series = "leads" if "leads" in table else "sqls" if "sqls" in table else None
    rows = table[table["full_month"]]
    if series and len(rows) >= 3:
        fit = stats.linregress(np.arange(len(rows)), rows[series].to_numpy(dtype=float))
        mean = float(rows[series].mean())
        trend = {"series": series, "full_months": len(rows), "mean_per_month": mean, "slope_per_month": float(fit.slope),
                 "slope_share_per_month": float(fit.slope / mean) if mean else float("nan"), "p_value": float(fit.pvalue)}
    return table, trend


def _reps(figures, headcount, deals, leads, span_days) -> dict[str, Any]:
    months = span_days / DAYS_PER_MONTH
    reps: dict[str, Any] = {f"headcount_{r}": n for r, n in headcount.items()}
    if headcount.get("ae") and "won_per_month" in figures:
        reps["won_per_ae_month"] = figures["won_per_month"].value / headcount["ae"]
        if deals is not None and deals["amount"].notna().any():
            won = deals[deals["outcome"] == "won"]
            reps["bookings_per_ae_month"] = float(won["amount"].sum()) / months / headcount["ae"]
    if headcount.get("sdr") and "sqls_per_month" in figures:
        reps["sqls_per_sdr_month"] = figures["sqls_per_month"].value / headcount["sdr"]
    return reps


# ============================================================================ a simulated run as an export


def working_dates(days: np.ndarray, start: np.datetime64 = SIM_START) -> np.ndarray:
    """Calendar dates (datetime64[ns]) of working days ``days`` counted from ``start``; -1 gives NaT."""
    days = np.asarray(days, dtype=np.int64)
    out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = days >= 0
    out[ok] = np.busday_offset(start, days[ok], roll="forward").astype("datetime64[ns]")
    return out


def export_run(lead_frame: pd.DataFrame, horizon_days: int, entry_stage: str = "inquiry",
               start: np.datetime64 = SIM_START) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """One simulated run as a CRM export: ``(leads, deals, as_of)`` in the canonical tables.

    The leads table holds marketing's leads (inbound hand-raisers and campaign responses, the
    CRM's lead object; with ``entry_stage='mql'`` only those that became MQLs, created at their
    MQL date); its ``sal`` date is when sales accepted the lead at the first touch (a CRM's
    "accepted" status), its ``sql`` date when an SDR or AE qualified it. Every opportunity
    (an SQL the AE's discovery kept) from any source is a deal, with its outcome, value and
    the account's segment. Working day ``d`` is the ``d``-th business day from ``start``; the
    first touch is the MQL date plus the simulated speed to lead in calendar hours.
    """
    L = lead_frame
    ids = pd.Series(np.arange(len(L)).astype(str), dtype="string")
    dates = {c: working_dates(L[f"{c}_day"].to_numpy()) for c in ("created", "mql", "first_touch", "accepted", "sql", "closed")}
    dates["sal"] = dates.pop("accepted")  # a CRM's SAL date: when sales accepted the lead (at the first touch)
    speed = L["speed_to_lead_hours"].to_numpy(dtype=float)
    touch = dates["first_touch"].copy()
    timed = np.isfinite(speed) & (L["mql_day"].to_numpy() >= 0) & (L["first_touch_day"].to_numpy() >= 0)
    touch[timed] = dates["mql"][timed] + (speed[timed] * 3.6e12).astype("timedelta64[ns]")
    source = L["source"].astype(str).to_numpy()
    channel = np.where(source == "inbound", "inbound", np.where(np.char.startswith(source.astype(str), "campaign"), "campaign", "other"))
    leads = pd.DataFrame({"lead_id": ids, "created": dates["created"], "mql": dates["mql"], "first_touch": touch,
                          "sal": dates["sal"], "sql": dates["sql"], "source": pd.Series(source, dtype="string"),
                          "channel": pd.Series(channel, dtype="string"),
                          "owner": pd.Series(pd.NA, index=ids.index, dtype="string")})
    marketing = np.isin(source, MARKETING_SOURCE_NAMES)
    keep = marketing & (L["mql_day"].to_numpy() >= 0) if entry_stage == "mql" else marketing
    leads = leads[keep].reset_index(drop=True)
    if entry_stage == "mql":
        leads["created"] = leads["mql"]
    # A deal is an opportunity: an SDR's SQL that the AE's discovery disqualified is not one.
    opp = (L["sql_day"].to_numpy() >= 0) & (L["reason"].to_numpy() != int(Reason.DISCOVERY))
    stage = L["stage"].astype(str).to_numpy()[opp]
    outcome = np.where(np.isin(stage, ["won", "lost", "no_decision"]), stage, "open")
    deals = pd.DataFrame({
        "lead_id": ids[opp].to_numpy(),
        "created": dates["sql"][opp],
        "closed": np.where(outcome != "open", dates["closed"][opp], np.datetime64("NaT")).astype("datetime64[ns]"),
        "outcome": pd.Series(outcome, dtype="string"),
        "amount": L["value"].to_numpy(dtype=float)[opp],
        "owner": pd.Series(pd.NA, index=range(int(opp.sum())), dtype="string"),
        "sdr": pd.Series(pd.NA, index=range(int(opp.sum())), dtype="string"),
        "segment": pd.Series(L["segment"].astype(str).to_numpy()[opp], dtype="string"),
    })
    as_of = pd.Timestamp(working_dates(np.array([horizon_days - 1]))[0]) + pd.Timedelta(hours=23, minutes=59)
    return leads, deals, as_of
