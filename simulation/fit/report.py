"""Writing a fit's folder: ``observed.json``, ``fit.csv``, ``parameters.csv``, ``company.yaml``, ``report.html``.

The folder is written completely or not at all (a temporary folder beside it, renamed), and
``company.yaml`` is loaded back as a scenario before the folder is renamed into place.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..output import atomic_folder
from ..scenario import load_scenario
from .fitting import FIT_PARAMETERS, FitResult
from .mapping import Company
from .observed import ObservedFunnel

FIT_COLUMNS = ["measure", "observed", "observed_ci_low", "observed_ci_high", "simulated_mean", "ci_low", "ci_high", "inside"]


def _nested(overrides: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = float(value) if isinstance(value, np.floating) else int(value) if isinstance(value, np.integer) else value
    return out


def company_yaml(result: FitResult, company: Company) -> str:
    """The fitted as-is as a scenario file: the design as ``base`` and the set or fitted fields, with comments saying which."""
    lines = [
        f"# The as-is organisation fitted by `orgsim fit` to {company.source.name} ({datetime.now():%Y-%m-%d}).",
        f"# base: the design the company runs (--design {result.design}). Redesigns take this file as their base:",
        "#   base: company.yaml     (a path relative to the redesign's own file), then the levers to change.",
        "# Set from data:",
        *[f"#   {k}: {v}" for k, v in result.set_from_data.items()],
        "# Fitted (95% interval; see parameters.csv):",
        *[f"#   {r['parameter']}: {r['value']:g} [{r['ci_low']:.3g}, {r['ci_high']:.3g}]{'' if r['pinned_down'] else '  -- not pinned down by the data'}"
          for _, r in result.fitted.iterrows()],
        "# Left at the design's defaults: every other field" + (f" (including {', '.join(result.defaults)})" if result.defaults else "") + ".",
    ]
    body = {"base": result.design, **_nested(result.overrides)}
    return "\n".join(lines) + "\n" + yaml.safe_dump(body, sort_keys=False, width=120)


def _fmt(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _chart_png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def fit_chart(table: pd.DataFrame, ax=None):
    """Observed (black, with its 95% interval) against simulated (blue, with its interval), each figure
    divided by its observed value so every unit fits one axis. Returns the axes."""
    import matplotlib.pyplot as plt

    rows = table[np.isfinite(table["observed"].astype(float)) & (table["observed"].astype(float) != 0)].reset_index(drop=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.2))
    y = np.arange(len(rows))[::-1]
    obs = rows["observed"].to_numpy(dtype=float)

    def rel(col):
        return rows[col].to_numpy(dtype=float) / obs

    ax.errorbar(np.ones(len(rows)), y + 0.12, xerr=[1 - rel("observed_ci_low"), rel("observed_ci_high") - 1], fmt="o", color="black",
                capsize=3, label="observed (95% interval)")
    mean = rel("simulated_mean")
    ax.errorbar(mean, y - 0.12, xerr=[np.nan_to_num(mean - rel("ci_low")), np.nan_to_num(rel("ci_high") - mean)], fmt="s", color="tab:blue",
                capsize=3, label="simulated as-is (95% interval)")
    ax.set_yticks(y, [f"{m}{' *' if r == 'fit' else ''}" for m, r in zip(rows["measure"], rows["role"], strict=True)])
    ax.axvline(1, color="grey", lw=0.8)
    ax.set_xlabel("relative to the observed figure (* fitted)")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def monthly_chart(monthly: pd.DataFrame, ax=None):
    """Monthly volumes of the export (leads, MQLs, SQLs, won). Returns the axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    x = monthly["month"].astype(str)
    for col in ("leads", "mqls", "sqls", "won"):
        if col in monthly:
            ax.plot(x, monthly[col], marker="o", label=col)
    ax.set_yscale("symlog")
    ax.tick_params(axis="x", rotation=60, labelsize=7)
    ax.legend(fontsize=8)
    ax.set_ylabel("per month")
    return ax


def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, border=0, na_rep="–", float_format=lambda v: f"{v:,.4g}")


