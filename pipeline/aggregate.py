"""Aggregates of a finished run: counts and shares, each traceable to its statements.

:func:`aggregate` reads ``documents``, ``statements``, ``blame`` and ``stance`` Parquet files of a
run folder with DuckDB (which streams them; nothing is loaded whole into Python) and returns the
rows of ``aggregates.parquet``. :func:`finalize` writes that file and ``divergence.parquet``
atomically; the runner calls it once the other files are committed.

Every row is one ``measure`` × grouping (``group_by``, ``group_value``) × ``period`` × cell, with
``share = n / n_total``:

============  ==========================================  ===================================
measure       n (numerator), cell                          n_total (denominator)
============  ==========================================  ===================================
statements    statements with this ``issue``               all statements of the group and
                                                           period
blame         blame edges with this ``blamer_side`` →      all blame edges of the group and
              ``blamed_side`` and ``issue``                period
stance        stance rows toward ``target_side`` with      all stance rows of the group and
              this ``stance``                              period toward ``target_side``
linkage       ``linked`` blame edges                       trade + technology + linked blame
                                                           edges of the group and period
                                                           (the linkage rate)
============  ==========================================  ===================================

``statement_ids`` (sorted, distinct) are the statements behind ``n`` for statements, blame and
stance rows, and behind ``n_total`` for linkage rows (the linked ones among them have a
``linked`` edge), so any number can be recomputed from ``statements.parquet``/``blame.parquet``;
``n_statements`` is their count and ``n_edges`` the blame edges behind the row (blame and
linkage rows). A blame edge or stance row belongs to the group of the statement it comes from.

Groupings (``aggregate.groups``): ``all`` (one group, ``all``), ``speaker_side``,
``speaker_role``, ``speaker``, ``outlet``, ``country`` (the outlet's side from
``documents.country``), ``kind`` (direct, indirect, mixed, author) and ``voice`` (``quoted``:
direct, indirect or mixed speech attributed to a speaker; ``authorial``: the outlet's own
voice). ``a+b`` crosses two groupings; its group values are joined with ``|``. Missing values
become ``UNKNOWN`` (sides), ``unknown`` (roles) or ``(none)``.

Periods (``aggregate.period``) come from ``documents.date``: ``2024-03-05`` (day), ``2024-W10``
(ISO week), ``2024-03`` (month), ``2024-Q1`` (quarter), ``2024`` (year); documents without a
date fall in ``undated``, and every grouping also has the period ``all`` (whole corpus).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import schema
from .config import ISSUES, SPECIAL_SIDES, LoadedConfig
from .divergence import Counts, divergence_rows
from .errors import BlamegraphError, Errors

logger = logging.getLogger(__name__)

AGGREGATES_FILE = "aggregates.parquet"
DIVERGENCE_FILE = "divergence.parquet"
INPUTS = {"documents": schema.DOCUMENTS, "statements": schema.STATEMENTS,
          "blame": schema.BLAME, "stance": schema.STANCE}
REQUIRED = ("documents", "statements")  # blame and stance may be absent: a run without models
# Columns aggregation reads from each input (checked up front for a clear error).
_NEEDED = {
    "documents": ("doc_id", "outlet", "country", "date"),
    "statements": ("doc_id", "statement_id", "kind", "speaker", "speaker_role", "speaker_side",
                   "issue"),
    "blame": ("doc_id", "statement_id", "blamer", "blamer_side", "blamed_side", "issue"),
    "stance": ("doc_id", "statement_id", "target_side", "stance"),
}
_TMP_PREFIX = ".tmp-"
METADATA_KEY = b"blamegraph.aggregate"

_GROUP_SQL = {
    "all": "'all'",
    "speaker_side": "coalesce(speaker_side, 'UNKNOWN')",
    "speaker_role": "coalesce(speaker_role, 'unknown')",
    "speaker": "coalesce(speaker, '(none)')",
    "outlet": "coalesce(outlet, '(none)')",
    "country": "coalesce(country, 'UNKNOWN')",
    "kind": "coalesce(kind, '(none)')",
    "voice": "CASE WHEN kind = 'author' THEN 'authorial' WHEN kind IS NULL THEN '(none)' "
             "ELSE 'quoted' END",
}
_PERIOD_SQL = {
    "day": "strftime(date, '%Y-%m-%d')",
    "week": "strftime(date, '%G-W%V')",
    "month": "strftime(date, '%Y-%m')",
    "quarter": "CAST(year(date) AS VARCHAR) || '-Q' || CAST(quarter(date) AS VARCHAR)",
    "year": "CAST(year(date) AS VARCHAR)",
}


def group_sql(grouping: str) -> str:
    """SQL expression of a grouping over the joined statement columns ('a+b' crosses two)."""
    parts = [_GROUP_SQL[part] for part in grouping.split("+")]
    return parts[0] if len(parts) == 1 else f"concat_ws('|', {', '.join(parts)})"


def period_sql(unit: str) -> str:
    """SQL expression of the period label of ``date`` (``undated`` when null)."""
    return f"coalesce({_PERIOD_SQL[unit]}, 'undated')"


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def connect_run(out_dir: Path) -> Any:
    """A DuckDB connection with the run's inputs as views, plus joined helper views.

    ``st``: statements with their document's outlet, country and date. ``bl``: blame edges with
    their statement's grouping columns (the blamer's when the statement is missing) and
    ``edge_issue``. ``sn``: stance rows with their statement's grouping columns.
    """
    import duckdb

    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise BlamegraphError(Errors.E070.format(path=out_dir))
    con = duckdb.connect()
    for name, arrow_schema in INPUTS.items():
        path = out_dir / f"{name}.parquet"
        if not path.exists():
            if name in REQUIRED:
                raise BlamegraphError(Errors.E071.format(path=out_dir, name=path.name))
            con.register(f"_empty_{name}", arrow_schema.empty_table())
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM _empty_{name}").fetchall()
            continue
        present = set(pq.read_schema(path).names)
        missing = [c for c in _NEEDED[name] if c not in present]
        if missing:
            raise BlamegraphError(Errors.E075.format(path=path, missing=", ".join(missing)))
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_quote(path)})")\
            .fetchall()
    con.execute("""
        CREATE VIEW st AS
        SELECT s.statement_id, s.doc_id, s.kind, s.speaker, s.speaker_role, s.speaker_side,
               s.issue, d.outlet, d.country, d.date
        FROM statements s LEFT JOIN documents d ON s.doc_id = d.doc_id""").fetchall()
    con.execute("""
        CREATE VIEW bl AS
        SELECT b.statement_id, b.doc_id, s.kind, coalesce(s.speaker, b.blamer) AS speaker,
               s.speaker_role, coalesce(s.speaker_side, b.blamer_side) AS speaker_side,
               d.outlet, d.country, d.date, b.blamer_side, b.blamed_side,
               b.issue AS edge_issue
        FROM blame b LEFT JOIN statements s ON b.statement_id = s.statement_id
        LEFT JOIN documents d ON b.doc_id = d.doc_id""").fetchall()
    con.execute("""
        CREATE VIEW sn AS
        SELECT t.statement_id, t.doc_id, s.kind, s.speaker, s.speaker_role, s.speaker_side,
               d.outlet, d.country, d.date, t.target_side, t.stance
        FROM stance t LEFT JOIN statements s ON t.statement_id = s.statement_id
        LEFT JOIN documents d ON t.doc_id = d.doc_id""").fetchall()
    return con


_KEY_ORDER = ("measure, group_value, period, blamer_side NULLS FIRST, blamed_side NULLS FIRST, "
              "issue NULLS FIRST, target_side NULLS FIRST, stance NULLS FIRST")
_KEYS = ("measure", "group_value", "period", "blamer_side", "blamed_side", "issue",
         "target_side", "stance")


def _inputs_sql(grouping: str, unit: str) -> str:
    """The CTEs every aggregate query starts from: statements (s2), blame edges (b2) and
    stance rows (t2) with their group and period, each once more under the period 'all'."""
    g, p = group_sql(grouping), period_sql(unit)
    return f"""
    s AS (SELECT {g} AS grp, {p} AS period, statement_id,
                 coalesce(issue, 'other') AS issue FROM st),
    s2 AS (SELECT * FROM s UNION ALL SELECT grp, 'all', statement_id, issue FROM s),
    b AS (SELECT {g} AS grp, {p} AS period, statement_id,
                 coalesce(blamer_side, 'UNKNOWN') AS blamer_side,
                 coalesce(blamed_side, 'UNKNOWN') AS blamed_side,
                 coalesce(edge_issue, 'other') AS issue FROM bl),
    b2 AS (SELECT * FROM b
           UNION ALL SELECT grp, 'all', statement_id, blamer_side, blamed_side, issue FROM b),
    t AS (SELECT {g} AS grp, {p} AS period, statement_id,
                 coalesce(target_side, 'UNKNOWN') AS target_side,
                 coalesce(stance, 'none') AS stance FROM sn),
    t2 AS (SELECT * FROM t UNION ALL SELECT grp, 'all', statement_id, target_side, stance FROM t)
    """


def _aggregate_sql(grouping: str, unit: str, ids: bool = True) -> str:
    """The rows of one grouping in file order; without ``statement_ids`` when ``ids`` is
    false (the counts alone: one small row per cell, however large the corpus)."""
    def id_list(distinct: bool) -> str:
        if not ids:
            return ""
        return (", list_sort(list_distinct(list(statement_id))) AS ids" if distinct
                else ", list(statement_id ORDER BY statement_id) AS ids")
    rid = ", ids" if ids else ""
    # Without ids, n_statements of blame, stance and linkage rows (distinct statements) is left
    # null here: it is the length of the row's list, filled in as the list is built.
    distinct = ("count(DISTINCT statement_id)" if ids else "NULL::BIGINT") + " AS n_statements"
    return f"""
    WITH {_inputs_sql(grouping, unit)},
    sc AS (SELECT grp, period, issue, count(*) AS n{id_list(False)}
           FROM s2 GROUP BY grp, period, issue),
    bc AS (SELECT grp, period, blamer_side, blamed_side, issue, count(*) AS n,
                  {distinct}{id_list(True)}
           FROM b2 GROUP BY grp, period, blamer_side, blamed_side, issue),
    lc AS (SELECT grp, period, count_if(issue = 'linked') AS n, count(*) AS n_total,
                  {distinct}{id_list(True)}
           FROM b2 WHERE issue IN ('trade', 'technology', 'linked') GROUP BY grp, period),
    tc AS (SELECT grp, period, target_side, stance, count(*) AS n,
                  {distinct}{id_list(True)}
           FROM t2 GROUP BY grp, period, target_side, stance),
    rows AS (
      SELECT 'statements' AS measure, grp, period, NULL::VARCHAR AS blamer_side,
             NULL::VARCHAR AS blamed_side, issue, NULL::VARCHAR AS target_side,
             NULL::VARCHAR AS stance, n AS n_statements, NULL::BIGINT AS n_edges, n,
             sum(n) OVER (PARTITION BY grp, period) AS n_total{rid}
      FROM sc
      UNION ALL
      SELECT 'blame', grp, period, blamer_side, blamed_side, issue, NULL, NULL, n_statements,
             n, n, sum(n) OVER (PARTITION BY grp, period){rid}
      FROM bc
      UNION ALL
      SELECT 'stance', grp, period, NULL, NULL, NULL, target_side, stance, n_statements, NULL,
             n, sum(n) OVER (PARTITION BY grp, period, target_side){rid}
      FROM tc
      UNION ALL
      SELECT 'linkage', grp, period, NULL, NULL, NULL, NULL, NULL, n_statements, n_total, n,
             n_total{rid}
      FROM lc)
    SELECT measure, '{grouping}' AS group_by, grp AS group_value, '{unit}' AS period_unit,
           period, blamer_side, blamed_side, issue, target_side, stance,
           n_statements::BIGINT AS n_statements, n_edges::BIGINT AS n_edges, n::BIGINT AS n,
           n_total::BIGINT AS n_total, n::DOUBLE / n_total AS share
           {", ids AS statement_ids" if ids else ""}
    FROM rows
    ORDER BY {_KEY_ORDER}
    """


def _members_sql(grouping: str, unit: str, keys_table: str, first: int, last: int) -> str:
    """``(ord, statement_id)``: the statements behind rows ``first`` to ``last`` of
    ``keys_table`` (the rows of :func:`_aggregate_sql` without ids, numbered ``ord`` in file
    order), sorted by row and id as the rows' ``statement_ids`` lists are; for blame, stance
    and linkage rows without null ids, but with repeats (a statement with two edges in one
    cell), which the reader drops. A scan, a join with a small table and a sort of one slice
    of rows: the lists and distinct counts of :func:`_aggregate_sql` are built in memory."""
    on = " AND ".join(f"m.{k} IS NOT DISTINCT FROM k.{k}" for k in _KEYS)
    g, p = group_sql(grouping), period_sql(unit)
    # Each input is scanned once and its rows doubled by a cross join (period, and 'all';
    # blame edges also as linkage), not through CTEs used twice, which DuckDB materializes.
    period = f"CASE WHEN a.whole THEN 'all' ELSE {p} END"
    both = "CROSS JOIN (VALUES (false), (true)) a(whole)"
    linked = "('trade', 'technology', 'linked')"
    return f"""
    WITH m AS (
      SELECT 'statements' AS measure, {g} AS group_value, {period} AS period,
             NULL::VARCHAR AS blamer_side, NULL::VARCHAR AS blamed_side,
             coalesce(issue, 'other') AS issue, NULL::VARCHAR AS target_side,
             NULL::VARCHAR AS stance, statement_id
      FROM st {both}
      UNION ALL
      SELECT CASE WHEN x.link THEN 'linkage' ELSE 'blame' END, {g}, {period},
             CASE WHEN x.link THEN NULL ELSE coalesce(blamer_side, 'UNKNOWN') END,
             CASE WHEN x.link THEN NULL ELSE coalesce(blamed_side, 'UNKNOWN') END,
             CASE WHEN x.link THEN NULL ELSE coalesce(edge_issue, 'other') END, NULL, NULL,
             statement_id
      FROM bl {both} CROSS JOIN (VALUES (false), (true)) x(link)
      WHERE statement_id IS NOT NULL
        AND (NOT x.link OR coalesce(edge_issue, 'other') IN {linked})
      UNION ALL
      SELECT 'stance', {g}, {period}, NULL, NULL, NULL, coalesce(target_side, 'UNKNOWN'),
             coalesce(stance, 'none'), statement_id
      FROM sn {both} WHERE statement_id IS NOT NULL)
    SELECT k.ord, m.statement_id
    FROM m JOIN (SELECT * FROM {keys_table} WHERE ord BETWEEN {int(first)} AND {int(last)}) k
      ON {on}
    ORDER BY k.ord, m.statement_id
    """


def aggregate(out_dir: Path, loaded: LoadedConfig) -> pa.Table:
    """Counts and shares of statements, blame edges, stances and linkage (module docstring).

    Returns a table with the schema ``schema.AGGREGATES``, one block of rows per grouping in
    ``aggregate.groups``, each with every period of ``aggregate.period`` plus ``all``.
    """
    con = connect_run(Path(out_dir))
    try:
        return _aggregate(con, loaded)
    finally:
        con.close()


def _aggregate(con: Any, loaded: LoadedConfig) -> pa.Table:
    cfg = loaded.cfg.aggregate
    tables = [con.sql(_aggregate_sql(grouping, cfg.period)).to_arrow_table()
              .select(schema.AGGREGATES.names).cast(schema.AGGREGATES)
              for grouping in dict.fromkeys(cfg.groups)]
    return pa.concat_tables(tables) if tables else schema.AGGREGATES.empty_table()


def _column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


def _codes(con: Any, sql: str) -> dict[str, np.ndarray]:
    """The integer columns of a query as numpy arrays (Arrow buffers, no Python objects)."""
    table = con.sql(sql).to_arrow_table()
    return {name: table.column(name).to_numpy() for name in table.column_names}


def _vocabulary_table(con: Any, name: str, values: list[str]) -> None:
    con.register(name, pa.table({"value": pa.array(values, pa.string()),
                                 "code": pa.array(range(len(values)), pa.int64())}))


def load_counts(con: Any, loaded: LoadedConfig) -> Counts:
    """Long-format counts for :func:`pipeline.divergence.divergence_rows`.

    One row per document × group × issue (statements) and per document × group × speaker ×
    blamed side × issue (blame edges), counted by DuckDB, which also turns every value into
    its integer code: Python receives integer arrays only (and one period label per document,
    pointing to a few shared strings), never a string object per row.
    """
    cfg = loaded.cfg
    unit = cfg.divergence.period or cfg.aggregate.period
    g = _GROUP_SQL[cfg.divergence.group_by]
    groups = list(dict.fromkeys(cfg.divergence.groups))
    in_groups = ", ".join("'" + x.replace("'", "''") + "'" for x in groups)
    # Documents by doc_id; a doc_id given twice counts as its last position (as a dict did).
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _div_docs AS
        SELECT row_number() OVER (ORDER BY doc_id) - 1 AS idx, doc_id, {period_sql(unit)} AS period
        FROM documents""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _div_doc_index AS
        SELECT doc_id, max(idx) AS idx FROM _div_docs GROUP BY doc_id""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _div_st AS
        SELECT doc_id, {g} AS grp, coalesce(issue, 'other') AS issue, count(*) AS n
        FROM st WHERE {g} IN ({in_groups}) GROUP BY ALL""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _div_ed AS
        SELECT doc_id, {g} AS grp, coalesce(speaker, '(none)') AS speaker,
               coalesce(blamed_side, 'UNKNOWN') AS blamed_side,
               coalesce(edge_issue, 'other') AS issue, count(*) AS n
        FROM bl WHERE {g} IN ({in_groups}) GROUP BY ALL""")
    unknown = con.sql("""SELECT (SELECT count(*) FROM _div_st ANTI JOIN _div_doc_index
                                 USING (doc_id))
                              + (SELECT count(*) FROM _div_ed ANTI JOIN _div_doc_index
                                 USING (doc_id))""").fetchall()[0][0]
    if unknown:
        logger.warning("some statements or blame edges name documents missing from "
                       "documents.parquet; they are left out of divergence")
    known = "JOIN _div_doc_index d USING (doc_id)"

    def distinct(sql: str) -> list[Any]:
        return [row[0] for row in con.sql(sql).fetchall()]

    blamed = distinct(f"SELECT DISTINCT blamed_side FROM _div_ed {known}")
    issues_seen = distinct(f"SELECT DISTINCT issue FROM _div_st {known} UNION "
                           f"SELECT DISTINCT issue FROM _div_ed {known}")
    sides = list(dict.fromkeys([*cfg.side_codes, *SPECIAL_SIDES, *groups, *sorted(blamed)]))
    issues = list(dict.fromkeys([*ISSUES, *sorted(issues_seen)]))
    # A speaker is a name within a group: the same name in two groups is two speakers.
    pairs = con.sql(f"SELECT DISTINCT grp, speaker FROM _div_ed {known}").fetchall()
    keys = sorted(f"{grp}\x1f{spk}" for grp, spk in pairs)
    speaker_code = {key: i for i, key in enumerate(keys)}
    con.register("_div_v_speakers", pa.table({
        "grp": pa.array([k.split("\x1f", 1)[0] for k in keys], pa.string()),
        "speaker": pa.array([k.split("\x1f", 1)[1] for k in keys], pa.string()),
        "code": pa.array([speaker_code[k] for k in keys], pa.int64())}))
    for name, values in (("_div_v_groups", groups), ("_div_v_sides", sides),
                         ("_div_v_issues", issues)):
        _vocabulary_table(con, name, values)
    try:
        st = _codes(con, f"""
            SELECT d.idx AS doc, g.code AS grp, i.code AS issue, s.n::DOUBLE AS n
            FROM _div_st s {known}
            JOIN _div_v_groups g ON s.grp = g.value JOIN _div_v_issues i ON s.issue = i.value
            ORDER BY ALL""")
        ed = _codes(con, f"""
            SELECT d.idx AS doc, g.code AS grp, k.code AS speaker, b.code AS side,
                   i.code AS issue, e.n::DOUBLE AS n
            FROM _div_ed e {known}
            JOIN _div_v_groups g ON e.grp = g.value
            JOIN _div_v_speakers k ON e.grp = k.grp AND e.speaker = k.speaker
            JOIN _div_v_sides b ON e.blamed_side = b.value
            JOIN _div_v_issues i ON e.issue = i.value
            ORDER BY ALL""")
        # One period label per document: a code into the few distinct labels, which the
        # object array then points to (8 bytes a document, not one string each).
        periods = con.sql("SELECT period FROM _div_docs ORDER BY idx").to_arrow_table()\
            .column("period").combine_chunks().dictionary_encode()
        labels = np.array(periods.dictionary.to_pylist() + [None], dtype=object)
        index = periods.indices.fill_null(len(labels) - 1).to_numpy()
        doc_period = labels[index] if len(index) else np.empty(0, dtype=object)
    finally:
        for name in ("_div_v_speakers", "_div_v_groups", "_div_v_sides", "_div_v_issues"):
            con.unregister(name)
        con.execute("DROP TABLE IF EXISTS _div_st; DROP TABLE IF EXISTS _div_ed; "
                    "DROP TABLE IF EXISTS _div_doc_index; DROP TABLE IF EXISTS _div_docs")
    return Counts(
        doc_period=doc_period, groups=groups, sides=sides, issues=issues,
        st_doc=st["doc"].astype(np.int64), st_group=st["grp"].astype(np.int64),
        st_issue=st["issue"].astype(np.int64), st_n=st["n"].astype(float),
        ed_doc=ed["doc"].astype(np.int64), ed_group=ed["grp"].astype(np.int64),
        ed_speaker=ed["speaker"].astype(np.int64), ed_side=ed["side"].astype(np.int64),
        ed_issue=ed["issue"].astype(np.int64), ed_n=ed["n"].astype(float))


