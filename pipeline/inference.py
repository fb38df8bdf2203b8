"""Make a loaded relation model cheaper to run (inference only; training never sees this).

Two steps, each a switch of the classifier configuration (``docs/performance.md`` has the
measured speed and F1 of each):

* **Merge the LoRA adapters** into the frozen projections they wrap: ``W + s·B·A`` is one
  matrix again, so each adapted layer costs one matrix product instead of three. The output
  is the same up to float rounding (``merge_lora``; always on at inference).
* **Dynamic int8 quantization** of the encoder's linear layers
  (``torch.ao.quantization.quantize_dynamic``; weights int8, activations quantized per batch;
  Jacob et al. 2018, "Quantization and Training of Neural Networks for Efficient
  Integer-Arithmetic-Only Inference"). The heads stay float32, so calibrated probabilities
  are computed in full precision from int8 features. Switch: ``<task>.quantize: int8``.

>>> import torch
>>> from torch import nn
>>> from pipeline.model import LoRALinear
>>> layer = LoRALinear(nn.Linear(4, 3), rank=2, alpha=2.0, dropout=0.0)
>>> _ = nn.init.normal_(layer.lora_b)
>>> x = torch.randn(5, 4)
>>> before = layer(x)
>>> merged = merge_lora(nn.Sequential(layer))
>>> isinstance(merged[0], nn.Linear) and torch.allclose(merged[0](x), before, atol=1e-5)
True
"""
from __future__ import annotations

import logging
import warnings
from typing import Literal

import torch
from torch import nn

from .model import LoRALinear

logger = logging.getLogger(__name__)

Quantize = Literal["none", "int8"]


def merge_lora(module: nn.Module) -> nn.Module:
    """Replace every :class:`~pipeline.model.LoRALinear` under ``module`` by one
    ``nn.Linear`` holding ``W + scale · B @ A`` (in place; returns ``module``)."""
    for name, child in list(module.named_children()):
        if isinstance(child, LoRALinear):
            base = child.base
            merged = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None)
            with torch.no_grad():
                merged.weight.copy_(base.weight + child.scale * (child.lora_b @ child.lora_a))
                if base.bias is not None:
                    merged.bias.copy_(base.bias)
            merged.requires_grad_(False)
            setattr(module, name, merged)
        else:
            merge_lora(child)
    return module


def optimize(model: nn.Module, quantize: Quantize = "none") -> nn.Module:
    """A copy-free inference version of a loaded :class:`~pipeline.model.RelationModel`:
    adapters merged and, with ``quantize="int8"``, the encoder's linear layers int8."""
    model.eval()
    merge_lora(model)
    if quantize == "int8":
        encoder = getattr(model, "encoder")
        with warnings.catch_warnings():  # torch.ao's deprecation notice, once per load
            warnings.simplefilter("ignore")
            model.encoder = torch.ao.quantization.quantize_dynamic(
                encoder, {nn.Linear}, dtype=torch.qint8)
    return model
