"""The annotation loop: pick items from a finished run, export them for annotators, import the
completed labels back as training passages, and measure inter-annotator agreement.

    blamegraph sample DIR --task blame --n 200 --strategy uncertain --out batch.jsonl
    blamegraph import-labels batch.done.jsonl --out corpora/labels/passages/mine.jsonl
    blamegraph agreement alice.jsonl bob.jsonl --task blame

An **item** is one statement of the run (tasks ``blame``, ``stance``, ``issue``) or one pair of
entity mentions inside a statement (task ``pairs``), with everything needed to label it and to
turn it back into a labelled-passage record (``corpora/labels/GUIDE.md``): a context window of
the document text, the statement's offsets and speaker, the candidate targets the entity linker
found, and the model's prediction as a pre-annotation (``label``), which the annotator corrects.

Strategies:

* ``uncertain``: uncertainty sampling (Lewis & Gale 1994): the run's statements are re-scored
  with the relation model (``pipeline/blame.py`` RelationScorer) for the full distribution, and
  items are ranked by margin (1 - (p1 - p2), Scheffer et al. 2001) or least confidence
  (1 - p1); a statement's blame score is that of its least certain candidate target.
* ``random``: stratified random sampling, strata = the model's predicted label, proportional
  allocation (largest remainder), seeded.
* ``diverse``: k-center greedy (Sener & Savarese 2018, "Active Learning for Convolutional Neural
  Networks: A Core-Set Approach") on mean-pooled, normalized sentence embeddings of the packaged
  MiniLM encoder; the first centre is drawn with the seed.

Formats: ``jsonl`` (one item per line: ``text``, ``spans`` and ``meta`` in the Prodigy manner,
``answer`` accept/reject/ignore, the labels under ``label``) and ``labelstudio`` (Label Studio's
JSON task list, the pre-annotation as ``predictions``, completed labels read from
``annotations``; the labelling interface is written next to it as ``*.label_config.xml``).
Agreement: Cohen's kappa (1960) per annotator pair and Krippendorff's alpha (nominal, any number
of annotators, missing ratings allowed; Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability").
"""
from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from . import labels as labelled
from .config import ISSUES, PAIR_RELATIONS, STANCES, LoadedConfig
from .errors import BlamegraphError, Errors

logger = logging.getLogger(__name__)

TASKS = ("pairs", "blame", "stance", "issue")
STRATEGIES = ("uncertain", "random", "diverse")
UNCERTAINTIES = ("margin", "least")
FORMATS = ("jsonl", "labelstudio")
ANSWERS = ("accept", "reject", "ignore")
MAX_CONTEXT_CHARS = 1500  # a document up to this size is shown whole
CONTEXT_CHARS = 300  # else this much text on each side of the statement
MAX_PAIR_CHARS = 300  # two mentions further apart than this are not offered as a pair
ANNOTATED_REGISTER = "annotated"


def _check(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise BlamegraphError(Errors.E190.format(what=what, value=value,
                                                 allowed=", ".join(allowed)))


# --- reading a run ------------------------------------------------------------------------------


@dataclass
class RunData:
    path: Path
    loaded: LoadedConfig
    texts: dict[str, str]  # doc_id -> normalized text
    outlets: dict[str, str | None]
    statements: list[Any]  # schema.Statement, in file order
    entities: dict[str, list[Any]]  # doc_id -> schema.Entity

    @property
    def sides(self) -> list[str]:
        return list(self.loaded.cfg.side_codes)

    @property
    def dispute(self) -> str:
        return self.loaded.cfg.dispute


def load_run(run_dir: Path, loaded: LoadedConfig | None = None) -> RunData:
    """Documents, statements and entities of a finished run, with the config it used."""
    import pyarrow.parquet as pq

    from .aggregate import run_config
    from .schema import Entity, Statement

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise BlamegraphError(Errors.E070.format(path=run_dir))
    for name in ("documents.parquet", "statements.parquet", "entities.parquet"):
        if not (run_dir / name).exists():
            raise BlamegraphError(Errors.E071.format(path=run_dir, name=name))
    loaded = loaded or run_config(run_dir)
    docs = pq.read_table(run_dir / "documents.parquet",
                         columns=["doc_id", "text", "outlet"]).to_pylist()
    fields = Statement.__dataclass_fields__
    statements = [Statement(**{k: v for k, v in row.items() if k in fields})
                  for row in pq.read_table(run_dir / "statements.parquet").to_pylist()]
    for st in statements:
        if st.speaker_start is not None:
            st.speaker_start, st.speaker_end = int(st.speaker_start), int(st.speaker_end)
    entities: dict[str, list[Any]] = defaultdict(list)
    for row in pq.read_table(run_dir / "entities.parquet").to_pylist():
        entities[row["doc_id"]].append(Entity(row["doc_id"], row["text"], row["label"],
                                              int(row["start"]), int(row["end"]),
                                              row.get("actor"), row.get("side") or "UNKNOWN"))
    return RunData(run_dir, loaded, {d["doc_id"]: d["text"] or "" for d in docs},
                   {d["doc_id"]: d.get("outlet") for d in docs}, statements, dict(entities))


def context_window(text: str, lo: int, hi: int, max_context_chars: int = MAX_CONTEXT_CHARS,
                   context_chars: int = CONTEXT_CHARS) -> tuple[int, int]:
    """The span of ``text`` shown with an item: the whole document when short, else the
    statement with ``context_chars`` on each side, widened to whitespace.

    >>> context_window("a b c", 2, 3)
    (0, 5)
    >>> context_window("one two three four", 8, 13, max_context_chars=5, context_chars=2)
    (4, 18)
    """
    from .model import context_window as widened

    if len(text) <= max_context_chars:
        return 0, len(text)
    return widened(text, lo, hi, context_chars)


# --- items --------------------------------------------------------------------------------------


def _uncertainty(probs: Sequence[float], measure: str) -> float:
    """1 - margin (top two) or 1 - top probability; higher = less sure.

    >>> _uncertainty([0.5, 0.5], "margin"), _uncertainty([0.9, 0.1], "least")
    (1.0, 0.1)
    """
    top = sorted(probs, reverse=True)
    if measure == "least":
        return round(1.0 - top[0], 6)
    return round(1.0 - (top[0] - (top[1] if len(top) > 1 else 0.0)), 6)


def _scorer(model_path: Path, batch_size: int = 32) -> Any:
    from .blame import RelationScorer

    return RelationScorer.from_path(model_path, batch_size)


def _model_path(run: RunData, task: str, model: Path | None) -> Path:
    path = model or run.loaded.model_path(task)
    if path is None:
        raise BlamegraphError(Errors.E139.format(task=task))
    return Path(path)


def _find_mention(text: str, name: str | None, before: int) -> tuple[int | None, int | None]:
    """The last whole-word occurrence of ``name`` before ``before``, else the first after it.

    >>> _find_mention("Kim said no. Kim, who left, said yes.", "Kim", 30)
    (13, 16)
    >>> _find_mention("Kimberly said no.", "Kim", 10)
    (None, None)
    """
    if not name:
        return None, None
    hits = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)]
    earlier = [h for h in hits if h < before]
    start = earlier[-1] if earlier else (hits[0] if hits else None)
    return (start, start + len(name)) if start is not None else (None, None)


