"""brat standoff: configs brat's own parser accepts, exact offsets, lossless round trips, bratiaa's F1."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bratsubset.annotation import Annotations
from bratsubset.message import Messager
from bratsubset.projectconfig import ProjectConfiguration, get_attribute_type_hierarchy
from hypothesis import given, settings
from hypothesis import strategies as st

from partages_ls.content import content_dir
from partages_ls.exporters.brat.generate import annotation_conf, brat_files, visual_conf
from partages_ls.exporters.brat.read import read_brat
from partages_ls.exporters.brat.schema import DOCUMENT_TYPE, LINE_BREAKS, BratError
from partages_ls.exporters.brat.write import _fragments, write_brat, write_brat_annotators
from partages_ls.exporters.corpus import Annotation, Corpus, Document, Relation, Span
from partages_ls.exporters.format import WriteOptions
from partages_ls.exporters.output import OutputExistsError
from partages_ls.guides.loader import load_guide, load_guides
from partages_ls.guides.model import Guide

INFECTIO = load_guide("infectiologie", content_dir("guides"))
GUIDE_NAMES = sorted(load_guides(content_dir("guides")))

# Emoji and 𝔸 lie outside the BMP (2 UTF-16 units, 1 code point), "e\u0301" is a decomposed accent,
# and "\r\n" counts as two characters: offsets are Python string indices throughout.
TEXT = "Hémocultures positives à E. coli 😷 ; bactériémie\r\nfoyer urinaire 𝔸 — pyélone\u0301phrite aiguë\r\nFin."


def _at(text: str, passage: str) -> tuple[int, int]:
    begin = text.index(passage)
    return begin, begin + len(passage)


def span(sid: str, label: str, where: tuple[int, int], negation: str | None = "Present") -> Span:
    attributes = {"NEGATION": negation} if negation else {}
    return Span(sid, "LABEL", label, where[0], where[1], attributes)


def infectio_annotation(text: str = TEXT) -> Annotation:
    spans = [
        span("coli", "Bacterie", _at(text, "E. coli")),
        span("bact", "Bacteriemie", _at(text, "bactériémie")),
        span("urin", "Site", _at(text, "urinaire"), "Indetermine"),
        span("pyelo", "Infection", _at(text, "pyélone\u0301phrite aiguë"), "Absent"),
        span("cross", "Site", _at(text, "bactériémie\r\nfoyer"), None),
    ]
    relations = [
        Relation("r1", "AGENT_PATHOGENE", "bact", "coli"),
        Relation("r2", "SITE_PRIMAIRE", "bact", "urin"),
        Relation("r3", "ORIGINE", "coli", "pyelo"),
    ]
    return Annotation(spans=spans, relations=relations)


def corpus_of(guide: Guide, *documents: Document) -> Corpus:
    return Corpus(guide=guide.name, guide_version=guide.version, documents=list(documents))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def content(corpus: Corpus) -> list[Any]:
    """Everything a brat folder must keep, without the ids (brat renumbers T1, R1…)."""
    rows = []
    for document in corpus.documents:
        for annotation in document.annotations:
            spans = {
                s.id: (s.begin, s.end, s.label_set, s.label, tuple(sorted(s.attributes.items())))
                for s in annotation.spans
            }
            relations = sorted((spans[r.source], spans[r.target], r.type) for r in annotation.relations)
            fields = tuple(sorted((k, tuple(v)) for k, v in annotation.fields.items() if v))
            rows.append((document.report, document.text, sorted(spans.values()), relations, fields))
    return sorted(rows)


def t_lines(ann: str) -> list[tuple[str, str, list[tuple[int, int]], str]]:
    found = []
    for line in ann.splitlines():
        if line.startswith("T"):
            ident, data, shown = line.split("\t", 2)
            entity_type, offsets = data.split(" ", 1)
            pieces = [(int(b), int(e)) for b, e in (p.split(" ") for p in offsets.split(";"))]
            found.append((ident, entity_type, pieces, shown))
    return found


def import_bratiaa() -> Any:
    """bratiaa calls numpy.seterr(divide="ignore", invalid="ignore") when imported: keep it out of other tests."""
    with np.errstate():
        import bratiaa
    return bratiaa


def brat_messages() -> list[str]:
    buffer = io.StringIO()
    Messager.output(buffer)
    return buffer.getvalue().splitlines()


# --- configuration files ---------------------------------------------------------------------------


def test_annotation_conf_of_infectiologie() -> None:
    assert annotation_conf(INFECTIO) == (
        '# brat annotation configuration of the PARTAGES guide "infectiologie" (CU6, version 1.0.0).\n'
        "# Generated from guides/infectiologie.yaml by `partages-ls build`: edit the guide, not this file.\n"
        "# Offsets in the .ann files are code points (Python string indices), end exclusive.\n"
        "\n"
        "[entities]\nBacterie\nBacteriemie\nInfection\nSite\n"
        "\n"
        "[relations]\n"
        "AGENT_PATHOGENE\tArg1:Bacteriemie, Arg2:Bacterie\n"
        "SITE_PRIMAIRE\tArg1:Bacteriemie, Arg2:Site|Infection\n"
        "ORIGINE\tArg1:Bacterie, Arg2:Site|Infection\n"
        "# Spans may nest, cross or coincide (a passage can carry two labels).\n"
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>\n"
        "\n"
        "[events]\n"
        "\n"
        "[attributes]\n"
        "NEGATION\tArg:Bacterie|Bacteriemie|Infection|Site, Value:Present|Absent|Indetermine\n"
    )


def test_visual_conf_has_french_names_and_guide_colours() -> None:
    text = visual_conf(INFECTIO)
    assert "Bacterie | Bactérie\n" in text
    assert "Bacteriemie | Bactériémie\n" in text
    assert "AGENT_PATHOGENE | Agent pathogène\n" in text
    assert "NEGATION | Négation\n" in text
    assert "Bacterie\tfgColor:white, bgColor:#d62728\n" in text
    assert text.index("[labels]") < text.index("[drawing]")


@pytest.mark.parametrize("name", GUIDE_NAMES)
def test_brat_parses_the_configs_of_every_guide(name: str, tmp_path: Path) -> None:
    """bratiaa ships brat's own configuration parser (bratsubset): it must read ours without a message."""
    guide = load_guide(name, content_dir("guides"))
    (tmp_path / "annotation.conf").write_text(annotation_conf(guide), encoding="utf-8")
    (tmp_path / "visual.conf").write_text(visual_conf(guide), encoding="utf-8")
    before = len(brat_messages())
    config = ProjectConfiguration(str(tmp_path))
    entity_types = [label.inception_value for _, label in guide.all_labels()]
    if guide.document_fields:
        entity_types.append(DOCUMENT_TYPE)
    assert config.get_entity_types() == entity_types
    assert set(config.get_relation_types()) == {r.inception_value for r in guide.relations} | {"<OVERLAP>"}
    declared = {node.storage_form(): node.arguments for node in get_attribute_type_hierarchy(str(tmp_path))}
    for label_set in guide.label_sets:
        for attribute in label_set.attributes:
            assert declared[attribute.feature_name]["Value"] == [v.inception_value for v in attribute.values]
    for field in guide.document_fields:
        assert declared[field.feature_name]["Arg"] == [DOCUMENT_TYPE]
    labels = config.get_labels()
    for _, label in guide.all_labels():
        assert labels[label.inception_value] == [label.display]
        if label.color:
            assert config.get_drawing_config_by_type(label.inception_value)["bgColor"] == label.color
    assert config.spans_can_be_equal(entity_types[0], entity_types[-1])
    assert brat_messages()[before:] == []


