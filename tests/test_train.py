"""Training: overfit → save → reload → same prediction; finetune end to end; label errors."""
from __future__ import annotations

import json

import pytest
import torch

from pipeline.blame import Target
from pipeline.errors import BlamegraphError
from pipeline.model import Encoder, ModelConfig, load, save
from pipeline.train import (TASKS, PairExample, StatementExample, TrainConfig, encode_pair,
                            encode_statement, evaluate_examples, expected_calibration_error,
                            finetune, fit, fit_temperature, predict_logits)

A = ("Beijing accused Washington of bullying Chinese chip makers with its export controls, "
     "a ministry spokesperson said.")
B = ("The senator praised Ottawa for its cooperation on the lumber talks and thanked Canada's "
     "negotiators.")


def _span(text, needle):
    start = text.index(needle)
    return start, start + len(needle)


def _examples():
    wa = _span(A, "Washington")
    ot = _span(B, "Ottawa")
    st_a = StatementExample("d1", "a", A, (wa[0], A.index(", a ministry")), "Beijing", "CN",
                            "technology", [Target(*wa, "Washington", "US government", "US")],
                            [1], ["against"], ["technology"], {("US", "technology")},
                            {"US": "against", "CN": "none"})
    st_b = StatementExample("d2", "b", B, (ot[0], len(B) - 1), "The senator", "US", "trade",
                            [Target(*ot, "Ottawa", "Canadian government", "CA")], [0],
                            ["favor"], [None], set(), {"US": "none", "CA": "favor"})
    pr_a = PairExample("d1", A, _span(A, "Beijing"), wa, "p_against_q")
    pr_b = PairExample("d2", B, ot, _span(B, "The senator"), "q_favor_p")
    return {"train": {"statements": [st_a, st_b], "pairs": [pr_a, pr_b]}}


@pytest.fixture(scope="module")
def overfit(tmp_path_factory):
    out = tmp_path_factory.mktemp("model") / "tiny"
    splits = _examples()
    # Two examples cannot teach direction from syntax: keep the pairs as written.
    tcfg = TrainConfig(epochs=40, batch_size=4, learning_rate=5e-3, warmup_ratio=0.0,
                       flip_pairs=False)
    metrics = fit(splits, out, tcfg=tcfg, mcfg=ModelConfig(lora_layers=1, head_hidden=32,
                                                          head_dropout=0.0, lora_dropout=0.0))
    return out, splits, metrics


def _predict(model, tok, splits):
    encoder = Encoder(tok, model.cfg)
    rows = ([encode_statement(encoder, ex, TASKS) for ex in splits["train"]["statements"]]
            + [encode_pair(encoder, ex) for ex in splits["train"]["pairs"]])
    return predict_logits(model, rows, tok.pad_token_id)


def test_overfit_save_reload_same_prediction(overfit):
    out, splits, metrics = overfit
    assert metrics["fit"]["train_loss"] < 1.0
    model, tok = load(out)
    logits = _predict(model, tok, splits)
    # overfit: every head recovers its two training labels
    assert [int(lg["issue"].argmax()) for lg in logits[:2]] == [1, 0]  # technology, trade
    assert int(logits[0]["blame"][0].argmax()) == 1
    assert int(logits[1]["blame"][0].argmax()) == 0
    assert [int(lg["stance"][0].argmax()) for lg in logits[:2]] == [0, 1]  # against, favor
    assert [int(lg["pairs"].argmax()) for lg in logits[2:]] == [1, 4]
    again, tok2 = load(out)
    for x, y in zip(logits, _predict(again, tok2, splits)):
        for head in x:
            assert torch.equal(x[head], y[head])  # reloading is exact and deterministic
    card = (out / "README.md").read_text()
    assert "Labels" in card and "Seed 13" in card
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"]["pairs"]["1"] == "p_against_q"


def test_evaluate_examples_reports_every_task(overfit):
    out, splits, _ = overfit
    model, tok = load(out)
    metrics = evaluate_examples(model, tok, splits["train"])
    assert metrics["pairs"]["macro_f1"] == 1.0
    assert metrics["blame_edges"]["speaker_side_blamed_side"]["f1"] == 1.0
    assert metrics["stance"]["accuracy"] == 1.0
    assert set(metrics["calibration"]) == {"issue", "blame", "stance", "edge_issue", "pairs"}


def test_temperature_scaling_recovers_a_known_temperature():
    torch.manual_seed(0)
    true_logits = torch.randn(4000, 3) * 2
    gold = torch.distributions.Categorical(logits=true_logits).sample()
    t = fit_temperature(true_logits * 3.0, gold)  # over-confident by a factor of 3
    assert t == pytest.approx(3.0, rel=0.1)


def test_ece_perfectly_calibrated_is_small():
    torch.manual_seed(0)
    probs = torch.rand(20000, 1)
    gold = (torch.rand(20000, 1) < probs).long().squeeze(1)
    two = torch.cat([1 - probs, probs], 1)
    assert expected_calibration_error(two, gold) < 0.02


PASSAGE = {
    "id": "u-1", "dispute": "my_dispute", "sides": ["US", "CN"],
    "text": "WASHINGTON (Wire) — A commerce ministry spokesperson accused Washington of "
            "sabotaging the talks. The official said Beijing would respond.",
    "statements": [{"text": "Washington of sabotaging the talks",
                    "speaker": "A commerce ministry spokesperson", "speaker_side": "CN",
                    "kind": "indirect", "issue": "trade",
                    "blame": [{"target": "Washington", "side": "US", "issue": "trade"}],
                    "stance": {"US": "against", "CN": "none"}}],
    "pairs": [{"p": "A commerce ministry spokesperson", "q": "Washington",
               "relation": "p_against_q"}],
}


