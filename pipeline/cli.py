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
from .errors import BlamegraphError, Errors

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
            raise BlamegraphError(Errors.E040.format(arg=arg))
        key = arg[2:]
        if "=" in key:
            overrides.append(key)
            i += 1
        elif i + 1 < len(extra):
            overrides.append(f"{key}={extra[i + 1]}")
            i += 2
        else:
            raise BlamegraphError(Errors.E041.format(arg=arg, key=key))
    return overrides


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    input_path: Path = typer.Argument(..., metavar="INPUT",
                                      help="JSONL, CSV, Parquet, a folder, or a saved dataset"),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Config YAML"),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output folder"),
    resume: bool = typer.Option(False, "--resume",
                                help="Continue an interrupted run in --out from its last "
                                     "complete shard"),
    engine: str = typer.Option("local", "--engine",
                               help="local (this machine; run.n_process processes) or ray"),
    address: Optional[str] = typer.Option(None, "--address",
                                          help="Ray cluster address (with --engine ray; "
                                               "default: start a local Ray instance)"),
    sets: Optional[List[str]] = typer.Option(None, "--set",
                                             help="Config override key.path=value (repeatable)"),
) -> None:
    """Run the whole pipeline on INPUT and write the SPEC output files to --out."""
    from .runner import run_corpus

    loaded = load_config(config, _overrides(sets, ctx.args))
    result = run_corpus(input_path, out, loaded, force=force, resume=resume,
                        progress=sys.stderr.isatty(), engine=engine, address=address)
    c = result.counts
    if result.already_complete:
        typer.echo(f"The run in {out}/ is already complete; nothing to do.")
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