def test_undirected_relation_is_declared_in_both_orders(tmp_path: Path) -> None:
    guide = load_guide("biomarqueurs", content_dir("guides"))
    (tmp_path / "annotation.conf").write_text(annotation_conf(guide), encoding="utf-8")
    config = ProjectConfiguration(str(tmp_path))
    assert config.relation_types_from_to("Value", "Biomarker") == ["RefersTo"]
    assert config.relation_types_from_to("Biomarker", "Value") == ["RefersTo"]
    assert config.relation_types_from_to("Value", "Unit") == []


def test_undirected_relations_are_kept_in_the_stored_direction(tmp_path: Path) -> None:
    guide = load_guide("biomarqueurs", content_dir("guides"))
    text = "HER2 positif (IHC)"
    spans = [
        Span("her2", "Biomarker", "Biomarker", 0, 4, {"Normalized": "HER2"}),
        Span("pos", "Biomarker", "Status", 5, 12, {"Presence": "Positive"}),
        Span("ihc", "Biomarker", "Technique", 14, 17),
    ]
    relations = [Relation("a", "RefersTo", "her2", "pos"), Relation("b", "RefersTo", "ihc", "her2")]
    corpus = corpus_of(guide, Document("ANAPATH-1", text, [Annotation(spans, relations)]))
    write_brat(corpus, guide, tmp_path, WriteOptions())
    ann = (tmp_path / "ANAPATH-1.ann").read_text(encoding="utf-8")
    assert "R1\tRefersTo Arg1:T1 Arg2:T2\nR2\tRefersTo Arg1:T3 Arg2:T1\n" in ann
    assert "A1\tNormalized T1 HER2\nA2\tPresence T2 Positive\n" in ann
    assert content(read_brat(tmp_path, guide)) == content(corpus)


