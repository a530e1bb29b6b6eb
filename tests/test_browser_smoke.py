"""Headless Chromium against the real server: log in, open a labeling page, see the label, no error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = [pytest.mark.server, pytest.mark.browser]

NER_CONFIG = (
    '<View><Labels name="label" toName="text">'
    '<Label value="Prénom" alias="Prenom" background="#ff0000"/>'
    '</Labels><Text name="text" value="$text"/></View>'
)


@pytest.fixture
def ner_project(ls_server: Any) -> Iterator[tuple[int, int]]:
    """A throw-away project with the tiny NER config and one task; deleted afterwards."""
    project = ls_server.api("POST", "/api/projects", {"title": "smoke: NER", "label_config": NER_CONFIG})
    try:
        ls_server.api("POST", f"/api/projects/{project['id']}/import", [{"text": "Jean habite à Paris depuis 2019."}])
        tasks = ls_server.api("GET", f"/api/tasks?project={project['id']}")["tasks"]
        assert len(tasks) == 1
        yield project["id"], tasks[0]["id"]
    finally:
        ls_server.api("DELETE", f"/api/projects/{project['id']}")


def test_labeling_page_shows_the_label_without_browser_errors(browser_page: Any, ner_project: Any) -> None:
    from playwright.sync_api import expect

    project_id, task_id = ner_project
    browser_page.open_task(project_id, task_id)
    page = browser_page.page
    expect(page.locator(".lsf-htx-richtext")).to_contain_text("Jean habite à Paris")
    label = page.locator(".lsf-labels .lsf-label__text", has_text="Prénom")
    expect(label).to_be_visible()
    expect(label).to_have_text("Prénom")
    expect(page.get_by_role("button", name="Submit")).to_be_visible()
    browser_page.assert_no_errors()
