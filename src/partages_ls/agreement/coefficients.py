"""Chance-corrected coefficients for categorical ratings: Cohen's κ, Scott's π, Fleiss' κ, Gwet's AC1.

Every coefficient is computed from counts with exact integer/rational arithmetic, then turned
into a float once, so degenerate cases are detected exactly and repeated calls stay cheap.
Plain functions return ``float | None``; the ``*_result`` variants return an :class:`Agreement`
carrying observed/expected agreement, the sample size and the degenerate/no-data note.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import TypeVar

from partages_ls.agreement.results import Agreement, AgreementInputError, from_agreements, no_data

L = TypeVar("L", bound=Hashable)
Ratings = Sequence[Hashable | None]


def pair_counts(a: Ratings, b: Ratings) -> Counter[tuple[Hashable, Hashable]]:
    """How often each (label of A, label of B) pair occurs; positions where either is ``None`` dropped."""
    if len(a) != len(b):
        raise AgreementInputError(f"the two label sequences differ in length ({len(a)} vs {len(b)})")
    return Counter((x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None)


def _margins(counts: Mapping[tuple[L, L], int]) -> tuple[int, int, Counter[L], Counter[L]]:
    total = agree = 0
    rows: Counter[L] = Counter()
    cols: Counter[L] = Counter()
    for (x, y), count in counts.items():
        if count < 0:
            raise AgreementInputError(f"negative count {count} for pair {(x, y)!r}")
        total += count
        rows[x] += count
        cols[y] += count
        if x == y:
            agree += count
    return total, agree, rows, cols


def cohen_kappa_counts(counts: Mapping[tuple[L, L], int]) -> Agreement:
    """Cohen's κ from a contingency mapping ``{(label of A, label of B): count}``."""
    total, agree, rows, cols = _margins(counts)
    if total == 0:
        return no_data("agreement")
    chance = sum(count * cols[label] for label, count in rows.items())
    return from_agreements(Fraction(agree, total), Fraction(chance, total * total), total)


def scott_pi_counts(counts: Mapping[tuple[L, L], int]) -> Agreement:
    """Scott's π from a contingency mapping: like κ but with the two raters' pooled marginals."""
    total, agree, rows, cols = _margins(counts)
    if total == 0:
        return no_data("agreement")
    pooled = rows + cols
    chance = sum(count * count for count in pooled.values())
    return from_agreements(Fraction(agree, total), Fraction(chance, 4 * total * total), total)


def cohen_kappa_result(a: Ratings, b: Ratings) -> Agreement:
    """Cohen's κ with P_o, P_e, the number of rated pairs and the note (see :func:`cohen_kappa`)."""
    return cohen_kappa_counts(pair_counts(a, b))


def cohen_kappa(a: Ratings, b: Ratings) -> float | None:
    """Cohen's κ of two equal-length label sequences; positions where either is ``None`` are dropped.

    ``None`` when no position is left; 1.0 (flagged degenerate) when both used one same label only.
    """
    return cohen_kappa_counts(pair_counts(a, b)).value


def scott_pi_result(a: Ratings, b: Ratings) -> Agreement:
    """Scott's π with P_o, P_e, the number of rated pairs and the note (see :func:`scott_pi`)."""
    return scott_pi_counts(pair_counts(a, b))


def scott_pi(a: Ratings, b: Ratings) -> float | None:
    """Scott's π of two equal-length label sequences, ``None`` positions dropped (as :func:`cohen_kappa`)."""
    return scott_pi_counts(pair_counts(a, b)).value


def fleiss_kappa_counts(table: Sequence[Sequence[int]]) -> Agreement:
    """Fleiss' κ from a subjects × categories table of counts, every row summing to the same n ≥ 2."""
    if not table:
        return no_data("agreement")
    width = len(table[0])
    raters = sum(table[0])
    squares = 0
    columns = [0] * width
    for index, row in enumerate(table):
        if len(row) != width:
            raise AgreementInputError(f"count table row {index} has {len(row)} categories, row 0 has {width}")
        if any(count < 0 for count in row):
            raise AgreementInputError(f"count table row {index} has a negative count")
        if sum(row) != raters:
            raise AgreementInputError(
                f"count table row {index} sums to {sum(row)} ratings, row 0 to {raters}; "
                "Fleiss' κ needs complete data (use krippendorff_alpha or gwet_ac1 otherwise)"
            )
        for column, count in enumerate(row):
            squares += count * count
            columns[column] += count
    return _fleiss(len(table), raters, squares, sum(count * count for count in columns))


def _fleiss(subjects: int, raters: int, squares: int, column_squares: int) -> Agreement:
    if raters < 2:
        raise AgreementInputError(f"Fleiss' κ needs at least 2 raters per unit, got {raters}")
    ratings = subjects * raters
    observed = Fraction(squares - ratings, ratings * (raters - 1))
    expected = Fraction(column_squares, ratings * ratings)
    return from_agreements(observed, expected, subjects)


