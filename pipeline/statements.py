"""Statements: direct quotes, reported speech and the outlet's own voice, with their cues.

Two spaCy components do the work, in the order the data flows:

- ``blamegraph_statements`` (this module) finds every statement of a ``Doc`` — its content span,
  its cue and the mention of the speaker the cue attaches to — and writes ``doc._.bg_statements``,
  a list of plain dicts (str/int/float/None only, so it survives ``nlp.pipe(n_process>1)`` and
  ``DocBin``), plus ``doc._.bg_warnings`` (unclosed quotes and the like).
- ``blamegraph_speakers`` (:mod:`pipeline.speakers`) resolves each mention to a canonical speaker
  within the document and adds role, side, side evidence and the issue tag.

:class:`StatementExtractor` wires both (and ``blamegraph_entities``) into one spaCy pipeline and
streams :class:`~pipeline.schema.Document` records through it.

The approach is the cue–source–content model of quotation attribution (Pareti et al., EMNLP 2013
and the PARC corpus; O'Keefe et al. 2012): direct quotes are found from the quotation marks
(a character-level scanner that knows every mark style of :mod:`pipeline.quotes`, apostrophes,
paragraph continuation and unbalanced marks) and attributed through the reporting verb next to
them, the way textacy's ``extract.triples.direct_quotations`` and newsquotes do; indirect speech
is found from the dependency parse around a curated lemma lexicon of reporting verbs
(:mod:`pipeline.lexicons`). Span conventions (``docs/statements.md``): a direct statement's
content is the text inside the marks; an indirect one's is the reported clause without the
complementizer *that* and without the sentence-final period; *X accused [Y of Z]*; a mixed one's
includes the quoted fragment and its marks; an author statement is the whole sentence.
"""
from __future__ import annotations

import bisect
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Token

from . import lexicons as lex
from .prefilter import PrefilterStats, blank_uninformative
from .quotes import ALL_QUOTE_CHARS, QUOTE_PAIRS

if TYPE_CHECKING:
    from .config import LoadedConfig
    from .schema import Document, Entity, Statement

logger = logging.getLogger(__name__)

STATEMENTS_EXT = "bg_statements"
WARNINGS_EXT = "bg_warnings"
META_EXT = "bg_meta"

# --- quotation marks -----------------------------------------------------------------------------
_QUOTE_CHARS = frozenset(ALL_QUOTE_CHARS | {"\u203a", "\u300d", "\u300f"})
_DOUBLE = frozenset('"\u201c\u201d\u201e\u00ab\u00bb\u300c\u300d\u300e\u300f\uff02')
_SINGLE_OPEN = frozenset("\u2018'\u2039")
_SINGLE_CLOSE = frozenset("\u2019'\u203a")
_OPEN_ONLY = frozenset("\u201c\u201e\u00ab\u300c\u300e")
_CLOSE_ONLY = frozenset("\u201d\u300d\u300f\u00bb")
_DOUBLE_RE = re.compile("[" + re.escape("".join(sorted(_DOUBLE))) + "]")
_SINGLE_RE = re.compile("[" + re.escape("".join(sorted(_SINGLE_OPEN | _SINGLE_CLOSE))) + "]")
_LEFT_BOUNDARY = set("([{\u2014\u2013-/:;,\u2026")
_RIGHT_BOUNDARY = set(".,;:!?)]}\u2014\u2013-\u2026") | set(_QUOTE_CHARS)
_DASHES = frozenset({"\u2014", "\u2013", "--", "-", "\u2015", "\u2012"})
_SENT_END = frozenset({".", "?", "!", "...", "\u2026", "?!", "!?"})
_ATTRIBUTION_AFTER = re.compile(
    r"\s+(?:(?:[A-Z][\w.'\u2019-]*\s+){1,3}|(?:he|she|they|it)\s+"
    r"|(?:the|a|an)\s+(?:[\w-]+\s+){1,6})"
    r"(?:said|says|added|told|asked|warned|argued|noted|insisted|wrote)\b"
    r"|\s+(?:said|says|added)\b")
_MISSING_CLOSE = re.compile(
    r",(?=\s+(?:(?:[A-Z][\w.'\u2019-]+\s+){1,3}|(?:he|she|they|it)\s+"
    r"|(?:the|a|an)\s+(?:\w+\s+){1,3})"
    r"(?:said|says|added|told|asked|warned|argued|noted|insisted|wrote)\b"
    r"|\s+(?:said|says|added)\s+(?:[A-Z]|the\b|a\b))")
# '…." Abernathy said in an interview.': a typo'd period before a short closing attribution
_PERIOD_ATTRIBUTION = re.compile(
    r"[ \t]+(?:[A-Z][\w.'\u2019-]*\s+){1,3}(?:said|says|added|wrote|told\s+\w+)"
    r"(?:\s+(?:on|in|at|to)\s+[^.!?\n\"\u201c\u201d]{1,30})?\s*\.")
_CUE_SPEECH_AFTER_S = re.compile(
    r"\s+(?:said|says|say|told|tells|added|adds|asked|argued|noted|wrote|warned|insisted)\b")


def _closers(opener: str) -> tuple[str, ...]:
    return QUOTE_PAIRS.get(opener, ('"', "\u201d"))


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, stripped. News copy: one paragraph per line."""
    out = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + (len(line) - len(line.lstrip()))
            out.append((start, start + len(stripped)))
        pos += len(line) + 1
    return out


def scan_quotes(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Find quoted spans in ``text``: a character scanner, no parse needed.

    Returns ``(quotes, warnings)``. Each quote is a dict with ``open``/``close`` (offsets of the
    marks; ``close`` is -1 when the quote never closes), ``start``/``end`` (the content inside the
    marks, whitespace-trimmed), ``continued`` (the quote ran over a paragraph break and was
    reopened), ``unbalanced`` and ``single`` (single marks).

    News style rules it follows: a paragraph may end inside a quote and the next paragraph
    reopen it without closing the first (one quote); an unclosed mark ends at the end of its
    paragraph with a warning; apostrophes (China’s, don’t, ’90s) are not marks; single marks are
    quotes only outside double quotes (inside they are nested quotes, part of the content).

    >>> text = 'He said: “It’s over.” Then “no.'
    >>> quotes, warnings = scan_quotes(text)
    >>> [(text[q["start"]:q["end"]], q["unbalanced"]) for q in quotes]
    [('It’s over.', False), ('no.', True)]
    >>> [w["code"] for w in warnings]
    ['E110']
    """
    paras = _paragraphs(text)
    para_starts = [s for s, _ in paras]

    def para_of(pos: int) -> int:
        return max(0, bisect.bisect_right(para_starts, pos) - 1)

    quotes: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    n = len(text)

    def role(p: int, ch: str) -> tuple[bool, bool]:
        prev = text[p - 1] if p > 0 else "\n"
        nxt = text[p + 1] if p + 1 < n else "\n"
        left_open = prev.isspace() or prev in _LEFT_BOUNDARY or prev in _QUOTE_CHARS
        right_open = nxt.isspace() or nxt in _RIGHT_BOUNDARY
        if ch in _OPEN_ONLY:
            # sloppy “…“ and reversed »…«: an opening mark glued to the end of a word closes
            return True, not left_open and right_open
        if ch in _CLOSE_ONLY:
            # reversed guillemets »…«
            return ch == "\u00bb" and left_open and not right_open, True
        can_open = left_open and not nxt.isspace()
        can_close = not prev.isspace() and (right_open or not nxt.isalnum())
        if not can_open and not can_close:
            return True, True  # glued on both sides: let the state decide
        return can_open, can_close

    def emit(open_pos: int, close_pos: int, content_end: int, *, continued: bool,
             unbalanced: bool, single: bool = False) -> None:
        start = open_pos + 1
        while start < content_end and text[start].isspace():
            start += 1
        end = content_end
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start and text[end - 1] == ",":  # "…," she said: the comma is punctuation
            end -= 1
        if end <= start:
            return
        quotes.append({"open": open_pos, "close": close_pos, "start": start, "end": end,
                       "continued": continued, "unbalanced": unbalanced, "single": single})

    def unclosed(open_pos: int, last_para: int, stop: int | None = None) -> None:
        end = paras[last_para][1] if paras else n
        if stop is not None:
            end = min(end, stop)
        warnings.append({"code": "E110", "mark": text[open_pos], "pos": open_pos, "end": end})
        # A forgotten closing mark before the attribution ("We've been burned before, Brandt
        # said …"): the quote ends at that comma, and the attribution is read as usual.
        m = _MISSING_CLOSE.search(text, open_pos + 1, end)
        if m is not None:
            n_quotes = len(quotes)
            emit(open_pos, -1, m.start(), continued=False, unbalanced=True)
            # emit keeps nothing for an empty quote ('", he said.'): then there is no quote to
            # close, and quotes[-1] would be an earlier one (or none at all).
            if len(quotes) > n_quotes:
                quotes[-1]["vclose"] = m.start()
            return
        emit(open_pos, -1, end, continued=False, unbalanced=True)

    open_pos: int | None = None
    open_ch = ""
    last_para = 0
    reopened = False
    for m in _DOUBLE_RE.finditer(text):
        p, ch = m.start(), m.group()
        can_open, can_close = role(p, ch)
        pi = para_of(p)
        if open_pos is not None and pi != last_para:
            if pi == last_para + 1 and paras[pi][0] == p and can_open:
                # News style: a new paragraph may reopen a quote without closing it.
                last_para, reopened = pi, True
                continue
            unclosed(open_pos, last_para)
            open_pos = None
        if open_pos is None:
            if can_open:
                open_pos, open_ch, last_para, reopened = p, ch, pi, False
            elif _ATTRIBUTION_AFTER.match(text, p + 1) and text[p - 1] in ",.?!":
                # A missing opening mark ('They wanted our metals," a manager said.'): the
                # quote runs from the start of its paragraph (or the previous quote's end).
                start = paras[pi][0] if paras else 0
                if quotes and quotes[-1]["end"] >= start:
                    start = max(start, (quotes[-1]["close"] if quotes[-1]["close"] >= 0
                                        else quotes[-1]["end"]) + 1)
                warnings.append({"code": "E114", "mark": ch, "pos": p, "start": start})
                emit(start - 1, p, p, continued=False, unbalanced=True)
            else:
                warnings.append({"code": "E111", "mark": ch, "pos": p})
            continue
        if can_close and (ch in _closers(open_ch) or ch not in _OPEN_ONLY):
            emit(open_pos, p, p, continued=reopened, unbalanced=False)
            open_pos = None
        elif can_open:  # a second opener in the same paragraph: the first never closed
            unclosed(open_pos, last_para, stop=p)
            open_pos, open_ch, last_para, reopened = p, ch, pi, False
        else:
            emit(open_pos, p, p, continued=reopened, unbalanced=False)
            open_pos = None
    if open_pos is not None:
        unclosed(open_pos, last_para)

    # Single marks: only outside double quotes, and only when a closing mark that is not an
    # apostrophe follows in the same paragraph.
    # One flag per character (a <= pos <= b for any quote (a, b)): a list of spans scanned per
    # mark made 10,000 marks take seconds.
    covered = bytearray(n + 1)

    def cover(a: int, b: int) -> None:
        if b >= a:
            covered[a:b + 1] = b"\x01" * (b + 1 - a)

    for q in quotes:
        cover(q["open"], q["close"] if q["close"] >= 0 else q["end"])
    singles = [m.start() for m in _SINGLE_RE.finditer(text)]
    used: set[int] = set()
    for k, p in enumerate(singles):
        ch = text[p]
        if p in used or ch not in _SINGLE_OPEN or covered[p]:
            continue
        prev = text[p - 1] if p > 0 else "\n"
        nxt = text[p + 1] if p + 1 < n else "\n"
        if not (prev.isspace() or prev in _LEFT_BOUNDARY or prev in _QUOTE_CHARS) \
                or not nxt.isalpha():
            continue
        para_end = paras[para_of(p)][1] if paras else n
        for j in range(k + 1, len(singles)):  # not singles[k + 1:]: no copy per mark
            q = singles[j]
            if q >= para_end or q - p > 600:
                break
            if text[q] not in _SINGLE_CLOSE or covered[q]:
                continue
            qprev = text[q - 1]
            qnxt = text[q + 1] if q + 1 < n else "\n"
            if qprev.isspace() or qnxt.isalnum():
                continue  # an opening mark or an apostrophe inside a word
            # "the farmers’ association": a plural possessive, unless a cue follows
            if qprev in "sS" and qnxt == " " and q + 2 < n and text[q + 2].islower() \
                    and not _CUE_SPEECH_AFTER_S.match(text, q + 1):
                continue
            emit(p, q, q, continued=False, unbalanced=False, single=True)
            used.add(q)
            cover(p, q)
            break
    quotes.sort(key=lambda q: q["open"])
    return quotes, warnings


# Words that make a commentary sentence about the parties even without a registry actor.
_POLITY_RE = re.compile(r"\b(?:[Cc]apitals?|[Gg]overnments?|[Aa]dministrations?|"
                        r"[Cc]ountr(?:y|ies)|[Ss]ides?|[Aa]llies|[Pp]artners?|[Tt]hose who|"
                        r"[Nn]ations?|Europe|the West)\b")


# "Such practices seriously violate …", "The measures are a legitimate step …": a subject that
# points back to an actor's acts named before.
_ANAPHORIC_ACTS = re.compile(
    r"(?:such|these|this|those|that|the)\s+(?:\w+\s+)?"
    r"(?:practices?|moves?|measures?|actions?|acts?|"
    r"behaviou?rs?|steps?|tactics?|policies|policy|decisions?|restrictions?|tariffs?|"
    r"sanctions?|claims?|accusations?|remarks?|rhetoric|approach)\b", re.I)
# A sentence whose subject is a pronoun or a demonstrative takes its actor from its context.
_PRONOUN_SUBJECT = re.compile(r"(?:(?:But|And|Yet|So|Still),?\s+)?(?:It|They|This|That|These|"
                              r"Those|Such)\b")
# Indefinite nouns that sum up without judging ("The duties are a response to …", "is a
# member of …"): not verdicts of the evaluative-copula rule.
_NEUTRAL_ATTRS = frozenset("""
response reply member part result sign signal continuation extension follow-up follow
consequence reaction step measure move decision product company country firm group
""".split())
# Real objects of "say" ("said a few words", "said nothing of the kind"): not a clause.
_SAID_OBJECTS = frozenset("""
nothing something anything little much word words thing things prayer goodbye hello thanks
yes no so
""".split())
# A quote this short that no one is credited with is a scare quote in the outlet's voice.
_SCARE_QUOTE_WORDS = 4


def text_of_quote(text: str, q: dict[str, Any]) -> str:
    return text[q["start"]:q["end"]]


def _headline_end(text: str) -> int:
    """End of a headline line at the top of the text (0 when there is none): a first
    paragraph of at most 20 words that has no final punctuation or is in Title Case. Headlines
    are not statements, and their words are never a speaker."""
    first = text.split("\n", 1)[0]
    if "\n" not in text or not first.strip() or _DATELINE.match(first) \
            or first.rstrip().endswith("."):
        return 0  # a dateline or a full sentence, not a headline
    words = first.split()
    if not words or len(words) > 20:
        return 0
    capitalized = sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha())
    if not first.rstrip().endswith((".", "?", "!", '"', "\u201d", "'", "\u2019")) \
            or capitalized >= 0.7 * len(words):
        return len(first)
    return 0


# News datelines: "WASHINGTON, Oct. 8 (Pacific Wire) — ", "BEIJING, July 6 (Xinhua) -- ",
# "AMES, Iowa — ". Not part of any statement, and never a speaker.
_DATELINE = re.compile(
    r"\s*(?:[A-Z][A-Z.'\-]+(?:[ /][A-Z][A-Z.'\-]+)*)(?:,[^\n\u2014\u2013]{0,60}?)?"
    r"(?:\s*\([^)\n]{1,40}\))?\s*(?:\u2014|\u2013|--|-)\s*")

# --- extensions ----------------------------------------------------------------------------------
def install_extensions() -> None:
    """Install the Doc extensions of this stage once; safe to call any number of times."""
    for ext in (STATEMENTS_EXT, WARNINGS_EXT, META_EXT):
        if not Doc.has_extension(ext):
            Doc.set_extension(ext, default=None)


# --- token helpers -------------------------------------------------------------------------------
_PERSONAL = frozenset({"he", "she", "they", "it"})
_SKIP_SUBJECTS = frozenset({"i", "we", "you", "me", "us", "one", "there", "this", "that",
                            "which", "what", "who", "these", "those", "everyone", "nobody",
                            # quantifiers are no one's voice: "Few in Beijing doubt that …"
                            "few", "none", "anyone", "anybody", "everybody", "noone"})
