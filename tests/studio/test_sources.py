"""Import sources: each kind detected, read back to the same annotations, an unknown one explained."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.errors import DiagnosticError
from partages_ls.exporters.corpus import Corpus
from partages_ls.exporters.format import WriteOptions
from partages_ls.exporters.labelstudio.read import read_labelstudio
from partages_ls.guides.loader import load_guide
from partages_ls.guides.model import Guide
from partages_ls.studio.sources import SourceError, detect_kind, read_source

from .synthetic import make_results

REPORTS = content_dir("samples") / "infectiologie" / "reports"


def _content(results: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """What an annotation says, independent of result ids (writers renumber them)."""
    ids: dict[str, tuple[Any, ...]] = {}
    out: set[tuple[Any, ...]] = set()
    for item in results:
        value = item.get("value", {})
        if item.get("type") == "labels":
            ids[item["id"]] = (value["start"], value["end"], value["labels"][0])
    for item in results:
        value = item.get("value", {})
        if item.get("type") == "labels":
            out.add(("span", *ids[item["id"]], value.get("text")))
        elif item.get("type") == "choices" and "start" in value:
            out.add(("attribute", *ids[item["id"]], item["from_name"], value["choices"][0]))
        elif item.get("type") == "choices":
            out.add(("field", item["from_name"], tuple(value["choices"])))
        else:
            out.add(("relation", ids[item["from_id"]], ids[item["to_id"]], item["labels"][0]))
    return out


def _gold(guide: Guide) -> tuple[Corpus, dict[str, list[dict[str, Any]]]]:
    tasks, expected = [], {}
    for position, path in enumerate(sorted((content_dir("samples") / guide.name / "reports").glob("*.txt"))):
        text = path.read_text(encoding="utf-8")
        results = make_results(guide, text)
        expected[path.stem] = results
        annotation = {"id": position + 1, "completed_by": {"id": 1, "email": "a@exemple.fr"}, "result": results}
        tasks.append({"id": position + 1, "data": {"text": text, "report": path.stem}, "annotations": [annotation]})
    return read_labelstudio(tasks, guide), expected


def test_a_folder_of_reports(tmp_path: Path) -> None:
    source = read_source(REPORTS, load_guide("infectiologie", content_dir("guides")))
    assert source.kind == "reports" and not source.has_annotations
    assert [d.report for d in source.documents] == sorted(p.stem for p in REPORTS.glob("*.txt"))
    assert source.documents[0].text == (REPORTS / f"{source.documents[0].report}.txt").read_text(encoding="utf-8")
    assert detect_kind(REPORTS.parent) == "reports"  # the samples/<guide>/ layout


@pytest.mark.parametrize("guide_name", ["infectiologie", "biomarqueurs", "reponse-traitement", "pseudonymisation"])
@pytest.mark.parametrize("kind", ["parhaf", "cas", "brat"])
def test_exported_folders_read_back_to_the_same_annotations(tmp_path: Path, kind: str, guide_name: str) -> None:
    guide = load_guide(guide_name, content_dir("guides"))
    corpus, expected = _gold(guide)
    folder = tmp_path / kind
    folder.mkdir()
    if kind == "parhaf":
        from partages_ls.exporters.parhaf.write import write_parhaf

        splits = {d.report: "train" for d in corpus.documents}
        write_parhaf(corpus, guide, folder, WriteOptions(splits, gold_policy="single", annotators=["a@exemple.fr"]))
    elif kind == "cas":
        from partages_ls.exporters.cas.write import write_cas

        write_cas(corpus, guide, folder, WriteOptions())
    else:
        from partages_ls.exporters.brat.write import write_brat

        write_brat(corpus, guide, folder, WriteOptions())
    assert detect_kind(folder) == kind
    source = read_source(folder, guide)
    assert source.kind == kind and source.has_annotations
    assert {d.report for d in source.documents} == set(expected)
    for document in source.documents:
        assert document.results is not None
        assert _content(document.results) == _content(expected[document.report]), document.report


def test_a_results_file(tmp_path: Path) -> None:
    guide = load_guide("infectiologie", content_dir("guides"))
    path = tmp_path / "a@exemple.fr.json"
    items = [
        {"report": p.stem, "result": make_results(guide, p.read_text(encoding="utf-8"))} for p in REPORTS.glob("*.txt")
    ]
    path.write_text(json.dumps(items), encoding="utf-8")
    source = read_source(path, guide)
    assert source.kind == "results" and source.has_annotations
    assert all(d.text is None for d in source.documents)

    # One malformed item never costs its neighbours: it is left out alone, located.
    path.write_text(json.dumps([{"report": "X"}, {"report": "X", "result": []}, {"report": "X", "result": []}]))
    partial = read_source(path, guide)
    assert [d.report for d in partial.documents] == ["X"]
    text = "\n".join(d.render() for d in partial.left_out)
    assert "[0]: error: result must be a list" in text and "[2]: error: report 'X' appears twice" in text
    # Nothing readable at all is still an error.
    path.write_text(json.dumps([{"report": "X"}, {"result": []}]))
    with pytest.raises(DiagnosticError) as bad:
        read_source(path, guide)
    assert "[0]: error: result must be a list" in str(bad.value)


def test_an_unknown_source_is_explained(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("hello")
    with pytest.raises(SourceError) as unknown:
        detect_kind(tmp_path)
    message = str(unknown.value)
    assert "unknown kind of source (found: notes.md)" in message
    assert "PARHAF" in message and "brat" in message and "CAS" in message
    nested = tmp_path / "brat"
    (nested / "alice").mkdir(parents=True)
    shutil.copy(next(REPORTS.glob("*.txt")), nested / "alice" / "R.txt")
    (nested / "alice" / "R.ann").write_text("")
    with pytest.raises(SourceError, match=r"pass .*/brat/alice"):
        detect_kind(nested)
    with pytest.raises(SourceError, match="no such file"):
        detect_kind(tmp_path / "missing")


def test_a_bad_parhaf_row_is_left_out_alone(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from partages_ls.exporters.parhaf.write import write_parhaf

    guide = load_guide("infectiologie", content_dir("guides"))
    corpus, expected = _gold(guide)
    splits = {d.report: "train" for d in corpus.documents}
    write_parhaf(corpus, guide, tmp_path, WriteOptions(splits, gold_policy="single", annotators=["a@exemple.fr"]))
    path = tmp_path / "data" / "spans" / "spans_train.parquet"
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[0]["span_text"] = "autre chose"  # its text no longer matches the report
    rows[1]["attribute_LABEL"] = "Virus"  # a label the guide does not have
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    source = read_source(tmp_path, guide)
    left_out = sorted(d.location for d in source.left_out)
    assert [w for w in left_out if "spans" in w] == [
        "data/spans/spans_train.parquet: row 0",
        "data/spans/spans_train.parquet: row 1",
    ]
    # A relation drawn on one of those spans cannot be stored without it: left out too, and said so.
    others = [d for d in source.left_out if "spans" not in d.location]
    assert all(d.location.startswith("data/relations/") and "no span" in d.message for d in others)
    assert {d.report for d in source.documents} == set(expected)  # every report is still imported
    spans = sum(1 for d in source.documents for r in d.results or [] if r.get("type") == "labels")
    assert spans == len(rows) - 2


def test_a_cas_span_with_an_unknown_attribute_value_is_imported_without_it(tmp_path: Path) -> None:
    from partages_ls.exporters.cas.write import write_cas

    guide = load_guide("infectiologie", content_dir("guides"))
    corpus, expected = _gold(guide)
    write_cas(corpus, guide, tmp_path, WriteOptions())
    path = sorted(tmp_path.glob("*.json"))[0]
    raw = json.loads(path.read_text(encoding="utf-8"))
    structure = next(fs for fs in raw["%FEATURE_STRUCTURES"] if fs.get("NEGATION"))
    structure["NEGATION"] = "Probable"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")

    source = read_source(tmp_path, guide)
    document = next(d for d in source.documents if d.report == path.stem)
    got, wanted = _content(document.results or []), _content(expected[path.stem])
    # The span is imported (with its other choices and its relations); only the NEGATION choice is missing.
    (missing,) = wanted - got
    assert missing[0] == "attribute" and missing[1:3] == (structure["begin"], structure["end"])
    assert missing[4] == "NEGATION" and not got - wanted
    assert [(d.location, d.code) for d in source.left_out] == [
        (f"{path.name} / Infectiologie #{structure['%ID']}", "unreadable")
    ]
    assert "not imported: unknown value 'Probable' of feature NEGATION (the span is kept" in source.left_out[0].message
