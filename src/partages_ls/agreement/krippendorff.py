"""Krippendorff's α for any number of coders, missing data and four levels of measurement.

α = 1 − D_o / D_e computed from the coincidence matrix (Krippendorff 2011, "Computing
Krippendorff's Alpha-Reliability"). The matrix is built from per-unit value counts and can be
summed across documents, so a bootstrap can precompute one matrix per document and add them.
"""

from __future__ import annotations

import numbers
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal, cast, get_args

from partages_ls.agreement.results import Agreement, AgreementInputError, from_disagreements, no_data

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = get_args(Level)

Distance = Callable[[Hashable, Hashable], float]


@dataclass(frozen=True, slots=True)
class Coincidences:
    """Krippendorff's coincidence matrix: ``matrix[c, k]`` = o_ck (both orders stored), sparse.

    ``pairable`` is n, the number of pairable values (values in units with at least two of them).
    Matrices add up (``a + b``), which is how per-document matrices are pooled.
    """

    matrix: Mapping[tuple[Hashable, Hashable], float]
    pairable: int

    def __add__(self, other: Coincidences) -> Coincidences:
        merged = dict(self.matrix)
        for key, count in other.matrix.items():
            merged[key] = merged.get(key, 0.0) + count
        return Coincidences(merged, self.pairable + other.pairable)

    def totals(self) -> dict[Hashable, float]:
        """n_c: the row sums of the matrix, i.e. how often each value was pairable."""
        result: dict[Hashable, float] = {}
        for (value, _), count in self.matrix.items():
            result[value] = result.get(value, 0.0) + count
        return result


def _from_patterns(patterns: Mapping[tuple[Hashable | None, ...], int]) -> Coincidences:
    """Coincidences of units given as ``{values of a unit: how many units have them}``.

    Real data repeats a few value patterns across thousands of units, so each distinct pattern's
    contribution is computed once and weighted by its frequency.
    """
    matrix: dict[tuple[Hashable, Hashable], float] = {}
    pairable = 0
    for unit, repeats in patterns.items():
        counts = Counter(value for value in unit if value is not None)
        m = counts.total()
        if m < 2:
            continue
        pairable += m * repeats
        divisor = m - 1
        items = list(counts.items())
        for c, n_c in items:
            for k, n_k in items:
                together = n_c * (n_c - 1) if c == k else n_c * n_k
                if together:
                    matrix[c, k] = matrix.get((c, k), 0.0) + together * repeats / divisor
    return Coincidences(matrix, pairable)


def coincidences_from_units(units: Iterable[Iterable[Hashable | None]]) -> Coincidences:
    """Coincidence matrix of units given as the values their coders assigned (``None`` = missing).

    Units with fewer than two values are not pairable and contribute nothing.
    """
    return _from_patterns(Counter(map(tuple, units)))


def coincidences(reliability_data: Sequence[Sequence[Hashable | None]]) -> Coincidences:
    """Coincidence matrix of reliability data (rows are coders, columns are units)."""
    if reliability_data:
        width = len(reliability_data[0])
        for index, row in enumerate(reliability_data):
            if len(row) != width:
                raise AgreementInputError(
                    f"reliability data row {index} has {len(row)} units, row 0 has {width}; "
                    "pad missing values with None"
                )
    return _from_patterns(Counter(zip(*reliability_data, strict=True)))


def _check_level(level: str) -> Level:
    if level not in LEVELS:
        raise AgreementInputError(f"unknown level of measurement {level!r}; expected one of {', '.join(LEVELS)}")
    return cast(Level, level)


def _numeric(values: Iterable[Hashable], level: str) -> dict[Hashable, float]:
    result: dict[Hashable, float] = {}
    for value in values:
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise AgreementInputError(f"{level} α needs numeric values, got {value!r}")
        number = float(value)
        if level == "ratio" and number < 0:
            raise AgreementInputError(f"ratio α needs non-negative values, got {value!r}")
        result[value] = number
    return result


def _distance(level: Level, totals: Mapping[Hashable, float]) -> Distance:
    """The squared difference function δ² of the level, over the values present in ``totals``."""
    if level == "interval":
        numeric = _numeric(totals, level)
        return lambda c, k: (numeric[c] - numeric[k]) ** 2
    if level == "ratio":
        numeric = _numeric(totals, level)

        def ratio(c: Hashable, k: Hashable) -> float:
            x, y = numeric[c], numeric[k]
            return 0.0 if x == y else ((x - y) / (x + y)) ** 2

        return ratio
    try:
        ordered: list[Hashable] = sorted(totals)  # type: ignore[type-var]
    except TypeError as error:
        raise AgreementInputError(f"ordinal α needs mutually comparable values: {error}") from None
    rank = {value: index for index, value in enumerate(ordered)}
    cumulative = [0.0]
    for value in ordered:
        cumulative.append(cumulative[-1] + totals[value])

    def ordinal(c: Hashable, k: Hashable) -> float:
        i, j = sorted((rank[c], rank[k]))
        if i == j:
            return 0.0
        between = cumulative[j + 1] - cumulative[i] - (totals[c] + totals[k]) / 2
        return between * between

    return ordinal


def alpha_from_coincidences(matrix: Coincidences, level: str = "nominal") -> Agreement:
    """Krippendorff's α of a coincidence matrix, with D_o and D_e; ``value`` is None with no data.

    D_o = Σ o_ck δ²_ck / n and D_e = Σ n_c n_k δ²_ck / (n (n − 1)); when D_e = 0 (a single value
    was used) α is 1.0 and flagged :attr:`Note.DEGENERATE`.
    """
    checked = _check_level(level)
    n = matrix.pairable
    if n == 0:
        return no_data("disagreement")
    totals = matrix.totals()
    off_diagonal = [(c, k, count) for (c, k), count in matrix.matrix.items() if c != k]
    if checked == "nominal":
        observed_sum = sum(count for _, _, count in off_diagonal)
        expected_sum = 2 * sum(totals[c] * totals[k] for c, k in combinations(totals, 2))
    else:
        delta = _distance(checked, totals)
        observed_sum = sum(count * delta(c, k) for c, k, count in off_diagonal)
        expected_sum = 2 * sum(totals[c] * totals[k] * delta(c, k) for c, k in combinations(totals, 2))
    return from_disagreements(observed_sum / n, expected_sum / (n * (n - 1)), n)


def krippendorff_alpha_result(
    reliability_data: Sequence[Sequence[Hashable | None]], level: str = "nominal"
) -> Agreement:
    """Krippendorff's α with its D_o, D_e, n and degenerate/no-data note (see :func:`krippendorff_alpha`)."""
    _check_level(level)
    return alpha_from_coincidences(coincidences(reliability_data), level)


def krippendorff_alpha(reliability_data: Sequence[Sequence[Hashable | None]], level: str = "nominal") -> float | None:
    """Krippendorff's α; rows are coders, columns are units, ``None`` is missing (never a category).

    Levels: nominal, ordinal (rank-based metric over the sorted values), interval, ratio. Units
    with fewer than two values are ignored. Returns ``None`` when no unit is pairable, and 1.0
    (flagged in :func:`krippendorff_alpha_result`) when only one value was ever used.
    """
    return krippendorff_alpha_result(reliability_data, level).value
