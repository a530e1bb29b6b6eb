"""Span agreement on a hand-checked CU6 export: three annotators, nested and overlapping spans.

The export (``fixtures.infectio_tasks``), spans by document, A = ann1, B = ann2, C = ann3:

- D1 (A, B, C). A: a1 Bacteriemie "Bactériémie", a2 Bacterie "Escherichia coli", a3 Infection
  "Pyélonéphrite aiguë droite" (26 chars), a4 Infection "Pyélonéphrite" (13, nested in a3), a5 Infection
  "endocardite". B: b1 = a1, b2 Bacterie "Escherichia", b3 Infection "Pyélonéphrite aiguë" (19, overlaps a3
  and a4), b4 Site on a5's offsets. C: c1 = a1, c2 = a2.
- D2 (A, B; C cancelled): a6 = b6 Bacteriemie, a7 = b7 Bacterie.
- D3 (A only): not compared.  D4 (B, C): b9 = c9 Bacterie.

Pairs share: A|B D1, D2; A|C D1; B|C D1, D4. |A| = 7, 5, 5 and |B| = 6, 2, 3 over the three pairs.
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from partages_ls.agreement import alpha_unitizing

from .fixtures import D1, A, B, C, infectio_tasks, report_of

AB, AC, BC = f"{A}|{B}", f"{A}|{C}", f"{B}|{C}"


@pytest.fixture(scope="module")
def spans() -> dict[str, Any]:
    return report_of("infectiologie", infectio_tasks()).data["spans"]["LABEL"]


def value(figure: dict[str, Any]) -> float | None:
    return figure["value"]  # type: ignore[no-any-return]


def test_exact_mode(spans: dict[str, Any]) -> None:
    exact = spans["exact"]
    # A|B: a1=b1, a6=b6, a7=b7 → 3 matched, F1 = 6/13. A|C: a1, a2 → 4/7. B|C: b1, b9 → 4/8.
    pairs = exact["pairs"]
    assert {k: (p["matched"], p["a"], p["b"], p["documents"]) for k, p in pairs.items()} == {
        AB: (3, 7, 6, 2),
        AC: (2, 5, 2, 1),
        BC: (2, 5, 3, 2),
    }
    assert value(pairs[AB]["f1"]) == pytest.approx(6 / 13, abs=1e-6)
    assert value(pairs[AC]["f1"]) == pytest.approx(4 / 7, abs=1e-6)
    assert value(pairs[BC]["f1"]) == pytest.approx(0.5)
    # Micro: 2·7 / (17 + 11) = 0.5; macro: labels Bacteriemie 8/8, Bacterie 6/10, Infection 0/8, Site 0/2.
    assert value(exact["micro_f1"]) == pytest.approx(0.5)
    assert value(exact["macro_f1"]) == pytest.approx((1 + 0.6 + 0 + 0) / 4)
    per_pair = [6 / 13, 4 / 7, 0.5]
    assert value(exact["mean_over_pairs"]) == pytest.approx(statistics.mean(per_pair), abs=1e-6)
    assert exact["sd_over_pairs"] == pytest.approx(statistics.pstdev(per_pair), abs=1e-6)
    labels = {k: (v["matched"], v["a"], v["b"], value(v["f1"])) for k, v in exact["per_label"].items()}
    assert labels == {
        "Bacterie": (3, 5, 5, pytest.approx(0.6)),
        "Bacteriemie": (4, 4, 4, 1.0),
        "Infection": (0, 7, 1, 0.0),
        "Site": (0, 1, 1, 0.0),
    }


def test_overlap_mode_prefers_the_larger_iou_for_nested_spans(spans: dict[str, Any]) -> None:
    overlap = spans["overlap"]
    # b3 overlaps a3 (IoU 19/26) and the nested a4 (13/19): one-to-one, a3 wins; a2–b2 and c2–b2 match too.
    pairs = overlap["pairs"]
    assert {k: p["matched"] for k, p in pairs.items()} == {AB: 5, AC: 2, BC: 3}
    assert value(overlap["micro_f1"]) == pytest.approx(20 / 28, abs=1e-6)
    # Infection: only a3–b3 in A|B (a = 3 + 3 + 1, b = 1) → 2/8.
    assert value(overlap["per_label"]["Infection"]["f1"]) == pytest.approx(0.25)
    assert value(overlap["macro_f1"]) == pytest.approx((1 + 1 + 0.25 + 0) / 4)
    # D1 pooled over the pairs: 3 + 2 + 2 matched, 5 + 5 + 4 spans on the first side, 4 + 2 + 2 on the second.
    assert overlap["per_document"]["CRH-001"] == {"f1": pytest.approx(14 / 22, abs=1e-6), "matched": 7, "a": 14, "b": 8}
    assert "CRH-003" not in overlap["per_document"]  # only A did it


def test_boundary_mode_and_label_confusion(spans: dict[str, Any]) -> None:
    boundary = spans["boundary"]
    # a5 (Infection) and b4 (Site) share offsets: matched, counting ½ for each label.
    assert value(boundary["micro_f1"]) == pytest.approx(16 / 28, abs=1e-6)
    assert boundary["per_label"]["Infection"]["matched"] == 0.5
    assert value(boundary["per_label"]["Infection"]["f1"]) == pytest.approx(1 / 8)
    assert value(boundary["per_label"]["Site"]["f1"]) == pytest.approx(0.5)
    assert value(boundary["macro_f1"]) == pytest.approx((1 + 0.6 + 0.125 + 0.5) / 4)
    confusion = spans["confusion"]
    assert confusion["labels"] == ["Bacterie", "Bacteriemie", "Infection", "Site"]
    assert confusion["matrix"] == [[3, 0, 0, 0], [0, 4, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    # Unmatched on the first annotator's side: a2, a3, a4 (A|B); a3, a4, a5 (A|C); b2, b3, b4 (B|C).
    assert confusion["unmatched_a"] == [2, 0, 6, 1]
    assert confusion["unmatched_b"] == [2, 0, 1, 0]


def test_alpha_u_uses_the_documents_everyone_submitted(spans: dict[str, Any]) -> None:
    # Only D1 was submitted by A, B and C; α_u is the unitizing α of its spans (nested a3/a4 merged).
    units = [
        (who, label, D1.index(words), len(words))
        for who, label, words in [
            (A, "Bacteriemie", "Bactériémie"),
            (A, "Bacterie", "Escherichia coli"),
            (A, "Infection", "Pyélonéphrite aiguë droite"),
            (A, "Infection", "Pyélonéphrite"),
            (A, "Infection", "endocardite"),
            (B, "Bacteriemie", "Bactériémie"),
            (B, "Bacterie", "Escherichia"),
            (B, "Infection", "Pyélonéphrite aiguë"),
            (B, "Site", "endocardite"),
            (C, "Bacteriemie", "Bactériémie"),
            (C, "Bacterie", "Escherichia coli"),
        ]
    ]
    expected = alpha_unitizing(units, 0, len(D1), raters=[A, B, C], merge_overlaps=True)
    assert spans["alpha_u"]["documents"] == 1
    assert value(spans["alpha_u"]["overall"]) == pytest.approx(expected.value, abs=1e-6)
    assert value(spans["alpha_u"]["per_label"]["Site"]) == pytest.approx(expected.categories["Site"].value, abs=1e-6)


def test_span_disagreements_are_classified() -> None:
    report = report_of("infectiologie", infectio_tasks())
    found = [
        (d.annotator_a, d.annotator_b, d.kind, d.label_a, d.label_b) for d in report.disagreements if d.layer == "LABEL"
    ]
    assert sorted(found) == sorted(
        [
            (A, B, "label", "Infection", "Site"),  # a5 / b4
            (A, B, "boundaries", "Bacterie", "Bacterie"),  # a2 / b2
            (A, B, "boundaries", "Infection", "Infection"),  # a3 / b3
            (A, B, "only_a", "Infection", None),  # a4
            (A, C, "only_a", "Infection", None),  # a3
            (A, C, "only_a", "Infection", None),  # a4
            (A, C, "only_a", "Infection", None),  # a5
            (B, C, "boundaries", "Bacterie", "Bacterie"),  # b2 / c2
            (B, C, "only_a", "Infection", None),  # b3
            (B, C, "only_a", "Site", None),  # b4
        ]
    )
    label = next(d for d in report.disagreements if d.kind == "label")
    start = D1.index("endocardite")
    assert (label.document, label.begin_a, label.end_a, label.begin_b, label.end_b) == (
        "CRH-001",
        start,
        start + 11,
        start,
        start + 11,
    )
    assert label.text_a == "endocardite" and label.context is not None and "⟦endocardite⟧" in label.context


def test_iou_threshold_applies_to_overlap_mode() -> None:
    spans = report_of("infectiologie", infectio_tasks(), iou=0.75)
    overlap = spans.data["spans"]["LABEL"]["overlap"]
    # IoU 11/16 (Escherichia) and 19/26 (Pyélonéphrite…) are below 0.75: only the exact pairs are left.
    assert {k: p["matched"] for k, p in overlap["pairs"].items()} == {AB: 3, AC: 2, BC: 2}
    assert spans.data["conventions"]["iou_threshold"] == 0.75


def test_coverage_counts_who_annotated_what() -> None:
    report = report_of("infectiologie", infectio_tasks()).data
    assert report["annotators"] == [A, B, C]
    assert report["documents"] == {"total": 4, "compared": 3}
    coverage = report["coverage"]
    assert coverage["annotators"] == {A: {"documents": 3}, B: {"documents": 3}, C: {"documents": 2}}
    assert coverage["pairs"] == {AB: {"documents": 2}, AC: {"documents": 1}, BC: {"documents": 2}}
    assert coverage["single_annotator_documents"] == 1
    assert coverage["complete_documents"] == 1
    assert coverage["skipped_by_reason"] == {"cancelled": 1, "draft": 1}


def test_annotator_subset() -> None:
    report = report_of("infectiologie", infectio_tasks(), annotators=[C, A]).data
    assert report["annotators"] == [A, C]
    exact = report["spans"]["LABEL"]["exact"]
    assert list(exact["pairs"]) == [AC]
    assert value(exact["micro_f1"]) == pytest.approx(4 / 7, abs=1e-6)
