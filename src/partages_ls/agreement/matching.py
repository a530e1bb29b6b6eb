"""One-to-one matching of two annotators' spans and the pairwise F1 it yields.

Spans are tuples whose first four items are ``(document, begin, end, label)`` with [begin, end)
character offsets; further items (a region id, attributes…) ride along untouched so that callers
can map matched spans back to their annotations. Matching happens within each document, on
canonically sorted input, so the result never depends on the order the spans were stored in.
F1 = 2·matched / (|A| + |B|) (Hripcsak & Rothschild 2005), pooled over whatever documents are given.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Generic, Literal, NamedTuple, TypeVar, get_args

from partages_ls.agreement.results import AgreementInputError

Mode = Literal["exact", "overlap", "boundary"]
MODES: tuple[str, ...] = get_args(Mode)

S = TypeVar("S", bound=tuple[Any, ...])


class Span(NamedTuple):
    """A labelled [begin, end) character span of a document (any tuple of this shape will do)."""

    document: Hashable
    begin: int
    end: int
    label: Hashable


@dataclass(frozen=True, slots=True)
class F1Score:
    """Counts behind a pairwise F1; scores add up (``x + y``) to pool documents, labels or pairs."""

    matched: int
    a: int
    b: int

    @property
    def f1(self) -> float | None:
        """2·matched / (|A| + |B|); ``None`` ("no data", never 0) when neither annotator has a span."""
        total = self.a + self.b
        return None if total == 0 else 2 * self.matched / total

    def __add__(self, other: F1Score) -> F1Score:
        return F1Score(self.matched + other.matched, self.a + other.a, self.b + other.b)


def span_iou(first: tuple[Any, ...], second: tuple[Any, ...]) -> float:
    """Intersection over union of two spans' [begin, end) ranges (0.0 when both are empty)."""
    inter = min(first[2], second[2]) - max(first[1], second[1])
    union = max(first[2], second[2]) - min(first[1], second[1])
    return inter / union if inter > 0 else 0.0


@dataclass(frozen=True, slots=True)
class SpanPair(Generic[S]):
    """One matched pair: a span of annotator A and the span of annotator B it was matched with."""

    a: S
    b: S

    @property
    def iou(self) -> float:
        """Intersection over union of the two spans' offsets."""
        return span_iou(self.a, self.b)

    @property
    def same_label(self) -> bool:
        """Whether both annotators gave the same label (always true except in ``boundary`` mode)."""
        return bool(self.a[3] == self.b[3])


@dataclass(frozen=True, slots=True)
class MatchResult(Generic[S]):
    """Matched pairs and the spans left over on each side, all in canonical order."""

    pairs: tuple[SpanPair[S], ...]
    unmatched_a: tuple[S, ...]
    unmatched_b: tuple[S, ...]

    @property
    def score(self) -> F1Score:
        """The counts and F1 of this matching."""
        matched = len(self.pairs)
        return F1Score(matched, matched + len(self.unmatched_a), matched + len(self.unmatched_b))

    @property
    def matched(self) -> int:
        """Number of matched pairs."""
        return len(self.pairs)

    @property
    def a(self) -> int:
        """|A|: annotator A's spans, matched or not."""
        return len(self.pairs) + len(self.unmatched_a)

    @property
    def b(self) -> int:
        """|B|: annotator B's spans, matched or not."""
        return len(self.pairs) + len(self.unmatched_b)

    @property
    def f1(self) -> float | None:
        """2·matched / (|A| + |B|), ``None`` when both sides are empty."""
        return self.score.f1


def _documents(documents: Iterable[Hashable]) -> list[Hashable]:
    """Documents in natural order, or by ``repr`` when their ids are not mutually comparable."""
    values: list[Any] = list(documents)
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=repr)


