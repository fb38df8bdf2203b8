"""Blame, stance and issue: where blame is decided.

For every statement the relation model (``pipeline/model.py``) reads the statement once, with
its speaker, and scores every actor mentioned in its content:

* a **blame edge** (speaker → actor) when the calibrated probability that the speaker holds the
  actor responsible for something negative reaches ``blame.threshold``; mentions of one actor
  are merged into one edge (highest confidence, its evidence). The blamed side comes from the
  entity linker (registry, places, demonyms); the edge's issue from the edge-issue head.
* a **stance** row per side the statement targets (a side with at least one mention in the
  content): the mention of that side whose stance is least ``none`` decides, with its
  probability as confidence.
* the statement's **issue** from the issue head.

The speaker's own mention is never a target: reported blame belongs to the accuser (SPEC.md),
and a speaker is not blamed by their own words unless named again (self-blame).

Post-rule (``blame.victim_rule``, on by default): a candidate over the threshold that is on the
speaker's own side and is the patient of a punitive act ("the sanctions on *Huawei*",
"punishing *ZTE*", "restrictions that hurt *Korean* chipmakers") is the victim of the blamed
act, not its agent, and gives no edge (``pipeline/victims.py``). Only the sentences holding
such candidates are parsed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import torch

from .config import LoadedConfig
from .entities import SPEAKER, is_speaker_reference
from .model import (Encoded, Encoder, IssueFeatures, ModelConfig, RelationModel, candidate_span,
                    collate, load, target_features)
from .schema import BlameEdge, Document, Entity, StanceRow, Statement
from .victims import VictimRule

logger = logging.getLogger(__name__)

# Mentions that can be blamed or targeted: people, organizations, countries and governments,
# nationalities, registry actors the NER missed, and references ("the government", "they").
TARGET_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "ACTOR", "REF"})


@dataclass(frozen=True)
class Target:
    start: int
    end: int
    text: str
    actor: str | None
    side: str


def candidate_targets(entities: Sequence[Entity], content: tuple[int, int],
                      speaker: tuple[int, int] | None, speaker_side: str = "UNKNOWN"
                      ) -> list[Target]:
    """Entity mentions inside a statement's content that may be blamed or targeted.

    First-person references ("we", "our government"; side ``SPEAKER`` in ``doc._.bg_entities``,
    ``UNKNOWN`` once written as entity rows) take ``speaker_side``, the statement's speaker side.

    >>> ents = [Entity("d", "Beijing", "GPE", 0, 7, "Chinese government", "CN"),
    ...         Entity("d", "Washington", "GPE", 20, 30, "US government", "US"),
    ...         Entity("d", "May", "DATE", 32, 35, None, "UNKNOWN")]
    >>> [t.text for t in candidate_targets(ents, (10, 40), None)]
    ['Washington']
    """
    out: list[Target] = []
    for ent in entities:
        if ent.label not in TARGET_LABELS:
            continue
        if ent.start < content[0] or ent.end > content[1]:
            continue
        if speaker and ent.start < speaker[1] and ent.end > speaker[0]:
            continue
        side = ent.side
        if side == SPEAKER or is_speaker_reference(ent.label, ent.text):
            side = speaker_side
        out.append(Target(ent.start, ent.end, ent.text, ent.actor, side))
    return out


def statement_targets(st: Statement, entities: Sequence[Entity],
                      scope: tuple[int, int] | None = None) -> list[Target]:
    """A statement's candidate targets within ``scope`` (default: its content), minus its
    speaker's own mention; first-person references take the statement's speaker side."""
    speaker = (st.speaker_start, st.speaker_end) if st.speaker_start is not None else None
    return candidate_targets(entities, scope or (st.start, st.end), speaker, st.speaker_side)


def statement_target_features(cfg: ModelConfig, targets: Sequence[Target],
                              content: tuple[int, int], speaker_side: str | None
                              ) -> list[tuple[float, ...]]:
    """The per-target features a model with ``target_features`` reads (none otherwise)."""
    if not cfg.target_features:
        return []
    return target_features([(t.start, t.end, t.side) for t in targets], content, speaker_side)


@dataclass
class Scored:
    """Model outputs for one statement (calibrated probabilities, plain lists)."""

    issue: list[float]
    blame: list[float]  # P(blamed) per target
    stance: list[list[float]]
    edge_issue: list[list[float]]


class RelationScorer:
    """Runs the relation model over statements in length-sorted batches."""

    def __init__(self, model: RelationModel, tokenizer: Any, batch_size: int = 32,
                 path: Path | None = None):
        self.model = model
        self.path = path
        self.labels = model.cfg.labels
        self.encoder = Encoder(tokenizer, model.cfg)
        self.pad_id = tokenizer.pad_token_id
        self.batch_size = batch_size

    @classmethod
    def from_path(cls, path: str | Path, batch_size: int = 32,
                  quantize: str = "none") -> "RelationScorer":
        """Load a saved model for inference: LoRA adapters merged into their layers (same
        outputs, fewer products) and, with ``quantize="int8"``, a dynamic int8 encoder
        (:mod:`pipeline.inference`)."""
        from .inference import optimize

        model, tokenizer = load(path)
        return cls(optimize(model, quantize), tokenizer, batch_size, Path(path))

    def run(self, encoded: Sequence[Encoded]) -> list[dict[str, Any]]:
        """Calibrated probabilities for each encoded input, in input order."""
        results: list[dict[str, Any]] = [{} for _ in encoded]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].input_ids))
        self.model.eval()
        with torch.inference_mode():
            for i in range(0, len(order), self.batch_size):
                idx = order[i:i + self.batch_size]
                batch = collate([encoded[j] for j in idx], self.pad_id)
                probs = self.model.probabilities(self.model(**batch))
                for row, j in enumerate(idx):
                    n_t = len(encoded[j].targets)
                    results[j] = {head: (value[row, :n_t] if value.dim() == 3 else value[row])
                                  .tolist() for head, value in probs.items()}
        return results

    def score_statements(self, items: Sequence[tuple[str, Statement, list[Target]]],
                         lexicon: Any = None) -> list[Scored]:
        """Score (document text, statement, targets) items, batched across documents.
        ``lexicon``: the config's ``issues`` lexicons, for a model with issue features."""
        features = (IssueFeatures(lexicon) if lexicon is not None
                    and self.model.cfg.issue_features else None)
        cfg = self.model.cfg
        encoded = [self.encoder.statement(
            text, (st.start, st.end), st.speaker_text if st.kind != "author" else None,
            [(t.start, t.end) for t in targets],
            features(text, (st.start, st.end), cfg.context_chars) if features else (),
            statement_target_features(cfg, targets, (st.start, st.end), st.speaker_side))
            for text, st, targets in items]
        out = []
        for enc, res in zip(encoded, self.run(encoded)):
            blame = [p[1] for p in res.get("blame", [])]
            # A target cut off by truncation was never seen by the model: no blame from it.
            blame = [p if span[0] >= 0 else 0.0 for p, span in zip(blame, enc.targets)]
            out.append(Scored(res["issue"], blame, res.get("stance", []),
                              res.get("edge_issue", [])))
        return out


