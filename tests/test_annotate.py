"""The annotation loop: sampling strategies, JSONL and Label Studio round trips, import
validation, agreement (kappa, alpha), and the CLI end to end on a tiny synthetic run.

Most tests score with a stand-in for the relation model (``FakeScorer``) so they stay fast; one
slow test samples with the real model and embeddings.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from synthetic_run import write_run

from pipeline import annotate
from pipeline import labels as labelled
from pipeline.annotate import (cohen_kappa, import_labels, k_center_greedy, krippendorff_alpha,
                               read_annotated, sample, select_random, select_uncertain)
from pipeline.blame import Scored
from pipeline.cli import main
from pipeline.errors import BlamegraphError
from pipeline.model import HEADS

DOCS = {
    "d1": ('WASHINGTON (Harbor Wire) - The commerce secretary accused Beijing of dumping steel '
           'on world markets. "China broke its promises," said Dana Cole, a trade official.'),
    "d2": ("BEIJING - A foreign ministry spokesperson said Washington was to blame for the chip "
           "war, and praised Huawei for its resilience."),
    "d3": ("Analysts said the talks between Washington and Beijing could resume in May."),
}
# (doc, content, speaker mention or None, kind, speaker side, [target mentions])
STATEMENTS = [
    ("d1", "Beijing of dumping steel on world markets", "The commerce secretary", "indirect",
     "US", ["Beijing"]),
    ("d1", "China broke its promises,", "Dana Cole", "direct", "US", ["China"]),
    ("d2", "Washington was to blame for the chip war, and praised Huawei for its resilience",
     "A foreign ministry spokesperson", "indirect", "CN", ["Washington", "Huawei"]),
    ("d3", "the talks between Washington and Beijing could resume in May", "Analysts",
     "indirect", "UNKNOWN", ["Washington", "Beijing"]),
]
ACTORS = {"Beijing": ("cn_government", "CN"), "China": ("cn_government", "CN"),
          "Washington": ("us_government", "US"), "Huawei": ("huawei", "CN")}
# The stand-in model's P(blame) per target text: Washington and China are close calls.
P_BLAME = {"Beijing": 0.9, "China": 0.55, "Washington": 0.48, "Huawei": 0.05}


def _span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def make_run(out: Path) -> Path:
    statements, entities = [], []
    for i, (doc_id, content, speaker, kind, side, targets) in enumerate(STATEMENTS):
        text = DOCS[doc_id]
        start, end = _span(text, content)
        sp = _span(text, speaker) if speaker else (None, None)
        statements.append({"doc_id": doc_id, "statement_id": f"{doc_id}:{i}", "kind": kind,
                           "cue": "said", "text": content, "start": start, "end": end,
                           "speaker": speaker, "speaker_text": speaker, "speaker_start": sp[0],
                           "speaker_end": sp[1], "speaker_role": "official",
                           "speaker_side": side, "issue": "trade"})
        for t in targets:
            t0 = text.index(t, start)
            actor, t_side = ACTORS[t]
            entities.append({"doc_id": doc_id, "text": t, "label": "GPE", "start": t0,
                             "end": t0 + len(t), "actor": actor, "side": t_side})
    entities = [dict(e) for e in {(e["doc_id"], e["start"]): e for e in entities}.values()]
    docs = [{"doc_id": d, "text": t, "outlet": "Harbor Wire"} for d, t in DOCS.items()]
    return write_run(out, documents=docs, statements=statements, entities=entities)


class FakeEncoder:
    def pair(self, text, p, q):
        return (text[p[0]:p[1]], text[q[0]:q[1]])


class FakeModelCfg:
    blame_threshold = 0.5
    candidate_scope = "content"


class FakeModel:
    cfg = FakeModelCfg()


class FakeScorer:
    """Deterministic probabilities from the target texts; same interface as RelationScorer."""

    labels = {h: list(v) for h, v in HEADS.items()}
    model = FakeModel()
    encoder = FakeEncoder()

    def score_statements(self, items):
        out = []
        for text, st, targets in items:
            blame = [P_BLAME[t.text] for t in targets]
            stance = [[p, 0.1, max(0.0, 0.9 - p)] for p in blame]
            edge = [[0.7, 0.1, 0.1, 0.1] for _ in targets]
            issue = [0.4, 0.35, 0.15, 0.1] if "chip" in st.text else [0.8, 0.1, 0.05, 0.05]
            out.append(Scored(issue, blame, stance, edge))
        return out

    def run(self, encoded):
        out = []
        for p, q in encoded:
            close = 0.3 if "Washington" in (p, q) else 0.7
            out.append({"pairs": [close, 1 - close, 0.0, 0.0, 0.0]})
        return out


@pytest.fixture()
def run_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(annotate, "_scorer", lambda path, batch_size=32: FakeScorer())
    return make_run(tmp_path / "run")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines() if line]


def _write(path: Path, items: list[dict]) -> Path:
    annotate.write_jsonl(items, path)
    return path


# --- strategies -----------------------------------------------------------------------------


def test_uncertain_ranks_by_least_certain_target(run_dir, tmp_path):
    out = tmp_path / "b.jsonl"
    sample(run_dir, out, task="blame", n=2, strategy="uncertain")
    items = _jsonl(out)
    # Washington (0.48) in d2:2 and d3:3 is the closest call; China (0.55) next.
    assert [it["id"] for it in items] == ["d2:2", "d3:3"]
    assert items[0]["meta"]["uncertainty"] == pytest.approx(1 - abs(0.48 - 0.52))
    assert items[0]["meta"]["rank"] == 1 and items[0]["meta"]["strategy"] == "uncertain"
    sample(run_dir, out, task="blame", n=4, strategy="uncertain", measure="least", force=True)
    assert [it["id"] for it in _jsonl(out)] == ["d2:2", "d3:3", "d1:1", "d1:0"]


def test_uncertain_issue_and_stance_use_their_heads(run_dir, tmp_path):
    out = tmp_path / "i.jsonl"
    sample(run_dir, out, task="issue", n=1, strategy="uncertain")
    assert [it["id"] for it in _jsonl(out)] == ["d2:2"]  # the chip statement: 0.40 vs 0.35
    sample(run_dir, out, task="stance", n=1, strategy="uncertain", force=True)
    # stance probs [p, 0.1, 0.9 - p]: Washington (0.48 vs 0.42) is the narrowest margin
    assert _jsonl(out)[0]["id"] in ("d2:2", "d3:3")


def test_random_is_stratified_and_seeded():
    items = [{"id": f"{i:02d}", "meta": {"stratum": "blame" if i < 30 else "no_blame"}}
             for i in range(40)]
    chosen = select_random(items, 8, seed=1)
    assert len(set(chosen)) == 8
    assert sum(1 for i in chosen if i < 30) == 6  # 30/40 of 8
    assert chosen == select_random(items, 8, seed=1)
    assert chosen != select_random(items, 8, seed=2)
    assert sorted(select_random(items, 50, seed=1)) == list(range(40))


def test_uncertain_ties_break_by_id():
    items = [{"id": i, "meta": {"uncertainty": u}} for i, u in
             [("c", 0.5), ("a", 0.5), ("b", 0.9), ("d", 0.1)]]
    assert [items[i]["id"] for i in select_uncertain(items, 3)] == ["b", "a", "c"]


def test_k_center_greedy_spreads_and_is_deterministic():
    vectors = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0], [-5.0, 5.0]])
    chosen = k_center_greedy(vectors, 3, seed=3)
    assert chosen == k_center_greedy(vectors, 3, seed=3)
    # one point from each of the three clusters
    clusters = [{0, 1, 2}, {3, 4}, {5}]
    assert sorted(next(k for k, c in enumerate(clusters) if i in c) for i in chosen) == [0, 1, 2]
    # more picks than distinct points: duplicates follow in index order, no repeats
    same = np.zeros((4, 2))
    assert sorted(k_center_greedy(same, 4, seed=0)) == [0, 1, 2, 3]


def test_diverse_strategy_uses_embeddings(run_dir, tmp_path, monkeypatch):
    def fake_embed(texts):
        return np.array([[1.0, 0.0] if "Washington" in t else [0.0, 1.0] for t in texts])

    monkeypatch.setattr(annotate, "embed", fake_embed)
    out = tmp_path / "d.jsonl"
    sample(run_dir, out, task="blame", n=2, strategy="diverse", seed=0)
    texts = [it["text"][it["statement"]["start"]:it["statement"]["end"]] for it in _jsonl(out)]
    assert sum("Washington" in t for t in texts) == 1  # one from each embedding cluster


# --- round trips ------------------------------------------------------------------------------


def test_jsonl_round_trip_gives_valid_training_records(run_dir, tmp_path):
    batch = tmp_path / "b.jsonl"
    sample(run_dir, batch, task="blame", n=10, strategy="uncertain")
    items = _jsonl(batch)
    assert len(items) == 4
    out = tmp_path / "labels.jsonl"
    result = import_labels([batch], out, dispute="my_dispute")
    assert result["records"] == 4
    statements, pairs = labelled.load([out])
    assert len(statements) == 4 and not pairs
    by_id = {s.passage_id: s for s in statements}
    for item in items:
        st = by_id[item["id"]]
        assert st.dispute == "my_dispute"
        text = item["text"]
        assert (st.start, st.end) == (item["statement"]["start"], item["statement"]["end"])
        assert st.speaker_start == item["statement"]["speaker_start"]
        assert st.issue == item["label"]["issue"] and st.stance == item["label"]["stance"]
        assert [(t.start, t.end, t.side, t.issue) for t in st.blame] == [
            (b["start"], b["end"], b["side"], b["issue"]) for b in item["label"]["blame"]]
        assert text == DOCS[item["doc_id"]]  # short documents are shown whole
    # Beijing (0.9) and China (0.55) are pre-annotated as blamed at threshold 0.5
    assert [t.name for t in by_id["d1:0"].blame] == ["cn_government"]
    assert by_id["d1:0"].stance == {"US": "none", "CN": "against"}
    # a record the annotator corrected: importing again gives the corrected labels
    items[0]["label"]["stance"]["US"] = "favor"
    items[0]["label"]["blame"] = []
    import_labels([_write(tmp_path / "c.jsonl", items)], out, force=True)
    fixed = {s.passage_id: s for s in labelled.load([out])[0]}[items[0]["id"]]
    assert fixed.stance["US"] == "favor" and fixed.blame == []


def test_repeated_substrings_resolve_to_the_right_occurrence(tmp_path):
    text = "Beijing said Beijing was wronged, and Beijing's envoy blamed Beijing's rivals."
    start = text.index("Beijing was")
    target = text.index("Beijing's rivals")
    item = {"id": "x", "task": "blame", "doc_id": "x", "sides": ["US", "CN"], "text": text,
            "offset": 0, "statement": {"start": start, "end": start + 7, "kind": "indirect",
                                       "speaker": "Beijing", "speaker_text": "Beijing",
                                       "speaker_start": 0, "speaker_end": 7,
                                       "speaker_side": "CN"},
            "candidates": [],
            "label": {"issue": "other", "stance": {"US": "none", "CN": "none"},
                      "blame": [{"start": target, "end": target + 7, "side": "CN",
                                 "issue": "other"}]}}
    out = tmp_path / "l.jsonl"
    import_labels([_write(tmp_path / "b.jsonl", [item])], out)
    st = labelled.load([out])[0][0]
    assert (st.start, st.speaker_start, st.blame[0].start) == (start, 0, target)


def _complete_labelstudio(path: Path, edit=None) -> Path:
    """An annotator who accepts the pre-annotation (Label Studio copies the prediction into the
    annotation), optionally editing the results."""
    tasks = json.loads(path.read_text(encoding="utf8"))
    for task in tasks:
        result = json.loads(json.dumps(task["predictions"][0]["result"]))
        if edit:
            result = edit(task, result)
        task["annotations"] = [{"id": 1, "completed_by": 7, "was_cancelled": False,
                                "result": result}]
    done = path.with_name("done.json")
    done.write_text(json.dumps(tasks), encoding="utf8")
    return done


def test_labelstudio_round_trip_equals_jsonl(run_dir, tmp_path):
    sample(run_dir, tmp_path / "b.jsonl", task="blame", n=10, strategy="random")
    sample(run_dir, tmp_path / "b.json", task="blame", n=10, strategy="random", fmt="labelstudio")
    tasks = json.loads((tmp_path / "b.json").read_text())
    assert {t["data"]["item"]["id"] for t in tasks} == {i["id"] for i in
                                                        _jsonl(tmp_path / "b.jsonl")}
    xml = (tmp_path / "b.label_config.xml").read_text()
    assert 'name="stance_CN"' in xml and '<Labels name="blame"' in xml
    import_labels([tmp_path / "b.jsonl"], tmp_path / "a.jsonl")
    import_labels([_complete_labelstudio(tmp_path / "b.json")], tmp_path / "c.jsonl")

    def records(path):
        return {r["id"]: {k: v for k, v in r.items() if k != "source"} for r in _jsonl(path)}

    assert records(tmp_path / "a.jsonl") == records(tmp_path / "c.jsonl")


def test_labelstudio_edits_are_imported(run_dir, tmp_path):
    sample(run_dir, tmp_path / "b.json", task="blame", n=10, strategy="uncertain",
           fmt="labelstudio")

    def edit(task, result):
        result = [r for r in result if r["from_name"] != "blame"]  # no blame at all ...
        if task["data"]["item"]["id"] == "d2:2":  # ... except Washington, on technology
            text = task["data"]["text"]
            s, e = _span(text, "Washington")
            result.append({"from_name": "blame", "to_name": "text", "type": "labels",
                           "value": {"start": s, "end": e, "text": "Washington",
                                     "labels": ["technology"]}})
        return result

    done = _complete_labelstudio(tmp_path / "b.json", edit)
    import_labels([done], tmp_path / "l.jsonl")
    by_id = {s.passage_id: s for s in labelled.load([tmp_path / "l.jsonl"])[0]}
    assert [(t.name, t.side, t.issue) for t in by_id["d2:2"].blame] == [
        ("us_government", "US", "technology")]
    assert by_id["d1:0"].blame == []
    assert all(a.annotator == "7" for a in read_annotated(done))


def test_pairs_round_trip_both_formats(run_dir, tmp_path):
    sample(run_dir, tmp_path / "p.jsonl", task="pairs", n=50, strategy="uncertain")
    items = _jsonl(tmp_path / "p.jsonl")
    assert items and all(it["task"] == "pairs" for it in items)
    assert items[0]["meta"]["uncertainty"] >= items[-1]["meta"]["uncertainty"]
    for it in items:  # spans point at the mentions they name
        assert it["text"][it["p"][0]:it["p"][1]] == it["p_text"]
        assert it["text"][it["q"][0]:it["q"][1]] == it["q_text"]
    import_labels([tmp_path / "p.jsonl"], tmp_path / "a.jsonl")
    pairs = labelled.load([tmp_path / "a.jsonl"])[1]
    assert [(p.p, p.q, p.relation) for p in pairs] == [
        (tuple(it["p"]), tuple(it["q"]), it["label"]["relation"]) for it in items]
    sample(run_dir, tmp_path / "p.json", task="pairs", n=50, strategy="uncertain",
           fmt="labelstudio")
    import_labels([_complete_labelstudio(tmp_path / "p.json")], tmp_path / "c.jsonl")
    assert [(p.p, p.q, p.relation) for p in labelled.load([tmp_path / "c.jsonl"])[1]] == [
        (p.p, p.q, p.relation) for p in pairs]


def test_imported_records_feed_finetune_examples(run_dir, tmp_path):
    from pipeline.train import load_user_examples

    sample(run_dir, tmp_path / "b.jsonl", task="blame", n=10, strategy="uncertain")
    import_labels([tmp_path / "b.jsonl"], tmp_path / "l.jsonl", dispute="my_dispute")
    splits = load_user_examples([tmp_path / "l.jsonl"], dev_fraction=0.0, seed=0)
    examples = splits["train"]["statements"]
    assert len(examples) == 4
    # 1 = blamed, 0 = not, None = another mention of a blamed side (left out of the loss)
    assert sum(b == 1 for ex in examples for b in ex.blamed) == 3  # Beijing twice, China


# --- import validation ------------------------------------------------------------------------


def test_unknown_label_is_reported_with_its_line(run_dir, tmp_path):
    sample(run_dir, tmp_path / "b.jsonl", task="blame", n=10, strategy="uncertain")
    items = _jsonl(tmp_path / "b.jsonl")
    items[1]["label"]["stance"]["CN"] = "agianst"
    items[3]["label"]["issue"] = "tarde"
    bad = _write(tmp_path / "bad.jsonl", items)
    with pytest.raises(BlamegraphError, match="E191") as err:
        import_labels([bad], tmp_path / "l.jsonl")
    msg = str(err.value)
    assert "2 annotated record(s)" in msg
    assert f"{bad}:2" in msg and "'agianst'" in msg
    assert f"{bad}:4" in msg and "'tarde'" in msg
    assert not (tmp_path / "l.jsonl").exists()


def test_bad_spans_sides_and_answers_are_reported(run_dir, tmp_path):
    sample(run_dir, tmp_path / "b.jsonl", task="blame", n=10, strategy="uncertain")
    items = _jsonl(tmp_path / "b.jsonl")
    items[0]["label"]["blame"] = [{"start": 5, "end": 9999, "side": "US", "issue": "trade"}]
    c = items[1]["candidates"][0]
    items[1]["label"]["blame"] = [{"start": c["start"], "end": c["end"], "side": "EU",
                                   "issue": "trade"}]
    items[2]["answer"] = "maybe"
    with pytest.raises(BlamegraphError) as err:
        import_labels([_write(tmp_path / "bad.jsonl", items)], tmp_path / "l.jsonl")
    msg = str(err.value)
    assert "bad.jsonl:1: blame 0 must be [start, end]" in msg
    assert "bad.jsonl:2" in msg and "'EU'" in msg
    assert "bad.jsonl:3: answer 'maybe'" in msg


def test_statement_without_speaker_mention_must_be_fixed(run_dir, tmp_path):
    sample(run_dir, tmp_path / "b.jsonl", task="blame", n=10, strategy="uncertain")
    items = _jsonl(tmp_path / "b.jsonl")
    items[0]["statement"].update(speaker_start=None, speaker_end=None)
    with pytest.raises(BlamegraphError, match=r"bad\.jsonl:1: the 'indirect' statement has no "
                                              "speaker mention"):
        import_labels([_write(tmp_path / "bad.jsonl", items)], tmp_path / "l.jsonl")
    items[0]["statement"]["kind"] = "author"  # or the annotator makes it the outlet's voice
    import_labels([_write(tmp_path / "ok.jsonl", items)], tmp_path / "l.jsonl")
    assert labelled.load([tmp_path / "l.jsonl"])[0][0].speaker_start is None


def test_quote_without_mention_points_at_the_speaker_name(run_dir, tmp_path):
    import pyarrow.parquet as pq
    from synthetic_run import write_table

    from pipeline import schema

    rows = pq.read_table(run_dir / "statements.parquet").to_pylist()
    rows[1].update(speaker_text=None, speaker_start=None, speaker_end=None)  # "China broke..."
    write_table(run_dir / "statements.parquet", rows, schema.STATEMENTS)
    sample(run_dir, tmp_path / "b.jsonl", task="blame", n=10, strategy="uncertain")
    item = next(it for it in _jsonl(tmp_path / "b.jsonl") if it["id"] == "d1:1")
    st = item["statement"]
    assert item["text"][st["speaker_start"]:st["speaker_end"]] == "Dana Cole"
    import_labels([tmp_path / "b.jsonl"], tmp_path / "l.jsonl")


def test_not_json_and_not_an_item_name_the_line(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_text('{"id": 1, "label": {}}\n{oops\n', encoding="utf8")
    with pytest.raises(BlamegraphError, match=r"E192.*b\.jsonl:2: not valid JSON"):
        import_labels([path], tmp_path / "l.jsonl")
    path.write_text('{"id": 1}\n', encoding="utf8")
    with pytest.raises(BlamegraphError, match=r"E192.*b\.jsonl:1: expected an item"):
        read_annotated(path)
    (tmp_path / "ls.json").write_text('[{"data": {"text": "x"}}]', encoding="utf8")
    with pytest.raises(BlamegraphError, match="E192.*task 1"):
        read_annotated(tmp_path / "ls.json")


def test_labelstudio_missing_required_choice(run_dir, tmp_path):
    sample(run_dir, tmp_path / "i.json", task="issue", n=2, strategy="uncertain",
           fmt="labelstudio")
    done = _complete_labelstudio(tmp_path / "i.json",
                                 lambda task, result: [r for r in result
                                                       if r["from_name"] != "issue"])
    with pytest.raises(BlamegraphError, match="E192.*no choice was made for 'issue'"):
        import_labels([done], tmp_path / "l.jsonl")


def test_duplicates_merge_and_conflicts_are_reported(run_dir, tmp_path):
    sample(run_dir, tmp_path / "b.jsonl", task="blame", n=10, strategy="uncertain")
    items = _jsonl(tmp_path / "b.jsonl")
    same = json.loads(json.dumps(items[0]))
    other = json.loads(json.dumps(items[1]))
    other["label"]["issue"] = "linked" if items[1]["label"]["issue"] != "linked" else "trade"
    batch = _write(tmp_path / "dup.jsonl", items + [same, other])
    with pytest.raises(BlamegraphError, match="E193") as err:
        import_labels([batch], tmp_path / "l.jsonl")
    assert f"item '{items[1]['id']}' has 2 different labels at {batch}:2, {batch}:6" in str(
        err.value)
    result = import_labels([batch], tmp_path / "l.jsonl", on_conflict="skip")
    assert result["records"] == 3 and result["merged_duplicates"] == 1
    assert len(result["conflicts"]) == 1
    assert items[1]["id"] not in {r["id"] for r in _jsonl(tmp_path / "l.jsonl")}


def test_rejected_items_are_left_out_and_output_is_not_overwritten(run_dir, tmp_path):
    sample(run_dir, tmp_path / "b.jsonl", task="blame", n=10, strategy="uncertain")
    items = _jsonl(tmp_path / "b.jsonl")
    items[0]["answer"] = "reject"
    items[1]["answer"] = "ignore"
    result = import_labels([_write(tmp_path / "r.jsonl", items)], tmp_path / "l.jsonl")
    assert (result["records"], result["rejected"], result["ignored"]) == (2, 1, 1)
    with pytest.raises(BlamegraphError, match="E138"):
        import_labels([tmp_path / "r.jsonl"], tmp_path / "l.jsonl")


def test_bad_choices_raise_e190(run_dir, tmp_path):
    with pytest.raises(BlamegraphError, match="E190.*strategy 'smart'"):
        sample(run_dir, tmp_path / "b.jsonl", task="blame", strategy="smart")
    with pytest.raises(BlamegraphError, match="E190.*task 'blames'"):
        sample(run_dir, tmp_path / "b.jsonl", task="blames")
    with pytest.raises(BlamegraphError, match="E190.*--on-conflict 'first'"):
        import_labels([], tmp_path / "l.jsonl", on_conflict="first")


def test_missing_run_files(tmp_path):
    with pytest.raises(BlamegraphError, match="E070"):
        sample(tmp_path / "nope", tmp_path / "b.jsonl", task="blame")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BlamegraphError, match="E071"):
        sample(tmp_path / "empty", tmp_path / "b.jsonl", task="blame")


# --- agreement --------------------------------------------------------------------------------


def test_cohen_kappa_hand_computed_and_sklearn():
    from sklearn.metrics import cohen_kappa_score

    a = ["yes", "yes", "no", "no", "yes", "no", "no", "no", "yes", "no"]
    b = ["yes", "no", "no", "no", "yes", "no", "yes", "no", "yes", "no"]
    # p_o = 8/10; p_e = (4*4 + 6*6)/100 = 0.52; kappa = 0.28 / 0.48
    assert cohen_kappa(a, b) == pytest.approx(0.28 / 0.48)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = list(rng.choice(["against", "favor", "none"], 40))
        y = [v if rng.random() < 0.6 else str(rng.choice(["against", "favor", "none"]))
             for v in x]
        assert cohen_kappa(x, y) == pytest.approx(cohen_kappa_score(x, y))
    assert cohen_kappa(["a", "a"], ["a", "a"]) == 1.0


def test_krippendorff_alpha_nominal_with_missing_values():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the nominal example:
    # four observers, twelve units, missing ratings; alpha = 0.743.
    table = {"A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
             "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
             "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
             "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    units = [{obs: str(vals[u]) for obs, vals in table.items() if vals[u] is not None}
             for u in range(12)]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)
    # two raters, no missing: alpha = 1 - (n-1) D_o / sum n_c n_k, by hand for x,x / y,y / x,y
    assert krippendorff_alpha([{"a": "x", "b": "x"}, {"a": "y", "b": "y"},
                               {"a": "x", "b": "y"}]) == pytest.approx(1 - 5 * 2 / 18)
    assert krippendorff_alpha([{"a": "x", "b": "x"}, {"a": "y", "b": "y"}]) == 1.0


def test_agreement_from_two_annotators_files(run_dir, tmp_path):
    sample(run_dir, tmp_path / "b.jsonl", task="stance", n=10, strategy="uncertain")
    items = _jsonl(tmp_path / "b.jsonl")
    alice = _write(tmp_path / "alice.jsonl", items)
    changed = json.loads(json.dumps(items))
    changed[0]["label"]["stance"]["US"] = "favor" if items[0]["label"]["stance"]["US"] != \
        "favor" else "none"
    bob = _write(tmp_path / "bob.jsonl", changed[:3])  # bob labelled three items
    report = annotate.agreement([alice, bob])
    assert report["task"] == "stance" and report["annotators"] == ["alice", "bob"]
    assert report["n_units"] == 8 and report["n_units_multiply_rated"] == 6
    a = [items[i]["label"]["stance"][s] for i in range(3) for s in ("US", "CN")]
    b = [changed[i]["label"]["stance"][s] for i in range(3) for s in ("US", "CN")]
    pair = report["cohen_kappa"]["alice|bob"]
    assert pair["n_units"] == 6 and pair["observed_agreement"] == pytest.approx(5 / 6, abs=1e-4)
    assert pair["kappa"] == pytest.approx(cohen_kappa(a, b), abs=1e-4)  # order-free
    with pytest.raises(BlamegraphError, match="E194.*only one annotator"):
        annotate.agreement([alice])


def test_blame_agreement_units_are_candidate_targets():
    item = {"id": "s", "candidates": [{"start": 0, "end": 5}, {"start": 10, "end": 15}]}
    units = annotate.units(item, {"blame": [{"start": 1, "end": 5, "issue": "trade"},
                                            {"start": 20, "end": 25, "issue": "other"}]}, "blame")
    assert units == {"s|0-5": "trade", "s|10-15": "none", "s|20-25": "other"}


# --- the command line end to end --------------------------------------------------------------


def test_cli_loop_end_to_end(run_dir, tmp_path, capsys):
    batch, labels_file = tmp_path / "batch.jsonl", tmp_path / "labels.jsonl"
    assert main(["sample", str(run_dir), "--task", "blame", "--n", "3", "--strategy", "random",
                 "--out", str(batch)]) == 0
    assert "Picked 3 of 4 blame items" in capsys.readouterr().out
    assert main(["sample", str(run_dir), "--task", "blame", "--out", str(batch)]) == 1
    assert "E138" in capsys.readouterr().err
    assert main(["import-labels", str(batch), "--out", str(labels_file), "--dispute",
                 "japan_korea_export_controls"]) == 0
    captured = capsys.readouterr()
    assert "Wrote 3 labelled records" in captured.out
    assert "finetune will not train on it" in captured.err
    assert labelled.load([labels_file])[0]
    # a second annotator disagrees on one item's issue
    items = _jsonl(batch)
    items[0]["label"]["issue"] = "other" if items[0]["label"]["issue"] != "other" else "trade"
    second = _write(tmp_path / "second.jsonl", items)
    report_file = tmp_path / "agreement.json"
    assert main(["agreement", str(batch), str(second), "--task", "issue", "--out",
                 str(report_file)]) == 0
    out = capsys.readouterr().out
    assert "3 of 3 units rated more than once" in out and "Cohen's kappa" in out
    assert json.loads(report_file.read_text())["cohen_kappa"]["batch|second"]["n_units"] == 3
    assert main(["sample", str(run_dir), "--task", "blame", "--strategy", "best",
                 "--out", str(tmp_path / "x.jsonl")]) == 1
    assert "E190" in capsys.readouterr().err


@pytest.mark.slow
def test_sample_with_the_real_model_and_embeddings(tmp_path):
    run_dir = make_run(tmp_path / "run")
    for strategy in ("uncertain", "diverse"):
        out = tmp_path / f"{strategy}.jsonl"
        result = sample(run_dir, out, task="blame", n=2, strategy=strategy)
        assert result["sampled"] == 2
        for item in _jsonl(out):
            assert all(0.0 <= c["p_blame"] <= 1.0 for c in item["candidates"])
    import_labels([tmp_path / "uncertain.jsonl"], tmp_path / "l.jsonl")
    assert len(labelled.load([tmp_path / "l.jsonl"])[0]) == 2


def test_evaluate_at_a_fixed_threshold_on_imported_labels(run_dir, tmp_path):
    """The loop's last step: `evaluate --set blame.threshold=...` on imported labels."""
    sample(run_dir, tmp_path / "b.jsonl", task="blame", n=10, strategy="uncertain")
    import_labels([tmp_path / "b.jsonl"], tmp_path / "l.jsonl", dispute="my_dispute")
    reports = {}
    for threshold in ("0.01", "0.99"):
        out = tmp_path / f"m{threshold}.json"
        assert main(["evaluate", "--task", "blame", "--data", str(tmp_path / "l.jsonl"),
                     "--set", f"blame.threshold={threshold}", "--out", str(out)]) == 0
        reports[threshold] = json.loads(out.read_text())["blame"]
    assert reports["0.01"]["threshold"] == 0.01 and reports["0.99"]["threshold"] == 0.99
    low, high = (reports[t]["speaker_side_blamed_side"] for t in ("0.01", "0.99"))
    assert low["n_gold"] == high["n_gold"] == 3 and low["n_pred"] > high["n_pred"]
