"""Issue 12, item 7: what users hit first (the UX audit's S1 and S2 findings, ux-audit-2026-11.md).

Each test is named after its finding and fails on the code the audit looked at.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import report_fixtures


def test_S1_4_simulation_compare_is_always_the_function():
    # Whatever was imported first, `simulation.compare` is the function (it used to become
    # the module once anything imported the submodule).
    script = (
        "from simulation.report import build_report\n"
        "from simulation import plots\n"
        "import simulation.comparison\n"
        "from simulation import compare\n"
        "import simulation\n"
        "assert callable(compare) and compare.__module__ == 'simulation.comparison', compare\n"
        "assert simulation.compare is compare, simulation.compare\n"
        "assert simulation.Comparison is simulation.comparison.Comparison\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


# ----------------------------------------------------------------------------- sweep reports


def fake_run(scenario, seed=0, replication=0):
    """The shared stand-in for the model (``report_fixtures.fake_run``), with SLA breaches too."""
    return {**report_fixtures.fake_run(scenario, seed, replication), "sla_breaches": 3 * (seed % 97) / 97}


def make_sweep(out: Path, replications: int = 3, outcomes=("bookings", "friction_index", "mqls")) -> Path:
    from simulation import sweep, sweep_spec_from_dict

    spec = sweep_spec_from_dict(
        {
            "description": "shared-revenue weight x SLA window (stand-in model)",
            "base": "sla",
            "parameters": {"marketing.shared_revenue_weight": {"values": [0.0, 0.5, 1.0]}, "sla.first_touch_hours": {"values": [4, 24]}},
            "design": "grid",
            "replications": replications,
            "seed": 3,
            "outcomes": list(outcomes),
        },
        name="tiny",
    )
    sweep(spec, out, run_fn=fake_run)
    return out


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("sweep") / "sw")


def test_S1_1_sweep_report_varied_table(sweep_folder, tmp_path):
    from simulation.report import build_report

    build_report(sweep_folder, out=tmp_path / "s.html")
    html = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert "built-in method" not in html
    varied = html[html.index('id="varied"') : html.index('id="results"')]
    assert "0%, 50%, 100%" in varied  # the shared-revenue weights
    assert "4 h, 24 h" in varied  # the SLA windows


def test_S1_5_one_replication_shows_no_interval_and_nothing_clearly_better(tmp_path):
    from simulation.experiments.analysis import mean_ci
    from simulation.report import build_report

    mean, low, high = mean_ci([91_000.0])
    assert mean == 91_000.0 and math.isnan(low) and math.isnan(high)  # no interval, not [91K, 91K]

    folder = make_sweep(tmp_path / "one", replications=1)
    build_report(folder, out=tmp_path / "one.html")
    html = (tmp_path / "one.html").read_text(encoding="utf-8")
    assert "no other point&#39;s interval overlaps it" not in html and "no other point's interval overlaps it" not in html
    assert "with one replication per point there is no interval" in html
    results = html[html.index('id="results"') : html.index('id="charts"')]
    assert 'class="ci"' not in results  # no zero-width interval under any mean
    for shade in ("num better", "num worse", "num higher", "num lower"):
        assert shade not in results


def test_S1_5_many_comparisons_are_holm_corrected(sweep_folder, tmp_path):
    import numpy as np
    import pandas as pd

    from simulation.experiments.analysis import holm
    from simulation.report import build_report, content

    assert np.allclose(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    # Ten comparisons each just resolved on its own (p about 0.03): none survives the correction.
    frame = pd.DataFrame({"difference": [1.0] * 10, "ci_low": [0.1] * 10, "ci_high": [1.9] * 10, "n": [10] * 10})
    corrected = content.with_holm(frame)
    assert (corrected["p_value"] < 0.05).all() and not corrected["resolved"].any()
    assert content.verdict(1.0, 0.1, 1.9, "higher", resolved=False) == "unclear"
    assert content.verdict(1.0, 0.1, 1.9, "higher") == "better"

    build_report(sweep_folder, out=tmp_path / "s.html")
    html = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert "comparisons at once" in html and "Holm" in html  # the table says how many, and that it is corrected


# ----------------------------------------------------------------------------- the Python API, compare folders


def test_S1_2_duplicate_design_names_say_how_to_fix_them():
    from simulation import ScenarioError, compare, load_scenario

    variant = load_scenario("sla").with_overrides({"sla.first_touch_hours": 4})
    with pytest.raises(ScenarioError) as info:  # refused before anything runs
        compare(["separate_targets", "sla", variant], replications=1, days=1)
    message = str(info.value)
    assert "'sla'" in message and "a Scenario object" in message and "with_overrides({'name'" in message
    assert "rename one file" not in message  # the user passed an object, not a file


def test_python_compare_defaults_match_the_cli():
    import inspect

    from simulation import compare
    from simulation.cli import build_parser
    from simulation.comparison import DEFAULT_REPLICATIONS

    defaults = {k: p.default for k, p in inspect.signature(compare).parameters.items()}
    cli = build_parser().parse_args(["compare"])
    assert defaults["replications"] == cli.replications == DEFAULT_REPLICATIONS
    assert defaults["workers"] is None and cli.workers is None  # both: all cores
    assert defaults["seed"] == cli.seed and defaults["baseline"] == cli.baseline and defaults["days"] == cli.days


def test_S2_11_reproduce_with_reruns_custom_designs_from_anywhere(tmp_path, monkeypatch, capsys):
    import shlex

    import pandas as pd

    from simulation.cli import main
    from simulation.report import build_report

    work = tmp_path / "work"
    work.mkdir()
    (work / "small_sla.yaml").write_text("base: sla\nmarket:\n  n_accounts: 2000\n")
    monkeypatch.chdir(work)
    args = ["compare", "separate_targets", "small_sla.yaml", "--replications", "2", "--days", "5", "--workers", "1", "--no-charts"]
    assert main([*args, "--out", "cmp"]) == 0
    assert sorted(p.name for p in (work / "cmp" / "designs").iterdir()) == ["separate_targets.yaml", "small_sla.yaml"]
    build_report(work / "cmp", out=tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    command = re.search(r"Reproduce the results with <code>(.*?)</code>", html).group(1)
    assert "cmp/designs/small_sla.yaml" in command

    # From another folder, without the original design file, the command reruns the same comparison.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (work / "small_sla.yaml").unlink()
    words = shlex.split(command.replace("&#39;", "'"))
    words = [str(work / w) if w.endswith(".yaml") else w for w in words]  # relative to where the report was made
    monkeypatch.chdir(elsewhere)
    capsys.readouterr()
    assert main([*words[1:], "--workers", "1", "--no-charts", "--out", "again"]) == 0, capsys.readouterr().err
    first, again = (pd.read_parquet(p / "runs.parquet") for p in (work / "cmp", elsewhere / "again"))
    pd.testing.assert_frame_equal(first, again)


def test_S2_12_every_requested_outcome_gets_a_sweep_chart(tmp_path):
    from simulation import plots
    from simulation.report import build_report

    outcomes = ["bookings", "friction_index", "mqls", "sla_breaches", "o5", "o6", "o7", "o8", "never"]

    def many(scenario, seed=0, replication=0):
        row = fake_run(scenario, seed, replication)
        return {**row, **{f"o{i}": row["bookings"] * i + seed % 7 for i in range(5, 9)}, "never": float("nan")}

    from simulation import sweep, sweep_spec_from_dict

    spec = sweep_spec_from_dict(
        {"base": "sla", "replications": 2, "seed": 1, "outcomes": outcomes,
         "parameters": {"marketing.shared_revenue_weight": {"values": [0.0, 1.0]}, "sla.first_touch_hours": {"values": [4, 24]}}},
        name="many",
    )  # fmt: skip
    result = sweep(spec, tmp_path / "sw", run_fn=many)
    charts = plots.sweep_charts(result.runs, spec.parameter_names, outcomes, "grid")
    names = [c.name for c in charts]
    assert names[:2] == ["outcomes_vs_parameters", "outcomes_vs_parameters_2"]
    drawn = [o for o in outcomes if f"heatmap_{o}" in names]
    assert drawn == outcomes[:-1]  # all eight with values, not the first four
    assert plots.unchartable_outcomes(result.runs, outcomes) == ["never"]
    for chart in charts:
        chart.figure.clf()

    build_report(tmp_path / "sw", out=tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No chart for never" in html


def test_S2_14_one_number_formatter_for_cli_and_report():
    import pandas as pd

    from simulation import cli, plots
    from simulation.comparison import Comparison

    # The CLI's formatter is the report's.
    for value, outcome, signed in [(13.33e6, "bookings", False), (-1859.0, "bookings", True), (0.476, "mql_acceptance_rate", False),
                                   (8.229, "median_speed_to_lead_hours", False), (0.03, "win_rate", True), (1234.4, "mqls", False)]:  # fmt: skip
        assert cli._fmt(value, outcome, signed) == plots.format_value(value, outcome, signed)
    assert plots.format_value(0.476, "mql_acceptance_rate") == "48%"  # not 0.476
    assert plots.format_value(-0.0001, "win_rate", signed=True) == "0.0 pp"  # S3: no negative zero

    summary = pd.DataFrame(
        {
            "scenario": ["a", "b"],
            "outcome": "bookings",
            "n": 3,
            "mean": [13.33e6, 14.9e6],
            "ci_low": [12.99e6, 13.1e6],
            "ci_high": [13.66e6, 16.0e6],
        }
    )
    differences = pd.DataFrame(
        {
            "scenario": ["b"],
            "reference": "a",
            "outcome": "bookings",
            "n": 3,
            "difference": [1.62e6],
            "ci_low": [-1859.0],
            "ci_high": [3.24e6],
        }
    )
    table = cli.comparison_table(Comparison(pd.DataFrame(), summary, differences, "a"))
    row = table[table["design"] == "b"].iloc[0]
    assert row["mean [95% CI]"] == "$14.9M [$13.1M, $16.0M]"
    assert row["vs a [95% CI]"] == "+$1.6M [-$2K, +$3.2M]"  # one unit inside the interval


# ----------------------------------------------------------------------------- orgsim calibrate


def test_calibrate_never_overwrites_the_installed_calibration_without_force(tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    import pandas as pd

    import simulation.calibrate as calibrate_module
    from simulation.cli import main
    from simulation.scenario import CALIBRATION_FILE

    shipped = CALIBRATION_FILE.read_bytes()
    monkeypatch.chdir(tmp_path)
    # A stand-in for the five-minute fit; it never touches the package's file, whatever the CLI asks.
    fake = SimpleNamespace(
        procedure={"final_candidates": 1, "evaluations": 1, "final_replications": 1},
        objective=1.0,
        parameters={"sales.x": 1.0},
        fit=pd.DataFrame({"inside": [True], "use": ["fit"]}),
    )
    asked: list[Path] = []

    def write(result, out):
        asked.append(Path(out))
        if Path(out).resolve() != CALIBRATION_FILE.resolve():
            Path(out).write_text("parameters: {}\n")

    monkeypatch.setattr(calibrate_module, "calibrate", lambda **kwargs: fake)
    monkeypatch.setattr(calibrate_module, "write_calibration", write)

    # Asked to write the package's own file without --force: one line, exit 2, before any run.
    assert main(["calibrate", "--quiet", "--workers", "1", "--out", str(CALIBRATION_FILE)]) == 2
    assert "--force" in capsys.readouterr().err
    assert not asked and CALIBRATION_FILE.read_bytes() == shipped

    # The default: a new file in the working folder, and the message says how to use it.
    assert main(["calibrate", "--quiet", "--workers", "1"]) == 0
    assert asked and asked[-1].resolve() != CALIBRATION_FILE.resolve()
    out = capsys.readouterr().out
    written = list(tmp_path.glob("calibration-*.yaml"))
    assert len(written) == 1 and f"written to {written[0].name}" in out
    assert str(CALIBRATION_FILE) in out and "--force" in out  # how to use it
    assert CALIBRATION_FILE.read_bytes() == shipped


def test_S2_16_one_public_load_results():
    import simulation
    import simulation.report

    assert simulation.load_results.__module__ == "simulation.experiments.store"
    assert not hasattr(simulation.report, "load_results")  # the folder reader has its own name
    assert "load_results_folder" in simulation.report.__all__


@pytest.mark.parametrize(
    ("outcome", "low", "high"), [("mql_acceptance_rate", 0.512, 0.531), ("bookings", 1.601e6, 1.648e6), ("bookings", 3.2e6, 5.5e6)]
)
def test_S1_5_heatmap_colour_bar_ticks_do_not_repeat(outcome, low, high):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from simulation import plots

    cells = [(a, b) for a in (0.0, 0.5, 1.0) for b in (4, 24)]
    values = np.linspace(low, high, len(cells))
    runs = pd.DataFrame({"x": [a for a, _ in cells], "y": [b for _, b in cells], outcome: values})
    ax = plots.parameter_heatmap(runs, "x", "y", outcome)
    ax.figure.canvas.draw()
    bar = ax.figure.axes[-1]
    labels = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
    assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
    assert not bar.get_ylabel().startswith("Mean mQL")  # S3: lower_first keeps acronyms
    plt.close(ax.figure)


def test_S1_3_library_calls_never_switch_the_backend(tmp_path):
    # A notebook kernel's backend (the inline one) must survive every orgsim call that draws
    # or writes charts; before, the first such call switched the whole kernel to Agg.
    script = f"""
import matplotlib
from simulation import plots
from simulation.report import build_report
import tests_ux_helper
folder = tests_ux_helper.make_sweep(__import__("pathlib").Path({str(tmp_path)!r}) / "sw")
plots.write_sweep_charts(__import__("simulation").load_results(folder), ["marketing.shared_revenue_weight", "sla.first_touch_hours"],
                         ["bookings"], __import__("pathlib").Path({str(tmp_path)!r}) / "charts")
build_report(folder, out=__import__("pathlib").Path({str(tmp_path)!r}) / "r.html")
assert matplotlib.get_backend() == "module://matplotlib_inline.backend_inline", matplotlib.get_backend()
"""
    helper = tmp_path / "tests_ux_helper.py"
    helper.write_text(Path(__file__).read_text(encoding="utf-8"), encoding="utf-8")
    import os

    # the copy imports report_fixtures from tests/
    path = os.pathsep.join(p for p in (str(tmp_path), str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline", "PYTHONPATH": path}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
