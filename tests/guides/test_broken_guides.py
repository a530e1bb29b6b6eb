"""Broken guide files give every problem at once, each located; outputs are golden files.

Regenerate the expected outputs after an intended change with:
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/guides/test_broken_guides.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli

BROKEN = Path(__file__).resolve().parents[1] / "data" / "broken_guides"
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_broken_guide_reports_every_problem(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["guides", "check", str(path.relative_to(REPO))])
    assert result.exit_code == 1
    expected_file = path.with_suffix(".expected.txt")
    if os.environ.get("UPDATE_GOLDEN"):
        expected_file.write_text(result.output, encoding="utf-8")
    assert result.output == expected_file.read_text(encoding="utf-8")


def test_each_problem_is_located() -> None:
    for expected in BROKEN.glob("*.expected.txt"):
        lines = [line for line in expected.read_text(encoding="utf-8").splitlines() if ": error: " in line]
        assert lines, f"{expected.name} lists no located error"
        for line in lines:
            assert line.strip().startswith("tests/data/broken_guides/"), line
            location = line.strip().split(": ")[0]
            assert location.rsplit(":", 1)[1].isdigit(), f"no line number in {line!r}"


def test_references_guide_lists_all_kinds_of_mistakes() -> None:
    text = (BROKEN / "bad-references.expected.txt").read_text(encoding="utf-8")
    for fragment in (
        "no French display",
        "duplicate id value 'A'",
        "colour 'red' is not #rrggbb",
        "unknown label 'Z'",
        "unknown label 'Nope'",
        "unknown label 'Q'",
        "hotkey 'a' is shared",
        "needs `min` or `max`",
        "no `relation_layer`",
    ):
        assert fragment in text
