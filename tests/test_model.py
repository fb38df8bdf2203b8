"""The relation model: markers, save → reload → same prediction, calibration helpers."""
from __future__ import annotations

import json

import pytest
import torch

from pipeline.errors import BlamegraphError
from pipeline.model import (Encoder, ModelConfig, build, collate, load, read_config, save,
                            target_features)

TEXT = ("BEIJING, May 3 (Wire) — China's commerce ministry accused Washington of \"bullying\" "
        "Chinese chip firms, saying the entity list additions hurt Huawei.")


@pytest.fixture(scope="module")
def built():
    torch.manual_seed(0)
    return build(ModelConfig(lora_layers=1, head_hidden=16))


def _span(text, needle):
    start = text.index(needle)
    return start, start + len(needle)


def test_statement_markers_and_targets(built):
    model, tok = built
    enc = Encoder(tok, model.cfg).statement(
        TEXT, (_span(TEXT, "Washington of")[0], TEXT.index(", saying")),
        "China's commerce ministry", [_span(TEXT, "Washington"), _span(TEXT, "Huawei")])
    tokens = tok.convert_ids_to_tokens(enc.input_ids)
    assert tokens[enc.mark_a] == "@" and tokens[enc.mark_b] == "^"
    assert tokens[enc.mark_b + 1] == "washington"
    assert [tokens[s:e] for s, e in enc.targets] == [["washington"], ["hua", "##wei"]]


def test_pair_markers_follow_p_and_q_not_reading_order(built):
    model, tok = built
    encoder = Encoder(tok, model.cfg)
    p, q = _span(TEXT, "China's commerce ministry"), _span(TEXT, "Washington")
    forward, backward = encoder.pair(TEXT, p, q), encoder.pair(TEXT, q, p)
    t_f = tok.convert_ids_to_tokens(forward.input_ids)
    t_b = tok.convert_ids_to_tokens(backward.input_ids)
    assert (t_f[forward.mark_a], t_f[forward.mark_a + 1]) == ("@", "china")
    assert (t_f[forward.mark_b], t_f[forward.mark_b + 1]) == ("#", "washington")
    assert (t_b[backward.mark_a], t_b[backward.mark_a + 1]) == ("@", "washington")
    assert (t_b[backward.mark_b], t_b[backward.mark_b + 1]) == ("#", "china")


def test_target_cut_off_by_truncation_is_flagged(built):
    model, tok = built
    text = "Officials said " + "very " * 300 + "that Washington erred."
    cfg = ModelConfig(max_length=32)
    enc = Encoder(tok, cfg).statement(text, (15, len(text)), "Officials",
                                      [_span(text, "Washington")])
    assert enc.targets == [(-1, -1)]


def test_save_reload_same_prediction(built, tmp_path):
    model, tok = built
    encoder = Encoder(tok, model.cfg)
    items = [encoder.statement(TEXT, (_span(TEXT, "Washington of")[0], TEXT.index(", saying")),
                               "China's commerce ministry", [_span(TEXT, "Washington")]),
             encoder.pair(TEXT, _span(TEXT, "China's commerce ministry"),
                          _span(TEXT, "Washington"))]
    batch = collate(items, tok.pad_token_id)
    model.eval()
    with torch.no_grad():
        before = model.probabilities(model(**batch))
    model.cfg.temperatures["pairs"] = 1.7
    save(model, tmp_path / "m")
    reloaded, _ = load(tmp_path / "m")
    assert reloaded.cfg.temperatures["pairs"] == 1.7
    model.cfg.temperatures["pairs"] = 1.0
    with torch.no_grad():
        after = reloaded.probabilities(reloaded(**batch))
        before_t = model.probabilities(model(**batch))
    for head in ("issue", "blame", "stance", "edge_issue"):  # weights are stored as float16
        assert torch.allclose(before[head], after[head], atol=2e-3), head
        assert torch.equal(before[head].argmax(-1), after[head].argmax(-1)), head
    assert not torch.allclose(before_t["pairs"], after["pairs"])  # the temperature is applied
    assert (tmp_path / "m" / "adapter.safetensors").stat().st_size < 5_000_000


