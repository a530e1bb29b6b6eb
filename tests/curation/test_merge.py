"""The merge engine on hand-checked fixtures (expected results worked out by hand, not by the code)."""

from __future__ import annotations

import itertools
import random

import pytest

from partages_ls.content import content_dir
from partages_ls.curation.merge import merge_document
from partages_ls.curation.strategy import Strategy
from partages_ls.errors import PartagesError
from partages_ls.exporters.corpus import Annotation, Document, Relation, Span
from partages_ls.guides.loader import load_guide

INFECTIO = load_guide("infectiologie", content_dir("guides"))
BIOMARK = load_guide("biomarqueurs", content_dir("guides"))
CU5B = load_guide("reponse-traitement", content_dir("guides"))

#          0         1         2         3         4         5
#          0123456789012345678901234567890123456789012345678901234
TEXT = "Bactériémie à Escherichia coli sur pyélonéphrite aiguë."


def span(sid: str, label: str, begin: int, end: int, label_set: str = "LABEL", **attributes: str) -> Span:
    return Span(sid, label_set, label, begin, end, dict(attributes))


def doc(*annotations: Annotation, text: str = TEXT) -> Document:
    return Document("R1", text, list(annotations))


def ann(who: str, spans: list[Span], relations: list[Relation] | None = None, **fields: list[str]) -> Annotation:
    return Annotation(spans=spans, relations=relations or [], fields=dict(fields), annotator=who)


def units(result: object) -> list[tuple[str, str, int, int, dict[str, str]]]:
    merged = result.merged  # type: ignore[attr-defined]
    return [(s.label_set, s.label, s.begin, s.end, s.attributes) for s in merged.spans]


def versions(result: object) -> dict[str, dict[str, str | None]]:
    return {c.key: dict(c.versions) for c in result.conflicts}  # type: ignore[attr-defined]


def test_strategy_parsing() -> None:
    assert str(Strategy.parse("complete")) == "complete"
    assert Strategy.parse("threshold:2:0.6") == Strategy("threshold", 2, 0.6)
    for bad in ("majority", "threshold:0:0.5", "threshold:2:1.5", "threshold:x:y"):
        with pytest.raises(PartagesError):
            Strategy.parse(bad)


def test_two_annotators_complete_spans_and_attributes() -> None:
    a = ann(
        "a@x.fr",
        [span("1", "Bacteriemie", 0, 11, NEGATION="Present"), span("2", "Bacterie", 14, 30, NEGATION="Present")],
    )
    b = ann(
        "b@x.fr",
        [
            span("9", "Bacteriemie", 0, 11, NEGATION="Present"),
            span("8", "Bacterie", 14, 30, NEGATION="Indetermine"),  # attribute-only conflict
            span("7", "Infection", 35, 54, NEGATION="Present"),  # only b: a conflict under complete
        ],
    )
    result = merge_document(doc(a, b), INFECTIO)
    # Merged: both spans made by both; attribute of the first agreed, of the second not.
    assert units(result) == [
        ("LABEL", "Bacteriemie", 0, 11, {"NEGATION": "Present"}),
        ("LABEL", "Bacterie", 14, 30, {}),
    ]
    assert versions(result) == {
        "attribute:LABEL:14-30:NEGATION": {"a@x.fr": "Present", "b@x.fr": "Indetermine"},
        "span:LABEL:35-54": {"a@x.fr": None, "b@x.fr": "Infection"},
    }
    assert result.merged_units == 3  # 2 spans + 1 attribute
    # incomplete: the span only b made merges, with b's attribute.
    loose = merge_document(doc(a, b), INFECTIO, Strategy.parse("incomplete"))
    assert ("LABEL", "Infection", 35, 54, {"NEGATION": "Present"}) in units(loose)
    assert list(versions(loose)) == ["attribute:LABEL:14-30:NEGATION"]


def test_nested_and_overlapping_spans_are_separate_positions() -> None:
    a = ann("a@x.fr", [span("1", "Infection", 35, 54), span("2", "Site", 35, 48)])  # nested
    b = ann("b@x.fr", [span("1", "Infection", 35, 54), span("2", "Site", 39, 54)])  # overlapping, other offsets
    result = merge_document(doc(a, b), INFECTIO)
    assert units(result) == [("LABEL", "Infection", 35, 54, {})]
    assert versions(result) == {
        "span:LABEL:35-48": {"a@x.fr": "Site", "b@x.fr": None},
        "span:LABEL:39-54": {"a@x.fr": None, "b@x.fr": "Site"},
    }


