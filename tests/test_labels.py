from __future__ import annotations

import json

import pytest

from pipeline.labels import LabelError, load, parse_passage, split_of

TEXT = ('BEIJING (Wire) — The commerce ministry accused Washington of "bullying" chip firms. '
        'Washington rejected the claim, and Washington said talks would go on.')


def _record(**over):
    rec = {"id": "x-1", "dispute": "us_china_trade_tech", "sides": ["US", "CN"], "text": TEXT,
           "statements": [{"text": 'Washington of "bullying" chip firms',
                           "speaker": "The commerce ministry", "speaker_side": "CN",
                           "kind": "mixed", "issue": "technology",
                           "blame": [{"target": "Washington", "side": "US",
                                      "issue": "technology"}],
                           "stance": {"US": "against", "CN": "none"}}],
           "pairs": [{"p": "The commerce ministry", "q": "Washington", "q_occurrence": 1,
                      "relation": "q_against_p"}]}
    rec.update(over)
    return rec


def test_parse_resolves_offsets():
    statements, pairs = parse_passage(_record(), "f:1")
    st = statements[0]
    assert TEXT[st.start:st.end] == 'Washington of "bullying" chip firms'
    assert TEXT[st.speaker_start:st.speaker_end] == "The commerce ministry"
    assert TEXT[st.blame[0].start:st.blame[0].end] == "Washington"
    assert pairs[0].q[0] == TEXT.index("Washington rejected")


@pytest.mark.parametrize("change,message", [
    ({"statements": [{"text": "not there", "speaker": "x", "kind": "direct"}]}, "not in the text"),
    ({"pairs": [{"p": "Washington", "q": "Washington", "relation": "none"}]}, "overlap"),
    ({"pairs": [{"p": "Washington", "q": "The commerce ministry", "relation": "blames"}]},
     "relation 'blames'"),
    ({"sides": ["US"]}, "stance must give a value"),
])
def test_label_errors(change, message):
    with pytest.raises(LabelError, match=message):
        parse_passage(_record(**change), "f:3")


def test_load_reports_line_numbers_and_duplicates(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(_record()) + "\n" + json.dumps(_record()) + "\n")
    with pytest.raises(LabelError, match=r"p.jsonl:2: passage id 'x-1' appears twice"):
        load([path])
    path.write_text("{bad\n")
    with pytest.raises(LabelError, match=r"p.jsonl:1: not valid JSON"):
        load([path])


def test_split_by_dispute():
    assert split_of("japan_korea_export_controls") == "test"
    assert split_of("us_canada_lumber") == "dev"
    assert split_of("us_china_trade_tech") == "train"
