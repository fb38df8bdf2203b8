"""Narrative divergence between groups of speakers, with honest uncertainty.

For each period and each pair of groups (by default US-side vs CN-side speakers,
``divergence.groups``) :func:`divergence_rows` reports, as rows of ``divergence.parquet``:

- ``jsd_blamed_issue``: Jensen–Shannon divergence (base 2, in [0, 1]) between the two groups'
  blame edges distributed over blamed side × issue; ``jsd_issue``: the same over issue alone;
  ``jsd_statement_issue``: the same over the issues of all their statements (blame or not).
- ``partisanship_leave_out``: the leave-out estimator of Gentzkow, Shapiro & Taddy (2019,
  "Measuring group differences in high-dimensional choices: method and application to
  congressional speech", *Econometrica* 87(4), 1307–1340, eq. for π̂^LO), computed over speakers
  with their blame edges' blamed side × issue as the "phrases"; ``partisanship_naive``: the
  plug-in (maximum-likelihood) estimate of the same quantity, kept to show the small-sample bias.
  Both are the probability that a neutral observer who knows the two groups' frequencies guesses
  a speaker's group right from one blame edge: 0.5 means no difference.
- ``linkage_rate_a`` / ``_b`` / ``_diff``: share of a group's trade, technology and linked blame
  edges that are ``linked``, and a − b.
- ``blame_asymmetry_a`` / ``_b`` / ``_diff``: share of a group's blame edges that blame the
  other group of the pair (for a: blamed side == b), and a − b.

Uncertainty: a nonparametric bootstrap that resamples **documents** (the unit that is sampled
when a corpus is collected; statements of one document are not independent) within the period,
``divergence.n_boot`` draws, seeded from ``seed`` and the period and pair, so the numbers are
deterministic. ``ci_low``/``ci_high`` are basic (reverse-percentile) intervals, clipped to the
metric's range: the plug-in JSD is biased upward in small samples, and the basic interval
corrects that first-order bias where the plain percentile interval doubles it
(Davison & Hinkley 1997, §5.2; measured in ``tests/test_divergence.py``).
Rows are never dropped: a row whose groups have too few statements is still written, with
``flag`` saying why it should not be read as a finding. The full definitions are in
``docs/divergence.md``.
"""
from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

logger = logging.getLogger(__name__)

ALL_PERIODS = "all"
UNDATED = "undated"
LINKAGE_ISSUES = ("trade", "technology", "linked")
# (metric, unit, lower bound, upper bound) in the order rows are written.
METRICS: tuple[tuple[str, str, float, float], ...] = (
    ("jsd_blamed_issue", "edges", 0.0, 1.0),
    ("jsd_issue", "edges", 0.0, 1.0),
    ("jsd_statement_issue", "statements", 0.0, 1.0),
    ("partisanship_leave_out", "speakers", 0.0, 1.0),
    ("partisanship_naive", "speakers", 0.0, 1.0),
    ("linkage_rate_a", "trade_tech_edges", 0.0, 1.0),
    ("linkage_rate_b", "trade_tech_edges", 0.0, 1.0),
    ("linkage_rate_diff", "trade_tech_edges", -1.0, 1.0),
    ("blame_asymmetry_a", "edges", 0.0, 1.0),
    ("blame_asymmetry_b", "edges", 0.0, 1.0),
    ("blame_asymmetry_diff", "edges", -1.0, 1.0),
)
# Elements held at once by one block of bootstrap draws (bounds memory on large corpora).
_BLOCK_ELEMENTS = 1_000_000


# --- statistics (vectorized over a leading batch axis) ---------------------------------------
def _normalize(counts: np.ndarray) -> np.ndarray:
    total = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, counts / np.where(total > 0, total, 1), np.nan)


def _kl_to(p: np.ndarray, m: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1) / np.where(m > 0, m, 1)), 0.0)
    return terms.sum(axis=-1)


