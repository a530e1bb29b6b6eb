"""The demo's curation step: curate one guide end to end with the bundled curator decisions.

Prepares the curation project, plays the curator with ``samples/<guide>/curation/decisions.json``
(through the API, exactly what the curator's Update stores), re-runs `curate` (which keeps the
curated work and marks it ground truth), pulls the curation project, exports the curated gold to
every format and writes the "annotateur vs référence curée" report. Idempotent: curated tasks are
left as they are on a second run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from partages_ls.agreement.report import AgreementOptions
from partages_ls.curation.decisions import curated_results, load_decisions
from partages_ls.curation.merge import merge_document
from partages_ls.curation.prepare import prepare_curation
from partages_ls.curation.status import curation_status
from partages_ls.curation.strategy import Strategy
from partages_ls.curation.studio_format import is_done
from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
from partages_ls.guides.model import Guide
from partages_ls.studio.client import StudioClient
from partages_ls.studio.projects import list_tasks
from partages_ls.studio.pull import pull_project
from partages_ls.workflows.agreement import AgreementRequest, run_agreement
from partages_ls.workflows.export import ExportRequest, run_export
from partages_ls.workspace import Workspace

DECISIONS = Path("curation") / "decisions.json"
TARGETS = ("parhaf", "cas", "brat")


@dataclass
class DemoCuration:
    project: int
    decided: list[str] = field(default_factory=list)
    gold: Path | None = None
    feedback: Path | None = None
    lines: list[str] = field(default_factory=list)


def decisions_file(samples: Path, guide: str) -> Path | None:
    path = samples / guide / DECISIONS
    return path if path.is_file() else None


def curate_demo(
    client: StudioClient, guide: Guide, project: int, export: Path, decisions: Path, out: Path, workspace: Workspace
) -> DemoCuration:
    """Curate ``project`` with the decisions file; write the curated gold and the feedback under ``out``."""
    strategy = Strategy.parse(str(json.loads(decisions.read_text(encoding="utf-8")).get("strategy") or "complete"))
    chosen = load_decisions(decisions)
    first = prepare_curation(client, project, strategy=strategy, guides=workspace.guides)
    result = DemoCuration(first.curation_project)
    documents = {d.report: d for d in read_labelstudio(load_export(export), guide).documents}
    curator_id = int(client.whoami()["id"])
    for task in list_tasks(client, first.curation_project, full=True):
        report = str(task["data"].get(guide.text.report_key))
        mine = [a for a in task.get("annotations") or [] if a.get("completed_by") == curator_id]
        if not mine or is_done(mine[0].get("result") or []) or report not in documents:
            continue
        merged = merge_document(documents[report], guide, strategy)
        results = curated_results(documents[report], merged, chosen.get(report, {}), guide)
        client.patch(f"/api/annotations/{mine[0]['id']}", {"result": results})
        result.decided.append(report)
    # Run again: keeps the curated tasks and marks them ground truth.
    again = prepare_curation(client, project, strategy=strategy, guides=workspace.guides)
    totals = curation_status(client, project, guides=workspace.guides).totals()
    result.lines.append(
        f"curation: project {first.curation_project} ({client.url}/projects/{first.curation_project}): "
        f"{totals['review']} review / {totals['adjudication']} adjudication task(s), {totals['conflicts']} "
        f"conflict(s); curated by the bundled decisions ({decisions.name}) in this run: {len(result.decided)}; "
        f"kept as curated: {len(again.kept)}; curated in all: {totals['curated']}"
    )
    folder = out / "curation" / guide.name
    pulled = pull_project(
        client, first.curation_project, folder / "curation-export.json", guides=workspace.guides, overwrite=True
    )
    for target in TARGETS:
        run_export(ExportRequest(pulled.path, target, folder / target, gold="curated", overwrite=True), workspace)
    result.gold = folder
    feedback = folder / "agreement-vs-curated"
    run_agreement(
        AgreementRequest(pulled.path, feedback, options=AgreementOptions(), overwrite=True, reference="curated"),
        workspace,
    )
    result.feedback = feedback
    result.lines.append(f"curated gold (--gold curated: {', '.join(TARGETS)}): {folder}")
    result.lines.append(f"each annotator vs the curated gold: {feedback / 'reference.md'}")
    return result
