"""``blamegraph report DIR``: an HTML report researchers can read offline.

Writes ``DIR/report/index.html`` and the PNG charts it shows (matplotlib, Agg backend, no
pyplot state): who blames whom per period (a network of sides; edge width = number of blame
edges, colour = issue) and among the most active actors, divergence over time with bootstrap
confidence bands, the issue mix per side, the linkage rate per side over time, and a table of
the most-blamed actors with example evidence sentences linked to excerpts of their documents.
The page has no scripts, fonts or remote resources; images are referenced relatively, so the
``report`` folder can be zipped and mailed. Every chart has a caption; a chart without data
says "no data". How to read it: ``docs/divergence.md``.

If the run's ``aggregates.parquet``/``divergence.parquet`` are missing or are the runner's empty
placeholders, they are computed first (:func:`pipeline.aggregate.finalize`) with the config
recorded in the run's ``run.json``.
"""
from __future__ import annotations

import html
import logging
import math
import os
import shutil
from pathlib import Path
from typing import Any, Sequence

from .aggregate import (DIVERGENCE_FILE, config_from_run, connect_run, finalize, is_finalized,
                        period_sql)
from .config import ISSUES, SPECIAL_SIDES, LoadedConfig, load_config
from .divergence import ALL_PERIODS, UNDATED
from .errors import BlamegraphError, Errors

logger = logging.getLogger(__name__)

REPORT_DIR = "report"
INDEX = "index.html"
_TMP_PREFIX = ".tmp-"
ISSUE_COLORS = {"trade": "#1f77b4", "technology": "#d62728", "linked": "#9467bd",
                "other": "#8c8c8c"}
_SIDE_PALETTE = ["#1f4e9c", "#c0392b", "#2e8b57", "#d68910", "#6c3483", "#17a589"]
_SPECIAL_COLORS = {"OTHER": "#7f8c8d", "UNKNOWN": "#bdc3c7"}
_DPI = 110


# --- small helpers ----------------------------------------------------------------------------
def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: Path) -> None:
    # No timestamp or software tag: the same data gives byte-identical PNGs.
    fig.savefig(path, format="png", metadata={"Software": None})


def _no_data(ax: Any, message: str = "no data") -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=13, color="#666666",
            transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _side_colors(sides: Sequence[str]) -> dict[str, str]:
    colors = dict(_SPECIAL_COLORS)
    others = [s for s in sides if s not in _SPECIAL_COLORS]
    for i, side in enumerate(others):
        colors[side] = _SIDE_PALETTE[i % len(_SIDE_PALETTE)]
    return colors


def _issue_color(issue: str) -> str:
    return ISSUE_COLORS.get(issue, "#333333")


def _issue_legend(fig: Any, issues: Sequence[str], title: str = "issue of the blame edge") -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([0], [0], color=_issue_color(i), lw=3, label=i) for i in issues]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False,
               title=title)


def _ordered_periods(periods: Sequence[str]) -> list[str]:
    return sorted(p for p in set(periods) if p not in (ALL_PERIODS, UNDATED))


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


# --- data -----------------------------------------------------------------------------------
def _rows(con: Any, sql: str) -> list[dict[str, Any]]:
    return con.sql(sql).to_arrow_table().to_pylist()


def _side_order(cfg_sides: Sequence[str], observed: Sequence[str]) -> list[str]:
    return list(dict.fromkeys([*cfg_sides, *sorted(set(observed) - set(SPECIAL_SIDES)
                                                   - set(cfg_sides)),
                               *[s for s in SPECIAL_SIDES if s in observed]]))


# --- charts ---------------------------------------------------------------------------------
def _node_positions(sides: Sequence[str], cfg_sides: Sequence[str]) -> dict[str, tuple]:
    # Two configured sides face each other left and right; OTHER above, UNKNOWN below.
    if len(cfg_sides) == 2:
        order = [cfg_sides[0], "OTHER", cfg_sides[1], "UNKNOWN"]
        order = [s for s in order if s in sides] + [s for s in sides if s not in order]
    else:
        order = list(sides)
    n = len(order)
    return {s: (math.cos(math.pi - 2 * math.pi * i / n), math.sin(math.pi - 2 * math.pi * i / n))
            for i, s in enumerate(order)}


