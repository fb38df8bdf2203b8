"""Actor registry lookups: find, resolve, descriptor sides, outlet sides. Offline, no spaCy."""
from __future__ import annotations

import copy
import pickle
import time
from pathlib import Path

import pytest
import yaml

from pipeline.actors import ActorIndex, ActorMatch
from pipeline.config import DEFAULT_CONFIG, load_config
from pipeline.errors import BlamegraphError


@pytest.fixture(scope="module")
def index() -> ActorIndex:
    return ActorIndex(load_config())


# --- find -------------------------------------------------------------------------------------
FIND_CASES = [
    # text, expected [(surface, actor_id)] in order
    ("The White House blamed Beijing.", [("The White House", "us_government"),
                                         ("Beijing", "cn_government")]),
    ("Officials at the White House said", [("the White House", "us_government")]),
    ("the US Commerce Department said", [("US Commerce Department", "us_commerce")]),
    ("USTR and the US disagreed", [("USTR", "ustr"), ("the US", "us_government")]),
    ("Xinhua said", [("Xinhua", "xinhua")]),  # "Xi" must not match inside "Xinhua"
    ("Xi's speech in Xi'an", [("Xi", "xi_jinping")]),  # possessive yes, "Xi'an" no
    ("Xi\u2019s speech", [("Xi", "xi_jinping")]),  # curly apostrophe
    ("China's commerce ministry said", [("China's commerce ministry", "cn_mofcom")]),
    ("China\u2019s commerce ministry said", [("China\u2019s commerce ministry", "cn_mofcom")]),
    ("President Trump accused China", [("President Trump", "donald_trump"),
                                       ("China", "cn_government")]),
    ("Huawei and Nvidia", [("Huawei", "huawei"), ("Nvidia", "nvidia")]),
    ("US-China talks", [("US", "us_government"), ("China", "cn_government")]),
    ("USA Today and Chinatown", []),  # word boundaries both sides
    ("the white house", []),  # case-sensitive beyond the leading article
    ("The National People's Congress met; Congress did not.",
     [("National People's Congress", "npc"), ("Congress", "us_congress")]),
    ("The White\nHouse", []),  # a name never spans a line break
    ("Donald  Trump", [("Donald  Trump", "donald_trump")]),  # runs of spaces
    ("the Washington Post and Washington", [("the Washington Post", "washington_post"),
                                            ("Washington", "us_government")]),
]


@pytest.mark.parametrize("text,expected", FIND_CASES)
def test_find(index: ActorIndex, text: str, expected: list[tuple[str, str]]) -> None:
    found = index.find(text)
    assert [(m.text, m.actor_id) for m in found] == expected
    for m in found:
        assert text[m.start:m.end] == m.text


def test_find_returns_full_actor_record(index: ActorIndex) -> None:
    (m,) = index.find("Nvidia said")
    assert m == ActorMatch(0, 6, "Nvidia", "nvidia", "Nvidia", "US", "company", "business")


def test_find_non_overlapping_longest_first(index: ActorIndex) -> None:
    # "the US" starts earlier but "US Commerce Department" is longer: the longer one wins.
    found = index.find("Officials at the US Commerce Department and the US Treasury")
    assert [m.actor_id for m in found] == ["us_commerce", "us_treasury"]
    for a, b in zip(found, found[1:]):
        assert a.end <= b.start


def test_find_empty(index: ActorIndex) -> None:
    assert index.find("") == []
    assert index.find("nothing to see here") == []


def test_find_is_fast(index: ActorIndex) -> None:
    text = ("Chinese commentators insisted Beijing's move was a direct response to Washington's "
            "widening technology restrictions, said a professor at Renmin University. ") * 2000
    start = time.perf_counter()
    found = index.find(text)
    elapsed = time.perf_counter() - start
    assert len(found) == 3 * 2000
    assert elapsed < 2.0, f"find took {elapsed:.2f}s for {len(text)} chars"


def test_index_pickles(index: ActorIndex) -> None:
    # Workers receive the index pickled; rebuild it through the same reduce protocol
    # (``deepcopy`` uses ``__reduce_ex__``) without unpickling bytes in the project's code.
    assert pickle.dumps(index)
    clone = copy.deepcopy(index)
    assert [m.actor_id for m in clone.find("the White House")] == ["us_government"]


