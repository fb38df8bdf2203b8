"""Labelled training data: constructed passages in ``corpora/labels/passages/*.jsonl``.

Annotators write exact substrings (with an occurrence index when a string repeats); this module
resolves them to character offsets, validates every label against the label sets, and splits
the data **by dispute**, so that the test split measures generalization to a dispute the models
never saw. Format and label definitions: ``corpora/labels/GUIDE.md``.

    python -m pipeline.labels validate corpora/labels/passages/eu_china_ev.jsonl
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .config import ISSUES, KINDS, PAIR_RELATIONS, STANCES

HARD_CASES = ("none", "negation", "hypothetical", "reported_third_party", "self_blame",
              "loaded_label", "causal", "rhetorical", "multi_target", "passive", "forecast",
              "background", "competitive", "praise", "victim")
SPECIAL_SIDES = ("OTHER", "UNKNOWN")
# Split by dispute: test and dev disputes are never seen in training.
SPLITS = {
    "test": ("japan_korea_export_controls", "australia_china_barley_wine"),
    "dev": ("us_canada_lumber",),
}


class LabelError(ValueError):
    """A labelled record that does not follow the guide; the message names file and line."""


def _locate(text: str, needle: str, occurrence: int, where: str) -> tuple[int, int]:
    if not isinstance(needle, str) or not needle:
        raise LabelError(f"{where}: expected a non-empty exact substring, got {needle!r}")
    start = -1
    for _ in range(int(occurrence) + 1):
        start = text.find(needle, start + 1)
        if start < 0:
            raise LabelError(f"{where}: {needle!r} (occurrence {occurrence}) is not in the text")
    end = start + len(needle)
    # Occurrences count every match, but the chosen one must be a whole word: "he" resolved
    # inside "the" is an annotation error, not a mention.
    if ((needle[0].isalnum() and start > 0 and text[start - 1].isalnum())
            or (needle[-1].isalnum() and end < len(text) and text[end].isalnum())):
        raise LabelError(f"{where}: {needle!r} occurrence {occurrence} falls inside a longer "
                         f"word ({text[max(0, start - 10):end + 10]!r}); pick the occurrence "
                         "index of the whole word")
    return start, end


@dataclass
class Target:
    start: int
    end: int
    name: str
    side: str
    issue: str


@dataclass
class LabelledStatement:
    passage_id: str
    dispute: str
    text: str  # the whole passage
    start: int
    end: int
    speaker_start: int | None
    speaker_end: int | None
    speaker_name: str
    speaker_side: str
    kind: str
    issue: str
    blame: list[Target]
    stance: dict[str, str]
    hard_case: str
    sides: list[str] = field(default_factory=list)


@dataclass
class LabelledPair:
    passage_id: str
    dispute: str
    text: str
    p: tuple[int, int]
    q: tuple[int, int]
    relation: str


def _side(value: Any, sides: list[str], where: str) -> str:
    if value not in (*sides, *SPECIAL_SIDES):
        raise LabelError(f"{where}: side {value!r} is not one of {[*sides, *SPECIAL_SIDES]}")
    return value


def _choice(value: Any, allowed: tuple[str, ...], where: str, what: str) -> str:
    if value not in allowed:
        raise LabelError(f"{where}: {what} {value!r} is not one of {list(allowed)}")
    return value


def parse_passage(record: dict[str, Any], where: str
                  ) -> tuple[list[LabelledStatement], list[LabelledPair]]:
    for key in ("id", "dispute", "text", "sides"):
        if key not in record:
            raise LabelError(f"{where}: missing field {key!r}")
    text, pid, dispute = record["text"], record["id"], record["dispute"]
    sides = list(record["sides"])
    statements: list[LabelledStatement] = []
    for i, st in enumerate(record.get("statements", [])):
        w = f"{where} statement {i}"
        start, end = _locate(text, st.get("text"), 0 if "occurrence" not in st
                             else st["occurrence"], w)
        sp_start = sp_end = None
        kind = _choice(st.get("kind"), KINDS, w, "kind")
        if st.get("speaker") is not None:
            sp_start, sp_end = _locate(text, st["speaker"], st.get("speaker_occurrence", 0), w)
        elif kind != "author":
            raise LabelError(f"{w}: only author statements may have speaker null")
        targets = []
        for j, b in enumerate(st.get("blame", [])):
            wb = f"{w} blame {j}"
            t_start, t_end = _locate(text, b.get("target"), b.get("target_occurrence", 0), wb)
            targets.append(Target(t_start, t_end, str(b.get("target_name") or b["target"]),
                                  _side(b.get("side"), sides, wb),
                                  _choice(b.get("issue"), ISSUES, wb, "issue")))
        stance = st.get("stance", {})
        if set(stance) != set(sides):
            raise LabelError(f"{w}: stance must give a value for each side {sides}, "
                             f"got {sorted(stance)}")
        for side, value in stance.items():
            _choice(value, STANCES, w, f"stance toward {side}")
        statements.append(LabelledStatement(
            pid, dispute, text, start, end, sp_start, sp_end,
            str(st.get("speaker_name") or st.get("speaker") or record.get("outlet") or ""),
            _side(st.get("speaker_side"), sides, w), kind,
            _choice(st.get("issue"), ISSUES, w, "issue"), targets, dict(stance),
            _choice(st.get("hard_case", "none"), HARD_CASES, w, "hard_case"), sides))
    pairs: list[LabelledPair] = []
    for i, pr in enumerate(record.get("pairs", [])):
        w = f"{where} pair {i}"
        p = _locate(text, pr.get("p"), pr.get("p_occurrence", 0), w)
        q = _locate(text, pr.get("q"), pr.get("q_occurrence", 0), w)
        if not (p[1] <= q[0] or q[1] <= p[0]):
            raise LabelError(f"{w}: p {pr.get('p')!r} and q {pr.get('q')!r} overlap")
        pairs.append(LabelledPair(pid, dispute, text, p, q,
                                  _choice(pr.get("relation"), PAIR_RELATIONS, w, "relation")))
    return statements, pairs


def parse_simple_pair(record: dict[str, Any], where: str) -> LabelledPair:
    """A pair in the ``blamegraph pairs`` format plus a label:
    ``{"id", "text", "p": [start, end], "q": [start, end], "relation"}``."""
    text = record.get("text")
    if not isinstance(text, str) or not text:
        raise LabelError(f"{where}: 'text' must be a non-empty string")
    spans = []
    for name in ("p", "q"):
        value = record.get(name)
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, int) for v in value)
                or not 0 <= value[0] < value[1] <= len(text)):
            raise LabelError(f"{where}: '{name}' must be [start, end] inside the text, "
                             f"got {value!r}")
        spans.append((value[0], value[1]))
    p, q = spans
    if p[0] < q[1] and q[0] < p[1]:
        raise LabelError(f"{where}: p {list(p)} and q {list(q)} overlap")
    return LabelledPair(str(record.get("id")), str(record.get("dispute", "user")), text, p, q,
                        _choice(record.get("relation"), PAIR_RELATIONS, where, "relation"))


def read_passages(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open(encoding="utf8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise LabelError(f"{where}: not valid JSON ({e.msg} at column {e.colno})") from e
            yield where, record


def load(paths: list[Path]) -> tuple[list[LabelledStatement], list[LabelledPair]]:
    statements, pairs, seen = [], [], set()
    for path in paths:
        for where, record in read_passages(path):
            if record.get("id") in seen:
                raise LabelError(f"{where}: passage id {record.get('id')!r} appears twice")
            seen.add(record.get("id"))
            if not isinstance(record, dict):
                raise LabelError(f"{where}: expected a JSON object")
            if "relation" in record and isinstance(record.get("p"), list):
                pairs.append(parse_simple_pair(record, where))
                continue
            st, pr = parse_passage(record, where)
            statements.extend(st)
            pairs.extend(pr)
    return statements, pairs


def split_of(dispute: str) -> str:
    for split, disputes in SPLITS.items():
        if dispute in disputes:
            return split
    return "train"


def summary(statements: list[LabelledStatement], pairs: list[LabelledPair]) -> dict[str, Any]:
    return {
        "passages": len({s.passage_id for s in statements} | {p.passage_id for p in pairs}),
        "statements": len(statements), "pairs": len(pairs),
        "statements_by_split": dict(Counter(split_of(s.dispute) for s in statements)),
        "pairs_by_split": dict(Counter(split_of(p.dispute) for p in pairs)),
        "by_dispute": dict(Counter(s.dispute for s in statements)),
        "kind": dict(Counter(s.kind for s in statements)),
        "issue": dict(Counter(s.issue for s in statements)),
        "n_blame_edges": dict(Counter(len(s.blame) for s in statements)),
        "edge_issue": dict(Counter(t.issue for s in statements for t in s.blame)),
        "hard_case": dict(Counter(s.hard_case for s in statements)),
        "stance": dict(Counter(v for s in statements for v in s.stance.values())),
        "relation": dict(Counter(p.relation for p in pairs)),
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "validate":
        print("usage: python -m pipeline.labels validate FILE [FILE ...]")
        return 2
    try:
        statements, pairs = load([Path(p) for p in argv[1:]])
    except LabelError as e:
        print(f"error: {e}")
        return 1
    print(json.dumps(summary(statements, pairs), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
