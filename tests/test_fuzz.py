"""Bad input cannot take a run down: a Hypothesis fuzz suite over the readers and text stages.

Properties (``docs/reliability.md``):

* :func:`~pipeline.ingest.read_corpus` never raises on a record-level problem and yields exactly
  one Document or Quarantined per record written (JSON Lines: per non-blank line; CSV: per data
  row; a ``.txt`` file: one), each at its own position;
* :func:`~pipeline.normalize.normalize_text` never raises and returns clean, encodable text;
* the statements stage (:meth:`StatementExtractor.process`) never raises, yields every document
  once, reports no internal failure (E112/E113), and keeps every offset inside the text:
  ``0 <= start <= end <= len(text)`` and ``text[start:end]`` equals the stored text.

The default profile is quick (``make test``); ``BLAMEGRAPH_FUZZ=slow`` (set by
``make test-slow``) draws many more examples, and the corpus-scale cases carry
``@pytest.mark.slow``.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import IngestConfig
from pipeline.errors import BlamegraphError, Reasons
from pipeline.ingest import read_corpus
from pipeline.normalize import normalize_text, split_chunks
from pipeline.schema import Document, Quarantined

PROFILES = {
    "fast": {"max_examples": 25},
    "slow": {"max_examples": 1000},
}
PROFILE = os.environ.get("BLAMEGRAPH_FUZZ", "fast")
if PROFILE not in PROFILES:
    raise ValueError(f"BLAMEGRAPH_FUZZ={PROFILE!r}: use one of {sorted(PROFILES)}")
# BLAMEGRAPH_FUZZ_EXAMPLES=N overrides the number of examples of either profile.
_EXAMPLES = {"max_examples": int(os.environ["BLAMEGRAPH_FUZZ_EXAMPLES"])} \
    if os.environ.get("BLAMEGRAPH_FUZZ_EXAMPLES") else {}
FUZZ = settings(deadline=None, database=None, **{**PROFILES[PROFILE], **_EXAMPLES},
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])

# --- what bad text looks like ---------------------------------------------------------------------
QUOTES = ['"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u201e", "\u00ab", "\u00bb",
          "\u2039", "\u203a", "\u300c", "\u300d", "\u300e", "\u300f", "\uff02"]
INVISIBLE = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\u00ad", "\u200b", "\u200c",
             "\u200d", "\u2060", "\ufeff", "\u2028", "\u2029", "\r", "\r\n", "\t", "\x0b",
             "\x0c", "\u00a0", "\u3000"]
BIDI = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
        "\u2067", "\u2068", "\u2069"]
SCRIPTS = ["\u0642\u0627\u0644 \u0627\u0644\u0648\u0632\u064a\u0631",  # Arabic
           "\u05d0\u05de\u05e8 \u05d4\u05e9\u05e8",  # Hebrew
           "\u4e2d\u56fd\u5546\u52a1\u90e8\u8868\u793a\uff0c",  # Chinese
           "\ud55c\uad6d \uc815\ubd80\ub294", "\u65e5\u672c\u653f\u5e9c\u306f",  # Korean, Japanese
           "e\u0301", "\U0001f1fa\U0001f1f8", "\U0001f600", "\u0939\u093f\u0902\u0926\u0940"]
HTML = ["<p>", "</p>", "<br>", "<div class='x'>", "</div>", "<script>var a = '\"';</script>",
        "<style>p{}</style>", "<!-- c -->", "<!--", "-->", "<b>", "</b>", "&amp;", "&nbsp;",
        "&#8220;", "&#x201d;", "&lt;p&gt;", "<a href=\"http://x\">", "</a>", "<q>", "<!DOCTYPE html>",
        "<![CDATA[x]]>", "<?xml?>", "&para", "<Reuters>"]
PROSE = ["The ministry said", " that ", "Washington", "Beijing", " accused ", "China", " of ",
         "the tariffs", " blamed ", "the United States", ", he said.", " said Hu Xijin.",
         " according to officials", ". ", "\n", "\n\n", " ", ",", "\u2014", "...", "Mr. ",
         "Trump", " told reporters", " insisted ", "\u2019s", "don\u2019t", "'90s",
         "WASHINGTON, Oct. 8 (Pacific Wire) \u2014 ", "(", ")", ":", "?", "!"]
SENTENCES = [
    'President Trump accused China of imposing its rare-earth controls "out of nowhere." ',
    "Chinese commentators insisted Beijing\u2019s move was a direct response to Washington\u2019s "
    "widening technology restrictions. ",
    "\u201cIf the trade war escalates further, that is definitely not in China\u2019s interests,\u201d "
    "said a professor at a university in Nanjing. ",
    "According to the Commerce Ministry, the United States is to blame for the escalation. ",
    "\u201cWe will fight to the end,\u201d Hu Xijin, the former editor, wrote. He added that "
    "Washington was a \u2018trade bully\u2019. ",
]
PIECES = QUOTES + INVISIBLE + BIDI + SCRIPTS + HTML + PROSE

# Text that can be written to a UTF-8 file (no surrogates; st.characters excludes them).
piece = st.one_of(st.sampled_from(PIECES), st.sampled_from(PROSE), st.sampled_from(QUOTES),
                  st.text(max_size=12))
texts = st.lists(piece, max_size=80).map("".join)
# Mostly English, so records get past the language check and reach the statements stage.
english_texts = st.lists(st.one_of(st.sampled_from(SENTENCES), st.sampled_from(PROSE),
                                   st.sampled_from(PROSE), st.sampled_from(PIECES)),
                         min_size=1, max_size=100).map(
    lambda parts: "The ministry said that " + "".join(parts))
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                         st.text(max_size=20), texts)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12)
invalid_utf8 = st.sampled_from([b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xa0\xa1", b"\xe2\x82",
                                b"\xf0\x28\x8c\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"])


@st.composite
def records(draw) -> dict:
    """A JSON object with the right or the wrong types in every field."""
    rec = {}
    if draw(st.booleans()):
        rec["id"] = draw(st.one_of(st.sampled_from(["a", "b", "c", "", " "]), json_values))
    if draw(st.integers(0, 9)):
        rec["text"] = draw(st.one_of(english_texts, english_texts, texts, json_values))
    for key in ("title", "date", "outlet", "country", "url", "lang", "extra_field"):
        if draw(st.integers(0, 3)) == 0:
            rec[key] = draw(st.one_of(json_values, st.sampled_from(
                ["2019-05-10", "2019-02-30", "en", "zh", "US", "CN", "China", "yesterday"])))
    return rec


@st.composite
def jsonl_lines(draw) -> bytes:
    """One line of a JSON Lines file, good or bad."""
    kind = draw(st.integers(0, 7))
    if kind <= 2:
        return json.dumps(draw(records()), ensure_ascii=draw(st.booleans())).encode("utf-8")
    if kind == 3:  # valid JSON that is not an object
        return json.dumps(draw(json_values)).encode("utf-8")
    if kind == 4:  # random bytes, newlines and all
        return draw(st.binary(max_size=80))
    if kind == 5:  # a good record with invalid UTF-8 spliced in
        line = json.dumps({"text": draw(english_texts)}, ensure_ascii=False).encode("utf-8")
        cut = draw(st.integers(0, len(line)))
        return line[:cut] + draw(invalid_utf8) + line[cut:]
    if kind == 6:  # truncated or garbled JSON
        line = json.dumps(draw(records())).encode("utf-8")
        return line[:draw(st.integers(0, len(line)))]
    return draw(st.sampled_from([b"", b"   ", b"\t", b"\xef\xbb\xbf", b"null", b"[]", b"{}",
                                 b'{"text": null}', b'{"text": ""}', b'{"id": {}, "text": "x"}',
                                 b"1" * 5000, b'{"id": ' + b"9" * 5000 + b', "text": "x"}',
                                 b"[" * 5000 + b"]" * 5000, b'{"a": ' + b"[" * 100_000,
                                 b'{"text": "\\ud800 said the minister"}']))


def expected_jsonl_positions(data: bytes) -> list[int]:
    """The 1-based line numbers that are records: every line that is not blank."""
    positions = []
    for lineno, line in enumerate(io.BytesIO(data), 1):
        if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if line.strip():
            positions.append(lineno)
    return positions


def check_items(items: list, positions: list[int]) -> None:
    """One item per record, at the record's position; every kept document usable."""
    assert all(isinstance(it, (Document, Quarantined)) for it in items)
    assert [it.position for it in items] == positions
    docs = [it for it in items if isinstance(it, Document)]
    assert len({d.doc_id for d in docs}) == len(docs), "ids in the outputs are unique"
    kept_ids = set()
    for it in items:
        if isinstance(it, Quarantined):
            assert it.reason in Reasons.ALL and it.message.startswith("[E"), it
            if it.reason == Reasons.DUPLICATE_ID:
                assert it.record_id in kept_ids
            continue
        kept_ids.add(it.doc_id)
        assert it.text and it.text == it.text.strip()
        it.text.encode("utf-8")  # no lone surrogates: Parquet can write it
        json.dumps(it.extra, allow_nan=False).encode("utf-8")
        spans = it.chunks
        assert spans[0][0] == 0 and spans[-1][1] == len(it.text)
        assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))