def test_brat_files_are_the_committed_paths() -> None:
    guides = load_guides(content_dir("guides"))
    files = brat_files(guides)
    assert sorted(files) == sorted(f"exporters/{n}/{f}" for n in guides for f in ("annotation.conf", "visual.conf"))
    assert files["exporters/infectiologie/annotation.conf"] == annotation_conf(guides["infectiologie"])


# --- writing and reading ---------------------------------------------------------------------------


def test_offsets_are_code_points_and_text_is_byte_exact(tmp_path: Path) -> None:
    corpus = corpus_of(INFECTIO, Document("INFECTIO-00001_CRH", TEXT, [infectio_annotation()]))
    stats = write_brat(corpus, INFECTIO, tmp_path, WriteOptions())
    assert stats == {
        "format": "brat",
        "guide": "infectiologie",
        "documents": 1,
        "spans": 5,
        "attributes": 4,
        "relations": 3,
        "document_fields": 0,
        "fragmented_spans": 1,
    }
    assert (tmp_path / "INFECTIO-00001_CRH.txt").read_bytes() == TEXT.encode("utf-8")
    ann = (tmp_path / "INFECTIO-00001_CRH.ann").read_text(encoding="utf-8")
    lines = t_lines(ann)
    for _, _, pieces, shown in lines:
        assert shown == " ".join(TEXT[b:e] for b, e in pieces)
    by_type = {(entity_type, shown): pieces for _, entity_type, pieces, shown in lines}
    begin = TEXT.index("bactériémie")
    assert by_type[("Bacteriemie", "bactériémie")] == [(begin, begin + 11)]
    assert len(TEXT[:begin].encode("utf-16-le")) // 2 == begin + 1  # the emoji: UTF-16 would say +1
    infection = _at(TEXT, "pyélone\u0301phrite aiguë")
    assert by_type[("Infection", "pyélone\u0301phrite aiguë")] == [infection]
    # A span over "\r\n" is cut around the line break, as brat itself does.
    assert by_type[("Site", "bactériémie foyer")] == [(begin, begin + 11), (begin + 13, begin + 18)]
    assert ann.splitlines() == [
        "T1\tBacterie 25 32\tE. coli",
        f"T2\tBacteriemie {begin} {begin + 11}\tbactériémie",
        f"T3\tSite {begin} {begin + 11};{begin + 13} {begin + 18}\tbactériémie foyer",
        f"T4\tSite {begin + 19} {begin + 27}\turinaire",
        f"T5\tInfection {infection[0]} {infection[1]}\tpyélone\u0301phrite aiguë",
        "A1\tNEGATION T1 Present",
        "A2\tNEGATION T2 Present",
        "A3\tNEGATION T4 Indetermine",
        "A4\tNEGATION T5 Absent",
        "R1\tORIGINE Arg1:T1 Arg2:T5",
        "R2\tAGENT_PATHOGENE Arg1:T2 Arg2:T1",
        "R3\tSITE_PRIMAIRE Arg1:T2 Arg2:T4",
    ]
    assert (tmp_path / "annotation.conf").read_text(encoding="utf-8") == annotation_conf(INFECTIO)
    assert (tmp_path / "visual.conf").read_text(encoding="utf-8") == visual_conf(INFECTIO)


