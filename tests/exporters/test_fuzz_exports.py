"""Fuzz: exports of the bundled samples, damaged in structure and type, through the whole export.

Each case takes the sample export of a guide (two annotators, every report), damages it (any JSON
value where a field is expected, deletions, duplicates, wrapped values; sometimes the JSON text
itself), then reads it, chooses the gold and writes one target. It asserts:

- no unhandled exception: only the suite's own located errors (``PartagesError``) may stop a run;
- every result of every submitted annotation is exported or listed with where it was;
- what was written reads back equal to what was exported.

``PARTAGES_LS_FUZZ_EXAMPLES`` sets the number of cases (the suite runs 200; the closing note of
issue 11 reports a run of 10,000).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from partages_ls.content import content_dir
from partages_ls.errors import PartagesError
from partages_ls.exporters.brat.read import read_brat
from partages_ls.exporters.brat.write import write_brat
from partages_ls.exporters.cas.read import read_cas
from partages_ls.exporters.cas.write import write_cas
from partages_ls.exporters.corpus import Corpus
from partages_ls.exporters.format import WriteOptions
from partages_ls.exporters.gold import GoldPolicy, select_gold
from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
from partages_ls.exporters.parhaf.read import read_parhaf
from partages_ls.exporters.parhaf.write import write_parhaf
from partages_ls.guides.loader import load_guides

from .mutations import damaged_text, hostile, sample_export, unaccounted

EXAMPLES = int(os.environ.get("PARTAGES_LS_FUZZ_EXAMPLES", "200"))
GUIDES = load_guides(content_dir("guides"))
BASES = {name: sample_export(name) for name in GUIDES}
POLICY = GoldPolicy.parse("annotator:camille.martin@exemple.fr")


def content(corpus: Corpus) -> list[Any]:
    """What a target must keep, without ids (brat and CAS renumber them)."""
    rows = []
    for document in corpus.documents:
        for annotation in document.annotations:
            spans = {
                s.id: (s.begin, s.end, s.label_set, s.label, tuple(sorted(s.attributes.items())))
                for s in annotation.spans
            }
            relations = sorted((spans[r.source], spans[r.target], r.type) for r in annotation.relations)
            fields = tuple(sorted((k, tuple(sorted(v))) for k, v in annotation.fields.items() if v))
            rows.append((document.report, document.text, sorted(spans.values()), relations, fields))
    return sorted(rows)


def _write_and_read(gold: Corpus, guide_name: str, target: str, folder: Path) -> Corpus:
    guide = GUIDES[guide_name]
    if target == "cas":
        write_cas(gold, guide, folder, WriteOptions())
        return read_cas(folder, guide)
    if target == "brat":
        write_brat(gold, guide, folder, WriteOptions())
        return read_brat(folder, guide)
    splits = {d.report: "train" for d in gold.documents}
    write_parhaf(
        gold, guide, folder, WriteOptions(splits, gold_policy=str(POLICY), annotators=["camille.martin@exemple.fr"])
    )
    return read_parhaf(folder, guide)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(st.data())
def test_damaged_exports_are_exported_or_listed_and_read_back_equal(data: st.DataObject) -> None:
    guide_name = data.draw(st.sampled_from(sorted(GUIDES)), label="guide")
    target = data.draw(st.sampled_from(["brat", "cas", "parhaf"]), label="target")
    tasks = data.draw(hostile(BASES[guide_name]), label="export")
    text = data.draw(damaged_text(tasks), label="text")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "export.json"
        path.write_text(text, encoding="utf-8")
        try:
            loaded = load_export(path)
            corpus = read_labelstudio(loaded, GUIDES[guide_name], source="export.json", policy=POLICY)
        except PartagesError as error:
            assert "export.json" in str(error) or "task" in str(error)  # located
            event("refused at reading, located")
            return
        assert unaccounted(loaded, corpus) == []
        gold = select_gold(corpus, POLICY)
        folder = Path(scratch) / "out"
        folder.mkdir()
        try:
            read_back = _write_and_read(gold, guide_name, target, folder)
        except PartagesError as error:
            # A writer refuses only with located problems (a report id unsafe as a file name, …), or
            # when every document was listed and none is left to write.
            assert "report" in str(error) or "task" in str(error) or "no document to write" in str(error), error
            assert "no document to write" not in str(error) or not gold.documents
            event(f"{target}: refused by the writer, located")
            return
        assert content(read_back) == content(gold)
        event(f"{target}: written and read back ({'some' if corpus.skipped else 'nothing'} listed)")
