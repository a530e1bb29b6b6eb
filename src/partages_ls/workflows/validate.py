"""`partages-ls validate`: every rule violation of every submitted annotation of an export.

The export is read task by task (:func:`~partages_ls.exporters.labelstudio.read.stream_export`):
memory holds one task and the diagnostics found, not the project.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from partages_ls.curation.gold import guide_view, is_curation_task, pending_curation, unresolved_markers
from partages_ls.errors import Diagnostic, Level
from partages_ls.exporters.corpus import Provenance
from partages_ls.exporters.labelstudio.read import annotator_of, stream_export
from partages_ls.exporters.shape import screen_results
from partages_ls.guides.model import Guide
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.engine import check_results
from partages_ls.workflows.guide import resolve_guide
from partages_ls.workspace import Workspace


def validate_tasks(tasks: Iterable[dict[str, Any]], guide: Guide, *, source: str = "export") -> list[Diagnostic]:
    """Every rule violation of every submitted annotation, located by task/annotation/result.

    The unresolved curation markers and the unfinished curation tasks (curation projects only) come
    first, then the rules' findings in task order; ``tasks`` is read once, one task at a time.
    """
    rules = compile_rules(guide)
    unresolved: list[Diagnostic] = []
    diagnostics: list[Diagnostic] = []
    for position, original in enumerate(tasks):
        if is_curation_task(original):
            unresolved += unresolved_markers([original], source=source) + pending_curation([original], source=source)
            (task,) = guide_view([original])
        else:  # the curation walks find nothing in any other task, and leave it as it is
            task = original
        data = task.get("data")
        text = data.get(guide.text.data_key) if isinstance(data, dict) else None
        raw_id = task.get("id")
        task_id = raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None
        # A task without a usable id is located by its position in the file.
        located = source if task_id is not None else f"{source} / task #{position}"
        if not isinstance(text, str):
            diagnostics.append(
                Diagnostic(
                    f"{source} / task {task_id if task_id is not None else '#' + str(position)}",
                    f"no report text in data.{guide.text.data_key}",
                    hint="import reports with `partages-ls import`, which sets it",
                )
            )
            continue
        annotations = task.get("annotations")
        for raw in annotations if isinstance(annotations, list) else []:
            if not isinstance(raw, dict) or raw.get("was_cancelled"):
                continue
            results, malformed = screen_results(raw.get("result"), guide.text.data_key)
            found = [(m.target, m.message, "error", "malformed") for m in malformed]
            found += [(v.target, v.message, v.level, v.rule) for v in check_results(rules, text, results)]
            for target, message, level, rule in found:
                annotation_id = raw.get("id") if isinstance(raw.get("id"), int) else None
                where = Provenance(task_id, annotation_id, target, annotator_of(raw), located)
                diagnostics.append(Diagnostic(where.where(), message, Level(level), code=rule))
    return unresolved + diagnostics


def run_validate(
    export_path: Path, workspace: Workspace, *, guide: str | None = None, force_guide: bool = False
) -> tuple[Guide, list[Diagnostic]]:
    """The guide the export is read against and every problem found in it."""
    resolved = resolve_guide(export_path, guide, workspace.guides, force=force_guide)
    return resolved, validate_tasks(stream_export(export_path), resolved, source=export_path.name)
