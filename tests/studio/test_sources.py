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
from partages_ls.exporters.labelstudio import read_labelstudio
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
    source = read_source(REPORTS, load_guide("infectiologie"))
    assert source.kind == "reports" and not source.has_annotations
    assert [d.report for d in source.documents] == sorted(p.stem for p in REPORTS.glob("*.txt"))
    assert source.documents[0].text == (REPORTS / f"{source.documents[0].report}.txt").read_text(encoding="utf-8")
    assert detect_kind(REPORTS.parent) == "reports"  # the samples/<guide>/ layout


@pytest.mark.parametrize("guide_name", ["infectiologie", "biomarqueurs", "reponse-traitement", "pseudonymisation"])
@pytest.mark.parametrize("kind", ["parhaf", "cas", "brat"])
def test_exported_folders_read_back_to_the_same_annotations(tmp_path: Path, kind: str, guide_name: str) -> None:
    guide = load_guide(guide_name)
    corpus, expected = _gold(guide)
    folder = tmp_path / kind
    folder.mkdir()
    if kind == "parhaf":
        from partages_ls.exporters.parhaf import write_parhaf

        splits = {d.report: "train" for d in corpus.documents}
        write_parhaf(corpus, guide, folder, splits, gold_policy="single", annotators=["a@exemple.fr"])
    elif kind == "cas":
        from partages_ls.exporters.cas import write_cas

        write_cas(corpus, guide, folder)
    else:
        from partages_ls.exporters.brat import write_brat

        write_brat(corpus, guide, folder)
    assert detect_kind(folder) == kind
    source = read_source(folder, guide)
    assert source.kind == kind and source.has_annotations
    assert {d.report for d in source.documents} == set(expected)
    for document in source.documents:
        assert document.results is not None
        assert _content(document.results) == _content(expected[document.report]), document.report


def test_a_results_file(tmp_path: Path) -> None:
    guide = load_guide("infectiologie")
    path = tmp_path / "a@exemple.fr.json"
    items = [
        {"report": p.stem, "result": make_results(guide, p.read_text(encoding="utf-8"))} for p in REPORTS.glob("*.txt")
    ]
    path.write_text(json.dumps(items), encoding="utf-8")
    source = read_source(path, guide)
    assert source.kind == "results" and source.has_annotations
    assert all(d.text is None for d in source.documents)

    path.write_text(json.dumps([{"report": "X"}, {"report": "X", "result": []}, {"report": "X", "result": []}]))
    with pytest.raises(DiagnosticError) as bad:
        read_source(path, guide)
    text = str(bad.value)
    assert "[0]: error: result must be a list" in text and "[2]: error: report 'X' appears twice" in text


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
