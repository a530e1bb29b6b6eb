"""Merge a blind group's tasks by report id, with memory bounded by one report, not the group.

A blind group is one project per annotator over the same reports (:mod:`partages_ls.studio.blind`);
`pull`, `status` and `curate` see it as one project whose task for a report holds every member's
annotations. :class:`GroupMerger` does that merge in two passes:

1. :meth:`GroupMerger.add` reads each member's tasks as they stream from its snapshot, copies each
   task to a spill file (one JSON line) and keeps only an index entry: report id, member, task
   id, where the line is, a digest of the task's data. What needs the whole group is decided here,
   in the members' order: a report whose data differ between members (an error), annotations made
   in a member's project by someone else (``foreign``), the counts the pull record states.
2. :meth:`GroupMerger.tasks` reads the spill back one report at a time, in report order, and
   yields the merged task; :meth:`GroupMerger.write` writes them as the JSON list
   ``json.dumps(tasks, ensure_ascii=False)`` would, piece by piece.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from partages_ls.errors import PartagesError
from partages_ls.studio.projects import Project

PROVENANCE = "partages_ls_blind"  # key of a merged task: {annotator e-mail: {project, task}}


class BlindError(PartagesError):
    """A blind group that cannot be found, created or merged."""


@dataclass
class Merged:
    """The group's tasks merged by report id, and what did not fit."""

    tasks: list[dict[str, Any]]
    foreign: list[dict[str, Any]] = field(default_factory=list)  # annotations made in another's project


@dataclass(frozen=True)
class _Entry:
    """Where one member's task for a report lies in the spill file."""

    email: str
    project: int
    task: Any
    offset: int
    length: int


def email_of(annotation: dict[str, Any], emails: dict[int, str]) -> str | None:
    """Who completed an annotation: the exported e-mail, else the user id looked up in ``emails``."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        return str(who.get("email") or emails.get(int(who.get("id") or 0), "")) or None
    return emails.get(who) if isinstance(who, int) else None


def _digest(data: Any) -> bytes:
    """A fingerprint of a task's data: two members' reports must hold the same data."""
    return hashlib.blake2b(json.dumps(data, sort_keys=True).encode("utf-8", "surrogatepass"), digest_size=16).digest()


class GroupMerger:
    """One task per report id holding every member's annotations; a text that differs is an error.

    Members must be added in e-mail order. The merged task keeps the id and data of the first member
    that has the report; annotations keep their server-wide unique ids, and ``partages_ls_blind``
    maps each member to its project and task. Predictions are kept once per distinct (model
    version, result). Use it as a context manager: the spill file is removed on exit.
    """

    def __init__(self, report_key: str, emails: dict[int, str]) -> None:
        self.report_key, self.emails = report_key, emails
        self.spill: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by __exit__)
        self.index: dict[str, list[_Entry]] = {}
        self.digests: dict[str, bytes] = {}
        self.foreign: list[dict[str, Any]] = []
        self.annotations = 0

    def __enter__(self) -> GroupMerger:
        return self

    def __exit__(self, *_: object) -> None:
        self.spill.close()

    def add(self, email: str, project: Project, tasks: Iterable[Any]) -> None:
        """Index one member's tasks (non-object items are not tasks and are ignored)."""
        for task in tasks:
            if not isinstance(task, dict):
                continue
            data = task.get("data") or {}
            report = str(data.get(self.report_key) or f"task-{project.id}-{task.get('id')}")
            entries = self.index.setdefault(report, [])
            digest = _digest(data)
            if entries and self.digests[report] != digest:
                where = ", ".join(f"{e}: task {t}" for e, t in {e.email: e.task for e in entries}.items())
                raise BlindError(
                    f"report {report}: its data differ between member projects (project {project.id} task "
                    f"{task.get('id')} vs {where}); fix the report in Label Studio so that every member has the "
                    "same text"
                )
            self.digests.setdefault(report, digest)
            line = json.dumps(task).encode("ascii")
            offset = self.spill.seek(0, 2)
            self.spill.write(line)
            entries.append(_Entry(email, project.id, task.get("id"), offset, len(line)))
            for annotation in task.get("annotations") or []:
                if not isinstance(annotation, dict):
                    continue
                self.annotations += 1
                who = email_of(annotation, self.emails)
                if who is not None and who.lower() != email:
                    self.foreign.append(
                        {"report": report, "project": project.id, "annotation": annotation.get("id"), "by": who}
                    )

    def __len__(self) -> int:
        return len(self.index)

    def tasks(self) -> Iterator[dict[str, Any]]:
        """The merged tasks in report order, read back from the spill one report at a time."""
        for report in sorted(self.index):
            merged: dict[str, Any] | None = None
            seen: set[str] = set()
            for entry in self.index[report]:
                self.spill.seek(entry.offset)
                task = json.loads(self.spill.read(entry.length))
                if merged is None:
                    merged = {**task, "annotations": [], "predictions": [], "drafts": [], PROVENANCE: {}}
                _absorb(merged, entry, task, seen)
            assert merged is not None
            yield merged

    def write(self, handle: IO[bytes]) -> None:
        """The merged tasks as one JSON list, the bytes ``json.dumps(list, ensure_ascii=False)`` gives."""
        handle.write(b"[")
        for number, task in enumerate(self.tasks()):
            handle.write((b", " if number else b"") + json.dumps(task, ensure_ascii=False).encode("utf-8"))
        handle.write(b"]\n")


def _absorb(merged: dict[str, Any], entry: _Entry, task: dict[str, Any], seen: set[str]) -> None:
    """Add one member's task to the report's merged task."""
    merged[PROVENANCE][entry.email] = {"project": entry.project, "task": entry.task}
    merged["annotations"] += [a for a in task.get("annotations") or [] if isinstance(a, dict)]
    for prediction in task.get("predictions") or []:
        key = (
            json.dumps([prediction.get("model_version"), prediction.get("result")], sort_keys=True)
            if isinstance(prediction, dict)
            else ""
        )
        if key and key not in seen:
            seen.add(key)
            merged["predictions"].append(prediction)
    merged["drafts"] += [d for d in task.get("drafts") or [] if isinstance(d, dict)]


def merge_group_tasks(
    members: dict[str, Project], tasks_by_member: dict[str, list[Any]], report_key: str, emails: dict[int, str]
) -> Merged:
    """The whole merge in memory (status and curate), through the same :class:`GroupMerger`."""
    with GroupMerger(report_key, emails) as merger:
        for email in sorted(tasks_by_member):
            merger.add(email, members[email], tasks_by_member[email])
        return Merged(list(merger.tasks()), merger.foreign)
