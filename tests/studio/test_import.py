"""`import`, `annotators add`, `status` and `pull` on the real server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.exporters.format import WriteOptions
from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
from partages_ls.exporters.labelstudio.write import write_labelstudio
from partages_ls.exporters.output import OutputExistsError
from partages_ls.guides.loader import load_guide
from partages_ls.pull_record import read_sidecar
from partages_ls.studio.annotators import AnnotatorError, add_annotators, login_help
from partages_ls.studio.client import StudioClient
from partages_ls.studio.importer import ImportFailedError, ImportOptions, ImportRefusedError
from partages_ls.studio.projects import create_project, list_tasks
from partages_ls.studio.pull import pull_project
from partages_ls.studio.status import project_status
from partages_ls.workflows.imports import import_sources

from .synthetic import canonical, make_results

pytestmark = pytest.mark.server
GUIDE = "infectiologie"
REPORTS = content_dir("samples") / GUIDE / "reports"


def _texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(REPORTS.glob("*.txt"))}


def _results_file(folder: Path, email: str, variant: int, reports: list[str] | None = None) -> Path:
    guide = load_guide(GUIDE, content_dir("guides"))
    items = [
        {"report": report, "result": make_results(guide, text, variant=variant)}
        for report, text in _texts().items()
        if reports is None or report in reports
    ]
    path = folder / f"{email}.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


def _reports_in(studio: StudioClient, project_id: int) -> list[str]:
    return sorted(t["data"]["report"] for t in list_tasks(studio, project_id))


def test_reports_are_imported_once_and_changed_texts_are_reported(studio: StudioClient, tmp_path: Path) -> None:
    project = create_project(studio, load_guide(GUIDE, content_dir("guides"))).project
    seen: list[tuple[int, int]] = []
    first = import_sources(
        studio, GUIDE, [REPORTS], progress=lambda done, total: seen.append((done, total)), guides=content_dir("guides")
    )
    assert (first.tasks_created, first.tasks_present, first.reports) == (4, 0, 4)
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    before = studio.requests
    again = import_sources(studio, GUIDE, [REPORTS], guides=content_dir("guides"))
    assert (again.tasks_created, again.tasks_present) == (0, 4)
    assert studio.requests - before <= 4  # project lookup and one listing: nothing posted
    assert _reports_in(studio, project.id) == sorted(_texts())

    changed = tmp_path / "reports"
    shutil.copytree(REPORTS, changed)
    victim = sorted(changed.glob("*.txt"))[1]
    victim.write_text(victim.read_text(encoding="utf-8") + "Ajout tardif.\n", encoding="utf-8")
    (changed / "NOUVEAU-00001_CRH.txt").write_text("Compte rendu ajouté plus tard.\n", encoding="utf-8")
    third = import_sources(studio, project.id, [changed], guides=content_dir("guides"))
    assert third.changed_text == [victim.stem]
    assert third.tasks_created == 1
    stored = {t["data"]["report"]: t["data"]["text"] for t in list_tasks(studio, project.id)}
    assert stored[victim.stem] == _texts()[victim.stem]  # not replaced
    assert len(stored) == 5


def test_two_annotators_loaded_one_at_a_time(studio: StudioClient, tmp_path: Path, emails: list[str]) -> None:
    guide = load_guide(GUIDE, content_dir("guides"))
    project = create_project(studio, guide).project
    anne, bruno = emails
    members = add_annotators(studio, GUIDE, [anne, bruno, anne.upper()])
    assert [m.created for m in members.members] == [True, True]
    assert [m.created for m in add_annotators(studio, GUIDE, [anne]).members] == [False]

    # Anne's annotations arrive with the new tasks (one bulk import), Bruno's on existing tasks.
    half = sorted(_texts())[:2]
    a = import_sources(
        studio,
        GUIDE,
        [REPORTS, _results_file(tmp_path, anne, 0)],
        ImportOptions(mode="annotations", annotator=anne),
        guides=content_dir("guides"),
    )
    assert (a.tasks_created, a.annotations_created, a.annotations_present) == (4, 4, 0)
    b = import_sources(
        studio,
        GUIDE,
        [_results_file(tmp_path, bruno, 1, half)],
        ImportOptions(mode="annotations", annotator=bruno),
        guides=content_dir("guides"),
    )
    assert (b.tasks_created, b.tasks_present, b.annotations_created) == (0, 2, 2)
    b_again = import_sources(
        studio,
        GUIDE,
        [_results_file(tmp_path, bruno, 1)],
        ImportOptions(mode="annotations", annotator=bruno),
        guides=content_dir("guides"),
    )
    assert (b_again.annotations_created, b_again.annotations_present) == (2, 2)
    a_again = import_sources(
        studio,
        GUIDE,
        [_results_file(tmp_path, anne, 0)],
        ImportOptions(mode="annotations", annotator=anne),
        guides=content_dir("guides"),
    )
    assert (a_again.annotations_created, a_again.annotations_present) == (0, 4)

    status = project_status(studio, GUIDE, guides=content_dir("guides"))
    assert status.tasks == 4 and status.tasks_by_submitted == {"0": 0, "1": 0, "2+": 4}
    assert [(p.annotator, p.submitted, p.skipped) for p in status.annotators] == [(anne, 4, 0), (bruno, 4, 0)]
    assert status.ready_for_agreement == sorted(_texts())

    # A skip by Bruno on another task shows up as skipped.
    tasks = list_tasks(studio, project.id, full=True)
    studio.post(
        f"/api/tasks/{tasks[0]['id']}/annotations",
        {"result": [], "was_cancelled": True, "completed_by": members.members[1].user_id},
    )
    status = project_status(studio, project.id, guides=content_dir("guides"))
    assert [(p.annotator, p.submitted, p.skipped) for p in status.annotators] == [(anne, 4, 0), (bruno, 4, 1)]
    assert status.skipped_tasks == [tasks[0]["data"]["report"]]

    # The pulled export carries e-mails; its annotations are what was imported, not ground truth.
    out = tmp_path / "export.json"
    pulled = pull_project(studio, GUIDE, out, guides=content_dir("guides"))
    assert (pulled.tasks, pulled.annotations) == (4, 9)
    exported = load_export(out)
    assert all(not a["ground_truth"] for t in exported for a in t["annotations"])
    corpus = read_labelstudio(exported, guide)
    texts = _texts()
    for document in corpus.documents:
        for annotation in document.annotations:
            variant = 0 if annotation.annotator == anne else 1
            expected = make_results(guide, texts[document.report], variant=variant)
            assert canonical(write_labelstudio(annotation, guide, text=document.text)) == canonical(expected)


def _flawed_brat(folder: Path) -> tuple[Path, str]:
    """One annotator's brat folder as a new user makes it: the 4 sample reports, one with a relation
    drawn backwards, a missing NEGATION and a line of an entity type the guide does not have."""
    folder.mkdir()
    texts = _texts()
    for report, text in texts.items():
        (folder / f"{report}.txt").write_text(text, encoding="utf-8")
        (folder / f"{report}.ann").write_text("", encoding="utf-8")
    report = "CARDIOLOGIE-00903_CRH"
    text = texts[report]
    b = text.index("bactériémie")
    s = text.index("staphylocoque doré")
    lines = [
        f"T1\tBacteriemie {b} {b + 11}\tbactériémie",
        "A1\tNEGATION T1 Present",
        f"T2\tBacterie {s} {s + 18}\tstaphylocoque doré",  # no NEGATION: a required attribute is missing
        "R1\tAGENT_PATHOGENE Arg1:T2 Arg2:T1",  # drawn backwards: Bacterie -> Bacteriemie
        f"T3\tVirus {s} {s + 13}\tstaphylocoque",  # not a type of the guide: cannot be stored
    ]
    (folder / f"{report}.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder, report


def test_a_flawed_brat_folder_imports_completely(studio: StudioClient, tmp_path: Path, emails: list[str]) -> None:
    guide = load_guide(GUIDE, content_dir("guides"))
    project = create_project(studio, guide).project
    add_annotators(studio, GUIDE, emails[:1])
    folder, report = _flawed_brat(tmp_path / "brat-anne")
    options = ImportOptions(mode="annotations", annotator=emails[0])

    with pytest.raises(ImportRefusedError, match="--strict: 3 problem") as caught:
        import_sources(
            studio,
            GUIDE,
            [folder],
            ImportOptions(mode="annotations", annotator=emails[0], strict=True),
            guides=content_dir("guides"),
        )
    assert {d.code for d in caught.value.diagnostics} == {"unreadable", "relation-pair", "required-attribute"}
    assert list_tasks(studio, project.id) == []  # nothing was sent, not even the reports

    result = import_sources(studio, GUIDE, [folder], options, guides=content_dir("guides"))
    assert (result.tasks_created, result.annotations_created) == (4, 4)
    assert result.invalid_reports == [report]
    located = {(p.code, p.location) for p in result.problems}
    assert ("unreadable", f"{folder / report}.ann:5") in located
    assert ("relation-pair", f"{folder / report}.ann:4") in located
    assert ("required-attribute", f"{folder / report}.ann:3") in located
    assert [d.code for d in result.left_out] == ["unreadable"]

    stored = {t["data"]["report"]: t for t in list_tasks(studio, project.id, full=True)}
    (annotation,) = stored[report]["annotations"]
    kinds = sorted(
        (r["type"], r["from_name"]) if r["type"] != "relation" else ("relation", "") for r in annotation["result"]
    )
    # Two spans, one NEGATION choice, the reversed relation: everything but the Virus line.
    assert kinds == [("choices", "NEGATION"), ("labels", "LABEL"), ("labels", "LABEL"), ("relation", "")]
    relation_item = next(r for r in annotation["result"] if r["type"] == "relation")
    assert relation_item["labels"] == ["AGENT_PATHOGENE"]
    spans = {r["id"]: r["value"]["labels"][0] for r in annotation["result"] if r["type"] == "labels"}
    assert (spans[relation_item["from_id"]], spans[relation_item["to_id"]]) == ("Bacterie", "Bacteriemie")


def test_unstorable_result_items_are_left_out_alone(studio: StudioClient, tmp_path: Path, emails: list[str]) -> None:
    guide = load_guide(GUIDE, content_dir("guides"))
    project = create_project(studio, guide).project
    add_annotators(studio, GUIDE, emails[:1])
    texts = _texts()
    report, text = next(iter(texts.items()))
    broken = make_results(guide, text)
    regions = [r for r in broken if r["type"] == "labels"]
    regions[0]["value"]["labels"] = ["Virus"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps([{"report": report, "result": broken}]), encoding="utf-8")
    options = ImportOptions(mode="annotations", annotator=emails[0])
    result = import_sources(studio, GUIDE, [REPORTS, path], options, guides=content_dir("guides"))
    assert result.annotations_created == 1 and result.tasks_created == 4
    assert any("Étiquette inconnue « Virus »" in p.message and report in p.location for p in result.left_out)
    (stored,) = [a for t in list_tasks(studio, project.id, full=True) for a in t["annotations"]]
    sent = {r.get("id") for r in stored["result"]}
    assert regions[0]["id"] not in sent and {r["id"] for r in regions[1:]} <= sent

    with pytest.raises(AnnotatorError, match="not a member"):
        import_sources(
            studio,
            GUIDE,
            [path],
            ImportOptions(mode="annotations", annotator="nobody@exemple.fr"),
            guides=content_dir("guides"),
        )
    with pytest.raises(ImportFailedError, match="needs --annotator"):
        import_sources(studio, GUIDE, [path], ImportOptions(mode="annotations"), guides=content_dir("guides"))


def test_predictions_from_a_brat_folder(studio: StudioClient, tmp_path: Path) -> None:
    from partages_ls.exporters.brat.write import write_brat

    guide = load_guide(GUIDE, content_dir("guides"))
    project = create_project(studio, guide).project
    tasks: list[dict[str, Any]] = []
    for position, (report, text) in enumerate(_texts().items()):
        annotation = {"id": position + 1, "completed_by": 1, "result": make_results(guide, text)}
        tasks.append({"id": position + 1, "data": {"text": text, "report": report}, "annotations": [annotation]})
    folder = tmp_path / "brat"
    folder.mkdir()
    write_brat(read_labelstudio(tasks, guide), guide, folder, WriteOptions())

    first = import_sources(studio, project.id, [folder], guides=content_dir("guides"))
    assert (first.mode, first.tasks_created, first.predictions_created) == ("predictions", 4, 4)
    again = import_sources(studio, project.id, [folder], guides=content_dir("guides"))
    assert (again.predictions_created, again.predictions_present) == (0, 4)
    stored = list_tasks(studio, project.id, full=True)
    assert all(len(t["predictions"]) == 1 and not t["annotations"] for t in stored)
    assert stored[0]["predictions"][0]["model_version"] == "partages-ls:brat:brat"


def test_pull_writes_the_record_and_refuses_to_overwrite(studio: StudioClient, tmp_path: Path, ls_server: Any) -> None:
    guide = load_guide(GUIDE, content_dir("guides"))
    project = create_project(studio, guide).project
    import_sources(studio, GUIDE, [REPORTS], guides=content_dir("guides"))
    out = tmp_path / "pulls" / "infectiologie.json"
    result = pull_project(studio, str(project.id), out, guides=content_dir("guides"))
    record = read_sidecar(out)
    assert record is not None
    assert record == result.record
    assert set(record) == {
        "guide",
        "guide_version",
        "project_id",
        "project_title",
        "server",
        "pulled_at",
        "tasks",
        "annotations",
    }
    assert (record["guide"], record["guide_version"], record["project_id"]) == (GUIDE, guide.version, project.id)
    assert (record["tasks"], record["annotations"], record["server"]) == (4, 0, ls_server.url)
    for path in (out, result.record_path):
        assert ls_server.token not in path.read_text(encoding="utf-8")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        pull_project(studio, project.id, out, guides=content_dir("guides"))
    assert pull_project(studio, project.id, out, overwrite=True, guides=content_dir("guides")).tasks == 4
    assert studio.get(f"/api/projects/{project.id}/exports") == []  # snapshots are cleaned up
    assert sorted(p.name for p in out.parent.iterdir()) == ["infectiologie.json", "infectiologie.json.meta.json"]


def test_login_help_shows_no_secret(studio: StudioClient, ls_server: Any, tmp_path: Path) -> None:
    remote = login_help(studio)
    local = login_help(studio, data_dir=tmp_path / "data", venv=tmp_path / "venv")
    for help_ in (remote, local):
        text = "\n".join(help_.lines(["anne@exemple.fr"]))
        assert "reset_password --username anne@exemple.fr" in text
        assert ls_server.token not in text and (not ls_server.password or ls_server.password not in text)
    assert remote.invite_url is not None and remote.invite_url.startswith(f"{ls_server.url}/user/signup/?token=")
    assert f"LABEL_STUDIO_BASE_DATA_DIR={tmp_path / 'data'}" in local.reset_command


def test_import_command_lists_violations_and_exits_1_only_for_what_it_left_out(
    studio: StudioClient, tmp_path: Path, emails: list[str], ls_server: Any
) -> None:
    from click.testing import CliRunner

    from partages_ls.cli.main import cli

    create_project(studio, load_guide(GUIDE, content_dir("guides")))
    add_annotators(studio, GUIDE, emails[:1])
    folder, report = _flawed_brat(tmp_path / "brat")
    runner = CliRunner(env={"LABEL_STUDIO_URL": ls_server.url, "LABEL_STUDIO_API_KEY": ls_server.token})
    base = ["import", GUIDE, str(folder), "--as", "annotations", "--annotator", emails[0]]
    strict = runner.invoke(cli, [*base, "--strict"])
    assert strict.exit_code == 1 and "nothing was imported" in strict.output
    assert f"{folder / report}.ann:4: error: La relation" in strict.output
    done = runner.invoke(cli, [*base, "--allow-invalid"])
    assert done.exit_code == 1, done.output  # the Virus line could not be stored
    assert "--allow-invalid is deprecated" in done.output
    assert "4 task(s) created" in done.output and f"annotations of {emails[0]}: 4 added" in done.output
    assert f"{folder / report}.ann:3: error: Renseignez « Négation »" in done.output
    assert f"{folder / report}.ann:5: error: not imported: unknown entity type 'Virus'" in done.output
    assert "NOT IMPORTED: 1 item(s)" in done.output
    assert ls_server.token not in done.output
