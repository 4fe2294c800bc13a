"""Consultant deliverables: the PDF is the HTML printed, an executive summary written by rules,
a slide deck with native charts, accessible and editable charts.

Every folder here is synthetic (``report_fixtures``) or a sweep with a stand-in run function:
what is under test is the report, and each value it shows can be checked against the frames.
One six-design report (HTML, PDF and deck) and one sweep report are built once per module.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_fixtures import BASELINE, fake_run, write_compare_folder

from simulation import OrgsimError, plots, sweep, sweep_spec_from_dict
from simulation.cli import main
from simulation.report import build_report
from simulation.report.summary import compare_summary

pdfplumber = pytest.importorskip("pdfplumber")
pptx = pytest.importorskip("pptx")

TEMPLATES = Path(__file__).resolve().parent.parent / "simulation" / "report" / "templates"


# ----------------------------------------------------------------------------- fixtures


def _robustness(share: float, a: str = "outsourced_sdr", b: str = BASELINE) -> dict:
    return {
        "samples": 40,
        "pairs": [
            {"outcome": "bookings", "design_a": a, "design_b": b, "n": 40, "wins": round(share * 40), "losses": 40 - round(share * 40),
             "ties": 0, "share": share, "ci_low": share - 0.1, "ci_high": min(1.0, share + 0.1),
             "top_assumptions": "market.inbound_rate (rho -0.6)", "box": "market.inbound_rate > 0.8"}
        ],
    }  # fmt: skip


VALIDATION = [
    {"target": "Win rate of sales-accepted opportunities", "inside": "yes"},
    {"target": "Pipeline created per SDR per quarter", "inside": "MISSED"},
    {"target": "Share of marketing budget on brand", "inside": "MISSED"},
]


@pytest.fixture(scope="module")
def six(tmp_path_factory):
    """The six presets compared (synthetic), with robustness and validation results beside them; HTML, PDF and deck built once."""
    root = tmp_path_factory.mktemp("six")
    folder = write_compare_folder(root / "cmp")
    (folder / "robustness.json").write_text(json.dumps(_robustness(0.85)))
    (folder / "validation.json").write_text(json.dumps(VALIDATION))
    files = build_report(folder, out=root / "r.html", pdf=root / "r.pdf", pptx=root / "r.pptx", client="Acme Corp")
    return folder, files


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A 3 x 2 grid sweep with a stand-in model, and its HTML, PDF and deck."""
    root = tmp_path_factory.mktemp("sweep")
    spec = sweep_spec_from_dict(
        {"description": "shared-revenue weight x SLA window (stand-in model)", "base": "sla",
         "parameters": {"marketing.shared_revenue_weight": {"values": [0.0, 0.5, 1.0]}, "sla.first_touch_hours": {"values": [4, 24]}},
         "design": "grid", "replications": 3, "seed": 3, "outcomes": ["bookings", "friction_index", "mqls"]},
        name="tiny",
    )  # fmt: skip
    sweep(spec, root / "sw", run_fn=fake_run)
    files = build_report(root / "sw", out=root / "s.html", pdf=root / "s.pdf", pptx=root / "s.pptx")
    return root / "sw", files


# ----------------------------------------------------------------------------- the PDF: the HTML printed


def _words(page) -> pd.DataFrame:
    return pd.DataFrame(page.extract_words(use_text_flow=False, keep_blank_chars=False))


def assert_clean_pages(path: Path) -> list[str]:
    """Every word and table rule inside the page, no two words overlapping; returns each page's text."""
    texts = []
    with pdfplumber.open(path) as doc:
        for number, page in enumerate(doc.pages, start=1):
            words = _words(page)
            texts.append(page.extract_text() or "")
            if words.empty:
                continue
            assert (words["x0"] >= 0).all() and (words["x1"] <= page.width + 0.5).all(), f"page {number}: text beyond the page's sides"
            assert (words["top"] >= 0).all() and (words["bottom"] <= page.height + 0.5).all(), f"page {number}: text beyond top or bottom"
            for r in page.rects + page.lines:  # table cells and rules
                assert r["x0"] >= -0.5 and r["x1"] <= page.width + 0.5, f"page {number}: a table exceeds the page"
            x0, x1, top, bottom = (words[c].to_numpy() for c in ("x0", "x1", "top", "bottom"))
            pad = 0.8  # points: glyph boxes of neighbouring lines may touch
            overlap_x = (np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])) > pad
            overlap_y = (np.minimum(bottom[:, None], bottom[None, :]) - np.maximum(top[:, None], top[None, :])) > pad
            clash = np.triu(overlap_x & overlap_y, k=1)
            i, j = np.nonzero(clash)
            assert len(i) == 0, f"page {number}: overlapping text: {words['text'].iloc[i[0]]!r} / {words['text'].iloc[j[0]]!r}"
    return texts


