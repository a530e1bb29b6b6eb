"""The internal corpus model every reader produces and every writer consumes.

Values are guide ids (what Label Studio stores); each writer maps them to its target's naming
through the guide. Provenance (task, annotation, result, annotator) travels with every item so
that any problem downstream can say where it came from. The classes built once per item (spans,
relations, provenances, problems: hundreds of thousands per export) have slots: smaller and quicker to build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import attrgetter


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where an item came from in its source (Label Studio ids, or a file for other formats)."""

    task_id: int | None = None
    annotation_id: int | None = None
    result_id: str | None = None
    annotator: str | None = None
    source: str | None = None

    def where(self) -> str:
        parts = []
        if self.source:
            parts.append(self.source)
        if self.task_id is not None:
            parts.append(f"task {self.task_id}")
        if self.annotation_id is not None:
            parts.append(f"annotation {self.annotation_id}")
        if self.result_id is not None:
            parts.append(f'result "{self.result_id}"')
        if self.annotator:
            parts.append(f"by {self.annotator}")
        return " / ".join(parts) or "(unknown origin)"


@dataclass(slots=True)
class Span:
    """A span annotation: label id, code-point offsets (end exclusive), attribute ids by name."""

    id: str
    label_set: str
    label: str
    begin: int
    end: int
    attributes: dict[str, str] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance)


@dataclass(slots=True)
class Relation:
    """A relation between two spans of the same annotation, source → target."""

    id: str
    type: str
    source: str
    target: str
    provenance: Provenance = field(default_factory=Provenance)


# The canonical orders as C-level keys (the same tuples a lambda would build, without a Python call per item).
_SPAN_ORDER = attrgetter("begin", "end", "label_set", "label", "id")
_RELATION_ORDER = attrgetter("source", "target", "type", "id")


@dataclass
class Annotation:
    """One annotator's annotation of one document."""

    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)
    annotator: str | None = None
    annotation_id: int | None = None
    ground_truth: bool = False

    def sort(self) -> None:
        """Canonical order (offsets, then label, then id): outputs must not depend on storage order."""
        self.spans.sort(key=_SPAN_ORDER)
        self.relations.sort(key=_RELATION_ORDER)


@dataclass
class Document:
    """A report and the annotations chosen or read for it."""

    report: str
    text: str
    annotations: list[Annotation] = field(default_factory=list)
    task_id: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    submitted: int = 0  # submitted (not cancelled) annotations of the task, kept or not


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input item that was not exported, and why (listed in every export report)."""

    where: str
    kind: str
    reason: str
    rule: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "kind": self.kind, "reason": self.reason, "rule": self.rule}


@dataclass(frozen=True, slots=True)
class Flaw:
    """A guide rule broken by an item that was read as stored (an agreement/quality signal)."""

    report: str
    provenance: Provenance
    rule: str
    level: str
    message: str


def number_key(digits: str) -> tuple[int, int, str]:
    """Sort key of an ASCII digit run in numeric order, without int(): Python refuses to convert runs of
    more than 4,300 digits, and stored ids can be anything."""
    significant = digits.lstrip("0")
    return (0, len(significant), significant)


def natural_key(identifier: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key reading digit runs as numbers, so that T2 < T10 and a re-read file keeps its order."""
    parts = (part for part in re.split(r"([0-9]+)", identifier) if part)
    return tuple(number_key(part) if part.isascii() and part.isdigit() else (1, 0, part) for part in parts)


def unreadable(location: str, message: str) -> Skipped:
    """An item of a source file that a reader could not turn into the corpus model (left out alone)."""
    return Skipped(location, "item", message, "unreadable")


@dataclass
class Corpus:
    """Documents of one guide, plus everything that was read but not kept."""

    guide: str
    guide_version: str
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)
    flaws: list[Flaw] = field(default_factory=list)  # rule violations of what was read, by annotation

    def sort(self) -> None:
        self.documents.sort(key=lambda d: d.report)
        for document in self.documents:
            for annotation in document.annotations:
                annotation.sort()
            document.annotations.sort(key=lambda a: (a.annotator or "", a.annotation_id or 0))
