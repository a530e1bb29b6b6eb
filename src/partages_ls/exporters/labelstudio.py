"""Read a Label Studio JSON export into the corpus model, validating every result on the way.

What Label Studio stored is data: by default (``invalid="keep"``) every item that can be
represented is read as stored, and each guide rule it breaks is listed in ``Corpus.warnings``.
Only what cannot be represented at all (unknown control or label, offsets outside the text, a
relation to a missing region...) is left out, and listed in ``Corpus.skipped`` with where it is and
why, together with cancelled annotations, drafts and predictions. ``invalid="skip"`` also leaves
out every item that breaks a rule at error level (the behaviour of earlier versions).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.exporters.corpus import (
    Annotation,
    Corpus,
    Document,
    Flaw,
    Provenance,
    Relation,
    Skipped,
    Span,
)
from partages_ls.exporters.gold import GoldPolicy
from partages_ls.exporters.validation import UNREPRESENTABLE, Violation, analyse, relation_key
from partages_ls.guides.model import Guide
from partages_ls.guides.rules import compile_rules

SIDECAR_SUFFIX = ".meta.json"


def load_export(path: Path) -> list[dict[str, Any]]:
    """The task list of a raw JSON export, with a located error when the file is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DiagnosticError("cannot read the export", [Diagnostic(str(path), "no such file")]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DiagnosticError(
            "the export is not JSON",
            [Diagnostic(str(path), str(exc), hint="use Label Studio's JSON export (not JSON_MIN, CSV or CONLL)")],
        ) from None
    if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
        raise DiagnosticError(
            "the export is not a Label Studio task list",
            [Diagnostic(str(path), "expected a JSON list of tasks", hint="use the raw JSON export")],
        )
    return data


def annotator_of(annotation: dict[str, Any]) -> str | None:
    """The annotator's e-mail when the export expanded it, else the user id as text."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        email = who.get("email")
        return str(email) if email else (str(who["id"]) if "id" in who else None)
    return None if who is None else str(who)


INVALID_MODES = ("keep", "skip", "fail")


def _skip_targets(violations: Iterable[Violation], strict: bool, invalid: str) -> dict[str, list[Violation]]:
    """The items left out: with ``skip`` every item that breaks a rule (warnings too when strict),
    otherwise only what cannot be represented at all (unknown control or label, bad offsets…)."""
    blocking: dict[str, list[Violation]] = {}
    for violation in violations:
        by_level = violation.level == "error" or strict
        if by_level if invalid == "skip" else violation.rule in UNREPRESENTABLE:
            blocking.setdefault(violation.target, []).append(violation)
    return blocking


def _first_valid(items: list[list[str]], values: list[str]) -> tuple[str | None, list[str]]:
    """The first stored value the guide knows, and every other stored value (left out)."""
    left = [c for item in items for c in item]
    kept = next((c for c in left if c in values), None)
    if kept is not None:
        left.remove(kept)
    return kept, left


def read_annotation(
    rules: dict[str, Any],
    text: str,
    raw: dict[str, Any],
    where: Provenance,
    corpus: Corpus,
    *,
    strict: bool = False,
    invalid: str = "keep",
    report: str = "",
) -> Annotation | None:
    """Convert one submitted annotation.

    ``keep`` (default) carries every representable item as stored and lists each rule it breaks in
    ``corpus.warnings`` (kind = the rule's level); only what cannot be represented (see
    :data:`UNREPRESENTABLE`) goes to ``corpus.skipped``. ``skip`` leaves out every item that breaks
    a rule at error level (warnings too when ``strict``), as earlier versions did.
    """
    results = raw.get("result") or []
    violations, regions = analyse(rules, text, results)
    blocking = _skip_targets(violations, strict, invalid)
    for violation in violations:
        if violation.target not in blocking:
            corpus.warnings.append(
                Skipped(_where(where, violation.target), violation.level, violation.message, violation.rule)
            )
            flawed = _provenance(where, violation.target)
            corpus.flaws.append(Flaw(report, flawed, violation.rule, violation.level, violation.message))
    whole = [v for target, vs in blocking.items() if target.startswith("rule:") for v in vs]
    if whole:
        for violation in whole:
            corpus.skipped.append(Skipped(where.where(), "annotation", violation.message, violation.rule))
        return None

    annotation = Annotation(
        annotator=where.annotator,
        annotation_id=where.annotation_id,
        ground_truth=bool(raw.get("ground_truth")),
    )
    specs_attr = rules["attributes"]
    kept: set[str] = set()
    for region_id, region in regions.items():
        if region_id in blocking or region.label is None:
            for violation in blocking.get(region_id, []):
                corpus.skipped.append(Skipped(_where(where, region_id), "span", violation.message, violation.rule))
            continue
        attributes: dict[str, str] = {}
        for name, items in region.attributes.items():
            spec = specs_attr.get(name)
            if spec is None or region.label not in spec["applies_to"]:
                left = [c for item in items for c in item]
                reason = "attribut qui ne s'applique pas à cette étiquette : non exportable"
            else:
                value, left = _first_valid(items, spec["values"])
                if value is not None:
                    attributes[name] = value
                reason = f"valeur de « {spec['display']} » non exportable (inconnue du guide ou en trop)"
            for choice in left:
                corpus.skipped.append(
                    Skipped(_where(where, region_id), "attribute", f"{reason} : « {choice} »", "attribute-value")
                )
        annotation.spans.append(
            Span(
                id=region_id,
                label_set=region.control,
                label=region.label,
                begin=region.start,
                end=region.end,
                attributes=attributes,
                provenance=_provenance(where, region_id),
            )
        )
        kept.add(region_id)
    for target, found in blocking.items():
        if target not in regions and not target.startswith(("relation:", "field:", "rule:")):
            for violation in found:
                corpus.skipped.append(Skipped(_where(where, target), "result", violation.message, violation.rule))

    specs = rules["relations"]
    for item in (r for r in results if r.get("type") == "relation"):
        key = relation_key(item)
        if key in blocking:
            for violation in blocking[key]:
                corpus.skipped.append(Skipped(_where(where, key), "relation", violation.message, violation.rule))
            continue
        source, target = str(item.get("from_id")), str(item.get("to_id"))
        if source not in kept or target not in kept:
            corpus.skipped.append(
                Skipped(
                    _where(where, key),
                    "relation",
                    "une extrémité de la relation n'est pas exportée",
                    "relation-endpoint-skipped",
                )
            )
            continue
        relation_type = str((item.get("labels") or [""])[0])
        if item.get("direction") == "left" and specs[relation_type]["directed"]:
            source, target = target, source
        annotation.relations.append(
            Relation(
                id=f"{source}>{target}:{relation_type}",
                type=relation_type,
                source=source,
                target=target,
                provenance=_provenance(where, key),
            )
        )
    for name, spec in rules["document_fields"].items():
        key = f"field:{name}"
        chosen = [
            str(c)
            for item in results
            if item.get("from_name") == name and "start" not in (item.get("value") or {})
            for c in (item.get("value") or {}).get("choices") or []
        ]
        if key in blocking:
            for violation in blocking[key]:
                corpus.skipped.append(Skipped(_where(where, key), "field", violation.message, violation.rule))
            continue
        known = [c for c in dict.fromkeys(chosen) if c in spec["values"]]
        if not spec["multiple"]:
            known = known[:1]
        for choice in chosen:
            if choice not in known:
                corpus.skipped.append(
                    Skipped(
                        _where(where, key),
                        "field",
                        f"valeur de « {spec['display']} » non exportable (inconnue du guide ou en trop) : « {choice} »",
                        "document-field-value",
                    )
                )
        if known:
            annotation.fields[name] = known
    return annotation


def _provenance(where: Provenance, result_id: str) -> Provenance:
    return Provenance(where.task_id, where.annotation_id, result_id, where.annotator, where.source)


def _where(where: Provenance, result_id: str) -> str:
    return _provenance(where, result_id).where()


def read_labelstudio(
    tasks: list[dict[str, Any]],
    guide: Guide,
    *,
    strict: bool = False,
    source: str | None = None,
    policy: GoldPolicy | None = None,
    invalid: str = "keep",
) -> Corpus:
    """Every submitted annotation of every task, validated; the rest listed as skipped.

    ``invalid`` is ``keep`` (default: carry every representable item, list its violations) or
    ``skip`` (leave out every item that breaks a rule); see :func:`read_annotation`.

    With a gold ``policy`` that names annotations (annotator, curator, ground truth), the others are
    listed as not exported without being converted: an export only pays for what it writes.
    """
    rules = compile_rules(guide)
    corpus = Corpus(guide=guide.name, guide_version=guide.version)
    text_key, report_key = guide.text.data_key, guide.text.report_key
    for position, task in enumerate(tasks):
        task_id = task.get("id")
        base = Provenance(task_id=task_id if isinstance(task_id, int) else None, source=source)
        task_where = base.where() if task_id is not None else f"{source or 'export'} / task #{position}"
        data = task.get("data") or {}
        text = data.get(text_key)
        if not isinstance(text, str):
            corpus.skipped.append(
                Skipped(task_where, "task", f"la tâche n'a pas de texte dans data.{text_key}", "task-text")
            )
            for raw in task.get("annotations") or []:
                corpus.skipped.append(
                    Skipped(f"{task_where} / annotation {raw.get('id')}", "annotation", "tâche sans texte", "task-text")
                )
            continue
        report = str(data.get(report_key) or f"task-{task_id}")
        if report_key not in data:
            corpus.warnings.append(
                Skipped(
                    task_where, "task", f"pas d'identifiant data.{report_key} : « {report} » utilisé", "task-report"
                )
            )
        document = Document(report=report, text=text, task_id=base.task_id)
        for raw in task.get("annotations") or []:
            where = Provenance(base.task_id, raw.get("id"), None, annotator_of(raw), source)
            if raw.get("was_cancelled"):
                corpus.skipped.append(
                    Skipped(where.where(), "annotation", "annotation ignorée (skip) par l'annotateur", "cancelled")
                )
                continue
            document.submitted += 1
            if policy is not None and policy.kind != "single" and not policy.picks_raw(raw):
                corpus.skipped.append(
                    Skipped(
                        where.where(),
                        "annotation",
                        f"pas l'annotation de référence (politique « {policy} »)",
                        "not-gold",
                    )
                )
                continue
            annotation = read_annotation(rules, text, raw, where, corpus, strict=strict, invalid=invalid, report=report)
            if annotation is not None:
                document.annotations.append(annotation)
        for draft in task.get("drafts") or []:
            corpus.skipped.append(
                Skipped(f"{task_where} / draft {draft.get('id')}", "draft", "brouillon : jamais exporté", "draft")
            )
        for prediction in task.get("predictions") or []:
            corpus.skipped.append(
                Skipped(
                    f"{task_where} / prediction {prediction.get('id')}",
                    "prediction",
                    "prédiction : jamais exportée comme annotation de référence",
                    "prediction",
                )
            )
        corpus.documents.append(document)
    _check_unique_reports(corpus)
    corpus.sort()
    return corpus


def _check_unique_reports(corpus: Corpus) -> None:
    seen: dict[str, Document] = {}
    problems = []
    for document in corpus.documents:
        if document.report in seen:
            problems.append(
                Diagnostic(
                    f"task {document.task_id}",
                    f"report {document.report!r} is also task {seen[document.report].task_id}",
                    hint="each report must be imported once; remove the duplicate task in Label Studio",
                )
            )
        seen.setdefault(document.report, document)
    if problems:
        raise DiagnosticError("the export holds the same report twice", problems)
