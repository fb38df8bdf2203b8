"""Shards: the unit of work, of commit and of ``--resume`` in ``blamegraph run``.

Shard ``k`` holds input records ``k * shard_size`` to ``(k + 1) * shard_size - 1`` in read order
(documents and quarantined records alike), so the split depends only on the input and
``run.shard_size``. Every engine (serial, a process pool, Ray actors) processes a shard with the
same function, and the classifiers batch statements within a shard only, so a shard's rows do
not depend on which engine, process or order processed it.

A processed shard is written to ``OUT/.shards/<k>.tmp-<unique>/`` and renamed to
``OUT/.shards/<k>/`` (an atomic rename within one filesystem): a shard folder is complete or
absent, never half-written. ``OUT/.shards/plan.json`` records what the shards were computed from
(config, input and model checksums, shard size); ``--resume`` refuses to mix shards of another
plan. Once every shard is complete, :func:`merge` streams them, in shard order and row group by
row group, into the final files of ``shared/SPEC.md``.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from . import schema
from .errors import BlamegraphError, Errors
from .schema import Document, Quarantined

logger = logging.getLogger(__name__)

SHARDS_DIR = ".shards"
PLAN_FILE = "plan.json"
SHARD_FILE = "shard.json"
INPUT_FILE = "input.parquet"
ERRORS_FILE = "errors.jsonl"
# The per-document outputs; aggregates and divergence are computed from the merged files.
PARTS = ("documents.parquet", "statements.parquet", "entities.parquet", "stance.parquet",
         "blame.parquet")
_TMP_MARK = ".tmp-"
_FINAL_TMP_PREFIX = ".tmp-"  # as pipeline/output.py: --force and --resume remove these

# Normalized documents handed to a worker in another process or on another node (Ray).
SHARD_INPUT = pa.schema([
    ("record_index", pa.int64()), ("doc_id", pa.string()), ("text", pa.string()),
    ("source", pa.string()), ("position", pa.int64()), ("title", pa.string()),
    ("date", pa.string()), ("outlet", pa.string()), ("country", pa.string()),
    ("url", pa.string()), ("lang", pa.string()), ("extra", pa.string()),
    ("warnings", pa.list_(pa.string())), ("content_hash", pa.string()),
    ("chunks", pa.list_(pa.list_(pa.int64()))),
])


@dataclass
class Shard:
    """Records of one shard: ``(record_index, item)`` with the 0-based index in read order."""

    index: int
    items: list[tuple[int, Document | Quarantined]]

    @property
    def n_documents(self) -> int:
        return sum(isinstance(item, Document) for _, item in self.items)


@dataclass
class ShardOutput:
    """Everything a processed shard writes: rows per part, quarantined records, a summary."""

    index: int
    rows: dict[str, list[dict[str, Any]]]
    errors: list[dict[str, Any]]  # errors.jsonl records, in record order
    summary: dict[str, Any] = field(default_factory=dict)


def plan_shards(items: Iterable[Document | Quarantined], shard_size: int) -> Iterator[Shard]:
    """Cut a stream of ingest items into shards of ``shard_size`` records, in read order.

    >>> q = [Quarantined("f", i, "bad_json", "m") for i in range(5)]
    >>> [(s.index, [i for i, _ in s.items]) for s in plan_shards(q, 2)]
    [(0, [0, 1]), (1, [2, 3]), (2, [4])]
    """
    buffer: list[tuple[int, Document | Quarantined]] = []
    k = 0
    for i, item in enumerate(items):
        buffer.append((i, item))
        if len(buffer) == shard_size:
            yield Shard(k, buffer)
            k, buffer = k + 1, []
    if buffer:
        yield Shard(k, buffer)


def error_record(item: Quarantined) -> dict[str, Any]:
    """One line of ``errors.jsonl``."""
    return {"source": item.source, "position": item.position, "id": item.record_id,
            "reason": item.reason, "message": item.message}


# --- writing -----------------------------------------------------------------------------------
def _write_table(rows: list[dict[str, Any]], path: Path, arrow_schema: pa.Schema) -> None:
    names = arrow_schema.names
    table = pa.Table.from_pydict({n: [row.get(n) for row in rows] for n in names},
                                 schema=arrow_schema)
    with pq.ParquetWriter(path, arrow_schema, compression="zstd") as writer:
        writer.write_table(table)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ShardStore:
    """The ``OUT/.shards`` folder: the plan, complete shards, and shard inputs for Ray."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.root = self.out / SHARDS_DIR

    def path(self, k: int) -> Path:
        return self.root / f"{k:06d}"

    def input_path(self, k: int) -> Path:
        return self.root / "inputs" / f"{k:06d}.parquet"

    def is_complete(self, k: int) -> bool:
        return (self.path(k) / SHARD_FILE).is_file()

    def summary(self, k: int) -> dict[str, Any]:
        return json.loads((self.path(k) / SHARD_FILE).read_text(encoding="utf8"))

    # --- the plan
    @property
    def plan_path(self) -> Path:
        return self.root / PLAN_FILE

    def read_plan(self) -> dict[str, Any] | None:
        if not self.plan_path.is_file():
            return None
        return json.loads(self.plan_path.read_text(encoding="utf8"))

    def write_plan(self, plan: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / (_TMP_MARK + PLAN_FILE)
        tmp.write_text(json.dumps(plan, indent=2, sort_keys=True) + "\n", encoding="utf8")
        _fsync(tmp)
        os.replace(tmp, self.plan_path)

    def remove_partial(self) -> int:
        """Delete what an interrupted attempt left half-written: shard folders that were never
        renamed into place and temporary final files. Returns how many were removed."""
        n = 0
        if self.root.is_dir():
            for stale in self.root.glob(f"*{_TMP_MARK}*"):
                shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink()
                n += 1
        for stale in self.out.glob(_FINAL_TMP_PREFIX + "*"):
            stale.unlink()
            n += 1
        return n

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # --- one shard
    def commit(self, output: ShardOutput) -> None:
        """Write a shard's files and rename its folder into place (atomic).

        A write error (a full disk) removes the partial folder and raises E054; shards
        committed earlier stay. Committing a shard that is already complete (a retried task)
        keeps the first copy: both are identical.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.path(output.index)
        tmp = self.root / f"{final.name}{_TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            tmp.mkdir()
            for name in PARTS:
                _write_table(output.rows.get(name, []), tmp / name, schema.OUTPUTS[name])
            with (tmp / ERRORS_FILE).open("w", encoding="utf8") as fh:
                for record in output.errors:
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            (tmp / SHARD_FILE).write_text(json.dumps(output.summary, indent=1, sort_keys=True)
                                          + "\n", encoding="utf8")
            for file in tmp.iterdir():
                _fsync(file)
            _fsync(tmp)
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            raise BlamegraphError(Errors.E054.format(path=tmp, detail=e)) from e
        try:
            os.rename(tmp, final)
        except OSError:
            if not self.is_complete(output.index):
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            logger.info("shard %d was already complete; keeping the first copy", output.index)
            shutil.rmtree(tmp, ignore_errors=True)
        _fsync(self.root)

    def write_input(self, shard: Shard) -> None:
        """Write a shard's items for a worker elsewhere (Ray): documents as Parquet, quarantined
        records as JSON Lines; atomic, like a shard."""
        path = self.input_path(shard.index)
        path.parent.mkdir(parents=True, exist_ok=True)
        rows, errors = [], []
        for i, item in shard.items:
            if isinstance(item, Document):
                row = dataclasses.asdict(item)
                row["extra"] = json.dumps(item.extra, ensure_ascii=False, sort_keys=True)
                row["chunks"] = [list(c) for c in item.chunks]
                row["record_index"] = i
                rows.append(row)
            else:
                errors.append({"record_index": i, **dataclasses.asdict(item)})
        tmp = path.with_name(path.name + _TMP_MARK + uuid.uuid4().hex[:8])
        try:
            _write_table(rows, tmp, SHARD_INPUT)
            quarantined = path.with_suffix(".jsonl")
            qtmp = quarantined.with_name(quarantined.name + _TMP_MARK)
            qtmp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors),
                            encoding="utf8")
            os.replace(qtmp, quarantined)
            os.replace(tmp, path)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise BlamegraphError(Errors.E054.format(path=path, detail=e)) from e

    def read_input(self, k: int) -> Shard:
        path = self.input_path(k)
        items: list[tuple[int, Document | Quarantined]] = []
        for row in pq.read_table(path).to_pylist():
            i = row.pop("record_index")
            row["extra"] = json.loads(row["extra"])
            row["chunks"] = [tuple(c) for c in row["chunks"]]
            items.append((i, Document(**row)))
        for line in path.with_suffix(".jsonl").read_text(encoding="utf8").splitlines():
            record = json.loads(line)
            i = record.pop("record_index")
            items.append((i, Quarantined(**record)))
        return Shard(k, sorted(items, key=lambda pair: pair[0]))

    # --- the final files
    def merge(self, n_shards: int, row_group_size: int) -> dict[str, int]:
        """Stream every shard, in shard order, into the final files (temporary names first,
        renamed into place once all are written). Returns rows per file."""
        counts: dict[str, int] = {}
        tmps: list[Path] = []
        try:
            for name in PARTS:
                tmp = self.out / (_FINAL_TMP_PREFIX + name)
                tmps.append(tmp)
                counts[name] = _merge_parquet([self.path(k) / name for k in range(n_shards)],
                                              tmp, schema.OUTPUTS[name], row_group_size)
            tmp = self.out / (_FINAL_TMP_PREFIX + ERRORS_FILE)
            tmps.append(tmp)
            n_errors = 0
            with tmp.open("wb") as dst:
                for k in range(n_shards):
                    with (self.path(k) / ERRORS_FILE).open("rb") as src:
                        for line in src:
                            dst.write(line)
                            n_errors += 1
                dst.flush()
                os.fsync(dst.fileno())
            counts[ERRORS_FILE] = n_errors
        except OSError as e:
            for tmp in tmps:
                tmp.unlink(missing_ok=True)
            raise BlamegraphError(Errors.E054.format(path=tmps[-1], detail=e)) from e
        except BaseException:
            for tmp in tmps:
                tmp.unlink(missing_ok=True)
            raise
        for tmp in tmps:
            os.replace(tmp, tmp.with_name(tmp.name[len(_FINAL_TMP_PREFIX):]))
        _fsync(self.out)
        return counts


def _merge_parquet(sources: list[Path], dest: Path, arrow_schema: pa.Schema,
                   row_group_size: int) -> int:
    """Concatenate Parquet files into ``dest`` in row groups of ``row_group_size`` rows
    (memory: one row group), so the file does not depend on how rows were sharded."""
    n_rows = 0
    pending: list[pa.RecordBatch] = []
    n_pending = 0
    with pq.ParquetWriter(dest, arrow_schema, compression="zstd") as writer:
        def flush(limit: int) -> None:
            nonlocal pending, n_pending
            table = pa.Table.from_batches(pending, schema=arrow_schema)
            while table.num_rows >= limit and table.num_rows:
                writer.write_table(table.slice(0, row_group_size), row_group_size=row_group_size)
                table = table.slice(row_group_size)
            pending = table.to_batches()
            n_pending = table.num_rows

        for source in sources:
            with pq.ParquetFile(source) as pf:
                for batch in pf.iter_batches(batch_size=row_group_size):
                    pending.append(batch.cast(arrow_schema) if batch.schema != arrow_schema
                                   else batch)
                    n_pending += batch.num_rows
                    n_rows += batch.num_rows
                    if n_pending >= row_group_size:
                        flush(row_group_size)
        if n_pending:
            flush(1)
    _fsync(dest)
    return n_rows
