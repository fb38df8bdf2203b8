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

import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .actors import UNKNOWN, ActorIndex, ActorMatch
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
    default_config={"config_path": "", "overrides": [], "locative_places": True},
)
def make_entity_linker(nlp: Language, name: str, config_path: str, overrides: list[str],
                       locative_places: bool) -> "EntityLinker":
    return EntityLinker(name, config_path=config_path, overrides=overrides,
                        locative_places=locative_places)


def add_entity_linker(nlp: Language, index: ActorIndex | None = None,
                      name: str = "blamegraph_entities", **config: Any) -> "EntityLinker":
    """Add the component after ``ner`` (or last) and give it ``index`` when one is passed."""
    where = {"after": "ner"} if "ner" in nlp.pipe_names else {}
    linker = nlp.add_pipe("blamegraph_entities", name=name, config=config, **where)
    if index is not None:
        linker.set_index(index)
    return linker


class EntityLinker:
    """Writes ``doc._.bg_entities``: NER mentions and missed registry aliases, with actor and
    side. Holds only the config settings and an :class:`ActorIndex` (plain, picklable data)."""

    def __init__(self, name: str = "blamegraph_entities", *, config_path: str = "",
                 overrides: list[str] | None = None, locative_places: bool = True,
                 index: ActorIndex | None = None):
        self.name = name
        self.config_path = config_path
        self.overrides = list(overrides or [])
        self.locative_places = locative_places
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
    every position (the start of the chunk within the document, for chunked documents)."""
    if not Doc.has_extension(EXTENSION) or doc._.get(EXTENSION) is None:
        raise ValueError(
            f"Doc of '{doc_id}' has no doc._.{EXTENSION}: the pipeline lacks the "
            f"'blamegraph_entities' component. Add it with pipeline.entities.add_entity_linker(nlp).")
    return [Entity(doc_id=doc_id, text=row["text"], label=row["label"],
                   start=row["start_char"] + offset, end=row["end_char"] + offset,
                   actor=row["actor_id"], side=row["side"])
            for row in doc._.get(EXTENSION)]  # a list, or a tuple after DocBin
