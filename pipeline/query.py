"""Quick questions to a run folder in SQL: ``blamegraph query DIR "SQL"``.

Each Parquet file of the run is a DuckDB view named after it (``documents``, ``statements``,
``entities``, ``stance``, ``blame``, ``aggregates``, ``divergence``); DuckDB reads the files in
place, so a query over a large run does not load it into memory.

>>> format_table(["side", "n"], [("US", 3), ("CN", None)])
'side | n\\n-----+--\\nUS   | 3\\nCN   |\\n(2 rows)'
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
from pathlib import Path
from typing import Any, Sequence

from . import schema
from .errors import BlamegraphError, Errors

logger = logging.getLogger(__name__)

FORMATS = ("table", "csv", "json")


def view_names() -> list[str]:
    return [name.removesuffix(".parquet") for name in schema.OUTPUTS]


def open_run(out_dir: str | Path) -> Any:
    """A DuckDB connection with one view per Parquet file present in ``out_dir``."""
    import duckdb

    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise BlamegraphError(Errors.E070.format(path=out_dir))
    con = duckdb.connect()
    n_views = 0
    for name in schema.OUTPUTS:
        path = out_dir / name
        if path.exists():
            quoted = "'" + str(path).replace("'", "''") + "'"
            con.execute(f"CREATE VIEW {name.removesuffix('.parquet')} AS "
                        f"SELECT * FROM read_parquet({quoted})").fetchall()
            n_views += 1
    if n_views == 0:
        con.close()
        raise BlamegraphError(Errors.E071.format(path=out_dir, name="Parquet output files"))
    return con


def run_query(out_dir: str | Path, sql: str,
              max_rows: int | None = None) -> tuple[list[str], list[tuple[Any, ...]], bool]:
    """Run ``sql`` over the run's views: (column names, rows, whether rows were cut off).

    A statement that returns nothing (``CREATE VIEW ...``) gives no columns and no rows.
    """
    import duckdb

    if not sql or not sql.strip():
        raise BlamegraphError(Errors.E079)
    con = open_run(out_dir)
    try:
        try:
            rel = con.sql(sql)
            if rel is None:
                return [], [], False
            if max_rows is None:
                return list(rel.columns), rel.fetchall(), False
            rows = rel.limit(max_rows + 1).fetchall()
            return list(rel.columns), rows[:max_rows], len(rows) > max_rows
        except duckdb.Error as e:
            present = [name for name in view_names()
                       if (Path(out_dir) / f"{name}.parquet").exists()]
            detail = str(e).strip().replace("\n", " ")
            raise BlamegraphError(Errors.E072.format(detail=detail,
                                                     views=", ".join(present))) from e
    finally:
        con.close()


def _cell(value: Any, max_width: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, (list, tuple, dict)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    text = text.replace("\n", " ")
    if max_width and len(text) > max_width:
        text = text[: max_width - 1] + "…"
    return text


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                 max_width: int = 60, truncated: bool = False) -> str:
    """A plain-text table: a header, a rule, one line per row, and a row count."""
    if not columns:
        return "OK (no result set)"
    cells = [[_cell(v, max_width) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    if truncated:
        lines.append(f"(first {len(rows)} rows; more not shown: add LIMIT, or raise --max-rows)")
    else:
        lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def format_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, *,
                truncated: bool = False) -> str:
    """Render a query result as ``table``, ``csv`` or ``json`` (one object per line)."""
    if fmt not in FORMATS:
        raise BlamegraphError(Errors.E078.format(fmt=fmt))
    if fmt == "table":
        return format_table(columns, rows, truncated=truncated)
    if fmt == "json":
        return "\n".join(json.dumps(dict(zip(columns, row)), ensure_ascii=False,
                                    default=_json_default) for row in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:  # full precision; lists as JSON
        writer.writerow(["" if v is None else json.dumps(v, ensure_ascii=False, default=str)
                         if isinstance(v, (list, tuple, dict)) else v for v in row])
    return buffer.getvalue().rstrip("\n")