def test_load_errors(tmp_path):
    with pytest.raises(BlamegraphError, match="E131"):
        load(tmp_path)
    (tmp_path / "config.json").write_text('{"format": "something-else"}')
    (tmp_path / "adapter.safetensors").write_bytes(b"")
    with pytest.raises(BlamegraphError, match="E132"):
        load(tmp_path)


def test_issue_features_reach_only_the_issue_heads(built):
    model, tok = built
    assert model.n_features == 8
    encoder = Encoder(tok, model.cfg)
    content = (_span(TEXT, "Washington of")[0], TEXT.index(", saying"))
    args = (TEXT, content, "China's commerce ministry", [_span(TEXT, "Washington")])
    plain = collate([encoder.statement(*args)], tok.pad_token_id)
    lexical = collate([encoder.statement(*args, features=[2.0] * 8)], tok.pad_token_id)
    assert lexical["features"].shape == (1, 8) and plain["features"].shape == (1, 0)
    model.eval()
    with torch.no_grad():
        a, b = model(**plain), model(**lexical)
    assert torch.equal(a["blame"], b["blame"]) and torch.equal(a["stance"], b["stance"])
    assert not torch.allclose(a["issue"], b["issue"])
    assert not torch.allclose(a["edge_issue"], b["edge_issue"])


def test_target_features_reach_only_the_blame_and_stance_heads(built):
    model, tok = built
    assert model.n_target_features == 8
    encoder = Encoder(tok, model.cfg)
    content = (_span(TEXT, "Washington of")[0], TEXT.index(", saying"))
    targets = [_span(TEXT, "Washington")]
    args = (TEXT, content, "China's commerce ministry", targets)
    same = target_features([(*targets[0], "CN")], content, "CN")
    other = target_features([(*targets[0], "US")], content, "CN")
    assert same[0][0] == 1.0 and other[0][1] == 1.0 and same != other
    a_in = collate([encoder.statement(*args, target_features=same)], tok.pad_token_id)
    b_in = collate([encoder.statement(*args, target_features=other)], tok.pad_token_id)
    assert a_in["target_features"].shape == (1, 1, 8)
    model.eval()
    with torch.no_grad():
        a, b = model(**a_in), model(**b_in)
    assert torch.equal(a["issue"], b["issue"]) and torch.equal(a["edge_issue"], b["edge_issue"])
    assert not torch.allclose(a["blame"], b["blame"])
    assert not torch.allclose(a["stance"], b["stance"])


def test_models_saved_before_target_features_load_without_them(built, tmp_path):
    model, _ = built
    save(model, tmp_path)
    raw = json.loads((tmp_path / "config.json").read_text())
    raw.pop("target_features")
    (tmp_path / "config.json").write_text(json.dumps(raw))
    assert read_config(tmp_path).target_features is False


def test_candidates_come_from_the_encoded_window_unless_scope_is_content():
    from pipeline.model import candidate_span

    content = (_span(TEXT, "of \"bullying\"")[0], TEXT.index(", saying"))
    window = candidate_span(TEXT, content, ModelConfig())
    assert window[0] <= TEXT.index("Washington") and window[1] >= content[1]
    assert candidate_span(TEXT, content, ModelConfig(candidate_scope="content")) == content


def test_model_saved_before_new_fields_loads_with_old_behaviour(tmp_path):
    import json

    torch.manual_seed(0)
    old, _ = build(ModelConfig(lora_layers=1, head_hidden=16, issue_features=False,
                               candidate_scope="content"))
    save(old, tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    del config["issue_features"], config["candidate_scope"]
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    reloaded, _ = load(tmp_path / "old")
    assert reloaded.n_features == 0 and reloaded.cfg.candidate_scope == "content"
