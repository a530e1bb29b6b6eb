"""Write and read the parquet layout of the published PARHAF annotated subsets.

A subset folder holds ``data/<config>/<config>_<split>.parquet`` for the configs
``document_metadata``, ``spans`` and (guides with relations) ``relations``, plus a dataset card
whose YAML header lets ``datasets.load_dataset(folder, config)`` find the splits. Every column
name, span type and value comes from the guide; the guide-id ↔ hub-value mapping
(:func:`corpus_to_tables`, :func:`tables_to_corpus`) is kept apart from the file I/O.

Ids: span ids are ``<report>-T<n>`` and relation ids ``<report>-R<n>``, numbered from 1 within
each report in canonical row order, so they are unique in the subset, independent of Label
Studio's random result ids, and identical on every re-export. Rows are sorted by report, then
begin, end, span type, label, attribute values and (natural order of) the previous id.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.exporters.corpus import Annotation, Corpus, Document, Span, natural_key
from partages_ls.guides.model import Guide, HubColumns, Value

DOCUMENTS, SPANS, RELATIONS = "document_metadata", "spans", "relations"
CONFIGS = (DOCUMENTS, SPANS, RELATIONS)
MULTI_VALUE_SEPARATOR = "|"
SPLIT_ORDER = ("train", "dev", "validation", "test")
_SPLIT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Fixed writer settings: the same table gives the same bytes (parquet stores no timestamp; its
# `created_by` names the pyarrow version, so bytes are stable for a given pyarrow release).
_PARQUET_OPTIONS: dict[str, Any] = {
    "version": "2.6",
    "compression": "snappy",
    "use_dictionary": True,
    "write_statistics": True,
    "data_page_version": "1.0",
    "store_schema": True,
}


class ParhafError(DiagnosticError):
    """A corpus or a folder that cannot be written or read as PARHAF parquet; lists every problem."""


class SpanTextMismatchError(ParhafError):
    """Rows where ``full_text[begin:end] != span_text``: offsets and text disagree."""


class ParhafReadError(ParhafError):
    """A parquet folder whose columns or values the guide cannot map back (file, row, value)."""


def relative_path(config: str, split: str) -> str:
    """Where a config's split lives inside the subset folder (the published layout)."""
    return f"data/{config}/{config}_{split}.parquet"


def split_order(names: Iterable[str]) -> list[str]:
    """train, dev, validation, test first (the usual reading order), then the others by name."""
    known = {name: index for index, name in enumerate(SPLIT_ORDER)}
    return sorted(set(names), key=lambda s: (known.get(s, len(known)), s))


def _nullable_key(values: Sequence[str | None]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is not None, value or "") for value in values)


# --- naming -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _ValueMap:
    """Guide ids ↔ hub values of one closed list."""

    to_hub: dict[str, str]
    to_id: dict[str, str]

    @classmethod
    def of(cls, values: Iterable[Value]) -> _ValueMap:
        items = list(values)
        return cls({v.id: v.hub_value for v in items}, {v.hub_value: v.id for v in items})


