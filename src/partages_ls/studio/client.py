"""A small REST client for Label Studio: retries with backoff, clear errors, counted requests.

We speak to the server's REST API directly with httpx rather than through label-studio-sdk (an
optional extra): the SDK's client retries any 5xx, 408, 409 and 429 answer of any method, so a
project import would be repeated blindly, and has no overall deadline; we need bounded retries that
never repeat a non-idempotent call, request counting for the benchmarks and a guarantee that the
token never leaks into messages. Its import also loads pandas, for calls this module makes in a few lines.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from partages_ls.errors import PartagesError
from partages_ls.studio.connection import Connection

MINIMUM_VERSION = (1, 20)
TRANSIENT_STATUS = {502, 503, 504}
DEADLINE_VARIABLE = "PARTAGES_LS_DEADLINE"
DEFAULT_DEADLINE = 120.0  # seconds for one call, all attempts included
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class StudioError(PartagesError):
    """The server refused or could not be reached; the message says what to do."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class StudioUnreachableError(StudioError):
    """No usable answer (connection fault, timeout, 502-504) after the retry budget was spent.

    For a POST this is ambiguous: the server may or may not have applied it.
    """


class StudioAnswerError(StudioError, AttributeError, TypeError):
    """The server answered, but not with what Label Studio answers (HTML, a redirect, bad JSON,
    a list where an object is expected, a missing field). Also an AttributeError/TypeError so that
    code probing an answer (``hasattr``) behaves as with plain values."""


def _answer_error(where: str, what: str) -> StudioAnswerError:
    return StudioAnswerError(
        f"{where}: {what}; is the URL the Label Studio server's root (e.g. http://localhost:8080)?"
    )


class Answer(dict[str, Any]):
    """A JSON object from the server: a missing field is a clear :class:`StudioAnswerError`."""

    def __init__(self, pairs: list[tuple[str, Any]], where: str) -> None:
        super().__init__(pairs)
        self.where = where

    def __missing__(self, key: str) -> Any:
        raise _answer_error(self.where, f"the answer has no field {key!r}")


class AnswerList(list[Any]):
    """A JSON list from the server: used as an object, it is a clear :class:`StudioAnswerError`."""

    def __init__(self, items: list[Any], where: str) -> None:
        super().__init__(items)
        self.where = where

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, str):
            raise _answer_error(self.where, f"the answer is a list, not an object with field {index!r}")
        return super().__getitem__(index)

    def __getattr__(self, name: str) -> Any:
        raise _answer_error(self.where, f"the answer is a list, not an object (no {name})")


def _deadline_seconds() -> float:
    """Total time one call may take, retries included (``PARTAGES_LS_DEADLINE``, seconds)."""
    raw = os.environ.get(DEADLINE_VARIABLE, "")
    try:
        value = float(raw) if raw else DEFAULT_DEADLINE
    except ValueError:
        raise StudioError(f"{DEADLINE_VARIABLE}={raw!r} is not a number of seconds") from None
    if not 0 < value <= 86400:
        raise StudioError(f"{DEADLINE_VARIABLE}={raw!r}: give a number of seconds between 1 and 86400")
    return value


@dataclass
class RetryPolicy:
    """Exponential backoff for transient faults, bounded in attempts and total time."""

    attempts: int = 6
    first_delay: float = 0.5
    max_delay: float = 8.0
    budget_seconds: float = 60.0

    def delays(self) -> Iterator[float]:
        delay, spent = self.first_delay, 0.0
        for _ in range(self.attempts - 1):
            if spent + delay > self.budget_seconds:
                return
            yield delay
            spent += delay
            delay = min(delay * 2, self.max_delay)


