"""Run a real local Label Studio server on loopback, for the tests and for the demo.

The server lives in its own virtualenv (it pins Django, pytz, redis... that must not leak into ours) and is
started with a clean environment. Only the standard library is used here so the module stays light.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from partages_ls.studio.database import SQLITE, PostgresDatabase, check_data_dir
from partages_ls.studio.server_setup import (
    _TEMPLATE_MARKER,
    CREDENTIALS_FILE,
    DB_FILE,
    DEFAULT_USERNAME,
    LABEL_STUDIO_VERSION,
    LOG_FILE,
    STATE_FILE,
    Credentials,
    ServerAlreadyRunningError,
    ServerInstallError,
    ServerStartError,
    StudioServerError,
    _copy_data_dir,
    _default_credentials,
    _executable,
    _read_json,
    _save_template,
    _tail,
    _template_dir,
    _write_private,
    default_cache_dir,
    ensure_server_install,
    log,
    plugin_loader_path,
    server_environment,
)

# The public names of the local server, set-up included (server_setup.py holds the install side).
__all__ = [
    "CREDENTIALS_FILE",
    "DB_FILE",
    "DEFAULT_USERNAME",
    "LABEL_STUDIO_VERSION",
    "LOG_FILE",
    "STATE_FILE",
    "Credentials",
    "LocalServer",
    "ServerAlreadyRunningError",
    "ServerInstallError",
    "ServerStartError",
    "ServerState",
    "StudioServerError",
    "check_token",
    "default_cache_dir",
    "describe_plugin_status",
    "ensure_server_install",
    "find_server",
    "plugin_status",
    "server_environment",
    "stop_server",
]


def _free_port(preferred: int | None = None) -> int:
    """Return `preferred` if it is free on 127.0.0.1, else a port the kernel picks."""
    candidates = [preferred, 0] if preferred else [0]
    for candidate in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # Like Django's server: a port left in TIME_WAIT by a stopped server is reusable.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise StudioServerError("no free TCP port on 127.0.0.1")


def _pid_is_label_studio(pid: int, proc: Path = Path("/proc")) -> bool:
    """True if `pid` is alive and (where /proc tells) is a label-studio process, not a recycled pid.

    A process on its way out releases its memory first, and its command line reads empty from then
    on, until it is a zombie: that is still our server finishing its exit, not a recycled pid, so
    `stop_server` keeps waiting for it (answering "gone" there let a stop return while the process
    still ran). A zombie has exited: only its parent's wait is left. An empty command line is also
    a kernel thread's; that is never ours (its parent is kthreadd, pid 2).
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    entry = proc / str(pid)
    if not entry.exists():
        return True
    try:
        cmdline = (entry / "cmdline").read_bytes()
        status = (entry / "status").read_text()
    except OSError:
        return False
    if "zombie" in status:
        return False
    if cmdline:
        return b"label-studio" in cmdline
    return "\nPPid:\t2\n" not in status


