"""Per-dispute configurations in ``configs/disputes/``: each loads, has exactly its two sides and
a real actor registry, resolves the obvious metonyms of its dispute, and resolves the blame
targets of the labelled passages (``corpora/labels/passages/<dispute>.jsonl``) to the labelled
side.

Run as a script for the coverage report::

    .venv/bin/python tests/test_dispute_configs.py
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # when run as a script
    sys.path.insert(0, str(REPO))

from pipeline.actors import ActorIndex  # noqa: E402
from pipeline.config import SPECIAL_SIDES, load_config  # noqa: E402

DISPUTE_DIR = REPO / "configs" / "disputes"
PASSAGES = REPO / "corpora" / "labels" / "passages"

# dispute -> its two side codes, in the order of the labelled data's "sides"
SIDES = {
    "us_china_trade_tech": ["US", "CN"],
    "netherlands_china_chips": ["NL", "CN"],
    "eu_china_ev": ["EU", "CN"],
    "us_eu_steel": ["US", "EU"],
    "uk_china_5g": ["UK", "CN"],
    "india_china_apps": ["IN", "CN"],
    "japan_korea_export_controls": ["JP", "KR"],
    "australia_china_barley_wine": ["AU", "CN"],
    "us_canada_lumber": ["US", "CA"],
    "russia_sanctions": ["RU", "WEST"],
    "canada_china_canola": ["CA", "CN"],
    "china_lithuania_coercion": ["LT", "CN"],
    "eu_us_digital_rules": ["EU", "US"],
    "indonesia_eu_nickel": ["ID", "EU"],
}
MIN_ACTORS = 15
# Share of labelled blame targets that carry a name (see named_target) which must resolve to an
# actor of the labelled side.
MIN_NAMED_COVERAGE = 0.85


def config_paths() -> list[Path]:
    return sorted(p for p in DISPUTE_DIR.glob("*.yaml") if not p.stem.endswith("_actors"))


_LOADED: dict[str, tuple] = {}


def loaded_index(dispute: str):
    if dispute not in _LOADED:
        lc = load_config(DISPUTE_DIR / f"{dispute}.yaml")
        _LOADED[dispute] = (lc, ActorIndex(lc))
    return _LOADED[dispute]


# --- coverage of the labelled blame targets --------------------------------------------------
# Targets such as "the government", "they", "Both capitals" or "Ministers" need the passage
# (coreference, the outlet's country) to resolve; no registry can or should map them. A target
# is "named" when it holds a capitalised word other than a sentence-initial determiner, pronoun
# or common noun.
_GENERIC_FIRST = frozenset("""
The A An Our Both Their Its His Her It They We He She Certain Some Successive Neither Each
Those These This That Two Relevant Members Ministers Officials Governments Government Everyone
Nobody Them Us Whose Who Any All No One Several Many Most Such Other Another My Your
""".split())


def named_target(target: str) -> bool:
    tokens = re.findall(r"[\w'\u2019.-]+", target)
    return any(tok[:1].isupper() and not (i == 0 and tok in _GENERIC_FIRST)
               for i, tok in enumerate(tokens))


def blame_targets(dispute: str) -> list[tuple[str, str]]:
    """(target, labelled side) for every blame entry of the dispute's labelled passages."""
    path = PASSAGES / f"{dispute}.jsonl"
    out = []
    with path.open(encoding="utf8") as f:
        for line in f:
            if not line.strip():
                continue
            passage = json.loads(line)
            for statement in passage.get("statements", []):
                for blame in statement.get("blame") or []:
                    out.append((blame["target"], blame["side"]))
    return out


def coverage(dispute: str) -> dict:
    """How many labelled blame targets ActorIndex.resolve maps to an actor of the labelled side,
    over all targets and over named targets; plus the misses."""
    _, index = loaded_index(dispute)
    n = ok = n_named = ok_named = 0
    misses = []
    for target, side in blame_targets(dispute):
        match = index.resolve(target)
        good = match is not None and match.side == side
        is_named = named_target(target)
        n += 1
        ok += good
        n_named += is_named
        ok_named += good and is_named
        if not good:
            misses.append((target, side, match.actor_id if match else None, is_named))
    return {"n": n, "ok": ok, "n_named": n_named, "ok_named": ok_named, "misses": misses}