# The outlet naming itself ("This newspaper believes …", "these pages have argued …", "our
# editorial board"): its verdict is an author statement, not someone's reported speech.
_SELF_NOUNS = frozenset("newspaper paper page pages board column editorial publication "
                        "magazine journal newsroom".split())


def _self_reference(subj: Token) -> bool:
    return subj.lower_ in _SELF_NOUNS and any(
        c.dep_ in ("det", "poss") and c.lower_ in ("this", "these", "our")
        for c in subj.children)
_HUMAN_NOUNS = frozenset("""
people critics supporters opponents sources source insiders observers person man woman men women
spokesman spokeswoman spokesperson others side party team camp voices member members someone
somebody delegation delegate delegates
""".split())
_WH = frozenset({"whether", "why", "how", "what", "who", "whom", "when", "where", "if", "which"})
_TITLE_VERBS = frozenset({"titled", "entitled", "headlined", "dubbed", "named", "hashtag",
                          "hashtagged", "captioned", "slogan", "motto", "headline", "title"})
_WORK_NOUNS = frozenset("""
book film documentary movie song album show series novel essay article column op-ed editorial
report paper study podcast program programme initiative campaign plan policy strategy doctrine
slogan motto hashtag headline banner theme play exhibition agenda act bill law rule rules
principle principles framework vision concept project model
""".split())
_MODALS = frozenset({"would", "could", "might", "may", "should", "will", "can", "must"})
_DECLINE = frozenset({"decline", "refuse", "fail"})
_QUESTION_ASK = frozenset({"ask", "wonder", "question", "query"})
# Verbs that take a quotation as their direct complement: 'He said "…"', 'She added "…"'.
_QUOTE_VERBS = frozenset("""
say add write tell ask declare state reply respond answer explain insist warn argue note tweet
post put reiterate stress continue conclude joke quip snap retort exclaim shout
""".split())
# Heads of a collective whose "of"-phrase names its members ("a coalition of retailers").
_COLLECTIVE_HEADS = frozenset("""
coalition group alliance bloc consortium handful number majority minority chorus panel team
body association federation union network circle lobby camp
""".split())
_ANONYMITY = re.compile(r"\b(?:named|identified|anonymity|anonymous)\b", re.I)
_PHRASAL_ACCUSE = frozenset({"lash", "hit", "fire", "rail"})
_VERDICT_NOUNS = frozenset("verdict summary advice reaction message view response answer "
                           "assessment take warning comment retort".split())


def _is_cue(tok: Token) -> bool:
    if tok.pos_ not in ("VERB", "AUX") or tok.dep_ in ("amod", "compound"):
        return False
    lemma = tok.lemma_.lower()
    if lemma == "put":  # "as one official put it"
        return any(c.dep_ == "dobj" and c.lower_ in ("it", "this", "that") for c in tok.children)
    return lemma in lex.CUE_LEMMAS


def _subject(tok: Token, depth: int = 0) -> Token | None:
    """The syntactic subject of a verb, climbing conjunctions, participles and relative clauses
    ("X denied it and said …", "…, saying …", "X, who said …")."""
    for child in tok.children:
        if child.dep_ in ("nsubj", "nsubjpass", "csubj") and child.pos_ != "PUNCT":
            if child.lower_ in ("who", "which", "that") and tok.dep_ == "relcl":
                return _who_head(tok.head) if child.lower_ == "who" else tok.head
            return child
    if depth > 3:
        return None
    if tok.dep_ == "relcl":
        return tok.head
    if tok.dep_ in ("conj", "xcomp", "advcl", "dep") and tok.head.pos_ in ("VERB", "AUX") \
            and tok.head.i != tok.i:
        return _subject(tok.head, depth + 1)
    if tok.dep_ == "acl" and tok.head.pos_ in ("NOUN", "PROPN"):
        return tok.head
    if tok.dep_ == "pcomp" and tok.head.dep_ == "prep" and tok.head.head.pos_ in ("VERB", "AUX"):
        return _subject(tok.head.head, depth + 1)  # "responded by saying …"
    return None


def _who_head(head: Token) -> Token:
    """The person a "who" clause is about when the parser hung it on the last noun of an
    appositive: "Denise Whitaker, a spokeswoman for the trade office, who said …" (the office
    does not say "who")."""
    if head.ent_type_ == "PERSON" or head.lemma_.lower() in lex.ROLE_WORDS \
            or head.lemma_.lower() in _HUMAN_NOUNS:
        return head
    cur = head
    for _ in range(6):
        if cur.dep_ in ("pobj", "prep", "appos", "compound", "poss") and cur.head.i != cur.i:
            cur = cur.head
            if cur.ent_type_ == "PERSON" or (cur.pos_ == "NOUN" and (
                    cur.lemma_.lower() in lex.ROLE_WORDS or cur.lemma_.lower() in _HUMAN_NOUNS)):
                # a role noun in an appositive stands for the name it describes
                return cur.head if cur.dep_ == "appos" and cur.head.ent_type_ == "PERSON" \
                    else cur
        else:
            break
    return head


def _agent(tok: Token) -> Token | None:
    for child in tok.children:
        if child.dep_ == "agent":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    return grand
    return None


def _late_agent(verb: Token) -> Token | None:
    """The agent of a passive cue that the parser hung lower down: "was criticized [in a
    statement by the ministry]", "was described as a mistake [by several economists]", "was
    branded a threat [by the FCC]", "were called "hostile" [by the president]" (the by-phrase
    attached to the statement or to the label). Only a by-phrase to the right of the verb, in
    its own clause: nothing but nouns, adjectives and prepositions between it and the verb."""
    for child in verb.children:
        if child.i < verb.i:
            continue
        label = child.dep_ in _LABEL_DEPS
        if not label and not (child.dep_ == "prep" and child.lower_ in (
                "in", "as", "for", "of", "over", "on")):
            continue
        for t in child.subtree:
            if t.lower_ != "by" or t.dep_ not in ("prep", "agent") or t.i <= child.i:
                continue
            pobj = next((g for g in t.children if g.dep_ == "pobj"), None)
            if pobj is None:
                continue
            path = t.head
            clean = True
            while path.i != child.i:  # the by-phrase hangs on nouns only, not on a clause
                # (an active gerund takes no by-agent: "accused of stealing secrets [by
                # prosecutors]" is the accusation's agent; "of being paid by X" is not)
                if path.pos_ in ("VERB", "AUX") and not (
                        path.tag_ == "VBG" and path.dep_ == "pcomp"
                        and not any(c.dep_ in ("auxpass", "nsubjpass") for c in path.children)):
                    clean = False
                    break
                path = path.head
            if not clean:
                continue
            if child.lower_ == "in" and t.head.lemma_.lower() not in lex.VOICE_NOUNS:
                continue  # "in a statement by X", not "in a ruling by a court"
            return pobj
        if child.dep_ == "prep" and child.lower_ == "in":
            # "were denounced [in an editorial in the Global Times]", "in a statement from the
            # ministry", "in a Global Times editorial": the voice noun's issuer
            noun = next((g for g in child.children if g.dep_ == "pobj"), None)
            if noun is None or noun.lemma_.lower() not in lex.VOICE_NOUNS:
                continue
            for g in noun.children:
                if g.dep_ == "prep" and g.lower_ in ("in", "from", "of") and g.i > noun.i:
                    owner = next((h for h in g.children if h.dep_ == "pobj"), None)
                    if owner is not None and owner.pos_ in ("PROPN", "NOUN") \
                            and owner.lemma_.lower() not in lex.VOICE_NOUNS:
                        return owner
            names = [g for g in noun.children if g.dep_ in ("compound", "poss")
                     and g.pos_ in ("PROPN", "NOUN") and g.i < noun.i]
            if names:
                return names[-1]
    return None


# Complements that carry the label of a passive verb of labelling: "was branded [a threat]",
# "were called ["hostile"]", "were labelled [unfair]".
_LABEL_DEPS = frozenset({"oprd", "dobj", "attr", "acomp"})


def _is_passive(tok: Token) -> bool:
    return any(c.dep_ in ("auxpass", "nsubjpass") for c in tok.children)


def _passive_acl(tok: Token) -> bool:
    """A past participle with its own by-agent modifying a noun: "a step condemned by Beijing
    as unfair", "the rules, presented by the department as …" (not "the so-called", "the
    alleged theft", which have no agent)."""
    return tok.dep_ == "acl" and tok.tag_ == "VBN" and _agent(tok) is not None


def _made_clear(tok: Token) -> bool:
    """"It was made clear by the ministry that …": a passive of *make clear / plain*."""
    return tok.lemma_.lower() == "make" and _is_passive(tok) and any(
        c.lower_ in ("clear", "plain") and c.dep_ in ("acomp", "oprd", "ccomp", "advmod")
        for c in tok.children)


# Verbs that report only in the passive (with an agent and a label, reason or clause).
_PASSIVE_ONLY = lex.VIEW_VERBS | lex.PASSIVE_LABEL_VERBS | lex.PASSIVE_EXPRESS_VERBS


def sentence_index(doc: Doc) -> tuple[list[int], list[tuple[int, int]]]:
    """Sentence id of every token and (start, end) token bounds of every sentence, computed
    once per Doc (``Token.sent`` re-scans the document on every call)."""
    of = [0] * len(doc)
    bounds = []
    for k, sent in enumerate(doc.sents):
        bounds.append((sent.start, sent.end))
        for i in range(sent.start, sent.end):
            of[i] = k
    return of, bounds


class _Ctx:
    """Per-Doc lookups shared by the extraction steps."""

    def __init__(self, doc: Doc, quotes: list[dict[str, Any]], text: str | None = None):
        self.doc = doc
        self.text = doc.text if text is None else text
        self.quotes = quotes
        self.starts = [t.idx for t in doc]
        # quote id covering each token (content and marks), -1 outside quotes
        self.quote_of = [-1] * len(doc)
        for qi, q in enumerate(quotes):
            end = q["close"] + 1 if q["close"] >= 0 else q["end"]
            a, b = self.tok_at(q["open"]), self.tok_at(max(q["open"], end - 1))
            for i in range(a, b + 1):
                self.quote_of[i] = qi
        self.ent_label = [t.ent_type_ for t in doc]
        self.sent_of, self.sent_bounds = sentence_index(doc)
        rows = doc._.get("bg_entities") if Doc.has_extension("bg_entities") else None
        self.alias_spans = [(r["start_char"], r["end_char"]) for r in rows or []
                            if r.get("actor_id")]

    def tok_at(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.starts, char) - 1)

    def sent(self, tok: Token) -> tuple[int, int]:
        """(start, end) token bounds of the sentence holding ``tok``."""
        return self.sent_bounds[self.sent_of[tok.i]]

    def is_mark(self, tok: Token) -> bool:
        return all(ch in _QUOTE_CHARS for ch in tok.text)

    def is_boundary(self, tok: Token) -> bool:
        if tok.is_space and "\n" in tok.text:
            return True
        return tok.text in _SENT_END and self.quote_of[tok.i] == -1


# --- mentions ------------------------------------------------------------------------------------
_MENTION_DROP = frozenset({"appos", "relcl", "acl", "punct", "advmod", "cc", "parataxis",
                           "conj", "prep", "npadvmod", "nummod_age"})
_HEAD_KEEP_PREP = frozenset({"of", "at", "from", "with", "for", "in", "on", "to", "based"})


def _mention(ctx: _Ctx, head: Token) -> dict[str, Any]:
    """Speaker mention for a subject token: the noun phrase without appositives or relative
    clauses; for a common-noun head also its prepositional modifiers ("a professor at Renmin
    University in Beijing"). Appositives, relative clauses and the prepositional modifiers of a
    name become the descriptor (role and side evidence)."""
    doc = ctx.doc
    # "The former editor of the Global Times, Hu Xijin, said": the name is the appositive.
    if head.pos_ == "NOUN":
        for child in head.children:
            if child.dep_ == "appos" and child.pos_ == "PROPN" and child.ent_type_ == "PERSON":
                desc = doc[head.left_edge.i:child.left_edge.i].text.strip(" ,")
                mention = _mention(ctx, child)
                mention["speaker_desc"] = "; ".join(x for x in (desc, mention["speaker_desc"]) if x)
                return mention
    named = head.pos_ == "PROPN"
    keep: list[int] = [head.i]
    # a name's own "of"-phrase belongs to it: "the Ministry of Commerce", "Council on Foreign
    # Relations" (the NER entity or registry alias around the head)
    lo_name, hi_name = _name_extent(ctx, head)
    keep.extend(range(lo_name, hi_name + 1))
    desc_parts: list[str] = []
    for child in head.children:
        sub = list(child.subtree)
        if lo_name <= child.i <= hi_name and child.dep_ == "prep":
            keep.extend(t.i for t in sub if t.i <= hi_name)
            continue
        if child.dep_ in ("appos", "relcl", "acl") or (child.dep_ == "prep" and named):
            # a relative clause describes a person ("who heads the China program at CSIS");
            # after a common noun it is usually about something else ("talks that …")
            if child.dep_ != "relcl" or (named and child.i > head.i):
                desc_parts.append(doc[sub[0].i:sub[-1].i + 1].text.strip(" ,"))
            continue
        if child.dep_ == "prep" and child.lower_ not in _HEAD_KEEP_PREP:
            continue
        if child.dep_ == "punct" and child.text == "-" and not child.whitespace_ \
                and child.i > 0 and not doc[child.i - 1].whitespace_:
            keep.append(child.i)  # "Park Ji-hoon", "Marie-Ève Tremblay"
            continue
        if child.dep_ in ("punct", "cc", "conj", "parataxis", "advmod", "npadvmod") \
                and child.dep_ != "conj":
            continue
        if child.dep_ == "conj" and child.i > head.i:
            # "Wang and Li said", "Australian Grape and Wine": keep coordinated speakers
            # together, with their conjunction
            keep.extend(t.i for t in sub)
            keep.extend(c.i for c in head.children if c.dep_ == "cc" and head.i < c.i < child.i)
            continue
        keep.extend(t.i for t in sub)
    # a relative clause or appositive deeper inside ("a diplomat in the capital, who asked
    # not to be named") ends the mention; it is descriptor material
    for k in sorted(set(keep)):
        tok = doc[k]
        if k > head.i and tok.dep_ in ("relcl", "appos") and tok.head.i != head.i:
            cut = tok.left_edge.i
            if tok.dep_ == "appos" or named:
                desc_parts.append(doc[cut:tok.right_edge.i + 1].text.strip(" ,"))
            keep = [x for x in keep if x < cut]
            break
    # contiguous around the head: stop at the first gap on either side
    keep_set = set(keep)
    lo = head.i
    while lo - 1 in keep_set:
        lo -= 1
    hi = head.i
    while hi + 1 in keep_set:
        hi += 1
    while hi > lo and (doc[hi].is_punct or doc[hi].is_space):
        hi -= 1
    while lo < hi and (doc[lo].is_punct or doc[lo].is_space):
        lo += 1
    span = doc[lo:hi + 1]
    # a title before a name is descriptor material too: "Foreign Ministry spokesperson Mao Ning"
    if named and head.ent_type_ == "PERSON":
        ent_start = head.i
        while ent_start - 1 >= lo and doc[ent_start - 1].ent_type_ == "PERSON" \
                and doc[ent_start].ent_iob_ != "B":
            ent_start -= 1
        if ent_start > lo:
            desc_parts.insert(0, doc[lo:ent_start].text)
    return {"speaker_start": span.start_char, "speaker_end": span.end_char,
            "speaker_text": span.text, "speaker_i": head.i, "speaker_tok_start": lo,
            "speaker_tok_end": hi + 1, "speaker_desc": "; ".join(p for p in desc_parts if p)}


def mention_for(doc: Doc, head: Token, alias_spans: list[tuple[int, int]] | None = None) \
        -> dict[str, Any]:
    """The speaker-mention dict of :func:`_mention` for any subject token (used by the
    speaker stage for the subject of a previous sentence)."""
    ctx = _Ctx.__new__(_Ctx)
    ctx.doc, ctx.text, ctx.quotes = doc, doc.text, []
    ctx.starts = [t.idx for t in doc]
    ctx.alias_spans = alias_spans or []
    return _mention(ctx, head)


