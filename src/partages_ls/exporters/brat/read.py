"""Read brat standoff folders back into the corpus model."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from partages_ls.errors import Diagnostic
from partages_ls.exporters.brat.generate import annotation_conf
from partages_ls.exporters.brat.schema import (
    DOCUMENT_TYPE,
    FRAGMENT_SEPARATOR,
    ID_PATTERN,
    OFFSETS_PATTERN,
    BratError,
    BratSchema,
    unsafe_name,
)
from partages_ls.exporters.corpus import (
    Annotation,
    Corpus,
    Document,
    Provenance,
    Relation,
    Skipped,
    Span,
    unreadable,
)
from partages_ls.guides.model import Guide

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

    def __init__(self, schema: BratSchema, text: str, path: Path, annotator: str | None) -> None:
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
            match = ID_PATTERN.match(ident)
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
        found_offsets = [OFFSETS_PATTERN.match(piece) for piece in offsets.split(";")]
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
        expected = FRAGMENT_SEPARATOR.join(self.text[b:e] for b, e in pieces)
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
            self.fail(number, f"unknown value {chosen!r} of {name} (known: {known}); {span.id} is kept without it")
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
            else:  # read as drawn, even outside the guide's pairs: the guide's rules report it later
                provenance = Provenance(result_id=ident, annotator=self.annotator, source=self.where(number))
                self.annotation.relations.append(Relation(ident, spec.id, source, target, provenance))


def detect_brat(folder: Path) -> bool:
    """Whether ``folder`` holds brat files (a ``.ann`` file at its top level)."""
    return any(_listing(folder, ".ann"))


def _listing(base: Path, suffix: str) -> dict[str, Path]:
    return {
        p.name.removesuffix(suffix): p
        for p in base.iterdir()
        if p.is_file() and p.name.endswith(suffix) and not p.name.startswith(".")
    }


def read_brat(folder: Path, guide: Guide, *, annotator: str | None = None, partial: bool = False) -> Corpus:
    """Read a folder written by :func:`write_brat` (or ``annotator``'s folder of the per-annotator layout).

    Unknown types or values, offsets that do not match the ``.txt`` and malformed lines raise one
    :class:`BratError` listing every problem as ``file:line``. ``#`` notes are listed as skipped.
    With ``partial`` (import), each such problem leaves out its line (or its file) alone and is
    listed in ``corpus.skipped``; the rest of the file and of the folder is read.
    """
    schema = BratSchema(guide)
    base = folder if annotator is None else folder / annotator
    if annotator is not None and unsafe_name(annotator):
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
    if problems and not partial:
        raise BratError(f"{base}: not a valid brat folder for guide {guide.name}", problems)
    corpus.skipped += [unreadable(p.location, p.message) for p in problems]
    corpus.sort()
    return corpus
