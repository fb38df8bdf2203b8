"""Output writer: every file of SPEC.md's output table, with explicit Arrow schemas.

Rows are written incrementally in row groups (memory stays flat in corpus size) to temporary
files inside the output folder; :meth:`OutputWriter.commit` renames them into place, so a reader
never sees a half-written file. A stage that finds nothing still leaves a typed, empty file.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from . import schema
from .errors import BlamegraphError, Errors

logger = logging.getLogger(__name__)

ERRORS_FILE = "errors.jsonl"
MANIFEST_FILE = "run.json"
# Everything a run may write; --force removes exactly these, never other files of the user.
OWNED = (*schema.OUTPUTS, ERRORS_FILE, MANIFEST_FILE, "report", ".shards")
_TMP_PREFIX = ".tmp-"


def prepare_out_dir(out: Path, force: bool) -> None:
    """Create ``out``; refuse to overwrite a non-empty folder without ``force``."""
    if out.exists() and not out.is_dir():
        raise BlamegraphError(Errors.E007.format(path=out))
    if out.exists() and any(out.iterdir()):
        if not force:
            raise BlamegraphError(Errors.E006.format(path=out))
        for name in OWNED:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        for stale in out.glob(_TMP_PREFIX + "*"):
            stale.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def document_row(doc: schema.Document, n_statements: int) -> dict[str, Any]:
    return {
        "doc_id": doc.doc_id, "status": doc.status, "warnings": list(doc.warnings),
        "text": doc.text, "title": doc.title, "outlet": doc.outlet, "country": doc.country,
        "date": _date(doc.date), "url": doc.url, "lang": doc.lang, "source": doc.source,
        "position": doc.position, "content_hash": doc.content_hash, "n_chars": len(doc.text),
        "n_statements": n_statements,
        "extra": json.dumps(doc.extra, ensure_ascii=False, sort_keys=True, default=str),
    }


class TableWriter:
    """Buffers rows of one output file and flushes them as Parquet row groups."""

    def __init__(self, path: Path, arrow_schema: pa.Schema, row_group_size: int):
        self.path = path
        self.tmp_path = path.with_name(_TMP_PREFIX + path.name)
        self.schema = arrow_schema
        self.row_group_size = row_group_size
        self._rows: list[dict[str, Any]] = []
        self._writer = pq.ParquetWriter(self.tmp_path, arrow_schema, compression="zstd")
        self.n_rows = 0

    def add(self, rows: Iterable[Any]) -> None:
        for row in rows:
            self._rows.append(dataclasses.asdict(row) if dataclasses.is_dataclass(row) else row)
        if len(self._rows) >= self.row_group_size:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        names = self.schema.names
        columns = {name: [row.get(name) for row in self._rows] for name in names}
        table = pa.Table.from_pydict(columns, schema=self.schema)
        self._writer.write_table(table, row_group_size=self.row_group_size)
        self.n_rows += len(self._rows)
        self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def commit(self) -> None:
        os.replace(self.tmp_path, self.path)


class ErrorLog:
    """``errors.jsonl``: one line per quarantined record, with its position and reason."""

    def __init__(self, path: Path):
        self.path = path
        self.tmp_path = path.with_name(_TMP_PREFIX + path.name)
        self._fh = self.tmp_path.open("w", encoding="utf8")
        self.n_rows = 0

    def add(self, item: schema.Quarantined) -> None:
        record = {"source": item.source, "position": item.position, "id": item.record_id,
                  "reason": item.reason, "message": item.message}
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.n_rows += 1

    def close(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()

    def commit(self) -> None:
        os.replace(self.tmp_path, self.path)


class OutputWriter:
    """All output files of one run."""

    def __init__(self, out: Path, row_group_size: int):
        self.out = out
        self.tables = {name: TableWriter(out / name, s, row_group_size)
                       for name, s in schema.OUTPUTS.items()}
        self.errors = ErrorLog(out / ERRORS_FILE)

    def __getitem__(self, name: str) -> TableWriter:
        return self.tables[name]

    def counts(self) -> dict[str, int]:
        counts = {name: w.n_rows for name, w in self.tables.items()}
        counts[ERRORS_FILE] = self.errors.n_rows
        return counts

    def close(self) -> None:
        for writer in (*self.tables.values(), self.errors):
            writer.close()

    def commit(self) -> None:
        for writer in (*self.tables.values(), self.errors):
            writer.commit()

    def abort(self) -> None:
        """Remove temporary files after a failure; committed files are left alone."""
        for writer in (*self.tables.values(), self.errors):
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - best effort clean-up after the real error
                logger.debug("closing %s failed during abort", writer.tmp_path)
            if writer.tmp_path.exists():
                writer.tmp_path.unlink()