def divergence(out_dir: Path, loaded: LoadedConfig) -> pa.Table:
    """Rows of ``divergence.parquet`` (see :mod:`pipeline.divergence`)."""
    con = connect_run(Path(out_dir))
    try:
        return _divergence(con, loaded)
    finally:
        con.close()


def _divergence(con: Any, loaded: LoadedConfig) -> pa.Table:
    cfg = loaded.cfg
    rows = divergence_rows(
        load_counts(con, loaded), n_boot=cfg.divergence.n_boot, seed=cfg.seed,
        ci_level=cfg.divergence.ci_level, min_statements=cfg.divergence.min_statements,
        period_unit=cfg.divergence.period or cfg.aggregate.period,
        group_by=cfg.divergence.group_by)
    return pa.Table.from_pylist(rows, schema=schema.DIVERGENCE)


def _provenance(loaded: LoadedConfig) -> dict[bytes, bytes]:
    cfg = loaded.cfg
    info = {"aggregate": cfg.aggregate.model_dump(mode="json"),
            "divergence": cfg.divergence.model_dump(mode="json"),
            "seed": cfg.seed, "config_sha256": loaded.hash}
    return {METADATA_KEY: json.dumps(info, sort_keys=True).encode("utf8")}


def _write(table: pa.Table, path: Path, arrow_schema: pa.Schema,
           metadata: dict[bytes, bytes]) -> Path:
    tmp = path.with_name(_TMP_PREFIX + path.name)
    table = table.select(arrow_schema.names).cast(arrow_schema)
    table = table.replace_schema_metadata({**(arrow_schema.metadata or {}), **metadata})
    pq.write_table(table, tmp, compression="zstd")
    return tmp


