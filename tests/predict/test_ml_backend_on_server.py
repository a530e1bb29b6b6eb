"""A real Label Studio server calls `partages-ls ml-backend serve` and shows its suggestions."""

from __future__ import annotations

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.studio.client import StudioClient
from partages_ls.studio.projects import connect_ml_backend, create_project, list_tasks
from partages_ls.workflows.imports import import_sources

from .conftest import Backend

pytestmark = pytest.mark.server
GUIDE = "infectiologie"
REPORTS = content_dir("samples") / GUIDE / "reports"


def _project_with_backend(studio: StudioClient, backend: Backend) -> tuple[int, dict[str, int]]:
    project = create_project(studio, load_guide(GUIDE, content_dir("guides"))).project
    import_sources(studio, project.id, [REPORTS], guides=content_dir("guides"))
    connected = connect_ml_backend(studio, project.id, backend.url)
    assert connected.action == "connected"
    assert connected.title.startswith("partages-ls:infectiologie/all@cu6-lexicon.")
    tasks = {t["data"]["report"]: int(t["id"]) for t in list_tasks(studio, project.id)}
    return project.id, tasks


def test_label_studio_asks_the_backend_when_a_task_opens(studio: StudioClient, backend: Backend) -> None:
    project_id, tasks = _project_with_backend(studio, backend)
    assert {"/health", "/setup"} <= set(backend.paths())
    ml = studio.get("/api/ml", params={"project": project_id})
    assert [b["readable_state"] for b in ml] == ["Connected"]
    # Rerunning connects nothing new.
    assert connect_ml_backend(studio, project_id, backend.url).action == "unchanged"
    assert len(studio.get("/api/ml", params={"project": project_id})) == 1

    task = studio.get(f"/api/tasks/{tasks['MALADIES-INFECTIEUSES-00048_CRH']}")  # what the interface does
    assert "/predict" in backend.paths()
    [prediction] = task["predictions"]
    assert prediction["model_version"] == ml[0]["title"]
    labelled = {
        (item["value"]["text"], item["value"]["labels"][0]) for item in prediction["result"] if item["type"] == "labels"
    }
    assert ("Escherichia coli", "Bacterie") in labelled
    negations = {
        item["value"]["text"]: item["value"]["choices"][0]
        for item in prediction["result"]
        if item["from_name"] == "NEGATION"
    }
    assert negations["abcès rénal"] == "Absent"
    project = studio.get(f"/api/projects/{project_id}")
    assert project["model_version"] == prediction["model_version"]


def test_the_matcher_learns_from_submitted_annotations_through_the_webhook(
    studio: StudioClient, backend: Backend
) -> None:
    project_id, tasks = _project_with_backend(studio, backend)
    hooks = studio.get("/api/webhooks", params={"project": project_id})
    assert [h["url"] for h in hooks] == [f"{backend.url}/webhook"]

    # An annotator marks a surface no lexicon knows (« ECBU », as a Site) in one report...
    first = studio.get(f"/api/tasks/{tasks['GERIATRIE-00390_URGENCES']}")
    text = first["data"]["text"]
    surface = "ECBU"
    start = text.index(surface)
    region = {"start": start, "end": start + len(surface), "text": surface}
    common = {"id": "r1", "to_name": "text"}
    result = [
        {**common, "from_name": "LABEL", "type": "labels", "value": {**region, "labels": ["Site"]}},
        {**common, "from_name": "NEGATION", "type": "choices", "value": {**region, "choices": ["Present"]}},
    ]
    studio.post(f"/api/tasks/{first['id']}/annotations", {"result": result, "was_cancelled": False}, retry=False)
    assert "/webhook" in backend.paths()
    assert backend.service.learned >= 1

    # ... and the backend proposes it in another report that mentions it.
    task = studio.get(f"/api/tasks/{tasks['MALADIES-INFECTIEUSES-00048_CRH']}")
    assert surface in task["data"]["text"]
    sites = [
        item["value"]["text"]
        for p in task["predictions"]
        for item in p["result"]
        if item["type"] == "labels" and item["value"]["labels"] == ["Site"]
    ]
    assert surface in sites
