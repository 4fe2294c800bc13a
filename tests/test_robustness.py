"""Robustness over the declared uncertainties (issue 11, item 9).

The uncertainties file is checked (paths, ends, types; every "assumption" field declared or
excluded with a reason); the Latin hypercube respects and stratifies every range; the share
of the assumption space, its interval, the rank scores and the PRIM box are checked on
synthetic tables where the answer is known; common random numbers hold across designs and
worker counts; ``orgsim robustness`` writes its files and reports mistakes in one line.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_cli import assert_user_error, orgsim

from simulation import load_scenario
from simulation.errors import OrgsimError
from simulation.experiments.robustness import (
    analyse,
    prim_available,
    prim_box,
    rank_scores,
    robustness,
    sample_uncertainties,
    share_interval,
)
from simulation.scenario import Scenario, field_reference
from simulation.uncertainties import Uncertainties, Uncertainty, assumption_fields, load_uncertainties, parse_uncertainties

# ----------------------------------------------------------------------------- the uncertainties file


def test_the_shipped_uncertainties_file_loads_and_covers_the_required_fields():
    u = load_uncertainties()
    paths = set(u.paths)
    groups = {r["field"] for r in field_reference() if r["field"].split(".")[0] in ("behaviour", "work")}
    assert groups <= paths, f"behaviour/work fields not declared: {sorted(groups - paths)}"
    market = {r["field"] for r in field_reference() if r["field"].startswith("market.")}
    assert market <= paths | set(u.excluded), f"market fields neither declared nor excluded: {sorted(market - paths - set(u.excluded))}"
    required = {
        "market.n_accounts",
        "market.in_market_share",
        "market.buying_window_days",
        "market.inbound_rate",
        "market.awareness_initial",
        "market.icp_width",
        "marketing.cost_per_inquiry_broad_usd",
        "marketing.cost_per_inquiry_targeted_usd",
        "marketing.default_mql_threshold",
        "marketing.min_mql_threshold",
        "leadership.short_termism",
        "leadership.reorg_capacity_loss",
    }
    assert required <= paths, sorted(required - paths)
    for item in u:
        assert item.low <= item.high and item.source
        default = Scenario()
        for end in (item.low, item.high):  # each end builds a valid scenario
            default.with_overrides({item.path: end})


def test_no_preset_sets_a_declared_uncertainty():
    """Sampling an uncertainty overrides what a design sets; no preset may lose a lever that way."""
    from simulation import PRESETS
    from simulation.uncertainties import field_value

    default = Scenario()
    for name in PRESETS:
        preset = load_scenario(name)
        set_here = [u.path for u in load_uncertainties() if field_value(preset, u.path) != field_value(default, u.path)]
        assert not set_here, f"{name} sets declared uncertainties {set_here}"


def test_every_assumption_field_is_declared_or_excluded_with_a_reason():
    """A new scenario field described as an assumption must be added to uncertainties.yaml or its excluded list."""
    u = load_uncertainties()
    forgotten = [f for f in assumption_fields() if f not in set(u.paths) and f not in u.excluded]
    assert not forgotten, f"assumptions neither declared uncertain nor excluded in simulation/uncertainties.yaml: {forgotten}"
    assert all(reason.strip() for reason in u.excluded.values())
    assert not set(u.paths) & set(u.excluded)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"behaviour.no_such_thing": {"low": 0.1, "high": 0.2, "source": "assumption"}}, "no such scenario field"),
        ({"work.max_attempts": {"low": 6.0, "high": 16, "source": "assumption"}}, "integer field takes integer ends"),
        ({"behaviour.blame_strength": {"low": 0, "high": 0.2, "source": "assumption"}}, "float field takes float ends"),
        ({"behaviour.blame_strength": {"low": 0.3, "high": 0.2, "source": "assumption"}}, "above high"),
        ({"behaviour.contact_rate_first": {"low": 0.1, "high": 1.5, "source": "assumption"}}, "must be <= 1"),
        ({"behaviour.blame_strength": {"low": 0.1, "high": 0.2}}, "source missing"),
        ({"behaviour.blame_strength": {"low": 0.1, "high": 0.2, "source": "x", "kind": "int"}}, "unknown key"),
        ({"sla.enabled": {"low": 0, "high": 1, "source": "x"}}, "only int and float"),
        ({"market.n_accounts": {"low": 0, "high": 10, "scale": "log", "source": "x"}}, "log needs low > 0"),
    ],
)
def test_a_bad_uncertainty_is_one_line_naming_the_path(entries, message):
    with pytest.raises(OrgsimError, match=message) as info:
        parse_uncertainties({"uncertainties": entries}, "u.yaml")
    assert "\n" not in str(info.value) and str(info.value).startswith("u.yaml")


def test_an_exclusion_must_name_a_field_and_give_a_reason():
    ok = {"behaviour.blame_strength": {"low": 0.02, "high": 0.2, "source": "assumption"}}
    with pytest.raises(OrgsimError, match="no such scenario field"):
        parse_uncertainties({"uncertainties": ok, "excluded": {"sales.nope": "why"}})
    with pytest.raises(OrgsimError, match="give the reason"):
        parse_uncertainties({"uncertainties": ok, "excluded": {"sales.salary_usd": ""}})
    with pytest.raises(OrgsimError, match="both declared and excluded"):
        parse_uncertainties({"uncertainties": ok, "excluded": {"behaviour.blame_strength": "why"}})


# ----------------------------------------------------------------------------- the Latin hypercube


def test_the_hypercube_respects_and_stratifies_every_range():
    u = load_uncertainties()
    n = 22
    unit, values = sample_uncertainties(u, n, seed=3)
    assert unit.shape == (n, len(u)) and list(values.columns) == u.paths
    for j, item in enumerate(u):
        col = values[item.path]
        assert col.min() >= item.low and col.max() <= item.high, item.path
        # one point in each of the n strata of the unit coordinate
        assert sorted(np.floor(unit[:, j] * n).astype(int)) == list(range(n)), item.path
        if item.kind == "float" and item.scale == "linear":
            strata = np.floor((col.to_numpy() - item.low) / (item.high - item.low) * n).clip(0, n - 1).astype(int)
            assert sorted(strata) == list(range(n)), item.path
        if item.kind == "float" and item.scale == "log":
            pos = (np.log(col.to_numpy()) - math.log(item.low)) / (math.log(item.high) - math.log(item.low))
            assert sorted(np.floor(pos * n).clip(0, n - 1).astype(int)) == list(range(n)), item.path
    attempts = values["work.max_attempts"]  # 6..16: 22 strata, 2 for each of the 11 integers
    assert attempts.dtype.kind == "i" and attempts.value_counts().to_dict() == dict.fromkeys(range(6, 17), 2)
    assert values["market.n_accounts"].dtype.kind == "i"
    again = sample_uncertainties(u, n, seed=3)[1]
    pd.testing.assert_frame_equal(values, again)
    assert not values.equals(sample_uncertainties(u, n, seed=4)[1])


def test_value_at_maps_the_unit_interval_onto_the_range():
    f = Uncertainty("behaviour.blame_strength", "float", 0.02, 0.2, "assumption")
    assert f.value_at(0.0) == 0.02 and f.value_at(1.0) == pytest.approx(0.2) and f.value_at(0.5) == pytest.approx(0.11)
    i = Uncertainty("work.max_attempts", "int", 1, 6, "assumption")
    assert [i.value_at(x) for x in (0.0, 0.17, 0.5, 0.99, 1.0)] == [1, 2, 4, 6, 6]
    g = Uncertainty("market.n_accounts", "int", 1000, 100000, "x", scale="log")
    assert g.value_at(0.0) == 1000 and g.value_at(1.0) == 100000 and 9000 <= g.value_at(0.5) <= 11000


# ----------------------------------------------------------------------------- the analysis, on synthetic tables


def _synthetic(n: int, advantage, seed: int = 0, d: int = 6, direction_lower: bool = False):
    """``n`` points of ``d`` uniform assumptions; design b's outcome minus a's is ``advantage(x)``."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (n, d)), columns=[f"g.x{i}" for i in range(d)])
    base = 100 + 10 * rng.uniform(0, 1, n)
    adv = advantage(x)
    samples = x.copy()
    samples.insert(0, "point", range(n))
    runs = pd.DataFrame(
        {
            "point": np.repeat(range(n), 2),
            "scenario": ["a", "b"] * n,
            "bookings": np.ravel(np.column_stack([base, base + adv])),
        }
    )
    return samples, runs


