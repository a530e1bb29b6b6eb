"""Type-confused and hostile exports through the real command: a located listing or error, no traceback.

Each case is one damage the reader used to crash on (or to accept silently). Through `export` to
every target, `validate` and `agreement`, it is either listed in the run report with where it was,
or refused with a located message; the output files are always writable UTF-8.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.content import content_dir
from partages_ls.errors import DiagnosticError
from partages_ls.guides.loader import load_guide
from partages_ls.studio.sources import read_source

from .lsexport import annotation, choice, region, relation, task

TEXT = "Bacteriemie a E. coli sur pyelonephrite."
Mutation = Callable[[list[dict[str, Any]]], None]


def _base() -> list[dict[str, Any]]:
    results = [
        region("r1", 0, 11, "Bacteriemie", TEXT),
        choice("r1", 0, 11, "NEGATION", "Present"),
        region("r2", 14, 21, "Bacterie", TEXT),
        choice("r2", 14, 21, "NEGATION", "Present"),
        relation("r1", "r2", "AGENT_PATHOGENE"),
    ]
    return [task(1, "R1", TEXT, [annotation(11, "a@x.fr", results)])]


def _result(tasks: list[dict[str, Any]], index: int) -> dict[str, Any]:
    item: dict[str, Any] = tasks[0]["annotations"][0]["result"][index]
    return item


def _set(index: int, key: str, value: Any, *, in_value: bool = False) -> Mutation:
    def apply(tasks: list[dict[str, Any]]) -> None:
        item = _result(tasks, index)
        (item["value"] if in_value else item)[key] = value

    return apply


def _task(key: str, value: Any, *, in_data: bool = False) -> Mutation:
    def apply(tasks: list[dict[str, Any]]) -> None:
        (tasks[0]["data"] if in_data else tasks[0])[key] = value

    return apply


def _email(value: str) -> Mutation:
    def apply(tasks: list[dict[str, Any]]) -> None:
        tasks[0]["annotations"][0]["completed_by"]["email"] = value

    return apply


def _duplicate_task(tasks: list[dict[str, Any]]) -> None:
    twin = copy.deepcopy(tasks[0])
    twin["data"]["report"] = "R2"
    tasks.append(twin)  # same task id, same annotation id


# name: (mutation, what the run report or the error must say)
CASES: dict[str, tuple[Mutation, str]] = {
    "value is a list": (_set(0, "value", [1, 2]), "value est une liste"),
    "labels is a number": (_set(0, "labels", 5, in_value=True), "value.labels doit être une liste"),
    "labels holds numbers": (_set(0, "labels", [1, 2], in_value=True), "value.labels doit être une liste"),
    "from_name is a list": (_set(0, "from_name", ["LABEL"]), "from_name est une liste"),
    "to_name is unknown": (_set(0, "to_name", "autre"), "to_name « autre » inconnu"),
    "to_name is a number": (_set(0, "to_name", 3), "to_name est un nombre"),
    "relation labels hold numbers": (_set(4, "labels", [1, 2]), "labels doit être une liste"),
    "relation from_id is an object": (_set(4, "from_id", {"a": 1}), "from_id est un objet"),
    "relation direction is a list": (_set(4, "direction", ["left"]), "direction doit être"),
    "choices is a string": (_set(1, "choices", "Present", in_value=True), "value.choices doit être une liste"),
    "id is an object": (_set(0, "id", {"x": 1}), "id est un objet"),
    "id is missing": (lambda t: _result(t, 2).pop("id"), "pas d'id"),
    "result item is a number": (lambda t: t[0]["annotations"][0]["result"].append(7), "l'élément est un nombre"),
    "result is an object": (lambda t: t[0]["annotations"][0].__setitem__("result", {"a": 1}), "result est un objet"),
    "start is huge": (_set(0, "start", 10**4000, in_value=True), "r1"),
    "label with a lone surrogate": (_set(0, "labels", ["B\ud800"], in_value=True), "non encodable"),
    "report id with a lone surrogate": (
        _task("report", "R\ud800", in_data=True),
        "contient un caractère non encodable",
    ),
    "text with a lone surrogate": (_task("text", "a\udfffb", in_data=True), "data.text contient un caractère"),
    "data is a list": (_task("data", [1]), "pas de texte"),
    "annotations is a string": (_task("annotations", "x"), "annotations n'est pas une liste"),
    "annotation is a number": (lambda t: t[0]["annotations"].append(3), "annotation illisible"),
    "drafts hold a number": (_task("drafts", [5]), "draft ?"),
    "predictions is an object": (_task("predictions", {"a": 1}), "predictions n'est pas une liste"),
    "duplicate task and annotation ids": (_duplicate_task, "apparaît deux fois"),
    "e-mail with a lone surrogate": (_email("a\udc80@x.fr"), "écrit « a\\\\udc80@x.fr »"),
}


def _export(tmp_path: Path, mutation: Mutation) -> Path:
    tasks = _base()
    mutation(tasks)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")  # surrogates travel as \ud800 escapes
    return path


def _run(*args: str | Path) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output, result.exception


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("target", ["parhaf", "cas", "brat"])
def test_a_damaged_export_is_listed_or_refused_with_a_location(tmp_path: Path, name: str, target: str) -> None:
    mutation, expected = CASES[name]
    export = _export(tmp_path, mutation)
    out = tmp_path / "out"
    code, output, error = _run("export", export, "--guide", "infectiologie", "--to", target, "--out", out)
    assert error is None or isinstance(error, SystemExit), repr(error)
    assert "Traceback" not in output
    if code in (0, 3):  # written; 3 = something read was left out (listed), see the README's exit statuses
        text = (out / "export-report.json").read_text(encoding="utf-8")  # valid UTF-8 whatever the input
        report = json.loads(text)
        listed = json.dumps(report["skipped"] + report["warnings"], ensure_ascii=False)
        assert expected in listed, listed
        assert "export.json / task" in listed
    else:
        # Refused as a whole (1; 5 = no document left to write): one message, no traceback.
        assert code in (1, 5) and output.startswith("Error: "), output


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_and_agreement_never_crash_on_a_damaged_export(tmp_path: Path, name: str) -> None:
    export = _export(tmp_path, CASES[name][0])
    code, output, error = _run("validate", export, "--guide", "infectiologie")
    assert code in (0, 1) and (error is None or isinstance(error, SystemExit)), repr(error)
    if code == 1:
        assert "export.json / task" in output or "export.json: " in output, output
    code, output, error = _run(
        "agreement", export, "--guide", "infectiologie", "--out", tmp_path / "agreement", "--bootstrap", "10"
    )
    assert code in (0, 1) and (error is None or isinstance(error, SystemExit)), repr(error)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"a": 1', "line 1 column 8"),
        ("[" * 200_000, "nested too deep"),
        (
            '[{"id": 1, "data": {"text": "x", "report": "R"}, "annotations": [], "n": ' + "9" * 5000 + "}]",
            "5000 digits",
        ),
        ("\ufeff[]".encode("utf-16").decode("latin-1"), "the export is not UTF-8 JSON"),
        ('{"tasks": []}', "expected a JSON list of tasks"),
    ],
)
def test_an_unreadable_export_file_is_one_located_error(tmp_path: Path, content: str, expected: str) -> None:
    export = tmp_path / "export.json"
    export.write_text(content, encoding="utf-8" if "\xff" not in content else "latin-1")
    code, output, error = _run("export", export, "--guide", "infectiologie", "--to", "brat", "--out", tmp_path / "o")
    assert code == 1 and isinstance(error, SystemExit) and expected in output, output
    assert "export.json" in output


def test_an_import_source_with_a_junk_value_is_located(tmp_path: Path) -> None:
    source = tmp_path / "results.json"
    item = {"id": "r1", "from_name": "LABEL", "to_name": "text", "type": "labels", "value": "junk"}
    source.write_text(json.dumps([{"report": "R1", "text": TEXT, "result": [item]}]), encoding="utf-8")
    with pytest.raises(DiagnosticError) as caught:
        read_source(source, load_guide("infectiologie", content_dir("guides")))
    assert "results.json[0] / result r1: error: élément illisible : value est un texte" in caught.value.render()
