"""Builders for Label Studio export tasks in the exact shape the real server exports them."""

from __future__ import annotations

from typing import Any


def region(rid: str, start: int, end: int, label: str, text: str, control: str = "LABEL") -> dict[str, Any]:
    return {
        "id": rid,
        "from_name": control,
        "to_name": "text",
        "type": "labels",
        "origin": "manual",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }


def choice(rid: str, start: int, end: int, control: str, value: str) -> dict[str, Any]:
    return {
        "id": rid,
        "from_name": control,
        "to_name": "text",
        "type": "choices",
        "origin": "manual",
        "value": {"start": start, "end": end, "choices": [value]},
    }


def relation(source: str, target: str, label: str | None, direction: str = "right") -> dict[str, Any]:
    item: dict[str, Any] = {"from_id": source, "to_id": target, "type": "relation", "direction": direction}
    if label is not None:
        item["labels"] = [label]
    return item


def annotation(aid: int, email: str, result: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": aid,
        "completed_by": {"id": aid % 7 + 1, "email": email, "first_name": "", "last_name": ""},
        "result": result,
        "was_cancelled": False,
        "ground_truth": False,
        "lead_time": 12.5,
        **extra,
    }


def task(tid: int, report: str, text: str, annotations: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": tid,
        "data": {"text": text, "report": report},
        "annotations": annotations,
        "drafts": extra.pop("drafts", []),
        "predictions": extra.pop("predictions", []),
        "meta": {},
        **extra,
    }