def outlet_coverage(dispute: str) -> tuple[int, int]:
    """Passages whose outlet the registry assigns to the labelled outlet_side."""
    _, index = loaded_index(dispute)
    n = ok = 0
    with (PASSAGES / f"{dispute}.jsonl").open(encoding="utf8") as f:
        for line in f:
            if line.strip():
                p = json.loads(line)
                n += 1
                ok += index.outlet_side(p.get("outlet"), None)[0] == p.get("outlet_side")
    return ok, n


# --- tests ------------------------------------------------------------------------------------
def test_every_dispute_has_a_config():
    assert {p.stem for p in config_paths()} == set(SIDES)


@pytest.mark.parametrize("path", config_paths(), ids=lambda p: p.stem)
def test_config_loads_with_its_two_sides(path: Path):
    lc = load_config(path)
    dispute = path.stem
    assert lc.cfg.dispute == dispute
    assert lc.cfg.seed == 13
    assert lc.cfg.side_codes == SIDES[dispute]
    assert lc.cfg.divergence.groups == SIDES[dispute]
    for side in lc.cfg.sides:
        assert side.name and side.places, side.code
    assert len(lc.registry.actors) >= MIN_ACTORS
    allowed = set(SIDES[dispute]) | set(SPECIAL_SIDES)
    assert {a.side for a in lc.registry.actors} <= allowed
    # both sides are populated, and every side has a government-like actor
    for code in SIDES[dispute]:
        assert any(a.side == code and a.type in ("government", "body", "group")
                   for a in lc.registry.actors), code
    assert lc.registry.outlets
    issues = lc.cfg.issues
    assert issues.trade and issues.technology and issues.other and issues.linkage


@pytest.mark.parametrize("path", config_paths(), ids=lambda p: p.stem)
def test_actors_file_is_relative_and_local(path: Path):
    lc = load_config(path)
    assert not Path(lc.cfg.actors_file).is_absolute()
    if path.stem == "us_china_trade_tech":
        assert lc.actors_path == (REPO / "configs" / "actors.yaml").resolve()
    else:
        assert lc.actors_path == (DISPUTE_DIR / f"{path.stem}_actors.yaml").resolve()


@pytest.mark.parametrize("path", config_paths(), ids=lambda p: p.stem)
def test_no_alias_belongs_to_two_actors(path: Path):
    lc = load_config(path)
    owner: dict[str, str] = {}
    clashes = []
    for actor in lc.registry.actors:
        for alias in {*actor.aliases, actor.name}:
            if owner.setdefault(alias, actor.id) != actor.id:
                clashes.append((alias, owner[alias], actor.id))
    assert not clashes