def test_same_offsets_different_labels_is_one_conflict() -> None:
    a = ann("a@x.fr", [span("1", "Infection", 35, 54)])
    b = ann("b@x.fr", [span("1", "Site", 35, 54)])
    for strategy in ("complete", "incomplete", "threshold:1:0"):
        result = merge_document(doc(a, b), INFECTIO, Strategy.parse(strategy))
        assert units(result) == []
        assert versions(result) == {"span:LABEL:35-54": {"a@x.fr": "Infection", "b@x.fr": "Site"}}, strategy


def test_three_annotators_threshold_and_ties() -> None:
    a = ann("a@x.fr", [span("1", "Infection", 35, 54), span("2", "Bacterie", 14, 30)])
    b = ann("b@x.fr", [span("1", "Infection", 35, 54), span("2", "Bacterie", 14, 25)])
    c = ann("c@x.fr", [span("1", "Site", 35, 54)])
    document = doc(a, b, c)
    # complete: nothing merges (c disagrees at 35-54; nobody but a made 14-30).
    assert units(merge_document(document, INFECTIO)) == []
    # threshold 2 votes, 60 %: Infection has 2/3 at 35-54 → merged; 14-30 and 14-25 have 1 vote each.
    result = merge_document(document, INFECTIO, Strategy.parse("threshold:2:0.6"))
    assert units(result) == [("LABEL", "Infection", 35, 54, {})]
    assert set(versions(result)) == {"span:LABEL:14-30", "span:LABEL:14-25"}
    # 70 % is more than 2/3: a conflict again, with all three versions.
    strict = merge_document(document, INFECTIO, Strategy.parse("threshold:2:0.7"))
    assert versions(strict)["span:LABEL:35-54"] == {"a@x.fr": "Infection", "b@x.fr": "Infection", "c@x.fr": "Site"}
    # A 1–1 tie (a vs c, b silent) is a dispute even with the loosest threshold.
    tie = merge_document(doc(a, c), INFECTIO, Strategy.parse("threshold:1:0"))
    assert "span:LABEL:35-54" in versions(tie)


def test_relations_endpoints_labels_and_direction() -> None:
    spans_a = [span("s", "Bacteriemie", 0, 11), span("o", "Bacterie", 14, 30), span("i", "Infection", 35, 54)]
    spans_b = [span("S", "Bacteriemie", 0, 11), span("O", "Bacterie", 14, 30), span("I", "Infection", 35, 54)]
    a = ann("a@x.fr", spans_a, [Relation("r1", "AGENT_PATHOGENE", "s", "o"), Relation("r2", "ORIGINE", "o", "i")])
    b = ann("b@x.fr", spans_b, [Relation("r1", "AGENT_PATHOGENE", "S", "O"), Relation("r2", "ORIGINE", "I", "O")])
    result = merge_document(doc(a, b), INFECTIO)
    assert [(r.type, r.source, r.target) for r in result.merged.relations] == [("AGENT_PATHOGENE", "m1", "m2")]
    # ORIGINE is directed in the guide: o→i and i→o disagree.
    conflict = versions(result)["relation:LABEL:14-30~LABEL:35-54"]
    assert conflict == {"a@x.fr": "ORIGINE (Bacterie → Infection)", "b@x.fr": "ORIGINE (Infection → Bacterie)"}


def test_relation_endpoint_conflict_and_undirected_relation() -> None:
    a = ann(
        "a@x.fr",
        [span("b", "Biomarker", 0, 4, "Biomarker"), span("v", "Value", 5, 9, "Biomarker")],
        [Relation("r", "RefersTo", "v", "b")],
    )
    b = ann(
        "b@x.fr",
        [span("B", "Biomarker", 0, 4, "Biomarker"), span("V", "Value", 5, 10, "Biomarker")],  # other end offset
        [Relation("r", "RefersTo", "B", "V")],
    )
    result = merge_document(doc(a, b, text="HER2 3+ positif"), BIOMARK, Strategy.parse("incomplete"))
    # Spans: Biomarker merged; the two Value spans are different positions, each merged under incomplete.
    assert [s.label for s in result.merged.spans] == ["Biomarker", "Value", "Value"]
    # The relations point at different endpoints: two positions, each with one vote → merged (incomplete),
    # RefersTo being undirected, v→b and B→V are both stored in the canonical order.
    assert sorted((r.source, r.target) for r in result.merged.relations) == [("m1", "m2"), ("m1", "m3")]
    complete = merge_document(doc(a, b, text="HER2 3+ positif"), BIOMARK)
    assert complete.merged.relations == []
    relation_conflicts = {k: v for k, v in versions(complete).items() if k.startswith("relation:")}
    assert relation_conflicts == {
        "relation:Biomarker:0-4~Biomarker:5-9": {"a@x.fr": "RefersTo (Biomarker — Value)", "b@x.fr": None},
        "relation:Biomarker:0-4~Biomarker:5-10": {"a@x.fr": None, "b@x.fr": "RefersTo (Biomarker — Value)"},
    }


