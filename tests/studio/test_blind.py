"""Blind double annotation on the real server: one project per annotator, worked on as one group."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from partages_ls.agreement.report import AgreementOptions
from partages_ls.cli.main import cli
from partages_ls.content import bundled_workspace, content_dir
from partages_ls.curation.prepare import prepare_curation
from partages_ls.curation.status import curation_status
from partages_ls.exporters.labelstudio.read import load_export
from partages_ls.guides.loader import load_guide
from partages_ls.studio.blind import (
    BlindGroup,
    create_blind_group,
    find_group,
    group_status,
    import_group,
    pull_group,
)
from partages_ls.studio.blind_merge import PROVENANCE, BlindError, GroupMerger, merge_group_tasks
from partages_ls.studio.client import StudioClient
from partages_ls.studio.importer import ImportOptions
from partages_ls.studio.projects import Project, create_project, find_guide_projects, list_tasks, resolve_project
from partages_ls.workflows.agreement import AgreementRequest, run_agreement
from partages_ls.workflows.imports import import_sources

GUIDE = load_guide("reponse-traitement", content_dir("guides"))
SAMPLES = content_dir("samples") / GUIDE.name
SAMPLE_ANNOTATORS = ("camille.martin@exemple.fr", "louis.bernard@exemple.fr")
REPORTS = sorted(p.stem for p in (SAMPLES / "reports").glob("*.txt"))


def annotations_file(tmp_path: Path, sample: str, email: str, skip: str | None = None) -> Path:
    items = json.loads((SAMPLES / "annotations" / f"{sample}.json").read_text(encoding="utf-8"))
    path = tmp_path / f"{email}.json"
    path.write_text(json.dumps([i for i in items if i["report"] != skip], ensure_ascii=False), encoding="utf-8")
    return path


def fill_group(studio: StudioClient, tmp_path: Path, emails: list[str]) -> BlindGroup:
    """A blind group of the two e-mails: the sample reports in both, each sample annotator's work in one project."""
    create_blind_group(studio, GUIDE, emails)
    group = find_group(studio, f"blind:{GUIDE.name}")
    assert group is not None
    import_group(studio, group, GUIDE, [SAMPLES / "reports"], ImportOptions())
    for email, sample in zip(emails, SAMPLE_ANNOTATORS, strict=True):
        skip = "HEMATOLOGIE-00329_CRC" if email == emails[1] else None  # one report annotated once: a review
        source = annotations_file(tmp_path, sample, email, skip)
        import_group(studio, group, GUIDE, [source], ImportOptions(mode="annotations", annotator=email))
    return group


