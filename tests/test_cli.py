"""Every command has -h/--help and is documented in the README; errors are short without --debug."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from partages_ls.cli.main import SUBCOMMANDS, cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _command(name: str) -> click.Command:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None, name
    return command


NAMES = cli.list_commands(click.Context(cli))


def _commands() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name in NAMES:
        command = _command(name)
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


@pytest.mark.parametrize("name", NAMES)
def test_every_command_is_documented_in_the_readme(name: str) -> None:
    rows = [line for line in README.splitlines() if f"`partages-ls {name}" in line]
    assert rows, f"README.md documents no `partages-ls {name}` command"
    command = _command(name)
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


def test_each_command_is_found_under_its_own_name() -> None:
    # The lazy table and the commands agree: each entry loads the command that bears its name.
    assert set(NAMES) == set(SUBCOMMANDS)
    for name in SUBCOMMANDS:
        assert _command(name).name == name
    assert cli.get_command(click.Context(cli), "no-such-command") is None


def test_a_table_entry_naming_another_command_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SUBCOMMANDS, "exports", "partages_ls.cli.export:export_command")
    with pytest.raises(RuntimeError, match="is not the `exports` command"):
        cli.get_command(click.Context(cli), "exports")
    assert "exports" not in cli.commands


def test_a_command_imports_only_its_own_code() -> None:
    # `validate` must not pay for the studio client, the agreement statistics or the ML backend.
    script = (
        "import sys\n"
        "from partages_ls.cli.main import cli\n"
        "try:\n"
        "    cli(['validate', '--help'], prog_name='partages-ls')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.split("\n")[-2].split())
    assert "partages_ls.cli.export" in loaded
    others = {f"partages_ls.cli.{name}" for name in ("agreement", "studio", "predict", "curate")}
    assert not loaded & others, sorted(loaded & others)
    assert not loaded & {"httpx", "numpy", "partages_ls.studio.client", "partages_ls.agreement.bootstrap"}