def test_six_design_pdf_opens_on_the_summary_and_no_text_collides(six):
    folder, files = six
    pages = assert_clean_pages(files.pdf)
    assert pages[0].lstrip().startswith("Prepared for Acme Corp")
    assert "Executive summary" in pages[0] and "Outsourced SDRs leads on bookings" in pages[0]
    assert "The question" not in pages[0], "the summary has the first page to itself"
    # the parameter tables are an appendix: after every chart and the caveats, never before
    appendix = next(i for i, t in enumerate(pages) if "Appendix: the parameters" in t)
    assert appendix > next(i for i, t in enumerate(pages) if "Speed to lead." in t)
    assert all("Defaults that rest on published sources" not in t for t in pages[:appendix])
    assert "Defaults that are assumptions" in "".join(pages[appendix:])
    # the tables carry the numbers of the results, total cost included
    text = "\n".join(pages)
    summary = pd.read_csv(folder / "summary.csv")
    row = summary[(summary["scenario"] == "sla") & (summary["outcome"] == "total_cost")].iloc[0]
    assert "Total cost" in text and plots.format_value(row["mean"], "total_cost") in text


def test_sweep_pdf_is_clean_and_has_its_appendix(swept):
    _, files = swept
    pages = assert_clean_pages(files.pdf)
    assert "Executive summary" in pages[0] and "Bookings (higher is better): best at" in pages[0]
    assert any("Appendix: the parameters" in t for t in pages[1:])


def test_the_page_check_catches_overlapping_and_clipped_text(tmp_path):
    from simulation.report.pdf import write_pdf

    write_pdf(tmp_path / "ok.pdf", "<p>Bookings</p><p>Friction</p>")
    assert_clean_pages(tmp_path / "ok.pdf")
    write_pdf(tmp_path / "clash.pdf", '<p>Bookings $1.2M</p><p style="margin-top: -1.6em; margin-left: 1em">Friction 0.31</p>')
    with pytest.raises(AssertionError, match="overlapping text"):
        assert_clean_pages(tmp_path / "clash.pdf")
    write_pdf(tmp_path / "wide.pdf", '<table style="width: 400mm"><tr><td>a</td><td style="text-align: right">far right</td></tr></table>')
    with pytest.raises(AssertionError, match="beyond the page"):
        assert_clean_pages(tmp_path / "wide.pdf")


def test_pdf_without_weasyprint_is_one_line_naming_the_extra(six, tmp_path, monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise ImportError("No module named 'weasyprint'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    status = main(["report", str(six[0]), "--out", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.pdf")])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and 'pip install "orgsim[report]"' in err
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "r.pdf").exists(), "nothing half-written"


# ----------------------------------------------------------------------------- the executive summary's rules


def _frames(bookings_diff: tuple[float, float, float], cac_diff=(-5e3, -7e3, -3e3), friction_diff=(0.05, 0.02, 0.08)):
    """Two designs; the second's paired differences as given (mean, low, high)."""
    summary = pd.DataFrame(
        [(d, o, 4, m, m * 0.9, m * 1.1) for d, (b, c, t, f) in
         (("separate_targets", (1e6, 50e3, 2e6, 0.3)), ("sla", (1e6 + bookings_diff[0], 45e3, 2.1e6, 0.35)))
         for o, m in (("bookings", b), ("cac", c), ("total_cost", t), ("friction_index", f))],
        columns=["scenario", "outcome", "n", "mean", "ci_low", "ci_high"],
    )  # fmt: skip
    differences = pd.DataFrame(
        [("sla", o, 4, *v) for o, v in (("bookings", bookings_diff), ("cac", cac_diff), ("friction_index", friction_diff))],
        columns=["scenario", "outcome", "n", "difference", "ci_low", "ci_high"],
    )
    return summary, differences


