"""Entities and actors: link spaCy's named entities to registry actors and give each a side.

The ``blamegraph_entities`` component runs after ``ner`` and writes ``doc._.bg_entities``, a list
of plain dicts in text order (so it survives ``nlp.pipe(n_process>1)`` and ``DocBin``; after a
``DocBin`` round trip msgpack hands it back as a tuple)::

    {"start_char": 0, "end_char": 15, "text": "The White House", "label": "ORG",
     "actor_id": "us_government", "side": "US"}

What it links:

- spaCy mentions labelled PERSON, ORG, GPE, NORP, FAC or LOC, through
  :meth:`ActorIndex.resolve <pipeline.actors.ActorIndex.resolve>`. Metonyms resolve to
  governments because the registry lists them as government aliases (SPEC.md: Washington, the
  White House → the US government; Beijing → the Chinese government). A mention NER cut short
  ("commerce ministry" in "China's commerce ministry") takes the actor of the registry alias that
  covers its last character.
- Mentions that stay unlinked keep ``actor_id`` None and take their side from the configured
  places ("Nanjing" → CN), demonyms ("Chinese" → CN) or descriptor rules, else ``UNKNOWN``.
- A country or capital used as a location ("a university in Beijing", "factories in China and
  Vietnam", the dateline "BEIJING (Reuters) -") is a place, not the government acting: actor
  None, side of the place (SPEC.md: "China (as an agent)"). "pressure from Beijing" and "in
  China's interests" stay the government. Set ``locative_places = false`` to link every such
  mention to the government.
- Names inside other kinds of mentions are left alone ("the Paris Agreement", "US$100").
- Registry aliases that NER missed are added with the label ``ACTOR``.
- References (label ``REF``, set ``references = false`` to leave them out): descriptions headed
  by a party noun ("the government", "our government", "Ottawa's ministers", "the company",
  "both governments") and personal or possessive pronouns that can denote a party (we, us, our,
  ours, they, them, their, theirs, it, its, he, him, his, she, her). About one blamed mention in
  six in the labelled passages is such a reference; without them the blame on it is lost.

References
----------
Found in one pass of one regular expression over the text (party nouns and pronouns), then one
pass over the matches; a party noun's phrase is its premodifiers back to a determiner, a
possessive pronoun or a possessor ("Japan's"). Detection reads the text only, not the parser or
the tagger, so the mentions are the same in the full run and in training, whose
:class:`~pipeline.train.EntityFinder` runs only ``tok2vec`` and ``ner``. A reference never
overlaps an entity mention: "Japan's government" gives the entity "Japan" and the reference
"government"; a phrase the registry knows as a whole ("the Chinese government") stays an
entity. There is no coreference model offline; the rules below are deterministic, prefer
``UNKNOWN`` to a guess, and look back only a short way (for pronouns the current and previous
sentence, for descriptions the current and previous paragraph). In order:

1. **First person** (we, us, our, ours, "our government", "our own leaders") → actor None, side
   ``SPEAKER``: a sentinel meaning "the side of whoever speaks". This component does not know
   the speaker; :func:`pipeline.blame.candidate_targets` maps it to the statement's speaker
   side (an author statement's speaker is the outlet). ``SPEAKER`` never reaches
   ``entities.parquet``: :func:`entities_for` writes ``UNKNOWN`` instead, and
   ``candidate_targets`` recognizes first-person references by :func:`is_speaker_reference`.
2. **Several or unnamed parties** ("both governments", "the two governments", "each capital",
   "the other side", "neither side") → ``UNKNOWN``: SPEC.md has no side BOTH.
3. **Relational nouns** ("its neighbour", "a close ally", "partners") → the side of a demonym
   modifier ("its Chinese partners", "French counterparts"), else ``UNKNOWN``: never the
   possessor's side.
4. **A possessor or modifier naming a side**: "Japan's government", "the Korean ministry",
   "Ottawa's ministers", "Biden's administration", "the country's leaders" → that side (entity
   row, demonym, place or alias, through :class:`~pipeline.actors.ActorIndex`). A possessor that
   is not a party ("the industry's leaders") → ``UNKNOWN``.
5. **A post-modifier naming a side** ("the government of Japan", "officials in Beijing", "a
   few politicians in Washington", "a spokesperson for the Chinese foreign ministry").
6. **Indefinite** ("a government", "any company", "some countries") → ``UNKNOWN``.
7. **A possessive pronoun** ("their own government", "its predecessor", "his administration")
   → the side of the pronoun's antecedent (rule 9).
8. **A definite description or a context plural** ("the government", "the ministry",
   "Ministers were careless", "officials said") → the most recent earlier registry
   actor of a compatible type in the current or previous paragraph: government, country or
   body for government-like nouns (government, administration, cabinet, officials, ministers,
   ministry, parliament, lawmakers …); company for company, firm, carmaker …; an official person
   for minister, president, leader …; earlier references with a known side count too. Other
   bare plurals ("governments", "companies") are generic → ``UNKNOWN``; so are past
   governments ("successive governments", "the previous government") and domestic politics
   ("the opposition", "the ruling coalition", "the court"), which name the speaker's own polity
   more often than the party last mentioned. Bare "side" and "capital" are not references.
9. **Third-person pronouns** → the most recent earlier compatible mention in the same
   sentence, else the first compatible mention of the previous sentence (its subject, as a
   rule: subjects are the likelier antecedents across a sentence boundary; on the labelled
   passages this beat the most recent mention, 20 against 16 right sides of 38 blamed
   pronouns and pronoun-owned phrases);
   they/them/their → an organization, government or group; it/its → an organization,
   government, company or country (singular); he/she/him/his/her → a person.
   Object pronouns (them, him, an object "it") skip mentions in their own clause ("Beijing
   accused it": not Beijing); possessives and subjects do not ("China defended its policy").
   Pleonastic "it" ("it is clear that", "it was expected", "made it harder") and third-person
   pronouns with no compatible antecedent are not mentions.

Actors: a government-like noun takes the actor of a government antecedent or possessor, else the
registry's government of a configured side (:meth:`ActorIndex.government_of`), so "Japan's
government" and "the government" after "Canberra" are those governments (SPEC.md: metonyms
resolve to governments). Other nouns take the antecedent's actor only when it is the same kind
of party and the noun is in its name ("the ministry" after "China's commerce ministry" is that
ministry, "the company" after "Huawei" is Huawei); else None with the antecedent's side. A
pronoun takes its antecedent's actor and side.

Wiring. The component needs an :class:`~pipeline.actors.ActorIndex`. Either let it load one
from its own settings (``config_path``, empty for ``configs/default.yaml``, and dotted
``overrides``), built lazily on the first document, or hand it the index the run already built,
which avoids loading the configuration twice::

    import pipeline.entities  # registers the factory
    linker = nlp.add_pipe("blamegraph_entities")
    linker.set_index(index)   # optional: share the run's ActorIndex

or simply ``add_entity_linker(nlp, index)``.
"""
from __future__ import annotations