class StudioClient:
    """Authenticated JSON calls to one Label Studio server."""

    def __init__(
        self,
        connection: Connection,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        deadline: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.connection = connection
        self.retry = retry or RetryPolicy()
        self.deadline = deadline if deadline is not None else _deadline_seconds()
        self.timeout = timeout
        self.requests = 0
        self._sleep = sleep
        self._whoami: dict[str, Any] | None = None
        self._http = httpx.Client(
            base_url=connection.url,
            headers={
                "Authorization": f"Token {connection.api_key}",
                "Accept": "application/json",
                "User-Agent": "partages-ls",
            },
            timeout=httpx.Timeout(timeout, connect=10.0),
            follow_redirects=False,
            transport=transport,
            # Proxy variables apply to remote servers only: a loopback server must never go through one.
            trust_env=urlsplit(connection.url).hostname not in LOOPBACK,
        )

    def __repr__(self) -> str:
        return f"StudioClient({self.connection.url!r}, requests={self.requests})"

    @property
    def url(self) -> str:
        return self.connection.url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> StudioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport -----------------------------------------------------------------------
    def request(
        self, method: str, path: str, *, retry: bool = True, wait: float | None = None, **kwargs: Any
    ) -> httpx.Response:
        """One call, retried on connection faults, timeouts and 502-504 while the budget lasts.

        ``retry=False`` for calls that must not be repeated blindly (a repeated import duplicates):
        the first fault then raises :class:`StudioUnreachableError` and the caller re-reads the state.
        ``wait`` (seconds) replaces the deadline and the per-attempt timeout for a call known to be
        slow on a large project (the server making an export snapshot before it answers).
        """
        delays = self.retry.delays() if retry else iter(())
        budget = self.deadline if wait is None else wait
        end = time.monotonic() + budget
        while True:
            self.requests += 1
            left = end - time.monotonic()
            try:
                if left <= 0:
                    raise httpx.TimeoutException("deadline")
                attempt = min(self.timeout if wait is None else wait, left)
                timeout = httpx.Timeout(attempt, connect=min(10.0, attempt))
                response = self._http.request(method, path, timeout=timeout, **kwargs)
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                delay = next(delays, None)
                if delay is None or time.monotonic() + delay >= end:
                    spent = budget - max(end - time.monotonic(), 0)
                    limit = f"; {DEADLINE_VARIABLE} sets the limit" if wait is None else ""
                    raise StudioUnreachableError(
                        f"Label Studio at {self.url} does not answer ({type(exc).__name__} on {method} {path}, "
                        f"gave up after {spent:.0f} s{limit}); "
                        "is the server running? Check the URL, then run the command again "
                        "(it resumes where it stopped)"
                    ) from None
                self._sleep(delay)
                continue
            if response.status_code in TRANSIENT_STATUS:
                delay = next(delays, None)
                if delay is not None and time.monotonic() + delay < end:
                    self._sleep(delay)
                    continue
                raise StudioUnreachableError(
                    f"Label Studio at {self.url} is unavailable (HTTP {response.status_code} on {method} {path}); "
                    "run the command again later (it resumes where it stopped)",
                    status=response.status_code,
                )
            self._raise_for_status(method, path, response)
            return response

    @contextlib.contextmanager
    def stream(self, method: str, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """One call whose body the caller reads chunk by chunk (a download), counted but not retried:
        the caller decides what a fault means (see :mod:`partages_ls.studio.download`)."""
        self.requests += 1
        with self._http.stream(method, path, **kwargs) as response:
            yield response

    def pause(self, seconds: float) -> None:
        """Wait between two attempts (the injected ``sleep``, so tests need not wait)."""
        self._sleep(seconds)

    def raise_for_status(self, method: str, path: str, response: httpx.Response) -> None:
        """A clear :class:`StudioError` for a redirect or an error status (never showing the token)."""
        self._raise_for_status(method, path, response)

    def _raise_for_status(self, method: str, path: str, response: httpx.Response) -> None:
        status = response.status_code
        if 300 <= status < 400:
            where = self.connection.redact(response.headers.get("location", "?"))
            raise StudioAnswerError(
                f"{method} {path}: the server answered with a redirect (HTTP {status} to {where}); "
                "give the URL it redirects to, the Label Studio server's root",
                status=status,
            )
        if status < 400:
            return
        if status in (401, 403):
            raise StudioError(
                f"Label Studio at {self.url} refused the API token ({status}); "
                "copy the token from Account & Settings and set LABEL_STUDIO_API_KEY",
                status=status,
            )
        html = "html" in response.headers.get("content-type", "")
        body = "(an HTML page)" if html else self.connection.redact(response.text[:500])
        if status == 404:
            raise StudioError(f"{method} {path}: not found (404) on {self.url}: {body}", status=status)
        raise StudioError(f"{method} {path} failed with HTTP {status}: {body}", status=status)

    def decode(self, method: str, path: str, response: httpx.Response) -> Any:
        """The JSON of an answer, or a clear error for an HTML page, truncated JSON or a bare value.

        Objects come back as :class:`Answer` and a top-level list as :class:`AnswerList`, so that a
        wrong-shaped answer used by a caller gives a message, not a traceback.
        """
        where = f"{method} {path} on {self.url}"
        kind = response.headers.get("content-type", "")
        if "html" in kind or response.content.lstrip()[:1] == b"<":
            raise _answer_error(where, "the server answered with an HTML page instead of JSON (a proxy or login page?)")
        try:
            data = json.loads(response.content, object_pairs_hook=lambda pairs: Answer(pairs, where))
        except (ValueError, RecursionError) as exc:
            shown = self.connection.redact(str(exc))[:200]
            raise _answer_error(where, f"the answer is not complete JSON ({shown}); run the command again") from None
        if isinstance(data, list):
            return AnswerList(data, where)
        if not isinstance(data, dict):
            raise _answer_error(where, f"the answer is a bare {type(data).__name__}, not a JSON object or list")
        return data

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.decode("GET", path, self.request("GET", path, **kwargs))

    def post(self, path: str, payload: Any, **kwargs: Any) -> Any:
        response = self.request("POST", path, json=payload, **kwargs)
        return self.decode("POST", path, response) if response.content else None

    def patch(self, path: str, payload: Any, **kwargs: Any) -> Any:
        return self.decode("PATCH", path, self.request("PATCH", path, json=payload, **kwargs))

    def delete(self, path: str, **kwargs: Any) -> None:
        self.request("DELETE", path, **kwargs)

    # --- checks ----------------------------------------------------------------------------
    def check_server(self) -> str:
        """The server's version; clear errors for a wrong URL, a non-Label-Studio server or an old one."""
        try:
            info = self.get("/api/version")
        except StudioError as exc:
            if exc.status == 404:
                raise StudioError(
                    f"{self.url} is not a Label Studio server (no /api/version); check the URL", status=404
                ) from None
            raise
        if not isinstance(info, dict):
            raise StudioError(f"{self.url} answered /api/version with something else; is it Label Studio?")
        package = info.get("label-studio-os-package")
        release = str(info.get("release") or (package.get("version") if isinstance(package, dict) else "") or "")
        parts = tuple(int(p) for p in release.split(".")[:2] if p.isdigit())
        if len(parts) < 2 or parts < MINIMUM_VERSION:
            wanted = ".".join(map(str, MINIMUM_VERSION))
            raise StudioError(f"Label Studio {release or '?'} is too old: partages-ls needs {wanted} or newer")
        try:
            self.whoami()  # proves the token before any real work
        except StudioError as exc:
            if exc.status == 404:
                raise StudioError(
                    f"{self.url} does not serve the Label Studio API (no /api/current-user/whoami); "
                    "check the URL: it must be the server's root, e.g. http://localhost:8080",
                    status=404,
                ) from None
            raise
        return release

    def whoami(self) -> dict[str, Any]:
        """The user the token belongs to (cached)."""
        if self._whoami is None:
            data = self.get("/api/current-user/whoami")
            if not isinstance(data, dict):
                raise StudioError(f"{self.url}: unexpected answer to /api/current-user/whoami")
            self._whoami = data
        return self._whoami

    def paginate(self, path: str, *, key: str, params: dict[str, Any], page_size: int = 500) -> Iterator[Any]:
        """Every item of a paginated list endpoint (``page``/``page_size``).

        Stops on the server's own end markers (``next`` empty, ``total``/``count`` reached) rather
        than on a short page alone, so a server that caps ``page_size`` still yields everything.
        """
        page, seen = 1, 0
        while True:
            try:
                data = self.get(path, params={**params, "page": page, "page_size": page_size})
            except StudioError as exc:
                if exc.status == 404 and page > 1:  # past the last page
                    return
                raise
            items = data.get(key, []) if isinstance(data, dict) else data
            if not isinstance(items, list):
                raise StudioError(f"GET {path}: unexpected answer (no list under {key!r})")
            yield from items
            seen += len(items)
            if not items or not isinstance(data, dict):
                return
            total = data.get("total", data.get("count"))
            if "next" in data and not data["next"]:
                return
            if isinstance(total, int) and seen >= total:
                return
            if not isinstance(total, int) and "next" not in data and len(items) < page_size:
                return
            page += 1
