"""Blind double annotation: one Label Studio project per annotator over the same reports.

Label Studio Community shows every annotation of a task to every member who opens it, so two
annotators sharing a project are not blind. A *blind group* is one project per annotator, each
carrying in its description the guide's marker and ``partages-ls:blind-of=<guide> annotator=<email>``
(so `project create GUIDE` and ``PROJECT=GUIDE`` ignore them, like curation projects). The group is
named ``blind:GUIDE`` (or just ``GUIDE`` when the guide has no ordinary project). Across a group:

- `import` sends the same reports to every member project (idempotent by report id, as for one
  project); ``--as annotations --annotator EMAIL`` annotations go to that annotator's project only;
- `status` and `pull` merge the members' tasks by report id: one task per report holding every
  member's annotations (task and annotation ids are unique server-wide, so they stay unique), with
  the member project and task of each annotation recorded under ``partages_ls_blind``;
- `agreement`, `export`, `validate` read the merged pull unchanged; `curate` reads the same merge.

Only each annotator's labeling stream is blind: Community still lists every project to every
member, who may open another's. An annotation made in a member project by anyone other than its
annotator is reported by `status` (``foreign``), and the ``updated_by`` audit still applies.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from partages_ls.guides.model import Guide
from partages_ls.io import open_atomic
from partages_ls.pull_record import new_record, write_sidecar
from partages_ls.studio.annotators import add_annotators, users_by_email
from partages_ls.studio.blind_merge import BlindError, GroupMerger, Merged, merge_group_tasks
from partages_ls.studio.bulk import ProgressFn
from partages_ls.studio.client import StudioClient
from partages_ls.studio.importer import ImportOptions, ImportReport, ProjectImporter
from partages_ls.studio.projects import (
    BLIND_MARKER,
    CURATION_MARKER,
    TITLE_LIMIT,
    Project,
    ProjectResult,
    list_projects,
    list_tasks,
    marker_line,
    update_project,
)
from partages_ls.studio.pull import PullResult, pull_targets, snapshot_file
from partages_ls.studio.sources import Source, SourceDocument, read_source
from partages_ls.studio.status import ProjectStatus, summarise_tasks

PREFIX = "blind:"
_BLIND_RE = re.compile(r"partages-ls:blind-of=(?P<guide>[a-z][a-z0-9-]*)\s+annotator=(?P<annotator>\S+)")


@dataclass
class BlindGroup:
    """The member projects of one guide's blind group, by annotator e-mail (lower-cased)."""

    guide: str
    members: dict[str, Project]

    @property
    def anchor(self) -> Project:
        """The member with the lowest id: the group's stand-in where one project id is needed."""
        return min(self.members.values(), key=lambda p: p.id)

    @property
    def label(self) -> str:
        return f"{PREFIX}{self.guide}"

    def describe(self) -> str:
        return ", ".join(f"{email} → {p.id}" for email, p in sorted(self.members.items()))


def blind_description(guide: Guide, annotator: str) -> str:
    return (
        f"{guide.description}\n\nAnnotation en aveugle : projet de {annotator} seul.\n\n"
        f"{marker_line(guide)}\n{BLIND_MARKER}{guide.name} annotator={annotator}"
    ).strip()


def read_blind(description: str | None) -> tuple[str, str] | None:
    """(guide, annotator e-mail) of a member project's description, or None."""
    match = _BLIND_RE.search(description or "")
    return (match["guide"], match["annotator"].lower()) if match else None


def find_group(
    client: StudioClient, reference: str | int, *, projects: list[Project] | None = None
) -> BlindGroup | None:
    """The blind group a PROJECT argument names, or None when it names an ordinary project.

    ``blind:GUIDE`` always names the group; ``GUIDE`` does when the guide has member projects and
    no ordinary project; a project id never does (it is that one project).
    """
    text = str(reference).strip()
    if text.isdigit():
        return None
    explicit = text.startswith(PREFIX)
    name = text.removeprefix(PREFIX)
    projects = list_projects(client) if projects is None else projects
    members: dict[str, Project] = {}
    for project in projects:
        found = read_blind(project.raw.get("description"))
        if found is not None and found[0] == name:
            if found[1] in members:
                raise BlindError(
                    f"two projects of the blind group {PREFIX}{name} belong to {found[1]}: "
                    f"{members[found[1]].id} and {project.id}; delete one"
                )
            members[found[1]] = project
    if not members:
        if explicit:
            raise BlindError(
                f"no blind group for guide {name!r} on {client.url}; create it with "
                f"`partages-ls project create {name} --blind --annotators EMAIL,EMAIL`"
            )
        return None
    ordinary = [
        p
        for p in projects
        if p.guide_name == name
        and not any(m in str(p.raw.get("description") or "") for m in (BLIND_MARKER, CURATION_MARKER))
    ]
    if not explicit and ordinary:
        return None  # GUIDE names the ordinary project; the group is blind:GUIDE
    return BlindGroup(name, members)


# --- create ----------------------------------------------------------------------------------
@dataclass
class BlindResult:
    """What `project create --blind` did, per annotator."""

    group: BlindGroup
    results: dict[str, ProjectResult] = field(default_factory=dict)


def _title(guide: Guide, annotator: str, title: str | None) -> str:
    base = title or f"{guide.cu} aveugle"
    full = f"{base} — {annotator}"
    return full if len(full) <= TITLE_LIMIT else full[: TITLE_LIMIT - 1].rstrip() + "…"


