"""The streamed download against a faulty file server (a real HTTP server on loopback, not Label Studio).

The body is cut mid-way (with or without Range support), a 503 comes first, the range answered is
not the one asked for, the server never recovers, an error page echoes the token. Each ends with the
exact file or a clear error without the token, and the body is never held whole in memory.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from partages_ls.studio.client import RetryPolicy, StudioClient, StudioError, StudioUnreachableError
from partages_ls.studio.connection import Connection
from partages_ls.studio.download import download
from partages_ls.studio.pull import download_snapshot

TOKEN = "0123456789abcdef0123456789abcdef01234567"
PATH = "/api/projects/1/exports/7/download"
BODY = os.urandom(300_000)


@dataclass
class Script:
    """What the fake server does, request by request, and what it saw."""

    body: bytes = BODY
    cut_first: int | None = None  # bytes sent before the connection drops, on the first request
    ranges: bool = True  # honours Range
    statuses: list[int] = field(default_factory=list)  # statuses answered first, one per request
    wrong_range: bool = False  # answers a Range with another start
    seen: list[str | None] = field(default_factory=list)  # the Range header of each request
    snapshot_seconds: float = 0.0  # how long POST /exports takes to answer (the server making it)
    posts: int = 0
    deleted: list[str] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    script = Script()

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        script = type(self).script
        script.posts += 1
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(script.snapshot_seconds)
        answer = json.dumps({"id": 7, "status": "completed"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # the client may have given up meanwhile
            self.wfile.write(answer)

    def do_DELETE(self) -> None:
        type(self).script.deleted.append(self.path)
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:
        script = type(self).script
        script.seen.append(self.headers.get("Range"))
        if script.statuses:
            status = script.statuses.pop(0)
            page = f"error; token {TOKEN}".encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        body, start = script.body, 0
        asked = self.headers.get("Range")
        if asked and script.ranges:
            start = int(asked.removeprefix("bytes=").rstrip("-"))
            shown = start + 1 if script.wrong_range else start
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {shown}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        part = memoryview(body)[start:]  # no copy: the test measures the client's memory
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(part)))
        self.end_headers()
        if len(script.seen) == 1 and script.cut_first is not None:
            self.wfile.write(part[: script.cut_first])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(part)


@pytest.fixture
def served() -> Iterator[tuple[StudioClient, Script]]:
    handler = type("Handler", (_Handler,), {"script": Script()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    waits: list[float] = []
    client = StudioClient(
        Connection(f"http://127.0.0.1:{server.server_address[1]}", TOKEN),
        retry=RetryPolicy(attempts=4, first_delay=0.01),
        timeout=10.0,
        sleep=waits.append,
    )
    try:
        yield client, handler.script
    finally:
        client.close()
        server.shutdown()
        server.server_close()


def _download(client: StudioClient) -> bytes:
    handle = io.BytesIO()
    size = download(client, PATH, handle)
    assert size == len(handle.getvalue())
    return handle.getvalue()


def test_a_body_cut_midway_is_resumed_with_a_range_request(served: tuple[StudioClient, Script]) -> None:
    client, script = served
    script.cut_first = 100_000
    assert _download(client) == BODY
    assert script.seen == [None, "bytes=100000-"]


def test_a_server_without_ranges_makes_the_download_restart_cleanly(served: tuple[StudioClient, Script]) -> None:
    client, script = served
    script.cut_first, script.ranges = 100_000, False
    assert _download(client) == BODY  # the first 100,000 bytes are not kept twice
    assert script.seen == [None, "bytes=100000-"]


def test_a_range_answered_from_another_offset_restarts_the_download(served: tuple[StudioClient, Script]) -> None:
    client, script = served
    script.cut_first, script.wrong_range = 100_000, True
    # The 206 for another offset is dropped with what was kept; the next attempt asks for the whole file.
    assert _download(client) == BODY
    assert script.seen == [None, "bytes=100000-", None]


def test_a_503_then_success_is_retried(served: tuple[StudioClient, Script]) -> None:
    client, script = served
    script.statuses = [503, 502]
    assert _download(client) == BODY
    assert script.seen == [None, None, None]


def test_a_server_that_stays_unavailable_is_a_clear_error_without_the_token(
    served: tuple[StudioClient, Script],
) -> None:
    client, script = served
    script.statuses = [503] * 10
    with pytest.raises(StudioUnreachableError) as caught:
        _download(client)
    message = str(caught.value)
    assert "HTTP 503" in message and "0 bytes received" in message and "run the command again" in message
    assert TOKEN not in message
    assert len(script.seen) == 4  # the retry policy's attempts, no more


def test_an_error_page_is_not_retried_and_its_token_is_redacted(served: tuple[StudioClient, Script]) -> None:
    client, script = served
    script.statuses = [404]
    with pytest.raises(StudioError) as caught:
        _download(client)
    assert caught.value.status == 404 and TOKEN not in str(caught.value)
    assert len(script.seen) == 1


def test_the_body_is_never_held_whole_in_memory(served: tuple[StudioClient, Script]) -> None:
    client, script = served
    script.body = b"x" * (48 << 20)
    script.cut_first = 20 << 20

    class Sink(io.RawIOBase):
        """A file that keeps only the byte count (so the test's own buffer does not count)."""

        size = 0

        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            self.size += len(data)
            return len(data)

        def seekable(self) -> bool:
            return True

        def seek(self, offset: int, whence: int = 0) -> int:
            return 0

        def truncate(self, size: int | None = None) -> int:
            self.size = 0
            return 0

    sink = Sink()
    tracemalloc.start()
    try:
        size = download(client, PATH, sink)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == sink.size == 48 << 20
    assert peak < 8 << 20, f"peak {peak / 1e6:.1f} MB of Python allocations for a 48 MB download"


def test_a_slow_snapshot_is_waited_for_once_not_made_again(served: tuple[StudioClient, Script]) -> None:
    client, script = served
    client.timeout = 0.5  # an ordinary call's limit: making the snapshot takes longer
    script.snapshot_seconds = 1.5
    handle = io.BytesIO()
    size = download_snapshot(client, 1, handle, timeout=30.0, poll=0.01, sleep=lambda _: None)
    assert size == len(BODY) and handle.getvalue() == BODY
    assert script.posts == 1 and script.deleted == ["/api/projects/1/exports/7"]


def test_a_snapshot_slower_than_the_pull_timeout_is_not_made_twice(served: tuple[StudioClient, Script]) -> None:
    client, script = served
    script.snapshot_seconds = 1.5
    with pytest.raises(StudioUnreachableError, match="gave up after 1 s") as caught:
        download_snapshot(client, 1, io.BytesIO(), timeout=1.0, poll=0.01, sleep=lambda _: None)
    assert script.posts == 1 and TOKEN not in str(caught.value)
