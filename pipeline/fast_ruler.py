"""A faster ``attribute_ruler`` with the same result as spaCy's.

spaCy's small English pipeline ends its tagging with an ``AttributeRuler``: 179 token patterns
that map fine-grained tags (and a few words) to coarse part of speech, morphology and some
lemmas. spaCy runs them through its ``Matcher`` on every token and then sets the attributes
one ``Span`` per match; in the statements stage that is about an eighth of the time
(``docs/performance.md``), though nearly all patterns test one token and only its tag, lower
case form, dependency label and whether it is a space.

:func:`speed_up` swaps the pipeline's ruler for :class:`FastAttributeRuler`, which keeps every
pattern but evaluates the one-token patterns once per distinct *key* (tag, lower case form,
dependency, is-space; a word no pattern names counts as "any other word", and so do labels),
remembers which patterns match that key, and sets the merged attributes of the matching
patterns on each token in pattern order (later patterns win, as in spaCy). Patterns of two or
more tokens still go through a ``Matcher`` (of those patterns only) and are merged in the same
order. The result is the same token attributes as the stock component (tested in
``tests/test_fast_ruler.py`` over generated and sample text); a ruler whose patterns test
anything else is left as it is. Switch: ``statements.fast_attribute_ruler`` (default on).
"""
from __future__ import annotations

import logging
import re
from typing import Any

from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

logger = logging.getLogger(__name__)

_KEYS = ("TAG", "LOWER", "DEP", "IS_SPACE")
_OTHER = "\x00other"  # stands for every value no pattern names
# Entries of the per-attribute value memo (one per distinct word seen) before it is emptied, so
# memory stays flat over a large corpus; refilling it is cheap and changes no result.
MEMO_LIMIT = 50_000


