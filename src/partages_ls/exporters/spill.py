"""Gold documents parked on disk while an export reads, then handed back in report order.

An export must see every document before it writes the first one (the splits weigh every report's
spans; errors found at the end of the reading, such as a report imported twice, must stop it
before anything is written), yet never hold the corpus. :class:`Spill` appends each document to an
unnamed temporary file as plain tuples (:mod:`marshal`: several times faster than pickling the
dataclasses) and keeps only ``(report, offset, size)`` per document in memory.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from partages_ls.exporters.corpus import Annotation, Document, Provenance, Relation, Span


def _provenance(p: Provenance) -> tuple[Any, ...]:
    return (p.task_id, p.annotation_id, p.result_id, p.annotator, p.source)


def encode(document: Document) -> tuple[Any, ...]:
    """The document as nested tuples of str, int, bool, None, dict and list (what marshal writes)."""
    annotations = [
        (
            [(s.id, s.label_set, s.label, s.begin, s.end, s.attributes, _provenance(s.provenance)) for s in a.spans],
            [(r.id, r.type, r.source, r.target, _provenance(r.provenance)) for r in a.relations],
            a.fields,
            a.annotator,
            a.annotation_id,
            a.ground_truth,
        )
        for a in document.annotations
    ]
    return (document.report, document.text, annotations, document.task_id, document.metadata, document.submitted)


def decode(data: tuple[Any, ...]) -> Document:
    """The document :func:`encode` encoded, equal to the original."""
    report, text, annotations, task_id, metadata, submitted = data
    return Document(
        report,
        text,
        [
            Annotation(
                [Span(i, ls, lab, b, e, attrs, Provenance(*p)) for i, ls, lab, b, e, attrs, p in spans],
                [Relation(i, t, s, g, Provenance(*p)) for i, t, s, g, p in relations],
                fields,
                annotator,
                annotation_id,
                ground_truth,
            )
            for spans, relations, fields, annotator, annotation_id, ground_truth in annotations
        ],
        task_id,
        metadata,
        submitted,
    )


_BATCH = 1 << 20  # bytes of documents gathered before one write


class Spill:
    """Documents written to a temporary file as they come, read back sorted by report.

    Use as a context manager: the file is removed on exit (it has no name on POSIX systems).
    """

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="partages-ls-spill-")  # noqa: SIM115 (closed by __exit__)
        self.index: list[tuple[str, int, int]] = []  # (report, offset, size) per document
        self.size = 0
        # Blobs not written yet: one write per megabyte or so, not one per document.
        self.pending: list[bytes] = []
        self.pending_size = 0

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def __len__(self) -> int:
        return len(self.index)

    def add(self, document: Document) -> None:
        blob = marshal.dumps(encode(document))
        size = len(blob)
        self.pending.append(blob)
        self.pending_size += size
        if self.pending_size >= _BATCH:
            self._flush()
        self.index.append((document.report, self.size, size))
        self.size += size

    def _flush(self) -> None:
        self.file.write(b"".join(self.pending))
        self.pending, self.pending_size = [], 0

    def sorted(self) -> Iterator[Document]:
        """Every document in report order (stable: documents of one report in the order added)."""
        self._flush()
        self.file.flush()
        order = sorted(range(len(self.index)), key=lambda n: self.index[n][0])
        position = -1
        for number in order:
            _, offset, size = self.index[number]
            if offset != position:
                self.file.seek(offset)
            blob = self.file.read(size)
            position = offset + size
            yield decode(marshal.loads(blob))
