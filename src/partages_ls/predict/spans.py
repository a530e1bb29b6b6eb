"""Suggestions (span, label, attribute values) and their Label Studio result items.

A model returns :class:`Suggestion` objects; :func:`to_results` turns them into the result items
the labeling interface writes (a ``labels`` item and one ``choices`` item per attribute, sharing
the region id), so that an annotator accepts a suggestion exactly as if they had made it.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from partages_ls.guides.model import Guide

_EDGE = " \t\r\n\u00a0.,;:!?'\"()[]{}«»/’"


@dataclass(frozen=True)
class Suggestion:
    """One proposed span: ``label`` is a label id, ``attributes`` maps attribute names to value ids."""

    start: int
    end: int
    label: str
    attributes: tuple[tuple[str, str], ...] = ()
    score: float = 1.0
    source: str = field(default="", compare=False)

    def with_attributes(self, **values: str) -> Suggestion:
        merged = dict(self.attributes) | values
        return Suggestion(self.start, self.end, self.label, tuple(sorted(merged.items())), self.score, self.source)

    @property
    def attribute_map(self) -> dict[str, str]:
        return dict(self.attributes)


def make(start: int, end: int, label: str, score: float = 1.0, source: str = "", **attributes: str) -> Suggestion:
    """A suggestion with its attribute values given as keywords (``RolePER="Patient"``)."""
    return Suggestion(start, end, label, tuple(sorted(attributes.items())), score, source)


def trim(text: str, start: int, end: int, edge: str = _EDGE) -> tuple[int, int]:
    """Offsets without spaces or punctuation at either end (the guides' boundary rule)."""
    while start < end and text[start] in edge:
        start += 1
    while end > start and text[end - 1] in edge:
        end -= 1
    return start, end


def resolve_overlaps(
    suggestions: Iterable[Suggestion], rank: dict[str, int] | None = None, *, stack: bool = False
) -> list[Suggestion]:
    """Keep non-overlapping suggestions: lower source rank first (when given), then higher score,
    then longer, then earlier. ``stack`` keeps a suggestion on exactly the same span as a kept one
    when its label differs (CU5a annotates « MSS » both as Biomarker and as Status).

    Guides that allow nested spans still get one suggestion per passage: a suggestion is a starting
    point for the annotator, and stacked proposals on the same words are harder to correct.
    """
    ranks = rank or {}
    ordered = sorted(
        suggestions, key=lambda s: (ranks.get(s.source, 0), -s.score, -(s.end - s.start), s.start, s.label)
    )
    starts: list[int] = []  # kept spans, sorted by start; they never overlap (stacked ones aside)
    spans: list[tuple[int, int]] = []
    labels: dict[tuple[int, int], set[str]] = {}
    taken: list[Suggestion] = []
    for candidate in ordered:
        if candidate.end <= candidate.start:
            continue
        key = (candidate.start, candidate.end)
        if key in labels:
            if not stack or candidate.label in labels[key]:
                continue
            labels[key].add(candidate.label)
            taken.append(candidate)
            continue
        at = bisect_left(starts, candidate.start)
        if at < len(spans) and spans[at][0] < candidate.end:
            continue
        if at > 0 and spans[at - 1][1] > candidate.start:
            continue
        starts.insert(at, candidate.start)
        spans.insert(at, key)
        labels[key] = {candidate.label}
        taken.append(candidate)
    return sorted(taken, key=lambda s: (s.start, s.end, s.label))


def confidence(suggestion: Suggestion) -> float:
    """The score Label Studio shows, in [0, 1] (models rank with scores above 1 internally)."""
    return round(min(1.0, max(0.0, suggestion.score)), 3)


def prediction_score(suggestions: list[Suggestion]) -> float:
    """A prediction's score: the mean confidence of its suggestions (0 when there are none)."""
    return round(sum(confidence(s) for s in suggestions) / len(suggestions), 3) if suggestions else 0.0


def region_id(suggestion: Suggestion) -> str:
    """A stable 10-character region id (the same suggestion always gets the same id)."""
    key = f"{suggestion.start}:{suggestion.end}:{suggestion.label}".encode()
    digest = hashlib.sha1(key, usedforsecurity=False).hexdigest()
    return "p" + digest[:9]


def fit(guide: Guide, text: str, suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    """Suggestions shaped to the guide's span rules: ends trimmed of the characters its
    ``span_boundaries`` rule forbids, and no span across a line break when ``no_line_break`` applies."""
    edge = "".join(rule.forbidden for rule in guide.rules if rule.kind == "span_boundaries") or _EDGE
    one_line = any(rule.kind == "no_line_break" for rule in guide.rules)
    out = []
    for s in suggestions:
        start, end = trim(text, s.start, s.end, edge)
        if end <= start or (one_line and "\n" in text[start:end]):
            continue
        if (start, end) != (s.start, s.end):
            s = Suggestion(start, end, s.label, s.attributes, s.score, s.source)
        out.append(s)
    return out


def to_results(guide: Guide, text: str, suggestions: Iterable[Suggestion]) -> list[dict[str, Any]]:
    """Label Studio result items for ``suggestions`` in ``guide``'s labeling config.

    Spans are first fitted to the guide's span rules (:func:`fit`). Labels or attribute values the
    guide does not know are left out (a suggestion never carries a value the config cannot show).
    """
    controls: dict[str, str] = {}
    attributes: dict[str, tuple[set[str], set[str]]] = {}
    for label_set in guide.label_sets:
        for label in label_set.labels:
            controls[label.id] = label_set.name
        for attribute in label_set.attributes:
            attributes[attribute.name] = ({v.id for v in attribute.values}, set(attribute.applies_to))
    to_name = guide.text.data_key
    results: list[dict[str, Any]] = []
    for suggestion in fit(guide, text, suggestions):
        control = controls.get(suggestion.label)
        if control is None:
            continue
        rid = region_id(suggestion)
        span = {"start": suggestion.start, "end": suggestion.end, "text": text[suggestion.start : suggestion.end]}
        results.append(
            {
                "id": rid,
                "from_name": control,
                "to_name": to_name,
                "type": "labels",
                "value": {**span, "labels": [suggestion.label]},
                "score": confidence(suggestion),
            }
        )
        for name, value in suggestion.attributes:
            known = attributes.get(name)
            if known is None or value not in known[0] or suggestion.label not in known[1]:
                continue
            results.append(
                {
                    "id": rid,
                    "from_name": name,
                    "to_name": to_name,
                    "type": "choices",
                    "value": {**span, "choices": [value]},
                }
            )
    return results


def from_results(results: Iterable[dict[str, Any]]) -> list[Suggestion]:
    """Suggestions back from Label Studio result items (span labels and their per-region choices)."""
    spans: dict[str, tuple[int, int, str]] = {}
    values: dict[str, dict[str, str]] = {}
    for item in results:
        if not isinstance(item, dict):
            continue
        value = item.get("value") or {}
        rid = str(item.get("id"))
        if not isinstance(value.get("start"), int) or not isinstance(value.get("end"), int):
            continue
        if item.get("type") == "labels" and value.get("labels"):
            spans[rid] = (value["start"], value["end"], str(value["labels"][0]))
        elif item.get("type") == "choices" and value.get("choices"):
            values.setdefault(rid, {})[str(item.get("from_name"))] = str(value["choices"][0])
    return [
        Suggestion(start, end, label, tuple(sorted(values.get(rid, {}).items())))
        for rid, (start, end, label) in spans.items()
    ]
