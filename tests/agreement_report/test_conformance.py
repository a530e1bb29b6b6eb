"""Agreement counts every submitted annotation as stored; guide conformance is its own section.

One CU6 report annotated by A (clean) and B (the usual human flaws: a span with its trailing full
stop, a missing NEGATION, a relation drawn backwards). Every figure below is worked out by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from partages_ls.agreement.report import AgreementOptions
from partages_ls.content import bundled_workspace
from partages_ls.workflows.agreement import AgreementRequest, run_agreement

from ..exporters.lsexport import annotation, relation, task
from .fixtures import SCHEMA, A, B, entity, report_of, write_export

D = "Bactériémie à Escherichia coli. Pyélonéphrite aiguë droite. Pas d'endocardite."
AB = f"{A}|{B}"


def _tasks() -> list[dict[str, Any]]:
    clean = [
        *entity("a1", D, "Bactériémie", "Bacteriemie", "Present"),
        *entity("a2", D, "Escherichia coli", "Bacterie", "Present"),
        *entity("a3", D, "Pyélonéphrite aiguë droite", "Infection", "Present"),
        relation("a1", "a2", "AGENT_PATHOGENE"),
        relation("a1", "a3", "SITE_PRIMAIRE"),
        relation("a2", "a3", "ORIGINE"),
    ]
    flawed = [
        *entity("b1", D, "Bactériémie", "Bacteriemie", "Present"),
        *entity("b2", D, "Escherichia coli.", "Bacterie", "Present"),  # boundary: trailing full stop
        *entity("b3", D, "Pyélonéphrite aiguë droite", "Infection", None),  # NEGATION missing
        relation("b2", "b1", "AGENT_PATHOGENE"),  # drawn backwards: Bacterie → Bacteriemie
        relation("b1", "b3", "SITE_PRIMAIRE"),
        relation("b2", "b3", "ORIGINE"),
    ]
    return [task(1, "D", D, [annotation(11, A, clean), annotation(12, B, flawed)])]


def value(figure: dict[str, Any]) -> float | None:
    return figure["value"]  # type: ignore[no-any-return]


def test_flawed_annotations_are_counted_as_stored() -> None:
    report = report_of("infectiologie", _tasks()).data
    assert SCHEMA.is_valid(report)
    spans = report["spans"]["LABEL"]
    # Exact: a1=b1 and a3=b3 match, a2 ("Escherichia coli") ≠ b2 ("Escherichia coli."): F1 = 2·2/(3+3).
    # Before, B's flawed spans vanished (1 span left): F1 would have been 2·1/(3+1) = 0.5.
    counts = spans["exact"]["pairs"][AB]
    assert (counts["matched"], counts["a"], counts["b"]) == (2, 3, 3)
    assert value(spans["exact"]["micro_f1"]) == pytest.approx(4 / 6, abs=1e-6)
    assert value(spans["overlap"]["micro_f1"]) == pytest.approx(1.0)
    # NEGATION on the 3 overlap-matched pairs: P/P, P/P, P/missing: 2 units, both agreeing, 1 missing on B's side.
    negation = report["attributes"]["NEGATION"]
    assert negation["support"] == 2 and value(negation["observed"]) == pytest.approx(1.0)
    assert negation["missing"] == {"a_only": 1, "b_only": 0, "neither": 0}


def test_relations_in_both_endpoint_modes() -> None:
    relations = report_of("infectiologie", _tasks()).data["relations"]
    # Overlap endpoints a1→b1, a2→b2, a3→b3: SITE and ORIGINE match; AGENT does not (B drew it backwards).
    overlap = relations["modes"]["overlap"]
    assert (overlap["pairs"][AB]["matched"], overlap["pairs"][AB]["a"], overlap["pairs"][AB]["b"]) == (2, 3, 3)
    assert value(overlap["micro_f1"]) == pytest.approx(4 / 6, abs=1e-6)
    assert relations["micro_f1"] == overlap["micro_f1"] and relations["pairs"] == overlap["pairs"]
    # Exact endpoints: a2 has no exact counterpart, so ORIGINE a2→a3 no longer matches: F1 = 2·1/(3+3).
    exact = relations["modes"]["exact"]
    assert exact["pairs"][AB]["matched"] == 1
    assert value(exact["micro_f1"]) == pytest.approx(2 / 6, abs=1e-6)
    assert exact["per_type"]["SITE_PRIMAIRE"]["matched"] == 1 and exact["per_type"]["ORIGINE"]["matched"] == 0
    assert set(relations["modes"]) == {"exact", "overlap"}


def test_conformance_is_reported_per_annotator_and_rule(tmp_path: Path) -> None:
    export = write_export(_tasks(), tmp_path)
    out = tmp_path / "rapport"
    run_agreement(AgreementRequest(export, out, "infectiologie", AgreementOptions(bootstrap=0)), bundled_workspace())
    data = json.loads((out / "agreement.json").read_text(encoding="utf-8"))
    conformance = data["conformance"]
    assert conformance["counted_annotations"] == 2 and conformance["violations"] == 3
    assert conformance["annotators"][A] == {
        "annotations": 1,
        "annotations_with_violations": 0,
        "errors": 0,
        "warnings": 0,
        "by_rule": {},
    }
    assert conformance["annotators"][B]["by_rule"] == {
        "bornes-propres": 1,
        "relation-pair": 1,
        "required-attribute": 1,
    }
    assert conformance["rules"]["required-attribute"] == {"level": "error", "count": 1, "by_annotator": {B: 1}}
    assert {(i["rule"], i["result"]) for i in conformance["items"]} == {
        ("bornes-propres", "b2"),
        ("required-attribute", "b3"),
        ("relation-pair", "relation:b2->b1:AGENT_PATHOGENE"),
    }
    html = (out / "agreement.html").read_text(encoding="utf-8")
    markdown = (out / "agreement.md").read_text(encoding="utf-8")
    for page in (html, markdown):
        assert "Conformité au guide" in page and "required-attribute" in page and "relation-pair" in page
    assert "3 écart(s) sur 2 annotation(s)" in markdown


def test_no_text_keeps_the_messages_out() -> None:
    report = report_of("infectiologie", _tasks(), no_text=True).data
    assert report["conformance"]["items"] and all(i["message"] is None for i in report["conformance"]["items"])
