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

from partages_ls.curation.gold import curation_provenance, guide_view, is_curation_task, unresolved_markers
from partages_ls.errors import Diagnostic, DiagnosticError, Level, PartagesError
from partages_ls.exporters.contamination import find_contaminated
from partages_ls.exporters.corpus import Corpus, Provenance, Skipped
from partages_ls.exporters.gold import NO_ANNOTATION, GoldPolicy, select_gold
from partages_ls.exporters.labelstudio import annotator_of, load_export, read_labelstudio
from partages_ls.exporters.output import OutputFolder
from partages_ls.exporters.shape import screen_results
from partages_ls.exporters.splits import SplitPlan, assign_splits
from partages_ls.exporters.validation import check_results
from partages_ls.guides.loader import load_guide
from partages_ls.guides.model import Guide
from partages_ls.guides.rules import compile_rules
from partages_ls.pull_record import SIDECAR_SUFFIX, read_sidecar, recorded_guide, recorded_guide_version, sidecar_path

REPORT_NAME = "export-report.json"

INVALID_MODES = ("keep", "skip", "fail")

# Exit statuses of `export` (documented in README and `export --help`).
EXIT_OK = 0  # everything read that can be exported was written (rule violations listed, if any)
EXIT_LEFT_OUT = 3  # written, but something read was not: items left out or tasks the gold policy cannot decide
EXIT_REFUSED = 4  # --invalid fail: something breaks a rule; nothing written
EXIT_NOTHING = 5  # no document to write (empty export, or the gold policy picks nothing); nothing written

# What is never exported by design (documented), so not a loss: cancelled annotations, drafts,
# predictions, the annotations a naming gold policy does not pick, brat notes.
NOT_A_LOSS = frozenset({"cancelled", "draft", "prediction", "not-gold", "brat-note"})


class ExportRefusedError(PartagesError):
    """``--invalid fail`` and something breaks a rule: nothing is written."""

    exit_code = EXIT_REFUSED


class NothingToExportError(PartagesError):
    """No document would be written; the message says why in words."""

    exit_code = EXIT_NOTHING


# Writers are looked up lazily: each pulls its own dependencies (pyarrow, cassis) only when used.
WRITERS = {
    "parhaf": "partages_ls.exporters.parhaf:write_parhaf",
    "cas": "partages_ls.exporters.cas:write_cas",
    "brat": "partages_ls.exporters.brat:write_brat",
}


def resolve_guide(export_path: Path, requested: str | None, *, force: bool = False) -> Guide:
    """The guide named by ``--guide``, else by the pull record; a disagreement is an error unless forced."""
    recorded = recorded_guide(read_sidecar(export_path))
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


def _load_writer(target: str) -> Any:
    if target not in WRITERS:
        raise PartagesError(f"unknown target {target!r}: choose one of {', '.join(WRITERS)}")
    module, _, name = WRITERS[target].partition(":")
    return getattr(importlib.import_module(module), name)


def lost_items(gold: Corpus) -> list[Skipped]:
    """Everything read that is not written although it could have been: the items left out, and the
    tasks the gold policy cannot decide (a task nobody submitted is not a loss)."""
    lost = []
    for item in gold.skipped:
        if item.rule in NOT_A_LOSS:
            continue
        if item.rule == "gold-policy" and (item.kind == "annotation" or item.reason == NO_ANNOTATION):
            continue  # the task entry is the one counted; its annotations are listed beside it
        lost.append(item)
    return lost


def violations(corpus: Corpus, *, strict: bool = False) -> list[Skipped]:
    """The rule violations of the items carried as stored (errors, plus warnings when strict)."""
    return [w for w in corpus.warnings if w.kind == "error" or (strict and w.kind == "warning")]


def summarise(tasks: list[dict[str, Any]], read: Corpus, gold: Corpus) -> dict[str, Any]:
    """Counts for the end-of-export summary and the report."""
    lists = [t.get("annotations") for t in tasks]
    annotations = [a for found in lists if isinstance(found, list) for a in found if isinstance(a, dict)]
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
        "left_out": len(lost_items(gold)),
        "violations_by_rule": dict(
            sorted(Counter(w.rule for w in gold.warnings if w.kind in {"error", "warning"}).items())
        ),
        "warnings": len(gold.warnings),
    }


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


def run_export(request: ExportRequest) -> dict[str, Any]:
    """Read, validate, choose the gold, write; returns the report (also written as export-report.json).

    The report's ``exit_status`` is :data:`EXIT_LEFT_OUT` when something read was not written.
    """
    if request.invalid not in INVALID_MODES:
        raise PartagesError(f"--invalid must be one of {', '.join(INVALID_MODES)}, got {request.invalid!r}")
    writer = _load_writer(request.target)
    policy = GoldPolicy.parse(request.gold)
    tasks = load_export(request.export_path)
    guide = resolve_guide(request.export_path, request.guide, force=request.force_guide)
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
        if request.target == "parhaf":
            splits = assign_splits(gold, request.split)
            report["split"] = request.split.describe()
            stats = writer(gold, guide, folder, splits, gold_policy=str(policy), annotators=annotators)
        else:
            stats = writer(gold, guide, folder)
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
