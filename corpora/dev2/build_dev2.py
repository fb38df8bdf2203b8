"""Build the DEV2 statements.jsonl from the marked-up sources in source/*.txt (stdlib only).

Copy of corpora/gold/build_gold.py; it reads corpora/dev2/source/ and writes
corpora/dev2/statements.jsonl (paths are relative to this file). Document ids are e001....

Offsets are never typed by hand. Each source document marks its spans inline:

    [[s1|content of a statement]]     a statement span, key ``s1``
    [[p1|the spokesperson]]           a speaker mention, key ``p1``

Markers nest (a nested attribution inside a quote or a reported clause), so the
parser keeps a stack and records each span's offsets in the *clean* text, i.e.
the text with every marker removed. The ``statements:`` block then says, per
statement key, its construction, cue, speaker (an alias from ``speakers:``) and
the mention key the cue attaches to.

Source layout (one or more documents per file)::

    === d001
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

Usage: python build_dev2.py   (writes statements.jsonl next to this file)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE / "source"
OUT_PATH = HERE / "statements.jsonl"

DEFAULT_KIND = {
    "quote_plain": "direct",
    "quote_split": "direct",
    "quote_multi_sentence": "direct",
    "quote_paragraph_continuation": "direct",
    "quote_unbalanced": "direct",
    "quote_colon": "direct",
    "quote_dash": "direct",
    "said_that": "indirect",
    "verb_of_accusation": "indirect",
    "according_to": "indirect",
    "told_reporters": "indirect",
    "participial": "indirect",
    "passive": "indirect",
    "mixed": "mixed",
    "rhetorical_question": "direct",
    "author": "author",
}

OPEN_RE = re.compile(r"\[\[([A-Za-z0-9_]+)\|")


class SourceError(ValueError):
    pass


def parse_markup(raw: str, doc_id: str) -> tuple[str, dict[str, tuple[int, int]]]:
    """Strip [[key|...]] markers; return clean text and key -> (start, end)."""
    out: list[str] = []
    pos_out = 0
    stack: list[tuple[str, int]] = []
    spans: dict[str, tuple[int, int]] = {}
    i = 0
    while i < len(raw):
        m = OPEN_RE.match(raw, i)
        if m:
            stack.append((m.group(1), pos_out))
            i = m.end()
            continue
        if raw.startswith("]]", i):
            if not stack:
                raise SourceError(f"{doc_id}: ']]' without an open marker near {raw[max(0, i-40):i]!r}")
            key, start = stack.pop()
            if key in spans:
                raise SourceError(f"{doc_id}: marker key {key!r} used twice")
            spans[key] = (start, pos_out)
            i += 2
            continue
        out.append(raw[i])
        pos_out += 1
        i += 1
    if stack:
        raise SourceError(f"{doc_id}: unclosed marker(s) {[k for k, _ in stack]}")
    return "".join(out), spans


def normalize_paragraphs(block: str) -> str:
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", block.strip())]
    return "\n\n".join(p for p in paragraphs if p)


def parse_doc(doc_id: str, lines: list[str]) -> dict:
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
        if section == "meta":
            if not stripped or stripped.startswith("#"):
                continue
            key, _, value = stripped.partition(":")
            meta[key.strip()] = value.strip()
        elif section == "speakers":
            if not stripped or stripped.startswith("#"):
                continue
            alias, _, rest = stripped.partition("=")
            parts = [p.strip() for p in rest.split("|")]
            if len(parts) != 3:
                raise SourceError(f"{doc_id}: bad speaker line {stripped!r}")
            speakers[alias.strip()] = (parts[0], parts[1], parts[2])
        elif section == "text":
            text_lines.append(line)
        else:
            if stripped and not stripped.startswith("#"):
                stmt_lines.append(stripped)

    raw = normalize_paragraphs("\n".join(text_lines))
    text, spans = parse_markup(raw, doc_id)
    country = None if meta.get("country", "null") == "null" else meta["country"]
    outlet = meta["outlet"]

    statements = []
    used_keys = set()
    for line in stmt_lines:
        parts = [p.strip() for p in line.split("|")]
        key = parts[0]
        construction, _, kind = parts[1].partition(":")
        kind = kind or DEFAULT_KIND.get(construction)
        if kind is None:
            raise SourceError(f"{doc_id}: unknown construction in {line!r}")
        if key not in spans:
            raise SourceError(f"{doc_id}: statement key {key!r} has no span")
        start, end = spans[key]
        used_keys.add(key)
        rec = {"kind": kind, "construction": construction, "start": start, "end": end,
               "text": text[start:end]}
        if kind == "author":
            if len(parts) != 2:
                raise SourceError(f"{doc_id}: author line takes no cue/speaker: {line!r}")
            rec.update(cue=None, speaker=outlet, speaker_text=None, speaker_start=None,
                       speaker_end=None, speaker_role="author",
                       speaker_side=country or "UNKNOWN")
        else:
            if len(parts) != 5:
                raise SourceError(f"{doc_id}: need key | construction | cue | speaker | mention: {line!r}")
            cue, alias, mkey = parts[2], parts[3], parts[4]
            if alias not in speakers:
                raise SourceError(f"{doc_id}: unknown speaker alias {alias!r}")
            if mkey not in spans:
                raise SourceError(f"{doc_id}: unknown mention key {mkey!r}")
            used_keys.add(mkey)
            name, role, side = speakers[alias]
            ms, me = spans[mkey]
            rec.update(cue=cue, speaker=name, speaker_text=text[ms:me], speaker_start=ms,
                       speaker_end=me, speaker_role=role, speaker_side=side)
        statements.append(rec)
    unused = set(spans) - used_keys
    if unused:
        raise SourceError(f"{doc_id}: marked spans never used: {sorted(unused)}")
    statements.sort(key=lambda s: (s["start"], -s["end"]))
    order = ["kind", "construction", "start", "end", "text", "cue", "speaker", "speaker_text",
             "speaker_start", "speaker_end", "speaker_role", "speaker_side"]
    statements = [{k: s[k] for k in order} for s in statements]
    return {
        "id": doc_id,
        "date": meta["date"],
        "outlet": outlet,
        "country": country,
        "register": meta["register"],
        "dispute": meta["dispute"],
        "text": text,
        "statements": statements,
    }


def parse_file(path: Path) -> list[dict]:
    docs = []
    current_id = None
    current: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("=== "):
            if current_id:
                docs.append(parse_doc(current_id, current))
            current_id, current = line[4:].strip(), []
        elif current_id:
            current.append(line)
    if current_id:
        docs.append(parse_doc(current_id, current))
    return docs


def main() -> int:
    docs = []
    for path in sorted(SOURCE_DIR.glob("*.txt")):
        try:
            docs.extend(parse_file(path))
        except SourceError as e:
            print(f"{path.name}: {e}", file=sys.stderr)
            return 1
    docs.sort(key=lambda d: d["id"])
    with OUT_PATH.open("w", encoding="utf-8") as f:
        for doc in docs:
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    n_statements = sum(len(d["statements"]) for d in docs)
    print(f"wrote {len(docs)} documents, {n_statements} statements to {OUT_PATH.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