def jsd(p_counts: np.ndarray, q_counts: np.ndarray) -> np.ndarray:
    """Jensen–Shannon divergence, base 2, between count (or probability) vectors.

    Works on the last axis, broadcasting over the others; NaN where either side is all zeros.

    >>> float(jsd(np.array([1, 0]), np.array([0, 1])))
    1.0
    >>> round(float(jsd(np.array([1, 1]), np.array([1, 0]))), 6)
    0.311278
    """
    p = _normalize(np.asarray(p_counts, dtype=float))
    q = _normalize(np.asarray(q_counts, dtype=float))
    m = (p + q) / 2
    value = 0.5 * _kl_to(p, m) + 0.5 * _kl_to(q, m)
    undefined = np.isnan(p).any(axis=-1) | np.isnan(q).any(axis=-1)
    return np.where(undefined, np.nan, np.clip(value, 0.0, 1.0))


def partisanship_naive(totals_a: np.ndarray, totals_b: np.ndarray) -> np.ndarray:
    """Plug-in estimate of average partisanship from pooled counts (GST 2019, π̂^MLE).

    π = ½ q_a·ρ + ½ q_b·(1 − ρ), ρ = q_a ⊘ (q_a + q_b), with q_g the pooled frequencies.
    Biased upward in small samples: two samples of one distribution score above 0.5.

    >>> float(partisanship_naive(np.array([3, 1]), np.array([1, 3])))
    0.625
    """
    qa = _normalize(np.asarray(totals_a, dtype=float))
    qb = _normalize(np.asarray(totals_b, dtype=float))
    denom = qa + qb
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(denom > 0, qa / np.where(denom > 0, denom, 1), 0.5)
    return 0.5 * (qa * rho).sum(axis=-1) + 0.5 * (qb * (1 - rho)).sum(axis=-1)


def _leave_out_side(own: np.ndarray, other_totals: np.ndarray, own_is_a: bool) -> np.ndarray:
    """Mean over one group's speakers of q_i · ρ_{-i} (group a) or q_i · (1 − ρ_{-i}) (b)."""
    m_i = own.sum(axis=-1)  # (B, n)
    totals = own.sum(axis=-2)  # (B, K)
    rest = totals[..., None, :] - own  # the group without speaker i
    m_rest = rest.sum(axis=-1)
    q_other = _normalize(other_totals)[..., None, :]  # (B, 1, K)
    with np.errstate(invalid="ignore", divide="ignore"):
        q_rest = rest / np.where(m_rest > 0, m_rest, 1)[..., None]
        q_i = own / np.where(m_i > 0, m_i, 1)[..., None]
        if own_is_a:
            denom = q_rest + q_other
            rho = np.where(denom > 0, q_rest / np.where(denom > 0, denom, 1), 0.5)
            per_speaker = (q_i * rho).sum(axis=-1)
        else:
            denom = q_other + q_rest
            rho = np.where(denom > 0, q_other / np.where(denom > 0, denom, 1), 0.5)
            per_speaker = (q_i * (1 - rho)).sum(axis=-1)
    valid = (m_i > 0) & (m_rest > 0)
    n_valid = valid.sum(axis=-1)
    total = np.where(valid, per_speaker, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_valid > 0, total / np.where(n_valid > 0, n_valid, 1), np.nan)


def partisanship_leave_out(speakers_a: np.ndarray, speakers_b: np.ndarray) -> np.ndarray:
    """Leave-out estimator of average partisanship (Gentzkow, Shapiro & Taddy 2019, π̂^LO).

    ``speakers_a``: counts per speaker of group a, shape (..., n_a, K); same for b.

    π̂^LO = ½ (1/|A|) Σ_{i∈A} q̂_i · ρ̂_{−i} + ½ (1/|B|) Σ_{i∈B} q̂_i · (1 − ρ̂_{−i}),
    ρ̂_{−i} = q̂^a_{−i} ⊘ (q̂^a_{−i} + q̂^b_{−i}), where q̂_i = c_i / m_i is speaker i's own
    frequency vector and q̂^g_{−i} the pooled frequencies of group g without speaker i (for a
    speaker of a, q̂^b_{−i} = q̂^b). Leaving i out makes q̂_i independent of the ρ̂ it is scored
    against, which removes the small-sample bias of the plug-in estimate; 0.5 is the null.
    Speakers with no counts, or alone in their group, are left out of the averages (NaN if none
    is left). Where a category has no mass in either pooled vector, ρ̂ is 0.5.

    >>> a = np.array([[2, 0], [1, 1]]); b = np.array([[0, 2], [1, 1]])
    >>> round(float(partisanship_leave_out(a, b)), 6)  # = 8/15, see tests
    0.533333
    """
    ca = np.asarray(speakers_a, dtype=float)
    cb = np.asarray(speakers_b, dtype=float)
    term_a = _leave_out_side(ca, cb.sum(axis=-2), own_is_a=True)
    term_b = _leave_out_side(cb, ca.sum(axis=-2), own_is_a=False)
    return 0.5 * term_a + 0.5 * term_b


