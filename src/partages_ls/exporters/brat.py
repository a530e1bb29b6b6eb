"""brat standoff: per-guide ``annotation.conf``/``visual.conf``, and corpus ⇄ brat folders.

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
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.exporters.corpus import (
    Annotation,
    Corpus,
    Document,
    Provenance,
    Relation,
    Skipped,
    Span,
)
from partages_ls.exporters.output import OutputExistsError
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


# --- writing -------------------------------------------------------------------------------------


def _natural(identifier: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key reading digit runs as numbers, so that T2 < T10 and a re-read file keeps its order."""
    parts = re.split(r"([0-9]+)", identifier)
    return tuple((0, int(p), "") if p.isascii() and p.isdigit() else (1, 0, p) for p in parts if p)


def _span_key(span: Span) -> tuple[Any, ...]:
    return (span.begin, span.end, span.label_set, span.label, sorted(span.attributes.items()), _natural(span.id))


def _fragments(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """The pieces of ``[begin, end)`` between line breaks; zero-width pieces keep a break at either end."""
    pieces: list[tuple[int, int]] = []
    start: int | None = None
    for index in range(begin, end):
        if text[index] in _BREAKS:
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
    return f"{tid}\t{entity_type} {offsets}\t{_FRAGMENT_SEPARATOR.join(text[b:e] for b, e in pieces)}"


def _where(document: Document, kind: str, item_id: str, provenance: Provenance) -> str:
    base = f"report {document.report} / {kind} {item_id}"
    return base if provenance == Provenance() else f"{base} ({provenance.where()})"


def _render(
    document: Document,
    annotation: Annotation,
    schema: _Schema,
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
    for span in spans:
        where = _where(document, "span", span.id, span.provenance)
        entity_type = schema.entity.get((span.label_set, span.label))
        if entity_type is None:
            problems.append(Diagnostic(where, f"label {span.label_set}/{span.label} is not in the guide"))
            continue
        if not 0 <= span.begin <= span.end <= len(text):
            problems.append(Diagnostic(where, f"offsets {span.begin}-{span.end} outside the text (0-{len(text)})"))
            continue
        label_set, label = schema.label[entity_type]
        labels[span.id] = label.id
        pieces = _fragments(text, span.begin, span.end)
        counts["fragmented_spans"] += len(pieces) > 1
        t_lines.append(_t_line(tids[span.id], entity_type, text, pieces))
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
    document: Document, annotation: Annotation, schema: _Schema, anchor: str, problems: list[Diagnostic]
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
    schema: _Schema,
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
        elif not schema.relation_allowed(spec, labels[relation.source], labels[relation.target]):
            pair = f"{labels[relation.source]} → {labels[relation.target]}"
            problems.append(Diagnostic(where, f"{relation.type} does not link {pair}"))
        else:
            source, target = int(tids[relation.source][1:]), int(tids[relation.target][1:])
            rows.append(((source, target, relation.type, _natural(relation.id)), spec.inception_value))
    rows.sort(key=lambda row: row[0])
    return [f"{name} Arg1:T{key[0]} Arg2:T{key[1]}" for key, name in rows]


def _unsafe_name(name: str) -> str | None:
    """Why ``name`` cannot be a file or folder name in a brat folder, or None."""
    if not name or name in {".", ".."} or name.startswith("."):
        return "empty or starting with a dot"
    if any(c in name for c in "/\\\x00") or any(c in _BREAKS or c == "\t" for c in name):
        return "contains a path separator, a NUL, a tab or a line break"
    if name in CONFIG_FILES:
        return "is the name of a brat configuration file"
    return None


def _check_names(names: Iterable[str], what: str, problems: list[Diagnostic]) -> None:
    seen: dict[str, str] = {}
    for name in names:
        why = _unsafe_name(name)
        if why:
            problems.append(Diagnostic(f"{what} {name!r}", f"cannot be a brat file name: {why}"))
        elif name.casefold() in seen and seen[name.casefold()] != name:
            problems.append(Diagnostic(f"{what} {name!r}", f"same file name as {seen[name.casefold()]!r}"))
        seen.setdefault(name.casefold(), name)


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


def write_brat(corpus: Corpus, guide: Guide, folder: Path) -> dict[str, Any]:
    """Write ``<report>.txt`` + ``<report>.ann`` per document (one gold annotation each) and the configs."""
    schema = _Schema(guide)
    problems: list[Diagnostic] = []
    _check_guide(corpus, guide, problems)
    _check_names((d.report for d in corpus.documents), "report", problems)
    counts: Counter[str] = Counter()
    files = _config_files(guide)
    for document in corpus.documents:
        if len(document.annotations) != 1:
            problems.append(
                Diagnostic(
                    f"report {document.report}",
                    f"{len(document.annotations)} annotations: a brat folder holds exactly one per document",
                    hint="choose the gold annotation first (select_gold)",
                )
            )
            continue
        files[f"{document.report}.ann"] = _render(document, document.annotations[0], schema, problems, counts)
        files[f"{document.report}.txt"] = document.text
    if problems:
        raise BratError("the corpus cannot be written as brat", problems)
    _write_files(folder, files)
    return {
        "format": "brat",
        "guide": guide.name,
        "documents": len(corpus.documents),
        **{key: counts[key] for key in ("spans", "attributes", "relations", "document_fields", "fragmented_spans")},
    }


def write_brat_annotators(corpus: Corpus, guide: Guide, folder: Path) -> dict[str, Any]:
    """One folder per annotator with the documents they did, configs at the root (bratiaa's layout).

    Document-level fields are left out: bratiaa scores every text-bound annotation, and identical
    ``Document`` anchors would count as agreed spans. Their number is reported instead.
    """
    schema = _Schema(guide)
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


# --- reading -------------------------------------------------------------------------------------


def _decode(path: Path, problems: list[Diagnostic]) -> str | None:
    """The exact file content (no newline translation), or None with a problem when it is not UTF-8."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Diagnostic(str(path), f"not UTF-8 ({exc.reason} at byte {exc.start})"))
    except OSError as exc:
        problems.append(Diagnostic(str(path), f"cannot be read ({exc.strerror})"))
    return None


def _merge(text: str, pieces: list[tuple[int, int]]) -> tuple[int, int] | None:
    """One contiguous span when the fragments are only separated by whitespace (line breaks), else None."""
    ordered = sorted(pieces)
    for (_, end), (begin, _) in pairwise(ordered):
        if begin < end or (begin > end and not text[end:begin].isspace()):
            return None
    return ordered[0][0], ordered[-1][1]


class _AnnReader:
    """Parse one ``.ann`` against its text and the guide; problems are collected, never raised one by one."""

    def __init__(self, schema: _Schema, text: str, path: Path, annotator: str | None) -> None:
        self.schema, self.text, self.path, self.annotator = schema, text, path, annotator
        self.problems: list[Diagnostic] = []
        self.notes: list[Skipped] = []
        self.spans: dict[str, Span] = {}
        self.anchor: str | None = None
        self.annotation = Annotation(annotator=annotator)
        self.attribute_lines: list[tuple[str, int, str, str, str]] = []
        self.relation_lines: list[tuple[str, int, str, str, str]] = []

    def where(self, number: int) -> str:
        return f"{self.path}:{number}"

    def fail(self, number: int, message: str) -> None:
        self.problems.append(Diagnostic(self.where(number), message))

    def read(self, content: str) -> Annotation:
        seen: set[str] = set()
        for number, raw in enumerate(content.split("\n"), 1):
            line = raw.removesuffix("\r")
            if not line.strip():
                continue
            ident, tab, rest = line.partition("\t")
            match = _ID.match(ident)
            if not tab or not match:
                self.fail(number, f"not a brat annotation line: {line[:60]!r}")
                continue
            if ident in seen:
                self.fail(number, f"id {ident} is used twice")
                continue
            seen.add(ident)
            kind = match.group(1)
            if kind == "T":
                self.textbound(number, ident, rest)
            elif kind in {"A", "M"}:
                self.attribute_lines.append((ident, number, *self.split3(number, rest, "attribute")))
            elif kind == "R":
                self.relation_lines.append((ident, number, *self.split3(number, rest, "relation")))
            elif kind == "#":
                self.notes.append(
                    Skipped(
                        self.where(number),
                        "note",
                        "note brat (#) sans équivalent dans le corpus : ignorée",
                        "brat-note",
                    )
                )
            else:
                self.fail(number, f"{kind} lines (events, normalisations, equivalences) are not part of the guide")
        self.resolve_attributes()
        self.resolve_relations()
        self.annotation.spans = list(self.spans.values())
        return self.annotation

    def split3(self, number: int, rest: str, kind: str) -> tuple[str, str, str]:
        """``Type first second`` of an A or R line; binary (valueless) attributes are not in any guide."""
        parts = rest.split("\t")[0].split(" ")
        if len(parts) != 3:
            self.fail(number, f"expected '<type> <id> <value>' or '<type> Arg1:<id> Arg2:<id>' ({kind})")
            return "", "", ""
        return parts[0], parts[1], parts[2]

    def textbound(self, number: int, ident: str, rest: str) -> None:
        data, tab, shown = rest.partition("\t")
        entity_type, _, offsets = data.partition(" ")
        found_offsets = [_OFFSETS.match(piece) for piece in offsets.split(";")]
        if not all(found_offsets):
            self.fail(number, f"offsets {offsets!r} are not 'begin end[;begin end]…'")
            return
        pieces = [(int(m.group(1)), int(m.group(2))) for m in found_offsets if m]
        if not tab:
            self.fail(number, "the span text is missing (expected 'T1<TAB>Type begin end<TAB>text')")
            return
        if any(not 0 <= b <= e <= len(self.text) for b, e in pieces):
            self.fail(number, f"offsets {offsets} outside the text of {len(self.text)} characters")
            return
        expected = _FRAGMENT_SEPARATOR.join(self.text[b:e] for b, e in pieces)
        if shown != expected:
            self.fail(number, f"text {shown!r} differs from the .txt at {offsets}: {expected!r}")
            return
        merged = _merge(self.text, pieces)
        if merged is None:
            self.fail(number, "discontinuous span: the corpus model holds contiguous spans only")
            return
        if entity_type == DOCUMENT_TYPE and self.schema.fields:
            if self.anchor is not None:
                self.fail(number, f"a second {DOCUMENT_TYPE} anchor (the first is {self.anchor})")
            self.anchor = self.anchor or ident
            return
        found = self.schema.label.get(entity_type)
        if found is None:
            known = ", ".join(self.schema.label)
            self.fail(number, f"unknown entity type {entity_type!r} (the guide has {known})")
            return
        label_set, label = found
        provenance = Provenance(result_id=ident, annotator=self.annotator, source=self.where(number))
        self.spans[ident] = Span(ident, label_set.name, label.id, merged[0], merged[1], {}, provenance)

    def resolve_attributes(self) -> None:
        for _, number, name, target, chosen in self.attribute_lines:
            if not name:
                continue
            if target in self.spans:
                self.span_attribute(number, self.spans[target], name, chosen)
            elif target == self.anchor:
                self.field_value(number, name, chosen)
            else:
                self.fail(number, f"attribute on {target}, which is not a span of the guide")

    def span_attribute(self, number: int, span: Span, name: str, chosen: str) -> None:
        label_set = next(ls for ls in self.schema.guide.label_sets if ls.name == span.label_set)
        attribute = next((a for a in label_set.attributes if a.feature_name == name), None)
        if attribute is None or span.label not in attribute.applies_to:
            self.fail(number, f"attribute {name!r} does not apply to {span.label}")
            return
        value = next((v for v in attribute.values if v.inception_value == chosen), None)
        if value is None:
            known = ", ".join(v.inception_value for v in attribute.values)
            self.fail(number, f"unknown value {chosen!r} of {name} (known: {known})")
        elif attribute.name in span.attributes:
            self.fail(number, f"{span.id} has two values of {name}")
        else:
            span.attributes[attribute.name] = value.id

    def field_value(self, number: int, name: str, chosen: str) -> None:
        field = self.schema.fields.get(name)
        if field is None:
            self.fail(number, f"{name!r} is not a document field of the guide")
            return
        value = next((v for v in field.values if v.inception_value == chosen), None)
        values = self.annotation.fields.get(field.name, [])
        if value is None:
            known = ", ".join(v.inception_value for v in field.values)
            self.fail(number, f"unknown value {chosen!r} of {name} (known: {known})")
        elif values and not field.multiple:
            self.fail(number, f"{name} takes one value and already has {values[0]}")
        else:
            self.annotation.fields[field.name] = [*values, value.id]

    def resolve_relations(self) -> None:
        for ident, number, name, first, second in self.relation_lines:
            if not name:
                continue
            spec = self.schema.relation.get(name)
            roles = {role: ref for role, _, ref in (arg.partition(":") for arg in (first, second))}
            source, target = roles.get("Arg1"), roles.get("Arg2")
            if spec is None:
                self.fail(number, f"unknown relation type {name!r} (the guide has {', '.join(self.schema.relation)})")
            elif source is None or target is None:
                self.fail(number, "a relation has the roles Arg1 and Arg2")
            elif source not in self.spans or target not in self.spans:
                self.fail(number, "an end of the relation is not a span of the guide")
            elif not self.schema.relation_allowed(spec, self.spans[source].label, self.spans[target].label):
                self.fail(number, f"{name} does not link {self.spans[source].label} → {self.spans[target].label}")
            else:
                provenance = Provenance(result_id=ident, annotator=self.annotator, source=self.where(number))
                self.annotation.relations.append(Relation(ident, spec.id, source, target, provenance))


def _listing(base: Path, suffix: str) -> dict[str, Path]:
    return {
        p.name.removesuffix(suffix): p
        for p in base.iterdir()
        if p.is_file() and p.name.endswith(suffix) and not p.name.startswith(".")
    }


def read_brat(folder: Path, guide: Guide, *, annotator: str | None = None) -> Corpus:
    """Read a folder written by :func:`write_brat` (or ``annotator``'s folder of the per-annotator layout).

    Unknown types or values, offsets that do not match the ``.txt`` and malformed lines raise one
    :class:`BratError` listing every problem as ``file:line``. ``#`` notes are listed as skipped.
    """
    schema = _Schema(guide)
    base = folder if annotator is None else folder / annotator
    if annotator is not None and _unsafe_name(annotator):
        raise BratError("cannot read the brat folder", [Diagnostic(f"annotator {annotator!r}", "not a folder name")])
    if not base.is_dir():
        raise BratError("cannot read the brat folder", [Diagnostic(str(base), "no such folder")])
    corpus = Corpus(guide=guide.name, guide_version=guide.version)
    problems: list[Diagnostic] = []
    texts, anns = _listing(base, ".txt"), _listing(base, ".ann")
    subfolders = sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not texts and not anns and subfolders and annotator is None:
        hint = f"per-annotator folders ({', '.join(subfolders)}): pass the annotator to read one"
        raise BratError("cannot read the brat folder", [Diagnostic(str(base), "no .txt or .ann file", hint=hint)])
    for report in sorted(set(texts) | set(anns)):
        if report not in anns or report not in texts:
            present, missing = (texts, ".ann") if report in texts else (anns, ".txt")
            problems.append(Diagnostic(str(present[report]), f"no matching {report}{missing}"))
            continue
        text, content = _decode(texts[report], problems), _decode(anns[report], problems)
        if text is None or content is None:
            continue
        reader = _AnnReader(schema, text, anns[report], annotator)
        annotation = reader.read(content)
        problems += reader.problems
        corpus.skipped += reader.notes
        corpus.documents.append(Document(report, text, [annotation]))
    conf = folder / "annotation.conf"
    if conf.is_file() and conf.read_bytes() != annotation_conf(guide).encode("utf-8"):
        corpus.warnings.append(
            Skipped(
                str(conf),
                "config",
                f"annotation.conf ne correspond pas au guide {guide.name} : le guide fait foi",
                "brat-config",
            )
        )
    if problems:
        raise BratError(f"{base}: not a valid brat folder for guide {guide.name}", problems)
    corpus.sort()
    return corpus