def test_share_of_the_space_counts_wins_with_a_wilson_interval():
    samples, runs = _synthetic(50, lambda x: np.where(x["g.x0"] > 0.3, 5.0, -5.0))
    expected_wins = int((samples["g.x0"] > 0.3).sum())
    result = analyse(samples, runs, ["a", "b"], {"bookings": "higher"})
    row = result.pairs.iloc[0]
    assert (row["design_a"], row["design_b"]) == ("b", "a")  # oriented: the more frequent winner first
    assert row["wins"] == expected_wins and row["losses"] == 50 - expected_wins and row["ties"] == 0
    assert row["share"] == pytest.approx(expected_wins / 50)
    ci = stats.binomtest(expected_wins, 50).proportion_ci(0.95, method="wilson")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert row["ci_low"] < row["share"] < row["ci_high"]
    assert row["statement"].startswith(f"b beats a in bookings in {round(100 * expected_wins / 50)}% [")

    lower = analyse(samples, runs.rename(columns={"bookings": "cac"}), ["a", "b"], {"cac": "lower"}).pairs.iloc[0]
    assert lower["design_a"] == "a" and lower["wins"] == expected_wins  # lower is better: a wins where b is higher

    tied = runs.copy()
    tied.loc[(tied["scenario"] == "b") & (tied["point"] < 5), "bookings"] = tied.loc[(tied["scenario"] == "a") & (tied["point"] < 5), "bookings"].to_numpy()
    tied.loc[(tied["scenario"] == "a") & (tied["point"] == 5), "bookings"] = np.nan  # undefined at one point: left out
    row = analyse(samples, tied, ["a", "b"], {"bookings": "higher"}).pairs.iloc[0]
    assert row["n"] == 49 and row["ties"] == 5 and row["wins"] + row["losses"] == 44


