"""The labeling steps both browser proofs of the plugins take, and the cases they run alike.

``test_plugin_in_browser.py`` (the test injects an adapter, then the plugin) and
``test_plugin_community.py`` (partages-ls' loader serves both) differ only in how the plugin gets into
the page. Once it is there, the same annotator's steps must give the same outcome, so the cases are
written once here (``boundary_flaw_then_fix``, ``zero_then_two_justifications``,
``overlap_warns_and_saves``) with the steps and checks they use. A blocked save is checked three ways:
Label Studio's error modal names the problem in French, no save request left the page, and the
server holds no annotation.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide

from ..conftest import BrowserPage, ServerHandle

# A save of an annotation: POST /api/tasks/<id>/annotations/ (create), PATCH /api/annotations/<id>/ (update).
SAVE_URL = re.compile(r"/api/(tasks/\d+/annotations|annotations/\d+)/?(\?.*)?$")

BLOCKED = "Enregistrement impossible"
NOT_BLOCKING = "l'enregistrement n'est pas bloqué"


@dataclass
class Task:
    project_id: int
    task_id: int
    text: str


def import_sample(server: ServerHandle, project_id: int, name: str) -> Task:
    """Import the guide's first bundled sample report into the project: its one task."""
    guide = load_guide(name, content_dir("guides"))
    report = sorted((content_dir("samples") / name / "reports").glob("*.txt"))[0]
    text = report.read_text(encoding="utf-8")
    server.api(
        "POST", f"/api/projects/{project_id}/import", [{guide.text.data_key: text, guide.text.report_key: report.stem}]
    )
    task_id = server.api("GET", f"/api/tasks?project={project_id}")["tasks"][0]["id"]
    return Task(project_id, task_id, text)


@dataclass
class SaveRequests:
    """Every request of the page that would save an annotation (drafts excluded)."""

    seen: list[str] = field(default_factory=list)

    def __call__(self, request: Any) -> None:
        if request.method in ("POST", "PATCH", "PUT") and SAVE_URL.search(request.url):
            self.seen.append(f"{request.method} {request.url}")


def watch_saves(page: Any) -> SaveRequests:
    saves = SaveRequests()
    page.on("request", saves)
    return saves


# --- steps in the page ------------------------------------------------------------------------------
def choose(page: Any, choice: str) -> None:
    """Tick a choice by its displayed name (Label Studio names each checkbox after its choice)."""
    page.locator(f'.lsf-choices input[name="{choice}"]:visible').click()


def submit(page: Any, button: str = "submit") -> None:
    """Press Submit (or Update: ``button="update"``); both buttons are named "submit" for screen readers."""
    page.keyboard.press("Escape")  # unselect: the plugin must select the offending span itself
    assert selected_span(page) == []
    page.get_by_test_id(f"bottombar-{button}-button").click()


def modal(page: Any, kind: str) -> str:
    """Text of Label Studio's own modal of this kind (``error``, ``warning``), as `Htx.showModal` shows it."""
    found = page.locator(f".ant-modal-confirm-{kind}").last
    found.wait_for(state="visible", timeout=10_000)
    found.evaluate("(el) => Promise.allSettled(el.getAnimations({subtree: true}).map((a) => a.finished))")  # zoom-in
    return str(found.locator(".ant-modal-confirm-content").inner_text())


def close_modal(page: Any) -> None:
    page.locator(".ant-modal-confirm-btns button").last.click()
    page.locator(".ant-modal-confirm").last.wait_for(state="hidden", timeout=10_000)


def selected_span(page: Any) -> list[str]:
    """Texts of the regions selected in the page's store."""
    return list(
        page.evaluate(
            "() => Htx.annotationStore.selected.regions.filter((r) => r.selected || r.inSelection).map((r) => r.text)"
        )
    )


def delete_region(page: Any, text: str) -> None:
    page.keyboard.press("Escape")
    page.locator(".lsf-outliner-item").filter(has_text=text).last.click()
    page.keyboard.press("Backspace")
    page.wait_for_timeout(400)