def test_summary_recommends_only_a_resolved_lead_and_names_its_trade_off():
    summary, differences = _frames((2e5, 1e5, 3e5))
    s = compare_summary(summary, differences, ["separate_targets", "sla"], "separate_targets")
    assert s.recommended == "sla"
    assert s.headline == "SLA leads on bookings: +$200K [+$100K, +$300K] against Separate targets."
    rec = dict((x.title, x.lines) for x in s.sections)["Recommendation"]
    assert "also clearly better on cost per won deal (CAC) -$5K [-$7K, -$3K]" in " ".join(rec)
    assert any(line.startswith("Trade-off: SLA is clearly worse on friction index +0.05") for line in rec)
    # an interval that includes zero recommends nothing
    summary, differences = _frames((2e5, -1e4, 4e5))
    s = compare_summary(summary, differences, ["separate_targets", "sla"], "separate_targets")
    assert s.recommended is None and s.headline == "No design beats Separate targets clearly on bookings."
    # nor does one that Holm's correction leaves unresolved
    differences["resolved"] = False
    summary, d2 = _frames((2e5, 1e5, 3e5))
    d2["resolved"] = [False, True, True]
    assert compare_summary(summary, d2, ["separate_targets", "sla"], "separate_targets").recommended is None


@pytest.mark.parametrize(
    ("share", "orientation", "words"),
    [(0.85, "ab", "The ranking holds of"), (0.6, "ab", "holds in most but not all"), (0.3, "ab", "does not hold in most"),
     (0.25, "ba", "The ranking holds of")],  # baseline listed first, winning 25%: SLA wins 75% -> "holds in most"
)  # fmt: skip
def test_summary_reads_robustness_share_and_what_could_overturn_it(share, orientation, words):
    summary, differences = _frames((2e5, 1e5, 3e5))
    a, b = ("sla", "separate_targets") if orientation == "ab" else ("separate_targets", "sla")
    s = compare_summary(summary, differences, ["separate_targets", "sla"], "separate_targets", robustness=_robustness(share, a, b))
    sure = " ".join(dict((x.title, x.lines) for x in s.sections)["How sure we are"])
    if orientation == "ba":
        assert "holds in most but not all" in sure and "in 75% [65%, 85%] of 40 sampled points" in sure
        return
    assert words in sure and f"in {share:.0%}" in sure
    assert "It could be overturned where market.inbound_rate > 0.8." in sure


def test_summary_costs_dip_payback_and_validation_misses_that_bear_on_the_question():
    summary, differences = _frames((2e5, 1e5, 3e5))
    cumulative = pd.DataFrame({"scenario": "sla", "quarter": [1, 2, 3, 4], "difference": [-5e4, -8e4, 1e4, 9e4]})
    crossover = pd.DataFrame({"scenario": ["sla"], "sign_change_quarter": [3.0]})
    s = compare_summary(summary, differences, ["separate_targets", "sla"], "separate_targets", validation=VALIDATION,
                        cumulative=cumulative, crossover=crossover)  # fmt: skip
    sections = dict((x.title, " ".join(x.lines)) for x in s.sections)
    assert "SLA: total cost $2.1M [$1.9M, $2.3M]; cost per won deal (CAC) $45K [$40K, $50K]." in sections["What it costs"]
    assert "deepest gap is -$80K in quarter 2; it is ahead for good from quarter 3 (payback)" in sections["What it costs"]
    # two misses, one bears on the outcomes shown (pipeline), the brand-budget one does not
    assert (
        "misses 2 of 3 published targets; those that bear on these outcomes: Pipeline created per SDR per quarter."
        in sections["What the model does not know"]
    )
    assert "brand" not in sections["What the model does not know"]
    # a roadmap: its dip and payback against the design it starts from, as orgsim compare computes them
    payback = pd.DataFrame([{"scenario": "separate_to_sla_q3", "reference": "separate_targets", "switch_quarter": 3, "dip_quarter": 3,
                             "dip": -1.2e5, "dip_ci_low": -2e5, "dip_ci_high": -4e4, "payback_quarter": 6.0,
                             "payback_earliest": 5.0, "payback_latest": float("nan")}])  # fmt: skip
    s = compare_summary(summary, differences, ["separate_targets", "sla"], "separate_targets", payback=payback)
    costs = " ".join(dict((x.title, x.lines) for x in s.sections)["What it costs"])
    assert (
        "Roadmap Separate to SLA q3 (changing in quarter 3) against Separate targets: the transition dip is -$120K [-$200K, -$40K] "
        "in quarter 3; payback in quarter 6 (95% interval: in quarter 5 to not within the horizon)."
    ) in costs


