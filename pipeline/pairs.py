"""Directed stance between two entity mentions: ``blamegraph pairs INPUT.jsonl --out PRED.jsonl``.

Input lines: ``{"id", "text", "p": [start, end], "q": [start, end]}`` (character offsets of two
mentions in one sentence or short passage). Output lines: ``{"id", "relation", "scores"}`` with
``relation`` one of ``none``, ``p_against_q``, ``q_against_p``, ``p_favor_q``, ``q_favor_p`` and
``scores`` the calibrated probability of each. A bad line is reported with its line number and
skipped; the others are still scored.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .errors import BlamegraphError, Errors

logger = logging.getLogger(__name__)


@dataclass
class PairInput:
    line: int
    id: str
    text: str
    p: tuple[int, int]
    q: tuple[int, int]


def _span(value: Any, n_chars: int, name: str) -> tuple[int, int]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise ValueError(f"'{name}' must be [start, end] integers, got {value!r}")
    start, end = value
    if not 0 <= start < end <= n_chars:
        raise ValueError(f"'{name}' {value!r} is outside the text of {n_chars} chars "
                         "or empty")
    return start, end


def parse_pair(record: Any, line: int, path: Path) -> PairInput:
    """Validate one input line; raises BlamegraphError (E137) naming the line and the problem."""
    try:
        if not isinstance(record, dict):
            raise ValueError(f"expected a JSON object, got {type(record).__name__}")
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError("'text' must be a non-empty string")
        if "id" not in record or not isinstance(record["id"], (str, int)):
            raise ValueError("'id' must be a string or integer")
        p = _span(record.get("p"), len(text), "p")
        q = _span(record.get("q"), len(text), "q")
        if p[0] < q[1] and q[0] < p[1]:
            raise ValueError(f"p {list(p)} and q {list(q)} overlap")
    except ValueError as e:
        raise BlamegraphError(Errors.E137.format(line=line, path=path, detail=e)) from e
    return PairInput(line, str(record["id"]), text, p, q)


def read_pairs(path: Path) -> Iterator[PairInput | BlamegraphError]:
    """Valid inputs, and one error per bad line (in file order)."""
    if not path.exists():
        raise BlamegraphError(Errors.E001.format(path=path))
    with path.open(encoding="utf8", errors="replace") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as e:
                yield BlamegraphError(Errors.E137.format(line=n, path=path,
                                                         detail=f"not valid JSON ({e.msg})"))
                continue
            try:
                yield parse_pair(record, n, path)
            except BlamegraphError as e:
                yield e


def predict_pairs(input_path: str | Path, out_path: str | Path, model_path: str | Path, *,
                  batch_size: int = 32, force: bool = False) -> dict[str, int]:
    """Score every valid line of ``input_path``; write predictions to ``out_path``."""
    from .blame import RelationScorer

    input_path, out_path = Path(input_path), Path(out_path)
    if out_path.exists() and not force:
        raise BlamegraphError(Errors.E138.format(path=out_path))
    items: list[PairInput] = []
    n_bad = 0
    for item in read_pairs(input_path):
        if isinstance(item, BlamegraphError):
            logger.warning("%s", item)
            n_bad += 1
        else:
            items.append(item)
    scorer = RelationScorer.from_path(model_path, batch_size)
    labels = scorer.model.cfg.labels["pairs"]
    encoded = [scorer.encoder.pair(it.text, it.p, it.q) for it in items]
    results = scorer.run(encoded)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(".tmp-" + out_path.name)
    with tmp.open("w", encoding="utf8") as fh:
        for it, res in zip(items, results):
            scores = {lab: round(float(p), 6) for lab, p in zip(labels, res["pairs"])}
            relation = max(scores, key=scores.__getitem__)
            fh.write(json.dumps({"id": it.id, "relation": relation, "scores": scores}) + "\n")
    os.replace(tmp, out_path)
    return {"scored": len(items), "bad_lines": n_bad}
