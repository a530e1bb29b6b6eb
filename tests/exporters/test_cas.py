"""UIMA CAS JSON writer and reader: cassis sees what the corpus holds, round trips are identities.

dkpro-cassis emits no warning on these paths (pytest runs with warnings as errors), so no filter is
needed here.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import cassis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partages_ls.content import content_dir
from partages_ls.errors import PartagesError
from partages_ls.exporters.cas.generate import cas_files, typesystem_xml
from partages_ls.exporters.cas.read import CasReadError, read_cas
from partages_ls.exporters.cas.schema import (
    ANNOTATION,
    ANNOTATION_BASE,
    CUSTOM_PREFIX,
    DOCUMENT_METADATA,
    CasSchemaError,
    cas_schema,
)
from partages_ls.exporters.cas.write import CasWriteError, write_cas
from partages_ls.exporters.corpus import Annotation, Corpus, Document, Provenance, Relation, Span
from partages_ls.exporters.format import WriteOptions
from partages_ls.guides.loader import guide_files, load_guide
from partages_ls.guides.model import Guide

GUIDES = [path.stem for path in guide_files(content_dir("guides"))]
EMOJI, MATH_A = "😷", "𝔸"
DECOMPOSED_E = "e\u0301"  # "é" as e + combining acute accent: two code points


# Helpers


def utf16(text: str, offset: int) -> int:
    """The UTF-16 offset of a code-point offset (what INCEpTION stores)."""
    return len(text[:offset].encode("utf-16-le")) // 2


def content(corpus: Corpus) -> dict[str, Any]:
    """What a corpus says, without ids or provenance: spans by value, relations by their ends' values."""
    result = {}
    for document in corpus.documents:
        (annotation,) = document.annotations
        spans = {
            s.id: (s.begin, s.end, s.label_set, s.label, tuple(sorted(s.attributes.items()))) for s in annotation.spans
        }
        relations = sorted((r.type, spans[r.source], spans[r.target]) for r in annotation.relations)
        result[document.report] = (document.text, sorted(spans.values()), relations, annotation.fields)
    return result


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


class TextBuilder:
    """Builds a report text and records code-point offsets of the pieces that become spans."""

    def __init__(self) -> None:
        self.text = ""

    def add(self, piece: str) -> tuple[int, int]:
        begin = len(self.text)
        self.text += piece
        return begin, len(self.text)


def sample_document(guide: Guide, report: str, variant: int) -> Document:
    """One document using every label, attribute, relation and field of the guide, in hard text."""
    builder = TextBuilder()
    builder.add(f"{EMOJI} Compte rendu {report}\r\n")
    annotation = Annotation(annotator="curatrice", annotation_id=variant, ground_truth=True)
    for set_index, label_set in enumerate(guide.label_sets):
        for label_index, label in enumerate(label_set.labels[:8]):
            builder.add(f"{MATH_A}{EMOJI} avant ")
            begin, end = builder.add(f"{label.display or label.id} {MATH_A}{DECOMPOSED_E}{EMOJI}")
            builder.add(f" apr{DECOMPOSED_E}s {EMOJI}\r\n")
            attributes = {}
            for attribute in label_set.attributes:
                if label.id in attribute.applies_to:
                    values = attribute.values
                    attributes[attribute.name] = values[(label_index + variant) % len(values)].id
            annotation.spans.append(
                Span(
                    id=f"r{variant}x{set_index}x{label_index}",
                    label_set=label_set.name,
                    label=label.id,
                    begin=begin,
                    end=end,
                    attributes=attributes,
                    provenance=Provenance(task_id=variant, result_id=f"r{label_index}"),
                )
            )
    for relation_type in guide.relations:
        sources = [s for s in annotation.spans if s.label in relation_type.sources]
        targets = [s for s in annotation.spans if s.label in relation_type.targets]
        if sources and targets:
            source, target = sources[variant % len(sources)], targets[-1 - variant % len(targets)]
            annotation.relations.append(
                Relation(f"{source.id}>{target.id}:{relation_type.id}", relation_type.id, source.id, target.id)
            )
    for doc_field in guide.document_fields:
        annotation.fields[doc_field.name] = [doc_field.values[variant % len(doc_field.values)].id]
    return Document(report=report, text=builder.text, annotations=[annotation], task_id=variant)


