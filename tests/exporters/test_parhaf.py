"""PARHAF parquet subsets: layout, offsets, determinism, round trips and loading with `datasets`."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partages_ls.content import content_dir
from partages_ls.exporters.corpus import Annotation, Corpus, Document, Relation, Span
from partages_ls.exporters.format import WriteOptions
from partages_ls.exporters.parhaf.read import read_parhaf, read_parhaf_splits
from partages_ls.exporters.parhaf.schema import ParhafError, ParhafReadError, SpanTextMismatchError, parhaf_schemas
from partages_ls.exporters.parhaf.write import write_parhaf
from partages_ls.guides.loader import load_guide
from partages_ls.guides.model import Guide

INFECTIO = load_guide("infectiologie", content_dir("guides"))
REPONSE = load_guide("reponse-traitement", content_dir("guides"))


def span(span_id: str, label: str, text: str, needle: str, nth: int = 0, **attributes: str) -> Span:
    """A span on the ``nth`` occurrence of ``needle`` (offsets in code points, as Python counts them)."""
    begin = -1
    for _ in range(nth + 1):
        begin = text.index(needle, begin + 1)
    return Span(span_id, "LABEL", label, begin, begin + len(needle), dict(attributes))


TEXT_1 = (
    "Bactériémie à Escherichia coli 😀 à point de départ urinaire.\r\n"
    "Pyélonéphrite aigue\u0301 droite ; pas d'endocardite. 𝔸 E. coli sensible."
)
TEXT_2 = "Hémocultures positives à SAMS.\nPorte d'entrée : cathéter veineux central.\n"
TEXT_3 = "Compte rendu sans aucune mention infectieuse.\r\n"
TEXT_4 = "Suspicion de pneumopathie 😷😷 à Klebsiella pneumoniae ; pas de bactériémie."


def infectio_corpus() -> Corpus:
    """Four reports, relations in both splits, one report without any span, astral characters and \\r\\n."""
    one = Annotation(
        spans=[
            # Stored out of order, with Label Studio-like random ids: the output must not care.
            span("zK3", "Site", TEXT_1, "urinaire", NEGATION="Present"),
            span("aB1", "Bacteriemie", TEXT_1, "Bactériémie", NEGATION="Present"),
            span("q9", "Bacterie", TEXT_1, "Escherichia coli", NEGATION="Present"),
            span("q10", "Infection", TEXT_1, "aigue\u0301", NEGATION="Present"),
            span("m2", "Infection", TEXT_1, "endocardite", NEGATION="Absent"),
            span("m3", "Bacterie", TEXT_1, "E. coli", NEGATION="Present"),
        ],
        relations=[
            Relation("r1", "SITE_PRIMAIRE", "aB1", "zK3"),
            Relation("r0", "AGENT_PATHOGENE", "aB1", "q9"),
            Relation("r2", "ORIGINE", "q9", "zK3"),
        ],
        annotator="curatrice@example.fr",
    )
    two = Annotation(
        spans=[
            span("s1", "Bacteriemie", TEXT_2, "Hémocultures positives", NEGATION="Present"),
            span("s2", "Bacterie", TEXT_2, "SAMS", NEGATION="Present"),
            span("s3", "Site", TEXT_2, "cathéter veineux central", NEGATION="Present"),
        ],
        relations=[Relation("x", "AGENT_PATHOGENE", "s1", "s2"), Relation("y", "SITE_PRIMAIRE", "s1", "s3")],
    )
    four = Annotation(
        spans=[
            span("k1", "Infection", TEXT_4, "pneumopathie", NEGATION="Indetermine"),
            span("k2", "Bacterie", TEXT_4, "Klebsiella pneumoniae", NEGATION="Present"),
            span("k3", "Bacteriemie", TEXT_4, "bactériémie", NEGATION="Absent"),
        ],
        relations=[Relation("o", "ORIGINE", "k2", "k1")],
    )
    return Corpus(
        "infectiologie",
        INFECTIO.version,
        [
            Document("MALADIES-INFECTIEUSES-00048_CRH", TEXT_1, [one]),
            Document("CARDIOLOGIE-00903_CRH", TEXT_2, [two]),
            Document("GERIATRIE-00390_URGENCES", TEXT_3, [Annotation()]),
            Document("PNEUMOLOGIE-00561_CRH", TEXT_4, [four]),
        ],
    )


INFECTIO_SPLITS = {
    "CARDIOLOGIE-00903_CRH": "train",
    "MALADIES-INFECTIEUSES-00048_CRH": "train",
    "GERIATRIE-00390_URGENCES": "dev",
    "PNEUMOLOGIE-00561_CRH": "dev",
}


def write(corpus: Corpus, guide: Guide, folder: Path, splits: dict[str, str]) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    return write_parhaf(
        corpus,
        guide,
        folder,
        WriteOptions(splits, gold_policy="curator:curatrice@example.fr", annotators=["a@x.fr", "b@x.fr"]),
    )


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def content(corpus: Corpus) -> dict[str, Any]:
    """What a subset says about each report, independent of span and relation ids and storage order."""
    result: dict[str, Any] = {}
    for document in corpus.documents:
        (annotation,) = document.annotations
        spans = {
            s.id: (s.label_set, s.label, s.begin, s.end, tuple(sorted(s.attributes.items()))) for s in annotation.spans
        }
        relations = sorted((r.type, spans[r.source], spans[r.target]) for r in annotation.relations)
        fields = {name: sorted(values) for name, values in annotation.fields.items()}
        result[document.report] = (document.text, sorted(spans.values()), relations, fields)
    return result


def rows(folder: Path, config: str, split: str) -> list[dict[str, Any]]:
    return list(pq.read_table(folder / f"data/{config}/{config}_{split}.parquet").to_pylist())


def offline_datasets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make ``datasets`` work with no network and a throw-away cache under ``tmp_path``; returns its home."""
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(home))
    import datasets
    import huggingface_hub.constants

    # Both libraries read the environment at import time, which may have happened already.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", home / "datasets")
    monkeypatch.setattr(datasets.config, "HF_MODULES_CACHE", home / "modules")
    return home


