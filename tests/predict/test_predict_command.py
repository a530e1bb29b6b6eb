"""`partages-ls predict` on the real server: bulk, idempotent, model_version, learned from annotations."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.content import content_dir
from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
from partages_ls.guides.loader import load_guide
from partages_ls.predict.registry import PREFIX
from partages_ls.studio.annotators import add_annotators
from partages_ls.studio.client import StudioClient
from partages_ls.studio.importer import ImportOptions
from partages_ls.studio.projects import create_project, list_tasks
from partages_ls.studio.pull import pull_project
from partages_ls.workflows.imports import import_sources
from partages_ls.workflows.predict import predict_project

pytestmark = pytest.mark.server
SAMPLES = content_dir("samples")


def test_predict_imports_suggestions_once_per_model_version(studio: StudioClient, tmp_path: Path) -> None:
    guide = load_guide("pseudonymisation", content_dir("guides"))
    project = create_project(studio, guide).project
    import_sources(studio, project.id, [SAMPLES / guide.name / "reports"], guides=content_dir("guides"))
    # One annotator's annotations of one report, for the string matcher to learn from.
    annotator = f"camille.{uuid.uuid4().hex[:8]}@exemple.fr"
    add_annotators(studio, project.id, [annotator])
    entries = json.loads((SAMPLES / guide.name / "annotations" / "camille.martin@exemple.fr.json").read_text())
    subset = tmp_path / "camille.json"
    subset.write_text(json.dumps(entries[:1], ensure_ascii=False), encoding="utf-8")
    import_sources(
        studio,
        project.id,
        [subset],
        ImportOptions(mode="annotations", annotator=annotator),
        guides=content_dir("guides"),
    )

    seen: list[tuple[int, int]] = []
    before = studio.requests
    first = predict_project(
        studio, project.id, progress=lambda done, total: seen.append((done, total)), guides=content_dir("guides")
    )
    assert first.model_version.startswith(f"{PREFIX}pseudonymisation/all@cu1-rules.1.0.0+")
    assert (first.tasks, first.predicted, first.already) == (4, 4, 0)
    assert first.learned_annotations == 1 and first.learned_spans > 30
    assert first.suggestions > 100 and first.empty == 0
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    assert studio.requests - before <= 5  # resolve, list, one bulk import: not one request per task

    assert first.activated and studio.get(f"/api/projects/{project.id}")["model_version"] == first.model_version
    again = predict_project(studio, project.id, guides=content_dir("guides"))
    assert (again.predicted, again.already, again.activated) == (0, 4, False)
    rules = predict_project(
        studio,
        project.id,
        model="rules",
        reports=["CARDIOLOGIE-00217_CRH", "NOPE-00000_CRH"],
        guides=content_dir("guides"),
    )
    assert (rules.tasks, rules.predicted, rules.unknown_reports) == (1, 1, ["NOPE-00000_CRH"])

    tasks = list_tasks(studio, project.id, full=True)
    versions = sorted(p["model_version"] for t in tasks for p in t["predictions"])
    assert len(versions) == 5 and versions.count(first.model_version) == 4
    cardio = next(t for t in tasks if t["data"]["report"] == "CARDIOLOGIE-00217_CRH")
    regions = {
        (item["value"]["text"], item["value"]["labels"][0])
        for p in cardio["predictions"]
        if p["model_version"] == first.model_version
        for item in p["result"]
        if item["type"] == "labels"
    }
    assert ("02 61 91 40 27", "NumeroTelephone") in regions

    # The pulled export carries the predictions with their model_version; they never become gold.
    out = tmp_path / "export.json"
    pull_project(studio, project.id, out, guides=content_dir("guides"))
    exported = load_export(out)
    assert {p["model_version"] for t in exported for p in t["predictions"]} == set(versions)
    corpus = read_labelstudio(exported, guide)
    annotated = {d.report: len(d.annotations) for d in corpus.documents if d.annotations}
    assert annotated == {entries[0]["report"]: 1}


def test_the_command_prints_what_it_did_and_fails_on_unknown_reports(
    studio: StudioClient, ls_server: object, tmp_path: Path
) -> None:
    project = create_project(studio, load_guide("infectiologie", content_dir("guides"))).project
    import_sources(studio, project.id, [SAMPLES / "infectiologie" / "reports"], guides=content_dir("guides"))
    env = {"LABEL_STUDIO_URL": studio.url, "LABEL_STUDIO_API_KEY": studio.connection.api_key}
    runner = CliRunner()
    result = runner.invoke(cli, ["predict", str(project.id), "--model", "rules"], env=env)
    assert result.exit_code == 0, result.output
    assert "4 task(s) predicted" in result.output and "partages-ls:infectiologie/rules@cu6-lexicon" not in result.output
    assert "partages-ls:infectiologie/rules@1.0.0+" in result.output
    result = runner.invoke(cli, ["predict", str(project.id), "--model", "rules", "--reports", "X-1_CRH"], env=env)
    assert result.exit_code == 1 and "not in the project: X-1_CRH" in result.output
    assert studio.connection.api_key not in result.output
