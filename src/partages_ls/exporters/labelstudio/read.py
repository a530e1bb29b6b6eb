"""Read a Label Studio JSON export into the corpus model, validating every result on the way.

What Label Studio stored is data: by default (``invalid="keep"``) every item that can be
represented is read as stored, and each guide rule it breaks is listed in ``Corpus.warnings``.
Only what cannot be represented at all (unknown control or label, offsets outside the text, a
relation to a missing region...) is left out, and listed in ``Corpus.skipped`` with where it is and
why, together with cancelled annotations, drafts and predictions. ``invalid="skip"`` also leaves
out every item that breaks a rule at error level (the behaviour of earlier versions).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeGuard

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
from partages_ls.exporters.shape import JsonShapeError, encodable, escaped, parse_json, screen_results
from partages_ls.exporters.task_stream import iter_tasks
from partages_ls.guides.model import Guide
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.engine import Violation, analyse, relation_key
from partages_ls.rules.table import UNREPRESENTABLE


def load_export(path: Path) -> list[dict[str, Any]]:
    """The task list of a raw JSON export, with a located error when the file is not one."""
    try:
        data = parse_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DiagnosticError("cannot read the export", [Diagnostic(str(path), "no such file")]) from None
    except OSError as exc:
        raise DiagnosticError("cannot read the export", [Diagnostic(str(path), exc.strerror or str(exc))]) from None
    except UnicodeDecodeError as exc:
        raise DiagnosticError(
            "the export is not UTF-8 JSON",
            [Diagnostic(f"{path}: byte {exc.start}", str(exc.reason), hint="use Label Studio's JSON export")],
        ) from None
    except JsonShapeError as exc:
        raise DiagnosticError(
            "the export is not JSON",
            [
                Diagnostic(
                    f"{path}: {exc.where}", exc.why, hint="use Label Studio's JSON export (not JSON_MIN, CSV or CONLL)"
                )
            ],
        ) from None
    if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
        raise DiagnosticError(
            "the export is not a Label Studio task list",
            [Diagnostic(str(path), "expected a JSON list of tasks", hint="use the raw JSON export")],
        )
    return data


def stream_export(path: Path) -> Iterator[dict[str, Any]]:
    """The tasks of a raw JSON export one at a time (memory: one task), refused as :func:`load_export` refuses.

    When the stream finds the file is not a task list, the whole file is read once more by
    :func:`load_export` so the error (its words and its location) is the one the commands always gave;
    that costs memory only on a broken file.
    """
    try:
        yield from iter_tasks(path)
    except DiagnosticError:
        load_export(path)  # raises the usual located error
        raise  # the stream refused what the standard library accepts: keep the stream's error


def annotator_of(annotation: dict[str, Any]) -> str | None:
    """The annotator's e-mail when the export expanded it, else the user id as text."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        email = who.get("email")
        found = email if isinstance(email, str) and email else who.get("id")
    else:
        found = who
    if found is None or isinstance(found, (dict, list)):
        return None
    # An e-mail holding a lone surrogate cannot be written to any file: it is shown escaped.
    return str(found) if encodable(str(found)) else escaped(str(found))


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
    for index, choice in enumerate(left):
        if choice in values:
            del left[index]
            return choice, left
    return None, left


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
    text_name: str | None = None,
) -> Annotation | None:
    """Convert one submitted annotation.

    Items whose structure is wrong (see :mod:`~partages_ls.exporters.shape`) are listed before any
    rule runs; ``text_name`` is the report's Text object, the only ``to_name`` accepted.
    ``keep`` (default) carries every representable item as stored and lists each rule it breaks in
    ``corpus.warnings`` (kind = the rule's level); only what cannot be represented (see
    :data:`UNREPRESENTABLE`) goes to ``corpus.skipped``. ``skip`` leaves out every item that breaks
    a rule at error level (warnings too when ``strict``), as earlier versions did.
    """
    results, malformed = screen_results(raw.get("result"), text_name)
    for bad in malformed:
        corpus.skipped.append(Skipped(_where(where, bad.target), bad.kind, bad.message, "malformed"))
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
    # Every span shares the annotation's provenance but for its result id.
    task_id, annotation_id, annotator, source = where.task_id, where.annotation_id, where.annotator, where.source
    kept: set[str] = set()
    add_span, keep = annotation.spans.append, kept.add
    for region_id, region in regions.items():
        label = region.label
        if label is None or region_id in blocking:
            for violation in blocking.get(region_id, []):
                corpus.skipped.append(Skipped(_where(where, region_id), "span", violation.message, violation.rule))
            continue
        attributes: dict[str, str] = {}
        for name, items in region.attributes.items():
            spec = specs_attr.get(name)
            applies = spec is not None and label in spec["applies_to"]
            # The common case: one item holding one value the guide knows, nothing left out.
            if applies and len(items) == 1 and len(items[0]) == 1 and items[0][0] in spec["values"]:
                attributes[name] = items[0][0]
                continue
            if not applies:
                left = [c for item in items for c in item]
            else:
                value, left = _first_valid(items, spec["values"])
                if value is not None:
                    attributes[name] = value
            if not left:
                continue
            if applies:
                reason = f"valeur de « {spec['display']} » non exportable (inconnue du guide ou en trop)"
            else:
                reason = "attribut qui ne s'applique pas à cette étiquette : non exportable"
            for choice in left:
                corpus.skipped.append(
                    Skipped(_where(where, region_id), "attribute", f"{reason} : « {choice} »", "attribute-value")
                )
        provenance = Provenance(task_id, annotation_id, region_id, annotator, source)
        add_span(Span(region_id, region.control, label, region.start, region.end, attributes, provenance))
        keep(region_id)
    for target, found in blocking.items():
        if target not in regions and not target.startswith(("relation:", "field:", "rule:")):
            for violation in found:
                corpus.skipped.append(Skipped(_where(where, target), "result", violation.message, violation.rule))

    # One pass over the results for the relations and each document field's choices (in stored order).
    fields = rules["document_fields"]
    relations: list[dict[str, Any]] = []
    field_choices: dict[str, list[str]] = {}
    if fields:
        for item in results:
            if item.get("type") == "relation":
                relations.append(item)
            control = item.get("from_name")
            if isinstance(control, str) and control in fields:
                stored = item.get("value") or {}
                if "start" not in stored:
                    field_choices.setdefault(control, []).extend(str(c) for c in stored.get("choices") or [])
    else:  # most guides have no document field: the relations are all this pass looks for
        relations = [item for item in results if item.get("type") == "relation"]
    specs = rules["relations"]
    for item in relations:
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
    for name, spec in fields.items():
        key = f"field:{name}"
        chosen = field_choices.get(name, [])
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


