"""The learned author-sentence detector (pipeline/author.py) and its place in the statement finder.

Every sentence below was written for these tests."""
from __future__ import annotations

import json

import pytest

from pipeline.author import (DEFAULT_PATH, FORMAT, AuthorModel, author_label, candidates, fit,
                             statement_sets, train)
from pipeline.config import load_config
from pipeline.errors import BlamegraphError
from pipeline.schema import Document
from pipeline.statements import StatementExtractor


# --- the artefact -------------------------------------------------------------------------------
def test_default_artefact_loads_and_scores():
    model = AuthorModel.load(DEFAULT_PATH)
    assert 0.0 < model.threshold < 1.0
    assert model.meta["trained_on"] and not {"japan_korea_export_controls",
                                              "australia_china_barley_wine"} \
        & set(model.meta["trained_on"])  # the test disputes are never trained on
    assert not {"gold", "dev5"} & set(model.meta["statement_sets"])  # nor held-out statements
    hi = model.score(["l:must", "md:must", "x:about", "reg:other", "cop_adj", "first_person"])
    lo = model.score(["num", "num_many", "roottag:VBD", "reg:wire", "l:announce"])
    assert 0.0 < lo < hi < 1.0


def test_config_resolves_default_and_null(tmp_path):
    assert load_config().author_model_path() == DEFAULT_PATH
    assert load_config(overrides=["statements.author_model=null"]).author_model_path() is None
    assert load_config(overrides=["statements.author_model="]).author_model_path() is None
    off = load_config(overrides=["statements.author_statements=false"])
    assert off.author_model_path() is None


def test_missing_artefact_is_E115(tmp_path):
    loaded = load_config(overrides=[f"statements.author_model={tmp_path / 'none.json'}"])
    with pytest.raises(BlamegraphError, match=r"\[E115\].*none\.json.*author-model"):
        StatementExtractor(loaded)


@pytest.mark.parametrize("content, detail", [
    ("{not json", "not a valid artefact"),
    (json.dumps([1, 2]), "not a JSON object"),
    (json.dumps({"format": "other", "bias": 0, "threshold": 0.5, "weights": {"a": 1}}),
     "format is 'other'"),
    (json.dumps({"format": FORMAT, "bias": 0, "threshold": 1.5, "weights": {"a": 1}}),
     "'threshold'"),
    (json.dumps({"format": FORMAT, "bias": 0, "threshold": 0.5, "weights": {"a": "x"}}),
     "weight of 'a'"),
    (json.dumps({"format": FORMAT, "bias": 0, "threshold": 0.5, "weights": {}}), "'weights'"),
])
def test_corrupt_artefact_is_E116(tmp_path, content, detail):
    path = tmp_path / "author.json"
    path.write_text(content, encoding="utf8")
    with pytest.raises(BlamegraphError, match=r"\[E116\]") as e:
        AuthorModel.load(path)
    assert detail in str(e.value) and str(path) in str(e.value)
    loaded = load_config(overrides=[f"statements.author_model={path}"])
    with pytest.raises(BlamegraphError, match=r"\[E116\]"):
        StatementExtractor(loaded)


def test_save_load_round_trip(tmp_path):
    m = AuthorModel({"l:must": 1.25, "num": -0.5}, -1.0, 0.6, {"note": "x"})
    m.save(tmp_path / "a.json")
    back = AuthorModel.load(tmp_path / "a.json")
    assert back.weights == m.weights and back.bias == -1.0 and back.threshold == 0.6
    assert back.score(["l:must"]) == pytest.approx(1 / (1 + 2.718281828459045 ** -0.25))


# --- training -----------------------------------------------------------------------------------
def test_labels_from_the_classifier_guide():
    assert author_label({"blame": [{"side": "US"}], "stance": {}, "hard_case": "none"}) == 1
    assert author_label({"blame": [], "stance": {"US": "favor"}, "hard_case": "praise"}) == 1
    assert author_label({"blame": [], "stance": {"US": "none"}, "hard_case": "negation"}) == 1
    assert author_label({"blame": [], "stance": {"US": "none"}, "hard_case": "background"}) == 0
    assert author_label({"blame": [], "stance": {"US": "none"}, "hard_case": "none"}) is None


def test_fit_is_deterministic_and_learns_the_signal():
    cands = []
    for i in range(30):
        cands.append({"features": ["bias_", "l:should", f"l:w{i % 5}"], "label": 1})
        cands.append({"features": ["bias_", "num", f"l:w{i % 5}"], "label": 0})
    cands.append({"features": ["bias_", "num"], "label": None})  # left out
    w1, b1 = fit(cands)
    w2, b2 = fit(list(cands))
    assert (w1, b1) == (w2, b2)
    assert w1["l:should"] > 0 > w1["num"]