@pytest.fixture
def load_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, str], Any]:
    """``datasets.load_dataset`` with no network and a throw-away cache (the machine is offline)."""
    home = offline_datasets(tmp_path, monkeypatch)
    import datasets

    def load(folder: Path, config: str) -> Any:
        return datasets.load_dataset(str(folder), config, cache_dir=str(home / "datasets"))

    return load


# --- layout and loading ---------------------------------------------------------------------------
def test_load_dataset_returns_train_and_dev(tmp_path: Path, load_offline: Callable[[Path, str], Any]) -> None:
    folder = tmp_path / "subset"
    write(infectio_corpus(), INFECTIO, folder, INFECTIO_SPLITS)

    spans = load_offline(folder, "spans")
    assert sorted(spans) == ["dev", "train"]
    assert (spans["train"].num_rows, spans["dev"].num_rows) == (9, 3)
    first = spans["train"][0]
    assert first == {
        "report": "CARDIOLOGIE-00903_CRH",
        "span_id": "CARDIOLOGIE-00903_CRH-T1",
        "span_type": "Infectiologie",
        "begin": 0,
        "end": 22,
        "span_text": "Hémocultures positives",
        "attribute_LABEL": "Bacteriemie",
        "attribute_NEGATION": "Present",
    }
    metadata = load_offline(folder, "document_metadata")
    assert metadata["dev"]["report"] == ["GERIATRIE-00390_URGENCES", "PNEUMOLOGIE-00561_CRH"]
    assert metadata["train"]["full_text"] == [TEXT_2, TEXT_1]
    relations = load_offline(folder, "relations")
    assert (relations["train"].num_rows, relations["dev"].num_rows) == (5, 1)
    assert relations["dev"][0] == {
        "report": "PNEUMOLOGIE-00561_CRH",
        "relation_id": "PNEUMOLOGIE-00561_CRH-R1",
        "relation_type": "ORIGINE",
        "source_span_id": "PNEUMOLOGIE-00561_CRH-T2",
        "target_span_id": "PNEUMOLOGIE-00561_CRH-T1",
    }


