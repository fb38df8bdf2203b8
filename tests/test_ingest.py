"""Reading every input format into Documents and Quarantined records (pipeline/ingest.py)."""
from __future__ import annotations

import csv
import hashlib
import inspect
import json
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.config import load_config
from pipeline.errors import BlamegraphError, Reasons
from pipeline.ingest import input_files, parse_date, read_corpus
from pipeline.schema import Document, Quarantined


def english(n: int) -> str:
    """A distinct English text per n, so no two records are duplicate content."""
    return (f"The commerce ministry said on day {n} that it would respond to the new tariffs, "
            f"and that the United States was to blame for the escalation of the trade war.")


FRENCH = ("Le ministère du Commerce a déclaré jeudi qu'il prendrait les mesures nécessaires "
          "pour défendre ses intérêts, après que Washington a ajouté des entreprises à la liste.")


def write_jsonl(path: Path, lines: list) -> Path:
    """Lines are dicts (dumped), str (written as is) or bytes (written raw)."""
    with path.open("wb") as f:
        for line in lines:
            if isinstance(line, dict):
                line = json.dumps(line, ensure_ascii=False)
            f.write((line.encode("utf-8") if isinstance(line, str) else line) + b"\n")
    return path


def read(path, loaded) -> list[Document | Quarantined]:
    return list(read_corpus(path, loaded))


def docs_of(items) -> list[Document]:
    return [it for it in items if isinstance(it, Document)]


def quarantined_of(items) -> list[Quarantined]:
    return [it for it in items if isinstance(it, Quarantined)]


# --- JSON Lines --------------------------------------------------------------------------------
def test_jsonl_fields_and_defaults(tmp_path, loaded):
    path = write_jsonl(tmp_path / "corpus.jsonl", [
        {"id": "a1", "text": "  " + english(1) + "  ", "title": "Tariffs", "date": "2019-05-10",
         "outlet": "Reuters", "country": "US", "url": "https://x.test/a1", "lang": "en",
         "section": "world", "tags": ["trade", "china"], "score": 0.5},
        "",
        {"id": 42, "text": english(2), "title": 2019, "date": "2019-05-10T14:30:00+08:00",
         "country": "China"},
        {"text": english(3), "date": "yesterday", "country": "Atlantis"},
    ])
    d1, d2, d3 = read(path, loaded)
    assert (d1.doc_id, d1.text, d1.title, d1.date, d1.outlet, d1.country, d1.url, d1.lang) == (
        "a1", english(1), "Tariffs", "2019-05-10", "Reuters", "US", "https://x.test/a1", "en")
    assert d1.extra == {"section": "world", "tags": ["trade", "china"], "score": 0.5}
    assert (d1.source, d1.position, d1.status, d1.warnings) == (str(path), 1, "ok", [])
    assert d1.content_hash == hashlib.sha256(english(1).encode("utf-8")).hexdigest()
    assert d1.chunks == [(0, len(english(1)))]
    # integer id → str, non-string title → str, datetime → date, place name → side
    assert (d2.doc_id, d2.title, d2.date, d2.country, d2.position) == (
        "42", "2019", "2019-05-10", "CN", 3)
    assert d2.lang == "en" and d2.outlet is None and d2.extra == {}
    # no id → "{stem}-{line}"; unparseable date and unknown country are warnings, not skips
    assert (d3.doc_id, d3.date, d3.country, d3.status) == ("corpus-4", None, "UNKNOWN", "partial")
    assert any("date 'yesterday' is not ISO 8601" in w and "stored as null" in w
               for w in d3.warnings)
    assert any("[W001]" in w and "'Atlantis'" in w for w in d3.warnings)


def test_jsonl_bom_crlf_and_json_extension(tmp_path, loaded):
    path = tmp_path / "export.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "x", "text": english(1)}).encode()
                     + b"\r\n" + json.dumps({"id": "y", "text": english(2)}).encode() + b"\r\n")
    assert [(d.doc_id, d.position) for d in read(path, loaded)] == [("x", 1), ("y", 2)]