def _limit_memory(con: Any, spill: Path, loaded: LoadedConfig) -> None:
    """Bound DuckDB's memory (``aggregate.memory_limit``, ``aggregate.threads``); beyond the
    limit it spills to ``spill``, a temporary folder inside the run folder, which the caller
    removes. Setting a limit below what DuckDB already holds raises its out-of-memory error,
    which the caller turns into E080 like one raised by a query."""
    cfg = loaded.cfg.aggregate
    con.execute(f"SET temp_directory = {_quote(spill)}")
    con.execute(f"SET memory_limit = '{cfg.memory_limit}'")
    con.execute(f"SET threads = {int(cfg.threads)}")
    con.execute("SET preserve_insertion_order = false")


_KEYS_TABLE = "_aggregate_rows"
# A row group of aggregates.parquet ends once it holds this many statement ids (or
# output.row_group_size rows); ids are read from DuckDB in batches of _IDS_PER_BATCH.
_IDS_PER_ROW_GROUP = 250_000
_IDS_PER_BATCH = 65_536
_IDS_PER_QUERY = 500_000


def _write_aggregates(con: Any, loaded: LoadedConfig, path: Path,
                      metadata: dict[bytes, bytes]) -> tuple[Path, int]:
    """Stream every grouping's rows from DuckDB into ``path``'s temporary file.

    Python never holds a grouping's ``statement_ids`` lists, which grow with the corpus, and
    DuckDB never builds them: per grouping, DuckDB writes the rows without ids (one per cell:
    counts and shares, no distinct counts) to a table numbered in file order, which is fetched
    (it is small), then streams the statement ids behind the rows sorted by row and id
    (:func:`_members_sql`), one query per slice of rows holding at most ``_IDS_PER_QUERY``
    ids, so that no sort grows with the corpus. The two are zipped row by row into row groups of at most
    ``output.row_group_size`` rows, ending early once they hold ``_IDS_PER_ROW_GROUP`` ids;
    ``n_statements`` is the length of each list. The rows, their order and their lists are
    those of :func:`aggregate` (``tests/test_aggregate_memory.py``)."""
    cfg = loaded.cfg
    tmp = path.with_name(_TMP_PREFIX + path.name)
    arrow_schema = schema.AGGREGATES.with_metadata(
        {**(schema.AGGREGATES.metadata or {}), **metadata})
    batch_rows = max(1, int(cfg.output.row_group_size))
    counts_schema = pa.schema([f for f in schema.AGGREGATES if f.name != "statement_ids"])
    n_rows = 0
    with pq.ParquetWriter(tmp, arrow_schema, compression="zstd") as writer:
        for grouping in dict.fromkeys(cfg.aggregate.groups):
            unit = cfg.aggregate.period
            con.execute(f"""CREATE OR REPLACE TEMP TABLE {_KEYS_TABLE} AS
                SELECT row_number() OVER (ORDER BY {_KEY_ORDER}) - 1 AS ord, *
                FROM ({_aggregate_sql(grouping, unit, ids=False)})""")
            # One row per cell: small, held whole, so that only one DuckDB stream is open.
            rows = con.sql(f"SELECT * FROM {_KEYS_TABLE} ORDER BY ord").to_arrow_table()
            counts = rows.select(counts_schema.names).cast(counts_schema)
            # The ids are sorted by DuckDB in slices of rows holding at most _IDS_PER_QUERY
            # of them (n, or n_total for linkage, bounds a row's ids), one query per slice:
            # DuckDB's sort then needs the same memory whatever the corpus size.
            bound = pc.if_else(pc.equal(rows.column("measure"), "linkage"),
                               rows.column("n_total"), rows.column("n")).to_numpy()
            slice_end = _slices(bound, _IDS_PER_QUERY)
            ids: _IdStream | None = None
            start, lists, n_ids = 0, [], 0
            measures = rows.column("measure").to_pylist()
            for i, ord_ in enumerate(rows.column("ord").to_pylist()):
                if ids is None:
                    last = slice_end[i]
                    ids = _IdStream(con.sql(_members_sql(grouping, unit, _KEYS_TABLE, ord_,
                                                         last)).to_arrow_reader(_IDS_PER_BATCH))
                row_ids = ids.take(ord_)
                if ord_ == last:
                    ids.check_done(grouping)
                    ids = None
                # Sorted, so repeats are adjacent; unique() keeps the first of each, in order.
                lists.append(row_ids if measures[i] == "statements" else pc.unique(row_ids))
                n_ids += len(lists[-1])
                if len(lists) == batch_rows or n_ids >= _IDS_PER_ROW_GROUP \
                        or i == rows.num_rows - 1:
                    part = counts.slice(start, len(lists))
                    part = part.set_column(  # distinct statements = the list's length
                        part.schema.get_field_index("n_statements"), "n_statements",
                        pa.array([len(x) for x in lists], pa.int64()))
                    table = part.append_column("statement_ids", _list_array(lists))\
                        .select(schema.AGGREGATES.names).cast(schema.AGGREGATES)
                    writer.write_table(table, row_group_size=batch_rows)
                    n_rows += table.num_rows
                    start, lists, n_ids = i + 1, [], 0
            del rows, counts
            con.execute(f"DROP TABLE {_KEYS_TABLE}")
    return tmp, n_rows


