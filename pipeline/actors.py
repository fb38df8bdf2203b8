"""Actors and sides: which canonical party a mention refers to, and which side a speaker is on.

Everything here is driven by the configuration (``configs/actors.yaml`` and the ``sides`` of
``configs/default.yaml``), so the same code serves any dispute. One :class:`ActorIndex` is built
per run and reused for every sentence of the corpus:

- :meth:`ActorIndex.find` finds every registry alias in a text. All aliases are compiled into one
  regular expression shaped as a character trie, so a search costs one pass of the C regex engine
  per text, whatever the size of the registry. Overlaps are resolved longest-first
  ("US Commerce Department" wins over "US"), then left to right.
- :meth:`ActorIndex.resolve` maps a whole mention phrase ("China's commerce ministry",
  "the White House") to one actor, preferring the actor that is the phrase's head.
- :meth:`ActorIndex.side_of_descriptor` decides an expert's side from a descriptor or appositive
  ("a professor at Renmin University in Beijing"). An expert's side is that of their
  institution (SPEC.md), so the institution or employer beats the place, the place beats a
  demonym, and a demonym beats any other actor named in passing (a topic such as "the China
  program" is never an affiliation).

>>> from pipeline.config import load_config
>>> index = ActorIndex(load_config())
>>> [m.actor_id for m in index.find("The White House blamed Beijing.")]
['us_government', 'cn_government']
>>> index.side_of_descriptor("a researcher at a university in Nanjing")
('CN', 'place:Nanjing')
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from .config import SPECIAL_SIDES, ActorConfig, LoadedConfig

logger = logging.getLogger(__name__)

UNKNOWN = "UNKNOWN"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_SPACES = re.compile(r"\s+")
# Words that may follow a mention without making it a modifier of a following noun
# ("Washington said", "Renmin University in Beijing"); any other lower-case word after a
# mention makes the mention a modifier ("the China program", "US-China relations").
_FUNCTION_WORDS = frozenset("""
a an the and or but nor of for at in from with on by to as into onto about against over under
who whom whose which that where when while than then so because since after before during
said says say told tells added adds noted notes argued argues wrote writes warned warns
is are was were be been being has have had will would can could may might must shall should
do does did not also its their his her our your this these those it they he she we i you
said. here there now today yesterday tomorrow last next this week month year according
""".split())
# Prepositions that introduce an employer or institution: "a professor at X", "a spokesperson
# for X", "a fellow with X", "director of X", "an analyst from X".
_EMPLOYER_BEFORE = re.compile(
    r"(?:\b(?:at|for|with|of|from|by)|\bjoined|\bbased\s+at)\s+(?:(?:the|a|an)\s+)?$", re.I)
# Prepositions that introduce a location: "in Beijing", "from Shanghai", "based in Washington".
_PLACE_BEFORE = re.compile(
    r"\b(?:at|in|from|near|outside|based\s+in)\s+(?:(?:the|a|an)\s+)?$", re.I)
_IN_BEFORE = re.compile(r"\b(?:in|near|outside|based\s+in)\s+(?:the\s+)?$", re.I)
_GOVERNMENT_TYPES = ("government", "country")
_INSTITUTION_NOUNS = frozenset("""
university universities college institute school academy think-tank think tank bank firm
company consultancy newspaper center centre foundation fund lab laboratory hospital office
ministry embassy consulate agency
""".split())
# After a country's name these nouns make it the topic of someone's work, not their side.
_TOPIC_NOUNS = frozenset("""
expert experts hawk hawks dove doves watcher watchers specialist specialists scholar scholars
hand hands analyst analysts correspondent correspondents program programme programs studies
policy policies relations desk bureau strategy initiative project team
""".split())
# "University of California": "of" introduces a place only inside a proper name.
_PLACE_OF_BEFORE = re.compile(r"\b[A-Z][\w.'-]*\s+of\s+(?:the\s+)?$")
# Where the head of a noun phrase ends: a post-modifying preposition, clause or punctuation.
_HEAD_CUT = re.compile(
    r"\s+(?:of|for|at|in|from|with|on|by|to|who|which|that|and|or|said|says|told|"
    r"based|now|formerly|who's)\b|\s*[,;:()\[\]]|\s+[-\u2013\u2014]+\s+")
# "Huawei Technologies Co., Ltd." is Huawei: legal-form words do not change the referent.
_COMPANY_SUFFIX = re.compile(
    r"(?:,?\s*(?:Co|Corp|Corporation|Inc|Ltd|Limited|LLC|PLC|plc|Group|Holding|Holdings|AG|SA|NV)"
    r"\b\.?)+")
_POSSESSIVE_AFTER = re.compile(r"^['\u2019]s?\b")
_WORD_AFTER = re.compile(r"^(\s*)([-\u2013]?)([\w'\u2019.]+)")
_LEADING_DET = re.compile(r"^(?:the|The|a|A|an|An)\s+")
_TRAILING_PUNCT = re.compile(r"[\s,;:!?\"\u201c\u201d)\]]+$")
_END_BOUNDARY = r"(?!\w)(?!['\u2019](?!s\b)\w)"  # "Xi" not in "Xinhua" nor "Xi'an"; "Xi's" ok

# Entries of each memo of ActorIndex before it is emptied: a run's memory stays flat however
# many distinct mentions a corpus has (pure memos: results do not depend on it).
_CACHE_ENTRIES = 20_000


@dataclass(frozen=True)
class ActorMatch:
    """One mention of a registry actor; ``start``/``end`` are character offsets."""

    start: int
    end: int
    text: str
    actor_id: str
    name: str
    side: str
    type: str
    role: str


def normalize_surface(text: str) -> str:
    """Canonical form of a surface string: straight apostrophes, single spaces."""
    return _SPACES.sub(" ", text.translate(_APOSTROPHES)).strip()


def _the_variants(alias: str) -> list[str]:
    """An alias plus its sentence-initial variant ("the White House" / "The White House")."""
    variants = [alias]
    if alias.startswith("the "):
        variants.append("The " + alias[4:])
    elif alias.startswith("The "):
        variants.append("the " + alias[4:])
    return variants


def _trie_regex(phrases: list[str]) -> str:
    """One regex for a set of literal phrases, shaped as a character trie.

    Optional branches are greedy, so at a given position the longest phrase that also passes
    the boundary check after it is the one matched (the engine backtracks into shorter ones).
    Spaces match any run of non-newline whitespace; an apostrophe matches ' and \u2019.
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = True

    def char(ch: str) -> str:
        if ch == " ":
            return r"[^\S\n]+"
        if ch == "'":
            return "['\u2019]"
        return re.escape(ch)

    def emit(node: dict) -> str:
        terminal = "" in node
        alts = [char(ch) + emit(child) for ch, child in sorted(node.items()) if ch != ""]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if terminal else body

    return emit(trie)


