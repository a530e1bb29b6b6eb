"""Set-up of the local Label Studio: its own virtualenv, admin credentials, a migrated template.

Kept apart from server.py (processes, health, state) so that each stays small; server.py re-exports
the public names.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from partages_ls.errors import PartagesError
from partages_ls.ls_plugin_loader import SETTINGS_MODULE as PLUGIN_SETTINGS_MODULE
from partages_ls.ls_plugin_loader.bundle import prepare_bundle


class DatabaseSettings(Protocol):
    """Where Label Studio keeps its data when not in SQLite (see partages_ls.studio.database)."""

    def environment(self) -> dict[str, str]:
        """The environment variables Label Studio reads to reach it."""
        ...


LABEL_STUDIO_VERSION = "1.23.2"
DEFAULT_USERNAME = "admin@partages-ls.local"
STATE_FILE = "partages-ls-server.json"
CREDENTIALS_FILE = "partages-ls-credentials.json"
LOG_FILE = "partages-ls-server.log"
DB_FILE = "label_studio.sqlite3"

_INSTALLED_MARKER = ".partages-ls-installed"
_TEMPLATE_MARKER = ".partages-ls-template"
_NOT_COPIED = {STATE_FILE, CREDENTIALS_FILE, LOG_FILE, _TEMPLATE_MARKER}

log = logging.getLogger(__name__)


class StudioServerError(PartagesError):
    """Base class of the errors raised while installing, starting or stopping the local server."""


class ServerInstallError(StudioServerError):
    """The dedicated Label Studio virtualenv could not be created or installed."""

    def __init__(self, message: str, output_tail: str = "") -> None:
        super().__init__(f"{message}\n--- last lines of the output ---\n{output_tail}" if output_tail else message)
        self.output_tail = output_tail


class ServerStartError(StudioServerError):
    """The server process died, never became healthy, or did not accept its token."""


class ServerAlreadyRunningError(StudioServerError):
    """A live server already uses this data dir (see its state file)."""


def default_cache_dir() -> Path:
    """Return `$PARTAGES_LS_CACHE`, else `~/.cache/partages-ls`."""
    env = os.environ.get("PARTAGES_LS_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "partages-ls"


def _version_dir(cache_dir: Path | None, version: str) -> Path:
    return (cache_dir or default_cache_dir()) / f"label-studio-{version}"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` so concurrent processes do not install or snapshot twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def ensure_server_install(cache_dir: Path | None = None, *, version: str = LABEL_STUDIO_VERSION) -> Path:
    """Create once, and return, a virtualenv holding `label-studio==version` under the cache folder.

    The marker is written only after pip succeeded, so an interrupted install is redone from scratch.
    """
    base = _version_dir(cache_dir, version)
    venv = base / "venv"
    marker = venv / _INSTALLED_MARKER
    if marker.is_file() and _executable(venv).is_file():
        return venv
    with _file_lock(base / ".install.lock"):
        if marker.is_file() and _executable(venv).is_file():
            return venv
        if venv.exists():
            log.info("removing an incomplete Label Studio install at %s", venv)
            shutil.rmtree(venv)
        install_log = base / "install.log"
        log.info("installing label-studio==%s into %s (about 2 minutes)", version, venv)
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
             "--no-input", f"label-studio=={version}"],
        ]  # fmt: skip
        with install_log.open("w", encoding="utf-8") as out:
            for cmd in steps:
                out.write(f"$ {' '.join(cmd)}\n")
                out.flush()
                result = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
                if result.returncode != 0:
                    what = "pip install" if cmd[-1].startswith("label-studio") else "python -m venv"
                    raise ServerInstallError(
                        f"`{what}` of label-studio=={version} failed with exit code {result.returncode} "
                        f"(full log: {install_log})",
                        _tail(install_log),
                    )
        if not _executable(venv).is_file():
            raise ServerInstallError(f"pip succeeded but {_executable(venv)} is missing", _tail(install_log))
        marker.write_text(f"label-studio=={version}\n", encoding="utf-8")
    return venv


def plugin_loader_path(cache_dir: Path | None = None, version: str = LABEL_STUDIO_VERSION) -> Path:
    """The folder put on the server's PYTHONPATH so that it loads the guides' plugins (see ls_plugin_loader)."""
    return prepare_bundle(_version_dir(cache_dir, version) / "plugin-loader")


def _executable(venv: Path) -> Path:
    return venv / "bin" / "label-studio"


def _write_private(path: Path, text: str) -> None:
    """Write `text` atomically to a file only its owner can read (mode 0600)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    tmp.chmod(0o600)
    tmp.replace(path)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class Credentials:
    """Admin account of a local server; the token and password are kept out of the repr."""

    username: str
    password: str = field(repr=False)
    token: str = field(repr=False)

    @classmethod
    def generate(cls, username: str = DEFAULT_USERNAME) -> Credentials:
        """New random password and 40-character legacy token (Label Studio accepts 6-40)."""
        return cls(username, secrets.token_urlsafe(18), secrets.token_hex(20))

    @classmethod
    def load(cls, path: Path) -> Credentials | None:
        """Read a credentials file written by `save`, or None if it is missing or unreadable."""
        data = _read_json(path)
        if data is None or not all(isinstance(data.get(k), str) for k in ("username", "password", "token")):
            return None
        return cls(data["username"], data["password"], data["token"])

    def save(self, path: Path) -> None:
        """Store the credentials in a 0600 file."""
        payload = {"username": self.username, "password": self.password, "token": self.token}
        _write_private(path, json.dumps(payload, indent=2) + "\n")

    def template_key(self, version: str) -> str:
        """Key of a migrated template: the preset token and the user exist only from the first start."""
        material = "\0".join((version, self.username, self.password, self.token)).encode()
        return hashlib.sha256(material).hexdigest()[:20]