def sample_corpus(guide: Guide) -> Corpus:
    corpus = Corpus(guide=guide.name, guide_version=guide.version)
    corpus.documents = [
        sample_document(guide, "CARDIOLOGIE-00054_CRH", 0),
        sample_document(guide, "URGENCES-00007_URGENCES", 1),
        Document(report="ANAPATH-00001_ANAPATH", text="Aucune entité ici.\r\n", annotations=[Annotation()]),
    ]
    return corpus


@pytest.fixture(scope="module")
def guides() -> dict[str, Guide]:
    return {name: load_guide(name, content_dir("guides")) for name in GUIDES}


# Type systems


@pytest.mark.parametrize("name", GUIDES)
def test_typesystem_loads_in_cassis(name: str, guides: dict[str, Guide]) -> None:
    guide = guides[name]
    text = typesystem_xml(guide)
    assert text == typesystem_xml(guide), "type system text must be deterministic"
    typesystem = cassis.load_typesystem(text)
    metadata = typesystem.get_type(DOCUMENT_METADATA)
    assert {"documentTitle", "documentId"} <= {f.name for f in metadata.all_features}
    for label_set in guide.label_sets:
        layer = typesystem.get_type(CUSTOM_PREFIX + label_set.layer)
        assert layer.supertype.name == ANNOTATION
        features = {f.name: f.rangeType.name for f in layer.all_features}
        assert features[label_set.feature] == "uima.cas.String"
        for attribute in label_set.attributes:
            assert features[attribute.feature_name] == "uima.cas.String"
    if guide.relations:
        assert guide.export.relation_layer is not None
        relation = typesystem.get_type(CUSTOM_PREFIX + guide.export.relation_layer)
        assert relation.supertype.name == ANNOTATION
        features = {f.name: f.rangeType.name for f in relation.all_features}
        attach = CUSTOM_PREFIX + guide.label_sets[0].layer
        assert features["Governor"] == features["Dependent"] == attach
        assert features[guide.export.relation_feature] == "uima.cas.String"
    if guide.document_fields:
        assert guide.export.document_layer is not None
        document = typesystem.get_type(CUSTOM_PREFIX + guide.export.document_layer)
        assert document.supertype.name == ANNOTATION_BASE
        features = {f.name: f.rangeType.name for f in document.all_features}
        assert features["i7n_uiOrder"] == "uima.cas.Integer"
        for doc_field in guide.document_fields:
            assert features[doc_field.feature_name] == "uima.cas.String"


def test_cas_files_names_one_typesystem_per_guide(guides: dict[str, Guide]) -> None:
    files = cas_files(guides)
    assert sorted(files) == [f"exporters/{name}/typesystem.xml" for name in sorted(guides)]
    assert files["exporters/infectiologie/typesystem.xml"] == typesystem_xml(guides["infectiologie"])


def test_relation_ends_on_two_layers_are_refused(guides: dict[str, Guide]) -> None:
    guide = guides["infectiologie"]
    (label_set,) = guide.label_sets
    other = label_set.model_copy(update={"name": "AUTRE", "layer": "Autre", "labels": label_set.labels[:1]})
    first = label_set.model_copy(update={"labels": label_set.labels[1:]})
    broken = guide.model_copy(update={"label_sets": [first, other]})
    with pytest.raises(CasSchemaError, match="span layers"):
        cas_schema(broken)


# What cassis sees in the written files


