"""`project create` on the real server: idempotent, found by its marker, refuses to orphan annotations."""

from __future__ import annotations

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.guides.model import Guide
from partages_ls.label_configs.render import render_label_config
from partages_ls.studio.client import StudioClient
from partages_ls.studio.importer import ImportOptions
from partages_ls.studio.projects import ProjectError, create_project, read_marker, resolve_project
from partages_ls.workflows.imports import import_sources

from .synthetic import make_results

pytestmark = pytest.mark.server


def _without_label(guide: Guide, label: str) -> Guide:
    """The guide minus one label (and the relation ends that named it), one version later."""
    label_set = guide.label_sets[0]
    kept = [lab for lab in label_set.labels if lab.id != label]
    attributes = [
        a.model_copy(update={"applies_to": [x for x in a.applies_to if x != label]}) for a in label_set.attributes
    ]
    relations = [
        r.model_copy(
            update={"sources": [x for x in r.sources if x != label], "targets": [x for x in r.targets if x != label]}
        )
        for r in guide.relations
    ]
    relations = [r for r in relations if r.sources and r.targets]
    new_set = label_set.model_copy(update={"labels": kept, "attributes": attributes})
    return guide.model_copy(update={"label_sets": [new_set], "relations": relations, "version": "1.1.0"})


def test_create_is_idempotent_and_finds_the_project_by_its_marker(studio: StudioClient) -> None:
    guide = load_guide("infectiologie", content_dir("guides"))
    first = create_project(studio, guide)
    assert first.action == "created"
    stored = studio.get(f"/api/projects/{first.project.id}")
    assert stored["label_config"] == render_label_config(guide).strip()
    assert stored["show_instruction"] is True and "<h2>" in stored["expert_instruction"]
    assert stored["maximum_annotations"] == 2
    marker = read_marker(stored["description"])
    assert marker is not None and (marker["guide"], marker["version"]) == ("infectiologie", guide.version)

    assert create_project(studio, guide).action == "unchanged"
    studio.patch(f"/api/projects/{first.project.id}", {"title": "Renamed by a human"})
    again = create_project(studio, guide)
    assert (again.action, again.project.id) == ("unchanged", first.project.id)
    assert resolve_project(studio, "infectiologie").id == first.project.id
    assert resolve_project(studio, str(first.project.id)).title == "Renamed by a human"

    overlap = create_project(studio, guide, overlap=3)
    assert overlap.action == "updated" and overlap.changes == ["maximum_annotations"]
    assert studio.get(f"/api/projects/{first.project.id}")["maximum_annotations"] == 3
    with pytest.raises(ProjectError, match="no project for guide 'biomarqueurs'"):
        resolve_project(studio, "biomarqueurs")


def test_a_changed_guide_updates_the_config_when_nothing_is_orphaned(studio: StudioClient) -> None:
    guide = load_guide("infectiologie", content_dir("guides"))
    project = create_project(studio, guide).project
    changed = _without_label(guide, "Site")
    result = create_project(studio, changed)
    assert result.action == "updated"
    assert {"label_config", "description", "expert_instruction"} <= set(result.changes)
    stored = studio.get(f"/api/projects/{project.id}")
    assert stored["label_config"] == render_label_config(changed).strip()
    assert create_project(studio, changed).action == "unchanged"


def test_a_change_that_would_orphan_annotations_is_refused(studio: StudioClient, emails: list[str]) -> None:
    guide = load_guide("infectiologie", content_dir("guides"))
    project = create_project(studio, guide).project
    reports = content_dir("samples") / guide.name / "reports"
    import_sources(studio, project.id, [reports], guides=content_dir("guides"))
    path = sorted(reports.glob("*.txt"))[0]
    results = make_results(guide, path.read_text(encoding="utf-8"))
    assert any(r.get("value", {}).get("labels") == ["Site"] for r in results)
    task = studio.get("/api/tasks", params={"project": project.id, "include": "id,data", "page_size": 100})["tasks"]
    task_id = next(t["id"] for t in task if t["data"]["report"] == path.stem)
    studio.post(f"/api/tasks/{task_id}/annotations", {"result": results})
    before = studio.get(f"/api/projects/{project.id}")["label_config"]

    with pytest.raises(ProjectError) as refused:
        create_project(studio, _without_label(guide, "Site"))
    message = str(refused.value)
    assert "would orphan existing results" in message
    assert "control « LABEL », label « Site » (annotations): used 1 time(s)" in message
    assert f"tasks {task_id}" in message
    assert studio.get(f"/api/projects/{project.id}")["label_config"] == before

    # Removing a whole control in use is refused too (the server itself would accept it).
    no_negation = guide.model_copy(
        update={"label_sets": [guide.label_sets[0].model_copy(update={"attributes": []})], "version": "1.2.0"}
    )
    with pytest.raises(ProjectError, match="control « NEGATION »"):
        create_project(studio, no_negation)


def test_import_then_reread_uses_the_project_guide(studio: StudioClient) -> None:
    guide = load_guide("reponse-traitement", content_dir("guides"))
    project = create_project(studio, guide, title="Réponse au traitement (test)").project
    assert project.title == "Réponse au traitement (test)"
    report = import_sources(
        studio,
        "reponse-traitement",
        [content_dir("samples") / guide.name / "reports"],
        ImportOptions(),
        guides=content_dir("guides"),
    )
    assert report.project_id == project.id and report.tasks_created == 4