def read_bytes_as(suffix: str, data: bytes, loaded) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"corpus{suffix}"
        path.write_bytes(data)
        return list(read_corpus(path, loaded))


# --- normalize_text --------------------------------------------------------------------------------
_NOT_ALLOWED = set("\r\x0b\x0c\x85\u2028\u2029\u00ad\u200b\u200c\u200d\u2060\ufeff\u00a0\u3000")


@FUZZ
@given(st.lists(st.one_of(piece, st.sampled_from(["\ud800", "\udfff", "\udc80"])),
                max_size=80).map("".join),
       st.booleans())
def test_normalize_text_never_raises_and_returns_clean_text(text, strip_html):
    out = normalize_text(text, IngestConfig(strip_html=strip_html))
    out.encode("utf-8")  # surrogates replaced
    assert out == out.strip()
    assert "\n\n\n" not in out
    assert not _NOT_ALLOWED & set(out)
    assert not any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in out)
    assert unicodedata.is_normalized("NFC", out)


@pytest.mark.parametrize("text", ["e\u200b\u0301", "e\u00ad\u0301", "A\ufeff\u030a",
                                  "e\x07\u0301"])
def test_normalized_text_is_nfc_after_invisible_characters_go(text):
    """Regression: NFC ran before zero-width and control characters were removed, so a
    combining mark they separated from its base stayed decomposed."""
    out = normalize_text(text, IngestConfig())
    assert unicodedata.is_normalized("NFC", out) and len(out) == 1