def screenshot(folder: Path, page: Any, name: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def saved_shot(folder: Path, page: Any, name: str) -> Path:
    """Screenshot of the stored annotation, once Label Studio shows it as saved (its Update button)."""
    page.get_by_test_id("bottombar-update-button").wait_for(timeout=15_000)
    page.wait_for_timeout(500)
    return screenshot(folder, page, name)


# --- what the server stored ---------------------------------------------------------------------------
def stored(server: ServerHandle, task: Task, saves: SaveRequests) -> list[dict[str, Any]]:
    """The results of the one annotation the last submit stored (waits for it)."""
    deadline = time.monotonic() + 15
    while True:
        annotations = server.api("GET", f"/api/tasks/{task.task_id}/annotations/")
        if annotations or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert len(annotations) == 1, annotations
    assert len(saves.seen) == 1 and saves.seen[0].startswith("POST "), saves.seen
    return list(annotations[0]["result"])


def spans(results: list[dict[str, Any]], control: str) -> list[tuple[str, list[str], str]]:
    return [
        (str(r["id"]), list(r["value"]["labels"]), str(r["value"]["text"]))
        for r in results
        if r["from_name"] == control and r["type"] == "labels"
    ]


def choices(results: list[dict[str, Any]], control: str) -> list[tuple[str, list[str]]]:
    return [(str(r["id"]), list(r["value"]["choices"])) for r in results if r["from_name"] == control]


# --- one labeling session with the plugin in the page ---------------------------------------------------
@dataclass
class Session:
    """A task opened with the guide's plugin active, its save requests watched, its screenshots' folder."""

    server: ServerHandle
    browser_page: BrowserPage
    task: Task
    saves: SaveRequests
    screenshots: Path

    @property
    def page(self) -> Any:
        return self.browser_page.page

    def shot(self, name: str) -> Path:
        return screenshot(self.screenshots, self.page, name)

    def blocked(self, *needles: str, shot: str) -> str:
        """The save was refused: error modal naming the problem, no save request, nothing stored."""
        message = modal(self.page, "error")
        self.shot(shot)
        assert BLOCKED in message, message
        for needle in needles:
            assert needle in message, f"{needle!r} is not in the message:\n{message}"
        self.page.wait_for_timeout(1000)  # time for a request that should not happen
        assert self.saves.seen == []
        assert self.server.api("GET", f"/api/tasks/{self.task.task_id}/annotations/") == []
        return message

    def stored(self) -> list[dict[str, Any]]:
        return stored(self.server, self.task, self.saves)

    def saved_shot(self, name: str) -> Path:
        return saved_shot(self.screenshots, self.page, name)


# --- the cases both proofs run --------------------------------------------------------------------------
def boundary_flaw_then_fix(session: Session) -> list[dict[str, Any]]:
    """CU6, generated config as it is: the negation is set but the span takes in punctuation, which only
    the plugin refuses; the tightened span is then stored at its offsets. Returns the stored results."""
    page, task = session.page, session.task
    session.browser_page.label_text("Bactérie", "(SAMS).")
    choose(page, "Présent")
    submit(page)
    message = session.blocked("Zone « (SAMS). »", "resserrez la sélection sur les mots", shot="cu6-bornes")
    assert message.count("1. ") == 1 and "2. " not in message  # only this problem: the negation is there
    assert selected_span(page) == ["(SAMS)."]  # the plugin selected the offending span
    close_modal(page)
    delete_region(page, "(SAMS).")
    session.browser_page.label_text("Bactérie", "Staphylococcus aureus")
    choose(page, "Présent")
    submit(page)
    results = session.stored()
    found = spans(results, "LABEL")
    assert [(labels, text) for _, labels, text in found] == [(["Bacterie"], "Staphylococcus aureus")]
    start = task.text.index("Staphylococcus aureus")
    value = next(r for r in results if r["type"] == "labels")["value"]
    assert (value["start"], value["end"]) == (start, start + len("Staphylococcus aureus"))
    assert choices(results, "NEGATION") == [(found[0][0], ["Present"])]
    return results


FIRST_JUSTIFICATION = "Adénocarcinome du pancréas en progression hépatique et péritonéale"
SECOND_JUSTIFICATION = "signent une progression de la maladie"


def zero_then_two_justifications(session: Session) -> list[dict[str, Any]]:
    """CU5b: a class without a justification (Label Studio accepts it: the class is its only `required`),
    then two justifications, are refused; with one, the annotation is stored."""
    page = session.page
    choose(page, "Maladie progressive")
    submit(page)
    message = session.blocked("Annotez le passage qui justifie la classe choisie", shot="cu5b-aucune")
    assert "[Compte rendu]" in message
    close_modal(page)
    session.browser_page.label_text("Justification", FIRST_JUSTIFICATION)
    session.browser_page.label_text("Justification", SECOND_JUSTIFICATION)
    submit(page)
    message = session.blocked("Un compte rendu n'a qu'une justification", shot="cu5b-deux")
    assert "Annotez le passage" not in message
    close_modal(page)
    delete_region(page, SECOND_JUSTIFICATION)
    submit(page)
    results = session.stored()
    assert [(labels, text) for _, labels, text in spans(results, "Justification")] == [
        (["Justification"], FIRST_JUSTIFICATION)
    ]
    assert [chosen for _, chosen in choices(results, "Nomenclature")] == [["MaladieProgressive"]]
    return results


def overlap_warns_and_saves(session: Session) -> list[dict[str, Any]]:
    """CU1: overlapping spans break `pas-de-chevauchement`, a warning: listed in a warning modal, then saved."""
    page = session.page
    address = "7 impasse des Glycines, 45992 Saint-Aubin-les-Prés"
    for label, needle in (("Adresse", address), ("Ville", "Saint-Aubin-les-Prés")):
        session.browser_page.label_text(label, needle)
        choose(page, "Patient")
    submit(page)
    message = modal(page, "warning")
    session.shot("cu1-avertissement")
    assert NOT_BLOCKING in message and "Deux entités identifiantes se chevauchent" in message, message
    assert "Zone « Saint-Aubin-les-Prés »" in message and BLOCKED not in message
    assert page.locator(".ant-modal-confirm-error").count() == 0
    results = session.stored()
    found = sorted((labels, text) for _, labels, text in spans(results, "Categorie"))
    assert found == [(["Adresse"], address), (["Ville"], "Saint-Aubin-les-Prés")]
    assert sorted(chosen for _, chosen in choices(results, "RoleLOC")) == [["Patient"], ["Patient"]]
    return results


def flaw_is_saved(server: ServerHandle, browser_page: BrowserPage, task: Task, saves: SaveRequests) -> None:
    """Without an active plugin, Label Studio stores the CU6 boundary flaw as it was made."""
    browser_page.label_text("Bactérie", "(SAMS).")
    choose(browser_page.page, "Présent")
    submit(browser_page.page)
    results = stored(server, task, saves)
    assert [(labels, text) for _, labels, text in spans(results, "LABEL")] == [(["Bacterie"], "(SAMS).")]