def statement_items(run: RunData, task: str, scorer: Any, threshold: float | None = None,
                    measure: str = "margin") -> list[dict[str, Any]]:
    """One item per statement of the run, with candidates, pre-annotation and uncertainty."""
    from .blame import statement_targets
    from .model import candidate_span

    threshold = (threshold if threshold is not None else run.loaded.cfg.blame.threshold
                 if run.loaded.cfg.blame.threshold is not None
                 else scorer.model.cfg.blame_threshold)
    sides = run.sides
    todo = []
    for st in run.statements:
        text = run.texts.get(st.doc_id)
        if text is None:
            continue
        # the candidates a run scores: the model's scope (its window), as in BlameStage
        scope = candidate_span(text, (st.start, st.end), scorer.model.cfg)
        todo.append((text, st, statement_targets(st, run.entities.get(st.doc_id, []), scope)))
    scored = scorer.score_statements(todo) if todo else []
    labels = scorer.labels
    items = []
    for (text, st, targets), sc in zip(todo, scored):
        if st.speaker_start is None and st.kind != "author":
            # A quote that continues an earlier one carries its speaker without a mention:
            # point at the speaker's name in the text so the record stays a valid passage.
            st.speaker_start, st.speaker_end = _find_mention(text, st.speaker, st.start)
            if st.speaker_start is not None:
                st.speaker_text = text[st.speaker_start:st.speaker_end]
        lo = min(st.start, st.speaker_start if st.speaker_start is not None else st.start)
        hi = max(st.end, st.speaker_end if st.speaker_end is not None else st.end)
        ws, we = context_window(text, lo, hi)
        candidates, blame, by_side = [], [], {}
        for k, t in enumerate(targets):
            stance = dict(zip(labels["stance"], (round(p, 4) for p in sc.stance[k])))
            p_blame = round(float(sc.blame[k]), 4)
            edge_issue = labels["edge_issue"][int(np.argmax(sc.edge_issue[k]))]
            candidates.append({"start": t.start - ws, "end": t.end - ws, "text": t.text,
                               "actor": t.actor, "side": t.side, "p_blame": p_blame,
                               "edge_issue": edge_issue, "stance": stance})
            if p_blame >= threshold:
                blame.append({"start": t.start - ws, "end": t.end - ws,
                              "target_name": t.actor or t.text, "side": t.side,
                              "issue": edge_issue})
            if t.side in sides:
                current = by_side.get(t.side)
                if current is None or stance["none"] < current["none"]:
                    by_side[t.side] = stance
        issue = labels["issue"][int(np.argmax(sc.issue))]
        stance_label = {side: (max(by_side[side], key=by_side[side].get) if side in by_side
                               else "none") for side in sides}
        if task == "blame":
            u = max((_uncertainty([p, 1 - p], measure) for p in sc.blame), default=0.0)
            stratum = ("blame" if blame else "no_blame") if targets else "no_candidates"
        elif task == "stance":
            u = max((_uncertainty(p, measure) for p in sc.stance), default=0.0)
            polar = [v for v in stance_label.values() if v != "none"]
            stratum = polar[0] if polar else "none"
        else:
            u = _uncertainty(sc.issue, measure)
            stratum = issue
        speaker_fields = {"speaker": st.speaker, "speaker_text": st.speaker_text,
                          "speaker_start": None if st.speaker_start is None
                          else st.speaker_start - ws,
                          "speaker_end": None if st.speaker_end is None else st.speaker_end - ws,
                          "speaker_side": st.speaker_side}
        spans = [{"start": st.start - ws, "end": st.end - ws, "label": "STATEMENT"}]
        if st.speaker_start is not None:
            spans.append({"start": st.speaker_start - ws, "end": st.speaker_end - ws,
                          "label": "SPEAKER"})
        spans += [{"start": c["start"], "end": c["end"], "label": "TARGET"} for c in candidates]
        items.append({
            "id": st.statement_id, "task": task, "doc_id": st.doc_id,
            "statement_id": st.statement_id, "dispute": run.dispute, "sides": sides,
            "outlet": run.outlets.get(st.doc_id), "text": text[ws:we], "offset": ws,
            "statement": {"start": st.start - ws, "end": st.end - ws, "kind": st.kind,
                          **speaker_fields},
            "candidates": candidates,
            "label": {"issue": issue, "blame": blame, "stance": stance_label},
            "answer": "accept", "spans": sorted(spans, key=lambda s: (s["start"], s["end"])),
            "meta": {"uncertainty": u, "stratum": stratum, "issue_scores":
                     dict(zip(labels["issue"], (round(p, 4) for p in sc.issue))),
                     "blame_threshold": threshold},
        })
    return items


