"""The Label Studio writer mirrors the reader: LS results → corpus model → LS results is an identity."""

from __future__ import annotations

from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.exporters.corpus import Annotation, Relation, Span
from partages_ls.exporters.labelstudio.read import read_labelstudio
from partages_ls.exporters.labelstudio.write import document_results, field_result_id, write_labelstudio
from partages_ls.guides.loader import load_guide, load_guides
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.engine import check_results

from .synthetic import canonical, make_results

GUIDES = sorted(load_guides(content_dir("guides")))


def _samples(name: str) -> list[tuple[str, str]]:
    return [
        (p.stem, p.read_text(encoding="utf-8"))
        for p in sorted((content_dir("samples") / name / "reports").glob("*.txt"))
    ]


@pytest.mark.parametrize("name", GUIDES)
def test_round_trip_through_the_model_is_an_identity(name: str) -> None:
    guide = load_guide(name, content_dir("guides"))
    tasks = []
    originals: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for position, (report, text) in enumerate(_samples(name)):
        annotations = []
        for variant, email in enumerate(["a@exemple.fr", "b@exemple.fr"]):
            results = make_results(guide, text, variant=variant)
            assert check_results(compile_rules(guide), text, results) == []
            originals[(report, email)] = results
            annotations.append(
                {
                    "id": position * 2 + variant + 1,
                    "completed_by": {"id": variant + 1, "email": email},
                    "result": results,
                }
            )
        tasks.append({"id": position + 1, "data": {"text": text, "report": report}, "annotations": annotations})
    corpus = read_labelstudio(tasks, guide)
    assert corpus.skipped == []
    seen = 0
    for document in corpus.documents:
        for annotation, written in zip(document.annotations, document_results(document, guide), strict=True):
            original = originals[(document.report, annotation.annotator or "")]
            assert canonical(written) == canonical(original)
            assert check_results(compile_rules(guide), document.text, written) == []
            seen += 1
    assert seen == 8


def test_items_have_the_shape_the_interface_writes() -> None:
    guide = load_guide("infectiologie", content_dir("guides"))
    text = "Bactériémie à Escherichia coli."
    annotation = Annotation(
        spans=[
            Span("a1", "LABEL", "Bacteriemie", 0, 11, {"NEGATION": "Present"}),
            Span("b2", "LABEL", "Bacterie", 14, 30, {"NEGATION": "Absent"}),
        ],
        relations=[Relation("a1>b2:AGENT_PATHOGENE", "AGENT_PATHOGENE", "a1", "b2")],
    )
    results = write_labelstudio(annotation, guide, text=text)
    assert results[0] == {
        "id": "a1",
        "from_name": "LABEL",
        "to_name": "text",
        "type": "labels",
        "value": {"start": 0, "end": 11, "text": "Bactériémie", "labels": ["Bacteriemie"]},
    }
    assert results[1] == {
        "id": "a1",
        "from_name": "NEGATION",
        "to_name": "text",
        "type": "choices",
        "value": {"start": 0, "end": 11, "text": "Bactériémie", "choices": ["Present"]},
    }
    assert results[-1] == {
        "from_id": "a1",
        "to_id": "b2",
        "type": "relation",
        "direction": "right",
        "labels": ["AGENT_PATHOGENE"],
    }
    assert all("text" not in r.get("value", {}) for r in write_labelstudio(annotation, guide))


def test_document_fields_are_choices_without_offsets() -> None:
    guide = load_guide("reponse-traitement", content_dir("guides"))
    annotation = Annotation(fields={"Nomenclature": ["MaladieStable"]})
    assert write_labelstudio(annotation, guide) == [
        {
            "id": field_result_id("Nomenclature"),
            "from_name": "Nomenclature",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["MaladieStable"]},
        }
    ]