def _slices(bound: np.ndarray, limit: int) -> np.ndarray:
    """For each row, the last row of its slice: consecutive rows whose ``bound`` sum to at
    most ``limit`` (a row above it is a slice of its own).

    >>> _slices(np.array([2, 2, 5, 1, 1]), 4).tolist()
    [1, 1, 2, 4, 4]
    """
    ends = np.empty(len(bound), dtype=np.int64)
    start, total = 0, 0
    for i, n in enumerate(bound.tolist()):
        if i > start and total + n > limit:
            ends[start:i] = i - 1
            start, total = i, 0
        total += n
    ends[start:] = len(bound) - 1
    return ends


def _list_array(lists: list[pa.Array]) -> pa.Array:
    offsets = np.zeros(len(lists) + 1, dtype=np.int32)
    np.cumsum([len(x) for x in lists], out=offsets[1:])
    values = pa.concat_arrays(lists) if lists else pa.array([], pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), values)


class _IdStream:
    """The ``(ord, statement_id)`` stream of :func:`_members_sql`, taken row by row: it holds
    one batch of the stream (and the ids of the row being taken)."""

    def __init__(self, reader: Any):
        self.reader = reader
        self.ords = np.empty(0, dtype=np.int64)
        self.values: pa.Array = pa.array([], pa.string())
        self.pos = 0

    def _next(self) -> bool:
        try:
            batch = self.reader.read_next_batch()
        except StopIteration:
            return False
        self.ords = batch.column("ord").to_numpy()
        self.values = batch.column("statement_id").cast(pa.string())
        self.pos = 0
        return True

    def take(self, ord_: int) -> pa.Array:
        """The ids of row ``ord_`` (rows are taken in order; a row may have none)."""
        pieces = []
        while True:
            if self.pos == len(self.ords) and not self._next():
                break
            if self.ords[self.pos] < ord_:  # a bug, never a user error
                raise RuntimeError(f"aggregates: statement ids for a row ({self.ords[self.pos]})"
                                   " that was not written")
            end = int(np.searchsorted(self.ords, ord_, side="right"))
            if end > self.pos:
                pieces.append(self.values.slice(self.pos, end - self.pos))
                self.pos = end
            if self.pos < len(self.ords):
                break
        if not pieces:
            return pa.array([], pa.string())
        return pieces[0] if len(pieces) == 1 else pa.concat_arrays(pieces)

    def check_done(self, grouping: str) -> None:
        if self.pos < len(self.ords) or self._next():
            raise RuntimeError(f"aggregates of {grouping!r}: statement ids left over for rows "
                               "that do not exist")  # a bug, never a user error


