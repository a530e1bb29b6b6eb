"""The streaming `export` and `validate` give what the in-memory commands gave: same bytes, same errors.

The reference is :mod:`in_memory_commands` (the commands of branch ``integ`` before they streamed,
kept in the tests only). The input is the export "with every kind of item and every kind of skip"
(:mod:`every_kind`), and broken exports for the errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from partages_ls.content import bundled_workspace
from partages_ls.errors import PartagesError
from partages_ls.workflows.export import ExportRequest, run_export
from partages_ls.workflows.validate import run_validate

from .every_kind import every_kind_export
from .in_memory_commands import run_export_in_memory, run_validate_in_memory
from .test_task_stream import MALFORMED


def _outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(function: Any, request: ExportRequest) -> tuple[str, Any]:
    try:
        return "report", function(request, bundled_workspace())
    except PartagesError as exc:
        return type(exc).__name__, str(exc)


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
