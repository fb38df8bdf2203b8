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
from typing import Any, Callable

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from . import lexicons as lex
from .actors import UNKNOWN, ActorIndex, ActorMatch
from .config import load_config
from .statements import (META_EXT, STATEMENTS_EXT, install_extensions, mention_for,
                         sentence_index)

logger = logging.getLogger(__name__)

UNKNOWN_SPEAKER = "UNKNOWN"
UNKNOWN_OUTLET = "UNKNOWN outlet"
_LEADING_QUANT = re.compile(
    r"^(?:the|a|an|some|many|several|most|other|few|a few|a number of|numerous|various|"
    r"these|those|all|both)\s+", re.I)
_DET = re.compile(r"^(?:the|The)\s+")
_ANONYMOUS = re.compile(r"\bfamiliar with\b|^(?:\w+ )?sources?\b|\bbriefed on\b", re.I)
_FORMER = re.compile(r"\b(?:former|ex-|retired|onetime|one-time|erstwhile)", re.I)
# Multi-word roles checked before single words ("central bank" is not a business).
_PHRASE_ROLES = [(re.compile(p, re.I), r) for p, r in [
    (r"\bcentral bank", "official"), (r"\bstate(?:-run)? media", "media"),
    (r"\bstate(?:-run)? (?:news|television|broadcaster|newspaper)", "media"),
    (r"\bthink[- ]tank", "expert"), (r"\bchief executive", "business"),
    (r"\b(?:trade|industry|business|lobby|farm|growers'?) (?:group|association|body|lobby)",
     "business"), (r"\bchamber of commerce", "business"),
    (r"\b(?:commerce|foreign|trade) ministry", "official"),
]]
_POSS = re.compile(r"['\u2019]s?$")
# Representatives whose voice is their organisation's: "a Huawei spokesman" is Huawei speaking.
_REPRESENTATIVES = frozenset("""
spokesperson spokesman spokeswoman spokespeople official officials representative statement
editorial commentary release readout notice announcement source sources people
""".split())
_SYNONYMS = {"envoy": "diplomat", "ambassador": "diplomat", "attaché": "diplomat",
             "spokesman": "spokesperson", "spokeswoman": "spokesperson",
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


# "the company" refers back to the latest registry company, "the newspaper" to a media actor.
_NOUN_TYPES = {"company": ("company",), "paper": ("media",), "agency": ("media", "body")}


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
    anonymous: bool = False  # "people familiar with the matter": role stays unknown
    last: int = -1  # char offset of the latest mention


class _Resolution:
    """Speaker resolution state for one Doc."""

    def __init__(self, doc: Doc, index: ActorIndex, outlet: str | None = None,
                 country: str | None = None):
        self.doc = doc
        self.text = doc.text
        self.index = index
        self.outlet = outlet.strip() if outlet and outlet.strip() else None
        self.country = country
        self.country_side = index.loaded.side_of_country(country) if country else UNKNOWN
        self._country_sides = _country_sides(index)
        self.clusters: list[_Cluster] = []
        self.by_actor: dict[str, _Cluster] = {}
        self.prev: _Cluster | None = None  # the previous statement's speaker
        self.prev_end = -1
        self.persons = [e for e in doc.ents if e.label_ == "PERSON"]
        self.sent_of, self.sent_bounds = sentence_index(doc)
        self.person_tokens = {w for e in self.persons if len(e) > 1
                              for w in _POSS.sub("", e.text).split()}
        rows = doc._.get("bg_entities") if Doc.has_extension("bg_entities") else None
        self.entity_rows = list(rows or [])
        self.alias_spans = [(r["start_char"], r["end_char"]) for r in self.entity_rows
                            if r.get("actor_id")]

    # --- clusters -----------------------------------------------------------------------------
    def _actor_cluster(self, match: ActorMatch, head: Token | None = None) -> _Cluster:
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
        if head is not None and head.pos_ == "NOUN":
            cl.nouns.add(_norm(head.lemma_.lower()))  # "a … spokesperson" → "the spokesperson"
        return cl

    def _touch(self, cl: _Cluster, pos: int) -> _Cluster:
        cl.last = max(cl.last, pos)
        # most recent last: keeps the backward searches simple
        if self.clusters and self.clusters[-1] is not cl and cl in self.clusters:
            self.clusters.remove(cl)
            self.clusters.append(cl)
        return cl

    def _add_descriptor(self, cl: _Cluster, desc: str, title: bool = False) -> None:
        if not desc or desc in cl.descriptors:
            return
        cl.descriptors.append(desc)
        words = re.findall(r"[A-Za-z-]+", desc)
        cl.nouns |= {_norm(w) for w in words if w.lower() in lex.ROLE_WORDS
                     or w.lower() in lex.ORG_TITLES}
        if cl.kind == "actor":
            return
        if cl.side == UNKNOWN:
            side, evidence = self.side_of_text(desc)
            if side != UNKNOWN:
                cl.side, cl.evidence = side, evidence
        if cl.role == "unknown" and not cl.anonymous:
            # a title names the employer ("Huawei founder"); other descriptors may name
            # actors in passing ("who met Trump")
            cl.role = role_of(desc, self.index, actor_fallback=title)

    # --- sides ----------------------------------------------------------------------------------
    def side_of_text(self, text: str) -> tuple[str, str]:
        """Side and evidence from a mention or descriptor: the outlet as employer ("a fellow at
        the institute" in the institute's own commentary) > the registry and configured places
        (:meth:`ActorIndex.side_of_descriptor`, without actors named only in passing) > the
        gazetteer (where the employer is located, then nationality, then any place)."""
        if not text:
            return UNKNOWN, ""
        if self.outlet and _employer_is_outlet(text, self.outlet):
            side, _ = self.index.outlet_side(self.outlet, self.country)
            if side != UNKNOWN:
                return side, f"employer:{self.outlet}"
        side, evidence = self.index.side_of_descriptor(text)
        if side != UNKNOWN and not (evidence.startswith("actor:")
                                    and not _actor_is_affiliation(self.index, text, evidence)):
            return side, evidence
        return _gazetteer_side(text, self._country_sides)

    # --- mention analysis ---------------------------------------------------------------------
    def _head_actor(self, mention: str, head_off: int, head: Token) -> ActorMatch | None:
        """The registry actor a mention names: the head is (inside) an alias, or the head is
        a representative noun of an actor ("a Huawei spokesman", "the ministry's statement")."""
        match = self.index.resolve(mention)
        if match is None:
            return None
        if _FORMER.search(mention):
            return None  # "former U.S. officials" do not speak for the government
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
        if head.ent_type_ != "PERSON" and any(t.dep_ == "cc" and t.i > head.i for t in span):
            return None  # "Australian Grape and Wine": a body's name, not a person's
        toks = [t for t in span if t.i <= head.i]
        name: list[Token] = []
        for tok in reversed(toks):
            glued = tok.text == "-" and not tok.whitespace_ and tok.i > 0 \
                and not tok.nbor(-1).whitespace_  # "Park Ji-hoon"
            after_hyphen = tok.i + 1 < len(tok.doc) and tok.nbor(1).text == "-" \
                and not tok.whitespace_
            if glued or after_hyphen:
                name.append(tok)
                continue
            # "He Jun": a surname the tagger took for the pronoun, first word of the mention
            surname_pronoun = bool(name) and tok.i == span.start and tok.text == "He"
            if tok.pos_ != "PROPN" and tok.ent_type_ != "PERSON" and not (
                    name and name[-1].text == "-") and not surname_pronoun:
                break
            low = tok.lower_
            if low in lex.HONORIFICS or low in lex.ROLE_WORDS or low in lex.ORG_TITLES:
                break
            if tok.ent_type_ in ("ORG", "GPE", "NORP") and not (
                    name and tok.pos_ == "PROPN" and tok.dep_ == "compound"
                    and tok.head.ent_type_ == "PERSON" and tok.i + 1 == name[-1].i):
                break  # (but "Han Lijun": a surname NER took for a people)
            name.append(tok)
        name.reverse()
        if not name:
            return None
        text = "".join(t.text_with_ws for t in name).strip()
        return _POSS.sub("", text).strip(" .,-") or None

    def _gender_from(self, span: Span, desc: str = "") -> str | None:
        """Gender from an honorific or a gendered role noun in the mention or its descriptor
        ("Ms. Okafor", "spokesman Gao Ruiping", "Gao, a spokesman for …")."""
        for low in [t.lower_ for t in span] + desc.lower().split():
            low = low.strip(",;()")
            if low in lex.MALE_TITLES or low in lex.MALE_NOUNS:
                return "m"
            if low in lex.FEMALE_TITLES or low in lex.FEMALE_NOUNS:
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
        if full == name and len(parts) == 1:
            earlier = self._surname_of(name)
            if earlier is not None:
                return earlier
            full = self._introduced_as(name, pos) or name
        cl = _Cluster(canonical=full, kind="person", names=tuple(full.split()))
        self.clusters.append(cl)
        # descriptors of the full name's first introduction ("Li Weiming, a researcher at …")
        for ent in self.persons:
            if _POSS.sub("", ent.text).strip() == full:
                for desc, is_title in _ent_descriptors(self.doc, ent):
                    self._add_descriptor(cl, desc, title=is_title)
                break
        return cl

    def _find_by_noun(self, noun: str, want: str | None = None) -> _Cluster | None:
        noun = _norm(noun)
        org_words = _ORG_BACKREF.get(noun)
        body = noun in _ORG_NOUNS and noun not in _REPRESENTATIVES
        for cl in reversed(self.clusters):
            if noun in cl.nouns and not (body and cl.kind == "person"):
                # ("the ministry" is not "Lena Thorsen, a Commerce Department official")
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
        """The subject of the sentence before the one at ``pos``, when it is a person, an
        organisation or a human description ("A fund manager in Hong Kong was more cautious.
        \"…,\" he said."): (offset, cluster)."""
        doc = self.doc
        k = self.sent_of[_tok_at(doc, pos)]
        if k == 0:
            return None
        prev = doc[slice(*self.sent_bounds[k - 1])]
        for t in prev:
            if t.dep_ not in ("nsubj", "nsubjpass") or t.head.dep_ != "ROOT":
                continue
            human = t.lemma_.lower() in lex.ROLE_WORDS or t.lower_ in lex.ROLE_WORDS or any(
                c.dep_ == "appos" and c.ent_type_ == "PERSON" for c in t.children)
            # ("Mei's colleague, Paul Grant, disagreed. He said …": the name is the appositive)
            if not (t.ent_type_ in ("PERSON", "ORG", "NORP") or t.pos_ == "PROPN" or human):
                continue
            mention = mention_for(self.doc, t, self.alias_spans)
            span = doc[mention["speaker_tok_start"]:mention["speaker_tok_end"]]
            cl = self._cluster_for(span, t, mention["speaker_desc"])
            if cl is not None:
                if mention["speaker_desc"]:
                    self._add_descriptor(cl, mention["speaker_desc"])
                return t.idx, cl
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
        low = head.lower_
        if head.pos_ == "PRON" or low in lex.PRONOUN_GENDER:
            return self._pronoun(low, head.idx)
        return self._cluster_for(span, head, stmt.get("speaker_desc", ""))

    def _cluster_for(self, span: Span, head: Token, desc: str = "") -> _Cluster | None:
        """The cluster a (non-pronoun) mention refers to, created when new."""
        mention = span.text
        pos = head.idx
        head_off = head.idx - span.start_char
        former = bool(_FORMER.search(mention))  # "former U.S. officials" are not the government
        lemma = head.lemma_.lower()
        # People who speak for a body are speakers of their own ("a White House spokeswoman",
        # "US officials"), with the body's side; bodies and their statements are the body.
        person_noun = head.pos_ == "NOUN" and lemma not in _ORG_NOUNS \
            and lemma not in lex.VOICE_NOUNS and (lemma in lex.ROLE_WORDS
                                                  or head.lower_ in lex.ROLE_WORDS
                                                  or lemma in _HUMAN_HEADS)
        match = None if former or person_noun else (
            self._head_actor(mention, head_off, head) or self._poss_actor(head))
        if match is None and not former and not person_noun and lemma in _ORG_NOUNS:
            # "Beijing's commerce ministry": registry aliases are case-sensitive, and the
            # possessor is not the referent
            match = _covering(self.index, _title_case(_POSSESSOR.sub("", mention)), head)
        name = self._person_name(span, head)
        if name is None and head.pos_ == "PROPN" and head.text in self.person_tokens:
            name = head.text  # NER called a known person's surname an ORG ("Brandt said")
        if name is None and match is None and len(span) == 1 and head.text[:1].isupper() \
                and head.i > 0:
            earlier = self._surname_of(head.text)  # "Haynes was more positive": tagged NOUN
            if earlier is not None:
                return earlier
        if match is not None and match.type == "person" and name and len(name.split()) > 1 \
                and name.split()[0] not in " ".join(
                    [match.name, *self.index.actors[match.actor_id].aliases]):
            match = None  # "Elliot Vance" is not the registry's "JD Vance"
        if match is not None and match.type == "person" and name and " " not in name and any(
                cl.kind == "person" and len(cl.names) > 1 and cl.names[-1] == name
                and cl.canonical != match.name for cl in self.clusters):
            match = None  # "Vance" after "Rosalind Vance, a fellow …" is her, not JD Vance
        located = re.match(r"\s*(?:in|to)\s+(?:the\s+)?[A-Z][^,;]*", desc or "")
        place = located.group().strip() if located else ""
        if located is None and match is not None and match.type != "person":
            # "the Chinese embassy in The Hague" (the place inside the mention)
            located = re.search(r"\s(?:in|to)\s+(?:the\s+)?[A-Z][^,;]*$", mention[match.end:])
        if match is not None and _LOCATED_BODY.search(match.name) and located:
            # "the Chinese Embassy in Ottawa": another mission than the registry's one
            cl = self._org((_DET.sub("", mention).strip() + " " + place).strip())
            # a mission speaks for the country that sends it, not the one it sits in
            cl.side, cl.evidence = match.side, f"actor:{match.actor_id}"
            return cl
        if match is not None and (name is None or match.type == "person"
                                  or match.start <= head_off < match.end):
            cl = self._actor_cluster(match, head)
            if match.type == "person" and cl.gender is None:
                cl.gender = self._gender_from(span, desc or "")
            return cl
        if name is not None:
            cl = self._person_cluster(name, pos)
            gender = self._gender_from(span, desc or "")
            if gender and cl.gender is None:
                cl.gender = gender
            title = span.text[: max(0, span.text.find(name.split()[0]))].strip(" ,")
            if title and title.lower() not in lex.HONORIFICS:
                self._add_descriptor(cl, title, title=True)
            return cl
        det = next((c for c in head.children if c.dep_ in ("det", "poss")), None)
        definite = det is not None and det.lower_ in ("the", "this", "that", "these", "those")
        plural = head.tag_ in ("NNS", "NNPS")
        if head.ent_type_ == "ORG" or (head.pos_ == "PROPN" and not plural):
            canonical = _DET.sub("", mention).strip()
            for cl in reversed(self.clusters):
                if cl.kind == "org" and cl.canonical == canonical:
                    return cl
            surname = self._surname_of(canonical)
            if surname is not None:
                return surname
            if self.outlet and canonical.lower() == self.outlet.lower():
                return self._outlet_cluster(head.lower_) or self._org(canonical)
            return self._org(canonical)
        if definite and (not plural or lemma in _ORG_BACKREF):
            cl = self._find_by_noun(lemma)
            if cl is not None:
                return cl
            cl = self._earlier_mention(lemma, pos)
            if cl is not None:
                return cl
            cl = self._earlier_description(head, pos)
            if cl is not None:
                return cl
            cl = self._outlet_cluster(lemma)
            if cl is not None:
                return cl  # release voice: "The office said" in the office's own release
        if match is None and lemma in _REPRESENTATIVES and not former and not person_noun:
            # "a ministry spokesperson" after "China's Ministry of Commerce said …"
            for mod in head.children:
                if mod.dep_ == "compound" and mod.pos_ == "NOUN" \
                        and mod.lemma_.lower() in _ORG_BACKREF:
                    cl = self._find_by_noun(mod.lemma_.lower()) or self._earlier_mention(
                        mod.lemma_.lower(), pos)
                    if cl is not None and cl.kind in ("actor", "org"):
                        return cl
        if match is None and not former and not person_noun and lemma in _ORG_BACKREF:
            # "the foreign ministry": registry aliases are case-sensitive
            match = _covering(self.index, _title_case(mention), head)
            if match is not None:
                return self._actor_cluster(match, head)
        # a description's canonical form drops its article or quantifier: "a White House
        # spokeswoman" → "White House spokeswoman", "some analysts" → "analysts"
        canonical = _LEADING_QUANT.sub("", mention).strip() or mention.strip()
        if not person_noun:
            canonical = _demonym_possessor(canonical)  # "China's regulator" → "Chinese …"
        if self.outlet and _employer_is_outlet(canonical, self.outlet):
            # "a spokesperson for the office", in the office's own release
            canonical = _outlet_noun_re(self.outlet).sub(self.outlet, canonical, count=1)
        first = next((t for t in span if canonical.startswith(t.text)), None)
        if first is not None and first.pos_ in ("NOUN", "ADJ") and not first.ent_type_ \
                and canonical[:1].isupper() and not first.is_upper \
                and (first.is_sent_start or first.i == 0 or first.nbor(-1).is_punct
                     or first.nbor(-1).pos_ == "DET"):
            canonical = canonical[0].lower() + canonical[1:]  # "Analysts said" → "analysts"
        kind = "collective" if plural else "description"
        for cl in reversed(self.clusters):
            if cl.kind == kind and cl.canonical.lower() == canonical.lower():
                return cl
        cl = _Cluster(canonical=canonical, kind=kind, plural=plural)
        cl.nouns.add(_norm(lemma))
        cl.nouns.add(_norm(head.lower_))
        self.clusters.append(cl)
        cl.role = role_of(mention, self.index)
        cl.anonymous = bool(_ANONYMOUS.search(mention))
        # nationality on the head beats where they are: "European diplomats in Washington"
        side, evidence = _modifier_side(head, self._country_sides)
        if side == UNKNOWN:
            side, evidence = self.side_of_text(mention)
        represented = None if former else (self.index.resolve(mention)
                                           or self.index.resolve(_title_case(mention)))
        if represented is not None and not _actor_is_affiliation(
                self.index, mention, f"actor:{represented.actor_id}") and not (
                _actor_is_affiliation(self.index, _title_case(mention),
                                      f"actor:{represented.actor_id}")):
            represented = None  # "diplomats in Washington" do not speak for Washington
        if represented is not None and (side == UNKNOWN or person_noun and evidence.startswith(
                ("demonym", "place"))):
            # "a Huawei spokesman", "White House spokeswoman": the body they speak for
            side, evidence = represented.side, f"actor:{represented.actor_id}"
        if cl.role == "unknown" and represented is not None:
            cl.role = represented.role
        cl.side, cl.evidence = side, evidence
        return cl

    def _introduced_as(self, surname: str, pos: int) -> str | None:
        """The full name a surname was introduced with earlier in the text when NER missed it
        ("Lauren Abernathy, who directs …" … "Abernathy said"): the first "Given Surname"
        before ``pos`` whose given name is no title, role or function word."""
        pattern = re.compile(r"\b([A-Z][a-z][\w'\u2019-]*) " + re.escape(surname) + r"\b")
        for m in pattern.finditer(self.text, 0, max(0, pos)):
            given = m.group(1)
            low = given.lower()
            if low in lex.HONORIFICS or low in lex.ROLE_WORDS or low in lex.ORG_TITLES \
                    or low in _FUNCTION_WORDS or self.index.side_of_descriptor(given)[0] != UNKNOWN:
                continue
            return f"{given} {surname}"
        return None

    def _surname_of(self, word: str) -> _Cluster | None:
        """"Park" after "Helen Park, an analyst …" when the tagger missed the person: the
        latest speaker whose two- or three-word proper name ends with this one word."""
        if " " in word or not word[:1].isupper():
            return None
        for cl in reversed(self.clusters):
            parts = cl.canonical.split()
            if cl.kind in ("person", "org") and 2 <= len(parts) <= 3 and parts[-1] == word \
                    and all(p[:1].isupper() for p in parts) and cl.role not in ("official",) \
                    or (cl.kind == "person" and parts and parts[-1] == word and len(parts) > 1):
                return cl
        return None

    def _org(self, canonical: str) -> _Cluster:
        canonical = _demonym_possessor(canonical)  # "South Korea's trade ministry"

        def side_of(name: str) -> tuple[str, str]:
            if self.outlet and name.lower() == self.outlet.lower():
                return self.index.outlet_side(self.outlet, self.country)
            return self.side_of_text(name)

        return self._org_cluster(canonical, side_of)

    def _org_cluster(self, canonical: str,
                     side_of: Callable[[str], tuple[str, str]]) -> _Cluster:
        """The organisation cluster named ``canonical``, made (with ``side_of``'s side) if new."""
        for cl in reversed(self.clusters):
            if cl.kind == "org" and cl.canonical == canonical:
                return cl
        cl = _Cluster(canonical=canonical, kind="org", plural=True)
        cl.nouns |= {_norm(w) for w in canonical.split()}
        cl.role = org_role(canonical)
        cl.side, cl.evidence = side_of(canonical)
        self.clusters.append(cl)
        return cl

    def _outlet_cluster(self, noun: str) -> _Cluster | None:
        """The outlet itself, for "the office", "the institute" in its own release."""
        if not self.outlet or _norm(noun) not in {_norm(w) for w in
                                                   re.findall(r"[A-Za-z]+", self.outlet.lower())}:
            return None
        for cl in reversed(self.clusters):
            if cl.kind == "org" and cl.canonical == self.outlet:
                return cl
        cl = _Cluster(canonical=self.outlet, kind="org", plural=True)
        cl.nouns |= {_norm(w) for w in self.outlet.lower().split()}
        cl.role = org_role(self.outlet)
        cl.side, evidence = self.index.outlet_side(self.outlet, self.country)
        cl.evidence = evidence or f"outlet:{self.outlet}"
        self.clusters.append(cl)
        return cl

    def _earlier_description(self, head: Token, pos: int) -> _Cluster | None:
        """"the manager" after "…," a manager at a Korean chip-packaging firm said" when that
        first statement was not found: the latest earlier indefinite mention with the same head
        noun ("a manager at …") becomes the speaker."""
        if head.pos_ != "NOUN" or head.tag_ in ("NNS", "NNPS"):
            return None
        lemma = head.lemma_.lower()
        for tok in reversed(self.doc[:_tok_at(self.doc, pos)]):
            if tok.pos_ != "NOUN" or tok.lemma_.lower() != lemma or tok.i == head.i:
                continue
            if not any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in tok.children):
                continue
            mention = mention_for(self.doc, tok, self.alias_spans)
            span = self.doc[mention["speaker_tok_start"]:mention["speaker_tok_end"]]
            cl = self._cluster_for(span, tok, mention["speaker_desc"])
            if cl is not None and mention["speaker_desc"]:
                self._add_descriptor(cl, mention["speaker_desc"])
            return cl
        return None

    def _earlier_mention(self, noun: str, pos: int) -> _Cluster | None:
        """"the department" after "the Agriculture Department's decision": the most recent
        earlier organisation or registry mention whose name holds the noun."""
        words = _ORG_BACKREF.get(_norm(noun), (noun,))
        types = _NOUN_TYPES.get(_norm(noun), ())
        for row in reversed(self.entity_rows):
            if row["start_char"] >= pos or row["label"] not in ("ORG", "ACTOR", "GPE", "NORP"):
                continue
            name = row["text"].lower()
            typed = row.get("actor_id") and self.index.actors[row["actor_id"]].type in types
            if not typed and not any(re.search(rf"\b{re.escape(w)}", name) for w in words):
                continue
            if row.get("actor_id"):
                actor = self.index.actors[row["actor_id"]]
                return self._actor_cluster(ActorMatch(
                    row["start_char"], row["end_char"], row["text"], actor.id, actor.name,
                    actor.side, actor.type, actor.role))
            return self._org_cluster(_DET.sub("", _POSS.sub("", row["text"])).strip(),
                                     self.index.side_of_descriptor)
        return None


