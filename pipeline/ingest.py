"""Ingest: read any supported input, one record at a time, into Documents and Quarantined records.

Inputs (``shared/SPEC.md``, "Input"): JSON Lines, CSV, Parquet, a folder of ``.txt`` files, a
folder saved with ``datasets``' ``save_to_disk``, or a folder mixing these. Reading streams:
JSONL line by line, CSV row by row, Parquet and datasets in record batches, so a corpus never
has to fit in memory.

Two kinds of failure, kept apart on purpose:

* the input as a whole is unusable (missing path, unsupported file, a CSV/Parquet/dataset
  without a ``text`` column, an unreadable Parquet file): :class:`BlamegraphError` is raised by
  :func:`read_corpus` itself, before the first record, so a run fails before writing anything;
* one record is unusable: a :class:`Quarantined` is yielded in its place and the run goes on.

Nothing is dropped silently: every record read is yielded exactly once, as a Document or a
Quarantined, so ``n_read == n_docs + n_quarantined``. Blank JSONL lines and blank CSV rows are
not records.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import math
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from .config import IngestConfig, LoadedConfig
from .errors import BlamegraphError, Errors, Reasons
from .normalize import (compile_furniture, english_score, looks_english, normalize_text,
                        replace_surrogates, split_chunks)
from .schema import Document, Quarantined

log = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "parquet", "txt", "hf_dataset")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv",
              ".parquet": "parquet", ".txt": "txt"}
# Fields with a meaning; every other field is carried through in Document.extra.
FIELDS = ("id", "text", "title", "date", "outlet", "country", "url", "lang")
# save_to_disk writes both files next to the Arrow shards; requiring both keeps an unrelated
# folder that merely holds a "state.json" from being mistaken for a dataset.
_DATASET_MARKERS = ("dataset_info.json", "state.json")
_DATASET_DICT_MARKER = "dataset_dict.json"
_SKIPPED_PREFIXES = ("readme", "datacard")
_CSV_DELIMITERS = ",;\t|"
_CSV_SAMPLE_CHARS = 1 << 16
# News articles exceed csv's default 128 KiB field limit; sys.maxsize overflows a C long on
# some platforms, so use the largest 32-bit value.
_CSV_FIELD_LIMIT = 2**31 - 1
_BATCH_ROWS = 1_000
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SHOW_CHARS = 60
_ISO_EXTENDED = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?")
_ISO_WEEK_ONLY = re.compile(r"\d{4}-?W\d{2}")
_LANG_ALIASES = {"eng": "en", "english": "en"}
# What errors="surrogateescape" turns an undecodable byte 0xNN into: U+DCNN.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


class InputFile(NamedTuple):
    path: Path
    fmt: str  # one of FORMATS
    source: str  # the path as given, for messages and Document.source
    id_prefix: str  # fallback ids are f"{id_prefix}-{position}"; a .txt record's id itself


@dataclass
class _Raw:
    """A record as read from a file, before validation."""

    position: int
    fields: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


# --- finding the input files -------------------------------------------------------------------
def _is_dataset(folder: Path) -> bool:
    """True for a folder written by ``Dataset.save_to_disk``; E010 for a DatasetDict's."""
    marker = folder / _DATASET_DICT_MARKER
    if marker.is_file():
        try:
            splits = json.loads(marker.read_text(encoding="utf8")).get("splits") or []
        except (ValueError, AttributeError) as e:
            raise BlamegraphError(Errors.E004.format(path=marker, fmt="a datasets DatasetDict "
                                                     "index", detail=e)) from e
        raise BlamegraphError(Errors.E010.format(path=folder, splits=splits,
                                                 first=splits[0] if splits else "train"))
    return all((folder / name).is_file() for name in _DATASET_MARKERS)


def _skipped(name: str) -> bool:
    """Hidden files, documentation and data cards are not records."""
    lower = name.lower()
    return name.startswith(".") or lower.startswith(_SKIPPED_PREFIXES) or lower.endswith(".md")