# --- resolve ----------------------------------------------------------------------------------
RESOLVE_CASES = [
    # phrase, expected actor_id, expected side
    ("the White House", "us_government", "US"),
    ("The White House", "us_government", "US"),
    ("Washington", "us_government", "US"),
    ("Washington's", "us_government", "US"),
    ("the Trump administration", "us_government", "US"),
    ("the administration", "us_government", "US"),
    ("the US", "us_government", "US"),
    ("U.S.", "us_government", "US"),
    ("Beijing", "cn_government", "CN"),
    ("China", "cn_government", "CN"),
    ("the central government", "cn_government", "CN"),
    ("China's commerce ministry", "cn_mofcom", "CN"),
    ("the Chinese commerce ministry", "cn_mofcom", "CN"),
    ("President Trump", "donald_trump", "US"),
    ("Trump.", "donald_trump", "US"),
    ("US President Donald Trump", "donald_trump", "US"),
    ("Chinese President Xi Jinping", "xi_jinping", "CN"),
    ("the US Commerce Department", "us_commerce", "US"),
    ("USTR", "ustr", "US"),
    ("US lawmakers", "us_congress", "US"),
    ("Huawei", "huawei", "CN"),
    ("Nvidia", "nvidia", "US"),
    ("ByteDance", "bytedance", "CN"),
    ("TSMC", "tsmc", "OTHER"),
    ("a Huawei spokesman", "huawei", "CN"),
    ("a spokesperson for the Chinese foreign ministry", "cn_mfa", "CN"),
    ("Commerce Secretary Howard Lutnick", "howard_lutnick", "US"),
    ("the Global Times", "global_times", "CN"),
    ("Republicans", "us_republicans", "US"),
    ("a senior administration official", "us_government", "US"),
    ("Huawei Technologies Co., Ltd.", "huawei", "CN"),  # legal-form words keep the referent
    ("Chinese Foreign Ministry spokesperson Lin Jian", "lin_jian", "CN"),  # the head
    ("the Chinese embassy in Washington", "cn_embassy_us", "CN"),
]


@pytest.mark.parametrize("phrase,actor_id,side", RESOLVE_CASES)
def test_resolve(index: ActorIndex, phrase: str, actor_id: str, side: str) -> None:
    match = index.resolve(phrase)
    assert match is not None, phrase
    assert (match.actor_id, match.side) == (actor_id, side)
    assert phrase[match.start:match.end] == match.text


@pytest.mark.parametrize("phrase", [
    "Chinese commentators",  # a demonym is a side, not an actor
    "Beijing's move",  # a possessor is not the referent
    "Trump's trade adviser",
    "director of the China program",  # a topic modifier is not the referent
    "a professor",
    "",
    "   ",
])
def test_resolve_none(index: ActorIndex, phrase: str) -> None:
    assert index.resolve(phrase) is None


def test_resolve_head_only_refuses_modifiers(index: ActorIndex) -> None:
    assert index.resolve("a Huawei spokesman", head_only=True) is None
    assert index.resolve("the China Program", head_only=True) is None
    assert index.resolve("Huawei Technologies Co", head_only=True).actor_id == "huawei"


def test_resolve_is_cached_and_stable(index: ActorIndex) -> None:
    assert index.resolve("the White House") is index.resolve("the White House")


def test_lookup(index: ActorIndex) -> None:
    assert index.lookup("The White House") == "us_government"
    assert index.lookup("white house") is None


# --- side_of_descriptor -----------------------------------------------------------------------
DESCRIPTOR_CASES = [
    # descriptor, expected side, expected evidence
    ("a professor at Renmin University in Beijing", "CN", "institution:renmin_university"),
    ("director of the China program at the Stimson Center in Washington", "US",
     "institution:stimson_center"),
    ("a researcher at a university in Nanjing", "CN", "place:Nanjing"),
    ("a Chinese commentator", "CN", "demonym:Chinese"),
    ("Chinese commentators", "CN", "demonym:Chinese"),
    ("US lawmakers", "US", "actor:us_congress"),
    ("a spokesperson for the Chinese foreign ministry", "CN", "actor:cn_mfa"),
    ("a senior fellow at the Peterson Institute for International Economics", "US",
     "institution:piie"),
    ("an analyst at Nvidia", "US", "actor:nvidia"),
    ("a Chinese researcher at Stanford", "US", "place:Stanford"),  # where they work wins
    ("an American economist at Peking University", "CN", "institution:peking_university"),
    ("an economist based in Shanghai", "CN", "place:Shanghai"),
    ("a Shanghai-based analyst", "CN", "place:Shanghai"),
    ("a fellow at the University of California", "US", "place:California"),
    ("a US official", "US", "demonym:US"),
    ("an American commentator", "US", "demonym:American"),
    ("a former adviser to President Trump", "US", "actor:donald_trump"),
    ("an official from Washington", "US", "place:Washington"),
    ("a professor at Renmin University of China", "CN", "institution:renmin_university"),
    ("a China expert at Brookings", "US", "institution:brookings"),
    ("an expert on US-China relations", "UNKNOWN", ""),  # topic, not allegiance
    ("a China expert", "UNKNOWN", ""),  # a country as topic of expertise
    ("an economist at the China program", "UNKNOWN", ""),
    ("a China hawk in Congress", "US", "actor:us_congress"),
    ("a Beijing official", "CN", "actor:cn_government"),
    ("a professor of international relations at a Beijing university", "CN", "place:Beijing"),
    ("a Chinese analyst at a think tank in Tokyo", "OTHER", "place:Tokyo"),
    ("Hu Xijin, the former editor of the Global Times", "CN", "actor:global_times"),
    ("a US-based analyst", "US", "place:US"),
    ("Chinese Foreign Ministry spokesperson Lin Jian", "CN", "actor:cn_mfa"),
    ("a retired teacher", "UNKNOWN", ""),
    ("", "UNKNOWN", ""),
]


