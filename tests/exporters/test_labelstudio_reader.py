"""Reading a Label Studio export: every annotation is exported or listed, with where and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from partages_ls.content import content_dir
from partages_ls.errors import DiagnosticError
from partages_ls.exporters.gold import GoldPolicy, select_gold
from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
from partages_ls.guides.loader import load_guide

from .lsexport import annotation, choice, region, relation, task

TEXT = "Bactériémie à Escherichia coli.\nPas de pyélonéphrite 😷 ni d'endocardite."


def _infectio_results(prefix: str = "") -> list[dict[str, object]]:
    b = TEXT.index("Bactériémie")
    e = TEXT.index("Escherichia coli")
    return [
        region(prefix + "a", b, b + 11, "Bacteriemie", TEXT),
        choice(prefix + "a", b, b + 11, "NEGATION", "Present"),
        region(prefix + "b", e, e + 16, "Bacterie", TEXT),
        choice(prefix + "b", e, e + 16, "NEGATION", "Present"),
        relation(prefix + "a", prefix + "b", "AGENT_PATHOGENE"),
    ]


@pytest.fixture(scope="module")
def guide():  # type: ignore[no-untyped-def]
    return load_guide("infectiologie", content_dir("guides"))


def test_valid_annotation_is_read_with_provenance(guide) -> None:  # type: ignore[no-untyped-def]
    tasks = [task(7, "MALADIES-INFECTIEUSES-00001_CRH", TEXT, [annotation(40, "a@x.fr", _infectio_results())])]
    corpus = read_labelstudio(tasks, guide, source="export.json")
    assert corpus.skipped == [] and corpus.warnings == []
    (document,) = corpus.documents
    (ann,) = document.annotations
    assert [(s.label, s.attributes) for s in ann.spans] == [
        ("Bacteriemie", {"NEGATION": "Present"}),
        ("Bacterie", {"NEGATION": "Present"}),
    ]
    assert [(r.type, r.source, r.target) for r in ann.relations] == [("AGENT_PATHOGENE", "a", "b")]
    assert ann.spans[1].provenance.where() == 'export.json / task 7 / annotation 40 / result "b" / by a@x.fr'


def _flawed_results() -> list[dict[str, object]]:
    p = TEXT.index("pyélonéphrite")
    return [
        *_infectio_results(),
        region("c", p, p + 13, "Infection", TEXT),  # negation missing: required
        region("d", p - 1, p + 13, "Infektion", TEXT),  # unknown label
        relation("b", "a", "ORIGINE"),  # Bacterie -> Bacteriemie is not allowed for ORIGINE
        region("e", 0, 500, "Site", TEXT),  # past the end of the text
    ]


def test_by_default_rule_breaking_items_are_kept_and_only_unrepresentable_ones_left_out(guide) -> None:  # type: ignore[no-untyped-def]
    tasks = [task(8, "R1", TEXT, [annotation(41, "a@x.fr", _flawed_results())])]
    corpus = read_labelstudio(tasks, guide)
    ann = corpus.documents[0].annotations[0]
    assert [(s.id, s.attributes) for s in ann.spans] == [
        ("a", {"NEGATION": "Present"}),
        ("b", {"NEGATION": "Present"}),
        ("c", {}),  # the missing attribute is an empty value, not a lost span
    ]
    # The relation is written as drawn, whatever the scheme says.
    assert sorted((r.type, r.source, r.target) for r in ann.relations) == [
        ("AGENT_PATHOGENE", "a", "b"),
        ("ORIGINE", "b", "a"),
    ]
    left_out = sorted((s.kind, s.rule, s.where.split("/")[-2].strip()) for s in corpus.skipped)
    assert left_out == [("span", "offsets", 'result "e"'), ("span", "unknown-label", 'result "d"')]
    listed = sorted((s.kind, s.rule, s.where.split("/")[-2].strip()) for s in corpus.warnings)
    assert ("error", "required-attribute", 'result "c"') in listed
    assert ("error", "relation-pair", 'result "relation:b->a:ORIGINE"') in listed


def test_skip_mode_leaves_out_every_item_that_breaks_a_rule(guide) -> None:  # type: ignore[no-untyped-def]
    tasks = [task(8, "R1", TEXT, [annotation(41, "a@x.fr", _flawed_results())])]
    corpus = read_labelstudio(tasks, guide, invalid="skip")
    ann = corpus.documents[0].annotations[0]
    assert [s.id for s in ann.spans] == ["a", "b"]
    assert [r.type for r in ann.relations] == ["AGENT_PATHOGENE"]
    rules = sorted((s.kind, s.rule, s.where.split("/")[-2].strip()) for s in corpus.skipped)
    assert rules == sorted(
        [
            ("relation", "relation-pair", 'result "relation:b->a:ORIGINE"'),
            ("span", "unknown-label", 'result "d"'),
            ("span", "offsets", 'result "e"'),
            ("span", "required-attribute", 'result "c"'),
            ("span", "required-attribute", 'result "e"'),
        ]
    )


def test_cancelled_drafts_and_predictions_are_listed_never_exported(guide) -> None:  # type: ignore[no-untyped-def]
    tasks = [
        task(
            9,
            "R2",
            TEXT,
            [annotation(42, "a@x.fr", _infectio_results(), was_cancelled=True)],
            drafts=[{"id": 3, "result": _infectio_results()}],
            predictions=[{"id": 4, "result": _infectio_results()}],
        )
    ]
    corpus = read_labelstudio(tasks, guide)
    assert corpus.documents[0].annotations == []
    assert sorted(s.rule for s in corpus.skipped) == ["cancelled", "draft", "prediction"]


def test_gold_policies(guide) -> None:  # type: ignore[no-untyped-def]
    tasks = [
        task(1, "R1", TEXT, [annotation(1, "a@x.fr", _infectio_results()), annotation(2, "b@x.fr", [])]),
        task(2, "R2", TEXT, [annotation(3, "a@x.fr", _infectio_results(), ground_truth=True)]),
        task(3, "R3", TEXT, []),
    ]
    corpus = read_labelstudio(tasks, guide)
    single = select_gold(corpus, GoldPolicy.parse("single"))
    assert [d.report for d in single.documents] == ["R2"]
    reasons = {s.where: s.reason for s in single.skipped if s.kind == "task"}
    assert reasons == {
        "task 1 (R1)": "2 annotations répondent à la politique « single » : choix ambigu",
        "task 3 (R3)": "aucune annotation soumise",
    }
    by_b = select_gold(corpus, GoldPolicy.parse("annotator:B@x.fr"))
    assert [d.report for d in by_b.documents] == ["R1"]
    assert by_b.documents[0].annotations[0].spans == []
    assert [s.rule for s in by_b.skipped if s.kind == "annotation"].count("gold-policy") == 1  # task 2's
    truth = select_gold(corpus, GoldPolicy.parse("ground-truth"))
    assert [d.report for d in truth.documents] == ["R2"]
    # Every annotation of the input is either exported or listed.
    for gold in (single, by_b, truth):
        exported = {a.annotation_id for d in gold.documents for a in d.annotations}
        listed = {int(s.where.split("annotation ")[1].split(" ")[0]) for s in gold.skipped if s.kind == "annotation"}
        assert exported | listed == {1, 2, 3} and not exported & listed


def test_bad_policy_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="unknown gold policy"):
        GoldPolicy.parse("annotator:nobody")
    bad = tmp_path / "export.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(DiagnosticError, match="not JSON"):
        load_export(bad)
    bad.write_text(json.dumps({"tasks": []}), encoding="utf-8")
    with pytest.raises(DiagnosticError, match="not a Label Studio task list"):
        load_export(bad)


def test_same_report_twice_is_an_error(guide) -> None:  # type: ignore[no-untyped-def]
    tasks = [task(1, "R1", TEXT, []), task(2, "R1", TEXT, [])]
    with pytest.raises(DiagnosticError, match="same report twice"):
        read_labelstudio(tasks, guide)


def test_storage_order_does_not_change_the_corpus(guide) -> None:  # type: ignore[no-untyped-def]
    results = _infectio_results()
    a = read_labelstudio([task(1, "R1", TEXT, [annotation(1, "a@x.fr", results)])], guide)
    b = read_labelstudio([task(1, "R1", TEXT, [annotation(1, "a@x.fr", list(reversed(results)))])], guide)
    assert a.documents == b.documents


def test_a_naming_policy_lists_other_annotations_without_converting_them(guide) -> None:  # type: ignore[no-untyped-def]
    broken = [region("x", 0, 500, "Virus", TEXT)]  # would be skipped with errors if it were read
    tasks = [
        task(1, "R1", TEXT, [annotation(1, "a@x.fr", _infectio_results()), annotation(2, "b@x.fr", broken)]),
        task(2, "R2", TEXT, [annotation(3, "b@x.fr", [])]),
        task(3, "R3", TEXT, [annotation(4, "a@x.fr", [], was_cancelled=True)]),
    ]
    policy = GoldPolicy.parse("annotator:a@x.fr")
    corpus = read_labelstudio(tasks, guide, policy=policy)
    rules = sorted((s.where.split(" / ")[1], s.rule) for s in corpus.skipped)
    assert rules == [("annotation 2", "not-gold"), ("annotation 3", "not-gold"), ("annotation 4", "cancelled")]
    gold = select_gold(corpus, policy)
    assert [d.report for d in gold.documents] == ["R1"]
    reasons = {s.where: s.reason for s in gold.skipped if s.kind == "task"}
    assert reasons == {
        "task 2 (R2)": "aucune annotation ne répond à la politique « annotator:a@x.fr »",
        "task 3 (R3)": "aucune annotation soumise",
    }