import bisect
import re
from typing import Any, NamedTuple

from spacy.language import Language
from spacy.tokens import Doc

from .actors import _FUNCTION_WORDS, UNKNOWN, ActorIndex, ActorMatch
from .config import load_config
from .schema import Entity

EXTENSION = "bg_entities"
NER_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"})
ACTOR_LABEL = "ACTOR"
# "a university in Beijing": a location. "from" is left out on purpose: "pressure from Beijing"
# names the government acting.
_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|at|near|outside|across|throughout|within|around|based\s+in)\s+(?:the\s+)?$", re.I)
_NAME = r"(?:the\s+)?[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*)?"
_LOCATIVE_LIST_BEFORE = re.compile(
    rf"\b(?:in|at|near|across|throughout|within)\s+{_NAME}(?:\s*,\s*{_NAME})*"
    r"(?:\s*,\s*|,?\s+(?:and|or)\s+)(?:the\s+)?$")
_LIST_GOES_ON = re.compile(r"\s*(?:,\s*|,?\s+(?:and|or)\s+)(?:the\s+)?[A-Z]")
_GOVERNMENT_TYPES = ("government", "country")
_POSSESSIVE_AFTER = re.compile(r"['\u2019]s?\b")  # "in China's interests": China acts


def install_extensions() -> None:
    """Install ``Doc._.bg_entities`` once; safe to call any number of times."""
    if not Doc.has_extension(EXTENSION):
        Doc.set_extension(EXTENSION, default=None)


@Language.factory(
    "blamegraph_entities",
    requires=["doc.ents"],
    assigns=[f"doc._.{EXTENSION}"],
    default_config={"config_path": "", "overrides": [], "locative_places": True,
                    "references": True},
)
def make_entity_linker(nlp: Language, name: str, config_path: str, overrides: list[str],
                       locative_places: bool, references: bool) -> "EntityLinker":
    return EntityLinker(name, config_path=config_path, overrides=overrides,
                        locative_places=locative_places, references=references)


def add_entity_linker(nlp: Language, index: ActorIndex | None = None,
                      name: str = "blamegraph_entities", **config: Any) -> "EntityLinker":
    """Add the component after ``ner`` (or last) and give it ``index`` when one is passed."""
    where = {"after": "ner"} if "ner" in nlp.pipe_names else {}
    linker = nlp.add_pipe("blamegraph_entities", name=name, config=config, **where)
    if index is not None:
        linker.set_index(index)
    return linker


