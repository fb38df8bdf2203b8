"""Aggregates: counts, shares, periods, traceability to statement ids, and finalize()."""
from __future__ import annotations

import json
from collections import Counter

import pyarrow.parquet as pq
import pytest
from synthetic_run import demo_rows, demo_run, write_run

from pipeline import schema
from pipeline.aggregate import (METADATA_KEY, aggregate, config_from_run, finalize,
                                is_finalized, run_config)
from pipeline.config import load_config
from pipeline.errors import BlamegraphError


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_run(tmp_path_factory.mktemp("demo"), n_docs=30, seed=2)


@pytest.fixture(scope="module")
def demo_table(demo):
    loaded = load_config(overrides=["aggregate.groups=[all, speaker_side, voice, "
                                    "speaker_side+voice, country]", "aggregate.period=year"])
    return aggregate(demo, loaded).to_pylist()


def _read(demo, name):
    return pq.read_table(demo / f"{name}.parquet").to_pylist()


def test_every_row_traces_to_its_statements(demo, demo_table):
    statements = {s["statement_id"]: s for s in _read(demo, "statements")}
    edges = _read(demo, "blame")
    stance = _read(demo, "stance")
    assert demo_table
    for row in demo_table:
        ids = row["statement_ids"]
        assert ids == sorted(set(ids)) and len(ids) == row["n_statements"]
        if row["measure"] == "statements":
            assert Counter(statements[i]["issue"] for i in ids) == {row["issue"]: row["n"]}
        elif row["measure"] == "blame":
            behind = [e for e in edges if e["statement_id"] in set(ids)
                      and (e["blamer_side"], e["blamed_side"], e["issue"])
                      == (row["blamer_side"], row["blamed_side"], row["issue"])]
            assert len(behind) == row["n"] == row["n_edges"]
        elif row["measure"] == "stance":
            behind = [t for t in stance if t["statement_id"] in set(ids)
                      and (t["target_side"], t["stance"]) == (row["target_side"], row["stance"])]
            assert len(behind) == row["n"]
        else:  # linkage: ids behind the denominator, the linked ones among them
            behind = [e for e in edges if e["statement_id"] in set(ids)
                      and e["issue"] in ("trade", "technology", "linked")]
            assert len(behind) == row["n_total"]
            assert sum(e["issue"] == "linked" for e in behind) == row["n"]


def test_shares_are_n_over_n_total_and_sum_to_one(demo_table):
    totals: Counter = Counter()
    for row in demo_table:
        assert row["share"] == pytest.approx(row["n"] / row["n_total"])
        if row["measure"] in ("statements", "blame"):
            key = (row["measure"], row["group_by"], row["group_value"], row["period"])
            totals[key] += row["share"]
    assert all(v == pytest.approx(1.0) for v in totals.values())


def test_groups_periods_and_counts(demo, demo_table):
    statements = _read(demo, "statements")
    rows = [r for r in demo_table if r["measure"] == "statements"]
    everything = [r for r in rows if r["group_by"] == "all" and r["period"] == "all"]
    assert sum(r["n"] for r in everything) == len(statements)
    periods = {r["period"] for r in rows}
    assert {"2019", "2020", "2021", "undated", "all"} == periods
    by_year = sum(r["n"] for r in rows if r["group_by"] == "all" and r["period"] != "all")
    assert by_year == len(statements)  # dated periods and 'undated' partition the corpus
    voices = {r["group_value"] for r in rows if r["group_by"] == "voice"}
    assert voices == {"quoted", "authorial"}
    crossed = {r["group_value"] for r in rows if r["group_by"] == "speaker_side+voice"}
    assert "CN|quoted" in crossed and "US|authorial" in crossed
    authorial = sum(r["n"] for r in rows if r["group_by"] == "voice"
                    and r["group_value"] == "authorial" and r["period"] == "all")
    assert authorial == sum(s["kind"] == "author" for s in statements)


@pytest.mark.parametrize("unit,date,label", [
    ("day", "2021-01-03", "2021-01-03"), ("week", "2021-01-03", "2020-W53"),
    ("month", "2021-01-03", "2021-01"), ("quarter", "2021-05-03", "2021-Q2"),
    ("year", "2021-05-03", "2021"), ("month", None, "undated"),
])
def test_period_labels(tmp_path, unit, date, label):
    run = write_run(tmp_path, documents=[{"doc_id": "a", "date": date}], statements=[
        {"doc_id": "a", "statement_id": "a:0", "kind": "direct", "speaker": "X",
         "speaker_role": "official", "speaker_side": "US", "issue": "trade"}])
    loaded = load_config(overrides=[f"aggregate.period={unit}", "aggregate.groups=[all]"])
    periods = {r["period"] for r in aggregate(run, loaded).to_pylist()}
    assert periods == {label, "all"}


def test_finalize_on_an_empty_run_writes_typed_empty_files(tmp_path):
    run = write_run(tmp_path)
    counts = finalize(run, load_config())
    assert counts == {"aggregates.parquet": 0, "divergence.parquet": 0}
    for name, arrow_schema in (("aggregates.parquet", schema.AGGREGATES),
                               ("divergence.parquet", schema.DIVERGENCE)):
        table = pq.read_table(run / name)
        assert table.num_rows == 0
        assert table.schema.equals(arrow_schema)
    assert not list(run.glob(".tmp-*"))
    assert is_finalized(run)


