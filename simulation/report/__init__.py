"""Shareable reports from results folders: self-contained HTML and a multi-page PDF.

from simulation.report import build_report
build_report("results", out="report.html", pdf="report.pdf")

One module per step and per output format, so a new format has an obvious home:
``folder`` reads a results folder; ``compare``, ``sweep``, ``explain`` and ``content``
turn it into the report's content (plain data); ``html`` and ``pdf`` write it;
``builder`` puts them together (``build_report``, ``write_folder_charts``).
"""

from .builder import ReportFiles, ResultsFolder, build_report, load_results_folder, write_folder_charts

__all__ = ["ReportFiles", "ResultsFolder", "build_report", "load_results_folder", "write_folder_charts"]
