"""The disagreement list for adjudication: every unmatched or mismatched item, with where it is.

One row per disagreement between two annotators: the document, the layer (label set, attribute,
relation or document field), the kind of disagreement, what each annotator chose and where, and a
short context of the text with the disputed passage between ⟦ ⟧, characters exactly as in the
report (line breaks included, nothing inserted but the brackets and the ``…`` of a cut). Without
text (``--no-text``) the passages and the context are left out and only offsets remain.

``disagreements.csv`` is UTF-8 with a byte order mark, so spreadsheets open the accents right, with
RFC 4180 line ends (cells holding line breaks are quoted), and
a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'`` (OWASP's advice against CSV formula injection): a spreadsheet shows it as text instead of
running it. The JSON and HTML reports keep the text unchanged.
"""

from __future__ import annotations

import csv
import io
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from operator import attrgetter, itemgetter
from typing import Any, TextIO

CONTEXT = 40
"""Characters of text shown on each side of the disputed passage."""

LONGEST = 200
"""Longest disputed passage shown whole; a longer one is cut in its middle."""

KINDS: dict[str, str] = {
    "label": "même position, étiquette différente",
    "boundaries": "même étiquette, frontières différentes",
    "label_boundaries": "étiquette et frontières différentes",
    "only_a": "zone seulement chez A",
    "only_b": "zone seulement chez B",
    "attribute": "valeur d'attribut différente",
    "relation_only_a": "relation seulement chez A",
    "relation_only_b": "relation seulement chez B",
    "document_value": "classe du document différente",
}
"""Each kind's code (JSON, CSV) and its French reading (HTML, Markdown, CSV)."""


@dataclass(frozen=True)
class Disagreement:
    """One disagreement between annotators A and B of a pair (fields in sort order, see :meth:`sort_key`)."""

    document: str
    layer: str
    begin: int
    annotator_a: str
    annotator_b: str
    kind: str
    label_a: str | None
    label_b: str | None
    begin_a: int | None
    end_a: int | None
    begin_b: int | None
    end_b: int | None
    text_a: str | None = None
    text_b: str | None = None
    context: str | None = None

    def sort_key(self) -> tuple[Any, ...]:
        """Fields in declaration order, a missing value sorting first (``None`` compares with nothing)."""
        return tuple([(False, 0) if value is None else (True, value) for value in _SORT_VALUES(self)])

    def _values(self) -> tuple[Any, ...]:
        values: tuple[Any, ...] = _SORT_VALUES(self)
        return values

    def as_json(self) -> dict[str, Any]:
        """The JSON object of the report (every field but the sort key ``begin``)."""
        return json_item(self._values())


SORT_FIELDS = tuple(f.name for f in fields(Disagreement))
JSON_FIELDS = tuple(name for name in SORT_FIELDS if name != "begin")
_SORT_VALUES = attrgetter(*SORT_FIELDS)  # every field in declaration order, one call
_JSON_VALUES = itemgetter(*(SORT_FIELDS.index(name) for name in JSON_FIELDS))


def json_item(values: tuple[Any, ...]) -> dict[str, Any]:
    """The JSON object of a disagreement given as its field values (:meth:`Disagreement._values`)."""
    return dict(zip(JSON_FIELDS, _JSON_VALUES(values), strict=True))


class DisagreementValues(ABC):
    """A disagreement list that can also give each item as its field values, without building the item.

    The CSV and JSON writers read tens of thousands of items once each: building a frozen dataclass
    per item only to read its fields back was a large part of their time.
    """

    @abstractmethod
    def values(self) -> Iterator[tuple[Any, ...]]:
        """Each item's :meth:`Disagreement._values`, in list order."""


