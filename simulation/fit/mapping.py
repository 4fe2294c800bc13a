"""Reading a company's CRM export: the mapping file, its tables, and the funnel file.

A **mapping file** (YAML) names a company's exports (CSV or Parquet, paths relative to the
mapping file) and which columns hold what; :func:`read_source` turns it into a
:class:`Company`: two canonical tables (``leads`` and ``deals``) with parsed dates, plus
headcounts and notes on what the export cannot show. A **funnel file** (YAML with a top-level
``funnel:``) states the figures directly; it becomes a :class:`Company` with ``funnel`` set
and no tables.

Every mistake in either is an :class:`~simulation.errors.OrgsimError` with one line naming
the file, the key or column and what is allowed. Tables are read column-wise with pandas and
pyarrow (no Python loop over rows): a million-lead CSV reads in a few seconds.

Canonical tables (what :mod:`simulation.fit.observed` measures):

``leads``  ``lead_id`` (text), ``created`` (datetime), ``mql``, ``first_touch``, ``sal``,
           ``sql`` (datetime or NaT), ``source`` and ``owner`` (text or missing)
``deals``  ``lead_id`` (text or missing), ``created``, ``closed`` (datetime or NaT),
           ``outcome`` (``won`` | ``lost`` | ``no_decision`` | ``open``), ``amount`` (float),
           ``owner``, ``sdr``, ``segment`` (``smb`` | ``mid_market`` | ``enterprise`` or missing)
"""

from __future__ import annotations

import math
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import OrgsimError, short_repr, short_text
from ..yamlio import read_yaml_mapping

ENTRY_STAGES = ("inquiry", "mql")
STAGE_DATES = ("mql", "first_touch", "sal", "sql")
OUTCOMES = ("won", "lost", "no_decision", "open")
SEGMENTS = ("smb", "mid_market", "enterprise")
ROLES = ("ae", "sdr", "marketing")

LEAD_KEYS = {"path", "id", "created", "stage", "stage_dates", "source", "source_values", "owner", "date_format", "dayfirst"}
CHANNELS = ("inbound", "campaign")
DEAL_KEYS = {"path", "lead_id", "created", "closed", "outcome", "outcome_values", "amount", "owner", "sdr", "segment",
             "segment_values", "date_format", "dayfirst"}
TOP_KEYS = {"leads", "deals", "headcount", "as_of", "windows"}
WINDOW_KEYS = {"lead_days", "deal_days"}

DEFAULT_LEAD_WINDOW_DAYS = 60
"""Calendar days a lead is followed for its stage conversions: leads created later than this
before the export's end are too recent to count (right-censored, not failures)."""
DEFAULT_DEAL_WINDOW_DAYS = 180
"""Calendar days a deal is followed for win rates and cycle lengths (about the model's
150 working days, by which nearly every opportunity is decided)."""

FUNNEL_KEYS = {
    "months", "leads_per_month", "mqls_per_month", "conversion", "speed_to_lead_hours_median",
    "outcomes", "cycle_days_median", "deal_size_usd_mean", "deal_size_usd_median", "headcount",
}
FUNNEL_CONVERSIONS = ("inquiry_to_mql", "mql_to_sal", "mql_acceptance", "sal_to_sql", "mql_to_sql")


