"""Attribute agreement (per-region choices such as NEGATION or RolePER) on matched spans.

Only spans both annotators marked (matched in overlap mode, hence with the same label) and whose
label the attribute applies to are compared. Each matched pair is one unit with two values; a
missing value is missing data, never a category. Figures: observed agreement, Cohen's κ per pair,
Krippendorff's α (nominal) over the pooled units of every pair, and a confusion matrix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, TypeVar

from partages_ls.agreement.bootstrap import Figure, Ledger, Measure, Sums, from_agreement, ratio
from partages_ls.agreement.coefficients import cohen_kappa_counts
from partages_ls.agreement.collect import AgreementData, Pair
from partages_ls.agreement.disagreements import Disagreement, make
from partages_ls.agreement.krippendorff import Coincidences, alpha_from_coincidences
from partages_ls.agreement.spans_report import Matches

H = TypeVar("H", bound=Hashable)

NO_UNIT = "aucune paire de zones appariées avec une valeur des deux côtés"


def pooled_coincidences(cells: Mapping[tuple[H, H], int]) -> Coincidences:
    """Krippendorff's coincidences of two-value units given as ``{(value A, value B): count}``.

    A unit (x, y) adds 1 to o[x, y] and to o[y, x] (2 to o[x, x] when x = y) and 2 pairable values.
    """
    matrix: dict[tuple[Hashable, Hashable], float] = {}
    pairable = 0
    for (x, y), count in cells.items():
        if count <= 0:
            continue
        pairable += 2 * count
        matrix[x, y] = matrix.get((x, y), 0.0) + count
        matrix[y, x] = matrix.get((y, x), 0.0) + count
    return Coincidences(matrix, pairable)


def _ordered(values: set[str], guide_order: Sequence[str]) -> list[str]:
    known = [v for v in guide_order if v in values]
    return known + sorted(values - set(known))


def _attribute(
    data: AgreementData,
    ledger: Ledger,
    matches: Matches,
    control: str,
    name: str,
    applies: set[str],
    guide_values: Sequence[str],
    no_text: bool,
) -> tuple[dict[str, Any], list[Disagreement]]:
    pairs = data.pairs
    cells: dict[str, Counter[tuple[str, str]]] = {pair.key: Counter() for pair in pairs}
    missing = Counter[str]()
    found = attribute_counts(data, ledger, matches, control, name, applies, no_text, cells, missing)
    figures = attribute_figures(ledger, name, pairs, cells)
    return attribute_entry(figures, control, applies, guide_values, pairs, cells, missing), found


def attribute_counts(
    data: AgreementData,
    ledger: Ledger,
    matches: Matches,
    control: str,
    name: str,
    applies: set[str],
    no_text: bool,
    cells: dict[str, Counter[tuple[str, str]]],
    missing: Counter[str],
) -> list[Disagreement]:
    """Count one attribute's value pairs on matched spans (into ``cells`` per pair and the ledger) and
    its missing values; return its disagreements."""
    found: list[Disagreement] = []
    for pair in data.pairs:
        for match in matches.overlap[control, pair.key].pairs:
            if match.a[3] not in applies:
                continue
            document = match.a[0]
            value_a = data.span(pair.a, document, match.a[4]).attributes.get(name)
            value_b = data.span(pair.b, document, match.b[4]).attributes.get(name)
            if value_a is None or value_b is None:
                missing["a_only" if value_b is None and value_a else "b_only" if value_b else "neither"] += 1
            else:
                cells.setdefault(pair.key, Counter())[value_a, value_b] += 1
                ledger.add(document, ("attribute", name, pair.key, value_a, value_b))
            if value_a != value_b:
                found.append(
                    make(
                        None if no_text else data.texts[document],
                        document,
                        name,
                        "attribute",
                        (pair.a, pair.b),
                        (value_a, value_b),
                        (match.a[1], match.a[2]),
                        (match.b[1], match.b[2]),
                    )
                )
    return found


def attribute_figures(
    ledger: Ledger, name: str, pairs: Sequence[Pair], cells: Mapping[str, Counter[tuple[str, str]]]
) -> list[Figure]:
    """Register an attribute's figures (pooled observed and α, then observed and κ per pair)."""
    columns = {
        pair.key: {cell: ledger.column(("attribute", name, pair.key, *cell)) for cell in cells[pair.key]}
        for pair in pairs
    }

    def compute(sums: Sums) -> list[Measure]:
        per_pair = {
            key: {cell: round(sums[index]) for cell, index in by_cell.items()} for key, by_cell in columns.items()
        }
        pooled: Counter[tuple[str, str]] = Counter()
        for counts in per_pair.values():
            pooled.update(counts)
        total = sum(pooled.values())
        agree = sum(count for (x, y), count in pooled.items() if x == y)
        measures = [
            ratio(agree, total, NO_UNIT),
            from_agreement(alpha_from_coincidences(pooled_coincidences(pooled)), NO_UNIT),
        ]
        for pair in pairs:
            counts = per_pair[pair.key]
            pair_total = sum(counts.values())
            pair_agree = sum(count for (x, y), count in counts.items() if x == y)
            measures.append(ratio(pair_agree, pair_total, NO_UNIT))
            measures.append(from_agreement(cohen_kappa_counts(counts), NO_UNIT))
        return measures

    return ledger.figures(2 + 2 * len(pairs), compute)


def attribute_entry(
    figures: Sequence[Figure],
    control: str,
    applies: set[str],
    guide_values: Sequence[str],
    pairs: Sequence[Pair],
    cells: Mapping[str, Counter[tuple[str, str]]],
    missing: Counter[str],
) -> dict[str, Any]:
    """An attribute's entry of the ``attributes`` section from its figures and summed value pairs."""
    used = {value for counts in cells.values() for cell in counts for value in cell}
    values = _ordered(used, guide_values)
    pooled_cells = sum(cells.values(), Counter[tuple[str, str]]())
    return {
        "label_set": control,
        "labels": sorted(applies),
        "observed": figures[0],
        "krippendorff_alpha": figures[1],
        "support": sum(pooled_cells.values()),
        "missing": {key: missing[key] for key in ("a_only", "b_only", "neither")},
        "pairs": {
            pair.key: {
                "observed": figures[2 + 2 * position],
                "cohen_kappa": figures[3 + 2 * position],
                "support": sum(cells[pair.key].values()),
            }
            for position, pair in enumerate(pairs)
        },
        "confusion": {
            "values": values,
            "matrix": [[pooled_cells[row, column] for column in values] for row in values],
        },
    }


def attributes_section(
    data: AgreementData, ledger: Ledger, matches: Matches, no_text: bool
) -> tuple[dict[str, Any], list[Disagreement]]:
    """The ``attributes`` section (one entry per attribute of every label set) and its disagreements."""
    section: dict[str, Any] = {}
    disagreements: list[Disagreement] = []
    for label_set in data.guide.label_sets:
        for attribute in label_set.attributes:
            entry, found = _attribute(
                data,
                ledger,
                matches,
                label_set.name,
                attribute.name,
                set(attribute.applies_to),
                [value.id for value in attribute.values],
                no_text,
            )
            section[attribute.name] = entry
            disagreements.extend(found)
    return section, disagreements
