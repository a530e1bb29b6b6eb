"""Read UIMA CAS JSON folders (ours, or INCEpTION's exports) back into the corpus model.

The exact reverse of :mod:`partages_ls.exporters.cas.write`: each structure's CAS id (``%ID``, the
xmi id) becomes the span or relation id, so ids are stable through round trips, and for files
exported by INCEpTION they are INCEpTION's own annotation addresses.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import cassis

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.exporters.cas.generate import typesystem_xml
from partages_ls.exporters.cas.schema import (
    DEPENDENT,
    DOCUMENT_ANNOTATION,
    DOCUMENT_METADATA,
    GOVERNOR,
    ORDER_FEATURE,
    CasSchema,
    ValueMap,
    cas_schema,
    span_key,
)
from partages_ls.exporters.corpus import Annotation, Corpus, Document, Provenance, Relation, Span, unreadable
from partages_ls.exporters.output import RUN_REPORT
from partages_ls.guides.model import Guide

_CAS_KEYS = ('"%FEATURE_STRUCTURES"', '"%TYPES"', '"%VIEWS"')  # top-level keys of a CAS JSON file


class CasReadError(DiagnosticError):
    """A CAS file holds something the guide does not know (file, annotation and value are listed)."""


class _DocumentReader:
    """Maps one loaded CAS back to guide ids, collecting every unknown value."""

    def __init__(self, schema: CasSchema, cas: Any, name: str, problems: list[Diagnostic]) -> None:
        self.schema = schema
        self.cas = cas
        self.name = name
        self.problems = problems

    def where(self, structure: Any) -> str:
        return f"{self.name} / {structure.type.name.rsplit('.', 1)[-1]} #{structure.xmiID}"

    def problem(self, structure: Any, message: str, hint: str = "") -> None:
        self.problems.append(Diagnostic(self.where(structure), message, hint=hint))

    def value_id(self, structure: Any, feature: str, values: ValueMap, note: str = "") -> str | None:
        """The guide id of ``structure``'s value of ``feature``; None when it has none, or an unknown one (listed)."""
        value = structure.get(feature)
        if value is None:
            return None
        value_id = values.from_cas.get(value)
        if value_id is None:
            self.problem(structure, f"unknown value {value!r} of feature {feature}{note}", f"known: {values.known()}")
        return value_id

    def provenance(self, structure: Any) -> Provenance:
        return Provenance(source=self.where(structure))

    def report(self) -> str:
        stem = self.name.removesuffix(".json")
        for structure in self.cas.select(DOCUMENT_ANNOTATION):
            if structure.type.name == DOCUMENT_METADATA:
                return str(structure.get("documentId") or structure.get("documentTitle") or stem)
        return stem

    def span(self, structure: Any, text_length: int) -> Span | None:
        layers = self.schema.layers_of_type(structure.type.name)
        labelled = [layer for layer in layers if structure.get(layer.label_feature) is not None]
        matching = [layer for layer in labelled if structure.get(layer.label_feature) in layer.labels.from_cas]
        if len(matching) != 1:
            if not labelled:
                features = ", ".join(sorted({layer.label_feature for layer in layers}))
                self.problem(structure, f"annotation without a label ({features} is empty)")
            elif not matching:
                layer = labelled[0]
                value = structure.get(layer.label_feature)
                self.problem(
                    structure,
                    f"unknown value {value!r} of feature {layer.label_feature}",
                    f"known: {layer.labels.known()}",
                )
            else:
                names = ", ".join(layer.label_set for layer in matching)
                self.problem(structure, f"label fits several label sets ({names})")
            return None
        layer = matching[0]
        ok = True
        begin, end = structure.begin, structure.end
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= text_length):
            ok = False
            self.problem(structure, f"offsets {structure.begin}-{structure.end} outside the text")
        attributes = {}
        for attribute in layer.attributes.values():
            # What an annotator stored is data: the span is kept, only an unknown value is left out (listed).
            value_id = self.value_id(structure, attribute.feature, attribute.values, " (the span is kept without it)")
            if value_id is not None:
                attributes[attribute.name] = value_id
        if not ok:
            return None
        return Span(
            id=str(structure.xmiID),
            label_set=layer.label_set,
            label=layer.labels.from_cas[structure.get(layer.label_feature)],
            begin=structure.begin,
            end=structure.end,
            attributes=attributes,
            provenance=self.provenance(structure),
        )

    def relations(self, spans: dict[str, Span]) -> list[Relation]:
        if self.schema.relation_type is None:
            return []
        relations = []
        for structure in self.cas.select(self.schema.relation_type):
            value = structure.get(self.schema.relation_feature)
            relation_type = self.schema.relations.from_cas.get(value) if value is not None else None
            ends = [structure.get(GOVERNOR), structure.get(DEPENDENT)]
            if relation_type is None:
                feature = self.schema.relation_feature
                self.problem(
                    structure,
                    f"unknown value {value!r} of feature {feature}",
                    f"known: {self.schema.relations.known()}",
                )
            elif any(end is None for end in ends):
                self.problem(structure, "relation without Governor or Dependent")
            elif all(str(end.xmiID) in spans for end in ends):
                relations.append(
                    Relation(
                        id=str(structure.xmiID),
                        type=relation_type,
                        source=str(ends[0].xmiID),
                        target=str(ends[1].xmiID),
                        provenance=self.provenance(structure),
                    )
                )
            elif all(end.type.name == self.schema.relation_attach for end in ends):
                continue  # an end was already reported as a bad span
            else:
                self.problem(structure, f"relation ends are not {self.schema.relation_attach} annotations")
        return relations

    def fields(self) -> dict[str, list[str]]:
        if self.schema.document_type is None:
            return {}
        structures = sorted(
            self.cas.select(self.schema.document_type), key=lambda s: (s.get(ORDER_FEATURE) or 0, s.xmiID)
        )
        fields: dict[str, list[str]] = {}
        for structure in structures:
            for field_map in self.schema.fields.values():
                value_id = self.value_id(structure, field_map.feature, field_map.values)
                if value_id is not None:
                    fields.setdefault(field_map.name, []).append(value_id)
        return fields

    def document(self) -> Document | None:
        text = self.cas.sofa_string
        if not isinstance(text, str):
            self.problems.append(Diagnostic(self.name, "the CAS has no document text"))
            return None
        spans: dict[str, Span] = {}
        for type_name in self.schema.span_types():
            for structure in self.cas.select(type_name):
                span = self.span(structure, len(text))
                if span is not None:
                    spans[span.id] = span
        annotation = Annotation(
            spans=sorted(spans.values(), key=span_key),
            relations=self.relations(spans),
            fields=self.fields(),
            ground_truth=True,
        )
        return Document(report=self.report(), text=text, annotations=[annotation])


