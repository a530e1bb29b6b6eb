"""Write a gold corpus as a PARHAF subset folder (parquet files and dataset card), document by document.

Ids: span ids are ``<report>-T<n>`` and relation ids ``<report>-R<n>``, numbered from 1 within
each report in canonical row order, so they are unique in the subset, independent of Label
Studio's random result ids, and identical on every re-export. Rows are sorted by report, then
begin, end, span type, label, attribute values and (natural order of) the previous id.

Streaming: :func:`open_parhaf` takes the documents in report order and appends their rows to one
``pyarrow.parquet.ParquetWriter`` per file, a row group every :data:`ROW_GROUP_ROWS` rows (or
:data:`ROW_GROUP_CHARACTERS` characters of text), so memory does not grow with the corpus. A subset
smaller than that is one row group per file: the bytes the whole-table writer of earlier versions wrote.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Mapping
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq

try:  # Arrow's string builder (pyarrow.lib, not re-exported by pyarrow); pa.array when it is absent
    from pyarrow.lib import StringBuilder as _StringBuilder
except ImportError:  # pragma: no cover
    _StringBuilder = None

from partages_ls.errors import Diagnostic
from partages_ls.exporters.corpus import Annotation, Corpus, Document, Span, natural_key
from partages_ls.exporters.format import DocumentWriter, WriteOptions
from partages_ls.exporters.parhaf.generate import config_digests, render_card
from partages_ls.exporters.parhaf.schema import (
    DOCUMENTS,
    MULTI_VALUE_SEPARATOR,
    OFFSET_HINT,
    RELATIONS,
    SPANS,
    ParhafColumns,
    ParhafError,
    ParhafTables,
    SpanTextMismatchError,
    ValueMap,
    nullable_key,
    parhaf_columns,
    relative_path,
    span_text_problem,
    split_order,
)
from partages_ls.exporters.sort_keys import LazyTail
from partages_ls.guides.model import Guide, LabelSet

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
# A row group is written every ROW_GROUP_ROWS rows, or sooner once its text cells hold
# ROW_GROUP_CHARACTERS characters (~500 PARHAF report texts, ~20,000 span rows): what bounds the
# writer's memory (a flush holds the texts as Python strings, as Arrow data and encoded, about ten
# times their size). Both far above the tests' and samples' sizes: their files are one row group.
ROW_GROUP_ROWS = 128 * 1024
ROW_GROUP_CHARACTERS = 2 * 1024 * 1024


# Positions in a span row: report, span id, span type, begin, end, span text, then the feature columns.
REPORT, SPAN_ID, SPAN_TYPE, BEGIN, END, SPAN_TEXT, FEATURES = range(7)
_first = itemgetter(0)
# One document's rows: its documents row, its span rows and its relation rows (lists in column order).
_Rows = tuple[list[Any], list[list[Any]], list[list[Any]]]


class _SpanSet(NamedTuple):
    """What a span row needs of its label set, looked up once per guide."""

    label_set: LabelSet
    to_hub: dict[str, str]
    label_index: int
    hub_span_type: str
    attributes: dict[str, tuple[frozenset[str], dict[str, str], int]]  # name → (labels, hub values, index)


class _Tail(LazyTail):
    """The end of a span's sort key: its feature values (None first), then its previous id in natural
    order; computed only when begin, end, span type and label tie."""

    __slots__ = ("row",)

    def __init__(self, row: list[Any], identifier: str) -> None:
        super().__init__(identifier)
        self.row = row

    def compute(self) -> Any:
        return (nullable_key(self.row[FEATURES:]), natural_key(self.identifier))


def _where(document: Document, span: Span) -> str:
    return f"report {document.report} / span {span.id}"


class _Writer:
    """Builds the rows of one corpus, collecting every problem instead of stopping at the first."""

    def __init__(self, guide: Guide, columns: ParhafColumns) -> None:
        self.guide = guide
        self.columns = columns
        self.hub = guide.export.hub_columns
        self.label_sets = {ls.name: ls for ls in guide.label_sets}
        self.label_maps = {ls.name: ValueMap.of(ls.labels) for ls in guide.label_sets}
        self.attribute_maps = {
            (ls.name, a.name): ValueMap.of(a.values) for ls in guide.label_sets for a in ls.attributes
        }
        self.relations = {r.id: r for r in guide.relations}
        self.fields = {f.name: f for f in guide.document_fields}
        self.problems: list[Diagnostic] = []
        self.labels: Counter[tuple[str, str, str]] = Counter()
        self.field_values: Counter[tuple[str, str, str]] = Counter()
        # Rows are lists in their file's column order; a span row's features start at FEATURES.
        self.feature_index = {name: FEATURES + i for i, name in enumerate((*columns.labels, *columns.attributes))}
        self.empty_features: list[None] = [None] * len(self.feature_index)
        self.span_sets = {ls.name: self._span_set(ls) for ls in guide.label_sets}

    def _span_set(self, label_set: LabelSet) -> _SpanSet:
        attributes: dict[str, tuple[frozenset[str], dict[str, str], int]] = {}
        for attribute in label_set.attributes:  # the first attribute of a name answers, as next() did
            if attribute.name not in attributes:
                to_hub = self.attribute_maps[(label_set.name, attribute.name)].to_hub
                index = self.feature_index[attribute.column]
                attributes[attribute.name] = (frozenset(attribute.applies_to), to_hub, index)
        return _SpanSet(
            label_set,
            self.label_maps[label_set.name].to_hub,
            self.feature_index[label_set.column],
            label_set.hub_span_type,
            attributes,
        )

    def problem(self, where: str, message: str, hint: str = "") -> None:
        self.problems.append(Diagnostic(where, message, hint=hint))

    def document(self, document: Document, split: str) -> _Rows | None:
        """The document's rows (documents, spans, relations: lists in column order), or None when it
        has none (its problems listed)."""
        where = f"report {document.report}"
        if len(document.annotations) != 1:
            self.problem(where, f"{len(document.annotations)} annotations; the gold corpus needs exactly one")
            return None
        annotation = document.annotations[0]
        fields = self._fields(annotation, where, split)
        row: list[Any] = [document.report, document.text, *(fields[c] for c in self.columns.fields)]
        spans, new_ids = self._spans(document, annotation, split)
        relations: list[list[Any]] = []
        if self.guide.relations:
            relations = self._relations(document.report, annotation, new_ids)
        elif annotation.relations:
            self.problem(where, "the annotation has relations but the guide defines none")
        return row, spans, relations

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

    def _span_row(self, document: Document, span: Span) -> tuple[tuple[Any, ...], list[Any]] | None:
        """The span's sort key and row (its id column left to number), or None (its problem listed)."""
        span_set = self.span_sets.get(span.label_set)
        if span_set is None:
            self.problem(
                _where(document, span),
                f"unknown label set {span.label_set!r}",
                f"label sets: {sorted(self.label_sets)}",
            )
            return None
        label_hub = span_set.to_hub.get(span.label)
        if label_hub is None:
            self.problem(_where(document, span), f"label {span.label!r} is not in label set {span_set.label_set.name}")
            return None
        text = document.text
        begin, end = span.begin, span.end
        row = [document.report, None, span_set.hub_span_type, begin, end, text[max(begin, 0) : max(end, 0)]]
        row += self.empty_features
        row[span_set.label_index] = label_hub
        if span.attributes:
            for name, value in sorted(span.attributes.items()):
                found = span_set.attributes.get(name)
                if found is None:
                    missing = f"label set {span_set.label_set.name} has no attribute {name!r}"
                    self.problem(_where(document, span), missing)
                    continue
                applies_to, to_hub, index = found
                if span.label not in applies_to:
                    self.problem(_where(document, span), f"attribute {name} does not apply to label {span.label}")
                elif value not in to_hub:
                    self.problem(_where(document, span), f"attribute {name}: unknown value {value!r}")
                else:
                    row[index] = to_hub[value]
        key = (begin, end, span_set.hub_span_type, label_hub, _Tail(row, span.id))
        return key, row

    def _spans(self, document: Document, annotation: Annotation, split: str) -> tuple[list[list[Any]], dict[str, str]]:
        ids = [span.id for span in annotation.spans]
        if len(set(ids)) != len(ids):
            seen = Counter(ids)
            for span_id in sorted(i for i, n in seen.items() if n > 1):
                self.problem(f"report {document.report}", f"span id {span_id!r} is used {seen[span_id]} times")
        built = [(span.id, self._span_row(document, span)) for span in annotation.spans]
        ordered = sorted(((item[0], old, item[1]) for old, item in built if item is not None), key=_first)
        new_ids: dict[str, str] = {}
        rows: list[list[Any]] = []
        labels = self.labels
        prefix = f"{document.report}-T"
        for number, (key, old, row) in enumerate(ordered, start=1):
            new_ids[old] = row[SPAN_ID] = f"{prefix}{number}"
            rows.append(row)
            labels[(split, key[2], key[3])] += 1  # (begin, end, span type, label, …)
        return rows, new_ids

    def _relations(self, report: str, annotation: Annotation, new_ids: dict[str, str]) -> list[list[Any]]:
        numbered: list[tuple[Any, str, str, str]] = []
        position = {new: i for i, new in enumerate(new_ids.values())}
        known = {span.id for span in annotation.spans}
        for relation in annotation.relations:
            spec = self.relations.get(relation.type)
            if spec is None:
                self.problem(f"report {report} / relation {relation.id}", f"unknown relation type {relation.type!r}")
                continue
            source, target = new_ids.get(relation.source), new_ids.get(relation.target)
            if source is None or target is None:
                if relation.source in known and relation.target in known:
                    continue  # an end span is invalid, and already reported
                where = f"report {report} / relation {relation.id}"
                self.problem(where, "the relation points to a span that is not in the annotation")
                continue
            key = (position[source], position[target], spec.hub_value, LazyTail(relation.id))
            numbered.append((key, source, target, spec.hub_value))
        numbered.sort(key=_first)
        return [
            [report, f"{report}-R{number}", kind, source, target]
            for number, (_, source, target, kind) in enumerate(numbered, start=1)
        ]