def _passage(text: str, begin: int, end: int) -> str:
    passage = text[begin:end]
    if len(passage) > LONGEST:
        passage = passage[: LONGEST // 2] + " […] " + passage[-LONGEST // 2 :]
    return passage


def context(text: str, begin: int, end: int) -> str:
    """The passage [begin, end) between ⟦ ⟧ with up to ``CONTEXT`` characters of the exact text around it."""
    before = text[max(0, begin - CONTEXT) : begin]
    after = text[end : end + CONTEXT]
    prefix = "…" if begin > CONTEXT else ""
    suffix = "…" if end + CONTEXT < len(text) else ""
    return f"{prefix}{before}⟦{_passage(text, begin, end)}⟧{after}{suffix}"


def make(
    text: str | None,
    document: str,
    layer: str,
    kind: str,
    annotators: tuple[str, str],
    labels: tuple[str | None, str | None],
    where_a: tuple[int, int] | None,
    where_b: tuple[int, int] | None,
) -> Disagreement:
    """A disagreement; ``text`` is the document's text, or ``None`` to leave every snippet out."""
    # Tens of thousands per report: the two optional places are tested once each, no temporaries.
    begin_a: int | None
    end_a: int | None
    begin_b: int | None
    end_b: int | None
    if where_a is not None:
        begin_a, end_a = where_a
        if where_b is not None:
            begin_b, end_b = where_b
            first, last = min(begin_a, begin_b), max(end_a, end_b)
        else:
            begin_b = end_b = None
            first, last = begin_a, end_a
    elif where_b is not None:
        begin_a = end_a = None
        begin_b, end_b = where_b
        first, last = begin_b, end_b
    else:
        begin_a = end_a = begin_b = end_b = None
        first = last = 0
    text_a: str | None = None
    text_b: str | None = None
    passage: str | None = None
    if text is not None:
        if where_a is not None:
            text_a = _passage(text, *where_a)
        if where_b is not None:
            text_b = _passage(text, *where_b)
        if where_a is not None or where_b is not None:
            passage = context(text, first, last)
    return Disagreement(
        document,
        layer,
        first,
        annotators[0],
        annotators[1],
        kind,
        labels[0],
        labels[1],
        begin_a,
        end_a,
        begin_b,
        end_b,
        text_a,
        text_b,
        passage,
    )


CSV_COLUMNS = (
    "document",
    "layer",
    "kind",
    "kind_fr",
    "annotator_a",
    "annotator_b",
    "label_a",
    "label_b",
    "begin_a",
    "end_a",
    "begin_b",
    "end_b",
    "text_a",
    "text_b",
    "context",
)


CSV_ENCODING = "utf-8-sig"
"""``disagreements.csv`` starts with a byte order mark: spreadsheets then read it as UTF-8."""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet will not run as a formula: ``'`` before a dangerous first character."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(items: Iterable[Disagreement], handle: TextIO) -> None:
    """The list as CSV (one header line, empty cells for what does not apply) into an open text file.

    Open the file with :data:`CSV_ENCODING`; text cells go through :func:`spreadsheet_safe`.
    """
    # RFC 4180 line ends: with "\r\n" as terminator, a cell holding a lone "\r" (exact context) is quoted too.
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = items.values() if isinstance(items, DisagreementValues) else (item._values() for item in items)
    writer.writerows(map(_csv_row, rows))


_CSV_VALUES = itemgetter(*(SORT_FIELDS.index(column) for column in CSV_COLUMNS if column != "kind_fr"))
_KIND_FR = CSV_COLUMNS.index("kind_fr")
_KIND = SORT_FIELDS.index("kind")


def _csv_row(item: tuple[Any, ...]) -> list[Any]:
    """One item's CSV cells in :data:`CSV_COLUMNS` order (empty for ``None``, text made spreadsheet-safe).

    ``item`` is the disagreement's field values; :func:`spreadsheet_safe` is inlined (one call per cell
    cost as much as the rest of the row).
    """
    values = list(_CSV_VALUES(item))
    kind = item[_KIND]
    values.insert(_KIND_FR, KINDS.get(kind, kind))
    return [
        "" if value is None else "'" + value if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value
        for value in values
    ]


def to_csv(items: Iterable[Disagreement]) -> str:
    """The list as CSV text (see :func:`write_csv`)."""
    buffer = io.StringIO()
    write_csv(items, buffer)
    return buffer.getvalue()