def _name_extent(ctx: _Ctx, head: Token) -> tuple[int, int]:
    """Token range of the named entity (or registry alias) that contains ``head``."""
    doc = ctx.doc
    lo = hi = head.i
    if head.ent_type_ and head.ent_type_ != "PERSON":
        while lo > 0 and doc[lo].ent_iob_ == "I" and doc[lo - 1].ent_type_ == head.ent_type_:
            lo -= 1
        while hi + 1 < len(doc) and doc[hi + 1].ent_iob_ == "I":
            hi += 1
    for start, end in ctx.alias_spans:
        if start <= head.idx < end:
            lo = min(lo, ctx.tok_at(start))
            hi = max(hi, ctx.tok_at(end - 1))
    # the entity may start with "the": not part of the name's head region
    return lo, hi


def _no_mention() -> dict[str, Any]:
    return {"speaker_start": None, "speaker_end": None, "speaker_text": None, "speaker_i": -1,
            "speaker_tok_start": -1, "speaker_tok_end": -1, "speaker_desc": ""}


def _person_words(ctx: _Ctx) -> frozenset[str]:
    """Words of the multi-word PERSON entities of the Doc (computed once per Doc)."""
    words = getattr(ctx, "person_words", None)
    if words is None:
        words = {w for e in ctx.doc.ents if e.label_ == "PERSON" and len(e) > 1
                 for w in e.text.split()}
        # "Gregory Haynes, a fellow at …": a capitalized name introduced with an appositive
        for tok in ctx.doc:
            if tok.text[:1].isupper() and any(c.dep_ == "appos" for c in tok.children):
                names = [c for c in tok.children if c.dep_ == "compound" and c.i < tok.i
                         and c.text[:1].isupper()]
                if names:
                    words.update([tok.text, *(c.text for c in names)])
        words = frozenset(words)
        ctx.person_words = words
    return words


def _speaker_ok(ctx: _Ctx, subj: Token | None, lemma: str) -> bool:
    """Whether a subject can be a speaker: a person, organization, pronoun, role noun or
    voice noun ("the statement"); not data ("figures showed") nor the first person."""
    if subj is None:
        return False
    low = subj.lower_
    if low in _SKIP_SUBJECTS or _self_reference(subj):
        return False
    if subj.pos_ == "PRON":
        # "it was pointed out by her": an agent pronoun is in the object case
        return low in _PERSONAL or low in ("someone", "somebody", "others") or (
            low in ("him", "her", "them") and subj.dep_ == "pobj" and subj.head.lower_ == "by")
    if subj.dep_ == "csubj" or subj.pos_ in ("VERB", "AUX", "ADP", "SCONJ"):
        return False
    lemma_s = subj.lemma_.lower()
    if lemma_s in lex.DATA_HEADS and lemma_s not in lex.VOICE_NOUNS:
        return False
    if subj.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or subj.pos_ == "PROPN":
        return True
    if subj.text[:1].isupper() and subj.text in _person_words(ctx):
        return True  # "Haynes was more positive": a surname the tagger took for a noun
    if lemma_s in lex.ROLE_WORDS or low in lex.ROLE_WORDS or lemma_s in lex.VOICE_NOUNS \
            or low in _HUMAN_NOUNS or lemma_s in _HUMAN_NOUNS or lemma_s in lex.ORG_ROLE_WORDS:
        return True
    if lemma_s in _COLLECTIVE_HEADS:
        # "a coalition of retailers", "a group of economists": the members decide
        member = next((g for c in subj.children if c.dep_ == "prep" and c.lower_ == "of"
                       for g in c.children if g.dep_ == "pobj"), None)
        if member is not None and member.lemma_.lower() not in _COLLECTIVE_HEADS:
            return _speaker_ok(ctx, member, lemma)
    if any(t.ent_type_ in ("PERSON", "ORG", "GPE", "NORP")
           for t in subj.doc[subj.left_edge.i:subj.i]):
        return lemma not in lex.WEAK_VERBS or lemma_s in lex.ROLE_WORDS
    # other nouns only when agentive ("exporters", "a bourbon distiller"), not "practices"
    return lemma not in lex.WEAK_VERBS and subj.pos_ == "NOUN" and low.endswith(
        ("ers", "ors", "ists", "ians", "ants", "ents", "ives", "er", "or", "ist", "ian", "ant",
         "ent", "ive"))


# --- cue text ------------------------------------------------------------------------------------
def _cue_span(verb: Token, extra: list[Token] | None = None) -> tuple[int, int]:
    """Character span of the cue: the verb with its negation or modal ("did not say",
    "would blame"), passive auxiliary and particle ("lashed out", "called on")."""
    toks = [verb]
    for child in verb.children:
        if child.dep_ == "neg" or (child.dep_ in ("aux", "auxpass") and
                                   (child.lower_ in _MODALS or child.lemma_ == "do"
                                    or child.dep_ == "auxpass")):
            if child.i < verb.i:
                toks.append(child)
        if child.dep_ == "prt" and child.i == verb.i + 1:
            toks.append(child)
    # "lashed out at", "called on", "hit back at": adjacent particles and prepositions
    lemma = verb.lemma_.lower()
    if lemma in lex.PREP_VERBS:
        allowed = lex.PREP_VERBS[lemma] | {"at", "against"}
        nxt = verb.i + 1
        doc = verb.doc
        while nxt < len(doc) and doc[nxt].lower_ in allowed and doc[nxt].dep_ in ("prt", "prep") \
                and nxt - verb.i <= 2 and not any(
                    c.ent_type_ in ("DATE", "TIME") for c in doc[nxt].children):
            toks.append(doc[nxt])  # but not "insisted on Saturday"
            nxt += 1
    if verb.lemma_ == "put":  # "as one official put it"
        toks.extend(c for c in verb.children if c.dep_ == "dobj" and c.i == verb.i + 1)
    toks.extend(extra or [])
    start = min(t.idx for t in toks)
    end = max(t.idx + len(t.text) for t in toks)
    return start, end


def _nothing_said(verb: Token) -> bool:
    """A negated or hypothetical speech verb: "did not say", "can no longer claim", "could
    argue". Future "will argue" is still reported speech."""
    for c in verb.children:
        if c.dep_ == "neg" or (c.dep_ == "advmod" and c.lower_ in ("never", "longer")):
            return True
        if c.dep_ == "aux" and c.lower_ in ("could", "might", "may", "would", "should", "can",
                                            "ca", "must"):
            return True
    return False


def _finite(verb: Token) -> bool:
    if verb.dep_ in ("xcomp", "pcomp", "acl") or (verb.dep_ == "conj" and verb.head.dep_ in
                                                   ("xcomp", "pcomp")):
        return False
    # "welcomed the deal", "has rejected the claims"; not the general present "China welcomes
    # investment", which states a standing position in the outlet's narration
    return verb.tag_ == "VBD" or any(c.dep_ == "aux" and c.lemma_ == "have"
                                     for c in verb.children)


def _negated_or_modal(verb: Token) -> bool:
    return any(c.dep_ == "neg" or (c.dep_ == "aux" and c.lower_ in _MODALS)
               for c in verb.children)


# --- content spans -------------------------------------------------------------------------------
_LEAD_DROP = frozenset({"that", ",", ":", ";", "\u2014", "\u2013", "-", "--"})
_TRAIL_DROP = frozenset({".", ",", ";", ":", "\u2014", "\u2013", "-", "--", "and", "but"})


def _that_is_determiner(tok: Token) -> bool:
    """"expect [that trend] to accelerate" keeps "that"; "tell me [that] approvals are slow"
    drops it (a determiner cannot precede a plural noun)."""
    if tok.lower_ != "that" or tok.dep_ != "det":
        return False
    return tok.head.i == tok.i + 1 and tok.head.tag_ not in ("NNS", "NNPS")


def _trim(doc: Doc, a: int, b: int) -> tuple[int, int] | None:
    """Trim a token range [a, b) of complementizer and punctuation; None when nothing is left."""
    while a < b and ((doc[a].lower_ in _LEAD_DROP and not _that_is_determiner(doc[a]))
                     or doc[a].is_space):
        a += 1
    while b > a and (doc[b - 1].lower_ in _TRAIL_DROP or doc[b - 1].is_space):
        b -= 1
    # a closing mark of the previous paragraph's quote that the sentence splitter kept
    while a < b and all(ch in _QUOTE_CHARS for ch in doc[a].text) and a + 1 < b \
            and (doc[a + 1].is_space or doc[a].whitespace_):
        a += 1
        while a < b and doc[a].is_space:
            a += 1
    if b <= a:
        return None
    return a, b


def _share_outer(doc: Doc, outer: dict[str, Any], inner: dict[str, Any], a: int, b: int) -> None:
    """End the outer candidate's content at token ``b`` and give the inner cue its speaker
    (the parser nested a second cue of the same speaker inside the first one's content)."""
    cut = _trim(doc, a, b)
    if cut is None:
        return
    outer["tok_range"] = list(cut)
    outer["end"] = doc[cut[1] - 1].idx + len(doc[cut[1] - 1].text)
    for key in ("speaker_start", "speaker_end", "speaker_text", "speaker_i",
                "speaker_tok_start", "speaker_tok_end", "speaker_desc"):
        inner[key] = outer[key]
    inner["needs_outer"] = False


def _subtree_range(tok: Token) -> tuple[int, int]:
    return tok.left_edge.i, tok.right_edge.i + 1


def _union(ranges: list[tuple[int, int]]) -> tuple[int, int] | None:
    if not ranges:
        return None
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def _content_range(ctx: _Ctx, verb: Token, lemma: str) -> tuple[tuple[int, int] | None, str]:
    """Token range of the reported content of a cue verb, and what kind of complement it was
    (``clause``, ``accusation``, ``object``, ``question``, ``inverted``)."""
    children = list(verb.children)
    by_dep: dict[str, list[Token]] = {}
    for c in children:
        by_dep.setdefault(c.dep_, []).append(c)
    ccomps = [c for c in by_dep.get("ccomp", []) if not ctx.is_mark(c)]
    dobj = (by_dep.get("dobj") or [None])[0]
    xcomp = (by_dep.get("xcomp") or [None])[0]
    oprd = by_dep.get("oprd", []) + by_dep.get("attr", [])
    preps = by_dep.get("prep", [])
    particles = {c.lower_ for c in children if c.dep_ in ("prt", "prep")}

    if lemma in lex.ACCUSE_VERBS and (dobj is not None or any(
            p.lower_ in ("of", "for", "over", "on") for p in preps)):
        rel = [p for p in preps if p.lower_ in ("of", "for", "over", "on", "as", "about")
               and p.i > verb.i]
        ranges = ([_subtree_range(dobj)] if dobj is not None else []) + \
                 [_subtree_range(p) for p in rel]
        rng = _union(ranges)
        if rng is not None and dobj is None:
            rng = (rng[0] + 1, rng[1])  # "blamed on X": drop the preposition
        return rng, "accusation"
    if lemma in ("express", "voice", "raise"):
        if dobj is None or dobj.lemma_.lower() not in lex.EXPRESS_NOUNS:
            return None, ""
        inner = [c for c in dobj.children if c.dep_ in ("acl", "ccomp", "relcl")
                 and c.i > dobj.i]
        if inner:
            return _union([_subtree_range(c) for c in inner]), "clause"
        preps_of = [c for c in dobj.children if c.dep_ == "prep" and c.lower_ in ("over", "about",
                                                                               "at", "for")]
        if preps_of:
            return (preps_of[0].i + 1, preps_of[0].right_edge.i + 1), "clause"
        return None, ""
    if lemma == "tell":
        if ccomps:
            return _union([_subtree_range(c) for c in ccomps]), "clause"
        if xcomp is not None and dobj is not None:
            return (dobj.left_edge.i, xcomp.right_edge.i + 1), "clause"
        # "told reporters on a telephone briefing that …": the parser hung the clause on the
        # briefing
        return _surface_that(ctx, verb, limit_tokens=14), "clause"
    if lemma in _QUESTION_ASK and ccomps:
        return _union([_subtree_range(c) for c in ccomps]), "question"
    if lemma in _QUESTION_ASK and dobj is not None and dobj.i > verb.i \
            and ctx.doc[dobj.left_edge.i].lower_ in _WH:
        # "asked [how many more rulings the mills would have to win]": the parser often
        # makes the wh-phrase the object and hangs the rest of the question elsewhere
        end = ctx.sent(verb)[1]
        return (dobj.left_edge.i, end), "question"
    if ccomps:
        ranges = [_subtree_range(c) for c in ccomps]
        if dobj is not None and dobj.pos_ != "PRON" and lemma in (
                "urge", "warn", "remind", "assure", "tell", "inform", "notify", "caution",
                "advise"):
            ranges.append(_subtree_range(dobj))
        rng = _union(ranges)
        if rng[0] < verb.i < rng[1]:
            # a ccomp on both sides of the verb: keep the side after it
            after = [r for r in ranges if r[0] > verb.i]
            rng = _union(after) or rng
        return rng, "clause"
    if lemma in lex.PREP_VERBS and particles & lex.PREP_VERBS[lemma]:
        ranges = []
        for p in preps:
            if p.i > verb.i:
                ranges.append((p.i + 1, p.right_edge.i + 1))
        for prt in (c for c in children if c.dep_ == "prt"):
            for p in prt.children:
                if p.dep_ == "prep":
                    ranges.append((p.i + 1, p.right_edge.i + 1))
        if xcomp is not None:
            ranges.append(_subtree_range(xcomp))
        if dobj is not None and dobj.i > verb.i:
            ranges.append(_subtree_range(dobj))
        rng = _union(ranges)
        if rng is not None:
            # "lashed out at [Washington for …]": an accusation with a particle
            return rng, ("accusation" if lemma in _PHRASAL_ACCUSE else "clause")
    if xcomp is not None and xcomp.i > verb.i and lemma in lex.XCOMP_VERBS and (
            dobj is not None or lemma not in lex.XCOMP_NEEDS_OBJECT):
        start = dobj.left_edge.i if dobj is not None and dobj.i < xcomp.i else xcomp.left_edge.i
        return (start, xcomp.right_edge.i + 1), "clause"
    if lemma == "say" and dobj is not None and dobj.i > verb.i and dobj.pos_ in ("NOUN", "PROPN") \
            and dobj.lemma_.lower() not in _SAID_OBJECTS and not ctx.is_mark(dobj) \
            and dobj.right_edge.i - dobj.left_edge.i >= 3:
        # "have said [the licensing system complies with …]": the tagger took the clause's
        # verb for a noun, and the parser the clause for an object
        return _subtree_range(dobj), "clause"
    if dobj is not None and dobj.i > verb.i and (lemma in lex.OBJECT_VERBS or oprd):
        ranges = [_subtree_range(dobj)] + [_subtree_range(o) for o in oprd] + \
                 [_subtree_range(p) for p in preps if p.lower_ in ("as", "for", "over")
                  and p.i > dobj.i]
        return _union(ranges), ("question" if lemma in _QUESTION_ASK else "object")
    surface = _surface_that(ctx, verb)
    if surface is not None:
        return surface, "clause"
    # inverted reported speech: "China will retaliate, the ministry said."
    head = verb.head
    doc = ctx.doc
    if verb.dep_ in ("parataxis", "ccomp", "advcl") and head.pos_ in ("VERB", "AUX") \
            and lemma in lex.INVERTED_VERBS:
        subj = _subject(verb)
        if subj is not None and subj.i < verb.i and subj.left_edge.i > head.left_edge.i \
                and doc[subj.left_edge.i - 1].text == "," and verb.right_edge.i < head.right_edge.i:
            # parenthetical: "The duties, the ministry said, were a response to …"
            return (head.left_edge.i, head.right_edge.i + 1), "parenthetical"
    if verb.dep_ in ("parataxis", "ccomp", "advcl", "conj") and head.i < verb.i \
            and head.pos_ in ("VERB", "AUX") and lemma in lex.INVERTED_VERBS:
        subj = _subject(verb)
        left = min(verb.left_edge.i, subj.left_edge.i if subj is not None else verb.i)
        start = head.left_edge.i
        # the attribution is set off by a comma and closes the sentence
        if start < left and doc[left - 1].text == "," and not any(
                t.pos_ in ("VERB", "AUX") and t.dep_ not in ("aux", "auxpass")
                for t in doc[verb.i + 1:ctx.sent(verb)[1]]):
            return (start, left), "inverted"
    return None, ""


