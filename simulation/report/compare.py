"""The content of a compare folder's report: its context (plain data for every format) and its charts."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__, plots
from ..errors import OrgsimError
from . import content
from . import summary as summary_module
from .explain import explain_sections
from .folder import ResultsFolder
from .options import ReportOptions


def _horizon(results: ResultsFolder, scenarios: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Working days each design ran: ``meta['days']`` if set, else the daily series, else the scenario's."""
    days = results.meta.get("days")
    daily = results.frames.get("daily")
    out = {}
    for name, s in scenarios.items():
        if days:
            out[name] = int(days)
        elif daily is not None and (daily["scenario"] == name).any():
            out[name] = int(daily.loc[daily["scenario"] == name, "day"].max()) + 1
        else:
            out[name] = int(s.get("horizon_days", 0))
    return out


def compare_context(results: ResultsFolder, options: ReportOptions | None = None) -> dict[str, Any]:
    """Everything the compare templates, the PDF and the deck show, as plain data (charts not included)."""
    options = options or ReportOptions()
    meta = results.meta
    runs = results.frames["runs"]
    summary = results.frames["summary"]
    differences = results.frames.get("differences", pd.DataFrame())
    if not differences.empty:  # every design x outcome against the baseline: one family, Holm-corrected
        differences = content.with_holm(differences)
    baseline = str(meta.get("baseline") or "separate_targets")
    scenarios: dict[str, dict[str, Any]] = dict(meta.get("scenarios") or {})
    designs = plots.design_order(runs["scenario"].astype(str))
    if baseline in designs:  # the baseline first: it is the column everything is read against
        designs = [baseline] + [d for d in designs if d != baseline]
    for name in designs:  # a design in the results but not in meta (e.g. an added baseline)
        if name not in scenarios:
            from ..scenario import load_scenario

            try:
                scenarios[name] = load_scenario(name).model_dump()
            except OrgsimError:
                scenarios[name] = {"name": name}
    horizon = _horizon(results, {n: scenarios[n] for n in designs})
    for name in designs:
        scenarios[name] = {**scenarios[name], "horizon_days": horizon[name]}
    replications = int(meta.get("replications") or runs.groupby("scenario").size().min())
    colors = plots.design_colors(designs)
    labels = [plots.design_label(d) for d in designs]
    assumptions = content.classify_defaults(scenarios.get(baseline))
    chosen = options.outcomes or meta.get("outcomes")
    outcomes = table_outcomes(summary, chosen)
    explain = explain_sections(results.path, designs, colors)
    headline = outcomes[0] if chosen else summary_module.HEADLINE_OUTCOME
    executive = summary_module.compare_summary(
        summary,
        differences,
        designs,
        baseline,
        explain=explain,
        robustness=summary_module.read_robustness(summary_module.find_input(results.path, options.robustness, "robustness.json")),
        validation=summary_module.read_validation(summary_module.find_input(results.path, options.validation, "validation.json")),
        cumulative=results.frames.get("cumulative"),
        crossover=results.frames.get("crossover"),
        outcome=headline,
        payback=results.frames.get("payback"),
    )
    return {
        "kind": "compare",
        "title": options.title or "Sales and marketing org designs compared",
        "subtitle": options.subtitle
        or (
            f"{len(designs)} designs \u00d7 {replications} replications on common random numbers; baseline: {plots.design_label(baseline)}"
        ),
        "client": options.client or "",
        "logo": options.logo_data_uri() or "",
        "summary": executive,
        "outcomes": outcomes,
        "chosen_outcomes": bool(chosen),
        "question": (
            "Which way of organising sales and marketing — who is measured and paid on what, which rules bind "
            "them, who owns lead generation — gives the most pipeline and bookings with the least friction "
            f"between the functions, compared with {plots.design_label(baseline)}? And how sure can we be?"
        ),
        "setup": [
            ("Designs", ", ".join(labels)),
            ("Baseline", plots.design_label(baseline)),
            ("Replications per design", str(replications)),
            ("Root seed", str(meta.get("seed", "n/a"))),
            ("Horizon", ", ".join(sorted({f"{d} working days (~{d / 63:.0f} quarters)" for d in horizon.values()}))),
            ("orgsim version", str(meta.get("version", "n/a"))),
            ("Report generated", date.today().isoformat()),
        ],
        "designs": designs,
        "design_labels": labels,
        "design_colors": [colors[d] for d in designs],
        "baseline": baseline,
        "baseline_label": plots.design_label(baseline),
        "descriptions": [str(scenarios[d].get("description", "")) for d in designs],
        "findings": content.findings(differences, designs, baseline),
        "levers": content.lever_table(scenarios, designs, baseline),
        "other_differences": content.other_differences(scenarios, designs),
        "means": content.means_table(summary, designs, outcomes),
        "differences": content.differences_table(differences, designs, baseline, outcomes),
        "mechanisms": content.mechanisms(scenarios, designs, baseline, differences),
        "caveats": content.general_caveats(replications, list(horizon.values()), baseline, str(meta.get("version", __version__))),
        "assumptions": assumptions,
        "replications": replications,
        "multiplicity": content.multiplicity_note(content.n_comparisons(differences)),
        "command": _command_line(meta, results.path),
        "explain": explain,
    }