def test_round_trip_is_identity_and_byte_identical(tmp_path: Path) -> None:
    second_text = "Pas de bactériémie.\n\nE. coli sensible."
    second = Annotation(
        spans=[
            span("x", "Bacteriemie", _at(second_text, "bactériémie"), "Absent"),
            span("y", "Bacterie", _at(second_text, "E. coli")),
        ],
        relations=[Relation("x>y", "AGENT_PATHOGENE", "x", "y")],
    )
    corpus = corpus_of(INFECTIO, Document("B-2", second_text, [second]), Document("A-1", TEXT, [infectio_annotation()]))
    write_brat(corpus, INFECTIO, tmp_path / "one", WriteOptions())
    again = read_brat(tmp_path / "one", INFECTIO)
    assert content(again) == content(corpus)
    assert [d.report for d in again.documents] == ["A-1", "B-2"]
    assert again.skipped == [] and again.warnings == []
    first_span = again.documents[0].annotations[0].spans[0]
    assert first_span.provenance.where() == f'{tmp_path / "one" / "A-1.ann"}:1 / result "T1"'
    write_brat(again, INFECTIO, tmp_path / "two", WriteOptions())
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_document_fields_ride_on_a_zero_width_anchor(tmp_path: Path) -> None:
    guide = load_guide("reponse-traitement", content_dir("guides"))
    text = "Scanner : réponse partielle selon RECIST.\r\n"
    justification = Span("j", "Justification", "Justification", *_at(text, "réponse partielle selon RECIST"))
    annotation = Annotation(spans=[justification], fields={"Nomenclature": ["ReponsePartielle"]})
    corpus = corpus_of(guide, Document("ONCO-1_CRH", text, [annotation]))
    stats = write_brat(corpus, guide, tmp_path / "gold", WriteOptions())
    assert stats["document_fields"] == 1
    assert (tmp_path / "gold" / "ONCO-1_CRH.ann").read_text(encoding="utf-8") == (
        "T1\tJustification 10 40\tréponse partielle selon RECIST\n"
        "T2\tDocument 0 0\t\n"
        "A1\tNomenclature T2 ReponsePartielle\n"
    )
    again = read_brat(tmp_path / "gold", guide)
    assert content(again) == content(corpus)
    (read_annotation,) = again.documents[0].annotations
    assert read_annotation.fields == {"Nomenclature": ["ReponsePartielle"]}
    assert [s.label for s in read_annotation.spans] == ["Justification"]


def test_brat_authored_lines_are_read(tmp_path: Path) -> None:
    """brat writes relations with a trailing tab, may put A lines first and cuts spans at line ends."""
    text = "E. coli\nbactériémie  \n  urinaire"
    (tmp_path / "doc.txt").write_bytes(text.encode("utf-8"))
    (tmp_path / "doc.ann").write_text(
        "A1\tNEGATION T2 Absent\n"
        "T1\tBacterie 0 7\tE. coli\n"
        "T2\tBacteriemie 8 19\tbactériémie\n"
        "R1\tAGENT_PATHOGENE Arg2:T1 Arg1:T2\t\n"
        "T3\tSite 8 19;24 32\tbactériémie urinaire\n"
        "#1\tAnnotatorNotes T1\tà vérifier\n",
        encoding="utf-8",
    )
    corpus = read_brat(tmp_path, INFECTIO)
    (annotation,) = corpus.documents[0].annotations
    assert [(s.label, s.begin, s.end, s.attributes) for s in annotation.spans] == [
        ("Bacterie", 0, 7, {}),
        ("Bacteriemie", 8, 19, {"NEGATION": "Absent"}),
        ("Site", 8, 32, {}),
    ]
    assert [(r.type, r.source, r.target) for r in annotation.relations] == [("AGENT_PATHOGENE", "T2", "T1")]
    assert [(s.kind, s.rule, s.where) for s in corpus.skipped] == [("note", "brat-note", f"{tmp_path / 'doc.ann'}:6")]


