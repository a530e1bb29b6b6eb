"""`partages-ls export`: a Label Studio export to a target format.

Reads and validates the export, picks the gold annotation per task, writes the target format
into a folder atomically, and records what was exported and what was skipped, and why.

The export is read once, task by task (:func:`~partages_ls.exporters.labelstudio.read.stream_export`,
:class:`~partages_ls.exporters.labelstudio.read.TaskReader`): each task becomes its document, whose
gold version is parked on disk (:class:`~partages_ls.exporters.spill.Spill`) until the whole export
is read; what the run report needs (counts, curation provenance, unresolved markers, who updated
whose annotation, the problem lists) is gathered in :class:`_Records`. Only then, with every error
of the reading raised as before, are the documents handed to the format's writer in report order,
one at a time: memory does not grow with the export.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from partages_ls.curation.gold import curation_provenance, guide_view, is_curation_task, unresolved_markers
from partages_ls.errors import Diagnostic, DiagnosticError, PartagesError
from partages_ls.exporters.contamination import ContaminationScan
from partages_ls.exporters.corpus import Corpus, Document, Skipped
from partages_ls.exporters.export import (
    EXIT_LEFT_OUT,
    EXIT_OK,
    INVALID_MODES,
    REPORT_NAME,
    ExportCounts,
    ExportRefusedError,
    NothingToExportError,
    lost_items,
    summary,
    violations,
)
from partages_ls.exporters.format import Format, WriteOptions
from partages_ls.exporters.gold import GoldPolicy, gold_document
from partages_ls.exporters.labelstudio.read import TaskReader, iter_documents, stream_export
from partages_ls.exporters.output import OutputFolder
from partages_ls.exporters.registry import get_format
from partages_ls.exporters.spill import Spill
from partages_ls.exporters.splits import SplitPlan, split_reports
from partages_ls.guides.model import Guide
from partages_ls.json_text import write_json
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
class _Records:
    """What the run report needs, gathered while the tasks and documents stream by: counts, a few ids
    and the problem lists, never a task, a document or its text."""

    report_key: str
    source: str
    counts: ExportCounts = field(default_factory=ExportCounts)
    contamination: ContaminationScan = field(init=False)
    unresolved: list[Diagnostic] = field(default_factory=list)
    curation: dict[str, dict[str, Any]] = field(default_factory=dict)
    curation_tasks: int = 0
    annotators: set[str] = field(default_factory=set)  # of every document read, gold or not
    gold_skipped: list[tuple[str, list[Skipped]]] = field(default_factory=list)  # (report, its gold skips)
    span_counts: list[tuple[str, int]] = field(default_factory=list)  # (report, spans) per gold document

    def __post_init__(self) -> None:
        self.contamination = ContaminationScan(self.report_key)

    def view(self, tasks: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Each task as the guide sees it; once all are read, refuses unresolved curation markers."""
        for task in tasks:
            self.counts.add_task(task)
            self.contamination.add(task)
            if not is_curation_task(task):
                # What the curation walks below find in any other task: nothing, and the task as it is.
                yield task
                continue
            self.unresolved += unresolved_markers([task], source=self.source)
            self.curation.update(curation_provenance([task], self.report_key))
            self.curation_tasks += 1
            yield from guide_view([task])
        if self.unresolved:
            raise DiagnosticError(
                f"{len(self.unresolved)} curated annotation(s) still hold a conflict marker", self.unresolved
            )

    def gold(self, document: Document, policy: GoldPolicy) -> Document | None:
        """The document's gold version (None when the policy picks none), its skips kept by report."""
        self.annotators.update(a.annotator or "?" for a in document.annotations)
        kept, skipped = gold_document(document, policy)
        if skipped:
            self.gold_skipped.append((document.report, skipped))
        if kept is not None:
            self.counts.add_gold(kept)
            self.span_counts.append((kept.report, sum(len(a.spans) for a in kept.annotations)))
        return kept

    def gold_corpus(self, read: Corpus) -> Corpus:
        """The gold corpus without its documents: what reading left out (stream order), then the gold
        choices in report order, as :func:`select_gold` lists them."""
        skipped = list(read.skipped)
        for _, found in sorted(self.gold_skipped, key=lambda item: item[0]):
            skipped += found
        return Corpus(read.guide, read.guide_version, skipped=skipped, warnings=list(read.warnings))


