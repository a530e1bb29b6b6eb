"""Label Studio on PostgreSQL: `server start --database URL`, the variables it becomes, and the password kept hidden.

The tests marked `postgresql` need the session server on PostgreSQL (PARTAGES_LS_TEST_DATABASE=postgresql,
the CI's PostgreSQL step: scripts/test-postgresql.sh); they are skipped with that reason otherwise.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.studio.database import (
    DatabaseUrlError,
    PostgresDatabase,
    describe_database,
)
from partages_ls.studio.server import (
    DB_FILE,
    LOG_FILE,
    STATE_FILE,
    Credentials,
    LocalServer,
    ServerStartError,
    find_server,
    server_environment,
    stop_server,
)

from ..postgres_cluster import DATABASE, TemporaryPostgres

SECRET = "s3cr/et:p@ss?word"
ENCODED = "s3cr%2Fet%3Ap%40ss%3Fword"


def _partages_ls(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command in its own process: `server start` leaves the server running after it exits."""
    return subprocess.run(
        [sys.executable, "-m", "partages_ls", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def _on_postgresql(cluster: TemporaryPostgres | None) -> TemporaryPostgres:
    if cluster is None:
        pytest.skip("the session server runs on SQLite: run with PARTAGES_LS_TEST_DATABASE=postgresql")
    return cluster


def test_a_url_becomes_label_studios_variables_and_the_password_is_masked() -> None:
    database = PostgresDatabase.parse(f"postgresql://ls%20user:{ENCODED}@db.example.org:6543/label%20studio")
    assert database.environment() == {
        "DJANGO_DB": "default",
        "POSTGRE_NAME": "label studio",
        "POSTGRE_USER": "ls user",
        "POSTGRE_PASSWORD": SECRET,
        "POSTGRE_HOST": "db.example.org",
        "POSTGRE_PORT": "6543",
    }
    assert database.redacted == "postgresql://ls%20user:********@db.example.org:6543/label%20studio"
    assert SECRET not in repr(database) and ENCODED not in repr(database)
    assert describe_database(database.redacted) == f"database: PostgreSQL {database.redacted}"
    assert describe_database("sqlite") == "database: SQLite (in the data folder)"


def test_an_unencoded_password_with_slashes_and_at_signs_still_parses() -> None:
    database = PostgresDatabase.parse(f"postgres://me:{SECRET}@127.0.0.1/ls")
    assert (database.user, database.password, database.host, database.port, database.name) == (
        "me",
        SECRET,
        "127.0.0.1",
        5432,
        "ls",
    )


def test_what_the_url_leaves_out_is_left_to_libpq_not_to_label_studios_defaults() -> None:
    # Label Studio would otherwise use user "postgres", password "postgres" and host "localhost".
    socket_folder = PostgresDatabase.parse("postgresql://%2Fvar%2Frun%2Fpostgresql/ls")
    assert socket_folder.environment() == {
        "DJANGO_DB": "default",
        "POSTGRE_NAME": "ls",
        "POSTGRE_USER": "",
        "POSTGRE_PASSWORD": "",
        "POSTGRE_HOST": "/var/run/postgresql",
        "POSTGRE_PORT": "5432",
    }
    assert socket_folder.redacted == "postgresql://%2Fvar%2Frun%2Fpostgresql:5432/ls"
    ipv6 = PostgresDatabase.parse("postgresql://me@[::1]:5433/ls?sslmode=require")
    assert (ipv6.user, ipv6.password, ipv6.host, ipv6.port) == ("me", "", "::1", 5433)
    assert ipv6.environment()["PGSSLMODE"] == "require"
    assert ipv6.redacted == "postgresql://me@[::1]:5433/ls?sslmode=require"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"mysql://me:{SECRET}@host/ls", "must be a postgresql://"),
        (f"me:{SECRET}@host/ls", "must be a postgresql://"),
        (f"postgresql://me:{SECRET}@host:5432", "names no database"),
        (f"postgresql://me:{SECRET}@host:99999/ls", "bad port '99999'"),
        (f"postgresql://me:{SECRET}@host/ls?application_name=x", "unknown option 'application_name'"),
        (f"postgresql://me:{SECRET}@[::1/ls", "malformed [IPv6] host"),
    ],
)
def test_a_bad_url_is_explained_without_its_password(url: str, expected: str) -> None:
    with pytest.raises(DatabaseUrlError, match=expected.replace("[", r"\[")) as caught:
        PostgresDatabase.parse(url)
    assert SECRET not in str(caught.value) and "s3cr" not in str(caught.value)