# --- JSON Lines ------------------------------------------------------------------------------------
@FUZZ
@given(st.lists(jsonl_lines(), max_size=25), st.sampled_from([b"\n", b"\r\n"]), st.booleans())
def test_jsonl_one_item_per_record(loaded, lines, newline, bom):
    data = (b"\xef\xbb\xbf" if bom else b"") + newline.join(lines)
    items = read_bytes_as(".jsonl", data, loaded)
    check_items(items, expected_jsonl_positions(data))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", 1, 2, "1"]), english_texts),
                min_size=1, max_size=20))
def test_duplicate_ids_keep_the_first_only(loaded, pairs):
    data = b"\n".join(json.dumps({"id": i, "text": t}).encode() for i, t in pairs)
    items = read_bytes_as(".jsonl", data, loaded)
    check_items(items, list(range(1, len(pairs) + 1)))
    # the first record with an id that is kept claims it; any later one is a duplicate
    kept = set()
    for (given_id, _), item in zip(pairs, items):
        if str(given_id) in kept:
            assert isinstance(item, Quarantined) and item.reason == Reasons.DUPLICATE_ID
        elif isinstance(item, Document):
            kept.add(item.doc_id)


def test_json_that_breaks_the_parser_is_one_quarantined_record(loaded):
    """Regression: ints over 4300 digits (ValueError) and deep nesting (RecursionError) used
    to escape the JSONDecodeError handler and end the whole run."""
    lines = [b'{"id": ' + b"9" * 5000 + b', "text": "The minister said so."}',
             b"[" * 100_000 + b"]" * 100_000,
             b'{"text": "ok", "x": ' + b"[" * 50_000,
             b'{"id": "good", "text": "The minister said that the talks failed."}']
    items = read_bytes_as(".jsonl", b"\n".join(lines), loaded)
    assert [type(it).__name__ for it in items] == ["Quarantined"] * 3 + ["Document"]
    assert [it.reason for it in items[:3]] == [Reasons.BAD_JSON] * 3
    assert all(it.message.startswith("[E011]") for it in items[:3])


