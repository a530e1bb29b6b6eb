"""brat names and configuration files: the guide as brat entity, attribute and relation types."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.guides.model import Attribute, DocumentField, Guide, LabelSet, RelationType, SpanLabel

DOCUMENT_TYPE = "Document"
"""brat entity type of the zero-width anchor that carries the document-level fields."""

CONFIG_FILES = ("annotation.conf", "visual.conf")

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")  # brat's storage form for type, relation and attribute names
_VALUE = re.compile(r"^[^\s,|<>]+$")  # an attribute value inside `Value:a|b` and on an A line
_ID = re.compile(r"^([A-Za-z]+|#)([0-9]+)$")
_OFFSETS = re.compile(r"^([0-9]+) ([0-9]+)$")
# Characters that end a line for some brat reader (Python's str.splitlines set): never inside a T line.
_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_FRAGMENT_SEPARATOR = " "  # brat joins the texts of a span's fragments with one space


class BratError(DiagnosticError):
    """A guide, corpus or brat folder that cannot be converted; lists every problem with where it is."""


@dataclass(frozen=True)
class _BratAttribute:
    name: str
    arg_types: tuple[str, ...]
    values: tuple[str, ...]
    display: str


class _Schema:
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


# --- configuration files -------------------------------------------------------------------------


def _header(guide: Guide, what: str) -> list[str]:
    return [
        f'# brat {what} of the PARTAGES guide "{guide.name}" ({guide.cu}, version {guide.version}).',
        f"# Generated from guides/{guide.name}.yaml by `partages-ls build`: edit the guide, not this file.",
    ]


def annotation_conf(guide: Guide) -> str:
    """brat ``annotation.conf`` text: entity types, relations (both orders if undirected), attributes."""
    schema = _Schema(guide)
    lines = _header(guide, "annotation configuration")
    lines.append("# Offsets in the .ann files are code points (Python string indices), end exclusive.")
    lines += ["", "[entities]", *schema.label]
    if schema.fields:
        lines.append(f"# {DOCUMENT_TYPE}: zero-width anchor at offset 0 carrying the document-level fields.")
        lines.append(DOCUMENT_TYPE)
    lines += ["", "[relations]"]
    for name, relation in schema.relation.items():
        sources, targets = schema.types(relation.sources), schema.types(relation.targets)
        lines.append(f"{name}\tArg1:{'|'.join(sources)}, Arg2:{'|'.join(targets)}")
        if not relation.directed and set(sources) != set(targets):
            lines.insert(-1, f"# {name} has no direction in the guide: both argument orders are declared.")
            lines.append(f"{name}\tArg1:{'|'.join(targets)}, Arg2:{'|'.join(sources)}")
    lines.append("# Spans may nest, cross or coincide (a passage can carry two labels).")
    lines.append("<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>")
    lines += ["", "[events]", "", "[attributes]"]
    for attribute in schema.attributes.values():
        args = f"Arg:{'|'.join(attribute.arg_types)}, Value:{'|'.join(attribute.values)}"
        lines.append(f"{attribute.name}\t{args}")
    for name, field in schema.fields.items():
        values = "|".join(v.inception_value for v in field.values)
        lines.append(f"{name}\tArg:{DOCUMENT_TYPE}, Value:{values}")
    return "\n".join(lines) + "\n"


def _label_text(display: str, fallback: str) -> str:
    """A display name that brat's [labels] syntax cannot misread (``|`` separates forms, ``<x>`` is a macro)."""
    text = " ".join(display.split()).replace("|", "/").replace("<", "‹").replace(">", "›").lstrip("!")
    return text or fallback


def _text_colour(background: str) -> str:
    red, green, blue = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"


def visual_conf(guide: Guide) -> str:
    """brat ``visual.conf`` text: French display names and the guide's label colours."""
    schema = _Schema(guide)
    lines = [*_header(guide, "visual configuration"), "", "[labels]"]
    labels = [(name, label.display) for name, (_, label) in schema.label.items()]
    if schema.fields:
        labels.append((DOCUMENT_TYPE, "Document"))
    labels += [(name, relation.display) for name, relation in schema.relation.items()]
    labels += [(name, attribute.display) for name, attribute in schema.attributes.items()]
    labels += [(name, field.display) for name, field in schema.fields.items()]
    lines += [f"{name} | {_label_text(display, name)}" for name, display in labels]
    lines += [
        "",
        "[drawing]",
        "SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken",
        "ARC_DEFAULT\tcolor:black, arrowHead:triangle-5",
    ]
    for name, (_, label) in schema.label.items():
        if label.color:
            lines.append(f"{name}\tfgColor:{_text_colour(label.color)}, bgColor:{label.color}")
    if schema.fields:
        lines.append(f"{DOCUMENT_TYPE}\tfgColor:black, bgColor:#dddddd")
    return "\n".join(lines) + "\n"


def brat_files(guides: Mapping[str, Guide]) -> dict[str, str]:
    """The committed brat configurations, ``exporters/<guide>/annotation.conf|visual.conf`` → text."""
    files: dict[str, str] = {}
    for name in sorted(guides):
        files[f"exporters/{name}/annotation.conf"] = annotation_conf(guides[name])
        files[f"exporters/{name}/visual.conf"] = visual_conf(guides[name])
    return files


def _unsafe_name(name: str) -> str | None:
    """Why ``name`` cannot be a file or folder name in a brat folder, or None."""
    if not name or name in {".", ".."} or name.startswith("."):
        return "empty or starting with a dot"
    if any(c in name for c in "/\\\x00") or any(c in _BREAKS or c == "\t" for c in name):
        return "contains a path separator, a NUL, a tab or a line break"
    if name in CONFIG_FILES:
        return "is the name of a brat configuration file"
    return None
