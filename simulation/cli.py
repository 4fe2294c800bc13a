"""The ``orgsim`` command: thin -- parse, call the public API, print.

A user's mistake (bad scenario, unknown preset, existing output folder) prints one line
on stderr and exits with status 2; programming errors keep their tracebacks.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd

from . import __version__
from .comparison import BASELINE, DEFAULT_REPLICATIONS, Comparison, compare
from .errors import OrgsimError
from .experiments.analysis import KEY_OUTCOMES
from .experiments.runner import DEFAULT_RUN_TIMEOUT, capped_workers, default_workers
from .output import check_out_dir, check_writable_dir, check_writable_file, default_out, write_results
from .runner import run
from .scenario import PRESETS, load_scenario, preset_descriptions

EXIT_USER_ERROR = 2

UNITS = {
    "bookings": "USD",
    "pipeline_created": "USD",
    "total_cost": "USD",
    "cac": "USD",
    "median_speed_to_lead_hours": "hours",
    "mqls": "leads",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's own convention)
        self.exit(EXIT_USER_ERROR, f"orgsim: {message}\n")


def _whole_number(minimum: int, allowed: str, maximum: int | None = None):
    """An argparse type: a whole number of at least ``minimum`` (one-line error otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum} (2**63 - 1), got {text[:30]}{'...' if len(text) > 30 else ''}")
        return value

    return parse


_positive = _whole_number(1, "at least 1")
_seed = _whole_number(0, "0 or more", maximum=2**63 - 1)  # numpy's SeedSequence and Parquet's int64

DEFAULT_MAX_RUNS = 10_000
"""Runs a compare or sweep may do unless --max-runs allows more (about two hours on two cores)."""