def _default_credentials(cache_dir: Path | None, version: str) -> Credentials:
    """Credentials shared by the servers started from this cache, so their template can be reused."""
    path = _version_dir(cache_dir, version) / "default-credentials.json"
    with _file_lock(path.with_name(".credentials.lock")):
        creds = Credentials.load(path)
        if creds is None:
            creds = Credentials.generate()
            creds.save(path)
    return creds


def _copy_data_dir(src: Path, dst: Path) -> None:
    """Copy a Label Studio data dir, taking the SQLite database through the backup API (consistent)."""
    dst.mkdir(parents=True, exist_ok=True)
    for entry in src.iterdir():
        if entry.name in _NOT_COPIED or entry.name.startswith(f"{DB_FILE}-"):
            continue
        target = dst / entry.name
        if entry.name == DB_FILE:
            with (
                contextlib.closing(sqlite3.connect(entry)) as source,
                contextlib.closing(sqlite3.connect(target)) as copy,
            ):
                source.backup(copy)
        elif entry.is_dir():
            shutil.copytree(entry, target, dirs_exist_ok=True)
        else:
            shutil.copy2(entry, target)


def _template_dir(cache_dir: Path | None, version: str, creds: Credentials) -> Path:
    return _version_dir(cache_dir, version) / "templates" / creds.template_key(version)


def _save_template(data_dir: Path, template: Path) -> None:
    """Snapshot a freshly migrated data dir as the template of later starts (atomic rename into place)."""
    with _file_lock(template.with_name(f".{template.name}.lock")):
        if (template / _TEMPLATE_MARKER).is_file():
            return
        staging = Path(tempfile.mkdtemp(prefix=f".{template.name}.", dir=template.parent))
        try:
            _copy_data_dir(data_dir, staging)
            (staging / _TEMPLATE_MARKER).write_text(f"{time.time()}\n", encoding="utf-8")
            staging.chmod(0o700)
            if template.exists():
                shutil.rmtree(template)
            staging.rename(template)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    log.info("saved a migrated Label Studio template at %s", template)


# Label Studio's default banned subnets for server-side requests (webhooks, ML backends), minus
# loopback (127.0.0.0/8, ::1/128).
BANNED_BUT_LOOPBACK = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/4", "233.252.0.0/24", "240.0.0.0/4", "255.255.255.255/32", "::/128", "::ffff:0:0/96",
    "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:0000::/32", "2001:20::/28",
    "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8",
)  # fmt: skip


def server_environment(
    data_dir: Path,
    creds: Credentials,
    venv: Path,
    *,
    plugin_loader: Path | None = None,
    database: DatabaseSettings | None = None,
) -> dict[str, str]:
    """The whole environment of the server: nothing inherited but PATH, HOME and LANG.

    Label Studio's settings also read bare USERNAME, PASSWORD, HOST, PORT and DEBUG, hence no inheritance.
    With ``plugin_loader`` (a folder from `plugin_loader_path`), Label Studio runs with the settings of
    partages_ls.ls_plugin_loader, which load the guides' plugins into its labeling pages. With ``database``
    it keeps its data in that PostgreSQL database instead of SQLite in ``data_dir``.
    """
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/local/bin:/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", str(Path.home())),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "DJANGO_DB": "sqlite",
        "LABEL_STUDIO_USERNAME": creds.username,
        "LABEL_STUDIO_PASSWORD": creds.password,
        "LABEL_STUDIO_USER_TOKEN": creds.token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "LABEL_STUDIO_COLLECT_ANALYTICS": "false",
        "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "LABEL_STUDIO_CONVERTER_DOWNLOAD_RESOURCES": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        # An ML backend (`partages-ls ml-backend serve`) listens on this same machine: allow loopback
        # only, every other reserved network stays blocked for server-side requests.
        "LABEL_STUDIO_USE_DEFAULT_BANNED_SUBNETS": "false",
        "LABEL_STUDIO_USER_ADDITIONAL_BANNED_SUBNETS": ",".join(BANNED_BUT_LOOPBACK),
    }
    if database is not None:
        env.update(database.environment())
    if plugin_loader is not None:
        env.update(PYTHONPATH=str(plugin_loader), DJANGO_SETTINGS_MODULE=PLUGIN_SETTINGS_MODULE)
    return env