def _http_get(url: str, token: str | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    """GET `url` directly (no proxy), returning the status and body; HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return int(err.code), bytes(err.read())


def check_token(url: str, token: str) -> int:
    """Return the HTTP status of `GET /api/current-user/whoami` with `Authorization: Token <token>`."""
    try:
        status, _ = _http_get(f"{url}/api/current-user/whoami", token)
    except OSError as err:
        raise StudioServerError(f"cannot reach {url}: {err}") from None
    return status


def plugin_status(url: str) -> dict[str, Any] | None:
    """The ``/partages-ls/status.json`` of a server running partages-ls' plugin loader, or None without it."""
    try:
        status, body = _http_get(f"{url}/partages-ls/status.json")
        data = json.loads(body) if status == 200 else None
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("plugins") in ("on", "off") else None


def describe_plugin_status(status: dict[str, Any] | None) -> str:
    """One line for `server status`: whether the labeling pages run the guides' plugins, and if not why."""
    if status is None:
        return "guide plugins: not loaded (the server runs without partages-ls' plugin loader)"
    version = status.get("label_studio_version")
    if status.get("plugins") == "on":
        guides = ", ".join(str(g) for g in status.get("guides") or [])
        return f"guide plugins: on (Label Studio {version}; guides {guides})"
    reasons = "; ".join(str(r) for r in status.get("reasons") or [])
    return f"guide plugins: off ({reasons})"


def _health_is_up(url: str) -> bool:
    try:
        status, body = _http_get(f"{url}/health", timeout=2.0)
        return status == 200 and json.loads(body).get("status") == "UP"
    except (OSError, ValueError, AttributeError):
        return False


@dataclass(frozen=True)
class ServerState:
    """What the state file of a running server says; the token comes from the 0600 credentials file."""

    data_dir: Path
    pid: int
    url: str
    port: int
    username: str
    token: str | None = field(default=None, repr=False)
    database: str = SQLITE  # "sqlite", or the PostgreSQL URL without its password


def find_server(data_dir: Path) -> ServerState | None:
    """Return the live server recorded in `data_dir`'s state file, or None (stale states are ignored)."""
    data_dir = Path(data_dir)
    state = _read_json(data_dir / STATE_FILE)
    if state is None:
        return None
    try:
        pid, url, port = int(state["pid"]), str(state["url"]), int(state["port"])
    except (KeyError, TypeError, ValueError):
        return None
    if not _pid_is_label_studio(pid):
        return None
    creds = Credentials.load(data_dir / CREDENTIALS_FILE)
    username, database = str(state.get("username", "")), str(state.get("database", SQLITE))
    return ServerState(data_dir, pid, url, port, username, creds.token if creds else None, database)


def _terminate(pid: int, grace: float) -> None:
    """SIGTERM `pid`, wait up to `grace` seconds, then SIGKILL its process group."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _pid_is_label_studio(pid):
            return
        time.sleep(0.1)
    log.warning("label-studio (pid %d) ignored SIGTERM for %.0f s, killing it", pid, grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _mark_stopped(data_dir: Path) -> None:
    """Keep the state file (its port is reused at the next start) but without a pid."""
    state = _read_json(data_dir / STATE_FILE)
    if state is not None and state.get("pid") is not None:
        state.update(pid=None, stopped_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        _write_private(data_dir / STATE_FILE, json.dumps(state, indent=2) + "\n")


def stop_server(data_dir: Path, *, grace: float = 15.0) -> bool:
    """Stop the server recorded in `data_dir`'s state file; return False if none was running."""
    data_dir = Path(data_dir)
    state = find_server(data_dir)
    if state is not None:
        _terminate(state.pid, grace)
        deadline = time.monotonic() + grace
        while _pid_is_label_studio(state.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    _mark_stopped(data_dir)
    return state is not None


class LocalServer:
    """A Label Studio server on 127.0.0.1, throw-away (temporary data dir) or persistent (`data_dir` given).

    Fresh servers start from a migrated template kept in the cache (a few seconds instead of ~50 s).
    A persistent server writes a state file so `find_server`/`stop_server` work from another process.
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        port: int | None = None,
        credentials: Credentials | None = None,
        cache_dir: Path | None = None,
        version: str = LABEL_STUDIO_VERSION,
        startup_timeout: float = 300.0,
        stop_grace: float = 15.0,
        plugins: bool = True,
        database: PostgresDatabase | None = None,
    ) -> None:
        self.persistent = data_dir is not None
        self.data_dir: Path | None = Path(data_dir).resolve() if data_dir is not None else None
        self.preferred_port = port
        self.cache_dir = cache_dir
        self.version = version
        self.startup_timeout = startup_timeout
        self.stop_grace = stop_grace
        self._credentials = credentials
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.started_from_template = False
        self.plugins = plugins  # run the guides' plugins in the labeling pages (ls_plugin_loader)
        self.database = database  # None: SQLite in the data dir

    @property
    def credentials(self) -> Credentials:
        """The admin account; resolved at start (explicit, else the data dir's, else the cache default)."""
        if self._credentials is None:
            raise StudioServerError("the server has not been started")
        return self._credentials

    @property
    def url(self) -> str:
        """Base URL, without a trailing slash."""
        if self.port is None:
            raise StudioServerError("the server has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        """Legacy API token of the admin (`Authorization: Token <token>`)."""
        return self.credentials.token

    @property
    def username(self) -> str:
        """E-mail of the admin account."""
        return self.credentials.username

    @property
    def password(self) -> str:
        """Password of the admin account, for logging into the web UI."""
        return self.credentials.password

    @property
    def log_file(self) -> Path:
        """The server's stdout/stderr, in its data dir."""
        if self.data_dir is None:
            raise StudioServerError("the server has not been started")
        return self.data_dir / LOG_FILE

    @property
    def pid(self) -> int | None:
        """PID of the label-studio process while it runs."""
        return self.process.pid if self.process is not None else None

    def __repr__(self) -> str:
        user = self._credentials.username if self._credentials else None
        return (
            f"LocalServer(url={self.url if self.port else None!r}, data_dir={str(self.data_dir)!r}, "
            f"pid={self.pid}, username={user!r}, persistent={self.persistent}, "
            f"database={self.database.redacted if self.database else SQLITE!r})"
        )

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _redact(self, text: str) -> str:
        secrets = self.database.secrets() if self.database else ()
        if self._credentials is not None:
            secrets += (self._credentials.token, self._credentials.password)
        for secret in secrets:
            text = text.replace(secret, "********")
        return text

    def _resolve_credentials(self, data_dir: Path) -> Credentials:
        stored = Credentials.load(data_dir / CREDENTIALS_FILE)
        if self._credentials is not None:
            # On PostgreSQL, a token refused after the start says the same (see _launch).
            if stored is not None and stored != self._credentials and (data_dir / DB_FILE).exists():
                raise ServerStartError(
                    f"{data_dir} was created with other credentials (user {stored.username!r}); "
                    "the preset token is applied only when the user is first created"
                )
            return self._credentials
        return stored or _default_credentials(self.cache_dir, self.version)

    def start(self) -> Self:
        """Install if needed, start the server, wait for `/health` to be UP and check the token."""
        if self.process is not None:
            raise StudioServerError(f"already started: {self!r}")
        venv = ensure_server_install(self.cache_dir, version=self.version)
        if self.data_dir is None:
            self.data_dir = Path(tempfile.mkdtemp(prefix="partages-ls-server-"))
        data_dir = self.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o700)
        running = find_server(data_dir)
        if running is not None:
            raise ServerAlreadyRunningError(
                f"a Label Studio server (pid {running.pid}) already runs on {running.url} for {data_dir}"
            )
        previous = _read_json(data_dir / STATE_FILE) or {}
        check_data_dir(data_dir, DB_FILE, self.database, previous.get("database"))
        self._credentials = creds = self._resolve_credentials(data_dir)
        loader = plugin_loader_path(self.cache_dir, self.version) if self.plugins else None
        if self.preferred_port is None and isinstance(previous.get("port"), int):
            self.preferred_port = previous["port"]  # keep the demo URL stable across restarts
        creds.save(data_dir / CREDENTIALS_FILE)
        template = _template_dir(self.cache_dir, self.version, creds)
        # The template is a SQLite file: a PostgreSQL database is migrated by Label Studio itself.
        fresh = self.database is None and not (data_dir / DB_FILE).exists()
        if fresh and (template / _TEMPLATE_MARKER).is_file():
            _copy_data_dir(template, data_dir)
            self.started_from_template = True
        began = time.monotonic()
        attempts = 1 if self.preferred_port else 3
        for attempt in range(1, attempts + 1):
            self.port = _free_port(self.preferred_port)
            try:
                self._launch(venv, data_dir, creds, loader)
                break
            except ServerStartError:
                self._kill_process()
                if attempt == attempts or not self._port_was_taken():
                    raise
                log.warning("port %d was taken before Label Studio bound it, retrying", self.port)
        log.info(
            "Label Studio %s up at %s in %.1f s (%s, data dir %s)",
            self.version,
            self.url,
            time.monotonic() - began,
            "from template" if self.started_from_template else ("new database" if fresh else "existing data"),
            data_dir,
        )
        if self.database is not None:
            log.info("Label Studio's database: PostgreSQL %s", self.database.redacted)
        if fresh and not self.started_from_template:
            try:
                _save_template(data_dir, template)
            except (OSError, sqlite3.Error) as err:  # only the next start gets slower: not fatal
                log.warning("could not save a Label Studio template at %s: %s", template, err)
        self._write_state()
        return self

    def _launch(self, venv: Path, data_dir: Path, creds: Credentials, loader: Path | None) -> None:
        cmd = [
            str(_executable(venv)), "start", "--no-browser", "--internal-host", "127.0.0.1",
            "--port", str(self.port), "--data-dir", str(data_dir), "--enable-legacy-api-token",
        ]  # fmt: skip
        fd = os.open(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "ab") as out:
            out.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting on port {self.port}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                cmd,
                cwd=data_dir,
                env=server_environment(data_dir, creds, venv, plugin_loader=loader, database=self.database),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.startup_timeout
        while not _health_is_up(self.url) or not self._listens_on_port():
            if self.process.poll() is not None:
                raise self._start_error(f"label-studio exited with code {self.process.returncode}")
            if time.monotonic() > deadline:
                raise self._start_error(f"/health was not UP after {self.startup_timeout:.0f} s")
            time.sleep(0.5)
        status = check_token(self.url, creds.token)
        if status != 200:
            where = self.database.redacted if self.database else data_dir
            raise self._start_error(
                f"the admin token was refused (HTTP {status}); the preset token is applied only when the "
                f"user is first created, so {where} may come from other credentials"
            )

    def _start_error(self, reason: str) -> ServerStartError:
        tail = self._redact(_tail(self.log_file))
        return ServerStartError(
            f"Label Studio did not start on {self.url}: {reason}\n--- last lines of {self.log_file} ---\n{tail}"
        )

    def _listens_on_port(self) -> bool:
        """True if our own process listens on our port (Label Studio silently moves off a busy port)."""
        if self.process is None or not Path("/proc/net/tcp").exists():
            return True
        inodes: set[str] = set()
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{self.process.pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = str(fd.readlink())
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError):
                for line in Path(table).read_text().splitlines()[1:]:
                    parts = line.split()
                    listening = parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == self.port
                    if listening and parts[9] in inodes:
                        return True
        return False

    def _port_was_taken(self) -> bool:
        return "in use" in _tail(self.log_file, 20)

    def _write_state(self) -> None:
        assert self.data_dir is not None and self.process is not None and self.port is not None
        state = {
            "pid": self.process.pid,
            "url": self.url,
            "port": self.port,
            "username": self.username,
            "label_studio_version": self.version,
            "plugins": self.plugins,
            "database": self.database.redacted if self.database else SQLITE,
            "log_file": str(self.log_file),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        _write_private(self.data_dir / STATE_FILE, json.dumps(state, indent=2) + "\n")

    def _kill_process(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            _terminate(self.process.pid, self.stop_grace)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=self.stop_grace)
        self.process = None

    def stop(self) -> None:
        """SIGTERM the server (SIGKILL after the grace period); a throw-away data dir is then deleted."""
        if self.process is not None:
            pid = self.process.pid
            self._kill_process()
            log.info("Label Studio (pid %d) stopped", pid)
        if self.data_dir is not None:
            _mark_stopped(self.data_dir)
            if not self.persistent:
                shutil.rmtree(self.data_dir, ignore_errors=True)
                self.data_dir = None