def _seconds(text: str) -> float:
    """An argparse type: seconds, more than 0 (0 turns the limit off)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, 0 or more (0: no limit), got {text}")
    return value


def _limit_options(p: argparse.ArgumentParser, many: bool = True) -> None:
    """--run-timeout for every command that runs the model; --max-runs and --dry-run for many runs."""
    p.add_argument("--run-timeout", type=_seconds, default=DEFAULT_RUN_TIMEOUT, metavar="SECONDS",
                   help=f"wall-clock limit of one run; a run that takes longer fails (default {DEFAULT_RUN_TIMEOUT:g}; 0: none)")
    if many:
        p.add_argument("--max-runs", type=_positive, default=DEFAULT_MAX_RUNS, metavar="N",
                       help=f"refuse to start more than N runs (default {DEFAULT_MAX_RUNS:,})")
        p.add_argument("--dry-run", action="store_true",
                       help="print the plan (runs, estimated time and output size) and run nothing")


def _sigterm_as_interrupt() -> None:
    """Treat SIGTERM (kill, timeout, schedulers) like Ctrl-C: the same clean stop and message."""
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.default_int_handler)


def _workers_for(requested: int | None, runs: int) -> int:
    workers, warning = capped_workers(requested, runs)
    if warning:
        print(f"orgsim: warning: {warning}", file=sys.stderr)
    return workers


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
    _limit_options(p_run, many=False)

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
    p_cmp.add_argument("--explain", action="store_true", help=EXPLAIN_FLAG_HELP)
    p_cmp.add_argument("--outcomes", default=None, help="comma-separated outcomes to summarise, tabulate and report (default: the key outcomes)")
    _limit_options(p_cmp)

    p_rep = sub.add_parser("report", help="write a self-contained HTML report (and a PDF) from a compare or sweep folder")
    p_rep.add_argument("folder", type=Path, help="a results folder written by orgsim compare or orgsim sweep")
    p_rep.add_argument("--out", type=Path, default=None, help="HTML file to write (default FOLDER/report.html)")
    p_rep.add_argument("--pdf", type=Path, default=None, help="also write the report as a PDF (the HTML printed; needs the report extra)")
    p_rep.add_argument("--pptx", type=Path, default=None, help="also write a 16:9 slide deck with editable charts (needs the report extra)")
    p_rep.add_argument("--title", default=None, help="the report's title (default: from the kind of folder)")
    p_rep.add_argument("--subtitle", default=None, help="the report's subtitle")
    p_rep.add_argument("--client", default=None, help="client name, shown as 'Prepared for CLIENT'")
    p_rep.add_argument("--logo", type=Path, default=None, help="a logo (PNG, JPEG or SVG) for the report's first page and the title slide")
    p_rep.add_argument("--outcomes", default=None, help="comma-separated outcomes the tables show, the first as the headline (default: the folder's)")
    p_rep.add_argument("--robustness", type=Path, default=None, help="robustness.json, or the folder orgsim robustness wrote, for the executive summary")
    p_rep.add_argument("--validation", type=Path, default=None, help="validation.json, or the folder orgsim validate wrote, for the executive summary")
    p_rep.add_argument("--force", action="store_true", help="overwrite existing report files")
    _add_experiment_commands(sub)
    _add_validation_commands(sub)
    _add_explain_command(sub)
    _add_robustness_command(sub)
    _add_dashboard_command(sub)
    _add_fit_command(sub)
    return parser


# ---------------------------------------------------------------------------- commands


def cmd_list(args: argparse.Namespace) -> int:
    from .scenario import roadmap_descriptions

    roadmaps = roadmap_descriptions()
    width = max(len(name) for name in [*PRESETS, *roadmaps])
    for name, text in preset_descriptions().items():
        print(f"{name:<{width}}  {text}")
    if roadmaps:
        print("\nroadmaps (a change of design part-way; run them as paths, e.g. orgsim compare PATH):")
        for name, (path, text) in roadmaps.items():
            print(f"{name:<{width}}  {text}\n{'':<{width}}  {path}")
    return 0


def _fmt(value: float, outcome: str, signed: bool = False) -> str:
    """The one number formatter of the command line and the report (:func:`plots.format_value`):
    $1.2M, 48%, +3.1 pp, 6.3 h, 1,234, 0.31."""
    from .plots import format_value

    return format_value(value, outcome, signed)


def cmd_run(args: argparse.Namespace) -> int:
    from .experiments.runner import call_with_timeout

    scenario = load_scenario(args.scenario)
    if args.days is not None:
        scenario = scenario.with_overrides({"horizon_days": args.days}, "--days")
    out = args.out or default_out(f"run-{scenario.name}-seed{args.seed}")
    check_out_dir(out)
    check_writable_dir(out)
    _sigterm_as_interrupt()
    try:
        results = call_with_timeout(args.run_timeout, run, scenario, seed=args.seed)
    except Exception as exc:  # the model raised (or ran out of time): one line, not a traceback
        message = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
        print(f"orgsim: the run of {scenario.name} (seed {args.seed}) failed: {message}; nothing was written",
              file=sys.stderr)
        return 1
    meta = {"command": "run", "scenario": scenario.model_dump(), "seed": args.seed, "version": __version__}
    write_results(out, {"summary": results.summary, "daily": results.daily}, meta)
    row = results.summary.iloc[0]
    print(f"{scenario.name} (seed {args.seed}, {scenario.horizon_days} working days)")
    for outcome in KEY_OUTCOMES:
        unit = "" if UNITS.get(outcome) in ("USD", "hours") else UNITS.get(outcome, "")  # $ and h are in the value
        print(f"  {outcome:<28} {_fmt(float(row[outcome]), outcome):>12} {unit}".rstrip())
    print(f"results written to {out}/ (summary and daily series, CSV and Parquet)")
    return 0


def comparison_table(result: Comparison) -> pd.DataFrame:
    """Means with 95% intervals per design, and the paired difference against the baseline."""
    rows = []
    diffs = result.differences.set_index(["scenario", "outcome"]) if len(result.differences) else None
    from .plots import clip_band

    for _, r in result.summary.iterrows():
        # A t-interval from few runs can spill past what is possible (a share below 0): clip it.
        low, high = (float(v[0]) for v in clip_band(r["outcome"], [r["ci_low"]], [r["ci_high"]]))
        entry = {
            "design": r["scenario"],
            "outcome": r["outcome"],
            "mean [95% CI]": f"{_fmt(r['mean'], r['outcome'])} [{_fmt(low, r['outcome'])}, {_fmt(high, r['outcome'])}]",
        }
        if diffs is not None and (r["scenario"], r["outcome"]) in diffs.index:
            d = diffs.loc[(r["scenario"], r["outcome"])]
            entry[f"vs {result.baseline} [95% CI]"] = (
                f"{_fmt(d['difference'], r['outcome'], True)} [{_fmt(d['ci_low'], r['outcome'], True)}, "
                f"{_fmt(d['ci_high'], r['outcome'], True)}]"
            )
        else:
            entry[f"vs {result.baseline} [95% CI]"] = "(baseline)" if r["scenario"] == result.baseline else ""
        rows.append(entry)
    return pd.DataFrame(rows)


def cmd_compare(args: argparse.Namespace) -> int:
    from .comparison import check_outcomes, check_run_count, check_unique_names, with_starting_designs

    scenarios = [load_scenario(s) for s in (args.scenarios or PRESETS)]  # validate all before running
    check_unique_names([s.name for s in scenarios], list(args.scenarios or PRESETS))
    outcomes = check_outcomes(_outcome_list(args.outcomes))
    if args.days is not None:  # a roadmap's steps must fall within the horizon --days sets
        for s in scenarios:
            if s.timeline:
                s.with_overrides({"horizon_days": args.days}, f"--days {args.days} for {s.name}")
    scenarios, _ = with_starting_designs(scenarios)  # each roadmap runs beside the design it starts from
    designs = len(scenarios)
    if args.baseline not in {s.name for s in scenarios}:
        reference = load_scenario(args.baseline)  # a preset or a file: validated before anything runs
        designs += reference.name not in {s.name for s in scenarios}
    total = check_run_count(designs, args.replications, args.max_runs)  # counted, nothing built
    out = args.out or default_out("compare")
    check_out_dir(out)
    check_writable_dir(out)
    workers = _workers_for(args.workers, total)
    if args.dry_run:
        horizons = [args.days or s.horizon_days for s in scenarios]
        horizons += [horizons[0]] * (designs - len(scenarios))
        _print_plan(f"{designs} designs x {args.replications} replications = {total} runs", scenarios[0],
                    [h for h in horizons for _ in range(args.replications)], workers, out,
                    daily_files=2, per_run_bytes=2_000)
        return 0
    print(f"compare: {designs} designs x {args.replications} replications = {total} runs "
          f"({workers} worker{'s' if workers > 1 else ''}) -> {out}/", file=sys.stderr)
    _sigterm_as_interrupt()
    result = compare(
        scenarios, replications=args.replications, seed=args.seed, workers=workers, days=args.days,
        baseline=args.baseline, progress=sys.stderr.isatty(), run_timeout=args.run_timeout or None,
        max_runs=args.max_runs, **({"outcomes": outcomes} if outcomes else {}),
    )
    result.save(out, charts=not args.no_charts, explain=args.explain)
    crossover = result.crossover
    ok_runs = result.runs[result.runs["status"] == "ok"]
    status = _report_compare_failures(result, out)
    if args.explain and status == 0:
        _explain_compare(args, scenarios, result, out, workers)
    if args.format == "json":
        print(result.runs.to_json(orient="records"))
        return status
    if args.format == "csv":
        result.runs.to_csv(sys.stdout, index=False)
        return status
    table = comparison_table(result)
    n = args.replications
    print(f"{len(result.runs) // n} designs x {n} replications on common random numbers (seed {args.seed}); "
          f"means with 95% confidence intervals; differences are paired against {result.baseline}.\n")
    for outcome, block in table.groupby("outcome", sort=False):
        unit = f" ({UNITS[outcome]})" if outcome in UNITS else ""
        print(f"{outcome}{unit}")
        print(block.drop(columns="outcome").to_string(index=False))
        print()
    if crossover is not None and len(crossover):
        for r in crossover.itertuples():
            if r.sign_change_quarter == r.sign_change_quarter:  # not NaN
                direction = "gains after costing first" if r.final_difference > 0 else "falls behind after leading first"
                print(f"{r.scenario}: cumulative bookings vs {r.reference} change sign in quarter {int(r.sign_change_quarter)} "
                      f"({direction}; per quarter in {out}/cumulative.csv)")
        print()
    if result.payback is not None and len(result.payback):
        _print_roadmaps(result, out)
    print(f"per-run summaries, interval table and paired differences written to {out}/")
    if not args.no_charts and len(ok_runs):
        print(f"charts (PNG and SVG) written to {out / 'charts'}/; a report: orgsim report {out}")
    return status


def _print_roadmaps(result: Comparison, out: Path) -> None:
    """Each roadmap against the design it starts from: quarterly and cumulative bookings
    differences with their intervals, the dip and the payback quarter."""
    from .experiments.quarterly import describe_quarter

    frame = result.roadmap_quarterly
    for r in result.payback.itertuples():
        rows = frame[(frame["scenario"] == r.scenario) & (frame["outcome"] == "bookings")].sort_values("quarter")
        print(f"roadmap {r.scenario} vs {r.reference} (the design it starts from; change at quarter {r.switch_quarter}), "
              f"bookings, paired on {r.n} replications [95% CI]")
        table = pd.DataFrame({
            "quarter": rows["quarter"].to_numpy(),
            "this quarter": [f"{_fmt(d, 'bookings', True)} [{_fmt(lo, 'bookings', True)}, {_fmt(hi, 'bookings', True)}]"
                             for d, lo, hi in zip(rows["difference"], rows["ci_low"], rows["ci_high"], strict=True)],
            "cumulative": [f"{_fmt(d, 'bookings', True)} [{_fmt(lo, 'bookings', True)}, {_fmt(hi, 'bookings', True)}]"
                           for d, lo, hi in zip(rows["cumulative"], rows["cumulative_ci_low"], rows["cumulative_ci_high"], strict=True)],
        })
        print(table.to_string(index=False))
        print(f"  transition dip: {_fmt(r.dip, 'bookings', True)} [{_fmt(r.dip_ci_low, 'bookings', True)}, "
              f"{_fmt(r.dip_ci_high, 'bookings', True)}] in quarter {r.dip_quarter}; deepest cumulative "
              f"{_fmt(r.trough, 'bookings', True)} (quarter {r.trough_quarter})")
        print(f"  payback: {describe_quarter(r.payback_quarter)} [95% CI: {describe_quarter(r.payback_earliest)} to "
              f"{describe_quarter(r.payback_latest)}]")
        print()
    print(f"quarterly outcomes of every run in {out}/quarterly.csv; roadmap differences in roadmap_quarterly.csv and payback.csv; "
          "J-curves in charts/jcurve_*.png\n")


def _report_compare_failures(result: Comparison, out: Path) -> int:
    """Name every failed run on stderr (the rest are kept and written); 1 when any failed."""
    failures = result.failures
    if failures.empty:
        return 0
    print(f"orgsim: {len(failures)} of {len(result.runs)} runs failed; the others are kept and written to {out}/:",
          file=sys.stderr)
    for error, block in failures.groupby("error", sort=False):
        which = ", ".join(f"{r.scenario} replication {r.replication} (seed {r.seed})" for r in block.head(6).itertuples())
        more = f", ... ({len(block) - 6} more)" if len(block) > 6 else ""
        print(f"  {len(block)} x {error}: {which}{more}", file=sys.stderr)
    print(f"  failure rows (status failed, with the error and traceback) are in {out}/runs.parquet and runs.csv",
          file=sys.stderr)
    return 1


def _print_plan(what: str, scenario, horizons: list[int], workers: int, out: Path,
                daily_files: int = 0, per_run_bytes: float = 0.0) -> None:
    """--dry-run: the runs, an estimate of the time (from a short calibration run) and of the output size."""
    from .experiments.runner import estimate_run, human_bytes, human_seconds

    estimate = estimate_run(scenario)
    seconds = sum(estimate.seconds(h) for h in horizons) / max(1, workers)
    size = len(horizons) * per_run_bytes + daily_files / 2 * estimate.daily_bytes_per_day * sum(horizons)
    print(f"plan: {what}; {workers} worker{'s' if workers > 1 else ''} -> {out}/")
    print(f"estimated time: about {human_seconds(seconds)} (a calibration run of {estimate.measured_on} took "
          f"{estimate.setup_seconds:.2f} s to set up and {estimate.seconds_per_day * 1000:.1f} ms per working day)")
    print(f"estimated output: about {human_bytes(size)}")
    print("nothing was run (--dry-run)")


def cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report

    _print_warning_lines()
    for target, what in ((args.out, "report"), (args.pdf, "PDF"), (args.pptx, "deck")):  # writable before anything is drawn
        if target is not None and (args.force or not target.exists()):
            check_writable_file(target, what)
    files = build_report(
        args.folder, out=args.out, pdf=args.pdf, force=args.force, pptx=args.pptx, title=args.title, subtitle=args.subtitle,
        client=args.client, logo=args.logo, outcomes=_outcome_list(args.outcomes), robustness=args.robustness,
        validation=args.validation,
    )
    written = [str(p) for p in (files.pdf, files.pptx) if p is not None]
    print(f"report written to {files.html}" + "".join(f" and {w}" for w in written) + f" ({len(files.charts)} charts embedded)")
    return 0


COMMANDS = {"list": cmd_list, "run": cmd_run, "compare": cmd_compare, "report": cmd_report}


# ---------------------------------------------------------------------------- experiments: sweep, sensitivity, summarize


def _add_experiment_commands(sub: argparse._SubParsersAction) -> None:
    """The ``sweep``, ``sensitivity`` and ``summarize`` subcommands (see docs/experiments.md)."""

    def execution_options(p: argparse.ArgumentParser, default_out_hint: str) -> None:
        p.add_argument("--workers", type=_positive, default=None,
                       help="worker processes, or Dask workers of a local cluster (default: all cores)")
        p.add_argument("--backend", choices=("process", "dask"), default="process",
                       help="process: in-process for 1 worker, else a process pool; dask: a Dask cluster")
        p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="address of an existing Dask scheduler (with --backend dask; default: a local cluster)")
        p.add_argument("--out", type=Path, default=None, help=f"results folder (default {default_out_hint})")
        p.add_argument("--resume", action="store_true",
                       help="continue the sweep stored in --out, running only the missing runs")
        p.add_argument("--retry-failed", action="store_true", help="with --resume, also rerun runs stored as failures")
        p.add_argument("--no-progress", action="store_true", help="no progress bar (default: shown when stderr is a terminal)")
        p.add_argument("--no-charts", action="store_true", help="do not write the charts (PNG and SVG) into OUT/charts/")
        _limit_options(p)

    p_sweep = sub.add_parser("sweep", help="run a sweep spec; every run is stored as it finishes")
    p_sweep.add_argument("spec", help="a sweep spec YAML file or a shipped spec's name (scenarios/sweeps/)")
    execution_options(p_sweep, "runs/sweep-NAME-TIMESTAMP")
    p_sweep.add_argument("--timeseries", action="store_true", help="also store every run's daily series")

    p_sens = sub.add_parser("sensitivity", help="Sobol' or Morris indices of a sweep's outcomes (SALib)")
    p_sens.add_argument("spec", help="a sweep spec with design sobol or morris, or the results folder of one")
    execution_options(p_sens, "runs/sensitivity-NAME-TIMESTAMP")
    p_sens.add_argument("--outcomes", default=None, help="comma-separated outcomes (default: the spec's)")

    p_sum = sub.add_parser("summarize", help="means, 95%% intervals and paired differences per point of a sweep")
    p_sum.add_argument("folder", type=Path, help="a sweep's results folder")
    p_sum.add_argument("--reference", type=_seed, default=None, metavar="POINT",
                       help="point the others are compared with (default: the first point, 0)")
    p_sum.add_argument("--outcomes", default=None, help="comma-separated outcomes (default: the spec's)")
    p_sum.add_argument("--format", choices=("table", "csv", "json"), default="table", help="what to print on stdout")


def _outcome_list(text: str | None) -> list[str] | None:
    return [o.strip() for o in text.split(",") if o.strip()] if text else None


def _print_warning_lines():
    """Show library warnings (e.g. 'the code changed since this sweep started') as one line each."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"orgsim: warning: {message}", file=sys.stderr)

    warnings.showwarning = show


