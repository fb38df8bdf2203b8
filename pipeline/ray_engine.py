"""Ray engine (``blamegraph run … --engine ray [--address …]``): shards on a Ray cluster.

The same shards, worker and commit as the local engine (:mod:`pipeline.runner`,
:mod:`pipeline.shards`), run as a Ray Data ``map_batches`` over shard numbers with an actor
pool: each actor loads the models once (in ``__init__``), reads a shard's normalized documents
from ``OUT/.shards/inputs/<k>.parquet``, and commits the shard's Parquet files to
``OUT/.shards/<k>/``. The driver keeps ingest (duplicate detection is sequential state) and the
final merge. Outputs are identical to the local engine's (``tests/test_ray_engine.py``).

On a multi-node cluster ``OUT``, the input and the model folders must be on a filesystem that
every node sees at the same path, with blamegraph installed on every node
(``docs/scale-out.md``). Ray is an optional extra (``pip install 'blamegraph[ray]'``): this
module is imported only for ``--engine ray``, and imports Ray only when it runs.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Iterable, Iterator

from .config import LoadedConfig
from .errors import BlamegraphError, Errors
from .shards import Shard, ShardStore

logger = logging.getLogger(__name__)

# Workers must never reach a model hub, on this machine or on a cluster's nodes.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
               "TOKENIZERS_PARALLELISM": "false"}


def import_ray() -> Any:
    """Ray, or E052 saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401  (the extra installs ray[data])
    except ImportError as e:
        raise BlamegraphError(Errors.E052.format(detail=f"{type(e).__name__}: {e}")) from e
    return ray


class RayShardWorker:
    """A Ray Data actor: models loaded once, then one shard per batch row."""

    def __init__(self, loaded: LoadedConfig, out: str):
        logging.basicConfig(level=logging.WARNING)
        from .runner import ShardWorker

        self.worker = ShardWorker(loaded)
        self.store = ShardStore(Path(out))

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        summaries = []
        for k in batch["shard"]:
            shard = self.store.read_input(int(k))
            output = self.worker.process(shard)
            self.store.commit(output)
            summaries.append(json.dumps(output.summary))
        return {"shard": np.asarray(batch["shard"]),
                "summary": np.asarray(summaries, dtype=object)}


def run_shards(loaded: LoadedConfig, store: ShardStore, shards: Iterable[Shard], *,
               address: str | None, n_workers: int | None, progress: bool = False
               ) -> Iterator[dict[str, Any]]:
    """Process ``shards`` on Ray; yields each shard's summary as it completes.

    Ingest finishes first (a Ray dataset is built from the list of shards), writing each
    pending shard's input; then ``n_workers`` actors (default: one per cluster CPU) process
    them. Uses the Ray instance already initialized in this process if there is one, else
    connects to ``address`` (or starts a local instance) and shuts it down at the end.
    """
    ray = import_ray()
    pending = []
    for shard in shards:
        store.write_input(shard)
        pending.append(shard.index)
    if not pending:
        return
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING,
                     runtime_env={"env_vars": OFFLINE_ENV})
        except Exception as e:  # noqa: BLE001 - Ray raises many types for a bad address
            where = f" at '{address}'" if address else " locally"
            raise BlamegraphError(Errors.E058.format(where=where,
                                                     detail=f"{type(e).__name__}: {e}")) from e
    try:
        import ray.data

        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = progress
        n_cpus = int(ray.cluster_resources().get("CPU", 1))
        size = max(1, min(n_workers or n_cpus, n_cpus, len(pending)))
        ds = ray.data.from_items([{"shard": k} for k in pending])
        ds = ds.map_batches(RayShardWorker, batch_size=1, batch_format="numpy",
                            compute=ray.data.ActorPoolStrategy(size=size), num_cpus=1,
                            fn_constructor_kwargs={"loaded": loaded, "out": str(store.out)})
        try:
            for row in ds.iter_rows():
                yield json.loads(row["summary"])
        except Exception as e:  # noqa: BLE001 - Ray wraps the worker's error in its own types
            cause = getattr(e, "cause", None)
            if isinstance(cause, BlamegraphError):
                raise cause from e
            raise BlamegraphError(Errors.E059.format(shard="a shard", path=store.out,
                                                     detail=f"{type(e).__name__}: {e}")) from e
    finally:
        if started_here:
            ray.shutdown()
