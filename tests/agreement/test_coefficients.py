"""Hand-checked small cases for the coefficients: perfect, total disagreement, missing, degenerate."""

from __future__ import annotations

from collections.abc import Hashable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partages_ls.agreement import (
    AgreementInputError,
    Note,
    alpha_from_coincidences,
    cohen_kappa,
    cohen_kappa_result,
    coincidences,
    coincidences_from_units,
    fleiss_kappa,
    fleiss_kappa_counts,
    fleiss_kappa_result,
    gwet_ac1,
    gwet_ac1_result,
    krippendorff_alpha,
    krippendorff_alpha_result,
    percent_agreement,
    scott_pi,
    scott_pi_result,
)

LEVELS = ("nominal", "ordinal", "interval", "ratio")


# --- Krippendorff's α -------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_perfect_agreement_is_one_and_not_degenerate(level: str) -> None:
    result = krippendorff_alpha_result([[1, 2, 3, 1], [1, 2, 3, 1], [1, None, 3, None]], level)
    assert result.value == 1.0
    assert result.note is None
    assert result.observed == 0.0


def test_alpha_total_disagreement_two_coders() -> None:
    # Two units, opposite values: D_o = 1, D_e = 2/3 (small-sample correction), α = −0.5.
    result = krippendorff_alpha_result([["A", "B"], ["B", "A"]])
    assert result.value == pytest.approx(-0.5)
    assert result.observed == pytest.approx(1.0)
    assert result.expected == pytest.approx(2 / 3)


def test_alpha_interval_by_hand() -> None:
    # Units (1, 2) and (2, 3): o_12 = o_21 = o_23 = o_32 = 1, n = 4, n_1 = 1, n_2 = 2, n_3 = 1.
    # D_o = 4·1/4 = 1; D_e = 2·(1·2·1 + 1·1·4 + 2·1·1)/(4·3) = 16/12; α = 1 − 12/16 = 0.25.
    assert krippendorff_alpha([[1, 2], [2, 3]], "interval") == pytest.approx(0.25)


def test_alpha_ordinal_uses_ranks_not_values() -> None:
    # Ordinal α depends only on the order of the values: relabelling monotonically changes nothing.
    data: list[list[int | None]] = [[1, 2, 3, 3, 1], [1, 3, 3, 2, 2], [2, 2, None, 3, 1]]
    spread = [[{1: 1, 2: 50, 3: 1000}[v] if v is not None else None for v in row] for row in data]
    assert krippendorff_alpha(data, "ordinal") == pytest.approx(krippendorff_alpha(spread, "ordinal"))
    assert krippendorff_alpha(data, "interval") != pytest.approx(krippendorff_alpha(spread, "interval"))


def test_alpha_missing_is_never_a_category() -> None:
    with_none: list[list[int | None]] = [[1, 1, None, 2], [1, None, None, 2], [None, 1, 3, 2]]
    dropped: list[list[int | None]] = [[1, 1, 2], [1, None, 2], [None, 1, 2]]  # the all-but-one-missing unit removed
    assert krippendorff_alpha(with_none) == krippendorff_alpha(dropped) == 1.0


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_single_value_is_degenerate(level: str) -> None:
    result = krippendorff_alpha_result([[3, 3, None], [3, 3, 3]], level)
    assert result.value == 1.0
    assert result.note is Note.DEGENERATE
    assert result.degenerate
    assert "1.0" in result.reason


@pytest.mark.parametrize("data", [[], [[1, 2, 3]], [[1, None], [None, 2]], [[None, None], [None, None]]], ids=str)
def test_alpha_without_pairable_values_is_no_data(data: list[list[int | None]]) -> None:
    result = krippendorff_alpha_result(data)
    assert result.value is None
    assert result.note is Note.NO_DATA
    assert result.n == 0
    assert krippendorff_alpha(data) is None


def test_alpha_errors_are_typed_value_errors() -> None:
    with pytest.raises(AgreementInputError, match="row 1 has 2 units"):
        krippendorff_alpha([[1, 2, 3], [1, 2]])
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha([[1], [1]], "cardinal")
    with pytest.raises(AgreementInputError, match="numeric"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], "interval")
    with pytest.raises(AgreementInputError, match="non-negative"):
        krippendorff_alpha([[-1, 2], [1, 2]], "ratio")
    with pytest.raises(AgreementInputError, match="comparable"):
        krippendorff_alpha([["a", 1], ["a", 2]], "ordinal")


def test_coincidences_add_up_across_documents() -> None:
    first: list[list[int | None]] = [[1, 2, 2], [1, 3, None]]
    second: list[list[int | None]] = [[None, 2], [4, 2], [4, 1]]
    pooled = coincidences_from_units([*zip(*first, strict=True), *zip(*second, strict=True)])
    summed = coincidences(first) + coincidences(second)
    assert summed.pairable == pooled.pairable == 9
    for level in LEVELS:
        assert alpha_from_coincidences(summed, level).value == pytest.approx(
            alpha_from_coincidences(pooled, level).value
        )


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("abc")), min_size=1, max_size=30))
def test_alpha_two_coders_relates_to_scott_pi(pairs: list[tuple[str, str]]) -> None:
    # Two coders, complete nominal data: α = 1 − (2N − 1)/(2N) · (1 − π) (Krippendorff 2004).
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    alpha = krippendorff_alpha_result([a, b])
    pi = scott_pi_result(a, b)
    if pi.note is Note.DEGENERATE:
        assert alpha.note is Note.DEGENERATE
        return
    assert pi.value is not None
    n = len(pairs)
    assert alpha.value == pytest.approx(1 - (2 * n - 1) / (2 * n) * (1 - pi.value))