def test_layout_schemas_and_row_order(tmp_path: Path) -> None:
    stats = write(infectio_corpus(), INFECTIO, tmp_path, INFECTIO_SPLITS)
    assert sorted(folder_bytes(tmp_path)) == sorted(stats["files"])
    schemas = parhaf_schemas(INFECTIO)
    for config, schema in schemas.items():
        for split in ("train", "dev"):
            assert pq.read_schema(tmp_path / f"data/{config}/{config}_{split}.parquet").equals(schema)
    spans = schemas["spans"]
    assert spans.names == [
        "report", "span_id", "span_type", "begin", "end", "span_text", "attribute_LABEL", "attribute_NEGATION"
    ]  # fmt: skip
    assert spans.field("begin").type == pa.int64() and not spans.field("begin").nullable
    assert spans.field("attribute_NEGATION").nullable
    train = rows(tmp_path, "spans", "train")
    keys = [(r["report"], r["begin"], r["end"]) for r in train]
    assert keys == sorted(keys)
    assert [r["span_id"] for r in train if r["report"].startswith("MALADIES")] == [
        f"MALADIES-INFECTIEUSES-00048_CRH-T{n}" for n in range(1, 7)
    ]
    assert stats["documents"] == {"train": 2, "dev": 2}
    assert stats["spans"] == {"train": 9, "dev": 3}
    assert stats["relations"] == {"train": 5, "dev": 1}
    assert stats["spans_per_label"] == {"Bacterie": 4, "Bacteriemie": 3, "Infection": 3, "Site": 2}


def test_relations_follow_the_renumbered_spans(tmp_path: Path) -> None:
    write(infectio_corpus(), INFECTIO, tmp_path, INFECTIO_SPLITS)
    spans = {r["span_id"]: r["span_text"] for r in rows(tmp_path, "spans", "train")}
    relations = [
        (r["relation_type"], spans[r["source_span_id"]], spans[r["target_span_id"]])
        for r in rows(tmp_path, "relations", "train")
        if r["report"].startswith("MALADIES")
    ]
    assert relations == [
        ("AGENT_PATHOGENE", "Bactériémie", "Escherichia coli"),
        ("SITE_PRIMAIRE", "Bactériémie", "urinaire"),
        ("ORIGINE", "Escherichia coli", "urinaire"),
    ]


def test_dataset_card(tmp_path: Path) -> None:
    write(infectio_corpus(), INFECTIO, tmp_path, INFECTIO_SPLITS)
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    _, header, body = text.split("---\n", 2)
    meta = yaml.safe_load(header)
    assert meta["license"] == "cc-by-4.0" and meta["language"] == ["fr"] and meta["pretty_name"]
    assert meta["task_categories"] == ["token-classification"]
    assert [c["config_name"] for c in meta["configs"]] == ["document_metadata", "spans", "relations"]
    assert meta["configs"][1]["data_files"] == [
        {"split": "train", "path": "data/spans/spans_train.parquet"},
        {"split": "dev", "path": "data/spans/spans_dev.parquet"},
    ]
    assert "version 1.0.0" in body and "HealthDataHub/PARHAF-infectiology-annotated" in body
    assert "`curator:curatrice@example.fr`" in body and "Annotators: 2" in body
    assert "a@x.fr" not in body
    for inferred in INFECTIO.export.inferred:
        assert inferred in body
    assert "| `Infectiologie` | `attribute_LABEL` | `Bacterie` | 3 | 1 | 4 |" in body


def test_every_config_has_every_split_even_when_empty(tmp_path: Path, load_offline: Callable[[Path, str], Any]) -> None:
    splits = {**INFECTIO_SPLITS, "GERIATRIE-00390_URGENCES": "test"}
    tmp_path = tmp_path / "subset"
    stats = write(infectio_corpus(), INFECTIO, tmp_path, splits)
    assert stats["splits"] == ["train", "dev", "test"]
    for config in ("document_metadata", "spans", "relations"):
        for split in ("train", "dev", "test"):
            assert (tmp_path / f"data/{config}/{config}_{split}.parquet").is_file()
    empty = tmp_path / "data/spans/spans_test.parquet"
    assert pq.read_table(empty).num_rows == 0
    assert pq.read_schema(empty).equals(parhaf_schemas(INFECTIO)["spans"])
    assert stats["undeclared_empty_files"] == ["data/spans/spans_test.parquet", "data/relations/relations_test.parquet"]
    assert sorted(load_offline(tmp_path, "document_metadata")) == ["dev", "test", "train"]
    assert sorted(load_offline(tmp_path, "spans")) == ["dev", "train"]
    assert read_parhaf_splits(tmp_path, INFECTIO) == splits
    assert content(read_parhaf(tmp_path, INFECTIO)) == content(infectio_corpus())


