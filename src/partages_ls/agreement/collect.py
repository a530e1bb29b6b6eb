"""Who annotated what: a corpus's submitted annotations grouped by document and annotator.

The agreement report compares annotators two by two on the documents both submitted; this module
decides which annotations take part (annotator filter, one annotation per annotator and document)
and answers coverage questions, so the metric builders only see clean, canonically ordered data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

from partages_ls.errors import PartagesError
from partages_ls.exporters.corpus import Annotation, Corpus, Span
from partages_ls.guides.model import Guide

UNKNOWN_ANNOTATOR = "(inconnu)"


class AgreementOptionsError(PartagesError):
    """The options of an agreement report do not fit the export (unknown annotator, bad threshold…)."""


@dataclass(frozen=True, order=True)
class Pair:
    """Two annotators, in alphabetical order; ``key`` ("a|b") names the pair in every report."""

    a: str
    b: str

    @property
    def key(self) -> str:
        return f"{self.a}|{self.b}"


@dataclass
class AgreementData:
    """The annotations taking part in the report, by document (sorted report ids) and annotator."""

    guide: Guide
    texts: dict[str, str]
    annotators: list[str]
    submissions: dict[str, dict[str, Annotation]]
    skipped: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    not_compared: dict[str, int] = field(default_factory=dict)  # annotators left out: documents each submitted
    _spans: dict[tuple[str, str, str], Span] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for document, by_annotator in self.submissions.items():
            for annotator, annotation in by_annotator.items():
                for span in annotation.spans:
                    self._spans[annotator, document, span.id] = span

    @property
    def documents(self) -> list[str]:
        """Every document of the export, sorted by report id."""
        return sorted(self.texts)

    @property
    def compared(self) -> list[str]:
        """Documents submitted by at least two of the selected annotators (the bootstrap's units)."""
        return [d for d in self.documents if len(self.submissions.get(d, {})) >= 2]

    @property
    def complete(self) -> list[str]:
        """Documents every selected annotator submitted (Fleiss' κ and α_u need complete data)."""
        if len(self.annotators) < 2:
            return []
        return [d for d in self.documents if len(self.submissions.get(d, {})) == len(self.annotators)]

    @property
    def pairs(self) -> list[Pair]:
        return [Pair(a, b) for a, b in combinations(self.annotators, 2)]

    def shared(self, pair: Pair) -> list[str]:
        """Documents both annotators of the pair submitted: the only ones that count for the pair."""
        return [d for d in self.documents if pair.a in self.submissions.get(d, {}) and pair.b in self.submissions[d]]

    def annotation(self, document: str, annotator: str) -> Annotation | None:
        return self.submissions.get(document, {}).get(annotator)

    def span(self, annotator: str, document: str, span_id: str) -> Span:
        return self._spans[annotator, document, span_id]

    def coverage(self) -> dict[str, object]:
        """Who annotated what, for the report (documents per annotator and per pair)."""
        per_annotator = Counter(a for by in self.submissions.values() for a in by)
        counts = Counter(len(self.submissions.get(d, {})) for d in self.documents)
        return {
            "annotators": {a: {"documents": per_annotator[a]} for a in self.annotators},
            "annotators_not_compared": {a: {"documents": n} for a, n in sorted(self.not_compared.items())},
            "pairs": {pair.key: {"documents": len(self.shared(pair))} for pair in self.pairs},
            "documents_by_annotator_count": {str(k): counts[k] for k in sorted(counts)},
            "single_annotator_documents": counts[1],
            "unannotated_documents": counts[0],
            "complete_documents": len(self.complete),
            "duplicate_annotations_ignored": self.duplicates,
            "skipped_by_reason": dict(sorted(self.skipped.items())),
        }


def _select(names: Sequence[str] | None, found: Sequence[str]) -> list[str]:
    if names is None:
        return sorted(found)
    wanted = sorted({name.strip() for name in names if name.strip()})
    if not wanted:
        raise AgreementOptionsError("the list of annotators to compare is empty")
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise AgreementOptionsError(
            f"unknown annotator(s) {', '.join(unknown)}; the export has: {', '.join(sorted(found)) or 'none'}"
        )
    return wanted


def collect(corpus: Corpus, guide: Guide, annotators: Sequence[str] | None = None) -> AgreementData:
    """Group the corpus's submitted annotations; with several by one annotator on a document, keep the latest.

    "Latest" is the largest annotation id (Label Studio numbers annotations in creation order); the
    others are counted in ``duplicates`` and named in the coverage section.
    """
    found = sorted({a.annotator or UNKNOWN_ANNOTATOR for d in corpus.documents for a in d.annotations})
    selected = _select(annotators, found)
    chosen = set(selected)
    texts: dict[str, str] = {}
    submissions: dict[str, dict[str, Annotation]] = {}
    others: dict[str, set[str]] = {}
    duplicates = 0
    for document in corpus.documents:
        texts[document.report] = document.text
        by_annotator: dict[str, Annotation] = {}
        for annotation in document.annotations:
            who = annotation.annotator or UNKNOWN_ANNOTATOR
            if who not in chosen:
                others.setdefault(who, set()).add(document.report)
                continue
            previous = by_annotator.get(who)
            if previous is not None:
                duplicates += 1
                if (previous.annotation_id or 0) >= (annotation.annotation_id or 0):
                    continue
            by_annotator[who] = annotation
        if by_annotator:
            submissions[document.report] = dict(sorted(by_annotator.items()))
    skipped = Counter(s.rule or s.kind for s in corpus.skipped)
    not_compared = {who: len(documents) for who, documents in others.items()}
    return AgreementData(guide, texts, selected, submissions, dict(skipped), duplicates, not_compared)