_LOCATED_BODY = re.compile(r"\b(?:Embassy|Consulate|Mission|Delegation)\b", re.I)
_POSSESSOR = re.compile(r"^(?:[A-Z][\w.-]*\s+){1,3}['\u2019]s\s+")
_FUNCTION_WORDS = frozenset("""
the a an and but or as at by for from in into of on to with said says told added asked
when while after before since if then this that these those his her its their our
""".split())
_ORG_NOUNS = frozenset("""
ministry department government administration embassy consulate commission council agency
cabinet bureau parliament congress senate regulator authorities authority party office mission
side company firm corporation group chamber association federation institute university
academy center centre foundation forum bank newspaper tabloid media outlet network court
broadcaster television
union league coalition alliance committee board
""".split())
_HUMAN_HEADS = frozenset("""
member members delegate delegates delegation people person source sources insider insiders
manager managers owner owners farmer farmers worker workers trader traders buyer buyers
exporter exporters importer importers engineer engineers lawyer lawyers attorney attorneys
scholar scholars critic critics supporter supporters opponent opponents resident residents
investor investors economist economists veteran veterans distiller grower growers maker makers
""".split())
_EMPLOYER_NOUNS = ("institute", "centre", "center", "forum", "foundation", "council",
                   "institution", "office", "bureau", "review", "tribune", "herald", "observer",
                   "weekly", "newspaper", "paper", "agency", "commission", "school", "program",
                   "programme")


