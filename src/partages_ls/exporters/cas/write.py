"""Write UIMA CAS JSON, the PARTAGES delivery format: one file per report, as INCEpTION exports it.

``write_cas`` turns a gold corpus (one annotation per document) into ``<report>.json`` files plus
the guide's ``typesystem.xml``; ``read_cas`` is its exact reverse. The naming lives in
:mod:`partages_ls.exporters.cas.schema`; this module only moves data.

Offsets: our model counts Python code points, UIMA counts UTF-16 units. cassis converts both ways
(code points in memory, UTF-16 in the file), so feature structures are built with our offsets.

Span and relation ids: a CAS carries no Label Studio id, so nothing extra is stored. The writer
numbers feature structures in a canonical order (report metadata, then spans by offsets, label,
attributes, then relations, then document fields) and the reader uses each structure's CAS id
(``%ID``, the xmi id) as the span or relation id. Ids are therefore stable through any number of
round trips, and for files exported by INCEpTION they are INCEpTION's own annotation addresses.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import cassis

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.exporters.cas.generate import TYPESYSTEM_FILE, typesystem_xml
from partages_ls.exporters.cas.json_out import cas_json, new_cas
from partages_ls.exporters.cas.schema import (
    DEPENDENT,
    DOCUMENT_METADATA,
    GOVERNOR,
    ORDER_FEATURE,
    CasSchema,
    SpanLayerMap,
    cas_schema,
    id_key,
    span_key,
)
from partages_ls.exporters.corpus import Annotation, Corpus, Document, Provenance, Span
from partages_ls.exporters.format import DocumentWriter, WriteOptions
from partages_ls.exporters.output import RUN_REPORT, file_name_problem
from partages_ls.guides.model import Guide

DOCUMENT_LANGUAGE = "fr"
SOFA_MIME = "text/plain"
# Report ids become file names: no path separators, control or Windows-reserved characters,
# no leading dot (hidden files, "." and "..").
_SAFE_REPORT = re.compile(r'[^./\\:*?"<>|\x00-\x1f][^/\\:*?"<>|\x00-\x1f]*')


class CasWriteError(DiagnosticError):
    """The corpus holds something the guide's CAS layers cannot carry (unknown id, bad offsets)."""


def _where(document: Document, kind: str, identifier: str, provenance: Provenance) -> str:
    origin = provenance.where()
    suffix = f" ({origin})" if origin != "(unknown origin)" else ""
    return f"{document.report} / {kind} {identifier}{suffix}"