def test_jsonl_lone_surrogate_cannot_break_outputs(tmp_path, loaded):
    path = write_jsonl(tmp_path / "c.jsonl",
                       ['{"id": "s\\ud800", "text": "%s \\ud800", "title": "T\\udc00"}'
                        % english(1)])
    (doc,) = read(path, loaded)
    for value in (doc.doc_id, doc.text, doc.title):
        assert "\ufffd" in value
        value.encode("utf-8")  # would raise on a lone surrogate


# --- CSV ---------------------------------------------------------------------------------------
CSV_CASES = [
    ("comma", ","),
    ("semicolon", ";"),
    ("tab", "\t"),
    ("pipe", "|"),
]


@pytest.mark.parametrize("name,delimiter", CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_csv_delimiters_and_embedded_newlines(tmp_path, loaded, name, delimiter):
    path = tmp_path / "news.csv"
    body = english(1) + "\n\nSecond paragraph, with commas; semicolons | pipes\tand tabs."
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(["id", "title", "text", "date"])
        w.writerow(["n1", "Title, one", body, "2020-01-02"])
        w.writerow(["n2", "", english(2), ""])
    d1, d2 = read(path, loaded)
    assert (d1.doc_id, d1.title, d1.date, d1.position) == ("n1", "Title, one", "2020-01-02", 1)
    assert d1.text == english(1) + "\n\nSecond paragraph, with commas; semicolons | pipes and tabs."
    # an empty cell is a missing value, not an empty string
    assert (d2.doc_id, d2.title, d2.date, d2.position) == ("n2", None, None, 2)


def test_csv_bom_long_field_and_ragged_rows(tmp_path, loaded):
    path = tmp_path / "big.csv"
    long_text = " ".join(english(i) for i in range(1200))  # ~190k chars > csv's 128 KiB limit
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerow(["long", long_text])
        w.writerow([])  # a blank row is not a record
        w.writerow(["extra", english(2), "surplus"])
        w.writerow(["short"])
    d1, d2, q = read(path, loaded)
    assert (d1.doc_id, len(d1.text), d1.position) == ("long", len(long_text), 1)
    assert (d2.doc_id, d2.position, d2.extra) == ("extra", 2, {"_extra_fields": ["surplus"]})
    assert d2.status == "partial" and "[E037]" in d2.warnings[0]
    assert (q.reason, q.position, q.record_id) == (Reasons.MISSING_TEXT, 3, "short")


def test_csv_bad_bytes_quarantine_one_row(tmp_path, loaded):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"id,text\nok1," + english(1).encode() + b"\nbad,Caf\xe9 text\nok2,"
                     + english(2).encode() + b"\n")
    items = read(path, loaded)
    assert [type(it).__name__ for it in items] == ["Document", "Quarantined", "Document"]
    assert (items[1].reason, items[1].position) == (Reasons.UNDECODABLE, 2)
    assert "0xe9" in items[1].message and "'text'" in items[1].message


# --- Parquet -----------------------------------------------------------------------------------
def test_parquet_batches_types_and_positions(tmp_path, loaded):
    n_rows = 2_500  # crosses record-batch boundaries
    table = pa.table({
        "id": pa.array([None] + [f"p{i}" for i in range(2, n_rows + 1)]),
        "text": [english(i) for i in range(1, n_rows + 1)],
        "date": pa.array([date(2021, 3, 4)] * n_rows, pa.date32()),
        "fetched": pa.array([datetime(2021, 3, 5, 6, 7)] * n_rows, pa.timestamp("s")),
        "score": [float("nan")] + [1.5] * (n_rows - 1),
    })
    path = tmp_path / "news.parquet"
    pq.write_table(table, path, row_group_size=700)
    items = read(path, loaded)
    assert len(items) == n_rows and all(isinstance(it, Document) for it in items)
    assert [d.position for d in items] == list(range(1, n_rows + 1))
    first, last = items[0], items[-1]
    assert (first.doc_id, first.date, first.extra) == (
        "news-1", "2021-03-04", {"fetched": "2021-03-05 06:07:00", "score": None})
    assert (last.doc_id, last.text, last.extra["score"]) == (f"p{n_rows}", english(n_rows), 1.5)
    json.dumps(last.extra)


