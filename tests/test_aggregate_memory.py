"""finalize() streams aggregates to Parquet within a DuckDB memory limit; same rows as before."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from synthetic_run import demo_rows, demo_run, write_run

from pipeline import schema
from pipeline.aggregate import METADATA_KEY, aggregate, finalize
from pipeline.config import load_config
from pipeline.errors import BlamegraphError

GROUPS = "aggregate.groups=[all, speaker_side, speaker, outlet, kind, speaker_side+voice]"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return demo_run(tmp_path_factory.mktemp("memory"), n_docs=60, seed=5)


def test_streamed_file_equals_the_in_memory_table(run):
    """The old path (every grouping's table in Python, concatenated) and the streamed one
    give the same rows in the same order, in several row groups."""
    loaded = load_config(overrides=[GROUPS, "output.row_group_size=7", "divergence.n_boot=5",
                                    "aggregate.threads=1", "aggregate.memory_limit=64MB"])
    expected = aggregate(run, loaded)
    counts = finalize(run, loaded)
    written = pq.read_table(run / "aggregates.parquet")
    assert expected.num_rows > 50 and counts["aggregates.parquet"] == expected.num_rows
    assert written.schema.equals(schema.AGGREGATES)
    assert written.equals(expected)
    meta = pq.ParquetFile(run / "aggregates.parquet").metadata
    assert meta.num_row_groups > 1
    assert max(meta.row_group(i).num_rows for i in range(meta.num_row_groups)) <= 7
    assert METADATA_KEY in pq.read_schema(run / "aggregates.parquet").metadata
    assert not list(run.glob(".tmp-*"))  # temporary files and DuckDB's spill folder removed


def test_memory_settings_do_not_change_the_rows(run):
    base = [GROUPS, "divergence.n_boot=5"]
    names = ("aggregates.parquet", "divergence.parquet")
    finalize(run, load_config(overrides=[*base, "aggregate.threads=1",
                                         "aggregate.memory_limit=96MB"]))
    first = {n: pq.read_table(run / n) for n in names}
    finalize(run, load_config(overrides=[*base, "aggregate.threads=4",
                                         "aggregate.memory_limit=1GiB"]))
    for name in names:  # the bytes differ only by the config hash in the metadata
        assert pq.read_table(run / name).equals(first[name]), name


def test_too_small_a_memory_limit_is_a_coded_error_and_keeps_the_old_files(run):
    loaded = load_config(overrides=[GROUPS, "divergence.n_boot=5"])
    finalize(run, loaded)
    before = (run / "aggregates.parquet").read_bytes()
    tiny = load_config(overrides=[GROUPS, "divergence.n_boot=5", "aggregate.memory_limit=1KB"])
    with pytest.raises(BlamegraphError, match=r"E080.*aggregate\.memory_limit=1KB"):
        finalize(run, tiny)
    assert (run / "aggregates.parquet").read_bytes() == before
    assert not list(run.glob(".tmp-*"))


@pytest.mark.parametrize("override", ["aggregate.memory_limit=lots",
                                      "aggregate.memory_limit=512", "aggregate.threads=0"])
def test_memory_settings_are_validated(override):
    with pytest.raises(BlamegraphError, match="E022"):
        load_config(overrides=[override])


@pytest.mark.parametrize("n_draws,n_docs", [(1, 1), (7, 13), (50, 400)])
def test_bootstrap_weights_are_the_counts_of_the_same_draws(n_draws, n_docs):
    """The row-by-row weights (less memory) equal one bincount over all draws (the old way)."""
    import numpy as np

    from pipeline.divergence import bootstrap_weights

    picks = np.random.default_rng(3).integers(0, n_docs, size=(n_draws, n_docs))
    offsets = (np.arange(n_draws) * n_docs)[:, None]
    old = np.bincount((picks + offsets).ravel(), minlength=n_draws * n_docs)\
        .reshape(n_draws, n_docs).astype(float)
    new = bootstrap_weights(np.random.default_rng(3), n_draws, n_docs)
    assert new.dtype == old.dtype and np.array_equal(new, old)
    assert (new.sum(axis=1) == n_docs).all()


def test_bootstrap_block_size_does_not_change_divergence(run, monkeypatch):
    """Blocks bound the bootstrap's memory; the draws, and so the intervals, are the same."""
    from pipeline import divergence
    from pipeline.aggregate import divergence as divergence_table

    loaded = load_config(overrides=["divergence.n_boot=40", "divergence.period=year"])
    whole = divergence_table(run, loaded)
    monkeypatch.setattr(divergence, "_BLOCK_ELEMENTS", 1)  # one draw per block
    assert divergence_table(run, loaded).equals(whole)
    assert whole.num_rows and any(v is not None for v in whole.column("ci_low").to_pylist())


# --- aggregates: ids streamed from a DuckDB sort ----------------------------------------------
def _repeats_run(out):
    """Statements with two edges in one cell (ids once in the list, n_statements 1), edges in
    several cells, several stance rows per statement, and an undated document."""
    rows = demo_rows(n_docs=24, seed=9, undated=3)
    extra_blame, extra_stance = [], []
    for edge in rows["blame"][::3]:
        extra_blame.append(dict(edge))  # the same cell again
        extra_blame.append({**edge, "issue": "linked"})  # another cell, same statement
    for row in rows["stance"][::4]:
        extra_stance.append(dict(row))
    rows["blame"] += extra_blame
    rows["stance"] += extra_stance
    return write_run(out, **rows)


@pytest.mark.parametrize("ids_per_row_group,ids_per_batch,ids_per_query",
                         [(3, 2, 1), (40, 7, 25), (10**6, 65_536, 500_000)])
def test_streamed_ids_equal_the_list_aggregates(tmp_path, monkeypatch, ids_per_row_group,
                                                ids_per_batch, ids_per_query):
    """Lists built from the sorted id stream (repeats dropped, n_statements = list length)
    equal DuckDB's list/count(DISTINCT) aggregates, whatever the row group, batch and query
    slice sizes."""
    from pipeline import aggregate as agg

    run = _repeats_run(tmp_path / "run")
    loaded = load_config(overrides=[GROUPS, "divergence.n_boot=3", "aggregate.period=year"])
    expected = aggregate(run, loaded)
    blame = expected.filter(pc.equal(expected.column("measure"), "blame"))
    # The run does exercise repeats: some blame rows have more edges than statements.
    assert any(e > s for e, s in zip(blame.column("n_edges").to_pylist(),
                                     blame.column("n_statements").to_pylist()))
    monkeypatch.setattr(agg, "_IDS_PER_ROW_GROUP", ids_per_row_group)
    monkeypatch.setattr(agg, "_IDS_PER_BATCH", ids_per_batch)
    monkeypatch.setattr(agg, "_IDS_PER_QUERY", ids_per_query)
    finalize(run, loaded)
    written = pq.read_table(run / "aggregates.parquet")
    assert written.equals(expected)
    if ids_per_row_group < 10:
        meta = pq.ParquetFile(run / "aggregates.parquet").metadata
        assert meta.num_row_groups > expected.num_rows / 10


def test_streamed_ids_without_blame_and_stance_files(tmp_path):
    rows = demo_rows(n_docs=12, seed=2)
    run = write_run(tmp_path / "run", documents=rows["documents"],
                    statements=rows["statements"])
    (run / "blame.parquet").unlink()
    (run / "stance.parquet").unlink()
    loaded = load_config(overrides=[GROUPS, "divergence.n_boot=3"])
    expected = aggregate(run, loaded)
    finalize(run, loaded)
    assert expected.num_rows and pq.read_table(run / "aggregates.parquet").equals(expected)


# --- divergence inputs: integer codes from DuckDB, sparse per-document counts -----------------
def _reference_counts(con, loaded):
    """load_counts as it was (commit 59b1452): strings fetched into Python and mapped there."""
    import numpy as np

    from pipeline.aggregate import _GROUP_SQL, period_sql
    from pipeline.config import ISSUES, SPECIAL_SIDES
    from pipeline.divergence import Counts

    def column(table, name):
        return table.column(name).to_numpy(zero_copy_only=False)

    def indices(values, vocabulary):
        index = {v: i for i, v in enumerate(vocabulary)}
        return np.array([index[v] for v in values], dtype=np.int64)

    cfg = loaded.cfg
    unit = cfg.divergence.period or cfg.aggregate.period
    g = _GROUP_SQL[cfg.divergence.group_by]
    groups = list(dict.fromkeys(cfg.divergence.groups))
    in_groups = ", ".join("'" + x.replace("'", "''") + "'" for x in groups)
    docs = con.sql(f"SELECT doc_id, {period_sql(unit)} AS period FROM documents "
                   "ORDER BY doc_id").to_arrow_table()
    doc_index = {d: i for i, d in enumerate(column(docs, "doc_id"))}
    st = con.sql(f"""SELECT doc_id, {g} AS grp, coalesce(issue, 'other') AS issue, count(*) AS n
                     FROM st WHERE {g} IN ({in_groups}) GROUP BY ALL ORDER BY ALL""")\
        .to_arrow_table()
    ed = con.sql(f"""SELECT doc_id, {g} AS grp, coalesce(speaker, '(none)') AS speaker,
                            coalesce(blamed_side, 'UNKNOWN') AS blamed_side,
                            coalesce(edge_issue, 'other') AS issue, count(*) AS n
                     FROM bl WHERE {g} IN ({in_groups}) GROUP BY ALL ORDER BY ALL""")\
        .to_arrow_table()
    st = st.filter(pa.array([d in doc_index for d in column(st, "doc_id")], pa.bool_()))
    ed = ed.filter(pa.array([d in doc_index for d in column(ed, "doc_id")], pa.bool_()))
    sides = list(dict.fromkeys([*cfg.side_codes, *SPECIAL_SIDES, *groups,
                                *sorted(set(column(ed, "blamed_side")))]))
    issues = list(dict.fromkeys([*ISSUES, *sorted(set(column(st, "issue"))
                                                 | set(column(ed, "issue")))]))
    keys = np.array([f"{a}\x1f{b}" for a, b in zip(column(ed, "grp"), column(ed, "speaker"))],
                    dtype=object)
    return Counts(
        doc_period=np.asarray(column(docs, "period"), dtype=object), groups=groups,
        sides=sides, issues=issues,
        st_doc=np.array([doc_index[d] for d in column(st, "doc_id")], dtype=np.int64),
        st_group=indices(column(st, "grp"), groups),
        st_issue=indices(column(st, "issue"), issues), st_n=column(st, "n").astype(float),
        ed_doc=np.array([doc_index[d] for d in column(ed, "doc_id")], dtype=np.int64),
        ed_group=indices(column(ed, "grp"), groups),
        ed_speaker=indices(keys, sorted(set(keys))),
        ed_side=indices(column(ed, "blamed_side"), sides),
        ed_issue=indices(column(ed, "issue"), issues), ed_n=column(ed, "n").astype(float))


def _canonical(c, prefix):
    import numpy as np

    names = [n for n in vars(c) if n.startswith(prefix)]
    table = np.stack([getattr(c, n).astype(float) for n in names])
    return names, table[:, np.lexsort(table[::-1])]


def test_counts_from_duckdb_codes_equal_the_python_mapping(tmp_path, caplog):
    """Same vocabularies, periods and (in canonical order) the same count rows as the old
    string-mapping code, including rows whose document is missing (left out, with a warning),
    speakers of one name in two groups, and undated documents."""
    import numpy as np

    from pipeline.aggregate import connect_run, load_counts

    rows = demo_rows(n_docs=30, seed=4, undated=4)
    orphan = dict(rows["statements"][0], doc_id="gone", statement_id="gone:0")
    rows["statements"].append(orphan)
    rows["blame"].append(dict(rows["blame"][0], doc_id="gone", statement_id="gone:0"))
    rows["blame"].append(dict(rows["blame"][1], blamer="Zhang Hao", blamer_side="US",
                              statement_id="nowhere:1"))  # speaker from the edge, other group
    run = write_run(tmp_path / "run", **rows)
    loaded = load_config(overrides=["divergence.period=quarter"])
    con = connect_run(run)
    try:
        with caplog.at_level("WARNING"):
            new = load_counts(con, loaded)
        assert "missing from documents.parquet" in caplog.text
        old = _reference_counts(con, loaded)
    finally:
        con.close()
    assert (new.groups, new.sides, new.issues) == (old.groups, old.sides, old.issues)
    assert list(new.doc_period) == list(old.doc_period) and "undated" in set(new.doc_period)
    for prefix in ("st_", "ed_"):
        names, a = _canonical(new, prefix)
        _, b = _canonical(old, prefix)
        assert a.shape == b.shape and a.shape[1] > 10 and np.array_equal(a, b), names


def test_sparse_counts_give_the_dense_metrics_bit_for_bit():
    """PairData holds sparse per-document counts; every metric, under weights of any block
    size, equals the one computed from dense arrays (the old layout), bit for bit."""
    import dataclasses

    import numpy as np

    from pipeline import divergence as dv

    rng = np.random.default_rng(8)
    n_docs = 300
    counts = dv.Counts(
        doc_period=np.array(["2021"] * n_docs, dtype=object), groups=["US", "CN"],
        sides=["US", "CN", "OTHER", "UNKNOWN"], issues=["trade", "technology", "linked", "other"],
        st_doc=rng.integers(0, n_docs, 900), st_group=rng.integers(0, 2, 900),
        st_issue=rng.integers(0, 4, 900), st_n=rng.integers(1, 4, 900).astype(float),
        ed_doc=rng.integers(0, n_docs, 700), ed_group=rng.integers(0, 2, 700),
        ed_speaker=rng.integers(0, 25, 700), ed_side=rng.integers(0, 4, 700),
        ed_issue=rng.integers(0, 4, 700), ed_n=rng.integers(1, 3, 700).astype(float))
    sparse_data = dv._pair_data(counts, np.arange(n_docs), 0, 1)
    dense_data = dataclasses.replace(
        sparse_data, cache={}, **{name: getattr(sparse_data, name).toarray()
                                  for name in ("stmts_a", "stmts_b", "edges_a", "edges_b",
                                               "spk_counts_a", "spk_counts_b")})
    assert dv._units(sparse_data) == dv._units(dense_data)
    for n_draws in (1, 7, 64):
        weights = dv.bootstrap_weights(np.random.default_rng(n_draws), n_draws, n_docs)
        got = dv._metric_values(sparse_data, weights)
        want = dv._metric_values(dense_data, weights)
        for metric in want:
            assert np.array_equal(got[metric], want[metric], equal_nan=True), metric
