"""Guide conformance of the annotations an agreement report counts: a quality signal, not a filter.

Every submitted annotation is counted as stored; the guide's rules it breaks (a missing required
attribute, a relation drawn backwards, a span boundary on a determiner or a full stop…) are listed
here per annotator and per rule, next to the agreement figures they may explain.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from partages_ls.agreement.collect import UNKNOWN_ANNOTATOR, AgreementData
from partages_ls.exporters.corpus import Corpus


def conformance_section(corpus: Corpus, data: AgreementData, *, no_text: bool = False) -> dict[str, Any]:
    """Violations of the counted annotations, per annotator and per rule, and each one located."""
    counted = {
        (annotator, annotation.annotation_id): document
        for document, by_annotator in data.submissions.items()
        for annotator, annotation in by_annotator.items()
    }
    per_annotator = Counter(annotator for annotator, _ in counted)
    items: list[dict[str, Any]] = []
    for flaw in corpus.flaws:
        who = flaw.provenance.annotator or UNKNOWN_ANNOTATOR
        if (who, flaw.provenance.annotation_id) not in counted:
            continue
        items.append(
            {
                "annotator": who,
                "document": flaw.report,
                "annotation": flaw.provenance.annotation_id,
                "result": flaw.provenance.result_id,
                "rule": flaw.rule,
                "level": flaw.level,
                "message": None if no_text else flaw.message,
            }
        )
    items.sort(key=lambda i: (i["annotator"], i["document"], i["rule"], str(i["result"])))
    annotators: dict[str, Any] = {}
    for annotator in data.annotators:
        mine = [i for i in items if i["annotator"] == annotator]
        levels = Counter(i["level"] for i in mine)
        annotators[annotator] = {
            "annotations": per_annotator[annotator],
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
        "counted_annotations": len(counted),
        "violations": len(items),
        "annotators": annotators,
        "rules": rules,
        "items": items,
    }
