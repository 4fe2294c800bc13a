"""The results store of a sweep: a folder of Parquet files that loses nothing.

Layout of a results folder::

    OUT/
      manifest.json         the spec (as written and resolved), its hash, seeds, counts, invocations
      points.parquet        one row per design point: point, then each parameter's value
      design.parquet        the raw design matrix (what SALib's analysers take as X)
      schema.parquet        an empty table: the columns and types of every run row
      runs/<run_id>.parquet one row per finished run (a result or a failure)
      daily/<run_id>.parquet the run's daily series (only with timeseries=True)

Each run is written as soon as it finishes, into a temporary file beside its final name
that is then renamed (``os.replace`` is atomic on POSIX and Windows), so a sweep killed at
any moment leaves only whole files; leftover temporary files start with a dot and are
ignored by readers (pyarrow, DuckDB, Spark skip hidden files) and removed on resume. One
file per run id makes "every run exactly once" a property of the layout: a run written
twice replaces itself. The daily series is written before the run row, so a run row always
has its series.

``runs/`` is a Parquet dataset: every file has the columns of ``schema.parquet`` (failure
rows leave the outcomes empty), so ``pyarrow.dataset.dataset(OUT / "runs")`` or DuckDB's
``read_parquet('OUT/runs/*.parquet')`` read it directly. :func:`load_results` is the
Python way: one frame sorted by point and replication.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..errors import OrgsimError

MANIFEST = "manifest.json"
RUNS = "runs"
DAILY = "daily"
STORE_FORMAT = 1

ID_COLUMNS = ("run_id", "point", "replication", "seed")
STATUS_COLUMNS = ("status", "error", "traceback")
OK, FAILED = "ok", "failed"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _arrow_type(value: Any) -> pa.DataType:
    if isinstance(value, bool | np.bool_):
        return pa.bool_()
    if isinstance(value, int | np.integer):
        return pa.int64()
    if isinstance(value, float | np.floating) or value is None:
        return pa.float64()
    return pa.string()


def row_schema(parameters: Mapping[str, Any], outcomes: Mapping[str, Any]) -> pa.Schema:
    """The columns of a run row: ids, parameters, status, then the run's outcome columns.

    Types come from an example point (``parameters``) and an example summary row
    (``outcomes``); every column is nullable, so a failure row fits the same schema.
    """
    fields = [
        pa.field("run_id", pa.string()),
        pa.field("point", pa.int64()),
        pa.field("replication", pa.int64()),
        pa.field("seed", pa.int64()),
    ]
    fields += [pa.field(name, _arrow_type(value)) for name, value in parameters.items()]
    fields += [pa.field("status", pa.string()), pa.field("error", pa.string()), pa.field("traceback", pa.string())]
    taken = {f.name for f in fields}
    fields += [pa.field(name, _arrow_type(value)) for name, value in outcomes.items() if name not in taken]
    return pa.schema(fields)


def _write_atomic(path: Path, write: Any) -> None:
    """Write a file under a hidden temporary name, flush it to disk, then rename it into place."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    _write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8"))