class EntityLinker:
    """Writes ``doc._.bg_entities``: NER mentions, missed registry aliases and (unless
    ``references=False``) references, with actor and side. Holds only the config settings and
    an :class:`ActorIndex` (plain, picklable data)."""

    def __init__(self, name: str = "blamegraph_entities", *, config_path: str = "",
                 overrides: list[str] | None = None, locative_places: bool = True,
                 references: bool = True, index: ActorIndex | None = None):
        self.name = name
        self.config_path = config_path
        self.overrides = list(overrides or [])
        self.locative_places = locative_places
        self.references = references
        self._index = index
        install_extensions()

    # --- the index ----------------------------------------------------------------------------
    def set_index(self, index: ActorIndex) -> None:
        """Use an already built index (the run's), instead of loading ``config_path``."""
        self._index = index

    initialize_index = set_index

    @property
    def index(self) -> ActorIndex:
        if self._index is None:
            self._index = ActorIndex(load_config(self.config_path or None, self.overrides))
        return self._index

    # --- annotation ---------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        # Unpickled copies (spawned worker processes) skip __init__: install here as well.
        install_extensions()
        doc._.set(EXTENSION, self.link(doc.text, [(e.start_char, e.end_char, e.label_)
                                                  for e in doc.ents]))
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)

    def link(self, text: str, ents: list[tuple[int, int, str]]) -> list[dict[str, Any]]:
        """Entity rows for ``text`` given NER spans ``(start_char, end_char, label)``."""
        index = self.index
        aliases = index.find(text)
        rows: list[dict[str, Any]] = []
        # Names inside other kinds of mentions are not actors: "the Paris Agreement" (LAW),
        # "the Beijing Olympics" (EVENT), "US$100" (MONEY).
        other_spans = [(s, e) for s, e, label in ents if label not in NER_LABELS]
        for start, end, label in ents:
            if label not in NER_LABELS:
                continue
            mention = text[start:end]
            match = index.resolve(mention, head_only=True)
            if match is None:
                # NER cut the mention short but kept its head: "commerce ministry" in
                # "China's commerce ministry" is that ministry.
                match = next((a for a in aliases if a.start <= start and a.end == end), None)
            rows.append(self._row(text, start, end, label, match))
        for alias in aliases:
            if any(s <= alias.start and alias.end <= e and e - s > alias.end - alias.start
                   for s, e in other_spans):
                continue
            overlapping = [r for r in rows if alias.start < r["end_char"]
                           and r["start_char"] < alias.end]
            inside = [r for r in overlapping if alias.start <= r["start_char"]
                      and r["end_char"] <= alias.end
                      and (r["start_char"], r["end_char"]) != (alias.start, alias.end)]
            # Covered when NER linked it or saw the same or a larger mention ("the China
            # program"). NER pieces strictly inside a missed alias ("US" in "US lawmakers",
            # "Chinese" in "Chinese foreign ministry") give way to the alias.
            if any(r["actor_id"] == alias.actor_id for r in overlapping) \
                    or len(inside) < len(overlapping):
                continue
            rows = [r for r in rows if r not in inside]
            rows.append(self._row(text, alias.start, alias.end, ACTOR_LABEL, alias))
        rows.sort(key=lambda r: (r["start_char"], r["end_char"]))
        if self.references:
            refs = ReferenceResolver(index).find(text, rows)
            if refs:
                rows = sorted(rows + refs, key=lambda r: (r["start_char"], r["end_char"]))
        return rows

    def _row(self, text: str, start: int, end: int, label: str,
             match: ActorMatch | None) -> dict[str, Any]:
        mention = text[start:end]
        actor_id: str | None = match.actor_id if match is not None else None
        side = match.side if match is not None else UNKNOWN
        if match is not None and self.locative_places and match.type in _GOVERNMENT_TYPES:
            # A configured place, or any country or city NER calls a location ("Vietnam").
            place = self.index.place_side(mention) or (
                match.side if label in ("GPE", "LOC") else None)
            if place is not None and self._is_locative(text, start, end):
                actor_id, side = None, place
        if match is None:
            side = self._side_of_unlinked(mention, label)
        return {"start_char": int(start), "end_char": int(end), "text": mention,
                "label": label, "actor_id": actor_id, "side": side}

    @staticmethod
    def _is_locative(text: str, start: int, end: int) -> bool:
        """After in/at/near…, directly or as a later conjunct ("in China and Vietnam")."""
        if _POSSESSIVE_AFTER.match(text[end:end + 2]):
            return False  # "in China's interests": China is acting
        before = text[max(0, start - 60):start]
        if _LOCATIVE_BEFORE.search(before):
            return True
        listed = _LOCATIVE_LIST_BEFORE.search(before)
        if listed is None:
            return False
        if re.search(r"\b(?:and|or)\s+(?:the\s+)?$", before):
            return True  # the last conjunct: "in China and Vietnam"
        # After a bare comma the list must go on ("in China, Japan and Vietnam"); otherwise
        # the comma closes an opening phrase ("In Beijing, Washington said").
        return bool(_LIST_GOES_ON.match(text[end:end + 40]))

    def _side_of_unlinked(self, mention: str, label: str) -> str:
        index = self.index
        if label == "NORP":
            side = index.demonym_side(mention)
            if side is not None:
                return side
        if label in ("GPE", "LOC", "FAC"):
            # Datelines shout: "BEIJING (Reuters) -" is the place Beijing.
            side = index.place_side(mention.title() if mention.isupper() else mention)
            if side is not None:
                return side
        return index.side_of_descriptor(mention)[0]


def entities_for(doc: Doc, doc_id: str, offset: int = 0) -> list[Entity]:
    """``doc._.bg_entities`` as :class:`~pipeline.schema.Entity` rows; ``offset`` is added to
    every position (the start of the chunk within the document, for chunked documents).

    These are the rows of ``entities.parquet``, so the ``SPEAKER`` sentinel of first-person
    references becomes ``UNKNOWN`` here (SPEC.md's sides); :func:`is_speaker_reference` still
    tells the blame stage which mentions are the speaker's own side."""
    if not Doc.has_extension(EXTENSION) or doc._.get(EXTENSION) is None:
        raise ValueError(
            f"Doc of '{doc_id}' has no doc._.{EXTENSION}: the pipeline lacks the "
            f"'blamegraph_entities' component. Add it with pipeline.entities.add_entity_linker(nlp).")
    return [Entity(doc_id=doc_id, text=row["text"], label=row["label"],
                   start=row["start_char"] + offset, end=row["end_char"] + offset,
                   actor=row["actor_id"],
                   side=UNKNOWN if row["side"] == SPEAKER else row["side"])
            for row in doc._.get(EXTENSION)]  # a list, or a tuple after DocBin


def is_speaker_reference(label: str, text: str) -> bool:
    """Whether a mention is a first-person reference ("We", "us", "our government"), whose
    side is the speaker's. Case matters: "US" is a country, "us" the speaker.

    >>> is_speaker_reference("REF", "our own government"), is_speaker_reference("GPE", "US")
    (True, False)
    """
    if label != REF_LABEL:
        return False
    words = text.split(maxsplit=1)
    return bool(words) and words[0] in _FIRST_PERSON


# --- references: descriptions and pronouns ----------------------------------------------------
REF_LABEL = "REF"
SPEAKER = "SPEAKER"  # sentinel side of first-person references; never written to Parquet
_FIRST_PERSON = frozenset({"we", "We", "WE", "us", "our", "Our", "OUR", "ours", "Ours"})

