from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from pipeline import schema
from pipeline.errors import BlamegraphError
from pipeline.output import OutputWriter, document_row, prepare_out_dir


def test_empty_outputs_are_typed(tmp_path):
    writer = OutputWriter(tmp_path, row_group_size=10)
    writer.close()
    writer.commit()
    for name, arrow_schema in schema.OUTPUTS.items():
        table = pq.read_table(tmp_path / name)
        assert table.num_rows == 0
        assert table.schema.equals(arrow_schema), name
    assert (tmp_path / "errors.jsonl").read_text() == ""


def test_no_object_columns_and_spec_columns(tmp_path):
    required = {
        "documents.parquet": ["doc_id", "status", "warnings", "text", "outlet", "country",
                              "date", "n_statements"],
        "statements.parquet": ["doc_id", "statement_id", "kind", "cue", "text", "start", "end",
                               "speaker", "speaker_text", "speaker_start", "speaker_end",
                               "speaker_role", "speaker_side", "issue"],
        "entities.parquet": ["doc_id", "text", "label", "start", "end", "actor", "side"],
        "stance.parquet": ["doc_id", "statement_id", "target_side", "stance", "confidence"],
        "blame.parquet": ["doc_id", "statement_id", "blamer", "blamer_side", "blamed",
                          "blamed_side", "issue", "confidence", "evidence", "start", "end"],
        "divergence.parquet": ["value", "ci_low", "ci_high", "n_a", "n_b"],
    }
    for name, columns in required.items():
        assert set(columns) <= set(schema.OUTPUTS[name].names), name


def test_rows_written_in_row_groups_and_only_visible_after_commit(tmp_path):
    writer = OutputWriter(tmp_path, row_group_size=2)
    rows = [schema.Entity("d1", f"e{i}", "GPE", i, i + 1, None, "UNKNOWN") for i in range(5)]
    writer["entities.parquet"].add(rows)
    assert not (tmp_path / "entities.parquet").exists()
    writer.close()
    writer.commit()
    meta = pq.ParquetFile(tmp_path / "entities.parquet").metadata
    assert meta.num_rows == 5
    assert meta.num_row_groups >= 2
    assert not list(tmp_path.glob(".tmp-*"))


def test_abort_leaves_nothing_half_written(tmp_path):
    writer = OutputWriter(tmp_path, row_group_size=2)
    writer["entities.parquet"].add([schema.Entity("d", "x", "GPE", 0, 1, None, "US")])
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_document_row_types(tmp_path):
    doc = schema.Document(doc_id="a", text="Hello.", source="x.jsonl", position=1,
                          date="2020-01-02", extra={"k": [1, 2]}, warnings=["w"])
    writer = OutputWriter(tmp_path, row_group_size=10)
    writer["documents.parquet"].add([document_row(doc, 0)])
    writer.close()
    writer.commit()
    row = pq.read_table(tmp_path / "documents.parquet").to_pylist()[0]
    assert row["status"] == "partial"
    assert str(row["date"]) == "2020-01-02"
    assert row["extra"] == '{"k": [1, 2]}'


def test_refuses_to_overwrite(tmp_path):
    (tmp_path / "run.json").write_text("{}")
    with pytest.raises(BlamegraphError, match="E006"):
        prepare_out_dir(tmp_path, force=False)


def test_force_removes_only_owned_files(tmp_path):
    (tmp_path / "run.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("mine")
    prepare_out_dir(tmp_path, force=True)
    assert not (tmp_path / "run.json").exists()
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_out_is_a_file(tmp_path):
    target = tmp_path / "f"
    target.write_text("x")
    with pytest.raises(BlamegraphError, match="E007"):
        prepare_out_dir(target, force=True)
