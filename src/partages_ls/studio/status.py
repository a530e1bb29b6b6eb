"""`partages-ls status`: who annotated what, and which reports are ready for an agreement study."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.exporters.contamination import Contaminated, find_contaminated
from partages_ls.studio.annotators import users_by_email
from partages_ls.studio.client import StudioClient
from partages_ls.studio.projects import Project, ProjectError, list_tasks, resolve_project


@dataclass
class AnnotatorProgress:
    """One annotator's work in the project."""

    annotator: str
    user_id: int | None
    submitted: int = 0
    skipped: int = 0

    @property
    def tasks(self) -> int:
        return self.submitted + self.skipped


@dataclass
class ProjectStatus:
    """Progress of a project; ``as_dict`` is the ``--json`` output."""

    project_id: int
    title: str
    guide: str | None
    overlap: int | None
    tasks: int
    annotators: list[AnnotatorProgress] = field(default_factory=list)
    tasks_by_submitted: dict[str, int] = field(default_factory=dict)
    skipped_tasks: list[str] = field(default_factory=list)
    ready_for_agreement: list[str] = field(default_factory=list)
    predictions: int = 0
    contaminated: list[Contaminated] = field(default_factory=list)  # last updated by another annotator

    def as_dict(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "title": self.title,
            "guide": self.guide,
            "overlap": self.overlap,
            "tasks": self.tasks,
            "predictions": self.predictions,
            "annotators": [
                {"annotator": a.annotator, "user_id": a.user_id, "submitted": a.submitted, "skipped": a.skipped}
                for a in self.annotators
            ],
            "tasks_by_submitted": self.tasks_by_submitted,
            "skipped_tasks": self.skipped_tasks,
            "ready_for_agreement": self.ready_for_agreement,
            "contaminated": [c.as_dict() for c in self.contaminated],
        }


def _who(annotation: dict[str, Any]) -> int | str | None:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        return who.get("email") or who.get("id")
    return who if isinstance(who, int | str) else None


def summarise_tasks(
    project: Project, tasks: list[dict[str, Any]], emails: dict[int, str], report_key: str = "report"
) -> ProjectStatus:
    """The status of a project from its task list (annotations included)."""
    status = ProjectStatus(
        project.id,
        project.title,
        project.guide_name,
        project.raw.get("maximum_annotations") if isinstance(project.raw.get("maximum_annotations"), int) else None,
        len(tasks),
    )
    progress: dict[str, AnnotatorProgress] = {}
    buckets: Counter[str] = Counter({"0": 0, "1": 0, "2+": 0})
    for task in tasks:
        report = str((task.get("data") or {}).get(report_key) or f"task-{task.get('id')}")
        submitted_by: set[str] = set()
        skipped = False
        status.predictions += len(task.get("predictions") or [])
        for annotation in task.get("annotations") or []:
            if not isinstance(annotation, dict):
                continue
            who = _who(annotation)
            name = emails.get(who, str(who)) if isinstance(who, int) else str(who)
            entry = progress.setdefault(name, AnnotatorProgress(name, who if isinstance(who, int) else None))
            if annotation.get("was_cancelled"):
                entry.skipped += 1
                skipped = True
            else:
                entry.submitted += 1
                submitted_by.add(name)
        buckets["0" if not submitted_by else "1" if len(submitted_by) == 1 else "2+"] += 1
        if skipped:
            status.skipped_tasks.append(report)
        if len(submitted_by) >= 2:
            status.ready_for_agreement.append(report)
    status.annotators = sorted(progress.values(), key=lambda a: a.annotator)
    status.tasks_by_submitted = dict(buckets)
    status.skipped_tasks.sort()
    status.ready_for_agreement.sort()
    status.contaminated = find_contaminated(tasks, report_key, emails)
    return status


def project_status(client: StudioClient, project: str | int, *, guides: Path) -> ProjectStatus:
    """Per-annotator progress, tasks by number of submitted annotations, skipped and agreement-ready reports.

    The project's guide is read from the ``guides`` folder.
    """
    resolved = resolve_project(client, project)
    source = resolved.curation_of
    if source is not None:  # its one annotator is the curator: counting them as an annotator misleads
        raise ProjectError(
            f"project {resolved.id} is the curation project of project {source}: its progress is "
            f"`partages-ls curate status {source}` (status counts the annotators' work)"
        )
    if "maximum_annotations" not in resolved.raw:
        resolved = Project.from_api(client.get(f"/api/projects/{resolved.id}"))
    report_key = resolved.guide(guides).text.report_key if resolved.guide_name else "report"
    emails = {int(u["id"]): str(u["email"]) for u in users_by_email(client).values()}
    tasks = list_tasks(client, resolved.id, full=True)
    return summarise_tasks(resolved, tasks, emails, report_key)
