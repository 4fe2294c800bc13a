"""The ``orgsim`` command: thin -- parse, call the public API, print.

A user's mistake (bad scenario, unknown preset, existing output folder) prints one line
on stderr and exits with status 2; programming errors keep their tracebacks.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

from . import __version__
from .compare import BASELINE, DEFAULT_REPLICATIONS, Comparison, compare
from .errors import OrgsimError
from .experiments.analysis import KEY_OUTCOMES
from .experiments.runner import default_workers
from .output import check_out_dir, default_out, write_results
from .runner import run
from .scenario import PRESETS, load_scenario, preset_descriptions

EXIT_USER_ERROR = 2

UNITS = {
    "bookings": "USD",
    "pipeline_created": "USD",
    "cac": "USD",
    "median_speed_to_lead_hours": "hours",
    "mqls": "leads",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's own convention)
        self.exit(EXIT_USER_ERROR, f"orgsim: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="orgsim", description="Simulate sales-marketing org designs and compare them.")
    parser.add_argument("--version", action="version", version=f"orgsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("list", help="list the built-in presets")

    p_run = sub.add_parser("run", help="run one scenario once")
    p_run.add_argument("scenario", help="a preset name or a scenario YAML file")
    p_run.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    p_run.add_argument("--days", type=_positive, default=None, help="working days to simulate (default: the scenario's horizon)")
    p_run.add_argument("--out", type=Path, default=None, help="results folder (default runs/run-NAME-seedN-TIMESTAMP)")

    p_cmp = sub.add_parser("compare", help="compare designs on common random numbers")
    p_cmp.add_argument("scenarios", nargs="*", help="preset names or YAML files (default: the six presets)")
    p_cmp.add_argument("--replications", type=_positive, default=DEFAULT_REPLICATIONS, help=f"runs per design (default {DEFAULT_REPLICATIONS})")
    p_cmp.add_argument("--seed", type=_seed, default=0, help="root seed of the replications (default 0)")
    p_cmp.add_argument("--days", type=_positive, default=None, help="working days to simulate (default: each scenario's horizon)")
    p_cmp.add_argument("--workers", type=_positive, default=None, help="worker processes (default: all cores)")
    p_cmp.add_argument("--baseline", default=BASELINE, help=f"design the others are compared with (default {BASELINE})")
    p_cmp.add_argument("--out", type=Path, default=None, help="results folder (default runs/compare-TIMESTAMP)")
    p_cmp.add_argument("--format", choices=("table", "json", "csv"), default="table", help="what to print on stdout")
    p_cmp.add_argument("--no-charts", action="store_true", help="do not write the charts (PNG and SVG) into OUT/charts/")

    p_rep = sub.add_parser("report", help="write a self-contained HTML report (and a PDF) from a compare or sweep folder")
    p_rep.add_argument("folder", type=Path, help="a results folder written by orgsim compare or orgsim sweep")
    p_rep.add_argument("--out", type=Path, default=None, help="HTML file to write (default FOLDER/report.html)")
    p_rep.add_argument("--pdf", type=Path, default=None, help="also write a multi-page PDF to this file")
    p_rep.add_argument("--force", action="store_true", help="overwrite existing report files")
    return parser


# ---------------------------------------------------------------------------- commands


def cmd_list(args: argparse.Namespace) -> int:
    width = max(len(name) for name in PRESETS)
    for name, text in preset_descriptions().items():
        print(f"{name:<{width}}  {text}")
    return 0


def _fmt(value: float, outcome: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if UNITS.get(outcome) == "USD":
        return f"{value / 1e6:,.2f}M" if abs(value) >= 1e5 else f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def cmd_run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    if args.days is not None:
        scenario = scenario.with_overrides({"horizon_days": args.days}, "--days")
    out = args.out or default_out(f"run-{scenario.name}-seed{args.seed}")
    check_out_dir(out)
    results = run(scenario, seed=args.seed)
    meta = {"command": "run", "scenario": scenario.model_dump(), "seed": args.seed, "version": __version__}
    write_results(out, {"summary": results.summary, "daily": results.daily}, meta)
    row = results.summary.iloc[0]
    print(f"{scenario.name} (seed {args.seed}, {scenario.horizon_days} working days)")
    for outcome in KEY_OUTCOMES:
        unit = UNITS.get(outcome, "")
        print(f"  {outcome:<28} {_fmt(float(row[outcome]), outcome):>12} {unit}")
    print(f"results written to {out}/ (summary and daily series, CSV and Parquet)")
    return 0


def comparison_table(result: Comparison) -> pd.DataFrame:
    """Means with 95% intervals per design, and the paired difference against the baseline."""
    rows = []
    diffs = result.differences.set_index(["scenario", "outcome"]) if len(result.differences) else None
    for _, r in result.summary.iterrows():
        entry = {
            "design": r["scenario"],
            "outcome": r["outcome"],
            "mean [95% CI]": f"{_fmt(r['mean'], r['outcome'])} [{_fmt(r['ci_low'], r['outcome'])}, {_fmt(r['ci_high'], r['outcome'])}]",
        }
        if diffs is not None and (r["scenario"], r["outcome"]) in diffs.index:
            d = diffs.loc[(r["scenario"], r["outcome"])]
            entry[f"vs {result.baseline} [95% CI]"] = (
                f"{_fmt(d['difference'], r['outcome'])} [{_fmt(d['ci_low'], r['outcome'])}, {_fmt(d['ci_high'], r['outcome'])}]"
            )
        else:
            entry[f"vs {result.baseline} [95% CI]"] = "(baseline)" if r["scenario"] == result.baseline else ""
        rows.append(entry)
    return pd.DataFrame(rows)


def cmd_compare(args: argparse.Namespace) -> int:
    scenarios = [load_scenario(s) for s in (args.scenarios or PRESETS)]  # validate all before running
    load_scenario(args.baseline)
    out = args.out or default_out("compare")
    check_out_dir(out)
    workers = args.workers or default_workers()
    result = compare(
        scenarios, replications=args.replications, seed=args.seed, workers=workers, days=args.days,
        baseline=args.baseline, progress=sys.stderr.isatty(),
    )
    meta = {
        "command": "compare",
        "scenarios": {s.name: s.model_dump() for s in scenarios},
        "replications": args.replications,
        "seed": args.seed,
        "baseline": args.baseline,
        "days": args.days,
        "version": __version__,
    }
    frames = {"runs": result.runs, "summary": result.summary, "differences": result.differences}
    if result.daily is not None:
        frames["daily"] = result.daily
    write_results(out, frames, meta)
    if not args.no_charts:
        from .plots import write_compare_charts

        write_compare_charts(result.runs, result.differences, result.daily, out / "charts")
    if args.format == "json":
        print(result.runs.to_json(orient="records"))
        return 0
    if args.format == "csv":
        result.runs.to_csv(sys.stdout, index=False)
        return 0
    table = comparison_table(result)
    n = args.replications
    print(f"{len(result.runs) // n} designs x {n} replications on common random numbers (seed {args.seed}); "
          f"means with 95% confidence intervals; differences are paired against {result.baseline}.\n")
    for outcome, block in table.groupby("outcome", sort=False):
        unit = f" ({UNITS[outcome]})" if outcome in UNITS else ""
        print(f"{outcome}{unit}")
        print(block.drop(columns="outcome").to_string(index=False))
        print()
    print(f"per-run summaries, interval table and paired differences written to {out}/")
    if not args.no_charts:
        print(f"charts (PNG and SVG) written to {out / 'charts'}/; a report: orgsim report {out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report

    files = build_report(args.folder, out=args.out, pdf=args.pdf, force=args.force)
    print(f"report written to {files.html}" + (f" and {files.pdf}" if files.pdf else "")
          + f" ({len(files.charts)} charts embedded)")
    return 0


COMMANDS = {"list": cmd_list, "run": cmd_run, "compare": cmd_compare, "report": cmd_report}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except OrgsimError as exc:
        print(f"orgsim: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # e.g. `orgsim compare | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("orgsim: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
