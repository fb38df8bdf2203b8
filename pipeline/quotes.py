"""Quotation marks in all their forms. Text keeps its marks (they carry meaning); stages
recognize them through these tables.
"""
from __future__ import annotations

# opening mark -> closing marks that may close it. News copy mixes styles, and straight quotes
# are their own closers; a German-style „…“ and reversed »…« guillemets are also accepted.
QUOTE_PAIRS: dict[str, tuple[str, ...]] = {
    '"': ('"', "\u201d", "\u201c"),
    "\u201c": ("\u201d", '"', "\u201c"),  # “ … ” (and sloppy “ … “)
    "\u201e": ("\u201c", "\u201d"),  # „ … “
    "\u00ab": ("\u00bb",),  # « … »
    "\u00bb": ("\u00ab",),  # » … «
    "\u2039": ("\u203a",),  # ‹ … ›
    "\u300c": ("\u300d",),  # 「 … 」
    "\u300e": ("\u300f",),  # 『 … 』
    "\uff02": ("\uff02",),  # fullwidth "
    "\u2018": ("\u2019",),  # ‘ … ’ (single; ’ is also an apostrophe, see statements stage)
    "'": ("'",),
}
DOUBLE_OPENERS = frozenset('"\u201c\u201e\u00ab\u00bb\u300c\u300e\uff02')
SINGLE_OPENERS = frozenset("\u2018'\u2039")
ALL_QUOTE_CHARS = frozenset(
    set(QUOTE_PAIRS) | {c for closers in QUOTE_PAIRS.values() for c in closers})