SPOT_CHECKS = [
    ("us_china_trade_tech", "Washington", "US"),
    ("us_china_trade_tech", "the White House", "US"),
    ("us_china_trade_tech", "Beijing", "CN"),
    ("us_china_trade_tech", "China's commerce ministry", "CN"),
    ("netherlands_china_chips", "The Hague", "NL"),
    ("netherlands_china_chips", "the Dutch government", "NL"),
    ("netherlands_china_chips", "ASML", "NL"),
    ("netherlands_china_chips", "Wingtech", "CN"),
    ("netherlands_china_chips", "Beijing", "CN"),
    ("netherlands_china_chips", "Washington", "OTHER"),
    ("eu_china_ev", "Brussels", "EU"),
    ("eu_china_ev", "the Commission", "EU"),
    ("eu_china_ev", "Berlin", "EU"),
    ("eu_china_ev", "BYD", "CN"),
    ("eu_china_ev", "China's Ministry of Commerce", "CN"),
    ("us_eu_steel", "Brussels", "EU"),
    ("us_eu_steel", "the bloc", "EU"),
    ("us_eu_steel", "the White House", "US"),
    ("us_eu_steel", "Harley-Davidson", "US"),
    ("us_eu_steel", "Beijing", "OTHER"),
    ("uk_china_5g", "Downing Street", "UK"),
    ("uk_china_5g", "London", "UK"),
    ("uk_china_5g", "the National Cyber Security Centre", "UK"),
    ("uk_china_5g", "Huawei", "CN"),
    ("uk_china_5g", "Washington", "OTHER"),
    ("india_china_apps", "New Delhi", "IN"),
    ("india_china_apps", "the Enforcement Directorate", "IN"),
    ("india_china_apps", "ByteDance", "CN"),
    ("india_china_apps", "Xiaomi India", "CN"),
    ("japan_korea_export_controls", "Tokyo", "JP"),
    ("japan_korea_export_controls", "the Abe government", "JP"),
    ("japan_korea_export_controls", "METI", "JP"),
    ("japan_korea_export_controls", "Seoul", "KR"),
    ("japan_korea_export_controls", "the Blue House", "KR"),
    ("japan_korea_export_controls", "Samsung Electronics", "KR"),
    ("japan_korea_export_controls", "North Korea", "OTHER"),
    ("australia_china_barley_wine", "Canberra", "AU"),
    ("australia_china_barley_wine", "the Morrison government", "AU"),
    ("australia_china_barley_wine", "DFAT", "AU"),
    ("australia_china_barley_wine", "Beijing", "CN"),
    ("australia_china_barley_wine", "the Chinese embassy in Canberra", "CN"),
    ("us_canada_lumber", "Ottawa", "CA"),
    ("us_canada_lumber", "the Trudeau government", "CA"),
    ("us_canada_lumber", "Canfor", "CA"),
    ("us_canada_lumber", "Washington", "US"),
    ("us_canada_lumber", "the US Lumber Coalition", "US"),
    ("us_canada_lumber", "a NAFTA panel", "OTHER"),
    ("russia_sanctions", "Moscow", "RU"),
    ("russia_sanctions", "the Kremlin", "RU"),
    ("russia_sanctions", "Gazprom", "RU"),
    ("russia_sanctions", "Washington", "WEST"),
    ("russia_sanctions", "Brussels", "WEST"),
    ("russia_sanctions", "the collective West", "WEST"),
    ("russia_sanctions", "the G7", "WEST"),
    ("russia_sanctions", "Kyiv", "OTHER"),
    ("canada_china_canola", "Ottawa", "CA"),
    ("canada_china_canola", "the Trudeau government", "CA"),
    ("canada_china_canola", "the Canola Council of Canada", "CA"),
    ("canada_china_canola", "the Conservatives", "CA"),
    ("canada_china_canola", "Beijing", "CN"),
    ("canada_china_canola", "Huawei", "CN"),
    ("canada_china_canola", "Meng Wanzhou", "CN"),
    ("canada_china_canola", "the Chinese embassy in Ottawa", "CN"),
    ("canada_china_canola", "Washington", "OTHER"),
    ("china_lithuania_coercion", "Vilnius", "LT"),
    ("china_lithuania_coercion", "the Šimonytė government", "LT"),
    ("china_lithuania_coercion", "the Lithuanian Confederation of Industrialists", "LT"),
    ("china_lithuania_coercion", "Beijing", "CN"),
    ("china_lithuania_coercion", "China's customs", "CN"),
    ("china_lithuania_coercion", "Brussels", "OTHER"),
    ("china_lithuania_coercion", "Taipei", "OTHER"),
    ("china_lithuania_coercion", "Continental", "OTHER"),
    ("eu_us_digital_rules", "Brussels", "EU"),
    ("eu_us_digital_rules", "the Commission", "EU"),
    ("eu_us_digital_rules", "Paris", "EU"),
    ("eu_us_digital_rules", "the White House", "US"),
    ("eu_us_digital_rules", "USTR", "US"),
    ("eu_us_digital_rules", "Apple", "US"),
    ("eu_us_digital_rules", "Public Citizen", "US"),
    ("eu_us_digital_rules", "BEUC", "EU"),
    ("eu_us_digital_rules", "TikTok", "OTHER"),
    ("indonesia_eu_nickel", "Jakarta", "ID"),
    ("indonesia_eu_nickel", "the energy ministry", "ID"),
    ("indonesia_eu_nickel", "WALHI", "ID"),
    ("indonesia_eu_nickel", "Brussels", "EU"),
    ("indonesia_eu_nickel", "Outokumpu", "EU"),
    ("indonesia_eu_nickel", "Tsingshan", "OTHER"),
    ("indonesia_eu_nickel", "the WTO", "OTHER"),
]