def _run_sweep_command(args: argparse.Namespace, spec, prefix: str):
    from .experiments.sweep import sweep

    if args.resume and args.out is None:
        raise OrgsimError("--resume needs --out DIR (the folder of the interrupted sweep)")
    if args.retry_failed and not args.resume:
        raise OrgsimError("--retry-failed goes with --resume")
    if args.scheduler and args.backend != "dask":
        raise OrgsimError("--scheduler goes with --backend dask")
    out = args.out or default_out(f"{prefix}-{spec.name}")
    workers = (args.workers or default_workers()) if args.scheduler else _workers_for(args.workers, spec.n_runs)
    if args.dry_run:
        from .experiments.sweep import check_outcomes, check_sweep_folder, probe_outcomes

        check_sweep_folder(spec, out, args.resume, getattr(args, "timeseries", False))
        check_outcomes(spec, probe_outcomes(spec, timeout=args.run_timeout or None))  # what a real sweep checks first
        horizons = [sc.horizon_days for sc in spec.point_scenarios for _ in range(spec.replications)]
        _print_plan(f"{len(spec.points)} points x {spec.replications} replications = {spec.n_runs} runs "
                    f"({spec.design} design, {args.backend} backend)", spec.point_scenarios[0], horizons, workers, out,
                    daily_files=1 if getattr(args, "timeseries", False) else 0, per_run_bytes=6_000)
        return None
    where = f"scheduler {args.scheduler}" if args.scheduler else f"{workers} worker{'s' if workers > 1 else ''}"

    def announce(spec, pending: int, stored: int) -> None:
        resumed = f"; {stored} stored before, {pending} to run" if stored else ""
        print(f"{spec.name}: {len(spec.points)} points x {spec.replications} replications = {spec.n_runs} runs "
              f"({spec.design} design, {args.backend} backend, {where}{resumed}) -> {out}/", file=sys.stderr)

    _print_warning_lines()
    _sigterm_as_interrupt()
    try:
        return sweep(spec, out, workers=workers, backend=args.backend, scheduler=args.scheduler, resume=args.resume,
                     retry_failed=args.retry_failed, timeseries=getattr(args, "timeseries", False),
                     progress=not args.no_progress and sys.stderr.isatty(), on_start=announce,
                     run_timeout=args.run_timeout or None)
    except KeyboardInterrupt:
        from .experiments.store import ResultsStore

        stored = len(ResultsStore(out).stored_runs()) if (out / "manifest.json").exists() else 0
        print(f"orgsim: interrupted; {stored} of {spec.n_runs} runs are stored in {out}/; "
              f"continue with: orgsim {args.command} {args.spec} --out {out} --resume", file=sys.stderr)
        raise SystemExit(130) from None