def test_summary_in_the_report_uses_the_folder_robustness_and_validation(six):
    folder, files = six
    html = files.html.read_text(encoding="utf-8")
    summary_html = html.split('id="summary"')[1].split("</section>")[0]
    assert "in 85% [75%, 95%] of 40 sampled points" in summary_html
    assert "Pipeline created per SDR per quarter" in summary_html
    assert "Cumulative bookings dip below Separate targets first" in summary_html  # the synthetic J-curve


# ----------------------------------------------------------------------------- the deck


def test_deck_has_its_slides_titles_and_chart_data_equal_to_the_results(six):
    folder, files = six
    deck = pptx.Presentation(str(files.pptx))
    assert deck.slide_width * 9 == deck.slide_height * 16
    slides = list(deck.slides)
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in slides]
    texts = [" ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in slides]
    assert "Sales and marketing org designs compared" in texts[0] and "Prepared for Acme Corp" in texts[0]
    assert titles[1] == titles[2] == "Outsourced SDRs leads on bookings: +$489K [+$449K, +$529K] against Separate targets."
    assert titles[-1] == "Assumptions and validation status"
    # title, summary, differences, means of bookings, CAC, total cost, friction, J-curve, 4 picture slides, assumptions
    assert len(slides) == 13
    charts = {titles[i]: sh.chart for i, s in enumerate(slides) for sh in s.shapes if sh.has_chart}
    assert len(charts) == 6
    summary = pd.read_csv(folder / "summary.csv")
    differences = pd.read_csv(folder / "differences.csv")
    designs = plots.design_order(summary["scenario"])
    bookings = charts["Outsourced SDRs has the highest mean bookings: $1.5M, clearly better than Separate targets"]
    assert list(bookings.plots[0].categories) == [plots.design_label(d) for d in designs]
    means = summary[summary["outcome"] == "bookings"].set_index("scenario").loc[designs]
    series = bookings.plots[0].series[0]
    assert np.allclose(series.values, means["mean"])
    from simulation.report.pptx import error_bars_of

    minus, plus = error_bars_of(series)
    assert np.allclose(minus, means["mean"] - means["ci_low"]) and np.allclose(plus, means["ci_high"] - means["mean"])
    diff = charts[titles[2]].plots[0].series[0]
    d = differences[differences["outcome"] == "bookings"].set_index("scenario").loc[designs[1:]]
    assert np.allclose(diff.values, d["difference"])
    assert np.allclose(error_bars_of(diff)[1], d["ci_high"] - d["difference"])
    # picture slides carry their data in the notes
    notes = slides[8].notes_slide.notes_text_frame.text
    assert titles[8] == "Demand waterfall" and "leads_created" in notes and "outsourced_sdr" in notes


def test_sweep_deck_and_cli_options(swept, tmp_path, capsys):
    folder, files = swept
    deck = pptx.Presentation(str(files.pptx))
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in deck.slides]
    # title, summary, a native line chart per outcome, the heat maps as pictures, assumptions
    assert files.charts == ["outcomes_vs_parameters", "heatmap_bookings", "heatmap_friction_index", "heatmap_mqls"]
    assert len(titles) == 2 + 3 + 3 + 1 and titles[-1] == "Assumptions and validation status"
    assert titles[1].startswith("Bookings (higher is better): best at")
    assert titles[2] == "Bookings (higher is better): best at Shared revenue in marketers' pay = 100%, SLA first-touch window = 4 h"
    chart = next(sh.chart for sh in deck.slides[2].shapes if sh.has_chart)
    from simulation import load_results
    from simulation.report.pptx import error_bars_of

    runs = load_results(folder)
    means = runs.groupby(["sla.first_touch_hours", "marketing.shared_revenue_weight"])["bookings"].agg(["mean", "std", "count"])
    assert list(chart.plots[0].categories) == ["0%", "50%", "100%"]  # the parameter with more values across
    for series, hours in zip(chart.plots[0].series, (4, 24), strict=True):
        assert series.name == f"SLA first-touch window = {hours} h"
        assert np.allclose(series.values, means.loc[hours]["mean"])
        minus, plus = error_bars_of(series)
        half = means.loc[hours]["std"] / np.sqrt(means.loc[hours]["count"]) * 4.302652729911275  # t(0.975, 2)
        assert np.allclose(plus, half) and np.allclose(minus, half)
    # the command line: title, subtitle, client, a logo, a deck
    from PIL import Image

    Image.new("RGB", (40, 20), "#0b3c5d").save(tmp_path / "logo.png")
    status = main(["report", str(folder), "--out", str(tmp_path / "r.html"), "--pptx", str(tmp_path / "d.pptx"), "--title", "Pay-plan sweep",
                   "--subtitle", "For the board", "--client", "Acme", "--logo", str(tmp_path / "logo.png")])  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0 and "d.pptx" in out
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<h1>Pay-plan sweep</h1>" in html and "For the board" in html and "Prepared for Acme" in html
    assert re.search(r'<img class="logo" src="data:image/png;base64,', html)
    slide = pptx.Presentation(str(tmp_path / "d.pptx")).slides[0]
    assert any(sh.shape_type == 13 for sh in slide.shapes), "the logo is on the title slide"  # 13: picture
    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    assert main(["report", str(folder), "--out", str(tmp_path / "x.html"), "--logo", str(tmp_path / "logo.gif")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "a logo must be one of .png, .jpg, .jpeg, .svg" in err
    assert not (tmp_path / "x.html").exists()


def test_report_outcomes_choose_the_tables_and_the_headline(six, tmp_path):
    folder, _ = six
    files = build_report(folder, out=tmp_path / "r.html", outcomes=["friction_index", "cac"])
    html = files.html.read_text(encoding="utf-8")
    results = html.split('id="results"')[1].split("</section>")[0]
    assert "Friction index" in results and "Cost per won deal" in results and "Pipeline created" not in results
    assert "Outsourced SDRs leads on friction index" in html
    with pytest.raises(OrgsimError, match="--outcomes: nonsense not in these results"):
        build_report(folder, out=tmp_path / "x.html", outcomes=["nonsense"])


# ----------------------------------------------------------------------------- editable, accessible charts


def test_svg_text_stays_text(tmp_path):
    import matplotlib.pyplot as plt
    from test_plots import differences_frame, runs_frame

    every = plots.compare_charts(runs_frame(), differences_frame())
    for chart in every[2:]:  # only two are written (write_figures closes those)
        plt.close(chart.figure)
    paths = plots.write_figures(every[:2], tmp_path, formats=("svg",))
    for path in paths:
        svg = path.read_text(encoding="utf-8")
        assert "<text" in svg and "Demand waterfall by design" in svg or "Difference of each design" in svg
        assert not re.search(r'<path id="DejaVuSans-', svg), f"{path.name}: text drawn as glyph outlines"


def _cvd_distance(a: str, b: str, cvd: str | None) -> float:
    from colorspacious import cspace_convert

    def rgb(h: str) -> np.ndarray:
        h = h.lstrip("#")
        return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)]) / 255

    x, y = rgb(a), rgb(b)
    if cvd:
        space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
        x, y = np.clip(cspace_convert(x, space, "sRGB1"), 0, 1), np.clip(cspace_convert(y, space, "sRGB1"), 0, 1)
    return float(np.linalg.norm(cspace_convert(x, "sRGB1", "CAM02-UCS") - cspace_convert(y, "sRGB1", "CAM02-UCS")))


