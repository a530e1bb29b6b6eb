"""A throw-away PostgreSQL cluster for the tests: Debian's server binaries, a temporary folder, 127.0.0.1.

No system service is used: `initdb` creates the cluster in a temporary folder, `pg_ctl` starts it on a free
port of 127.0.0.1 (its Unix socket in that folder too), one database and one password-protected role are
made for Label Studio, and `stop` removes it all. PostgreSQL refuses to run as root, so under root the
server runs as the `postgres` account that Debian's package creates.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

BINDIR_VARIABLE = "PARTAGES_LS_PG_BINDIR"
ROLE = "partages"
DATABASE = "labelstudio"
# Durability is useless for a cluster deleted at the end of the session, and costs time on a busy disk.
_FAST = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


class PostgresClusterError(RuntimeError):
    """The temporary cluster could not be created or started (the message says what to install)."""


def find_bindir() -> Path:
    """`$PARTAGES_LS_PG_BINDIR`, else the newest /usr/lib/postgresql/N/bin, else the folder of `initdb`."""
    explicit = os.environ.get(BINDIR_VARIABLE)
    candidates = [Path(explicit)] if explicit else []
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [p for p in debian.iterdir() if p.name.isdigit()]
        candidates += [p / "bin" for p in sorted(versions, key=lambda p: int(p.name), reverse=True)]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres", "psql")):
            return bindir
    raise PostgresClusterError(
        "PostgreSQL's server binaries (initdb, pg_ctl) were not found: install Debian's package "
        f"(scripts/install-postgresql.sh, as root) or set {BINDIR_VARIABLE}"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TemporaryPostgres:
    """A PostgreSQL cluster of its own in a temporary folder; `url` is Label Studio's database in it."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.password = secrets.token_urlsafe(18)
        self.port = 0
        self.folder: Path | None = None
        self._user: str | None = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        """postgresql://partages:<password>@127.0.0.1:<port>/labelstudio (holds the password: never print it)."""
        return f"postgresql://{ROLE}:{self.password}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def socket_dir(self) -> Path:
        """Where the cluster's Unix socket is (in its own temporary folder)."""
        if self.folder is None:
            raise PostgresClusterError("the cluster is not started")
        return self.folder

    def _run(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            user=self._user,
            cwd=self.folder,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "PGTZ": "UTC"},
        )
        if result.returncode != 0:
            raise PostgresClusterError(f"{args[0]} failed ({result.returncode}): {result.stderr or result.stdout}")
        return result.stdout

    def start(self) -> Self:
        """initdb, start on a free port of 127.0.0.1, create the role's database; about a second."""
        self.folder = Path(tempfile.mkdtemp(prefix="partages-ls-pg-"))
        if self._user is not None:
            try:
                account = pwd.getpwnam(self._user)
            except KeyError:
                raise PostgresClusterError(
                    "PostgreSQL does not run as root and there is no 'postgres' account to run it "
                    "(Debian's postgresql package creates it)"
                ) from None
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        password_file = self.folder / "password"
        password_file.write_text(self.password + "\n", encoding="utf-8")
        if self._user is not None:
            os.chown(password_file, pwd.getpwnam(self._user).pw_uid, -1)
        password_file.chmod(0o600)
        try:
            self._run(
                "initdb", "-D", str(self.folder / "data"), "-U", ROLE, f"--pwfile={password_file}",
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
            )  # fmt: skip
        finally:
            password_file.unlink()
        self.port = _free_port()
        options = ["-c", "listen_addresses=127.0.0.1", "-p", str(self.port), "-k", str(self.folder), *_FAST]
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"), "-w",
                  "-o", " ".join(options), "start")  # fmt: skip
        self.psql("postgres", f"CREATE DATABASE {DATABASE}")
        return self

    def psql(self, database: str, sql: str) -> str:
        """Run one SQL statement over the Unix socket (trusted locally) and return psql's unaligned output."""
        return self._run("psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
                         "-p", str(self.port), "-U", ROLE, "-d", database, "-c", sql)  # fmt: skip

    def dump(self, path: Path) -> None:
        """Save the database as SQL, atomically (through stdout: the server's account may not write where we do)."""
        sql = self._run("pg_dump", "--no-owner", "-h", str(self.socket_dir), "-p", str(self.port), "-U", ROLE, DATABASE)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        # It holds the admin's API token (Label Studio keeps it in clear): readable by us only.
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
            out.write(sql)
        partial.replace(path)

    def restore(self, path: Path) -> None:
        """Load a `dump` into the (empty) database."""
        self._run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir), "-p", str(self.port),
                  "-U", ROLE, "-d", DATABASE, stdin=path.read_text(encoding="utf-8"))  # fmt: skip

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete the cluster."""
        if self.folder is None:
            return
        try:
            if (self.folder / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
