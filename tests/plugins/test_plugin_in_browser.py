"""The generated plugins, proven in the real labeling interface of the local (Community) server.

Community Label Studio drops a project's plugin (`custom_script`), but its frontend keeps the hook
plugins use: the store's submit/update actions call the `beforeSaveAnnotation` handlers of its event
bus and return, before any request, when one answers false. So each test opens a real task in
headless Chromium, injects ``lsi_adapter.js`` (``window.LSI`` over that event bus and the page's own
``window.Htx`` store) and then ``plugins/<guide>/plugin.js`` exactly as generated, makes a violating
annotation with the mouse, presses Submit, and checks three things: no save request left the page,
the server holds no annotation, and Label Studio's own error modal (``Htx.showModal``) names the
problem in French. Then the test fixes the annotation, submits again and reads back the stored ids.

Screenshots of the blocked saves of the last run are kept in ``SCREENSHOTS``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.label_configs.render import render_label_config

from .labeling import (
    Session,
    Task,
    boundary_flaw_then_fix,
    choices,
    choose,
    close_modal,
    import_sample,
    modal,
    overlap_warns_and_saves,
    selected_span,
    spans,
    stored,
    submit,
    watch_saves,
    zero_then_two_justifications,
)

pytestmark = [pytest.mark.server, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = Path(__file__).resolve().with_name("lsi_adapter.js")
SCREENSHOTS = Path(tempfile.gettempdir()) / "partages-ls-plugin-proof"
# Runs a script in the page's global scope and returns its value; through the DevTools protocol, so the
# page's Content-Security-Policy (no inline script without its nonce) does not apply.
RUN_SCRIPT = "(source) => (0, eval)(source)"


# --- projects ---------------------------------------------------------------------------------------
@pytest.fixture
def make_task(ls_server: Any) -> Iterator[Callable[..., Task]]:
    """Make a project from a guide's generated config (optionally edited) and its first sample report."""
    projects: list[int] = []

    def make(name: str, edit: Callable[[str], str] = lambda xml: xml) -> Task:
        project = ls_server.api(
            "POST",
            "/api/projects",
            {
                "title": f"test plugin: {name}",
                "label_config": edit(render_label_config(load_guide(name, content_dir("guides")))),
            },
        )
        projects.append(project["id"])
        return import_sample(ls_server, project["id"], name)

    try:
        yield make
    finally:
        for project_id in projects:
            ls_server.api("DELETE", f"/api/projects/{project_id}")


# --- the page ---------------------------------------------------------------------------------------
def _open_with_plugin(ls_server: Any, browser_page: Any, task: Task, guide: str) -> Session:
    """Open the task, inject the adapter then the guide's generated plugin, and watch the save requests."""
    browser_page.open_task(task.project_id, task.task_id)
    page = browser_page.page
    page.wait_for_function("() => window.Htx?.annotationStore?.selected", timeout=30_000)
    state = page.evaluate(RUN_SCRIPT, ADAPTER.read_text(encoding="utf-8"))
    assert state["handlers"] == []
    page.evaluate(RUN_SCRIPT, (ROOT / "plugins" / guide / "plugin.js").read_text(encoding="utf-8"))
    state = page.evaluate("() => window.LSI.adapter.describe()")
    assert state["handlers"] == ["beforeSaveAnnotation"], state  # the plugin registered its one handler
    assert page.evaluate("() => window.LSI.task.data.text") == task.text
    return Session(ls_server, browser_page, task, watch_saves(page), SCREENSHOTS)


# --- config variants (test-only) --------------------------------------------------------------------
def _drop_required(*controls: str) -> Callable[[str], str]:
    """An edit of a generated config: no ``required="true"`` on these per-region ``Choices``."""

    def edit(xml: str) -> str:
        for control in controls:
            pattern = rf'(<Choices name="{control}"[^>]*?) required="true"'
            xml, count = re.subn(pattern, r"\1", xml)
            assert count == 1, f"no required Choices {control!r} in the config"
        return xml

    return edit


