"""Krippendorff's α_u: distance function, observed sweep, conventions and input checks."""

from __future__ import annotations

import random
from collections.abc import Hashable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partages_ls.agreement import AgreementInputError, Note, alpha_unitizing
from partages_ls.agreement.unitizing import Segment, _distance, _observed_sum, _segments

DKPRO_EXAMPLE: list[tuple[Hashable, Hashable, int, int]] = [
    (0, "c", 225, 70),
    (0, "c", 370, 30),
    (1, "c", 220, 80),
    (1, "c", 355, 20),
    (1, "c", 400, 20),
    (0, "k", 180, 60),
    (0, "k", 300, 50),
    (1, "k", 180, 60),
    (1, "k", 300, 50),
]


def segment(offset: int, length: int, unit: bool) -> Segment:
    return (offset, offset + length, unit)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # DKPro's Krippendorff2004Test distance examples, as (offset, length, is_unit).
        (segment(5, 6, True), segment(4, 2, True), 26),
        (segment(5, 6, True), segment(5, 2, True), 16),
        (segment(5, 6, True), segment(6, 2, True), 10),
        (segment(5, 6, True), segment(7, 2, True), 8),
        (segment(5, 6, True), segment(6, 4, True), 2),
        (segment(5, 6, True), segment(5, 6, True), 0),
        (segment(225, 70, True), segment(220, 80, True), 50),
        (segment(370, 30, True), segment(355, 20, True), 850),
        (segment(400, 50, False), segment(400, 20, True), 400),
        # Units that do not overlap, or a unit only partly inside a gap, cost nothing here.
        (segment(0, 1, True), segment(1, 1, True), 0),
        (segment(0, 10, True), segment(5, 10, False), 0),
        (segment(0, 10, False), segment(0, 10, False), 0),
    ],
)
def test_distance(first: Segment, second: Segment, expected: int) -> None:
    assert _distance(first, second) == expected
    assert _distance(second, first) == expected


def test_distance_unit_in_gap_pairs() -> None:
    assert (
        _distance(segment(2, 3, False), segment(2, 2, True)) + _distance(segment(5, 6, True), segment(4, 7, False))
        == 40
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 8)), max_size=6),
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 8)), max_size=6),
)
def test_sweep_equals_sum_over_all_segment_pairs(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> None:
    def disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        kept: list[tuple[int, int]] = []
        for start, size in sorted(spans):
            end = min(start + size, 50)
            if (not kept or start >= kept[-1][1]) and end > start:
                kept.append((start, end))
        return kept

    segments_1 = _segments(disjoint(first), 0, 50)
    segments_2 = _segments(disjoint(second), 0, 50)
    brute = sum(_distance(x, y) for x in segments_1 for y in segments_2)
    assert _observed_sum(segments_1, segments_2) == brute


def test_perfect_agreement_is_one() -> None:
    units = [(rater, label, 10, 5) for rater in "AB" for label in ("x",)] + [(rater, "y", 20, 10) for rater in "AB"]
    result = alpha_unitizing(units, 0, 50)
    assert result.value == 1.0
    assert result.overall.note is None
    assert all(agreement.value == 1.0 for agreement in result.categories.values())


def test_disagreement_lowers_alpha_and_missing_units_count() -> None:
    agree = alpha_unitizing([("A", "x", 10, 5), ("B", "x", 10, 5), ("A", "x", 30, 5)], 0, 50)
    assert agree.value is not None
    assert agree.value < 1.0
    assert agree.categories["x"].observed == pytest.approx(2 * 25 / (2 * 50 * 50))


def test_silent_rater_counts_when_listed() -> None:
    units = [("A", "x", 10, 5), ("B", "x", 10, 5)]
    two = alpha_unitizing(units, 0, 50)
    three = alpha_unitizing(units, 0, 50, raters=["A", "B", "C"])
    assert (two.raters, three.raters) == (2, 3)
    assert two.value == 1.0
    assert three.value is not None
    assert three.value < 1.0
    with pytest.raises(AgreementInputError, match="not listed"):
        alpha_unitizing(units, 0, 50, raters=["A"])


def test_three_raters_is_order_independent() -> None:
    units = [*DKPRO_EXAMPLE, (2, "c", 230, 60), (2, "k", 185, 50), (2, "k", 300, 40)]
    expected = alpha_unitizing(units, 150, 300)
    shuffled = units[:]
    random.Random(7).shuffle(shuffled)
    assert alpha_unitizing(shuffled, 150, 300) == expected
    assert expected.raters == 3
    assert expected.value is not None
    assert 0 < expected.value < 1


def test_degenerate_and_no_data() -> None:
    whole = alpha_unitizing([("A", "x", 0, 1), ("B", "x", 0, 1)], 0, 1)
    assert (whole.value, whole.overall.note) == (1.0, Note.DEGENERATE)
    assert whole.categories["x"].degenerate
    one_rater = alpha_unitizing([("A", "x", 0, 5)], 0, 10)
    assert one_rater.value is None
    assert one_rater.overall.note is Note.NO_DATA
    assert one_rater.categories["x"].note is Note.NO_DATA
    nothing = alpha_unitizing([], 0, 10, raters=["A", "B"])
    assert (nothing.value, nothing.overall.note, dict(nothing.categories)) == (None, Note.NO_DATA, {})


def test_overlapping_units_of_one_rater() -> None:
    units = [("A", "x", 0, 10), ("A", "x", 5, 10), ("B", "x", 0, 15)]
    with pytest.raises(AgreementInputError, match="overlapping"):
        alpha_unitizing(units, 0, 20)
    merged = alpha_unitizing(units, 0, 20, merge_overlaps=True)
    assert merged.value == alpha_unitizing([("A", "x", 0, 15), ("B", "x", 0, 15)], 0, 20).value
    # Adjacent units are distinct units, not an overlap; other categories may overlap freely.
    alpha_unitizing([("A", "x", 0, 5), ("A", "x", 5, 5), ("A", "y", 2, 6), ("B", "x", 0, 10)], 0, 20)


@pytest.mark.parametrize(
    ("units", "message"),
    [
        ([("A", "x", 0, 0)], "non-positive length"),
        ([("A", "x", -1, 3)], "outside the continuum"),
        ([("A", "x", 8, 3)], "outside the continuum"),
        ([("A", None, 0, 3)], "no category"),
    ],
)
def test_invalid_units(units: list[tuple[Hashable, Hashable, int, int]], message: str) -> None:
    with pytest.raises(AgreementInputError, match=message):
        alpha_unitizing(units, 0, 10)


def test_invalid_continuum() -> None:
    with pytest.raises(AgreementInputError, match="continuum length"):
        alpha_unitizing([], 0, 0)
