"""Assign each report to a split (train / dev), reproducibly.

The default reproduces the published cut: reports in id order, train until 80 % of the
cumulative annotation count, then dev (the pseudonymisation card: 5,580 of 6,976 spans).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from partages_ls.errors import Diagnostic, DiagnosticError, PartagesError
from partages_ls.exporters.corpus import Corpus

SPLIT_NAMES = ("train", "dev")
# Split names become file names and `datasets` split names: keep them plain.
SPLIT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_NAME_RULE = "must be letters, digits and _, starting with a letter"


@dataclass(frozen=True)
class SplitPlan:
    """How to split: cumulative ratio (default 0.8), a CSV of report,split, or one split for all."""

    ratio: float = 0.8
    file: Path | None = None
    single: str | None = None

    def describe(self) -> str:
        if self.single:
            return f"single split {self.single!r}"
        if self.file:
            return f"from {self.file.name}"
        return f"reports in id order, train up to {self.ratio:.0%} of the cumulative annotation count, then dev"


def _cumulative(corpus: Corpus, ratio: float) -> dict[str, str]:
    if not 0.0 < ratio <= 1.0:
        raise PartagesError(f"--split-ratio must be in (0, 1], got {ratio}")
    documents = sorted(corpus.documents, key=lambda d: d.report)
    counts = [sum(len(a.spans) for a in d.annotations) for d in documents]
    total = sum(counts)
    splits: dict[str, str] = {}
    running, in_train = 0, True
    for document, count in zip(documents, counts, strict=True):
        # The report that would carry train past the cut opens dev (5,580 of 6,976 on the CU1 card).
        running += count
        in_train = in_train and running <= ratio * total
        splits[document.report] = "train" if in_train else "dev"
    if total == 0:  # no annotation to weigh by: cut by document count
        cut = round(ratio * len(documents))
        splits = {d.report: ("train" if i < cut else "dev") for i, d in enumerate(documents)}
    return splits


def _from_file(corpus: Corpus, path: Path) -> dict[str, str]:
    problems: list[Diagnostic] = []
    splits: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DiagnosticError(
            "bad split file",
            [Diagnostic(f"{path}:{line}", f"byte {exc.start} is not UTF-8", hint="save the file as UTF-8 CSV")],
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        if reader.fieldnames is None or not {"report", "split"} <= set(reader.fieldnames):
            raise DiagnosticError("bad split file", [Diagnostic(f"{path}:1", "header must be report,split")])
        for row in reader:
            report, split = row.get("report"), row.get("split")
            if not isinstance(report, str) or not isinstance(split, str) or None in row:
                problems.append(Diagnostic(f"{path}:{reader.line_num}", "expected two fields: report,split"))
                continue
            splits[report.strip()] = split.strip()
    except csv.Error as exc:
        raise DiagnosticError(
            "bad split file",
            [Diagnostic(f"{path}:{reader.line_num}", f"not valid CSV: {exc}", hint='quote a field as "a,b"')],
        ) from None
    if problems:
        raise DiagnosticError("bad split file", problems)
    for document in corpus.documents:
        if document.report not in splits:
            problems.append(Diagnostic(str(path), f"report {document.report!r} has no split"))
    for report, split in splits.items():
        if not SPLIT_NAME.match(split):
            problems.append(Diagnostic(str(path), f"report {report!r}: split {split!r} {_NAME_RULE}"))
    if problems:
        raise DiagnosticError("the split file does not cover the export", problems)
    return {d.report: splits[d.report] for d in corpus.documents}


def assign_splits(corpus: Corpus, plan: SplitPlan) -> dict[str, str]:
    """Report id → split name for every document of the corpus."""
    if plan.single:
        if not SPLIT_NAME.match(plan.single):
            raise PartagesError(f"split name {plan.single!r} {_NAME_RULE}")
        return {d.report: plan.single for d in corpus.documents}
    if plan.file:
        return _from_file(corpus, plan.file)
    return _cumulative(corpus, plan.ratio)