# --- determinism and round trips ------------------------------------------------------------------
def test_rewrite_is_byte_identical_whatever_the_storage_order(tmp_path: Path) -> None:
    write(infectio_corpus(), INFECTIO, tmp_path / "a", INFECTIO_SPLITS)
    shuffled = infectio_corpus()
    shuffled.documents.reverse()
    for document in shuffled.documents:
        document.annotations[0].spans.reverse()
        document.annotations[0].relations.reverse()
    write(shuffled, INFECTIO, tmp_path / "b", dict(reversed(INFECTIO_SPLITS.items())))
    assert folder_bytes(tmp_path / "a") == folder_bytes(tmp_path / "b")


def test_round_trip_write_read_write(tmp_path: Path) -> None:
    original = infectio_corpus()
    write(original, INFECTIO, tmp_path / "first", INFECTIO_SPLITS)
    read = read_parhaf(tmp_path / "first", INFECTIO)
    assert content(read) == content(original)
    assert all(d.annotations[0].annotator is None for d in read.documents)
    write(read, INFECTIO, tmp_path / "second", read_parhaf_splits(tmp_path / "first", INFECTIO))
    assert folder_bytes(tmp_path / "first") == folder_bytes(tmp_path / "second")
    again = read_parhaf(tmp_path / "second", INFECTIO)
    assert again == read  # ids, provenance rows and order are preserved too


def test_read_keeps_span_ids(tmp_path: Path) -> None:
    write(infectio_corpus(), INFECTIO, tmp_path, INFECTIO_SPLITS)
    table = pq.read_table(tmp_path / "data/spans/spans_dev.parquet")
    renamed = table.set_column(1, "span_id", pa.array([f"INCEpTION-{i}" for i in range(table.num_rows)]))
    relations = pq.read_table(tmp_path / "data/relations/relations_dev.parquet").to_pylist()
    old = table["span_id"].to_pylist()
    for relation in relations:
        relation["source_span_id"] = f"INCEpTION-{old.index(relation['source_span_id'])}"
        relation["target_span_id"] = f"INCEpTION-{old.index(relation['target_span_id'])}"
    pq.write_table(renamed, tmp_path / "data/spans/spans_dev.parquet")
    pq.write_table(
        pa.Table.from_pylist(relations, schema=parhaf_schemas(INFECTIO)["relations"]),
        tmp_path / "data/relations/relations_dev.parquet",
    )
    corpus = read_parhaf(tmp_path, INFECTIO)
    pneumo = next(d for d in corpus.documents if d.report == "PNEUMOLOGIE-00561_CRH").annotations[0]
    assert sorted(s.id for s in pneumo.spans) == ["INCEpTION-0", "INCEpTION-1", "INCEpTION-2"]
    assert [(r.source, r.target) for r in pneumo.relations] == [("INCEpTION-1", "INCEpTION-0")]
    assert content(corpus) == content(infectio_corpus())


def test_reads_the_published_layout_without_ids_types_or_relations(tmp_path: Path) -> None:
    write(infectio_corpus(), INFECTIO, tmp_path / "ours", INFECTIO_SPLITS)
    published = tmp_path / "published"
    for split in ("train", "dev"):
        for config in ("document_metadata", "spans"):
            table = pq.read_table(tmp_path / f"ours/data/{config}/{config}_{split}.parquet")
            if config == "spans":
                table = table.drop_columns(["span_id", "span_type"]).append_column(
                    "attribute_Extra", pa.array([None] * table.num_rows, pa.string())
                )
            (published / f"data/{config}").mkdir(parents=True, exist_ok=True)
            pq.write_table(table, published / f"data/{config}/{config}_{split}.parquet")
    corpus = read_parhaf(published, INFECTIO)
    ours = read_parhaf(tmp_path / "ours", INFECTIO)
    for mine, theirs in zip(ours.documents, corpus.documents, strict=True):
        assert [(s.id, s.label, s.begin, s.end, s.attributes) for s in mine.annotations[0].spans] == [
            (s.id, s.label, s.begin, s.end, s.attributes) for s in theirs.annotations[0].spans
        ]
        assert theirs.annotations[0].relations == []
    assert {w.reason for w in corpus.warnings} == {"column 'attribute_Extra' is not in guide infectiologie: ignored"}


