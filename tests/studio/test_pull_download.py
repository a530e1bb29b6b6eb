"""`pull` streams the snapshot: the task-by-task check of the file, and on the real server, Range and resume.

Label Studio 1.23.2 serves a snapshot download through ``RangedFileResponse``: a ``Range`` request
gets ``206`` and the asked bytes, so a download cut mid-way resumes instead of starting again.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partages_ls.content import content_dir
from partages_ls.exporters import task_stream
from partages_ls.guides.loader import load_guide
from partages_ls.studio import pull
from partages_ls.studio.client import RetryPolicy, StudioClient, StudioUnreachableError
from partages_ls.studio.connection import Connection
from partages_ls.studio.projects import create_project
from partages_ls.studio.pull import pull_project
from partages_ls.workflows.imports import import_sources

GUIDE = "infectiologie"
REPORTS = content_dir("samples") / GUIDE / "reports"

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
TASKS = st.lists(st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=4), max_size=8)


@settings(max_examples=150, deadline=None)
@given(tasks=TASKS, read=st.integers(1, 40), indent=st.sampled_from([None, 1]))
def test_the_snapshot_is_read_task_by_task_as_json_loads_reads_it(
    tasks: list[dict[str, Any]], read: int, indent: int | None
) -> None:
    raw = json.dumps(tasks, ensure_ascii=False, indent=indent).encode("utf-8")
    # Pull reads with the commands' reader; reads end anywhere: inside a string, a number, a character.
    original = pull.read_tasks
    pull.read_tasks = partial(task_stream.read_tasks, chunk_size=read)  # type: ignore[assignment]
    try:
        assert list(pull._read_tasks(io.BytesIO(raw), 7)) == json.loads(raw)
    finally:
        pull.read_tasks = original


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "project 7 is not JSON (export of project 7: byte 0: the file is empty)"),
        (
            b'{"tasks": []}',
            "project 7 is not a Label Studio task list (export of project 7: byte 0: expected a JSON list",
        ),
        (b'[{"id": 1}, {"id": 2', "project 7 is not JSON (export of project 7: byte 20 (task 1 of the list"),
        (b'[{"id": 1} {"id": 2}]', "project 7 is not JSON (export of project 7: byte 11: expected , or ] after task 0"),
        (
            b'[{"id": 1}] trailing',
            "project 7 is not JSON (export of project 7: byte 12: extra data after the closing ]",
        ),
        (b'[{"id": "\xff"}]', "project 7 is not UTF-8 JSON (export of project 7: byte 9 (task 0 of the list"),
        (b"[1, 2]", "project 7 is not a Label Studio task list (export of project 7: byte 1 (task 0 of the list"),
    ],
)
def test_a_snapshot_that_is_not_a_task_list_is_located(raw: bytes, message: str) -> None:
    with pytest.raises(pull.PullError) as caught:
        list(pull._read_tasks(io.BytesIO(raw), 7))
    assert message in str(caught.value) and str(caught.value).endswith("; run the command again")


def test_pull_has_no_json_reader_of_its_own() -> None:
    source = Path(pull.__file__).read_text(encoding="utf-8")
    assert "import json" not in source and "JSONDecoder" not in source and "iter_json_array" not in source


# --- on the real server ------------------------------------------------------------------------
class _CutDownloads(httpx.BaseTransport):
    """The real transport, except that the first ``cuts`` snapshot downloads drop after ``keep`` bytes."""

    def __init__(self, keep: int, cuts: int = 1) -> None:
        self.inner = httpx.HTTPTransport()
        self.keep, self.cuts = keep, cuts
        self.downloads: list[tuple[str | None, int, str | None]] = []  # (Range asked, status, Content-Range)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not request.url.path.endswith("/download"):
            return response
        self.downloads.append(
            (request.headers.get("range"), response.status_code, response.headers.get("content-range"))
        )
        if self.cuts <= 0:
            return response
        self.cuts -= 1
        stream = response.stream
        keep = self.keep

        class Cut(httpx.SyncByteStream):
            def __iter__(self) -> Iterator[bytes]:
                sent = 0
                for chunk in stream:  # type: ignore[union-attr]
                    if sent + len(chunk) >= keep:
                        yield chunk[: keep - sent]
                        raise httpx.RemoteProtocolError("connection cut by the test")
                    sent += len(chunk)
                    yield chunk

            def close(self) -> None:
                stream.close()  # type: ignore[union-attr]

        return httpx.Response(response.status_code, headers=response.headers, stream=Cut(), request=request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def project(studio: StudioClient) -> int:
    guide = load_guide(GUIDE, content_dir("guides"))
    created = create_project(studio, guide).project
    import_sources(studio, GUIDE, [REPORTS], guides=content_dir("guides"))
    return created.id


def _client(ls_server: Any, transport: httpx.BaseTransport) -> StudioClient:
    waits: list[float] = []
    retry = RetryPolicy(attempts=3, first_delay=0.01)
    return StudioClient(
        Connection(ls_server.url, ls_server.token), retry=retry, transport=transport, sleep=waits.append
    )


@pytest.mark.server
def test_label_studio_honours_range_on_the_snapshot_download(studio: StudioClient, project: int) -> None:
    created = studio.post(f"/api/projects/{project}/exports", {"title": "range probe"})
    path = f"/api/projects/{project}/exports/{created['id']}/download"
    try:
        whole = studio.request("GET", path, params={"exportType": "JSON"})
        assert whole.status_code == 200 and len(whole.content) > 100
        part = studio.request("GET", path, params={"exportType": "JSON"}, headers={"Range": "bytes=100-"})
        size = len(whole.content)
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 100-{size - 1}/{size}"
        assert part.content == whole.content[100:]
    finally:
        studio.delete(f"/api/projects/{project}/exports/{created['id']}")


@pytest.mark.server
def test_a_cut_download_resumes_where_it_stopped(
    studio: StudioClient, project: int, ls_server: Any, tmp_path: Path
) -> None:
    whole = pull_project(studio, project, tmp_path / "whole.json", guides=content_dir("guides"))
    transport = _CutDownloads(keep=1000)
    with _client(ls_server, transport) as client:
        resumed = pull_project(client, project, tmp_path / "resumed.json", guides=content_dir("guides"))
    size = whole.path.stat().st_size
    assert [(asked, status) for asked, status, _ in transport.downloads] == [(None, 200), ("bytes=1000-", 206)]
    assert transport.downloads[1][2] == f"bytes 1000-{size - 1}/{size}"
    # The same tasks as an uncut pull (the snapshots differ only by the time they were made at).
    assert json.loads(resumed.path.read_bytes()) == json.loads(whole.path.read_bytes())
    assert (resumed.tasks, resumed.record["guide"]) == (4, GUIDE)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "resumed.json",
        "resumed.json.meta.json",
        "whole.json",
        "whole.json.meta.json",
    ]
    assert studio.get(f"/api/projects/{project}/exports") == []


@pytest.mark.server
def test_a_download_that_keeps_failing_leaves_nothing_behind(
    studio: StudioClient, project: int, ls_server: Any, tmp_path: Path
) -> None:
    transport = _CutDownloads(keep=0, cuts=10)
    out = tmp_path / "pulls" / "export.json"
    with _client(ls_server, transport) as client, pytest.raises(StudioUnreachableError) as caught:
        pull_project(client, project, out, guides=content_dir("guides"))
    assert len(transport.downloads) == 3  # the retry policy's attempts
    assert "run the command again" in str(caught.value) and ls_server.token not in str(caught.value)
    assert list(out.parent.iterdir()) == []  # no half file, no record
    assert studio.get(f"/api/projects/{project}/exports") == []