def finalize(out_dir: Path, loaded: LoadedConfig) -> dict[str, int]:
    """Write ``aggregates.parquet`` and ``divergence.parquet`` into a finished run folder.

    Reads the committed ``documents``/``statements``/``blame``/``stance`` files, computes both
    tables, writes each to a temporary file and renames both into place only when both are
    written (a reader never sees a half-written or mismatched pair). Empty inputs give typed
    files with no rows. The config used (aggregate and divergence sections, seed, config hash)
    is stored in each file's Parquet metadata under ``blamegraph.aggregate``.

    Memory is bounded: DuckDB works within ``aggregate.memory_limit`` (spilling to a temporary
    folder in ``out_dir``, removed afterwards) and the aggregates are streamed to Parquet in
    row groups of ``output.row_group_size`` rows; the divergence inputs are counts per
    document (see :func:`load_counts`). Raises E080 when DuckDB cannot stay within the limit.

    Returns ``{"aggregates.parquet": n_rows, "divergence.parquet": n_rows}``.
    """
    import duckdb

    out_dir = Path(out_dir)
    con = connect_run(out_dir)
    tmps: list[Path] = []
    spill = out_dir / f"{_TMP_PREFIX}duckdb-{os.getpid()}"
    try:
        _limit_memory(con, spill, loaded)
        meta = _provenance(loaded)
        tmp, n_agg = _write_aggregates(con, loaded, out_dir / AGGREGATES_FILE, meta)
        tmps.append(tmp)
        div = _divergence(con, loaded)
        tmps.append(_write(div, out_dir / DIVERGENCE_FILE, schema.DIVERGENCE, meta))
        for tmp in tmps:
            os.replace(tmp, tmp.with_name(tmp.name[len(_TMP_PREFIX):]))
    except duckdb.OutOfMemoryException as e:
        for tmp in tmps + [out_dir / (_TMP_PREFIX + AGGREGATES_FILE)]:
            tmp.unlink(missing_ok=True)
        raise BlamegraphError(Errors.E080.format(
            path=out_dir, limit=loaded.cfg.aggregate.memory_limit,
            detail=str(e).splitlines()[0])) from e
    except BaseException:
        for tmp in tmps + [out_dir / (_TMP_PREFIX + AGGREGATES_FILE)]:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    logger.info("aggregates: %d rows, divergence: %d rows", n_agg, div.num_rows)
    return {AGGREGATES_FILE: n_agg, DIVERGENCE_FILE: div.num_rows}