class _InputChecks:
    """What the corpus as a whole must satisfy (unique non-empty reports, UTF-8 texts, a split each),
    gathered document by document; :meth:`problems` lists them as the whole-corpus check did."""

    def __init__(self, splits: Mapping[str, str]) -> None:
        self.splits = splits
        self.counts: Counter[str] = Counter()
        self.per_document: list[Diagnostic] = []

    def add(self, document: Document) -> str | None:
        """The document's split, or None when it cannot be written (its problems listed)."""
        self.counts[document.report] += 1
        known = len(self.per_document)
        try:
            document.text.encode("utf-8")
        except UnicodeEncodeError as exc:
            self.per_document.append(
                Diagnostic(f"report {document.report}", f"the text has a lone surrogate at {exc.start}")
            )
        split = self.splits.get(document.report)
        if split is None:
            self.per_document.append(Diagnostic(f"report {document.report}", "no split assigned"))
        elif not _SPLIT_NAME.fullmatch(split):
            self.per_document.append(
                Diagnostic(f"report {document.report}", f"split {split!r} is not a name (letters, digits, _)")
            )
        return split if len(self.per_document) == known else None

    def problems(self) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        if not self.counts:
            problems.append(Diagnostic("corpus", "no document to write"))
        for report in sorted(r for r, n in self.counts.items() if n > 1 or not r):
            problems.append(Diagnostic(f"report {report!r}", "report ids must be unique and non-empty"))
        return problems + self.per_document