MIN_DISTANCE = 8.0
"""Smallest CAM02-UCS distance (about 8 just-noticeable steps) two colours that encode different things may have."""


def _table_shades() -> dict[str, str]:
    css = (TEMPLATES / "base.html.j2").read_text(encoding="utf-8")
    return {k: v for k, v in re.findall(r"--(better|worse|neutral):\s*(#[0-9a-fA-F]{6})", css)}


@pytest.mark.parametrize("cvd", ["deuteranomaly", "protanomaly"])
def test_colour_encodings_survive_red_green_colour_blindness(cvd):
    palettes = {
        "preset and custom designs (one comparison may show both)": [*plots.PRESET_COLORS.values(), *plots.FALLBACK_COLORS],
        "speed-to-lead buckets": [c for *_, c in plots.SPEED_BUCKETS],
        "table verdicts (and unshaded)": [*_table_shades().values(), "#ffffff"],
    }
    assert len(palettes["table verdicts (and unshaded)"]) == 4
    for name, colours in palettes.items():
        worst = min(_cvd_distance(a, b, cvd) for a, b in itertools.combinations(colours, 2))
        assert worst >= MIN_DISTANCE, f"{name}: two colours only {worst:.1f} apart under {cvd}"
    # the check would catch the old red/green shading
    assert _cvd_distance("#D9F0D3", "#F6D5D0", "deuteranomaly") < MIN_DISTANCE