def _compile_phrases(phrases: list[str]) -> re.Pattern[str] | None:
    """Overlapping search: a zero-width lookahead at every word start captures the longest
    phrase starting there, so overlap resolution can prefer longer matches that start later."""
    if not phrases:
        return None
    return re.compile(r"(?<![\w'\u2019])(?=(" + _trie_regex(phrases) + ")" + _END_BOUNDARY + ")")


def _select_longest(cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Non-overlapping subset: longest first, then leftmost; returned in text order.

    Candidates are swept in text order into clusters of transitively overlapping matches
    (almost always of size one), and the greedy choice is made within each cluster, so the
    cost stays linear in the number of matches.
    """
    out: list[tuple[int, int, str]] = []
    cluster: list[tuple[int, int, str]] = []
    cluster_end = -1
    for cand in sorted(cands):
        if cluster and cand[0] >= cluster_end:
            out.extend(_greedy(cluster))
            cluster = []
        cluster.append(cand)
        cluster_end = max(cluster_end, cand[1]) if len(cluster) > 1 else cand[1]
    if cluster:
        out.extend(_greedy(cluster))
    return out


def _greedy(cluster: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    if len(cluster) == 1:
        return cluster
    taken: list[tuple[int, int, str]] = []
    for start, end, key in sorted(cluster, key=lambda c: (c[0] - c[1], c[0])):
        if all(end <= t_start or t_end <= start for t_start, t_end, _ in taken):
            taken.append((start, end, key))
    return sorted(taken)


def _in_compound(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is joined by a hyphen to a neighbouring word ("US-China")."""
    before = text[max(0, start - 2):start]
    after = text[end:end + 2]
    return bool(re.search(r"\w[-\u2013/]$", before) or re.match(r"[-\u2013/]\w", after)) \
        and not text.startswith("-based", end)


class ActorIndex:
    """Alias, place and demonym lookups for one configuration. Build once, reuse everywhere.

    The index holds only plain data and compiled patterns, so it pickles (``nlp.pipe`` with
    ``n_process>1`` on spawn platforms).
    """

    def __init__(self, loaded: LoadedConfig):
        self.loaded = loaded
        self.side_codes: list[str] = list(loaded.cfg.side_codes)
        self.actors: dict[str, ActorConfig] = {a.id: a for a in loaded.registry.actors}
        # alias surface (normalized, with the/The variants) -> actor id; first actor wins.
        self._alias_to_actor: dict[str, str] = {}
        for actor in loaded.registry.actors:
            # The canonical name is a surface form too ("Chinese Ministry of Commerce").
            for alias in [*actor.aliases, actor.name]:
                for variant in _the_variants(normalize_surface(alias)):
                    owner = self._alias_to_actor.setdefault(variant, actor.id)
                    if owner != actor.id:
                        logger.warning("Alias %r belongs to actors %r and %r; using %r.",
                                       variant, owner, actor.id, owner)
        self._alias_re = _compile_phrases(list(self._alias_to_actor))
        # places and demonyms of the configured sides
        self._place_to_side: dict[str, str] = {}
        self._demonym_to_side: dict[str, str] = {}
        for side in loaded.cfg.sides:
            for place in [side.name, *side.places]:
                for variant in _the_variants(normalize_surface(place)):
                    self._place_to_side.setdefault(variant, side.code)
            for demonym in side.demonyms:
                self._demonym_to_side.setdefault(normalize_surface(demonym), side.code)
        self._place_re = _compile_phrases(list(self._place_to_side))
        self._demonym_re = _compile_phrases(list(self._demonym_to_side))
        self._demonym_lower = {k.lower(): v for k, v in self._demonym_to_side.items()}
        # outlets: registry outlets, then media actors, by case-insensitive name or alias
        self._outlets: dict[str, tuple[str, str]] = {}
        for outlet in loaded.registry.outlets:
            for name in [outlet.name, *outlet.aliases]:
                self._outlets.setdefault(self._outlet_key(name), (outlet.side, f"outlet:{outlet.name}"))
        self._media_actors: dict[str, tuple[str, str]] = {}
        for actor in loaded.registry.actors:
            if actor.type == "media":
                for name in [actor.name, *actor.aliases]:
                    self._media_actors.setdefault(self._outlet_key(name),
                                                  (actor.side, f"actor:{actor.id}"))
        self._resolve_cache: dict[tuple[str, bool], ActorMatch | None] = {}
        self._descriptor_cache: dict[str, tuple[str, str]] = {}
        # side -> its government: the government actor the side's own name ("Canada") is an
        # alias of. A side such as the EU, whose name is a body, has none.
        self._government_of: dict[str, str] = {}
        for side in loaded.cfg.sides:
            actor_id = self._alias_to_actor.get(normalize_surface(side.name))
            if actor_id is not None and self.actors[actor_id].side == side.code \
                    and self.actors[actor_id].type in _GOVERNMENT_TYPES:
                self._government_of[side.code] = actor_id

    # --- finding mentions ---------------------------------------------------------------------
    def find(self, text: str) -> list[ActorMatch]:
        """Every alias mention in ``text``: non-overlapping, longest first, in text order.

        >>> from pipeline.config import load_config
        >>> [(m.text, m.actor_id) for m in ActorIndex(load_config()).find(
        ...     "the US Commerce Department and Xinhua")]
        [('US Commerce Department', 'us_commerce'), ('Xinhua', 'xinhua')]
        """
        if not text or self._alias_re is None:
            return []
        out = []
        for start, end, key in self._scan(self._alias_re, text):
            actor = self.actors[self._alias_to_actor[key]]
            out.append(ActorMatch(start, end, text[start:end], actor.id, actor.name, actor.side,
                                  actor.type, actor.role))
        return out

    @staticmethod
    def _scan(pattern: re.Pattern[str] | None, text: str) -> list[tuple[int, int, str]]:
        if pattern is None:
            return []
        cands = [(m.start(1), m.end(1), normalize_surface(m.group(1)))
                 for m in pattern.finditer(text)]
        return _select_longest(cands)

    def _actor_match(self, actor_id: str, start: int, end: int, text: str) -> ActorMatch:
        actor = self.actors[actor_id]
        return ActorMatch(start, end, text, actor.id, actor.name, actor.side, actor.type,
                          actor.role)

    def government_of(self, side: str) -> str | None:
        """The actor id of a configured side's government, the government actor that the
        side's name is an alias of ("Japan" → the Japanese government), else None: a side
        named after a body ("European Union") or a coalition has no one government, and
        OTHER and UNKNOWN are many parties.

        >>> from pipeline.config import load_config
        >>> ActorIndex(load_config()).government_of("CN")
        'cn_government'
        """
        return self._government_of.get(side)

    def lookup(self, alias: str) -> str | None:
        """The actor id of an exact alias (normalized; the/The variation accepted), else None."""
        return self._alias_to_actor.get(normalize_surface(alias))

    # --- resolving a phrase -------------------------------------------------------------------
    def resolve(self, phrase: str, *, head_only: bool = False) -> ActorMatch | None:
        """The actor a whole mention phrase refers to, or None.

        Preference: the phrase is an alias ("the White House"); else an actor that is the
        phrase's head ("US President Donald Trump"); else the object of a preposition after the
        head ("a spokesperson for the Chinese foreign ministry"); else an actor modifying the head
        ("a Huawei spokesman"). A possessor is never the referent ("Beijing's move" → None), nor
        is a topic modifier after the head ("director of the China program").
        With ``head_only=True`` only the first two apply (for named-entity spans, where an
        actor modifying the head is part of another name: "the China Program").
        Offsets of the returned match are into ``phrase``.
        """
        key = (phrase, head_only)
        if key in self._resolve_cache:
            return self._resolve_cache[key]
        result = self._resolve(phrase, head_only)
        if len(self._resolve_cache) > _CACHE_ENTRIES:  # corpora have long tails of mentions
            self._resolve_cache.clear()
        self._resolve_cache[key] = result
        return result

    def _resolve(self, phrase: str, head_only: bool) -> ActorMatch | None:
        if not phrase or not phrase.strip():
            return None
        exact = self._exact(phrase)
        if exact is not None:
            return exact
        matches = self.find(phrase)
        if not matches:
            return None
        cut = self._head_cut(phrase, matches)
        head_region = [m for m in matches if m.start < cut and not self._is_possessor(phrase, m)]
        # (1) the head itself: nothing but a possessive-free end follows it before the cut
        for m in reversed(head_region):
            rest = phrase[m.end:cut].strip(" .")
            if rest == "" or _COMPANY_SUFFIX.fullmatch(rest):
                return m
        if head_only:
            return None
        # (2) the object of a preposition after the head: "a spokesperson for the ministry"
        for m in matches:
            if m.start >= cut and not self._is_possessor(phrase, m) \
                    and not self._is_modifier(phrase, m.end):
                return m
        # (3) an actor modifying the head: "a Huawei spokesman", "a US official"
        if head_region:
            return head_region[-1]
        return None

    def _exact(self, phrase: str) -> ActorMatch | None:
        """The actor when the whole phrase (less a determiner, final punctuation or a
        possessive) is one of its aliases."""
        norm = normalize_surface(_TRAILING_PUNCT.sub("", phrase))
        candidates = [norm]
        if norm.endswith("."):
            candidates.append(norm[:-1])  # "Trump." but keep "U.S." first
        candidates.append(re.sub(r"'s?$", "", norm))
        candidates += [_LEADING_DET.sub("", c) for c in list(candidates)]
        for candidate in candidates:
            actor_id = self._alias_to_actor.get(candidate)
            if actor_id is None:
                continue
            same = [m for m in self.find(phrase) if m.actor_id == actor_id]
            if same:
                return max(same, key=lambda m: m.end - m.start)
            start = len(phrase) - len(phrase.lstrip())
            end = len(phrase.rstrip())
            return self._actor_match(actor_id, start, end, phrase[start:end])
        return None

    @staticmethod
    def _head_cut(phrase: str, matches: list[ActorMatch]) -> int:
        """End of the head region: the first post-modifier boundary not inside a mention."""
        for m in _HEAD_CUT.finditer(phrase):
            if m.start() == 0:
                continue
            if not any(a.start < m.end() and m.start() < a.end for a in matches):
                return m.start()
        return len(phrase)

    @staticmethod
    def _is_possessor(text: str, m: ActorMatch) -> bool:
        return bool(_POSSESSIVE_AFTER.match(text[m.end:m.end + 3]))

    @staticmethod
    def _is_modifier(text: str, end: int) -> bool:
        """Whether the mention ending at ``end`` modifies a following common noun
        ("the China program", "US-China relations") rather than heading its phrase."""
        nxt = _WORD_AFTER.match(text[end:end + 40])
        if nxt is None:
            return False
        space, hyphen, word = nxt.groups()
        if hyphen:
            return not word.lower().startswith("based")
        if not space:
            return False
        return word[:1].islower() and word.lower().rstrip(".") not in _FUNCTION_WORDS

    # --- sides --------------------------------------------------------------------------------
    def side_of_descriptor(self, phrase: str) -> tuple[str, str]:
        """Side and evidence from a descriptor or appositive of a speaker.

        Priority: institution or employer actor (``institution:<id>`` or ``actor:<id>``) >
        a place after at/in/from/based in (``place:<Place>``) > a demonym (``demonym:<Word>``)
        > any other actor mention (``actor:<id>``). ``("UNKNOWN", "")`` when nothing applies.

        >>> from pipeline.config import load_config
        >>> ActorIndex(load_config()).side_of_descriptor(
        ...     "director of the China program at the Stimson Center in Washington")
        ('US', 'institution:stimson_center')
        """
        if phrase in self._descriptor_cache:
            return self._descriptor_cache[phrase]
        result = self._side_of_descriptor(phrase)
        if len(self._descriptor_cache) > _CACHE_ENTRIES:
            self._descriptor_cache.clear()
        self._descriptor_cache[phrase] = result
        return result

    def _side_of_descriptor(self, phrase: str) -> tuple[str, str]:
        if not phrase or not phrase.strip():
            return UNKNOWN, ""
        actors = self.find(phrase)
        # 1. institution or employer
        for m in actors:
            if self._is_possessor(phrase, m) or self._is_modifier(phrase, m.end):
                continue
            if self._is_place_like(phrase, m):
                continue  # "from Washington", "in Tokyo": a location, handled as a place
            employer = bool(_EMPLOYER_BEFORE.search(phrase[max(0, m.start - 30):m.start]))
            if m.type == "institution" or employer:
                prefix = "institution" if m.type == "institution" else "actor"
                return m.side, f"{prefix}:{m.actor_id}"
        # 2. a place after a locative preposition, or "X-based": configured places, and
        # governments of other parties named as locations ("a think tank in Tokyo")
        places = [(start, end, key, self._place_to_side[key])
                  for start, end, key in self._scan(self._place_re, phrase)]
        places += [(m.start, m.end, m.text, m.side) for m in actors
                   if m.type in _GOVERNMENT_TYPES and self.place_side(m.text) is None]
        for start, end, key, side in sorted(places):
            before = phrase[max(0, start - 30):start]
            based = phrase.startswith("-based", end)
            locative = bool(_PLACE_BEFORE.search(before) or _PLACE_OF_BEFORE.search(before))
            if based or (locative and not self._is_modifier_place(phrase, end)):
                return side, f"place:{key}"
        # 3. a demonym, unless it is part of a longer actor alias ("US lawmakers") or of a
        # two-party compound ("US-China relations": a topic, not an allegiance)
        for start, end, key in self._scan(self._demonym_re, phrase):
            if any(a.start <= start and end <= a.end and (a.end - a.start) > (end - start)
                   for a in actors):
                continue
            if _in_compound(phrase, start, end):
                continue
            return self._demonym_to_side[key], f"demonym:{key}"
        # 4. any other actor named in the descriptor, except as a topic ("a China hawk")
        for m in actors:
            if not _in_compound(phrase, m.start, m.end) and not self._is_topic(phrase, m):
                return m.side, f"actor:{m.actor_id}"
        return UNKNOWN, ""

    @staticmethod
    def _is_topic(text: str, m: ActorMatch) -> bool:
        """A government named as a subject of expertise: "a China expert", "the China program"."""
        nxt = _WORD_AFTER.match(text[m.end:m.end + 40])
        return m.type in _GOVERNMENT_TYPES and nxt is not None and bool(nxt.group(1)) \
            and nxt.group(3).lower().rstrip(".,;") in _TOPIC_NOUNS

    def _is_place_like(self, text: str, m: ActorMatch) -> bool:
        """A government named by its location: a configured place ("from Washington") or a
        location after in/near/based in ("a think tank in Tokyo")."""
        if m.type not in _GOVERNMENT_TYPES:
            return False
        return self.place_side(m.text) is not None \
            or bool(_IN_BEFORE.search(text[max(0, m.start - 20):m.start]))

    def _is_modifier_place(self, text: str, end: int) -> bool:
        # "at Nanjing University" names an institution in the place: allowed; "in US-China
        # relations" or "of the China program" use the place as a topic: not an affiliation.
        # "at a Beijing university" places the employer too.
        nxt = _WORD_AFTER.match(text[end:end + 40])
        if nxt is not None and not nxt.group(2) and nxt.group(1):
            word = nxt.group(3)
            if word[:1].isupper() or word.lower().rstrip(".,") in _INSTITUTION_NOUNS:
                return False
        return self._is_modifier(text, end)

    def place_side(self, phrase: str) -> str | None:
        """The side of a configured place named by the whole phrase ("Nanjing" → "CN")."""
        norm = normalize_surface(_TRAILING_PUNCT.sub("", phrase))
        return self._place_to_side.get(norm) or self._place_to_side.get(_LEADING_DET.sub("", norm))

    def demonym_side(self, word: str) -> str | None:
        """The side of a demonym ("Chinese" → "CN", "Americans" → "US"), else None."""
        norm = normalize_surface(word)
        if not norm:
            return None
        side = self._demonym_to_side.get(norm) or self._demonym_lower.get(norm.lower())
        if side is None and norm.endswith("s"):
            side = self._demonym_lower.get(norm[:-1].lower())
        return side

    def outlet_side(self, outlet: str | None, country: str | None) -> tuple[str, str]:
        """Side of an outlet and the evidence for it.

        Registry outlets (name or alias, case-insensitive; ``outlet:<name>``) > media actors of
        the registry (``actor:<id>``) > the record's ``country`` when it is a configured side or
        OTHER (``country:<CODE>``) > ``("UNKNOWN", "")``.
        """
        if outlet and outlet.strip():
            key = self._outlet_key(outlet)
            if key in self._outlets:
                return self._outlets[key]
            if key in self._media_actors:
                return self._media_actors[key]
        if country and country.strip():
            code = self.loaded.side_of_country(country)
            if code != UNKNOWN:
                return code, f"country:{code}"
        return UNKNOWN, ""

    @staticmethod
    def _outlet_key(name: str) -> str:
        key = normalize_surface(name).lower()
        return key[4:] if key.startswith("the ") else key

    def is_side(self, code: str) -> bool:
        """Whether ``code`` is a configured side or one of OTHER/UNKNOWN."""
        return code in self.side_codes or code in SPECIAL_SIDES