def input_files(path: str | Path) -> list[tuple[Path, str]]:
    """List the files of an input as ``(file, format)``, format one of :data:`FORMATS`.

    A file is read by its extension (.jsonl/.ndjson/.json are JSON Lines). A folder written
    by ``save_to_disk`` is one ``hf_dataset``. Any other folder contributes every supported
    file below it, sorted by relative path, skipping hidden files and folders, README*,
    DATACARD* and *.md; a saved dataset inside it counts as one input.
    """
    path = Path(path)
    if not path.exists():
        raise BlamegraphError(Errors.E001.format(path=path))
    if path.is_file():
        fmt = EXTENSIONS.get(path.suffix.lower())
        if fmt is None:
            raise BlamegraphError(Errors.E002.format(path=path, suffix=path.suffix or "(none)"))
        return [(path, fmt)]
    if _is_dataset(path):
        return [(path, "hf_dataset")]
    found: list[tuple[Path, str]] = []
    n_ignored = 0
    # os.walk does not follow symlinked folders, so a link cycle cannot recurse forever.
    for dirpath, dirnames, filenames in os.walk(path):
        folder = Path(dirpath)
        if folder != path and _is_dataset(folder):
            found.append((folder, "hf_dataset"))
            dirnames.clear()
            continue
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            fmt = EXTENSIONS.get(Path(name).suffix.lower())
            if _skipped(name) or fmt is None:
                n_ignored += 1
                continue
            found.append((folder / name, fmt))
    if not found:
        raise BlamegraphError(Errors.E003.format(path=path))
    if n_ignored:
        log.info("%s: ignored %d files that are not inputs (docs, hidden, other extensions)",
                 path, n_ignored)
    return sorted(found, key=lambda item: item[0].relative_to(path).as_posix())


def _input_file(root: Path, file: Path, fmt: str) -> InputFile:
    # Ids must stay unique across a folder, so a folder's files use their relative path.
    if file == root:
        prefix = file.name if fmt == "hf_dataset" else file.stem
    else:
        rel = file.relative_to(root)
        prefix = (rel if fmt == "hf_dataset" else rel.with_suffix("")).as_posix()
    return InputFile(file, fmt, str(file), prefix)


# --- whole-file checks, done before the first record is yielded --------------------------------
def _csv_layout(path: Path) -> tuple[str, list[str]]:
    """Delimiter and column names of a CSV file.

    The delimiter is the one of , ; tab | under which the header has a 'text' column (most
    columns wins; on a tie, as for a one-column header, the one under which most sampled data
    rows have that many fields, then the first listed); without one, csv.Sniffer's guess,
    else ','. The header decides first because Sniffer is easily misled by prose full of
    commas.
    """
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
        sample = f.read(_CSV_SAMPLE_CHARS)

    def header(delimiter: str) -> list[str]:
        row = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
        return [name.strip() or f"column_{i}" for i, name in enumerate(row, 1)]

    def fit(delimiter: str, n_columns: int) -> int:
        """Sampled data rows that have the header's number of fields under ``delimiter``."""
        rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))[1:]
        if len(sample) == _CSV_SAMPLE_CHARS:
            rows = rows[:-1]  # the sample may end inside the last row
        return sum(len(row) == n_columns for row in rows if row)

    candidates = [(d, header(d)) for d in _CSV_DELIMITERS]
    with_text = [c for c in candidates if "text" in c[1]]
    if with_text:
        n_max = max(len(c[1]) for c in with_text)
        tied = [c for c in with_text if len(c[1]) == n_max]
        if len(tied) == 1:
            return tied[0]
        # A one-column header reads the same under every delimiter: the data decides, or
        # a ';'-separated file would be cut at every comma of its prose.
        return max(tied, key=lambda c: fit(c[0], n_max))
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS).delimiter
    except csv.Error:  # Sniffer's only way of saying "no idea"
        delimiter = ","
    return delimiter, header(delimiter)


