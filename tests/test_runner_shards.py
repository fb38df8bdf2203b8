"""Shards, --resume, determinism and the per-document time limit (docs/reliability.md).

One small corpus (ten sample articles and two bad records) in shards of three records; the
reference is one uninterrupted serial run. Every other way of producing the outputs (killed and
resumed, a full disk then resumed, run twice, two processes) must give the same rows in the same
order, byte for byte in every Parquet file.
"""
from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import manifest
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import BlamegraphError, Reasons
from pipeline.runner import DocTimeout, deadline, run_corpus
from pipeline.shards import SHARDS_DIR

from shard_helpers import REPO, SHARD_SIZE, assert_same_outputs, write_corpus
from shard_helpers import shard_config as _config


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    return run_corpus(corpus, tmp_path_factory.mktemp("ref") / "out", _config())


def test_reference_run_is_sharded_and_reconciles(reference):
    m = reference.manifest
    assert m["execution"]["n_shards"] == 4  # 12 records in shards of 3
    c = reference.counts
    assert (c["records_read"], c["documents"], c["quarantined"]) == (12, 10, 2)
    assert c["reconciled"]
    assert c["quarantined_by_reason"] == {"bad_json": 1, "duplicate_id": 1}
    assert not (reference.out / SHARDS_DIR).exists()  # removed once run.json is written
    errors = [json.loads(line) for line in (reference.out / "errors.jsonl").open()]
    assert [e["position"] for e in errors] == [5, 12]  # in read order across shards
    for name, entry in m["outputs"].items():
        assert entry["content_sha256"] == manifest.content_sha256(reference.out / name)


def test_run_twice_gives_identical_outputs(corpus, reference, tmp_path):
    result = run_corpus(corpus, tmp_path / "again", _config())
    assert_same_outputs(result.out, reference.out)


def test_content_hash_ignores_encoding_but_not_rows(reference, tmp_path):
    table = pq.read_table(reference.out / "statements.parquet")
    assert table.num_rows > 10
    other = tmp_path / "other.parquet"
    pq.write_table(table, other, compression="snappy", row_group_size=7)
    original = reference.out / "statements.parquet"
    assert manifest.sha256_file(other) != manifest.sha256_file(original)
    assert manifest.content_sha256(other) == manifest.content_sha256(original)
    pq.write_table(table.slice(1), other)
    assert manifest.content_sha256(other) != manifest.content_sha256(original)
    pq.write_table(pa.concat_tables([table.slice(1), table.slice(0, 1)]), other)
    assert manifest.content_sha256(other) != manifest.content_sha256(original)  # order counts


def _cli(corpus: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "run", str(corpus), "--out", str(out),
            "--resume", f"--run.shard_size={SHARD_SIZE}", *extra]


def _complete_shards(out: Path) -> int:
    root = out / SHARDS_DIR
    return sum(1 for p in root.glob("[0-9]*") if (p / "shard.json").is_file()) \
        if root.is_dir() else 0


