"""Scenario input: every kind of bad file gives one line naming the file and the field.

Also: the short form (``base:`` a preset plus a few overrides), the name taken from the
file, safe YAML, and that presets are lever settings only.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from simulation import PRESETS, Scenario, ScenarioError, load_scenario, run
from simulation.scenario import build_scenario


def write(tmp_path: Path, text: str, name: str = "my_design.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(path: Path | str) -> str:
    """Load ``path``, expect a ScenarioError and return its message (checked to be one line)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.strip(), "empty error message"
    assert "\n" not in message, f"error message is not one line: {message!r}"
    assert "Traceback" not in message
    return message


# (file text, field path that must be named, text that must appear: the value or what is allowed)
BAD_FILES = {
    "unknown top-level key": ("colour: blue\n", "colour", "unknown field"),
    "unknown nested key": ("marketing:\n  budgett: 100\n", "marketing.budgett", "unknown field"),
    "unknown deeply nested key": ("sdr:\n  agency:\n    price: 3\n", "sdr.agency.price", "unknown field"),
    "string for a number": ("marketing:\n  headcount: six\n", "marketing.headcount", "'six'"),
    "string for a float": ("sales:\n  commission_rate: '10%'\n", "sales.commission_rate", "'10%'"),
    "string for a bool": ("sla:\n  enabled: 'yes'\n", "sla.enabled", "'yes'"),
    "fractional headcount": ("sales:\n  ae_headcount: 2.5\n", "sales.ae_headcount", "2.5"),
    "bool for a number": ("sdr:\n  headcount: true\n", "sdr.headcount", "True"),
    "probability above 1": ("market:\n  in_market_share: 1.5\n", "market.in_market_share", "<= 1"),
    "probability below 0": ("behaviour:\n  contact_rate_first: -0.1\n", "behaviour.contact_rate_first", ">= 0"),
    "weight above 1": ("marketing:\n  shared_revenue_weight: 2\n", "marketing.shared_revenue_weight", "<= 1"),
    "negative headcount": ("sdr:\n  headcount: -1\n", "sdr.headcount", ">= 0"),
    "negative budget": ("marketing:\n  budget_per_quarter_usd: -5000\n", "marketing.budget_per_quarter_usd", ">= 0"),
    "zero AEs": ("sales:\n  ae_headcount: 0\n", "sales.ae_headcount", ">= 1"),
    "horizon of zero days": ("horizon_days: 0\n", "horizon_days", ">= 1"),
    "unknown choice": ("structure: matrix\n", "structure", "'matrix'"),
    "unknown KPI": ("marketing:\n  kpi: clicks\n", "marketing.kpi", "'clicks'"),
    "unknown base preset": ("base: no_such_preset\n", "base", "no_such_preset"),
    "budget shares above 1": (
        "marketing:\n  brand_share: 0.8\n  enablement_share: 0.3\n",
        "marketing",
        "brand_share + enablement_share",
    ),
    "name field in a file": ("name: fancy\n", "name", "my_design"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_scenario_file_gives_one_line_naming_file_and_field(tmp_path, case):
    text, field, detail = BAD_FILES[case]
    path = write(tmp_path, text)
    message = load_error(path)
    assert str(path) in message, f"file not named: {message}"
    assert f"{field}" in message, f"field {field!r} not named: {message}"
    assert detail in message, f"value / allowed values not stated ({detail!r}): {message}"


def test_bad_override_in_a_short_form_file_is_rejected_even_over_a_base(tmp_path):
    path = write(tmp_path, "base: sla\nsla:\n  min_attempts: 0\n")
    message = load_error(path)
    assert str(path) in message and "sla.min_attempts" in message and ">= 1" in message


def test_several_errors_still_give_one_line(tmp_path):
    path = write(tmp_path, "horizon_days: 0\nmarketing:\n  headcount: -2\n  kpi: clicks\n")
    message = load_error(path)
    assert "more error" in message


def test_invalid_yaml_is_one_line_with_line_number(tmp_path):
    path = write(tmp_path, "marketing:\n  headcount: 3\n   kpi: [revenue\n")
    message = load_error(path)
    assert str(path) in message and "YAML" in message and "line" in message


def test_yaml_that_is_a_list_is_rejected(tmp_path):
    path = write(tmp_path, "- separate_targets\n- sla\n")
    message = load_error(path)
    assert str(path) in message and "list" in message


def test_yaml_scalar_is_rejected(tmp_path):
    path = write(tmp_path, "just a sentence\n")
    message = load_error(path)
    assert str(path) in message


def test_missing_file_is_one_line(tmp_path):
    path = tmp_path / "nowhere.yaml"
    message = load_error(path)
    assert str(path) in message and "no such" in message


def test_a_folder_given_as_the_scenario_is_one_line(tmp_path):
    folder = tmp_path / "looks_like.yaml"
    folder.mkdir()
    message = load_error(folder)
    assert str(folder) in message and "folder" in message and "\n" not in message


def test_unknown_preset_name_lists_the_presets():
    message = load_error("no_such_design")
    assert "no_such_design" in message
    for name in PRESETS:
        assert name in message


def test_yaml_is_loaded_safely_python_tags_are_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = write(
        tmp_path,
        f"""\
        description: !!python/object/apply:os.system ["touch {marker}"]
        horizon_days: 10
        """,
    )
    message = load_error(path)
    assert str(path) in message
    assert not marker.exists(), "a python tag in the YAML was executed"


def test_yaml_python_object_tag_is_rejected(tmp_path):
    path = write(tmp_path, "market: !!python/object:simulation.scenario.Market {}\n")
    load_error(path)


def test_short_form_keeps_the_base_preset_and_applies_overrides(tmp_path):
    path = write(
        tmp_path,
        """\
        # an SLA with a 48-hour first-touch deadline
        base: sla
        sla:
          first_touch_hours: 48
        """,
        name="slow_sla.yaml",
    )
    sc = load_scenario(path)
    base = load_scenario("sla")
    assert sc.name == "slow_sla"
    assert sc.sla.first_touch_hours == 48
    # The rest of the base's nested section is kept, not reset to defaults.
    assert sc.sla.enabled is True
    assert sc.sla.mql_definition_score == base.sla.mql_definition_score
    assert sc.sla.min_attempts == base.sla.min_attempts
    assert sc.marketing.kpi == base.marketing.kpi == "sla_mqls"
    # Nothing else differs from the base.
    a = sc.model_dump(exclude={"name"})
    b = base.model_dump(exclude={"name"})
    b["sla"]["first_touch_hours"] = 48
    assert a == b


def test_scenario_column_is_the_file_stem(tmp_path):
    path = write(tmp_path, "base: sla\nmarket:\n  n_accounts: 1000\n", name="tiny_sla.yaml")
    results = run(path, seed=1, days=5)
    assert results.summary["scenario"].tolist() == ["tiny_sla"]
    assert set(results.daily["scenario"]) == {"tiny_sla"}


def test_empty_file_is_the_default_scenario_named_after_the_file(tmp_path):
    path = write(tmp_path, "# nothing set\n", name="defaults.yaml")
    sc = load_scenario(path)
    assert sc.name == "defaults"
    assert sc.model_dump(exclude={"name"}) == Scenario().model_dump(exclude={"name"})


def test_full_form_file_without_base_uses_defaults_for_missing_fields(tmp_path):
    path = write(tmp_path, "structure: combined\nsales:\n  ae_headcount: 4\n")
    sc = load_scenario(path)
    assert sc.structure == "combined" and sc.sales.ae_headcount == 4
    assert sc.sales.commission_rate == Scenario().sales.commission_rate


def test_with_overrides_rejects_unknown_dotted_key_and_bad_value():
    sc = load_scenario("separate_targets")
    with pytest.raises(ScenarioError, match=r"marketing\.headcont"):
        sc.with_overrides({"marketing.headcont": 3})
    with pytest.raises(ScenarioError, match=r"market\.n_accounts"):
        sc.with_overrides({"market.n_accounts": "many"})
    # The original is untouched (scenarios are immutable values).
    assert sc.market.n_accounts == Scenario().market.n_accounts


def test_scenario_is_frozen():
    sc = load_scenario("separate_targets")
    with pytest.raises(ValueError, match="frozen"):
        sc.horizon_days = 5  # type: ignore[misc]


def test_build_scenario_rejects_non_mapping():
    with pytest.raises(ScenarioError, match="mapping"):
        build_scenario(["not", "a", "dict"], "inline")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_loads_and_is_named_after_itself(name):
    sc = load_scenario(name)
    assert sc.name == name
    assert sc.description, f"preset {name} has no description"
    assert sc.horizon_days == 8 * 63


def test_presets_set_levers_only_market_and_behaviour_are_shared():
    """No design may set an outcome: market and behaviour sections are identical in all presets."""
    default = Scenario()
    for name in PRESETS:
        sc = load_scenario(name)
        assert sc.market == default.market, f"{name} changes the market"
        assert sc.behaviour == default.behaviour, f"{name} changes behavioural strengths"


def test_presets_are_different_designs():
    dumps = {name: load_scenario(name).model_dump(exclude={"name", "description"}) for name in PRESETS}
    names = list(dumps)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert dumps[a] != dumps[b], f"{a} and {b} are the same design"
