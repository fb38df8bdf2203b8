from __future__ import annotations

import pytest

from pipeline.evaluate import match, same_speaker, score, span_overlap
from pipeline.schema import Statement


def _st(start, end, speaker="Li Weiming", side="CN", role="expert", kind="direct"):
    return Statement("d", f"d:{start}", kind, "said", "x", start, end, speaker, None, None, None,
                     role, side)


GOLD = [{"id": "d", "statements": [
    {"start": 0, "end": 10, "text": "a", "kind": "direct", "construction": "quote_plain",
     "speaker": "Li Weiming", "speaker_role": "expert", "speaker_side": "CN"},
    {"start": 20, "end": 30, "text": "b", "kind": "indirect", "construction": "said_that",
     "speaker": "Ministry of Commerce", "speaker_role": "official", "speaker_side": "CN"},
    {"start": 40, "end": 50, "text": "c", "kind": "direct", "construction": "quote_dash",
     "speaker": "a senator", "speaker_role": "official", "speaker_side": "US"},
]}]


def test_score_hand_computed():
    predicted = {"d": [_st(0, 10), _st(22, 36, speaker="Chinese Ministry of Commerce",
                                       role="official", kind="indirect"),
                       _st(60, 70)]}
    report = score(GOLD, predicted)
    low = report["statements"]["overlap_0.3"]
    # (22,36) vs (20,30): overlap 8/16 = 0.5 → matched at 0.3, not at 0.8
    assert (low["tp"], low["n_pred"], low["n_gold"]) == (2, 3, 3)
    assert low["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["statements"]["overlap_0.8"]["tp"] == 1
    assert report["speaker_accuracy"] == 1.0
    assert report["side_accuracy"] == 1.0
    assert report["recall_by_construction"]["quote_dash"]["recall"] == 0.0
    assert {e["error"] for e in report["errors"]} == {"missed", "spurious"}


def test_wrong_speaker_and_side_are_counted():
    report = score(GOLD, {"d": [_st(0, 10, speaker="Zhang Wei", side="US")]})
    assert report["speaker_accuracy"] == 0.0
    assert report["side_accuracy"] == 0.0


@pytest.mark.parametrize("a,b,expected", [
    ("Li Weiming", "li weiming", True), ("the White House", "White House", True),
    ("Li", "Li Weiming", False), ("Stimson Center", "analysts", False), (None, "x", False),
])
def test_same_speaker(a, b, expected):
    assert same_speaker(a, b) is expected


def test_matching_is_one_to_one():
    assert match([(0, 10), (0, 10)], [(0, 10)], 0.3) == [(1, 0)] or \
        match([(0, 10), (0, 10)], [(0, 10)], 0.3) == [(0, 0)]
    assert len(match([(0, 10), (0, 10)], [(0, 10)], 0.3)) == 1
    assert span_overlap((0, 10), (0, 10)) == 1.0
