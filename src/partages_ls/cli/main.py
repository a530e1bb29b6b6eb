"""The `partages-ls` command: a thin adapter over the library (parse options, call, print)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from partages_ls import __version__
from partages_ls.cli.agreement import agreement_command
from partages_ls.cli.export import export_command, validate_command
from partages_ls.cli.guides import build_command, guides_group
from partages_ls.cli.server import server_group
from partages_ls.cli.studio import (
    annotators_group,
    demo_command,
    import_command,
    project_group,
    pull_command,
    status_command,
)
from partages_ls.errors import DiagnosticError, PartagesError

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Group(click.Group):
    """Turns the suite's typed errors into `Error: …` and exit status 1; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DiagnosticError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {exc.render()}", err=True)
            sys.exit(exc.exit_code)
        except PartagesError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="partages-ls")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of short error messages.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """PARTAGES annotation guides in Label Studio: configs, plugins, exports, agreement."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


cli.add_command(build_command)
cli.add_command(guides_group)
cli.add_command(validate_command)
cli.add_command(export_command)
cli.add_command(agreement_command)
cli.add_command(server_group)
for _command in (project_group, import_command, annotators_group, status_command, pull_command, demo_command):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="partages-ls")