def _kill_and_resume(corpus: Path, reference, out: Path, n_kills: int) -> None:
    """Kill the CLI with SIGKILL ``n_kills`` times, each after a random number of newly
    committed shards plus a random delay (so kills land in processing, commits, the merge and
    clean-up), then resume: the outputs equal the uninterrupted run's."""
    seed = int(os.environ.get("BLAMEGRAPH_KILL_SEED", time.time()))
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    kills = 0
    for _ in range(n_kills):
        target = _complete_shards(out) + rng.randint(0, 1)
        delay = rng.uniform(0.0, 1.5)
        proc = subprocess.Popen(_cli(corpus, out), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        limit = time.monotonic() + 300
        while proc.poll() is None and _complete_shards(out) < target \
                and time.monotonic() < limit:
            time.sleep(0.05)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode in (0, -signal.SIGKILL), (seed, stderr.decode()[-2000:])
        if proc.returncode == 0:
            break
        # Nothing half-written is ever visible: no final file without run.json, and every
        # shard folder is complete.
        if not (out / "run.json").exists():
            root = out / SHARDS_DIR
            for part in root.glob("[0-9]*") if root.is_dir() else []:
                assert ".tmp-" in part.name or (part / "shard.json").is_file(), (seed, part)
    assert kills >= 1, f"seed {seed}: the run finished before any kill"
    run_corpus(corpus, out, _config(), resume=True)
    assert_same_outputs(out, reference.out)
    assert not list(out.glob(".tmp-*"))


def test_sigkill_at_random_points_then_resume(corpus, reference, tmp_path):
    _kill_and_resume(corpus, reference, tmp_path / "killed", n_kills=3)


@pytest.mark.slow
def test_sigkill_ten_times_then_resume(corpus, reference, tmp_path):
    _kill_and_resume(corpus, reference, tmp_path / "killed", n_kills=10)


def _disk_full(n: int):
    """A ParquetWriter.write_table that fails with ENOSPC on its n-th call."""
    original = pq.ParquetWriter.write_table
    calls = [0]

    def write_table(writer, *args, **kwargs):
        calls[0] += 1
        if calls[0] == n:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return original(writer, *args, **kwargs)

    return write_table


# Each shard writes 5 Parquet files (one write each): call 8 falls in shard 1, call 23 in the
# merge (after 4 shards × 5 writes).
@pytest.mark.parametrize("failing_call", [8, 23])
def test_full_disk_then_resume(corpus, reference, tmp_path, monkeypatch, failing_call):
    out = tmp_path / "full"
    monkeypatch.setattr(pq.ParquetWriter, "write_table", _disk_full(failing_call))
    with pytest.raises(BlamegraphError, match="E054") as info:
        run_corpus(corpus, out, _config())
    assert "No space left" in str(info.value) and "--resume" in str(info.value)
    monkeypatch.undo()
    # Nothing partial: no final file, no temporary file, only complete shard folders.
    assert not (out / "run.json").exists()
    assert not [p for p in out.iterdir() if p.name != SHARDS_DIR]
    shards = sorted(p for p in (out / SHARDS_DIR).iterdir() if p.name != "plan.json")
    assert all((p / "shard.json").is_file() for p in shards), shards
    assert len(shards) == (1 if failing_call == 8 else 4)
    run_corpus(corpus, out, _config(), resume=True)
    assert_same_outputs(out, reference.out)


def test_resume_checks_the_plan(corpus, reference, tmp_path, monkeypatch, capsys):
    out = tmp_path / "plan"
    monkeypatch.setattr(pq.ParquetWriter, "write_table", _disk_full(8))
    with pytest.raises(BlamegraphError, match="E054"):
        run_corpus(corpus, out, _config())
    monkeypatch.undo()
    with pytest.raises(BlamegraphError, match="E050") as info:
        run_corpus(corpus, out, load_config(overrides=["run.shard_size=4"]), resume=True)
    assert "shard_size was 3, now 4" in str(info.value)
    with pytest.raises(BlamegraphError, match="E050") as info:
        run_corpus(corpus, out, _config("blame.threshold=0.9"), resume=True)
    assert "config" in str(info.value)
    other = tmp_path / "other.jsonl"
    other.write_text(corpus.read_text(encoding="utf8") + '{"id": "x", "text": "new"}\n')
    with pytest.raises(BlamegraphError, match="E050") as info:
        run_corpus(other, out, _config(), resume=True)
    assert "input changed" in str(info.value)
    # execution settings are not part of the plan
    run_corpus(corpus, out, _config("run.n_process=1", "statements.batch_size=8"), resume=True)
    assert_same_outputs(out, reference.out)
    again = run_corpus(corpus, out, _config(), resume=True)
    assert again.already_complete
    assert main(["run", str(corpus), "--out", str(out), "--resume",
                 f"--run.shard_size={SHARD_SIZE}"]) == 0
    assert "already complete" in capsys.readouterr().out
    with pytest.raises(BlamegraphError, match="E050"):
        run_corpus(corpus, out, _config("blame.threshold=0.9"), resume=True)


def test_resume_refusals(corpus, tmp_path):
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(BlamegraphError, match="E051"):
        run_corpus(corpus, stranger, _config(), resume=True)
    with pytest.raises(BlamegraphError, match="E055"):
        run_corpus(corpus, tmp_path / "x", _config(), resume=True, force=True)
    with pytest.raises(BlamegraphError, match="E053"):
        run_corpus(corpus, tmp_path / "x", _config(), engine="spark")
    with pytest.raises(BlamegraphError, match="E056"):
        run_corpus(corpus, tmp_path / "x", _config(), address="ray://head:10001")
    assert not (tmp_path / "x").exists()


def test_n_process_2_equals_serial(corpus, reference, tmp_path):
    result = run_corpus(corpus, tmp_path / "pool", _config("run.n_process=2"))
    assert result.manifest["execution"]["n_process"] == 2
    assert_same_outputs(result.out, reference.out)


def test_a_broken_pool_is_reported(corpus, tmp_path, monkeypatch):
    """A worker process that dies (killed, out of memory) breaks the pool: E059, not a
    traceback; complete shards stay for --resume."""
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    def submit(self, fn, *args, **kwargs):
        future: Future = Future()
        future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        return future

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    with pytest.raises(BlamegraphError, match="E059") as info:
        run_corpus(corpus, tmp_path / "broken", _config("run.n_process=2"))
    assert "--resume" in str(info.value)


def test_ray_engine_without_ray_is_a_coded_error(corpus, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(BlamegraphError, match="E052") as info:
        run_corpus(corpus, tmp_path / "noray", _config(), engine="ray")
    assert "blamegraph[ray]" in str(info.value)


# --- per-document time limit ---------------------------------------------------------------------
def test_deadline_interrupts_the_main_thread_and_disarms():
    with pytest.raises(DocTimeout):
        with deadline(0.2):
            time.sleep(5)
    with deadline(0.5):
        pass
    time.sleep(0.7)  # no alarm left behind
    with deadline(0):
        time.sleep(0.01)


def test_deadline_interrupts_another_thread():
    outcome: list[str] = []

    def busy() -> None:
        try:
            with deadline(0.2):
                while True:
                    sum(range(100))
        except DocTimeout:
            outcome.append("timeout")
        time.sleep(0.3)  # nothing pending afterwards
        outcome.append("after")

    thread = threading.Thread(target=busy)
    thread.start()
    thread.join(10)
    assert outcome == ["timeout", "after"]


def test_slow_document_is_quarantined_as_timeout(corpus, reference, tmp_path, monkeypatch):
    from pipeline.statements import StatementExtractor

    slow_id = pq.read_table(reference.out / "documents.parquet").column("doc_id")[3].as_py()
    original = StatementExtractor._records

    def records(self, document, parts):
        if document.doc_id == slow_id:
            time.sleep(60)
        return original(self, document, parts)

    monkeypatch.setattr(StatementExtractor, "_records", records)
    # 5 s: far above a short document's time even on a loaded 2-core machine (at 0.5 s a
    # normal document was once quarantined too at load 7), far below the 60 s sleep.
    result = run_corpus(corpus, tmp_path / "slow", _config("run.doc_timeout_s=5"))
    c = result.counts
    assert c["reconciled"] and c["records_read"] == 12
    assert (c["documents"], c["quarantined"]) == (9, 3)
    assert c["quarantined_by_reason"]["timeout"] == 1
    errors = [json.loads(line) for line in (result.out / "errors.jsonl").open()]
    timeout = [e for e in errors if e["reason"] == Reasons.TIMEOUT]
    assert [e["id"] for e in timeout] == [slow_id]
    assert "E057" in timeout[0]["message"] and "run.doc_timeout_s=5" in timeout[0]["message"]
    docs = pq.read_table(result.out / "documents.parquet").column("doc_id").to_pylist()
    assert slow_id not in docs and len(docs) == 9
    # the other documents are untouched by the interruption
    ref = {d["doc_id"]: d for d in pq.read_table(reference.out / "documents.parquet").to_pylist()}
    for d in pq.read_table(result.out / "documents.parquet").to_pylist():
        assert d == ref[d["doc_id"]]
