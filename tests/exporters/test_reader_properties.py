"""Property tests: any export, valid or not, is read without an unhandled exception and nothing is lost.

Every region, attribute item and relation of the input is either in the corpus or listed as skipped
with its result id.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partages_ls.content import content_dir
from partages_ls.errors import PartagesError
from partages_ls.exporters.labelstudio.read import read_labelstudio
from partages_ls.guides.loader import load_guide
from partages_ls.rules.engine import relation_key
from partages_ls.workflows.validate import validate_tasks

from .mutations import hostile, unaccounted

GUIDE = load_guide("infectiologie", content_dir("guides"))
LABELS = ["Bacterie", "Bacteriemie", "Infection", "Site", "Virus"]  # Virus is not in the guide
NEGATIONS = ["Present", "Absent", "Indetermine", "Peut-etre"]
RELATIONS = ["AGENT_PATHOGENE", "SITE_PRIMAIRE", "ORIGINE", "CAUSE"]
PIECES = ["a", "b", "é", "e\u0301", " ", ".", "\n", "\r\n", "😷", "𝔸", "coli", "sepsis"]

texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@st.composite
def annotations(draw: st.DrawFn, text: str) -> list[dict[str, Any]]:
    length = len(text)
    results: list[dict[str, Any]] = []
    ids = [f"r{i}" for i in range(draw(st.integers(0, 6)))]
    for rid in ids:
        start = draw(st.integers(-2, length + 2))
        end = draw(st.integers(-2, length + 3))
        value: dict[str, Any] = {"start": start, "end": end, "labels": [draw(st.sampled_from(LABELS))]}
        if draw(st.booleans()):
            value["labels"] = draw(st.lists(st.sampled_from(LABELS), max_size=2))
        if draw(st.booleans()):
            value["text"] = text[max(start, 0) : max(end, 0)] if draw(st.booleans()) else "autre"
        results.append({"id": rid, "from_name": "LABEL", "to_name": "text", "type": "labels", "value": value})
        for _ in range(draw(st.integers(0, 2))):
            results.append(
                {
                    "id": draw(st.sampled_from([*ids, "orphan"])),
                    "from_name": "NEGATION",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"start": start, "end": end, "choices": [draw(st.sampled_from(NEGATIONS))]},
                }
            )
    for _ in range(draw(st.integers(0, 3))):
        item: dict[str, Any] = {
            "from_id": draw(st.sampled_from([*ids, "ghost"])),
            "to_id": draw(st.sampled_from([*ids, "ghost"])),
            "type": "relation",
            "direction": draw(st.sampled_from(["right", "left", "bi"])),
        }
        if draw(st.booleans()):
            item["labels"] = [draw(st.sampled_from(RELATIONS))]
        results.append(item)
    if draw(st.booleans()):
        results.append({"id": "x", "from_name": "commentaire", "type": "textarea", "value": {"text": ["?"]}})
    return draw(st.permutations(results))


@st.composite
def exports(draw: st.DrawFn) -> list[dict[str, Any]]:
    tasks = []
    for tid in range(draw(st.integers(1, 3))):
        text = draw(texts)
        anns = [
            {
                "id": tid * 10 + k,
                "completed_by": {"id": k, "email": f"a{k}@x.fr"},
                "result": draw(annotations(text)),
                "was_cancelled": draw(st.booleans()) and draw(st.booleans()),
            }
            for k in range(draw(st.integers(0, 2)))
        ]
        tasks.append({"id": tid, "data": {"text": text, "report": f"R{tid}"}, "annotations": anns})
    return tasks


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
def test_every_result_is_exported_or_listed(tasks: list[dict[str, Any]]) -> None:
    corpus = read_labelstudio(tasks, GUIDE)
    listed = " ".join(s.where for s in corpus.skipped)
    by_annotation = {a.annotation_id: a for d in corpus.documents for a in d.annotations}
    for task in tasks:
        for raw in task["annotations"]:
            annotation = by_annotation.get(raw["id"])
            if raw["was_cancelled"] or annotation is None:
                assert f"annotation {raw['id']}" in listed
                continue
            spans = {s.id: s for s in annotation.spans}
            kept_relations = {(r.source, r.target, r.type) for r in annotation.relations}
            for item in raw["result"]:
                if item["type"] == "relation":
                    ends = (item["from_id"], item["to_id"], (item.get("labels") or [""])[0])
                    flipped = (ends[1], ends[0], ends[2])
                    assert ends in kept_relations or flipped in kept_relations or relation_key(item) in listed
                elif item["id"] in spans:
                    span = spans[item["id"]]
                    assert 0 <= span.begin < span.end <= len(task["data"]["text"])
                    if item["from_name"] == "NEGATION":
                        # Kept as stored, or (a value the guide does not know, a second value) listed.
                        choice = item["value"]["choices"][0]
                        left_out = [
                            s.reason
                            for s in corpus.skipped
                            if s.rule == "attribute-value" and f'result "{item["id"]}"' in s.where
                        ]
                        assert span.attributes.get("NEGATION") == choice or any(choice in r for r in left_out)
                else:
                    assert f'result "{item["id"]}"' in listed, (item, listed)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports().flatmap(hostile))
def test_type_swapped_and_damaged_exports_are_listed_not_crashed(tasks: list[dict[str, Any]]) -> None:
    """Any JSON value where a field is expected: a located listing, never an unhandled exception."""
    try:
        corpus = read_labelstudio(tasks, GUIDE, source="export.json")
    except PartagesError as error:
        assert "task" in str(error)  # e.g. the same report twice, with both task ids
        return
    assert unaccounted(tasks, corpus) == []
    for diagnostic in validate_tasks(tasks, GUIDE, source="export.json"):
        assert diagnostic.location.startswith("export.json / task")