def pair_items(run: RunData, scorer: Any, measure: str = "margin",
               max_pair_chars: int = MAX_PAIR_CHARS) -> list[dict[str, Any]]:
    """Pairs of party mentions inside one statement (its speaker mention included), scored by
    the pairs head. Each pair of spans is offered once, however many statements hold it."""
    from .blame import statement_targets

    seen: set[tuple[str, int, int, int, int]] = set()
    todo = []
    for st in run.statements:
        text = run.texts.get(st.doc_id)
        if text is None:
            continue
        speaker = ((st.speaker_start, st.speaker_end) if st.speaker_start is not None else None)
        mentions = [(t.start, t.end, t.text)
                    for t in statement_targets(st, run.entities.get(st.doc_id, []))]
        if speaker:
            mentions.append((speaker[0], speaker[1], st.speaker_text or st.speaker))
        mentions = sorted(set(mentions))
        for a, b in combinations(mentions, 2):
            if a[2] == b[2] or a[1] > b[0] or max(a[1], b[1]) - min(a[0], b[0]) > max_pair_chars:
                continue
            key = (st.doc_id, a[0], a[1], b[0], b[1])
            if key in seen:
                continue
            seen.add(key)
            todo.append((st, text, a, b))
    encoded = [scorer.encoder.pair(text, (a[0], a[1]), (b[0], b[1]))
               for st, text, a, b in todo]
    results = scorer.run(encoded) if encoded else []
    names = scorer.labels["pairs"]
    items = []
    for (st, text, a, b), res in zip(todo, results):
        ws, we = context_window(text, a[0], b[1])
        scores = dict(zip(names, (round(p, 4) for p in res["pairs"])))
        relation = max(scores, key=scores.get)
        items.append({
            "id": f"{st.doc_id}@{a[0]}-{a[1]}:{b[0]}-{b[1]}", "task": "pairs",
            "doc_id": st.doc_id, "statement_id": st.statement_id, "dispute": run.dispute,
            "sides": run.sides, "outlet": run.outlets.get(st.doc_id),
            "text": text[ws:we], "offset": ws,
            "p": [a[0] - ws, a[1] - ws], "q": [b[0] - ws, b[1] - ws],
            "p_text": a[2], "q_text": b[2], "label": {"relation": relation},
            "answer": "accept",
            "spans": [{"start": a[0] - ws, "end": a[1] - ws, "label": "P"},
                      {"start": b[0] - ws, "end": b[1] - ws, "label": "Q"}],
            "meta": {"uncertainty": _uncertainty(res["pairs"], measure), "stratum": relation,
                     "scores": scores},
        })
    return items


# --- selection strategies -----------------------------------------------------------------------


def select_uncertain(items: Sequence[dict[str, Any]], n: int) -> list[int]:
    """The ``n`` least certain items (ties by id, so the order is stable)."""
    order = sorted(range(len(items)), key=lambda i: (-items[i]["meta"]["uncertainty"],
                                                     items[i]["id"]))
    return order[:n]


