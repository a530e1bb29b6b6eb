"""The studio commands as a user runs them: help everywhere, clear errors, never the token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.cli.studio import (
    annotators_group,
    demo_command,
    import_command,
    project_group,
    pull_command,
    status_command,
)
from partages_ls.content import content_dir
from partages_ls.studio.client import StudioClient

COMMANDS = [project_group, import_command, annotators_group, status_command, pull_command, demo_command]
REPORTS = content_dir("samples") / "infectiologie" / "reports"


@pytest.fixture
def app() -> click.Group:
    """The `partages-ls` group, which registers the studio commands (cli/main.py)."""
    assert all(cli.get_command(click.Context(cli), c.name or "") is c for c in COMMANDS)
    return cli


def _paths(group: click.Group) -> list[list[str]]:
    found = []
    for name in [c.name for c in COMMANDS if c.name]:
        command = group.get_command(click.Context(group), name)
        found.append([name])
        if isinstance(command, click.Group):
            found += [[name, sub] for sub in command.commands]
    return found


def test_every_studio_command_has_help(app: click.Group) -> None:
    runner = CliRunner()
    for path in _paths(app):
        for flag in ("-h", "--help"):
            result = runner.invoke(app, [*path, flag])
            assert result.exit_code == 0, (path, result.output)
            assert "Usage:" in result.output
        command: click.Command | None = app
        for name in path:
            assert isinstance(command, click.Group)
            command = command.get_command(click.Context(command), name)
        assert command is not None
        if not isinstance(command, click.Group) and command.name != "demo":
            assert "--url" in result.output and "--api-key" in result.output, path


@pytest.mark.server
def test_the_commands_end_to_end(
    app: click.Group, ls_server: Any, studio: StudioClient, tmp_path: Path, emails: list[str]
) -> None:
    env = {"LABEL_STUDIO_URL": ls_server.url, "LABEL_STUDIO_API_KEY": ls_server.token}
    runner = CliRunner(env=env)
    outputs = []

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        outputs.append(result.output)
        assert result.exit_code == code, result.output
        return result.output

    assert "created: project" in run("project", "create", "infectiologie")
    assert "unchanged: project" in run("project", "create", "infectiologie")
    with_plugin = run("project", "create", "infectiologie", "--with-plugin")
    # The session server runs partages-ls' plugin loader: the Community server runs the plugin, and says so.
    assert "plugin of the guide 'infectiologie' loaded into the labeling pages by partages-ls" in with_plugin
    assert "the export check still applies" in with_plugin
    assert "infectiologie v1.0.0" in run("project", "list")
    assert "4 task(s) created, 0 already there" in run("import", "infectiologie", str(REPORTS))
    assert "0 task(s) created, 4 already there" in run("import", "infectiologie", str(REPORTS))
    added = run("annotators", "add", "infectiologie", *emails)
    assert f"added: {emails[0]}" in added and "reset_password --username" in added
    assert "already a member" in run("annotators", "add", "infectiologie", emails[0])
    status = json.loads(run("status", "infectiologie", "--json"))
    assert status["tasks"] == 4 and status["tasks_by_submitted"] == {"0": 4, "1": 0, "2+": 0}
    assert "tasks with 0 / 1 / 2+ submitted annotations: 4 / 0 / 0" in run("status", "infectiologie")
    out = tmp_path / "pull.json"
    assert "4 task(s), 0 annotation(s)" in run("pull", "infectiologie", "-o", str(out))
    assert "--overwrite" in run("pull", "infectiologie", "-o", str(out), code=1)
    run("pull", "infectiologie", "-o", str(out), "--overwrite")

    unknown = tmp_path / "unknown"
    unknown.mkdir()
    (unknown / "notes.md").write_text("x")
    assert "unknown kind of source" in run("import", "infectiologie", str(unknown), code=1)
    assert "no project for guide 'biomarqueurs'" in run("import", "biomarqueurs", str(REPORTS), code=1)
    wrong = CliRunner(env={**env, "LABEL_STUDIO_API_KEY": "wrong-token-000000"}).invoke(
        app, ["status", "infectiologie"]
    )
    assert wrong.exit_code == 1 and "refused the API token" in wrong.output
    outputs.append(wrong.output)
    # (an unreachable server is covered in test_client.py: through the CLI it waits out the retry budget)
    not_ls = runner.invoke(app, ["status", "1", "--url", f"{ls_server.url}/nothing-here"])
    assert not_ls.exit_code == 1 and "check the URL" in not_ls.output and "<html" not in not_ls.output
    outputs.append(not_ls.output)
    for text in outputs:
        assert ls_server.token not in text
