"""`partages-ls import`: reports (and their annotations) into a guide's project, idempotently.

The report id (task ``data.<report_key>``) is the key. The project's tasks are listed first and
only what is missing is sent, in bulk (many tasks per ``POST /api/projects/{id}/import``). Import
POSTs are never retried blindly (a repeated POST would duplicate tasks): after a transport fault
the project is listed again and the import continues with what is still missing. A report whose
text differs from the one already imported is reported, never replaced.

Annotations are checked against the guide before they are sent. ``--as annotations`` attributes
them to one annotator (one annotation per annotator per task: importing the same annotator again
changes nothing); ``--as predictions`` (the default when a source carries annotations) stores them
as predictions, i.e. pre-annotations that annotators correct.

What an annotator stored is data: every item Label Studio can store is imported, and each guide
rule it breaks is listed (located: file, line or result, report). Only an item that cannot be
stored at all (unknown control or label, offsets outside the text, a relation or attribute whose
region does not exist, a line a reader cannot parse) is left out, alone, and listed in
``left_out``; the command then exits non-zero. ``strict`` refuses the whole import, before
anything is sent, when anything breaks a rule (warnings included) or would be left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from partages_ls.errors import Diagnostic, DiagnosticError, Level, PartagesError
from partages_ls.guides.model import Guide
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.engine import Violation, check_results, relation_key
from partages_ls.rules.table import UNREPRESENTABLE
from partages_ls.studio.annotators import user_id
from partages_ls.studio.bulk import ProgressFn, chunked, post_chunks
from partages_ls.studio.client import StudioClient, StudioError, StudioUnreachableError
from partages_ls.studio.projects import Project, list_tasks
from partages_ls.studio.sources import Source

MODES = ("predictions", "annotations")


class ImportFailedError(PartagesError):
    """The import stopped; the message says what was done and how to resume."""


class ImportRefusedError(DiagnosticError):
    """``--strict`` and something breaks a rule: nothing was sent."""


def _storable(
    rules: dict[str, Any], violations: list[Violation], results: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The result items Label Studio can store: without those an unrepresentable violation names,
    and without relations to a region that is left out."""
    bad = {v.target for v in violations if v.rule in UNREPRESENTABLE}
    if not bad:
        return results
    kept = [
        item
        for item in results
        if (relation_key(item) if item.get("type") == "relation" else str(item.get("id", ""))) not in bad
    ]
    regions = {str(item.get("id")) for item in kept if item.get("from_name") in rules["label_sets"]}
    return [
        item
        for item in kept
        if item.get("type") != "relation" or {str(item.get("from_id")), str(item.get("to_id"))} <= regions
    ]


@dataclass
class ImportOptions:
    """How to import: ``mode`` for annotations found in the sources, chunking, resumption."""

    mode: str | None = None
    annotator: str | None = None
    strict: bool = False
    chunk_size: int = 250
    chunk_bytes: int = 8_000_000
    max_resumes: int = 3


@dataclass
class ImportReport:
    """What an import did; ``as_dict`` for JSON."""

    project_id: int
    project_title: str
    guide: str
    sources: list[str]
    mode: str | None
    annotator: str | None
    reports: int = 0
    tasks_created: int = 0
    tasks_present: int = 0
    annotations_created: int = 0
    annotations_present: int = 0
    predictions_created: int = 0
    predictions_present: int = 0
    changed_text: list[str] = field(default_factory=list)
    without_text: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    invalid_reports: list[str] = field(default_factory=list)  # reports imported although they break a rule
    problems: list[Diagnostic] = field(default_factory=list)  # every violation and every item left out
    left_out: list[Diagnostic] = field(default_factory=list)  # items not imported: cannot be stored
    notes: list[str] = field(default_factory=list)
    resumed: int = 0
    requests: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for key in ("problems", "left_out"):
            data[key] = [
                {"where": d.location, "level": d.level.value, "message": d.message, "rule": d.code}
                for d in getattr(self, key)
            ]
        return data

    def done_so_far(self) -> str:
        parts = [f"{self.tasks_created} task(s) created"]
        if self.mode == "annotations":
            parts.append(f"{self.annotations_created} annotation(s) added")
        elif self.mode == "predictions":
            parts.append(f"{self.predictions_created} prediction(s) added")
        return ", ".join(parts)


@dataclass
class _Plan:
    new_tasks: list[dict[str, Any]] = field(default_factory=list)
    per_task: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (report, path, payload)

    @property
    def size(self) -> int:
        return len(self.new_tasks) + len(self.per_task)


class _Ambiguous(Exception):
    """A POST whose outcome is unknown (transport fault): re-read the project before going on."""

    def __init__(self, cause: StudioUnreachableError) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass
class _Merged:
    texts: dict[str, str] = field(default_factory=dict)
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    origin: dict[str, Source] = field(default_factory=dict)
    located: dict[tuple[str, str], str] = field(default_factory=dict)  # (report, result id) -> file:line
    left_out: list[Diagnostic] = field(default_factory=list)


