"""Precision, recall and F1 of each model per label, against reference annotations.

References: the bundled samples (one annotator's annotations, ``samples/<guide>/annotations``)
and the evaluation reports of ``samples/eval/<guide>/``, written for evaluation only, with their
reference spans marked inline: ``[E. coli]{Bacterie NEGATION=Present}``. A suggestion counts as
a true positive when its span and label equal a reference span's (exact match); attribute values
are scored separately, over those true positives (``attr_acc``). The matcher is evaluated
leave-one-report-out: it learns from the other reports' references, then predicts this one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.guides.model import Guide
from partages_ls.predict.matcher import StringMatcher
from partages_ls.predict.registry import GuideModels
from partages_ls.predict.spans import Suggestion, from_results, to_results
from partages_ls.workspace import Workspace

_MARK = re.compile(r"\[([^\[\]\n]+)\]\{([A-Za-z0-9]+)((?: [A-Za-z0-9_]+=[A-Za-z0-9_]+)*)\}")


@dataclass
class Document:
    report: str
    text: str
    reference: list[Suggestion]


def parse_marked(path: Path) -> Document:
    """A report with inline reference spans -> its plain text and the spans."""
    source = path.read_text(encoding="utf-8")
    parts: list[str] = []
    spans: list[Suggestion] = []
    at, length = 0, 0
    for match in _MARK.finditer(source):
        parts.append(source[at : match.start()])
        length += match.start() - at
        surface = match.group(1)
        attributes = tuple(sorted(tuple(p.split("=", 1)) for p in match.group(3).split()))
        spans.append(Suggestion(length, length + len(surface), match.group(2), attributes))
        parts.append(surface)
        length += len(surface)
        at = match.end()
    parts.append(source[at:])
    text = "".join(parts)
    if "]{" in text:
        line = text[: text.index("]{")].count("\n") + 1
        raise DiagnosticError(f"bad markup in {path}", [Diagnostic(f"{path}:{line}", "unparsed « [..]{..} » mark")])
    return Document(path.stem, text, spans)


def eval_documents(guide: Guide, samples: Path) -> list[Document]:
    """The evaluation reports of the guide in ``samples/eval/``, their spans marked in the text."""
    folder = samples / "eval" / guide.name
    return [parse_marked(p) for p in sorted(folder.glob("*.txt"))]


def sample_documents(guide: Guide, samples: Path, annotator: str | None = None) -> list[Document]:
    """The sample reports of ``samples`` with one annotator's annotations as reference (the first by name)."""
    folder = samples / guide.name
    files = sorted((folder / "annotations").glob("*.json"))
    if annotator is not None:
        files = [f for f in files if f.stem == annotator]
    if not files:
        return []
    documents = []
    for entry in json.loads(files[0].read_text(encoding="utf-8")):
        text = (folder / "reports" / f"{entry['report']}.txt").read_text(encoding="utf-8")
        documents.append(Document(entry["report"], text, from_results(entry["result"])))
    return documents


@dataclass
class LabelScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    attr_ok: int = 0
    attr_total: int = 0

    def as_dict(self) -> dict[str, Any]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        acc = self.attr_ok / self.attr_total if self.attr_total else None
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": p, "recall": r, "f1": f, "attr_acc": acc}


@dataclass
class Evaluation:
    guide: str
    model: str
    corpus: str
    documents: int
    labels: dict[str, LabelScore] = field(default_factory=dict)

    def total(self) -> LabelScore:
        total = LabelScore()
        for score in self.labels.values():
            total.tp, total.fp, total.fn = total.tp + score.tp, total.fp + score.fp, total.fn + score.fn
            total.attr_ok += score.attr_ok
            total.attr_total += score.attr_total
        return total


def _score(evaluation: Evaluation, predicted: list[Suggestion], reference: list[Suggestion]) -> None:
    gold = {(s.start, s.end, s.label): s for s in reference}
    guess = {(s.start, s.end, s.label): s for s in predicted}
    for key, suggestion in guess.items():
        score = evaluation.labels.setdefault(key[2], LabelScore())
        if key in gold:
            score.tp += 1
            expected = gold[key].attribute_map
            for name, value in suggestion.attributes:
                if name in expected:
                    score.attr_total += 1
                    score.attr_ok += expected[name] == value
        else:
            score.fp += 1
    for key in gold.keys() - guess.keys():
        evaluation.labels.setdefault(key[2], LabelScore()).fn += 1


def evaluate(guide: Guide, model: str, documents: list[Document], corpus: str, guides: Path) -> Evaluation:
    """Score ``model`` on ``documents`` (the matcher learns from the other documents only)."""
    models = GuideModels.for_guide(guide, guides)
    evaluation = Evaluation(guide.name, model, corpus, len(documents))
    for index, document in enumerate(documents):
        if model in ("matcher", "all"):
            models.matcher = StringMatcher(guide)
            for other, taught in enumerate(documents):
                if other != index:
                    models.matcher.learn(taught.text, to_results(guide, taught.text, taught.reference))
        predicted = models.get(model).predict(document.text)
        _score(evaluation, predicted, document.reference)
    return evaluation


def evaluate_guide(guide: Guide, workspace: Workspace) -> list[Evaluation]:
    """Every model of the guide on the workspace's samples and evaluation reports (when there are some)."""
    out = []
    samples = workspace.samples
    corpora = {"samples": sample_documents(guide, samples), "eval": eval_documents(guide, samples)}
    for model in GuideModels.for_guide(guide, workspace.guides).names():
        for corpus, documents in corpora.items():
            if documents:
                out.append(evaluate(guide, model, documents, corpus, workspace.guides))
    return out


def markdown_table(evaluations: list[Evaluation]) -> str:
    """One row per guide, corpus and label (plus « all labels »), one « P / R / F1 » column per model."""
    models = list(dict.fromkeys(e.model for e in evaluations))
    by_key = {(e.guide, e.corpus, e.model): e for e in evaluations}
    lines = [
        "| Guide | Corpus | Label | Ref. | " + " | ".join(f"{m} P / R / F1" for m in models) + " | Attr. acc. (all) |",
        "|---" * (5 + len(models)) + "|",
    ]
    for guide, corpus in dict.fromkeys((e.guide, e.corpus) for e in evaluations):
        runs = {m: by_key[(guide, corpus, m)] for m in models if (guide, corpus, m) in by_key}
        labels = sorted({label for e in runs.values() for label in e.labels})
        for label in [*labels, "*all*"]:
            cells, reference, accuracy = [], 0, "—"
            for m in models:
                e = runs.get(m)
                if e is None:
                    cells.append("—")
                    continue
                d = (e.total() if label == "*all*" else e.labels.get(label, LabelScore())).as_dict()
                reference = d["tp"] + d["fn"]
                cells.append(f"{d['precision']:.2f} / {d['recall']:.2f} / {d['f1']:.2f}")
                if m == "all" and d["attr_acc"] is not None:
                    accuracy = f"{d['attr_acc']:.2f}"
            documents = next(iter(runs.values())).documents
            lines.append(
                f"| {guide} | {corpus} ({documents}) | {label} | {reference} | {' | '.join(cells)} | {accuracy} |"
            )
    return "\n".join(lines)
