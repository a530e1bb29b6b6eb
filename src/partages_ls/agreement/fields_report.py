"""Document-level class agreement (CU5b ``Nomenclature``) and the agreement on its justification span.

Each document is a unit rated by the annotators who submitted it (a field left empty is missing
data). Figures: observed agreement (mean pairwise), Cohen's κ per pair, Fleiss' κ on the documents
every annotator rated, Krippendorff's α (nominal, missing data allowed), Gwet's AC1, and a confusion
matrix. When the guide says which span label justifies the class (``justified_by``), the
justification spans are compared in overlap mode: F1 and mean IoU, overall and where the two
annotators chose the same class.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from typing import Any

from partages_ls.agreement.bootstrap import Figure, Ledger, Measure, Sums, f1, from_agreement, no_data, ratio
from partages_ls.agreement.coefficients import (
    cohen_kappa_counts,
    fleiss_kappa_result,
    gwet_ac1_result,
    percent_agreement,
)
from partages_ls.agreement.collect import AgreementData, Pair
from partages_ls.agreement.disagreements import Disagreement, make
from partages_ls.agreement.krippendorff import alpha_from_coincidences, coincidences_from_units
from partages_ls.agreement.spans_report import Matches
from partages_ls.guides.model import DocumentField

Pattern = tuple[str | None, ...]
NO_UNIT = "aucun document classé par deux annotateurs"
NO_COMPLETE = "aucun document classé par tous les annotateurs"


def _value(chosen: list[str] | None) -> str | None:
    """A field's value; several values (``multiple: true``) form one combined category."""
    return "+".join(sorted(chosen)) if chosen else None


def _justification(data: AgreementData, document: str, annotator: str, label: str) -> tuple[int, int] | None:
    annotation = data.annotation(document, annotator)
    spans = sorted((s.begin, s.end) for s in annotation.spans if s.label == label) if annotation else []
    return spans[0] if spans else None


def _field(
    data: AgreementData, ledger: Ledger, matches: Matches, spec: DocumentField, no_text: bool
) -> tuple[dict[str, Any], list[Disagreement]]:
    annotators = data.annotators
    pairs = data.pairs
    patterns: dict[str, Pattern] = {}
    for document in data.compared:
        pattern = tuple(
            _value(a.fields.get(spec.name)) if (a := data.annotation(document, who)) else None for who in annotators
        )
        patterns[document] = pattern
        ledger.add(document, ("field", spec.name, pattern))
    positions = {pair.key: (annotators.index(pair.a), annotators.index(pair.b)) for pair in pairs}
    figures = field_figures(ledger, spec, annotators, pairs, set(patterns.values()))
    confusion: Counter[tuple[str, str]] = Counter()
    found: list[Disagreement] = []
    for document, pattern in patterns.items():
        for pair in pairs:
            i, j = positions[pair.key]
            x, y = pattern[i], pattern[j]
            if data.annotation(document, pair.a) is None or data.annotation(document, pair.b) is None:
                continue
            if x is not None and y is not None:
                confusion[x, y] += 1
            if x != y:
                label = spec.justified_by
                found.append(
                    make(
                        None if no_text else data.texts[document],
                        document,
                        spec.name,
                        "document_value",
                        (pair.a, pair.b),
                        (x, y),
                        _justification(data, document, pair.a, label) if label else None,
                        _justification(data, document, pair.b, label) if label else None,
                    )
                )
    justification = (
        _justification_section(data, ledger, matches, spec, patterns, positions) if spec.justified_by else None
    )

    return field_entry(figures, pairs, spec, patterns.values(), confusion, justification), found


def field_entry(
    figures: Sequence[Figure],
    pairs: Sequence[Pair],
    spec: DocumentField,
    patterns: Iterable[Pattern],
    confusion: Counter[tuple[str, str]],
    justification: dict[str, Any] | None,
) -> dict[str, Any]:
    """A field's entry of the ``document_fields`` section from its figures, patterns and confusion counts."""
    rated = complete = 0
    for p in patterns:
        given = sum(v is not None for v in p)
        rated += given >= 2
        complete += given == len(p)
    used = {v for cell in confusion for v in cell}
    order = [v.id for v in spec.values if v.id in used] + sorted(used - {v.id for v in spec.values})
    return {
        "observed": figures[0],
        "fleiss_kappa": figures[1],
        "krippendorff_alpha": figures[2],
        "gwet_ac1": figures[3],
        "cohen_kappa": {pair.key: figure for pair, figure in zip(pairs, figures[4:], strict=True)},
        "support": rated,
        "complete": complete,
        "confusion": {"values": order, "matrix": [[confusion[r, c] for c in order] for r in order]},
        "justification": justification,
    }


