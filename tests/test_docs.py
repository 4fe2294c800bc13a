"""Every ```python block in README.md and docs/*.md runs (issue 12, item 7; UX audit S1-2).

The blocks of one file run top to bottom in one namespace (like a notebook), in a fresh
working folder, so a block may use what an earlier one defined. A block preceded by the line
``<!-- not-run -->`` is shown but not run: use it sparingly, for blocks that cannot run
here (placeholders, hours of simulation). Shell, YAML and SQL blocks are not run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
NOT_RUN = "<!-- not-run -->"
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """``(line, source)`` of each python block of ``path`` to run."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in BLOCK.finditer(text):
        before = text[: match.start()].rstrip().splitlines()
        if before and before[-1].strip() == NOT_RUN:
            continue
        blocks.append((text[: match.start()].count("\n") + 1, match.group(1)))
    return blocks


def test_the_readme_has_python_blocks_to_run():
    assert python_blocks(REPO / "README.md")


@pytest.mark.parametrize("path", [p for p in DOCS if python_blocks(p)], ids=lambda p: p.name)
def test_S1_2_every_python_block_in_the_docs_runs(path, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    try:
        for line, source in python_blocks(path):
            code = compile(source, f"{path.name}:{line}", "exec")
            exec(code, namespace)  # a failing block fails the test with its file and line
    finally:
        plt.close("all")
