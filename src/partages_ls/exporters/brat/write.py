"""brat standoff: write a corpus as brat folders (with the guide's ``annotation.conf``/``visual.conf``).

One ``<report>.txt`` (the exact text, ``\\r\\n`` kept) and one ``<report>.ann`` per document. The
conventions, chosen so that brat, bratiaa and edsnlp's ``read_standoff`` all parse the output:

- Offsets are Python string indices (code points, end exclusive), the unit of the corpus model,
  bratiaa and edsnlp. brat's own server agrees; its browser client counts UTF-16 units and its
  text reader folds ``\\r\\n`` (brat issues #1115, #853), so brat's display can drift after an
  emoji or a Windows line break although the files are right. edsnlp also opens ``.txt`` files
  with newline translation: its offsets drift after each ``\\r``.
- Entity types are the labels' INCEpTION values, attributes the INCEpTION features with the
  values' INCEpTION names, relations the relations' INCEpTION labels with roles ``Arg1``/``Arg2``.
- A span that crosses a line break is written as fragments cut at the line-break characters (what
  brat does when annotating); fragments separated only by whitespace are read back as one span.
- Undirected relations are declared in both argument orders and written as stored.
- Document-level fields: brat has no document attribute, and ``#`` notes must hang on a text-bound
  annotation (edsnlp rejects others), so each annotation that has field values gets one zero-width
  anchor ``T<n>\\tDocument 0 0\\t`` after its spans, carrying each value as a brat attribute
  ``A<k>\\t<Feature> T<n> <Value>`` declared in ``annotation.conf`` (``Arg:Document``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from partages_ls.errors import Diagnostic
from partages_ls.exporters.brat.generate import annotation_conf, visual_conf
from partages_ls.exporters.brat.schema import (
    CONFIG_FILES,
    DOCUMENT_TYPE,
    FRAGMENT_SEPARATOR,
    LINE_BREAKS,
    BratError,
    BratSchema,
    unsafe_name,
)
from partages_ls.exporters.corpus import (
    Annotation,
    Corpus,
    Document,
    Provenance,
    Span,
    natural_key,
)
from partages_ls.exporters.format import DocumentWriter, WriteOptions
from partages_ls.exporters.output import RUN_REPORT, OutputExistsError, file_name_problem
from partages_ls.exporters.sort_keys import LazyTail
from partages_ls.guides.model import Guide

# --- writing -------------------------------------------------------------------------------------
_LINE_BREAK = re.compile("[" + "".join(sorted(LINE_BREAKS)) + "]")


class _SpanTail(LazyTail):
    """The end of a span's sort key: its attributes, then its id in natural order (computed on a tie)."""

    __slots__ = ("attributes",)

    def __init__(self, span: Span) -> None:
        super().__init__(span.id)
        self.attributes = span.attributes

    def compute(self) -> Any:
        return (sorted(self.attributes.items()), natural_key(self.identifier))


def _span_key(span: Span) -> tuple[Any, ...]:
    return (span.begin, span.end, span.label_set, span.label, _SpanTail(span))


