"""`partages-ls server`: install, start, stop and locate the local Label Studio server."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from partages_ls.studio.connection import KEY_VARIABLE, LOCAL_DATA_DIR, URL_VARIABLE
from partages_ls.studio.database import DATABASE_URL_VARIABLE, SQLITE, PostgresDatabase, describe_database
from partages_ls.studio.server import (
    LocalServer,
    describe_plugin_status,
    ensure_server_install,
    find_server,
    plugin_status,
    stop_server,
)
from partages_ls.studio.server_setup import StudioServerError
from partages_ls.workflows.demo import connect_hint, own_command

HELP = {"help_option_names": ["-h", "--help"]}
DEFAULT_DATA_DIR = LOCAL_DATA_DIR

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA_DIR,
    show_default=True,
    help="Where the server keeps its SQLite database (unless --database) and files.",
)


@click.group("server", context_settings=HELP)
def server_group() -> None:
    """Run a local Label Studio (127.0.0.1; SQLite, or PostgreSQL with --database) in its own virtualenv."""


@server_group.command("install")
def install_command() -> None:
    """Install Label Studio into its cached virtualenv (once; later calls return at once)."""
    venv = ensure_server_install()
    click.echo(f"Label Studio is installed in {venv}")


@server_group.command("start")
@data_dir_option
@click.option("--port", type=int, default=None, help="Preferred port (default: the previous one, else free).")
@click.option(
    "--plugins/--no-plugins",
    default=True,
    show_default=True,
    help="Load the guides' plugins into the labeling pages (partages-ls' loader; --no-plugins: stock settings).",
)
@click.option(
    "--database",
    "database_url",
    metavar="URL",
    envvar=DATABASE_URL_VARIABLE,
    show_envvar=True,
    default=None,
    help="Keep Label Studio's data in this PostgreSQL database (postgresql://user:password@host:port/dbname) "
    "instead of SQLite in the data folder. The password is never printed; leave it out of the URL to let "
    "PostgreSQL read ~/.pgpass, or set the URL in the environment variable rather than on the command line.",
)
def start_command(data_dir: Path, port: int | None, plugins: bool, database_url: str | None) -> None:
    """Start the server in the background (or report the one already running)."""
    database = PostgresDatabase.parse(database_url) if database_url else None
    running = find_server(data_dir)
    if running is not None:
        click.echo(f"already running: {running.url} (pid {running.pid}; {describe_database(running.database)})")
        return
    server = LocalServer(data_dir, port=port, plugins=plugins, database=database).start()
    click.echo(
        f"Label Studio: {server.url}  (login {server.username}; password and token in "
        f"{data_dir / 'partages-ls-credentials.json'}, readable by you only)"
    )
    click.echo(describe_plugin_status(plugin_status(server.url)))
    click.echo(describe_database(database.redacted if database else SQLITE))
    click.echo(connect_hint(data_dir))
    click.echo(f"stop it with: {own_command()} server stop --data-dir {shlex.quote(str(data_dir))}")


@server_group.command("stop")
@data_dir_option
def stop_command(data_dir: Path) -> None:
    """Stop the server started with this data folder."""
    click.echo("stopped" if stop_server(data_dir) else f"no server running for {data_dir}")


@server_group.command("status")
@data_dir_option
@click.option(
    "--env",
    "as_env",
    is_flag=True,
    help=f"Print only the two shell lines `export {URL_VARIABLE}=…` and `export {KEY_VARIABLE}=…` for this "
    f'server, for `eval "$(partages-ls server status --env)"` in another folder or shell. This prints the API '
    "token: it is the only command that does, and only when asked.",
)
def status_command(data_dir: Path, as_env: bool) -> None:
    """Say whether the server of this data folder runs, where, and whether it runs the guides' plugins."""
    state = find_server(data_dir)
    if not as_env:
        click.echo(f"running: {state.url} (pid {state.pid})" if state else f"not running ({data_dir})")
        if state:
            click.echo(describe_plugin_status(plugin_status(state.url)))
            click.echo(describe_database(state.database))
            click.echo(connect_hint(data_dir))
        return
    if state is None or not state.token:
        problem = "is not running" if state is None else "runs but its credentials file is missing or unreadable"
        raise StudioServerError(f"the server of {data_dir} {problem}; start it with `partages-ls server start`")
    click.echo(f"export {URL_VARIABLE}={shlex.quote(state.url)}")
    click.echo(f"export {KEY_VARIABLE}={shlex.quote(state.token)}")