@pytest.mark.parametrize("name", GUIDES)
def test_cassis_finds_the_corpus_annotations(name: str, guides: dict[str, Guide], tmp_path: Path) -> None:
    guide = guides[name]
    corpus = sample_corpus(guide)
    stats = write_cas(corpus, guide, tmp_path, WriteOptions())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{d.report}.json" for d in corpus.documents] + ["typesystem.xml"]
    )
    assert stats["documents"] == 3
    assert stats["spans"] == sum(len(d.annotations[0].spans) for d in corpus.documents)
    assert stats["relations"] == sum(len(d.annotations[0].relations) for d in corpus.documents)
    typesystem = cassis.load_typesystem((tmp_path / "typesystem.xml").read_text(encoding="utf-8"))
    labels = {(ls.name, lab.id): lab.inception_value for ls in guide.label_sets for lab in ls.labels}
    layer_of = {ls.name: ls for ls in guide.label_sets}
    for document in corpus.documents:
        (annotation,) = document.annotations
        with (tmp_path / f"{document.report}.json").open("rb") as handle:
            cas = cassis.load_cas_from_json(handle, typesystem=typesystem)
        assert cas.sofa_string == document.text
        (metadata,) = cas.select(DOCUMENT_METADATA)
        assert metadata.documentId == metadata.documentTitle == document.report

        found = []
        for layer_name in dict.fromkeys(ls.layer for ls in guide.label_sets):
            for fs in cas.select(CUSTOM_PREFIX + layer_name):
                features = {
                    f.name: fs.get(f.name) for f in fs.type.all_features if f.rangeType.name == "uima.cas.String"
                }
                found.append((fs.begin, fs.end, fs.get_covered_text(), {k: v for k, v in features.items() if v}))
        expected = []
        for span in annotation.spans:
            label_set = layer_of[span.label_set]
            features = {label_set.feature: labels[(span.label_set, span.label)]}
            for attribute in label_set.attributes:
                if attribute.name in span.attributes:
                    value = next(v for v in attribute.values if v.id == span.attributes[attribute.name])
                    features[attribute.feature_name] = value.inception_value
            expected.append((span.begin, span.end, document.text[span.begin : span.end], features))
        assert sorted(found, key=repr) == sorted(expected, key=repr)

        if guide.relations:
            assert guide.export.relation_layer is not None
            relation_feature = guide.export.relation_feature
            spans = {s.id: (s.begin, s.end, s.label) for s in annotation.spans}
            values = {r.id: r.inception_value for r in guide.relations}
            found_relations = sorted(
                (
                    fs.get(relation_feature),
                    (fs.Governor.begin, fs.Governor.end),
                    (fs.Dependent.begin, fs.Dependent.end),
                    (fs.begin, fs.end) == (fs.Dependent.begin, fs.Dependent.end),
                )
                for fs in cas.select(CUSTOM_PREFIX + guide.export.relation_layer)
            )
            expected_relations = sorted(
                (values[r.type], spans[r.source][:2], spans[r.target][:2], True) for r in annotation.relations
            )
            assert found_relations == expected_relations

        if guide.document_fields:
            assert guide.export.document_layer is not None
            structures = cas.select(CUSTOM_PREFIX + guide.export.document_layer)
            for doc_field in guide.document_fields:
                inception = {v.id: v.inception_value for v in doc_field.values}
                chosen = [fs.get(doc_field.feature_name) for fs in structures if fs.get(doc_field.feature_name)]
                assert chosen == [inception[v] for v in annotation.fields.get(doc_field.name, [])]


@pytest.mark.parametrize("name", GUIDES)
def test_round_trip_is_an_identity(name: str, guides: dict[str, Guide], tmp_path: Path) -> None:
    guide = guides[name]
    corpus = sample_corpus(guide)
    first, second, third = tmp_path / "1", tmp_path / "2", tmp_path / "3"
    for folder in (first, second, third):
        folder.mkdir()
    write_cas(corpus, guide, first, WriteOptions())
    read_back = read_cas(first, guide)
    assert content(read_back) == content(corpus)
    assert all(d.annotations[0].ground_truth for d in read_back.documents)
    write_cas(read_back, guide, second, WriteOptions())
    assert folder_bytes(second) == folder_bytes(first)
    again = read_cas(second, guide)
    assert again == read_back, "ids and order are stable through a second round trip"
    write_cas(again, guide, third, WriteOptions())
    assert folder_bytes(third) == folder_bytes(first)


