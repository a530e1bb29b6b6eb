"""Curator decisions as data: resolve conflicts by taking one annotator's version (or none).

Used by the demo (bundled decisions in ``samples/<guide>/curation/decisions.json``) and by tests,
to produce what a curator would submit without a browser. A decision file reads::

    {"reports": {"REPORT": {"field:Nomenclature": "a@x.fr", "span:LABEL:12-17": null, ...}}}

where each key is a conflict key (see :class:`~partages_ls.curation.merge.Conflict`) and the value
the annotator whose version is kept (``null``: nobody's, the unit is left out). A conflict without a
decision keeps its marker, so the result cannot pass as curated.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from partages_ls.curation.merge import MergeResult
from partages_ls.curation.studio_format import DONE_CONTROL, DONE_VALUE, starting_results
from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.exporters.corpus import Annotation, Document, Relation, Span
from partages_ls.exporters.labelstudio.write import write_labelstudio
from partages_ls.guides.model import Guide


def load_decisions(path: Path) -> dict[str, dict[str, str | None]]:
    """The per-report decisions of a file; a located error when it is malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        reports = data["reports"]
        if not isinstance(reports, dict) or not all(isinstance(v, dict) for v in reports.values()):
            raise TypeError("reports must map report ids to {conflict key: annotator or null}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DiagnosticError("unreadable curator decisions", [Diagnostic(str(path), str(exc))]) from None
    return {str(report): dict(decisions) for report, decisions in reports.items()}


def _position(text: str) -> tuple[str, int, int]:
    label_set, _, offsets = text.rpartition(":")
    begin, _, end = offsets.partition("-")
    return label_set, int(begin), int(end)


def resolve(document: Document, merged: MergeResult, decisions: dict[str, str | None]) -> tuple[Annotation, list[str]]:
    """The merged annotation with the decided conflicts resolved; also the keys left undecided."""
    by_who = {a.annotator or "": a for a in document.annotations}
    resolved = copy.deepcopy(merged.merged)
    undecided = []
    kinds = {"span": 0, "attribute": 1, "relation": 2, "field": 3}
    for conflict in sorted(merged.conflicts, key=lambda c: kinds[c.kind]):
        if conflict.key not in decisions:
            undecided.append(conflict.key)
            continue
        who = decisions[conflict.key]
        source = by_who.get(who or "")
        if who is None or source is None:
            continue
        body = conflict.key.split(":", 1)[1]
        if conflict.kind == "span":
            label_set, begin, end = _position(body)
            for span in source.spans:
                if (span.label_set, span.begin, span.end) == (label_set, begin, end):
                    taken = Span(f"c{len(resolved.spans) + 1}", span.label_set, span.label, begin, end)
                    taken.attributes = dict(span.attributes)
                    resolved.spans.append(taken)
        elif conflict.kind == "attribute":
            where, _, name = body.rpartition(":")
            label_set, begin, end = _position(where)
            value = next(
                (
                    s.attributes.get(name)
                    for s in source.spans
                    if (s.label_set, s.begin, s.end) == (label_set, begin, end)
                ),
                None,
            )
            for span in resolved.spans:
                if (span.label_set, span.begin, span.end) == (label_set, begin, end) and value is not None:
                    span.attributes[name] = value
        elif conflict.kind == "relation":
            ends = {_position(part) for part in body.split("~")}
            mine = {(s.label_set, s.label, s.begin, s.end): s.id for s in resolved.spans}
            theirs = {s.id: (s.label_set, s.label, s.begin, s.end) for s in source.spans}
            for relation in source.relations:
                pair = (theirs.get(relation.source), theirs.get(relation.target))
                if None in pair or {(p[0], p[2], p[3]) for p in pair if p} != ends:
                    continue
                ids = [mine.get(p) for p in pair if p]
                if len(ids) == 2 and ids[0] and ids[1]:
                    resolved.relations.append(
                        Relation(f"{ids[0]}>{ids[1]}:{relation.type}", relation.type, ids[0], ids[1])
                    )
        elif conflict.kind == "field":
            name = body
            if name in source.fields:
                resolved.fields[name] = list(source.fields[name])
    resolved.sort()
    return resolved, undecided


def curated_results(
    document: Document, merged: MergeResult, decisions: dict[str, str | None], guide: Guide
) -> list[dict[str, Any]]:
    """What a curator following ``decisions`` submits: resolved units, markers of undecided conflicts, done box."""
    resolved, undecided = resolve(document, merged, decisions)
    results = write_labelstudio(resolved, guide, text=document.text)
    if undecided:
        kept = [c for c in merged.conflicts if c.key in undecided]
        left = MergeResult(merged.report, merged.strategy, merged.annotators, Annotation(), kept)
        results += starting_results(left, guide, document.text)  # markers only: they stay unresolved
    results.append(
        {
            "id": "curation",
            "from_name": DONE_CONTROL,
            "to_name": guide.text.data_key,
            "type": "choices",
            "value": {"choices": [DONE_VALUE]},
        }
    )
    return results
