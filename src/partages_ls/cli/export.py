"""`partages-ls export` and `partages-ls validate`."""

from __future__ import annotations

from pathlib import Path

import click

from partages_ls.errors import DiagnosticError, Level, errors_in
from partages_ls.exporters.export import WRITERS, ExportRequest, resolve_guide, run_export, validate_tasks
from partages_ls.exporters.gold import POLICY_HELP
from partages_ls.exporters.labelstudio import load_export
from partages_ls.exporters.splits import SplitPlan

HELP = {"help_option_names": ["-h", "--help"]}


@click.command("export", context_settings=HELP)
@click.argument("export_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "target", type=click.Choice(sorted(WRITERS)), required=True, help="Output format.")
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
@click.option("--strict", is_flag=True, help="Treat warnings as errors (their items are skipped).")
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
    strict: bool,
    overwrite: bool,
) -> None:
    """Export a Label Studio JSON export to the PARHAF parquet layout, CAS JSON or brat."""
    if sum(x is not None for x in (split_ratio, split_file, single_split)) > 1:
        raise click.UsageError("give at most one of --split-ratio, --split-file, --single-split")
    plan = SplitPlan(ratio=split_ratio if split_ratio is not None else 0.8, file=split_file, single=single_split)
    request = ExportRequest(export_file, target, out, guide, gold, plan, strict, overwrite, force_guide)
    report = run_export(request)
    summary = report["summary"]
    click.echo(
        f"{report['guide']} v{report['guide_version']} → {target} in {out} (gold: {report['gold_policy']})\n"
        f"  tasks {summary['tasks']}, annotations read {summary['annotations_read']} "
        f"(cancelled {summary['annotations_cancelled']}), exported {summary['annotations_exported']} "
        f"({summary['spans_exported']} spans, {summary['relations_exported']} relations)"
    )
    for reason, count in summary["skipped_by_reason"].items():
        click.echo(f"  skipped ({reason}): {count}")
    if summary["warnings"]:
        click.echo(f"  warnings: {summary['warnings']}")
    click.echo(f"  details: {out / 'export-report.json'}")


@click.command("validate", context_settings=HELP)
@click.argument("export_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--guide", default=None, help="Guide name (default: the one recorded by `pull`).")
@click.option("--force-guide", is_flag=True, help="Accept a --guide that differs from the pull record.")
@click.option("--strict", is_flag=True, help="Warnings count as errors for the exit status.")
def validate_command(export_file: Path, guide: str | None, force_guide: bool, strict: bool) -> None:
    """Check every submitted annotation of an export against its guide; list every problem."""
    resolved = resolve_guide(export_file, guide, force=force_guide)
    diagnostics = validate_tasks(load_export(export_file), resolved, source=export_file.name)
    blocking = errors_in(diagnostics, strict=strict)
    if blocking:
        raise DiagnosticError(
            f"{len(blocking)} problem(s) against guide {resolved.name} v{resolved.version}", diagnostics
        )
    warnings = [d for d in diagnostics if d.level is Level.WARNING]
    for warning in warnings:
        click.echo(warning.render())
    click.echo(f"ok: no errors against guide {resolved.name} v{resolved.version} ({len(warnings)} warnings)")
