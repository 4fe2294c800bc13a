"""Issue 12, item 7: what users hit first (the UX audit's S1 and S2 findings, ux-audit-2026-11.md).

Each test is named after its finding and fails on the code the audit looked at.
"""

from __future__ import annotations

import subprocess
import sys


def test_S1_4_simulation_compare_is_always_the_function():
    # Whatever was imported first, `simulation.compare` is the function (it used to become
    # the module once anything imported the submodule).
    script = (
        "from simulation.report import build_report\n"
        "from simulation import plots\n"
        "import simulation.comparison\n"
        "from simulation import compare\n"
        "import simulation\n"
        "assert callable(compare) and compare.__module__ == 'simulation.comparison', compare\n"
        "assert simulation.compare is compare, simulation.compare\n"
        "assert simulation.Comparison is simulation.comparison.Comparison\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