_PASSAGES = [
    {"id": "alpha-0001", "dispute": "alpha", "register": "editorial", "outlet": "Harbor Review",
     "text": ("Washington's export rules are a reckless gamble with allied industry. The "
              "Commerce Department published the rules on Monday. Beijing must stop dumping "
              "cheap steel on world markets."),
     "statements": [
         {"text": "Washington's export rules are a reckless gamble with allied industry.",
          "kind": "author", "blame": [{"side": "US"}], "stance": {"US": "against"},
          "hard_case": "loaded_label"},
         {"text": "The Commerce Department published the rules on Monday.", "kind": "author",
          "blame": [], "stance": {"US": "none"}, "hard_case": "background"},
         {"text": "Beijing must stop dumping cheap steel on world markets.", "kind": "author",
          "blame": [{"side": "CN"}], "stance": {"CN": "against"}, "hard_case": "none"}]},
    {"id": "beta-0001", "dispute": "beta", "register": "wire", "outlet": "Pacific Rim Wire",
     "text": ("The European Commission opened the review in March. Brussels has shown "
              "remarkable patience with Beijing's stalling. Officials from China met the "
              "Commission team on Tuesday."),
     "statements": [
         {"text": "Brussels has shown remarkable patience with Beijing's stalling.",
          "kind": "author", "blame": [{"side": "CN"}], "stance": {"CN": "against"},
          "hard_case": "none"}]},
]


def test_train_on_a_tiny_fixture_is_deterministic(tmp_path):
    folder = tmp_path / "passages"
    folder.mkdir()
    for p in _PASSAGES:
        (folder / f"{p['dispute']}.jsonl").write_text(json.dumps(p) + "\n", encoding="utf8")
    m1 = train(tmp_path / "a.json", folder=folder, threshold=0.5, sets=())
    m2 = train(tmp_path / "b.json", folder=folder, threshold=0.5, sets=())
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert m1.meta["trained_on"] == ["alpha", "beta"] and m1.meta["positives"] >= 2
    back = AuthorModel.load(tmp_path / "a.json")
    assert back.weights == m2.weights


def test_statement_sets_are_exhaustive_labels_and_never_the_held_out_ones(tmp_path):
    folder = tmp_path / "passages"
    folder.mkdir()
    for p in _PASSAGES:
        (folder / f"{p['dispute']}.jsonl").write_text(json.dumps(p) + "\n", encoding="utf8")
    text = ("Opinion: chips\n\nThe rules took effect on Monday. Washington has mistaken tariffs "
            "for an industrial policy. The Commerce Department published a list of 140 firms.")
    verdict = "Washington has mistaken tariffs for an industrial policy."
    rec = {"id": "z001", "dispute": "us_china", "outlet": "Harbor Review", "text": text,
           "statements": [{"kind": "author", "text": verdict}]}
    (tmp_path / "devx").mkdir()
    (tmp_path / "devx" / "statements.jsonl").write_text(json.dumps(rec) + "\n",
                                                        encoding="utf8")
    recs = statement_sets(["devx"], tmp_path)
    assert [r["_set"] for r in recs] == ["devx"]
    cands = {c["text"]: c for c in candidates(recs)}
    assert cands[verdict]["label"] == 1 and cands[verdict]["exhaustive"]
    narration = "The Commerce Department published a list of 140 firms."
    assert cands[narration]["label"] == 0  # every unlabelled sentence is a true negative
    m = train(tmp_path / "m.json", folder=folder, threshold=0.5, sets=["devx"],
              sets_root=tmp_path)
    assert m.meta["statement_sets"] == ["devx"] and m.meta["statement_set_documents"] == 1
    for held_out in ("gold", "dev5"):
        with pytest.raises(ValueError, match="held-out"):
            statement_sets([held_out])


# --- in the statement finder --------------------------------------------------------------------
_LEAD = "Opinion: the trade fight\n\nThe talks ended without a deal last week.\n\n"


@pytest.fixture(scope="module")
def extractors():
    return {"rules": StatementExtractor(load_config(overrides=["statements.author_model="])),
            "model": StatementExtractor(load_config())}


def _author_texts(ex: StatementExtractor, text: str) -> list[str]:
    doc = Document("t1", text, "x", 1, outlet="Harbor Review")
    _, stmts, _ = next(ex.process([doc]))
    return [s.text for s in stmts if s.kind == "author"]


# commentary verdicts with no word of the author lexicons: the rules miss them, the model not
@pytest.mark.parametrize("sentence", [
    "Beijing's promises of market access have a habit of evaporating once the cameras leave.",
    "Canberra's farmers have paid the price of a quarrel that Beijing started.",
    ("Beijing's retaliation has the look of a government that wants a headline more than a "
     "settlement."),
    "Beijing's customs officers have become the sharpest tool of its foreign policy.",
])
def test_model_finds_verdicts_the_rules_miss(extractors, sentence):
    assert sentence not in _author_texts(extractors["rules"], _LEAD + sentence)
    found = _author_texts(extractors["model"], _LEAD + sentence)
    assert sentence in found


@pytest.mark.parametrize("text", [
    # narration in commentary stays narration
    _LEAD + "The European Commission published its provisional findings on Tuesday after a "
            "nine-month review.",
    _LEAD + "The Commerce Department added 140 Chinese firms to its entity list on Monday.",
    # wire copy: only explicit blame words count, the model is not asked
    ("BEIJING, May 3 (Pacific Rim Wire) — Beijing's customs officers have become the sharpest "
     "tool of its foreign policy."),
    # reported speech is never the outlet's voice
    _LEAD + "A trade lawyer said Beijing's customs officers have become the sharpest tool of "
            "its foreign policy.",
])
def test_model_leaves_narration_wire_and_reported_speech(extractors, text):
    assert _author_texts(extractors["model"], text) == []
