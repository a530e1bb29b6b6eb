"""The pull record: one home, written and read back the same way by every command."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from partages_ls.errors import DiagnosticError
from partages_ls.pull_record import (
    SIDECAR_SUFFIX,
    new_record,
    read_sidecar,
    recorded_guide,
    recorded_guide_version,
    sidecar_path,
    write_sidecar,
)

SOURCE = Path(__file__).resolve().parents[1] / "src" / "partages_ls"


def test_a_record_is_written_beside_the_export_and_read_back(tmp_path: Path) -> None:
    export = tmp_path / "projet.json"
    record = new_record(
        guide="infectiologie",
        guide_version="1.0.0",
        project_id=3,
        project_title="Infectiologie",
        server="http://127.0.0.1:8080",
        tasks=2,
        annotations=5,
    )
    assert write_sidecar(export, record) == sidecar_path(export) == tmp_path / f"projet.json{SIDECAR_SUFFIX}"
    again = read_sidecar(export)
    assert again == record and "blind_group" not in again
    assert (recorded_guide(again), recorded_guide_version(again)) == ("infectiologie", "1.0.0")


def test_a_blind_group_record_lists_its_members_in_order() -> None:
    record = new_record(
        guide="infectiologie",
        guide_version="1.0.0",
        project_id=3,
        project_title="blind:infectiologie",
        server="http://127.0.0.1:8080",
        tasks=2,
        annotations=5,
        blind_group={"zoe@exemple.fr": 4, "anne@exemple.fr": 3},
        foreign_annotations=[],
    )
    assert list(record["blind_group"]) == ["anne@exemple.fr", "zoe@exemple.fr"]
    assert list(record)[:6] == [
        "guide",
        "guide_version",
        "project_id",
        "project_title",
        "blind_group",
        "foreign_annotations",
    ]


def test_no_record_and_a_record_without_a_guide_say_nothing(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    assert read_sidecar(export) is None and recorded_guide(None) is None and recorded_guide_version(None) is None
    sidecar_path(export).write_text(json.dumps({"guide": "", "guide_version": None}), encoding="utf-8")
    record = read_sidecar(export)
    assert record is not None and recorded_guide(record) is None and recorded_guide_version(record) is None


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe{}"])
def test_an_unreadable_record_is_located(tmp_path: Path, content: bytes) -> None:
    export = tmp_path / "export.json"
    sidecar_path(export).write_bytes(content)
    with pytest.raises(DiagnosticError, match="unreadable pull record") as caught:
        read_sidecar(export)
    assert [d.location for d in caught.value.diagnostics] == [str(sidecar_path(export))]


def test_the_record_has_one_home() -> None:
    """No other module spells the suffix or reads/writes the record by hand."""
    for path in SOURCE.rglob("*.py"):
        if path.name == "pull_record.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert ".meta.json" not in text.replace("FILE.json.meta.json", ""), path
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                assert "SIDECAR_SUFFIX" not in names, path
            if isinstance(node, ast.FunctionDef):
                assert node.name not in {"read_sidecar", "write_sidecar", "sidecar_path", "record_path"}, path
