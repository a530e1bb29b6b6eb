"""The HTML report of a large project carries the first disagreements only, pages them, and says where the rest is.

A report whose list is longer than the page holds (``HTML_ROWS``) is built from the CU6 fixture's
disagreements repeated under new document ids; it is opened in headless Chromium from a file:// URL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from partages_ls.agreement.render import HTML_ROWS, PAGE_ROWS, render_html

from .fixtures import infectio_tasks, report_of

pytestmark = pytest.mark.browser
EXTRA = 250  # disagreements past what the page carries


def _large_report() -> Any:
    base = report_of("infectiologie", infectio_tasks(), bootstrap=0)
    items = base.disagreements
    total = HTML_ROWS + EXTRA
    copies = [
        dataclasses.replace(item, document=f"{item.document}-{n:05d}")
        for n in range(total // len(items) + 1)
        for item in items
    ][:total]
    copies.sort(key=lambda item: item.sort_key())
    data = dict(base.data, disagreements=dict(base.data["disagreements"], count=total))
    return dataclasses.replace(base, data=data, disagreements=copies)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    report = _large_report()
    path = tmp_path_factory.mktemp("pages") / "agreement.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path, report


@pytest.fixture
def opened(chromium: Any, large: tuple[Path, Any]) -> Iterator[tuple[Any, list[str]]]:
    context = chromium.new_context(locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(large[0].as_uri())
    page.wait_for_load_state("load")
    try:
        yield page, errors
    finally:
        context.close()


def _documents(page: Any) -> list[str]:
    return list(
        page.evaluate(
            "() => Array.from(document.querySelectorAll('#disagreement-rows tr td:first-child'))"
            ".map(td => td.textContent)"
        )
    )


def test_the_page_says_how_many_there_are_and_where_the_full_list_is(large: tuple[Path, Any]) -> None:
    html = large[0].read_text(encoding="utf-8")
    total = HTML_ROWS + EXTRA
    scope = html[html.index('<p id="disagreement-scope">') :].split("</p>", 1)[0]
    assert f"{total} désaccords au total" in scope
    assert f"les {HTML_ROWS} premiers" in scope and f"{PAGE_ROWS} par page" in scope
    assert "<code>disagreements.csv</code>" in scope and "<code>agreement.json</code>" in scope
    assert f"dont les {HTML_ROWS} premiers listés plus bas" in html
    # The page carries HTML_ROWS rows, not the whole list: the last ones are only in the CSV and JSON.
    last = large[1].disagreements[-1].document
    assert last not in html and large[1].disagreements[HTML_ROWS - 1].document in html


def test_the_first_page_is_shown_and_paging_works(opened: tuple[Any, list[str]], large: tuple[Path, Any]) -> None:
    page, errors = opened
    items = large[1].disagreements
    pages = -(-HTML_ROWS // PAGE_ROWS)
    assert _documents(page) == [item.document for item in items[:PAGE_ROWS]]
    assert page.locator("#page-status").inner_text() == f"Page 1 sur {pages} (lignes 1 à {PAGE_ROWS})"
    count = page.locator("#disagreement-count").inner_text()
    assert count == f"{HTML_ROWS} désaccord(s) parmi les {HTML_ROWS} repris ici ({HTML_ROWS + EXTRA} au total)"
    assert page.locator("#page-previous").is_disabled() and page.locator("#page-next").is_enabled()

    page.click("#page-next")
    assert _documents(page) == [item.document for item in items[PAGE_ROWS : 2 * PAGE_ROWS]]
    assert page.locator("#page-status").inner_text().startswith(f"Page 2 sur {pages} (lignes {PAGE_ROWS + 1} à ")
    page.click("#page-previous")
    assert _documents(page) == [item.document for item in items[:PAGE_ROWS]]

    for _ in range(pages - 1):
        page.click("#page-next")
    assert _documents(page) == [item.document for item in items[(pages - 1) * PAGE_ROWS : HTML_ROWS]]
    assert page.locator("#page-next").is_disabled()

    # A filter starts again from its first page.
    wanted = items[0].document
    page.fill("#filter-document", wanted)
    assert set(_documents(page)) == {wanted}
    assert page.locator("#page-status").inner_text().startswith("Page 1 sur 1")
    assert errors == []


def test_a_short_list_is_one_page_without_a_truncation_note(chromium: Any, tmp_path: Path) -> None:
    report = report_of("infectiologie", infectio_tasks(), bootstrap=0)
    assert len(report.disagreements) < PAGE_ROWS
    path = tmp_path / "agreement.html"
    path.write_text(render_html(report), encoding="utf-8")
    html = path.read_text(encoding="utf-8")
    scope = html[html.index('<p id="disagreement-scope">') :].split("</p>", 1)[0]
    assert "au total" not in scope and f"{len(report.disagreements)} désaccord(s), {PAGE_ROWS} par page" in scope
    context = chromium.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        assert len(_documents(page)) == len(report.disagreements)
        assert page.locator("#page-status").inner_text() == f"Page 1 sur 1 (lignes 1 à {len(report.disagreements)})"
        assert page.locator("#page-previous").is_disabled() and page.locator("#page-next").is_disabled()
    finally:
        context.close()
