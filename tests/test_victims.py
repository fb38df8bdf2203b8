"""The victim post-rule (pipeline/victims.py, BlameStage._edges): the patient of a punitive
act on the speaker's own side is not blamed; accusations' objects, agents and real same-side
blame are untouched."""
from __future__ import annotations

import pytest

from pipeline.blame import BlameStage, Scored, Target
from pipeline.config import load_config
from pipeline.schema import Document, Statement
from pipeline.victims import VictimRule, punitive_act, sentence_bounds


@pytest.fixture(scope="module")
def rule() -> VictimRule:
    return VictimRule.from_models(load_config().cfg.statements.spacy_models)


# (sentence, mention, lemma of the punitive act whose patient the mention is, or None)
PATIENTS = [
    ("Punishing ZTE for alleged breaches of export rules was naked bullying by Washington.",
     "ZTE", "punish"),
    ("The sanctions on Huawei are unjust, the ministry said.", "Huawei", "sanction"),
    ("The ban on TikTok tells every investor that success will be punished.", "TikTok", "ban"),
    ("These restrictions hurt Korean chipmakers that bought the equipment.", "Korean", "hurt"),
    ("China's exporters were hit by tariffs.", "China", "hit"),
    ("Washington's campaign against Chinese firms has moved on.", "Chinese", "campaign"),
    ("Beijing barred Micron's chips from critical projects.", "Micron", "bar"),
    ("Huawei has been discriminated against simply because it is Chinese.", "Huawei",
     "discriminate"),
    ("Washington's sanctions on Huawei and ZTE hurt Chinese firms.", "ZTE", "sanction"),
    ("Brussels is punishing Chinese carmakers for their success.", "Chinese", "punish"),
]
NOT_PATIENTS = [
    ("Washington's campaign against Chinese firms has moved on.", "Washington"),
    ("The ministry accused Washington of bullying Chinese firms.", "Washington"),
    ("Opposition MPs accused ministers of leaving customers to pay.", "ministers"),
    ("The administration left American farmers exposed to retaliation.", "administration"),
    ("Beijing barred Micron's chips from critical projects.", "Beijing"),
    ("The US imposed sanctions on Huawei.", "US"),
    ("Congress blamed the Commerce Department for the leaky licensing process.",
     "Commerce Department"),
]


@pytest.mark.parametrize("sentence,mention,lemma", PATIENTS,
                         ids=[f"{m}:{s[:30]}" for s, m, _ in PATIENTS])
def test_patient_of_a_punitive_act(rule, sentence, mention, lemma):
    doc = rule.nlp(sentence)
    start = sentence.index(mention)
    act = punitive_act(doc, start, start + len(mention))
    assert act is not None and act.lemma_.lower() == lemma


@pytest.mark.parametrize("sentence,mention", NOT_PATIENTS,
                         ids=[f"{m}:{s[:30]}" for s, m in NOT_PATIENTS])
def test_agents_and_accused_are_not_victims(rule, sentence, mention):
    doc = rule.nlp(sentence)
    start = sentence.index(mention)
    assert punitive_act(doc, start, start + len(mention)) is None


def _stage(rule: VictimRule | None, on: bool = True) -> BlameStage:
    loaded = load_config(overrides=[f"blame.victim_rule={'true' if on else 'false'}",
                                    "blame.threshold=0.5"])
    stage = BlameStage(loaded, {})
    stage._victim_rule = rule
    return stage


TEXT = ('BEIJING (Wire) -- Punishing ZTE for alleged breaches of export rules was "naked '
        'bullying" by Washington, the commerce ministry said, adding that Chinese regulators '
        'had failed to warn companies.')


def _edges(stage: BlameStage, speaker_side: str, mentions: list[tuple[str, str]],
           probs: list[float]) -> list[tuple[str, str]]:
    targets = []
    for text, side in mentions:
        start = TEXT.index(text)
        targets.append(Target(start, start + len(text), text, None, side))
    st = Statement("d", "d:0", "indirect", "said", TEXT[18:TEXT.index(", the commerce")],
                   18, TEXT.index(", the commerce"), "Chinese Ministry of Commerce",
                   "the commerce ministry", None, None, "government", speaker_side)
    scored = Scored([0.25] * 4, probs, [[0.4, 0.3, 0.3]] * len(probs),
                    [[1.0, 0.0, 0.0, 0.0]] * len(probs))
    labels = {"edge_issue": ["trade", "technology", "linked", "other"]}
    doc = Document("d", TEXT, "x", 1)
    return [(e.blamed, e.blamed_side) for e in
            stage._edges(doc, st, targets, scored, labels, (0, len(TEXT)))]


MENTIONS = [("ZTE", "CN"), ("Washington", "US"), ("Chinese regulators", "CN")]


def test_same_side_victim_gives_no_edge(rule):
    edges = _edges(_stage(rule), "CN", MENTIONS, [0.9, 0.8, 0.7])
    # ZTE, the patient of "punishing", is dropped; the agent and real self-blame stay
    assert edges == [("Washington", "US"), ("Chinese regulators", "CN")]


def test_victim_of_another_side_is_left_to_the_model(rule):
    # a US speaker's "punishing ZTE" may blame ZTE: the rule only covers the speaker's side
    edges = _edges(_stage(rule), "US", MENTIONS, [0.9, 0.1, 0.1])
    assert edges == [("ZTE", "CN")]


def test_rule_switched_off_keeps_the_model_edges(rule):
    edges = _edges(_stage(rule, on=False), "CN", MENTIONS, [0.9, 0.8, 0.1])
    assert edges == [("ZTE", "CN"), ("Washington", "US")]


def test_no_parse_without_a_same_side_candidate_over_the_threshold():
    class Exploding:
        def __call__(self, text):  # pragma: no cover - must not be called
            raise AssertionError("parsed although no same-side candidate was blamed")

    stage = _stage(VictimRule(Exploding()))
    assert _edges(stage, "CN", MENTIONS, [0.1, 0.8, 0.2]) == [("Washington", "US")]


@pytest.mark.parametrize("text,mention,sentence", [
    ('He said so. "Punishing ZTE is bullying." Talks went on.', "ZTE",
     '"Punishing ZTE is bullying." '),
    ("Officials met in the U.S. capital on Monday. Sanctions on Huawei hurt.", "Huawei",
     "Sanctions on Huawei hurt."),
    ("no boundary here, sanctions on Huawei", "Huawei", "no boundary here, sanctions on Huawei"),
])
def test_only_the_candidate_sentence_is_parsed(text, mention, sentence):
    start = text.index(mention)
    lo, hi = sentence_bounds(text, (0, len(text)), start, start + len(mention))
    assert text[lo:hi] == sentence
