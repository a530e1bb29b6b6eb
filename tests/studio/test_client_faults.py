"""The client against a hostile or broken server (a real HTTP server on loopback, not Label Studio).

After a correct version check, the server answers with an HTML page, a redirect, truncated JSON,
a wrong-shaped answer, or never answers at all; it echoes the token in every encoding. Each gives a
clear message (no traceback), a bounded wait, and never the token.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus

import pytest

from partages_ls.studio.client import StudioAnswerError, StudioClient, StudioError, StudioUnreachableError
from partages_ls.studio.connection import Connection, ConnectionSettingsError

TOKEN = 'tok/en+with "odd" chars&<>=0123456789abcdef'
VERSION = {"release": "1.23.2"}
WHOAMI = {"id": 1, "email": "admin@exemple.fr"}

# What the fake server answers on /api/projects/1, by scenario (status, content type, body).
SCENARIOS: dict[str, tuple[int, str, bytes]] = {
    "html": (200, "text/html", b"<!doctype html><html><body>Sign in</body></html>"),
    "html-as-json": (200, "application/json", b"  <html>proxy</html>"),
    "redirect": (302, "text/plain", b""),
    "truncated": (200, "application/json", b'{"id": 1, "title": "Proj'),
    "list": (200, "application/json", b'[{"id": 1}]'),
    "no-id": (200, "application/json", b'{"title": "P"}'),
    "bare": (200, "application/json", b'"ok"'),
    "deep": (200, "application/json", b"[" * 100000),
    "echo": (400, "application/json", b""),
}


class _Handler(BaseHTTPRequestHandler):
    scenario = "html"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, kind: str, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/api/version":
            return self._send(200, "application/json", json.dumps(VERSION).encode())
        if self.path.startswith("/api/current-user/whoami"):
            return self._send(200, "application/json", json.dumps(WHOAMI).encode())
        status, kind, body = SCENARIOS[type(self).scenario]
        if type(self).scenario == "redirect":
            return self._send(
                status, kind, body, Location=f"http://login.example/?next=/&token={quote(TOKEN, safe='')}"
            )
        if type(self).scenario == "echo":
            echoed = {
                "raw": TOKEN,
                "url": quote(TOKEN, safe=""),
                "url_lower": quote(TOKEN, safe="").lower(),
                "plus": quote_plus(TOKEN),
                "json": json.dumps(TOKEN),
            }
            text = json.dumps(echoed) + " " + " ".join(echoed.values())
            return self._send(status, kind, text.encode("utf-8"))
        return self._send(status, kind, body)


@pytest.fixture
def fake_server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


MESSAGES = {
    "html": "HTML page instead of JSON",
    "html-as-json": "HTML page instead of JSON",
    "redirect": "answered with a redirect (HTTP 302",
    "truncated": "not complete JSON",
    "list": "is a list, not an object",
    "no-id": "has no field 'id'",
    "bare": "bare str",
    "deep": "not complete JSON",
}


@pytest.mark.parametrize("scenario", sorted(MESSAGES))
def test_a_broken_answer_after_the_version_check_is_a_clear_error(
    fake_server: tuple[str, type[_Handler]], scenario: str
) -> None:
    url, handler = fake_server
    handler.scenario = scenario
    with StudioClient(Connection(url, TOKEN)) as client:
        assert client.check_server() == "1.23.2"
        with pytest.raises(StudioError) as caught:
            project = client.get("/api/projects/1")
            int(project["id"])  # what the callers do with an answer
    assert MESSAGES[scenario] in str(caught.value)
    assert TOKEN not in str(caught.value) and quote(TOKEN, safe="") not in str(caught.value)


@pytest.mark.parametrize("scenario", ["html", "redirect", "truncated", "list", "no-id"])
def test_the_command_line_prints_a_message_not_a_traceback(
    fake_server: tuple[str, type[_Handler]], scenario: str
) -> None:
    url, handler = fake_server
    handler.scenario = scenario
    command = [sys.executable, "-m", "partages_ls", "status", "1", "--url", url, "--api-key", TOKEN]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("Error: ") and "Traceback" not in done.stderr
    assert MESSAGES[scenario] in done.stderr and TOKEN not in done.stderr + done.stdout


def test_the_token_is_redacted_in_every_form_the_server_echoes(fake_server: tuple[str, type[_Handler]]) -> None:
    url, handler = fake_server
    handler.scenario = "echo"
    with StudioClient(Connection(url, TOKEN)) as client, pytest.raises(StudioError) as caught:
        client.get("/api/projects/1")
    message = str(caught.value)
    forms = [TOKEN, quote(TOKEN, safe=""), quote(TOKEN, safe="").lower(), quote_plus(TOKEN), json.dumps(TOKEN)[1:-1]]
    assert [form for form in forms if form in message] == []
    assert message.count("***") >= 5


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def test_a_server_that_never_answers_fails_within_the_deadline(silent_server: str) -> None:
    started = time.monotonic()
    with (
        StudioClient(Connection(silent_server, TOKEN), deadline=3) as client,
        pytest.raises(StudioUnreachableError) as caught,
    ):
        client.get("/api/version")
    elapsed = time.monotonic() - started
    assert elapsed < 10, elapsed
    assert "gave up after" in str(caught.value) and "PARTAGES_LS_DEADLINE" in str(caught.value)


def test_the_deadline_is_configurable_and_checked(silent_server: str) -> None:
    environment = {**os.environ, "PARTAGES_LS_DEADLINE": "2"}
    command = [sys.executable, "-m", "partages_ls", "status", "1", "--url", silent_server, "--api-key", TOKEN]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment, check=False)
    assert time.monotonic() - started < 30
    assert done.returncode == 1 and "does not answer" in done.stderr and "Traceback" not in done.stderr
    environment["PARTAGES_LS_DEADLINE"] = "soon"
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment, check=False)
    assert done.returncode == 1 and "is not a number of seconds" in done.stderr


def test_answer_errors_behave_like_attribute_errors_for_probing_code(fake_server: tuple[str, type[_Handler]]) -> None:
    url, handler = fake_server
    handler.scenario = "list"
    with StudioClient(Connection(url, TOKEN)) as client:
        answer = client.get("/api/projects/1")
    assert not hasattr(answer, "items") and answer[0]["id"] == 1
    with pytest.raises(StudioAnswerError):
        answer.get("id")


@pytest.mark.parametrize("token", ["jeton-é", "tok\nen", "tok\x1b[31m"])
def test_a_token_that_cannot_be_sent_is_refused_clearly(token: str) -> None:
    with pytest.raises(ConnectionSettingsError, match="cannot be sent") as caught:
        Connection("http://127.0.0.1:9", token)
    assert token not in str(caught.value)