@pytest.mark.parametrize("dispute,phrase,side", SPOT_CHECKS,
                         ids=[f"{d}:{p}" for d, p, _ in SPOT_CHECKS])
def test_spot_check(dispute: str, phrase: str, side: str):
    _, index = loaded_index(dispute)
    match = index.resolve(phrase)
    assert match is not None, phrase
    assert match.side == side, (phrase, match.actor_id, match.side)


PLACE_CHECKS = [
    ("japan_korea_export_controls", "a professor at a university in Osaka", "JP"),
    ("japan_korea_export_controls", "an analyst in Busan", "KR"),
    ("australia_china_barley_wine", "a winemaker from McLaren Vale", "AU"),
    ("uk_china_5g", "a researcher in Cambridge", "UK"),
    ("us_canada_lumber", "an economist in Vancouver", "CA"),
    ("russia_sanctions", "an economist in St. Petersburg", "RU"),
    ("canada_china_canola", "a grain marketing adviser in Saskatoon", "CA"),
    ("china_lithuania_coercion", "a political scientist in Kaunas", "LT"),
]


@pytest.mark.parametrize("dispute,descriptor,side", PLACE_CHECKS,
                         ids=[f"{d}:{p}" for d, p, _ in PLACE_CHECKS])
def test_places_give_expert_sides(dispute: str, descriptor: str, side: str):
    _, index = loaded_index(dispute)
    assert index.side_of_descriptor(descriptor)[0] == side


LABELLED = [d for d in SIDES if (PASSAGES / f"{d}.jsonl").exists()]


@pytest.mark.parametrize("dispute", LABELLED)
def test_labelled_passages_use_the_configured_sides(dispute: str):
    with (PASSAGES / f"{dispute}.jsonl").open(encoding="utf8") as f:
        for line in f:
            if line.strip():
                assert json.loads(line)["sides"] == SIDES[dispute]


@pytest.mark.parametrize("dispute", LABELLED)
def test_named_blame_targets_resolve_to_the_labelled_side(dispute: str):
    cov = coverage(dispute)
    if cov["n_named"] == 0:
        pytest.skip("no named blame targets")
    share = cov["ok_named"] / cov["n_named"]
    missed = [m for m in cov["misses"] if m[3]]
    assert share >= MIN_NAMED_COVERAGE, (share, missed[:20])


def report() -> None:
    print(f"{'dispute':30} {'all targets':>18} {'named targets':>18} {'outlets':>14} actors")
    for dispute in SIDES:
        lc, _ = loaded_index(dispute)
        if dispute not in LABELLED:
            print(f"{dispute:30} {'(no labelled data)':>18} {'':>18} {'':>14} "
                  f"{len(lc.registry.actors)}")
            continue
        cov = coverage(dispute)
        o_ok, o_n = outlet_coverage(dispute)
        print(f"{dispute:30} {cov['ok']:>4}/{cov['n']:<4} {cov['ok'] / cov['n']:6.1%} "
              f"{cov['ok_named']:>4}/{cov['n_named']:<4} "
              f"{cov['ok_named'] / max(cov['n_named'], 1):6.1%} "
              f"{o_ok:>3}/{o_n:<3} {o_ok / o_n:5.0%}  {len(lc.registry.actors)}")
    if "-v" in sys.argv:
        for dispute in LABELLED:
            print(f"\n{dispute} misses (target, labelled side, resolved actor, named):")
            for miss in coverage(dispute)["misses"]:
                print("   ", miss)


if __name__ == "__main__":
    report()
