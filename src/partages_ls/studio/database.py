"""Which database the local Label Studio uses: SQLite in its data folder (default) or a PostgreSQL server.

Label Studio 1.23 reads its database from the environment (core/settings/base.py): ``DJANGO_DB`` picks the
entry of ``DATABASES_ALL`` (``sqlite``, or ``default``, which is PostgreSQL) and ``POSTGRE_NAME``, ``_USER``,
``_PASSWORD``, ``_HOST`` and ``_PORT`` fill the PostgreSQL one (each also read with a ``LABEL_STUDIO_``
prefix). A ``postgresql://`` URL is turned into those variables here; its password is shown nowhere.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from partages_ls.studio.server_setup import ServerStartError, StudioServerError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
DATABASE_URL_VARIABLE = "PARTAGES_LS_DATABASE_URL"
_SCHEMES = ("postgresql", "postgres")
_HIDDEN = "********"
# libpq settings that a URL may carry as query parameters; psycopg (under Django) reads them from the
# environment, since Label Studio's settings give no way to pass connection options.
_QUERY_TO_LIBPQ = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "connect_timeout": "PGCONNECT_TIMEOUT"}


class DatabaseUrlError(StudioServerError):
    """A --database value that is not a usable postgresql:// URL (the message never shows the password)."""


@dataclass(frozen=True)
class PostgresDatabase:
    """A PostgreSQL database for Label Studio; the password stays out of the repr and of `redacted`."""

    name: str
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = ""
    port: int = 5432
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, url: str) -> PostgresDatabase:
        """Read ``postgresql://[user[:password]@][host][:port]/dbname[?sslmode=…]`` (percent-encoding allowed).

        A host starting with ``/`` (written ``%2F…``) is a Unix socket folder. Without a password, libpq
        looks in ``~/.pgpass`` (or ``PGPASSFILE``), which keeps it off the command line.
        """
        scheme, sep, rest = url.partition("://")
        if not sep or scheme.lower() not in _SCHEMES:
            shown = scheme if sep else "no scheme"
            raise DatabaseUrlError(
                f"--database must be a postgresql://user:password@host:port/dbname URL (got {shown!r}); "
                "SQLite is the default and needs no --database"
            )
        # The user part ends at the last "@", so a password may hold unencoded "/", "?" or "@".
        userinfo, _at, location = rest.rpartition("@")
        location, _, query = location.partition("?")
        hostport, slash, path = location.partition("/")
        name = urllib.parse.unquote(path.strip("/")) if slash else ""
        if not name:
            raise DatabaseUrlError(f"the database URL {_redact_url(url)} names no database: add /dbname at its end")
        user, colon, password = userinfo.partition(":")
        host, port = _split_host_port(hostport, url)
        options = []
        for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
            if key not in _QUERY_TO_LIBPQ:
                known = ", ".join(_QUERY_TO_LIBPQ)
                raise DatabaseUrlError(f"the database URL {_redact_url(url)} has an unknown option {key!r} ({known})")
            options.append((key, value))
        return cls(
            name=name,
            user=urllib.parse.unquote(user),
            password=urllib.parse.unquote(password) if colon else "",
            host=host,
            port=port,
            options=tuple(options),
        )

    @property
    def redacted(self) -> str:
        """The URL with the password replaced by asterisks, for messages, the state file and `server status`."""
        user = urllib.parse.quote(self.user, safe="") if self.user else ""
        userinfo = f"{user}:{_HIDDEN}@" if self.password else (f"{user}@" if user else "")
        host = urllib.parse.quote(self.host, safe="") if self.host.startswith("/") else self.host
        host = f"[{host}]" if ":" in host else host
        query = f"?{urllib.parse.urlencode(self.options)}" if self.options else ""
        return f"postgresql://{userinfo}{host}:{self.port}/{urllib.parse.quote(self.name, safe='')}{query}"

    def environment(self) -> dict[str, str]:
        """The variables Label Studio's settings read for this database.

        Empty user, password or host are passed as empty strings: Django then leaves them to libpq (the
        current user, ``~/.pgpass``, the local socket) instead of Label Studio's defaults (postgres/postgres).
        """
        env = {
            "DJANGO_DB": "default",  # Label Studio's name of its PostgreSQL entry
            "POSTGRE_NAME": self.name,
            "POSTGRE_USER": self.user,
            "POSTGRE_PASSWORD": self.password,
            "POSTGRE_HOST": self.host,
            "POSTGRE_PORT": str(self.port),
        }
        env.update((_QUERY_TO_LIBPQ[key], value) for key, value in self.options)
        return env

    def secrets(self) -> tuple[str, ...]:
        """What must be masked wherever the server's output is shown."""
        return (self.password,) if self.password else ()


def _split_host_port(hostport: str, url: str) -> tuple[str, int]:
    host, port_text = hostport, ""
    if hostport.startswith("["):
        end = hostport.find("]")
        host, rest = hostport[1:end], hostport[end + 1 :]
        if end < 0 or (rest and not rest.startswith(":")):
            raise DatabaseUrlError(f"the database URL {_redact_url(url)} has a malformed [IPv6] host")
        port_text = rest[1:]
    elif ":" in hostport:
        host, _, port_text = hostport.rpartition(":")
    if not port_text:
        return urllib.parse.unquote(host), 5432
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise DatabaseUrlError(f"the database URL {_redact_url(url)} has a bad port {port_text!r}")
    return urllib.parse.unquote(host), int(port_text)


def _redact_url(url: str) -> str:
    """Mask what sits between the user and the host of a URL that failed to parse."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, location = rest.rpartition("@")
    if ":" in userinfo:
        userinfo = f"{userinfo.partition(':')[0]}:{_HIDDEN}"
    return f"{scheme}{sep}{userinfo}{at}{location}"


def describe_database(recorded: str) -> str:
    """`server status`'s line for what a state file records ("sqlite" or a redacted PostgreSQL URL)."""
    return "database: SQLite (in the data folder)" if recorded == SQLITE else f"database: PostgreSQL {recorded}"


def check_data_dir(data_dir: Path, db_file: str, database: PostgresDatabase | None, recorded: object) -> None:
    """Refuse to switch a data folder between SQLite and PostgreSQL without a word.

    Restarting without --database a server that ran on PostgreSQL would open an empty SQLite database
    instead (every project seemingly gone); pointing a folder that holds a SQLite database at PostgreSQL
    would leave its projects behind.
    """
    if database is None and isinstance(recorded, str) and recorded.startswith(f"{POSTGRESQL}://"):
        raise ServerStartError(
            f"the server of {data_dir} ran on PostgreSQL ({recorded}): give the same --database again "
            f"(or set {DATABASE_URL_VARIABLE}), or use another --data-dir for a SQLite server"
        )
    if database is not None and (data_dir / db_file).exists():
        raise ServerStartError(
            f"{data_dir} holds a SQLite database ({db_file}) whose projects would not be on PostgreSQL: "
            "use another --data-dir for the PostgreSQL server"
        )
