"""Typed records passed between stages, and the explicit Arrow schema of every output file.

The columns are the contract of ``shared/SPEC.md``; they are stable once published. Offsets are
character offsets into the normalized document text stored in ``documents.parquet``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa


@dataclass
class Document:
    """One usable input record after normalization and validation."""

    doc_id: str
    text: str  # normalized text; every offset in every output points into this string
    source: str  # input file the record came from
    position: int  # 1-based record number (line for JSONL, row for CSV/Parquet) in ``source``
    title: str | None = None
    date: str | None = None  # ISO 8601 date (YYYY-MM-DD) or None when missing or unparseable
    outlet: str | None = None
    country: str | None = None  # side code of the outlet (UNKNOWN when not given or unknown)
    url: str | None = None
    lang: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other input fields, carried through
    warnings: list[str] = field(default_factory=list)
    content_hash: str = ""
    chunks: list[tuple[int, int]] = field(default_factory=list)  # processing chunks (start, end)

    @property
    def status(self) -> str:
        return "partial" if self.warnings else "ok"


@dataclass
class Quarantined:
    """A record that could not be used; written to ``errors.jsonl``."""

    source: str
    position: int
    reason: str  # one of errors.Reasons
    message: str
    record_id: str | None = None


@dataclass
class Statement:
    doc_id: str
    statement_id: str  # f"{doc_id}:{index}"
    kind: str  # direct | indirect | mixed | author
    cue: str | None
    text: str
    start: int
    end: int
    speaker: str  # canonical speaker name
    speaker_text: str | None
    speaker_start: int | None
    speaker_end: int | None
    speaker_role: str
    speaker_side: str
    side_evidence: str = ""  # which rule decided speaker_side
    issue: str = "other"
    construction: str = ""  # how it was found (e.g. quote_split, according_to, participial)
    warnings: str = ""


@dataclass
class Entity:
    doc_id: str
    text: str
    label: str
    start: int
    end: int
    actor: str | None
    side: str


@dataclass
class StanceRow:
    doc_id: str
    statement_id: str
    target_side: str
    stance: str
    confidence: float


@dataclass
class BlameEdge:
    doc_id: str
    statement_id: str
    blamer: str
    blamer_side: str
    blamed: str
    blamed_side: str
    issue: str
    confidence: float
    evidence: str
    start: int
    end: int


_str, _int, _f64 = pa.string(), pa.int64(), pa.float64()

DOCUMENTS = pa.schema([
    ("doc_id", _str), ("status", _str), ("warnings", pa.list_(_str)), ("text", _str),
    ("title", _str), ("outlet", _str), ("country", _str), ("date", pa.date32()), ("url", _str),
    ("lang", _str), ("source", _str), ("position", _int), ("content_hash", _str),
    ("n_chars", _int), ("n_statements", _int), ("extra", _str),
])
STATEMENTS = pa.schema([
    ("doc_id", _str), ("statement_id", _str), ("kind", _str), ("cue", _str), ("text", _str),
    ("start", _int), ("end", _int), ("speaker", _str), ("speaker_text", _str),
    ("speaker_start", _int), ("speaker_end", _int), ("speaker_role", _str),
    ("speaker_side", _str), ("side_evidence", _str), ("issue", _str), ("construction", _str),
    ("warnings", _str),
])
ENTITIES = pa.schema([
    ("doc_id", _str), ("text", _str), ("label", _str), ("start", _int), ("end", _int),
    ("actor", _str), ("side", _str),
])
STANCE = pa.schema([
    ("doc_id", _str), ("statement_id", _str), ("target_side", _str), ("stance", _str),
    ("confidence", _f64),
])
BLAME = pa.schema([
    ("doc_id", _str), ("statement_id", _str), ("blamer", _str), ("blamer_side", _str),
    ("blamed", _str), ("blamed_side", _str), ("issue", _str), ("confidence", _f64),
    ("evidence", _str), ("start", _int), ("end", _int),
])
# One row per measure × grouping × group × period × cell; see pipeline/aggregate.py and
# docs/divergence.md for what each measure counts and how ``share`` = n / n_total is defined.
AGGREGATES = pa.schema([
    ("measure", _str), ("group_by", _str), ("group_value", _str), ("period_unit", _str),
    ("period", _str), ("blamer_side", _str), ("blamed_side", _str), ("issue", _str),
    ("target_side", _str), ("stance", _str), ("n_statements", _int), ("n_edges", _int),
    ("n", _int), ("n_total", _int), ("share", _f64), ("statement_ids", pa.list_(_str)),
])
# One row per period × pair of groups × metric; see pipeline/divergence.py.
DIVERGENCE = pa.schema([
    ("period_unit", _str), ("period", _str), ("group_by", _str), ("side_a", _str),
    ("side_b", _str), ("metric", _str), ("value", _f64), ("ci_low", _f64), ("ci_high", _f64),
    ("n_a", _int), ("n_b", _int), ("unit", _str), ("n_units_a", _int), ("n_units_b", _int),
    ("n_docs", _int), ("n_boot", _int), ("flag", _str),
])

OUTPUTS: dict[str, pa.Schema] = {
    "documents.parquet": DOCUMENTS,
    "statements.parquet": STATEMENTS,
    "entities.parquet": ENTITIES,
    "stance.parquet": STANCE,
    "blame.parquet": BLAME,
    "aggregates.parquet": AGGREGATES,
    "divergence.parquet": DIVERGENCE,
}
