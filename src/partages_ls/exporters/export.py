"""`partages-ls export` and `partages-ls validate`: a Label Studio export to a target format.

Reads and validates the export, picks the gold annotation per task, writes the target format
into a folder atomically, and records what was exported and what was skipped, and why.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.errors import Diagnostic, DiagnosticError, Level, PartagesError
from partages_ls.exporters.corpus import Corpus, Provenance
from partages_ls.exporters.gold import GoldPolicy, select_gold
from partages_ls.exporters.labelstudio import SIDECAR_SUFFIX, annotator_of, load_export, read_labelstudio
from partages_ls.exporters.output import OutputFolder
from partages_ls.exporters.splits import SplitPlan, assign_splits
from partages_ls.exporters.validation import check_results
from partages_ls.guides.loader import load_guide
from partages_ls.guides.model import Guide
from partages_ls.guides.rules import compile_rules

REPORT_NAME = "export-report.json"

# Writers are looked up lazily: each pulls its own dependencies (pyarrow, cassis) only when used.
WRITERS = {
    "parhaf": "partages_ls.exporters.parhaf:write_parhaf",
    "cas": "partages_ls.exporters.cas:write_cas",
    "brat": "partages_ls.exporters.brat:write_brat",
}


def read_sidecar(export_path: Path) -> dict[str, Any] | None:
    """The record `partages-ls pull` writes beside an export (guide name and version)."""
    sidecar = export_path.with_name(export_path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return None
    try:
        record = json.loads(sidecar.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DiagnosticError("unreadable pull record", [Diagnostic(str(sidecar), str(exc))]) from None
    return record if isinstance(record, dict) else None


def resolve_guide(export_path: Path, requested: str | None, *, force: bool = False) -> Guide:
    """The guide named by ``--guide``, else by the pull record; a disagreement is an error unless forced."""
    record = read_sidecar(export_path)
    recorded = str(record["guide"]) if record and record.get("guide") else None
    if requested is None and recorded is None:
        raise PartagesError(
            f"{export_path}: which guide? No pull record ({export_path.name}{SIDECAR_SUFFIX}) was found; "
            "pass --guide NAME"
        )
    if requested:
        load_guide(requested)  # an unknown name (a typo) is reported first, with the closest known name
    if requested and recorded and requested != recorded and not force:
        raise PartagesError(
            f"{export_path} was pulled from a {recorded!r} project but --guide says {requested!r}; "
            "pass --force-guide if that is intended"
        )
    return load_guide(requested or str(recorded))


def validate_tasks(tasks: list[dict[str, Any]], guide: Guide, *, source: str = "export") -> list[Diagnostic]:
    """Every rule violation of every submitted annotation, located by task/annotation/result."""
    rules = compile_rules(guide)
    diagnostics: list[Diagnostic] = []
    for position, task in enumerate(tasks):
        text = (task.get("data") or {}).get(guide.text.data_key)
        task_id = task.get("id")
        if not isinstance(text, str):
            diagnostics.append(
                Diagnostic(
                    f"{source} / task {task_id if task_id is not None else '#' + str(position)}",
                    f"no report text in data.{guide.text.data_key}",
                    hint="import reports with `partages-ls import`, which sets it",
                )
            )
            continue
        for raw in task.get("annotations") or []:
            if raw.get("was_cancelled"):
                continue
            for violation in check_results(rules, text, raw.get("result") or []):
                where = Provenance(task_id, raw.get("id"), violation.target, annotator_of(raw), source)
                diagnostics.append(
                    Diagnostic(where.where(), violation.message, Level(violation.level), code=violation.rule)
                )
    return diagnostics


@dataclass
class ExportRequest:
    """The options of one export."""

    export_path: Path
    target: str
    out: Path
    guide: str | None = None
    gold: str = "single"
    split: SplitPlan = field(default_factory=SplitPlan)
    strict: bool = False
    overwrite: bool = False
    force_guide: bool = False


def _load_writer(target: str) -> Any:
    if target not in WRITERS:
        raise PartagesError(f"unknown target {target!r}: choose one of {', '.join(WRITERS)}")
    module, _, name = WRITERS[target].partition(":")
    return getattr(importlib.import_module(module), name)


def summarise(tasks: list[dict[str, Any]], read: Corpus, gold: Corpus) -> dict[str, Any]:
    """Counts for the end-of-export summary and the report."""
    annotations = [a for t in tasks for a in (t.get("annotations") or [])]
    exported = [a for d in gold.documents for a in d.annotations]
    return {
        "tasks": len(tasks),
        "annotations_read": len(annotations),
        "annotations_cancelled": sum(1 for a in annotations if a.get("was_cancelled")),
        "annotations_exported": len(exported),
        "documents_exported": len(gold.documents),
        "spans_exported": sum(len(a.spans) for a in exported),
        "relations_exported": sum(len(a.relations) for a in exported),
        "skipped_by_reason": dict(sorted(Counter(s.rule or s.kind for s in gold.skipped).items())),
        "warnings": len(gold.warnings),
    }


def run_export(request: ExportRequest) -> dict[str, Any]:
    """Read, validate, choose the gold, write; returns the report (also written as export-report.json)."""
    writer = _load_writer(request.target)
    policy = GoldPolicy.parse(request.gold)
    tasks = load_export(request.export_path)
    guide = resolve_guide(request.export_path, request.guide, force=request.force_guide)
    corpus = read_labelstudio(tasks, guide, strict=request.strict, source=request.export_path.name, policy=policy)
    gold = select_gold(corpus, policy)
    annotators = sorted({a.annotator or "?" for d in corpus.documents for a in d.annotations})
    report: dict[str, Any] = {
        "source": request.export_path.name,
        "guide": guide.name,
        "guide_version": guide.version,
        "target": request.target,
        "gold_policy": str(policy),
        "strict": request.strict,
        "annotators": annotators,
    }
    record = read_sidecar(request.export_path)
    if record and record.get("guide_version") not in (None, guide.version):
        # Not fatal: validation against the current guide says whether anything is affected.
        report["guide_version_at_pull"] = record["guide_version"]
    with OutputFolder(request.out, overwrite=request.overwrite) as folder:
        if request.target == "parhaf":
            splits = assign_splits(gold, request.split)
            report["split"] = request.split.describe()
            stats = writer(gold, guide, folder, splits, gold_policy=str(policy), annotators=annotators)
        else:
            stats = writer(gold, guide, folder)
        report["summary"] = summarise(tasks, corpus, gold)
        report["writer"] = stats
        report["skipped"] = [s.as_dict() for s in gold.skipped]
        report["warnings"] = [w.as_dict() for w in gold.warnings]
        (folder / REPORT_NAME).write_text(
            json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8"
        )
    return report
