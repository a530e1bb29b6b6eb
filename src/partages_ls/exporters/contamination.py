"""Double annotation that is not blind: annotations last updated by another annotator of the project.

In Label Studio Community any member can open a task and edit another annotator's annotation; the
edit is saved under the first annotator's ``completed_by`` and only ``updated_by`` shows who made
it. An annotation is *contaminated* when its ``updated_by`` is another annotator of the project,
i.e. a user who submitted annotations of their own in it (``completed_by`` of some annotation). The
account that imported annotations on an annotator's behalf (``import --as annotations``) annotates
nothing itself, so its updates are not reported; an account that both imports and annotates
would see its imports reported, which is the honest answer: it did write into them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from partages_ls.exporters.shape import obj, objects


@dataclass(frozen=True)
class Contaminated:
    """One annotation whose last update was made by another annotator."""

    task_id: int | None
    report: str
    annotation_id: int | None
    completed_by: str
    updated_by: str

    def where(self) -> str:
        return f"task {self.task_id} ({self.report}) / annotation {self.annotation_id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.task_id,
            "report": self.report,
            "annotation": self.annotation_id,
            "completed_by": self.completed_by,
            "updated_by": self.updated_by,
        }


def _user_id(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class ContaminationScan:
    """:func:`find_contaminated` one task at a time: keeps the annotators, their e-mails and the
    annotations edited by someone else than their author (a few per project), never a task."""

    def __init__(self, report_key: str = "report", emails: dict[int, str] | None = None) -> None:
        self.report_key = report_key
        self.names = dict(emails or {})
        self.annotators: set[int] = set()
        self.edited: list[tuple[int | None, str, int | None, int, int]] = []

    def add(self, task: Any) -> None:
        """Note who wrote and who last updated each annotation of one raw task (not an object: nothing)."""
        if not isinstance(task, dict):
            return
        task_id = task.get("id") if isinstance(task.get("id"), int) else None
        report = str(obj(task.get("data")).get(self.report_key) or f"task-{task_id}")
        for annotation in objects(task.get("annotations")):
            who = annotation.get("completed_by")
            author = _user_id(who)
            if author is None:
                continue
            self.annotators.add(author)
            if isinstance(who, dict) and who.get("email"):
                self.names.setdefault(author, str(who["email"]))
            editor = _user_id(annotation.get("updated_by"))
            if editor is None or editor == author:
                continue
            annotation_id = annotation.get("id") if isinstance(annotation.get("id"), int) else None
            self.edited.append((task_id, report, annotation_id, author, editor))

    def found(self) -> list[Contaminated]:
        """Every annotation last updated by another annotator, by report then annotation id."""
        names = self.names
        found = [
            Contaminated(task_id, report, annotation_id, names.get(author, str(author)), names.get(editor, str(editor)))
            for task_id, report, annotation_id, author, editor in self.edited
            if editor in self.annotators
        ]
        found.sort(key=lambda c: (c.report, c.annotation_id or 0))
        return found


def find_contaminated(
    tasks: list[dict[str, Any]], report_key: str = "report", emails: dict[int, str] | None = None
) -> list[Contaminated]:
    """Every annotation of ``tasks`` (raw Label Studio tasks) last updated by another annotator.

    ``emails`` names users by id; the e-mails found in expanded ``completed_by`` objects are used too.
    """
    scan = ContaminationScan(report_key, emails)
    for task in objects(tasks):
        scan.add(task)
    return scan.found()