class TaskReader:
    """Turns tasks into documents one at a time, listing what it leaves out in ``corpus``.

    ``corpus.documents`` is not filled: :func:`read_labelstudio` keeps the documents, a streaming
    command (export, agreement) handles each as it comes and forgets it. What stays in memory is
    the problem lists and the ids seen (tasks, annotations, reports), never a task or its text.
    Call :meth:`finish` once every task is read: it refuses a report imported twice.
    """

    def __init__(
        self,
        guide: Guide,
        *,
        strict: bool = False,
        source: str | None = None,
        policy: GoldPolicy | None = None,
        invalid: str = "keep",
    ) -> None:
        self.rules = compile_rules(guide)
        self.corpus = Corpus(guide=guide.name, guide_version=guide.version)
        self.text_key, self.report_key = guide.text.data_key, guide.text.report_key
        self.strict, self.source, self.policy, self.invalid = strict, source, policy, invalid
        self.seen_tasks: set[int] = set()
        self.seen_annotations: set[int] = set()
        self.reports: dict[str, int | None] = {}  # report → task id of its first document
        self.duplicates: list[Diagnostic] = []
        self.position = 0

    def read(self, task: dict[str, Any]) -> Document | None:
        """The task's document (None when the task has no usable text), its problems listed."""
        position, self.position = self.position, self.position + 1
        corpus, source = self.corpus, self.source
        task_id = task.get("id")
        base = Provenance(task_id=task_id if _is_int(task_id) else None, source=source)
        task_where = base.where() if base.task_id is not None else f"{source or 'export'} / task #{position}"
        if base.task_id is not None and base.task_id in self.seen_tasks:
            corpus.warnings.append(
                Skipped(task_where, "task", f"l'identifiant de tâche {task_id} apparaît deux fois", "duplicate-task-id")
            )
        if base.task_id is not None:
            self.seen_tasks.add(base.task_id)
        for key in ("annotations", "drafts", "predictions"):
            if task.get(key) is not None and not isinstance(task[key], list):
                reason = f"{key} n'est pas une liste : aucun élément n'en est lu"
                corpus.skipped.append(Skipped(task_where, "task", reason, "malformed"))
        data = task.get("data")
        data = data if isinstance(data, dict) else {}
        text = data.get(self.text_key)
        report_value = data.get(self.report_key)
        problem = _task_problem(text, report_value, self.text_key, self.report_key)
        if problem is not None:
            corpus.skipped.append(Skipped(task_where, "task", problem, "task-text"))
            for raw in _items(task.get("annotations")):
                corpus.skipped.append(
                    Skipped(
                        f"{task_where} / annotation {_shown_id(raw)}", "annotation", "tâche sans texte", "task-text"
                    )
                )
            return None
        assert isinstance(text, str)
        report = str(report_value or f"task-{task_id}")
        if self.report_key not in data:
            corpus.warnings.append(
                Skipped(
                    task_where,
                    "task",
                    f"pas d'identifiant data.{self.report_key} : « {report} » utilisé",
                    "task-report",
                )
            )
        document = Document(report=report, text=text, task_id=base.task_id)
        for raw in _items(task.get("annotations")):
            annotation = self._annotation(raw, task_where, base, document)
            if annotation is not None:
                document.annotations.append(annotation)
        for draft in _items(task.get("drafts")):
            corpus.skipped.append(
                Skipped(f"{task_where} / draft {_shown_id(draft)}", "draft", "brouillon : jamais exporté", "draft")
            )
        for prediction in _items(task.get("predictions")):
            corpus.skipped.append(
                Skipped(
                    f"{task_where} / prediction {_shown_id(prediction)}",
                    "prediction",
                    "prédiction : jamais exportée comme annotation de référence",
                    "prediction",
                )
            )
        self._note_report(document)
        for annotation in document.annotations:
            annotation.sort()
        document.annotations.sort(key=lambda a: (a.annotator or "", a.annotation_id or 0))
        return document

    def _annotation(self, raw: object, task_where: str, base: Provenance, document: Document) -> Annotation | None:
        corpus, policy = self.corpus, self.policy
        if not isinstance(raw, dict):
            corpus.skipped.append(
                Skipped(task_where, "annotation", "annotation illisible : ce n'est pas un objet JSON", "malformed")
            )
            return None
        annotation_id = raw.get("id")
        where = Provenance(
            base.task_id, annotation_id if _is_int(annotation_id) else None, None, annotator_of(raw), self.source
        )
        who = raw.get("completed_by")
        email = who.get("email") if isinstance(who, dict) else None
        if isinstance(email, str) and not encodable(email):
            reason = f"l'e-mail de l'annotateur contient un caractère non encodable : écrit « {where.annotator} »"
            corpus.warnings.append(Skipped(where.where(), "annotation", reason, "annotator-encoding"))
        if _is_int(annotation_id):
            if annotation_id in self.seen_annotations:
                corpus.warnings.append(
                    Skipped(
                        where.where(),
                        "annotation",
                        f"l'identifiant d'annotation {annotation_id} apparaît deux fois",
                        "duplicate-annotation-id",
                    )
                )
            self.seen_annotations.add(annotation_id)
        if raw.get("was_cancelled"):
            corpus.skipped.append(
                Skipped(where.where(), "annotation", "annotation ignorée (skip) par l'annotateur", "cancelled")
            )
            return None
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
            return None
        return read_annotation(
            self.rules,
            document.text,
            raw,
            where,
            corpus,
            strict=self.strict,
            invalid=self.invalid,
            report=document.report,
            text_name=self.text_key,
        )

    def _note_report(self, document: Document) -> None:
        if document.report in self.reports:
            self.duplicates.append(
                Diagnostic(
                    f"task {document.task_id}",
                    f"report {document.report!r} is also task {self.reports[document.report]}",
                    hint="each report must be imported once; remove the duplicate task in Label Studio",
                )
            )
        self.reports.setdefault(document.report, document.task_id)

    def finish(self) -> None:
        """Refuses a report that two tasks hold (every duplicate listed), once all tasks are read."""
        if self.duplicates:
            raise DiagnosticError("the export holds the same report twice", self.duplicates)