def _employer_is_outlet(text: str, outlet: str) -> bool:
    """"a research fellow at the institute", "who directs the institute's China program",
    or the outlet's name: the speaker works for the outlet that publishes the piece."""
    low, out = text.lower(), outlet.lower()
    if out in low:
        return True
    for noun in _EMPLOYER_NOUNS:
        if noun in out.split() and re.search(rf"\b(?:the|this|our) {noun}\b", low):
            return True
    return False


def _actor_is_affiliation(index: ActorIndex, text: str, evidence: str) -> bool:
    """Whether the actor behind an ``actor:`` side is the speaker's affiliation ("a spokesperson
    for the ministry", "a Huawei engineer", "US officials") rather than named in passing ("who
    has campaigned for a tougher line on Beijing")."""
    actor_id = evidence.split(":", 1)[1]
    for m in index.find(text):
        if m.actor_id != actor_id:
            continue
        before = text[max(0, m.start - 25):m.start]
        if m.start <= 4 or re.search(r"\b(?:at|for|with|of|from|by)\s+(?:the\s+|a\s+|an\s+)?$",
                                     before, re.I):
            return True
    return False


def _country_sides(index: ActorIndex) -> dict[str, str]:
    """Country name (as in the gazetteer) → configured side; other countries are OTHER."""
    out: dict[str, str] = {}
    for side in index.loaded.cfg.sides:
        for name in [side.name, *side.places]:
            country = lex.GAZETTEER.get(name, name if name in lex._GAZETTEER_DATA else None)
            if country and country not in out:
                out[country] = side.code
    return out