# --- folders of .txt ---------------------------------------------------------------------------
def test_txt_folder_nested_ids(tmp_path, loaded):
    root = tmp_path / "articles"
    (root / "2019" / "05").mkdir(parents=True)
    (root / "a.txt").write_text(english(1), encoding="utf-8")
    (root / "2019" / "b.txt").write_bytes(b"\xef\xbb\xbf" + english(2).encode())
    (root / "2019" / "05" / "c.v2.txt").write_text(english(3), encoding="utf-8")
    (root / "2019" / "05" / "w.txt").write_bytes(english(4).encode("utf-16"))  # with BOM
    items = read(root, loaded)
    assert [(d.doc_id, d.position, d.text) for d in items] == [
        ("2019/05/c.v2", 1, english(3)), ("2019/05/w", 1, english(4)),
        ("2019/b", 1, english(2)), ("a", 1, english(1))]
    assert items[-1].source == str(root / "a.txt")


def test_single_txt_file_id_is_stem(tmp_path, loaded):
    path = tmp_path / "story.txt"
    path.write_text(english(1))
    (doc,) = read(path, loaded)
    assert (doc.doc_id, doc.position, doc.source) == ("story", 1, str(path))


TXT_CASES = [
    ("nul_bytes", b"PK\x03\x04\x00\x00binary", Reasons.NOT_TEXT, "NUL byte"),
    ("latin1", english(1).encode() + b" caf\xe9", Reasons.UNDECODABLE, "0xe9"),
    ("too_large", english(1).encode() * 20, Reasons.TOO_LARGE, "ingest.max_bytes=1000"),
    ("empty", b"  \n\n \xe2\x80\x8b ", Reasons.EMPTY_TEXT, "no text left"),
]


@pytest.mark.parametrize("name,data,reason,fragment", TXT_CASES, ids=[c[0] for c in TXT_CASES])
def test_txt_quarantine(tmp_path, name, data, reason, fragment):
    loaded = load_config(overrides=["ingest.max_bytes=1000"])
    root = tmp_path / "txt"
    root.mkdir()
    (root / "good.txt").write_text(english(1))
    (root / f"{name}.txt").write_bytes(data)
    items = read(root, loaded)
    (q,) = quarantined_of(items)
    assert (q.reason, q.position, q.record_id, q.source) == (
        reason, 1, name, str(root / f"{name}.txt"))
    assert fragment in q.message
    assert [d.doc_id for d in docs_of(items)] == ["good"]


# --- saved datasets ----------------------------------------------------------------------------
def test_saved_dataset(tmp_path, loaded):
    import datasets

    folder = tmp_path / "ds"
    datasets.Dataset.from_dict({
        "id": ["d1", "d2", None],
        "text": [english(1), FRENCH, english(3)],
        "outlet": ["Xinhua", "Le Monde", None],
        "views": [10, 20, 30],
    }).save_to_disk(str(folder))
    assert input_files(folder) == [(folder, "hf_dataset")]
    d1, q, d3 = read(folder, loaded)
    assert (d1.doc_id, d1.outlet, d1.extra, d1.position) == ("d1", "Xinhua", {"views": 10}, 1)
    assert (q.reason, q.position, q.record_id) == (Reasons.NOT_ENGLISH, 2, "d2")
    assert (d3.doc_id, d3.position, d3.source) == ("ds-3", 3, str(folder))


