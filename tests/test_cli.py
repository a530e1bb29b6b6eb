"""Every command has -h/--help and is documented in the README; errors are short without --debug."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name, command in sorted(cli.commands.items()):
        paths.append((name,))
        if isinstance(command, click.Group):
            paths.extend((name, sub) for sub in sorted(command.commands))
    return paths


@pytest.mark.parametrize("path", _commands(), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    for flag in ("-h", "--help"):
        result = CliRunner().invoke(cli, [*path, flag], prog_name="partages-ls")
        assert result.exit_code == 0, result.output
        assert "Usage: partages-ls " + " ".join(path) in result.output


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_documented_in_the_readme(name: str) -> None:
    rows = [line for line in README.splitlines() if f"`partages-ls {name}" in line]
    assert rows, f"README.md documents no `partages-ls {name}` command"
    command = cli.commands[name]
    if isinstance(command, click.Group):
        for sub in command.commands:
            assert any(sub in row for row in rows), f"README.md does not mention `partages-ls {name} {sub}`"


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["scripts/demo.sh", "scripts/test.sh"]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci


def test_errors_are_short_without_debug_and_traced_with_it(tmp_path: Path) -> None:
    bad = tmp_path / "export.json"
    bad.write_text("[]", encoding="utf-8")
    short = CliRunner().invoke(cli, ["validate", str(bad)])
    assert short.exit_code == 1
    assert short.output.startswith("Error: ") and "Traceback" not in short.output
    assert "pass --guide NAME" in short.output
    traced = CliRunner().invoke(cli, ["--debug", "validate", str(bad)])
    assert traced.exit_code == 1 and traced.exception is not None
