"""The memoised attribute_ruler sets exactly the token attributes spaCy's own ruler sets."""
from __future__ import annotations

import json

import pytest
from spacy.pipeline import AttributeRuler

from pipeline.fast_ruler import FastAttributeRuler, speed_up
from pipeline.statements import load_spacy

# Words and shapes the ruler's word patterns name (contractions, "gonna", "nothin'", "y'all",
# auxiliaries, subordinators, spaces) in text of our own.
TRICKY = [
    "I ain't sure we're gonna make it, and he's nothin' but trouble, y'all.",
    "She isn't here; they've gone.  They'd said so.\n\nWe'll see.   Won't we?",
    "That is what those officials did, because these tariffs hurt whoever pays them.",
    "Is it? Do they? Have we? Am I? 'm 're n't nt n\u2019t",
    "  \n \t\n",
    "",
    "Washington said the rules were unfair, whilst Beijing, tho angry, waited til May.",
]


def _attrs(doc):
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, t.ent_type_)
            for t in doc]


@pytest.fixture(scope="module")
def pipelines(loaded):
    models = list(loaded.cfg.statements.spacy_models)
    stock = load_spacy(models)
    fast = load_spacy(models)
    if stock is fast:  # a cached pipeline would make the comparison vacuous
        pytest.skip("load_spacy returned one shared pipeline")
    assert speed_up(fast)
    assert type(stock.get_pipe("attribute_ruler")) is AttributeRuler
    assert isinstance(fast.get_pipe("attribute_ruler"), FastAttributeRuler)
    return stock, fast


def _texts(repo, n_generated=15):
    from pipeline.benchgen import generate

    texts = list(TRICKY)
    with open(repo / "corpora" / "sample" / "articles.jsonl", encoding="utf8") as f:
        texts += [json.loads(line)["text"] for line in f if line.strip()]
    texts += [a["text"] for a in generate(8_000, seed=3)][:n_generated]
    return texts


def test_same_attributes_as_spacy(pipelines, repo):
    stock, fast = pipelines
    texts = _texts(repo)
    n_tokens = 0
    for a, b in zip(stock.pipe(texts), fast.pipe(texts)):
        assert _attrs(a) == _attrs(b), a.text[:80]
        n_tokens += len(a)
    assert n_tokens > 5_000


def test_word_patterns_fire(pipelines):
    """The fast path does set the ruler's word-specific lemmas and POS (not only tag maps)."""
    _, fast = pipelines
    doc = fast("I ain't sure we're gonna win.")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert lemmas["ai"] == "be" and lemmas["gon"] == "go" and lemmas["na"] == "to"


def test_idempotent_install_and_unknown_patterns(pipelines):
    _, fast = pipelines
    assert speed_up(fast)  # a second call keeps the fast ruler
    assert isinstance(fast.get_pipe("attribute_ruler"), FastAttributeRuler)
    # a ruler that tests an attribute the fast path does not read is left as it is
    import spacy

    other = spacy.blank("en")
    other.add_pipe("attribute_ruler").add([[{"SHAPE": "Xxxx"}]], {"LEMMA": "cap"})
    assert not speed_up(other)
    assert type(other.get_pipe("attribute_ruler")) is AttributeRuler
    assert not speed_up(other, name="no_such_pipe")
    plain = spacy.blank("en")
    plain.add_pipe("attribute_ruler").add([[{"LOWER": "gon"}, {"LOWER": "na"}]],
                                          {"LEMMA": "go"})
    assert speed_up(plain)
    assert [t.lemma_ for t in plain("we gon na go")] == ["", "go", "", ""]


def test_extractor_switch(loaded):
    from pipeline.config import load_config
    from pipeline.statements import StatementExtractor

    on = StatementExtractor(loaded)
    off = StatementExtractor(load_config(None, ["statements.fast_attribute_ruler=false"]))
    assert isinstance(on.nlp.get_pipe("attribute_ruler"), FastAttributeRuler)
    assert type(off.nlp.get_pipe("attribute_ruler")) is AttributeRuler


def test_bounded_memo_changes_nothing(pipelines, repo, monkeypatch):
    """The word memo is emptied when full (flat memory); results stay the same."""
    import pipeline.fast_ruler as fr

    stock, fast = pipelines
    monkeypatch.setattr(fr, "MEMO_LIMIT", 7)
    plan = fast.get_pipe("attribute_ruler")._fast
    for memo in plan._norm.values():  # start empty: the earlier tests filled it
        memo.clear()
    texts = _texts(repo, n_generated=3)
    for a, b in zip(stock.pipe(texts), fast.pipe(texts)):
        assert _attrs(a) == _attrs(b)
    assert 0 < len(plan._norm["LOWER"]) <= 7