def test_relation_agreed_but_endpoint_not_merged_is_a_conflict() -> None:
    a = ann("a@x.fr", [span("s", "Bacteriemie", 0, 11, NEGATION="Present"), span("o", "Bacterie", 14, 30)])
    b = ann("b@x.fr", [span("s", "Bacteriemie", 0, 11), span("o", "Bacterie", 14, 30)])
    c = ann("c@x.fr", [span("s", "Bacteriemie", 0, 11), span("o", "Site", 14, 30)])
    for who in (a, b):
        who.relations.append(Relation("r", "AGENT_PATHOGENE", "s", "o"))
    result = merge_document(doc(a, b, c), INFECTIO, Strategy.parse("threshold:2:0.5"))
    # Bacterie 14-30 has 2/3 votes → merged; so the relation a and b agree on merges too.
    assert [r.type for r in result.merged.relations] == ["AGENT_PATHOGENE"]
    # incomplete: a and b agree on the relation (c made none) but c labelled 14-30 Site: no merged endpoint.
    loose = merge_document(doc(a, b, c), INFECTIO, Strategy.parse("incomplete"))
    (relation,) = [c for c in loose.conflicts if c.kind == "relation"]
    assert "extrémité" in relation.what
    assert dict(relation.versions)["c@x.fr"] is None
    complete = merge_document(doc(a, b, c), INFECTIO)
    # The attribute only a gave: b and c did not vote, so complete (on the span's supporters) refuses it.
    assert "attribute:LABEL:0-11:NEGATION" in versions(complete)


def test_cu5b_class_conflict_carries_justifications() -> None:
    text = "Scanner : réponse partielle. Masse stable par ailleurs."
    a = ann("a@x.fr", [span("j", "Justification", 10, 27, "Justification")], Nomenclature=["ReponsePartielle"])
    b = ann("b@x.fr", [span("j", "Justification", 29, 41, "Justification")], Nomenclature=["MaladieStable"])
    result = merge_document(doc(a, b, text=text), CU5B)
    assert result.merged.fields == {}
    (field,) = [c for c in result.conflicts if c.kind == "field"]
    assert dict(field.versions) == {
        "a@x.fr": "ReponsePartielle (justification « réponse partielle » [10-27])",
        "b@x.fr": "MaladieStable (justification « Masse stable » [29-41])",
    }
    assert (field.begin, field.end) == (10, 27)
    agreed = merge_document(doc(a, ann("b@x.fr", [], Nomenclature=["ReponsePartielle"]), text=text), CU5B)
    assert agreed.merged.fields == {"Nomenclature": ["ReponsePartielle"]}


def test_single_annotation_is_its_own_starting_point() -> None:
    a = ann("a@x.fr", [span("1", "Bacteriemie", 0, 11, NEGATION="Absent")])
    result = merge_document(doc(a), INFECTIO)
    assert units(result) == [("LABEL", "Bacteriemie", 0, 11, {"NEGATION": "Absent"})]
    assert result.conflicts == []


def _shuffled(document: Document, seed: int) -> Document:
    rng = random.Random(seed)
    annotations = []
    for annotation in document.annotations:
        spans, relations = list(annotation.spans), list(annotation.relations)
        rng.shuffle(spans)
        rng.shuffle(relations)
        annotations.append(Annotation(spans, relations, dict(annotation.fields), annotation.annotator))
    rng.shuffle(annotations)
    return Document(document.report, document.text, annotations)


def test_deterministic_in_any_order() -> None:
    a = ann(
        "a@x.fr",
        [span("s", "Bacteriemie", 0, 11), span("o", "Bacterie", 14, 30, NEGATION="Present"), span("i", "Site", 35, 48)],
        [Relation("r1", "AGENT_PATHOGENE", "s", "o")],
    )
    b = ann(
        "b@x.fr",
        [span("x", "Bacterie", 14, 30, NEGATION="Absent"), span("y", "Bacteriemie", 0, 11), span("z", "Site", 39, 54)],
        [Relation("r1", "AGENT_PATHOGENE", "y", "x")],
    )
    c = ann("c@x.fr", [span("k", "Bacteriemie", 0, 11), span("l", "Infection", 35, 54)])
    base = merge_document(doc(a, b, c), INFECTIO, Strategy.parse("threshold:2:0.5"))
    expected = (base.merged, base.conflicts)
    for seed, strategy in itertools.product(range(8), ["threshold:2:0.5"]):
        again = merge_document(_shuffled(doc(a, b, c), seed), INFECTIO, Strategy.parse(strategy))
        assert (again.merged, again.conflicts) == expected