def test_unknown_names_and_wrong_offsets_are_all_listed_with_file_and_line(tmp_path: Path) -> None:
    text = "Hémoculture positive à E. coli."
    (tmp_path / "bad.txt").write_text(text, encoding="utf-8")
    (tmp_path / "bad.ann").write_text(
        "T1\tBacterie 0 5\tE. co\n"  # 1: text does not match the offsets
        "T2\tVirus 23 30\tE. coli\n"  # 2: unknown entity type
        "T3\tSite 0 3;23 30\tHém E. coli\n"  # 3: truly discontinuous
        "T4\tBacterie 23 30\tE. coli\n"
        "A1\tNEGATION T4 Peut-etre\n"  # 5: unknown attribute value
        "R1\tCAUSE Arg1:T4 Arg2:T4\n"  # 6: unknown relation type
        "T5\tBacterie 23 99\tE. coli.\n"  # 7: past the end of the text
        "E1\tBacterie:T4\n"  # 8: events are not in the guide
        "A2\tROLE T4 Patient\n",  # 9: unknown attribute
        encoding="utf-8",
    )
    (tmp_path / "orphan.txt").write_text("seul", encoding="utf-8")
    with pytest.raises(BratError) as caught:
        read_brat(tmp_path, INFECTIO)
    located = {d.location: d.message for d in caught.value.diagnostics}
    ann = tmp_path / "bad.ann"
    assert sorted(located) == sorted([*(f"{ann}:{n}" for n in (1, 2, 3, 5, 6, 7, 8, 9)), str(tmp_path / "orphan.txt")])
    assert "differs from the .txt" in located[f"{ann}:1"]
    assert "unknown entity type 'Virus'" in located[f"{ann}:2"]
    assert "discontinuous" in located[f"{ann}:3"]
    assert "unknown value 'Peut-etre' of NEGATION (known: Present, Absent, Indetermine)" in located[f"{ann}:5"]
    assert "unknown relation type 'CAUSE'" in located[f"{ann}:6"]
    assert "outside the text" in located[f"{ann}:7"]
    assert "no matching orphan.ann" in located[str(tmp_path / "orphan.txt")]
    assert isinstance(caught.value, BratError)


def test_an_unknown_attribute_value_leaves_out_the_value_only(tmp_path: Path) -> None:
    """Import (partial) keeps the span and its relation; only the A line with the unknown value is listed."""
    text = "E. coli\nbactériémie"
    (tmp_path / "doc.txt").write_bytes(text.encode("utf-8"))
    (tmp_path / "doc.ann").write_text(
        "T1\tBacterie 0 7\tE. coli\n"
        "T2\tBacteriemie 8 19\tbactériémie\n"
        "A1\tNEGATION T1 Peut-etre\n"
        "A2\tNEGATION T2 Absent\n"
        "R1\tAGENT_PATHOGENE Arg1:T2 Arg2:T1\n",
        encoding="utf-8",
    )
    corpus = read_brat(tmp_path, INFECTIO, partial=True)
    (annotation,) = corpus.documents[0].annotations
    assert [(s.id, s.label, s.begin, s.end, s.attributes) for s in annotation.spans] == [
        ("T1", "Bacterie", 0, 7, {}),
        ("T2", "Bacteriemie", 8, 19, {"NEGATION": "Absent"}),
    ]
    assert [(r.type, r.source, r.target) for r in annotation.relations] == [("AGENT_PATHOGENE", "T2", "T1")]
    assert [(s.where, s.rule) for s in corpus.skipped] == [(f"{tmp_path / 'doc.ann'}:3", "unreadable")]
    assert "unknown value 'Peut-etre' of NEGATION (known: Present, Absent, Indetermine); T1 is kept without it" in (
        corpus.skipped[0].reason
    )


