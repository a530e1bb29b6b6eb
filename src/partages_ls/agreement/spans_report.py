"""Span agreement per label set: pairwise F1 in three modes, label confusion, α_u, span disagreements.

Spans of two annotators are matched one to one within each document both submitted
(:func:`match_spans`, independent of storage order). The counts behind every F1 are kept per
document in the :class:`Ledger`, so micro, macro, per-pair and per-label figures and their bootstrap
intervals all come from the same numbers. The overlap matches are kept for the attribute and
relation sections, which build on them.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from partages_ls.agreement.bootstrap import Figure, Ledger, Measure, Sums, f1, no_data
from partages_ls.agreement.collect import AgreementData, Pair
from partages_ls.agreement.disagreements import Disagreement, make
from partages_ls.agreement.matching import MODES, MatchResult, canonical, match_sorted, match_spans
from partages_ls.agreement.unitizing import UnitizingAgreement, UnitizingSums, UnitizingUnit, alpha_unitizing
from partages_ls.json_text import StreamedMapping

SpanItem = tuple[str, int, int, str, str]
"""(document, begin, end, label, region id): what the matcher sees of a span."""

NO_SHARED = "aucun document soumis par les deux annotateurs"
NO_PAIR = "moins de deux annotateurs"


@dataclass
class Matches:
    """Overlap-mode matches per (label set, pair), reused by the attribute and relation sections."""

    overlap: dict[tuple[str, str], MatchResult[SpanItem]] = field(default_factory=dict)


def span_items(data: AgreementData, control: str, annotator: str, documents: Sequence[str]) -> list[SpanItem]:
    """One annotator's spans of one label set over the given documents."""
    items: list[SpanItem] = []
    for document in documents:
        annotation = data.annotation(document, annotator)
        if annotation is None:
            continue
        items.extend((document, s.begin, s.end, s.label, s.id) for s in annotation.spans if s.label_set == control)
    return items


def _count(ledger: Ledger, mode: str, control: str, pair: Pair, result: MatchResult[SpanItem]) -> None:
    """Per-document (matched, |A|, |B|) per label; in boundary mode a pair counts ½ for each side's label."""
    counts: defaultdict[tuple[str, str, str], float] = defaultdict(float)
    for match in result.pairs:
        document, label_a, label_b = match.a[0], match.a[3], match.b[3]
        counts[document, label_a, "a"] += 1
        counts[document, label_b, "b"] += 1
        if label_a == label_b:
            counts[document, label_a, "m"] += 1
        else:
            counts[document, label_a, "m"] += 0.5
            counts[document, label_b, "m"] += 0.5
    for span in result.unmatched_a:
        counts[span[0], span[3], "a"] += 1
    for span in result.unmatched_b:
        counts[span[0], span[3], "b"] += 1
    for (document, label, side), count in counts.items():
        ledger.add(document, ("span", control, mode, pair.key, label, side), count)


def _per_document(results: Sequence[MatchResult[SpanItem]]) -> dict[str, dict[str, Any]]:
    counts: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for result in results:
        for match in result.pairs:
            cell = counts[match.a[0]]
            cell[0] += 1
            cell[1] += 1
            cell[2] += 1
        for span in result.unmatched_a:
            counts[span[0]][1] += 1
        for span in result.unmatched_b:
            counts[span[0]][2] += 1
    return {
        document: {"f1": f1(*counts[document]).value, "matched": m, "a": a, "b": b}
        for document in sorted(counts)
        for m, a, b in [counts[document]]
    }