def test_deeply_nested_extra_field_is_kept(loaded):
    """Regression: a carried-through field nested just under json's limit must not crash."""
    depth = 900
    line = ('{"id": "n", "text": "The minister said that the talks failed.", "x": '
            + "[" * depth + "]" * depth + ', "title": ' + "[" * depth + "]" * depth + "}")
    items = read_bytes_as(".jsonl", line.encode(), loaded)
    assert len(items) == 1 and isinstance(items[0], Document)


# --- CSV -------------------------------------------------------------------------------------------
csv_cells = st.one_of(texts, english_texts, st.sampled_from(["", "a,b", 'say "no"', "x\ny",
                                                             "x\r\ny", "\n", ";|\t", "\x00"]))


@FUZZ
@given(st.permutations(["id", "text", "title", "date", "other"]).flatmap(
           lambda cols: st.integers(1, 5).map(lambda n: cols[:n] if "text" in cols[:n]
                                              else cols[:n] + ["text"])),
       st.sampled_from([",", ";", "\t", "|"]),
       st.data())
def test_csv_one_item_per_row(loaded, columns, delimiter, data):
    # Ragged rows only under a header of several columns: with one column the header does not
    # show the delimiter, and a ragged row makes the file ambiguous for any reader.
    n_fields = (st.just(1) if len(columns) == 1 else st.integers(1, len(columns) + 2))
    rows = data.draw(st.lists(n_fields.flatmap(
        lambda n: st.lists(csv_cells, min_size=n, max_size=n)), max_size=12))
    buf = io.StringIO(newline="")
    # With "\n" rows, csv.writer leaves a bare "\r" unquoted, which any reader takes for an
    # old Mac line end; quote everything then, as a careful writer would.
    terminator = data.draw(st.sampled_from(["\r\n", "\n"]))
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=terminator,
                        quoting=csv.QUOTE_MINIMAL if terminator == "\r\n" else csv.QUOTE_ALL)
    writer.writerow(columns)
    writer.writerows(rows)
    raw = buf.getvalue().encode("utf-8")
    bad_rows = set()
    if rows and data.draw(st.booleans()):  # splice invalid UTF-8 into one data row
        k = data.draw(st.integers(0, len(rows) - 1))
        marker = "\u2603MARK\u2603"
        rows[k][0] = rows[k][0] + marker
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, delimiter=delimiter)
        writer.writerow(columns)
        writer.writerows(rows)
        raw = buf.getvalue().encode("utf-8").replace(marker.encode(), data.draw(invalid_utf8))
        bad_rows.add(k + 1)
    items = read_bytes_as(".csv", raw, loaded)
    check_items(items, list(range(1, len(rows) + 1)))
    for position in bad_rows:
        assert items[position - 1].reason == Reasons.UNDECODABLE
    # a kept row's text is its 'text' cell, never a piece of it
    k_text = columns.index("text")
    for row, item in zip(rows, items):
        if isinstance(item, Document) and len(row) > k_text:
            assert item.text == normalize_text(row[k_text], loaded.cfg.ingest)


@FUZZ
@given(st.sampled_from([",", ";", "\t", "|"]), st.sampled_from([",", ";", "\t", "|"]),
       st.lists(st.lists(csv_cells, min_size=1, max_size=4), max_size=10))
def test_csv_with_the_wrong_delimiter_never_crashes(loaded, header_delimiter, row_delimiter,
                                                    rows):
    header = header_delimiter.join(["id", "text", "title"]) + "\n"
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=row_delimiter).writerows(rows)
    data = (header + buf.getvalue()).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.csv"
        path.write_bytes(data)
        items = list(read_corpus(path, loaded))
        # one item per row the csv module reads with the delimiter the reader chose
        with path.open(encoding="utf-8-sig", newline="") as f:
            n_rows = sum(1 for row in csv.reader(f, delimiter=header_delimiter) if row) - 1
    check_items(items, list(range(1, n_rows + 1)))