def test_corpus_problems_are_all_listed_and_nothing_is_written(tmp_path: Path) -> None:
    good = infectio_annotation()
    bad = Annotation(
        spans=[
            Span("v", "LABEL", "Virus", 0, 3),
            Span("w", "LABEL", "Site", 0, 3, {"NEGATION": "Peut-etre"}),
            Span("z", "LABEL", "Site", 5, 999),
        ],
        relations=[Relation("r", "ORIGINE", "w", "w")],
    )
    corpus = corpus_of(
        INFECTIO,
        Document("twice", TEXT, [good, good]),
        Document("bad", TEXT, [bad]),
        Document("a/b", TEXT, [good]),
    )
    with pytest.raises(BratError) as caught:
        write_brat(corpus, INFECTIO, tmp_path, WriteOptions())
    messages = [d.render() for d in caught.value.diagnostics]
    assert any("report twice" in m and "2 annotations" in m for m in messages)
    assert any("span v" in m and "Virus is not in the guide" in m for m in messages)
    assert any("span w" in m and "has no value 'Peut-etre'" in m for m in messages)
    assert any("span z" in m and "outside the text" in m for m in messages)
    # A relation outside the guide's pairs is data: written as drawn, never a writing problem.
    assert not any("relation r" in m for m in messages)
    assert any("report 'a/b'" in m and "path separator" in m for m in messages)
    assert list(tmp_path.iterdir()) == []


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    corpus = corpus_of(INFECTIO, Document("A-1", TEXT, [infectio_annotation()]))
    write_brat(corpus, INFECTIO, tmp_path, WriteOptions())
    with pytest.raises(OutputExistsError, match="already exists"):
        write_brat(corpus, INFECTIO, tmp_path, WriteOptions())


def test_a_changed_annotation_conf_is_reported(tmp_path: Path) -> None:
    write_brat(corpus_of(INFECTIO, Document("A-1", TEXT, [infectio_annotation()])), INFECTIO, tmp_path, WriteOptions())
    (tmp_path / "annotation.conf").write_text("[entities]\nBacterie\n", encoding="utf-8")
    corpus = read_brat(tmp_path, INFECTIO)
    assert [(w.kind, w.rule) for w in corpus.warnings] == [("config", "brat-config")]


# --- per-annotator folders and bratiaa ---------------------------------------------------------------