def mode_figures(
    ledger: Ledger, control: str, mode: str, labels: Sequence[str], pairs: Sequence[Pair], shared: dict[str, int]
) -> list[Figure]:
    """Register one mode's figures (micro, macro, mean over pairs, per pair, per label) in the ledger."""
    columns = {
        (pair.key, label): tuple(ledger.column(("span", control, mode, pair.key, label, c)) for c in "mab")
        for pair in pairs
        for label in labels
    }

    def compute(sums: Sums) -> list[Measure]:
        by_pair = {pair.key: [0.0, 0.0, 0.0] for pair in pairs}
        by_label = {label: [0.0, 0.0, 0.0] for label in labels}
        for (key, label), indices in columns.items():
            for position, index in enumerate(indices):
                by_pair[key][position] += sums[index]
                by_label[label][position] += sums[index]
        pair_f1 = [f1(*by_pair[pair.key]) if shared[pair.key] else no_data(NO_SHARED) for pair in pairs]
        label_f1 = [f1(*by_label[label], reason="aucune zone de cette étiquette") for label in labels]
        total = [sum(cell[i] for cell in by_pair.values()) for i in range(3)]
        if not pairs:
            micro = no_data(NO_PAIR)
        elif not any(shared.values()):
            micro = no_data(NO_SHARED)
        else:
            micro = f1(*total)
        defined = [m.value for m in label_f1 if m.value is not None]
        macro = Measure(sum(defined) / len(defined)) if defined else no_data("aucune étiquette utilisée")
        over_pairs = [m.value for m in pair_f1 if m.value is not None]
        mean = Measure(sum(over_pairs) / len(over_pairs)) if over_pairs else no_data(NO_PAIR)
        return [micro, macro, mean, *pair_f1, *label_f1]

    return ledger.figures(3 + len(pairs) + len(labels), compute)


def _mode_section(
    ledger: Ledger,
    control: str,
    mode: str,
    labels: Sequence[str],
    pairs: Sequence[Pair],
    shared: dict[str, int],
    results: Sequence[MatchResult[SpanItem]],
) -> dict[str, Any]:
    """Micro/macro F1, pairs, labels and documents of one mode, their figures registered in the ledger."""
    figures = mode_figures(ledger, control, mode, labels, pairs, shared)
    pair_counts = {pair.key: [0, 0, 0] for pair in pairs}
    label_counts: dict[str, list[float]] = {label: [0.0, 0.0, 0.0] for label in labels}
    for pair, result in zip(pairs, results, strict=True):
        pair_counts[pair.key] = [result.matched, result.a, result.b]
        for match in result.pairs:
            if match.same_label:
                label_counts[match.a[3]][0] += 1
            else:
                label_counts[match.a[3]][0] += 0.5
                label_counts[match.b[3]][0] += 0.5
            label_counts[match.a[3]][1] += 1
            label_counts[match.b[3]][2] += 1
        for span in result.unmatched_a:
            label_counts[span[3]][1] += 1
        for span in result.unmatched_b:
            label_counts[span[3]][2] += 1
    return mode_entry(figures, pairs, labels, shared, pair_counts, label_counts, _per_document(results))


def mode_entry(
    figures: Sequence[Figure],
    pairs: Sequence[Pair],
    labels: Sequence[str],
    shared: dict[str, int],
    pair_counts: dict[str, list[int]],
    label_counts: dict[str, list[float]],
    per_document: dict[str, dict[str, Any]] | StreamedMapping,
) -> dict[str, Any]:
    """One mode's entry of the ``spans`` section from its registered figures and summed counts."""
    micro, macro, mean = figures[:3]
    pair_figures = figures[3 : 3 + len(pairs)]
    label_figures = figures[3 + len(pairs) :]
    return {
        "micro_f1": micro,
        "macro_f1": macro,
        "mean_over_pairs": mean,
        "sd_over_pairs": None,  # set once the figures are evaluated (see finish_sd)
        "pairs": {
            pair.key: {"f1": figure, "matched": m, "a": a, "b": b, "documents": shared[pair.key]}
            for pair, figure in zip(pairs, pair_figures, strict=True)
            for m, a, b in [pair_counts[pair.key]]
        },
        "per_label": {
            label: {"f1": figure, "matched": _number(m), "a": int(a), "b": int(b)}
            for label, figure in zip(labels, label_figures, strict=True)
            for m, a, b in [label_counts[label]]
        },
        "per_document": per_document,
    }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def finish_sd(section: dict[str, Any]) -> None:
    """Population SD of the pairs' F1 (as bratiaa), once the figures have values."""
    values = [entry["f1"].value for entry in section["pairs"].values() if entry["f1"].value is not None]
    section["sd_over_pairs"] = round(statistics.pstdev(values), 6) if values else None