# --- CU6 --------------------------------------------------------------------------------------------
def test_cu6_plugin_requires_the_negation(ls_server: Any, browser_page: Any, make_task: Any) -> None:
    # Label Studio itself enforces `required` when the choices are shown, so with the generated config
    # a missing negation never reaches the plugin. In this test-only copy the config no longer requires
    # it: the only guard left is the plugin, whose rules come from the guide, not from the config.
    task = make_task("infectiologie", _drop_required("NEGATION"))
    session = _open_with_plugin(ls_server, browser_page, task, "infectiologie")
    page = browser_page.page
    browser_page.label_text("Infection", "Endocardite")  # no negation chosen
    submit(page)
    message = session.blocked("Renseignez « Négation » pour la zone « Endocardite » (Infection)", shot="cu6")
    assert "Zone « Endocardite »" in message
    assert selected_span(page) == ["Endocardite"]  # annotation.selectArea() on the offending span
    close_modal(page)
    # The plugin selected the span, so its Négation choices are shown: pick one and submit again.
    choose(page, "Présent")
    submit(page)
    results = session.stored()
    found = spans(results, "LABEL")
    assert [(labels, text) for _, labels, text in found] == [(["Infection"], "Endocardite")]
    assert choices(results, "NEGATION") == [(found[0][0], ["Present"])]
    assert page.locator(".ant-modal-confirm-error").count() == 0
    # Updating the saved annotation goes through the same hook: a new span without negation is refused.
    page.get_by_test_id("bottombar-update-button").wait_for(timeout=15_000)
    browser_page.label_text("Bactérie", "Staphylococcus aureus")
    submit(page, "update")
    message = modal(page, "error")
    assert "Renseignez « Négation » pour la zone « Staphylococcus aureus » (Bactérie)" in message, message
    page.wait_for_timeout(1000)
    assert session.saves.seen[1:] == []  # no PATCH
    assert ls_server.api("GET", f"/api/tasks/{task.task_id}/annotations/")[0]["result"] == results
    browser_page.assert_no_errors()


def test_control_without_the_plugin_label_studio_saves_it(ls_server: Any, browser_page: Any, make_task: Any) -> None:
    """The same config and span, the adapter alone: the save goes through, so the block above is the plugin's."""
    task = make_task("infectiologie", _drop_required("NEGATION"))
    browser_page.open_task(task.project_id, task.task_id)
    page = browser_page.page
    page.wait_for_function("() => window.Htx?.annotationStore?.selected", timeout=30_000)
    assert page.evaluate(RUN_SCRIPT, ADAPTER.read_text(encoding="utf-8")) == {"flagWasOn": True, "handlers": []}
    saves = watch_saves(page)
    browser_page.label_text("Infection", "Endocardite")
    submit(page)
    results = stored(ls_server, task, saves)
    assert [(labels, text) for _, labels, text in spans(results, "LABEL")] == [(["Infection"], "Endocardite")]
    assert choices(results, "NEGATION") == []
    assert page.locator(".ant-modal-confirm").count() == 0
    browser_page.assert_no_errors()


def test_cu6_plugin_blocks_what_label_studio_lets_through(ls_server: Any, browser_page: Any, make_task: Any) -> None:
    """With the generated config as it is: the negation is set, but the span takes in punctuation."""
    task = make_task("infectiologie")
    boundary_flaw_then_fix(_open_with_plugin(ls_server, browser_page, task, "infectiologie"))
    browser_page.assert_no_errors()


# --- CU5b -------------------------------------------------------------------------------------------
def test_cu5b_plugin_wants_exactly_one_justification(ls_server: Any, browser_page: Any, make_task: Any) -> None:
    task = make_task("reponse-traitement")
    zero_then_two_justifications(_open_with_plugin(ls_server, browser_page, task, "reponse-traitement"))
    browser_page.assert_no_errors()


# --- CU1: warnings do not block ---------------------------------------------------------------------
# Label Studio 1.23 checks a required per-region Choices on EVERY span of its label set unless the
# Choices tag itself (not its parent View, where the generated config puts visibleWhen) names the labels
# it applies to: with the generated CU1 config no span can be saved (an « Adresse » needs a « Rôle de la
# personne »). This test-only copy drops those `required`; the plugin still requires, from the guide,
# the role of the labels each attribute applies to.
CU1_ATTRIBUTES = ("RolePER", "RoleLOC", "RoleNUM", "CodeType")


def test_cu1_warnings_alone_do_not_block_the_save(ls_server: Any, browser_page: Any, make_task: Any) -> None:
    """Overlapping spans break `pas-de-chevauchement`, a warning: listed in a warning modal, then saved."""
    task = make_task("pseudonymisation", _drop_required(*CU1_ATTRIBUTES))
    overlap_warns_and_saves(_open_with_plugin(ls_server, browser_page, task, "pseudonymisation"))
    browser_page.assert_no_errors()