def select_random(items: Sequence[dict[str, Any]], n: int, seed: int) -> list[int]:
    """Stratified random sample: each predicted label gets its share of ``n`` (largest
    remainder), drawn at random within the stratum.

    >>> its = [{"id": str(i), "meta": {"stratum": "a" if i < 8 else "b"}} for i in range(10)]
    >>> sorted(Counter(its[i]["meta"]["stratum"] for i in select_random(its, 5, 0)).items())
    [('a', 4), ('b', 1)]
    """
    if n >= len(items):
        return list(range(len(items)))
    strata: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        strata[item["meta"]["stratum"]].append(i)
    names = sorted(strata)
    quota = {s: n * len(strata[s]) / len(items) for s in names}
    take = {s: math.floor(quota[s]) for s in names}
    for s in sorted(names, key=lambda s: (-(quota[s] - take[s]), s))[:n - sum(take.values())]:
        take[s] += 1
    rng = np.random.default_rng(seed)
    chosen = []
    for s in names:
        members = sorted(strata[s], key=lambda i: items[i]["id"])
        chosen += [members[int(j)] for j in rng.permutation(len(members))[:take[s]]]
    return chosen


def embed(texts: Sequence[str], batch_size: int = 32, max_length: int = 128) -> np.ndarray:
    """Mean-pooled, L2-normalized sentence embeddings from the packaged MiniLM encoder."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from .model import base_model_path

    path = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True).eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            batch = tokenizer(list(texts[i:i + batch_size]), padding=True, truncation=True,
                              max_length=max_length, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)


def k_center_greedy(vectors: np.ndarray, n: int, seed: int) -> list[int]:
    """Greedy k-center (farthest-first traversal): each pick is the point farthest from the
    points already picked; the first is drawn with the seed.

    >>> k_center_greedy(np.array([[0.0], [0.1], [5.0], [10.0]]), 3, seed=0)
    [3, 0, 2]
    """
    if len(vectors) == 0 or n <= 0:
        return []
    rng = np.random.default_rng(seed)
    first = int(rng.integers(len(vectors)))
    chosen = [first]
    dist = np.linalg.norm(vectors - vectors[first], axis=1)
    while len(chosen) < min(n, len(vectors)):
        nxt = int(np.argmax(dist))  # argmax takes the first of ties: deterministic
        if dist[nxt] <= 0:  # only duplicates of picked points are left: take them in order
            picked = set(chosen)
            chosen += [i for i in range(len(vectors)) if i not in picked][:n - len(chosen)]
            break
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(vectors - vectors[nxt], axis=1))
    return chosen


def item_text(item: dict[str, Any]) -> str:
    """What the diverse strategy embeds: the statement (or the stretch holding the pair)."""
    if item["task"] == "pairs":
        lo, hi = min(item["p"][0], item["q"][0]), max(item["p"][1], item["q"][1])
        return item["text"][lo:hi]
    st = item["statement"]
    return item["text"][st["start"]:st["end"]]


def select(items: Sequence[dict[str, Any]], n: int, strategy: str, seed: int,
           vectors: np.ndarray | None = None) -> list[int]:
    _check(strategy, STRATEGIES, "strategy")
    if strategy == "uncertain":
        return select_uncertain(items, n)
    if strategy == "random":
        return select_random(items, n, seed)
    if vectors is None:
        vectors = embed([item_text(it) for it in items])
    return k_center_greedy(vectors, n, seed)


def sample(run_dir: Path, out: Path, *, task: str, n: int = 200, strategy: str = "uncertain",
           fmt: str = "jsonl", seed: int = 13, model: Path | None = None,
           measure: str = "margin", force: bool = False) -> dict[str, Any]:
    """Pick ``n`` items of a finished run for labelling and write them in ``fmt``."""
    _check(task, TASKS, "task")
    _check(strategy, STRATEGIES, "strategy")
    _check(fmt, FORMATS, "format")
    _check(measure, UNCERTAINTIES, "uncertainty measure")
    if n < 1:
        raise BlamegraphError(Errors.E190.format(what="--n", value=n, allowed="1 or more"))
    out = Path(out)
    if out.exists() and not force:
        raise BlamegraphError(Errors.E138.format(path=out))
    run = load_run(run_dir)
    model_path = _model_path(run, task, model)
    scorer = _scorer(model_path)
    items = (pair_items(run, scorer, measure) if task == "pairs"
             else statement_items(run, task, scorer, measure=measure))
    chosen = select(items, n, strategy, seed)
    batch = []
    for rank, i in enumerate(chosen, 1):
        item = items[i]
        item["meta"].update(strategy=strategy, rank=rank, seed=seed, run=str(run.path),
                            model=str(model_path), uncertainty_measure=measure)
        batch.append(item)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        write_jsonl(batch, out)
    else:
        write_labelstudio(batch, out)
    logger.info("sampled %d of %d %s items into %s", len(batch), len(items), task, out)
    return {"items": len(items), "sampled": len(batch), "strata": dict(Counter(
        it["meta"]["stratum"] for it in batch)), "out": str(out), "model": str(model_path),
        "mean_uncertainty": round(float(np.mean([it["meta"]["uncertainty"] for it in batch]))
                                  if batch else 0.0, 4)}


# --- formats ------------------------------------------------------------------------------------


def write_jsonl(items: Iterable[dict[str, Any]], out: Path) -> None:
    with Path(out).open("w", encoding="utf8") as fh:
        fh.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in items)


def label_config(task: str, sides: Sequence[str]) -> str:
    """The Label Studio labelling interface for a task (XML)."""
    head = ['<View>',
            '  <Header value="Speaker: $speaker ($speaker_side) - statement: $statement"/>',
            '  <Text name="text" value="$text"/>']
    if task == "pairs":
        body = ['  <Header value="p = $p_text ; q = $q_text"/>',
                '  <Choices name="relation" toName="text" choice="single" required="true">',
                *[f'    <Choice value="{r}"/>' for r in PAIR_RELATIONS], '  </Choices>']
    else:
        body = ['  <Header value="Mark each blamed actor mention with the issue of the blame"/>',
                '  <Labels name="blame" toName="text">',
                *[f'    <Label value="{i}"/>' for i in ISSUES], '  </Labels>']
        for side in sides:
            body += [f'  <Header value="Stance toward {side}"/>',
                     f'  <Choices name="stance_{side}" toName="text" choice="single">',
                     *[f'    <Choice value="{s}"/>' for s in STANCES], '  </Choices>']
        body += ['  <Header value="Issue of the statement"/>',
                 '  <Choices name="issue" toName="text" choice="single">',
                 *[f'    <Choice value="{i}"/>' for i in ISSUES], '  </Choices>']
    return "\n".join(head + body + ['</View>']) + "\n"


def label_to_results(item: dict[str, Any], label: dict[str, Any]) -> list[dict[str, Any]]:
    """An item's labels as Label Studio result regions."""
    if item["task"] == "pairs":
        return [{"id": "relation", "from_name": "relation", "to_name": "text",
                 "type": "choices", "value": {"choices": [label["relation"]]}}]
    results = []
    for k, b in enumerate(label["blame"]):
        results.append({"id": f"blame{k}", "from_name": "blame", "to_name": "text",
                        "type": "labels",
                        "value": {"start": b["start"], "end": b["end"],
                                  "text": item["text"][b["start"]:b["end"]],
                                  "labels": [b["issue"]]}})
    for side, value in label["stance"].items():
        results.append({"id": f"stance_{side}", "from_name": f"stance_{side}", "to_name": "text",
                        "type": "choices", "value": {"choices": [value]}})
    results.append({"id": "issue", "from_name": "issue", "to_name": "text", "type": "choices",
                    "value": {"choices": [label["issue"]]}})
    return results


