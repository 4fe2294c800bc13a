"""The calibration procedure and the shipped calibration file.

`orgsim calibrate` is deterministic (same seed, budget and replications => same file,
whatever the number of workers); the shipped file is its output for the current model; the
scenario's calibrated defaults are the file's values.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from simulation import Scenario
from simulation.calibrate import calibrate, calibration_document, check_output, write_calibration
from simulation.errors import OrgsimError
from simulation.scenario import CALIBRATED, CALIBRATION_FILE
from simulation.validation import load_targets, model_fingerprint, read_calibration


def shipped() -> dict:
    return yaml.safe_load(CALIBRATION_FILE.read_text(encoding="utf-8"))


def test_the_scenario_defaults_are_the_shipped_calibration():
    values = shipped()["parameters"]
    scenario = Scenario()
    for path, value in values.items():
        section, name = path.split(".")
        assert getattr(getattr(scenario, section), name) == pytest.approx(value), path
    assert set(values) == set(CALIBRATED) == set(load_targets().parameters)


def test_the_shipped_file_records_its_procedure_and_fit():
    data = shipped()
    assert data["procedure"]["method"].startswith("Latin hypercube")
    assert data["procedure"]["evaluations"] <= data["procedure"]["budget"] + 1  # + the response surfaces' final optimum
    assert isinstance(data["seed"], int)
    fit = data["fit"]["targets"]
    assert set(fit) == set(load_targets().names())
    for name, row in fit.items():
        assert row["score"] is None or row["score"] >= 0, name
        low, high = row["range"]
        # The file rounds ``simulated`` to 4 decimals; ``inside`` was decided on the exact mean,
        # so within half a unit of that rounding of a bound either answer is consistent.
        if row["simulated"] is not None and min(abs(row["simulated"] - low), abs(row["simulated"] - high)) > 5e-5:
            assert row["inside"] == (low <= row["simulated"] <= high), name
    for path, value in data["parameters"].items():
        low, high = data["procedure"]["search_space"][path]
        assert low <= value <= high, path


def test_the_shipped_calibration_is_current_for_this_model():
    """Fails when the model, a preset or the targets changed after the last `orgsim calibrate`:
    the shipped defaults must be the output of the procedure for the code they ship with."""
    recorded = read_calibration()["fit"]["model_fingerprint"]
    assert recorded == model_fingerprint(), "the model changed since the shipped calibration: run `orgsim calibrate --out simulation/calibration.yaml --force` and commit the file"


@pytest.mark.slow
def test_calibration_is_deterministic_and_independent_of_the_workers(tmp_path):
    targets = load_targets()
    small = {"market.n_accounts": 3000}
    first = calibrate(targets, budget=14, replications=1, seed=5, workers=1, days=70, overrides=small)
    again = calibrate(targets, budget=14, replications=1, seed=5, workers=2, days=70, overrides=small)
    assert first.procedure["overrides"] == small
    assert calibration_document(first) == calibration_document(again)
    stages = first.history["stage"].value_counts().to_dict()
    assert stages["hypercube"] == 13  # 2 d + 1 = 13 of 14 on the hypercube
    assert stages["finalist"] == 4
    assert first.procedure["evaluations"] <= 15  # the budget, plus the response surfaces' final optimum
    search = targets.parameters
    for path, value in first.parameters.items():
        assert search[path][0] <= value <= search[path][1]
    finals = first.history[first.history["stage"] == "finalist"]
    assert (finals["replications"] == 6).all()  # the finalists rerun with 6 x 1 replications
    assert first.objective == pytest.approx(finals["objective"].min())
    chosen = finals.loc[finals["objective"].idxmin()]
    assert {p: chosen[p] for p in first.parameters} == pytest.approx(first.parameters)
    path = write_calibration(first, tmp_path / "calibration.yaml")
    written = yaml.safe_load(path.read_text())
    assert list(written)[0] == "parameters"
    assert written["parameters"] == {k: pytest.approx(v) for k, v in first.parameters.items()}


def test_budget_and_output_checks(tmp_path):
    with pytest.raises(OrgsimError, match="budget = 5"):
        calibrate(budget=5)
    existing = tmp_path / "other.yaml"
    existing.write_text("parameters: {}\n")
    with pytest.raises(OrgsimError, match="file exists"):
        check_output(existing, force=False)
    check_output(existing, force=True)
    with pytest.raises(OrgsimError, match="installed package's calibration"):
        check_output(CALIBRATION_FILE, force=False)  # never overwritten without --force
    check_output(CALIBRATION_FILE, force=True)
    with pytest.raises(OrgsimError, match="no such folder"):
        check_output(tmp_path / "missing" / "c.yaml", force=False)


def test_cli_refuses_to_overwrite_another_file(tmp_path):
    existing = tmp_path / "mine.yaml"
    existing.write_text("keep me\n")
    result = subprocess.run(
        [sys.executable, "-m", "simulation.cli", "calibrate", "--out", str(existing)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "file exists" in result.stderr
    assert existing.read_text() == "keep me\n"