# --- offsets --------------------------------------------------------------------------------------
def test_offsets_are_code_points_with_astral_characters_accents_and_crlf(tmp_path: Path) -> None:
    text = "😀 𝔸lpha\r\nde\u0301but 🧫 E. coli\r\n"
    spans = [
        span("a", "Bacterie", text, "𝔸lpha", NEGATION="Present"),
        span("b", "Infection", text, "de\u0301but", NEGATION="Absent"),
        span("c", "Bacterie", text, "E. coli", NEGATION="Indetermine"),
    ]
    corpus = Corpus("infectiologie", "1.0.0", [Document("R-00001_CRH", text, [Annotation(spans)])])
    write(corpus, INFECTIO, tmp_path, {"R-00001_CRH": "train"})
    (document,) = rows(tmp_path, "document_metadata", "train")
    assert document["full_text"] == text  # \r\n and the decomposed accent are kept as they are
    found = rows(tmp_path, "spans", "train")
    assert [(r["begin"], r["end"], r["span_text"]) for r in found] == [
        (2, 7, "𝔸lpha"),
        (9, 15, "de\u0301but"),
        (18, 25, "E. coli"),
    ]
    for row in found:
        assert document["full_text"][row["begin"] : row["end"]] == row["span_text"]


def test_empty_documents_stay_in_document_metadata(tmp_path: Path) -> None:
    corpus = Corpus("infectiologie", "1.0.0", [Document("R-00001_CRH", "", [Annotation()])])
    corpus.documents.append(Document("R-00002_CRH", "Rien à signaler.", [Annotation()]))
    stats = write(corpus, INFECTIO, tmp_path, {"R-00001_CRH": "train", "R-00002_CRH": "train"})
    assert [r["report"] for r in rows(tmp_path, "document_metadata", "train")] == ["R-00001_CRH", "R-00002_CRH"]
    assert stats["spans"] == {"train": 0}
    assert content(read_parhaf(tmp_path, INFECTIO)) == content(corpus)


def test_offsets_outside_the_text_raise_naming_the_report(tmp_path: Path) -> None:
    corpus = infectio_corpus()
    # UTF-16 offsets (as UIMA counts) overshoot after the emoji of TEXT_4.
    corpus.documents[3].annotations[0].spans.append(Span("u", "LABEL", "Bacterie", 70, 80, {"NEGATION": "Absent"}))
    with pytest.raises(SpanTextMismatchError) as caught:
        write(corpus, INFECTIO, tmp_path, INFECTIO_SPLITS)
    assert "PNEUMOLOGIE-00561_CRH" in str(caught.value) and "PNEUMOLOGIE-00561_CRH-T4" in str(caught.value)
    assert "outside the text" in str(caught.value)


def test_span_text_mismatch_on_read_raises_naming_report_and_span(tmp_path: Path) -> None:
    write(infectio_corpus(), INFECTIO, tmp_path, INFECTIO_SPLITS)
    path = tmp_path / "data/spans/spans_dev.parquet"
    table = pq.read_table(path)
    texts = table["span_text"].to_pylist()
    texts[1] = texts[1].upper()
    pq.write_table(table.set_column(5, "span_text", pa.array(texts)), path)
    with pytest.raises(SpanTextMismatchError) as caught:
        read_parhaf(tmp_path, INFECTIO)
    message = str(caught.value)
    assert "data/spans/spans_dev.parquet: row 1" in message
    assert "report PNEUMOLOGIE-00561_CRH / span PNEUMOLOGIE-00561_CRH-T2" in message