# Party nouns: (singular, plural, kind of the singular, kind of the plural). The kind decides
# what a description may refer back to: "gov" a government, "body" a government body or party
# ("the ministry", "lawmakers"), "person" an office holder, "company" a company, "relational" a
# party named by its relation to another ("its neighbour": never the possessor's side).
_HEAD_TABLE: list[tuple[str, str | None, str, str]] = [
    *[(w, p, "gov", "gov") for w, p in [
        ("government", "governments"), ("administration", "administrations"),
        ("cabinet", "cabinets"), ("leadership", None), ("regime", "regimes"),
        ("country", "countries"), ("nation", "nations"), ("capital", "capitals"),
        ("side", "sides"), ("predecessor", "predecessors"), ("successor", "successors")]],
    ("authority", "authorities", "gov", "gov"),  # only the plural: see below
    *[(w, w + "s", "person", "gov") for w in [
        "official", "minister", "leader", "diplomat", "policymaker", "negotiator", "ambassador",
        "envoy"]],
    *[(w, w + "s", "person", "body") for w in [
        "lawmaker", "legislator", "politician", "senator", "parliamentarian", "backbencher",
        "MP"]],
    *[(w, None, "person", "person") for w in [
        "president", "premier", "chancellor", "spokesman", "spokeswoman", "spokesperson"]],
    *[(w, p, "body", "body") for w, p in [
        ("ministry", "ministries"), ("department", "departments"), ("agency", "agencies"),
        ("regulator", "regulators"), ("watchdog", "watchdogs"), ("embassy", "embassies"),
        ("parliament", "parliaments"), ("congress", None), ("senate", None),
        ("legislature", "legislatures"), ("commission", "commissions"),
        ("committee", "committees"), ("court", "courts"), ("party", "parties"),
        ("coalition", "coalitions"), ("opposition", None), ("camp", "camps"),
        ("bloc", "blocs"), ("council", "councils")]],
    *[(w, p, "company", "company") for w, p in [
        ("company", "companies"), ("firm", "firms"), ("corporation", "corporations"),
        ("conglomerate", "conglomerates"), ("carmaker", "carmakers"),
        ("automaker", "automakers"), ("chipmaker", "chipmakers"),
        ("steelmaker", "steelmakers"), ("manufacturer", "manufacturers"), ("maker", "makers"),
        ("supplier", "suppliers"), ("giant", "giants")]],
    *[(w, p, "relational", "relational") for w, p in [
        ("neighbour", "neighbours"), ("neighbor", "neighbors"), ("ally", "allies"),
        ("partner", "partners"), ("rival", "rivals"), ("adversary", "adversaries"),
        ("counterpart", "counterparts")]],
]


class _Head(NamedTuple):
    form: str  # lower-cased surface form ("ministers")
    lemma: str  # lower-cased singular ("minister")
    kind: str
    plural: bool


def _heads() -> dict[str, _Head]:
    heads: dict[str, _Head] = {}
    for singular, plural, kind, plural_kind in _HEAD_TABLE:
        lemma = singular.lower()
        if singular != "authority":  # "the authority" is seldom a party; "the authorities" is
            heads[lemma] = _Head(lemma, lemma, kind, False)
        if plural is not None:
            heads[plural.lower()] = _Head(plural.lower(), lemma, plural_kind, True)
    return heads


_HEADS = _heads()


def _head_pattern() -> str:
    forms = []
    for form in sorted(_HEADS, key=len, reverse=True):
        if form in ("mp", "mps"):
            forms.append("MPs" if form == "mps" else "MP")  # never "mp"
        else:
            forms.append(f"[{form[0].upper()}{form[0]}]{re.escape(form[1:])}")
    return "|".join(forms)


_PRONOUNS = ("we We us our Our ours they They them their Their theirs it It its Its he He him "
             "his His she She her Her").split()
# One pass over the text finds every party noun and pronoun. Hyphenated compounds
# ("pro-government", "state-owned") are left out, and so are "it's" (nearly always pleonastic)
# and "he's"/"she's".
_REF_RE = re.compile(
    r"(?<![\w'\u2019-])(?:(?P<pron>" + "|".join(_PRONOUNS) + r")(?!['\u2019]s\b)|(?P<head>"
    + _head_pattern() + r"))(?![\w-])")
# Heads that are also adjectives or parts of fixed phrases ("official data", "a firm stance",
# "capital markets", "side effects", "party leaders"): a party only before a function word, a
# verb-like word or punctuation.
_AMBIGUOUS = frozenset("""
official firm capital capitals side sides party leader camp giant maker court opposition bloc
council cabinet
""".split())
# Heads that are a party only when qualified: "the Dutch side", "both sides", "Japan's
# capital"; "the side of consumers" and a bare "the capital" are not.
_QUALIFIED_ONLY = frozenset({"side", "capital"})
_DEFINITE = frozenset({"the", "this", "that", "these", "those"})
_INDEFINITE = frozenset("a an any another every some no such many most several all certain few"
                        .split())
# Several or unnamed parties ("both governments", "the other side", "each capital").
_MULTI = frozenset("both two three four each either neither one other opposing third".split())
# Past governments ("successive governments", "the previous government") and domestic politics
# ("the opposition", "the ruling coalition", "the court") are mostly the speaker's own polity,
# seldom the party last named: only a possessor or modifier gives their side. (On the labelled
# passages the latest-mention rule gave 8 blamed such mentions a side, and all 8 were wrong.)
_PAST_MODIFIERS = frozenset("successive previous prior past former".split())
_DOMESTIC_HEADS = frozenset("coalition opposition court party camp".split())
_POSSESSIVE_PRONOUNS = frozenset({"our", "their", "its", "his", "her", "my", "your", "whose"})
# Premodifiers allowed without a determiner ("federal ministers", "senior officials").
_MODIFIERS = frozenset("""
own same federal national central local state provincial regional municipal new former current
previous prior past successive incoming outgoing caretaker interim ruling governing opposition
foreign domestic trade commerce economy economic finance industry defence defense interior home
security senior top junior chief deputy prime vice whole entire western eastern northern
southern key major leading big biggest largest main fellow tech technology telecom telecoms
smartphone chip steel car auto energy agriculture agricultural customs market competition
state-owned state-run elected close closest
""".split()) | _MULTI
# Bare plurals that name the parties of the context ("Ministers were careless"); other bare
# plurals ("governments", "companies") are generic.
_CONTEXT_PLURALS = frozenset("""
officials ministers leaders diplomats policymakers negotiators ambassadors envoys authorities
lawmakers legislators politicians senators parliamentarians backbenchers mps regulators
""".split())
_VERBISH = frozenset("""
has have had is are was were will would can could may might must should shall did does do
said says told tells insists insisted argues argued wants wanted warned warns accused accuses
blamed blames denied denies rejected rejects imposed imposes announced announces
""".split())
_STOP = _FUNCTION_WORDS | _VERBISH
_MONTHS_DAYS = frozenset("""
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
""".split())
_LEFT_TOKEN = re.compile(r"['\u2019]s?(?!\w)|\w[\w-]*|[^\w\s]")
_NEXT_WORD = re.compile(r"( ?)([\w'\u2019-]+)")
_POSSESSIVE_AT = re.compile(r"['\u2019]s?(?!\w)")
# "it is clear that", "it was expected", "it seems", "made it harder to": pleonastic "it". A
# progressive ("it is trying to") is a party doing something.
_PLEONASTIC_AFTER = re.compile(
    r"\s+(?:(?:is|was|has\s+been|had\s+been|will\s+be|would\s+be|could\s+be|may\s+be|"
    r"might\s+be|must\s+be|should\s+be|isn['\u2019]t|wasn['\u2019]t)\b"
    r"(?!(?:\s+(?:not|also|still|now|already|clearly|only|just))*\s+"
    r"(?!(?:no|some|every|any)thing\b)\w+ing\b)"
    r"|(?:seems|seemed|appears|appeared|remains|remained|matters|mattered|follows|emerged|"
    r"turned\s+out|takes|took|makes\s+sense)\b)", re.I)
