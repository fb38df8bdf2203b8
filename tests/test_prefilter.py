"""The sentence pre-filter: same-length blanking, what it keeps, and that statements survive."""
from __future__ import annotations

import copy

import pytest

from pipeline.config import load_config
from pipeline.prefilter import PrefilterStats, blank_uninformative, kept_sentences, \
    sentence_spans

NARRATION = "Shares fell 4 percent in Shanghai. Port traffic rose in May."

# sentence → kept by the pre-filter (no context sentences)
CASES = [
    ("Exports of soybeans dropped to 40 million tons in the second quarter.", False),
    ("The yuan weakened to 7.1 per dollar.", False),
    ("The ministry said the tariffs were unfair.", True),
    ("Beijing accused Washington of bullying.", True),
    ("According to the ministry, talks will resume.", True),
    ("\u201cWe will fight to the end.\u201d", True),
    ("Who, after all, tore up the agreement?", True),
    ("Washington's reckless tariffs are to blame for the slump.", True),
    # a passive with a by-agent may report with any verb ("presented by X as …")
    ("The rules had been presented by the department as a narrow measure.", True),
    ("The curbs, portrayed on Friday by Tokyo as routine, took effect.", True),
    ("Prices increased by 4 percent in May.", False),
]


@pytest.mark.parametrize("sentence,kept", CASES)
def test_which_sentences_are_kept(sentence, kept):
    text = f"{NARRATION}\n\n{NARRATION}\n\n{NARRATION} {sentence} {NARRATION}"
    blanked = blank_uninformative(text, context=0)
    assert (sentence in blanked) is kept


def test_same_length_and_line_breaks():
    text = f"HEADLINE\n\n{NARRATION}\n\n{NARRATION} Lee said it was unfair.\n{NARRATION}"
    blanked = blank_uninformative(text, context=0)
    assert len(blanked) == len(text)
    assert [i for i, ch in enumerate(blanked) if ch == "\n"] == \
        [i for i, ch in enumerate(text) if ch == "\n"]
    start = text.index("Lee said")
    assert blanked[start:start + 23] == text[start:start + 23]  # offsets unchanged
    assert "Port traffic" not in blanked.split("\n")[-1]


def test_first_sentences_of_first_two_paragraphs_are_kept():
    text = f"{NARRATION}\n{NARRATION}\n{NARRATION}"
    lines = blank_uninformative(text, context=0).split("\n")
    assert lines[0].startswith("Shares fell") and lines[1].startswith("Shares fell")
    assert not lines[2].strip()


def test_a_quote_over_several_sentences_is_kept_whole():
    text = (f"{NARRATION}\n{NARRATION}\n\u201cWe are ready. Markets fell in May. The rest is "
            f"up to them,\u201d he said. {NARRATION}")
    blanked = blank_uninformative(text, context=0)
    assert "Markets fell in May." in blanked


def test_context_keeps_the_antecedent_of_a_pronoun():
    intro = "Maria Lee is a professor at Fudan University in Shanghai."
    text = f"{NARRATION}\n{NARRATION}\n{NARRATION} {intro} She said the tariffs were unfair."
    assert intro not in blank_uninformative(text, context=0)
    assert intro in blank_uninformative(text, context=1)
    # a statement that names its speaker needs no antecedent
    named = f"{NARRATION}\n{NARRATION}\n{NARRATION} {intro} Lee said the tariffs were unfair."
    assert intro not in blank_uninformative(named, context=1)


def test_a_title_is_never_cut_from_its_name():
    text = f"{NARRATION}\n{NARRATION}\n{NARRATION} Mr. Li also warned that controls would fail."
    assert "Mr. Li also warned" in blank_uninformative(text, context=0)


def test_stats_add_up():
    stats = PrefilterStats()
    text = f"{NARRATION}\n{NARRATION}\n{NARRATION} Lee said it was unfair."
    blank_uninformative(text, context=0, stats=stats)
    assert stats.n_sentences == len(sentence_spans(text)) == 6  # "in May. Lee": one unit
    assert stats.n_kept == len(kept_sentences(text, 0)[0]) == 3
    assert 0 < stats.as_dict()["share_chars_kept"] < 1


