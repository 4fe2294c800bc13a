"""``orgsim dashboard``: an interactive Solara app over the same public API as the command line.

* ``fields`` -- lever widgets' specifications, read from the typed scenario's fields;
* ``jobs`` -- comparisons in worker processes, with progress and cancel, one session's runs apart;
* ``results`` -- a compare or sweep folder: the CLI's charts, the interval table, the downloads;
* ``watch`` -- one run stepped day by day;
* ``components`` / ``app`` -- the Solara widgets and pages (need the ``dashboard`` extra).

Only :func:`serve` and the solara-free modules can be imported without solara installed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import OrgsimError

EXTRA_HINT = 'pip install -e ".[dashboard]"'


def require_solara() -> None:
    """:class:`OrgsimError` (one line naming the extra) when solara is not installed."""
    try:
        import solara  # noqa: F401
    except ImportError:
        raise OrgsimError(f"the dashboard needs the optional extra: {EXTRA_HINT}") from None


def serve(host: str = "127.0.0.1", port: int = 8765, results: Path | None = None, open_browser: bool = True) -> int:
    """Serve the dashboard with Solara's server until interrupted (localhost by default)."""
    require_solara()
    if results is not None:
        from .results import ResultsView

        ResultsView.open(results)  # a bad --results folder is one line before the server starts
        os.environ["ORGSIM_DASHBOARD_RESULTS"] = str(Path(results).resolve())
    os.environ.setdefault("MPLBACKEND", "Agg")  # charts are drawn in server threads
    from solara.__main__ import run

    args = ["simulation.dashboard.app", "--host", host, "--port", str(port), "--production",
            "--open" if open_browser else "--no-open", "--log-level", "warning"]
    print(f"orgsim dashboard: http://{host}:{port}/ (Ctrl-C stops it)", file=sys.stderr, flush=True)
    try:
        run.main(args=args, standalone_mode=False)
    except KeyboardInterrupt:
        pass
    return 0
