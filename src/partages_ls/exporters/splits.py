"""Assign each report to a split (train / dev), reproducibly.

The default reproduces the published cut: reports in id order, train until 80 % of the
cumulative annotation count, then dev (the pseudonymisation card: 5,580 of 6,976 spans).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
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


def _cumulative(documents: Sequence[tuple[str, int]], ratio: float) -> dict[str, str]:
    if not 0.0 < ratio <= 1.0:
        raise PartagesError(f"--split-ratio must be in (0, 1], got {ratio}")
    ordered = sorted(documents, key=lambda d: d[0])
    total = sum(count for _, count in ordered)
    splits: dict[str, str] = {}
    running, in_train = 0, True
    for report, count in ordered:
        # The report that would carry train past the cut opens dev (5,580 of 6,976 on the CU1 card).
        running += count
        in_train = in_train and running <= ratio * total
        splits[report] = "train" if in_train else "dev"
    if total == 0:  # no annotation to weigh by: cut by document count
        cut = round(ratio * len(ordered))
        splits = {report: ("train" if i < cut else "dev") for i, (report, _) in enumerate(ordered)}
    return splits


def _from_file(documents: Sequence[tuple[str, int]], path: Path) -> dict[str, str]:
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
    for report, _ in documents:
        if report not in splits:
            problems.append(Diagnostic(str(path), f"report {report!r} has no split"))
    for report, split in splits.items():
        if not SPLIT_NAME.match(split):
            problems.append(Diagnostic(str(path), f"report {report!r}: split {split!r} {_NAME_RULE}"))
    if problems:
        raise DiagnosticError("the split file does not cover the export", problems)
    return {report: splits[report] for report, _ in documents}


def split_reports(documents: Sequence[tuple[str, int]], plan: SplitPlan) -> dict[str, str]:
    """Report id → split name for every ``(report, span count)`` of a gold corpus (in corpus order):
    what a streaming export gathers instead of holding the documents."""
    if plan.single:
        if not SPLIT_NAME.match(plan.single):
            raise PartagesError(f"split name {plan.single!r} {_NAME_RULE}")
        return {report: plan.single for report, _ in documents}
    if plan.file:
        return _from_file(documents, plan.file)
    return _cumulative(documents, plan.ratio)


def assign_splits(corpus: Corpus, plan: SplitPlan) -> dict[str, str]:
    """Report id → split name for every document of the corpus."""
    counts = [(d.report, sum(len(a.spans) for a in d.annotations)) for d in corpus.documents]
    return split_reports(counts, plan)
