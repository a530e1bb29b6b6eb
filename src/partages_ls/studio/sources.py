"""What `partages-ls import` can read: report texts, with or without annotations.

A SOURCE is one of:

- ``reports``: a folder of ``<REPORT>.txt`` files (report id = file stem), or a folder holding such
  a ``reports/`` folder (the bundled ``samples/<guide>/`` layout);
- ``parhaf``: a PARHAF hub subset folder (``data/document_metadata/...parquet``);
- ``cas``: a folder of UIMA CAS JSON files, one per report (INCEpTION's delivery format);
- ``brat``: a brat folder (``.txt`` + ``.ann`` per report);
- ``results``: a ``.json`` file holding a list of ``{"report": ID, "result": [...]}`` (Label
  Studio result items, e.g. one annotator's bundled sample annotations).

Readers return plain :class:`SourceDocument` values; annotations travel as Label Studio result
lists (written by :func:`~partages_ls.exporters.labelstudio_write.corpus_to_results`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.errors import Diagnostic, DiagnosticError, PartagesError
from partages_ls.exporters.corpus import Corpus
from partages_ls.exporters.labelstudio_write import corpus_to_results
from partages_ls.exporters.shape import JsonShapeError, parse_json, screen_results
from partages_ls.guides.model import Guide
from partages_ls.rules.engine import relation_key

KINDS = ("reports", "parhaf", "cas", "brat", "results")
_CAS_KEYS = ('"%FEATURE_STRUCTURES"', '"%TYPES"', '"%VIEWS"')
_NOT_CAS = {"export-report.json"}
KINDS_HELP = (
    "a folder of <REPORT>.txt reports, a PARHAF subset folder (data/document_metadata/*.parquet), "
    "a folder of UIMA CAS JSON files, a brat folder (.txt + .ann), or a .json file listing "
    '{"report": ID, "result": [...]} items'
)


class SourceError(PartagesError):
    """A SOURCE that is not one of the kinds `import` reads, or that cannot be read."""


@dataclass
class SourceDocument:
    """One report as a source gives it: its text (if the source has it) and an annotation (if any)."""

    report: str
    text: str | None
    results: list[dict[str, Any]] | None = None
    located: dict[str, str] = field(default_factory=dict)  # result id / relation key -> where in the source


@dataclass
class Source:
    """The documents of one SOURCE, with what its reader noted on the way."""

    path: Path
    kind: str
    documents: list[SourceDocument] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_out: list[Diagnostic] = field(default_factory=list)  # items the reader could not read, each alone

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.path.name}"

    @property
    def has_annotations(self) -> bool:
        return any(d.results is not None for d in self.documents)


def _files(folder: Path, suffix: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == suffix and not p.name.startswith("."))


def _looks_like_cas(path: Path) -> bool:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            head = handle.read(8192)
    except OSError:
        return False
    return any(key in head for key in _CAS_KEYS)


def detect_kind(path: Path) -> str:
    """The kind of SOURCE at ``path``; an explained :class:`SourceError` when it is none of them."""
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if path.is_file():
        if path.suffix == ".json":
            return "results"
        raise SourceError(f"{path}: a file SOURCE must be a .json list of report results; expected {KINDS_HELP}")
    if (path / "data" / "document_metadata").is_dir():
        return "parhaf"
    if _files(path, ".ann"):
        return "brat"
    jsons = [p for p in _files(path, ".json") if p.name not in _NOT_CAS]
    if jsons and _looks_like_cas(jsons[0]):
        return "cas"
    if _files(path, ".txt"):
        return "reports"
    if (path / "reports").is_dir() and _files(path / "reports", ".txt"):
        return "reports"
    found = sorted(p.name + ("/" if p.is_dir() else "") for p in path.iterdir())[:8]
    brat_subfolders = [p.name for p in sorted(path.iterdir()) if p.is_dir() and any(p.glob("*.ann"))]
    hint = f"; brat folders per annotator inside: pass {path}/{brat_subfolders[0]}" if brat_subfolders else ""
    raise SourceError(
        f"{path}: unknown kind of source (found: {', '.join(found) or 'nothing'}){hint}; expected {KINDS_HELP}"
    )


def _read_reports(path: Path) -> Source:
    folder = path / "reports" if not _files(path, ".txt") and (path / "reports").is_dir() else path
    source = Source(path, "reports")
    problems: list[Diagnostic] = []
    for file in _files(folder, ".txt"):
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Diagnostic(str(file), f"not UTF-8 text: {exc}"))
            continue
        if not text.strip():
            problems.append(Diagnostic(str(file), "empty report"))
            continue
        source.documents.append(SourceDocument(file.stem, text))
    if problems and not source.documents:
        raise DiagnosticError(f"cannot read the reports of {path}", problems)
    source.left_out += problems  # each unreadable report alone; the others are imported
    return source


def _from_corpus(path: Path, kind: str, corpus: Corpus, guide: Guide) -> Source:
    source = Source(path, kind)
    source.left_out += [
        Diagnostic(s.where, f"not imported: {s.reason}", code=s.rule) for s in corpus.skipped if s.rule == "unreadable"
    ]
    source.notes += [f"{s.where}: {s.reason}" for s in corpus.skipped if s.rule != "unreadable"]
    source.notes += [f"{w.where}: {w.reason}" for w in corpus.warnings]
    for document in corpus.documents:
        if len(document.annotations) > 1:
            raise SourceError(
                f"{path}: report {document.report} holds {len(document.annotations)} annotations; "
                "import them one annotator at a time"
            )
        located: dict[str, str] = {}
        results = None
        if document.annotations:
            annotation = document.annotations[0]
            results = corpus_to_results(annotation, guide, text=document.text)
            located = {span.id: span.provenance.source for span in annotation.spans if span.provenance.source}
            for item in results:
                if item.get("type") == "relation":
                    relation = next(
                        (
                            r
                            for r in annotation.relations
                            if (r.source, r.target) == (item.get("from_id"), item.get("to_id"))
                            and [r.type] == item.get("labels")
                        ),
                        None,
                    )
                    if relation is not None and relation.provenance.source:
                        located[relation_key(item)] = relation.provenance.source
        source.documents.append(SourceDocument(document.report, document.text, results, located))
    return source


def _read_results(path: Path) -> Source:
    try:
        data = parse_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, JsonShapeError) as exc:
        raise SourceError(f"{path}: cannot read it as JSON: {exc}") from None
    if not isinstance(data, list):
        raise SourceError(f'{path}: expected a JSON list of {{"report": ID, "result": [...]}} items')
    source = Source(path, "results")
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    for position, item in enumerate(data):
        where = f"{path.name}[{position}]"
        if not isinstance(item, dict) or not isinstance(item.get("report"), str):
            problems.append(Diagnostic(where, 'expected {"report": ID, "result": [...]}'))
            continue
        results = item.get("result")
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            problems.append(Diagnostic(where, "result must be a list of Label Studio result items"))
            continue
        malformed = screen_results(results)[1]
        if malformed:
            problems.extend(Diagnostic(f"{where} / result {m.target}", m.message) for m in malformed)
            continue
        report = item["report"]
        if report in seen:
            problems.append(Diagnostic(where, f"report {report!r} appears twice"))
            continue
        seen.add(report)
        text = item.get("text")
        source.documents.append(SourceDocument(report, text if isinstance(text, str) else None, results))
    if problems and not source.documents:
        raise DiagnosticError(f"{path} is not a list of report results", problems)
    source.left_out += problems  # each malformed item alone; the others are imported
    return source


def read_source(path: Path, guide: Guide) -> Source:
    """Read one SOURCE of any kind against ``guide`` (annotations validated later, at import)."""
    kind = detect_kind(path)
    if kind == "reports":
        return _read_reports(path)
    if kind == "results":
        return _read_results(path)
    if kind == "parhaf":
        from partages_ls.exporters.parhaf_read import read_parhaf

        return _from_corpus(path, kind, read_parhaf(path, guide, partial=True), guide)
    if kind == "cas":
        from partages_ls.exporters.cas import read_cas

        return _from_corpus(path, kind, read_cas(path, guide, partial=True), guide)
    from partages_ls.exporters.brat import read_brat

    return _from_corpus(path, kind, read_brat(path, guide, partial=True), guide)