@dataclass(frozen=True)
class ParhafColumns:
    """Column names of one guide's subset, in file order, and their Arrow schemas."""

    guide: Guide
    labels: tuple[str, ...]
    attributes: tuple[str, ...]
    fields: tuple[str, ...]

    @property
    def hub(self) -> HubColumns:
        return self.guide.export.hub_columns

    def schemas(self) -> dict[str, pa.Schema]:
        """config name → schema; structural columns are required, feature columns nullable."""
        hub = self.hub

        def required(name: str, kind: pa.DataType) -> pa.Field:
            return pa.field(name, kind, nullable=False)

        strings = [pa.field(name, pa.string(), nullable=True) for name in self.fields]
        documents = pa.schema([required(hub.report, pa.string()), required(hub.full_text, pa.string()), *strings])
        spans = pa.schema(
            [
                required(hub.report, pa.string()),
                required(hub.span_id, pa.string()),
                required(hub.span_type, pa.string()),
                required(hub.begin, pa.int64()),
                required(hub.end, pa.int64()),
                required(hub.span_text, pa.string()),
                *(pa.field(name, pa.string(), nullable=True) for name in (*self.labels, *self.attributes)),
            ]
        )
        relations = pa.schema(
            [
                required(name, pa.string())
                for name in (hub.report, hub.relation_id, hub.relation_type, hub.relation_source, hub.relation_target)
            ]
        )
        schemas = {DOCUMENTS: documents, SPANS: spans}
        if self.guide.relations:
            schemas[RELATIONS] = relations
        return schemas


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def parhaf_columns(guide: Guide) -> ParhafColumns:
    """The guide's columns; two features (or a feature and a structural column) sharing a name fail."""
    hub = guide.export.hub_columns
    columns = ParhafColumns(
        guide,
        labels=_unique(ls.column for ls in guide.label_sets),
        attributes=_unique(a.column for ls in guide.label_sets for a in ls.attributes),
        fields=_unique(f.column for f in guide.document_fields),
    )
    problems: list[Diagnostic] = []
    where = f"guide {guide.name}"
    structural = {hub.report, hub.span_id, hub.span_type, hub.begin, hub.end, hub.span_text}
    for name in sorted(set(columns.labels) & set(columns.attributes)):
        problems.append(Diagnostic(where, f"column {name!r} would hold both a label and an attribute"))
    for name in sorted((set(columns.labels) | set(columns.attributes)) & structural):
        problems.append(Diagnostic(where, f"feature column {name!r} collides with a structural column"))
    for name in sorted(set(columns.fields) & {hub.report, hub.full_text}):
        problems.append(Diagnostic(where, f"document field column {name!r} collides with a structural column"))
    if len(guide.document_fields) != len(columns.fields):
        problems.append(Diagnostic(where, "two document fields write the same column"))
    relation_columns = [hub.report, hub.relation_id, hub.relation_type, hub.relation_source, hub.relation_target]
    if guide.relations and len(set(relation_columns)) != len(relation_columns):
        problems.append(Diagnostic(where, "two relation columns share a name in export.hub_columns"))
    for f in guide.document_fields:
        for value in f.values:
            if f.multiple and MULTI_VALUE_SEPARATOR in value.hub_value:
                problems.append(
                    Diagnostic(where, f"field {f.name}: hub value {value.hub_value!r} contains the separator '|'")
                )
    if problems:
        raise ParhafError(f"guide {guide.name} cannot be written as PARHAF parquet", problems)
    return columns


def parhaf_schemas(guide: Guide) -> dict[str, pa.Schema]:
    """config name → Arrow schema of the subset (``relations`` only for guides with relations)."""
    return parhaf_columns(guide).schemas()


# --- corpus → tables ----------------------------------------------------------------------------
@dataclass
class ParhafTables:
    """The tables of a subset, by config then split, with the counts the dataset card shows."""

    tables: dict[str, dict[str, pa.Table]]
    splits: list[str]
    labels: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (split, span type, label)
    field_values: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (split, column, value)

    def stats(self) -> dict[str, Any]:
        def rows(config: str) -> dict[str, int]:
            return {s: self.tables[config][s].num_rows for s in self.splits} if config in self.tables else {}

        per_split: dict[str, dict[str, int]] = {}
        totals: Counter[str] = Counter()
        for split in self.splits:
            counts: Counter[str] = Counter()
            for (in_split, _, label), count in self.labels.items():
                if in_split == split:
                    counts[label] += count
            per_split[split] = dict(sorted(counts.items()))
            totals.update(counts)
        return {
            "splits": list(self.splits),
            "documents": rows(DOCUMENTS),
            "spans": rows(SPANS),
            "relations": rows(RELATIONS),
            "spans_per_label": dict(sorted(totals.items())),
            "spans_per_label_per_split": per_split,
        }


