"""The REST client without a server: retries, clear errors, pagination, and a token never shown."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from partages_ls.studio.client import RetryPolicy, StudioClient, StudioError, StudioUnreachableError
from partages_ls.studio.connection import Connection, ConnectionSettingsError, resolve_connection

TOKEN = "s3cr3t-token-0123456789abcdef"
VERSION = {"release": "1.23.2", "edition": "Community"}
WHOAMI = {"id": 1, "email": "admin@exemple.fr"}


def _client(handler: Callable[[httpx.Request], httpx.Response], attempts: int = 4) -> StudioClient:
    return StudioClient(
        Connection("http://ls.test:8080/", TOKEN),
        retry=RetryPolicy(attempts=attempts, first_delay=0.01, max_delay=0.02),
        sleep=lambda _: None,
        transport=httpx.MockTransport(handler),
    )


def test_transient_errors_are_retried_within_the_budget() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) < 3:
            return httpx.Response(503)
        return httpx.Response(200, json=VERSION)

    client = _client(handler)
    assert client.get("/api/version") == VERSION
    assert client.requests == 3


def test_the_budget_is_bounded_and_the_message_says_how_to_resume() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = _client(handler, attempts=3)
    with pytest.raises(StudioUnreachableError) as caught:
        client.get("/api/projects")
    assert client.requests == 3
    assert "does not answer" in str(caught.value) and "run the command again" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_a_post_without_retry_fails_at_once() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client = _client(handler)
    with pytest.raises(StudioUnreachableError):
        client.post("/api/projects/1/import", [{"text": "x"}], retry=False)
    assert client.requests == 1


def test_server_errors_never_echo_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/current-user/whoami":
            return httpx.Response(401, json={"detail": "Invalid token."})
        return httpx.Response(500, text=f"crash with header Token {TOKEN}")

    client = _client(handler)
    with pytest.raises(StudioError) as refused:
        client.get("/api/current-user/whoami")
    assert refused.value.status == 401 and "refused the API token" in str(refused.value)
    with pytest.raises(StudioError) as crashed:
        client.get("/api/projects")
    assert TOKEN not in str(crashed.value) and "***" in str(crashed.value)
    assert TOKEN not in repr(client) and TOKEN not in repr(client.connection) and TOKEN not in str(client.connection)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(404, text="<h1>Not Found</h1>"), "is not a Label Studio server"),
        (httpx.Response(200, text="<html>a blog</html>"), "HTML page instead of JSON"),
        (httpx.Response(200, json={"release": "1.8.2"}), "is too old"),
        (httpx.Response(200, json={"whatever": 1}), "is too old"),
    ],
)
def test_check_server_explains_a_wrong_url_or_an_old_server(response: httpx.Response, message: str) -> None:
    client = _client(lambda request: response)
    with pytest.raises(StudioError, match=message):
        client.check_server()


def test_check_server_proves_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/version":
            return httpx.Response(200, json=VERSION)
        assert request.headers["Authorization"] == f"Token {TOKEN}"
        return httpx.Response(200, json=WHOAMI)

    client = _client(handler)
    assert client.check_server() == "1.23.2"
    assert client.whoami() == WHOAMI
    assert client.requests == 2


def test_paginate_does_not_stop_on_a_server_capped_page() -> None:
    items = list(range(25))

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        chunk = items[(page - 1) * 10 : page * 10]  # the server caps page_size at 10
        return httpx.Response(200, json={"total": len(items), "tasks": chunk})

    client = _client(handler)
    assert list(client.paginate("/api/tasks", key="tasks", params={}, page_size=100)) == items


def test_connection_precedence_and_unsafe_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    with pytest.raises(ConnectionSettingsError, match="no Label Studio server given"):
        resolve_connection()
    config = tmp_path / "partages-ls.toml"
    config.write_text(f'[label_studio]\nurl = "http://file.test"\napi_key = "{TOKEN}"\n')
    config.chmod(0o644)
    with pytest.raises(ConnectionSettingsError, match="chmod 600") as unsafe:
        resolve_connection()
    assert TOKEN not in str(unsafe.value)
    config.chmod(0o600)
    assert resolve_connection().url == "http://file.test"
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://env.test")
    assert resolve_connection().url == "http://env.test"
    assert resolve_connection(url="http://option.test").url == "http://option.test"
    with pytest.raises(ConnectionSettingsError, match="must not hold a user name or password"):
        Connection("http://user:pw@ls.test", TOKEN)
    assert json.dumps(str(resolve_connection())).find(TOKEN) == -1
