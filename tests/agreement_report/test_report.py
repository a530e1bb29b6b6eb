"""Whole-report properties: order independence, JSON Schema, bootstrap, rendering and escaping."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from partages_ls.agreement.bootstrap import Ledger, Measure, f1
from partages_ls.agreement.render import (
    markdown_escape,
    render_html,
    render_json,
    render_markdown,
    script_json,
)

from .fixtures import (
    SCHEMA,
    SCHEMA_DOCUMENT,
    A,
    B,
    biomarker_tasks,
    infectio_tasks,
    report_of,
    shuffled,
    treatment_tasks,
)

CASES = {
    "infectiologie": infectio_tasks,
    "reponse-traitement": treatment_tasks,
    "biomarqueurs": biomarker_tasks,
}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(SCHEMA_DOCUMENT)
    return SCHEMA


@pytest.mark.parametrize("guide", sorted(CASES))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_storage_order_does_not_change_the_report(guide: str, seed: int) -> None:
    tasks = CASES[guide]()
    expected = render_json(report_of(guide, tasks, bootstrap=200))
    assert render_json(report_of(guide, shuffled(tasks, seed), bootstrap=200)) == expected


@pytest.mark.parametrize("guide", sorted(CASES))
@pytest.mark.parametrize(
    "options",
    [{"bootstrap": 0}, {"bootstrap": 100, "seed": 7}, {"no_text": True, "iou": 0.5}, {"annotators": [A, B]}],
)
def test_every_report_validates_against_the_schema(
    guide: str, options: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    data = json.loads(render_json(report_of(guide, CASES[guide](), **options)))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert errors == [], "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_degenerate_reports_validate_too(validator: jsonschema.Draft202012Validator) -> None:
    lone = [t for t in infectio_tasks() if t["id"] == 3]
    for tasks in (lone, []):
        data = json.loads(render_json(report_of("infectiologie", tasks, bootstrap=20)))
        assert list(validator.iter_errors(data)) == []


def test_the_schema_rejects_a_zero_for_missing_data(validator: jsonschema.Draft202012Validator) -> None:
    data = json.loads(render_json(report_of("biomarqueurs", biomarker_tasks())))
    data["spans"]["Biomarker"]["exact"]["per_label"]["Unit"]["f1"]["reason"] = None
    assert list(validator.iter_errors(data))


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    first = render_json(report_of("infectiologie", infectio_tasks(), bootstrap=300, seed=5))
    again = render_json(report_of("infectiologie", infectio_tasks(), bootstrap=300, seed=5))
    other = render_json(report_of("infectiologie", infectio_tasks(), bootstrap=300, seed=6))
    assert first == again
    assert first != other
    micro = json.loads(first)["spans"]["LABEL"]["overlap"]["micro_f1"]
    low, high = micro["ci95"]
    assert low <= micro["value"] <= high and low < high
    off = report_of("infectiologie", infectio_tasks(), bootstrap=0).data
    assert off["spans"]["LABEL"]["overlap"]["micro_f1"]["ci95"] is None
    assert off["conventions"]["bootstrap"]["samples"] == 0


def test_ledger_resamples_documents() -> None:
    # Two documents: one perfect (2 matched of 2 + 2), one with nothing matched (0 of 1 + 1).
    ledger = Ledger(["d1", "d2"])
    for document, counts in (("d1", (2, 2, 2)), ("d2", (0, 1, 1))):
        for key, count in zip("mab", counts, strict=True):
            ledger.add(document, key, count)
    columns = [ledger.column(key) for key in "mab"]

    def figure(sums: Any) -> Measure:
        return f1(*(sums[i] for i in columns))

    result = ledger.figure(figure)
    ledger.evaluate(samples=400, seed=3)
    assert result.value == pytest.approx(4 / 6)
    # Resamples are {d1, d1} (1.0), {d1, d2} (2/3) or {d2, d2} (0.0): the interval spans them.
    assert result.ci95 == (0.0, 1.0)


def test_json_embedded_in_html_cannot_close_its_script() -> None:
    text = script_json({"x": "</script><!-- <b>&amp;"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"x": "</script><!-- <b>&amp;"}


def test_markdown_escape_neutralises_markup() -> None:
    assert markdown_escape("a|b <img src=x> [l](u) *e*") == r"a\|b \<img src=x\> \[l\](u) \*e\*"
    assert markdown_escape(None) == ""


def test_html_and_markdown_escape_every_data_text() -> None:
    tasks = infectio_tasks()
    tasks[0]["data"]["report"] = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    report = report_of("infectiologie", tasks)
    html = render_html(report)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    markdown = render_markdown(report)
    assert "<script>" not in markdown and "<img" not in markdown


def test_html_is_self_contained() -> None:
    html = render_html(report_of("reponse-traitement", treatment_tasks()))
    for external in ("http://", "https://", "src=", "@import", "url("):
        assert external not in html, external
    assert html.count("<script") == 2  # the JSON data and the inline script
    assert 'lang="fr"' in html


def test_disagreements_sort_with_missing_values() -> None:
    from partages_ls.agreement.disagreements import make

    items = [
        make(None, "d", "F", "document_value", ("a", "b"), ("X", None), None, None),
        make(None, "d", "F", "document_value", ("a", "b"), (None, "Y"), None, None),
        make(None, "d", "F", "document_value", ("a", "b"), ("X", "Y"), (0, 2), None),
    ]
    ordered = sorted(items, key=lambda item: item.sort_key())
    assert [(d.label_a, d.label_b) for d in ordered] == [(None, "Y"), ("X", None), ("X", "Y")]