def test_significance_is_never_shown_by_colour_alone(six):
    _, files = six
    html = files.html.read_text(encoding="utf-8")
    cells = re.findall(r'<td class="num (better|worse|higher|lower)">(.*?)</td>', html)
    assert cells, "the synthetic comparison resolves differences"
    marks = {"better": "&#9650;", "worse": "&#9660;", "higher": "&#9679;", "lower": "&#9679;"}
    for verdict, body in cells:
        assert marks[verdict] in body or {"better": "\u25b2", "worse": "\u25bc"}.get(verdict, "\u25cf") in body, (verdict, body)


# ----------------------------------------------------------------------------- reports from Python


def test_comparison_save_and_report_match_the_command_line(tmp_path, capsys):
    """What compare(...) returns saves the folder orgsim compare writes, and reports as orgsim report does."""
    from simulation import compare, load_scenario

    small = load_scenario("sla").with_overrides({"name": "small_sla", "market.n_accounts": 2000})
    (tmp_path / "small_sla.yaml").write_text("base: sla\nmarket:\n  n_accounts: 2000\n")
    args = {"replications": 2, "days": 30, "seed": 5}
    result = compare(["separate_targets", small], workers=1, outcomes=["bookings", "cac", "total_cost"], **args)
    result.save(tmp_path / "py")
    status = main(["compare", "separate_targets", str(tmp_path / "small_sla.yaml"), "--replications", "2", "--days", "30", "--seed", "5",
                   "--workers", "1", "--outcomes", "bookings,cac,total_cost", "--out", str(tmp_path / "cli")])  # fmt: skip
    capsys.readouterr()
    assert status == 0

    def listing(root: Path) -> list[str]:
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    assert listing(tmp_path / "py") == listing(tmp_path / "cli")
    for name in ("runs.csv", "summary.csv", "differences.csv", "cumulative.csv"):
        assert (tmp_path / "py" / name).read_text() == (tmp_path / "cli" / name).read_text(), name
    meta_py, meta_cli = (json.loads((tmp_path / f / "meta.json").read_text()) for f in ("py", "cli"))
    assert meta_py == meta_cli and meta_py["outcomes"] == ["bookings", "cac", "total_cost"]
    files = result.report(html=tmp_path / "r.html", pdf=tmp_path / "r.pdf", pptx=tmp_path / "r.pptx", title="From Python")
    assert files.html.exists() and files.pdf.exists() and files.pptx.exists() and files.html.parent == tmp_path
    html = files.html.read_text(encoding="utf-8")
    assert "<h1>From Python</h1>" in html and "Total cost" in html and "Pipeline created" not in html.split('id="results"')[1]


def test_heatmap_is_drawn_in_the_slide_style():
    """parameter_heatmap runs under the charts' rc style (the decorator sat on a helper before)."""
    from test_plots import sweep_frame

    ax = plots.parameter_heatmap(sweep_frame(), "marketing.shared_revenue_weight", "sla.first_touch_hours", "bookings")
    assert ax.title.get_fontweight() == "bold" and ax.title.get_fontsize() == plots.RC["axes.titlesize"]
    assert not ax.spines["top"].get_visible()
