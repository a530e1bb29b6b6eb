"""The agreement report built document by document: a few hundred bytes kept per document, not the document.

:class:`StreamedReport` takes one document at a time (``add``), matches its annotators at once and
keeps only what the report sums over documents: per-document ledger rows (the bootstrap's units),
counts per pair, label, attribute value, relation type and field class, each compared document's
F1 counts, the violations listed, and α_u's sums (:class:`~partages_ls.agreement.unitizing.UnitizingSums`)
over the documents with the most annotators so far (only they can be complete). Each document's
disagreements are sorted and written to a spill file as they are found;
:meth:`StreamedReport.finish` registers the figures once the annotators are all known and returns
the same report :func:`~partages_ls.agreement.report.compute_report` gives for the whole corpus
(``tests/agreement_report/test_streaming.py`` compares them byte for byte).
"""

from __future__ import annotations

import pickle
from array import array
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterator, Sequence
from itertools import combinations
from typing import IO, Any

from partages_ls.agreement.attributes_report import attribute_counts, attribute_entry, attribute_figures
from partages_ls.agreement.bootstrap import DocumentLedger, Ledger, f1
from partages_ls.agreement.collect import UNKNOWN_ANNOTATOR, AgreementData, Pair, _select
from partages_ls.agreement.conformance import conformance_summary, flaw_item, flaw_key
from partages_ls.agreement.disagreements import KINDS, Disagreement, DisagreementValues, json_item, make
from partages_ls.agreement.fields_report import (
    _justification,
    _justification_section,
    _value,
    field_entry,
    field_figures,
    justification_entry,
    justification_figures,
)
from partages_ls.agreement.matching import MODES, canonical, match_sorted
from partages_ls.agreement.relations_report import ENDPOINT_MODES, _exact_map, _overlap_map, _pair, relations_entry
from partages_ls.agreement.report import AgreementOptions, AgreementReport, _plain, assemble
from partages_ls.agreement.spans_report import (
    Matches,
    _count,
    _disagreements,
    alpha_u_summed,
    mode_entry,
    mode_figures,
    span_items,
)
from partages_ls.agreement.unitizing import UnitizingSums
from partages_ls.exporters.contamination import Contaminated
from partages_ls.exporters.corpus import Annotation, Document, Flaw, Skipped
from partages_ls.guides.model import Guide
from partages_ls.json_text import Streamed, StreamedMapping


class SpilledDisagreements(Streamed, DisagreementValues):
    """The disagreement list in report order, read back from the spill file one document at a time."""

    def __init__(self, handle: IO[bytes], index: list[tuple[str, int, int]], count: int) -> None:
        self.handle, self.index, self.count = handle, sorted(index), count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Disagreement]:
        for values in self.values():
            yield Disagreement(*values)

    def values(self) -> Iterator[tuple[Any, ...]]:
        for _, offset, size in self.index:
            self.handle.seek(offset)
            yield from pickle.loads(self.handle.read(size))


class _JsonItems(Streamed):
    """The disagreements as the JSON report lists them."""

    def __init__(self, items: SpilledDisagreements) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(json_item, self.items.values())


class PerDocument(StreamedMapping):
    """One mode's ``per_document`` table (F1 and counts of each compared document), packed, in report order."""

    def __init__(self) -> None:
        self.reports: list[str] = []
        self.counts = array("I")  # matched, |A|, |B| of each report in turn

    def add(self, report: str, matched: int, a: int, b: int) -> None:
        self.reports.append(report)
        self.counts.extend((matched, a, b))

    def sort(self) -> None:
        order = sorted(range(len(self.reports)), key=self.reports.__getitem__)
        counts = self.counts
        self.reports = [self.reports[i] for i in order]
        self.counts = array("I", (counts[3 * i + k] for i in order for k in range(3)))

    def __len__(self) -> int:
        return len(self.reports)

    def items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        counts = self.counts
        for position, report in enumerate(self.reports):
            m, a, b = counts[3 * position : 3 * position + 3]
            yield report, {"f1": f1(m, a, b).value, "matched": m, "a": a, "b": b}