# --- Cohen's κ and Scott's π ------------------------------------------------------------------


def test_kappa_and_pi_perfect_and_total_disagreement() -> None:
    assert cohen_kappa(["a", "b", "a"], ["a", "b", "a"]) == 1.0
    assert scott_pi(["a", "b", "a"], ["a", "b", "a"]) == 1.0
    # Opposite labels with balanced margins: P_o = 0, P_e = 0.5.
    assert cohen_kappa(["a", "b"], ["b", "a"]) == pytest.approx(-1.0)
    assert scott_pi(["a", "b"], ["b", "a"]) == pytest.approx(-1.0)


def test_kappa_differs_from_pi_when_margins_differ() -> None:
    a, b = ["y"] * 9 + ["n"], ["y"] * 8 + ["n"] * 2
    assert cohen_kappa(a, b) == pytest.approx((0.9 - 0.74) / 0.26)
    assert scott_pi(a, b) == pytest.approx((0.9 - 0.745) / 0.255)


def test_kappa_drops_positions_with_a_missing_label() -> None:
    assert cohen_kappa(["a", None, "b", "a"], ["a", "b", "b", None]) == cohen_kappa(["a", "b"], ["a", "b"])
    assert cohen_kappa_result(["a", None, "b"], ["a", "b", None]).n == 1


def test_kappa_single_label_is_degenerate_and_empty_is_no_data() -> None:
    result = cohen_kappa_result(["x", "x", None], ["x", "x", "y"])
    assert (result.value, result.note) == (1.0, Note.DEGENERATE)
    assert scott_pi_result(["x"], ["x"]).degenerate
    assert cohen_kappa([None, "a"], ["a", None]) is None
    assert cohen_kappa_result([], []).note is Note.NO_DATA
    assert scott_pi([], []) is None


def test_kappa_needs_equal_lengths() -> None:
    with pytest.raises(AgreementInputError, match="differ in length"):
        cohen_kappa(["a"], ["a", "b"])


# --- Fleiss' κ ----------------------------------------------------------------------------------


def test_fleiss_perfect_and_by_hand() -> None:
    assert fleiss_kappa([["a", "a", "a"], ["b", "b", "b"]]) == 1.0
    # Units (a, a, b) and (b, b, a): P̄ = 1/3, p = (1/2, 1/2), P_e = 1/2, κ = −1/3.
    assert fleiss_kappa([["a", "a", "b"], ["b", "b", "a"]]) == pytest.approx(-1 / 3)
    assert fleiss_kappa_counts([[2, 1], [1, 2]]).value == pytest.approx(-1 / 3)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("abc")), min_size=1, max_size=30))
def test_fleiss_with_two_raters_is_scott_pi(pairs: list[tuple[str, str]]) -> None:
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    assert fleiss_kappa([list(pair) for pair in pairs]) == pytest.approx(scott_pi(a, b))


def test_fleiss_degenerate_no_data_and_errors() -> None:
    result = fleiss_kappa_result([["x", "x"], ["x", "x"]])
    assert (result.value, result.note) == (1.0, Note.DEGENERATE)
    assert fleiss_kappa([]) is None
    with pytest.raises(AgreementInputError, match="missing rating"):
        fleiss_kappa([["a", None], ["a", "b"]])
    with pytest.raises(AgreementInputError, match="unit 1 has 3 ratings"):
        fleiss_kappa([["a", "b"], ["a", "b", "a"]])
    with pytest.raises(AgreementInputError, match="at least 2 raters"):
        fleiss_kappa([["a"], ["b"]])
    with pytest.raises(AgreementInputError, match="complete data"):
        fleiss_kappa_counts([[2, 0], [1, 0]])


# --- Gwet's AC1 and percent agreement ------------------------------------------------------------


def test_ac1_with_missing_ratings_by_hand() -> None:
    items: list[list[Hashable | None]] = [["a", "a", None], ["a", "b", "b"], [None, "b", None]]
    # p_a over the two units with ≥ 2 ratings: (1 + 1/3)/2 = 2/3.
    # π over the three rated units: π_a = (1 + 1/3 + 0)/3 = 4/9, π_b = 5/9; p_e = 2·(4/9)(5/9) = 40/81.
    result = gwet_ac1_result(items)
    assert result.observed == pytest.approx(2 / 3)
    assert result.expected == pytest.approx(40 / 81)
    assert result.value == pytest.approx((2 / 3 - 40 / 81) / (1 - 40 / 81))
    assert result.n == 2
    assert percent_agreement(items) == pytest.approx(2 / 3)


def test_ac1_declared_categories_change_q() -> None:
    items = [["a", "a"], ["a", "b"], ["b", "b"]]
    assert gwet_ac1(items) != pytest.approx(gwet_ac1(items, categories=["a", "b", "c"]))
    with pytest.raises(AgreementInputError, match="outside the given categories"):
        gwet_ac1(items, categories=["a"])


def test_ac1_and_percent_degenerate_and_no_data() -> None:
    single = gwet_ac1_result([["x", "x"], ["x", None]])
    assert (single.value, single.note) == (1.0, Note.DEGENERATE)
    declared = gwet_ac1_result([["x", "x"]], categories=["x", "y"])
    assert (declared.value, declared.note) == (1.0, None)
    assert gwet_ac1([["a", None], [None, "b"]]) is None
    assert gwet_ac1([]) is None
    assert percent_agreement([["a", None]]) is None
    assert percent_agreement([["a", "a", "b", "b"]]) == pytest.approx(2 / 6)