_LOCATIVE = re.compile(
    r"\b(?:at|in|from|near|outside|for|with|of|based in)\s+(?:(?:a|an|the)\s+)?$", re.I)


def _gazetteer_side(text: str, country_sides: dict[str, str]) -> tuple[str, str]:
    """Side from the world gazetteer: where the employer is ("at a Colorado consultancy",
    "a Seoul-based firm", "in Rotterdam") > nationality ("a Nigerian diplomat") > any place."""
    found = []
    for m in lex.GAZETTEER_RE.finditer(text):
        word = m.group(1)
        country = lex.GAZETTEER[word]
        before = text[max(0, m.start() - 25):m.start()]
        located = bool(_LOCATIVE.search(before)) or text.startswith("-based", m.end()) \
            or bool(found and found[-1][0] == 0 and re.search(r"\s(?:and|or)\s+$", before)) \
            or bool(re.match(r"\s+[a-z]", text[m.end():m.end() + 2])) and bool(
                re.search(r"\b(?:at|for|with|of|from)\s+(?:a|an|the)\s+$", before))
        demonym = word.endswith(("an", "ese", "ish", "ch", "i"))
        if located:
            found.append((0, m.start(), word, country))
        elif demonym:
            found.append((1, m.start(), word, country))
    if not found:
        return UNKNOWN, ""
    best = min(found)
    sides = {country_sides.get(c, "OTHER") for r, _, _, c in found if r == best[0]}
    if len(sides) > 1:
        return UNKNOWN, ""  # "investors in Palo Alto and Shanghai": no one side
    _, _, word, country = best
    kind = "place" if best[0] == 0 else "demonym"
    return country_sides.get(country, "OTHER"), f"{kind}:{word}"


