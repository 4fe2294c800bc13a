"""A finished compare or sweep folder as the dashboard shows it: the CLI's charts, the
interval table, the mechanism text, and the downloads (the folder as a zip, the HTML report).

Everything is read through the report's own loader (:func:`simulation.report.builder.load_results_folder`)
and drawn with the same chart functions as ``orgsim compare`` and ``orgsim report``, so a
folder opened here (``orgsim dashboard --results DIR``) looks as it does in the report,
without rerunning anything. Nothing here imports solara.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import OrgsimError

DRAW_LOCK = threading.Lock()
"""matplotlib's pyplot is not thread-safe: the dashboard draws one chart set at a time."""


@dataclass(frozen=True)
class ChartImage:
    name: str
    title: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class MechanismText:
    design: str
    label: str
    description: str
    chains: tuple[str, ...]
    observed: str
    explained: tuple[str, ...] = ()


class ResultsView:
    """A results folder read once; its charts are drawn on first use and kept."""

    def __init__(self, results) -> None:
        self.results = results
        self._images: list[ChartImage] | None = None
        self._context: dict | None = None

    @classmethod
    def open(cls, folder: Path | str) -> ResultsView:
        """Read a compare or sweep folder (:class:`OrgsimError`, one line, if it is neither)."""
        from ..report.builder import load_results_folder

        text = str(folder).strip()
        if not text:
            raise OrgsimError("results folder: give the path of a folder written by orgsim compare or orgsim sweep")
        return cls(load_results_folder(Path(text).expanduser()))

    @property
    def folder(self) -> Path:
        return self.results.path

    @property
    def kind(self) -> str:
        return self.results.kind

    def context(self) -> dict:
        if self._context is None:
            from ..report import builder
            from ..report.sweep import sweep_context

            self._context = builder.compare_context(self.results) if self.kind == "compare" else sweep_context(self.results)
        return self._context

    @property
    def subtitle(self) -> str:
        return str(self.context().get("subtitle", ""))

    def chart_images(self, write_to: Path | None = None, dpi: int = 110) -> list[ChartImage]:
        """The charts ``orgsim compare`` / ``orgsim sweep`` write, as PNG bytes; with ``write_to``,
        also written there as PNG and SVG, as the command line writes them."""
        if self._images is not None and write_to is None:
            return self._images
        from .. import plots
        from ..report import builder
        from ..report.sweep import sweep_charts

        with DRAW_LOCK:
            import matplotlib

            if matplotlib.get_backend().lower() != "agg" and threading.current_thread() is not threading.main_thread():
                matplotlib.use("Agg")  # a server thread cannot drive a GUI backend
            if self.kind == "compare":
                charts = builder.compare_charts(self.results, self.context()["designs"])
            else:
                charts = sweep_charts(self.results, self.context())
            images = []
            for chart in charts:
                buffer = io.BytesIO()
                chart.figure.savefig(buffer, format="png", dpi=dpi)
                images.append(ChartImage(chart.name, chart.title, chart.caption, buffer.getvalue()))
            if write_to is not None:
                plots.write_figures(charts, write_to)
            else:
                for chart in charts:
                    plots._plt().close(chart.figure)
        self._images = images
        return images

    def table(self) -> pd.DataFrame:
        """Compare: means with 95% intervals and paired differences, as ``orgsim compare`` prints them.
        Sweep: the per-point means (``orgsim summarize``)."""
        frames = self.results.frames
        if self.kind == "compare":
            from ..cli import comparison_table
            from ..comparison import Comparison

            result = Comparison(frames["runs"], frames["summary"], frames["differences"], self.context()["baseline"])
            return comparison_table(result)
        from ..experiments.analysis import summarize_results

        return summarize_results(frames["runs"]).round(4)

    def outcome_value(self, design: str, outcome: str) -> float:
        """One design's mean of one outcome (what the page shows first)."""
        summary = self.results.frames["summary"]
        row = summary[(summary["scenario"] == design) & (summary["outcome"] == outcome)]
        if row.empty:
            raise KeyError(f"{design}/{outcome}")
        return float(row["mean"].iloc[0])

    def mechanisms(self) -> list[MechanismText]:
        """The report's mechanism chains for each design (from its levers), what the runs showed,
        and -- when the folder has ``explain.json`` -- the sentences of ``orgsim explain``."""
        if self.kind != "compare":
            return []
        ctx = self.context()
        explained = {s.design: tuple(s.sentences) for s in ctx.get("explain", [])}
        return [
            MechanismText(m.design, m.label, m.description, tuple(m.chains), m.observed, explained.get(m.design, ()))
            for m in ctx["mechanisms"]
        ]

    def failures(self) -> pd.DataFrame:
        runs = self.results.frames["runs"]
        if "status" not in runs:
            return runs.iloc[0:0]
        return runs.loc[runs["status"] == "failed", [c for c in ("scenario", "replication", "seed", "error") if c in runs]]

    def zip_bytes(self, write_charts: bool = False) -> bytes:
        """The whole results folder as a zip (its folder name at the top); with ``write_charts``,
        the charts are first written into ``charts/`` (PNG and SVG) as ``orgsim compare`` writes them."""
        if write_charts and not (self.folder / "charts").exists():
            self.chart_images(write_to=self.folder / "charts")
        buffer = io.BytesIO()
        root = self.folder
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    archive.write(path, Path(root.name) / path.relative_to(root))
        return buffer.getvalue()

    def report_html(self, scratch: Path) -> bytes:
        """The self-contained HTML report of ``orgsim report``, built into ``scratch`` (the
        results folder is not written to: it may be someone else's)."""
        from ..report import build_report

        scratch.mkdir(parents=True, exist_ok=True)
        target = scratch / f"{self.folder.name}-report.html"
        with DRAW_LOCK:
            import matplotlib

            if threading.current_thread() is not threading.main_thread():
                matplotlib.use("Agg")
            files = build_report(self.folder, out=target, force=True)
        return Path(files.html).read_bytes()