def test_share_interval_edges():
    assert share_interval(0, 0)[0] != share_interval(0, 0)[0]  # nan without points
    share, low, high = share_interval(20, 20)
    assert share == 1.0 and high == pytest.approx(1.0) and 0.8 < low < 1.0


@pytest.mark.skipif(not prim_available(), reason="the prim package is not installed (pip install 'orgsim[robustness]')")
def test_prim_finds_the_deciding_assumption():
    """a beats b except where x3 < 0.25: PRIM's box restricts x3 alone, near 0.25, and holds the losses."""
    samples, runs = _synthetic(200, lambda x: np.where(x["g.x3"] < 0.25, -3.0, 3.0) + 0.0 * x["g.x1"], seed=1)
    result = analyse(samples, runs, ["a", "b"], {"bookings": "higher"})
    row = result.pairs.iloc[0]
    assert row["design_a"] == "b"
    assert list(result.boxes["assumption"]) == ["g.x3"]
    box = result.boxes.iloc[0]
    assert box["high"] == pytest.approx(0.25, abs=0.05)
    assert row["box_coverage"] >= 0.9 and row["box_density"] >= 0.9
    assert row["box"].startswith("x3 <= 0.2")
    assert "it loses mainly when x3 <= " in row["statement"]
    top = result.scores[result.scores["rank"] == 1].iloc[0]
    assert top["assumption"] == "g.x3" and top["rho"] > 0.5  # a larger x3 helps the winner


def test_prim_box_is_none_without_losses_or_structure():
    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.uniform(0, 1, (80, 4)), columns=list("abcd"))
    assert prim_box(x, np.zeros(80, dtype=bool)) is None
    assert prim_box(x, np.array([True, True] + [False] * 78)) is None  # fewer than 3 cases


def test_rank_scores_answer_even_without_a_box():
    """No losses at all (so no PRIM box), but the size of the lead follows x2: the rank score names it."""
    samples, runs = _synthetic(60, lambda x: 1.0 + 20 * x["g.x2"], seed=4)
    result = analyse(samples, runs, ["a", "b"], {"bookings": "higher"})
    row = result.pairs.iloc[0]
    assert row["share"] == 1.0 and row["box"] == "" and math.isnan(row["box_coverage"])
    assert row["top_assumptions"].startswith("x2 +")
    assert "never loses" in row["statement"]
    scores = rank_scores(samples[["g.x0", "g.x2"]], samples["g.x2"].to_numpy() * 3)
    assert scores.iloc[0]["assumption"] == "g.x2" and scores.iloc[0]["rho"] == pytest.approx(1.0)
    assert scores.iloc[0]["beyond_chance"] and not scores.iloc[1]["beyond_chance"]
    tiny = rank_scores(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), np.array([1.0, 2.0, 3.0]))
    assert tiny.iloc[0]["p_value"] == pytest.approx(1 / 3) and not tiny.iloc[0]["beyond_chance"]  # 3 points prove nothing
    flat = rank_scores(samples[["g.x0"]], np.ones(60))
    assert flat.iloc[0]["rho"] == 0.0 and flat.iloc[0]["p_value"] == 1.0