# --- data of one period × pair ------------------------------------------------------------
@dataclass
class PairData:
    """Per-document counts of one period for the two groups of a pair.

    ``stmts_*``: (n_docs, n_issues) statement counts by issue; ``edges_*``: (n_docs, K) blame
    edges by blamed side × issue (index ``side * n_issues + issue``); ``spk_*``: one row per
    (speaker, document) with the document's index, the speaker's index (rows sorted by speaker)
    and the rows' (rows, K) counts. The counts are sparse matrices (dense arrays work too, with
    the same results): dense, they grew by n_docs × K floats per group, period and pair.
    """

    stmts_a: Any
    stmts_b: Any
    edges_a: Any
    edges_b: Any
    spk_doc_a: np.ndarray
    spk_idx_a: np.ndarray
    spk_counts_a: Any
    spk_doc_b: np.ndarray
    spk_idx_b: np.ndarray
    spk_counts_b: Any
    n_sides: int
    n_issues: int
    side_of_b: int  # index, among blamed sides, of group b (asymmetry of a); -1 if not a side
    side_of_a: int
    linkage_issues: tuple[int, ...]  # indices of trade, technology, linked
    linked_issue: int
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_docs(self) -> int:
        return self.stmts_a.shape[0]


def _speaker_totals(weights: np.ndarray, docs: np.ndarray, idx: np.ndarray,
                    counts: np.ndarray, n_docs: int, cache: dict | None = None) -> np.ndarray:
    """Per-speaker counts under document weights: (B, n_speakers, K).

    Speaker s's count of category k under weights w is Σ_rows-of-s w[doc] · c[row, k]: a
    product of the weights with a sparse (documents × speakers·K) matrix, built once per pair
    and period. Without scipy, the same sums come from np.add.reduceat (slower).
    """
    n_draws, k = weights.shape[0], counts.shape[1]
    if len(idx) == 0:
        return np.zeros((n_draws, 0, k))
    n_speakers = int(idx[-1]) + 1
    try:
        from scipy import sparse
    except ImportError:  # scipy comes with scikit-learn; keep working without it
        sparse = None
    if sparse is None or cache is None:
        starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
        # Rows first: reduceat over the leading, contiguous axis is several times faster.
        dense = counts if isinstance(counts, np.ndarray) else counts.toarray()
        contributions = weights.T[docs][:, :, None] * dense[:, None, :]  # (R, B, K)
        return np.add.reduceat(contributions, starts, axis=0).transpose(1, 0, 2)
    key = id(counts)
    if key not in cache:
        if isinstance(counts, np.ndarray):
            rows, cats = np.nonzero(counts)
            values = counts[rows, cats]
        else:
            coo = counts.tocoo()
            rows, cats, values = coo.row, coo.col, coo.data
        cache[key] = sparse.csr_matrix(
            (values, (idx[rows] * k + cats, docs[rows])),
            shape=(n_speakers * k, n_docs))
    return np.asarray(cache[key] @ weights.T).T.reshape(n_draws, n_speakers, k)