def to_labelstudio(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    tasks = []
    for k, item in enumerate(items, 1):
        data = {"text": item["text"], "item": {key: v for key, v in item.items()
                                               if key not in ("text", "label", "answer")},
                "prediction": item["label"]}
        if item["task"] == "pairs":
            data.update(p_text=item["p_text"], q_text=item["q_text"], speaker="", statement="",
                        speaker_side="")
        else:
            st = item["statement"]
            data.update(statement=item["text"][st["start"]:st["end"]],
                        speaker=st["speaker_text"] or st["speaker"] or "(the outlet)",
                        speaker_side=st["speaker_side"])
        tasks.append({"id": k, "data": data, "meta": {"item_id": item["id"]},
                      "predictions": [{"model_version": Path(item["meta"].get("model", "model"))
                                       .name, "score": item["meta"]["uncertainty"],
                                       "result": label_to_results(item, item["label"])}]})
    return tasks


def write_labelstudio(items: Sequence[dict[str, Any]], out: Path) -> None:
    tasks = to_labelstudio(items)
    with Path(out).open("w", encoding="utf8") as fh:  # one task per line: diffable, greppable
        fh.write("[\n" + ",\n".join(json.dumps(t, ensure_ascii=False) for t in tasks) + "\n]\n")
    task = items[0]["task"] if items else "blame"
    sides = items[0]["sides"] if items else []
    Path(out).with_suffix(".label_config.xml").write_text(label_config(task, sides),
                                                          encoding="utf8")


def results_to_label(item: dict[str, Any], results: Sequence[dict[str, Any]],
                     prediction: dict[str, Any], where: str) -> dict[str, Any]:
    """Label Studio result regions back to an item's ``label``. Fields the annotator did not
    touch keep the pre-annotation, except the annotated task's own choices (required)."""
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        if not isinstance(r, dict) or "from_name" not in r or "value" not in r:
            raise BlamegraphError(Errors.E192.format(where=where,
                                                     detail=f"result {r!r} has no from_name/value"))
        by_name[r["from_name"]].append(r)

    def choice(name: str, required: bool) -> Any:
        if not by_name.get(name):
            if required:
                raise BlamegraphError(Errors.E192.format(
                    where=where, detail=f"no choice was made for '{name}'"))
            return None
        values = by_name[name][0]["value"].get("choices") or [None]
        return values[0]

    task = item["task"]
    if task == "pairs":
        return {"relation": choice("relation", True)}
    label = {"issue": prediction.get("issue"), "stance": dict(prediction.get("stance", {})),
             "blame": list(prediction.get("blame", []))}
    issue = choice("issue", task == "issue")
    if issue is not None:
        label["issue"] = issue
    for side in item["sides"]:
        value = choice(f"stance_{side}", False)
        if value is not None:
            label["stance"][side] = value
    if task == "stance" and not any(f"stance_{s}" in by_name for s in item["sides"]):
        raise BlamegraphError(Errors.E192.format(where=where,
                                                 detail="no stance choice was made"))
    if task == "blame" or "blame" in by_name:
        candidates = item.get("candidates", [])
        blame = []
        for r in by_name.get("blame", []):
            value = r["value"]
            start, end = value.get("start"), value.get("end")
            hit = [c for c in candidates if isinstance(start, int) and isinstance(end, int)
                   and c["start"] < end and start < c["end"]]
            issues = value.get("labels") or [None]
            blame.append({"start": start, "end": end,
                          "target_name": (hit[0]["actor"] or hit[0]["text"]) if hit
                          else value.get("text"),
                          "side": hit[0]["side"] if hit else "UNKNOWN", "issue": issues[0]})
        label["blame"] = blame
    return label


# --- import -------------------------------------------------------------------------------------


@dataclass
class Annotated:
    where: str  # file:line or file task N
    item: dict[str, Any]
    label: dict[str, Any]
    answer: str
    annotator: str


def read_annotated(path: Path, fmt: str = "auto") -> list[Annotated]:
    """Completed items from a JSONL batch or a Label Studio export, one per annotation."""
    path = Path(path)
    if not path.exists():
        raise BlamegraphError(Errors.E001.format(path=path))
    if fmt == "auto":
        with path.open(encoding="utf8") as fh:
            head = fh.read(64).lstrip()
        fmt = "labelstudio" if head.startswith("[") else "jsonl"
    _check(fmt, FORMATS, "format")
    out: list[Annotated] = []
    if fmt == "jsonl":
        try:
            for where, item in labelled.read_passages(path):
                if not isinstance(item, dict) or not isinstance(item.get("label"), dict):
                    raise BlamegraphError(Errors.E192.format(
                        where=where, detail="expected an item object with a 'label' object"))
                out.append(Annotated(where, item, item["label"],
                                     str(item.get("answer", "accept")),
                                     str(item.get("annotator") or path.stem)))
        except labelled.LabelError as e:  # "<file>:<line>: not valid JSON (…)"
            where, _, detail = str(e).partition(": ")
            raise BlamegraphError(Errors.E192.format(where=where, detail=detail)) from e
        return out
    try:
        tasks = json.loads(path.read_text(encoding="utf8"))
    except json.JSONDecodeError as e:
        raise BlamegraphError(Errors.E192.format(
            where=f"{path}:{e.lineno}", detail=f"not valid JSON ({e.msg})")) from e
    if not isinstance(tasks, list):
        raise BlamegraphError(Errors.E192.format(where=str(path),
                                                 detail="a Label Studio export is a JSON list"))
    for k, task in enumerate(tasks, 1):
        where = f"{path} task {k}"
        data = task.get("data", {}) if isinstance(task, dict) else {}
        if not isinstance(data.get("item"), dict) or "text" not in data:
            raise BlamegraphError(Errors.E192.format(
                where=where, detail="data.item and data.text are missing (export the tasks "
                                    "that `blamegraph sample --format labelstudio` wrote)"))
        item = dict(data["item"], text=data["text"])
        where = f"{where} (id {item.get('id')})"
        for ann in task.get("annotations", []) or []:
            if ann.get("was_cancelled"):
                out.append(Annotated(where, item, {}, "ignore", str(ann.get("completed_by"))))
                continue
            label = results_to_label(item, ann.get("result", []), data.get("prediction", {}),
                                     where)
            out.append(Annotated(where, item, label, "accept",
                                 str(ann.get("completed_by", "annotator"))))
    return out


def _occurrence(text: str, start: int, needle: str) -> int:
    """Index of the occurrence of ``needle`` at ``start`` as ``labels._locate`` counts them."""
    k, pos = 0, text.find(needle)
    while 0 <= pos < start:
        k += 1
        pos = text.find(needle, pos + 1)
    return k


def _span(value: Any, n_chars: int, what: str, where: str) -> tuple[int, int]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or not 0 <= value[0] < value[1] <= n_chars):
        raise labelled.LabelError(f"{where}: {what} must be [start, end] inside the text of "
                                  f"{n_chars} characters, got {value!r}")
    return int(value[0]), int(value[1])


