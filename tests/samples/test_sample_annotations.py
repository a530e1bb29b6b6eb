"""The bundled sample annotations: two annotators per guide, valid under the guide's rules, close but not equal.

``samples/<guide>/annotations/<annotator e-mail>.json`` is a list of ``{"report", "result"}`` sorted by report,
``result`` being Label Studio result items. They feed the agreement report, so the two annotators must
disagree somewhere while agreeing on most spans.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide, load_guides
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.engine import check_results

SAMPLES = content_dir("samples")
GUIDES = sorted(load_guides(content_dir("guides")))
ANNOTATORS = ["camille.martin@exemple.fr", "louis.bernard@exemple.fr"]
ID = re.compile(r"^[A-Za-z0-9]{10}$")
F1_RANGE = (0.6, 0.97)

SpanKey = tuple[str, int, int, str]


@cache
def rules(guide: str) -> dict[str, Any]:
    return compile_rules(load_guide(guide, content_dir("guides")))


@cache
def report_text(guide: str, report: str) -> str:
    return (SAMPLES / guide / "reports" / f"{report}.txt").read_text(encoding="utf-8")


def annotation_file(guide: str, annotator: str) -> Path:
    return SAMPLES / guide / "annotations" / f"{annotator}.json"


@cache
def load(guide: str, annotator: str) -> list[dict[str, Any]]:
    data = json.loads(annotation_file(guide, annotator).read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def span_keys(guide: str, annotator: str) -> set[SpanKey]:
    keys: set[SpanKey] = set()
    for doc in load(guide, annotator):
        for item in doc["result"]:
            if item.get("type") == "labels":
                value = item["value"]
                keys.add((doc["report"], value["start"], value["end"], value["labels"][0]))
    return keys


def exact_f1(a: set[SpanKey], b: set[SpanKey]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def test_every_guide_has_its_annotations() -> None:
    folders = sorted(p.parent.name for p in SAMPLES.glob("*/annotations"))
    assert folders == GUIDES
    for guide in GUIDES:
        files = sorted(p.stem for p in (SAMPLES / guide / "annotations").glob("*.json"))
        assert files == ANNOTATORS, guide


@pytest.mark.parametrize("annotator", ANNOTATORS)
@pytest.mark.parametrize("guide", GUIDES)
def test_file_shape(guide: str, annotator: str) -> None:
    docs = load(guide, annotator)
    reports = [doc["report"] for doc in docs]
    assert reports == sorted(set(reports)), "one entry per report, sorted by report id"
    existing = {p.stem for p in (SAMPLES / guide / "reports").glob("*.txt")}
    assert set(reports) <= existing, set(reports) - existing
    for doc in docs:
        assert set(doc) == {"report", "result"}
        assert doc["result"], doc["report"]


@pytest.mark.parametrize("annotator", ANNOTATORS)
@pytest.mark.parametrize("guide", GUIDES)
def test_items_as_label_studio_writes_them(guide: str, annotator: str) -> None:
    compiled = rules(guide)
    for doc in load(guide, annotator):
        text = report_text(guide, doc["report"])
        span_ids: set[str] = set()
        for item in doc["result"]:
            if item["type"] == "relation":
                assert set(item) == {"from_id", "to_id", "type", "direction", "labels"}, item
                continue
            assert ID.match(item["id"]), item
            assert item["to_name"] == "text", item
            value = item["value"]
            if item["type"] == "labels":
                assert item["from_name"] in compiled["label_sets"], item
                assert item["id"] not in span_ids, f"{doc['report']}: id {item['id']} used twice"
                span_ids.add(item["id"])
            else:
                assert item["type"] == "choices", item
                assert item["from_name"] in compiled["attributes"] or item["from_name"] in compiled["document_fields"]
            if "start" in value:
                start, end = value["start"], value["end"]
                assert isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text), item
                assert value["text"] == text[start:end], f"{doc['report']}: {value['text']!r} != {text[start:end]!r}"


@pytest.mark.parametrize("annotator", ANNOTATORS)
@pytest.mark.parametrize("guide", GUIDES)
def test_no_rule_error(guide: str, annotator: str) -> None:
    problems = []
    for doc in load(guide, annotator):
        for violation in check_results(rules(guide), report_text(guide, doc["report"]), doc["result"]):
            if violation.level == "error":
                problems.append(f"{doc['report']}: {violation.target} {violation.rule}: {violation.message}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("guide", GUIDES)
def test_annotators_share_reports_and_mostly_agree(guide: str) -> None:
    first, second = ANNOTATORS
    assert [d["report"] for d in load(guide, first)] == [d["report"] for d in load(guide, second)]
    a, b = span_keys(guide, first), span_keys(guide, second)
    assert a != b, f"{guide}: the two annotators are identical, the agreement report has nothing to show"
    f1 = exact_f1(a, b)
    assert F1_RANGE[0] <= f1 <= F1_RANGE[1], f"{guide}: exact-match span F1 {f1:.3f} outside {F1_RANGE}"