class _DocumentWriter:
    """Builds the CAS of one document, collecting every problem instead of stopping at the first."""

    def __init__(self, schema: CasSchema, typesystem: Any, document: Document, problems: list[Diagnostic]) -> None:
        self.schema = schema
        self.typesystem = typesystem
        self.document = document
        self.problems = problems

    def problem(self, kind: str, identifier: str, provenance: Provenance, message: str, hint: str = "") -> None:
        self.problems.append(Diagnostic(_where(self.document, kind, identifier, provenance), message, hint=hint))

    def span_features(self, span: Span) -> tuple[SpanLayerMap, dict[str, str]] | None:
        layer = self.schema.span_layers.get(span.label_set)
        if layer is None:
            known = ", ".join(self.schema.span_layers)
            self.problem("span", span.id, span.provenance, f"unknown label set {span.label_set!r}", f"known: {known}")
            return None
        ok = True
        label = layer.labels.to_cas.get(span.label)
        if label is None:
            ok = False
            self.problem("span", span.id, span.provenance, f"unknown label {span.label!r} in {span.label_set}")
        if not 0 <= span.begin <= span.end <= len(self.document.text):
            ok = False
            self.problem(
                "span",
                span.id,
                span.provenance,
                f"offsets {span.begin}-{span.end} outside the text (length {len(self.document.text)})",
            )
        features = {layer.label_feature: label or ""}
        for name, value_id in sorted(span.attributes.items()):
            attribute = layer.attributes.get(name)
            value = attribute.values.to_cas.get(value_id) if attribute else None
            if attribute is None:
                ok = False
                self.problem("span", span.id, span.provenance, f"unknown attribute {name!r} for {span.label_set}")
            elif value is None:
                ok = False
                self.problem("span", span.id, span.provenance, f"unknown value {value_id!r} of attribute {name}")
            else:
                features[attribute.feature] = value
        return (layer, features) if ok else None

    def build(self, annotation: Annotation) -> tuple[Any, Counter[str]]:
        text = self.document.text
        cas = new_cas(self.typesystem, text, SOFA_MIME)
        metadata = self.typesystem.get_type(DOCUMENT_METADATA)
        cas.add(
            metadata(
                begin=0,
                end=len(text),
                language=DOCUMENT_LANGUAGE,
                documentTitle=self.document.report,
                documentId=self.document.report,
            )
        )
        counts: Counter[str] = Counter()
        structures: dict[str, Any] = {}
        seen: set[str] = set()
        for span in sorted(annotation.spans, key=span_key):
            if span.id in seen:
                self.problem("span", span.id, span.provenance, "duplicate span id")
                continue
            seen.add(span.id)
            built = self.span_features(span)
            if built is None:
                continue
            layer, features = built
            structure = self.typesystem.get_type(layer.type_name)(begin=span.begin, end=span.end, **features)
            cas.add(structure)
            structures[span.id] = structure
            counts[f"label:{span.label}"] += 1
            counts["spans"] += 1
        self.add_relations(cas, annotation, structures, counts)
        self.add_fields(cas, annotation, counts)
        return cas, counts

    def add_relations(self, cas: Any, annotation: Annotation, structures: dict[str, Any], counts: Counter[str]) -> None:
        order = {span_id: position for position, span_id in enumerate(structures)}
        known = {span.id for span in annotation.spans}
        pending: list[tuple[tuple[Any, ...], str, Any, Any]] = []
        for relation in annotation.relations:
            value = self.schema.relations.to_cas.get(relation.type)
            governor, dependent = structures.get(relation.source), structures.get(relation.target)
            if value is None or self.schema.relation_type is None:
                self.problem("relation", relation.id, relation.provenance, f"unknown relation type {relation.type!r}")
            elif governor is None or dependent is None:
                missing = [end for end in (relation.source, relation.target) if end not in known]
                if missing:  # an end that exists but was refused is reported with the span itself
                    self.problem("relation", relation.id, relation.provenance, f"no span with id {missing[0]!r}")
            elif {governor.type.name, dependent.type.name} != {self.schema.relation_attach}:
                self.problem(
                    "relation",
                    relation.id,
                    relation.provenance,
                    f"relation ends must be spans of {self.schema.relation_attach}",
                )
            else:
                key = (order[relation.source], order[relation.target], relation.type, id_key(relation.id))
                pending.append((key, value, governor, dependent))
        if self.schema.relation_type is None:
            return
        relation_type = self.typesystem.get_type(self.schema.relation_type)
        for _key, value, governor, dependent in sorted(pending, key=lambda item: item[0]):
            # INCEpTION gives a relation the offsets of its dependent (DKPro Core convention).
            features = {GOVERNOR: governor, DEPENDENT: dependent, self.schema.relation_feature: value}
            cas.add(relation_type(begin=dependent.begin, end=dependent.end, **features))
            counts["relations"] += 1

    def add_fields(self, cas: Any, annotation: Annotation, counts: Counter[str]) -> None:
        columns: list[tuple[str, list[str]]] = []
        for name, value_ids in sorted(annotation.fields.items()):
            field_map = self.schema.fields.get(name)
            where = Provenance()
            if field_map is None:
                self.problem("field", name, where, "unknown document field")
                continue
            values = []
            for value_id in value_ids:
                value = field_map.values.to_cas.get(value_id)
                if value is None:
                    self.problem("field", name, where, f"unknown value {value_id!r}")
                else:
                    values.append(value)
            columns.append((field_map.feature, values))
        rows = max((len(values) for _, values in columns), default=0)
        if rows == 0 or self.schema.document_type is None:
            return
        document_type = self.typesystem.get_type(self.schema.document_type)
        for row in range(rows):
            features: dict[str, Any] = {ORDER_FEATURE: row}
            features.update({feature: values[row] for feature, values in columns if row < len(values)})
            cas.add(document_type(**features))
            counts["document_values"] += len(features) - 1


class _CorpusChecks:
    """The corpus-level checks, document by document: what keeps a document from being built."""

    def __init__(self, problems: list[Diagnostic]) -> None:
        self.problems = problems
        self.seen: dict[str, str] = {}

    def add(self, document: Document) -> bool:
        """Whether the document can be built (its problems listed either way)."""
        problems = self.problems
        buildable = True
        if len(document.annotations) != 1:
            buildable = False
            problems.append(
                Diagnostic(
                    document.report,
                    f"{len(document.annotations)} annotations; CAS holds exactly one (the gold)",
                    hint="choose the gold annotation first",
                )
            )
        if not _SAFE_REPORT.fullmatch(document.report):
            problems.append(Diagnostic(repr(document.report), "report id is not a safe file name"))
        elif why := file_name_problem(f"{document.report}.json", (RUN_REPORT, TYPESYSTEM_FILE)):
            buildable = False
            problems.append(Diagnostic(f"report {document.report!r} (task {document.task_id})", why))
        folded = document.report.casefold()
        if folded in self.seen:
            problems.append(Diagnostic(document.report, f"same file name as report {self.seen[folded]!r}"))
        self.seen.setdefault(folded, document.report)
        try:
            document.text.encode("utf-8")
        except UnicodeEncodeError as err:
            buildable = False
            problems.append(Diagnostic(document.report, f"text holds an unpaired surrogate at {err.start}"))
        return buildable