def _check_inputs(corpus: Corpus, guide: Guide, splits: Mapping[str, str]) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    if corpus.guide != guide.name:
        problems.append(Diagnostic("corpus", f"corpus of guide {corpus.guide!r}, written with guide {guide.name!r}"))
    checks = _InputChecks(splits)
    for document in corpus.documents:
        checks.add(document)
    return problems + checks.problems()


# --- files --------------------------------------------------------------------------------------
def _column(values: tuple[Any, ...], kind: pa.DataType) -> pa.Array:
    """One column of a row group as an Arrow array, the array ``pa.array(values, kind)`` gives.

    ``pa.array`` imports pandas on its first call wherever pandas is installed (to ask whether the
    values are a pandas object), about 0.2 s and 50 MB of a 1x export that never uses it; strings go through
    Arrow's own builder and integers through a buffer instead, which never ask.
    """
    if pa.types.is_string(kind) and _StringBuilder is not None:
        builder = _StringBuilder()
        builder.append_values(values)
        return builder.finish()
    if pa.types.is_int64(kind) and None not in values:
        return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(array("q", values))])
    return pa.array(values, kind)


class _ParquetFile:
    """One parquet file written a row group at a time; rows (lists in column order) wait until then."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(str(path), schema, **_PARQUET_OPTIONS)
        self.waiting: list[list[Any]] = []
        self.rows = 0  # rows written or waiting
        self.characters = 0
        # Where the text is: a row group is cut by the characters of its string cells.
        self.strings = [i for i, f in enumerate(schema) if pa.types.is_string(f.type)]

    def extend(self, rows: list[list[Any]]) -> None:
        """Append rows; a row group is written as soon as the rows or characters waiting reach a bound."""
        for row in rows:
            self.waiting.append(row)
            self.characters += sum([len(row[i]) for i in self.strings if row[i] is not None])
            if len(self.waiting) >= ROW_GROUP_ROWS or self.characters >= ROW_GROUP_CHARACTERS:
                self.flush()
        self.rows += len(rows)

    def flush(self) -> None:
        if self.waiting:
            columns = [
                _column(values, f.type) for values, f in zip(zip(*self.waiting, strict=True), self.schema, strict=True)
            ]
            self.writer.write_table(pa.Table.from_arrays(columns, schema=self.schema))
            pa.default_memory_pool().release_unused()  # give the flush's buffers back before the next one
        self.waiting = []
        self.characters = 0

    def close(self) -> None:
        self.flush()
        self.writer.close()


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write one table with fixed settings; an empty table gets no row group (see the card)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(str(path), table.schema, **_PARQUET_OPTIONS) as writer:
        if table.num_rows:
            writer.write_table(table)


class ParhafDocumentWriter:
    """The PARHAF :class:`~partages_ls.exporters.format.DocumentWriter`: documents in report order.

    Rows go to their file as each document comes; every problem is gathered and raised at
    :meth:`close` as the whole-corpus writer raised it (same error, same problems, same order), and
    the files written so far are removed then.
    """

    def __init__(self, guide: Guide, folder: Path, options: WriteOptions) -> None:
        self.guide = guide
        self.folder = folder
        self.options = options
        self.columns = parhaf_columns(guide)
        self.schemas = self.columns.schemas()
        self.builder = _Writer(guide, self.columns)
        self.checks = _InputChecks(options.splits)
        self.files: dict[tuple[str, str], _ParquetFile] = {}
        self.span_problems: list[tuple[str, int, Diagnostic]] = []
        self.made = [d for d in (folder / "data", *(folder / "data" / c for c in self.schemas)) if not d.exists()]

    def _file(self, config: str, split: str) -> _ParquetFile:
        if (config, split) not in self.files:
            for name, schema in self.schemas.items():  # a split has every config's file, rows or not
                self.files[(name, split)] = _ParquetFile(self.folder / relative_path(name, split), schema)
        return self.files[(config, split)]

    def add(self, document: Document) -> None:
        split = self.checks.add(document)
        if split is None:
            return
        self._file(DOCUMENTS, split)
        rows = self.builder.document(document, split)
        if rows is None:
            return
        row, spans, relations = rows
        self.files[(DOCUMENTS, split)].extend([row])
        sink = self.files[(SPANS, split)]
        length = len(document.text)
        for index, span in enumerate(spans, start=sink.rows):
            begin, end = span[BEGIN], span[END]
            # The span text is the text's own slice: offsets that are integers inside it are all
            # there is to check (the full check, which also names the problem, runs on the others).
            if not (type(begin) is int and type(end) is int and 0 <= begin < end <= length):
                self._check_span(document, index, split, span)
        sink.extend(spans)
        if relations:
            self.files[(RELATIONS, split)].extend(relations)

    def _check_span(self, document: Document, index: int, split: str, row: list[Any]) -> None:
        problem = span_text_problem(document.text, row[BEGIN], row[END], row[SPAN_TEXT])
        if problem:
            where = f"{relative_path(SPANS, split)}: row {index}"
            detail = f"report {row[REPORT]} / span {row[SPAN_ID]}: {problem}"
            self.span_problems.append((split, index, Diagnostic(where, detail, hint=OFFSET_HINT)))

    def _discard(self) -> None:
        for sink in self.files.values():
            sink.writer.close()
            sink.path.unlink(missing_ok=True)
        for folder in reversed(self.made):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()

    def close(self) -> dict[str, Any]:
        problems = self.checks.problems()
        if problems:
            self._discard()
            raise ParhafError("the corpus cannot be written as PARHAF parquet", problems)
        if self.builder.problems:
            self._discard()
            raise ParhafError("the corpus does not match the guide", self.builder.problems)
        used = split_order(split for _, split in self.files)
        if self.span_problems:
            self._discard()
            place = {split: n for n, split in enumerate(used)}
            found = sorted(self.span_problems, key=lambda item: (place[item[0]], item[1]))
            raise SpanTextMismatchError("span texts do not match the report texts", [d for _, _, d in found])
        for sink in self.files.values():
            sink.close()
        rows = {config: {split: self.files[(config, split)].rows for split in used} for config in self.schemas}
        built = ParhafTables(rows, used, self.builder.labels, self.builder.field_values)
        files: list[str] = []
        empty: list[str] = []
        for config in self.schemas:
            for split in used:
                path = relative_path(config, split)
                files.append(path)
                if not rows[config][split]:
                    empty.append(path)
        digests = config_digests(self.folder, built)
        card = render_card(
            self.guide,
            built,
            gold_policy=self.options.gold_policy,
            annotators=self.options.annotators,
            empty=empty,
            digests=digests,
        )
        (self.folder / "README.md").write_text(card, encoding="utf-8", newline="\n")
        stats = built.stats()
        stats["files"] = ["README.md", *files]
        stats["undeclared_empty_files"] = empty
        return stats


def open_parhaf(guide: Guide, folder: Path, options: WriteOptions) -> DocumentWriter:
    """Start a PARHAF subset in ``folder``; documents must be added in report order."""
    return ParhafDocumentWriter(guide, folder, options)


def write_parhaf(corpus: Corpus, guide: Guide, folder: Path, options: WriteOptions) -> dict[str, Any]:
    """Write a gold corpus (one annotation per document) as a PARHAF subset folder; return its stats.

    ``options.splits`` assigns each report its split; the card states ``options.gold_policy`` and
    the number of ``options.annotators``.
    """
    parhaf_columns(guide)  # a guide that cannot be written is named before the corpus's problems
    problems = _check_inputs(corpus, guide, options.splits)
    if problems:
        raise ParhafError("the corpus cannot be written as PARHAF parquet", problems)
    writer = open_parhaf(guide, folder, options)
    for document in sorted(corpus.documents, key=lambda d: d.report):
        writer.add(document)
    return writer.close()
