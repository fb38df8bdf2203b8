"""Tiny synthetic run folders, written with the Arrow schemas of ``pipeline/schema.py``.

``write_run`` writes whatever rows a test hands it (missing columns are null);
``demo_run`` writes a seeded corpus with the sample's built-in asymmetry: CN-side speakers blame
the US mostly on technology or linked grounds, US-side speakers blame China mostly on trade.
"""
from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import schema


def write_table(path: Path, rows: list[dict[str, Any]], arrow_schema: pa.Schema) -> None:
    columns = {name: [row.get(name) for row in rows] for name in arrow_schema.names}
    pq.write_table(pa.Table.from_pydict(columns, schema=arrow_schema), path)


def write_run(out: Path, documents: list[dict] = (), statements: list[dict] = (),
              blame: list[dict] = (), stance: list[dict] = (), entities: list[dict] = (),
              run_json: bool = True) -> Path:
    """Write the five stage files (and an empty-config run.json) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    docs = []
    per_doc = Counter(s["doc_id"] for s in statements)  # once, not per document
    for d in documents:
        d = dict(d)
        if isinstance(d.get("date"), str):
            d["date"] = dt.date.fromisoformat(d["date"])
        d.setdefault("status", "ok")
        d.setdefault("warnings", [])
        d.setdefault("text", "")
        d.setdefault("n_statements", per_doc[d["doc_id"]])
        docs.append(d)
    write_table(out / "documents.parquet", docs, schema.DOCUMENTS)
    write_table(out / "statements.parquet", list(statements), schema.STATEMENTS)
    write_table(out / "blame.parquet", list(blame), schema.BLAME)
    write_table(out / "stance.parquet", list(stance), schema.STANCE)
    write_table(out / "entities.parquet", list(entities), schema.ENTITIES)
    if run_json:
        (out / "run.json").write_text(json.dumps({"counts": {"documents": len(docs)}}))
    return out


US_SPEAKERS = [("Donald Trump", "official"), ("US Commerce Department", "official"),
               ("Karen Doyle", "expert"), ("Alan Brooks", "business"), ("Megan Ortiz", "media")]
CN_SPEAKERS = [("Chinese commerce ministry", "official"), ("Chinese foreign ministry", "official"),
               ("Zhang Hao", "expert"), ("Li Weiming", "expert"), ("Hu Xijin", "media")]
ACTORS = {"US": ["US government", "Donald Trump", "US Commerce Department"],
          "CN": ["Chinese government", "Huawei", "Chinese commerce ministry"]}
OUTLETS = [("Capital Ledger", "US"), ("Pacific Wire Service", "US"), ("Global Times", "CN"),
           ("Xinhua", "CN"), ("Harbor Post", "OTHER")]
# Issue mix of blame by the speaker's side, and the share blaming the other side.
ISSUE_MIX = {"US": [("trade", 0.6), ("technology", 0.25), ("linked", 0.05), ("other", 0.1)],
             "CN": [("trade", 0.15), ("technology", 0.45), ("linked", 0.3), ("other", 0.1)]}
OTHER_SIDE_SHARE = {"US": 0.8, "CN": 0.95}


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def demo_rows(n_docs: int = 40, seed: int = 0, undated: int = 2,
              years: tuple[int, ...] = (2019, 2020, 2021)) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    documents, statements, blame, stance = [], [], [], []
    for i in range(n_docs):
        doc_id = f"d{i:03d}"
        outlet, country = OUTLETS[i % len(OUTLETS)]
        date = None if i < undated else dt.date(years[i % len(years)], 1 + (i * 5) % 12,
                                                1 + i % 27)
        parts: list[str] = []
        n_statements = rng.randint(3, 6)
        for j in range(n_statements):
            side = rng.choice(["US", "CN", "US", "CN", "OTHER"])
            if side == "OTHER":
                speaker, role = "Rajiv Menon", "expert"
            else:
                speaker, role = rng.choice(US_SPEAKERS if side == "US" else CN_SPEAKERS)
            kind = rng.choice(["direct", "indirect", "indirect", "mixed", "author"])
            if kind == "author":
                speaker, role, side = outlet, "author", country
            blames = side in ("US", "CN") and rng.random() < 0.7
            issue = _pick(rng, ISSUE_MIX[side if side in ISSUE_MIX else "US"])
            other = {"US": "CN", "CN": "US"}.get(side, "US")
            blamed_side = (other if rng.random() < OTHER_SIDE_SHARE.get(side, 0.5) else side)
            blamed = rng.choice(ACTORS.get(blamed_side, ACTORS["US"]))
            if blames:
                sentence = f"{speaker} blamed {blamed} for the {issue} dispute ({doc_id}/{j})."
            else:
                sentence = f"{speaker} described the {issue} talks without blame ({doc_id}/{j})."
            start = sum(len(p) + 1 for p in parts)
            parts.append(sentence)
            sid = f"{doc_id}:{j}"
            statements.append({
                "doc_id": doc_id, "statement_id": sid, "kind": kind, "cue": "said",
                "text": sentence, "start": start, "end": start + len(sentence),
                "speaker": speaker, "speaker_text": None if kind == "author" else speaker,
                "speaker_role": role, "speaker_side": side, "issue": issue})
            if blames:
                blame.append({
                    "doc_id": doc_id, "statement_id": sid, "blamer": speaker,
                    "blamer_side": side, "blamed": blamed, "blamed_side": blamed_side,
                    "issue": issue, "confidence": round(0.5 + rng.random() / 2, 3),
                    "evidence": sentence, "start": start, "end": start + len(sentence)})
                stance.append({"doc_id": doc_id, "statement_id": sid,
                               "target_side": blamed_side, "stance": "against",
                               "confidence": 0.9})
            elif side != "OTHER":
                stance.append({"doc_id": doc_id, "statement_id": sid, "target_side": other,
                               "stance": rng.choice(["none", "favor"]), "confidence": 0.6})
        documents.append({"doc_id": doc_id, "text": " ".join(parts),
                          "title": f"Article {i}", "outlet": outlet, "country": country,
                          "date": date, "n_statements": n_statements})
    return {"documents": documents, "statements": statements, "blame": blame, "stance": stance}


def demo_run(out: Path, **kwargs: Any) -> Path:
    return write_run(out, **demo_rows(**kwargs))
