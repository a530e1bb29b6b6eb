"""Attributes, relations and document classes on hand-checked exports (see ``fixtures.py``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from partages_ls.content import content_dir

from .fixtures import A, B, C, biomarker_tasks, infectio_tasks, report_of, treatment_tasks

AB, AC, BC = f"{A}|{B}", f"{A}|{C}", f"{B}|{C}"


def value(figure: dict[str, Any]) -> float | None:
    return figure["value"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def infectio() -> dict[str, Any]:
    return report_of("infectiologie", infectio_tasks()).data


def test_negation_on_overlap_matched_spans(infectio: dict[str, Any]) -> None:
    negation = infectio["attributes"]["NEGATION"]
    # Overlap-matched pairs and their NEGATION (P = Present, I = Indetermine, A = Absent):
    # A|B: a1–b1 P/P, a2–b2 P/P, a3–b3 I/I, a6–b6 P/P, a7–b7 P/A; A|C: a1–c1 P/I, a2–c2 P/P;
    # B|C: b1–c1 P/I, b2–c2 P/P, b9–c9 P/P. 10 units, 7 agreeing.
    assert negation["support"] == 10
    assert value(negation["observed"]) == pytest.approx(0.7)
    # Pooled coincidences: o_PP = 12, o_II = 2, o_PA = o_AP = 1, o_PI = o_IP = 2; n_P = 15, n_I = 4, n_A = 1, n = 20.
    # α = 1 − (n − 1)·Σ_off o / Σ_{c≠k} n_c n_k = 1 − 19·6 / (2·(60 + 15 + 4)) = 44/158.
    assert value(negation["krippendorff_alpha"]) == pytest.approx(44 / 158, abs=1e-6)
    # A|B: p_o = 4/5; margins A (P4, I1), B (P3, I1, A1): p_e = 13/25; κ = (0.8 − 0.52) / 0.48.
    assert value(negation["pairs"][AB]["cohen_kappa"]) == pytest.approx(0.28 / 0.48, abs=1e-6)
    assert value(negation["pairs"][AB]["observed"]) == pytest.approx(0.8)
    # A|C and B|C: the first annotator always said Present, so p_o = p_e and κ = 0.
    assert value(negation["pairs"][AC]["cohen_kappa"]) == pytest.approx(0.0)
    assert value(negation["pairs"][BC]["cohen_kappa"]) == pytest.approx(0.0)
    assert {k: p["support"] for k, p in negation["pairs"].items()} == {AB: 5, AC: 2, BC: 3}
    assert negation["confusion"] == {
        "values": ["Present", "Absent", "Indetermine"],
        "matrix": [[6, 1, 2], [0, 0, 0], [0, 0, 1]],
    }
    assert negation["missing"] == {"a_only": 0, "b_only": 0, "neither": 0}


def test_relations_need_matched_endpoints_and_the_same_type(infectio: dict[str, Any]) -> None:
    relations = infectio["relations"]
    # A|B: AGENT a1→a2 ~ b1→b2, SITE a1→a3 ~ b1→b3, AGENT a6→a7 unmatched (B drew none in D2).
    # A|C: AGENT matched; SITE a1→a3 unmatched (a3 has no counterpart). B|C: likewise.
    assert {k: (p["matched"], p["a"], p["b"]) for k, p in relations["pairs"].items()} == {
        AB: (2, 3, 2),
        AC: (1, 2, 1),
        BC: (1, 2, 1),
    }
    assert value(relations["micro_f1"]) == pytest.approx(8 / 11, abs=1e-6)
    assert value(relations["per_type"]["AGENT_PATHOGENE"]["f1"]) == pytest.approx(6 / 7, abs=1e-6)
    assert value(relations["per_type"]["SITE_PRIMAIRE"]["f1"]) == pytest.approx(0.5)
    origin = relations["per_type"]["ORIGINE"]["f1"]
    assert origin["value"] is None and origin["note"] == "no_data" and origin["reason"]


def test_undirected_relations_match_either_way() -> None:
    report = report_of("biomarqueurs", biomarker_tasks()).data
    relations = report["relations"]
    assert relations["directed"]["RefersTo"] is False
    assert value(relations["micro_f1"]) == 1.0
    assert relations["per_type"]["RefersTo"]["matched"] == 1


@pytest.fixture(scope="module")
def treatment() -> dict[str, Any]:
    return report_of("reponse-traitement", treatment_tasks()).data


def test_document_class_coefficients(treatment: dict[str, Any]) -> None:
    field = treatment["document_fields"]["Nomenclature"]
    # Units (A, B, C): RT-1 (RP, RP, RP), RT-2 (MP, MP, MS), RT-3 (NA, ND, –), RT-4 (MS, MS, MS).
    # Observed: mean pairwise agreement per document = (1 + 1/3 + 0 + 1) / 4.
    assert value(field["observed"]) == pytest.approx(7 / 12, abs=1e-6)
    # Cohen: A|B p_o 3/4, p_e 3/16 → 9/13; A|C and B|C p_o 2/3, p_e 1/3 → 1/2.
    assert value(field["cohen_kappa"][AB]) == pytest.approx(9 / 13, abs=1e-6)
    assert value(field["cohen_kappa"][AC]) == pytest.approx(0.5)
    assert value(field["cohen_kappa"][BC]) == pytest.approx(0.5)
    # Fleiss on the complete RT-1, RT-2, RT-4: P̄ = 7/9, P_e = (3² + 2² + 4²)/9² = 29/81 → 34/52.
    assert value(field["fleiss_kappa"]) == pytest.approx(34 / 52, abs=1e-6)
    assert field["complete"] == 3 and field["support"] == 4
    # α: n = 11 pairable values, 4 off-diagonal coincidences, Σ_{c≠k} n_c n_k = 121 − 31 → 1 − 10·4/90.
    assert value(field["krippendorff_alpha"]) == pytest.approx(5 / 9, abs=1e-6)
    # AC1 with q = 6 guide classes: p_a = 7/12, p_e = (221/288) / 5 → 619/1219.
    assert value(field["gwet_ac1"]) == pytest.approx(619 / 1219, abs=1e-6)
    values = ["ReponsePartielle", "MaladieStable", "MaladieProgressive", "NonDetermine", "NonApplicable"]
    assert field["confusion"]["values"] == values
    assert field["confusion"]["matrix"] == [
        [3, 0, 0, 0, 0],
        [0, 3, 0, 0, 0],
        [0, 2, 1, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 1, 0],
    ]


def test_justification_overlap_f1_and_iou(treatment: dict[str, Any]) -> None:
    justification = treatment["document_fields"]["Nomenclature"]["justification"]
    # Overlap matches: A|B all four documents; A|C and B|C RT-1 and RT-4 (C's "TEP-TDM" is elsewhere in RT-2).
    # F1 = 2·8 / (10 + 10). Same class: A|B RT-1, RT-2, RT-4; A|C, B|C RT-1, RT-4 → all matched, F1 = 1.
    assert value(justification["overlap_f1"]) == pytest.approx(0.8)
    assert value(justification["same_class"]["overlap_f1"]) == pytest.approx(1.0)
    long1, short1 = len("réponse partielle selon RECIST 1.1"), len("réponse partielle")
    long2, short2 = len("apparition de deux nouvelles lésions hépatiques"), len("nouvelles lésions hépatiques")
    long3, short3 = len("Bilan d'extension initial avant tout traitement"), len("Bilan d'extension initial")
    long4, short4 = len("Stabilité des lésions cibles"), len("Stabilité")
    ab = [short1 / long1, short2 / long2, short3 / long3, 1.0]
    ac = [1.0, short4 / long4]
    bc = [short1 / long1, short4 / long4]
    assert value(justification["mean_iou"]) == pytest.approx(sum(ab + ac + bc) / 8, abs=1e-6)
    same = [ab[0], ab[1], ab[3], *ac, *bc]
    assert value(justification["same_class"]["mean_iou"]) == pytest.approx(sum(same) / 7, abs=1e-6)


def test_document_class_disagreements_point_at_the_justifications() -> None:
    report = report_of("reponse-traitement", treatment_tasks())
    found = [d for d in report.disagreements if d.kind == "document_value"]
    assert [(d.document, d.annotator_a, d.annotator_b, d.label_a, d.label_b) for d in found] == [
        ("RT-2", A, C, "MaladieProgressive", "MaladieStable"),
        ("RT-2", B, C, "MaladieProgressive", "MaladieStable"),
        ("RT-3", A, B, "NonApplicable", "NonDetermine"),
    ]
    assert found[2].text_a == "Bilan d'extension initial"
    assert found[2].text_b == "Bilan d'extension initial avant tout traitement"


def test_degenerate_and_missing_figures_are_flagged_never_zero() -> None:
    report = report_of("biomarqueurs", biomarker_tasks()).data
    presence = report["attributes"]["Presence"]
    # One matched span, both "Positive": no expected disagreement, α = 1 by convention, flagged.
    assert presence["krippendorff_alpha"]["value"] == 1.0
    assert presence["krippendorff_alpha"]["note"] == "degenerate"
    assert presence["krippendorff_alpha"]["reason"]
    unit = report["spans"]["Biomarker"]["exact"]["per_label"]["Unit"]["f1"]
    assert unit == {"value": None, "ci95": None, "note": "no_data", "reason": "aucune zone de cette étiquette"}


def test_a_single_annotator_gives_no_data_with_reasons() -> None:
    tasks = [t for t in infectio_tasks() if t["id"] == 3]
    report = report_of("infectiologie", tasks, bootstrap=50).data
    assert report["documents"] == {"total": 1, "compared": 0}
    exact = report["spans"]["LABEL"]["exact"]
    assert exact["micro_f1"]["value"] is None and exact["micro_f1"]["reason"] == "moins de deux annotateurs"
    assert exact["pairs"] == {}
    assert report["attributes"]["NEGATION"]["krippendorff_alpha"]["value"] is None
    assert report["relations"]["micro_f1"]["value"] is None
    assert report["spans"]["LABEL"]["alpha_u"]["overall"]["reason"] == "moins de deux annotateurs"


def test_a_class_left_empty_is_missing_data() -> None:
    from partages_ls.agreement.report import AgreementOptions, compute_report
    from partages_ls.exporters.labelstudio.read import read_labelstudio
    from partages_ls.guides.loader import load_guide

    tasks = treatment_tasks()
    rt4 = tasks[3]["annotations"][1]  # B on RT-4
    rt4["result"] = [item for item in rt4["result"] if item["from_name"] != "Nomenclature"]
    guide = load_guide("reponse-traitement", content_dir("guides"))
    corpus = read_labelstudio(tasks, guide)
    assert corpus.skipped == []  # counted as stored: the empty class is missing data, not a removal
    report = compute_report(corpus, guide, AgreementOptions(bootstrap=0))
    field = report.data["document_fields"]["Nomenclature"]
    # RT-4 still has A's and C's class: support 4; only RT-1 and RT-2 are complete now.
    assert field["support"] == 4 and field["complete"] == 2
    # A|B loses RT-4: p_o = 2/3 over RT-1..RT-3, margins A (RP, MP, NA), B (RP, MP, ND) → p_e = 2/9.
    assert value(field["cohen_kappa"][AB]) == pytest.approx((2 / 3 - 2 / 9) / (1 - 2 / 9), abs=1e-6)
    empty = [
        (d.annotator_a, d.annotator_b, d.label_a, d.label_b)
        for d in report.disagreements
        if d.document == "RT-4" and d.kind == "document_value"
    ]
    assert empty == [(A, B, "MaladieStable", None), (B, C, None, "MaladieStable")]
    assert report.data["coverage"]["skipped_by_reason"] == {}
    conformance = report.data["conformance"]
    assert conformance["rules"] == {"document-field-missing": {"level": "error", "count": 1, "by_annotator": {B: 1}}}
    assert conformance["annotators"][B]["annotations_with_violations"] == 1
    assert [(i["document"], i["annotator"]) for i in conformance["items"]] == [("RT-4", B)]


def test_only_the_latest_annotation_of_an_annotator_counts() -> None:
    tasks = treatment_tasks()
    first = tasks[2]["annotations"][0]  # A on RT-3 (id 1301, NonApplicable)
    later = json.loads(json.dumps(first))
    later["id"] = 1399
    later["result"][1]["value"]["choices"] = ["NonDetermine"]
    tasks[2]["annotations"].insert(0, later)
    report = report_of("reponse-traitement", tasks).data
    assert report["coverage"]["duplicate_annotations_ignored"] == 1
    # A now agrees with B on RT-3: A|B agree on all four documents.
    assert value(report["document_fields"]["Nomenclature"]["cohen_kappa"][AB]) == 1.0