# --- errors ---------------------------------------------------------------------------------------
def test_unknown_hub_values_are_listed_with_file_row_and_value(tmp_path: Path) -> None:
    write(infectio_corpus(), INFECTIO, tmp_path, INFECTIO_SPLITS)
    path = tmp_path / "data/spans/spans_train.parquet"
    table = pq.read_table(path)
    negations = table["attribute_NEGATION"].to_pylist()
    labels = table["attribute_LABEL"].to_pylist()
    negations[2], labels[4] = "Probable", "Virus"
    table = table.set_column(7, "attribute_NEGATION", pa.array(negations))
    pq.write_table(table.set_column(6, "attribute_LABEL", pa.array(labels)), path)
    with pytest.raises(ParhafReadError) as caught:
        read_parhaf(tmp_path, INFECTIO)
    message = str(caught.value)
    assert (
        "data/spans/spans_train.parquet: row 2: error: column attribute_NEGATION: unknown value 'Probable'" in message
    )
    assert "data/spans/spans_train.parquet: row 4: error: column attribute_LABEL: unknown value 'Virus'" in message


def test_an_unknown_attribute_value_leaves_out_the_value_only(tmp_path: Path) -> None:
    """Import (partial) keeps the span and its relations; only the unknown value is listed, by file and row."""
    write(infectio_corpus(), INFECTIO, tmp_path, INFECTIO_SPLITS)
    clean = read_parhaf(tmp_path, INFECTIO)
    path = tmp_path / "data/spans/spans_train.parquet"
    table = pq.read_table(path)
    negations = table["attribute_NEGATION"].to_pylist()
    assert negations[2] not in (None, "Probable")
    negations[2] = "Probable"
    pq.write_table(table.set_column(7, "attribute_NEGATION", pa.array(negations)), path)

    corpus = read_parhaf(tmp_path, INFECTIO, partial=True)
    span_id = table["span_id"].to_pylist()[2]
    (kept,) = [s for d in clean.documents for s in d.annotations[0].spans if s.id == span_id]
    del kept.attributes["NEGATION"]
    assert content(corpus) == content(clean)  # every span and relation is read; this span only lost NEGATION
    assert [(s.where, s.rule) for s in corpus.skipped] == [("data/spans/spans_train.parquet: row 2", "unreadable")]
    assert "column attribute_NEGATION: unknown value 'Probable' (the span is kept without it)" in (
        corpus.skipped[0].reason
    )


def test_corpus_problems_are_reported_together(tmp_path: Path) -> None:
    corpus = infectio_corpus()
    corpus.documents[0].annotations.append(Annotation())
    corpus.documents[1].annotations[0].spans[0].label = "Virus"
    corpus.documents[3].annotations[0].relations.append(Relation("bad", "ORIGINE", "k2", "nowhere"))
    splits = {k: v for k, v in INFECTIO_SPLITS.items() if k != "GERIATRIE-00390_URGENCES"}
    with pytest.raises(ParhafError) as caught:
        write(corpus, INFECTIO, tmp_path, splits)
    assert [d.location for d in caught.value.diagnostics] == ["report GERIATRIE-00390_URGENCES"]
    with pytest.raises(ParhafError) as caught:
        write(corpus, INFECTIO, tmp_path, INFECTIO_SPLITS)
    assert len(caught.value.diagnostics) == 3
    assert not any(tmp_path.iterdir())


def test_text_that_parquet_cannot_store_is_refused(tmp_path: Path) -> None:
    corpus = Corpus("infectiologie", "1.0.0", [Document("R-00001_CRH", "abc\ud800", [Annotation()])])
    with pytest.raises(ParhafError, match="lone surrogate at 3"):
        write(corpus, INFECTIO, tmp_path, {"R-00001_CRH": "train"})


