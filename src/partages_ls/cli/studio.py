"""`partages-ls project|import|annotators|status|pull|demo`: the Label Studio side, as thin commands.

Each command resolves the connection (``--url``/``--api-key``, else ``LABEL_STUDIO_URL`` /
``LABEL_STUDIO_API_KEY``, else ``partages-ls.toml``), checks the server, calls one library
function of ``partages_ls.studio`` and prints its result. The token is never printed.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from partages_ls.content import bundled_workspace
from partages_ls.guides.loader import load_guide
from partages_ls.studio.annotators import add_annotators, login_help
from partages_ls.studio.blind import create_blind_group, find_group, group_status, pull_group
from partages_ls.studio.client import StudioClient
from partages_ls.studio.connection import resolve_connection
from partages_ls.studio.importer import MODES, ImportOptions, ImportReport
from partages_ls.studio.plugin import set_project_plugin
from partages_ls.studio.projects import connect_ml_backend, create_project, list_projects
from partages_ls.studio.pull import pull_project
from partages_ls.studio.server import ensure_server_install, find_server
from partages_ls.studio.sources import KINDS_HELP
from partages_ls.studio.status import project_status
from partages_ls.workflows.demo import DEFAULT_DATA_DIR, DEFAULT_OUT, DemoOptions, run_demo
from partages_ls.workflows.imports import run_import

HELP = {"help_option_names": ["-h", "--help"]}
F = TypeVar("F", bound=Callable[..., Any])
PROJECT_HELP = (
    "PROJECT is a project id or a guide name (the project is found by the marker partages-ls stores in it), "
    "or blind:GUIDE for a blind group (one project per annotator, merged by report id)."
)


def connection_options(function: F) -> F:
    """``--url`` and ``--api-key`` (after them: the environment variables, then partages-ls.toml)."""
    function = click.option(
        "--api-key",
        default=None,
        metavar="TOKEN",
        help="API token (default: $LABEL_STUDIO_API_KEY, then partages-ls.toml). Prefer the variable: "
        "an option is visible in the process list.",
    )(function)
    function = click.option(
        "--url", default=None, help="Label Studio URL (default: $LABEL_STUDIO_URL, then partages-ls.toml)."
    )(function)
    return function


def _client(url: str | None, api_key: str | None) -> StudioClient:
    client = StudioClient(resolve_connection(url, api_key))
    try:
        client.check_server()
    except BaseException:
        client.close()
        raise
    return client


class _Progress:
    """A progress bar on stderr driven by (done, total) callbacks; restarts when the total changes."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.total = -1

    def __call__(self, done: int, total: int) -> None:
        if total != self.total:
            self.close()
            self.total = total
            if total > 0:
                self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr, show_pos=True)
                self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


# --- project ----------------------------------------------------------------------------------
@click.group("project", context_settings=HELP)
def project_group() -> None:
    """Create and list the Label Studio projects of the guides."""


@project_group.command("create", context_settings=HELP)
@click.argument("guide")
@click.option("--title", default=None, help="Project title (default: the guide's CU and title; kept when rerun).")
@click.option(
    "--overlap",
    type=click.IntRange(min=1),
    default=None,
    help="Annotations wanted per task (maximum_annotations; default 2 on creation, unchanged when rerun).",
)
@click.option(
    "--with-plugin",
    is_flag=True,
    help="Also set the guide's plugin (rules checked before each save); says whether the server will run it "
    "(Enterprise, or Community with partages-ls' plugin loader).",
)
@click.option(
    "--ml-backend",
    "ml_backend",
    default=None,
    metavar="URL",
    help="Connect this ML backend (`partages-ls ml-backend serve`) and show its suggestions.",
)
@click.option(
    "--blind",
    is_flag=True,
    help="Blind double annotation: one project per annotator over the same reports (group blind:GUIDE).",
)
@click.option(
    "--annotators",
    default="",
    metavar="EMAIL,EMAIL",
    help="With --blind: the annotators, one project each (added to the group when it exists).",
)
@connection_options
def project_create_command(
    guide: str,
    title: str | None,
    overlap: int | None,
    with_plugin: bool,
    ml_backend: str | None,
    blind: bool,
    annotators: str,
    url: str | None,
    api_key: str | None,
) -> None:
    """Create GUIDE's project with its generated config and French instructions, or update it.

    Idempotent: the project is found again by a marker in its description. When the guide changed,
    the config and instructions are updated, unless that would orphan existing annotations: then
    nothing changes and the labels/controls in use are listed. With --blind, each annotator of
    --annotators gets a project of their own (group blind:GUIDE; see "Blind double annotation").
    """
    loaded = load_guide(guide, bundled_workspace().guides)
    if blind or annotators:
        if not blind or overlap is not None:
            raise click.UsageError("--annotators goes with --blind, and --overlap does not (one annotation per task)")
        _create_blind(
            loaded, [a for a in annotators.split(",") if a.strip()], title, with_plugin, ml_backend, url, api_key
        )
        return
    with _client(url, api_key) as client:
        result = create_project(client, loaded, title=title, overlap=overlap)
        plugin = set_project_plugin(client, result.project.id, loaded) if with_plugin else None
        backend = connect_ml_backend(client, result.project.id, ml_backend) if ml_backend else None
    project = result.project
    changes = f" ({', '.join(result.changes)})" if result.action == "updated" else ""
    click.echo(
        f"{result.action}: project {project.id} {project.title!r} for guide {loaded.name} v{loaded.version}{changes}"
    )
    click.echo(f"  {client.url}/projects/{project.id}")
    if plugin is not None:
        click.echo(f"  plugin: {plugin.message}")
    if backend is not None:
        click.echo(f"  ML backend {backend.action}: {backend.url} (model_version {backend.title}, {backend.state})")


