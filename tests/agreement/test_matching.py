"""Span matching and pairwise F1: modes, nested/overlapping spans, order independence, optimality."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partages_ls.agreement import (
    AgreementInputError,
    F1Score,
    MatchResult,
    Span,
    match_spans,
    pairwise_f1,
    span_iou,
)
from partages_ls.agreement.matching import canonical, match_sorted

MODES = ("exact", "overlap", "boundary")


def spans(*items: tuple[int, int, str], document: str = "d") -> list[Span]:
    return [Span(document, begin, end, label) for begin, end, label in items]


# --- hand-checked cases -----------------------------------------------------------------------


def test_exact_counts_duplicates_separately() -> None:
    a = spans((0, 5, "X"), (0, 5, "X"), (7, 9, "Y"))
    b = spans((0, 5, "X"), (7, 9, "Z"))
    result = match_spans(a, b, "exact")
    assert (result.matched, result.a, result.b) == (1, 3, 2)
    assert result.unmatched_a == (Span("d", 0, 5, "X"), Span("d", 7, 9, "Y"))
    assert result.unmatched_b == (Span("d", 7, 9, "Z"),)
    assert pairwise_f1(a, b).f1 == pytest.approx(2 / 5)
    assert pairwise_f1(a, a).f1 == 1.0


def test_documents_never_match_across() -> None:
    a = spans((0, 5, "X"), document="one")
    b = spans((0, 5, "X"), document="two")
    for mode in MODES:
        assert pairwise_f1(a, b, mode).matched == 0


def test_boundary_ignores_labels_but_pairs_same_labels_first() -> None:
    a = spans((0, 5, "X"), (0, 5, "Y"), (6, 8, "X"))
    b = spans((0, 5, "Z"), (0, 5, "Y"), (6, 9, "X"))
    result = match_spans(a, b, "boundary")
    assert [(pair.a.label, pair.b.label, pair.same_label) for pair in result.pairs] == [
        ("X", "Z", False),
        ("Y", "Y", True),
    ]
    assert result.unmatched_a == (Span("d", 6, 8, "X"),)
    assert pairwise_f1(a, b, "exact").matched == 1


def test_overlap_nested_spans_prefer_the_larger_iou() -> None:
    a = spans((0, 20, "X"))
    b = spans((0, 5, "X"), (10, 20, "X"))
    result = match_spans(a, b, "overlap")
    assert result.matched == 1
    assert result.pairs[0].b == Span("d", 10, 20, "X")
    assert result.pairs[0].iou == pytest.approx(0.5)
    assert result.unmatched_b == (Span("d", 0, 5, "X"),)


def test_overlap_is_a_maximum_matching_where_greedy_is_not() -> None:
    # Greedy by IoU takes A1–B1 (5/12) first and strands A2; the maximum matching pairs both.
    a = spans((0, 10, "X"), (8, 20, "X"))
    b = spans((5, 12, "X"), (0, 3, "X"))
    result = match_spans(a, b, "overlap")
    assert result.matched == 2
    assert {(pair.a.begin, pair.b.begin) for pair in result.pairs} == {(0, 0), (8, 5)}


def test_overlap_needs_the_same_label_and_a_shared_character() -> None:
    assert pairwise_f1(spans((0, 5, "X")), spans((0, 5, "Y")), "overlap").matched == 0
    assert pairwise_f1(spans((0, 5, "X")), spans((5, 9, "X")), "overlap").matched == 0
    assert pairwise_f1(spans((0, 5, "X")), spans((4, 9, "X")), "overlap").matched == 1


def test_overlap_iou_threshold() -> None:
    a, b = spans((0, 10, "X")), spans((5, 15, "X"))  # IoU = 1/3
    assert pairwise_f1(a, b, "overlap", iou=0.3).matched == 1
    assert pairwise_f1(a, b, "overlap", iou=Fraction(1, 3)).matched == 1
    assert pairwise_f1(a, b, "overlap", iou=0.34).matched == 0
    assert pairwise_f1(a, a, "overlap", iou=1.0).matched == 1
    assert span_iou(a[0], b[0]) == pytest.approx(1 / 3)


def test_zero_length_spans_match_by_offsets_only() -> None:
    empty = spans((3, 3, "X"))
    assert pairwise_f1(empty, empty, "exact").matched == 1
    assert pairwise_f1(empty, empty, "boundary").matched == 1
    assert pairwise_f1(empty, empty, "overlap").matched == 0
    assert span_iou(empty[0], empty[0]) == 0.0


def test_f1_without_spans_is_none_and_scores_pool() -> None:
    score = pairwise_f1([], [])
    assert (score.matched, score.a, score.b, score.f1) == (0, 0, 0, None)
    assert pairwise_f1(spans((0, 1, "X")), []).f1 == 0.0
    pooled = F1Score(1, 2, 2) + F1Score(0, 0, 0) + F1Score(3, 3, 4)
    assert pooled == F1Score(4, 5, 6)
    assert pooled.f1 == pytest.approx(8 / 11)


def test_extra_fields_ride_along() -> None:
    a = [("d", 0, 5, "X", "region-a1"), ("d", 0, 5, "X", "region-a2")]
    b = [("d", 0, 5, "X", "region-b1")]
    result = match_spans(a, b, "exact")
    assert result.pairs[0].a[4] == "region-a1"
    assert result.pairs[0].b[4] == "region-b1"
    assert result.unmatched_a == (("d", 0, 5, "X", "region-a2"),)


def test_mixed_document_types_still_sort() -> None:
    a = [(1, 0, 5, "X"), ("one", 0, 5, "X")]
    result = match_spans(a, list(reversed(a)), "exact")
    assert result.matched == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "fuzzy"}, "unknown matching mode"),
        ({"mode": "exact", "iou": 0.5}, "only applies to overlap"),
        ({"mode": "overlap", "iou": 0}, r"\(0, 1\]"),
        ({"mode": "overlap", "iou": 1.5}, r"\(0, 1\]"),
    ],
)
def test_invalid_options(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(AgreementInputError, match=message):
        match_spans(spans((0, 1, "X")), [], **kwargs)


def test_invalid_spans() -> None:
    with pytest.raises(ValueError, match="ends before it begins"):
        pairwise_f1(spans((5, 1, "X")), [])
    with pytest.raises(AgreementInputError, match="not \\(document"):
        pairwise_f1([("d", 0, 1)], [])


# --- properties ---------------------------------------------------------------------------------

span_strategy = st.builds(
    lambda document, begin, size, label: Span(document, begin, begin + size, label),
    st.sampled_from(["d1", "d2"]),
    st.integers(0, 20),
    st.integers(0, 8),
    # Labels of mixed types (not mutually comparable) must not disturb the canonical order.
    st.sampled_from(["X", "Y", 3]),
)
span_lists = st.lists(span_strategy, max_size=8)


@settings(max_examples=300, deadline=None)
@given(span_lists, span_lists, st.sampled_from(MODES), st.sampled_from([None, 0.5]), st.data())
def test_shuffled_inputs_give_the_same_result(
    a: list[Span], b: list[Span], mode: str, iou: float | None, data: st.DataObject
) -> None:
    iou = iou if mode == "overlap" else None
    expected = match_spans(a, b, mode, iou)
    shuffled = match_spans(data.draw(st.permutations(a)), data.draw(st.permutations(b)), mode, iou)
    assert shuffled == expected
    # Swapping the annotators swaps the sides, never the number of matches.
    assert match_spans(b, a, mode, iou).matched == expected.matched
    assert expected.a == len(a)
    assert expected.b == len(b)


@settings(max_examples=200, deadline=None)
@given(span_lists, span_lists)
def test_exact_and_boundary_equal_multiset_intersections(a: list[Span], b: list[Span]) -> None:
    assert pairwise_f1(a, b, "exact").matched == (Counter(a) & Counter(b)).total()
    offsets_a = Counter(span[:3] for span in a)
    offsets_b = Counter(span[:3] for span in b)
    assert pairwise_f1(a, b, "boundary").matched == (offsets_a & offsets_b).total()


def _best_by_brute_force(a: Sequence[Span], b: Sequence[Span], iou: float | None) -> tuple[int, Fraction]:
    """(cardinality, total IoU) of the best matching, by trying every matching of each group."""
    threshold = None if iou is None else Fraction(str(iou))

    def weight(x: Span, y: Span) -> Fraction | None:
        inter = min(x.end, y.end) - max(x.begin, y.begin)
        if x.document != y.document or x.label != y.label or inter <= 0:
            return None
        value = Fraction(inter, max(x.end, y.end) - min(x.begin, y.begin))
        return value if threshold is None or value >= threshold else None

    def best(index: int, used: frozenset[int]) -> tuple[int, Fraction]:
        if index == len(a):
            return 0, Fraction(0)
        options = [best(index + 1, used)]
        for j, y in enumerate(b):
            w = weight(a[index], y)
            if j not in used and w is not None:
                count, total = best(index + 1, used | {j})
                options.append((count + 1, total + w))
        return max(options)

    return best(0, frozenset())


def _achieved(result: MatchResult[Span]) -> tuple[int, Fraction]:
    total = sum(
        (
            Fraction(
                min(p.a.end, p.b.end) - max(p.a.begin, p.b.begin),
                max(p.a.end, p.b.end) - min(p.a.begin, p.b.begin),
            )
            for p in result.pairs
        ),
        Fraction(0),
    )
    return result.matched, total


@settings(max_examples=300, deadline=None)
@given(
    st.lists(span_strategy, max_size=6),
    st.lists(span_strategy, max_size=6),
    st.sampled_from([None, 0.25, 0.5]),
)
def test_overlap_matching_is_maximum_then_heaviest(a: list[Span], b: list[Span], iou: float | None) -> None:
    result = match_spans(a, b, "overlap", iou)
    for pair in result.pairs:
        assert pair.a.document == pair.b.document
        assert pair.a.label == pair.b.label
        assert pair.iou > 0
    assert _achieved(result) == _best_by_brute_force(a, b, iou)


def test_dense_overlap_component_is_solved() -> None:
    # One long span against many short ones, plus a chain: a component bigger than a single edge.
    a = spans((0, 100, "X"), *((10 * k, 10 * k + 12, "X") for k in range(1, 9)))
    b = spans(*((10 * k + 2, 10 * k + 10, "X") for k in range(10)))
    result = match_spans(a, b, "overlap")
    assert result.matched == 9
    used: defaultdict[Span, int] = defaultdict(int)
    for pair in result.pairs:
        used[pair.b] += 1
    assert max(used.values()) == 1


@settings(max_examples=300, deadline=None)
@given(span_lists, span_lists, st.sampled_from(MODES), st.sampled_from([None, 0.5]), st.data())
def test_one_document_sorted_once_matches_as_match_spans(
    a: list[Span], b: list[Span], mode: str, iou: float | None, data: st.DataObject
) -> None:
    """The streamed report's fast path: each side sorted once (canonical), then matched, leftovers again."""
    a = [span._replace(document="d") for span in data.draw(st.permutations(a))]
    b = [span._replace(document="d") for span in data.draw(st.permutations(b))]
    iou = iou if mode == "overlap" else None
    result = match_sorted(canonical(a), canonical(b), mode, iou)
    assert result == match_spans(a, b, mode, iou)
    # Leftovers are a subsequence of a canonical list: canonical themselves, matched as they stand.
    for second in MODES:
        threshold = iou if second == "overlap" else None
        again = match_sorted(result.unmatched_a, result.unmatched_b, second, threshold)
        assert again == match_spans(result.unmatched_a, result.unmatched_b, second, threshold)