def test_annotator_folders_give_bratiaa_the_f1_computed_by_hand(tmp_path: Path) -> None:
    one = "Bactériémie 😷 à E. coli, foyer urinaire."
    two = "Pyélonéphrite\r\naiguë à 𝔸 Klebsiella."
    three = "Seule alice l'a annotée : E. coli."
    alice_one = [
        span("a1", "Bacteriemie", _at(one, "Bactériémie")),
        span("a2", "Bacterie", _at(one, "E. coli")),
        span("a3", "Site", _at(one, "urinaire")),
    ]
    bob_one = [
        span("b1", "Bacteriemie", _at(one, "Bactériémie")),
        span("b2", "Bacterie", _at(one, "E. col")),  # boundary disagreement
        span("b3", "Site", _at(one, "urinaire"), "Absent"),  # attributes do not count for bratiaa
    ]
    alice_two = [span("a4", "Infection", _at(two, "Pyélonéphrite\r\naiguë"))]
    bob_two = [
        span("b4", "Infection", _at(two, "Pyélonéphrite\r\naiguë")),
        span("b5", "Bacterie", _at(two, "Klebsiella")),
    ]
    corpus = corpus_of(
        INFECTIO,
        Document("doc-1", one, [Annotation(alice_one, annotator="alice"), Annotation(bob_one, annotator="bob")]),
        Document("doc-2", two, [Annotation(alice_two, annotator="alice"), Annotation(bob_two, annotator="bob")]),
        Document("doc-3", three, [Annotation([span("a5", "Bacterie", _at(three, "E. coli"))], annotator="alice")]),
    )
    stats = write_brat_annotators(corpus, INFECTIO, tmp_path)
    assert stats["annotators"] == {
        "alice": {"documents": 3, "spans": 5, "relations": 0},
        "bob": {"documents": 2, "spans": 5, "relations": 0},
    }
    assert (stats["documents"], stats["agreement_documents"]) == (3, 2)
    assert sorted(snapshot(tmp_path)) == [
        "alice/doc-1.ann", "alice/doc-1.txt", "alice/doc-2.ann", "alice/doc-2.txt", "alice/doc-3.ann",
        "alice/doc-3.txt", "annotation.conf", "bob/doc-1.ann", "bob/doc-1.txt", "bob/doc-2.ann", "bob/doc-2.txt",
        "visual.conf",
    ]  # fmt: skip

    # brat's parser (as shipped in bratiaa) reads every line of every file.
    for ann in sorted(tmp_path.glob("*/*.ann")):
        with Annotations(ann.as_posix(), read_only=True) as parsed:
            assert parsed.failed_lines == []
            assert len(list(parsed.get_textbounds())) == ann.read_text(encoding="utf-8").count("\nT") + 1

    # By hand: doc-1 agrees on 2 of 3 + 3 instances, doc-2 on 1 of 1 + 2; doc-3 has one annotator.
    # Instance-level F1 = 2·TP / (|alice| + |bob|) = 2·3 / (4 + 5) = 2/3.
    expected = 2 * (2 + 1) / ((3 + 1) + (3 + 2))
    agreement = import_bratiaa().compute_f1_agreement(str(tmp_path))
    assert agreement.annotators == ["alice", "bob"]
    assert agreement.documents == ["doc-1.ann", "doc-2.ann"]
    mean, deviation = agreement.mean_sd_total()
    assert mean == pytest.approx(expected)
    assert deviation == 0

    with pytest.raises(BratError, match="pass the annotator"):
        read_brat(tmp_path, INFECTIO)
    alice = read_brat(tmp_path, INFECTIO, annotator="alice")
    assert [d.report for d in alice.documents] == ["doc-1", "doc-2", "doc-3"]
    assert {a.annotator for d in alice.documents for a in d.annotations} == {"alice"}
    original = corpus_of(INFECTIO, *(Document(d.report, d.text, d.annotations[:1]) for d in corpus.documents))
    assert content(alice) == content(original)


def test_annotator_folders_leave_document_fields_out(tmp_path: Path) -> None:
    guide = load_guide("reponse-traitement", content_dir("guides"))
    annotations = [Annotation(fields={"Nomenclature": ["MaladieStable"]}, annotator=who) for who in ("alice", "bob")]
    stats = write_brat_annotators(corpus_of(guide, Document("R", "Maladie stable.", annotations)), guide, tmp_path)
    assert stats["document_fields_omitted"] == 2
    assert (tmp_path / "alice" / "R.ann").read_bytes() == b""


def test_annotations_without_a_usable_annotator_are_refused(tmp_path: Path) -> None:
    annotations = [Annotation(annotator=None, annotation_id=3), Annotation(annotator="../x", annotation_id=4)]
    with pytest.raises(BratError) as caught:
        write_brat_annotators(corpus_of(INFECTIO, Document("R", "texte", annotations)), INFECTIO, tmp_path)
    rendered = caught.value.render()
    assert "annotation 3: error: the annotation has no annotator" in rendered
    assert "annotator '../x'" in rendered
    assert list(tmp_path.iterdir()) == []


# --- property: any spans on any text survive the round trip -----------------------------------------

PIECES = ["a", "é", "e\u0301", " ", "\t", "😷", "𝔸", "\r\n", "\n", "\r", "\u2028", "\x85", ";", "|", "#", "T1"]
NEGATIONS = [None, "Present", "Absent", "Indetermine"]