def _create_blind(
    guide: Any,
    annotators: list[str],
    title: str | None,
    with_plugin: bool,
    ml_backend: str | None,
    url: str | None,
    api_key: str | None,
) -> None:
    with _client(url, api_key) as client:
        result = create_blind_group(client, guide, annotators, title=title)
        click.echo(f"blind group {result.group.label} (guide {guide.name} v{guide.version}): one project per annotator")
        for email, done in sorted(result.results.items()):
            project = done.project
            click.echo(f"  {done.action}: project {project.id} {project.title!r} for {email}")
            click.echo(f"    {client.url}/projects/{project.id}/data?labeling=1")
            if with_plugin:
                click.echo(f"    plugin: {set_project_plugin(client, project.id, guide).message}")
            if ml_backend:
                backend = connect_ml_backend(client, project.id, ml_backend)
                click.echo(f"    ML backend {backend.action}: {backend.url} (model_version {backend.title})")
    click.echo(
        "  each annotator labels in their own project only; Community still lists every project to every "
        "member: `partages-ls status` reports any annotation made in another's project"
    )


@project_group.command("list", context_settings=HELP)
@connection_options
def project_list_command(url: str | None, api_key: str | None) -> None:
    """List the projects and the guide each one was created from."""
    with _client(url, api_key) as client:
        projects = list_projects(client)
    for project in projects:
        guide = f"{project.guide_name} v{project.guide_version or '?'}" if project.guide_name else "-"
        click.echo(f"{project.id:>5}  {guide:<28} {project.title}")


# --- import -----------------------------------------------------------------------------------
def _print_import(report: ImportReport) -> None:
    click.echo(
        f"project {report.project_id} ({report.guide}): {report.reports} report(s) in the sources, "
        f"{report.tasks_created} task(s) created, {report.tasks_present} already there"
    )
    if report.mode == "annotations":
        click.echo(
            f"  annotations of {report.annotator}: {report.annotations_created} added, "
            f"{report.annotations_present} already there"
        )
    elif report.mode == "predictions":
        click.echo(f"  predictions: {report.predictions_created} added, {report.predictions_present} already there")
    if report.resumed:
        click.echo(f"  resumed {report.resumed} time(s) after a transport fault (re-listed the project first)")
    for note in report.notes:
        click.echo(f"  note: {note}")
    if report.changed_text:
        click.echo(
            f"  {len(report.changed_text)} report(s) have a different text than when first imported (kept as they "
            f"are; nothing of them imported): {', '.join(report.changed_text)}"
        )
    if report.without_text:
        click.echo(
            f"  {len(report.without_text)} annotated report(s) are neither in the project nor in the sources "
            f"(import their .txt first): {', '.join(report.without_text)}"
        )
    if report.duplicates:
        click.echo(f"  reports with several tasks in the project (left alone): {', '.join(report.duplicates)}")
    for problem in report.problems:
        click.echo(f"  {problem.render()}")
    if report.invalid_reports:
        shown = ", ".join(report.invalid_reports)
        click.echo(
            f"  {len(report.invalid_reports)} annotated report(s) break the guide's rules (imported as they are, "
            f"problems listed above): {shown}"
        )
    if report.left_out:
        click.echo(f"  NOT IMPORTED: {len(report.left_out)} item(s) that Label Studio cannot store (listed above)")


