"""Command-line interface: thin typer wrappers over plain functions that tests call directly.

Exit codes: 0 done (even when records were quarantined), 1 bad arguments or an input that is
unusable as a whole, with one clear line on stderr.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .config import load_config
from .errors import BlamegraphError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="blamegraph: who blames whom, on which issue, in news commentary.")


@app.callback()
def _root() -> None:
    """blamegraph: who blames whom, on which issue, in news commentary."""


def _overrides(sets: list[str] | None, extra: list[str]) -> list[str]:
    """Collect ``--set a.b=v`` and free-form ``--a.b v`` / ``--a.b=v`` overrides."""
    overrides = list(sets or [])
    i = 0
    while i < len(extra):
        arg = extra[i]
        if not arg.startswith("--"):
            raise BlamegraphError(f"Unexpected argument '{arg}'. Config overrides look like "
                                  "--set blame.threshold=0.6 or --blame.threshold 0.6.")
        key = arg[2:]
        if "=" in key:
            overrides.append(key)
            i += 1
        elif i + 1 < len(extra):
            overrides.append(f"{key}={extra[i + 1]}")
            i += 2
        else:
            raise BlamegraphError(f"Override '{arg}' has no value. Use --{key} VALUE.")
    return overrides


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    input_path: Path = typer.Argument(..., metavar="INPUT",
                                      help="JSONL, CSV, Parquet, a folder, or a saved dataset"),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Config YAML"),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output folder"),
    sets: Optional[List[str]] = typer.Option(None, "--set",
                                             help="Config override key.path=value (repeatable)"),
) -> None:
    """Run the whole pipeline on INPUT and write the SPEC output files to --out."""
    from .runner import run_corpus

    loaded = load_config(config, _overrides(sets, ctx.args))
    result = run_corpus(input_path, out, loaded, force=force, progress=sys.stderr.isatty())
    c = result.counts
    typer.echo(f"Read {c['records_read']} records: {c['documents']} documents, "
               f"{c['quarantined']} quarantined ({out / 'errors.jsonl'}); "
               f"{c['rows']['statements.parquet']} statements, "
               f"{c['rows']['blame.parquet']} blame edges. Outputs in {out}/")


@app.command("evaluate-statements")
def evaluate_statements_cmd(
    gold: Path = typer.Argument(..., help="Gold JSONL (corpora/gold/statements.jsonl)"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Config YAML"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the full report (JSON)"),
    sets: Optional[List[str]] = typer.Option(None, "--set", help="Config override key=value"),
) -> None:
    """Score the statements stage against a gold set: span P/R/F1, speaker/role/side accuracy."""
    import json

    from .evaluate import evaluate_statements

    report = evaluate_statements(gold, load_config(config, sets))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf8")
    summary = {k: v for k, v in report.items() if k != "errors"}
    typer.echo(json.dumps(summary, indent=2))


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps user errors to exit code 1 with one line on stderr."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app(args=argv, standalone_mode=False)
    except BlamegraphError as e:
        typer.echo(f"error: {e}", err=True)
        return 1
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return 1
    except typer.TyperException as e:  # bad arguments: usage errors, missing options
        typer.echo(f"error: {e.format_message()}", err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
