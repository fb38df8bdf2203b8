"""``blamegraph query``: SQL over a run folder's Parquet files, with coded errors."""
from __future__ import annotations

import json

import pytest
from synthetic_run import demo_rows, write_run

from pipeline.cli import main
from pipeline.errors import BlamegraphError
from pipeline.query import format_rows, run_query


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return write_run(tmp_path_factory.mktemp("run"), **demo_rows(n_docs=10, seed=3))


def test_every_output_file_is_a_view(run):
    columns, rows, truncated = run_query(
        run, "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM statements), "
             "(SELECT count(*) FROM blame), (SELECT count(*) FROM stance), "
             "(SELECT count(*) FROM entities)")
    assert rows[0][0] == 10 and rows[0][1] > 10 and not truncated


def test_readme_example_queries_run(run, repo):
    from pipeline.aggregate import finalize
    from pipeline.config import load_config

    finalize(run, load_config(overrides=["divergence.n_boot=5"]))
    readme = (repo / "README.md").read_text()
    section = readme.split("## Querying a run", 1)[1].split("\n## ", 1)[0]
    queries = [q for q in section.split('"') if q.strip().upper().startswith("SELECT")]
    assert len(queries) >= 3
    for sql in queries:
        columns, rows, _ = run_query(run, sql)
        assert columns and rows, sql


def test_max_rows_and_formats(run):
    columns, rows, truncated = run_query(run, "SELECT doc_id, date FROM documents ORDER BY 1",
                                         max_rows=3)
    assert len(rows) == 3 and truncated
    assert "first 3 rows" in format_rows(columns, rows, "table", truncated=True)
    assert format_rows(columns, rows, "csv").splitlines()[0] == "doc_id,date"
    first = json.loads(format_rows(columns, rows, "json").splitlines()[0])
    assert first["doc_id"] == "d000"


@pytest.mark.parametrize("sql,code", [
    ("SELEC 1", "E072"),
    ("SELECT * FROM nonexistent_table", "E072"),
    ("SELECT no_such_column FROM blame", "E072"),
    ("   ", "E079"),
])
def test_bad_sql_is_a_coded_error(run, sql, code):
    with pytest.raises(BlamegraphError, match=code):
        run_query(run, sql)


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(BlamegraphError, match="E070"):
        run_query(tmp_path / "missing", "SELECT 1")
    with pytest.raises(BlamegraphError, match="E071"):
        run_query(tmp_path, "SELECT 1")
    with pytest.raises(BlamegraphError, match="E078"):
        format_rows(["a"], [(1,)], "xml")


def test_query_cli(run, capsys):
    assert main(["query", str(run), "SELECT speaker_side, count(*) AS n FROM statements "
                 "GROUP BY 1 ORDER BY 1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["speaker_side", "|", "n"] and "CN" in out
    assert main(["query", str(run), "SELECT * FROM nope"]) == 1
    assert "E072" in capsys.readouterr().err
    assert main(["query", str(run), "SELECT 1 AS x", "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["x", "1"]
