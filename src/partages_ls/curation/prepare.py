"""`partages-ls curate`: prepare curation tasks in a curation project beside the annotation project.

Design (works in Label Studio Community 1.23, which has no reviewer role nor curation view):

* The annotation project is never written to. Its curation project is found by the marker
  ``partages-ls:curation-of=<id>`` in its description, and created on the first run with
  :func:`~partages_ls.curation.studio_format.curation_config`.
* One curation task per report with at least one submitted annotation. It holds a copy of every
  submitted annotation, still attributed to its annotator (Community shows each as a tab with
  the annotator's name), and the curator's starting annotation, attributed to the curator: the
  annotation itself when there is one (review), else the merge of all of them (adjudication),
  with a red "Conflit" region per conflict and who said what.
* The task data records the strategy, curator, source project and two digests: of the source
  annotations and of the starting point as written. Re-running updates a task only when the
  source changed **and** the curator has not touched the starting point (its digest is
  unchanged and "Curation terminée" is not ticked); everything else is kept and listed.
* A curator's annotation with "Curation terminée" ticked is the gold: it is marked ground truth.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from partages_ls.curation.merge import MergeResult, merge_document
from partages_ls.curation.strategy import Strategy
from partages_ls.curation.studio_format import curation_config, is_done, results_digest, starting_results
from partages_ls.errors import PartagesError
from partages_ls.exporters.corpus import Document
from partages_ls.exporters.labelstudio.read import read_labelstudio
from partages_ls.guides.model import Guide
from partages_ls.studio.annotators import user_id, users_by_email
from partages_ls.studio.blind import find_group, group_tasks
from partages_ls.studio.client import StudioClient, StudioError
from partages_ls.studio.projects import CURATION_MARKER, MARKER, Project, list_projects, list_tasks, resolve_project

TITLE_LIMIT = 50
CHUNK = 250


class CurationError(PartagesError):
    """Curation cannot be prepared (no curator, ambiguous curation project, …)."""


@dataclass
class CurationReport:
    """What `curate` did; ``as_dict`` for JSON."""

    source_project: int
    curation_project: int
    guide: str
    strategy: str
    curator: str
    created_project: bool = False
    config_updated: bool = False  # the curation project's labeling config was brought up to date
    review: list[str] = field(default_factory=list)
    adjudication: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # report -> why the curator's work was kept
    skipped: dict[str, str] = field(default_factory=dict)  # report -> why there is no curation task
    ground_truth_marked: list[str] = field(default_factory=list)
    conflicts: int = 0
    merged_units: int = 0
    problems: list[str] = field(default_factory=list)  # items of the annotations left out of the merge
    requests: int = 0
    loaded_annotations: int = 0  # sent in bulk to new curation tasks (copies + starting points)
    loaded_results: int = 0  # their result items
    # Wall seconds of each phase (read, merge, load) for the benchmark; not part of the JSON (not reproducible).
    seconds: dict[str, float] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if key != "seconds"}

    @property
    def changed(self) -> bool:
        """Whether this run changed anything on the server."""
        return bool(
            self.created_project
            or self.config_updated
            or self.updated
            or self.loaded_annotations
            or self.ground_truth_marked
        )


def curation_description(source: Project, guide: Guide) -> str:
    return (
        f"Curation du projet {source.id} ({source.title}).\n\n"
        f"{CURATION_MARKER}{source.id} {MARKER}{guide.name} version={guide.version}"
    )


def find_curation_project(client: StudioClient, source_id: int) -> Project | None:
    marker = f"{CURATION_MARKER}{source_id} "
    found = [p for p in list_projects(client) if marker in str(p.raw.get("description") or "") + " "]
    if len(found) > 1:
        listing = ", ".join(f"{p.id} ({p.title!r})" for p in found)
        raise CurationError(f"several curation projects for project {source_id}: {listing}; delete the extra")
    return found[0] if found else None


def ensure_curation_project(client: StudioClient, source: Project, guide: Guide) -> tuple[Project, str]:
    """The curation project of ``source``, created (or its config brought up to date) as needed, and which of
    ``created``, ``updated`` (its config) or ``unchanged`` happened."""
    config = curation_config(guide)
    found = find_curation_project(client, source.id)
    if found is None:
        title = f"{source.title} — curation"
        if len(title) > TITLE_LIMIT:
            title = f"{source.title[: TITLE_LIMIT - 13].rstrip()}… — curation"
        payload = {
            "title": title,
            "label_config": config,
            "description": curation_description(source, guide),
            "show_instruction": True,
            "expert_instruction": source.raw.get("expert_instruction") or "",
            "maximum_annotations": 1,
        }
        return Project.from_api(client.post("/api/projects", payload, retry=False)), "created"
    current = client.get(f"/api/projects/{found.id}")
    if str(current.get("label_config") or "").strip() != config.strip():
        client.patch(f"/api/projects/{found.id}", {"label_config": config})
        return found, "updated"
    return found, "unchanged"


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _submitted(task: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]


def _uid(annotation: dict[str, Any]) -> int | None:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("id")
    return who if isinstance(who, int) else None


@dataclass
class _Plan:
    report: str
    text: str
    kind: str  # review | adjudication
    copies: list[dict[str, Any]]
    start: list[dict[str, Any]]
    data: dict[str, Any]


class _Curate:
    def __init__(
        self,
        client: StudioClient,
        source: Project,
        guide: Guide,
        strategy: Strategy,
        curator: str,
        curator_id: int,
        emails: dict[int, str],
    ) -> None:
        self.client, self.source, self.guide, self.strategy = client, source, guide, strategy
        self.curator, self.curator_id, self.emails = curator, curator_id, emails

    def documents(self, tasks: list[dict[str, Any]]) -> tuple[dict[str, Document], list[str]]:
        expanded = []
        for task in tasks:
            annotations = []
            for raw in _submitted(task):
                uid = _uid(raw)
                email = self.emails.get(uid, str(uid)) if uid is not None else None
                annotations.append({**raw, "completed_by": {"id": uid, "email": email}})
            expanded.append({**task, "annotations": annotations, "drafts": [], "predictions": []})
        corpus = read_labelstudio(expanded, self.guide, source=f"project {self.source.id}")
        problems = [f"{s.where}: {s.reason}" for s in corpus.skipped]
        return {d.report: d for d in corpus.documents}, problems

    def plan(self, task: dict[str, Any], document: Document, merged: MergeResult) -> _Plan:
        submitted = _submitted(task)
        kind = "review" if len(submitted) == 1 else "adjudication"
        start = starting_results(merged, self.guide, document.text)
        source_digest = _digest(
            sorted([_uid(a) or 0, a.get("id") or 0, results_digest(a.get("result") or [])] for a in submitted)
        )
        data = {
            self.guide.text.data_key: document.text,
            self.guide.text.report_key: document.report,
            "curation_kind": kind,
            "curation_strategy": str(self.strategy),
            "curation_curator": self.curator,
            "curation_source_project": self.source.id,
            "curation_source_task": task.get("id"),
            "curation_annotators": ", ".join(merged.annotators),
            "curation_conflicts": len(merged.conflicts),
            "curation_merged_units": merged.merged_units,
            "curation_source": source_digest + ":" + str(self.strategy),
            "curation_start": results_digest(start),
            "curation_prepared_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        copies = [
            {"result": a.get("result") or [], "completed_by": _uid(a), "ground_truth": False, "was_cancelled": False}
            for a in sorted(submitted, key=lambda a: (self.emails.get(_uid(a) or 0, ""), a.get("id") or 0))
        ]
        starting = {"result": start, "completed_by": self.curator_id, "ground_truth": False, "was_cancelled": False}
        return _Plan(document.report, document.text, kind, copies, [starting], data)


def project_tasks(client: StudioClient, project_id: int) -> list[dict[str, Any]]:
    """Every task with its annotations, in one request (the synchronous JSON export).

    Much faster than paging ``/api/tasks?fields=all`` at PARHAF scale; annotators come as user ids.
    Falls back to the task list where a server does not offer that export.
    """
    try:
        data = client.get(
            f"/api/projects/{project_id}/export", params={"exportType": "JSON", "download_all_tasks": "true"}
        )
    except StudioError as exc:
        if exc.status not in (404, 405):
            raise
        data = None
    if isinstance(data, list) and all(isinstance(t, dict) for t in data):
        return data
    return list_tasks(client, project_id, full=True)


def _curator_annotation(task: dict[str, Any], curator_id: int) -> dict[str, Any] | None:
    mine = [a for a in task.get("annotations") or [] if isinstance(a, dict) and _uid(a) == curator_id]
    return mine[0] if mine else None


def prepare_curation(
    client: StudioClient,
    project: str | int,
    *,
    strategy: Strategy | None = None,
    curator: str | None = None,
    reports: list[str] | None = None,
    guides: Path,
) -> CurationReport:
    """Create or update the curation tasks of a guide's project; never overwrite a curator's work.

    The project's guide is read from the ``guides`` folder.
    """
    strategy = strategy or Strategy()
    group = find_group(client, project)  # a blind group is curated as one project: its members merged by report
    source = group.anchor if group is not None else resolve_project(client, project)
    guide = source.guide(guides)
    if "expert_instruction" not in source.raw:
        source = Project.from_api(client.get(f"/api/projects/{source.id}"))
    users = users_by_email(client)
    curator_email = (curator or str(client.whoami().get("email") or "")).strip().lower()
    if not curator_email:
        raise CurationError("who curates? pass --curator EMAIL")
    curator_id = user_id(client, curator_email)
    emails = {int(u["id"]): email for email, u in users.items()}
    curation, action = ensure_curation_project(client, source, guide)
    report = CurationReport(source.id, curation.id, guide.name, str(strategy), curator_email, action == "created")
    report.config_updated = action == "updated"
    work = _Curate(client, source, guide, strategy, curator_email, curator_id, emails)

    report_key = guide.text.report_key
    began = time.perf_counter()
    tasks = group_tasks(client, group, report_key).tasks if group is not None else project_tasks(client, source.id)
    wanted = set(reports) if reports else None
    by_report = {str((t.get("data") or {}).get(report_key) or f"task-{t.get('id')}"): t for t in tasks}
    if wanted is not None:
        for missing in sorted(wanted - set(by_report)):
            report.skipped[missing] = "compte rendu absent du projet"
    selected = {r: t for r, t in by_report.items() if wanted is None or r in wanted}
    documents, report.problems = work.documents(list(selected.values()))
    report.seconds["read"] = time.perf_counter() - began
    began = time.perf_counter()
    existing = {str((t.get("data") or {}).get(report_key)): t for t in list_tasks(client, curation.id, full=True)}
    new_entries: list[dict[str, Any]] = []
    for name in sorted(selected):
        task = selected[name]
        submitted = _submitted(task)
        if not submitted:
            report.skipped[name] = "aucune annotation soumise"
            continue
        if any(_uid(a) == curator_id for a in submitted):
            report.skipped[name] = f"le curateur {curator_email} est aussi annotateur de ce compte rendu"
            continue
        document = documents.get(name)
        if document is None:
            report.skipped[name] = "compte rendu illisible (voir les problèmes listés)"
            continue
        merged = merge_document(document, guide, strategy)
        plan = work.plan(task, document, merged)
        current = existing.get(name)
        if current is not None:
            if not _update_existing(client, current, plan, curator_id, report):
                continue
        else:
            new_entries.append({"data": plan.data, "annotations": plan.copies + plan.start})
        (report.review if plan.kind == "review" else report.adjudication).append(name)
        report.conflicts += len(merged.conflicts)
        report.merged_units += merged.merged_units
    report.seconds["merge"] = time.perf_counter() - began
    loaded = [a for entry in new_entries for a in entry["annotations"]]
    report.loaded_annotations = len(loaded)
    report.loaded_results = sum(len(a["result"]) for a in loaded)
    began = time.perf_counter()
    for start in range(0, len(new_entries), CHUNK):
        client.post(f"/api/projects/{curation.id}/import", new_entries[start : start + CHUNK], retry=False)
    report.seconds["load"] = time.perf_counter() - began
    _mark_ground_truth(client, existing, curator_id, report)
    report.requests = client.requests
    return report


def _update_existing(
    client: StudioClient, task: dict[str, Any], plan: _Plan, curator_id: int, report: CurationReport
) -> bool:
    """Refresh a curation task the curator has not touched; True when it was (re)prepared."""
    data = task.get("data") or {}
    mine = _curator_annotation(task, curator_id)
    if mine is not None and is_done(mine.get("result") or []):
        report.kept[plan.report] = "curation terminée : conservée telle quelle"
        return False
    if mine is not None and results_digest(mine.get("result") or []) != data.get("curation_start"):
        report.kept[plan.report] = "le curateur a modifié le point de départ : conservé"
        return False
    if data.get("curation_source") == plan.data["curation_source"] and mine is not None:
        report.unchanged.append(plan.report)
        return False
    for annotation in task.get("annotations") or []:
        if isinstance(annotation, dict) and annotation.get("id") is not None:
            client.delete(f"/api/annotations/{annotation['id']}")
    for annotation in plan.copies + plan.start:
        client.post(f"/api/tasks/{task['id']}/annotations", annotation, retry=False)
    client.patch(f"/api/tasks/{task['id']}", {"data": plan.data})
    report.updated.append(plan.report)
    return True


def _mark_ground_truth(
    client: StudioClient, tasks: dict[str, dict[str, Any]], curator_id: int, report: CurationReport
) -> None:
    for name, task in sorted(tasks.items()):
        mine = _curator_annotation(task, curator_id)
        if mine is not None and is_done(mine.get("result") or []) and not mine.get("ground_truth"):
            client.patch(f"/api/annotations/{mine['id']}", {"ground_truth": True})
            report.ground_truth_marked.append(name)
