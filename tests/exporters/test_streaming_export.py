"""The export streams: it never holds the corpus, its parquet row groups hold the same table, and the
order of the tasks in the export changes nothing that is written."""

from __future__ import annotations

import copy
import gc
import json
import random
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from partages_ls.content import bundled_workspace
from partages_ls.exporters import registry
from partages_ls.exporters.brat.write import open_brat
from partages_ls.exporters.corpus import Document
from partages_ls.exporters.format import DocumentWriter, Format, WriteOptions
from partages_ls.exporters.parhaf import write as parhaf_write
from partages_ls.exporters.parhaf.write import write_parquet
from partages_ls.exporters.spill import Spill, decode, encode
from partages_ls.guides.model import Guide
from partages_ls.workflows.export import ExportRequest, run_export

from .every_kind import every_kind_export
from .in_memory_commands import run_export_in_memory
from .mutations import sample_export

COPIES = 25  # the samples 25 times over: 100 documents
GOLD = "annotator:camille.martin@exemple.fr"


def _many_reports() -> list[dict[str, Any]]:
    """The samples repeated under new task ids, report ids and annotation ids."""
    samples = sample_export("infectiologie")
    tasks = []
    for copy_number in range(COPIES):
        for task in copy.deepcopy(samples):
            task["id"] += 1000 * copy_number
            task["data"]["report"] = f"{task['data']['report']}-{copy_number:03d}"
            for annotation in task["annotations"]:
                annotation["id"] += 1000 * copy_number
            tasks.append(task)
    return tasks


def _write_export(path: Path, tasks: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(tasks, indent=1), encoding="utf-8")
    return path


def _outputs(folder: Path, *, report: bool = True) -> dict[str, bytes]:
    files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    if not report:
        files.pop("export-report.json")
    return files


def _live_documents(counted: list[int]) -> None:
    """Count the documents alive (every 10th call: a full heap scan is slow)."""
    if len(counted) % 10 == 0:
        gc.collect()
        counted.append(sum(1 for found in gc.get_objects() if isinstance(found, Document)))
    else:
        counted.append(0)


class _Probe:
    """A brat writer that counts the documents alive each time it is handed one."""

    def __init__(self, inner: DocumentWriter, live: list[int]) -> None:
        self.inner = inner
        self.live = live

    def add(self, document: Document) -> None:
        _live_documents(self.live)
        self.inner.add(document)

    def close(self) -> dict[str, Any]:
        return self.inner.close()


def test_the_export_never_holds_the_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = _write_export(tmp_path / "export.json", _many_reports())
    reading: list[int] = []
    writing: list[int] = []
    spill_add = Spill.add

    def counted_add(spill: Spill, document: Document) -> None:
        _live_documents(reading)
        spill_add(spill, document)

    def open_probe(guide: Guide, folder: Path, options: WriteOptions) -> DocumentWriter:
        return _Probe(open_brat(guide, folder, options), writing)

    brat = registry.FORMATS["brat"]
    probe = Format("probe", brat.read, brat.write, brat.detect, open=open_probe, ordered=True)
    monkeypatch.setitem(registry.FORMATS, "probe", probe)
    monkeypatch.setattr(Spill, "add", counted_add)
    request = ExportRequest(export, "probe", tmp_path / "out", guide="infectiologie", gold=GOLD)
    report = run_export(request, bundled_workspace())
    documents = report["summary"]["documents_exported"]
    assert documents == len(reading) == len(writing) >= 100
    # A task's document and its gold copy (and the previous ones, until replaced): a few, never the corpus.
    assert max(reading) <= 3 and max(writing) <= 3, (max(reading), max(writing))
    # The same files as the brat writer given the whole corpus.
    whole = tmp_path / "whole"
    whole.parent.mkdir(exist_ok=True)
    run_export_in_memory(ExportRequest(export, "brat", whole, guide="infectiologie", gold=GOLD), bundled_workspace())
    assert _outputs(tmp_path / "out", report=False) == _outputs(whole, report=False)


