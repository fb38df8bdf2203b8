"""A learned detector of author statements: sentences in the outlet's own voice.

The rules of ``pipeline/statements.py`` find an author statement through lexicons and frames
(``lexicons.AUTHOR_BLAME``, ``AUTHOR_STANCE``, ``AUTHOR_VERDICT``). Those lists carry poorly
to new text, so a linear model complements them: for every sentence the rules may judge (outside
quotes and reported speech, with a verb, not a headline) it scores cheap sparse features — lemma
and tag n-grams, the shape of the root (copula + evaluative adjective or indefinite noun, modal
+ verb, negation), first-person words, numbers, the lexicon hits, actor mentions, the position
in the text and whether the text is wire copy. A sentence is an author statement when the rules
take it **or** the model's probability reaches the artefact's threshold (and it is about an
actor, as the rules require).

The artefact is one JSON file (``models/author/author.json``, no pickle)::

    {"format": "blamegraph-author-v1", "bias": float, "threshold": float,
     "weights": {feature: float, ...}, "meta": {...}}

built by ``python -m pipeline.author train`` (``make author-model``) from the labelled passages
of the train and dev disputes (``corpora/labels/passages``; the test disputes of
``pipeline.labels.SPLITS`` are never read). Training is deterministic (liblinear, fixed order).
"""
from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import BlamegraphError, Errors

FORMAT = "blamegraph-author-v1"
REPO = Path(__file__).resolve().parent.parent
DEFAULT_PATH = REPO / "models" / "author" / "author.json"
PASSAGES = REPO / "corpora" / "labels" / "passages"
CORPORA = REPO / "corpora"
# Statement sets whose author labels are exhaustive (every outlet-voice verdict of a text is
# marked, so every other sentence is a true negative). Never the held-out gold set; dev5 is kept
# out as the blind check of the model (docs/evaluation.md).
STATEMENT_SETS = ("dev", "dev2", "dev3", "dev4")
HELD_OUT_SETS = frozenset({"gold", "dev5"})

_NUM = re.compile(r"\d")
_FIRST_PERSON = frozenset({"we", "our", "us", "ours", "i", "my", "me"})


def _bucket(n: int, edges: Sequence[int]) -> str:
    for e in edges:
        if n <= e:
            return f"<={e}"
    return f">{edges[-1]}"


def sentence_features(toks: Sequence[Any], body: str, info: dict[str, Any]) -> list[str]:
    """Sparse binary features of one candidate sentence (spaCy tokens ``toks``, its text
    ``body``) and its context ``info`` (flags computed by the statement finder: ``wire``,
    ``voice``, ``blame``, ``stance``, ``verdict``, ``evcop``, ``about``, ``about_para``,
    ``mentions``, ``para_index``, ``para_first``, ``scare_quote``)."""
    feats: set[str] = {"bias_"}
    words = [t for t in toks if not (t.is_space or t.is_punct)]
    lemmas = [t.lemma_.lower() for t in words]
    for i, (t, lem) in enumerate(zip(words, lemmas)):
        feats.add(f"l:{lem}")
        feats.add(f"b:{lemmas[i - 1] if i else '<s>'}_{lem}")
        feats.add(f"t:{words[i - 1].tag_ if i else '<s>'}_{t.tag_}")
        if t.tag_ == "MD":
            feats.add(f"md:{lem}")
            if t.head.dep_ == "ROOT":
                feats.add(f"md_root:{lem}")
        if t.dep_ == "neg":
            feats.add("neg")
        if lem in _FIRST_PERSON:
            feats.add("first_person")
        if t.pos_ == "ADJ":
            feats.add(f"adj:{lem}")
        if t.ent_type_:
            feats.add(f"ent:{t.ent_type_}")
    if lemmas:
        feats.add(f"first:{lemmas[0]}")
    root = next((t for t in toks if t.dep_ == "ROOT"), None)
    if root is not None:
        rl = root.lemma_.lower()
        feats.add(f"root:{rl}")
        feats.add(f"roottag:{root.tag_}")
        for c in root.children:
            feats.add(f"rootdep:{c.dep_}")
            if c.dep_ in ("aux", "neg", "acomp", "attr", "advmod", "xcomp", "nsubj", "dobj"):
                feats.add(f"rootdep:{c.dep_}:{c.lemma_.lower()}")
        if rl == "be":
            if any(c.dep_ == "acomp" and c.pos_ == "ADJ" for c in root.children):
                feats.add("cop_adj")
            attr = next((c for c in root.children if c.dep_ == "attr"), None)
            if attr is not None:
                feats.add("cop_attr")
                if any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in attr.children):
                    feats.add("cop_attr_indef")
                if any(c.dep_ == "amod" for c in attr.children):
                    feats.add("cop_attr_amod")
        if root.tag_ in ("VBD", "VBN") and any(t.ent_type_ in ("DATE", "TIME") for t in words):
            feats.add("past_dated")  # "The rules took effect on October 7": narration
        subj = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None:
            feats.add(f"subjpos:{subj.pos_}")
            if subj.pos_ == "PRON":
                feats.add(f"subjpron:{subj.lower_}")
    n_words = len(body.split())
    feats.add(f"len:{_bucket(n_words, (8, 15, 25, 40))}")
    n_adj = sum(t.pos_ == "ADJ" for t in words)
    feats.add(f"nadj:{min(n_adj, 3)}")
    if _NUM.search(body):
        feats.add("num")
        if len(_NUM.findall(body)) > 4:
            feats.add("num_many")
    if body.endswith("?"):
        feats.add("question")
    if body.endswith("!"):
        feats.add("exclaim")
    reg = "wire" if info.get("wire") else ("voice" if info.get("voice") else "other")
    feats.add(f"reg:{reg}")
    for flag in ("blame", "stance", "verdict", "evcop", "about", "about_para", "scare_quote"):
        if info.get(flag):
            feats.add(f"x:{flag}")
            feats.add(f"x:{flag}&{reg}")
    feats.add(f"mentions:{min(int(info.get('mentions', 0)), 3)}")
    feats.add(f"para:{min(int(info.get('para_index', 0)), 4)}")
    if info.get("para_first"):
        feats.add("para_first")
    return sorted(feats)