def iter_documents(tasks: Iterable[dict[str, Any]], reader: TaskReader) -> Iterator[Document]:
    """Each task's document as it is read (see :class:`TaskReader`); then :meth:`TaskReader.finish`."""
    for task in tasks:
        document = reader.read(task)
        if document is not None:
            yield document
    reader.finish()


def read_labelstudio(
    tasks: Iterable[dict[str, Any]],
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
    reader = TaskReader(guide, strict=strict, source=source, policy=policy, invalid=invalid)
    documents = list(iter_documents(tasks, reader))
    corpus = reader.corpus
    corpus.documents = documents
    corpus.documents.sort(key=lambda d: d.report)
    return corpus


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _items(value: object) -> list[Any]:
    """A list field of a task (annotations, drafts, predictions); anything else holds no item."""
    return value if isinstance(value, list) else []


def _shown_id(item: object) -> str:
    found = item.get("id") if isinstance(item, dict) else None
    return str(found) if _is_int(found) or (isinstance(found, str) and encodable(found)) else "?"


def _task_problem(text: object, report: object, text_key: str, report_key: str) -> str | None:
    """Why a task cannot become a document (no text, unwritable text or report id), or None."""
    if not isinstance(text, str):
        return f"la tâche n'a pas de texte dans data.{text_key}"
    if not encodable(text):
        return f"data.{text_key} contient un caractère non encodable en UTF-8 (substitut isolé)"
    if (report is not None and not isinstance(report, (str, int))) or isinstance(report, bool):
        return f"data.{report_key} n'est pas un texte"
    if isinstance(report, str) and not encodable(report):
        return f"data.{report_key} « {escaped(report)} » contient un caractère non encodable en UTF-8"
    return None
