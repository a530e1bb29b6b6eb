"""Merge the annotations of one report into a curation starting point plus a list of conflicts.

Units, each judged by a :class:`~partages_ls.curation.strategy.Strategy` (see that module):

* **spans**: position = (label set, begin, end), candidates = labels;
* **attributes** of each merged span: position = (merged span, attribute), candidates = values,
  voters = the annotators who made that span with that label (an annotator who left the attribute
  empty did not vote; under ``complete`` they make it a conflict);
* **relations**: position = the pair of endpoints (each endpoint = label set, label, offsets; the
  pair is unordered), candidates = relation type plus direction (direction only where the guide says
  the relation is directed). A relation is merged only when both endpoints are merged spans;
* **document fields**: position = the field, candidates = the set of chosen values. A conflict on a
  field carries each annotator's justification spans (``justified_by`` in the guide).

Everything not merged becomes a :class:`Conflict` holding every annotator's version (``None`` for
an annotator who marked nothing there). The result does not depend on the order of the
annotations or of their items: ids are derived from the content, lists are sorted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from partages_ls.curation.strategy import Strategy
from partages_ls.exporters.corpus import Annotation, Document, Relation, Span
from partages_ls.guides.model import Guide

SpanKey = tuple[str, str, int, int]  # label set, label, begin, end
NOTHING = "(rien)"


@dataclass(frozen=True)
class Conflict:
    """A unit the strategy did not merge, with every annotator's version."""

    kind: str  # span | attribute | relation | field
    key: str  # stable identity inside the report, e.g. "span:Labels:12-17"
    begin: int  # where to mark it in the text
    end: int
    what: str  # French, what is disputed
    versions: tuple[tuple[str, str | None], ...]  # (annotator, version or None), sorted by annotator

    def describe(self) -> str:
        """``what`` then who said what, in French (shown to the curator)."""
        said = " ; ".join(f"{who} : {version or NOTHING}" for who, version in self.versions)
        return f"{self.what} — {said}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "begin": self.begin,
            "end": self.end,
            "what": self.what,
            "versions": dict(self.versions),
        }


@dataclass
class MergeResult:
    """The starting point of one report's curation."""

    report: str
    strategy: str
    annotators: list[str]
    merged: Annotation
    conflicts: list[Conflict] = field(default_factory=list)
    merged_units: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.report,
            "strategy": self.strategy,
            "annotators": self.annotators,
            "merged_units": self.merged_units,
            "conflicts": [c.as_dict() for c in self.conflicts],
        }


def _name(annotation: Annotation, index: int) -> str:
    return annotation.annotator or f"annotation-{annotation.annotation_id if annotation.annotation_id else index}"


def _quote(text: str, begin: int, end: int) -> str:
    snippet = text[begin:end]
    if len(snippet) > 60:
        snippet = snippet[:57] + "…"
    return f"« {snippet} » [{begin}-{end}]"


def _span_key(span: Span) -> SpanKey:
    return (span.label_set, span.label, span.begin, span.end)


def _order(key: SpanKey) -> tuple[int, int, str, str]:
    return (key[2], key[3], key[0], key[1])


def _versions(everyone: list[str], by_annotator: dict[str, list[str]]) -> tuple[tuple[str, str | None], ...]:
    return tuple((who, ", ".join(sorted(by_annotator[who])) if by_annotator.get(who) else None) for who in everyone)


