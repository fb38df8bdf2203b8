"""Validate the blamegraph statement/speaker DEV2 set (stdlib only).

Adapted copy of corpora/dev/validate_dev.py (itself a copy of the gold validator). Same record
checks; differences: ids look like e001 (so they can never be confused with d001 dev or g001
gold ids), and the set-level coverage minimums are the dev2 targets (20 documents, 120
statements, and at least 15 author, 10 passive, 10 participial, 10 rhetorical_question and 6
quote_dash statements: the constructions this set is about). Default path: statements.jsonl
next to this file.

Checks every record of statements.jsonl against the conventions in README.md:
offsets reproduce the stored strings, labels come from the allowed sets, kinds agree
with constructions, spans follow the span conventions (quote content without marks,
indirect content without "that" and without the final period), statements neither
duplicate nor cross each other (nesting is allowed), and a speaker keeps one role and
side within a document. Then prints counts per construction, kind, role and side.

Usage: python validate_dev2.py [path/to/statements.jsonl]
Exit status 0 when clean, 1 when any error is found.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

KINDS = {"direct", "indirect", "mixed", "author"}
ROLES = {"official", "expert", "media", "business", "public", "author", "unknown"}
SIDES = {"US", "CN", "OTHER", "UNKNOWN"}
COUNTRIES = {"US", "CN", "OTHER", None}
REGISTERS = {"wire", "state_media", "editorial", "think_tank", "government"}
DISPUTES = {"us_china", "eu_china_ev", "japan_korea", "australia_china", "us_canada_lumber",
            "us_eu_steel", "uk_china", "india_china", "netherlands_china", "us_eu_digital"}

QUOTE_CONSTRUCTIONS = {"quote_plain", "quote_split", "quote_multi_sentence",
                       "quote_paragraph_continuation", "quote_unbalanced", "quote_colon",
                       "quote_dash"}
INDIRECT_CONSTRUCTIONS = {"said_that", "verb_of_accusation", "according_to", "told_reporters",
                          "participial", "passive"}
CONSTRUCTIONS = QUOTE_CONSTRUCTIONS | INDIRECT_CONSTRUCTIONS | {"mixed", "rhetorical_question",
                                                                 "author"}
# Minimum number of dev statements per construction (coverage of the evaluation).
MIN_PER_CONSTRUCTION = {c: 0 for c in CONSTRUCTIONS}
MIN_PER_CONSTRUCTION.update(author=15, passive=10, participial=10, rhetorical_question=10, quote_dash=6)
MIN_DOCS, MIN_STATEMENTS = 20, 120

DOC_KEYS = {"id", "date", "outlet", "country", "register", "dispute", "text", "statements"}
STMT_KEYS = {"kind", "construction", "start", "end", "text", "cue", "speaker", "speaker_text",
             "speaker_start", "speaker_end", "speaker_role", "speaker_side"}

# Straight single quotes count only as the mark right outside a span (inner quotes).
OPEN_MARKS = "\"“‘'"
CLOSE_MARKS = "\"”’'"
DOUBLE_MARKS = "\"“”"
PRONOUNS = {"he", "she", "they", "it", "we", "him", "her", "i"}
TITLES = {"mr.", "ms.", "mrs.", "dr.", "prof.", "professor", "minister", "ambassador"}
CUE_WINDOW = 250


def mention_type(speaker: str, speaker_text: str) -> str:
    """Heuristic class of the mention a cue attaches to (for the coverage table only)."""
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


def check_doc(n_line: int, doc: dict, errors: list[str], seen_ids: set[str]) -> None:
    where = f"line {n_line}"
    if not isinstance(doc, dict):
        errors.append(f"{where}: record is not an object")
        return
    missing, extra = DOC_KEYS - doc.keys(), doc.keys() - DOC_KEYS
    if missing or extra:
        errors.append(f"{where}: missing keys {sorted(missing)}, unexpected keys {sorted(extra)}")
        return
    doc_id = doc["id"]
    where = f"{doc_id} (line {n_line})"
    if not isinstance(doc_id, str) or not re.fullmatch(r"e\d{3}", doc_id):
        errors.append(f"{where}: id must look like e001")
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
    if doc["dispute"] not in DISPUTES:
        errors.append(f"{where}: dispute {doc['dispute']!r} not in {sorted(DISPUTES)}")
    text = doc["text"]
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{where}: text must be a non-empty string")
        return
    if not isinstance(doc["statements"], list):
        errors.append(f"{where}: statements must be a list")
        return

    speaker_labels: dict[str, tuple[str, str]] = {}
    spans: list[tuple[int, int, int]] = []
    prev_start = -1
    for i, st in enumerate(doc["statements"]):
        sw = f"{where} statement {i}"
        if not isinstance(st, dict) or st.keys() != STMT_KEYS:
            got = sorted(st.keys()) if isinstance(st, dict) else type(st).__name__
            errors.append(f"{sw}: keys must be exactly {sorted(STMT_KEYS)}, got {got}")
            continue
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
            continue
        span = text[start:end]
        if span != st["text"]:
            errors.append(f"{sw}: text[{start}:{end}] = {span!r} != stored {st['text']!r}")
        if span != span.strip():
            errors.append(f"{sw}: span has leading or trailing whitespace: {span!r}")
        if start < prev_start:
            errors.append(f"{sw}: statements are not sorted by start")
        prev_start = start
        spans.append((start, end, i))

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

        # Span conventions per kind.
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
        else:
            if st["speaker_role"] == "author":
                errors.append(f"{sw}: role author is only for kind author")
            cue, ss, se = st["cue"], st["speaker_start"], st["speaker_end"]
            if not isinstance(cue, str) or not cue:
                errors.append(f"{sw}: non-author statement needs a cue")
            if not (isinstance(ss, int) and isinstance(se, int) and 0 <= ss < se <= len(text)):
                errors.append(f"{sw}: bad speaker offsets {ss!r}, {se!r}")
                continue
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

        if kind == "author":
            continue  # A release's issuing body may also be quoted as "the office said".
        prev = speaker_labels.setdefault(st["speaker"], (st["speaker_role"], st["speaker_side"]))
        if prev != (st["speaker_role"], st["speaker_side"]):
            errors.append(f"{sw}: speaker {st['speaker']!r} has role/side {prev} elsewhere in "
                          f"the document and {(st['speaker_role'], st['speaker_side'])} here")

    # Duplicates and crossing spans (nesting is allowed).
    for a in range(len(spans)):
        for b in range(a + 1, len(spans)):
            (s1, e1, i1), (s2, e2, i2) = spans[a], spans[b]
            if (s1, e1) == (s2, e2):
                errors.append(f"{where}: statements {i1} and {i2} have the same span")
            elif s1 < s2 < e1 < e2 or s2 < s1 < e2 < e1:
                errors.append(f"{where}: statements {i1} and {i2} overlap without nesting")


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "statements.jsonl"
    errors: list[str] = []
    docs: list[dict] = []
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
            check_doc(n_line, doc, errors, seen_ids)
            if len(errors) == n_errors or isinstance(doc, dict) and DOC_KEYS <= doc.keys():
                docs.append(doc)

    statements = [st for d in docs for st in d.get("statements", []) if isinstance(st, dict)]
    counters = {name: Counter() for name in ("construction", "kind", "speaker_role",
                                             "speaker_side", "mention")}
    n_nested = 0
    for d in docs:
        sts = [s for s in d["statements"] if isinstance(s, dict) and "start" in s]
        for s in sts:
            counters["construction"][s.get("construction")] += 1
            counters["kind"][s.get("kind")] += 1
            counters["speaker_role"][s.get("speaker_role")] += 1
            counters["speaker_side"][s.get("speaker_side")] += 1
            if s.get("speaker_text"):
                counters["mention"][mention_type(s["speaker"], s["speaker_text"])] += 1
            if any(o is not s and o["start"] <= s["start"] and s["end"] <= o["end"]
                   for o in sts):
                n_nested += 1

    # Set-level coverage.
    if len(docs) < MIN_DOCS:
        errors.append(f"coverage: {len(docs)} documents, need at least {MIN_DOCS}")
    if len(statements) < MIN_STATEMENTS:
        errors.append(f"coverage: {len(statements)} statements, need at least {MIN_STATEMENTS}")
    for cons, n_min in sorted(MIN_PER_CONSTRUCTION.items()):
        if counters["construction"][cons] < n_min:
            errors.append(f"coverage: construction {cons} has "
                          f"{counters['construction'][cons]} statements, need {n_min}")

    print(f"file: {path}")
    print(f"documents: {len(docs)}   statements: {len(statements)}   "
          f"nested inside another statement: {n_nested}")
    doc_counters = {
        "register": Counter(d["register"] for d in docs),
        "country": Counter(str(d["country"]) for d in docs),
        "dispute": Counter(d["dispute"] for d in docs),
    }
    for name, counter in list(doc_counters.items()) + list(counters.items()):
        label = name if name != "mention" else "speaker mention type (heuristic)"
        print(f"\n{label}:")
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            print(f"  {str(key):34s}{n:5d}")
    if errors:
        print(f"\n{len(errors)} error(s):")
        for e in errors:
            print(f"  {e}")
        return 1
    print("\nOK: no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