def _guide_problems(corpus: Corpus, guide: Guide) -> list[Diagnostic]:
    if corpus.guide != guide.name:
        return [Diagnostic("corpus", f"corpus of guide {corpus.guide!r}, not {guide.name!r}")]
    return []


def _check_corpus(corpus: Corpus, guide: Guide) -> tuple[list[Diagnostic], set[int]]:
    """Corpus-level problems, and the documents (by position) that cannot even be built."""
    problems = _guide_problems(corpus, guide)
    checks = _CorpusChecks(problems)
    unbuildable = {position for position, d in enumerate(corpus.documents) if not checks.add(d)}
    return problems, unbuildable


class CasDocumentWriter:
    """The CAS :class:`~partages_ls.exporters.format.DocumentWriter`: one file per document as it comes.

    Documents come in report order. The corpus-level problems of every document are listed before
    the problems found while building (as the whole-corpus writer listed them); when there is any,
    :meth:`close` removes the files written and raises them all.
    """

    def __init__(self, guide: Guide, folder: Path) -> None:
        self.guide = guide
        self.folder = folder
        self.schema = cas_schema(guide)
        self.typesystem_text = typesystem_xml(guide)
        self.typesystem = cassis.load_typesystem(self.typesystem_text)
        self.checked: list[Diagnostic] = []
        self.checks = _CorpusChecks(self.checked)
        self.built: list[Diagnostic] = []
        self.written: list[str] = []  # file names (a Path each would weigh several times more at scale)
        self.totals: Counter[str] = Counter()

    def add(self, document: Document) -> None:
        if self.checks.add(document):
            self.build(document)

    def build(self, document: Document) -> None:
        """Build the document's CAS and write it, unless a problem was found (then only count)."""
        cas, counts = _DocumentWriter(self.schema, self.typesystem, document, self.built).build(document.annotations[0])
        self.totals.update(counts)
        if self.checked or self.built:
            return
        name = f"{document.report}.json"
        (self.folder / name).write_bytes((cas_json(cas) + "\n").encode("utf-8"))
        self.written.append(name)

    def close(self) -> dict[str, Any]:
        problems = self.checked + self.built
        if problems:
            for name in self.written:
                (self.folder / name).unlink(missing_ok=True)
            raise CasWriteError(f"cannot write the {self.guide.name} corpus as CAS JSON", problems)
        (self.folder / TYPESYSTEM_FILE).write_bytes(self.typesystem_text.encode("utf-8"))
        totals = self.totals
        labels = {key.removeprefix("label:"): n for key, n in sorted(totals.items()) if key.startswith("label:")}
        return {
            "format": "uima-cas-json",
            "documents": len(self.written),
            "files": len(self.written) + 1,
            "spans": totals["spans"],
            "relations": totals["relations"],
            "document_values": totals["document_values"],
            "labels": labels,
            "typesystem": TYPESYSTEM_FILE,
        }


def open_cas(guide: Guide, folder: Path, options: WriteOptions) -> DocumentWriter:
    """Start writing CAS JSON files into ``folder``; documents must be added in report order."""
    return CasDocumentWriter(guide, folder)


def write_cas(corpus: Corpus, guide: Guide, folder: Path, options: WriteOptions) -> dict[str, Any]:
    """One ``<report>.json`` CAS per document plus ``typesystem.xml`` in ``folder``; returns counts.

    CAS has no room for splits or export metadata: ``options`` is not used.

    Values are written with their INCEpTION naming; output is byte-identical for identical input.
    Nothing is written when any document has a problem: all problems are raised together.
    """
    writer = CasDocumentWriter(guide, folder)
    problems, unbuildable = _check_corpus(corpus, guide)  # in the corpus's own order
    writer.checked += problems
    documents = [d for position, d in enumerate(corpus.documents) if position not in unbuildable]
    for document in sorted(documents, key=lambda d: d.report):
        writer.build(document)
    return writer.close()