@FUZZ
@given(st.binary(max_size=300))
def test_csv_of_random_bytes(loaded, body):
    data = b"id,text\n" + body
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.csv"
        path.write_bytes(data)
        try:
            items = list(read_corpus(path, loaded))
        except BlamegraphError as e:  # only ever the whole file, never one record
            assert str(e).startswith(("[E004]", "[E005]")), e
            return
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
            n_rows = sum(1 for row in csv.reader(f) if row) - 1
    check_items(items, list(range(1, n_rows + 1)))


# --- .txt folders ----------------------------------------------------------------------------------
txt_bodies = st.one_of(st.binary(max_size=200), texts.map(lambda t: t.encode("utf-8")),
                       english_texts.map(lambda t: t.encode("utf-8")),
                       english_texts.map(lambda t: t.encode("utf-16")),
                       st.builds(lambda t, b: t.encode("utf-8") + b, english_texts, invalid_utf8),
                       st.just(b""), st.just(b"\xff\xfe\x00"), st.just(b"\xef\xbb\xbf"))


@FUZZ
@given(st.lists(txt_bodies, min_size=1, max_size=8))
def test_txt_folder_one_item_per_file(loaded, bodies):
    with tempfile.TemporaryDirectory() as tmp:
        for i, body in enumerate(bodies):
            (Path(tmp) / f"doc{i:02d}.txt").write_bytes(body)
        items = list(read_corpus(tmp, loaded))
    assert len(items) == len(bodies)
    check_items(items, [1] * len(bodies))
    ids = [it.doc_id if isinstance(it, Document) else it.record_id for it in items]
    assert ids == [f"doc{i:02d}" for i in range(len(bodies))]


# --- empty files, many tiny documents, one huge line -------------------------------------------------
def test_empty_files(tmp_path, loaded):
    (tmp_path / "e.jsonl").write_bytes(b"")
    assert list(read_corpus(tmp_path / "e.jsonl", loaded)) == []
    (tmp_path / "e.txt").write_bytes(b"")
    [item] = read_corpus(tmp_path / "e.txt", loaded)
    assert item.reason == Reasons.EMPTY_TEXT
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(BlamegraphError, match=r"\[E005\]"):
        read_corpus(tmp_path / "e.csv", loaded)
    (tmp_path / "h.csv").write_bytes(b"id,text\n")
    assert list(read_corpus(tmp_path / "h.csv", loaded)) == []


def tiny(n: int) -> str:
    return f"He said {n} was the answer."


N_TINY = 5000


def test_thousands_of_tiny_documents(tmp_path, loaded):
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps({"text": tiny(n)}) + "\n" for n in range(N_TINY)),
                    encoding="utf8")
    items = list(read_corpus(path, loaded))
    check_items(items, list(range(1, N_TINY + 1)))
    assert all(isinstance(it, Document) for it in items)


FIVE_MB = 5 * 1024 * 1024


