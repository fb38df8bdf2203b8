"""pipeline.goldset: build statements.jsonl from marked sources, validate it, and the real sets."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from pipeline.errors import BlamegraphError
from pipeline.goldset import (GoldsetSettings, build, format_report, load_settings, main,
                              parse_markup, validate)

REPO = Path(__file__).resolve().parent.parent
SETTINGS = GoldsetSettings(id_prefix="t", disputes=["us_china"])

HEADER = """\
=== t001
date: 2024-05-01
outlet: Test Wire
country: US
register: wire
dispute: us_china
speakers:
LW = Li Weiming | official | CN
AN = analysts | expert | UNKNOWN
OF = officials | official | UNKNOWN
text:
"""
TEXT = """\
"[[s1|We will not back down,]]" [[p1|Li Weiming]]
said.

[[p2|He]] said [[s2|the duties were unfair]]. [[a1|The duties are a mistake.]]
[[p3|Analysts]] said [[s3|[[p4|officials]] had told them [[s4|talks would resume]]]].
"""
STATEMENTS = """\
statements:
s1 | quote_plain | said | LW | p1
s2 | said_that | said | LW | p2
a1 | author
s3 | said_that | said | AN | p3
s4 | said_that | told | OF | p4
"""
CLEAN_TEXT = ('"We will not back down," Li Weiming said.\n\nHe said the duties were unfair. '
              'The duties are a mistake. Analysts said officials had told them talks would '
              'resume.')

# construction, kind, (start, end), text, cue, speaker, (speaker_start, speaker_end), side
EXPECTED = [
    ("quote_plain", "direct", (1, 23), "We will not back down,", "said", "Li Weiming",
     (25, 35), "CN"),
    ("said_that", "indirect", (51, 73), "the duties were unfair", "said", "Li Weiming",
     (43, 45), "CN"),
    ("author", "author", (75, 100), "The duties are a mistake.", None, "Test Wire",
     (None, None), "US"),
    ("said_that", "indirect", (115, 157), "officials had told them talks would resume", "said",
     "analysts", (101, 109), "UNKNOWN"),
    ("said_that", "indirect", (139, 157), "talks would resume", "told", "officials",
     (115, 124), "UNKNOWN"),
]


def _write_set(root: Path, source: str, settings: str | None = None) -> Path:
    (root / "source").mkdir(parents=True)
    (root / "source" / "01.txt").write_text(source, encoding="utf-8")
    (root / "goldset.yaml").write_text(settings or "id_prefix: t\ndisputes: [us_china]\n",
                                       encoding="utf-8")
    return root


@pytest.fixture
def built(tmp_path: Path) -> Path:
    out = tmp_path / "statements.jsonl"
    build(_write_set(tmp_path, HEADER + TEXT + STATEMENTS) / "source", out, id_prefix="t")
    return out


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, docs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs),
                    encoding="utf-8")
    return path


# --- build ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw,text,spans", [
    ("plain", "plain", {}),
    ("[[a|x]]", "x", {"a": (0, 1)}),
    ("ab [[s1|cd [[p1|ef]] g]] h", "ab cd ef g h", {"p1": (6, 8), "s1": (3, 10)}),
    ("[[s1|[[s2|]]]]", "", {"s2": (0, 0), "s1": (0, 0)}),
])
def test_parse_markup(raw, text, spans):
    assert parse_markup(raw) == (text, spans)


def test_build_offsets(built: Path):
    (doc,) = _read(built)
    assert doc["id"] == "t001" and doc["country"] == "US" and doc["dispute"] == "us_china"
    assert doc["text"] == CLEAN_TEXT
    got = [(s["construction"], s["kind"], (s["start"], s["end"]), s["text"], s["cue"],
            s["speaker"], (s["speaker_start"], s["speaker_end"]), s["speaker_side"])
           for s in doc["statements"]]
    assert got == EXPECTED
    for s in doc["statements"]:
        assert doc["text"][s["start"]:s["end"]] == s["text"]
        if s["speaker_start"] is not None:
            assert doc["text"][s["speaker_start"]:s["speaker_end"]] == s["speaker_text"]


def test_build_is_byte_stable(built: Path, tmp_path: Path):
    again = tmp_path / "again.jsonl"
    build(tmp_path / "source", again, id_prefix="t")
    assert again.read_bytes() == built.read_bytes()


BROKEN_SOURCES = [
    ("stray closing marker", TEXT.replace("said.\n", "said.]]\n"), STATEMENTS, "E164"),
    ("key used twice", TEXT.replace("[[p2|He]]", "[[p1|He]]"), STATEMENTS, "E165"),
    ("unclosed marker", TEXT.replace("mistake.]]", "mistake."), STATEMENTS, "E166"),
    ("unknown construction", TEXT, STATEMENTS.replace("quote_plain", "quote_fancy"), "E168"),
    ("statement without span", TEXT, STATEMENTS + "s9 | said_that | said | LW | p1\n", "E169"),
    ("author with speaker", TEXT, STATEMENTS.replace("a1 | author", "a1 | author | said"),
     "E170"),
    ("too few fields", TEXT, STATEMENTS.replace("| LW | p2", "| LW"), "E171"),
    ("unknown alias", TEXT, STATEMENTS.replace("| LW | p2", "| XX | p2"), "E172"),
    ("unknown mention", TEXT, STATEMENTS.replace("| LW | p2", "| LW | p9"), "E173"),
    ("unused span", TEXT + "[[p9|Nobody]] spoke.\n", STATEMENTS, "E174"),
]


@pytest.mark.parametrize("text,statements,code", [b[1:] for b in BROKEN_SOURCES],
                         ids=[b[0] for b in BROKEN_SOURCES])
def test_build_rejects_malformed_source(tmp_path: Path, text: str, statements: str, code: str):
    _write_set(tmp_path, HEADER + text + statements)
    out = tmp_path / "statements.jsonl"
    with pytest.raises(BlamegraphError, match=rf"\[{code}\] 01\.txt, document t001"):
        build(tmp_path / "source", out)
    assert not out.exists()  # nothing is written from a malformed set


@pytest.mark.parametrize("source,code", [
    (HEADER.replace("LW = Li Weiming | official | CN", "LW = Li Weiming | official"), "E167"),
    (HEADER.replace("register: wire\n", ""), "E175"),
    (HEADER.replace("text:\n", "text:\nstatements:\n"), "E179"),
], ids=["bad speaker line", "missing metadata", "empty text"])
def test_build_rejects_bad_header(tmp_path: Path, source: str, code: str):
    _write_set(tmp_path, source + TEXT + STATEMENTS if code != "E179" else source)
    with pytest.raises(BlamegraphError, match=rf"\[{code}\]"):
        build(tmp_path / "source", tmp_path / "statements.jsonl")


def test_build_checks_ids(tmp_path: Path):
    _write_set(tmp_path, HEADER + TEXT + STATEMENTS)
    with pytest.raises(BlamegraphError, match=r"\[E176\].*'t001' does not look like g001"):
        build(tmp_path / "source", tmp_path / "out.jsonl", id_prefix="g")
    (tmp_path / "source" / "02.txt").write_text(HEADER + TEXT + STATEMENTS, encoding="utf-8")
    with pytest.raises(BlamegraphError, match=r"\[E177\] 02\.txt, document t001.*in 01\.txt"):
        build(tmp_path / "source", tmp_path / "out.jsonl")


def test_build_needs_sources(tmp_path: Path):
    with pytest.raises(BlamegraphError, match=r"\[E163\]"):
        build(tmp_path, tmp_path / "out.jsonl")


# --- validate ---------------------------------------------------------------------------------


def test_validate_clean_set(built: Path):
    report = validate(built, SETTINGS)
    assert report.ok, report.errors
    assert (report.n_docs, report.n_statements, report.n_nested) == (1, 5, 1)
    assert report.counts["kind"] == {"indirect": 3, "direct": 1, "author": 1}
    assert report.counts["mention"] == {"full_or_canonical": 2, "pronoun": 1, "other_np": 1}
    assert format_report(report).endswith("OK: no errors")


def _shift(doc: dict) -> None:
    doc["statements"][1]["start"] += 1
    doc["statements"][1]["end"] += 1


def _bad_label(doc: dict) -> None:
    doc["statements"][0]["speaker_role"] = "pundit"


def _duplicate(doc: dict) -> None:
    doc["statements"].insert(1, copy.deepcopy(doc["statements"][0]))


def _cross(doc: dict) -> None:
    doc["statements"][3]["end"] = 145  # s3 now ends inside s4: crossing, not nested
    doc["statements"][3]["text"] = doc["text"][115:145]


def _bad_id(doc: dict) -> None:
    doc["id"] = "g001"


def _bad_dispute(doc: dict) -> None:
    doc["dispute"] = "mars_venus"


@pytest.mark.parametrize("mutate,expected", [
    (_shift, "t001 (line 1) statement 1: text[52:74] = 'he duties were unfair.' != stored "
             "'the duties were unfair'"),
    (_bad_label, "t001 (line 1) statement 0: speaker_role 'pundit' not allowed"),
    (_duplicate, "t001 (line 1): statements 0 and 1 have the same span"),
    (_cross, "t001 (line 1): statements 3 and 4 overlap without nesting"),
    (_bad_id, "g001 (line 1): id must look like t001"),
    (_bad_dispute, "t001 (line 1): dispute 'mars_venus' not in ['us_china']"),
], ids=["shifted offset", "bad label", "duplicate span", "crossing spans", "bad id",
        "bad dispute"])
def test_validate_catches(built: Path, mutate, expected: str):
    docs = _read(built)
    mutate(docs[0])
    report = validate(_write(built, docs), SETTINGS)
    assert not report.ok
    assert expected in report.errors
    assert f"  {expected}" in format_report(report)


def test_validate_catches_shifted_offset_end_to_end(built: Path):
    # A shift that keeps the stored text cannot pass: the offsets must reproduce it.
    docs = _read(built)
    st = docs[0]["statements"][0]
    st["start"], st["end"] = st["start"] + 1, st["end"] + 1
    st["text"] = docs[0]["text"][st["start"]:st["end"]]
    errors = validate(_write(built, docs), SETTINGS).errors
    assert any("direct span must sit right inside quotation marks" in e for e in errors)


def test_validate_coverage_minimums(built: Path):
    settings = GoldsetSettings(id_prefix="t", disputes=["us_china"], min_docs=2,
                               min_statements=6, min_per_construction=1,
                               min_by_construction={"said_that": 4, "passive": 0})
    errors = validate(built, settings).errors
    assert "coverage: 1 documents, need at least 2" in errors
    assert "coverage: 5 statements, need at least 6" in errors
    assert "coverage: construction said_that has 3 statements, need 4" in errors
    assert "coverage: construction quote_dash has 0 statements, need 1" in errors
    assert not any("construction passive" in e for e in errors)


def test_validate_bad_records(tmp_path: Path):
    path = tmp_path / "statements.jsonl"
    path.write_text('{not json\n[1, 2]\n{"id": "t001"}\n', encoding="utf-8")
    errors = validate(path, SETTINGS).errors
    assert errors[0].startswith("line 1: invalid JSON")
    assert errors[1] == "line 2: record is not an object"
    assert errors[2].startswith("line 3: missing keys ['country', 'date'")


def test_validate_missing_file(tmp_path: Path):
    with pytest.raises(BlamegraphError, match=r"\[E178\]"):
        validate(tmp_path / "statements.jsonl", SETTINGS)


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text,code,detail", [
    (None, "E160", "has no goldset.yaml"),
    ("id_prefix: [t\n", "E161", "not valid YAML"),
    ("- t\n", "E162", "not a mapping"),
    ("id_prefix: t\ndisputes: [us_china]\nmin_doc: 3\n", "E162", "min_doc: Extra inputs"),
    ("id_prefix: tt\ndisputes: [us_china]\n", "E162", "id_prefix"),
    ("id_prefix: t\ndisputes: [us_china]\nmin_by_construction: {quote_fancy: 2}\n", "E162",
     "quote_fancy"),
], ids=["missing", "bad yaml", "not a mapping", "unknown field", "bad prefix",
        "unknown construction"])
def test_load_settings_errors(tmp_path: Path, text: str | None, code: str, detail: str):
    if text is not None:
        (tmp_path / "goldset.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(BlamegraphError, match=rf"\[{code}\]") as e:
        load_settings(tmp_path)
    assert detail in str(e.value)


# --- command line -----------------------------------------------------------------------------


def test_main_build_and_validate(tmp_path: Path, capsys):
    _write_set(tmp_path, HEADER + TEXT + STATEMENTS)
    assert main(["build", str(tmp_path)]) == 0
    assert "wrote 1 documents, 5 statements" in capsys.readouterr().out
    assert main(["validate", str(tmp_path)]) == 0
    assert capsys.readouterr().out.endswith("OK: no errors\n")

    docs = _read(tmp_path / "statements.jsonl")
    _bad_label(docs[0])
    _write(tmp_path / "statements.jsonl", docs)
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "2 error(s):\n  t001 (line 1) statement 0: speaker_role 'pundit' not allowed\n" in out


def test_main_reports_errors_in_one_line(tmp_path: Path, capsys):
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: [E160]") and err.count("\n") == 1


# --- the real sets ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gold", "dev", "dev2", "dev3", "dev4"])
def test_real_sets_are_valid_and_in_sync_with_sources(name: str, tmp_path: Path):
    set_dir = REPO / "corpora" / name
    settings = load_settings(set_dir)
    report = validate(set_dir / "statements.jsonl", settings)
    assert report.ok, "\n".join(report.errors[:20])
    assert report.n_docs >= settings.min_docs and report.n_statements >= settings.min_statements
    # The committed file is exactly what its sources build to.
    rebuilt = tmp_path / "statements.jsonl"
    build(set_dir / "source", rebuilt, id_prefix=settings.id_prefix)
    assert rebuilt.read_bytes() == (set_dir / "statements.jsonl").read_bytes()