# --- document fields (CU5b) -------------------------------------------------------------------------
def reponse_corpus() -> tuple[Corpus, dict[str, str]]:
    (field,) = REPONSE.document_fields
    (label_set,) = REPONSE.label_sets
    label = label_set.labels[0].id
    texts = {
        "ONCOLOGIE-00655_CRC": "Scanner RECIST 1.1 : diminution de 38 % des lésions cibles, réponse partielle.",
        "HEMATOLOGIE-00329_CRC": "TEP-TDM : Deauville 2, réponse métabolique complète 🎉.",
        "PNEUMOLOGIE-01208_CRC": "Évaluation non faite.",
        "GASTRO-ENTEROLOGIE-00722_CRH": "Progression : nouvelles métastases hépatiques.",
    }
    chosen = {
        "ONCOLOGIE-00655_CRC": "ReponsePartielle",
        "HEMATOLOGIE-00329_CRC": "ReponseComplete",
        "GASTRO-ENTEROLOGIE-00722_CRH": "MaladieProgressive",
    }
    justified = {
        "ONCOLOGIE-00655_CRC": "diminution de 38 % des lésions cibles",
        "HEMATOLOGIE-00329_CRC": "réponse métabolique complète",
        "GASTRO-ENTEROLOGIE-00722_CRH": "nouvelles métastases hépatiques",
    }
    documents = []
    for report, text in texts.items():
        annotation = Annotation(fields={field.name: [chosen[report]]} if report in chosen else {})
        if report in justified:
            begin = text.index(justified[report])
            annotation.spans.append(Span("j", label_set.name, label, begin, begin + len(justified[report])))
        documents.append(Document(report, text, [annotation]))
    splits = {report: "dev" if report.startswith("ONCO") else "train" for report in texts}
    return Corpus(REPONSE.name, REPONSE.version, documents), splits


def test_document_field_column(tmp_path: Path, load_offline: Callable[[Path, str], Any]) -> None:
    corpus, splits = reponse_corpus()
    folder = tmp_path / "subset"
    stats = write(corpus, REPONSE, folder, splits)
    assert "relations" not in {p.split("/")[1] for p in stats["files"] if p.startswith("data/")}
    metadata = load_offline(folder, "document_metadata")
    (field,) = REPONSE.document_fields
    hub = {v.id: v.hub_value for v in field.values}
    assert metadata["train"]["report"] == [
        "GASTRO-ENTEROLOGIE-00722_CRH", "HEMATOLOGIE-00329_CRC", "PNEUMOLOGIE-01208_CRC"
    ]  # fmt: skip
    assert metadata["train"][field.column] == [hub["MaladieProgressive"], hub["ReponseComplete"], None]
    assert metadata["dev"][field.column] == [hub["ReponsePartielle"]]
    spans = load_offline(folder, "spans")
    assert spans["dev"][0]["span_text"] == "diminution de 38 % des lésions cibles"
    assert spans["train"].num_rows == 2
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "text-classification" in card and f"`{field.column}`" in card
    read = read_parhaf(folder, REPONSE)
    assert content(read) == content(corpus)
    write(read, REPONSE, tmp_path / "again", splits)
    assert folder_bytes(tmp_path / "again") == folder_bytes(folder)


SYNTHETIC = Guide.model_validate(
    {
        "name": "synthetique",
        "cu": "CU9",
        "version": "0.1.0",
        "title": "Guide de test",
        "label_sets": [
            {
                "name": "Entite",
                "layer": "SpanEntite",
                "feature": "Type",
                "labels": [{"id": "Valeur", "hub": "VALUE"}, {"id": "Marqueur", "hub": "MARKER"}],
                "attributes": [
                    {
                        "name": "Statut",
                        "applies_to": ["Marqueur"],
                        "hub_column": "attribute_Status",
                        "values": [{"id": "Positif", "hub": "POS"}, {"id": "Negatif", "hub": "NEG"}],
                    }
                ],
            },
            {
                "name": "Technique",
                "layer": "SpanTechnique",
                "span_type": "Technique",
                "feature": "Methode",
                "labels": [{"id": "IHC"}, {"id": "NGS"}],
            },
        ],
        "relations": [
            {"id": "SeRapporteA", "hub": "RefersTo", "sources": ["Valeur"], "targets": ["Marqueur"], "directed": False}
        ],
        "document_fields": [
            {
                "name": "Themes",
                "multiple": True,
                "required": False,
                "values": [{"id": "A", "hub": "alpha"}, {"id": "B"}],
            }
        ],
        "export": {"hub_dataset": "example/synthetic", "relation_layer": "Rel", "document_layer": "Doc"},
    }
)


