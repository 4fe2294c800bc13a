"""Sweeps: specs, designs, seeding, failure rows, the results store, sensitivity analysis.

Runs are tiny (a 600-account market, 25 working days) or use a cheap stand-in run function,
so the module runs in seconds. The backends, kill-and-resume and the CLI are in
``test_sweep_backends.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import run
from simulation.errors import OrgsimError, ScenarioError
from simulation.experiments.analysis import summarize_results
from simulation.experiments.designs import Parameter, latin_hypercube, morris, sample, sobol
from simulation.experiments.seeding import replication_seeds, replication_streams, run_id
from simulation.experiments.sensitivity import analyze_sweep, morris_indices, sobol_indices
from simulation.experiments.spec import load_sweep_spec, shipped_sweeps, sweep_spec_from_dict
from simulation.experiments.store import ResultsStore, load_daily, load_results
from simulation.experiments.sweep import plan, sweep

SMALL = {"market.n_accounts": 600}


def small_spec(**changes):
    data = {
        "base": "sla",
        "overrides": dict(SMALL),
        "days": 25,
        "parameters": {
            "marketing.shared_revenue_weight": {"values": [0.0, 1.0]},
            "sla.first_touch_hours": {"values": [1, 72]},
        },
        "replications": 3,
        "seed": 7,
        "outcomes": ["bookings", "mqls", "friction_index"],
    }
    data.update(changes)
    return sweep_spec_from_dict(data, name="small", source="small.yaml")


# --------------------------------------------------------------------------- cheap run functions


def linear_outcome(scenario, seed, replication):
    """y = 10 a + 1 b + 0 c over three [0, 1] scenario fields (a known ordering: a > b > c)."""
    a = scenario.strategy_clarity
    b = scenario.marketing.shared_revenue_weight
    return {"y": 10 * a + 1 * b + 0 * scenario.sales.shared_revenue_weight, "seed_echo": float(seed)}


def fails_when_weight_is_high(scenario, seed, replication):
    """Raises for marketing.shared_revenue_weight > 0.5 (a stand-in for a model that crashes)."""
    weight = scenario.marketing.shared_revenue_weight
    if weight > 0.5:
        raise ValueError(f"weight {weight} is too high for this model")
    return {"y": weight + replication}


LINEAR_PARAMETERS = {
    "strategy_clarity": {"range": [0.0, 1.0]},
    "marketing.shared_revenue_weight": {"range": [0.0, 1.0]},
    "sales.shared_revenue_weight": {"range": [0.0, 1.0]},
}


# --------------------------------------------------------------------------- shipped specs


def test_every_shipped_spec_loads_and_the_three_required_sweeps_are_there():
    names = shipped_sweeps()
    for required in ("shared_revenue_weight_x_sla_window", "agency_price_x_quality", "brand_share_12q"):
        assert required in names
    for name in names:
        spec = load_sweep_spec(name)
        assert spec.n_runs == len(spec.points) * spec.replications > 0
    brand = load_sweep_spec("brand_share_12q")
    assert all(s.horizon_days == 756 for s in brand.point_scenarios)
    agency = load_sweep_spec("agency_price_x_quality")
    assert {p["sdr.agency.price_per_meeting_usd"] for p in agency.points} == {300.0, 600.0, 900.0, 1200.0, 1500.0}
    assert all(s.sdr.sourcing == "agency" for s in agency.point_scenarios)


def test_grid_is_the_full_factorial_with_the_first_parameter_slowest():
    spec = small_spec()
    assert spec.points == [
        {"marketing.shared_revenue_weight": 0.0, "sla.first_touch_hours": 1.0},
        {"marketing.shared_revenue_weight": 0.0, "sla.first_touch_hours": 72.0},
        {"marketing.shared_revenue_weight": 1.0, "sla.first_touch_hours": 1.0},
        {"marketing.shared_revenue_weight": 1.0, "sla.first_touch_hours": 72.0},
    ]
    scenario = spec.scenario_for(spec.points[3])
    assert scenario.marketing.shared_revenue_weight == 1.0 and scenario.sla.first_touch_hours == 72.0
    assert scenario.market.n_accounts == 600 and scenario.horizon_days == 25


def test_integer_fields_get_integers_in_every_design():
    for design, extra in (("grid", {"steps": 4}), ("lhs", {}), ("sobol", {}), ("morris", {})):
        params = {"sla.min_attempts": {"range": [1, 12], **extra}, "sla.reject_window_days": {"range": [1, 20], **extra}}
        samples = None if design == "grid" else 8
        spec = small_spec(parameters=params, design=design, samples=samples)
        for point in spec.points:
            for name in params:
                assert type(point[name]) is int
        levels = {p["sla.min_attempts"] for p in spec.points}
        assert levels <= set(range(1, 13))


# --------------------------------------------------------------------------- samplers


def test_lhs_puts_exactly_one_point_in_each_stratum_of_each_parameter():
    params = [Parameter("a", "float", low=2.0, high=5.0), Parameter("b", "float", low=-1.0, high=1.0)]
    n = 20
    design = latin_hypercube(params, n, seed=3)
    for _j, p in enumerate(params):
        values = np.array([pt[p.name] for pt in design.points])
        assert values.min() >= p.low and values.max() <= p.high
        strata = np.floor((values - p.low) / (p.high - p.low) * n).astype(int)
        assert sorted(strata) == list(range(n))


@settings(max_examples=40, deadline=None)
@given(
    low=st.floats(-1e6, 1e6, allow_nan=False),
    width=st.floats(1e-3, 1e6, allow_nan=False),
    int_low=st.integers(-1000, 1000),
    int_width=st.integers(0, 50),
    design=st.sampled_from(["lhs", "sobol", "morris"]),
    seed=st.integers(0, 2**31),
)
def test_sampled_points_lie_within_their_ranges(low, width, int_low, int_width, design, seed):
    params = [
        Parameter("x", "float", low=low, high=low + width),
        Parameter("k", "int", low=int_low, high=int_low + int_width),
        Parameter("c", "choice", values=("red", "green", "blue")),
    ]
    points = sample(params, design, 8, seed).points
    assert points
    for pt in points:
        assert low <= pt["x"] <= low + width
        assert type(pt["k"]) is int and int_low <= pt["k"] <= int_low + int_width
        assert pt["c"] in ("red", "green", "blue")


def test_samplers_are_deterministic_given_the_seed():
    params = [Parameter("a", "float", low=0.0, high=1.0), Parameter("b", "int", low=0, high=9)]
    assert sobol(params, 16, seed=1).points == sobol(params, 16, seed=1).points
    assert morris(params, 4, seed=1).points == morris(params, 4, seed=1).points
    assert latin_hypercube(params, 5, seed=1).points != latin_hypercube(params, 5, seed=2).points


# --------------------------------------------------------------------------- bad specs


BAD_SPECS = [
    ({"parameters": {"sla.first_touch_hour": {"values": [1]}}}, "no such scenario field", "sla.first_touch_hours"),
    ({"parameters": {"sla": {"values": [1]}}}, "parameters.sla", "a group of fields"),
    ({"parameters": {"sla.first_touch_hours": {"range": [0, 72], "steps": 3}}}, "range low end 0", "must be > 0"),
    ({"parameters": {"marketing.brand_share": {"range": [0.1, 1.5], "steps": 3}}}, "range high end 1.5", "<= 1"),
    ({"parameters": {"marketing.brand_share": {"values": [0.3, 0.95]}}}, "brand_share + enablement_share"),
    ({"parameters": {"marketing.kpi": {"range": [0, 1], "steps": 2}}}, "fixed set of values", "mql_volume"),
    ({"parameters": {"sla.min_attempts": {"values": [2, 2.5]}}}, "whole numbers", "2.5"),
    ({"parameters": {"sla.min_attempts": {"range": [1, 5]}}}, "needs steps"),
    ({"parameters": {"sla.min_attempts": {"range": [1, 3], "steps": 5}}}, "repeat values"),
    ({"parameters": {"sla.min_attempts": {"range": [5, 1], "steps": 2}}}, "low end must be below"),
    ({"design": "factorial"}, "design = 'factorial'", "allowed values"),
    ({"design": "sobol", "samples": 100}, "power of 2"),
    ({"design": "lhs"}, "samples: required"),
    ({"replicates": 3}, "replicates: unknown key"),
    ({"replications": 0}, "replications = 0", ">= 1"),
    ({"base": None}, "base: required"),
    ({"base": "no_such_preset"}, "neither a preset"),
    ({"overrides": {"market.n_acounts": 10}}, "overrides", "no such field"),
]


@pytest.mark.parametrize("case", BAD_SPECS, ids=[str(i) for i in range(len(BAD_SPECS))])
def test_a_bad_spec_is_one_line_naming_the_file_and_field(tmp_path, case):
    changes, *needles = case
    data = {
        "base": "sla",
        "parameters": {"marketing.shared_revenue_weight": {"values": [0.0, 1.0]}},
        "outcomes": ["bookings"],
        **changes,
    }
    if data["base"] is None:
        del data["base"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as info:
        load_sweep_spec(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    for needle in needles:
        assert needle in message


def test_an_unknown_outcome_is_refused_before_any_run_and_nothing_is_written(tmp_path):
    spec = small_spec(outcomes=["bookings", "bokings"])
    with pytest.raises(ScenarioError, match="'bokings' is not an outcome the model reports; did you mean 'bookings'"):
        sweep(spec, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_missing_spec_file_names_the_shipped_specs():
    with pytest.raises(ScenarioError, match="no such sweep spec file .*brand_share_12q"):
        load_sweep_spec("nothing_here.yaml")


# --------------------------------------------------------------------------- seeding


def test_replication_streams_have_distinct_spawn_keys_and_give_the_run_seeds():
    streams = replication_streams(42, 5)
    assert [s.spawn_key for s in streams] == [(0,), (1,), (2,), (3,), (4,)]
    seeds = replication_seeds(42, 5)
    assert len(set(seeds)) == 5
    assert seeds == [int(s.generate_state(1, dtype=np.uint32)[0]) for s in streams]
    assert replication_seeds(43, 5) != seeds


def test_every_point_uses_the_same_replication_seeds_and_rows_record_them():
    spec = small_spec()
    result = sweep(spec)
    runs = result.runs
    assert list(runs["point"]) == [p for p in range(4) for _ in range(3)]
    assert list(runs["replication"]) == [0, 1, 2] * 4
    expected = replication_seeds(7, 3)
    for _, block in runs.groupby("point"):
        assert list(block["seed"]) == expected  # common random numbers
    assert list(runs["marketing.shared_revenue_weight"]) == [0.0] * 6 + [1.0] * 6
    assert (runs["status"] == "ok").all()


def test_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    first = sweep(small_spec()).runs
    again = sweep(small_spec()).runs
    pd.testing.assert_frame_equal(first, again)
    other = sweep(small_spec(seed=8)).runs
    assert not np.array_equal(first["bookings"].to_numpy(), other["bookings"].to_numpy())
    assert set(first["run_id"]).isdisjoint(other["run_id"])


def test_a_row_can_be_reproduced_alone_from_its_point_and_seed():
    spec = small_spec()
    runs = sweep(spec).runs
    row = runs.iloc[7]
    alone = run(spec.scenario_for(spec.points[int(row["point"])]), seed=int(row["seed"])).summary.iloc[0]
    for outcome in ("bookings", "mqls", "friction_index"):
        assert alone[outcome] == row[outcome]


def test_run_ids_are_stable_unique_and_change_with_what_defines_the_run():
    spec = small_spec()
    ids = [t.run_id for t in plan(spec)]
    assert ids == [t.run_id for t in plan(small_spec())]
    assert len(set(ids)) == len(ids) == 12
    assert ids == sorted(ids)  # the readable prefix sorts by point, then replication
    base = run_id(0, {"a": 1.0}, 0, 5)
    assert base == run_id(0, {"a": 1.0}, 0, 5)
    assert len({base, run_id(0, {"a": 2.0}, 0, 5), run_id(0, {"a": 1.0}, 1, 5), run_id(0, {"a": 1.0}, 0, 6)}) == 4


# --------------------------------------------------------------------------- failures


def test_a_run_that_raises_becomes_a_failure_row_and_the_sweep_goes_on(tmp_path):
    spec = small_spec(parameters={"marketing.shared_revenue_weight": {"values": [0.0, 0.25, 0.75, 1.0]}}, outcomes=["y"])
    result = sweep(spec, tmp_path / "out", run_fn=fails_when_weight_is_high)
    runs = load_results(tmp_path / "out")
    pd.testing.assert_frame_equal(runs, result.runs)
    assert len(runs) == 12 and result.failed == 6
    failed = runs[runs["status"] == "failed"]
    assert set(failed["marketing.shared_revenue_weight"]) == {0.75, 1.0}
    assert failed["error"].str.startswith("ValueError: weight").all()
    assert failed["traceback"].str.contains("fails_when_weight_is_high").all()
    assert failed["y"].isna().all()
    ok = runs[runs["status"] == "ok"]
    assert list(ok["y"]) == [0.0, 1.0, 2.0, 0.25, 1.25, 2.25]
    assert ok["error"].isna().all()
    table = summarize_results(runs, ["y"])
    assert list(table.loc[table["point"] >= 2, "n"]) == [0, 0]
    assert (table["reference"] == 0).all() and list(table["point"]) == [0, 1, 2, 3]


# --------------------------------------------------------------------------- the store


def test_the_store_refuses_an_existing_folder_and_a_different_spec(tmp_path):
    out = tmp_path / "out"
    sweep(small_spec(replications=1), out)
    with pytest.raises(OrgsimError, match="exists and is not empty .*--resume"):
        sweep(small_spec(replications=1), out)
    with pytest.raises(OrgsimError, match="different sweep spec .*differs at replications: 1 stored, 2 now"):
        sweep(small_spec(replications=2), out, resume=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(OrgsimError, match="not a sweep results folder"):
        sweep(small_spec(replications=1), tmp_path / "other", resume=True)


def test_resume_runs_only_the_missing_runs_and_ignores_half_written_files(tmp_path):
    out = tmp_path / "out"
    full = sweep(small_spec(), out)
    removed = sorted((out / "runs").glob("*.parquet"))[3:8]
    for path in removed:
        path.unlink()
    (out / "runs" / ".p00000-r0000-deadbeef.parquet.123.abcd.tmp").write_bytes(b"half a file")
    assert len(load_results(out)) == 7
    again = sweep(small_spec(), out, resume=True)
    assert again.ran == 5 and again.skipped == 7
    pd.testing.assert_frame_equal(again.runs, full.runs)
    assert not list((out / "runs").glob(".*"))
    assert len(ResultsStore.open(out).manifest["invocations"]) == 2


def test_a_second_writer_is_refused_while_a_sweep_holds_the_folder(tmp_path):
    out = tmp_path / "out"
    sweep(small_spec(replications=1), out)
    holder = ResultsStore.open(out)
    holder.lock()
    try:
        with pytest.raises(OrgsimError, match="another sweep is writing"):
            sweep(small_spec(replications=1), out, resume=True)
    finally:
        holder.unlock()


def test_timeseries_are_stored_per_run_with_their_ids(tmp_path):
    out = tmp_path / "out"
    sweep(small_spec(replications=2), out, timeseries=True)
    daily = load_daily(out)
    runs = load_results(out)
    assert len(daily) == len(runs) * 25
    assert set(daily["run_id"]) == set(runs["run_id"])
    last = daily.groupby("run_id").tail(1).set_index("run_id")["bookings_cumulative"]
    assert np.allclose(last.loc[runs["run_id"]].to_numpy(), runs["bookings"].to_numpy())


def test_summarize_results_gives_means_intervals_and_paired_differences():
    spec = small_spec()
    runs = sweep(spec).runs
    table = summarize_results(runs, ["mqls"], reference=1)
    assert list(table["point"]) == [0, 1, 2, 3]
    row = table.set_index("point").loc[2]
    values = runs[runs["point"] == 2]["mqls"].to_numpy(float)
    ref = runs[runs["point"] == 1]["mqls"].to_numpy(float)
    assert math.isclose(row["mean"], values.mean())
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    assert math.isclose(row["difference"], (values - ref).mean())
    assert row["difference_ci_low"] <= row["difference"] <= row["difference_ci_high"]
    assert table.set_index("point").loc[1, "difference"] == 0.0


# --------------------------------------------------------------------------- sensitivity


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values():
    params = [Parameter(f"x{i}", "float", low=-math.pi, high=math.pi) for i in (1, 2, 3)]
    design = sobol(params, 1024, seed=0, second_order=False)
    y = ishigami(design.matrix)
    from simulation.experiments.designs import salib_problem

    si = sobol_indices(salib_problem(params), y, second_order=False).set_index("parameter")
    # Analytic values (Ishigami & Homma 1990; a=7, b=0.1): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244.
    assert np.allclose(si["S1"], [0.314, 0.442, 0.0], atol=0.06)
    assert np.allclose(si["ST"], [0.558, 0.442, 0.244], atol=0.06)
    assert si["ST"]["x1"] > si["ST"]["x2"] > si["ST"]["x3"]


def test_morris_screening_of_a_linear_function_ranks_the_coefficients():
    params = [Parameter(n, "float", low=0.0, high=1.0) for n in ("a", "b", "c")]
    design = morris(params, 10, seed=1)
    y = 10 * design.matrix[:, 0] + 1 * design.matrix[:, 1] + 0 * design.matrix[:, 2]
    from simulation.experiments.designs import salib_problem

    si = morris_indices(salib_problem(params), design.matrix, y).set_index("parameter")
    assert si["mu_star"]["a"] > si["mu_star"]["b"] > si["mu_star"]["c"] == 0.0
    assert math.isclose(si["mu_star"]["a"] / si["mu_star"]["b"], 10.0, rel_tol=1e-6)


@pytest.mark.parametrize("design, samples", [("sobol", 64), ("morris", 8)])
def test_a_sensitivity_sweep_recovers_the_known_ordering_of_its_parameters(tmp_path, design, samples):
    spec = small_spec(parameters=LINEAR_PARAMETERS, design=design, samples=samples, second_order=False, replications=1, outcomes=["y"])
    result = sweep(spec, tmp_path / "out", run_fn=linear_outcome)
    for source in (result, tmp_path / "out"):  # in memory and from the folder alike
        analysis = analyze_sweep(source)
        indices = analysis.indices.set_index("parameter")
        key = "ST" if design == "sobol" else "mu_star"
        assert list(indices.index) == ["strategy_clarity", "marketing.shared_revenue_weight", "sales.shared_revenue_weight"]
        assert indices[key].iloc[0] > indices[key].iloc[1] > indices[key].iloc[2]
        assert abs(indices[key].iloc[2]) < 0.01 * indices[key].iloc[0]


def test_sensitivity_needs_a_sobol_or_morris_design(tmp_path):
    result = sweep(small_spec(replications=1, outcomes=["y"]), run_fn=linear_outcome)
    with pytest.raises(OrgsimError, match="design sobol or morris"):
        analyze_sweep(result)


def test_a_refused_folder_is_refused_before_any_executor_starts(tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    sweep(small_spec(replications=1), out)
    manifest = (out / "manifest.json").read_text()
    # An unreachable scheduler would take 20 s to fail; the refusal must come first.
    with pytest.raises(OrgsimError, match="exists and is not empty"):
        sweep(small_spec(replications=1), out, backend="dask", scheduler="tcp://127.0.0.1:9")
    with pytest.raises(OrgsimError, match="different sweep spec"):
        sweep(small_spec(replications=2), out, resume=True, backend="dask", scheduler="tcp://127.0.0.1:9")
    assert (out / "manifest.json").read_text() == manifest
