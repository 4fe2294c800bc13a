"""Every notebook in ``notebooks/`` runs top to bottom through the public API."""

from __future__ import annotations

import inspect
import re
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


def _chart_functions() -> set[str]:
    """The public chart functions: those of ``simulation.plots`` that return axes or a figure,
    and ``validation.robustness_chart``."""
    from simulation import plots

    names = {
        name
        for name, fn in inspect.getmembers(plots, inspect.isfunction)
        if fn.__module__.startswith(plots.__name__ + ".") and re.search(r"\b(Axes|Figure)\b", str(inspect.signature(fn).return_annotation))
    }
    return names | {"robustness_chart"}


def chart_cells(nb) -> list[int]:
    """Indices of the code cells that draw a chart (call a chart function, pandas' ``.plot``)."""
    pattern = re.compile(r"(?:\b(" + "|".join(sorted(_chart_functions())) + r")|\.plot)\(")
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and pattern.search(c.source)]


def test_S1_3_chart_cells_are_recognised():
    nb = nbformat.read(NOTEBOOK_DIR / "02_compare_org_designs.ipynb", as_version=4)
    assert len(chart_cells(nb)) == 6  # forest, waterfall, pipeline, friction, trust, speed to lead


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
    # S1-3: every chart cell shows its chart (the package never switches the kernel to Agg).
    blank = [i for i in chart_cells(nb) if not any("image/png" in o.get("data", {}) for o in nb.cells[i].outputs)]
    assert not blank, f"{path.name}: chart cells with no image output: {blank}"
    # The TqdmWarning ('IProgress not found') that opened every notebook.
    warned = [i for i, c in enumerate(nb.cells) for o in c.get("outputs", []) if "TqdmWarning" in o.get("text", "")]
    assert not warned, f"{path.name}: TqdmWarning in cells {warned}"
    if path == QUICKSTART:
        assert elapsed < QUICKSTART_SECONDS, f"the quick start took {elapsed:.0f} s; it must run in under a minute"