def _fragments(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """The pieces of ``[begin, end)`` between line breaks; zero-width pieces keep a break at either end."""
    if begin < end and _LINE_BREAK.search(text, begin, end) is None:
        return [(begin, end)]  # most spans: one piece (the loop below gives the same)
    pieces: list[tuple[int, int]] = []
    start: int | None = None
    for index in range(begin, end):
        if text[index] in LINE_BREAKS:
            if start is not None:
                pieces.append((start, index))
                start = None
        elif start is None:
            start = index
    if start is not None:
        pieces.append((start, end))
    if not pieces or pieces[0][0] != begin:
        pieces.insert(0, (begin, begin))
    if pieces[-1][1] != end:
        pieces.append((end, end))
    return pieces


def _t_line(tid: str, entity_type: str, text: str, pieces: list[tuple[int, int]]) -> str:
    offsets = ";".join(f"{b} {e}" for b, e in pieces)
    return f"{tid}\t{entity_type} {offsets}\t{FRAGMENT_SEPARATOR.join(text[b:e] for b, e in pieces)}"


def _where(document: Document, kind: str, item_id: str, provenance: Provenance) -> str:
    base = f"report {document.report} / {kind} {item_id}"
    return base if provenance == Provenance() else f"{base} ({provenance.where()})"


def _render(
    document: Document,
    annotation: Annotation,
    schema: BratSchema,
    problems: list[Diagnostic],
    counts: Counter[str],
    *,
    with_fields: bool = True,
) -> str:
    """The ``.ann`` text of one annotation: T lines, then A lines, then R lines, in canonical order."""
    text = document.text
    spans = sorted(annotation.spans, key=_span_key)
    tids = {span.id: f"T{n}" for n, span in enumerate(spans, 1)}
    if len(tids) != len(spans):
        problems.append(Diagnostic(f"report {document.report}", "two spans share an id"))
    t_lines: list[str] = []
    a_lines: list[str] = []
    labels: dict[str, str] = {}
    fragmented = 0
    for span in spans:
        entity_type = schema.entity.get((span.label_set, span.label))
        if entity_type is None:
            where = _where(document, "span", span.id, span.provenance)
            problems.append(Diagnostic(where, f"label {span.label_set}/{span.label} is not in the guide"))
            continue
        if not 0 <= span.begin <= span.end <= len(text):
            where = _where(document, "span", span.id, span.provenance)
            problems.append(Diagnostic(where, f"offsets {span.begin}-{span.end} outside the text (0-{len(text)})"))
            continue
        label_set, label = schema.label[entity_type]
        labels[span.id] = label.id
        pieces = _fragments(text, span.begin, span.end)
        fragmented += len(pieces) > 1
        t_lines.append(_t_line(tids[span.id], entity_type, text, pieces))
        if not span.attributes:
            continue  # nothing below applies (each attribute is looked up in the span's)
        where = _where(document, "span", span.id, span.provenance)
        by_name = {a.name: a for a in label_set.attributes}
        for name in sorted(set(span.attributes) - set(by_name)):
            problems.append(Diagnostic(where, f"attribute {name!r} is not in label set {label_set.name}"))
        for attribute in label_set.attributes:
            chosen = span.attributes.get(attribute.name)
            if chosen is None:
                continue
            value = next((v for v in attribute.values if v.id == chosen), None)
            if value is None or label.id not in attribute.applies_to:
                why = "does not apply to" if value else f"has no value {chosen!r} for"
                problems.append(Diagnostic(where, f"attribute {attribute.name} {why} label {label.id}"))
                continue
            a_lines.append(f"{attribute.feature_name} {tids[span.id]} {value.inception_value}")
    counts["fragmented_spans"] += fragmented
    counts["spans"] += len(t_lines)
    counts["attributes"] += len(a_lines)
    field_lines = _field_lines(document, annotation, schema, f"T{len(spans) + 1}", problems)
    if field_lines and with_fields:
        t_lines.append(f"T{len(spans) + 1}\t{DOCUMENT_TYPE} 0 0\t")
        a_lines += field_lines
        counts["document_fields"] += len(field_lines)
    elif field_lines:
        counts["document_fields_omitted"] += len(field_lines)
    r_lines = _relation_lines(document, annotation, schema, tids, labels, problems)
    counts["relations"] += len(r_lines)
    lines = [*t_lines, *(f"A{n}\t{line}" for n, line in enumerate(a_lines, 1))]
    lines += [f"R{n}\t{line}" for n, line in enumerate(r_lines, 1)]
    return "".join(line + "\n" for line in lines)


def _field_lines(
    document: Document, annotation: Annotation, schema: BratSchema, anchor: str, problems: list[Diagnostic]
) -> list[str]:
    by_name = {field.name: field for field in schema.guide.document_fields}
    for name in sorted(set(annotation.fields) - set(by_name)):
        problems.append(Diagnostic(f"report {document.report} / field {name}", "not a field of the guide"))
    lines = []
    for field in schema.guide.document_fields:
        for chosen in annotation.fields.get(field.name, []):
            value = next((v for v in field.values if v.id == chosen), None)
            if value is None:
                problems.append(Diagnostic(f"report {document.report} / field {field.name}", f"no value {chosen!r}"))
            else:
                lines.append(f"{field.feature_name} {anchor} {value.inception_value}")
    return lines


def _relation_lines(
    document: Document,
    annotation: Annotation,
    schema: BratSchema,
    tids: dict[str, str],
    labels: dict[str, str],
    problems: list[Diagnostic],
) -> list[str]:
    by_id = {relation.id: relation for relation in schema.guide.relations}
    rows = []
    for relation in annotation.relations:
        where = _where(document, "relation", relation.id, relation.provenance)
        spec = by_id.get(relation.type)
        if spec is None:
            problems.append(Diagnostic(where, f"relation type {relation.type!r} is not in the guide"))
        elif relation.source not in labels or relation.target not in labels:
            problems.append(Diagnostic(where, "an end of the relation is not a written span"))
        else:  # written as drawn, even outside the guide's pairs (the export report lists it)
            source, target = int(tids[relation.source][1:]), int(tids[relation.target][1:])
            rows.append(((source, target, relation.type, LazyTail(relation.id)), spec.inception_value))
    rows.sort(key=lambda row: row[0])
    return [f"{name} Arg1:T{key[0]} Arg2:T{key[1]}" for key, name in rows]


class _NameChecks:
    """Whether report (or annotator) names can be brat file names, one name at a time."""

    def __init__(self, what: str, problems: list[Diagnostic]) -> None:
        self.what = what
        self.problems = problems
        self.seen: dict[str, str] = {}

    def add(self, name: str) -> None:
        why = unsafe_name(name) or file_name_problem(f"{name}.ann", (RUN_REPORT, *CONFIG_FILES))
        why = why or file_name_problem(f"{name}.txt", (RUN_REPORT, *CONFIG_FILES))
        seen = self.seen
        if why:
            self.problems.append(Diagnostic(f"{self.what} {name!r}", f"cannot be a brat file name: {why}"))
        elif name.casefold() in seen and seen[name.casefold()] != name:
            self.problems.append(Diagnostic(f"{self.what} {name!r}", f"same file name as {seen[name.casefold()]!r}"))
        seen.setdefault(name.casefold(), name)


def _check_names(names: Iterable[str], what: str, problems: list[Diagnostic]) -> None:
    checks = _NameChecks(what, problems)
    for name in names:
        checks.add(name)


def _write_files(folder: Path, files: Mapping[str, str]) -> None:
    """Create each file exclusively: an existing file is never overwritten."""
    for relative in sorted(files):
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8", newline="") as handle:
                handle.write(files[relative])
        except FileExistsError:
            raise OutputExistsError(f"{path} already exists: brat files are written into an empty folder") from None


def _config_files(guide: Guide) -> dict[str, str]:
    return {"annotation.conf": annotation_conf(guide), "visual.conf": visual_conf(guide)}


def _check_guide(corpus: Corpus, guide: Guide, problems: list[Diagnostic]) -> None:
    if corpus.guide != guide.name:
        problems.append(Diagnostic("corpus", f"corpus of guide {corpus.guide!r}, not {guide.name!r}"))


def _one_annotation(document: Document, problems: list[Diagnostic]) -> Annotation | None:
    if len(document.annotations) == 1:
        return document.annotations[0]
    problems.append(
        Diagnostic(
            f"report {document.report}",
            f"{len(document.annotations)} annotations: a brat folder holds exactly one per document",
            hint="choose the gold annotation first (select_gold)",
        )
    )
    return None


class BratDocumentWriter:
    """The brat :class:`~partages_ls.exporters.format.DocumentWriter`: two files per document as it comes.

    Documents come in report order. Problems are raised at :meth:`close` as the whole-corpus writer
    raised them (name problems of every report first, then each document's), and then, as when a
    file is already there, the files written are removed again: nothing is ever overwritten.
    """

    def __init__(self, guide: Guide, folder: Path) -> None:
        self.guide = guide
        self.folder = folder
        self.schema = BratSchema(guide)
        self.named: list[Diagnostic] = []
        self.names = _NameChecks("report", self.named)
        self.problems: list[Diagnostic] = []
        self.counts: Counter[str] = Counter()
        self.documents = 0
        self.written: list[str] = []  # file names (a Path each would weigh several times more at scale)
        self.existing: list[str] = []

    def add(self, document: Document) -> None:
        self.names.add(document.report)
        self.render(document)

    def render(self, document: Document) -> None:
        """Write the document's ``.ann`` and ``.txt``, unless a problem was found (then only check)."""
        self.documents += 1
        annotation = _one_annotation(document, self.problems)
        if annotation is None:
            return
        ann = _render(document, annotation, self.schema, self.problems, self.counts)
        if not (self.problems or self.named):
            self._write({f"{document.report}.ann": ann, f"{document.report}.txt": document.text})

    def _write(self, files: Mapping[str, str]) -> None:
        for relative, text in files.items():
            path = self.folder / relative
            if not self.written:
                path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with path.open("x", encoding="utf-8", newline="") as handle:
                    handle.write(text)
            except FileExistsError:
                self.existing.append(relative)
            else:
                self.written.append(relative)

    def _discard(self) -> None:
        for name in self.written:
            (self.folder / name).unlink(missing_ok=True)

    def close(self) -> dict[str, Any]:
        problems = self.named + self.problems
        if problems:
            self._discard()
            raise BratError("the corpus cannot be written as brat", problems)
        self._write(_config_files(self.guide))
        if self.existing:
            self._discard()
            path = self.folder / min(self.existing)
            raise OutputExistsError(f"{path} already exists: brat files are written into an empty folder")
        return {
            "format": "brat",
            "guide": self.guide.name,
            "documents": self.documents,
            **{
                key: self.counts[key]
                for key in ("spans", "attributes", "relations", "document_fields", "fragmented_spans")
            },
        }


def open_brat(guide: Guide, folder: Path, options: WriteOptions) -> DocumentWriter:
    """Start writing a brat folder; documents must be added in report order.

    brat has no room for splits or export metadata: ``options`` is not used.
    """
    return BratDocumentWriter(guide, folder)


def write_brat(corpus: Corpus, guide: Guide, folder: Path, options: WriteOptions) -> dict[str, Any]:
    """Write ``<report>.txt`` + ``<report>.ann`` per document (one gold annotation each) and the configs.

    brat has no room for splits or export metadata: ``options`` is not used.
    """
    writer = BratDocumentWriter(guide, folder)
    _check_guide(corpus, guide, writer.named)
    _check_names((d.report for d in corpus.documents), "report", writer.named)  # in the corpus's own order
    for document in corpus.documents:
        writer.render(document)
    return writer.close()


def write_brat_annotators(corpus: Corpus, guide: Guide, folder: Path) -> dict[str, Any]:
    """One folder per annotator with the documents they did, configs at the root (bratiaa's layout).

    Document-level fields are left out: bratiaa scores every text-bound annotation, and identical
    ``Document`` anchors would count as agreed spans. Their number is reported instead.
    """
    schema = BratSchema(guide)
    problems: list[Diagnostic] = []
    _check_guide(corpus, guide, problems)
    _check_names((d.report for d in corpus.documents), "report", problems)
    work: dict[str, list[tuple[Document, Annotation]]] = {}
    for document in corpus.documents:
        done: set[str] = set()
        for annotation in document.annotations:
            who = annotation.annotator
            where = f"report {document.report} / annotation {annotation.annotation_id}"
            if not who:
                problems.append(Diagnostic(where, "the annotation has no annotator"))
            elif who in done:
                problems.append(Diagnostic(where, f"{who} annotated this report twice"))
            else:
                done.add(who)
                work.setdefault(who, []).append((document, annotation))
    _check_names(work, "annotator", problems)
    files = _config_files(guide)
    per_annotator: dict[str, dict[str, int]] = {}
    omitted = 0
    for who in sorted(work):
        counts: Counter[str] = Counter()
        for document, annotation in work[who]:
            files[f"{who}/{document.report}.ann"] = _render(
                document, annotation, schema, problems, counts, with_fields=False
            )
            files[f"{who}/{document.report}.txt"] = document.text
        per_annotator[who] = {"documents": len(work[who]), "spans": counts["spans"], "relations": counts["relations"]}
        omitted += counts["document_fields_omitted"]
    if problems:
        raise BratError("the corpus cannot be written as per-annotator brat folders", problems)
    _write_files(folder, files)
    reports = Counter(document.report for pairs in work.values() for document, _ in pairs)
    return {
        "format": "brat-annotators",
        "guide": guide.name,
        "annotators": per_annotator,
        "documents": len(reports),
        "agreement_documents": sum(1 for n in reports.values() if n > 1),
        "document_fields_omitted": omitted,
    }