# ----------------------------------------------------------------------------- common random numbers, for real


def _few_uncertainties() -> Uncertainties:
    """The shipped uncertainties but a small market, so real runs stay cheap."""
    u = load_uncertainties()
    items = tuple(
        Uncertainty(i.path, i.kind, 2000, 4000, i.source) if i.path == "market.n_accounts" else i for i in u
    )
    return Uncertainties(items, u.excluded, u.source)


def test_common_random_numbers_across_designs_and_worker_counts():
    sla = load_scenario("sla")
    copy = sla.model_copy(update={"name": "sla_copy"})
    designs = [load_scenario("separate_targets"), sla, copy]
    one = robustness(designs, samples=3, seed=7, workers=1, days=20, uncertainties=_few_uncertainties())
    # every design at a point runs on the point's seed and the point's assumption values
    per_point = one.runs.groupby("point")["seed"].nunique()
    assert (per_point == 1).all()
    assert list(one.runs.drop_duplicates("point")["seed"]) == list(one.samples["seed"])
    # a design and its copy are the same simulation at every point: all ties
    a = one.runs[one.runs["scenario"] == "sla"].drop(columns="scenario").reset_index(drop=True)
    b = one.runs[one.runs["scenario"] == "sla_copy"].drop(columns="scenario").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    pair = one.pairs[(one.pairs["outcome"] == "bookings") & (one.pairs[["design_a", "design_b"]].isin(["sla", "sla_copy"]).all(axis=1))]
    assert pair.iloc[0]["ties"] == 3
    # the same on two worker processes, row for row
    two = robustness(designs, samples=3, seed=7, workers=2, days=20, uncertainties=_few_uncertainties())
    pd.testing.assert_frame_equal(one.runs, two.runs)
    pd.testing.assert_frame_equal(one.pairs, two.pairs)
    assert one.samples["market.n_accounts"].between(2000, 4000).all()


def test_the_api_refuses_too_few_designs_or_samples():
    with pytest.raises(OrgsimError, match="at least two"):
        robustness(["sla"], samples=2, days=5)
    with pytest.raises(OrgsimError, match="at least 2"):
        robustness(["sla", "separate_targets"], samples=1, days=5)


# ----------------------------------------------------------------------------- the command


def test_cli_tiny_run_writes_its_files(tmp_path):
    proc = orgsim("robustness", "separate_targets", "sla", "--samples", "4", "--days", "20", "--workers", "1", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    for name in ("robustness.csv", "robustness.json", "samples.csv", "runs.csv", "scores.csv", "boxes.csv", "meta.json"):
        assert (out / name).exists(), name
    table = pd.read_csv(out / "robustness.csv")
    assert set(table["outcome"]) == {"bookings", "pipeline_created", "cac", "friction_index"}
    assert {"design_a", "design_b", "share", "ci_low", "ci_high", "top_assumptions", "box", "box_coverage", "box_density"} <= set(table.columns)
    assert table["share"].between(0, 1).all()
    data = json.loads((out / "robustness.json").read_text())
    assert data["samples"] == 4 and data["designs"] == ["separate_targets", "sla"] and len(data["pairs"]) == 4
    assert len(data["uncertainties"]) == len(load_uncertainties())
    assert len(pd.read_csv(out / "runs.csv")) == 8
    assert "of the assumption space" in proc.stdout and "beats" in proc.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("sla",), "at least two"),
        (("sla", "no_such_design"), "no_such_design"),
        (("sla", "separate_targets", "--samples", "1"), "must be at least 2"),
        (("sla", "separate_targets", "--samples", "x"), "whole number"),
        (("sla", "separate_targets", "--seed", "-1"), "0 or more"),
    ],
)
def test_cli_mistakes_are_one_line_exit_2(tmp_path, args, needle):
    assert_user_error(orgsim("robustness", *args, cwd=tmp_path), needle)
    assert not (tmp_path / "runs").exists()


def test_cli_refuses_an_existing_folder(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("keep")
    assert_user_error(orgsim("robustness", "sla", "separate_targets", "--samples", "2", "--days", "5", "--out", "out", cwd=tmp_path), "not empty")


def test_validate_takes_robustness_samples(tmp_path):
    assert_user_error(orgsim("validate", "--robustness-samples", "1", cwd=tmp_path), "--robustness-samples")
    assert_user_error(orgsim("validate", "--robustness-replications", "3", cwd=tmp_path), "unrecognized arguments")
