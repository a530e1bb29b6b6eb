"""The streaming `export` and `validate` give what the in-memory commands gave: same bytes, same errors.

The reference is :mod:`in_memory_commands` (the commands of branch ``integ`` before they streamed,
kept in the tests only). The input is the export "with every kind of item and every kind of skip"
(:mod:`every_kind`), and broken exports for the errors.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.content import bundled_workspace
from partages_ls.errors import Level, PartagesError
from partages_ls.workflows.export import ExportRequest, run_export
from partages_ls.workflows.validate import run_validate

from .every_kind import every_kind_export
from .in_memory_commands import run_export_in_memory, run_validate_in_memory
from .mutations import sample_export
from .test_task_stream import MALFORMED


def _outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(function: Any, request: ExportRequest) -> tuple[str, Any]:
    try:
        return "report", function(request, bundled_workspace())
    except PartagesError as exc:
        return type(exc).__name__, str(exc).replace(str(request.out), "OUT")  # each arm writes its own folder


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("every-kind") / "export.json"
    path.write_text(json.dumps(every_kind_export(), indent=1), encoding="utf-8")
    return path


@pytest.mark.parametrize("gold", ["single", "ground-truth"])
@pytest.mark.parametrize("invalid", ["keep", "skip", "fail"])
@pytest.mark.parametrize("target", ["parhaf", "cas", "brat"])
def test_the_streaming_export_writes_the_same_bytes(
    every_kind: Path, tmp_path: Path, target: str, invalid: str, gold: str
) -> None:
    results, outputs = [], []
    for name, function in (("in-memory", run_export_in_memory), ("streaming", run_export)):
        out = tmp_path / name / "out"
        out.parent.mkdir()
        request = ExportRequest(every_kind, target, out, guide="infectiologie", gold=gold, invalid=invalid)
        results.append(_run(function, request))
        outputs.append(_outputs(out) if out.exists() else {})
    assert results[0] == results[1]
    assert outputs[0] == outputs[1]
    if invalid == "fail":  # the export breaks rules: refused, nothing written, by both
        assert results[0][0] == "ExportRefusedError" and outputs[0] == {}
    elif gold == "single":  # written, with items left out (exit status 3) and listed
        assert results[0][0] == "report" and results[0][1]["exit_status"] == 3, results[0]
        assert len(outputs[0]) > 2 and results[0][1]["left_out"] and results[0][1]["skipped"]


def test_the_streaming_validate_finds_the_same_diagnostics(every_kind: Path) -> None:
    workspace = bundled_workspace()
    _, before = run_validate_in_memory(every_kind, workspace, guide="infectiologie")
    _, after = run_validate(every_kind, workspace, guide="infectiologie")
    assert after == before and len(after) > 10


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_broken_export_is_refused_with_the_same_words(tmp_path: Path, name: str) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(MALFORMED[name][0])
    for guide in ("infectiologie", "no-such-guide"):  # a broken file is named before an unknown guide
        request = ExportRequest(path, "parhaf", tmp_path / "out", guide=guide)
        before = _run(run_export_in_memory, request)
        assert before[0] != "report"
        assert _run(run_export, request) == before
        checks = []
        for function in (run_validate_in_memory, run_validate):
            try:
                function(path, bundled_workspace(), guide=guide)
            except PartagesError as exc:
                checks.append((type(exc).__name__, str(exc)))
        assert len(checks) == 2 and checks[0] == checks[1]
    assert not (tmp_path / "out").exists()


def _curation_export(*, unresolved: bool) -> list[dict[str, Any]]:
    """The samples as a curation project's export: each task holds both annotators' annotations and
    the curator's; most are finished (« Curation terminée »), one is not, and with ``unresolved``
    two finished ones still hold a Conflit marker. The last report appears twice."""
    tasks = sample_export("infectiologie")
    for number, task in enumerate(tasks):
        task["data"].update(curation_strategy="complete", curation_curator="cura@x.fr", curation_kind="merge")
        curated = copy.deepcopy(task["annotations"][0])
        curated.update(id=9000 + number, completed_by={"id": 99, "email": "cura@x.fr"}, updated_at=f"2026-12-0{number}")
        if number != 1:  # task 1: not finished yet
            curated["result"].append(
                {
                    "id": f"done{number}",
                    "from_name": "curation",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["terminee"]},
                }
            )
        if unresolved and number in (0, 2):
            curated["result"].append(
                {
                    "id": f"conflit{number}",
                    "from_name": "conflit",
                    "to_name": "text",
                    "type": "labels",
                    "value": {"start": 0, "end": 3, "text": task["data"]["text"][:3], "labels": ["Conflit"]},
                }
            )
        task["annotations"].append(curated)
    return [*tasks, {**copy.deepcopy(tasks[-1]), "id": 777}]


@pytest.mark.parametrize("unresolved", [False, True])
@pytest.mark.parametrize("gold", ["curated", "single"])
@pytest.mark.parametrize("target", ["parhaf", "cas", "brat"])
def test_a_curation_export_streams_to_the_same_result(tmp_path: Path, target: str, gold: str, unresolved: bool) -> None:
    """Curation provenance, the unresolved-marker refusal (named before the duplicated report) and the
    curated gold come out as they did."""
    export = tmp_path / "export.json"
    tasks = _curation_export(unresolved=unresolved)
    export.write_text(json.dumps(tasks if unresolved else tasks[:-1], indent=1), encoding="utf-8")
    results, outputs = [], []
    for name, function in (("in-memory", run_export_in_memory), ("streaming", run_export)):
        out = tmp_path / name / "out"
        out.parent.mkdir()
        results.append(_run(function, ExportRequest(export, target, out, guide="infectiologie", gold=gold)))
        outputs.append(_outputs(out) if out.exists() else {})
    assert results[0] == results[1] and outputs[0] == outputs[1]
    if unresolved:
        assert (
            results[0][0] == "DiagnosticError"
            and "2 curated annotation(s) still hold a conflict marker" in results[0][1]
        )
    elif gold == "curated":
        assert results[0][0] == "report" and len(results[0][1]["curation"]) == len(tasks) - 2
    validated = [run_validate_in_memory(export, bundled_workspace(), guide="infectiologie")[1]]
    validated.append(run_validate(export, bundled_workspace(), guide="infectiologie")[1])
    # Since the in-memory copy was frozen, validate also names each curation task not finished yet.
    pending = [d for d in validated[1] if d.code == "curation-pending"]
    assert validated[0] == [d for d in validated[1] if d.code != "curation-pending"]
    assert [d.location for d in pending] == [f"export.json / task {tasks[1]['id']} ({tasks[1]['data']['report']})"]
    assert pending[0].level is Level.WARNING and "« Curation terminée » n'est pas cochée" in pending[0].message
    assert [d.code for d in validated[0]].count("curation-unresolved") == (2 if unresolved else 0)


def test_validate_names_an_unfinished_curation_without_failing_unless_strict(tmp_path: Path) -> None:
    """An unfinished curation task is a warning that says what is left; --strict makes it block."""
    export = tmp_path / "curation.json"
    tasks = _curation_export(unresolved=False)[:-1]
    conflict = {"id": "c1", "from_name": "conflit", "to_name": "text", "type": "labels"}
    conflict["value"] = {"start": 0, "end": 3, "text": tasks[1]["data"]["text"][:3], "labels": ["Conflit"]}
    tasks[1]["annotations"][-1]["result"].append(conflict)
    tasks[3]["annotations"] = []  # a curation task nobody opened
    export.write_text(json.dumps(tasks), encoding="utf-8")
    runner = CliRunner()
    relaxed = runner.invoke(cli, ["validate", str(export), "--guide", "infectiologie"])
    assert relaxed.exit_code == 0, relaxed.output
    assert f"task {tasks[1]['id']} ({tasks[1]['data']['report']})" in relaxed.output
    assert "curation non terminée" in relaxed.output and "1 région(s) Conflit encore présente(s)" in relaxed.output
    assert "aucune annotation enregistrée" in relaxed.output and "curate status" in relaxed.output
    strict = runner.invoke(cli, ["validate", str(export), "--guide", "infectiologie", "--strict"])
    assert strict.exit_code == 1 and strict.output.count("curation non terminée") == 2, strict.output
