"""Every generated config, proven on the real server and in its real labeling interface."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide, load_guides
from partages_ls.label_configs.render import render_instructions, render_label_config

GUIDES = sorted(load_guides(content_dir("guides")))


def _first_sample(name: str) -> tuple[str, str]:
    path = sorted((content_dir("samples") / name / "reports").glob("*.txt"))[0]
    return path.stem, path.read_text(encoding="utf-8")


@pytest.fixture
def guide_project(ls_server: Any, request: pytest.FixtureRequest) -> Iterator[tuple[int, int, str]]:
    """A project made from a guide's generated config, with its first bundled sample report."""
    name = request.param
    guide = load_guide(name, content_dir("guides"))
    project = ls_server.api(
        "POST",
        "/api/projects",
        {
            "title": f"test: {guide.title}"[:50],
            "label_config": render_label_config(guide),
            "expert_instruction": render_instructions(guide),
            "show_instruction": True,
        },
    )
    try:
        report, text = _first_sample(name)
        ls_server.api("POST", f"/api/projects/{project['id']}/import", [{"text": text, "report": report}])
        tasks = ls_server.api("GET", f"/api/tasks?project={project['id']}")["tasks"]
        yield project["id"], tasks[0]["id"], name
    finally:
        ls_server.api("DELETE", f"/api/projects/{project['id']}")


@pytest.mark.server
@pytest.mark.parametrize("guide_project", GUIDES, indirect=True)
def test_server_accepts_and_keeps_the_config(ls_server: Any, guide_project: tuple[int, int, str]) -> None:
    project_id, _, name = guide_project
    xml = render_label_config(load_guide(name, content_dir("guides")))
    ls_server.api("POST", f"/api/projects/{project_id}/validate/", {"label_config": xml})
    stored = ls_server.api("GET", f"/api/projects/{project_id}")
    assert stored["label_config"] == xml.strip()  # the server trims the final newline, nothing else
    assert "<h2>" in stored["expert_instruction"]


@pytest.mark.server
def test_server_refuses_a_broken_config(ls_server: Any) -> None:
    import urllib.error

    broken = render_label_config(load_guide("infectiologie", content_dir("guides"))).replace(
        'toName="text"', 'toName="txt"', 1
    )
    project = ls_server.api("POST", "/api/projects", {"title": "test: broken"})
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            ls_server.api("POST", f"/api/projects/{project['id']}/validate/", {"label_config": broken})
        assert refused.value.code == 400
        refused.value.close()
    finally:
        ls_server.api("DELETE", f"/api/projects/{project['id']}")


@pytest.mark.server
@pytest.mark.browser
@pytest.mark.parametrize("guide_project", GUIDES, indirect=True)
def test_labeling_interface_renders_every_label(browser_page: Any, guide_project: tuple[int, int, str]) -> None:
    from playwright.sync_api import expect

    project_id, task_id, name = guide_project
    guide = load_guide(name, content_dir("guides"))
    browser_page.open_task(project_id, task_id)
    page = browser_page.page
    for _, label in guide.all_labels():
        expect(page.locator(".lsf-labels .lsf-label__text", has_text=label.display).first).to_be_visible()
    for field in guide.document_fields:
        for value in field.values:
            # A choice's text is followed by its hotkey hint (<sup>[1]</sup>): match the radio's name.
            expect(page.locator(f'.lsf-choices input[name="{value.display}"]')).to_have_count(1)
    expect(page.get_by_role("button", name="Submit")).to_be_visible()
    browser_page.assert_no_errors()


def _stored_results(ls_server: Any, task_id: int) -> list[dict[str, Any]]:
    annotations = ls_server.api("GET", f"/api/tasks/{task_id}/annotations/")
    assert len(annotations) == 1
    return list(annotations[0]["result"])


def _modal_text(page: Any) -> str:
    page.wait_for_timeout(800)
    dialogs = page.locator(".ant-modal, .lsf-modal, [role=dialog]")
    return " ".join(dialogs.nth(i).inner_text() for i in range(dialogs.count()) if dialogs.nth(i).is_visible())


@pytest.mark.server
@pytest.mark.browser
@pytest.mark.parametrize("guide_project", ["infectiologie"], indirect=True)
def test_cu6_negation_is_required_and_ids_are_stored(
    ls_server: Any, browser_page: Any, guide_project: tuple[int, int, str]
) -> None:
    """The French names are shown, the stable ids are stored, a missing negation blocks the save."""
    from playwright.sync_api import expect

    project_id, task_id, _ = guide_project
    browser_page.open_task(project_id, task_id)
    page = browser_page.page
    browser_page.label_text("Infection", "endocardite")
    expect(page.get_by_text("Négation", exact=True).first).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    assert "Négation" in _modal_text(page)
    assert ls_server.api("GET", f"/api/tasks/{task_id}/annotations/") == []
    page.keyboard.press("Escape")
    page.locator('.lsf-choices input[name="Présent"]').click()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_timeout(1500)
    results = _stored_results(ls_server, task_id)
    labels = [r["value"]["labels"] for r in results if r["type"] == "labels"]
    choices = [r["value"]["choices"] for r in results if r["type"] == "choices"]
    assert labels == [["Infection"]] and choices == [["Present"]]
    assert len({r["id"] for r in results}) == 1  # the choice is attached to its region
    browser_page.assert_no_errors()


@pytest.mark.server
@pytest.mark.browser
@pytest.mark.parametrize("guide_project", ["reponse-traitement"], indirect=True)
def test_cu5b_class_is_required_and_stored_as_its_id(
    ls_server: Any, browser_page: Any, guide_project: tuple[int, int, str]
) -> None:
    project_id, task_id, _ = guide_project
    browser_page.open_task(project_id, task_id)
    page = browser_page.page
    page.get_by_role("button", name="Submit").click()
    assert "Nomenclature" in _modal_text(page) or "choisissez" in _modal_text(page)
    assert ls_server.api("GET", f"/api/tasks/{task_id}/annotations/") == []
    page.keyboard.press("Escape")
    page.locator('.lsf-choices input[name="Réponse complète"]').click()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_timeout(1500)
    results = _stored_results(ls_server, task_id)
    assert [r["value"]["choices"] for r in results if r["from_name"] == "Nomenclature"] == [["ReponseComplete"]]
    browser_page.assert_no_errors()


@pytest.mark.server
@pytest.mark.browser
@pytest.mark.parametrize("guide_project", ["pseudonymisation"], indirect=True)
def test_cu1_a_required_attribute_binds_only_its_own_labels(
    ls_server: Any, browser_page: Any, guide_project: tuple[int, int, str]
) -> None:
    """A city needs its place role and nothing else: the person role (required for names) does not block it."""
    from playwright.sync_api import expect

    project_id, task_id, _ = guide_project
    browser_page.open_task(project_id, task_id)
    page = browser_page.page
    browser_page.label_text("Ville", "Valbrune-sur-Loire")
    expect(page.get_by_text("Rôle du lieu", exact=True).first).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    assert "Rôle du lieu" in _modal_text(page)  # its own required attribute is enforced
    page.keyboard.press("Escape")
    page.locator('.lsf-choices input[name="Hôpital"]').first.click()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_timeout(1500)
    results = _stored_results(ls_server, task_id)
    assert [r["value"]["labels"] for r in results if r["type"] == "labels"] == [["Ville"]]
    assert [(r["from_name"], r["value"]["choices"]) for r in results if r["type"] == "choices"] == [
        ("RoleLOC", ["Hopital"])
    ]
    browser_page.assert_no_errors()
