"""Krippendorff's α_u for unitizing: agreement on where units are and which category they have.

Follows Krippendorff (2004, "Measuring the reliability of qualitative text analysis data") as
DKPro Statistics' ``KrippendorffAlphaUnitizingAgreement`` implements it: each category is treated
on its own, every rater's continuum is cut into that category's units and the gaps between them
("segments" without a category), observed disagreement sums the distances between intersecting
segments of every rater pair, and the overall figure is 1 − mean_c D_o / mean_c D_e.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate, combinations
from typing import Any, cast

from partages_ls.agreement.results import Agreement, AgreementInputError, from_disagreements, no_data

UnitizingUnit = tuple[Hashable, Hashable, int, int]
"""(rater, category, begin, length) of one unit on the continuum."""

Segment = tuple[int, int, bool]
"""[start, end) of a unit (True) or of a gap (False) in one rater's view of one category."""


@dataclass(frozen=True, slots=True)
class UnitizingAgreement:
    """α_u overall and per category; each :class:`Agreement` carries D_o, D_e and its note."""

    overall: Agreement
    categories: Mapping[Hashable, Agreement]
    raters: int

    @property
    def value(self) -> float | None:
        """The overall α_u (``None`` with no data)."""
        return self.overall.value


def _canonical(items: Iterable[Hashable]) -> list[Hashable]:
    values = list(items)
    try:
        return sorted(cast("list[Any]", values))
    except TypeError:
        return sorted(values, key=repr)