def _metric_values(d: PairData, weights: np.ndarray) -> dict[str, np.ndarray]:
    """Every metric for each row of document weights (B, n_docs): {metric: (B,)}."""
    sa, sb = _weighted(weights, d.stmts_a), _weighted(weights, d.stmts_b)
    ea, eb = _weighted(weights, d.edges_a), _weighted(weights, d.edges_b)
    ca = _speaker_totals(weights, d.spk_doc_a, d.spk_idx_a, d.spk_counts_a, d.n_docs, d.cache)
    cb = _speaker_totals(weights, d.spk_doc_b, d.spk_idx_b, d.spk_counts_b, d.n_docs, d.cache)
    n_draws = weights.shape[0]
    ia = ea.reshape(n_draws, d.n_sides, d.n_issues).sum(axis=1)
    ib = eb.reshape(n_draws, d.n_sides, d.n_issues).sum(axis=1)
    out = {
        "jsd_blamed_issue": jsd(ea, eb),
        "jsd_issue": jsd(ia, ib),
        "jsd_statement_issue": jsd(sa, sb),
        "partisanship_leave_out": partisanship_leave_out(ca, cb),
        "partisanship_naive": partisanship_naive(ea, eb),
    }
    link = list(d.linkage_issues)
    with np.errstate(invalid="ignore", divide="ignore"):
        la = ia[:, d.linked_issue] / ia[:, link].sum(axis=1)
        lb = ib[:, d.linked_issue] / ib[:, link].sum(axis=1)

        def blaming(edges: np.ndarray, side: int) -> np.ndarray:
            if side < 0:
                return np.zeros(n_draws)
            return edges.reshape(n_draws, d.n_sides, d.n_issues)[:, side, :].sum(axis=1)

        aa = blaming(ea, d.side_of_b) / ea.sum(axis=1)
        ab = blaming(eb, d.side_of_a) / eb.sum(axis=1)
    out.update(linkage_rate_a=la, linkage_rate_b=lb, linkage_rate_diff=la - lb,
               blame_asymmetry_a=aa, blame_asymmetry_b=ab, blame_asymmetry_diff=aa - ab)
    return out


def _weighted(weights: np.ndarray, counts: Any) -> np.ndarray:
    """``weights @ counts`` for (B, n_docs) weights and (n_docs, K) counts, dense or sparse."""
    if isinstance(counts, np.ndarray):
        return weights @ counts
    # C order, as weights @ dense is: the metrics' sums along a row then add in the same order.
    return np.ascontiguousarray((counts.T @ weights.T).T)


def _units(d: PairData) -> dict[str, tuple[int, int]]:
    ia = np.asarray(d.edges_a.sum(axis=0)).reshape(d.n_sides, d.n_issues).sum(axis=0)
    ib = np.asarray(d.edges_b.sum(axis=0)).reshape(d.n_sides, d.n_issues).sum(axis=0)
    link = list(d.linkage_issues)
    edges = (int(d.edges_a.sum()), int(d.edges_b.sum()))
    linkage = (int(ia[link].sum()), int(ib[link].sum()))
    speakers = (len(np.unique(d.spk_idx_a)), len(np.unique(d.spk_idx_b)))
    units = {"edges": edges, "trade_tech_edges": linkage, "speakers": speakers,
             "statements": (int(d.stmts_a.sum()), int(d.stmts_b.sum()))}
    return {metric: units[unit] for metric, unit, _, _ in METRICS}


def bootstrap_weights(rng: np.random.Generator, n_draws: int, n_docs: int) -> np.ndarray:
    """(n_draws, n_docs) counts of each document in a resample of n_docs with replacement."""
    picks = rng.integers(0, n_docs, size=(n_draws, n_docs))
    # Row by row into the result: besides the picks, one (n_draws, n_docs) array, where
    # offsets + ravel + bincount + astype held four.
    weights = np.empty((n_draws, n_docs))
    for row, pick in enumerate(picks):
        weights[row] = np.bincount(pick, minlength=n_docs)
    return weights