def table_outcomes(summary: pd.DataFrame, chosen: Sequence[str] | None = None) -> list[str]:
    """The outcomes the tables show: ``chosen`` (each must be in the results), else the default
    table outcomes with total cost after cost per won deal, those the results have."""
    present = list(dict.fromkeys(summary["outcome"].astype(str)))
    if chosen:
        unknown = [o for o in chosen if o not in present]
        if unknown:
            raise OrgsimError(f"--outcomes: {', '.join(unknown)} not in these results; they have {', '.join(present)}")
        return list(chosen)
    default = list(content.TABLE_OUTCOMES)
    if "total_cost" not in default:
        default.insert(default.index("cac") + 1 if "cac" in default else len(default), "total_cost")
    return [o for o in default if o in present]


def _command_line(meta: dict[str, Any], folder: Path | None = None) -> str:
    """The command that reruns a comparison: the design files kept in ``folder/designs/``
    (custom designs included) when there, else the design names (folders from before they
    were kept; the resolved designs are in meta.json)."""
    if meta.get("command") == "compare":
        from ..comparison import DESIGNS_DIR

        names = list(meta.get("scenarios", {}).keys())
        kept = folder / DESIGNS_DIR if folder is not None else None
        if kept is not None and names and all((kept / f"{n}.yaml").is_file() for n in names):
            designs = " ".join(shlex.quote(str(kept / f"{n}.yaml")) for n in names)
        else:
            designs = " ".join(names)
        days = f" --days {meta['days']}" if meta.get("days") else ""
        explain = " --explain" if meta.get("explain") else ""
        return (
            f"orgsim compare {designs} --replications {meta.get('replications')} --seed {meta.get('seed')} "
            f"--baseline {meta.get('baseline')}{days}{explain}"
        )
    return f"orgsim {meta.get('command', '')}"


def compare_charts(results: ResultsFolder, designs: list[str], outcomes: Sequence[str] | None = None) -> list[plots.Chart]:
    """The comparison's charts; ``outcomes`` (the report's, first the headline) choose the difference panels."""
    runs = results.frames["runs"]
    if "status" in runs:  # failure rows (a run that raised or timed out) have no outcomes to draw
        runs = runs[runs["status"] == "ok"]
        if runs.empty:
            return []
        designs = [d for d in designs if d in set(runs["scenario"].astype(str))]
    from ..plots.jcurve import jcurve_charts

    charts = plots.compare_charts(runs, results.frames.get("differences"), results.frames.get("daily"), designs=designs, outcomes=outcomes)
    return charts + jcurve_charts(results.frames.get("roadmap_quarterly"), results.frames.get("payback"))
