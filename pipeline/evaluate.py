"""Evaluation of the statements stage against a gold set (``blamegraph evaluate-statements``).

Gold format: one document per line (``corpora/gold/README.md``) with ``text`` and a list of
``statements`` carrying character offsets, kind, construction, speaker, role and side.

Scoring, stated here so that the numbers in ``docs/evaluation.md`` can be checked:

* A predicted and a gold statement **match at overlap t** when the Jaccard overlap of their
  character spans (|intersection| / |union|) is at least t. Pairs are matched one-to-one,
  greedily by decreasing overlap. Precision, recall and F1 are reported at t = 0.3 and t = 0.8.
* **Speaker, role, side and kind accuracy** are computed over the statements matched at 0.3.
  A speaker is correct when the canonical names agree after normalization (case, a leading
  "the", possessive "'s", punctuation) or when one name's words are a contiguous part of the
  other's ("Ministry of Commerce" for "Chinese Ministry of Commerce", "Li" never counts for
  "Li Weiming" because a canonical speaker must be the full name).
* **Recall per construction** uses the gold ``construction`` label at t = 0.3.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable

from .config import LoadedConfig
from .errors import BlamegraphError, Errors
from .schema import Document, Statement

OVERLAPS = (0.3, 0.8)
_PUNCT = re.compile(r"[^\w\s]")


def span_overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Jaccard overlap of two character spans.

    >>> span_overlap((0, 10), (5, 15))
    0.3333333333333333
    >>> span_overlap((0, 4), (4, 8))
    0.0
    """
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def normalize_name(name: str | None) -> str:
    """
    >>> normalize_name("The Ministry of Commerce's")
    'ministry of commerce'
    """
    text = (name or "").strip().lower()
    text = re.sub(r"['’]s\b", "", text)
    text = _PUNCT.sub(" ", text)
    words = text.split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def same_speaker(predicted: str | None, gold: str | None) -> bool:
    """
    >>> same_speaker("Ministry of Commerce", "Chinese Ministry of Commerce")
    True
    >>> same_speaker("Li", "Li Weiming")
    False
    """
    p, g = normalize_name(predicted), normalize_name(gold)
    if not p or not g:
        return False
    if p == g:
        return True
    short, long_ = sorted((p.split(), g.split()), key=len)
    if len(short) < 2:
        return False
    return any(long_[i:i + len(short)] == short for i in range(len(long_) - len(short) + 1))


def match(predicted: list[tuple[int, int]], gold: list[tuple[int, int]],
          threshold: float) -> list[tuple[int, int]]:
    """One-to-one greedy matching by decreasing overlap; returns (pred index, gold index)."""
    candidates = sorted(((span_overlap(p, g), i, j) for i, p in enumerate(predicted)
                         for j, g in enumerate(gold)), reverse=True)
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs = []
    for overlap, i, j in candidates:
        if overlap < threshold or overlap == 0:
            break
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        pairs.append((i, j))
    return pairs


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp": tp, "n_pred": n_pred, "n_gold": n_gold}


def read_gold(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise BlamegraphError(Errors.E001.format(path=path))
    records = []
    with path.open(encoding="utf8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise BlamegraphError(Errors.E004.format(path=f"{path}:{n}", fmt="JSON Lines",
                                                         detail=e.msg)) from e
    return records


def score(gold_docs: list[dict[str, Any]], predicted: dict[str, list[Statement]]
          ) -> dict[str, Any]:
    """Score predicted statements (by doc id) against gold documents."""
    totals = {t: Counter() for t in OVERLAPS}
    attr = Counter()
    by_construction: dict[str, Counter] = defaultdict(Counter)
    by_kind: dict[str, Counter] = defaultdict(Counter)
    errors: list[dict[str, Any]] = []
    for rec in gold_docs:
        gold = rec.get("statements", [])
        pred = predicted.get(str(rec["id"]), [])
        g_spans = [(g["start"], g["end"]) for g in gold]
        p_spans = [(p.start, p.end) for p in pred]
        for t in OVERLAPS:
            pairs = match(p_spans, g_spans, t)
            totals[t].update(tp=len(pairs), n_pred=len(pred), n_gold=len(gold))
            if t != OVERLAPS[0]:
                continue
            matched_gold = {j: i for i, j in pairs}
            for j, g in enumerate(gold):
                construction = g.get("construction", "unknown")
                by_construction[construction]["n_gold"] += 1
                by_kind[g["kind"]]["n_gold"] += 1
                if j not in matched_gold:
                    errors.append({"doc_id": rec["id"], "error": "missed", "gold": g["text"],
                                   "construction": construction})
                    continue
                p = pred[matched_gold[j]]
                by_construction[construction]["tp"] += 1
                by_kind[g["kind"]]["tp"] += 1
                ok_speaker = same_speaker(p.speaker, g["speaker"])
                attr.update(n=1, speaker=ok_speaker, role=p.speaker_role == g["speaker_role"],
                            side=p.speaker_side == g["speaker_side"], kind=p.kind == g["kind"])
                if not ok_speaker or p.speaker_side != g["speaker_side"]:
                    errors.append({"doc_id": rec["id"], "error": "speaker_or_side",
                                   "gold": g["text"][:80], "gold_speaker": g["speaker"],
                                   "pred_speaker": p.speaker, "gold_side": g["speaker_side"],
                                   "pred_side": p.speaker_side, "evidence": p.side_evidence})
            matched_pred = {i for i, _ in pairs}
            for i, p in enumerate(pred):
                if i not in matched_pred:
                    errors.append({"doc_id": rec["id"], "error": "spurious", "pred": p.text[:120],
                                   "construction": p.construction})
    n = attr["n"] or 1
    return {
        "n_documents": len(gold_docs),
        "statements": {f"overlap_{t}": _prf(totals[t]["tp"], totals[t]["n_pred"],
                                             totals[t]["n_gold"]) for t in OVERLAPS},
        "speaker_accuracy": round(attr["speaker"] / n, 4),
        "role_accuracy": round(attr["role"] / n, 4),
        "side_accuracy": round(attr["side"] / n, 4),
        "kind_accuracy": round(attr["kind"] / n, 4),
        "n_matched": attr["n"],
        "recall_by_construction": {
            c: {"recall": round(v["tp"] / v["n_gold"], 4), "n_gold": v["n_gold"]}
            for c, v in sorted(by_construction.items())},
        "recall_by_kind": {k: {"recall": round(v["tp"] / v["n_gold"], 4), "n_gold": v["n_gold"]}
                           for k, v in sorted(by_kind.items())},
        "errors": errors,
    }


def gold_documents(gold_docs: Iterable[dict[str, Any]], loaded: LoadedConfig
                   ) -> Iterable[Document]:
    """Gold texts as Documents, unchanged (gold offsets point into them as written)."""
    for n, rec in enumerate(gold_docs, 1):
        country = loaded.side_of_country(rec.get("country"))
        yield Document(doc_id=str(rec["id"]), text=rec["text"], source="gold", position=n,
                       title=rec.get("title"), date=rec.get("date"), outlet=rec.get("outlet"),
                       country=country, chunks=[(0, len(rec["text"]))])


def evaluate_statements(gold_path: str | Path, loaded: LoadedConfig) -> dict[str, Any]:
    from .statements import StatementExtractor

    gold_docs = read_gold(Path(gold_path))
    extractor = StatementExtractor(loaded)
    predicted = {doc.doc_id: statements for doc, statements, _ in
                 extractor.process(gold_documents(gold_docs, loaded))}
    return score(gold_docs, predicted)