def _covering(index: ActorIndex, phrase: str, head: Token) -> ActorMatch | None:
    """A registry actor whose alias ends with the mention's head word ("… Commerce Ministry"),
    not one named inside it ("a European business group in Beijing")."""
    match = index.resolve(phrase)
    if match is None or not match.text.split()[-1].lower().startswith(head.lower_[:5]):
        return None
    return match


_DEMONYMS = {"China": "Chinese", "India": "Indian", "Canada": "Canadian", "Japan": "Japanese",
             "South Korea": "South Korean", "Korea": "Korean", "Britain": "British",
             "Australia": "Australian", "Germany": "German", "France": "French",
             "Italy": "Italian", "Spain": "Spanish", "Vietnam": "Vietnamese",
             "Malaysia": "Malaysian", "Singapore": "Singaporean", "Russia": "Russian",
             "Brazil": "Brazilian", "Mexico": "Mexican", "Taiwan": "Taiwanese",
             "America": "American", "Indonesia": "Indonesian", "Thailand": "Thai",
             "Netherlands": "Dutch", "the Netherlands": "Dutch", "Poland": "Polish",
             "Hungary": "Hungarian", "Ireland": "Irish", "Norway": "Norwegian"}
_DEMONYM_POSS = re.compile(r"^(" + "|".join(map(re.escape, sorted(_DEMONYMS, key=len,
                                                                   reverse=True)))
                           + r")['\u2019]s\s+(?=[a-z])")


