"""Text normalization, a cheap English check, and splitting over-long texts into chunks.

Every character offset in every output points into the string :func:`normalize_text` returns,
so normalization happens once, at ingest, and is a pure function of the text and the config.
Quotation marks are never touched: their shape (curly, straight, guillemets, CJK corner
brackets) is evidence the statements stage relies on.
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from .config import IngestConfig
from .errors import BlamegraphError, Errors

# --- character classes -------------------------------------------------------------------------
# Lone surrogates come from JSON escapes such as "\ud800"; they cannot be encoded as UTF-8, so
# they would crash the Parquet writer. U+FFFD marks the spot instead of silently closing the gap.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Line and page separators that are not \n: keep the break, lose the odd character.
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028]")
_PARAGRAPH_SEPARATOR = "\u2029"
# C0/C1 controls except \t and \n, zero-width characters (U+200B-U+200D, U+2060, BOM U+FEFF)
# and the soft hyphen, which is invisible in print but splits words for every matcher.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff]")
# No-break and typographic spaces look like spaces to readers; regexes downstream
# ("Mr.\xa0Trump") should see them as spaces too.
_UNICODE_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUN = re.compile("[ \t]+")
_BLANK_LINES = re.compile("\n{3,}")

# --- HTML --------------------------------------------------------------------------------------
_HTML_TAG_NAMES = (
    "a|abbr|article|aside|b|blockquote|body|br|caption|cite|code|dd|div|dl|dt|em|figcaption|"
    "figure|footer|h[1-6]|head|header|hr|html|i|iframe|img|li|link|main|meta|nav|noscript|ol|p|"
    "pre|q|s|script|section|small|span|strong|style|sub|sup|svg|table|tbody|td|th|thead|time|"
    "title|tr|u|ul"
)
# Only real HTML tag names make a text "HTML": a plain-text article may well contain "a < b"
# or "<Reuters>", and decoding entities in plain text would turn "&para" into a pilcrow.
_LOOKS_HTML = re.compile(rf"</?(?:{_HTML_TAG_NAMES})(?:\s[^<>]*)?/?>|<!--|<!DOCTYPE",
                         re.IGNORECASE)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?\]\]>|<![^>]*>|<\?[^>]*>", re.DOTALL)
# Elements whose content is code or chrome, never article text.
_HTML_DROP = re.compile(
    r"<(script|style|noscript|head|svg|template|iframe)\b[^>]*>.*?(?:</\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL)
_HTML_BLOCK = re.compile(
    r"</?(?:p|br|div|li|ul|ol|dl|dd|dt|h[1-6]|blockquote|article|section|header|footer|aside|"
    r"nav|main|figure|figcaption|table|thead|tbody|tfoot|tr|hr|pre|address|center)\b[^>]*>",
    re.IGNORECASE)
_HTML_CELL = re.compile(r"</?(?:td|th)\b[^>]*>", re.IGNORECASE)
_HTML_ANY_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
# In HTML source a single newline is just wrapping; blank lines are kept as paragraph breaks
# because half-HTML feeds mix both conventions.
_HTML_SOFT_NEWLINE = re.compile(r"(?<!\n)\n(?!\n)")


def replace_surrogates(text: str) -> str:
    """Replace lone surrogates (unencodable as UTF-8) with U+FFFD.

    >>> replace_surrogates("a\\ud800b") == "a\\ufffdb"
    True
    """
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _strip_html(text: str) -> str:
    text = _HTML_COMMENT.sub(" ", text)
    text = _HTML_DROP.sub(" ", text)
    text = _HTML_SOFT_NEWLINE.sub(" ", text)
    text = _HTML_BLOCK.sub("\n\n", text)
    text = _HTML_CELL.sub(" ", text)
    # Inline tags vanish without a space: "<b>W</b>ashington" is one word.
    text = _HTML_ANY_TAG.sub("", text)
    # Tags first, entities second, so an escaped "&lt;p&gt;" survives as the text "<p>".
    return html.unescape(text)


@lru_cache(maxsize=32)
def compile_furniture(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Compile furniture patterns once per config (patterns carry their own inline flags, so
    they cannot be joined into one alternation)."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as e:
            raise BlamegraphError(Errors.E034.format(pattern=pattern, detail=e)) from e
    return tuple(compiled)


def normalize_text(text: str, cfg: IngestConfig) -> str:
    """Return the canonical form of a document's text that every offset refers to.

    NFC; every line break becomes ``\\n``; HTML (when ``cfg.strip_html`` and the text looks
    like HTML) loses tags, scripts and styles, block tags become paragraph breaks and entities
    are decoded; control and zero-width characters go; lines that are page furniture
    (``cfg.furniture_patterns``) go; spaces collapse; paragraphs are separated by exactly one
    blank line. Quotation marks are kept exactly as written.

    >>> cfg = IngestConfig(furniture_patterns=[r"(?i)share this"])
    >>> normalize_text("<p>He said \u201cno\u201d.</p><p>Share this</p><p>Next&nbsp;one</p>", cfg)
    'He said \u201cno\u201d.\\n\\nNext one'
    """
    furniture = compile_furniture(tuple(cfg.furniture_patterns))
    text = replace_surrogates(text)
    text = _LINE_BREAKS.sub("\n", text).replace(_PARAGRAPH_SEPARATOR, "\n\n")
    if cfg.strip_html and _LOOKS_HTML.search(text):
        text = _strip_html(text)
    # Invisible characters go before NFC: "e\u200b\u0301" must compose once the zero-width
    # space is gone.
    text = _INVISIBLE.sub("", text)
    # After HTML decoding, because entities such as "e&#769;" can build decomposed sequences.
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _UNICODE_SPACES.sub(" ", text)
    text = _SPACE_RUN.sub(" ", text)
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        if line and any(p.fullmatch(line) for p in furniture):
            continue
        lines.append(line)
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# --- language ----------------------------------------------------------------------------------
# English function words: closed-class words that make up ~40-50% of running English prose
# and are rare in other languages. Words that are also very frequent elsewhere ("die", "de",
# "en", "e", "o") are left out on purpose.
ENGLISH_FUNCTION_WORDS = frozenset("""
a about above according across after again against ago all almost along already also although
always am amid among an and another any are around as at be because been before being below
between both but by can cannot could did do does doing down during each either else enough even
ever every few for from further had has have having he her here hers herself him himself his how
however i if in into is it its itself just least less many may me might more most much must my
myself neither never no nor not now of off on once one only onto or other others our ours out
over own per perhaps rather said same says several shall she should since so some such than that
the their theirs them themselves then there these they this those though through thus to too
toward towards under unless until up upon us very was we were what whatever when where whether
which while who whom whose why will with within without would yet you your yours
""".split())
# Distinctive function words of the languages most often mixed into English news corpora. Used
# only to decide texts too short for a stable English share (see looks_english).
_OTHER_FUNCTION_WORDS = {
    "fr": frozenset("le la les des du et est une un que qui dans pour pas sur au aux ce cette il "
                    "elle ont sont avec par mais ou leur ses son été".split()),
    "de": frozenset("der die das und ist nicht ein eine einen dem den des mit von zu auf für sich "
                    "auch es sie wir ich wird sind hat bei nach aus dass oder wie".split()),
    "es": frozenset("el los las del y que en es un una por con para se su sus lo como más pero "
                    "fue está".split()),
    "it": frozenset("il lo gli della di che e è per non una sono con del nel alla".split()),
    "pt": frozenset("o os da do dos das em que não uma com para se por mais foi".split()),
    "nl": frozenset("de het een en van dat niet zijn op voor met ook maar wordt er".split()),
}
_SAMPLE_CHARS = 2000
_MIN_TOKENS_FOR_SHARE = 30
_WORD = re.compile(r"[^\W\d_]+")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


def english_score(text: str) -> float:
    """Share of alphabetic tokens in the first 2000 chars that are English function words.

    >>> round(english_score("The minister said that the talks had failed."), 3)
    0.625
    """
    tokens = _WORD.findall(text[:_SAMPLE_CHARS].lower())
    if not tokens:
        return 0.0
    return sum(t in ENGLISH_FUNCTION_WORDS for t in tokens) / len(tokens)


def looks_english(text: str, min_score: float) -> bool:
    """Guess whether an undeclared text is English, without a model.

    A text is English when at least half its letters are Latin and the share of English
    function words among its alphabetic tokens (:func:`english_score`) is at least
    ``min_score``. A share is noise below ~30 tokens (a headline like "Trump hits China with
    tariffs" has one function word in five), so a short text counts as English unless another
    language's function words outnumber English ones: quarantining short English items would
    lose them for nothing, while a short French or German text is still caught.

    >>> looks_english("The ministry said on Monday that it would respond to the tariffs.", 0.25)
    True
    >>> looks_english("Le ministère a déclaré lundi qu'il répondrait aux droits de douane.", 0.25)
    False
    >>> looks_english("商务部表示，中方将采取必要措施。", 0.25)
    False
    """
    sample = text[:_SAMPLE_CHARS]
    n_letters = sum(ch.isalpha() for ch in sample)
    if n_letters == 0:
        return False
    if len(_LATIN_LETTER.findall(sample)) * 2 < n_letters:
        return False
    tokens = _WORD.findall(sample.lower())
    n_english = sum(t in ENGLISH_FUNCTION_WORDS for t in tokens)
    if n_english >= min_score * len(tokens):
        return True
    if len(tokens) >= _MIN_TOKENS_FOR_SHARE:
        return False
    n_other = max(sum(t in words for t in tokens) for words in _OTHER_FUNCTION_WORDS.values())
    return n_other == 0 or n_english > n_other


# --- chunks ------------------------------------------------------------------------------------
# A sentence end: terminal punctuation, optional closing quotes or brackets, then whitespace.
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019\u00bb\u300d\u300f)\]]*\s+")


def _cut(text: str, lo: int, hi: int) -> int | None:
    """Best cut point in ``text[lo:hi]``, preferring paragraph, line, sentence, then space.

    The cut falls after the separator, so every chunk after the first starts on content.
    """
    for sep in ("\n\n", "\n"):
        i = text.rfind(sep, lo, hi)
        if i >= 0 and i + len(sep) <= hi:
            return i + len(sep)
    last = None
    for m in _SENTENCE_END.finditer(text, lo, hi):
        last = m.end()
    if last is not None:
        return last
    for i in range(hi - 1, lo - 1, -1):
        if text[i].isspace():
            return i + 1
    return None


def split_chunks(text: str, chunk_chars: int) -> list[tuple[int, int]]:
    """Split ``text`` into contiguous ``(start, end)`` spans of at most ``chunk_chars`` chars.

    Cuts at the last paragraph break in the second half of the window, else at a line break,
    a sentence end, or whitespace there; if the second half has none of these, anywhere in the
    window; a hard cut only for a window without any whitespace. The spans cover the text
    exactly: ``text[s0:e0] + text[s1:e1] + ... == text``. An empty text is one empty span.

    >>> split_chunks("One. Two.\\n\\nThree four.", 12)
    [(0, 11), (11, 22)]
    """
    if chunk_chars < 1:
        raise ValueError(f"chunk_chars must be positive, got {chunk_chars}")
    n = len(text)
    spans: list[tuple[int, int]] = []
    start = 0
    while n - start > chunk_chars:
        hi = start + chunk_chars
        end = _cut(text, start + chunk_chars // 2, hi) or _cut(text, start + 1, hi) or hi
        spans.append((start, end))
        start = end
    spans.append((start, n))
    return spans