def _confusion(labels: Sequence[str], results: Sequence[MatchResult[SpanItem]]) -> dict[str, Any]:
    """Label confusion over boundary-matched spans, rows = first annotator of each pair."""
    cells: Counter[tuple[str, str]] = Counter()
    only_a: Counter[str] = Counter()
    only_b: Counter[str] = Counter()
    for result in results:
        cells.update((m.a[3], m.b[3]) for m in result.pairs)
        only_a.update(span[3] for span in result.unmatched_a)
        only_b.update(span[3] for span in result.unmatched_b)
    return {
        "labels": list(labels),
        "matrix": [[cells[row, column] for column in labels] for row in labels],
        "unmatched_a": [only_a[label] for label in labels],
        "unmatched_b": [only_b[label] for label in labels],
    }


def _alpha_u(data: AgreementData, control: str, labels: Sequence[str]) -> dict[str, Any]:
    """α_u over the documents every annotator submitted, laid end to end on one continuum."""
    documents = [
        (
            len(data.texts[document]),
            [
                (annotator, s.label, s.begin, s.end)
                for annotator in data.annotators
                for s in data.submissions[document][annotator].spans
                if s.label_set == control and s.end > s.begin
            ],
        )
        for document in data.complete
    ]
    return alpha_u_entry(data.annotators, labels, documents)


def alpha_u_entry(
    annotators: Sequence[str],
    labels: Sequence[str],
    documents: Sequence[tuple[int, Sequence[tuple[str, str, int, int]]]],
) -> dict[str, Any]:
    """α_u of one label set over complete documents given in report order as (text length, spans).

    Each span is (annotator, label, begin, end) with end > begin; the documents are laid end to end.
    """
    length = sum(size for size, _ in documents)
    if len(annotators) < 2 or not documents or length == 0:
        return _alpha_u_result(annotators, labels, len(documents), None)
    units: list[UnitizingUnit] = []
    offset = 0
    for size, spans in documents:
        units.extend((annotator, label, offset + begin, end - begin) for annotator, label, begin, end in spans)
        offset += size
    alpha = alpha_unitizing(units, 0, length, raters=annotators, merge_overlaps=True)
    return _alpha_u_result(annotators, labels, len(documents), alpha)


def alpha_u_summed(annotators: Sequence[str], labels: Sequence[str], sums: UnitizingSums | None) -> dict[str, Any]:
    """:func:`alpha_u_entry` of the complete documents summed one at a time (``None``: there are none)."""
    documents = 0 if sums is None else len(sums.documents)
    if sums is None or len(annotators) < 2 or not documents or sums.length == 0:
        return _alpha_u_result(annotators, labels, documents, None)
    return _alpha_u_result(annotators, labels, documents, sums.result(annotators))


def _alpha_u_result(
    annotators: Sequence[str], labels: Sequence[str], documents: int, alpha: UnitizingAgreement | None
) -> dict[str, Any]:
    overall = Figure()
    per_label = {label: Figure() for label in labels}
    result: dict[str, Any] = {"overall": overall, "per_label": per_label, "documents": documents}
    if alpha is None:
        reason = NO_PAIR if len(annotators) < 2 else "aucun document soumis par tous les annotateurs"
        for figure in (overall, *per_label.values()):
            figure.set(no_data(reason))
        return result
    overall.set(_unitizing_measure(alpha.overall.value, alpha.overall.note, "aucune zone"))
    for label, figure in per_label.items():
        found = alpha.categories.get(label)
        if found is None:
            figure.set(no_data("aucune zone de cette étiquette"))
        else:
            figure.set(_unitizing_measure(found.value, found.note, "aucune zone de cette étiquette"))
    return result


def _unitizing_measure(value: float | None, note: Any, reason: str) -> Measure:
    return Measure(value, note, reason if value is None else "")