def _demonym_possessor(text: str) -> str:
    """"China's cybersecurity regulator" → "Chinese cybersecurity regulator"."""
    return _DEMONYM_POSS.sub(lambda m: _DEMONYMS[m.group(1)] + " ", text)


def _outlet_noun_re(outlet: str) -> re.Pattern[str]:
    """"the office" (article kept: "a spokesperson for the Customs … Office")."""
    nouns = [n for n in _EMPLOYER_NOUNS if n in outlet.lower().split()]
    return re.compile(r"(?<=\bthe )(?:" + "|".join(nouns or ["$^"]) + r")\b", re.I)


def _modifier_side(head: Token, country_sides: dict[str, str]) -> tuple[str, str]:
    """Side from a nationality adjective on the head noun ("European diplomats")."""
    for child in head.children:
        if child.dep_ in ("amod", "compound", "nmod") and child.i < head.i:
            country = lex.GAZETTEER.get(child.text)
            if country:
                return country_sides.get(country, "OTHER"), f"demonym:{child.text}"
    return UNKNOWN, ""


def _title_case(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] if w.islower() and w not in (
        "a", "an", "the", "of", "for", "at", "in", "on", "and") else w for w in text.split())


def _tok_at(doc: Doc, char: int) -> int:
    lo, hi = 0, len(doc) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if doc[mid].idx <= char:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _ent_descriptors(doc: Doc, ent: Span) -> list[tuple[str, bool]]:
    """Appositives and titles around a person's first mention ("Li Weiming, a researcher at
    CASS" → "a researcher at CASS"; "CASS researcher Li Weiming" → "CASS researcher")."""
    root = ent.root
    out = []
    for child in root.children:
        if child.dep_ in ("appos", "relcl") or (child.dep_ == "prep" and child.i > root.i):
            out.append((doc[child.left_edge.i:child.right_edge.i + 1].text.strip(" ,"), False))
    left = root.left_edge.i
    if left < ent.start:
        title = doc[left:ent.start].text.strip(" ,")
        if title and title.lower() not in lex.HONORIFICS:
            out.insert(0, (title, True))
    if root.dep_ == "appos":
        out.append((doc[root.head.left_edge.i:root.head.i + 1].text, True))
    return out


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def role_of(text: str, index: ActorIndex | None = None, actor_fallback: bool = True) -> str:
    """Speaker role from a title, appositive or description.

    A title that names its organisation ("president of X", "a spokesperson for X", "director
    at X") takes the organisation's role; otherwise the first role word wins ("chief Asia
    economist at a bank" → expert); otherwise the role of a registry actor named in the text.

    >>> role_of("a professor at Renmin University")
    'expert'
    >>> role_of("president of the US-China Business Council")
    'business'
    >>> role_of("Foreign Ministry spokesperson")
    'official'
    """
    if _ANONYMOUS.search(text):
        return "unknown"  # "people familiar with the matter", "sources"
    for pattern, role in lex.DESCRIPTOR_ROLES[2:]:
        if pattern.search(text):
            return role  # "who directs the China program at …"
    words = [w.lower() for w in _WORD.findall(text)]
    raw = _WORD.findall(text)
    # past roles do not count: "a former deputy secretary who now advises …"
    past = {k + d for k, w in enumerate(words) if w in ("former", "ex", "retired", "onetime")
            for d in range(1, 5)}
    if past and re.search(r"\bnow\b", text):
        words = [w if k not in past else "" for k, w in enumerate(words)]
    first_word = {m.start(): r for p, r in _PHRASE_ROLES for m in p.finditer(text)}
    if first_word:
        # a phrase role wins unless a person's own title comes before it
        phrase_pos = min(first_word)
        before = [w.lower() for w in _WORD.findall(text[:phrase_pos])]
        if not any(w in lex.ROLE_WORDS and w not in lex.ORG_ROLE_WORDS
                   and lex.ROLE_WORDS[w] != first_word[phrase_pos] for w in before
                   if w not in lex.ORG_TITLES):
            return first_word[phrase_pos]
    for k, w in enumerate(words):
        if w in lex.ORG_TITLES:
            after = words[k + 1:]
            if after and after[0] in ("of", "at", "for", "with"):
                org = next((lex.ORG_ROLE_WORDS[a] for a in after if a in lex.ORG_ROLE_WORDS),
                           None)
                if org is None and index is not None:
                    match = index.resolve(" ".join(raw[k + 2:]))
                    if match is not None and match.role != "unknown":
                        org = match.role
                if org is not None:
                    return org
            if w in ("spokesperson", "spokesman", "spokeswoman", "representative"):
                return "official"
            if w == "president" and (not after or after[0] not in ("of", "at")):
                return "official"  # "President Trump", "the president"
            continue
        role = lex.ROLE_WORDS.get(w)
        if role and not (w in ("group", "business", "industry", "party", "host", "anchor",
                               "people", "public") and k > 0):
            return role
    for pattern, role in lex.DESCRIPTOR_ROLES[:2]:
        if pattern.search(text):
            return role  # "who grows corn and soybeans", "who now advises …"
    if index is not None and text and actor_fallback:
        match = index.resolve(text)
        if match is not None:
            return match.role
    return "unknown"


