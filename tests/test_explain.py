"""``orgsim explain A B``: lever groups, the Shapley routine, the decomposition on common
random numbers, the command line and the report section (issue 11, item 8).

Simulation tests use a small market and a few weeks with two replications; the Shapley
properties are tested on synthetic games (no simulation) with Hypothesis.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulation
from simulation import levers, shapley
from simulation.cli import main
from simulation.errors import OrgsimError
from simulation.explanation import _plan, explain
from simulation.scenario import PRESETS, Scenario, load_scenario

DAYS = 25
REPS = 2
SMALL = {"market.n_accounts": 3000}


def small(name: str, overrides: dict | None = None) -> Scenario:
    return load_scenario(name).with_overrides({**SMALL, **(overrides or {})})


# ----------------------------------------------------------------------------- lever groups


def test_every_scenario_leaf_field_maps_to_exactly_one_group():
    leaves = levers.leaf_fields()
    assert "sla.enabled" in leaves and "sdr.agency.price_model" in leaves and "market.deal_size_usd.smb" in leaves
    for path in leaves:
        matches = [g.name for g in levers.LEVER_GROUPS if any(levers._matches(p, path) for p in g.fields)]
        assert len(matches) <= 1, f"{path} is in several named groups: {matches}"
        group = levers.group_of(path)
        if path in levers.LABEL_FIELDS:
            assert group is None
        else:
            assert group == (matches[0] if matches else path.split(".")[0]), path


def test_every_named_group_field_exists():
    """A renamed or removed field must not leave a stale entry that silently matches nothing."""
    leaves = levers.leaf_fields()
    for group in levers.LEVER_GROUPS:
        for pattern in group.fields:
            assert any(levers._matches(pattern, leaf) for leaf in leaves), f"{group.name}: {pattern} matches no field"


def test_unmapped_and_future_fields_fall_into_their_section():
    assert levers.group_of("behaviour.contact_rate_per_attempt") == "behaviour"
    assert levers.group_of("market.some_field_added_later") == "market"
    assert levers.group_of("a_new_top_level_lever") == "a_new_top_level_lever"
    assert levers.group_of("sla.a_new_sla_term") == "sla"
    assert levers.group_of("name") is None


def test_fields_tied_by_a_validator_share_a_group():
    assert levers.group_of("marketing.brand_share") == levers.group_of("marketing.enablement_share")


def test_differing_fields_between_presets():
    groups = levers.differing_fields(load_scenario("sla"), load_scenario("separate_targets"))
    assert list(groups) == ["marketing_kpi_and_pay", "sla"]  # whatever else the presets' files set
    assert "marketing.kpi" in groups["marketing_kpi_and_pay"]
    assert "sla.enabled" in groups["sla"]
    # a field outside every named group still shows up, in its section's group
    b = load_scenario("separate_targets")
    a = b.with_overrides({"behaviour.blame_strength": 0.2, "name": "other"})
    assert levers.differing_fields(a, b) == {"behaviour": ["behaviour.blame_strength"]}


def test_presets_against_the_baseline_need_at_most_six_groups():
    base = load_scenario("separate_targets")
    for name in PRESETS:
        assert len(levers.differing_fields(load_scenario(name), base)) <= shapley.MAX_EXACT_PLAYERS


# ----------------------------------------------------------------------------- the Shapley routine (synthetic)

PLAYERS = st.integers(min_value=1, max_value=5).map(lambda k: [f"p{i}" for i in range(k)])
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def random_game(players, seed, shape=(3,)):
    rng = np.random.default_rng(seed)
    table = {c: rng.normal(size=shape) for c in shapley.all_coalitions(players)}
    return lambda c: table[frozenset(c)]


@PROPERTY
@given(PLAYERS, st.integers(0, 10_000))
def test_efficiency(players, seed):
    v = random_game(players, seed)
    phi = shapley.exact_shapley(players, v)
    np.testing.assert_allclose(sum(phi.values()), v(frozenset(players)) - v(frozenset()), atol=1e-9)


@PROPERTY
@given(PLAYERS, st.integers(0, 10_000))
def test_null_player_gets_nothing(players, seed):
    base = random_game(players, seed)
    everyone = players + ["null"]
    phi = shapley.exact_shapley(everyone, lambda c: base(c - {"null"}))
    np.testing.assert_allclose(phi["null"], 0.0, atol=1e-12)


@PROPERTY
@given(PLAYERS, st.integers(0, 10_000))
def test_symmetric_players_get_the_same(players, seed):
    """Players i and j that are interchangeable in v get equal values."""
    others = players
    rng = np.random.default_rng(seed)
    table = {(c, n): rng.normal(size=2) for c in shapley.all_coalitions(others) for n in range(3)}
    everyone = others + ["i", "j"]
    phi = shapley.exact_shapley(everyone, lambda c: table[(c - {"i", "j"}, len(c & {"i", "j"}))])
    np.testing.assert_allclose(phi["i"], phi["j"], atol=1e-12)


@PROPERTY
@given(PLAYERS, st.integers(0, 10_000), st.integers(0, 10_000))
def test_additivity(players, s1, s2):
    v, w = random_game(players, s1), random_game(players, s2)
    pv, pw = shapley.exact_shapley(players, v), shapley.exact_shapley(players, w)
    pvw = shapley.exact_shapley(players, lambda c: v(c) + w(c))
    for p in players:
        np.testing.assert_allclose(pvw[p], pv[p] + pw[p], atol=1e-9)


@PROPERTY
@given(PLAYERS, st.integers(0, 10_000))
def test_additive_game_gives_each_player_its_own_effect(players, seed):
    effects = dict(zip(players, np.random.default_rng(seed).normal(size=len(players)), strict=True))
    phi = shapley.exact_shapley(players, lambda c: sum((effects[p] for p in c), 0.0))
    for p in players:
        assert phi[p] == pytest.approx(effects[p], abs=1e-9)


@PROPERTY
@given(st.integers(1, 4), st.integers(0, 10_000))
def test_sampling_over_every_order_is_exact(k, seed):
    players = [f"p{i}" for i in range(k)]
    v = random_game(players, seed)
    orders = list(itertools.permutations(players))
    exact, sampled = shapley.exact_shapley(players, v), shapley.sampled_shapley(players, v, orders)
    for p in players:
        np.testing.assert_allclose(sampled[p], exact[p], atol=1e-9)


@PROPERTY
@given(st.integers(2, 9), st.integers(0, 10_000), st.integers(2, 12))
def test_sampled_values_are_efficient_exactly(k, seed, m):
    players = [f"p{i}" for i in range(k)]
    v = random_game(players, seed)
    orders = shapley.sample_orders(players, m, seed)
    assert len(orders) == m and orders[1] == orders[0][::-1]
    phi = shapley.sampled_shapley(players, v, orders)
    np.testing.assert_allclose(sum(phi.values()), v(frozenset(players)) - v(frozenset()), atol=1e-9)
    assert set(shapley.coalitions_needed(players, orders)) <= set(shapley.all_coalitions(players))


def test_the_routine_can_fail():
    """A wrong weight would break efficiency: check the test would see it."""
    players = ["a", "b", "c"]
    v = random_game(players, 1)
    phi = shapley.exact_shapley(players, v)
    wrong = {p: phi[p] * 1.01 for p in players}
    assert not np.allclose(sum(wrong.values()), v(frozenset(players)) - v(frozenset()))


# ----------------------------------------------------------------------------- the decomposition on the simulation


@pytest.fixture(scope="module")
def sla_vs_sep():
    return explain(small("sla"), small("separate_targets"), replications=REPS, seed=3, days=DAYS)


def test_contributions_add_up_per_replication_and_on_means(sla_vs_sep):
    e = sla_vs_sep
    assert set(e.groups) == {"marketing_kpi_and_pay", "sla"} and e.method == "exact"
    per = e.per_replication
    groups = per[per["lever_group"] != "total"].groupby(["outcome", "replication"])["value"].sum()
    total = per[per["lever_group"] == "total"].set_index(["outcome", "replication"])["value"]
    np.testing.assert_allclose(groups.loc[total.index].to_numpy(), total.to_numpy(), rtol=1e-9, atol=1e-9)
    sums = e.contributions.groupby("outcome")["mean"].sum()
    means = e.total.set_index("outcome")["mean"]
    for outcome in means.index:
        if not math.isnan(means[outcome]):
            assert sums[outcome] == pytest.approx(means[outcome], rel=1e-9, abs=1e-9)
    assert e.total.set_index("outcome").loc["mqls", "mean"] != 0  # the designs do differ in these runs


def test_swapping_a_and_b_negates_everything(sla_vs_sep):
    back = explain(small("separate_targets"), small("sla"), replications=REPS, seed=3, days=DAYS)
    t1, t2 = sla_vs_sep.total.set_index("outcome"), back.total.set_index("outcome")
    np.testing.assert_allclose(t2["mean"], -t1["mean"], atol=1e-9)
    np.testing.assert_allclose(t2["ci_low"], -t1["ci_high"], atol=1e-6)
    c1 = sla_vs_sep.contributions.set_index(["lever_group", "outcome"])["mean"]
    c2 = back.contributions.set_index(["lever_group", "outcome"])["mean"]
    np.testing.assert_allclose(c2.loc[c1.index].to_numpy(), -c1.to_numpy(), atol=1e-9)


def test_one_group_gets_all_of_the_difference_and_the_total_is_compares():
    b = small("separate_targets")
    a = b.with_overrides({"name": "sep_with_routine", "collaboration.feedback_routine": True,
                          "collaboration.joint_meeting_every_days": 5})
    e = explain(a, b, replications=REPS, seed=5, days=DAYS)
    assert list(e.groups) == ["collaboration"]
    per = e.per_replication
    only = per[per["lever_group"] == "collaboration"].set_index(["outcome", "replication"])["value"]
    total = per[per["lever_group"] == "total"].set_index(["outcome", "replication"])["value"]
    np.testing.assert_allclose(only.loc[total.index].to_numpy(), total.to_numpy(), atol=0)
    # compare's own machinery, same seeds: the same paired differences
    from simulation.cli import compare  # the function, wherever its module lives

    cmp = compare([a, b], replications=REPS, seed=5, days=DAYS, baseline=b.name, daily=False)
    diff = cmp.differences.set_index("outcome")
    tot = e.total.set_index("outcome")
    assert (diff["difference"].abs() > 0).any()
    for outcome in diff.index:
        assert tot.loc[outcome, "mean"] == pytest.approx(diff.loc[outcome, "difference"], rel=1e-9, abs=1e-9, nan_ok=True)
        assert tot.loc[outcome, "ci_low"] == pytest.approx(diff.loc[outcome, "ci_low"], rel=1e-9, abs=1e-9, nan_ok=True)


def test_same_results_with_one_and_two_workers(sla_vs_sep):
    two = explain(small("sla"), small("separate_targets"), replications=REPS, seed=3, days=DAYS, workers=2)
    assert two.per_replication.equals(sla_vs_sep.per_replication)
    assert two.contributions.equals(sla_vs_sep.contributions)


def test_api_object(sla_vs_sep):
    doc = json.loads(sla_vs_sep.to_json())
    assert {"a", "b", "replications", "seed", "total", "contributions"} <= set(doc)
    sentences = sla_vs_sep.sentences()
    assert "bookings" in sentences and "SLA and its terms" in sentences["mqls"]
    assert simulation.explain is explain


def test_identical_designs_are_refused():
    with pytest.raises(OrgsimError, match="nothing to explain"):
        explain(small("sla"), small("sla"), replications=REPS, days=DAYS)


def test_an_invalid_hybrid_merges_the_groups_tied_by_the_rule(monkeypatch):
    """If a cross-field rule spans two groups, the two are explained together (no traceback)."""
    split = (levers.LeverGroup("brand", "brand", ("marketing.brand_share",)),
             levers.LeverGroup("enablement", "enablement", ("marketing.enablement_share",)))
    monkeypatch.setattr(levers, "LEVER_GROUPS", tuple(g for g in levers.LEVER_GROUPS if g.name != "marketing_budget_and_team") + split)
    b = small("separate_targets", {"marketing.brand_share": 0.3, "marketing.enablement_share": 0.6})
    a = small("separate_targets", {"name": "brandy", "marketing.brand_share": 0.75, "marketing.enablement_share": 0.15,
                                   "sla.enabled": True})
    plan = _plan(a, b, seed=0, max_exact=6, permutations=8)
    assert set(plan.players) == {"brand+enablement", "sla"} or set(plan.players) == {"enablement+brand", "sla"}
    assert len(plan.notes) == 1 and "not a valid scenario" in plan.notes[0] and "brand_share" in plan.notes[0]
    assert all(isinstance(s, Scenario) for s in plan.scenarios.values())


def test_many_groups_are_sampled():
    b = load_scenario("combined_revenue_org")
    a = load_scenario("outsourced_sdr").with_overrides({"sales.ae_headcount": 21})
    plan = _plan(a, b, seed=0, max_exact=6, permutations=8)
    assert len(plan.players) > 6 and plan.orders is not None and len(plan.orders) == 8
    plan_exact = _plan(load_scenario("sla"), load_scenario("separate_targets"), seed=0, max_exact=6, permutations=8)
    assert plan_exact.orders is None and len(plan_exact.scenarios) == 4


# ----------------------------------------------------------------------------- the command line


def test_cli_json_schema_and_additivity(capsys, tmp_path):
    out = tmp_path / "e.json"
    code = main(["explain", "sla", "separate_targets", "--replications", "2", "--days", "8", "--workers", "1",
                 "--seed", "1", "--format", "json", "--out", str(out)])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert json.loads(out.read_text()) == doc
    assert doc["a"] == "sla" and doc["b"] == "separate_targets" and doc["replications"] == 2 and doc["seed"] == 1
    assert set(doc["total"]) == set(simulation.experiments.analysis.KEY_OUTCOMES)
    for entry in doc["total"].values():
        assert set(entry) >= {"mean", "ci_low", "ci_high"}
    for c in doc["contributions"]:
        assert set(c) >= {"lever_group", "fields", "outcome", "mean", "ci_low", "ci_high"}
    for outcome, entry in doc["total"].items():
        parts = [c["mean"] for c in doc["contributions"] if c["outcome"] == outcome]
        if entry["mean"] is not None:
            assert sum(parts) == pytest.approx(entry["mean"], rel=1e-9, abs=1e-6)
    # --out never overwrites
    assert main(["explain", "sla", "separate_targets", "--days", "8", "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err


def test_cli_table(capsys):
    assert main(["explain", "sla", "separate_targets", "--replications", "2", "--days", "8", "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert "total (sla - separate_targets)" in text and "marketing_kpi_and_pay" in text and "friction_index" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["explain", "nope", "sla"], "not a preset name"),
        (["explain", "sla", "sla"], "nothing to explain"),
        (["explain", "sla", "BAD"], "unknown field"),
        (["explain", "sla", "separate_targets", "--replications", "0"], "at least 1"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(argv, message, capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("base: sla\nsla:\n  nonsense: 1\n")
    argv = [str(bad) if a == "BAD" else a for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_explain_default_replications_match_compare():
    from simulation.cli import DEFAULT_REPLICATIONS
    from simulation.explanation import DEFAULT_REPLICATIONS as explain_default

    assert explain_default == DEFAULT_REPLICATIONS


# ----------------------------------------------------------------------------- compare --explain and the report


def test_compare_explain_writes_explain_json_and_the_report_shows_it(tmp_path, capsys):
    from simulation.report import build_report

    out = tmp_path / "cmp"
    assert main(["compare", "sla", "separate_targets", "--replications", "2", "--days", "8", "--workers", "1",
                 "--no-charts", "--explain", "--out", str(out)]) == 0
    doc = json.loads((out / "explain.json").read_text())
    assert doc["baseline"] == "separate_targets" and list(doc["designs"]) == ["sla"]
    sla = doc["designs"]["sla"]
    runs = __import__("pandas").read_csv(out / "differences.csv").set_index(["scenario", "outcome"])
    assert sla["total"]["mqls"]["mean"] == pytest.approx(runs.loc[("sla", "mqls"), "difference"])
    # the report: the section, escaped text, the chart
    sla["sentences"]["bookings"] = "a <b>bold</b> & claim"
    (out / "explain.json").write_text(json.dumps(doc))
    files = build_report(out, pdf=tmp_path / "report.pdf")
    assert files.pdf.stat().st_size > 0
    html = files.html.read_text()
    assert 'id="explain"' in html and "a &lt;b&gt;bold&lt;/b&gt; &amp; claim" in html and "<b>bold</b>" not in html
    assert "marketing.kpi" in html


def test_report_without_explain_json_has_no_section(tmp_path):
    from simulation.report import build_report

    out = tmp_path / "cmp"
    assert main(["compare", "sla", "separate_targets", "--replications", "2", "--days", "5", "--workers", "1",
                 "--no-charts", "--out", str(out)]) == 0
    assert 'id="explain"' not in build_report(out).html.read_text()


def test_the_installed_command_knows_explain():
    """As a user runs it (a new process): help text, and a user error is one line with status 2."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "simulation.cli", "explain", "sla", "sla"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "nothing to explain" in proc.stderr
    helptext = subprocess.run([sys.executable, "-m", "simulation.cli", "compare", "--help"], capture_output=True, text=True).stdout
    assert "--explain" in helptext and "extra runs" in helptext