def _open_parquet(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as e:
        raise BlamegraphError(Errors.E004.format(path=path, fmt="Parquet", detail=e)) from e


def _load_dataset(path: Path):
    # Imported here: datasets is slow to import and only this input format needs it.
    import datasets

    try:
        ds = datasets.load_from_disk(str(path))
    except (OSError, ValueError) as e:
        raise BlamegraphError(Errors.E004.format(path=path, fmt="a saved datasets dataset",
                                                 detail=e)) from e
    if isinstance(ds, datasets.DatasetDict):
        splits = list(ds)
        raise BlamegraphError(Errors.E010.format(path=path, splits=splits,
                                                 first=splits[0] if splits else "train"))
    return ds.with_format(None)  # plain Python values whatever format it was saved with


def _check_input(inp: InputFile) -> None:
    """Raise now, not halfway through a run, if a file cannot be read as a whole."""
    if inp.fmt == "csv":
        _, columns = _csv_layout(inp.path)
        if "text" not in columns:
            raise BlamegraphError(Errors.E005.format(path=inp.path, columns=columns))
    elif inp.fmt == "parquet":
        with _open_parquet(inp.path) as pf:
            columns = pf.schema_arrow.names
        if "text" not in columns:
            raise BlamegraphError(Errors.E008.format(path=inp.path, columns=columns))
    elif inp.fmt == "hf_dataset":
        columns = _load_dataset(inp.path).column_names
        if "text" not in columns:
            raise BlamegraphError(Errors.E009.format(path=inp.path, columns=columns))


# --- readers: one per format, each yielding _Raw records or Quarantined ones -------------------
def _show(value: Any) -> str:
    """A value as it should appear in a message: repr, shortened."""
    shown = repr(value)
    return shown if len(shown) <= _SHOW_CHARS else shown[:_SHOW_CHARS - 1] + "\u2026"


def _read_jsonl(inp: InputFile, cfg: IngestConfig) -> Iterator[_Raw | Quarantined]:
    # Bytes, decoded line by line: one badly encoded line is one quarantined record, not a
    # UnicodeDecodeError that ends the whole file.
    with inp.path.open("rb") as f:
        for lineno, line in enumerate(f, 1):
            if lineno == 1 and line.startswith(_UTF8_BOM):
                line = line[len(_UTF8_BOM):]
            if not line.strip():
                continue
            where = {"position": lineno, "source": inp.source}
            try:
                decoded = line.decode("utf-8")
            except UnicodeDecodeError as e:
                detail = f"byte 0x{line[e.start]:02x} at byte {e.start + 1} of the line"
                yield Quarantined(inp.source, lineno, Reasons.UNDECODABLE,
                                  Errors.E030.format(detail=detail, **where))
                continue
            try:
                # strict=False: raw tabs and newlines inside strings are common in scraped
                # exports and harmless.
                obj = json.loads(decoded, strict=False)
            except json.JSONDecodeError as e:
                yield Quarantined(inp.source, lineno, Reasons.BAD_JSON, Errors.E011.format(
                    detail=f"column {e.colno}: {e.msg}", **where))
                continue
            except (ValueError, RecursionError) as e:
                # Valid syntax the parser still refuses: an integer over Python's 4300-digit
                # limit (ValueError) or nesting deeper than the recursion limit.
                detail = ("nested too deeply" if isinstance(e, RecursionError)
                          else str(e).split(";")[0])
                yield Quarantined(inp.source, lineno, Reasons.BAD_JSON, Errors.E011.format(
                    detail=detail, **where))
                continue
            if not isinstance(obj, dict):
                kind = {list: "array", str: "string", bool: "boolean",
                        type(None): "null"}.get(type(obj), "number")
                yield Quarantined(inp.source, lineno, Reasons.NOT_AN_OBJECT, Errors.E031.format(
                    type=kind, value=_show(obj), **where))
                continue
            yield _Raw(lineno, obj)


def _read_csv(inp: InputFile, cfg: IngestConfig) -> Iterator[_Raw | Quarantined]:
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    delimiter, columns = _csv_layout(inp.path)
    n_columns = len(columns)
    position = 0
    # newline="" so quoted fields keep their embedded newlines; surrogateescape so a bad byte
    # makes one row undecodable instead of ending the file.
    with inp.path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            next(reader, None)  # the header, read by _csv_layout
            for row in reader:
                if not row:
                    continue
                position += 1
                yield _csv_record(inp, position, row, columns, n_columns)
        except csv.Error as e:
            raise BlamegraphError(Errors.E004.format(
                path=inp.path, fmt="CSV", detail=f"data row {position + 1}: {e}")) from e


def _csv_record(inp: InputFile, position: int, row: list[str], columns: list[str],
                n_columns: int) -> _Raw | Quarantined:
    for name, value in zip(columns + ["(extra field)"] * len(row), row):
        bad = _ESCAPED_BYTE.search(value)
        if bad is not None:
            detail = f"byte 0x{ord(bad[0]) - 0xdc00:02x} in column '{name}'"
            return Quarantined(inp.source, position, Reasons.UNDECODABLE, Errors.E030.format(
                position=position, source=inp.source, detail=detail))
    # CSV has no null: an empty cell is a missing value, except that an empty text is a
    # record with empty text (quarantined as such, not as missing).
    fields: dict[str, Any] = {name: (value if value != "" or name == "text" else None)
                              for name, value in zip(columns, row)}
    warnings = []
    if len(row) != n_columns:
        if len(row) > n_columns:
            fields["_extra_fields"] = row[n_columns:]
            consequence = "the extra values are kept in extra['_extra_fields']"
        else:
            consequence = "the missing fields are null"
        warnings.append(Errors.E037.format(n_fields=len(row), n_columns=n_columns,
                                           consequence=consequence))
    return _Raw(position, fields, warnings)


def _read_parquet(inp: InputFile, cfg: IngestConfig) -> Iterator[_Raw]:
    import pyarrow as pa

    position = 0
    with _open_parquet(inp.path) as pf:
        try:
            for batch in pf.iter_batches(batch_size=_BATCH_ROWS):
                for row in batch.to_pylist():
                    position += 1
                    yield _Raw(position, row)
        except (pa.ArrowException, OSError) as e:
            raise BlamegraphError(Errors.E004.format(
                path=inp.path, fmt="Parquet", detail=f"after row {position}: {e}")) from e


def _read_dataset(inp: InputFile, cfg: IngestConfig) -> Iterator[_Raw]:
    position = 0
    # Batches of a memory-mapped Arrow table: only one batch is ever materialized.
    for batch in _load_dataset(inp.path).iter(batch_size=_BATCH_ROWS):
        names = list(batch)
        for values in zip(*batch.values()):
            position += 1
            yield _Raw(position, dict(zip(names, values)))


def _read_txt(inp: InputFile, cfg: IngestConfig) -> Iterator[_Raw | Quarantined]:
    where = {"position": 1, "source": inp.source, "id": inp.id_prefix}
    n_bytes = inp.path.stat().st_size
    if n_bytes > cfg.max_bytes:  # decided before reading, so a huge file never enters memory
        yield Quarantined(inp.source, 1, Reasons.TOO_LARGE, Errors.E019.format(
            n_bytes=n_bytes, max_bytes=cfg.max_bytes, **where), inp.id_prefix)
        return
    data = inp.path.read_bytes()
    if data.startswith(_UTF16_BOMS):
        # Windows "Unicode" text: NUL bytes here are UTF-16, not binary.
        encoding = "utf-16"
    elif b"\x00" in data:
        yield Quarantined(inp.source, 1, Reasons.NOT_TEXT, Errors.E032.format(
            source=inp.source, detail=f"NUL byte at byte {data.index(0) + 1}"), inp.id_prefix)
        return
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        detail = f"byte 0x{data[e.start]:02x} at byte {e.start + 1} of the file"
        yield Quarantined(inp.source, 1, Reasons.UNDECODABLE, Errors.E030.format(
            position=1, source=inp.source, detail=detail), inp.id_prefix)
        return
    yield _Raw(1, {"id": inp.id_prefix, "text": text})


_READERS = {"jsonl": _read_jsonl, "csv": _read_csv, "parquet": _read_parquet,
            "txt": _read_txt, "hf_dataset": _read_dataset}


# --- field conversion --------------------------------------------------------------------------
def parse_date(value: Any) -> tuple[str | None, bool]:
    """``(YYYY-MM-DD or None, ok)`` for a date field; ok is False for a value given but not
    ISO 8601. Times and offsets are ignored: the date is the one written, not converted to UTC.

    >>> parse_date("2019-05-10T14:30:00+08:00"), parse_date("10/05/2019"), parse_date(None)
    (('2019-05-10', True), (None, False), (None, True))
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, True
    if isinstance(value, datetime):
        return value.date().isoformat(), True
    if isinstance(value, date):
        return value.isoformat(), True
    if not isinstance(value, str):
        return None, False
    text = value.strip()
    m = _ISO_EXTENDED.fullmatch(text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat(), True
        except ValueError:  # 2019-02-30: ISO-shaped but not a date
            return None, False
    # Basic and week formats (20190510, 20190510T143000Z, 2019-W19-5) are left to the stdlib.
    # A value without a day ("2019", "2019-05", "2019-W19") is not a date: the stdlib would
    # invent one for the bare week, so that case is refused first.
    if _ISO_WEEK_ONLY.fullmatch(text):
        return None, False
    for parse in (date.fromisoformat, datetime.fromisoformat):
        try:
            parsed = parse(text)
        except ValueError:
            continue
        return (parsed.date() if isinstance(parsed, datetime) else parsed).isoformat(), True
    return None, False


def _lang_code(value: str) -> str:
    """Primary language subtag: 'en-US', 'EN', 'en_GB', 'eng' → 'en'."""
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return _LANG_ALIASES.get(code, code)


def _clean_meta(value: Any) -> str | None:
    """A metadata string (title, outlet, url, lang): one line, no stray whitespace."""
    if value is None:
        return None
    text = " ".join(replace_surrogates(str(value)).split())
    return text or None


def _jsonable(value: Any) -> Any:
    """A value for Document.extra: JSON-serializable, UTF-8-encodable, else its str()."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None  # pandas' missing value, not a number anyone meant
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return replace_surrogates(value)
    try:
        blob = json.dumps(value, default=str, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError):  # NaN deep inside, or keys json cannot write
        return replace_surrogates(str(value))
    return json.loads(replace_surrogates(blob))


def _n_bytes_over(text: str, max_bytes: int) -> int | None:
    """The UTF-8 size of ``text`` when it exceeds ``max_bytes``, else None."""
    # A character is at most 4 bytes: short texts need no encoding to be known small.
    if len(text) * 4 <= max_bytes:
        return None
    n_bytes = len(text.encode("utf-8", "surrogatepass"))
    return n_bytes if n_bytes > max_bytes else None


# --- records → Documents -----------------------------------------------------------------------
class _Seen:
    """Where each accepted id and text (its SHA-256) first occurred, for duplicate detection
    over a whole input.

    Kept in a private temporary SQLite database (a page cache of about 2 MB; beyond it, a
    temporary file that SQLite deletes on close) rather than in Python dicts, which cost about
    370 bytes a document: the memory of a run does not grow with its number of documents.
    Ids are stored as UTF-8 bytes (exact comparison), sources as indices into a list.
    """

    def __init__(self) -> None:
        import sqlite3

        self.db = sqlite3.connect("")  # "": private, temporary, removed when closed
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA cache_size = -2048")  # KiB
        self.db.execute("CREATE TABLE ids (id BLOB PRIMARY KEY, source INTEGER, "
                        "position INTEGER) WITHOUT ROWID")
        self.db.execute("CREATE TABLE texts (digest BLOB PRIMARY KEY, id BLOB, "
                        "source INTEGER, position INTEGER) WITHOUT ROWID")
        self.sources: list[str] = []
        self.source_index: dict[str, int] = {}

    @staticmethod
    def _key(doc_id: str) -> bytes:
        return doc_id.encode("utf-8", "surrogatepass")

    def _source(self, source: str) -> int:
        if source not in self.source_index:
            self.source_index[source] = len(self.sources)
            self.sources.append(source)
        return self.source_index[source]

    def first_id(self, doc_id: str) -> tuple[str, int] | None:
        """(source, position) of the first accepted document with this id, if any."""
        row = self.db.execute("SELECT source, position FROM ids WHERE id = ?",
                              (self._key(doc_id),)).fetchone()
        return None if row is None else (self.sources[row[0]], row[1])

    def first_text(self, digest: bytes) -> tuple[str, str, int] | None:
        """(id, source, position) of the first accepted document with this text, if any."""
        row = self.db.execute("SELECT id, source, position FROM texts WHERE digest = ?",
                              (digest,)).fetchone()
        if row is None:
            return None
        return row[0].decode("utf-8", "surrogatepass"), self.sources[row[1]], row[2]

    def add_id(self, doc_id: str, source: str, position: int) -> None:
        self.db.execute("INSERT INTO ids VALUES (?, ?, ?)",
                        (self._key(doc_id), self._source(source), position))

    def add_text(self, digest: bytes, doc_id: str, source: str, position: int) -> None:
        self.db.execute("INSERT INTO texts VALUES (?, ?, ?, ?)",
                        (digest, self._key(doc_id), self._source(source), position))

    def close(self) -> None:
        self.db.close()


class _Builder:
    """Validates records and turns them into Documents; remembers ids and texts seen so far.

    Only accepted Documents claim an id or a text: a record quarantined for another reason
    does not make a later good record with the same id (or text) a duplicate, so the outputs
    keep one copy of everything usable and every id in them is unique.
    """

    def __init__(self, loaded: LoadedConfig):
        self.loaded = loaded
        self.cfg = loaded.cfg.ingest
        self.languages = {_lang_code(code) for code in self.cfg.languages}
        self.side_codes = sorted({*loaded.cfg.side_codes, "OTHER", "UNKNOWN"})
        self.seen = _Seen()

    def run(self, inputs: Iterable[InputFile]) -> Iterator[Document | Quarantined]:
        try:
            for inp in inputs:
                log.debug("reading %s as %s", inp.source, inp.fmt)
                for raw in _READERS[inp.fmt](inp, self.cfg):
                    yield raw if isinstance(raw, Quarantined) else self.build(raw, inp)
        finally:
            self.seen.close()

    def build(self, raw: _Raw, inp: InputFile) -> Document | Quarantined:
        fields, position = raw.fields, raw.position
        where = {"position": position, "source": inp.source}

        def quarantine(reason: str, message: str, record_id: str | None) -> Quarantined:
            return Quarantined(inp.source, position, reason, message, record_id)

        # --- id
        fallback = f"{inp.id_prefix}-{position}"
        given_id = fields.get("id")
        if given_id is None:  # absent or null (Parquet/pandas write missing ids as null)
            doc_id = fallback
        elif (isinstance(given_id, bool) or not isinstance(given_id, (str, int))
              or not str(given_id).strip()):
            return quarantine(Reasons.BAD_ID, Errors.E015.format(
                value=_show(given_id), type=type(given_id).__name__, fallback=fallback,
                **where), None)
        else:
            doc_id = replace_surrogates(str(given_id))
        first = self.seen.first_id(doc_id)
        if first is not None:
            return quarantine(Reasons.DUPLICATE_ID, Errors.E016.format(
                id=doc_id, first_source=first[0], first_position=first[1], **where), doc_id)
        where["id"] = doc_id

        # --- text
        if "text" not in fields:
            return quarantine(Reasons.MISSING_TEXT, Errors.E012.format(**where), doc_id)
        raw_text = fields["text"]
        if raw_text is None:  # JSON null, or a null cell in Parquet or a dataset
            return quarantine(Reasons.MISSING_TEXT, Errors.E038.format(**where), doc_id)
        if not isinstance(raw_text, str):
            return quarantine(Reasons.NON_STRING_TEXT, Errors.E013.format(
                type=type(raw_text).__name__, value=_show(raw_text), **where), doc_id)
        n_bytes = _n_bytes_over(raw_text, self.cfg.max_bytes)
        if n_bytes is not None:
            return quarantine(Reasons.TOO_LARGE, Errors.E019.format(
                n_bytes=n_bytes, max_bytes=self.cfg.max_bytes, **where), doc_id)
        text = normalize_text(raw_text, self.cfg)
        if not text:
            return quarantine(Reasons.EMPTY_TEXT, Errors.E014.format(
                value=_show(raw_text), **where), doc_id)

        # --- language
        declared = _clean_meta(fields.get("lang"))
        if declared is not None:
            if _lang_code(declared) not in self.languages:
                return quarantine(Reasons.NOT_ENGLISH, Errors.E018.format(
                    lang=declared, languages=self.cfg.languages, **where), doc_id)
            lang = declared
        elif "en" in self.languages and looks_english(text, self.cfg.min_english_score):
            lang = "en"  # detected; the only language detection knows
        else:
            return quarantine(Reasons.NOT_ENGLISH, Errors.E033.format(
                score=english_score(text), min_score=self.cfg.min_english_score, **where),
                doc_id)

        # --- duplicate content
        digest = hashlib.sha256(text.encode("utf-8"))
        if self.cfg.drop_duplicate_content:
            earlier = self.seen.first_text(digest.digest())
            if earlier is not None:
                return quarantine(Reasons.DUPLICATE_CONTENT, Errors.E017.format(
                    first_id=earlier[0], first_source=earlier[1], first_position=earlier[2],
                    **where), doc_id)
            self.seen.add_text(digest.digest(), doc_id, inp.source, position)
        self.seen.add_id(doc_id, inp.source, position)

        # --- metadata: problems here are warnings on a kept record, never a quarantine
        warnings = list(raw.warnings)
        iso_date, ok = parse_date(fields.get("date"))
        if not ok:
            warnings.append(Errors.E035.format(value=_show(fields.get("date"))))
        country_text = _clean_meta(fields.get("country"))
        country = self.loaded.side_of_country(country_text)
        if country_text is not None and country == "UNKNOWN" and country_text.upper() != "UNKNOWN":
            warnings.append(Errors.W001.format(country=country_text, sides=self.side_codes))
        if len(text) > self.cfg.max_chars:
            chunks = split_chunks(text, self.cfg.chunk_chars)
            warnings.append(Errors.E036.format(n_chars=len(text), n_chunks=len(chunks),
                                               max_chars=self.cfg.max_chars))
        else:
            chunks = [(0, len(text))]
        return Document(
            doc_id=doc_id, text=text, source=inp.source, position=position,
            title=_clean_meta(fields.get("title")), date=iso_date,
            outlet=_clean_meta(fields.get("outlet")), country=country,
            url=_clean_meta(fields.get("url")), lang=lang,
            extra={str(k): _jsonable(v) for k, v in fields.items() if k not in FIELDS},
            warnings=warnings, content_hash=digest.hexdigest(), chunks=chunks)


def read_corpus(path: str | Path, loaded: LoadedConfig) -> Iterator[Document | Quarantined]:
    """Stream an input as Documents and Quarantined records, in input order.

    Raises :class:`BlamegraphError` at once (not on first iteration) when the input as a
    whole is unusable; after that, every record read is yielded exactly once, as a Document
    or as a Quarantined carrying its file, 1-based position, reason and message.

    >>> from pipeline.config import load_config
    >>> read_corpus("no/such/file.jsonl", load_config())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pipeline.errors.BlamegraphError: [E001] Input path 'no/such/file.jsonl' does not exist. ...
    """
    root = Path(path)
    inputs = [_input_file(root, file, fmt) for file, fmt in input_files(root)]
    # Bad config patterns and files without a text column stop the run before it starts.
    compile_furniture(tuple(loaded.cfg.ingest.furniture_patterns))
    for inp in inputs:
        _check_input(inp)
    return _Builder(loaded).run(inputs)