def _passive_charge(verb: Token, agent: Token) -> tuple[int, int, int] | None:
    """The charge of a passive accusation, without its preposition: "X was accused by Y [of
    Z]", "X has been criticised by Y [for Z]", "X was condemned by Y [as Z]", "the slump was
    blamed by Y [on Z]"; or the label of a passive verb of labelling: "X was branded [a threat]
    by Y". Returns (start, end, preposition or label) token indices; the parser may hang "of Z"
    on the agent, and "as Z" on the statement that carries the agent."""
    lemma = verb.lemma_.lower()
    for c in verb.children:
        # "was justified by X on the grounds that [Z]"
        if c.dep_ == "prep" and c.lower_ in ("on", "upon") and c.i > verb.i:
            noun = next((g for g in c.children if g.dep_ == "pobj"), None)
            if noun is not None and noun.lemma_.lower() in ("ground", "grounds", "basis"):
                that = next((k for k in range(noun.i + 1, min(noun.i + 3, len(noun.doc)))
                             if noun.doc[k].lower_ == "that"), None)
                if that is not None and noun.right_edge.i > that:
                    return that + 1, noun.right_edge.i + 1, c.i
    allowed = ("of", "for", "over", "as", "on") if lemma in ("blame", "pin") else (
        "of", "for", "over", "as")
    preps = [c for c in verb.children if c.dep_ == "prep" and c.i > verb.i
             and c.lower_ in allowed]
    if not preps:
        # "was accused by X on Tuesday [of Z]": the parser hung the charge on the date
        preps = [h for c in verb.children if c.dep_ == "prep" and c.i > verb.i
                 for g in c.children if g.dep_ == "pobj" and g.ent_type_ in ("DATE", "TIME")
                 for h in g.children if h.dep_ == "prep" and h.lower_ in allowed]
    by = agent.head if agent.head.lower_ == "by" else None
    if not preps:
        # "condemned by ByteDance [as] issued without due process": "as" marks a clause
        for c in verb.children:
            if c.dep_ == "advcl" and c.i > verb.i and any(
                    m.dep_ == "mark" and m.lower_ == "as" for m in c.children):
                mark = next(m for m in c.children if m.dep_ == "mark")
                return mark.i + 1, c.right_edge.i + 1, mark.i
    if not preps:
        labels = [c for c in verb.children if c.dep_ in _LABEL_DEPS and c.i > verb.i]
        if labels:
            label = labels[0]
            end = label.right_edge.i + 1
            if by is not None and label.i < by.i < end:
                end = by.i
            return label.left_edge.i, end, label.left_edge.i - 1
    if not preps:
        # "accused by agencies [of building …]": a gerund charge attached to the agent;
        # "described in a report by X [as Y]": the label attached to the report
        preps = [t for t in agent.subtree if t.dep_ == "prep" and t.lower_ in ("of", "for")
                 and any(g.dep_ == "pcomp" or g.tag_ == "VBG" for g in t.children)]
        if not preps and by is not None:
            preps = [t for t in [*by.head.children, *agent.children] if t.dep_ == "prep"
                     and t.lower_ == "as" and t.i > by.i]
        if not preps and by is None and agent.head.dep_ == "prep":
            # "denounced in an editorial in the Global Times [as Z]": the label hangs on the
            # editorial or on its issuer
            holder = agent.head.head
            preps = [t for t in [*holder.children, *agent.children] if t.dep_ == "prep"
                     and t.lower_ == "as" and t.i > agent.i]
    if not preps:
        return None
    prep = preps[0]
    if prep.right_edge.i <= prep.i:
        return None
    end = prep.right_edge.i + 1
    if by is not None and prep.i < by.i < end:
        end = by.i  # "described as [a mistake] by several economists": the agent is not charged
    return prep.i + 1, end, prep.i


def _expressed_clause(verb: Token) -> tuple[int, int, int] | None:
    """What a passive concern is about: "Concerns were raised by X [that Z]", "Doubts have been
    voiced by X [about Z]". The subject must be a noun of concern (``lex.EXPRESS_NOUNS``).
    Returns (start, end, marker) token indices like :func:`_passive_charge`."""
    subj = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
    if subj is None or subj.lemma_.lower() not in lex.EXPRESS_NOUNS:
        return None
    for holder in (verb, subj):
        for c in holder.children:
            if c.i <= verb.i and holder is verb:
                continue
            if c.dep_ in ("ccomp", "acl", "relcl"):
                mark = next((m for m in c.children if m.dep_ == "mark"
                             and m.lower_ == "that" and m.i == c.left_edge.i), None)
                if mark is not None and c.right_edge.i > mark.i:
                    return mark.i + 1, c.right_edge.i + 1, mark.i
            if c.dep_ == "prep" and c.lower_ in ("about", "over") and c.right_edge.i > c.i:
                return c.i + 1, c.right_edge.i + 1, c.i
    return None


def _inverted_range(ctx: _Ctx, verb: Token, subj: Token | None) -> tuple[int, int] | None:
    """Content before an attribution that closes the sentence: "[The duties are unfair], a
    spokesperson was quoted as saying." ``verb`` is the attribution's own verb."""
    doc = ctx.doc
    left = subj.left_edge.i if subj is not None and subj.i < verb.i else verb.i
    lo, _ = ctx.sent(verb)
    if left <= lo or doc[left - 1].text != ",":
        return None
    content = [c for c in verb.children if c.dep_ in ("ccomp", "parataxis") and c.i < left]
    if content:
        start = min(c.left_edge.i for c in content)
    elif verb.head.i != verb.i and verb.head.i < left:
        start = verb.head.left_edge.i
    else:
        start = lo
    start = max(start, lo)
    return (start, left) if start < left - 1 else None


def _surface_that(ctx: _Ctx, verb: Token, limit_tokens: int = 10) -> tuple[int, int] | None:
    """Fallback when a quotation mark mid-sentence broke the parse: "said in an editorial
    that [X]" — the clause after a nearby "that", up to the end of the sentence."""
    doc = ctx.doc
    i = verb.i + 1
    limit = min(len(doc), verb.i + limit_tokens)
    while i < limit:
        tok = doc[i]
        if tok.lower_ == "that" and i + 1 < len(doc) and not ctx.is_boundary(doc[i + 1]):
            end = i + 1
            while end < len(doc) and not ctx.is_boundary(doc[end]):
                end += 1
            return i + 1, end
        if tok.pos_ in ("VERB", "AUX") or ctx.is_boundary(tok) or ctx.is_mark(tok) \
                or tok.text in (",", ";"):
            return None
        i += 1
    return None


