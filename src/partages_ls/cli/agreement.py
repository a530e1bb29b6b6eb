"""`partages-ls agreement`: the inter-annotator agreement report of a Label Studio export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from partages_ls.agreement.bootstrap import DEFAULT_SAMPLES, DEFAULT_SEED, MAX_SAMPLES, MAX_SEED
from partages_ls.agreement.reference import OUTPUTS as REFERENCE_OUTPUTS
from partages_ls.agreement.reference import REFERENCE_HELP
from partages_ls.agreement.report import OUTPUTS, AgreementOptions
from partages_ls.content import bundled_workspace
from partages_ls.workflows.agreement import AgreementRequest, run_agreement

HELP = {"help_option_names": ["-h", "--help"]}


def _figure(figure: dict[str, object]) -> str:
    value = figure.get("value")
    return "n/a" if not isinstance(value, float | int) else f"{value:.3f}"


@click.command("agreement", context_settings=HELP)
@click.argument("export_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output folder.")
@click.option("--guide", default=None, help="Guide name (default: the one recorded by `pull`).")
@click.option("--force-guide", is_flag=True, help="Accept a --guide that differs from the pull record.")
@click.option("--annotators", default=None, help="Compare only these annotators (comma-separated).")
@click.option(
    "--iou",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="Minimum IoU for two spans to match in overlap mode (default: any shared character).",
)
@click.option(
    "--bootstrap",
    "samples",
    type=click.IntRange(0, MAX_SAMPLES),
    default=DEFAULT_SAMPLES,
    show_default=True,
    help="Bootstrap samples for the 95% intervals (0 disables them).",
)
@click.option(
    "--seed", type=click.IntRange(0, MAX_SEED), default=DEFAULT_SEED, show_default=True, help="Seed of the bootstrap."
)
@click.option("--no-text", is_flag=True, help="Leave every text snippet out of the outputs (real patient data).")
@click.option(
    "--exclude-contaminated",
    is_flag=True,
    help="Leave out annotations last updated by another annotator (not blind); the report says so.",
)
@click.option("--overwrite", is_flag=True, help="Replace a non-empty output folder.")
@click.option(
    "--reference",
    default=None,
    help=f"Also compare each annotator with a reference: {REFERENCE_HELP}; writes reference.md/.json/-differences.csv.",
)
def agreement_command(
    export_file: Path,
    out: Path,
    guide: str | None,
    force_guide: bool,
    annotators: str | None,
    iou: float | None,
    samples: int,
    seed: int,
    no_text: bool,
    exclude_contaminated: bool,
    overwrite: bool,
    reference: str | None,
) -> None:
    """Compute inter-annotator agreement (spans, attributes, relations, document classes) of an export."""
    names = [name.strip() for name in annotators.split(",") if name.strip()] if annotators is not None else None
    options = AgreementOptions(names, iou, samples, seed, no_text, exclude_contaminated=exclude_contaminated)
    request = AgreementRequest(export_file, out, guide, options, overwrite, force_guide, reference)
    result = run_agreement(request, bundled_workspace())
    report = result.data
    click.echo(
        f"{report['guide']} v{report['guide_version']}: {len(report['annotators'])} annotator(s), "
        f"{report['documents']['compared']} of {report['documents']['total']} document(s) compared"
    )
    for control, entry in report["spans"].items():
        click.echo(
            f"  {control}: F1 exact {_figure(entry['exact']['micro_f1'])}, "
            f"overlap {_figure(entry['overlap']['micro_f1'])}, alpha_u {_figure(entry['alpha_u']['overall'])}"
        )
    for name, entry in report["attributes"].items():
        click.echo(f"  {name}: alpha {_figure(entry['krippendorff_alpha'])} on {entry['support']} matched spans")
    if report["relations"]["types"]:
        exact = _figure(report["relations"]["modes"]["exact"]["micro_f1"])
        click.echo(f"  relations: F1 {_figure(report['relations']['micro_f1'])} (exact endpoints {exact})")
    for name, entry in report["document_fields"].items():
        click.echo(f"  {name}: alpha {_figure(entry['krippendorff_alpha'])}, AC1 {_figure(entry['gwet_ac1'])}")
    click.echo(f"  disagreements: {report['disagreements']['count']}")
    conformance = report["conformance"]
    click.echo(
        f"  guide conformance: {conformance['violations']} rule violation(s) in "
        f"{conformance['counted_annotations']} counted annotation(s) (counted as stored)"
    )
    contaminated = report["contamination"]["annotations"]
    if contaminated:
        how = "left out (--exclude-contaminated)" if report["contamination"]["excluded"] else "counted"
        click.echo(f"  NOT BLIND: {len(contaminated)} annotation(s) last updated by another annotator, {how}")
    click.echo(f"  written: {', '.join(str(out / name) for name in OUTPUTS)}")
    if result.reference is not None:
        _echo_reference(result.reference, out)


def _echo_reference(section: dict[str, Any], out: Path) -> None:
    click.echo(
        f"annotator vs reference ({section['reference']['title']}, {section['reference']['documents']} reports):"
    )
    for caveat in section["reference"].get("caveats", []):
        click.echo(f"  NOT INDEPENDENT: {caveat}")
    for who, entry in section["annotators"].items():
        spans = entry["spans"]
        click.echo(
            f"  {who}: {entry['documents']} report(s), span F1 exact {_figure(spans['exact']['f1'])}, "
            f"overlap {_figure(spans['overlap']['f1'])}, boundary {_figure(spans['boundary']['f1'])}; "
            f"{len(entry['differences'])} difference(s)"
        )
    click.echo(f"  written: {', '.join(str(out / name) for name in REFERENCE_OUTPUTS)}")