@dataclass
class Company:
    """A company's funnel data, read from a mapping file or a funnel file.

    Attributes:
        source: the mapping or funnel file.
        leads, deals: canonical tables (see the module docstring); ``None`` when not exported.
        entry_stage: what a lead row is when created (``inquiry`` or ``mql``).
        as_of: the export's end: the ``as_of`` key, or the latest date in any table.
        headcount: people by role (``ae``, ``sdr``, ``marketing``) where known.
        headcount_basis: per role, where its headcount comes from (given, counted, not observed).
        windows: ``lead_days`` and ``deal_days`` follow-up windows (calendar days).
        funnel: the stated figures of a funnel file (``None`` for a mapping file).
        notes: what the data cannot show, or what was done to it, in plain sentences.
    """

    source: Path
    leads: pd.DataFrame | None = None
    deals: pd.DataFrame | None = None
    entry_stage: str = "inquiry"
    as_of: pd.Timestamp | None = None
    headcount: dict[str, int] = field(default_factory=dict)
    headcount_basis: dict[str, str] = field(default_factory=dict)
    windows: dict[str, int] = field(default_factory=lambda: {"lead_days": DEFAULT_LEAD_WINDOW_DAYS, "deal_days": DEFAULT_DEAL_WINDOW_DAYS})
    funnel: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    observed_columns: dict[str, set[str]] = field(default_factory=dict)

    @property
    def has(self) -> dict[str, bool]:
        """Which parts of the funnel the data can show."""
        cols = self.observed_columns
        return {name: name in cols.get("leads", set()) for name in STAGE_DATES} | {
            "source": "source" in cols.get("leads", set()),
            "deals": self.deals is not None,
            "outcome": "outcome" in cols.get("deals", set()),
            "amount": "amount" in cols.get("deals", set()),
            "segment": "segment" in cols.get("deals", set()),
            "closed": "closed" in cols.get("deals", set()),
            "joined": "lead_id" in cols.get("deals", set()),
        }


# ============================================================================ the mapping file


def is_funnel_file(data: Mapping[str, Any]) -> bool:
    return "funnel" in data


def read_source(path: str | Path, allow_unmatched_deals: bool = False) -> Company:
    """Read a mapping file (and the exports it names) or a funnel file into a :class:`Company`."""
    path = Path(path)
    data = read_yaml_mapping(path, "mapping or funnel file")
    if is_funnel_file(data):
        return read_funnel(path, data)
    return read_mapping(path, data, allow_unmatched_deals)


def _unknown(where: str, given: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(map(str, given)) - allowed)
    if extra:
        raise OrgsimError(f"{where}: {short_text(extra[0])}: unknown key; allowed: {', '.join(sorted(allowed))}")


