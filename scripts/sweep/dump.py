"""Dump training splits (per context size) and a compact fp16 copy of the base encoder for the
GPU sweep. Run here (CPU); output in .sweep/ (or the folder given)."""
import dataclasses, gzip, json, sys
from pathlib import Path
import torch
from safetensors.torch import load_file, save
from pipeline import train as T
from pipeline.model import ModelConfig, Encoder, base_model_path, build

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".sweep"); out.mkdir(exist_ok=True)
files = T.default_label_files()
finder = T.EntityFinder()
used = set()
for ctx in (80, 40):
    mcfg = ModelConfig(context_chars=ctx)
    splits = T.load_examples(files, finder=finder, mcfg=mcfg)
    plain = {k: {kk: [dataclasses.asdict(e) for e in vv] for kk, vv in v.items()}
             for k, v in splits.items()}
    (out / f"splits{ctx}.json.gz").write_bytes(gzip.compress(json.dumps(plain, default=sorted).encode()))
    model, tok = build(mcfg)
    enc = Encoder(tok, mcfg)
    for name, sp in splits.items():
        rows = T.train_rows(enc, sp, T.TASKS, 13, True) + T.train_rows(enc, sp, T.TASKS, 14, True)
        for r in rows:
            used.update(r["input_ids"])
        print(ctx, name, len(sp["statements"]), len(sp["pairs"]), len(rows), flush=True)
used.update(range(0, 1000))  # specials and punctuation
src = Path(base_model_path())
state = load_file(str(src / "model.safetensors"))
key = [k for k in state if k.endswith("word_embeddings.weight")][0]
emb = state[key]
mask = torch.zeros(emb.size(0), dtype=torch.bool); mask[sorted(used)] = True
state[key] = torch.where(mask[:, None], emb, torch.zeros_like(emb))
half = {k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}
dst = out / "minilm"; dst.mkdir(exist_ok=True)
buf = save(half)
(dst / "model.safetensors.gz").write_bytes(gzip.compress(buf, 6))
for f in src.iterdir():
    if f.is_file() and f.name not in ("model.safetensors", "README.md"):
        (dst / f.name).write_bytes(f.read_bytes())
print("used vocab", len(used), "of", emb.size(0), "gz MB", (dst / "model.safetensors.gz").stat().st_size / 1e6)
