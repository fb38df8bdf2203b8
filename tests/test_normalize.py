"""Normalization tables, the English check and chunk splitting (pipeline/normalize.py)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import IngestConfig
from pipeline.errors import BlamegraphError
from pipeline.normalize import (compile_furniture, english_score, looks_english, normalize_text,
                                replace_surrogates, split_chunks)
from pipeline.quotes import ALL_QUOTE_CHARS


@pytest.fixture(scope="module")
def cfg(loaded) -> IngestConfig:
    return loaded.cfg.ingest


# (name, raw text, normalized text) with the default config
NORMALIZE_CASES = [
    ("crlf_and_cr", "One.\r\nTwo.\rThree.", "One.\nTwo.\nThree."),
    ("unicode_line_separators", "One.\u2028Two.\u2029Three.", "One.\nTwo.\n\nThree."),
    ("form_feed_is_a_break", "Page one.\x0cPage two.", "Page one.\nPage two."),
    ("nfc_composes", "Mace\u0301 said", "Mac\u00e9 said"),
    ("nfc_hangul", "\u1112\u1161\u11ab", "\ud55c"),
    ("zero_width_dropped", "Bei\u200bjing\ufeff \u2060said\u200c\u200d no", "Beijing said no"),
    ("soft_hyphen_dropped", "infor\u00admation", "information"),
    ("controls_dropped_tab_kept", "a\x00b\x07c\td\x1be\x7ff\x85g", "abc def\ng"),
    ("spaces_collapse", "Trump  \t  said   it", "Trump said it"),
    ("nbsp_and_wide_spaces", "Mr.\u00a0Trump\u3000said\u2009it", "Mr. Trump said it"),
    ("lines_stripped", "  first line  \n\t second line\t", "first line\nsecond line"),
    ("paragraphs_collapse", "One.\n\n\n\n\nTwo.\n \n \n\nThree.", "One.\n\nTwo.\n\nThree."),
    ("single_newline_kept", "One.\nTwo.", "One.\nTwo."),
    ("ends_stripped", "\n\n  Text.  \n\n\n", "Text."),
    ("surrogate_replaced", "a\ud800b", "a\ufffdb"),
    # HTML
    ("html_paragraphs", "<p>One.</p><p>Two.</p>", "One.\n\nTwo."),
    ("html_br_breaks", "One.<br>Two.<br/>Three.<BR />Four.", "One.\n\nTwo.\n\nThree.\n\nFour."),
    ("html_div_li_h", "<div><h1>Head</h1><ul><li>a</li><li>b</li></ul></div>", "Head\n\na\n\nb"),
    ("html_inline_tags_vanish", "<div>The <b>W</b>hite <a href='x'>House</a></div>",
     "The White House"),
    ("html_script_style_dropped",
     "<p>A</p><script>var x = '<p>no</p>';</script><style>p {color:red}</style><p>B</p>",
     "A\n\nB"),
    ("html_head_dropped", "<html><head><title>Tab</title></head><body><p>Body.</p></body></html>",
     "Body."),
    ("html_comment_dropped", "<p>A<!-- hidden <p>x</p> --> B</p>", "A B"),
    ("html_entities_decoded", "<p>AT&amp;T &ldquo;fair&rdquo; &#8220;x&#8221; &lt;p&gt;</p>",
     "AT&T \u201cfair\u201d \u201cx\u201d <p>"),
    ("html_nbsp_entity", "<p>Mr.&nbsp;Xi</p>", "Mr. Xi"),
    ("html_source_wrapping", "<p>a long\nwrapped line</p>\n\n<p>next</p>",
     "a long wrapped line\n\nnext"),
    ("html_table_cells", "<table><tr><td>a</td><td>b</td></tr></table>", "a b"),
    ("not_html_left_alone", "a < b and c > d &amp; e &para", "a < b and c > d &amp; e &para"),
    ("unknown_tag_is_not_html", "He wrote <Reuters> in the byline.",
     "He wrote <Reuters> in the byline."),
    # page furniture (whole lines only)
    ("furniture_lines_dropped",
     "Skip to content\nTrump said X.\nShare this article\nRelated Links\nTweet | Email\n"
     "Advertisement\nMore text.\nShare on Facebook\n\u00a9 2024 Reuters. All rights reserved.\n"
     "Read more: China news\nBack to top",
     "Trump said X.\nMore text."),
    ("furniture_in_html", "<p>Skip to content</p><p>Body text.</p><p>Related Links:</p>",
     "Body text."),
    ("furniture_needs_whole_line", "Please share this article with friends.",
     "Please share this article with friends."),
    ("furniture_gap_collapses", "One.\n\nAdvertisement\n\nTwo.", "One.\n\nTwo."),
]
# Every quotation mark the statements stage knows, in running text: normalization must not touch
# any of them (curly quotes are never straightened, guillemets and CJK brackets stay).
QUOTES_TEXT = ("\u201cStraight\u201d, \u2018single\u2019, \"plain\", 'apostrophe's', "
               "\u00abguillemets\u00bb, \u00bbreversed\u00ab, \u201eGerman\u201c, "
               "\u2039single\u203a, \u300ccorner\u300d, \u300ewhite\u300f, \uff02fullwidth\uff02")


@pytest.mark.parametrize("name,raw,expected", NORMALIZE_CASES, ids=[c[0] for c in NORMALIZE_CASES])
def test_normalize_table(cfg, name, raw, expected):
    assert normalize_text(raw, cfg) == expected


def test_quotes_preserved(cfg):
    assert normalize_text(QUOTES_TEXT, cfg) == QUOTES_TEXT
    html_text = f"<p>{QUOTES_TEXT}</p>"
    assert normalize_text(html_text, cfg) == QUOTES_TEXT


def test_quote_table_covers_every_known_mark():
    assert ALL_QUOTE_CHARS <= set(QUOTES_TEXT)


def test_strip_html_off_keeps_tags(cfg):
    off = cfg.model_copy(update={"strip_html": False})
    assert normalize_text("<p>One &amp; two</p>", off) == "<p>One &amp; two</p>"
    assert normalize_text("<p>One &amp; two</p>", cfg) == "One & two"


def test_furniture_comes_from_config(cfg):
    none = cfg.model_copy(update={"furniture_patterns": []})
    custom = cfg.model_copy(update={"furniture_patterns": [r"(?i)\s*more from us\s*"]})
    text = "Skip to content\nMore from us\nBody.\nRead more from us today."
    assert normalize_text(text, none) == text
    # a pattern must match the whole line, even when the pattern itself is not anchored
    assert normalize_text(text, custom) == "Skip to content\nBody.\nRead more from us today."


def test_bad_furniture_pattern_raises():
    with pytest.raises(BlamegraphError, match=r"\[E034\].*'\(unclosed'"):
        compile_furniture(("(unclosed",))


def test_replace_surrogates():
    assert replace_surrogates("ok") == "ok"
    assert replace_surrogates("\udcff x \ud800") == "\ufffd x \ufffd"
    assert replace_surrogates("a\ud800b").encode("utf-8") == "a\ufffdb".encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_normalize_properties(text):
    """Without HTML (whose decoded entities may look like HTML again) normalization is a
    projection, leaves no CR, control or zero-width characters, and keeps every quote mark."""
    plain = IngestConfig(strip_html=False, furniture_patterns=[r"(?i)\s*advertisement\s*"])
    once = normalize_text(text, plain)
    assert normalize_text(once, plain) == once
    assert "\r" not in once and "\n\n\n" not in once and once == once.strip()
    assert not any(ch in once for ch in "\x00\x07\u200b\u200c\u200d\ufeff\u2060")
    for mark in ALL_QUOTE_CHARS:
        assert once.count(mark) == text.count(mark)


def test_normalize_is_fast_enough(cfg):
    # 200k chars of HTML-ish news with furniture: the hot path must stay linear (no regex
    # backtracking blow-up); a generous bound that only a pathological regex would break.
    import time

    para = "<p>The ministry said on Monday that it would respond to the new tariffs.</p>\n"
    text = para * 2700 + "<p>Share this article</p>" * 100
    start = time.perf_counter()
    out = normalize_text(text, cfg)
    assert time.perf_counter() - start < 2.0
    assert out.count("\n\n") == 2699 and "Share" not in out


# --- looks_english -----------------------------------------------------------------------------
ENGLISH = ("China's commerce ministry said on Thursday that it would take the necessary "
           "measures to defend its interests, after Washington added more of its technology "
           "companies to the entity list. The move was a direct response to the widening "
           "restrictions that the United States has placed on the sale of chips, a spokesman "
           "told reporters in Beijing.")
CHINESE = ("中国商务部周四表示，美方将更多中国科技企业列入实体清单，中方将采取必要措施，"
           "坚决维护自身正当权益。发言人说，这是对美方不断扩大的芯片限制的直接回应。")
FRENCH = ("Le ministère chinois du Commerce a déclaré jeudi qu'il prendrait les mesures "
          "nécessaires pour défendre ses intérêts, après que Washington a ajouté d'autres "
          "entreprises technologiques à sa liste noire. Il s'agit d'une réponse directe aux "
          "restrictions sur la vente de puces, a dit un porte-parole.")
GERMAN = ("Das chinesische Handelsministerium erklärte am Donnerstag, es werde die notwendigen "
          "Maßnahmen ergreifen, um seine Interessen zu verteidigen, nachdem Washington weitere "
          "Technologieunternehmen auf die schwarze Liste gesetzt hatte. Dies sei eine direkte "
          "Antwort auf die Beschränkungen beim Verkauf von Chips, sagte ein Sprecher.")
SPANISH = ("El Ministerio de Comercio de China dijo el jueves que tomará las medidas necesarias "
           "para defender sus intereses, después de que Washington añadiera más empresas "
           "tecnológicas a su lista negra. Es una respuesta directa a las restricciones a la "
           "venta de chips, dijo un portavoz.")
ENGLISH_WITH_CJK = ("The spokesman, Wang Wenbin (汪文斌), said that the United States was to "
                    "blame for the escalation of the trade war and that China would respond.")

LANGUAGE_CASES = [
    ("english_article", ENGLISH, True),
    ("english_with_cjk_names", ENGLISH_WITH_CJK, True),
    ("chinese", CHINESE, False),
    ("french", FRENCH, False),
    ("german", GERMAN, False),
    ("spanish", SPANISH, False),
    ("short_english_sentence", "Trump accused China of imposing controls.", True),
    ("headline_without_function_words", "Huawei chip curbs: Beijing hits back", True),
    ("short_french", "Le président accuse la Chine de tricher.", False),
    ("short_german", "Die Regierung in Berlin ist nicht zufrieden.", False),
    ("russian", "Министерство торговли Китая заявило, что примет необходимые меры.", False),
    ("numbers_only", "2019 2020 2021 – 15% 25%", False),
    ("empty", "", False),
]


@pytest.mark.parametrize("name,text,expected", LANGUAGE_CASES, ids=[c[0] for c in LANGUAGE_CASES])
def test_looks_english(name, text, expected):
    assert looks_english(text, 0.25) is expected


def test_english_score_separates_languages():
    assert english_score(ENGLISH) > 0.35
    for text in (FRENCH, GERMAN, SPANISH):
        assert english_score(text) < 0.1
    assert english_score("") == 0.0


def test_min_score_is_respected_for_long_texts():
    score = english_score(ENGLISH)
    assert looks_english(ENGLISH, score)
    assert not looks_english(ENGLISH, score + 0.01)
    assert looks_english(FRENCH, 0.0)  # a zero threshold accepts any Latin-script text


def test_only_the_first_2000_chars_are_sampled():
    assert looks_english(ENGLISH * 6 + CHINESE * 100, 0.25)
    assert not looks_english(CHINESE * 30 + ENGLISH * 10, 0.25)


# --- split_chunks ------------------------------------------------------------------------------
P = "Alpha beta gamma delta."  # 23 chars
SPLIT_CASES = [
    ("short_text_one_span", "Hello.", 10, [(0, 6)]),
    ("empty_text", "", 10, [(0, 0)]),
    ("exactly_chunk_chars", "x" * 10, 10, [(0, 10)]),
    ("paragraph_boundary", f"{P}\n\n{P}\n\n{P}", 50, [(0, 50), (50, 73)]),
    ("line_boundary", f"{P}\n{P}", 30, [(0, 24), (24, 47)]),
    ("sentence_end_with_quote", "She said \u201cno.\u201d He left the room at once.", 25,
     [(0, 15), (15, 40)]),
    ("whitespace_fallback", "aaaa bbbb cccc dddd", 10, [(0, 10), (10, 19)]),
    ("hard_cut_without_whitespace", "x" * 25, 10, [(0, 10), (10, 20), (20, 25)]),
]


@pytest.mark.parametrize("name,text,chunk_chars,expected", SPLIT_CASES,
                         ids=[c[0] for c in SPLIT_CASES])
def test_split_chunks_table(name, text, chunk_chars, expected):
    assert split_chunks(text, chunk_chars) == expected


def test_split_chunks_prefers_paragraphs_over_sentences():
    text = "\n\n".join(f"Paragraph {i}. It has two sentences here." for i in range(40))
    spans = split_chunks(text, 200)
    assert len(spans) > 1
    for start, end in spans[:-1]:
        assert text[start:end].endswith("\n\n")
        assert text[end:].startswith("Paragraph")


def test_split_chunks_rejects_bad_size():
    with pytest.raises(ValueError, match="chunk_chars"):
        split_chunks("text", 0)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .\n\u201c\u201d"), max_size=400),
       st.integers(min_value=1, max_value=60))
def test_split_chunks_cover_the_text(text, chunk_chars):
    spans = split_chunks(text, chunk_chars)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(prev[1] == nxt[0] for prev, nxt in zip(spans, spans[1:]))
    assert all(0 < end - start <= chunk_chars for start, end in spans) or text == ""
    assert "".join(text[s:e] for s, e in spans) == text