def to_record(a: Annotated, dispute: str) -> dict[str, Any]:
    """One completed item → one labelled-passage record (GUIDE.md), validated by
    ``pipeline.labels``; raises LabelError naming the line."""
    item, label, where = a.item, a.label, a.where
    text = item.get("text")
    if not isinstance(text, str) or not text:
        raise labelled.LabelError(f"{where}: 'text' must be a non-empty string")
    task = item.get("task")
    if task not in TASKS:
        raise labelled.LabelError(f"{where}: task {task!r} is not one of {list(TASKS)}")
    source = {"doc_id": item.get("doc_id"), "statement_id": item.get("statement_id"),
              "offset": item.get("offset"), "task": task, "annotator": a.annotator,
              "run": (item.get("meta") or {}).get("run")}
    if task == "pairs":
        p = _span(item.get("p"), len(text), "p", where)
        q = _span(item.get("q"), len(text), "q", where)
        record = {"id": str(item["id"]), "dispute": dispute, "text": text, "p": list(p),
                  "q": list(q), "relation": label.get("relation"), "source": source}
        labelled.parse_simple_pair(record, where)
        return record
    sides = item.get("sides")
    if not isinstance(sides, list) or not sides:
        raise labelled.LabelError(f"{where}: 'sides' must list the dispute's side codes")
    st = item.get("statement") or {}
    start, end = _span([st.get("start"), st.get("end")], len(text), "the statement", where)
    content = text[start:end]
    statement: dict[str, Any] = {"text": content, "occurrence": _occurrence(text, start, content)}
    sp = [st.get("speaker_start"), st.get("speaker_end")]
    if st.get("kind") == "author":
        statement.update(speaker=None)
    elif sp[0] is None:
        raise labelled.LabelError(f"{where}: the {st.get('kind')!r} statement has no speaker "
                                  "mention; set statement.speaker_start/speaker_end to the "
                                  "speaker's mention in the text, or its kind to 'author'")
    else:
        s0, s1 = _span(sp, len(text), "the speaker", where)
        statement.update(speaker=text[s0:s1],
                         speaker_occurrence=_occurrence(text, s0, text[s0:s1]))
    statement.update(speaker_name=st.get("speaker") or st.get("speaker_text") or "",
                     speaker_side=st.get("speaker_side"), kind=st.get("kind"),
                     issue=label.get("issue"), hard_case=label.get("hard_case", "none"))
    blame = []
    if not isinstance(label.get("blame", []), list):
        raise labelled.LabelError(f"{where}: label 'blame' must be a list of target spans")
    for j, b in enumerate(label.get("blame", [])):
        if not isinstance(b, dict):
            raise labelled.LabelError(f"{where}: blame {j} must be an object")
        t0, t1 = _span([b.get("start"), b.get("end")], len(text), f"blame {j}", where)
        blame.append({"target": text[t0:t1], "target_occurrence": _occurrence(text, t0,
                                                                               text[t0:t1]),
                      "target_name": b.get("target_name") or text[t0:t1],
                      "side": b.get("side"), "issue": b.get("issue")})
    statement["blame"] = blame
    stance = label.get("stance")
    statement["stance"] = stance if isinstance(stance, dict) else {}
    record = {"id": str(item["id"]), "dispute": dispute, "register": ANNOTATED_REGISTER,
              "outlet": item.get("outlet"), "sides": sides, "text": text,
              "statements": [statement], "source": source}
    labelled.parse_passage(record, where)
    return record


