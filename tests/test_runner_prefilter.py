"""run.json reports the pre-filter's kept share, summed over shards (also after --resume)."""
from __future__ import annotations

import json

import pytest

from pipeline import aggregate, ingest
from pipeline.runner import run_corpus
from pipeline.schema import Document
from pipeline.shards import SHARDS_DIR
from pipeline.statements import StatementExtractor

from shard_helpers import shard_config, write_corpus

NO_MODELS = ("blame.model=", "stance.model=", "issue.model=")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    return run_corpus(corpus, tmp_path_factory.mktemp("ref") / "out", shard_config(*NO_MODELS))


def test_prefilter_counts_are_summed_over_shards(corpus, reference):
    got = reference.manifest["counts"]["prefilter"]
    assert reference.manifest["execution"]["n_shards"] == 4
    # The same documents through one extractor, outside the runner.
    loaded = shard_config(*NO_MODELS)
    extractor = StatementExtractor(loaded)
    docs = [d for d in ingest.read_corpus(corpus, loaded) if isinstance(d, Document)]
    for _ in extractor.process(docs):
        pass
    expected = extractor.prefilter_stats.as_dict()
    assert got == {"enabled": True, **expected}
    assert 0 < got["chars_kept"] < got["chars"] and 0 < got["share_chars_kept"] < 1
    assert got["sentences_kept"] <= got["sentences"]


def test_prefilter_counts_survive_resume(corpus, reference, tmp_path, monkeypatch):
    out = tmp_path / "resumed"

    def fail(*args, **kwargs):
        raise RuntimeError("stopped before aggregation")

    monkeypatch.setattr(aggregate, "finalize", fail)
    with pytest.raises(RuntimeError):
        run_corpus(corpus, out, shard_config(*NO_MODELS))
    monkeypatch.undo()
    assert (out / SHARDS_DIR).is_dir()
    resumed = run_corpus(corpus, out, shard_config(*NO_MODELS), resume=True)
    assert resumed.manifest["execution"]["n_shards_reused"] == 4
    assert resumed.manifest["counts"]["prefilter"] == reference.manifest["counts"]["prefilter"]
    written = json.loads((out / "run.json").read_text(encoding="utf8"))
    assert written["counts"]["prefilter"] == reference.manifest["counts"]["prefilter"]


def test_prefilter_off_reports_nothing_kept_or_seen(corpus, tmp_path):
    result = run_corpus(corpus, tmp_path / "off",
                        shard_config(*NO_MODELS, "statements.prefilter=false"))
    assert result.manifest["counts"]["prefilter"] == {
        "enabled": False, "sentences": 0, "sentences_kept": 0, "chars": 0, "chars_kept": 0,
        "share_chars_kept": 0.0}
