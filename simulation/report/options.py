"""What a reader may set on a report: its title, subtitle, client, logo, the outcomes shown,
and the robustness and validation results the executive summary draws on."""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import OrgsimError

LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class ReportOptions:
    """``None`` keeps the report's default (a title from the kind of folder, no client, no logo, ...).

    ``robustness`` / ``validation``: a ``robustness.json`` / ``validation.json`` file, or the
    folder ``orgsim robustness`` / ``orgsim validate`` wrote; by default the results folder's own,
    if it has one.
    """

    title: str | None = None
    subtitle: str | None = None
    client: str | None = None
    logo: Path | str | None = None
    outcomes: Sequence[str] | None = None
    robustness: Path | str | None = None
    validation: Path | str | None = None

    def logo_data_uri(self) -> str | None:
        """The logo embedded as a data URI (PNG, JPEG or SVG); :class:`OrgsimError` for another file."""
        if self.logo is None:
            return None
        path = Path(self.logo)
        if not path.is_file():
            raise OrgsimError(f"{path}: no such logo file")
        kind = LOGO_TYPES.get(path.suffix.lower())
        if kind is None:
            allowed = ", ".join(LOGO_TYPES)
            raise OrgsimError(
                f"{path}: a logo must be one of {allowed} (got {mimetypes.guess_type(path.name)[0] or path.suffix or 'no extension'})"
            )
        return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