_PLEONASTIC_BEFORE = re.compile(
    r"\b(?:make|makes|made|making|find|finds|found|consider|considers|considered|deem|deems|"
    r"deemed|put|puts)\s+$", re.I)
# Clause boundaries for the binding rule ("Beijing accused it": "it" is not Beijing).
_CLAUSE_BOUNDARY = re.compile(
    r"[,;:()\"\u201c\u201d\u2014\u2013]|\b(?:that|and|but|or|because|while|when|whereas|if|"
    r"which|who|after|before|since|although|said|says|told|to)\b", re.I)
_SUBJECT_BEFORE = re.compile(
    r"(?:^|[.!?;:,\"\u201c\u201d(\u2014\u2013]|\b(?:that|and|but|or|because|while|when|"
    r"whereas|if|which|after|before|since|although|said|says|so|then|as)\b)\s*$", re.I)
_SENT_END = re.compile(
    r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9])|\n+")
_ABBREV_BEFORE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Sen|Rep|Gov|St|Jr|Sr|No|vs|etc|Inc|Corp|Co|Ltd|Jan|Feb|Mar|"
    r"Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z]|(?:[A-Z]\.)+[A-Z])$")
# "the government of Japan", "officials in Beijing", "politicians in both countries"
_POST_MODIFIER = re.compile(r"[^\S\n]+(?:of|in|at|from|for)[^\S\n]+((?:the[^\S\n]+)?)(\w+)")
_PLURAL_PRONOUNS = frozenset({"they", "them", "their", "theirs"})
_PRONOUN_CATS = {"it": ("org",), "its": ("org",), "they": ("org", "group"),
                 "them": ("org", "group"), "their": ("org", "group"),
                 "theirs": ("org", "group"), "he": ("person",), "him": ("person",),
                 "his": ("person",), "she": ("person",), "her": ("person",)}
_GOV_TYPES = frozenset({"government", "country"})
_DESCRIBED_TYPES = {"gov": frozenset({"government", "country", "body"}),
                    "body": frozenset({"government", "country", "body"}),
                    "company": frozenset({"company"}), "person": frozenset({"person"})}


class _Prior(NamedTuple):
    """An earlier mention that may be an antecedent: an entity row or a reference."""

    start: int
    row: dict[str, Any]
    cat: str | None  # "person", "org" or "group" for pronouns; None: never a pronoun's
    kind: str | None  # head kind of a description (None for entity rows)
    actor_type: str | None
    first_person: bool = False


class _Chunk(NamedTuple):
    start: int  # the reference's span: the phrase less any entity or possessor inside it
    end: int
    head: _Head
    det: str | None  # lower-cased determiner or possessive pronoun at the left edge
    det_start: int
    modifiers: tuple[str, ...]  # lower-cased premodifier words
    side_rows: tuple[dict[str, Any], ...]  # entity rows modifying the head ("Korean")
    side_words: tuple[str, ...]  # capitalized premodifiers the index may know
    possessor: dict[str, Any] | None  # the entity or reference before "'s"
    foreign_possessor: bool  # "the industry's leaders": owned by something not a party


class _Text:
    """One text with its entity rows and sentence and paragraph starts."""

    def __init__(self, text: str, rows: list[dict[str, Any]]):
        self.text = text
        self.rows = rows
        self.starts = [r["start_char"] for r in rows]
        self.para_starts = [0] + [m.end() for m in re.finditer(r"\n\s*", text)]
        sents = set(self.para_starts)
        for m in _SENT_END.finditer(text):
            if m.group()[0] == "." and _ABBREV_BEFORE.search(text[max(0, m.start() - 12):
                                                                  m.start()]):
                continue  # "Mr. Li", "U.S. officials", "Jan. 5"
            end = m.end()
            while end < len(text) and text[end].isspace():
                end += 1
            sents.add(end)
        self.sent_starts = sorted(sents)

    def covering(self, pos: int) -> dict[str, Any] | None:
        """The entity row whose span holds ``pos``."""
        i = bisect.bisect_right(self.starts, pos) - 1
        for j in (i, i - 1):
            if 0 <= j < len(self.rows) and self.rows[j]["start_char"] <= pos \
                    < self.rows[j]["end_char"]:
                return self.rows[j]
        return None

    def ending_at(self, pos: int) -> dict[str, Any] | None:
        i = bisect.bisect_left(self.starts, pos)
        for j in range(i - 1, max(-1, i - 4), -1):
            if self.rows[j]["end_char"] == pos:
                return self.rows[j]
        return None

    def starting_at(self, pos: int) -> dict[str, Any] | None:
        i = bisect.bisect_left(self.starts, pos)
        return self.rows[i] if i < len(self.rows) and self.starts[i] == pos else None

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end)
        return any(self.rows[j]["end_char"] > start for j in range(max(0, i - 3), i))

    @staticmethod
    def window(starts: list[int], pos: int, n_units: int) -> int:
        """Start of the unit ``n_units - 1`` before the one holding ``pos``."""
        i = bisect.bisect_right(starts, pos) - 1
        return starts[max(0, i - n_units + 1)]


