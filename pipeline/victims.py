"""The victim of a blamed act is not the blamed actor: a syntactic post-rule for blame edges.

The relation model often takes the victim of a punitive act for the actor blamed for it: a
China-side speaker's "Punishing ZTE for … is bullying" gave a CN → ZTE edge, "the sanctions on
Huawei" a CN → Huawei edge. :func:`punitive_act` finds, in a dependency parse, the punitive act
(a verb or a noun) whose **patient** a mention is:

* the object or passive subject of a punitive verb: "punishing *ZTE*", "*Huawei* has been
  discriminated against", "restrictions that hurt *Korean* chipmakers" (a modifier or
  possessor stands for its noun: "*China*'s exporters were hit by tariffs");
* the object of "on", "against", "into" or "of" after a punitive noun: "the ban on *TikTok*",
  "Washington's campaign against *Chinese* firms", "a probe into *Nvidia*";
* the object of "on"/"against"/"into" after a punitive verb: "cracked down on *X*".

Accusation verbs (accuse, blame, criticise) are not punitive: their object is the blamed actor.

:class:`VictimRule` applies it in ``pipeline/blame.py`` to one case only: a candidate that the
model blames, **on the speaker's own side**, that is the patient of a punitive act is dropped
(a speaker does not usually blame their own side's company for the sanctions it suffers).
Blame of another side's mention and real same-side blame ("the administration left farmers
exposed") are untouched. Measured in ``docs/classifiers.md``.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Sequence

# Acts that harm or punish their object. Lemmas (spaCy), lower case.
PUNITIVE_VERBS = frozenset("""
sanction ban punish penalize penalise restrict blacklist target hit hurt harm suppress squeeze
bar block strangle choke discriminate harass bully expropriate seize exclude freeze boycott curb
crush damage victimize victimise coerce raid fine persecute attack cripple smother throttle
blockade embargo contain single tariff sideline kill starve displace injure devastate
disadvantage threaten intimidate pressure force compel
""".split())
PUNITIVE_NOUNS = frozenset("""
sanction ban tariff duty restriction curb control penalty punishment campaign crackdown blacklist
embargo probe raid boycott attack pressure suppression discrimination retaliation blockade siege
levy fine expropriation harassment bullying coercion measure investigation
""".split())
# "the ban on X", "a campaign against X", "a probe into X", "the suppression of X"
NOUN_PATIENT_PREPS = frozenset({"on", "against", "into", "of"})
# "cracked down on X", "discriminated against X" ("of" after a verb is not a patient)
VERB_PATIENT_PREPS = frozenset({"on", "against", "into"})
# A mention that modifies a noun stands for that noun: "Chinese firms", "Korea's chipmakers".
_MODIFIER_DEPS = frozenset({"poss", "amod", "compound", "nmod"})
_CLIMB_DEPS = frozenset({"conj", "appos"})


def _phrase_head(tok: Any) -> Any:
    """The noun a mention stands for: up through conjuncts ("Huawei and *ZTE*"), appositions
    and modifiers ("*Chinese* firms", "*China*'s exporters")."""
    for _ in range(6):
        head = tok.head
        if head is tok:
            break
        if tok.dep_ in _CLIMB_DEPS or (tok.dep_ in _MODIFIER_DEPS
                                       and head.pos_ in ("NOUN", "PROPN")):
            tok = head
        else:
            break
    return tok


def punitive_act(doc: Any, start: int, end: int) -> Any:
    """The token of the punitive act whose patient the mention at character offsets
    ``[start, end)`` of the parsed ``doc`` is, or None.

    >>> import spacy
    >>> from spacy.tokens import Doc
    >>> nlp = spacy.blank("en")
    >>> words = ["The", "ban", "on", "TikTok", "hurts", "users", "."]
    >>> doc = Doc(nlp.vocab, words=words, heads=[1, 4, 1, 2, 4, 4, 4],
    ...           deps=["det", "nsubj", "prep", "pobj", "ROOT", "dobj", "punct"],
    ...           pos=["DET", "NOUN", "ADP", "PROPN", "VERB", "NOUN", "PUNCT"],
    ...           lemmas=["the", "ban", "on", "TikTok", "hurt", "user", "."])
    >>> punitive_act(doc, 11, 17).text, punitive_act(doc, 24, 29).text
    ('ban', 'hurts')
    >>> punitive_act(doc, 4, 7) is None
    True
    """
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    tok = _phrase_head(span.root)
    head = tok.head
    if (tok.dep_ in ("dobj", "obj", "nsubjpass") and head.pos_ in ("VERB", "AUX")
            and head.lemma_.lower() in PUNITIVE_VERBS):
        return head
    if tok.dep_ == "pobj" and head.dep_ == "prep":
        act, prep = head.head, head.lower_
        lemma = act.lemma_.lower()
        if act.pos_ == "NOUN" and lemma in PUNITIVE_NOUNS and prep in NOUN_PATIENT_PREPS:
            return act
        if act.pos_ == "VERB" and lemma in PUNITIVE_VERBS and prep in VERB_PATIENT_PREPS:
            return act
    return None


# A sentence ends at . ! or ? (and a closing quote) before space and a capital or an opening
# quote. Good enough to cut a window down to the clause a candidate is in; a missed boundary
# only makes the parsed text longer.
_SENTENCE_END = re.compile(r"""[.!?]["'\u201d\u2019)]*\s+(?=["'\u201c\u2018(]?[A-Z])""")


def sentence_bounds(text: str, window: tuple[int, int], start: int, end: int
                    ) -> tuple[int, int]:
    """The sentence of ``text[window]`` holding ``[start, end)``, as offsets into ``text``.

    >>> t = "Tariffs rose. The ban on ZTE hurt. Talks failed."
    >>> s, e = sentence_bounds(t, (0, len(t)), 25, 28); t[s:e]
    'The ban on ZTE hurt. '
    """
    lo, hi = window
    piece = text[lo:hi]
    s, e = 0, len(piece)
    for m in _SENTENCE_END.finditer(piece):
        if m.end() <= start - lo:
            s = m.end()
        elif m.start() >= end - lo:
            e = m.end()
            break
    return lo + s, lo + e


class VictimRule:
    """Finds which same-side blamed candidates of a statement are victims of a punitive act.

    Parses only the sentences of the statement's window that hold such a candidate, and only
    when a same-side candidate reached the blame threshold, so its cost is a small fraction of
    a run. ``nlp`` is any spaCy pipeline with a parser, tagger and lemmatizer.
    """

    def __init__(self, nlp: Any):
        self.nlp = nlp

    @classmethod
    def from_models(cls, models: Sequence[str]) -> "VictimRule":
        from .statements import load_spacy

        nlp = load_spacy(list(models))
        keep = {"tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"}
        nlp.select_pipes(enable=[p for p in nlp.pipe_names if p in keep])
        return cls(nlp)

    def victims(self, text: str, window: tuple[int, int],
                spans: Iterable[tuple[int, int]]) -> set[int]:
        """Indices of ``spans`` (character offsets in ``text``, inside ``window``) that are the
        patient of a punitive act in the parse of their sentence of ``text[window]``."""
        by_sentence: dict[tuple[int, int], list[int]] = {}
        spans = list(spans)
        for k, (start, end) in enumerate(spans):
            if window[0] <= start and end <= window[1]:
                by_sentence.setdefault(sentence_bounds(text, window, start, end), []).append(k)
        out = set()
        sentences = sorted(by_sentence)
        for (lo, hi), doc in zip(sentences, self.nlp.pipe(text[lo:hi] for lo, hi in sentences)):
            for k in by_sentence[(lo, hi)]:
                if punitive_act(doc, spans[k][0] - lo, spans[k][1] - lo) is not None:
                    out.add(k)
        return out