class _Writer:
    """Builds the rows of one corpus, collecting every problem instead of stopping at the first."""

    def __init__(self, guide: Guide, columns: ParhafColumns) -> None:
        self.guide = guide
        self.columns = columns
        self.hub = guide.export.hub_columns
        self.label_sets = {ls.name: ls for ls in guide.label_sets}
        self.label_maps = {ls.name: _ValueMap.of(ls.labels) for ls in guide.label_sets}
        self.attribute_maps = {
            (ls.name, a.name): _ValueMap.of(a.values) for ls in guide.label_sets for a in ls.attributes
        }
        self.relations = {r.id: r for r in guide.relations}
        self.fields = {f.name: f for f in guide.document_fields}
        self.problems: list[Diagnostic] = []
        self.rows: dict[str, dict[str, list[dict[str, Any]]]] = {c: {} for c in CONFIGS}
        self.labels: Counter[tuple[str, str, str]] = Counter()
        self.field_values: Counter[tuple[str, str, str]] = Counter()

    def problem(self, where: str, message: str, hint: str = "") -> None:
        self.problems.append(Diagnostic(where, message, hint=hint))

    def document(self, document: Document, split: str) -> None:
        where = f"report {document.report}"
        if len(document.annotations) != 1:
            self.problem(where, f"{len(document.annotations)} annotations; the gold corpus needs exactly one")
            return
        annotation = document.annotations[0]
        row: dict[str, Any] = {self.hub.report: document.report, self.hub.full_text: document.text}
        row |= self._fields(annotation, where, split)
        self.rows[DOCUMENTS].setdefault(split, []).append(row)
        new_ids = self._spans(document, annotation, split)
        if self.guide.relations:
            self._relations(document.report, annotation, new_ids, split)
        elif annotation.relations:
            self.problem(where, "the annotation has relations but the guide defines none")

    def _fields(self, annotation: Annotation, where: str, split: str) -> dict[str, str | None]:
        values: dict[str, str | None] = dict.fromkeys(self.columns.fields)
        for name, chosen in sorted(annotation.fields.items()):
            spec = self.fields.get(name)
            if spec is None:
                self.problem(where, f"unknown document field {name!r}", f"fields of the guide: {sorted(self.fields)}")
                continue
            order = {v.id: i for i, v in enumerate(spec.values)}
            unknown = [c for c in chosen if c not in order]
            for value in unknown:
                self.problem(where, f"field {name}: unknown value {value!r}")
            kept = sorted({c for c in chosen if c in order}, key=order.__getitem__)
            if len(kept) > 1 and not spec.multiple:
                self.problem(where, f"field {name} takes one value, got {kept}")
                continue
            hubs = [spec.values[order[c]].hub_value for c in kept]
            values[spec.column] = MULTI_VALUE_SEPARATOR.join(hubs) if hubs else None
            for hub_value in hubs:
                self.field_values[(split, spec.column, hub_value)] += 1
        return values

    def _span_row(self, document: Document, span: Span) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
        where = f"report {document.report} / span {span.id}"
        label_set = self.label_sets.get(span.label_set)
        if label_set is None:
            self.problem(where, f"unknown label set {span.label_set!r}", f"label sets: {sorted(self.label_sets)}")
            return None
        label_hub = self.label_maps[label_set.name].to_hub.get(span.label)
        if label_hub is None:
            self.problem(where, f"label {span.label!r} is not in label set {label_set.name}")
            return None
        row: dict[str, Any] = dict.fromkeys((*self.columns.labels, *self.columns.attributes))
        row[label_set.column] = label_hub
        for name, value in sorted(span.attributes.items()):
            attribute = next((a for a in label_set.attributes if a.name == name), None)
            if attribute is None:
                self.problem(where, f"label set {label_set.name} has no attribute {name!r}")
            elif span.label not in attribute.applies_to:
                self.problem(where, f"attribute {name} does not apply to label {span.label}")
            elif value not in self.attribute_maps[(label_set.name, name)].to_hub:
                self.problem(where, f"attribute {name}: unknown value {value!r}")
            else:
                row[attribute.column] = self.attribute_maps[(label_set.name, name)].to_hub[value]
        row |= {
            self.hub.report: document.report,
            self.hub.span_type: label_set.hub_span_type,
            self.hub.begin: span.begin,
            self.hub.end: span.end,
            self.hub.span_text: document.text[max(span.begin, 0) : max(span.end, 0)],
        }
        features = [row[c] for c in (*self.columns.labels, *self.columns.attributes)]
        key = (span.begin, span.end, label_set.hub_span_type, label_hub, _nullable_key(features), natural_key(span.id))
        return key, row

    def _spans(self, document: Document, annotation: Annotation, split: str) -> dict[str, str]:
        seen = Counter(span.id for span in annotation.spans)
        for span_id in sorted(i for i, n in seen.items() if n > 1):
            self.problem(f"report {document.report}", f"span id {span_id!r} is used {seen[span_id]} times")
        built = [(span.id, self._span_row(document, span)) for span in annotation.spans]
        ordered = sorted(((item[0], old, item[1]) for old, item in built if item is not None), key=lambda t: t[0])
        new_ids: dict[str, str] = {}
        rows = self.rows[SPANS].setdefault(split, [])
        for number, (_, old, row) in enumerate(ordered, start=1):
            new_ids[old] = row[self.hub.span_id] = f"{document.report}-T{number}"
            rows.append(row)
            label = next(row[c] for c in self.columns.labels if row[c] is not None)
            self.labels[(split, row[self.hub.span_type], label)] += 1
        return new_ids

    def _relations(self, report: str, annotation: Annotation, new_ids: dict[str, str], split: str) -> None:
        numbered: list[tuple[Any, str, str, str]] = []
        position = {new: i for i, new in enumerate(new_ids.values())}
        known = {span.id for span in annotation.spans}
        for relation in annotation.relations:
            where = f"report {report} / relation {relation.id}"
            spec = self.relations.get(relation.type)
            if spec is None:
                self.problem(where, f"unknown relation type {relation.type!r}")
                continue
            ends = [new_ids.get(relation.source), new_ids.get(relation.target)]
            if None in ends:
                if {relation.source, relation.target} <= known:
                    continue  # an end span is invalid, and already reported
                self.problem(where, "the relation points to a span that is not in the annotation")
                continue
            source, target = str(ends[0]), str(ends[1])
            key = (position[source], position[target], spec.hub_value, natural_key(relation.id))
            numbered.append((key, source, target, spec.hub_value))
        rows = self.rows[RELATIONS].setdefault(split, [])
        for number, (_, source, target, kind) in enumerate(sorted(numbered, key=lambda t: t[0]), start=1):
            rows.append(
                {
                    self.hub.report: report,
                    self.hub.relation_id: f"{report}-R{number}",
                    self.hub.relation_type: kind,
                    self.hub.relation_source: source,
                    self.hub.relation_target: target,
                }
            )


