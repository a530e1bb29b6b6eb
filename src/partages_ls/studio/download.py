"""A file from the server to disk, streamed, retried and resumed.

The body goes chunk by chunk into an open file, never whole in memory. A transient fault (connection
reset or cut mid-body, timeout, HTTP 502-504) is retried with the client's backoff; the next attempt
asks for the rest only (``Range: bytes=N-``) and keeps what was received when the server answers
``206`` with a matching ``Content-Range``. A server that ignores the range (``200``) or answers with
another size makes the download restart cleanly from the first byte. Label Studio 1.23.2 serves its
export snapshots through ``RangedFileResponse`` and honours the range (see the tests).
"""

from __future__ import annotations

import re
from typing import IO, Any

import httpx

from partages_ls.studio.client import TRANSIENT_STATUS, StudioClient, StudioError, StudioUnreachableError

_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


class _Transient(Exception):
    """An attempt that may succeed if repeated."""


def _expected_size(response: httpx.Response, received: int) -> int | None:
    """The whole file's size this answer announces, or None when it does not say."""
    if response.status_code == 206:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", "").strip())
        if match is None or int(match[1]) != received or match[3] == "*":
            return None
        return int(match[3])
    length = response.headers.get("content-length", "")
    return int(length) if length.isdigit() else None


def download(client: StudioClient, path: str, handle: IO[bytes], *, params: dict[str, Any] | None = None) -> int:
    """Stream ``GET path`` into ``handle`` (a new, empty, seekable binary file); the number of bytes.

    Each attempt that brings new bytes renews the retry budget, so a long download over a flaky
    link progresses; attempts that bring nothing spend it, then :class:`StudioUnreachableError`.
    """
    delays = client.retry.delays()
    received = 0  # bytes in ``handle``, all belonging to the file of size ``total``
    best = 0  # the most bytes ever held: progress renews the retry budget
    total: int | None = None
    while True:
        headers = {"Range": f"bytes={received}-"} if received else {}
        try:
            with client.stream("GET", path, params=params, headers=headers) as response:
                status = response.status_code
                if status in TRANSIENT_STATUS:
                    raise _Transient(f"HTTP {status}")
                if status == 416 and received and received == total:
                    return received  # everything was already there
                if status not in (200, 206):
                    response.read()  # small error page, for the message
                    client.raise_for_status("GET", path, response)
                    raise StudioError(f"GET {path}: unexpected HTTP {status} for a download", status=status)
                announced = _expected_size(response, received)
                resumed = status == 206 and announced is not None and announced == (total or announced)
                if not resumed:  # a fresh whole body: the range was ignored, refused or odd
                    handle.seek(0)
                    handle.truncate()
                    received = 0
                    announced = _expected_size(response, 0) if status == 200 else None
                    if status != 200:
                        raise _Transient(f"HTTP 206 for another range ({response.headers.get('content-range')})")
                total = announced
                for chunk in response.iter_bytes():  # as it arrives: a cut loses nothing received
                    handle.write(chunk)
                    received += len(chunk)
            if total is not None and received < total:
                raise _Transient(f"the body ended after {received} of {total} bytes")
            if total is not None and received > total:
                raise StudioError(f"GET {path}: the server sent {received} bytes but announced {total}")
            handle.flush()
            return received
        except (httpx.TransportError, _Transient) as exc:
            if received > best:
                best, delays = received, client.retry.delays()
            delay = next(delays, None)
            if delay is None:
                what = str(exc) if isinstance(exc, _Transient) else type(exc).__name__
                raise StudioUnreachableError(
                    f"the download of {path} from {client.url} failed ({what}, {received} bytes received); "
                    "run the command again"
                ) from None
            client.pause(delay)
