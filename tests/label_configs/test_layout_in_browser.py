"""The generated layout keeps labels, the selected region's attributes and document fields beside the text.

Proven in the real labeling interface in headless Chromium at 1280×800 on a report of about 4,000
characters: the annotator labels a word near the END of the report (the page scrolled down), selects
the new region, and its attribute choices are inside the viewport, as are the labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide, load_guides
from partages_ls.guides.model import Attribute, Guide
from partages_ls.label_configs.render import render_instructions, render_label_config

pytestmark = [pytest.mark.server, pytest.mark.browser]

VIEWPORT = {"width": 1280, "height": 800}
GUIDES = sorted(load_guides(content_dir("guides")))

_SCROLL_TO_JS = """(needle) => {
  const root = document.querySelector('.lsf-htx-richtext');
  if (!root) { return null; }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at < 0) { continue; }
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + needle.length);
    // Scroll every scrolling ancestor until the word sits in the middle of the window.
    for (let element = node.parentElement; element; element = element.parentElement) {
      const style = getComputedStyle(element);
      if (/(auto|scroll)/.test(style.overflowY) && element.scrollHeight > element.clientHeight) {
        element.scrollTop += range.getBoundingClientRect().top - window.innerHeight / 2;
      }
    }
    window.scrollBy(0, range.getBoundingClientRect().top - window.innerHeight / 2);
    return range.getBoundingClientRect().top;
  }
  return null;
}"""


_HAS_TEXT_JS = """(needle) => {
  const root = document.querySelector('.lsf-htx-richtext');
  return Boolean(root && root.textContent.includes(needle));
}"""


def long_report(name: str) -> str:
    """About 4,000 characters: the guide's bundled samples one after the other, cut at a line end."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((content_dir("samples") / name / "reports").glob("*.txt"))]
    text = "\n\n".join(texts)
    cut = text.find("\n", 4000)
    return text[: cut if cut > 0 else len(text)]


def late_word(text: str) -> str:
    """A word that occurs once, in the last fifth of the report."""
    start = len(text) * 4 // 5
    for match in re.finditer(r"[A-Za-zÀ-ÿ]{8,}", text[start:]):
        if text.count(match.group()) == 1:
            return match.group()
    raise AssertionError("no unique late word")


def shown_attribute(guide: Guide) -> Attribute | None:
    """The first attribute shown as radio buttons (a ``select`` list has no per-value input)."""
    return next((a for ls in guide.label_sets for a in ls.attributes if a.layout != "select"), None)


@pytest.fixture
def long_task(ls_server: Any, request: pytest.FixtureRequest) -> Iterator[tuple[int, int, Guide, str]]:
    guide = load_guide(request.param, content_dir("guides"))
    project = ls_server.api(
        "POST",
        "/api/projects",
        {"title": f"test layout: {guide.name}", "label_config": render_label_config(guide)}
        | {"expert_instruction": render_instructions(guide)},
    )
    try:
        text = long_report(guide.name)
        assert 3500 <= len(text) <= 5000
        ls_server.api("POST", f"/api/projects/{project['id']}/import", [{"text": text, "report": "LONG-00001_CRH"}])
        tasks = ls_server.api("GET", f"/api/tasks?project={project['id']}")["tasks"]
        yield project["id"], tasks[0]["id"], guide, text
    finally:
        ls_server.api("DELETE", f"/api/projects/{project['id']}")


def in_viewport(page: Any, locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    inside = box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]
    inside = inside and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"]
    assert inside, f"outside the 1280×800 viewport: {box}"
    return dict(box)


@pytest.mark.parametrize("long_task", GUIDES, indirect=True)
def test_attributes_labels_and_fields_stay_beside_the_text(
    browser_page: Any, long_task: tuple[int, int, Guide, str]
) -> None:
    project_id, task_id, guide, text = long_task
    page = browser_page.page
    page.set_viewport_size(VIEWPORT)
    browser_page.open_task(project_id, task_id)
    word = late_word(text)
    # The interface may mount the text twice while the task loads: wait for the settled one.
    page.wait_for_function(_HAS_TEXT_JS, arg=word, timeout=30_000)
    page.wait_for_timeout(500)
    assert page.evaluate(_SCROLL_TO_JS, word) is not None
    page.wait_for_timeout(300)
    report_box = page.locator(".lsf-htx-richtext").bounding_box()
    assert report_box is not None and report_box["y"] < 0  # the top of the report is scrolled out of sight

    first_label = guide.label_sets[0].labels[0]
    in_viewport(page, page.locator(".lsf-labels .lsf-label", has_text=first_label.display).first)
    for spec in guide.document_fields:
        in_viewport(page, page.locator(f'.lsf-choices input[name="{spec.values[0].display}"]'))

    attribute = shown_attribute(guide)
    if attribute is not None:
        label = guide.label(attribute.applies_to[0])
        assert label is not None
        browser_page.label_text(label.display, word)  # selects the new region through the outliner
        page.evaluate(_SCROLL_TO_JS, word)
        page.wait_for_timeout(300)
        for value in attribute.values:
            in_viewport(page, page.locator(f'.lsf-choices input[name="{value.display}"]').first)
        header = in_viewport(page, page.get_by_text(attribute.display, exact=True).first)
        words = page.evaluate(_SCROLL_TO_JS, word)
        assert words is not None and abs(words - header["y"]) < VIEWPORT["height"]  # side by side
    browser_page.assert_no_errors()


@pytest.mark.parametrize("long_task", ["infectiologie"], indirect=True)
def test_with_select_after_create_a_new_region_shows_its_attributes_at_once(
    browser_page: Any, long_task: tuple[int, int, Guide, str]
) -> None:
    """The setting the instructions point to: each new region is selected, its choices shown beside it."""
    project_id, task_id, guide, text = long_task
    page = browser_page.page
    page.set_viewport_size(VIEWPORT)
    browser_page.open_task(project_id, task_id)
    attribute = shown_attribute(guide)
    assert attribute is not None
    page.evaluate("() => localStorage.setItem('labelStudio:settings', JSON.stringify({selectAfterCreate: true}))")
    browser_page.open_task(project_id, task_id)  # the interface reads its settings when it starts
    word = late_word(text)
    page.wait_for_function(_HAS_TEXT_JS, arg=word, timeout=30_000)
    page.wait_for_timeout(500)
    label = guide.label(attribute.applies_to[0])
    assert label is not None
    page.locator(".lsf-labels .lsf-label", has_text=label.display).first.click()
    browser_page.select_text(word)  # no click in the outliner
    page.wait_for_timeout(500)
    for value in attribute.values:
        in_viewport(page, page.locator(f'.lsf-choices input[name="{value.display}"]').first)
    browser_page.assert_no_errors()