def report_html(result: FitResult, company: Company, observed: ObservedFunnel) -> str:
    import matplotlib.pyplot as plt

    charts = [("Observed against simulated", _chart_png(fit_chart(result.table).figure))]
    if len(observed.monthly):
        charts.append(("Monthly volumes of the export", _chart_png(monthly_chart(observed.monthly).figure)))
    plt.close("all")
    table = result.table.copy()
    shown = pd.DataFrame({
        "measure": table["measure"], "role": table["role"].map({"fit": "fitted", "check": "checked"}),
        "observed [95%]": [f"{_fmt(r.observed, r.unit)} [{_fmt(r.observed_ci_low, r.unit)}, {_fmt(r.observed_ci_high, r.unit)}]" for r in table.itertuples()],
        "simulated [95%]": [f"{_fmt(r.simulated_mean, r.unit)} [{_fmt(r.ci_low, r.unit)}, {_fmt(r.ci_high, r.unit)}]" for r in table.itertuples()],
        "inside": np.where(table["inside"], "yes", "no"),
    })
    set_rows = pd.DataFrame([{"field": k, "value and how": v} for k, v in result.set_from_data.items()])
    not_obs = pd.DataFrame([{"figure": k, "why": v} for k, v in observed.not_observed.items()])
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>orgsim fit</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}"
        "td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left;font-size:.9em}h2{margin-top:2em}</style></head><body>",
        f"<h1>The as-is organisation of {html.escape(company.source.name)}</h1>",
        f"<p>Design the company runs: <b>{html.escape(result.design)}</b>. {int(table['inside'].sum())} of {len(table)} observed figures "
        f"are matched by the fitted as-is (the two 95% intervals overlap), on {result.check_replications} fresh replications of "
        f"{result.horizon_days} working days (a warm-up quarter left out of every figure). Budget {result.budget} candidates x "
        f"{result.replications} replications, seed {result.seed}.</p>",
        "<h2>Observed against simulated</h2>", _table_html(shown),
        *[f"<h3>{html.escape(t)}</h3><img alt='{html.escape(t)}' src='data:image/png;base64,{png}'>" for t, png in charts],
        "<h2>Set from data</h2>", _table_html(set_rows) if len(set_rows) else "<p>nothing</p>",
        "<h2>Fitted behavioural parameters</h2>",
        "<p>95% profile intervals from response surfaces over every candidate; an interval covering most of its search range means "
        "the data do not pin the parameter down.</p>",
        _table_html(result.fitted) if len(result.fitted) else "<p>none: no figure that identifies them is observed</p>",
        "<h2>Left at the design's defaults</h2>",
        f"<p>Every other field of <code>{html.escape(result.design)}</code>"
        + (f", including {', '.join(html.escape(p) for p in result.defaults)}" if result.defaults else "") + ".</p>",
        "<h2>What could not be observed</h2>", _table_html(not_obs) if len(not_obs) else "<p>everything the fit uses was observed</p>",
        "<h2>Notes</h2><ul>", *[f"<li>{html.escape(n)}</li>" for n in [*company.notes, *result.notes]], "</ul>",
    ]
    if len(observed.stage_times):
        parts += ["<h2>Times between stages (days, among leads converting within the window)</h2>", _table_html(observed.stage_times)]
    if len(observed.channels):
        parts += ["<h2>Conversion by channel (observed only: a company's channels do not map onto the model's sources)</h2>",
                  _table_html(observed.channels)]
    if observed.reps:
        parts += ["<h2>Reps and output per rep</h2>", _table_html(pd.DataFrame([observed.reps]))]
    if observed.trend:
        t = observed.trend
        parts.append(f"<p>Trend of monthly {t['series']}: {t['slope_share_per_month']:+.1%} a month over {t['full_months']} full months "
                     f"(p = {t['p_value']:.2g}); the simulated as-is holds its market steady.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_fit(out: Path, result: FitResult, company: Company, observed: ObservedFunnel, meta: dict[str, Any]) -> list[Path]:
    """Write the fit's folder atomically; ``company.yaml`` is loaded back as a scenario first."""
    out = Path(out)
    with atomic_folder(out) as tmp:
        (tmp / "observed.json").write_text(json.dumps({"source": str(company.source), "notes": company.notes, **observed.to_dict()},
                                                      indent=2, default=str) + "\n", encoding="utf-8")
        result.table[FIT_COLUMNS].to_csv(tmp / "fit.csv", index=False)
        result.fitted.to_csv(tmp / "parameters.csv", index=False)
        (tmp / "company.yaml").write_text(company_yaml(result, company), encoding="utf-8")
        load_scenario(tmp / "company.yaml")  # a valid scenario, or nothing is written
        (tmp / "report.html").write_text(report_html(result, company, observed), encoding="utf-8")
        (tmp / "meta.json").write_text(json.dumps({**meta, "fit_parameters": list(FIT_PARAMETERS)}, indent=2, default=str) + "\n", encoding="utf-8")
    return sorted(out.iterdir())