def test_finalize_writes_typed_files_with_provenance(demo):
    loaded = load_config(overrides=["divergence.n_boot=20", "divergence.period=year"])
    counts = finalize(demo, loaded)
    agg = pq.read_table(demo / "aggregates.parquet")
    div = pq.read_table(demo / "divergence.parquet")
    assert counts == {"aggregates.parquet": agg.num_rows, "divergence.parquet": div.num_rows}
    assert agg.schema.equals(schema.AGGREGATES) and div.schema.equals(schema.DIVERGENCE)
    meta = json.loads(pq.read_schema(demo / "divergence.parquet").metadata[METADATA_KEY])
    assert meta["divergence"]["n_boot"] == 20 and meta["config_sha256"] == loaded.hash
    periods = set(div.column("period").to_pylist())
    assert periods == {"2019", "2020", "2021", "undated", "all"}
    assert set(div.column("flag").to_pylist()) - {None} and None not in div.column("flag")
    # Deterministic: the same config gives the same bytes.
    before = (demo / "divergence.parquet").read_bytes()
    finalize(demo, loaded)
    assert (demo / "divergence.parquet").read_bytes() == before


def test_divergence_counts_match_aggregates(demo):
    loaded = load_config(overrides=["divergence.n_boot=0", "aggregate.period=year",
                                    "aggregate.groups=[speaker_side]"])
    finalize(demo, loaded)
    agg = pq.read_table(demo / "aggregates.parquet").to_pylist()
    div = pq.read_table(demo / "divergence.parquet").to_pylist()
    [row] = [r for r in div if r["period"] == "all" and r["metric"] == "linkage_rate_a"]
    link = {r["group_value"]: r for r in agg if r["measure"] == "linkage" and r["period"] == "all"}
    assert row["side_a"] == "US"
    assert row["value"] == pytest.approx(link["US"]["share"])
    assert row["n_units_a"] == link["US"]["n_total"]
    n_us = sum(r["n"] for r in agg if r["measure"] == "statements"
               and r["group_value"] == "US" and r["period"] == "all")
    assert row["n_a"] == n_us


def test_blame_edge_whose_statement_is_missing_uses_the_blamer(tmp_path):
    rows = demo_rows(n_docs=3, seed=0)
    orphan = dict(rows["blame"][0], statement_id="nowhere:0", blamer_side="CN")
    run = write_run(tmp_path, documents=rows["documents"], statements=rows["statements"],
                    blame=rows["blame"] + [orphan])
    table = aggregate(run, load_config(overrides=["aggregate.groups=[speaker_side]"]))
    hits = [r for r in table.to_pylist() if "nowhere:0" in r["statement_ids"]]
    assert hits and all(r["group_value"] == "CN" for r in hits)


def test_missing_inputs_are_coded_errors(tmp_path):
    with pytest.raises(BlamegraphError, match="E070"):
        finalize(tmp_path / "nope", load_config())
    with pytest.raises(BlamegraphError, match="E071.*documents.parquet"):
        finalize(tmp_path, load_config())
    run = write_run(tmp_path / "r")
    pq.write_table(pq.read_table(run / "statements.parquet").drop(["speaker_side"]),
                   run / "statements.parquet")
    with pytest.raises(BlamegraphError, match="E075.*speaker_side"):
        finalize(run, load_config())


def test_blame_and_stance_files_may_be_absent(tmp_path):
    rows = demo_rows(n_docs=4, seed=0)
    run = write_run(tmp_path, documents=rows["documents"], statements=rows["statements"])
    (run / "blame.parquet").unlink()
    (run / "stance.parquet").unlink()
    counts = finalize(run, load_config(overrides=["divergence.n_boot=5"]))
    assert counts["aggregates.parquet"] > 0


@pytest.mark.parametrize("override,code", [
    ("aggregate.groups=[nonsense]", "E073"),
    ("aggregate.groups=[speaker_side+nope]", "E073"),
    ("divergence.groups=[US]", "E074"),
    ("divergence.group_by=outlet", "E022"),
])
def test_config_validation(override, code):
    with pytest.raises(BlamegraphError, match=code):
        load_config(overrides=[override])


def test_run_config_prefers_the_run_json_config(tmp_path):
    run = write_run(tmp_path)
    assert config_from_run(run) is None  # run.json without a recorded config
    recorded = load_config(overrides=["aggregate.period=quarter"])
    (run / "run.json").write_text(json.dumps({"config": {
        "path": str(recorded.path), "actors_path": str(recorded.actors_path),
        "resolved": recorded.resolved()}}))
    assert run_config(run).cfg.aggregate.period == "quarter"
    assert run_config(run, overrides=["divergence.n_boot=7"]).cfg.divergence.n_boot == 7
    assert run_config(run, config=recorded.path).cfg.aggregate.period == "month"
    # An older run's config with fields this version dropped still yields its settings.
    old = recorded.resolved()
    old["config"]["blame"]["max_length"] = 128
    (run / "run.json").write_text(json.dumps({"config": {"resolved": old}}))
    assert run_config(run).cfg.aggregate.period == "quarter"
    (run / "run.json").write_text("{not json")
    with pytest.raises(BlamegraphError, match="E077"):
        run_config(run)
