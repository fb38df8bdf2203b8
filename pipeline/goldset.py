"""Hand-annotated statement sets (``corpora/gold``, ``corpora/dev``, ``corpora/dev2``): build
``statements.jsonl`` from marked-up sources, and validate it.

Offsets are never typed by hand. Each source document marks its spans inline::

    [[s1|content of a statement]]     a statement span, key ``s1``
    [[p1|the spokesperson]]           a speaker mention, key ``p1``

Markers nest (a nested attribution inside a quote or a reported clause), so the parser keeps a
stack and records each span's offsets in the *clean* text, i.e. the text with every marker
removed. The ``statements:`` block then says, per statement key, its construction, cue, speaker
(an alias from ``speakers:``) and the mention key the cue attaches to.

Source layout (``<set>/source/*.txt``, one or more documents per file)::

    === g001
    date: 2023-07-04
    outlet: Atlantic Newswire
    country: US                 # US | CN | OTHER | null
    register: wire
    dispute: us_china
    speakers:
    LW = Li Weiming | official | CN
    text:
    BEIJING, July 4 (Atlantic Newswire) - ...   (one paragraph per line,
                                                  blank line between paragraphs)
    statements:
    s1 | quote_plain | said | LW | p1
    s2 | mixed | called | LW | p1
    a1 | author                                  (outlet's own voice)
    q1 | rhetorical_question:author              (construction:kind override)

What differs between sets (the id prefix, the allowed dispute names, the coverage minimums)
lives in ``<set>/goldset.yaml``, read by :func:`load_settings`. Usage::

    python -m pipeline.goldset build corpora/gold      # source/*.txt -> statements.jsonl
    python -m pipeline.goldset validate corpora/gold   # exit 0 and "OK: no errors" when clean
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .config import KINDS, ROLES, _format_validation
from .errors import BlamegraphError, Errors

SETTINGS_FILE = "goldset.yaml"
SOURCE_DIR = "source"
STATEMENTS_FILE = "statements.jsonl"

QUOTE_CONSTRUCTIONS = ("quote_plain", "quote_split", "quote_multi_sentence",
                       "quote_paragraph_continuation", "quote_unbalanced", "quote_colon",
                       "quote_dash")
INDIRECT_CONSTRUCTIONS = ("said_that", "verb_of_accusation", "according_to", "told_reporters",
                          "participial", "passive")
CONSTRUCTIONS = QUOTE_CONSTRUCTIONS + INDIRECT_CONSTRUCTIONS + ("mixed", "rhetorical_question",
                                                               "author")
# The kind a construction gets unless a source line overrides it (construction:kind).
DEFAULT_KIND: dict[str, str] = {
    **{c: "direct" for c in QUOTE_CONSTRUCTIONS},
    **{c: "indirect" for c in INDIRECT_CONSTRUCTIONS},
    "mixed": "mixed",
    "rhetorical_question": "direct",
    "author": "author",
}
SIDES = ("US", "CN", "OTHER", "UNKNOWN")
COUNTRIES = ("US", "CN", "OTHER", None)
REGISTERS = ("wire", "state_media", "editorial", "think_tank", "government")

DOC_KEYS = ("id", "date", "outlet", "country", "register", "dispute", "text", "statements")
STMT_KEYS = ("kind", "construction", "start", "end", "text", "cue", "speaker", "speaker_text",
             "speaker_start", "speaker_end", "speaker_role", "speaker_side")
META_FIELDS = ("date", "outlet", "register", "dispute")

# Straight single quotes count only as the mark right outside a span (inner quotes).
OPEN_MARKS = "\"“‘'"
CLOSE_MARKS = "\"”’'"
DOUBLE_MARKS = "\"“”"
PRONOUNS = frozenset({"he", "she", "they", "it", "we", "him", "her", "i"})
TITLES = frozenset({"mr.", "ms.", "mrs.", "dr.", "prof.", "professor", "minister", "ambassador"})
CUE_WINDOW = 250  # chars either side of statement and mention in which the cue must occur

_OPEN_RE = re.compile(r"\[\[([A-Za-z0-9_]+)\|")


# --- settings ---------------------------------------------------------------------------------


class GoldsetSettings(BaseModel):
    """What differs between statement sets; read from ``<set>/goldset.yaml``."""

    model_config = ConfigDict(extra="forbid")

    id_prefix: str = Field(pattern=r"^[a-z]$",
                           title="Letter that starts every document id (g for g001)")
    disputes: list[str] = Field(min_length=1, title="Allowed values of a document's 'dispute'")
    min_docs: int = Field(default=0, ge=0, title="Fewest documents the set may have")
    min_statements: int = Field(default=0, ge=0, title="Fewest statements the set may have")
    min_per_construction: int = Field(default=0, ge=0,
                                      title="Fewest statements of each construction")
    min_by_construction: dict[str, int] = Field(
        default_factory=dict,
        title="Per-construction exceptions to min_per_construction (construction: minimum)")

    @field_validator("min_by_construction")
    @classmethod
    def _known_constructions(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(CONSTRUCTIONS))
        if unknown:
            raise ValueError(f"unknown construction(s) {unknown}; use names from {CONSTRUCTIONS}")
        negative = sorted(c for c, n in value.items() if n < 0)
        if negative:
            raise ValueError(f"minimums must be >= 0 (negative for {negative})")
        return value

    @property
    def id_example(self) -> str:
        """The first id of the set, as shown in messages: ``g001``."""
        return f"{self.id_prefix}001"

    def construction_minimums(self) -> dict[str, int]:
        """Minimum count for every construction: the default, then the exceptions."""
        return {c: self.min_by_construction.get(c, self.min_per_construction)
                for c in CONSTRUCTIONS}


def load_settings(set_dir: str | Path) -> GoldsetSettings:
    """Read ``<set_dir>/goldset.yaml``.

    Raises:
        BlamegraphError: the file is missing, is not YAML, or has a bad or unknown field.
    """
    path = Path(set_dir) / SETTINGS_FILE
    if not path.is_file():
        raise BlamegraphError(Errors.E160.format(path=set_dir))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise BlamegraphError(Errors.E161.format(path=path, detail=e)) from e
    if not isinstance(data, dict):
        raise BlamegraphError(Errors.E162.format(path=path, detail="  the file is not a mapping"))
    try:
        return GoldsetSettings(**data)
    except ValidationError as e:
        raise BlamegraphError(Errors.E162.format(path=path,
                                                 detail=_format_validation(e))) from e


# --- build ------------------------------------------------------------------------------------


class BuildResult(NamedTuple):
    """What :func:`build` wrote."""

    out_path: Path
    n_docs: int
    n_statements: int


def parse_markup(raw: str, where: str = "text") -> tuple[str, dict[str, tuple[int, int]]]:
    """Strip ``[[key|...]]`` markers; return the clean text and ``key -> (start, end)``.

    >>> parse_markup('[[p1|Li]] said "[[s1|no [[s2|deal]]]]".')
    ('Li said "no deal".', {'p1': (0, 2), 's2': (12, 16), 's1': (9, 16)})
    """
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    spans: dict[str, tuple[int, int]] = {}
    i = 0
    while i < len(raw):
        m = _OPEN_RE.match(raw, i)
        if m:
            stack.append((m.group(1), len(out)))
            i = m.end()
            continue
        if raw.startswith("]]", i):
            if not stack:
                raise BlamegraphError(Errors.E164.format(where=where,
                                                         context=raw[max(0, i - 40):i]))
            key, start = stack.pop()
            if key in spans:
                raise BlamegraphError(Errors.E165.format(where=where, key=key))
            spans[key] = (start, len(out))
            i += 2
            continue
        out.append(raw[i])
        i += 1
    if stack:
        raise BlamegraphError(Errors.E166.format(where=where, keys=[k for k, _ in stack]))
    return "".join(out), spans


def normalize_paragraphs(block: str) -> str:
    """Collapse whitespace inside paragraphs; separate paragraphs by exactly ``\\n\\n``.

    >>> normalize_paragraphs("  One\\n line.\\n\\n\\n Two. ")
    'One line.\\n\\nTwo.'
    """
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", block.strip())]
    return "\n\n".join(p for p in paragraphs if p)


def parse_doc(doc_id: str, lines: list[str], where: str | None = None) -> dict[str, Any]:
    """Turn one source document (the lines after its ``=== id`` line) into a record."""
    where = where or f"document {doc_id}"
    meta: dict[str, str] = {}
    speakers: dict[str, tuple[str, str, str]] = {}
    text_lines: list[str] = []
    stmt_lines: list[str] = []
    section = "meta"
    for line in lines:
        stripped = line.strip()
        if section in ("meta", "speakers") and stripped in ("speakers:", "text:"):
            section = stripped[:-1]
            continue
        if section == "text" and stripped == "statements:":
            section = "statements"
            continue
        if section == "text":
            text_lines.append(line)
        elif not stripped or stripped.startswith("#"):
            continue
        elif section == "meta":
            key, _, value = stripped.partition(":")
            meta[key.strip()] = value.strip()
        elif section == "speakers":
            alias, _, rest = stripped.partition("=")
            parts = [p.strip() for p in rest.split("|")]
            if len(parts) != 3:
                raise BlamegraphError(Errors.E167.format(where=where, line=stripped))
            speakers[alias.strip()] = (parts[0], parts[1], parts[2])
        else:
            stmt_lines.append(stripped)
    for name in META_FIELDS:
        if name not in meta:
            raise BlamegraphError(Errors.E175.format(where=where, field=name))

    text, spans = parse_markup(normalize_paragraphs("\n".join(text_lines)), where)
    if not text:
        raise BlamegraphError(Errors.E179.format(where=where))
    country = None if meta.get("country", "null") == "null" else meta["country"]
    outlet = meta["outlet"]

    statements = []
    used_keys: set[str] = set()
    for line in stmt_lines:
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2:
            raise BlamegraphError(Errors.E171.format(where=where, line=line))
        key = parts[0]
        construction, _, kind = parts[1].partition(":")
        kind = kind or DEFAULT_KIND.get(construction, "")
        if not kind:
            raise BlamegraphError(Errors.E168.format(where=where, line=line,
                                                     construction=construction,
                                                     constructions=list(CONSTRUCTIONS)))
        if key not in spans:
            raise BlamegraphError(Errors.E169.format(where=where, key=key))
        start, end = spans[key]
        used_keys.add(key)
        rec: dict[str, Any] = {"kind": kind, "construction": construction, "start": start,
                               "end": end, "text": text[start:end]}
        if kind == "author":
            if len(parts) != 2:
                raise BlamegraphError(Errors.E170.format(where=where, line=line))
            rec.update(cue=None, speaker=outlet, speaker_text=None, speaker_start=None,
                       speaker_end=None, speaker_role="author",
                       speaker_side=country or "UNKNOWN")
        else:
            if len(parts) != 5:
                raise BlamegraphError(Errors.E171.format(where=where, line=line))
            cue, alias, mention_key = parts[2], parts[3], parts[4]
            if alias not in speakers:
                raise BlamegraphError(Errors.E172.format(where=where, line=line, alias=alias,
                                                         aliases=sorted(speakers)))
            if mention_key not in spans:
                raise BlamegraphError(Errors.E173.format(where=where, line=line,
                                                         key=mention_key))
            used_keys.add(mention_key)
            name, role, side = speakers[alias]
            ms, me = spans[mention_key]
            rec.update(cue=cue, speaker=name, speaker_text=text[ms:me], speaker_start=ms,
                       speaker_end=me, speaker_role=role, speaker_side=side)
        statements.append(rec)
    unused = set(spans) - used_keys
    if unused:
        raise BlamegraphError(Errors.E174.format(where=where, keys=sorted(unused)))
    statements.sort(key=lambda s: (s["start"], -s["end"]))
    return {
        "id": doc_id,
        "date": meta["date"],
        "outlet": outlet,
        "country": country,
        "register": meta["register"],
        "dispute": meta["dispute"],
        "text": text,
        "statements": [{k: s[k] for k in STMT_KEYS} for s in statements],
    }


def parse_file(path: Path) -> list[dict[str, Any]]:
    """All documents of one source file; lines before the first ``=== id`` are ignored."""
    chunks: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("=== "):
            chunks.append((line[4:].strip(), []))
        elif chunks:
            chunks[-1][1].append(line)
    return [parse_doc(doc_id, lines, where=f"{path.name}, document {doc_id}")
            for doc_id, lines in chunks if doc_id]


def build(source_dir: str | Path, out_path: str | Path,
          id_prefix: str | None = None) -> BuildResult:
    """Parse every ``source_dir/*.txt`` and write one JSON line per document to ``out_path``.

    Documents are sorted by id and statements by (start, -end); the output is byte-for-byte
    stable for unchanged sources. Nothing is written when a source is malformed.

    Args:
        source_dir: folder of marked-up ``.txt`` sources.
        out_path: the ``statements.jsonl`` to (over)write.
        id_prefix: when given, every document id must be this letter and three digits.

    Raises:
        BlamegraphError: no sources, or a malformed source (the message names file, document
            and line).
    """
    source_dir, out_path = Path(source_dir), Path(out_path)
    paths = sorted(source_dir.glob("*.txt"))
    if not paths:
        raise BlamegraphError(Errors.E163.format(path=source_dir))
    id_re = re.compile(re.escape(id_prefix) + r"\d{3}") if id_prefix else None
    docs: list[dict[str, Any]] = []
    first_seen: dict[str, str] = {}
    for path in paths:
        for doc in parse_file(path):
            where = f"{path.name}, document {doc['id']}"
            if id_re and not id_re.fullmatch(doc["id"]):
                raise BlamegraphError(Errors.E176.format(where=where, doc_id=doc["id"],
                                                         example=f"{id_prefix}001",
                                                         prefix=id_prefix))
            if doc["id"] in first_seen:
                raise BlamegraphError(Errors.E177.format(where=where, doc_id=doc["id"],
                                                         first=first_seen[doc["id"]]))
            first_seen[doc["id"]] = path.name
            docs.append(doc)
    docs.sort(key=lambda d: d["id"])
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as f:
        for doc in docs:
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return BuildResult(out_path, len(docs), sum(len(d["statements"]) for d in docs))


# --- validate ---------------------------------------------------------------------------------


@dataclass
class ValidationReport:
    """Result of :func:`validate`: counts for the data card, and every problem found."""

    path: Path
    n_docs: int = 0
    n_statements: int = 0
    n_nested: int = 0  # statements inside another statement of the same document
    # register, country, dispute (per document); construction, kind, speaker_role,
    # speaker_side, mention (per statement). Insertion order is the print order.
    counts: dict[str, Counter[Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no error was found."""
        return not self.errors


def mention_type(speaker: str, speaker_text: str) -> str:
    """Heuristic class of the mention a cue attaches to (for the coverage table only).

    >>> [mention_type("Li Weiming", m) for m in ("he", "Li Weiming", "Mr. Li", "the envoy")]
    ['pronoun', 'full_or_canonical', 'partial_name', 'definite_descriptor']
    """
    low = speaker_text.lower()
    if low in PRONOUNS:
        return "pronoun"
    if speaker_text == speaker:
        return "full_or_canonical"
    words = [w for w in re.findall(r"[\w.'-]+", speaker_text) if w.lower() not in TITLES]
    speaker_words = set(re.findall(r"[\w.'-]+", speaker))
    if words and speaker_text[:1].isupper() and set(words) <= speaker_words:
        return "partial_name"
    if low.startswith("the ") and len(low.split()) <= 4:
        return "definite_descriptor"
    return "other_np"  # collectives, indefinite roles, organisation aliases, appositive heads


@dataclass
class _DocState:
    """What the checks of one document carry from statement to statement."""

    prev_start: int = -1
    spans: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, index)
    speaker_labels: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def _check_statement(i: int, st: dict[str, Any], doc: dict[str, Any], sw: str,
                     state: _DocState, errors: list[str]) -> None:
    """Append the problems of statement ``i`` (with exactly the STMT_KEYS) to ``errors``."""
    text: str = doc["text"]
    kind, cons = st["kind"], st["construction"]
    if kind not in KINDS:
        errors.append(f"{sw}: kind {kind!r} not allowed")
    if cons not in CONSTRUCTIONS:
        errors.append(f"{sw}: construction {cons!r} not allowed")
    if st["speaker_role"] not in ROLES:
        errors.append(f"{sw}: speaker_role {st['speaker_role']!r} not allowed")
    if st["speaker_side"] not in SIDES:
        errors.append(f"{sw}: speaker_side {st['speaker_side']!r} not allowed")
    if not isinstance(st["speaker"], str) or not st["speaker"]:
        errors.append(f"{sw}: speaker must be a non-empty string")

    # Offsets and stored text.
    start, end = st["start"], st["end"]
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        errors.append(f"{sw}: bad offsets {start!r}, {end!r}")
        return
    span = text[start:end]
    if span != st["text"]:
        errors.append(f"{sw}: text[{start}:{end}] = {span!r} != stored {st['text']!r}")
    if span != span.strip():
        errors.append(f"{sw}: span has leading or trailing whitespace: {span!r}")
    if start < state.prev_start:
        errors.append(f"{sw}: statements are not sorted by start")
    state.prev_start = start
    state.spans.append((start, end, i))

    # Kind <-> construction.
    if cons in QUOTE_CONSTRUCTIONS and kind != "direct":
        errors.append(f"{sw}: construction {cons} needs kind direct, got {kind}")
    if cons in INDIRECT_CONSTRUCTIONS and kind != "indirect":
        errors.append(f"{sw}: construction {cons} needs kind indirect, got {kind}")
    if (cons == "mixed") != (kind == "mixed"):
        errors.append(f"{sw}: kind mixed and construction mixed go together ({kind}/{cons})")
    if cons == "author" and kind != "author":
        errors.append(f"{sw}: construction author needs kind author")
    if kind == "author" and cons not in ("author", "rhetorical_question"):
        errors.append(f"{sw}: kind author allows construction author or rhetorical_question")

    # Span conventions per kind (corpora/gold/README.md, "Span conventions").
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if kind == "direct":
        opened, closed = before in OPEN_MARKS, after in CLOSE_MARKS
        if cons == "quote_unbalanced":
            if opened == closed:
                errors.append(f"{sw}: quote_unbalanced needs exactly one of the opening "
                              f"and closing marks around the span")
        elif not (opened and closed):
            errors.append(f"{sw}: direct span must sit right inside quotation marks: "
                          f"{before!r}...{after!r}")
        if span[:1] in OPEN_MARKS or span[-1:] in DOUBLE_MARKS:
            errors.append(f"{sw}: direct span must not include its own quotation marks")
        if cons == "quote_paragraph_continuation" and "\n\n" not in span:
            errors.append(f"{sw}: paragraph-continuation quote must span a paragraph break")
    if kind == "indirect":
        if re.match(r"that\b", span):
            errors.append(f"{sw}: indirect content must not start with the complementizer")
        if span[-1] in ".,;:":
            errors.append(f"{sw}: indirect content must stop before final punctuation")
        if any(c in span for c in DOUBLE_MARKS + "‘"):
            errors.append(f"{sw}: indirect content contains a quotation mark (mixed?)")
    if kind == "mixed":
        if not any(c in span for c in DOUBLE_MARKS + "‘"):
            errors.append(f"{sw}: mixed content must contain a quoted fragment")
        if re.match(r"that\b", span):
            errors.append(f"{sw}: mixed content must not start with the complementizer")
    if kind == "author":
        if not re.search(r"[.?!][\"”’]?$", span):
            errors.append(f"{sw}: author statement must be a whole sentence (ends in . ? !)")
        if start > 0 and not re.search(r"(\n\n|[.?!][\"”’]? )$", text[:start]):
            errors.append(f"{sw}: author statement must start at a sentence start")

    # Speaker mention.
    if kind == "author":
        for key in ("cue", "speaker_text", "speaker_start", "speaker_end"):
            if st[key] is not None:
                errors.append(f"{sw}: author statement needs {key} = null")
        if st["speaker_role"] != "author":
            errors.append(f"{sw}: author statement needs speaker_role author")
        if st["speaker"] != doc["outlet"]:
            errors.append(f"{sw}: author statement's speaker must be the outlet")
        if st["speaker_side"] != (doc["country"] or "UNKNOWN"):
            errors.append(f"{sw}: author side must be the document country (or UNKNOWN)")
        return  # A release's issuing body may also be quoted as "the office said".
    if st["speaker_role"] == "author":
        errors.append(f"{sw}: role author is only for kind author")
    cue, ss, se = st["cue"], st["speaker_start"], st["speaker_end"]
    if not isinstance(cue, str) or not cue:
        errors.append(f"{sw}: non-author statement needs a cue")
    if not (isinstance(ss, int) and isinstance(se, int) and 0 <= ss < se <= len(text)):
        errors.append(f"{sw}: bad speaker offsets {ss!r}, {se!r}")
        return
    if text[ss:se] != st["speaker_text"]:
        errors.append(f"{sw}: text[{ss}:{se}] = {text[ss:se]!r} != speaker_text "
                      f"{st['speaker_text']!r}")
    if ss < end and start < se:
        errors.append(f"{sw}: speaker mention lies inside its own statement")
    if isinstance(cue, str) and cue:
        lo = max(0, min(start, ss) - CUE_WINDOW)
        hi = max(end, se) + CUE_WINDOW
        if cue not in text[lo:hi]:
            errors.append(f"{sw}: cue {cue!r} not found near the statement")

    if not isinstance(st["speaker"], str):
        return  # already reported above
    labels = (st["speaker_role"], st["speaker_side"])
    prev = state.speaker_labels.setdefault(st["speaker"], labels)
    if prev != labels:
        errors.append(f"{sw}: speaker {st['speaker']!r} has role/side {prev} elsewhere in "
                      f"the document and {labels} here")


def check_doc(n_line: int, doc: Any, settings: GoldsetSettings, errors: list[str],
              seen_ids: set[str]) -> None:
    """Append the problems of one ``statements.jsonl`` record to ``errors``."""
    where = f"line {n_line}"
    if not isinstance(doc, dict):
        errors.append(f"{where}: record is not an object")
        return
    missing, extra = set(DOC_KEYS) - doc.keys(), doc.keys() - set(DOC_KEYS)
    if missing or extra:
        errors.append(f"{where}: missing keys {sorted(missing)}, unexpected keys {sorted(extra)}")
        return
    doc_id = doc["id"]
    where = f"{doc_id} (line {n_line})"
    if not isinstance(doc_id, str) or not re.fullmatch(re.escape(settings.id_prefix) + r"\d{3}",
                                                       doc_id):
        errors.append(f"{where}: id must look like {settings.id_example}")
    if isinstance(doc_id, str):
        if doc_id in seen_ids:
            errors.append(f"{where}: duplicate id")
        seen_ids.add(doc_id)
    try:
        dt.date.fromisoformat(doc["date"])
    except (TypeError, ValueError):
        errors.append(f"{where}: date {doc['date']!r} is not ISO 8601 (YYYY-MM-DD)")
    if not isinstance(doc["outlet"], str) or not doc["outlet"]:
        errors.append(f"{where}: outlet must be a non-empty string")
    if doc["country"] not in COUNTRIES:
        errors.append(f"{where}: country {doc['country']!r} not in {COUNTRIES}")
    if doc["register"] not in REGISTERS:
        errors.append(f"{where}: register {doc['register']!r} not in {sorted(REGISTERS)}")
    if doc["dispute"] not in settings.disputes:
        errors.append(f"{where}: dispute {doc['dispute']!r} not in {sorted(settings.disputes)}")
    text = doc["text"]
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{where}: text must be a non-empty string")
        return
    if not isinstance(doc["statements"], list):
        errors.append(f"{where}: statements must be a list")
        return

    state = _DocState()
    for i, st in enumerate(doc["statements"]):
        sw = f"{where} statement {i}"
        if not isinstance(st, dict) or st.keys() != set(STMT_KEYS):
            got = sorted(st.keys()) if isinstance(st, dict) else type(st).__name__
            errors.append(f"{sw}: keys must be exactly {sorted(STMT_KEYS)}, got {got}")
            continue
        _check_statement(i, st, doc, sw, state, errors)

    # Duplicates and crossing spans (nesting is allowed).
    spans = state.spans
    for a in range(len(spans)):
        for b in range(a + 1, len(spans)):
            (s1, e1, i1), (s2, e2, i2) = spans[a], spans[b]
            if (s1, e1) == (s2, e2):
                errors.append(f"{where}: statements {i1} and {i2} have the same span")
            elif s1 < s2 < e1 < e2 or s2 < s1 < e2 < e1:
                errors.append(f"{where}: statements {i1} and {i2} overlap without nesting")


def _statement_dicts(doc: dict[str, Any]) -> list[dict[str, Any]]:
    statements = doc.get("statements")
    return [s for s in statements if isinstance(s, dict)] if isinstance(statements, list) else []


def _label(value: Any) -> Any:
    """A counter key for any JSON value (lists and objects are not hashable)."""
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def _int_span(st: dict[str, Any]) -> tuple[int, int] | None:
    start, end = st.get("start"), st.get("end")
    return (start, end) if isinstance(start, int) and isinstance(end, int) else None


def validate(path: str | Path, settings: GoldsetSettings | None = None) -> ValidationReport:
    """Check a ``statements.jsonl`` against the conventions in ``corpora/gold/README.md``.

    Per record: exact keys, ISO date, unique id of the set's form, labels from the allowed sets,
    offsets that reproduce the stored strings, kind/construction agreement, the span conventions
    (quote content without marks, indirect content without *that* and final punctuation, whole
    sentences for author statements), mention offsets, a cue near the statement, no duplicate
    or crossing spans (nesting is allowed), and one role and side per speaker in a document.
    For the whole set: the coverage minimums of ``settings``.

    Args:
        path: the ``statements.jsonl`` file.
        settings: the set's settings; by default read from ``goldset.yaml`` beside ``path``.

    Returns:
        The counts and every error found; ``report.ok`` is True when there is none.

    Raises:
        BlamegraphError: ``path`` does not exist, or its settings cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        raise BlamegraphError(Errors.E178.format(path=path, set_dir=path.parent))
    if settings is None:
        settings = load_settings(path.parent)
    report = ValidationReport(path)
    errors = report.errors
    docs: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    with path.open(encoding="utf-8") as f:
        for n_line, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"line {n_line}: invalid JSON ({e})")
                continue
            n_errors = len(errors)
            check_doc(n_line, doc, settings, errors, seen_ids)
            # Count every record with the full set of keys, even one with errors.
            if len(errors) == n_errors or isinstance(doc, dict) and set(DOC_KEYS) <= doc.keys():
                docs.append(doc)

    counts: dict[str, Counter[Any]] = {
        "register": Counter(_label(d["register"]) for d in docs),
        "country": Counter(str(d["country"]) for d in docs),
        "dispute": Counter(_label(d["dispute"]) for d in docs),
        **{name: Counter() for name in ("construction", "kind", "speaker_role", "speaker_side",
                                        "mention")},
    }
    for d in docs:
        statements = [s for s in _statement_dicts(d) if "start" in s]
        for s in statements:
            for name in ("construction", "kind", "speaker_role", "speaker_side"):
                counts[name][_label(s.get(name))] += 1
            if s.get("speaker_text") and isinstance(s["speaker_text"], str) \
                    and isinstance(s.get("speaker"), str):
                counts["mention"][mention_type(s["speaker"], s["speaker_text"])] += 1
            inner = _int_span(s)
            if inner and any(o is not s and (outer := _int_span(o))
                             and outer[0] <= inner[0] and inner[1] <= outer[1]
                             for o in statements):
                report.n_nested += 1
    report.counts = counts
    report.n_docs = len(docs)
    report.n_statements = sum(len(_statement_dicts(d)) for d in docs)

    # Set-level coverage.
    if report.n_docs < settings.min_docs:
        errors.append(f"coverage: {report.n_docs} documents, need at least {settings.min_docs}")
    if report.n_statements < settings.min_statements:
        errors.append(f"coverage: {report.n_statements} statements, need at least "
                      f"{settings.min_statements}")
    for cons, n_min in sorted(settings.construction_minimums().items()):
        if counts["construction"][cons] < n_min:
            errors.append(f"coverage: construction {cons} has "
                          f"{counts['construction'][cons]} statements, need {n_min}")
    return report


def format_report(report: ValidationReport) -> str:
    """The report as printed by ``python -m pipeline.goldset validate``."""
    lines = [f"file: {report.path}",
             f"documents: {report.n_docs}   statements: {report.n_statements}   "
             f"nested inside another statement: {report.n_nested}"]
    for name, counter in report.counts.items():
        label = name if name != "mention" else "speaker mention type (heuristic)"
        lines += ["", f"{label}:"]
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            lines.append(f"  {str(key):34s}{n:5d}")
    if report.errors:
        lines += ["", f"{len(report.errors)} error(s):"]
        lines += [f"  {e}" for e in report.errors]
    else:
        lines += ["", "OK: no errors"]
    return "\n".join(lines)


# --- command line -----------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m pipeline.goldset {build,validate} SET_DIR``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.goldset",
        description="Build or validate a hand-annotated statement set (corpora/gold, "
                    "corpora/dev, corpora/dev2). Settings: SET_DIR/goldset.yaml.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="SET_DIR/source/*.txt -> SET_DIR/statements.jsonl")
    p_build.add_argument("set_dir", type=Path, metavar="SET_DIR")
    p_validate = sub.add_parser("validate", help="check SET_DIR/statements.jsonl; exit 1 on "
                                                 "any error")
    p_validate.add_argument("set_dir", type=Path, metavar="SET_DIR")
    p_validate.add_argument("--file", type=Path, default=None,
                            help="validate this JSONL with SET_DIR's settings instead")
    args = parser.parse_args(None if argv is None else list(argv))
    try:
        settings = load_settings(args.set_dir)
        if args.command == "build":
            result = build(args.set_dir / SOURCE_DIR, args.set_dir / STATEMENTS_FILE,
                           id_prefix=settings.id_prefix)
            print(f"wrote {result.n_docs} documents, {result.n_statements} statements to "
                  f"{result.out_path}")
            return 0
        report = validate(args.file or args.set_dir / STATEMENTS_FILE, settings)
    except BlamegraphError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(format_report(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
