"""Every notebook in ``notebooks/`` runs top to bottom through the public API."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def test_the_quickstart_notebook_exists():
    assert (NOTEBOOK_DIR / "01_quickstart.ipynb") in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell has saved outputs"
            assert cell.execution_count is None, f"{path.name}: a code cell has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_tells_a_story_with_the_public_api(path):
    nb = nbformat.read(path, as_version=4)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds[0] == "markdown", "a notebook opens with prose saying what it shows"
    # Prose between the code: no two code cells in a row without a markdown cell somewhere near.
    assert kinds.count("markdown") >= kinds.count("code") - 1
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "from simulation import" in source
    for private in ("simulation.model", "simulation.agents", "OrgModel", "simulation.metrics"):
        assert private not in source, f"{path.name} uses internals ({private}); use the public API"


QUICKSTART = NOTEBOOK_DIR / "01_quickstart.ipynb"
QUICKSTART_SECONDS = 60  # the quick start must run top to bottom in under a minute


def _executions():
    """The quick start runs in the fast suite; longer notebooks (sweeps, many designs) are slow."""
    for path in NOTEBOOKS:
        marks = () if path == QUICKSTART else (pytest.mark.slow,)
        yield pytest.param(path, id=path.name, marks=marks)


@pytest.mark.parametrize("path", list(_executions()))
def test_notebook_runs_top_to_bottom(path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    elapsed = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    if path == QUICKSTART:
        assert elapsed < QUICKSTART_SECONDS, f"the quick start took {elapsed:.0f} s; it must run in under a minute"