def test_output_does_not_depend_on_storage_order(guides: dict[str, Guide], tmp_path: Path) -> None:
    guide = guides["infectiologie"]
    corpus = sample_corpus(guide)
    shuffled = sample_corpus(guide)
    shuffled.documents.reverse()
    for document in shuffled.documents:
        document.annotations[0].spans.reverse()
        document.annotations[0].relations.reverse()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_cas(corpus, guide, tmp_path / "a", WriteOptions())
    write_cas(shuffled, guide, tmp_path / "b", WriteOptions())
    assert folder_bytes(tmp_path / "a") == folder_bytes(tmp_path / "b")


# Offsets


def test_offsets_around_astral_characters_crlf_and_combining_accents(guides: dict[str, Guide], tmp_path: Path) -> None:
    guide = guides["infectiologie"]
    builder = TextBuilder()
    builder.add(f"{EMOJI}{MATH_A} H{DECOMPOSED_E}mocultures\r\n")
    pieces = [f"E. coli {EMOJI}", f"{MATH_A}pyélon{DECOMPOSED_E}phrite", "urinaire", f"sepsis{EMOJI}{MATH_A}"]
    labels = ["Bacterie", "Infection", "Site", "Bacteriemie"]
    spans = []
    for index, (piece, label) in enumerate(zip(pieces, labels, strict=True)):
        builder.add(f" {EMOJI} {MATH_A}\r\n ")
        begin, end = builder.add(piece)
        builder.add(f" {MATH_A}{EMOJI}")
        spans.append(Span(f"s{index}", "LABEL", label, begin, end, {"NEGATION": "Present"}))
    relations = [Relation("r0", "AGENT_PATHOGENE", "s3", "s0"), Relation("r1", "SITE_PRIMAIRE", "s3", "s1")]
    text = builder.text
    document = Document("REPORT-00001_CRH", text, [Annotation(spans=spans, relations=relations)])
    corpus = Corpus(guide.name, guide.version, [document])
    write_cas(corpus, guide, tmp_path, WriteOptions())

    typesystem = cassis.load_typesystem((tmp_path / "typesystem.xml").read_text(encoding="utf-8"))
    raw_text = (tmp_path / "REPORT-00001_CRH.json").read_text(encoding="utf-8")
    cas = cassis.load_cas_from_json(raw_text, typesystem=typesystem)
    loaded = cas.select(CUSTOM_PREFIX + "Infectiologie")
    assert [(fs.begin, fs.end) for fs in loaded] == [(s.begin, s.end) for s in spans]
    assert [fs.get_covered_text() for fs in loaded] == [text[s.begin : s.end] for s in spans]
    assert [fs.get_covered_text() for fs in loaded] == pieces

    raw = json.loads(raw_text)
    raw_spans = [fs for fs in raw["%FEATURE_STRUCTURES"] if fs["%TYPE"] == CUSTOM_PREFIX + "Infectiologie"]
    assert [(fs["begin"], fs["end"]) for fs in raw_spans] == [(utf16(text, s.begin), utf16(text, s.end)) for s in spans]
    assert all(utf16(text, s.begin) > s.begin for s in spans), "the astral characters shift UTF-16 offsets"
    (metadata,) = [fs for fs in raw["%FEATURE_STRUCTURES"] if fs["%TYPE"] == DOCUMENT_METADATA]
    assert metadata["end"] == len(text.encode("utf-16-le")) // 2
    raw_relations = [fs for fs in raw["%FEATURE_STRUCTURES"] if fs["%TYPE"] == CUSTOM_PREFIX + "RelationInfectiologie"]
    by_id = {fs["%ID"]: fs for fs in raw_spans}
    for fs in raw_relations:
        dependent = by_id[fs["@Dependent"]]
        assert (fs["begin"], fs["end"]) == (dependent["begin"], dependent["end"])

    read_back = read_cas(tmp_path, guide)
    assert content(read_back) == content(corpus)


