"""The export and validate commands as they were before they streamed: the whole export in memory.

Kept only as the reference of ``test_stream_commands.py`` (the streaming commands must give the same
bytes and the same errors); the code below is ``workflows/export.py::run_export`` and
``workflows/validate.py`` of branch ``integ`` (commit f48f4bf) unchanged but for their names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from partages_ls.curation.gold import curation_provenance, guide_view, unresolved_markers
from partages_ls.errors import Diagnostic, DiagnosticError, Level, PartagesError
from partages_ls.exporters.contamination import find_contaminated
from partages_ls.exporters.corpus import Provenance
from partages_ls.exporters.export import (
    EXIT_LEFT_OUT,
    EXIT_OK,
    INVALID_MODES,
    REPORT_NAME,
    NothingToExportError,
    lost_items,
    summarise,
)
from partages_ls.exporters.format import WriteOptions
from partages_ls.exporters.gold import GoldPolicy, select_gold
from partages_ls.exporters.labelstudio.read import annotator_of, load_export, read_labelstudio
from partages_ls.exporters.output import OutputFolder
from partages_ls.exporters.registry import get_format
from partages_ls.exporters.shape import screen_results
from partages_ls.exporters.splits import assign_splits
from partages_ls.guides.model import Guide
from partages_ls.pull_record import read_sidecar, recorded_guide_version, sidecar_path
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.engine import check_results
from partages_ls.workflows.export import ExportRequest, _refuse, _why_nothing
from partages_ls.workflows.guide import resolve_guide
from partages_ls.workspace import Workspace


def run_export_in_memory(request: ExportRequest, workspace: Workspace) -> dict[str, Any]:
    """Read, validate, choose the gold, write; returns the report (also written as export-report.json).

    The guide comes from ``workspace.guides`` (named by the request, else by the pull record).

    The report's ``exit_status`` is :data:`EXIT_LEFT_OUT` when something read was not written.
    """
    if request.invalid not in INVALID_MODES:
        raise PartagesError(f"--invalid must be one of {', '.join(INVALID_MODES)}, got {request.invalid!r}")
    target = get_format(request.target)
    policy = GoldPolicy.parse(request.gold)
    tasks = load_export(request.export_path)
    guide = resolve_guide(request.export_path, request.guide, workspace.guides, force=request.force_guide)
    unresolved = unresolved_markers(tasks, source=request.export_path.name)
    if unresolved:
        raise DiagnosticError(f"{len(unresolved)} curated annotation(s) still hold a conflict marker", unresolved)
    curation = curation_provenance(tasks, guide.text.report_key)
    tasks = guide_view(tasks)
    corpus = read_labelstudio(
        tasks,
        guide,
        strict=request.strict,
        source=request.export_path.name,
        policy=policy,
        invalid="skip" if request.invalid == "skip" else "keep",
    )
    if request.invalid == "fail":
        _refuse(corpus, request.strict)
    gold = select_gold(corpus, policy)
    if not gold.documents:
        raise NothingToExportError(f"nothing written to {request.out}: {_why_nothing(tasks, corpus, gold, policy)}")
    annotators = sorted({a.annotator or "?" for d in corpus.documents for a in d.annotations})
    report: dict[str, Any] = {
        "source": request.export_path.name,
        "guide": guide.name,
        "guide_version": guide.version,
        "target": request.target,
        "gold_policy": str(policy),
        "invalid": request.invalid,
        "strict": request.strict,
        "annotators": annotators,
    }
    if curation:
        report["curation"] = curation
    at_pull = recorded_guide_version(read_sidecar(request.export_path))
    if at_pull not in (None, guide.version):
        # Not fatal: validation against the current guide says whether anything is affected.
        report["guide_version_at_pull"] = at_pull
    reads = [request.export_path, sidecar_path(request.export_path)]
    reads += [request.split.file] if request.split.file else []
    with OutputFolder(request.out, overwrite=request.overwrite, reads=reads) as folder:
        splits: dict[str, str] = {}
        if target.splits:
            splits = assign_splits(gold, request.split)
            report["split"] = request.split.describe()
        stats = target.write(gold, guide, folder, WriteOptions(splits, str(policy), annotators))
        report["summary"] = summarise(tasks, corpus, gold)
        contaminated = find_contaminated(tasks, guide.text.report_key)
        report["summary"]["contaminated"] = len(contaminated)
        report["contaminated"] = [c.as_dict() for c in contaminated]
        report["exit_status"] = EXIT_LEFT_OUT if report["summary"]["left_out"] else EXIT_OK
        report["writer"] = stats
        report["left_out"] = [s.as_dict() for s in lost_items(gold)]
        report["skipped"] = [s.as_dict() for s in gold.skipped]
        report["violations"] = [w.as_dict() for w in gold.warnings if w.kind in {"error", "warning"}]
        report["warnings"] = [w.as_dict() for w in gold.warnings]
        # Exclusive creation: a document never takes the run report's place (writers refuse the name).
        with (folder / REPORT_NAME).open("x", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False) + "\n")
    return report


def validate_in_memory_tasks(tasks: list[dict[str, Any]], guide: Guide, *, source: str = "export") -> list[Diagnostic]:
    """Every rule violation of every submitted annotation, located by task/annotation/result."""
    rules = compile_rules(guide)
    diagnostics: list[Diagnostic] = unresolved_markers(tasks, source=source)  # curation projects only
    tasks = guide_view(tasks)
    for position, task in enumerate(tasks):
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
    return diagnostics


def run_validate_in_memory(
    export_path: Path, workspace: Workspace, *, guide: str | None = None, force_guide: bool = False
) -> tuple[Guide, list[Diagnostic]]:
    """The guide the export is read against and every problem found in it."""
    resolved = resolve_guide(export_path, guide, workspace.guides, force=force_guide)
    return resolved, validate_in_memory_tasks(load_export(export_path), resolved, source=export_path.name)