def _huge_line(n_chars: int) -> str:
    sentence = 'The ministry said that "Washington is to blame" for the tariffs. '
    return (sentence * (n_chars // len(sentence) + 1))[:n_chars]


def test_5mb_single_line_document_is_quarantined_as_too_large(tmp_path, loaded):
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps({"id": "huge", "text": _huge_line(FIVE_MB)}) + "\n"
                    + json.dumps({"id": "next", "text": tiny(1)}) + "\n", encoding="utf8")
    huge, nxt = read_corpus(path, loaded)
    assert huge.reason == Reasons.TOO_LARGE and huge.message.startswith("[E019]")
    assert isinstance(nxt, Document)


@pytest.fixture(scope="module")
def under_limit_document(loaded):
    """One single-line document just under ingest.max_bytes: kept, and split into chunks."""
    n_chars = loaded.cfg.ingest.max_bytes - 1000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.txt"
        path.write_text(_huge_line(n_chars), encoding="utf8")
        [doc] = read_corpus(path, loaded)
    return doc


def test_single_line_document_under_the_limit_is_chunked(under_limit_document, loaded):
    doc = under_limit_document
    assert isinstance(doc, Document) and doc.status == "partial"
    assert len(doc.chunks) >= len(doc.text) // loaded.cfg.ingest.chunk_chars
    assert all(e - s <= loaded.cfg.ingest.chunk_chars for s, e in doc.chunks)
    assert "".join(doc.text[s:e] for s, e in doc.chunks) == doc.text


def test_split_chunks_without_any_whitespace():
    text = "x" * 1000
    spans = split_chunks(text, 64)
    assert spans[0] == (0, 64) and spans[-1][1] == 1000
    assert all(e - s <= 64 for s, e in spans)


# --- the statements stage --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def extractor(loaded):
    from pipeline.statements import StatementExtractor

    return StatementExtractor(loaded)


def check_statements(extractor, documents: list[Document]) -> list:
    out = list(extractor.process(documents))
    assert [d.doc_id for d, _, _ in out] == [d.doc_id for d in documents]
    for doc, statements, entities in out:
        text = doc.text
        internal = [w for w in doc.warnings if w.startswith(("[E112]", "[E113]", "[E102]"))]
        assert not internal, internal
        for s in statements:
            assert 0 <= s.start <= s.end <= len(text), s
            assert text[s.start:s.end] == s.text
            if s.speaker_start is not None:
                assert 0 <= s.speaker_start <= s.speaker_end <= len(text), s
                assert text[s.speaker_start:s.speaker_end] == s.speaker_text
        for ent in entities:
            assert 0 <= ent.start <= ent.end <= len(text)
            assert text[ent.start:ent.end] == ent.text
    return out


def documents_from(texts_: list[str], loaded) -> list[Document]:
    data = "\n".join(json.dumps({"text": t}) for t in texts_).encode("utf-8")
    return [it for it in read_bytes_as(".jsonl", data, loaded) if isinstance(it, Document)]


@FUZZ
@given(st.lists(st.one_of(english_texts, texts), min_size=1, max_size=4), st.booleans())
def test_statements_never_raise_and_offsets_stay_inside(extractor, loaded, batch, chunked):
    documents = documents_from(batch, loaded)
    if chunked:  # small chunks, as ingest makes for long texts, so chunk offsets get fuzzed
        for doc in documents:
            doc.chunks = split_chunks(doc.text, 60)
    check_statements(extractor, documents)


MARKS = ['"', "\u201c", "\u201d", "'", "\u2018", "\u00ab", "\u300c"]
RUNS = ["{m}", "{m}a ", "{m}no{m}, he said. "]


def quote_run(mark: str, pattern: str) -> str:
    """A text with 10,000 quotation marks."""
    unit = pattern.format(m=mark)
    return "The minister said: " + unit * (10_000 // unit.count(mark))


@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize("pattern", RUNS)
def test_ten_thousand_quotation_marks_scan(mark, pattern):
    from pipeline.statements import scan_quotes

    text = quote_run(mark, pattern)
    quotes, warnings = scan_quotes(text)
    for q in quotes:
        assert 0 <= q["open"] < q["start"] <= q["end"] <= len(text)
    assert all(0 <= w["pos"] < len(text) for w in warnings)


@pytest.mark.parametrize("mark", ['"', "\u201c", "'"])
def test_ten_thousand_quotation_marks(extractor, mark):
    text = quote_run(mark, "{m}")
    check_statements(extractor, [Document("q", text, "t", 1, chunks=[(0, len(text))])])


@pytest.mark.slow
@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize("pattern", RUNS)
def test_ten_thousand_quotation_marks_every_style(extractor, mark, pattern):
    text = quote_run(mark, pattern)
    check_statements(extractor, [Document("q", text, "t", 1, chunks=[(0, len(text))])])


@pytest.mark.parametrize("text", [
    'He said: "She told me \u2018they said \u201cno\u201d\u2019 twice".',  # nested three deep
    '"""""" said the minister.',
    "\u201c\u201c\u201c\u201d\u201d the minister said \u201d\u201d.",
    "\u00bbReversed\u00ab, said the minister. \u00abGuillemets\u00bb, he added.",
    '"Unclosed at the end of a paragraph, said the minister.\n\nNext paragraph" said Hu.',
    "\u300c\u4e2d\u56fd\u300d, the ministry said \u300cno\u300d.",
    "'Single', said Li. 'Nested \"double\" inside', he added.",
    '" " " " " " said the spokesman.',
])
def test_unbalanced_and_nested_quotes(extractor, text):
    check_statements(extractor, [Document("n", text, "t", 1)])


@pytest.mark.slow
def test_statements_on_a_single_line_document_near_the_byte_limit(extractor,
                                                                   under_limit_document):
    check_statements(extractor, [under_limit_document])


@pytest.mark.slow
def test_statements_on_thousands_of_tiny_documents(extractor, loaded, tmp_path):
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps({"text": tiny(n)}) + "\n" for n in range(N_TINY)),
                    encoding="utf8")
    docs = [it for it in read_corpus(path, loaded) if isinstance(it, Document)]
    out = check_statements(extractor, docs)
    assert sum(len(s) for _, s, _ in out) >= N_TINY // 2


