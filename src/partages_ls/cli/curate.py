"""`partages-ls curate PROJECT` and `partages-ls curate status PROJECT`."""

from __future__ import annotations

import json
from typing import Any

import click

from partages_ls.cli.studio import PROJECT_HELP, _client, connection_options
from partages_ls.content import bundled_workspace
from partages_ls.curation.prepare import prepare_curation
from partages_ls.curation.status import curation_status
from partages_ls.curation.strategy import STRATEGY_HELP, Strategy

HELP = {"help_option_names": ["-h", "--help"]}


class _CurateGroup(click.Group):
    """``curate PROJECT …`` prepares; ``curate status PROJECT`` reports (PROJECT may not be "status")."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["prepare", *args]
        return super().parse_args(ctx, args)


@click.group("curate", cls=_CurateGroup, context_settings=HELP)
def curate_group() -> None:
    """Curation in a project beside PROJECT: `curate PROJECT` prepares it, `curate status PROJECT` reports.

    Each report with one submitted annotation gets a review task starting from it; with several, an
    adjudication task starting from their merge, with a red "Conflit" region per conflict (who said
    what). The curator fixes the starting annotation, deletes the Conflit regions, ticks "Curation
    terminée" and clicks Update; `export --gold curated` then exports it.
    """


@curate_group.command("prepare", context_settings=HELP)
@click.argument("project")
@click.option("--strategy", default="complete", show_default=True, help=f"Merge strategy: {STRATEGY_HELP}.")
@click.option("--curator", default=None, metavar="EMAIL", help="Who curates (default: the token's user).")
@click.option("--reports", default=None, metavar="ID,ID,…", help="Only these report ids (default: every report).")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@connection_options
def prepare_command(
    project: str,
    strategy: str,
    curator: str | None,
    reports: str | None,
    as_json: bool,
    url: str | None,
    api_key: str | None,
) -> None:
    """Prepare (or update) the curation of PROJECT; never overwrites a curator's work."""
    parsed = Strategy.parse(strategy)
    wanted = [r.strip() for r in reports.split(",") if r.strip()] if reports else None
    with _client(url, api_key) as client:
        guides = bundled_workspace().guides
        report = prepare_curation(client, project, strategy=parsed, curator=curator, reports=wanted, guides=guides)
        link = f"{client.url}/projects/{report.curation_project}"
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    action = "created" if report.created_project else "updated" if report.changed else "up to date, nothing changed"
    click.echo(f"curation project {report.curation_project} ({action}) for project {report.source_project}: {link}")
    click.echo(f"  strategy {report.strategy}, curator {report.curator}")
    click.echo(f"  prepared: {len(report.review)} review (one annotation), {len(report.adjudication)} adjudication")
    click.echo(f"  of which updated (the annotators' work or the strategy changed): {len(report.updated)}")
    click.echo(f"  merged units: {report.merged_units}; conflicts to resolve: {report.conflicts}")
    click.echo(f"  unchanged since the last run: {len(report.unchanged)}")
    _listing("kept (the curator's work is never overwritten)", report.kept)
    _listing("skipped", report.skipped)
    if report.ground_truth_marked:
        click.echo(f"  curated annotations marked ground truth: {len(report.ground_truth_marked)}")
    for problem in report.problems:
        click.echo(f"  left out of the merge: {problem}")
    click.echo(
        f"  next: curate at {link}, then `partages-ls pull {report.curation_project} -o curation.json` and "
        "`partages-ls export curation.json --gold curated --to parhaf --out DIR`"
    )


def _listing(title: str, entries: dict[str, str]) -> None:
    click.echo(f"  {title}: {len(entries)}")
    for name, why in sorted(entries.items()):
        click.echo(f"    {name}: {why}")


@curate_group.command("status", context_settings=HELP)
@click.argument("project")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@connection_options
def status_command(project: str, as_json: bool, url: str | None, api_key: str | None) -> None:
    """Per report: merged and conflicting units, curated or not; totals."""
    with _client(url, api_key) as client:
        status = curation_status(client, project, guides=bundled_workspace().guides)
    data: dict[str, Any] = status.as_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if status.curation_project is None:
        click.echo(f"project {status.source_project} has no curation yet: run `partages-ls curate {project}`")
        return
    totals = data["totals"]
    click.echo(f"curation project {status.curation_project} of project {status.source_project}")
    click.echo(
        f"  reports {totals['reports']} (review {totals['review']}, adjudication {totals['adjudication']}); "
        f"curated {totals['curated']}, not yet {totals['not_curated']}"
    )
    click.echo(f"  merged units {totals['merged_units']}, conflicts {totals['conflicts']}")
    for entry in status.reports:
        state = "curated" if entry.curated else "to curate"
        if entry.curated and entry.markers_left:
            state += f" BUT {entry.markers_left} conflict marker(s) left"
        click.echo(
            f"  {entry.report}: {entry.kind}, {entry.merged_units} merged, {entry.conflicts} conflict(s), {state}"
        )


prepare_command.help = (prepare_command.help or "") + "\n\n" + PROJECT_HELP
