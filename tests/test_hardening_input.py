"""Issue 12 (hardening), items 2, 3 and 5 (input: numbers, files, names): one regression test per defect of the reliability
audit (``../shared/audits/reliability-audit-2026-11.md``), named after it.

The audit's input files the tests need are copied into ``tests/cases/`` (the alias bombs
there are smaller than the audit's, so that today's main fails these tests quickly rather
than by exhausting memory). Nothing here runs a simulation except the CLI seed check.
"""

from __future__ import annotations

import math
import os
import threading
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation import Scenario, load_scenario
from simulation import scenario as scenario_module
from simulation.errors import ScenarioError
from simulation.experiments.spec import load_sweep_spec, sweep_spec_from_dict
from simulation.scenario import build_scenario, field_reference

CASES = Path(__file__).resolve().parent / "cases"


def error_of(call, *args) -> str:
    with pytest.raises(ScenarioError) as info:
        call(*args)
    message = str(info.value)
    assert "\n" not in message, message
    return message


# ----------------------------------------------------------------------------- D1


@pytest.mark.parametrize(
    "case, loader",
    [("s25_alias_bomb_description_small.yaml", load_scenario), ("p45_alias_bomb_description_small.yaml", load_sweep_spec)],
)
def test_D1_alias_bomb_message_is_short(case, loader):
    start = time.perf_counter()
    message = error_of(loader, CASES / case)
    assert time.perf_counter() - start < 5
    assert len(message) < 400, f"{len(message):,} characters"
    assert "description" in message and "valid string" in message


def test_D1_alias_bomb_as_a_sweep_value_is_short(tmp_path):
    bomb = '&c [&b [&a ["lol","lol","lol","lol","lol","lol","lol","lol"],*a,*a,*a,*a,*a,*a,*a],*b,*b,*b,*b,*b,*b,*b]'
    for field in ("sla.first_touch_hours", "description"):
        path = tmp_path / "bomb.yaml"
        path.write_text(f"base: sla\nparameters:\n  {field}: {{values: [1, {bomb}]}}\n", encoding="utf-8")
        message = error_of(load_sweep_spec, path)
        assert len(message) < 400, f"{len(message):,} characters"
        assert "not a single value" in message


def test_D1_huge_values_are_quoted_short():
    message = error_of(build_scenario, {"horizon_days": "9" * 100_000})
    assert len(message) < 300 and "horizon_days" in message
    message = error_of(build_scenario, {"market": {"icp_width": ["x" * 1000] * 1000}})
    assert len(message) < 300 and "market.icp_width" in message
    message = error_of(build_scenario, {"market": {"k" * 100_000: 1}})  # a huge unknown key
    assert len(message) < 400 and "unknown field" in message
    message = error_of(Scenario().with_overrides, {"market." + "k" * 100_000: 1})
    assert len(message) < 400 and "no such field" in message
    data = {"base": "sla", "parameters": {"sla." + "k\n" * 50_000: {"values": [1, 2]}}}
    message = error_of(sweep_spec_from_dict, data)
    assert len(message) < 400 and "no such scenario field" in message


# ----------------------------------------------------------------------------- D4


@pytest.mark.parametrize(
    "case, field",
    [
        ("s12_inf_budget.yaml", "marketing.budget_per_quarter_usd"),
        ("s14_inf_salary.yaml", "sales.salary_usd"),
        ("s15_inf_quota.yaml", "sales.quota_per_quarter_usd"),
        ("s16_huge_float.yaml", "marketing.budget_per_quarter_usd"),
        ("e01_cost_tiny.yaml", "marketing.cost_per_inquiry_broad_usd"),
        ("e02_budget_1e21.yaml", "marketing.budget_per_quarter_usd"),
        ("e17_cost_tiny_targeted.yaml", "marketing.cost_per_inquiry_targeted_usd"),
        ("e19_salary_huge.yaml", "salary_usd"),
    ],
)
def test_D4_non_finite_and_absurd_numbers_are_refused(case, field):
    message = error_of(load_scenario, CASES / case)
    assert case in message and field in message
    assert "finite" in message or "must be" in message


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_D4_every_float_field_refuses_non_finite_values(value):
    for row in field_reference():
        if row["type"] == "float":
            message = error_of(Scenario().with_overrides, {row["field"]: value})
            assert row["field"] in message