class ReferenceResolver:
    """Finds reference mentions (label ``REF``) and resolves their side and actor with the
    rules of the module docstring. Rule-based and deterministic; no coreference model.

    >>> from pipeline.config import load_config
    >>> resolver = ReferenceResolver(ActorIndex(load_config()))
    >>> text = "Beijing imposed duties. It said the measures were lawful."
    >>> [(r["text"], r["actor_id"], r["side"]) for r in resolver.find(
    ...     text, [{"start_char": 0, "end_char": 7, "text": "Beijing", "label": "GPE",
    ...             "actor_id": "cn_government", "side": "CN"}])]
    [('It', 'cn_government', 'CN')]
    """

    def __init__(self, index: ActorIndex):
        self.index = index

    def find(self, text: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Reference rows for ``text``, given its entity rows sorted by start."""
        matches = list(_REF_RE.finditer(text))
        if not matches:
            return []
        ctx = _Text(text, rows)
        priors = [self._entity_prior(r) for r in rows]
        refs: list[dict[str, Any]] = []
        done: list[_Prior] = []  # earlier mentions: entity rows and references, in text order
        k = 0
        chunks: dict[int, _Chunk | None] = {}  # head match -> its phrase, computed once
        for i, m in enumerate(matches):
            if refs and m.start() < refs[-1]["end_char"]:
                continue
            chunk = None
            if m.group("head") is not None:
                if i not in chunks:
                    chunks[i] = self._chunk(ctx, matches, i, refs)
                chunk = chunks[i]
                if chunk is None:
                    continue
                span = (chunk.start, chunk.end)
            else:
                span = m.span()
                # "their own government": the phrase is the mention, not the pronoun
                if i + 1 < len(matches) and matches[i + 1].group("head") is not None \
                        and m.group("pron").lower() in _POSSESSIVE_PRONOUNS:
                    if i + 1 not in chunks:
                        chunks[i + 1] = self._chunk(ctx, matches, i + 1, refs)
                    nxt = chunks[i + 1]
                    if nxt is not None and nxt.det_start == m.start():
                        continue
            if ctx.overlaps(*span) or (refs and span[0] < refs[-1]["end_char"]):
                continue
            while k < len(rows) and rows[k]["start_char"] < span[0]:
                if priors[k] is not None:
                    done.append(priors[k])
                k += 1
            if chunk is not None:
                row, prior = self._resolve_chunk(ctx, chunk, done)
            else:
                resolved = self._resolve_pronoun(ctx, m, done)
                if resolved is None:
                    continue
                row, prior = resolved
            refs.append(row)
            done.append(prior)
        return refs

    # --- phrases ------------------------------------------------------------------------------
    def _chunk(self, ctx: _Text, matches: list[re.Match], i: int,
               refs: list[dict[str, Any]]) -> _Chunk | None:
        """The noun phrase headed by the party noun of ``matches[i]``, or None when the noun
        is not a party here (a modifier, a title, part of a name, an unqualified "side")."""
        text = ctx.text
        m = matches[i]
        surface = m.group("head")
        head = _HEADS[surface.lower()]
        hs, he = m.span()
        nxt = matches[i + 1] if i + 1 < len(matches) else None
        following = _NEXT_WORD.match(text, he)
        if following is not None and following.group(1):
            word = following.group(2)
            if nxt is not None and nxt.group("head") is not None and nxt.start() == he + 1:
                return None  # "government officials": one phrase, headed by "officials"
            if word[:1].isupper() and word not in _MONTHS_DAYS \
                    and (surface[:1].isupper() or head.kind == "person"):
                return None  # a title or a name: "Minister Simon Birmingham", "President Xi"
            if head.form in _AMBIGUOUS and word[:1].islower() and word.lower() not in _STOP \
                    and not word.lower().endswith("ed"):
                return None  # "official data", "capital markets", "party leaders"
        if head.lemma == "side" and re.match(r"\s+of\b", text[he:he + 5]):
            return None  # "the side of consumers", "the other side of the Atlantic"
        # Walk left over premodifiers to a determiner, a possessive pronoun or a possessor.
        lo = max(0, hs - 120)
        newline = text.rfind("\n", lo, hs)
        if newline >= 0:
            lo = newline + 1
        toks = [(t.start() + lo, t.end() + lo, t.group())
                for t in _LEFT_TOKEN.finditer(text[lo:hs])]
        det, det_start = None, hs
        possessor: dict[str, Any] | None = None
        foreign_possessor = False
        taken: list[tuple[int, int, str, dict[str, Any] | None]] = []
        j = len(toks) - 1
        while j >= 0 and len(taken) < 5:
            s, e, w = toks[j]
            row = ctx.covering(s)
            if row is not None:
                if _POSSESSIVE_AT.match(text, row["end_char"]) or re.search(
                        r"['\u2019]s?$", row["text"]):
                    possessor = row
                    break
                taken.append((row["start_char"], row["end_char"], row["text"], row))
                while j >= 0 and toks[j][0] >= row["start_char"]:
                    j -= 1
                continue
            if _POSSESSIVE_AT.fullmatch(w):
                possessor = ctx.ending_at(s) or next(
                    (r for r in reversed(refs) if r["end_char"] == s), None)
                foreign_possessor = possessor is None
                break
            low = w.lower()
            if low in _DEFINITE or low in _INDEFINITE or low in _POSSESSIVE_PRONOUNS:
                det, det_start = low, s
                break
            if low in _STOP or not re.fullmatch(r"[\w-]+", w):
                break
            taken.append((s, e, w, None))
            j -= 1
        taken.reverse()
        if det is not None and not self._plausible(taken):
            det, det_start = None, hs
        if det is None and possessor is None and not foreign_possessor:
            # Without a determiner only known modifiers count ("senior officials", "Korean
            # officials"), never a verb ("accused ministers").
            keep = []
            for item in reversed(taken):
                s, e, w, row = item
                if row is None and w.lower() not in _MODIFIERS and w.lower() not in _HEADS \
                        and not (w[:1].isupper() and self._side_of_word(w) is not None):
                    break
                keep.append(item)
            taken = keep[::-1]
        if (det in ("this", "that") and head.plural) or (det in ("these", "those")
                                                          and not head.plural):
            return None  # "said that ministers …": a complementizer, not a determiner
        modifiers = tuple(w.lower() for _, _, w, row in taken if row is None)
        side_rows = tuple(row for *_, row in taken if row is not None)
        side_words = tuple(w for _, _, w, row in taken if row is None and w[:1].isupper())
        if head.lemma in _QUALIFIED_ONLY and not (
                possessor or side_rows or det in _MULTI or det in _POSSESSIVE_PRONOUNS
                or any(w in _MULTI for w in modifiers)
                or any(self._side_of_word(w) for w in side_words)):
            return None
        start = det_start if det is not None else (taken[0][0] if taken else hs)
        for _, e, _, row in taken:  # never overlap an entity inside the phrase
            if row is not None:
                start = e
        while start < hs and text[start].isspace():
            start += 1
        return _Chunk(min(start, hs), he, head, det, det_start, modifiers, side_rows,
                      side_words, possessor, foreign_possessor)

    @staticmethod
    def _plausible(taken: list[tuple[int, int, str, Any]]) -> bool:
        """Between a determiner and the head: no plural noun, no verb, and a participle only
        right after the determiner ("the elected government", not "the farmers blamed")."""
        for n, (_, _, w, row) in enumerate(taken):
            low = w.lower()
            if row is not None or low in _MODIFIERS or low in _HEADS or w[:1].isupper():
                continue
            if low.endswith("s") and not low.endswith(("ss", "us", "is")):
                return False
            if low.endswith("ed") and n > 0:
                return False
        return True

    def _side_of_word(self, word: str) -> str | None:
        """The side a capitalized premodifier names ("Korean", "Ottawa"), else None."""
        index = self.index
        side = index.demonym_side(word) or index.place_side(word)
        if side is None:
            actor_id = index.lookup(word)
            if actor_id is not None:
                side = index.actors[actor_id].side
        return side

    # --- resolution ---------------------------------------------------------------------------
    def _entity_prior(self, row: dict[str, Any]) -> _Prior | None:
        actor = self.index.actors.get(row["actor_id"]) if row["actor_id"] else None
        if actor is not None:
            cat = {"person": "person", "group": "group"}.get(actor.type, "org")
            return _Prior(row["start_char"], row, cat, None, actor.type)
        label = row["label"]
        if label == "PERSON":
            return _Prior(row["start_char"], row, "person", None, None)
        if label == "ORG":
            return _Prior(row["start_char"], row, "org", None, None)
        if label == "NORP" and row["text"].endswith("s") and row["side"] != UNKNOWN:
            return _Prior(row["start_char"], row, "group", None, None)  # "Americans"
        return None  # a place ("a university in Beijing"), an adjective ("Chinese wine")

    def _resolve_chunk(self, ctx: _Text, chunk: _Chunk, done: list[_Prior]
                       ) -> tuple[dict[str, Any], _Prior]:
        side, actor_id = self._chunk_side(ctx, chunk, done)
        row = {"start_char": chunk.start, "end_char": chunk.end,
               "text": ctx.text[chunk.start:chunk.end], "label": REF_LABEL,
               "actor_id": actor_id, "side": side}
        if chunk.head.kind == "person":
            cat = "person"
        elif chunk.head.plural:
            cat = "group"
        else:
            cat = "org"
        actor = self.index.actors.get(actor_id) if actor_id else None
        return row, _Prior(chunk.start, row, cat, chunk.head.kind,
                           actor.type if actor is not None else None)

    def _chunk_side(self, ctx: _Text, chunk: _Chunk, done: list[_Prior]
                    ) -> tuple[str, str | None]:
        head = chunk.head
        # 1. first person: "our government", "our own leaders" (relational: "our partners"
        # are the others)
        if chunk.det == "our" and head.kind != "relational":
            return SPEAKER, None
        # 2. several or unnamed parties: "both governments", "the other side", "politicians in
        # both countries"
        post = _POST_MODIFIER.match(ctx.text, chunk.end)
        if chunk.det in _MULTI or any(w in _MULTI for w in chunk.modifiers) or (
                post is not None and post.group(2).lower() in _MULTI):
            return UNKNOWN, None
        # 3. relational nouns: only an adjective names their side ("its Chinese partners",
        # "French counterparts")
        if head.kind == "relational":
            for row in reversed(chunk.side_rows):
                if row["label"] == "NORP" and row["side"] != UNKNOWN:
                    return row["side"], None
            for word in chunk.side_words:
                side = self.index.demonym_side(word)
                if side is not None:
                    return side, None
            return UNKNOWN, None
        # 4. a possessor or modifier naming a side
        if chunk.foreign_possessor:
            return UNKNOWN, None
        if chunk.possessor is not None:
            return self._from(chunk, chunk.possessor, same_party=False)
        if chunk.side_rows and chunk.side_rows[-1]["side"] != UNKNOWN:
            return self._from(chunk, chunk.side_rows[-1], same_party=False)
        for word in reversed(chunk.side_words):
            side = self._side_of_word(word)
            if side is not None:
                return side, (self.index.government_of(side) if head.kind == "gov" else None)
        # 5. a post-modifier naming a side: "the government of Japan", "officials in Beijing",
        # "a few politicians in Washington", "a spokesperson for the foreign ministry"
        if post is not None:
            row = ctx.starting_at(post.start(1)) or ctx.starting_at(post.start(2))
            if row is not None and row["side"] != UNKNOWN:
                return self._from(chunk, row, same_party=False)
        # 6. indefinite ("a government", "some countries"), or owned by a non-party pronoun
        if chunk.det in _INDEFINITE or chunk.det in ("my", "your", "whose"):
            return UNKNOWN, None
        # 7. a possessive pronoun: the side of its antecedent
        if chunk.det in _POSSESSIVE_PRONOUNS:
            prior = self._antecedent(ctx, chunk.det, chunk.det_start, done, obj=False)
            return (UNKNOWN, None) if prior is None else self._from(chunk, prior.row, False)
        # 8. a definite description or a context plural: the latest compatible registry actor
        # (or reference with a known side) in this paragraph or the previous one
        if chunk.det is None and head.plural and head.form not in _CONTEXT_PLURALS:
            return UNKNOWN, None  # generic: "governments", "companies"
        if head.lemma in _DOMESTIC_HEADS or any(w in _PAST_MODIFIERS for w in chunk.modifiers):
            return UNKNOWN, None
        lo = ctx.window(ctx.para_starts, chunk.start, 2)
        types = _DESCRIBED_TYPES[head.kind]
        for prior in reversed(done):
            if prior.start < lo:
                break
            if prior.first_person or prior.row["side"] == UNKNOWN:
                continue
            if prior.actor_type in types and (head.kind != "person" or self.index.actors[
                    prior.row["actor_id"]].role == "official"):
                return self._from(chunk, prior.row, same_party=True)
            if prior.actor_type is None and prior.kind is not None and (
                    prior.kind == head.kind or {prior.kind, head.kind} <= {"gov", "body"}):
                return self._from(chunk, prior.row, same_party=True)
        return UNKNOWN, None

    def _from(self, chunk: _Chunk, row: dict[str, Any], same_party: bool
              ) -> tuple[str, str | None]:
        """Side and actor of a description whose side comes from ``row`` (a possessor, a
        modifier or an antecedent)."""
        side = row["side"]
        if side == UNKNOWN:
            return UNKNOWN, None
        if side == SPEAKER:
            return SPEAKER, None
        actor = self.index.actors.get(row["actor_id"]) if row["actor_id"] else None
        kind = chunk.head.kind
        if kind == "gov":
            # Metonymy (SPEC.md): officials, ministers, the administration → the government.
            if actor is not None and actor.type in _GOV_TYPES:
                return side, actor.id
            return side, self.index.government_of(side)
        if not same_party or actor is None:
            return side, None
        if kind == "company" and actor.type == "company":
            return side, actor.id
        names = " ".join([actor.name, *actor.aliases]).lower()
        if actor.type == ("person" if kind == "person" else "body") \
                and re.search(rf"\b{re.escape(chunk.head.lemma)}", names):
            return side, actor.id  # "the ministry" after "China's commerce ministry"
        return side, None

    def _resolve_pronoun(self, ctx: _Text, m: re.Match, done: list[_Prior]
                         ) -> tuple[dict[str, Any], _Prior] | None:
        word = m.group("pron")
        low = word.lower()
        start, end = m.span()
        row = {"start_char": start, "end_char": end, "text": word, "label": REF_LABEL,
               "actor_id": None, "side": SPEAKER}
        if word in _FIRST_PERSON:
            return row, _Prior(start, row, None, None, None, first_person=True)
        text = ctx.text
        before = text[max(0, start - 40):start]
        if low == "it" and (_PLEONASTIC_AFTER.match(text, end)
                            or _PLEONASTIC_BEFORE.search(before)):
            return None
        obj = low in ("them", "him") or (
            low in ("it", "her") and not _SUBJECT_BEFORE.search(
                text[ctx.window(ctx.sent_starts, start, 1):start])
            and (low == "it" or not re.match(r"\s+[a-z]", text[end:end + 2])))
        prior = self._antecedent(ctx, low, start, done, obj=obj)
        if prior is None:
            return None  # no antecedent: nothing to say about its side
        row.update(actor_id=prior.row["actor_id"], side=prior.row["side"])
        return row, _Prior(start, row, prior.cat, prior.kind, prior.actor_type)

    def _antecedent(self, ctx: _Text, word: str, start: int, done: list[_Prior], obj: bool
                    ) -> _Prior | None:
        """The antecedent of a pronoun: the latest earlier compatible mention in its own
        sentence, else the first compatible mention of the previous sentence (usually its
        subject: the preferred center of centering theory, Grosz, Joshi & Weinstein 1995, and
        the salience ranking of Lappin & Leass 1994). An object pronoun skips its own clause
        (binding: "Beijing accused it" is not Beijing)."""
        cats = _PRONOUN_CATS[word]
        sent_lo = ctx.window(ctx.sent_starts, start, 1)
        lo = ctx.window(ctx.sent_starts, start, 2)
        clause_lo = sent_lo
        if obj:
            for b in _CLAUSE_BOUNDARY.finditer(ctx.text, sent_lo, start):
                clause_lo = b.end()
        earlier: _Prior | None = None
        fallback: _Prior | None = None
        text = ctx.text
        for prior in reversed(done):
            if prior.start < lo:
                break
            if prior.first_person or prior.cat not in cats or (obj and prior.start >= clause_lo):
                continue
            if word in _PLURAL_PRONOUNS and prior.actor_type == "media":
                continue  # 'speaking to China Daily: "They want …"': an outlet is not "they"
            if prior.start >= sent_lo:
                return prior
            fallback = fallback or prior
            # Keep going back: the first of the previous sentence wins, but a possessor
            # ("China's ministry") or a credit in parentheses ("(Reuters)") is no subject.
            end = prior.row["end_char"]
            if not _POSSESSIVE_AT.match(text, end) and not text[max(0, prior.start - 1):
                                                                prior.start] == "(":
                earlier = prior
        return earlier or fallback