def org_role(name: str) -> str:
    """Role of an organisation from its name ("Ministry of Commerce" → official)."""
    words = [w.lower() for w in _WORD.findall(name)]
    # who the members are beats what the body is called: "Red Meat Exporters Council"
    for w in words:
        if lex.ORG_ROLE_WORDS.get(w) in ("business", "public") and w not in ("group", "co"):
            return lex.ORG_ROLE_WORDS[w]
    for w in words:
        role = lex.ORG_ROLE_WORDS.get(w)
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
    res = _Resolution(doc, index, outlet, country)
    text = doc.text
    assigned: list[tuple[dict[str, Any], _Cluster]] = []
    for k in sorted(range(len(stmts)), key=lambda k: stmts[k]["start"]):  # document order
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
        res._touch(cl, stmt["speaker_start"] if stmt["speaker_start"] is not None
                   else stmt["start"])
        res.prev = cl
        res.prev_end = stmt["speaker_start"] if stmt["speaker_start"] is not None \
            else stmt["start"]
        assigned.append((stmt, cl))
    # Last resort for a speaker's side: the outlet's country. Wire copy quotes mostly its own
    # country's voices when it gives no affiliation ("Douglas Kettering, a former deputy
    # assistant secretary of agriculture"); anonymous sources stay UNKNOWN.
    for _, cl in assigned:
        if cl.side == UNKNOWN and not cl.anonymous and res.country_side != UNKNOWN \
                and cl.kind != "unknown":
            cl.side, cl.evidence = res.country_side, f"country:{res.country_side}"
    # names, roles and sides learnt later in the document apply to earlier statements too
    for stmt, cl in assigned:
        stmt.update(speaker=cl.canonical, speaker_role=cl.role, speaker_side=cl.side,
                    side_evidence=cl.evidence)
    for stmt in stmts:
        for key in ("speaker_i", "speaker_tok_start", "speaker_tok_end", "inherit"):
            stmt.pop(key, None)


def set_author(stmt: dict[str, Any], index: ActorIndex, outlet: str | None,
               country: str | None) -> None:
    """Speaker fields of an author statement: the outlet and its side."""
    side, evidence = index.outlet_side(outlet, country)
    stmt.update(speaker=outlet.strip() if outlet and outlet.strip() else UNKNOWN_OUTLET,
                speaker_text=None, speaker_start=None, speaker_end=None,
                speaker_role="author", speaker_side=side, side_evidence=evidence)