# --- mixed folders -----------------------------------------------------------------------------
def test_mixed_folder_order_and_skips(tmp_path, loaded):
    import datasets

    root = tmp_path / "mixed"
    (root / "sub").mkdir(parents=True)
    (root / ".cache").mkdir()
    write_jsonl(root / "b.jsonl", [{"id": "j1", "text": english(1)}])
    (root / "a.csv").write_text(f"id,text\nc1,{english(2)}\n")
    pq.write_table(pa.table({"id": ["p1"], "text": [english(3)]}), root / "c.parquet")
    (root / "sub" / "t.txt").write_text(english(4))
    datasets.Dataset.from_dict({"id": ["h1"], "text": [english(5)]}).save_to_disk(
        str(root / "sub" / "hf"))
    for skipped in ("README.md", "README.txt", "DATACARD.jsonl", "notes.md", ".hidden.jsonl",
                    "image.png", ".cache/x.jsonl"):
        (root / skipped).write_text(json.dumps({"id": skipped, "text": english(99)}))
    assert input_files(root) == [
        (root / "a.csv", "csv"), (root / "b.jsonl", "jsonl"), (root / "c.parquet", "parquet"),
        (root / "sub" / "hf", "hf_dataset"), (root / "sub" / "t.txt", "txt")]
    assert [d.doc_id for d in read(root, loaded)] == ["c1", "j1", "p1", "h1", "sub/t"]


def test_fallback_ids_unique_across_folder(tmp_path, loaded):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        write_jsonl(tmp_path / sub / "corpus.jsonl", [{"text": english(ord(sub))}])
    assert [d.doc_id for d in read(tmp_path, loaded)] == ["a/corpus-1", "b/corpus-1"]


# --- every quarantine reason, with its position --------------------------------------------
BROKEN_LINES = [
    {"id": "good1", "text": english(1)},                      # 1
    "",                                                       # 2 blank: not a record
    '{"id": "bj", "text": "unterminated',                     # 3
    "[1, 2]",                                                 # 4
    {"id": "m"},                                              # 5
    {"id": "n", "text": 5},                                   # 6
    {"id": "e", "text": "  <p> </p> \u200b "},                # 7
    {"id": ["x"], "text": english(8)},                        # 8
    {"id": "good1", "text": english(9)},                      # 9
    {"id": "dupc", "text": "<p>" + english(1) + "</p>"},      # 10 same text once normalized
    {"id": "fr", "text": FRENCH},                             # 11
    {"id": "zh", "text": english(12), "lang": "zh"},          # 12
    {"id": "big", "text": english(13) * 20},                  # 13
    b'{"id": "u", "text": "caf\xe9"}',                        # 14
    {"id": "good2", "text": english(15), "lang": "en-US"},    # 15
    {"id": "", "text": english(16)},                          # 16
    {"id": "nul", "text": None},                              # 17
    "   ",                                                    # 18 blank
    '"just a string"',                                        # 19
]
REASON_CASES = [
    (Reasons.BAD_JSON, 3, None, "not valid JSON"),
    (Reasons.NOT_AN_OBJECT, 4, None, "JSON array"),
    (Reasons.MISSING_TEXT, 5, "m", "has no 'text' field"),
    (Reasons.NON_STRING_TEXT, 6, "n", "of type int"),
    (Reasons.EMPTY_TEXT, 7, "e", "no text left after normalization"),
    (Reasons.BAD_ID, 8, None, "id ['x'] of type list"),
    (Reasons.DUPLICATE_ID, 9, "good1", "already used by record 1"),
    (Reasons.DUPLICATE_CONTENT, 10, "dupc", "same text as 'good1'"),
    (Reasons.NOT_ENGLISH, 11, "fr", "does not look like English"),
    (Reasons.NOT_ENGLISH, 12, "zh", "declares lang 'zh'"),
    (Reasons.TOO_LARGE, 13, "big", "more than ingest.max_bytes=1000"),
    (Reasons.UNDECODABLE, 14, None, "not valid UTF-8"),
    (Reasons.BAD_ID, 16, None, "id '' of type str"),
    (Reasons.MISSING_TEXT, 17, "nul", "has a null 'text'"),
    (Reasons.NOT_AN_OBJECT, 19, None, "JSON string"),
]


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    path = write_jsonl(tmp_path_factory.mktemp("broken") / "corpus.jsonl", BROKEN_LINES)
    return path, read(path, load_config(overrides=["ingest.max_bytes=1000"]))


