"""End to end: the batch job on small corpora, and the CLI on the bundled sample."""
from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from pipeline import schema
from pipeline.cli import main
from pipeline.runner import run_corpus

GOOD = [
    {"id": "a1", "date": "2019-05-10", "outlet": "Global Times", "country": "CN",
     "text": 'A foreign ministry spokesperson said that Washington had "no sincerity" in the '
             "talks.\n\nChinese commentators insisted Beijing's move was a direct response to "
             "Washington's widening technology restrictions."},
    {"id": "a2", "date": "2020-01-15", "outlet": "Pacific Wire", "country": "US",
     "text": "President Trump accused China of imposing its rare-earth controls out of nowhere, "
             "officials said.", "section": "World"},
]
BROKEN_LINES = [
    "{not json",
    json.dumps({"id": "b1"}),
    json.dumps({"id": "b2", "text": 42}),
    json.dumps({"id": "b3", "text": "   "}),
    json.dumps({"id": "a1", "text": "A different text that reuses an id, said the editor."}),
    json.dumps({"id": "b5", "text": "这是一篇中文文章，不是英文。" * 20}),
    json.dumps([1, 2, 3]),
]
# After GOOD[1]: the first record with a text wins, later exact copies are quarantined.
DUPLICATE_TEXT = json.dumps({"id": "b7", "text": GOOD[1]["text"]})


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory, loaded):
    tmp = tmp_path_factory.mktemp("broken")
    path = tmp / "corpus.jsonl"
    lines = [json.dumps(GOOD[0])] + BROKEN_LINES + [json.dumps(GOOD[1]), DUPLICATE_TEXT]
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    return run_corpus(path, tmp / "out", loaded)


def test_broken_corpus_runs_to_the_end_and_reconciles(broken_run):
    c = broken_run.counts
    assert c["records_read"] == 10
    assert c["documents"] == 2
    assert c["quarantined"] == 8
    assert c["reconciled"]
    errors = [json.loads(line) for line in
              (broken_run.out / "errors.jsonl").read_text().splitlines()]
    assert [e["position"] for e in errors] == [2, 3, 4, 5, 6, 7, 8, 10]
    assert [e["reason"] for e in errors] == [
        "bad_json", "missing_text", "non_string_text", "empty_text", "duplicate_id",
        "not_english", "not_an_object", "duplicate_content"]
    assert all(e["message"] for e in errors)


def test_every_output_file_with_its_schema(broken_run):
    for name, arrow_schema in schema.OUTPUTS.items():
        table = pq.read_table(broken_run.out / name)
        assert table.schema.equals(arrow_schema), name
    docs = pq.read_table(broken_run.out / "documents.parquet").to_pylist()
    assert [d["doc_id"] for d in docs] == ["a1", "a2"]
    assert json.loads(docs[1]["extra"]) == {"section": "World"}


def test_statements_point_into_document_text(broken_run):
    docs = {d["doc_id"]: d["text"] for d in
            pq.read_table(broken_run.out / "documents.parquet").to_pylist()}
    statements = pq.read_table(broken_run.out / "statements.parquet").to_pylist()
    assert statements, "the sample sentences contain reported speech"
    for st in statements:
        assert docs[st["doc_id"]][st["start"]:st["end"]] == st["text"]
        if st["speaker_start"] is not None:
            text = docs[st["doc_id"]][st["speaker_start"]:st["speaker_end"]]
            assert text == st["speaker_text"]


def test_manifest(broken_run):
    m = json.loads((broken_run.out / "run.json").read_text())
    for key in ("git", "packages", "config", "seed", "models", "input", "counts", "timings",
                "outputs"):
        assert key in m, key
    assert m["counts"]["quarantined_by_reason"]["bad_json"] == 1
    assert len(m["config"]["sha256"]) == 64
    assert len(m["input"]["files"][0]["sha256"]) == 64
    assert m["outputs"]["statements.parquet"]["sha256"]
    assert "spacy" in m["models"]
    assert {"ingest", "statements"} <= set(m["timings"])


def test_refuses_to_overwrite_without_force(broken_run, loaded):
    from pipeline.errors import BlamegraphError

    with pytest.raises(BlamegraphError, match="E006"):
        run_corpus(broken_run.out / "errors.jsonl", broken_run.out, loaded)


def test_cli_exit_codes(tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "E001" in err
    assert main(["run", "x.jsonl"]) == 1  # missing --out: bad arguments
    assert main(["run", "x.jsonl", "--out", "o", "--set", "nonsense=1"]) == 1
    assert "E024" in capsys.readouterr().err


def test_cli_on_sample_corpus(tmp_path, repo, capsys):
    out = tmp_path / "sample"
    assert main(["run", str(repo / "corpora" / "sample"), "--out", str(out),
                 "--blame.threshold", "0.6"]) == 0
    m = json.loads((out / "run.json").read_text())
    assert m["counts"]["reconciled"]
    assert m["counts"]["documents"] >= 40
    assert m["config"]["resolved"]["config"]["blame"]["threshold"] == 0.6
    assert pq.read_table(out / "statements.parquet").num_rows > 100
    assert "statements" in capsys.readouterr().out
    # a second run into the same folder is refused, and allowed with --force
    assert main(["run", str(repo / "corpora" / "sample"), "--out", str(out)]) == 1
    assert main(["run", str(repo / "corpora" / "sample"), "--out", str(out), "--force"]) == 0


def test_console_script_help():
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "run" in result.stdout