def test_sentence_spans_cover_every_sentence():
    text = ('He left. "Why?" she asked.\n\nU.S. officials met.  Then 3 more came. Mr. Li and '
            'Sen. J. Cruz spoke. It ended.')
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "He left.", '"Why?" she asked.', "U.S. officials met.", "Then 3 more came.",
        "Mr. Li and Sen. J. Cruz spoke.", "It ended."]
    assert sentence_spans("") == [] and sentence_spans("\n \n") == []


def test_statements_are_the_same_with_and_without_the_prefilter():
    """Blanking narration changes no statement of a typical article: same spans, speakers."""
    from pipeline.schema import Document
    from pipeline.statements import StatementExtractor

    text = ("WASHINGTON, May 3 (Wire) \u2014 The Commerce Department added 12 Chinese firms to "
            "the entity list on Friday.\n\n"
            "The list now covers more than 600 companies. Shares of chipmakers fell 3 percent.\n\n"
            "Commerce Secretary Gina Raimondo said the firms had helped China's military. "
            "\u201cWe will not let our technology be used against us,\u201d she told reporters."
            "\n\nTrade between the two countries fell 8 percent last year. Port traffic in "
            "Seattle slowed in March.\n\nChina's commerce ministry accused Washington of "
            "abusing export controls and said it would take \u201cnecessary measures.\u201d")
    doc = Document("d1", text, "x", 1, outlet="Pacific Wire Service", country="US")
    on = StatementExtractor(load_config())
    off = StatementExtractor(load_config(overrides=["statements.prefilter=false"]), nlp=on.nlp)
    key = [(s.kind, s.start, s.end, s.speaker, s.speaker_side, s.cue)
           for s in next(on.process([copy.deepcopy(doc)]))[1]]
    assert key == [(s.kind, s.start, s.end, s.speaker, s.speaker_side, s.cue)
                   for s in next(off.process([copy.deepcopy(doc)]))[1]]
    assert len(key) >= 3
    assert on.prefilter_stats.n_kept < on.prefilter_stats.n_sentences


def _inflections(lemma: str) -> list[str]:
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    past = stem[:-1] + "ied" if lemma.endswith("y") and lemma[-2] not in "aeiou" else stem + "ed"
    return [lemma, past]


def test_every_cue_lemma_of_the_rules_survives_the_prefilter():
    """A cue added to the rules' lexicons must never be blanked: the pre-filter's surface list
    is derived from them (a hand-kept copy once dropped "recalled")."""
    from pipeline import lexicons as lex
    from pipeline.quotes import ALL_QUOTE_CHARS

    quote_chars = frozenset(ALL_QUOTE_CHARS)
    missed = [form for lemma in sorted(lex.CUE_LEMMAS | lex.VIEW_VERBS)
              for form in _inflections(lemma)
              if not lex.may_hold_statement(f"The former negotiator {form} that it was over.",
                                            quote_chars)]
    assert missed == []


def test_a_text_passed_on_whole_counts_as_all_kept():
    stats = PrefilterStats()
    text = f"{NARRATION}\n{NARRATION}"
    stats.keep_whole(text)
    assert stats.n_sentences == stats.n_kept == len(sentence_spans(text))
    assert stats.as_dict()["share_chars_kept"] == 1.0


def test_with_the_author_model_only_wire_copy_is_filtered():
    from pipeline.statements import is_wire_copy

    wire = "Chip curbs widen\n\nBEIJING, May 2 (Pacific Rim Wire) - Exports fell."
    assert is_wire_copy(wire, "Pacific Rim Wire", frozenset())
    assert not is_wire_copy(wire, "Pacific Rim Wire", frozenset({"pacific rim wire"}))
    assert not is_wire_copy("Washington's tariffs are a self-inflicted wound.", None,
                            frozenset())
