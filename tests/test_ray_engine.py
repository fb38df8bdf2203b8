"""The Ray engine (``--engine ray``) gives the local engine's outputs, on a local Ray instance
with two worker CPUs. Skipped, with the reason, only where Ray cannot be imported (``make
test`` installs the ``ray`` extra, so CI runs it)."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pipeline.errors import BlamegraphError
from pipeline.ray_engine import OFFLINE_ENV
from pipeline.runner import run_corpus

from shard_helpers import assert_same_outputs, shard_config, write_corpus

ray = pytest.importorskip(
    "ray", reason="Ray is not installed; `make setup-ray` or pip install 'blamegraph[ray]'")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    return run_corpus(corpus, tmp_path_factory.mktemp("ref") / "out", shard_config())


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING,
             runtime_env={"env_vars": OFFLINE_ENV})
    yield
    ray.shutdown()


def test_unreachable_cluster_is_a_coded_error(corpus, tmp_path, monkeypatch):
    assert not ray.is_initialized()

    def refuse(*args, **kwargs):
        raise ConnectionError("could not connect to the GCS at 10.0.0.9:6379")

    monkeypatch.setattr(ray, "init", refuse)
    with pytest.raises(BlamegraphError, match="E058") as info:
        run_corpus(corpus, tmp_path / "out", shard_config(), engine="ray",
                   address="10.0.0.9:6379")
    assert "10.0.0.9:6379" in str(info.value)


def test_ray_engine_equals_local(corpus, reference, local_ray, tmp_path):
    result = run_corpus(corpus, tmp_path / "ray", shard_config("run.n_process=2"),
                        engine="ray")
    assert result.manifest["execution"]["engine"] == "ray"
    assert result.manifest["execution"]["n_shards"] == 4
    assert result.counts["reconciled"]
    assert_same_outputs(result.out, reference.out)