def test_a_spilled_document_comes_back_equal(tmp_path: Path) -> None:
    request = ExportRequest(
        _write_export(tmp_path / "export.json", every_kind_export()), "brat", tmp_path / "out", guide="infectiologie"
    )
    from partages_ls.exporters.labelstudio.read import read_labelstudio, stream_export
    from partages_ls.guides.loader import load_guide

    guide = load_guide("infectiologie", bundled_workspace().guides)
    documents = read_labelstudio(stream_export(request.export_path), guide).documents
    assert len(documents) > 10 and all(decode(encode(d)) == d for d in documents)
    with Spill() as spill:
        for document in reversed(documents):
            spill.add(document)
        assert list(spill.sorted()) == sorted(documents, key=lambda d: d.report)


@pytest.mark.parametrize("limit", ["rows", "characters"])
def test_parquet_row_groups_hold_the_same_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str) -> None:
    export = _write_export(tmp_path / "export.json", _many_reports())
    outs = {}
    for name in ("one-group", "small-groups"):
        if name == "small-groups":
            if limit == "rows":
                monkeypatch.setattr(parhaf_write, "ROW_GROUP_ROWS", 7)
            else:
                monkeypatch.setattr(parhaf_write, "ROW_GROUP_CHARACTERS", 5000)
        outs[name] = tmp_path / name
        request = ExportRequest(export, "parhaf", outs[name], guide="infectiologie", gold=GOLD)
        run_export(request, bundled_workspace())
    files = sorted(p.relative_to(outs["one-group"]) for p in outs["one-group"].rglob("*.parquet"))
    assert len(files) >= 5
    grouped = 0
    for relative in files:
        one, small = (pq.ParquetFile(outs[name] / relative) for name in ("one-group", "small-groups"))
        assert one.metadata.num_row_groups <= 1
        grouped += small.metadata.num_row_groups > 1
        assert small.read().equals(one.read())
        # One row group: the very bytes of the whole table written at once (the writer of earlier versions).
        whole = tmp_path / "whole" / relative
        write_parquet(one.read(), whole)
        assert whole.read_bytes() == (outs["one-group"] / relative).read_bytes()
    assert grouped >= (3 if limit == "rows" else 1)


@pytest.mark.parametrize("target", ["parhaf", "cas", "brat"])
def test_tasks_in_any_order_write_the_same_bytes(tmp_path: Path, target: str) -> None:
    tasks = every_kind_export()
    shuffled = copy.deepcopy(tasks)
    random.Random(13).shuffle(shuffled)
    assert [t.get("id") for t in shuffled] != [t.get("id") for t in tasks]
    results = {}
    for name, found in (("ordered", tasks), ("shuffled", shuffled)):
        (tmp_path / name).mkdir()
        export = _write_export(tmp_path / name / "export.json", found)  # same name: reports name their source
        for arm, function in (("streaming", run_export), ("in-memory", run_export_in_memory)):
            out = tmp_path / name / arm
            report = function(ExportRequest(export, target, out, guide="infectiologie"), bundled_workspace())
            results[(name, arm)] = (report, _outputs(out))
    # On the shuffled export, the streaming export writes what the in-memory one wrote, report included.
    assert results[("shuffled", "streaming")] == results[("shuffled", "in-memory")]
    # And the files are those of the export in order (the report lists reading problems in task order).
    assert _outputs(tmp_path / "shuffled" / "streaming", report=False) == _outputs(
        tmp_path / "ordered" / "streaming", report=False
    )
    before, after = results[("ordered", "streaming")][0], results[("shuffled", "streaming")][0]
    assert after["summary"] == before["summary"] and after["writer"] == before["writer"]
    assert sorted(map(str, after["skipped"])) == sorted(map(str, before["skipped"]))
