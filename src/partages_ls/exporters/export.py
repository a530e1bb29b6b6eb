"""The parts of an export that the export workflow (``partages_ls.workflows.export``) puts together.

Exit statuses, the writers of the target formats, the pull record beside an export, what counts as
a loss, and the counts of the end-of-export summary.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from partages_ls.errors import PartagesError
from partages_ls.exporters.corpus import Corpus, Document, Skipped
from partages_ls.exporters.gold import NO_ANNOTATION

REPORT_NAME = "export-report.json"

INVALID_MODES = ("keep", "skip", "fail")

# Exit statuses of `export` (documented in README and `export --help`).
EXIT_OK = 0  # everything read that can be exported was written (rule violations listed, if any)
EXIT_LEFT_OUT = 3  # written, but something read was not: items left out or tasks the gold policy cannot decide
EXIT_REFUSED = 4  # --invalid fail: something breaks a rule; nothing written
EXIT_NOTHING = 5  # no document to write (empty export, or the gold policy picks nothing); nothing written

# What is never exported by design (documented), so not a loss: cancelled annotations, drafts,
# predictions, the annotations a naming gold policy does not pick, brat notes.
NOT_A_LOSS = frozenset({"cancelled", "draft", "prediction", "not-gold", "brat-note"})


class ExportRefusedError(PartagesError):
    """``--invalid fail`` and something breaks a rule: nothing is written."""

    exit_code = EXIT_REFUSED


class NothingToExportError(PartagesError):
    """No document would be written; the message says why in words."""

    exit_code = EXIT_NOTHING


def lost_items(gold: Corpus) -> list[Skipped]:
    """Everything read that is not written although it could have been: the items left out, and the
    tasks the gold policy cannot decide (a task nobody submitted is not a loss)."""
    lost = []
    for item in gold.skipped:
        if item.rule in NOT_A_LOSS:
            continue
        if item.rule == "gold-policy" and (item.kind == "annotation" or item.reason == NO_ANNOTATION):
            continue  # the task entry is the one counted; its annotations are listed beside it
        lost.append(item)
    return lost


def violations(corpus: Corpus, *, strict: bool = False) -> list[Skipped]:
    """The rule violations of the items carried as stored (errors, plus warnings when strict)."""
    return [w for w in corpus.warnings if w.kind == "error" or (strict and w.kind == "warning")]


@dataclass
class ExportCounts:
    """The counts of the summary that come from the tasks and the gold documents, added one at a time."""

    tasks: int = 0
    annotations_read: int = 0
    annotations_cancelled: int = 0
    annotations_exported: int = 0
    documents_exported: int = 0
    spans_exported: int = 0
    relations_exported: int = 0

    def add_task(self, task: dict[str, Any]) -> None:
        """One raw task (its annotations as stored, cancelled ones included)."""
        self.tasks += 1
        found = task.get("annotations")
        for annotation in found if isinstance(found, list) else []:
            if isinstance(annotation, dict):
                self.annotations_read += 1
                self.annotations_cancelled += bool(annotation.get("was_cancelled"))

    def add_gold(self, document: Document) -> None:
        """One exported document (its gold annotation)."""
        self.documents_exported += 1
        for annotation in document.annotations:
            self.annotations_exported += 1
            self.spans_exported += len(annotation.spans)
            self.relations_exported += len(annotation.relations)


def summary(counts: ExportCounts, gold: Corpus) -> dict[str, Any]:
    """Counts for the end-of-export summary and the report; ``gold`` gives its skipped and warnings."""
    return {
        "tasks": counts.tasks,
        "annotations_read": counts.annotations_read,
        "annotations_cancelled": counts.annotations_cancelled,
        "annotations_exported": counts.annotations_exported,
        "documents_exported": counts.documents_exported,
        "spans_exported": counts.spans_exported,
        "relations_exported": counts.relations_exported,
        "skipped_by_reason": dict(sorted(Counter(s.rule or s.kind for s in gold.skipped).items())),
        "left_out": len(lost_items(gold)),
        "violations_by_rule": dict(
            sorted(Counter(w.rule for w in gold.warnings if w.kind in {"error", "warning"}).items())
        ),
        "warnings": len(gold.warnings),
    }


def summarise(tasks: list[dict[str, Any]], read: Corpus, gold: Corpus) -> dict[str, Any]:
    """Counts for the end-of-export summary and the report, from the tasks and the gold corpus in memory."""
    counts = ExportCounts()
    for task in tasks:
        counts.add_task(task)
    for document in gold.documents:
        counts.add_gold(document)
    return summary(counts, gold)