def _check_inputs(corpus: Corpus, guide: Guide, splits: Mapping[str, str]) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    if corpus.guide != guide.name:
        problems.append(Diagnostic("corpus", f"corpus of guide {corpus.guide!r}, written with guide {guide.name!r}"))
    if not corpus.documents:
        problems.append(Diagnostic("corpus", "no document to write"))
    counts = Counter(d.report for d in corpus.documents)
    for report in sorted(r for r, n in counts.items() if n > 1 or not r):
        problems.append(Diagnostic(f"report {report!r}", "report ids must be unique and non-empty"))
    for document in corpus.documents:
        try:
            document.text.encode("utf-8")
        except UnicodeEncodeError as exc:
            problems.append(Diagnostic(f"report {document.report}", f"the text has a lone surrogate at {exc.start}"))
        split = splits.get(document.report)
        if split is None:
            problems.append(Diagnostic(f"report {document.report}", "no split assigned"))
        elif not _SPLIT_NAME.fullmatch(split):
            problems.append(
                Diagnostic(f"report {document.report}", f"split {split!r} is not a name (letters, digits, _)")
            )
    return problems


def corpus_to_tables(corpus: Corpus, guide: Guide, splits: Mapping[str, str]) -> ParhafTables:
    """The subset's tables (hub names and values, canonical order, new ids) for a gold corpus."""
    columns = parhaf_columns(guide)
    problems = _check_inputs(corpus, guide, splits)
    if problems:
        raise ParhafError("the corpus cannot be written as PARHAF parquet", problems)
    writer = _Writer(guide, columns)
    for document in sorted(corpus.documents, key=lambda d: d.report):
        writer.document(document, splits[document.report])
    if writer.problems:
        raise ParhafError("the corpus does not match the guide", writer.problems)
    used = split_order(splits[d.report] for d in corpus.documents)
    tables = {config: {split: schema.empty_table() for split in used} for config, schema in columns.schemas().items()}
    for config, by_split in writer.rows.items():
        for split, rows in by_split.items():
            if config in tables:
                schema = tables[config][split].schema
                tables[config][split] = pa.Table.from_pylist(rows, schema=schema)
    result = ParhafTables(tables, used, writer.labels, writer.field_values)
    check_span_texts(result.tables, guide)
    return result