# --- the extractor -------------------------------------------------------------------------------
class _Extraction:
    """All statements of one Doc. Kept as a class so the steps share their lookups."""

    def __init__(self, doc: Doc, author_statements: bool, side_codes: frozenset[str],
                 voice_outlets: frozenset[str] = frozenset(), author_model: Any = None):
        self.doc = doc
        self.author_statements = author_statements
        self.side_codes = side_codes
        text = doc.text  # Doc.text is rebuilt on every access: read it once
        quotes, self.warnings = scan_quotes(text)
        self.ctx = _Ctx(doc, quotes, text)
        self.quotes = quotes
        self.used_cues: set[int] = set()
        self.full_quote: set[int] = set()  # quote ids that are direct statements
        self.fragments: list[int] = []
        self.titles: set[int] = set()
        self.cue_sents: set[int] = set()  # sentences (start token) holding reported speech
        self.cue_toks: set[int] = set()  # the cue tokens of that reported speech
        self.rebutted: set[int] = set()  # cue tokens of claims the outlet answers (_rebuttal)
        self.headline_end = _headline_end(text)
        m = _DATELINE.match(text, self.headline_end)
        self.dateline_end = m.end() if m else 0
        # (is_wire_copy() below is the same test, for the pre-filter, before parsing)
        # Wire copy reports; it rarely speaks in its own voice. Opinion, state-media,
        # think-tank and government texts do (verdicts, demands, rhetorical questions), even
        # under a dateline ("BEIJING, July 6 (Xinhua) --"): a registry outlet of those types
        # is never wire.
        meta = doc._.get(META_EXT) if Doc.has_extension(META_EXT) else None
        outlet = _outlet_key((meta or {}).get("outlet") or "")
        self.is_wire = bool(m) and outlet not in voice_outlets
        self.is_voice = outlet in voice_outlets
        self.author_model = author_model  # pipeline.author.AuthorModel or None (rules only)
        self.candidates: list[dict[str, Any]] | None = None  # set by author-model training

    # -- direct quotes ---------------------------------------------------------------------------
    def _head_tokens(self, qi: int) -> tuple[list[Token], int]:
        """Tokens before the opening mark in the same sentence, and the id of a quote that
        closes right before them (-1 if none)."""
        ctx, doc = self.ctx, self.doc
        q = self.quotes[qi]
        i = ctx.tok_at(q["open"]) - 1
        out: list[Token] = []
        prev_quote = -1
        while i >= 0:
            tok = doc[i]
            if ctx.quote_of[i] != -1:
                prev_quote = ctx.quote_of[i]
                break
            if ctx.is_boundary(tok):
                # "As one executive told me:\n\n“…”": a colon ending the paragraph before
                if not any(not t.is_space for t in out) and tok.is_space and i > 0 \
                        and doc[i - 1].text == ":":
                    out.append(tok)
                    i -= 1
                    continue
                break
            out.append(tok)
            i -= 1
        out.reverse()
        return [t for t in out if not t.is_space], prev_quote

    def _tail_tokens(self, qi: int) -> tuple[list[Token], int]:
        ctx, doc = self.ctx, self.doc
        q = self.quotes[qi]
        if q["close"] < 0 and "vclose" not in q:
            return [], -1
        if ctx.text[q["start"]:q["end"]].rstrip("\"'\u201d\u2019 ").endswith((".", "\u2026")) \
                and not (q["close"] >= 0 and _PERIOD_ATTRIBUTION.match(ctx.text, q["close"] + 1)):
            # a period inside the closing mark ends the sentence (attribution takes a comma),
            # unless a bare attribution follows ('…." Abernathy said in an interview.')
            return [], -1
        i = ctx.tok_at(q["close"]) + 1 if q["close"] >= 0 else ctx.tok_at(q["vclose"])
        # a token may hold the mark and more ('".' is rare but happens): skip marks
        out: list[Token] = []
        next_quote = -1
        while i < len(doc):
            tok = doc[i]
            if ctx.quote_of[i] != -1 and ctx.quote_of[i] != qi:
                next_quote = ctx.quote_of[i]
                break
            if ctx.quote_of[i] == qi:
                i += 1
                continue
            if ctx.is_boundary(tok):
                break
            out.append(tok)
            i += 1
        return [t for t in out if not t.is_space], next_quote

    def _tail_attribution(self, toks: list[Token]) -> tuple[str, Token | None, Token | None,
                                                            tuple[int, int] | None]:
        """Classify the text after a quote: ``empty``, ``attribution`` (with cue and subject),
        ``dash`` (a post attributed with a dash), ``according`` or ``content``."""
        if not toks:
            return "empty", None, None, None
        first = toks[0]
        if first.text in _DASHES:
            return self._dash(toks[1:], first)
        j = 0
        while j < len(toks) and toks[j].text in (",", ";"):
            j += 1
        rest = toks[j:]
        if not rest:
            return "empty", None, None, None
        if rest[0].lower_ == "according" and len(rest) > 1 and rest[1].lower_ == "to":
            pobj = next((c for c in rest[1].children if c.dep_ == "pobj"), None)
            if pobj is None and len(rest) > 2:
                pobj = rest[2]
            span = (rest[0].idx, rest[1].idx + len(rest[1].text))
            return "according", rest[0], pobj, span
        if _is_cue(rest[0]) and rest[0].tag_ == "VBG":
            return "participial", None, None, None
        if rest[0].lower_ in ("and", "but", "adding", "saying"):
            return "participial", None, None, None
        for k, tok in enumerate(rest[:40]):
            # '"…," X was quoted as saying (by a newspaper).': the passive attribution
            quoted = tok.lemma_.lower() in lex.QUOTED_AS and tok.tag_ == "VBN" \
                and _is_passive(tok) and any(c.lower_ == "as" for c in tok.children)
            if (_is_cue(tok) and tok.tag_ != "VBG") or quoted:
                subj = _subject(tok)
                before = rest[:k]
                if subj is None:
                    # inverted "said Hu Xijin": the NP after the verb
                    subj = next((t for t in rest[k + 1:k + 12]
                                 if t.pos_ in ("PROPN", "NOUN", "PRON")), None)
                    while subj is not None and subj.dep_ in ("compound", "amod", "det") \
                            and subj.head.i > subj.i:
                        subj = subj.head
                if subj is None:
                    return "content", None, None, None
                sub = {t.i for t in subj.subtree}
                ok = all(b.i in sub or b.is_punct or b.pos_ in ("ADV", "PART")
                         or b.dep_ in ("advmod", "aux", "neg", "npadvmod")
                         or (quoted and b.dep_ == "auxpass") for b in before)
                if ok and any(c.dep_ == "ccomp" and c.i > tok.i and not self.ctx.is_mark(c)
                              for c in tok.children) and before and before[0].is_title:
                    return "content", None, None, None  # '…?" She said prices had fallen.'
                if ok:
                    return "attribution", tok, subj, None
                return "content", None, None, None
        return "content", None, None, None

    def _dash(self, toks: list[Token], dash: Token) -> tuple[str, Token | None, Token | None,
                                                            tuple[int, int] | None]:
        """"…" — a post by Hu Xijin on X.com / — Hu Xijin (@HuXijin_GT)."""
        for k, tok in enumerate(toks):
            if tok.lower_ == "by" and k + 1 < len(toks):
                pobj = next((c for c in tok.children if c.dep_ == "pobj"), None)
                return "dash", dash, pobj or toks[k + 1], None
        for tok in toks:
            if tok.ent_type_ in ("PERSON", "ORG") or tok.pos_ == "PROPN":
                head = tok
                while head.i + 1 < len(self.doc) and self.doc[head.i + 1].pos_ == "PROPN" \
                        and self.doc[head.i + 1] in toks:
                    head = self.doc[head.i + 1]
                return "dash", dash, head, None
        # "…" — a spokesperson for the ministry: a role noun heads the attribution
        for tok in toks[:4]:
            if tok.pos_ == "NOUN" and (tok.lemma_.lower() in lex.ROLE_WORDS
                                       or tok.lower_ in _HUMAN_NOUNS):
                while tok.dep_ == "compound" and tok.head.i > tok.i and tok.head in toks:
                    tok = tok.head  # "a ministry spokesperson": the head noun
                return "dash", dash, tok, None
        return "empty", None, None, None

    def _head_attribution(self, toks: list[Token]) -> tuple[str, Token | None, Token | None]:
        """Classify the text before a quote: ``empty``, ``attribution``, ``colon`` or
        ``content``."""
        if not toks:
            return "empty", None, None
        last = toks[-1]
        colon = last.text == ":"
        if last.text in _DASHES and len(toks) > 2:
            # "Wendell Ostby was blunt — “…”": the subject of the clause before the dash
            return self._dash_head(toks[:-1])
        order = list(range(len(toks) - 1, -1, -1))
        # the clause's own cue first ("Marsh asked the question her neighbours are asking:")
        order.sort(key=lambda k: (toks[k].dep_ != "ROOT", -k))
        for k in order:
            tok = toks[k]
            if _is_cue(tok) and tok.tag_ != "VBG" or (_is_cue(tok) and colon):
                between = toks[k + 1:]
                if len(between) > 16 or any(
                        b.pos_ in ("VERB", "AUX") and b.dep_ not in ("aux", "auxpass")
                        for b in between):
                    break
                ends_ok = colon or last.text in (",", "that") or (
                    last.i == tok.i and tok.lemma_.lower() in _QUOTE_VERBS) or (
                    last.dep_ in ("dobj", "dative", "prt") and last.head.i == tok.i) or (
                    tok.lemma_ == "tell" and last.lower_ in lex.HEARER_WORDS)
                if not ends_ok:
                    break
                subj = _subject(tok)
                if subj is None and tok.dep_ == "advcl":
                    subj = _subject(tok.head)
                if tok.tag_ == "VBG" and subj is None:
                    subj = _subject(tok.head) if tok.head.i != tok.i else None
                return ("colon" if colon else "attribution"), tok, subj
        if colon:
            # "Hu's message was blunt:" or "Hu, on Weibo:" — a named speaker before the colon
            for tok in toks:
                if tok.ent_type_ in ("PERSON", "ORG") or tok.pos_ == "PROPN":
                    head = tok
                    while head.dep_ in ("compound", "poss") and head.head.i > head.i \
                            and head.head.pos_ == "PROPN":
                        head = head.head
                    if head.dep_ == "poss" or head.dep_ in ("nsubj", "nsubjpass") \
                            or head.ent_type_ == "PERSON":
                        return "colon", None, head
            return "colon", None, None
        return "content", None, None

    def _dash_head(self, toks: list[Token]) -> tuple[str, Token | None, Token | None]:
        """The speaker of "X was blunt — “…”", "X offered a sharper verdict — “…”"."""
        ids = {t.i for t in toks}
        # the clause's own verb: its head lies outside the clause (the parser often hangs it
        # on the quoted verb) or it is the root
        root = next((t for t in toks if t.pos_ in ("VERB", "AUX")
                     and (t.dep_ == "ROOT" or t.head.i not in ids)), None)
        if root is None:
            # no verb: "Zhang's verdict — “…”", "One Beijing scholar, on Weibo — “…”"
            noun = next((t for t in toks if t.pos_ in ("NOUN", "PROPN")
                         and (t.dep_ == "ROOT" or t.head.i not in ids)), None)
            if noun is None:
                return "content", None, None
            subj = noun
            if noun.lemma_.lower() in _VERDICT_NOUNS:
                subj = next((c for c in noun.children if c.dep_ == "poss"), None)
            if subj is None or subj.pos_ == "PRON" or not _speaker_ok(self.ctx, subj, "say"):
                return "content", None, None
            return "dash", noun, subj
        subj = _subject(root)
        if subj is not None and subj.lemma_.lower() in _VERDICT_NOUNS:
            # "Fraser's summary was …", "Gu's advice to Brussels —": the possessor speaks
            subj = next((c for c in subj.children if c.dep_ == "poss"), subj)
        if subj is None or not _speaker_ok(self.ctx, subj, "say"):
            return "content", None, None
        return "dash", root, subj

    def _is_title(self, qi: int, head: list[Token], tail: list[Token]) -> bool:
        """Titles of works and names of programmes are not statements: "the documentary
        “American Factory”", "the “Made in China 2025” plan", a Title Case name."""
        q = self.quotes[qi]
        content = self.ctx.text[q["start"]:q["end"]]
        words = content.split()
        if head:
            last = head[-1]
            if last.lower_ in _TITLE_VERBS or last.lower_ in _WORK_NOUNS \
                    or (last.text == "," and len(head) > 1 and head[-2].lower_ in _TITLE_VERBS):
                return True
            if last.lower_ in ("called", "as") and len(head) > 1 \
                    and head[-2].lower_ in _WORK_NOUNS | {"known", "so"}:
                return True
        if tail and tail[0].lower_ in _WORK_NOUNS and tail[0].pos_ == "NOUN" \
                and len(words) <= 8 and not content.rstrip().endswith((".", "?", "!", ",")):
            return True
        if 1 < len(words) <= 10 and not re.search(r"[.?!,;:]$", content.strip()):
            caps = [w for w in words if w[:1].isalpha() and len(w) > 3]
            if caps and all(w[:1].isupper() for w in caps) and head \
                    and head[-1].text not in (":", ",") and not _is_cue(head[-1]):
                return True
        return False

    def direct_quotes(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        info: dict[int, dict[str, Any]] = {}
        tails: dict[int, tuple[str, int]] = {}
        for qi, q in enumerate(self.quotes):
            if q["start"] < self.headline_end:
                self.titles.add(qi)  # a quote in a headline is not a statement
                continue
            head, prev_q = self._head_tokens(qi)
            tail, next_q = self._tail_tokens(qi)
            if q["close"] >= 0 and not tail and next_q == -1:
                tail = self._dash_line_after(q)
            h_kind, h_cue, h_subj = self._head_attribution(head)
            t_kind, t_cue, t_subj, t_span = self._tail_attribution(tail)
            tails[qi] = (t_kind, next_q)
            if h_kind == "content" and prev_q in info and tails.get(prev_q) == (
                    "attribution", qi) and head and head[-1].text == ",":
                # "…," said X, chief executive of Y, a maker based in Z, "…": the second half
                h_kind, h_cue, h_subj = "attribution", info[prev_q]["cue"], info[prev_q]["subj"]
            if t_kind == "content" and self.ctx.text[q["start"]:q["end"]].rstrip(
                    "\"'\u201d\u2019 ").endswith(("?", "!")) and tail[0].is_title:
                t_kind = "empty"  # "…?" New sentence.
            if self._is_title(qi, head, tail):
                self.titles.add(qi)
                continue
            full = h_kind in ("empty", "attribution", "colon", "dash") and \
                t_kind in ("empty", "attribution", "dash", "according", "participial")
            if h_kind == "empty" and t_kind in ("empty", "participial") and q["single"] \
                    and len(self.ctx.text[q["start"]:q["end"]].split()) < 4:
                full = False  # a short ‘word’ alone is a scare quote, not speech
            if not full:
                self.fragments.append(qi)
                continue
            if t_kind in ("attribution", "dash", "according"):
                cue, subj, how = t_cue, t_subj, t_kind
            elif h_kind == "dash":
                cue, subj, how = h_cue, h_subj, "dash_head"
            elif h_kind in ("attribution", "colon"):
                cue, subj, how = h_cue, h_subj, h_kind
            else:
                cue, subj, how = None, None, "none"
            info[qi] = {"cue": cue, "subj": subj, "how": how, "prev": prev_q, "next": next_q,
                        "head": h_kind, "tail": t_kind, "t_span": t_span}
            self.full_quote.add(qi)
        # split quotes: "…," she said, "…" — the second quote's head is the first one's tail
        for qi, d in info.items():
            prev = d["prev"]
            if prev in info and d["how"] == "none" or (
                    prev in info and d["how"] == "attribution" and d["cue"] is not None
                    and info[prev]["cue"] is not None and d["cue"].i == info[prev]["cue"].i):
                p = info[prev]
                if p["how"] == "attribution" and p["tail"] == "attribution" \
                        and self.quotes[prev]["close"] >= 0:
                    d.update(cue=p["cue"], subj=p["subj"], how="split")
                    p["split"] = True
        for qi, d in info.items():
            q = self.quotes[qi]
            stmt = self._direct_statement(qi, q, d)
            out.append(stmt)
        return out

    def _dash_line_after(self, q: dict[str, Any]) -> list[Token]:
        """A tweet quoted on its own line with the attribution on the next: “…”\\n— Name."""
        ctx, doc = self.ctx, self.doc
        i = ctx.tok_at(q["close"]) + 1
        while i < len(doc) and (doc[i].is_space or ctx.quote_of[i] != -1):
            if ctx.quote_of[i] != -1 and self.quotes[ctx.quote_of[i]]["close"] != q["close"]:
                return []
            i += 1
        if i < len(doc) and doc[i].text in _DASHES:
            out = []
            while i < len(doc) and not (doc[i].is_space and "\n" in doc[i].text):
                if not doc[i].is_space:
                    out.append(doc[i])
                i += 1
            return out
        return []

    def _direct_statement(self, qi: int, q: dict[str, Any], d: dict[str, Any]) -> dict[str, Any]:
        text = self.ctx.text
        content = text[q["start"]:q["end"]]
        cue: Token | None = d["cue"]
        how = d["how"]
        warnings = ""
        if q["unbalanced"]:
            construction = "quote_unbalanced"
            warnings = (f"E114: closing quotation mark at char {q['close']} has no opening mark"
                        if q["close"] >= 0 else
                        f"E110: unclosed quotation mark at char {q['open']}")
        elif q["continued"]:
            construction = "quote_paragraph_continuation"
        elif how == "split" or d.get("split"):
            construction = "quote_split"
        elif content.rstrip("\"'\u201d\u2019 ").endswith("?"):
            construction = "rhetorical_question"
        elif how in ("dash", "dash_head"):
            construction = "quote_dash"
        elif how == "colon":
            construction = "quote_colon"
        elif re.search(r"[.?!][\"'\u201d\u2019]?\s+[\"'\u201c\u2018]?[A-Z0-9]", content):
            construction = "quote_multi_sentence"
        else:
            construction = "quote_plain"
        if how == "dash":
            dash = cue
            cue_text, cue_start, cue_end = dash.text, dash.idx, dash.idx + len(dash.text)
            self.used_cues.add(dash.i)
        elif how == "dash_head":
            # the predicate before the dash: "was blunt", "disagreed", "verdict"
            pred = [c for c in cue.children if c.dep_ in ("acomp", "dobj", "attr", "prt")
                    and c.i > cue.i]
            toks = [cue] + [c for c in cue.children if c.dep_ == "neg" and c.i < cue.i]
            if pred:
                toks.append(pred[0])
            cue_start = min(t.idx for t in toks)
            cue_end = max(t.idx + len(t.text) for t in toks)
            cue_text = text[cue_start:cue_end]
            self.used_cues.add(cue.i)
        elif how == "according":
            cue_start, cue_end = d["t_span"]
            cue_text = text[cue_start:cue_end]
            self.used_cues.add(cue.i)
        elif cue is not None:
            extra = []
            if cue.lemma_ == "tell":
                extra = [c for c in cue.children if c.dep_ in ("dobj", "dative")
                         and c.lower_ in lex.HEARER_WORDS and c.i > cue.i]
            cue_start, cue_end = _cue_span(cue, extra)
            cue_text = text[cue_start:cue_end]
            self.used_cues.add(cue.i)
        else:
            cue_text, cue_start, cue_end = None, None, None
            if how == "colon":
                colon_tok = self.doc[self.ctx.tok_at(q["open"]) - 1]
                if colon_tok.text == ":":
                    cue_text, cue_start, cue_end = ":", colon_tok.idx, colon_tok.idx + 1
        subj: Token | None = d["subj"]
        mention = _mention(self.ctx, subj) if subj is not None else _no_mention()
        stmt = {"kind": "direct", "construction": construction, "cue": cue_text,
                "cue_start": cue_start, "cue_end": cue_end, "start": q["start"], "end": q["end"],
                "inherit": subj is None, "warnings": warnings, "quote": qi}
        stmt.update(mention)
        return stmt

    # -- reported speech -------------------------------------------------------------------------
    def reported(self) -> list[dict[str, Any]]:
        doc, ctx = self.doc, self.ctx
        cands: list[dict[str, Any]] = []
        for tok in doc:
            qi = ctx.quote_of[tok.i]
            if qi != -1 and qi in self.full_quote:
                continue  # the words of a direct quote belong to its speaker
            if tok.i in self.used_cues or tok.idx < self.headline_end:
                continue
            if tok.lower_ == "according" and tok.i + 1 < len(doc) \
                    and doc[tok.i + 1].lower_ == "to":
                cand = self._according(tok)
            elif _is_cue(tok) or (tok.lemma_.lower() in _PASSIVE_ONLY and tok.pos_ == "VERB"
                                  and (_is_passive(tok) or _passive_acl(tok))) \
                    or _made_clear(tok):
                # "is seen by analysts as a warning shot": a view voiced by a named holder;
                # "was presented by X as Y", "Concerns were raised by X that Z"
                cand = self._reported_cue(tok)
            else:
                cand = None
            if cand is not None:
                cands.append(cand)
                self.cue_sents.add(self.ctx.sent(tok)[0])
                self.cue_toks.add(tok.i)
        out = []
        for c in self._prune(cands):
            out.append(c)
            also = c.pop("also", None)
            if also is not None:  # "said A, and that B": B is a statement of its own
                second = dict(c, tok_range=also, start=doc[also[0]].idx,
                              end=doc[also[1] - 1].idx + len(doc[also[1] - 1].text))
                out.append(second)
        return out

    def _paragraph_start(self, verb: Token) -> int | None:
        """Character offset of the paragraph that holds ``verb`` when its sentence began in
        an earlier paragraph (or in the headline), else None."""
        doc = self.doc
        lo = self.ctx.sent(verb)[0]
        for k in range(verb.i - 1, lo - 1, -1):
            if doc[k].is_space and "\n" in doc[k].text:
                return doc[k + 1].idx if k + 1 < len(doc) else None
        return None

    def _same_paragraph(self, verb: Token, rng: tuple[int, int]) -> tuple[int, int] | None:
        """The part of a content range in the cue's own paragraph: the splitter may run two
        paragraphs together, but nobody's reported clause crosses a paragraph break."""
        doc = self.doc
        lo, hi = self.ctx.sent(verb)
        p_lo, p_hi = lo, hi
        for k in range(verb.i - 1, lo - 1, -1):
            if doc[k].is_space and "\n" in doc[k].text:
                p_lo = k + 1
                break
        for k in range(verb.i + 1, hi):
            if doc[k].is_space and "\n" in doc[k].text:
                p_hi = k
                break
        a, b = max(rng[0], p_lo), min(rng[1], p_hi)
        return (a, b) if a < b else None

    def _according(self, tok: Token) -> dict[str, Any] | None:
        doc = self.doc
        to = doc[tok.i + 1]
        pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
        if pobj is None:
            return None
        # "according to a statement from the ministry": the speaker is the issuer
        speaker = pobj
        if pobj.lower_ in lex.VOICE_NOUNS or pobj.lower_ in lex.DATA_HEADS \
                or pobj.lemma_.lower() in lex.DATA_HEADS:
            issuer = None
            for p in pobj.children:
                if p.dep_ == "prep" and p.lower_ in ("from", "by", "of"):
                    issuer = next((c for c in p.children if c.dep_ == "pobj"), None)
            for c in pobj.children:
                if c.dep_ in ("poss", "compound") and c.pos_ == "PROPN":
                    issuer = issuer or c
                if c.dep_ == "acl" and issuer is None:  # "a fact sheet released by X"
                    issuer = _agent(c)
            if issuer is not None and issuer.pos_ == "PRON" or any(
                    c.dep_ == "poss" and c.pos_ == "PRON" for c in pobj.children):
                speaker = None  # "according to their letter": the previous speaker's
            elif issuer is not None:
                speaker = issuer
            if pobj.lower_ in lex.DATA_HEADS or pobj.lemma_.lower() in lex.DATA_HEADS:
                if not any(p.dep_ == "prep" and p.lower_ in ("from", "by")
                           for p in pobj.children):
                    return None  # "according to US Census Bureau figures": data, not speech
            elif any(_is_cue(t) and _subject(t) is not None and not (
                    _is_passive(t) and _agent(t) is None and _late_agent(t) is None)
                     for t in doc[slice(*self.ctx.sent(tok))] if t.i != tok.i):
                # "X said …, according to a statement": X's statement already; but "The
                # tariffs were condemned as bullying, according to a statement issued by the
                # ministry" has no speaker but the statement's issuer
                return None
        phrase_lo = tok.i
        phrase_hi = to.right_edge.i + 1
        s_lo, s_hi = self.ctx.sent(tok)
        for k in range(tok.i - 1, s_lo - 1, -1):
            if doc[k].is_space and "\n" in doc[k].text:
                s_lo = k + 1
                break
        for k in range(tok.i + 1, s_hi):
            if doc[k].is_space and "\n" in doc[k].text:
                s_hi = k
                break
        left = _trim(doc, s_lo, phrase_lo)
        right = _trim(doc, phrase_hi, s_hi)
        if left is None and right is None:
            return None
        if left is None:
            rng = right
        elif right is None:
            rng = left
        elif any(t.pos_ in ("VERB", "AUX") for t in doc[left[0]:left[1]]):
            rng = left  # "X happened, according to Y, a step that …": the clause before
        else:
            rng = _trim(doc, s_lo, s_hi)
        if self.dateline_end and doc[rng[0]].idx < self.dateline_end:
            rng = _trim(doc, self.ctx.tok_at(self.dateline_end), rng[1]) or rng
        start_char = doc[rng[0]].idx
        end_char = doc[rng[1] - 1].idx + len(doc[rng[1] - 1].text)
        stmt = {"kind": "indirect", "construction": "according_to",
                "cue": self.ctx.text[tok.idx:to.idx + len(to.text)], "cue_start": tok.idx,
                "cue_end": to.idx + len(to.text), "start": start_char, "end": end_char,
                "inherit": speaker is None, "warnings": "", "cue_i": tok.i,
                "tok_range": list(rng)}
        stmt.update(_mention(self.ctx, speaker) if speaker is not None else _no_mention())
        return stmt

    def _reported_cue(self, verb: Token) -> dict[str, Any] | None:
        doc = self.doc
        lemma = verb.lemma_.lower()
        children = list(verb.children)
        particles = {c.lower_ for c in children if c.dep_ in ("prt", "prep")}
        if lemma in lex.NEEDS_PARTICLE and not (particles & lex.PREP_VERBS.get(lemma, set())):
            has_label = any(c.dep_ in ("oprd", "attr") for c in children) or (
                any(c.dep_ == "dobj" for c in children)
                and any(c.dep_ in ("xcomp", "ccomp") for c in children))
            if not (lemma == "call" and has_label):
                return None
        if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in _DECLINE:
            return None  # "declined to say"
        if lemma == "blame" and verb.dep_ == "xcomp" and verb.head.lemma_ == "be":
            return None  # "Congress is to blame": a judgement, not someone's accusation
        participle = _passive_acl(verb)  # "a step condemned by Beijing as unfair"
        if verb.dep_ in ("amod", "acl") and verb.tag_ == "VBN" and not participle:
            return None  # "the so-called", "the alleged theft"
        construction = "said_that"
        extra_cue: list[Token] = []
        subj: Token | None = None
        charge: tuple[int, int, int] | None = None
        # passives: "X was quoted as saying …", "it was announced by X that …",
        # "X is said to have warned …"
        head = verb.head
        if verb.dep_ in ("pcomp", "pobj") and head.lower_ == "as" \
                and head.head.lemma_.lower() in lex.QUOTED_AS:
            quoted = head.head
            subj = next((c for c in quoted.children if c.dep_ in ("nsubjpass", "nsubj")), None)
            if subj is not None and subj.lower_ in ("who", "which", "that") \
                    and quoted.dep_ == "relcl":
                # "Howard Lutnick, who was quoted as saying …"
                subj = _who_head(quoted.head) if subj.lower_ == "who" else quoted.head
            construction = "passive"
            extra_cue = [quoted, head]
        elif _is_passive(verb) or participle:
            labelling = lemma in lex.ACCUSE_VERBS or lemma in lex.OBJECT_VERBS \
                or lemma in lex.VIEW_VERBS or lemma in lex.PASSIVE_LABEL_VERBS
            agent = _agent(verb) or _late_agent(verb)
            if agent is None and lemma in lex.VIEW_VERBS:
                # "is seen in Beijing as an attempt to contain China": the capital's view
                agent = next((g for c in verb.children if c.dep_ == "prep" and c.lower_ == "in"
                              and c.i > verb.i for g in c.children
                              if g.dep_ == "pobj" and g.ent_type_ == "GPE"), None)
            if agent is None:
                return None
            subj = agent
            construction = "passive"
            if labelling:
                charge = _passive_charge(verb, agent)
            if lemma in lex.PASSIVE_EXPRESS_VERBS:
                # "Concerns were raised by X [that Z]": the clause of the concern
                charge = _expressed_clause(verb)
                if charge is None:
                    return None
            if (lemma in lex.VIEW_VERBS or lemma in lex.PASSIVE_LABEL_VERBS or participle) \
                    and charge is None:
                # "is seen by analysts" without "as …" says nothing, nor does "presented by
                # the host" or "a plan backed by Tokyo"
                return None
        elif verb.dep_ == "xcomp" and _is_passive(head) and head.lemma_.lower() in (
                "say", "report", "quote", "cite", "understand", "believe", "know"):
            subj = next((c for c in head.children if c.dep_ == "nsubjpass"), None)
            construction = "passive"
            extra_cue = [head]
        else:
            subj = _subject(verb)
            if verb.dep_ == "acl" and subj is not None and subj.lemma_.lower() in lex.VOICE_NOUNS \
                    and subj.dep_ == "dobj" and subj.head.pos_ == "VERB":
                # "X issued statements on Tuesday, urging …": X urged
                subj = _subject(subj.head) or subj
            if verb.tag_ == "VBG" and verb.dep_ in ("advcl", "xcomp", "conj", "dep", "acl",
                                                    "pcomp", "npadvmod") \
                    and not any(c.dep_ in ("nsubj", "nsubjpass") for c in children):
                construction = "participial"
                k = verb.i - 1
                while k >= 0 and doc[k].pos_ == "ADV":
                    k -= 1
                by_saying = verb.dep_ == "pcomp" and verb.head.lower_ == "by" \
                    and verb.head.head.pos_ == "VERB" \
                    and any(c.dep_ == "ccomp" for c in children)
                if verb.dep_ != "acl" and not (k >= 0 and doc[k].text in (",", ";", "\u2014")) \
                        and not _is_cue(verb.head) and not by_saying:
                    # "spent years promising to …": narration, not speech; but "responded by
                    # saying that …" reports a clause
                    return None
        if subj is None and construction == "said_that" and verb.tag_ in ("VBD", "VBZ", "VBP"):
            # the splitter ran a headline or the previous paragraph into this sentence and the
            # parser took the speaker for an object there ("… that almost worked\n\nWang
            # Xiaodong, a former negotiator, said …"): the subject starts the paragraph
            cut = self._paragraph_start(verb)
            if cut is not None:
                subj = self._after_dateline(verb, cut)
        needs_outer = False
        if not _speaker_ok(self.ctx, subj, lemma):
            # "X warned that A, arguing …" / "X said A, and blamed …": the parser hung the
            # second cue inside A, so its subject is A's; _prune gives it X if it is nested
            coordinated = verb.i > 0 and doc[verb.i - 1].lower_ == "and" and verb.tag_ == "VBD" \
                and not any(c.dep_ in ("nsubj", "nsubjpass") for c in children)
            if construction != "participial" and not coordinated:
                return None
            needs_outer, subj = True, None
        if subj is not None and subj.lemma_.lower() in lex.VOICE_NOUNS:
            # "The paper, issued by the State Council Information Office, accused …": a
            # statement speaks for its issuer
            for c in subj.children:
                if c.dep_ == "acl" and c.tag_ == "VBN":
                    issuer = _agent(c)
                    if issuer is not None and _speaker_ok(self.ctx, issuer, "say"):
                        subj = issuer
                        break
        if subj is not None and any(c.lower_ in ("neither", "no", "nobody", "none")
                                    for c in subj.children if c.dep_ in ("det", "preconj")):
            return None  # "Neither Dutch nor Japanese officials have said …"
        if subj is not None and subj.idx < self.headline_end:
            # the parser glued the headline to the first sentence: its subject comes after
            subj = self._after_dateline(verb, self.headline_end) \
                if verb.idx > self.headline_end else None
            if subj is None or subj.left_edge.idx < self.headline_end \
                    or not _speaker_ok(self.ctx, subj, lemma):
                return None
        if self.dateline_end and subj is not None and subj.idx < self.dateline_end:
            subj = self._after_dateline(verb)
            if subj is None:
                return None
        rng, comp = _content_range(self.ctx, verb, lemma)
        if rng is not None:
            clipped = self._same_paragraph(verb, rng)
            if clipped != rng and clipped is not None and clipped[0] <= verb.i < clipped[1] \
                    and comp != "parenthetical":
                clipped = None  # what was left is the attribution itself
            if clipped is None and lemma == "tell":
                clipped = _surface_that(self.ctx, verb, limit_tokens=14)
            rng = clipped
        if charge is not None:
            # "X was accused by Y [of Z]", "X was condemned by Y [as Z]"
            rng, comp = (charge[0], charge[1]), "accusation"
        elif rng is None and construction == "passive" and extra_cue:
            # "[Content], a spokesperson was quoted as saying": the clause before the comma
            rng = _inverted_range(self.ctx, extra_cue[0], subj)
            comp = "inverted"
        elif rng is None and construction == "passive" and any(
                c.dep_ == "nsubjpass" and c.lower_ == "it" for c in children):
            # "It was asserted in a report by X that …": the parser hung the clause on the
            # report
            rng = _surface_that(self.ctx, verb, limit_tokens=16)
            comp = "clause"
        if rng is None:
            return None
        if lemma in lex.COGNITION_VERBS and lemma not in lex.SAY_VERBS:
            # a belief is a statement only when voiced by someone, about a proposition
            if comp != "clause" or subj is None or subj.pos_ == "PRON" \
                    or not _speaker_ok(self.ctx, subj, "indicate") or rng[1] - rng[0] < 3 \
                    or not any(t.pos_ in ("VERB", "AUX") for t in doc[rng[0]:rng[1]]):
                return None
        # "…, according to a statement": the content stops before the other attribution
        for k in range(rng[0] + 1, rng[1] - 1):
            if doc[k].lower_ == "according" and doc[k + 1].lower_ == "to" \
                    and doc[k - 1].text == ",":
                rng = (rng[0], k - 1)
                break
        if lemma not in lex.ACCUSE_VERBS and _nothing_said(verb):
            return None  # "did not say whether …", "can no longer claim …": nothing was said
        if lemma in _QUESTION_ASK and any(c.dep_ == "aux" and c.lower_ in ("will", "'ll", "shall")
                                          for c in children):
            return None  # "voters will ask who pays the bill": nobody has asked yet
        if lemma not in lex.ACCUSE_VERBS and any(c.dep_ == "mark" and c.lower_ in (
                "if", "unless", "before", "until", "lest") for c in children):
            # "if Washington believes it can …", "before its friends conclude that …": a
            # supposition, not a statement
            return None
        if verb.dep_ == "relcl" and comp != "clause" and charge is None:
            # "which has long criticized X": background, not a statement here; but "a step
            # that was welcomed by X as Y" names its speaker and what was said
            return None
        if comp == "object" and construction != "participial" and not _finite(verb):
            return None  # "will continue to … welcome investment": an intention, not speech
        if comp in ("object", "accusation") and doc[rng[0]].tag_ in ("WDT", "WP") \
                and rng[1] - rng[0] == 1:
            return None  # "which Beijing continues to denounce"
        if comp == "clause" and lemma in ("say", "tell", "comment", "confirm", "disclose"):
            first = doc[rng[0]]
            if first.lower_ in ("whether", "if") or (first.lower_ in ("when", "how")
                                                    and _negated_or_modal(verb)):
                return None  # "have said publicly whether …": nothing was said
        if self.dateline_end and doc[rng[0]].idx < self.dateline_end < doc[rng[1] - 1].idx:
            rng = (self.ctx.tok_at(self.dateline_end), rng[1])  # the lede after the dateline
        rng = _trim(doc, *rng)
        if rng is None:
            return None
        a, b = rng
        also = None
        if comp == "clause":
            # "said [A], and that [B]": two reported clauses of one cue, two statements
            for k in range(a + 2, b - 2):
                if doc[k].lower_ == "that" and doc[k].dep_ == "mark" \
                        and doc[k - 1].lower_ == "and" and doc[k - 2].text == "," \
                        and doc[k].head.dep_ == "conj":
                    first, second = _trim(doc, a, k - 1), _trim(doc, k + 1, b)
                    if first is not None and second is not None:
                        (a, b), also = first, second
                    break
        if lemma in ("ask", "request") and _ANONYMITY.search(doc[a:b].text):
            return None  # "who asked not to be named": a condition, not a statement
        if lemma == "tell" and any(c.lower_ == "you" and c.dep_ in ("dative", "dobj")
                                   for c in children):
            return None  # "each side will tell you …": generic
        if construction != "passive":
            if comp == "accusation":
                construction = "participial" if construction == "participial" \
                    else "verb_of_accusation"
            elif comp == "question" and (doc[a].lower_ in _WH or self.ctx.text[
                    doc[b - 1].idx:].startswith("?") or doc[b - 1].text == "?"):
                construction = "rhetorical_question" if construction != "participial" \
                    else "participial"
            elif lemma == "tell" and construction != "participial" and any(
                    c.dep_ in ("dobj", "dative") and c.i > verb.i for c in children):
                construction = "told_reporters"
        hearers = []
        if lemma == "tell":
            hearers = [c for c in children if c.dep_ in ("dobj", "dative") and c.i > verb.i
                       and c.lower_ in lex.HEARER_WORDS]
        if lemma in ("express", "voice", "raise"):
            extra_cue = extra_cue + [c for c in children if c.dep_ == "dobj"]
        if _made_clear(verb):  # "was made clear"
            extra_cue = extra_cue + [c for c in children if c.lower_ in ("clear", "plain")]
        cue_start, cue_end = _cue_span(verb, extra_cue + hearers)
        if construction == "participial":
            # participial cues keep their own span only: "saying"
            cue_start, cue_end = _cue_span(verb, hearers)
        start_char = doc[a].idx
        end_char = doc[b - 1].idx + len(doc[b - 1].text)
        stmt = {"kind": "indirect", "construction": construction,
                "cue": self.ctx.text[cue_start:cue_end], "cue_start": cue_start, "cue_end": cue_end,
                "start": start_char, "end": end_char, "inherit": False, "warnings": "",
                "cue_i": verb.i, "tok_range": [a, b], "comp": comp,
                "cue_head": verb.head.i, "needs_outer": needs_outer}
        if also is not None:
            stmt["also"] = list(also)
        stmt.update(_mention(self.ctx, subj) if subj is not None else _no_mention())
        if charge is not None and stmt["speaker_tok_end"] > charge[2] > stmt["speaker_tok_start"]:
            # the parser hung the charge on the agent ("accused by agencies of building …")
            hi = charge[2]
            while hi > stmt["speaker_tok_start"] and (doc[hi - 1].is_punct or doc[hi - 1].is_space):
                hi -= 1
            stmt["speaker_tok_end"] = hi
            stmt["speaker_end"] = doc[hi - 1].idx + len(doc[hi - 1].text)
            stmt["speaker_text"] = self.ctx.text[stmt["speaker_start"]:stmt["speaker_end"]]
        return stmt

    def _prune(self, cands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Drop reported speech nested inside another statement's content ("X said Y accused
        Z": one statement by X), and a bare "condemned the move" whose participial sibling
        ("…, saying …") carries the content."""
        doc = self.doc
        for c in cands:
            if c["construction"] != "participial":
                continue
            k = c["cue_i"] - 1
            while k >= 0 and doc[k].pos_ == "ADV":
                k -= 1
            if k < 0 or doc[k].text != ",":
                continue
            for o in cands:
                a, b = o["tok_range"]
                if o is not c and a <= c["cue_i"] < b and o["cue_i"] < a:
                    # "X warned that A, arguing that B": B is X's too, and A stops at the comma
                    _share_outer(doc, o, c, a, k)
        for c in cands:
            verb = doc[c["cue_i"]]
            if c["construction"] == "participial" or any(
                    ch.dep_ in ("nsubj", "nsubjpass") for ch in verb.children):
                continue
            if verb.i < 2 or doc[verb.i - 1].lower_ != "and" or verb.tag_ != "VBD":
                continue
            for o in cands:
                a, b = o["tok_range"]
                if o is not c and a <= c["cue_i"] < b and o["cue_i"] < a \
                        and doc[o["cue_i"]].tag_ == "VBD":
                    # "X said A, and blamed Y for B": the parser put "blamed" inside A
                    _share_outer(doc, o, c, a, verb.i - 1)
        for c in cands:
            if c["construction"] != "passive" or c.get("speaker_i") is None:
                continue
            left = doc[c["cue_i"]].left_edge.i
            if left < 2 or doc[left - 1].lower_ != "and" or doc[left - 2].text != ",":
                continue
            for o in cands:
                a, b = o["tok_range"]
                if o is not c and a < left - 2 < b and o["cue_i"] < a:
                    # "X said A, and it was pointed out by her that B": the parser hung the
                    # second attribution inside A; it names its own speaker
                    o["tok_range"] = [a, left - 2]
                    o["end"] = doc[left - 3].idx + len(doc[left - 3].text)
                    c["own"] = True
        cands = [c for c in cands if not c.get("needs_outer")]
        keep = []
        for c in cands:
            nested = False
            for o in cands:
                if o is c:
                    continue
                a, b = o["tok_range"]
                if a <= c["cue_i"] < b and not (c["tok_range"][0] <= o["cue_i"]
                                                < c["tok_range"][1]):
                    nested = not (c.get("own") or self._own_speaker(c))
                    break
            if nested:
                continue
            if c["construction"] == "passive" and c.get("comp") == "accusation" \
                    and self.doc[c["cue_i"]].dep_ == "relcl":
                noun = self.doc[c["cue_i"]].head
                cut = noun.left_edge.i
                for o in cands:
                    a, b = o["tok_range"]
                    if o is not c and a < cut < b and self.doc[cut - 1].text == ",":
                        # the outer content ends before the appositive that was welcomed
                        o["tok_range"] = [a, cut - 1]
                        o["end"] = self.doc[cut - 2].idx + len(self.doc[cut - 2].text)
            if c.get("comp") in ("accusation", "object"):
                verb = self.doc[c["cue_i"]]
                a, b = c["tok_range"]
                # "criticised [the increases for raising costs]": the charge may hang on the
                # object rather than on the verb
                has_prep = c["comp"] == "accusation" and any(
                    t.dep_ == "prep" and t.lower_ in ("of", "for", "over", "on")
                    and (t.head.i == verb.i or t.head.dep_ == "dobj" and t.head.head.i == verb.i)
                    for t in [*verb.children, *self.doc[a:b]])
                if not has_prep and any(o["construction"] == "participial"
                                        and o.get("cue_head") == verb.i for o in cands):
                    continue
            keep.append(c)
        return keep

    def _own_speaker(self, c: dict[str, Any]) -> bool:
        """A reported clause inside a reported clause is a statement of its own when it names
        its own speaker and a hearer: "X said [officials had assured him that …]"."""
        i = c.get("speaker_i", -1)
        if i is None or i < 0 or c["construction"] == "participial":
            return False
        verb = self.doc[c["cue_i"]]
        if c["construction"] == "passive" and c.get("comp") == "accusation" \
                and verb.dep_ == "relcl":
            # "China said it would review the duties, a step that has been welcomed by X as
            # Y": the relative clause names its own speaker and what X said
            return True
        subj = self.doc[i]
        verb = self.doc[c["cue_i"]]
        hearer = any(ch.dep_ in ("dobj", "dative") and ch.pos_ == "PRON" for ch in verb.children)
        return subj.pos_ in ("NOUN", "PROPN") and hearer and c.get("comp") == "clause"

    # -- merge fragments ---------------------------------------------------------------------------
    def merge(self, direct: list[dict[str, Any]], reported: list[dict[str, Any]]) \
            -> list[dict[str, Any]]:
        text = self.ctx.text
        out = list(direct)
        direct_spans = [(s["start"], s["end"], s) for s in direct]
        for r in reported:
            # content that is (almost) a whole direct quote: the quote already covers it
            covered = False
            for s, e, d in direct_spans:
                ov = min(e, r["end"]) - max(s, r["start"])
                if ov > 0 and ov >= 0.8 * (r["end"] - r["start"]):
                    covered = True
                    if d["inherit"]:
                        for key in ("cue", "cue_start", "cue_end", "speaker_start",
                                    "speaker_end", "speaker_text", "speaker_i",
                                    "speaker_tok_start", "speaker_tok_end", "speaker_desc"):
                            d[key] = r[key]
                        d["inherit"] = False
                    break
            if covered:
                continue
            for qi in self.fragments:
                q = self.quotes[qi]
                if r["start"] <= q["open"] and q["start"] < r["end"] + 1:
                    r["kind"] = "mixed"
                    r["construction"] = "mixed"
                    # through the closing mark; an unclosed quote has no mark to take in, and
                    # one past its content could be past the end of the text
                    end = q["close"] + 1 if q["close"] >= 0 else q["end"]
                    if r["end"] < end:
                        r["end"] = end
            out.append(r)
        # keep the quote marks of a mixed statement that begins with its fragment
        for r in out:
            if r["kind"] == "mixed" and r["start"] > 0 and text[r["start"] - 1] in _QUOTE_CHARS:
                r["start"] -= 1
        return out

    # -- author voice ------------------------------------------------------------------------------
    def _about_actor(self, sent: Any, s: int, e: int, mentions: list[tuple[int, int]],
                     paras: list[tuple[int, int]], blame: bool) -> bool:
        """Whether an evaluative sentence in the outlet's voice is about an actor, side or
        polity: it names one; in commentary also "Both capitals …", a subject that points back
        to an actor's acts ("Such practices seriously violate …"), and, for a blame word or a
        question, an actor named in its paragraph."""
        if any(s <= a < e for a, _ in mentions):
            return True
        if self.is_wire:
            return False
        body = self.ctx.text[s:e]
        if _POLITY_RE.search(body) or _ANAPHORIC_ACTS.match(body):
            return True
        if _PRONOUN_SUBJECT.match(body):
            blame = True  # "It should correct its mistakes.": the actor is the one just named
        if blame:
            k = next((k for k, (ps, pe) in enumerate(paras) if ps <= s < pe), None)
            if k is None:
                return False
            # its paragraph, or the paragraph it answers ("The so-called de-risking is
            # decoupling under another name." after a paragraph on Washington's rules)
            lo = paras[k - 1][0] if k > 0 else paras[k][0]
            return any(lo <= a < paras[k][1] for a, _ in mentions)
        return False

    def _evaluative_copula(self, toks: list[Token], mentions: list[tuple[int, int]]) -> bool:
        """"The Commission's duties are a blunt instrument …", "Washington's aid checks were a
        bandage": in commentary, an actor's act that the outlet sums up with an indefinite
        noun is a verdict. The subject must hold an actor as possessor or be one."""
        root = next((t for t in toks if t.dep_ == "ROOT"), None)
        if root is None or root.lemma_ != "be" or _negated_or_modal(root):
            return False
        subj = next((c for c in root.children if c.dep_ == "nsubj"), None)
        attr = next((c for c in root.children if c.dep_ == "attr" and c.pos_ == "NOUN"), None)
        if subj is None or attr is None or attr.i < root.i:
            return False
        if not any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in attr.children):
            return False
        if attr.lemma_.lower() in _NEUTRAL_ATTRS:
            return False
        owner = [c for c in subj.children if c.dep_ == "poss"] + [subj]
        return any(a <= o.idx < b for o in owner for a, b in mentions)

    def author(self, stmts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        doc, ctx = self.doc, self.ctx
        rows = doc._.get("bg_entities") if Doc.has_extension("bg_entities") else None
        mentions: list[tuple[int, int]] = []
        if rows:
            mentions = [(r["start_char"], r["end_char"]) for r in rows
                        if r.get("actor_id") or r.get("side") in self.side_codes]
        else:
            mentions = [(e.start_char, e.end_char) for e in doc.ents
                        if e.label_ in ("GPE", "NORP", "ORG", "PERSON")]
        # reported statements by the character of their cue: a claim the outlet answers in
        # the same sentence does not hide the sentence (_rebuttal)
        self.claims = {(s["start"], s["end"]): s["cue_start"] for s in stmts
                       if s["kind"] in ("indirect", "mixed") and s.get("cue_i") is not None}
        taken = [(s["start"], s["end"]) for s in stmts] + \
                [(s["cue_start"], s["cue_end"]) for s in stmts if s["cue_start"] is not None]
        for qi, q in enumerate(self.quotes):
            if not self.is_wire and qi not in self.full_quote and q["close"] >= 0 \
                    and len(text_of_quote(self.ctx.text, q).split()) <= _SCARE_QUOTE_WORDS:
                continue  # a scare quote ("so-called "national security"") is the outlet's
            taken.append((q["open"], q["close"] + 1 if q["close"] >= 0 else q["end"]))
        out = []
        text = ctx.text
        paras = _paragraphs(text)
        for lo, hi in ctx.sent_bounds:
            sent = doc[lo:hi]
            s0, e0 = sent.start_char, sent.end_char
            for cut in (self.headline_end, self.dateline_end):
                if cut and s0 < cut < e0:  # the sentence splitter kept the headline or dateline
                    s0 = cut
            # The splitter may run a sentence over a paragraph break (a closing mark of the
            # previous paragraph's quote, or two short paragraphs): each paragraph is its own.
            for ps, pe in paras:
                s, e = max(s0, ps), min(e0, pe)
                if s >= e:
                    continue
                stmt = self._author_sentence(sent, s, e, mentions, taken, paras)
                if stmt is not None:
                    out.append(stmt)
        return out

    def _author_sentence(self, sent: Any, s: int, e: int, mentions: list[tuple[int, int]],
                         taken: list[tuple[int, int]], paras: list[tuple[int, int]]) \
            -> dict[str, Any] | None:
        """An author statement for the sentence text [s, e), or None."""
        text = self.ctx.text
        while s < e and (text[s].isspace() or text[s] in _QUOTE_CHARS):
            s += 1  # a closing mark the splitter left at the start of the next sentence
        body = text[s:e].strip()
        n_words = len(body.split())
        if e <= self.headline_end or n_words < 3 or body.endswith(":"):
            return None
        if not body[:1].isalnum() and not body[:1] in "([":
            return None
        # cues of claims reported in this sentence: the outlet may answer them (_rebuttal)
        claim_cues = set() if self.is_wire else {
            c for c in self.claims.values() if s <= c < s + len(body)}
        if any(a < s + len(body) and s < b and self.claims.get((a, b)) not in claim_cues
               and a not in claim_cues for a, b in taken):
            return None
        question = body.endswith("?")
        blame = [m for m in lex.AUTHOR_BLAME_RE.finditer(body)
                 if not self._reported_word(s + m.start())]
        toks = [t for t in sent if s <= t.idx < e]
        # The rules: short verdicts count only with a blame word ("This is bullying."); wire
        # copy asks no rhetorical questions of its own; a lexicon word or frame is needed.
        rule = not (n_words < 6 and (self.is_wire or not blame or question)) \
            and not (question and self.is_wire) \
            and bool(blame or question or lex.AUTHOR_STANCE_RE.search(body) or (
                not self.is_wire and (lex.AUTHOR_VERDICT_RE.search(body)
                                      or self._evaluative_copula(toks, mentions))))
        # a rhetorical question, a blame word or a verdict frame may take its actor from its
        # paragraph ("Who, after all, has torn up one agreement after another?")
        framed = bool(blame) or question or bool(lex.AUTHOR_VERDICT_RE.search(body))
        # about no actor or side ("Both capitals …" counts in commentary): no author statement
        rule = rule and self._about_actor(sent, s, e, mentions, paras, framed)
        if not rule and self.author_model is None and self.candidates is None:
            return None
        reported = [t for t in toks if t.i in self.cue_toks or self._reported_here(t)]
        if reported:
            rebuttal = self._rebuttal(toks, reported, s, e, mentions, paras)
            if rebuttal is None:
                return None  # reported speech (even if pruned): not the outlet's voice
            self.rebutted.update(t.i for t in reported)
            rule = True
        if not any(t.pos_ in ("VERB", "AUX") for t in toks):
            return None
        if not rule or self.candidates is not None:
            # the learned detector (pipeline/author.py) for what the lexicons miss
            if not self._author_model_says(sent, s, e, body, toks, mentions, paras,
                                           bool(blame), question, rule) and not rule:
                return None
        return {"kind": "author", "construction": "rhetorical_question" if question else "author",
                "cue": None, "cue_start": None, "cue_end": None, "start": s,
                "end": s + len(body), "inherit": False, "warnings": "", **_no_mention()}

    def _rebuttal(self, toks: list[Token], reported: list[Token], s: int, e: int,
                  mentions: list[tuple[int, int]], paras: list[tuple[int, int]]) -> int | None:
        """Where the outlet answers a claim it reports in the same sentence: "The White House
        claims the move is about fentanyl, but anyone who has followed … knows better", "The
        administration promised that China would pay; it is American farmers who are
        paying." In commentary only, every cue before a "; " or ", but" and the clause after it
        a verdict in the outlet's voice (a lexicon word or frame, clefts included). The sentence is
        then the outlet's statement, and the claim it reports only a part of it. Returns the
        token index of the split, or None."""
        if self.is_wire:
            return None
        text = self.ctx.text
        for k, tok in enumerate(toks[:-3]):
            split = tok.text == ";" or (tok.lower_ in ("but", "yet") and k > 0
                                        and toks[k - 1].text in (",", ";"))
            if not split or any(r.i > tok.i for r in reported):
                continue
            rest = toks[k + 1:]
            if not any(t.pos_ in ("VERB", "AUX") and any(c.dep_ in ("nsubj", "nsubjpass", "expl")
                                                          for c in t.children) for t in rest):
                continue
            after = text[rest[0].idx:e]
            if lex.AUTHOR_BLAME_RE.search(after) or lex.AUTHOR_STANCE_RE.search(after) \
                    or lex.AUTHOR_VERDICT_RE.search(after):
                if self._about_actor(None, s, e, mentions, paras, True):
                    return tok.i
        return None

    def _author_model_says(self, sent: Any, s: int, e: int, body: str, toks: list[Token],
                           mentions: list[tuple[int, int]], paras: list[tuple[int, int]],
                           blame: bool, question: bool, rule: bool) -> bool:
        """Whether the author model takes a sentence the rules left: its probability reaches
        the threshold, the sentence has six words or more, the text is not wire copy and the
        sentence is about an actor named in it or in its paragraph (or the one before). In
        training mode (``self.candidates`` is a list) every sentence seen here is recorded
        with its features."""
        from .author import sentence_features

        k = next((k for k, (ps, pe) in enumerate(paras) if ps <= s < pe), 0)
        about_para = self._about_actor(sent, s, e, mentions, paras, True)
        info = {"wire": self.is_wire, "voice": self.is_voice, "blame": blame,
                "stance": bool(lex.AUTHOR_STANCE_RE.search(body)),
                "verdict": bool(lex.AUTHOR_VERDICT_RE.search(body)),
                "evcop": not self.is_wire and self._evaluative_copula(toks, mentions),
                "about": self._about_actor(sent, s, e, mentions, paras, False),
                "about_para": about_para,
                "mentions": sum(1 for a, _ in mentions if s <= a < e),
                "para_index": k, "para_first": not self.ctx.text[paras[k][0]:s].strip()
                if paras else True,
                "scare_quote": any(ch in body for ch in '"\u201c\u201d\u00ab\u00bb')}
        feats = sentence_features(toks, body, info)
        # wire copy speaks in its own voice only through explicit blame words (the rules')
        model_ok = about_para and len(body.split()) >= 6 and not self.is_wire
        if any(self._reported_word(s + m.start()) for m in lex.AUTHOR_BLAME_RE.finditer(body)):
            # "Chinese officials have stopped short of blaming …": a speaker's (non-)blame,
            # reported, not the outlet's verdict
            model_ok = False
        if self.candidates is not None:
            self.candidates.append({"start": s, "end": s + len(body), "text": body,
                                    "features": feats, "rule": rule, "model_ok": model_ok,
                                    "about": info["about"], "wire": self.is_wire})
        m = self.author_model
        return m is not None and model_ok and m.score(feats) >= m.threshold

    def _reported_here(self, tok: Token) -> bool:
        """Whether ``tok`` reports someone's speech: a cue verb with a speaker subject and
        something said (a clause, or the object of a verb of accusation or assessment).
        "as it writes rules" or "what the US fears is …" report nothing."""
        if not _is_cue(tok):
            return False
        if tok.dep_ == "relcl" and tok.head.dep_ in ("nsubj", "nsubjpass") \
                and tok.head.lower_ in ("those", "anyone", "people", "politicians", "whoever"):
            return False  # "Those in Washington who believe tariffs work have learned nothing"
        if not any(c.dep_ in ("nsubj", "nsubjpass") and c.idx >= self.headline_end
                   and _speaker_ok(self.ctx, c, "say") for c in tok.children):
            return False  # (a headline word is never the speaker)
        lemma = tok.lemma_.lower()
        if _nothing_said(tok) or any(c.dep_ == "mark" and c.lower_ in (
                "if", "unless", "before", "until", "lest") for c in tok.children):
            return False  # "before Washington admits that …": nothing was said
        deps = {c.dep_ for c in tok.children if c.i > tok.i}
        if deps & {"ccomp", "parataxis"} or (deps & {"xcomp"} and lemma in lex.XCOMP_VERBS):
            return True
        if deps & {"xcomp"} and "dobj" in deps and lemma in lex.XCOMP_NEEDS_OBJECT:
            return True  # "Lin urged Washington to stop …": an appeal reported, not a verdict
        if "dobj" in deps and (lemma in lex.ACCUSE_VERBS or lemma in lex.OBJECT_VERBS
                               or lemma in _QUESTION_ASK):
            return True
        if lemma in lex.PREP_VERBS and any(c.lower_ in lex.PREP_VERBS[lemma]
                                           for c in tok.children):
            return True
        # an inverted attribution ("…, the ministry said.") has no complement of its own
        return tok.dep_ in ("parataxis", "ccomp") and tok.head.i < tok.i and not deps

    def _after_dateline(self, verb: Token, cut: int | None = None) -> Token | None:
        """The subject of a lede verb when the parser took the dateline (or the headline,
        ``cut``) for it ("WASHINGTON, Oct. 8 (Wire) — The administration on Friday announced
        …")."""
        doc = self.doc
        i = self.ctx.tok_at(self.dateline_end if cut is None else cut)
        while i < verb.i and doc[i].is_space:
            i += 1
        while i < verb.i and doc[i].pos_ not in ("NOUN", "PROPN"):
            i += 1
        if i >= verb.i:
            return None
        head = doc[i]
        while head.head.i != head.i and head.head.i < verb.i and head.dep_ in (
                "compound", "amod", "det", "poss", "nmod") and head.head.pos_ in ("NOUN", "PROPN"):
            head = head.head
        return head

    def _reported_word(self, char: int) -> bool:
        """Whether the blame word at ``char`` is a reporting verb ("stopped short of blaming"):
        then the blame is someone else's, not the outlet's."""
        tok = self.doc[self.ctx.tok_at(char)]
        if any(c.dep_ == "nsubj" and c.lower_ in ("i", "we") for c in tok.children):
            return False  # "I blame the White House": the columnist is the outlet's voice
        if tok.tag_ == "VBG" and tok.dep_ in ("csubj", "nsubj", "conj", "pobj") \
                and not any(c.dep_ in ("nsubj", "poss") for c in tok.children):
            return False  # "Blaming Chinese shipyards for … is like …": nobody's report
        return tok.pos_ == "VERB" and tok.lemma_.lower() in (lex.ACCUSE_VERBS | lex.SAY_VERBS)

    def run(self) -> list[dict[str, Any]]:
        direct = self.direct_quotes()
        reported = self.reported()
        stmts = self.merge(direct, reported)
        if self.author_statements:
            stmts += self.author(stmts)
            if self.rebutted:  # a claim the outlet answers in the same sentence is its part
                stmts = [s for s in stmts if s.get("cue_i") not in self.rebutted]
        stmts.sort(key=lambda s: (s["start"], s["end"]))
        for s in stmts:
            for key in ("tok_range", "cue_head", "comp", "cue_i", "quote", "own"):
                s.pop(key, None)
        return stmts


@Language.factory(
    "blamegraph_statements",
    requires=["token.dep", "token.lemma", "token.pos", "token.ent_type", "doc.sents"],
    assigns=[f"doc._.{STATEMENTS_EXT}", f"doc._.{WARNINGS_EXT}"],
    default_config={"author_statements": True, "side_codes": ["US", "CN"],
                    "voice_outlets": [], "author_model": ""},
)
def make_statement_finder(nlp: Language, name: str, author_statements: bool,
                          side_codes: list[str], voice_outlets: list[str],
                          author_model: str = "") -> "StatementFinder":
    return StatementFinder(name, author_statements=author_statements, side_codes=side_codes,
                           voice_outlets=voice_outlets, author_model=author_model)


class StatementFinder:
    """Writes ``doc._.bg_statements``: one plain dict per statement (content, cue and speaker
    mention offsets; speakers are resolved by ``blamegraph_speakers``) and
    ``doc._.bg_warnings`` (unclosed or stray quotation marks)."""

    def __init__(self, name: str = "blamegraph_statements", *, author_statements: bool = True,
                 side_codes: list[str] | None = None, voice_outlets: list[str] | None = None,
                 author_model: str = ""):
        from .author import load_cached

        self.name = name
        self.author_statements = author_statements
        # the learned author-sentence detector (pipeline/author.py); "" = rules only
        self.author_model = load_cached(author_model) if author_model else None
        self.side_codes = frozenset(side_codes or ["US", "CN"])
        # outlets that speak in their own voice under a dateline (state media, think tanks,
        # government bodies of the registry), by normalized name
        self.voice_outlets = frozenset(_outlet_key(o) for o in voice_outlets or [])
        install_extensions()

    def __call__(self, doc: Doc) -> Doc:
        # Unpickled copies (spawned worker processes) skip __init__: install here as well.
        install_extensions()
        warnings = list(doc._.get(WARNINGS_EXT) or [])
        try:
            extraction = _Extraction(doc, self.author_statements, self.side_codes,
                                     self.voice_outlets, getattr(self, "author_model", None))
            statements = extraction.run()
            warnings += extraction.warnings
        except Exception as e:  # one bad text must not stop a batch: record it, keep going
            logger.exception("statement extraction failed on a doc of %d chars", len(doc.text))
            statements = []
            warnings.append({"code": "E112", "start": 0, "end": len(doc.text),
                             "error": f"{type(e).__name__}: {e}"})
        doc._.set(STATEMENTS_EXT, statements)
        doc._.set(WARNINGS_EXT, warnings)
        return doc


VOICE_OUTLET_TYPES = frozenset({"state_media", "think_tank", "government"})


def _outlet_key(name: str) -> str:
    """
    >>> _outlet_key("The  Global Times ")
    'global times'
    """
    key = " ".join(name.lower().split())
    return key[4:] if key.startswith("the ") else key


def statements_of(doc: Doc) -> list[dict[str, Any]]:
    """``doc._.bg_statements``, or a clear error when the component is missing."""
    from .errors import BlamegraphError, Errors

    if not Doc.has_extension(STATEMENTS_EXT) or doc._.get(STATEMENTS_EXT) is None:
        raise BlamegraphError(Errors.E103.format(ext=STATEMENTS_EXT,
                                                 component="blamegraph_statements"))
    return doc._.get(STATEMENTS_EXT)


# --- the entry point -----------------------------------------------------------------------------
# In-word apostrophes (China’s, don’t) become ' for the parser only: the small English models
# parse "Beijing’s move" badly. One character for one, so every offset stays valid; statement
# and entity texts are cut from the original text.
_INWORD_APOSTROPHE = re.compile(r"(?<=\w)[\u2019\u02bc](?=\w)")


# spaCy's tokenizer strips prefix and suffix punctuation one character at a time, re-scanning
# the rest of the token each time: a run of thousands of marks ('"' * 10_000, '=' * 50_000)
# took minutes. A space every _PUNCT_BREAK chars inside such a run keeps it linear.
_PUNCT_BREAK = 32
_PUNCT_RUN = re.compile(r"[^\w\s]{%d,}" % (2 * _PUNCT_BREAK))


def _break_run(m: re.Match[str]) -> str:
    chars = list(m.group())
    chars[_PUNCT_BREAK - 1::_PUNCT_BREAK] = " " * len(chars[_PUNCT_BREAK - 1::_PUNCT_BREAK])
    return "".join(chars)


def parse_text(text: str) -> str:
    """The text handed to the parser: same length, in-word curly apostrophes straightened,
    and runs of 64+ punctuation marks broken by a space every 32 chars.

    >>> parse_text("China\u2019s " + "=" * 64) == "China's " + ("=" * 31 + " ") * 2
    True
    """
    text = _INWORD_APOSTROPHE.sub("'", text)
    return _PUNCT_RUN.sub(_break_run, text) if _PUNCT_RUN.search(text) else text


def load_spacy(models: list[str]) -> Language:
    """The first installed spaCy pipeline of ``models``; BlamegraphError E100 if none is."""
    import spacy

    from .errors import BlamegraphError, Errors

    for name in models:
        if spacy.util.is_package(name) or (name and Path(name).is_dir()):
            nlp = spacy.load(name)
            missing = [c for c in ("parser", "ner") if c not in nlp.pipe_names]
            if not any(c in nlp.pipe_names for c in ("lemmatizer", "trainable_lemmatizer")):
                missing.append("lemmatizer")
            if missing:
                raise BlamegraphError(Errors.E101.format(model=name, missing=missing))
            return nlp
    raise BlamegraphError(Errors.E100.format(models=", ".join(models) or "(none)"))


def add_statement_components(nlp: Language, index: Any, author_statements: bool = True,
                             author_model: str | Path | None = None) -> Language:
    """Add ``blamegraph_entities``, ``blamegraph_statements`` and ``blamegraph_speakers`` to
    ``nlp`` (each only once), sharing ``index``. ``author_model`` is the path of the author
    model artefact (``pipeline/author.py``); None = rules only."""
    from . import speakers  # noqa: F401  (registers the factory)
    from .entities import add_entity_linker

    if "blamegraph_entities" not in nlp.pipe_names:
        add_entity_linker(nlp, index)
    else:
        nlp.get_pipe("blamegraph_entities").set_index(index)
    if "blamegraph_statements" not in nlp.pipe_names:
        voice = [name for outlet in index.loaded.registry.outlets
                 if outlet.type in VOICE_OUTLET_TYPES for name in [outlet.name, *outlet.aliases]]
        nlp.add_pipe("blamegraph_statements", config={
            "author_statements": author_statements,
            "side_codes": list(index.side_codes), "voice_outlets": voice,
            "author_model": str(author_model) if author_model else ""})
    if "blamegraph_speakers" not in nlp.pipe_names:
        nlp.add_pipe("blamegraph_speakers")
    nlp.get_pipe("blamegraph_speakers").set_index(index)
    return nlp


def is_wire_copy(text: str, outlet: str | None, voice_outlets: frozenset[str]) -> bool:
    """The statement rules' wire-copy test on raw text: a dateline after the headline and an
    outlet that is not an opinion, state-media, think-tank or government voice."""
    return bool(_DATELINE.match(text, _headline_end(text))) \
        and _outlet_key(outlet or "") not in voice_outlets


class StatementExtractor:
    """Statements, speakers and entities of a stream of documents.

    >>> from pipeline.config import load_config
    >>> from pipeline.schema import Document
    >>> ex = StatementExtractor(load_config())
    >>> doc = Document("d1", 'The Commerce Ministry said Beijing would "fight to the end."',
    ...                "x", 1)
    >>> [(s.kind, s.speaker, s.speaker_side, s.text) for s in next(ex.process([doc]))[1]]
    [('mixed', 'Chinese Ministry of Commerce', 'CN', 'Beijing would "fight to the end."')]
    """

    def __init__(self, loaded: LoadedConfig, nlp: Language | None = None):
        from .actors import ActorIndex

        self.loaded = loaded
        self.cfg = loaded.cfg.statements
        self.index = ActorIndex(loaded)
        self.nlp = nlp if nlp is not None else load_spacy(list(self.cfg.spacy_models))
        if self.cfg.fast_attribute_ruler:
            from .fast_ruler import speed_up
            speed_up(self.nlp)  # same attributes, memoised (pipeline/fast_ruler.py)
        add_statement_components(self.nlp, self.index, self.cfg.author_statements,
                                 loaded.author_model_path())
        # Components without a ``pipe`` method (ours, the entity linker) report failures to
        # this handler, which logs and drops the doc; ``process`` then yields the document
        # with a warning. (``nlp.set_error_handler`` cannot be used: the Cython parser lacks
        # the attribute in spaCy 3.8.)
        self.nlp.default_error_handler = _log_pipe_error
        self.prefilter_stats = PrefilterStats()  # what ``statements.prefilter`` kept

    def process(self, docs: Iterable[Document]) \
            -> Iterator[tuple[Document, list[Statement], list[Entity]]]:
        """Stream ``(document, statements, entities)`` in input order.

        Each document (or each of its ``chunks``) is one ``nlp.pipe`` item; offsets of chunks
        are shifted back into the full text. A document whose processing fails is still
        yielded, with a warning in ``document.warnings`` and no statements.
        """
        pending: dict[int, Any] = {}
        n_parts: dict[int, int] = {}

        make_doc = self.nlp.make_doc
        finder = self.nlp.get_pipe("blamegraph_statements") \
            if "blamegraph_statements" in self.nlp.pipe_names else None
        author_finder = finder if getattr(finder, "author_model", None) is not None else None

        def items() -> Iterator[tuple[Doc, tuple[int, int, int]]]:
            for di, document in enumerate(docs):
                pending[di] = document
                spans = _chunk_spans(document)  # [] and a warning when chunks are invalid
                n_parts[di] = len(spans)
                meta = {"outlet": document.outlet, "country": document.country}
                for ci, (start, end) in enumerate(spans):
                    # the speaker stage reads the outlet (release voice, author statements)
                    chunk = document.text[start:end]
                    # Blank sentences that cannot hold a statement. With the author model on,
                    # any sentence of an opinion or state-media text may be the outlet's own
                    # verdict, so only wire copy is filtered (docs/performance.md).
                    if not self.cfg.prefilter:
                        pass
                    elif author_finder is None or is_wire_copy(
                            chunk, document.outlet, author_finder.voice_outlets):
                        chunk = blank_uninformative(chunk, self.cfg.prefilter_context,
                                                    self.prefilter_stats)
                    else:  # counted as seen and kept whole, so run.json's share is true
                        self.prefilter_stats.keep_whole(chunk)
                    doc = make_doc(parse_text(chunk))
                    doc._.set(META_EXT, meta)
                    yield doc, (di, ci, start)

        results: dict[int, list[tuple[int, int, Doc | None]]] = {}
        next_di = 0
        stream = self.nlp.pipe(items(), as_tuples=True, batch_size=self.cfg.batch_size,
                               n_process=self.cfg.n_process)
        for doc, (di, ci, start) in stream:
            while next_di < di:  # earlier documents are complete (or lost to an error)
                yield self._finish(pending.pop(next_di), results.pop(next_di, []),
                                   n_parts.pop(next_di))
                next_di += 1
            results.setdefault(di, []).append((ci, start, doc))
        while next_di in pending:
            yield self._finish(pending.pop(next_di), results.pop(next_di, []),
                               n_parts.pop(next_di))
            next_di += 1

    def _finish(self, document: Any, parts: list[tuple[int, int, Doc | None]],
                n_parts: int) -> tuple[Any, list[Any], list[Any]]:
        from .errors import Errors

        if len(parts) < n_parts:
            document.warnings.append(Errors.E113.format(
                error="the spaCy pipeline raised on this text"))
            return document, [], []
        try:
            statements, entities = self._records(document, parts)
        except Exception as e:  # a bad document is a recorded skip, never a crashed run
            logger.exception("statement extraction failed on document %r", document.doc_id)
            document.warnings.append(Errors.E113.format(error=f"{type(e).__name__}: {e}"))
            return document, [], []
        return document, statements, entities

    def _records(self, document: Any, parts: list[tuple[int, int, Doc]]) \
            -> tuple[list[Any], list[Any]]:
        from .entities import entities_for
        from .schema import Statement
        from .speakers import set_author

        text = document.text
        rows: list[dict[str, Any]] = []
        entities = []
        for _ci, offset, doc in sorted(parts, key=lambda p: p[0]):
            for w in doc._.get(WARNINGS_EXT) or []:
                document.warnings.append(_format_warning(w, offset))
            for ent in entities_for(doc, document.doc_id, offset):
                ent.text = text[ent.start:ent.end]
                entities.append(ent)
            for row in doc._.get(STATEMENTS_EXT) or []:
                row = dict(row)
                for key in ("start", "end", "speaker_start", "speaker_end", "cue_start",
                            "cue_end"):
                    if row.get(key) is not None:
                        row[key] += offset
                rows.append(row)
        statements = []
        for i, row in enumerate(sorted(rows, key=lambda r: (r["start"], r["end"]))):
            if row["kind"] == "author":
                set_author(row, self.index, document.outlet, document.country)
            speaker_text = None
            if row.get("speaker_start") is not None:
                speaker_text = text[row["speaker_start"]:row["speaker_end"]]
            statements.append(Statement(
                doc_id=document.doc_id, statement_id=f"{document.doc_id}:{i}",
                kind=row["kind"], cue=row.get("cue"), text=text[row["start"]:row["end"]],
                start=row["start"], end=row["end"], speaker=row.get("speaker", "UNKNOWN"),
                speaker_text=speaker_text, speaker_start=row.get("speaker_start"),
                speaker_end=row.get("speaker_end"),
                speaker_role=row.get("speaker_role", "unknown"),
                speaker_side=row.get("speaker_side", "UNKNOWN"),
                side_evidence=row.get("side_evidence", ""), issue=row.get("issue", "other"),
                construction=row.get("construction", ""), warnings=row.get("warnings", "")))
        return statements, entities


def _chunk_spans(document: Any) -> list[tuple[int, int]]:
    """The spans to process: the document's chunks, or the whole text. Invalid chunks are a
    recorded problem of that document (no spans, a warning), not a crash of the run."""
    from .errors import Errors

    n = len(document.text)
    if not document.chunks:
        return [(0, n)]
    for start, end in document.chunks:
        if not (0 <= start <= end <= n):
            document.warnings.append(Errors.E102.format(doc_id=document.doc_id, start=start,
                                                        end=end, n_chars=n))
            return []
    return [(int(s), int(e)) for s, e in document.chunks]


def _format_warning(w: dict[str, Any], offset: int) -> str:
    from .errors import Errors

    if w.get("code") == "E110":
        return Errors.E110.format(mark=w["mark"], pos=w["pos"] + offset, end=w["end"] + offset)
    if w.get("code") == "E111":
        return Errors.E111.format(mark=w["mark"], pos=w["pos"] + offset)
    if w.get("code") == "E114":
        return Errors.E114.format(mark=w["mark"], pos=w["pos"] + offset,
                                  start=w["start"] + offset)
    if w.get("code") == "E112":
        return Errors.E112.format(start=w["start"] + offset, end=w["end"] + offset,
                                  error=w["error"])
    return str(w)


def _log_pipe_error(proc_name: str | None, proc: Any, docs: Any, e: Exception) -> None:
    """spaCy error handler: log and drop the failing docs; ``process`` notices the gap and
    yields the document with a warning."""
    logger.error("spaCy component %r failed on %d doc(s): %s", proc_name,
                 len(docs) if docs else 0, e, exc_info=e)
