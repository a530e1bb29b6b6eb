"""The server goes away in the middle of an import: nothing is lost, nothing is duplicated.

Each test runs its own persistent server (not the shared one) so that it can be stopped and
restarted on the same data folder.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.studio.client import RetryPolicy, StudioClient
from partages_ls.studio.connection import Connection
from partages_ls.studio.importer import ImportFailedError, ImportOptions
from partages_ls.studio.projects import create_project, list_tasks
from partages_ls.studio.server import LocalServer
from partages_ls.workflows.imports import import_sources

pytestmark = pytest.mark.server
COUNT = 300
CHUNK = 25


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    started = LocalServer(tmp_path / "ls").start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for number in range(COUNT):
        body = f"Compte rendu synthétique numéro {number}.\n" + "Le patient va bien. " * 40 + "\n"
        (folder / f"SYNTHESE-{number:05d}_CRH.txt").write_text(body, encoding="utf-8")
    return folder


def _client(server: LocalServer, retry: RetryPolicy) -> StudioClient:
    return StudioClient(Connection(server.url, server.token), retry=retry)


def _assert_exactly_once(client: StudioClient, project_id: int) -> None:
    counts = Counter(t["data"]["report"] for t in list_tasks(client, project_id))
    assert len(counts) == COUNT
    assert max(counts.values()) == 1


def test_a_stopped_server_stops_the_import_and_a_rerun_completes_it(server: LocalServer, reports: Path) -> None:
    fast_failure = RetryPolicy(attempts=3, first_delay=0.2, max_delay=0.4)
    client = _client(server, fast_failure)
    project = create_project(client, load_guide("infectiologie", content_dir("guides"))).project
    stopped: list[int] = []

    def stop_after_first_chunk(done: int, total: int) -> None:
        if done >= CHUNK and not stopped:
            stopped.append(done)
            server.stop()

    with client, pytest.raises(ImportFailedError) as failure:
        import_sources(
            client,
            project.id,
            [reports],
            ImportOptions(chunk_size=CHUNK),
            progress=stop_after_first_chunk,
            guides=content_dir("guides"),
        )
    message = str(failure.value)
    assert "does not answer" in message
    assert f"Done before it stopped: {CHUNK} task(s) created" in message
    assert "run the same command again" in message and server.token not in message

    server.start()  # same data folder, same port
    with _client(server, fast_failure) as client:
        rerun = import_sources(
            client, project.id, [reports], ImportOptions(chunk_size=CHUNK), guides=content_dir("guides")
        )
        assert (rerun.tasks_present, rerun.tasks_created) == (CHUNK, COUNT - CHUNK)
        _assert_exactly_once(client, project.id)
        again = import_sources(
            client, project.id, [reports], ImportOptions(chunk_size=CHUNK), guides=content_dir("guides")
        )
        assert (again.tasks_present, again.tasks_created) == (COUNT, 0)


def test_a_server_restarted_during_the_import_is_waited_for(server: LocalServer, reports: Path) -> None:
    patient = RetryPolicy(attempts=10, first_delay=0.5, max_delay=4.0, budget_seconds=60.0)
    client = _client(server, patient)
    project = create_project(client, load_guide("infectiologie", content_dir("guides"))).project
    restarter: list[threading.Thread] = []

    def restart() -> None:
        time.sleep(0.05)  # likely in the middle of the next import request
        server.stop()
        server.start()

    def restart_after_first_chunk(done: int, total: int) -> None:
        if done >= CHUNK and not restarter:
            restarter.append(threading.Thread(target=restart))
            restarter[0].start()

    with client:
        report = import_sources(
            client,
            project.id,
            [reports],
            ImportOptions(chunk_size=CHUNK),
            progress=restart_after_first_chunk,
            guides=content_dir("guides"),
        )
        restarter[0].join()
        assert report.resumed >= 1
        assert report.tasks_created == COUNT
        _assert_exactly_once(client, project.id)