def is_finalized(out_dir: Path) -> bool:
    """True when both files exist and were written by :func:`finalize` (not placeholders)."""
    for name in (AGGREGATES_FILE, DIVERGENCE_FILE):
        path = Path(out_dir) / name
        if not path.exists():
            return False
        metadata = pq.read_schema(path).metadata or {}
        if METADATA_KEY not in metadata:
            return False
    return True


def config_from_run(out_dir: Path) -> LoadedConfig | None:
    """The config a run used, rebuilt from its ``run.json`` (None when there is none)."""
    from pydantic import ValidationError

    from .config import ActorRegistry, Config

    path = Path(out_dir) / "run.json"
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf8"))
    except (OSError, json.JSONDecodeError) as e:
        raise BlamegraphError(Errors.E077.format(path=path, detail=e)) from e
    section = manifest.get("config") or {}
    resolved = section.get("resolved") or {}
    if not resolved.get("config"):
        return None
    recorded = resolved["config"]
    try:
        cfg = Config.model_validate(recorded)
    except ValidationError as e:
        # An older run: keep what post-processing needs from it (sides, seed, aggregate and
        # divergence settings) on top of the current default config.
        from .config import load_config

        default = load_config()
        merged = default.cfg.model_dump(mode="json")
        merged.update({k: recorded[k] for k in ("dispute", "seed", "sides", "aggregate",
                                                 "divergence") if k in recorded})
        try:
            cfg = Config.model_validate(merged)
        except ValidationError:
            logger.warning("the config recorded in %s no longer validates (%s); using the "
                           "default", path, e.errors()[0].get("msg") if e.errors() else e)
            return None
        logger.info("the config recorded in %s is from an older version; using its sides, "
                    "seed, aggregate and divergence sections with the default config", path)
    try:
        registry = ActorRegistry.model_validate(resolved.get("actors") or {})
    except ValidationError:
        registry = ActorRegistry()
    return LoadedConfig(cfg, registry, Path(section.get("path") or path),
                        Path(section.get("actors_path") or path))


def run_config(out_dir: Path, config: str | Path | None = None,
               overrides: list[str] | None = None) -> LoadedConfig:
    """The config for post-processing a run: ``config`` when given, else the one recorded in
    ``out_dir/run.json``, else the default; ``overrides`` (key.path=value) apply on top."""
    from pydantic import ValidationError

    from .config import Config, _format_validation, apply_overrides, load_config

    recorded = None if config is not None else config_from_run(Path(out_dir))
    if recorded is None:
        return load_config(config, overrides)
    if not overrides:
        return recorded
    data = apply_overrides(recorded.cfg.model_dump(mode="json"), overrides)
    try:
        cfg = Config.model_validate(data)
    except ValidationError as e:
        raise BlamegraphError(Errors.E022.format(path=Path(out_dir) / "run.json",
                                                 detail=_format_validation(e))) from e
    return LoadedConfig(cfg, recorded.registry, recorded.path, recorded.actors_path)
