"""A Label Studio export with every kind of item and every kind of skip, for the streaming harness.

The bundled infectiologie samples (two annotators, every report: spans, attributes, relations,
document fields) followed by one task per hostile case of ``test_hostile_inputs`` (each damage the
reader lists or refuses), a cancelled annotation, a draft, a prediction, a ground truth, a span
outside its text, a relation to a missing region and an unknown label, each in a task of its own
with its own id. ``SKIP_KINDS``, ``SKIP_RULES`` and ``WARNING_RULES`` are what the reader must list for it: the
test checks them, so the generator cannot lose a kind without a failure.
"""

from __future__ import annotations

import copy
from typing import Any

from .lsexport import annotation, region, relation, task
from .mutations import sample_export
from .test_hostile_inputs import CASES, TEXT, _base

SKIP_KINDS = frozenset({"annotation", "draft", "prediction", "relation", "result", "span", "task"})
SKIP_RULES = frozenset(
    {
        "cancelled",
        "draft",
        "malformed",
        "offsets",
        "orphan-attribute",
        "prediction",
        "relation-endpoint",
        "relation-endpoint-skipped",
        "task-text",
        "unknown-label",
    }
)
WARNING_RULES = frozenset({"annotator-encoding", "duplicate-annotation-id", "duplicate-task-id", "required-attribute"})


def every_kind_export() -> list[dict[str, Any]]:
    """The tasks (new list each call); ids stay unique except where a case duplicates them."""
    tasks: list[dict[str, Any]] = sample_export("infectiologie")
    next_id = 1000
    for name in sorted(CASES):
        mutation, _ = CASES[name]
        case = _base()
        mutation(case)
        for item in case:
            item = copy.deepcopy(item)
            if name != "duplicate task and annotation ids":
                item["id"] = next_id
                for number, raw in enumerate(
                    item.get("annotations") if isinstance(item.get("annotations"), list) else []
                ):
                    if isinstance(raw, dict):
                        raw["id"] = next_id * 10 + number
            data = item.get("data")
            if isinstance(data, dict) and "report" in data and name != "report id with a lone surrogate":
                data["report"] = f"{data['report']}-{next_id}"
            tasks.append(item)
            next_id += 1
    span = [region("s1", 0, 11, "Bacteriemie", TEXT)]
    extras = [
        task(next_id, "CANCELLED", TEXT, [annotation(1, "a@x.fr", span, was_cancelled=True)]),
        task(next_id + 1, "DRAFT", TEXT, [], drafts=[{"id": 7, "result": span}]),
        task(next_id + 2, "PREDICTION", TEXT, [], predictions=[{"id": 8, "result": span, "model_version": "m"}]),
        task(next_id + 3, "GROUND-TRUTH", TEXT, [annotation(2, "a@x.fr", span, ground_truth=True)]),
        task(next_id + 4, "OUTSIDE", TEXT, [annotation(3, "a@x.fr", [region("o1", 30, 900, "Bacterie", TEXT)])]),
        task(
            next_id + 5,
            "DANGLING",
            TEXT,
            [annotation(4, "a@x.fr", [*span, relation("s1", "absent", "AGENT_PATHOGENE")])],
        ),
        task(next_id + 6, "UNKNOWN-LABEL", TEXT, [annotation(5, "a@x.fr", [region("u1", 0, 11, "Inconnue", TEXT)])]),
        task(next_id + 7, "EMPTY", "", []),
    ]
    return [*tasks, *extras]
