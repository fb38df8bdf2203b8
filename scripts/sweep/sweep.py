"""Sweep of training settings on a GPU machine (docs/evaluation.md, "Training settings").

Reads what ``scripts/sweep/dump.py`` wrote on a machine with spaCy (the training examples with
the entity linker's candidates, and a float16 copy of the packaged encoder whose unused
vocabulary rows are zeroed, small enough to carry), then trains each named configuration with
``pipeline.train.fit`` on ``cuda`` and prints one ``RESULT {json}`` line per configuration.
Usage: ``bash scripts/sweep/run.sh NAME[,NAME...] ...`` (one process per argument).
"""
import gzip, json, os, sys, time, traceback
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
import torch
from torch import nn
sys.path.insert(0, os.getcwd())
try:
    import spacy  # noqa
except ImportError:  # the device has no spaCy: stub what pipeline.entities touches at import
    import types
    class _Any:
        def __init__(self, *a, **k): pass
        @staticmethod
        def factory(*a, **k): return lambda f: f
        component = factory
        @staticmethod
        def has_extension(*a): return True
        @staticmethod
        def set_extension(*a, **k): pass
    sp = types.ModuleType("spacy"); lang = types.ModuleType("spacy.language")
    toks = types.ModuleType("spacy.tokens"); lang.Language = _Any
    toks.Doc = toks.Span = toks.Token = _Any
    sp.language, sp.tokens, sp.Language = lang, toks, _Any
    sys.modules.update({"spacy": sp, "spacy.language": lang, "spacy.tokens": toks})
import pipeline.model as M
import pipeline.train as T

SW = Path(os.environ.get("SWEEP_DIR", ".sweep")); OUT = Path(os.environ.get("OUT", "/tmp/out"))
BASE = Path("/tmp/minilm")
if not (BASE / "model.safetensors").exists():
    BASE.mkdir(exist_ok=True)
    for f in (SW / "minilm").iterdir():
        if f.name.endswith(".gz"):
            (BASE / f.name[:-3]).write_bytes(gzip.decompress(f.read_bytes()))
        else:
            (BASE / f.name).write_bytes(f.read_bytes())
M.base_model_path = lambda: str(BASE)
OPTS = {}

def build(cfg=None):
    from transformers import AutoModel, AutoTokenizer
    cfg = cfg or M.ModelConfig()
    tok = AutoTokenizer.from_pretrained(str(BASE), local_files_only=True)
    enc = AutoModel.from_pretrained(str(BASE), local_files_only=True, use_safetensors=True).float()
    k = OPTS.get("encoder_layers")
    if k:
        enc.encoder.layer = nn.ModuleList(list(enc.encoder.layer)[:k])
        enc.config.num_hidden_layers = k
    model = M.RelationModel(cfg, enc).float()
    if OPTS.get("full_ft"):
        for n, p in model.encoder.encoder.layer.named_parameters():
            p.requires_grad_(True)
    return model, tok
T.build = build

_splits = {}


def statement(e):
    from pipeline.blame import Target
    return T.StatementExample(**{**e, "content": tuple(e["content"]),
                                 "targets": [Target(**t) for t in e["targets"]],
                                 "gold_edges": {tuple(x) for x in e["gold_edges"]},
                                 "features": tuple(e["features"])})
def splits(ctx):
    if ctx not in _splits:
        raw = json.loads(gzip.decompress((SW / f"splits{ctx}.json.gz").read_bytes()))
        _splits[ctx] = {k: {"statements": [statement(e) for e in v["statements"]],
                            "pairs": [T.PairExample(**{**e, "p": tuple(e["p"]),
                                                        "q": tuple(e["q"])})
                                      for e in v["pairs"]]} for k, v in raw.items()}
        if os.environ.get("SMOKE"):
            _splits[ctx] = {k: {kk: vv[:30] for kk, vv in v.items()} for k, v in _splits[ctx].items()}
    return _splits[ctx]

