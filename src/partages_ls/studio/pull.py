"""`partages-ls pull`: a project's full raw JSON export, with annotator e-mails, and its record.

Uses the snapshot API (``POST /api/projects/{id}/exports`` with ``completed_by`` expanded, poll,
download ``exportType=JSON``): the legacy export endpoint gives user ids, not e-mails. The download
is streamed to a temporary file beside the target (never whole in memory), retried and resumed on
transient faults (:mod:`partages_ls.studio.download`), checked to be a JSON task list task by task,
then renamed into place; it never replaces an existing file without ``overwrite``. Beside it goes
the pull record (:mod:`partages_ls.pull_record`), which `partages-ls export` reads to know the guide.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from partages_ls.errors import DiagnosticError, PartagesError
from partages_ls.exporters.output import OutputExistsError
from partages_ls.exporters.task_stream import read_tasks
from partages_ls.io import open_atomic
from partages_ls.pull_record import new_record, sidecar_path, write_sidecar
from partages_ls.studio.client import StudioClient, StudioError
from partages_ls.studio.download import download
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


def download_snapshot(
    client: StudioClient,
    project_id: int,
    handle: IO[bytes],
    *,
    timeout: float,
    poll: float,
    sleep: Callable[[float], None],
) -> int:
    """Have the server make a snapshot of the project, stream it into ``handle``; its size in bytes."""
    # Label Studio makes the snapshot before it answers (minutes on a large project). Not repeated
    # on a timeout: each attempt would make one more snapshot that nobody deletes.
    created = client.post(
        f"/api/projects/{project_id}/exports",
        {"title": "partages-ls pull", "serialization_options": SERIALIZATION_OPTIONS},
        retry=False,
        wait=timeout,
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
        path = f"/api/projects/{project_id}/exports/{export_id}/download"
        return download(client, path, handle, params={"exportType": "JSON"})
    finally:
        with contextlib.suppress(StudioError):  # snapshots accumulate on the server otherwise
            client.delete(f"/api/projects/{project_id}/exports/{export_id}")


def pull_targets(out: Path, *, overwrite: bool) -> Path:
    """The record's path beside ``out``, once neither would overwrite anything without ``overwrite``."""
    sidecar = sidecar_path(out)
    if out.is_dir():
        raise OutputExistsError(f"{out} is a folder; give a file name such as {out / 'export.json'}")
    if not overwrite:
        for path in (out, sidecar):
            if path.exists():
                raise OutputExistsError(f"{path} exists; choose another -o or pass --overwrite to replace it")
    return sidecar


def _read_tasks(handle: IO[bytes], project_id: int) -> Iterator[dict[str, Any]]:
    """The tasks of a downloaded snapshot, one at a time, with a clear error when it is not a JSON task list.

    The reader is the one every command uses (:func:`~partages_ls.exporters.task_stream.read_tasks`).
    """
    handle.seek(0)
    try:
        yield from read_tasks(handle, Path(f"export of project {project_id}"))
    except DiagnosticError as exc:
        found = "; ".join(f"{d.location}: {d.message}" for d in exc.diagnostics)
        what = exc.summary.removeprefix("the export ")
        raise PullError(f"the export of project {project_id} {what} ({found}); run the command again") from None


@contextlib.contextmanager
def snapshot_file(
    client: StudioClient,
    project_id: int,
    *,
    timeout: float = 600.0,
    poll: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Iterator[dict[str, Any]]]:
    """A project's raw JSON export, downloaded to a temporary file, as its tasks one at a time."""
    with tempfile.TemporaryFile() as handle:
        download_snapshot(client, project_id, handle, timeout=timeout, poll=poll, sleep=sleep)
        yield _read_tasks(handle, project_id)


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
    pull_targets(out, overwrite=overwrite)
    resolved = resolve_project(client, project)
    guide = resolved.guide(guides) if resolved.guide_name else None
    tasks = annotations = 0
    with open_atomic(out) as handle:
        download_snapshot(client, resolved.id, handle, timeout=timeout, poll=poll, sleep=sleep)
        for task in _read_tasks(handle, resolved.id):
            tasks += 1
            annotations += len(task.get("annotations") or []) if isinstance(task, dict) else 0
    record = new_record(
        guide=resolved.guide_name,
        guide_version=resolved.guide_version or (guide.version if guide else None),
        project_id=resolved.id,
        project_title=resolved.title,
        server=client.url,
        tasks=tasks,
        annotations=annotations,
    )
    return PullResult(out, write_sidecar(out, record), record)
