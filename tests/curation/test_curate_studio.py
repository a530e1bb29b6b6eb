"""Curation against a real Label Studio: prepare, curate through the API, export the gold, re-run safely."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.content import bundled_workspace, content_dir
from partages_ls.curation.decisions import curated_results
from partages_ls.curation.gold import guide_view
from partages_ls.curation.merge import merge_document
from partages_ls.curation.prepare import prepare_curation
from partages_ls.curation.status import curation_status
from partages_ls.curation.strategy import Strategy
from partages_ls.errors import DiagnosticError
from partages_ls.exporters.gold import GoldPolicy, select_gold
from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
from partages_ls.guides.loader import load_guide
from partages_ls.studio.client import StudioClient
from partages_ls.studio.projects import list_tasks
from partages_ls.studio.pull import pull_project
from partages_ls.workflows.export import ExportRequest, run_export
from partages_ls.workflows.validate import validate_tasks

from .conftest import Campaign

pytestmark = pytest.mark.server
GUIDE = load_guide("reponse-traitement", content_dir("guides"))
ADJUDICATED = ["GASTRO-ENTEROLOGIE-00722_CRH", "ONCOLOGIE-00655_CRC", "PNEUMOLOGIE-01208_CRC"]
DISPUTED = "PNEUMOLOGIE-01208_CRC"  # sample annotators disagree on the class and on the justification


def _tasks(client: StudioClient, project: int) -> dict[str, dict[str, Any]]:
    return {t["data"]["report"]: t for t in list_tasks(client, project, full=True)}


def _curator_annotation(task: dict[str, Any], curator_id: int) -> dict[str, Any]:
    (mine,) = [a for a in task["annotations"] if a["completed_by"] == curator_id]
    return mine


def _source_documents(client: StudioClient, project: int, tmp_path: Path) -> dict[str, Any]:
    pulled = pull_project(client, project, tmp_path / "source.json", overwrite=True, guides=content_dir("guides"))
    corpus = read_labelstudio(load_export(pulled.path), GUIDE)
    return {d.report: d for d in corpus.documents}


def test_prepare_curate_export_and_rerun(campaign: Campaign, tmp_path: Path) -> None:
    client = campaign.client
    anne, bruno = campaign.annotators
    report = prepare_curation(client, campaign.project, guides=content_dir("guides"))
    assert report.review == ["HEMATOLOGIE-00329_CRC"]
    assert report.adjudication == ADJUDICATED
    assert report.skipped == {campaign.extra_report: "aucune annotation soumise"}
    assert report.conflicts == 3 and report.created_project

    curator_id = int(client.whoami()["id"])
    tasks = _tasks(client, report.curation_project)
    assert sorted(tasks) == sorted([*ADJUDICATED, "HEMATOLOGIE-00329_CRC"])
    disputed = tasks[DISPUTED]
    # Each annotator's own annotation, untouched and attributed to them, plus the curator's starting point.
    owners = sorted(a["completed_by"] for a in disputed["annotations"])
    assert len(owners) == 3 and curator_id in owners
    start = _curator_annotation(disputed, curator_id)["result"]
    markers = [r for r in start if r["from_name"] == "conflit"]
    details = [r["value"]["text"][0] for r in start if r["from_name"] == "conflit_detail"]
    assert len(markers) == 3 and all(anne in d and bruno in d for d in details)
    assert not any(r["from_name"] == "Nomenclature" for r in start)  # the disputed class is left to the curator
    assert len(_curator_annotation(tasks["HEMATOLOGIE-00329_CRC"], curator_id)["result"]) == 2  # review: as is

    status = curation_status(client, campaign.project, guides=content_dir("guides")).as_dict()["totals"]
    assert status == {
        "reports": 4,
        "review": 1,
        "adjudication": 3,
        "merged_units": 6,  # GASTRO, ONCO and the HEMATO review × (class + justification); PNEUMO: none
        "conflicts": 3,
        "curated": 0,
        "not_curated": 4,
        "curated_with_markers": 0,
    }

    # The curator decides only the class: two markers stay, yet the box is ticked.
    documents = _source_documents(client, campaign.project, tmp_path)
    merged = merge_document(documents[DISPUTED], GUIDE, Strategy())
    partial = curated_results(documents[DISPUTED], merged, {"field:Nomenclature": anne}, GUIDE)
    annotation_id = _curator_annotation(disputed, curator_id)["id"]
    client.patch(f"/api/annotations/{annotation_id}", {"result": partial})
    gastro = _curator_annotation(tasks["GASTRO-ENTEROLOGIE-00722_CRH"], curator_id)
    gastro_merge = merge_document(documents["GASTRO-ENTEROLOGIE-00722_CRH"], GUIDE, Strategy())
    client.patch(
        f"/api/annotations/{gastro['id']}",
        {"result": curated_results(documents["GASTRO-ENTEROLOGIE-00722_CRH"], gastro_merge, {}, GUIDE)},
    )
    export = pull_project(
        client, report.curation_project, tmp_path / "curation.json", guides=content_dir("guides")
    ).path
    with pytest.raises(DiagnosticError) as refused:
        run_export(ExportRequest(export, "brat", tmp_path / "refused", gold="curated"), bundled_workspace())
    assert "2 curated annotation(s) still hold a conflict marker" in str(refused.value)
    assert f'({DISPUTED}) / annotation {annotation_id} / result "conflit' in str(refused.value)
    assert not (tmp_path / "refused").exists()
    problems = validate_tasks(load_export(export), GUIDE, source="curation.json")
    # Both markers are named, and the tasks not curated yet; the guide's own rules still apply (no
    # justification span is left yet).
    assert sorted(p.code for p in problems) == [
        "curation-pending",
        "curation-pending",
        "curation-unresolved",
        "curation-unresolved",
        "une-justification-au-moins",
    ]
    cli_validate = CliRunner().invoke(cli, ["validate", str(export)])
    assert cli_validate.exit_code == 1 and "conflit non résolu" in cli_validate.output

    # Resolving every conflict (anne's versions) makes the export go through, with provenance.
    decisions = {c.key: anne for c in merged.conflicts}
    client.patch(
        f"/api/annotations/{annotation_id}",
        {"result": curated_results(documents[DISPUTED], merged, decisions, GUIDE)},
    )
    export = pull_project(
        client, report.curation_project, tmp_path / "curation.json", overwrite=True, guides=content_dir("guides")
    ).path
    written = run_export(ExportRequest(export, "brat", tmp_path / "gold", gold="curated"), bundled_workspace())
    assert written["summary"]["documents_exported"] == 2
    assert sorted(written["curation"]) == ["GASTRO-ENTEROLOGIE-00722_CRH", DISPUTED]
    provenance = written["curation"][DISPUTED]
    assert provenance["strategy"] == "complete" and provenance["kind"] == "adjudication"
    assert provenance["curator"] == client.whoami()["email"] and provenance["date"]
    saved = json.loads((tmp_path / "gold" / "export-report.json").read_text(encoding="utf-8"))
    assert saved["curation"][DISPUTED]["annotators"] == f"{anne}, {bruno}"
    gold = select_gold(
        read_labelstudio(guide_view(load_export(export)), GUIDE, policy=GoldPolicy.parse("curated")),
        GoldPolicy.parse("curated"),
    )
    by_report = {d.report: d.annotations[0] for d in gold.documents}
    anne_version = next(a for a in documents[DISPUTED].annotations if a.annotator == anne)
    assert by_report[DISPUTED].fields == anne_version.fields
    assert [(s.begin, s.end) for s in by_report[DISPUTED].spans] == [(s.begin, s.end) for s in anne_version.spans]

    # The curator touches HEMATOLOGIE's starting point without finishing; then annotators change their work.
    hemato = _curator_annotation(tasks["HEMATOLOGIE-00329_CRC"], curator_id)
    touched = [r for r in hemato["result"] if r["from_name"] == "Nomenclature"]
    client.patch(f"/api/annotations/{hemato['id']}", {"result": touched})
    source = _tasks(client, campaign.project)
    for name in ("HEMATOLOGIE-00329_CRC", "ONCOLOGIE-00655_CRC", DISPUTED):
        for annotation in source[name]["annotations"]:
            changed = [
                {**r, "value": {"choices": ["NonDetermine"]}} if r["from_name"] == "Nomenclature" else r
                for r in annotation["result"]
            ]
            client.patch(f"/api/annotations/{annotation['id']}", {"result": changed})
    again = prepare_curation(client, str(campaign.project), guides=content_dir("guides"))
    assert again.updated == ["ONCOLOGIE-00655_CRC"] and again.adjudication == ["ONCOLOGIE-00655_CRC"]
    assert again.kept == {
        "GASTRO-ENTEROLOGIE-00722_CRH": "curation terminée : conservée telle quelle",
        DISPUTED: "curation terminée : conservée telle quelle",
        "HEMATOLOGIE-00329_CRC": "le curateur a modifié le point de départ : conservé",
    }
    assert again.ground_truth_marked == ["GASTRO-ENTEROLOGIE-00722_CRH", DISPUTED]
    after = _tasks(client, report.curation_project)
    assert _curator_annotation(after[DISPUTED], curator_id)["ground_truth"] is True
    assert _curator_annotation(after["HEMATOLOGIE-00329_CRC"], curator_id)["result"] == touched
    onco = _curator_annotation(after["ONCOLOGIE-00655_CRC"], curator_id)["result"]
    assert [r["value"]["choices"] for r in onco if r["from_name"] == "Nomenclature"] == [["NonDetermine"]]
    final = curation_status(client, campaign.project, guides=content_dir("guides")).as_dict()["totals"]
    assert (final["curated"], final["not_curated"]) == (2, 2)


def test_curate_cli_says_what_it_did(campaign: Campaign) -> None:
    client = campaign.client
    env = {"LABEL_STUDIO_URL": client.url, "LABEL_STUDIO_API_KEY": client.connection.api_key}
    runner = CliRunner(env=env)
    first = runner.invoke(cli, ["curate", str(campaign.project), "--strategy", "threshold:1:0.5"])
    assert first.exit_code == 0, first.output
    assert "prepared: 1 review (one annotation), 3 adjudication" in first.output
    assert f"{campaign.extra_report}: aucune annotation soumise" in first.output
    second = runner.invoke(cli, ["curate", str(campaign.project), "--strategy", "threshold:1:0.5"])
    assert "unchanged since the last run: 4" in second.output
    assert f"(up to date, nothing changed) for project {campaign.project}" in second.output
    status = runner.invoke(cli, ["curate", "status", str(campaign.project), "--json"])
    assert json.loads(status.output)["totals"]["reports"] == 4
    bad = runner.invoke(cli, ["curate", str(campaign.project), "--strategy", "majority"])
    assert bad.exit_code == 1 and "unknown strategy 'majority'" in bad.output


def test_demo_curation_step_is_idempotent(campaign: Campaign, tmp_path: Path) -> None:
    from partages_ls.workflows.demo_curation import curate_demo

    client = campaign.client
    anne, bruno = campaign.annotators
    decisions = tmp_path / "decisions.json"
    chosen = {"field:Nomenclature": anne, "span:Justification:1593-1710": None, "span:Justification:1690-1767": anne}
    decisions.write_text(json.dumps({"strategy": "complete", "reports": {DISPUTED: chosen}}), encoding="utf-8")
    export = pull_project(client, campaign.project, tmp_path / "source.json", guides=content_dir("guides")).path
    first = curate_demo(client, GUIDE, campaign.project, export, decisions, tmp_path / "out", bundled_workspace())
    assert first.decided == sorted([*ADJUDICATED, "HEMATOLOGIE-00329_CRC"])
    assert first.gold is not None and first.feedback is not None
    for target in ("parhaf", "cas", "brat"):
        report = json.loads((first.gold / target / "export-report.json").read_text(encoding="utf-8"))
        assert report["summary"]["documents_exported"] == 4, target
        assert report["curation"][DISPUTED]["kind"] == "adjudication"
    feedback = json.loads((first.feedback / "reference.json").read_text(encoding="utf-8"))
    assert feedback["annotators"][anne]["differences"] == []
    assert {d["kind"] for d in feedback["annotators"][bruno]["differences"]} == {
        "champ Nomenclature",
        "zone en trop",
        "zone manquante",
    }
    second = curate_demo(client, GUIDE, campaign.project, export, decisions, tmp_path / "out", bundled_workspace())
    assert second.decided == []
    assert "kept as curated: 4; curated in all: 4" in second.lines[0]


def test_the_curation_project_never_shadows_the_guide_project(campaign: Campaign) -> None:
    from partages_ls.studio.projects import create_project, resolve_project

    client = campaign.client
    report = prepare_curation(client, "reponse-traitement", guides=content_dir("guides"))
    assert report.source_project == campaign.project and report.curation_project != campaign.project
    assert resolve_project(client, "reponse-traitement").id == campaign.project
    assert create_project(client, GUIDE).action == "unchanged"
    again = prepare_curation(
        client, "reponse-traitement", reports=["PNEUMOLOGIE-01208_CRC", "NOPE-00000_CRC"], guides=content_dir("guides")
    )
    assert again.curation_project == report.curation_project
    assert again.unchanged == ["PNEUMOLOGIE-01208_CRC"] and again.skipped == {
        "NOPE-00000_CRC": "compte rendu absent du projet"
    }


def test_predict_refuses_a_curation_project(campaign: Campaign) -> None:
    """Found by the integration QA pass: `predict CURATION_PROJECT` learned from the curator's merge and switched
    the curation project to show model suggestions beside the annotators' versions."""
    from partages_ls.predict.registry import PredictError
    from partages_ls.workflows.predict import predict_project

    client = campaign.client
    report = prepare_curation(client, campaign.project, guides=content_dir("guides"))
    with pytest.raises(PredictError, match=f"curation project of project {campaign.project}") as refused:
        predict_project(client, str(report.curation_project), guides=content_dir("guides"))
    assert f"`partages-ls predict {campaign.project}`" in str(refused.value)
    assert client.get(f"/api/projects/{report.curation_project}").get("model_version") in (None, "")
    assert not any(t.get("predictions") for t in list_tasks(client, report.curation_project, full=True))


def test_status_points_a_curation_project_to_curate_status(campaign: Campaign) -> None:
    """Found by the integration QA pass: `status CURATION_PROJECT` listed the curator as an annotator and called
    the curated reports "ready for agreement"."""
    from partages_ls.studio.projects import ProjectError
    from partages_ls.studio.status import project_status

    client = campaign.client
    report = prepare_curation(client, campaign.project, guides=content_dir("guides"))
    with pytest.raises(ProjectError, match=f"curation project of project {campaign.project}") as refused:
        project_status(client, report.curation_project, guides=content_dir("guides"))
    assert f"`partages-ls curate status {campaign.project}`" in str(refused.value)
    # The annotation project itself still reports its annotators.
    annotators = project_status(client, campaign.project, guides=content_dir("guides")).annotators
    assert annotators and all("partages-ls.local" not in a.annotator for a in annotators)
