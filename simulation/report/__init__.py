"""Shareable reports from results folders: self-contained HTML and a multi-page PDF.

from simulation.report import build_report
build_report("results", out="report.html", pdf="report.pdf")
"""

from .builder import ReportFiles, ResultsFolder, build_report, load_results_folder, write_folder_charts

__all__ = ["ReportFiles", "ResultsFolder", "build_report", "load_results_folder", "write_folder_charts"]
