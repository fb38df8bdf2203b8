"""Sentence pre-filter: parse only the sentences that can hold a statement.

Most sentences of a news article are narration with no speaker (figures, background, market
moves). Tagging, parsing and NER are the costliest part of the statements stage, and their
cost grows with the number of tokens, so the pre-filter hands spaCy a copy of the text in
which every sentence that cannot hold a statement is **blanked**: its characters become
spaces (line breaks stay). The copy has the same length as the original, so every character
offset the statement rules, the entity linker and the speaker resolver produce is still an
offset into the original text, and a document is still one ``Doc``, so speakers resolve across
the whole document. A run of spaces is a single whitespace token for spaCy: a blanked sentence
costs next to nothing.

A sentence is **kept** when

* it holds a quotation mark, a reporting cue (``lexicons.may_hold_statement``: *said*,
  *accused*, *according to* …), an author-blame, stance or verdict word, or is a question
  (the outlet's rhetorical questions);
* it overlaps a quotation (a quote running over several sentences keeps them all);
* it is among the ``context`` sentences before a kept sentence that has a pronoun or opens
  with a quotation mark (the antecedent of *he*, a speaker introduced just before a quote
  that is attributed by context);
* it is the first sentence of one of the first two paragraphs (headline, dateline and lede:
  the statement rules read them to tell wire copy from commentary).

What is lost: entity mentions and speaker introductions in blanked sentences. Entities
(``entities.parquet``) are then reported for kept sentences only, and a speaker introduced in
full only in a blanked sentence far from his quote keeps the short name the quote uses. The
switch is ``statements.prefilter`` (``docs/performance.md`` has the measured speed and the
accuracy on the statements gold set with it on and off).

>>> text = "Markets fell. Exports rose 4 percent. Trade was flat.\\nShe said it was unfair."
>>> blanked = blank_uninformative(text, context=0)
>>> len(blanked) == len(text)
True
>>> blanked.split("\\n")[1]
'She said it was unfair.'
>>> blanked.split("\\n")[0].split()
['Markets', 'fell.']
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import lexicons as lex
from .quotes import ALL_QUOTE_CHARS

_QUOTE_CHARS = frozenset(ALL_QUOTE_CHARS)
# A sentence ends at . ! ? or … (after any closing marks) followed by space and an upper-case
# letter, a digit or an opening mark — but not after a short capitalized word or an initial
# (Mr. Li, Sen. Cruz, U.S. officials, J. Smith): a split there could blank "Mr." away from the
# kept "Li said …". Not splitting after "Iowa." only makes a kept unit longer, never shorter.
_SENT_END = re.compile(
    r"(?<![\s.(\"\u201c][A-Z])(?<![\s.(\"\u201c][A-Z][a-z])(?<![\s.(\"\u201c][A-Z][a-z]{2})"
    r"(?<![\s.(\"\u201c][A-Z][a-z]{3})(?<!^[A-Z])(?<!^[A-Z][a-z])(?<!^[A-Z][a-z]{2})"
    r"(?<!^[A-Z][a-z]{3})"
    r"[.!?\u2026][\"'\u201d\u2019\u00bb)\]]*\s+(?=[\"'\u201c\u2018\u00ab(\[]?[A-Z0-9])")
_BLANK = re.compile(r"[^\n]")
# A sentence that may lean on an earlier one for its speaker: a pronoun, a bare surname-like
# reference after a quote, or a quote opening the sentence (attributed by context).
_NEEDS_ANTECEDENT = re.compile(
    r"\b(?:he|she|they|it|his|her|their|its|him|them)\b|^\s*[\"'\u201c\u2018\u00ab]", re.I)


@dataclass
class PrefilterStats:
    """What the pre-filter kept, summed over the texts it saw."""

    n_sentences: int = 0
    n_kept: int = 0
    n_chars: int = 0
    n_chars_kept: int = 0

    def keep_whole(self, text: str) -> None:
        """Count a text that was passed on unfiltered (every sentence kept)."""
        n = len(sentence_spans(text))
        self.n_sentences += n
        self.n_kept += n
        self.n_chars += len(text)
        self.n_chars_kept += len(text)

    def as_dict(self) -> dict[str, float]:
        return {"sentences": self.n_sentences, "sentences_kept": self.n_kept,
                "chars": self.n_chars, "chars_kept": self.n_chars_kept,
                "share_chars_kept": round(self.n_chars_kept / self.n_chars, 4)
                if self.n_chars else 0.0}


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Rough ``(start, end)`` spans of the sentences of ``text``: one paragraph per line, split
    at sentence-final punctuation followed by an upper-case start.

    >>> text = 'He left. "Why?" she asked.\\nNew line'
    >>> [text[s:e] for s, e in sentence_spans(text)]
    ['He left.', '"Why?" she asked.', 'New line']
    """
    spans = []
    pos = 0
    for line in text.split("\n"):
        start = pos
        for m in _SENT_END.finditer(line):
            end = m.start() + len(m.group().rstrip())
            spans.append((start, pos + end))
            start = pos + m.end()
        if line[start - pos:].strip():
            spans.append((start, pos + len(line.rstrip())))
        pos += len(line) + 1
    return [(s + (len(text[s:e]) - len(text[s:e].lstrip())), e) for s, e in spans
            if text[s:e].strip()]


def _informative(sentence: str) -> bool:
    if sentence.rstrip().endswith("?"):
        return True
    return (lex.may_hold_statement(sentence, _QUOTE_CHARS)
            or bool(lex.AUTHOR_STANCE_RE.search(sentence))
            or bool(lex.AUTHOR_VERDICT_RE.search(sentence)))


def kept_sentences(text: str, context: int = 1) -> tuple[list[tuple[int, int]], int]:
    """The sentence spans the pre-filter keeps, and the number of sentences in ``text``."""
    from .statements import scan_quotes  # the same quote scanner the statement rules use

    spans = sentence_spans(text)
    if not spans:
        return [], 0
    keep = [_informative(text[s:e]) for s, e in spans]
    quotes, _ = scan_quotes(text)
    quoted = [(q["open"], q["close"] if q["close"] >= 0 else q["end"]) for q in quotes]
    if quoted:
        j = 0
        for i, (s, e) in enumerate(spans):  # both lists are sorted by offset
            while j < len(quoted) and quoted[j][1] < s:
                j += 1
            if j < len(quoted) and quoted[j][0] < e:
                keep[i] = True
    first_of_para = [i for i, (s, _) in enumerate(spans) if s == 0 or text[s - 1] == "\n"][:2]
    out = list(keep)
    for i in first_of_para:
        out[i] = True
    for i, k in enumerate(keep):
        if k and context and _NEEDS_ANTECEDENT.search(text[spans[i][0]:spans[i][1]]):
            for j in range(max(0, i - context), i):
                out[j] = True
    return [span for span, k in zip(spans, out) if k], len(spans)


def blank_uninformative(text: str, context: int = 1,
                        stats: PrefilterStats | None = None) -> str:
    """``text`` with every sentence the pre-filter drops replaced by spaces (same length,
    line breaks kept)."""
    kept, n_sentences = kept_sentences(text, context)
    pieces = []
    last = 0
    n_kept_chars = 0
    for s, e in kept:
        pieces.append(_BLANK.sub(" ", text[last:s]))
        pieces.append(text[s:e])
        n_kept_chars += e - s
        last = e
    pieces.append(_BLANK.sub(" ", text[last:]))
    if stats is not None:
        stats.n_sentences += n_sentences
        stats.n_kept += len(kept)
        stats.n_chars += len(text)
        stats.n_chars_kept += n_kept_chars
    return "".join(pieces)
