"""The batch job behind ``blamegraph run``: ingest → statements → classifiers → aggregates.

Plain functions that tests call directly; ``cli.py`` is a thin wrapper. A bad record becomes a
counted, recorded skip in ``errors.jsonl``; the run goes on, and records read always equal
documents written plus records quarantined.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from . import ingest, manifest, schema
from .config import LoadedConfig
from .output import MANIFEST_FILE, OutputWriter, document_row, prepare_out_dir

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    out: Path
    counts: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


def _model_info(loaded: LoadedConfig, extractor: Any) -> dict[str, Any]:
    models: dict[str, Any] = {}
    nlp = getattr(extractor, "nlp", None)
    if nlp is not None:
        meta = nlp.meta
        models["spacy"] = {"name": f"{meta.get('lang')}_{meta.get('name')}",
                           "version": meta.get("version"), "pipeline": list(nlp.pipe_names)}
    checksums: dict[Path, str | None] = {}
    for task in ("stance", "blame", "issue"):
        path = loaded.model_path(task)
        if path is None:
            continue
        if path not in checksums:
            checksums[path] = manifest.sha256_tree(path) if path.exists() else None
        models[task] = {"path": getattr(loaded.cfg, task).model, "resolved": str(path),
                        "sha256": checksums[path]}
    return models


def run_corpus(input_path: str | Path, out: str | Path, loaded: LoadedConfig, *,
               force: bool = False, progress: bool = False) -> RunResult:
    """Process a corpus into the output folder ``out``.

    Raises :class:`~pipeline.errors.BlamegraphError` when the input as a whole is unusable
    (missing path, unsupported format) or ``out`` exists without ``force``.
    """
    # Imported here: spaCy is heavy, and `blamegraph --help` should stay instant.
    from .aggregate import finalize
    from .blame import BlameStage
    from .statements import StatementExtractor

    started = time.time()
    input_path, out = Path(input_path), Path(out)
    files = ingest.input_files(input_path)  # fails early, before touching the output folder
    cfg = loaded.cfg
    manifest.set_seed(cfg.seed)
    timer = manifest.StageTimer()
    prepare_out_dir(out, force)
    writer = OutputWriter(out, cfg.output.row_group_size)
    reasons: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    n_read = 0

    def documents() -> Iterator[schema.Document]:
        nonlocal n_read
        for item in timer.timed("ingest", iter(ingest.read_corpus(input_path, loaded))):
            n_read += 1
            if isinstance(item, schema.Quarantined):
                reasons[item.reason] += 1
                writer.errors.add(item)
                continue
            yield item

    try:
        with timer.stage("load_models"):
            extractor = StatementExtractor(loaded)
            blame_stage = BlameStage.from_config(loaded)
        results = timer.timed("statements", iter(extractor.process(documents())))
        if blame_stage is not None:
            results = timer.timed("classifiers", iter(blame_stage.process(results)))
        else:
            results = ((doc, sts, ents, [], []) for doc, sts, ents in results)
        bar = _progress_bar(progress)
        for doc, statements, entities, edges, stances in results:
            with timer.stage("write"):
                writer["documents.parquet"].add([document_row(doc, len(statements))])
                writer["statements.parquet"].add(statements)
                writer["entities.parquet"].add(entities)
                writer["blame.parquet"].add(edges)
                writer["stance.parquet"].add(stances)
                statuses[doc.status] += 1
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        with timer.stage("write"):
            writer.close()
            writer.commit()
    except BaseException:
        writer.abort()
        raise
    counts = writer.counts()
    with timer.stage("aggregate"):
        counts.update(finalize(out, loaded))

    n_docs = counts["documents.parquet"]
    n_quarantined = counts["errors.jsonl"]
    summary = {
        "records_read": n_read, "documents": n_docs, "quarantined": n_quarantined,
        "reconciled": n_read == n_docs + n_quarantined,
        "by_status": dict(sorted(statuses.items())),
        "quarantined_by_reason": dict(sorted(reasons.items())),
        "rows": counts,
    }
    if not summary["reconciled"]:  # a bug, never a user error: say so loudly in the log
        logger.error("counts do not reconcile: read %d, wrote %d documents and %d errors",
                     n_read, n_docs, n_quarantined)
    run_manifest = {
        **manifest.base_manifest(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 3),
        "input": {"path": str(input_path),
                  "files": [{"path": str(p), "format": fmt, "sha256": manifest.sha256_tree(p)}
                            for p, fmt in files]},
        "config": {"path": str(loaded.path), "actors_path": str(loaded.actors_path),
                   "sha256": loaded.hash, "resolved": loaded.resolved()},
        "seed": cfg.seed,
        "models": _model_info(loaded, extractor),
        "counts": summary,
        "timings": timer.as_dict(),
        "outputs": {name: {"rows": counts[name], "sha256": manifest.sha256_file(out / name)}
                    for name in counts},
    }
    manifest.write_manifest(out / MANIFEST_FILE, run_manifest)
    return RunResult(out=out, counts=summary, manifest=run_manifest)


def _progress_bar(enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(unit="doc", desc="blamegraph", leave=False)