class _Plan:
    """What the fast path needs: the one-token predicates per pattern, the names each
    attribute's patterns mention, and a Matcher for the longer patterns."""

    def __init__(self, ruler: AttributeRuler):
        vocab = ruler.vocab
        self.attrs: list[dict[int, Any]] = list(ruler.attrs)
        # per pattern id: list of alternatives, each a dict key -> predicate
        self.single: list[tuple[int, list[dict[str, Any]]]] = []
        self.multi = Matcher(vocab)
        self.has_multi = False
        self.named: dict[str, set[Any]] = {k: set() for k in _KEYS}
        self.regexes: dict[str, list[re.Pattern[str]]] = {k: [] for k in _KEYS}
        for attr_id in range(len(ruler.attrs)):
            key = str(attr_id)
            _, patterns = ruler.matcher.get(vocab.strings[key])
            ones = [p for p in patterns if len(p) == 1]
            longer = [p for p in patterns if len(p) != 1]
            if longer:
                self.multi.add(vocab.strings[key], longer)
                self.has_multi = True
            if ones:
                self.single.append((attr_id, [self._predicates(p[0]) for p in ones]))
        self.index = list(ruler.indices)
        self.strings = vocab.strings
        self._norm: dict[str, dict[int, Any]] = {k: {} for k in _KEYS}
        self._memo: dict[tuple[Any, ...], tuple[int, ...]] = {}
        self._merged: dict[tuple[int, ...], dict[int, Any]] = {}

    def _predicates(self, token: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, value in token.items():
            if name not in _KEYS:
                raise ValueError(f"pattern tests {name!r}")
            if isinstance(value, dict):
                if len(value) != 1:
                    raise ValueError(f"pattern {value!r} has several operators")
                (op, arg), = value.items()
                if op in ("IN", "NOT_IN"):
                    if not all(isinstance(a, str) for a in arg):
                        raise ValueError(f"{op} of non-strings")
                    self.named[name].update(arg)
                    out[name] = (op, frozenset(arg))
                elif op == "REGEX":
                    rx = re.compile(arg)
                    self.regexes[name].append(rx)
                    out[name] = (op, rx)
                else:
                    raise ValueError(f"operator {op!r}")
            elif name == "IS_SPACE":
                if not isinstance(value, bool):
                    raise ValueError("IS_SPACE must be true or false")
                out[name] = ("EQ", value)
            elif isinstance(value, str):
                self.named[name].add(value)
                out[name] = ("EQ", value)
            else:
                raise ValueError(f"value {value!r}")
        return out

    def normal(self, name: str, h: int) -> Any:
        """The value of attribute ``name`` (a string hash) as the patterns see it: itself when
        a pattern names it or one of its regexes matches, else ``_OTHER``."""
        memo = self._norm[name]
        v = memo.get(h)
        if v is None:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            s = self.strings[h] if h else ""
            v = s if s in self.named[name] or any(rx.search(s) for rx in self.regexes[name]) \
                else _OTHER
            memo[h] = v
        return v

    def matching(self, key: tuple[Any, ...]) -> tuple[int, ...]:
        """Ids of the one-token patterns that match a token with this normalised key."""
        ids = self._memo.get(key)
        if ids is None:
            values = dict(zip(_KEYS, key))
            ids = tuple(attr_id for attr_id, alternatives in self.single
                        if any(all(_test(pred, values[n]) for n, pred in alt.items())
                               for alt in alternatives))
            self._memo[key] = ids
        return ids

    def merged(self, ids: tuple[int, ...]) -> dict[int, Any]:
        out = self._merged.get(ids)
        if out is None:
            out = {}
            for attr_id in ids:  # ascending: a later pattern overrides an earlier one
                out.update(self.attrs[attr_id])
            self._merged[ids] = out
        return out


def _test(pred: tuple[str, Any], value: Any) -> bool:
    op, arg = pred
    if op == "EQ":
        return value == arg
    if op == "IN":
        return value in arg
    if op == "NOT_IN":
        return value not in arg
    return value is not _OTHER and bool(arg.search(value))  # REGEX (_OTHER matched none)


class FastAttributeRuler(AttributeRuler):
    """spaCy's ``AttributeRuler`` with a memoised one-token path (see the module doc)."""

    _fast: _Plan

    def __call__(self, doc: Doc) -> Doc:
        error_handler = self.get_error_handler()
        try:
            self._apply(doc)
            return doc
        except Exception as e:  # noqa: BLE001 - the stock component's contract
            return error_handler(self.name, self, [doc], e)

    def _apply(self, doc: Doc) -> None:
        plan = self._fast
        n = len(doc)
        if not n:
            return
        arr = doc.to_array([TAG, LOWER, DEP, IS_SPACE]).tolist()
        normal = plan.normal
        ids_of = [plan.matching((normal("TAG", t), normal("LOWER", lo), normal("DEP", d),
                                 bool(sp)))
                  for t, lo, d, sp in arr]
        if plan.has_multi:
            extra: dict[int, set[int]] = {}
            for match_id, start, end in plan.multi(doc, allow_missing=True):
                attr_id = int(self.vocab.strings[match_id])
                i = plan.index[attr_id]
                i = (start + i) if i >= 0 else (end + i)
                if not start <= i < end:
                    raise IndexError(f"attribute_ruler pattern {attr_id}: index "
                                     f"{plan.index[attr_id]} outside a match of {end - start} "
                                     "tokens")
                extra.setdefault(i, set()).add(attr_id)
            for i, more in extra.items():
                ids_of[i] = tuple(sorted(set(ids_of[i]) | more))
        merged = plan.merged
        for i, ids in enumerate(ids_of):
            if ids:
                set_token_attrs(doc[i], merged(ids))


def speed_up(nlp: Any, name: str = "attribute_ruler") -> bool:
    """Make the pipeline's ``attribute_ruler`` a :class:`FastAttributeRuler` (in place).
    Returns False, leaving it unchanged, when there is none or its patterns test something
    the fast path does not read."""
    if name not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe(name)
    if isinstance(ruler, FastAttributeRuler):
        return True
    if type(ruler) is not AttributeRuler:
        return False
    if any("_" in attrs for attrs in ruler.attrs):
        return False  # extension attributes: not handled here
    try:
        plan = _Plan(ruler)
    except ValueError as e:
        logger.info("attribute_ruler kept as it is: %s", e)
        return False
    ruler.__class__ = FastAttributeRuler
    ruler._fast = plan
    return True
