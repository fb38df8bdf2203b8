"""Divergence statistics against hand-computed values, small-sample bias, bootstrap coverage."""
from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline import divergence as dv

SIDES = ["US", "CN", "OTHER", "UNKNOWN"]
ISSUES = ["trade", "technology", "linked", "other"]


@pytest.mark.parametrize("p,q,expected", [
    ([1, 0], [0, 1], 1.0),                          # disjoint supports
    ([3, 1], [3, 1], 0.0),                          # same distribution
    ([6, 2], [3, 1], 0.0),                          # counts are normalized first
    # P=(1/2,1/2), Q=(1,0), M=(3/4,1/4):
    # ½[½log2(2/3) + ½log2(2)] + ½[log2(4/3)] = 0.311278…
    ([1, 1], [1, 0], 0.5 * (0.5 * math.log2(2 / 3) + 0.5) + 0.5 * math.log2(4 / 3)),
    # P=(1/4,3/4), Q=(3/4,1/4), M=(1/2,1/2): JSD = H(M) − H(P) = 1 − H(1/4) = 0.188722…
    ([1, 3], [3, 1], 1 - (-(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75)))),
])
def test_jsd_hand_values(p, q, expected):
    assert float(dv.jsd(np.array(p), np.array(q))) == pytest.approx(expected, abs=1e-12)


def test_jsd_symmetric_bounded_batched_and_undefined_for_empty():
    rng = np.random.default_rng(0)
    p, q = rng.integers(0, 5, (50, 6)), rng.integers(0, 5, (50, 6))
    p[:, 0] += 1
    q[:, 0] += 1
    values = dv.jsd(p, q)
    assert values.shape == (50,)
    assert np.allclose(values, dv.jsd(q, p))
    assert ((values >= 0) & (values <= 1)).all()
    assert np.allclose(values, [float(dv.jsd(a, b)) for a, b in zip(p, q)])
    assert np.isnan(dv.jsd(np.array([0, 0]), np.array([1, 0])))


def test_leave_out_hand_example():
    # Group a: speakers (2,0) and (1,1); group b: (0,2) and (1,1); two categories.
    # a1: q_a,-1 = (1/2,1/2), q_b = (1/4,3/4) → ρ = (2/3, 2/5); q_a1 = (1,0) → 2/3
    # a2: q_a,-2 = (1,0) → ρ = (4/5, 0); q_a2 = (1/2,1/2) → 2/5;   mean over a = 8/15
    # b1: q_b,-1 = (1/2,1/2), q_a = (3/4,1/4) → 1−ρ = (2/5, 2/3); q_b1 = (0,1) → 2/3
    # b2: q_b,-2 = (0,1) → 1−ρ = (0, 4/5); q_b2 = (1/2,1/2) → 2/5;   mean over b = 8/15
    a = np.array([[2, 0], [1, 1]])
    b = np.array([[0, 2], [1, 1]])
    assert float(dv.partisanship_leave_out(a, b)) == pytest.approx(8 / 15)
    # Plug-in: q_a = (3/4,1/4), q_b = (1/4,3/4), ρ = (3/4,1/4): ½·10/16 + ½·10/16 = 5/8.
    assert float(dv.partisanship_naive(a.sum(0), b.sum(0))) == pytest.approx(5 / 8)


def test_leave_out_ignores_empty_speakers_and_needs_two_per_group():
    a = np.array([[2, 0], [1, 1], [0, 0]])  # a speaker with no edges does not count
    b = np.array([[0, 2], [1, 1]])
    assert float(dv.partisanship_leave_out(a, b)) == pytest.approx(8 / 15)
    assert np.isnan(dv.partisanship_leave_out(np.array([[2, 0]]), b))


def test_leave_out_batched_equals_one_by_one():
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 4, (7, 5, 6)), rng.integers(0, 4, (7, 4, 6))
    batched = dv.partisanship_leave_out(a, b)
    assert np.allclose(batched, [float(dv.partisanship_leave_out(x, y)) for x, y in zip(a, b)])