def test_many_quote_marks_scan_in_linear_time():
    """Regression: the single-mark pass checked every mark against a list of all quotes found
    so far, so 20,000 paired marks took about half a minute (now well under a second)."""
    import time

    from pipeline.statements import scan_quotes

    text = '"a" \u2018b\u2019 ' * 10_000
    started = time.perf_counter()
    quotes, _ = scan_quotes(text)
    assert len(quotes) == 20_000
    assert time.perf_counter() - started < 20


def test_long_punctuation_runs_tokenize_in_linear_time(extractor):
    """Regression: spaCy's tokenizer is quadratic in a run of prefix/suffix punctuation
    ('=' * 20_000 took over a minute); parse_text breaks such runs, keeping every offset."""
    import time

    from pipeline.statements import parse_text

    def text(n: int) -> str:
        return "The minister said so. " + "=" * n + " (" * 3 + "(" * n + "x"

    assert len(parse_text(text(20_000))) == len(text(20_000))
    started = time.perf_counter()
    extractor.nlp.make_doc(parse_text(text(20_000)))  # the tokenizer is where time went
    assert time.perf_counter() - started < 10
    small = text(2_000)
    check_statements(extractor, [Document("r", small, "t", 1, chunks=[(0, len(small))])])


def test_one_column_csv_with_semicolons_keeps_its_commas(tmp_path, loaded):
    """Regression: a one-column header reads the same under every delimiter, and ',' was
    chosen blindly, so a ';'-separated file had its text cut at the first comma."""
    path = tmp_path / "c.csv"
    text = "The minister said, firmly, that Washington was to blame."
    path.write_text(f'text\n{text}\n"{text}; again"\n', encoding="utf8")
    docs = list(read_corpus(path, loaded))
    assert [d.text for d in docs] == [text, f"{text}; again"]
    assert all(d.status == "ok" for d in docs)


@pytest.mark.parametrize("text", ['The ministry said that ", he said.',
                                  '"Fine," she said. Then ", he said Li.'])
def test_empty_unclosed_quote_before_an_attribution(extractor, text):
    """Regression: an unclosed mark right before ', he said' made an empty quote, which was
    not kept, and the code then marked quotes[-1] as closed: an IndexError (the whole text
    lost its statements, E112) or, with an earlier quote, the wrong quote changed."""
    from pipeline.statements import scan_quotes

    quotes, _ = scan_quotes(text)
    assert all("vclose" not in q for q in quotes)
    check_statements(extractor, [Document("v", text, "t", 1)])


def test_mixed_statement_with_an_unclosed_fragment_stays_inside_the_text(extractor):
    """Regression: a mixed statement was extended to one past its quote's closing mark, and
    for an unclosed quote (no mark) that was one past the end of the text."""
    text = '\' according to officials"The ministry said'
    [(_, statements, _)] = check_statements(extractor, [Document("m", text, "t", 1)])
    assert any(s.kind == "mixed" and s.end == len(text) for s in statements)
