"""The PDF report: the HTML report printed by WeasyPrint.

There is one layout, the Jinja2 HTML with its print stylesheet (``@page`` A4 landscape,
``@media print`` in ``templates/base.html.j2``); this module only prints it. WeasyPrint lays
out text and tables itself (wrapping cells, repeating table headers, never splitting a row
or a chart across pages), so nothing is placed by hand.

WeasyPrint is an optional dependency (``pip install "orgsim[report]"``); it needs Pango from
the operating system (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import OrgsimError

MISSING = 'PDF output needs WeasyPrint: pip install "orgsim[report]" (and Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0)'


def _weasyprint():
    try:
        import weasyprint
    except ImportError:
        raise OrgsimError(MISSING) from None
    except OSError as exc:  # the Python package is there, Pango is not
        raise OrgsimError(f"{MISSING} ({exc})") from None
    return weasyprint


def check_available() -> None:
    """:class:`OrgsimError` (one line naming the extra) when the PDF cannot be printed here."""
    _weasyprint()


def write_pdf(path: Path, html: str) -> None:
    """Print ``html`` (a self-contained report: images as data URIs) to the PDF file ``path``."""
    weasyprint = _weasyprint()
    import logging

    # WeasyPrint logs every CSS property it ignores (e.g. the screen-only ``overflow-x``) as a warning.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    weasyprint.HTML(string=html, base_url=None).write_pdf(Path(path), pdf_variant=None, uncompressed_pdf=False)