def _span_key(span: tuple[Any, ...]) -> tuple[Any, ...]:
    """Canonical order within a document: offsets, then label and extra fields by ``repr``.

    ``repr`` makes the order total whatever the label types, so it never depends on input order.
    """
    return (span[1], span[2], repr(span[3]), repr(span[4:]))


def _check(span: tuple[Any, ...]) -> None:
    if len(span) < 4:
        raise AgreementInputError(f"span {span!r} is not (document, begin, end, label, …)")
    if span[2] < span[1]:
        raise AgreementInputError(f"span {span!r} ends before it begins")


Pairs = list[tuple[int, int]]


def _match_exact(spans_a: Sequence[S], spans_b: Sequence[S], with_label: bool) -> Pairs:
    """Pair spans with equal offsets (and label) in canonical order; returns index pairs."""
    waiting: defaultdict[tuple[Any, ...], list[int]] = defaultdict(list)
    for j in reversed(range(len(spans_b))):
        span = spans_b[j]
        waiting[(span[1], span[2], span[3]) if with_label else (span[1], span[2])].append(j)
    pairs: Pairs = []
    for i, span in enumerate(spans_a):
        queue = waiting.get((span[1], span[2], span[3]) if with_label else (span[1], span[2]))
        if queue:
            pairs.append((i, queue.pop()))
    return pairs


def _match_boundary(spans_a: Sequence[S], spans_b: Sequence[S]) -> Pairs:
    """Equal offsets, label ignored; spans that also agree on the label are paired first."""
    pairs = _match_exact(spans_a, spans_b, with_label=True)
    used_a = {i for i, _ in pairs}
    used_b = {j for _, j in pairs}
    rest_a = [i for i in range(len(spans_a)) if i not in used_a]
    rest_b = [j for j in range(len(spans_b)) if j not in used_b]
    extra = _match_exact([spans_a[i] for i in rest_a], [spans_b[j] for j in rest_b], with_label=False)
    pairs.extend((rest_a[i], rest_b[j]) for i, j in extra)
    return pairs


def _maximum_matching(size_a: int, size_b: int, edges: Sequence[tuple[int, int, Fraction]]) -> Pairs:
    """Maximum-cardinality matching of greatest total weight among those (successive shortest paths).

    Each edge costs −(big + weight) with big above any total weight, so every augmenting path is
    profitable (cardinality first) and shortest paths keep the total weight maximal. Bellman–Ford
    in index order with strict improvements makes the outcome a function of the (sorted) input.
    """
    big = len(edges) + 1
    cost = {(i, j): -(big + weight) for i, j, weight in edges}
    adjacency: list[list[int]] = [[] for _ in range(size_a)]
    for i, j, _ in edges:
        adjacency[i].append(j)
    match_a = [-1] * size_a
    match_b = [-1] * size_b
    while True:
        dist_a: list[Fraction | None] = [Fraction(0) if match_a[i] == -1 else None for i in range(size_a)]
        dist_b: list[Fraction | None] = [None] * size_b
        parent = [-1] * size_b
        for _ in range(size_a + size_b + 1):
            changed = False
            for i in range(size_a):
                here = dist_a[i]
                if here is None:
                    continue
                for j in adjacency[i]:
                    if match_a[i] == j:
                        continue
                    there = here + cost[i, j]
                    current = dist_b[j]
                    if current is None or there < current:
                        dist_b[j], parent[j], changed = there, i, True
            for j in range(size_b):
                i, here = match_b[j], dist_b[j]
                if i == -1 or here is None:
                    continue
                there = here - cost[i, j]
                current = dist_a[i]
                if current is None or there < current:
                    dist_a[i], changed = there, True
            if not changed:
                break
        best: int | None = None
        best_dist: Fraction | None = None
        for j in range(size_b):
            here = dist_b[j]
            if match_b[j] == -1 and here is not None and (best_dist is None or here < best_dist):
                best, best_dist = j, here
        if best is None:
            return [(i, match_a[i]) for i in range(size_a) if match_a[i] != -1]
        j = best
        while j != -1:
            i = parent[j]
            previous = match_a[i]
            match_a[i] = j
            match_b[j] = i
            j = previous