@app.command()
def pairs(
    input_path: Path = typer.Argument(..., metavar="INPUT",
                                      help='JSONL: {"id", "text", "p": [s, e], "q": [s, e]}'),
    out: Path = typer.Option(..., "--out", "-o", help="Predictions JSONL"),
    model: Optional[Path] = typer.Option(None, "--model", help="Model folder (default: config)"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Config YAML"),
    force: bool = typer.Option(False, "--force", help="Overwrite --out"),
) -> None:
    """Directed stance between two entity mentions: who is against or in favour of whom."""
    from .pairs import predict_pairs

    loaded = load_config(config)
    model_path = model or loaded.model_path("pairs")
    if model_path is None:
        raise BlamegraphError(Errors.E139.format(task="pairs"))
    counts = predict_pairs(input_path, out, model_path, batch_size=loaded.cfg.pairs.batch_size,
                           force=force)
    typer.echo(f"Scored {counts['scored']} pairs into {out}; {counts['bad_lines']} bad lines "
               "skipped (see the log above).")


@app.command()
def finetune(
    task: str = typer.Option(..., "--task", help="pairs | blame | stance | issue"),
    data: List[Path] = typer.Option(..., "--data", help="Labelled JSONL (repeatable)"),
    out: Path = typer.Option(..., "--out", "-o", help="New model folder, e.g. models/mine"),
    base: Optional[Path] = typer.Option(None, "--base", help="Continue from this model folder"),
    config: Optional[Path] = typer.Option(None, "--config", "-c",
                                          help="Config whose actors link the data's entities"),
    epochs: int = typer.Option(3, "--epochs", min=1),
    seed: int = typer.Option(13, "--seed"),
    dev_fraction: float = typer.Option(0.15, "--dev-fraction", min=0.0, max=0.5),
    force: bool = typer.Option(False, "--force", help="Overwrite --out"),
    device: str = typer.Option("cpu", "--device", help="cpu (default) or cuda (a GPU)"),
) -> None:
    """Fine-tune the relation model on your labelled data (format: corpora/labels/GUIDE.md)."""
    import json

    from .train import finetune as run_finetune

    if out.exists() and any(out.iterdir()) and not force:
        raise BlamegraphError(Errors.E138.format(path=out))
    metrics = run_finetune(data, out, task=task, base=base, epochs=epochs, seed=seed,
                           dev_fraction=dev_fraction, device=device,
                           loaded=load_config(config) if config else None)
    typer.echo(json.dumps({k: metrics[k] for k in ("fit", "temperatures") if k in metrics},
                          indent=2))
    typer.echo(f"Saved to {out}/ (model card README.md, metrics.json). Use it with "
               f"--set {task}.model={out.resolve()}")


@app.command()
def evaluate(
    task: str = typer.Option(..., "--task", help="pairs | blame | stance | issue"),
    data: List[Path] = typer.Option(..., "--data", help="Labelled JSONL (repeatable)"),
    model: Optional[Path] = typer.Option(None, "--model", help="Model folder (default: config)"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Config YAML"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write metrics JSON here"),
    sets: Optional[List[str]] = typer.Option(None, "--set",
                                             help="Config override, e.g. blame.threshold=0.3"),
) -> None:
    """Precision, recall, F1 per label and a confusion matrix of a model on labelled data."""
    import json

    from .train import evaluate_file

    loaded = load_config(config, sets)
    model_path = model or loaded.model_path(task)
    if model_path is None:
        raise BlamegraphError(Errors.E139.format(task=task))
    report = evaluate_file(data, model_path, task=task,
                           loaded=loaded if config else None,
                           threshold=loaded.cfg.blame.threshold)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf8")
    typer.echo(_format_report(report[task]))


def _format_report(report: dict | None) -> str:
    if not report:
        return "no examples for this task in the data"
    if "per_label" not in report:  # blame edges
        import json

        return json.dumps(report, indent=2)
    lines = [f"{'label':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
    for label, row in report["per_label"].items():
        lines.append(f"{label:<14}{row['precision']:>10.3f}{row['recall']:>10.3f}"
                     f"{row['f1']:>10.3f}{row['support']:>9}")
    lines.append(f"macro-F1 {report['macro_f1']:.3f}   accuracy {report['accuracy']:.3f}")
    lines.append("confusion (rows gold, columns predicted): " + " ".join(report["labels"]))
    for label, row in zip(report["labels"], report["confusion"]):
        lines.append(f"{label:<14}" + "".join(f"{v:>6}" for v in row))
    return "\n".join(lines)



@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def aggregate(
    ctx: typer.Context,
    out_dir: Path = typer.Argument(..., metavar="DIR", help="A finished run's --out folder"),
    config: Optional[Path] = typer.Option(None, "--config", "-c",
                                          help="Config YAML (default: the one in DIR/run.json)"),
    sets: Optional[List[str]] = typer.Option(None, "--set",
                                             help="Config override key.path=value (repeatable)"),
) -> None:
    """(Re)compute DIR/aggregates.parquet and DIR/divergence.parquet, e.g. by another period."""
    from .aggregate import finalize, run_config

    loaded = run_config(out_dir, config, _overrides(sets, ctx.args))
    counts = finalize(out_dir, loaded)
    typer.echo(f"Wrote {counts['aggregates.parquet']} aggregate rows and "
               f"{counts['divergence.parquet']} divergence rows to {out_dir}/")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def report(
    ctx: typer.Context,
    out_dir: Path = typer.Argument(..., metavar="DIR", help="A finished run's --out folder"),
    config: Optional[Path] = typer.Option(None, "--config", "-c",
                                          help="Config YAML (default: the one in DIR/run.json)"),
    sets: Optional[List[str]] = typer.Option(None, "--set",
                                             help="Config override key.path=value (repeatable)"),
    top_actors: int = typer.Option(15, "--top-actors", min=1,
                                   help="Rows in the most-blamed actors table"),
    force: bool = typer.Option(False, "--force", help="Rebuild an existing DIR/report/"),
) -> None:
    """Write DIR/report/index.html with charts (offline, self-contained)."""
    from .aggregate import run_config
    from .report import build_report

    loaded = run_config(out_dir, config, _overrides(sets, ctx.args))
    index = build_report(out_dir, loaded, force=force, top_actors=top_actors)
    typer.echo(f"Report: {index}")


@app.command()
def query(
    out_dir: Path = typer.Argument(..., metavar="DIR", help="A finished run's --out folder"),
    sql: str = typer.Argument(..., metavar="SQL",
                              help="DuckDB SQL over the views documents, statements, entities, "
                                   "stance, blame, aggregates, divergence"),
    fmt: str = typer.Option("table", "--format", "-f", help="table | csv | json"),
    max_rows: int = typer.Option(100, "--max-rows", min=1,
                                 help="Rows shown as a table (csv and json print all)"),
) -> None:
    """Ask a run folder a question in SQL; prints the result."""
    from .query import format_rows, run_query

    columns, rows, truncated = run_query(out_dir, sql,
                                         max_rows=max_rows if fmt == "table" else None)
    typer.echo(format_rows(columns, rows, fmt, truncated=truncated))

@app.command()
def sample(
    run_dir: Path = typer.Argument(..., metavar="DIR", help="A finished run's --out folder"),
    task: str = typer.Option(..., "--task", help="pairs | blame | stance | issue"),
    out: Path = typer.Option(..., "--out", "-o", help="Batch to label (JSONL or Label Studio)"),
    n: int = typer.Option(200, "--n", min=1, help="Items to pick"),
    strategy: str = typer.Option("uncertain", "--strategy", help="uncertain | random | diverse"),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl | labelstudio"),
    uncertainty: str = typer.Option("margin", "--uncertainty", help="margin | least"),
    model: Optional[Path] = typer.Option(None, "--model",
                                         help="Model that scores the items (default: the run's)"),
    seed: int = typer.Option(13, "--seed"),
    force: bool = typer.Option(False, "--force", help="Overwrite --out"),
) -> None:
    """Pick statements or entity pairs of a run for labelling, with context and pre-annotation."""
    from .annotate import sample as run_sample

    result = run_sample(run_dir, out, task=task, n=n, strategy=strategy, fmt=fmt, seed=seed,
                        model=model, measure=uncertainty, force=force)
    typer.echo(f"Picked {result['sampled']} of {result['items']} {task} items ({strategy}; "
               f"mean uncertainty {result['mean_uncertainty']}) into {out}. Label them, then "
               f"`blamegraph import-labels {out} --out LABELS.jsonl`.")


@app.command("import-labels")
def import_labels_cmd(
    batches: List[Path] = typer.Argument(..., metavar="BATCH...",
                                         help="Completed batches (JSONL or Label Studio JSON)"),
    out: Path = typer.Option(..., "--out", "-o", help="Training JSONL for finetune --data"),
    fmt: str = typer.Option("auto", "--format", "-f", help="auto | jsonl | labelstudio"),
    dispute: Optional[str] = typer.Option(None, "--dispute",
                                          help="Dispute name of the records (default: the run's)"),
    on_conflict: str = typer.Option("error", "--on-conflict", help="error | skip"),
    force: bool = typer.Option(False, "--force", help="Overwrite --out"),
) -> None:
    """Turn completed batches into labelled passages (corpora/labels/GUIDE.md), validated."""
    from .annotate import import_labels

    result = import_labels(batches, out, fmt=fmt, dispute=dispute, on_conflict=on_conflict,
                           force=force)
    typer.echo(f"Wrote {result['records']} labelled records to {out} ({result['rejected']} "
               f"rejected, {result['ignored']} ignored, {result['merged_duplicates']} identical "
               f"duplicates merged, {len(result['conflicts'])} conflicts left out).")
    for line in result["conflicts"]:
        typer.echo(f"conflict: {line}", err=True)
    if result["held_out_disputes"]:
        typer.echo(f"warning: {', '.join(result['held_out_disputes'])} is a dev/test dispute of "
                   "this project; finetune will not train on it. Re-import with --dispute NAME.",
                   err=True)


@app.command()
def agreement(
    files: List[Path] = typer.Argument(..., metavar="FILE...",
                                       help="Annotated batches (one per annotator, or with an "
                                            "'annotator' field)"),
    task: Optional[str] = typer.Option(None, "--task", help="Default: the items' task"),
    fmt: str = typer.Option("auto", "--format", "-f", help="auto | jsonl | labelstudio"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the report (JSON)"),
) -> None:
    """Inter-annotator agreement: Cohen's kappa per pair, Krippendorff's alpha (nominal)."""
    import json

    from .annotate import agreement as compute

    report = compute(files, task=task, fmt=fmt)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf8")
    typer.echo(f"{report['task']}: {report['n_units_multiply_rated']} of {report['n_units']} "
               f"units rated more than once; Krippendorff's alpha {report['krippendorff_alpha']}")
    for pair, row in report["cohen_kappa"].items():
        typer.echo(f"  {pair}: Cohen's kappa {row['kappa']} on {row['n_units']} units "
                   f"(observed agreement {row['observed_agreement']})")


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