def test_D4_every_numeric_field_has_an_upper_bound_in_the_reference():
    unbounded = [r["field"] for r in field_reference() if r["type"] in ("float", "int") and "<" not in r["allowed"]]
    assert not unbounded
    reference = (Path(__file__).resolve().parent.parent / "docs" / "scenario_reference.md").read_text(encoding="utf-8")
    assert "| `marketing.budget_per_quarter_usd` | float | 450000.0 | >= 0, <= 1e10 |" in reference


def test_D4_budget_that_buys_more_inquiries_than_can_be_simulated_is_refused():
    message = error_of(
        Scenario().with_overrides,
        {"marketing.budget_per_quarter_usd": 1e10, "marketing.cost_per_inquiry_broad_usd": 0.01},
    )
    assert "inquiries a quarter" in message


@pytest.mark.parametrize(
    "case, expected",
    [
        ("p24_inf_range_unbounded.yaml", "range.1 = inf: must be a finite number"),
        ("p41_inf_values.yaml", "inf is not a finite number"),
    ],
)
def test_D4_sweep_specs_refuse_non_finite_ranges_and_values(case, expected):
    message = error_of(load_sweep_spec, CASES / case)
    assert expected in message


# ----------------------------------------------------------------------------- D7


def test_D7_a_preset_name_is_the_preset_even_with_a_same_named_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("sla").write_text("sla:\n  enabled: false\n", encoding="utf-8")
    with pytest.warns(scenario_module.PresetShadowWarning, match=r"taken as the preset sla, not the file sla; .* \(\./sla\)"):
        scenario = load_scenario("sla")
    assert scenario.sla.enabled and scenario == load_scenario(scenario_module.preset_path("sla"))
    assert not load_scenario("./sla").sla.enabled  # written as a path: the file


def test_D7_a_preset_name_is_the_preset_even_with_a_same_named_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("sla").mkdir()
    with pytest.warns(scenario_module.PresetShadowWarning, match="also a folder sla"):
        assert load_scenario("sla").name == "sla"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Path("sla").rmdir()
        load_scenario("sla")  # nothing to warn about


def test_D7_a_file_is_used_only_when_written_as_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("mydesign").write_text("base: sla\n", encoding="utf-8")
    message = error_of(load_scenario, "mydesign")
    assert "not a preset name" in message and "./mydesign" in message
    assert load_scenario("./mydesign").name == "mydesign"
    Path("other.yaml").write_text("base: sla\n", encoding="utf-8")
    assert load_scenario("other.yaml").name == "other"


def test_D7_sweep_bases_and_spec_names_follow_the_same_rule(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "sla").write_text("sla:\n  enabled: false\n", encoding="utf-8")
    spec = tmp_path / "specs" / "s.yaml"
    spec.write_text("base: sla\nreplications: 1\nparameters:\n  sla.min_attempts: {values: [2, 3]}\n", encoding="utf-8")
    with pytest.warns(scenario_module.PresetShadowWarning):
        loaded = load_sweep_spec(spec)
    assert loaded.bases["sla"].sla.enabled
    spec.write_text("base: mydesign\nparameters:\n  sla.min_attempts: {values: [2, 3]}\n", encoding="utf-8")
    (tmp_path / "specs" / "mydesign").write_text("base: sla\n", encoding="utf-8")
    assert "neither a preset" in error_of(load_sweep_spec, spec)
    Path("s").write_text("", encoding="utf-8")
    assert "no such shipped sweep spec" in error_of(load_sweep_spec, "s")


# ----------------------------------------------------------------------------- D9