# Document fields


def test_document_field_with_several_values_spills_into_ordered_structures(
    guides: dict[str, Guide], tmp_path: Path
) -> None:
    guide = guides["reponse-traitement"]
    (doc_field,) = guide.document_fields
    values = [doc_field.values[-1].id, doc_field.values[0].id]
    document = Document("ONCO-00001_CRH", "Texte.", [Annotation(fields={doc_field.name: values})])
    write_cas(Corpus(guide.name, guide.version, [document]), guide, tmp_path, WriteOptions())
    raw = json.loads((tmp_path / "ONCO-00001_CRH.json").read_text(encoding="utf-8"))
    layer = CUSTOM_PREFIX + (guide.export.document_layer or "")
    structures = [fs for fs in raw["%FEATURE_STRUCTURES"] if fs["%TYPE"] == layer]
    assert [(fs["i7n_uiOrder"], fs[doc_field.feature_name]) for fs in structures] == [
        (0, doc_field.values[-1].inception_value),
        (1, doc_field.values[0].inception_value),
    ]
    assert all("begin" not in fs for fs in structures), "document metadata has no offsets"
    (read_back,) = read_cas(tmp_path, guide).documents
    assert read_back.annotations[0].fields == {doc_field.name: values}


# Errors


def test_write_reports_every_unknown_id_at_once(guides: dict[str, Guide], tmp_path: Path) -> None:
    guide = guides["infectiologie"]
    spans = [
        Span("a", "LABEL", "Virus", 0, 3),
        Span("b", "LABEL", "Bacterie", 4, 7, {"NEGATION": "Peut-etre"}),
        Span("c", "LABEL", "Site", 8, 99),
        Span("d", "AUTRE", "Site", 0, 1),
    ]
    relations = [Relation("r", "CAUSE", "b", "b"), Relation("s", "ORIGINE", "b", "zz")]
    document = Document("R-1", "abc def ghi", [Annotation(spans=spans, relations=relations)])
    with pytest.raises(CasWriteError) as caught:
        write_cas(Corpus(guide.name, guide.version, [document]), guide, tmp_path, WriteOptions())
    message = str(caught.value)
    for expected in ("'Virus'", "'Peut-etre'", "8-99", "'AUTRE'", "'CAUSE'", "'zz'"):
        assert expected in message
    assert len(caught.value.diagnostics) == 6
    assert list(tmp_path.iterdir()) == [], "nothing is written when something is wrong"


def test_write_refuses_ambiguous_or_unsafe_documents(guides: dict[str, Guide], tmp_path: Path) -> None:
    guide = guides["infectiologie"]
    documents = [
        Document("R-1", "a", [Annotation(), Annotation()]),
        Document("../evil", "a", [Annotation()]),
        Document("r-2", "a", [Annotation()]),
        Document("R-2", "a", [Annotation()]),
        Document("R-3", "a\ud800", [Annotation()]),
    ]
    with pytest.raises(CasWriteError) as caught:
        write_cas(Corpus(guide.name, guide.version, documents), guide, tmp_path, WriteOptions())
    message = str(caught.value)
    assert "2 annotations" in message
    assert "'../evil'" in message
    assert "same file name" in message
    assert "surrogate" in message
    with pytest.raises(CasWriteError, match="not 'infectiologie'"):
        write_cas(Corpus("pseudonymisation", "1.0.0", []), guide, tmp_path, WriteOptions())


