"""docs/scenario_reference.md is generated from the typed scenario and must be current."""

from pathlib import Path

from simulation.scenario import field_reference, field_reference_markdown

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "scenario_reference.md"


def test_scenario_reference_is_current():
    """Regenerate with `python -m simulation.reference > docs/scenario_reference.md`."""
    assert REFERENCE.read_text(encoding="utf-8") == field_reference_markdown()


def test_every_field_has_a_description():
    undocumented = [row["field"] for row in field_reference() if not row["description"]]
    assert undocumented == []