def _merge(sources: list[Source]) -> _Merged:
    merged = _Merged()
    problems: list[Diagnostic] = []
    text_from: dict[str, Source] = {}
    for source in sources:
        for document in source.documents:
            report = document.report
            if document.text is not None:
                if report in merged.texts and merged.texts[report] != document.text:
                    problems.append(
                        Diagnostic(
                            f"{source.path} / report {report}",
                            f"its text differs from the one in {text_from[report].path}",
                        )
                    )
                    continue
                merged.texts[report] = document.text
                text_from.setdefault(report, source)
            if document.results is not None:
                if report in merged.results:
                    problems.append(
                        Diagnostic(
                            f"{source.path} / report {report}",
                            f"also annotated in {merged.origin[report].path}; import one annotation per run",
                        )
                    )
                    continue
                merged.results[report] = document.results
                merged.origin[report] = source
                merged.located |= {(report, rid): where for rid, where in document.located.items()}
    merged.left_out = problems  # the conflicting entry alone is left out; the rest is imported
    return merged


def _weight(entry: dict[str, Any]) -> int:
    """About how many bytes a new task entry takes in the request."""
    cost = sum(len(str(v)) for v in entry["data"].values()) * 2 + 200
    return cost + sum(len(str(x.get("result"))) for key in ("annotations", "predictions") for x in entry.get(key, []))


def _completed_by(annotation: dict[str, Any]) -> int | None:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("id")
    return who if isinstance(who, int) else None


