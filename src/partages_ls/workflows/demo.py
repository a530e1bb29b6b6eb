"""`partages-ls demo`: the whole workflow on the bundled samples, against a local server.

Starts (or reuses) the persistent local Label Studio, creates one project per guide, imports the
sample reports, adds the demo annotators and loads their bundled annotations (when the sample
annotation files exist), pulls the exports, then writes the exported subsets and the agreement
reports (and curates a guide whose samples bundle curator decisions). Every step is idempotent, so running the demo
twice is harmless; the output folder belongs to the demo and is replaced.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from partages_ls.agreement.report import AgreementOptions
from partages_ls.errors import PartagesError
from partages_ls.exporters.output import guard_target
from partages_ls.guides.loader import load_guides, unknown_guide
from partages_ls.guides.model import Guide
from partages_ls.studio.annotators import add_annotators, login_help
from partages_ls.studio.client import StudioClient
from partages_ls.studio.connection import LOCAL_DATA_DIR, Connection
from partages_ls.studio.importer import ImportOptions, ImportReport
from partages_ls.studio.projects import create_project
from partages_ls.studio.pull import pull_project
from partages_ls.studio.server import (
    CREDENTIALS_FILE,
    LocalServer,
    describe_plugin_status,
    ensure_server_install,
    find_server,
    plugin_status,
)
from partages_ls.workflows.agreement import AgreementRequest, run_agreement
from partages_ls.workflows.demo_curation import curate_demo, decisions_file
from partages_ls.workflows.export import ExportRequest, run_export
from partages_ls.workflows.imports import import_sources
from partages_ls.workspace import Workspace

DEFAULT_DATA_DIR = LOCAL_DATA_DIR
DEFAULT_OUT = Path("demo-output")
EXPORT_TARGETS = ("parhaf", "cas", "brat")
# Used when no sample annotation file names the demo annotators.
DEFAULT_ANNOTATORS = ("camille.martin@exemple.fr", "louis.bernard@exemple.fr")

Echo = Callable[[str], None]


class DemoError(PartagesError):
    """The demo could not reach or start its server."""


@dataclass
class DemoOptions:
    out: Path = DEFAULT_OUT
    data_dir: Path = DEFAULT_DATA_DIR
    port: int | None = None
    samples: Path | None = None  # default: the samples folder of the workspace
    guides: list[str] | None = None  # default: every guide


@dataclass
class GuideOutcome:
    """What the demo did for one guide."""

    guide: str
    project_id: int
    project_action: str
    reports: ImportReport
    annotators: list[str] = field(default_factory=list)
    annotations: list[ImportReport] = field(default_factory=list)
    export: Path | None = None
    tasks: int = 0
    annotations_pulled: int = 0
    subsets: dict[str, Path] = field(default_factory=dict)
    agreement: Path | None = None
    curation: Path | None = None  # the curated gold's folder, when the samples bundle curator decisions
    notes: list[str] = field(default_factory=list)


@dataclass
class DemoResult:
    url: str
    data_dir: Path
    started: bool
    username: str
    credentials_file: Path
    guides: list[GuideOutcome] = field(default_factory=list)
    login_lines: list[str] = field(default_factory=list)
    stop_command: str = ""
    next_commands: list[str] = field(default_factory=list)  # what a lead types next (see next_commands())
    server: LocalServer | None = None  # set when this run started the server (it keeps running)


def _connect(options: DemoOptions, echo: Echo) -> tuple[Connection, DemoResult]:
    data_dir = options.data_dir
    state = find_server(data_dir)
    server: LocalServer | None = None
    if state is not None:
        if not state.token:
            raise DemoError(f"a server runs for {data_dir} but its credentials file is missing or unreadable")
        url, token, username, started = state.url, state.token, state.username, False
        echo(f"Reusing the Label Studio server already running at {url} (data in {data_dir})")
    else:
        echo(f"Starting Label Studio (data in {data_dir}; the first run installs it, about 2 minutes)…")
        server = LocalServer(data_dir, port=options.port).start()
        url, token, username, started = server.url, server.token, server.username, True
        echo(f"Label Studio is up at {url}")
    echo(describe_plugin_status(plugin_status(url)))  # do the labeling pages check the guides' rules?
    connection = Connection(url, token, source=str(data_dir / CREDENTIALS_FILE))
    result = DemoResult(url, data_dir, started, username, data_dir / CREDENTIALS_FILE, server=server)
    return connection, result


def _annotation_files(samples: Path, guide: str) -> list[Path]:
    folder = samples / guide / "annotations"
    return sorted(folder.glob("*@*.json")) if folder.is_dir() else []


def subset_folder(out: Path, guide: Guide, target: str) -> Path:
    """Where the demo writes a guide's subset; the parquet one is named after the hub dataset it mirrors.

    A folder's base name is what `datasets` names a local dataset (and its cache entry), so the PARHAF
    subsets get different names rather than folders all called ``parhaf``.
    """
    name = guide.export.hub_dataset.rsplit("/", 1)[-1] if target == "parhaf" else target
    return out / "subsets" / guide.name / name


def _export_and_agree(outcome: GuideOutcome, guide: Guide, out: Path, first: str, workspace: Workspace) -> None:
    """Write the guide's subsets and its agreement report.

    Only the campaign's annotators are compared (anyone else who saved an annotation, such as the
    admin looking around, is listed in the report as present but not compared).
    """
    assert outcome.export is not None
    for target in EXPORT_TARGETS:
        folder = subset_folder(out, guide, target)
        request = ExportRequest(
            outcome.export, target, folder, guide=guide.name, gold=f"annotator:{first}", overwrite=True
        )
        try:
            written = run_export(request, workspace)
            outcome.subsets[target] = folder
            if written["summary"]["left_out"]:
                outcome.notes.append(
                    f"{target} subset: {written['summary']['left_out']} item(s) not written (see its report)"
                )
        except PartagesError as exc:
            outcome.notes.append(f"{target} subset not written: {str(exc).splitlines()[0]}")
    folder = out / "agreement" / guide.name
    options = AgreementOptions(annotators=outcome.annotators)
    try:
        run_agreement(
            AgreementRequest(outcome.export, folder, guide=guide.name, options=options, overwrite=True), workspace
        )
    except PartagesError as exc:
        outcome.notes.append(f"agreement report not written: {str(exc).splitlines()[0]}")
    else:
        outcome.agreement = folder


def _curate(
    client: StudioClient,
    guide: Guide,
    outcome: GuideOutcome,
    samples: Path,
    out: Path,
    echo: Echo,
    workspace: Workspace,
) -> None:
    """Curate the guide end to end when the samples bundle curator decisions for it (partages_ls.curation)."""
    decisions = decisions_file(samples, guide.name)
    if decisions is None or outcome.export is None:
        return
    try:
        done = curate_demo(client, guide, outcome.project_id, outcome.export, decisions, out, workspace)
    except PartagesError as exc:
        outcome.notes.append(f"curation not done: {str(exc).splitlines()[0]}")
        return
    outcome.curation = done.gold
    for line in done.lines:
        echo(f"[{guide.name}] {line}")


def _run_guide(
    client: StudioClient,
    guide: Guide,
    samples: Path,
    out: Path,
    annotators: list[str],
    echo: Echo,
    workspace: Workspace,
) -> GuideOutcome:
    project = create_project(client, guide)
    pid = project.project.id
    echo(f"[{guide.name}] project {pid} ({project.action}): {project.project.title}")
    reports = import_sources(client, pid, [samples / guide.name / "reports"], guides=workspace.guides)
    echo(f"[{guide.name}] reports: {reports.tasks_created} imported, {reports.tasks_present} already there")
    outcome = GuideOutcome(guide.name, pid, project.action, reports)
    added = add_annotators(client, pid, annotators)
    created = [m.email for m in added.members if m.created]
    if created:
        echo(f"[{guide.name}] annotators added: {', '.join(created)}")
    files = _annotation_files(samples, guide.name)
    if files:
        outcome.annotators = [f.stem for f in files]
        for file in files:
            options = ImportOptions(mode="annotations", annotator=file.stem)
            loaded = import_sources(client, pid, [file], options, guides=workspace.guides)
            outcome.annotations.append(loaded)
            broken = len(loaded.invalid_reports)
            invalid = f", {broken} breaking a guide rule (imported, listed)" if broken else ""
            echo(
                f"[{guide.name}] annotations of {file.stem}: {loaded.annotations_created} added, "
                f"{loaded.annotations_present} already there{invalid}"
            )
    else:
        outcome.notes.append(f"no sample annotations in {samples / guide.name / 'annotations'}: reports only")
    export = out / "exports" / f"{guide.name}.json"
    pulled = pull_project(client, pid, export, guides=workspace.guides, overwrite=True)
    outcome.export, outcome.tasks, outcome.annotations_pulled = export, pulled.tasks, pulled.annotations
    echo(f"[{guide.name}] export: {export} ({pulled.tasks} tasks, {pulled.annotations} annotations)")
    if files:
        _export_and_agree(outcome, guide, out, outcome.annotators[0], workspace)
        if outcome.subsets:
            written = ", ".join(outcome.subsets)
            gold = outcome.annotators[0]
            echo(f"[{guide.name}] subsets ({written}; gold: annotator {gold}): {out / 'subsets' / guide.name}")
        if outcome.agreement is not None:
            echo(f"[{guide.name}] agreement report: {outcome.agreement}")
        _curate(client, guide, outcome, samples, out, echo, workspace)
    for note in outcome.notes:
        echo(f"[{guide.name}] note: {note}")
    return outcome


def run_demo(options: DemoOptions, workspace: Workspace, *, echo: Echo = lambda _: None) -> DemoResult:
    """Run the demo end to end on the workspace's guides and samples; ``echo`` receives one line per step."""
    samples = options.samples or workspace.samples
    guides = load_guides(workspace.guides)
    names = options.guides or sorted(guides)
    for name in names:
        if name not in guides:
            raise unknown_guide(name, list(guides))
    guard_target(options.out)  # before starting anything: never / . ~ or a repository root
    connection, result = _connect(options, echo)
    with StudioClient(connection) as client:
        client.check_server()
        found = sorted({f.stem for name in names for f in _annotation_files(samples, name)})
        annotators = found or list(DEFAULT_ANNOTATORS)
        for name in names:
            result.guides.append(_run_guide(client, guides[name], samples, options.out, annotators, echo, workspace))
        help_ = login_help(client, data_dir=options.data_dir, venv=ensure_server_install())
        result.login_lines = help_.lines(annotators)
    default = options.data_dir == DEFAULT_DATA_DIR
    result.stop_command = f"{own_command()} server stop" + (
        "" if default else f" --data-dir {shlex.quote(str(options.data_dir))}"
    )
    result.next_commands = next_commands(result, options)
    return result


