"""The curator in Label Studio Community's own interface (headless Chromium): sees every annotator's version
and the marked conflict, resolves it with the mouse, submits; the curated export holds the resolution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from partages_ls.content import bundled_workspace, content_dir
from partages_ls.curation.gold import guide_view
from partages_ls.curation.prepare import prepare_curation
from partages_ls.curation.strategy import Strategy
from partages_ls.exporters.gold import GoldPolicy, select_gold
from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
from partages_ls.guides.loader import load_guide
from partages_ls.studio.projects import list_tasks
from partages_ls.studio.pull import pull_project
from partages_ls.workflows.export import ExportRequest, run_export

from .conftest import Campaign

pytestmark = [pytest.mark.server, pytest.mark.browser]
PROOF = Path("/tmp/partages-ls-curation-proof")
DISPUTED = "PNEUMOLOGIE-01208_CRC"


def test_curator_resolves_a_conflict_with_the_mouse(campaign: Campaign, browser_page: Any, tmp_path: Path) -> None:
    client = campaign.client
    anne, bruno = campaign.annotators
    # incomplete: both justification spans merge, the class (Maladie stable vs Non déterminé) is the one conflict.
    report = prepare_curation(
        client, campaign.project, strategy=Strategy.parse("incomplete"), guides=content_dir("guides")
    )
    task = next(t for t in list_tasks(client, report.curation_project) if t["data"]["report"] == DISPUTED)
    PROOF.mkdir(parents=True, exist_ok=True)
    page = browser_page.page
    browser_page.open_task(report.curation_project, task["id"])
    page.wait_for_timeout(1000)

    # One tab per annotation: the curator's starting point and each annotator's own version.
    tabs = page.locator(".lsf-annotation-button")
    assert tabs.count() == 3
    names = " ".join(tabs.all_inner_texts())
    assert anne[:8] in names and bruno[:8] in names
    assert "lsf-annotation-button_selected" in (tabs.first.get_attribute("class") or "")
    page.screenshot(path=str(PROOF / "1-curation-task.png"))

    # The conflict is a red "Conflit" region; selecting it shows who said what.
    outliner = page.locator(".lsf-outliner-item")
    assert outliner.filter(has_text="Conflit").count() == 1
    outliner.filter(has_text="Conflit").first.click()
    page.wait_for_timeout(500)
    detail = page.locator(".lsf-sidepanels, .lsf-side-panels, body").first.inner_text()
    assert f"{anne} : MaladieStable" in detail and f"{bruno} : NonDetermine" in detail
    page.screenshot(path=str(PROOF / "2-conflict-selected.png"))

    # Resolve it: delete the marker, pick the class, tick "Curation terminée", Update.
    page.keyboard.press("Backspace")
    page.wait_for_timeout(500)
    assert page.locator(".lsf-outliner-item").filter(has_text="Conflit").count() == 0
    page.locator('.lsf-choices input[name="Maladie stable"]').click()
    # The guide allows one justification: keep anne's (the one for Maladie stable), delete bruno's.
    outliner.filter(has_text="Justification").filter(has_text="la somme des diam").first.click()
    page.keyboard.press("Backspace")
    page.wait_for_timeout(300)
    assert page.locator(".lsf-outliner-item").filter(has_text="Justification").count() == 1
    page.locator('.lsf-choices input[name="Curation terminée"]').click()
    page.wait_for_timeout(300)
    page.screenshot(path=str(PROOF / "3-resolved-before-update.png"))
    with page.expect_response(lambda r: "/api/annotations/" in r.url and r.request.method == "PATCH") as saved:
        page.get_by_test_id("bottombar-update-button").click()
    assert saved.value.ok
    page.wait_for_timeout(800)
    page.screenshot(path=str(PROOF / "4-submitted.png"))
    browser_page.assert_no_errors()

    export = pull_project(
        client, report.curation_project, tmp_path / "curation.json", guides=content_dir("guides")
    ).path
    written = run_export(ExportRequest(export, "cas", tmp_path / "gold", gold="curated"), bundled_workspace())
    assert written["summary"]["documents_exported"] == 1, written["skipped"]
    assert written["curation"][DISPUTED]["strategy"] == "incomplete"
    policy = GoldPolicy.parse("curated")
    gold = select_gold(
        read_labelstudio(
            guide_view(load_export(export)), load_guide("reponse-traitement", content_dir("guides")), policy=policy
        ),
        policy,
    )
    (document,) = gold.documents
    assert document.report == DISPUTED
    assert document.annotations[0].fields == {"Nomenclature": ["MaladieStable"]}
    assert [(s.begin, s.end) for s in document.annotations[0].spans] == [(1690, 1767)]  # anne's justification
    (PROOF / "export-report.json").write_text((tmp_path / "gold" / "export-report.json").read_text("utf-8"), "utf-8")
