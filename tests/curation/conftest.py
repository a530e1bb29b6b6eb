"""Curation tests: a CU5b project on the session server with two annotators' sample annotations."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.studio.annotators import add_annotators
from partages_ls.studio.client import RetryPolicy, StudioClient
from partages_ls.studio.connection import Connection
from partages_ls.studio.importer import ImportOptions
from partages_ls.studio.projects import create_project, list_projects
from partages_ls.workflows.imports import import_sources

GUIDE = "reponse-traitement"
SAMPLE_ANNOTATORS = ("camille.martin@exemple.fr", "louis.bernard@exemple.fr")


@dataclass
class Campaign:
    client: StudioClient
    project: int
    annotators: list[str]
    extra_report: str


@pytest.fixture
def studio(ls_server: Any) -> Iterator[StudioClient]:
    """A client on the session server; projects created by the test are deleted afterwards."""
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
def campaign(studio: StudioClient, tmp_path: Path) -> Campaign:
    """The four CU5b sample reports annotated by two fresh annotators (the second skips one), plus a report
    nobody annotated. Users cannot be deleted in Community, hence fresh e-mails per test."""
    tag = uuid.uuid4().hex[:8]
    annotators = [f"anne.{tag}@exemple.fr", f"bruno.{tag}@exemple.fr"]
    samples = content_dir("samples") / GUIDE
    project = create_project(studio, _guide()).project.id
    reports = tmp_path / "reports"
    reports.mkdir()
    for path in sorted((samples / "reports").glob("*.txt")):
        (reports / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    extra = "ONCOLOGIE-09999_CRC"
    (reports / f"{extra}.txt").write_text("Compte rendu sans annotation.\n" * 3, encoding="utf-8")
    import_sources(studio, project, [reports], guides=content_dir("guides"))
    add_annotators(studio, project, annotators)
    for index, (email, sample) in enumerate(zip(annotators, SAMPLE_ANNOTATORS, strict=True)):
        items = json.loads((samples / "annotations" / f"{sample}.json").read_text(encoding="utf-8"))
        if index == 1:
            items = [i for i in items if i["report"] != "HEMATOLOGIE-00329_CRC"]  # a review task
        file = tmp_path / f"{email}.json"
        file.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        import_sources(
            studio, project, [file], ImportOptions(mode="annotations", annotator=email), guides=content_dir("guides")
        )
    return Campaign(studio, project, annotators, extra)


def _guide() -> Any:
    from partages_ls.guides.loader import load_guide

    return load_guide(GUIDE, content_dir("guides"))
