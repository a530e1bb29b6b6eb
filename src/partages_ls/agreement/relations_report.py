"""Relation agreement: F1 over relations whose endpoints are matched spans and whose types agree.

A relation of A matches one of B when B's relation has the same type and links the spans matched
with A's source and target, in the same direction. Relations the guide declares undirected
(``directed: false``, e.g. CU5a ``RefersTo``) match whichever way they were drawn. Two endpoint
modes, each under its own stable key of ``modes``: ``overlap`` (endpoints matched in the span
overlap mode; also the section's top-level figures and the disagreements) and ``exact`` (both
endpoints are exact span matches: same offsets, same label).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from partages_ls.agreement.bootstrap import Ledger, Measure, Sums, f1, no_data
from partages_ls.agreement.collect import AgreementData, Pair
from partages_ls.agreement.disagreements import Disagreement, make
from partages_ls.agreement.spans_report import Matches
from partages_ls.exporters.corpus import Relation, Span

NO_TYPE = "le guide ne définit aucune relation"
NO_SHARED = "aucun document soumis par les deux annotateurs"

Key = tuple[str, str, str]
ENDPOINT_MODES = ("exact", "overlap")


def _exact_map(data: AgreementData, pair: Pair) -> dict[tuple[str, str], str]:
    """(document, A's span id) -> B's span id with the same label set, offsets and label (one to one)."""
    to_b: dict[tuple[str, str], str] = {}
    for document in data.shared(pair):
        annotation_a, annotation_b = data.annotation(document, pair.a), data.annotation(document, pair.b)
        assert annotation_a is not None and annotation_b is not None
        free: defaultdict[tuple[str, int, int, str], list[str]] = defaultdict(list)
        for span in sorted(annotation_b.spans, key=lambda s: s.id, reverse=True):
            free[span.label_set, span.begin, span.end, span.label].append(span.id)
        for span in sorted(annotation_a.spans, key=lambda s: s.id):
            waiting = free.get((span.label_set, span.begin, span.end, span.label))
            if waiting:
                to_b[document, span.id] = waiting.pop()
    return to_b


def _overlap_map(data: AgreementData, matches: Matches, pair: Pair) -> dict[tuple[str, str], str]:
    to_b: dict[tuple[str, str], str] = {}
    for label_set in data.guide.label_sets:
        for match in matches.overlap[label_set.name, pair.key].pairs:
            to_b[match.a[0], match.a[4]] = match.b[4]
    return to_b


def _key(relation_type: str, source: str, target: str, directed: bool) -> Key:
    if directed or source <= target:
        return (relation_type, source, target)
    return (relation_type, target, source)


def _describe(relation: Relation, source: Span, target: Span) -> tuple[str, tuple[int, int]]:
    label = f"{relation.type} : {source.label} → {target.label}"
    return label, (min(source.begin, target.begin), max(source.end, target.end))


def _pair(
    data: AgreementData,
    ledger: Ledger,
    to_b: dict[tuple[str, str], str],
    pair: Pair,
    directed: dict[str, bool],
    no_text: bool,
    mode: str,
) -> tuple[dict[str, list[int]], list[Disagreement]]:
    """(matched, |A|, |B|) per type for one pair, counted per document in the ledger, and the misses."""
    counts: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    found: list[Disagreement] = []
    for document in data.shared(pair):
        annotation_a = data.annotation(document, pair.a)
        annotation_b = data.annotation(document, pair.b)
        assert annotation_a is not None and annotation_b is not None
        waiting: Counter[Key] = Counter(
            _key(r.type, r.source, r.target, directed.get(r.type, True)) for r in annotation_b.relations
        )
        text = None if no_text else data.texts[document]
        for relation in sorted(annotation_a.relations, key=lambda r: (r.type, r.source, r.target)):
            counts[relation.type][1] += 1
            ledger.add(document, ("relation", mode, pair.key, relation.type, "a"))
            source, target = to_b.get((document, relation.source)), to_b.get((document, relation.target))
            key = (
                None
                if source is None or target is None
                else _key(relation.type, source, target, directed.get(relation.type, True))
            )
            if key is not None and waiting[key] > 0:
                waiting[key] -= 1
                counts[relation.type][0] += 1
                ledger.add(document, ("relation", mode, pair.key, relation.type, "m"))
                continue
            label, where = _describe(
                relation,
                data.span(pair.a, document, relation.source),
                data.span(pair.a, document, relation.target),
            )
            found.append(
                make(text, document, relation.type, "relation_only_a", (pair.a, pair.b), (label, None), where, None)
            )
        for relation in sorted(annotation_b.relations, key=lambda r: (r.type, r.source, r.target)):
            counts[relation.type][2] += 1
            ledger.add(document, ("relation", mode, pair.key, relation.type, "b"))
            key = _key(relation.type, relation.source, relation.target, directed.get(relation.type, True))
            if waiting[key] > 0:
                waiting[key] -= 1
                label, where = _describe(
                    relation,
                    data.span(pair.b, document, relation.source),
                    data.span(pair.b, document, relation.target),
                )
                found.append(
                    make(text, document, relation.type, "relation_only_b", (pair.a, pair.b), (None, label), None, where)
                )
    return dict(counts), found


def relations_section(
    data: AgreementData, ledger: Ledger, matches: Matches, no_text: bool
) -> tuple[dict[str, Any], list[Disagreement]]:
    """The ``relations`` section: micro F1, per pair, per type, in each endpoint mode; the unmatched
    relations (overlap mode) as disagreements."""
    directed = {relation.id: relation.directed for relation in data.guide.relations}
    pairs = data.pairs
    per_mode: dict[str, dict[str, dict[str, list[int]]]] = {mode: {} for mode in ENDPOINT_MODES}
    disagreements: list[Disagreement] = []
    for pair in pairs:
        maps = {"exact": _exact_map(data, pair), "overlap": _overlap_map(data, matches, pair)}
        for mode in ENDPOINT_MODES:
            per_mode[mode][pair.key], found = _pair(data, ledger, maps[mode], pair, directed, no_text, mode)
            if mode == "overlap":
                disagreements.extend(found)
    shared = {pair.key: len(data.shared(pair)) for pair in pairs}
    return relations_entry(ledger, directed, pairs, per_mode, shared), disagreements


def relations_entry(
    ledger: Ledger,
    directed: dict[str, bool],
    pairs: Sequence[Pair],
    per_mode: dict[str, dict[str, dict[str, list[int]]]],
    shared: dict[str, int],
) -> dict[str, Any]:
    """The ``relations`` section from (matched, |A|, |B|) per endpoint mode, pair and type; figures registered."""
    observed = {t for per_pair in per_mode.values() for counts in per_pair.values() for t in counts}
    types = list(directed) + sorted(observed - set(directed))
    modes = {mode: _figures(ledger, mode, per_mode[mode], pairs, types, shared, directed) for mode in ENDPOINT_MODES}
    overlap = modes["overlap"]
    return {
        "types": types,
        "directed": {t: directed.get(t, True) for t in types},
        "endpoint_matching": "overlap",
        "micro_f1": overlap["micro_f1"],
        "pairs": overlap["pairs"],
        "per_type": overlap["per_type"],
        "modes": modes,
    }


def _figures(
    ledger: Ledger,
    mode: str,
    per_pair: dict[str, dict[str, list[int]]],
    pairs: Sequence[Pair],
    types: list[str],
    shared: dict[str, int],
    directed: dict[str, bool],
) -> dict[str, Any]:
    columns = {
        (pair.key, t): tuple(ledger.column(("relation", mode, pair.key, t, c)) for c in "mab")
        for pair in pairs
        for t in types
    }

    def compute(sums: Sums) -> Sequence[Measure]:
        by_pair = {pair.key: [0.0, 0.0, 0.0] for pair in pairs}
        by_type = {t: [0.0, 0.0, 0.0] for t in types}
        for (key, t), indices in columns.items():
            for position, index in enumerate(indices):
                by_pair[key][position] += sums[index]
                by_type[t][position] += sums[index]
        total = [sum(cell[i] for cell in by_pair.values()) for i in range(3)]
        if not types:
            micro = no_data(NO_TYPE)
        elif not pairs:
            micro = no_data("moins de deux annotateurs")
        elif not any(shared.values()):
            micro = no_data(NO_SHARED)
        else:
            micro = f1(*total, reason="aucune relation chez l'un ni chez l'autre")
        pair_f1 = [
            f1(*by_pair[p.key], reason="aucune relation chez l'un ni chez l'autre")
            if shared[p.key]
            else no_data(NO_SHARED)
            for p in pairs
        ]
        type_f1 = [f1(*by_type[t], reason="aucune relation de ce type") for t in types]
        return [micro, *pair_f1, *type_f1]

    figures = ledger.figures(1 + len(pairs) + len(types), compute)

    def counts_of(cells: Sequence[list[int]]) -> list[int]:
        return [sum(cell[i] for cell in cells) for i in range(3)]

    return {
        "micro_f1": figures[0],
        "pairs": {
            pair.key: {"f1": figure, "matched": m, "a": a, "b": b, "documents": shared[pair.key]}
            for pair, figure in zip(pairs, figures[1 : 1 + len(pairs)], strict=True)
            for m, a, b in [counts_of(list(per_pair[pair.key].values()))]
        },
        "per_type": {
            t: {"f1": figure, "matched": m, "a": a, "b": b, "directed": directed.get(t, True)}
            for t, figure in zip(types, figures[1 + len(pairs) :], strict=True)
            for m, a, b in [counts_of([per_pair[p.key].get(t, [0, 0, 0]) for p in pairs])]
        },
    }
