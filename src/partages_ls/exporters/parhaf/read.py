"""Read PARHAF subset folders (ours or the published ones) back into the corpus model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from partages_ls.errors import Diagnostic
from partages_ls.exporters.corpus import Annotation, Corpus, Document, Provenance, Relation, Skipped, Span, unreadable
from partages_ls.exporters.parhaf.schema import (
    CONFIGS,
    DOCUMENTS,
    MULTI_VALUE_SEPARATOR,
    RELATIONS,
    SPANS,
    ParhafColumns,
    ParhafReadError,
    SpanTextMismatchError,
    ValueMap,
    check_span_texts,
    nullable_key,
    parhaf_columns,
    relative_path,
    split_order,
)
from partages_ls.guides.model import Guide, LabelSet


# --- tables → corpus ----------------------------------------------------------------------------
def _present(value: Any) -> Any:
    """Feature cells: null and "" both mean unset (flattened exports use either)."""
    return None if value is None or value == "" else value


class _Reader:
    """Maps hub tables back to guide ids, collecting every problem with its file and row."""

    def __init__(self, guide: Guide, columns: ParhafColumns) -> None:
        self.guide = guide
        self.columns = columns
        self.schemas = columns.schemas()
        self.hub = guide.export.hub_columns
        self.label_maps = {ls.name: ValueMap.of(ls.labels) for ls in guide.label_sets}
        self.attribute_maps = {
            (ls.name, a.name): ValueMap.of(a.values) for ls in guide.label_sets for a in ls.attributes
        }
        self.field_maps = {f.name: ValueMap.of(f.values) for f in guide.document_fields}
        self.relation_ids = {r.hub_value: r.id for r in guide.relations}
        self.problems: list[Diagnostic] = []
        self.warnings: list[Skipped] = []
        self.documents: dict[str, Document] = {}
        self.split_of: dict[str, str] = {}
        self.pending: dict[str, list[tuple[tuple[Any, ...], Span]]] = {}
        self.bad_rows: set[str] = set()  # span rows whose text does not match (partial reading leaves them out)

    def problem(self, where: str, message: str, hint: str = "") -> None:
        self.problems.append(Diagnostic(where, message, hint=hint))

    def _unknown(self, where: str, column: str, value: Any, known: Iterable[str], kept: str = "") -> None:
        kept = f" ({kept})" if kept else ""
        self.problem(where, f"column {column}: unknown value {value!r}{kept}", f"known values: {', '.join(known)}")

    def _has_columns(self, table: pa.Table, source: str, required: Sequence[str], known: Iterable[str]) -> bool:
        names = table.schema.names
        missing = [c for c in required if c not in names]
        if missing:
            self.problem(source, f"missing column(s) {', '.join(missing)}")
            return False
        for extra in (c for c in names if c not in set(known)):
            self.warnings.append(
                Skipped(
                    source,
                    "column",
                    f"column {extra!r} is not in guide {self.guide.name}: ignored",
                    "parhaf-unknown-column",
                )
            )
        return True

    def _document_of(self, report: Any, split: str, where: str) -> Document | None:
        document = self.documents.get(report) if isinstance(report, str) else None
        if document is None:
            self.problem(where, f"report {report!r} is not in document_metadata")
        elif self.split_of[report] != split:
            self.problem(where, f"report {report} is in split {self.split_of[report]!r} of document_metadata")
            return None
        return document

    def read_documents(self, split: str, table: pa.Table) -> None:
        source, hub = relative_path(DOCUMENTS, split), self.hub
        if not self._has_columns(table, source, [hub.report, hub.full_text], self.schemas[DOCUMENTS].names):
            return
        fields = [f for f in self.guide.document_fields if f.column in table.schema.names]
        for index, row in enumerate(table.to_pylist()):
            where, report, text = f"{source}: row {index}", row[hub.report], row[hub.full_text]
            if not isinstance(report, str) or not report or not isinstance(text, str):
                self.problem(where, f"{hub.report} and {hub.full_text} must be non-empty strings")
                continue
            if report in self.documents:
                self.problem(where, f"report {report} is also in {relative_path(DOCUMENTS, self.split_of[report])}")
                continue
            annotation = Annotation()
            for spec in fields:
                raw = _present(row[spec.column])
                if raw is None:
                    continue
                mapping = self.field_maps[spec.name]
                parts = str(raw).split(MULTI_VALUE_SEPARATOR) if spec.multiple else [str(raw)]
                for part in (p for p in parts if p not in mapping.to_id):
                    self._unknown(where, spec.column, part, mapping.to_id)
                chosen = [mapping.to_id[p] for p in parts if p in mapping.to_id]
                if chosen:
                    annotation.fields[spec.name] = chosen
            self.documents[report] = Document(report, text, [annotation])
            self.split_of[report] = split

    def _label(self, row: dict[str, Any], where: str) -> tuple[LabelSet, str] | None:
        candidates = list(self.guide.label_sets)
        span_type = _present(row.get(self.hub.span_type))
        if span_type is not None:
            candidates = [ls for ls in candidates if ls.hub_span_type == span_type]
            if not candidates:
                self._unknown(where, self.hub.span_type, span_type, (ls.hub_span_type for ls in self.guide.label_sets))
                return None
        matches = [
            (ls, self.label_maps[ls.name].to_id[value])
            for ls in candidates
            if (value := _present(row.get(ls.column))) in self.label_maps[ls.name].to_id
        ]
        if len(matches) == 1:
            return matches[0]
        if matches:
            self.problem(where, f"the label matches several label sets: {', '.join(ls.name for ls, _ in matches)}")
            return None
        filled = {ls.column: row.get(ls.column) for ls in candidates if _present(row.get(ls.column)) is not None}
        if not filled:
            self.problem(where, f"no label: {', '.join(ls.column for ls in candidates)} null or missing")
        for ls in candidates:
            if ls.column in filled:
                self._unknown(where, ls.column, filled[ls.column], self.label_maps[ls.name].to_id)
        return None

    def _attributes(self, row: dict[str, Any], label_set: LabelSet, label: str, where: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for column in self.columns.attributes:
            value = _present(row.get(column))
            if value is None:
                continue
            spec = next((a for a in label_set.attributes if a.column == column and label in a.applies_to), None)
            if spec is None:
                self.problem(where, f"column {column} holds {value!r} but does not apply to label {label}")
                continue
            mapping = self.attribute_maps[(label_set.name, spec.name)]
            if value not in mapping.to_id:
                self._unknown(where, column, value, mapping.to_id, "the span is kept without it")
                continue
            found[spec.name] = mapping.to_id[value]
        return found

    def read_spans(self, split: str, table: pa.Table) -> None:
        source, hub = relative_path(SPANS, split), self.hub
        known = self.schemas[SPANS].names
        if not self._has_columns(table, source, [hub.report, hub.begin, hub.end], known):
            return
        if not set(self.columns.labels) & set(table.schema.names):
            self.problem(source, f"no label column (expected {', '.join(self.columns.labels)})")
            return
        has_ids = hub.span_id in table.schema.names
        for index, row in enumerate(table.to_pylist()):
            where = f"{source}: row {index}"
            if where in self.bad_rows:
                continue
            document = self._document_of(row[hub.report], split, where)
            if document is None:
                continue
            span_id = row.get(hub.span_id)
            if has_ids and (not isinstance(span_id, str) or not span_id):
                self.problem(where, f"{hub.span_id} must be a non-empty string, got {span_id!r}")
                continue
            begin, end = row[hub.begin], row[hub.end]  # checked by check_span_texts
            resolved = self._label(row, where)
            if resolved is None:
                continue
            label_set, label = resolved
            attributes = self._attributes(row, label_set, label, where)
            features = [_present(row.get(c)) for c in (*self.columns.labels, *self.columns.attributes)]
            key = (
                begin,
                end,
                label_set.hub_span_type,
                self.label_maps[label_set.name].to_hub[label],
                nullable_key(features),
                index,
            )
            span = Span(span_id or "", label_set.name, label, begin, end, attributes, Provenance(source=where))
            self.pending.setdefault(document.report, []).append((key, span))

    def attach_spans(self) -> None:
        """Number spans read without ids like the writer does, then attach them to their documents."""
        for report, items in sorted(self.pending.items()):
            items.sort(key=lambda item: item[0])
            spans = [span for _, span in items]
            for number, span in enumerate(spans, start=1):
                span.id = span.id or f"{report}-T{number}"
                span.provenance = Provenance(result_id=span.id, source=span.provenance.source)
            counts = Counter(span.id for span in spans)
            for span_id in sorted(i for i, n in counts.items() if n > 1):
                self.problem(f"report {report}", f"span id {span_id!r} is used {counts[span_id]} times")
            self.documents[report].annotations[0].spans = spans

    def read_relations(self, split: str, table: pa.Table) -> None:
        source, hub = relative_path(RELATIONS, split), self.hub
        if not self.guide.relations:
            self.problem(source, f"guide {self.guide.name} defines no relation; this file cannot be read")
            return
        names = self.schemas[RELATIONS].names
        if not self._has_columns(table, source, names, names):
            return
        for index, row in enumerate(table.to_pylist()):
            where = f"{source}: row {index}"
            document = self._document_of(row[hub.report], split, where)
            if document is None:
                continue
            annotation = document.annotations[0]
            kind, relation_id = row[hub.relation_type], row[hub.relation_id]
            span_ids = {span.id for span in annotation.spans}
            if kind not in self.relation_ids:
                self._unknown(where, hub.relation_type, kind, self.relation_ids)
                continue
            if not isinstance(relation_id, str) or not relation_id:
                self.problem(where, f"{hub.relation_id} must be a non-empty string, got {relation_id!r}")
                continue
            ends = (row[hub.relation_source], row[hub.relation_target])
            missing = [end for end in ends if end not in span_ids]
            if missing:
                self.problem(where, f"relation {relation_id}: no span {missing[0]!r} in report {document.report}")
                continue
            if any(r.id == relation_id for r in annotation.relations):
                self.problem(where, f"relation id {relation_id!r} is used twice in report {document.report}")
                continue
            provenance = Provenance(result_id=relation_id, source=where)
            annotation.relations.append(
                Relation(relation_id, self.relation_ids[kind], str(ends[0]), str(ends[1]), provenance)
            )


def tables_to_corpus(tables: Mapping[str, Mapping[str, pa.Table]], guide: Guide, *, partial: bool = False) -> Corpus:
    """A corpus (one annotation per report) from hub tables; ids are kept, or numbered when absent."""
    reader = _Reader(guide, parhaf_columns(guide))
    try:
        check_span_texts(tables, guide)
    except SpanTextMismatchError as exc:
        if not partial:
            raise
        reader.problems += exc.diagnostics
        reader.bad_rows = {d.location for d in exc.diagnostics}
    for split in split_order(tables.get(DOCUMENTS, {})):
        reader.read_documents(split, tables[DOCUMENTS][split])
    for split in split_order(tables.get(SPANS, {})):
        reader.read_spans(split, tables[SPANS][split])
    reader.attach_spans()
    for split in split_order(tables.get(RELATIONS, {})):
        reader.read_relations(split, tables[RELATIONS][split])
    if reader.problems and not partial:
        raise ParhafReadError("the PARHAF files do not match the guide", reader.problems)
    corpus = Corpus(guide.name, guide.version, list(reader.documents.values()), warnings=reader.warnings)
    corpus.skipped += [unreadable(p.location, p.message) for p in reader.problems]
    corpus.sort()
    return corpus


def _split_files(folder: Path, config: str) -> dict[str, Path]:
    prefix = f"{config}_"
    found = {}
    for path in sorted((folder / "data" / config).glob(f"{prefix}*.parquet")):
        found[path.stem[len(prefix) :]] = path
    return found


def read_tables(folder: Path) -> dict[str, dict[str, pa.Table]]:
    """Every ``data/<config>/<config>_<split>.parquet`` of a subset folder, by config then split."""
    tables = {config: {s: pq.read_table(p) for s, p in _split_files(folder, config).items()} for config in CONFIGS}
    if not tables[DOCUMENTS]:
        raise ParhafReadError(
            f"{folder} is not a PARHAF subset",
            [Diagnostic(str(folder), f"no {relative_path(DOCUMENTS, '<split>')} file")],
        )
    return {config: by_split for config, by_split in tables.items() if by_split}


def read_parhaf(folder: Path, guide: Guide, *, partial: bool = False) -> Corpus:
    """A corpus (one annotation per report, annotator None) from a subset folder, ours or published.

    With ``partial`` (import), a row that does not match the guide is left out alone and listed in
    ``corpus.skipped`` instead of refusing the subset.
    """
    return tables_to_corpus(read_tables(folder), guide, partial=partial)


def detect_parhaf(folder: Path) -> bool:
    """Whether ``folder`` is a PARHAF subset folder (it has ``data/document_metadata/``)."""
    return (folder / "data" / DOCUMENTS).is_dir()


def read_parhaf_splits(folder: Path, guide: Guide) -> dict[str, str]:
    """Report id → split name, from the document_metadata files (to re-export with the same cut)."""
    report = guide.export.hub_columns.report
    return {
        name: split
        for split, path in _split_files(folder, DOCUMENTS).items()
        for name in pq.read_table(path, columns=[report])[report].to_pylist()
    }
