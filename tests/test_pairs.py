from __future__ import annotations

import json

import pytest

from pipeline.errors import BlamegraphError
from pipeline.pairs import parse_pair, predict_pairs, read_pairs

TEXT = "Tokyo accused Seoul of breaking the agreement."


@pytest.mark.parametrize("record,message", [
    ([1, 2], "expected a JSON object"),
    ({"id": "a", "p": [0, 5], "q": [14, 19]}, "'text' must be a non-empty string"),
    ({"text": TEXT, "p": [0, 5], "q": [14, 19]}, "'id' must be"),
    ({"id": "a", "text": TEXT, "p": [0, 5]}, "'q' must be"),
    ({"id": "a", "text": TEXT, "p": [0, 500], "q": [14, 19]}, "outside the text"),
    ({"id": "a", "text": TEXT, "p": [5, 5], "q": [14, 19]}, "outside the text of 46 chars or empty"),
    ({"id": "a", "text": TEXT, "p": [0, 10], "q": [5, 19]}, "overlap"),
    ({"id": "a", "text": TEXT, "p": ["0", 5], "q": [14, 19]}, "integers"),
])
def test_pair_validation(tmp_path, record, message):
    with pytest.raises(BlamegraphError, match=rf"E137.*Line 3.*{message}"):
        parse_pair(record, 3, tmp_path / "in.jsonl")


def test_bad_lines_are_reported_and_the_rest_scored(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "a", "text": TEXT, "p": [0, 5], "q": [14, 19]}),
        "{broken",
        json.dumps({"id": "b", "text": TEXT, "p": [0, 5], "q": [0, 3]}),
    ]) + "\n")
    items = list(read_pairs(path))
    assert [type(i).__name__ for i in items] == ["PairInput", "BlamegraphError",
                                                 "BlamegraphError"]
    assert "Line 2" in str(items[1]) and "Line 3" in str(items[2])


def test_predict_pairs_output_format(tmp_path, repo):
    model = repo / "models" / "relation"
    if not (model / "adapter.safetensors").exists():
        pytest.skip("default model not built (make models)")
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a", "text": TEXT, "p": [0, 5], "q": [14, 19]}) + "\n"
                    + "{broken\n")
    out = tmp_path / "out.jsonl"
    counts = predict_pairs(path, out, model)
    assert counts == {"scored": 1, "bad_lines": 1}
    row = json.loads(out.read_text())
    assert set(row) == {"id", "relation", "scores"}
    assert set(row["scores"]) == {"none", "p_against_q", "q_against_p", "p_favor_q", "q_favor_p"}
    assert sum(row["scores"].values()) == pytest.approx(1.0, abs=1e-4)
    assert row["relation"] == max(row["scores"], key=row["scores"].get)
    with pytest.raises(BlamegraphError, match="E138"):
        predict_pairs(path, out, model)


def test_missing_input(tmp_path):
    with pytest.raises(BlamegraphError, match="E001"):
        list(read_pairs(tmp_path / "nope.jsonl"))
