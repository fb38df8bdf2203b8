"""``make bench-memory``: peak resident memory of a blamegraph run at two corpus sizes.

Each size runs in a fresh child process (``python -m bench.memory --child N``) that streams a
generated corpus of N short documents (:func:`pipeline.benchgen.generate` with small
``max_words``: a dateline and a lede, often a quote) through ``run_corpus`` — the full run,
classifiers, Parquet writing and aggregates included — and reports its own peak RSS
(``getrusage(RUSAGE_SELF).ru_maxrss``). The parent prints both peaks and their ratio; the
goal is a larger run within 10 % of the smaller one. Writes ``OUT/memory.json``.

    python -m bench.memory --docs 10000 100000 --out out/bench
    python -m bench.memory --finalize out/bench/memory-run-10000   # the aggregation step alone
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def child(n_docs: int, out: Path, max_words: int, seed: int,
          overrides: list[str]) -> dict[str, Any]:
    from pipeline.benchgen import generate
    from pipeline.config import load_config
    from pipeline.runner import run_corpus

    corpus = out / f"memory-{n_docs}.jsonl"
    n_words = 0
    with corpus.open("w", encoding="utf8") as f:
        gen = generate(n_words=10**12, seed=seed, min_words=max_words // 2, max_words=max_words)
        for _, rec in zip(range(n_docs), gen):
            n_words += len(rec["text"].split())
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    from pipeline import aggregate

    # The peak before aggregation (the streamed stages) is recorded apart from the final one:
    # aggregates.parquet holds statement-id lists, so that step grows with the corpus.
    peaks: dict[str, float] = {}
    finalize = aggregate.finalize

    def recording_finalize(*a: Any, **k: Any) -> Any:
        peaks["before_aggregate"] = _maxrss_mib()
        return finalize(*a, **k)

    aggregate.finalize = recording_finalize
    started = time.perf_counter()
    result = run_corpus(corpus, out / f"memory-run-{n_docs}", load_config(None, overrides),
                        force=True)
    seconds = time.perf_counter() - started
    corpus.unlink()
    return {"documents": result.manifest["counts"]["documents"], "words": n_words,
            "seconds": round(seconds, 1), "rows": result.manifest["counts"]["rows"],
            "stages": result.manifest["timings"],
            "peak_rss_before_aggregate_mib": peaks.get("before_aggregate"),
            "peak_rss_mib": _maxrss_mib()}


def finalize_only(run_dir: Path, overrides: list[str]) -> dict[str, Any]:
    """Peak RSS of ``aggregate.finalize`` alone on a finished run folder (rewrites its
    aggregates and divergence files), over the process's footprint once the modules are
    imported and the config is loaded."""
    from pipeline.aggregate import finalize, run_config

    loaded = run_config(run_dir, overrides=overrides or None)
    baseline = _maxrss_mib()
    started = time.perf_counter()
    counts = finalize(run_dir, loaded)
    peak = _maxrss_mib()
    return {"run": str(run_dir), "rows": counts, "baseline_rss_mib": baseline,
            "peak_rss_mib": peak, "added_mib": round(peak - baseline, 1),
            "seconds": round(time.perf_counter() - started, 1)}


def _maxrss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--max-words", type=int, default=40,
                        help="longest generated document, in words (default 40)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=Path("out/bench"))
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        help="config override for the runs (key.path=value)")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--finalize", type=Path, default=None, metavar="RUN_DIR",
                        help="measure only the aggregation step on a finished run folder")
    args = parser.parse_args(argv)
    if args.finalize is not None:
        print(json.dumps(finalize_only(args.finalize, args.overrides)))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    if args.child is not None:
        print(json.dumps(child(args.child, args.out, args.max_words, args.seed,
                               args.overrides)))
        return 0
    results = []
    for n in args.docs:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.memory", "--child", str(n), "--out", str(args.out),
             "--max-words", str(args.max_words), "--seed", str(args.seed),
             *[f"--set={o}" for o in args.overrides]],
            capture_output=True, text=True, env=os.environ.copy(), check=False)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-4000:])
            return proc.returncode
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(res)
        print(f"{res['documents']:>9,} documents ({res['words']:,} words): "
              f"peak RSS {res['peak_rss_mib']:,.1f} MiB "
              f"({res['peak_rss_before_aggregate_mib']:,.1f} before aggregation), "
              f"{res['seconds']} s", flush=True)
    report: dict[str, Any] = {"runs": results, "max_words": args.max_words,
                              "overrides": args.overrides,
                              "load_average": [round(x, 2) for x in os.getloadavg()]}
    if len(results) >= 2:
        growth = results[-1]["peak_rss_mib"] / results[0]["peak_rss_mib"] - 1
        report["growth"] = round(growth, 4)
        report["growth_before_aggregate"] = round(
            results[-1]["peak_rss_before_aggregate_mib"]
            / results[0]["peak_rss_before_aggregate_mib"] - 1, 4)
        print(f"peak RSS growth from {results[0]['documents']:,} to "
              f"{results[-1]['documents']:,} documents: {growth:+.1%} (goal: within 10%); "
              f"before aggregation {report['growth_before_aggregate']:+.1%}")
    (args.out / "memory.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf8")
    print(f"written: {args.out / 'memory.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