def _text(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise OrgsimError(f"{where}: {key} = {short_repr(value)}: must be a column name (text)")
    return value


def read_mapping(path: Path, data: dict[str, Any], allow_unmatched_deals: bool = False) -> Company:
    """Check a mapping file's keys, read its tables and check their content (see the module docstring)."""
    _unknown(str(path), data, TOP_KEYS | {"funnel"})
    leads_spec = data.get("leads")
    if not isinstance(leads_spec, dict):
        raise OrgsimError(f"{path}: leads: required; a mapping with at least path, id and created (or give a funnel file with funnel:)")
    company = Company(source=path)
    company.windows = _windows(path, data.get("windows"))
    company.leads, company.entry_stage, company.observed_columns["leads"] = _read_leads(path, leads_spec, company.notes)
    deals_spec = data.get("deals")
    if deals_spec is not None:
        if not isinstance(deals_spec, dict):
            raise OrgsimError(f"{path}: deals: must be a mapping (path, created, ...)")
        company.deals, company.observed_columns["deals"] = _read_deals(path, deals_spec, company.notes)
        _join(path, company, deals_spec, allow_unmatched_deals)
    else:
        company.notes.append("no deals table: opportunities' outcomes, cycles and deal sizes are not observed")
    ends = [company.leads[c].max() for c in ["created", *STAGE_DATES] if c in company.leads]
    if company.deals is not None:
        ends += [company.deals[c].max() for c in ("created", "closed")]
    ends = [e for e in ends if pd.notna(e)]
    if "as_of" in data:
        try:
            company.as_of = pd.Timestamp(str(data["as_of"]))
        except (ValueError, TypeError):
            raise OrgsimError(f"{path}: as_of = {short_repr(data['as_of'])}: not a date (write it as 2025-06-30)") from None
        late = max(ends)
        if late > company.as_of + pd.Timedelta(days=1):
            raise OrgsimError(f"{path}: as_of = {company.as_of.date()}: the export has dates after it (up to {late.date()})")
    else:
        company.as_of = max(ends)
    company.headcount, company.headcount_basis = _headcount(path, data.get("headcount"), company)
    return company


def _windows(path: Path, raw: Any) -> dict[str, int]:
    out = {"lead_days": DEFAULT_LEAD_WINDOW_DAYS, "deal_days": DEFAULT_DEAL_WINDOW_DAYS}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        raise OrgsimError(f"{path}: windows: must be a mapping with lead_days and/or deal_days")
    _unknown(f"{path}: windows", raw, WINDOW_KEYS)
    for key, value in raw.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3650:
            raise OrgsimError(f"{path}: windows.{key} = {short_repr(value)}: must be a whole number of days from 1 to 3650")
        out[key] = value
    return out


def _table_path(mapping: Path, section: str, spec: dict[str, Any]) -> Path:
    raw = spec.get("path")
    if not isinstance(raw, str) or not raw.strip():
        raise OrgsimError(f"{mapping}: {section}.path: required; the CSV or Parquet file of the {section} (relative to the mapping file)")
    table = Path(raw)
    if not table.is_absolute():
        table = mapping.parent / table
    if table.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise OrgsimError(f"{mapping}: {section}.path = {short_text(raw)}: must end in .csv or .parquet")
    try:
        info = table.stat()
    except FileNotFoundError:
        raise OrgsimError(f"{mapping}: {section}.path: {table}: no such {section} export") from None
    except OSError as exc:
        raise OrgsimError(f"{mapping}: {section}.path: {table}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):  # a folder, a device, a FIFO: refused before anything is read
        raise OrgsimError(f"{mapping}: {section}.path: {table}: not a regular file; give the CSV or Parquet file of the {section}")
    return table


def _columns_of(table: Path) -> list[str]:
    try:
        if table.suffix.lower() == ".csv":
            return [str(c) for c in pd.read_csv(table, nrows=0, encoding="utf-8-sig").columns]
        import pyarrow.parquet as pq

        return list(pq.read_schema(table).names)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise OrgsimError(f"{table}: cannot be read as a {table.suffix.lstrip('.').upper()} table ({short_text(exc, 100)})") from None


def _read_table(mapping: Path, section: str, spec: dict[str, Any], wanted: dict[str, str]) -> tuple[Path, pd.DataFrame]:
    """Read the columns ``wanted`` (canonical name -> the mapping's key) of a section's table."""
    table = _table_path(mapping, section, spec)
    columns = _columns_of(table)
    chosen: dict[str, str] = {}
    for canonical, key in wanted.items():
        column = _lookup(spec, key)
        if column is None:
            continue
        column = _text(f"{mapping}: {section}", key, column)
        if column not in columns:
            shown = ", ".join(columns[:30]) + (", ..." if len(columns) > 30 else "")
            raise OrgsimError(f"{mapping}: {section}.{key} = {column!r}: no such column in {table.name}; its columns: {shown}")
        chosen[canonical] = column
    usecols = sorted(set(chosen.values()))
    try:
        if table.suffix.lower() == ".csv":
            # Every column as text: ids keep their leading zeros, dates are parsed below with one clear error.
            raw = pd.read_csv(table, usecols=usecols, dtype=str, keep_default_na=True, encoding="utf-8-sig", engine="pyarrow")
        else:
            raw = pd.read_parquet(table, columns=usecols)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise OrgsimError(f"{table}: cannot be read ({short_text(exc, 120)})") from None
    if raw.empty:
        raise OrgsimError(f"{table}: the {section} table has no rows")
    frame = pd.DataFrame({canonical: raw[column] for canonical, column in chosen.items()})
    frame.attrs["columns"] = chosen
    frame.attrs["file"] = table
    return table, frame


def _lookup(spec: dict[str, Any], key: str) -> Any:
    if key.startswith("stage_dates."):
        dates = spec.get("stage_dates") or {}
        return dates.get(key.split(".", 1)[1])
    return spec.get(key)


def _dates(table: Path, frame: pd.DataFrame, canonical: str, spec: dict[str, Any]) -> pd.Series:
    """Parse one date column; the first unparseable value is an error naming file, column, row and value."""
    column = frame.attrs["columns"][canonical]
    raw = frame[canonical]
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        return parsed.astype("datetime64[ns]")
    text = raw.astype("string").str.strip()
    text = text.mask(text == "")
    fmt = spec.get("date_format")
    dayfirst = bool(spec.get("dayfirst", False))
    try:
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format=fmt, dayfirst=dayfirst)
        bad = text.notna() & parsed.isna()
        if bad.any() and fmt is None:  # several formats in one column: slower, value by value
            parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed", dayfirst=dayfirst)
            bad = text.notna() & parsed.isna()
    except (ValueError, TypeError) as exc:
        raise OrgsimError(f"{table}: column {column!r}: dates cannot be read ({short_text(exc, 100)})") from None
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise OrgsimError(
            f"{table}: column {column!r}: {int(bad.sum())} value(s) are not dates; first at row {first + 2} "
            f"(counting the header as row 1): {short_repr(str(text.iloc[first]))} (give date_format: in the mapping if the format is unusual)"
        )
    return parsed.dt.tz_localize(None).astype("datetime64[ns]")


def _ids(series: pd.Series) -> pd.Series:
    out = series.astype("string").str.strip()
    return out.mask(out == "")


def _read_leads(mapping: Path, spec: dict[str, Any], notes: list[str]) -> tuple[pd.DataFrame, str, set[str]]:
    _unknown(f"{mapping}: leads", spec, LEAD_KEYS)
    for key in ("id", "created"):
        if key not in spec:
            raise OrgsimError(f"{mapping}: leads.{key}: required (the column holding {'each lead’s id' if key == 'id' else 'when the lead entered the funnel'})")
    stage = spec.get("stage", "inquiry")
    if stage not in ENTRY_STAGES:
        raise OrgsimError(f"{mapping}: leads.stage = {short_repr(stage)}: allowed: {', '.join(ENTRY_STAGES)} (what a row is when created)")
    stage_dates = spec.get("stage_dates") or {}
    if not isinstance(stage_dates, dict):
        raise OrgsimError(f"{mapping}: leads.stage_dates: must be a mapping of stage to column ({', '.join(STAGE_DATES)})")
    _unknown(f"{mapping}: leads.stage_dates", stage_dates, set(STAGE_DATES))
    wanted = {"lead_id": "id", "created": "created", "source": "source", "owner": "owner"}
    wanted |= {name: f"stage_dates.{name}" for name in STAGE_DATES}
    table, frame = _read_table(mapping, "leads", spec, wanted)
    out = pd.DataFrame({"lead_id": _ids(frame["lead_id"])})
    column = frame.attrs["columns"]["lead_id"]
    if out["lead_id"].isna().any():
        first = int(np.flatnonzero(out["lead_id"].isna().to_numpy())[0])
        raise OrgsimError(f"{table}: column {column!r}: {int(out['lead_id'].isna().sum())} lead(s) have no id; first at row {first + 2}")
    dup = out["lead_id"].duplicated()
    if dup.any():
        raise OrgsimError(
            f"{table}: column {column!r}: {int(dup.sum())} duplicate lead id(s), e.g. {short_repr(str(out['lead_id'][dup].iloc[0]))}; "
            "the leads table must have one row per lead"
        )
    out["created"] = _dates(table, frame, "created", spec)
    if out["created"].isna().any():
        first = int(np.flatnonzero(out["created"].isna().to_numpy())[0])
        raise OrgsimError(f"{table}: column {frame.attrs['columns']['created']!r}: {int(out['created'].isna().sum())} lead(s) have no creation date; first at row {first + 2}")
    observed = {"lead_id", "created"}
    for name in STAGE_DATES:
        if name in frame:
            out[name] = _dates(table, frame, name, spec)
            observed.add(name)
        else:
            out[name] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    if stage == "mql":
        out["mql"] = out["mql"].fillna(out["created"])  # every row is an MQL when created
        observed.add("mql")
    for name in ("source", "owner"):
        if name in frame:
            out[name] = _ids(frame[name])
            observed.add(name)
        else:
            out[name] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["channel"] = pd.Series(pd.NA, index=out.index, dtype="string")
    if "source_values" in spec:
        if "source" not in frame:
            raise OrgsimError(f"{mapping}: leads.source_values: needs leads.source (the column holding each lead's channel)")
        values = _value_map(f"{mapping}: leads.source_values", spec["source_values"], CHANNELS)
        out["channel"] = out["source"].str.lower().map(values).astype("string")
        observed.add("channel")
        unlisted = sorted(set(out.loc[out["channel"].isna() & out["source"].notna(), "source"].astype(str)))[:5]
        if unlisted:
            notes.append(f"leads: source value(s) {', '.join(unlisted)} are in neither inbound nor campaign: counted as leads, not as either channel")
    for name in STAGE_DATES:
        _not_before(table, out, name, "created", frame.attrs["columns"], "created")
    missing = [n for n in STAGE_DATES if n not in observed]
    if missing:
        notes.append(f"leads: no date for {', '.join(missing)}: the conversions through {'those stages' if len(missing) > 1 else 'that stage'} are not observed")
    return out, stage, observed


def _not_before(table: Path, frame: pd.DataFrame, late: str, early: str, columns: Mapping[str, str], early_key: str, slack_days: float = 1.0) -> None:
    """Refuse rows where ``late`` comes more than ``slack_days`` before ``early`` (dates running backwards)."""
    if late not in columns or early_key not in columns:
        return
    gap = frame[late] - frame[early]
    backwards = (gap < -pd.Timedelta(days=slack_days)).fillna(False).to_numpy(dtype=bool)
    if backwards.any():
        first = int(np.flatnonzero(backwards)[0])
        raise OrgsimError(
            f"{table}: dates run backwards: {int(backwards.sum())} row(s) have {columns[late]!r} before {columns[early_key]!r}; "
            f"first at row {first + 2} ({frame[late].iloc[first].date()} < {frame[early].iloc[first].date()})"
        )


def _value_map(where: str, raw: Any, allowed: tuple[str, ...]) -> dict[str, str]:
    """``{company value (lower case): canonical value}`` from ``{canonical: [company values]}``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise OrgsimError(f"{where}: must be a mapping of {', '.join(allowed)} to lists of values")
    out: dict[str, str] = {}
    for key, values in raw.items():
        if key not in allowed:
            raise OrgsimError(f"{where}: {short_repr(key)}: unknown; allowed: {', '.join(allowed)}")
        values = values if isinstance(values, list) else [values]
        for value in values:
            out[str(value).strip().lower()] = key
    return out


def _read_deals(mapping: Path, spec: dict[str, Any], notes: list[str]) -> tuple[pd.DataFrame, set[str]]:
    _unknown(f"{mapping}: deals", spec, DEAL_KEYS)
    if "created" not in spec:
        raise OrgsimError(f"{mapping}: deals.created: required (the column holding when the opportunity was opened)")
    wanted = {k: k for k in ("lead_id", "created", "closed", "outcome", "amount", "owner", "sdr", "segment")}
    table, frame = _read_table(mapping, "deals", spec, wanted)
    columns = frame.attrs["columns"]
    out = pd.DataFrame(index=frame.index)
    out["lead_id"] = _ids(frame["lead_id"]) if "lead_id" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    out["created"] = _dates(table, frame, "created", spec)
    if out["created"].isna().any():
        first = int(np.flatnonzero(out["created"].isna().to_numpy())[0])
        raise OrgsimError(f"{table}: column {columns['created']!r}: {int(out['created'].isna().sum())} deal(s) have no creation date; first at row {first + 2}")
    out["closed"] = _dates(table, frame, "closed", spec) if "closed" in frame else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    observed = {"created"} | {k for k in ("lead_id", "closed", "outcome", "amount", "owner", "sdr", "segment") if k in frame}
    _not_before(table, out, "closed", "created", columns, "created", slack_days=0.0)
    if "outcome" in frame:
        values = _value_map(f"{mapping}: deals.outcome_values", spec.get("outcome_values"), OUTCOMES)
        if not values:
            raise OrgsimError(f"{mapping}: deals.outcome_values: required with deals.outcome (e.g. {{won: [Closed Won], lost: [Closed Lost], no_decision: [No Decision]}})")
        text = frame["outcome"].astype("string").str.strip().str.lower()
        outcome = text.map(values)
        unmapped = outcome.isna() & text.notna()
        closed_unmapped = unmapped & out["closed"].notna()
        if closed_unmapped.any():
            first = int(np.flatnonzero(closed_unmapped.to_numpy())[0])
            raise OrgsimError(
                f"{table}: column {columns['outcome']!r}: {int(closed_unmapped.sum())} closed deal(s) have an outcome not listed in "
                f"deals.outcome_values, e.g. {short_repr(str(frame['outcome'].iloc[first]))} at row {first + 2}; list it under won, lost, no_decision or open"
            )
        outcome = outcome.fillna("open")
        if "closed" not in frame:
            notes.append("deals: no close date: cycle lengths are not observed")
    else:
        outcome = pd.Series("won", index=frame.index)
        notes.append("deals: no outcome column: every row is taken as a won deal; win, loss and no-decision rates are not observed")
    out["outcome"] = outcome.astype("string")
    decided_open = (out["outcome"] != "open") & out["closed"].isna() & ("closed" in frame) & ("outcome" in frame)
    if decided_open.any():
        first = int(np.flatnonzero(decided_open.to_numpy())[0])
        raise OrgsimError(f"{table}: {int(decided_open.sum())} decided deal(s) have no close date in {columns['closed']!r}; first at row {first + 2}")
    if "amount" in frame:
        amount = pd.to_numeric(frame["amount"].astype("string").str.replace(",", "", regex=False).str.strip().replace("", pd.NA), errors="coerce")
        bad = amount.isna() & frame["amount"].notna() & (frame["amount"].astype("string").str.strip() != "")
        if bad.any():
            first = int(np.flatnonzero(bad.to_numpy())[0])
            raise OrgsimError(f"{table}: column {columns['amount']!r}: {int(bad.sum())} value(s) are not numbers; first at row {first + 2}: {short_repr(str(frame['amount'].iloc[first]))}")
        negative = (amount < 0).fillna(False)
        if negative.any():
            first = int(np.flatnonzero(negative.to_numpy())[0])
            raise OrgsimError(f"{table}: column {columns['amount']!r}: {int(negative.sum())} negative amount(s); first at row {first + 2}: {amount.iloc[first]:g}")
        out["amount"] = amount.astype(float)
    else:
        out["amount"] = np.nan
        notes.append("deals: no amount column: deal sizes are not observed")
    for name in ("owner", "sdr"):
        out[name] = _ids(frame[name]) if name in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    if "segment" in frame:
        values = _value_map(f"{mapping}: deals.segment_values", spec.get("segment_values"), SEGMENTS)
        text = frame["segment"].astype("string").str.strip().str.lower()
        normal = text.str.replace(r"[\s\-]+", "_", regex=True)
        segment = text.map(values) if values else normal.where(normal.isin(SEGMENTS))
        unknown = segment.isna() & text.notna()
        if unknown.any():
            seen = sorted(set(frame["segment"][unknown].astype(str)))[:5]
            raise OrgsimError(
                f"{table}: column {columns['segment']!r}: value(s) {', '.join(map(repr, seen))} are not segments; allowed: {', '.join(SEGMENTS)} "
                "(or map them with deals.segment_values: {smb: [...], mid_market: [...], enterprise: [...]})"
            )
        out["segment"] = segment.astype("string")
    else:
        out["segment"] = pd.Series(pd.NA, index=frame.index, dtype="string")
        notes.append("deals: no segment column: cycle lengths and deal sizes are not observed by segment")
    return out, observed


def _join(mapping: Path, company: Company, spec: dict[str, Any], allow_unmatched: bool) -> None:
    deals, leads = company.deals, company.leads
    if "lead_id" not in spec:
        company.notes.append("deals do not join to leads (no deals.lead_id): conversion from lead to opportunity is read from the leads' own sql dates only")
        return
    # Hash look-ups on plain object arrays: pandas' isin on Arrow strings takes seconds for a million leads.
    lead_index = pd.Index(leads["lead_id"].to_numpy(dtype=object))
    deal_ids = deals["lead_id"].to_numpy(dtype=object, na_value=None)
    known = pd.Series((lead_index.get_indexer(deal_ids) >= 0) | deals["lead_id"].isna().to_numpy(), index=deals.index)
    missing = int((~known).sum())
    if missing:
        if not allow_unmatched:
            example = short_repr(str(deals.loc[~known, "lead_id"].iloc[0]))
            raise OrgsimError(
                f"{mapping}: {missing} of {len(deals)} deals have a lead id that matches no lead (e.g. {example}); "
                "check deals.lead_id, or pass --allow-unmatched-deals to fit without them"
            )
        company.deals = deals[known].reset_index(drop=True)
        company.notes.append(f"{missing} deal(s) whose lead id matches no lead were left out (--allow-unmatched-deals)")
        if company.deals.empty:
            raise OrgsimError(f"{mapping}: no deal is left once the {missing} unmatched deals are left out")
    # A lead that became an opportunity is an SQL from the opportunity's creation, if the leads table says nothing.
    first_deal = company.deals.dropna(subset=["lead_id"]).groupby("lead_id")["created"].min()
    sql = np.full(len(company.leads), np.datetime64("NaT"), dtype="datetime64[ns]")
    sql[lead_index.get_indexer(first_deal.index.to_numpy(dtype=object))] = first_deal.to_numpy(dtype="datetime64[ns]")
    company.leads["sql"] = company.leads["sql"].fillna(pd.Series(sql, index=company.leads.index))
    company.observed_columns.setdefault("leads", set()).add("sql")


def _headcount(mapping: Path, raw: Any, company: Company) -> tuple[dict[str, int], dict[str, str]]:
    counts: dict[str, int] = {}
    basis: dict[str, str] = {}
    if raw is not None:
        if not isinstance(raw, dict):
            raise OrgsimError(f"{mapping}: headcount: must be a mapping of role to people ({', '.join(ROLES)})")
        _unknown(f"{mapping}: headcount", raw, set(ROLES))
        for role, value in raw.items():
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
                raise OrgsimError(f"{mapping}: headcount.{role} = {short_repr(value)}: must be a whole number from 0 to 100000")
            counts[role], basis[role] = value, "given in the mapping file"
    counted = {
        "ae": (company.deals, "owner", "distinct deal owners"),
        "sdr": (company.deals if company.deals is not None and company.deals["sdr"].notna().any() else company.leads,
                "sdr" if company.deals is not None and company.deals["sdr"].notna().any() else "owner", "distinct SDR ids"),
    }
    for role, (frame, column, what) in counted.items():
        if role in counts or frame is None or column not in frame:
            continue
        n = int(frame[column].nunique(dropna=True))
        if n:
            counts[role], basis[role] = n, f"counted: {n} {what} in the export"
            company.notes.append(f"headcount.{role} not given: counted {n} {what} (say headcount: {{{role}: N}} if that is wrong)")
    for role in ROLES:
        if role not in counts:
            basis[role] = "not observed: the model's default"
    return counts, basis


# ============================================================================ the funnel file


def _number(where: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or not low <= value <= high:
        raise OrgsimError(f"{where} = {short_repr(value)}: must be a number from {low:g} to {high:g}")
    return float(value)


def read_funnel(path: Path, data: dict[str, Any]) -> Company:
    """A funnel file: the figures a dashboard shows, stated directly (see docs and ``examples/``)."""
    _unknown(str(path), data, {"funnel", "windows"})
    funnel = data["funnel"]
    if not isinstance(funnel, dict) or not funnel:
        raise OrgsimError(f"{path}: funnel: must be a mapping of figures ({', '.join(sorted(FUNNEL_KEYS))})")
    _unknown(f"{path}: funnel", funnel, FUNNEL_KEYS)
    out: dict[str, Any] = {}
    where = f"{path}: funnel"
    out["months"] = _number(f"{where}.months", funnel.get("months", 12), 1, 120)
    for key in ("leads_per_month", "mqls_per_month"):
        if key in funnel:
            out[key] = _number(f"{where}.{key}", funnel[key], 0, 1e8)
    if "leads_per_month" not in out and "mqls_per_month" not in out:
        raise OrgsimError(f"{where}: leads_per_month or mqls_per_month: one is required (the volume the organisation handles)")
    conv = funnel.get("conversion") or {}
    if not isinstance(conv, dict):
        raise OrgsimError(f"{where}.conversion: must be a mapping ({', '.join(FUNNEL_CONVERSIONS)})")
    _unknown(f"{where}.conversion", conv, set(FUNNEL_CONVERSIONS))
    for key, value in conv.items():
        out[key] = _number(f"{where}.conversion.{key}", value, 0, 1)
    if "speed_to_lead_hours_median" in funnel:
        out["speed_to_lead_hours_median"] = _number(f"{where}.speed_to_lead_hours_median", funnel["speed_to_lead_hours_median"], 0, 1e5)
    outcomes = funnel.get("outcomes") or {}
    if not isinstance(outcomes, dict):
        raise OrgsimError(f"{where}.outcomes: must be a mapping of won, lost, no_decision to shares of decided deals")
    _unknown(f"{where}.outcomes", outcomes, {"won", "lost", "no_decision"})
    shares = {k: _number(f"{where}.outcomes.{k}", v, 0, 1) for k, v in outcomes.items()}
    if shares and abs(sum(shares.values()) - 1) > 0.02 and len(shares) == 3:
        raise OrgsimError(f"{where}.outcomes: won + lost + no_decision = {sum(shares.values()):.3f}: shares of decided deals must add up to 1")
    out.update({{"won": "win_rate", "lost": "loss_share", "no_decision": "no_decision_share"}[k]: v for k, v in shares.items()})
    cycle = funnel.get("cycle_days_median")
    if cycle is not None:
        if isinstance(cycle, dict):
            _unknown(f"{where}.cycle_days_median", cycle, set(SEGMENTS))
            for seg, value in cycle.items():
                out[f"cycle_days_median_{seg}"] = _number(f"{where}.cycle_days_median.{seg}", value, 1, 3650)
        else:
            out["cycle_days_median"] = _number(f"{where}.cycle_days_median", cycle, 1, 3650)
    for key in ("deal_size_usd_mean", "deal_size_usd_median"):
        if key in funnel:
            out[key] = _number(f"{where}.{key}", funnel[key], 0, 1e10)
    company = Company(source=path, funnel=out, windows=_windows(path, data.get("windows")))
    company.headcount, company.headcount_basis = _headcount(path, funnel.get("headcount"), company)
    company.notes.append("a funnel file: the figures are taken as stated, without intervals; the fit treats each as known to about ±10%")
    return company

