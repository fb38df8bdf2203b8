"""A/B of configurations in one process: CPU seconds per stage, alternating rounds.

Wall-clock figures of ``make bench`` move by ±20 % or more on a shared machine. This script
compares two (or more) configurations the way the speed-ups in ``docs/performance.md`` were
compared: both loaded in one process, the same generated corpus, rounds alternating between
them, and *process CPU time* (``time.process_time``) of the statements stage (documents one at
a time, as the runner does) and of the classifier stage. It also prints a fingerprint of each
variant's rows (statements, blame edges, stance rows), so a speed-up that should not change
outputs can be seen not to.

    python -m bench.ab --words 20000 --rounds 3 --variant "" \\
        --variant "statements.fast_attribute_ruler=false"

Each ``--variant`` is a comma-separated list of config overrides (``key.path=value``; empty =
the defaults). ``--stages statements`` skips the classifiers.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def fingerprint(rows: list[tuple[Any, ...]]) -> str:
    h = hashlib.md5()
    for doc, statements, entities, edges, stances in rows:
        h.update(repr([(s.statement_id, s.start, s.end, s.kind, s.speaker, s.speaker_side,
                        s.issue) for s in statements]).encode())
        h.update(repr([(e.start, e.end, e.label, e.actor, e.side) for e in entities]).encode())
        h.update(repr([(e.statement_id, e.blamed, e.blamed_side, e.issue, e.confidence)
                       for e in edges]).encode())
        h.update(repr([(r.statement_id, r.target_side, r.stance, r.confidence)
                       for r in stances]).encode())
    return h.hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=None, help="JSONL corpus instead")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variant", action="append", default=[],
                        help="comma-separated config overrides; give it twice or more")
    parser.add_argument("--stages", default="statements,classifiers")
    parser.add_argument("--out", type=Path, default=Path("out/bench"))
    args = parser.parse_args(argv)
    variants = args.variant or ["", ""]

    import torch

    from pipeline import ingest
    from pipeline.benchgen import write_jsonl
    from pipeline.blame import BlameStage
    from pipeline.config import load_config
    from pipeline.schema import Document
    from pipeline.statements import StatementExtractor

    corpus = args.corpus
    if corpus is None:
        args.out.mkdir(parents=True, exist_ok=True)
        corpus = args.out / f"corpus-{args.words}-{args.seed}.jsonl"
        if not corpus.exists():
            write_jsonl(corpus, args.words, args.seed)
    stages = set(args.stages.split(","))
    built = []
    for spec in variants:
        overrides = [o for o in spec.split(",") if o.strip()]
        loaded = load_config(None, overrides)
        blame = BlameStage.from_config(loaded) if "classifiers" in stages else None
        built.append((f"{len(built) + 1}: {spec or '(defaults)'}", loaded,
                      StatementExtractor(loaded), blame))
    docs = [d for d in ingest.read_corpus(corpus, built[0][1]) if isinstance(d, Document)]
    n_words = sum(len(d.text.split()) for d in docs)
    torch.set_num_threads(built[0][1].cfg.run.torch_threads)
    print(f"corpus: {corpus} ({len(docs)} documents, {n_words:,} words); "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for _name, _loaded, extractor, blame in built:  # warm-up: first calls allocate caches
        warm = [next(extractor.process([d])) for d in docs[:3]]
        if blame is not None:
            list(blame.process(warm))
    totals: dict[str, dict[str, float]] = {}
    prints: dict[str, set[str]] = {}
    for rnd in range(args.rounds):
        for name, loaded, extractor, blame in built:
            t = time.process_time()
            results = [next(extractor.process([d])) for d in docs]
            st_s = time.process_time() - t
            t = time.process_time()
            rows = list(blame.process(results)) if blame is not None else \
                [(d, s, e, [], []) for d, s, e in results]
            cl_s = time.process_time() - t
            tot = totals.setdefault(name, {"statements": 0.0, "classifiers": 0.0})
            tot["statements"] += st_s
            tot["classifiers"] += cl_s
            fp = fingerprint(rows)
            prints.setdefault(name, set()).add(fp)
            print(f"round {rnd}  {name:<50} statements {st_s:7.2f} s  classifiers "
                  f"{cl_s:7.2f} s  rows {fp}  load {os.getloadavg()[0]:.2f}", flush=True)
    print("CPU seconds summed over rounds:")
    for name, tot in totals.items():
        words_s = n_words * args.rounds / max(sum(tot.values()), 1e-9)
        print(f"  {name:<50} statements {tot['statements']:7.2f}  classifiers "
              f"{tot['classifiers']:7.2f}  ({words_s:,.0f} words per CPU second)  "
              f"rows {'/'.join(sorted(prints[name]))}")
    summary = {"corpus": str(corpus), "words": n_words, "rounds": args.rounds,
               "cpu_seconds": totals, "fingerprints": {k: sorted(v) for k, v in prints.items()},
               "load_average_end": os.getloadavg()[0]}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
