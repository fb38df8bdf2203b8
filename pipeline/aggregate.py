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


def _aggregate_sql(grouping: str, unit: str) -> str:
    g, p = group_sql(grouping), period_sql(unit)
    return f"""
    WITH
    s AS (SELECT {g} AS grp, {p} AS period, statement_id,
                 coalesce(issue, 'other') AS issue FROM st),
    s2 AS (SELECT * FROM s UNION ALL SELECT grp, 'all', statement_id, issue FROM s),
    sc AS (SELECT grp, period, issue, count(*) AS n,
                  list(statement_id ORDER BY statement_id) AS ids
           FROM s2 GROUP BY grp, period, issue),
    b AS (SELECT {g} AS grp, {p} AS period, statement_id,
                 coalesce(blamer_side, 'UNKNOWN') AS blamer_side,
                 coalesce(blamed_side, 'UNKNOWN') AS blamed_side,
                 coalesce(edge_issue, 'other') AS issue FROM bl),
    b2 AS (SELECT * FROM b
           UNION ALL SELECT grp, 'all', statement_id, blamer_side, blamed_side, issue FROM b),
    bc AS (SELECT grp, period, blamer_side, blamed_side, issue, count(*) AS n,
                  count(DISTINCT statement_id) AS n_statements,
                  list_sort(list_distinct(list(statement_id))) AS ids
           FROM b2 GROUP BY grp, period, blamer_side, blamed_side, issue),
    lc AS (SELECT grp, period, count_if(issue = 'linked') AS n, count(*) AS n_total,
                  count(DISTINCT statement_id) AS n_statements,
                  list_sort(list_distinct(list(statement_id))) AS ids
           FROM b2 WHERE issue IN ('trade', 'technology', 'linked') GROUP BY grp, period),
    t AS (SELECT {g} AS grp, {p} AS period, statement_id,
                 coalesce(target_side, 'UNKNOWN') AS target_side,
                 coalesce(stance, 'none') AS stance FROM sn),
    t2 AS (SELECT * FROM t UNION ALL SELECT grp, 'all', statement_id, target_side, stance FROM t),
    tc AS (SELECT grp, period, target_side, stance, count(*) AS n,
                  count(DISTINCT statement_id) AS n_statements,
                  list_sort(list_distinct(list(statement_id))) AS ids
           FROM t2 GROUP BY grp, period, target_side, stance),
    rows AS (
      SELECT 'statements' AS measure, grp, period, NULL::VARCHAR AS blamer_side,
             NULL::VARCHAR AS blamed_side, issue, NULL::VARCHAR AS target_side,
             NULL::VARCHAR AS stance, n AS n_statements, NULL::BIGINT AS n_edges, n,
             sum(n) OVER (PARTITION BY grp, period) AS n_total, ids
      FROM sc
      UNION ALL
      SELECT 'blame', grp, period, blamer_side, blamed_side, issue, NULL, NULL, n_statements,
             n, n, sum(n) OVER (PARTITION BY grp, period), ids
      FROM bc
      UNION ALL
      SELECT 'stance', grp, period, NULL, NULL, NULL, target_side, stance, n_statements, NULL,
             n, sum(n) OVER (PARTITION BY grp, period, target_side), ids
      FROM tc
      UNION ALL
      SELECT 'linkage', grp, period, NULL, NULL, NULL, NULL, NULL, n_statements, n_total, n,
             n_total, ids
      FROM lc)
    SELECT measure, '{grouping}' AS group_by, grp AS group_value, '{unit}' AS period_unit,
           period, blamer_side, blamed_side, issue, target_side, stance,
           n_statements::BIGINT AS n_statements, n_edges::BIGINT AS n_edges, n::BIGINT AS n,
           n_total::BIGINT AS n_total, n::DOUBLE / n_total AS share, ids AS statement_ids
    FROM rows
    ORDER BY measure, group_value, period, blamer_side NULLS FIRST, blamed_side NULLS FIRST,
             issue NULLS FIRST, target_side NULLS FIRST, stance NULLS FIRST
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


def _indices(values: np.ndarray, vocabulary: list[str]) -> np.ndarray:
    index = {v: i for i, v in enumerate(vocabulary)}
    return np.array([index[v] for v in values], dtype=np.int64)


def _known(table: pa.Table, doc_index: dict[str, int]) -> np.ndarray:
    return np.array([d in doc_index for d in _column(table, "doc_id")], dtype=bool)


def load_counts(con: Any, loaded: LoadedConfig) -> Counts:
    """Long-format counts for :func:`pipeline.divergence.divergence_rows`."""
    cfg = loaded.cfg
    unit = cfg.divergence.period or cfg.aggregate.period
    g = _GROUP_SQL[cfg.divergence.group_by]
    groups = list(dict.fromkeys(cfg.divergence.groups))
    in_groups = ", ".join("'" + x.replace("'", "''") + "'" for x in groups)
    docs = con.sql(f"SELECT doc_id, {period_sql(unit)} AS period FROM documents "
                   "ORDER BY doc_id").to_arrow_table()
    doc_ids = _column(docs, "doc_id")
    doc_index = {d: i for i, d in enumerate(doc_ids)}
    st = con.sql(f"""SELECT doc_id, {g} AS grp, coalesce(issue, 'other') AS issue, count(*) AS n
                     FROM st WHERE {g} IN ({in_groups}) GROUP BY ALL ORDER BY ALL""")\
        .to_arrow_table()
    ed = con.sql(f"""SELECT doc_id, {g} AS grp, coalesce(speaker, '(none)') AS speaker,
                            coalesce(blamed_side, 'UNKNOWN') AS blamed_side,
                            coalesce(edge_issue, 'other') AS issue, count(*) AS n
                     FROM bl WHERE {g} IN ({in_groups}) GROUP BY ALL ORDER BY ALL""")\
        .to_arrow_table()
    known_st = _known(st, doc_index)
    known_ed = _known(ed, doc_index)
    if not known_st.all() or not known_ed.all():
        logger.warning("some statements or blame edges name documents missing from "
                       "documents.parquet; they are left out of divergence")
        st, ed = st.filter(pa.array(known_st)), ed.filter(pa.array(known_ed))
    sides = list(dict.fromkeys([*cfg.side_codes, *SPECIAL_SIDES, *groups,
                                *sorted(set(_column(ed, "blamed_side")))]))
    issues = list(dict.fromkeys([*ISSUES, *sorted(set(_column(st, "issue"))
                                                 | set(_column(ed, "issue")))]))
    # A speaker is a name within a group: the same name in two groups is two speakers.
    speaker_keys = np.array([f"{grp}\x1f{spk}" for grp, spk in
                             zip(_column(ed, "grp"), _column(ed, "speaker"))], dtype=object)
    speakers = sorted(set(speaker_keys))
    return Counts(
        doc_period=np.asarray(_column(docs, "period"), dtype=object),
        groups=groups, sides=sides, issues=issues,
        st_doc=np.array([doc_index[d] for d in _column(st, "doc_id")], dtype=np.int64),
        st_group=_indices(_column(st, "grp"), groups),
        st_issue=_indices(_column(st, "issue"), issues),
        st_n=_column(st, "n").astype(float),
        ed_doc=np.array([doc_index[d] for d in _column(ed, "doc_id")], dtype=np.int64),
        ed_group=_indices(_column(ed, "grp"), groups),
        ed_speaker=_indices(speaker_keys, speakers),
        ed_side=_indices(_column(ed, "blamed_side"), sides),
        ed_issue=_indices(_column(ed, "issue"), issues),
        ed_n=_column(ed, "n").astype(float))


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
    con.execute("SET preserve_insertion_order = true")


def _write_aggregates(con: Any, loaded: LoadedConfig, path: Path,
                      metadata: dict[bytes, bytes]) -> tuple[Path, int]:
    """Stream each grouping's rows from DuckDB into ``path``'s temporary file, one row group
    per batch of at most ``output.row_group_size`` rows: Python holds one batch at a time,
    never the whole table (``statement_ids`` make it grow with the corpus). The rows and their
    order are those of :func:`aggregate`."""
    cfg = loaded.cfg
    tmp = path.with_name(_TMP_PREFIX + path.name)
    arrow_schema = schema.AGGREGATES.with_metadata(
        {**(schema.AGGREGATES.metadata or {}), **metadata})
    batch_rows = max(1, int(cfg.output.row_group_size))
    n_rows = 0
    with pq.ParquetWriter(tmp, arrow_schema, compression="zstd") as writer:
        for grouping in dict.fromkeys(cfg.aggregate.groups):
            reader = con.sql(_aggregate_sql(grouping, cfg.aggregate.period))\
                .to_arrow_reader(batch_rows)
            for batch in reader:
                if not batch.num_rows:
                    continue
                batch = batch.select(schema.AGGREGATES.names).cast(schema.AGGREGATES)
                writer.write_batch(batch, row_group_size=batch_rows)
                n_rows += batch.num_rows
    return tmp, n_rows


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