def _draw_side_network(ax: Any, cells: list[dict], pos: dict[str, tuple], colors: dict,
                       max_n: int, title: str) -> None:
    from matplotlib.patches import Circle, FancyArrowPatch

    ax.set_title(title, fontsize=10)
    ax.set_xlim(-1.75, 1.75)
    ax.set_ylim(-1.75, 1.75)
    ax.set_aspect("equal")
    ax.axis("off")
    for cell in cells:
        src, dst, issue, n = cell["blamer_side"], cell["blamed_side"], cell["issue"], cell["n"]
        k = ISSUES.index(issue) if issue in ISSUES else len(ISSUES)
        width = 0.8 + 9.0 * n / max_n
        color = _issue_color(issue)
        if src == dst:  # self-blame: a loop on the outside of the node
            x, y = pos[src]
            norm = math.hypot(x, y) or 1.0
            r = 0.16 + 0.07 * k
            ax.add_patch(Circle((x + x / norm * r, y + y / norm * r), r, fill=False, lw=width,
                                color=color, alpha=0.75, zorder=1))
        else:
            ax.add_patch(FancyArrowPatch(pos[src], pos[dst], arrowstyle="-|>",
                                         connectionstyle=f"arc3,rad={0.12 + 0.1 * k}",
                                         mutation_scale=8 + 1.5 * width, lw=width, color=color,
                                         alpha=0.75, shrinkA=16, shrinkB=16, zorder=1))
    for side, (x, y) in pos.items():
        ax.scatter([x], [y], s=420, color=colors.get(side, "#555555"), zorder=3,
                   edgecolors="white", linewidths=1.5)
        # Labels sit beside the node, outside the circle of nodes, so long codes stay legible.
        ax.text(x * 1.32, y * 1.32 - (0.02 if abs(y) < 0.5 else 0), side, ha="center",
                va="center", color="#222222", fontsize=8, fontweight="bold", zorder=4)


def chart_side_networks(path: Path, edges: list[dict], cfg_sides: Sequence[str],
                        max_periods: int) -> str:
    """Who blames whom between sides, overall and per period. Returns the caption."""
    periods = _ordered_periods([e["period"] for e in edges])
    shown = periods[-max_periods:]
    panels: list[tuple[str, list[dict]]] = []
    overall: dict[tuple, int] = {}
    for e in edges:
        key = (e["blamer_side"], e["blamed_side"], e["issue"])
        overall[key] = overall.get(key, 0) + e["n"]
    panels.append(("all periods", [{"blamer_side": k[0], "blamed_side": k[1], "issue": k[2],
                                    "n": n} for k, n in sorted(overall.items())]))
    for period in shown:
        panels.append((period, [e for e in edges if e["period"] == period]))
    n_cols = min(4, len(panels))
    n_rows = math.ceil(len(panels) / n_cols)
    fig = _figure(max(3.1 * n_cols, 6.5), 3.1 * n_rows + 0.7)
    observed = {e["blamer_side"] for e in edges} | {e["blamed_side"] for e in edges}
    sides = _side_order(cfg_sides, [*cfg_sides, *observed])  # OTHER/UNKNOWN only when used
    pos = _node_positions(sides, cfg_sides)
    colors = _side_colors(sides)
    max_panel = max([c["n"] for _, cells in panels[1:] for c in cells] or [1])
    for i, (label, cells) in enumerate(panels):
        ax = fig.add_subplot(n_rows, n_cols, i + 1)
        if not cells:
            ax.set_title(label, fontsize=10)
            _no_data(ax)
            ax.axis("off")
            continue
        n_total = sum(c["n"] for c in cells)
        scale = max(c["n"] for c in cells) if i == 0 else max_panel
        _draw_side_network(ax, cells, pos, colors, scale, f"{label} ({n_total} edges)")
    if edges:
        _issue_legend(fig, ISSUES)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.93, bottom=0.12, wspace=0.05, hspace=0.2)
    _save(fig, path)
    hidden = len(periods) - len(shown)
    note = (f" Only the latest {len(shown)} of {len(periods)} periods are drawn."
            if hidden > 0 else "")
    undated = " Undated documents count in 'all periods' only." if any(
        e["period"] == UNDATED for e in edges) else ""
    if not edges:
        return "Who blames whom between sides: no data (this run has no blame edges)."
    return ("Who blames whom between sides. An arrow runs from the blamer's side to the blamed "
            "side; its width is the number of blame edges and its colour the issue; a loop "
            "is same-side blame. The first panel pools all periods (widths scaled to its "
            "largest arrow); the per-period panels share one scale, so their widths compare."
            + note + undated)


