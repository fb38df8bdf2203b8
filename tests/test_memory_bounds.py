"""State the streamed part of a run keeps for the whole run is bounded (docs/performance.md,
"Memory"): duplicate detection lives in a temporary SQLite database, the actor memos are
emptied at a fixed size; neither changes a result."""
from __future__ import annotations

import hashlib
import json

import pytest

from pipeline import actors
from pipeline.actors import ActorIndex
from pipeline.config import load_config
from pipeline.errors import Reasons
from pipeline.ingest import _Seen, read_corpus


def test_seen_finds_first_occurrences_exactly():
    seen = _Seen()
    try:
        odd = ["a", "a\x00b", "é", "e\u0301", "日本", "a\udcff"]  # NUL, combining, a lone surrogate
        for position, doc_id in enumerate(odd, start=1):
            assert seen.first_id(doc_id) is None
            seen.add_id(doc_id, f"dir/f\udcfe{position % 2}.jsonl", position)
        for position, doc_id in enumerate(odd, start=1):
            assert seen.first_id(doc_id) == (f"dir/f\udcfe{position % 2}.jsonl", position)
        assert seen.first_id("a\x00") is None and seen.first_id("A") is None
        digest = hashlib.sha256(b"some text").digest()
        assert seen.first_text(digest) is None
        seen.add_text(digest, "a\x00b", "x.jsonl", 7)
        assert seen.first_text(digest) == ("a\x00b", "x.jsonl", 7)
        assert seen.first_text(hashlib.sha256(b"other").digest()) is None
    finally:
        seen.close()


def test_duplicates_across_files_name_the_first_occurrence(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    text = "Officials in Washington said the tariffs would stay in place for now."
    (folder / "a.jsonl").write_text(json.dumps({"id": "x1", "text": text}) + "\n")
    (folder / "b.jsonl").write_text(
        json.dumps({"id": "x1", "text": text + " More."}) + "\n"
        + json.dumps({"id": "x2", "text": text}) + "\n")
    items = list(read_corpus(folder, load_config()))
    assert [getattr(it, "reason", "ok") for it in items] == [
        "ok", Reasons.DUPLICATE_ID, Reasons.DUPLICATE_CONTENT]
    assert "a.jsonl" in items[1].message and "a.jsonl" in items[2].message
    assert "'x1'" in items[2].message


@pytest.mark.parametrize("limit", [1, 3])
def test_actor_memos_emptied_at_their_bound_give_the_same_matches(monkeypatch, limit):
    phrases = ["Beijing", "the White House", "a Huawei spokesman", "Chinese officials",
               "the US Commerce Department", "Beijing", "analysts", "the White House"] * 3
    loaded = load_config()
    reference = [ActorIndex(loaded).resolve(p) for p in phrases]
    monkeypatch.setattr(actors, "_CACHE_ENTRIES", limit)
    index = ActorIndex(loaded)
    assert [index.resolve(p) for p in phrases] == reference
    assert len(index._resolve_cache) <= limit + 1
    assert any(match is not None for match in reference)