class ProjectImporter:
    def __init__(
        self,
        client: StudioClient,
        project: Project,
        guide: Guide,
        sources: list[Source],
        options: ImportOptions,
        progress: ProgressFn | None,
    ) -> None:
        self.client = client
        self.project = project
        self.guide = guide
        self.options = options
        self.progress = progress
        self.rules = compile_rules(guide)
        self.merged = _merge(sources)
        self.mode = options.mode if self.merged.results else None
        if self.merged.results and self.mode is None:
            self.mode = "predictions"
        self.uid = user_id(client, options.annotator) if self.mode == "annotations" and options.annotator else None
        self.report = ImportReport(
            project.id,
            project.title,
            guide.name,
            [s.label for s in sources],
            self.mode,
            options.annotator if self.mode == "annotations" else None,
        )
        for source in sources:
            self.report.notes += [f"{source.label}: {note}" for note in source.notes]
            self.report.problems += source.left_out
            self.report.left_out += source.left_out
        self.report.problems += self.merged.left_out
        self.report.left_out += self.merged.left_out
        if options.mode and not self.merged.results:
            self.report.notes.append(f"the sources carry no annotations: --as {options.mode} has nothing to import")
        self.reports = sorted(set(self.merged.texts) | set(self.merged.results))
        self.report.reports = len(self.merged.texts)
        self._checked: dict[tuple[str, str], list[dict[str, Any]] | None] = {}
        self._initial_tasks: set[str] | None = None
        self._initial_attached: set[str] = set()
        self.created_tasks: set[str] = set()
        self.attached: set[str] = set()  # reports that got their annotation/prediction in this run

    # --- planning ----------------------------------------------------------------------------
    def _model_version(self, report: str) -> str:
        return f"partages-ls:{self.merged.origin[report].label}"

    def _storable_results(self, report: str, text: str) -> list[dict[str, Any]] | None:
        """What is sent for a report: every storable item; its violations listed, once per run."""
        key = (report, text)
        if key not in self._checked:
            results = self.merged.results[report]
            violations = check_results(self.rules, text, results)
            origin = self.merged.origin[report]
            for violation in violations:
                diagnostic = Diagnostic(
                    self.merged.located.get((report, violation.target))
                    or f"{origin.path.name} / report {report} / {violation.target}",
                    violation.message,
                    Level(violation.level),
                    code=violation.rule,
                )
                self.report.problems.append(diagnostic)
                if violation.rule in UNREPRESENTABLE:
                    self.report.left_out.append(diagnostic)
            if any(v.rule not in UNREPRESENTABLE for v in violations):
                self.report.invalid_reports.append(report)
            kept = _storable(self.rules, violations, results)
            self._checked[key] = kept if kept or not results else None
        return self._checked[key]

    def _attached(self, task: dict[str, Any], report: str) -> bool:
        if self.mode == "annotations":
            return any(_completed_by(a) == self.uid for a in task.get("annotations") or [] if isinstance(a, dict))
        version = self._model_version(report)
        return any(isinstance(p, dict) and p.get("model_version") == version for p in task.get("predictions") or [])

    def _attachment(self, results: list[dict[str, Any]], report: str) -> dict[str, Any]:
        if self.mode == "annotations":
            return {"result": results, "completed_by": self.uid, "ground_truth": False, "was_cancelled": False}
        return {"result": results, "model_version": self._model_version(report)}

    def plan(self, tasks: list[dict[str, Any]]) -> _Plan:
        data_key, report_key = self.guide.text.data_key, self.guide.text.report_key
        by_report: dict[str, list[dict[str, Any]]] = {}
        for task in tasks:
            report = (task.get("data") or {}).get(report_key)
            if isinstance(report, str):
                by_report.setdefault(report, []).append(task)
        first = self._initial_tasks is None
        if first:
            self._initial_tasks = {r for r in self.reports if r in by_report}
        changed, without_text, duplicates = [], [], []
        plan = _Plan()
        for report in self.reports:
            found = by_report.get(report, [])
            text = self.merged.texts.get(report)
            results = self.merged.results.get(report) if self.mode else None
            if found:
                if report not in (self._initial_tasks or set()):
                    self.created_tasks.add(report)
                task = found[0]
                stored = (task.get("data") or {}).get(data_key)
                if len(found) > 1:
                    duplicates.append(report)
                if text is not None and stored != text:
                    changed.append(report)
                    continue
                if results is None or not isinstance(stored, str) or len(found) > 1:
                    continue
                if self._attached(task, report):
                    if first:
                        self._initial_attached.add(report)
                    elif report not in self._initial_attached:
                        self.attached.add(report)
                    continue
                storable = self._storable_results(report, stored)
                if storable is None:
                    continue
                path = f"/api/tasks/{task['id']}/annotations" if self.mode == "annotations" else "/api/predictions"
                payload = self._attachment(storable, report)
                if self.mode == "predictions":
                    payload["task"] = task["id"]
                plan.per_task.append((report, path, payload))
            elif text is None:
                without_text.append(report)
            else:
                entry: dict[str, Any] = {"data": {data_key: text, report_key: report}}
                storable = self._storable_results(report, text) if results is not None else None
                if storable is not None:
                    entry[self.mode or "predictions"] = [self._attachment(storable, report)]
                plan.new_tasks.append(entry)
        self.report.changed_text, self.report.without_text, self.report.duplicates = changed, without_text, duplicates
        return plan

    # --- execution -----------------------------------------------------------------------------
    def _post(self, path: str, payload: Any) -> Any:
        try:
            return self.client.post(path, payload, retry=False)
        except StudioUnreachableError as exc:
            raise _Ambiguous(exc) from None

    def _created(self, chunk: list[dict[str, Any]], _answer: Any) -> None:
        for entry in chunk:
            report = entry["data"][self.guide.text.report_key]
            self.created_tasks.add(report)
            if self.mode in entry:
                self.attached.add(report)

    def execute(self, plan: _Plan) -> None:
        chunks = chunked(plan.new_tasks, self.options.chunk_size, self.options.chunk_bytes, _weight)
        bulk, total = f"/api/projects/{self.project.id}/import", plan.size
        try:
            done = post_chunks(self.client, bulk, chunks, total=total, progress=self.progress, stored=self._created)
        except StudioUnreachableError as exc:
            raise _Ambiguous(exc) from None
        for report, path, payload in plan.per_task:
            self._post(path, payload)
            self.attached.add(report)
            done += 1
            if self.progress:
                self.progress(done, total)

    def _refuse_when_broken(self) -> None:
        broken = self.report.problems + [d for d in self.report.left_out if d not in self.report.problems]
        if broken:
            raise ImportRefusedError(
                f"--strict: {len(broken)} problem(s) against guide {self.guide.name}; nothing was imported "
                "(without --strict, every storable item is imported and these are listed)",
                broken,
            )

    def _finish(self) -> ImportReport:
        report = self.report
        report.tasks_created = len(self.created_tasks)
        report.tasks_present = len(self._initial_tasks or set())
        attached_before = len(self._initial_attached)
        if self.mode == "annotations":
            report.annotations_created, report.annotations_present = len(self.attached), attached_before
        elif self.mode == "predictions":
            report.predictions_created, report.predictions_present = len(self.attached), attached_before
        report.invalid_reports = sorted(set(report.invalid_reports))
        report.requests = self.client.requests
        return report

    def _stopped(self, cause: Exception, permanent: bool) -> ImportFailedError:
        self._finish()
        how = (
            "fix the cause, then run the same command again"
            if permanent
            else "run the same command again once the server answers"
        )
        return ImportFailedError(
            f"import into project {self.project.id} ({self.project.title!r}) stopped: {cause}\n"
            f"Done before it stopped: {self.report.done_so_far()}. Nothing is duplicated by a new run: "
            f"{how}; it imports only what is missing."
        )

    def run(self) -> ImportReport:
        full = self.mode is not None
        attempts = 0
        while True:
            try:
                tasks = list_tasks(self.client, self.project.id, full=full)
            except StudioUnreachableError as exc:
                raise self._stopped(exc, permanent=False) from None
            plan = self.plan(tasks)
            if self.options.strict and attempts == 0:
                self._refuse_when_broken()
            try:
                self.execute(plan)
                return self._finish()
            except _Ambiguous as exc:
                attempts += 1
                self.report.resumed = attempts
                if attempts > self.options.max_resumes:
                    raise self._stopped(exc.cause, permanent=False) from None
            except StudioError as exc:
                raise self._stopped(exc, permanent=True) from None