def _load(path: Path, typesystem_text: str, problems: list[Diagnostic]) -> Any:
    """Load one file; cassis' offset warnings (an offset inside a UTF-16 pair) become problems."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with path.open("rb") as handle:
                cas = cassis.load_cas_from_json(handle, typesystem=cassis.load_typesystem(typesystem_text))
        # cassis reports malformed input with whatever the failing step raises (JSON, key, type,
        # attribute errors): all of them mean "not a CAS this guide can read".
        except Exception as err:
            problems.append(Diagnostic(path.name, f"not a readable UIMA CAS JSON file: {type(err).__name__}: {err}"))
            return None
    for warning in caught:
        problems.append(Diagnostic(path.name, f"cassis: {warning.message}"))
    return cas if not caught else None


def _looks_like_cas(path: Path) -> bool:
    """Whether a file holds a CAS (a folder from elsewhere may have a report named like our run report)."""
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        return '"%FEATURE_STRUCTURES"' in handle.read(65536)


def detect_cas(folder: Path) -> bool:
    """Whether ``folder`` holds CAS JSON files: its first ``.json`` (the run report aside) has a CAS's keys."""
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix == ".json" and not p.name.startswith(".") and p.name != RUN_REPORT
    )
    if not files:
        return False
    try:
        with files[0].open("r", encoding="utf-8", errors="replace") as handle:
            head = handle.read(8192)
    except OSError:
        return False
    return any(key in head for key in _CAS_KEYS)


def read_cas(folder: Path, guide: Guide, *, partial: bool = False) -> Corpus:
    """The corpus held by a folder of CAS JSON files (one per report), with guide ids.

    Every INCEpTION value is mapped back through the guide; unknown ones raise :class:`CasReadError`
    listing file, annotation and value. Layers the guide does not know (tokens, sentences) are ignored.
    With ``partial`` (import), each problem leaves out its annotation (or its file) alone and is listed
    in ``corpus.skipped``; an unknown attribute value leaves out that value only (the span is kept).
    """
    schema = cas_schema(guide)
    typesystem_text = typesystem_xml(guide)
    problems: list[Diagnostic] = []
    corpus = Corpus(guide=guide.name, guide_version=guide.version)
    sources: dict[str, str] = {}
    # export-report.json sits beside the CAS files of an exported folder; it is not a CAS (unless it holds one).
    for path in sorted(p for p in folder.glob("*.json") if p.name != RUN_REPORT or _looks_like_cas(p)):
        cas = _load(path, typesystem_text, problems)
        if cas is None:
            continue
        document = _DocumentReader(schema, cas, path.name, problems).document()
        if document is None:
            continue
        if document.report in sources:
            problems.append(Diagnostic(path.name, f"report {document.report!r} is also in {sources[document.report]}"))
            continue
        sources[document.report] = path.name
        corpus.documents.append(document)
    if problems and not partial:
        raise CasReadError(f"cannot read {folder} as {guide.name} CAS JSON", problems)
    corpus.skipped += [unreadable(p.location, p.message) for p in problems]
    corpus.sort()
    return corpus
