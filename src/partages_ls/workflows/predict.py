"""`partages-ls predict`: suggestions for the tasks of a project that lack them, imported in bulk.

Idempotent: a task that already holds a prediction with the model's ``model_version`` is left
alone (an empty suggestion list is stored too, so a rerun does not recompute it). The string
matcher first learns from every submitted annotation of the project. Predictions go through
``POST /api/projects/{id}/import/predictions``, many per request; an import POST is never
retried blindly (it would duplicate): after a fault, rerunning imports only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.predict.registry import GuideModels, PredictError, model_version
from partages_ls.predict.spans import prediction_score, to_results
from partages_ls.studio.bulk import ProgressFn, chunked, post_chunks
from partages_ls.studio.client import StudioClient, StudioUnreachableError
from partages_ls.studio.projects import list_tasks, resolve_project


@dataclass
class PredictReport:
    """What a `predict` run did; ``as_dict`` for JSON."""

    project_id: int
    guide: str
    model: str
    model_version: str
    tasks: int = 0
    already: int = 0
    predicted: int = 0
    suggestions: int = 0
    empty: int = 0
    learned_annotations: int = 0
    learned_spans: int = 0
    unknown_reports: list[str] = field(default_factory=list)
    activated: bool = False  # the project had no model version and now shows these predictions
    requests: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _submitted(task: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        a
        for a in task.get("annotations") or []
        if isinstance(a, dict) and not a.get("was_cancelled") and isinstance(a.get("result"), list)
    ]


def predict_project(
    client: StudioClient,
    project: str | int,
    *,
    model: str = "all",
    reports: list[str] | None = None,
    chunk_size: int = 500,
    progress: ProgressFn | None = None,
    guides: Path,
) -> PredictReport:
    """Compute and import the suggestions of ``model`` for every task of ``project`` that lacks them.

    The project's guide is read from the ``guides`` folder.
    """
    resolved = resolve_project(client, project)
    source = resolved.curation_of
    if source is not None:  # the curator starts from the annotators' merge, not from a model
        raise PredictError(
            f"project {resolved.id} is the curation project of project {source}: suggestions go to the "
            f"annotation project (`partages-ls predict {source}`)"
        )
    guide = resolved.guide(guides)
    models = GuideModels.for_guide(guide, guides)
    chosen = models.get(model)
    version = model_version(guide, model, chosen.version)
    report = PredictReport(resolved.id, guide.name, model, version)
    tasks = list_tasks(client, resolved.id, full=True)
    data_key, report_key = guide.text.data_key, guide.text.report_key
    if model in ("matcher", "all"):
        for task in tasks:
            text = (task.get("data") or {}).get(data_key)
            if not isinstance(text, str):
                continue
            for annotation in _submitted(task):
                report.learned_spans += models.matcher.learn(text, annotation["result"], key=str(annotation.get("id")))
                report.learned_annotations += 1
    wanted = set(reports) if reports else None
    seen_reports: set[str] = set()
    todo: list[tuple[int, str]] = []
    for task in tasks:
        data = task.get("data") or {}
        text, report_id = data.get(data_key), data.get(report_key)
        if wanted is not None:
            if report_id not in wanted:
                continue
            seen_reports.add(str(report_id))
        if not isinstance(text, str):
            continue
        report.tasks += 1
        if any(isinstance(p, dict) and p.get("model_version") == version for p in task.get("predictions") or []):
            report.already += 1
            continue
        todo.append((int(task["id"]), text))
    if wanted is not None:
        report.unknown_reports = sorted(wanted - seen_reports)

    def payload(part: list[tuple[int, str]]) -> list[dict[str, Any]]:
        """The predictions of one chunk, computed only when it is about to be sent."""
        out = []
        for task_id, text in part:
            suggestions = chosen.predict(text)
            results = to_results(guide, text, suggestions)
            report.suggestions += len(suggestions)
            report.empty += not suggestions
            score = prediction_score(suggestions)
            out.append({"task": task_id, "result": results, "model_version": version, "score": score})
        return out

    def stored(sent: list[dict[str, Any]], answer: Any) -> None:
        created = answer.get("created") if isinstance(answer, dict) else None
        if created != len(sent):
            # Label Studio 1.23 drops predictions its config check refuses and only logs why.
            raise PredictError(
                f"Label Studio stored {created} of {len(sent)} predictions sent to project {resolved.id} "
                f"(tasks {sent[0]['task']}…{sent[-1]['task']}); the others did not pass its check of the "
                "labeling config. Check that the project's config is the guide's (`partages-ls project create`)."
            )
        report.predicted += len(sent)

    chunks = (payload(part) for part in chunked(todo, chunk_size))
    path = f"/api/projects/{resolved.id}/import/predictions"
    try:
        post_chunks(client, path, chunks, total=len(todo), progress=progress, stored=stored)
    except StudioUnreachableError as exc:
        raise PredictError(
            f"predict stopped after {report.predicted} task(s) of project {resolved.id}: {exc}\n"
            "Run the same command again: it computes only what is still missing."
        ) from None
    if report.predicted and not resolved.raw.get("model_version"):
        # As Label Studio does for tasks imported with predictions: a project without a model version
        # shows these predictions to annotators.
        current = client.get(f"/api/projects/{resolved.id}")
        if not current.get("model_version"):
            client.patch(f"/api/projects/{resolved.id}", {"model_version": version})
            report.activated = True
    report.requests = client.requests
    return report
