"""`partages-ls export`: a Label Studio export to a target format.

Reads and validates the export, picks the gold annotation per task, writes the target format
into a folder atomically, and records what was exported and what was skipped, and why.

The export is read once, task by task (:func:`~partages_ls.exporters.labelstudio.read.stream_export`):
each task becomes its document in the corpus, and what the run report needs from the raw tasks
(counts, curation provenance, unresolved markers, who updated whose annotation) is kept as a small
per-task record (:class:`_TaskRecords`), never the task itself.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.curation.gold import curation_provenance, guide_view, is_curation_task, unresolved_markers
from partages_ls.errors import Diagnostic, DiagnosticError, PartagesError
from partages_ls.exporters.contamination import find_contaminated
from partages_ls.exporters.corpus import Corpus
from partages_ls.exporters.export import (
    EXIT_LEFT_OUT,
    EXIT_OK,
    INVALID_MODES,
    REPORT_NAME,
    ExportRefusedError,
    NothingToExportError,
    lost_items,
    summarise,
    violations,
)
from partages_ls.exporters.format import WriteOptions
from partages_ls.exporters.gold import GoldPolicy, select_gold
from partages_ls.exporters.labelstudio.read import read_labelstudio, stream_export
from partages_ls.exporters.output import OutputFolder
from partages_ls.exporters.registry import get_format
from partages_ls.exporters.shape import obj, objects
from partages_ls.exporters.splits import SplitPlan, assign_splits
from partages_ls.pull_record import read_sidecar, recorded_guide_version, sidecar_path
from partages_ls.workflows.guide import resolve_guide
from partages_ls.workspace import Workspace


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
    invalid: str = "keep"


@dataclass
class _TaskRecords:
    """What the run report needs from the raw tasks, gathered while they stream by.

    ``slim`` keeps, per task, only the keys that :func:`summarise`, :func:`find_contaminated` and
    :func:`_why_not_curated` read (task id, report id, curation strategy; per annotation its id,
    ``was_cancelled``, ``completed_by`` and ``updated_by``): a few hundred bytes a task.
    """

    report_key: str
    source: str
    slim: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[Diagnostic] = field(default_factory=list)
    curation: dict[str, dict[str, Any]] = field(default_factory=dict)

    def view(self, tasks: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Each task as the guide sees it; once all are read, refuses unresolved curation markers."""
        for task in tasks:
            self.unresolved += unresolved_markers([task], source=self.source)
            self.curation.update(curation_provenance([task], self.report_key))
            self.slim.append(_slim(task, self.report_key))
            yield from guide_view([task])
        if self.unresolved:
            raise DiagnosticError(
                f"{len(self.unresolved)} curated annotation(s) still hold a conflict marker", self.unresolved
            )


_SLIM_ANNOTATION = ("id", "was_cancelled", "updated_by")


def _slim(task: dict[str, Any], report_key: str) -> dict[str, Any]:
    data = obj(task.get("data"))
    annotations = task.get("annotations")
    slim: dict[str, Any] = {
        "id": task.get("id"),
        "data": {k: data[k] for k in (report_key, "curation_strategy") if k in data},
    }
    if isinstance(annotations, list):
        kept = []
        for raw in objects(annotations):
            small = {k: raw[k] for k in _SLIM_ANNOTATION if k in raw}
            who = raw.get("completed_by")
            small["completed_by"] = {k: who[k] for k in ("id", "email") if k in who} if isinstance(who, dict) else who
            kept.append(small)
        slim["annotations"] = kept
    return slim


def _why_nothing(tasks: list[dict[str, Any]], corpus: Corpus, gold: Corpus, policy: GoldPolicy) -> str:
    if not tasks:
        return "the export holds no task ([]): nothing to export; pull the project again once reports are imported"
    present = sorted({a.annotator or "?" for d in corpus.documents for a in d.annotations})
    if policy.kind in {"annotator", "curator"}:
        by_policy = sorted({s.where.rsplit(" / by ", 1)[-1] for s in corpus.skipped if s.rule == "not-gold"})
        everyone = sorted(set(present) | set(by_policy))
        return (
            f"no submitted annotation by {policy.email} in the export; annotators present: "
            f"{', '.join(everyone) or 'none'}"
        )
    if policy.kind == "curated":
        return _why_not_curated(tasks)
    reasons = Counter(s.reason for s in gold.skipped if s.kind == "task")
    detail = "; ".join(f"{count} task(s): {reason}" for reason, count in sorted(reasons.items()))
    return f"no task has an annotation the gold policy {policy} can export ({detail or 'no task'})"


def _why_not_curated(tasks: list[dict[str, Any]]) -> str:
    """--gold curated picked nothing: not a curation project, or no curation task finished yet."""
    pending = [t for t in tasks if is_curation_task(t)]
    if not pending:
        return (
            "this is not the export of a curation project; `--gold curated` reads the project that "
            "`partages-ls curate PROJECT` prepares: curate there, then `partages-ls pull CURATION_PROJECT -o FILE.json`"
        )
    return (
        f"no curation task is finished yet ({len(pending)} task(s) to curate); in each one, resolve every "
        "Conflit region, tick « Curation terminée » and click Update, then pull the curation project again "
        "(`partages-ls curate status PROJECT` shows what is left)"
    )


def _refuse(corpus: Corpus, strict: bool) -> None:
    broken = violations(corpus, strict=strict) + lost_items(corpus)
    if broken:
        shown = "\n".join(f"  {b.where}: {b.rule}: {b.reason}" for b in broken[:50])
        more = f"\n  … and {len(broken) - 50} more" if len(broken) > 50 else ""
        raise ExportRefusedError(
            f"--invalid fail: {len(broken)} item(s) break the guide's rules"
            f"{' (warnings included: --strict)' if strict else ''}; nothing was written\n{shown}{more}\n"
            "Fix them in Label Studio, or export with --invalid keep (the default) to write them as stored."
        )


def run_export(request: ExportRequest, workspace: Workspace) -> dict[str, Any]:
    """Read, validate, choose the gold, write; returns the report (also written as export-report.json).

    The guide comes from ``workspace.guides`` (named by the request, else by the pull record).

    The report's ``exit_status`` is :data:`EXIT_LEFT_OUT` when something read was not written.
    """
    if request.invalid not in INVALID_MODES:
        raise PartagesError(f"--invalid must be one of {', '.join(INVALID_MODES)}, got {request.invalid!r}")
    target = get_format(request.target)
    policy = GoldPolicy.parse(request.gold)
    try:
        guide = resolve_guide(request.export_path, request.guide, workspace.guides, force=request.force_guide)
    except PartagesError:
        for _ in stream_export(request.export_path):
            pass  # a broken export is reported first, as when the whole file was read before the guide
        raise
    records = _TaskRecords(guide.text.report_key, request.export_path.name)
    corpus = read_labelstudio(
        records.view(stream_export(request.export_path)),
        guide,
        strict=request.strict,
        source=request.export_path.name,
        policy=policy,
        invalid="skip" if request.invalid == "skip" else "keep",
    )
    tasks, curation = records.slim, dict(sorted(records.curation.items()))
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