class BlameStage:
    """Fills blame edges, stance rows and statement issues for documents.

    ``blame.model``, ``stance.model`` and ``issue.model`` may name different folders; tasks that
    share a folder share one encoder pass. A task with no model is skipped: no blame edges, no
    stance rows, or the statements stage's lexicon issue kept.
    """

    def __init__(self, loaded: LoadedConfig, scorers: dict[str, RelationScorer]):
        self.cfg = loaded.cfg
        self.scorers = scorers  # task -> scorer (the same object for tasks sharing a model)
        # ``blamed`` is the registry's canonical name, as ``blamer`` (the speaker) is, so that
        # one actor is one node on both ends of a who-blames-whom network
        self.actor_names = {actor.id: actor.name for actor in loaded.registry.actors}
        blame = scorers.get("blame")
        self.threshold = (self.cfg.blame.threshold if self.cfg.blame.threshold is not None
                          else blame.model.cfg.blame_threshold if blame else 0.5)
        self._victim_rule: VictimRule | None = None

    @property
    def victim_rule(self) -> VictimRule | None:
        """The victim post-rule, its parser loaded on first use; None when switched off."""
        if not self.cfg.blame.victim_rule:
            return None
        if self._victim_rule is None:
            self._victim_rule = VictimRule.from_models(self.cfg.statements.spacy_models)
        return self._victim_rule

    @classmethod
    def from_config(cls, loaded: LoadedConfig) -> "BlameStage | None":
        by_path: dict[tuple[Path, str], RelationScorer] = {}
        scorers: dict[str, RelationScorer] = {}
        for task in ("blame", "stance", "issue"):
            path = loaded.model_path(task)
            if path is None:
                continue
            task_cfg = getattr(loaded.cfg, task)
            key = (path, task_cfg.quantize)
            if key not in by_path:
                by_path[key] = RelationScorer.from_path(path, task_cfg.batch_size,
                                                        task_cfg.quantize)
            scorers[task] = by_path[key]
        return cls(loaded, scorers) if scorers else None

    @property
    def model_paths(self) -> dict[str, str]:
        return {task: str(s.path) for task, s in self.scorers.items()}

    def annotate(self, docs: Sequence[tuple[Document, list[Statement], list[Entity]]]
                 ) -> list[tuple[list[BlameEdge], list[StanceRow]]]:
        """Score a buffer of documents' statements in one batched pass per model; sets
        ``Statement.issue`` in place. Returns (edges, stance rows) per document."""
        items, owner, scopes = [], [], []
        # Candidates are shared by the blame and stance heads; their scope is the model's.
        model_cfg = next(self.scorers[t] for t in ("blame", "stance", "issue")
                         if t in self.scorers).model.cfg
        for k, (doc, statements, entities) in enumerate(docs):
            for st in statements:
                scope = candidate_span(doc.text, (st.start, st.end), model_cfg)
                items.append((doc.text, st, statement_targets(st, entities, scope)))
                scopes.append(scope)
                owner.append(k)
        scored: dict[int, list[Scored]] = {}
        for scorer in self.scorers.values():
            if id(scorer) not in scored and items:
                scored[id(scorer)] = scorer.score_statements(items, self.cfg.issues)
        results: list[tuple[list[BlameEdge], list[StanceRow]]] = [([], []) for _ in docs]
        for i, ((_, st, targets), k) in enumerate(zip(items, owner)):
            doc = docs[k][0]
            edges, stances = results[k]
            if "issue" in self.scorers:
                scorer = self.scorers["issue"]
                st.issue = scorer.labels["issue"][_argmax(scored[id(scorer)][i].issue)]
            if "blame" in self.scorers:
                scorer = self.scorers["blame"]
                edges.extend(self._edges(doc, st, targets, scored[id(scorer)][i],
                                         scorer.labels, scopes[i]))
            if "stance" in self.scorers:
                scorer = self.scorers["stance"]
                stances.extend(self._stances(doc, st, targets, scored[id(scorer)][i],
                                             scorer.labels))
        return results

    def _victims(self, text: str, st: Statement, targets: list[Target], blame: list[float],
                 scope: tuple[int, int] | None) -> set[int]:
        """Indices of blamed candidates on the speaker's side that are the victim of a
        punitive act (``pipeline/victims.py``); the window is parsed only if there is one."""
        rule = self.victim_rule if scope is not None else None
        if rule is None or st.speaker_side in ("UNKNOWN", "OTHER"):
            return set()
        same = [k for k, (t, p) in enumerate(zip(targets, blame))
                if p >= self.threshold and t.side == st.speaker_side]
        if not same:
            return set()
        hits = rule.victims(text, scope, [(targets[k].start, targets[k].end) for k in same])
        return {same[j] for j in hits}

    def _edges(self, doc: Document, st: Statement, targets: list[Target], scored: Scored,
               labels: dict[str, list[str]], scope: tuple[int, int] | None = None
               ) -> list[BlameEdge]:
        best: dict[str, tuple[float, Target, int]] = {}
        victims = self._victims(doc.text, st, targets, scored.blame, scope)
        for k, (target, p) in enumerate(zip(targets, scored.blame)):
            if p < self.threshold or k in victims:
                continue
            key = self.actor_names.get(target.actor or "", target.actor) or target.text
            if key not in best or p > best[key][0]:
                best[key] = (p, target, k)
        edges = []
        for key, (p, target, k) in best.items():
            issue = labels["edge_issue"][_argmax(scored.edge_issue[k])]
            edges.append(BlameEdge(
                doc_id=doc.doc_id, statement_id=st.statement_id, blamer=st.speaker,
                blamer_side=st.speaker_side, blamed=key, blamed_side=target.side, issue=issue,
                confidence=round(float(p), 6), evidence=st.text, start=st.start, end=st.end))
        return edges

    def _stances(self, doc: Document, st: Statement, targets: list[Target], scored: Scored,
                 all_labels: dict[str, list[str]]) -> list[StanceRow]:
        labels = all_labels["stance"]
        none = labels.index("none")
        by_side: dict[str, list[float]] = {}
        for target, probs in zip(targets, scored.stance):
            if target.side in ("UNKNOWN",):
                continue
            current = by_side.get(target.side)
            if current is None or 1 - probs[none] > 1 - current[none]:
                by_side[target.side] = probs
        rows = []
        for side, probs in sorted(by_side.items()):
            k = _argmax(probs)
            rows.append(StanceRow(doc.doc_id, st.statement_id, side, labels[k],
                                  round(float(probs[k]), 6)))
        return rows

    def process(self, results: Iterable[tuple[Document, list[Statement], list[Entity]]],
                min_statements: int = 256
                ) -> Iterator[tuple[Document, list[Statement], list[Entity], list[BlameEdge],
                                    list[StanceRow]]]:
        """Stream documents through the classifiers, buffering about ``min_statements``
        statements so the encoder sees full, length-sorted batches (memory stays bounded)."""
        buffer: list[tuple[Document, list[Statement], list[Entity]]] = []
        n_statements = 0
        for item in results:
            buffer.append(item)
            n_statements += len(item[1])
            if n_statements >= min_statements:
                yield from self._flush(buffer)
                buffer, n_statements = [], 0
        yield from self._flush(buffer)

    def _flush(self, buffer: list[tuple[Document, list[Statement], list[Entity]]]
               ) -> Iterator[tuple[Document, list[Statement], list[Entity], list[BlameEdge],
                                   list[StanceRow]]]:
        try:
            annotated = self.annotate(buffer)
        except Exception:  # noqa: BLE001 - retry one by one so one bad document is isolated
            logger.exception("blame stage failed on a batch; retrying document by document")
            annotated = []
            for doc, statements, entities in buffer:
                try:
                    annotated.extend(self.annotate([(doc, statements, entities)]))
                except Exception as e:  # noqa: BLE001 - one bad document must not end the run
                    logger.exception("blame stage failed on %s", doc.doc_id)
                    doc.warnings.append(f"blame stage failed ({type(e).__name__}: {e}); "
                                        "statements kept without blame or stance")
                    annotated.append(([], []))
        for (doc, statements, entities), (edges, stances) in zip(buffer, annotated):
            yield doc, statements, entities, edges, stances


def _argmax(values: Sequence[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)
