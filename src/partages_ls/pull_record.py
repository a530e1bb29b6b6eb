"""The pull record: what `partages-ls pull` writes beside an export, and what the commands read back.

``FILE.json.meta.json`` sits beside the export ``FILE.json``. `pull` writes it (for a project or a
blind group) with the guide and its version, the project, the server, when, and the counts; a blind
group adds its members (annotator e-mail to project id) and the annotations found in a member's
project from someone else. It never holds the token. `export`, `validate` and `agreement` read it
to know which guide the export was made with, and whether the guide changed since the pull.

It lives at the base of the package (beside ``io`` and ``errors``) because both the server side
(``studio``) and the readers (``exporters``, the workflows) use it; it imports neither.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.io import write_text_atomic

SIDECAR_SUFFIX = ".meta.json"


def sidecar_path(export_path: Path) -> Path:
    """Where the record of ``export_path`` is (``FILE.json`` → ``FILE.json.meta.json``)."""
    return export_path.with_name(export_path.name + SIDECAR_SUFFIX)


def new_record(
    *,
    guide: str | None,
    guide_version: str | None,
    project_id: int,
    project_title: str,
    server: str,
    tasks: int,
    annotations: int,
    blind_group: dict[str, int] | None = None,
    foreign_annotations: Any = None,
) -> dict[str, Any]:
    """The record of one pull, stamped now; the blind-group fields only for a group."""
    record: dict[str, Any] = {
        "guide": guide,
        "guide_version": guide_version,
        "project_id": project_id,
        "project_title": project_title,
    }
    if blind_group is not None:
        record["blind_group"] = dict(sorted(blind_group.items()))
        record["foreign_annotations"] = foreign_annotations
    record |= {
        "server": server,
        "pulled_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tasks": tasks,
        "annotations": annotations,
    }
    return record


def write_sidecar(export_path: Path, record: dict[str, Any]) -> Path:
    """Write ``record`` beside ``export_path`` atomically; its path."""
    path = sidecar_path(export_path)
    write_text_atomic(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return path


def read_sidecar(export_path: Path) -> dict[str, Any] | None:
    """The record beside ``export_path``, or None when there is none (an export not made by `pull`)."""
    path = sidecar_path(export_path)
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DiagnosticError("unreadable pull record", [Diagnostic(str(path), str(exc))]) from None
    return record if isinstance(record, dict) else None


def recorded_guide(record: dict[str, Any] | None) -> str | None:
    """The guide name a record gives, if any."""
    return str(record["guide"]) if record and record.get("guide") else None


def recorded_guide_version(record: dict[str, Any] | None) -> str | None:
    """The guide version at pull time, if the record gives one."""
    version = record.get("guide_version") if record else None
    return str(version) if version is not None else None
