"""Read a results folder (what ``orgsim compare`` or ``orgsim sweep`` wrote) for a report.

A missing or wrong folder is an :class:`~simulation.errors.OrgsimError`: one line at the
command line, exit status 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import OrgsimError


@dataclass
class ResultsFolder:
    """A results folder as read from disk: its kind, its metadata and its frames.

    ``meta`` is ``meta.json`` for a compare folder and ``manifest.json`` for a sweep.
    """

    path: Path
    kind: str
    meta: dict[str, Any]
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


def _read_frame(folder: Path, name: str) -> pd.DataFrame | None:
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    try:
        if parquet.exists():
            return pd.read_parquet(parquet)
        if csv.exists():
            return pd.read_csv(csv)
    except Exception as exc:  # a damaged file is the user's problem to fix, not a traceback
        raise OrgsimError(f"{folder}: cannot read {name} ({type(exc).__name__}: {exc})") from None
    return None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OrgsimError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise OrgsimError(f"{path}: expected a JSON object")
    return data


def load_results_folder(folder: Path | str) -> ResultsFolder:
    """Read a compare or sweep results folder, with its metadata, for a report; :class:`OrgsimError` if it is neither.

    Not to be confused with :func:`simulation.load_results`, which returns a sweep's run rows
    as one data frame.
    """
    folder = Path(folder)
    if not folder.exists():
        raise OrgsimError(f"{folder}: no such results folder")
    if not folder.is_dir():
        raise OrgsimError(f"{folder}: not a folder; pass the folder orgsim compare or orgsim sweep wrote")
    if (folder / "manifest.json").exists():
        return _load_sweep(folder)
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        raise OrgsimError(f"{folder}: not an orgsim compare or sweep folder (no meta.json or manifest.json)")
    meta = _read_json(meta_path)
    kind = meta.get("command")
    if kind != "compare":
        written = f"this one was written by orgsim {kind}" if isinstance(kind, str) and kind else "its meta.json names no orgsim command"
        raise OrgsimError(f"{folder}: a report needs a compare or sweep folder; {written}")
    results = ResultsFolder(folder, "compare", meta)
    for name in ("runs", "summary", "differences", "daily", "roadmap_quarterly", "payback"):
        frame = _read_frame(folder, name)
        if frame is not None:
            results.frames[name] = frame
        elif name in ("runs", "summary", "differences"):
            raise OrgsimError(f"{folder}: {name}.parquet / {name}.csv missing; was the folder written completely?")
    for name in ("cumulative", "crossover"):  # quarterly cumulative bookings against the baseline (the J-curve)
        frame = _read_frame(folder, name)
        if frame is not None:
            results.frames[name] = frame
    if "scenario" not in results.frames["runs"].columns:
        raise OrgsimError(f"{folder}: runs has no scenario column; not a compare folder")
    return results


def _load_sweep(folder: Path) -> ResultsFolder:
    from ..experiments import store

    manifest = _read_json(folder / "manifest.json")
    if manifest.get("kind") != "orgsim sweep":
        raise OrgsimError(f"{folder}/manifest.json: not an orgsim sweep manifest")
    runs = store.load_results(folder)
    if runs.empty:
        raise OrgsimError(f"{folder}: no runs stored yet; run or resume the sweep first")
    results = ResultsFolder(folder, "sweep", manifest, {"runs": runs})
    indices = _read_frame(folder, "sensitivity")
    if indices is not None:
        results.frames["sensitivity"] = indices
    return results
