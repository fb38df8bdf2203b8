"""bench/ab.py: two configurations in one process, CPU seconds and row fingerprints."""
from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_ab_runs_and_fast_ruler_keeps_rows(tmp_path, capsys):
    from bench.ab import main

    assert main(["--words", "400", "--rounds", "2", "--stages", "statements",
                 "--out", str(tmp_path), "--variant", "",
                 "--variant", "statements.fast_attribute_ruler=false"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["rounds"] == 2 and summary["words"] >= 400
    prints = summary["fingerprints"]
    assert len(prints) == 2
    # each variant gives the same rows in every round, and the two variants the same rows
    assert all(len(v) == 1 for v in prints.values())
    assert len({v[0] for v in prints.values()}) == 1
    assert all(v["statements"] > 0 for v in summary["cpu_seconds"].values())
