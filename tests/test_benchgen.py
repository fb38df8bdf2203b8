"""The benchmark corpus generator and the bench script's helpers."""
from __future__ import annotations

import json

from bench.run_bench import PeakRSS, count_words
from pipeline.benchgen import generate, write_jsonl
from pipeline.config import load_config
from pipeline.ingest import read_corpus
from pipeline.schema import Document


def test_deterministic_and_sized(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    info = write_jsonl(a, n_words=5_000, seed=3)
    write_jsonl(b, n_words=5_000, seed=3)
    assert a.read_bytes() == b.read_bytes()
    assert info["words"] >= 5_000 and count_words(a) == (info["docs"], info["words"])
    write_jsonl(b, n_words=5_000, seed=4)
    assert a.read_bytes() != b.read_bytes()


def test_news_like_and_readable_by_ingest(tmp_path):
    path = tmp_path / "c.jsonl"
    write_jsonl(path, n_words=20_000, seed=1)
    records = [json.loads(line) for line in path.read_text(encoding="utf8").splitlines()]
    texts = [r["text"] for r in records]
    assert len({r["id"] for r in records}) == len(records)
    assert all(" \u2014 " in t.split("\n", 1)[0] for t in texts)  # a dateline opens each
    joined = "\n".join(texts)
    for marker in ("\u201c", " said ", "According to ", " accused ", ", a professor", "."):
        assert marker in joined
    assert "the the " not in joined.lower()
    assert {r["country"] for r in records} >= {"US", "CN"}
    docs = [d for d in read_corpus(path, load_config()) if isinstance(d, Document)]
    assert len(docs) == len(records)  # nothing quarantined (English, unique, well-formed)


def test_lengths_vary():
    lengths = [len(d["text"].split()) for d in generate(n_words=30_000, seed=2)]
    assert min(lengths) < 400 < max(lengths)


def test_peak_rss_sees_an_allocation():
    with PeakRSS(interval_s=0.01) as before:
        pass
    with PeakRSS(interval_s=0.01) as rss:
        block = bytearray(64 * 2**20)
        block[::4096] = b"x" * len(block[::4096])
    assert rss.peak_bytes >= before.peak_bytes + 32 * 2**20
