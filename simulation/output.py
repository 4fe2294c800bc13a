"""Writing results folders: never silently overwrite, write completely or not at all."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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


def check_writable_dir(out: Path) -> None:
    """Refuse an output folder that cannot be created or written, before any simulation runs.

    The folder (and any missing parents) is created, a probe file written and removed in it,
    then everything this check created is removed again: a path under ``/proc``, below a
    file, in a read-only place or with an over-long name fails here, not after the work.
    """
    out = Path(out)
    created: list[Path] = []
    missing = [p for p in [out, *out.parents] if not p.exists()]
    try:
        for folder in reversed(missing):
            folder.mkdir()
            created.append(folder)
        if not out.is_dir():
            raise OrgsimError(f"{out}: not a folder; choose another --out")
        fd, probe = tempfile.mkstemp(prefix=".orgsim-probe-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        where = f"{exc.filename}: " if exc.filename and str(exc.filename) != str(out) else ""
        raise OrgsimError(f"{out}: cannot write results there ({where}{reason}); choose another --out") from None
    finally:
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                pass


def check_writable_file(path: Path, what: str = "file") -> None:
    """Refuse a file that cannot be written (probe: create it, or its temporary sibling, and remove it).

    Only a file whose folder exists is probed; a missing folder is left to the caller's own message.
    """
    path = Path(path)
    if not path.parent.is_dir() or path.is_dir():
        return
    try:
        if path.exists():
            if not os.access(path, os.W_OK):
                raise PermissionError(13, "Permission denied", str(path))
        else:
            with open(path, "x"):
                pass
            path.unlink()
        fd, probe = tempfile.mkstemp(prefix=f".{path.name[:200]}-", dir=path.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OrgsimError(f"{path}: cannot write the {what} there ({reason}); choose another name") from None


@contextmanager
def atomic_folder(out: Path) -> Iterator[Path]:
    """Build a results folder in a temporary folder beside ``out`` and rename it to ``out`` at
    the end, so an interrupted write leaves nothing half-written (``out`` must be new or empty:
    :func:`check_out_dir`). The folder gets the umask's permissions, not mkdtemp's private 0700."""
    check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    try:
        yield tmp
        if out.exists():
            out.rmdir()  # empty (checked above)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_results(out: Path, frames: Mapping[str, pd.DataFrame], meta: Mapping[str, object]) -> list[Path]:
    """Write each frame as CSV and Parquet plus ``meta.json``, atomically.

    Files are written into a temporary folder beside ``out`` which is then renamed, so an
    interrupted write leaves no half-written results folder.
    """
    with atomic_folder(out) as tmp:
        for name, frame in frames.items():
            frame.to_csv(tmp / f"{name}.csv", index=False)
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
    return sorted(out.iterdir())
