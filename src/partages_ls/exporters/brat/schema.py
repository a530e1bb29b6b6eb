"""brat names: the guide as brat entity, attribute and relation types, checked once for reader, writer and configs."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.guides.model import Attribute, DocumentField, Guide, LabelSet, RelationType, SpanLabel

DOCUMENT_TYPE = "Document"
"""brat entity type of the zero-width anchor that carries the document-level fields."""

CONFIG_FILES = ("annotation.conf", "visual.conf")

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")  # brat's storage form for type, relation and attribute names
_VALUE = re.compile(r"^[^\s,|<>]+$")  # an attribute value inside `Value:a|b` and on an A line
ID_PATTERN = re.compile(r"^([A-Za-z]+|#)([0-9]+)$")
OFFSETS_PATTERN = re.compile(r"^([0-9]+) ([0-9]+)$")
# Characters that end a line for some brat reader (Python's str.splitlines set): never inside a T line.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
FRAGMENT_SEPARATOR = " "  # brat joins the texts of a span's fragments with one space


class BratError(DiagnosticError):
    """A guide, corpus or brat folder that cannot be converted; lists every problem with where it is."""


@dataclass(frozen=True)
class _BratAttribute:
    name: str
    arg_types: tuple[str, ...]
    values: tuple[str, ...]
    display: str


class BratSchema:
    """The guide's names in brat, checked once; every writer and reader goes through it."""

    def __init__(self, guide: Guide) -> None:
        self.guide = guide
        problems: list[Diagnostic] = []
        where = f"guide {guide.name}"
        self.entity: dict[tuple[str, str], str] = {}
        self.label: dict[str, tuple[LabelSet, SpanLabel]] = {}
        for label_set, label in guide.all_labels():
            name = label.inception_value
            self._check(name, _NAME, f"{where}: label {label.id}", problems)
            if name in self.label or name == DOCUMENT_TYPE:
                problems.append(Diagnostic(f"{where}: label {label.id}", f"brat entity type {name!r} is taken"))
            self.entity[(label_set.name, label.id)] = name
            self.label[name] = (label_set, label)
        self.relation: dict[str, RelationType] = {}
        for relation in guide.relations:
            name = relation.inception_value
            self._check(name, _NAME, f"{where}: relation {relation.id}", problems)
            self.relation[name] = relation
        self.attributes: dict[str, _BratAttribute] = {}
        for label_set in guide.label_sets:
            for attribute in label_set.attributes:
                self._add_attribute(label_set, attribute, f"{where}: attribute {attribute.name}", problems)
        self.fields: dict[str, DocumentField] = {}
        for field in guide.document_fields:
            loc = f"{where}: document field {field.name}"
            self._check(field.feature_name, _NAME, loc, problems)
            for value in field.values:
                self._check(value.inception_value, _VALUE, f"{loc}: value {value.id}", problems)
            self.fields[field.feature_name] = field
        names = [*self.label, *self.relation, *self.attributes, *self.fields]
        if self.fields:
            names.append(DOCUMENT_TYPE)
        for name, count in sorted(Counter(names).items()):
            if count > 1:
                problems.append(Diagnostic(where, f"brat name {name!r} names {count} different things"))
        if problems:
            raise BratError(f"guide {guide.name} cannot be written as brat", problems)

    @staticmethod
    def _check(name: str, pattern: re.Pattern[str], where: str, problems: list[Diagnostic]) -> None:
        if not pattern.match(name):
            kind = "name" if pattern is _NAME else "attribute value"
            rule = "letters, digits, _ and -" if pattern is _NAME else "no space, comma, | < or >"
            problems.append(Diagnostic(where, f"{name!r} is not a valid brat {kind} ({rule})"))

    def _add_attribute(self, label_set: LabelSet, attribute: Attribute, where: str, problems: list[Diagnostic]) -> None:
        """Attributes are global in brat: a feature shared by label sets becomes one merged declaration."""
        self._check(attribute.feature_name, _NAME, where, problems)
        for value in attribute.values:
            self._check(value.inception_value, _VALUE, f"{where}: value {value.id}", problems)
        types = [self.entity.get((label_set.name, label_id), label_id) for label_id in attribute.applies_to]
        values = [v.inception_value for v in attribute.values]
        known = self.attributes.get(attribute.feature_name)
        if known is not None:
            types = [*known.arg_types, *types]
            values = [*known.values, *values]
        self.attributes[attribute.feature_name] = _BratAttribute(
            attribute.feature_name,
            tuple(dict.fromkeys(types)),
            tuple(dict.fromkeys(values)),
            known.display if known else attribute.display,
        )

    def types(self, label_ids: Iterable[str]) -> list[str]:
        """brat entity types of guide label ids (relation ends)."""
        found = []
        for label_id in label_ids:
            label_set = self.guide.label_set_of(label_id)
            found.append(self.entity[(label_set.name, label_id)] if label_set else label_id)
        return list(dict.fromkeys(found))

    def relation_allowed(self, relation: RelationType, source_label: str, target_label: str) -> bool:
        forward = source_label in relation.sources and target_label in relation.targets
        backward = target_label in relation.sources and source_label in relation.targets
        return forward or (backward and not relation.directed)


def unsafe_name(name: str) -> str | None:
    """Why ``name`` cannot be a file or folder name in a brat folder, or None."""
    if not name or name in {".", ".."} or name.startswith("."):
        return "empty or starting with a dot"
    if any(c in name for c in "/\\\x00") or any(c in LINE_BREAKS or c == "\t" for c in name):
        return "contains a path separator, a NUL, a tab or a line break"
    if name in CONFIG_FILES:
        return "is the name of a brat configuration file"
    return None