def _patterns(items: Iterable[Ratings]) -> list[tuple[Counter[Hashable], int]]:
    """Each distinct unit's rating counts (``None`` dropped) with how many units share them.

    Real data repeats a few rating patterns across thousands of units, so counting identical
    rows first keeps the per-unit work to one pass per distinct pattern.
    """
    return [
        (Counter(rating for rating in row if rating is not None), repeats)
        for row, repeats in Counter(map(tuple, items)).items()
    ]


def fleiss_kappa_result(items: Sequence[Ratings]) -> Agreement:
    """Fleiss' κ with P̄, P_e, the number of units and the note (see :func:`fleiss_kappa`)."""
    if not items:
        return no_data("agreement")
    raters = len(items[0])
    ragged = next((index for index, row in enumerate(items) if len(row) != raters), None)
    if ragged is not None:
        raise AgreementInputError(
            f"unit {ragged} has {len(items[ragged])} ratings, unit 0 has {raters}; Fleiss' κ needs complete data"
        )
    squares = 0
    columns: Counter[Hashable] = Counter()
    for counts, repeats in _patterns(items):
        if counts.total() != raters:
            missing = next(index for index, row in enumerate(items) if None in row)
            raise AgreementInputError(
                f"unit {missing} has a missing rating (None); Fleiss' κ needs complete data "
                "(use krippendorff_alpha or gwet_ac1 for missing data)"
            )
        squares += repeats * sum(count * count for count in counts.values())
        for category, count in counts.items():
            columns[category] += repeats * count
    return _fleiss(len(items), raters, squares, sum(count * count for count in columns.values()))


def fleiss_kappa(items: Sequence[Ratings]) -> float | None:
    """Fleiss' κ; rows are units, columns are raters, complete data (``None`` or ragged rows raise).

    ``None`` when there is no unit; 1.0 (flagged degenerate) when a single category was used.
    """
    return fleiss_kappa_result(items).value


def _pairwise_agreement(patterns: Iterable[tuple[Counter[Hashable], int]]) -> tuple[Fraction, int] | None:
    """Mean over units with ≥ 2 ratings of the share of agreeing rater pairs, and how many units."""
    by_size: defaultdict[int, int] = defaultdict(int)
    count_by_size: Counter[int] = Counter()
    for counts, repeats in patterns:
        m = counts.total()
        if m >= 2:
            by_size[m] += repeats * sum(c * (c - 1) for c in counts.values())
            count_by_size[m] += repeats
    rated = count_by_size.total()
    if rated == 0:
        return None
    total = sum((Fraction(agreeing, m * (m - 1)) for m, agreeing in by_size.items()), Fraction(0))
    return total / rated, rated


def percent_agreement(items: Sequence[Ratings]) -> float | None:
    """Mean over units of pairwise agreement among the raters that rated the unit (``None`` missing).

    Units with fewer than two ratings are skipped; ``None`` when no unit has two.
    """
    result = _pairwise_agreement(_patterns(items))
    return None if result is None else float(result[0])


def gwet_ac1_result(items: Sequence[Ratings], *, categories: Collection[Hashable] | None = None) -> Agreement:
    """Gwet's AC1 with p_a, p_e, the number of units with ≥ 2 ratings and the note (see :func:`gwet_ac1`)."""
    patterns = [(counts, repeats) for counts, repeats in _patterns(items) if counts]
    agreement = _pairwise_agreement(patterns)
    if agreement is None:
        return no_data("agreement")
    observed, rated = agreement
    # π_k: mean over units rated at least once of the share of the unit's ratings in category k.
    rated_once = sum(repeats for _, repeats in patterns)
    by_size: defaultdict[int, Counter[Hashable]] = defaultdict(Counter)
    for counts, repeats in patterns:
        for category, count in counts.items():
            by_size[counts.total()][category] += repeats * count
    seen = {category for counts in by_size.values() for category in counts}
    if categories is not None:
        unknown = seen - set(categories)
        if unknown:
            raise AgreementInputError(f"ratings outside the given categories: {sorted(map(repr, unknown))}")
        q = len(set(categories))
    else:
        q = len(seen)
    if q < 2:
        return from_agreements(observed, Fraction(1), rated)
    shares: defaultdict[Hashable, Fraction] = defaultdict(Fraction)
    for m, counts in by_size.items():
        for category, count in counts.items():
            shares[category] += Fraction(count, m)
    spread = sum((share * (rated_once - share) for share in shares.values()), Fraction(0))
    expected = spread / (rated_once * rated_once * (q - 1))
    return from_agreements(observed, expected, rated)


def gwet_ac1(items: Sequence[Ratings], *, categories: Collection[Hashable] | None = None) -> float | None:
    """Gwet's (2008, 2014) multi-rater AC1; rows are units, columns are raters, ``None`` allowed.

    p_a is the mean pairwise agreement over units with ≥ 2 ratings, p_e = Σ π_k(1 − π_k)/(q − 1)
    with π_k averaged over units rated at least once; q is the number of observed categories
    unless ``categories`` gives the full set. ``None`` when no unit has two ratings.
    """
    return gwet_ac1_result(items, categories=categories).value