def test_the_server_environment_names_the_database(tmp_path: Path) -> None:
    creds = Credentials.generate()
    sqlite = server_environment(tmp_path, creds, tmp_path / "venv")
    assert sqlite["DJANGO_DB"] == "sqlite" and not any(key.startswith("POSTGRE_") for key in sqlite)
    database = PostgresDatabase.parse(f"postgresql://me:{ENCODED}@127.0.0.1:5433/ls")
    postgres = server_environment(tmp_path, creds, tmp_path / "venv", database=database)
    assert {key: postgres[key] for key in database.environment()} == database.environment()
    assert postgres["DJANGO_DB"] == "default"  # Label Studio's name of its PostgreSQL entry


def test_the_cli_refuses_a_bad_url_without_a_traceback_or_the_password(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["server", "start", "--data-dir", str(tmp_path / "ls"), "--database", f"mysql://me:{SECRET}@h/ls"]
    )
    assert result.exit_code == 1, result.output
    assert "must be a postgresql://" in result.output and "Traceback" not in result.output
    assert SECRET not in result.output
    assert not (tmp_path / "ls").exists()


def test_the_url_may_come_from_the_environment(tmp_path: Path) -> None:
    server = cli.get_command(click.Context(cli), "server")
    assert isinstance(server, click.Group)
    start = server.commands["start"]
    assert isinstance(start, click.Command)
    option = next(p for p in start.params if p.name == "database_url")
    assert option.envvar == "PARTAGES_LS_DATABASE_URL"
    result = CliRunner(env={"PARTAGES_LS_DATABASE_URL": f"postgresql://me:{SECRET}@h:0/ls"}).invoke(
        cli, ["server", "start", "--data-dir", str(tmp_path / "ls")]
    )
    assert result.exit_code == 1 and "bad port '0'" in result.output and SECRET not in result.output


def test_a_data_dir_does_not_switch_databases_silently(tmp_path: Path) -> None:
    database = PostgresDatabase.parse(f"postgresql://me:{ENCODED}@127.0.0.1:5433/ls")
    was_postgres = tmp_path / "was-postgres"
    was_postgres.mkdir()
    (was_postgres / STATE_FILE).write_text(json.dumps({"pid": None, "port": 1, "database": database.redacted}))
    with pytest.raises(ServerStartError, match="ran on PostgreSQL") as caught:
        LocalServer(was_postgres).start()
    assert "--database" in str(caught.value) and database.redacted in str(caught.value)
    has_sqlite = tmp_path / "has-sqlite"
    has_sqlite.mkdir()
    (has_sqlite / DB_FILE).write_bytes(b"")
    with pytest.raises(ServerStartError, match="holds a SQLite database") as caught:
        LocalServer(has_sqlite, database=database).start()
    assert SECRET not in str(caught.value)


@pytest.mark.server
def test_server_start_and_status_say_sqlite_by_default(tmp_path: Path) -> None:
    data_dir = tmp_path / "ls"
    try:
        started = _partages_ls("server", "start", "--data-dir", str(data_dir))
        assert started.returncode == 0, started.stdout + started.stderr
        assert "database: SQLite (in the data folder)" in started.stdout
        status = _partages_ls("server", "status", "--data-dir", str(data_dir))
        assert "database: SQLite (in the data folder)" in status.stdout
        assert (data_dir / DB_FILE).is_file()
    finally:
        stop_server(data_dir)