def test_finetune_tiny_file_end_to_end(tmp_path, overfit):
    base, _, _ = overfit
    data = tmp_path / "labels.jsonl"
    rows = [dict(PASSAGE, id=f"u-{i}") for i in range(4)]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "mine"
    metrics = finetune([data], out, task="blame", base=base, epochs=1, dev_fraction=0.0)
    assert metrics["fit"]["steps"] >= 1
    assert (out / "adapter.safetensors").exists() and (out / "README.md").exists()
    load(out)


def test_finetune_on_a_small_dev_split_keeps_the_base_threshold_and_temperatures(tmp_path,
                                                                                overfit):
    """A dev split of a few edges must not move the blame threshold or the temperatures."""
    base, _, _ = overfit
    base_model, _ = load(base)
    base_model.cfg.blame_threshold = 0.35
    base_model.cfg.temperatures = {h: 1.7 for h in base_model.cfg.temperatures}
    save(base_model, tmp_path / "base")
    data = tmp_path / "labels.jsonl"
    data.write_text("\n".join(json.dumps(dict(PASSAGE, id=f"u-{i}")) for i in range(8)) + "\n")
    metrics = finetune([data], tmp_path / "mine", task="blame", base=tmp_path / "base",
                       epochs=1, dev_fraction=0.5)
    assert "dev" in metrics  # there was a dev split, but far fewer than MIN_DEV_LABELS edges
    assert metrics["blame_threshold"] == 0.35 and metrics["blame_threshold_from"] == "base model"
    tuned, _ = load(tmp_path / "mine")
    assert tuned.cfg.blame_threshold == 0.35
    assert set(tuned.cfg.temperatures.values()) == {1.7}


def test_finetune_rejects_unknown_label(tmp_path):
    bad = dict(PASSAGE)
    bad["statements"] = [dict(PASSAGE["statements"][0], issue="economy")]
    data = tmp_path / "bad.jsonl"
    data.write_text(json.dumps(bad) + "\n")
    with pytest.raises(BlamegraphError, match=r"E134.*bad.jsonl:1.*issue 'economy'"):
        finetune([data], tmp_path / "o", task="issue")


def test_finetune_rejects_unknown_task(tmp_path):
    with pytest.raises(BlamegraphError, match="E135"):
        finetune([tmp_path / "x.jsonl"], tmp_path / "o", task="sentiment")


def test_training_device_is_checked_before_any_work(tmp_path, monkeypatch):
    import torch

    from pipeline.train import check_device

    check_device("cpu")
    with pytest.raises(BlamegraphError, match="E140.*'tpu'.*choose cpu or cuda"):
        finetune([tmp_path / "missing.jsonl"], tmp_path / "o", task="pairs", device="tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(BlamegraphError, match="E140.*'cuda'.*sees no CUDA GPU"):
        check_device("cuda")


def test_finetune_without_examples_for_task(tmp_path):
    data = tmp_path / "pairs_only.jsonl"
    data.write_text(json.dumps({"id": "p1", "text": "Tokyo blamed Seoul.", "p": [0, 5],
                                "q": [13, 18], "relation": "p_against_q"}) + "\n")
    with pytest.raises(BlamegraphError, match="E136"):
        finetune([data], tmp_path / "o", task="stance")


def test_other_mentions_of_a_blamed_side_are_left_out_of_the_blame_loss():
    from pipeline.labels import LabelledStatement
    from pipeline.labels import Target as Gold
    from pipeline.schema import Entity
    from pipeline.train import IGNORE, statement_examples

    text = "Beijing said Washington and the US Commerce Department bullied Canada with tariffs."
    wa, us, ca = _span(text, "Washington"), _span(text, "the US Commerce Department"), \
        _span(text, "Canada")
    st = LabelledStatement("p", "us_china_trade_tech", text, wa[0], len(text) - 1, 0, 7,
                           "Chinese government", "CN", "indirect", "trade",
                           [Gold(*wa, "US government", "US", "trade")],
                           {"US": "against", "CN": "none"}, "none")
    ents = [Entity("x", "Washington", "GPE", *wa, "US government", "US"),
            Entity("x", "the US Commerce Department", "ORG", *us, "US Commerce Department", "US"),
            Entity("x", "Canada", "GPE", *ca, "Canadian government", "CA")]
    ex, = statement_examples([st], {"p": ents}, add_gold_targets=True)
    assert [t.text for t in ex.targets] == ["Washington", "the US Commerce Department", "Canada"]
    assert ex.blamed == [1, None, 0]
    assert ex.edge_issue == ["trade", "trade", None]  # the blamed side's issue
    assert len(ex.features) == 8 and ex.features[0] > 0  # "tariffs": the dispute's trade lexicon
    model_cfg = ModelConfig(lora_layers=1)
    from transformers import AutoTokenizer

    from pipeline.model import base_model_path
    tok = AutoTokenizer.from_pretrained(base_model_path(), local_files_only=True)
    row = encode_statement(Encoder(tok, model_cfg), ex, TASKS)
    assert row["blame_labels"] == [1, IGNORE, 0]


@pytest.mark.slow
def test_same_seed_same_adapter_bytes(tmp_path):
    """`make models` determinism, in small: two fits with one seed write identical weights."""
    import hashlib

    digests = []
    for name in ("a", "b"):
        fit(_examples(), tmp_path / name, tcfg=TrainConfig(epochs=3, batch_size=2),
            mcfg=ModelConfig(lora_layers=1, head_hidden=16))
        digests.append(hashlib.sha256((tmp_path / name / "adapter.safetensors").read_bytes())
                       .hexdigest())
        assert (tmp_path / name / "config.json").read_text() == \
            (tmp_path / "a" / "config.json").read_text()
    assert digests[0] == digests[1]
