"""`partages-ls curate status`: per report, merged and conflicting units, curated or not; totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.curation.prepare import CurationError, find_curation_project, project_tasks
from partages_ls.curation.studio_format import is_done, markers
from partages_ls.studio.annotators import users_by_email
from partages_ls.studio.blind import find_group
from partages_ls.studio.client import StudioClient
from partages_ls.studio.projects import CURATION_MARKER, resolve_project


@dataclass
class ReportCuration:
    report: str
    task: int | None
    kind: str
    strategy: str
    merged_units: int
    conflicts: int
    curator: str
    curated: bool
    ground_truth: bool
    markers_left: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CurationStatus:
    source_project: int
    curation_project: int | None
    reports: list[ReportCuration] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        return {
            "reports": len(self.reports),
            "review": sum(r.kind == "review" for r in self.reports),
            "adjudication": sum(r.kind == "adjudication" for r in self.reports),
            "merged_units": sum(r.merged_units for r in self.reports),
            "conflicts": sum(r.conflicts for r in self.reports),
            "curated": sum(r.curated for r in self.reports),
            "not_curated": sum(not r.curated for r in self.reports),
            "curated_with_markers": sum(r.curated and r.markers_left > 0 for r in self.reports),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_project": self.source_project,
            "curation_project": self.curation_project,
            "totals": self.totals(),
            "reports": [r.as_dict() for r in self.reports],
        }


def _int(value: Any) -> int:
    return value if isinstance(value, int) else int(value) if str(value).isdigit() else 0


def _email(annotation: dict[str, Any], ids: dict[int, str]) -> str | None:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("id")
    return ids.get(who) if isinstance(who, int) else None


def curation_status(client: StudioClient, project: str | int, *, guides: Path) -> CurationStatus:
    """The state of the curation of ``project`` (the annotation project, or its curation project).

    The project's guide is read from the ``guides`` folder.
    """
    group = find_group(client, project)  # a blind group: its curation project hangs on its first member
    resolved = group.anchor if group is not None else resolve_project(client, project)
    description = str(resolved.raw.get("description") or "")
    if CURATION_MARKER in description:
        source_id = _int(description.split(CURATION_MARKER, 1)[1].split()[0])
        curation = resolved
    else:
        source_id = resolved.id
        found = find_curation_project(client, resolved.id)
        if found is None:
            return CurationStatus(source_id, None)
        curation = found
    if not curation.guide_name:
        raise CurationError(f"project {curation.id} names no guide in its description")
    report_key = curation.guide(guides).text.report_key
    ids = {int(u["id"]): email for email, u in users_by_email(client).items()}
    status = CurationStatus(source_id, curation.id)
    for task in project_tasks(client, curation.id):
        data = task.get("data") or {}
        curator = str(data.get("curation_curator") or "")
        mine = [a for a in task.get("annotations") or [] if isinstance(a, dict) and _email(a, ids) == curator]
        results = (mine[0].get("result") or []) if mine else []
        status.reports.append(
            ReportCuration(
                report=str(data.get(report_key)),
                task=task.get("id"),
                kind=str(data.get("curation_kind") or ""),
                strategy=str(data.get("curation_strategy") or ""),
                merged_units=_int(data.get("curation_merged_units")),
                conflicts=_int(data.get("curation_conflicts")),
                curator=curator,
                curated=is_done(results),
                ground_truth=bool(mine and mine[0].get("ground_truth")),
                markers_left=len(markers(results)),
            )
        )
    status.reports.sort(key=lambda r: r.report)
    return status
