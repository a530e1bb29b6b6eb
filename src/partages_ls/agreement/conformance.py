"""Guide conformance of the annotations an agreement report counts: a quality signal, not a filter.

Every submitted annotation is counted as stored; the guide's rules it breaks (a missing required
attribute, a relation drawn backwards, a span boundary on a determiner or a full stop…) are listed
here per annotator and per rule, next to the agreement figures they may explain.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from partages_ls.agreement.collect import UNKNOWN_ANNOTATOR, AgreementData
from partages_ls.exporters.corpus import Corpus, Flaw


def conformance_section(corpus: Corpus, data: AgreementData, *, no_text: bool = False) -> dict[str, Any]:
    """Violations of the counted annotations, per annotator and per rule, and each one located."""
    counted = {
        (annotator, annotation.annotation_id): document
        for document, by_annotator in data.submissions.items()
        for annotator, annotation in by_annotator.items()
    }
    per_annotator = Counter(annotator for annotator, _ in counted)
    items = [flaw_item(flaw, no_text) for flaw in corpus.flaws if flaw_key(flaw) in counted]
    return conformance_summary(items, data.annotators, per_annotator, len(counted))


def flaw_key(flaw: Flaw) -> tuple[str, int | None]:
    """(annotator, annotation id) of a violation: it is listed when that annotation is counted."""
    return flaw.provenance.annotator or UNKNOWN_ANNOTATOR, flaw.provenance.annotation_id


def flaw_item(flaw: Flaw, no_text: bool) -> dict[str, Any]:
    """One violation as the report lists it."""
    return {
        "annotator": flaw.provenance.annotator or UNKNOWN_ANNOTATOR,
        "document": flaw.report,
        "annotation": flaw.provenance.annotation_id,
        "result": flaw.provenance.result_id,
        "rule": flaw.rule,
        "level": flaw.level,
        "message": None if no_text else flaw.message,
    }


def conformance_summary(
    items: list[dict[str, Any]], selected: Sequence[str], per_annotator: Mapping[str, int], counted: int
) -> dict[str, Any]:
    """The section from the listed violations (sorted here) and the annotations counted per annotator."""
    items.sort(key=lambda i: (i["annotator"], i["document"], i["rule"], str(i["result"])))
    annotators: dict[str, Any] = {}
    for annotator in selected:
        mine = [i for i in items if i["annotator"] == annotator]
        levels = Counter(i["level"] for i in mine)
        annotators[annotator] = {
            "annotations": per_annotator.get(annotator, 0),
            "annotations_with_violations": len({(i["document"], i["annotation"]) for i in mine}),
            "errors": levels["error"],
            "warnings": levels["warning"],
            "by_rule": dict(sorted(Counter(i["rule"] for i in mine).items())),
        }
    rules: dict[str, Any] = {}
    for rule in sorted({i["rule"] for i in items}):
        mine = [i for i in items if i["rule"] == rule]
        rules[rule] = {
            "level": mine[0]["level"],
            "count": len(mine),
            "by_annotator": dict(sorted(Counter(i["annotator"] for i in mine).items())),
        }
    return {
        "counted_annotations": counted,
        "violations": len(items),
        "annotators": annotators,
        "rules": rules,
        "items": items,
    }