def test_broken_jsonl_reconciles(broken):
    path, items = broken
    n_read = sum(1 for line in path.read_bytes().splitlines() if line.strip())
    assert n_read == 17
    assert len(docs_of(items)) + len(quarantined_of(items)) == n_read == len(items)
    assert [d.doc_id for d in docs_of(items)] == ["good1", "good2"]
    positions = [it.position for it in items]
    assert positions == sorted(positions)  # input order
    assert {q.reason for q in quarantined_of(items)} == set(Reasons.ALL) - {
        Reasons.NOT_TEXT, Reasons.PROCESSING_FAILED, Reasons.TIMEOUT}  # TIMEOUT: the runner's


@pytest.mark.parametrize("reason,position,record_id,fragment", REASON_CASES,
                         ids=[f"{c[0]}@{c[1]}" for c in REASON_CASES])
def test_quarantine_reason_and_position(broken, reason, position, record_id, fragment):
    path, items = broken
    (q,) = [it for it in quarantined_of(items) if it.position == position]
    assert (q.reason, q.record_id, q.source) == (reason, record_id, str(path))
    assert f"Record {position} of {path}" in q.message
    assert fragment in q.message
    assert q.message.startswith("[E0")


def test_missing_text_message_reads_like_the_style_guide(broken):
    path, items = broken
    (q,) = [it for it in quarantined_of(items) if it.position == 5]
    assert q.message == (f"[E012] Record 5 of {path} has no 'text' field. "
                         "Every record needs a non-empty 'text'.")


def test_bad_id_message_says_what_to_do(broken):
    _, items = broken
    (q,) = [it for it in quarantined_of(items) if it.position == 8]
    assert "'corpus-8'" in q.message and "string or an integer" in q.message


def test_quarantined_records_do_not_claim_ids_or_texts(tmp_path, loaded):
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "a", "text": FRENCH},          # quarantined: not English
        {"id": "a", "text": english(1)},      # so this id is still free
        {"id": "b", "text": english(1)},      # same text as a kept record: duplicate
    ])
    items = read(path, loaded)
    assert [type(it).__name__ for it in items] == ["Quarantined", "Document", "Quarantined"]
    assert items[2].reason == Reasons.DUPLICATE_CONTENT and "'a'" in items[2].message


def test_duplicate_content_can_be_kept(tmp_path):
    loaded = load_config(overrides=["ingest.drop_duplicate_content=false"])
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": english(1)},
                                              {"id": "b", "text": english(1)}])
    a, b = read(path, loaded)
    assert isinstance(b, Document) and a.content_hash == b.content_hash


LANG_CASES = [
    ("en", ["en"], True), ("EN", ["en"], True), ("en-GB", ["en"], True), ("en_US", ["en"], True),
    ("eng", ["en"], True), ("fr", ["en"], False), ("fr", ["en", "fr"], True), ("", ["en"], True),
]


@pytest.mark.parametrize("lang,languages,kept", LANG_CASES)
def test_declared_language(tmp_path, lang, languages, kept):
    loaded = load_config(overrides=[f"ingest.languages={json.dumps(languages)}"])
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "x", "text": english(1), "lang": lang}])
    (item,) = read(path, loaded)
    assert isinstance(item, Document) is kept
    if kept:
        assert item.lang == (lang or "en")  # undeclared English is recorded as detected "en"