def _report_sweep(result) -> int:
    """One paragraph on what ran; exit status 1 when runs failed."""
    n = len(result.runs)
    before = f", {result.skipped} were stored before" if result.skipped else ""
    print(f"{n} of {result.total} runs stored in {result.out}/ (this call ran {result.ran} in "
          f"{result.elapsed_seconds:.1f} s{before})")
    if result.failed:
        failures = result.runs[result.runs["status"] == "failed"]
        print(f"{result.failed} run{'s' if result.failed > 1 else ''} failed:", file=sys.stderr)
        for error, block in failures.groupby("error", sort=False):
            points = ", ".join(str(p) for p in sorted(block["point"].unique())[:8])
            label = "point" if block["point"].nunique() == 1 else "points"
            print(f"  {len(block)} x {error} ({label} {points}{', ...' if block['point'].nunique() > 8 else ''})",
                  file=sys.stderr)
        print(f"  failure rows keep the error, the traceback and the parameters (load_results('{result.out}', "
              "status='failed')); rerun them with --resume --retry-failed", file=sys.stderr)
        return 1
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from .experiments.spec import load_sweep_spec

    spec = load_sweep_spec(args.spec, max_runs=args.max_runs)
    result = _run_sweep_command(args, spec, "sweep")
    if result is None:  # --dry-run
        return 0
    status = _report_sweep(result)
    if not args.no_charts:
        _write_folder_charts(result.out)
    print(f"summarize with: orgsim summarize {result.out}")
    return status


def _write_folder_charts(folder: Path) -> None:
    from .report import write_folder_charts

    if write_folder_charts(folder):
        print(f"charts (PNG and SVG) written to {folder / 'charts'}/; a report: orgsim report {folder}")


