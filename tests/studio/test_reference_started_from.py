"""On the real server: an annotation begun from a suggestion records it (``parent_prediction``), and
``--reference predictions:MODEL`` counts it as not independent of that reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from partages_ls.agreement.reference import load_reference
from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.studio.client import StudioClient
from partages_ls.studio.projects import create_project
from partages_ls.studio.pull import pull_project
from partages_ls.workflows.imports import import_sources

from .synthetic import make_results

pytestmark = pytest.mark.server

MODEL = "partages-ls:infectiologie/rules@test"


def test_an_annotation_begun_from_the_reference_suggestion_is_counted(studio: StudioClient, tmp_path: Path) -> None:
    guide = load_guide("infectiologie", content_dir("guides"))
    project = create_project(studio, guide, title="Référence et suggestions (test)").project
    reports = content_dir("samples") / guide.name / "reports"
    import_sources(studio, project.id, [reports], guides=content_dir("guides"))
    tasks = studio.get("/api/tasks", params={"project": project.id, "include": "id,data", "page_size": 100})["tasks"]
    first, second = sorted(tasks, key=lambda t: t["data"]["report"])[:2]
    for task in (first, second):
        results = make_results(guide, task["data"]["text"])
        suggestion = studio.post("/api/predictions", {"task": task["id"], "result": results, "model_version": MODEL})
        # What the labeling page sends when the annotator starts from the suggestion shown: its id.
        parent = {"parent_prediction": suggestion["id"]} if task is first else {}
        studio.post(f"/api/tasks/{task['id']}/annotations", {"result": results, **parent})

    out = tmp_path / "export.json"
    pull_project(studio, project.id, out, guides=content_dir("guides"))
    exported = json.loads(out.read_text(encoding="utf-8"))
    _corpus, reference = load_reference(exported, guide, f"predictions:{MODEL}")
    (who,) = reference.compared
    assert (reference.started_from[who], reference.compared[who]) == (1, 2)
    (caveat,) = reference.caveats()
    assert caveat.startswith(f"{who} : 1 annotation(s) sur 2 commencée(s) à partir de ces suggestions")