# --- over-long texts ---------------------------------------------------------------------------
def test_overlong_text_is_kept_and_chunked(tmp_path):
    loaded = load_config(overrides=["ingest.max_chars=1000", "ingest.chunk_chars=500"])
    text = "\n\n".join(english(i) for i in range(20))
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "long", "text": text},
                                              {"id": "short", "text": english(99)}])
    long_doc, short_doc = read(path, loaded)
    assert long_doc.text == text and long_doc.status == "partial"
    chunks = long_doc.chunks
    assert len(chunks) > 1 and chunks[0][0] == 0 and chunks[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))
    assert all(end - start <= 500 for start, end in chunks)
    assert f"text of {len(text)} chars split into {len(chunks)} chunks for processing" in (
        long_doc.warnings[0])
    assert short_doc.chunks == [(0, len(english(99)))] and short_doc.status == "ok"


# --- fields ------------------------------------------------------------------------------------
DATE_CASES = [
    ("2019-05-10", ("2019-05-10", True)),
    ("2019-05-10T14:30:00Z", ("2019-05-10", True)),
    ("2019-05-10 14:30", ("2019-05-10", True)),
    ("2019-05-10T23:30:00-05:00", ("2019-05-10", True)),  # the date as written, not UTC
    ("20190510", ("2019-05-10", True)),
    ("2019-W19-5", ("2019-05-10", True)),
    (" 2019-05-10 ", ("2019-05-10", True)),
    (date(2019, 5, 10), ("2019-05-10", True)),
    (datetime(2019, 5, 10, 1, 2), ("2019-05-10", True)),
    (None, (None, True)),
    ("", (None, True)),
    ("2019-02-30", (None, False)),
    ("2019-05", (None, False)),
    ("2019-W19", (None, False)),
    ("2019", (None, False)),
    ("10/05/2019", (None, False)),
    ("yesterday", (None, False)),
    (1557446400, (None, False)),
]


@pytest.mark.parametrize("value,expected", DATE_CASES, ids=[repr(c[0]) for c in DATE_CASES])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


COUNTRY_CASES = [
    ("US", "US", False), ("cn", "CN", False), ("China", "CN", False),
    ("Washington", "US", False), ("OTHER", "OTHER", False), ("UNKNOWN", "UNKNOWN", False),
    (None, "UNKNOWN", False), ("", "UNKNOWN", False), ("Atlantis", "UNKNOWN", True),
    (7, "UNKNOWN", True),
]


@pytest.mark.parametrize("country,side,warned", COUNTRY_CASES)
def test_country_to_side(tmp_path, loaded, country, side, warned):
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "x", "text": english(1),
                                               "country": country}])
    (doc,) = read(path, loaded)
    assert doc.country == side
    assert any("[W001]" in w for w in doc.warnings) is warned


def test_extra_values_are_json(tmp_path, loaded):
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "x", "text": english(1), "n": 1,
                                               "nested": {"a": [1, None, "b"]}, "flag": True}])
    (doc,) = read(path, loaded)
    assert doc.extra == {"n": 1, "nested": {"a": [1, None, "b"]}, "flag": True}
    assert json.loads(json.dumps(doc.extra)) == doc.extra


# --- whole-input errors ------------------------------------------------------------------------
def _missing(tmp_path):
    return tmp_path / "nope.jsonl"


def _bad_extension(tmp_path):
    path = tmp_path / "corpus.xml"
    path.write_text("<x/>")
    return path


def _empty_folder(tmp_path):
    (tmp_path / "README.md").write_text("# docs only")
    (tmp_path / "data.xlsx").write_text("")
    return tmp_path


def _garbage_parquet(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"this is not parquet at all")
    return path


def _csv_without_text(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id;body\n1;" + english(1) + "\n")
    return path


def _parquet_without_text(tmp_path):
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"id": ["1"], "body": [english(1)]}), path)
    return path


def _dataset_without_text(tmp_path):
    import datasets

    datasets.Dataset.from_dict({"body": [english(1)]}).save_to_disk(str(tmp_path / "ds"))
    return tmp_path / "ds"


def _dataset_dict(tmp_path):
    import datasets

    ds = datasets.Dataset.from_dict({"text": [english(1)]})
    datasets.DatasetDict({"train": ds, "test": ds}).save_to_disk(str(tmp_path / "dd"))
    return tmp_path / "dd"