Edge = tuple[int, int, int, int]
"""(index in A, index in B, intersection, union) of two overlapping spans."""


def _overlap_edges(spans_a: Sequence[S], spans_b: Sequence[S], threshold: Fraction | None) -> list[Edge]:
    """Every A/B pair sharing a character (and reaching the IoU threshold), with its IoU terms."""
    begins_b = [span[1] for span in spans_b]
    edges: list[Edge] = []
    for i, (_, begin_a, end_a, *_) in enumerate(spans_a):
        for j in range(bisect_left(begins_b, end_a)):
            _, begin_b, end_b, *_ = spans_b[j]
            inter = min(end_a, end_b) - max(begin_a, begin_b)
            if inter <= 0:
                continue
            union = max(end_a, end_b) - min(begin_a, begin_b)
            if threshold is not None and inter * threshold.denominator < threshold.numerator * union:
                continue
            edges.append((i, j, inter, union))
    return edges


def _match_overlap(spans_a: Sequence[S], spans_b: Sequence[S], threshold: Fraction | None) -> Pairs:
    """Same label and shared characters: maximum matching per connected group of overlapping spans."""
    by_label: defaultdict[Hashable, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for i, span in enumerate(spans_a):
        by_label[span[3]][0].append(i)
    for j, span in enumerate(spans_b):
        by_label[span[3]][1].append(j)
    pairs: Pairs = []
    for indices_a, indices_b in by_label.values():
        if not indices_a or not indices_b:
            continue
        local_a = [spans_a[i] for i in indices_a]
        local_b = [spans_b[j] for j in indices_b]
        edges = _overlap_edges(local_a, local_b, threshold)
        for component_a, component_b, component_edges in _components(len(local_a), edges):
            if len(component_edges) == 1:
                i, j, _, _ = component_edges[0]
                pairs.append((indices_a[i], indices_b[j]))
                continue
            position_a = {i: k for k, i in enumerate(component_a)}
            position_b = {j: k for k, j in enumerate(component_b)}
            renumbered = [
                (position_a[i], position_b[j], Fraction(inter, union)) for i, j, inter, union in component_edges
            ]
            for i, j in _maximum_matching(len(component_a), len(component_b), renumbered):
                pairs.append((indices_a[component_a[i]], indices_b[component_b[j]]))
    return pairs


def _components(size_a: int, edges: Sequence[Edge]) -> list[tuple[list[int], list[int], list[Edge]]]:
    """Connected components of the overlap graph (A nodes 0…size_a−1, B nodes offset by size_a)."""
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j, _, _ in edges:
        parent[root(i)] = root(size_a + j)
    grouped: dict[int, tuple[set[int], set[int], list[Edge]]] = {}
    for edge in edges:
        group = grouped.setdefault(root(edge[0]), (set(), set(), []))
        group[0].add(edge[0])
        group[1].add(edge[1])
        group[2].append(edge)
    return [(sorted(nodes_a), sorted(nodes_b), group_edges) for nodes_a, nodes_b, group_edges in grouped.values()]


def _threshold(mode: str, iou: float | Fraction | None) -> Fraction | None:
    if mode not in MODES:
        raise AgreementInputError(f"unknown matching mode {mode!r}; expected one of {', '.join(MODES)}")
    if iou is None:
        return None
    if mode != "overlap":
        raise AgreementInputError(f"an IoU threshold only applies to overlap matching, not {mode!r}")
    # The shortest decimal form of a float threshold (0.3, not 0.2999…) is the one meant.
    threshold = iou if isinstance(iou, Fraction) else Fraction(str(iou))
    if not 0 < threshold <= 1:
        raise AgreementInputError(f"the IoU threshold must lie in (0, 1], got {iou!r}")
    return threshold


def canonical(spans: Iterable[S]) -> list[S]:
    """One document's spans checked and in the canonical order :func:`match_sorted` expects."""
    listed = list(spans)
    for span in listed:
        _check(span)
    return sorted(listed, key=_span_key)


def match_sorted(
    sorted_a: Sequence[S], sorted_b: Sequence[S], mode: str = "exact", iou: float | Fraction | None = None
) -> MatchResult[S]:
    """:func:`match_spans` of one document's spans already in canonical order (see :func:`canonical`).

    Lets a caller sort each side once and match it in every mode; any subsequence of a canonical
    list (a result's leftovers) is canonical too, so leftovers can be matched again as they are.
    """
    pairs, unmatched_a, unmatched_b = _match_document(sorted_a, sorted_b, mode, _threshold(mode, iou))
    return MatchResult(tuple(pairs), tuple(unmatched_a), tuple(unmatched_b))


def _match_document(
    sorted_a: Sequence[S], sorted_b: Sequence[S], mode: str, threshold: Fraction | None
) -> tuple[list[SpanPair[S]], list[S], list[S]]:
    """Pairs and leftovers of one document's canonically sorted spans."""
    if mode == "exact":
        found = _match_exact(sorted_a, sorted_b, with_label=True)
    elif mode == "boundary":
        found = _match_boundary(sorted_a, sorted_b)
    else:
        found = _match_overlap(sorted_a, sorted_b, threshold)
    found.sort()
    pairs = [SpanPair(sorted_a[i], sorted_b[j]) for i, j in found]
    used_a = {i for i, _ in found}
    used_b = {j for _, j in found}
    unmatched_a = [span for i, span in enumerate(sorted_a) if i not in used_a]
    unmatched_b = [span for j, span in enumerate(sorted_b) if j not in used_b]
    return pairs, unmatched_a, unmatched_b


def match_spans(
    spans_a: Iterable[S], spans_b: Iterable[S], mode: str = "exact", iou: float | Fraction | None = None
) -> MatchResult[S]:
    """Match A's spans one-to-one with B's within each document; pairs and leftovers for the report.

    Modes: ``exact`` (same begin, end and label), ``overlap`` (same label and at least one shared
    character, and IoU ≥ ``iou`` when given; a maximum matching, ties resolved towards the larger
    total IoU), ``boundary`` (same begin and end, label ignored; same-label pairs are preferred so
    the pairs feed a label confusion matrix). Duplicated spans count as separate items. Inputs are
    sorted canonically first, so any storage order gives the same result.
    """
    threshold = _threshold(mode, iou)
    by_document: defaultdict[Hashable, tuple[list[S], list[S]]] = defaultdict(lambda: ([], []))
    for side, spans in enumerate((spans_a, spans_b)):
        for span in spans:
            _check(span)
            by_document[span[0]][side].append(span)
    pairs: list[SpanPair[S]] = []
    unmatched_a: list[S] = []
    unmatched_b: list[S] = []
    for document in _documents(by_document):
        raw_a, raw_b = by_document[document]
        found, left_a, left_b = _match_document(
            sorted(raw_a, key=_span_key), sorted(raw_b, key=_span_key), mode, threshold
        )
        pairs.extend(found)
        unmatched_a.extend(left_a)
        unmatched_b.extend(left_b)
    return MatchResult(tuple(pairs), tuple(unmatched_a), tuple(unmatched_b))


def pairwise_f1(
    spans_a: Iterable[S], spans_b: Iterable[S], mode: str = "exact", iou: float | Fraction | None = None
) -> F1Score:
    """Pairwise F1 of two annotators' ``(document, begin, end, label)`` spans, pooled over documents.

    See :func:`match_spans` for the modes. ``.f1`` is ``None`` when neither side has a span.
    Only pass the documents both annotators submitted: a document missing on one side counts
    as that annotator having no span there.
    """
    return match_spans(spans_a, spans_b, mode, iou).score
