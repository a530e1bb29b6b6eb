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
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.label_configs.render import render_label_config

pytestmark = [pytest.mark.server, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = Path(__file__).resolve().with_name("lsi_adapter.js")
SCREENSHOTS = Path(tempfile.gettempdir()) / "partages-ls-plugin-proof"
# Runs a script in the page's global scope and returns its value; through the DevTools protocol, so the
# page's Content-Security-Policy (no inline script without its nonce) does not apply.
RUN_SCRIPT = "(source) => (0, eval)(source)"
# A save of an annotation: POST /api/tasks/<id>/annotations/ (create), PATCH /api/annotations/<id>/ (update).
SAVE_URL = re.compile(r"/api/(tasks/\d+/annotations|annotations/\d+)/?(\?.*)?$")

BLOCKED = "Enregistrement impossible"
NOT_BLOCKING = "l'enregistrement n'est pas bloqué"


# --- projects ---------------------------------------------------------------------------------------
@dataclass
class Task:
    project_id: int
    task_id: int
    text: str


@pytest.fixture
def make_task(ls_server: Any) -> Iterator[Callable[..., Task]]:
    """Make a project from a guide's generated config (optionally edited) and its first sample report."""
    projects: list[int] = []

    def make(name: str, edit: Callable[[str], str] = lambda xml: xml) -> Task:
        guide = load_guide(name, content_dir("guides"))
        project = ls_server.api(
            "POST",
            "/api/projects",
            {"title": f"test plugin: {name}", "label_config": edit(render_label_config(guide))},
        )
        projects.append(project["id"])
        report = sorted((content_dir("samples") / name / "reports").glob("*.txt"))[0]
        text = report.read_text(encoding="utf-8")
        data = {guide.text.data_key: text, guide.text.report_key: report.stem}
        ls_server.api("POST", f"/api/projects/{project['id']}/import", [data])
        tasks = ls_server.api("GET", f"/api/tasks?project={project['id']}")["tasks"]
        return Task(project["id"], tasks[0]["id"], text)

    try:
        yield make
    finally:
        for project_id in projects:
            ls_server.api("DELETE", f"/api/projects/{project_id}")


# --- the page ---------------------------------------------------------------------------------------
@dataclass
class SaveRequests:
    """Every request of the page that would save an annotation (drafts excluded)."""

    seen: list[str] = field(default_factory=list)

    def __call__(self, request: Any) -> None:
        if request.method in ("POST", "PATCH", "PUT") and SAVE_URL.search(request.url):
            self.seen.append(f"{request.method} {request.url}")


def _open_with_plugin(browser_page: Any, task: Task, guide: str) -> SaveRequests:
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
    saves = SaveRequests()
    page.on("request", saves)
    return saves


def _submit(page: Any, button: str = "submit") -> None:
    """Press Submit (or Update: ``button="update"``); both buttons are named "submit" for screen readers."""
    page.keyboard.press("Escape")  # unselect: the plugin must select the offending span itself
    assert _selected_span(page) == []
    page.get_by_test_id(f"bottombar-{button}-button").click()


def _modal(page: Any, kind: str) -> str:
    """Text of Label Studio's own modal of this kind (``error``, ``warning``), as `Htx.showModal` shows it."""
    modal = page.locator(f".ant-modal-confirm-{kind}").last
    modal.wait_for(state="visible", timeout=10_000)
    modal.evaluate("(el) => Promise.allSettled(el.getAnimations({subtree: true}).map((a) => a.finished))")  # zoom-in
    return str(modal.locator(".ant-modal-confirm-content").inner_text())


def _close_modal(page: Any) -> None:
    page.locator(".ant-modal-confirm-btns button").last.click()
    page.locator(".ant-modal-confirm").last.wait_for(state="hidden", timeout=10_000)


def _screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def _assert_blocked(ls_server: Any, page: Any, task: Task, saves: SaveRequests, *needles: str, shot: str) -> str:
    """The save was refused: error modal naming the problem, no save request, nothing stored."""
    message = _modal(page, "error")
    _screenshot(page, shot)
    assert BLOCKED in message, message
    for needle in needles:
        assert needle in message, f"{needle!r} is not in the message:\n{message}"
    page.wait_for_timeout(1000)  # time for a request that should not happen
    assert saves.seen == []
    assert ls_server.api("GET", f"/api/tasks/{task.task_id}/annotations/") == []
    return message


def _stored(ls_server: Any, task: Task, saves: SaveRequests) -> list[dict[str, Any]]:
    """The results of the one annotation the last submit stored (waits for it)."""
    deadline = time.monotonic() + 15
    while True:
        annotations = ls_server.api("GET", f"/api/tasks/{task.task_id}/annotations/")
        if annotations or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert len(annotations) == 1, annotations
    assert len(saves.seen) == 1 and saves.seen[0].startswith("POST "), saves.seen
    return list(annotations[0]["result"])


def _selected_span(page: Any) -> list[str]:
    """Texts of the regions selected in the page's store."""
    return list(
        page.evaluate(
            "() => Htx.annotationStore.selected.regions.filter((r) => r.selected || r.inSelection).map((r) => r.text)"
        )
    )


def _delete_region(page: Any, text: str) -> None:
    page.keyboard.press("Escape")
    page.locator(".lsf-outliner-item").filter(has_text=text).last.click()
    page.keyboard.press("Backspace")
    page.wait_for_timeout(400)


def _spans(results: list[dict[str, Any]], control: str) -> list[tuple[str, list[str], str]]:
    return [
        (str(r["id"]), list(r["value"]["labels"]), str(r["value"]["text"]))
        for r in results
        if r["from_name"] == control and r["type"] == "labels"
    ]


def _choices(results: list[dict[str, Any]], control: str) -> list[tuple[str, list[str]]]:
    return [(str(r["id"]), list(r["value"]["choices"])) for r in results if r["from_name"] == control]


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
    saves = _open_with_plugin(browser_page, task, "infectiologie")
    page = browser_page.page
    browser_page.label_text("Infection", "Endocardite")  # no negation chosen
    _submit(page)
    message = _assert_blocked(
        ls_server, page, task, saves, "Renseignez « Négation » pour la zone « Endocardite » (Infection)", shot="cu6"
    )
    assert "Zone « Endocardite »" in message
    assert _selected_span(page) == ["Endocardite"]  # annotation.selectArea() on the offending span
    _close_modal(page)
    # The plugin selected the span, so its Négation choices are shown: pick one and submit again.
    page.locator('.lsf-choices input[name="Présent"]').click()
    _submit(page)
    results = _stored(ls_server, task, saves)
    spans = _spans(results, "LABEL")
    assert [(labels, text) for _, labels, text in spans] == [(["Infection"], "Endocardite")]
    assert _choices(results, "NEGATION") == [(spans[0][0], ["Present"])]
    assert page.locator(".ant-modal-confirm-error").count() == 0
    # Updating the saved annotation goes through the same hook: a new span without negation is refused.
    page.get_by_test_id("bottombar-update-button").wait_for(timeout=15_000)
    browser_page.label_text("Bactérie", "Staphylococcus aureus")
    _submit(page, "update")
    message = _modal(page, "error")
    assert "Renseignez « Négation » pour la zone « Staphylococcus aureus » (Bactérie)" in message, message
    page.wait_for_timeout(1000)
    assert saves.seen[1:] == []  # no PATCH
    assert ls_server.api("GET", f"/api/tasks/{task.task_id}/annotations/")[0]["result"] == results
    browser_page.assert_no_errors()


def test_control_without_the_plugin_label_studio_saves_it(ls_server: Any, browser_page: Any, make_task: Any) -> None:
    """The same config and span, the adapter alone: the save goes through, so the block above is the plugin's."""
    task = make_task("infectiologie", _drop_required("NEGATION"))
    browser_page.open_task(task.project_id, task.task_id)
    page = browser_page.page
    page.wait_for_function("() => window.Htx?.annotationStore?.selected", timeout=30_000)
    assert page.evaluate(RUN_SCRIPT, ADAPTER.read_text(encoding="utf-8")) == {"flagWasOn": True, "handlers": []}
    saves = SaveRequests()
    page.on("request", saves)
    browser_page.label_text("Infection", "Endocardite")
    _submit(page)
    results = _stored(ls_server, task, saves)
    assert [(labels, text) for _, labels, text in _spans(results, "LABEL")] == [(["Infection"], "Endocardite")]
    assert _choices(results, "NEGATION") == []
    assert page.locator(".ant-modal-confirm").count() == 0
    browser_page.assert_no_errors()


def test_cu6_plugin_blocks_what_label_studio_lets_through(ls_server: Any, browser_page: Any, make_task: Any) -> None:
    """With the generated config as it is: the negation is set, but the span takes in punctuation."""
    task = make_task("infectiologie")
    saves = _open_with_plugin(browser_page, task, "infectiologie")
    page = browser_page.page
    browser_page.label_text("Bactérie", "(SAMS).")
    page.locator('.lsf-choices input[name="Présent"]').click()
    _submit(page)
    message = _assert_blocked(
        ls_server, page, task, saves, "Zone « (SAMS). »", "resserrez la sélection sur les mots", shot="cu6-bornes"
    )
    assert message.count("1. ") == 1 and "2. " not in message  # only this problem: the negation is there
    assert _selected_span(page) == ["(SAMS)."]
    _close_modal(page)
    _delete_region(page, "(SAMS).")
    browser_page.label_text("Bactérie", "Staphylococcus aureus")
    page.locator('.lsf-choices input[name="Présent"]').click()
    _submit(page)
    results = _stored(ls_server, task, saves)
    spans = _spans(results, "LABEL")
    assert [(labels, text) for _, labels, text in spans] == [(["Bacterie"], "Staphylococcus aureus")]
    start = task.text.index("Staphylococcus aureus")
    stored = next(r for r in results if r["type"] == "labels")["value"]
    assert (stored["start"], stored["end"]) == (start, start + len("Staphylococcus aureus"))
    assert _choices(results, "NEGATION") == [(spans[0][0], ["Present"])]
    browser_page.assert_no_errors()


# --- CU5b -------------------------------------------------------------------------------------------
FIRST_JUSTIFICATION = "Adénocarcinome du pancréas en progression hépatique et péritonéale"
SECOND_JUSTIFICATION = "signent une progression de la maladie"


def test_cu5b_plugin_wants_exactly_one_justification(ls_server: Any, browser_page: Any, make_task: Any) -> None:
    task = make_task("reponse-traitement")
    saves = _open_with_plugin(browser_page, task, "reponse-traitement")
    page = browser_page.page
    # A class but no justification: Label Studio accepts it (the class is its only `required`).
    page.locator('.lsf-choices input[name="Maladie progressive"]').click()
    _submit(page)
    message = _assert_blocked(
        ls_server, page, task, saves, "Annotez le passage qui justifie la classe choisie", shot="cu5b-none"
    )
    assert "[Compte rendu]" in message
    _close_modal(page)
    # Two justifications: one too many.
    browser_page.label_text("Justification", FIRST_JUSTIFICATION)
    browser_page.label_text("Justification", SECOND_JUSTIFICATION)
    _submit(page)
    message = _assert_blocked(ls_server, page, task, saves, "Un compte rendu n'a qu'une justification", shot="cu5b-two")
    assert "Annotez le passage" not in message
    _close_modal(page)
    _delete_region(page, SECOND_JUSTIFICATION)
    _submit(page)
    results = _stored(ls_server, task, saves)
    assert [(labels, text) for _, labels, text in _spans(results, "Justification")] == [
        (["Justification"], FIRST_JUSTIFICATION)
    ]
    assert [choices for _, choices in _choices(results, "Nomenclature")] == [["MaladieProgressive"]]
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
    saves = _open_with_plugin(browser_page, task, "pseudonymisation")
    page = browser_page.page
    address = "7 impasse des Glycines, 45992 Saint-Aubin-les-Prés"
    for label, needle in (("Adresse", address), ("Ville", "Saint-Aubin-les-Prés")):
        browser_page.label_text(label, needle)
        page.locator('.lsf-choices input[name="Patient"]:visible').click()
    _submit(page)
    message = _modal(page, "warning")
    _screenshot(page, "cu1-warning")
    assert NOT_BLOCKING in message and "Deux entités identifiantes se chevauchent" in message, message
    assert "Zone « Saint-Aubin-les-Prés »" in message and BLOCKED not in message
    assert page.locator(".ant-modal-confirm-error").count() == 0
    results = _stored(ls_server, task, saves)
    spans = sorted((labels, text) for _, labels, text in _spans(results, "Categorie"))
    assert spans == [(["Adresse"], address), (["Ville"], "Saint-Aubin-les-Prés")]
    assert sorted(choices for _, choices in _choices(results, "RoleLOC")) == [["Patient"], ["Patient"]]
    browser_page.assert_no_errors()