def sweep_table(summary: pd.DataFrame, parameters: list[str]) -> dict[str, pd.DataFrame]:
    """Per outcome, a printable table: point, parameters, n, mean [95% CI], paired difference [95% CI]."""
    tables = {}
    for outcome, block in summary.groupby("outcome", sort=False):
        ref = int(block["reference"].iloc[0])
        rows = []
        for _, r in block.iterrows():
            entry = {"point": int(r["point"]), **{p: r[p] for p in parameters}, "n": int(r["n"]),
                     "mean [95% CI]": f"{_fmt(r['mean'], outcome)} [{_fmt(r['ci_low'], outcome)}, "
                                      f"{_fmt(r['ci_high'], outcome)}]"}
            if int(r["point"]) == ref:
                entry[f"vs point {ref} [95% CI]"] = "(reference)"
            elif r["n_pairs"] == 0:
                entry[f"vs point {ref} [95% CI]"] = "n/a"
            else:
                entry[f"vs point {ref} [95% CI]"] = (f"{_fmt(r['difference'], outcome, True)} [{_fmt(r['difference_ci_low'], outcome, True)}, "
                                                     f"{_fmt(r['difference_ci_high'], outcome, True)}]")
            rows.append(entry)
        tables[outcome] = pd.DataFrame(rows)
    return tables


