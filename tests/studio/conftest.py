"""Fixtures of the studio tests: a REST client on the session server, and projects cleaned up after each test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from partages_ls.studio.client import RetryPolicy, StudioClient
from partages_ls.studio.connection import Connection
from partages_ls.studio.projects import list_projects


@pytest.fixture
def studio(ls_server: Any) -> Iterator[StudioClient]:
    """A client on the session server; every project the test creates is deleted afterwards.

    Projects are found by their guide marker, so two left-over projects of one guide would make the
    next test's lookups ambiguous: hence the cleanup.
    """
    client = StudioClient(Connection(ls_server.url, ls_server.token), retry=RetryPolicy(attempts=3, first_delay=0.2))
    before = {p.id for p in list_projects(client)}
    try:
        yield client
    finally:
        for project in list_projects(client):
            if project.id not in before:
                client.delete(f"/api/projects/{project.id}")
        client.close()


@pytest.fixture
def emails() -> list[str]:
    """Two annotator e-mails unique to the test (users cannot be deleted in the Community edition)."""
    tag = uuid.uuid4().hex[:8]
    return [f"anne.{tag}@exemple.fr", f"bruno.{tag}@exemple.fr"]
