"""Does the victim post-rule (``blame.victim_rule``, ``pipeline/victims.py``) help? Blame-edge F1
of a saved relation model on labelled passages, without and with the rule.

Scored as ``blamegraph evaluate`` scores blame edges: gold statement spans and speakers, the
entity linker's candidates in the model's window, one edge per (statement, blamed side) at the
model's threshold. The rule then drops, as ``BlameStage._edges`` does, every candidate over the
threshold on the speaker's own side that is the patient of a punitive act in its sentence.

    python scripts/victim_rule_eval.py corpora/labels/passages/us_canada_lumber.jsonl

Prints precision, recall and F1 without and with the rule, and how many predicted edges the
rule removed whose side was (wrong drop) or was not (correct drop) gold-blamed. The figures in
``docs/classifiers.md`` come from this script. Do not tune the rule on the test disputes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from pipeline import train as tr  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.model import Encoder, candidate_span, load, read_config  # noqa: E402
from pipeline.victims import VictimRule  # noqa: E402


def _prf(tp: int, n_pred: int, n_gold: int) -> str:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.4f} R {r:.4f} F1 {f:.4f} (tp {tp}, predicted {n_pred}, gold {n_gold})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="+", type=Path, help="labelled passage files")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "relation")
    parser.add_argument("--threshold", type=float, default=None,
                        help="blame threshold (default: the model's)")
    args = parser.parse_args()
    mcfg = read_config(args.model)
    examples = tr.load_user_examples(args.data, dev_fraction=0.0, seed=0, split=False,
                                     mcfg=mcfg)["all"]["statements"]
    model, tokenizer = load(args.model)
    threshold = model.cfg.blame_threshold if args.threshold is None else args.threshold
    encoder = Encoder(tokenizer, model.cfg)
    rows = [tr.encode_statement(encoder, ex, tr.TASKS) for ex in examples]
    logits = tr.predict_logits(model, rows, tokenizer.pad_token_id)
    temperature = model.cfg.temperatures.get("blame", 1.0)
    rule = VictimRule.from_models(load_config().cfg.statements.spacy_models)
    counts = {"without": [0, 0, 0], "with": [0, 0, 0]}
    correct = wrong = 0
    for ex, lg in zip(examples, logits):
        n = len(ex.targets) - ex.n_extra
        targets = ex.targets[:n]
        probs = (torch.softmax(lg["blame"][:n] / temperature, -1)[:, 1].tolist() if n else [])
        gold = {side for side, _ in ex.gold_edges}
        same = [k for k, (t, p) in enumerate(zip(targets, probs))
                if p >= threshold and t.side == ex.speaker_side
                and t.side not in ("UNKNOWN", "OTHER")]
        victims: set[int] = set()
        if same:
            window = candidate_span(ex.text, ex.content, mcfg)
            hits = rule.victims(ex.text, window, [(targets[k].start, targets[k].end)
                                                  for k in same])
            victims = {same[j] for j in hits}
        before = {t.side for t, p in zip(targets, probs) if p >= threshold}
        after = {t.side for k, (t, p) in enumerate(zip(targets, probs))
                 if p >= threshold and k not in victims}
        for name, pred in (("without", before), ("with", after)):
            c = counts[name]
            c[0] += len(pred & gold)
            c[1] += len(pred)
            c[2] += len(gold)
        for side in before - after:
            wrong += side in gold
            correct += side not in gold
    print(f"{len(examples)} statements, threshold {threshold}")
    for name, (tp, n_pred, n_gold) in counts.items():
        print(f"{name:>7} the rule: {_prf(tp, n_pred, n_gold)}")
    print(f"edges dropped by the rule: {correct} correct, {wrong} wrong")
    return 0


if __name__ == "__main__":
    sys.exit(main())