def test_D9_deep_nesting_is_one_line(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("base: sla\ndescription: " + "[" * 100_000 + "\n", encoding="utf-8")
    message = error_of(load_scenario, path)
    assert str(path) in message and "nested too deeply" in message


# ----------------------------------------------------------------------------- D12


@pytest.mark.parametrize("seed", ["1000000000000000000000000000000", str(2**63)])
def test_D12_seed_beyond_int64_is_one_line_exit_2(seed, tmp_path, capsys):
    from simulation.cli import main

    with pytest.raises(SystemExit) as info:
        main(["run", "sla", "--seed", seed, "--days", "3", "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--seed" in err and "2**63 - 1" in err
    assert not (tmp_path / "out").exists()


def test_D12_largest_seed_is_accepted_by_the_cli_and_specs():
    from simulation.cli import build_parser

    assert build_parser().parse_args(["run", "sla", "--seed", str(2**63 - 1)]).seed == 2**63 - 1
    data = {"base": "sla", "seed": 2**63 - 1, "parameters": {"sla.min_attempts": {"values": [2, 3]}}}
    assert sweep_spec_from_dict(data).seed == 2**63 - 1


def test_D12_spec_seed_beyond_int64_is_refused():
    message = error_of(load_sweep_spec, CASES / "p47_huge_seed.yaml")
    assert "seed" in message and "9223372036854775807" in message


# ----------------------------------------------------------------------------- D13


def test_D13_names_with_dollar_signs_are_drawn_as_written(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Text
    from test_plots import daily_frame, differences_frame, runs_frame

    from simulation import plots

    designs = ["separate_targets", r"cost $\frac$ x", "a $^$ b"]
    charts = plots.compare_charts(
        runs_frame(designs), differences_frame(designs[1:]), daily_frame(designs, days=20)
    )
    sweep = runs_frame(designs).assign(base=lambda f: f["scenario"], status="ok", point=0)
    sweep["bookings"] = range(len(sweep))
    charts += plots.sweep_charts(sweep, ["base"], ["bookings"], "grid")
    try:
        paths = plots.write_figures(charts, tmp_path / "charts")  # draws every text: mathtext would raise here
        assert paths
        charts = plots.compare_charts(runs_frame(designs), differences_frame(designs[1:]), daily_frame(designs, days=20))
        drawn = []
        for chart in charts:
            chart.figure.canvas.draw()
            drawn += [t for t in chart.figure.findobj(Text) if "$" in t.get_text()]
        shown = [t._preprocess_math(t.get_text()) for t in drawn]
        assert any(r"$\frac$" in text for text, _ in shown)
        assert not any(math_mode for _, math_mode in shown)
    finally:
        plt.close("all")


def test_D13_explain_chart_title_with_a_dollar_name_and_a_dollar_amount_is_text(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from simulation.report.explain import ExplainSection, contribution_bars

    contributions = [{"outcome": "bookings", "lever_group": "pay $plan$", "mean": 1e6, "ci_low": 5e5, "ci_high": 2e6}]
    section = ExplainSection(
        design="a $x", label="A $x", color="#123456", sentences=[], outcome_labels=[], total=[], rows=[], method="exact",
        data={"contributions": contributions, "total": {"bookings": {"mean": 1e6}}},
    )
    try:
        ax = contribution_bars(section)
        ax.figure.savefig(tmp_path / "c.png")  # one $ in the name and one in '+$1M': mathtext would raise
        title = ax.get_title(loc="left")
        assert "A $x minus baseline (+$1" in title.replace("\\$", "$")
        assert not ax._left_title._preprocess_math(ax._left_title.get_text())[1]
    finally:
        plt.close("all")


# ----------------------------------------------------------------------------- D16


def test_D16_devices_are_refused_before_reading(tmp_path):
    from simulation import yamlio

    # Checked first and directly: today's main would read /dev/zero until memory runs out.
    with pytest.raises(ScenarioError, match="is a device"):
        yamlio.check_readable_file(Path("/dev/zero"))
    assert "is a device" in error_of(load_scenario, "/dev/zero")
    link = tmp_path / "x.yaml"
    link.symlink_to("/dev/urandom")
    assert "is a device" in error_of(load_scenario, link)
    assert "is a device" in error_of(load_sweep_spec, link)


def test_D16_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)

    def unblock():  # on today's main the read blocks: a writer that closes at once ends it
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                return
            except OSError:
                time.sleep(0.05)

    threading.Thread(target=unblock, daemon=True).start()
    assert "is a FIFO" in error_of(load_scenario, fifo)


def test_D16_long_names_and_huge_files_are_refused(tmp_path):
    long_name = tmp_path / ("a" * 300 + ".yaml")
    assert "file name too long" in error_of(load_scenario, long_name)
    assert "not a preset name" in error_of(load_scenario, "a" * 300)  # no separator: a name, never a file
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(11 * 1024 * 1024)  # sparse: nothing is written or read
    assert "at most 10,485,760 bytes" in error_of(load_scenario, big)


# ----------------------------------------------------------------------------- D18


def test_D18_unknown_key_inside_a_segment_field_is_named():
    message = error_of(load_scenario, CASES / "s04_unknown_bysegment.yaml")
    assert "market.deal_size_usd.huge: unknown field" in message and "required" not in message


def test_D18_one_segment_can_be_overridden_with_or_without_base(tmp_path):
    scenario = load_scenario(CASES / "s51_partial_bysegment.yaml")
    preset = load_scenario("sla")
    assert scenario.market.deal_size_usd.smb == 1000
    assert scenario.market.deal_size_usd.enterprise == preset.market.deal_size_usd.enterprise
    path = tmp_path / "full.yaml"
    path.write_text("market:\n  sales_cycle_days: {enterprise: 200}\n", encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.market.sales_cycle_days.enterprise == 200
    assert scenario.market.sales_cycle_days.smb == Scenario().market.sales_cycle_days.smb


def test_D18_scientific_notation_is_the_number_meant(tmp_path):
    assert load_scenario(CASES / "s39_sci_notation.yaml").marketing.budget_per_quarter_usd == 1e6
    path = tmp_path / "sci.yaml"
    path.write_text("base: sla\nmarketing:\n  headcount: 1e1\n  cost_per_inquiry_broad_usd: 2.5E+1\nsla:\n  first_touch_hours: 5e-1\n")
    scenario = load_scenario(path)
    assert scenario.marketing.headcount == 10 and scenario.marketing.cost_per_inquiry_broad_usd == 25.0
    assert scenario.sla.first_touch_hours == 0.5
    message = error_of(load_scenario, CASES / "s48_string_int.yaml")  # a quoted number: a hint
    assert "write the number without quotes" in message
    path.write_text("market:\n  n_accounts: 2.0e+4\n")  # a float for a whole number: a hint
    assert "write it as a whole number (20000)" in error_of(load_scenario, path)


def test_D18_duplicate_keys_are_an_error_naming_file_and_key(tmp_path):
    message = error_of(load_scenario, CASES / "s40_duplicate_keys.yaml")
    assert "s40_duplicate_keys.yaml" in message and "duplicate key 'sla'" in message and "line 4" in message
    path = tmp_path / "spec.yaml"
    path.write_text("base: sla\nparameters:\n  sla.min_attempts: {values: [2, 3], values: [4, 5]}\n")
    assert "duplicate key 'values'" in error_of(load_sweep_spec, path)


def test_D18_sweep_specs_coerce_types_like_scenario_files():
    message = error_of(load_sweep_spec, CASES / "p25_string_range.yaml")
    assert "range.0 = '1'" in message and "without quotes" in message
    base = {"base": "sla", "parameters": {"sla.min_attempts": {"values": [2, 3]}}}
    assert "replications = '3'" in error_of(sweep_spec_from_dict, {**base, "replications": "3"})
    assert "without quotes" in error_of(sweep_spec_from_dict, {**base, "parameters": {"sla.min_attempts": {"values": ["2"]}}})


def test_D18_nul_byte_message_is_one_line():
    message = error_of(load_scenario, CASES / "s47_nul_bytes.yaml")
    assert "not valid YAML" in message


# ----------------------------------------------------------------------------- property

NUMERIC_FIELDS = [r["field"] for r in field_reference() if r["type"] in ("float", "int")]

ODD_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 1e-300, -1e-300, 5e-324, 1e10, 1e21, 2.0**63, 0.0, -0.0]),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([10**400, -(10**400), 2**63, 2**64]),
)


def _numbers(model) -> list[float]:
    out = []
    for value in model.model_dump().values():
        if isinstance(value, dict):
            out += [v for v in value.values() if isinstance(v, int | float) and not isinstance(v, bool)]
            out += [x for v in value.values() if isinstance(v, dict) for x in v.values() if isinstance(x, int | float)]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out.append(value)
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.lists(st.sampled_from(NUMERIC_FIELDS), min_size=1, max_size=3, unique=True), data=st.data())
def test_any_number_in_any_numeric_field_builds_a_finite_scenario_or_one_line_error(fields, data):
    overrides = {f: data.draw(ODD_NUMBERS, label=f) for f in fields}
    try:
        scenario = Scenario().with_overrides(overrides)
    except ScenarioError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 400
        return
    numbers = _numbers(scenario)
    assert all(math.isfinite(x) for x in numbers), overrides
    assert all(abs(x) <= 1e10 for x in numbers), overrides


def test_D7_the_cli_says_in_one_line_which_was_taken(tmp_path):
    import subprocess
    import sys

    (tmp_path / "sla").mkdir()  # e.g. left by `orgsim run sla --out sla`
    proc = subprocess.run(
        [sys.executable, "-m", "simulation.cli", "run", "sla", "--days", "2", "--out", str(tmp_path / "out")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == (
        "orgsim: warning: 'sla' is taken as the preset sla (there is also a folder sla here)"
    )


YAML_NUMBERS = st.one_of(
    st.sampled_from(["1e6", "1E6", "-1e3", "2.5e-3", "1e400", "-1e400", ".inf", "-.inf", ".nan", "1_000", "0x10", "1e-300", "5e-324"]),
    st.builds(
        lambda mantissa, exponent, dot: f"{mantissa}{'.0' if dot else ''}e{exponent}",
        st.integers(-999, 999), st.integers(-400, 400), st.booleans(),
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr).map(lambda t: {"inf": ".inf", "-inf": "-.inf", "nan": ".nan"}.get(t, t)),
)


@settings(max_examples=150, deadline=None)
@given(field=st.sampled_from(NUMERIC_FIELDS), text=YAML_NUMBERS)
def test_any_number_written_in_a_scenario_file_loads_finite_or_is_one_line(field, text):
    import tempfile

    head, _, leaf = field.rpartition(".")
    lines, indent = [], ""
    for part in head.split(".") if head else []:
        lines.append(f"{indent}{part}:")
        indent += "  "
    lines.append(f"{indent}{leaf}: {text}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "n.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 400
            return
    assert all(math.isfinite(x) for x in _numbers(scenario))


def test_tiny_task_hours_are_refused_not_a_crash():
    """A task taking 1e-300 hours would mean ~1e300 dials a day (the audit's e16): task hours
    have a floor of 0.01 h (36 seconds), refused with one line naming the field."""
    from simulation.errors import ScenarioError
    from simulation.scenario import load_scenario

    for field in ("touch_hours", "attempt_hours", "prospect_hours"):
        with pytest.raises(ScenarioError, match=f"work.{field}"):
            load_scenario("sla").with_overrides({f"work.{field}": 1e-300})


def test_D18_report_of_a_folder_naming_no_command_says_so(tmp_path):
    """A folder whose meta.json names no command: the message says so (not 'orgsim None')."""
    import json

    from simulation.errors import OrgsimError
    from simulation.report.builder import load_results_folder

    (tmp_path / "meta.json").write_text(json.dumps({"seed": 0}))
    with pytest.raises(OrgsimError) as err:
        load_results_folder(tmp_path)
    assert "None" not in str(err.value) and "names no orgsim command" in str(err.value)


def test_D18_resume_mismatch_names_the_first_differing_item_not_both_lists():
    """A resumed sweep whose spec differs names where, briefly (it used to dump both lists)."""
    from simulation.experiments.sweep import _first_difference

    stored = {"parameters": [{"name": "x", "values": list(range(100))}, {"name": "y", "values": [1, 2]}]}
    current = {"parameters": [{"name": "x", "values": list(range(100))}, {"name": "y", "values": [1, 3]}]}
    assert _first_difference(stored, current) == "parameters[1].values[1]: 2 stored, 3 now"
    longer = _first_difference({"v": list(range(1000))}, {"v": list(range(999))})
    assert len(longer) < 120