# --- checks -------------------------------------------------------------------------------------
def _excerpt(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def span_text_problem(full_text: str, begin: Any, end: Any, span_text: str | None) -> str | None:
    """Why a row breaks ``full_text[begin:end] == span_text`` (code points, end exclusive), or None."""
    if not isinstance(begin, int) or not isinstance(end, int) or isinstance(begin, bool) or isinstance(end, bool):
        return f"offsets {begin!r}:{end!r} are not integers"
    if not 0 <= begin < end <= len(full_text):
        return f"offsets {begin}:{end} are outside the text (0:{len(full_text)}) or empty"
    actual = full_text[begin:end]
    if span_text is not None and actual != span_text:
        return f"full_text[{begin}:{end}] is {_excerpt(actual)}, span_text is {_excerpt(span_text)}"
    return None


_OFFSET_HINT = "offsets count Python code points, end exclusive (UTF-16 offsets drift after emoji and 𝔸)"


def check_span_texts(tables: Mapping[str, Mapping[str, pa.Table]], guide: Guide) -> None:
    """Raise :class:`SpanTextMismatchError` naming file, row, report and span of every row breaking
    ``full_text[begin:end] == span_text``; tables lacking the columns are left to the reader."""
    hub = guide.export.hub_columns
    texts: dict[str, str] = {}
    for table in tables.get(DOCUMENTS, {}).values():
        if {hub.report, hub.full_text} <= set(table.schema.names):
            texts.update(zip(table[hub.report].to_pylist(), table[hub.full_text].to_pylist(), strict=True))
    problems: list[Diagnostic] = []
    for split, table in tables.get(SPANS, {}).items():
        present = set(table.schema.names)
        if not {hub.report, hub.begin, hub.end} <= present:
            continue
        names = (hub.report, hub.span_id, hub.begin, hub.end, hub.span_text)
        cells = [table[n].to_pylist() if n in present else [None] * table.num_rows for n in names]
        for index, (report, span_id, begin, end, span_text) in enumerate(zip(*cells, strict=True)):
            text = texts.get(report)
            problem = None if text is None else span_text_problem(text, begin, end, span_text)
            if problem:
                where = f"{relative_path(SPANS, split)}: row {index}"
                problems.append(Diagnostic(where, f"report {report} / span {span_id}: {problem}", hint=_OFFSET_HINT))
    if problems:
        raise SpanTextMismatchError("span texts do not match the report texts", problems)


# --- files --------------------------------------------------------------------------------------
def write_parquet(table: pa.Table, path: Path) -> None:
    """Write one table with fixed settings; an empty table gets no row group (see the card)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(str(path), table.schema, **_PARQUET_OPTIONS) as writer:
        if table.num_rows:
            writer.write_table(table)


def write_parhaf(
    corpus: Corpus,
    guide: Guide,
    folder: Path,
    splits: dict[str, str],
    *,
    gold_policy: str,
    annotators: list[str],
) -> dict[str, Any]:
    """Write a gold corpus (one annotation per document) as a PARHAF subset folder; return its stats."""
    from partages_ls.exporters.parhaf_card import config_digests, render_card

    built = corpus_to_tables(corpus, guide, splits)
    files: list[str] = []
    empty: list[str] = []
    for config, by_split in built.tables.items():
        for split in built.splits:
            path = relative_path(config, split)
            write_parquet(by_split[split], folder / path)
            files.append(path)
            if not by_split[split].num_rows:
                empty.append(path)
    digests = config_digests(folder, built)
    card = render_card(guide, built, gold_policy=gold_policy, annotators=annotators, empty=empty, digests=digests)
    (folder / "README.md").write_text(card, encoding="utf-8", newline="\n")
    stats = built.stats()
    stats["files"] = ["README.md", *files]
    stats["undeclared_empty_files"] = empty
    return stats


# Reading lives in parhaf_read.py: read_parhaf, read_parhaf_splits, read_tables, tables_to_corpus.


__all__ = [
    "CONFIGS",
    "ParhafColumns",
    "ParhafError",
    "ParhafReadError",
    "ParhafTables",
    "SpanTextMismatchError",
    "check_span_texts",
    "corpus_to_tables",
    "parhaf_columns",
    "parhaf_schemas",
    "relative_path",
    "span_text_problem",
    "split_order",
    "write_parhaf",
    "write_parquet",
]
