"""Speakers: one canonical name, role and side per speaker of a document.

The ``blamegraph_speakers`` component reads the speaker mentions that ``blamegraph_statements``
attached to each statement (``doc._.bg_statements``) and resolves them within the document, in
document order, the way quotation attributors resolve sources (Pareti et al. 2013; O'Keefe et al.
2012; the "speaker continuity" heuristic of newsquotes):

- registry actors first: a mention whose head is a registry alias ("the Commerce Ministry",
  "President Trump"), or an unnamed representative of one ("a Huawei spokesman", "a US
  official"), is that actor; canonical name, role and side come from the registry;
- personal names: full name ← partial name ("Li Weiming" ← "Li" ← "Mr. Li"); the canonical name
  is the full name as first introduced, honorifics stripped;
- pronouns (he/she/they/it): the previous statement's speaker when compatible, else the subject
  of the previous sentence, else the most recent compatible speaker; gender is learnt from
  honorifics and from earlier pronoun links;
- definite descriptions ("the former editor", "the spokesperson", "the ministry", "the
  official") refer back to the most recent speaker described that way (an appositive or title
  such as "Hu Xijin, the former editor of the Global Times");
- collectives ("Chinese commentators", "analysts", "European carmakers") stay collectives;
- a direct quote without attribution continues the previous speaker (news convention).

Role comes from the registry actor, else from titles and appositives (``lexicons.ROLE_WORDS``);
side from the registry actor (``actor:<id>``), else from the descriptor through
:meth:`ActorIndex.side_of_descriptor <pipeline.actors.ActorIndex.side_of_descriptor>`
(institution or employer > place > demonym), else ``UNKNOWN``.

The ``issue`` of each statement is a lexicon tag (:class:`pipeline.lexicons.IssueTagger`): a
placeholder until the issue classifier replaces it.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from . import lexicons as lex
from .actors import UNKNOWN, ActorIndex, ActorMatch
from .config import LoadedConfig, load_config
from .statements import META_EXT, STATEMENTS_EXT, install_extensions

logger = logging.getLogger(__name__)

UNKNOWN_SPEAKER = "UNKNOWN"
UNKNOWN_OUTLET = "UNKNOWN outlet"
_LEADING_QUANT = re.compile(
    r"^(?:the|a|an|some|many|several|most|other|few|a few|a number of|numerous|various|"
    r"these|those|all|both)\s+", re.I)
_DET = re.compile(r"^(?:the|The)\s+")
_POSS = re.compile(r"['\u2019]s?$")
# Representatives whose voice is their organisation's: "a Huawei spokesman" is Huawei speaking.
_REPRESENTATIVES = frozenset("""
spokesperson spokesman spokeswoman spokespeople official officials representative statement
editorial commentary release readout notice announcement source sources people
""".split())
_SYNONYMS = {"spokesman": "spokesperson", "spokeswoman": "spokesperson",
             "spokespeople": "spokesperson", "officials": "official",
             "newspaper": "paper", "tabloid": "paper", "outlet": "paper", "daily": "paper",
             "firm": "company", "corporation": "company", "group": "company",
             "ministry": "ministry", "department": "ministry", "researcher": "researcher",
             "scholar": "scholar", "expert": "expert", "analyst": "analyst"}
_ORG_BACKREF = {"ministry": ("ministry", "department"), "department": ("department", "ministry"),
                "company": ("company", "firm", "corp", "group", "technologies", "inc"),
                "firm": ("company", "firm", "corp", "group", "technologies", "inc"),
                "paper": ("times", "daily", "post", "journal", "news", "paper"),
                "newspaper": ("times", "daily", "post", "journal", "news", "paper"),
                "tabloid": ("times", "daily", "post", "tabloid"),
                "agency": ("agency", "xinhua", "bureau", "administration"),
                "embassy": ("embassy",), "government": ("government",),
                "administration": ("administration", "government"),
                "chamber": ("chamber",), "association": ("association",),
                "council": ("council",), "commission": ("commission",),
                "institute": ("institute",), "university": ("university",)}


def _norm(word: str) -> str:
    word = word.lower().strip(".,")
    return _SYNONYMS.get(word, word)


@dataclass
class _Cluster:
    """One speaker (or person/organisation mentioned) within a document."""

    canonical: str
    kind: str  # person | actor | org | collective | description | unknown
    actor_id: str | None = None
    names: tuple[str, ...] = ()
    gender: str | None = None
    descriptors: list[str] = field(default_factory=list)
    nouns: set[str] = field(default_factory=set)  # role nouns it was described with
    role: str = "unknown"
    side: str = UNKNOWN
    evidence: str = ""
    plural: bool = False
    last: int = -1  # char offset of the latest mention


class _Resolution:
    """Speaker resolution state for one Doc."""

    def __init__(self, doc: Doc, index: ActorIndex):
        self.doc = doc
        self.text = doc.text
        self.index = index
        self.clusters: list[_Cluster] = []
        self.by_actor: dict[str, _Cluster] = {}
        self.prev: _Cluster | None = None  # the previous statement's speaker
        self.prev_end = -1
        self.persons = [e for e in doc.ents if e.label_ == "PERSON"]

    # --- clusters -----------------------------------------------------------------------------
    def _actor_cluster(self, match: ActorMatch) -> _Cluster:
        cl = self.by_actor.get(match.actor_id)
        if cl is None:
            actor = self.index.actors[match.actor_id]
            names = tuple(actor.name.split()) if actor.type == "person" else ()
            cl = _Cluster(canonical=actor.name, kind="actor", actor_id=actor.id, names=names,
                          role=actor.role, side=actor.side, evidence=f"actor:{actor.id}",
                          plural=actor.type not in ("person",))
            cl.nouns |= {_norm(w) for w in re.findall(r"[A-Za-z-]+", " ".join(
                [actor.name, *actor.aliases]))}
            if actor.type == "person":
                cl.plural = False
            self.by_actor[actor.id] = cl
            self.clusters.append(cl)
        return cl

    def _touch(self, cl: _Cluster, pos: int) -> _Cluster:
        cl.last = max(cl.last, pos)
        # most recent last: keeps the backward searches simple
        if self.clusters and self.clusters[-1] is not cl and cl in self.clusters:
            self.clusters.remove(cl)
            self.clusters.append(cl)
        return cl

    def _add_descriptor(self, cl: _Cluster, desc: str) -> None:
        if not desc or desc in cl.descriptors:
            return
        cl.descriptors.append(desc)
        words = re.findall(r"[A-Za-z-]+", desc)
        cl.nouns |= {_norm(w) for w in words if w.lower() in lex.ROLE_WORDS
                     or w.lower() in lex.ORG_TITLES}
        if cl.kind == "actor":
            return
        if cl.side == UNKNOWN:
            side, evidence = self.index.side_of_descriptor(desc)
            if side != UNKNOWN:
                cl.side, cl.evidence = side, evidence
        if cl.role == "unknown":
            cl.role = role_of(desc, self.index)

    # --- mention analysis ---------------------------------------------------------------------
    def _head_actor(self, mention: str, head_off: int, head: Token) -> ActorMatch | None:
        """The registry actor a mention names: the head is (inside) an alias, or the head is
        a representative noun of an actor ("a Huawei spokesman", "the ministry's statement")."""
        match = self.index.resolve(mention)
        if match is None:
            return None
        if match.start <= head_off < match.end:
            return match
        if head.lemma_.lower() in _REPRESENTATIVES or head.lower_ in _REPRESENTATIVES:
            return match
        return None

    def _poss_actor(self, head: Token) -> ActorMatch | None:
        """"China's foreign ministry spokesperson": the possessor actor of a representative."""
        if head.lemma_.lower() not in _REPRESENTATIVES and head.lower_ not in _REPRESENTATIVES:
            return None
        for child in head.children:
            if child.dep_ == "poss":
                sub = self.doc[child.left_edge.i:child.i + 1]
                match = self.index.resolve(sub.text)
                if match is not None:
                    return match
        return None

    def _person_name(self, span: Span, head: Token) -> str | None:
        """The personal name in a mention ("Foreign Ministry spokesperson Mao Ning" → "Mao
        Ning"; "Mr. Li" → "Li"), or None when the head is not a name."""
        if head.pos_ != "PROPN" and head.ent_type_ != "PERSON":
            return None
        if head.ent_type_ in ("ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT", "WORK_OF_ART",
                              "EVENT", "LAW"):
            return None
        toks = [t for t in span if t.i <= head.i]
        name: list[Token] = []
        for tok in reversed(toks):
            if tok.pos_ != "PROPN" and tok.ent_type_ != "PERSON":
                break
            low = tok.lower_
            if low in lex.HONORIFICS or low in lex.ROLE_WORDS or low in lex.ORG_TITLES:
                break
            if tok.ent_type_ in ("ORG", "GPE", "NORP"):
                break
            name.append(tok)
        name.reverse()
        if not name:
            return None
        text = " ".join(t.text for t in name)
        return _POSS.sub("", text).strip(" .,") or None

    def _gender_from(self, span: Span) -> str | None:
        for tok in span:
            low = tok.lower_
            if low in lex.MALE_TITLES:
                return "m"
            if low in lex.FEMALE_TITLES:
                return "f"
        return None

    def _person_cluster(self, name: str, pos: int) -> _Cluster:
        parts = tuple(name.split())
        # an earlier speaker or person whose full name contains this (partial) name
        for cl in reversed(self.clusters):
            if cl.kind in ("person", "actor") and cl.names and set(parts) <= set(cl.names):
                return cl
        # a partial name introduced in full elsewhere in the document ("Li" ← "Li Weiming")
        full = name
        if len(parts) == 1:
            best = None
            for ent in self.persons:
                ent_parts = _POSS.sub("", ent.text).split()
                if len(ent_parts) > 1 and parts[0] in ent_parts:
                    if best is None or (ent.start_char < pos <= best.start_char) or (
                            ent.start_char < pos and ent.start_char > best.start_char):
                        best = ent
            if best is not None:
                full = _POSS.sub("", best.text).strip()
                for cl in reversed(self.clusters):
                    if cl.kind == "person" and cl.canonical == full:
                        return cl
        cl = _Cluster(canonical=full, kind="person", names=tuple(full.split()))
        self.clusters.append(cl)
        # descriptors of the full name's first introduction ("Li Weiming, a researcher at …")
        for ent in self.persons:
            if _POSS.sub("", ent.text).strip() == full:
                for desc in _ent_descriptors(self.doc, ent):
                    self._add_descriptor(cl, desc)
                break
        return cl

    def _find_by_noun(self, noun: str, want: str | None = None) -> _Cluster | None:
        noun = _norm(noun)
        org_words = _ORG_BACKREF.get(noun)
        for cl in reversed(self.clusters):
            if noun in cl.nouns:
                return cl
            if org_words and cl.kind in ("actor", "org") and any(
                    w in cl.canonical.lower() for w in org_words):
                return cl
        if noun == "official" or want == "official":
            for cl in reversed(self.clusters):
                if cl.role == "official" and cl.kind in ("person", "description"):
                    return cl
        return None

    def _pronoun(self, word: str, pos: int) -> _Cluster | None:
        gender = lex.PRONOUN_GENDER.get(word)
        def ok(cl: _Cluster | None) -> bool:
            if cl is None or cl.kind == "unknown":
                return False
            if gender in ("m", "f"):
                person = cl.kind == "person" or (cl.kind == "actor" and not cl.plural) or (
                    cl.kind == "description" and not cl.plural)
                return person and cl.gender in (None, gender)
            if gender == "p":
                return cl.plural or cl.kind in ("collective", "org")
            if gender == "n":
                return cl.kind in ("org", "actor") and cl.plural or (
                    cl.kind == "description" and cl.plural is False and cl.role != "unknown"
                    and not cl.names and "person" not in cl.nouns)
            return False

        subj = self._prev_sentence_subject(pos)
        cands = []
        if ok(self.prev):
            cands.append((self.prev_end, self.prev))
        if subj is not None and ok(subj[1]):
            cands.append(subj)
        if cands:
            # the previous quote's speaker unless a compatible subject came after it
            cands.sort(key=lambda c: c[0])
            chosen = cands[-1][1]
        else:
            chosen = next((cl for cl in reversed(self.clusters) if ok(cl)), None)
        if chosen is not None and gender in ("m", "f") and chosen.gender is None:
            chosen.gender = gender
        return chosen

    def _prev_sentence_subject(self, pos: int) -> tuple[int, _Cluster] | None:
        """The named subject of the sentence before the one at ``pos``: (offset, cluster)."""
        doc = self.doc
        tok = doc[_tok_at(doc, pos)]
        sent = tok.sent
        if sent.start == 0:
            return None
        prev = doc[sent.start - 1].sent
        for t in prev:
            if t.dep_ in ("nsubj", "nsubjpass") and t.head.dep_ == "ROOT":
                if t.ent_type_ == "PERSON" or (t.pos_ == "PROPN" and not t.ent_type_):
                    span = doc[t.left_edge.i:t.i + 1]
                    name = self._person_name(span, t)
                    if name:
                        match = self.index.resolve(name)
                        if match is not None and match.type == "person":
                            return t.idx, self._actor_cluster(match)
                        return t.idx, self._person_cluster(name, t.idx)
                if t.ent_type_ == "ORG" or t.tag_ == "NNS":
                    span = doc[t.left_edge.i:t.i + 1]
                    match = self._head_actor(span.text, t.idx - span.start_char, t)
                    if match is not None:
                        return t.idx, self._actor_cluster(match)
        return None

    # --- one statement ------------------------------------------------------------------------
    def resolve(self, stmt: dict[str, Any]) -> _Cluster | None:
        doc = self.doc
        i = stmt.get("speaker_i", -1)
        if stmt["kind"] == "author":
            return None
        if i is None or i < 0:
            if self.prev is not None:
                return self.prev
            subj = self._prev_sentence_subject(stmt["start"])
            return subj[1] if subj else None
        head = doc[i]
        span = doc[stmt["speaker_tok_start"]:stmt["speaker_tok_end"]]
        mention = span.text
        pos = head.idx
        low = head.lower_
        if head.pos_ == "PRON" or low in lex.PRONOUN_GENDER:
            return self._pronoun(low, pos)
        head_off = head.idx - span.start_char
        match = self._head_actor(mention, head_off, head) or self._poss_actor(head)
        name = self._person_name(span, head)
        if match is not None and (name is None or match.type == "person"
                                  or match.start <= head_off < match.end):
            cl = self._actor_cluster(match)
            if match.type == "person" and name and head.lemma_.lower() not in _REPRESENTATIVES:
                pass
            return cl
        if name is not None:
            cl = self._person_cluster(name, pos)
            gender = self._gender_from(span)
            if gender and cl.gender is None:
                cl.gender = gender
            title = span.text[: max(0, span.text.find(name.split()[0]))].strip(" ,")
            if title and title.lower() not in lex.HONORIFICS:
                self._add_descriptor(cl, title)
            return cl
        det = next((c for c in head.children if c.dep_ in ("det", "poss")), None)
        definite = det is not None and det.lower_ in ("the", "this", "that", "these", "those")
        plural = head.tag_ in ("NNS", "NNPS")
        if head.ent_type_ == "ORG" or (head.pos_ == "PROPN" and not plural):
            canonical = _DET.sub("", mention).strip()
            for cl in reversed(self.clusters):
                if cl.kind == "org" and cl.canonical == canonical:
                    return cl
            cl = _Cluster(canonical=canonical, kind="org", plural=True)
            cl.nouns |= {_norm(w) for w in canonical.split()}
            cl.role = org_role(canonical)
            side, evidence = self.index.side_of_descriptor(canonical)
            cl.side, cl.evidence = side, evidence
            self.clusters.append(cl)
            return cl
        if definite and not plural or (definite and head.lemma_.lower() in _ORG_BACKREF):
            cl = self._find_by_noun(head.lemma_.lower())
            if cl is not None:
                return cl
            match = self.index.resolve(mention)
            if match is not None:
                return self._actor_cluster(match)
        canonical = _LEADING_QUANT.sub("", mention).strip() if plural else mention.strip()
        if not plural and canonical[:1].isupper() and head.i != span.start \
                and span[0].pos_ == "DET":
            canonical = canonical[0].lower() + canonical[1:]  # "The spokeswoman" → "the …"
        kind = "collective" if plural else "description"
        for cl in reversed(self.clusters):
            if cl.kind == kind and cl.canonical.lower() == canonical.lower():
                return cl
        cl = _Cluster(canonical=canonical, kind=kind, plural=plural)
        cl.nouns.add(_norm(head.lemma_.lower()))
        cl.nouns.add(_norm(head.lower_))
        self.clusters.append(cl)
        cl.role = role_of(mention, self.index)
        side, evidence = self.index.side_of_descriptor(mention)
        if side == UNKNOWN:
            match = self.index.resolve(mention)
            if match is not None:
                side, evidence = match.side, f"actor:{match.actor_id}"
                if cl.role == "unknown":
                    cl.role = match.role
        cl.side, cl.evidence = side, evidence
        return cl


def _tok_at(doc: Doc, char: int) -> int:
    lo, hi = 0, len(doc) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if doc[mid].idx <= char:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _ent_descriptors(doc: Doc, ent: Span) -> list[str]:
    """Appositives and titles around a person's first mention ("Li Weiming, a researcher at
    CASS" → "a researcher at CASS"; "CASS researcher Li Weiming" → "CASS researcher")."""
    root = ent.root
    out = []
    for child in root.children:
        if child.dep_ in ("appos", "relcl") or (child.dep_ == "prep" and child.i > root.i):
            out.append(doc[child.left_edge.i:child.right_edge.i + 1].text.strip(" ,"))
    left = root.left_edge.i
    if left < ent.start:
        title = doc[left:ent.start].text.strip(" ,")
        if title and title.lower() not in lex.HONORIFICS:
            out.insert(0, title)
    if root.dep_ == "appos":
        out.append(doc[root.head.left_edge.i:root.head.i + 1].text)
    return out


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def role_of(text: str, index: ActorIndex | None = None) -> str:
    """Speaker role from a title, appositive or description.

    >>> role_of("a professor at Renmin University")
    'expert'
    >>> role_of("president of the US-China Business Council")
    'business'
    >>> role_of("Foreign Ministry spokesperson")
    'official'
    """
    words = [w.lower() for w in _WORD.findall(text)]
    for k, w in enumerate(words):
        if w in lex.ORG_TITLES:
            after = words[k + 1:]
            if after and after[0] in ("of", "at", "for", "with"):
                org_role = next((lex.ORG_ROLE_WORDS[a] for a in after if a in lex.ORG_ROLE_WORDS),
                                None)
                if org_role:
                    return org_role
                if index is not None:
                    match = index.resolve(" ".join(_WORD.findall(text)[k + 1:]))
                    if match is not None and match.role != "unknown":
                        return match.role
            if w == "president" and (k == 0 or words[k - 1] not in ("company", "bank")):
                if not after or after[0] not in ("of", "at"):
                    return "official"
            if w in ("chief", "founder", "chairman", "chairwoman") and index is not None:
                match = index.resolve(text)
                if match is not None and match.role != "unknown":
                    return match.role
            continue
        role = lex.ROLE_WORDS.get(w)
        if role:
            if w in ("group", "business", "industry", "party", "host", "anchor") and k > 0:
                continue
            return role
    if index is not None and text:
        match = index.resolve(text)
        if match is not None:
            return match.role
    return "unknown"


def org_role(name: str) -> str:
    """Role of an organisation from its name ("Ministry of Commerce" → official)."""
    for w in _WORD.findall(name):
        role = lex.ORG_ROLE_WORDS.get(w.lower())
        if role:
            return role
    return "unknown"


@Language.factory(
    "blamegraph_speakers",
    requires=[f"doc._.{STATEMENTS_EXT}", "doc.ents", "token.dep"],
    assigns=[f"doc._.{STATEMENTS_EXT}"],
    default_config={"config_path": "", "overrides": []},
)
def make_speaker_resolver(nlp: Language, name: str, config_path: str,
                          overrides: list[str]) -> "SpeakerResolver":
    return SpeakerResolver(name, config_path=config_path, overrides=overrides)


class SpeakerResolver:
    """Adds ``speaker``, ``speaker_role``, ``speaker_side``, ``side_evidence`` and ``issue`` to
    every dict of ``doc._.bg_statements``. Holds the settings and an :class:`ActorIndex`
    (plain, picklable data), loaded lazily from ``config_path``/``overrides`` unless
    :meth:`set_index` hands it the run's index.

    Author statements take the outlet from ``doc._.bg_meta`` (``{"outlet": …, "country": …}``)
    when it is set; :class:`~pipeline.statements.StatementExtractor` fills it from the Document.
    """

    def __init__(self, name: str = "blamegraph_speakers", *, config_path: str = "",
                 overrides: list[str] | None = None, index: ActorIndex | None = None):
        self.name = name
        self.config_path = config_path
        self.overrides = list(overrides or [])
        self._index = index
        self._tagger: lex.IssueTagger | None = None
        install_extensions()

    def set_index(self, index: ActorIndex) -> None:
        """Use an already built index (the run's), instead of loading ``config_path``."""
        self._index = index
        self._tagger = None

    @property
    def index(self) -> ActorIndex:
        if self._index is None:
            self._index = ActorIndex(load_config(self.config_path or None, self.overrides))
        return self._index

    @property
    def tagger(self) -> lex.IssueTagger:
        if self._tagger is None:
            self._tagger = lex.IssueTagger(self.index.loaded.cfg.issues)
        return self._tagger

    def __call__(self, doc: Doc) -> Doc:
        install_extensions()
        stmts = doc._.get(STATEMENTS_EXT)
        if stmts is None:
            from .errors import BlamegraphError, Errors

            raise BlamegraphError(Errors.E103.format(ext=STATEMENTS_EXT,
                                                     component="blamegraph_statements"))
        meta = doc._.get(META_EXT) or {}
        resolve_speakers(doc, stmts, self.index, self.tagger, meta.get("outlet"),
                         meta.get("country"))
        return doc


def resolve_speakers(doc: Doc, stmts: list[dict[str, Any]], index: ActorIndex,
                     tagger: lex.IssueTagger, outlet: str | None = None,
                     country: str | None = None) -> None:
    """Fill the speaker fields of ``stmts`` (dicts of ``doc._.bg_statements``) in place."""
    res = _Resolution(doc, index)
    text = doc.text
    order = sorted(range(len(stmts)), key=lambda k: _mention_pos(stmts[k]))
    for k in order:
        stmt = stmts[k]
        stmt["issue"] = tagger(text[stmt["start"]:stmt["end"]])
        if stmt["kind"] == "author":
            set_author(stmt, index, outlet, country)
            continue
        cl = res.resolve(stmt)
        if cl is None:
            stmt.update(speaker=UNKNOWN_SPEAKER, speaker_role="unknown", speaker_side=UNKNOWN,
                        side_evidence="")
            continue
        if stmt.get("speaker_desc"):
            res._add_descriptor(cl, stmt["speaker_desc"])
        if stmt.get("inherit") and stmt.get("speaker_start") is None:
            pass
        res._touch(cl, stmt["speaker_start"] if stmt["speaker_start"] is not None
                   else stmt["start"])
        res.prev = cl
        res.prev_end = stmt["speaker_start"] if stmt["speaker_start"] is not None \
            else stmt["start"]
        stmt.update(speaker=cl.canonical, speaker_role=cl.role, speaker_side=cl.side,
                    side_evidence=cl.evidence)
    # roles and sides learnt later in the document apply to earlier statements of a speaker
    final = {id(cl): cl for cl in res.clusters}
    by_name: dict[str, _Cluster] = {cl.canonical: cl for cl in final.values()}
    for stmt in stmts:
        cl = by_name.get(stmt.get("speaker", ""))
        if cl is not None and stmt["kind"] != "author":
            stmt.update(speaker_role=cl.role, speaker_side=cl.side, side_evidence=cl.evidence)
    for stmt in stmts:
        for key in ("speaker_i", "speaker_tok_start", "speaker_tok_end", "inherit"):
            stmt.pop(key, None)


def _mention_pos(stmt: dict[str, Any]) -> int:
    """Order of resolution: by where the speaker is mentioned (the cue may follow the quote),
    so that "…," said Hu Xijin is resolved before a later "he"."""
    starts = [stmt["start"]]
    if stmt.get("speaker_start") is not None and not stmt.get("inherit"):
        starts.append(stmt["speaker_start"])
    return min(starts) if stmt.get("inherit") else stmt["start"]


def set_author(stmt: dict[str, Any], index: ActorIndex, outlet: str | None,
               country: str | None) -> None:
    """Speaker fields of an author statement: the outlet and its side."""
    side, evidence = index.outlet_side(outlet, country)
    stmt.update(speaker=outlet.strip() if outlet and outlet.strip() else UNKNOWN_OUTLET,
                speaker_text=None, speaker_start=None, speaker_end=None,
                speaker_role="author", speaker_side=side, side_evidence=evidence)
