"""The HTML report in headless Chromium (file:// URL): no errors, the JSON's figures, filters, no XSS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from partages_ls.agreement.render import number, render_html, render_json

from ..exporters.lsexport import annotation, task
from .fixtures import A, entity, infectio_tasks, report_of

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__pwned=1</script>"
IMAGE = '"><img src=x onerror="window.__pwned=1">'
HOSTILE_TEXT = f"Début {IMAGE} puis {SCRIPT} fin."


def hostile_tasks() -> list[dict[str, Any]]:
    """The CU6 fixture plus a report whose id, text and second annotator are injection attempts."""
    tasks = infectio_tasks()
    spans = [
        *entity("h1", HOSTILE_TEXT, IMAGE[2:], "Site", "Present"),
        *entity("h2", HOSTILE_TEXT, SCRIPT, "Bacterie", "Present"),
    ]
    tasks.append(task(9, SCRIPT, HOSTILE_TEXT, [annotation(901, A, spans), annotation(902, IMAGE, [])]))
    return tasks


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    report = report_of("infectiologie", hostile_tasks(), bootstrap=100)
    folder = tmp_path_factory.mktemp("html")
    (folder / "agreement.html").write_text(render_html(report), encoding="utf-8")
    return folder / "agreement.html", json.loads(render_json(report))


@pytest.fixture
def page(chromium: Any, report_file: tuple[Path, dict[str, Any]]) -> Iterator[tuple[Any, list[str]]]:
    context = chromium.new_context(java_script_enabled=True, locale="fr-FR")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda m: errors.append(f"console: {m.text}") if m.type in ("error", "warning") else None)
    opened.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    opened.on("request", lambda r: errors.append(f"request: {r.url}") if not r.url.startswith("file:") else None)
    opened.goto(report_file[0].as_uri())
    opened.wait_for_load_state("load")
    try:
        yield opened, errors
    finally:
        context.close()


def test_loads_without_errors_and_shows_the_json_figures(
    page: tuple[Any, list[str]], report_file: tuple[Path, dict[str, Any]]
) -> None:
    opened, errors = page
    data = report_file[1]
    micro = data["spans"]["LABEL"]["exact"]["micro_f1"]
    cell = opened.locator('td[data-mode="exact"]').first.inner_text()
    assert number(micro["value"]) in cell
    low, high = micro["ci95"]
    assert f"[{number(low)} ; {number(high)}]" in cell
    summary = opened.locator("#resume").inner_text()
    assert number(data["spans"]["LABEL"]["overlap"]["micro_f1"]["value"]) in summary
    assert errors == []


def test_injected_texts_are_shown_as_text_never_run(page: tuple[Any, list[str]]) -> None:
    opened, errors = page
    assert opened.evaluate("typeof window.__pwned") == "undefined"
    assert opened.locator("img").count() == 0
    body = opened.locator("body").inner_text()
    assert SCRIPT in body  # the report id, in the coverage and worst-document tables
    assert IMAGE in body  # the annotator's name
    opened.fill("#filter-document", "pwned")
    rows = opened.locator("#disagreement-rows tr")
    assert rows.count() == 2
    rows.first.click()
    detail = opened.locator("#detail")
    assert detail.is_visible()
    assert SCRIPT in detail.inner_text() or IMAGE[2:] in detail.inner_text()
    assert opened.evaluate("typeof window.__pwned") == "undefined"
    assert errors == []


def test_filters_narrow_the_disagreement_table(
    page: tuple[Any, list[str]], report_file: tuple[Path, dict[str, Any]]
) -> None:
    opened, errors = page
    items = report_file[1]["disagreements"]["items"]
    rows = opened.locator("#disagreement-rows tr")
    assert rows.count() == len(items)
    assert opened.locator("#disagreement-count").inner_text().startswith(f"{len(items)} désaccord")

    opened.select_option("#filter-label", "Site")
    sites = [i for i in items if "Site" in (i["label_a"], i["label_b"])]
    assert 0 < len(sites) < len(items)
    assert rows.count() == len(sites)

    opened.select_option("#filter-annotator", A)
    both = [i for i in sites if A in (i["annotator_a"], i["annotator_b"])]
    assert rows.count() == len(both)

    opened.select_option("#filter-label", "")
    opened.select_option("#filter-annotator", "")
    opened.select_option("#filter-kind", "attribute")
    assert rows.count() == len([i for i in items if i["kind"] == "attribute"])

    opened.select_option("#filter-kind", "")
    opened.fill("#filter-document", "CRH-002")
    assert rows.count() == len([i for i in items if "CRH-002" in i["document"]])
    rows.first.click()
    assert "CRH-002" in opened.locator("#detail").inner_text()
    assert errors == []