def cmd_summarize(args: argparse.Namespace) -> int:
    from .experiments.analysis import parameter_columns, summarize_results
    from .experiments.store import load_manifest, load_results

    _print_warning_lines()
    manifest = load_manifest(args.folder)
    runs = load_results(args.folder)
    if runs.empty:
        raise OrgsimError(f"{args.folder}: no runs stored yet")
    outcomes = _outcome_list(args.outcomes) or manifest.get("outcomes")
    unknown = [o for o in outcomes if o not in runs.columns]
    if unknown:
        raise OrgsimError(f"{args.folder}: no outcome {unknown[0]!r} in these results")
    if args.reference is not None and args.reference not in set(runs["point"]):
        raise OrgsimError(f"--reference {args.reference}: no such point (points are 0 to {manifest['n_points'] - 1})")
    try:
        summary = summarize_results(runs, outcomes, args.reference)
    except ValueError as exc:
        raise OrgsimError(f"{args.folder}: {exc}") from None
    if args.format == "csv":
        summary.to_csv(sys.stdout, index=False)
        return 0
    if args.format == "json":
        print(summary.to_json(orient="records"))
        return 0
    failed = int((runs["status"] == "failed").sum())
    missing = manifest["n_runs"] - len(runs)
    notes = "".join([f"; {failed} failed runs left out" if failed else "",
                     f"; {missing} runs not run yet (resume the sweep)" if missing else ""])
    print(f"{manifest['name']}: {manifest['n_points']} points x {manifest['replications']} replications "
          f"({manifest['design']} design, seed {manifest['seed']}){notes}. Means with 95% confidence intervals; "
          f"differences are paired on the replication (common random numbers).\n")
    for outcome, table in sweep_table(summary, parameter_columns(runs)).items():
        unit = f" ({UNITS[outcome]})" if outcome in UNITS else ""
        print(f"{outcome}{unit}")
        print(table.to_string(index=False))
        print()
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from .experiments.sensitivity import analyze_sweep
    from .experiments.spec import load_sweep_spec
    from .experiments.store import ResultsStore

    folder = Path(args.spec)
    status = 0
    if folder.is_dir() and not args.resume:
        out = ResultsStore.open(folder).root  # analyse a finished sweep
    else:
        spec = load_sweep_spec(args.spec, max_runs=args.max_runs)
        if spec.design not in ("sobol", "morris"):
            raise OrgsimError(f"{spec.source}: design is {spec.design}; sensitivity indices need design sobol or morris")
        result = _run_sweep_command(args, spec, "sensitivity")
        if result is None:  # --dry-run
            return 0
        status = _report_sweep(result)
        out = result.out
    analysis = analyze_sweep(out, outcomes=_outcome_list(args.outcomes))
    for outcome, reason in analysis.skipped.items():
        print(f"orgsim: {outcome}: not analysed: {reason}", file=sys.stderr)
    if analysis.indices.empty:
        raise OrgsimError(f"{out}: no outcome could be analysed")
    analysis.indices.to_csv(out / "sensitivity.csv", index=False)
    analysis.indices.to_parquet(out / "sensitivity.parquet", index=False)
    explain = ("S1: share of variance explained by the parameter alone; ST: including its interactions "
               "(Sobol'; +- half-width of the 95% bootstrap interval)" if analysis.method == "sobol" else
               "mu_star: mean absolute elementary effect per step of the normalised grid; sigma: its spread "
               "(non-linearity, interactions) (Morris)")
    print(f"{analysis.method} indices; {explain}\n")
    for outcome, block in analysis.indices.groupby("outcome", sort=False):
        print(outcome)
        print(block.drop(columns="outcome").to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        print()
    print(f"indices written to {out}/sensitivity.csv and sensitivity.parquet")
    if not args.no_charts:
        _write_folder_charts(out)
    return status


COMMANDS.update({"sweep": cmd_sweep, "sensitivity": cmd_sensitivity, "summarize": cmd_summarize})


# ---------------------------------------------------------------------------- calibration and validation: calibrate, validate


def _add_validation_commands(sub: argparse._SubParsersAction) -> None:
    """The ``calibrate`` and ``validate`` subcommands (see docs/model.md, Calibration and Validation)."""
    from . import calibrate, validation

    cal_budget, cal_replications, cal_seed = calibrate.DEFAULT_BUDGET, calibrate.DEFAULT_REPLICATIONS, calibrate.DEFAULT_SEED
    val_replications = validation.DEFAULT_REPLICATIONS

    p_cal = sub.add_parser("calibrate", help="fit the calibrated parameters to the published targets; writes the calibration file")
    p_cal.add_argument("--budget", type=_positive, default=cal_budget, help=f"candidates to evaluate (default {cal_budget})")
    p_cal.add_argument("--replications", type=_positive, default=cal_replications,
                       help=f"runs per candidate, on common random numbers (default {cal_replications})")
    p_cal.add_argument("--workers", type=_positive, default=None, help="worker processes (default: all cores)")
    p_cal.add_argument("--seed", type=_seed, default=cal_seed, help=f"root seed (default {cal_seed})")
    p_cal.add_argument("--out", type=Path, default=None,
                       help="calibration file to write (default: a new calibration-TIMESTAMP.yaml in the working folder)")
    p_cal.add_argument("--force", action="store_true",
                       help="overwrite --out if it exists (needed to replace the installed simulation/calibration.yaml)")
    p_cal.add_argument("--quiet", action="store_true", help="no line per candidate on stderr")

    p_val = sub.add_parser("validate", help="check the current calibration against every published target; writes a report")
    p_val.add_argument("--replications", type=_positive, default=val_replications, help=f"runs per design (default {val_replications})")
    p_val.add_argument("--seed", type=_seed, default=0, help="root seed of the replications (default 0)")
    p_val.add_argument("--workers", type=_positive, default=None, help="worker processes (default: all cores)")
    p_val.add_argument("--out", type=Path, default=None, help="report folder (default runs/validate-TIMESTAMP)")
    p_val.add_argument("--format", choices=("table", "json"), default="table", help="what to print on stdout")
    p_val.add_argument("--robustness-samples", type=int, default=validation.DEFAULT_ROBUSTNESS_SAMPLES, metavar="N",
                       help="points of the Latin hypercube over the declared uncertainties in the robustness section "
                            f"(default {validation.DEFAULT_ROBUSTNESS_SAMPLES}; 0 leaves it out; see orgsim robustness)")


def cmd_calibrate(args: argparse.Namespace) -> int:
    from .calibrate import calibrate, check_output, write_calibration
    from .scenario import CALIBRATION_FILE

    # Never the installed package's file by default: a new file here (it replaces the package's only with --force).
    out = args.out or Path(f"calibration-{datetime.now():%Y%m%d-%H%M%S}.yaml")
    check_output(out, args.force)
    workers = args.workers or default_workers()
    log = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    print(f"calibrating: budget {args.budget} candidates x {args.replications} replications, seed {args.seed}, "
          f"{workers} worker{'s' if workers > 1 else ''}", file=sys.stderr)
    result = calibrate(budget=args.budget, replications=args.replications, seed=args.seed, workers=workers, log=log)
    write_calibration(result, out)
    proc = result.procedure
    print(f"chosen among the {proc['final_candidates']} best of {proc['evaluations']} candidates, rerun with "
          f"{proc['final_replications']} replications: objective {result.objective:.3f}")
    for path, value in result.parameters.items():
        print(f"  {path:<34} {value:g}")
    fit = result.fit
    print(f"{int(fit['inside'].sum())} of {len(fit)} targets inside their range at these values "
          f"({int(fit.loc[fit['use'] == 'fit', 'inside'].sum())} of {int((fit['use'] == 'fit').sum())} fit targets)")
    print(f"written to {out}")
    if out.resolve() != CALIBRATION_FILE.resolve():
        print(f"orgsim reads its calibration from {CALIBRATION_FILE}; to use these values, copy this file over it "
              f"(or rerun with --out {CALIBRATION_FILE} --force), then check them with orgsim validate")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .validation import robustness, validate, validation_table, write_report

    if args.robustness_samples < 0 or args.robustness_samples == 1:
        raise OrgsimError(f"--robustness-samples = {args.robustness_samples}: must be 0 (no robustness section) or at least 2")
    out = args.out or default_out("validate")
    check_out_dir(out)
    workers = args.workers or default_workers()
    progress = sys.stderr.isatty()
    result = validate(replications=args.replications, seed=args.seed, workers=workers, progress=progress)
    robust = None
    if args.robustness_samples:
        robust = robustness(samples=args.robustness_samples, seed=args.seed, workers=workers, progress=progress)
    files = write_report(result, out, robust)
    if args.format == "json":
        print(result.table.to_json(orient="records"))
        return 0
    table = validation_table(result)
    inside = int(result.table["inside"].sum())
    print(f"{inside} of {len(table)} targets inside their published range ({args.replications} replications, seed {args.seed}; "
          f"simulated means with 95% intervals). {result.note}.\n")
    print(table.to_string(index=False))
    if result.missed:
        print(f"\nmissed: {', '.join(result.missed)} -- why: docs/model.md, 'Validation: targets the model misses'")
    if robust is not None:
        print(f"\nrobustness of the design comparison: rankings as shares of the assumption space "
              f"({robust.samples} points of a Latin hypercube over the declared uncertainties; orgsim robustness for more):")
        for line in robust.statements():
            print(f"  {line}")
    print(f"\nreport written to {files.html} and {files.markdown} ({len(files.charts)} charts)")
    return 0


COMMANDS.update({"calibrate": cmd_calibrate, "validate": cmd_validate})


# ---------------------------------------------------------------------------- explain: A - B lever group by lever group

EXPLAIN_FLAG_HELP = (
    "also decompose each design's difference from the baseline by lever group (Shapley values, as orgsim explain) "
    "into OUT/explain.json, shown by orgsim report; off by default because it costs (2^k - 2) x replications extra "
    "runs per design with k differing lever groups: 56 extra designs for the six presets, about 10x the runs of the "
    "comparison itself"
)


def _add_explain_command(sub: argparse._SubParsersAction) -> None:
    """The ``explain`` subcommand (see docs/experiments.md, "Explaining a difference")."""
    from .explanation import DEFAULT_REPLICATIONS as reps

    p = sub.add_parser("explain", help="decompose the difference between two designs by lever group (Shapley values)")
    p.add_argument("a", help="design A: a preset name or a scenario YAML file")
    p.add_argument("b", help="design B (the reference): A - B is explained")
    p.add_argument("--replications", type=_positive, default=reps, help=f"runs per coalition of lever groups (default {reps})")
    p.add_argument("--seed", type=_seed, default=0, help="root seed of the replications, as compare (default 0)")
    p.add_argument("--workers", type=_positive, default=None, help="worker processes (default: all cores)")
    p.add_argument("--days", type=_positive, default=None, help="working days to simulate (default: each design's horizon)")
    p.add_argument("--by", choices=("group", "field"), default="group",
                   help="players: lever groups (default) or every differing field on its own (finer; 2^fields coalitions)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="what to print on stdout")
    p.add_argument("--out", type=Path, default=None, help="also write the JSON document to this file (must not exist)")


def explain_table(result) -> dict[str, list[tuple[str, str, str]]]:
    """Per outcome, printable rows (lever group, contribution [95% CI], share of the total): the total first,
    then each lever group, largest first."""
    tables = {}
    for t in result.total.itertuples():
        resolved = bool(t.ci_low > 0 or t.ci_high < 0)
        rows = [(f"total ({result.a} - {result.b})", _explain_interval(t.mean, t.ci_low, t.ci_high, t.outcome),
                 _explain_share(t.mean, t.mean, resolved))]
        for c in result.contributions[result.contributions["outcome"] == t.outcome].itertuples():
            rows.append((f"  {c.lever_group}", _explain_interval(c.mean, c.ci_low, c.ci_high, t.outcome),
                         _explain_share(c.mean, t.mean, resolved)))
        tables[t.outcome] = rows
    return tables


def _explain_interval(mean: float, low: float, high: float, outcome: str) -> str:
    if math.isnan(mean):
        return "n/a"
    return f"{_fmt_signed(mean, outcome)} [{_fmt_signed(low, outcome)}, {_fmt_signed(high, outcome)}]"


def _explain_share(mean: float, total: float, resolved: bool = True) -> str:
    """A share of the total, shown only when the total is resolved (a share of nearly nothing says nothing)."""
    return f"{100 * mean / total:.0f}%" if resolved and total and not math.isnan(total) and not math.isnan(mean) else ""


def _print_rows(rows: list[tuple[str, str, str]], header: tuple[str, str, str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for r in [header, *rows]:
        print(f"  {r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}".rstrip())


def _fmt_signed(value: float, outcome: str) -> str:
    from .plots import format_value

    return format_value(value, outcome, signed=True)


def cmd_explain(args: argparse.Namespace) -> int:
    from .explanation import explain

    a, b = load_scenario(args.a), load_scenario(args.b)  # both validated before anything runs
    if args.out is not None:
        if args.out.exists():
            raise OrgsimError(f"{args.out}: exists; choose another file name")
        if not args.out.parent.exists():
            raise OrgsimError(f"{args.out.parent}: no such folder for --out")
    workers = args.workers or default_workers()
    result = explain(a, b, replications=args.replications, seed=args.seed, workers=workers, days=args.days,
                     progress=sys.stderr.isatty(), by=args.by)
    document = result.to_json()
    if args.out is not None:
        args.out.write_text(document + "\n", encoding="utf-8")
    for note in result.notes:
        print(f"orgsim: note: {note}", file=sys.stderr)
    if args.format == "json":
        print(document)
        return 0
    k = len(result.groups)
    kind = "lever group" if args.by == "group" else "field"
    how = (f"exact Shapley values over {k} {kind}{'s' if k > 1 else ''} ({2 ** k} coalitions)" if result.method == "exact"
           else f"Shapley values over {k} {kind}s estimated from {result.permutations} sampled orders")
    print(f"{result.a} - {result.b}: {how} x {result.replications} replications on common random numbers "
          f"(seed {result.seed}); means with 95% confidence intervals; contributions add up to the total.\n")
    if args.by == "group" or result.notes:
        print("lever groups that differ:" if args.by == "group" else "fields that differ, merged where needed:")
        width = max(len(g) for g in result.groups)
        for group, fields in result.groups.items():
            print(f"  {group:<{width}}  {', '.join(fields)}")
    else:
        print(f"fields that differ: {', '.join(result.groups)}")
    print()
    sentences = result.sentences()
    for outcome, rows in explain_table(result).items():
        unit = f" ({UNITS[outcome]})" if outcome in UNITS else ""
        print(f"{outcome}{unit}")
        _print_rows(rows, ("lever group" if args.by == "group" else "field", "contribution [95% CI]", "share"))
        print(f"  {sentences[outcome]}\n")
    if args.out is not None:
        print(f"JSON written to {args.out}")
    return 0


def _explain_compare(args: argparse.Namespace, scenarios, result: Comparison, out: Path, workers: int) -> None:
    """``compare --explain``: each design against the baseline, into OUT/explain.json."""
    from .explanation import explain_against_baseline, write_explain_json

    by_name = {s.name: s for s in scenarios}
    baseline = by_name.get(result.baseline) or load_scenario(args.baseline)
    explanations = explain_against_baseline(scenarios, baseline, args.replications, args.seed, workers, args.days,
                                            runs=result.runs, progress=sys.stderr.isatty())
    write_explain_json(explanations, result.baseline, out / "explain.json")
    for name, e in explanations.items():
        for note in e.notes:
            print(f"orgsim: note: {name}: {note}", file=sys.stderr)


COMMANDS.update({"explain": cmd_explain})


# ---------------------------------------------------------------------------- robustness over the declared uncertainties


def _add_robustness_command(sub: argparse._SubParsersAction) -> None:
    """``orgsim robustness``: share of the assumption space in which each design beats each other (docs/experiments.md)."""
    from .experiments.robustness import DEFAULT_SAMPLES

    p = sub.add_parser("robustness", help="in what share of the assumption space each design beats each other, and which assumptions decide it")
    p.add_argument("designs", nargs="*", help="preset names or YAML files (default: the six presets)")
    p.add_argument("--samples", type=_positive, default=DEFAULT_SAMPLES,
                   help=f"points of the Latin hypercube over the declared uncertainties; each runs every design once (default {DEFAULT_SAMPLES})")
    p.add_argument("--seed", type=_seed, default=0, help="root seed of the hypercube and of the points' runs (default 0)")
    p.add_argument("--workers", type=_positive, default=None, help="worker processes (default: all cores)")
    p.add_argument("--days", type=_positive, default=None, help="working days to simulate (default: each design's horizon)")
    p.add_argument("--out", type=Path, default=None, help="results folder (default runs/robustness-TIMESTAMP)")


def cmd_robustness(args: argparse.Namespace) -> int:
    from .experiments.robustness import robustness

    if args.samples < 2:
        raise OrgsimError(f"--samples = {args.samples}: must be at least 2")
    designs = [load_scenario(s) for s in (args.designs or PRESETS)]  # validate all before running
    if len(designs) < 2:
        raise OrgsimError("robustness compares designs: give at least two")
    out = args.out or default_out("robustness")
    check_out_dir(out)
    workers = args.workers or default_workers()
    print(f"{len(designs)} designs x {args.samples} points of a Latin hypercube over the declared uncertainties "
          f"(simulation/uncertainties.yaml) = {len(designs) * args.samples} runs, seed {args.seed}, "
          f"{workers} worker{'s' if workers > 1 else ''}", file=sys.stderr)
    result = robustness(designs, samples=args.samples, seed=args.seed, workers=workers, days=args.days, progress=sys.stderr.isatty())
    result.write(out)
    for note in result.notes:
        print(f"orgsim: note: {note}", file=sys.stderr)
    print(f"Share of the assumption space (95% Wilson interval) in which the first design beats the second; "
          f"{args.samples} points, one run per design per point on common random numbers.\n")
    for outcome, block in result.pairs.groupby("outcome", sort=False):
        print(outcome)
        for statement in block["statement"]:
            print(f"  {statement}")
        print()
    print(f"robustness.csv/.json, samples, runs, rank scores and PRIM boxes written to {out}/")
    return 0


COMMANDS.update({"robustness": cmd_robustness})


# ---------------------------------------------------------------------------- the dashboard (docs/dashboard.md)


def _add_dashboard_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dashboard", help='an interactive dashboard in the browser (needs pip install -e ".[dashboard]")')
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_port, default=8765, help="port (default 8765; 0: any free port)")
    p.add_argument("--results", type=Path, default=None, help="a compare or sweep results folder to open")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser window")


def _port(text: str) -> int:
    value = _whole_number(0, "0 or more")(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number, 0 to 65535, got {value}")
    return value


def cmd_dashboard(args: argparse.Namespace) -> int:
    from .dashboard import serve  # imports solara only when the command runs

    return serve(args.host, args.port, args.results, open_browser=not args.no_browser)


COMMANDS.update({"dashboard": cmd_dashboard})


DRAWING_COMMANDS = {"compare", "report", "sweep", "sensitivity", "validate", "dashboard"}
# ---------------------------------------------------------------------------- fit: a company's own as-is organisation


def _add_fit_command(sub: argparse._SubParsersAction) -> None:
    """``orgsim fit SOURCE``: observed funnel, fitted as-is scenario and report (simulation/fit/)."""
    from .fit.fitting import DEFAULT_BUDGET as budget
    from .fit.fitting import DEFAULT_REPLICATIONS as reps

    p = sub.add_parser("fit", help="fit the as-is organisation to a company's CRM export (mapping file) or funnel file")
    p.add_argument("source", type=Path, help="a mapping file naming the CRM exports, or a funnel file (YAML with funnel:)")
    p.add_argument("--out", type=Path, default=None, help="folder to write (default runs/fit-TIMESTAMP)")
    p.add_argument("--design", default="separate_targets", choices=PRESETS, help="the design the company runs (default separate_targets)")
    p.add_argument("--replications", type=_positive, default=reps, help=f"runs per candidate, on common random numbers (default {reps})")
    p.add_argument("--budget", type=_positive, default=budget, help=f"candidates to evaluate (default {budget})")
    p.add_argument("--seed", type=_seed, default=0, help="root seed (default 0)")
    p.add_argument("--workers", type=_positive, default=None, help="worker processes (default: all cores)")
    p.add_argument("--allow-unmatched-deals", action="store_true", help="fit without the deals whose lead id matches no lead")
    p.add_argument("--parameters", default=None, metavar="P1,P2",
                   help="behavioural parameters to fit, comma-separated (default: all four that observed figures identify: "
                        "behaviour.accept_bar, behaviour.min_task_yield, behaviour.win_intercept, behaviour.no_decision_base)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


def cmd_fit(args: argparse.Namespace) -> int:
    from .fit import fit

    out = args.out or default_out("fit")
    workers = args.workers or default_workers()
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(desc="fit", unit="candidate", file=sys.stderr, disable=not sys.stderr.isatty())

    def log(line: str) -> None:
        if bar is not None and not bar.disable:
            bar.update(1)
            bar.set_postfix_str(line[:60])
        elif not args.quiet:
            print(line, file=sys.stderr, flush=True)

    try:
        result = fit(args.source, out, design=args.design, replications=args.replications, budget=args.budget, seed=args.seed,
                     workers=workers, allow_unmatched_deals=args.allow_unmatched_deals, log=log,
                     parameters=[p.strip() for p in args.parameters.split(",") if p.strip()] if args.parameters else None)
    finally:
        if bar is not None:
            bar.close()
    table = result.result.table
    print(f"{int(table['inside'].sum())} of {len(table)} observed figures matched by the fitted as-is ({args.design}); "
          "observed and simulated with 95% intervals:\n")
    print(table[["measure", "role", "observed", "observed_ci_low", "observed_ci_high", "simulated_mean", "ci_low", "ci_high", "inside"]]
          .to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if len(result.result.fitted):
        print("\nfitted (95% interval):")
        for _, r in result.result.fitted.iterrows():
            print(f"  {r['parameter']:<28} {r['value']:g} [{r['ci_low']:.3g}, {r['ci_high']:.3g}]"
                  f"{'' if r['pinned_down'] else '  not pinned down by the data'}")
    for note in [*result.company.notes, *result.result.notes]:
        print(f"orgsim: note: {note}", file=sys.stderr)
    print(f"\nwritten to {out}/: company.yaml (compare redesigns: orgsim compare {out}/company.yaml YOUR_REDESIGN.yaml), "
          "fit.csv, parameters.csv, observed.json, report.html")
    return 0


COMMANDS.update({"fit": cmd_fit})


DRAWING_COMMANDS = {"compare", "report", "sweep", "sensitivity", "validate", "fit"}
"""Commands that write charts to files: the command line selects matplotlib's Agg backend for
them. The library never changes the backend (a notebook's inline charts would stop showing)."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _print_warning_lines()  # e.g. a preset name that is also a file here: one line
    if args.command in DRAWING_COMMANDS:
        import matplotlib

        matplotlib.use("Agg")
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

