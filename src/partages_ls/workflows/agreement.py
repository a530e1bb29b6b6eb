"""`partages-ls agreement`: read an export, compute the agreement report, write it.

Writes ``agreement.html``, ``agreement.json``, ``agreement.md`` and ``disagreements.csv`` (and, with
a reference, the "annotateur vs référence" files) into an output folder that is replaced atomically.

The export is read task by task (:func:`~partages_ls.exporters.labelstudio.read.stream_export` and
:class:`~partages_ls.exporters.labelstudio.read.TaskReader`), never held whole, and the report is summed
document by document (:class:`~partages_ls.agreement.stream.StreamedReport`): each document's annotators
are matched as it comes and only its counts stay (a few hundred bytes), its disagreements go to a
temporary spill file read back in report order when the files are written, and who completed and who
last updated each annotation is scanned on the way (:class:`~partages_ls.exporters.contamination.ContaminationScan`).
``--exclude-contaminated`` must know which annotations to leave out before the first is counted, so it
reads the export twice (the first pass keeps only the authors). Peak memory does not grow with the
number of reports beyond those counts (``benchmarks/bench_agreement.py``).

``--reference`` keeps the in-memory path (:func:`~partages_ls.agreement.report.compute_report` on the
whole corpus): the reference is chosen per report among annotations the annotators' view leaves out,
and comparing with it needs every raw task at once.
"""

from __future__ import annotations

import gc
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from partages_ls.agreement.reference import compare_to_reference, load_reference
from partages_ls.agreement.reference_render import write_reference
from partages_ls.agreement.render import write_outputs
from partages_ls.agreement.report import AgreementOptions, AgreementReport, compute_report
from partages_ls.agreement.stream import StreamedReport, streamed_report
from partages_ls.curation.gold import annotators_view
from partages_ls.exporters.contamination import ContaminationScan, find_contaminated
from partages_ls.exporters.labelstudio.read import TaskReader, load_export, stream_export
from partages_ls.exporters.output import OutputFolder
from partages_ls.guides.model import Guide
from partages_ls.pull_record import sidecar_path
from partages_ls.workflows.guide import resolve_guide
from partages_ls.workspace import Workspace


@dataclass(frozen=True)
class AgreementRequest:
    """One `partages-ls agreement` run: the export, where to write, the guide and the options."""

    export_path: Path
    out: Path
    guide: str | None = None
    options: AgreementOptions = field(default_factory=AgreementOptions)
    overwrite: bool = False
    force_guide: bool = False
    reference: str | None = None  # "annotateur vs référence": see partages_ls.agreement.reference


def run_agreement(request: AgreementRequest, workspace: Workspace) -> AgreementReport:
    """Read the export, compute the report and write the four files atomically into ``request.out``."""
    request.options.check()
    guide = resolve_guide(request.export_path, request.guide, workspace.guides, force=request.force_guide)
    # Entering the folder first refuses a non-empty --out before any long computation.
    reads = [request.export_path, sidecar_path(request.export_path)]
    with OutputFolder(request.out, overwrite=request.overwrite, reads=reads) as folder, _no_cycle_collection():
        if not request.reference:
            return _streamed(request, guide, folder)
        options = request.options
        tasks = load_export(request.export_path)
        contaminated = find_contaminated(tasks, guide.text.report_key)
        corpus, reference = load_reference(tasks, guide, request.reference, source=request.export_path.name)
        del tasks
        report = compute_report(corpus, guide, options, source=request.export_path.name, contaminated=contaminated)
        write_outputs(report, folder)
        section = compare_to_reference(
            corpus,
            reference,
            guide,
            iou=options.iou,
            samples=options.bootstrap,
            seed=options.seed,
            no_text=options.no_text,
        )
        write_reference(section, folder)
        report.data = {**report.data}
        report.reference = section
    return report


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while the report is built, and restore it afterwards.

    Reading and matching create millions of small objects that stay alive until the end, and the
    collector kept walking them: about a quarter of the wall time at PARHAF scale
    (``benchmarks/bench_agreement.py``). They form no reference cycles worth collecting (the peak
    memory is the same with the collector off); plain reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _streamed(request: AgreementRequest, guide: Guide, folder: Path) -> AgreementReport:
    """The report read task by task (see the module docstring), its four files written into ``folder``."""
    options, path = request.options, request.export_path
    scan = ContaminationScan(guide.text.report_key)
    excluded: set[int] = set()
    if options.exclude_contaminated:  # which annotations to leave out must be known before the first is counted
        for task in stream_export(path):
            scan.add(task)
        excluded = {c.annotation_id for c in scan.found() if c.annotation_id is not None}
    reader = TaskReader(guide, source=path.name)
    with tempfile.TemporaryFile(prefix="partages-agreement-") as spill:
        streamed = StreamedReport(guide, options.annotators, options.iou, options.no_text, spill)
        for task in stream_export(path):
            if not options.exclude_contaminated:
                scan.add(task)
            for viewed in annotators_view([task]):
                document = reader.read(viewed)
                new = list(reader.corpus.flaws)  # this document's violations; the reader keeps none
                reader.corpus.flaws.clear()
                if document is None:
                    continue
                if excluded:
                    document.annotations = [a for a in document.annotations if a.annotation_id not in excluded]
                streamed.add(document, new)
        reader.finish()
        report = streamed_report(
            streamed,
            guide,
            options,
            skipped=reader.corpus.skipped,
            source=path.name,
            contaminated=scan.found(),
        )
        write_outputs(report, folder)
    # The list lived in the spill file, now gone: the files hold it; the counts stay in ``report.data``.
    report.disagreements = []
    report.data["disagreements"]["items"] = []
    return report