def _finds_local_server(data_dir: Path) -> bool:
    """Whether commands run from the working folder find this server without settings (see connection.py)."""
    return Path(data_dir).resolve() == (Path.cwd() / LOCAL_DATA_DIR).resolve()


def env_command(data_dir: Path) -> str:
    """The shell line that puts the server's URL and token in the environment (the token is not in it).

    Absolute paths: the line is meant for another folder or shell.
    """
    folder = shlex.quote(str(Path(data_dir).resolve()))
    return f'eval "$({own_command(absolute=True)} server status --data-dir {folder} --env)"'


def connect_hint(data_dir: Path) -> str:
    """How the other commands reach the server of ``data_dir`` (no secret in the text)."""
    env = env_command(data_dir)
    if _finds_local_server(data_dir):
        return (
            f"Commands run from this folder ({Path.cwd()}) find this server by themselves; from another folder "
            f"or for other tools, run: {env}"
        )
    return f"Other commands find this server once you run: {env}"


def next_commands(result: DemoResult, options: DemoOptions) -> list[str]:
    """What a lead types next on one guide of the demo: status, pull, validate, export, agreement."""
    outcome = next((g for g in result.guides if g.guide == "infectiologie" and g.annotators), None)
    outcome = outcome or next((g for g in result.guides if g.annotators), None)
    if outcome is None:
        return []
    command, name = own_command(), outcome.guide
    lines = [] if _finds_local_server(options.data_dir) else [env_command(options.data_dir)]
    export = shlex.quote(f"{name}.json")
    lines += [
        f"{command} status {name}",
        f"{command} pull {name} -o {export}",
        f"{command} validate {export}",
        f"{command} export {export} --to parhaf --out {shlex.quote(name + '-parhaf')} "
        f"--gold annotator:{shlex.quote(outcome.annotators[0])}",
        f"{command} agreement {export} --out {shlex.quote(name + '-agreement')} "
        f"--annotators {shlex.quote(','.join(outcome.annotators))}",
    ]
    return lines


def own_command(*, absolute: bool = False) -> str:
    """How to call partages-ls again from here: its bare name when on PATH, else the path that ran it.

    ``absolute`` gives a path that works from any folder (for lines meant for another folder).
    """
    if shutil.which("partages-ls"):
        return "partages-ls"
    launched = Path(sys.argv[0])
    if launched.name == "partages-ls" and launched.exists():
        if absolute:
            return shlex.quote(str(launched.absolute()))
        return shlex.quote(os.path.relpath(launched.resolve()) if launched.is_absolute() else str(launched))
    return f"{shlex.quote(sys.executable)} -m partages_ls"
