"""Inference-time model changes: merged LoRA gives the same outputs; int8 stays close."""
from __future__ import annotations

import copy

import pytest
import torch

from pipeline.config import load_config
from pipeline.errors import BlamegraphError
from pipeline.inference import merge_lora, optimize
from pipeline.model import Encoder, LoRALinear, ModelConfig, build, collate

TEXT = ("BEIJING, May 3 (Wire) \u2014 China's commerce ministry accused Washington of "
        "\"bullying\" Chinese chip firms, saying the entity list additions hurt Huawei.")


@pytest.fixture(scope="module")
def built():
    torch.manual_seed(0)
    model, tok = build(ModelConfig(lora_layers=2, head_hidden=16))
    for module in model.modules():  # trained adapters are not zero: make B non-zero
        if isinstance(module, LoRALinear):
            torch.nn.init.normal_(module.lora_b, std=0.05)
    model.eval()
    enc = Encoder(tok, model.cfg)
    start = TEXT.index("Washington")
    batch = collate([enc.statement(TEXT, (start, len(TEXT)), "commerce ministry",
                                   [(start, start + 10), (TEXT.index("Huawei"), len(TEXT) - 1)])],
                    tok.pad_token_id)
    return model, batch


def _probs(model, batch):
    with torch.inference_mode():
        return model.probabilities(model(**batch))


def test_merged_lora_same_outputs(built):
    model, batch = built
    merged = merge_lora(copy.deepcopy(model))
    assert not any(isinstance(m, LoRALinear) for m in merged.modules())
    assert any(isinstance(m, LoRALinear) for m in model.modules())
    before, after = _probs(model, batch), _probs(merged, batch)
    for head in before:
        assert torch.allclose(before[head], after[head], atol=1e-5), head


def test_int8_is_quantized_and_close(built):
    model, batch = built
    quantized = optimize(copy.deepcopy(model), "int8")
    kinds = {type(m).__module__ for m in quantized.encoder.modules()}
    assert any("quantized" in k for k in kinds)
    before, after = _probs(model, batch), _probs(quantized, batch)
    for head in before:
        assert (before[head] - after[head]).abs().max() < 0.1, head


def test_quantize_setting_is_validated():
    assert load_config(overrides=["blame.quantize=int8"]).cfg.blame.quantize == "int8"
    with pytest.raises(BlamegraphError, match="quantize"):
        load_config(overrides=["blame.quantize=int4"])