def _label_key(label: dict[str, Any]) -> str:
    return json.dumps(label, sort_keys=True)


def import_labels(paths: Sequence[Path], out: Path, *, fmt: str = "auto",
                  dispute: str | None = None, on_conflict: str = "error",
                  force: bool = False) -> dict[str, Any]:
    """Completed batches → training JSONL (labelled-passage records) that ``finetune`` reads.

    Every record is validated against the configured labels; all problems are reported at once
    with file and line, and nothing is written while there are any. The same item labelled
    twice identically is kept once; labelled differently it is a conflict (``on_conflict``:
    ``error`` stops, ``skip`` leaves the item out and reports it).
    """
    _check(on_conflict, ("error", "skip"), "--on-conflict")
    out = Path(out)
    if out.exists() and not force:
        raise BlamegraphError(Errors.E138.format(path=out))
    annotated = [a for path in paths for a in read_annotated(Path(path), fmt)]
    counts = Counter()
    by_id: dict[str, list[Annotated]] = defaultdict(list)
    errors = []
    for a in annotated:
        if a.answer not in ANSWERS:
            errors.append(f"{a.where}: answer {a.answer!r} is not one of {list(ANSWERS)}")
            continue
        if a.answer != "accept":
            counts[a.answer] += 1
            continue
        by_id[str(a.item.get("id"))].append(a)
    records, conflicts = [], []
    for item_id, group in by_id.items():
        distinct = {_label_key(a.label) for a in group}
        if len(distinct) > 1:
            conflicts.append(f"item {item_id!r} has {len(distinct)} different labels at "
                             + ", ".join(a.where for a in group))
            continue
        counts["merged_duplicates"] += len(group) - 1
        a = group[0]
        name = dispute or a.item.get("dispute") or "annotated"
        try:
            records.append(to_record(a, name))
        except labelled.LabelError as e:
            errors.append(str(e))
    if errors:
        raise BlamegraphError(Errors.E191.format(n=len(errors), details="\n  ".join(errors[:20])
                                                 + ("\n  ..." if len(errors) > 20 else "")))
    if conflicts and on_conflict == "error":
        raise BlamegraphError(Errors.E193.format(n=len(conflicts),
                                                 details="\n  ".join(conflicts[:20])))
    out.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(records, out)
    held_out = sorted({r["dispute"] for r in records if labelled.split_of(r["dispute"]) != "train"})
    if held_out:
        logger.warning("dispute(s) %s are the project's dev/test disputes: finetune splits such "
                       "data by dispute and will not train on it; import with --dispute NAME",
                       held_out)
    return {"records": len(records), "rejected": counts["reject"], "ignored": counts["ignore"],
            "merged_duplicates": counts["merged_duplicates"], "conflicts": conflicts,
            "held_out_disputes": held_out, "out": str(out)}