@pytest.mark.server
def test_blind_group_create_import_status_pull_agreement_curate(
    studio: StudioClient, emails: list[str], tmp_path: Path
) -> None:
    anne, bruno = emails
    created = create_blind_group(studio, GUIDE, [bruno, anne.upper()])
    assert sorted(created.results) == [anne, bruno]
    assert {r.action for r in created.results.values()} == {"created"}
    assert find_guide_projects(studio, GUIDE.name) == []  # members are not the guide's project
    again = create_blind_group(studio, GUIDE)  # rerun without --annotators: the same two, unchanged
    assert {e: r.action for e, r in again.results.items()} == {anne: "unchanged", bruno: "unchanged"}
    group = find_group(studio, GUIDE.name)
    assert group is not None and sorted(group.members) == [anne, bruno]
    ids = {e: p.id for e, p in group.members.items()}
    for email, project in group.members.items():
        stored = studio.get(f"/api/projects/{project.id}")
        assert stored["maximum_annotations"] == 1 and email in stored["title"]
        assert Project.from_api(stored).guide_name == GUIDE.name

    texts = import_group(studio, group, GUIDE, [SAMPLES / "reports"], ImportOptions())
    assert [r.tasks_created for r in texts] == [len(REPORTS), len(REPORTS)]
    rerun = import_group(studio, group, GUIDE, [SAMPLES / "reports"], ImportOptions())
    assert [(r.tasks_created, r.tasks_present) for r in rerun] == [(0, len(REPORTS)), (0, len(REPORTS))]
    source = annotations_file(tmp_path, SAMPLE_ANNOTATORS[0], anne)
    with pytest.raises(BlindError, match="must be told whose they are") as refused:  # not everyone's suggestions
        import_group(studio, group, GUIDE, [source], ImportOptions())
    assert f"{anne} → {ids[anne]}" in str(refused.value)
    assert all(not t["predictions"] for p in ids.values() for t in list_tasks(studio, p, full=True))
    mine = import_group(studio, group, GUIDE, [source], ImportOptions(mode="annotations", annotator=anne))
    assert [(r.project_id, r.annotations_created) for r in mine] == [(ids[anne], len(REPORTS)), (ids[bruno], 0)]
    with pytest.raises(BlindError, match="has no project in the blind group"):
        import_group(studio, group, GUIDE, [source], ImportOptions(mode="annotations", annotator="zoe@exemple.fr"))
    source = annotations_file(tmp_path, SAMPLE_ANNOTATORS[1], bruno, skip="HEMATOLOGIE-00329_CRC")
    import_group(studio, group, GUIDE, [source], ImportOptions(mode="annotations", annotator=bruno))
    users = {u["email"].lower(): u["id"] for u in studio.get("/api/users")}
    for email, project_id in ids.items():  # each project holds its annotator's work only
        who = {a["completed_by"] for t in list_tasks(studio, project_id, full=True) for a in t["annotations"]}
        assert who == {users[email]}

    status, merged = group_status(studio, group, GUIDE)
    assert status.tasks == len(REPORTS) and merged.foreign == []
    assert [(a.annotator, a.submitted) for a in status.annotators] == [(anne, 4), (bruno, 3)]
    assert status.tasks_by_submitted == {"0": 0, "1": 1, "2+": 3}
    assert status.ready_for_agreement == [r for r in REPORTS if r != "HEMATOLOGIE-00329_CRC"]

    pulled = pull_group(studio, group, GUIDE, tmp_path / "group.json")
    tasks = load_export(pulled.path)
    assert pulled.record["blind_group"] == ids and pulled.record["guide"] == GUIDE.name
    assert [t["data"]["report"] for t in tasks] == REPORTS and pulled.annotations == 7
    annotation_ids = [a["id"] for t in tasks for a in t["annotations"]]
    assert len(set(annotation_ids)) == 7
    first = next(t for t in tasks if t["data"]["report"] == REPORTS[0])
    assert sorted(first[PROVENANCE]) == [anne, bruno]
    assert {a["completed_by"]["email"].lower() for a in first["annotations"]} == {anne, bruno}

    agreement = run_agreement(
        AgreementRequest(pulled.path, tmp_path / "agreement", None, AgreementOptions(bootstrap=0)), bundled_workspace()
    )
    assert agreement.data["documents"]["compared"] == 3
    assert {e.lower() for e in agreement.data["coverage"]["annotators"]} == {anne, bruno}

    curated = prepare_curation(studio, f"blind:{GUIDE.name}", guides=content_dir("guides"))
    assert curated.review == ["HEMATOLOGIE-00329_CRC"]  # the same as in one shared project (test_curate_studio)
    assert curated.adjudication == [r for r in REPORTS if r != "HEMATOLOGIE-00329_CRC"]
    assert curated.conflicts == 3 and curated.source_project == group.anchor.id
    state = curation_status(studio, GUIDE.name, guides=content_dir("guides"))
    assert state.curation_project == curated.curation_project and len(state.reports) == 4


@pytest.mark.server
def test_an_ordinary_project_and_a_group_of_one_guide(studio: StudioClient, emails: list[str]) -> None:
    create_blind_group(studio, GUIDE, emails)
    assert find_group(studio, GUIDE.name) is not None  # no ordinary project: GUIDE names the group
    ordinary = create_project(studio, GUIDE)
    assert ordinary.action == "created"  # the members never shadow the guide's project
    assert find_group(studio, GUIDE.name) is None and resolve_project(studio, GUIDE.name).id == ordinary.project.id
    group = find_group(studio, f"blind:{GUIDE.name}")
    assert group is not None and sorted(group.members) == sorted(emails)
    assert find_group(studio, str(group.anchor.id)) is None  # an id is one project
    with pytest.raises(BlindError, match="no blind group for guide 'infectiologie'"):
        find_group(studio, "blind:infectiologie")


