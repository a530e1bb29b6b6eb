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


def find_contaminated(
    tasks: list[dict[str, Any]], report_key: str = "report", emails: dict[int, str] | None = None
) -> list[Contaminated]:
    """Every annotation of ``tasks`` (raw Label Studio tasks) last updated by another annotator.

    ``emails`` names users by id; the e-mails found in expanded ``completed_by`` objects are used too.
    """
    names = dict(emails or {})
    annotators: set[int] = set()
    for task in objects(tasks):
        for annotation in objects(task.get("annotations")):
            who = annotation.get("completed_by")
            uid = _user_id(who)
            if uid is None:
                continue
            annotators.add(uid)
            if isinstance(who, dict) and who.get("email"):
                names.setdefault(uid, str(who["email"]))
    found: list[Contaminated] = []
    for task in objects(tasks):
        task_id = task.get("id") if isinstance(task.get("id"), int) else None
        report = str(obj(task.get("data")).get(report_key) or f"task-{task_id}")
        for annotation in objects(task.get("annotations")):
            author, editor = _user_id(annotation.get("completed_by")), _user_id(annotation.get("updated_by"))
            if author is None or editor is None or editor == author or editor not in annotators:
                continue
            annotation_id = annotation.get("id") if isinstance(annotation.get("id"), int) else None
            found.append(
                Contaminated(
                    task_id,
                    report,
                    annotation_id,
                    names.get(author, str(author)),
                    names.get(editor, str(editor)),
                )
            )
    found.sort(key=lambda c: (c.report, c.annotation_id or 0))
    return found


class ContaminationScan:
    """:func:`find_contaminated` over tasks seen one at a time: the same list, keeping only what it needs.

    A streaming command calls :meth:`add` with each raw task and :meth:`found` once all are seen; what
    stays in memory is the annotators' ids and e-mails and the annotations updated by someone else
    than their author, not the tasks.
    """

    def __init__(self, report_key: str = "report", emails: dict[int, str] | None = None) -> None:
        self.report_key = report_key
        self.names = dict(emails or {})
        self.annotators: set[int] = set()
        self.edited: list[tuple[int | None, str, int | None, int, int]] = []

    def add(self, task: Any) -> None:
        """Note who wrote and who last updated each annotation of one raw task."""
        if not isinstance(task, dict):
            return
        annotations = objects(task.get("annotations"))
        report: str | None = None
        for annotation in annotations:
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
            task_id = task.get("id") if isinstance(task.get("id"), int) else None
            if report is None:
                report = str(obj(task.get("data")).get(self.report_key) or f"task-{task_id}")
            annotation_id = annotation.get("id") if isinstance(annotation.get("id"), int) else None
            self.edited.append((task_id, report, annotation_id, author, editor))

    def found(self) -> list[Contaminated]:
        """What :func:`find_contaminated` returns for every task added."""
        names = self.names
        found = [
            Contaminated(task_id, report, annotation_id, names.get(author, str(author)), names.get(editor, str(editor)))
            for task_id, report, annotation_id, author, editor in self.edited
            if editor in self.annotators
        ]
        found.sort(key=lambda c: (c.report, c.annotation_id or 0))
        return found
