"""The backend's suggestions show in Label Studio's real labeling interface (headless Chromium)."""

from __future__ import annotations

from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.studio.client import StudioClient
from partages_ls.studio.projects import connect_ml_backend, create_project, list_tasks
from partages_ls.workflows.imports import import_sources

from .conftest import Backend

pytestmark = [pytest.mark.server, pytest.mark.browser]
GUIDE = "infectiologie"


def test_suggestions_show_as_regions_when_an_annotator_opens_a_task(
    studio: StudioClient, backend: Backend, browser_page: Any
) -> None:
    project = create_project(studio, load_guide(GUIDE, content_dir("guides"))).project
    import_sources(studio, project.id, [content_dir("samples") / GUIDE / "reports"], guides=content_dir("guides"))
    connect_ml_backend(studio, project.id, backend.url)
    task_id = next(
        int(t["id"]) for t in list_tasks(studio, project.id) if t["data"]["report"] == "MALADIES-INFECTIEUSES-00048_CRH"
    )
    assert "/predict" not in backend.paths()
    browser_page.open_task(project.id, task_id)
    page = browser_page.page
    page.locator(".lsf-outliner-item").first.wait_for(timeout=30_000)
    assert "/predict" in backend.paths()
    regions = page.locator(".lsf-outliner-item").all_inner_texts()
    joined = "\n".join(regions)
    assert "Escherichia coli" in joined
    assert "pyélonéphrite" in joined.lower()
    # Highlighted in the text itself, with the guide's label colour markers.
    assert page.locator(".lsf-htx-richtext").locator("span.htx-highlight").count() >= 5
    # Selecting a suggested region shows its pre-filled NEGATION (the display of the stored id).
    [prediction] = studio.get(f"/api/tasks/{task_id}")["predictions"]
    first = min(
        (i for i in prediction["result"] if i["from_name"] == "NEGATION" and i["value"]["text"] == "pyélonéphrite"),
        key=lambda i: i["value"]["start"],
    )
    display = {"Present": "Présent", "Absent": "Absent", "Indetermine": "Indéterminé"}[first["value"]["choices"][0]]
    page.locator(".lsf-outliner-item").filter(has_text="pyélonéphrite").first.click()
    page.wait_for_timeout(500)
    checked = page.locator("input:checked").evaluate_all(
        "(inputs) => inputs.map((i) => (i.closest('label') || i.parentElement).innerText.trim())"
    )
    assert any(label.startswith(display) for label in checked), checked  # « Indéterminé[3] »: label and hotkey
    browser_page.assert_no_errors()