def summary(m):
    out = {"loss": m["fit"]["train_loss"], "train_s": m["fit"]["train_seconds"], "thr": m["blame_threshold"]}
    for split in ("train_sample", "dev", "test"):
        t = m.get(split, {}); be = t.get("blame_edges", {})
        f = lambda k: t.get(k, {}).get("macro_f1")
        out[split] = {"pairs": f("pairs"), "blame": be.get("speaker_side_blamed_side", {}).get("f1"),
                      "w_iss": be.get("with_issue", {}).get("f1"), "stance": f("stance"), "issue": f("issue")}
    out["ece"] = {k: v["ece"] for k, v in m.get("test", {}).get("calibration", {}).items()}
    out["dev_ece"] = {k: v["ece"] for k, v in m.get("dev", {}).get("calibration", {}).items()}
    return out

CONFIGS = {}
def cfg(name, ctx=80, encoder_layers=None, full_ft=False, **kw):
    t = {k: v for k, v in kw.items() if k in T.TrainConfig.__dataclass_fields__}
    mk = {k: v for k, v in kw.items() if k in M.ModelConfig.__dataclass_fields__}
    CONFIGS[name] = (ctx, encoder_layers, full_ft, t, mk)

cfg("base4")                                   # committed settings: 4 LoRA layers, 3 ep, 3e-3
cfg("l6", lora_layers=6)
cfg("l6_e6_lr1", lora_layers=6, epochs=6, learning_rate=1e-3)
cfg("l6_e5", lora_layers=6, epochs=5)
cfg("l4_e6_lr2", epochs=6, learning_rate=2e-3)
cfg("l6_r32_e5_lr2", lora_layers=6, lora_rank=32, lora_alpha=32.0, epochs=5, learning_rate=2e-3)
cfg("cw0", class_weight_power=0.0)
cfg("cw025", class_weight_power=0.25)
cfg("l6_cw025_e5", lora_layers=6, class_weight_power=0.25, epochs=5)
cfg("full_e5", lora_layers=6, full_ft=True, epochs=5, learning_rate=1e-4)
cfg("full_e8_lr5", lora_layers=6, full_ft=True, epochs=8, learning_rate=5e-5)
cfg("ctx40_l6", ctx=40, lora_layers=6, context_chars=40)
cfg("ctx40_l6_e5", ctx=40, lora_layers=6, context_chars=40, epochs=5)
cfg("enc4_l4_e5", encoder_layers=4, lora_layers=4, epochs=5)
cfg("enc3_l3_e5", encoder_layers=3, lora_layers=3, epochs=5)
cfg("head256_l6_e5", lora_layers=6, head_hidden=256, epochs=5)
cfg("drop0_l6_e5", lora_layers=6, lora_dropout=0.0, head_dropout=0.0, epochs=5)
cfg("seed2_base4", seed=7)
cfg("smoke", encoder_layers=2, lora_layers=2, epochs=1)
cfg("smoke_full", encoder_layers=2, lora_layers=2, full_ft=True, epochs=1)
cfg("seed2_l6_e5", lora_layers=6, epochs=5, seed=7)

if __name__ == "__main__":
    if sys.argv[1:] == ["prepare"]:
        sys.exit(0)
    names = [n for a in sys.argv[1:] for n in a.split(',')] or list(CONFIGS)
    OUT.mkdir(parents=True, exist_ok=True)
    print("torch", torch.__version__, "cuda", torch.cuda.is_available(), flush=True)
    for name in names:
        ctx, el, full, t, mk = CONFIGS[name]
        OPTS.clear(); OPTS.update(encoder_layers=el, full_ft=full)
        started = time.time()
        try:
            m = T.fit(splits(ctx), Path("/tmp/sweep") / name,
                      tcfg=T.TrainConfig(device=os.environ.get("DEV", "cuda"), **t),
                      mcfg=M.ModelConfig(**mk))
            s = summary(m)
        except Exception:
            traceback.print_exc(); s = {"error": traceback.format_exc()[-500:]}
        s.update(name=name, wall=round(time.time() - started, 1))
        print("RESULT", json.dumps(s), flush=True)
        with open(OUT / "results.jsonl", "a") as f:
            f.write(json.dumps(s) + "\n")