class ResultsStore:
    """A sweep's results folder (see the module docstring for the layout).

    Create one with :meth:`create` (refuses a folder that exists and is not empty) or open
    an existing one with :meth:`open`. While a sweep writes into it, hold :meth:`lock` so a
    second sweep cannot write into the same folder at the same time.
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock_file = None

    # ----------------------------------------------------------------- creating and opening

    @classmethod
    def create(cls, root: Path, manifest: Mapping[str, Any], points: pd.DataFrame, design: pd.DataFrame, schema: pa.Schema) -> ResultsStore:
        root = Path(root)
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            hint = " (continue it with --resume)" if (root / MANIFEST).exists() else ""
            raise OrgsimError(f"{root}: output folder exists and is not empty{hint}; choose another --out")
        (root / RUNS).mkdir(parents=True, exist_ok=True)
        store = cls(root)
        _write_atomic(root / "schema.parquet", lambda tmp: pq.write_table(schema.empty_table(), tmp))
        _write_atomic(root / "points.parquet", lambda tmp: points.to_parquet(tmp, index=False))
        _write_atomic(root / "design.parquet", lambda tmp: design.to_parquet(tmp, index=False))
        # The manifest goes last: a folder with a manifest is a complete, resumable store.
        _write_json(root / MANIFEST, {**manifest, "store_format": STORE_FORMAT, "created": _now()})
        return store

    @classmethod
    def open(cls, root: Path) -> ResultsStore:
        root = Path(root)
        if not root.is_dir():
            raise OrgsimError(f"{root}: no such results folder")
        if not (root / MANIFEST).is_file():
            raise OrgsimError(f"{root}: not a sweep results folder (no {MANIFEST})")
        return cls(root)

    @property
    def manifest(self) -> dict[str, Any]:
        try:
            return json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise OrgsimError(f"{self.root / MANIFEST}: unreadable manifest ({exc})") from None

    def update_manifest(self, **changes: Any) -> None:
        _write_json(self.root / MANIFEST, {**self.manifest, **changes})

    @property
    def schema(self) -> pa.Schema:
        try:
            return pq.read_schema(self.root / "schema.parquet")
        except (OSError, pa.ArrowException) as exc:
            reason = "missing" if not (self.root / "schema.parquet").exists() else f"unreadable ({_first_line(exc)})"
            raise OrgsimError(
                f"{self.root / 'schema.parquet'}: {reason}; the folder is damaged; resuming the sweep "
                f"(orgsim sweep SPEC --out {self.root} --resume) writes it again"
            ) from None

    def repair_schema(self, schema: pa.Schema) -> bool:
        """Write ``schema.parquet`` again when it is missing or unreadable (resume); True if it was."""
        try:
            pq.read_schema(self.root / "schema.parquet")
            return False
        except (OSError, pa.ArrowException):
            _write_atomic(self.root / "schema.parquet", lambda tmp: pq.write_table(schema.empty_table(), tmp))
            return True

    @staticmethod
    def clear_half_created(root: Path) -> None:
        """Remove what a sweep killed before its manifest was written left (no run is stored there)."""
        root = Path(root)
        for path in root.iterdir():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()

    def lock(self) -> None:
        """Take an exclusive lock on the folder for this process (released on exit or kill)."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover -- Windows: no advisory locks; single writer assumed
            return
        fh = open(self.root / ".lock", "a+")  # noqa: SIM115 -- held open for the lock's lifetime
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise OrgsimError(f"{self.root}: another sweep is writing into this folder right now") from None
        self._lock_file = fh

    def unlock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def remove_temporary_files(self) -> int:
        """Delete half-written files a killed sweep left behind (call while holding the lock)."""
        removed = 0
        for folder in (self.root / RUNS, self.root / DAILY):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp"):
                    tmp.unlink(missing_ok=True)
                    removed += 1
        return removed

    # ----------------------------------------------------------------- runs

    def run_path(self, run_id: str) -> Path:
        return self.root / RUNS / f"{run_id}.parquet"

    def run_files(self) -> list[Path]:
        """The readable run files; an empty or corrupt one is left out with a warning (resume runs it again)."""
        return readable_files(sorted((self.root / RUNS).glob("[!.]*.parquet")), "run")

    def stored_runs(self) -> dict[str, str]:
        """``{run_id: status}`` of every readable run row in the store."""
        files = self.run_files()
        if not files:
            return {}
        table = ds.dataset([str(f) for f in files], format="parquet", schema=self.schema).to_table(columns=["run_id", "status"])
        return dict(zip(table.column("run_id").to_pylist(), table.column("status").to_pylist(), strict=True))

    def write_run(self, row: Mapping[str, Any], daily: pd.DataFrame | None = None, schema: pa.Schema | None = None) -> None:
        """Store one finished run: its daily series first (if any), then its row."""
        run_id = str(row["run_id"])
        if daily is not None:
            (self.root / DAILY).mkdir(exist_ok=True)
            _write_atomic(self.root / DAILY / f"{run_id}.parquet", lambda tmp: daily.to_parquet(tmp, index=False))
        table = pa.Table.from_pylist([dict(row)], schema=schema or self.schema)
        _write_atomic(self.run_path(run_id), lambda tmp: pq.write_table(table, tmp))


# --------------------------------------------------------------------------- reading


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def readable_files(files: list[Path], what: str) -> list[Path]:
    """``files`` without those that are not whole Parquet files (empty, truncated, corrupt), each named in a warning."""
    good = []
    for path in files:
        try:
            if pq.read_metadata(path).num_rows < 1 and what == "run":
                raise ValueError("no row in it")
        except (OSError, ValueError, pa.ArrowException) as exc:
            warnings.warn(
                f"{path}: unreadable {what} file, skipped ({_first_line(exc)}); "
                "orgsim sweep ... --resume runs it again",
                stacklevel=3,
            )
            continue
        good.append(path)
    return good


def rows_to_frame(rows: list[Mapping[str, Any]], schema: pa.Schema) -> pd.DataFrame:
    """Run rows as a frame with the store's column types, sorted by point and replication."""
    table = pa.Table.from_pylist([dict(r) for r in rows], schema=schema)
    return _sorted(table.to_pandas())


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)


def load_manifest(out: str | Path) -> dict[str, Any]:
    """The manifest of a results folder (the spec, its hash, seeds, counts, invocations)."""
    return ResultsStore.open(Path(out)).manifest


def load_results(out: str | Path, status: str | None = None) -> pd.DataFrame:
    """Every stored run row of a results folder as one frame, sorted by point and replication.

    Args:
        out: the results folder.
        status: keep only ``"ok"`` rows or only ``"failed"`` rows (default: all).
    """
    store = ResultsStore.open(Path(out))
    schema = store.schema
    files = store.run_files()
    if not files:
        return schema.empty_table().to_pandas()
    frame = _sorted(ds.dataset([str(f) for f in files], format="parquet", schema=schema).to_table().to_pandas())
    if status is not None:
        frame = frame[frame["status"] == status].reset_index(drop=True)
    return frame


def load_points(out: str | Path) -> pd.DataFrame:
    """The design points of a results folder: ``point`` and each parameter's value."""
    store = ResultsStore.open(Path(out))
    return pd.read_parquet(store.root / "points.parquet")


def load_design(out: str | Path) -> pd.DataFrame:
    """The raw design matrix (design-space coordinates) of a results folder, one row per point."""
    store = ResultsStore.open(Path(out))
    return pd.read_parquet(store.root / "design.parquet")


def load_daily(out: str | Path) -> pd.DataFrame:
    """The daily series of every stored run (sweeps run with ``timeseries=True``)."""
    store = ResultsStore.open(Path(out))
    files = sorted((store.root / DAILY).glob("[!.]*.parquet")) if (store.root / DAILY).is_dir() else []
    files = readable_files(files, "daily series")
    if not files:
        raise OrgsimError(f"{store.root}: no daily series stored (run the sweep with --timeseries)")
    frame = ds.dataset([str(f) for f in files], format="parquet").to_table().to_pandas()
    return frame.sort_values(["point", "replication", "day"], kind="stable").reset_index(drop=True)
