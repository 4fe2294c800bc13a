"""Writing results folders: never silently overwrite, write completely or not at all."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import pandas as pd

from .errors import OrgsimError


def default_out(prefix: str) -> Path:
    """A fresh folder name under ``runs/`` (timestamped, so nothing is overwritten)."""
    return Path("runs") / f"{prefix}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def check_out_dir(out: Path) -> None:
    """Refuse an existing, non-empty output folder (checked before any simulation runs)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OrgsimError(f"{out}: output folder exists and is not empty; choose another --out (nothing is overwritten)")


def write_results(out: Path, frames: Mapping[str, pd.DataFrame], meta: Mapping[str, object]) -> list[Path]:
    """Write each frame as CSV and Parquet plus ``meta.json``, atomically.

    Files are written into a temporary folder beside ``out`` which is then renamed, so an
    interrupted write leaves no half-written results folder.
    """
    check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for name, frame in frames.items():
            frame.to_csv(tmp / f"{name}.csv", index=False)
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
        if out.exists():
            out.rmdir()  # empty (checked above)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(out.iterdir())