# --- agreement ----------------------------------------------------------------------------------


def units(item: dict[str, Any], label: dict[str, Any], task: str) -> dict[str, str]:
    """The nominal decisions an annotator made on an item, keyed by unit.

    ``blame``: per candidate target (and per marked span), the issue of the blame or ``none``;
    ``stance``: per side; ``issue``: the statement; ``pairs``: the relation.
    """
    iid = str(item.get("id"))
    if task == "pairs":
        return {iid: str(label.get("relation"))}
    if task == "issue":
        return {iid: str(label.get("issue"))}
    if task == "stance":
        return {f"{iid}|{side}": str(v) for side, v in (label.get("stance") or {}).items()}
    spans = {(c["start"], c["end"]) for c in item.get("candidates", [])}
    marked = {}
    for b in label.get("blame") or []:
        hit = [s for s in spans if s[0] < b["end"] and b["start"] < s[1]]
        marked[hit[0] if hit else (b["start"], b["end"])] = str(b.get("issue"))
    return {f"{iid}|{s[0]}-{s[1]}": marked.get(s, "none") for s in sorted(spans | set(marked))}


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa of two raters over the same units.

    >>> round(cohen_kappa(["x", "x", "y", "y"], ["x", "y", "y", "y"]), 4)
    0.5
    """
    if len(a) != len(b) or not a:
        raise ValueError("kappa needs two equally long, non-empty rating lists")
    n = len(a)
    p_o = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    p_e = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if p_e == 1.0:
        return 1.0 if p_o == 1.0 else 0.0
    return (p_o - p_e) / (1 - p_e)


def krippendorff_alpha(ratings: Sequence[dict[str, str]]) -> float:
    """Krippendorff's alpha, nominal: one dict per unit mapping annotator → value; units with
    fewer than two ratings do not count (missing ratings are allowed).

    >>> round(krippendorff_alpha([{"a": "x", "b": "x"}, {"a": "y", "b": "y"},
    ...                           {"a": "x", "b": "y"}, {"a": "x"}]), 4)
    0.4444
    """
    coincidence: Counter = Counter()
    for unit in ratings:
        values = list(unit.values())
        m = len(values)
        if m < 2:
            continue
        for i, j in ((i, j) for i in range(m) for j in range(m) if i != j):
            coincidence[(values[i], values[j])] += 1 / (m - 1)
    n_c: Counter = Counter()
    for (c, _), v in coincidence.items():
        n_c[c] += v
    n = sum(n_c.values())
    if n <= 1:
        return float("nan")
    d_o = sum(v for (c, k), v in coincidence.items() if c != k)
    d_e = sum(n_c[c] * n_c[k] for c in n_c for k in n_c if c != k) / (n - 1)
    if d_e == 0:
        return 1.0 if d_o == 0 else 0.0
    return 1 - d_o / d_e


def agreement(paths: Sequence[Path], *, task: str | None = None, fmt: str = "auto"
              ) -> dict[str, Any]:
    """Agreement on double-annotated items: the annotators are the ``annotator`` field (JSONL),
    Label Studio's ``completed_by``, or else each file is one annotator."""
    annotated = [a for path in paths for a in read_annotated(Path(path), fmt)
                 if a.answer == "accept"]
    if not annotated:
        raise BlamegraphError(Errors.E194.format(paths=", ".join(map(str, paths)),
                                                 detail="no accepted items"))
    tasks = {a.item.get("task") for a in annotated}
    task = task or (tasks.pop() if len(tasks) == 1 else None)
    if task is None:
        raise BlamegraphError(Errors.E190.format(what="task", value=sorted(map(str, tasks)),
                                                 allowed=", ".join(TASKS)))
    _check(task, TASKS, "task")
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for a in annotated:
        for unit, value in units(a.item, a.label, task).items():
            table[unit][a.annotator] = value
    annotators = sorted({ann for row in table.values() for ann in row})
    if len(annotators) < 2:
        raise BlamegraphError(Errors.E194.format(
            paths=", ".join(map(str, paths)),
            detail=f"only one annotator ({annotators[0]}); give each annotator's file, or an "
                   "'annotator' field per line"))
    pairs = {}
    for x, y in combinations(annotators, 2):
        shared = sorted(u for u, row in table.items() if x in row and y in row)
        if shared:
            pairs[f"{x}|{y}"] = {"kappa": round(cohen_kappa([table[u][x] for u in shared],
                                                            [table[u][y] for u in shared]), 4),
                                 "n_units": len(shared),
                                 "observed_agreement": round(float(np.mean(
                                     [table[u][x] == table[u][y] for u in shared])), 4)}
    alpha = krippendorff_alpha(list(table.values()))
    return {"task": task, "annotators": annotators, "n_units": len(table),
            "n_units_multiply_rated": sum(1 for row in table.values() if len(row) > 1),
            "krippendorff_alpha": None if math.isnan(alpha) else round(alpha, 4),
            "cohen_kappa": pairs,
            "labels": dict(Counter(v for row in table.values() for v in row.values()))}
