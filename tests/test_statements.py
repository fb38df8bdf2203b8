"""Statements: tables of sentence → expected (speaker, cue, kind, content, construction).

Every sentence is written for these tests (realistic newswire and state-media style, not copied
from real news). Offsets are checked on every statement: ``text == doc.text[start:end]``.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from pipeline.errors import BlamegraphError
from pipeline.schema import Document
from pipeline.statements import StatementExtractor, load_spacy, parse_text, scan_quotes


@pytest.fixture(scope="module")
def extractor(loaded):
    return StatementExtractor(loaded)


def run(extractor, text: str, **fields):
    document = Document(fields.pop("doc_id", "d"), text, "test", 1, **fields)
    (doc, statements, _entities), = list(extractor.process([document]))
    for s in statements:  # offsets always point into the document text
        assert s.text == text[s.start:s.end]
        if s.speaker_start is not None:
            assert s.speaker_text == text[s.speaker_start:s.speaker_end]
    return doc, statements


def table(statements):
    return [(s.speaker, s.cue, s.kind, s.text, s.construction) for s in statements]


# --- the quote scanner -----------------------------------------------------------------------------
SCAN_CASES = [
    ("curly", "He said: \u201cIt\u2019s over.\u201d", ["It\u2019s over."]),
    ("straight", 'She said, "We will respond." Then "no," he said.', ["We will respond.", "no"]),
    ("guillemets", "Il a dit \u00abnon\u00bb et \u00bboui\u00ab.", ["non", "oui"]),
    ("german", "Er sagte \u201eJa\u201c.", ["Ja"]),
    ("cjk", "\u300c\u6211\u4eec\u53cd\u5bf9\u300d", ["\u6211\u4eec\u53cd\u5bf9"]),
    ("single", "\u2018We will not yield,\u2019 Li said.", ["We will not yield"]),
    ("apostrophes", "China\u2019s curbs and the farmers\u2019 association\u2019s view in the "
                    "\u201990s don\u2019t count.", []),
    ("nested single", "\u201cHe told me \u2018never\u2019 twice,\u201d she said.",
     ["He told me \u2018never\u2019 twice"]),
    ("possessive plural then quote", "The farmers\u2019 group said \u2018no deal\u2019.",
     ["no deal"]),
]


@pytest.mark.parametrize("name,text,expected", SCAN_CASES, ids=[c[0] for c in SCAN_CASES])
def test_scan_quotes(name, text, expected):
    quotes, warnings = scan_quotes(text)
    assert [text[q["start"]:q["end"]] for q in quotes] == expected
    assert warnings == []


def test_scan_paragraph_continuation_is_one_quote():
    text = ('"The first paragraph ends open.\n'
            '"The second reopens and closes," she said.')
    quotes, warnings = scan_quotes(text)
    assert len(quotes) == 1 and quotes[0]["continued"] and not warnings
    assert text[quotes[0]["start"]:quotes[0]["end"]] == (
        'The first paragraph ends open.\n"The second reopens and closes')


def test_scan_unbalanced_quote_warns_and_goes_on():
    text = 'He said: "We will never give up.\nLater, "we are ready," she said.'
    quotes, warnings = scan_quotes(text)
    assert [text[q["start"]:q["end"]] for q in quotes] == ["We will never give up.",
                                                           "we are ready"]
    assert quotes[0]["unbalanced"] and not quotes[1]["unbalanced"]
    assert [w["code"] for w in warnings] == ["E110"]


def test_scan_stray_closing_mark_warns():
    quotes, warnings = scan_quotes("Tariffs rose\u201d sharply.")
    assert quotes == [] and [w["code"] for w in warnings] == ["E111"]


def test_parse_text_keeps_offsets():
    text = "China\u2019s move, \u2018they said\u2019."
    assert len(parse_text(text)) == len(text)
    assert parse_text(text) == "China's move, \u2018they said\u2019."


# --- direct quotes ---------------------------------------------------------------------------------
DIRECT_CASES = [
    ("plain_inverted",
     '"Washington has crossed a red line," said Zhou Minghui, a researcher at Fudan University.',
     [("Zhou Minghui", "said", "direct", "Washington has crossed a red line", "quote_plain")]),
    ("plain_pronoun_after",
     '"Nobody wins a trade war," he said.',
     [("UNKNOWN", "said", "direct", "Nobody wins a trade war", "quote_plain")]),
    ("split",
     '"We remain open to talks," the spokeswoman said, "but we will not negotiate under '
     'threats."',
     [("spokeswoman", "said", "direct", "We remain open to talks", "quote_split"),
      ("spokeswoman", "said", "direct", "but we will not negotiate under threats.",
       "quote_split")]),
    ("multi_sentence",
     '"Beijing has been preparing for this moment for years. It stockpiled chips. It trained '
     'engineers," said Dana Whitfield, a senior fellow at the Council on Foreign Relations.',
     [("Dana Whitfield", "said", "direct",
       "Beijing has been preparing for this moment for years. It stockpiled chips. It trained "
       "engineers", "quote_multi_sentence")]),
    ("colon",
     'The Commerce Ministry said in a statement: "China firmly opposes the unilateral bullying '
     'of the United States."',
     [("Chinese Ministry of Commerce", "said", "direct",
       "China firmly opposes the unilateral bullying of the United States.", "quote_colon")]),
    ("colon_wrote",
     'In a post on Weibo, Hu Xijin wrote: "The US is panicking."',
     [("Hu Xijin", "wrote", "direct", "The US is panicking.", "quote_colon")]),
    ("dash_post",
     '"The chips are essential to our national security" \u2014 a post by Hu Xijin on X.com',
     [("Hu Xijin", "\u2014", "direct", "The chips are essential to our national security",
       "quote_dash")]),
    ("told_a_news_conference",
     '"We are not afraid of a trade war. We will fight back," Gao Feng, a Commerce Ministry '
     'spokesman, told a regular news conference.',
     [("Gao Feng", "told a regular news conference", "direct",
       "We are not afraid of a trade war. We will fight back", "quote_multi_sentence")]),
    ("quoted_question",
     '"Is this how a responsible major country behaves?" the Global Times asked.',
     [("Global Times", "asked", "direct", "Is this how a responsible major country behaves?",
       "rhetorical_question")]),
    ("single_marks",
     "\u2018We will never bow to pressure,\u2019 said Zhao Lijian.",
     [("Zhao Lijian", "said", "direct", "We will never bow to pressure", "quote_plain")]),
    ("curly_with_apostrophes",
     "\u201cChina\u2019s export controls are legitimate and don\u2019t target anyone,\u201d "
     "the Foreign Ministry said.",
     [("Chinese Foreign Ministry", "said", "direct",
       "China\u2019s export controls are legitimate and don\u2019t target anyone",
       "quote_plain")]),
    ("guillemets",
     "\u00abThe tariffs are a mistake,\u00bb said Pierre Lemaire, a trade official in Paris.",
     [("Pierre Lemaire", "said", "direct", "The tariffs are a mistake", "quote_plain")]),
    ("colon_then_participial",
     'Wang Wenbin told reporters: "The US side should stop politicizing trade," adding that '
     'Beijing would respond firmly.',
     [("Wang Wenbin", "told reporters", "direct", "The US side should stop politicizing trade",
       "quote_colon"),
      ("Wang Wenbin", "adding", "indirect", "Beijing would respond firmly", "participial")]),
]


@pytest.mark.parametrize("name,text,expected", DIRECT_CASES, ids=[c[0] for c in DIRECT_CASES])
def test_direct_quotes(extractor, name, text, expected):
    _, statements = run(extractor, text)
    assert table(statements) == expected


def test_unattributed_quote_continues_previous_speaker(extractor):
    text = ('"The tariffs will hurt American families first," Senator Mark Ellison said. '
            '"They always do."')
    _, statements = run(extractor, text)
    assert table(statements) == [
        ("Mark Ellison", "said", "direct", "The tariffs will hurt American families first",
         "quote_plain"),
        ("Mark Ellison", None, "direct", "They always do.", "quote_plain")]


def test_paragraph_continuation_quote(extractor):
    text = ('"This is a tech war," said Bonnie Lin, director of the China program at the '
            'Stimson Center in Washington.\n'
            '"The trade war was only the start.\n'
            '"Now chips are the battlefield," she said.')
    _, statements = run(extractor, text)
    assert table(statements) == [
        ("Bonnie Lin", "said", "direct", "This is a tech war", "quote_plain"),
        ("Bonnie Lin", "said", "direct",
         'The trade war was only the start.\n"Now chips are the battlefield',
         "quote_paragraph_continuation")]
    assert statements[1].speaker_text == "she"
    assert statements[1].speaker_side == "US"


def test_unbalanced_quote_is_kept_with_warning_and_rest_processed(extractor):
    text = ('Gao Feng said: "The measures violate WTO rules.\n'
            'Separately, analysts said the truce would not last.')
    doc, statements = run(extractor, text)
    assert table(statements) == [
        ("Gao Feng", "said", "direct", "The measures violate WTO rules.", "quote_unbalanced"),
        ("analysts", "said", "indirect", "the truce would not last", "said_that")]
    assert statements[0].warnings.startswith("E110")
    assert any(w.startswith("[E110]") for w in doc.warnings)
    assert doc.status == "partial"


TITLE_CASES = [
    'He watched the documentary "American Factory" last week.',
    'The plan, known as "Made in China 2025," angered Washington.',
    'The report, titled "Decoupling and Its Discontents," was published on Monday.',
    'Beijing unveiled its "dual circulation" strategy in 2020.',
]


@pytest.mark.parametrize("text", TITLE_CASES)
def test_titles_are_not_statements(extractor, text):
    _, statements = run(extractor, text)
    assert [s for s in statements if s.kind == "direct"] == []


# --- reported speech -------------------------------------------------------------------------------
INDIRECT_CASES = [
    ("said_that_appositive",
     "Hugh Hill, a doctor, said that the tariffs were hurting patients.",
     [("Hugh Hill", "said", "indirect", "the tariffs were hurting patients", "said_that")]),
    ("insisted_no_that",
     "Chinese commentators insisted Beijing\u2019s move was a direct response to "
     "Washington\u2019s widening technology restrictions.",
     [("Chinese commentators", "insisted", "indirect",
       "Beijing\u2019s move was a direct response to Washington\u2019s widening technology "
       "restrictions", "said_that")]),
    ("inverted",
     "China will retaliate, the Commerce Ministry said on Tuesday.",
     [("Chinese Ministry of Commerce", "said", "indirect", "China will retaliate",
       "said_that")]),
    ("warned_present_perfect",
     "The Trump administration has warned that Chinese subsidies distort global markets.",
     [("US government", "warned", "indirect", "Chinese subsidies distort global markets",
       "said_that")]),
    ("accused_of",
     "Beijing accused Washington of bullying its trading partners.",
     [("Chinese government", "accused", "indirect",
       "Washington of bullying its trading partners", "verb_of_accusation")]),
    ("blamed_for",
     "US officials have repeatedly blamed Beijing for the collapse of the talks.",
     [("US officials", "blamed", "indirect", "Beijing for the collapse of the talks",
       "verb_of_accusation")]),
    ("criticized_for",
     "US Trade Representative Katherine Tai criticized China for flooding markets with cheap "
     "steel.",
     [("Katherine Tai", "criticized", "indirect",
       "China for flooding markets with cheap steel", "verb_of_accusation")]),
    ("lashed_out_at",
     "The Global Times lashed out at the European Union for following Washington's lead.",
     [("Global Times", "lashed out at", "indirect",
       "the European Union for following Washington's lead", "verb_of_accusation")]),
    ("according_to_front",
     "According to the Commerce Ministry, exports of gallium will require licences.",
     [("Chinese Ministry of Commerce", "According to", "indirect",
       "exports of gallium will require licences", "according_to")]),
    ("according_to_end",
     "The talks collapsed over chip controls, according to Li Weiming.",
     [("Li Weiming", "according to", "indirect", "The talks collapsed over chip controls",
       "according_to")]),
    ("told_reporters",
     "Wang Wenbin told reporters that Washington should lift the sanctions.",
     [("Wang Wenbin", "told reporters", "indirect", "Washington should lift the sanctions",
       "told_reporters")]),
    ("spokesperson_told_reporters",
     "The ministry's spokesperson told reporters on Monday that the controls were lawful.",
     [("ministry's spokesperson", "told reporters", "indirect", "the controls were lawful",
       "told_reporters")]),
    ("participial",
     "The Commerce Ministry condemned the move, saying it violated WTO rules.",
     [("Chinese Ministry of Commerce", "saying", "indirect", "it violated WTO rules",
       "participial")]),
    ("participial_that",
     "Analysts welcomed the truce, saying that both economies needed relief.",
     [("analysts", "saying", "indirect", "both economies needed relief", "participial")]),
    ("passive_agent",
     "It was announced by the Commerce Ministry that new controls would take effect in "
     "December.",
     [("Chinese Ministry of Commerce", "was announced", "indirect",
       "new controls would take effect in December", "passive")]),
    ("quoted_as_saying",
     "Gao Feng was quoted as saying that the talks had been constructive.",
     [("Gao Feng", "quoted as saying", "indirect", "the talks had been constructive",
       "passive")]),
    ("asked_why",
     "Wang Yi asked why Washington keeps moving the goalposts.",
     [("Wang Yi", "asked", "indirect", "why Washington keeps moving the goalposts",
       "rhetorical_question")]),
    ("questioned_whether",
     "Several netizens questioned whether Washington could be trusted.",
     [("netizens", "questioned", "indirect", "whether Washington could be trusted",
       "rhetorical_question")]),
    ("denied",
     "Wang Wenbin, a Foreign Ministry spokesman, denied that China had delayed shipments.",
     [("Wang Wenbin", "denied", "indirect", "China had delayed shipments", "said_that")]),
    ("future_tense_cue",
     "Washington will argue that the tariffs protect national security.",
     [("US government", "will argue", "indirect", "the tariffs protect national security",
       "said_that")]),
    ("hypothetical_cue_kept",
     "Beijing would blame Washington for any escalation.",
     [("Chinese government", "would blame", "indirect", "Washington for any escalation",
       "verb_of_accusation")]),
]


@pytest.mark.parametrize("name,text,expected", INDIRECT_CASES,
                         ids=[c[0] for c in INDIRECT_CASES])
def test_reported_speech(extractor, name, text, expected):
    _, statements = run(extractor, text)
    assert table(statements) == expected


MIXED_CASES = [
    ("accused_scare_quote",
     'President Trump accused China of imposing its rare-earth controls "out of nowhere."',
     [("Donald Trump", "accused", "mixed",
       'China of imposing its rare-earth controls "out of nowhere."', "mixed")]),
    ("weaponizing",
     'The Foreign Ministry spokesperson told reporters that Washington was "weaponizing" trade.',
     [("Foreign Ministry spokesperson", "told reporters", "mixed",
       'Washington was "weaponizing" trade', "mixed")]),
    ("editorial_that",
     'The Global Times said in an editorial that the US was "addicted to sanctions."',
     [("Global Times", "said", "mixed", 'the US was "addicted to sanctions."', "mixed")]),
    ("inverted_fragment_first",
     '"Trade war" is a misnomer for what is really a contest over chips, the analyst said.',
     [("analyst", "said", "mixed",
       '"Trade war" is a misnomer for what is really a contest over chips', "mixed")]),
]


@pytest.mark.parametrize("name,text,expected", MIXED_CASES, ids=[c[0] for c in MIXED_CASES])
def test_mixed_statements(extractor, name, text, expected):
    _, statements = run(extractor, text)
    assert table(statements) == expected


NOT_STATEMENTS = [
    "He did not say whether talks would resume.",
    "The White House declined to comment.",
    "Exports fell 5 percent in May, according to customs data.",
    "The US has imposed tariffs on $300 billion of Chinese goods since 2018.",
    "The two sides met in Geneva on Tuesday.",
]


@pytest.mark.parametrize("text", NOT_STATEMENTS)
def test_not_statements(extractor, text):
    _, statements = run(extractor, text, outlet="Reuters")
    assert table(statements) == []


# --- author statements -----------------------------------------------------------------------------
def test_author_statement_in_outlet_voice(extractor):
    text = ("Washington\u2019s reckless chip controls are a textbook case of hegemony. "
            "The talks resumed in Geneva on Monday.")
    _, statements = run(extractor, text, outlet="Global Times", country="CN")
    assert table(statements) == [
        ("Global Times", None, "author",
         "Washington\u2019s reckless chip controls are a textbook case of hegemony.", "author")]
    s = statements[0]
    assert (s.speaker_role, s.speaker_side, s.side_evidence) == ("author", "CN",
                                                                 "outlet:Global Times")
    assert (s.speaker_text, s.speaker_start, s.speaker_end) == (None, None, None)


def test_author_statement_unknown_outlet_takes_country(extractor):
    text = "The US bullying of Chinese firms has backfired."
    _, statements = run(extractor, text, country="CN")
    assert [(s.speaker, s.speaker_side, s.side_evidence) for s in statements] == [
        ("UNKNOWN outlet", "CN", "country:CN")]


def test_author_statements_can_be_switched_off(loaded):
    from pipeline.config import load_config

    off = load_config(overrides=["statements.author_statements=false"])
    extractor = StatementExtractor(off)
    _, statements = run(extractor, "The US bullying of Chinese firms has backfired.")
    assert statements == []


def test_reported_blame_is_not_an_author_statement(extractor):
    text = "The ministry said Washington's reckless controls amounted to bullying."
    _, statements = run(extractor, text, outlet="Xinhua")
    assert [s.kind for s in statements] == ["indirect"]


# --- documents, chunks, processes, failures ----------------------------------------------------------
ARTICLE = (
    'Li Weiming, a professor at Renmin University in Beijing, said the trade war would hurt '
    'both sides.\n'
    '"Nobody wins," Li said. Mr. Li also warned that chip controls would backfire.\n'
    'The Commerce Ministry said on Tuesday that it would impose tariffs on soybeans.'
)


def test_statement_ids_in_document_order(extractor):
    _, statements = run(extractor, ARTICLE, doc_id="art")
    assert [s.statement_id for s in statements] == [f"art:{i}" for i in range(len(statements))]
    assert [s.start for s in statements] == sorted(s.start for s in statements)
    assert len(statements) == 4


def test_chunks_are_processed_separately_with_offsets(extractor):
    cut = ARTICLE.index("The Commerce")
    whole = Document("w", ARTICLE, "t", 1)
    chunked = Document("c", ARTICLE, "t", 2, chunks=[(0, cut), (cut, len(ARTICLE))])
    (_, s_whole, e_whole), (_, s_chunked, e_chunked) = list(
        extractor.process([whole, chunked]))
    key = lambda s: (s.kind, s.text, s.start, s.end, s.speaker, s.speaker_start)  # noqa: E731
    assert [key(s) for s in s_whole] == [key(s) for s in s_chunked]
    assert [(e.text, e.start) for e in e_whole] == [(e.text, e.start) for e in e_chunked]


def test_invalid_chunks_are_a_warning_not_a_crash(extractor):
    bad = Document("bad", "Li said the talks failed.", "t", 1, chunks=[(0, 999)])
    good = Document("good", "Li said the talks failed.", "t", 2)
    out = list(extractor.process([bad, good]))
    assert [d.doc_id for d, _, _ in out] == ["bad", "good"]
    assert out[0][1] == [] and out[0][0].warnings[0].startswith("[E102]")
    assert len(out[1][1]) == 1


def test_n_process_2_equals_serial(loaded):
    from pipeline.config import load_config

    texts = [ARTICLE, DIRECT_CASES[2][1], INDIRECT_CASES[4][1], MIXED_CASES[0][1],
             "The US bullying of Chinese firms has backfired.", TITLE_CASES[0]]
    docs = lambda: [Document(f"d{i}", t, "t", i, outlet="Global Times")  # noqa: E731
                    for i, t in enumerate(texts)]
    serial = StatementExtractor(loaded)
    parallel = StatementExtractor(load_config(overrides=["statements.n_process=2",
                                                         "statements.batch_size=2"]))
    a = [(d.doc_id, stmts, ents) for d, stmts, ents in serial.process(docs())]
    b = [(d.doc_id, stmts, ents) for d, stmts, ents in parallel.process(docs())]
    assert a == b
    assert sum(len(s) for _, s, _ in a) >= 8


def test_failing_document_is_kept_with_warning(extractor, monkeypatch, caplog):
    from pipeline import statements as module

    real = module._Extraction.run

    def explode(self):
        if "EXPLODE" in self.doc.text:
            raise RuntimeError("boom")
        return real(self)

    monkeypatch.setattr(module._Extraction, "run", explode)
    docs = [Document("a", "Li said the talks failed.", "t", 1),
            Document("b", "EXPLODE. Wang said the talks failed.", "t", 2),
            Document("c", "Hu said the talks failed.", "t", 3)]
    with caplog.at_level(logging.ERROR):
        out = list(extractor.process(docs))
    assert [d.doc_id for d, _, _ in out] == ["a", "b", "c"]
    assert [len(s) for _, s, _ in out] == [1, 0, 1]
    assert out[1][0].status == "partial"
    assert "boom" in out[1][0].warnings[0]
    assert "boom" in caplog.text


def test_failure_outside_our_component_is_kept_with_warning(extractor, monkeypatch):
    from pipeline import speakers

    real = speakers.resolve_speakers

    def explode(doc, *args, **kwargs):
        if "EXPLODE" in doc.text:
            raise RuntimeError("speaker boom")
        return real(doc, *args, **kwargs)

    monkeypatch.setattr(speakers, "resolve_speakers", explode)
    docs = [Document("a", "EXPLODE. Li said the talks failed.", "t", 1),
            Document("b", "Hu said the talks failed.", "t", 2)]
    out = list(extractor.process(docs))
    assert [d.doc_id for d, _, _ in out] == ["a", "b"]
    assert out[0][1] == [] and out[0][0].warnings[0].startswith("[E113]")
    assert len(out[1][1]) == 1


def test_missing_spacy_model_is_a_clear_error():
    with pytest.raises(BlamegraphError, match=r"\[E100\].*no_such_pipeline"):
        load_spacy(["no_such_pipeline"])


def test_component_metadata(extractor):
    nlp = extractor.nlp
    assert nlp.pipe_names[-3:] == ["blamegraph_entities", "blamegraph_statements",
                                   "blamegraph_speakers"]
    meta = nlp.get_pipe_meta("blamegraph_statements")
    assert "doc._.bg_statements" in meta.assigns and "token.dep" in meta.requires


def test_statement_dicts_are_plain_data(extractor):
    doc = extractor.nlp(parse_text(ARTICLE))
    for row in doc._.bg_statements:
        for value in row.values():
            assert value is None or isinstance(value, (str, int, float, bool))
    json.dumps(doc._.bg_statements)


# --- the sample corpus (for inspection; prints with -s) ---------------------------------------------
SAMPLE = Path(__file__).resolve().parent.parent / "corpora" / "sample" / "articles.jsonl"


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLE.exists(), reason="corpora/sample/articles.jsonl not present")
def test_sample_corpus_runs(extractor):
    docs = []
    for i, line in enumerate(SAMPLE.read_text(encoding="utf8").splitlines(), 1):
        if line.strip():
            rec = json.loads(line)
            docs.append(Document(str(rec.get("id", i)), rec["text"], str(SAMPLE), i,
                                 outlet=rec.get("outlet"), country=rec.get("country")))
    n = 0
    for doc, statements, _ in extractor.process(docs):
        print(f"\n=== {doc.doc_id} ({doc.outlet}) {doc.warnings or ''}")
        for s in statements:
            n += 1
            assert s.text == doc.text[s.start:s.end]
            print(f"  [{s.kind}/{s.construction}] {s.speaker!r} ({s.speaker_role}, "
                  f"{s.speaker_side}, {s.side_evidence}) cue={s.cue!r} issue={s.issue}\n"
                  f"      {s.text[:160]!r}")
    assert n > 0


# --- real-prose failure modes (found on corpora/sample; sentences rewritten for the tests) ---------
PROSE_CASES = [
    ("missing_closing_mark_before_attribution",
     '"We have been let down before, Ellen Marsh said at her farm near Ames. She said prices '
     'were too low.',
     [("Ellen Marsh", "said", "direct", "We have been let down before", "quote_unbalanced"),
      ("Ellen Marsh", "said", "indirect", "prices were too low", "said_that")]),
    ("period_inside_quote_ends_the_sentence",
     'The ministry said: "The US side must stop its bullying." It added that China would take '
     '"all necessary measures."',
     [("ministry", "said", "direct", "The US side must stop its bullying.", "quote_colon"),
      ("ministry", "added", "mixed", 'China would take "all necessary measures."',
       "mixed")]),
    ("colon_closing_previous_paragraph",
     "As the head of a chip-equipment supplier in Oregon told me last month:\n\n"
     '"We cannot compete with a national treasury."',
     [("head of a chip-equipment supplier in Oregon", "told", "direct",
       "We cannot compete with a national treasury.", "quote_colon")]),
    ("parenthetical_attribution",
     "The new duties, the Commerce Ministry said, were a response to US tariffs on steel.",
     [("Chinese Ministry of Commerce", "said", "indirect",
       "The new duties, the Commerce Ministry said, were a response to US tariffs on steel",
       "said_that")]),
    ("participial_inside_clause",
     "Executives at a retail industry group warned that the duties would land on shoppers, "
     "arguing that the administration was taxing its own consumers.",
     [("executives at a retail industry group", "warned", "indirect",
       "the duties would land on shoppers", "said_that"),
      ("executives at a retail industry group", "arguing", "indirect",
       "the administration was taxing its own consumers", "participial")]),
    ("expressed_hope",
     "The Commerce Ministry expressed hope that the two sides could meet each other halfway.",
     [("Chinese Ministry of Commerce", "expressed hope", "indirect",
       "the two sides could meet each other halfway", "said_that")]),
    ("cognition_with_human_subject",
     "Analysts in Shanghai expect that trend to accelerate next year.",
     [("analysts in Shanghai", "expect", "indirect", "that trend to accelerate next year",
       "said_that")]),
    ("as_one_official_put_it",
     "As one European official in Shanghai put it, \u2018Every negotiator says soybeans, and "
     "every engineer hears semiconductors.\u2019",
     [("one European official in Shanghai", "put it", "direct",
       "Every negotiator says soybeans, and every engineer hears semiconductors.",
       "quote_plain")]),
    ("anonymity_request_is_not_a_statement",
     "A senior diplomat in the Chinese capital, who asked not to be named, told me: "
     "\u2018Washington wants a deal on trade and a war on technology.\u2019",
     [("senior diplomat in the Chinese capital", "told", "direct",
       "Washington wants a deal on trade and a war on technology.", "quote_colon")]),
    ("according_to_their_letter",
     "A group of farm-state senators accused Beijing of slow-walking its purchases. "
     "According to their letter, Chinese buyers had favored Brazilian soybeans.",
     [("group of farm-state senators", "accused", "indirect",
       "Beijing of slow-walking its purchases", "verb_of_accusation"),
      ("group of farm-state senators", "According to", "indirect",
       "Chinese buyers had favored Brazilian soybeans", "according_to")]),
    ("dateline_is_not_the_speaker",
     "WASHINGTON, Oct. 8 (Pacific Wire) \u2014 The Commerce Department on Friday said that "
     "exports of advanced chips to China would need licences.",
     [("US Commerce Department", "said", "indirect",
       "exports of advanced chips to China would need licences", "said_that")]),
    ("coordinated_cue_swallowed_by_parse",
     "An economist at a Washington think tank said the duties would raise costs for "
     "developers, and blamed the White House for putting politics ahead of policy.",
     [("economist at a Washington think tank", "said", "indirect",
       "the duties would raise costs for developers", "said_that"),
      ("economist at a Washington think tank", "blamed", "indirect",
       "the White House for putting politics ahead of policy", "verb_of_accusation")]),
]


@pytest.mark.parametrize("name,text,expected", PROSE_CASES, ids=[c[0] for c in PROSE_CASES])
def test_real_prose_failure_modes(extractor, name, text, expected):
    _, statements = run(extractor, text)
    assert table(statements) == expected


NOT_STATEMENTS_PROSE = [
    # requests and appeals are not statements in the annotation guide
    "Huawei urged the government to reconsider.",
    "The ambassador called on both sides to return to the negotiating table.",
    "China will continue to open its market and welcome investment from all countries.",
    "Few traders expect that soon.",
    "Neither Dutch nor Japanese officials have said publicly whether they will follow.",
    "But it can no longer claim the policy is someone else's.",
    "Beijing spent years promising to curb forced technology transfer.",
    "The two governments are talking about a presidential visit in April.",
    "If Washington believes it can bring China to its knees, it is mistaken.",
]


@pytest.mark.parametrize("text", NOT_STATEMENTS_PROSE)
def test_not_statements_in_real_prose(extractor, text):
    _, statements = run(extractor, text, outlet="Reuters")
    assert [(s.kind, s.text) for s in statements if s.kind != "author"] == []


AUTHOR_CASES = [
    ("Congress is to blame for the funding gap.", True),
    ("I blame the White House for that choice, and Congress for going along.", True),
    ("Chinese officials have stopped short of blaming the administration for the trade war.",
     False),
    ("Two days of talks between American and Chinese officials ended after an exchange of "
     "accusations.", False),
    ("Beijing put a 25 percent tariff on American soybeans in retaliation for U.S. duties.",
     False),
    ("BEIJING, Oct. 12 (Xinhua) \u2014 The export controls announced by Washington are naked "
     "trade protectionism.", True),
]


@pytest.mark.parametrize("text,is_author", AUTHOR_CASES)
def test_author_statement_decisions(extractor, text, is_author):
    _, statements = run(extractor, text, outlet="Capital Ledger", country="US")
    authors = [s for s in statements if s.kind == "author"]
    assert bool(authors) == is_author
    for s in authors:
        assert not s.text.startswith("BEIJING")  # the dateline is not part of the claim


# --- conventions of the annotation guide (sentences written for these tests) -------------------------
GUIDE_CASES = [
    ("dash_before_quote",
     'Marta Quill, who farms 900 acres outside Des Moines, was blunt \u2014 "Patience does not '
     'pay the loan."',
     [("Marta Quill", "was blunt", "direct", "Patience does not pay the loan.", "quote_dash")]),
    ("dash_before_quote_possessor",
     'Lin Bo\'s verdict was short \u2014 "Drop the duties and the rest will follow."',
     [("Lin Bo", "was short", "direct", "Drop the duties and the rest will follow.",
       "quote_dash")]),
    ("missing_opening_mark",
     'They took our metals and kept their machines," a manager at a refinery in Yunnan said.',
     [("manager at a refinery in Yunnan", "said", "direct",
       "They took our metals and kept their machines", "quote_unbalanced")]),
    ("nested_statement_with_its_own_speaker",
     "Mr. Adeyemi said officials from both delegations had assured him that neither side "
     "wanted a rupture.",
     [("Adeyemi", "said", "indirect",
       "officials from both delegations had assured him that neither side wanted a rupture",
       "said_that"),
      ("officials from both delegations", "assured", "indirect",
       "neither side wanted a rupture", "said_that")]),
    ("told_an_outlet",
     "A member of the Chinese delegation told the Harbour Review that Beijing had come with "
     "sincerity.",
     [("member of the Chinese delegation", "told", "indirect",
       "Beijing had come with sincerity", "told_reporters")]),
    ("told_reporters_clause_on_briefing",
     "A senior department official told reporters on a telephone briefing that the company "
     "had made false statements.",
     [("senior department official", "told reporters", "indirect",
       "the company had made false statements", "told_reporters")]),
]


@pytest.mark.parametrize("name,text,expected", GUIDE_CASES, ids=[c[0] for c in GUIDE_CASES])
def test_guide_conventions(extractor, name, text, expected):
    _, statements = run(extractor, text)
    assert table(statements) == expected


def test_headline_is_not_a_statement(extractor):
    text = ('China vows to "strike back" as tariffs bite\n\n'
            "BEIJING, July 7 (Harbour Wire) - China's Ministry of Commerce said it would "
            "respond in kind.")
    doc, statements = run(extractor, text)
    assert table(statements) == [("Chinese Ministry of Commerce", "said", "indirect",
                                  "it would respond in kind", "said_that")]


def test_missing_opening_mark_warns(extractor):
    text = 'We were never asked," a grower near Ames said.'
    doc, statements = run(extractor, text)
    assert any(w.startswith("[E114]") for w in doc.warnings)
    assert statements[0].warnings.startswith("E114")


COMMENTARY = (
    "Tariffs Are Not a Strategy\n\n"
    "Washington's newest tariffs are a textbook case of trade bullying.\n\n"
    "If Washington truly wanted a fair deal, why would it raise tariffs during talks?\n\n"
    "Both governments should stop using their companies as hostages.\n\n"
    "The talks resumed in Geneva on Monday.")


def test_commentary_voice(extractor):
    _, statements = run(extractor, COMMENTARY, outlet="Harbour Review", country="OTHER")
    assert [(s.construction, s.speaker, s.speaker_side) for s in statements] == [
        ("author", "Harbour Review", "OTHER"),
        ("rhetorical_question", "Harbour Review", "OTHER"),
        ("author", "Harbour Review", "OTHER")]


def test_wire_copy_asks_no_questions_of_its_own(extractor):
    text = ("WASHINGTON, May 10 (Harbour Wire) - Officials met on Friday.\n\n"
            "Who will blink first in the dispute between Washington and Beijing?")
    _, statements = run(extractor, text, outlet="Harbour Wire", country="US")
    assert statements == []


# --- passives, dash and participial shapes, indirect questions (sentences written for these tests) ---
SHAPE_CASES = [
    ("passive_accused_by_of",
     "The company was accused by European regulators of dumping cheap steel.",
     [("European regulators", "was accused", "indirect", "dumping cheap steel", "passive")]),
    ("passive_criticised_by_for",
     "The plan has been criticised by farm groups for ignoring rural exporters.",
     [("farm groups", "been criticised", "indirect", "ignoring rural exporters", "passive")]),
    ("passive_condemned_by_as",
     "The sanctions were condemned by the Foreign Ministry as an act of hegemony.",
     [("Chinese Foreign Ministry", "were condemned", "indirect", "an act of hegemony",
       "passive")]),
    ("quoted_as_saying_inverted",
     "Washington must lift the ban, a Foreign Ministry spokesman was quoted as saying.",
     [("Foreign Ministry spokesman", "quoted as saying", "indirect",
       "Washington must lift the ban", "passive")]),
    ("reported_as_saying",
     "The minister was reported as saying that talks would resume in June.",
     [("minister", "reported as saying", "indirect", "talks would resume in June", "passive")]),
    ("quoted_by_outlet_as_saying",
     "Helen Cho, an analyst at a Seoul brokerage, said memory makers would seek waivers. "
     "Cho was quoted by a Korean newspaper as saying that the rules could force a rethink.",
     [("Helen Cho", "said", "indirect", "memory makers would seek waivers", "said_that"),
      ("Helen Cho", "quoted by a Korean newspaper as saying", "indirect",
       "the rules could force a rethink", "passive")]),
    ("responded_by_saying",
     "The embassy responded by saying that the report was fabricated.",
     [("embassy", "saying", "indirect", "the report was fabricated", "participial")]),
    ("collective_of_members",
     "A coalition of retailers criticised the tariffs for raising prices, arguing that "
     "importers paid most of the cost.",
     [("coalition of retailers", "criticised", "indirect", "the tariffs for raising prices",
       "verb_of_accusation"),
      ("coalition of retailers", "arguing", "indirect", "importers paid most of the cost",
       "participial")]),
    ("asked_wh_object",
     "The farmer asked how many more seasons his family could survive without Chinese buyers.",
     [("farmer", "asked", "indirect",
       "how many more seasons his family could survive without Chinese buyers",
       "rhetorical_question")]),
    ("dash_after_quote_role_noun",
     "Trade talks stalled again.\n\n\u201cWe will not be bullied.\u201d \u2014 a ministry "
     "spokesperson",
     [("ministry spokesperson", "\u2014", "direct", "We will not be bullied.", "quote_dash")]),
    ("dash_verdict_noun_without_verb",
     "Zhang Wei\u2019s verdict \u2014 \u201cThe truce is already dead.\u201d",
     [("Zhang Wei", "verdict", "direct", "The truce is already dead.", "quote_dash")]),
    ("found_that",
     "The commission found that the subsidies had harmed domestic producers.",
     [("commission", "found", "indirect", "the subsidies had harmed domestic producers",
       "said_that")]),
]


@pytest.mark.parametrize("name,text,expected", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_statement_shapes(extractor, name, text, expected):
    _, statements = run(extractor, text, outlet="Capital Ledger", country="US")
    assert table(statements) == expected


@pytest.mark.parametrize("text", [
    # an action, not speech: the participle has an object, not a clause
    "By adding dozens of firms to its list, Washington escalated the dispute.",
    # a supposition: nothing was said yet
    "Washington can still act before its allies say that it has given up.",
])
def test_shapes_that_are_not_statements(extractor, text):
    _, statements = run(extractor, text, outlet="Harbour Wire", country="US")
    assert [s for s in statements if s.kind != "author"] == []


def test_headline_glued_to_first_sentence_keeps_the_speaker(extractor):
    text = ("Announcement on export licences for rare-earth technology\n\n"
            "The office said on Thursday that licences would be required from December.")
    _, statements = run(extractor, text, outlet="Office of Export Licensing", country="CN")
    assert [(s.speaker, s.text, s.speaker_side) for s in statements] == [
        ("Office of Export Licensing", "licences would be required from December", "CN")]


# --- verdicts in the outlet's voice (commentary only) -------------------------------------------------
VERDICT_CASES = [
    # causal framing, reframing, broken promises, chosen confrontation
    ("The empty factories of Ohio are the direct result of Beijing's subsidies.", True),
    ("Forcing the sale of the app is nothing but a shakedown by Washington.", True),
    ("The Phase One deal rewards Beijing for promises it has broken before.", True),
    ("By adding more firms to its list, Washington has chosen confrontation over cooperation.",
     True),
    ("What Washington fears is not the app, but losing the race.", True),
    # "writes rules" reports nothing: the prescription is the outlet's
    ("Washington should fund enforcement as seriously as it writes rules.", True),
    # neutral narration in a commentary
    ("The duties on Chinese steel took effect at midnight on Friday.", False),
    ("China's exports to the United States fell by a fifth last year.", False),
    ("Beijing's latest curbs are the result of a review that began in March.", False),
]


@pytest.mark.parametrize("text,is_author", VERDICT_CASES)
def test_commentary_verdicts(extractor, text, is_author):
    _, statements = run(extractor, text, outlet="Capital Ledger", country="US")
    assert bool([s for s in statements if s.kind == "author"]) == is_author


@pytest.mark.parametrize("text", [
    "WASHINGTON, May 2 (Harbour Wire) - The tariffs hurt exporters in Ohio, who lost sales "
    "to China.",
    "WASHINGTON, May 2 (Harbour Wire) - The new rules are the direct result of Beijing's "
    "curbs on graphite.",
])
def test_wire_copy_has_no_verdicts(extractor, text):
    _, statements = run(extractor, text, outlet="Harbour Wire", country="US")
    assert [s for s in statements if s.kind == "author"] == []


def test_question_after_a_quote_paragraph_is_the_outlets(extractor):
    # the splitter runs the closing mark and the next paragraph together; the question is
    # about the parties its paragraph names
    text = ("Talks resumed in Geneva.\n\n\"We are ready,\" an official said.\n\n"
            "Who, after all, walked away from the deal Washington signed?")
    _, statements = run(extractor, text, outlet="Capital Ledger", country="US")
    assert [(s.kind, s.construction, s.text) for s in statements][-1] == (
        "author", "rhetorical_question",
        "Who, after all, walked away from the deal Washington signed?")


def test_state_media_of_the_registry_speaks_in_its_own_voice_under_a_dateline(extractor):
    question = "Who gave Washington the right to decide which countries may buy chips?"
    _, statements = run(extractor, f"BEIJING, May 2 (Xinhua) -- {question}", outlet="Xinhua",
                        country="CN")
    assert [(s.kind, s.speaker, s.text) for s in statements] == [("author", "Xinhua", question)]
    _, statements = run(extractor, f"BEIJING, May 2 (Harbour Wire) -- {question}",
                        outlet="Harbour Wire", country="US")
    assert statements == []


# --- ISSUE 3, round 3: state-media / editorial voice, long passives (sentences written here) -------
AUTHOR_VOICE_CASES = [
    # verdict frames of opinion prose
    ("It is clear that the U.S. side has no intention of keeping the promises it made in Geneva.",
     True),
    ("Facts have proven that pressure on Chinese firms only hurts the companies of Ohio.", True),
    ("Brussels would do well to heed its own carmakers before it listens to Washington.", True),
    ("Beijing's subsidies are real, and the European Union is entitled to protect its market.",
     True),
    ("None of this excuses Beijing, which has flooded world markets with cheap steel.", True),
    ("Beijing deserves no credit for retaliating against farmers who had no say.", True),
    # scare quotes and sneers in the outlet's voice
    ('The so-called "security" worries of the U.S. side are a cover for technological '
     'hegemony.', True),
    ("The so-called de-risking pushed by Washington is decoupling under another name.", True),
    # contrastive correction and an evaluative copula about an actor's act
    ("Washington's relief payments to farmers were a bandage, not a cure.", True),
    ("The Commission's duties on Chinese cars are a blunt instrument for a subtle problem.", True),
    # a gerund subject is nobody's report: the blame is the outlet's
    ("Blaming Chinese shipyards for the decline of American shipbuilding is like blaming the "
     "rain for a leaking roof.", True),
    # a subject that points back to an actor's acts
    ("The ministry said new licences were needed. Such practices seriously violate the rules "
     "of fair competition.", True),
    # a speaker's appeal is reported, not the outlet's verdict
    ("Lin urged Washington to stop its wrongful practices at once.", False),
    # neutral narration stays out
    ("The Commission's duties took effect at midnight on Wednesday.", False),
    ("The ministry's statement was a response to Tuesday's ruling.", False),
]


@pytest.mark.parametrize("text,is_author", AUTHOR_VOICE_CASES)
def test_author_voice_of_commentary(extractor, text, is_author):
    _, statements = run(extractor, text, outlet="Eastern Lantern Daily", country="CN")
    authors = [s.text for s in statements if s.kind == "author"]
    assert bool(authors) == is_author, authors


def test_scare_quote_and_so_called_in_wire_copy_are_no_verdict(extractor):
    text = ('TOKYO, July 4 (Harbour Wire) - Japan dropped South Korea from its so-called '
            '"white list" of trusted export destinations on Friday.')
    _, statements = run(extractor, text, outlet="Harbour Wire", country="OTHER")
    assert statements == []


def test_so_called_inside_a_sentence_only_names_a_term(extractor):
    text = ("On April 2 the White House announced so-called reciprocal tariffs on nearly every "
            "trading partner.")
    _, statements = run(extractor, text, outlet="Eastern Lantern Daily", country="CN")
    assert [s for s in statements if s.kind == "author"] == []


def test_anti_dumping_is_not_a_blame_word(extractor):
    text = ("Canberra's anti-dumping duties on Chinese steel were extended for five years "
            "on Monday.")
    _, statements = run(extractor, text, outlet="Eastern Lantern Daily", country="CN")
    assert [s for s in statements if s.kind == "author"] == []


PASSIVE_CASES = [
    ("agent_in_statement",
     "The duties were criticized in a statement by the Commerce Ministry as a violation of "
     "trade rules.",
     [("Chinese Ministry of Commerce", "were criticized", "indirect",
       "a violation of trade rules", "passive")]),
    ("agent_after_label",
     "The tariffs have been described as a costly mistake by several economists at the bank.",
     [("economists at the bank", "been described", "indirect", "a costly mistake",
       "passive")]),
    ("agent_before_label_with_adverbial",
     "The plan was rejected on Friday by Japanese officials as unworkable.",
     [("Japanese officials", "was rejected", "indirect", "unworkable", "passive")]),
    ("relative_clause_passive",
     "China said it would review its duties on Australian barley, a step that was welcomed "
     "by local growers as overdue.",
     [("Chinese government", "said", "indirect",
       "it would review its duties on Australian barley", "said_that"),
      ("local growers", "was welcomed", "indirect", "overdue", "passive")]),
    ("object_pronoun_agent",
     "Rachel Fenwick, an analyst in Singapore, said both governments wanted a summit, and it "
     "was pointed out by her that markets had stayed calm.",
     [("Rachel Fenwick", "said", "indirect", "both governments wanted a summit", "said_that"),
      ("Rachel Fenwick", "was pointed out", "indirect", "markets had stayed calm", "passive")]),
    ("blamed_on",
     "The slump in exports was blamed on the tariffs by industry groups in Ohio.",
     [("industry groups in Ohio", "was blamed", "indirect", "the tariffs", "passive")]),
    ("branded_label",
     "The company was branded a national security threat by the Federal Communications "
     "Commission.",
     [("Federal Communications Commission", "was branded", "indirect",
       "a national security threat", "passive")]),
    ("labelled_adjectives",
     "The lumber duties were labelled unfair and punitive by a Canadian trade official.",
     [("Canadian trade official", "were labelled", "indirect", "unfair and punitive",
       "passive")]),
    ("called_quoted_label_is_mixed",
     'The new rules were called "extremely hostile" by a senior American official.',
     [("senior American official", "were called", "mixed", '"extremely hostile"', "mixed")]),
    ("seen_by_as",
     "Beijing's move is widely seen by analysts as a warning shot aimed at Tokyo.",
     [("analysts", "is widely seen", "indirect", "a warning shot aimed at Tokyo", "passive")]),
    ("agent_after_gerund_charge",
     "Huawei was accused of stealing trade secrets by prosecutors in New York.",
     [("prosecutors in New York", "was accused", "indirect", "stealing trade secrets",
       "passive")]),
    ("as_clause_charge",
     "The order was condemned by ByteDance as issued without any due process.",
     [("ByteDance", "was condemned", "indirect", "issued without any due process", "passive")]),
    ("said_in_a_statement_by",
     "It was noted in a statement by the Commerce Ministry that licences would be granted "
     "quickly.",
     [("Chinese Ministry of Commerce", "was noted", "indirect",
       "licences would be granted quickly", "passive")]),
]


@pytest.mark.parametrize("text", [
    "The think tank was accused of being funded by Beijing.",  # the agent of "funded"
    "The company was seen by investors on Monday.",  # a view needs "as …"
    "The deal was signed by both sides in Geneva on Monday.",
    "The exports were hit by new tariffs of 25 percent.",
])
def test_passives_that_are_not_statements(extractor, text):
    _, statements = run(extractor, text)
    assert [s for s in statements if s.kind != "author"] == []


@pytest.mark.parametrize("name,text,expected", PASSIVE_CASES, ids=[c[0] for c in PASSIVE_CASES])
def test_long_passives(extractor, name, text, expected):
    _, statements = run(extractor, text)
    assert table(statements) == expected


REPORTED_SHAPE_CASES = [
    ("said_a_and_that_b",
     "The central bank said the yuan's fall reflected market forces, and that China would "
     "not use the currency as a weapon.",
     [("central bank", "said", "indirect", "the yuan's fall reflected market forces",
       "said_that"),
      ("central bank", "said", "indirect", "China would not use the currency as a weapon",
       "said_that")]),
    ("speaker_after_glued_headline",
     "Looking back at the talks that almost worked\n\nWang Xiaodong, a former trade "
     "negotiator, said the two sides had come close to a deal in 2019.",
     [("Wang Xiaodong", "said", "indirect", "the two sides had come close to a deal in 2019",
       "said_that")]),
    ("content_stays_in_its_paragraph",
     "How can a country that preaches free markets ban ordinary chips?\n\nXue Fang, a "
     "researcher in Beijing, told the newspaper that the rules would speed up Chinese "
     "research.",
     [("Xue Fang", "told the newspaper", "indirect", "the rules would speed up Chinese research",
       "told_reporters")]),
]


@pytest.mark.parametrize("name,text,expected", REPORTED_SHAPE_CASES,
                         ids=[c[0] for c in REPORTED_SHAPE_CASES])
def test_reported_shapes_round3(extractor, name, text, expected):
    _, statements = run(extractor, text)
    assert [t for t in table(statements) if t[2] != "author"] == expected


SPEAKER_SHAPE_CASES = [
    ("voice_noun_speaks_for_its_issuer",
     "The paper, issued by the State Council Information Office, accused Washington of "
     "backtracking on commitments.",
     [("State Council Information Office", "accused", "indirect",
       "Washington of backtracking on commitments", "verb_of_accusation")]),
    ("who_clause_climbs_to_the_person",
     "The charges were rejected by Denise Whitaker, a spokeswoman for the trade "
     "representative's office, who said Beijing had walked back from commitments.",
     [("Denise Whitaker", "said", "indirect", "Beijing had walked back from commitments",
       "said_that")]),
    ("said_with_a_misparsed_clause",
     "Chinese officials have said the licensing system complies with international practice.",
     [("Chinese officials", "said", "indirect",
       "the licensing system complies with international practice", "said_that")]),
]


@pytest.mark.parametrize("name,text,expected", SPEAKER_SHAPE_CASES,
                         ids=[c[0] for c in SPEAKER_SHAPE_CASES])
def test_speaker_shapes_round3(extractor, name, text, expected):
    _, statements = run(extractor, text)
    assert [t for t in table(statements) if t[2] != "author"] == expected


AUTHOR_VOICE_MORE = [
    # a short verdict counts with a blame word and an actor in its paragraph
    ("Washington raised the duties again on Friday. This is bullying.", True),
    ("Washington raised the duties again on Friday. This is new.", False),
    # a pronoun subject takes its actor from the paragraph
    ("Washington raised the duties again on Friday. It should correct course before the "
     "summit.", True),
    ("Those in Washington who believe tariffs can bring China to heel have learned nothing "
     "from the last trade war.", True),
    ("Governments in Asia should resist being pulled into a regime they did not design.", True),
    ("Shutting out cheaper batteries will not make Europe's own factories competitive.", True),
    ("History will judge who walked away from the table, Washington or Beijing.", True),
]


@pytest.mark.parametrize("text,is_author", AUTHOR_VOICE_MORE)
def test_author_voice_more(extractor, text, is_author):
    _, statements = run(extractor, text, outlet="Eastern Lantern Daily", country="CN")
    assert bool([s for s in statements if s.kind == "author"]) == is_author


def test_future_question_asks_nothing(extractor):
    _, statements = run(extractor, "Sooner or later, voters in Iowa will ask who pays the bill.")
    assert [s for s in statements if s.construction == "rhetorical_question"
            and s.kind != "author"] == []


# --- ISSUE 3, round 4 (corpora/dev5): passives in more shapes, the outlet's voice ------------------
# Sentences written for these tests.
PASSIVE_ROUND4_CASES = [
    ("participial_clause_with_agent",
     "The export curbs took effect on Monday, a move condemned by Beijing as economic bullying.",
     [("Chinese government", "condemned", "indirect", "economic bullying", "passive")]),
    ("portrayed_by_as",
     "The licensing rules were portrayed by the Commerce Department as a narrow response to "
     "military use.",
     [("US Commerce Department", "were portrayed", "indirect",
       "a narrow response to military use", "passive")]),
    ("justified_on_the_grounds_that",
     "The duties were justified by the European Commission on the grounds that Chinese "
     "carmakers had received unfair subsidies.",
     [("European Union", "were justified", "indirect",
       "Chinese carmakers had received unfair subsidies", "passive")]),
    ("concerns_raised_by_that",
     "Concerns were raised by the US-China Business Council that the rules would push "
     "customers toward rivals.",
     [("US-China Business Council", "were raised", "indirect",
       "the rules would push customers toward rivals", "passive")]),
    ("made_clear_by_that",
     "It was made clear by the Foreign Ministry that no concessions would be offered.",
     [("Chinese Foreign Ministry", "was made clear", "indirect",
       "no concessions would be offered", "passive")]),
    ("who_was_quoted_as_saying",
     "The tariffs were defended on Friday by Treasury Secretary Scott Bessent, who was quoted "
     "as saying the pain would be brief.",
     [("Scott Bessent", "quoted as saying", "indirect", "the pain would be brief", "passive")]),
    ("quote_then_was_quoted_as_saying_by",
     '"We will not be the last country to do this," Helena Varga, a Hungarian trade official, '
     'was quoted as saying by a Budapest daily.',
     [("Helena Varga", "was quoted", "direct", "We will not be the last country to do this",
       "quote_plain")]),
    ("agent_in_an_editorial_in",
     "The probe was denounced in an editorial in the Global Times as a political witch hunt.",
     [("Global Times", "was denounced", "indirect", "a political witch hunt", "passive")]),
    ("agent_in_a_ministry_statement",
     "The quotas were described as discriminatory in a ministry statement.",
     [("ministry", "were described", "indirect", "discriminatory", "passive")]),
    ("expletive_it_clause_on_the_report",
     "It was asserted in a report by the US Trade Representative that Chinese shipyards had "
     "relied on state loans.",
     [("US Trade Representative", "was asserted", "indirect",
       "Chinese shipyards had relied on state loans", "passive")]),
    ("seen_in_a_capital_as",
     "The rules are seen in Beijing as an attempt to slow China's rise.",
     [("Chinese government", "are seen", "indirect", "an attempt to slow China's rise",
       "passive")]),
    ("charge_after_a_date",
     "The EU was accused by China's commerce ministry on Thursday of protectionism.",
     [("Chinese Ministry of Commerce", "was accused", "indirect", "protectionism", "passive")]),
    ("agentless_passive_attributed_after",
     "The duties were condemned as bullying, according to a statement issued by the ministry.",
     [("ministry", "according to", "indirect", "The duties were condemned as bullying",
       "according_to")]),
]


@pytest.mark.parametrize("name,text,expected", PASSIVE_ROUND4_CASES,
                         ids=[c[0] for c in PASSIVE_ROUND4_CASES])
def test_passives_round4(extractor, name, text, expected):
    _, statements = run(extractor, text)
    assert table(statements) == expected


@pytest.mark.parametrize("text", [
    "The award was presented by the mayor on Friday.",  # presenting says nothing without "as"
    "A plan backed by Tokyo was approved on Monday.",  # a participle with no label
    "The new plant, built by BYD in Hungary, opened on Monday.",
    "Concerns were raised by the collapse of the talks.",  # no clause, no speaker
    "The tariffs were seen in Beijing on Monday.",  # a view needs "as …"
])
def test_round4_passives_that_are_not_statements(extractor, text):
    _, statements = run(extractor, text)
    assert [s for s in statements if s.kind != "author"] == []


AUTHOR_ROUND4_CASES = [
    # prescriptions and appraisals with no blame word
    "Washington would be wise to compete rather than to contain.",
    "Beijing's latest offer to Canberra is a step in the right direction.",
    "The White House owes American farmers an honest account of what the tariffs have cost.",
    "For Seoul, the lesson is that Washington's friendship comes with conditions.",
    "The affair shows how little Washington trusts its own allies.",
    "Washington has mistaken tariffs for an industrial policy.",
    "Beijing confuses loyalty with obedience in its dealings with Canberra.",
]


@pytest.mark.parametrize("text", AUTHOR_ROUND4_CASES)
def test_author_frames_round4(text):
    # the rules alone (no learned detector) take these
    ex = _rules_only_extractor()
    _, statements = run(ex, text, outlet="Eastern Lantern Daily", country="CN")
    assert [(s.kind, s.text, s.speaker) for s in statements] == [
        ("author", text, "Eastern Lantern Daily")]


_RULES_ONLY: list[StatementExtractor] = []


def _rules_only_extractor() -> StatementExtractor:
    from pipeline.config import load_config

    if not _RULES_ONLY:
        _RULES_ONLY.append(StatementExtractor(load_config(overrides=["statements.author_model="])))
    return _RULES_ONLY[0]


@pytest.mark.parametrize("text", [
    # a claim the outlet answers in the same sentence is part of the outlet's statement
    "The White House insists the tariffs are paid by China; it is American importers who pay "
    "them.",
    "Brussels claims the duties are temporary, but Chinese carmakers know better.",
    # the outlet naming itself is the outlet, not a reported speaker
    "This newspaper believes Washington should lift the tariffs on Chinese solar panels.",
])
def test_outlet_voice_over_a_reported_claim(text):
    _, statements = run(_rules_only_extractor(), text, outlet="Eastern Lantern Daily",
                        country="CN")
    assert [(s.kind, s.text, s.speaker, s.speaker_role) for s in statements] == [
        ("author", text, "Eastern Lantern Daily", "author")]


def test_a_reported_claim_with_narration_after_but_stays_reported(extractor):
    text = "Officials said talks would resume in May, but no date has been set."
    _, statements = run(extractor, text, outlet="Eastern Lantern Daily", country="CN")
    assert table(statements) == [("officials", "said", "indirect", "talks would resume in May",
                                  "said_that")]


def test_a_claim_and_rebuttal_in_wire_copy_stays_reported(extractor):
    text = ("GENEVA, May 3 (Harbour Wire) - Brussels claims the duties are temporary, but "
            "Chinese carmakers know better.")
    _, statements = run(extractor, text, outlet="Harbour Wire", country="OTHER")
    assert [s.kind for s in statements] == ["indirect"]


def test_a_quantifier_is_nobody_speaking(extractor):
    text = "Few in Washington doubt that Beijing will retaliate."
    _, statements = run(extractor, text, outlet="Eastern Lantern Daily", country="CN")
    assert [s for s in statements if s.kind != "author"] == []
