"""`partages-ls export` and `partages-ls validate`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from partages_ls.content import bundled_workspace
from partages_ls.errors import DiagnosticError, Level, errors_in
from partages_ls.exporters.export import INVALID_MODES
from partages_ls.exporters.gold import POLICY_HELP
from partages_ls.exporters.registry import FORMATS
from partages_ls.exporters.splits import SplitPlan
from partages_ls.workflows.export import ExportRequest, run_export
from partages_ls.workflows.validate import run_validate

HELP = {"help_option_names": ["-h", "--help"]}


@click.command("export", context_settings=HELP)
@click.argument("export_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "target", type=click.Choice(sorted(FORMATS)), required=True, help="Output format.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output folder.")
@click.option("--guide", default=None, help="Guide name (default: the one recorded by `pull`).")
@click.option("--force-guide", is_flag=True, help="Accept a --guide that differs from the pull record.")
@click.option("--gold", default="single", show_default=True, help=f"Which annotation is exported: {POLICY_HELP}.")
@click.option("--split-ratio", type=float, default=None, help="Train share of the cumulative annotation count.")
@click.option(
    "--split-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV with columns report,split.",
)
@click.option("--single-split", default=None, help="Put every report in this one split.")
@click.option(
    "--invalid",
    type=click.Choice(INVALID_MODES),
    default="keep",
    show_default=True,
    help="Items that break a guide rule: keep (write them as stored and list each violation), "
    "skip (leave them out, listed) or fail (write nothing when anything breaks a rule).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Warnings count too: with --invalid skip their items are left out, with --invalid fail they refuse.",
)
@click.option("--overwrite", is_flag=True, help="Replace a non-empty output folder.")
def export_command(
    export_file: Path,
    target: str,
    out: Path,
    guide: str | None,
    force_guide: bool,
    gold: str,
    split_ratio: float | None,
    split_file: Path | None,
    single_split: str | None,
    invalid: str,
    strict: bool,
    overwrite: bool,
) -> None:
    """Export a Label Studio JSON export to the PARHAF parquet layout, CAS JSON or brat.

    Exit status: 0 everything read was written (rule violations, if any, listed); 3 written, but
    something read was not (items that cannot be represented, items left out by --invalid skip, tasks
    the gold policy cannot decide; all in export-report.json); 4 --invalid fail refused, nothing
    written; 5 no document to write, nothing written (the message says why); 1 any other error.
    """
    if sum(x is not None for x in (split_ratio, split_file, single_split)) > 1:
        raise click.UsageError("give at most one of --split-ratio, --split-file, --single-split")
    plan = SplitPlan(ratio=split_ratio if split_ratio is not None else 0.8, file=split_file, single=single_split)
    request = ExportRequest(export_file, target, out, guide, gold, plan, strict, overwrite, force_guide, invalid)
    report = run_export(request, bundled_workspace())
    summary = report["summary"]
    click.echo(
        f"{report['guide']} v{report['guide_version']} → {target} in {out} (gold: {report['gold_policy']})\n"
        f"  tasks {summary['tasks']}, annotations read {summary['annotations_read']} "
        f"(cancelled {summary['annotations_cancelled']}), exported {summary['annotations_exported']} "
        f"({summary['spans_exported']} spans, {summary['relations_exported']} relations)"
    )
    for reason, count in summary["skipped_by_reason"].items():
        click.echo(f"  skipped ({reason}): {count}")
    for rule, count in summary["violations_by_rule"].items():
        click.echo(f"  written as stored, breaks the guide ({rule}): {count}")
    for item in report["violations"][:20]:
        click.echo(f"    {item['where']}: {item['kind']}: {item['reason']}")
    if len(report["violations"]) > 20:
        click.echo(f"    … and {len(report['violations']) - 20} more in export-report.json")
    if report["contaminated"]:
        click.echo(
            f"  NOT BLIND: {len(report['contaminated'])} annotation(s) last updated by another annotator "
            "(exported as stored; listed under contaminated in export-report.json)"
        )
        for item in report["contaminated"][:20]:
            click.echo(
                f"    task {item['task']} ({item['report']}) / annotation {item['annotation']} by "
                f"{item['completed_by']}, last updated by {item['updated_by']}"
            )
    click.echo(f"  details: {out / 'export-report.json'}")
    if report["exit_status"]:
        click.echo(
            f"  NOT WRITTEN: {summary['left_out']} item(s) or task(s) read were not written (see left_out in "
            f"export-report.json); exit status {report['exit_status']}",
            err=True,
        )
        sys.exit(report["exit_status"])


@click.command("validate", context_settings=HELP)
@click.argument("export_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--guide", default=None, help="Guide name (default: the one recorded by `pull`).")
@click.option("--force-guide", is_flag=True, help="Accept a --guide that differs from the pull record.")
@click.option("--strict", is_flag=True, help="Warnings count as errors for the exit status.")
def validate_command(export_file: Path, guide: str | None, force_guide: bool, strict: bool) -> None:
    """Check every submitted annotation of an export against its guide; list every problem."""
    resolved, diagnostics = run_validate(export_file, bundled_workspace(), guide=guide, force_guide=force_guide)
    blocking = errors_in(diagnostics, strict=strict)
    if blocking:
        raise DiagnosticError(
            f"{len(blocking)} problem(s) against guide {resolved.name} v{resolved.version}", diagnostics
        )
    warnings = [d for d in diagnostics if d.level is Level.WARNING]
    for warning in warnings:
        click.echo(warning.render())
    click.echo(f"ok: no errors against guide {resolved.name} v{resolved.version} ({len(warnings)} warnings)")
