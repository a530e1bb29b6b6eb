"""`partages-ls agreement`: the four files, refusal to overwrite, `--no-text`, option errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from partages_ls.agreement.collect import AgreementOptionsError
from partages_ls.cli.agreement import agreement_command
from partages_ls.exporters.output import OutputExistsError

from .fixtures import SCHEMA, A, C, infectio_tasks, treatment_tasks, write_export

OUTPUTS = {"agreement.html", "agreement.json", "agreement.md", "disagreements.csv"}

# Words of the fixture documents that no guide name, label or report heading contains.
DOCUMENT_WORDS = {
    "infectiologie": [
        "Escherichia",
        "Pyélonéphrite",
        "aiguë droite",
        "endocardite",
        "Klebsiella",
        "Hémocultures",
        "Staphylococcus",
        "urinaire",
        "isolé",
    ],
    "reponse-traitement": ["réévaluation", "RECIST", "hépatiques", "TEP-TDM", "extension initial", "quatre cures"],
}


def run(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(agreement_command, list(args))
    return result.exit_code, result.output, result.exception


def test_writes_the_four_files(tmp_path: Path) -> None:
    export = write_export(infectio_tasks(), tmp_path)
    out = tmp_path / "report"
    code, output, error = run(str(export), "--out", str(out), "--guide", "infectiologie", "--bootstrap", "50")
    assert code == 0, (output, error)
    assert {p.name for p in out.iterdir()} == OUTPUTS
    data = json.loads((out / "agreement.json").read_text("utf-8"))
    assert list(SCHEMA.iter_errors(data)) == []
    assert data["guide"] == "infectiologie" and data["source"] == "export.json"
    assert data["conventions"]["bootstrap"]["samples"] == 50
    assert "LABEL: F1 exact 0.500" in output
    csv_lines = (out / "disagreements.csv").read_text("utf-8-sig").splitlines()
    assert csv_lines[0].startswith("document,layer,kind,kind_fr,")
    assert len(csv_lines) == 1 + data["disagreements"]["count"] == 17


def test_refuses_a_non_empty_out_without_overwrite(tmp_path: Path) -> None:
    export = write_export(infectio_tasks(), tmp_path)
    out = tmp_path / "report"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _, error = run(str(export), "--out", str(out), "--guide", "infectiologie", "--bootstrap", "0")
    assert code == 1 and isinstance(error, OutputExistsError)
    assert "notes.txt" in str(error) and "--overwrite" in str(error)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    code, _, error = run(str(export), "--out", str(out), "--guide", "infectiologie", "--bootstrap", "0", "--overwrite")
    assert code == 0, error
    assert {p.name for p in out.iterdir()} == OUTPUTS


def test_annotators_option_and_unknown_names(tmp_path: Path) -> None:
    export = write_export(infectio_tasks(), tmp_path)
    code, _, error = run(
        str(export), "--out", str(tmp_path / "r1"), "--guide", "infectiologie", "--annotators", f"{C}, {A}"
    )
    assert code == 0, error
    data = json.loads((tmp_path / "r1" / "agreement.json").read_text("utf-8"))
    assert data["annotators"] == [A, C]
    code, _, error = run(str(export), "--out", str(tmp_path / "r2"), "--guide", "infectiologie", "--annotators", "x@y")
    assert code == 1 and isinstance(error, AgreementOptionsError) and A in str(error)
    assert not (tmp_path / "r2").exists()
    code, _, error = run(str(export), "--out", str(tmp_path / "r3"), "--guide", "infectiologie", "--annotators", " , ")
    assert code == 1 and isinstance(error, AgreementOptionsError) and "empty" in str(error)


def test_bad_option_values_are_usage_errors(tmp_path: Path) -> None:
    export = write_export(infectio_tasks(), tmp_path)
    for bad in (["--iou", "0"], ["--iou", "1.5"], ["--bootstrap", "-1"]):
        code, output, _ = run(str(export), "--out", str(tmp_path / "r"), "--guide", "infectiologie", *bad)
        assert code == 2, output


def test_help() -> None:
    code, output, _ = run("--help")
    assert code == 0
    for option in ("--out", "--guide", "--annotators", "--iou", "--bootstrap", "--seed", "--no-text", "--overwrite"):
        assert option in output


@pytest.mark.parametrize(
    ("guide", "tasks"), [("infectiologie", infectio_tasks), ("reponse-traitement", treatment_tasks)]
)
def test_no_text_leaves_every_snippet_out(tmp_path: Path, guide: str, tasks: object) -> None:
    export = write_export(tasks(), tmp_path)  # type: ignore[operator]
    with_text, without = tmp_path / "with", tmp_path / "without"
    assert run(str(export), "--out", str(with_text), "--guide", guide, "--bootstrap", "0")[0] == 0
    assert run(str(export), "--out", str(without), "--guide", guide, "--bootstrap", "0", "--no-text")[0] == 0
    words = DOCUMENT_WORDS[guide]
    shown = (with_text / "agreement.html").read_text("utf-8") + (with_text / "disagreements.csv").read_text("utf-8")
    # Snippets come with disagreements: most of the words show when text is allowed.
    assert len([word for word in words if word in shown]) >= 5
    for name in OUTPUTS:
        content = (without / name).read_text("utf-8")
        leaked = [word for word in words if word in content]
        assert leaked == [], f"{name} shows {leaked}"
    data = json.loads((without / "agreement.json").read_text("utf-8"))
    assert data["conventions"]["text_included"] is False
    assert all(item["context"] is None and item["text_a"] is None for item in data["disagreements"]["items"])