def test_read_lists_file_annotation_and_unknown_value(guides: dict[str, Guide], tmp_path: Path) -> None:
    guide = guides["infectiologie"]
    write_cas(sample_corpus(guide), guide, tmp_path, WriteOptions())
    path = tmp_path / "CARDIOLOGIE-00054_CRH.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    structures = raw["%FEATURE_STRUCTURES"]
    span = next(fs for fs in structures if fs["%TYPE"] == CUSTOM_PREFIX + "Infectiologie")
    span["LABEL"] = "Virus"
    other = [fs for fs in structures if fs["%TYPE"] == CUSTOM_PREFIX + "Infectiologie"][1]
    other["NEGATION"] = "Probable"
    relation = next(fs for fs in structures if fs["%TYPE"] == CUSTOM_PREFIX + "RelationInfectiologie")
    relation["LABEL"] = "CAUSE"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")

    with pytest.raises(CasReadError) as caught:
        read_cas(tmp_path, guide)
    assert isinstance(caught.value, PartagesError)
    rendered = [d.render() for d in caught.value.diagnostics]
    assert any(
        r.startswith(f"CARDIOLOGIE-00054_CRH.json / Infectiologie #{span['%ID']}") and "'Virus'" in r for r in rendered
    )
    assert any(f"#{other['%ID']}" in r and "'Probable'" in r and "NEGATION" in r for r in rendered)
    assert any(f"RelationInfectiologie #{relation['%ID']}" in r and "'CAUSE'" in r for r in rendered)
    assert any(r.startswith("broken.json") for r in rendered)


def test_an_unknown_attribute_value_leaves_out_the_value_only(guides: dict[str, Guide], tmp_path: Path) -> None:
    """What an annotator stored is data: the span (and its relations) are imported, only the value is listed."""
    guide = guides["infectiologie"]
    write_cas(sample_corpus(guide), guide, tmp_path, WriteOptions())
    clean = read_cas(tmp_path, guide)
    path = tmp_path / "CARDIOLOGIE-00054_CRH.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    relation = next(fs for fs in raw["%FEATURE_STRUCTURES"] if fs["%TYPE"] == CUSTOM_PREFIX + "RelationInfectiologie")
    target = next(fs for fs in raw["%FEATURE_STRUCTURES"] if fs["%ID"] == relation["@Governor"])
    assert target["NEGATION"] != "Probable"
    target["NEGATION"] = "Probable"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")

    corpus = read_cas(tmp_path, guide, partial=True)
    (kept,) = [
        span
        for document in clean.documents
        for span in document.annotations[0].spans
        if document.report == "CARDIOLOGIE-00054_CRH" and span.id == str(target["%ID"])
    ]
    del kept.attributes["NEGATION"]
    # Every span and relation is read (those on the span too); the span only lost NEGATION.
    assert content(corpus) == content(clean)
    assert [(s.where, s.rule) for s in corpus.skipped] == [
        (f"CARDIOLOGIE-00054_CRH.json / Infectiologie #{target['%ID']}", "unreadable")
    ]
    assert "unknown value 'Probable' of feature NEGATION (the span is kept without it)" in corpus.skipped[0].reason
    with pytest.raises(CasReadError, match="'Probable'"):  # a plain read still refuses and lists it
        read_cas(tmp_path, guide)


def test_read_refuses_offsets_inside_a_utf16_pair_and_unlabelled_spans(
    guides: dict[str, Guide], tmp_path: Path
) -> None:
    """cassis only warns on an offset that splits a surrogate pair; the reader makes it an error."""
    guide = guides["infectiologie"]
    span = Span("s", "LABEL", "Bacterie", 1, 3)
    document = Document("R-1", f"{EMOJI}E. coli", [Annotation(spans=[span])])
    write_cas(Corpus(guide.name, guide.version, [document]), guide, tmp_path, WriteOptions())
    path = tmp_path / "R-1.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    (structure,) = [fs for fs in raw["%FEATURE_STRUCTURES"] if fs["%TYPE"] == CUSTOM_PREFIX + "Infectiologie"]
    assert structure["begin"] == 2
    structure["begin"] = 1
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CasReadError, match=r"R-1\.json: error: cassis: .*offset \[1\]"):
        read_cas(tmp_path, guide)

    structure["begin"] = 2
    del structure["LABEL"]
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CasReadError, match=r"Infectiologie #\d+: error: annotation without a label"):
        read_cas(tmp_path, guide)


