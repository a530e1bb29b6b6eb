"""The PARHAF subset layout of one guide: configs, columns, Arrow schemas, and the checks both ways share.

A subset folder holds ``data/<config>/<config>_<split>.parquet`` for the configs
``document_metadata``, ``spans`` and (guides with relations) ``relations``, plus a dataset card
(:mod:`partages_ls.exporters.parhaf.generate`) whose YAML header lets
``datasets.load_dataset(folder, config)`` find the splits. Every column name, span type and value
comes from the guide; the guide-id ↔ hub-value mapping (:mod:`~partages_ls.exporters.parhaf.write`,
:mod:`~partages_ls.exporters.parhaf.read`) is kept apart from the file I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.guides.model import Guide, HubColumns, Value

DOCUMENTS, SPANS, RELATIONS = "document_metadata", "spans", "relations"
CONFIGS = (DOCUMENTS, SPANS, RELATIONS)
MULTI_VALUE_SEPARATOR = "|"
SPLIT_ORDER = ("train", "dev", "validation", "test")


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


def nullable_key(values: Sequence[str | None]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is not None, value or "") for value in values)


# --- naming -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ValueMap:
    """Guide ids ↔ hub values of one closed list."""

    to_hub: dict[str, str]
    to_id: dict[str, str]

    @classmethod
    def of(cls, values: Iterable[Value]) -> ValueMap:
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
    """The row counts of a subset's files, by config then split, with the counts the dataset card shows."""

    rows: dict[str, dict[str, int]]
    splits: list[str]
    labels: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (split, span type, label)
    field_values: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (split, column, value)

    def stats(self) -> dict[str, Any]:
        def rows(config: str) -> dict[str, int]:
            return {s: self.rows[config][s] for s in self.splits} if config in self.rows else {}

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


OFFSET_HINT = "offsets count Python code points, end exclusive (UTF-16 offsets drift after emoji and 𝔸)"


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
                problems.append(Diagnostic(where, f"report {report} / span {span_id}: {problem}", hint=OFFSET_HINT))
    if problems:
        raise SpanTextMismatchError("span texts do not match the report texts", problems)