def _disagreements(
    data: AgreementData,
    control: str,
    pair: Pair,
    exact: MatchResult[SpanItem],
    iou: float | None,
    no_text: bool,
    *,
    one_document: bool = False,
) -> list[Disagreement]:
    """Every span not matched exactly, classified by the closest match it has on the other side.

    ``one_document``: ``exact`` matched one document's spans, so its leftovers are matched as they
    stand (:func:`match_sorted`, already in canonical order) instead of being sorted again.
    """
    found: list[Disagreement] = []
    names = (pair.a, pair.b)

    def add(kind: str, a: SpanItem | None, b: SpanItem | None) -> None:
        document = (a or b)[0]  # type: ignore[index]
        text = None if no_text else data.texts[document]
        found.append(
            make(
                text,
                document,
                control,
                kind,
                names,
                (a[3] if a else None, b[3] if b else None),
                (a[1], a[2]) if a else None,
                (b[1], b[2]) if b else None,
            )
        )

    match = match_sorted if one_document else match_spans
    same_place = match(exact.unmatched_a, exact.unmatched_b, "boundary")
    for pair_found in same_place.pairs:
        add("label", pair_found.a, pair_found.b)
    same_label = match(same_place.unmatched_a, same_place.unmatched_b, "overlap", iou)
    for pair_found in same_label.pairs:
        add("boundaries", pair_found.a, pair_found.b)
    # Label-blind overlap: the label moves into the extra fields so that any overlap matches.
    blind_a = [(s[0], s[1], s[2], "", s[3], s[4]) for s in same_label.unmatched_a]
    blind_b = [(s[0], s[1], s[2], "", s[3], s[4]) for s in same_label.unmatched_b]
    if one_document:  # the label is no longer where the canonical order looks first: sort again
        crossed = match_sorted(canonical(blind_a), canonical(blind_b), "overlap", iou)
    else:
        crossed = match_spans(blind_a, blind_b, "overlap", iou)
    for blind in crossed.pairs:
        add("label_boundaries", _unblind(blind.a), _unblind(blind.b))
    for span in crossed.unmatched_a:
        add("only_a", _unblind(span), None)
    for span in crossed.unmatched_b:
        add("only_b", None, _unblind(span))
    return found


def _unblind(span: tuple[str, int, int, str, str, str]) -> SpanItem:
    return (span[0], span[1], span[2], span[4], span[5])


def spans_section(
    data: AgreementData, ledger: Ledger, iou: float | None, no_text: bool
) -> tuple[dict[str, Any], Matches, list[Disagreement]]:
    """The ``spans`` section of the report, the overlap matches, and the span disagreements."""
    section: dict[str, Any] = {}
    matches = Matches()
    disagreements: list[Disagreement] = []
    pairs = data.pairs
    shared_docs = {pair.key: data.shared(pair) for pair in pairs}
    shared = {key: len(documents) for key, documents in shared_docs.items()}
    for label_set in data.guide.label_sets:
        control = label_set.name
        labels = [label.id for label in label_set.labels]
        labels += sorted(
            {
                s.label
                for by in data.submissions.values()
                for a in by.values()
                for s in a.spans
                if s.label_set == control
            }
            - set(labels)
        )
        by_mode: dict[str, list[MatchResult[SpanItem]]] = {mode: [] for mode in MODES}
        for pair in pairs:
            documents = shared_docs[pair.key]
            spans_a = span_items(data, control, pair.a, documents)
            spans_b = span_items(data, control, pair.b, documents)
            for mode in MODES:
                result = match_spans(spans_a, spans_b, mode, iou if mode == "overlap" else None)
                by_mode[mode].append(result)
                _count(ledger, mode, control, pair, result)
            matches.overlap[control, pair.key] = by_mode["overlap"][-1]
            disagreements.extend(_disagreements(data, control, pair, by_mode["exact"][-1], iou, no_text))
        entry: dict[str, Any] = {"labels": labels}
        for mode in MODES:
            entry[mode] = _mode_section(ledger, control, mode, labels, pairs, shared, by_mode[mode])
        entry["confusion"] = _confusion(labels, by_mode["boundary"])
        entry["alpha_u"] = _alpha_u(data, control, labels)
        section[control] = entry
    return section, matches, disagreements