@click.command("import", context_settings=HELP)
@click.argument("project")
@click.argument("sources", metavar="SOURCE...", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--as",
    "mode",
    type=click.Choice(MODES),
    default=None,
    help="How annotations found in the sources are stored (default: predictions, i.e. pre-annotations; a "
    "blind:GUIDE group needs it said).",
)
@click.option("--annotator", default=None, metavar="EMAIL", help="With --as annotations: whose annotations they are.")
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse the whole import, before sending anything, when anything breaks a guide rule (warnings "
    "included) or cannot be stored.",
)
@click.option(
    "--allow-invalid",
    is_flag=True,
    hidden=True,
    help="Deprecated: rule-breaking annotations are now always imported (and listed); this does nothing.",
)
@click.option("--chunk-size", type=click.IntRange(min=1), default=250, show_default=True, help="Tasks per request.")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@connection_options
def import_command(
    project: str,
    sources: tuple[Path, ...],
    mode: str | None,
    annotator: str | None,
    strict: bool,
    allow_invalid: bool,
    chunk_size: int,
    as_json: bool,
    url: str | None,
    api_key: str | None,
) -> None:
    """Import reports, and their annotations if any, into PROJECT; rerunning imports only what is missing.

    SOURCE: {kinds}. The report id is the key: a report already in the project is never duplicated,
    and one whose text changed is reported, not replaced. Annotations are checked against the guide
    first: every item Label Studio can store is imported and each rule it breaks is listed (file, line
    or result, report); an item that cannot be stored (unknown label, offsets outside the text, a
    relation to a missing span, an unreadable line) is left out alone and listed. --strict refuses
    the whole import, before sending anything, when anything breaks a rule. --allow-invalid is a
    deprecated no-op. With --as annotations, a double-annotated subset is loaded one annotator at a
    time. Exit status 1 when something was left out (an item, a report whose text changed, an
    annotation without its report).
    """
    if allow_invalid:
        click.echo("note: --allow-invalid is deprecated and does nothing: every storable item is imported", err=True)
    options = ImportOptions(mode=mode, annotator=annotator, strict=strict, chunk_size=chunk_size)
    progress = _Progress("importing")
    with _client(url, api_key) as client:
        try:
            reports, group = run_import(client, project, list(sources), options, bundled_workspace(), progress=progress)
        finally:
            progress.close()
    if as_json:
        shown = [r.as_dict() for r in reports]
        click.echo(json.dumps(shown[0] if group is None else shown, indent=2, ensure_ascii=False))
    else:
        for report in reports:
            _print_import(report)
    left_out = sum(len(r.changed_text) + len(r.without_text) + len(r.left_out) for r in reports)
    if left_out:
        sys.exit(1)


# --- annotators -------------------------------------------------------------------------------
@click.group("annotators", context_settings=HELP)
def annotators_group() -> None:
    """Organisation members who annotate."""


@annotators_group.command("add", context_settings=HELP)
@click.argument("project")
@click.argument("emails", nargs=-1, required=True)
@connection_options
def annotators_add_command(project: str, emails: tuple[str, ...], url: str | None, api_key: str | None) -> None:
    """Make each EMAIL a member who can annotate PROJECT, and say how they get a login. Idempotent."""
    if project.startswith("blind:"):
        raise click.UsageError(
            f"a blind group gets an annotator with a project of their own: "
            f"partages-ls project create {project.removeprefix('blind:')} --blind --annotators EMAIL,…"
        )
    with _client(url, api_key) as client:
        result = add_annotators(client, project, list(emails))
        local = find_server(DEFAULT_DATA_DIR)
        if local is not None and local.url == client.url:
            help_ = login_help(client, data_dir=DEFAULT_DATA_DIR, venv=ensure_server_install())
        else:
            help_ = login_help(client)
    for member in result.members:
        click.echo(f"{'added' if member.created else 'already a member'}: {member.email} (user {member.user_id})")
    click.echo(f"They can annotate project {result.project.id} at {client.url}/projects/{result.project.id}")
    for line in help_.lines([m.email for m in result.members]):
        click.echo(line)


