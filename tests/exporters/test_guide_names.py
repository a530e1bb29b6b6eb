"""A mistyped --guide is reported first, with the closest known name (validate, export, agreement, demo)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.content import bundled_workspace, content_dir
from partages_ls.errors import DiagnosticError
from partages_ls.guides.loader import closest_name, load_guide, load_guides
from partages_ls.workflows.demo import DemoOptions, run_demo

from ..agreement_report.fixtures import infectio_tasks, write_export


@pytest.fixture
def pulled(tmp_path: Path) -> Path:
    """An infectiology export with the pull record `partages-ls pull` writes beside it."""
    export = write_export(infectio_tasks(), tmp_path)
    record = {"guide": "infectiologie", "guide_version": "1.0.0"}
    export.with_name(export.name + ".meta.json").write_text(json.dumps(record), encoding="utf-8")
    return export


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "{export}", "--guide", "infectiology"],
        ["export", "{export}", "--to", "parhaf", "--out", "{out}", "--guide", "infectiology"],
        ["agreement", "{export}", "--out", "{out}", "--guide", "infectiology"],
    ],
    ids=["validate", "export", "agreement"],
)
def test_a_typo_in_the_guide_name_is_reported_first(pulled: Path, tmp_path: Path, command: list[str]) -> None:
    args = [part.format(export=pulled, out=tmp_path / "out") for part in command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    first = result.output.splitlines()[0]
    assert first == "Error: unknown guide 'infectiology'; did you mean 'infectiologie'?"
    assert f"known guides: {', '.join(sorted(load_guides(content_dir('guides'))))}" in result.output
    assert "--force-guide" not in result.output  # not the misleading "pulled from another project" message
    assert not (tmp_path / "out").exists()


def test_a_known_but_different_guide_still_needs_force(pulled: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(pulled), "--guide", "biomarqueurs"])
    assert result.exit_code == 1 and "--force-guide" in result.output


def test_closest_names() -> None:
    known = ["biomarqueurs", "infectiologie", "pseudonymisation", "reponse-traitement"]
    assert closest_name("infectiology", known) == "infectiologie"
    assert closest_name("Pseudonymisation", known) == "pseudonymisation"
    assert closest_name("reponse_traitement", known) == "reponse-traitement"
    assert closest_name("biomarkers", known) == "biomarqueurs"
    assert closest_name("radiologie-xyz", known) is None
    with pytest.raises(DiagnosticError) as error:
        load_guide("zzz", content_dir("guides"))
    assert str(error.value).splitlines()[0] == "unknown guide 'zzz'"


def test_the_demo_reports_an_unknown_guide_the_same_way(tmp_path: Path) -> None:
    options = DemoOptions(out=tmp_path / "out", data_dir=tmp_path / "ls", guides=["infectiologie", "biomarqeurs"])
    with pytest.raises(DiagnosticError) as error:
        run_demo(options, bundled_workspace())  # refused before any server is started
    assert str(error.value).splitlines()[0] == "unknown guide 'biomarqeurs'; did you mean 'biomarqueurs'?"
    assert not (tmp_path / "ls").exists()
