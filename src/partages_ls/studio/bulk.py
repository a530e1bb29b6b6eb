"""Bulk imports into a project: many items per POST, each POST sent once, progress reported.

Label Studio's import endpoints (``/api/projects/{id}/import`` for tasks, ``…/import/predictions``)
take a list per request. An import POST is never retried blindly (a repeated POST would duplicate
what the first one stored): a transport fault (:class:`~partages_ls.studio.client.StudioUnreachableError`)
reaches the caller, which re-reads the project and sends only what is still missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from partages_ls.studio.client import StudioClient

ProgressFn = Callable[[int, int], None]
Item = TypeVar("Item")


def chunked(
    items: Sequence[Item], size: int, max_bytes: int | None = None, weigh: Callable[[Item], int] | None = None
) -> Iterator[list[Item]]:
    """``items`` in order, at most ``size`` per chunk and, when ``weigh`` is given, about ``max_bytes``."""
    chunk: list[Item] = []
    weight = 0
    for item in items:
        cost = weigh(item) if weigh is not None else 0
        if chunk and (len(chunk) >= size or (max_bytes is not None and weight + cost > max_bytes)):
            yield chunk
            chunk, weight = [], 0
        chunk.append(item)
        weight += cost
    if chunk:
        yield chunk


def post_chunks(
    client: StudioClient,
    path: str,
    chunks: Iterable[list[dict[str, Any]]],
    *,
    total: int,
    done: int = 0,
    progress: ProgressFn | None = None,
    stored: Callable[[list[dict[str, Any]], Any], None] | None = None,
) -> int:
    """POST each chunk to ``path`` once (``retry=False``); ``stored(chunk, answer)`` after each.

    ``progress(done, total)`` is called before the first POST and after each one; ``done`` counts
    the items sent by an earlier step of the same run. Returns the new count.
    """
    if progress:
        progress(done, total)
    for chunk in chunks:
        answer = client.post(path, chunk, retry=False)
        if stored is not None:
            stored(chunk, answer)
        done += len(chunk)
        if progress:
            progress(done, total)
    return done
