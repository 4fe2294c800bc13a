"""docs/model.md describes the model in the ODD protocol and documents every parameter.

The parameter table is generated from the typed scenario; these tests fail when a field is
added to the scenario without a unit, a source (or the word assumption) and a row in the
committed table.
"""

from __future__ import annotations

import re

import pytest

from simulation import PRESETS
from simulation.scenario import CALIBRATED, field_reference
from simulation.validation import (
    ODD_FILE,
    PARAMETER_TABLE_END,
    PARAMETER_TABLE_START,
    UNITS,
    field_source,
    load_targets,
    parameter_table_markdown,
)

ODD_SECTIONS = (
    "## 1 Purpose and patterns",
    "## 2 Entities, state variables and scales",
    "## 3 Process overview and scheduling",
    "## 4 Design concepts",
    "## 5 Initialisation",
    "## 6 Input data",
    "## 7 Submodels",
    "## The six designs as lever settings",
    "## Calibration",
    "## Validation",
    "## Robustness of the conclusions",
    "## Parameter table",
)
DESIGN_CONCEPTS = (
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
)


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD_FILE.read_text(encoding="utf-8")


def committed_table(text: str) -> str:
    assert PARAMETER_TABLE_START in text and PARAMETER_TABLE_END in text, "the parameter-table markers are missing"
    return text.split(PARAMETER_TABLE_START, 1)[1].split(PARAMETER_TABLE_END, 1)[0].strip()


def test_odd_has_every_section_and_design_concept(odd):
    for heading in ODD_SECTIONS:
        assert heading in odd, f"docs/model.md lacks the section {heading!r}"
    concepts = odd.split("## 4 Design concepts", 1)[1].split("## 5 ", 1)[0]
    for concept in DESIGN_CONCEPTS:
        assert f"**{concept}.**" in concepts, f"design concept {concept} is not described"


def test_every_scenario_field_is_in_the_committed_parameter_table(odd):
    table = committed_table(odd)
    rows = {m.group(1) for m in re.finditer(r"^\| `([^`]+)`", table, flags=re.M)}
    fields = [r["field"] for r in field_reference()]
    missing = [f for f in fields if f not in rows]
    assert not missing, f"fields missing from docs/model.md's parameter table (run python -m simulation.validation --odd-table): {missing}"
    assert rows == set(fields), f"rows for fields that no longer exist: {sorted(rows - set(fields))}"


def test_the_committed_parameter_table_is_current(odd):
    assert committed_table(odd) == parameter_table_markdown().strip(), (
        "docs/model.md's parameter table is out of date: run python -m simulation.validation --odd-table"
    )


def test_every_field_has_a_unit_and_a_source_or_the_word_assumption():
    undocumented = []
    for row in field_reference():
        path = row["field"]
        if not UNITS.get(path):
            undocumented.append(f"{path}: no unit")
        if field_source(path, row["description"]) is None:
            undocumented.append(f"{path}: no source, *assumption* or lever status")
    assert not undocumented, "document these fields in simulation/validation.py (UNITS, SOURCE_NOTES or LEVERS): " + "; ".join(undocumented)
    assert set(UNITS) == {r["field"] for r in field_reference()}, "UNITS names fields the scenario no longer has"


def test_a_field_without_a_source_is_caught():
    assert field_source("behaviour.some_new_strength", "how strong a new effect is") is None
    assert field_source("behaviour.some_new_strength", "how strong (assumption)").startswith("*assumption*")
    assert field_source("behaviour.some_new_rate", "as measured by Gartner") == "as measured by Gartner"


def test_calibrated_parameters_are_marked_and_searched(odd):
    table = committed_table(odd)
    searched = set(load_targets().parameters)
    assert searched == set(CALIBRATED), "targets.yaml's search space must be exactly the calibration file's parameters"
    for path in searched:
        assert re.search(rf"^\| `{re.escape(path)}` ⚙ \|.*\*\*calibrated\*\*", table, flags=re.M), f"{path} not marked calibrated"
    assert table.count("⚙") == len(searched)


def test_the_six_designs_and_every_target_are_documented(odd):
    designs = odd.split("## The six designs as lever settings", 1)[1].split("\n## ", 1)[0]
    for preset in PRESETS:
        assert preset in designs
    for name in load_targets().names():
        assert f"`{name}`" in odd, f"target {name} is not named in docs/model.md"
