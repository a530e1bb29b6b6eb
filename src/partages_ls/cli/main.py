"""The `partages-ls` command: a thin adapter over the library (parse options, call, print)."""

from __future__ import annotations

import importlib
import os
import signal
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from partages_ls import __version__
from partages_ls.errors import DiagnosticError, PartagesError, describe_os_error, printable

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

SUBCOMMANDS: dict[str, str] = {
    "agreement": "partages_ls.cli.agreement:agreement_command",
    "annotators": "partages_ls.cli.studio:annotators_group",
    "build": "partages_ls.cli.guides:build_command",
    "curate": "partages_ls.cli.curate:curate_group",
    "demo": "partages_ls.cli.studio:demo_command",
    "export": "partages_ls.cli.export:export_command",
    "guides": "partages_ls.cli.guides:guides_group",
    "import": "partages_ls.cli.studio:import_command",
    "ml-backend": "partages_ls.cli.predict:ml_backend_group",
    "predict": "partages_ls.cli.predict:predict_command",
    "predict-eval": "partages_ls.cli.predict:predict_eval_command",
    "project": "partages_ls.cli.studio:project_group",
    "pull": "partages_ls.cli.studio:pull_command",
    "server": "partages_ls.cli.server:server_group",
    "status": "partages_ls.cli.studio:status_command",
    "validate": "partages_ls.cli.export:validate_command",
}
"""Each command's module and attribute. A command's module is imported only when that command (or
the list of all commands, for `--help`) is asked for: importing every command up front cost about
0.2–0.3 s of CPU before any work (httpx, numpy, the studio, agreement and curation code), on every run."""


class _Group(click.Group):
    """Turns the suite's typed errors into `Error: …` and exit status 1; tracebacks only with --debug.

    Subcommands are loaded from :data:`SUBCOMMANDS` on first use (`get_command`), so a run imports
    only its own command's code.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *SUBCOMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in SUBCOMMANDS:
            module, _, attribute = SUBCOMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command) or command.name != cmd_name:
                raise RuntimeError(f"{SUBCOMMANDS[cmd_name]} is not the `{cmd_name}` command")
            self.add_command(command)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DiagnosticError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {printable(exc.render(), keep_newlines=True)}", err=True)
            sys.exit(exc.exit_code)
        except PartagesError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {printable(str(exc), keep_newlines=True)}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as exc:  # the machine's own failures: full disk, permissions, name too long
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {describe_os_error(exc)}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="partages-ls")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of short error messages.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """PARTAGES annotation guides in Label Studio: configs, plugins, exports, agreement."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main() -> None:
    # SIGTERM (a service manager, `kill`) stops a command like Ctrl-C: temporary files are cleaned up.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    cli(prog_name="partages-ls")