class AuthorModel:
    """A linear scorer over :func:`sentence_features`; plain data, so it pickles."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float,
                 meta: dict[str, Any] | None = None, path: str = "") -> None:
        self.weights = weights
        self.bias = bias
        self.threshold = threshold
        self.meta = meta or {}
        self.path = path

    def score(self, feats: Iterable[str]) -> float:
        """Probability that the sentence is an author statement."""
        z = self.bias + sum(self.weights.get(f, 0.0) for f in feats)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "bias": round(self.bias, 6),
                "threshold": round(self.threshold, 4),
                "weights": {k: round(v, 6) for k, v in sorted(self.weights.items())},
                "meta": self.meta}

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=0, sort_keys=True,
                                   ensure_ascii=False) + "\n", encoding="utf8")

    @classmethod
    def load(cls, path: str | Path) -> AuthorModel:
        """Read an artefact; E115 when the file is missing, E116 when it is not a valid one."""
        path = Path(path)
        if not path.is_file():
            raise BlamegraphError(Errors.E115.format(path=path))
        try:
            data = json.loads(path.read_text(encoding="utf8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise BlamegraphError(Errors.E116.format(path=path, detail=str(e))) from e
        problem = _check(data)
        if problem:
            raise BlamegraphError(Errors.E116.format(path=path, detail=problem))
        return cls({k: float(v) for k, v in data["weights"].items()}, float(data["bias"]),
                   float(data["threshold"]), data.get("meta") or {}, str(path))


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _check(data: Any) -> str:
    if not isinstance(data, dict):
        return "the file is not a JSON object"
    if data.get("format") != FORMAT:
        return f"format is {data.get('format')!r}, expected {FORMAT!r}"
    if not _finite(data.get("bias")):
        return "'bias' is not a finite number"
    if not _finite(data.get("threshold")) or not 0.0 < data["threshold"] < 1.0:
        return "'threshold' is not a number between 0 and 1"
    w = data.get("weights")
    if not isinstance(w, dict) or not w:
        return "'weights' is not a non-empty object"
    bad = next((k for k, v in w.items() if not _finite(v)), None)
    if bad is not None:
        return f"weight of {bad!r} is not a finite number"
    return ""


_CACHE: dict[str, AuthorModel] = {}


def load_cached(path: str | Path) -> AuthorModel:
    key = str(Path(path).resolve())
    if key not in _CACHE:
        _CACHE[key] = AuthorModel.load(key)
    return _CACHE[key]


# --- training ---------------------------------------------------------------------------------
def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def passages(folder: Path = PASSAGES, exclude: Sequence[str] | None = None) \
        -> list[dict[str, Any]]:
    """Labelled passages of every dispute but the test disputes, in file and line order."""
    from .labels import SPLITS

    skip = set(SPLITS["test"] if exclude is None else exclude)
    out = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        for line in path.read_text(encoding="utf8").splitlines():
            if line.strip():
                rec = json.loads(line)
                if rec.get("dispute") not in skip:
                    out.append(rec)
    return out


def statement_sets(names: Sequence[str] = STATEMENT_SETS, root: Path = CORPORA) \
        -> list[dict[str, Any]]:
    """Documents of the statement tuning sets (``corpora/<name>/statements.jsonl``), each
    marked with its set (``_set``). A held-out set (gold, dev5) is refused."""
    out = []
    for name in names:
        if name in HELD_OUT_SETS:
            raise ValueError(f"{name} is a held-out statement set and is never trained on")
        path = Path(root) / name / "statements.jsonl"
        for line in path.read_text(encoding="utf8").splitlines():
            if line.strip():
                rec = json.loads(line)
                rec["_set"] = name
                out.append(rec)
    return out


def author_label(s: dict[str, Any], register: str = "") -> int | None:
    """Training label of a labelled ``author`` statement. The classifier labels call wire
    narration ``author`` too (hard case ``background``); a statement in SPEC.md's sense blames or
    takes a stance. 1: blame, a stance, or a negated, hypothetical or rhetorical verdict;
    0: background narration, a forecast, competitive framing, wire copy without blame or
    stance; None (left out of training): the
    rest (neutral sentences whose status the labels do not settle)."""
    evaluative = bool(s.get("blame")) or any(v != "none" for v in (s.get("stance") or {}).values())
    hard = s.get("hard_case") or "none"
    if register == "wire" and not evaluative:
        return 0  # wire narration ("… declined to comment.") is no verdict of the outlet
    if evaluative or hard in ("negation", "hypothetical", "rhetorical"):
        return 1
    if hard in ("background", "forecast", "competitive"):
        return 0
    return None


def candidates(records: Sequence[dict[str, Any]], *, nlp: Any = None) -> list[dict[str, Any]]:
    """Every sentence the statement finder hands to the author stage, with its features, the
    rules' verdict and its label (overlap ≥ 0.5 with a labelled author statement). Records of
    a statement set (``_set``, see :func:`statement_sets`) are read with the default config,
    as ``evaluate-statements`` reads them, and every author statement there is a positive."""
    from .config import load_config
    from .schema import Document
    from .statements import META_EXT, StatementExtractor, _Extraction, parse_text
    from .train import dispute_config

    out: list[dict[str, Any]] = []
    by_dispute: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        key = f"set:{rec['_set']}" if rec.get("_set") else rec.get("dispute") or ""
        by_dispute.setdefault(key, []).append(rec)
    for dispute in sorted(by_dispute):
        loaded = dispute_config(dispute) if dispute and not dispute.startswith("set:") \
            else load_config()
        loaded.cfg.statements.author_model = None  # candidates come from the rules alone
        ex = StatementExtractor(loaded, nlp=nlp)
        finder = ex.nlp.get_pipe("blamegraph_statements")
        for rec in by_dispute[dispute]:
            text = Document(rec["id"], rec["text"], "labels", 0).text
            doc = ex.nlp.make_doc(parse_text(text))
            doc._.set(META_EXT, {"outlet": rec.get("outlet"), "country": None})
            for _name, proc in ex.nlp.pipeline:
                doc = proc(doc)
            gold: list[tuple[tuple[int, int], int | None]] = []
            for s in rec.get("statements", []):
                if s.get("kind") == "author":
                    i = text.find(s["text"])
                    if i >= 0:
                        gold.append(((i, i + len(s["text"])), 1 if rec.get("_set") else
                                     author_label(s, rec.get("register") or "")))
            extraction = _Extraction(doc, True, finder.side_codes, finder.voice_outlets)
            extraction.candidates = []
            extraction.run()
            for c in extraction.candidates:
                span = (c["start"], c["end"])
                hits = [lab for g, lab in gold if _overlap(span, g) >= 0.5]
                c["label"] = max(hits, key=lambda v: -1 if v is None else v) if hits else 0
                c["passage"] = rec["id"]
                c["dispute"] = dispute
                c["exhaustive"] = bool(rec.get("_set"))
                out.append(c)
        nlp = ex.nlp
    return out


def fit(cands: Sequence[dict[str, Any]], *, c: float = 0.3, min_count: int = 2) \
        -> tuple[dict[str, float], float]:
    """Logistic regression (liblinear, L2) over binary features seen in ≥ ``min_count``
    candidates; returns (weights, bias). Deterministic for a given candidate order."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    cands = [cand for cand in cands if cand["label"] is not None]
    counts: dict[str, int] = {}
    for cand in cands:
        for f in cand["features"]:
            counts[f] = counts.get(f, 0) + 1
    vocab = sorted(f for f, n in counts.items() if n >= min_count and f != "bias_")
    index = {f: i for i, f in enumerate(vocab)}
    rows, cols = [], []
    for r, cand in enumerate(cands):
        for f in cand["features"]:
            if f in index:
                rows.append(r)
                cols.append(index[f])
    x = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(cands), len(vocab)))
    y = np.array([cand["label"] for cand in cands])
    if len(set(y.tolist())) < 2:
        raise ValueError("training needs both author and other sentences")
    clf = LogisticRegression(C=c, solver="liblinear", random_state=0, max_iter=1000)
    clf.fit(x, y)
    weights = {f: float(w) for f, w in zip(vocab, clf.coef_[0]) if abs(w) >= 1e-6}
    return weights, float(clf.intercept_[0])