# --- status -----------------------------------------------------------------------------------
@click.command("status", context_settings=HELP)
@click.argument("project")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@connection_options
def status_command(project: str, as_json: bool, url: str | None, api_key: str | None) -> None:
    """Progress of PROJECT: per annotator, tasks by number of submitted annotations, agreement-ready reports."""
    foreign: list[dict[str, Any]] | None = None
    guides = bundled_workspace().guides
    with _client(url, api_key) as client:
        group = find_group(client, project)
        if group is None:
            status = project_status(client, project, guides=guides)
        else:
            status, merged = group_status(client, group, load_guide(group.guide, guides))
            foreign = merged.foreign
    if as_json:
        data = status.as_dict()
        if group is not None:
            data |= {"blind_group": {e: p.id for e, p in sorted(group.members.items())}, "foreign": foreign}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"project {status.project_id} {status.title!r} (guide {status.guide or '-'}, overlap {status.overlap})")
    click.echo(f"  tasks: {status.tasks}; predictions: {status.predictions}")
    buckets = status.tasks_by_submitted
    click.echo(f"  tasks with 0 / 1 / 2+ submitted annotations: {buckets['0']} / {buckets['1']} / {buckets['2+']}")
    if status.annotators:
        width = max(len(a.annotator) for a in status.annotators)
        click.echo(f"  {'annotator':<{width}}  submitted  skipped")
        for entry in status.annotators:
            click.echo(f"  {entry.annotator:<{width}}  {entry.submitted:>9}  {entry.skipped:>7}")
    else:
        click.echo("  no annotations yet")
    click.echo(
        f"  skipped tasks: {len(status.skipped_tasks)}"
        + (f" ({', '.join(status.skipped_tasks)})" if status.skipped_tasks else "")
    )
    ready = status.ready_for_agreement
    click.echo(
        f"  ready for agreement (2+ annotators submitted): {len(ready)}" + (f" ({', '.join(ready)})" if ready else "")
    )
    if status.contaminated:
        click.echo(
            f"  NOT BLIND: {len(status.contaminated)} annotation(s) last updated by another annotator "
            "(agreement --exclude-contaminated leaves them out):"
        )
        for item in status.contaminated:
            click.echo(f"    {item.where()} by {item.completed_by}, last updated by {item.updated_by}")
    if foreign:
        click.echo(f"  NOT BLIND: {len(foreign)} annotation(s) made in another annotator's project:")
        for item_ in foreign:
            where = f"report {item_['report']} / project {item_['project']} / annotation {item_['annotation']}"
            click.echo(f"    {where} by {item_['by']}")


# --- pull -------------------------------------------------------------------------------------
@click.command("pull", context_settings=HELP)
@click.argument("project")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Export file (.json).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing file.")
@connection_options
def pull_command(project: str, output: Path, overwrite: bool, url: str | None, api_key: str | None) -> None:
    """Download PROJECT's full raw JSON export (annotator e-mails included) and its record FILE.json.meta.json."""
    guides = bundled_workspace().guides
    with _client(url, api_key) as client:
        group = find_group(client, project)
        if group is None:
            result = pull_project(client, project, output, guides=guides, overwrite=overwrite)
        else:
            result = pull_group(client, group, load_guide(group.guide, guides), output, overwrite=overwrite)
    where = (
        f"project {result.record['project_id']}"
        if group is None
        else f"blind group {group.label} ({group.describe()}, merged by report id)"
    )
    click.echo(
        f"{result.path}: {result.tasks} task(s), {result.annotations} annotation(s) from {where} "
        f"(guide {result.record['guide']} v{result.record['guide_version']})"
    )
    click.echo(f"record: {result.record_path}")


# --- demo -------------------------------------------------------------------------------------
@click.command("demo", context_settings=HELP)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True,
    help="Output folder (exports, subsets, agreement reports); the demo replaces what it wrote there before.",
)  # fmt: skip
@click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DATA_DIR, show_default=True,
    help="Data folder of the local Label Studio server.",
)  # fmt: skip
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Preferred port of the server (default: the previous one, else free).",
)
def demo_command(out: Path, data_dir: Path, port: int | None) -> None:
    """The whole workflow on the bundled samples with a local Label Studio (127.0.0.1). Safe to rerun."""
    result = run_demo(DemoOptions(out=out, data_dir=data_dir, port=port), bundled_workspace(), echo=click.echo)
    click.echo("")
    click.echo(f"Label Studio: {result.url}" + ("" if result.started else " (already running)"))
    click.echo(f"  admin login: {result.username}")
    click.echo(f"  its password and API token are in {result.credentials_file} (readable by you only)")
    for outcome in result.guides:
        click.echo(f"  {outcome.guide}: {result.url}/projects/{outcome.project_id}")
    for line in result.login_lines:
        click.echo(line)
    click.echo(f"Outputs in {out}/")
    if result.next_commands:
        click.echo("Next, as a lead would (from this folder):")
        for line in result.next_commands:
            click.echo(f"  {line}")
    click.echo(f"Stop the server with: {result.stop_command}")


# Click 8.5 does not dedent a help text set after decoration: clean it here.
import_command.help = inspect.cleandoc((import_command.help or "").replace("{kinds}", KINDS_HELP))
for _command in (import_command, annotators_add_command, status_command, pull_command):
    _command.help = f"{_command.help}\n\n{PROJECT_HELP}"
