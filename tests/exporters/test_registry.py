"""The one registry of formats: export, import and build all find a format there, and only there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from partages_ls.cli.export import export_command
from partages_ls.content import bundled_workspace, content_dir
from partages_ls.errors import PartagesError
from partages_ls.exporters.corpus import Corpus
from partages_ls.exporters.format import WriteOptions
from partages_ls.exporters.gold import GoldPolicy, select_gold
from partages_ls.exporters.labelstudio.read import read_labelstudio
from partages_ls.exporters.registry import FORMATS, get_format
from partages_ls.guides.loader import load_guide, load_guides
from partages_ls.studio.sources import KINDS, detect_kind
from partages_ls.workflows.build import generated_files

from .mutations import sample_export

GUIDE = load_guide("infectiologie", content_dir("guides"))  # spans, attributes, relations and document fields


def _gold() -> Corpus:
    corpus = read_labelstudio(sample_export(GUIDE.name), GUIDE)
    return select_gold(corpus, GoldPolicy.parse("annotator:camille.martin@exemple.fr"))


def _content(corpus: Corpus) -> list[Any]:
    """What a document says, without ids (formats renumber them)."""
    rows = []
    for document in corpus.documents:
        for annotation in document.annotations:
            spans = {s.id: (s.begin, s.end, s.label, tuple(sorted(s.attributes.items()))) for s in annotation.spans}
            relations = sorted((spans[r.source], spans[r.target], r.type) for r in annotation.relations)
            rows.append((document.report, sorted(spans.values()), relations, sorted(annotation.fields.items())))
    return sorted(rows)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_written_folder_is_claimed_by_its_own_format_only_and_reads_back(name: str, tmp_path: Path) -> None:
    """Import's kind detection does not depend on the registry's order: detectors never overlap."""
    entry = FORMATS[name]
    gold = _gold()
    splits = {d.report: "train" for d in gold.documents} if entry.splits else {}
    stats = entry.write(gold, GUIDE, tmp_path, WriteOptions(splits, "annotator:camille.martin@exemple.fr", ["c"]))
    assert stats["documents"] in (len(gold.documents), {"train": len(gold.documents)})
    assert [other.name for other in FORMATS.values() if other.detect(tmp_path)] == [name]
    assert detect_kind(tmp_path) == name
    assert _content(entry.read(tmp_path, GUIDE)) == _content(gold)


def test_an_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(PartagesError, match=r"unknown target 'xlsx': choose one of brat, cas, parhaf"):
        get_format("xlsx")


def test_export_import_and_build_take_their_formats_from_the_registry() -> None:
    target = next(p for p in export_command.params if p.name == "target")
    assert sorted(getattr(target.type, "choices", [])) == sorted(FORMATS)
    assert set(FORMATS) <= set(KINDS)
    guides = load_guides(content_dir("guides"))
    built = generated_files(guides, bundled_workspace())
    generators = [entry for entry in FORMATS.values() if entry.generate is not None]
    assert {entry.name for entry in generators} == {"brat", "cas"}  # PARHAF's card is written with each export
    for entry in generators:
        assert entry.generate is not None
        files = entry.generate(guides)
        assert files and all(built[path] == text for path, text in files.items())