def chart_actor_network(path: Path, rows: list[dict], actor_sides: dict[str, str],
                        cfg_sides: Sequence[str], top_n: int, max_edges: int = 40) -> str:
    """Who blames whom among the most active actors (all periods)."""
    from matplotlib.patches import FancyArrowPatch

    fig = _figure(9, 6.6)
    ax = fig.add_subplot(1, 1, 1)
    if not rows:
        _no_data(ax)
        ax.axis("off")
        ax.set_title("who blames whom among actors")
        _save(fig, path)
        return "Who blames whom among actors: no data (this run has no blame edges)."
    activity: dict[str, int] = {}
    for r in rows:
        activity[r["blamer"]] = activity.get(r["blamer"], 0) + r["n"]
        activity[r["blamed"]] = activity.get(r["blamed"], 0) + r["n"]
    nodes = [a for a, _ in sorted(activity.items(), key=lambda kv: (-kv[1], kv[0]))[:top_n]]
    keep = [r for r in rows if r["blamer"] in nodes and r["blamed"] in nodes
            and r["blamer"] != r["blamed"]]
    keep = sorted(keep, key=lambda r: (-r["n"], r["blamer"], r["blamed"], r["issue"]))
    n_hidden = max(0, len(keep) - max_edges)
    keep = keep[:max_edges]
    # Group nodes by side around the circle so each side's actors sit together.
    sides = _side_order(cfg_sides, [actor_sides.get(a, "UNKNOWN") for a in nodes])
    nodes.sort(key=lambda a: (sides.index(actor_sides.get(a, "UNKNOWN")), a))
    colors = _side_colors(sides)
    n = len(nodes)
    pos = {a: (math.cos(2 * math.pi * i / n + math.pi / 2), math.sin(2 * math.pi * i / n
                                                                     + math.pi / 2))
           for i, a in enumerate(nodes)}
    max_n = max([r["n"] for r in keep] or [1])
    for r in keep:
        k = ISSUES.index(r["issue"]) if r["issue"] in ISSUES else len(ISSUES)
        width = 0.6 + 7.0 * r["n"] / max_n
        ax.add_patch(FancyArrowPatch(pos[r["blamer"]], pos[r["blamed"]], arrowstyle="-|>",
                                     connectionstyle=f"arc3,rad={0.08 + 0.08 * k}",
                                     mutation_scale=8 + width, lw=width,
                                     color=_issue_color(r["issue"]), alpha=0.7, shrinkA=9,
                                     shrinkB=9, zorder=1))
    for a, (x, y) in pos.items():
        side = actor_sides.get(a, "UNKNOWN")
        ax.scatter([x], [y], s=80 + 400 * activity[a] / max(activity.values()),
                   color=colors.get(side, "#555555"), zorder=3, edgecolors="white")
        ax.text(x * 1.13, y * 1.13, f"{a} ({side})", ha="left" if x > 0.01 else
                ("right" if x < -0.01 else "center"), va="center", fontsize=8, zorder=4)
    ax.set_xlim(-2.1, 2.1)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    _issue_legend(fig, ISSUES)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.1)
    _save(fig, path)
    return (f"Who blames whom among the {len(nodes)} most active actors (speakers and blamed "
            "actors, all periods). An arrow runs from the blamer (the statement's canonical "
            "speaker) to the blamed actor; width = number of blame edges, colour = issue, node "
            "colour = side, node size = edges involving the actor. Self-blame is not drawn"
            + (f"; only the {max_edges} strongest actor pairs × issues are drawn "
               f"({n_hidden} weaker ones are not)." if n_hidden else "."))


_DIVERGENCE_PANELS = [
    ("jsd_blamed_issue", "JSD over blamed side × issue", (0.0, 1.0), None),
    ("jsd_issue", "JSD over issue", (0.0, 1.0), None),
    ("partisanship_leave_out", "Partisanship (leave-out; dashed: naive)", (0.0, 1.0), 0.5),
    ("blame_asymmetry_diff", "Blame asymmetry, a − b", (-1.0, 1.0), 0.0),
    ("linkage_rate_diff", "Linkage rate, a − b", (-1.0, 1.0), 0.0),
    ("jsd_statement_issue", "JSD over the issues of all statements", (0.0, 1.0), None),
]