@pytest.mark.parametrize("descriptor,side,evidence", DESCRIPTOR_CASES)
def test_side_of_descriptor(index: ActorIndex, descriptor: str, side: str,
                            evidence: str) -> None:
    assert index.side_of_descriptor(descriptor) == (side, evidence)


def test_topic_word_never_beats_institution(index: ActorIndex) -> None:
    side, evidence = index.side_of_descriptor(
        "head of the China studies program at the Council on Foreign Relations")
    assert (side, evidence) == ("US", "institution:cfr")


# --- demonyms, places, outlets ----------------------------------------------------------------
@pytest.mark.parametrize("word,side", [
    ("Chinese", "CN"), ("American", "US"), ("Americans", "US"), ("american", "US"),
    ("U.S.", "US"), ("French", None), ("", None),
])
def test_demonym_side(index: ActorIndex, word: str, side: str | None) -> None:
    assert index.demonym_side(word) == side


@pytest.mark.parametrize("phrase,side", [
    ("Nanjing", "CN"), ("Silicon Valley", "US"), ("the mainland", "CN"), ("Paris", None),
])
def test_place_side(index: ActorIndex, phrase: str, side: str | None) -> None:
    assert index.place_side(phrase) == side


@pytest.mark.parametrize("outlet,country,expected", [
    ("Global Times", None, ("CN", "outlet:Global Times")),
    ("global times", "US", ("CN", "outlet:Global Times")),  # registry beats the record
    ("The Global Times", None, ("CN", "outlet:Global Times")),
    ("Xinhua News Agency", None, ("CN", "outlet:Xinhua")),
    ("SCMP", None, ("OTHER", "outlet:South China Morning Post")),
    ("Some Blog", "us", ("US", "country:US")),
    ("Some Blog", "OTHER", ("OTHER", "country:OTHER")),
    ("Some Blog", "China", ("CN", "country:CN")),
    ("Some Blog", "FR", ("UNKNOWN", "")),
    (None, None, ("UNKNOWN", "")),
    ("", "", ("UNKNOWN", "")),
])
def test_outlet_side(index: ActorIndex, outlet: str | None, country: str | None,
                     expected: tuple[str, str]) -> None:
    assert index.outlet_side(outlet, country) == expected


# --- the registry is configuration ------------------------------------------------------------
def _write_config(tmp_path: Path, actors: dict) -> Path:
    cfg = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf8"))
    cfg["actors_file"] = "my_actors.yaml"
    (tmp_path / "my_actors.yaml").write_text(yaml.safe_dump(actors), encoding="utf8")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf8")
    return path


def test_config_rejects_actor_with_unknown_side(tmp_path: Path) -> None:
    path = _write_config(tmp_path, {"actors": [
        {"id": "elysee", "name": "French government", "side": "FR", "type": "government",
         "aliases": ["Paris"]}]})
    with pytest.raises(BlamegraphError, match=r"E026.*elysee.*FR"):
        load_config(path)


def test_config_rejects_duplicate_actor_id(tmp_path: Path) -> None:
    actor = {"id": "x", "name": "X", "side": "US", "type": "body", "aliases": ["X"]}
    path = _write_config(tmp_path, {"actors": [actor, actor]})
    with pytest.raises(BlamegraphError, match="E027"):
        load_config(path)


def test_config_rejects_outlet_with_unknown_side(tmp_path: Path) -> None:
    path = _write_config(tmp_path, {"outlets": [{"name": "Le Monde", "side": "FR"}]})
    with pytest.raises(BlamegraphError, match="E028"):
        load_config(path)


def test_config_rejects_unknown_actor_field(tmp_path: Path) -> None:
    path = _write_config(tmp_path, {"actors": [
        {"id": "x", "name": "X", "side": "US", "type": "body", "alias": ["X"]}]})
    with pytest.raises(BlamegraphError, match="E022"):
        load_config(path)


def test_custom_registry_drives_the_index(tmp_path: Path) -> None:
    # The dispute is configuration: a tiny registry finds only its own actors.
    path = _write_config(tmp_path, {"actors": [
        {"id": "brussels", "name": "European Commission", "side": "OTHER", "type": "body",
         "aliases": ["Brussels", "the Commission"]}]})
    index = ActorIndex(load_config(path))
    assert [(m.text, m.actor_id) for m in index.find("The Commission and Beijing")] == [
        ("The Commission", "brussels")]


def test_default_registry_is_valid_and_unambiguous() -> None:
    loaded = load_config()
    seen: dict[str, str] = {}
    for actor in loaded.registry.actors:
        for alias in actor.aliases:
            assert seen.setdefault(alias, actor.id) == actor.id, (
                f"alias {alias!r} listed for {seen[alias]!r} and {actor.id!r}")