def field_figures(
    ledger: Ledger, spec: DocumentField, annotators: Sequence[str], pairs: Sequence[Pair], patterns: set[Pattern]
) -> list[Figure]:
    """Register a field's figures (observed, Fleiss, α, AC1, then Cohen's κ per pair) over its rating patterns."""
    distinct = sorted(patterns, key=repr)
    columns = [ledger.column(("field", spec.name, pattern)) for pattern in distinct]
    categories = [value.id for value in spec.values] if not spec.multiple else None
    positions = {pair.key: (annotators.index(pair.a), annotators.index(pair.b)) for pair in pairs}

    def compute(sums: Sums) -> Sequence[Measure]:
        weights = [(pattern, round(sums[index])) for pattern, index in zip(distinct, columns, strict=True)]
        rated = _expand((p, w) for p, w in weights if sum(v is not None for v in p) >= 2)
        complete = _expand((p, w) for p, w in weights if all(v is not None for v in p))
        observed = percent_agreement(rated) if rated else None
        measures = [
            Measure(observed) if observed is not None else no_data(NO_UNIT),
            from_agreement(fleiss_kappa_result(complete), NO_COMPLETE)
            if complete and len(annotators) >= 2
            else no_data(NO_COMPLETE),
            from_agreement(alpha_from_coincidences(coincidences_from_units(rated)), NO_UNIT),
            from_agreement(gwet_ac1_result(rated, categories=categories), NO_UNIT) if rated else no_data(NO_UNIT),
        ]
        for pair in pairs:
            i, j = positions[pair.key]
            cells: Counter[tuple[str, str]] = Counter()
            for pattern, weight in weights:
                x, y = pattern[i], pattern[j]
                if x is not None and y is not None and weight:
                    cells[x, y] += weight
            measures.append(from_agreement(cohen_kappa_counts(cells), NO_UNIT))
        return measures

    return ledger.figures(4 + len(pairs), compute)


def _justification_section(
    data: AgreementData,
    ledger: Ledger,
    matches: Matches,
    spec: DocumentField,
    patterns: dict[str, Pattern],
    positions: dict[str, tuple[int, int]],
) -> dict[str, Any]:
    """Overlap F1 and mean IoU of the justification spans, overall and on same-class documents."""
    label = spec.justified_by
    control = data.guide.label_set_of(label or "")
    if control is None:
        return {"label": label, "overlap_f1": None, "mean_iou": None, "same_class": None}
    for pair in data.pairs:
        i, j = positions[pair.key]
        result = matches.overlap[control.name, pair.key]
        for match in result.pairs:
            if match.a[3] != label:
                continue
            document = match.a[0]
            scopes = ("all", "same") if _same(patterns.get(document), i, j) else ("all",)
            for scope in scopes:
                ledger.add(document, ("justification", spec.name, scope, "m"))
                ledger.add(document, ("justification", spec.name, scope, "a"))
                ledger.add(document, ("justification", spec.name, scope, "b"))
                ledger.add(document, ("justification", spec.name, scope, "iou"), match.iou)
        for side, leftovers in (("a", result.unmatched_a), ("b", result.unmatched_b)):
            for span in leftovers:
                if span[3] != label:
                    continue
                document = span[0]
                scopes = ("all", "same") if _same(patterns.get(document), i, j) else ("all",)
                for scope in scopes:
                    ledger.add(document, ("justification", spec.name, scope, side))
    return justification_entry(label, justification_figures(ledger, spec.name))


def justification_figures(ledger: Ledger, name: str) -> list[Figure]:
    """Register a justification's figures: overlap F1 and mean IoU, overall then on same-class documents."""
    keys = [(scope, c) for scope in ("all", "same") for c in ("m", "a", "b", "iou")]
    columns = {key: ledger.column(("justification", name, *key)) for key in keys}

    def compute(sums: Sums) -> Sequence[Measure]:
        measures: list[Measure] = []
        for scope in ("all", "same"):
            m, a, b, iou = (sums[columns[scope, c]] for c in ("m", "a", "b", "iou"))
            measures.append(f1(m, a, b, reason="aucune justification chez l'un ni chez l'autre"))
            measures.append(ratio(iou, m, "aucune paire de justifications qui se chevauchent"))
        return measures

    return ledger.figures(4, compute)


def justification_entry(label: str | None, figures: Sequence[Figure]) -> dict[str, Any]:
    return {
        "label": label,
        "overlap_f1": figures[0],
        "mean_iou": figures[1],
        "same_class": {"overlap_f1": figures[2], "mean_iou": figures[3]},
    }


def _expand(weighted: Iterable[tuple[Pattern, int]]) -> list[Pattern]:
    """Units as the coefficient functions take them: each pattern repeated as often as it is weighted."""
    return list(chain.from_iterable(repeat(pattern, weight) for pattern, weight in weighted if weight > 0))


def _same(pattern: Pattern | None, i: int, j: int) -> bool:
    return pattern is not None and pattern[i] is not None and pattern[i] == pattern[j]


def fields_section(
    data: AgreementData, ledger: Ledger, matches: Matches, no_text: bool
) -> tuple[dict[str, Any], list[Disagreement]]:
    """The ``document_fields`` section (one entry per field of the guide) and its disagreements."""
    section: dict[str, Any] = {}
    disagreements: list[Disagreement] = []
    for spec in data.guide.document_fields:
        section[spec.name], found = _field(data, ledger, matches, spec, no_text)
        disagreements.extend(found)
    return section, disagreements