@pytest.mark.server
def test_an_annotation_made_in_another_annotators_project_is_reported(
    studio: StudioClient, ls_server: Any, emails: list[str], tmp_path: Path
) -> None:
    anne, bruno = emails
    group = fill_group(studio, tmp_path, emails)
    source = annotations_file(tmp_path, SAMPLE_ANNOTATORS[1], f"again-{bruno}")
    # Bruno's work lands in Anne's project (what a member opening another's project would do).
    import_sources(
        studio,
        group.members[anne].id,
        [source],
        ImportOptions(mode="annotations", annotator=bruno),
        guides=content_dir("guides"),
    )
    _, merged = group_status(studio, group, GUIDE)
    assert sorted(f["report"] for f in merged.foreign) == REPORTS
    assert {(f["project"], f["by"]) for f in merged.foreign} == {(group.members[anne].id, bruno)}
    result = CliRunner().invoke(cli, ["status", f"blind:{GUIDE.name}", *_connection(ls_server)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "NOT BLIND: 4 annotation(s) made in another annotator's project" in result.output


def _connection(server: Any) -> list[str]:
    return ["--url", server.url, "--api-key", server.token]


@pytest.mark.server
def test_blind_cli(studio: StudioClient, ls_server: Any, emails: list[str], tmp_path: Path) -> None:
    anne, bruno = emails
    runner = CliRunner()
    created = runner.invoke(
        cli, ["project", "create", GUIDE.name, "--blind", "--annotators", f"{anne},{bruno}", *_connection(ls_server)]
    )
    assert created.exit_code == 0, created.output
    assert f"blind group blind:{GUIDE.name}" in created.output and created.output.count("created: project") == 2
    refused = runner.invoke(cli, ["project", "create", GUIDE.name, "--annotators", anne, *_connection(ls_server)])
    assert refused.exit_code == 2 and "--annotators goes with --blind" in refused.output
    imported = runner.invoke(cli, ["import", f"blind:{GUIDE.name}", str(SAMPLES / "reports"), *_connection(ls_server)])
    assert imported.exit_code == 0, imported.output
    assert imported.output.count(f"{len(REPORTS)} task(s) created") == 2
    source = annotations_file(tmp_path, SAMPLE_ANNOTATORS[0], anne)
    args = ["import", GUIDE.name, str(source), "--as", "annotations", "--annotator", anne, *_connection(ls_server)]
    mine = runner.invoke(cli, args)
    assert mine.exit_code == 0, mine.output
    assert f"annotations of {anne}: {len(REPORTS)} added" in mine.output
    status = runner.invoke(cli, ["status", GUIDE.name, "--json", *_connection(ls_server)])
    data = json.loads(status.output)
    assert sorted(data["blind_group"]) == [anne, bruno] and data["foreign"] == []
    assert [(a["annotator"], a["submitted"]) for a in data["annotators"]] == [(anne, 4)]
    out = tmp_path / "pull.json"
    pulled = runner.invoke(cli, ["pull", GUIDE.name, "-o", str(out), *_connection(ls_server)])
    assert pulled.exit_code == 0, pulled.output
    assert f"{len(REPORTS)} task(s), 4 annotation(s)" in pulled.output
    assert f"from blind group blind:{GUIDE.name} ({anne} → " in pulled.output
    members = runner.invoke(cli, ["annotators", "add", f"blind:{GUIDE.name}", anne, *_connection(ls_server)])
    assert members.exit_code == 2 and f"project create {GUIDE.name} --blind --annotators" in members.output
    # predict works on one project: it names the group and how to reach a member, not `project create blind:…`
    predicted = runner.invoke(cli, ["predict", f"blind:{GUIDE.name}", *_connection(ls_server)])
    assert predicted.exit_code == 1 and "project create" not in predicted.output, predicted.output
    assert f"blind:{GUIDE.name} is a blind group (one project per annotator)" in predicted.output
    assert f"`partages-ls status blind:{GUIDE.name}` lists them" in predicted.output
    again = runner.invoke(cli, ["pull", GUIDE.name, "-o", str(out), *_connection(ls_server)])
    assert again.exit_code != 0 and "--overwrite" in again.output


def _task(report: str, task_id: int, annotations: list[dict[str, Any]], text: str = "Texte.") -> dict[str, Any]:
    return {"id": task_id, "data": {"text": text, "report": report}, "annotations": annotations, "predictions": []}


def test_merge_keeps_every_annotation_and_refuses_a_different_text() -> None:
    members = {"a@x.fr": Project(1, "a", GUIDE.name, None, {}), "b@x.fr": Project(2, "b", GUIDE.name, None, {})}
    group = BlindGroup(GUIDE.name, members)
    prediction = {"model_version": "m1", "result": [{"id": "r"}]}
    by_member = {
        "b@x.fr": [
            _task("R2", 21, [{"id": 201, "completed_by": 12}]),
            _task("R1", 20, [{"id": 200, "completed_by": 11}]),
        ],
        "a@x.fr": [_task("R1", 10, [{"id": 100, "completed_by": 11}]) | {"predictions": [prediction]}],
    }
    by_member["b@x.fr"][1]["predictions"] = [prediction, {"model_version": "m2", "result": []}]
    merged = merge_group_tasks(group.members, by_member, "report", {11: "a@x.fr", 12: "b@x.fr"})
    assert [(t["id"], t["data"]["report"]) for t in merged.tasks] == [(10, "R1"), (21, "R2")]
    r1 = merged.tasks[0]
    assert [a["id"] for a in r1["annotations"]] == [100, 200]
    assert r1[PROVENANCE] == {"a@x.fr": {"project": 1, "task": 10}, "b@x.fr": {"project": 2, "task": 20}}
    assert [p["model_version"] for p in r1["predictions"]] == ["m1", "m2"]  # the shared one kept once
    assert merged.foreign == [{"report": "R1", "project": 2, "annotation": 200, "by": "a@x.fr"}]
    by_member["b@x.fr"][1]["data"]["text"] = "Autre texte."
    with pytest.raises(BlindError, match="report R1: its data differ between member projects"):
        merge_group_tasks(group.members, by_member, "report", {})


def test_the_streamed_pull_writes_the_merged_list_json_would_write() -> None:
    """`pull blind:GUIDE` writes the merge piece by piece: the same bytes as dumping the merged list whole,
    with every annotation kept (a member holding a report twice included) and tasks in report order."""
    members = {"a@x.fr": Project(1, "a", GUIDE.name, None, {}), "b@x.fr": Project(2, "b", GUIDE.name, None, {})}
    text = "Fièvre à 39 °C — « pas de toux » 🙂"
    by_member = {
        "a@x.fr": [
            _task("R10", 12, [{"id": 102, "completed_by": 11}], text),
            _task("R9", 11, [{"id": 101, "completed_by": 11}, "not an annotation"], text),
            _task("R9", 13, [{"id": 103, "completed_by": 11, "result": [{"value": {"big": 2**70, "x": 0.1}}]}], text)
            | {"drafts": [{"id": 7}, 3]},
        ],
        "b@x.fr": [_task("R9", 21, [{"id": 201, "completed_by": 12}], text), _task("R1", 22, [], text)],
    }
    expected = merge_group_tasks(members, by_member, "report", {11: "a@x.fr", 12: "b@x.fr"}).tasks
    assert [t["data"]["report"] for t in expected] == ["R1", "R10", "R9"]
    assert [a["id"] for a in expected[2]["annotations"]] == [101, 103, 201]
    assert expected[2][PROVENANCE] == {"a@x.fr": {"project": 1, "task": 13}, "b@x.fr": {"project": 2, "task": 21}}
    written = io.BytesIO()
    with GroupMerger("report", {11: "a@x.fr", 12: "b@x.fr"}) as merger:
        for email in sorted(by_member):
            merger.add(email, members[email], iter(by_member[email]))
        merger.write(written)
        assert (len(merger), merger.annotations, merger.foreign) == (3, 4, [])
    assert written.getvalue() == (json.dumps(expected, ensure_ascii=False) + "\n").encode("utf-8")
    assert json.loads(written.getvalue()) == expected
    empty = io.BytesIO()
    with GroupMerger("report", {}) as merger:
        merger.write(empty)
    assert empty.getvalue() == b"[]\n"