def estimate(d: PairData, n_boot: int, rng: np.random.Generator,
             ci_level: float = 0.95) -> dict[str, dict[str, Any]]:
    """Point estimates, bootstrap intervals and the number of usable draws of every metric."""
    point = _metric_values(d, np.ones((1, d.n_docs)))
    draws: dict[str, list[np.ndarray]] = {m: [] for m, _, _, _ in METRICS}
    if n_boot > 0 and d.n_docs > 0:
        width = max(d.n_docs, len(d.spk_idx_a) * d.edges_a.shape[1],
                    len(d.spk_idx_b) * d.edges_b.shape[1], 1)
        block = max(1, min(n_boot, _BLOCK_ELEMENTS // width))
        done = 0
        while done < n_boot:
            size = min(block, n_boot - done)
            values = _metric_values(d, bootstrap_weights(rng, size, d.n_docs))
            for metric in draws:
                draws[metric].append(values[metric])
            done += size
    alpha = (1 - ci_level) / 2
    result: dict[str, dict[str, Any]] = {}
    for metric, _, low, high in METRICS:
        value = float(point[metric][0])
        sample = np.concatenate(draws[metric]) if draws[metric] else np.empty(0)
        finite = sample[np.isfinite(sample)]
        ci_low = ci_high = float("nan")
        if np.isfinite(value) and len(finite) >= 2:
            q_low, q_high = np.quantile(finite, [alpha, 1 - alpha])
            # Basic bootstrap interval: [2θ̂ − q_high, 2θ̂ − q_low].
            ci_low = float(np.clip(2 * value - q_high, low, high))
            ci_high = float(np.clip(2 * value - q_low, low, high))
        result[metric] = {"value": value, "ci_low": ci_low, "ci_high": ci_high,
                          "n_boot": int(len(finite)), "n_requested": int(len(sample))}
    return result


# --- building PairData from long-format counts ----------------------------------------------
@dataclass
class Counts:
    """Long-format counts over the whole corpus, as read from a run folder.

    Documents: ``doc_period`` (period label per document index). Statements: parallel arrays
    ``st_doc``, ``st_group``, ``st_issue``, ``st_n``. Blame edges: ``ed_doc``, ``ed_group``,
    ``ed_speaker`` (speaker index, unique across groups), ``ed_side``, ``ed_issue``, ``ed_n``.
    Group, side and issue values are indices into ``groups``, ``sides`` and ``issues``.
    """

    doc_period: np.ndarray
    groups: list[str]
    sides: list[str]
    issues: list[str]
    st_doc: np.ndarray
    st_group: np.ndarray
    st_issue: np.ndarray
    st_n: np.ndarray
    ed_doc: np.ndarray
    ed_group: np.ndarray
    ed_speaker: np.ndarray
    ed_side: np.ndarray
    ed_issue: np.ndarray
    ed_n: np.ndarray


def _pair_data(c: Counts, docs: np.ndarray, a: int, b: int) -> PairData:
    from scipy import sparse  # a dependency of scikit-learn

    n_docs, n_sides, n_issues = len(docs), len(c.sides), len(c.issues)
    k = n_sides * n_issues
    local = np.full(len(c.doc_period), -1)
    local[docs] = np.arange(n_docs)

    def per_doc(doc: np.ndarray, cat: np.ndarray, n: np.ndarray, width: int) -> Any:
        # Sparse (n_docs, width) counts: a document has a few of the categories, and a dense
        # array would grow by n_docs x width floats per group and period. Duplicates are
        # summed; the counts are whole numbers, so every product with document weights is
        # exact and equals the dense one bit for bit.
        return sparse.csr_matrix((n, (doc, cat)), shape=(n_docs, width))

    def stmts(g: int) -> Any:
        mask = (c.st_group == g) & (local[c.st_doc] >= 0)
        return per_doc(local[c.st_doc[mask]], c.st_issue[mask], c.st_n[mask], n_issues)

    def edges(g: int) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
        mask = (c.ed_group == g) & (local[c.ed_doc] >= 0)
        doc, cat = local[c.ed_doc[mask]], c.ed_side[mask] * n_issues + c.ed_issue[mask]
        out = per_doc(doc, cat, c.ed_n[mask], k)
        spk = c.ed_speaker[mask]
        if len(spk) == 0:
            return (out, np.zeros(0, dtype=int), np.zeros(0, dtype=int),
                    sparse.csr_matrix((0, k)))
        # One row per (speaker, document), sorted by speaker, then compact speaker indices.
        keys, inverse = np.unique(np.stack([spk, doc]), axis=1, return_inverse=True)
        rows = sparse.csr_matrix((c.ed_n[mask], (inverse.ravel(), cat)),
                                 shape=(keys.shape[1], k))  # sparse, as per_doc
        _, spk_idx = np.unique(keys[0], return_inverse=True)
        return out, keys[1].astype(int), spk_idx.ravel(), rows

    ea, doc_a, idx_a, rows_a = edges(a)
    eb, doc_b, idx_b, rows_b = edges(b)
    side_index = {s: i for i, s in enumerate(c.sides)}
    return PairData(
        stmts_a=stmts(a), stmts_b=stmts(b), edges_a=ea, edges_b=eb,
        spk_doc_a=doc_a, spk_idx_a=idx_a, spk_counts_a=rows_a,
        spk_doc_b=doc_b, spk_idx_b=idx_b, spk_counts_b=rows_b,
        n_sides=n_sides, n_issues=n_issues,
        side_of_b=side_index.get(c.groups[b], -1), side_of_a=side_index.get(c.groups[a], -1),
        linkage_issues=tuple(c.issues.index(i) for i in LINKAGE_ISSUES),
        linked_issue=c.issues.index("linked"))


def _period_order(periods: Sequence[str]) -> list[str]:
    dated = sorted(p for p in set(periods) if p not in (UNDATED, ALL_PERIODS))
    return dated + ([UNDATED] if UNDATED in periods else [])


def _rng(seed: int, period: str, a: str, b: str) -> np.random.Generator:
    # Seeded per period and pair, so adding a period elsewhere changes no other row.
    return np.random.default_rng([seed, zlib.crc32(f"{period}|{a}|{b}".encode("utf8"))])


def divergence_rows(c: Counts, *, n_boot: int, seed: int, ci_level: float,
                    min_statements: int, period_unit: str, group_by: str) -> list[dict[str, Any]]:
    """One row per period (each dated period, ``undated``, and ``all``) × pair × metric.

    ``flag`` is ``ok`` or a ``;``-joined list of: ``few_statements`` (a group has fewer than
    ``min_statements`` statements in the period), ``no_data`` (the metric is undefined: a group
    has no units of the kind it needs), ``few_speakers`` (a partisanship estimate where a group
    has fewer than two speakers with blame edges), ``ci_partial`` (some bootstrap draws left
    the metric undefined; the interval uses the others), ``no_ci`` (no interval: n_boot = 0 or
    fewer than two usable draws).
    """
    rows: list[dict[str, Any]] = []
    periods = [(p, np.flatnonzero(c.doc_period == p)) for p in _period_order(list(c.doc_period))]
    if len(c.doc_period):  # no documents, no rows: an empty run gives an empty typed file
        periods.append((ALL_PERIODS, np.arange(len(c.doc_period))))
    pairs = [(i, j) for i in range(len(c.groups)) for j in range(i + 1, len(c.groups))]
    for period, docs in periods:
        for a, b in pairs:
            side_a, side_b = c.groups[a], c.groups[b]
            data = _pair_data(c, docs, a, b)
            stats = estimate(data, n_boot, _rng(seed, period, side_a, side_b), ci_level)
            units = _units(data)
            n_a, n_b = int(data.stmts_a.sum()), int(data.stmts_b.sum())
            for metric, unit, _, _ in METRICS:
                s = stats[metric]
                flags = []
                if min(n_a, n_b) < min_statements:
                    flags.append("few_statements")
                if not np.isfinite(s["value"]):
                    flags.append("no_data")
                if unit == "speakers" and min(units[metric]) < 2:
                    flags.append("few_speakers")
                if np.isfinite(s["value"]):
                    if not np.isfinite(s["ci_low"]):
                        flags.append("no_ci")
                    elif s["n_boot"] < s["n_requested"]:
                        flags.append("ci_partial")
                rows.append({
                    "period_unit": period_unit, "period": period, "group_by": group_by,
                    "side_a": side_a, "side_b": side_b, "metric": metric,
                    "value": _finite(s["value"]), "ci_low": _finite(s["ci_low"]),
                    "ci_high": _finite(s["ci_high"]), "n_a": n_a, "n_b": n_b, "unit": unit,
                    "n_units_a": units[metric][0], "n_units_b": units[metric][1],
                    "n_docs": data.n_docs, "n_boot": s["n_boot"],
                    "flag": ";".join(flags) or "ok",
                })
    return rows


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None