def test_several_label_sets_multiple_fields_and_undirected_relations(tmp_path: Path) -> None:
    text = "HER2 score 3+ en IHC, 40 %."
    spans = [
        Span("v", "Entite", "Valeur", 11, 13),
        Span("m", "Entite", "Marqueur", 0, 4, {"Statut": "Positif"}),
        Span("t", "Technique", "IHC", 17, 20),
    ]
    annotation = Annotation(spans, [Relation("r", "SeRapporteA", "m", "v")], {"Themes": ["B", "A"]})
    corpus = Corpus("synthetique", "0.1.0", [Document("R-00001_CRC", text, [annotation])])
    write(corpus, SYNTHETIC, tmp_path, {"R-00001_CRC": "train"})
    assert rows(tmp_path, "document_metadata", "train")[0]["attribute_Themes"] == "alpha|B"
    found = rows(tmp_path, "spans", "train")
    assert [(r["span_type"], r["attribute_Type"], r["attribute_Methode"], r["attribute_Status"]) for r in found] == [
        ("SpanEntite", "MARKER", None, "POS"),
        ("SpanEntite", "VALUE", None, None),
        ("Technique", None, "IHC", None),
    ]
    (relation,) = rows(tmp_path, "relations", "train")
    # Undirected: the stored order (marker first, although the guide lists Valeur as source) is kept.
    assert (relation["relation_type"], relation["source_span_id"], relation["target_span_id"]) == (
        "RefersTo",
        "R-00001_CRC-T1",
        "R-00001_CRC-T2",
    )
    assert content(read_parhaf(tmp_path, SYNTHETIC)) == content(corpus)


# --- property: any text, any valid spans -------------------------------------------------------------
_PIECES = st.sampled_from(["a", "é", "e\u0301", "😀", "𝔸", "\r\n", "\n", " ", "coli", "\u00a0", "🧫"])
_TEXTS = st.lists(st.one_of(_PIECES, st.characters(exclude_categories=["Cs"])), min_size=1, max_size=30).map("".join)
_LABELS = [label.id for label in INFECTIO.label_sets[0].labels]
_NEGATIONS = [value.id for value in INFECTIO.label_sets[0].attributes[0].values]
_RELATIONS = [relation.id for relation in INFECTIO.relations]


@st.composite
def corpora(draw: st.DrawFn) -> tuple[Corpus, dict[str, str]]:
    documents, splits = [], {}
    for number in range(draw(st.integers(1, 3))):
        text = draw(_TEXTS)
        spans = []
        for index in range(draw(st.integers(0, 6))):
            begin = draw(st.integers(0, len(text) - 1))
            end = draw(st.integers(begin + 1, len(text)))
            attributes = {"NEGATION": draw(st.sampled_from(_NEGATIONS))} if draw(st.booleans()) else {}
            spans.append(Span(f"id{draw(st.integers(0, 30))}x{index}", "LABEL", draw(st.sampled_from(_LABELS)),
                              begin, end, attributes))  # fmt: skip
        relations = []
        if spans:
            for index in range(draw(st.integers(0, 3))):
                source, target = draw(st.sampled_from(spans)), draw(st.sampled_from(spans))
                relations.append(Relation(f"r{index}", draw(st.sampled_from(_RELATIONS)), source.id, target.id))
        report = f"TEST-{number:05d}_CRH"
        documents.append(Document(report, text, [Annotation(spans, relations)]))
        splits[report] = draw(st.sampled_from(["train", "dev"]))
    return Corpus("infectiologie", "1.0.0", documents), splits


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_property_offsets_hold_and_round_trip(generated: tuple[Corpus, dict[str, str]]) -> None:
    corpus, splits = generated
    with tempfile.TemporaryDirectory() as temporary:
        first, second = Path(temporary) / "first", Path(temporary) / "second"
        write(corpus, INFECTIO, first, splits)
        texts = {}
        for path in sorted(first.glob("data/document_metadata/*.parquet")):
            texts.update({r["report"]: r["full_text"] for r in pq.read_table(path).to_pylist()})
        assert texts == {d.report: d.text for d in corpus.documents}
        for path in sorted(first.glob("data/spans/*.parquet")):
            for row in pq.read_table(path).to_pylist():
                assert texts[row["report"]][row["begin"] : row["end"]] == row["span_text"]
        read = read_parhaf(first, INFECTIO)
        assert content(read) == content(corpus)
        write(read, INFECTIO, second, splits)
        assert folder_bytes(first) == folder_bytes(second)