def test_small_sample_bias_naive_positive_leave_out_centred_on_null():
    """Two groups drawn from ONE distribution: no true difference (JSD 0, partisanship 0.5).

    The plug-in measures find a difference anyway; the leave-out estimator does not.
    """
    rng = np.random.default_rng(7)
    n_reps, n_categories, n_speakers, m_per_speaker = 400, 12, 15, 4
    q = rng.dirichlet(np.full(n_categories, 2.0))
    a = rng.multinomial(m_per_speaker, q, size=(n_reps, n_speakers))
    b = rng.multinomial(m_per_speaker, q, size=(n_reps, n_speakers))
    naive_jsd = dv.jsd(a.sum(1), b.sum(1))
    naive = dv.partisanship_naive(a.sum(1), b.sum(1))
    leave_out = dv.partisanship_leave_out(a, b)
    se = leave_out.std() / math.sqrt(n_reps)
    assert naive_jsd.mean() > 0.05 and (naive_jsd > 0).all()
    assert naive.mean() - 0.5 > 0.03  # about 50 standard errors above the null
    assert abs(leave_out.mean() - 0.5) < max(0.01, 4 * se)  # measured: 0.498 ± 0.001


def test_leave_out_recovers_a_true_difference_that_naive_overstates():
    rng = np.random.default_rng(7)
    qa = rng.dirichlet(np.full(12, 2.0))
    qb = 0.7 * qa + 0.3 * rng.dirichlet(np.full(12, 2.0))
    truth = float(dv.partisanship_naive(qa, qb))  # population value: 0.505
    a = rng.multinomial(4, qa, size=(400, 15))
    b = rng.multinomial(4, qb, size=(400, 15))
    assert abs(dv.partisanship_leave_out(a, b).mean() - truth) < 0.01
    assert dv.partisanship_naive(a.sum(1), b.sum(1)).mean() - truth > 0.03