def create_blind_group(
    client: StudioClient, guide: Guide, annotators: Iterable[str] = (), *, title: str | None = None
) -> BlindResult:
    """Create (or bring up to date) one project per annotator; existing members are kept and updated."""
    wanted = [a.strip().lower() for a in annotators if a.strip()]
    existing = find_group(client, f"{PREFIX}{guide.name}") if _has_group(client, guide.name) else None
    members = dict(existing.members) if existing else {}
    if not wanted and not members:
        raise BlindError("a blind group needs its annotators: --annotators EMAIL,EMAIL (at least one)")
    result = BlindResult(BlindGroup(guide.name, members))
    for annotator in sorted(set(wanted) | set(members)):
        description = blind_description(guide, annotator)
        project = members.get(annotator)
        if project is None:
            payload = {
                "title": _title(guide, annotator, title),
                "description": description,
                "maximum_annotations": 1,
            }
            created = client.post("/api/projects", payload, retry=False)
            project = Project.from_api(created)
            result.results[annotator] = update_project(client, project, guide, None, None, description)
            result.results[annotator].action = "created"
        else:
            new_title = _title(guide, annotator, title) if title else None
            result.results[annotator] = update_project(client, project, guide, new_title, None, description)
        members[annotator] = result.results[annotator].project
    add_annotators(client, result.group.anchor.id, sorted(members))
    return result


def _has_group(client: StudioClient, guide: str) -> bool:
    return any((read_blind(p.raw.get("description")) or ("",))[0] == guide for p in list_projects(client))


# --- import ----------------------------------------------------------------------------------
def import_group(
    client: StudioClient,
    group: BlindGroup,
    guide: Guide,
    sources: list[Path],
    options: ImportOptions,
    progress: ProgressFn | None = None,
) -> list[ImportReport]:
    """Import into every member project; annotations of ``--annotator`` go to their project only.

    Annotations found in the sources need an explicit ``--as``: by default a single project takes them
    as suggestions, which in a blind group would put them before every member.
    """
    read = [read_source(path, guide) for path in sources]
    target = options.annotator.strip().lower() if options.mode == "annotations" and options.annotator else None
    if target is not None and target not in group.members:
        raise BlindError(
            f"{options.annotator} has no project in the blind group {group.label} ({group.describe()}); "
            f"add one with `partages-ls project create {group.guide} --blind --annotators {options.annotator}`"
        )
    texts_only = [
        Source(s.path, s.kind, [SourceDocument(d.report, d.text) for d in s.documents if d.text is not None])
        for s in read
    ]
    if target is None and options.mode == "annotations":
        raise BlindError("--as annotations needs --annotator EMAIL (whose annotations they are)")
    annotated = [s.label for s in read if s.has_annotations]
    if options.mode is None and annotated:
        # A single project takes them as suggestions by default; in a blind group that default would show
        # one annotator's work to every member, which is what the group exists to prevent.
        raise BlindError(
            f"{', '.join(annotated)}: the source holds annotations, and a blind group must be told whose they "
            "are; nothing was imported. `--as annotations --annotator EMAIL` puts them in that annotator's "
            f"project only ({group.describe()}); `--as predictions` shows them as suggestions to every member, "
            "so no member annotates without them. Import the texts alone from a source without annotations."
        )
    reports = []
    for email, project in sorted(group.members.items()):
        own = target is None or email == target
        member_options = options if own else ImportOptions(strict=options.strict, chunk_size=options.chunk_size)
        source = read if own else texts_only
        reports.append(ProjectImporter(client, project, guide, source, member_options, progress).run())
    return reports


# --- merge by report id: see partages_ls.studio.blind_merge ---------------------------------
def _emails(client: StudioClient) -> dict[int, str]:
    return {int(u["id"]): str(u["email"]).lower() for u in users_by_email(client).values()}


def group_tasks(client: StudioClient, group: BlindGroup, report_key: str) -> Merged:
    """The group's tasks with annotations (user ids), merged by report id."""
    return merge_group_tasks(
        group.members,
        {e: list_tasks(client, p.id, full=True) for e, p in group.members.items()},
        report_key,
        _emails(client),
    )


# --- status, pull -----------------------------------------------------------------------------
def group_status(client: StudioClient, group: BlindGroup, guide: Guide) -> tuple[ProjectStatus, Merged]:
    """The status of the group as one project (over the merged tasks), and its foreign annotations."""
    merged = group_tasks(client, group, guide.text.report_key)
    anchor = group.anchor
    pseudo = Project(anchor.id, f"{group.label} ({group.describe()})", guide.name, None, {"maximum_annotations": 1})
    status = summarise_tasks(pseudo, merged.tasks, _emails(client), guide.text.report_key)
    return status, merged


def pull_group(
    client: StudioClient,
    group: BlindGroup,
    guide: Guide,
    out: Path,
    *,
    overwrite: bool = False,
    timeout: float = 600.0,
    poll: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> PullResult:
    """One export for the whole group (every member's snapshot merged by report id), with its record."""
    pull_targets(out, overwrite=overwrite)
    with GroupMerger(guide.text.report_key, _emails(client)) as merger:
        for email in sorted(group.members):
            project = group.members[email]
            with snapshot_file(client, project.id, timeout=timeout, poll=poll, sleep=sleep) as tasks:
                merger.add(email, project, tasks)
        record = new_record(
            guide=guide.name,
            guide_version=guide.version,
            project_id=group.anchor.id,
            project_title=group.label,
            blind_group={email: p.id for email, p in group.members.items()},
            foreign_annotations=merger.foreign,
            server=client.url,
            tasks=len(merger),
            annotations=merger.annotations,
        )
        with open_atomic(out) as handle:
            merger.write(handle)
    return PullResult(out, write_sidecar(out, record), record)