def _intervals(
    units: Sequence[UnitizingUnit], begin: int, length: int, merge_overlaps: bool
) -> dict[Hashable, dict[Hashable, list[tuple[int, int]]]]:
    """[start, end) of each category's units, per category and rater, sorted and checked."""
    end_of_continuum = begin + length
    grouped: defaultdict[Hashable, defaultdict[Hashable, list[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for rater, category, start, size in units:
        if category is None:
            raise AgreementInputError(f"unit {(rater, category, start, size)!r} has no category")
        if size <= 0:
            raise AgreementInputError(f"unit {(rater, category, start, size)!r} has a non-positive length")
        if start < begin or start + size > end_of_continuum:
            raise AgreementInputError(
                f"unit {(rater, category, start, size)!r} lies outside the continuum [{begin}, {end_of_continuum})"
            )
        grouped[category][rater].append((start, start + size))
    result: dict[Hashable, dict[Hashable, list[tuple[int, int]]]] = {}
    for category, by_rater in grouped.items():
        result[category] = {}
        for rater, spans in by_rater.items():
            spans.sort()
            kept: list[tuple[int, int]] = []
            for start, end in spans:
                if kept and start < kept[-1][1]:
                    if not merge_overlaps:
                        raise AgreementInputError(
                            f"rater {rater!r} has overlapping {category!r} units {kept[-1]} and "
                            f"{(start, end)}; α_u needs non-overlapping units per rater and category "
                            "(or merge_overlaps=True)"
                        )
                    kept[-1] = (kept[-1][0], max(kept[-1][1], end))
                else:
                    kept.append((start, end))
            result[category][rater] = kept
    return result


def _segments(spans: Sequence[tuple[int, int]], begin: int, end: int) -> list[Segment]:
    """The rater's continuum cut into its units and the gaps between them."""
    segments: list[Segment] = []
    position = begin
    for start, stop in spans:
        if start > position:
            segments.append((position, start, False))
        segments.append((start, stop, True))
        position = stop
    if position < end:
        segments.append((position, end, False))
    return segments


def _distance(first: Segment, second: Segment) -> int:
    """Krippendorff's δ² between segments of two raters: overlapping units, or a unit inside a gap."""
    start1, end1, unit1 = first
    start2, end2, unit2 = second
    if unit1 and unit2 and start1 < end2 and start2 < end1:
        return (start1 - start2) ** 2 + (end1 - end2) ** 2
    if unit1 and not unit2 and start1 >= start2 and end1 <= end2:
        return (end1 - start1) ** 2
    if unit2 and not unit1 and start2 >= start1 and end2 <= end1:
        return (end2 - start2) ** 2
    return 0


def _observed_sum(first: Sequence[Segment], second: Sequence[Segment]) -> int:
    """Σ δ² over every pair of intersecting segments (both lists partition the continuum)."""
    total = i = j = 0
    while i < len(first) and j < len(second):
        total += _distance(first[i], second[j])
        end1, end2 = first[i][1], second[j][1]
        if end1 <= end2:
            i += 1
        if end2 <= end1:
            j += 1
    return total


def _category(
    spans_by_rater: Mapping[Hashable, Sequence[tuple[int, int]]],
    raters: Sequence[Hashable],
    begin: int,
    length: int,
) -> tuple[Fraction, Fraction, int]:
    """D_o, D_e and the number of units of one category."""
    rater_count = len(raters)
    segments = [_segments(spans_by_rater.get(rater, ()), begin, begin + length) for rater in raters]
    observed = sum(_observed_sum(first, second) for first, second in combinations(segments, 2))
    d_observed = Fraction(2 * observed, rater_count * (rater_count - 1) * length * length)

    lengths = [end - start for per_rater in segments for start, end, is_unit in per_rater if is_unit]
    gaps = sorted(end - start for per_rater in segments for start, end, is_unit in per_rater if not is_unit)
    # suffix[i] = sum of gaps[i:], so Σ_{g ≥ l} (g − l + 1) is one bisection away.
    suffix = list(accumulate(reversed(gaps), initial=0))[::-1]
    units = len(lengths)
    numerator = 0
    for size in lengths:
        index = bisect_left(gaps, size)
        fitting = len(gaps) - index
        numerator += (units - 1) * size * (size - 1) * (2 * size - 1) // 3
        numerator += size * size * (suffix[index] - (size - 1) * fitting)
    squares = sum(size * (size - 1) for size in lengths)
    denominator = rater_count * length * (rater_count * length - 1) - squares
    d_expected = Fraction(2 * numerator, length * denominator)
    return d_observed, d_expected, units


def alpha_unitizing(
    units: Sequence[UnitizingUnit],
    begin: int,
    length: int,
    *,
    raters: Collection[Hashable] | None = None,
    merge_overlaps: bool = False,
) -> UnitizingAgreement:
    """Krippendorff's α_u of ``(rater, category, unit_begin, unit_length)`` units on [begin, begin + length).

    Per category c: α_c = 1 − D_o,c / D_e,c; overall (DKPro semantics) 1 − mean_c D_o / mean_c D_e.
    Raters are those named in ``units`` unless ``raters`` lists them all (a rater who marked
    nothing still counts). Fewer than two raters or no unit gives ``None`` values flagged
    :attr:`Note.NO_DATA`; D_e = D_o = 0 gives 1.0 flagged :attr:`Note.DEGENERATE` (DKPro returns 0.0
    there). A rater's units of one category must not overlap; ``merge_overlaps=True`` merges them.
    """
    if length <= 0:
        raise AgreementInputError(f"the continuum length must be positive, got {length}")
    by_category = _intervals(units, begin, length, merge_overlaps)
    named = {rater for spans_by_rater in by_category.values() for rater in spans_by_rater}
    if raters is None:
        rater_list = _canonical(named)
    else:
        rater_list = _canonical(set(raters))
        unknown = named - set(rater_list)
        if unknown:
            raise AgreementInputError(f"units by raters not listed in `raters`: {_canonical(unknown)!r}")
    categories = _canonical(by_category)
    if len(rater_list) < 2 or not categories:
        return UnitizingAgreement(
            no_data("disagreement"),
            {category: no_data("disagreement") for category in categories},
            len(rater_list),
        )
    parts = {category: _category(by_category[category], rater_list, begin, length) for category in categories}
    return _combine(parts, len(rater_list))


def _combine(parts: dict[Hashable, tuple[Fraction, Fraction, int]], raters: int) -> UnitizingAgreement:
    """Each category's α_u from its (observed, expected disagreement, units), and the overall α_u from the
    categories' mean disagreements."""
    per_category = {category: from_disagreements(float(o), float(e), n) for category, (o, e, n) in parts.items()}
    observed = sum((o for o, _, _ in parts.values()), Fraction(0))
    expected = sum((e for _, e, _ in parts.values()), Fraction(0))
    units = sum(n for _, _, n in parts.values())
    overall = from_disagreements(float(observed / len(parts)), float(expected / len(parts)), units)
    return UnitizingAgreement(overall, per_category, raters)


class UnitizingSums:
    """α_u of documents laid end to end, summed one document at a time: what :func:`alpha_unitizing`
    gives on their concatenation (``merge_overlaps=True``) without holding every unit.

    The observed disagreement of the concatenation is the sum of each document's (units never cross a
    document's end, and a gap running over the boundary contains the same units as its two halves);
    the expected one only needs how many units and gaps of each length there are. Gaps touching a
    document's ends join the neighbours' in report order, so each document keeps, per category and
    rater, its leading and trailing gap until :meth:`result` lays the documents out in order.
    """

    def __init__(self) -> None:
        self.observed: defaultdict[Hashable, int] = defaultdict(int)
        self.unit_lengths: defaultdict[Hashable, Counter[int]] = defaultdict(Counter)
        self.gap_lengths: defaultdict[Hashable, Counter[int]] = defaultdict(Counter)
        self.categories: dict[Hashable, int] = {}
        self.raters: dict[Hashable, int] = {}
        self.documents: list[tuple[str, int, array[int]]] = []
        self.length = 0

    def add(
        self, key: str, length: int, raters: Sequence[Hashable], units: Iterable[tuple[Hashable, Hashable, int, int]]
    ) -> None:
        """One document (``key`` orders the documents) of ``length`` characters rated by ``raters``: its
        ``(rater, category, begin, end)`` units, end > begin."""
        grouped: defaultdict[Hashable, defaultdict[Hashable, list[tuple[int, int]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for rater, category, begin, end in units:
            grouped[category][rater].append((begin, end))
        edges = array("i")
        for category, by_rater in grouped.items():
            category_index = self.categories.setdefault(category, len(self.categories))
            lengths, gaps = self.unit_lengths[category], self.gap_lengths[category]
            segments = []
            for rater in raters:
                kept: list[tuple[int, int]] = []
                for start, end in sorted(by_rater.get(rater, ())):
                    if kept and start < kept[-1][1]:
                        kept[-1] = (kept[-1][0], max(kept[-1][1], end))
                    else:
                        kept.append((start, end))
                segments.append(_segments(kept, 0, length))
                if not kept:
                    continue
                # Counted in plain loops: a Counter.update call per rater and category costs more than the few units.
                for start, end in kept:
                    lengths[end - start] += 1
                for i in range(len(kept) - 1):
                    if kept[i + 1][0] > kept[i][1]:
                        gaps[kept[i + 1][0] - kept[i][1]] += 1
                rater_index = self.raters.setdefault(rater, len(self.raters))
                edges.extend((category_index, rater_index, kept[0][0], length - kept[-1][1]))
            self.observed[category] += sum(_observed_sum(first, second) for first, second in combinations(segments, 2))
        self.documents.append((key, length, edges))
        self.length += length

    def result(self, raters: Collection[Hashable]) -> UnitizingAgreement:
        """α_u overall and per category, the documents laid end to end in the order of their keys."""
        rater_list = _canonical(set(raters))
        categories = _canonical(self.unit_lengths)
        if len(rater_list) < 2 or not categories:
            return UnitizingAgreement(
                no_data("disagreement"), {category: no_data("disagreement") for category in categories}, len(rater_list)
            )
        self.documents.sort(key=lambda document: document[0])
        total = sum(length for _, length, _ in self.documents)
        category_names = {index: name for name, index in self.categories.items()}
        rater_names = {index: name for name, index in self.raters.items()}
        running = {(name, rater): 0 for name in self.categories for rater in rater_list}
        for _, length, edges in self.documents:
            touched = set()
            for position in range(0, len(edges), 4):
                category_index, rater_index, lead, trail = edges[position : position + 4]
                key = (category_names[category_index], rater_names[rater_index])
                gap = running[key] + lead
                if gap > 0:
                    self.gap_lengths[key[0]][gap] += 1
                running[key] = trail
                touched.add(key)
            for key in running:
                if key not in touched:
                    running[key] += length
        for (name, _), gap in running.items():
            if gap > 0:
                self.gap_lengths[name][gap] += 1
        count = len(rater_list)
        parts: dict[Hashable, tuple[Fraction, Fraction, int]] = {}
        for category in categories:
            d_observed = Fraction(2 * self.observed[category], count * (count - 1) * total * total)
            d_expected, units = _expected(self.unit_lengths[category], self.gap_lengths[category], count, total)
            parts[category] = (d_observed, d_expected, units)
        return _combine(parts, count)


def _expected(lengths: Counter[int], gaps: Counter[int], raters: int, total: int) -> tuple[Fraction, int]:
    """D_e of one category from how many units and gaps of each length all raters have (see :func:`_category`)."""
    sizes = sorted(gaps)
    suffix_count = list(accumulate((gaps[g] for g in reversed(sizes)), initial=0))[::-1]
    suffix_sum = list(accumulate((g * gaps[g] for g in reversed(sizes)), initial=0))[::-1]
    units = sum(lengths.values())
    numerator = squares = 0
    for size, times in lengths.items():
        index = bisect_left(sizes, size)
        fitting, fitting_sum = suffix_count[index], suffix_sum[index]
        numerator += times * ((units - 1) * size * (size - 1) * (2 * size - 1) // 3)
        numerator += times * (size * size * (fitting_sum - (size - 1) * fitting))
        squares += times * size * (size - 1)
    denominator = raters * total * (raters * total - 1) - squares
    return Fraction(2 * numerator, total * denominator), units
