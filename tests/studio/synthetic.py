"""Synthetic but valid Label Studio annotations for any guide, on any report text (test helper).

Spans are whole words picked from the text; labels cycle through the guide's labels, attributes
take an allowed value, relations link allowed pairs, document fields take a value. ``variant``
changes a few choices so that two "annotators" agree on most things but not all.
"""

from __future__ import annotations

import json
import re
from typing import Any

from partages_ls.guides.model import Guide
from partages_ls.rules.compile import compile_rules

_WORD = re.compile(r"[A-Za-zÀ-ÿ]{7,}")


def _words(text: str, count: int) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        found.append((match.start(), match.end()))
        if len(found) == count:
            break
    return found


def make_results(guide: Guide, text: str, *, variant: int = 0, spans: int = 6) -> list[dict[str, Any]]:
    """A valid ``result`` list for ``text`` under ``guide`` (checked by the tests that use it)."""
    rules = compile_rules(guide)
    to_name = guide.text.data_key
    results: list[dict[str, Any]] = []
    regions: list[tuple[str, str]] = []  # (id, label)
    count_rules = [r for r in rules["rules"] if r["kind"] == "count" and r["max"] is not None]
    for control, labels in rules["label_sets"].items():
        limit = min([r["max"] for r in count_rules if set(r["labels"]) & set(labels)] or [spans])
        positions = _words(text, min(spans, limit) + variant)[variant:] if limit >= spans else _words(text, limit)
        for index, (start, end) in enumerate(positions):
            label = labels[(index + variant * (index % 3 == 2)) % len(labels)]
            rid = f"{control[:3]}{variant}x{index:03d}"
            value = {"start": start, "end": end, "text": text[start:end]}
            results.append(
                {
                    "id": rid,
                    "from_name": control,
                    "to_name": to_name,
                    "type": "labels",
                    "value": {**value, "labels": [label]},
                }
            )
            for name, spec in rules["attributes"].items():
                if spec["label_set"] == control and label in spec["applies_to"]:
                    choice = spec["values"][(index + variant) % len(spec["values"])]
                    results.append(
                        {
                            "id": rid,
                            "from_name": name,
                            "to_name": to_name,
                            "type": "choices",
                            "value": {**value, "choices": [choice]},
                        }
                    )
            regions.append((rid, label))
    for name, spec in rules["relations"].items():
        sources = [r for r in regions if r[1] in spec["sources"]]
        targets = [r for r in regions if r[1] in spec["targets"]]
        if sources and targets and sources[0][0] != targets[0][0]:
            results.append(
                {
                    "from_id": sources[0][0],
                    "to_id": targets[0][0],
                    "type": "relation",
                    "direction": "right",
                    "labels": [name],
                }
            )
    for name, spec in rules["document_fields"].items():
        results.append(
            {
                "id": f"doc{variant}{name[:4]}",
                "from_name": name,
                "to_name": to_name,
                "type": "choices",
                "value": {"choices": [spec["values"][variant % len(spec["values"])]]},
            }
        )
    return results


def canonical(results: list[dict[str, Any]]) -> list[str]:
    """Results as a sorted list of JSON strings; document-field ids do not carry content."""
    out = []
    for item in results:
        item = dict(item)
        if item.get("type") == "choices" and "start" not in item.get("value", {}):
            item.pop("id", None)
        out.append(json.dumps(item, sort_keys=True, ensure_ascii=False))
    return sorted(out)