def chart_divergence(path: Path, rows: list[dict], ci_level: float = 0.95) -> str:
    """Divergence metrics over time with confidence bands, one line per pair of groups."""
    periods = _ordered_periods([r["period"] for r in rows if r["value"] is not None])
    fig = _figure(11, 8.2)
    pairs = list(dict.fromkeys((r["side_a"], r["side_b"]) for r in rows))
    colors = _SIDE_PALETTE
    for i, (metric, title, ylim, ref) in enumerate(_DIVERGENCE_PANELS):
        ax = fig.add_subplot(3, 2, i + 1)
        ax.set_title(title, fontsize=10)
        series = [r for r in rows if r["metric"] == metric and r["period"] in periods
                  and r["value"] is not None]
        if not series:
            _no_data(ax)
            continue
        x_of = {p: j for j, p in enumerate(periods)}
        for k, (a, b) in enumerate(pairs):
            pts = sorted((x_of[r["period"]], r) for r in series
                         if (r["side_a"], r["side_b"]) == (a, b))
            if not pts:
                continue
            xs = [x for x, _ in pts]
            color = colors[k % len(colors)]
            ys = [r["value"] for _, r in pts]
            lo = [r["ci_low"] if r["ci_low"] is not None else r["value"] for _, r in pts]
            hi = [r["ci_high"] if r["ci_high"] is not None else r["value"] for _, r in pts]
            ax.fill_between(xs, lo, hi, color=color, alpha=0.18, lw=0)
            ax.plot(xs, ys, color=color, lw=1.6, label=f"{a} vs {b}")
            ok = [(x, r["value"]) for x, r in pts if r["flag"] == "ok"]
            flagged = [(x, r["value"]) for x, r in pts if r["flag"] != "ok"]
            if ok:
                ax.scatter(*zip(*ok), color=color, s=22, zorder=3)
            if flagged:
                ax.scatter(*zip(*flagged), facecolors="white", edgecolors=color, s=26, zorder=3,
                           label="flagged" if k == 0 else None)
            if metric == "partisanship_leave_out":
                naive = {r["period"]: r["value"] for r in rows
                         if r["metric"] == "partisanship_naive" and r["value"] is not None
                         and (r["side_a"], r["side_b"]) == (a, b)}
                nx = [x for x, r in pts if r["period"] in naive]
                ax.plot(nx, [naive[periods[x]] for x in nx], color=color, lw=1, ls="--")
        if ref is not None:
            ax.axhline(ref, color="#444444", lw=0.8, ls=":")
        ax.set_ylim(*ylim)
        ax.set_xticks(range(len(periods)))
        step = max(1, len(periods) // 10)
        ax.set_xticklabels([p if j % step == 0 else "" for j, p in enumerate(periods)],
                           rotation=45, ha="right", fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.legend(fontsize=7, loc="best", frameon=False)
    fig.subplots_adjust(left=0.06, right=0.98, top=0.95, bottom=0.08, hspace=0.65, wspace=0.18)
    _save(fig, path)
    if not periods:
        return "Divergence over time: no data (no dated period has a defined value)."
    return ("Divergence between the compared groups over time. JSD is the Jensen–Shannon "
            "divergence (base 2; 0 = same mix, 1 = disjoint) of their blame edges; "
            "partisanship is the Gentzkow–Shapiro–Taddy leave-out estimate over speakers "
            "(0.5 = no difference; dashed: the biased naive estimate); asymmetry is the "
            "difference in the share of blame aimed at the other group; linkage is the "
            "difference in the share of trade/technology blame that ties the two together; the "
            "last panel compares the issues of all statements, blame or not. Bands are "
            f"{ci_level:.0%} basic bootstrap intervals (documents resampled). Hollow points "
            "are flagged periods (too few statements, an undefined value or a partial "
            "interval; see divergence.parquet's flag column): read them as no finding. "
            "Dotted lines mark no difference.")


def chart_issue_mix(path: Path, stmt_rows: list[dict], blame_rows: list[dict],
                    sides: Sequence[str]) -> str:
    """Stacked shares of each side's statements and blame edges by issue."""
    fig = _figure(11, 0.9 + 0.55 * max(2, len(sides)) * 1.0 + 1.2)
    for i, (rows, title) in enumerate(((stmt_rows, "statements by issue"),
                                       (blame_rows, "blame edges by issue"))):
        ax = fig.add_subplot(1, 2, i + 1)
        ax.set_title(title, fontsize=10)
        present = [s for s in sides if any(r["group_value"] == s for r in rows)]
        if not present:
            _no_data(ax)
            continue
        for y, side in enumerate(present):
            left = 0.0
            total = sum(r["n"] for r in rows if r["group_value"] == side)
            for issue in ISSUES:
                n = sum(r["n"] for r in rows if r["group_value"] == side and r["issue"] == issue)
                share = n / total if total else 0.0
                ax.barh(y, share, left=left, color=_issue_color(issue), edgecolor="white")
                if share >= 0.08:
                    ax.text(left + share / 2, y, f"{share:.0%}", ha="center", va="center",
                            color="white", fontsize=7)
                left += share
            ax.text(1.01, y, f"n={total}", va="center", fontsize=7)
        ax.set_yticks(range(len(present)))
        ax.set_yticklabels(present, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.tick_params(axis="x", labelsize=7)
    _issue_legend(fig, ISSUES, title="issue")
    fig.subplots_adjust(left=0.09, right=0.95, top=0.88, bottom=0.3, wspace=0.25)
    _save(fig, path)
    if not stmt_rows and not blame_rows:
        return "Issue mix per side: no data (this run has no statements)."
    return ("Issue mix per speaker side, all periods: the share of each side's statements "
            "(left) and blame edges (right) by issue; n is the number behind each bar. From "
            "aggregates.parquet (group_by = speaker_side, period = all).")


def chart_linkage(path: Path, rows: list[dict]) -> str:
    """Linkage rate per group over time, with bootstrap bands."""
    series: dict[str, dict[str, dict]] = {}
    for r in rows:
        if r["metric"] not in ("linkage_rate_a", "linkage_rate_b") or r["value"] is None:
            continue
        group = r["side_a"] if r["metric"] == "linkage_rate_a" else r["side_b"]
        series.setdefault(group, {}).setdefault(r["period"], r)  # first pair naming it wins
    periods = _ordered_periods([p for s in series.values() for p in s])
    fig = _figure(9, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_title("linkage rate per side", fontsize=10)
    if not periods:
        _no_data(ax)
        _save(fig, path)
        return ("Linkage rate per side over time: no data (no trade, technology or linked "
                "blame edges in a dated period).")
    colors = _side_colors(list(series))
    x_of = {p: j for j, p in enumerate(periods)}
    for group, by_period in series.items():
        pts = sorted((x_of[p], r) for p, r in by_period.items() if p in x_of)
        xs = [x for x, _ in pts]
        ax.fill_between(xs, [r["ci_low"] if r["ci_low"] is not None else r["value"]
                             for _, r in pts],
                        [r["ci_high"] if r["ci_high"] is not None else r["value"]
                         for _, r in pts], color=colors[group], alpha=0.15, lw=0)
        ax.plot(xs, [r["value"] for _, r in pts], color=colors[group], lw=1.6, label=group)
        for x, r in pts:
            filled = r["flag"] == "ok"
            ax.scatter([x], [r["value"]], s=12 + 2 * math.sqrt(r["n_units_a"] if r["metric"]
                                                              == "linkage_rate_a"
                                                              else r["n_units_b"]),
                       facecolors=colors[group] if filled else "white",
                       edgecolors=colors[group], zorder=3)
    ax.set_ylim(0, 1)
    ax.set_xticks(range(len(periods)))
    step = max(1, len(periods) // 12)
    ax.set_xticklabels([p if j % step == 0 else "" for j, p in enumerate(periods)],
                       rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("linked / (trade + technology + linked)", fontsize=8)
    ax.legend(fontsize=8, frameon=False)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.22)
    _save(fig, path)
    return ("Linkage rate per side over time: the share of a side's trade, technology and "
            "linked blame edges that tie trade and technology together (issue = linked). "
            "Bands are bootstrap confidence intervals; point size grows with the number of "
            "edges; hollow points are flagged periods (few statements).")


# --- HTML -----------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.88em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;vertical-align:top;text-align:left}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#444;margin-top:.4em}
.flag{color:#a04000}.muted{color:#777}mark{background:#fff3a0}
.doc{border-left:3px solid #ddd;padding-left:.8em;margin:1em 0}
.ev{font-style:italic}
"""


def _figure_html(n: int, name: str, caption: str, alt: str) -> str:
    return (f'<figure id="fig-{n}"><img src="{_esc(name)}" alt="{_esc(alt)}">'
            f"<figcaption><b>Figure {n}.</b> {_esc(caption)}</figcaption></figure>")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _excerpt(text: str, start: Any, end: Any, width: int = 260) -> str:
    if (not text or start is None or end is None or not 0 <= start < end <= len(text)):
        return ""
    lo, hi = max(0, start - width), min(len(text), end + width)
    return ((("…" if lo > 0 else "") + _esc(text[lo:start]) + "<mark>" + _esc(text[start:end])
             + "</mark>" + _esc(text[end:hi]) + ("…" if hi < len(text) else "")))


def build_report(out_dir: str | Path, loaded: LoadedConfig | None = None, *,
                 force: bool = False, top_actors: int = 15, max_periods: int = 16) -> Path:
    """Write ``out_dir/report/index.html`` and its charts; return the index path."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise BlamegraphError(Errors.E070.format(path=out_dir))
    target = out_dir / REPORT_DIR
    if target.exists() and not force:
        raise BlamegraphError(Errors.E076.format(path=target))
    if loaded is None:
        loaded = config_from_run(out_dir) or load_config()
    if not is_finalized(out_dir):
        logger.info("computing aggregates and divergence for %s first", out_dir)
        finalize(out_dir, loaded)
    tmp = out_dir / (_TMP_PREFIX + REPORT_DIR)
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        _write_report(out_dir, tmp, loaded, top_actors=top_actors, max_periods=max_periods)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target / INDEX


def _write_report(out_dir: Path, folder: Path, loaded: LoadedConfig, *, top_actors: int,
                  max_periods: int) -> None:
    cfg = loaded.cfg
    con = connect_run(out_dir)
    try:
        con.execute("CREATE VIEW aggregates AS SELECT * FROM read_parquet('"
                    + str(out_dir / "aggregates.parquet").replace("'", "''") + "')").fetchall()
        con.execute("CREATE VIEW divergence AS SELECT * FROM read_parquet('"
                    + str(out_dir / DIVERGENCE_FILE).replace("'", "''") + "')").fetchall()
        div_rows = _rows(con, "SELECT * FROM divergence")
        unit = (div_rows[0]["period_unit"] if div_rows
                else (cfg.divergence.period or cfg.aggregate.period))
        counts = _rows(con, """SELECT (SELECT count(*) FROM documents) AS n_docs,
            (SELECT count(*) FROM statements) AS n_statements,
            (SELECT count(*) FROM blame) AS n_edges, (SELECT count(*) FROM stance) AS n_stance,
            (SELECT min(date) FROM documents) AS first, (SELECT max(date) FROM documents) AS last,
            (SELECT count(*) FROM documents WHERE date IS NULL) AS n_undated""")[0]
        edges = _rows(con, f"""SELECT {period_sql(unit)} AS period,
            coalesce(blamer_side, 'UNKNOWN') AS blamer_side,
            coalesce(blamed_side, 'UNKNOWN') AS blamed_side,
            coalesce(edge_issue, 'other') AS issue, count(*) AS n
            FROM bl GROUP BY ALL ORDER BY ALL""")
        actor_edges = _rows(con, """SELECT coalesce(speaker, blamer) AS blamer, blamed, issue,
            count(*) AS n FROM (SELECT b.*, s.speaker FROM blame b LEFT JOIN statements s
            ON b.statement_id = s.statement_id) GROUP BY ALL ORDER BY ALL""")
        actor_sides = {r["actor"]: r["side"] for r in _rows(con, """
            SELECT actor, mode(side) AS side FROM (
              SELECT blamed AS actor, coalesce(blamed_side, 'UNKNOWN') AS side FROM blame
              UNION ALL SELECT coalesce(s.speaker, b.blamer), coalesce(b.blamer_side, 'UNKNOWN')
              FROM blame b LEFT JOIN statements s ON b.statement_id = s.statement_id)
            GROUP BY actor""")}
        mix = _rows(con, """SELECT measure, group_value, issue, sum(n)::BIGINT AS n FROM aggregates
            WHERE group_by = 'speaker_side' AND period = 'all'
              AND measure IN ('statements', 'blame') GROUP BY ALL ORDER BY ALL""")
        if not mix and counts["n_statements"]:  # aggregate.groups lacks speaker_side
            mix = _rows(con, """SELECT 'statements' AS measure,
                coalesce(speaker_side, 'UNKNOWN') AS group_value, coalesce(issue, 'other') AS issue,
                count(*) AS n FROM st GROUP BY ALL UNION ALL
                SELECT 'blame', coalesce(speaker_side, 'UNKNOWN'), coalesce(edge_issue, 'other'),
                count(*) FROM bl GROUP BY ALL""")
        top = _rows(con, f"""SELECT blamed, mode(coalesce(blamed_side, 'UNKNOWN')) AS side,
            count(*) AS n_edges, count(DISTINCT doc_id) AS n_docs,
            count(DISTINCT blamer) AS n_blamers,
            count_if(issue = 'trade') AS trade, count_if(issue = 'technology') AS technology,
            count_if(issue = 'linked') AS linked, count_if(issue = 'other') AS other
            FROM blame GROUP BY blamed ORDER BY n_edges DESC, blamed LIMIT {int(top_actors)}""")
        examples = _rows(con, f"""
            WITH t AS (SELECT blamed FROM blame GROUP BY blamed
                       ORDER BY count(*) DESC, blamed LIMIT {int(top_actors)}),
            x AS (SELECT b.*, row_number() OVER (PARTITION BY b.blamed, b.doc_id
                          ORDER BY b.confidence DESC, b.statement_id) AS r1
                  FROM blame b JOIN t USING (blamed)),
            y AS (SELECT *, row_number() OVER (PARTITION BY blamed
                          ORDER BY confidence DESC, doc_id, statement_id) AS r2
                  FROM x WHERE r1 = 1)
            SELECT blamed, doc_id, statement_id, blamer, blamer_side, issue, confidence,
                   evidence, start, "end" FROM y WHERE r2 <= 3 ORDER BY blamed, r2""")
        cited = sorted({e["doc_id"] for e in examples})
        docs = {}
        if cited:
            ids = ", ".join("'" + d.replace("'", "''") + "'" for d in cited)
            docs = {r["doc_id"]: r for r in _rows(con, f"""SELECT doc_id, title, outlet,
                country, date, url, text FROM documents WHERE doc_id IN ({ids})""")}
    finally:
        con.close()

    cfg_sides = cfg.side_codes
    observed_sides = {r["group_value"] for r in mix}
    sides = _side_order(cfg_sides, list(observed_sides))
    figures = []
    figures.append(("network_sides.png", chart_side_networks(
        folder / "network_sides.png", edges, cfg_sides, max_periods), "Side network per period"))
    figures.append(("network_actors.png", chart_actor_network(
        folder / "network_actors.png", actor_edges, actor_sides, cfg_sides, 14),
        "Actor network"))
    figures.append(("divergence.png", chart_divergence(folder / "divergence.png", div_rows,
                                                     cfg.divergence.ci_level),
                    "Divergence over time"))
    figures.append(("issue_mix.png", chart_issue_mix(
        folder / "issue_mix.png", [r for r in mix if r["measure"] == "statements"],
        [r for r in mix if r["measure"] == "blame"], sides), "Issue mix per side"))
    figures.append(("linkage.png", chart_linkage(folder / "linkage.png", div_rows),
                    "Linkage rate per side over time"))

    anchors = {d: f"doc-{i}" for i, d in enumerate(cited)}
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>blamegraph report: {_esc(out_dir.name)}</title>",
             f"<style>{_CSS}</style></head><body>",
             f"<h1>blamegraph report: {_esc(out_dir.name)}</h1>",
             f'<p class="muted">Dispute <b>{_esc(cfg.dispute)}</b>; sides '
             f"{_esc(', '.join(cfg_sides))}. Built from the "
             "Parquet files in this folder's parent. Definitions: docs/divergence.md in the "
             "blamegraph repository. Query any number with <code>blamegraph query</code>.</p>"]
    span = (f"{counts['first']} to {counts['last']}" if counts["first"] else "no dates")
    parts.append("<h2>Summary</h2>" + _table(
        ["documents", "statements", "blame edges", "stance rows", "dates", "undated documents"],
        [[str(counts["n_docs"]), str(counts["n_statements"]), str(counts["n_edges"]),
          str(counts["n_stance"]), _esc(span), str(counts["n_undated"])]], {0, 1, 2, 3, 5}))

    parts.append("<h2>Who blames whom</h2>")
    parts.append(_figure_html(1, *figures[0][:2], figures[0][2]))
    parts.append(_figure_html(2, *figures[1][:2], figures[1][2]))
    parts.append("<h2>How the narratives diverge</h2>")
    parts.append(_figure_html(3, *figures[2][:2], figures[2][2]))
    overall = [r for r in div_rows if r["period"] == ALL_PERIODS]
    if overall:
        parts.append("<p>All periods pooled (the most data per estimate):</p>" + _table(
            ["groups", "metric", "value", f"{int(cfg.divergence.ci_level * 100)}% CI",
             "n statements a / b", "units a / b", "flag"],
            [[f"{_esc(r['side_a'])} vs {_esc(r['side_b'])}", _esc(r["metric"]),
              _fmt(r["value"]), f"{_fmt(r['ci_low'])} – {_fmt(r['ci_high'])}",
              f"{r['n_a']} / {r['n_b']}", f"{r['n_units_a']} / {r['n_units_b']} {_esc(r['unit'])}",
              f'<span class="{"" if r["flag"] == "ok" else "flag"}">{_esc(r["flag"])}</span>']
             for r in overall], {2}))
    else:
        parts.append("<p>No divergence rows: this run has no documents.</p>")
    parts.append("<h2>Issues and linkage</h2>")
    parts.append(_figure_html(4, *figures[3][:2], figures[3][2]))
    parts.append(_figure_html(5, *figures[4][:2], figures[4][2]))

    parts.append("<h2>Most-blamed actors</h2>")
    if top:
        by_actor: dict[str, list[dict]] = {}
        for e in examples:
            by_actor.setdefault(e["blamed"], []).append(e)
        rows = []
        for t in top:
            evidence = "<br>".join(
                f'<span class="ev">“{_esc(e["evidence"])}”</span> — {_esc(e["blamer"])} '
                f'({_esc(e["blamer_side"])}, {_esc(e["issue"])}) '
                f'<a href="#{anchors[e["doc_id"]]}">{_esc(e["doc_id"])}</a> '
                f'<span class="muted">{_esc(e["statement_id"])}</span>'
                for e in by_actor.get(t["blamed"], []))
            rows.append([_esc(t["blamed"]), _esc(t["side"]), str(t["n_edges"]), str(t["n_docs"]),
                         str(t["n_blamers"]),
                         f'{t["trade"]} / {t["technology"]} / {t["linked"]} / {t["other"]}',
                         evidence])
        parts.append(f"<p>The {len(top)} actors blamed most often, with up to three example "
                     "sentences each (highest confidence, one per document); each links to an "
                     "excerpt of its document below.</p>")
        parts.append(_table(["blamed actor", "side", "edges", "documents", "blamers",
                             "trade / technology / linked / other", "examples"], rows,
                            {2, 3, 4}))
    else:
        parts.append("<p>No blame edges in this run: no data.</p>")

    if cited:
        parts.append("<h2>Documents cited</h2>")
        for doc_id in cited:
            d = docs.get(doc_id, {})
            meta = ", ".join(_esc(x) for x in (d.get("outlet"), d.get("country"), d.get("date"))
                             if x is not None)
            # A plain link, nothing is loaded from it; only web addresses, never javascript:.
            if str(d.get("url") or "").lower().startswith(("http://", "https://")):
                meta += f' — <a href="{_esc(d["url"])}">{_esc(d["url"])}</a>'

            excerpts = "".join(
                f"<p>{_excerpt(d.get('text') or '', e['start'], e['end']) or _esc(e['evidence'])}"
                f' <span class="muted">({_esc(e["statement_id"])})</span></p>'
                for e in examples if e["doc_id"] == doc_id)
            parts.append(f'<div class="doc" id="{anchors[doc_id]}"><h3>{_esc(doc_id)}: '
                         f'{_esc(d.get("title") or "(untitled)")}</h3>'
                         f'<p class="muted">{meta}</p>{excerpts}</div>')
    parts.append("</body></html>")
    (folder / INDEX).write_text("\n".join(parts) + "\n", encoding="utf8")