def _why_nothing(tasks: list[dict[str, Any]], corpus: Corpus, gold: Corpus, policy: GoldPolicy) -> str:
    present = {a.annotator or "?" for d in corpus.documents for a in d.annotations}
    pending = sum(1 for t in tasks if is_curation_task(t))
    return _explain_nothing(len(tasks), pending, present, corpus, gold, policy)


def _explain_nothing(
    tasks: int, pending: int, present: set[str], read: Corpus, gold: Corpus, policy: GoldPolicy
) -> str:
    """Why no document is written, from the task count, the curation tasks, the annotators read and
    the skipped lists of the reading (``read``) and of the gold choice (``gold``)."""
    if not tasks:
        return "the export holds no task ([]): nothing to export; pull the project again once reports are imported"
    if policy.kind in {"annotator", "curator"}:
        by_policy = {s.where.rsplit(" / by ", 1)[-1] for s in read.skipped if s.rule == "not-gold"}
        everyone = sorted(present | by_policy)
        return (
            f"no submitted annotation by {policy.email} in the export; annotators present: "
            f"{', '.join(everyone) or 'none'}"
        )
    if policy.kind == "curated":
        return _why_not_curated(pending)
    reasons = Counter(s.reason for s in gold.skipped if s.kind == "task")
    detail = "; ".join(f"{count} task(s): {reason}" for reason, count in sorted(reasons.items()))
    return f"no task has an annotation the gold policy {policy} can export ({detail or 'no task'})"


def _why_not_curated(pending: int) -> str:
    """--gold curated picked nothing: not a curation project, or no curation task finished yet."""
    if not pending:
        return (
            "this is not the export of a curation project; `--gold curated` reads the project that "
            "`partages-ls curate PROJECT` prepares: curate there, then `partages-ls pull CURATION_PROJECT -o FILE.json`"
        )
    return (
        f"no curation task is finished yet ({pending} task(s) to curate); in each one, resolve every "
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


def _dump(report: dict[str, Any], handle: TextIO) -> None:
    """Write ``report`` as ``json.dumps(report, indent=2, ensure_ascii=False)`` and a newline would, in
    chunks (:func:`~partages_ls.json_text.write_json`): with indentation, ``json`` runs its pure-Python
    encoder, and a report at 10x PARHAF lists hundreds of thousands of items."""
    write_json(report, handle)
    handle.write("\n")


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
    records = _Records(guide.text.report_key, request.export_path.name)
    reader = TaskReader(
        guide,
        strict=request.strict,
        source=request.export_path.name,
        policy=policy,
        invalid="skip" if request.invalid == "skip" else "keep",
    )
    with Spill() as spill:
        for document in iter_documents(records.view(stream_export(request.export_path)), reader):
            reader.corpus.flaws.clear()  # what agreement reads, not the export: not kept
            kept = records.gold(document, policy)
            if kept is not None:
                spill.add(kept)
        corpus = reader.corpus
        if request.invalid == "fail":
            _refuse(corpus, request.strict)
        gold = records.gold_corpus(corpus)
        if not len(spill):
            why = _explain_nothing(
                records.counts.tasks, records.curation_tasks, records.annotators, corpus, gold, policy
            )
            raise NothingToExportError(f"nothing written to {request.out}: {why}")
        return _write(request, target, guide, policy, records, spill, gold)


def _write(
    request: ExportRequest,
    target: Format,
    guide: Guide,
    policy: GoldPolicy,
    records: _Records,
    spill: Spill,
    gold: Corpus,
) -> dict[str, Any]:
    """Write the gold documents parked in ``spill`` (report order) and the run report into ``request.out``."""
    annotators = sorted(records.annotators)
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
    curation = dict(sorted(records.curation.items()))
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
            splits = split_reports(records.span_counts, request.split)
            report["split"] = request.split.describe()
        options = WriteOptions(splits, str(policy), annotators)
        if target.open is None:  # a format without a document writer gets the corpus whole
            whole = Corpus(gold.guide, gold.guide_version, documents=list(spill.sorted()))
            stats = target.write(whole, guide, folder, options)
        else:
            writer = target.open(guide, folder, options)
            for document in spill.sorted():
                writer.add(document)
            stats = writer.close()
        report["summary"] = summary(records.counts, gold)
        contaminated = records.contamination.found()
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
            _dump(report, handle)
    return report
