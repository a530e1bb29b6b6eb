"""Read a pulled curation project: curated annotations, unresolved markers, provenance.

A curation task (task data ``curation_strategy``) holds copies of the annotators' annotations and
the curator's annotation. The latter is *curated* once "Curation terminée" is ticked; it is then
the gold (``export --gold curated``). A curated annotation that still holds a conflict marker is
refused, naming the marker, by ``validate`` and ``export``. Before the guide's rules see any
annotation of a curation task, the curation controls (marker, details, summary, done box) are
removed: they are not part of the guide.
"""

from __future__ import annotations

from typing import Any

from partages_ls.curation.studio_format import is_done, markers, strip_curation
from partages_ls.errors import Diagnostic, Level
from partages_ls.exporters.shape import obj, objects

CURATED_FLAG = "partages_ls_curated"  # set on the in-memory copy of a curated annotation


def is_curation_task(task: object) -> bool:
    return "curation_strategy" in obj(obj(task).get("data"))


def _email(raw: dict[str, Any]) -> str | None:
    who = raw.get("completed_by")
    if isinstance(who, dict):
        return str(who.get("email") or who.get("id") or "") or None
    return None if who is None else str(who)


def unresolved_markers(tasks: list[dict[str, Any]], *, source: str = "export") -> list[Diagnostic]:
    """One error per conflict marker left in a curated annotation, naming it."""
    found = []
    for task in tasks:
        if not is_curation_task(task):
            continue
        report = obj(task.get("data")).get("report")
        for raw in objects(task.get("annotations")):
            results = objects(raw.get("result"))
            if raw.get("was_cancelled") or not is_done(results):
                continue
            for marker in markers(results):
                where = f"{source} / task {task.get('id')} ({report}) / annotation {raw.get('id')}"
                where += f' / result "{marker["id"]}"'
                found.append(
                    Diagnostic(
                        where,
                        f"conflit non résolu [{marker['start']}-{marker['end']}] « {marker['text']} » : "
                        f"{marker['detail'] or 'marqueur Conflit'}",
                        hint="resolve the conflict in the curation task, delete its Conflit region, then Update",
                        code="curation-unresolved",
                    )
                )
    return found


def pending_curation(tasks: list[dict[str, Any]], *, source: str = "export") -> list[Diagnostic]:
    """One warning per curation task not finished yet: its annotations are drafts of the curator's
    work, checked like any other, but nothing of the task can be exported as curated."""
    found = []
    for task in tasks:
        if not is_curation_task(task):
            continue
        submitted = [raw for raw in objects(task.get("annotations")) if not raw.get("was_cancelled")]
        if any(is_done(objects(raw.get("result"))) for raw in submitted):
            continue
        left = sum(len(markers(objects(raw.get("result")))) for raw in submitted)
        state = f"{left} région(s) Conflit encore présente(s)" if submitted else "aucune annotation enregistrée"
        report = obj(task.get("data")).get("report")
        found.append(
            Diagnostic(
                f"{source} / task {task.get('id')} ({report})",
                f"curation non terminée : « Curation terminée » n'est pas cochée ({state})",
                Level.WARNING,
                hint="finish it in Label Studio (resolve each Conflit region, tick « Curation terminée », Update); "
                "`partages-ls curate status PROJECT` lists what is left",
                code="curation-pending",
            )
        )
    return found


def guide_view(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tasks as the guide sees them: curation controls removed, curated annotations flagged."""
    viewed = []
    for task in tasks:
        if not is_curation_task(task):
            viewed.append(task)
            continue
        annotations = []
        for raw in objects(task.get("annotations")):
            results = objects(raw.get("result"))
            copy = {**raw, "result": strip_curation(results)}
            if not raw.get("was_cancelled") and is_done(results):
                copy[CURATED_FLAG] = True
                copy["ground_truth"] = True
            annotations.append(copy)
        viewed.append({**task, "annotations": annotations})
    return viewed


def curation_provenance(tasks: list[dict[str, Any]], report_key: str = "report") -> dict[str, dict[str, Any]]:
    """Per curated report: strategy, curator, date, kind, annotators, source project and task."""
    provenance: dict[str, dict[str, Any]] = {}
    for task in tasks:
        if not is_curation_task(task):
            continue
        data = obj(task.get("data"))
        for raw in objects(task.get("annotations")):
            if raw.get("was_cancelled") or not is_done(objects(raw.get("result"))):
                continue
            provenance[str(data.get(report_key))] = {
                "strategy": data.get("curation_strategy"),
                "kind": data.get("curation_kind"),
                "curator": _email(raw) or data.get("curation_curator"),
                "date": raw.get("updated_at") or raw.get("created_at"),
                "annotators": data.get("curation_annotators"),
                "source_project": data.get("curation_source_project"),
                "source_task": data.get("curation_source_task"),
                "curation_task": task.get("id"),
                "annotation": raw.get("id"),
            }
    return dict(sorted(provenance.items()))


def annotators_view(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The annotators' own work only: in curation tasks, the curator's annotations are left out.

    What inter-annotator agreement reads from a curation project export (the curator's starting
    point is a merge, not an annotator's judgement; the curated gold is compared with ``--reference``).
    """
    viewed = []
    for task in guide_view(tasks):
        if is_curation_task(task):
            curator = str(obj(task.get("data")).get("curation_curator") or "").lower()
            kept = [a for a in objects(task.get("annotations")) if (_email(a) or "").lower() != curator]
            task = {**task, "annotations": kept}
        viewed.append(task)
    return viewed
