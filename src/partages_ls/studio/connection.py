"""Where the Label Studio server is and how to authenticate, without ever showing the token.

Precedence: command-line options, then the ecosystem's environment variables
(``LABEL_STUDIO_URL``, ``LABEL_STUDIO_API_KEY``), then a ``partages-ls.toml`` config file in the
working folder or the user's config folder, then the local server that ``partages-ls server start``
or the demo runs from the working folder (``.partages-ls/label-studio``: its URL from its state
file, its token from its 0600 credentials file, so no copy of the token is made). A config file
holding a token must not be readable by other users.
"""

from __future__ import annotations

import html
import json
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

from partages_ls.errors import PartagesError

CONFIG_NAME = "partages-ls.toml"
# Where `server start` and the demo keep the local server by default, relative to the working folder.
LOCAL_DATA_DIR = Path(".partages-ls") / "label-studio"
URL_VARIABLE = "LABEL_STUDIO_URL"
KEY_VARIABLE = "LABEL_STUDIO_API_KEY"


class ConnectionSettingsError(PartagesError):
    """The server address or the token is missing, malformed or stored unsafely."""


def _config_candidates() -> list[Path]:
    home_config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [Path.cwd() / CONFIG_NAME, home_config / "partages-ls" / CONFIG_NAME]


def _read_config(path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConnectionSettingsError(f"{path}: cannot read the config file: {exc}") from None
    section = data.get("label_studio", {})
    if not isinstance(section, dict):
        raise ConnectionSettingsError(f"{path}: [label_studio] must be a table with url and api_key")
    if "api_key" in section:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConnectionSettingsError(
                f"{path} holds an API token and is readable by other users (mode {stat.filemode(mode)}); "
                f"run `chmod 600 {path}`"
            )
    return {str(k): str(v) for k, v in section.items() if k in ("url", "api_key")}


@dataclass(frozen=True)
class Connection:
    """A server URL and its API token; the token never appears in repr, str or messages."""

    url: str
    api_key: str = field(repr=False)
    source: str = "options"

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConnectionSettingsError(f"server URL {self.url!r} must start with http:// or https://")
        if "@" in urlsplit(self.url).netloc:
            # The URL is printed in messages and records; a password inside it would be shown.
            raise ConnectionSettingsError(
                f"the server URL must not hold a user name or password; pass the token with --api-key or {KEY_VARIABLE}"
            )
        if self.api_key and not (self.api_key.isascii() and self.api_key.isprintable()):
            raise ConnectionSettingsError(
                "the API token holds characters that cannot be sent in an HTTP header (accents, line breaks "
                "or control codes); copy it again from Account & Settings"
            )
        object.__setattr__(self, "url", self.url.rstrip("/"))

    def __str__(self) -> str:
        return f"{self.url} (token from {self.source})"

    def redact(self, text: str) -> str:
        """``text`` with the token replaced, for anything that might echo a request back.

        A server may echo it as sent, URL-encoded (either case of hex digits, ``+`` for spaces),
        JSON-escaped or HTML-escaped: every form is replaced.
        """
        if not self.api_key:
            return text
        for form in sorted(_token_forms(self.api_key), key=len, reverse=True):
            text = text.replace(form, "***")
        return text


def _token_forms(token: str) -> set[str]:
    encoded = {quote(token, safe=""), quote_plus(token), quote(token)}
    encoded |= {re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), form) for form in encoded}
    escaped = {json.dumps(token)[1:-1], json.dumps(token, ensure_ascii=False)[1:-1], html.escape(token)}
    return {form for form in {token, *encoded, *escaped} if form}


def _local_server() -> tuple[str, str] | None:
    """URL and token of the local server running from the working folder's default data folder."""
    from partages_ls.studio.server import find_server  # lazy: the server module is heavier

    state = find_server(Path.cwd() / LOCAL_DATA_DIR)
    return (state.url, state.token) if state is not None and state.token else None


def resolve_connection(url: str | None = None, api_key: str | None = None) -> Connection:
    """Options first, then environment variables, then the first config file found, then the local server."""
    sources = {"url": "--url", "api_key": "--api-key"}
    values = {"url": url, "api_key": api_key}
    for key, variable in (("url", URL_VARIABLE), ("api_key", KEY_VARIABLE)):
        if not values[key] and os.environ.get(variable):
            values[key], sources[key] = os.environ[variable], variable
    if not (values["url"] and values["api_key"]):
        for candidate in _config_candidates():
            if candidate.is_file():
                config = _read_config(candidate)
                for key in ("url", "api_key"):
                    if not values[key] and config.get(key):
                        values[key], sources[key] = config[key], str(candidate)
                break
    if not values["api_key"] and (local := _local_server()) is not None:
        local_url, local_token = local
        where = f"the local server of {LOCAL_DATA_DIR}"
        if not values["url"]:
            values["url"], sources["url"] = local_url, where
        if str(values["url"]).rstrip("/") == local_url:
            values["api_key"], sources["api_key"] = local_token, where
    if not values["url"]:
        raise ConnectionSettingsError(
            f"no Label Studio server given: pass --url, set {URL_VARIABLE}, write url in {CONFIG_NAME}, or run "
            f"this command from the folder where `partages-ls server start` (or the demo) runs its local server "
            f"(none is running in {LOCAL_DATA_DIR} here)"
        )
    if not values["api_key"]:
        raise ConnectionSettingsError(
            f"no API token given: pass --api-key, set {KEY_VARIABLE}, or write api_key in {CONFIG_NAME} "
            "(mode 600); the token is in Label Studio under Account & Settings"
        )
    return Connection(str(values["url"]), str(values["api_key"]), source=sources["api_key"])