def test_read_foreign_cas_keeps_its_ids_and_ignores_other_layers(guides: dict[str, Guide], tmp_path: Path) -> None:
    """A CAS made elsewhere (INCEpTION: tokens, arbitrary ids, no DocumentMetaData) reads back."""
    guide = guides["infectiologie"]
    typesystem = cassis.load_typesystem(typesystem_xml(guide))
    token_type = typesystem.create_type("de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token")
    text = f"{EMOJI} E. coli dans le sang"
    cas = cassis.Cas(typesystem=typesystem, sofa_string=text)
    cas.add(token_type(begin=2, end=4, xmiID=40))
    layer = typesystem.get_type(CUSTOM_PREFIX + "Infectiologie")
    bacterium = layer(begin=2, end=9, LABEL="Bacterie", NEGATION="Absent", xmiID=77)
    blood = layer(begin=15, end=22, LABEL="Bacteriemie", xmiID=55)
    cas.add(bacterium)
    cas.add(blood)
    relation_type = typesystem.get_type(CUSTOM_PREFIX + "RelationInfectiologie")
    cas.add(relation_type(begin=2, end=9, Governor=blood, Dependent=bacterium, LABEL="AGENT_PATHOGENE", xmiID=90))
    cas.to_json(tmp_path / "X-00001_CRH.json")

    (document,) = read_cas(tmp_path, guide).documents
    assert document.report == "X-00001_CRH"
    (annotation,) = document.annotations
    assert [(s.id, s.label, s.attributes) for s in annotation.spans] == [
        ("77", "Bacterie", {"NEGATION": "Absent"}),
        ("55", "Bacteriemie", {}),
    ]
    assert [(r.id, r.type, r.source, r.target) for r in annotation.relations] == [("90", "AGENT_PATHOGENE", "55", "77")]
    assert annotation.spans[0].provenance.where() == "X-00001_CRH.json / Infectiologie #77"


# Property: any text, any spans


ALPHABET = st.sampled_from(
    ["a", "é", " ", "\r", "\n", "\r\n", EMOJI, MATH_A, DECOMPOSED_E, "\u0301", "\t", "«", "\x00"]
)


@st.composite
def random_documents(draw: st.DrawFn, guide: Guide) -> Document:
    text = "".join(draw(st.lists(ALPHABET | st.text(max_size=3), max_size=40)))
    (label_set,) = guide.label_sets
    (negation,) = label_set.attributes
    spans = []
    for index in range(draw(st.integers(0, 8))):
        begin = draw(st.integers(0, len(text)))
        end = draw(st.integers(begin, len(text)))
        attributes = {}
        if draw(st.booleans()):
            attributes[negation.name] = draw(st.sampled_from(negation.values)).id
        label = draw(st.sampled_from(label_set.labels)).id
        spans.append(Span(f"s{index}", label_set.name, label, begin, end, attributes))
    relations = []
    if spans:
        for index in range(draw(st.integers(0, 4))):
            relation_type = draw(st.sampled_from(guide.relations)).id
            source, target = draw(st.sampled_from(spans)), draw(st.sampled_from(spans))
            relations.append(Relation(f"r{index}", relation_type, source.id, target.id))
    return Document("RANDOM-00001_CRH", text, [Annotation(spans=spans, relations=relations)])


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_texts_and_spans_round_trip(data: st.DataObject) -> None:
    guide = load_guide("infectiologie", content_dir("guides"))
    document = data.draw(random_documents(guide))
    corpus = Corpus(guide.name, guide.version, [document])
    with tempfile.TemporaryDirectory() as scratch:
        first, second = Path(scratch) / "1", Path(scratch) / "2"
        first.mkdir()
        second.mkdir()
        write_cas(corpus, guide, first, WriteOptions())
        read_back = read_cas(first, guide)
        assert content(read_back) == content(corpus)
        (back,) = read_back.documents
        for span in back.annotations[0].spans:
            assert 0 <= span.begin <= span.end <= len(document.text)
        write_cas(read_back, guide, second, WriteOptions())
        assert folder_bytes(second) == folder_bytes(first)
        assert read_cas(second, guide) == read_back
