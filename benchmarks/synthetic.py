"""A synthetic PARHAF-scale Label Studio export, seeded, in the exact shape Label Studio exports it.

Each report is a few thousand characters of filler words and sentences with reference mentions
placed in it; every annotator's annotation is the reference with realistic noise (missed spans,
boundaries moved by a word, another label, another attribute value, an extra span, a dropped
relation). Every item passes the guide's validation, so the reader keeps all of it.

Reusable by every benchmark: ``synthetic_export(load_guide("infectiologie"), SyntheticSpec())``.
Works with any guide's first label set, its attributes and relations; document fields get one
random value (a ``justified_by`` count rule, as in CU5b, is not honoured).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.guides.model import Guide, LabelSet, RelationType

SYLLABLES = ("ba", "ce", "di", "fo", "gu", "la", "me", "ni", "po", "ra", "se", "ti", "vo", "lu", "ga", "ro")


@dataclass(frozen=True)
class SyntheticSpec:
    """Size of the export and how much the annotators disagree (probabilities per reference item)."""

    reports: int = 7394
    chars: int = 4000
    spans: int = 14
    annotators: tuple[str, ...] = ("annotateur1@parhaf.fr", "annotateur2@parhaf.fr")
    seed: int = 2024
    miss: float = 0.07
    shift: float = 0.10
    relabel: float = 0.04
    attribute_change: float = 0.06
    extra: float = 0.5
    relation_drop: float = 0.10
    relations: int = 3
    label_weights: dict[str, float] = field(default_factory=dict)


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))


def _region_id(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") for _ in range(10))


@dataclass
class _Reference:
    first: int
    last: int
    label: str
    attributes: dict[str, str]


class _Report:
    """One report's text, its words' offsets, and which separators are a single space."""

    def __init__(self, rng: random.Random, spec: SyntheticSpec) -> None:
        words: list[str] = []
        separators: list[str] = []
        length = 0
        while length < spec.chars:
            word = _word(rng)
            draw = rng.random()
            separator = " " if draw < 0.8 else ", " if draw < 0.87 else ". " if draw < 0.95 else ".\n"
            words.append(word.capitalize() if not separators or separators[-1] in (". ", ".\n") else word)
            separators.append(separator)
            length += len(word) + len(separator)
        separators[-1] = ".\n"
        self.words = words
        self.separators = separators
        self.begins: list[int] = []
        parts: list[str] = []
        position = 0
        for word, separator in zip(words, separators, strict=True):
            self.begins.append(position)
            parts.append(word + separator)
            position += len(word) + len(separator)
        self.text = "".join(parts)

    def end(self, index: int) -> int:
        return self.begins[index] + len(self.words[index])

    def joined(self, first: int, last: int) -> bool:
        """Whether words first..last are separated by single spaces only (one clean span)."""
        return all(self.separators[i] == " " for i in range(first, last))


def _labels(label_set: LabelSet, spec: SyntheticSpec) -> tuple[list[str], list[float]]:
    ids = [label.id for label in label_set.labels]
    return ids, [spec.label_weights.get(i, 1.0) for i in ids]


def _attribute_value(rng: random.Random, values: list[str]) -> str:
    return values[0] if rng.random() < 0.7 or len(values) == 1 else rng.choice(values[1:])


def _references(rng: random.Random, report: _Report, label_set: LabelSet, spec: SyntheticSpec) -> list[_Reference]:
    ids, weights = _labels(label_set, spec)
    taken: set[int] = set()
    found: list[_Reference] = []
    attempts = 0
    while len(found) < spec.spans and attempts < spec.spans * 20:
        attempts += 1
        size = rng.choice((1, 1, 2, 2, 3))
        first = rng.randrange(0, len(report.words) - size)
        last = first + size - 1
        if any(i in taken for i in range(first - 1, last + 2)) or not report.joined(first, last):
            continue
        taken.update(range(first, last + 1))
        label = rng.choices(ids, weights)[0]
        attributes = {
            a.name: _attribute_value(rng, [v.id for v in a.values])
            for a in label_set.attributes
            if label in a.applies_to
        }
        found.append(_Reference(first, last, label, attributes))
    found.sort(key=lambda r: r.first)
    return found


def _reference_relations(
    rng: random.Random, refs: list[_Reference], relations: list[RelationType], count: int
) -> list[tuple[int, int, str]]:
    links: list[tuple[int, int, str]] = []
    for _ in range(count * 4):
        if len(links) >= count or not relations:
            break
        spec = rng.choice(relations)
        sources = [i for i, r in enumerate(refs) if r.label in spec.sources]
        targets = [i for i, r in enumerate(refs) if r.label in spec.targets]
        if not sources or not targets:
            continue
        link = (rng.choice(sources), rng.choice(targets), spec.id)
        if link[0] != link[1] and link not in links:
            links.append(link)
    return links


def _annotation(
    rng: random.Random,
    report: _Report,
    refs: list[_Reference],
    links: list[tuple[int, int, str]],
    guide: Guide,
    spec: SyntheticSpec,
    annotation_id: int,
    annotator: str,
    annotator_id: int,
) -> dict[str, Any]:
    label_set = guide.label_sets[0]
    ids, weights = _labels(label_set, spec)
    attributes = {a.name: a for a in label_set.attributes}
    results: list[dict[str, Any]] = []
    kept: dict[int, tuple[str, str]] = {}
    used: set[tuple[int, int]] = set()

    def add(first: int, last: int, label: str, values: dict[str, str]) -> str | None:
        begin, end = report.begins[first], report.end(last)
        if (begin, end) in used:
            return None
        used.add((begin, end))
        rid = _region_id(rng)
        value = {"start": begin, "end": end, "text": report.text[begin:end]}
        results.append(
            {
                "id": rid,
                "from_name": label_set.name,
                "to_name": "text",
                "type": "labels",
                "origin": "manual",
                "value": {**value, "labels": [label]},
            }
        )
        for name, chosen in values.items():
            results.append(
                {
                    "id": rid,
                    "from_name": name,
                    "to_name": "text",
                    "type": "choices",
                    "origin": "manual",
                    "value": {**value, "choices": [chosen]},
                }
            )
        return rid

    for index, ref in enumerate(refs):
        if rng.random() < spec.miss:
            continue
        first, last, label = ref.first, ref.last, ref.label
        if rng.random() < spec.shift:
            if last > first and rng.random() < 0.5:
                last -= 1
            elif last + 1 < len(report.words) and report.joined(last, last + 1):
                last += 1
            elif first > 0 and report.joined(first - 1, first):
                first -= 1
        if rng.random() < spec.relabel:
            label = rng.choices(ids, weights)[0]
        values: dict[str, str] = {}
        for name, attribute in attributes.items():
            if label not in attribute.applies_to:
                continue
            choices = [v.id for v in attribute.values]
            value = ref.attributes.get(name) or _attribute_value(rng, choices)
            if rng.random() < spec.attribute_change and len(choices) > 1:
                value = rng.choice([c for c in choices if c != value])
            values[name] = value
        rid = add(first, last, label, values)
        if rid is not None:
            kept[index] = (rid, label)
    if rng.random() < spec.extra:
        word = rng.randrange(len(report.words))
        label = rng.choices(ids, weights)[0]
        values = {
            name: _attribute_value(rng, [v.id for v in a.values])
            for name, a in attributes.items()
            if label in a.applies_to
        }
        add(word, word, label, values)
    specs = {r.id: r for r in guide.relations}
    for source, target, relation_type in links:
        if rng.random() < spec.relation_drop or source not in kept or target not in kept:
            continue
        relation = specs[relation_type]
        if kept[source][1] not in relation.sources or kept[target][1] not in relation.targets:
            continue
        results.append(
            {
                "from_id": kept[source][0],
                "to_id": kept[target][0],
                "type": "relation",
                "direction": "right",
                "labels": [relation_type],
            }
        )
    for document_field in guide.document_fields:
        results.append(
            {
                "id": _region_id(rng),
                "from_name": document_field.name,
                "to_name": "text",
                "type": "choices",
                "origin": "manual",
                "value": {"choices": [rng.choice(document_field.values).id]},
            }
        )
    return {
        "id": annotation_id,
        "completed_by": {"id": annotator_id, "email": annotator, "first_name": "", "last_name": ""},
        "result": results,
        "was_cancelled": False,
        "ground_truth": False,
        "lead_time": round(rng.uniform(60, 900), 1),
    }


def synthetic_export(guide: Guide, spec: SyntheticSpec | None = None) -> list[dict[str, Any]]:
    """The task list of a Label Studio JSON export of ``spec.reports`` reports annotated by every annotator."""
    return list(iter_synthetic_tasks(guide, spec))


def write_synthetic_export(guide: Guide, spec: SyntheticSpec, path: Path) -> dict[str, int]:
    """Write the export's JSON task by task (the same bytes as ``json.dumps(synthetic_export(...))``
    with ``ensure_ascii=False``), so a 10x export never sits in memory; returns a few counts."""
    counts = {"reports": 0, "characters": 0, "results": 0}
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for task in iter_synthetic_tasks(guide, spec):
            handle.write((", " if counts["reports"] else "") + json.dumps(task, ensure_ascii=False))
            counts["reports"] += 1
            counts["characters"] += len(task["data"]["text"])
            counts["results"] += sum(len(a["result"]) for a in task["annotations"])
        handle.write("]")
    return counts


def iter_synthetic_tasks(guide: Guide, spec: SyntheticSpec | None = None) -> Iterator[dict[str, Any]]:
    """The tasks of :func:`synthetic_export`, one at a time."""
    spec = spec or SyntheticSpec()
    rng = random.Random(spec.seed)
    label_set = guide.label_sets[0]
    annotation_id = 0
    for number in range(1, spec.reports + 1):
        report = _Report(rng, spec)
        refs = _references(rng, report, label_set, spec)
        links = _reference_relations(rng, refs, list(guide.relations), spec.relations)
        annotations = []
        for position, annotator in enumerate(spec.annotators, start=1):
            annotation_id += 1
            annotations.append(_annotation(rng, report, refs, links, guide, spec, annotation_id, annotator, position))
        yield {
            "id": number,
            "data": {"text": report.text, "report": f"PARHAF-SYNTH-{number:05d}_CRH"},
            "annotations": annotations,
            "drafts": [],
            "predictions": [],
            "meta": {},
        }


def import_entries(tasks: list[dict[str, Any]], user_ids: dict[str, int]) -> list[dict[str, Any]]:
    """The tasks as Label Studio's bulk import takes them: each annotation credited to its annotator's user id."""
    return [
        {
            "data": task["data"],
            "annotations": [
                {"result": a["result"], "completed_by": user_ids[a["completed_by"]["email"]]}
                for a in task["annotations"]
            ],
        }
        for task in tasks
    ]