class _Merger:
    def __init__(self, document: Document, guide: Guide, strategy: Strategy) -> None:
        self.document = document
        self.guide = guide
        self.strategy = strategy
        named = [(_name(a, i), a) for i, a in enumerate(document.annotations)]
        named.sort(key=lambda item: item[0])
        self.annotations = named
        self.everyone = [who for who, _ in named]
        self.result = MergeResult(document.report, str(strategy), list(self.everyone), Annotation())
        self.merged_ids: dict[SpanKey, str] = {}

    def conflict(self, kind: str, key: str, where: tuple[int, int], what: str, said: dict[str, list[str]]) -> None:
        self.result.conflicts.append(Conflict(kind, key, where[0], where[1], what, _versions(self.everyone, said)))

    # --- spans and their attributes ---------------------------------------------------------
    def spans(self) -> None:
        positions: dict[tuple[str, int, int], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        attributes: dict[SpanKey, dict[str, dict[str, set[str]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(set))
        )
        for who, annotation in self.annotations:
            for span in annotation.spans:
                positions[(span.label_set, span.begin, span.end)][span.label].add(who)
                for name, value in span.attributes.items():
                    attributes[_span_key(span)][name][value].add(who)
        text = self.document.text
        for (label_set, begin, end), labels in sorted(positions.items(), key=lambda p: (p[0][1], p[0][2], p[0][0])):
            chosen = self.strategy.decide(labels, set(self.everyone))
            if chosen is None:
                said: dict[str, list[str]] = defaultdict(list)
                for label, voters in labels.items():
                    for who in voters:
                        said[who].append(label)
                self.conflict(
                    "span", f"span:{label_set}:{begin}-{end}", (begin, end), f"Passage {_quote(text, begin, end)}", said
                )
                continue
            key = (label_set, chosen, begin, end)
            span = Span(f"m{len(self.merged_ids) + 1}", label_set, chosen, begin, end)
            self.merged_ids[key] = span.id
            self.result.merged.spans.append(span)
            self.result.merged_units += 1
            supporters = labels[chosen]
            for name, values in sorted(attributes.get(key, {}).items()):
                decided = self.strategy.decide(values, supporters)
                if decided is None:
                    said = defaultdict(list)
                    for candidate, voters in values.items():
                        for who in voters:
                            said[who].append(candidate)
                    self.conflict(
                        "attribute",
                        f"attribute:{label_set}:{begin}-{end}:{name}",
                        (begin, end),
                        f"Attribut {name} de {chosen} {_quote(text, begin, end)}",
                        said,
                    )
                else:
                    span.attributes[name] = decided
                    self.result.merged_units += 1

    # --- relations --------------------------------------------------------------------------
    def relations(self) -> None:
        directed = {r.id: r.directed for r in self.guide.relations}
        positions: dict[tuple[SpanKey, SpanKey], dict[tuple[str, SpanKey, SpanKey], set[str]]] = defaultdict(
            lambda: defaultdict(set)
        )
        for who, annotation in self.annotations:
            spans = {s.id: _span_key(s) for s in annotation.spans}
            for relation in annotation.relations:
                if relation.source not in spans or relation.target not in spans:
                    continue
                source, target = spans[relation.source], spans[relation.target]
                pair = (source, target) if _order(source) <= _order(target) else (target, source)
                if not directed.get(relation.type, True):
                    source, target = pair
                positions[pair][(relation.type, source, target)].add(who)
        text = self.document.text
        for pair, candidates in sorted(positions.items(), key=lambda p: (_order(p[0][0]), _order(p[0][1]))):
            chosen = self.strategy.decide(candidates, set(self.everyone))
            first = pair[0]
            ends = (
                f"{first[1]} {_quote(text, first[2], first[3])} et {pair[1][1]} {_quote(text, pair[1][2], pair[1][3])}"
            )
            key = f"relation:{first[0]}:{first[2]}-{first[3]}~{pair[1][0]}:{pair[1][2]}-{pair[1][3]}"
            unmerged = chosen is not None and not (chosen[1] in self.merged_ids and chosen[2] in self.merged_ids)
            if chosen is None or unmerged:
                said: dict[str, list[str]] = defaultdict(list)
                for (kind, source, target), voters in candidates.items():
                    arrow = "→" if directed.get(kind, True) else "—"
                    for who in voters:
                        said[who].append(f"{kind} ({source[1]} {arrow} {target[1]})")
                what = f"Relation entre {ends}"
                if unmerged:
                    what += " (une extrémité n'est pas fusionnée)"
                self.conflict("relation", key, (first[2], first[3]), what, said)
                continue
            kind, source, target = chosen
            ids = (self.merged_ids[source], self.merged_ids[target])
            self.result.merged.relations.append(Relation(f"{ids[0]}>{ids[1]}:{kind}", kind, ids[0], ids[1]))
            self.result.merged_units += 1

    # --- document fields --------------------------------------------------------------------
    def fields(self) -> None:
        text = self.document.text
        for spec in self.guide.document_fields:
            candidates: dict[tuple[str, ...], set[str]] = defaultdict(set)
            for who, annotation in self.annotations:
                chosen = annotation.fields.get(spec.name)
                if chosen:
                    candidates[tuple(sorted(chosen))].add(who)
            if not candidates:
                continue
            value = self.strategy.decide(candidates, set(self.everyone))
            if value is not None:
                self.result.merged.fields[spec.name] = list(value)
                self.result.merged_units += 1
                continue
            said: dict[str, list[str]] = defaultdict(list)
            where: list[tuple[int, int]] = []
            for who, annotation in self.annotations:
                chosen = annotation.fields.get(spec.name)
                if not chosen:
                    continue
                proofs = [s for s in annotation.spans if spec.justified_by and s.label == spec.justified_by]
                shown = ", ".join(sorted(chosen))
                if proofs:
                    shown += " (justification " + " ; ".join(_quote(text, s.begin, s.end) for s in proofs) + ")"
                    where += [(s.begin, s.end) for s in proofs]
                said[who].append(shown)
            place = min(where) if where else _first_word(text)
            self.conflict("field", f"field:{spec.name}", place, f"Champ du document {spec.display or spec.name}", said)

    def run(self) -> MergeResult:
        self.spans()
        self.relations()
        self.fields()
        self.result.merged.sort()
        self.result.conflicts.sort(key=lambda c: (c.begin, c.end, c.kind, c.key))
        return self.result


def _first_word(text: str) -> tuple[int, int]:
    begin = len(text) - len(text.lstrip())
    end = begin
    while end < len(text) and not text[end].isspace():
        end += 1
    return (begin, max(end, begin + 1)) if text else (0, 0)


def merge_document(document: Document, guide: Guide, strategy: Strategy | None = None) -> MergeResult:
    """Merge every annotation of ``document`` (its ``annotations``) with ``strategy``."""
    return _Merger(document, guide, strategy or Strategy()).run()
