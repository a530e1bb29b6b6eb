"""Fixtures of the pre-annotation tests: a client on the session server (projects deleted after
each test) and the ML backend served from a thread on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.predict.backend import SuggestionService, make_server
from partages_ls.studio.client import RetryPolicy, StudioClient
from partages_ls.studio.connection import Connection
from partages_ls.studio.projects import list_projects


@pytest.fixture
def studio(ls_server: Any) -> Iterator[StudioClient]:
    client = StudioClient(Connection(ls_server.url, ls_server.token), retry=RetryPolicy(attempts=3, first_delay=0.2))
    before = {p.id for p in list_projects(client)}
    try:
        yield client
    finally:
        for project in list_projects(client):
            if project.id not in before:
                client.delete(f"/api/projects/{project.id}")
        client.close()


class Backend:
    """A running backend: its URL, its service (to look at what it learned) and its request log."""

    def __init__(self) -> None:
        self.service = SuggestionService(content_dir("guides"))
        self.requests: list[str] = []
        self.server = make_server("127.0.0.1", 0, service=self.service, log=self.requests.append)
        host, port = self.server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def paths(self) -> list[str]:
        return [line.split('"')[1].split()[1] for line in self.requests if '"' in line]


@pytest.fixture
def backend() -> Iterator[Backend]:
    running = Backend()
    running.thread.start()
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()