# --- bootstrap -------------------------------------------------------------------------------
def synthetic_counts(rng: np.random.Generator, n_docs: int, p: tuple[np.ndarray, np.ndarray],
                     per_doc: int = 3, n_speakers: int = 30) -> dv.Counts:
    """Documents alternate between the groups; each has ``per_doc`` blame edges drawn from its
    group's distribution over blamed side × issue, by one of the group's speakers."""
    group = np.arange(n_docs) % 2
    speaker = group * n_speakers + rng.integers(0, n_speakers, n_docs)
    k = len(SIDES) * len(ISSUES)
    cats = np.stack([rng.choice(k, size=per_doc, p=p[g]) for g in group]).ravel()
    doc = np.repeat(np.arange(n_docs), per_doc)
    ones = np.ones(len(doc))
    return dv.Counts(doc_period=np.array(["2020"] * n_docs, dtype=object), groups=["US", "CN"],
                     sides=SIDES, issues=ISSUES, st_doc=doc, st_group=group[doc],
                     st_issue=cats % 4, st_n=ones, ed_doc=doc, ed_group=group[doc],
                     ed_speaker=speaker[doc], ed_side=cats // 4, ed_issue=cats % 4, ed_n=ones)


def true_values(pa: np.ndarray, pb: np.ndarray) -> dict[str, float]:
    ia, ib = pa.reshape(4, 4).sum(0), pb.reshape(4, 4).sum(0)
    return {"jsd_blamed_issue": float(dv.jsd(pa, pb)), "jsd_issue": float(dv.jsd(ia, ib)),
            "partisanship_leave_out": float(dv.partisanship_naive(pa, pb)),
            "linkage_rate_diff": float(ia[2] / ia[:3].sum() - ib[2] / ib[:3].sum()),
            # a = US blames CN (side index 1); b = CN blames US (side index 0)
            "blame_asymmetry_diff": float(pa.reshape(4, 4)[1].sum() - pb.reshape(4, 4)[0].sum())}


def coverage(n_reps: int, n_docs: int, n_boot: int) -> dict[str, float]:
    base = np.random.default_rng(0)
    pa = base.dirichlet(np.ones(16))
    pb = 0.6 * pa + 0.4 * base.dirichlet(np.ones(16))
    truth = true_values(pa, pb)
    hits = dict.fromkeys(truth, 0)
    for rep in range(n_reps):
        rng = np.random.default_rng(100 + rep)
        data = dv._pair_data(synthetic_counts(rng, n_docs, (pa, pb)), np.arange(n_docs), 0, 1)
        est = dv.estimate(data, n_boot, rng)
        for metric, value in truth.items():
            hits[metric] += est[metric]["ci_low"] <= value <= est[metric]["ci_high"]
    return {metric: n / n_reps for metric, n in hits.items()}


def test_bootstrap_coverage_fast():
    result = coverage(n_reps=40, n_docs=200, n_boot=100)
    assert min(result.values()) >= 0.85, result


@pytest.mark.slow
def test_bootstrap_coverage():
    # Measured (200 replications, 200 documents, 200 draws): 0.91 (jsd_issue) to 0.96.
    result = coverage(n_reps=200, n_docs=200, n_boot=200)
    assert min(result.values()) >= 0.9, result


def test_bootstrap_weights_resample_each_document_set():
    w = dv.bootstrap_weights(np.random.default_rng(0), 50, 7)
    assert w.shape == (50, 7)
    assert (w.sum(axis=1) == 7).all()
    assert (w >= 0).all()


def _rows(**kwargs):
    rng = np.random.default_rng(3)
    base = np.random.default_rng(0)
    p = base.dirichlet(np.ones(16))
    counts = synthetic_counts(rng, 60, (p, p))
    counts.doc_period = np.array(["2020"] * 30 + ["2021"] * 28 + ["undated"] * 2, dtype=object)
    args = dict(n_boot=50, seed=13, ci_level=0.95, min_statements=20, period_unit="year",
                group_by="speaker_side")
    args.update(kwargs)
    return dv.divergence_rows(counts, **args)


def test_rows_are_deterministic_and_cover_every_period_and_metric():
    rows = _rows()
    assert rows == _rows()
    periods = list(dict.fromkeys(r["period"] for r in rows))
    assert periods == ["2020", "2021", "undated", "all"]
    assert len(rows) == 4 * len(dv.METRICS)
    assert {r["metric"] for r in rows} == {m for m, _, _, _ in dv.METRICS}
    for r in rows:
        if r["ci_low"] is not None:
            assert r["ci_low"] <= r["ci_high"]
    other_seed = _rows(seed=14)
    assert [r["ci_low"] for r in other_seed] != [r["ci_low"] for r in rows]


def test_flags_are_explicit():
    rows = {(r["period"], r["metric"]): r for r in _rows(min_statements=40)}
    small = rows[("undated", "jsd_blamed_issue")]
    assert small["n_a"] + small["n_b"] == 6
    assert "few_statements" in small["flag"]
    assert "few_speakers" in rows[("undated", "partisanship_leave_out")]["flag"]
    assert rows[("all", "jsd_blamed_issue")]["flag"] == "ok"  # 90 statements per group
    no_ci = {r["flag"] for r in _rows(n_boot=0, min_statements=1) if r["period"] == "all"}
    assert no_ci == {"no_ci"}


def test_no_documents_no_rows():
    empty = dv.Counts(doc_period=np.array([], dtype=object), groups=["US", "CN"], sides=SIDES,
                      issues=ISSUES, **{k: np.array([], dtype=int) for k in (
                          "st_doc", "st_group", "st_issue", "st_n", "ed_doc", "ed_group",
                          "ed_speaker", "ed_side", "ed_issue", "ed_n")})
    assert dv.divergence_rows(empty, n_boot=10, seed=1, ci_level=0.95, min_statements=1,
                              period_unit="month", group_by="speaker_side") == []


def test_speaker_totals_sparse_and_reduceat_paths_agree():
    rng = np.random.default_rng(4)
    p = np.random.default_rng(0).dirichlet(np.ones(16))
    data = dv._pair_data(synthetic_counts(rng, 50, (p, p)), np.arange(50), 0, 1)
    weights = dv.bootstrap_weights(rng, 9, 50)
    args = (weights, data.spk_doc_a, data.spk_idx_a, data.spk_counts_a, data.n_docs)
    sparse_path = dv._speaker_totals(*args, cache={})
    reduceat_path = dv._speaker_totals(*args, cache=None)
    assert sparse_path.shape == (9, len(np.unique(data.spk_idx_a)), 16)
    assert np.allclose(sparse_path, reduceat_path)
    assert np.allclose(sparse_path.sum(axis=1), weights @ data.edges_a)