def _combined(cands: Sequence[dict[str, Any]], probs: Sequence[float], thr: float) \
        -> tuple[float, float, float]:
    tp = fp = fn = 0
    for cand, p in zip(cands, probs):
        if cand["label"] is None:
            continue
        pred = cand["rule"] or (p >= thr and cand["model_ok"])
        tp += pred and cand["label"]
        fp += pred and not cand["label"]
        fn += (not pred) and cand["label"]
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def choose_threshold(cands: Sequence[dict[str, Any]], *, c: float = 0.3,
                     min_precision: float = 0.85) -> tuple[float, dict[str, Any]]:
    """Leave-one-dispute-out probabilities; the threshold is the lowest one on a 0.05 grid whose
    combined (rules OR model) precision stays ≥ ``min_precision`` with the best F1."""
    disputes = sorted({cand["dispute"] for cand in cands})
    probs = [0.0] * len(cands)
    for d in disputes:
        train = [cand for cand in cands if cand["dispute"] != d]
        if len({cand["label"] for cand in train} - {None}) < 2:
            continue
        weights, bias = fit(train, c=c)
        m = AuthorModel(weights, bias, 0.5)
        for i, cand in enumerate(cands):
            if cand["dispute"] == d:
                probs[i] = m.score(cand["features"])
    rules_only = _combined(cands, probs, 2.0)
    grid = [round(0.3 + 0.05 * k, 2) for k in range(13)]
    table = {t: _combined(cands, probs, t) for t in grid}
    ok = [t for t in grid if table[t][0] >= min_precision] or [grid[-1]]
    best = max(ok, key=lambda t: (table[t][2], t))
    return best, {"rules_only_p_r_f1": [round(v, 4) for v in rules_only],
                  "cv_p_r_f1_by_threshold": {str(t): [round(v, 4) for v in table[t]]
                                             for t in grid}}