@pytest.mark.server
@pytest.mark.postgresql
def test_the_session_server_keeps_its_projects_in_postgresql(
    postgres_cluster: TemporaryPostgres | None, ls_server: Any
) -> None:
    cluster = _on_postgresql(postgres_cluster)
    title = f"pg-{uuid.uuid4().hex[:8]}"
    project = ls_server.api("POST", "/api/projects", {"title": title})
    try:
        stored = cluster.psql(DATABASE, f"SELECT title FROM project WHERE id = {int(project['id'])}")
        assert stored.strip() == title
    finally:
        ls_server.api("DELETE", f"/api/projects/{project['id']}")
    assert cluster.psql(DATABASE, f"SELECT count(*) FROM project WHERE title = '{title}'").strip() == "0"


@pytest.mark.server
@pytest.mark.postgresql
def test_a_second_server_on_the_same_database_never_shows_the_password(
    postgres_cluster: TemporaryPostgres | None, ls_server: Any, tmp_path: Path
) -> None:
    """What PostgreSQL is for: several Label Studio processes on one database (here the session server's)."""
    cluster = _on_postgresql(postgres_cluster)
    url = cluster.url
    redacted = f"postgresql://partages:********@127.0.0.1:{cluster.port}/{DATABASE}"
    title = f"pg-{uuid.uuid4().hex[:8]}"
    project = ls_server.api("POST", "/api/projects", {"title": title})
    data_dir = tmp_path / "ls"
    shown: list[str] = []
    try:
        # The URL comes from the environment, as the README advises, so it is not on our own command line.
        started = _partages_ls("server", "start", "--data-dir", str(data_dir), env={"PARTAGES_LS_DATABASE_URL": url})
        shown += [started.stdout, started.stderr]
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"database: PostgreSQL {redacted}" in started.stdout
        state = find_server(data_dir)
        assert state is not None and state.database == redacted
        status = _partages_ls("server", "status", "--data-dir", str(data_dir))
        shown += [status.stdout, status.stderr]
        assert f"database: PostgreSQL {redacted}" in status.stdout
        again = _partages_ls("server", "start", "--data-dir", str(data_dir), "--database", url)
        shown += [again.stdout, again.stderr]
        assert f"already running: {state.url} (pid {state.pid}; database: PostgreSQL {redacted})" in again.stdout
        # The process listing (`ps`) shows the server's command line: the password is not on it.
        listing = subprocess.run(["ps", "-o", "args=", "-p", str(state.pid)], capture_output=True, text=True)
        assert "label-studio" in listing.stdout
        shown.append(listing.stdout)
        assert not (data_dir / DB_FILE).exists(), "the data went to PostgreSQL, not to SQLite"
        second = dataclasses.replace(ls_server, url=state.url)  # the same admin: the cache's default credentials
        assert second.api("GET", f"/api/projects/{project['id']}")["title"] == title
    finally:
        stopped = _partages_ls("server", "stop", "--data-dir", str(data_dir))
        shown += [stopped.stdout, stopped.stderr]
        ls_server.api("DELETE", f"/api/projects/{project['id']}")
    assert stopped.stdout.strip() == "stopped"
    without = _partages_ls("server", "start", "--data-dir", str(data_dir))
    shown += [without.stdout, without.stderr]
    assert without.returncode == 1 and "ran on PostgreSQL" in without.stderr + without.stdout
    assert "--database" in without.stderr + without.stdout
    shown += [(data_dir / STATE_FILE).read_text(), (data_dir / LOG_FILE).read_text()]
    for text in shown:
        assert cluster.password not in text


@pytest.mark.server
@pytest.mark.postgresql
def test_a_refused_password_is_reported_without_it(postgres_cluster: TemporaryPostgres | None, tmp_path: Path) -> None:
    cluster = _on_postgresql(postgres_cluster)
    wrong = "not-the-password-0123"
    database = PostgresDatabase.parse(f"postgresql://partages:{wrong}@127.0.0.1:{cluster.port}/{DATABASE}")
    server = LocalServer(tmp_path / "ls", database=database, startup_timeout=120)
    with pytest.raises(ServerStartError) as caught:
        server.start()
    message = str(caught.value)
    assert "password authentication failed" in message, message
    assert wrong not in message and wrong not in repr(server)
    assert wrong not in (tmp_path / "ls" / LOG_FILE).read_text()
    assert server.process is None
