"""Split assignment: the published cumulative cut, split files, one split for all."""

from __future__ import annotations

from pathlib import Path

import pytest

from partages_ls.errors import DiagnosticError, PartagesError
from partages_ls.exporters.corpus import Annotation, Corpus, Document, Span
from partages_ls.exporters.splits import SplitPlan, assign_splits


def _corpus(counts: dict[str, int]) -> Corpus:
    documents = [
        Document(report, "x" * 10, [Annotation(spans=[Span(f"s{i}", "L", "A", 0, 1) for i in range(n)])])
        for report, n in counts.items()
    ]
    return Corpus("g", "1.0.0", documents)


def test_cumulative_cut_in_report_order() -> None:
    # Total 20, taken in report order: train while the running count stays within the cut, the report that
    # carries it past the cut opens dev. 80 %: 5, 10, 16 <= 16 stay in train; 20 goes to dev.
    corpus = _corpus({"R3": 6, "R1": 5, "R2": 5, "R4": 4})
    assert assign_splits(corpus, SplitPlan()) == {"R1": "train", "R2": "train", "R3": "train", "R4": "dev"}
    assert assign_splits(corpus, SplitPlan(ratio=0.5)) == {"R1": "train", "R2": "train", "R3": "dev", "R4": "dev"}


def test_published_cut_lands_just_under_eighty_percent() -> None:
    # The pseudonymisation card: train holds 5,580 of 6,976 spans (79.99 %).
    counts = {f"R{i:04d}": 12 for i in range(465)} | {"R9998": 0, "R9999": 1396}
    corpus = _corpus(counts)
    splits = assign_splits(corpus, SplitPlan())
    train = sum(n for report, n in counts.items() if splits[report] == "train")
    assert sum(counts.values()) == 6976 and train == 5580


def test_documents_without_spans_are_cut_by_count() -> None:
    corpus = _corpus({"A": 0, "B": 0, "C": 0, "D": 0, "E": 0})
    assert list(assign_splits(corpus, SplitPlan()).values()) == ["train"] * 4 + ["dev"]


def test_split_file_must_cover_every_report(tmp_path: Path) -> None:
    corpus = _corpus({"R1": 1, "R2": 1})
    path = tmp_path / "splits.csv"
    path.write_text("report,split\nR1,train\nR3,test\n", encoding="utf-8")
    with pytest.raises(DiagnosticError, match="does not cover") as error:
        assign_splits(corpus, SplitPlan(file=path))
    assert "report 'R2' has no split" in error.value.render()
    path.write_text("report,split\nR1,train\nR2,été\n", encoding="utf-8")
    with pytest.raises(DiagnosticError) as error:
        assign_splits(corpus, SplitPlan(file=path))
    assert "split 'été' must be letters" in error.value.render()


def test_single_split_and_bad_ratio() -> None:
    corpus = _corpus({"R1": 1, "R2": 1})
    assert assign_splits(corpus, SplitPlan(single="test")) == {"R1": "test", "R2": "test"}
    with pytest.raises(PartagesError, match="must be letters"):
        assign_splits(corpus, SplitPlan(single="mon split"))
    with pytest.raises(PartagesError, match="split-ratio"):
        assign_splits(corpus, SplitPlan(ratio=1.5))
