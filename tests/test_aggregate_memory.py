"""finalize() streams aggregates to Parquet within a DuckDB memory limit; same rows as before."""
from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from synthetic_run import demo_run

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