def train(out: Path = DEFAULT_PATH, *, folder: Path = PASSAGES, c: float = 0.3,
          threshold: float | None = None, min_precision: float = 0.85,
          sets: Sequence[str] = STATEMENT_SETS, sets_root: Path = CORPORA) -> AuthorModel:
    recs = passages(folder)
    set_recs = statement_sets(sets, sets_root)
    cands = candidates(recs + set_recs)
    for cand in cands:
        if cand["rule"] and cand["label"] == 0 and not cand["exhaustive"]:
            # The passages label only some of a text's statements: a sentence the rules take
            # that carries no label is more often an unlabelled verdict than narration, so it
            # is left out rather than taught as a negative.
            cand["label"] = None
    cv: dict[str, Any] = {}
    if threshold is None:
        threshold, cv = choose_threshold(cands, c=c, min_precision=min_precision)
    weights, bias = fit(cands, c=c)
    meta = {"trained_on": sorted({r["dispute"] for r in recs}), "passages": len(recs),
            "statement_sets": list(sets), "statement_set_documents": len(set_recs),
            "candidates": len(cands), "positives": sum(c_["label"] == 1 for c_ in cands),
            "left_out": sum(c_["label"] is None for c_ in cands),
            "C": c, "features": len(weights), "min_precision": min_precision, **cv}
    AuthorModel(weights, bias, threshold, meta).save(out)
    return AuthorModel.load(out)  # the rounded weights, as every run will read them


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.author",
                                 description="Train the author-sentence model.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--out", type=Path, default=DEFAULT_PATH)
    t.add_argument("--passages", type=Path, default=PASSAGES)
    t.add_argument("--C", type=float, default=0.3)
    t.add_argument("--threshold", type=float, default=None)
    t.add_argument("--min-precision", type=float, default=0.85)
    t.add_argument("--sets", default=",".join(STATEMENT_SETS),
                   help="statement sets (corpora/<name>) trained on besides the passages, "
                        "comma-separated; empty for none")
    args = ap.parse_args(argv)
    model = train(args.out, folder=args.passages, c=args.C, threshold=args.threshold,
                  min_precision=args.min_precision,
                  sets=[s for s in args.sets.split(",") if s.strip()])
    print(json.dumps({k: v for k, v in model.meta.items()
                      if k != "cv_p_r_f1_by_threshold"} | {"threshold": model.threshold},
                     indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
