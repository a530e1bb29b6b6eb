"""`partages-ls pull`: a project's full raw JSON export, with annotator e-mails, and its record.

Uses the snapshot API (``POST /api/projects/{id}/exports`` with ``completed_by`` expanded, poll,
download ``exportType=JSON``): the legacy export endpoint gives user ids, not e-mails. The file is
written atomically and never over an existing one without ``overwrite``; beside it,
``FILE.json.meta.json`` records the guide, the project and the server (never the token), which
`partages-ls export` reads to know the guide.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from partages_ls.errors import PartagesError
from partages_ls.exporters.labelstudio.read import SIDECAR_SUFFIX
from partages_ls.exporters.output import OutputExistsError
from partages_ls.io import write_bytes_atomic, write_text_atomic
from partages_ls.studio.client import StudioClient, StudioError
from partages_ls.studio.projects import resolve_project

# Predictions in full (result, model_version), not as ids: the export keeps the pre-annotations.
SERIALIZATION_OPTIONS = {"annotations__completed_by": {"only_id": False}, "predictions": {"only_id": False}}


class PullError(PartagesError):
    """The server could not produce the export, or it is not a task list."""


@dataclass
class PullResult:
    """Where the export went and what it holds."""

    path: Path
    record_path: Path
    record: dict[str, Any]

    @property
    def tasks(self) -> int:
        return int(self.record["tasks"])

    @property
    def annotations(self) -> int:
        return int(self.record["annotations"])


def record_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def download_snapshot(
    client: StudioClient, project_id: int, *, timeout: float, poll: float, sleep: Callable[[float], None]
) -> bytes:
    created = client.post(
        f"/api/projects/{project_id}/exports",
        {"title": "partages-ls pull", "serialization_options": SERIALIZATION_OPTIONS},
    )
    export_id = created["id"]
    try:
        deadline = time.monotonic() + timeout
        state = created
        while state.get("status") not in ("completed", "failed"):
            if time.monotonic() > deadline:
                raise PullError(f"the export of project {project_id} was not ready after {timeout:.0f} s; run again")
            sleep(poll)
            state = client.get(f"/api/projects/{project_id}/exports/{export_id}")
        if state.get("status") == "failed":
            raise PullError(f"Label Studio failed to export project {project_id}; see the server log")
        response = client.request(
            "GET", f"/api/projects/{project_id}/exports/{export_id}/download", params={"exportType": "JSON"}
        )
        return response.content
    finally:
        with contextlib.suppress(StudioError):  # snapshots accumulate on the server otherwise
            client.delete(f"/api/projects/{project_id}/exports/{export_id}")


def pull_targets(out: Path, *, overwrite: bool) -> Path:
    """The record's path beside ``out``, once neither would overwrite anything without ``overwrite``."""
    sidecar = record_path(out)
    if out.is_dir():
        raise OutputExistsError(f"{out} is a folder; give a file name such as {out / 'export.json'}")
    if not overwrite:
        for path in (out, sidecar):
            if path.exists():
                raise OutputExistsError(f"{path} exists; choose another -o or pass --overwrite to replace it")
    return sidecar


def snapshot_tasks(
    client: StudioClient,
    project_id: int,
    *,
    timeout: float = 600.0,
    poll: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bytes, list[Any]]:
    """A project's raw JSON export, as downloaded and as its task list."""
    data = download_snapshot(client, project_id, timeout=timeout, poll=poll, sleep=sleep)
    try:
        tasks = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PullError(f"the export of project {project_id} is not JSON: {exc}") from None
    if not isinstance(tasks, list):
        raise PullError(f"the export of project {project_id} is not a task list")
    return data, tasks


def pull_project(
    client: StudioClient,
    project: str | int,
    out: Path,
    *,
    guides: Path,
    overwrite: bool = False,
    timeout: float = 600.0,
    poll: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> PullResult:
    """Download the project's raw JSON export to ``out`` and write its record beside it.

    The guide version recorded, when the project does not state it, is the one in ``guides``.
    """
    sidecar = pull_targets(out, overwrite=overwrite)
    resolved = resolve_project(client, project)
    guide = resolved.guide(guides) if resolved.guide_name else None
    data, tasks = snapshot_tasks(client, resolved.id, timeout=timeout, poll=poll, sleep=sleep)
    record = {
        "guide": resolved.guide_name,
        "guide_version": resolved.guide_version or (guide.version if guide else None),
        "project_id": resolved.id,
        "project_title": resolved.title,
        "server": client.url,
        "pulled_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tasks": len(tasks),
        "annotations": sum(len(t.get("annotations") or []) for t in tasks if isinstance(t, dict)),
    }
    write_bytes_atomic(out, data)
    write_text_atomic(sidecar, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return PullResult(out, sidecar, record)