class StreamedReport:
    """The report's sums over documents, fed one document at a time (see the module docstring)."""

    def __init__(
        self, guide: Guide, annotators: Sequence[str] | None, iou: float | None, no_text: bool, spill: IO[bytes]
    ) -> None:
        self.guide, self.names, self.iou, self.no_text, self.spill = guide, annotators, iou, no_text, spill
        self.chosen = None if annotators is None else {name.strip() for name in annotators if name.strip()}
        self.found: set[str] = set()
        self.documents = 0
        self.per_annotator: Counter[str] = Counter()
        self.by_count: Counter[int] = Counter()
        self.shared: Counter[str] = Counter()
        self.duplicates = 0
        self.others: Counter[str] = Counter()
        self.columns: dict[Hashable, int] = {}
        self.compared: list[str] = []  # the reports of the rows, in the order added
        self.row_ends, self.row_columns, self.row_values = array("Q"), array("I"), array("d")
        self.guide_labels = {s.name: [label.id for label in s.labels] for s in guide.label_sets}
        self.extra_labels: dict[str, set[str]] = {name: set() for name in self.guide_labels}
        self.pair_counts: dict[tuple[str, str], defaultdict[str, list[int]]] = {}
        self.label_counts: dict[tuple[str, str], defaultdict[str, list[float]]] = {}
        self.per_document: dict[tuple[str, str], PerDocument] = {}
        for control in self.guide_labels:
            for mode in MODES:
                self.pair_counts[control, mode] = defaultdict(lambda: [0, 0, 0])
                self.label_counts[control, mode] = defaultdict(lambda: [0.0, 0.0, 0.0])
                self.per_document[control, mode] = PerDocument()
        self.confusion: dict[str, tuple[Counter[tuple[str, str]], Counter[str], Counter[str]]] = {
            control: (Counter(), Counter(), Counter()) for control in self.guide_labels
        }
        self.attribute_cells: dict[str, dict[str, Counter[tuple[str, str]]]] = {}
        self.attribute_missing: dict[str, Counter[str]] = {}
        self.relations: dict[str, dict[str, dict[str, list[int]]]] = {mode: {} for mode in ENDPOINT_MODES}
        self.field_values: list[tuple[str, tuple[str, ...], tuple[tuple[str | None, ...], ...]]] = []
        self.field_confusion: dict[str, Counter[tuple[str, str]]] = {f.name: Counter() for f in guide.document_fields}
        self.most = 0  # most annotators on one document: only such documents can be complete
        self.alpha: dict[str, UnitizingSums] = {}
        self.counted: dict[str, set[int | None]] = {}  # annotation ids counted, by annotator
        self.items: list[dict[str, Any]] = []
        self.waiting: list[Flaw] = []  # violations of annotations counted in another document, if any
        self.index: list[tuple[str, int, int]] = []
        self.count = 0
        self.by_kind: Counter[str] = Counter()
        self.by_layer: Counter[str] = Counter()

    def add(self, document: Document, flaws: Sequence[Flaw]) -> None:
        """Count one document (its annotations in storage order) and note the violations read with it."""
        self.documents += 1
        by_annotator: dict[str, Annotation] = {}
        others: set[str] = set()
        for annotation in document.annotations:
            who = annotation.annotator or UNKNOWN_ANNOTATOR
            self.found.add(who)
            if self.chosen is not None and who not in self.chosen:
                others.add(who)
                continue
            previous = by_annotator.get(who)
            if previous is not None:
                self.duplicates += 1
                if (previous.annotation_id or 0) >= (annotation.annotation_id or 0):
                    continue
            by_annotator[who] = annotation
        self.others.update(others)
        submissions = dict(sorted(by_annotator.items()))
        self.by_count[len(submissions)] += 1
        self.per_annotator.update(list(submissions))
        local = set()
        for who, annotation in submissions.items():
            local.add((who, annotation.annotation_id))
            for span in annotation.spans:
                known = self.guide_labels.get(span.label_set)
                if known is not None and span.label not in known:
                    self.extra_labels[span.label_set].add(span.label)
        for who, annotation_id in local:
            self.counted.setdefault(who, set()).add(annotation_id)
        for flaw in flaws:
            if flaw_key(flaw) in local:
                self.items.append(flaw_item(flaw, self.no_text))
            else:
                self.waiting.append(flaw)
        if len(submissions) >= 2:
            self._compare(document, submissions)

    def _compare(self, document: Document, submissions: dict[str, Annotation]) -> None:
        report = document.report
        data = AgreementData(self.guide, {report: document.text}, list(submissions), {report: submissions})
        pairs = data.pairs
        for pair in pairs:
            self.shared[pair.key] += 1
        ledger = DocumentLedger(report, self.columns)
        found: list[Disagreement] = []
        matches = Matches()
        for control in self.guide_labels:
            totals = {mode: [0, 0, 0] for mode in MODES}
            # Each annotator's spans sorted once, then matched in every mode and pair (one document).
            spans = {who: canonical(span_items(data, control, who, [report])) for who in submissions}
            for pair in pairs:
                spans_a, spans_b = spans[pair.a], spans[pair.b]
                results = {}
                for mode in MODES:
                    result = match_sorted(spans_a, spans_b, mode, self.iou if mode == "overlap" else None)
                    results[mode] = result
                    _count(ledger, mode, control, pair, result)
                    self._tally(control, mode, pair, result, totals[mode])
                matches.overlap[control, pair.key] = results["overlap"]
                found.extend(
                    _disagreements(data, control, pair, results["exact"], self.iou, self.no_text, one_document=True)
                )
            for mode in MODES:
                m, a, b = totals[mode]
                if a or b:
                    self.per_document[control, mode].add(report, m, a, b)
        for label_set in self.guide.label_sets:
            for attribute in label_set.attributes:
                cells = self.attribute_cells.setdefault(attribute.name, {})
                missing = self.attribute_missing.setdefault(attribute.name, Counter())
                found.extend(
                    attribute_counts(
                        data, ledger, matches, label_set.name, attribute.name, set(attribute.applies_to),
                        self.no_text, cells, missing,
                    )
                )  # fmt: skip
        directed = {relation.id: relation.directed for relation in self.guide.relations}
        for pair in pairs:
            maps = {"exact": _exact_map(data, pair), "overlap": _overlap_map(data, matches, pair)}
            for mode in ENDPOINT_MODES:
                counts, misses = _pair(data, ledger, maps[mode], pair, directed, self.no_text, mode)
                summed = self.relations[mode].setdefault(pair.key, {})
                for relation_type, (m, a, b) in counts.items():
                    cell = summed.setdefault(relation_type, [0, 0, 0])
                    cell[0] += m
                    cell[1] += a
                    cell[2] += b
                if mode == "overlap":
                    found.extend(misses)
        values: dict[str, tuple[str | None, ...]] = {}
        for spec in self.guide.document_fields:
            chosen = tuple(_value(annotation.fields.get(spec.name)) for annotation in submissions.values())
            values[spec.name] = chosen
            local = dict(zip(submissions, chosen, strict=True))
            for pair in pairs:
                x, y = local[pair.a], local[pair.b]
                if x is not None and y is not None:
                    self.field_confusion[spec.name][x, y] += 1
                if x != y:
                    label = spec.justified_by
                    found.append(
                        make(
                            None if self.no_text else document.text, report, spec.name, "document_value",
                            (pair.a, pair.b), (x, y),
                            _justification(data, report, pair.a, label) if label else None,
                            _justification(data, report, pair.b, label) if label else None,
                        )
                    )  # fmt: skip
            if spec.justified_by:
                positions = {pair.key: (data.annotators.index(pair.a), data.annotators.index(pair.b)) for pair in pairs}
                _justification_section(data, ledger, matches, spec, {report: chosen}, positions)
        if values:
            self.field_values.append((report, tuple(submissions), tuple(values.values())))
        self._row(report, ledger)
        self._alpha(document, submissions)
        self._spill(report, found)

    def _tally(self, control: str, mode: str, pair: Pair, result: Any, total: list[int]) -> None:
        pair_cell = self.pair_counts[control, mode][pair.key]
        pair_cell[0] += result.matched
        pair_cell[1] += result.a
        pair_cell[2] += result.b
        labels = self.label_counts[control, mode]
        matched = 0
        for match in result.pairs:
            matched += 1
            if match.same_label:
                labels[match.a[3]][0] += 1
            else:
                labels[match.a[3]][0] += 0.5
                labels[match.b[3]][0] += 0.5
            labels[match.a[3]][1] += 1
            labels[match.b[3]][2] += 1
        for span in result.unmatched_a:
            labels[span[3]][1] += 1
        for span in result.unmatched_b:
            labels[span[3]][2] += 1
        total[0] += matched
        total[1] += matched + len(result.unmatched_a)
        total[2] += matched + len(result.unmatched_b)
        if mode == "boundary":
            cells, only_a, only_b = self.confusion[control]
            for match in result.pairs:  # plain loops: cheaper than Counter.update on a few items
                cells[match.a[3], match.b[3]] += 1
            for span in result.unmatched_a:
                only_a[span[3]] += 1
            for span in result.unmatched_b:
                only_b[span[3]] += 1

    def _row(self, report: str, ledger: DocumentLedger) -> None:
        """The document's ledger cells (already under the report's column numbers), packed."""
        self.row_columns.extend(ledger.row.keys())
        self.row_values.extend(ledger.row.values())
        self.compared.append(report)
        self.row_ends.append(len(self.row_columns))

    def _alpha(self, document: Document, submissions: dict[str, Annotation]) -> None:
        """Sum α_u over the documents with the most annotators so far: only they can be complete."""
        count = len(submissions)
        if count < self.most:
            return
        if count > self.most:
            self.most = count
            self.alpha = {control: UnitizingSums() for control in self.guide_labels}
        raters = list(submissions)
        for control, sums in self.alpha.items():
            units = [
                (who, s.label, s.begin, s.end)
                for who, annotation in submissions.items()
                for s in annotation.spans
                if s.label_set == control and s.end > s.begin
            ]
            sums.add(document.report, len(document.text), raters, units)

    def _spill(self, report: str, found: list[Disagreement]) -> None:
        if not found:
            return
        found.sort(key=Disagreement.sort_key)
        data = pickle.dumps([item._values() for item in found], protocol=pickle.HIGHEST_PROTOCOL)
        self.index.append((report, self.spill.tell(), len(data)))
        self.spill.write(data)
        self.count += len(found)
        for item in found:
            self.by_kind[item.kind] += 1
            self.by_layer[item.layer] += 1

    def finish(self, skipped: Sequence[Skipped]) -> tuple[dict[str, Any], list[str], SpilledDisagreements]:
        """The report's sections (figures registered, not yet evaluated), the compared documents and the list.

        Returns the sections keyed as in the report and the :class:`Ledger` inside them under
        ``"_ledger"``; :func:`~partages_ls.agreement.report.streamed_report` evaluates and assembles.
        """
        selected = _select(self.names, sorted(self.found))
        pairs = [Pair(a, b) for a, b in combinations(selected, 2)]
        shared = {pair.key: self.shared[pair.key] for pair in pairs}
        compared = sorted(self.compared)
        ledger = Ledger(compared)
        ledger.load(self.columns, self.compared, self.row_ends, self.row_columns, self.row_values)
        self.row_columns, self.row_values = array("I"), array("d")  # the ledger's now, freed once copied
        sections: dict[str, Any] = {"_ledger": ledger}
        complete = self.most == len(selected) and len(selected) >= 2
        spans: dict[str, Any] = {}
        for control, known in self.guide_labels.items():
            labels = known + sorted(self.extra_labels[control] - set(known))
            entry: dict[str, Any] = {"labels": labels}
            for mode in MODES:
                figures = mode_figures(ledger, control, mode, labels, pairs, shared)
                counted = self.pair_counts[control, mode]
                by_label = self.label_counts[control, mode]
                per_document = self.per_document[control, mode]
                per_document.sort()
                entry[mode] = mode_entry(
                    figures,
                    pairs,
                    labels,
                    shared,
                    {pair.key: list(counted.get(pair.key, [0, 0, 0])) for pair in pairs},
                    {label: list(by_label.get(label, [0.0, 0.0, 0.0])) for label in labels},
                    per_document,
                )
            cells, only_a, only_b = self.confusion[control]
            entry["confusion"] = {
                "labels": list(labels),
                "matrix": [[cells[row, column] for column in labels] for row in labels],
                "unmatched_a": [only_a[label] for label in labels],
                "unmatched_b": [only_b[label] for label in labels],
            }
            entry["alpha_u"] = alpha_u_summed(selected, labels, self.alpha[control] if complete else None)
            spans[control] = entry
        sections["spans"] = spans
        attributes: dict[str, Any] = {}
        for label_set in self.guide.label_sets:
            for attribute in label_set.attributes:
                found = self.attribute_cells.get(attribute.name, {})
                cells_by_pair = {pair.key: found.get(pair.key, Counter()) for pair in pairs}
                figures = attribute_figures(ledger, attribute.name, pairs, cells_by_pair)
                attributes[attribute.name] = attribute_entry(
                    figures,
                    label_set.name,
                    set(attribute.applies_to),
                    [value.id for value in attribute.values],
                    pairs,
                    cells_by_pair,
                    self.attribute_missing.get(attribute.name, Counter()),
                )
        sections["attributes"] = attributes
        directed = {relation.id: relation.directed for relation in self.guide.relations}
        per_mode = {
            mode: {pair.key: self.relations[mode].get(pair.key, {}) for pair in pairs} for mode in ENDPOINT_MODES
        }
        sections["relations"] = relations_entry(ledger, directed, pairs, per_mode, shared)
        fields: dict[str, Any] = {}
        for position, spec in enumerate(self.guide.document_fields):
            patterns = []
            for report, submitters, values in self.field_values:
                chosen = dict(zip(submitters, values[position], strict=True))
                pattern = tuple(chosen.get(who) for who in selected)
                patterns.append(pattern)
                ledger.add(report, ("field", spec.name, pattern))
            figures = field_figures(ledger, spec, selected, pairs, set(patterns))
            justification = None
            if spec.justified_by:
                label = spec.justified_by
                if self.guide.label_set_of(label) is None:
                    justification = {"label": label, "overlap_f1": None, "mean_iou": None, "same_class": None}
                else:
                    justification = justification_entry(label, justification_figures(ledger, spec.name))
            fields[spec.name] = field_entry(
                figures, pairs, spec, patterns, self.field_confusion[spec.name], justification
            )
        sections["document_fields"] = fields
        items = self.items
        items.extend(
            flaw_item(flaw, self.no_text)
            for flaw in self.waiting
            if flaw_key(flaw)[1] in self.counted.get(flaw_key(flaw)[0], ())
        )
        sections["conformance"] = conformance_summary(
            items, selected, {who: len(ids) for who, ids in self.counted.items()}, sum(map(len, self.counted.values()))
        )
        counts = self.by_count
        sections["annotators"] = selected
        sections["documents"] = {"total": self.documents, "compared": len(compared)}
        sections["coverage"] = {
            "annotators": {a: {"documents": self.per_annotator[a]} for a in selected},
            "annotators_not_compared": {a: {"documents": n} for a, n in sorted(self.others.items())},
            "pairs": {pair.key: {"documents": shared[pair.key]} for pair in pairs},
            "documents_by_annotator_count": {str(k): counts[k] for k in sorted(counts)},
            "single_annotator_documents": counts[1],
            "unannotated_documents": counts[0],
            "complete_documents": counts[len(selected)] if complete else 0,
            "duplicate_annotations_ignored": self.duplicates,
            "skipped_by_reason": dict(sorted(Counter(s.rule or s.kind for s in skipped).items())),
        }
        listed = SpilledDisagreements(self.spill, self.index, self.count)
        sections["disagreements"] = {
            "count": self.count,
            "by_kind": {kind: self.by_kind[kind] for kind in KINDS if self.by_kind[kind]},
            "by_layer": dict(sorted(self.by_layer.items())),
            "items": _JsonItems(listed),
        }
        return sections, compared, listed


def streamed_report(
    streamed: StreamedReport,
    guide: Guide,
    options: AgreementOptions,
    *,
    skipped: Sequence[Skipped],
    source: str | None,
    contaminated: Sequence[Contaminated],
) -> AgreementReport:
    """The report of every document added, as :func:`compute_report` gives it for the whole corpus.

    The disagreement list (``report.disagreements`` and the JSON's items) is read from the spill file:
    write the outputs before closing it.
    """
    sections, compared, listed = streamed.finish(skipped)
    ledger: Ledger = sections.pop("_ledger")
    report = assemble(guide, source, sections, ledger, options, len(compared), contaminated)
    return AgreementReport(_plain(report), listed, guide)