@st.composite
def corpora(draw: st.DrawFn) -> Corpus:
    documents = []
    for number in range(draw(st.integers(1, 3))):
        text = "".join(draw(st.lists(st.sampled_from(PIECES), max_size=25)))
        spans = []
        for index in range(draw(st.integers(0, 6))):
            begin, end = sorted(draw(st.integers(0, len(text))) for _ in range(2))
            label = draw(st.sampled_from(["Bacterie", "Bacteriemie", "Infection", "Site"]))
            spans.append(span(f"s{index}", label, (begin, end), draw(st.sampled_from(NEGATIONS))))
        candidates = [
            (relation.id, source.id, target.id)
            for relation in INFECTIO.relations
            for source in spans
            for target in spans
            if source is not target and source.label in relation.sources and target.label in relation.targets
        ]
        chosen = draw(st.lists(st.sampled_from(candidates), max_size=4)) if candidates else []
        relations = [Relation(f"r{n}", kind, source, target) for n, (kind, source, target) in enumerate(chosen)]
        documents.append(Document(f"R{number}", text, [Annotation(spans, relations)]))
    return corpus_of(INFECTIO, *documents)


@settings(max_examples=150, deadline=None)
@given(corpora())
def test_random_spans_round_trip(corpus: Corpus) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "first", Path(tmp) / "second"
        write_brat(corpus, INFECTIO, first, WriteOptions())
        for document in corpus.documents:
            ann = (first / f"{document.report}.ann").read_text(encoding="utf-8")
            assert ann.splitlines() == ann.split("\n")[:-1]  # no line break inside a line, for any reader
            for _, _, pieces, shown in t_lines(ann):
                assert shown == " ".join(document.text[b:e] for b, e in pieces)
        again = read_brat(first, INFECTIO)
        assert content(again) == content(corpus)
        write_brat(again, INFECTIO, second, WriteOptions())
        assert snapshot(first) == snapshot(second)


def test_span_order_reads_digit_runs_as_numbers_of_any_length() -> None:
    """T2 before T10 as before, and a stored id of 5,000 digits (found by the fuzz test) sorts without int()."""
    from partages_ls.exporters.corpus import natural_key as _natural

    ids = ["T10", "T2", "T02x", "x" + "9" * 5000, "x" + "1" + "0" * 4999, "x7"]
    assert sorted(ids, key=_natural) == ["T2", "T02x", "T10", "x7", "x" + "1" + "0" * 4999, "x" + "9" * 5000]
    assert _natural("T01") == _natural("T1")
    assert _natural("x²") == ((1, 0, "x²"),)  # a non-ASCII digit is text, never int()


def test_cas_id_order_takes_numeric_ids_of_any_length() -> None:
    from partages_ls.exporters.cas.schema import id_key

    assert sorted(["10", "9", "a", "9" * 5000], key=id_key) == ["9", "10", "9" * 5000, "a"]


def _fragments_by_runs(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """What ``_fragments`` must give, said another way: the runs of non-break characters of
    ``[begin, end)``, and a zero-width piece at an end that a line break (or nothing) occupies; an empty
    span is its one zero-width piece."""
    if begin == end:
        return [(begin, begin)]
    runs = re.finditer("[^" + "".join(sorted(LINE_BREAKS)) + "]+", text[begin:end])
    pieces = [(begin + run.start(), begin + run.end()) for run in runs]
    starts_with_text = bool(pieces) and pieces[0][0] == begin
    ends_with_text = bool(pieces) and pieces[-1][1] == end
    return [*([] if starts_with_text else [(begin, begin)]), *pieces, *([] if ends_with_text else [(end, end)])]


@given(st.text(st.sampled_from(["a", "é", " ", *sorted(LINE_BREAKS)]), max_size=12), st.data())
def test_fragments_are_the_runs_between_line_breaks(text: str, data: st.DataObject) -> None:
    begin = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(begin, len(text)))
    assert _fragments(text, begin, end) == _fragments_by_runs(text, begin, end)