def test_docs_list_every_lever_group(repo):
    text = (repo / "docs" / "experiments.md").read_text(encoding="utf-8")
    for group in levers.LEVER_GROUPS:
        assert f"| `{group.name}` |" in text, group.name


def test_permutation_sampling_over_both_orders_of_two_groups_is_exact(sla_vs_sep):
    """The sampled path on the simulation: with two groups, an order and its reverse are all orders."""
    sampled = explain(small("sla"), small("separate_targets"), replications=REPS, seed=3, days=DAYS,
                      max_exact_players=1, permutations=2)
    assert sampled.method == "permutation sampling" and sampled.permutations == 2
    a = sla_vs_sep.contributions.set_index(["lever_group", "outcome"])["mean"]
    b = sampled.contributions.set_index(["lever_group", "outcome"])["mean"]
    np.testing.assert_allclose(b.loc[a.index].to_numpy(), a.to_numpy(), rtol=1e-12, atol=1e-9)


def test_by_field_makes_every_differing_field_a_player():
    e = explain(small("sla"), small("separate_targets"), replications=REPS, seed=3, days=DAYS, by="field")
    fields = levers.differing_fields(small("sla"), small("separate_targets"))
    assert set(e.groups) == {f for group in fields.values() for f in group} >= {"marketing.kpi", "sla.enabled"}
    assert all(e.groups[f] == [f] for f in e.groups)
    sums = e.contributions.groupby("outcome")["mean"].sum()
    for r in e.total.itertuples():
        if not math.isnan(r.mean):
            assert sums[r.outcome] == pytest.approx(r.mean, rel=1e-9, abs=1e-9)
    with pytest.raises(OrgsimError, match="allowed values"):
        explain(small("sla"), small("separate_targets"), replications=REPS, days=DAYS, by="nonsense")


def test_by_field_merges_fields_tied_by_a_validator():
    """brand_share + enablement_share <= 1: taken one at a time they can break the rule; they are merged, no traceback."""
    b = small("separate_targets", {"marketing.brand_share": 0.3, "marketing.enablement_share": 0.6})
    a = small("separate_targets", {"name": "brandy", "marketing.brand_share": 0.75, "marketing.enablement_share": 0.15})
    plan = _plan(a, b, seed=0, max_exact=6, permutations=8, by="field")
    assert list(plan.players) == ["marketing.brand_share+marketing.enablement_share"]
    assert len(plan.notes) == 1 and "fields marketing.brand_share and marketing.enablement_share" in plan.notes[0]
    assert "must be at most 1" in plan.notes[0]
