"""Shareable reports from results folders: self-contained HTML, a PDF and a 16:9 slide deck.

from simulation.report import build_report
build_report("results", out="report.html", pdf="report.pdf", pptx="deck.pptx", client="Acme Corp")

One module per step and per output format, so a new format has an obvious home:
``folder`` reads a results folder; ``compare``, ``sweep``, ``explain`` and ``content``
turn it into the report's content (plain data) and ``summary`` writes its executive summary
by rules; ``html``, ``pdf`` (the HTML printed by WeasyPrint) and ``pptx`` write it; ``options``
holds what a reader may set; ``builder`` puts them together (``build_report``,
``write_folder_charts``). PDF and deck need the ``report`` extra.
"""

from .builder import ReportFiles, ResultsFolder, build_report, load_results_folder, write_folder_charts

__all__ = ["ReportFiles", "ResultsFolder", "build_report", "load_results_folder", "write_folder_charts"]