def _dataset_dict_in_folder(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"text": english(1)}])
    _dataset_dict(tmp_path)
    return tmp_path


def _bad_csv_in_folder(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"text": english(1)}])
    _csv_without_text(tmp_path)
    return tmp_path


INPUT_ERROR_CASES = [
    ("E001", _missing, r"'.*nope\.jsonl' does not exist"),
    ("E002", _bad_extension, r"unsupported extension '\.xml'"),
    ("E003", _empty_folder, r"holds no supported files"),
    ("E004", _garbage_parquet, r"Could not read '.*broken\.parquet' as Parquet"),
    ("E005", _csv_without_text, r"has no 'text' column \(columns: \['id', 'body'\]\)"),
    ("E005", _bad_csv_in_folder, r"CSV file '.*c\.csv' has no 'text' column"),
    ("E008", _parquet_without_text, r"Parquet file .* has no 'text' column"),
    ("E009", _dataset_without_text, r"Saved dataset at .* has no 'text' column"),
    ("E010", _dataset_dict, r"DatasetDict with splits \['(train|test)', '(train|test)'\]"),
    ("E010", _dataset_dict_in_folder, r"DatasetDict"),
]


@pytest.mark.parametrize("code,make,pattern", INPUT_ERROR_CASES,
                         ids=[f"{c[0]}-{c[1].__name__}" for c in INPUT_ERROR_CASES])
def test_unusable_input_raises_before_iteration(tmp_path, loaded, code, make, pattern):
    path = make(tmp_path)
    with pytest.raises(BlamegraphError, match=rf"^\[{code}\] .*{pattern}"):
        read_corpus(path, loaded)  # no iteration: the run fails before writing anything


def test_bad_furniture_pattern_raises_before_iteration(tmp_path):
    loaded = load_config(overrides=["ingest.furniture_patterns=['(unclosed']"])
    path = write_jsonl(tmp_path / "c.jsonl", [{"text": english(1)}])
    with pytest.raises(BlamegraphError, match=r"^\[E034\]"):
        read_corpus(path, loaded)


def test_input_files_single_file_formats(tmp_path):
    expected = {"a.jsonl": "jsonl", "b.ndjson": "jsonl", "c.JSON": "jsonl", "d.csv": "csv",
                "e.parquet": "parquet", "f.txt": "txt"}
    for name, fmt in expected.items():
        (tmp_path / name).write_text("")
        assert input_files(tmp_path / name) == [(tmp_path / name, fmt)]


# --- streaming ---------------------------------------------------------------------------------
@pytest.fixture
def opened_files(monkeypatch):
    """Every file object ingest opens, to see how far into a file reading has got."""
    handles = []
    real_open = Path.open

    def spy(self, *args, **kwargs):
        handle = real_open(self, *args, **kwargs)
        handles.append(handle)
        return handle

    monkeypatch.setattr(Path, "open", spy)
    return handles


def test_jsonl_is_streamed(tmp_path, loaded, opened_files):
    path = tmp_path / "big.jsonl"
    line = json.dumps({"text": english(0)}).encode() + b"\n"
    path.write_bytes(line.replace(b"day 0", b"day first") + line * 99_999)
    opened_files.clear()
    items = read_corpus(path, loaded)
    assert inspect.isgenerator(items)
    first = next(items)
    assert first.doc_id == "big-1"
    (handle,) = opened_files
    assert 0 < handle.tell() < path.stat().st_size // 100
    items.close()
    assert handle.closed


def test_csv_is_streamed(tmp_path, loaded, opened_files):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(100_000):
            w.writerow([f"r{i}", "A line,\nwith a newline."])
    items = read_corpus(path, loaded)
    assert next(items).doc_id == "r0"
    handle = opened_files[-1]
    assert not handle.closed
    assert 0 < handle.buffer.tell() < path.stat().st_size // 10
