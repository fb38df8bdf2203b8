"""Shared by the shard, resume and engine tests: a small corpus, its config, and output
comparison (every output's rows in file order, and the hashes run.json records)."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from pipeline import schema
from pipeline.config import load_config

REPO = Path(__file__).resolve().parent.parent
SHARD_SIZE = 3
OUTPUTS = (*schema.OUTPUTS, "errors.jsonl")


def shard_config(*overrides: str):
    return load_config(overrides=[f"run.shard_size={SHARD_SIZE}", *overrides])


def write_corpus(folder: Path) -> Path:
    """Ten sample articles, a line of bad JSON (record 5) and a duplicate (record 12)."""
    lines = (REPO / "corpora" / "sample" / "articles.jsonl").read_text(
        encoding="utf8").splitlines()[:10]
    lines.insert(4, "{not json")
    lines.append(lines[2])  # an exact duplicate: quarantined as duplicate_id
    path = folder / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    return path


def contents(out: Path) -> dict[str, object]:
    """Every output's rows, in file order."""
    found: dict[str, object] = {}
    for name in OUTPUTS:
        path = out / name
        found[name] = (path.read_text(encoding="utf8") if name.endswith(".jsonl")
                       else pq.read_table(path).to_pylist())
    return found


def assert_same_outputs(out: Path, reference_out: Path) -> None:
    """Same files, same rows in the same order, same content hashes; the per-document files
    byte-identical (aggregates and divergence store the config hash in their metadata)."""
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in reference_out.iterdir())
    expected, got = contents(reference_out), contents(out)
    for name in OUTPUTS:
        assert got[name] == expected[name], name
    ref = json.loads((reference_out / "run.json").read_text())["outputs"]
    new = json.loads((out / "run.json").read_text())["outputs"]
    for name in OUTPUTS:
        assert new[name]["content_sha256"] == ref[name]["content_sha256"], name
        if name not in ("aggregates.parquet", "divergence.parquet"):
            assert new[name]["sha256"] == ref[name]["sha256"], name
